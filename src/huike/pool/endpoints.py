"""Pool moves, the timeline, pool settings, leaver hand-over and notifications."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request, Response

from huike.auth.deps import CurrentActor
from huike.authz import customer_scope, require
from huike.customer import service as customers
from huike.customer.models import Customer
from huike.customer.schemas import CustomerPage, CustomerRead
from huike.kit import clock
from huike.kit.errors import Invalid, NotFound
from huike.kit.pagination import decode_cursor, encode_cursor
from huike.kit.web import DB, UnitOfWorkRoute
from huike.org.models import Employee
from huike.pool import moves, recycle, settings
from huike.pool.models import AssignmentRule, CustomerEvent, Notification, PublicPool, RecycleRule
from huike.pool.schemas import (
    AssignBody,
    AssignmentRuleBase,
    AssignmentRuleRead,
    AssignmentRuleUpdate,
    BulkIds,
    BulkResult,
    CollaboratorsBody,
    CollaboratorsRead,
    EventPage,
    EventRead,
    FocusBody,
    HandoverBody,
    HandoverRead,
    MergeBody,
    NotificationPage,
    NotificationRead,
    Outcome,
    PublicPoolBase,
    PublicPoolRead,
    PublicPoolUpdate,
    ReasonBody,
    RecycleBody,
    RecycleRuleBase,
    RecycleRuleRead,
    RecycleRuleUpdate,
    RecycleRunRead,
    TagBody,
    TransferBody,
    WecomFriendsBody,
)

router = APIRouter(route_class=UnitOfWorkRoute)


def _bulk(res: moves.BulkResult) -> BulkResult:
    items = [Outcome(id=r.id, ok=r.ok, code=r.code, detail=r.detail, owner_id=r.owner_id) for r in res.results]
    ok = sum(1 for r in items if r.ok)
    return BulkResult(results=items, succeeded=ok, failed=len(items) - ok)


def _one(db: DB, actor: CurrentActor, customer_id: int) -> CustomerRead:
    return customers.read_many(db, [customers.get_visible(db, actor, customer_id)], actor)[0]


# ------------------------------------------------------------------ lists that are not plain pools
@router.get("/customers/recycle-soon", response_model=CustomerPage, tags=["pools"])
def recycle_soon(actor: CurrentActor, db: DB, within_days: int = Query(7, ge=1, le=365),
                 limit: int = Query(50, ge=1, le=200)) -> CustomerPage:
    """Customers in the caller's scope that an enabled recycle rule will take within N days."""
    require(actor, "customer.view")
    now = clock.now()
    conds = [sa.and_(*recycle.soon_conditions(db, r, now, within_days))
             for r in db.scalars(sa.select(RecycleRule).where(RecycleRule.enabled))]
    if not conds:
        return CustomerPage(items=[], next_cursor=None, total=0, total_exact=True)
    stmt = customers.scoped(actor).where(sa.or_(*conds))
    if actor.is_sales:
        stmt = stmt.where(Customer.owner_id == actor.employee_id)
    rows = list(db.scalars(stmt.order_by(Customer.id.desc()).limit(limit)))
    return CustomerPage(items=customers.read_many(db, rows, actor), next_cursor=None, total=len(rows),
                        total_exact=len(rows) < limit)


# ------------------------------------------------------------------ single-customer moves
@router.post("/customers/{customer_id}/claim", response_model=CustomerRead, tags=["pools"])
def claim(customer_id: int, actor: CurrentActor, db: DB) -> CustomerRead:
    """Claim from the public pool: exactly one of several concurrent claimers wins (409 `already_claimed`)."""
    moves.claim(db, actor, customer_id)
    return _one(db, actor, customer_id)


@router.post("/customers/{customer_id}/collaborators", response_model=CollaboratorsRead, tags=["pools"])
def collaborators(customer_id: int, body: CollaboratorsBody, actor: CurrentActor, db: DB) -> CollaboratorsRead:
    return CollaboratorsRead(collaborator_ids=moves.change_collaborators(db, actor, customer_id, add=body.add,
                                                                        remove=body.remove))


