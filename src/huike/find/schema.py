"""Database objects of quick search that the ORM metadata does not describe (created by migration 0004).

PostgreSQL
- extension `pg_trgm`; GIN `gin_trgm_ops` indexes on `customer_search.search_text` (queries of 3+
  characters), on `customer_search.gram_words` (1–2 CJK characters: every such gram of the search text
  is a word there, so `LIKE '% 张伟 %'` is an exact lookup of the padded trigrams "  张", " 张伟",
  "张伟 " — plain trigrams cannot find two characters in the middle of a word) and on
  `customer_field_values.value_text` (custom-field "contains"); SECURITY DEFINER functions that let
  those indexes work under row-level security (see PG_FUNCTIONS).
  pg_trgm only sees CJK characters when the database's LC_CTYPE is UTF-8 (`C.UTF-8`, `zh_CN.UTF-8`…);
  under `C` every CJK search becomes a scan. `check_postgres()` reports it (readiness, migrate).

SQLite
- FTS5 `customer_search_trgm` (trigram tokenizer, case-sensitive, detail=none) over search_text, for
  3+ characters, queried with MATCH on 3-character pieces, never with LIKE: the SQLite 3.40 that
  Python ships answers LIKE '%张伟%' on a case-insensitive trigram table with no rows;
- FTS5 `customer_search_grams` (`ascii` tokenizer) over gram_words, for 1–2 non-ASCII characters;
- both are external-content tables on customer_search, kept in step by triggers on it, whoever
  writes the row. (A later migration that rebuilds customer_search in SQLite batch mode must
  call `create_objects` again: a rebuilt table loses its triggers.)
"""

from __future__ import annotations

import sqlalchemy as sa

PG_INDEXES = [
    "CREATE INDEX IF NOT EXISTS ix_customer_search_trgm ON customer_search USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_customer_search_grams ON customer_search USING gin (gram_words gin_trgm_ops)",
    ("CREATE INDEX IF NOT EXISTS ix_cfv_text_trgm ON customer_field_values USING gin (value_text gin_trgm_ops) "
     "WHERE value_text IS NOT NULL"),
    # A value belongs to one field: without these the planner multiplies "field = 客户性质" by "value = 企业"
    # as if they were independent and underestimates custom-field filters tenfold.
    ("CREATE STATISTICS IF NOT EXISTS st_cfv_field_text (mcv, dependencies) ON field_id, value_text "
     "FROM customer_field_values"),
    ("CREATE STATISTICS IF NOT EXISTS st_cfv_field_num (mcv, dependencies) ON field_id, value_num "
     "FROM customer_field_values"),
    # Tag and option popularity is skewed and per tenant: the default 100 most-common values would only
    # describe the largest tenant's top tags.
    "ALTER TABLE customer_tags ALTER COLUMN tag_id SET STATISTICS 1000",
    "ALTER TABLE customer_field_values ALTER COLUMN field_id SET STATISTICS 1000",
    "ALTER TABLE customer_field_values ALTER COLUMN value_text SET STATISTICS 1000",
    # huike_search_share estimates '%q%' from the histogram of search texts: 1,000 samples, not 100
    "ALTER TABLE customer_search ALTER COLUMN search_text SET STATISTICS 1000",
]

_TENANT = "NULLIF(current_setting('huike.tenant_id', true), '')::bigint"
_DEFINER = "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public"
# Under row-level security PostgreSQL applies the policy before any operator that is not leakproof,
# so LIKE / ILIKE / numeric comparisons cannot use an index on a tenant table. These functions run as
# the tables' owner (no RLS for it), filter the session's tenant themselves and return ids only; the
# lists join them to customers, which the policy still guards. ROWS 10: a list only starts from such a
# set when it is believed small (else it walks the sort index, see paging.fetch); a larger guess makes
# the planner merge-join the set with a full index walk.
_PLPGSQL = "LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public ROWS 10"


