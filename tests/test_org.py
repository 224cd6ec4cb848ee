"""Org tree (PERM-2), employees and roles (PERM-3/4/5) through the API."""

from __future__ import annotations

import sqlalchemy as sa

from huike.authz.permissions import PERMISSIONS
from huike.org.models import OrgUnit
from tests.helpers import assert_problem, client_from, login

UNITS = "/api/v1/org/units"


def _unit(client, h, parent_id, kind, name):  # type: ignore[no-untyped-def]
    r = client.post(UNITS, headers=h, json={"parent_id": parent_id, "kind": kind, "name": name})
    assert r.status_code == 201, r.text
    return r.json()


def _paths(db, tenant_id) -> dict[int, str]:  # type: ignore[no-untyped-def]
    with db.transaction(tenant_id) as s:
        return dict(s.execute(sa.select(OrgUnit.id, OrgUnit.path)).all())


# ------------------------------------------------------------------ org tree
def test_create_centers_departments_and_nested_departments(client, world, db):
    h = world.headers("admin")
    center = _unit(client, h, world.units["company"], "center", "华北中心")
    assert center["kind"] == "center" and center["parent_id"] == world.units["company"]
    dept = _unit(client, h, center["id"], "department", "华北一部")
    sub = _unit(client, h, dept["id"], "department", "华北一部一组")
    subsub = _unit(client, h, sub["id"], "department", "华北一部一组A")
    assert sub["parent_id"] == dept["id"] and subsub["parent_id"] == sub["id"]
    paths = _paths(db, world.tenant_id)
    assert paths[subsub["id"]] == f"/{world.units['company']}/{center['id']}/{dept['id']}/{sub['id']}/{subsub['id']}/"
    listed = client.get(UNITS, headers=h).json()
    ids = {u["id"] for u in listed["items"]}
    assert {center["id"], dept["id"], sub["id"], subsub["id"]} <= ids
    assert listed["total"] == len(listed["items"])
    # everyone may read the tree (pickers), only org.manage may change it
    assert client.get(UNITS, headers=world.headers("sales_east1")).status_code == 200
    r = client.post(UNITS, headers=world.headers("director_east"),
                    json={"parent_id": world.units["east"], "kind": "department", "name": "x"})
    assert_problem(r, 403, "forbidden")


def test_invalid_parents(client, world):
    h = world.headers("admin")
    u = world.units
    cases = [
        (u["east"], "center"),        # a center under a center
        (u["east1"], "center"),       # a center under a department
        (u["company"], "department"),  # a department directly under the company
        (987654321, "department"),    # no such unit
    ]
    for parent, kind in cases:
        r = client.post(UNITS, headers=h, json={"parent_id": parent, "kind": kind, "name": "错误"})
        assert_problem(r, 422, "invalid_parent")
    # nobody can create a second company root
    r = client.post(UNITS, headers=h, json={"parent_id": u["company"], "kind": "company", "name": "x"})
    assert_problem(r, 422, "validation_error")
    # a unit of another tenant is "no such unit"
    r = client.post(UNITS, headers=h, json={"parent_id": u["east"], "kind": "department", "name": "ok"})
    assert r.status_code == 201


def test_invalid_parent_other_tenant(client, world, other_world):
    r = client.post(UNITS, headers=world.headers("admin"),
                    json={"parent_id": other_world.units["east"], "kind": "department", "name": "越界"})
    assert_problem(r, 422, "invalid_parent")
    r = client.patch(f"{UNITS}/{other_world.units['east1']}", headers=world.headers("admin"), json={"name": "x"})
    assert_problem(r, 404, "not_found")


def test_rename(client, world):
    h = world.headers("admin")
    r = client.patch(f"{UNITS}/{world.units['east1']}", headers=h, json={"name": " 华东电销一部 "})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "华东电销一部"
    assert client.get("/api/v1/me", headers=world.headers("sales_east1")).json()["department_name"] == "华东电销一部"
    assert_problem(client.patch(f"{UNITS}/{world.units['east1']}", headers=h, json={"name": ""}), 422,
                   "validation_error")


