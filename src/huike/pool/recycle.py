"""Auto-recycle (POOL-10) as set-based statements: per rule, one UPDATE moves every due customer,
one INSERT … SELECT writes their timeline events, one DELETE clears their collaborators, and one
INSERT … SELECT (deduplicated) reminds owners K days ahead. No per-row Python loop, so a tenant of
a million customers is processed in seconds (bench/recycle_bench.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.customer.models import Customer, CustomerCollaborator, CustomerFocus
from huike.kit import clock
from huike.kit.db import get_tenant
from huike.kit.sqlfn import as_text, greatest, json_object
from huike.org.models import OrgUnit
from huike.pool.models import CustomerEvent, Notification, RecycleRule, WecomFriend
from huike.pool.moves import default_pool

EPOCH = datetime(1970, 1, 1)


def owned_since() -> sa.ColumnElement[Any]:
    """The recycle clock: the later of last follow-up, claim/assignment and creation."""
    return greatest(Customer.last_followup_at, Customer.claimed_at, Customer.assigned_at, Customer.created_at)


def _clock(rule: RecycleRule) -> sa.ColumnElement[Any]:
    if rule.kind == "no_followup":
        return owned_since()
    if rule.kind == "no_opportunity":
        return greatest(Customer.last_opportunity_at, Customer.claimed_at, Customer.assigned_at, Customer.created_at)
    return greatest(Customer.claimed_at, Customer.assigned_at, Customer.created_at)  # not_won


def base_conditions(s: Session, rule: RecycleRule) -> list[sa.ColumnElement[bool]]:
    """Who the rule applies to, exemptions included (not the timing)."""
    # Explicit tenant: INSERT … SELECT statements are not rewritten by the ORM tenant filter.
    conds: list[sa.ColumnElement[bool]] = [Customer.tenant_id == get_tenant(s), Customer.owner_id.is_not(None)]
    conds.append(Customer.pool.in_(("following",) if rule.exempt_won else ("following", "won")))
    if rule.kind == "not_won":
        conds.append(Customer.won_at.is_(None))
    if rule.level:
        conds.append(Customer.level == rule.level)
    if rule.department_id:
        path = s.scalar(sa.select(OrgUnit.path).where(OrgUnit.id == rule.department_id)) or "/none/"
        conds.append(Customer.department_id.in_(sa.select(OrgUnit.id).where(OrgUnit.path.startswith(path))))
    if rule.exempt_locked:
        conds.append(~Customer.locked)
    # WeCom friends are never dropped to the public pool (POOL-11): always exempt, not a rule option.
    conds.append(~sa.exists().where(WecomFriend.customer_id == Customer.id))
    if rule.exempt_focus:
        conds.append(~sa.exists().where(CustomerFocus.customer_id == Customer.id,
                                        CustomerFocus.employee_id == Customer.owner_id))
    return conds


def due_conditions(s: Session, rule: RecycleRule, now: datetime) -> list[sa.ColumnElement[bool]]:
    return [*base_conditions(s, rule), _clock(rule) < now - timedelta(days=rule.days)]


def soon_conditions(s: Session, rule: RecycleRule, now: datetime, within_days: int) -> list[sa.ColumnElement[bool]]:
    clock_col = _clock(rule)
    return [*base_conditions(s, rule), clock_col >= now - timedelta(days=rule.days),
            clock_col < now - timedelta(days=rule.days - within_days)]


def due_at(rule: RecycleRule) -> sa.ColumnElement[Any]:
    """The clock column of a rule, for showing when a customer will be recycled."""
    return _clock(rule)


@dataclass
class RunResult:
    rule_id: int
    recycled: int
    reminded: int


def _insert_ignore(s: Session, table: Any) -> Any:
    return (postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)


def run_rule(s: Session, rule: RecycleRule, now: datetime | None = None) -> RunResult:
    now = now or clock.now()
    tenant_id = get_tenant(s)
    target = rule.target_pool_id or default_pool(s).id
    reason = f"自动回收：{rule.name}"

    # 1. reminders K days ahead (one per customer, owner and clock value: a follow-up restarts it)
    reminded = 0
    if rule.remind_days_before > 0 and rule.remind_days_before < rule.days:
        soon = soon_conditions(s, rule, now, rule.remind_days_before)
        key = (sa.literal(f"recycle:{rule.id}:") + as_text(Customer.id) + sa.literal(":")
               + as_text(Customer.owner_id) + sa.literal(":") + as_text(_clock(rule)))
        select = sa.select(
            sa.literal(tenant_id), Customer.owner_id, sa.literal("recycle_soon"),
            sa.literal(f"客户即将被自动回收（{rule.name}）") + sa.literal("："),
            Customer.name, Customer.id, key, sa.literal(now, type_=Customer.created_at.type),
        ).where(*soon)
        ins = _insert_ignore(s, Notification).from_select(
            ["tenant_id", "employee_id", "kind", "title", "body", "customer_id", "dedupe_key", "created_at"], select
        ).on_conflict_do_nothing()
        # preserve_rowcount: psycopg reports -1 for an INSERT … SELECT of no rows once the cursor is closed.
        reminded = s.execute(ins.execution_options(preserve_rowcount=True)).rowcount or 0

    # 2. move every due customer in one statement; the run's timestamp marks the moved set exactly
    moved = s.execute(
        sa.update(Customer).where(*due_conditions(s, rule, now))
        .values(pool="public", previous_owner_id=Customer.owner_id, owner_id=None, recycled_at=now,
                recycle_reason=reason[:200], public_pool_id=target, pool_entered_at=now,
                version=Customer.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    if moved:
        marked = sa.and_(Customer.tenant_id == tenant_id, Customer.recycled_at == now, Customer.recycle_reason == reason[:200],
                         Customer.pool == "public")
        s.execute(sa.insert(CustomerEvent).from_select(
            ["tenant_id", "customer_id", "type", "actor_id", "at", "data"],
            sa.select(Customer.tenant_id, Customer.id, sa.literal("recycled"), sa.null(),
                      sa.literal(now, type_=Customer.created_at.type),
                      json_object(sa.literal("rule_id"), sa.literal(rule.id), sa.literal("reason"), sa.literal(reason),
                                  sa.literal("previous_owner_id"), Customer.previous_owner_id,
                                  sa.literal("public_pool_id"), sa.literal(target)))
            .where(marked)))
        s.execute(sa.delete(CustomerCollaborator).where(
            CustomerCollaborator.customer_id.in_(sa.select(Customer.id).where(marked)))
            .execution_options(synchronize_session=False))
        audit.record(s, "customer.auto_recycle", "recycle_rule", rule.id, actor_name="huike",
                     after={"rule": rule.name, "count": moved, "public_pool_id": target})
    return RunResult(rule.id, moved, reminded)


def run_tenant(s: Session, now: datetime | None = None) -> list[RunResult]:
    now = now or clock.now()
    rules = list(s.scalars(sa.select(RecycleRule).where(RecycleRule.enabled).order_by(RecycleRule.id)))
    # Each rule gets its own instant: a run's `recycled_at` marks the set it moved (for the events and
    # collaborator statements), and rules may share a name, hence a reason.
    return [run_rule(s, r, now + timedelta(microseconds=i)) for i, r in enumerate(rules)]
