"""Tenant isolation (PERM-1): the ORM filter in `huike.kit.db`, and on PostgreSQL row-level security as
a second wall under the application role."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from huike.customer.models import Customer, CustomerPhone
from huike.kit.db import TenantNotSet, make_engine, set_tenant
from huike.kit.models import Base, TenantMixin
from huike.org.models import Employee, OrgUnit, Role, Tenant
from tests.factories import random_mobile


@pytest.fixture
def two(world, other_world):  # type: ignore[no-untyped-def]
    a = [world.customer(name=f"A客户{i}", pool="public", dept="east1") for i in range(3)]
    b = [other_world.customer(name=f"B客户{i}", pool="public", dept="east1") for i in range(2)]
    return world, other_world, a, b


# ------------------------------------------------------------------ (a) the ORM filter
def test_select_sees_only_the_session_tenant(db, two):
    wa, wb, a, b = two
    with db.transaction(wa.tenant_id) as s:
        ids = set(s.scalars(sa.select(Customer.id)))
        assert ids == set(a)
        # joins, aggregates, relationships and get() are filtered too
        assert s.scalar(sa.select(sa.func.count()).select_from(Customer)) == 3
        phones = s.scalars(sa.select(CustomerPhone.customer_id).join(Customer)).all()
        assert set(phones) == set(a)
        assert s.get(Customer, b[0]) is None
        assert s.get(Employee, wb.staff["admin"]) is None
        assert {e.id for e in s.scalars(sa.select(Employee))} == set(wa.staff.values())
        assert {r.id for r in s.scalars(sa.select(Role))} == set(wa.roles.values())
        assert all(u.tenant_id == wa.tenant_id for u in s.scalars(sa.select(OrgUnit)))
        # a subquery on another tenant table is filtered as well
        sub = sa.select(Employee.id).where(Employee.username == "admin").scalar_subquery()
        assert s.scalar(sa.select(sa.func.count()).select_from(Employee).where(Employee.id == sub)) == 1
        # the tenant registry itself is not a tenant table
        assert s.scalar(sa.select(sa.func.count()).select_from(Tenant).where(
            Tenant.id.in_([wa.tenant_id, wb.tenant_id]))) == 2


def test_update_and_delete_touch_only_the_session_tenant(db, two):
    wa, wb, _, b = two
    with db.transaction(wa.tenant_id) as s:
        result = s.execute(sa.update(Customer).values(remark="改过").execution_options(synchronize_session=False))
        assert result.rowcount == 3
    with db.transaction(wb.tenant_id) as s:
        assert set(s.scalars(sa.select(Customer.remark))) == {None}
    with db.transaction(wa.tenant_id) as s:
        # an explicit where on the other tenant's ids still changes nothing
        result = s.execute(sa.update(Customer).where(Customer.id.in_(b)).values(remark="越界")
                           .execution_options(synchronize_session=False))
        assert result.rowcount == 0
        result = s.execute(sa.delete(CustomerPhone).where(CustomerPhone.customer_id.in_(b)))
        assert result.rowcount == 0
        result = s.execute(sa.delete(Customer).where(Customer.pool == "public"))
        assert result.rowcount == 3
    with db.transaction(wb.tenant_id) as s:
        assert set(s.scalars(sa.select(Customer.id))) == set(b)
        assert s.scalar(sa.select(sa.func.count()).select_from(CustomerPhone)) == 2
        assert set(s.scalars(sa.select(Customer.remark))) == {None}


def test_query_without_tenant_raises(db, world):
    s = db.session()
    try:
        for stmt in (sa.select(Customer), sa.select(Customer.id, Customer.name),
                     sa.select(sa.func.count()).select_from(Employee),
                     sa.select(Tenant.id).join(Employee, Employee.tenant_id == Tenant.id),
                     sa.select(Tenant.id).where(Tenant.id.in_(sa.select(Employee.tenant_id))),
                     sa.select(Tenant.id).where(sa.exists().where(Employee.tenant_id == Tenant.id))):
            with pytest.raises(TenantNotSet):
                s.execute(stmt)
        with pytest.raises(TenantNotSet):
            s.execute(sa.update(Customer).values(remark="x"))
        with pytest.raises(TenantNotSet):
            s.execute(sa.delete(Customer))
        with pytest.raises(TenantNotSet):
            s.get(Customer, 1)
        # non-tenant tables are fine
        s.rollback()
        assert s.scalar(sa.select(Tenant.id).where(Tenant.id == world.tenant_id)) == world.tenant_id
    finally:
        s.rollback()
        s.close()


def test_writes_are_bound_to_the_session_tenant(db, world, other_world):
    # a new row takes the session's tenant
    with db.transaction(world.tenant_id) as s:
        c = Customer(name="自动租户", pool="public", department_id=world.units["east1"],
                     phones=[CustomerPhone(phone=random_mobile())])
        s.add(c)
        s.flush()
        assert c.tenant_id == world.tenant_id and c.phones[0].tenant_id == world.tenant_id
    # a row of another tenant cannot be flushed
    s = db.session(world.tenant_id)
    try:
        s.add(Customer(tenant_id=other_world.tenant_id, name="越界", pool="public"))
        with pytest.raises(TenantNotSet):
            s.flush()
    finally:
        s.rollback()
        s.close()
    # nor can an existing row be moved to another tenant
    s = db.session(world.tenant_id)
    try:
        row = s.get_one(Customer, c.id)
        row.tenant_id = other_world.tenant_id
        with pytest.raises(TenantNotSet):
            s.flush()
    finally:
        s.rollback()
        s.close()
    # and nothing can be written without a tenant
    s = db.session()
    try:
        s.add(Customer(name="无租户", pool="public"))
        with pytest.raises(TenantNotSet):
            s.flush()
    finally:
        s.rollback()
        s.close()
    with db.transaction(other_world.tenant_id) as s:
        assert not s.scalars(sa.select(Customer).where(Customer.name.in_(["越界", "无租户"]))).all()


def test_set_tenant_switches_the_filter(db, two):
    wa, wb, a, b = two
    s = db.session()
    try:
        set_tenant(s, wa.tenant_id)
        assert set(s.scalars(sa.select(Customer.id))) == set(a)
        s.commit()
        set_tenant(s, wb.tenant_id)
        assert set(s.scalars(sa.select(Customer.id))) == set(b)
    finally:
        s.close()


def test_every_business_table_is_a_tenant_table():
    """Tables without tenant_id are the deliberate, pre-tenant exceptions."""
    unscoped = {t.name for t in Base.metadata.sorted_tables if "tenant_id" not in t.c}
    assert unscoped == {"tenants", "login_failures"}, unscoped
    for mapper in Base.registry.mappers:
        if "tenant_id" in mapper.local_table.c:
            assert issubclass(mapper.class_, TenantMixin), mapper.class_


# ------------------------------------------------------------------ (b) PostgreSQL row-level security
@pytest.fixture
def pg_only(backend):  # type: ignore[no-untyped-def]
    if backend != "postgres":
        pytest.skip("row-level security is PostgreSQL only")


def _tenant_tables() -> list[str]:
    return [t.name for t in Base.metadata.sorted_tables if "tenant_id" in t.c]


def test_rls_second_wall(pg_only, db, two):
    wa, wb, a, b = two
    with db.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT current_user")) == db.settings.database_role
        conn.rollback()
        with conn.begin():
            conn.execute(sa.text("SELECT set_config('huike.tenant_id', :t, true)"), {"t": str(wa.tenant_id)})
            names = set(conn.scalars(sa.text("SELECT name FROM customers")))
            assert names == {f"A客户{i}" for i in range(3)}
            assert conn.scalar(sa.text("SELECT count(*) FROM customer_phones")) == 3
            assert set(conn.scalars(sa.text("SELECT DISTINCT tenant_id FROM employees"))) == {wa.tenant_id}
            # UPDATE / DELETE cannot reach the other tenant's rows
            assert conn.execute(sa.text("UPDATE customers SET remark = 'x' WHERE id = ANY(:ids)"),
                                {"ids": b}).rowcount == 0
            assert conn.execute(sa.text("DELETE FROM customer_phones WHERE customer_id = ANY(:ids)"),
                                {"ids": b}).rowcount == 0
        # the setting is transaction-local: the next transaction sees nothing
        with conn.begin():
            assert conn.scalar(sa.text("SELECT count(*) FROM customers")) == 0
    # an INSERT with the other tenant's id is refused
    with pytest.raises(sa.exc.DBAPIError) as info, db.engine.begin() as conn:
        conn.execute(sa.text("SELECT set_config('huike.tenant_id', :t, true)"), {"t": str(wa.tenant_id)})
        conn.execute(sa.text("INSERT INTO customers (tenant_id, name, pool, version, locked, blacklisted, "
                             "deactivated, created_at, updated_at) VALUES (:t, '偷渡', 'public', 1, false, "
                             "false, false, now(), now())"), {"t": wb.tenant_id})
    assert "row-level security" in str(info.value.orig)
    # moving an own row to the other tenant is refused too
    with pytest.raises(sa.exc.DBAPIError) as info, db.engine.begin() as conn:
        conn.execute(sa.text("SELECT set_config('huike.tenant_id', :t, true)"), {"t": str(wa.tenant_id)})
        conn.execute(sa.text("UPDATE customers SET tenant_id = :b WHERE id = :id"), {"b": wb.tenant_id, "id": a[0]})
    assert "row-level security" in str(info.value.orig)


def test_rls_without_tenant_sees_nothing(pg_only, db, two):
    with db.engine.connect() as conn:
        for table in _tenant_tables():
            assert conn.scalar(sa.text(f"SELECT count(*) FROM {table}")) == 0, table
        conn.rollback()
        # an empty setting is the same as none
        with conn.begin():
            conn.execute(sa.text("SELECT set_config('huike.tenant_id', '', true)"))
            assert conn.scalar(sa.text("SELECT count(*) FROM customers")) == 0
    # while the owner (no RLS for it) sees both tenants' rows: the policies are what hides them
    owner = make_engine(db.url)
    try:
        with owner.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM customers WHERE tenant_id = ANY(:t)"),
                               {"t": [two[0].tenant_id, two[1].tenant_id]}) == 5
    finally:
        owner.dispose()


def test_application_role_is_not_privileged(pg_only, db):
    role = db.settings.database_role
    owner = make_engine(db.url)
    try:
        with owner.connect() as conn:
            row = conn.execute(sa.text("SELECT rolsuper, rolbypassrls, rolcanlogin, rolcreaterole, rolcreatedb "
                                       "FROM pg_roles WHERE rolname = :r"), {"r": role}).one()
            assert tuple(row) == (False, False, False, False, False)
            owners = dict(conn.execute(sa.text("SELECT tablename, tableowner FROM pg_tables "
                                               "WHERE schemaname = 'public'")).all())
            assert owners and role not in owners.values()
            rls = dict(conn.execute(sa.text(
                "SELECT c.relname, c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r'")).all())
            for table in _tenant_tables():
                assert rls.get(table) is True, f"{table} has no row-level security"
                policies = conn.scalar(sa.text("SELECT count(*) FROM pg_policies WHERE tablename = :t"), {"t": table})
                assert policies >= 1, table
            # the application role may not change or drop the walls
            for table in ("customers", "audit_log"):
                assert conn.scalar(sa.text("SELECT has_table_privilege(:r, :t, 'TRUNCATE')"),
                                   {"r": role, "t": table}) is False
    finally:
        owner.dispose()
    with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE customers DISABLE ROW LEVEL SECURITY"))
    with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
        conn.execute(sa.text("DROP POLICY tenant_isolation ON customers"))
