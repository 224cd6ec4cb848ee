"""Pool moves (POOL-3…15, PERM-6): one server call over one id or a list, one transaction, a
per-id outcome with a stable reason for every refused id.

Every move is a guarded single UPDATE whose WHERE repeats the state it expects (and the
caller's data scope), with the row count checked — race-free on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import customer_scope, require, units_in_scope
from huike.authz.actor import Actor
from huike.config import Settings, get_settings
from huike.customer.models import Customer, CustomerCollaborator, CustomerFocus, CustomerPhone
from huike.dictionary.models import CustomerTag, Tag
from huike.kit import clock
from huike.kit.db import get_tenant
from huike.kit.errors import Conflict, Forbidden, Invalid, NotFound
from huike.kit.i18n import t
from huike.org.models import Employee, OrgUnit
from huike.pool import events
from huike.pool.models import AssignmentRule, ClaimCounter, PublicPool, WecomFriend

MAX_IDS = 1000
CLAIM_RACE_WINDOW_MINUTES = 10
OWNED = ("following", "won")


@dataclass
class Outcome:
    id: int
    ok: bool
    code: str | None = None
    detail: str | None = None
    owner_id: int | None = None


@dataclass
class BulkResult:
    results: list[Outcome] = field(default_factory=list)

    def ok(self, cid: int, owner_id: int | None = None) -> None:
        self.results.append(Outcome(cid, True, owner_id=owner_id))

    def refuse(self, cid: int, code: str, **params: Any) -> None:
        self.results.append(Outcome(cid, False, code, t(code, **params)))

    @property
    def succeeded(self) -> list[int]:
        return [r.id for r in self.results if r.ok]


# ------------------------------------------------------------------ helpers
def _ids(ids: Sequence[int]) -> list[int]:
    seen: list[int] = []
    for i in ids:
        if i not in seen:
            seen.append(i)
    if not seen:
        raise Invalid("ids_required")
    if len(seen) > MAX_IDS:
        raise Invalid("too_many_ids", max=MAX_IDS)
    return seen


def _visible(s: Session, actor: Actor, ids: list[int]) -> dict[int, Customer]:
    rows = s.scalars(sa.select(Customer).where(customer_scope(actor), Customer.id.in_(ids)))
    return {c.id: c for c in rows}


def _guarded(s: Session, actor: Actor, cid: int, where: Sequence[sa.ColumnElement[bool]],
             values: dict[str, Any]) -> bool:
    """UPDATE one customer if it is still in the expected state and in scope; True if it moved."""
    stmt = (sa.update(Customer)
            .where(Customer.id == cid, customer_scope(actor), *where)
            .values(version=Customer.version + 1, updated_at=clock.now(), **values)
            .execution_options(synchronize_session=False))
    return (s.execute(stmt).rowcount or 0) == 1


def default_pool(s: Session) -> PublicPool:
    pool = s.scalar(sa.select(PublicPool).where(PublicPool.is_default).order_by(PublicPool.id).limit(1))
    if pool is None:  # a tenant created before pools existed and missed by the migration
        pool = PublicPool(name="公海", is_default=True)
        s.add(pool)
        s.flush()
    return pool


def _pool_of(s: Session, c: Customer) -> PublicPool:
    if c.public_pool_id:
        p = s.get(PublicPool, c.public_pool_id)
        if p is not None:
            return p
    return default_pool(s)


def _friends(s: Session, ids: list[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    if ids:
        for cid, eid in s.execute(sa.select(WecomFriend.customer_id, WecomFriend.employee_id)
                                  .where(WecomFriend.customer_id.in_(ids))):
            out.setdefault(cid, set()).add(eid)
    return out


def _collaborators(s: Session, ids: list[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    if ids:
        for cid, eid in s.execute(sa.select(CustomerCollaborator.customer_id, CustomerCollaborator.employee_id)
                                  .where(CustomerCollaborator.customer_id.in_(ids))):
            out.setdefault(cid, set()).add(eid)
    return out


def owned_counts(s: Session, employee_ids: Sequence[int]) -> dict[int, int]:
    if not employee_ids:
        return {}
    rows = s.execute(sa.select(Customer.owner_id, sa.func.count()).where(
        Customer.owner_id.in_(employee_ids), Customer.pool == "following").group_by(Customer.owner_id))
    counts = {e: 0 for e in employee_ids}
    counts.update({e: n for e, n in rows})
    return counts


def _employees_in_scope(s: Session, actor: Actor, employee_ids: Sequence[int]) -> list[Employee]:
    """Active employees the actor may hand customers to (within the actor's data scope)."""
    stmt = sa.select(Employee).where(Employee.id.in_(employee_ids), Employee.is_active)
    units = units_in_scope(actor)
    if units is not None:
        stmt = stmt.where(sa.or_(Employee.department_id.in_(units), Employee.id == actor.employee_id))
    found = {e.id: e for e in s.scalars(stmt).unique()}
    missing = [i for i in employee_ids if i not in found]
    if missing:
        raise Invalid("invalid_assignee", employee_id=missing[0])
    return [found[i] for i in employee_ids]


def _move_focus(s: Session, customer_id: int, old_owner: int | None, new_owner: int) -> None:
    """POOL-9: a transferred customer becomes the new owner's focus."""
    if old_owner is None or old_owner == new_owner:
        return
    old = s.get(CustomerFocus, (customer_id, old_owner))
    if old is None:
        return
    color = old.color
    s.delete(old)
    s.flush()
    if s.get(CustomerFocus, (customer_id, new_owner)) is None:
        s.add(CustomerFocus(customer_id=customer_id, employee_id=new_owner, color=color))
        s.flush()


def _audit_bulk(s: Session, actor: Actor, action: str, result: BulkResult, extra: dict[str, Any],
                seen: dict[int, Customer] | None = None) -> None:
    """One audit entry per call: the moved ids with each one's state before (pool, owner) and the parameters."""
    ids = result.succeeded
    if ids:
        before = {str(i): {"pool": seen[i].pool, "owner_id": seen[i].owner_id} for i in ids if i in seen} \
            if seen else None
        audit.record(s, f"customer.{action}", "customer", ids[0] if len(ids) == 1 else None, actor=actor,
                     before=before, after={**extra, "ids": ids, "count": len(ids)})


# ------------------------------------------------------------------ mark valid (POOL-2)
def mark_valid(s: Session, actor: Actor, ids: Sequence[int]) -> BulkResult:
    require(actor, "pool.potential")
    ids = _ids(ids)
    seen = _visible(s, actor, ids)
    res = BulkResult()
    now = clock.now()
    for cid in ids:
        c = seen.get(cid)
        if c is None:
            res.refuse(cid, "not_found")
        elif c.pool != "potential":
            res.refuse(cid, "not_in_pool", pool=t(f"pool.{c.pool}"))
        elif _guarded(s, actor, cid, [Customer.pool == "potential"], {"pool": "to_assign", "pool_entered_at": now}):
            res.ok(cid)
        else:
            res.refuse(cid, "state_changed")
    events.record(s, actor, res.succeeded, "marked_valid")
    _audit_bulk(s, actor, "mark_valid", res, {}, seen)
    return res


# ------------------------------------------------------------------ assign / transfer (POOL-3/4)
def _dealer(s: Session, actor: Actor, *, assignee_ids: Sequence[int] | None, department_id: int | None,
            rule_id: int | None, n: int) -> list[Employee]:
    """The ordered list of candidates for n customers, already rotated for round-robin memory."""
    capacity = default_pool(s).capacity
    if rule_id is not None:
        rule = s.get(AssignmentRule, rule_id)
        if rule is None or not rule.enabled:
            raise Invalid("invalid_rule")
        if rule.strategy == "by_department":
            ids = _department_members(s, rule.department_id)
        else:
            ids = [int(x) for x in rule.member_ids or []]
        members = [e for e in s.scalars(sa.select(Employee).where(Employee.id.in_(ids), Employee.is_active)).unique()]
        order = {e: i for i, e in enumerate(ids)}
        members.sort(key=lambda e: order[e.id])
    elif department_id is not None:
        unit = s.get(OrgUnit, department_id)
        if unit is None or unit.kind != "department":
            raise Invalid("department_required")
        member_ids = _department_members(s, department_id)
        members = _employees_in_scope(s, actor, member_ids) if member_ids else []
        rule = None
    elif assignee_ids:
        if len(assignee_ids) > 5:
            raise Invalid("too_many_assignees")
        members = _employees_in_scope(s, actor, list(dict.fromkeys(assignee_ids)))
        rule = None
    else:
        raise Invalid("assignee_required")
    if n == 0:  # nothing to deal (every id refused): the choice is still checked above, nobody is picked
        return []
    if capacity is not None:
        counts = owned_counts(s, [e.id for e in members])
        members = [e for e in members if counts[e.id] < capacity]
    if not members:
        raise Conflict("no_assignee_available")
    if rule is not None and rule.strategy == "least_loaded":
        counts = owned_counts(s, [e.id for e in members])
        out = []
        for _ in range(n):
            e = min(members, key=lambda m: (counts[m.id], m.id))
            counts[e.id] += 1
            out.append(e)
        return out
    start = 0
    if rule is not None:
        # Reserve n slots atomically: the rule row serialises concurrent assigners, and the pointer
        # survives between calls, so the deal stays even across calls and assigners.
        s.execute(sa.update(AssignmentRule).where(AssignmentRule.id == rule.id)
                  .values(pointer=AssignmentRule.pointer + n).execution_options(synchronize_session=False))
        after = s.scalar(sa.select(AssignmentRule.pointer).where(AssignmentRule.id == rule.id)
                         .execution_options(populate_existing=True)) or 0
        start = after - n
    return [members[(start + i) % len(members)] for i in range(n)]


def _department_members(s: Session, department_id: int | None) -> list[int]:
    if department_id is None:
        return []
    return list(s.scalars(sa.select(Employee.id).where(Employee.department_id == department_id,
                                                       Employee.is_active).order_by(Employee.id)))


def assign(s: Session, actor: Actor, ids: Sequence[int], *, assignee_ids: Sequence[int] | None = None,
           department_id: int | None = None, rule_id: int | None = None, action: str = "assign") -> BulkResult:
    """Deal customers to owners in order, round-robin. `assign` deals only customers without an owner
    (others: `already_assigned`); `transfer` also changes the owner of owned ones."""
    require(actor, "customer.assign" if action == "assign" else "customer.transfer")
    ids = _ids(ids)
    seen = _visible(s, actor, ids)
    # A rule for one pool deals only that pool's customers: a customer another assigner dealt a
    # moment ago is refused (not dealt twice), and takes no turn in the round-robin.
    rule = s.get(AssignmentRule, rule_id) if rule_id is not None else None
    from_pool = rule.pool if rule is not None else None
    # Assigning deals customers nobody owns; a customer with an owner (maybe dealt by another manager
    # a moment ago) changes hands only by an explicit transfer.
    takes_owned = action != "assign"
    movable = [cid for cid in ids if cid in seen and seen[cid].pool != "recycle_bin"
               and (takes_owned or seen[cid].owner_id is None)
               and (from_pool is None or seen[cid].pool == from_pool)]
    dealt = _dealer(s, actor, assignee_ids=assignee_ids, department_id=department_id, rule_id=rule_id,
                    n=len(movable))
    friends = _friends(s, movable)
    collabs = _collaborators(s, movable)
    now = clock.now()
    queue = iter(dealt)
    outcome: dict[int, Outcome] = {}

    def refuse(cid: int, code: str, **params: Any) -> None:
        outcome[cid] = Outcome(cid, False, code, t(code, **params))

    # 1. who gets what, in the caller's order (the round-robin follows it)
    todo: dict[int, Employee] = {}
    for cid in ids:
        c = seen.get(cid)
        if c is None:
            refuse(cid, "not_found")
        elif c.pool == "recycle_bin":
            refuse(cid, "in_recycle_bin")
        elif not takes_owned and c.owner_id is not None:
            refuse(cid, "already_assigned")
        elif from_pool is not None and c.pool != from_pool:
            refuse(cid, "not_in_pool", pool=t(f"pool.{c.pool}"))
        else:
            target = next(queue)
            # POOL-11: a WeCom friend goes only to its owner or to collaborators who are its friends.
            allowed = ({c.owner_id} if c.owner_id else set()) | (collabs.get(cid, set()) & friends.get(cid, set()))
            if cid in friends and target.id not in allowed:
                refuse(cid, "wecom_friend_target")
            elif target.id == c.owner_id:
                outcome[cid] = Outcome(cid, True, owner_id=target.id)
            else:
                todo[cid] = target
    # 2. the guarded UPDATEs in id order: two assigners of overlapping selections (in any order) queue
    # on the same rows instead of deadlocking on PostgreSQL
    per: dict[int, dict[str, Any]] = {}
    for cid in sorted(todo):
        c, target = seen[cid], todo[cid]
        new_pool = "won" if c.pool == "won" else "following"
        values = {"owner_id": target.id, "department_id": target.department_id, "pool": new_pool,
                  "assigned_at": now, "claimed_at": now, "acquired_via": "assigned", "public_pool_id": None}
        if c.owner_id is not None:
            values["previous_owner_id"] = c.owner_id
        expected = [Customer.pool == c.pool,
                    Customer.owner_id.is_(None) if c.owner_id is None else Customer.owner_id == c.owner_id]
        if _guarded(s, actor, cid, expected, values):
            _move_focus(s, cid, c.owner_id, target.id)
            s.execute(sa.delete(CustomerCollaborator).where(CustomerCollaborator.customer_id == cid,
                                                            CustomerCollaborator.employee_id == target.id))
            outcome[cid] = Outcome(cid, True, owner_id=target.id)
            per[cid] = {"from_owner_id": c.owner_id, "to_owner_id": target.id, "from_pool": c.pool}
        elif not takes_owned and _owner_now(s, cid) is not None:
            refuse(cid, "already_assigned")  # another assigner won the race since our read
        else:
            refuse(cid, "state_changed")
    res = BulkResult([outcome[cid] for cid in ids])
    moved = [cid for cid in res.succeeded if cid in per]
    events.record(s, actor, moved, "assigned" if action == "assign" else "transferred", per_customer=per)
    _audit_bulk(s, actor, action, res, {"assignee_ids": list(assignee_ids or []), "department_id": department_id,
                                        "rule_id": rule_id}, seen)
    return res


def _owner_now(s: Session, cid: int) -> int | None:
    """The committed owner, read after a guarded UPDATE found the row changed (READ COMMITTED: a new
    snapshot; SQLite: the writer lock is ours, so nothing changes under us)."""
    return s.scalar(sa.select(Customer.owner_id).where(Customer.id == cid)
                    .execution_options(populate_existing=True))


def transfer(s: Session, actor: Actor, ids: Sequence[int], owner_ids: Sequence[int]) -> BulkResult:
    return assign(s, actor, ids, assignee_ids=owner_ids, action="transfer")


# ------------------------------------------------------------------ claim (POOL-5)
def _upsert_counter(s: Session, employee_id: int, day: Any) -> None:
    dialect = s.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ClaimCounter)
    s.execute(ins.values(tenant_id=get_tenant(s), employee_id=employee_id, day=day, count=0)
              .on_conflict_do_nothing())


