"""The `huike` command line (CONTRACT.md "Command line"), run in-process with Typer's CliRunner against
the test database of each backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from huike.config import get_settings
from huike.customer.models import Customer
from huike.kit.db import Database
from huike.org.models import Employee, OrgUnit, Role, Tenant
from tests.conftest import PG_URL, create_pg_database, drop_pg_database
from tests.helpers import assert_problem, client_from, login


class Cli:
    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str):  # type: ignore[no-untyped-def]
        from huike.cli import app

        old = os.environ.get("HUIKE_DATABASE_URL")
        os.environ["HUIKE_DATABASE_URL"] = self.url
        get_settings.cache_clear()
        try:
            return self.runner.invoke(app, list(args), catch_exceptions=False)
        finally:
            if old is None:
                os.environ.pop("HUIKE_DATABASE_URL", None)
            else:
                os.environ["HUIKE_DATABASE_URL"] = old
            get_settings.cache_clear()


@pytest.fixture
def cli(database_url: str) -> Cli:
    return Cli(database_url)


def _code() -> str:
    return f"cli{uuid.uuid4().hex[:8]}"


def _output(r) -> str:  # type: ignore[no-untyped-def]
    return " ".join(r.output.split())  # Rich wraps long lines


# ------------------------------------------------------------------ migrate
@pytest.fixture
def fresh_url(backend: str, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh' / 'huike.db'}"
        return
    name = f"huike_cli_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = create_pg_database(PG_URL, name)
    yield url
    drop_pg_database(PG_URL, name)


def test_migrate(fresh_url):
    cli = Cli(fresh_url)
    r = cli("migrate")
    assert r.exit_code == 0, r.output
    assert "up to date" in r.output
    engine = sa.create_engine(fresh_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
        assert {"tenants", "org_units", "roles", "employees", "customers", "customer_phones", "audit_log",
                "auth_sessions", "login_failures", "alembic_version"} <= tables
        with engine.connect() as conn:
            head = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()
    # a second run is a no-op
    r = cli("migrate")
    assert r.exit_code == 0, r.output
    engine = sa.create_engine(fresh_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == head
    finally:
        engine.dispose()
    # and the migrated database serves a tenant end to end
    assert cli("create-tenant", "fresh", "--name", "新库", "--admin", "root", "--password", "Passw0rd!x").exit_code == 0


# ------------------------------------------------------------------ create-tenant
def test_create_tenant_then_login(cli, app, db):
    code = _code()
    r = cli("create-tenant", code, "--name", "命令行企业", "--admin", "boss", "--password", "Boss@2026x")
    assert r.exit_code == 0, r.output
    assert code in r.output and "boss" in r.output
    with client_from(app) as c:
        r = login(c, code, "boss", "Boss@2026x")
        assert r.status_code == 200, r.text
        me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
        assert me["role"]["code"] == "admin" and me["tenant"]["name"] == "命令行企业"
        assert_problem(login(c, code, "boss", "wrong-password"), 401, "invalid_credentials")
    with db.transaction() as s:
        tenant_id = s.scalar(sa.select(Tenant.id).where(Tenant.code == code))
    with db.transaction(tenant_id) as s:
        assert set(s.scalars(sa.select(Role.code))) >= {"admin", "center_director", "dept_manager", "operator",
                                                        "sales"}
        kinds = [u.kind for u in s.scalars(sa.select(OrgUnit))]
        assert kinds.count("company") == 1 and "center" in kinds and "department" in kinds


def test_create_tenant_refusals(cli, db):
    code = _code()
    assert cli("create-tenant", code, "--name", "一", "--admin", "a", "--password", "Passw0rd!x").exit_code == 0
    for dup in (code, code.upper()):
        r = cli("create-tenant", dup, "--name", "二", "--admin", "b", "--password", "Passw0rd!x")
        assert r.exit_code == 1, r.output
        assert f"企业代码 {dup} 已存在" in _output(r)
        assert "Traceback" not in r.output
    with db.transaction() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Tenant)
                        .where(sa.func.lower(Tenant.code) == code.lower())) == 1
    r = cli("create-tenant", _code(), "--name", "弱", "--admin", "a", "--password", "short")
    assert r.exit_code == 1 and "密码至少 8 位" in _output(r)
    r = cli("create-tenant", _code(), "--name", "缺")
    assert r.exit_code != 0


# ------------------------------------------------------------------ create-user
def test_create_user(cli, app, db):
    code = _code()
    assert cli("create-tenant", code, "--name", "用户企业", "--admin", "boss", "--password", "Passw0rd!x").exit_code == 0
    r = cli("create-user", code, "xiaoli", "--password", "Sales@2026", "--role", "sales", "--department", "总经办")
    assert r.exit_code == 0, r.output
    assert "xiaoli" in r.output
    # role by its name, department by its id
    with db.transaction() as s:
        tenant_id = s.scalar(sa.select(Tenant.id).where(Tenant.code == code))
    with db.transaction(tenant_id) as s:
        office = s.scalar(sa.select(OrgUnit.id).where(OrgUnit.name == "总经办"))
    r = cli("create-user", code, "xiaowang", "--password", "Oper@2026x", "--role", "运营", "--department", str(office),
            "--name", "小王")
    assert r.exit_code == 0, r.output
    with client_from(app) as c:
        token = login(c, code, "xiaoli", "Sales@2026").json()["access_token"]
        me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["role"]["code"] == "sales" and me["department_name"] == "总经办"
        token = login(c, code, "xiaowang", "Oper@2026x").json()["access_token"]
        me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["role"]["code"] == "operator" and me["name"] == "小王"
    with db.transaction(tenant_id) as s:
        e = s.scalar(sa.select(Employee).where(Employee.username == "xiaoli"))
        assert e.password_hash.startswith("$argon2id$")
    # refusals: exit code 1 and a message, nothing written
    cases = [
        (("create-user", "no-such-tenant", "u1", "--password", "Passw0rd!x", "--role", "sales"), "no-such-tenant"),
        (("create-user", code, "u2", "--password", "Passw0rd!x", "--role", "astronaut"), "astronaut"),
        (("create-user", code, "u3", "--password", "Passw0rd!x", "--role", "sales", "--department", "火星部"), "火星部"),
        (("create-user", code, "xiaoli", "--password", "Passw0rd!x", "--role", "sales"), "xiaoli"),
        (("create-user", code, "u4", "--password", "short", "--role", "sales"), "8"),
    ]
    for args, needle in cases:
        r = cli(*args)
        assert r.exit_code == 1, (args, r.output)
        assert needle in _output(r), (args, r.output)
        assert "Traceback" not in r.output
    with db.transaction(tenant_id) as s:
        assert set(s.scalars(sa.select(Employee.username))) == {"boss", "xiaoli", "xiaowang"}


# ------------------------------------------------------------------ seed-demo
def test_seed_demo_is_complete_and_idempotent(cli, app, db):
    code = _code()
    r = cli("seed-demo", "--tenant", code, "--customers", "40", "--password", "Demo@12345")
    assert r.exit_code == 0, r.output
    out = _output(r)
    assert "Demo@12345" in out and "admin" in out
    with db.transaction() as s:
        tenant_id = s.scalar(sa.select(Tenant.id).where(Tenant.code == code))
    assert tenant_id

    def census() -> dict[str, object]:
        with db.transaction(tenant_id) as s:
            units = s.execute(sa.select(OrgUnit.kind, sa.func.count()).group_by(OrgUnit.kind)).all()
            roles = s.execute(sa.select(Role.code, sa.func.count(Employee.id)).join(Employee, Employee.role_id == Role.id)
                              .group_by(Role.code)).all()
            pools = s.execute(sa.select(Customer.pool, sa.func.count()).group_by(Customer.pool)).all()
            return {"units": dict(units), "roles": dict(roles), "pools": dict(pools),
                    "employees": s.scalar(sa.select(sa.func.count()).select_from(Employee)),
                    "customers": s.scalar(sa.select(sa.func.count()).select_from(Customer))}

    first = census()
    assert first["units"]["center"] >= 2 and first["units"]["department"] >= 5
    assert 25 <= first["employees"] <= 40
    assert set(first["roles"]) >= {"admin", "center_director", "dept_manager", "operator", "sales"}
    assert first["customers"] == 40
    assert set(first["pools"]) == {"potential", "to_assign", "following", "public", "won", "recycle_bin"}, first
    # the printed logins work with the given password
    with client_from(app) as c:
        for username in ("admin", "sales01", "director_east", "operator1", "manager1"):
            assert username in out
            assert login(c, code, username, "Demo@12345").status_code == 200, username
    # a second run changes nothing and says so
    r = cli("seed-demo", "--tenant", code, "--customers", "40", "--password", "Demo@12345")
    assert r.exit_code == 0, r.output
    assert "already there" in _output(r)
    assert census() == first


def test_seed_demo_data_respects_the_rules(cli, db):
    """Demo data is what the product could have produced: unique normalised phones, owners exactly in
    following / won, customers in departments."""
    from huike.customer.models import CustomerPhone
    from huike.customer.phones import normalize

    code = _code()
    assert cli("seed-demo", "--tenant", code, "--customers", "60").exit_code == 0
    with db.transaction() as s:
        tenant_id = s.scalar(sa.select(Tenant.id).where(Tenant.code == code))
    with db.transaction(tenant_id) as s:
        phones = list(s.scalars(sa.select(CustomerPhone.phone)))
        assert len(phones) == len(set(phones)) >= 60
        assert all(normalize(p) == p for p in phones)
        for c in s.scalars(sa.select(Customer)):
            assert (c.owner_id is not None) == (c.pool in ("following", "won")), (c.pool, c.owner_id)
            assert c.department_id is not None and c.number


def test_seed_demo_default_password_logs_in(cli, app):
    code = _code()
    assert cli("seed-demo", "--tenant", code, "--customers", "0").exit_code == 0
    with client_from(app) as c:
        assert login(c, code, "admin", "Demo@12345").status_code == 200


def test_cli_uses_the_configured_database(cli, database_url):
    """Sanity: the commands above really ran against the test database, not ./var/huike.db."""
    code = _code()
    assert cli("create-tenant", code, "--name", "配置", "--admin", "a", "--password", "Passw0rd!x").exit_code == 0
    other = Database(url=database_url)
    try:
        with other.transaction() as s:
            assert s.scalar(sa.select(Tenant.id).where(Tenant.code == code))
    finally:
        other.dispose()
