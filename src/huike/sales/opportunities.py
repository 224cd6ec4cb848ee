"""Opportunities (销售机会 / 商机, SALES-1/3/4/5): create, edit, advance a stage with a note (timeline),
lists 新机会 / 已成单 / 已丢单 with quick search, monthly totals, the funnel, and the rule
"restrict manual won" (SALES-3) — see sales.orders for the automatic won of a completed order."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import customer_scope, require
from huike.authz.actor import Actor
from huike.customer.models import Customer
from huike.followup.access import ensure_can_work
from huike.kit import clock
from huike.kit.errors import Conflict, Invalid
from huike.pool import events
from huike.sales import settings
from huike.sales.common import (
    NO_RANGE,
    ZERO,
    DateRange,
    changed,
    day_start,
    employee_for,
    in_range,
    money,
    names,
    newest_first,
    next_number,
    record_of,
    visible_customer,
    workable,
)
from huike.sales.models import (
    Contract,
    LostReason,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
    Order,
)
from huike.sales.schemas import (
    Advance,
    Funnel,
    FunnelStage,
    MonthlySummary,
    OpportunityCreate,
    OpportunityRead,
    OpportunityUpdate,
    StageChangeRead,
    Total,
)

TRACKED = ("name", "amount", "win_rate", "expected_close_date", "notes", "owner_id", "stage_id", "status")


def _dict(o: Opportunity) -> dict[str, Any]:
    return {k: getattr(o, k) for k in TRACKED}


def _like(q: str) -> str:
    return "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _stage(s: Session, stage_id: int) -> OpportunityStage:
    st = s.get(OpportunityStage, stage_id)
    if st is None or not st.enabled:
        raise Invalid("invalid_stage")
    return st


def _change(s: Session, actor: Actor | None, o: Opportunity, frm: OpportunityStage | None, to: OpportunityStage,
            note: str | None, *, automatic: bool = False, lost_reason_id: int | None = None) -> None:
    s.add(OpportunityStageChange(opportunity_id=o.id, customer_id=o.customer_id,
                                 from_stage_id=frm.id if frm else None, to_stage_id=to.id,
                                 from_status=frm.kind if frm else None, to_status=to.kind, note=note,
                                 lost_reason_id=lost_reason_id, automatic=automatic,
                                 actor_id=actor.employee_id if actor else None, at=clock.now()))


# ------------------------------------------------------------------ create / edit / delete
def create(s: Session, actor: Actor, customer_id: int, body: OpportunityCreate) -> Opportunity:
    c = workable(s, actor, customer_id, "opportunity.edit")
    cfg = settings.ensure(s)
    if body.stage_id is None:
        st = s.scalars(sa.select(OpportunityStage).where(OpportunityStage.kind == "open", OpportunityStage.enabled)
                       .order_by(OpportunityStage.position).limit(1)).first()
        if st is None:
            raise Invalid("invalid_stage")
    else:
        st = _stage(s, body.stage_id)
    if st.kind == "lost":
        raise Invalid("invalid_stage")
    if st.kind == "won" and cfg.restrict_manual_won:
        raise Conflict("manual_won_restricted")
    owner = employee_for(s, actor, body.owner_id)
    now = clock.now()
    o = Opportunity(number=next_number(s, "opportunity"), name=body.name.strip(), customer_id=c.id, owner_id=owner.id,
                    department_id=owner.department_id, amount=money(body.amount), stage_id=st.id, status=st.kind,
                    win_rate=st.win_rate if st.kind != "open" or body.win_rate is None else body.win_rate,
                    expected_close_date=body.expected_close_date, notes=body.notes, stage_changed_at=now,
                    won_at=now if st.kind == "won" else None, created_by_id=actor.employee_id,
                    created_at=now, updated_at=now)
    s.add(o)
    s.flush()
    _change(s, actor, o, None, st, None)
    s.execute(sa.update(Customer).where(Customer.id == c.id).values(last_opportunity_at=now)
              .execution_options(synchronize_session=False))
    s.expire(c)
    events.record(s, actor, [c.id], "opportunity_created", {
        "opportunity_id": o.id, "number": o.number, "name": o.name, "amount": str(o.amount), "stage": st.name})
    audit.record(s, "opportunity.create", "opportunity", o.id, actor=actor,
                 after={"number": o.number, "customer_id": c.id, **_dict(o)})
    return o


def _get(s: Session, actor: Actor, opportunity_id: int, perm: str) -> tuple[Opportunity, Customer]:
    require(actor, perm)
    return record_of(s, actor, Opportunity, opportunity_id)


def get(s: Session, actor: Actor, opportunity_id: int) -> Opportunity:
    return _get(s, actor, opportunity_id, "opportunity.view")[0]


def update(s: Session, actor: Actor, opportunity_id: int, body: OpportunityUpdate) -> Opportunity:
    o, c = _get(s, actor, opportunity_id, "opportunity.edit")
    ensure_can_work(actor, c)
    data = {k: v for k, v in body.model_dump(exclude_unset=True).items()
            if v is not None or k in ("expected_close_date", "notes")}
    if "amount" in data:
        data["amount"] = money(data["amount"])
        if data["amount"] != o.amount and o.status == "won" and settings.restricted(s):
            raise Conflict("amount_read_only")
    if "win_rate" in data and data["win_rate"] != o.win_rate and o.status != "open":
        raise Conflict("win_rate_fixed")
    if "owner_id" in data:
        data["owner_id"] = employee_for(s, actor, data["owner_id"]).id
    if "name" in data:
        data["name"] = data["name"].strip()
    before = _dict(o)
    for k, v in data.items():
        setattr(o, k, v)
    b, a = audit.diff(before, _dict(o))
    if a:
        o.updated_at = clock.now()
        s.flush()
        events.record(s, actor, [o.customer_id], "opportunity_updated", {
            "opportunity_id": o.id, "number": o.number, "name": o.name, "fields": sorted(a)})
        audit.record(s, "opportunity.update", "opportunity", o.id, actor=actor, before=b, after=a)
    return o


def delete(s: Session, actor: Actor, opportunity_id: int) -> None:
    o, c = _get(s, actor, opportunity_id, "opportunity.edit")
    ensure_can_work(actor, c)
    linked = s.scalar(sa.select(sa.func.count()).select_from(Order).where(Order.opportunity_id == o.id)) or 0
    linked += s.scalar(sa.select(sa.func.count()).select_from(Contract).where(Contract.opportunity_id == o.id)) or 0
    if linked:
        raise Conflict("opportunity_in_use")
    if o.status == "won" and settings.restricted(s):
        raise Conflict("opportunity_won_locked")
    snapshot = {"number": o.number, "customer_id": o.customer_id, **_dict(o)}
    s.delete(o)
    s.flush()
    events.record(s, actor, [snapshot["customer_id"]], "opportunity_deleted", {
        "opportunity_id": opportunity_id, "number": snapshot["number"], "name": snapshot["name"]})
    audit.record(s, "opportunity.delete", "opportunity", opportunity_id, actor=actor, before=snapshot)


# ------------------------------------------------------------------ stage moves
def _move(s: Session, actor: Actor | None, o: Opportunity, to: OpportunityStage, *, note: str | None,
          win_rate: int | None = None, lost_reason_id: int | None = None, lost_note: str | None = None,
          automatic: bool = False) -> OpportunityStage:
    """The guarded single UPDATE of a stage move (WHERE stage_id = the stage we read), its history row
    and its timeline event. 409 state_changed when someone moved it first."""
    frm = s.get_one(OpportunityStage, o.stage_id)
    now = clock.now()
    values: dict[str, Any] = {"stage_id": to.id, "status": to.kind, "stage_changed_at": now, "updated_at": now,
                              "win_rate": to.win_rate if to.kind != "open" or win_rate is None else win_rate}
    if to.kind == "won":
        values.update(won_at=now, lost_at=None, lost_reason_id=None, lost_note=None)
    elif to.kind == "lost":
        values.update(lost_at=now, won_at=None, lost_reason_id=lost_reason_id, lost_note=lost_note)
    else:
        values.update(won_at=None, lost_at=None, lost_reason_id=None, lost_note=None)
    moved = changed(s, sa.update(Opportunity).where(Opportunity.id == o.id, Opportunity.stage_id == frm.id)
                    .values(**values).execution_options(synchronize_session=False))
    if moved != 1:
        raise Conflict("state_changed")
    _change(s, actor, o, frm, to, note, automatic=automatic, lost_reason_id=lost_reason_id)
    kind = {"won": "opportunity_won", "lost": "opportunity_lost"}.get(to.kind, "opportunity_stage_changed")
    data: dict[str, Any] = {"opportunity_id": o.id, "number": o.number, "name": o.name, "from_stage": frm.name,
                            "to_stage": to.name, "note": note, "automatic": automatic}
    if lost_reason_id is not None:
        data["lost_reason"] = s.get_one(LostReason, lost_reason_id).name
    events.record(s, actor, [o.customer_id], kind, data)
    audit.record(s, "opportunity.advance", "opportunity", o.id, actor=actor,
                 before={"stage_id": frm.id, "status": frm.kind, "win_rate": o.win_rate},
                 after={"stage_id": to.id, "status": to.kind, "win_rate": values["win_rate"], "note": note,
                        "automatic": automatic, "lost_reason_id": lost_reason_id})
    s.expire(o)
    return frm


def advance(s: Session, actor: Actor, opportunity_id: int, body: Advance) -> Opportunity:
    o, c = _get(s, actor, opportunity_id, "opportunity.edit")
    ensure_can_work(actor, c)
    to = _stage(s, body.stage_id)
    if to.id == o.stage_id:
        raise Conflict("same_stage")
    if settings.restricted(s):
        if o.status == "won":
            raise Conflict("opportunity_won_locked")
        if to.kind == "won":
            raise Conflict("manual_won_restricted")
    reason_id = None
    if to.kind == "lost":
        if body.lost_reason_id is None:
            raise Invalid("lost_reason_required")
        r = s.get(LostReason, body.lost_reason_id)
        if r is None or not r.enabled:
            raise Invalid("invalid_lost_reason")
        reason_id = r.id
    _move(s, actor, o, to, note=body.note.strip(), win_rate=body.win_rate, lost_reason_id=reason_id,
          lost_note=body.note.strip() if to.kind == "lost" else None)
    return s.get_one(Opportunity, o.id)


def completed_total(s: Session, opportunity_id: int) -> Decimal:
    return money(s.scalar(sa.select(sa.func.coalesce(sa.func.sum(Order.total), 0))
                          .where(Order.opportunity_id == opportunity_id, Order.status == "completed")))


def sync_amount(s: Session, opportunity_id: int) -> tuple[Decimal, Decimal]:
    """Restricted & won: amount = Σ completed orders (one statement). Returns (before, after)."""
    before = money(s.scalar(sa.select(Opportunity.amount).where(Opportunity.id == opportunity_id)))
    total = sa.select(sa.func.coalesce(sa.func.sum(Order.total), 0)).where(
        Order.opportunity_id == opportunity_id, Order.status == "completed").scalar_subquery()
    s.execute(sa.update(Opportunity).where(Opportunity.id == opportunity_id).values(amount=total)
              .execution_options(synchronize_session=False))
    after = completed_total(s, opportunity_id)
    return before, after


def order_completed(s: Session, actor: Actor | None, opportunity_id: int, order_number: str) -> None:
    """SALES-3, restrict on: a linked order completed → the opportunity is won (automatically) and its
    amount is the sum of its completed orders. Off: nothing moves by itself."""
    if not settings.restricted(s):
        return
    o = s.get(Opportunity, opportunity_id)
    if o is None:
        return
    if o.status != "won":
        _move(s, actor, o, settings.stage_of_kind(s, "won"), note=f"关联订单 {order_number} 已完成", automatic=True)
    before, after = sync_amount(s, opportunity_id)
    if before != after:
        audit.record(s, "opportunity.amount_sync", "opportunity", opportunity_id, actor=actor,
                     before={"amount": before}, after={"amount": after})
    s.expire_all()


def reconcile_restricted(s: Session, actor: Actor) -> dict[str, int]:
    """Switching restrict-manual-won on: open opportunities with a completed order become won; won
    ones with completed orders take their sum as amount; won ones without keep theirs; lost stay lost."""
    with_orders = sa.select(Order.opportunity_id).where(Order.status == "completed",
                                                        Order.opportunity_id.is_not(None)).distinct()
    won_stage = settings.stage_of_kind(s, "won")
    won = 0
    for o in list(s.scalars(sa.select(Opportunity).where(Opportunity.status == "open",
                                                         Opportunity.id.in_(with_orders)))):
        _move(s, actor, o, won_stage, note="开启“限制手动切换成单”：已有已完成的关联订单", automatic=True)
        won += 1
    synced = 0
    for oid in list(s.scalars(sa.select(Opportunity.id).where(Opportunity.status == "won",
                                                               Opportunity.id.in_(with_orders)))):
        before, after = sync_amount(s, oid)
        if before != after:
            synced += 1
            audit.record(s, "opportunity.amount_sync", "opportunity", oid, actor=actor,
                         before={"amount": before}, after={"amount": after})
    s.expire_all()
    return {"won": won, "amounts_synced": synced}


# ------------------------------------------------------------------ lists
def _scoped(actor: Actor) -> sa.Select[Any]:
    return sa.select(Opportunity).join(Customer, Customer.id == Opportunity.customer_id).where(customer_scope(actor))


def list_(s: Session, actor: Actor, *, status: str | None = None, q: str | None = None,
          customer_id: int | None = None, owner_id: int | None = None, stage_id: int | None = None,
          created: DateRange = NO_RANGE, expected_close: DateRange = NO_RANGE, won: DateRange = NO_RANGE,
          lost: DateRange = NO_RANGE, cursor: str | None = None,
          limit: int = 50) -> tuple[list[Opportunity], str | None]:
    """Date ranges are whole Asia/Shanghai days, inclusive: created_at, expected_close_date, won_at, lost_at
    (a won / lost range only finds opportunities that are won / lost now: moving back clears the date)."""
    require(actor, "opportunity.view")
    if customer_id is not None:
        visible_customer(s, actor, customer_id)
    stmt = _scoped(actor)
    if status:
        stmt = stmt.where(Opportunity.status == status)
    if customer_id is not None:
        stmt = stmt.where(Opportunity.customer_id == customer_id)
    if owner_id is not None:
        stmt = stmt.where(Opportunity.owner_id == owner_id)
    if stage_id is not None:
        stmt = stmt.where(Opportunity.stage_id == stage_id)
    stmt = stmt.where(*in_range(Opportunity.created_at, created),
                      *in_range(Opportunity.expected_close_date, expected_close),
                      *in_range(Opportunity.won_at, won), *in_range(Opportunity.lost_at, lost))
    if q and q.strip():
        pat = _like(q.strip())
        stmt = stmt.where(sa.or_(sa.func.lower(Opportunity.number).like(pat, escape="\\"),
                                 sa.func.lower(Opportunity.name).like(pat, escape="\\"),
                                 sa.func.lower(Customer.name).like(pat, escape="\\")))
    return newest_first(s, stmt, Opportunity.id, cursor, limit)


def history(s: Session, actor: Actor, opportunity_id: int) -> list[StageChangeRead]:
    o = get(s, actor, opportunity_id)
    rows = list(s.scalars(sa.select(OpportunityStageChange).where(OpportunityStageChange.opportunity_id == o.id)
                          .order_by(OpportunityStageChange.id)))
    stage_names = names(s, {r.from_stage_id for r in rows} | {r.to_stage_id for r in rows}, OpportunityStage)
    reasons = names(s, {r.lost_reason_id for r in rows}, LostReason)
    actors = names(s, {r.actor_id for r in rows})
    return [StageChangeRead(id=r.id, from_stage_id=r.from_stage_id,
                            from_stage_name=stage_names.get(r.from_stage_id) if r.from_stage_id else None,
                            to_stage_id=r.to_stage_id, to_stage_name=stage_names.get(r.to_stage_id),
                            from_status=r.from_status, to_status=r.to_status, note=r.note,
                            lost_reason=reasons.get(r.lost_reason_id) if r.lost_reason_id else None,
                            automatic=r.automatic, actor_id=r.actor_id,
                            actor_name=actors.get(r.actor_id) if r.actor_id else None, at=r.at) for r in rows]


def _period(month: str | None, since: date | None, until: date | None) -> tuple[str | None, date, date]:
    """The summary's days: a month (YYYY-MM, default this month, Asia/Shanghai) or since…until inclusive."""
    if since is not None or until is not None:
        if month is not None:
            raise Invalid("invalid_period", reason="month or since/until", errors=[
                {"field": "month", "code": "with_range", "message": "give a month or since/until, not both"}])
        if since is None or until is None:
            raise Invalid("invalid_period", reason="since, until", errors=[
                {"field": "since" if since is None else "until", "code": "missing",
                 "message": "a range needs since and until"}])
        if until < since:
            raise Invalid("invalid_period", reason="until < since", errors=[
                {"field": "until", "code": "before_since", "message": "until is before since"}])
        if (until - since).days > 3660:
            raise Invalid("invalid_period", reason="> 10 years", errors=[
                {"field": "until", "code": "too_long", "message": "at most ten years"}])
        return None, since, until
    today = clock.today()
    if month is None:
        y, m = today.year, today.month
    else:
        try:
            y, m = (int(x) for x in month.split("-"))
            date(y, m, 1)
        except ValueError:
            raise Invalid("invalid_period") from None
    first = date(y, m, 1)
    return f"{y:04d}-{m:02d}", first, date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)


