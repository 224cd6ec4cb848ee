"""Shared fixtures. Every database test runs twice: on SQLite and on PostgreSQL.

Databases are built by the Alembic migrations (never `create_all`). Tests isolate themselves by
creating their own tenants (`world` fixture), which is also how the product isolates data.
In CI (`CI=true`) a missing PostgreSQL or Chromium fails the run instead of skipping.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

os.environ.setdefault("HUIKE_SECRET_KEY", "test-secret")
# The job queue is built when huike.worker.queue is imported: keep it out of the developer's ./var/.
os.environ.setdefault("HUIKE_JOBS_PATH",
                      os.path.join(tempfile.gettempdir(), f"huike-test-jobs-{os.getpid()}.db"))

from argon2 import PasswordHasher, profiles

from huike.auth import passwords
from huike.config import Settings
from huike.kit.db import Database
from huike.kit.migrate import upgrade

# Argon2id at production cost takes ~0.2 s per hash or check; the suite logs in hundreds of times.
# Tests hash with the cheapest argon2id parameters (the algorithm and code path stay the same).
passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
passwords._DUMMY = passwords._hasher.hash("huike-dummy-password")

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_URL = os.environ.get("HUIKE_TEST_POSTGRES_URL", "")


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not PG_URL:
        raise pytest.UsageError("CI=true but HUIKE_TEST_POSTGRES_URL is not set: the PostgreSQL half would be skipped")


def _pg_admin_url(url: str, dbname: str) -> str:
    return sa.engine.make_url(url).set(database=dbname).render_as_string(hide_password=False)


def create_pg_database(base_url: str, name: str) -> str:
    admin = sa.create_engine(_pg_admin_url(base_url, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                             "LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"))
    admin.dispose()
    return _pg_admin_url(base_url, name)


def drop_pg_database(base_url: str, name: str) -> None:
    admin = sa.create_engine(_pg_admin_url(base_url, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not PG_URL, reason="HUIKE_TEST_POSTGRES_URL not set (the README's test command sets it)"))]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "huike.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    name = f"huike_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = create_pg_database(PG_URL, name)
    upgrade(url)
    yield url
    drop_pg_database(PG_URL, name)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret",
                    jobs_path=str(tmp_path_factory.mktemp("jobs") / "jobs.db"))


@pytest.fixture(scope="session")
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    from huike.app import create_app

    return create_app(settings, database=db, run_jobs=False)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def world(db: Database):  # type: ignore[no-untyped-def]
    from tests.factories import build_world

    return build_world(db)


@pytest.fixture
def other_world(db: Database):  # type: ignore[no-untyped-def]
    from tests.factories import build_world

    return build_world(db)


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
