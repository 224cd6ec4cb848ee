from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

CreatePool = Literal["potential", "to_assign", "following", "public"]
PoolKey = Literal["all", "potential", "to_assign", "following", "public", "mine", "assisting", "won", "focus",
                  "recycle_bin"]


class _Fields(BaseModel):
    company: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    source: str | None = Field(default=None, max_length=100)
    industry: str | None = Field(default=None, max_length=100)
    level: str | None = Field(default=None, max_length=50)
    tags: list[str] | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, max_length=500)
    remark: str | None = Field(default=None, max_length=5000)


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
    tags: list[str]
    address: str | None
    remark: str | None
    created_at: datetime
    updated_at: datetime
    last_followup_at: datetime | None
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


class CustomerPage(BaseModel):
    items: list[CustomerRead]
    next_cursor: str | None
    total: int
    total_exact: bool
