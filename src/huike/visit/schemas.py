from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from huike.attachment.schemas import AttachmentRead

PlanType = Literal["periodic", "new_customer", "problem"]
VisitMethod = Literal["phone", "onsite", "video", "wechat", "other"]
Satisfaction = Literal["very_satisfied", "satisfied", "neutral", "dissatisfied"]


class PlanCreate(BaseModel):
    type: PlanType = Field(description="定期回访 / 新客户回访 / 问题跟进")
    planned_at: datetime
    topic: str = Field(min_length=1, max_length=200)
    owner_id: int | None = Field(default=None, description="负责人; default the caller")
    remark: str | None = Field(default=None, max_length=2000)


class PlanUpdate(BaseModel):
    type: PlanType | None = None
    planned_at: datetime | None = None
    topic: str | None = Field(default=None, min_length=1, max_length=200)
    owner_id: int | None = None
    remark: str | None = Field(default=None, max_length=2000)


class PlanRead(BaseModel):
    id: int
    customer_id: int
    customer_name: str | None
    type: PlanType
    planned_at: datetime
    topic: str
    owner_id: int
    owner_name: str | None
    status: Literal["planned", "done", "cancelled"]
    overdue: bool
    remark: str | None
    created_by_id: int | None
    created_at: datetime
    done_at: datetime | None
    record_id: int | None = None


class RecordCreate(BaseModel):
    visited_at: datetime | None = Field(default=None, description="实际回访时间; default now")
    method: VisitMethod = "phone"
    content: str = Field(min_length=1, max_length=5000)
    feedback: str | None = Field(default=None, max_length=5000)
    satisfaction: Satisfaction
    problems: str | None = Field(default=None, max_length=5000)
    actions: str | None = Field(default=None, max_length=5000)


class RecordRead(BaseModel):
    id: int
    plan_id: int | None
    customer_id: int
    customer_name: str | None
    visitor_id: int
    visitor_name: str | None
    visited_at: datetime
    method: VisitMethod
    content: str
    feedback: str | None
    satisfaction: Satisfaction
    problems: str | None
    actions: str | None
    created_at: datetime
    files: list[AttachmentRead] = Field(default_factory=list, description="uploaded files (huike.attachment)")


class PlanPage(BaseModel):
    items: list[PlanRead]
    next_cursor: str | None


class RecordPage(BaseModel):
    items: list[RecordRead]
    next_cursor: str | None


class SatisfactionShare(BaseModel):
    very_satisfied: int = 0
    satisfied: int = 0
    neutral: int = 0
    dissatisfied: int = 0
    total: int = 0
    shares: dict[str, float] = Field(default_factory=dict, description="percent of records, one decimal")
    satisfied_rate: float | None = Field(default=None, description="very satisfied + satisfied, percent")


class OwnerStats(BaseModel):
    owner_id: int
    owner_name: str | None
    planned: int
    done: int
    cancelled: int
    overdue: int
    completion_rate: float | None
    records: int
    satisfaction: SatisfactionShare


class PeriodStats(BaseModel):
    period: str  # YYYY-MM (Asia/Shanghai)
    planned: int
    done: int
    records: int
    satisfied_rate: float | None


class VisitStats(BaseModel):
    since: datetime
    until: datetime
    planned: int
    done: int
    cancelled: int
    overdue: int
    completion_rate: float | None
    records: int
    satisfaction: SatisfactionShare
    by_owner: list[OwnerStats]
    by_month: list[PeriodStats]
