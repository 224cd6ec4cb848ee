"""Finding customers at a million rows (issue 4, FIND-1…8): one command, every figure with its ratio
to the bar.

    uv run python bench/find_bench.py                       # PostgreSQL 1,000,000 (+2×100,000), SQLite 200,000
    uv run python bench/find_bench.py --rows 50000 --backend both --runs 200     # a quick run
    uv run python bench/find_bench.py --backend postgres --keep                  # keep the database
    uv run python bench/find_bench.py --backend postgres --reuse                 # measure a kept database

Data: one tenant of --rows customers (plus two tenants of --others beside it on PostgreSQL), 200
tags in 20 groups (4 single-choice), the demo's 10 custom fields, realistic Chinese names, companies,
WeChat nicknames (with emoji), phones, emails, sources, levels, regions, follow-up and call times. The
generator writes the rows directly (PostgreSQL: COPY; SQLite: executemany in batches), indexes
dropped during the load and rebuilt after, then ANALYZE — the API is not involved.

Measured server-side, in-process, through the application's own `Database` (on PostgreSQL as the
non-owner role, under row-level security), exactly what the endpoint does minus HTTP: the list
(`find.service.list_customers`, total "auto") and the rows rendered as `CustomerRead` JSON. p95 over
--runs runs (≥ 200) of each, parameters varied per run. Bars (PostgreSQL; SQLite: every figure ≤ 100 ms):
- pool list page 1, 3 conditions (tag any-of, custom field, date range), sorted by last follow-up: ≤ 25 ms
  and ≤ 2× the same work as hand-written SQL through the bare driver, measured in the same run;
- page 5,000 of the same list: ≤ 1.5× page 1;
- quick search of 3+ characters (names, phones, nicknames): ≤ 20 ms; 1–2 Chinese characters: ≤ 50 ms;
- tags contains all of 2, and a custom-field contains: ≤ 25 ms.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

import sqlalchemy as sa

os.environ.setdefault("HUIKE_SECRET_KEY", "bench")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.factories import issue_token

from huike.auth.service import authenticate
from huike.config import Settings
from huike.customer import service as customers
from huike.customer.models import Customer
from huike.demo.seed import BRANDS, CITIES, DEMO_FIELDS, NICKNAMES, PROVINCES, SURNAMES, TRADES
from huike.dictionary.models import CustomField, Tag, TagGroup
from huike.find import paging, text
from huike.find import service as find
from huike.find.schemas import Filter
from huike.kit.db import Database
from huike.kit.migrate import upgrade
from huike.org.models import Employee, OrgUnit, Role
from huike.org.service import add_unit, create_tenant

DEFAULT_PG = os.environ.get("HUIKE_BENCH_POSTGRES_URL") or os.environ.get("HUIKE_TEST_POSTGRES_URL") \
    or "postgresql+psycopg://postgres@127.0.0.1/postgres"
BIG_TABLES = ("customers", "customer_phones", "customer_tags", "customer_field_values", "customer_search")
GIVEN_CHARS = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英建华志国庆晓东海燕俊子涵浩然欣怡思远雨桐梓轩一鸣佳琪文博嘉宇航晨曦"
               "婷鹏飞丹凯斌辉玲秀兰红梅琳雪慧颖晶鑫宁博瑞泽宇轩睿诗涵梦琪若曦子墨")
TAG_WORDS = ["高意向", "中意向", "低意向", "暂无需求", "已加微信", "价格敏感", "老板决策", "需回访", "竞品用户", "预算充足",
             "老客户", "转介绍", "大客户", "小微企业", "连锁", "外贸", "政企", "教育", "医疗", "电商", "直播", "私域",
             "复购", "流失风险", "投诉", "VIP", "节日关怀", "生日", "展会", "试用中", "已报价", "待签约", "已签约", "续费",
             "增购", "沉默", "活跃", "高频", "低频", "华东", "华南", "华北", "西南", "本地", "外地", "男", "女", "80后", "90后",
             "00后"]
SINGLE_GROUPS = 4


# ====================================================================== data
@dataclass
class World:
    tenant_id: int
    rows: int
    employees: list[tuple[int, int]]  # (employee id, department id)
    admin_token: str
    sales_token: str
    tag_ids: list[int]
    tag_group: dict[int, tuple[int, bool]]  # tag id → (group id, single)
    fields: dict[str, tuple[int, str]]  # key → (field id, type)
    dept_ids: list[int]


SURNAMES_LIST = list(dict.fromkeys(SURNAMES)) + ["欧阳", "司马", "诸葛", "单", "曾"]


def setup_tenant(db: Database, code: str, rows: int, employees: int, departments: int) -> World:
    """Tenant, org tree, sales staff, 200 tags in 20 groups, the 10 demo custom fields."""
    with db.transaction() as s:
        tenant, admin = create_tenant(s, code, f"压测企业{code}", "admin", "Bench@12345", "压测管理员")
        roles = {r.code: r for r in s.scalars(sa.select(Role))}
        company = s.scalar(sa.select(OrgUnit).where(OrgUnit.kind == "company"))
        assert company is not None
        centers = [add_unit(s, company, "center", f"{c}中心") for c in ("华东", "华南", "华北")]
        depts = [add_unit(s, centers[i % 3], "department", f"销售{i + 1}部") for i in range(departments)]
        staff = []
        for i in range(employees):
            d = depts[i % departments]
            e = Employee(username=f"sales{i:04d}", name=f"销售{i:04d}", password_hash="x", department_id=d.id,
                         role_id=roles["sales"].id)
            s.add(e)
            staff.append((e, d))
        s.flush()
        # 200 tags: the two default groups (10 tags) plus 18 more groups
        existing = list(s.scalars(sa.select(Tag)))
        words = [w for w in TAG_WORDS if w not in {t.name for t in existing}]
        n = len(existing)
        gi = 0
        while n < 200:
            single = gi < SINGLE_GROUPS - 1  # the default 客户意向 is the first single group
            g = TagGroup(name=f"标签组{gi + 1:02d}", mode="single" if single else "multi", sort=10 + gi)
            s.add(g)
            s.flush()
            for j in range(5 if single else 11):
                if n >= 200:
                    break
                name = words.pop(0) if words else f"标签{n:03d}"
                s.add(Tag(group_id=g.id, name=name, sort=j))
                n += 1
            gi += 1
        for i, (key, label, type_, options) in enumerate(DEMO_FIELDS):
            cfg = {"scale": 2} if type_ == "money" else {"scale": 0} if type_ == "number" else {}
            s.add(CustomField(key=key, label=label, type=type_, options=options, config=cfg, sort=i))
        s.flush()
        tags = list(s.scalars(sa.select(Tag).order_by(Tag.id)))
        singles = {g.id for g in s.scalars(sa.select(TagGroup).where(TagGroup.mode == "single"))}
        fields = {f.key: (f.id, f.type) for f in s.scalars(sa.select(CustomField))}
        tenant_id, admin_id = tenant.id, admin.id
        emp = [(e.id, d.id) for e, d in staff]
        dept_ids = [d.id for d in depts]
        tag_group = {t.id: (t.group_id, t.group_id in singles) for t in tags}
    admin_token = issue_token(db, tenant_id, admin_id)
    sales_token = issue_token(db, tenant_id, emp[0][0])
    return World(tenant_id, rows, emp, admin_token, sales_token, [t for t in tag_group], tag_group, fields, dept_ids)


@dataclass
class Chunk:
    customers: list[tuple[Any, ...]] = field(default_factory=list)
    phones: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[tuple[Any, ...]] = field(default_factory=list)
    values: list[tuple[Any, ...]] = field(default_factory=list)
    search: list[tuple[Any, ...]] = field(default_factory=list)


CUSTOMER_COLS = ("id", "tenant_id", "number", "name", "pool", "owner_id", "department_id", "company", "email",
                 "source", "industry", "level", "stage", "region", "wechat", "external_id", "created_by_id",
                 "last_followup_at", "last_call_at", "last_call_status", "assigned_at", "claimed_at", "acquired_via",
                 "pool_entered_at", "deleted_at", "deleted_from_pool", "version", "created_at", "updated_at")
PHONE_COLS = ("id", "tenant_id", "customer_id", "phone", "position")
TAG_COLS = ("tenant_id", "customer_id", "tag_id")
VALUE_COLS = ("tenant_id", "customer_id", "field_id", "seq", "value_text", "value_long", "value_num", "value_date",
              "value_time")
SEARCH_COLS = ("customer_id", "tenant_id", "search_text", "gram_words", "name_pinyin", "name_initials")

SOURCES = ["百度推广", "抖音", "官网咨询", "400电话", "展会", "地推", "企业微信", "转介绍"]
INDUSTRIES = ["教育培训", "金融服务", "房产家居", "制造业", "电商零售", "医疗健康", "企业服务", "餐饮酒店"]
LEVELS = ["VIP客户", "重要客户", "普通客户", "潜在客户"]
STAGES = ["初步接触", "需求确认", "方案报价", "商务谈判", "已成交", "暂停跟进"]
POOLS = (("following", 45), ("public", 20), ("potential", 10), ("to_assign", 10), ("won", 10), ("recycle_bin", 5))
NOW = datetime.now(UTC).replace(microsecond=0)
CHUNK = 25_000


def _field_pools(w: World, rng: random.Random, size: int = 3000) -> list[list[list[tuple[Any, ...]]]]:
    """Per custom field, `size` ready value-row sets (without tenant and customer): drawn from the demo's
    value generator and normalised as the service would store them."""
    from datetime import date
    from decimal import Decimal

    from huike.demo.seed import demo_field_value
    from huike.dictionary.models import CustomField as CF
    from huike.dictionary.service import value_rows

    def normalise(f: CF, raw: Any) -> Any:
        match f.type:
            case "money":
                return Decimal(raw).quantize(Decimal("0.01"))
            case "number":
                return Decimal(raw)
            case "date":
                return date.fromisoformat(raw)
            case "datetime":
                return datetime.fromisoformat(raw).astimezone(UTC)
            case "multi":
                return [o for o in f.options if o in raw]
        return raw

    pools = []
    for key, (fid, type_) in w.fields.items():
        f = CF(id=fid, key=key, type=type_, options=next(o for k, _, _, o in DEMO_FIELDS if k == key))
        sets = []
        for _ in range(size):
            raw = demo_field_value(rng, key, NOW, [])
            rows = [] if raw is None else value_rows(f, normalise(f, raw), 0, 0)
            sets.append([tuple(r[c] for c in VALUE_COLS[2:]) for r in rows])
        pools.append(sets)
    return pools


@dataclass
class Spec:
    """One chunk of one tenant's customers: ids first_id … first_id + count − 1."""

    world: World
    first_id: int
    count: int
    seed: int


