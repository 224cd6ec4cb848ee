"""Tasks over a selection of customers (WORK-7): 我下发的 for managers, 我待办的 for handlers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from huike.auth.deps import CurrentActor
from huike.kit.web import DB, UnitOfWorkRoute
from huike.task import service
from huike.task.schemas import ProcessBody, TaskCreate, TaskCreated, TaskItemRead, TaskPage, TaskRead

router = APIRouter(prefix="/tasks", route_class=UnitOfWorkRoute, tags=["tasks"])
Status = Literal["open", "done", "cancelled", "overdue"]


@router.post("", response_model=TaskCreated, status_code=201)
def create_task(body: TaskCreate, actor: CurrentActor, db: DB) -> TaskCreated:
    """Issue a task over at most 500 customers (422 `too_many_customers` beyond). Blacklisted and
    binned customers are skipped and counted; the rest are dealt round-robin to the handlers in order."""
    task, skipped = service.create(db, actor, body)
    read = service.read_many(db, actor, [task], per_handler=True)[0]
    return TaskCreated(**read.model_dump(), skipped=skipped)


@router.get("/issued", response_model=TaskPage)
def issued_tasks(actor: CurrentActor, db: DB, status: Status | None = None,
                 everyone: bool = Query(False, description="all tasks issued within the caller's data scope"),
                 cursor: str | None = Query(None, max_length=200), limit: int = Query(20, ge=1, le=100)) -> TaskPage:
    """我下发的: with completion per handler."""
    rows, nxt = service.issued(db, actor, everyone=everyone, status=status, cursor=cursor, limit=limit)
    return TaskPage(items=service.read_many(db, actor, rows, per_handler=True), next_cursor=nxt)


@router.get("/todo", response_model=TaskPage)
def todo_tasks(actor: CurrentActor, db: DB, status: Status | None = None,
               pending_only: bool = Query(True, description="only tasks where the caller still has customers to do"),
               cursor: str | None = Query(None, max_length=200), limit: int = Query(20, ge=1, le=100)) -> TaskPage:
    """我待办的: tasks with customers dealt to the caller (my_total / my_done)."""
    rows, nxt = service.todo(db, actor, status=status, pending_only=pending_only, cursor=cursor, limit=limit)
    return TaskPage(items=service.read_many(db, actor, rows), next_cursor=nxt)


@router.get("/{task_id}", response_model=TaskRead)
def get_task(task_id: int, actor: CurrentActor, db: DB) -> TaskRead:
    task, manages = service.get_task(db, actor, task_id)
    return service.read_many(db, actor, [task], per_handler=manages)[0]


@router.get("/{task_id}/items", response_model=list[TaskItemRead])
def task_items(task_id: int, actor: CurrentActor, db: DB, handler_id: int | None = None,
               status: Literal["pending", "done"] | None = None) -> list[TaskItemRead]:
    """The customers of a task in dealing order: all of them for its managers, a handler's own for a handler."""
    return service.items(db, actor, task_id, handler_id=handler_id, status=status)


@router.post("/{task_id}/items/{item_id}/process", response_model=TaskItemRead)
def process_item(task_id: int, item_id: int, body: ProcessBody, actor: CurrentActor, db: DB) -> TaskItemRead:
    """One-click processing of one customer: writes its follow-up and marks it done (409 if already done)."""
    item = service.process(db, actor, task_id, item_id, body)
    return next(i for i in service.items(db, actor, task_id) if i.id == item.id)


@router.post("/{task_id}/cancel", response_model=TaskRead)
def cancel_task(task_id: int, actor: CurrentActor, db: DB) -> TaskRead:
    return service.read_many(db, actor, [service.cancel(db, actor, task_id)], per_handler=True)[0]
