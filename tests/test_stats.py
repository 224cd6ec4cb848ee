"""Statistics (SALES-8) and the work panel (SALES-9) on SQLite and PostgreSQL.

The central property: every figure equals the count (and, for money, the sum) of the list it drills
into, fetched through the API as the same user — for an admin, a center director, a department
manager and a salesperson — and nothing of another tenant is ever counted."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from huike.followup.models import Followup
from huike.kit import clock
from huike.org.models import Role
from huike.sales import settings as sales_settings
from huike.sales.models import Contract, Opportunity, OpportunityStage, Order, Payment
from huike.stats.service import day_start, period
from huike.task.models import Task, TaskItem
from tests.work_support import API, ok, problem

ROLES = ["admin", "director_east", "manager_east1", "sales_east1"]
AMOUNT_KEY = {"opportunities": "amount", "orders": "total", "payments": "amount"}


# ----------------------------------------------------------------------------- data
def _in_month() -> datetime:
    """An instant of this month (Asia/Shanghai) that is already past."""
    start = day_start(period("this_month").since)
    now = clock.now()
    return start + (now - start) / 2


def _last_month() -> datetime:
    return day_start(period("last_month").since) + timedelta(days=3)


def build(world: Any, tag: str = "") -> dict[str, Any]:
    """Customers across the org tree, pools, types, sources, industries and months; opportunities in
    every stage; orders, follow-ups, a contract with payments and a task — all written directly."""
    now_m, old = _in_month(), _last_month()
    c = world.customer
    ids = {
        "own_new": c(owner="sales_east1", source="抖音", industry="教育培训", created_at=now_m),
        "own_old": c(owner="sales_east1", source="网络推广", industry="制造业", created_at=old, acquired_via="assigned"),
        "own_won": c(owner="sales_east1", pool="won", source="展会", won_at=old, created_at=old),
        "peer": c(owner="sales_east1b", source="百度推广", industry="教育培训", created_at=now_m),
        "peer_assisted": c(owner="sales_east1b", collaborators=("sales_east1",), source="自定义来源", created_at=old),
        "sub": c(owner="sales_east1sub", source="400电话", created_at=now_m, acquired_via="assigned"),
        "east2_potential": c(pool="potential", dept="east2", source="地推", created_at=now_m),
        "east1_to_assign": c(pool="to_assign", dept="east1", created_at=now_m),
        "south": c(owner="sales_south1", source="转介绍", industry="金融服务", created_at=now_m),
        "south_won": c(owner="sales_south1", pool="won", won_at=now_m, created_at=old),
        "public": c(pool="public", dept="south1", source="官网咨询", industry="", created_at=now_m),
        "binned": c(pool="recycle_bin", owner="sales_east1", source="抖音", created_at=now_m),
        "office": c(owner="admin", source="企业微信", created_at=now_m),
    }
    staff = world.staff
    with world.db.transaction(world.tenant_id) as s:
        sales_settings.ensure(s)
        stages = {st.name: st for st in s.scalars(sa.select(OpportunityStage))}
        n = 0

        def opp(cust: str, owner: str, stage: str, amount: str, status: str = "open", rate: int | None = None) -> int:
            nonlocal n
            n += 1
            st = stages[stage]
            o = Opportunity(number=f"SJ{tag}{n:05d}", name=f"商机{n}", customer_id=ids[cust], owner_id=staff[owner],
                            amount=Decimal(amount), stage_id=st.id, status=status,
                            win_rate=st.win_rate if rate is None else rate,
                            won_at=now_m if status == "won" else None, lost_at=now_m if status == "lost" else None)
            s.add(o)
            s.flush()
            return o.id

        opp("own_new", "sales_east1", "初步接触", "10000.10")
        opp("own_old", "sales_east1", "方案报价", "25000.00", rate=55)
        opp("own_won", "sales_east1", "赢单", "8000.50", status="won")
        opp("peer", "sales_east1b", "需求分析", "12000.00")
        opp("peer_assisted", "sales_east1b", "合同谈判", "40000.00")
        opp("sub", "sales_east1sub", "初步接触", "3000.00")
        opp("south", "sales_south1", "合同谈判", "99999.99")
        opp("south_won", "sales_south1", "输单", "5000.00", status="lost")
        opp("public", "sales_south1", "需求分析", "700.00")  # a deal left on a customer now in the public pool
        opp("binned", "sales_east1", "初步接触", "1.00")
        opp("office", "admin", "方案报价", "60000.00")

        def order(cust: str, staff_key: str, total: str, status: str = "completed", at: datetime = now_m) -> None:
            nonlocal n
            n += 1
            s.add(Order(number=f"DD{tag}{n:05d}", customer_id=ids[cust], status=status, deal_at=at,
                        staff_id=staff[staff_key], subtotal=Decimal(total), discount=Decimal(0), total=Decimal(total)))

        order("own_won", "sales_east1", "8000.50")
        order("own_new", "sales_east1", "1200.00")
        order("own_old", "sales_east1", "300.00", at=old)  # last month
        order("peer", "sales_east1b", "999.00", status="draft")
        order("peer_assisted", "sales_east1b", "4500.25")
        order("south_won", "sales_south1", "7777.77")
        order("office", "admin", "100.00")

        for cust, author, at in (("own_new", "sales_east1", now_m), ("own_new", "sales_east1", now_m),
                                 ("own_old", "sales_east1", old), ("peer", "sales_east1b", now_m),
                                 ("peer_assisted", "sales_east1", now_m), ("south", "sales_south1", now_m),
                                 ("sub", "manager_east1", now_m), ("office", "admin", clock.now())):
            s.add(Followup(customer_id=ids[cust], author_id=staff[author], at=at, method="phone", content="沟通"))

        k = Contract(number=f"HT{tag}00001", name="年度合同", customer_id=ids["own_won"], owner_id=staff["sales_east1"],
                     amount=Decimal("20000.00"), status="signed")
        k2 = Contract(number=f"HT{tag}00002", name="南区合同", customer_id=ids["south_won"],
                      owner_id=staff["sales_south1"], amount=Decimal("9000.00"), status="signed")
        s.add_all([k, k2])
        s.flush()
        today = clock.today()
        s.add_all([Payment(contract_id=k.id, customer_id=ids["own_won"], received_on=today, amount=Decimal("5000.00"),
                           method="bank", created_at=clock.now()),
                   Payment(contract_id=k.id, customer_id=ids["own_won"], received_on=period("last_month").since,
                           amount=Decimal("1000.00"), method="bank", created_at=clock.now()),
                   Payment(contract_id=k2.id, customer_id=ids["south_won"], received_on=today,
                           amount=Decimal("3000.00"), method="cash", created_at=clock.now())])
        t = Task(type="call", title="回访老客户", issuer_id=staff["manager_east1"], handler_ids=[staff["sales_east1"]])
        s.add(t)
        s.flush()
        s.add(TaskItem(task_id=t.id, customer_id=ids["own_new"], handler_id=staff["sales_east1"]))
    return ids


# ----------------------------------------------------------------------------- following a drill
def drilled(client: Any, world: Any, who: str, d: dict[str, Any]) -> tuple[int, Decimal | None]:
    """The rows of the list a figure drills into, fetched as `who`: (count, Σ amount)."""
    h = world.headers(who)
    assert d["url"].startswith(d["path"]) and d["path"].startswith(API)
    if d["list"] == "customers":
        n = ok(client.get(f"{API}/customers/count", params={**d["params"], "exact": "true"}, headers=h))["total"]
        page = ok(client.get(d["path"], params={**d["params"], "limit": 200}, headers=h))
        assert len(page["items"]) == n and page["total"] == n, (d, n, page["total"])
        return n, None
    if d["list"] == "recycle_soon":
        return len(ok(client.get(d["path"], params={**d["params"], "limit": 200}, headers=h))["items"]), None
    key = AMOUNT_KEY.get(d["list"])
    count, amount, cursor = 0, Decimal(0), None
    while True:
        params = {**d["params"], "limit": 100}
        if cursor:
            params["cursor"] = cursor
        body = ok(client.get(d["path"], params=params, headers=h))
        count += len(body["items"])
        if key:
            amount += sum((Decimal(x[key]) for x in body["items"]), Decimal(0))
        cursor = body.get("next_cursor")
        if not cursor:
            return count, (amount if key else None)


def check(client: Any, world: Any, who: str, fig: dict[str, Any]) -> int:
    n, amount = drilled(client, world, who, fig["drill"])
    assert fig["count"] == n, (who, fig)
    if fig.get("amount") is not None:
        assert Decimal(fig["amount"]) == amount, (who, fig, amount)
    return n


# ----------------------------------------------------------------------------- tests
@pytest.mark.parametrize("who", ROLES)
def test_customer_figures_equal_their_lists(client, world, other_world, who):
    build(world)
    build(other_world, "o")
    body = ok(client.get(f"{API}/stats/customers", headers=world.headers(who)))
    total = check(client, world, who, body["total"])
    check(client, world, who, body["new"])
    for group in ("pools", "types", "sources", "industries"):
        parts = [check(client, world, who, sl["figure"]) for sl in body[group]]
        assert sum(parts) == total, (who, group)  # every customer in exactly one slice
    expected_total = {"admin": 12, "director_east": 9, "manager_east1": 7, "sales_east1": 5}[who]
    assert total == expected_total, (who, total)
    sources = {sl["key"]: sl["figure"]["count"] for sl in body["sources"]}
    if who == "admin":
        # 网络推广 counts itself and its 小类 (抖音, 百度推广, 官网咨询) like the source filter does
        assert sources["网络推广"] == 4 and sources["自定义来源"] == 1 and sources[""] == 2
        assert {p["key"] for p in body["pools"]} == {"potential", "to_assign", "following", "public", "won"}
        assert body["new"]["count"] == 8
    if who == "sales_east1":  # own (3), assisted, public; never unverified leads
        assert {p["key"] for p in body["pools"]} == {"following", "public", "won"}
        assert {t["key"]: t["figure"]["count"] for t in body["types"]} == {"intent": 3, "assigned": 1, "won": 1}


@pytest.mark.parametrize("who", ROLES)
def test_opportunity_figures_equal_their_lists(client, world, other_world, who):
    build(world)
    build(other_world, "o")
    body = ok(client.get(f"{API}/stats/opportunities", headers=world.headers(who)))
    for st in body["stages"]:
        check(client, world, who, st["figure"])
    n_open = check(client, world, who, body["open"])
    check(client, world, who, body["won"])
    check(client, world, who, body["lost"])
    open_stages = [st for st in body["stages"] if st["kind"] == "open"]
    assert [st["name"] for st in open_stages] == ["初步接触", "需求分析", "方案报价", "合同谈判"]
    assert sum(st["figure"]["count"] for st in open_stages) == n_open
    assert Decimal(body["forecast"]) == sum((Decimal(st["weighted_amount"]) for st in open_stages), Decimal(0))
    if who == "sales_east1":
        # own 10000.10 × 20 % + 25000 × 55 % (its own rate), assisted 40000 × 80 %, public 700 × 40 %
        assert n_open == 4
        assert Decimal(body["open"]["amount"]) == Decimal("75700.10")
        assert Decimal(body["forecast"]) == Decimal("2000.02") + Decimal("13750.00") + Decimal("32000.00") + \
            Decimal("280.00")
    if who == "admin":
        assert body["open"]["count"] == 9  # the binned customer's deal too: admins see the recycle bin
    # one salesperson's funnel
    mine = ok(client.get(f"{API}/stats/opportunities", params={"owner_id": world.staff["sales_east1"]},
                         headers=world.headers(who)))
    for st in mine["stages"]:
        check(client, world, who, st["figure"])
    check(client, world, who, mine["open"])


@pytest.mark.parametrize("who", ROLES)
def test_salesperson_figures_equal_their_lists(client, world, other_world, who):
    build(world)
    build(other_world, "o")
    body = ok(client.get(f"{API}/stats/salespeople", headers=world.headers(who)))
    rows = {r["name"]: r for r in body["rows"]}
    for r in body["rows"]:
        for key in ("customers", "new_customers", "won_customers", "opportunities", "deals", "followups"):
            check(client, world, who, r[key])
        if r["customers"]["count"]:
            assert Decimal(r["conversion_rate"]) == (Decimal(r["won_customers"]["count"] * 100)
                                                     / r["customers"]["count"]).quantize(Decimal("0.1"))
    assert all(r["employee_id"] in world.staff.values() for r in body["rows"])  # never another tenant's
    # rows are the staff of the caller's org scope: the public-pool customer's deal owner (south) is not
    # a row of the east managers, though the deal is counted in their pipeline figures
    if who != "admin":
        assert "sales_south1" not in rows and "manager_south1" not in rows
    else:
        assert rows["sales_south1"]["opportunities"]["count"] == 2
    if who == "manager_east1":  # own department: never the sub-department's or the south's staff
        assert {"sales_east1", "sales_east1b"} <= set(rows)
        assert "sales_east1sub" not in rows
        e1 = rows["sales_east1"]
        assert e1["customers"]["count"] == 3 and e1["won_customers"]["count"] == 1
        assert Decimal(e1["conversion_rate"]) == Decimal("33.3")
        assert Decimal(e1["deals"]["amount"]) == Decimal("9200.50")  # this month only, completed only
        assert e1["followups"]["count"] == 3
    if who == "sales_east1":  # self scope: his own row only
        assert set(rows) == {"sales_east1"}
        assert rows["sales_east1"]["customers"]["count"] == 3
        assert rows["sales_east1"]["opportunities"]["count"] == 2  # the assisted customer's deal is east1b's
    if who == "director_east":
        assert "sales_east1sub" in rows


@pytest.mark.parametrize("who", ROLES)
def test_panel_cards_equal_their_lists(client, world, other_world, who):
    build(world)
    build(other_world, "o")
    h = world.headers(who)
    default = ok(client.get(f"{API}/stats/panel", headers=h))
    assert default["is_default"] and default["cards"] and len(default["values"]) == len(default["cards"])
    every = default["available"]
    assert len(every) == 15
    ok(client.put(f"{API}/stats/panel/layout", json={"cards": every}, headers=h))
    body = ok(client.get(f"{API}/stats/panel", headers=h))
    assert [v["key"] for v in body["values"]] == every and not body["is_default"]
    values = {v["key"]: v["figure"] for v in body["values"]}
    for fig in values.values():
        check(client, world, who, fig)
    if who == "sales_east1":
        assert values["my_customers"]["count"] == 3
        assert values["tasks_todo"]["count"] == 1
        assert values["followups_today"]["count"] >= 0
        assert Decimal(values["my_deals_month"]["amount"]) == Decimal("9200.50")
        assert Decimal(values["payments_month"]["amount"]) == Decimal("5000.00")
    if who == "admin":
        assert Decimal(values["payments_month"]["amount"]) == Decimal("8000.00")


def test_panel_layout_choose_order_reset(client, world):
    h = world.headers("sales_east1")
    got = ok(client.get(f"{API}/stats/panel", headers=h))
    assert got["is_default"] and got["cards"][0] == "my_customers"
    lay = ok(client.put(f"{API}/stats/panel/layout", json={"cards": ["tasks_todo", "my_customers", "tasks_todo"]},
                        headers=h))
    assert lay["cards"] == ["tasks_todo", "my_customers"] and not lay["is_default"]
    assert [v["key"] for v in ok(client.get(f"{API}/stats/panel", headers=h))["values"]] == ["tasks_todo",
                                                                                           "my_customers"]
    bad = problem(client.put(f"{API}/stats/panel/layout", json={"cards": ["my_customers", "nope"]}, headers=h),
                  422, "invalid_card")
    assert bad["errors"][0]["field"] == "cards.1"
    problem(client.put(f"{API}/stats/panel/layout", json={"cards": []}, headers=h), 422, "validation_error")
    # each employee has their own panel
    assert ok(client.get(f"{API}/stats/panel", headers=world.headers("sales_east1b")))["is_default"]
    assert client.delete(f"{API}/stats/panel/layout", headers=h).status_code == 204
    assert ok(client.get(f"{API}/stats/panel", headers=h))["is_default"]
    actions = [e["action"] for e in ok(client.get(f"{API}/audit", params={"target_type": "work_panel"},
                                                  headers=world.headers("admin")))["items"]]
    assert "work_panel.update" in actions and "work_panel.reset" in actions


def test_periods(client, world):
    build(world)
    h = world.headers("admin")
    this = ok(client.get(f"{API}/stats/customers", headers=h))
    assert this["period"]["key"] == "this_month" and this["period"]["since"].endswith("-01")
    last = ok(client.get(f"{API}/stats/customers", params={"period": "last_month"}, headers=h))
    assert last["new"]["count"] == 4  # own_old, own_won, peer_assisted, south_won
    check(client, world, "admin", last["new"])
    for key in ("this_quarter", "this_year"):
        body = ok(client.get(f"{API}/stats/customers", params={"period": key}, headers=h))
        assert body["new"]["count"] >= this["new"]["count"]
        check(client, world, "admin", body["new"])
    since = period("last_month").since
    until = clock.today()
    custom = ok(client.get(f"{API}/stats/customers", params={"period": "custom", "since": since.isoformat(),
                                                              "until": until.isoformat()}, headers=h))
    assert custom["new"]["count"] == 12 and custom["period"] == {"key": "custom", "since": since.isoformat(),
                                                                  "until": until.isoformat()}
    sp = ok(client.get(f"{API}/stats/salespeople", params={"period": "last_month"}, headers=h))
    e1 = next(r for r in sp["rows"] if r["name"] == "sales_east1")
    assert Decimal(e1["deals"]["amount"]) == Decimal("300.00") and e1["followups"]["count"] == 1
    check(client, world, "admin", e1["deals"])
    problem(client.get(f"{API}/stats/customers", params={"period": "custom"}, headers=h), 422, "invalid_period")
    problem(client.get(f"{API}/stats/customers", params={"period": "custom", "since": "2026-05-02",
                                                         "until": "2026-05-01"}, headers=h), 422, "invalid_period")
    problem(client.get(f"{API}/stats/salespeople", params={"since": "2026-05-01"}, headers=h), 422, "invalid_period")
    problem(client.get(f"{API}/stats/customers", params={"period": "someday"}, headers=h), 422, "validation_error")
    problem(client.get(f"{API}/stats/customers", params={"period": "custom", "since": "2020-01-01",
                                                         "until": "2035-01-01"}, headers=h), 422, "invalid_period")


def test_quarter_and_month_bounds(monkeypatch):
    from huike.stats import service

    monkeypatch.setattr(service.clock, "today", lambda: date(2026, 11, 23))
    assert (period("this_quarter").since, period("this_quarter").until) == (date(2026, 10, 1), date(2026, 12, 31))
    assert (period("last_month").since, period("last_month").until) == (date(2026, 10, 1), date(2026, 10, 31))
    assert (period("this_year").since, period("this_year").until) == (date(2026, 1, 1), date(2026, 12, 31))
    monkeypatch.setattr(service.clock, "today", lambda: date(2026, 1, 15))
    assert (period("last_month").since, period("last_month").until) == (date(2025, 12, 1), date(2025, 12, 31))
    assert (period("this_quarter").since, period("this_quarter").until) == (date(2026, 1, 1), date(2026, 3, 31))
    assert (period("this_month").until) == date(2026, 1, 31)
    # a day in Asia/Shanghai starts at 16:00 UTC the day before
    assert day_start(date(2026, 11, 1)).isoformat() == "2026-10-31T16:00:00+00:00"


def test_permission_and_other_tenant(client, world, other_world):
    build(other_world, "o")
    h = world.headers("admin")
    empty = ok(client.get(f"{API}/stats/customers", headers=h))
    assert empty["total"]["count"] == 0 and empty["sources"] == [] and empty["new"]["count"] == 0
    opp = ok(client.get(f"{API}/stats/opportunities", headers=h))
    assert opp["open"]["count"] == 0 and Decimal(opp["forecast"]) == 0
    rows = ok(client.get(f"{API}/stats/salespeople", headers=h))["rows"]
    assert all(r["customers"]["count"] == 0 and r["deals"]["count"] == 0 for r in rows)
    # another tenant's employee as owner_id finds nothing
    assert ok(client.get(f"{API}/stats/opportunities", params={"owner_id": other_world.staff["sales_east1"]},
                         headers=h))["open"]["count"] == 0
    # a role without stats.view is refused
    with world.db.transaction(world.tenant_id) as s:
        role = s.scalars(sa.select(Role).where(Role.code == "operator")).one()
        role.permissions = [p for p in role.permissions if p != "stats.view"]
    for path in ("/stats/customers", "/stats/opportunities", "/stats/salespeople", "/stats/panel"):
        problem(client.get(f"{API}{path}", headers=world.headers("operator_east1")), 403, "forbidden")
    problem(client.put(f"{API}/stats/panel/layout", json={"cards": ["tasks_todo"]},
                       headers=world.headers("operator_east1")), 403, "forbidden")
    assert client.get(f"{API}/stats/customers").status_code == 401