_POOLS: dict[int, Any] = {}  # per tenant, in the generator process


def _pinyin(surname: str, given: str) -> tuple[str | None, str | None]:
    """The product's pinyin forms, composed from the cached forms of surname and given name (the
    generator's names are surname + given name; computing each distinct full name would dominate)."""
    a, b = text.pinyin_forms(surname), text.pinyin_forms(given)
    return (a[0] or "") + (b[0] or ""), (a[1] or "") + (b[1] or "")


def _phone(cid: int, second: bool) -> str:
    # an injective scramble of the id (odd multiplier, not a multiple of 5): unique without bookkeeping
    n = ((cid + (50_000_000 if second else 0)) * 7_368_787) % 10**8
    return PREFIXES[cid % len(PREFIXES)] + f"{n:08d}"


PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
            "157", "158", "159", "166", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "199"]


def make_chunk(spec: Spec) -> Chunk:
    w = spec.world
    rng = random.Random(spec.seed)
    rand, choice = rng.random, rng.choice
    surname_cum = list(accumulate(1 / (i + 1) ** 0.8 for i in range(len(SURNAMES_LIST))))
    name_rng = random.Random(7)
    singles = list(GIVEN_CHARS)
    givens = singles[:80] + list(dict.fromkeys(name_rng.choice(singles) + name_rng.choice(singles)
                                                for _ in range(900)))
    given_cum = list(accumulate(1 / (i + 1) ** 0.6 for i in range(len(givens))))
    tag_cum = list(accumulate(1 / (i + 1) ** 0.7 for i in range(len(w.tag_ids))))
    tag_ids, tag_group = w.tag_ids, w.tag_group
    pools = [p for p, _ in POOLS]
    pool_cum = list(accumulate(x for _, x in POOLS))
    if w.tenant_id not in _POOLS:
        _POOLS[w.tenant_id] = _field_pools(w, random.Random(w.tenant_id))
    field_pools = _POOLS[w.tenant_id]
    regions = {c: f"{PROVINCES[c]}/{c}市".replace("市市", "市") for c in CITIES}
    letters = "abcdefghijklmnopqrstuvwxyz"
    tenant = w.tenant_id
    chunk = Chunk()
    for cid in range(spec.first_id, spec.first_id + spec.count):
        surname = rng.choices(SURNAMES_LIST, cum_weights=surname_cum)[0]
        given = rng.choices(givens, cum_weights=given_cum)[0]
        name = surname + given
        pool = rng.choices(pools, cum_weights=pool_cum)[0]
        owner, dept = choice(w.employees) if pool in ("following", "won") else (None, choice(w.dept_ids))
        created = NOW - timedelta(seconds=int(rand() * 1095 * 86400))
        followed = created + (NOW - created) * rand() if rand() < 0.7 else None
        called = NOW - timedelta(seconds=int(rand() * 60 * 86400)) if rand() < 0.4 else None
        city = choice(CITIES)
        company = f"{city}{choice(BRANDS)}{choice(TRADES)}有限公司" if rand() < 0.7 else None
        email = (f"{''.join(choice(letters) for _ in range(3 + int(rand() * 5)))}{int(rand() * 1000)}"
                 f"@{choice(('qq.com', '163.com', 'example.cn', 'gmail.com'))}") if rand() < 0.35 else None
        wechat = (choice(NICKNAMES) + (choice(singles) if rand() < 0.5 else "")) if rand() < 0.5 else None
        external = f"ERP{int(rand() * 10**7):07d}" if rand() < 0.2 else None
        number = f"KH{cid:08d}"
        chunk.customers.append((
            cid, tenant, number, name, pool, owner, dept, company, email, choice(SOURCES), choice(INDUSTRIES),
            choice(LEVELS), choice(STAGES) if owner else None, regions[city], wechat, external, None, followed, called,
            ("connected" if rand() < 0.5 else "not_connected") if called else None,
            created + timedelta(hours=1) if owner else None, created + timedelta(hours=1) if owner else None,
            "assigned" if owner else "created", created, NOW if pool == "recycle_bin" else None,
            "public" if pool == "recycle_bin" else None, 1, created, followed or created))
        phones = [_phone(cid, False)] + ([_phone(cid, True)] if rand() < 0.1 else [])
        for pos, p in enumerate(phones):
            chunk.phones.append((2 * cid + pos, tenant, cid, p, pos))
        # tags: Zipf over the 200, at most one per single-choice group
        seen_groups: set[int] = set()
        chosen: set[int] = set()
        for tid in rng.choices(tag_ids, cum_weights=tag_cum, k=choice((0, 1, 2, 3, 3, 4, 5, 6))):
            group, single = tag_group[tid]
            if single:
                if group in seen_groups:
                    continue
                seen_groups.add(group)
            chosen.add(tid)
        chunk.tags.extend((tenant, cid, tid) for tid in chosen)
        for fp in field_pools:
            for r in choice(fp):
                chunk.values.append((tenant, cid, *r))
        full, initials = _pinyin(surname, given)
        st = text.search_text({"name": name, "number": number, "company": company, "email": email,
                               "wechat": wechat, "external_id": external}, phones)
        chunk.search.append((cid, tenant, st, text.gram_words(st), full, initials))
    return chunk


