"""Contacts of a customer (WORK-3)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from huike.auth.deps import CurrentActor
from huike.contact import service
from huike.contact.schemas import ContactCreate, ContactRead, ContactUpdate
from huike.kit.web import DB, UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, tags=["contacts"])


@router.get("/customers/{customer_id}/contacts", response_model=list[ContactRead])
def list_contacts(customer_id: int, actor: CurrentActor, db: DB) -> list[ContactRead]:
    """The customer's contacts, primary first (404 outside the caller's data scope)."""
    return [service.read(actor, c) for c in service.list_for(db, actor, customer_id)]


@router.post("/customers/{customer_id}/contacts", response_model=ContactRead, status_code=201)
def create_contact(customer_id: int, body: ContactCreate, actor: CurrentActor, db: DB) -> ContactRead:
    return service.read(actor, service.create(db, actor, customer_id, body))


@router.get("/contacts/{contact_id}", response_model=ContactRead)
def get_contact(contact_id: int, actor: CurrentActor, db: DB) -> ContactRead:
    return service.read(actor, service.get(db, actor, contact_id))


@router.patch("/contacts/{contact_id}", response_model=ContactRead)
def update_contact(contact_id: int, body: ContactUpdate, actor: CurrentActor, db: DB) -> ContactRead:
    return service.read(actor, service.update(db, actor, contact_id, body))


@router.delete("/contacts/{contact_id}", status_code=204)
def delete_contact(contact_id: int, actor: CurrentActor, db: DB) -> Response:
    service.delete(db, actor, contact_id)
    return Response(status_code=204)


class RevealRead(BaseModel):
    phones: list[str]
    contacts: dict[int, list[str]]


@router.post("/customers/{customer_id}/phones/reveal", response_model=RevealRead)
def reveal_phones(customer_id: int, actor: CurrentActor, db: DB) -> RevealRead:
    """显示完整号码: the customer's and its contacts' full numbers, audited (404 outside the data scope)."""
    phones, contacts = service.reveal_phones(db, actor, customer_id)
    return RevealRead(phones=phones, contacts=contacts)
