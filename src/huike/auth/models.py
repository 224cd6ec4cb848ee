"""Server-side sessions and the login throttle."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, utcnow


class AuthSession(IdMixin, TenantMixin, Base):
    """One login. The token is `hk_<tenant>_<secret>`; only its SHA-256 is stored."""

    __tablename__ = "auth_sessions"
    employee_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))


class LoginFailure(IdMixin, Base):
    """Failed login attempts, counted per account and per address over a sliding minute.
    Pre-authentication data, so not a tenant table (the account key is `tenant:username`)."""

    __tablename__ = "login_failures"
    __table_args__ = (sa.Index("ix_login_failures_account_at", "account", "at"),
                      sa.Index("ix_login_failures_ip_at", "ip", "at"))
    account: Mapped[str] = mapped_column(sa.String(200))
    ip: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