# ====================================================================== loaders
def _pg_copy(conn: Any, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        for r in rows:
            cp.write_row(r)


def _indexes(conn: Any, pg: bool) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the secondary indexes of the big tables."""
    if pg:
        with conn.cursor() as cur:
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                        "AND indexname NOT LIKE 'pk_%%' AND indexname NOT LIKE 'uq_%%'", (list(BIG_TABLES),))
            return list(cur.fetchall())
    return [(n, sql) for n, sql in conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
        f"({', '.join('?' * len(BIG_TABLES))})", BIG_TABLES)]


def load(url: str, worlds: list[World], seed: int) -> dict[str, float]:
    pg = not url.startswith("sqlite")
    engine = sa.create_engine(url)
    raw = engine.raw_connection()
    conn = raw.driver_connection
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    idx = _indexes(conn, pg)
    from huike.find import schema

    with engine.begin() as c:
        schema.drop_objects(c)
    for name, _ in idx:
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    if pg:
        for table in BIG_TABLES:  # foreign-key checks and search triggers: the generator keeps them true
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
    else:
        conn.execute("PRAGMA synchronous=OFF")
    conn.commit()
    first_id = _next_id(conn, "customers")
    specs: list[Spec] = []
    for wi, w in enumerate(worlds):
        for start in range(0, w.rows, CHUNK):
            specs.append(Spec(w, first_id + start, min(CHUNK, w.rows - start), seed * 1000 + len(specs)))
        first_id += w.rows
    total = 0
    write_s = 0.0
    import multiprocessing

    # one process generates while this one writes (2 CPUs: generation and COPY overlap)
    with multiprocessing.get_context("fork").Pool(1) as workers:
        for chunk in workers.imap(make_chunk, specs):
            tw = time.perf_counter()
            for table, cols, rows in (("customers", CUSTOMER_COLS, chunk.customers),
                                      ("customer_phones", PHONE_COLS, chunk.phones),
                                      ("customer_tags", TAG_COLS, chunk.tags),
                                      ("customer_field_values", VALUE_COLS, chunk.values),
                                      ("customer_search", SEARCH_COLS, chunk.search)):
                if pg:
                    _pg_copy(conn, table, cols, rows)
                else:
                    conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                     [tuple(_sqlite_value(v) for v in r) for r in rows])
            conn.commit()
            write_s += time.perf_counter() - tw
            total += len(chunk.customers)
            print(f"\r  loaded {total:,} customers ({time.perf_counter() - t0:.0f} s, writing {write_s:.0f} s)",
                  end="", flush=True)
    print()
    timings["rows_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    if pg:
        for table in BIG_TABLES:
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
        for seq_table in ("customers", "customer_phones"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{seq_table}', 'id'), (SELECT max(id) FROM {seq_table}))")
        conn.execute("SET maintenance_work_mem = '1GB'")
    for _, ddl in idx:
        conn.execute(ddl)
    conn.commit()
    with engine.begin() as c:
        schema.create_objects(c)
        if pg:  # the customers were written with triggers off: count the statistics rollup once
            from huike.stats import rollup

            rollup.backfill(c, [w.tenant_id for w in worlds])
    raw.close()
    if pg:
        ac = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with ac.connect() as c:
            for table in (*BIG_TABLES, "tags", "custom_fields", "employees", "org_units", "customer_rollup",
                          "customer_rollup_daily"):
                c.exec_driver_sql(f"VACUUM ANALYZE {table}")
        ac.dispose()
    else:
        with engine.begin() as c:
            c.exec_driver_sql("ANALYZE")
    engine.dispose()
    timings["index_s"] = time.perf_counter() - t1
    return timings


def _next_id(conn: Any, table: str) -> int:
    cur = conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
    return int(cur.fetchone()[0])


def _sqlite_value(v: Any) -> Any:
    from datetime import date
    from decimal import Decimal

    if isinstance(v, datetime):  # the form SQLAlchemy stores (string comparisons must agree)
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    return v


# ====================================================================== measuring
SINCE_DAYS = 1000


def list_tags(w: World) -> list[int]:
    """Five popular tags: the three first of 客户意向 (single choice) and two of 客户特征."""
    return [w.tag_ids[0], w.tag_ids[1], w.tag_ids[2], w.tag_ids[4], w.tag_ids[5]]


@dataclass
class Figure:
    label: str
    samples: list[float]
    bar: float | None = None  # ms
    ratio_to: tuple[str, float] | None = None  # (what, limit) for a ratio bar
    ratio: float | None = None
    note: str = ""
    note_text: str = ""

    @property
    def p95(self) -> float:
        xs = sorted(self.samples)
        return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    def verdict(self) -> bool:
        ok = True
        if self.bar is not None:
            ok = ok and self.p95 <= self.bar
        if self.ratio_to is not None and self.ratio is not None:
            ok = ok and self.ratio <= self.ratio_to[1]
        return ok


def _time(fn: Callable[[int], Any], runs: int, warmup: int = 10) -> list[float]:
    for i in range(warmup):
        fn(i)
    out = []
    for i in range(runs):
        t = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


def revive_sessions(db: Database, tenant_id: int) -> None:
    """A kept database's login sessions lapse when idle; `--reuse` wakes them (a fresh week each)."""
    from huike.auth.models import AuthSession
    from huike.kit import clock

    with db.transaction(tenant_id) as s:
        now = clock.now()
        s.execute(sa.update(AuthSession).values(last_seen_at=now, expires_at=now + timedelta(days=7)))


class Bench:
    def __init__(self, db: Database, w: World, runs: int, seed: int) -> None:
        self.db, self.w, self.runs = db, w, runs
        self.rng = random.Random(seed)
        with db.transaction() as s:
            self.admin, _ = authenticate(s, w.admin_token)
            self.sales, _ = authenticate(s, w.sales_token)

    def request(self, actor: Any, pool: str, **kw: Any) -> tuple[int, str | None]:
        """What GET /customers does, minus HTTP: list, render the rows, serialise."""
        s = self.db.session(self.w.tenant_id)
        try:
            with s.begin():
                res = find.list_customers(s, actor, pool, **kw)
                items = customers.read_many(s, res.rows, actor)
                body = json.dumps({"items": [x.model_dump(mode="json") for x in items], "total": res.total,
                                   "next_cursor": res.next_cursor}, ensure_ascii=False)
                assert body
                return len(items), res.next_cursor
        finally:
            s.close()

    def samples_from(self, url: str) -> dict[str, list[str]]:
        """Query strings drawn from the data: name pieces, phone pieces, nickname pieces, 1–2 CJK chars."""
        engine = sa.create_engine(url)
        with engine.connect() as c:
            rows = c.execute(sa.text(
                "SELECT c.name, c.wechat, (SELECT phone FROM customer_phones p WHERE p.customer_id = c.id LIMIT 1) "
                "FROM customers c WHERE c.tenant_id = :t AND c.id % 97 = 0 LIMIT 3000"), {"t": self.w.tenant_id}).all()
        engine.dispose()
        rng = self.rng
        three: list[str] = []
        one_two: list[str] = []
        for name, wechat, phone in rows:
            if len(name) >= 3:
                three.append(name)
            if phone:
                k = rng.choice([4, 5, 7, 11])
                i = rng.randrange(0, 12 - k)
                three.append(phone[i:i + k])
            if wechat and len(wechat) >= 3 and not wechat.isascii():
                three.append(wechat[:3])
            one_two.append(name[1:3] if len(name) >= 3 and rng.random() < 0.5 else name[rng.randrange(len(name))])
        rng.shuffle(three)
        rng.shuffle(one_two)
        common = ["王", "李", "张", "伟", "科技", "有限", "明", "华", "小王", "静", "建华"]
        return {"three": three[:400], "one_two": (common + one_two)[:400]}

    def run(self, url: str, pg: bool) -> list[Figure]:
        w = self.w
        tags = w.tag_ids
        created_from = (NOW - timedelta(days=SINCE_DAYS)).date().isoformat()
        # tag any-of five popular tags; custom field 客户性质 = 企业; created in the last 1,000 days
        list_filter = Filter.model_validate({"logic": "and", "conditions": [
            {"field": "tags", "op": "contains_any", "value": list_tags(w)},
            {"field": "cf.customer_kind", "op": "eq", "value": "企业"},
            {"field": "created_at", "op": "between", "value": [created_from, None]}]})
        figures: list[Figure] = []
        sort = "-last_followup_at"

        def page1(_: int) -> None:
            n, nxt = self.request(self.admin, "all", flt=list_filter, sort=sort, limit=20)
            assert n == 20 and nxt

        f1 = Figure("pool list page 1 (tag any-of + custom field + date range, by last follow-up)",
                    _time(page1, self.runs), bar=25 if pg else 100)
        # the same work by hand through the bare driver
        bare = self.bare(url, pg, list_filter_sql=True)
        fb = Figure("  the same page by hand-written SQL, bare driver", _time(bare, self.runs), note="reference")
        f1.ratio_to, f1.ratio = ("bare", 2.0), f1.p95 / fb.p95
        figures += [f1, fb]
        # page 5,000 (or the deepest full page of a smaller list): the cursor of the last row before it
        matches = self.count(list_filter)
        with_followup = self.count(Filter.model_validate({"conditions": [
            *list_filter.model_dump()["conditions"], {"field": "last_followup_at", "op": "not_empty"}]}))
        page = min(5000, with_followup // 20 - 1)
        cursor = self.cursor_at(list_filter, sort, (page - 1) * 20 - 1)

        def page_n(_: int) -> None:
            n, _nxt = self.request(self.admin, "all", flt=list_filter, sort=sort, limit=20, cursor=cursor)
            assert n == 20

        f1.note_text = f"{matches:,} customers match"
        f2 = Figure(f"page {page:,} of the same list", _time(page_n, self.runs), bar=None if pg else 100)
        f2.ratio_to, f2.ratio = ("page 1", 1.5), f2.p95 / f1.p95
        figures.append(f2)

        samples = self.samples_from(url)
        three, one_two = samples["three"], samples["one_two"]

        def search3(i: int) -> None:
            self.request(self.admin, "all", q=three[i % len(three)], limit=20)

        def search12(i: int) -> None:
            self.request(self.admin, "all", q=one_two[i % len(one_two)], limit=20)

        figures.append(Figure("quick search, 3+ characters (names, phones, nicknames)", _time(search3, self.runs),
                              bar=20 if pg else 100))
        figures.append(Figure("quick search, 1–2 Chinese characters", _time(search12, self.runs),
                              bar=50 if pg else 100))
        multi = [t for t in tags if not w.tag_group[t][1]][:10]
        pairs = [(a, b) for i, a in enumerate(multi) for b in multi[i + 1:]]

        def tags_all(i: int) -> None:
            a, b = pairs[i % len(pairs)]
            self.request(self.admin, "all", limit=20, flt=Filter.model_validate(
                {"conditions": [{"field": "tags", "op": "contains_all", "value": [a, b]}]}))

        figures.append(Figure("tags contains all of 2", _time(tags_all, self.runs), bar=25 if pg else 100))
        needles = ["王", "李", "经理", "总", "张总", "主任", "老板", "陈"]

        def cf_contains(i: int) -> None:
            self.request(self.admin, "all", limit=20, flt=Filter.model_validate(
                {"conditions": [{"field": "cf.decision_maker", "op": "contains", "value": needles[i % len(needles)]}]}))

        figures.append(Figure("custom-field contains (决策人 contains …)", _time(cf_contains, self.runs),
                              bar=25 if pg else 100))
        # not bars: the same first page for a salesperson (self scope), and an exact count
        figures.append(Figure("  (info) the list page 1 as a salesperson (pool mine)", _time(
            lambda _: self.request(self.sales, "mine", flt=list_filter, sort=sort, limit=20), min(self.runs, 200)),
            note="info"))
        figures.append(Figure("  (info) exact count of the 3-condition list", _time(
            lambda _: self.count(list_filter), 20, warmup=1), note="info"))
        return figures

    def count(self, flt: Filter) -> int:
        s = self.db.session(self.w.tenant_id)
        try:
            with s.begin():
                return find.count(s, self.admin, "all", flt=flt, exact=True)[0]
        finally:
            s.close()

    def cursor_at(self, flt: Filter, sort: str, offset: int) -> str:
        s = self.db.session(self.w.tenant_id)
        try:
            with s.begin():
                base = find.base_query(s, self.admin, "all", flt)
                spec = paging.parse_sort(s, sort)
                stmt = base.add_columns(spec.expr).where(spec.expr.is_not(None)) \
                    .order_by(spec.expr.desc(), Customer.id.desc()).offset(offset).limit(1)
                row = s.execute(stmt).first()
                assert row is not None, "the list is shorter than 5,000 pages: raise --rows"
                return paging.encode(spec, 0, row[1], row[0].id)
        finally:
            s.close()

    def bare(self, url: str, pg: bool, list_filter_sql: bool) -> Callable[[int], Any]:
        """The list's first page by hand: the page query, the total, tags, phones, custom values, names."""
        w = self.w
        tags = list_tags(w)
        fid = w.fields["customer_kind"][0]
        since = datetime.combine((NOW - timedelta(days=SINCE_DAYS)).date(), datetime.min.time(), tzinfo=UTC) \
            - timedelta(hours=8)
        if pg:
            import psycopg

            conn = psycopg.connect(sa.engine.make_url(url).set(drivername="postgresql").render_as_string(
                hide_password=False), autocommit=True)
            ph = "%s"
        else:
            import sqlite3

            conn = sqlite3.connect(sa.engine.make_url(url).database)
            ph = "?"
            since = since.replace(tzinfo=None)  # type: ignore[assignment]
        where = (f"c.tenant_id = {ph} AND c.pool <> 'recycle_bin' "
                 f"AND c.id IN (SELECT customer_id FROM customer_tags WHERE tenant_id = {ph} AND tag_id IN "
                 f"({', '.join([ph] * len(tags))})) AND c.id IN (SELECT customer_id FROM customer_field_values WHERE field_id = {ph} "
                 f"AND value_text = '企业') AND c.created_at >= {ph}")
        args = [w.tenant_id, w.tenant_id, *tags, fid, since if pg else since.strftime("%Y-%m-%d %H:%M:%S.%f")]
        page_sql = (f"SELECT c.id, c.* FROM customers c WHERE {where} AND c.last_followup_at IS NOT NULL "
                    f"ORDER BY c.last_followup_at DESC, c.id DESC LIMIT 21")
        count_sql = (f"EXPLAIN (FORMAT JSON) SELECT c.id FROM customers c WHERE {where}" if pg else
                     f"SELECT count(*) FROM (SELECT 1 FROM customers c WHERE {where} LIMIT 1001)")

        def run(_: int) -> None:
            cur = conn.cursor()
            cur.execute(page_sql, args)
            rows = cur.fetchall()
            ids = [r[0] for r in rows[:20]]
            cur.execute(count_sql, args)
            cur.fetchall()
            inn = ", ".join([ph] * len(ids))
            for sql in (f"SELECT customer_id, phone FROM customer_phones WHERE customer_id IN ({inn})",
                        (f"SELECT ct.customer_id, t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
                        f"WHERE ct.customer_id IN ({inn})"),
                        f"SELECT * FROM customer_field_values WHERE customer_id IN ({inn})",
                        f"SELECT customer_id, employee_id FROM customer_collaborators WHERE customer_id IN ({inn})",
                        f"SELECT id, name FROM employees WHERE id IN (SELECT owner_id FROM customers WHERE id IN ({inn}))"):
                cur.execute(sql, ids)
                cur.fetchall()
            cur.close()
        return run


# ====================================================================== main
def report(backend: str, rows: int, load_t: dict[str, float], figures: list[Figure]) -> str:
    out = io.StringIO()
    out.write(f"\n{backend}: {rows:,} customers in the measured tenant"
              f" (load {load_t.get('rows_s', 0):.0f} s + indexes {load_t.get('index_s', 0):.0f} s)\n")
    out.write(f"{'':2}{'figure':74} {'p50':>8} {'p95':>8} {'bar':>8} {'ratio':>7}\n")
    for f in figures:
        bar = f"{f.bar:.0f} ms" if f.bar is not None else ""
        ratio = ""
        if f.bar is not None:
            ratio = f"{f.p95 / f.bar:.2f}"
        parts = []
        if f.ratio_to is not None and f.ratio is not None:
            parts.append(f"{f.ratio:.2f}× {f.ratio_to[0]} (≤ {f.ratio_to[1]}×)")
        verdict = "" if f.note else ("  OK" if f.verdict() else "  MISSED")
        if f.note_text:
            parts.append(f.note_text)
        out.write(f"{'':2}{f.label[:74]:74} {f.p50:6.1f}ms {f.p95:6.1f}ms {bar:>8} {ratio:>7}{verdict}"
                  f"{'  ' + '; '.join(parts) if parts else ''}\n")
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["postgres", "sqlite", "both"], default="both")
    ap.add_argument("--rows", type=int, default=None, help="customers of the measured tenant "
                                                          "(default 1,000,000 on PostgreSQL, 200,000 on SQLite)")
    ap.add_argument("--others", type=int, default=None, help="customers of each of two more tenants (PostgreSQL "
                                                            "default 100,000; SQLite 20,000)")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--keep", action="store_true", help="keep the generated database")
    ap.add_argument("--reuse", action="store_true", help="measure a database kept by --keep (same --rows)")
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()
    if args.runs < 200:
        print("note: fewer than 200 runs per figure")
    backends = ["postgres", "sqlite"] if args.backend == "both" else [args.backend]
    text_out = [(f"huike find benchmark — {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {platform.platform()}, "
                f"{os.cpu_count()} CPUs, python {platform.python_version()}")]
    for backend in backends:
        pg = backend == "postgres"
        rows = args.rows or (1_000_000 if pg else 200_000)
        others = args.others if args.others is not None else (100_000 if pg else 20_000)
        if pg:
            from tests.conftest import create_pg_database, drop_pg_database

            name = f"huike_findbench_{rows}"
            url = sa.engine.make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
            if not args.reuse:
                url = create_pg_database(args.pg_url, name)
        else:
            path = Path(tempfile.gettempdir()) / f"huike_findbench_{rows}.db"
            url = f"sqlite:///{path}"
            if not args.reuse:
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
        settings = Settings(database_url=url, secret_key="bench", jobs_path=str(Path(tempfile.gettempdir()) / "fb.db"))
        load_t: dict[str, float] = {}
        state = Path(tempfile.gettempdir()) / f"huike_findbench_{backend}_{rows}.json"
        if args.reuse:
            w = World(**json.loads(state.read_text()))
            w.tag_group = {int(k): tuple(v) for k, v in w.tag_group.items()}  # type: ignore[misc]
            db = Database(settings)
            revive_sessions(db, w.tenant_id)
        else:
            print(f"{backend}: migrating {url.split('@')[-1]}")
            upgrade(url)
            db = Database(settings)
            code = f"big{uuid.uuid4().hex[:6]}"
            w = setup_tenant(db, code, rows, 300, 30)
            worlds = [w] + [setup_tenant(db, f"o{i}{uuid.uuid4().hex[:6]}", others, 30, 3) for i in range(2)]
            # the measured tenant sits between the two others (its ids are not at either end)
            order = [worlds[1], w, worlds[2]] if others else [w]
            print(f"{backend}: generating {rows:,} + 2 × {others:,} customers")
            load_t = load(url, order, args.seed)
            state.write_text(json.dumps(w.__dict__))
        bench = Bench(db, w, args.runs, args.seed)
        figures = bench.run(url, pg)
        out = report(backend, rows, load_t, figures)
        print(out)
        text_out.append(out)
        db.dispose()
        if not args.keep and not args.reuse:
            if pg:
                drop_pg_database(args.pg_url, name)
            else:
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
    print("\n".join(text_out))


if __name__ == "__main__":
    main()
