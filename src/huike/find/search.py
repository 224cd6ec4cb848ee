"""Quick search (FIND-1) as SQL conditions on customers.

A row matches when its search text (find.text) contains the query, lower-cased — exactly the rows a
`LIKE '%q%'` scan over name, phones, WeChat nickname, number, company, email and external id
returns — plus Chinese names whose pinyin starts with a Latin query (`zhangsan`, `zs` → 张三), plus,
for a query written like a phone number with separators, the phones it normalises to.

Exact matches come first: a field equal to the query is the search text containing SEP q SEP.

Which index finds the candidates (the text condition itself is always re-checked):
- 3+ characters: pg_trgm GIN on PostgreSQL; FTS5 trigram MATCH on 3-character pieces on SQLite;
- 1–2 non-ASCII characters (张, 张伟, 🌸): the gram words (find.text.gram_words) by pg_trgm on
  PostgreSQL and by the FTS5 gram table on SQLite (never LIKE on the trigram table: SQLite 3.40
  answers that wrongly);
- 1–2 characters with ASCII (`zs`, `13`): a scan of the narrow customer_search table, which such
  common fragments end quickly (they match most rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huike.customer.models import Customer
from huike.find import text
from huike.find.models import CustomerSearch

CS = CustomerSearch


@dataclass(frozen=True)
class SearchConditions:
    any: ColumnElement[bool]  # the customer matches the query at all
    exact: ColumnElement[bool]  # some field equals the query (or the full pinyin does)


def like_pattern(needle: str) -> str:
    return "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts(table: str, match: str) -> ColumnElement[bool]:
    ids = sa.select(sa.literal_column("rowid")).select_from(sa.table(table)).where(
        sa.literal_column(table).op("MATCH")(sa.bindparam(None, match, type_=sa.String)))
    return CS.customer_id.in_(ids)


def _row_check(dialect: str, target: str) -> ColumnElement[bool]:
    """search_text contains `target`, checked on the row (no index)."""
    if dialect == "sqlite":
        return sa.func.instr(CS.search_text, target) > 0
    # PostgreSQL's LIKE escapes with a backslash by default; an explicit ESCAPE clause would hide the
    # pattern from the planner's selectivity estimate
    return CS.search_text.like(_text(like_pattern(target)))


def _text(value: str) -> Any:
    """A bound string typed TEXT: psycopg would send it as VARCHAR, and `text LIKE varchar` hides the
    pattern from PostgreSQL's histogram-based LIKE estimate."""
    return sa.bindparam(None, value, type_=sa.Text)


def _sqlite_indexed(needle: str, target: str, route: str) -> ColumnElement[bool]:
    cond = _row_check("sqlite", target)
    if route == "trigram":
        pieces = text.trigram_chunks(needle)
        return sa.and_(_fts("customer_search_trgm", " AND ".join(text.fts_quote(p) for p in pieces)), cond)
    if route == "gram":
        return sa.and_(_fts("customer_search_grams", text.fts_quote(needle)), cond)
    return cond


def _pg_ids(needle: str, target: str, route: str) -> sa.Select[Any]:
    """Customer ids whose search text contains `target`, found by index. Through SECURITY DEFINER
    functions (find.schema): under row-level security PostgreSQL does not let LIKE (not leakproof)
    use an index ahead of the policy."""
    pattern = like_pattern(target)
    if route == "gram" and any(ch.isalnum() for ch in needle):
        fn = sa.func.huike_search_words(f"% {needle} %", pattern)
    elif route == "trigram" and target != needle and needle.isdigit():
        # a whole field of digits is a phone or an external id: equality by index (the framed needle's
        # trigrams, "  1"…, are in every row)
        from huike.customer.models import CustomerPhone

        return sa.union(sa.select(CustomerPhone.customer_id).where(CustomerPhone.phone == needle),
                        sa.select(Customer.id).where(Customer.external_id == needle)).subquery().select()
    elif route == "trigram":
        fn = sa.func.huike_search_like(pattern)
    else:  # 1–2 characters pg_trgm cannot index (digits, Latin, emoji): the narrow table, scanned
        return sa.select(CS.customer_id).where(_row_check("postgresql", target))
    tv = fn.table_valued("customer_id")
    return sa.select(tv.c.customer_id)


