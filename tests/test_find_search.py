"""Quick search (FIND-1) on SQLite and PostgreSQL.

The property: for a corpus of CJK, digit, Latin and emoji queries of 1 to 11 characters, the customers
found are exactly those a brute-force substring scan (`LIKE '%q%'`, case-insensitive) over name,
phones, WeChat nickname, number, company, email and external id finds — plus Chinese names whose
pinyin starts with a Latin query — whatever index answers (trigram, 1–2 character grams, scan).
Also: exact matches first, pinyin, phone fragments, the index following every write, the data scope
and the tenant wall."""

from __future__ import annotations

import random
import sqlite3
from typing import Any

import pytest
import sqlalchemy as sa

from huike.auth.service import authenticate
from huike.customer.models import Customer, CustomerPhone
from huike.find import service as find
from huike.find import text
from huike.find.models import CustomerSearch
from huike.kit.db import set_tenant

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢单曾欧阳"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "强", "磊", "军", "洋", "杰", "建华", "志强", "晓东", "子涵", "浩然",
         "欣怡", "三", "三丰", "伟明", "雄信", "小贤", "娜娜"]
EXTRA_NAMES = ["张伟", "张伟明", "李张伟", "张三", "欧阳娜娜", "单雄信", "曾小贤", "小王🌸", "Tom Lee", "Tom张",
               "🍬糖糖", "王二小", "伟", "Ａｌｉｃｅ全角", "O'Brien", "100%纯", "a_b客户"]
CITIES = ["上海", "杭州", "苏州", "南京", "广州", "深圳", "成都", "北京"]
BRANDS = ["鼎盛", "恒通", "华信", "瑞丰", "嘉禾", "宏远"]
TRADES = ["科技", "贸易", "教育咨询", "建材", "电子商务"]
NICKS = ["小王🌸", "阿杰", "Lily", "晴天☀️", "静待花开", "Kevin陈", "🐼熊猫", "老李", "TONY", "张伟的微信"]


def _corpus_customers(world: Any, rng: random.Random, n: int = 110) -> None:
    names = EXTRA_NAMES + [rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(n - len(EXTRA_NAMES))]
    for i, name in enumerate(names):
        world.customer(
            name=name, pool=rng.choice(["following", "public", "potential", "to_assign"]) if i % 7 else "following",
            owner="sales_east1" if i % 3 == 0 else None, dept="east1",
            phone=rng.choice(["138", "139", "150", "186"]) + f"{rng.randrange(10**8):08d}",
            company=f"{rng.choice(CITIES)}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司" if rng.random() < .7 else None,
            email=f"{rng.choice(['zs', 'li', 'wang', 'Tom.Lee', 'sales'])}{rng.randrange(1000)}@{rng.choice(['example.com', 'qq.com', 'Huike.CN'])}"
            if rng.random() < .5 else None,
            wechat=rng.choice(NICKS) if rng.random() < .5 else None,
            external_id=rng.choice(["ERP-", "crm_", "A%", "ext"]) + str(rng.randrange(10**5)) if rng.random() < .3 else None,
        )
    # a second phone for some
    with world.db.transaction(world.tenant_id) as s:
        for c in list(s.scalars(sa.select(Customer).order_by(Customer.id)))[::9]:
            c.phones.append(CustomerPhone(phone="0571" + f"{rng.randrange(10**7, 10**8)}", position=1))


def _rows(world: Any) -> dict[int, dict[str, Any]]:
    """Every customer of the world with its searchable fields, read straight from the tables."""
    with world.db.transaction(world.tenant_id) as s:
        out = {c.id: {"fields": [c.name, c.number, c.company, c.email, c.wechat, c.external_id], "pool": c.pool,
                      "name": c.name}
               for c in s.scalars(sa.select(Customer))}
        for cid, phone in s.execute(sa.select(CustomerPhone.customer_id, CustomerPhone.phone)):
            out[cid]["fields"].append(phone)
    return out


