"""Return visits (回访, WORK-9) on SQLite and PostgreSQL: plans, records with four satisfaction grades,
statistics per owner and month with satisfaction shares; scope on every route."""

from __future__ import annotations

from datetime import timedelta

from huike.kit.models import utcnow
from tests.work_support import API, events_of, ok, problem


def plan(client, world, cid, who="sales_east1", **body):
    return ok(client.post(f"{API}/customers/{cid}/visit-plans", headers=world.headers(who), json={
        "type": "periodic", "planned_at": (utcnow() + timedelta(days=1)).isoformat(), "topic": "系统使用情况回访",
        **body}), 201)


def record(client, world, plan_id, who="sales_east1", **body):
    return ok(client.post(f"{API}/visit-plans/{plan_id}/record", headers=world.headers(who), json={
        "method": "phone", "content": "询问系统使用情况，了解是否遇到问题", "satisfaction": "very_satisfied", **body}), 201)


def test_plan_then_record_closes_plan(client, world):
    cid = world.customer(owner="sales_east1", pool="won", name="启明教育")
    p = plan(client, world, cid, type="new_customer", topic="新客户首次回访")
    assert p["status"] == "planned" and p["owner_id"] == world.staff["sales_east1"] and p["overdue"] is False
    r = record(client, world, p["id"], feedback="审批功能很好用，希望增加批量导出", problems="需要批量导出合同列表",
               actions="反馈给产品部门，下个版本实现")
    assert r["plan_id"] == p["id"] and r["satisfaction"] == "very_satisfied" and r["visitor_name"] == "sales_east1"
    got = ok(client.get(f"{API}/visit-plans/{p['id']}", headers=world.headers("sales_east1")))
    assert got["status"] == "done" and got["record_id"] == r["id"] and got["done_at"]
    problem(client.post(f"{API}/visit-plans/{p['id']}/record", headers=world.headers("sales_east1"),
                        json={"content": "x", "satisfaction": "satisfied"}), 409, "plan_closed")
    problem(client.patch(f"{API}/visit-plans/{p['id']}", headers=world.headers("sales_east1"), json={"topic": "x"}),
            409, "plan_closed")
    records = ok(client.get(f"{API}/customers/{cid}/visit-records", headers=world.headers("sales_east1")))["items"]
    assert [x["id"] for x in records] == [r["id"]] and records[0]["customer_name"] == "启明教育"
    assert {"visit_planned", "visit_recorded"} <= set(events_of(world, cid))
    # an ad-hoc record without a plan; a bad grade is refused
    ok(client.post(f"{API}/customers/{cid}/visit-records", headers=world.headers("sales_east1"),
                   json={"method": "onsite", "content": "上门培训", "satisfaction": "satisfied"}), 201)
    problem(client.post(f"{API}/customers/{cid}/visit-records", headers=world.headers("sales_east1"),
                        json={"content": "x", "satisfaction": "ok"}), 422, "validation_error")


def test_update_cancel_and_owner_rules(client, world):
    cid = world.customer(owner="sales_east1")
    p = plan(client, world, cid)
    moved = (utcnow() + timedelta(days=3)).isoformat()
    upd = ok(client.patch(f"{API}/visit-plans/{p['id']}", headers=world.headers("sales_east1"),
                          json={"planned_at": moved, "type": "problem"}))
    assert upd["type"] == "problem"
    # sales plan only for themselves; a manager may give the plan to someone of the department
    problem(client.post(f"{API}/customers/{cid}/visit-plans", headers=world.headers("sales_east1"), json={
        "type": "periodic", "planned_at": moved, "topic": "x", "owner_id": world.staff["sales_east1b"]}),
        422, "invalid_assignee")
    q = plan(client, world, cid, who="manager_east1", owner_id=world.staff["sales_east1b"])
    assert q["owner_id"] == world.staff["sales_east1b"]
    problem(client.post(f"{API}/customers/{cid}/visit-plans", headers=world.headers("manager_east1"), json={
        "type": "periodic", "planned_at": moved, "topic": "x", "owner_id": world.staff["sales_south1"]}),
        422, "invalid_assignee")
    # only the owner (or a manager) records; sales_east1 owns the customer but not this plan
    problem(client.post(f"{API}/visit-plans/{q['id']}/record", headers=world.headers("sales_east1"),
                        json={"content": "x", "satisfaction": "neutral"}), 403, "not_plan_owner")
    c = ok(client.post(f"{API}/visit-plans/{p['id']}/cancel", headers=world.headers("sales_east1")))
    assert c["status"] == "cancelled"
    problem(client.post(f"{API}/visit-plans/{p['id']}/cancel", headers=world.headers("sales_east1")), 409,
            "plan_closed")
    public = world.customer(pool="public")
    problem(client.post(f"{API}/customers/{public}/visit-plans", headers=world.headers("sales_east1"), json={
        "type": "periodic", "planned_at": moved, "topic": "x"}), 403, "claim_first")


