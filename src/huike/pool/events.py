"""Writing the customer timeline (WORK-5). Moves record one event per customer, in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.authz.actor import Actor
from huike.kit import clock
from huike.kit.db import get_tenant
from huike.pool.models import CustomerEvent

# The event types the UI knows how to show; later modules add theirs (called, ordered, wecom_*…).
TYPES = ("created", "updated", "marked_valid", "assigned", "claimed", "recycled", "transferred",
         "collaborators_changed", "focused", "deleted", "restored", "deactivated", "reactivated",
         "blacklisted", "unblacklisted", "locked", "unlocked", "merged", "merged_into", "tagged", "handover",
         "wecom_friends_changed", "followed_up",
         # working a customer (WORK-3…9)
         "followup_updated", "contact_added", "contact_updated", "contact_deleted", "task_issued", "task_processed",
         "visit_planned", "visit_updated", "visit_cancelled", "visit_recorded",
         # sales pipeline (SALES-1…7, POOL-8)
         "opportunity_created", "opportunity_updated", "opportunity_stage_changed", "opportunity_won",
         "opportunity_lost", "opportunity_deleted", "order_created", "order_updated", "order_confirmed",
         "order_completed", "order_cancelled", "won", "contract_created", "contract_updated", "contract_signed",
         "contract_completed", "contract_terminated", "invoice_created", "invoice_issued", "invoice_voided",
         "payment_plan_added", "payment_plan_deleted", "payment_received", "payment_deleted",
         # automatic grading (POOL-16): data {from, to, amount, window_days, source: auto, summary}
         "level_changed")


def record(s: Session, actor: Actor | None, customer_ids: Iterable[int], type_: str,
           data: dict[str, Any] | None = None, per_customer: dict[int, dict[str, Any]] | None = None) -> None:
    ids = list(customer_ids)
    if not ids:
        return
    at = clock.now()
    tenant_id = get_tenant(s)
    rows = [{"tenant_id": tenant_id, "customer_id": cid, "type": type_,
             "actor_id": actor.employee_id if actor else None, "at": at,
             "data": {**(data or {}), **((per_customer or {}).get(cid, {}))}} for cid in ids]
    s.execute(sa.insert(CustomerEvent), rows)
