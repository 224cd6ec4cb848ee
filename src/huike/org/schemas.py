from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field

DataScope = Literal["self", "department", "center", "company"]
RoleKind = Literal["sales", "non_sales"]


class TenantRead(BaseModel):
    id: int
    code: str
    name: str


class RoleBrief(BaseModel):
    id: int
    code: str
    name: str
    data_scope: DataScope
    kind: RoleKind


class MeRead(BaseModel):
    id: int
    username: str
    name: str
    tenant: TenantRead
    department_id: int
    department_name: str
    role: RoleBrief
    permissions: list[str]


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    parent_id: int | None
    kind: Literal["company", "center", "department"]
    name: str
    disabled: bool
    sort: int
    employee_count: int = 0


class UnitCreate(BaseModel):
    parent_id: int
    kind: Literal["center", "department"]
    name: str = Field(min_length=1, max_length=100)


class UnitUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    parent_id: int | None = None
    disabled: bool | None = None


class EmployeeRead(BaseModel):
    id: int
    username: str
    name: str
    phone: str | None
    email: str | None
    department_id: int
    department_name: str
    role_id: int
    role_code: str
    role_name: str
    is_active: bool
    created_at: datetime


class EmployeeCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8, max_length=200)
    department_id: int
    role_id: int
    phone: str | None = Field(default=None, max_length=32)
    email: EmailStr | None = None


class EmployeeUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    department_id: int | None = None
    role_id: int | None = None
    is_active: bool | None = None
    phone: str | None = Field(default=None, max_length=32)
    email: EmailStr | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)


class RoleRead(BaseModel):
    id: int
    code: str
    name: str
    data_scope: DataScope
    kind: RoleKind
    permissions: list[str]
    is_builtin: bool
    employee_count: int = 0


class RoleCreate(BaseModel):
    code: str = Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, max_length=100)
    data_scope: DataScope
    kind: RoleKind
    permissions: list[str] = Field(default_factory=list, max_length=100)


class RoleUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    data_scope: DataScope | None = None
    kind: RoleKind | None = None
    permissions: list[str] | None = Field(default=None, max_length=100)


class PermissionRead(BaseModel):
    code: str
    group: str


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
