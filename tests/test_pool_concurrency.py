"""Pool moves under real concurrency (POOL-3, POOL-5), on SQLite and PostgreSQL.

TestClient serialises requests, so these tests run the app with uvicorn on a local port
(`tests.live.serve`) and fire requests from many threads at once, each thread as its own employee.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from huike.audit.models import AuditEntry
from huike.customer.models import Customer
from huike.org.models import Employee
from huike.pool.models import AssignmentRule, ClaimCounter, CustomerEvent, PublicPool
from tests import live
from tests.factories import World, issue_token, password_hash

API = "/api/v1"


@pytest.fixture(scope="module")
def live_url(app: Any) -> Iterator[str]:
    with live.serve(app) as url:
        yield url


def add_staff(world: World, n: int, role: str = "sales", dept: str = "east1") -> list[tuple[int, str]]:
    """n more employees in one department, each with a bearer token: [(employee id, token)]."""
    tag = uuid.uuid4().hex[:6]
    with world.db.transaction(world.tenant_id) as s:
        people = [Employee(username=f"{role}_{tag}_{i}", name=f"{role}{i}", password_hash=password_hash(),
                           department_id=world.units[dept], role_id=world.roles[role]) for i in range(n)]
        s.add_all(people)
        s.flush()
        ids = [e.id for e in people]
    return [(eid, issue_token(world.db, world.tenant_id, eid)) for eid in ids]


def add_customers(world: World, n: int, dept: str = "east1", **values: Any) -> list[int]:
    """n customers in one transaction (the ORM batches the INSERTs)."""
    with world.db.transaction(world.tenant_id) as s:
        rows = [Customer(name=f"并发客户{i}", department_id=world.units[dept], **values) for i in range(n)]
        s.add_all(rows)
        s.flush()
        return [c.id for c in rows]


def set_pool(world: World, **values: Any) -> None:
    with world.db.transaction(world.tenant_id) as s:
        pool = s.scalar(sa.select(PublicPool).where(PublicPool.is_default))
        for k, v in values.items():
            setattr(pool, k, v)


def count(world: World, stmt: Any) -> int:
    with world.db.transaction(world.tenant_id) as s:
        return int(s.scalar(stmt) or 0)


def post(base: str, token: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    with live.client(base, token) as c:
        r = c.post(f"{API}{path}", json=body)
        return r.status_code, r.json()


def claim_all(base: str, claims: list[tuple[str, int]]) -> list[tuple[int, dict[str, Any]]]:
    """Fire every (token, customer id) claim at once."""
    return live.fire(lambda tc: post(base, tc[0], f"/customers/{tc[1]}/claim"), claims)


# ------------------------------------------------------------------ claim (POOL-5)
def test_fifty_concurrent_claims_have_exactly_one_winner(live_url, world):
    cid = add_customers(world, 1, pool="public")[0]
    claimers = add_staff(world, 50)
    answers = claim_all(live_url, [(tok, cid) for _, tok in claimers])
    statuses = Counter(st for st, _ in answers)
    assert statuses == {200: 1, 409: 49}, statuses
    assert all(body["code"] == "already_claimed" for st, body in answers if st == 409)
    winner = next(claimers[i][0] for i, (st, _) in enumerate(answers) if st == 200)
    assert next(body for st, body in answers if st == 200)["owner_id"] == winner
    with world.db.transaction(world.tenant_id) as s:
        c = s.get_one(Customer, cid)
        assert (c.owner_id, c.pool, c.acquired_via) == (winner, "following", "claimed")
    assert count(world, sa.select(sa.func.count()).select_from(CustomerEvent)
                 .where(CustomerEvent.customer_id == cid, CustomerEvent.type == "claimed")) == 1
    assert count(world, sa.select(sa.func.count()).select_from(AuditEntry)
                 .where(AuditEntry.action == "customer.claim", AuditEntry.target_id == str(cid))) == 1
    # the losers' quota increments were rolled back with their transactions
    assert count(world, sa.select(sa.func.sum(ClaimCounter.count))) == 1


def test_daily_quota_holds_under_concurrent_claims(live_url, world):
    set_pool(world, daily_claim_quota=3)
    ids = add_customers(world, 8, pool="public")
    (eid, tok), = add_staff(world, 1)
    answers = claim_all(live_url, [(tok, cid) for cid in ids])
    statuses = Counter(st for st, _ in answers)
    assert statuses == {200: 3, 409: 5}, answers
    assert {body["code"] for st, body in answers if st == 409} == {"claim_quota_exceeded"}
    won = [cid for cid, (st, _) in zip(ids, answers, strict=True) if st == 200]
    assert count(world, sa.select(sa.func.count()).select_from(Customer).where(Customer.owner_id == eid)) == 3
    assert count(world, sa.select(sa.func.count()).select_from(Customer)
                 .where(Customer.id.in_(ids), Customer.pool == "public")) == 5
    assert count(world, sa.select(ClaimCounter.count).where(ClaimCounter.employee_id == eid)) == 3
    assert count(world, sa.select(sa.func.count()).select_from(CustomerEvent)
                 .where(CustomerEvent.customer_id.in_(ids), CustomerEvent.type == "claimed")) == 3
    assert len(won) == 3


def test_capacity_cap_holds_under_concurrent_claims(live_url, world):
    (eid, tok), = add_staff(world, 1)
    add_customers(world, 1, pool="following", owner_id=eid)
    set_pool(world, capacity=3)
    ids = add_customers(world, 8, pool="public")
    answers = claim_all(live_url, [(tok, cid) for cid in ids])
    statuses = Counter(st for st, _ in answers)
    assert statuses == {200: 2, 409: 6}, answers
    assert {body["code"] for st, body in answers if st == 409} == {"capacity_reached"}
    assert count(world, sa.select(sa.func.count()).select_from(Customer)
                 .where(Customer.owner_id == eid, Customer.pool == "following")) == 3


def test_concurrent_claims_by_many_of_many_customers(live_url, world):
    """12 employees race for 4 customers (each employee tries all four): every customer goes to
    exactly one of them, no 5xx, and every loss is a clean 409."""
    ids = add_customers(world, 4, pool="public")
    people = add_staff(world, 12)
    answers = claim_all(live_url, [(tok, cid) for _, tok in people for cid in ids])
    assert all(st in (200, 409) for st, _ in answers), [a for a in answers if a[0] not in (200, 409)]
    per_customer = Counter(cid for (_, cid), (st, _) in
                           zip([(t, c) for _, t in people for c in ids], answers, strict=True) if st == 200)
    assert per_customer == {cid: 1 for cid in ids}
    assert {body["code"] for st, body in answers if st == 409} <= {"already_claimed"}
    assert count(world, sa.select(sa.func.count()).select_from(CustomerEvent)
                 .where(CustomerEvent.customer_id.in_(ids), CustomerEvent.type == "claimed")) == 4


# ------------------------------------------------------------------ assign (POOL-3)
def round_robin_rule(base: str, world: World, members: list[int]) -> int:
    st, body = post(base, world.tokens["admin"], "/pool/assignment-rules",
                    {"name": "并发轮流", "strategy": "round_robin", "pool": "to_assign", "member_ids": members})
    assert st == 201, body
    return int(body["id"])


def chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def assign_in_chunks(base: str, token: str, ids: list[int], rule: int, size: int) -> list[dict[str, Any]]:
    """One assigner: its ids in chunks, one request after the other; all per-id outcomes."""
    out: list[dict[str, Any]] = []
    with live.client(base, token) as c:
        for part in chunks(ids, size):
            r = c.post(f"{API}/customers/bulk/assign", json={"ids": part, "rule_id": rule})
            assert r.status_code == 200, r.text
            out += r.json()["results"]
    return out


def test_thousand_assignments_by_eight_assigners_are_even_and_exact(live_url, world):
    members = [eid for eid, _ in add_staff(world, 7)]
    assigners = [tok for _, tok in add_staff(world, 8, role="operator")]
    rule = round_robin_rule(live_url, world, members)
    ids = add_customers(world, 1000, pool="to_assign")
    slices = [ids[i * 125:(i + 1) * 125] for i in range(8)]
    results = live.fire(lambda i: assign_in_chunks(live_url, assigners[i], slices[i], rule, 25), list(range(8)))
    outcomes = [r for per in results for r in per]
    assert len(outcomes) == 1000 and all(r["ok"] for r in outcomes), [r for r in outcomes if not r["ok"]][:5]
    assert sorted(r["id"] for r in outcomes) == sorted(ids)
    with world.db.transaction(world.tenant_id) as s:
        owners = dict(s.execute(sa.select(Customer.id, Customer.owner_id).where(Customer.id.in_(ids))).all())
        pools = Counter(s.scalars(sa.select(Customer.pool).where(Customer.id.in_(ids))))
        events = Counter(s.scalars(sa.select(CustomerEvent.customer_id).where(
            CustomerEvent.customer_id.in_(ids), CustomerEvent.type == "assigned")))
        pointer = s.scalar(sa.select(AssignmentRule.pointer).where(AssignmentRule.id == rule))
    assert {r["id"]: r["owner_id"] for r in outcomes} == owners
    per_member = Counter(owners.values())
    assert set(per_member) == set(members)
    assert max(per_member.values()) - min(per_member.values()) <= 1, per_member
    assert pools == {"following": 1000}
    assert len(events) == 1000 and set(events.values()) == {1}
    assert pointer == 1000


def test_overlapping_assigners_never_assign_a_customer_twice(live_url, world):
    members = [eid for eid, _ in add_staff(world, 7)]
    assigners = [tok for _, tok in add_staff(world, 4, role="operator")]
    rule = round_robin_rule(live_url, world, members)
    ids = add_customers(world, 200, pool="to_assign")
    # every assigner gets the same ids (two in the same order, two reversed)
    orders = [ids, ids, ids[::-1], ids[::-1]]
    results = live.fire(lambda i: assign_in_chunks(live_url, assigners[i], orders[i], rule, 20), list(range(4)))
    wins: Counter[int] = Counter()
    for per in results:
        for r in per:
            if r["ok"]:
                wins[r["id"]] += 1
            else:
                assert r["code"] in ("already_assigned", "state_changed", "not_in_pool"), r
    assert wins == {cid: 1 for cid in ids}
    with world.db.transaction(world.tenant_id) as s:
        events = Counter(s.scalars(sa.select(CustomerEvent.customer_id).where(
            CustomerEvent.customer_id.in_(ids), CustomerEvent.type == "assigned")))
        owners = dict(s.execute(sa.select(Customer.id, Customer.owner_id).where(Customer.id.in_(ids))).all())
    assert events == {cid: 1 for cid in ids}
    assert set(owners.values()) <= set(members)
    winners = {r["id"]: r["owner_id"] for per in results for r in per if r["ok"]}
    assert winners == owners


def test_two_managers_assigning_the_same_customers_never_reassign(live_url, world):
    """Assign with explicit people (no rule, so nothing serialises the two): a customer the other
    manager dealt a moment ago is refused as `already_assigned`, never silently dealt again."""
    members = [eid for eid, _ in add_staff(world, 4)]
    managers = [tok for _, tok in add_staff(world, 2, role="operator")]
    ids = add_customers(world, 120, pool="to_assign")
    orders = [ids, ids[::-1]]  # opposite orders: the guarded UPDATEs must not deadlock either
    mine = [members[:2], members[2:]]  # each manager deals to his own two people: the owner tells who won

    def assign_all(i: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        with live.client(live_url, managers[i]) as c:
            for part in chunks(orders[i], 20):
                r = c.post(f"{API}/customers/bulk/assign", json={"ids": part, "assignee_ids": mine[i]})
                assert r.status_code == 200, r.text
                out += r.json()["results"]
        return out

    results = live.fire(assign_all, [0, 1])
    wins: Counter[int] = Counter()
    winner: dict[int, int] = {}
    for i, per in enumerate(results):
        assert sorted(r["id"] for r in per) == sorted(ids)
        for r in per:
            if r["ok"]:
                wins[r["id"]] += 1
                winner[r["id"]] = i
                assert r["owner_id"] in mine[i]
            else:
                assert r["code"] == "already_assigned", r
    assert wins == {cid: 1 for cid in ids}
    with world.db.transaction(world.tenant_id) as s:
        owners = dict(s.execute(sa.select(Customer.id, Customer.owner_id).where(Customer.id.in_(ids))).all())
        events = Counter(s.scalars(sa.select(CustomerEvent.customer_id).where(
            CustomerEvent.customer_id.in_(ids), CustomerEvent.type == "assigned")))
    assert all(owners[cid] in mine[winner[cid]] for cid in ids)
    assert events == {cid: 1 for cid in ids}