def claim(s: Session, actor: Actor, customer_id: int) -> Customer:
    require(actor, "customer.claim")
    c = s.scalar(sa.select(Customer).where(customer_scope(actor), Customer.id == customer_id))
    if c is None:
        # A public customer that someone claimed moments ago is out of the loser's scope by now; it
        # was public (visible to all) a moment ago, so saying "already claimed" reveals nothing new.
        just_claimed = s.scalar(sa.select(Customer.id).where(
            Customer.id == customer_id, Customer.acquired_via == "claimed",
            Customer.claimed_at > clock.now() - timedelta(minutes=CLAIM_RACE_WINDOW_MINUTES)))
        if just_claimed is not None:
            raise Conflict("already_claimed")
        raise NotFound()
    if c.pool != "public" or c.owner_id is not None:
        if c.owner_id == actor.employee_id:
            raise Conflict("already_yours")
        raise Conflict("already_claimed")
    pool = _pool_of(s, c)
    now = clock.now()
    if pool.member_unit_ids:
        units = [int(u) for u in pool.member_unit_ids]
        paths = list(s.scalars(sa.select(OrgUnit.path).where(OrgUnit.id.in_(units))))
        if not any(actor.department_path.startswith(p) for p in paths):
            raise Forbidden("not_pool_member")
    if pool.protection_minutes and c.pool_entered_at and c.pool_entered_at > now - timedelta(
            minutes=pool.protection_minutes):
        raise Conflict("claim_protected", minutes=pool.protection_minutes)
    if (pool.reclaim_cooldown_days and c.previous_owner_id == actor.employee_id and c.recycled_at
            and c.recycled_at > now - timedelta(days=pool.reclaim_cooldown_days)):
        raise Conflict("claim_cooldown", days=pool.reclaim_cooldown_days)
    # The counter row is taken first: its guarded increment is the daily quota, and its lock orders
    # one employee's concurrent claims so the capacity count below is exact.
    day = clock.today(now)
    _upsert_counter(s, actor.employee_id, day)
    bump = sa.update(ClaimCounter).where(ClaimCounter.employee_id == actor.employee_id, ClaimCounter.day == day)
    if pool.daily_claim_quota is not None:
        bump = bump.where(ClaimCounter.count < pool.daily_claim_quota)
    if (s.execute(bump.values(count=ClaimCounter.count + 1)
                  .execution_options(synchronize_session=False)).rowcount or 0) != 1:
        raise Conflict("claim_quota_exceeded", quota=pool.daily_claim_quota)
    if pool.capacity is not None and owned_counts(s, [actor.employee_id])[actor.employee_id] >= pool.capacity:
        raise Conflict("capacity_reached", capacity=pool.capacity)
    moved = _guarded(s, actor, c.id, [Customer.pool == "public", Customer.owner_id.is_(None)],
                     {"owner_id": actor.employee_id, "department_id": actor.department_id, "pool": "following",
                      "claimed_at": now, "acquired_via": "claimed"})
    if not moved:
        raise Conflict("already_claimed")
    events.record(s, actor, [c.id], "claimed", {"public_pool_id": pool.id})
    audit.record(s, "customer.claim", "customer", c.id, actor=actor, before={"pool": "public", "owner_id": None},
                 after={"pool": "following", "owner_id": actor.employee_id})
    s.expire(c)
    return c


