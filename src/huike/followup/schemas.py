from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from huike.attachment.schemas import AttachmentRead

Method = Literal["phone", "wechat", "visit", "email", "other"]


class Attachment(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=1000)
    size: int | None = Field(default=None, ge=0)


class FollowupCreate(BaseModel):
    at: datetime | None = Field(default=None, description="when the contact happened; default now, never in the future")
    method: Method = "phone"
    content: str = Field(min_length=1, max_length=5000, description="跟进内容")
    feedback: str | None = Field(default=None, max_length=5000, description="客户反馈")
    stage: str | None = Field(default=None, max_length=50)
    contact_id: int | None = None
    next_at: datetime | None = Field(default=None, description="下次跟进时间; a reminder comes before it")
    next_plan: str | None = Field(default=None, max_length=2000)
    remind: bool = Field(default=True, description="到期提醒 (before next_at, by the employee's lead time)")
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


class FollowupUpdate(BaseModel):
    method: Method | None = None
    content: str | None = Field(default=None, min_length=1, max_length=5000)
    feedback: str | None = Field(default=None, max_length=5000)
    stage: str | None = Field(default=None, max_length=50)
    next_at: datetime | None = None
    next_plan: str | None = Field(default=None, max_length=2000)
    remind: bool | None = None
    attachments: list[Attachment] | None = Field(default=None, max_length=20)


class FollowupRead(BaseModel):
    id: int
    customer_id: int
    customer_name: str | None = None
    author_id: int
    author_name: str | None
    contact_id: int | None
    contact_name: str | None = None
    at: datetime
    method: Method
    content: str
    feedback: str | None
    stage: str | None
    next_at: datetime | None
    next_plan: str | None
    remind: bool
    attachments: list[Attachment] = Field(description="links (name + URL)")
    files: list[AttachmentRead] = Field(default_factory=list, description="uploaded files (huike.attachment)")
    auto_tags: list[str] = Field(description="tags added by automatic tagging rules when written")
    task_item_id: int | None
    created_at: datetime
    updated_at: datetime


class FollowupPage(BaseModel):
    items: list[FollowupRead]
    next_cursor: str | None


class TagRuleBase(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    keywords: list[str] = Field(min_length=1, max_length=50)
    match: Literal["any", "all"] = "any"
    tag: str = Field(min_length=1, max_length=50)
    enabled: bool = True


class TagRuleUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    keywords: list[str] | None = Field(default=None, min_length=1, max_length=50)
    match: Literal["any", "all"] | None = None
    tag: str | None = Field(default=None, min_length=1, max_length=50)
    enabled: bool | None = None


class TagRuleRead(TagRuleBase):
    id: int
    created_at: datetime


class TagRulePreview(BaseModel):
    text: str = Field(min_length=1, max_length=10000, description="a follow-up's content / feedback to try")


class TagRulePreviewRead(BaseModel):
    tags: list[str] = Field(description="the tags a follow-up with this text would add (enabled rules)")
    rules: list[TagRuleRead] = Field(description="every rule the text matches, disabled ones included")
