"""Keeps customer_search in step with customers and their phones.

Every ORM flush that creates a customer, changes a searchable field (name, number, company, email,
WeChat nickname, external id) or adds, moves or removes a phone marks the customer; after the flush
its search row (search text, pinyin) is rewritten in one statement. Code that changes those fields
with a Core UPDATE/INSERT (merge, bulk import, the benchmark generator) calls `refresh()` itself.
On SQLite, triggers on customer_search then update the FTS5 tables (find.schema)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from huike.customer.models import Customer, CustomerPhone
from huike.find import text
from huike.find.models import CustomerSearch

KEY = "find_reindex"
WATCHED = (*text.ROW_FIELDS, "phones")


def search_row(customer: dict[str, Any], phones: Iterable[str]) -> dict[str, Any]:
    full, initials = text.pinyin_forms(customer.get("name"))
    st = text.search_text(customer, phones)
    return {"customer_id": customer["id"], "tenant_id": customer["tenant_id"], "search_text": st,
            "gram_words": text.gram_words(st), "name_pinyin": full, "name_initials": initials}


def refresh(s: Session, customer_ids: Iterable[int]) -> None:
    """Rewrite the search rows of these customers from the database (Core statements only)."""
    ids = sorted({int(i) for i in customer_ids if i is not None})
    if not ids:
        return
    c = Customer.__table__.c
    p = CustomerPhone.__table__.c
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = s.execute(sa.select(c.id, c.tenant_id, *[c[f] for f in text.ROW_FIELDS]).where(c.id.in_(chunk))).all()
        if not rows:
            continue
        phones: dict[int, list[str]] = {}
        for cid, phone in s.execute(sa.select(p.customer_id, p.phone).where(p.customer_id.in_(chunk))
                                    .order_by(p.customer_id, p.position, p.id)):
            phones.setdefault(cid, []).append(phone)
        values = [search_row(r._asdict(), phones.get(r.id, [])) for r in rows]
        upsert(s, values)


def upsert(s: Session, values: list[dict[str, Any]]) -> None:
    table = CustomerSearch.__table__
    dialect = s.get_bind().dialect.name
    ins = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table))
    stmt = ins.on_conflict_do_update(index_elements=[table.c.customer_id], set_={
        "search_text": ins.excluded.search_text, "gram_words": ins.excluded.gram_words,
        "name_pinyin": ins.excluded.name_pinyin,
        "name_initials": ins.excluded.name_initials})
    s.execute(stmt, values)


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _ctx: Any, _instances: Any) -> None:
    pending = session.info.get(KEY)
    for obj in session.new:
        if isinstance(obj, Customer | CustomerPhone):
            pending = pending if pending is not None else session.info.setdefault(KEY, ([], set()))
            if isinstance(obj, Customer):
                pending[0].append(obj)
            elif obj.customer_id is not None:
                pending[1].add(obj.customer_id)
    for obj in session.dirty:
        if isinstance(obj, Customer):
            state = inspect(obj)
            if any(state.attrs[a].history.has_changes() for a in WATCHED):
                pending = pending if pending is not None else session.info.setdefault(KEY, ([], set()))
                pending[0].append(obj)
        elif isinstance(obj, CustomerPhone):
            hist = inspect(obj).attrs.customer_id.history
            if hist.has_changes() or inspect(obj).attrs.phone.history.has_changes():
                pending = pending if pending is not None else session.info.setdefault(KEY, ([], set()))
                pending[1].update(x for x in (*hist.added, *hist.deleted, *hist.unchanged) if x is not None)
    for obj in session.deleted:
        if isinstance(obj, CustomerPhone) and obj.customer_id is not None:
            pending = pending if pending is not None else session.info.setdefault(KEY, ([], set()))
            pending[1].add(obj.customer_id)


@event.listens_for(Session, "after_flush_postexec")
def _reindex(session: Session, _ctx: Any) -> None:
    pending = session.info.pop(KEY, None)
    if not pending:
        return
    objs, ids = pending
    ids = set(ids)
    for obj in objs:
        state = inspect(obj)
        if obj.id is not None and not state.deleted and not state.was_deleted:
            ids.add(obj.id)
    refresh(session, ids)