def _like_oracle(rows: dict[int, dict[str, Any]], q: str) -> set[int]:
    """Brute force: some field contains the query, case-insensitively (plus documented phone forms)."""
    variants = text.plan(q).variants if text.plan(q) else ()
    return {cid for cid, r in rows.items()
            if any(v in (f or "").lower() for f in r["fields"] for v in variants)}


def _pinyin_oracle(rows: dict[int, dict[str, Any]], q: str) -> set[int]:
    p = text.pinyin_query(q)
    if not p:
        return set()
    out = set()
    for cid, r in rows.items():
        full, initials = text.pinyin_forms(r["name"])
        if (full and full.startswith(p)) or (initials and initials.startswith(p)):
            out.add(cid)
    return out


def _sql_like(db: Any, tenant_id: int, q: str) -> set[int]:
    """The same brute force as plain SQL on the database under test."""
    pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    cols = ["name", "number", "company", "email", "wechat", "external_id"]
    conds = " OR ".join(f"lower({c}) LIKE :p ESCAPE '\\'" for c in cols)
    sql = (f"SELECT id FROM customers c WHERE tenant_id = :t AND ({conds} OR EXISTS (SELECT 1 FROM customer_phones p "
           f"WHERE p.customer_id = c.id AND lower(p.phone) LIKE :p ESCAPE '\\'))")
    with db.transaction(tenant_id) as s:
        return set(s.scalars(sa.text(sql), {"p": pattern, "t": tenant_id}))


def _queries(rows: dict[int, dict[str, Any]], rng: random.Random) -> list[str]:
    """1–11 character queries: substrings of the data (CJK, digits, Latin, emoji, mixed) and misses."""
    values = [f for r in rows.values() for f in r["fields"] if f]
    out: set[str] = set()
    for length in range(1, 12):
        picked = 0
        for _ in range(400):
            v = rng.choice(values)
            if len(v) < length:
                continue
            i = rng.randrange(0, len(v) - length + 1)
            sub = v[i:i + length]
            if sub.strip() != sub or not sub.strip():
                continue
            out.add(sub)
            picked += 1
            if picked >= 9:
                break
    out |= {"张", "伟", "张伟", "王", "🌸", "☀️", "🐼熊", "娜娜", "zs", "zhangsan", "ZhangSan", "zhang san", "ol",
            "oy", "ouyang", "shanx", "zengx", "tom", "TOM", "lee", "example", "qq.com", "@", ".", "%", "_", "a_b",
            "100%", "A%", "13", "138", "0013", "86", "不存在的客户", "zzzzqqq", "99999999999", "😀", "张伟明", "李张",
            "Ａｌｉｃｅ", "o'b", "kh0000", "KH0000", "erp-", "crm_", "🐼", "🍬糖", "王🌸", "晴天☀", "小王🌸", "🍬",
            "☀️静", "🌸🌸"}
    return sorted(out)


@pytest.fixture
def corpus(world: Any) -> dict[int, dict[str, Any]]:
    _corpus_customers(world, random.Random(4))
    return _rows(world)


def _search(db: Any, world: Any, who: str, q: str, pool: str = "all", **kw: Any) -> list[int]:
    """All ids the list returns for q (every page), through the service as the API calls it."""
    with db.transaction() as s:
        actor, _ = authenticate(s, world.tokens[who])
        ids: list[int] = []
        cursor = None
        while True:
            res = find.list_customers(s, actor, pool, q=q, cursor=cursor, limit=kw.get("limit", 200), total="none")
            ids += [c.id for c in res.rows]
            cursor = res.next_cursor
            if not cursor:
                return ids


@pytest.fixture(params=["race", "probe", "drive"])
def form(request, monkeypatch):  # type: ignore[no-untyped-def]
    """Each query form alone (probe: checked row by row along the sort index; drive: found through the
    search indexes), and the race between them that the product runs."""
    from huike.find import paging

    monkeypatch.setattr(paging, "FORCE_FORM", None if request.param == "race" else request.param)
    return request.param