def _ids_function(signature: str, query: str, args: str) -> str:
    # EXECUTE … USING: planned on every call with the actual pattern (a plan made for "LIKE $1" cannot
    # tell a selective pattern from one matching everything, and scans)
    return (f"CREATE OR REPLACE FUNCTION {signature} RETURNS TABLE (customer_id bigint) {_PLPGSQL} AS $$ "
            f"BEGIN RETURN QUERY EXECUTE '{query}' USING {args}; END $$")


PG_FUNCTIONS = [
    _ids_function("huike_search_like(pattern text)",
                  f"SELECT s.customer_id FROM customer_search s WHERE s.tenant_id = {_TENANT.replace(chr(39), chr(39) * 2)} "
                  "AND s.search_text LIKE $1", "pattern"),
    # a whole field: found by the needle's trigrams, the frame checked on those rows only (the padded
    # trigrams of a framed needle, e.g. "  1" for every phone, would read huge posting lists)
    _ids_function("huike_search_exact(pattern text, framed text)",
                  f"SELECT s.customer_id FROM customer_search s WHERE s.tenant_id = {_TENANT.replace(chr(39), chr(39) * 2)} "
                  "AND s.search_text LIKE $1 AND (s.search_text || '''') LIKE $2", "pattern, framed"),
    _ids_function("huike_search_words(words text, pattern text)",
                  f"SELECT s.customer_id FROM customer_search s WHERE s.tenant_id = {_TENANT.replace(chr(39), chr(39) * 2)} "
                  "AND s.gram_words LIKE $1 AND s.search_text LIKE $2", "words, pattern"),
    _ids_function("huike_cfv_like(field bigint, pattern text)",
                  f"SELECT v.customer_id FROM customer_field_values v WHERE v.tenant_id = "
                  f"{_TENANT.replace(chr(39), chr(39) * 2)} AND v.field_id = $1 AND v.value_text ILIKE $2",
                  "field, pattern"),
    _ids_function("huike_cfv_range(field bigint, lo numeric, lo_incl boolean, hi numeric, hi_incl boolean)",
                  f"SELECT v.customer_id FROM customer_field_values v WHERE v.tenant_id = "
                  f"{_TENANT.replace(chr(39), chr(39) * 2)} AND v.field_id = $1 "
                  "AND v.value_num >= coalesce($2, ''-Infinity'') AND v.value_num <= coalesce($4, ''Infinity'') "
                  "AND ($3 OR v.value_num <> $2) AND ($5 OR v.value_num <> $4)", "field, lo, lo_incl, hi, hi_incl"),
]
PG_FUNCTIONS.append("""CREATE OR REPLACE FUNCTION huike_search_share(patterns text[]) RETURNS float8[]
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    -- the table's size, then the planner's estimate of the share of rows matching each pattern: under
    -- row-level security it does not consult the column statistics for LIKE (not leakproof), as the
    -- owner it does
    DECLARE plan json; total float8; p text; out float8[] := '{}';
    BEGIN
      SELECT reltuples INTO total FROM pg_class WHERE oid = 'customer_search'::regclass;
      out := out || total;  -- first: the rows the shares are of
      FOREACH p IN ARRAY patterns LOOP
        EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM customer_search WHERE search_text LIKE ' || quote_literal(p)
          INTO plan;
        out := out || CASE WHEN total > 0 THEN (plan->0->'Plan'->>'Plan Rows')::float8 / total ELSE 0 END;
      END LOOP;
      RETURN out;
    END $$""")
PG_FUNCTION_NAMES = ["huike_search_share(text[])", "huike_search_like(text)", "huike_search_exact(text, text)", "huike_search_words(text, text)", "huike_cfv_like(bigint, text)",
                     "huike_cfv_range(bigint, numeric, boolean, numeric, boolean)"]

_DELETE_OLD = """
         INSERT INTO customer_search_trgm(customer_search_trgm, rowid, search_text)
           VALUES ('delete', old.customer_id, old.search_text);
         INSERT INTO customer_search_grams(customer_search_grams, rowid, gram_words)
           VALUES ('delete', old.customer_id, old.gram_words);"""
_INSERT_NEW = """
         INSERT INTO customer_search_trgm(rowid, search_text) VALUES (new.customer_id, new.search_text);
         INSERT INTO customer_search_grams(rowid, gram_words) VALUES (new.customer_id, new.gram_words);"""
