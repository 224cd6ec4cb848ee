"""Return visits (WORK-9): plans, records, statistics."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Query

from huike.auth.deps import CurrentActor
from huike.kit import clock
from huike.kit.web import DB, UnitOfWorkRoute
from huike.visit import service
from huike.visit.schemas import (
    PlanCreate,
    PlanPage,
    PlanRead,
    PlanUpdate,
    RecordCreate,
    RecordPage,
    RecordRead,
    Satisfaction,
    VisitStats,
)

router = APIRouter(route_class=UnitOfWorkRoute, tags=["visits"])
PlanStatus = Literal["planned", "done", "cancelled", "overdue"]


@router.get("/customers/{customer_id}/visit-plans", response_model=PlanPage)
def customer_plans(customer_id: int, actor: CurrentActor, db: DB, status: PlanStatus | None = None,
                   cursor: str | None = Query(None, max_length=200), limit: int = Query(50, ge=1, le=200)) -> PlanPage:
    rows, nxt = service.list_plans(db, actor, customer_id=customer_id, status=status, cursor=cursor, limit=limit)
    return PlanPage(items=service.read_plans(db, rows), next_cursor=nxt)


@router.post("/customers/{customer_id}/visit-plans", response_model=PlanRead, status_code=201)
def create_plan(customer_id: int, body: PlanCreate, actor: CurrentActor, db: DB) -> PlanRead:
    """新建回访: type, planned time, topic, owner. The owner is reminded when it is due."""
    return service.read_plans(db, [service.create_plan(db, actor, customer_id, body)])[0]


@router.get("/customers/{customer_id}/visit-records", response_model=RecordPage)
def customer_records(customer_id: int, actor: CurrentActor, db: DB, cursor: str | None = Query(None, max_length=200),
                     limit: int = Query(50, ge=1, le=200)) -> RecordPage:
    rows, nxt = service.list_records(db, actor, customer_id=customer_id, cursor=cursor, limit=limit)
    return RecordPage(items=service.read_records(db, rows, actor), next_cursor=nxt)


@router.post("/customers/{customer_id}/visit-records", response_model=RecordRead, status_code=201)
def create_adhoc_record(customer_id: int, body: RecordCreate, actor: CurrentActor, db: DB) -> RecordRead:
    """A return visit without a plan."""
    return service.read_records(db, [service.record(db, actor, body, customer_id=customer_id)], actor)[0]


@router.get("/visit-plans", response_model=PlanPage)
def plans(actor: CurrentActor, db: DB, owner_id: int | None = None,
          mine: bool = Query(False, description="only plans the caller owns"), status: PlanStatus | None = None,
          since: datetime | None = None, until: datetime | None = None,
          cursor: str | None = Query(None, max_length=200), limit: int = Query(50, ge=1, le=200)) -> PlanPage:
    """Return-visit plans over the customers of the caller's data scope."""
    rows, nxt = service.list_plans(db, actor, owner_id=actor.employee_id if mine else owner_id, status=status,
                                   since=since, until=until, cursor=cursor, limit=limit)
    return PlanPage(items=service.read_plans(db, rows), next_cursor=nxt)


@router.get("/visit-plans/{plan_id}", response_model=PlanRead)
def get_plan(plan_id: int, actor: CurrentActor, db: DB) -> PlanRead:
    return service.read_plans(db, [service.get_plan(db, actor, plan_id)])[0]


@router.patch("/visit-plans/{plan_id}", response_model=PlanRead)
def update_plan(plan_id: int, body: PlanUpdate, actor: CurrentActor, db: DB) -> PlanRead:
    return service.read_plans(db, [service.update_plan(db, actor, plan_id, body)])[0]


@router.post("/visit-plans/{plan_id}/cancel", response_model=PlanRead)
def cancel_plan(plan_id: int, actor: CurrentActor, db: DB) -> PlanRead:
    return service.read_plans(db, [service.cancel_plan(db, actor, plan_id)])[0]


@router.post("/visit-plans/{plan_id}/record", response_model=RecordRead, status_code=201)
def record_plan(plan_id: int, body: RecordCreate, actor: CurrentActor, db: DB) -> RecordRead:
    """记录回访 against a plan; the plan becomes done (409 `plan_closed` if it already is)."""
    return service.read_records(db, [service.record(db, actor, body, plan_id=plan_id)], actor)[0]


@router.get("/visit-records", response_model=RecordPage)
def records(actor: CurrentActor, db: DB, visitor_id: int | None = None, satisfaction: Satisfaction | None = None,
            since: datetime | None = None, until: datetime | None = None,
            cursor: str | None = Query(None, max_length=200), limit: int = Query(50, ge=1, le=200)) -> RecordPage:
    rows, nxt = service.list_records(db, actor, visitor_id=visitor_id, satisfaction=satisfaction, since=since,
                                     until=until, cursor=cursor, limit=limit)
    return RecordPage(items=service.read_records(db, rows, actor), next_cursor=nxt)


@router.get("/visits/stats", response_model=VisitStats)
def visit_stats(actor: CurrentActor, db: DB, since: datetime | None = None, until: datetime | None = None,
                owner_id: int | None = None) -> VisitStats:
    """Per owner and per month: planned, done, overdue, completion rate, records and satisfaction shares.
    Default period: the last 30 days. Without visit.stats, only the caller's own visits."""
    until = until or clock.now() + timedelta(days=1)
    since = since or until - timedelta(days=31)
    return service.stats(db, actor, since=since, until=until, owner_id=owner_id)