def summary(s: Session, actor: Actor, month: str | None, owner_id: int | None = None, *,
            since: date | None = None, until: date | None = None) -> MonthlySummary:
    """Totals of a period (SALES-4), a month by default: new = created in it, won = won_at in it, lost =
    lost_at in it — the same opportunities as the list with created_/won_/lost_ from…to set to the period."""
    require(actor, "opportunity.view")
    label, first, last = _period(month, since, until)
    start, end = day_start(first), day_start(last + timedelta(days=1))

    def total(col: Any, extra: Any = None) -> Total:
        stmt = (sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Opportunity.amount), 0))
                .join(Customer, Customer.id == Opportunity.customer_id)
                .where(customer_scope(actor), col >= start, col < end))
        if extra is not None:
            stmt = stmt.where(extra)
        if owner_id is not None:
            stmt = stmt.where(Opportunity.owner_id == owner_id)
        n, amount = s.execute(stmt).one()
        return Total(count=n, amount=money(amount))

    return MonthlySummary(month=label, since=first, until=last, new=total(Opportunity.created_at),
                          won=total(Opportunity.won_at, Opportunity.status == "won"),
                          lost=total(Opportunity.lost_at, Opportunity.status == "lost"))


def funnel(s: Session, actor: Actor, owner_id: int | None = None) -> Funnel:
    """Per stage: count, amount and amount weighted by each opportunity's win rate; forecast = Σ open weighted."""
    require(actor, "opportunity.view")
    all_stages = settings.stages(s)
    stmt = (sa.select(Opportunity.stage_id, Opportunity.amount, Opportunity.win_rate)
            .join(Customer, Customer.id == Opportunity.customer_id).where(customer_scope(actor)))
    if owner_id is not None:
        stmt = stmt.where(Opportunity.owner_id == owner_id)
    per: dict[int, list[Decimal]] = {st.id: [Decimal(0), ZERO, ZERO] for st in all_stages}
    for stage_id, amount, rate in s.execute(stmt):
        row = per.setdefault(stage_id, [Decimal(0), ZERO, ZERO])
        row[0] += 1
        row[1] += money(amount)
        row[2] += money(amount) * rate / 100
    out = [FunnelStage(stage_id=st.id, name=st.name, kind=st.kind, win_rate=st.win_rate,  # type: ignore[arg-type]
                       count=int(per[st.id][0]), amount=money(per[st.id][1]), weighted_amount=money(per[st.id][2]))
           for st in all_stages if st.enabled or per[st.id][0]]
    open_rows = [x for x in out if x.kind == "open"]
    return Funnel(stages=out, open_amount=money(sum((x.amount for x in open_rows), ZERO)),
                  forecast=money(sum((per[x.stage_id][2] for x in open_rows), ZERO)))