@router.put("/customers/{customer_id}/focus", status_code=204, tags=["pools"])
def focus(customer_id: int, body: FocusBody, actor: CurrentActor, db: DB) -> Response:
    moves.set_focus(db, actor, customer_id, body.color)
    return Response(status_code=204)


@router.delete("/customers/{customer_id}/focus", status_code=204, tags=["pools"])
def unfocus(customer_id: int, actor: CurrentActor, db: DB) -> Response:
    moves.clear_focus(db, actor, customer_id)
    return Response(status_code=204)


@router.put("/customers/{customer_id}/wecom-friends", response_model=CollaboratorsRead, tags=["pools"])
def wecom_friends(customer_id: int, body: WecomFriendsBody, actor: CurrentActor, db: DB) -> CollaboratorsRead:
    """Set which employees are WeCom friends of the customer (until WeCom sync exists)."""
    return CollaboratorsRead(collaborator_ids=moves.set_wecom_friends(db, actor, customer_id, body.employee_ids))


@router.post("/customers/merge", response_model=CustomerRead, tags=["pools"])
def merge(body: MergeBody, actor: CurrentActor, db: DB) -> CustomerRead:
    master = moves.merge(db, actor, body.master_id, body.duplicate_ids)
    return customers.read_many(db, [master], actor)[0]


