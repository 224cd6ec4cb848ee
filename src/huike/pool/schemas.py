from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Ids = list[int]


class BulkIds(BaseModel):
    ids: Ids = Field(min_length=1, max_length=1000)


class AssignBody(BulkIds):
    assignee_ids: list[int] | None = Field(default=None, max_length=5,
                                           description="up to 5 employees, dealt round-robin in this order")
    department_id: int | None = Field(default=None, description="deal to this department's members round-robin")
    rule_id: int | None = Field(default=None, description="deal by an assignment rule (remembers its pointer)")


class TransferBody(BulkIds):
    owner_id: int | None = None
    owner_ids: list[int] | None = Field(default=None, max_length=5, description="several owners → round-robin")


class RecycleBody(BulkIds):
    reason: str | None = Field(default=None, max_length=200)
    public_pool_id: int | None = None


class ReasonBody(BulkIds):
    reason: str | None = Field(default=None, max_length=200)


class TagBody(BulkIds):
    tags: list[str] = Field(max_length=50)
    mode: Literal["add", "remove", "replace"] = "add"


class Outcome(BaseModel):
    id: int
    ok: bool
    code: str | None = None
    detail: str | None = None
    owner_id: int | None = None


class BulkResult(BaseModel):
    results: list[Outcome]
    succeeded: int
    failed: int


class CollaboratorsBody(BaseModel):
    add: list[int] = Field(default_factory=list, max_length=50)
    remove: list[int] = Field(default_factory=list, max_length=50)


class CollaboratorsRead(BaseModel):
    collaborator_ids: list[int]


class FocusBody(BaseModel):
    color: Literal["red", "orange", "yellow", "green", "blue", "purple", "grey"] = "red"


class WecomFriendsBody(BaseModel):
    employee_ids: list[int] = Field(max_length=200)


class MergeBody(BaseModel):
    master_id: int
    duplicate_ids: list[int] = Field(min_length=1, max_length=4)


class HandoverBody(BaseModel):
    to_employee_ids: list[int] = Field(min_length=1, max_length=20)
    disable: bool = False


class HandoverRead(BaseModel):
    employee_id: int
    customers: int
    per_target: dict[str, int]
    disabled: bool = False


class EventRead(BaseModel):
    id: int
    customer_id: int
    type: str
    actor_id: int | None
    actor_name: str | None = None
    at: datetime
    data: dict[str, Any]


class EventPage(BaseModel):
    items: list[EventRead]
    next_cursor: str | None


class PublicPoolBase(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    member_unit_ids: list[int] = Field(default_factory=list, max_length=200)
    admin_ids: list[int] = Field(default_factory=list, max_length=200)
    daily_claim_quota: int | None = Field(default=None, ge=0, le=100000)
    reclaim_cooldown_days: int = Field(default=0, ge=0, le=3650)
    capacity: int | None = Field(default=None, ge=0, le=10_000_000)
    protection_minutes: int = Field(default=0, ge=0, le=525600)
    retention_days: int = Field(default=30, ge=1, le=3650)


class PublicPoolUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    member_unit_ids: list[int] | None = Field(default=None, max_length=200)
    admin_ids: list[int] | None = Field(default=None, max_length=200)
    daily_claim_quota: int | None = Field(default=None, ge=0, le=100000)
    reclaim_cooldown_days: int | None = Field(default=None, ge=0, le=3650)
    capacity: int | None = Field(default=None, ge=0, le=10_000_000)
    protection_minutes: int | None = Field(default=None, ge=0, le=525600)
    retention_days: int | None = Field(default=None, ge=1, le=3650)


class PublicPoolRead(PublicPoolBase):
    id: int
    is_default: bool


class AssignmentRuleBase(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    strategy: Literal["round_robin", "least_loaded", "by_department"]
    pool: Literal["to_assign", "public", "potential"] | None = None
    department_id: int | None = None
    member_ids: list[int] = Field(default_factory=list, max_length=200)
    enabled: bool = True


class AssignmentRuleUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    strategy: Literal["round_robin", "least_loaded", "by_department"] | None = None
    pool: Literal["to_assign", "public", "potential"] | None = None
    department_id: int | None = None
    member_ids: list[int] | None = Field(default=None, max_length=200)
    enabled: bool | None = None


class AssignmentRuleRead(AssignmentRuleBase):
    id: int
    pointer: int


class RecycleRuleBase(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["no_followup", "no_opportunity", "not_won"]
    days: int = Field(ge=1, le=3650)
    department_id: int | None = None
    level: str | None = Field(default=None, max_length=50)
    target_pool_id: int | None = None
    remind_days_before: int = Field(default=3, ge=0, le=365)
    exempt_won: bool = True
    exempt_locked: bool = True
    exempt_focus: bool = False
    enabled: bool = True


class RecycleRuleUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: Literal["no_followup", "no_opportunity", "not_won"] | None = None
    days: int | None = Field(default=None, ge=1, le=3650)
    department_id: int | None = None
    level: str | None = Field(default=None, max_length=50)
    target_pool_id: int | None = None
    remind_days_before: int | None = Field(default=None, ge=0, le=365)
    exempt_won: bool | None = None
    exempt_locked: bool | None = None
    exempt_focus: bool | None = None
    enabled: bool | None = None


class RecycleRuleRead(RecycleRuleBase):
    id: int


class RecycleRunRead(BaseModel):
    rule_id: int
    recycled: int
    reminded: int


class NotificationRead(BaseModel):
    id: int
    kind: str
    title: str
    body: str | None
    customer_id: int | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationRead]
    unread: int
    next_cursor: str | None
