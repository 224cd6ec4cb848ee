"""Customer create / edit / delete rules through the API (CONTRACT.md "Customers")."""

from __future__ import annotations

import itertools

from tests.helpers import assert_problem

_n = itertools.count(1)


def phone() -> str:
    return f"1370{next(_n):07d}"


def create(client, h, **body):  # type: ignore[no-untyped-def]
    body.setdefault("name", "客户")
    body.setdefault("phones", [phone()])
    return client.post("/api/v1/customers", headers=h, json=body)


# ------------------------------------------------------------------ create
def test_create_by_managers(client, world):
    h = world.headers("admin")
    r = create(client, h, pool="following")
    assert_problem(r, 422, "owner_required")
    r = create(client, h, pool="following", owner_id=world.staff["sales_east1"], name=" 张三 ",
               company="汇客科技", email="zs@example.com", tags=["b", "a", "b"], source="抖音")
    assert r.status_code == 201, r.text
    c = r.json()
    assert (c["pool"], c["owner_id"], c["department_id"]) == ("following", world.staff["sales_east1"],
                                                              world.units["east1"])
    assert c["name"] == "张三" and c["tags"] == ["a", "b"] and c["company"] == "汇客科技"
    assert c["version"] >= 1 and c["number"] and c["collaborator_ids"] == [] and c["created_at"]
    # no pool given: with an owner → following, without → potential (in the creator's department)
    r = create(client, h, owner_id=world.staff["sales_south1"])
    assert r.json()["pool"] == "following" and r.json()["department_id"] == world.units["south1"]
    r = create(client, h)
    assert r.json()["pool"] == "potential" and r.json()["owner_id"] is None
    assert r.json()["department_id"] == world.units["office"]
    # an owner only goes with following
    r = create(client, h, pool="public", owner_id=world.staff["sales_east1"])
    assert r.status_code == 201 and r.json()["owner_id"] is None and r.json()["pool"] == "public"
    # won / recycle_bin / unknown cannot be created directly
    for pool in ("won", "recycle_bin", "mine", "x"):
        assert_problem(create(client, h, pool=pool), 422, "validation_error")
    # the operator feeds the lead pools
    ho = world.headers("operator_east1")
    for pool in ("potential", "to_assign"):
        r = create(client, ho, pool=pool)
        assert r.status_code == 201 and r.json()["pool"] == pool and r.json()["department_id"] == world.units["east1"]


def test_create_owner_rules(client, world, db):
    hm = world.headers("manager_east1")
    # within the manager's department
    assert create(client, hm, pool="following", owner_id=world.staff["sales_east1b"]).status_code == 201
    # outside it
    assert_problem(create(client, hm, pool="following", owner_id=world.staff["sales_south1"]), 422,
                   "invalid_owner")
    # unknown or disabled owners
    assert_problem(create(client, hm, pool="following", owner_id=987654321), 422, "invalid_owner")
    client.patch(f"/api/v1/employees/{world.staff['sales_east1b']}", headers=world.headers("admin"),
                 json={"is_active": False})
    assert_problem(create(client, hm, pool="following", owner_id=world.staff["sales_east1b"]), 422,
                   "invalid_owner")


def test_create_by_sales(client, world):
    h = world.headers("sales_east1")
    r = create(client, h)
    assert r.status_code == 201, r.text
    c = r.json()
    assert (c["pool"], c["owner_id"], c["department_id"]) == ("following", world.staff["sales_east1"],
                                                              world.units["east1"])
    r = create(client, h, pool="following")
    assert r.status_code == 201 and r.json()["owner_id"] == world.staff["sales_east1"]
    # never into the unverified lead pools
    for pool in ("potential", "to_assign"):
        b = assert_problem(create(client, h, pool=pool), 403, "invalid_pool")
        assert pool in b["detail"]
    # not for somebody else (assigning is not a sales permission)
    assert_problem(create(client, h, pool="following", owner_id=world.staff["sales_east1b"]), 403, "forbidden")
    # the new customer is the creator's
    assert c["id"] in {x["id"] for x in client.get("/api/v1/customers?pool=mine", headers=h).json()["items"]}


def test_create_needs_permission(client, world):
    h = world.headers("admin")
    client.patch(f"/api/v1/roles/{world.roles['sales']}", headers=h, json={"permissions": ["customer.view"]})
    assert_problem(create(client, world.headers("sales_east1")), 403, "forbidden")