@router.get("/customers/{customer_id}/events", response_model=EventPage, tags=["pools"])
def timeline(customer_id: int, actor: CurrentActor, db: DB, type: str | None = Query(None, max_length=40),
             cursor: str | None = None, limit: int = Query(50, ge=1, le=200)) -> EventPage:
    """The customer's timeline (WORK-5), newest first, filterable by type."""
    if db.scalar(sa.select(Customer.id).where(customer_scope(actor), Customer.id == customer_id)) is None:
        raise NotFound()
    stmt = sa.select(CustomerEvent, Employee.name).outerjoin(Employee, Employee.id == CustomerEvent.actor_id) \
        .where(CustomerEvent.customer_id == customer_id)
    if type:
        stmt = stmt.where(CustomerEvent.type.in_([x.strip() for x in type.split(",") if x.strip()]))
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(CustomerEvent.id < after)
    rows = db.execute(stmt.order_by(CustomerEvent.id.desc()).limit(limit + 1)).all()
    items = [EventRead(id=e.id, customer_id=e.customer_id, type=e.type, actor_id=e.actor_id, actor_name=name,
                       at=e.at, data=e.data or {}) for e, name in rows[:limit]]
    return EventPage(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


# ------------------------------------------------------------------ bulk moves (CONTRACT.md "Pool moves")
@router.post("/customers/bulk/mark-valid", response_model=BulkResult, tags=["pools"])
def bulk_mark_valid(body: BulkIds, actor: CurrentActor, db: DB) -> BulkResult:
    """认定为有效: potential → to_assign."""
    return _bulk(moves.mark_valid(db, actor, body.ids))


@router.post("/customers/bulk/assign", response_model=BulkResult, tags=["pools"])
def bulk_assign(body: AssignBody, actor: CurrentActor, db: DB) -> BulkResult:
    """Deal to up to 5 employees in order (round-robin), to a department's members, or by a rule."""
    return _bulk(moves.assign(db, actor, body.ids, assignee_ids=body.assignee_ids, department_id=body.department_id,
                              rule_id=body.rule_id))


@router.post("/customers/bulk/transfer", response_model=BulkResult, tags=["pools"])
def bulk_transfer(body: TransferBody, actor: CurrentActor, db: DB) -> BulkResult:
    """Change owner (转交 / 改跟进人); several owners → round-robin."""
    owners = body.owner_ids or ([body.owner_id] if body.owner_id is not None else [])
    if not owners:
        raise Invalid("assignee_required")
    return _bulk(moves.transfer(db, actor, body.ids, owners))


@router.post("/customers/bulk/recycle", response_model=BulkResult, tags=["pools"])
def bulk_recycle(body: RecycleBody, actor: CurrentActor, db: DB) -> BulkResult:
    """回收到公海, with a reason and the target public pool."""
    return _bulk(moves.recycle(db, actor, body.ids, reason=body.reason, public_pool_id=body.public_pool_id))


@router.post("/customers/bulk/delete", response_model=BulkResult, tags=["pools"])
def bulk_delete(body: BulkIds, actor: CurrentActor, db: DB) -> BulkResult:
    return _bulk(moves.delete(db, actor, body.ids))


@router.post("/customers/bulk/restore", response_model=BulkResult, tags=["pools"])
def bulk_restore(body: BulkIds, actor: CurrentActor, db: DB) -> BulkResult:
    return _bulk(moves.restore(db, actor, body.ids))


@router.post("/customers/bulk/purge", response_model=BulkResult, tags=["pools"])
def bulk_purge(body: BulkIds, actor: CurrentActor, db: DB, request: Request) -> BulkResult:
    """Delete binned customers for good (admins); audited with their names. Their attachments go too."""
    require(actor, "pool.recycle_bin")
    require(actor, "customer.delete")
    pools = dict(db.execute(sa.select(Customer.id, Customer.pool).where(customer_scope(actor),
                                                                        Customer.id.in_(body.ids))).all())
    binned = {cid for cid, pool in pools.items() if pool == "recycle_bin"}
    if binned:
        moves.purge(db, actor, sorted(binned), settings=request.app.state.settings)
    res = moves.BulkResult()
    for cid in dict.fromkeys(body.ids):
        if cid in binned:
            res.ok(cid)
        else:  # an id out of scope (or of another tenant) is not found, as in every bulk move
            res.refuse(cid, "not_in_recycle_bin" if cid in pools else "not_found")
    return _bulk(res)


@router.post("/customers/bulk/tag", response_model=BulkResult, tags=["pools"])
def bulk_tag(body: TagBody, actor: CurrentActor, db: DB) -> BulkResult:
    """Add, remove or replace tags on a selection."""
    return _bulk(moves.tag(db, actor, body.ids, body.tags, body.mode))


def _flag_route(action: str, doc: str) -> None:
    def handler(body: ReasonBody, actor: CurrentActor, db: DB) -> BulkResult:
        return _bulk(moves.set_flag(db, actor, action, body.ids, body.reason))

    handler.__name__ = f"bulk_{action}"
    handler.__doc__ = doc
    router.post(f"/customers/bulk/{action}", response_model=BulkResult, tags=["pools"])(handler)


for _action, _doc in (("deactivate", "停用 / 流失 (a won customer cannot be deleted)"), ("reactivate", "取消停用"),
                      ("blacklist", "加入黑名单 (reason required)"), ("unblacklist", "移出黑名单"),
                      ("lock", "锁定: exempt from auto-recycle"), ("unlock", "解除锁定")):
    _flag_route(_action, _doc)


# ------------------------------------------------------------------ leaver hand-over (PERM-6)
@router.post("/employees/{employee_id}/handover", response_model=HandoverRead, tags=["org"])
def handover(employee_id: int, body: HandoverBody, actor: CurrentActor, db: DB) -> HandoverRead:
    """离职交接: all of one employee's customers to others round-robin, optionally disabling the account."""
    return HandoverRead(**moves.handover(db, actor, employee_id, body.to_employee_ids, disable=body.disable))


# ------------------------------------------------------------------ settings
def _settings_routes(prefix: str, name: str, model: Any, create_body: Any, update_body: Any, read: Any) -> None:
    def list_(actor: CurrentActor, db: DB) -> list[Any]:
        return [read.model_validate(o, from_attributes=True) for o in settings.list_all(db, actor, model)]

    def create(body: create_body, actor: CurrentActor, db: DB) -> Any:  # type: ignore[valid-type]
        return read.model_validate(settings.create(db, actor, model, body, name), from_attributes=True)

    def update(obj_id: int, body: update_body, actor: CurrentActor, db: DB) -> Any:  # type: ignore[valid-type]
        return read.model_validate(settings.update(db, actor, model, obj_id, body, name), from_attributes=True)

    def delete(obj_id: int, actor: CurrentActor, db: DB) -> Response:
        settings.delete(db, actor, model, obj_id, name)
        return Response(status_code=204)

    # Bodies are per call of this factory, so their annotations are set as objects, not strings.
    create.__annotations__["body"] = create_body
    update.__annotations__["body"] = update_body
    for fn, verb in ((list_, "list"), (create, "create"), (update, "update"), (delete, "delete")):
        fn.__name__ = f"{verb}_{name}"
    router.get(f"/pool/{prefix}", response_model=list[read], tags=["pool settings"])(list_)
    router.post(f"/pool/{prefix}", response_model=read, status_code=201, tags=["pool settings"])(create)
    router.patch(f"/pool/{prefix}/{{obj_id}}", response_model=read, tags=["pool settings"])(update)
    router.delete(f"/pool/{prefix}/{{obj_id}}", status_code=204, tags=["pool settings"])(delete)


_settings_routes("public-pools", "public_pool", PublicPool, PublicPoolBase, PublicPoolUpdate, PublicPoolRead)
_settings_routes("assignment-rules", "assignment_rule", AssignmentRule, AssignmentRuleBase, AssignmentRuleUpdate,
                 AssignmentRuleRead)
_settings_routes("recycle-rules", "recycle_rule", RecycleRule, RecycleRuleBase, RecycleRuleUpdate, RecycleRuleRead)


@router.post("/pool/recycle-rules/run", response_model=list[RecycleRunRead], tags=["pool settings"])
def run_recycle_rules(actor: CurrentActor, db: DB) -> list[RecycleRunRead]:
    """Run every enabled recycle rule now (the scheduled job runs them every hour)."""
    require(actor, "settings.manage")
    return [RecycleRunRead(rule_id=r.rule_id, recycled=r.recycled, reminded=r.reminded)
            for r in recycle.run_tenant(db)]


# ------------------------------------------------------------------ notifications
@router.get("/notifications", response_model=NotificationPage, tags=["notifications"])
def notifications(actor: CurrentActor, db: DB, unread_only: bool = False, cursor: str | None = None,
                  limit: int = Query(20, ge=1, le=100)) -> NotificationPage:
    mine = Notification.employee_id == actor.employee_id
    stmt = sa.select(Notification).where(mine)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(Notification.id < after)
    rows = list(db.scalars(stmt.order_by(Notification.id.desc()).limit(limit + 1)))
    unread = db.scalar(sa.select(sa.func.count()).select_from(Notification)
                       .where(mine, Notification.read_at.is_(None))) or 0
    return NotificationPage(items=[NotificationRead.model_validate(n, from_attributes=True) for n in rows[:limit]],
                            unread=unread, next_cursor=encode_cursor(rows[limit - 1].id) if len(rows) > limit else None)


@router.post("/notifications/read", status_code=204, tags=["notifications"])
def mark_read(body: BulkIds, actor: CurrentActor, db: DB) -> Response:
    db.execute(sa.update(Notification).where(Notification.employee_id == actor.employee_id,
                                             Notification.id.in_(body.ids), Notification.read_at.is_(None))
               .values(read_at=clock.now()).execution_options(synchronize_session=False))
    return Response(status_code=204)


@router.post("/notifications/read-all", status_code=204, tags=["notifications"])
def mark_all_read(actor: CurrentActor, db: DB) -> Response:
    db.execute(sa.update(Notification).where(Notification.employee_id == actor.employee_id,
                                             Notification.read_at.is_(None))
               .values(read_at=clock.now()).execution_options(synchronize_session=False))
    return Response(status_code=204)
