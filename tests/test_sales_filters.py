"""Date filters of the sales lists (SALES-4…7) on SQLite and PostgreSQL: every range is whole days in
Asia/Shanghai with both ends inclusive — a record at 23:59:59 Shanghai on the last day is in, one at 00:00
the next day is out —, an end before its start answers 422 invalid_date_range, the filters keep the data
scope, the period totals of opportunities equal the filtered lists, and the statistics drills' own
parameters (orders / payments `since`…`until`) keep their meaning."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from huike.kit import clock
from tests.work_support import API, Clock, ok, problem

SH = clock.TZ
LAST = datetime(2026, 10, 31, 23, 59, 59, tzinfo=SH)  # the last second of October in Shanghai
NEXT = datetime(2026, 11, 1, 0, 0, 0, tzinfo=SH)  # the first of November (still 31 October in UTC)
FIRST = datetime(2026, 10, 1, 0, 0, 0, tzinfo=SH)  # the first instant of October
BEFORE = datetime(2026, 9, 30, 23, 59, 59, tzinfo=SH)
OCT = {"from": "2026-10-01", "to": "2026-10-31"}


def rng(name: str, frm: str | None = OCT["from"], to: str | None = OCT["to"]) -> dict[str, str]:
    return {k: v for k, v in ((f"{name}_from", frm), (f"{name}_to", to)) if v is not None}


def ids(client, world, path, who="sales_east1", **params):
    return {x["id"] for x in ok(client.get(f"{API}{path}", headers=world.headers(who), params=params))["items"]}


def new_opp(client, world, cid, who="sales_east1", **body):
    return ok(client.post(f"{API}/customers/{cid}/opportunities", headers=world.headers(who),
                          json={"name": "商机", "amount": "1.00", **body}), 201)


def stage(client, world, kind):
    return next(s["id"] for s in ok(client.get(f"{API}/sales/stages", headers=world.headers("admin")))
                if s["kind"] == kind)


def move(client, world, oid, kind, who="sales_east1"):
    body = {"stage_id": stage(client, world, kind), "note": kind}
    if kind == "lost":
        body["lost_reason_id"] = ok(client.get(f"{API}/sales/lost-reasons", headers=world.headers("admin")))[0]["id"]
    return ok(client.post(f"{API}/opportunities/{oid}/advance", headers=world.headers(who), json=body))


@pytest.fixture
def clk(monkeypatch):
    c = Clock(monkeypatch)
    yield c
    c.reset()


def test_opportunity_dates_shanghai_days_inclusive(client, world, clk):
    cid = world.customer(owner="sales_east1")
    made = {}
    for key, at in (("before", BEFORE), ("first", FIRST), ("last", LAST), ("next", NEXT)):
        clk.set(at)
        made[key] = new_opp(client, world, cid, name=key)["id"]
    p = "/opportunities"
    assert ids(client, world, p, **rng("created")) == {made["first"], made["last"]}
    assert ids(client, world, p, **rng("created", to=None)) == {made["first"], made["last"], made["next"]}
    assert ids(client, world, p, **rng("created", frm=None)) == {made["before"], made["first"], made["last"]}
    assert ids(client, world, p, **rng("created", "2026-11-01", "2026-11-01")) == {made["next"]}
    assert ids(client, world, p, **rng("created", "2026-10-31", "2026-10-31")) == {made["last"]}
    # with the other filters (status, search), and the list stays keyset-paged
    assert ids(client, world, p, status="open", q="last", **rng("created")) == {made["last"]}
    page = ok(client.get(f"{API}{p}", headers=world.headers("sales_east1"), params={"limit": 1, **rng("created")}))
    rest = ok(client.get(f"{API}{p}", headers=world.headers("sales_east1"),
                         params={"limit": 1, "cursor": page["next_cursor"], **rng("created")}))
    assert {page["items"][0]["id"], rest["items"][0]["id"]} == {made["first"], made["last"]}
    assert rest["next_cursor"] is None

    # won / lost dates: the moment of the move, in Shanghai days
    clk.set(LAST)
    move(client, world, made["first"], "won")
    move(client, world, made["before"], "lost")
    clk.set(NEXT)
    move(client, world, made["last"], "won")
    move(client, world, made["next"], "lost")
    assert ids(client, world, p, status="won", **rng("won")) == {made["first"]}
    assert ids(client, world, p, status="won", **rng("won", "2026-11-01", "2026-11-30")) == {made["last"]}
    assert ids(client, world, p, **rng("lost")) == {made["before"]}
    assert ids(client, world, p, **rng("lost", "2026-11-01", None)) == {made["next"]}
    # moving back out of won clears the date: no longer in a won range
    clk.reset()
    move(client, world, made["first"], "open")
    assert ids(client, world, p, **rng("won")) == set()


def test_expected_close_date_range(client, world):
    cid = world.customer(owner="sales_east1")
    a = new_opp(client, world, cid, expected_close_date="2026-10-31")["id"]
    b = new_opp(client, world, cid, expected_close_date="2026-11-01")["id"]
    new_opp(client, world, cid)  # no date: never in a range
    assert ids(client, world, "/opportunities", **rng("expected_close")) == {a}
    assert ids(client, world, "/opportunities", **rng("expected_close", "2026-10-31", None)) == {a, b}


def test_bad_ranges_answer_422(client, world):
    h = world.headers("sales_east1")
    for path, name in (("/opportunities", "created"), ("/opportunities", "expected_close"),
                       ("/opportunities", "won"), ("/opportunities", "lost"), ("/orders", "deal"),
                       ("/contracts", "sign"), ("/contracts", "start"), ("/contracts", "end"),
                       ("/payments", "received"), ("/invoices", "issued"), ("/invoices", "created")):
        body = problem(client.get(f"{API}{path}", headers=h, params=rng(name, "2026-10-02", "2026-10-01")), 422,
                       "invalid_date_range")
        assert body["errors"][0]["field"] == f"{name}_to", body
        assert body["detail"] == "日期范围不正确：结束日期早于开始日期"
        problem(client.get(f"{API}{path}", headers=h, params={f"{name}_from": "2026-02-30"}), 422,
                "validation_error")
        problem(client.get(f"{API}{path}", headers=h, params={f"{name}_to": "yesterday"}), 422, "validation_error")
        ok(client.get(f"{API}{path}", headers=h, params=rng(name, "2026-10-01", "2026-10-01")))  # one day is fine
    en = problem(client.get(f"{API}/orders", headers={**h, "Accept-Language": "en"},
                            params=rng("deal", "2026-10-02", "2026-10-01")), 422, "invalid_date_range")
    assert "ends before it starts" in en["detail"]


def test_summary_follows_the_period_and_equals_the_lists(client, world, clk):
    cid = world.customer(owner="sales_east1")
    h = world.headers("sales_east1")
    clk.set(LAST)
    a = new_opp(client, world, cid, amount="10.10")["id"]
    b = new_opp(client, world, cid, amount="0.20")["id"]
    clk.set(NEXT)
    c = new_opp(client, world, cid, amount="300.00")["id"]
    move(client, world, a, "won")
    move(client, world, b, "lost")
    clk.reset()
    octo = ok(client.get(f"{API}/opportunities/summary", headers=h, params={"month": "2026-10"}))
    assert octo["month"] == "2026-10" and octo["since"] == "2026-10-01" and octo["until"] == "2026-10-31"
    assert octo["new"] == {"count": 2, "amount": "10.30"} and octo["won"]["count"] == 0
    period = {"since": "2026-10-31", "until": "2026-11-01"}
    got = ok(client.get(f"{API}/opportunities/summary", headers=h, params=period))
    assert got["month"] is None and got["since"] == "2026-10-31" and got["until"] == "2026-11-01"
    assert got["new"] == {"count": 3, "amount": "310.30"}
    assert got["won"] == {"count": 1, "amount": "10.10"} and got["lost"] == {"count": 1, "amount": "0.20"}
    # each total is the list with the same days
    as_list = {"created": ("new", None), "won": ("won", "won"), "lost": ("lost", "lost")}
    for name, (key, status) in as_list.items():
        params = {**rng(name, period["since"], period["until"]), **({"status": status} if status else {})}
        assert len(ids(client, world, "/opportunities", **params)) == got[key]["count"]
    nov = ok(client.get(f"{API}/opportunities/summary", headers=h, params={"since": "2026-11-01",
                                                                           "until": "2026-11-01"}))
    assert nov["new"] == {"count": 1, "amount": "300.00"} and c
    for bad in ({"since": "2026-11-02", "until": "2026-11-01"}, {"since": "2026-11-01"},
                {"until": "2026-11-01"}, {"month": "2026-11", "since": "2026-11-01", "until": "2026-11-02"},
                {"since": "2000-01-01", "until": "2026-01-01"}):
        problem(client.get(f"{API}/opportunities/summary", headers=h, params=bad), 422, "invalid_period")


def product(client, world):
    return ok(client.post(f"{API}/products", headers=world.headers("admin"), json={
        "name": f"产品{uuid.uuid4().hex[:6]}", "price": "100.00", "unit": "套"}), 201)["id"]


def order(client, world, cid, p, deal_at, who="sales_east1"):
    return ok(client.post(f"{API}/customers/{cid}/orders", headers=world.headers(who), json={
        "lines": [{"product_id": p, "quantity": "1"}], "deal_at": deal_at.isoformat()}), 201)["id"]


def test_order_deal_dates_and_the_drill_params(client, world):
    ok(client.patch(f"{API}/sales/settings", headers=world.headers("admin"), json={"restrict_manual_won": True}))
    cid = world.customer(owner="sales_east1")
    p = product(client, world)
    first, last, nxt = order(client, world, cid, p, FIRST), order(client, world, cid, p, LAST), \
        order(client, world, cid, p, NEXT)
    assert ids(client, world, "/orders", **rng("deal")) == {first, last}
    assert ids(client, world, "/orders", **rng("deal", "2026-11-01", "2026-11-01")) == {nxt}
    # the statistics drills' instants are unchanged: [since, until)
    utc = lambda d: d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(client, world, "/orders", since=utc(FIRST), until=utc(NEXT)) == {first, last}
    assert ids(client, world, "/orders", since=utc(LAST), until=utc(NEXT + timedelta(seconds=1))) == {last, nxt}
    # both at once narrow each other
    assert ids(client, world, "/orders", since=utc(LAST), **rng("deal")) == {last}


def contract(client, world, cid, who="sales_east1", sign=None, **body):
    c = ok(client.post(f"{API}/customers/{cid}/contracts", headers=world.headers(who), json={
        "name": "合同", "amount": "100.00", **body}), 201)
    if sign:
        c = ok(client.post(f"{API}/contracts/{c['id']}/sign", headers=world.headers(who), json={"sign_date": sign}))
    return c


def test_contract_sign_start_end_dates(client, world, clk):
    clk.set(datetime(2026, 10, 20, 10, tzinfo=SH))
    cid = world.customer(owner="sales_east1")
    a = contract(client, world, cid, sign="2026-10-31", start_date="2026-10-01", end_date="2026-10-31")["id"]
    b = contract(client, world, cid, sign="2026-11-01", start_date="2026-11-01", end_date="2026-11-01")["id"]
    c = contract(client, world, cid, start_date="2026-09-30", end_date="2027-09-30")["id"]  # draft: no sign date
    p = "/contracts"
    assert ids(client, world, p, **rng("sign")) == {a}
    assert ids(client, world, p, **rng("sign", "2026-10-31", None)) == {a, b}
    assert ids(client, world, p, **rng("start")) == {a}
    assert ids(client, world, p, **rng("start", None, "2026-10-01")) == {a, c}
    assert ids(client, world, p, **rng("end", "2026-10-31", "2026-11-01")) == {a, b}
    # with the expiring-soon filter (signed, ends within the days from today = 20 October)
    assert ids(client, world, p, expiring_within_days=30, **rng("end", "2026-11-01", None)) == {b}
    assert ids(client, world, p, status="draft", **rng("end", "2027-01-01", None)) == {c}


def test_payments_and_invoices_dates(client, world, clk):
    clk.set(datetime(2026, 11, 2, 10, tzinfo=SH))
    cid = world.customer(owner="sales_east1")
    c = contract(client, world, cid, sign="2026-10-01")
    h = world.headers("sales_east1")
    pays = [ok(client.post(f"{API}/contracts/{c['id']}/payments", headers=h, json={
        "amount": "1.00", "method": "bank", "received_on": d}), 201)["id"] for d in ("2026-10-31", "2026-11-01")]
    assert ids(client, world, "/payments", **rng("received")) == {pays[0]}
    assert ids(client, world, "/payments", **rng("received", "2026-11-01", None)) == {pays[1]}
    # the drill's since…until stays half-open
    assert ids(client, world, "/payments", since="2026-10-01", until="2026-11-01") == {pays[0]}
    invs = []
    for at in (LAST, NEXT):
        clk.set(at)
        invs.append(ok(client.post(f"{API}/customers/{cid}/invoices", headers=h,
                                   json={"contract_id": c["id"], "amount": "1.00"}), 201)["id"])
    clk.reset()
    assert ids(client, world, "/invoices", **rng("created")) == {invs[0]}
    assert ids(client, world, "/invoices", **rng("created", "2026-11-01", "2026-11-01")) == {invs[1]}
    ok(client.post(f"{API}/invoices/{invs[1]}/issue", headers=h, json={"invoice_no": "No.1", "issue_date": "2026-10-31"}))
    assert ids(client, world, "/invoices", **rng("issued")) == {invs[1]}  # a pending one has no issue date
    assert ids(client, world, "/invoices", status="issued", **rng("issued", "2026-11-01", None)) == set()


def test_filters_keep_the_scope(client, world, other_world, clk):
    clk.set(LAST)
    mine = world.customer(owner="sales_east1")
    south = world.customer(owner="sales_south1")
    theirs_c = other_world.customer(owner="sales_east1")
    o = new_opp(client, world, mine)["id"]
    s = new_opp(client, world, south, who="sales_south1")["id"]
    t = new_opp(client, other_world, theirs_c)["id"]
    cm = contract(client, world, mine, sign="2026-10-31")
    cs = contract(client, world, south, who="sales_south1", sign="2026-10-31")
    for c, who in ((cm, "sales_east1"), (cs, "sales_south1")):
        ok(client.post(f"{API}/contracts/{c['id']}/payments", headers=world.headers(who),
                       json={"amount": "1.00", "received_on": "2026-10-31"}), 201)
        ok(client.post(f"{API}/customers/{c['customer_id']}/invoices", headers=world.headers(who),
                       json={"contract_id": c["id"], "amount": "1.00"}), 201)
    clk.reset()
    for who in ("sales_east1", "manager_east1", "director_east"):
        got = ids(client, world, "/opportunities", who=who, **rng("created"))
        assert o in got and s not in got and t not in got
        assert ids(client, world, "/contracts", who=who, **rng("sign")) == {cm["id"]}
        assert {x["customer_id"] for x in ok(client.get(f"{API}/payments", headers=world.headers(who),
                                                        params=rng("received")))["items"]} == {mine}
        assert {x["customer_id"] for x in ok(client.get(f"{API}/invoices", headers=world.headers(who),
                                                        params=rng("created")))["items"]} == {mine}
        summ = ok(client.get(f"{API}/opportunities/summary", headers=world.headers(who),
                             params={"since": "2026-10-01", "until": "2026-10-31"}))
        assert summ["new"]["count"] == 1
    admin = ids(client, world, "/opportunities", who="admin", **rng("created"))
    assert {o, s} <= admin and t not in admin
    assert ids(client, world, "/contracts", who="admin", **rng("sign")) == {cm["id"], cs["id"]}
    # a customer filter on another center's customer stays 404, with or without dates
    problem(client.get(f"{API}/opportunities", headers=world.headers("sales_east1"),
                       params={"customer_id": south, **rng("created")}), 404, "not_found")
