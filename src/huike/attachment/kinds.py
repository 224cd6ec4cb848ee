"""The kinds of record a file can be attached to. Each kind says which customer a record belongs to
(None: no such record in this tenant) and who may add files to it. Other modules register theirs:

    from huike.attachment.kinds import RecordKind, register
    register(RecordKind("contract", customer_of=..., may_attach=...))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from huike.authz import require
from huike.authz.actor import Actor
from huike.customer.models import Customer
from huike.kit.errors import Forbidden


@dataclass(frozen=True)
class RecordKind:
    name: str
    # the customer id of record `id`, or None when there is no such record (→ 404)
    customer_of: Callable[[Session, int], int | None]
    # raises Forbidden / Conflict when `actor` may not add files to the record (the customer is visible)
    may_attach: Callable[[Session, Actor, int, Customer], None]


KINDS: dict[str, RecordKind] = {}
_loaded = False


def register(kind: RecordKind) -> None:
    KINDS[kind.name] = kind


def get(name: str) -> RecordKind | None:
    global _loaded
    if not _loaded:
        _builtin()
        _loaded = True
    return KINDS.get(name)


def _builtin() -> None:
    from huike.followup.access import ensure_can_work
    from huike.followup.models import Followup
    from huike.visit.models import VisitRecord

    def followup_customer(s: Session, record_id: int) -> int | None:
        f = s.get(Followup, record_id)
        return f.customer_id if f else None

    def followup_attach(s: Session, actor: Actor, record_id: int, c: Customer) -> None:
        # the follow-up's author adds files to it, as he corrects it (followup.service.update)
        require(actor, "followup.create")
        ensure_can_work(actor, c)
        if s.get_one(Followup, record_id).author_id != actor.employee_id:
            raise Forbidden("not_author")

    def visit_customer(s: Session, record_id: int) -> int | None:
        r = s.get(VisitRecord, record_id)
        return r.customer_id if r else None

    def visit_attach(s: Session, actor: Actor, record_id: int, c: Customer) -> None:
        require(actor, "visit.record")
        ensure_can_work(actor, c)
        if s.get_one(VisitRecord, record_id).visitor_id != actor.employee_id:
            raise Forbidden("not_visitor")

    for kind in (RecordKind("followup", followup_customer, followup_attach),
                 RecordKind("visit_record", visit_customer, visit_attach)):
        KINDS.setdefault(kind.name, kind)
