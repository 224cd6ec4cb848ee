"""Return visits (回访, WORK-9): plans (type, time, topic, owner) and records (actual time, method,
content, feedback, satisfaction of four grades, problems, actions); statistics per owner and month
with satisfaction shares. Everything is read through the customers' data scope."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import customer_scope, require, units_in_scope
from huike.authz.actor import Actor
from huike.customer.models import Customer
from huike.customer.service import get_visible
from huike.followup.access import ensure_can_work, is_mine
from huike.kit import clock
from huike.kit.errors import Conflict, Forbidden, Invalid, NotFound
from huike.kit.pagination import decode_cursor, encode_cursor
from huike.org.models import Employee
from huike.pool import events
from huike.visit.models import SATISFACTION, VisitPlan, VisitRecord
from huike.visit.schemas import (
    OwnerStats,
    PeriodStats,
    PlanCreate,
    PlanRead,
    PlanUpdate,
    RecordCreate,
    RecordRead,
    SatisfactionShare,
    VisitStats,
)

MAX_PERIOD = timedelta(days=366 * 3)


def _plan_dict(p: VisitPlan) -> dict[str, Any]:
    return {"customer_id": p.customer_id, "type": p.type, "planned_at": p.planned_at, "topic": p.topic,
            "owner_id": p.owner_id, "status": p.status, "remark": p.remark}


def _owner(s: Session, actor: Actor, owner_id: int | None) -> int:
    if owner_id is None or owner_id == actor.employee_id:
        return actor.employee_id
    stmt = sa.select(Employee.id).where(Employee.id == owner_id, Employee.is_active)
    units = units_in_scope(actor)
    if units is not None:
        stmt = stmt.where(Employee.department_id.in_(units))
    if actor.is_sales or s.scalar(stmt) is None:
        raise Invalid("invalid_assignee", employee_id=owner_id)
    return owner_id


# ------------------------------------------------------------------ plans
def create_plan(s: Session, actor: Actor, customer_id: int, body: PlanCreate) -> VisitPlan:
    c = get_visible(s, actor, customer_id)
    require(actor, "visit.plan")
    ensure_can_work(actor, c)
    now = clock.now()
    p = VisitPlan(customer_id=c.id, type=body.type, planned_at=body.planned_at, topic=body.topic.strip(),
                  owner_id=_owner(s, actor, body.owner_id), status="planned", remark=body.remark,
                  created_by_id=actor.employee_id, created_at=now, updated_at=now)
    s.add(p)
    s.flush()
    events.record(s, actor, [c.id], "visit_planned", {"plan_id": p.id, "type": p.type, "topic": p.topic,
                                                      "planned_at": p.planned_at.isoformat(), "owner_id": p.owner_id})
    audit.record(s, "visit_plan.create", "visit_plan", p.id, actor=actor, after=_plan_dict(p))
    return p


def _plan(s: Session, actor: Actor, plan_id: int) -> tuple[VisitPlan, Customer]:
    p = s.get(VisitPlan, plan_id)
    if p is None:
        raise NotFound()
    return p, get_visible(s, actor, p.customer_id)


def get_plan(s: Session, actor: Actor, plan_id: int) -> VisitPlan:
    require(actor, "visit.view")
    return _plan(s, actor, plan_id)[0]


def _may_change(actor: Actor, p: VisitPlan, c: Customer) -> None:
    require(actor, "visit.plan")
    if actor.employee_id in (p.owner_id, p.created_by_id):
        return
    if actor.is_sales and not is_mine(actor, c):
        raise Forbidden("not_plan_owner")


def update_plan(s: Session, actor: Actor, plan_id: int, body: PlanUpdate) -> VisitPlan:
    p, c = _plan(s, actor, plan_id)
    _may_change(actor, p, c)
    if p.status != "planned":
        raise Conflict("plan_closed")
    data = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    if "owner_id" in data:
        data["owner_id"] = _owner(s, actor, data["owner_id"])
    if "topic" in data:
        data["topic"] = data["topic"].strip()
    before = _plan_dict(p)
    for k, v in data.items():
        setattr(p, k, v)
    b, a = audit.diff(before, _plan_dict(p))
    if a:
        p.updated_at = clock.now()
        s.flush()
        events.record(s, actor, [p.customer_id], "visit_updated", {"plan_id": p.id, "fields": sorted(a)})
        audit.record(s, "visit_plan.update", "visit_plan", p.id, actor=actor, before=b, after=a)
    return p


def cancel_plan(s: Session, actor: Actor, plan_id: int) -> VisitPlan:
    p, c = _plan(s, actor, plan_id)
    _may_change(actor, p, c)
    now = clock.now()
    moved = s.execute(sa.update(VisitPlan).where(VisitPlan.id == p.id, VisitPlan.status == "planned")
                      .values(status="cancelled", updated_at=now).execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise Conflict("plan_closed")
    events.record(s, actor, [p.customer_id], "visit_cancelled", {"plan_id": p.id, "topic": p.topic})
    audit.record(s, "visit_plan.cancel", "visit_plan", p.id, actor=actor, before={"status": "planned"},
                 after={"status": "cancelled"})
    s.expire(p)
    return p


# ------------------------------------------------------------------ records
def record(s: Session, actor: Actor, body: RecordCreate, *, plan_id: int | None = None,
           customer_id: int | None = None) -> VisitRecord:
    """记录回访: against a plan (which becomes done) or ad hoc on a customer."""
    require(actor, "visit.record")
    now = clock.now()
    plan = None
    if plan_id is not None:
        plan, c = _plan(s, actor, plan_id)
        if plan.owner_id != actor.employee_id and (actor.is_sales or not actor.can("visit.plan")):
            raise Forbidden("not_plan_owner")
        if c.pool == "recycle_bin":
            raise Conflict("in_recycle_bin")
        if s.execute(sa.update(VisitPlan).where(VisitPlan.id == plan.id, VisitPlan.status == "planned")
                     .values(status="done", done_at=now, updated_at=now)
                     .execution_options(synchronize_session=False)).rowcount != 1:
            raise Conflict("plan_closed")
    else:
        assert customer_id is not None
        c = get_visible(s, actor, customer_id)
        ensure_can_work(actor, c)
    visited_at = body.visited_at or now
    if visited_at > now + timedelta(minutes=5):
        raise Invalid("followup_in_future")
    r = VisitRecord(plan_id=plan.id if plan else None, customer_id=c.id, visitor_id=actor.employee_id,
                    visited_at=visited_at, method=body.method, content=body.content.strip(), feedback=body.feedback,
                    satisfaction=body.satisfaction, problems=body.problems, actions=body.actions,
                    created_at=now, updated_at=now)
    s.add(r)
    s.flush()
    events.record(s, actor, [c.id], "visit_recorded", {
        "record_id": r.id, "plan_id": r.plan_id, "method": r.method, "satisfaction": r.satisfaction,
        "topic": plan.topic if plan else None})
    audit.record(s, "visit_record.create", "visit_record", r.id, actor=actor, after={
        "plan_id": r.plan_id, "customer_id": c.id, "visited_at": r.visited_at, "method": r.method,
        "content": r.content, "feedback": r.feedback, "satisfaction": r.satisfaction, "problems": r.problems,
        "actions": r.actions})
    if plan is not None:
        s.expire(plan)
    return r


# ------------------------------------------------------------------ lists
def _scoped_plans(actor: Actor) -> sa.Select[tuple[VisitPlan]]:
    return sa.select(VisitPlan).join(Customer, Customer.id == VisitPlan.customer_id).where(customer_scope(actor))


def list_plans(s: Session, actor: Actor, *, customer_id: int | None = None, owner_id: int | None = None,
               status: str | None = None, since: datetime | None = None, until: datetime | None = None,
               cursor: str | None = None, limit: int = 50) -> tuple[list[VisitPlan], str | None]:
    require(actor, "visit.view")
    if customer_id is not None:
        get_visible(s, actor, customer_id)
    stmt = _scoped_plans(actor)
    now = clock.now()
    if customer_id is not None:
        stmt = stmt.where(VisitPlan.customer_id == customer_id)
    if owner_id is not None:
        stmt = stmt.where(VisitPlan.owner_id == owner_id)
    if status == "overdue":
        stmt = stmt.where(VisitPlan.status == "planned", VisitPlan.planned_at < now)
    elif status:
        stmt = stmt.where(VisitPlan.status == status)
    if since is not None:
        stmt = stmt.where(VisitPlan.planned_at >= since)
    if until is not None:
        stmt = stmt.where(VisitPlan.planned_at < until)
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(VisitPlan.id < after)
    rows = list(s.scalars(stmt.order_by(VisitPlan.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].id) if more else None)


def list_records(s: Session, actor: Actor, *, customer_id: int | None = None, visitor_id: int | None = None,
                 satisfaction: str | None = None, since: datetime | None = None, until: datetime | None = None,
                 cursor: str | None = None, limit: int = 50) -> tuple[list[VisitRecord], str | None]:
    require(actor, "visit.view")
    if customer_id is not None:
        get_visible(s, actor, customer_id)
    stmt = sa.select(VisitRecord).join(Customer, Customer.id == VisitRecord.customer_id).where(customer_scope(actor))
    if customer_id is not None:
        stmt = stmt.where(VisitRecord.customer_id == customer_id)
    if visitor_id is not None:
        stmt = stmt.where(VisitRecord.visitor_id == visitor_id)
    if satisfaction:
        stmt = stmt.where(VisitRecord.satisfaction == satisfaction)
    if since is not None:
        stmt = stmt.where(VisitRecord.visited_at >= since)
    if until is not None:
        stmt = stmt.where(VisitRecord.visited_at < until)
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(VisitRecord.id < after)
    rows = list(s.scalars(stmt.order_by(VisitRecord.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].id) if more else None)


def _names(s: Session, ids: set[int], model: Any = Employee) -> dict[int, str]:
    return dict(s.execute(sa.select(model.id, model.name).where(model.id.in_(ids))).all()) if ids else {}


def read_plans(s: Session, rows: list[VisitPlan]) -> list[PlanRead]:
    owners = _names(s, {p.owner_id for p in rows})
    customers = _names(s, {p.customer_id for p in rows}, Customer)
    ids = [p.id for p in rows]
    records = dict(s.execute(sa.select(VisitRecord.plan_id, sa.func.max(VisitRecord.id))
                             .where(VisitRecord.plan_id.in_(ids)).group_by(VisitRecord.plan_id)).all()) if ids else {}
    now = clock.now()
    return [PlanRead(id=p.id, customer_id=p.customer_id, customer_name=customers.get(p.customer_id), type=p.type,  # type: ignore[arg-type]
                     planned_at=p.planned_at, topic=p.topic, owner_id=p.owner_id, owner_name=owners.get(p.owner_id),
                     status=p.status, overdue=p.status == "planned" and p.planned_at < now, remark=p.remark,  # type: ignore[arg-type]
                     created_by_id=p.created_by_id, created_at=p.created_at, done_at=p.done_at,
                     record_id=records.get(p.id)) for p in rows]


def read_records(s: Session, rows: list[VisitRecord], actor: Actor | None = None) -> list[RecordRead]:
    """Serialise records; with the viewer (`actor`), each carries its uploaded files (one query)."""
    from huike.attachment import service as attachments

    files_of = attachments.list_many(s, actor, "visit_record", [r.id for r in rows]) if actor and rows else {}
    shown = {a.id: a for a in attachments.read_many(s, actor, [a for fs in files_of.values() for a in fs])} \
        if actor and files_of else {}
    visitors = _names(s, {r.visitor_id for r in rows})
    customers = _names(s, {r.customer_id for r in rows}, Customer)
    return [RecordRead(id=r.id, plan_id=r.plan_id, customer_id=r.customer_id, customer_name=customers.get(r.customer_id),
                       visitor_id=r.visitor_id, visitor_name=visitors.get(r.visitor_id), visited_at=r.visited_at,
                       method=r.method, content=r.content, feedback=r.feedback, satisfaction=r.satisfaction,  # type: ignore[arg-type]
                       problems=r.problems, actions=r.actions, created_at=r.created_at,
                       files=[shown[a.id] for a in files_of.get(r.id, [])]) for r in rows]


# ------------------------------------------------------------------ statistics
def _pct(n: int, d: int) -> float | None:
    return round(100.0 * n / d, 1) if d else None


def _share(counts: dict[str, int]) -> SatisfactionShare:
    total = sum(counts.get(k, 0) for k in SATISFACTION)
    return SatisfactionShare(**{k: counts.get(k, 0) for k in SATISFACTION}, total=total,
                             shares={k: _pct(counts.get(k, 0), total) or 0.0 for k in SATISFACTION} if total else {},
                             satisfied_rate=_pct(counts.get("very_satisfied", 0) + counts.get("satisfied", 0), total))


def stats(s: Session, actor: Actor, *, since: datetime, until: datetime, owner_id: int | None = None) -> VisitStats:
    """Plans by planned time and records by visit time within [since, until), per owner and per month,
    over the customers in the caller's data scope; without visit.stats only the caller's own."""
    require(actor, "visit.view")
    if until <= since or until - since > MAX_PERIOD:
        raise Invalid("invalid_period")
    if not actor.can("visit.stats"):
        owner_id = actor.employee_id
    now = clock.now()
    scope = customer_scope(actor)
    plan_q = (sa.select(VisitPlan.owner_id, VisitPlan.status, VisitPlan.planned_at)
              .join(Customer, Customer.id == VisitPlan.customer_id)
              .where(scope, VisitPlan.planned_at >= since, VisitPlan.planned_at < until))
    rec_q = (sa.select(VisitRecord.visitor_id, VisitRecord.satisfaction, VisitRecord.visited_at)
             .join(Customer, Customer.id == VisitRecord.customer_id)
             .where(scope, VisitRecord.visited_at >= since, VisitRecord.visited_at < until))
    if owner_id is not None:
        plan_q = plan_q.where(VisitPlan.owner_id == owner_id)
        rec_q = rec_q.where(VisitRecord.visitor_id == owner_id)
    per: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sat: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    months: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for oid, status, at in s.execute(plan_q):
        per[oid][status] += 1
        per[oid]["all"] += 1
        if status == "planned" and at < now:
            per[oid]["overdue"] += 1
        m = months[at.astimezone(clock.TZ).strftime("%Y-%m")]
        m["planned"] += 1
        m["done"] += status == "done"
    for vid, satisfaction, at in s.execute(rec_q):
        sat[vid][satisfaction] += 1
        per[vid]["records"] += 1
        m = months[at.astimezone(clock.TZ).strftime("%Y-%m")]
        m["records"] += 1
        m[satisfaction] += 1
    names = _names(s, set(per))

    def owner(oid: int) -> OwnerStats:
        p = per[oid]
        active = p["all"] - p["cancelled"]
        return OwnerStats(owner_id=oid, owner_name=names.get(oid), planned=p["all"], done=p["done"],
                          cancelled=p["cancelled"], overdue=p["overdue"], completion_rate=_pct(p["done"], active),
                          records=p["records"], satisfaction=_share(sat[oid]))

    by_owner = sorted((owner(o) for o in per), key=lambda x: (-x.records, -x.planned, x.owner_id))
    total_sat: dict[str, int] = defaultdict(int)
    for d in sat.values():
        for k, v in d.items():
            total_sat[k] += v
    planned = sum(x.planned for x in by_owner)
    done = sum(x.done for x in by_owner)
    cancelled = sum(x.cancelled for x in by_owner)
    return VisitStats(
        since=since, until=until, planned=planned, done=done, cancelled=cancelled,
        overdue=sum(x.overdue for x in by_owner), completion_rate=_pct(done, planned - cancelled),
        records=sum(x.records for x in by_owner), satisfaction=_share(total_sat), by_owner=by_owner,
        by_month=[PeriodStats(period=k, planned=v["planned"], done=v["done"], records=v["records"],
                              satisfied_rate=_pct(v["very_satisfied"] + v["satisfied"], v["records"]))
                  for k, v in sorted(months.items())])
