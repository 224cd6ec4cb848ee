"""Files on contracts (合同附件) through the attachment facility (`huike.attachment`): record kind
`contract`, visible with the contract's customer, added by whoever may write the contract."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huike.attachment.kinds import RecordKind, register
from huike.authz import require
from huike.authz.actor import Actor
from huike.customer.models import Customer
from huike.followup.access import ensure_can_work
from huike.sales.models import Contract


def _customer_of(s: Session, record_id: int) -> int | None:
    c = s.get(Contract, record_id)
    return c.customer_id if c else None


def _may_attach(s: Session, actor: Actor, record_id: int, customer: Customer) -> None:
    require(actor, "contract.manage")
    ensure_can_work(actor, customer)


register(RecordKind("contract", _customer_of, _may_attach))
