"""Automatic grading settings (POOL-16). Money: requests take a string ("500000.00", recommended) or a
JSON number with at most two decimals; responses give two-decimal strings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer

CENT = Decimal("0.01")
MAX_RULES = 10
MoneyIn = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2, allow_inf_nan=False)]
Money = Annotated[Decimal, PlainSerializer(lambda v: format(Decimal(v).quantize(CENT), "f"), return_type=str)]


class GradingRuleIn(BaseModel):
    level: str = Field(min_length=1, max_length=50, description="a value of the level dictionary")
    min_amount: MoneyIn = Field(description="purchases in the window at least this much (≥ 0)")
    within_days: int | None = Field(default=None, ge=1, le=3650,
                                    description="and a completed order within the last N days (活跃度); null = any")


class GradingRuleRead(BaseModel):
    level: str
    min_amount: Money
    within_days: int | None


class GradingUpdate(BaseModel):
    enabled: bool = False
    window_days: int | None = Field(default=365, ge=1, le=3650,
                                    description="purchases of the last N days (365 = 年采购额); null = all time")
    rules: list[GradingRuleIn] = Field(default_factory=list, max_length=MAX_RULES,
                                       description="tried in order, the first match wins (at most 10)")
    fallback_level: str | None = Field(default=None, max_length=50,
                                       description="the level when no rule matches; null = leave the level unchanged")
    override_manual: bool = Field(default=False, description="also regrade levels set by hand")


class GradingRead(BaseModel):
    enabled: bool
    window_days: int | None
    rules: list[GradingRuleRead]
    fallback_level: str | None
    override_manual: bool
    saved: bool = Field(description="false: nothing saved yet, these are the defaults")
    last_run_at: datetime | None = None
    last_run_changed: int | None = Field(default=None, description="customers whose level the last whole-tenant run "
                                                                   "changed")
    changed: int | None = Field(default=None, description="on save: customers regraded by this save (if enabled)")


class GradingRunRead(BaseModel):
    changed: int = Field(description="customers whose level changed")
    by_level: dict[str, int] = Field(description="changed customers per new level")
