from __future__ import annotations

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from huike.auth.deps import CurrentActor
from huike.authz import require
from huike.authz.actor import Actor
from huike.authz.permissions import PERMISSIONS
from huike.kit.errors import Forbidden
from huike.kit.web import DB, UnitOfWorkRoute
from huike.org import service
from huike.org.models import Employee, OrgUnit, Role, Tenant
from huike.org.schemas import (
    EmployeeCreate,
    EmployeeRead,
    EmployeeUpdate,
    MeRead,
    Page,
    PermissionRead,
    RoleBrief,
    RoleCreate,
    RoleRead,
    RoleUpdate,
    TenantRead,
    UnitCreate,
    UnitRead,
    UnitUpdate,
)

router = APIRouter(route_class=UnitOfWorkRoute)


def me_read(s: Session, actor: Actor) -> MeRead:
    e = s.get_one(Employee, actor.employee_id)
    tenant = s.get_one(Tenant, actor.tenant_id)
    role: Role = e.role
    return MeRead(
        id=e.id, username=e.username, name=e.name,
        tenant=TenantRead(id=tenant.id, code=tenant.code, name=tenant.name),
        department_id=e.department_id, department_name=e.department.name,
        role=RoleBrief(id=role.id, code=role.code, name=role.name, data_scope=role.data_scope, kind=role.kind),
        permissions=sorted(actor.permissions),
    )


@router.get("/me", response_model=MeRead, tags=["auth"])
def me(actor: CurrentActor, db: DB) -> MeRead:
    return me_read(db, actor)


@router.get("/permissions", response_model=list[PermissionRead], tags=["org"])
def permissions(actor: CurrentActor) -> list[PermissionRead]:
    return [PermissionRead(code=c, group=g) for c, g in PERMISSIONS.items()]


# ------------------------------------------------------------------ org tree
@router.get("/org/units", response_model=Page[UnitRead], tags=["org"])
def list_units(actor: CurrentActor, db: DB) -> Page[UnitRead]:
    items = service.list_units(db)
    return Page[UnitRead](items=items, total=len(items))


def _unit_read(db: DB, unit: OrgUnit) -> UnitRead:
    return next(u for u in service.list_units(db) if u.id == unit.id)


@router.post("/org/units", response_model=UnitRead, status_code=201, tags=["org"])
def create_unit(body: UnitCreate, actor: CurrentActor, db: DB) -> UnitRead:
    require(actor, "org.manage")
    return _unit_read(db, service.create_unit(db, actor, body))


@router.patch("/org/units/{unit_id}", response_model=UnitRead, tags=["org"])
def update_unit(unit_id: int, body: UnitUpdate, actor: CurrentActor, db: DB) -> UnitRead:
    service.get_unit(db, unit_id)  # 404 before 403: another tenant's id is simply not found
    require(actor, "org.manage")
    return _unit_read(db, service.update_unit(db, actor, unit_id, body))


# ------------------------------------------------------------------ employees
@router.get("/employees", response_model=Page[EmployeeRead], tags=["org"])
def list_employees(actor: CurrentActor, db: DB, q: str | None = Query(None, max_length=100),
                   department_id: int | None = None, include_disabled: bool = False,
                   limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)) -> Page[EmployeeRead]:
    rows, total = service.list_employees(db, q=q, department_id=department_id,
                                         include_disabled=include_disabled, limit=limit, offset=offset)
    return Page[EmployeeRead](items=[service.employee_read(e) for e in rows], total=total)


@router.post("/employees", response_model=EmployeeRead, status_code=201, tags=["org"])
def create_employee(body: EmployeeCreate, actor: CurrentActor, db: DB) -> EmployeeRead:
    require(actor, "employee.manage")
    e = service.create_employee(db, actor, **body.model_dump())
    return service.employee_read(e)


@router.get("/employees/{employee_id}", response_model=EmployeeRead, tags=["org"])
def get_employee(employee_id: int, actor: CurrentActor, db: DB) -> EmployeeRead:
    return service.employee_read(service.get_employee(db, employee_id))


@router.patch("/employees/{employee_id}", response_model=EmployeeRead, tags=["org"])
def update_employee(employee_id: int, body: EmployeeUpdate, actor: CurrentActor, db: DB) -> EmployeeRead:
    service.get_employee(db, employee_id)  # 404 before 403
    require(actor, "employee.manage")
    return service.employee_read(service.update_employee(db, actor, employee_id, body))


# ------------------------------------------------------------------ roles
def _require_roles_view(actor: Actor) -> None:
    if not (actor.can("role.manage") or actor.can("employee.manage")):
        raise Forbidden()


def _role_read(role: Role, counts: dict[int, int]) -> RoleRead:
    return RoleRead(id=role.id, code=role.code, name=role.name, data_scope=role.data_scope, kind=role.kind,
                    permissions=sorted(role.permissions or []), is_builtin=role.is_builtin,
                    employee_count=counts.get(role.id, 0))


@router.get("/roles", response_model=Page[RoleRead], tags=["org"])
def list_roles(actor: CurrentActor, db: DB) -> Page[RoleRead]:
    _require_roles_view(actor)
    counts = service.role_counts(db)
    items = [_role_read(r, counts) for r in db.scalars(select(Role).order_by(Role.id))]
    return Page[RoleRead](items=items, total=len(items))


@router.post("/roles", response_model=RoleRead, status_code=201, tags=["org"])
def create_role(body: RoleCreate, actor: CurrentActor, db: DB) -> RoleRead:
    require(actor, "role.manage")
    return _role_read(service.create_role(db, actor, body), {})


@router.patch("/roles/{role_id}", response_model=RoleRead, tags=["org"])
def update_role(role_id: int, body: RoleUpdate, actor: CurrentActor, db: DB) -> RoleRead:
    service.get_role(db, role_id)  # 404 before 403
    require(actor, "role.manage")
    role = service.update_role(db, actor, role_id, body)
    return _role_read(role, service.role_counts(db))


@router.delete("/roles/{role_id}", status_code=204, tags=["org"])
def delete_role(role_id: int, actor: CurrentActor, db: DB) -> Response:
    service.get_role(db, role_id)  # 404 before 403
    require(actor, "role.manage")
    service.delete_role(db, actor, role_id)
    return Response(status_code=204)
