"""Customer counts kept by the database (issue 7: statistics at a million customers).

Two rollup tables hold, per tenant, how many customers share a key:
- `customer_rollup`: department × owner × pool × POOL-17 type (`kind`) × source × industry;
- `customer_rollup_daily`: department × owner × pool × the Asia/Shanghai day of `created_at`.
NULL keys are stored as 0 (department, owner) or '' (source, industry), so a key is a plain primary key;
the statistics treat '' as "not filled in" exactly as they did over customers. Rows that reach 0 are deleted.

They are kept exact by triggers on `customers` — every writer (ORM, Core bulk moves, recycling, imports,
merges, purges, cascades) goes through them, none can forget:
- PostgreSQL: statement-level AFTER INSERT / UPDATE / DELETE triggers with transition tables append the
  statement's changes, summed per key, to `customer_rollup_delta` — an append-only log, so a writer never
  updates (nor waits on, nor deadlocks over) a shared counter row, however its transaction orders its
  statements (assign / transfer run one guarded UPDATE per customer: direct counter updates would lock
  the counters of different keys in customer order, and two such transactions could deadlock). `compact`
  (every minute, `worker.tasks.compact_stats_rollup`) folds the log into the rollups in one statement,
  in key order, and deletes the rows that reached 0. Readers take rollup + log (`counts`), so a figure
  is exact at any moment, folded or not. Both functions are SECURITY DEFINER (they run as the tables'
  owner): the triggers work under row-level security for the non-owner role whatever tenant the session
  is set to; the application role only reads these tables (and rebuilds its own tenant's, a repair).
- SQLite (one writer at a time): row-level triggers update the rollups directly with UPSERT (UPDATE
  triggers only for the key columns, and only when a key changes); the log stays empty.
A migration that rebuilds `customers` in SQLite batch mode loses its triggers: call `create_objects` again.

`kind` is `customer.service.type_conditions()` in SQL; `created_day` is the Shanghai date of created_at
(`stats.service.day_start`); SQLite takes it as UTC+8 (Shanghai has had no daylight saving since 1991).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.kit.db import get_tenant
from huike.kit.models import Base, BigId

customer_rollup = sa.Table(
    "customer_rollup", Base.metadata,
    sa.Column("tenant_id", BigId, primary_key=True),
    sa.Column("department_id", BigId, primary_key=True),  # 0 = none
    sa.Column("owner_id", BigId, primary_key=True),  # 0 = none
    sa.Column("pool", sa.String(20), primary_key=True),
    sa.Column("kind", sa.String(10), primary_key=True),  # won / assigned / intent (POOL-17)
    sa.Column("source", sa.String(100), primary_key=True),  # '' = not filled in
    sa.Column("industry", sa.String(100), primary_key=True),  # '' = not filled in
    sa.Column("n", sa.BigInteger, nullable=False),
)
customer_rollup_daily = sa.Table(
    "customer_rollup_daily", Base.metadata,
    sa.Column("tenant_id", BigId, primary_key=True),
    sa.Column("created_day", sa.Date, primary_key=True),  # Asia/Shanghai
    sa.Column("department_id", BigId, primary_key=True),
    sa.Column("owner_id", BigId, primary_key=True),
    sa.Column("pool", sa.String(20), primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
)

# PostgreSQL: what the triggers append, per statement and full key; folded into the two rollups by
# `compact` (every minute). SQLite's triggers write the rollups directly: its log stays empty.
customer_rollup_delta = sa.Table(
    "customer_rollup_delta", Base.metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, nullable=False, index=True),
    sa.Column("department_id", BigId, nullable=False),
    sa.Column("owner_id", BigId, nullable=False),
    sa.Column("pool", sa.String(20), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("industry", sa.String(100), nullable=False),
    sa.Column("created_day", sa.Date, nullable=False),
    sa.Column("n", sa.BigInteger, nullable=False),
)

KEYS = ("tenant_id", "department_id", "owner_id", "pool", "kind", "source", "industry")
DAILY_KEYS = ("tenant_id", "created_day", "department_id", "owner_id", "pool")
# columns of customers whose change can move a customer between keys
KEY_COLUMNS = ("tenant_id", "department_id", "owner_id", "pool", "won_at", "acquired_via", "source", "industry")
DAILY_COLUMNS = ("tenant_id", "department_id", "owner_id", "pool", "created_at")


def _kind(x: str) -> str:
    return (f"CASE WHEN {x}.pool = 'won' OR {x}.won_at IS NOT NULL THEN 'won' "
            f"WHEN coalesce({x}.acquired_via, '') = 'assigned' AND {x}.owner_id IS NOT NULL THEN 'assigned' "
            "ELSE 'intent' END")


def _day(x: str, pg: bool) -> str:
    return f"({x}.created_at AT TIME ZONE 'Asia/Shanghai')::date" if pg else f"date({x}.created_at, '+8 hours')"


def _values(x: str, pg: bool) -> tuple[list[str], list[str]]:
    """The key expressions of a customers row aliased `x`, for both tables."""
    common = [f"{x}.tenant_id", f"coalesce({x}.department_id, 0)", f"coalesce({x}.owner_id, 0)", f"{x}.pool"]
    main = [*common, _kind(x), f"coalesce({x}.source, '')", f"coalesce({x}.industry, '')"]
    daily = [common[0], _day(x, pg), *common[1:]]
    return main, daily


ALL_KEYS = ("tenant_id", "department_id", "owner_id", "pool", "kind", "source", "industry", "created_day")


def _pg_trigger_function() -> str:
    """Each statement's changes, aggregated per full key, appended to the delta log (no row is updated:
    writers never wait on each other here)."""
    bodies = {}
    for op, sources in (("INSERT", [("new_rows", "1")]), ("DELETE", [("old_rows", "-1")]),
                        ("UPDATE", [("new_rows", "1"), ("old_rows", "-1")])):
        selects = []
        for i, (rows, sign) in enumerate(sources):
            main, daily = _values(f"t{i}", True)
            exprs = [*main, daily[1]]
            named = ", ".join(f"{e} AS {k}" for e, k in zip(exprs, ALL_KEYS, strict=True))
            selects.append(f"SELECT {named}, {sign} AS d FROM {rows} t{i}")
        cols = ", ".join(ALL_KEYS)
        bodies[op] = (f"INSERT INTO customer_rollup_delta ({cols}, n) SELECT {cols}, sum(d) "
                      f"FROM ({' UNION ALL '.join(selects)}) u GROUP BY {cols} HAVING sum(d) <> 0;")
    return f"""CREATE OR REPLACE FUNCTION huike_customer_rollup() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN {bodies['INSERT']}
      ELSIF TG_OP = 'DELETE' THEN {bodies['DELETE']}
      ELSE {bodies['UPDATE']}
      END IF;
      RETURN NULL;
    END $$"""


def _pg_compact_function() -> str:
    """Fold the delta log into the rollups: the log's rows are taken (DELETE … RETURNING: two
    compactions never fold the same row), summed per key, applied in key order (two compactions lock
    rollup rows in the same order: no deadlock), and the rows that reached 0 deleted."""
    mk, dk = ", ".join(KEYS), ", ".join(DAILY_KEYS)
    return f"""CREATE OR REPLACE FUNCTION huike_customer_rollup_compact() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    DECLARE z1 tid[]; z2 tid[]; taken bigint;
    BEGIN
      WITH m AS (DELETE FROM customer_rollup_delta RETURNING {", ".join(ALL_KEYS)}, n),
           g1 AS (SELECT {mk}, sum(n) AS n FROM m GROUP BY {mk} HAVING sum(n) <> 0),
           g2 AS (SELECT {dk}, sum(n) AS n FROM m GROUP BY {dk} HAVING sum(n) <> 0),
           u1 AS (INSERT INTO customer_rollup AS r ({mk}, n) SELECT {mk}, n FROM g1 ORDER BY {mk}
                  ON CONFLICT ({mk}) DO UPDATE SET n = r.n + excluded.n RETURNING 1 AS t, r.ctid AS c, r.n),
           u2 AS (INSERT INTO customer_rollup_daily AS r ({dk}, n) SELECT {dk}, n FROM g2 ORDER BY {dk}
                  ON CONFLICT ({dk}) DO UPDATE SET n = r.n + excluded.n RETURNING 2 AS t, r.ctid AS c, r.n),
           u AS (SELECT * FROM u1 UNION ALL SELECT * FROM u2)
      SELECT array_agg(c) FILTER (WHERE t = 1 AND n = 0), array_agg(c) FILTER (WHERE t = 2 AND n = 0),
             (SELECT count(*) FROM m)
        INTO z1, z2, taken FROM u;
      IF z1 IS NOT NULL THEN DELETE FROM customer_rollup WHERE ctid = ANY(z1) AND n = 0; END IF;
      IF z2 IS NOT NULL THEN DELETE FROM customer_rollup_daily WHERE ctid = ANY(z2) AND n = 0; END IF;
      RETURN taken;
    END $$"""


def _sqlite_add(table: str, keys: tuple[str, ...], exprs: list[str]) -> str:
    return (f"INSERT INTO {table} ({', '.join(keys)}, n) VALUES ({', '.join(exprs)}, 1) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET n = n + 1;")


def _sqlite_remove(table: str, keys: tuple[str, ...], exprs: list[str]) -> str:
    match = " AND ".join(f"{k} = {e}" for k, e in zip(keys, exprs, strict=True))
    return f"UPDATE {table} SET n = n - 1 WHERE {match}; DELETE FROM {table} WHERE {match} AND n = 0;"


def _sqlite_triggers() -> list[str]:
    new_main, new_daily = _values("new", False)
    old_main, old_daily = _values("old", False)
    main_changed = " OR ".join(f"({a}) IS NOT ({b})" for a, b in zip(old_main, new_main, strict=True))
    daily_changed = " OR ".join(f"({a}) IS NOT ({b})" for a, b in zip(old_daily, new_daily, strict=True))
    add_main = _sqlite_add("customer_rollup", KEYS, new_main)
    add_daily = _sqlite_add("customer_rollup_daily", DAILY_KEYS, new_daily)
    del_main = _sqlite_remove("customer_rollup", KEYS, old_main)
    del_daily = _sqlite_remove("customer_rollup_daily", DAILY_KEYS, old_daily)
    return [
        f"CREATE TRIGGER IF NOT EXISTS customers_rollup_ai AFTER INSERT ON customers BEGIN {add_main} {add_daily} END",
        f"CREATE TRIGGER IF NOT EXISTS customers_rollup_ad AFTER DELETE ON customers BEGIN {del_main} {del_daily} END",
        (f"CREATE TRIGGER IF NOT EXISTS customers_rollup_au AFTER UPDATE OF {', '.join(KEY_COLUMNS)} ON customers "
         f"WHEN {main_changed} BEGIN {del_main} {add_main} END"),
        (f"CREATE TRIGGER IF NOT EXISTS customers_rollup_daily_au AFTER UPDATE OF {', '.join(DAILY_COLUMNS)} "
         f"ON customers WHEN {daily_changed} BEGIN {del_daily} {add_daily} END"),
    ]


SQLITE_DROP = ["DROP TRIGGER IF EXISTS customers_rollup_ai", "DROP TRIGGER IF EXISTS customers_rollup_ad",
               "DROP TRIGGER IF EXISTS customers_rollup_au", "DROP TRIGGER IF EXISTS customers_rollup_daily_au"]


PG_TRIGGERS = [
    ("CREATE TRIGGER customers_rollup_ins AFTER INSERT ON customers REFERENCING NEW TABLE AS new_rows "
     "FOR EACH STATEMENT EXECUTE FUNCTION huike_customer_rollup()"),
    ("CREATE TRIGGER customers_rollup_upd AFTER UPDATE ON customers REFERENCING OLD TABLE AS old_rows "
     "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION huike_customer_rollup()"),
    ("CREATE TRIGGER customers_rollup_del AFTER DELETE ON customers REFERENCING OLD TABLE AS old_rows "
     "FOR EACH STATEMENT EXECUTE FUNCTION huike_customer_rollup()"),
]
PG_DROP_TRIGGERS = ["DROP TRIGGER IF EXISTS customers_rollup_ins ON customers",
                    "DROP TRIGGER IF EXISTS customers_rollup_upd ON customers",
                    "DROP TRIGGER IF EXISTS customers_rollup_del ON customers"]
PG_FUNCTIONS = ["huike_customer_rollup()", "huike_customer_rollup_compact()"]


def create_objects(conn: sa.Connection) -> None:
    """The triggers and functions (idempotent)."""
    if conn.dialect.name == "postgresql":
        from huike.kit.dbsecurity import app_role

        conn.exec_driver_sql(_pg_trigger_function())
        conn.exec_driver_sql(_pg_compact_function())
        for fn in PG_FUNCTIONS:
            conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
            conn.exec_driver_sql(f'GRANT EXECUTE ON FUNCTION {fn} TO "{app_role()}"')
        for ddl in PG_DROP_TRIGGERS + PG_TRIGGERS:
            conn.exec_driver_sql(ddl)
        return
    for ddl in _sqlite_triggers():
        conn.exec_driver_sql(ddl)


def drop_objects(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        for ddl in PG_DROP_TRIGGERS:
            conn.exec_driver_sql(ddl)
        for fn in PG_FUNCTIONS:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fn}")
        return
    for ddl in SQLITE_DROP:
        conn.exec_driver_sql(ddl)


def compact(conn: sa.Connection | Session) -> int:
    """Fold the delta log into the rollups (PostgreSQL; every tenant; the periodic job
    `worker.tasks.compact_stats_rollup`). Returns the number of log rows folded."""
    dialect = conn.get_bind().dialect if isinstance(conn, Session) else conn.dialect
    if dialect.name != "postgresql":
        return 0
    return int(conn.execute(sa.text("SELECT huike_customer_rollup_compact()")).scalar() or 0)


def counts(daily: bool = False) -> sa.Subquery:
    """The counts as the statistics read them: the rollup plus the delta log not yet folded into it
    (several rows may share a key: always `sum(n)`)."""
    if daily:
        r = customer_rollup_daily
        cols = DAILY_KEYS
    else:
        r = customer_rollup
        cols = KEYS
    d = customer_rollup_delta
    return sa.union_all(sa.select(*(r.c[k] for k in cols), r.c.n),
                        sa.select(*(d.c[k] for k in cols), d.c.n)).subquery("counts_daily" if daily else "counts")


def _select_groups(pg: bool, where: str) -> tuple[str, str]:
    main, daily = _values("x", pg)
    mk = ", ".join(main)
    dk = ", ".join(daily)
    return (f"SELECT {mk}, count(*) FROM customers x {where} GROUP BY {mk}",
            f"SELECT {dk}, count(*) FROM customers x {where} GROUP BY {dk}")


def backfill(conn: sa.Connection, tenant_ids: list[int] | None = None) -> None:
    """Fill both rollups from the customers (of every tenant, or of `tenant_ids`, whose rows and log
    are replaced): the migration, and bulk loads that write customers with triggers disabled
    (benchmarks). Runs as the tables' owner."""
    pg = conn.dialect.name == "postgresql"
    where = ""
    if tenant_ids is not None:
        ids = ", ".join(str(int(t)) for t in tenant_ids) or "NULL"
        where = f"WHERE x.tenant_id IN ({ids})"
        for table in ("customer_rollup_delta", "customer_rollup", "customer_rollup_daily"):
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE tenant_id IN ({ids})")
    main_sql, daily_sql = _select_groups(pg, where)
    conn.exec_driver_sql(f"INSERT INTO customer_rollup ({', '.join(KEYS)}, n) {main_sql}")
    conn.exec_driver_sql(f"INSERT INTO customer_rollup_daily ({', '.join(DAILY_KEYS)}, n) {daily_sql}")


