"""Statistics at a million customers (issue 7, SALES-8/9): one command, every figure with its ratio to
the bar (≤ 200 ms p95 per statistics endpoint on PostgreSQL).

    uv run python bench/stats_bench.py                            # 1,000,000 customers, 300,000 opps, 500,000 orders
    uv run python bench/stats_bench.py --rows 100000 --runs 50    # a smaller scale
    uv run python bench/stats_bench.py --keep / --reuse           # keep the database / measure a kept one

Data: the find benchmark's tenant (bench/find_bench.py: `setup_tenant` + `load`, 300 salespeople in 30
departments under 3 centers, realistic customers over three years, pools 45 % following, 20 % public,
10 % potential, 10 % to-assign, 10 % won, 5 % recycle bin), one small second tenant beside it; then
--opps opportunities (stages and win rates of the default pipeline, 60 % open), --orders orders (70 %
completed, deal times over two years) and --followups follow-ups, written with COPY; VACUUM ANALYZE.

Measured server-side, in-process, through the application's own `Database` on PostgreSQL as the
non-owner role under row-level security: exactly what each endpoint does minus HTTP (the service call
and the JSON rendering of its answer). p95 over --runs runs (≥ 50), for the admin (company scope, the
whole tenant: the largest work), plus a center director, a department manager and a salesperson (info).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

os.environ.setdefault("HUIKE_SECRET_KEY", "bench")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.find_bench import DEFAULT_PG, Figure, World, _time, load, revive_sessions, setup_tenant
from tests.factories import issue_token

from huike.auth.service import authenticate
from huike.config import Settings
from huike.kit.db import Database
from huike.kit.migrate import upgrade
from huike.org.models import Employee, OrgUnit, Role
from huike.sales import settings as sales_settings
from huike.sales.models import OpportunityStage
from huike.stats import panel, service
from huike.stats.schemas import PanelLayoutBody

BAR_MS = 200.0
NOW = datetime.now(UTC).replace(microsecond=0)


def _copy(conn: Any, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        for r in rows:
            cp.write_row(r)


def load_sales(url: str, db: Database, w: World, opps: int, orders: int, followups: int, seed: int) -> float:
    """Opportunities, orders and follow-ups of the tenant's customers, by COPY (the sales tables keep
    their indexes: they are the ones the statistics use)."""
    t0 = time.perf_counter()
    rng = random.Random(seed)
    with db.transaction(w.tenant_id) as s:
        sales_settings.ensure(s)
        stages = [(st.id, st.kind, st.win_rate) for st in s.scalars(sa.select(OpportunityStage))]
    engine = sa.create_engine(url)
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT id, owner_id FROM customers WHERE tenant_id = :t AND owner_id IS NOT NULL"),
                         {"t": w.tenant_id}).all()
        unowned = [r[0] for r in c.execute(sa.text(
            "SELECT id FROM customers WHERE tenant_id = :t AND owner_id IS NULL LIMIT 200000"), {"t": w.tenant_id})]
    staff = [e for e, _ in w.employees]
    dept_of = dict(w.employees)
    raw = engine.raw_connection()
    conn = raw.driver_connection
    open_stages = [s for s in stages if s[1] == "open"]
    won = next(s for s in stages if s[1] == "won")
    lost = next(s for s in stages if s[1] == "lost")
    o_rows = []
    for i in range(opps):
        cid, owner = rows[rng.randrange(len(rows))] if rng.random() < 0.9 or not unowned else \
            (unowned[rng.randrange(len(unowned))], rng.choice(staff))
        r = rng.random()
        stage = rng.choice(open_stages) if r < 0.6 else won if r < 0.8 else lost
        created = NOW - timedelta(seconds=int(rng.random() * 730 * 86400))
        amount = Decimal(rng.randrange(1000, 50_000_000)) / 100
        o_rows.append((w.tenant_id, f"SJ{i + 1:07d}", f"商机{i + 1}", cid, owner, dept_of.get(owner), amount, stage[0],
                       stage[1], stage[2], created + timedelta(days=30) if stage[1] == "won" else None,
                       created + timedelta(days=20) if stage[1] == "lost" else None, created, created, owner))
    _copy(conn, "opportunities", ("tenant_id", "number", "name", "customer_id", "owner_id", "department_id", "amount",
                                  "stage_id", "status", "win_rate", "won_at", "lost_at", "created_at", "updated_at",
                                  "created_by_id"), o_rows)
    conn.commit()
    d_rows = []
    for i in range(orders):
        cid, owner = rows[rng.randrange(len(rows))]
        staff_id = owner if rng.random() < 0.85 else rng.choice(staff)
        deal = NOW - timedelta(seconds=int(rng.random() * 730 * 86400))
        r = rng.random()
        status = "completed" if r < 0.7 else "confirmed" if r < 0.8 else "draft" if r < 0.9 else "cancelled"
        total = Decimal(rng.randrange(100, 5_000_000)) / 100
        d_rows.append((w.tenant_id, f"DD{i + 1:07d}", cid, status, deal, staff_id, dept_of.get(staff_id), total,
                       Decimal(0), total, deal, deal, deal if status == "completed" else None))
    _copy(conn, "orders", ("tenant_id", "number", "customer_id", "status", "deal_at", "staff_id", "department_id",
                           "subtotal", "discount", "total", "created_at", "updated_at", "completed_at"), d_rows)
    conn.commit()
    f_rows = []
    for _ in range(followups):
        cid, owner = rows[rng.randrange(len(rows))]
        at = NOW - timedelta(seconds=int(rng.random() * 365 * 86400))
        f_rows.append((w.tenant_id, cid, owner, at, "phone", "电话沟通，客户有意向", True, "[]", "[]", at, at))
    _copy(conn, "followups", ("tenant_id", "customer_id", "author_id", "at", "method", "content", "remind",
                              "attachments", "auto_tags", "created_at", "updated_at"), f_rows)
    conn.commit()
    raw.close()
    ac = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with ac.connect() as c:
        for table in ("opportunities", "orders", "followups", "customers", "opportunity_stages"):
            c.exec_driver_sql(f"VACUUM ANALYZE {table}")
    ac.dispose()
    engine.dispose()
    return time.perf_counter() - t0


class Bench:
    def __init__(self, db: Database, w: World, runs: int, others: tuple[str, ...] = ()) -> None:
        self.db, self.w, self.runs, self.others = db, w, runs, others
        with db.transaction(w.tenant_id) as s:
            # a center director, a department manager and a salesperson of the big tenant
            roles = {r.code: r.id for r in s.scalars(sa.select(Role))}
            center = s.scalars(sa.select(OrgUnit).where(OrgUnit.kind == "center").order_by(OrgUnit.id)).first()
            dept = w.employees[0][1]
            made = {}
            for code, unit in (("center_director", center.id if center else dept), ("dept_manager", dept)):
                e = Employee(username=f"{code}_{uuid.uuid4().hex[:6]}", name=code, password_hash="x",
                             department_id=unit, role_id=roles[code])
                s.add(e)
                s.flush()
                made[code] = e.id
        tokens = {"admin": w.admin_token, "sales": w.sales_token,
                  **{k: issue_token(db, w.tenant_id, v) for k, v in made.items()}}
        self.actors = {}
        with db.transaction() as s:
            for k, tok in tokens.items():
                self.actors[k] = authenticate(s, tok)[0]

    def call(self, who: str, fn: Any) -> None:
        s = self.db.session(self.w.tenant_id)
        try:
            with s.begin():
                out = fn(s, self.actors[who])
                assert json.dumps(out.model_dump(mode="json"), ensure_ascii=False)
        finally:
            s.close()

    def run(self) -> list[Figure]:
        month = service.period("this_month")
        endpoints = [
            ("GET /stats/customers (this month)", lambda s, a: service.customer_stats(s, a, month)),
            ("GET /stats/opportunities", lambda s, a: service.opportunity_stats(s, a)),
            ("GET /stats/salespeople (this month)", lambda s, a: service.salespeople_stats(s, a, month)),
            ("GET /stats/panel (every card)", lambda s, a: panel.panel(s, a)),
        ]
        # the panel with all 15 cards, for every measured actor
        for who in self.actors:
            with self.db.transaction(self.w.tenant_id) as s:
                a = self.actors[who]
                panel.put_layout(s, a, PanelLayoutBody(cards=panel.available(a)))
        figures = []
        for label, fn in endpoints:
            figures.append(Figure(f"{label} — admin (whole tenant)",
                                  _time(lambda _, f=fn: self.call("admin", f), self.runs, warmup=3), bar=BAR_MS))
            for who in self.others:
                figures.append(Figure(f"  {label} — {who}", _time(lambda _, f=fn, x=who: self.call(x, f),
                                                                  self.runs, warmup=2), bar=BAR_MS))
        return figures


def explain(url: str, db: Database, w: World, bench: Bench) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the statements of the admin's endpoints, as the app runs them."""
    from sqlalchemy import event

    out: list[str] = []
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        low = statement.lower()
        if low.lstrip().startswith("select") and ("count(" in low or "sum(" in low):
            statements.append((statement, params))

    month = service.period("this_month")
    for label, fn in (("customers", lambda s, a: service.customer_stats(s, a, month)),
                      ("opportunities", lambda s, a: service.opportunity_stats(s, a)),
                      ("salespeople", lambda s, a: service.salespeople_stats(s, a, month))):
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            bench.call("admin", fn)
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
        s = db.session(w.tenant_id)
        try:
            with s.begin():
                raw = s.connection().connection.driver_connection
                for sql, params in statements:
                    with raw.cursor() as cur:
                        cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
                        plan = "\n".join(r[0] for r in cur.fetchall())
                    out.append(f"--- {label}\n{plan}\n")
        finally:
            s.close()
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--opps", type=int, default=None, help="default 30 %% of --rows")
    ap.add_argument("--orders", type=int, default=None, help="default 50 %% of --rows")
    ap.add_argument("--followups", type=int, default=None, help="default 30 %% of --rows")
    ap.add_argument("--others", type=int, default=20_000, help="customers of a second tenant")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--explain", action="store_true", help="print the admin's query plans")
    ap.add_argument("--also", default="center_director,dept_manager,sales",
                    help="other actors measured besides the admin (comma-separated; '' for none)")
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()
    runs = max(args.runs, 50)
    opps = args.opps if args.opps is not None else args.rows * 3 // 10
    orders = args.orders if args.orders is not None else args.rows // 2
    follow = args.followups if args.followups is not None else args.rows * 3 // 10
    from tests.conftest import create_pg_database, drop_pg_database

    name = f"huike_statsbench_{args.rows}"
    url = sa.engine.make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
    state = Path(tempfile.gettempdir()) / f"huike_statsbench_{args.rows}.json"
    settings = Settings(database_url=url, secret_key="bench", jobs_path=str(Path(tempfile.gettempdir()) / "sb.db"))
    t_load = t_sales = 0.0
    if args.reuse:
        w = World(**json.loads(state.read_text()))
        db = Database(settings)
        revive_sessions(db, w.tenant_id)
    else:
        url = create_pg_database(args.pg_url, name)
        print(f"migrating {url.split('@')[-1]}")
        upgrade(url)
        db = Database(settings)
        w = setup_tenant(db, f"sb{uuid.uuid4().hex[:6]}", args.rows, 300, 30)
        worlds = [w] + ([setup_tenant(db, f"so{uuid.uuid4().hex[:6]}", args.others, 30, 3)] if args.others else [])
        print(f"generating {args.rows:,} customers (+ {args.others:,} in a second tenant)")
        t_load = sum(load(url, worlds, args.seed).values())
        print(f"generating {opps:,} opportunities, {orders:,} orders, {follow:,} follow-ups")
        t_sales = load_sales(url, db, w, opps, orders, follow, args.seed)
        state.write_text(json.dumps(w.__dict__))
    bench = Bench(db, w, runs, tuple(x for x in args.also.split(",") if x))
    figures = bench.run()
    head = (f"huike statistics benchmark — {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {platform.platform()}, "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n"
            f"PostgreSQL: {args.rows:,} customers, {opps:,} opportunities, {orders:,} orders, {follow:,} follow-ups "
            f"(customers load {t_load:.0f} s, sales load {t_sales:.0f} s); p95 over {runs} runs\n")
    lines = [head, f"  {'figure':70} {'p50':>9} {'p95':>9} {'bar':>7} {'ratio':>6}"]
    for f in figures:
        ok = "OK" if f.p95 <= BAR_MS else "MISSED"
        lines.append(f"  {f.label[:70]:70} {f.p50:7.1f}ms {f.p95:7.1f}ms {BAR_MS:5.0f}ms {f.p95 / BAR_MS:6.2f}  {ok}")
    print("\n".join(lines))
    if args.explain:
        print(explain(url, db, w, bench))
    db.dispose()
    if not args.keep and not args.reuse:
        drop_pg_database(args.pg_url, name)


if __name__ == "__main__":
    main()