def test_move_rewrites_the_subtree_and_scopes_follow(client, world, db):
    h = world.headers("admin")
    u = world.units

    def director(username: str, dept: str) -> dict[str, str]:
        r = client.post("/api/v1/employees", headers=h, json={
            "username": username, "name": username, "password": "Passw0rd!x", "department_id": u[dept],
            "role_id": world.roles["center_director"]})
        assert r.status_code == 201, r.text
        with client_from(client.app) as c:
            return {"Authorization": f"Bearer {login(c, world.code, username, 'Passw0rd!x').json()['access_token']}"}

    # directors sitting outside the department that moves
    he = director("dir_east", "east2")
    hs = director("dir_south", "south1")
    c_dept = world.customer(pool="following", owner="sales_east1")          # in east1
    c_sub = world.customer(pool="following", owner="sales_east1sub")        # in east1sub (below east1)

    def visible(headers) -> set[int]:  # type: ignore[no-untyped-def]
        return {x["id"] for x in client.get("/api/v1/customers?pool=following&limit=200", headers=headers)
                .json()["items"]}

    assert {c_dept, c_sub} <= visible(he)
    assert not {c_dept, c_sub} & visible(hs)
    r = client.patch(f"{UNITS}/{u['east1']}", headers=h, json={"parent_id": u["south"]})
    assert r.status_code == 200, r.text
    assert r.json()["parent_id"] == u["south"]
    paths = _paths(db, world.tenant_id)
    assert paths[u["east1"]] == f"/{u['company']}/{u['south']}/{u['east1']}/"
    assert paths[u["east1sub"]] == f"/{u['company']}/{u['south']}/{u['east1']}/{u['east1sub']}/"
    assert paths[u["east2"]] == f"/{u['company']}/{u['east']}/{u['east2']}/"  # siblings untouched
    # the new center's director sees both, the old one neither (on their very next request)
    assert {c_dept, c_sub} <= visible(hs)
    assert not {c_dept, c_sub} & visible(he)
    assert client.get(f"/api/v1/customers/{c_sub}", headers=he).status_code == 404
    assert client.get(f"/api/v1/customers/{c_sub}", headers=hs).status_code == 200
    # the move is audited
    a = client.get("/api/v1/audit", headers=h, params={"action": "org_unit.update",
                                                       "target_id": str(u["east1"])}).json()["items"][0]
    assert a["before"] == {"parent_id": u["east"]} and a["after"] == {"parent_id": u["south"]}
    # a department moves under a department too (another center's)
    r = client.patch(f"{UNITS}/{u['east1sub']}", headers=h, json={"parent_id": u["east2"]})
    assert r.status_code == 200
    assert _paths(db, world.tenant_id)[u["east1sub"]] == f"/{u['company']}/{u['east']}/{u['east2']}/{u['east1sub']}/"
    assert c_sub in visible(he) and c_sub not in visible(hs) and c_dept in visible(hs)


def test_move_a_center_with_its_subtree_keeps_paths_consistent(client, world, db):
    h = world.headers("admin")
    u = world.units
    # move a department with a sub-department under a department of another center
    r = client.patch(f"{UNITS}/{u['east1']}", headers=h, json={"parent_id": u["south1"]})
    assert r.status_code == 200, r.text
    paths = _paths(db, world.tenant_id)
    with db.transaction(world.tenant_id) as s:
        parents = dict(s.execute(sa.select(OrgUnit.id, OrgUnit.parent_id)).all())
    for unit_id, path in paths.items():  # every path is its parent's path plus its own id
        parent = parents[unit_id]
        expected = f"{paths[parent] if parent else '/'}{unit_id}/"
        assert path == expected, (unit_id, path, expected)


def test_move_under_itself_or_a_descendant(client, world):
    h = world.headers("admin")
    u = world.units
    assert_problem(client.patch(f"{UNITS}/{u['east1']}", headers=h, json={"parent_id": u["east1"]}), 422,
                   "org_cycle")
    assert_problem(client.patch(f"{UNITS}/{u['east1']}", headers=h, json={"parent_id": u["east1sub"]}), 422,
                   "org_cycle")
    assert_problem(client.patch(f"{UNITS}/{u['east']}", headers=h, json={"parent_id": u["east1sub"]}), 422,
                   "org_cycle")


def test_move_to_invalid_parents(client, world):
    h = world.headers("admin")
    u = world.units
    # a department under the company, a center under a center or a department, a missing unit
    for unit, parent in ((u["east1"], u["company"]), (u["east"], u["south"]), (u["south"], u["east1"]),
                         (u["east1"], 987654321)):
        assert_problem(client.patch(f"{UNITS}/{unit}", headers=h, json={"parent_id": parent}), 422,
                       "invalid_parent")


