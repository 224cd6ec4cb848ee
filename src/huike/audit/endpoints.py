from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Query
from pydantic import BaseModel

from huike.audit.models import AuditEntry
from huike.auth.deps import CurrentActor
from huike.authz import require
from huike.kit.pagination import decode_cursor, encode_cursor
from huike.kit.web import DB, UnitOfWorkRoute

router = APIRouter(prefix="/audit", tags=["audit"], route_class=UnitOfWorkRoute)


class AuditRead(BaseModel):
    id: int
    actor_id: int | None
    actor_name: str | None
    action: str
    target_type: str
    target_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    ip: str | None
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditRead]
    next_cursor: str | None


@router.get("", response_model=AuditPage)
def list_audit(actor: CurrentActor, db: DB, action: str | None = Query(None, max_length=64),
               actor_id: int | None = None, target_type: str | None = Query(None, max_length=40),
               target_id: str | None = Query(None, max_length=64), since: datetime | None = None,
               until: datetime | None = None, cursor: str | None = None,
               limit: int = Query(50, ge=1, le=200)) -> AuditPage:
    """The append-only audit log, newest first. Read-only: no route edits or deletes it."""
    require(actor, "audit.view")
    stmt = sa.select(AuditEntry)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action.strip()))
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if target_type:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    if target_id:
        stmt = stmt.where(AuditEntry.target_id == target_id)
    if since:
        stmt = stmt.where(AuditEntry.created_at >= since)
    if until:
        stmt = stmt.where(AuditEntry.created_at < until)
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(AuditEntry.id < after)
    rows = list(db.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(items=[AuditRead.model_validate(r, from_attributes=True) for r in rows],
                     next_cursor=encode_cursor(rows[-1].id) if more else None)
