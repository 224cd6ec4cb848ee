"""Engines, sessions and the tenant wall.

Tenant isolation (PERM-1) lives here and nowhere else:
- a session knows its tenant (`set_tenant`); every ORM SELECT, UPDATE and DELETE touching a
  `TenantMixin` table gets `tenant_id = :tenant` added (`with_loader_criteria`), and a query on
  such a table without a tenant raises instead of reading everything (default deny);
- every new row gets the session's tenant; a row of another tenant cannot be flushed;
- on PostgreSQL the tenant is also set transaction-locally (`set_config(..., true)`) for the
  row-level-security policies created by the migrations, and the connection switches to the
  application role that neither owns the tables nor bypasses RLS.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from huike.config import Settings, get_settings
from huike.kit.models import Base, TenantMixin

TENANT_KEY = "tenant_id"
SKIP_TENANT = "skip_tenant_filter"


class TenantNotSet(RuntimeError):
    """A query on a tenant table ran in a session without a tenant."""


def make_engine(url: str, *, app_role: str | None = None, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _rec: Any) -> None:
            # Let SQLAlchemy own transactions (see `_sqlite_begin`).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: sa.Connection) -> None:
            # BEGIN IMMEDIATE: a read-then-write transaction can never fail with a lock-upgrade
            # deadlock (SQLITE_BUSY without waiting); writers queue on busy_timeout instead.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    engine = sa.create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)
    if app_role:

        @event.listens_for(engine, "connect")
        def _set_role(dbapi_conn: Any, _rec: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute(f'SET ROLE "{app_role}"')
            dbapi_conn.commit()

    return engine


class Database:
    """The application's engine and session factory."""

    def __init__(self, settings: Settings | None = None, url: str | None = None) -> None:
        self.settings = settings or get_settings()
        self.url = url or self.settings.database_url
        self.is_sqlite = self.url.startswith("sqlite")
        role = None if self.is_sqlite else (self.settings.database_role or None)
        self.engine = make_engine(self.url, app_role=role)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    def session(self, tenant_id: int | None = None) -> Session:
        s = self.sessionmaker()
        if tenant_id is not None:
            set_tenant(s, tenant_id)
        return s

    @contextmanager
    def transaction(self, tenant_id: int | None = None) -> Iterator[Session]:
        """A unit of work: commit on success, roll back on error."""
        s = self.session(tenant_id)
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def dispose(self) -> None:
        self.engine.dispose()


def set_tenant(session: Session, tenant_id: int) -> None:
    session.info[TENANT_KEY] = int(tenant_id)
    if session.get_bind().dialect.name == "postgresql" and session.in_transaction():
        _pg_set_tenant(session.connection(), tenant_id)


def get_tenant(session: Session) -> int | None:
    return session.info.get(TENANT_KEY)


def _pg_set_tenant(conn: sa.Connection, tenant_id: int | None) -> None:
    conn.exec_driver_sql(
        "SELECT set_config('huike.tenant_id', %(t)s, true)", {"t": "" if tenant_id is None else str(tenant_id)}
    )


@event.listens_for(Session, "after_begin")
def _after_begin(session: Session, tx: Any, conn: sa.Connection) -> None:
    # a savepoint inherits the transaction's setting (set_tenant updates it in place)
    if conn.dialect.name == "postgresql" and not tx.nested:
        _pg_set_tenant(conn, session.info.get(TENANT_KEY))


@event.listens_for(Session, "do_orm_execute")
def _tenant_filter(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get(SKIP_TENANT):
        return
    tenant_id = state.session.info.get(TENANT_KEY)
    if tenant_id is None:
        if _touches_tenant_table(state):
            raise TenantNotSet("query on a tenant table without a tenant")
        return
    state.statement = state.statement.options(
        with_loader_criteria(TenantMixin, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


def _touches_tenant_table(state: ORMExecuteState) -> bool:
    """Whether the statement touches a tenant table anywhere: as an entity, but also only in
    FROM / JOIN / a subquery (`select(func.count()).select_from(Employee)`, `.join(Employee)`)."""
    if any(issubclass(m.class_, TenantMixin) for m in state.all_mappers):
        return True
    tenant_tables = {m.local_table for m in Base.registry.mappers if issubclass(m.class_, TenantMixin)}
    return any(t in tenant_tables for t in find_tables(state.statement, include_crud=True))


@event.listens_for(Session, "before_flush")
def _tenant_on_write(session: Session, _ctx: Any, _instances: Any) -> None:
    tenant_id = session.info.get(TENANT_KEY)
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantMixin):
            continue
        if tenant_id is None:
            raise TenantNotSet(f"write to {type(obj).__name__} without a tenant")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantNotSet(f"{type(obj).__name__} of tenant {obj.tenant_id} in session of {tenant_id}")