SQLITE_OBJECTS = [
    ("CREATE VIRTUAL TABLE IF NOT EXISTS customer_search_trgm USING fts5(search_text, content='customer_search', "
     "content_rowid='customer_id', tokenize='trigram case_sensitive 1', detail='none', columnsize=0)"),
    ("CREATE VIRTUAL TABLE IF NOT EXISTS customer_search_grams USING fts5(gram_words, content='customer_search', "
     "content_rowid='customer_id', tokenize='ascii', detail='none', columnsize=0)"),
    f"CREATE TRIGGER IF NOT EXISTS customer_search_ai AFTER INSERT ON customer_search BEGIN{_INSERT_NEW}\n END",
    f"CREATE TRIGGER IF NOT EXISTS customer_search_ad AFTER DELETE ON customer_search BEGIN{_DELETE_OLD}\n END",
    (f"CREATE TRIGGER IF NOT EXISTS customer_search_au AFTER UPDATE OF search_text, gram_words ON customer_search "
    f"BEGIN{_DELETE_OLD}{_INSERT_NEW}\n END"),
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS customer_search_ai", "DROP TRIGGER IF EXISTS customer_search_ad",
    "DROP TRIGGER IF EXISTS customer_search_au", "DROP TABLE IF EXISTS customer_search_trgm",
    "DROP TABLE IF EXISTS customer_search_grams",
]


def create_objects(conn: sa.Connection) -> None:
    """Create the search objects (idempotent). On SQLite, rows already in customer_search are indexed."""
    if conn.dialect.name == "postgresql":
        from huike.kit.dbsecurity import app_role

        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for ddl in PG_INDEXES + PG_FUNCTIONS:
            conn.exec_driver_sql(ddl)
        for fn in PG_FUNCTION_NAMES:
            conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
            conn.exec_driver_sql(f'GRANT EXECUTE ON FUNCTION {fn} TO "{app_role()}"')
        return
    existed = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE name = 'customer_search_trgm'").first() is not None
    for ddl in SQLITE_OBJECTS:
        conn.exec_driver_sql(ddl)
    if not existed:
        conn.exec_driver_sql("INSERT INTO customer_search_trgm(customer_search_trgm) VALUES ('rebuild')")
        conn.exec_driver_sql("INSERT INTO customer_search_grams(customer_search_grams) VALUES ('rebuild')")


def drop_objects(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        for name in ("ix_customer_search_trgm", "ix_customer_search_grams", "ix_cfv_text_trgm"):
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        for name in ("st_cfv_field_text", "st_cfv_field_num"):
            conn.exec_driver_sql(f"DROP STATISTICS IF EXISTS {name}")
        for fn in PG_FUNCTION_NAMES:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fn}")
        return
    for ddl in SQLITE_DROP:
        conn.exec_driver_sql(ddl)


def check_postgres(conn: sa.Connection) -> list[str]:
    """Problems that make PostgreSQL search slow (never wrong): a non-UTF-8 LC_CTYPE, under which
    pg_trgm extracts no trigrams from Chinese text, or a missing pg_trgm."""
    if conn.dialect.name != "postgresql":
        return []
    problems = []
    ctype = conn.exec_driver_sql(
        "SELECT datctype FROM pg_database WHERE datname = current_database()").scalar() or ""
    if "utf" not in ctype.lower().replace("-", ""):
        problems.append(f"LC_CTYPE of the database is {ctype!r}: pg_trgm sees no CJK trigrams, so Chinese "
                        "quick search scans instead of using its index. Create the database with "
                        "LC_CTYPE 'C.UTF-8' (see docs/PERFORMANCE.md).")
    has_trgm = conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first()
    if has_trgm is None:
        problems.append("extension pg_trgm is not installed (run `huike migrate`)")
    else:
        trgm = conn.exec_driver_sql("SELECT show_trgm('张三丰')").scalar()
        if not trgm:
            problems.append("pg_trgm extracts no trigrams from '张三丰' (LC_CTYPE is not UTF-8)")
    return problems
