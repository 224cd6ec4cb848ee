"""Attachments: upload to a record, list a record's files, download, delete.

Visibility has one path: the record's customer through `customer.service.get_visible` (`customer_scope`);
a record of another tenant or outside the caller's scope answers 404, whatever the kind. Adding files
follows the kind's rule (`kinds.RecordKind.may_attach`); deleting is for the uploader, or a role that
may delete customer data (`customer.delete`). Every write is audited."""

from __future__ import annotations

from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.attachment import kinds, storage
from huike.attachment.models import Attachment
from huike.attachment.schemas import AttachmentRead
from huike.audit import service as audit
from huike.authz import require
from huike.authz.actor import Actor
from huike.config import Settings
from huike.customer.models import Customer
from huike.customer.service import get_visible
from huike.kit.db import get_tenant
from huike.kit.errors import Conflict, Forbidden, Invalid, NotFound
from huike.org.models import Employee

MAX_PER_RECORD = 20


def _kind(name: str) -> kinds.RecordKind:
    kind = kinds.get(name)
    if kind is None:
        raise Invalid("attachment_kind_unknown", kind=name[:30])
    return kind


def _record_customer(s: Session, actor: Actor, kind: kinds.RecordKind, record_id: int) -> Customer:
    """The record's customer, if the caller sees it (404 otherwise: missing, other tenant, out of scope)."""
    require(actor, "customer.view")
    customer_id = kind.customer_of(s, record_id)
    if customer_id is None:
        raise NotFound()
    return get_visible(s, actor, customer_id)


def snapshot(a: Attachment) -> dict[str, object]:
    return {"record_kind": a.record_kind, "record_id": a.record_id, "customer_id": a.customer_id,
            "filename": a.filename, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}


def upload(s: Session, actor: Actor, settings: Settings, record_kind: str, record_id: int, filename: str | None,
           stream: BinaryIO) -> Attachment:
    kind = _kind(record_kind)
    c = _record_customer(s, actor, kind, record_id)
    kind.may_attach(s, actor, record_id, c)
    count = s.scalar(sa.select(sa.func.count()).select_from(Attachment).where(
        Attachment.record_kind == kind.name, Attachment.record_id == record_id)) or 0
    if count >= MAX_PER_RECORD:
        raise Conflict("attachment_limit", max=MAX_PER_RECORD)
    tenant_id = get_tenant(s)
    assert tenant_id is not None  # an authenticated request's session always has its tenant
    stored = storage.write(s, settings, tenant_id, stream)
    content_type, name = storage.sniff(stored.path, storage.clean_filename(filename))
    a = Attachment(record_kind=kind.name, record_id=record_id, customer_id=c.id, uploaded_by_id=actor.employee_id,
                   filename=name, content_type=content_type, size=stored.size, sha256=stored.sha256,
                   storage_key=stored.storage_key)
    s.add(a)
    s.flush()
    audit.record(s, "attachment.create", "attachment", a.id, actor=actor, after=snapshot(a))
    return a


def list_for(s: Session, actor: Actor, record_kind: str, record_id: int) -> list[Attachment]:
    kind = _kind(record_kind)
    _record_customer(s, actor, kind, record_id)
    return list(s.scalars(sa.select(Attachment).where(Attachment.record_kind == kind.name,
                                                      Attachment.record_id == record_id).order_by(Attachment.id)))


def list_many(s: Session, actor: Actor, record_kind: str, record_ids: list[int]) -> dict[int, list[Attachment]]:
    """Files of records the caller has already been shown (a page of follow-ups): one query, still
    limited to customers of the caller's scope."""
    from huike.authz import customer_scope

    if not record_ids:
        return {}
    rows = s.scalars(sa.select(Attachment).join(Customer, Customer.id == Attachment.customer_id)
                     .where(Attachment.record_kind == record_kind, Attachment.record_id.in_(record_ids),
                            customer_scope(actor)).order_by(Attachment.id))
    out: dict[int, list[Attachment]] = {}
    for a in rows:
        out.setdefault(a.record_id, []).append(a)
    return out


def get(s: Session, actor: Actor, attachment_id: int) -> Attachment:
    require(actor, "customer.view")
    a = s.get(Attachment, attachment_id)
    if a is None:
        raise NotFound()
    get_visible(s, actor, a.customer_id)
    return a


def may_delete(actor: Actor, a: Attachment) -> bool:
    return a.uploaded_by_id == actor.employee_id or actor.can("customer.delete")


def delete(s: Session, actor: Actor, settings: Settings, attachment_id: int) -> None:
    a = get(s, actor, attachment_id)
    if not may_delete(actor, a):
        raise Forbidden("not_uploader")
    before = snapshot(a)
    key = a.storage_key
    s.delete(a)
    s.flush()
    storage.remove_after_commit(s, key, settings)
    audit.record(s, "attachment.delete", "attachment", attachment_id, actor=actor, before=before)


def purge_customers(s: Session, settings: Settings, customer_ids: list[int]) -> int:
    """Customers deleted for good (`pool.moves.purge`) take their files along: the rows go in this
    transaction (before the customers, not left to the foreign key's cascade), the bytes on disk only once
    it has committed — a rollback keeps both. Returns how many attachments went."""
    if not customer_ids:
        return 0
    keys = list(s.scalars(sa.select(Attachment.storage_key).where(Attachment.customer_id.in_(customer_ids))))
    if not keys:
        return 0
    s.execute(sa.delete(Attachment).where(Attachment.customer_id.in_(customer_ids))
              .execution_options(synchronize_session=False))
    for key in keys:
        storage.remove_after_commit(s, key, settings)
    return len(keys)


def read_many(s: Session, actor: Actor, rows: list[Attachment]) -> list[AttachmentRead]:
    ids = {a.uploaded_by_id for a in rows if a.uploaded_by_id}
    names = dict(s.execute(sa.select(Employee.id, Employee.name).where(Employee.id.in_(ids))).all()) if ids else {}
    return [AttachmentRead(id=a.id, record_kind=a.record_kind, record_id=a.record_id, customer_id=a.customer_id,
                           filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256,
                           uploaded_by_id=a.uploaded_by_id,
                           uploaded_by_name=names.get(a.uploaded_by_id) if a.uploaded_by_id else None,
                           created_at=a.created_at, download_url=f"/api/v1/attachments/{a.id}/download",
                           can_delete=may_delete(actor, a)) for a in rows]
