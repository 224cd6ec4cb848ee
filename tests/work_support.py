"""Helpers shared by the work tests (contacts, follow-ups, tasks, reminders, visits)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from huike.kit import clock
from huike.pool.models import CustomerEvent, Notification

API = "/api/v1"


class Clock:
    """Moves `huike.kit.clock.now()` (business time) for a test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.real = clock.now

    def set(self, at: datetime) -> None:
        self.monkeypatch.setattr(clock, "now", lambda: at)

    def reset(self) -> None:
        self.monkeypatch.setattr(clock, "now", self.real)


def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, (r.status_code, r.text)
    return r.json()


def problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["code"] == code, body
    return body


def events_of(world: Any, customer_id: int) -> list[str]:
    with world.db.transaction(world.tenant_id) as s:
        return list(s.scalars(sa.select(CustomerEvent.type).where(CustomerEvent.customer_id == customer_id)
                              .order_by(CustomerEvent.id)))


def notifications(world: Any, who: str | None = None, kind: str | None = None) -> list[Notification]:
    with world.db.transaction(world.tenant_id) as s:
        stmt = sa.select(Notification).order_by(Notification.id)
        if who:
            stmt = stmt.where(Notification.employee_id == world.staff[who])
        if kind:
            stmt = stmt.where(Notification.kind == kind)
        return list(s.scalars(stmt))


def run_reminders(world: Any) -> dict[str, int]:
    """The scheduled job's body for one tenant, as the worker runs it."""
    from huike.worker import tasks

    tasks.bind_database(world.db)
    return tasks.reminders_tenant.call_local(world.tenant_id)
