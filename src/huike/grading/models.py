"""Automatic customer grading (POOL-16, 客户自动分级): one settings row per tenant and its ordered rules.

A rule names a value of the level dictionary (stored by name, like `customers.level`; a rename of the
level follows, see `dictionary.service.update_item`). The customer's own `level_source` says where its
level came from: 'manual' (set by hand), 'auto' (set by this module) or NULL (no record: imported, older
data); only 'auto' levels and empty levels are regraded unless `override_manual` is on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, IdMixin, TenantMixin, TimestampMixin
from huike.kit.money import MoneyType


class GradingSettings(IdMixin, TenantMixin, TimestampMixin, Base):
    """系统设置 → 客户自动分级. `window_days` NULL = purchases of all time; else the last N days (365 = 年采购额)."""

    __tablename__ = "grading_settings"
    __table_args__ = (sa.UniqueConstraint("tenant_id"),
                      sa.CheckConstraint("window_days IS NULL OR window_days >= 1", name="window_days"))
    enabled: Mapped[bool] = mapped_column(default=False)
    window_days: Mapped[int | None] = mapped_column(default=365)
    fallback_level: Mapped[str | None] = mapped_column(sa.String(50))  # no rule matches: this level; NULL = unchanged
    override_manual: Mapped[bool] = mapped_column(default=False)  # also regrade levels set by hand
    last_run_at: Mapped[datetime | None]
    last_run_changed: Mapped[int | None]


class GradingRule(IdMixin, TenantMixin, Base):
    """One rule: purchases in the window ≥ `min_amount` (and, if set, a purchase within the last
    `within_days` days) → `level`. Rules are tried by `position`; the first match wins."""

    __tablename__ = "grading_rules"
    __table_args__ = (sa.CheckConstraint("min_amount >= 0", name="min_amount"),
                      sa.CheckConstraint("within_days IS NULL OR within_days >= 1", name="within_days"))
    position: Mapped[int]
    level: Mapped[str] = mapped_column(sa.String(50))
    min_amount: Mapped[Decimal] = mapped_column(MoneyType())
    within_days: Mapped[int | None]
