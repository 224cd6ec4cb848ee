"""Automatic customer grading (POOL-16, 客户自动分级).

The tenant's rules (tried in order, the first match wins) map the customer's completed-order total over a
window (the last N days, 365 = 年采购额, or all time) and, optionally, a purchase within the last D days
(活跃度) to a level of the level dictionary; no match → the fallback level, or the level stays.

A regrade is set-based: one SELECT computes the new level of every eligible customer (`_plan`: a CASE over
the window's sums, grouped from `orders` in one aggregate subquery, left-joined to the customers) and one
`UPDATE … FROM` applies it, guarded by the level it read. On PostgreSQL the UPDATE, the timeline events
(`level_changed`, one per changed customer, INSERT … SELECT from its RETURNING) and the per-level counts are
one statement (data-modifying CTEs); SQLite holds the write lock for the whole transaction, so there the
counts and the events are read from the same plan just before the UPDATE. No per-row Python loop.

It runs (a) for one customer after its purchases are recomputed (`sales.common.refresh_purchases`: an order
completed, customers merged), (b) for the whole tenant when an admin saves enabled rules or asks to apply
them now, (c) daily (`worker.tasks.daily_grading`): the window and recency move with time.
Levels set by hand (`level_source` 'manual', or NULL with a level: imported, older data) are left alone
unless `override_manual`; every level this module sets is marked 'auto'."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from huike.audit import service as audit
from huike.authz import require
from huike.authz.actor import Actor
from huike.customer.models import Customer
from huike.dictionary import defaults
from huike.dictionary.models import DictItem
from huike.grading.models import GradingRule, GradingSettings
from huike.grading.schemas import GradingRead, GradingRuleRead, GradingUpdate
from huike.kit import clock
from huike.kit.db import get_tenant
from huike.kit.errors import Conflict, Invalid
from huike.kit.i18n import t
from huike.kit.models import UTCDateTime
from huike.kit.money import MoneyType, to_decimal
from huike.kit.sqlfn import json_object
from huike.pool import events
from huike.pool.models import CustomerEvent
from huike.sales.models import Order

MANAGE = "settings.manage"
EVENT = "level_changed"
ZERO = Decimal("0.00")


class money_text(FunctionElement[str]):
    """A money value as its two-decimal text ("500000.00") in SQL: SQLite stores integer cents."""

    inherit_cache = True
    type = sa.String()


@compiles(money_text, "sqlite")
def _money_text_sqlite(element: money_text, compiler: Any, **kw: Any) -> str:
    x = compiler.process(element.clauses, **kw)
    return f"printf('%d.%02d', ({x}) / 100, ({x}) % 100)"


@compiles(money_text)
def _money_text_default(element: money_text, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


# ------------------------------------------------------------------ the tenant's configuration
@dataclass
class Rule:
    level: str
    min_amount: Decimal
    within_days: int | None = None


@dataclass
class Config:
    enabled: bool = False
    window_days: int | None = 365
    rules: list[Rule] = field(default_factory=list)
    fallback_level: str | None = None
    override_manual: bool = False
    saved: bool = False
    last_run_at: datetime | None = None
    last_run_changed: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "window_days": self.window_days, "fallback_level": self.fallback_level,
                "override_manual": self.override_manual,
                "rules": [{"level": r.level, "min_amount": format(r.min_amount, "f"), "within_days": r.within_days}
                          for r in self.rules]}


def _row(s: Session) -> GradingSettings | None:
    return s.scalar(sa.select(GradingSettings))


def _rules(s: Session) -> list[Rule]:
    # columns, not entities: `save` replaces the rows with a bulk DELETE (no stale objects in the session)
    return [Rule(level, to_decimal(amount), within) for level, amount, within in s.execute(
        sa.select(GradingRule.level, GradingRule.min_amount, GradingRule.within_days)
        .order_by(GradingRule.position, GradingRule.id)).all()]


def _defaults(s: Session) -> Config:
    """Nothing saved yet: the manual's table (VIP ≥ 50万, 重要 ≥ 10万, 普通 ≥ 1万, else 潜在) over the
    last 365 days, for those of its levels the tenant's level dictionary has; switched off."""
    names = set(s.scalars(sa.select(DictItem.name).where(DictItem.kind == "level", DictItem.is_active)))
    rules = [Rule(level, Decimal(amount)) for level, amount in defaults.LEVEL_GRADES
             if amount is not None and level in names]
    fallback = next((level for level, amount in defaults.LEVEL_GRADES if amount is None and level in names), None)
    return Config(rules=rules, fallback_level=fallback)