# ------------------------------------------------------------------ update
def test_patch_needs_the_current_version(client, world):
    h = world.headers("admin")
    c = create(client, h, pool="potential", company="旧公司").json()
    assert_problem(client.patch(f"/api/v1/customers/{c['id']}", headers=h, json={"company": "x"}), 422,
                   "validation_error")
    r = client.patch(f"/api/v1/customers/{c['id']}", headers=h, json={"version": c["version"], "company": "新公司"})
    assert r.status_code == 200, r.text
    v2 = r.json()
    assert v2["company"] == "新公司" and v2["version"] > c["version"]
    # the first version is stale now
    b = assert_problem(client.patch(f"/api/v1/customers/{c['id']}", headers=h,
                                    json={"version": c["version"], "company": "覆盖"}), 409, "version_conflict")
    assert b["detail"]
    assert client.get(f"/api/v1/customers/{c['id']}", headers=h).json()["company"] == "新公司"
    # a version from the future is just as wrong
    assert_problem(client.patch(f"/api/v1/customers/{c['id']}", headers=h,
                                json={"version": v2["version"] + 5, "company": "x"}), 409, "version_conflict")
    # clearing an optional field, and name cannot be cleared
    r = client.patch(f"/api/v1/customers/{c['id']}", headers=h, json={"version": v2["version"], "company": None})
    assert r.status_code == 200 and r.json()["company"] is None
    assert_problem(client.patch(f"/api/v1/customers/{c['id']}", headers=h,
                                json={"version": r.json()["version"], "name": None}), 422, "validation_error")


def test_sales_edit_rules(client, world):
    h = world.headers("sales_east1")
    own = world.customer(pool="following", owner="sales_east1")
    assisted = world.customer(pool="following", owner="sales_south1", collaborators=("sales_east1",))
    public = world.customer(pool="public", dept="east1")
    colleague = world.customer(pool="following", owner="sales_east1b")

    def patch(cid, **body):  # type: ignore[no-untyped-def]
        v = client.get(f"/api/v1/customers/{cid}", headers=world.headers("admin")).json()["version"]
        return client.patch(f"/api/v1/customers/{cid}", headers=h, json={"version": v, **body})

    assert patch(own, remark="跟进中").status_code == 200
    assert patch(assisted, remark="协助").status_code == 200
    # a public-pool customer is visible but must be claimed before editing
    assert client.get(f"/api/v1/customers/{public}", headers=h).status_code == 200
    assert_problem(patch(public, remark="x"), 403, "forbidden")
    # someone else's customer is simply not there
    assert_problem(patch(colleague, remark="x"), 404, "not_found")
    # the manager of the department may edit both
    hm = world.headers("manager_east1")
    for cid in (public, colleague):
        v = client.get(f"/api/v1/customers/{cid}", headers=hm).json()["version"]
        assert client.patch(f"/api/v1/customers/{cid}", headers=hm, json={"version": v, "level": "A"}).status_code \
            == 200


def test_patch_other_tenant_is_404(client, world, other_world):
    theirs = other_world.customer(pool="public", dept="east1")
    assert_problem(client.patch(f"/api/v1/customers/{theirs}", headers=world.headers("admin"),
                                json={"version": 1, "name": "x"}), 404, "not_found")
    assert_problem(client.delete(f"/api/v1/customers/{theirs}", headers=world.headers("admin")), 404, "not_found")


# ------------------------------------------------------------------ delete
def test_delete_moves_to_the_recycle_bin(client, world):
    h = world.headers("admin")
    c = create(client, h, pool="potential").json()
    r = client.delete(f"/api/v1/customers/{c['id']}", headers=h)
    assert r.status_code == 204 and r.content == b""
    got = client.get(f"/api/v1/customers/{c['id']}", headers=h).json()
    assert got["pool"] == "recycle_bin" and got["version"] > c["version"]
    assert c["id"] in {x["id"] for x in client.get("/api/v1/customers?pool=recycle_bin", headers=h).json()["items"]}
    assert c["id"] not in {x["id"] for x in client.get("/api/v1/customers?pool=all", headers=h).json()["items"]}
    # roles without the recycle bin no longer see it
    assert_problem(client.get(f"/api/v1/customers/{c['id']}", headers=world.headers("director_east")), 404,
                   "not_found")


def test_won_customer_cannot_be_deleted(client, world):
    h = world.headers("admin")
    won = world.customer(pool="won", owner="sales_east1")
    b = assert_problem(client.delete(f"/api/v1/customers/{won}", headers=h), 409, "customer_won")
    assert b["detail"]
    assert client.get(f"/api/v1/customers/{won}", headers=h).json()["pool"] == "won"


def test_sales_cannot_delete(client, world):
    own = world.customer(pool="following", owner="sales_east1")
    assert_problem(client.delete(f"/api/v1/customers/{own}", headers=world.headers("sales_east1")), 403, "forbidden")
    assert client.get(f"/api/v1/customers/{own}", headers=world.headers("admin")).json()["pool"] == "following"
    # outside the scope it is a 404 before any permission talk
    other = world.customer(pool="following", owner="sales_south1")
    assert_problem(client.delete(f"/api/v1/customers/{other}", headers=world.headers("sales_east1")), 404,
                   "not_found")
    assert_problem(client.delete(f"/api/v1/customers/{other}", headers=world.headers("manager_east1")), 404,
                   "not_found")


def test_customer_json_has_the_contract_fields(client, world):
    c = create(client, world.headers("admin"), pool="potential").json()
    for key in ("id", "name", "phones", "pool", "owner_id", "collaborator_ids", "department_id", "tags",
                "created_at", "version"):
        assert key in c, key