def test_root_cannot_move_or_be_disabled(client, world):
    h = world.headers("admin")
    root = world.units["company"]
    assert_problem(client.patch(f"{UNITS}/{root}", headers=h, json={"parent_id": world.units["east"]}), 422,
                   "root_locked")
    assert_problem(client.patch(f"{UNITS}/{root}", headers=h, json={"disabled": True}), 422, "root_locked")
    r = client.patch(f"{UNITS}/{root}", headers=h, json={"name": "新名称有限公司"})
    assert r.status_code == 200 and r.json()["name"] == "新名称有限公司"


def test_disable_units(client, world):
    h = world.headers("admin")
    u = world.units
    # active employees inside
    assert_problem(client.patch(f"{UNITS}/{u['south1']}", headers=h, json={"disabled": True}), 409,
                   "unit_not_empty")
    # active sub-units inside
    assert_problem(client.patch(f"{UNITS}/{u['south']}", headers=h, json={"disabled": True}), 409,
                   "unit_not_empty")
    # an empty department can be disabled, and then takes no new people or sub-units
    r = client.patch(f"{UNITS}/{u['east2']}", headers=h, json={"disabled": True})
    assert r.status_code == 200 and r.json()["disabled"] is True
    r = client.post("/api/v1/employees", headers=h, json={
        "username": "late", "name": "迟到", "password": "Passw0rd!x", "department_id": u["east2"],
        "role_id": world.roles["sales"]})
    assert_problem(r, 422, "department_disabled")
    assert_problem(client.post(UNITS, headers=h, json={"parent_id": u["east2"], "kind": "department",
                                                       "name": "x"}), 422, "invalid_parent")
    # once its people left, a department can be disabled too
    r = client.patch(f"/api/v1/employees/{world.staff['sales_south1']}", headers=h, json={"is_active": False})
    assert r.status_code == 200
    r = client.patch(f"/api/v1/employees/{world.staff['manager_south1']}", headers=h,
                     json={"department_id": u["east1"]})
    assert r.status_code == 200
    assert client.patch(f"{UNITS}/{u['south1']}", headers=h, json={"disabled": True}).status_code == 200
    assert client.patch(f"{UNITS}/{u['south']}", headers=h, json={"disabled": True}).status_code == 200
    # and enabled again
    assert client.patch(f"{UNITS}/{u['east2']}", headers=h, json={"disabled": False}).json()["disabled"] is False


# ------------------------------------------------------------------ employees
def test_create_and_update_employees(client, world, other_world):
    h = world.headers("admin")
    body = {"username": "zhang.san", "name": "张三", "password": "Passw0rd!x", "department_id": world.units["east2"],
            "role_id": world.roles["sales"], "phone": "13800000000", "email": "zs@example.com"}
    r = client.post("/api/v1/employees", headers=h, json=body)
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["role_code"] == "sales" and e["department_name"] == "华东二部" and e["is_active"] is True
    # the same username again in this tenant
    assert_problem(client.post("/api/v1/employees", headers=h, json={**body, "name": "另一个"}), 409,
                   "username_taken")
    # ... but another tenant may use it
    r = client.post("/api/v1/employees", headers=other_world.headers("admin"),
                    json={**body, "department_id": other_world.units["east2"], "role_id": other_world.roles["sales"]})
    assert r.status_code == 201, r.text
    # the department must be a department
    for unit in (world.units["east"], world.units["company"], 987654321):
        r = client.post("/api/v1/employees", headers=h, json={**body, "username": "u2", "department_id": unit})
        b = assert_problem(r, 422, "department_required")
        assert b["errors"][0]["field"] == "department_id"
    # role of another tenant
    r = client.post("/api/v1/employees", headers=h,
                    json={**body, "username": "u3", "role_id": other_world.roles["sales"]})
    assert_problem(r, 422, "validation_error")
    # weak passwords and bad usernames
    assert_problem(client.post("/api/v1/employees", headers=h, json={**body, "username": "u4", "password": "short"}),
                   422, "validation_error")
    assert_problem(client.post("/api/v1/employees", headers=h, json={**body, "username": "有 空格"}), 422,
                   "validation_error")
    # update: move department, change role, name
    r = client.patch(f"/api/v1/employees/{e['id']}", headers=h,
                     json={"name": "张三丰", "department_id": world.units["east1"], "role_id": world.roles["operator"]})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["department_id"], r.json()["role_code"]) == \
        ("张三丰", world.units["east1"], "operator")
    assert_problem(client.patch(f"/api/v1/employees/{e['id']}", headers=h, json={"department_id": world.units["east"]}),
                   422, "department_required")
    # listing and filters
    listed = client.get("/api/v1/employees", headers=h, params={"q": "张三"}).json()
    assert [x["id"] for x in listed["items"]] == [e["id"]] and listed["total"] == 1
    listed = client.get("/api/v1/employees", headers=h, params={"department_id": world.units["east1"]}).json()
    assert e["id"] in {x["id"] for x in listed["items"]}
    # other tenants' employees are invisible
    assert_problem(client.get(f"/api/v1/employees/{other_world.staff['admin']}", headers=h), 404, "not_found")
    assert_problem(client.patch(f"/api/v1/employees/{other_world.staff['sales_east1']}", headers=h,
                                json={"is_active": False}), 404, "not_found")
    # only employee managers create
    r = client.post("/api/v1/employees", headers=world.headers("manager_east1"), json={**body, "username": "u5"})
    assert_problem(r, 403, "forbidden")


