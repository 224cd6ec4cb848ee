"""The audit log (PERM-7): every write leaves an entry; it is readable with filters by `audit.view`
holders only, and append-only in the database itself."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from huike.audit.models import AuditEntry
from huike.kit.db import make_engine
from huike.kit.models import utcnow
from tests.helpers import assert_problem, bearer, client_from, login


def _rid() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def _entries(client, world, **params):  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/audit", headers=world.headers("admin"), params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _one(client, world, request_id: str, action: str):  # type: ignore[no-untyped-def]
    found = [e for e in _entries(client, world, action=action) if e["request_id"] == request_id]
    assert len(found) == 1, (action, request_id, found)
    return found[0]


def test_every_write_is_audited(app, client, world, db):
    t0 = utcnow() - timedelta(seconds=1)
    admin = world.staff["admin"]
    h = world.headers("admin")

    def call(method: str, url: str, action: str, **kw):  # type: ignore[no-untyped-def]
        rid = _rid()
        r = client.request(method, url, headers={**h, "X-Request-ID": rid}, **kw)
        assert r.status_code < 300, r.text
        assert r.headers["x-request-id"] == rid
        e = _one(client, world, rid, action)
        assert e["actor_id"] == admin and e["actor_name"] == "系统管理员"
        assert e["ip"]
        created = datetime.fromisoformat(e["created_at"])
        assert t0 <= created <= utcnow() + timedelta(seconds=1)
        return r, e

    # org units
    r, e = call("POST", "/api/v1/org/units", "org_unit.create",
                json={"parent_id": world.units["east"], "kind": "department", "name": "审计部"})
    unit = r.json()["id"]
    assert e["target_type"] == "org_unit" and e["target_id"] == str(unit)
    assert e["before"] is None and e["after"]["name"] == "审计部"
    r, e = call("PATCH", f"/api/v1/org/units/{unit}", "org_unit.update", json={"name": "审计二部"})
    assert e["before"] == {"name": "审计部"} and e["after"] == {"name": "审计二部"}
    # employees
    r, e = call("POST", "/api/v1/employees", "employee.create", json={
        "username": "auditee", "name": "被审计", "password": "Passw0rd!x", "department_id": unit,
        "role_id": world.roles["sales"]})
    emp = r.json()["id"]
    assert e["target_type"] == "employee" and e["target_id"] == str(emp)
    assert e["after"]["username"] == "auditee" and "password" not in e["after"]
    assert "Passw0rd" not in str(e) and "argon2" not in str(e)
    r, e = call("PATCH", f"/api/v1/employees/{emp}", "employee.update",
                json={"name": "被审计甲", "phone": None, "password": "NewPassw0rd"})
    assert e["before"] == {"name": "被审计"}
    assert e["after"] == {"name": "被审计甲", "password": "******"}
    r, e = call("PATCH", f"/api/v1/employees/{emp}", "employee.update", json={"is_active": False})
    assert e["before"] == {"is_active": True} and e["after"] == {"is_active": False}
    # roles
    r, e = call("POST", "/api/v1/roles", "role.create", json={
        "code": "auditor", "name": "审计员", "data_scope": "company", "kind": "non_sales", "permissions": ["audit.view"]})
    role = r.json()["id"]
    assert e["after"]["permissions"] == ["audit.view"]
    r, e = call("PATCH", f"/api/v1/roles/{role}", "role.update", json={"data_scope": "self", "name": "审计员"})
    assert e["before"] == {"data_scope": "company"} and e["after"] == {"data_scope": "self"}
    r, e = call("DELETE", f"/api/v1/roles/{role}", "role.delete")
    assert e["before"]["code"] == "auditor" and e["after"] is None
    # customers
    r, e = call("POST", "/api/v1/customers", "customer.create",
                json={"name": "审计客户", "phones": ["13612345678"], "pool": "potential", "company": "旧"})
    cust = r.json()
    assert e["target_type"] == "customer" and e["target_id"] == str(cust["id"])
    assert e["after"]["phones"] == ["13612345678"] and e["after"]["pool"] == "potential"
    r, e = call("PATCH", f"/api/v1/customers/{cust['id']}", "customer.update",
                json={"version": cust["version"], "company": "新", "name": "审计客户"})
    assert e["before"] == {"company": "旧"} and e["after"] == {"company": "新"}
    r, e = call("DELETE", f"/api/v1/customers/{cust['id']}", "customer.delete")
    assert e["target_id"] == str(cust["id"])
    after = e["after"] or {}
    assert after.get("pool") == "recycle_bin" or cust["id"] in after.get("ids", []), e
    # all eleven entries carry this tenant
    with db.transaction(world.tenant_id) as s:
        n = s.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                     .where(AuditEntry.request_id.like("test-%"), AuditEntry.created_at >= t0,
                            AuditEntry.tenant_id == world.tenant_id))
    assert n == 11


def test_login_logout_and_failures_are_audited(app, client, world):
    with client_from(app) as c:
        rid = _rid()
        r = login(c, world.code, "sales_east1", headers={"X-Request-ID": rid})
        token = r.json()["access_token"]
        e = _one(client, world, rid, "auth.login")
        assert e["actor_id"] == world.staff["sales_east1"] and e["target_id"] == str(world.staff["sales_east1"])
        rid = _rid()
        c.post("/api/v1/auth/logout", headers={**bearer(token), "X-Request-ID": rid})
        assert _one(client, world, rid, "auth.logout")["actor_id"] == world.staff["sales_east1"]
        rid = _rid()
        assert login(c, world.code, "sales_east1", "wrong-pass", headers={"X-Request-ID": rid}).status_code == 401
        e = _one(client, world, rid, "auth.login_failed")
        assert e["actor_id"] is None and e["target_id"] == str(world.staff["sales_east1"])
        assert "wrong-pass" not in str(e)
        rid = _rid()
        login(c, world.code, "ghost", "wrong-pass", headers={"X-Request-ID": rid})
        e = _one(client, world, rid, "auth.login_failed")
        assert e["target_id"] is None and e["after"] == {"username": "ghost"}


def test_generated_request_id_is_recorded(client, world):
    r = client.post("/api/v1/customers", headers=world.headers("manager_east1"),
                    json={"name": "无编号", "phones": ["13612340000"], "pool": "potential"})
    assert r.status_code == 201
    rid = r.headers["x-request-id"]
    assert len(rid) == 32
    e = _one(client, world, rid, "customer.create")
    assert e["actor_id"] == world.staff["manager_east1"] and e["target_id"] == str(r.json()["id"])


def test_refused_writes_leave_no_entry(client, world):
    rid = _rid()
    r = client.post("/api/v1/customers", headers={**world.headers("admin"), "X-Request-ID": rid},
                    json={"name": "x", "phones": ["123"]})
    assert r.status_code == 422
    assert not [e for e in _entries(client, world) if e["request_id"] == rid]


def test_filters_and_paging(client, world):
    h = world.headers("admin")
    hm = world.headers("manager_east1")
    for i in range(5):
        assert client.post("/api/v1/customers", headers=h,
                           json={"name": f"筛选{i}", "phones": [f"1361000000{i}"], "pool": "potential"}).status_code == 201
    mid = utcnow()
    for i in range(3):
        assert client.post("/api/v1/customers", headers=hm,
                           json={"name": f"主管{i}", "phones": [f"1362000000{i}"], "pool": "potential"}).status_code == 201
    everything = _entries(client, world)
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids, reverse=True)  # newest first
    # action prefix
    created = _entries(client, world, action="customer.")
    assert len(created) == 8 and all(e["action"].startswith("customer.") for e in created)
    assert {e["action"] for e in _entries(client, world, action="org_unit")} <= {"org_unit.create", "org_unit.update"}
    assert _entries(client, world, action="customer.create ") == created  # trimmed
    # actor
    by_manager = _entries(client, world, actor_id=world.staff["manager_east1"])
    assert len(by_manager) == 3 and {e["actor_id"] for e in by_manager} == {world.staff["manager_east1"]}
    # target
    target = created[0]
    one = _entries(client, world, target_type="customer", target_id=target["target_id"])
    assert [e["id"] for e in one] == [target["id"]]
    assert _entries(client, world, target_type="tenant", target_id=target["target_id"]) == []
    # time window
    after_mid = _entries(client, world, since=mid.isoformat(), action="customer.")
    before_mid = _entries(client, world, until=mid.isoformat(), action="customer.")
    assert len(after_mid) == 3 and len(before_mid) == 5
    assert _entries(client, world, since=(mid + timedelta(days=1)).isoformat()) == []
    # cursor paging: no duplicates, nothing missed
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/audit", headers=h, params=params).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    page = client.get("/api/v1/audit", headers=h, params={"limit": 2, "action": "customer."}).json()
    page2 = client.get("/api/v1/audit", headers=h,
                       params={"limit": 10, "action": "customer.", "cursor": page["next_cursor"]}).json()
    assert [e["id"] for e in page["items"] + page2["items"]] == [e["id"] for e in created]
    assert_problem(client.get("/api/v1/audit", headers=h, params={"cursor": "garbage"}), 422, "invalid_cursor")


def test_only_audit_viewers_read_it(client, world, other_world):
    for who in ("sales_east1", "manager_east1", "operator_east1", "director_east"):
        assert_problem(client.get("/api/v1/audit", headers=world.headers(who)), 403, "forbidden")
    assert client.get("/api/v1/audit", headers=world.headers("admin")).status_code == 200
    # a custom role with audit.view may read it
    h = world.headers("admin")
    client.patch(f"/api/v1/roles/{world.roles['operator']}", headers=h, json={"permissions": ["audit.view"]})
    assert client.get("/api/v1/audit", headers=world.headers("operator_east1")).status_code == 200
    # and only its own tenant's entries
    mine = {e["id"] for e in _entries(client, world)}
    theirs = {e["id"] for e in _entries(client, other_world)}
    assert mine and theirs and not mine & theirs
    # no route writes to it
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        assert client.request(method, "/api/v1/audit", headers=h).status_code == 405
    some = next(iter(mine))
    assert client.delete(f"/api/v1/audit/{some}", headers=h).status_code == 404


def _audit_rows(db, tenant_id) -> int:  # type: ignore[no-untyped-def]
    with db.transaction(tenant_id) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0


def test_append_only_in_the_database(world, db, backend):
    n = _audit_rows(db, world.tenant_id)
    assert n > 0
    statements = [f"UPDATE audit_log SET action = 'tampered' WHERE tenant_id = {world.tenant_id}",
                  f"DELETE FROM audit_log WHERE tenant_id = {world.tenant_id}"]
    # through the application's own engine (on PostgreSQL: as the application role, tenant set)
    for sql in statements:
        with pytest.raises(sa.exc.DBAPIError) as info, db.engine.begin() as conn:
            if backend == "postgres":
                conn.execute(sa.text("SELECT set_config('huike.tenant_id', :t, true)"), {"t": str(world.tenant_id)})
            conn.execute(sa.text(sql))
        text = str(info.value.orig).lower()
        if backend == "postgres":
            assert "permission denied" in text, text  # no UPDATE / DELETE grant at all
        else:
            assert "append-only" in text, text
    if backend == "postgres":
        with pytest.raises(sa.exc.DBAPIError) as info, db.engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE audit_log"))
        assert "permission denied" in str(info.value.orig).lower()
        # even the owner of the table (the migrating role) is stopped by the trigger
        owner = make_engine(db.url)
        try:
            for sql in statements:
                with pytest.raises(sa.exc.DBAPIError) as info, owner.begin() as conn:
                    conn.execute(sa.text(sql))
                assert "append-only" in str(info.value.orig), str(info.value.orig)
        finally:
            owner.dispose()
    # nothing changed, and inserting still works
    assert _audit_rows(db, world.tenant_id) == n
    with db.transaction(world.tenant_id) as s:
        assert not s.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "tampered"))
        s.add(AuditEntry(action="test.append", target_type="test"))
    assert _audit_rows(db, world.tenant_id) == n + 1


def test_append_only_through_the_orm(world, db):
    with pytest.raises(sa.exc.DBAPIError), db.transaction(world.tenant_id) as s:
        entry = s.scalars(sa.select(AuditEntry)).first()
        entry.action = "tampered"
        s.flush()
    with pytest.raises(sa.exc.DBAPIError), db.transaction(world.tenant_id) as s:
        s.delete(s.scalars(sa.select(AuditEntry)).first())
        s.flush()