def config(s: Session) -> Config:
    row = _row(s)
    if row is None:
        return _defaults(s)
    return Config(enabled=row.enabled, window_days=row.window_days, rules=_rules(s), fallback_level=row.fallback_level,
                  override_manual=row.override_manual, saved=True, last_run_at=row.last_run_at,
                  last_run_changed=row.last_run_changed)


def to_read(cfg: Config, changed: int | None = None) -> GradingRead:
    return GradingRead(enabled=cfg.enabled, window_days=cfg.window_days, fallback_level=cfg.fallback_level,
                       override_manual=cfg.override_manual, saved=cfg.saved, last_run_at=cfg.last_run_at,
                       last_run_changed=cfg.last_run_changed, changed=changed,
                       rules=[GradingRuleRead(level=r.level, min_amount=r.min_amount, within_days=r.within_days)
                              for r in cfg.rules])


def read(s: Session, actor: Actor) -> GradingRead:
    require(actor, MANAGE)
    return to_read(config(s))


def _check_levels(s: Session, body: GradingUpdate) -> None:
    """Every level named must be an active value of the level dictionary: 422 naming the first that is not."""
    items = dict(s.execute(sa.select(DictItem.name, DictItem.is_active).where(DictItem.kind == "level")).all())
    named = [(f"rules.{i}.level", r.level.strip()) for i, r in enumerate(body.rules)]
    if body.fallback_level is not None and body.fallback_level.strip():
        named.append(("fallback_level", body.fallback_level.strip()))
    for where, name in named:
        if name not in items:
            msg = t("grading_unknown_level", level=name)
            raise Invalid("grading_unknown_level", level=name,
                          errors=[{"field": where, "code": "grading_unknown_level", "message": msg}])
        if not items[name]:
            raise Invalid("dict_value_disabled", value=name, errors=[{
                "field": where, "code": "dict_value_disabled", "message": t("dict_value_disabled", value=name)}])


def _ensure_row(s: Session) -> GradingSettings:
    """The tenant's row, created by the first save (INSERT … ON CONFLICT DO NOTHING: two first saves race
    to one row)."""
    row = _row(s)
    if row is not None:
        return row
    from huike.sales.common import insert

    now = clock.now()
    s.execute(insert(s, GradingSettings).values(
        tenant_id=get_tenant(s), enabled=False, window_days=365, fallback_level=None, override_manual=False,
        created_at=now, updated_at=now).on_conflict_do_nothing())
    return s.scalars(sa.select(GradingSettings)).one()


def save(s: Session, actor: Actor, body: GradingUpdate) -> GradingRead:
    """Replace the tenant's grading settings and rules (audited `grading.update`). When enabled, the whole
    tenant is regraded at once in the same transaction (`changed` in the answer)."""
    require(actor, MANAGE)
    _check_levels(s, body)
    before = config(s)
    row = _ensure_row(s)
    # Lock the row (PostgreSQL): two admins saving at once replace the rules one after the other.
    s.execute(sa.select(GradingSettings.id).where(GradingSettings.id == row.id).with_for_update())
    row.enabled = body.enabled
    row.window_days = body.window_days
    row.fallback_level = (body.fallback_level or "").strip() or None
    row.override_manual = body.override_manual
    row.updated_at = clock.now()
    s.execute(sa.delete(GradingRule).execution_options(synchronize_session=False))
    for i, r in enumerate(body.rules):
        s.add(GradingRule(position=i, level=r.level.strip(), min_amount=to_decimal(r.min_amount),
                          within_days=r.within_days))
    s.flush()
    after = config(s)
    b, a = audit.diff(before.as_dict() if before.saved else {}, after.as_dict())
    if a:
        audit.record(s, "grading.update", "grading", row.id, actor=actor, before=b or None, after=a)
    changed = None
    if after.enabled:
        changed = regrade(s, after, actor=actor, trigger="save").changed
        after = config(s)
    return to_read(after, changed)