# ------------------------------------------------------------------ recycle (POOL-6)
def recycle(s: Session, actor: Actor, ids: Sequence[int], *, reason: str | None = None,
            public_pool_id: int | None = None) -> BulkResult:
    require(actor, "customer.recycle")
    ids = _ids(ids)
    target = s.get(PublicPool, public_pool_id) if public_pool_id else default_pool(s)
    if target is None:
        raise Invalid("invalid_pool_target")
    seen = _visible(s, actor, ids)
    friends = _friends(s, list(seen))
    res = BulkResult()
    now = clock.now()
    per: dict[int, dict[str, Any]] = {}
    for cid in ids:
        c = seen.get(cid)
        if c is None:
            res.refuse(cid, "not_found")
        elif actor.is_sales and c.owner_id != actor.employee_id:
            res.refuse(cid, "not_owner")
        elif c.pool == "won":
            res.refuse(cid, "customer_won")
        elif c.pool != "following":
            res.refuse(cid, "not_in_pool", pool=t(f"pool.{c.pool}"))
        elif cid in friends:
            res.refuse(cid, "wecom_friend")
        elif c.locked:
            res.refuse(cid, "customer_locked")
        elif _guarded(s, actor, cid, [Customer.pool == "following", Customer.owner_id == c.owner_id],
                      {"pool": "public", "owner_id": None, "previous_owner_id": c.owner_id, "recycled_at": now,
                       "recycle_reason": (reason or "手动回收")[:200], "public_pool_id": target.id,
                       "pool_entered_at": now}):
            res.ok(cid)
            per[cid] = {"previous_owner_id": c.owner_id, "reason": reason or "手动回收"}
        else:
            res.refuse(cid, "state_changed")
    done = res.succeeded
    if done:
        s.execute(sa.delete(CustomerCollaborator).where(CustomerCollaborator.customer_id.in_(done)))
    events.record(s, actor, done, "recycled", {"public_pool_id": target.id}, per_customer=per)
    _audit_bulk(s, actor, "recycle", res, {"reason": reason, "public_pool_id": target.id}, seen)
    return res


