"""Follow-up records (跟进记录, WORK-4) and automatic tagging rules (WORK-6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin

METHODS = ("phone", "wechat", "visit", "email", "other")


class Followup(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "followups"
    __table_args__ = (
        sa.CheckConstraint("method IN ('phone','wechat','visit','email','other')", name="method"),
        sa.Index("ix_followups_customer", "tenant_id", "customer_id", "id"),
        sa.Index("ix_followups_next_at", "tenant_id", "next_at"),
        sa.Index("ix_followups_author", "tenant_id", "author_id", "at"),
    )
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    contact_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("contacts.id", ondelete="SET NULL"))
    at: Mapped[datetime]  # when the contact happened
    method: Mapped[str] = mapped_column(sa.String(20))
    content: Mapped[str] = mapped_column(sa.Text)
    feedback: Mapped[str | None] = mapped_column(sa.Text)
    stage: Mapped[str | None] = mapped_column(sa.String(50))
    next_at: Mapped[datetime | None]
    next_plan: Mapped[str | None] = mapped_column(sa.Text)
    remind: Mapped[bool] = mapped_column(default=True)  # 到期提醒
    attachments: Mapped[list[Any]] = mapped_column(default=list)  # [{name, url, size}]
    auto_tags: Mapped[list[Any]] = mapped_column(default=list)  # tags added by rules when written
    task_item_id: Mapped[int | None] = mapped_column(BigId)  # written by processing a task item


class TagRule(IdMixin, TenantMixin, TimestampMixin, Base):
    """Automatic tagging: a follow-up whose content or feedback contains a keyword tags the customer."""

    __tablename__ = "tag_rules"
    __table_args__ = (sa.CheckConstraint("match IN ('any','all')", name="match"),)
    name: Mapped[str] = mapped_column(sa.String(100))
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    match: Mapped[str] = mapped_column(sa.String(10), default="any")
    tag: Mapped[str] = mapped_column(sa.String(50))
    enabled: Mapped[bool] = mapped_column(default=True)
