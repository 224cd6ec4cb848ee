"""Automatic customer grading (POOL-16) on SQLite and PostgreSQL: rules → levels exactly at the boundaries,
the purchase window and recency as the clock moves, levels set by hand kept (or overridden by the setting),
an order completion regrading its customer, the tenant wall, who may change or apply the rules, the
audit entries and timeline events, the daily job, the level dictionary following."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from huike.audit.models import AuditEntry
from huike.customer.models import Customer
from huike.kit.models import utcnow
from huike.pool.models import CustomerEvent
from huike.sales.common import refresh_purchases
from huike.sales.models import Order
from huike.worker import tasks
from tests.factories import World, random_mobile
from tests.work_support import API, ok, problem

GRADING = f"{API}/pool/grading"
MANUAL_TABLE = [{"level": "VIP客户", "min_amount": "500000.00"}, {"level": "重要客户", "min_amount": "100000"},
                {"level": "普通客户", "min_amount": 10000}]


class Clock:
    def __init__(self, at: datetime) -> None:
        self.base = self.at = at

    def __call__(self) -> datetime:
        return self.at

    def day(self, days: float) -> datetime:
        self.at = self.base + timedelta(days=days)
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock(utcnow())
    monkeypatch.setattr("huike.kit.clock.now", c)
    return c


def save(client: Any, world: World, who: str = "admin", **body: Any) -> dict[str, Any]:
    body = {"enabled": True, "window_days": 365, "rules": MANUAL_TABLE, "fallback_level": "潜在客户", **body}
    return ok(client.put(GRADING, json=body, headers=world.headers(who)))


def apply(client: Any, world: World) -> dict[str, Any]:
    return ok(client.post(f"{GRADING}/apply", headers=world.headers("admin")))


def buy(world: World, cid: int, total: str, at: datetime, status: str = "completed") -> None:
    """A completed order put in directly (its deal time in the past), the purchases recomputed as
    `sales.orders.complete` does."""
    with world.db.transaction(world.tenant_id) as s:
        s.add(Order(number=f"T{uuid.uuid4().hex[:10]}", customer_id=cid, status=status, deal_at=at,
                    staff_id=world.staff["sales_east1"], subtotal=Decimal(total), total=Decimal(total)))
        s.flush()
        refresh_purchases(s, cid)


def levels(world: World, *ids: int) -> dict[int, tuple[str | None, str | None]]:
    with world.db.transaction(world.tenant_id) as s:
        rows = s.execute(sa.select(Customer.id, Customer.level, Customer.level_source).where(Customer.id.in_(ids)))
        return {cid: (level, source) for cid, level, source in rows}


def level_events(world: World, cid: int) -> list[dict[str, Any]]:
    with world.db.transaction(world.tenant_id) as s:
        return [e.data for e in s.scalars(sa.select(CustomerEvent).where(
            CustomerEvent.customer_id == cid, CustomerEvent.type == "level_changed").order_by(CustomerEvent.id))]


def audits(world: World, action: str = "customer.auto_grade") -> list[AuditEntry]:
    with world.db.transaction(world.tenant_id) as s:
        return list(s.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_defaults_follow_the_manual_table_and_stay_off(client, world):
    got = ok(client.get(GRADING, headers=world.headers("admin")))
    assert got["saved"] is False and got["enabled"] is False and got["window_days"] == 365
    assert got["rules"] == [{"level": "VIP客户", "min_amount": "500000.00", "within_days": None},
                            {"level": "重要客户", "min_amount": "100000.00", "within_days": None},
                            {"level": "普通客户", "min_amount": "10000.00", "within_days": None}]
    assert got["fallback_level"] == "潜在客户" and got["override_manual"] is False
    # off: nothing is graded, applying is refused
    cid = world.customer(owner="sales_east1")
    buy(world, cid, "600000.00", utcnow() - timedelta(days=1))
    assert levels(world, cid)[cid] == (None, None)
    problem(client.post(f"{GRADING}/apply", headers=world.headers("admin")), 409, "grading_disabled")
    assert ok(client.get(f"{API}/customers/{cid}", headers=world.headers("admin")))["level_source"] is None


def test_rules_give_levels_exactly_at_the_boundaries(client, world):
    now = utcnow()
    amounts = {"500000.00": "VIP客户", "499999.99": "重要客户", "100000.00": "重要客户", "99999.99": "普通客户",
               "10000.00": "普通客户", "9999.99": "潜在客户", "0.01": "潜在客户"}
    ids = {}
    for amount in amounts:
        cid = world.customer(owner="sales_east1")
        # two orders that add up to the amount: the sum is what counts
        half = (Decimal(amount) / 2).quantize(Decimal("0.01"))
        buy(world, cid, str(half), now - timedelta(days=10))
        buy(world, cid, str(Decimal(amount) - half), now - timedelta(days=20))
        buy(world, cid, "1000000.00", now - timedelta(days=5), status="cancelled")  # never counts
        ids[amount] = cid
    nothing = world.customer(owner="sales_east1")
    got = save(client, world)
    assert got["saved"] is True and got["changed"] == len(amounts) + 1 and got["last_run_changed"] == len(amounts) + 1
    assert got["rules"][1]["min_amount"] == "100000.00"
    now_levels = levels(world, nothing, *ids.values())
    for amount, level in amounts.items():
        assert now_levels[ids[amount]] == (level, "auto"), amount
    assert now_levels[nothing] == ("潜在客户", "auto")  # no purchases: the fallback
    # the event carries the old and new level and the window's sum, exact to the cent
    (ev,) = level_events(world, ids["499999.99"])
    assert ev == {"from": None, "to": "重要客户", "amount": "499999.99", "window_days": 365, "source": "auto",
                  "summary": "— → 重要客户"}
    assert level_events(world, nothing)[0]["amount"] == "0.00"
    # applying again changes nothing
    assert apply(client, world) == {"changed": 0, "by_level": {}}
    read = ok(client.get(f"{API}/customers/{ids['500000.00']}", headers=world.headers("sales_east1")))
    assert read["level"] == "VIP客户" and read["level_source"] == "auto"


def test_window_moves_with_the_clock_and_all_time(client, world, clock):
    cid = world.customer(owner="sales_east1")
    buy(world, cid, "300000.00", clock.at - timedelta(days=300))
    buy(world, cid, "250000.00", clock.at - timedelta(days=30))
    save(client, world)
    assert levels(world, cid)[cid] == ("VIP客户", "auto")  # 550,000 within 365 days
    clock.day(70)  # the first order is now 370 days old: 250,000 in the window
    assert apply(client, world) == {"changed": 1, "by_level": {"重要客户": 1}}
    assert levels(world, cid)[cid] == ("重要客户", "auto")
    clock.day(340)  # nothing within the last year
    tasks.bind_database(world.db)
    assert tasks.grading_tenant.call_local(world.tenant_id) == 1  # the daily job's body
    assert levels(world, cid)[cid] == ("潜在客户", "auto")
    save(client, world, window_days=None)  # all time: 550,000 again
    assert levels(world, cid)[cid] == ("VIP客户", "auto")
    assert [e["to"] for e in level_events(world, cid)] == ["VIP客户", "重要客户", "潜在客户", "VIP客户"]
    assert level_events(world, cid)[-1]["window_days"] is None
    # the daily job audits only when it changed something
    before = len(audits(world))
    assert tasks.grading_tenant.call_local(world.tenant_id) == 0
    assert len(audits(world)) == before


def test_recency_rule(client, world, clock):
    active, dormant = world.customer(owner="sales_east1"), world.customer(owner="sales_east1")
    buy(world, active, "600000.00", clock.at - timedelta(days=10))
    buy(world, dormant, "600000.00", clock.at - timedelta(days=200))
    rules = [{"level": "VIP客户", "min_amount": "500000", "within_days": 90}, *MANUAL_TABLE[1:]]
    save(client, world, rules=rules)
    assert levels(world, active, dormant) == {active: ("VIP客户", "auto"), dormant: ("重要客户", "auto")}
    clock.day(81)  # the last purchase is 91 days old
    assert apply(client, world) == {"changed": 1, "by_level": {"重要客户": 1}}
    assert levels(world, active)[active] == ("重要客户", "auto")
    # without a fallback, a customer no rule matches keeps its level
    none = world.customer(owner="sales_east1", level="潜在客户", level_source="auto")
    save(client, world, rules=[{"level": "VIP客户", "min_amount": "1"}], fallback_level=None)
    assert levels(world, none)[none] == ("潜在客户", "auto")


def test_levels_set_by_hand_are_kept_unless_overridden(client, world):
    h = world.headers("admin")
    by_hand = ok(client.post(f"{API}/customers", headers=h, json={
        "name": "手工定级", "phones": [random_mobile()], "level": "VIP客户",
        "pool": "following", "owner_id": world.staff["sales_east1"]}), 201)["id"]
    imported = world.customer(owner="sales_east1", level="重要客户")  # no source recorded: counts as by hand
    empty = world.customer(owner="sales_east1")
    assert levels(world, by_hand)[by_hand] == ("VIP客户", "manual")
    save(client, world)
    assert levels(world, by_hand, imported, empty) == {by_hand: ("VIP客户", "manual"),
                                                        imported: ("重要客户", None), empty: ("潜在客户", "auto")}
    # a hand edit of an automatic level makes it manual; clearing it by hand gives it back to grading
    c = ok(client.get(f"{API}/customers/{empty}", headers=h))
    c = ok(client.patch(f"{API}/customers/{empty}", headers=h, json={"level": "普通客户", "version": c["version"]}))
    assert c["level_source"] == "manual"
    assert apply(client, world)["changed"] == 0
    c = ok(client.patch(f"{API}/customers/{empty}", headers=h, json={"level": None, "version": c["version"]}))
    assert c["level"] is None and c["level_source"] is None
    assert apply(client, world) == {"changed": 1, "by_level": {"潜在客户": 1}}
    # override on: every level follows the rules
    got = save(client, world, override_manual=True)
    assert got["changed"] == 2
    assert levels(world, by_hand, imported) == {by_hand: ("潜在客户", "auto"), imported: ("潜在客户", "auto")}
    assert level_events(world, by_hand)[-1]["from"] == "VIP客户"


def test_order_completion_regrades_its_customer_only(client, world):
    from tests.test_sales_orders import complete_order, opportunity, product

    save(client, world)
    cid, other = world.customer(owner="sales_east1"), world.customer(owner="sales_east1")
    buy(world, other, "200000.00", utcnow() - timedelta(days=3))
    with world.db.transaction(world.tenant_id) as s:  # someone else's level, changed behind grading's back
        s.execute(sa.update(Customer).where(Customer.id == other).values(level="普通客户", level_source="auto"))
    p = product(client, world, price="250000.00")
    opp = opportunity(client, world, cid)
    complete_order(client, world, cid, [{"product_id": p, "quantity": "2"}], opportunity_id=opp["id"])
    assert levels(world, cid, other) == {cid: ("VIP客户", "auto"), other: ("普通客户", "auto")}
    (ev,) = level_events(world, cid)
    assert ev["to"] == "VIP客户" and ev["amount"] == "500000.00"
    (entry,) = [a for a in audits(world) if a.target_type == "customer" and a.target_id == str(cid)]
    assert entry.before == {"level": None} and entry.after["level"] == "VIP客户" and entry.after["trigger"] == "purchase"
    # a bought customer's timeline shows the change
    types = [e["type"] for e in ok(client.get(f"{API}/customers/{cid}/events", headers=world.headers("sales_east1")))
             ["items"]]
    assert "level_changed" in types and "order_completed" in types


def test_tenant_wall_and_who_may_grade(client, world, other_world):
    mine, theirs = world.customer(owner="sales_east1"), other_world.customer(owner="sales_east1")
    buy(world, mine, "20000.00", utcnow())
    buy(other_world, theirs, "20000.00", utcnow())
    assert save(client, world)["changed"] == 1
    assert levels(world, mine)[mine] == ("普通客户", "auto")
    assert levels(other_world, theirs)[theirs] == (None, None)  # another tenant's customers are not touched
    assert ok(client.get(GRADING, headers=other_world.headers("admin")))["saved"] is False
    problem(client.post(f"{GRADING}/apply", headers=other_world.headers("admin")), 409, "grading_disabled")
    for who in ("director_east", "manager_east1", "operator_east1", "sales_east1"):
        problem(client.get(GRADING, headers=world.headers(who)), 403, "forbidden")
        problem(client.put(GRADING, json={"enabled": False}, headers=world.headers(who)), 403, "forbidden")
        problem(client.post(f"{GRADING}/apply", headers=world.headers(who)), 403, "forbidden")
    problem(client.get(GRADING), 401, "unauthenticated")


def test_validation(client, world):
    h = world.headers("admin")
    body = {"enabled": True, "rules": MANUAL_TABLE}
    bad = problem(client.put(GRADING, json={**body, "rules": [*MANUAL_TABLE, {"level": "钻石客户", "min_amount": 1}]},
                             headers=h), 422, "grading_unknown_level")
    assert "钻石客户" in bad["detail"] and bad["errors"][0]["field"] == "rules.3.level"
    assert problem(client.put(GRADING, json={**body, "fallback_level": "铜牌"}, headers=h), 422,
                   "grading_unknown_level")["errors"][0]["field"] == "fallback_level"
    problem(client.put(GRADING, json={**body, "rules": [{"level": "VIP客户", "min_amount": "-1"}]}, headers=h), 422,
            "validation_error")
    problem(client.put(GRADING, json={**body, "rules": [{"level": "VIP客户", "min_amount": "1.001"}]}, headers=h),
            422, "validation_error")
    problem(client.put(GRADING, json={**body, "rules": [MANUAL_TABLE[0]] * 11}, headers=h), 422, "validation_error")
    problem(client.put(GRADING, json={**body, "window_days": 0}, headers=h), 422, "validation_error")
    problem(client.put(GRADING, json={**body, "rules": [{"level": "VIP客户", "min_amount": "1", "within_days": 0}]},
                       headers=h), 422, "validation_error")
    en = client.put(GRADING, json={**body, "fallback_level": "铜牌"}, headers={**h, "Accept-Language": "en"})
    assert "铜牌" in en.json()["detail"] and "level dictionary" in en.json()["detail"]
    assert ok(client.get(GRADING, headers=h))["saved"] is False  # nothing was stored
    ok(client.put(GRADING, json={**body, "rules": [MANUAL_TABLE[0]] * 10}, headers=h))  # ten is fine


def test_audit_of_saves_and_runs(client, world):
    cid = world.customer(owner="sales_east1")
    buy(world, cid, "150000.00", utcnow())
    save(client, world, enabled=False)
    (upd,) = audits(world, "grading.update")
    assert upd.after["enabled"] is False and upd.after["rules"][0] == {"level": "VIP客户", "min_amount": "500000.00",
                                                                      "within_days": None}
    assert audits(world) == [] and levels(world, cid)[cid] == (None, None)  # off: no run
    save(client, world)
    runs = audits(world)
    assert [(a.target_type, a.after["trigger"], a.after["changed"], a.after["by_level"]) for a in runs] == [
        ("grading", "save", 1, {"重要客户": 1})]
    assert runs[0].actor_id == world.staff["admin"]
    updates = audits(world, "grading.update")
    assert len(updates) == 2 and updates[1].before == {"enabled": False} and updates[1].after == {"enabled": True}
    apply(client, world)
    assert [a.after["changed"] for a in audits(world)] == [1, 0]  # an asked-for run is audited even when idle
    with world.db.transaction(world.tenant_id) as s:
        ev = s.scalars(sa.select(CustomerEvent).where(CustomerEvent.customer_id == cid,
                                                      CustomerEvent.type == "level_changed")).one()
        assert ev.actor_id == world.staff["admin"]


def test_level_dictionary_follows(client, world):
    h = world.headers("admin")
    save(client, world)
    kinds = ok(client.get(f"{API}/settings/dictionaries", headers=h))
    vip = next(i for i in kinds["level"]["items"] if i["name"] == "VIP客户")
    ok(client.patch(f"{API}/settings/dictionary-items/{vip['id']}", headers=h, json={"name": "钻石客户"}))
    assert ok(client.get(GRADING, headers=h))["rules"][0]["level"] == "钻石客户"
    potential = next(i for i in kinds["level"]["items"] if i["name"] == "潜在客户")
    ok(client.put(GRADING, headers=h, json={"enabled": False, "rules": [], "fallback_level": "潜在客户"}))
    # 潜在客户 is the fallback and customers hold it: refused either way, never a 500
    r = client.delete(f"{API}/settings/dictionary-items/{potential['id']}", headers=h)
    assert r.status_code == 409 and r.json()["code"] in ("level_in_grading", "dict_item_in_use")
    ok(client.put(GRADING, headers=h, json={"enabled": False, "rules": [], "fallback_level": None}))
    spare = ok(client.post(f"{API}/settings/dictionaries/level", headers=h, json={"name": "备用级别"}), 201)
    ok(client.put(GRADING, headers=h, json={"enabled": False, "rules": [{"level": "备用级别", "min_amount": 1}]}))
    problem(client.delete(f"{API}/settings/dictionary-items/{spare['id']}", headers=h), 409, "level_in_grading")
    ok(client.patch(f"{API}/settings/dictionary-items/{spare['id']}", headers=h, json={"is_active": False}))
    problem(client.put(GRADING, headers=h, json={"enabled": False, "rules": [{"level": "备用级别", "min_amount": 1}]}),
            422, "dict_value_disabled")


def test_daily_job_is_scheduled():
    from huike.worker import queue

    due = {t.name for t in queue.huey.read_periodic(datetime(2026, 1, 1, 16, 30))}  # 00:30 in China
    assert "daily_grading" in due
    assert "daily_grading" not in {t.name for t in queue.huey.read_periodic(datetime(2026, 1, 1, 16, 31))}