def test_employee_list_hides_disabled_unless_asked(client, world):
    h = world.headers("admin")
    client.patch(f"/api/v1/employees/{world.staff['sales_east1b']}", headers=h, json={"is_active": False})
    ids = {x["id"] for x in client.get("/api/v1/employees?limit=500", headers=h).json()["items"]}
    assert world.staff["sales_east1b"] not in ids and world.staff["sales_east1"] in ids
    ids = {x["id"] for x in client.get("/api/v1/employees?include_disabled=true&limit=500", headers=h)
           .json()["items"]}
    assert world.staff["sales_east1b"] in ids


# ------------------------------------------------------------------ roles
def test_default_roles_in_every_new_tenant(client, world, other_world):
    expected = {
        "admin": ("管理员", "company", "non_sales"),
        "center_director": ("中心总监", "center", "non_sales"),
        "dept_manager": ("部门主管", "department", "non_sales"),
        "operator": ("运营", "department", "non_sales"),
        "sales": ("销售", "self", "sales"),
    }
    for w in (world, other_world):
        items = client.get("/api/v1/roles", headers=w.headers("admin")).json()["items"]
        roles = {r["code"]: r for r in items}
        assert {code: (r["name"], r["data_scope"], r["kind"]) for code, r in roles.items()
                if code in expected} == expected
        assert all(roles[c]["is_builtin"] for c in expected)
        assert set(roles["admin"]["permissions"]) == set(PERMISSIONS)
        assert {"customer.export", "customer.delete"} <= set(roles["admin"]["permissions"])
        sales = set(roles["sales"]["permissions"])
        assert "customer.export" not in sales and "customer.delete" not in sales
        assert {"customer.view", "customer.claim"} <= sales
        for code in ("center_director", "dept_manager", "operator"):
            assert "customer.assign" in roles[code]["permissions"], code
        assert "pool.potential" in roles["operator"]["permissions"]
    # the two tenants have their own role rows
    a = {r["id"] for r in client.get("/api/v1/roles", headers=world.headers("admin")).json()["items"]}
    b = {r["id"] for r in client.get("/api/v1/roles", headers=other_world.headers("admin")).json()["items"]}
    assert not a & b


