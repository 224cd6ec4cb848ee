"""Writing the audit log: in the same transaction as the change it records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from huike.audit.models import AuditEntry
from huike.authz.actor import Actor
from huike.kit import context


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict[str, Any] | None,
                                                                          dict[str, Any] | None]:
    """Keep only the keys that changed (both sides), for updates."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(session: Session, action: str, target_type: str, target_id: Any = None, *,
           actor: Actor | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, actor_name: str | None = None, actor_id: int | None = None,
           tenant_id: int | None = None) -> AuditEntry:
    ctx = context.current()
    entry = AuditEntry(
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        actor_id=actor.employee_id if actor else actor_id,
        actor_name=actor.name if actor else actor_name,
        before=_jsonable(before),
        after=_jsonable(after),
        request_id=ctx.request_id or None,
        ip=ctx.ip,
    )
    if tenant_id is not None:
        entry.tenant_id = tenant_id
    session.add(entry)
    return entry
