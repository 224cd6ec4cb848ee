from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ReminderSettingsUpdate(BaseModel):
    followup_enabled: bool | None = None
    followup_lead_minutes: int | None = Field(default=None, ge=0, le=60 * 24 * 30)
    no_followup_enabled: bool | None = None
    no_followup_days: int | None = Field(default=None, ge=1, le=3650)
    visit_enabled: bool | None = None
    visit_lead_minutes: int | None = Field(default=None, ge=0, le=60 * 24 * 30)
    birthday_enabled: bool | None = None
    birthday_days_before: int | None = Field(default=None, ge=0, le=30)
    birthday_hour: int | None = Field(default=None, ge=0, le=23)
    task_enabled: bool | None = None
    in_app_enabled: bool | None = None
    email_enabled: bool | None = None
    smtp_host: str | None = Field(default=None, max_length=200)
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] | None = None
    smtp_user: str | None = Field(default=None, max_length=200)
    smtp_password: str | None = Field(default=None, max_length=200, description="write-only; \"\" clears it")
    smtp_from: str | None = Field(default=None, max_length=200)
    dingtalk_enabled: bool | None = None
    dingtalk_webhook: str | None = Field(default=None, max_length=500, pattern=r"^(https?://.+)?$")
    dingtalk_secret: str | None = Field(default=None, max_length=200, description="write-only (加签 secret)")
    wecom_enabled: bool | None = None
    wecom_corp_id: str | None = Field(default=None, max_length=100)
    wecom_agent_id: int | None = Field(default=None, ge=0)
    wecom_secret: str | None = Field(default=None, max_length=200, description="write-only")
    wecom_api_base: str | None = Field(default=None, max_length=200, pattern=r"^https?://.+")


class ReminderSettingsRead(BaseModel):
    followup_enabled: bool
    followup_lead_minutes: int
    no_followup_enabled: bool
    no_followup_days: int
    visit_enabled: bool
    visit_lead_minutes: int
    birthday_enabled: bool
    birthday_days_before: int
    birthday_hour: int
    task_enabled: bool
    in_app_enabled: bool
    email_enabled: bool
    smtp_host: str | None
    smtp_port: int
    smtp_security: str
    smtp_user: str | None
    smtp_password_set: bool
    smtp_from: str | None
    dingtalk_enabled: bool
    dingtalk_webhook: str | None
    dingtalk_secret_set: bool
    wecom_enabled: bool
    wecom_corp_id: str | None
    wecom_agent_id: int | None
    wecom_secret_set: bool
    wecom_api_base: str


class ReminderPrefs(BaseModel):
    followup_lead_minutes: int | None = Field(default=None, ge=0, le=60 * 24 * 30,
                                              description="minutes before a follow-up's next time; null = tenant default")
    in_app: bool = True
    email: bool = True
    dingtalk: bool = True
    wecom: bool = True
    wecom_userid: str | None = Field(default=None, max_length=64, description="default: the username")


class ReminderPrefsRead(ReminderPrefs):
    effective_lead_minutes: int
    tenant_channels: dict[str, bool]


class RunRead(BaseModel):
    counts: dict[str, int]


class DeliveryRead(BaseModel):
    id: int
    notification_id: int
    employee_id: int
    channel: str
    status: str
    attempts: int
    last_error: str | None
    log: list[dict[str, Any]]
    created_at: datetime
    sent_at: datetime | None
    kind: str
    title: str
