"""Tasks over a selection (下发任务, WORK-7).

Create: at most 500 customers (422 `too_many_customers` beyond), only customers in the issuer's data
scope; blacklisted customers (POOL-14) and binned ones are skipped and counted; the rest are dealt
round-robin in the given order to the handlers in their order. A task item is the delegation: its
handler sees that customer's name and (masked, per permission) phones in 我待办的 and writes its
follow-up by processing the item, without gaining the customer's detail page. Managers follow
progress per handler and per customer in 我下发的; a task past its due time with pending items is
overdue (and its handlers are reminded once)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import customer_scope, require, units_in_scope
from huike.authz.actor import Actor
from huike.customer.models import Customer, CustomerPhone
from huike.followup import service as followups
from huike.followup.access import phones_for
from huike.followup.schemas import FollowupCreate
from huike.kit import clock
from huike.kit.errors import Conflict, Forbidden, Invalid, NotFound
from huike.kit.pagination import decode_cursor, encode_cursor
from huike.org.models import Employee
from huike.pool import events
from huike.reminder import service as reminders
from huike.task.models import Task, TaskItem
from huike.task.schemas import (
    HandlerProgress,
    ProcessBody,
    Skipped,
    TaskCreate,
    TaskItemRead,
    TaskRead,
)

MAX_CUSTOMERS = 500
METHOD_OF = {"call": "phone", "visit": "visit", "content": "wechat", "custom": "other"}
TYPE_LABEL = {"call": "电话任务", "visit": "拜访任务", "content": "内容分发", "custom": "自定义任务"}


def _handlers(s: Session, actor: Actor, ids: list[int]) -> list[Employee]:
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise Invalid("handlers_required")
    stmt = sa.select(Employee).where(Employee.id.in_(ids), Employee.is_active)
    units = units_in_scope(actor)
    if units is not None:
        stmt = stmt.where(sa.or_(Employee.department_id.in_(units), Employee.id == actor.employee_id))
    found = {e.id: e for e in s.scalars(stmt).unique()}
    for i in ids:
        if i not in found:
            raise Invalid("invalid_assignee", employee_id=i)
    return [found[i] for i in ids]


def create(s: Session, actor: Actor, body: TaskCreate) -> tuple[Task, list[Skipped]]:
    require(actor, "task.issue")
    ids = list(dict.fromkeys(body.customer_ids))
    if not ids:
        raise Invalid("customers_required")
    if len(ids) > MAX_CUSTOMERS:
        raise Invalid("too_many_customers", max=MAX_CUSTOMERS, count=len(ids))
    now = clock.now()
    if body.due_at is not None and body.due_at <= now:
        raise Invalid("validation_error", errors=[{"field": "due_at", "code": "value_error", "message": "due_at"}])
    handlers = _handlers(s, actor, body.handler_ids)
    seen = {cid: (pool, black) for cid, pool, black in s.execute(
        sa.select(Customer.id, Customer.pool, Customer.blacklisted).where(customer_scope(actor), Customer.id.in_(ids)))}
    dealt: list[int] = []
    skipped: list[Skipped] = []
    for cid in ids:
        if cid not in seen:
            skipped.append(Skipped(id=cid, reason="not_found"))
        elif seen[cid][0] == "recycle_bin":
            skipped.append(Skipped(id=cid, reason="in_recycle_bin"))
        elif seen[cid][1]:
            skipped.append(Skipped(id=cid, reason="blacklisted"))
        else:
            dealt.append(cid)
    if not dealt:
        raise Invalid("no_customers_left")
    task = Task(type=body.type, title=body.title.strip(), content=body.content, due_at=body.due_at,
                issuer_id=actor.employee_id, handler_ids=[h.id for h in handlers], status="open", selected=len(ids),
                skipped_blacklisted=sum(1 for x in skipped if x.reason == "blacklisted"),
                skipped_other=sum(1 for x in skipped if x.reason != "blacklisted"), created_at=now, updated_at=now)
    s.add(task)
    s.flush()
    owner_of = {cid: handlers[i % len(handlers)].id for i, cid in enumerate(dealt)}
    s.execute(sa.insert(TaskItem), [
        {"tenant_id": task.tenant_id, "task_id": task.id, "customer_id": cid, "handler_id": owner_of[cid],
         "position": i, "status": "pending"} for i, cid in enumerate(dealt)])
    events.record(s, actor, dealt, "task_issued", {"task_id": task.id, "title": task.title, "task_type": task.type},
                  per_customer={cid: {"handler_id": h} for cid, h in owner_of.items()})
    audit.record(s, "task.create", "task", task.id, actor=actor, after={
        "type": task.type, "title": task.title, "due_at": task.due_at, "handler_ids": task.handler_ids,
        "selected": len(ids), "dealt": len(dealt), "skipped_blacklisted": task.skipped_blacklisted,
        "skipped_other": task.skipped_other})
    per: dict[int, int] = defaultdict(int)
    for h in owner_of.values():
        per[h] += 1
    for h, n in per.items():
        due = f"，截止 {reminders.local(task.due_at)}" if task.due_at else ""
        reminders.notify(s, reminders.Reminder(
            h, "task_assigned", f"新任务：{task.title}",
            f"{actor.name} 给您下发了{TYPE_LABEL[task.type]}「{task.title}」，共 {n} 个客户{due}",
            f"task_assigned:{task.id}:{h}"))
    return task, skipped


# ------------------------------------------------------------------ visibility of a task
def _may_manage(s: Session, actor: Actor, task: Task) -> bool:
    if task.issuer_id == actor.employee_id:
        return True
    if not actor.can("task.issue"):
        return False
    units = units_in_scope(actor)
    if units is None:
        return True
    issuer_dept = s.scalar(sa.select(Employee.department_id).where(Employee.id == task.issuer_id))
    return s.scalar(sa.select(sa.literal(1)).where(sa.literal(issuer_dept).in_(units))) is not None


def _is_handler(s: Session, actor: Actor, task: Task) -> bool:
    return s.scalar(sa.select(TaskItem.id).where(TaskItem.task_id == task.id,
                                                 TaskItem.handler_id == actor.employee_id).limit(1)) is not None


def get_task(s: Session, actor: Actor, task_id: int) -> tuple[Task, bool]:
    """The task and whether the caller manages it (issuer or a task manager over the issuer);
    handlers see it too; anyone else gets 404."""
    task = s.get(Task, task_id)
    if task is None:
        raise NotFound()
    manages = _may_manage(s, actor, task)
    if not manages and not _is_handler(s, actor, task):
        raise NotFound()
    return task, manages


# ------------------------------------------------------------------ progress
def _progress(s: Session, task_ids: list[int]) -> dict[int, dict[int, tuple[int, int]]]:
    """task -> handler -> (total, done)."""
    out: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    if task_ids:
        rows = s.execute(sa.select(TaskItem.task_id, TaskItem.handler_id, sa.func.count(),
                                   sa.func.sum(sa.case((TaskItem.status == "done", 1), else_=0)))
                         .where(TaskItem.task_id.in_(task_ids)).group_by(TaskItem.task_id, TaskItem.handler_id))
        for tid, hid, total, done in rows:
            out[tid][hid] = (int(total), int(done or 0))
    return out


def read_many(s: Session, actor: Actor, tasks: list[Task], *, per_handler: bool = False) -> list[TaskRead]:
    prog = _progress(s, [t.id for t in tasks])
    emp_ids = {t.issuer_id for t in tasks} | {h for t in tasks for h in prog.get(t.id, {})}
    names = dict(s.execute(sa.select(Employee.id, Employee.name).where(Employee.id.in_(emp_ids))).all()) \
        if emp_ids else {}
    now = clock.now()
    out = []
    for t in tasks:
        p = prog.get(t.id, {})
        total = sum(x[0] for x in p.values())
        done = sum(x[1] for x in p.values())
        mine = p.get(actor.employee_id)
        out.append(TaskRead(
            id=t.id, type=t.type, title=t.title, content=t.content, due_at=t.due_at, issuer_id=t.issuer_id,  # type: ignore[arg-type]
            issuer_name=names.get(t.issuer_id), handler_ids=list(t.handler_ids or []), status=t.status,  # type: ignore[arg-type]
            selected=t.selected, skipped_blacklisted=t.skipped_blacklisted, skipped_other=t.skipped_other,
            total=total, done=done, pending=total - done,
            overdue=bool(t.status == "open" and t.due_at is not None and t.due_at < now and done < total),
            created_at=t.created_at, completed_at=t.completed_at,
            my_total=mine[0] if mine else None, my_done=mine[1] if mine else None,
            per_handler=[HandlerProgress(handler_id=h, handler_name=names.get(h), total=p[h][0], done=p[h][1],
                                         pending=p[h][0] - p[h][1])
                         for h in [*(x for x in t.handler_ids or [] if x in p), *(x for x in p if x not in
                                                                                    (t.handler_ids or []))]]
            if per_handler else None))
    return out


def _page(s: Session, stmt: sa.Select[Any], cursor: str | None, limit: int) -> tuple[list[Task], str | None]:
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(Task.id < after)
    rows = list(s.scalars(stmt.order_by(Task.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].id) if more else None)


def _status_filter(stmt: sa.Select[Any], status: str | None, now: datetime) -> sa.Select[Any]:
    if status == "overdue":
        return stmt.where(Task.status == "open", Task.due_at.is_not(None), Task.due_at < now)
    if status:
        return stmt.where(Task.status == status)
    return stmt


def issued(s: Session, actor: Actor, *, everyone: bool, status: str | None, cursor: str | None,
           limit: int) -> tuple[list[Task], str | None]:
    """我下发的: the caller's tasks; with `everyone`, all tasks issued within the caller's scope."""
    require(actor, "task.issue")
    stmt = sa.select(Task)
    if everyone:
        units = units_in_scope(actor)
        if units is not None:
            stmt = stmt.where(sa.or_(Task.issuer_id == actor.employee_id, Task.issuer_id.in_(
                sa.select(Employee.id).where(Employee.department_id.in_(units)))))
    else:
        stmt = stmt.where(Task.issuer_id == actor.employee_id)
    return _page(s, _status_filter(stmt, status, clock.now()), cursor, limit)


def todo(s: Session, actor: Actor, *, status: str | None, pending_only: bool, cursor: str | None,
         limit: int) -> tuple[list[Task], str | None]:
    """我待办的: tasks with customers dealt to the caller."""
    cond = [TaskItem.task_id == Task.id, TaskItem.handler_id == actor.employee_id]
    if pending_only:
        cond.append(TaskItem.status == "pending")
    stmt = sa.select(Task).where(sa.exists().where(*cond))
    if status is None and pending_only:
        stmt = stmt.where(Task.status == "open")
    return _page(s, _status_filter(stmt, status, clock.now()), cursor, limit)


def items(s: Session, actor: Actor, task_id: int, *, handler_id: int | None = None,
          status: str | None = None) -> list[TaskItemRead]:
    task, manages = get_task(s, actor, task_id)
    stmt = sa.select(TaskItem).where(TaskItem.task_id == task.id)
    if not manages:
        stmt = stmt.where(TaskItem.handler_id == actor.employee_id)  # a handler sees their own customers
    elif handler_id is not None:
        stmt = stmt.where(TaskItem.handler_id == handler_id)
    if status:
        stmt = stmt.where(TaskItem.status == status)
    rows = list(s.scalars(stmt.order_by(TaskItem.position)))
    cids = [r.customer_id for r in rows]
    customers = {c.id: c for c in s.execute(sa.select(Customer.id, Customer.name, Customer.company, Customer.pool,
                                                      Customer.owner_id).where(Customer.id.in_(cids))).all()} \
        if cids else {}
    phones: dict[int, list[str]] = defaultdict(list)
    if cids:
        for cid, phone in s.execute(sa.select(CustomerPhone.customer_id, CustomerPhone.phone)
                                    .where(CustomerPhone.customer_id.in_(cids)).order_by(CustomerPhone.position)):
            phones[cid].append(phone)
    emp_ids = {r.handler_id for r in rows} | {c.owner_id for c in customers.values() if c.owner_id}
    names = dict(s.execute(sa.select(Employee.id, Employee.name).where(Employee.id.in_(emp_ids))).all()) \
        if emp_ids else {}
    now = clock.now()
    overdue = task.status == "open" and task.due_at is not None and task.due_at < now
    out = []
    for r in rows:
        c = customers.get(r.customer_id)
        out.append(TaskItemRead(
            id=r.id, task_id=r.task_id, position=r.position, customer_id=r.customer_id,
            customer_name=c.name if c else None, company=c.company if c else None,
            phones=phones_for(actor, phones.get(r.customer_id, [])), pool=c.pool if c else None,
            owner_name=names.get(c.owner_id) if c and c.owner_id else None, handler_id=r.handler_id,
            handler_name=names.get(r.handler_id), status=r.status, overdue=overdue and r.status == "pending",  # type: ignore[arg-type]
            done_at=r.done_at, followup_id=r.followup_id, result=r.result))
    return out


# ------------------------------------------------------------------ processing
def process(s: Session, actor: Actor, task_id: int, item_id: int, body: ProcessBody) -> TaskItem:
    """One-click processing: the handler writes the customer's follow-up; the item is done."""
    task, _ = get_task(s, actor, task_id)
    item = s.get(TaskItem, item_id)
    if item is None or item.task_id != task.id:
        raise NotFound()
    if item.handler_id != actor.employee_id:
        raise Forbidden("not_handler")
    if task.status != "open":
        raise Conflict("task_closed")
    now = clock.now()
    took = s.execute(sa.update(TaskItem).where(TaskItem.id == item.id, TaskItem.status == "pending",
                                               TaskItem.handler_id == actor.employee_id)
                     .values(status="done", done_at=now, result=body.result)
                     .execution_options(synchronize_session=False)).rowcount
    if took != 1:
        raise Conflict("task_item_done")
    content = (body.content or "").strip() or f"完成{TYPE_LABEL[task.type]}「{task.title}」"
    f = followups.create(s, actor, item.customer_id, FollowupCreate(
        method=body.method or METHOD_OF[task.type], content=content, feedback=body.feedback,  # type: ignore[arg-type]
        stage=body.stage, next_at=body.next_at, next_plan=body.next_plan), task_item_id=item.id)
    s.execute(sa.update(TaskItem).where(TaskItem.id == item.id).values(followup_id=f.id)
              .execution_options(synchronize_session=False))
    # the last item closes the task (guarded: exactly once even with concurrent handlers)
    s.execute(sa.update(Task).where(Task.id == task.id, Task.status == "open",
                                    ~sa.exists().where(TaskItem.task_id == task.id, TaskItem.status == "pending"))
              .values(status="done", completed_at=now, updated_at=now).execution_options(synchronize_session=False))
    events.record(s, actor, [item.customer_id], "task_processed",
                  {"task_id": task.id, "title": task.title, "followup_id": f.id, "result": body.result})
    audit.record(s, "task.process", "task_item", item.id, actor=actor,
                 after={"task_id": task.id, "customer_id": item.customer_id, "followup_id": f.id,
                        "result": body.result})
    s.expire(item)
    s.expire(task)
    return item


def cancel(s: Session, actor: Actor, task_id: int) -> Task:
    task, manages = get_task(s, actor, task_id)
    if not manages:
        raise Forbidden("not_issuer")
    now = clock.now()
    moved = s.execute(sa.update(Task).where(Task.id == task.id, Task.status == "open")
                      .values(status="cancelled", cancelled_at=now, updated_at=now)
                      .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise Conflict("task_closed")
    audit.record(s, "task.cancel", "task", task.id, actor=actor, before={"status": "open"},
                 after={"status": "cancelled"})
    s.expire(task)
    return task