# ------------------------------------------------------------------ collaborators (POOL-7)
def change_collaborators(s: Session, actor: Actor, customer_id: int, *, add: Sequence[int] = (),
                         remove: Sequence[int] = ()) -> list[int]:
    c = s.scalar(sa.select(Customer).where(customer_scope(actor), Customer.id == customer_id))
    if c is None:
        raise NotFound()
    current = _collaborators(s, [c.id]).get(c.id, set())
    is_party = actor.employee_id == c.owner_id or actor.employee_id in current
    if not is_party and not (actor.can("customer.transfer") or actor.can("customer.assign")):
        raise Forbidden()
    if actor.is_sales and not is_party:
        raise Forbidden()
    if c.pool in ("public", "recycle_bin") or c.owner_id is None:
        raise Conflict("not_owned")
    to_add = [e.id for e in _employees_in_scope(s, actor, list(dict.fromkeys(add)))] if add and not is_party \
        else list(dict.fromkeys(add))
    if to_add:
        found = set(s.scalars(sa.select(Employee.id).where(Employee.id.in_(to_add), Employee.is_active)))
        missing = [e for e in to_add if e not in found]
        if missing:
            raise Invalid("invalid_assignee", employee_id=missing[0])
    to_add = [e for e in to_add if e not in current and e != c.owner_id]
    to_remove = [e for e in dict.fromkeys(remove) if e in current]
    for e in to_add:
        s.add(CustomerCollaborator(customer_id=c.id, employee_id=e))
    if to_remove:
        s.execute(sa.delete(CustomerCollaborator).where(CustomerCollaborator.customer_id == c.id,
                                                        CustomerCollaborator.employee_id.in_(to_remove)))
    s.flush()
    after = sorted((current | set(to_add)) - set(to_remove))
    if to_add or to_remove:
        s.execute(sa.update(Customer).where(Customer.id == c.id).values(version=Customer.version + 1)
                  .execution_options(synchronize_session=False))
        events.record(s, actor, [c.id], "collaborators_changed", {"added": to_add, "removed": to_remove})
        audit.record(s, "customer.collaborators", "customer", c.id, actor=actor,
                     before={"collaborator_ids": sorted(current)}, after={"collaborator_ids": after})
    s.expire(c)
    return after


