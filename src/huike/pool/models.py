"""Pool rules, assignment rules, recycle rules, the claim counter, WeCom-friend relations and the
customer timeline (POOL-3…17, WORK-5)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin, utcnow


class PublicPool(IdMixin, TenantMixin, TimestampMixin, Base):
    """A public pool (公海) with its own members and claim rules (POOL-5). Every tenant has one
    default pool; more (per center or region) may be added. `member_unit_ids` empty = everyone."""

    __tablename__ = "public_pools"
    name: Mapped[str] = mapped_column(sa.String(100))
    is_default: Mapped[bool] = mapped_column(default=False)
    member_unit_ids: Mapped[list[Any]] = mapped_column(default=list)
    admin_ids: Mapped[list[Any]] = mapped_column(default=list)
    daily_claim_quota: Mapped[int | None]  # None = unlimited
    reclaim_cooldown_days: Mapped[int] = mapped_column(default=0)
    capacity: Mapped[int | None]  # 库容: max customers owned (following) per employee
    protection_minutes: Mapped[int] = mapped_column(default=0)  # after entering the pool, not claimable
    retention_days: Mapped[int] = mapped_column(default=30)  # recycle bin retention (tenant-wide, default pool)


class ClaimCounter(TenantMixin, Base):
    """Claims per employee per day. Its guarded increment is the quota check, and its row lock
    serialises one employee's concurrent claims on PostgreSQL (SQLite serialises all writers)."""

    __tablename__ = "claim_counters"
    employee_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id", ondelete="CASCADE"),
                                             primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class AssignmentRule(IdMixin, TenantMixin, TimestampMixin, Base):
    """How customers are dealt (POOL-3): round_robin remembers `pointer` across calls; least_loaded
    picks who owns the fewest following customers; by_department deals to the members of
    `department_id`. Disabled employees and those at capacity are skipped."""

    __tablename__ = "assignment_rules"
    __table_args__ = (sa.CheckConstraint("strategy IN ('round_robin','least_loaded','by_department')",
                                         name="strategy"),)
    name: Mapped[str] = mapped_column(sa.String(100))
    strategy: Mapped[str] = mapped_column(sa.String(20))
    pool: Mapped[str | None] = mapped_column(sa.String(20))  # to_assign / public / None
    department_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("org_units.id"))
    member_ids: Mapped[list[Any]] = mapped_column(default=list)
    pointer: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)


class RecycleRule(IdMixin, TenantMixin, TimestampMixin, Base):
    """Auto-recycle to a public pool (POOL-10). kind: no_followup (since the later of last follow-up
    and claim), no_opportunity, not_won (since claim). `level` restricts to one customer level.
    WeCom-friend customers are always exempt (POOL-11: never dropped to the public pool), so that is
    no per-rule switch; won, locked and focus exemptions are."""

    __tablename__ = "recycle_rules"
    __table_args__ = (sa.CheckConstraint("kind IN ('no_followup','no_opportunity','not_won')", name="kind"),)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(20))
    days: Mapped[int]
    department_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("org_units.id"))
    level: Mapped[str | None] = mapped_column(sa.String(50))
    target_pool_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("public_pools.id"))
    remind_days_before: Mapped[int] = mapped_column(default=3)
    exempt_won: Mapped[bool] = mapped_column(default=True)
    exempt_locked: Mapped[bool] = mapped_column(default=True)
    exempt_focus: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)


class WecomFriend(TenantMixin, Base):
    """The customer is a WeCom friend of this employee (POOL-11). Synced from WeCom later."""

    __tablename__ = "wecom_friends"
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"),
                                             primary_key=True)
    employee_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomerEvent(IdMixin, TenantMixin, Base):
    """The customer timeline (客户动态, WORK-5): every move and change, newest first.
    `type` is open-ended so later modules (calls, WeCom, orders) add their own."""

    __tablename__ = "customer_events"
    __table_args__ = (sa.Index("ix_customer_events_customer", "tenant_id", "customer_id", "id"),)
    # no index of its own (0009): the one above starts with it, and an auto-recycle run writes a row per customer
    tenant_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(sa.String(40))
    actor_id: Mapped[int | None] = mapped_column(BigId)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Notification(IdMixin, TenantMixin, Base):
    """In-app notifications (e.g. "will be recycled in K days"). The reminder engine extends it."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_recipient", "tenant_id", "employee_id", "id"),
                      sa.UniqueConstraint("tenant_id", "dedupe_key"))
    employee_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str | None] = mapped_column(sa.Text)
    customer_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    dedupe_key: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