def test_search_is_exactly_the_substring_scan_plus_pinyin(db, world, corpus, form):
    rng = random.Random(7)
    queries = _queries(corpus, rng)
    assert len(queries) >= 100
    kinds = {"cjk": 0, "digit": 0, "latin": 0, "emoji": 0}
    for q in queries:
        kinds["cjk"] += any("\u4e00" <= ch <= "\u9fff" for ch in q)
        kinds["digit"] += any(ch.isdigit() for ch in q)
        kinds["latin"] += any(ch.isascii() and ch.isalpha() for ch in q)
        kinds["emoji"] += any(0x2600 <= ord(ch) < 0x2c00 or ord(ch) > 0x1F000 for ch in q)
    assert all(n >= 5 for n in kinds.values()), kinds
    failures = []
    for q in queries:
        like = _like_oracle(corpus, q)
        ascii_case = all(ch.isascii() or ch.lower() == ch.upper() for ch in q)
        if text.plan(q).variants == (q.strip().lower(),) and ascii_case:
            # the oracle is what plain SQL LIKE says on this database (SQLite folds only ASCII case;
            # search folds like Python's str.lower on both databases, e.g. full-width Ａ → ａ)
            assert _sql_like(db, world.tenant_id, q.strip()) == like, q
        expected = like | _pinyin_oracle(corpus, q)
        found = _search(db, world, "admin", q)
        if len(found) != len(set(found)) or set(found) != expected:
            failures.append((q, text.plan(q).route, sorted(set(found) - expected), sorted(expected - set(found))))
    assert not failures, failures[:10]


def test_every_route_is_exercised(corpus):
    routes = {text.route_for(q.lower()) for q in ("张", "张伟", "🌸", "zs", "13", "张伟明", "13800")}
    assert routes == {"gram", "scan", "trigram"}


def test_paging_through_search_results_with_small_pages(db, world, corpus, form):
    for q in ("张", "138", "com", "zs"):
        all_at_once = _search(db, world, "admin", q)
        paged = _search(db, world, "admin", q, limit=3)
        assert paged == all_at_once, q


def test_exact_matches_come_first(client, world, form):
    later = world.customer(name="张伟明", dept="east1", pool="public")
    exact = world.customer(name="张伟", dept="east1", pool="public")
    newest = world.customer(name="李张伟", dept="east1", pool="public")
    r = client.get("/api/v1/customers", params={"q": "张伟"}, headers=world.headers("admin")).json()
    ids = [x["id"] for x in r["items"]]
    assert ids[0] == exact and set(ids) == {later, exact, newest}
    assert ids[1:] == [newest, later]  # then substring matches, newest first
    # exact on a phone and on the customer number
    c = client.get(f"/api/v1/customers/{later}", headers=world.headers("admin")).json()
    r = client.get("/api/v1/customers", params={"q": c["phones"][0]}, headers=world.headers("admin")).json()
    assert r["items"][0]["id"] == later
    r = client.get("/api/v1/customers", params={"q": c["number"].lower()}, headers=world.headers("admin")).json()
    assert r["items"][0]["id"] == later


def test_pinyin_full_spelling_and_initials(client, world, form):
    zs = world.customer(name="张三", dept="east1", pool="public")
    zsf = world.customer(name="张三丰", dept="east1", pool="public")
    shan = world.customer(name="单雄信", dept="east1", pool="public")
    oy = world.customer(name="欧阳娜娜", dept="east1", pool="public")
    h = world.headers("admin")

    def ids(q: str) -> list[int]:
        r = client.get("/api/v1/customers", params={"q": q, "limit": 200}, headers=h)
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["items"]]

    assert ids("zhangsan")[0] == zs and zsf in ids("zhangsan")  # exact full spelling first
    assert {zs, zsf} <= set(ids("zs")) and shan not in ids("zs")
    assert {zs, zsf} <= set(ids("Zhang San")) and zsf in ids("zsf") and zs not in ids("zsf")
    assert shan in ids("shanxiongxin") and shan in ids("sxx")  # 单 as a surname reads shàn
    assert oy in ids("ouyang") and oy in ids("oynn")
    assert zs not in ids("zhangsi")


