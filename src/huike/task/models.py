"""Tasks over a selection of customers (下发任务, WORK-7): one task, one item per customer, dealt
round-robin to the handlers in order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin

TYPES = ("call", "visit", "content", "custom")


class Task(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        sa.CheckConstraint("type IN ('call','visit','content','custom')", name="type"),
        sa.CheckConstraint("status IN ('open','done','cancelled')", name="status"),
        sa.Index("ix_tasks_issuer", "tenant_id", "issuer_id", "id"),
    )
    type: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[str | None] = mapped_column(sa.Text)  # for content spreading: the material to send
    due_at: Mapped[datetime | None]
    issuer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    handler_ids: Mapped[list[Any]] = mapped_column(default=list)  # in the order customers were dealt
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    selected: Mapped[int] = mapped_column(default=0)
    skipped_blacklisted: Mapped[int] = mapped_column(default=0)
    skipped_other: Mapped[int] = mapped_column(default=0)
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class TaskItem(IdMixin, TenantMixin, Base):
    __tablename__ = "task_items"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending','done')", name="status"),
        sa.Index("ix_task_items_task", "tenant_id", "task_id", "position"),
        sa.Index("ix_task_items_handler", "tenant_id", "handler_id", "status"),
    )
    task_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("tasks.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    handler_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    position: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    done_at: Mapped[datetime | None]
    followup_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("followups.id", ondelete="SET NULL"))
    result: Mapped[str | None] = mapped_column(sa.String(500))
