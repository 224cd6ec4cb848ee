from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, EmailStr, Field

CreatePool = Literal["potential", "to_assign", "following", "public"]
PoolKey = Literal["all", "potential", "to_assign", "following", "public", "mine", "assisting", "won", "focus",
                  "recycle_bin"]


class _Fields(BaseModel):
    company: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    source: str | None = Field(default=None, max_length=100,
                               description="a value of the tenant's source dictionary (大类 or 小类 name)")
    industry: str | None = Field(default=None, max_length=100, description="industry dictionary value")
    level: str | None = Field(default=None, max_length=50, description="level dictionary value")
    stage: str | None = Field(default=None, max_length=50, description="follow-up stage dictionary value")
    region: str | None = Field(default=None, max_length=100, description="省/市/区, e.g. 浙江省/杭州市/西湖区")
    wechat: str | None = Field(default=None, max_length=100, description="WeChat nickname")
    external_id: str | None = Field(default=None, max_length=100, description="the customer's id in another system")
    tags: list[str] | None = Field(
        default=None, max_length=50,
        description="tag names (the whole set); one tag per single-choice group. Names outside the dictionary "
                    "are added to 其他标签 when the tenant allows free entry, else 422 unknown_tag")
    address: str | None = Field(default=None, max_length=500)
    remark: str | None = Field(default=None, max_length=5000)
    custom_fields: dict[str, Any] | None = Field(
        default=None, description="custom field values by key, e.g. {\"budget\": \"20000.00\", \"products\": "
                                  "[\"CRM\"]}; on update only the keys given change, null clears. Invalid values "
                                  "answer 422 invalid_custom_fields with one error per field (custom_fields.<key>)")


class CustomerCreate(_Fields):
    name: str = Field(min_length=1, max_length=200)
    phones: list[str] = Field(min_length=1, max_length=10)
    pool: CreatePool | None = None
    owner_id: int | None = None


class CustomerUpdate(_Fields):
    version: int = Field(description="The version read; a stale version answers 409 version_conflict.")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    phones: list[str] | None = Field(default=None, min_length=1, max_length=10)


class CustomerRead(BaseModel):
    id: int
    number: str | None
    name: str
    phones: list[str]
    pool: str
    owner_id: int | None
    owner_name: str | None
    collaborator_ids: list[int]
    department_id: int | None
    department_name: str | None
    company: str | None
    email: str | None
    source: str | None
    industry: str | None
    level: str | None
    level_source: Literal["manual", "auto"] | None = Field(
        default=None, description="where the level came from (POOL-16): manual (by hand), auto (automatic "
                                  "grading); null = no record (imported or older data)")
    stage: str | None = None
    region: str | None = None
    wechat: str | None = None
    external_id: str | None = None
    tags: list[str] = Field(description="tag names, sorted")
    tag_ids: list[int] = Field(default_factory=list)
    address: str | None
    remark: str | None
    created_at: datetime
    updated_at: datetime
    created_by_id: int | None = None
    assigned_at: datetime | None = None
    last_followup_at: datetime | None
    last_call_at: datetime | None = None
    last_call_status: Literal["connected", "not_connected"] | None = None
    custom_fields: dict[str, Any] = Field(
        default_factory=dict,
        description="every active custom field by key: text and choices as strings (multi: list), number as a "
                    "JSON number, money as a decimal string (\"1234.50\"), date YYYY-MM-DD, datetime ISO 8601 UTC, "
                    "employee an id; missing values null ([] for multi)")
    version: int
    # pool lifecycle
    customer_type: Literal["intent", "assigned", "won"] = Field(
        description="POOL-17 contract-sales view: won; assigned (dealt by a manager); intent (own or claimed leads)")
    public_pool_id: int | None = None
    previous_owner_id: int | None = None
    claimed_at: datetime | None = None
    recycled_at: datetime | None = None
    recycle_reason: str | None = None
    locked: bool = False
    blacklisted: bool = False
    blacklist_reason: str | None = None
    deactivated: bool = False
    deactivate_reason: str | None = None
    merged_into_id: int | None = None
    deleted_at: datetime | None = None
    wecom_friend_ids: list[int] = Field(default_factory=list)
    focus_color: str | None = Field(default=None, description="the viewer's own star, if any")
    total_purchase: str = Field(default="0.00", description="Σ totals of completed orders (money, two decimals)")
    last_purchase_at: datetime | None = Field(default=None, description="latest deal time of a completed order")


class CustomerPage(BaseModel):
    """One page of customers. `total_kind`: exact (counted); at_least (a lower bound, shown as "1000+");
    estimate (the planner's estimate on a large result, shown as "约 23 万"); none (not counted: later
    pages, or `total=none`). `total_exact` is true only for exact."""

    items: list[CustomerRead]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")
    total: int
    total_exact: bool
    total_kind: Literal["exact", "at_least", "estimate", "none"] = "exact"
    sort: str | None = Field(default=None, description="the sort applied, e.g. `-last_followup_at`")


class CustomerTypeCounts(BaseModel):
    """POOL-17: how many customers of a list are of each type (意向 / 分配 / 成交); they add up to `total`."""

    intent: int = Field(description="意向客户: own or claimed leads, and customers nobody owns")
    assigned: int = Field(description="分配客户: dealt to their owner by a manager")
    won: int = Field(description="成交客户: a deal was completed")
    total: int