def test_phone_fragments_and_formatted_numbers(client, world):
    cid = world.customer(phone="13812345678", dept="east1", pool="public", name="电话客户")
    h = world.headers("admin")
    for q in ("1381234", "2345678", "345", "13812345678", "138 1234 5678", "+86 138-1234-5678"):
        ids = [x["id"] for x in client.get("/api/v1/customers", params={"q": q}, headers=h).json()["items"]]
        assert cid in ids, q
    ids = [x["id"] for x in client.get("/api/v1/customers", params={"q": "13812345679"}, headers=h).json()["items"]]
    assert cid not in ids


def test_index_follows_every_write(client, world, db):
    h = world.headers("admin")

    def found(q: str) -> set[int]:
        return {x["id"] for x in client.get("/api/v1/customers", params={"q": q, "limit": 200}, headers=h).json()["items"]}

    r = client.post("/api/v1/customers", headers=h, json={"name": "旧名字", "phones": ["13700001111"],
                                                         "pool": "potential", "wechat": "老微信"})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["id"] in found("旧名") and c["id"] in found("0001111") and c["id"] in found("老微")
    r = client.patch(f"/api/v1/customers/{c['id']}", headers=h, json={
        "version": c["version"], "name": "新名字", "phones": ["13700002222"], "wechat": "新微信", "company": "新公司"})
    assert r.status_code == 200, r.text
    assert c["id"] not in found("旧名") and c["id"] in found("新名") and c["id"] in found("xmz")
    assert c["id"] not in found("0001111") and c["id"] in found("0002222")
    assert c["id"] not in found("老微") and c["id"] in found("新微") and c["id"] in found("新公司")
    # merge: the duplicate's phone now finds the master
    dup = world.customer(name="重复的人", phone="13700003333", dept="office", pool="potential")
    r = client.post("/api/v1/customers/merge", headers=h, json={"master_id": c["id"], "duplicate_ids": [dup]})
    assert r.status_code == 200, r.text
    assert found("0003333") >= {c["id"]}
    # purge: gone from the index
    with db.transaction(world.tenant_id) as s:
        assert s.get(CustomerSearch, c["id"]) is not None
    assert client.post("/api/v1/customers/bulk/delete", headers=h, json={"ids": [c["id"]]}).json()["succeeded"] == 1
    assert client.post("/api/v1/customers/bulk/purge", headers=h, json={"ids": [c["id"]]}).json()["succeeded"] == 1
    with db.transaction(world.tenant_id) as s:
        assert s.get(CustomerSearch, c["id"]) is None
    assert c["id"] not in found("新名")


def test_search_never_crosses_scope_or_tenant(client, world, other_world, form):
    mine = world.customer(name="范围测试甲", owner="sales_east1", phone="13655550001")
    theirs = world.customer(name="范围测试乙", owner="sales_east1b", phone="13655550002")
    public = world.customer(name="范围测试丙", pool="public", dept="east1", phone="13655550003")
    lead = world.customer(name="范围测试丁", pool="potential", dept="east1", phone="13655550004")
    foreign = other_world.customer(name="范围测试甲", pool="public", phone="13655550001")
    for q in ("范围测试", "范围", "13655550", "fwcs"):
        r = client.get("/api/v1/customers", params={"q": q, "limit": 200}, headers=world.headers("sales_east1"))
        ids = {x["id"] for x in r.json()["items"]}
        assert ids == {mine, public}, q  # not a colleague's, not an unverified lead, not another tenant's
        r = client.get("/api/v1/customers", params={"q": q, "limit": 200}, headers=world.headers("admin"))
        assert {x["id"] for x in r.json()["items"]} == {mine, theirs, public, lead}, q
        r = client.get("/api/v1/customers", params={"q": q, "limit": 200}, headers=other_world.headers("admin"))
        assert {x["id"] for x in r.json()["items"]} == {foreign}, q
    # the pool still applies on top of the search
    r = client.get("/api/v1/customers", params={"q": "范围", "pool": "mine"}, headers=world.headers("sales_east1"))
    assert [x["id"] for x in r.json()["items"]] == [mine]


