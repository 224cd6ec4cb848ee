"""Statistics (SALES-8) need no tables of their own: every figure is counted live under the viewer's
data scope. The work panel (SALES-9) keeps one row per employee: the KPI cards chosen, in order."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin


class WorkPanel(IdMixin, TenantMixin, TimestampMixin, Base):
    """工作台 (SALES-9): the card keys one employee chose, in display order (stats.panel.CARDS)."""

    __tablename__ = "work_panels"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "employee_id"),)
    employee_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id", ondelete="CASCADE"))
    cards: Mapped[list[Any]] = mapped_column(default=list)
