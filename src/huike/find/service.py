"""Finding customers: the pool lists with quick search, filters, sort and keyset pages; totals;
saved and pinned filters (FIND-6/7); list views with column settings (FIND-8).

Every list is `customer_scope(actor) AND pool_condition(actor, pool) AND filter AND search`: the
filter and the search narrow the pool and the data scope, never widen them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import customer_scope, pool_condition, require
from huike.authz.actor import Actor
from huike.customer.models import POOL_KEYS, Customer
from huike.dictionary import service as dictionary
from huike.find import paging, search, text
from huike.find.filters import SYSTEM, SYSTEM_FIELDS, Compiler, catalog
from huike.find.models import ListView, SavedFilter
from huike.find.schemas import (
    Filter,
    ListViewBody,
    ListViewRead,
    SavedFilterCreate,
    SavedFilterRead,
    SavedFilterUpdate,
)
from huike.kit import clock
from huike.kit.db import get_tenant
from huike.kit.errors import Conflict, Invalid, NotFound
from huike.kit.i18n import t


@dataclass
class ListResult:
    rows: list[Customer]
    next_cursor: str | None
    total: int
    total_kind: str
    sort: str


def parse_filter(raw: str | None) -> Filter | None:
    """The `filter` query parameter: URL-decoded JSON → Filter (422 invalid_filter with field errors)."""
    if raw is None or not raw.strip():
        return None
    try:
        return Filter.model_validate(json.loads(raw))
    except json.JSONDecodeError:
        raise Invalid("invalid_filter", errors=[{"field": "filter", "code": "json_invalid",
                                                 "message": "JSON"}]) from None
    except ValidationError as exc:
        errors = [{"field": ".".join(["filter", *[str(x) for x in e["loc"]]]), "code": e["type"],
                   "message": e["msg"]} for e in exc.errors()]
        if any(e["type"] == "too_long" and e["loc"][-1] == "conditions" for e in exc.errors()):
            raise Invalid("too_many_conditions", max=10, errors=errors) from None
        raise Invalid("invalid_filter", errors=errors) from None


def _check_pool(actor: Actor, pool: str) -> None:
    require(actor, "customer.view")
    if pool not in POOL_KEYS:
        raise Invalid("validation_error")


def builder(s: Session, actor: Actor, pool: str, flt: Filter | None, plan: text.Query | None) -> paging.Build:
    """The list as `build(probe) → (select of Customer rows, tiers)`: scope AND pool AND filter AND
    search; tiers put exact search matches first. probe: the same conditions as row-by-row checks,
    wrapped so that the sort index is walked (see paging.fetch). Attributes: `race` — the probe form
    should be tried first, within a budget (the planner cannot judge some condition's selectivity);
    `opaque` — a planner estimate of the list's size means nothing (search, RLS functions)."""
    _check_pool(actor, pool)
    tenant = get_tenant(s)
    compiled: dict[bool, Any] = {}
    sqlite = s.get_bind().dialect.name == "sqlite"
    # how much of the tenant the search matches (PostgreSQL statistics; SQLite has none)
    rows, any_share, exact_share = search.shares(s, plan) if plan is not None and not sqlite else (0.0, 0.0, 0.0)

    def build(probe: bool) -> tuple[sa.Select[Any], list[Any]]:
        if probe not in compiled:
            conds = [customer_scope(actor), pool_condition(actor, pool)]
            compiler = Compiler.for_session(s, actor, probe=probe)
            fc = compiler.compile(flt)
            if fc is not None:
                conds.append(fc)
            tiers: list[Any] = [None]
            if plan is not None:
                sc = search.conditions(s, plan, probe=probe)
                conds.append(sc.any)
                # exact matches are usually few: that tier is found through the indexes unless the
                # statistics say the whole-field value is common
                exact = sc.exact if not probe or search.dense(exact_share, rows) else build(False)[1][0]
                tiers = [exact, ~exact]
            cond: Any = sa.and_(*conds)
            if probe:
                # an opaque wrapper around the conditions: the planner can use none of their indexes (nor
                # turn the EXISTS into joins) and walks the sort index, checking each row
                cond = _opaque(cond, sqlite)
            else:
                build.opaque = compiler.opaque or plan is not None  # type: ignore[attr-defined]
                if sqlite:  # no statistics on tags or options: race when an index could drive the list
                    build.race = compiler.drivable or plan is not None  # type: ignore[attr-defined]
                else:  # PostgreSQL plans what it has statistics for; search: ask them how dense it is
                    build.race = compiler.opaque or search.dense(any_share, rows)  # type: ignore[attr-defined]
            compiled[probe] = (sa.select(Customer).where(Customer.tenant_id == tenant, cond), tiers)
        return compiled[probe]

    build.race = False  # type: ignore[attr-defined]
    build.opaque = False  # type: ignore[attr-defined]
    build(False)  # validates the filter once, up front (422 before any query runs)
    return build


def _opaque(cond: Any, sqlite: bool) -> Any:
    # likelihood() is SQLite's planner hint; PostgreSQL gets the same effect from a CASE
    return sa.func.likelihood(cond, sa.literal_column("0.9")) if sqlite else sa.case((cond, sa.true()),
                                                                                     else_=sa.false())


def base_query(s: Session, actor: Actor, pool: str, flt: Filter | None) -> sa.Select[tuple[Customer]]:
    """scope AND pool AND filter, as one select of Customer rows."""
    return builder(s, actor, pool, flt, None)(False)[0]


def _saved(s: Session, actor: Actor, saved_filter_id: int | None) -> SavedFilter | None:
    if saved_filter_id is None:
        return None
    sf = s.get(SavedFilter, saved_filter_id)
    if sf is None or sf.employee_id != actor.employee_id:
        raise NotFound()
    return sf


def _combine(a: Filter | None, b: Filter | None) -> Filter | None:
    """A saved filter AND the filter given with it (each keeps its own logic)."""
    if a is None or not a.conditions:
        return b
    if b is None or not b.conditions:
        return a
    parts: list[dict[str, Any]] = []
    for f in (a, b):
        conds = f.model_dump(exclude_none=True)["conditions"]
        if f.logic == "and":
            parts.extend(conds)
        elif all("field" in c for c in conds):
            parts.append({"logic": "or", "conditions": conds})
        else:
            raise Invalid("invalid_filter", errors=[{"field": "filter", "code": "too_deep",
                                                     "message": t("filter.too_deep")}])
    if sum(len(c.get("conditions", [c])) for c in parts) > 10:
        raise Invalid("too_many_conditions", max=10)
    return Filter.model_validate({"logic": "and", "conditions": parts})


def list_customers(s: Session, actor: Actor, pool: str = "all", *, q: str | None = None,
                   flt: Filter | None = None, sort: str | None = None, cursor: str | None = None,
                   limit: int = 20, total: str = "auto", saved_filter_id: int | None = None) -> ListResult:
    saved = _saved(s, actor, saved_filter_id)
    if saved is not None:
        flt = _combine(Filter.model_validate(saved.filter or {}), flt)
        q = q if q is not None else saved.q
        sort = sort or saved.sort
    build = builder(s, actor, pool, flt, text.plan(q))
    sort_spec = paging.parse_sort(s, sort)
    _interactive(s)
    rows, nxt, probed = paging.fetch(s, build, sort_spec, cursor, limit)
    if cursor is None and nxt is None and total != "none":
        n, kind = len(rows), "exact"  # the whole list is on this page
    else:
        known = len(rows) + (1 if nxt else 0) if cursor is None else 0
        n, kind = paging.total(s, build, total, probed, known)
    return ListResult(rows, nxt, n, kind, sort_spec.key)


def _interactive(s: Session) -> None:
    """PostgreSQL, for the rest of the transaction: a page of 20 rows never waits for parallel workers
    to start (~10 ms, more than the page), and every statement is planned with its actual values —
    psycopg prepares a statement run five times, and PostgreSQL may then switch to a generic plan that
    cannot know whether a keyset bound or a search pattern keeps ten rows or a million."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(sa.text("SELECT set_config('max_parallel_workers_per_gather', '0', true), "
                          "set_config('plan_cache_mode', 'force_custom_plan', true)"))


def count(s: Session, actor: Actor, pool: str = "all", *, q: str | None = None, flt: Filter | None = None,
          exact: bool = False, saved_filter_id: int | None = None) -> tuple[int, str]:
    saved = _saved(s, actor, saved_filter_id)
    if saved is not None:
        flt = _combine(Filter.model_validate(saved.filter or {}), flt)
        q = q if q is not None else saved.q
    build = builder(s, actor, pool, flt, text.plan(q))
    if not exact:
        _interactive(s)
    return paging.total(s, build, "exact" if exact else "auto")


def fields(s: Session, actor: Actor) -> list[dict[str, Any]]:
    require(actor, "customer.view")
    return catalog(s)


# ====================================================================== saved filters (FIND-6, FIND-7)
def _validate_saved(s: Session, actor: Actor, flt: Filter, sort: str | None) -> None:
    Compiler.for_session(s, actor).compile(flt)
    if sort:
        paging.parse_sort(s, sort)


def saved_read(sf: SavedFilter) -> SavedFilterRead:
    return SavedFilterRead(id=sf.id, pool=sf.pool, name=sf.name, filter=Filter.model_validate(sf.filter or {}),
                           q=sf.q, sort=sf.sort, pinned=sf.pinned, position=sf.position, created_at=sf.created_at,
                           updated_at=sf.updated_at)


def list_saved(s: Session, actor: Actor, pool: str | None) -> list[SavedFilter]:
    require(actor, "customer.view")
    stmt = sa.select(SavedFilter).where(SavedFilter.employee_id == actor.employee_id)
    if pool:
        stmt = stmt.where(SavedFilter.pool == pool)
    return list(s.scalars(stmt.order_by(SavedFilter.pool, SavedFilter.position, SavedFilter.id)))


def _flush_unique(s: Session, name: str) -> None:
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError:
        raise Conflict("saved_filter_exists", name=name) from None


def create_saved(s: Session, actor: Actor, body: SavedFilterCreate) -> SavedFilter:
    require(actor, "customer.view")
    pool_condition(actor, body.pool)  # the pool must be one the employee may open
    _validate_saved(s, actor, body.filter, body.sort)
    name = body.name.strip()
    if s.scalar(sa.select(SavedFilter.id).where(SavedFilter.employee_id == actor.employee_id,
                                                SavedFilter.pool == body.pool, SavedFilter.name == name)):
        raise Conflict("saved_filter_exists", name=name)
    position = (s.scalar(sa.select(sa.func.max(SavedFilter.position)).where(
        SavedFilter.employee_id == actor.employee_id, SavedFilter.pool == body.pool)) or 0) + 1
    sf = SavedFilter(employee_id=actor.employee_id, pool=body.pool, name=name,
                     filter=body.filter.model_dump(exclude_none=True), q=(body.q or "").strip() or None,
                     sort=body.sort, pinned=body.pinned, position=position)
    s.add(sf)
    _flush_unique(s, name)
    audit.record(s, "saved_filter.create", "saved_filter", sf.id, actor=actor,
                 after={"pool": sf.pool, "name": sf.name, "filter": sf.filter, "q": sf.q, "pinned": sf.pinned})
    return sf


def _mine(s: Session, actor: Actor, filter_id: int) -> SavedFilter:
    sf = s.get(SavedFilter, filter_id)
    if sf is None or sf.employee_id != actor.employee_id:
        raise NotFound()
    return sf


def update_saved(s: Session, actor: Actor, filter_id: int, body: SavedFilterUpdate) -> SavedFilter:
    require(actor, "customer.view")
    sf = _mine(s, actor, filter_id)
    before = {"name": sf.name, "filter": sf.filter, "q": sf.q, "sort": sf.sort, "pinned": sf.pinned}
    data = body.model_dump(exclude_unset=True)
    if body.filter is not None or "sort" in data:
        _validate_saved(s, actor, body.filter or Filter.model_validate(sf.filter or {}), data.get("sort", sf.sort))
    if data.get("name"):
        sf.name = data["name"].strip()
    if body.filter is not None:
        sf.filter = body.filter.model_dump(exclude_none=True)
    if "q" in data:
        sf.q = (data["q"] or "").strip() or None
    if "sort" in data:
        sf.sort = data["sort"]
    if data.get("pinned") is not None:
        sf.pinned = data["pinned"]
    sf.updated_at = clock.now()
    _flush_unique(s, sf.name)
    b, a = audit.diff(before, {"name": sf.name, "filter": sf.filter, "q": sf.q, "sort": sf.sort, "pinned": sf.pinned})
    audit.record(s, "saved_filter.update", "saved_filter", sf.id, actor=actor, before=b, after=a)
    return sf


def delete_saved(s: Session, actor: Actor, filter_id: int) -> None:
    require(actor, "customer.view")
    sf = _mine(s, actor, filter_id)
    audit.record(s, "saved_filter.delete", "saved_filter", sf.id, actor=actor,
                 before={"pool": sf.pool, "name": sf.name, "filter": sf.filter})
    s.delete(sf)
    s.flush()


def reorder_saved(s: Session, actor: Actor, pool: str, ids: list[int]) -> list[SavedFilter]:
    require(actor, "customer.view")
    mine = {x.id: x for x in list_saved(s, actor, pool)}
    if any(i not in mine for i in ids):
        raise NotFound()
    for pos, i in enumerate(dict.fromkeys(ids), 1):
        mine[i].position = pos
    s.flush()
    return list_saved(s, actor, pool)


# ====================================================================== list views (FIND-7, FIND-8)
SYSTEM_COLUMNS = [f.key for f in SYSTEM_FIELDS if f.listable]
LOCKED_COLUMNS = ["name"]  # always shown, always first
DEFAULT_COLUMNS = ["name", "phones", "company", "owner", "tags", "source", "level", "last_followup_at",
                   "created_at"]
DEFAULT_PINNED = ["tags", "source", "last_followup_at"]


def columns_catalog(s: Session, actor: Actor) -> list[dict[str, Any]]:
    require(actor, "customer.view")
    return [f for f in catalog(s) if f["column"]]


def _normalize_columns(s: Session, columns: list[str], *, strict: bool) -> list[str]:
    custom = {f"cf.{f.key}" for f in dictionary.list_fields(s, active_only=True)}
    known_system = set(SYSTEM_COLUMNS)
    for c in columns:
        if strict and c not in known_system and c not in custom:
            raise Invalid("invalid_columns", column=c, errors=[{"field": "columns", "code": "invalid_columns",
                                                                "message": c}])
    chosen = set(columns) | set(LOCKED_COLUMNS)
    system = [c for c in SYSTEM_COLUMNS if c in chosen]  # fixed order
    customs = [c for c in dict.fromkeys(columns) if c in custom]  # the employee's order
    return system + customs


def _normalize_pinned(s: Session, pinned: list[str], *, strict: bool) -> list[str]:
    custom = {f"cf.{f.key}" for f in dictionary.list_fields(s, active_only=True)}
    out = []
    for p in dict.fromkeys(pinned):
        ok = (p in SYSTEM and SYSTEM[p].filterable) or p in custom
        if not ok:
            if strict:
                raise Invalid("invalid_columns", column=p, errors=[{"field": "pinned_fields", "code": "invalid_columns",
                                                                    "message": p}])
            continue
        out.append(p)
    return out


def get_view(s: Session, actor: Actor, pool: str) -> ListViewRead:
    require(actor, "customer.view")
    v = s.scalar(sa.select(ListView).where(ListView.employee_id == actor.employee_id, ListView.pool == pool))
    if v is None:
        return ListViewRead(pool=pool, columns=_normalize_columns(s, DEFAULT_COLUMNS, strict=False),
                            pinned_fields=list(DEFAULT_PINNED), sort=paging.DEFAULT_SORT, page_size=20,
                            is_default=True)
    return ListViewRead(pool=pool, columns=_normalize_columns(s, list(v.columns or []), strict=False),
                        pinned_fields=_normalize_pinned(s, list(v.pinned_fields or []), strict=False),
                        sort=v.sort or paging.DEFAULT_SORT, page_size=v.page_size, is_default=False)


def put_view(s: Session, actor: Actor, pool: str, body: ListViewBody) -> ListViewRead:
    require(actor, "customer.view")
    pool_condition(actor, pool)
    columns = _normalize_columns(s, body.columns, strict=True)
    pinned = _normalize_pinned(s, body.pinned_fields, strict=True)
    sort = paging.parse_sort(s, body.sort).key if body.sort else None
    v = s.scalar(sa.select(ListView).where(ListView.employee_id == actor.employee_id, ListView.pool == pool))
    before: dict[str, Any] | None = None
    if v is None:
        v = ListView(employee_id=actor.employee_id, pool=pool)
        s.add(v)
    else:
        before = {"columns": v.columns, "pinned_fields": v.pinned_fields, "sort": v.sort, "page_size": v.page_size}
    v.columns, v.pinned_fields, v.sort, v.page_size = columns, pinned, sort, body.page_size
    v.updated_at = clock.now()
    s.flush()
    b, a = audit.diff(before, {"columns": columns, "pinned_fields": pinned, "sort": sort, "page_size": body.page_size})
    audit.record(s, "list_view.update", "list_view", v.id, actor=actor, before=b, after={"pool": pool, **(a or {})})
    return get_view(s, actor, pool)


def reset_view(s: Session, actor: Actor, pool: str) -> None:
    require(actor, "customer.view")
    v = s.scalar(sa.select(ListView).where(ListView.employee_id == actor.employee_id, ListView.pool == pool))
    if v is None:
        return
    audit.record(s, "list_view.reset", "list_view", v.id, actor=actor,
                 before={"pool": pool, "columns": v.columns, "pinned_fields": v.pinned_fields, "sort": v.sort})
    s.delete(v)
    s.flush()
