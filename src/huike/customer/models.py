"""The customer record (CONTRACT.md "Customers"). Tags live in `dictionary.models.CustomerTag`, custom
field values in `dictionary.models.CustomerFieldValue`, the quick-search forms in `find.models.CustomerSearch`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin
from huike.kit.money import MoneyType

# Lifecycle states stored on the row. The other pool keys (all, mine, assisting, focus) are views.
STATES = ("potential", "to_assign", "following", "public", "won", "recycle_bin")
POOL_KEYS = ("all", "potential", "to_assign", "following", "public", "mine", "assisting", "won", "focus",
             "recycle_bin")


class Customer(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (
        sa.CheckConstraint(
            "pool IN ('potential','to_assign','following','public','won','recycle_bin')", name="pool"),
        sa.Index("ix_customers_tenant_pool_id", "tenant_id", "pool", "id"),
        sa.Index("ix_customers_tenant_owner_id", "tenant_id", "owner_id", "id"),
        sa.Index("ix_customers_tenant_dept_id", "tenant_id", "department_id", "id"),
        sa.CheckConstraint("last_call_status IN ('connected','not_connected')", name="last_call_status"),
        # keyset pagination and range filters on every sortable column (FIND-2, FIND-8)
        sa.Index("ix_customers_tenant_id_id", "tenant_id", "id"),
        sa.Index("ix_customers_tenant_created", "tenant_id", "created_at", "id"),
        sa.Index("ix_customers_tenant_followup", "tenant_id", "last_followup_at", "id"),
        sa.Index("ix_customers_tenant_assigned", "tenant_id", "assigned_at", "id"),
        sa.Index("ix_customers_tenant_call", "tenant_id", "last_call_at", "id"),
        sa.Index("ix_customers_tenant_name", "tenant_id", "name", "id"),
        # external ids are looked up by value only: the index holds just the rows that have one (0009)
        sa.Index("ix_customers_tenant_external", "tenant_id", "external_id",
                 postgresql_where=sa.text("external_id IS NOT NULL"), sqlite_where=sa.text("external_id IS NOT NULL")),
    )
    # No index of its own: every index above starts with tenant_id (each index costs every recycled row, 0009).
    tenant_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    number: Mapped[str | None] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))
    pool: Mapped[str] = mapped_column(sa.String(20))
    owner_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    department_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("org_units.id"))
    company: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str | None] = mapped_column(sa.String(100))
    industry: Mapped[str | None] = mapped_column(sa.String(100))
    level: Mapped[str | None] = mapped_column(sa.String(50))
    # where the level came from (POOL-16): manual (by hand), auto (grading.service), NULL = no record (imported…)
    level_source: Mapped[str | None] = mapped_column(sa.String(10))
    stage: Mapped[str | None] = mapped_column(sa.String(50))  # 跟进阶段 (dictionary "stage")
    region: Mapped[str | None] = mapped_column(sa.String(100))  # 省/市/区, e.g. 浙江省/杭州市/西湖区
    wechat: Mapped[str | None] = mapped_column(sa.String(100))  # WeChat nickname
    external_id: Mapped[str | None] = mapped_column(sa.String(100))  # id in another system
    address: Mapped[str | None] = mapped_column(sa.String(500))
    remark: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    last_followup_at: Mapped[datetime | None]
    last_call_at: Mapped[datetime | None]  # set by the call centre (CALL-7); filterable now (FIND-2)
    last_call_status: Mapped[str | None] = mapped_column(sa.String(20))  # connected / not_connected
    deleted_at: Mapped[datetime | None]
    deleted_from_pool: Mapped[str | None] = mapped_column(sa.String(20))
    # pool lifecycle (POOL-3…17)
    # no foreign keys on these two (0009): a pool in use cannot be deleted (pool.settings), a deleted one
    # reads as the default pool; the previous owner is history. Each key cost a lookup per recycled row.
    public_pool_id: Mapped[int | None] = mapped_column(BigId)
    pool_entered_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]  # restarts the recycle clock
    assigned_at: Mapped[datetime | None]
    acquired_via: Mapped[str | None] = mapped_column(sa.String(20))  # created / assigned / claimed / imported
    previous_owner_id: Mapped[int | None] = mapped_column(BigId)
    recycled_at: Mapped[datetime | None]
    recycle_reason: Mapped[str | None] = mapped_column(sa.String(200))
    last_opportunity_at: Mapped[datetime | None]
    won_at: Mapped[datetime | None]
    # purchases (SALES-6, POOL-16): sum of completed orders' totals and the latest deal time, kept by sales.orders
    total_purchase: Mapped[Decimal] = mapped_column(MoneyType(), default=Decimal("0.00"),
                                                    server_default="0")
    last_purchase_at: Mapped[datetime | None]
    locked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    blacklisted: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    blacklist_reason: Mapped[str | None] = mapped_column(sa.String(200))
    deactivated: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    deactivate_reason: Mapped[str | None] = mapped_column(sa.String(200))
    merged_into_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("customers.id"))
    version: Mapped[int] = mapped_column(default=1)

    phones: Mapped[list[CustomerPhone]] = relationship(
        order_by="CustomerPhone.position", cascade="all, delete-orphan", lazy="selectin")
    collaborators: Mapped[list[CustomerCollaborator]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class CustomerPhone(IdMixin, TenantMixin, Base):
    """Phones are the identity (POOL-15): normalised, unique per tenant, several per customer."""

    __tablename__ = "customer_phones"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "phone"),)
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(sa.String(32))
    position: Mapped[int] = mapped_column(default=0)


class CustomerCollaborator(TenantMixin, Base):
    __tablename__ = "customer_collaborators"
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"),
                                             primary_key=True)
    employee_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"), primary_key=True, index=True)


class CustomerFocus(TenantMixin, Base):
    """A private star (POOL-9): one per employee per customer, with a colour."""

    __tablename__ = "customer_focus"
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"),
                                             primary_key=True)
    employee_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"), primary_key=True, index=True)
    color: Mapped[str] = mapped_column(sa.String(20), default="red")


# Quick search keeps its own row per customer, rewritten after every flush that touches a searchable
# field or phone (huike.find.indexing registers the session hooks on import).
import huike.find.indexing  # noqa: F401
