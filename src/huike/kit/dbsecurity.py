"""Database-side walls created by migrations: PostgreSQL row-level security per tenant, the
non-owner application role, and append-only tables (both databases)."""

from __future__ import annotations

from alembic import op

from huike.config import get_settings

POLICY_EXPR = "tenant_id = NULLIF(current_setting('huike.tenant_id', true), '')::bigint"


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def app_role() -> str:
    return get_settings().database_role or "huike_app"


def ensure_app_role() -> None:
    """The role the application switches to: no login, no BYPASSRLS, owns nothing."""
    if not _pg():
        return
    role = app_role()
    op.execute(f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE "{role}" NOLOGIN NOBYPASSRLS;
          END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$""")
    op.execute(f'GRANT "{role}" TO CURRENT_USER')
    op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')


def grant_table(table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    if _pg():
        op.execute(f'GRANT {privileges} ON {table} TO "{app_role()}"')
        op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app_role()}"')


def tenant_table(table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    """Row-level security on `tenant_id` (the second wall behind the ORM filter)."""
    grant_table(table, privileges)
    if not _pg():
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({POLICY_EXPR}) WITH CHECK ({POLICY_EXPR})")


def append_only(table: str) -> None:
    """Refuse UPDATE and DELETE in the database itself."""
    if _pg():
        op.execute("""
            CREATE OR REPLACE FUNCTION huike_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql""")
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION huike_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
