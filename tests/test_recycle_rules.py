"""Auto-recycle rules (POOL-10) and the recycle-bin purge (POOL-12), on SQLite and PostgreSQL.

Time is moved by replacing `huike.kit.clock.now`, the "now" of the pool code: customers are made
at real time, then the clock jumps forward by days. Rules are set through the API and run both
through `POST /pool/recycle-rules/run` and through the Huey tasks (`.call_local`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from huike.audit.models import AuditEntry
from huike.customer.models import Customer, CustomerCollaborator
from huike.kit.models import utcnow
from huike.pool.models import CustomerEvent, Notification, PublicPool
from huike.worker import tasks
from tests.factories import World

API = "/api/v1"
RULES = f"{API}/pool/recycle-rules"


class Clock:
    """A settable business clock."""

    def __init__(self, at: datetime) -> None:
        self.base = at
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def day(self, days: float) -> datetime:
        """Set the clock to `days` after the start of the test."""
        self.at = self.base + timedelta(days=days)
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock(utcnow())
    monkeypatch.setattr("huike.kit.clock.now", c)
    return c


def make_rule(client: Any, world: World, **body: Any) -> int:
    body = {"name": f"{body.get('kind', 'no_followup')}-{body.get('days', 30)}", "kind": "no_followup",
            "days": 30, **body}
    r = client.post(RULES, json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def patch_rule(client: Any, world: World, rule: int, **body: Any) -> dict[str, Any]:
    r = client.patch(f"{RULES}/{rule}", json=body, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    return r.json()


def run(client: Any, world: World) -> dict[int, tuple[int, int]]:
    """Run every enabled rule now: {rule id: (recycled, reminded)}."""
    r = client.post(f"{RULES}/run", headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    return {x["rule_id"]: (x["recycled"], x["reminded"]) for x in r.json()}


def get(client: Any, world: World, cid: int, who: str = "admin") -> dict[str, Any]:
    r = client.get(f"{API}/customers/{cid}", headers=world.headers(who))
    assert r.status_code == 200, r.text
    return r.json()


def pool_of(world: World, *ids: int) -> dict[int, tuple[str, int | None]]:
    with world.db.transaction(world.tenant_id) as s:
        rows = s.execute(sa.select(Customer.id, Customer.pool, Customer.owner_id).where(Customer.id.in_(ids)))
        return {cid: (pool, owner) for cid, pool, owner in rows}


def public(world: World, *ids: int) -> set[int]:
    return {cid for cid, (pool, _) in pool_of(world, *ids).items() if pool == "public"}


def follow_up(world: World, cid: int, at: datetime) -> None:
    """What the follow-up module does to the customer when a follow-up is recorded."""
    with world.db.transaction(world.tenant_id) as s:
        s.get_one(Customer, cid).last_followup_at = at


def notifications(client: Any, world: World, who: str, **params: Any) -> dict[str, Any]:
    r = client.get(f"{API}/notifications", params=params, headers=world.headers(who))
    assert r.status_code == 200, r.text
    return r.json()


def soon(client: Any, world: World, who: str, **params: Any) -> list[int]:
    r = client.get(f"{API}/customers/recycle-soon", params=params, headers=world.headers(who))
    assert r.status_code == 200, r.text
    return sorted(c["id"] for c in r.json()["items"])


# ------------------------------------------------------------------ rules: CRUD
def test_recycle_rule_crud_is_admin_only_validated_and_audited(client, world, other_world):
    body = {"name": "30天未跟进回收", "kind": "no_followup", "days": 30}
    assert client.post(RULES, json=body, headers=world.headers("sales_east1")).status_code == 403
    assert client.post(RULES, json=body, headers=world.headers("manager_east1")).status_code == 403
    r = client.post(RULES, json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    rule = r.json()
    assert {k: rule[k] for k in ("remind_days_before", "exempt_won", "exempt_locked",
                                 "exempt_focus", "enabled", "level", "department_id", "target_pool_id")} == {
        "remind_days_before": 3, "exempt_won": True, "exempt_locked": True,
        "exempt_focus": False, "enabled": True, "level": None, "department_id": None, "target_pool_id": None}
    # WeCom friends are always exempt (POOL-11): no per-rule switch to show or to send
    assert "exempt_wecom_friends" not in rule
    listed = client.get(RULES, headers=world.headers("sales_east1"))
    assert listed.status_code == 200 and [x["id"] for x in listed.json()] == [rule["id"]]
    changed = patch_rule(client, world, rule["id"], days=45, level="VIP", department_id=world.units["east1"],
                         exempt_focus=True)
    assert (changed["days"], changed["level"], changed["department_id"], changed["exempt_focus"]) == (
        45, "VIP", world.units["east1"], True)
    assert patch_rule(client, world, rule["id"], level=None)["level"] is None
    # bad input
    for bad in ({"kind": "bogus"}, {"days": 0}, {"days": 4000}, {"remind_days_before": -1}, {"name": ""}):
        r = client.post(RULES, json={**body, **bad}, headers=world.headers("admin"))
        assert r.status_code == 422, (bad, r.text)
    r = client.post(RULES, json={**body, "target_pool_id": 999_999_999}, headers=world.headers("admin"))
    assert r.status_code == 422 and r.json()["code"] == "invalid_pool_target"
    r = client.post(RULES, json={**body, "department_id": other_world.units["east1"]}, headers=world.headers("admin"))
    assert r.status_code == 422
    # another tenant neither sees nor changes it
    assert client.get(RULES, headers=other_world.headers("admin")).json() == []
    assert client.patch(f"{RULES}/{rule['id']}", json={"days": 1},
                        headers=other_world.headers("admin")).status_code == 404
    assert client.delete(f"{RULES}/{rule['id']}", headers=other_world.headers("admin")).status_code == 404
    # running needs settings.manage
    assert client.post(f"{RULES}/run", headers=world.headers("sales_east1")).status_code == 403
    assert client.delete(f"{RULES}/{rule['id']}", headers=world.headers("admin")).status_code == 204
    assert client.get(RULES, headers=world.headers("admin")).json() == []
    audit = client.get(f"{API}/audit", params={"target_type": "recycle_rule"}, headers=world.headers("admin")).json()
    assert [a["action"] for a in audit["items"]] == ["recycle_rule.delete", "recycle_rule.update",
                                                     "recycle_rule.update", "recycle_rule.create"]


# ------------------------------------------------------------------ the recycle clock
def test_no_followup_counts_from_the_later_of_last_followup_and_claim(client, world, clock):
    rule = make_rule(client, world, days=30, remind_days_before=0)
    base = clock.base
    long_ago = {"created_at": base - timedelta(days=200)}
    idle = world.customer(owner="sales_east1")  # clock from creation
    stale = world.customer(owner="sales_east1b", claimed_at=base - timedelta(days=90),
                           last_followup_at=base - timedelta(days=40), **long_ago)
    followed = world.customer(owner="sales_east1", claimed_at=base - timedelta(days=10),
                              last_followup_at=base - timedelta(days=100), **long_ago)  # due on day 20 …
    claimed = world.customer(pool="public", dept="east1", last_followup_at=base - timedelta(days=100), **long_ago)
    everyone = (idle, stale, followed, claimed)

    assert run(client, world) == {rule: (1, 0)}  # stale was due already
    assert public(world, *everyone) == {stale, claimed}
    clock.day(10)
    follow_up(world, followed, clock.at)  # … but a follow-up restarts the clock …
    clock.day(20)
    r = client.post(f"{API}/customers/{claimed}/claim", headers=world.headers("sales_east1"))
    assert r.status_code == 200, r.text  # … and so does a claim, however old the last follow-up
    clock.day(29.9)
    assert run(client, world) == {rule: (0, 0)}
    clock.day(30.1)
    assert run(client, world) == {rule: (1, 0)}
    assert public(world, *everyone) == {stale, idle}
    clock.day(39.9)
    assert run(client, world) == {rule: (0, 0)}
    clock.day(40.1)
    assert run(client, world) == {rule: (1, 0)}
    assert public(world, *everyone) == {stale, idle, followed}
    clock.day(50.1)
    assert run(client, world) == {rule: (1, 0)}
    assert public(world, *everyone) == set(everyone)
    # once public, no rule touches them again
    clock.day(200)
    assert run(client, world) == {rule: (0, 0)}


def test_recycled_customer_lands_in_the_target_pool_with_its_history(client, world, clock):
    r = client.post(f"{API}/pool/public-pools", json={"name": "华东公海"}, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    target = r.json()["id"]
    rule = make_rule(client, world, name="三十天无跟进", days=30, target_pool_id=target, remind_days_before=0)
    a = world.customer(owner="sales_east1", collaborators=("sales_east1b", "sales_east1sub"))
    b = world.customer(owner="sales_east1b")
    keep = world.customer(owner="sales_east1", last_followup_at=clock.base + timedelta(days=20))
    clock.day(31)
    assert run(client, world) == {rule: (2, 0)}
    c = get(client, world, a)
    assert (c["pool"], c["owner_id"], c["previous_owner_id"], c["public_pool_id"]) == (
        "public", None, world.staff["sales_east1"], target)
    assert c["recycle_reason"] and "三十天无跟进" in c["recycle_reason"]
    assert c["collaborator_ids"] == []
    assert datetime.fromisoformat(c["recycled_at"]) == clock.at
    assert get(client, world, b)["previous_owner_id"] == world.staff["sales_east1b"]
    assert get(client, world, keep)["pool"] == "following"
    ev = client.get(f"{API}/customers/{a}/events", headers=world.headers("admin")).json()["items"]
    assert ev[0]["type"] == "recycled" and ev[0]["actor_id"] is None
    assert ev[0]["data"]["rule_id"] == rule
    assert ev[0]["data"]["previous_owner_id"] == world.staff["sales_east1"]
    assert ev[0]["data"]["public_pool_id"] == target
    with world.db.transaction(world.tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(CustomerCollaborator)
                        .where(CustomerCollaborator.customer_id == a)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(CustomerEvent).where(
            CustomerEvent.customer_id.in_([a, b, keep]), CustomerEvent.type == "recycled")) == 2
    # the former owner finds it in the public pool and, with no cooldown, may claim it back
    listed = client.get(f"{API}/customers", params={"pool": "public", "limit": 200},
                        headers=world.headers("sales_east1")).json()
    assert a in [x["id"] for x in listed["items"]]
    # one audit entry per rule run that moved customers; a run that moves nothing writes none
    assert run(client, world) == {rule: (0, 0)}
    audit = client.get(f"{API}/audit", params={"action": "customer.auto_recycle"},
                       headers=world.headers("admin")).json()["items"]
    assert len(audit) == 1
    assert audit[0]["target_type"] == "recycle_rule" and audit[0]["target_id"] == str(rule)
    assert audit[0]["after"]["count"] == 2 and audit[0]["after"]["public_pool_id"] == target


def test_rules_per_level_and_per_department_subtree(client, world, clock):
    vip_rule = make_rule(client, world, name="VIP 十天", days=10, level="VIP", remind_days_before=0)
    east1_rule = make_rule(client, world, name="华东一部二十天", days=20, department_id=world.units["east1"],
                           remind_days_before=0)
    vip = world.customer(owner="sales_south1", level="VIP")
    normal = world.customer(owner="sales_south1", level="普通")
    in_east1 = world.customer(owner="sales_east1", level="普通")
    in_sub = world.customer(owner="sales_east1sub")  # 华东一部一组 is under 华东一部
    in_east2 = world.customer(owner="sales_east1", dept="east2")
    everyone = (vip, normal, in_east1, in_sub, in_east2)
    clock.day(11)
    assert run(client, world) == {vip_rule: (1, 0), east1_rule: (0, 0)}
    assert public(world, *everyone) == {vip}
    clock.day(21)
    assert run(client, world) == {vip_rule: (0, 0), east1_rule: (2, 0)}
    assert public(world, *everyone) == {vip, in_east1, in_sub}
    clock.day(365)
    run(client, world)
    assert public(world, *everyone) == {vip, in_east1, in_sub}  # no rule applies to the others
    # a disabled rule does not run
    patch_rule(client, world, east1_rule, enabled=False)
    late = world.customer(owner="sales_east1")
    assert run(client, world) == {vip_rule: (0, 0)}
    assert public(world, late) == set()


def test_no_opportunity_and_not_won_rules(client, world, clock):
    base = clock.base
    opp_rule = make_rule(client, world, name="无商机", kind="no_opportunity", days=30, level="A",
                         remind_days_before=0)
    won_rule = make_rule(client, world, name="未成交", kind="not_won", days=60, level="B", remind_days_before=0)
    a_none = world.customer(owner="sales_east1", level="A")
    a_recent = world.customer(owner="sales_east1", level="A")
    a_followed = world.customer(owner="sales_east1", level="A", last_followup_at=base + timedelta(days=25))
    b_open = world.customer(owner="sales_east1", level="B")
    b_won = world.customer(owner="sales_east1", level="B", pool="won", won_at=base)
    b_won_following = world.customer(owner="sales_east1", level="B", won_at=base)
    everyone = (a_none, a_recent, a_followed, b_open, b_won, b_won_following)
    clock.day(20)
    with world.db.transaction(world.tenant_id) as s:  # what the opportunity module does
        s.get_one(Customer, a_recent).last_opportunity_at = clock.at
    clock.day(31)
    # follow-ups do not count for "no opportunity"
    assert run(client, world) == {opp_rule: (2, 0), won_rule: (0, 0)}
    assert public(world, *everyone) == {a_none, a_followed}
    clock.day(51)
    assert run(client, world) == {opp_rule: (1, 0), won_rule: (0, 0)}
    clock.day(55)
    follow_up(world, b_open, clock.at)  # follow-ups do not stop "not won within N days" either
    clock.day(61)
    assert run(client, world) == {opp_rule: (0, 0), won_rule: (1, 0)}
    assert public(world, *everyone) == {a_none, a_followed, a_recent, b_open}
    assert pool_of(world, b_won)[b_won] == ("won", world.staff["sales_east1"])
    assert pool_of(world, b_won_following)[b_won_following] == ("following", world.staff["sales_east1"])


# ------------------------------------------------------------------ exemptions
def test_exemptions_won_locked_wecom_friends_and_focus(client, world, clock):
    rule = make_rule(client, world, days=30, remind_days_before=0)
    won = world.customer(owner="sales_east1", pool="won", won_at=clock.base)
    locked = world.customer(owner="sales_east1")
    friend = world.customer(owner="sales_east1")
    focused = world.customer(owner="sales_east1")
    plain = world.customer(owner="sales_east1")
    h = world.headers("sales_east1")
    assert client.post(f"{API}/customers/bulk/lock", json={"ids": [locked]}, headers=h).json()["succeeded"] == 1
    r = client.put(f"{API}/customers/{friend}/wecom-friends", json={"employee_ids": [world.staff["sales_east1"]]},
                   headers=h)
    assert r.status_code == 200, r.text
    assert client.put(f"{API}/customers/{focused}/focus", json={"color": "red"}, headers=h).status_code == 204
    clock.day(31)
    # focus is not exempt unless the rule says so
    assert run(client, world) == {rule: (2, 0)}
    assert public(world, won, locked, friend, focused, plain) == {focused, plain}

    patch_rule(client, world, rule, exempt_focus=True)
    focused2 = world.customer(owner="sales_east1")
    starred_by_other = world.customer(owner="sales_east1")
    plain2 = world.customer(owner="sales_east1")
    assert client.put(f"{API}/customers/{focused2}/focus", json={}, headers=h).status_code == 204
    # only the owner's own star exempts
    assert client.put(f"{API}/customers/{starred_by_other}/focus", json={},
                      headers=world.headers("manager_east1")).status_code == 204
    assert run(client, world) == {rule: (2, 0)}
    assert public(world, focused2, starred_by_other, plain2) == {starred_by_other, plain2}

    # won and locked exemptions can be switched off by the admin …
    patch_rule(client, world, rule, exempt_won=False, exempt_locked=False, exempt_focus=False)
    assert run(client, world) == {rule: (3, 0)}
    assert public(world, won, locked, focused2) == {won, locked, focused2}
    # … but a WeCom friend is never dropped to the public pool (POOL-11): there is no switch for it, and
    # a client that still sends the old flag changes nothing
    assert "exempt_wecom_friends" not in patch_rule(client, world, rule, exempt_wecom_friends=False)
    assert run(client, world) == {rule: (0, 0)}
    assert pool_of(world, friend)[friend] == ("following", world.staff["sales_east1"])


# ------------------------------------------------------------------ reminders and the "soon" list
def test_reminder_k_days_before_once_per_owner_and_clock(client, world, clock):
    rule = make_rule(client, world, name="三十天无跟进", days=30, remind_days_before=3)
    c1 = world.customer(owner="sales_east1", name="客户甲")
    c2 = world.customer(owner="sales_east1b", name="客户乙")
    locked = world.customer(owner="sales_east1", locked=True)
    clock.day(26.9)
    assert run(client, world) == {rule: (0, 0)}
    assert soon(client, world, "admin", within_days=3) == []
    assert soon(client, world, "admin") == sorted([c1, c2])  # within 7 days by default
    clock.day(27.1)
    assert run(client, world) == {rule: (0, 2)}
    mine = notifications(client, world, "sales_east1")
    assert mine["unread"] == 1 and len(mine["items"]) == 1
    n = mine["items"][0]
    assert n["kind"] == "recycle_soon" and n["customer_id"] == c1 and n["read_at"] is None
    assert "三十天无跟进" in n["title"] and n["body"] == "客户甲"
    assert [x["customer_id"] for x in notifications(client, world, "sales_east1b")["items"]] == [c2]
    assert notifications(client, world, "manager_east1")["items"] == []
    # the "soon recycled" list: own customers for sales, the scope for managers
    assert soon(client, world, "sales_east1") == [c1]
    assert soon(client, world, "sales_east1b") == [c2]
    assert soon(client, world, "manager_east1") == sorted([c1, c2])
    assert soon(client, world, "sales_south1") == []
    assert locked not in soon(client, world, "admin", within_days=30)
    # the same clock is reminded once, however often the job runs
    assert run(client, world) == {rule: (0, 0)}
    clock.day(29)
    assert run(client, world) == {rule: (0, 0)}
    assert notifications(client, world, "sales_east1")["unread"] == 1
    # a follow-up restarts the clock: c1 leaves the list and is reminded again 27 days later
    follow_up(world, c1, clock.at)
    assert soon(client, world, "sales_east1") == []
    clock.day(30.1)
    assert run(client, world) == {rule: (1, 0)}
    assert public(world, c1, c2) == {c2}
    clock.day(29 + 27.1)
    assert run(client, world) == {rule: (0, 1)}
    mine = notifications(client, world, "sales_east1")
    assert mine["unread"] == 2 and [x["customer_id"] for x in mine["items"]] == [c1, c1]
    assert notifications(client, world, "sales_east1", unread_only=True)["unread"] == 2
    # mark read: only one's own notifications
    newest = mine["items"][0]["id"]
    r = client.post(f"{API}/notifications/read", json={"ids": [newest]}, headers=world.headers("sales_east1b"))
    assert r.status_code == 204
    assert notifications(client, world, "sales_east1")["unread"] == 2
    r = client.post(f"{API}/notifications/read", json={"ids": [newest]}, headers=world.headers("sales_east1"))
    assert r.status_code == 204
    mine = notifications(client, world, "sales_east1")
    assert mine["unread"] == 1 and mine["items"][0]["read_at"] is not None
    assert [x["id"] for x in notifications(client, world, "sales_east1", unread_only=True)["items"]] == [
        mine["items"][1]["id"]]
    assert client.post(f"{API}/notifications/read-all", headers=world.headers("sales_east1")).status_code == 204
    assert notifications(client, world, "sales_east1")["unread"] == 0
    assert notifications(client, world, "sales_east1b")["unread"] == 1
    clock.day(29 + 30.1)
    assert run(client, world) == {rule: (1, 0)}
    assert public(world, c1, c2) == {c1, c2}


def test_no_reminder_when_disabled_or_not_shorter_than_the_rule(client, world, clock):
    rule = make_rule(client, world, days=10, remind_days_before=0)
    world.customer(owner="sales_east1")
    clock.day(9)
    assert run(client, world) == {rule: (0, 0)}
    patch_rule(client, world, rule, remind_days_before=10)
    assert run(client, world) == {rule: (0, 0)}
    patch_rule(client, world, rule, remind_days_before=2)
    assert run(client, world) == {rule: (0, 1)}


# ------------------------------------------------------------------ the scheduled jobs
def test_scheduled_job_recycles_one_tenant_and_never_another(client, world, other_world, clock, db):
    tasks.bind_database(db)
    mine_rule = make_rule(client, world, days=30, remind_days_before=5)
    theirs_rule = make_rule(client, other_world, days=30, remind_days_before=5)
    mine = [world.customer(owner="sales_east1") for _ in range(3)]
    theirs = [other_world.customer(owner="sales_east1") for _ in range(2)]
    clock.day(26)
    assert tasks.recycle_tenant.call_local(world.tenant_id) == 0
    with db.transaction(other_world.tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    clock.day(31)
    assert tasks.recycle_tenant.call_local(world.tenant_id) == 3
    assert public(world, *mine) == set(mine)
    assert pool_of(other_world, *theirs) == {c: ("following", other_world.staff["sales_east1"]) for c in theirs}
    with db.transaction(other_world.tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(CustomerEvent)
                        .where(CustomerEvent.type == "recycled")) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "customer.auto_recycle")) == 0
    # the API run of one tenant does not touch the other either
    assert run(client, world) == {mine_rule: (0, 0)}
    assert public(other_world, *theirs) == set()
    assert tasks.recycle_tenant.call_local(other_world.tenant_id) == 2
    assert public(other_world, *theirs) == set(theirs)
    with db.transaction(world.tenant_id) as s:
        audits = s.scalars(sa.select(AuditEntry).where(AuditEntry.action == "customer.auto_recycle")).all()
        assert [(a.target_id, a.actor_name, a.after["count"]) for a in audits] == [(str(mine_rule), "huike", 3)]
    assert theirs_rule != mine_rule


def test_nightly_purge_empties_the_bin_after_retention(client, world, other_world, clock, db):
    tasks.bind_database(db)
    for w in (world, other_world):
        with db.transaction(w.tenant_id) as s:
            s.scalar(sa.select(PublicPool).where(PublicPool.is_default)).retention_days = 10
    old = world.customer(owner="sales_east1", name="旧客户")
    recent = world.customer(owner="sales_east1")
    kept = world.customer(owner="sales_east1")
    theirs = other_world.customer(owner="sales_east1")

    def delete(w: World, cid: int) -> None:
        r = client.post(f"{API}/customers/bulk/delete", json={"ids": [cid]}, headers=w.headers("admin"))
        assert r.status_code == 200 and r.json()["succeeded"] == 1, r.text

    delete(world, old)
    clock.day(5)
    delete(world, recent)
    clock.day(9)
    delete(other_world, theirs)
    clock.day(10.5)
    assert tasks.purge_recycle_bin.call_local(world.tenant_id) == 1
    with db.transaction(world.tenant_id) as s:
        assert s.get(Customer, old) is None
        assert s.get_one(Customer, recent).pool == "recycle_bin"
        assert s.get_one(Customer, kept).pool == "following"
        entry = s.scalars(sa.select(AuditEntry).where(AuditEntry.action == "customer.purge")).one()
        assert entry.actor_name == "huike" and entry.before == {"customers": [{"id": old, "name": "旧客户"}]}
    with db.transaction(other_world.tenant_id) as s:
        assert s.get_one(Customer, theirs).pool == "recycle_bin"
    # within retention a binned customer can still be restored
    r = client.post(f"{API}/customers/bulk/restore", json={"ids": [recent]}, headers=world.headers("admin"))
    assert r.json()["succeeded"] == 1
    clock.day(30)
    assert tasks.purge_recycle_bin.call_local(world.tenant_id) == 0
    assert tasks.purge_recycle_bin.call_local(other_world.tenant_id) == 1
    assert pool_of(world, recent)[recent] == ("following", world.staff["sales_east1"])


def test_rules_with_the_same_name_write_one_event_per_customer(client, world, clock):
    """Per-department rules often share a name; each recycled customer still gets exactly one
    `recycled` event, naming the rule that took it."""
    first = make_rule(client, world, name="30天未跟进", days=30, department_id=world.units["east1"],
                      remind_days_before=0)
    second = make_rule(client, world, name="30天未跟进", days=30, department_id=world.units["south1"],
                       remind_days_before=0)
    east = world.customer(owner="sales_east1")
    south = world.customer(owner="sales_south1")
    clock.day(31)
    assert run(client, world) == {first: (1, 0), second: (1, 0)}
    with world.db.transaction(world.tenant_id) as s:
        rows = s.execute(sa.select(CustomerEvent.customer_id, CustomerEvent.data).where(
            CustomerEvent.customer_id.in_([east, south]), CustomerEvent.type == "recycled")).all()
    assert sorted((cid, data["rule_id"]) for cid, data in rows) == sorted([(east, first), (south, second)])
