"""Reminder settings (tenant and employee), a manual run of the reminder job, the delivery log.
The notification centre itself is `GET /notifications` (pool.endpoints)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from huike.auth.deps import CurrentActor
from huike.authz import require
from huike.kit.web import DB, UnitOfWorkRoute
from huike.reminder import service
from huike.reminder.models import CHANNELS
from huike.reminder.schemas import (
    DeliveryRead,
    ReminderPrefs,
    ReminderPrefsRead,
    ReminderSettingsRead,
    ReminderSettingsUpdate,
    RunRead,
)

router = APIRouter(route_class=UnitOfWorkRoute, tags=["reminders"])


def _settings_read(cfg) -> ReminderSettingsRead:  # type: ignore[no-untyped-def]
    data = service.settings_dict(cfg)
    for k in service.SECRETS:
        data[f"{k}_set"] = bool(data.pop(k))
    return ReminderSettingsRead(**data)


@router.get("/reminders/settings", response_model=ReminderSettingsRead)
def get_settings(actor: CurrentActor, db: DB) -> ReminderSettingsRead:
    """The tenant's reminder rules and channels (secrets are never returned, only whether they are set)."""
    require(actor, "reminder.manage")
    return _settings_read(service.tenant_settings(db))


@router.patch("/reminders/settings", response_model=ReminderSettingsRead)
def update_settings(body: ReminderSettingsUpdate, actor: CurrentActor, db: DB) -> ReminderSettingsRead:
    data = body.model_dump(exclude_unset=True)
    nullable = {"smtp_host", "smtp_user", "smtp_password", "smtp_from", "dingtalk_webhook", "dingtalk_secret",
                "wecom_corp_id", "wecom_agent_id", "wecom_secret"}
    data = {k: v for k, v in data.items() if v is not None or k in nullable}
    cfg = service.update_settings(db, actor, data)
    for ch in CHANNELS:
        if getattr(cfg, f"{ch}_enabled"):
            service.check_channel(cfg, ch)
    return _settings_read(cfg)


def _prefs_read(db: DB, actor: CurrentActor) -> ReminderPrefsRead:
    cfg = service.tenant_settings(db)
    p = service.prefs_of(db, actor.employee_id)
    base = ReminderPrefs.model_validate(p, from_attributes=True) if p is not None else ReminderPrefs()
    lead = base.followup_lead_minutes if base.followup_lead_minutes is not None else cfg.followup_lead_minutes
    return ReminderPrefsRead(**base.model_dump(), effective_lead_minutes=lead,
                             tenant_channels={"in_app": cfg.in_app_enabled,
                                              **{ch: bool(getattr(cfg, f"{ch}_enabled")) for ch in CHANNELS}})


@router.get("/me/reminder-preferences", response_model=ReminderPrefsRead)
def get_prefs(actor: CurrentActor, db: DB) -> ReminderPrefsRead:
    """The caller's own reminder switches and follow-up lead time."""
    return _prefs_read(db, actor)


@router.put("/me/reminder-preferences", response_model=ReminderPrefsRead)
def put_prefs(body: ReminderPrefs, actor: CurrentActor, db: DB) -> ReminderPrefsRead:
    service.update_prefs(db, actor, body.model_dump())
    return _prefs_read(db, actor)


@router.post("/reminders/run", response_model=RunRead)
def run_now(actor: CurrentActor, db: DB) -> RunRead:
    """Generate the tenant's due reminders now (the scheduled job runs every 5 minutes)."""
    require(actor, "reminder.manage")
    return RunRead(counts=service.run_tenant(db))


@router.get("/reminders/deliveries", response_model=list[DeliveryRead])
def list_deliveries(actor: CurrentActor, db: DB,
                    status: Literal["pending", "sending", "sent", "failed", "skipped"] | None = None,
                    channel: Literal["email", "dingtalk", "wecom"] | None = None, employee_id: int | None = None,
                    limit: int = Query(100, ge=1, le=500)) -> list[DeliveryRead]:
    """The delivery log: one row per reminder and outside channel, with attempts and errors."""
    return [DeliveryRead(id=d.id, notification_id=d.notification_id, employee_id=d.employee_id, channel=d.channel,
                         status=d.status, attempts=d.attempts, last_error=d.last_error, log=list(d.log or []),
                         created_at=d.created_at, sent_at=d.sent_at, kind=n.kind, title=n.title)
            for d, n in service.deliveries(db, actor, status=status, channel=channel, employee_id=employee_id,
                                           limit=limit)]
