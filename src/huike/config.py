"""Settings from the environment (or `.env`), per CONTRACT.md "Configuration"."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUIKE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./var/huike.db"
    # PostgreSQL only: the role the application switches to after connecting. It neither owns the
    # tables nor bypasses row-level security; the migrations create it. Empty = do not switch.
    database_role: str = "huike_app"
    broker_url: str = ""
    secret_key: str = ""
    # Where in-process (SQLite-backed) jobs are stored when no broker is configured.
    jobs_path: str = "./var/jobs.db"
    # Uploaded and produced files (imports, exports), per tenant. Empty = the directory of jobs_path.
    var_dir: str = ""
    # The largest import file accepted (bytes).
    import_max_bytes: int = 200 * 1024 * 1024
    # The largest attachment accepted (bytes); stored under <var>/attachments/<tenant id>/.
    attachment_max_bytes: int = 20 * 1024 * 1024
    session_ttl_hours: int = 12
    login_max_failures: int = 5
    login_window_seconds: int = 60
    cookie_secure: bool = False
    static_dir: str = ""
    log_level: str = "INFO"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _ensure_secret(settings: Settings) -> Settings:
    if settings.secret_key:
        return settings
    path = VAR_DIR / "secret_key"
    if path.exists():
        settings.secret_key = path.read_text().strip()
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        settings.secret_key = secrets.token_urlsafe(48)
        path.write_text(settings.secret_key)
        path.chmod(0o600)
    return settings


@lru_cache
def get_settings() -> Settings:
    return _ensure_secret(Settings())