# ------------------------------------------------------------------ focus (POOL-9)
def set_focus(s: Session, actor: Actor, customer_id: int, color: str) -> None:
    c = s.scalar(sa.select(Customer.id).where(customer_scope(actor), Customer.id == customer_id))
    if c is None:
        raise NotFound()
    row = s.get(CustomerFocus, (customer_id, actor.employee_id))
    if row is None:
        s.add(CustomerFocus(customer_id=customer_id, employee_id=actor.employee_id, color=color))
        events.record(s, actor, [customer_id], "focused", {"color": color})
    else:
        row.color = color
    s.flush()
    audit.record(s, "customer.focus", "customer", customer_id, actor=actor, after={"color": color})


def clear_focus(s: Session, actor: Actor, customer_id: int) -> None:
    c = s.scalar(sa.select(Customer.id).where(customer_scope(actor), Customer.id == customer_id))
    if c is None:
        raise NotFound()
    n = s.execute(sa.delete(CustomerFocus).where(CustomerFocus.customer_id == customer_id,
                                                 CustomerFocus.employee_id == actor.employee_id)).rowcount
    if n:
        audit.record(s, "customer.unfocus", "customer", customer_id, actor=actor, before={"focus": True})


# ------------------------------------------------------------------ delete / restore / purge (POOL-12)
def delete(s: Session, actor: Actor, ids: Sequence[int]) -> BulkResult:
    require(actor, "customer.delete")
    ids = _ids(ids)
    seen = _visible(s, actor, ids)
    friends = _friends(s, list(seen))
    res = BulkResult()
    now = clock.now()
    per: dict[int, dict[str, Any]] = {}
    for cid in ids:
        c = seen.get(cid)
        if c is None:
            res.refuse(cid, "not_found")
        elif c.pool == "recycle_bin":
            res.refuse(cid, "in_recycle_bin")
        elif c.pool == "won" or c.won_at is not None:
            res.refuse(cid, "customer_won")
        elif cid in friends:
            res.refuse(cid, "wecom_friend")
        elif _guarded(s, actor, cid, [Customer.pool == c.pool],
                      {"pool": "recycle_bin", "deleted_from_pool": c.pool, "deleted_at": now}):
            res.ok(cid)
            per[cid] = {"from_pool": c.pool}
        else:
            res.refuse(cid, "state_changed")
    events.record(s, actor, res.succeeded, "deleted", per_customer=per)
    _audit_bulk(s, actor, "delete", res, {}, seen)
    return res


def restore(s: Session, actor: Actor, ids: Sequence[int]) -> BulkResult:
    """Back from the bin exactly as it was: same pool, owner, collaborators, phones, history."""
    require(actor, "pool.recycle_bin")
    ids = _ids(ids)
    seen = _visible(s, actor, ids)
    res = BulkResult()
    per: dict[int, dict[str, Any]] = {}
    for cid in ids:
        c = seen.get(cid)
        if c is None:
            res.refuse(cid, "not_found")
        elif c.pool != "recycle_bin":
            res.refuse(cid, "not_in_recycle_bin")
        elif c.merged_into_id is not None:
            res.refuse(cid, "merged_customer")
        else:
            back = c.deleted_from_pool or ("following" if c.owner_id else "public")
            if back in OWNED and c.owner_id is None:
                back = "public"
            if _guarded(s, actor, cid, [Customer.pool == "recycle_bin"],
                        {"pool": back, "deleted_at": None, "deleted_from_pool": None}):
                res.ok(cid)
                per[cid] = {"to_pool": back}
            else:
                res.refuse(cid, "state_changed")
    events.record(s, actor, res.succeeded, "restored", per_customer=per)
    _audit_bulk(s, actor, "restore", res, {}, seen)
    return res