def test_scope_on_every_visit_route(client, world, other_world):
    cid = world.customer(owner="sales_east1")
    p = plan(client, world, cid)
    r = ok(client.post(f"{API}/customers/{cid}/visit-records", headers=world.headers("sales_east1"),
                       json={"content": "电话回访", "satisfaction": "satisfied"}), 201)
    for h in (world.headers("sales_east1b"), world.headers("manager_south1"), other_world.headers("admin")):
        problem(client.get(f"{API}/customers/{cid}/visit-plans", headers=h), 404, "not_found")
        problem(client.get(f"{API}/customers/{cid}/visit-records", headers=h), 404, "not_found")
        problem(client.post(f"{API}/customers/{cid}/visit-plans", headers=h,
                            json={"type": "periodic", "planned_at": utcnow().isoformat(), "topic": "x"}), 404,
                "not_found")
        problem(client.get(f"{API}/visit-plans/{p['id']}", headers=h), 404, "not_found")
        problem(client.patch(f"{API}/visit-plans/{p['id']}", headers=h, json={"topic": "x"}), 404, "not_found")
        problem(client.post(f"{API}/visit-plans/{p['id']}/record", headers=h,
                            json={"content": "x", "satisfaction": "satisfied"}), 404, "not_found")
        problem(client.post(f"{API}/visit-plans/{p['id']}/cancel", headers=h), 404, "not_found")
        assert p["id"] not in [x["id"] for x in ok(client.get(f"{API}/visit-plans", headers=h))["items"]]
        assert r["id"] not in [x["id"] for x in ok(client.get(f"{API}/visit-records", headers=h))["items"]]
        assert ok(client.get(f"{API}/visits/stats", headers=h))["records"] == 0
    mine = ok(client.get(f"{API}/visit-plans", params={"mine": True}, headers=world.headers("sales_east1")))["items"]
    assert [x["id"] for x in mine] == [p["id"]]


def test_statistics_per_owner_and_satisfaction_share(client, world):
    a = [world.customer(owner="sales_east1", pool="won") for _ in range(3)]
    b = world.customer(owner="sales_east1b", pool="won")
    grades = ["very_satisfied", "satisfied", "dissatisfied"]
    for cid, grade in zip(a, grades, strict=True):
        p = plan(client, world, cid)
        record(client, world, p["id"], satisfaction=grade)
    plan(client, world, a[0], planned_at=(utcnow() - timedelta(hours=2)).isoformat())  # overdue
    pb = plan(client, world, b, who="sales_east1b")
    record(client, world, pb["id"], who="sales_east1b", satisfaction="neutral")
    since = (utcnow() - timedelta(days=2)).isoformat()
    until = (utcnow() + timedelta(days=3)).isoformat()
    st = ok(client.get(f"{API}/visits/stats", params={"since": since, "until": until},
                       headers=world.headers("manager_east1")))
    assert (st["planned"], st["done"], st["overdue"], st["records"]) == (5, 4, 1, 4)
    assert st["completion_rate"] == 80.0
    sat = st["satisfaction"]
    assert (sat["very_satisfied"], sat["satisfied"], sat["neutral"], sat["dissatisfied"]) == (1, 1, 1, 1)
    assert sat["shares"] == {"very_satisfied": 25.0, "satisfied": 25.0, "neutral": 25.0, "dissatisfied": 25.0}
    assert sat["satisfied_rate"] == 50.0
    by = {x["owner_id"]: x for x in st["by_owner"]}
    one = by[world.staff["sales_east1"]]
    assert (one["planned"], one["done"], one["overdue"], one["records"]) == (4, 3, 1, 3)
    assert one["satisfaction"]["satisfied_rate"] == 66.7
    assert by[world.staff["sales_east1b"]]["satisfaction"]["neutral"] == 1
    assert sum(m["records"] for m in st["by_month"]) == 4
    # without visit.stats a salesperson sees only their own numbers
    own = ok(client.get(f"{API}/visits/stats", params={"since": since, "until": until},
                        headers=world.headers("sales_east1")))
    assert [x["owner_id"] for x in own["by_owner"]] == [world.staff["sales_east1"]] and own["records"] == 3
    problem(client.get(f"{API}/visits/stats", params={"since": until, "until": since},
                       headers=world.headers("manager_east1")), 422, "invalid_period")