def test_sqlite_trigram_like_bug_is_routed_around(backend, client, world):
    """Python's bundled SQLite 3.40 answers LIKE '%张伟%' on a (case-insensitive) FTS5 trigram table with
    no rows. Queries under 3 characters never use the trigram table; 3+ character ones use MATCH."""
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
    con.execute("INSERT INTO t VALUES ('张伟'), ('李张伟明')")
    buggy = con.execute("SELECT count(*) FROM t WHERE x LIKE '%张伟%'").fetchone()[0] != 2
    print(f"SQLite {sqlite3.sqlite_version}: trigram LIKE bug {'present' if buggy else 'absent'}")
    assert text.route_for("张伟") == "gram" and text.route_for("张") == "gram" and text.route_for("zs") == "scan"
    a = world.customer(name="张伟", pool="public", dept="east1")
    b = world.customer(name="李张伟明", pool="public", dept="east1")
    for q in ("张伟", "张", "伟明", "张伟明"):
        ids = {x["id"] for x in client.get("/api/v1/customers", params={"q": q},
                                           headers=world.headers("admin")).json()["items"]}
        assert ids >= ({a, b} if q in ("张伟", "张") else {b}), q


def test_total_kinds(client, world):
    for i in range(5):
        world.customer(name=f"计数客户{i}", pool="public", dept="east1")
    h = world.headers("admin")
    r = client.get("/api/v1/customers", params={"q": "计数客户", "limit": 2}, headers=h).json()
    assert (r["total"], r["total_exact"], r["total_kind"]) == (5, True, "exact") and len(r["items"]) == 2
    r = client.get("/api/v1/customers", params={"q": "计数客户", "total": "none"}, headers=h).json()
    assert r["total_kind"] == "none" and len(r["items"]) == 5
    r = client.get("/api/v1/customers/count", params={"q": "计数客户", "exact": True}, headers=h).json()
    assert r == {"total": 5, "total_exact": True, "total_kind": "exact"}


def test_search_rows_exist_for_every_customer(db, world, corpus):
    with db.session() as s:
        set_tenant(s, world.tenant_id)
        n_customers = s.scalar(sa.select(sa.func.count()).select_from(Customer))
        n_search = s.scalar(sa.select(sa.func.count()).select_from(CustomerSearch))
        assert n_customers == n_search == len(corpus)


def test_postgres_lc_ctype_is_checked(backend):
    """pg_trgm extracts no trigrams from Chinese under LC_CTYPE=C: the check says so (readiness, migrate)."""
    if backend != "postgres":
        pytest.skip("PostgreSQL only")
    import os
    import uuid

    from huike.find.schema import check_postgres
    from tests.conftest import PG_URL, _pg_admin_url, drop_pg_database

    name = f"huike_ctype_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(_pg_admin_url(PG_URL, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C' "
                             "LC_COLLATE 'C'"))
    admin.dispose()
    engine = sa.create_engine(_pg_admin_url(PG_URL, name))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            problems = check_postgres(conn)
        assert any("LC_CTYPE" in p for p in problems), problems
        assert any("张三丰" in p for p in problems), problems
    finally:
        engine.dispose()
        drop_pg_database(PG_URL, name)


def test_readiness_is_clean_on_a_utf8_database(client):
    assert client.get("/readyz").json() == {"status": "ready"}