def apply(s: Session, actor: Actor) -> RunResult:
    """立即执行: regrade the whole tenant now with the saved rules (409 `grading_disabled` when off)."""
    require(actor, MANAGE)
    cfg = config(s)
    if not (cfg.saved and cfg.enabled):
        raise Conflict("grading_disabled")
    return regrade(s, cfg, actor=actor, trigger="apply")


def run_tenant(s: Session) -> int | None:
    """The daily job: regrade the tenant if grading is on (None when off)."""
    cfg = config(s)
    if not (cfg.saved and cfg.enabled):
        return None
    return regrade(s, cfg, trigger="daily").changed


def regrade_customer(s: Session, customer_id: int, actor: Actor | None = None) -> bool:
    """After one customer's purchases changed: regrade just that customer if grading is on. True if its
    level changed (timeline `level_changed`, audited `customer.auto_grade`)."""
    row = _row(s)
    if row is None or not row.enabled:
        return False
    cfg = config(s)
    return regrade(s, cfg, actor=actor, customer_id=customer_id, trigger="purchase").changed == 1


# ------------------------------------------------------------------ the set-based regrade
@dataclass
class RunResult:
    changed: int
    by_level: dict[str, int]


def _plan(tenant_id: int, cfg: Config, now: datetime, customer_id: int | None = None) -> sa.Select[Any]:
    """(id, old_level, new_level, amount) of every customer whose level the rules change: the window's sums
    of completed orders in one aggregate subquery, a CASE over the rules in order, the fallback (or the
    current level) when none matches. Explicit tenant conditions: Core statements are not rewritten."""
    cu = Customer.__table__.alias("cu")
    done = [Order.tenant_id == tenant_id, Order.status == "completed"]
    if cfg.window_days is not None:
        done.append(Order.deal_at >= now - timedelta(days=cfg.window_days))
    if customer_id is not None:
        done.append(Order.customer_id == customer_id)
    bought = (sa.select(Order.customer_id.label("customer_id"), sa.func.sum(Order.total).label("amount"))
              .where(*done).group_by(Order.customer_id).subquery("bought"))
    amount = sa.func.coalesce(bought.c.amount, sa.literal(ZERO, MoneyType()))
    whens = []
    for r in cfg.rules:
        cond = amount >= sa.literal(r.min_amount, MoneyType())
        if r.within_days:
            cond = sa.and_(cond, cu.c.last_purchase_at >= now - timedelta(days=r.within_days))
        whens.append((cond, sa.literal(r.level, sa.String())))
    other: Any = sa.literal(cfg.fallback_level, sa.String()) if cfg.fallback_level else cu.c.level
    new_level = sa.case(*whens, else_=other) if whens else other
    conds: list[Any] = [cu.c.tenant_id == tenant_id, cu.c.pool != "recycle_bin", new_level.is_not(None),
                        sa.or_(cu.c.level.is_(None), cu.c.level != new_level)]
    if not cfg.override_manual:
        conds.append(sa.or_(cu.c.level.is_(None), cu.c.level_source == "auto"))
    if customer_id is not None:
        conds.append(cu.c.id == customer_id)
    return (sa.select(cu.c.id.label("id"), cu.c.level.label("old_level"), new_level.label("new_level"),
                      amount.label("amount"))
            .select_from(cu.outerjoin(bought, bought.c.customer_id == cu.c.id)).where(*conds))