def _pinyin(p: str) -> ColumnElement[bool]:
    hi = text.prefix_upper(p)
    return sa.or_(sa.and_(CS.name_pinyin >= p, CS.name_pinyin < hi),
                  sa.and_(CS.name_initials >= p, CS.name_initials < hi))


def conditions(s: Session, q: text.Query, *, probe: bool = False) -> SearchConditions:
    """probe: correlated EXISTS checked row by row (dense queries, walking the sort index); else
    driven by the search indexes (sparse queries)."""
    dialect = s.get_bind().dialect.name

    def matching(framed: bool) -> ColumnElement[bool]:
        targets = [(v, text.SEP + v + text.SEP if framed else v, text.route_for(v)) for v in q.variants]
        pinyin = None
        if q.pinyin:
            pinyin = (CS.name_pinyin == q.pinyin) if framed else _pinyin(q.pinyin)
        if probe:
            parts = [_row_check(dialect, t) for _, t, _ in targets] + ([pinyin] if pinyin is not None else [])
            where = (CS.customer_id == Customer.id, sa.or_(*parts))
            if dialect == "postgresql":  # checked row by row, never hashed into the set of all matches
                return sa.select(sa.literal(1)).where(*where).offset(0).exists()
            return sa.exists().where(*where)
        if dialect == "postgresql":
            selects = [_pg_ids(v, t, r) for v, t, r in targets]
            if pinyin is not None:
                selects.append(sa.select(CS.customer_id).where(pinyin))
            union = selects[0] if len(selects) == 1 else sa.union(*selects).subquery().select()
            return Customer.id.in_(union)
        # a whole field is the framed needle, itself a trigram string (the separator is indexed too)
        parts = [_sqlite_indexed(t, t, "trigram") if framed else _sqlite_indexed(v, t, r) for v, t, r in targets]
        parts += [pinyin] if pinyin is not None else []
        return Customer.id.in_(sa.select(CS.customer_id).where(sa.or_(*parts)))

    return SearchConditions(any=matching(False), exact=matching(True))


PAGE = 21  # rows a page needs (limit + 1)


def dense(share: float, rows: float) -> bool:
    """Walk the sort index (checking about PAGE / share rows) rather than start from the index (about
    share × rows matches to fetch and sort): the cheaper of the two, i.e. share > sqrt(PAGE / rows) —
    1 % of 200,000 customers, 0.5 % of a million."""
    return rows > 0 and share * share * rows > PAGE


_SHARES: dict[str, tuple[float, tuple[float, float, float]]] = {}
SHARES_TTL = 300.0  # seconds: the statistics change with ANALYZE, not with every write


def shares(s: Session, q: text.Query) -> tuple[float, float, float]:
    """PostgreSQL: (rows, share matching the query at all, share matching it as a whole field), the
    planner's estimates from the column's histogram, through huike_search_share — under row-level
    security the planner ignores the statistics for LIKE. Table-wide, so cached per needle for a few
    minutes (paging through results asks again on every page)."""
    import time

    hit = _SHARES.get(q.needle)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    got = _shares(s, q)
    if len(_SHARES) > 10_000:
        _SHARES.clear()
    _SHARES[q.needle] = (time.monotonic() + SHARES_TTL, got)
    return got


def _shares(s: Session, q: text.Query) -> tuple[float, float, float]:
    from sqlalchemy.dialects import postgresql

    patterns = [like_pattern(q.needle), like_pattern(text.SEP + q.needle + text.SEP)]
    got = s.scalar(sa.select(sa.func.huike_search_share(
        sa.bindparam(None, patterns, type_=postgresql.ARRAY(sa.Text)))))
    return (float(got[0]), float(got[1]), float(got[2])) if got else (0.0, 0.0, 0.0)
