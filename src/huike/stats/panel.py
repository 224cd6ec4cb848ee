"""The work panel (工作台, SALES-9): each employee chooses which KPI cards are shown, and in which order.

A card is one figure with its drill target, computed like the statistics: customer cards are the exact
count of their customer list (`find.service.count`, the code of `GET /customers/count`); the others
count the rows of their list route under `authz.customer_scope`. The whole-list customer cards (new this
month, the public pool) are counted from the statistics rollup like `GET /stats/customers` (the same
count). Days and months are Asia/Shanghai."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import customer_scope, require
from huike.authz.actor import Actor
from huike.customer.models import Customer
from huike.find import service as find
from huike.find.schemas import Filter
from huike.followup.models import Followup
from huike.kit import clock
from huike.kit.errors import Invalid
from huike.pool import recycle
from huike.pool.models import RecycleRule
from huike.sales.models import Opportunity, Order, Payment
from huike.stats import service
from huike.stats.models import WorkPanel
from huike.stats.schemas import Card, Figure, Panel, PanelLayout, PanelLayoutBody
from huike.task.models import Task, TaskItem

RECYCLE_SOON_DAYS = 7  # the default window of GET /customers/recycle-soon


@dataclass(frozen=True)
class CardDef:
    perms: tuple[str, ...]
    kind: str  # count | amount
    compute: Callable[[Session, Actor], Figure]


# ------------------------------------------------------------------ customer cards
def _customers(pool: str, *conds: Callable[[], dict[str, Any]]) -> Callable[[Session, Actor], Figure]:
    def compute(s: Session, actor: Actor) -> Figure:
        conditions = [c() for c in conds]
        if pool in ("all", "public") and conds in ((), (_month,)):
            # whole lists: counted from the statistics rollup (stats.service.customer_count)
            n = service.customer_count(s, actor, pool, service.period("this_month") if conds else None)
        else:
            flt = Filter.model_validate({"conditions": conditions}) if conditions else None
            n, _ = find.count(s, actor, pool, flt=flt, exact=True)
        return Figure(count=n, drill=service.customers_drill(pool, conditions))
    return compute


def _month() -> dict[str, Any]:
    return service.c_created(service.period("this_month"))


def _recycle_soon(s: Session, actor: Actor) -> Figure:
    """What GET /customers/recycle-soon lists (its default window): customers of the caller's scope that
    an enabled recycle rule takes within 7 days; a salesperson's own only."""
    require(actor, "customer.view")
    now = clock.now()
    conds = [sa.and_(*recycle.soon_conditions(s, r, now, RECYCLE_SOON_DAYS))
             for r in s.scalars(sa.select(RecycleRule).where(RecycleRule.enabled))]
    n = 0
    if conds:
        stmt = sa.select(sa.func.count()).select_from(Customer).where(customer_scope(actor), sa.or_(*conds))
        if actor.is_sales:
            stmt = stmt.where(Customer.owner_id == actor.employee_id)
        n = s.scalar(stmt) or 0
    return Figure(count=n, drill=service.drill("recycle_soon", "/customers/recycle-soon",
                                               {"within_days": RECYCLE_SOON_DAYS}))


# ------------------------------------------------------------------ work cards
def _followups(days: str, mine: bool = True) -> Callable[[Session, Actor], Figure]:
    def compute(s: Session, actor: Actor) -> Figure:
        start, end = service.bounds(service.period(days))
        stmt = service.in_scope(sa.select(sa.func.count()).select_from(Followup), actor, Followup.customer_id) \
            .where(Followup.at >= start, Followup.at < end)
        if mine:
            stmt = stmt.where(Followup.author_id == actor.employee_id)
        return Figure(count=s.scalar(stmt) or 0, drill=service.drill("followups", "/followups", {
            "mine": True if mine else None, "since": service._iso(start), "until": service._iso(end)}))
    return compute


def _tasks_todo(s: Session, actor: Actor) -> Figure:
    """我待办的 as GET /tasks/todo lists it by default: open tasks where the caller has customers to do."""
    stmt = sa.select(sa.func.count()).select_from(Task).where(
        sa.exists().where(TaskItem.task_id == Task.id, TaskItem.handler_id == actor.employee_id,
                          TaskItem.status == "pending"), Task.status == "open")
    return Figure(count=s.scalar(stmt) or 0, drill=service.drill("tasks", "/tasks/todo", {}))


# ------------------------------------------------------------------ sales cards
def _open_opportunities(mine: bool) -> Callable[[Session, Actor], Figure]:
    def compute(s: Session, actor: Actor) -> Figure:
        stmt = service.in_scope(sa.select(sa.func.count(), sa.func.sum(Opportunity.amount)).select_from(Opportunity),
                                actor, Opportunity.customer_id).where(Opportunity.status == "open")
        if mine:
            stmt = stmt.where(Opportunity.owner_id == actor.employee_id)
        n, amount = s.execute(stmt).one()
        return Figure(count=n, amount=service.money(amount), drill=service.drill(
            "opportunities", "/opportunities", {"status": "open", "mine": True if mine else None}))
    return compute