def purge(s: Session, actor: Actor | None, ids: Sequence[int] | None = None, *, older_than_days: int | None = None,
          settings: Settings | None = None) -> int:
    """Delete binned customers for good (admins, or the retention job). Audited with the names. Their
    attachments go too: the rows now, the files under `settings`' var directory after the commit."""
    from huike.attachment import service as attachments

    stmt = sa.select(Customer.id, Customer.name).where(Customer.pool == "recycle_bin")
    if actor is not None:
        require(actor, "pool.recycle_bin")
        require(actor, "customer.delete")
        stmt = stmt.where(customer_scope(actor))
    if ids is not None:
        stmt = stmt.where(Customer.id.in_(_ids(ids)))
    if older_than_days is not None:
        stmt = stmt.where(Customer.deleted_at < clock.now() - timedelta(days=older_than_days))
    rows = s.execute(stmt).all()
    if not rows:
        return 0
    victims = [r.id for r in rows]
    # Customers merged into a purged one keep pointing nowhere rather than blocking the purge.
    s.execute(sa.update(Customer).where(Customer.merged_into_id.in_(victims)).values(merged_into_id=None)
              .execution_options(synchronize_session=False))
    files = attachments.purge_customers(s, settings or get_settings(), victims)
    s.execute(sa.delete(Customer).where(Customer.id.in_(victims)).execution_options(synchronize_session=False))
    audit.record(s, "customer.purge", "customer", None, actor=actor, actor_name=None if actor else "huike",
                 before={"customers": [{"id": r.id, "name": r.name} for r in rows]},
                 after={"count": len(rows), "attachments": files})
    return len(rows)


# ------------------------------------------------------------------ flags: deactivate, blacklist, lock
FLAGS = {
    # action: (column, value, reason column, permission, event)
    "deactivate": ("deactivated", True, "deactivate_reason", "customer.edit", "deactivated"),
    "reactivate": ("deactivated", False, "deactivate_reason", "customer.edit", "reactivated"),
    "blacklist": ("blacklisted", True, "blacklist_reason", "customer.edit", "blacklisted"),
    "unblacklist": ("blacklisted", False, "blacklist_reason", "customer.edit", "unblacklisted"),
    "lock": ("locked", True, None, "customer.recycle", "locked"),
    "unlock": ("locked", False, None, "customer.recycle", "unlocked"),
}


def set_flag(s: Session, actor: Actor, action: str, ids: Sequence[int], reason: str | None = None) -> BulkResult:
    column, value, reason_col, perm, event = FLAGS[action]
    require(actor, perm)
    if value and reason_col == "blacklist_reason" and not (reason or "").strip():
        raise Invalid("reason_required")
    ids = _ids(ids)
    seen = _visible(s, actor, ids)
    res = BulkResult()
    col = getattr(Customer, column)
    for cid in ids:
        c = seen.get(cid)
        if c is None:
            res.refuse(cid, "not_found")
            continue
        if actor.is_sales and c.owner_id != actor.employee_id:
            res.refuse(cid, "not_owner")
            continue
        if getattr(c, column) == value:
            res.ok(cid)
            continue
        values: dict[str, Any] = {column: value}
        if reason_col:
            values[reason_col] = (reason or "")[:200] or None if value else None
        if _guarded(s, actor, cid, [col == getattr(c, column)], values):
            res.ok(cid)
        else:
            res.refuse(cid, "state_changed")
    changed = [cid for cid in res.succeeded if getattr(seen[cid], column) != value]
    events.record(s, actor, changed, event, {"reason": reason} if reason else None)
    _audit_bulk(s, actor, action, res, {"reason": reason}, seen)
    return res


# ------------------------------------------------------------------ tags (WORK-6, batch)
def tag(s: Session, actor: Actor, ids: Sequence[int], tags: Sequence[str], mode: str) -> BulkResult:
    """Add, remove or replace tags (by name) on a selection, through the customer_tags relation.
    Adding a tag of a single-choice group replaces the customer's other tag of that group; unknown
    names are created in 其他标签 when the tenant allows free entry (and only if someone is tagged)."""
    from huike.dictionary import service as dictionary

    require(actor, "customer.edit")
    ids = _ids(ids)
    names = dictionary.clean_tag_names(tags)
    seen = _visible(s, actor, ids)
    collabs = _collaborators(s, list(seen))
    eligible = [cid for cid in ids if cid in seen and not (
        actor.is_sales and seen[cid].owner_id != actor.employee_id and actor.employee_id not in collabs.get(cid, set()))]
    wanted = dictionary.resolve_tags(s, names, create=mode != "remove") if eligible and names and mode != "remove" \
        else list(s.scalars(sa.select(Tag).where(Tag.name.in_(names)))) if names else []
    wanted_ids = [x.id for x in wanted]
    name_of = {x.id: x.name for x in wanted}
    single = dictionary.single_groups(s, wanted_ids)
    current = dictionary.tag_ids_of(s, eligible)
    extra = {tid for v in current.values() for tid in v} - set(name_of)
    if extra:
        name_of.update(dict(s.execute(sa.select(Tag.id, Tag.name).where(Tag.id.in_(extra))).all()))
    res = BulkResult()
    per: dict[int, dict[str, Any]] = {}
    changes: dict[int, tuple[set[int], set[int]]] = {}
    for cid in ids:
        c = seen.get(cid)
        if c is None:
            res.refuse(cid, "not_found")
            continue
        if cid not in current:
            res.refuse(cid, "not_owner")
            continue
        old = current[cid]
        new = dictionary.apply_mode(old, wanted_ids, mode, single)
        if new == old:
            res.ok(cid)
        elif _guarded(s, actor, cid, [Customer.version == c.version], {}):
            res.ok(cid)
            changes[cid] = (old, new)
            per[cid] = {"before": sorted(name_of[x] for x in old), "after": sorted(name_of[x] for x in new)}
        else:
            res.refuse(cid, "state_changed")
    dictionary.write_tags(s, changes)
    tag_names = [x.name for x in wanted] if mode != "remove" else names
    events.record(s, actor, list(per), "tagged", {"mode": mode, "tags": sorted(tag_names)}, per_customer=per)
    _audit_bulk(s, actor, "tag", res, {"mode": mode, "tags": sorted(tag_names)})
    return res