# ------------------------------------------------------------------ reading
def read_many(s: Session, rows: list[Opportunity]) -> list[OpportunityRead]:
    if not rows:
        return []
    restricted = settings.restricted(s)
    ids = [o.id for o in rows]
    people = names(s, {o.owner_id for o in rows})
    customers = names(s, {o.customer_id for o in rows}, Customer)
    stage_rows = {st.id: st for st in s.scalars(sa.select(OpportunityStage))}
    reasons = names(s, {o.lost_reason_id for o in rows}, LostReason)
    done = {oid: (n, money(t)) for oid, n, t in s.execute(
        sa.select(Order.opportunity_id, sa.func.count(), sa.func.coalesce(sa.func.sum(
            sa.case((Order.status == "completed", Order.total), else_=0)), 0))
        .where(Order.opportunity_id.in_(ids), Order.status != "cancelled").group_by(Order.opportunity_id))}
    out = []
    for o in rows:
        n, total = done.get(o.id, (0, ZERO))
        locked = restricted and o.status == "won"
        st = stage_rows.get(o.stage_id)
        out.append(OpportunityRead(
            id=o.id, number=o.number, name=o.name, customer_id=o.customer_id, customer_name=customers.get(o.customer_id),
            owner_id=o.owner_id, owner_name=people.get(o.owner_id), amount=money(o.amount), stage_id=o.stage_id,
            stage_name=st.name if st else None, status=o.status, win_rate=o.win_rate,  # type: ignore[arg-type]
            weighted_amount=money(money(o.amount) * o.win_rate / 100),
            expected_close_date=o.expected_close_date, notes=o.notes, lost_reason_id=o.lost_reason_id,
            lost_reason=reasons.get(o.lost_reason_id) if o.lost_reason_id else None, lost_note=o.lost_note,
            stage_changed_at=o.stage_changed_at, won_at=o.won_at, lost_at=o.lost_at, created_by_id=o.created_by_id,
            created_at=o.created_at, updated_at=o.updated_at, amount_editable=not locked, stage_editable=not locked,
            completed_orders_total=total, orders=n))
    return out


def linkable(s: Session, customer_id: int, opportunity_id: int) -> Opportunity:
    """An opportunity an order or contract of `customer_id` may link: same tenant (404), same customer
    (422 opportunity_mismatch), not lost (409 opportunity_lost)."""
    from huike.kit.errors import NotFound

    o = s.get(Opportunity, opportunity_id)
    if o is None:
        raise NotFound()
    if o.customer_id != customer_id:
        raise Invalid("opportunity_mismatch")
    if o.status == "lost":
        raise Conflict("opportunity_lost")
    return o
