"""Contacts (WORK-3): several per customer, at most one primary (the first one becomes primary).
Reads go through the customer's data scope; writes need customer.edit and the right to work it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import require
from huike.authz.actor import Actor
from huike.contact.models import Contact
from huike.contact.schemas import ContactCreate, ContactRead, ContactUpdate
from huike.customer import phones as phone_rules
from huike.customer.models import Customer
from huike.customer.service import get_visible
from huike.followup.access import ensure_can_work, phones_for
from huike.kit import clock
from huike.kit.errors import Invalid, NotFound
from huike.pool import events

FIELDS = ("name", "title", "phones", "email", "wechat", "birthday", "is_primary", "remark")


def _phones(raw: list[str] | None) -> list[str]:
    out: list[str] = []
    for i, p in enumerate(raw or []):
        if not str(p).strip():
            continue
        try:
            n = phone_rules.normalize(p)
        except phone_rules.InvalidPhone:
            raise Invalid("contact_phone_invalid", phone=str(p),
                          errors=[{"field": f"phones.{i}", "code": "invalid_phone", "message": str(p)}]) from None
        if n not in out:
            out.append(n)
    return out


def snapshot(c: Contact) -> dict[str, Any]:
    return {k: getattr(c, k) for k in FIELDS}


def read(actor: Actor, c: Contact) -> ContactRead:
    return ContactRead(id=c.id, customer_id=c.customer_id, name=c.name, title=c.title,
                       phones=phones_for(actor, list(c.phones or [])), email=c.email, wechat=c.wechat,
                       birthday=c.birthday, is_primary=c.is_primary, remark=c.remark, created_by_id=c.created_by_id,
                       created_at=c.created_at, updated_at=c.updated_at)


def list_for(s: Session, actor: Actor, customer_id: int) -> list[Contact]:
    require(actor, "customer.view")
    get_visible(s, actor, customer_id)
    return list(s.scalars(sa.select(Contact).where(Contact.customer_id == customer_id)
                          .order_by(Contact.is_primary.desc(), Contact.id)))


def _clear_primary(s: Session, customer_id: int, keep_id: int) -> None:
    s.execute(sa.update(Contact).where(Contact.customer_id == customer_id, Contact.id != keep_id, Contact.is_primary)
              .values(is_primary=False, updated_at=clock.now()).execution_options(synchronize_session="fetch"))


def _writable(s: Session, actor: Actor, customer_id: int) -> Customer:
    c = get_visible(s, actor, customer_id)
    require(actor, "customer.edit")
    ensure_can_work(actor, c)
    return c


def create(s: Session, actor: Actor, customer_id: int, body: ContactCreate) -> Contact:
    c = _writable(s, actor, customer_id)
    has_any = s.scalar(sa.select(sa.func.count()).select_from(Contact).where(Contact.customer_id == c.id)) or 0
    contact = Contact(customer_id=c.id, name=body.name.strip(), title=body.title, phones=_phones(body.phones),
                      email=body.email, wechat=body.wechat, birthday=body.birthday,
                      is_primary=bool(body.is_primary) or has_any == 0, remark=body.remark,
                      created_by_id=actor.employee_id, created_at=clock.now(), updated_at=clock.now())
    s.add(contact)
    s.flush()
    if contact.is_primary:
        _clear_primary(s, c.id, contact.id)
    events.record(s, actor, [c.id], "contact_added", {"contact_id": contact.id, "name": contact.name,
                                                      "title": contact.title})
    audit.record(s, "contact.create", "contact", contact.id, actor=actor,
                 after={"customer_id": c.id, **snapshot(contact)})
    return contact


def _get(s: Session, actor: Actor, contact_id: int) -> Contact:
    contact = s.get(Contact, contact_id)
    if contact is None:
        raise NotFound()
    get_visible(s, actor, contact.customer_id)  # 404 outside the data scope
    return contact


def get(s: Session, actor: Actor, contact_id: int) -> Contact:
    require(actor, "customer.view")
    return _get(s, actor, contact_id)


def update(s: Session, actor: Actor, contact_id: int, body: ContactUpdate) -> Contact:
    contact = _get(s, actor, contact_id)
    _writable(s, actor, contact.customer_id)
    before = snapshot(contact)
    data = body.model_dump(exclude_unset=True)
    if "name" in data and not (data["name"] or "").strip():
        raise Invalid("validation_error", errors=[{"field": "name", "code": "missing", "message": "name"}])
    for key, value in data.items():
        if key == "phones":
            value = _phones(value)
        elif key == "name":
            value = value.strip()
        elif key == "is_primary":
            value = bool(value)
        setattr(contact, key, value)
    b, a = audit.diff(before, snapshot(contact))
    if a:
        contact.updated_at = clock.now()
        s.flush()
        if contact.is_primary:
            _clear_primary(s, contact.customer_id, contact.id)
        events.record(s, actor, [contact.customer_id], "contact_updated",
                      {"contact_id": contact.id, "name": contact.name, "fields": sorted(a)})
        audit.record(s, "contact.update", "contact", contact.id, actor=actor, before=b, after=a)
    return contact


def delete(s: Session, actor: Actor, contact_id: int) -> None:
    contact = _get(s, actor, contact_id)
    _writable(s, actor, contact.customer_id)
    before = {"customer_id": contact.customer_id, **snapshot(contact)}
    customer_id, was_primary = contact.customer_id, contact.is_primary
    s.delete(contact)
    s.flush()
    if was_primary:  # the oldest remaining contact becomes primary
        nxt = s.scalar(sa.select(Contact).where(Contact.customer_id == customer_id).order_by(Contact.id).limit(1))
        if nxt is not None:
            nxt.is_primary = True
            s.flush()
    events.record(s, actor, [customer_id], "contact_deleted", {"contact_id": contact_id, "name": before["name"]})
    audit.record(s, "contact.delete", "contact", contact_id, actor=actor, before=before)


def reveal_phones(s: Session, actor: Actor, customer_id: int) -> tuple[list[str], dict[int, list[str]]]:
    """The audited "show" of full numbers (WORK-2) for roles that see them masked."""
    require(actor, "customer.view")
    c = get_visible(s, actor, customer_id)
    phones = [p.phone for p in c.phones]
    contacts = {x.id: list(x.phones or []) for x in s.scalars(sa.select(Contact).where(Contact.customer_id == c.id))}
    audit.record(s, "customer.phone_reveal", "customer", c.id, actor=actor,
                 after={"phones": len(phones), "contacts": len(contacts),
                        "had_full_permission": actor.can("customer.phone_full")})
    return phones, contacts
