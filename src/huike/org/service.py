"""Rules of the org tree, employees and roles. Services never commit; the caller's unit of work does."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.auth.passwords import hash_password
from huike.auth.service import revoke_employee_sessions
from huike.authz.actor import Actor
from huike.authz.permissions import DEFAULT_ROLES, PERMISSIONS
from huike.kit.db import set_tenant
from huike.kit.errors import Conflict, Invalid, NotFound
from huike.kit.models import utcnow
from huike.org import schemas
from huike.org.models import Employee, OrgUnit, Role, Tenant
from huike.pool.models import PublicPool


# ---------------------------------------------------------------- tenants
def create_tenant(s: Session, code: str, name: str, admin_username: str, admin_password: str,
                  admin_name: str = "系统管理员") -> tuple[Tenant, Employee]:
    """A new tenant: company root, a head-office center and department, the default roles, its admin."""
    code = code.strip()
    if not code or len(code) > 40:
        raise Invalid("validation_error")
    if s.scalar(sa.select(Tenant.id).where(sa.func.lower(Tenant.code) == code.lower())):
        raise Conflict("tenant_exists", code=code)
    if len(admin_password) < 8:
        raise Invalid("weak_password")
    tenant = Tenant(code=code, name=name)
    s.add(tenant)
    s.flush()
    set_tenant(s, tenant.id)
    company = add_unit(s, None, "company", name)
    center = add_unit(s, company, "center", "总部")
    office = add_unit(s, center, "department", "总经办")
    roles = ensure_default_roles(s)
    s.add(PublicPool(name="公海", is_default=True))
    from huike.dictionary.service import install_defaults

    install_defaults(s)  # sources, industries, levels, stages, tag groups (FIND dictionaries)
    admin = Employee(username=admin_username, name=admin_name, password_hash=hash_password(admin_password),
                     department_id=office.id, role_id=roles["admin"].id)
    s.add(admin)
    s.flush()
    audit.record(s, "tenant.create", "tenant", tenant.id, actor_name="huike",
                 after={"code": code, "name": name, "admin": admin_username})
    return tenant, admin


def ensure_default_roles(s: Session) -> dict[str, Role]:
    existing = {r.code: r for r in s.scalars(sa.select(Role))}
    for code, (name, scope, kind, perms) in DEFAULT_ROLES.items():
        if code not in existing:
            role = Role(code=code, name=name, data_scope=scope, kind=kind, permissions=list(perms), is_builtin=True)
            s.add(role)
            existing[code] = role
    s.flush()
    return existing


# ---------------------------------------------------------------- org units
def add_unit(s: Session, parent: OrgUnit | None, kind: str, name: str) -> OrgUnit:
    unit = OrgUnit(parent_id=parent.id if parent else None, kind=kind, name=name)
    s.add(unit)
    s.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    s.flush()
    return unit


def get_unit(s: Session, unit_id: int) -> OrgUnit:
    unit = s.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound()
    return unit


def _check_parent(kind: str, parent: OrgUnit) -> None:
    allowed = {"center": ("company",), "department": ("center", "department")}[kind]
    if parent.kind not in allowed or parent.disabled:
        raise Invalid("invalid_parent")


def unit_dict(u: OrgUnit) -> dict[str, Any]:
    return {"name": u.name, "kind": u.kind, "parent_id": u.parent_id, "disabled": u.disabled}


def create_unit(s: Session, actor: Actor, body: schemas.UnitCreate) -> OrgUnit:
    parent = s.get(OrgUnit, body.parent_id)
    if parent is None:
        raise Invalid("invalid_parent")
    _check_parent(body.kind, parent)
    unit = add_unit(s, parent, body.kind, body.name.strip())
    audit.record(s, "org_unit.create", "org_unit", unit.id, actor=actor, after=unit_dict(unit))
    return unit


def update_unit(s: Session, actor: Actor, unit_id: int, body: schemas.UnitUpdate) -> OrgUnit:
    unit = get_unit(s, unit_id)
    before = unit_dict(unit)
    fields = body.model_fields_set
    if unit.kind == "company" and (("parent_id" in fields and body.parent_id is not None) or body.disabled):
        raise Invalid("root_locked")
    if body.name is not None:
        unit.name = body.name.strip()
    if "parent_id" in fields and body.parent_id is not None and body.parent_id != unit.parent_id:
        parent = s.get(OrgUnit, body.parent_id)
        if parent is None:
            raise Invalid("invalid_parent")
        if parent.path.startswith(unit.path):
            raise Invalid("org_cycle")
        _check_parent(unit.kind, parent)
        old, new = unit.path, f"{parent.path}{unit.id}/"
        s.execute(sa.update(OrgUnit).where(OrgUnit.path.startswith(old))
                  .values(path=sa.literal(new) + sa.func.substr(OrgUnit.path, len(old) + 1))
                  .execution_options(synchronize_session="fetch"))
        unit.parent_id = parent.id
    if body.disabled is not None and body.disabled != unit.disabled:
        if body.disabled:
            busy_children = s.scalar(sa.select(sa.func.count()).select_from(OrgUnit)
                                     .where(OrgUnit.parent_id == unit.id, ~OrgUnit.disabled))
            busy_people = s.scalar(sa.select(sa.func.count()).select_from(Employee)
                                   .where(Employee.department_id == unit.id, Employee.is_active))
            if busy_children or busy_people:
                raise Conflict("unit_not_empty")
        unit.disabled = body.disabled
    s.flush()
    b, a = audit.diff(before, unit_dict(unit))
    if a:
        audit.record(s, "org_unit.update", "org_unit", unit.id, actor=actor, before=b, after=a)
    return unit


def list_units(s: Session) -> list[schemas.UnitRead]:
    counts = dict(s.execute(sa.select(Employee.department_id, sa.func.count())
                            .where(Employee.is_active).group_by(Employee.department_id)).all())
    units = s.scalars(sa.select(OrgUnit).order_by(OrgUnit.sort, OrgUnit.id))
    return [schemas.UnitRead(id=u.id, parent_id=u.parent_id, kind=u.kind, name=u.name, disabled=u.disabled,
                             sort=u.sort, employee_count=counts.get(u.id, 0)) for u in units]


# ---------------------------------------------------------------- employees
def employee_read(e: Employee) -> schemas.EmployeeRead:
    return schemas.EmployeeRead(
        id=e.id, username=e.username, name=e.name, phone=e.phone, email=e.email,
        department_id=e.department_id, department_name=e.department.name, role_id=e.role_id,
        role_code=e.role.code, role_name=e.role.name, is_active=e.is_active, created_at=e.created_at)


def _employee_dict(e: Employee) -> dict[str, Any]:
    return {"username": e.username, "name": e.name, "phone": e.phone, "email": e.email,
            "department_id": e.department_id, "role_id": e.role_id, "is_active": e.is_active}


def get_employee(s: Session, employee_id: int) -> Employee:
    e = s.get(Employee, employee_id)
    if e is None:
        raise NotFound()
    return e


def _department(s: Session, unit_id: int) -> OrgUnit:
    unit = s.get(OrgUnit, unit_id)
    if unit is None or unit.kind != "department":
        raise Invalid("department_required", errors=[{"field": "department_id", "code": "department_required",
                                                      "message": "department_required"}])
    if unit.disabled:
        raise Invalid("department_disabled")
    return unit


def _role(s: Session, role_id: int) -> Role:
    role = s.get(Role, role_id)
    if role is None:
        raise Invalid("validation_error", errors=[{"field": "role_id", "code": "not_found", "message": "role"}])
    return role


def create_employee(s: Session, actor: Actor | None, *, username: str, name: str, password: str,
                    department_id: int, role_id: int, phone: str | None = None,
                    email: str | None = None) -> Employee:
    if s.scalar(sa.select(Employee.id).where(Employee.username == username)):
        raise Conflict("username_taken", username=username)
    if len(password) < 8:
        raise Invalid("weak_password")
    _department(s, department_id)
    _role(s, role_id)
    e = Employee(username=username, name=name, password_hash=hash_password(password),
                 department_id=department_id, role_id=role_id, phone=phone, email=email)
    s.add(e)
    s.flush()
    s.refresh(e)
    audit.record(s, "employee.create", "employee", e.id, actor=actor, actor_name=None if actor else "huike",
                 after=_employee_dict(e))
    return e


def update_employee(s: Session, actor: Actor, employee_id: int, body: schemas.EmployeeUpdate) -> Employee:
    e = get_employee(s, employee_id)
    before = _employee_dict(e)
    data = body.model_dump(exclude_unset=True)
    if "department_id" in data and data["department_id"] != e.department_id:
        _department(s, data["department_id"])
    if "role_id" in data:
        _role(s, data["role_id"])
    if data.get("is_active") is False and e.id == actor.employee_id:
        raise Conflict("cannot_disable_self")
    password = data.pop("password", None)
    for key, value in data.items():
        if value is not None or key in ("phone", "email"):
            setattr(e, key, value)
    if password:
        e.password_hash = hash_password(password)
    if data.get("is_active") is False and before["is_active"]:
        e.disabled_at = utcnow()
        revoke_employee_sessions(s, e.id)  # ends their sessions at once
    elif data.get("is_active") is True:
        e.disabled_at = None
    s.flush()
    s.refresh(e)
    b, a = audit.diff(before, _employee_dict(e))
    if password:
        a = {**(a or {}), "password": "******"}
    if a:
        audit.record(s, "employee.update", "employee", e.id, actor=actor, before=b, after=a)
    return e


def list_employees(s: Session, *, q: str | None, department_id: int | None, include_disabled: bool,
                   limit: int, offset: int) -> tuple[list[Employee], int]:
    stmt = sa.select(Employee)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(sa.or_(Employee.name.like(like), Employee.username.like(like), Employee.phone.like(like)))
    if department_id is not None:
        stmt = stmt.where(Employee.department_id == department_id)
    if not include_disabled:
        stmt = stmt.where(Employee.is_active)
    total = s.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(s.scalars(stmt.order_by(Employee.id).limit(limit).offset(offset)).unique())
    return rows, total


# ---------------------------------------------------------------- roles
def _check_permissions(perms: list[str]) -> list[str]:
    for p in perms:
        if p not in PERMISSIONS:
            raise Invalid("unknown_permission", permission=p)
    return sorted(set(perms))


def role_dict(r: Role) -> dict[str, Any]:
    return {"code": r.code, "name": r.name, "data_scope": r.data_scope, "kind": r.kind,
            "permissions": sorted(r.permissions or [])}


def role_counts(s: Session) -> dict[int, int]:
    return dict(s.execute(sa.select(Employee.role_id, sa.func.count()).where(Employee.is_active)
                          .group_by(Employee.role_id)).all())


def create_role(s: Session, actor: Actor, body: schemas.RoleCreate) -> Role:
    if s.scalar(sa.select(Role.id).where(Role.code == body.code)):
        raise Conflict("role_code_taken", code=body.code)
    role = Role(code=body.code, name=body.name, data_scope=body.data_scope, kind=body.kind,
                permissions=_check_permissions(body.permissions), is_builtin=False)
    s.add(role)
    s.flush()
    audit.record(s, "role.create", "role", role.id, actor=actor, after=role_dict(role))
    return role


def get_role(s: Session, role_id: int) -> Role:
    role = s.get(Role, role_id)
    if role is None:
        raise NotFound()
    return role


def update_role(s: Session, actor: Actor, role_id: int, body: schemas.RoleUpdate) -> Role:
    role = get_role(s, role_id)
    before = role_dict(role)
    data = body.model_dump(exclude_unset=True)
    if data.get("permissions") is not None:
        data["permissions"] = _check_permissions(data["permissions"])
    for key, value in data.items():
        if value is not None:
            setattr(role, key, value)
    s.flush()
    b, a = audit.diff(before, role_dict(role))
    if a:
        audit.record(s, "role.update", "role", role.id, actor=actor, before=b, after=a)
    return role


def delete_role(s: Session, actor: Actor, role_id: int) -> None:
    role = get_role(s, role_id)
    if role.is_builtin:
        raise Conflict("role_builtin")
    if s.scalar(sa.select(sa.func.count()).select_from(Employee).where(Employee.role_id == role.id)):
        raise Conflict("role_in_use")
    before = role_dict(role)
    s.delete(role)
    s.flush()
    audit.record(s, "role.delete", "role", role_id, actor=actor, before=before)
