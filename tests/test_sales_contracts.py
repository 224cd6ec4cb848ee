"""Contracts, payment plans, payments and invoices (SALES-7) on SQLite and PostgreSQL: signing makes the
customer won, receivable / received / outstanding exact to the cent, guarded transitions, expiry
reminders through the reminder engine, files on contracts, scope and tenant walls."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from huike.audit.models import AuditEntry
from huike.customer.models import Customer
from huike.kit import clock
from tests import live
from tests.work_support import API, Clock, events_of, notifications, ok, problem, run_reminders


def contract(client, world, cid, who="sales_east1", **body):
    return ok(client.post(f"{API}/customers/{cid}/contracts", headers=world.headers(who), json={
        "name": "ERP 实施合同", "amount": "0.30", **body}), 201)


def signed(client, world, cid, who="sales_east1", **body):
    c = contract(client, world, cid, who=who, **body)
    return ok(client.post(f"{API}/contracts/{c['id']}/sign", headers=world.headers(who), json={}))


def pay(client, world, contract_id, amount, who="sales_east1", **body):
    return client.post(f"{API}/contracts/{contract_id}/payments", headers=world.headers(who),
                       json={"amount": amount, "method": "bank", **body})


def test_contract_lifecycle_and_customer_won(client, world):
    cid = world.customer(owner="sales_east1", name="启明教育")
    c = contract(client, world, cid, start_date="2026-01-01", end_date="2026-12-31", amount="120000",
                 attachments=[{"name": "扫描件.pdf", "url": "https://files.example.com/a.pdf"}])
    assert c["number"] == "HT000001" and c["status"] == "draft" and c["receivable"] == "120000.00"
    assert c["attachments"][0]["name"] == "扫描件.pdf" and c["plans"] == []
    problem(client.post(f"{API}/customers/{cid}/contracts", headers=world.headers("sales_east1"), json={
        "name": "x", "amount": 1, "start_date": "2026-02-01", "end_date": "2026-01-01"}), 422, "invalid_dates")
    problem(client.post(f"{API}/customers/{cid}/contracts", headers=world.headers("sales_east1"), json={
        "name": "x", "amount": 1, "number": "HT000001"}), 409, "contract_number_taken")
    custom = contract(client, world, cid, number="HT000002")
    auto = contract(client, world, cid)
    assert custom["number"] == "HT000002" and auto["number"] == "HT000003"  # typed numbers are skipped
    # draft: every field; payments need a signature
    c = ok(client.patch(f"{API}/contracts/{c['id']}", headers=world.headers("sales_east1"), json={"amount": "0.30"}))
    problem(pay(client, world, c["id"], "0.10"), 409, "contract_not_signed")
    assert world_pool(world, cid) == "following"
    s = ok(client.post(f"{API}/contracts/{c['id']}/sign", headers=world.headers("sales_east1"),
                       json={"sign_date": "2026-01-02"}))
    assert s["status"] == "signed" and s["sign_date"] == "2026-01-02" and s["signed_at"]
    assert world_pool(world, cid) == "won"
    assert {"contract_created", "contract_signed", "won"} <= set(events_of(world, cid))
    problem(client.post(f"{API}/contracts/{c['id']}/sign", headers=world.headers("sales_east1")), 409,
            "contract_state")
    # signed: only name, end date, remark, attachments
    problem(client.patch(f"{API}/contracts/{c['id']}", headers=world.headers("sales_east1"), json={"amount": "1"}),
            409, "contract_locked")
    got = ok(client.patch(f"{API}/contracts/{c['id']}", headers=world.headers("sales_east1"),
                          json={"end_date": "2027-06-30", "remark": "续期", "amount": "0.3"}))  # amount unchanged
    assert got["end_date"] == "2027-06-30"
    done = ok(client.post(f"{API}/contracts/{c['id']}/complete", headers=world.headers("sales_east1")))
    assert done["status"] == "completed"
    problem(client.post(f"{API}/contracts/{c['id']}/terminate", headers=world.headers("sales_east1"),
                        json={"reason": "x"}), 409, "contract_state")
    t = ok(client.post(f"{API}/contracts/{auto['id']}/terminate", headers=world.headers("sales_east1"),
                       json={"reason": "客户取消"}))
    assert t["status"] == "terminated" and t["terminate_reason"] == "客户取消"
    with world.db.transaction(world.tenant_id) as session:
        actions = set(session.scalars(sa.select(AuditEntry.action).where(AuditEntry.target_type == "contract")))
    assert {"contract.create", "contract.update", "contract.sign", "contract.complete", "contract.terminate"} <= actions


def world_pool(world, cid):
    with world.db.transaction(world.tenant_id) as s:
        return s.get_one(Customer, cid).pool


def test_money_exact_to_the_cent(client, world):
    cid = world.customer(owner="sales_east1")
    c = contract(client, world, cid, amount="0.30")
    p1 = ok(client.post(f"{API}/contracts/{c['id']}/payment-plans", headers=world.headers("sales_east1"),
                        json={"due_date": "2026-01-31", "amount": "0.10"}), 201)
    p2 = ok(client.post(f"{API}/contracts/{c['id']}/payment-plans", headers=world.headers("sales_east1"),
                        json={"due_date": "2026-02-28", "amount": 0.2}), 201)
    problem(client.post(f"{API}/contracts/{c['id']}/payment-plans", headers=world.headers("sales_east1"),
                        json={"due_date": "2026-03-31", "amount": "0.01"}), 422, "plans_exceed_amount")
    ok(client.post(f"{API}/contracts/{c['id']}/sign", headers=world.headers("sales_east1")))
    ok(pay(client, world, c["id"], "0.10", plan_id=p1["id"], received_on="2026-01-30"), 201)
    got = ok(client.get(f"{API}/contracts/{c['id']}", headers=world.headers("sales_east1")))
    assert (got["receivable"], got["received"], got["outstanding"], got["planned"]) == ("0.30", "0.10", "0.20", "0.30")
    problem(pay(client, world, c["id"], "0.21"), 422, "payment_exceeds_outstanding")
    problem(pay(client, world, c["id"], "0.001"), 422, "validation_error")
    problem(pay(client, world, c["id"], "0"), 422, "validation_error")
    second = ok(pay(client, world, c["id"], 0.2, plan_id=p2["id"], method="wechat"), 201)
    assert second["amount"] == "0.20" and second["contract_number"] == c["number"]
    got = ok(client.get(f"{API}/contracts/{c['id']}", headers=world.headers("sales_east1")))
    assert (got["received"], got["outstanding"]) == ("0.30", "0.00")  # 0.10 + 0.20 is exactly 0.30
    assert [(p["received"], p["outstanding"]) for p in got["plans"]] == [("0.10", "0.00"), ("0.20", "0.00")]
    problem(pay(client, world, c["id"], "0.01"), 422, "payment_exceeds_outstanding")
    problem(client.delete(f"{API}/payment-plans/{p1['id']}", headers=world.headers("sales_east1")), 409,
            "plan_has_payments")
    # a mistaken payment is deleted (audited); the outstanding comes back
    r = client.delete(f"{API}/payments/{second['id']}", headers=world.headers("sales_east1"))
    assert r.status_code == 204
    got = ok(client.get(f"{API}/contracts/{c['id']}", headers=world.headers("sales_east1")))
    assert got["outstanding"] == "0.20" and got["plans"][1]["overdue"] is True  # due 2026-02-28, unpaid
    # the plan of another contract
    other = signed(client, world, cid, amount="5")
    problem(pay(client, world, other["id"], "1", plan_id=p1["id"]), 422, "invalid_plan")
    # large amounts stay exact
    big = signed(client, world, cid, amount="99999999999999.99")
    ok(pay(client, world, big["id"], "99999999999999.98"), 201)
    assert ok(client.get(f"{API}/contracts/{big['id']}", headers=world.headers("sales_east1")))["outstanding"] == "0.01"
    listed = ok(client.get(f"{API}/customers/{cid}/payments", headers=world.headers("sales_east1")))["items"]
    assert {x["amount"] for x in listed} == {"0.10", "99999999999999.98"}
    summary = ok(client.get(f"{API}/customers/{cid}/sales-summary", headers=world.headers("sales_east1")))
    assert summary["contracts"]["count"] == 3 and summary["contracts"]["received"] == "100000000000000.08"
    assert summary["contracts"]["receivable"] == "100000000000005.29"  # 0.30 + 5 + 99999999999999.99
    assert "payment_received" in events_of(world, cid) and "payment_deleted" in events_of(world, cid)


def test_invoices(client, world):
    cid = world.customer(owner="sales_east1")
    c = signed(client, world, cid, amount="0.30")
    h = world.headers("sales_east1")
    a = ok(client.post(f"{API}/customers/{cid}/invoices", headers=h,
                       json={"contract_id": c["id"], "amount": "0.10", "type": "normal", "title": "启明教育"}), 201)
    assert a["status"] == "pending" and a["number"] == "FP000001" and a["contract_number"] == c["number"]
    problem(client.post(f"{API}/customers/{cid}/invoices", headers=h,
                        json={"contract_id": c["id"], "amount": "0.10", "type": "special"}), 422,
            "invoice_title_required")
    b = ok(client.post(f"{API}/customers/{cid}/invoices", headers=h, json={
        "contract_id": c["id"], "amount": "0.20", "type": "special", "title": "启明教育", "tax_no": "91330100X"}), 201)
    problem(client.post(f"{API}/customers/{cid}/invoices", headers=h,
                        json={"contract_id": c["id"], "amount": "0.01"}), 422, "invoice_exceeds_contract")
    got = ok(client.post(f"{API}/invoices/{a['id']}/issue", headers=h, json={"invoice_no": "No.12345678"}))
    assert got["status"] == "issued" and got["invoice_no"] == "No.12345678" and got["issue_date"]
    problem(client.post(f"{API}/invoices/{a['id']}/issue", headers=h, json={"invoice_no": "x"}), 409, "invoice_state")
    ok(client.post(f"{API}/invoices/{b['id']}/void", headers=h))
    problem(client.post(f"{API}/invoices/{b['id']}/void", headers=h), 409, "invoice_state")
    # a voided invoice frees its amount
    ok(client.post(f"{API}/customers/{cid}/invoices", headers=h, json={"contract_id": c["id"], "amount": "0.20"}), 201)
    assert ok(client.get(f"{API}/contracts/{c['id']}", headers=h))["invoiced"] == "0.30"
    other = world.customer(owner="sales_east1")
    problem(client.post(f"{API}/customers/{other}/invoices", headers=h,
                        json={"contract_id": c["id"], "amount": "0.01"}), 422, "contract_mismatch")
    items = ok(client.get(f"{API}/invoices", headers=h, params={"customer_id": cid}))["items"]
    assert len(items) == 3
    assert {"invoice_created", "invoice_issued", "invoice_voided"} <= set(events_of(world, cid))


def test_expiry_reminders(client, world, monkeypatch):
    clk = Clock(monkeypatch)
    now = datetime(2026, 11, 23, 2, tzinfo=clock.TZ)
    clk.set(now)
    cid = world.customer(owner="sales_east1", name="星河科技")
    soon = signed(client, world, cid, name="运维合同", end_date=(now.date() + timedelta(days=10)).isoformat())
    signed(client, world, cid, name="远期合同", end_date=(now.date() + timedelta(days=90)).isoformat())
    contract(client, world, cid, name="草稿合同", end_date=(now.date() + timedelta(days=5)).isoformat())
    listed = ok(client.get(f"{API}/contracts", headers=world.headers("sales_east1"),
                           params={"expiring_within_days": 30}))["items"]
    assert [x["id"] for x in listed] == [soon["id"]] and listed[0]["days_to_end"] == 10
    run_reminders(world)
    got = notifications(world, "sales_east1", "contract_expiry")
    assert len(got) == 1 and "运维合同" in got[0].title and "10 天后" in (got[0].body or "")
    run_reminders(world)
    assert len(notifications(world, "sales_east1", "contract_expiry")) == 1  # once per end date
    # the lead time is the tenant's; off means off
    ok(client.patch(f"{API}/sales/settings", headers=world.headers("admin"), json={"contract_expiry_days": 120}))
    run_reminders(world)
    assert len(notifications(world, "sales_east1", "contract_expiry")) == 2
    ok(client.patch(f"{API}/sales/settings", headers=world.headers("admin"), json={"contract_expiry_enabled": False}))
    signed(client, world, cid, name="又一个", end_date=(now.date() + timedelta(days=3)).isoformat())
    run_reminders(world)
    assert len(notifications(world, "sales_east1", "contract_expiry")) == 2
    problem(client.patch(f"{API}/sales/settings", headers=world.headers("admin"), json={"contract_expiry_days": 0}),
            422, "validation_error")


def test_contract_files(client, world):
    cid = world.customer(owner="sales_east1")
    c = contract(client, world, cid)
    r = client.post(f"{API}/attachments", headers=world.headers("sales_east1"),
                    params={"record_kind": "contract", "record_id": c["id"]},
                    files={"file": ("合同.txt", "合同正文".encode(), "text/plain")})
    assert r.status_code == 201, r.text
    listed = ok(client.get(f"{API}/attachments", headers=world.headers("sales_east1"),
                           params={"record_kind": "contract", "record_id": c["id"]}))
    assert [x["filename"] for x in listed["items"]] == ["合同.txt"]
    # the operator sees the contract but may not add files to it; a peer sales does not see it
    r = client.post(f"{API}/attachments", headers=world.headers("operator_east1"),
                    params={"record_kind": "contract", "record_id": c["id"]},
                    files={"file": ("x.txt", b"x", "text/plain")})
    assert r.status_code == 403, r.text
    r = client.get(f"{API}/attachments", headers=world.headers("sales_east1b"),
                   params={"record_kind": "contract", "record_id": c["id"]})
    assert r.status_code == 404, r.text


def test_scope_and_other_tenant(client, world, other_world):
    south = world.customer(owner="sales_south1")
    c = signed(client, world, south, who="sales_south1", amount="10")
    plan = ok(client.post(f"{API}/contracts/{c['id']}/payment-plans", headers=world.headers("sales_south1"),
                          json={"due_date": "2026-12-31", "amount": "5"}), 201)
    p = ok(pay(client, world, c["id"], "1", who="sales_south1"), 201)
    inv = ok(client.post(f"{API}/customers/{south}/invoices", headers=world.headers("sales_south1"),
                         json={"amount": "1"}), 201)
    theirs_c = other_world.customer(owner="sales_east1")
    tc = signed(client, other_world, theirs_c, amount="10")
    tp = ok(pay(client, other_world, tc["id"], "1"), 201)
    for who, (cid, kid, plid, pid, iid) in (
            ("sales_east1", (south, c["id"], plan["id"], p["id"], inv["id"])),
            ("manager_east1", (south, c["id"], plan["id"], p["id"], inv["id"])),
            ("admin", (theirs_c, tc["id"], 2_000_000_000, tp["id"], 2_000_000_000))):
        h = world.headers(who)
        for r in (client.get(f"{API}/contracts/{kid}", headers=h),
                  client.patch(f"{API}/contracts/{kid}", headers=h, json={"remark": "x"}),
                  client.post(f"{API}/contracts/{kid}/sign", headers=h),
                  client.post(f"{API}/contracts/{kid}/complete", headers=h),
                  client.post(f"{API}/contracts/{kid}/terminate", headers=h, json={"reason": "x"}),
                  client.post(f"{API}/contracts/{kid}/payment-plans", headers=h,
                              json={"due_date": "2026-12-31", "amount": "1"}),
                  pay(client, world, kid, "1", who=who),
                  client.delete(f"{API}/payment-plans/{plid}", headers=h),
                  client.delete(f"{API}/payments/{pid}", headers=h),
                  client.get(f"{API}/invoices/{iid}", headers=h),
                  client.post(f"{API}/invoices/{iid}/issue", headers=h, json={"invoice_no": "x"}),
                  client.post(f"{API}/invoices/{iid}/void", headers=h),
                  client.get(f"{API}/customers/{cid}/contracts", headers=h),
                  client.get(f"{API}/customers/{cid}/payments", headers=h),
                  client.get(f"{API}/customers/{cid}/invoices", headers=h),
                  client.post(f"{API}/customers/{cid}/contracts", headers=h, json={"name": "x", "amount": "1"}),
                  client.post(f"{API}/customers/{cid}/invoices", headers=h, json={"amount": "1"})):
            problem(r, 404, "not_found")
    # a contract id of the other tenant in an invoice body is not found
    mine = world.customer(owner="sales_east1")
    problem(client.post(f"{API}/customers/{mine}/invoices", headers=world.headers("sales_east1"),
                        json={"contract_id": tc["id"], "amount": "1"}), 404, "not_found")
    for who in ("manager_east1", "sales_east1"):
        h = world.headers(who)
        assert c["id"] not in {x["id"] for x in ok(client.get(f"{API}/contracts", headers=h))["items"]}
        assert p["id"] not in {x["id"] for x in ok(client.get(f"{API}/payments", headers=h))["items"]}
        assert inv["id"] not in {x["id"] for x in ok(client.get(f"{API}/invoices", headers=h))["items"]}
    admin = world.headers("admin")
    ids = {x["id"] for x in ok(client.get(f"{API}/contracts", headers=admin))["items"]}
    assert c["id"] in ids and tc["id"] not in ids
    assert date.fromisoformat(c["sign_date"]) == clock.today()


# ------------------------------------------------------------------ under real concurrency
@pytest.fixture(scope="module")
def live_url(app):
    with live.serve(app) as url:
        yield url


def _post(base: str, token: str, path: str, body: object = None) -> tuple[int, dict]:
    with live.client(base, token) as c:
        r = c.post(f"{API}{path}", json=body)
        return r.status_code, r.json()


def test_concurrent_payments_never_exceed_the_contract(client, world, live_url):
    """Ten payments of 0.30 at once on a contract of 1.00: exactly three fit, received stays exact."""
    cid = world.customer(owner="sales_east1")
    c = signed(client, world, cid, amount="1.00")
    token = world.tokens["sales_east1"]
    answers = live.fire(lambda _: _post(live_url, token, f"/contracts/{c['id']}/payments",
                                        {"amount": "0.30", "method": "bank"}), list(range(10)))
    assert Counter(st for st, _ in answers) == {201: 3, 422: 7}, answers
    assert all(body["code"] == "payment_exceeds_outstanding" for st, body in answers if st == 422)
    got = ok(client.get(f"{API}/contracts/{c['id']}", headers=world.headers("sales_east1")))
    assert (got["received"], got["outstanding"]) == ("0.90", "0.10")


def test_concurrent_order_completion_counts_once(client, world, live_url):
    """Eight completions of one confirmed order at once: one wins; the purchase total counts it once."""
    from tests.test_sales_orders import new_order, opportunity, product

    cid = world.customer(owner="sales_east1")
    opp = opportunity(client, world, cid)
    p = product(client, world, price="0.10")
    o = ok(new_order(client, world, cid, [{"product_id": p, "quantity": "3"}], opportunity_id=opp["id"]), 201)
    ok(client.post(f"{API}/orders/{o['id']}/confirm", headers=world.headers("sales_east1")))
    token = world.tokens["sales_east1"]
    answers = live.fire(lambda _: _post(live_url, token, f"/orders/{o['id']}/complete"), list(range(8)))
    assert Counter(st for st, _ in answers) == {200: 1, 409: 7}, answers
    with world.db.transaction(world.tenant_id) as s:
        row = s.get_one(Customer, cid)
        assert (row.pool, str(row.total_purchase)) == ("won", "0.30")
    assert events_of(world, cid).count("order_completed") == 1 and events_of(world, cid).count("won") == 1


def test_number_race_answers_409_not_500(client, world, monkeypatch):
    """Two writers typing the same contract number at once: the check passes for both, the unique key
    stops the second — a 409 `duplicate_record`, never a 500, and nothing of the second is kept."""
    from huike.sales import contracts as contract_service

    cid = world.customer(owner="sales_east1", name="并发编号")
    contract(client, world, cid, number="HT-RACE-1")
    monkeypatch.setattr(contract_service, "_number_taken", lambda s, number: False)  # the other writer's check
    problem(client.post(f"{API}/customers/{cid}/contracts", headers=world.headers("sales_east1"), json={
        "name": "撞号", "amount": "1", "number": "HT-RACE-1"}), 409, "duplicate_record")
    listed = ok(client.get(f"{API}/customers/{cid}/contracts", headers=world.headers("sales_east1")))
    assert [c["number"] for c in listed["items"]] == ["HT-RACE-1"]