# ------------------------------------------------------------------ WeCom friends (POOL-11)
def set_wecom_friends(s: Session, actor: Actor, customer_id: int, employee_ids: Sequence[int]) -> list[int]:
    c = s.scalar(sa.select(Customer).where(customer_scope(actor), Customer.id == customer_id))
    if c is None:
        raise NotFound()
    if actor.is_sales and c.owner_id != actor.employee_id:
        raise Forbidden()
    require(actor, "customer.edit")
    wanted = list(dict.fromkeys(employee_ids))
    if wanted:
        found = set(s.scalars(sa.select(Employee.id).where(Employee.id.in_(wanted))))
        missing = [e for e in wanted if e not in found]
        if missing:
            raise Invalid("invalid_assignee", employee_id=missing[0])
    before = sorted(_friends(s, [c.id]).get(c.id, set()))
    s.execute(sa.delete(WecomFriend).where(WecomFriend.customer_id == c.id))
    for e in wanted:
        s.add(WecomFriend(customer_id=c.id, employee_id=e))
    s.flush()
    if before != sorted(wanted):
        events.record(s, actor, [c.id], "wecom_friends_changed", {"employee_ids": sorted(wanted)})
        audit.record(s, "customer.wecom_friends", "customer", c.id, actor=actor,
                     before={"employee_ids": before}, after={"employee_ids": sorted(wanted)})
    return sorted(wanted)


# ------------------------------------------------------------------ merge (POOL-13)
def merge(s: Session, actor: Actor, master_id: int, duplicate_ids: Sequence[int]) -> Customer:
    require(actor, "customer.edit")
    dup_ids = [i for i in dict.fromkeys(duplicate_ids) if i != master_id]
    if not dup_ids:
        raise Invalid("duplicates_required")
    if len(dup_ids) > 4:
        raise Invalid("too_many_duplicates")
    seen = _visible(s, actor, [master_id, *dup_ids])
    if len(seen) != len(dup_ids) + 1:
        raise NotFound()
    master = seen[master_id]
    if master.pool == "recycle_bin":
        raise Conflict("in_recycle_bin")
    dups = [seen[i] for i in dup_ids]
    for d in dups:
        if d.pool == "recycle_bin":
            raise Conflict("in_recycle_bin")
    if actor.is_sales and any(x.owner_id != actor.employee_id for x in [master, *dups]):
        raise Forbidden()
    from huike.dictionary import service as dictionary
    from huike.find import indexing

    tags_of = dictionary.tag_ids_of(s, [master.id, *dup_ids])
    before = {"master": master.id, "duplicates": dup_ids,
              "master_tags": dictionary.tag_names_of(s, [master.id])[master.id],
              "master_phones": [p.phone for p in master.phones]}
    # Former owners and collaborators of the duplicates become collaborators of the master.
    current = _collaborators(s, [master.id, *dup_ids])
    people = set()
    for d in dups:
        if d.owner_id:
            people.add(d.owner_id)
        people |= current.get(d.id, set())
    people -= current.get(master.id, set())
    people.discard(master.owner_id)
    s.execute(sa.delete(CustomerCollaborator).where(CustomerCollaborator.customer_id.in_(dup_ids)))
    for e in sorted(people):
        s.add(CustomerCollaborator(customer_id=master.id, employee_id=e))
    # Phones move to the master (they are the identity), after its own.
    base = len(master.phones)
    moved_phones = list(s.scalars(sa.select(CustomerPhone).where(CustomerPhone.customer_id.in_(dup_ids))
                                  .order_by(CustomerPhone.customer_id, CustomerPhone.position)))
    for i, p in enumerate(moved_phones):
        p.customer_id = master.id
        p.position = base + i
    # Related rows of every module move with a single statement each.
    for table in related_tables():
        s.execute(sa.update(table).where(table.c.customer_id.in_(dup_ids)).values(customer_id=master.id)
                  .execution_options(synchronize_session=False))
    # Tags: the union; a single-choice group keeps the master's tag (else the first duplicate's).
    union = set(tags_of[master.id])
    single = dictionary.single_groups(s, set().union(*tags_of.values()))
    for d in dups:
        for tid in sorted(tags_of[d.id]):
            group = single.get(tid)
            if group is None or not any(single.get(x) == group for x in union):
                union.add(tid)
    dictionary.write_tags(s, {master.id: (set(tags_of[master.id]), union)})
    s.execute(sa.delete(CustomerTag).where(CustomerTag.customer_id.in_(dup_ids)))
    _merge_custom_values(s, master.id, dup_ids)
    fill = {}
    for col in ("company", "email", "source", "industry", "level", "address"):
        if getattr(master, col) in (None, ""):
            for d in dups:
                if getattr(d, col):
                    fill[col] = getattr(d, col)
                    if col == "level":  # and where it came from (POOL-16 automatic grading)
                        fill["level_source"] = d.level_source
                    break
    now = clock.now()
    s.execute(sa.update(Customer).where(Customer.id == master.id)
              .values(version=Customer.version + 1, updated_at=now, **fill)
              .execution_options(synchronize_session=False))
    s.execute(sa.update(Customer).where(Customer.id.in_(dup_ids))
              .values(pool="recycle_bin", deleted_from_pool=Customer.pool, deleted_at=now, merged_into_id=master.id,
                      version=Customer.version + 1, updated_at=now)
              .execution_options(synchronize_session=False))
    s.flush()
    from huike.sales.common import refresh_purchases

    for cid in (master.id, *dup_ids):  # their completed orders moved: purchase totals follow (POOL-16)
        refresh_purchases(s, cid)
    indexing.refresh(s, [master.id, *dup_ids])  # phones and filled fields changed by Core statements
    tags = dictionary.tag_names_of(s, [master.id])[master.id]
    events.record(s, actor, [master.id], "merged", {"duplicate_ids": dup_ids})
    events.record(s, actor, dup_ids, "merged_into", {"master_id": master.id})
    audit.record(s, "customer.merge", "customer", master.id, actor=actor, before=before,
                 after={"tags": tags, "phones_moved": [p.phone for p in moved_phones],
                        "collaborators_added": sorted(people), **fill})
    s.expire_all()
    return s.get_one(Customer, master.id)


