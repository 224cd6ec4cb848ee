"""Admin settings of pools: public pools with claim rules, assignment rules, recycle rules."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import require
from huike.authz.actor import Actor
from huike.customer.models import Customer
from huike.kit.errors import Conflict, Invalid, NotFound
from huike.kit.models import Base
from huike.org.models import Employee, OrgUnit
from huike.pool.models import AssignmentRule, PublicPool, RecycleRule


def _dict(obj: Base, body: type[BaseModel]) -> dict[str, Any]:
    return {k: getattr(obj, k) for k in body.model_fields if hasattr(obj, k)}


def _check_units(s: Session, ids: list[int] | None, *, kind: str | None = None) -> None:
    if not ids:
        return
    stmt = sa.select(OrgUnit.id).where(OrgUnit.id.in_(ids))
    if kind:
        stmt = stmt.where(OrgUnit.kind == kind)
    if len(set(s.scalars(stmt))) != len(set(ids)):
        raise Invalid("invalid_parent")


def _check_employees(s: Session, ids: list[int] | None) -> None:
    if ids and len(set(s.scalars(sa.select(Employee.id).where(Employee.id.in_(ids))))) != len(set(ids)):
        raise Invalid("invalid_assignee", employee_id=next(iter(ids)))


def _check_pool(s: Session, pool_id: int | None) -> None:
    if pool_id is not None and s.get(PublicPool, pool_id) is None:
        raise Invalid("invalid_pool_target")


def create(s: Session, actor: Actor, model: type[Base], body: BaseModel, name: str) -> Any:
    require(actor, "settings.manage")
    data = body.model_dump()
    _validate(s, data)
    obj = model(**data)
    s.add(obj)
    s.flush()
    audit.record(s, f"{name}.create", name, obj.id, actor=actor, after=data)
    return obj


def update(s: Session, actor: Actor, model: type[Base], obj_id: int, body: BaseModel, name: str) -> Any:
    require(actor, "settings.manage")
    obj = s.get(model, obj_id)
    if obj is None:
        raise NotFound()
    data = body.model_dump(exclude_unset=True)
    nullable = {"daily_claim_quota", "capacity", "department_id", "level", "target_pool_id", "pool"}
    data = {k: v for k, v in data.items() if v is not None or k in nullable}
    _validate(s, data)
    before = {k: getattr(obj, k) for k in data}
    for k, v in data.items():
        setattr(obj, k, v)
    s.flush()
    b, a = audit.diff(before, {k: getattr(obj, k) for k in data})
    if a:
        audit.record(s, f"{name}.update", name, obj.id, actor=actor, before=b, after=a)
    return obj


def delete(s: Session, actor: Actor, model: type[Base], obj_id: int, name: str) -> None:
    require(actor, "settings.manage")
    obj = s.get(model, obj_id)
    if obj is None:
        raise NotFound()
    if isinstance(obj, PublicPool):
        if obj.is_default:
            raise Conflict("default_pool")
        if s.scalar(sa.select(sa.func.count()).select_from(Customer).where(Customer.public_pool_id == obj.id)):
            raise Conflict("pool_not_empty")
    before = {c.key: getattr(obj, c.key) for c in sa.inspect(type(obj)).column_attrs}
    s.delete(obj)
    s.flush()
    audit.record(s, f"{name}.delete", name, obj_id, actor=actor, before=before)


def _validate(s: Session, data: dict[str, Any]) -> None:
    _check_units(s, data.get("member_unit_ids"))
    _check_employees(s, data.get("admin_ids"))
    _check_employees(s, data.get("member_ids"))
    if data.get("department_id") is not None:
        _check_units(s, [data["department_id"]])
    _check_pool(s, data.get("target_pool_id"))
    if data.get("strategy") == "by_department" and "department_id" in data and data["department_id"] is None:
        raise Invalid("department_required")


def list_all(s: Session, actor: Actor, model: type[Base]) -> list[Any]:
    require(actor, "customer.view")
    return list(s.scalars(sa.select(model).order_by(model.id)))  # type: ignore[attr-defined]


MODELS = {"public_pool": PublicPool, "assignment_rule": AssignmentRule, "recycle_rule": RecycleRule}
