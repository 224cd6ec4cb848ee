"""Return visits (回访, WORK-9): plans and the records of visits made."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin

PLAN_TYPES = ("periodic", "new_customer", "problem")
METHODS = ("phone", "onsite", "video", "wechat", "other")
SATISFACTION = ("very_satisfied", "satisfied", "neutral", "dissatisfied")


class VisitPlan(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "visit_plans"
    __table_args__ = (
        sa.CheckConstraint("type IN ('periodic','new_customer','problem')", name="type"),
        sa.CheckConstraint("status IN ('planned','done','cancelled')", name="status"),
        sa.Index("ix_visit_plans_customer", "tenant_id", "customer_id", "id"),
        sa.Index("ix_visit_plans_owner", "tenant_id", "owner_id", "planned_at"),
        sa.Index("ix_visit_plans_due", "tenant_id", "status", "planned_at"),
    )
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(sa.String(20))
    planned_at: Mapped[datetime]
    topic: Mapped[str] = mapped_column(sa.String(200))
    owner_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default="planned")
    remark: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    done_at: Mapped[datetime | None]


class VisitRecord(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "visit_records"
    __table_args__ = (
        sa.CheckConstraint("method IN ('phone','onsite','video','wechat','other')", name="method"),
        sa.CheckConstraint("satisfaction IN ('very_satisfied','satisfied','neutral','dissatisfied')",
                           name="satisfaction"),
        sa.Index("ix_visit_records_customer", "tenant_id", "customer_id", "id"),
        sa.Index("ix_visit_records_visitor", "tenant_id", "visitor_id", "visited_at"),
    )
    plan_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("visit_plans.id", ondelete="SET NULL"))
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    visitor_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    visited_at: Mapped[datetime]
    method: Mapped[str] = mapped_column(sa.String(20))
    content: Mapped[str] = mapped_column(sa.Text)
    feedback: Mapped[str | None] = mapped_column(sa.Text)
    satisfaction: Mapped[str] = mapped_column(sa.String(20))
    problems: Mapped[str | None] = mapped_column(sa.Text)
    actions: Mapped[str | None] = mapped_column(sa.Text)