def rebuild(s: Session) -> int:
    """Recount the session tenant's rollups from its customers (a repair: `huike rebuild-stats`).
    PostgreSQL: customers are locked against writes (SHARE) meanwhile, so no move slips between the
    delete and the recount. Returns the number of customers counted."""
    tenant = get_tenant(s)
    if tenant is None:
        raise RuntimeError("rebuild needs a tenant")
    pg = s.get_bind().dialect.name == "postgresql"
    if pg:
        s.execute(sa.text("LOCK TABLE customers IN SHARE MODE"))
    main_sql, daily_sql = _select_groups(pg, "WHERE x.tenant_id = :t")
    p = {"t": tenant}
    # the log first, then the rollups: the order `compact` locks them in (no deadlock with it)
    for table in ("customer_rollup_delta", "customer_rollup", "customer_rollup_daily"):
        s.execute(sa.text(f"DELETE FROM {table} WHERE tenant_id = :t"), p)
    s.execute(sa.text(f"INSERT INTO customer_rollup ({', '.join(KEYS)}, n) {main_sql}"), p)
    s.execute(sa.text(f"INSERT INTO customer_rollup_daily ({', '.join(DAILY_KEYS)}, n) {daily_sql}"), p)
    return int(s.scalar(sa.text("SELECT coalesce(sum(n), 0) FROM customer_rollup WHERE tenant_id = :t"), p) or 0)


def drift(s: Session) -> dict[str, int]:
    """How many keys of the session tenant's counts (rollup + log) differ from a live GROUP BY over
    customers ({"rollup": 0, "daily": 0} when exact): the tests' check and `huike rebuild-stats --check`."""
    tenant = get_tenant(s)
    pg = s.get_bind().dialect.name == "postgresql"
    main_sql, daily_sql = _select_groups(pg, "WHERE x.tenant_id = :t")
    out = {}
    for name, daily, live in (("rollup", False, main_sql), ("daily", True, daily_sql)):
        c = counts(daily)
        keys = [col for col in c.c if col.name != "n"]
        have: dict[tuple[str, ...], int] = {}
        for r in s.execute(sa.select(*keys, sa.func.sum(c.c.n)).where(c.c.tenant_id == tenant).group_by(*keys)):
            if r[-1]:
                have[tuple(str(v) for v in r[:-1])] = int(r[-1])
        want = {tuple(str(v) for v in r[:-1]): int(r[-1]) for r in s.execute(sa.text(live), {"t": tenant})}
        out[name] = sum(1 for k in want.keys() | have.keys() if want.get(k) != have.get(k))
    return out