def related_tables() -> list[sa.Table]:
    """Tables whose rows belong to one customer and follow it on merge. Later modules (contacts,
    follow-ups, opportunities, orders, contracts) are picked up by their `customer_id` column."""
    from huike.kit.models import Base

    skip = {"customers", "customer_phones", "customer_collaborators", "customer_focus", "wecom_friends",
            "notifications", "customer_tags", "customer_field_values", "customer_search"}
    return [tbl for name, tbl in Base.metadata.tables.items()
            if name not in skip and "customer_id" in tbl.c and "tenant_id" in tbl.c]


def _merge_custom_values(s: Session, master_id: int, dup_ids: list[int]) -> None:
    """Custom fields the master leaves empty take the first duplicate's value; the rest go."""
    from huike.dictionary.models import CustomerFieldValue as V

    have = set(s.scalars(sa.select(V.field_id).where(V.customer_id == master_id)))
    for d in dup_ids:
        fields = set(s.scalars(sa.select(V.field_id).where(V.customer_id == d))) - have
        if fields:
            s.execute(sa.update(V).where(V.customer_id == d, V.field_id.in_(fields)).values(customer_id=master_id)
                      .execution_options(synchronize_session=False))
            have |= fields
    s.execute(sa.delete(V).where(V.customer_id.in_(dup_ids)).execution_options(synchronize_session=False))


# ------------------------------------------------------------------ leaver hand-over (PERM-6)
def handover(s: Session, actor: Actor, employee_id: int, to_employee_ids: Sequence[int], *,
             disable: bool = False) -> dict[str, Any]:
    """Move every customer one employee owns (following and won) to others round-robin, in one step."""
    require(actor, "employee.manage")
    require(actor, "customer.transfer")
    leaver = s.get(Employee, employee_id)
    if leaver is None:
        raise NotFound()
    targets = _employees_in_scope(s, actor, list(dict.fromkeys(to_employee_ids)))
    if not targets or any(e.id == employee_id for e in targets):
        raise Invalid("invalid_assignee", employee_id=employee_id)
    ids = list(s.scalars(sa.select(Customer.id).where(Customer.owner_id == employee_id,
                                                      Customer.pool.in_(OWNED)).order_by(Customer.id)))
    now = clock.now()
    per: dict[int, dict[str, Any]] = {}
    counts = {e.id: 0 for e in targets}
    for i, cid in enumerate(ids):
        target = targets[i % len(targets)]
        s.execute(sa.update(Customer).where(Customer.id == cid, Customer.owner_id == employee_id)
                  .values(owner_id=target.id, department_id=target.department_id, previous_owner_id=employee_id,
                          assigned_at=now, claimed_at=now, version=Customer.version + 1, updated_at=now)
                  .execution_options(synchronize_session=False))
        _move_focus(s, cid, employee_id, target.id)
        per[cid] = {"from_owner_id": employee_id, "to_owner_id": target.id}
        counts[target.id] += 1
    # The leaver no longer assists anyone either.
    s.execute(sa.delete(CustomerCollaborator).where(CustomerCollaborator.employee_id == employee_id))
    events.record(s, actor, ids, "handover", per_customer=per)
    summary = {"employee_id": employee_id, "customers": len(ids),
               "per_target": {str(k): v for k, v in counts.items()}}
    if disable and leaver.is_active:
        from huike.auth.service import revoke_employee_sessions

        leaver.is_active = False
        leaver.disabled_at = now
        revoke_employee_sessions(s, leaver.id)
        summary["disabled"] = True
    audit.record(s, "employee.handover", "employee", employee_id, actor=actor, after=summary)
    return summary