def test_roles_crud(client, world):
    h = world.headers("admin")
    r = client.post("/api/v1/roles", headers=h, json={
        "code": "telesales_lead", "name": "电销组长", "data_scope": "department", "kind": "sales",
        "permissions": ["customer.view", "customer.claim", "customer.view"]})
    assert r.status_code == 201, r.text
    role = r.json()
    assert role["permissions"] == ["customer.claim", "customer.view"] and role["is_builtin"] is False
    # unknown permission, on create and on update
    r = client.post("/api/v1/roles", headers=h, json={"code": "bad", "name": "坏", "data_scope": "self",
                                                      "kind": "sales", "permissions": ["customer.fly"]})
    b = assert_problem(r, 422, "unknown_permission")
    assert "customer.fly" in b["detail"]
    assert_problem(client.patch(f"/api/v1/roles/{role['id']}", headers=h, json={"permissions": ["nope"]}), 422,
                   "unknown_permission")
    # bad scope / kind / code
    for bad in ({"data_scope": "galaxy"}, {"kind": "robot"}, {"code": "Bad Code"}):
        body = {"code": "ok_code", "name": "x", "data_scope": "self", "kind": "sales", **bad}
        assert_problem(client.post("/api/v1/roles", headers=h, json=body), 422, "validation_error")
    # duplicate code
    r = client.post("/api/v1/roles", headers=h, json={"code": "sales", "name": "x", "data_scope": "self",
                                                      "kind": "sales"})
    assert_problem(r, 409, "role_code_taken")
    # update
    r = client.patch(f"/api/v1/roles/{role['id']}", headers=h,
                     json={"name": "电销主管", "permissions": ["customer.view", "customer.export"]})
    assert r.status_code == 200
    assert r.json()["name"] == "电销主管" and r.json()["permissions"] == ["customer.export", "customer.view"]
    # in use → cannot delete
    r = client.post("/api/v1/employees", headers=h, json={
        "username": "lead1", "name": "组长", "password": "Passw0rd!x", "department_id": world.units["east1"],
        "role_id": role["id"]})
    assert r.status_code == 201
    listed = {x["id"]: x for x in client.get("/api/v1/roles", headers=h).json()["items"]}
    assert listed[role["id"]]["employee_count"] == 1
    assert_problem(client.delete(f"/api/v1/roles/{role['id']}", headers=h), 409, "role_in_use")
    client.patch(f"/api/v1/employees/{r.json()['id']}", headers=h, json={"role_id": world.roles["sales"]})
    assert client.delete(f"/api/v1/roles/{role['id']}", headers=h).status_code == 204
    assert role["id"] not in {x["id"] for x in client.get("/api/v1/roles", headers=h).json()["items"]}
    assert_problem(client.delete(f"/api/v1/roles/{role['id']}", headers=h), 404, "not_found")
    # built-in roles stay, even unused ones
    for code in ("admin", "sales", "operator"):
        assert_problem(client.delete(f"/api/v1/roles/{world.roles[code]}", headers=h), 409, "role_builtin")
    # only role managers edit roles; sales may not even list them
    assert_problem(client.patch(f"/api/v1/roles/{world.roles['sales']}", headers=world.headers("director_east"),
                                json={"name": "x"}), 403, "forbidden")
    assert_problem(client.get("/api/v1/roles", headers=world.headers("sales_east1")), 403, "forbidden")


def test_role_scope_change_applies_on_the_next_request(client, world):
    h = world.headers("admin")
    mate = world.customer(pool="following", owner="sales_east1b")  # same department as sales_east1
    hs = world.headers("sales_east1")
    assert client.get(f"/api/v1/customers/{mate}", headers=hs).status_code == 404
    assert client.get("/api/v1/me", headers=hs).json()["role"]["data_scope"] == "self"
    r = client.patch(f"/api/v1/roles/{world.roles['sales']}", headers=h, json={"data_scope": "department"})
    assert r.status_code == 200 and r.json()["data_scope"] == "department"
    # same token, next request
    assert client.get(f"/api/v1/customers/{mate}", headers=hs).status_code == 200
    assert client.get("/api/v1/me", headers=hs).json()["role"]["data_scope"] == "department"
    # permissions too
    r = client.patch(f"/api/v1/roles/{world.roles['sales']}", headers=h,
                     json={"permissions": ["customer.view", "audit.view"]})
    assert r.status_code == 200
    assert client.get("/api/v1/audit", headers=hs).status_code == 200
    assert_problem(client.post("/api/v1/customers", headers=hs, json={"name": "x", "phones": ["13912345678"]}),
                   403, "forbidden")
    client.patch(f"/api/v1/roles/{world.roles['sales']}", headers=h, json={"data_scope": "self"})
    assert client.get(f"/api/v1/customers/{mate}", headers=hs).status_code == 404


def test_permissions_catalogue(client, world):
    r = client.get("/api/v1/permissions", headers=world.headers("sales_east1"))
    assert r.status_code == 200
    assert {p["code"] for p in r.json()} == set(PERMISSIONS)
