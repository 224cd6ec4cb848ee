"""Opportunities (SALES-1…5) on SQLite and PostgreSQL: numbering, stages and win rates, advancing with a
note onto the timeline, lost reasons, lists with quick search, monthly totals, the funnel, stage
settings, restrict-manual-won on and off, scope and tenant walls."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from huike.kit import clock
from huike.sales.models import Opportunity
from tests.work_support import API, Clock, events_of, ok, problem


def stages(client, world, who="admin"):
    return ok(client.get(f"{API}/sales/stages", headers=world.headers(who)))


def stage_id(client, world, name):
    return next(s["id"] for s in stages(client, world) if s["name"] == name)


def new_opp(client, world, cid, who="sales_east1", **body):
    return ok(client.post(f"{API}/customers/{cid}/opportunities", headers=world.headers(who),
                          json={"name": "ERP 系统采购", "amount": "100000.00", **body}), 201)


def advance(client, world, oid, stage, who="sales_east1", note="推进", **body):
    return client.post(f"{API}/opportunities/{oid}/advance", headers=world.headers(who),
                       json={"stage_id": stage, "note": note, **body})


def set_restrict(client, world, on):
    return ok(client.patch(f"{API}/sales/settings", headers=world.headers("admin"),
                           json={"restrict_manual_won": on}))


def test_defaults_create_and_numbering(client, world):
    got = stages(client, world, "sales_east1")
    assert [(s["name"], s["kind"], s["win_rate"]) for s in got] == [
        ("初步接触", "open", 20), ("需求分析", "open", 40), ("方案报价", "open", 60), ("合同谈判", "open", 80),
        ("赢单", "won", 100), ("输单", "lost", 0)]
    reasons = ok(client.get(f"{API}/sales/lost-reasons", headers=world.headers("sales_east1")))
    assert "价格过高" in [r["name"] for r in reasons]
    settings = ok(client.get(f"{API}/sales/settings", headers=world.headers("sales_east1")))
    assert settings == {"restrict_manual_won": False, "contract_expiry_enabled": True, "contract_expiry_days": 30,
                        "reconciled": None}
    cid = world.customer(owner="sales_east1", name="星河科技")
    a = new_opp(client, world, cid, expected_close_date="2026-12-31", notes="客户预算已批")
    b = new_opp(client, world, cid, name="二期扩容", amount=0.1, stage_id=stage_id(client, world, "方案报价"))
    assert a["number"] == "SJ000001" and b["number"] == "SJ000002"  # per tenant, running
    assert a["stage_name"] == "初步接触" and a["win_rate"] == 20 and a["status"] == "open"
    assert a["amount"] == "100000.00" and a["weighted_amount"] == "20000.00" and a["owner_id"] == world.staff["sales_east1"]
    assert b["amount"] == "0.10" and b["win_rate"] == 60 and b["customer_name"] == "星河科技"
    # several per customer; the customer's list and the timeline
    listed = ok(client.get(f"{API}/customers/{cid}/opportunities", headers=world.headers("sales_east1")))["items"]
    assert [x["id"] for x in listed] == [b["id"], a["id"]]
    assert events_of(world, cid).count("opportunity_created") == 2
    # a custom win rate on an open stage; bad input
    c = new_opp(client, world, cid, name="三期", win_rate=35)
    assert c["win_rate"] == 35
    for bad in ({"amount": "1.001"}, {"amount": -1}, {"amount": "abc"}, {"win_rate": 101}, {"name": ""}):
        problem(client.post(f"{API}/customers/{cid}/opportunities", headers=world.headers("sales_east1"),
                            json={"name": "x", **bad}), 422, "validation_error")
    problem(client.post(f"{API}/customers/{cid}/opportunities", headers=world.headers("sales_east1"),
                        json={"name": "x", "stage_id": stage_id(client, world, "输单")}), 422, "invalid_stage")
    # sales may not hand an opportunity to someone else; a manager may, within scope
    problem(client.post(f"{API}/customers/{cid}/opportunities", headers=world.headers("sales_east1"),
                        json={"name": "x", "owner_id": world.staff["sales_east1b"]}), 422, "invalid_assignee")
    d = new_opp(client, world, cid, who="manager_east1", owner_id=world.staff["sales_east1b"])
    assert d["owner_id"] == world.staff["sales_east1b"]


def test_advance_with_note_lost_reason_and_history(client, world):
    cid = world.customer(owner="sales_east1")
    o = new_opp(client, world, cid)
    got = ok(advance(client, world, o["id"], stage_id(client, world, "需求分析"), note="客户已确认需求"))
    assert got["stage_name"] == "需求分析" and got["win_rate"] == 40
    problem(advance(client, world, o["id"], stage_id(client, world, "需求分析")), 409, "same_stage")
    problem(client.post(f"{API}/opportunities/{o['id']}/advance", headers=world.headers("sales_east1"),
                        json={"stage_id": stage_id(client, world, "方案报价")}), 422, "validation_error")  # note required
    lost = stage_id(client, world, "输单")
    problem(advance(client, world, o["id"], lost, note="客户选了别家"), 422, "lost_reason_required")
    reasons = ok(client.get(f"{API}/sales/lost-reasons", headers=world.headers("sales_east1")))
    rid = next(r["id"] for r in reasons if r["name"] == "选择了竞争对手")
    got = ok(advance(client, world, o["id"], lost, note="客户选了别家", lost_reason_id=rid))
    assert got["status"] == "lost" and got["win_rate"] == 0 and got["lost_reason"] == "选择了竞争对手"
    assert got["lost_at"] and got["lost_note"] == "客户选了别家"
    problem(client.patch(f"{API}/opportunities/{o['id']}", headers=world.headers("sales_east1"),
                         json={"win_rate": 50}), 409, "win_rate_fixed")
    hist = ok(client.get(f"{API}/opportunities/{o['id']}/history", headers=world.headers("sales_east1")))
    assert [(h["from_stage_name"], h["to_stage_name"], h["note"]) for h in hist] == [
        (None, "初步接触", None), ("初步接触", "需求分析", "客户已确认需求"), ("需求分析", "输单", "客户选了别家")]
    assert hist[2]["lost_reason"] == "选择了竞争对手" and hist[1]["actor_name"] == "sales_east1"
    evs = events_of(world, cid)
    assert "opportunity_stage_changed" in evs and "opportunity_lost" in evs
    # a used reason cannot be deleted, only disabled
    problem(client.delete(f"{API}/sales/lost-reasons/{rid}", headers=world.headers("admin")), 409,
            "lost_reason_in_use")
    ok(client.patch(f"{API}/sales/lost-reasons/{rid}", headers=world.headers("admin"), json={"enabled": False}))
    o2 = new_opp(client, world, cid)
    problem(advance(client, world, o2["id"], lost, lost_reason_id=rid), 422, "invalid_lost_reason")
    # reopening a lost one (restriction off) clears the loss
    back = ok(advance(client, world, o["id"], stage_id(client, world, "合同谈判"), note="客户回头了"))
    assert back["status"] == "open" and back["lost_reason"] is None and back["win_rate"] == 80


def test_restrict_off_manual_won_and_back(client, world):
    cid = world.customer(owner="sales_east1")
    o = new_opp(client, world, cid)
    won = stage_id(client, world, "赢单")
    got = ok(advance(client, world, o["id"], won, note="签单"))
    assert got["status"] == "won" and got["win_rate"] == 100 and got["won_at"] and got["amount_editable"]
    got = ok(client.patch(f"{API}/opportunities/{o['id']}", headers=world.headers("sales_east1"),
                          json={"amount": "88000.50"}))
    assert got["amount"] == "88000.50"
    back = ok(advance(client, world, o["id"], stage_id(client, world, "合同谈判"), note="客户反悔，重新谈判"))
    assert back["status"] == "open" and back["won_at"] is None


def test_restrict_on_nobody_wins_by_hand(client, world):
    cid = world.customer(owner="sales_east1")
    o = new_opp(client, world, cid)
    won = stage_id(client, world, "赢单")
    assert set_restrict(client, world, True)["restrict_manual_won"] is True
    for who in ("sales_east1", "manager_east1", "admin"):
        problem(advance(client, world, o["id"], won, who=who), 409, "manual_won_restricted")
    problem(client.post(f"{API}/customers/{cid}/opportunities", headers=world.headers("admin"),
                        json={"name": "x", "stage_id": won}), 409, "manual_won_restricted")
    # the other stages still move by hand
    ok(advance(client, world, o["id"], stage_id(client, world, "合同谈判")))
    # a non-admin cannot switch it off
    problem(client.patch(f"{API}/sales/settings", headers=world.headers("manager_east1"),
                         json={"restrict_manual_won": False}), 403, "forbidden")


def test_switching_on_reconciles_existing_data(client, world):
    """Restriction off: a won opportunity by hand (no orders), an open one with a completed order and a won
    one with completed orders; switching on wins the open one and syncs amounts from completed orders."""
    from tests.test_sales_orders import complete_order, product

    cid = world.customer(owner="sales_east1")
    won = stage_id(client, world, "赢单")
    by_hand = new_opp(client, world, cid, name="手动成单", amount="5000")
    ok(advance(client, world, by_hand["id"], won))
    open_with = new_opp(client, world, cid, name="有订单未成单", amount="1")
    won_with = new_opp(client, world, cid, name="已成单有订单", amount="2")
    ok(advance(client, world, won_with["id"], won))
    p = product(client, world, price="0.10")
    complete_order(client, world, cid, [{"product_id": p, "quantity": "1"}], opportunity_id=open_with["id"])
    complete_order(client, world, cid, [{"product_id": p, "quantity": "1", "unit_price": "0.20"}],
                   opportunity_id=won_with["id"])
    complete_order(client, world, cid, [{"product_id": p, "quantity": "3"}], opportunity_id=won_with["id"])
    # off: completing orders moved nothing
    assert ok(client.get(f"{API}/opportunities/{open_with['id']}", headers=world.headers("admin")))["status"] == "open"
    res = set_restrict(client, world, True)
    assert res["reconciled"] == {"won": 1, "amounts_synced": 2}
    got = {x["id"]: x for x in ok(client.get(f"{API}/customers/{cid}/opportunities",
                                             headers=world.headers("admin")))["items"]}
    assert got[open_with["id"]]["status"] == "won" and got[open_with["id"]]["amount"] == "0.10"
    assert got[won_with["id"]]["amount"] == "0.50"  # 0.20 + 3 × 0.10, exact
    assert got[by_hand["id"]]["amount"] == "5000.00" and got[by_hand["id"]]["amount_editable"] is False
    hist = ok(client.get(f"{API}/opportunities/{open_with['id']}/history", headers=world.headers("admin")))
    assert hist[-1]["automatic"] is True and hist[-1]["to_stage_name"] == "赢单"
    # locked both ways: no leaving won, no amount edits
    problem(advance(client, world, by_hand["id"], stage_id(client, world, "合同谈判"), who="admin"), 409,
            "opportunity_won_locked")
    problem(client.patch(f"{API}/opportunities/{by_hand['id']}", headers=world.headers("admin"),
                         json={"amount": "1"}), 409, "amount_read_only")
    # switching off again changes no data and unlocks
    res = set_restrict(client, world, False)
    assert res["reconciled"] is None
    ok(client.patch(f"{API}/opportunities/{by_hand['id']}", headers=world.headers("admin"), json={"amount": "1"}))


def test_lists_search_and_monthly_totals(client, world, monkeypatch):
    clk = Clock(monkeypatch)
    c1 = world.customer(owner="sales_east1", name="华为技术")
    c2 = world.customer(owner="sales_east1", name="启明教育")
    base = datetime(2026, 10, 15, 4, tzinfo=clock.TZ)
    clk.set(base)
    a = new_opp(client, world, c1, name="云服务器采购", amount="0.10")
    b = new_opp(client, world, c2, name="培训系统", amount="0.20")
    c = new_opp(client, world, c2, name="数据平台", amount="1000")
    clk.set(base + timedelta(days=20))  # November (Asia/Shanghai)
    ok(advance(client, world, a["id"], stage_id(client, world, "赢单")))
    rid = ok(client.get(f"{API}/sales/lost-reasons", headers=world.headers("admin")))[0]["id"]
    ok(advance(client, world, b["id"], stage_id(client, world, "输单"), lost_reason_id=rid))
    clk.reset()
    h = world.headers("sales_east1")
    ids = lambda r: {x["id"] for x in ok(r)["items"]}
    assert ids(client.get(f"{API}/opportunities", headers=h, params={"status": "open"})) >= {c["id"]}
    assert a["id"] not in ids(client.get(f"{API}/opportunities", headers=h, params={"status": "open"}))
    assert ids(client.get(f"{API}/opportunities", headers=h, params={"status": "won"})) == {a["id"]}
    assert ids(client.get(f"{API}/opportunities", headers=h, params={"status": "lost"})) == {b["id"]}
    assert ids(client.get(f"{API}/opportunities", headers=h, params={"q": "启明"})) == {b["id"], c["id"]}
    assert ids(client.get(f"{API}/opportunities", headers=h, params={"q": "云服务"})) == {a["id"]}
    assert ids(client.get(f"{API}/opportunities", headers=h, params={"q": c["number"].lower()})) == {c["id"]}
    assert ids(client.get(f"{API}/opportunities", headers=h, params={"q": "%"})) == set()
    # keyset pages
    page = ok(client.get(f"{API}/opportunities", headers=h, params={"limit": 2}))
    rest = ok(client.get(f"{API}/opportunities", headers=h, params={"limit": 2, "cursor": page["next_cursor"]}))
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    oct_ = ok(client.get(f"{API}/opportunities/summary", headers=h, params={"month": "2026-10"}))
    assert oct_["new"] == {"count": 3, "amount": "1000.30"} and oct_["won"]["count"] == 0
    nov = ok(client.get(f"{API}/opportunities/summary", headers=h, params={"month": "2026-11"}))
    assert nov["new"]["count"] == 0 and nov["won"] == {"count": 1, "amount": "0.10"}
    assert nov["lost"] == {"count": 1, "amount": "0.20"}
    problem(client.get(f"{API}/opportunities/summary", headers=h, params={"month": "2026-13"}), 422, "invalid_period")
    funnel = ok(client.get(f"{API}/opportunities/funnel", headers=h))
    first = next(x for x in funnel["stages"] if x["name"] == "初步接触")
    assert first["count"] == 1 and first["amount"] == "1000.00" and first["weighted_amount"] == "200.00"
    assert funnel["forecast"] == "200.00" and funnel["open_amount"] == "1000.00"


def test_stage_settings(client, world):
    h = world.headers("admin")
    cur = stages(client, world)
    opens = [s for s in cur if s["kind"] == "open"]
    cid = world.customer(owner="sales_east1")
    used = new_opp(client, world, cid)  # in 初步接触
    body = {"stages": [{"id": opens[0]["id"], "name": "初次接洽", "win_rate": 10},
                       {"id": opens[2]["id"], "name": "方案报价", "win_rate": 65},
                       {"id": None, "name": "商务审批", "win_rate": 90}],
            "won_name": "已成单", "lost_name": "已丢单"}
    # 需求分析 and 合同谈判 are unused: removed
    got = ok(client.put(f"{API}/sales/stages", headers=h, json=body))
    assert [(s["name"], s["win_rate"], s["kind"]) for s in got] == [
        ("初次接洽", 10, "open"), ("方案报价", 65, "open"), ("商务审批", 90, "open"), ("已成单", 100, "won"),
        ("已丢单", 0, "lost")]
    assert got[0]["opportunities"] == 1
    assert ok(client.get(f"{API}/opportunities/{used['id']}", headers=h))["stage_name"] == "初次接洽"
    # a used stage cannot go; names are unique; sales cannot edit
    problem(client.put(f"{API}/sales/stages", headers=h, json={"stages": [{"id": None, "name": "x", "win_rate": 5}]}),
            409, "stage_in_use")
    problem(client.put(f"{API}/sales/stages", headers=h, json={
        "stages": [{"id": got[0]["id"], "name": "同名", "win_rate": 5}, {"name": "同名", "win_rate": 6}]}),
        422, "stage_name_taken")
    problem(client.put(f"{API}/sales/stages", headers=world.headers("sales_east1"), json=body), 403, "forbidden")
    # a new stage's default win rate applies to new opportunities
    o = new_opp(client, world, cid, stage_id=got[2]["id"])
    assert o["win_rate"] == 90


def test_edit_delete_and_permissions(client, world):
    cid = world.customer(owner="sales_east1")
    o = new_opp(client, world, cid)
    got = ok(client.patch(f"{API}/opportunities/{o['id']}", headers=world.headers("sales_east1"),
                          json={"name": "改名", "win_rate": 33, "expected_close_date": "2027-01-31"}))
    assert got["name"] == "改名" and got["win_rate"] == 33 and got["expected_close_date"] == "2027-01-31"
    assert "opportunity_updated" in events_of(world, cid)
    # operators read but do not write; a peer sales neither writes nor (out of scope) reads
    ok(client.get(f"{API}/opportunities/{o['id']}", headers=world.headers("operator_east1")))
    problem(client.patch(f"{API}/opportunities/{o['id']}", headers=world.headers("operator_east1"),
                         json={"name": "x"}), 403, "forbidden")
    problem(client.get(f"{API}/opportunities/{o['id']}", headers=world.headers("sales_east1b")), 404, "not_found")
    problem(client.patch(f"{API}/opportunities/{o['id']}", headers=world.headers("sales_east1b"),
                         json={"name": "x"}), 404, "not_found")
    # an assistant works it
    shared = world.customer(owner="sales_east1b", collaborators=("sales_east1",))
    new_opp(client, world, shared)
    # a public-pool customer must be claimed by sales first
    public = world.customer(pool="public", dept="east1")
    problem(client.post(f"{API}/customers/{public}/opportunities", headers=world.headers("sales_east1"),
                        json={"name": "x"}), 403, "claim_first")
    r = client.delete(f"{API}/opportunities/{o['id']}", headers=world.headers("sales_east1"))
    assert r.status_code == 204
    problem(client.get(f"{API}/opportunities/{o['id']}", headers=world.headers("sales_east1")), 404, "not_found")
    assert "opportunity_deleted" in events_of(world, cid)


def test_scope_and_other_tenant(client, world, other_world):
    mine = world.customer(owner="sales_east1")
    south = world.customer(owner="sales_south1")
    o = new_opp(client, world, mine)
    s = new_opp(client, world, south, who="sales_south1")
    theirs_c = other_world.customer(owner="sales_east1")
    theirs = new_opp(client, other_world, theirs_c)
    # out of scope (another center) and the other tenant answer 404 on every record route
    for who, oid in (("sales_east1", s["id"]), ("manager_east1", s["id"]), ("director_east", s["id"]),
                     ("admin", theirs["id"]), ("sales_east1", theirs["id"])):
        h = world.headers(who)
        for r in (client.get(f"{API}/opportunities/{oid}", headers=h),
                  client.patch(f"{API}/opportunities/{oid}", headers=h, json={"name": "x"}),
                  client.post(f"{API}/opportunities/{oid}/advance", headers=h, json={"stage_id": 1, "note": "x"}),
                  client.get(f"{API}/opportunities/{oid}/history", headers=h),
                  client.delete(f"{API}/opportunities/{oid}", headers=h)):
            problem(r, 404, "not_found")
    for cid in (south, theirs_c):
        problem(client.get(f"{API}/customers/{cid}/opportunities", headers=world.headers("sales_east1")), 404,
                "not_found")
        problem(client.post(f"{API}/customers/{cid}/opportunities", headers=world.headers("sales_east1"),
                            json={"name": "x"}), 404, "not_found")
    # lists, totals and funnels only count the visible customers
    ids = {x["id"] for x in ok(client.get(f"{API}/opportunities", headers=world.headers("manager_east1")))["items"]}
    assert o["id"] in ids and s["id"] not in ids and theirs["id"] not in ids
    admin = {x["id"] for x in ok(client.get(f"{API}/opportunities", headers=world.headers("admin")))["items"]}
    assert {o["id"], s["id"]} <= admin and theirs["id"] not in admin
    summ = ok(client.get(f"{API}/opportunities/summary", headers=world.headers("sales_east1")))
    assert summ["new"]["count"] == 1
    # the other tenant's numbering is its own
    assert theirs["number"] == "SJ000001"
    with world.db.transaction(world.tenant_id) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Opportunity)) == 2
