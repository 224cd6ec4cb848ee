"""Keyset pagination on any sortable column, and totals that never hold up a page.

A list is ordered by (sort value, id), both in the sort direction. The cursor carries the last row's
sort value and id, so the next page is an index range scan from there: page 5,000 costs what page 1
costs. A nullable sort column is read in two segments — non-null values by index, then the rows
without a value by id — so that no OR defeats the index (NULL sorts as the smallest value on both
databases). Quick search adds tiers in front (exact matches first): segments are (tier × null-part),
and the cursor records which segment it stopped in.
"""

from __future__ import annotations

import base64
import json
import time as _time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.selectable import Select

from huike.customer.models import Customer
from huike.dictionary.models import CustomerFieldValue, CustomField
from huike.find.filters import CF_SORT_COLUMN, EXTRA_SORTS, SYSTEM
from huike.kit.errors import Invalid

DEFAULT_SORT = "-id"
EXACT_CAP = 500  # "auto" totals: counted exactly up to here (SQLite: then "500+")
PG_SMALL = 500  # PostgreSQL: a planner estimate up to here is checked by counting (exact up to it)
COUNT_BUDGET_MS = 25  # "auto" totals never spend more than this
OPAQUE_CAP, OPAQUE_BUDGET_MS = 200, 5  # search results: exact up to 200 if counted at once, else "n+"


@dataclass
class Sort:
    key: str  # as given, e.g. "-last_followup_at"
    expr: Any  # the column or custom-field value column
    desc: bool
    nullable: bool
    kind: str  # datetime / date / number / text / int
    join: tuple[Any, Any] | None = None  # (alias, on-clause) for custom fields

    @property
    def name(self) -> str:
        return self.key.lstrip("-")


def parse_sort(s: Session, key: str | None) -> Sort:
    key = (key or DEFAULT_SORT).strip()
    desc = key.startswith("-")
    name = key.lstrip("-+").strip()
    key = ("-" if desc else "") + name
    if name in EXTRA_SORTS:
        return Sort(key, Customer.id, desc, False, "int")
    if name.startswith("cf."):
        f = s.scalar(sa.select(CustomField).where(CustomField.key == name[3:], CustomField.is_active))
        if f is None or f.type not in CF_SORT_COLUMN:
            raise Invalid("invalid_sort", sort=name)
        alias = aliased(CustomerFieldValue)
        col = getattr(alias, CF_SORT_COLUMN[f.type])
        on = sa.and_(alias.customer_id == Customer.id, alias.field_id == f.id, alias.seq == 0)
        kind = {"value_num": "number", "value_date": "date", "value_time": "datetime"}.get(CF_SORT_COLUMN[f.type],
                                                                                           "text")
        return Sort(key, col, desc, True, kind, join=(alias, on))
    f = SYSTEM.get(name)
    if f is None or not f.sortable or f.column is None:
        raise Invalid("invalid_sort", sort=name)
    col = getattr(Customer, f.column)
    nullable = bool(Customer.__table__.c[f.column].nullable)
    kind = "datetime" if f.type == "datetime" else "text"
    return Sort(key, col, desc, nullable, kind)


# ---------------------------------------------------------------------- cursor
def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return v


def _from_json(kind: str, v: Any) -> Any:
    if v is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(v)
    if kind == "date":
        return date.fromisoformat(v)
    if kind == "number":
        return Decimal(str(v))
    if kind == "int":
        if not isinstance(v, int):
            raise TypeError
        return v
    if not isinstance(v, str):
        raise TypeError
    return v


