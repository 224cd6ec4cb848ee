"""The filter language (FIND-2…5), saved filters (FIND-6/7), list views (FIND-8) and pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from huike.customer.schemas import PoolKey

MAX_CONDITIONS = 10

Operator = Literal[
    "eq", "ne", "any_of", "none_of", "contains", "not_contains", "starts_with", "contains_any", "contains_all",
    "empty", "not_empty", "gt", "gte", "lt", "lte", "between", "relative", "within",
]
RelativePreset = Literal["today", "yesterday", "tomorrow", "this_week", "last_week", "this_month", "last_month",
                         "this_year"]


class RelativeDate(BaseModel):
    """A date range relative to today in China Standard Time (Asia/Shanghai). Exactly one of:
    `preset`; `last_days` N (today and the N−1 days before); `next_days` N (today and the N−1 days
    after); `more_than_days_ago` N (before the start of the day N days ago)."""

    model_config = ConfigDict(extra="forbid")
    preset: RelativePreset | None = None
    last_days: int | None = Field(default=None, ge=1, le=3660)
    next_days: int | None = Field(default=None, ge=1, le=3660)
    more_than_days_ago: int | None = Field(default=None, ge=0, le=3660)


Scalar = str | int | float | bool | None


class Condition(BaseModel):
    """One condition: `field` `op` `value`.

    Fields: see `GET /api/v1/customers/fields` (system fields such as `source`, `tags`, `owner`,
    `last_followup_at`, `last_call_status`, `wecom_friend`, `region`; custom fields as `cf.<key>`).

    Operators and values:
    - `eq` / `ne`: a value, or a list meaning "any of" / "none of" (FIND-3);
    - `any_of` / `none_of`: a list;
    - `contains` / `not_contains` / `starts_with`: text (case-insensitive); on tags and multi-choice
      fields `contains` = `contains_any`;
    - `contains_any` / `contains_all`: a list (tags: names or ids; multi-choice: options);
    - `empty` / `not_empty`: no value;
    - `gt` `gte` `lt` `lte`: a number, a date (`2026-11-01`, a whole day in China Standard Time) or a
      datetime (ISO 8601; without offset = China Standard Time);
    - `between`: `[from, to]`, both inclusive, either may be null;
    - `within` (region fields, 省/市/区 paths such as `广东省/深圳市`): a path or a list of them; a value
      matches when it is one of them or lies under one (`广东省` finds `广东省/深圳市/南山区`, not
      `广东省份`);
    - `relative` (date fields): `"today"`, `"yesterday"`, `"this_week"`, `"this_month"`, … or
      `{"last_days": 7}`, `{"next_days": 3}`, `{"more_than_days_ago": 30}`.
    Employee values may be `"$me"` (the caller)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"field": "tags", "op": "contains_any", "value": ["高意向", "需回访"]},
        {"field": "last_call_at", "op": "relative", "value": "today"},
        {"field": "cf.budget", "op": "between", "value": [10000, 50000]},
    ]})
    field: str = Field(min_length=1, max_length=60)
    op: Operator
    value: Scalar | list[Scalar] | RelativeDate | RelativePreset = None


class Group(BaseModel):
    """Conditions joined by `logic` (and = all must hold, or = any)."""

    model_config = ConfigDict(extra="forbid")
    logic: Literal["and", "or"] = "and"
    conditions: list[Condition] = Field(min_length=1, max_length=MAX_CONDITIONS)


class Filter(BaseModel):
    """A customer filter (FIND-2…5): conditions and condition groups joined by `logic`; at most 10
    conditions in all (422 `too_many_conditions`). Always applied on top of the pool and the caller's
    data scope, never instead of them.

    Example — 今日未接通客户 (last call today and not connected):
    `{"logic": "and", "conditions": [{"field": "last_call_at", "op": "relative", "value": "today"},
    {"field": "last_call_status", "op": "eq", "value": "not_connected"}]}`

    Example — groups joined by OR:
    `{"logic": "or", "conditions": [{"logic": "and", "conditions": [...]}, {"logic": "and", "conditions": [...]}]}`"""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"logic": "and", "conditions": [
            {"field": "last_call_at", "op": "relative", "value": "today"},
            {"field": "last_call_status", "op": "eq", "value": "not_connected"}]},
        {"logic": "or", "conditions": [
            {"logic": "and", "conditions": [{"field": "source", "op": "eq", "value": ["抖音", "百度推广"]},
                                            {"field": "level", "op": "eq", "value": "VIP客户"}]},
            {"field": "tags", "op": "contains_all", "value": ["高意向", "预算充足"]}]},
    ]})
    logic: Literal["and", "or"] = "and"
    conditions: list[Condition | Group] = Field(default_factory=list, max_length=MAX_CONDITIONS)


class SearchBody(BaseModel):
    """The same list as `GET /customers`, with the filter as a JSON body (no URL length limit)."""

    model_config = ConfigDict(extra="forbid")
    pool: PoolKey = "all"
    q: str | None = Field(default=None, max_length=100)
    filter: Filter | None = None
    saved_filter_id: int | None = None
    sort: str | None = Field(default=None, max_length=60)
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=20, ge=1, le=200)
    total: Literal["auto", "exact", "none"] = "auto"


class CountRead(BaseModel):
    total: int
    total_exact: bool
    total_kind: Literal["exact", "at_least", "estimate", "none"]


class FieldRead(BaseModel):
    """A field of the filter builder and the column dialog."""

    key: str = Field(description="system key, or `cf.<key>` for a custom field")
    label: str
    type: str = Field(description="text, long_text, phone, dict, tags, employee, department, datetime, date, "
                                  "number, money, enum, bool, wecom, region, single, multi")
    custom: bool
    operators: list[str]
    options: list[Any] | None = Field(default=None, description="enum / dict / choice values")
    sortable: bool
    column: bool = Field(description="can be shown as a list column")
    filterable: bool


class SavedFilterBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=50)
    filter: Filter = Field(default_factory=Filter)
    q: str | None = Field(default=None, max_length=100)
    sort: str | None = Field(default=None, max_length=60)
    pinned: bool = Field(default=False, description="shown as a quick chip in the filter bar (FIND-7)")


class SavedFilterCreate(SavedFilterBase):
    pool: PoolKey


class SavedFilterUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=50)
    filter: Filter | None = None
    q: str | None = Field(default=None, max_length=100)
    sort: str | None = Field(default=None, max_length=60)
    pinned: bool | None = None


class SavedFilterRead(BaseModel):
    id: int
    pool: str
    name: str
    filter: Filter
    q: str | None
    sort: str | None
    pinned: bool
    position: int
    created_at: datetime
    updated_at: datetime


class SavedFilterOrder(BaseModel):
    pool: PoolKey
    ids: list[int] = Field(min_length=1, max_length=200)


class ListViewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: list[str] = Field(min_length=1, max_length=100,
                               description="visible columns; system columns are shown in their fixed order, "
                                           "custom columns (`cf.<key>`) after them in the order given")
    pinned_fields: list[str] = Field(default_factory=list, max_length=20,
                                     description="filter fields pinned to the filter bar (固定筛选项)")
    sort: str | None = Field(default=None, max_length=60, description="default sort, e.g. `-last_followup_at`")
    page_size: int = Field(default=20, ge=1, le=200)


class ListViewRead(BaseModel):
    pool: str
    columns: list[str]
    pinned_fields: list[str]
    sort: str
    page_size: int
    is_default: bool = Field(description="true when the employee has not saved settings for this pool")
