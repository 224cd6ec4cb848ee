"""Tasks over a selection (下发任务, WORK-7) on SQLite and PostgreSQL: at most 500 customers, handlers
dealt round-robin in order, blacklisted customers skipped and counted, 我待办的 with one-click
processing that writes the follow-up, 我下发的 with completion per handler and customer, overdue."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from huike.customer.models import Customer
from huike.kit.models import utcnow
from huike.task.models import Task
from tests.work_support import API, Clock, events_of, notifications, ok, problem, run_reminders


def task_body(world, ids, handlers, **extra):
    return {"type": "call", "title": "五一活动电话回访", "content": "介绍五一优惠套餐", "customer_ids": ids,
            "handler_ids": [world.staff[h] for h in handlers], **extra}


def test_more_than_500_customers_is_refused(client, world):
    ids = list(range(1, 502))
    r = client.post(f"{API}/tasks", headers=world.headers("admin"), json=task_body(world, ids, ["sales_east1"]))
    body = problem(r, 422, "too_many_customers")
    assert "500" in body["detail"] and "501" in body["detail"]
    r = client.post(f"{API}/tasks", headers={**world.headers("admin"), "Accept-Language": "en"},
                    json=task_body(world, ids, ["sales_east1"]))
    assert "at most 500" in problem(r, 422, "too_many_customers")["detail"]
    with world.db.transaction(world.tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Task)) == 0
    # exactly 500 distinct ids are accepted (duplicates count once)
    ids = [world.customer(owner="sales_east1") for _ in range(3)]
    r = client.post(f"{API}/tasks", headers=world.headers("admin"),
                    json=task_body(world, ids + ids, ["sales_east1"]))
    assert ok(r, 201)["total"] == 3
    # only managers issue tasks
    problem(client.post(f"{API}/tasks", headers=world.headers("sales_east1"),
                        json=task_body(world, ids, ["sales_east1"])), 403, "forbidden")


def test_round_robin_blacklist_processing_and_progress(client, world):
    ids = [world.customer(owner="sales_east1" if i % 2 else "sales_east1b", name=f"任务客户{i:02d}")
           for i in range(20)]
    with world.db.transaction(world.tenant_id) as s:
        for cid in (ids[3], ids[10]):
            s.get_one(Customer, cid).blacklisted = True
    a, b = world.staff["sales_east1"], world.staff["sales_east1b"]
    t = ok(client.post(f"{API}/tasks", headers=world.headers("manager_east1"),
                       json=task_body(world, ids, ["sales_east1", "sales_east1b"],
                                      due_at=(utcnow() + timedelta(days=2)).isoformat())), 201)
    assert (t["selected"], t["total"], t["skipped_blacklisted"], t["skipped_other"]) == (20, 18, 2, 0)
    assert sorted(x["id"] for x in t["skipped"]) == sorted([ids[3], ids[10]])
    assert [(p["handler_id"], p["total"]) for p in t["per_handler"]] == [(a, 9), (b, 9)]
    items = ok(client.get(f"{API}/tasks/{t['id']}/items", headers=world.headers("manager_east1")))
    dealt = [c for c in ids if c not in (ids[3], ids[10])]
    assert [i["customer_id"] for i in items] == dealt
    assert [i["handler_id"] for i in items] == [a, b] * 9
    assert "task_issued" in events_of(world, dealt[0])
    assert len(notifications(world, "sales_east1", "task_assigned")) == 1
    # 我待办的: each handler sees the task and only their own customers
    todo = ok(client.get(f"{API}/tasks/todo", headers=world.headers("sales_east1")))["items"]
    assert [(x["id"], x["my_total"], x["my_done"]) for x in todo] == [(t["id"], 9, 0)]
    mine = ok(client.get(f"{API}/tasks/{t['id']}/items", headers=world.headers("sales_east1")))
    assert len(mine) == 9 and {i["handler_id"] for i in mine} == {a}
    # one-click processing writes the follow-up
    first = mine[0]
    done = ok(client.post(f"{API}/tasks/{t['id']}/items/{first['id']}/process", headers=world.headers("sales_east1"),
                          json={"result": "已接通，有意向", "feedback": "下周再联系"}))
    assert done["status"] == "done" and done["followup_id"] and done["result"] == "已接通，有意向"
    fu = ok(client.get(f"{API}/followups/{done['followup_id']}", headers=world.headers("manager_east1")))
    assert fu["method"] == "phone" and "五一活动电话回访" in fu["content"] and fu["task_item_id"] == first["id"]
    assert ok(client.get(f"{API}/customers/{first['customer_id']}", headers=world.headers("admin")))["last_followup_at"]
    assert {"followed_up", "task_processed"} <= set(events_of(world, first["customer_id"]))
    problem(client.post(f"{API}/tasks/{t['id']}/items/{first['id']}/process", headers=world.headers("sales_east1"),
                        json={}), 409, "task_item_done")
    # someone else's item: 403 for another handler of the task
    other = next(i for i in items if i["handler_id"] == b)
    problem(client.post(f"{API}/tasks/{t['id']}/items/{other['id']}/process", headers=world.headers("sales_east1"),
                        json={}), 403, "not_handler")
    # 我下发的: completion per handler and per customer
    issued = ok(client.get(f"{API}/tasks/issued", headers=world.headers("manager_east1")))["items"]
    assert issued[0]["id"] == t["id"] and (issued[0]["done"], issued[0]["pending"]) == (1, 17)
    assert [(p["handler_id"], p["done"]) for p in issued[0]["per_handler"]] == [(a, 1), (b, 0)]
    done_items = ok(client.get(f"{API}/tasks/{t['id']}/items", params={"status": "done"},
                               headers=world.headers("manager_east1")))
    assert [i["customer_id"] for i in done_items] == [first["customer_id"]]
    # outsiders do not see the task
    for who in ("sales_south1", "manager_south1"):
        problem(client.get(f"{API}/tasks/{t['id']}", headers=world.headers(who)), 404, "not_found")
        problem(client.get(f"{API}/tasks/{t['id']}/items", headers=world.headers(who)), 404, "not_found")
    assert ok(client.get(f"{API}/tasks/todo", headers=world.headers("sales_south1")))["items"] == []


def test_skips_out_of_scope_and_validates_handlers(client, world):
    mine = world.customer(owner="sales_east1")
    south = world.customer(owner="sales_south1")
    binned = world.customer(pool="recycle_bin")
    t = ok(client.post(f"{API}/tasks", headers=world.headers("manager_east1"),
                       json=task_body(world, [mine, south, binned], ["sales_east1"])), 201)
    assert {x["id"]: x["reason"] for x in t["skipped"]} == {south: "not_found", binned: "not_found"}
    problem(client.post(f"{API}/tasks", headers=world.headers("manager_east1"),
                        json=task_body(world, [mine], ["sales_south1"])), 422, "invalid_assignee")
    problem(client.post(f"{API}/tasks", headers=world.headers("manager_east1"),
                        json=task_body(world, [south], ["sales_east1"])), 422, "no_customers_left")


def test_handler_processes_customer_outside_own_scope_via_task(client, world):
    """The task is the delegation: an operator calls leads it does not own; the detail stays closed."""
    leads = [world.customer(pool="public") for _ in range(2)]
    t = ok(client.post(f"{API}/tasks", headers=world.headers("manager_east1"),
                       json=task_body(world, leads, ["sales_east1"])), 201)
    items = ok(client.get(f"{API}/tasks/{t['id']}/items", headers=world.headers("sales_east1")))
    ok(client.post(f"{API}/tasks/{t['id']}/items/{items[0]['id']}/process", headers=world.headers("sales_east1"),
                   json={"content": "电话未接通"}))
    # the customer still has no owner: the task did not claim it
    c = ok(client.get(f"{API}/customers/{leads[0]}", headers=world.headers("admin")))
    assert c["pool"] == "public" and c["owner_id"] is None and c["last_followup_at"]


def test_overdue_marked_and_reminded_once(client, world, monkeypatch):
    ids = [world.customer(owner="sales_east1") for _ in range(4)]
    now = utcnow()
    t = ok(client.post(f"{API}/tasks", headers=world.headers("manager_east1"),
                       json=task_body(world, ids, ["sales_east1", "sales_east1b"],
                                      due_at=(now + timedelta(hours=1)).isoformat())), 201)
    assert t["overdue"] is False
    clock = Clock(monkeypatch)
    clock.set(now + timedelta(hours=2))
    got = ok(client.get(f"{API}/tasks/{t['id']}", headers=world.headers("manager_east1")))
    assert got["overdue"] is True
    items = ok(client.get(f"{API}/tasks/{t['id']}/items", headers=world.headers("sales_east1")))
    assert all(i["overdue"] for i in items)
    assert [x["id"] for x in ok(client.get(f"{API}/tasks/issued", params={"status": "overdue"},
                                           headers=world.headers("manager_east1")))["items"]] == [t["id"]]
    run_reminders(world)
    run_reminders(world)
    assert len(notifications(world, "sales_east1", "task_overdue")) == 1
    assert len(notifications(world, "sales_east1b", "task_overdue")) == 1


def test_last_item_completes_task_and_cancel(client, world):
    ids = [world.customer(owner="sales_east1") for _ in range(2)]
    t = ok(client.post(f"{API}/tasks", headers=world.headers("manager_east1"),
                       json={**task_body(world, ids, ["sales_east1"]), "type": "content",
                             "content": "【五一特惠】全场八折，点击查看：https://example.com/p"}), 201)
    for item in ok(client.get(f"{API}/tasks/{t['id']}/items", headers=world.headers("sales_east1"))):
        r = ok(client.post(f"{API}/tasks/{t['id']}/items/{item['id']}/process", headers=world.headers("sales_east1"),
                           json={}))
        assert r["status"] == "done"
    got = ok(client.get(f"{API}/tasks/{t['id']}", headers=world.headers("sales_east1")))
    assert got["status"] == "done" and got["completed_at"] and got["per_handler"] is None
    fu = ok(client.get(f"{API}/customers/{ids[0]}/followups", headers=world.headers("sales_east1")))["items"][0]
    assert fu["method"] == "wechat"
    problem(client.post(f"{API}/tasks/{t['id']}/cancel", headers=world.headers("manager_east1")), 409, "task_closed")
    t2 = ok(client.post(f"{API}/tasks", headers=world.headers("manager_east1"),
                        json=task_body(world, ids, ["sales_east1"])), 201)
    problem(client.post(f"{API}/tasks/{t2['id']}/cancel", headers=world.headers("sales_east1")), 403, "not_issuer")
    assert ok(client.post(f"{API}/tasks/{t2['id']}/cancel", headers=world.headers("manager_east1")))["status"] == \
        "cancelled"
    item = ok(client.get(f"{API}/tasks/{t2['id']}/items", headers=world.headers("sales_east1")))[0]
    problem(client.post(f"{API}/tasks/{t2['id']}/items/{item['id']}/process", headers=world.headers("sales_east1"),
                        json={}), 409, "task_closed")
