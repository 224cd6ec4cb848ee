"""Keyset (cursor) pagination on `id DESC`, and totals that never block the page."""

from __future__ import annotations

import base64
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.kit.errors import Invalid

COUNT_CAP = 10_000


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"id": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)["id"]
        if not isinstance(value, int):
            raise TypeError  # handled just below: any malformed cursor is invalid_cursor
        return value
    except (ValueError, KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise Invalid("invalid_cursor") from None


def capped_count(s: Session, stmt: sa.Select[Any], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Exact when at most `cap` rows match; otherwise `cap` and False (shown as "N+")."""
    inner = stmt.with_only_columns(sa.literal(1)).order_by(None).limit(cap + 1).subquery()
    n = s.scalar(sa.select(sa.func.count()).select_from(inner)) or 0
    return (n, True) if n <= cap else (cap, False)