def encode(sort: Sort, segment: int, value: Any, last_id: int) -> str:
    raw = json.dumps({"s": sort.key, "g": segment, "v": _jsonable(value), "i": last_id}, ensure_ascii=False,
                     separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(sort: Sort, cursor: str | None) -> tuple[int, Any, int] | None:
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if raw["s"] != sort.key or not isinstance(raw["i"], int) or not isinstance(raw["g"], int) or raw["g"] < 0:
            raise ValueError
        return raw["g"], _from_json(sort.kind, raw["v"]), raw["i"]
    except (ValueError, KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise Invalid("invalid_cursor") from None


# ---------------------------------------------------------------------- segments and pages
@dataclass
class Segment:
    cond: ColumnElement[bool] | None
    by_value: bool  # ordered by (value, id); else by id only (the NULL part)


def segments(sort: Sort, tiers: Sequence[ColumnElement[bool] | None]) -> list[Segment]:
    out: list[Segment] = []
    for tier in tiers:
        if not sort.nullable or sort.expr is Customer.id:
            out.append(Segment(tier, True))
            continue
        value = Segment(sa.and_(*(x for x in (tier, sort.expr.is_not(None)) if x is not None)), True)
        null = Segment(sa.and_(*(x for x in (tier, sort.expr.is_(None)) if x is not None)), False)
        out.extend([value, null] if sort.desc else [null, value])
    return out


def _ordered(stmt: Select[Any], sort: Sort, seg: Segment, after: tuple[Any, int] | None) -> Select[Any]:
    if seg.cond is not None:
        stmt = stmt.where(seg.cond)
    by_id = Customer.id.desc() if sort.desc else Customer.id.asc()
    if seg.by_value and sort.expr is not Customer.id:
        if after is not None:
            key = sa.tuple_(sort.expr, Customer.id)
            bound = sa.tuple_(sa.bindparam(None, after[0], type_=sort.expr.type), sa.bindparam(None, after[1]))
            stmt = stmt.where(key < bound if sort.desc else key > bound)
        return stmt.order_by(sort.expr.desc() if sort.desc else sort.expr.asc(), by_id)
    if after is not None:
        stmt = stmt.where(Customer.id < after[1] if sort.desc else Customer.id > after[1])
    return stmt.order_by(by_id)


Build = Callable[[bool], tuple[Select[Any], list[Any]]]
PROBE_BUDGET_MS = 25  # how long the walk along the sort index may try before the other plan
FORCE_FORM: str | None = None  # tests: "probe" or "drive" to exercise one form alone


class _Interrupted(Exception):
    pass


@contextmanager
def _sqlite_budget(s: Session, ms: float) -> Iterator[None]:
    """Abort the SQLite statements of the block after `ms` (raises _Interrupted); a savepoint keeps
    the transaction usable."""
    from sqlalchemy.exc import OperationalError

    raw = s.connection().connection.driver_connection
    deadline = _time.monotonic() + ms / 1000
    raw.set_progress_handler(lambda: 1 if _time.monotonic() > deadline else 0, 5_000)
    try:
        with s.begin_nested():
            yield
    except OperationalError as exc:
        if "interrupted" in str(exc.orig):
            raise _Interrupted from None
        raise
    finally:
        raw.set_progress_handler(None, 0)


@contextmanager
def _pg_budget(s: Session, ms: float) -> Iterator[None]:
    """statement_timeout for the block (raises _Interrupted); a savepoint restores the setting."""
    from sqlalchemy.exc import OperationalError

    try:
        with s.begin_nested():
            prev = s.execute(sa.text("SELECT current_setting('statement_timeout'), "
                                     "set_config('statement_timeout', :v, true)"), {"v": str(int(ms))}).scalar()
            yield
            s.execute(sa.text("SELECT set_config('statement_timeout', :v, true)"), {"v": prev})
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == "57014":  # query_canceled
            raise _Interrupted from None
        raise


def budget(s: Session, ms: float) -> Any:
    return _sqlite_budget(s, ms) if s.get_bind().dialect.name == "sqlite" else _pg_budget(s, ms)


def fetch(s: Session, build: Build, sort: Sort, cursor: str | None, limit: int
          ) -> tuple[list[Customer], str | None, bool]:
    """One page in sort order, and the next cursor. `build(probe)` gives the select of Customer rows and
    the tiers. When the planner cannot judge how many rows a condition keeps (SQLite has no statistics
    on how many customers hold a tag; PostgreSQL cannot look inside the row-level-security search
    functions), two plans race: first the walk along the sort index checking each row (`probe`) — a
    dense filter fills the page after a few rows — and, when that has not finished within
    PROBE_BUDGET_MS, the filter is sparse and the plan driven by the filter's own indexes runs.
    The third value tells which form answered (True: probe), for counting the same way."""
    base, tiers = build(False)
    if FORCE_FORM == "probe":
        pbase, ptiers = build(True)
        return (*_fetch(s, pbase, sort, ptiers, cursor, limit), True)
    if getattr(build, "race", False) and FORCE_FORM != "drive":
        pbase, ptiers = build(True)
        try:
            with budget(s, PROBE_BUDGET_MS):
                return (*_fetch(s, pbase, sort, ptiers, cursor, limit), True)
        except _Interrupted:
            pass
    return (*_fetch(s, base, sort, tiers, cursor, limit), False)


def _fetch(s: Session, base: Select[Any], sort: Sort, tiers: Sequence[ColumnElement[bool] | None],
           cursor: str | None, limit: int) -> tuple[list[Customer], str | None]:
    segs = segments(sort, tiers)
    start = decode(sort, cursor)
    first, after = (start[0], (start[1], start[2])) if start else (0, None)
    if first >= len(segs):
        raise Invalid("invalid_cursor")
    # phones and collaborators are read by customer.service.read_many in one batch with the rest
    stmt0 = base.add_columns(sort.expr.label("_sort_value")).options(
        sa.orm.lazyload(Customer.phones), sa.orm.lazyload(Customer.collaborators))
    if sort.join is not None:
        stmt0 = stmt0.outerjoin(*sort.join)
    got: list[tuple[int, Customer, Any]] = []
    for gi in range(first, len(segs)):
        need = limit + 1 - len(got)
        if need <= 0:
            break
        stmt = _ordered(stmt0, sort, segs[gi], after if gi == first else None).limit(need)
        got.extend((gi, row[0], row[1]) for row in s.execute(stmt).all())
    more = len(got) > limit
    got = got[:limit]
    nxt = encode(sort, got[-1][0], got[-1][2], got[-1][1].id) if more and got else None
    return [row for _, row, _ in got], nxt


# ---------------------------------------------------------------------- totals
class explain(Executable, sa.sql.ClauseElement):
    inherit_cache = False

    def __init__(self, stmt: Select[Any]) -> None:
        self.statement = stmt


@compiles(explain, "postgresql")
def _explain_pg(element: explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def plan_rows(s: Session, stmt: Any) -> int:
    plan = s.execute(stmt).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def estimate(s: Session, stmt: Select[Any]) -> int:
    return plan_rows(s, explain(stmt))


def total(s: Session, build: Build, mode: str, probe: bool | None = None, known: int = 0) -> tuple[int, str]:
    """(total, kind) of a list. mode: auto (never holds up the page) / exact / none. probe: the form
    that answered the page (counted the same way; None: try both). known: rows known to exist."""
    if mode == "none":
        return 0, "none"

    def ids(probe: bool) -> Select[Any]:
        return build(probe)[0].with_only_columns(Customer.id).order_by(None)

    if mode == "exact":
        return s.scalar(sa.select(sa.func.count()).select_from(ids(False).subquery())) or 0, "exact"
    if s.get_bind().dialect.name == "postgresql" and getattr(build, "opaque", False):
        # search and RLS-function filters: no meaningful estimate; count the first rows, in the form
        # that answered the page
        first = ids(bool(probe)).limit(OPAQUE_CAP + 1)
        n = _pg_bounded(s, sa.select(sa.func.count()).select_from(first.subquery()), OPAQUE_BUDGET_MS)
        if n is None:
            return known, "at_least"
        return (n, "exact") if n <= OPAQUE_CAP else (OPAQUE_CAP, "at_least")
    if s.get_bind().dialect.name == "postgresql":
        # The planner's estimate (EXPLAIN, about a millisecond); a small one is checked by counting
        # (exact up to PG_SMALL, within the budget), a large one is shown as an estimate.
        est = estimate(s, ids(False))
        if est > PG_SMALL:
            return est, "estimate"
        first = ids(bool(probe)).limit(PG_SMALL + 1)
        n = _pg_bounded(s, sa.select(sa.func.count()).select_from(first.subquery()))
        if n is not None and n <= PG_SMALL:
            return n, "exact"
        return max(est, PG_SMALL + 1) if n is not None else max(est, 1), "estimate"
    # SQLite: count along the sort index (dense lists reach the cap at once), else by the filter's indexes
    seen = 0
    forms = (True, False) if probe is None else (probe,)
    for form in forms:
        n, done = _sqlite_bounded(s, ids(form).limit(EXACT_CAP + 1), COUNT_BUDGET_MS / len(forms))
        if done:
            return (n, "exact") if n <= EXACT_CAP else (EXACT_CAP, "at_least")
        seen = max(seen, n)
    return max(seen, known), "at_least"


def _pg_bounded(s: Session, stmt: Select[Any], ms: float = COUNT_BUDGET_MS) -> int | None:
    try:
        with _pg_budget(s, ms):
            return s.scalar(stmt) or 0
    except _Interrupted:
        return None


def _sqlite_bounded(s: Session, stmt: Select[Any], ms: float) -> tuple[int, bool]:
    """Count rows of `stmt` until `ms` run out: (rows seen, finished)."""
    n = 0
    try:
        with _sqlite_budget(s, ms):
            for _ in s.execute(stmt):
                n += 1
        return n, True
    except _Interrupted:
        return n, False
