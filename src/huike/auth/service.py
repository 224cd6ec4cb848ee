"""Login, sessions and resolving a token to an `Actor` (ASVS V6/V7)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.auth.models import AuthSession, LoginFailure
from huike.auth.passwords import verify_password
from huike.authz.actor import Actor
from huike.config import Settings
from huike.kit.db import Database, set_tenant
from huike.kit.errors import HuikeError, TooMany, Unauthenticated
from huike.kit.models import utcnow
from huike.org.models import Employee, OrgUnit, Role, Tenant

TOKEN_PREFIX = "hk"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_token(token: str) -> int | None:
    """The tenant id a token belongs to (so its session can be looked up under RLS)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1].isdigit():
        return None
    return int(parts[1])


@dataclass
class LoginResult:
    token: str
    csrf_token: str
    expires_at: datetime
    employee_id: int
    tenant_id: int


def _throttled(session: Session, account: str, ip: str, settings: Settings) -> bool:
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    n_account = session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)
                               .where(LoginFailure.account == account, LoginFailure.at >= since)) or 0
    n_ip = session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)
                          .where(LoginFailure.ip == ip, LoginFailure.at >= since)) or 0
    return n_account >= settings.login_max_failures or n_ip >= settings.login_max_failures


def login(db: Database, tenant_code: str, username: str, password: str, *, ip: str,
          user_agent: str | None) -> LoginResult:
    settings = db.settings
    account = f"{tenant_code.strip().lower()}:{username.strip().lower()}"
    with db.transaction() as s:
        if _throttled(s, account, ip, settings):
            raise TooMany()
        tenant = s.scalar(sa.select(Tenant).where(sa.func.lower(Tenant.code) == tenant_code.strip().lower(),
                                                   Tenant.is_active))
        employee = None
        if tenant is not None:
            set_tenant(s, tenant.id)
            employee = s.scalar(sa.select(Employee).where(Employee.username == username.strip()))
        ok = verify_password(employee.password_hash if employee else None, password)
        if not ok or employee is None or not employee.is_active or tenant is None:
            # Same answer for unknown tenant, unknown user, wrong password and disabled account.
            s.add(LoginFailure(account=account, ip=ip))
            if tenant is not None:
                audit.record(s, "auth.login_failed", "employee", employee.id if employee else None,
                             actor_name=username[:100], after={"username": username[:100]})
            failed = True
        else:
            failed = False
            token = f"{TOKEN_PREFIX}_{tenant.id}_{secrets.token_urlsafe(32)}"
            csrf = secrets.token_urlsafe(24)
            expires = utcnow() + timedelta(hours=settings.session_ttl_hours)
            auth = AuthSession(employee_id=employee.id, token_hash=_hash(token), csrf_token=csrf,
                               expires_at=expires, ip=ip, user_agent=(user_agent or "")[:300])
            s.add(auth)
            audit.record(s, "auth.login", "employee", employee.id, actor_id=employee.id,
                         actor_name=employee.name)
            result = LoginResult(token, csrf, expires, employee.id, tenant.id)
    if failed:
        raise HuikeError("invalid_credentials", 401)
    return result


def logout(session: Session, actor: Actor) -> None:
    if actor.session_id is not None:
        session.execute(sa.update(AuthSession).where(AuthSession.id == actor.session_id)
                        .values(revoked_at=utcnow()))
    audit.record(session, "auth.logout", "employee", actor.employee_id, actor=actor)


def revoke_employee_sessions(session: Session, employee_id: int) -> int:
    result = session.execute(sa.update(AuthSession)
                             .where(AuthSession.employee_id == employee_id, AuthSession.revoked_at.is_(None))
                             .values(revoked_at=utcnow()))
    return result.rowcount or 0


def load_actor(session: Session, employee: Employee, session_id: int | None = None) -> Actor:
    dept = employee.department
    ids = [int(x) for x in dept.path.strip("/").split("/") if x]
    center = None
    if ids:
        center = session.scalar(sa.select(OrgUnit).where(OrgUnit.id.in_(ids), OrgUnit.kind == "center")
                                .order_by(sa.func.length(OrgUnit.path).desc()).limit(1))
    role: Role = employee.role
    return Actor(
        tenant_id=employee.tenant_id, employee_id=employee.id, name=employee.name,
        department_id=dept.id, department_path=dept.path,
        center_id=center.id if center else None, center_path=center.path if center else None,
        role_id=role.id, role_code=role.code, data_scope=role.data_scope, kind=role.kind,
        permissions=frozenset(role.permissions or []), session_id=session_id,
    )


def authenticate(session: Session, token: str) -> tuple[Actor, AuthSession]:
    tenant_id = parse_token(token)
    if tenant_id is None:
        raise Unauthenticated()
    set_tenant(session, tenant_id)
    row = session.execute(
        sa.select(AuthSession, Employee)
        .join(Employee, Employee.id == AuthSession.employee_id)
        .join(Tenant, Tenant.id == Employee.tenant_id)
        .where(AuthSession.token_hash == _hash(token), Tenant.is_active)
    ).first()
    if row is None:
        raise Unauthenticated()
    auth, employee = row
    now = utcnow()
    if auth.revoked_at is not None or auth.expires_at <= now or not employee.is_active:
        raise Unauthenticated("session_expired")
    if (now - auth.last_seen_at) > timedelta(minutes=5):
        session.execute(sa.update(AuthSession).where(AuthSession.id == auth.id).values(last_seen_at=now))
    return load_actor(session, employee, auth.id), auth