def _deals_month(mine: bool) -> Callable[[Session, Actor], Figure]:
    def compute(s: Session, actor: Actor) -> Figure:
        start, end = service.bounds(service.period("this_month"))
        stmt = service.in_scope(sa.select(sa.func.count(), sa.func.sum(Order.total)).select_from(Order), actor,
                                Order.customer_id) \
            .where(Order.status == "completed", Order.deal_at >= start, Order.deal_at < end)
        if mine:
            stmt = stmt.where(Order.staff_id == actor.employee_id)
        n, amount = s.execute(stmt).one()
        return Figure(count=n, amount=service.money(amount), drill=service.drill("orders", "/orders", {
            "status": "completed", "staff_id": actor.employee_id if mine else None,
            "since": service._iso(start), "until": service._iso(end)}))
    return compute


def _payments_month(s: Session, actor: Actor) -> Figure:
    p = service.period("this_month")
    until = p.until + timedelta(days=1)
    stmt = service.in_scope(sa.select(sa.func.count(), sa.func.sum(Payment.amount)).select_from(Payment), actor,
                            Payment.customer_id) \
        .where(Payment.received_on >= p.since, Payment.received_on < until)
    n, amount = s.execute(stmt).one()
    return Figure(count=n, amount=service.money(amount), drill=service.drill("payments", "/payments", {
        "since": p.since.isoformat(), "until": until.isoformat()}))


V = ("customer.view",)
CARDS: dict[str, CardDef] = {
    "my_customers": CardDef(V, "count", _customers("mine")),
    "my_new_customers_month": CardDef(V, "count", _customers("mine", _month)),
    "new_customers_month": CardDef(V, "count", _customers("all", _month)),
    "assisting_customers": CardDef(V, "count", _customers("assisting")),
    "focus_customers": CardDef(V, "count", _customers("focus")),
    "public_customers": CardDef(V, "count", _customers("public")),
    "recycle_soon": CardDef(V, "count", _recycle_soon),
    "followups_today": CardDef(V, "count", _followups("today")),
    "my_followups_month": CardDef(V, "count", _followups("this_month")),
    "tasks_todo": CardDef((), "count", _tasks_todo),
    "open_opportunities": CardDef(("opportunity.view",), "amount", _open_opportunities(False)),
    "my_open_opportunities": CardDef(("opportunity.view",), "amount", _open_opportunities(True)),
    "won_amount_month": CardDef(("order.view",), "amount", _deals_month(False)),
    "my_deals_month": CardDef(("order.view",), "amount", _deals_month(True)),
    "payments_month": CardDef(("contract.view",), "amount", _payments_month),
}
SALES_DEFAULT = ["my_customers", "my_new_customers_month", "followups_today", "tasks_todo", "my_open_opportunities",
                 "my_deals_month", "recycle_soon", "public_customers"]
MANAGER_DEFAULT = ["new_customers_month", "my_customers", "followups_today", "tasks_todo", "open_opportunities",
                   "won_amount_month", "payments_month", "recycle_soon"]


def available(actor: Actor) -> list[str]:
    return [k for k, c in CARDS.items() if all(actor.can(p) for p in c.perms)]


def _row(s: Session, actor: Actor) -> WorkPanel | None:
    return s.scalar(sa.select(WorkPanel).where(WorkPanel.employee_id == actor.employee_id))


def layout(s: Session, actor: Actor) -> PanelLayout:
    require(actor, "stats.view")
    allowed = available(actor)
    row = _row(s, actor)
    if row is None:
        chosen = [k for k in (SALES_DEFAULT if actor.is_sales else MANAGER_DEFAULT) if k in allowed]
    else:  # a card whose permission the role lost is left out
        chosen = [k for k in row.cards if k in allowed]
    return PanelLayout(cards=chosen, available=allowed, is_default=row is None)  # type: ignore[arg-type]


def panel(s: Session, actor: Actor) -> Panel:
    lay = layout(s, actor)
    values = [Card(key=k, kind=CARDS[k].kind, figure=CARDS[k].compute(s, actor)) for k in lay.cards]  # type: ignore[arg-type]
    return Panel(**lay.model_dump(), values=values)


def put_layout(s: Session, actor: Actor, body: PanelLayoutBody) -> PanelLayout:
    require(actor, "stats.view")
    allowed = set(available(actor))
    cards = list(dict.fromkeys(body.cards))
    bad = [(i, k) for i, k in enumerate(body.cards) if k not in allowed]
    if bad:
        raise Invalid("invalid_card", card=bad[0][1], errors=[
            {"field": f"cards.{i}", "code": "invalid_card", "message": k} for i, k in bad])
    row = _row(s, actor)
    before = list(row.cards) if row is not None else None
    if row is None:
        row = WorkPanel(employee_id=actor.employee_id, cards=cards)
        s.add(row)
    else:
        row.cards = cards
        row.updated_at = clock.now()
    s.flush()
    audit.record(s, "work_panel.update", "work_panel", row.id, actor=actor,
                 before={"cards": before} if before is not None else None, after={"cards": cards})
    return layout(s, actor)


def reset_layout(s: Session, actor: Actor) -> None:
    require(actor, "stats.view")
    row = _row(s, actor)
    if row is None:
        return
    audit.record(s, "work_panel.reset", "work_panel", row.id, actor=actor, before={"cards": list(row.cards)})
    s.delete(row)
    s.flush()
