"""Who may work a customer (write follow-ups, contacts, visits), shared by the work modules.

Reading always goes through the data scope first (`customer.service.get_visible`, 404 outside it).
Writing on top of that: a sales role works only the customers it owns or assists — a public-pool
customer must be claimed first (POOL-5) — while non-sales roles work what their scope shows them.
"""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.authz.actor import Actor
from huike.customer import phones as phone_rules
from huike.customer.models import Customer, CustomerCollaborator
from huike.kit.errors import Conflict, Forbidden


def is_mine(actor: Actor, c: Customer) -> bool:
    return c.owner_id == actor.employee_id or actor.employee_id in {x.employee_id for x in c.collaborators}


def mine_condition(actor: Actor) -> sa.ColumnElement[bool]:
    """SQL twin of `is_mine` for guarded statements."""
    return sa.or_(Customer.owner_id == actor.employee_id,
                  sa.exists().where(CustomerCollaborator.customer_id == Customer.id,
                                    CustomerCollaborator.employee_id == actor.employee_id))


def ensure_can_work(actor: Actor, c: Customer) -> None:
    if c.pool == "recycle_bin":
        raise Conflict("in_recycle_bin")
    if is_mine(actor, c):
        return
    if actor.is_sales:
        raise Forbidden("claim_first" if c.pool == "public" else "not_owner")


def rule_actor(actor: Actor) -> Actor:
    """The identity automatic rules act under: the writer's name on the timeline and in the audit,
    with just the right to tag any customer of the tenant."""
    return replace(actor, kind="non_sales", data_scope="company", permissions=frozenset({"customer.edit"}))


def mask_phone(phone: str) -> str:
    """138****8000 (`customer.phones.mask`, the one masking rule)."""
    return phone_rules.mask(phone)


def phones_for(actor: Actor, phones: list[str]) -> list[str]:
    return phone_rules.shown(phones, actor.can("customer.phone_full"))


def collaborator_ids(s: Session, customer_id: int) -> set[int]:
    return set(s.scalars(sa.select(CustomerCollaborator.employee_id)
                         .where(CustomerCollaborator.customer_id == customer_id)))
