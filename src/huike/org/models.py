"""Tenants, the org tree, roles and employees (PERM-1, PERM-2, PERM-3/4/5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin

UNIT_KINDS = ("company", "center", "department")
DATA_SCOPES = ("self", "department", "center", "company")
ROLE_KINDS = ("sales", "non_sales")


class Tenant(IdMixin, TimestampMixin, Base):
    """The registry of tenants. Not a tenant table itself: login resolves the code here."""

    __tablename__ = "tenants"
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    is_active: Mapped[bool] = mapped_column(default=True)


class OrgUnit(IdMixin, TenantMixin, TimestampMixin, Base):
    """A node of the org tree. `path` is the materialised path of ids, e.g. `/1/4/9/`,
    so that "the whole subtree" is one indexed prefix match on both databases."""

    __tablename__ = "org_units"
    __table_args__ = (sa.CheckConstraint("kind IN ('company','center','department')", name="kind"),)
    parent_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("org_units.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(100))
    path: Mapped[str] = mapped_column(sa.String(500), default="", index=True)
    sort: Mapped[int] = mapped_column(default=0)
    disabled: Mapped[bool] = mapped_column(default=False)


class Role(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "roles"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "code"),
        sa.CheckConstraint("data_scope IN ('self','department','center','company')", name="data_scope"),
        sa.CheckConstraint("kind IN ('sales','non_sales')", name="kind"),
    )
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(100))
    data_scope: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(20))
    permissions: Mapped[list[Any]] = mapped_column(default=list)
    is_builtin: Mapped[bool] = mapped_column(default=False)


class Employee(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "employees"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "username"),)
    username: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    department_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("org_units.id"), index=True)
    role_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("roles.id"), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    disabled_at: Mapped[datetime | None]

    department: Mapped[OrgUnit] = relationship(lazy="joined", innerjoin=True)
    role: Mapped[Role] = relationship(lazy="joined", innerjoin=True)
