"""Business time. Days (claim quotas, "today") are counted in the tenant's zone, China Standard Time."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from huike.kit.models import utcnow

TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return utcnow()


def today(at: datetime | None = None) -> date:
    return (at or now()).astimezone(TZ).date()
