from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from huike.followup.schemas import Method

TaskType = Literal["call", "visit", "content", "custom"]


class TaskCreate(BaseModel):
    type: TaskType = Field(description="call / visit / content (content spreading) / custom")
    title: str = Field(min_length=1, max_length=200)
    content: str | None = Field(default=None, max_length=10000, description="for content spreading: the material")
    due_at: datetime | None = None
    handler_ids: list[int] = Field(min_length=1, max_length=20, description="customers are dealt round-robin in order")
    # Not capped here: more than 500 answers 422 `too_many_customers` with the counts (WORK-7).
    customer_ids: list[int] = Field(min_length=1, max_length=100_000)


class Skipped(BaseModel):
    id: int
    reason: Literal["blacklisted", "not_found", "in_recycle_bin"]


class HandlerProgress(BaseModel):
    handler_id: int
    handler_name: str | None
    total: int
    done: int
    pending: int


class TaskRead(BaseModel):
    id: int
    type: TaskType
    title: str
    content: str | None
    due_at: datetime | None
    issuer_id: int
    issuer_name: str | None
    handler_ids: list[int]
    status: Literal["open", "done", "cancelled"]
    selected: int = Field(description="customers selected")
    skipped_blacklisted: int
    skipped_other: int
    total: int = Field(description="customers dealt")
    done: int
    pending: int
    overdue: bool
    created_at: datetime
    completed_at: datetime | None
    # for the caller as a handler (我待办的)
    my_total: int | None = None
    my_done: int | None = None
    per_handler: list[HandlerProgress] | None = None


class TaskCreated(TaskRead):
    skipped: list[Skipped] = Field(default_factory=list)


class TaskPage(BaseModel):
    items: list[TaskRead]
    next_cursor: str | None


class TaskItemRead(BaseModel):
    id: int
    task_id: int
    position: int
    customer_id: int
    customer_name: str | None
    company: str | None
    phones: list[str] = Field(description="masked without customer.phone_full")
    pool: str | None
    owner_name: str | None
    handler_id: int
    handler_name: str | None
    status: Literal["pending", "done"]
    overdue: bool
    done_at: datetime | None
    followup_id: int | None
    result: str | None


class ProcessBody(BaseModel):
    """One-click processing of a customer of the task: writes the follow-up."""

    method: Method | None = Field(default=None, description="default from the task type")
    content: str | None = Field(default=None, max_length=5000, description="default: 完成任务「title」")
    feedback: str | None = Field(default=None, max_length=5000)
    stage: str | None = Field(default=None, max_length=50)
    next_at: datetime | None = None
    next_plan: str | None = Field(default=None, max_length=2000)
    result: str | None = Field(default=None, max_length=500, description="short outcome shown in the task")
