"""Reminder settings (per tenant and per employee) and the delivery log of every channel (WORK-8).

In-app notifications are rows of `notifications` (pool.models); each reminder additionally gets one
`deliveries` row per enabled outside channel (email, DingTalk robot, WeCom app), unique per
notification and channel, so a reminder is never sent twice on one channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin, utcnow

CHANNELS = ("email", "dingtalk", "wecom")
WECOM_API = "https://qyapi.weixin.qq.com"


class ReminderSettings(IdMixin, TenantMixin, TimestampMixin, Base):
    """One row per tenant (系统设置 > 客户管理 > 提醒)."""

    __tablename__ = "reminder_settings"
    __table_args__ = (sa.UniqueConstraint("tenant_id"),
                      sa.CheckConstraint("smtp_security IN ('none','starttls','ssl')", name="smtp_security"))
    followup_enabled: Mapped[bool] = mapped_column(default=True)
    followup_lead_minutes: Mapped[int] = mapped_column(default=1440)  # 到期前 1 天
    no_followup_enabled: Mapped[bool] = mapped_column(default=True)
    no_followup_days: Mapped[int] = mapped_column(default=15)
    visit_enabled: Mapped[bool] = mapped_column(default=True)
    visit_lead_minutes: Mapped[int] = mapped_column(default=60)
    birthday_enabled: Mapped[bool] = mapped_column(default=True)
    birthday_days_before: Mapped[int] = mapped_column(default=0)
    birthday_hour: Mapped[int] = mapped_column(default=9)  # local time (Asia/Shanghai)
    task_enabled: Mapped[bool] = mapped_column(default=True)
    # channels
    in_app_enabled: Mapped[bool] = mapped_column(default=True)
    email_enabled: Mapped[bool] = mapped_column(default=False)
    smtp_host: Mapped[str | None] = mapped_column(sa.String(200))
    smtp_port: Mapped[int] = mapped_column(default=25)
    smtp_security: Mapped[str] = mapped_column(sa.String(10), default="none")
    smtp_user: Mapped[str | None] = mapped_column(sa.String(200))
    smtp_password: Mapped[str | None] = mapped_column(sa.String(200))
    smtp_from: Mapped[str | None] = mapped_column(sa.String(200))
    dingtalk_enabled: Mapped[bool] = mapped_column(default=False)
    dingtalk_webhook: Mapped[str | None] = mapped_column(sa.String(500))
    dingtalk_secret: Mapped[str | None] = mapped_column(sa.String(200))
    wecom_enabled: Mapped[bool] = mapped_column(default=False)
    wecom_corp_id: Mapped[str | None] = mapped_column(sa.String(100))
    wecom_agent_id: Mapped[int | None]
    wecom_secret: Mapped[str | None] = mapped_column(sa.String(200))
    wecom_api_base: Mapped[str] = mapped_column(sa.String(200), default=WECOM_API)


class EmployeeReminderPrefs(TenantMixin, TimestampMixin, Base):
    """An employee's own switches; absent = tenant defaults and every enabled channel."""

    __tablename__ = "employee_reminder_prefs"
    employee_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id", ondelete="CASCADE"),
                                             primary_key=True)
    followup_lead_minutes: Mapped[int | None]
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=True)
    dingtalk: Mapped[bool] = mapped_column(default=True)
    wecom: Mapped[bool] = mapped_column(default=True)
    wecom_userid: Mapped[str | None] = mapped_column(sa.String(64))  # default: the username


class Delivery(IdMixin, TenantMixin, Base):
    """One notification on one outside channel: attempts, the last error and a log of every try."""

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "notification_id", "channel"),
        sa.CheckConstraint("channel IN ('email','dingtalk','wecom')", name="channel"),
        sa.CheckConstraint("status IN ('pending','sending','sent','failed','skipped')", name="status"),
        sa.Index("ix_deliveries_status", "tenant_id", "status", "id"),
    )
    notification_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("notifications.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    log: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]