def _guard(tenant_id: int, cfg: Config) -> list[Any]:
    """Re-checked on the row the UPDATE writes (a concurrent hand edit in between wins)."""
    c = Customer.__table__.c
    conds = [c.tenant_id == tenant_id, c.pool != "recycle_bin"]
    if not cfg.override_manual:
        conds.append(sa.or_(c.level.is_(None), c.level_source == "auto"))
    return conds


def _values(now: datetime, new_level: Any) -> dict[str, Any]:
    c = Customer.__table__.c
    return {"level": new_level, "level_source": "auto", "version": c.version + 1, "updated_at": now}


def _event_data(cfg: Config, old: Any, new: Any, amount: Any) -> Any:
    window = sa.literal(cfg.window_days, sa.Integer()) if cfg.window_days is not None else sa.null()
    # `summary` ("普通客户 → 重要客户", names only): what the timeline shows for an event it has no words for
    summary = sa.func.coalesce(old, sa.literal("—")) + sa.literal(" → ") + new
    return json_object(sa.literal("from"), old, sa.literal("to"), new, sa.literal("amount"), money_text(amount),
                       sa.literal("window_days"), window, sa.literal("source"), sa.literal("auto"),
                       sa.literal("summary"), summary)


EVENT_COLUMNS = ["tenant_id", "customer_id", "type", "actor_id", "at", "data"]


def regrade(s: Session, cfg: Config, *, actor: Actor | None = None, customer_id: int | None = None,
            trigger: str = "apply", now: datetime | None = None) -> RunResult:
    """Apply the rules now (one customer or the whole tenant): levels, `level_source = 'auto'`, version,
    one `level_changed` event per change; audited (`customer.auto_grade`: per customer, or one entry with
    the counts for a whole-tenant run)."""
    now = now or clock.now()
    tenant_id = get_tenant(s)
    assert tenant_id is not None
    if not cfg.rules and not cfg.fallback_level:
        return _finish(s, cfg, actor, customer_id, trigger, now, RunResult(0, {}))
    if customer_id is not None:
        return _one(s, cfg, actor, tenant_id, customer_id, now, trigger)
    if s.get_bind().dialect.name == "postgresql":
        counts = _bulk_postgres(s, cfg, actor, tenant_id, now)
    else:
        counts = _bulk_sqlite(s, cfg, actor, tenant_id, now)
    return _finish(s, cfg, actor, None, trigger, now, RunResult(sum(counts.values()), counts))


def _one(s: Session, cfg: Config, actor: Actor | None, tenant_id: int, customer_id: int, now: datetime,
         trigger: str) -> RunResult:
    row = s.execute(_plan(tenant_id, cfg, now, customer_id)).first()
    if row is None:
        return RunResult(0, {})
    c = Customer.__table__.c
    moved = s.execute(sa.update(Customer.__table__)
                      .where(c.id == customer_id, c.level.is_not_distinct_from(row.old_level), *_guard(tenant_id, cfg))
                      .values(_values(now, row.new_level))).rowcount or 0
    if not moved:
        return RunResult(0, {})
    amount = format(to_decimal(row.amount or 0), "f")
    events.record(s, actor, [customer_id], EVENT, {"from": row.old_level, "to": row.new_level, "amount": amount,
                                                   "window_days": cfg.window_days, "source": "auto",
                                                   "summary": f"{row.old_level or '—'} → {row.new_level}"})
    audit.record(s, "customer.auto_grade", "customer", customer_id, actor=actor, actor_name=None if actor else "huike",
                 before={"level": row.old_level}, after={"level": row.new_level, "level_source": "auto",
                                                         "amount": amount, "trigger": trigger})
    return RunResult(1, {row.new_level: 1})


def _actor_id(actor: Actor | None) -> Any:
    return sa.literal(actor.employee_id, sa.BigInteger()) if actor else sa.null()


def _bulk_postgres(s: Session, cfg: Config, actor: Actor | None, tenant_id: int, now: datetime) -> dict[str, int]:
    """WITH plan AS (…), changed AS (UPDATE … FROM plan RETURNING …), ev AS (INSERT INTO customer_events
    SELECT … FROM changed) SELECT new_level, count(*) FROM changed GROUP BY new_level — one statement."""
    plan = _plan(tenant_id, cfg, now).cte("plan")
    ct = Customer.__table__
    changed = (sa.update(ct)
               .where(ct.c.id == plan.c.id, ct.c.level.is_not_distinct_from(plan.c.old_level), *_guard(tenant_id, cfg))
               .values(_values(now, plan.c.new_level))
               .returning(ct.c.id.label("customer_id"), plan.c.old_level, plan.c.new_level, plan.c.amount)
               .cte("changed"))
    ev = sa.insert(CustomerEvent.__table__).from_select(EVENT_COLUMNS, sa.select(
        sa.literal(tenant_id, sa.BigInteger()), changed.c.customer_id, sa.literal(EVENT), _actor_id(actor),
        sa.literal(now, UTCDateTime()), _event_data(cfg, changed.c.old_level, changed.c.new_level, changed.c.amount),
    )).cte("ev")
    stmt = (sa.select(changed.c.new_level, sa.func.count()).group_by(changed.c.new_level).add_cte(ev))
    return {level: int(n) for level, n in s.execute(stmt).all()}


def _bulk_sqlite(s: Session, cfg: Config, actor: Actor | None, tenant_id: int, now: datetime) -> dict[str, int]:
    """SQLite: the transaction holds the database's write lock (BEGIN IMMEDIATE), so the counts and events
    read from the plan are exactly the rows the UPDATE then changes."""
    plan = _plan(tenant_id, cfg, now).subquery("plan")
    counts = {level: int(n) for level, n in
              s.execute(sa.select(plan.c.new_level, sa.func.count()).group_by(plan.c.new_level)).all()}
    if not counts:
        return {}
    s.execute(sa.insert(CustomerEvent.__table__).from_select(EVENT_COLUMNS, sa.select(
        sa.literal(tenant_id, sa.BigInteger()), plan.c.id, sa.literal(EVENT), _actor_id(actor),
        sa.literal(now, UTCDateTime()), _event_data(cfg, plan.c.old_level, plan.c.new_level, plan.c.amount))))
    ct = Customer.__table__
    moved = s.execute(sa.update(ct)
                      .where(ct.c.id == plan.c.id, ct.c.level.is_not_distinct_from(plan.c.old_level),
                             *_guard(tenant_id, cfg))
                      .values(_values(now, plan.c.new_level))).rowcount
    assert moved == sum(counts.values()), (moved, counts)
    return counts


def _finish(s: Session, cfg: Config, actor: Actor | None, customer_id: int | None, trigger: str, now: datetime,
            result: RunResult) -> RunResult:
    if customer_id is not None:
        return result
    # A whole-tenant run: remembered on the settings row, and one audit entry with its counts (the daily
    # job only when it changed something).
    row = _row(s)
    if row is not None:
        row.last_run_at = now
        row.last_run_changed = result.changed
        s.flush()
    if result.changed or trigger != "daily":
        audit.record(s, "customer.auto_grade", "grading", None, actor=actor, actor_name=None if actor else "huike",
                     after={"trigger": trigger, "changed": result.changed, "by_level": result.by_level,
                            "window_days": cfg.window_days})
    return result


# ------------------------------------------------------------------ the level dictionary
def rename_level(s: Session, old: str, new: str) -> None:
    """A renamed level: the rules and the fallback follow (called by `dictionary.service.update_item`)."""
    s.execute(sa.update(GradingRule).where(GradingRule.level == old).values(level=new)
              .execution_options(synchronize_session=False))
    s.execute(sa.update(GradingSettings).where(GradingSettings.fallback_level == old).values(fallback_level=new)
              .execution_options(synchronize_session=False))


def uses_level(s: Session, name: str) -> bool:
    """Whether the saved grading rules or fallback name this level (it may then not be deleted)."""
    return s.scalar(sa.select(sa.literal(1)).where(sa.or_(
        sa.exists().where(GradingRule.level == name),
        sa.exists().where(GradingSettings.fallback_level == name)))) is not None
