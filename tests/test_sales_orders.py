"""Products and orders (SALES-6, SALES-3, POOL-8, POOL-16) on SQLite and PostgreSQL: the catalogue, order
lines with editable prices and exact cent sums, guarded transitions, the customer won and its purchase
totals, restrict-manual-won through orders as a new user would use it, scope and tenant walls."""

from __future__ import annotations

import uuid
from decimal import Decimal

import sqlalchemy as sa

from huike.audit.models import AuditEntry
from huike.customer.models import Customer
from tests.work_support import API, events_of, ok, problem


def product(client, world, price="100.00", **body):
    return ok(client.post(f"{API}/products", headers=world.headers("admin"), json={
        "name": f"产品{uuid.uuid4().hex[:6]}", "price": price, "unit": "套", **body}), 201)["id"]


def new_order(client, world, cid, lines, who="sales_east1", **body):
    return client.post(f"{API}/customers/{cid}/orders", headers=world.headers(who), json={"lines": lines, **body})


def complete_order(client, world, cid, lines, who="sales_east1", **body):
    o = ok(new_order(client, world, cid, lines, who=who, **body), 201)
    ok(client.post(f"{API}/orders/{o['id']}/confirm", headers=world.headers(who)))
    return ok(client.post(f"{API}/orders/{o['id']}/complete", headers=world.headers(who)))


def opportunity(client, world, cid, who="sales_east1", amount="1"):
    return ok(client.post(f"{API}/customers/{cid}/opportunities", headers=world.headers(who),
                          json={"name": "商机", "amount": amount}), 201)


def customer_row(world, cid):
    with world.db.transaction(world.tenant_id) as s:
        c = s.get_one(Customer, cid)
        return c.pool, c.total_purchase, c.last_purchase_at, c.won_at


def test_products(client, world, other_world):
    h = world.headers("admin")
    p = ok(client.post(f"{API}/products", headers=h, json={"name": "CRM 标准版", "code": "CRM-STD", "unit": "套",
                                                           "price": "19800", "category": "软件"}), 201)
    assert p["price"] == "19800.00" and p["on_sale"] is True
    problem(client.post(f"{API}/products", headers=h, json={"name": "x", "code": "CRM-STD", "price": 1}), 409,
            "product_code_taken")
    problem(client.post(f"{API}/products", headers=h, json={"name": "x", "price": "0.001"}), 422, "validation_error")
    problem(client.post(f"{API}/products", headers=world.headers("sales_east1"), json={"name": "x", "price": 1}),
            403, "forbidden")
    got = ok(client.patch(f"{API}/products/{p['id']}", headers=h, json={"on_sale": False, "price": "18800.5"}))
    assert got["on_sale"] is False and got["price"] == "18800.50"
    listed = ok(client.get(f"{API}/products", headers=world.headers("sales_east1"), params={"q": "crm-std"}))
    assert [x["id"] for x in listed["items"]] == [p["id"]]
    assert ok(client.get(f"{API}/products", headers=world.headers("sales_east1"), params={"on_sale": True}))["items"] \
        == []
    assert "软件" in ok(client.get(f"{API}/products/categories", headers=world.headers("sales_east1")))
    problem(client.get(f"{API}/products/{p['id']}", headers=other_world.headers("admin")), 404, "not_found")
    problem(client.patch(f"{API}/products/{p['id']}", headers=other_world.headers("admin"), json={"name": "x"}),
            404, "not_found")


def test_order_lines_cents_and_transitions(client, world):
    cid = world.customer(owner="sales_east1", name="启明教育")
    opp = opportunity(client, world, cid)
    a, b = product(client, world, price="0.10"), product(client, world, price="0.20")
    o = ok(new_order(client, world, cid, [{"product_id": a, "quantity": "1"}, {"product_id": b, "quantity": 1},
                                          {"product_id": a, "quantity": "3", "unit_price": "0.07"}],
                     discount="0.05", opportunity_id=opp["id"], remark="首单"), 201)
    assert o["status"] == "draft" and o["number"] == "DD000001"
    assert [x["amount"] for x in o["lines"]] == ["0.10", "0.20", "0.21"]
    assert (o["subtotal"], o["discount"], o["total"]) == ("0.51", "0.05", "0.46")
    assert o["lines"][2]["list_price"] == "0.10" and o["lines"][2]["unit_price"] == "0.07"
    # draft edits: lines replace, the discount may not exceed the subtotal
    problem(client.patch(f"{API}/orders/{o['id']}", headers=world.headers("sales_east1"), json={"discount": "0.52"}),
            422, "discount_too_large")
    o = ok(client.patch(f"{API}/orders/{o['id']}", headers=world.headers("sales_east1"),
                        json={"lines": [{"product_id": a, "quantity": "2.5", "unit_price": "0.33"}]}))
    assert o["lines"][0]["amount"] == "0.83" and o["total"] == "0.78"  # 2.5 × 0.33 = 0.825 → 0.83 (half up)
    problem(client.post(f"{API}/orders/{o['id']}/complete", headers=world.headers("sales_east1")), 409,
            "order_not_confirmed")
    ok(client.post(f"{API}/orders/{o['id']}/confirm", headers=world.headers("sales_east1")))
    problem(client.post(f"{API}/orders/{o['id']}/confirm", headers=world.headers("sales_east1")), 409, "order_state")
    problem(client.patch(f"{API}/orders/{o['id']}", headers=world.headers("sales_east1"), json={"remark": "x"}), 409,
            "order_locked")
    done = ok(client.post(f"{API}/orders/{o['id']}/complete", headers=world.headers("sales_east1")))
    assert done["status"] == "completed" and done["completed_at"]
    problem(client.post(f"{API}/orders/{o['id']}/cancel", headers=world.headers("sales_east1")), 409,
            "order_completed")
    # bad lines
    for lines, code in (([], "validation_error"), ([{"product_id": a, "quantity": "0"}], "validation_error"),
                        ([{"product_id": 2_000_000_000, "quantity": "1"}], "invalid_product")):
        problem(new_order(client, world, cid, lines, opportunity_id=opp["id"]), 422, code)
    off = product(client, world, on_sale=False)
    problem(new_order(client, world, cid, [{"product_id": off, "quantity": "1"}], opportunity_id=opp["id"]), 422,
            "product_off_sale")
    c2 = ok(new_order(client, world, cid, [{"product_id": a, "quantity": "1"}], opportunity_id=opp["id"]), 201)
    got = ok(client.post(f"{API}/orders/{c2['id']}/cancel", headers=world.headers("sales_east1"),
                         json={"reason": "客户取消"}))
    assert got["status"] == "cancelled" and got["cancel_reason"] == "客户取消"
    evs = events_of(world, cid)
    assert {"order_created", "order_updated", "order_confirmed", "order_completed", "order_cancelled"} <= set(evs)
    with world.db.transaction(world.tenant_id) as s:
        actions = set(s.scalars(sa.select(AuditEntry.action).where(AuditEntry.target_type == "order")))
    assert {"order.create", "order.update", "order.confirm", "order.complete", "order.cancel"} <= actions


def test_completing_makes_customer_won_and_records_purchases(client, world):
    cid = world.customer(owner="sales_east1")
    opp = opportunity(client, world, cid)
    p = product(client, world, price="0.10")
    assert customer_row(world, cid)[0] == "following"
    first = complete_order(client, world, cid, [{"product_id": p, "quantity": "1"}], opportunity_id=opp["id"],
                           deal_at="2026-10-01T02:00:00+00:00")
    pool, total, last, won_at = customer_row(world, cid)
    assert pool == "won" and total == Decimal("0.10") and won_at is not None
    assert last.isoformat().startswith("2026-10-01T02:00")
    assert "won" in events_of(world, cid)
    complete_order(client, world, cid, [{"product_id": p, "quantity": "2", "unit_price": "0.10"}],
                   opportunity_id=opp["id"], deal_at="2026-09-01T02:00:00+00:00")
    pool, total, last, won_at2 = customer_row(world, cid)
    assert total == Decimal("0.30") and last.isoformat().startswith("2026-10-01T02:00") and won_at2 == won_at
    assert events_of(world, cid).count("won") == 1
    # cancelled and draft orders do not count
    ok(new_order(client, world, cid, [{"product_id": p, "quantity": "100"}], opportunity_id=opp["id"]), 201)
    assert customer_row(world, cid)[1] == Decimal("0.30")
    summary = ok(client.get(f"{API}/customers/{cid}/sales-summary", headers=world.headers("sales_east1")))
    assert summary["total_purchase"] == "0.30" and summary["orders"] == {"completed": 2, "open": 1}
    assert first["number"] == "DD000001"
    # a won customer cannot be recycled or deleted (pool rules)
    r = client.post(f"{API}/customers/bulk/recycle", headers=world.headers("sales_east1"), json={"ids": [cid]})
    if r.status_code == 200:
        assert r.json()["results"][0]["code"] == "customer_won"


def test_restrict_off_new_order_must_link_opportunity(client, world):
    """Restriction off (the default): a new order names its opportunity; completing does not move it."""
    cid = world.customer(owner="sales_east1")
    p = product(client, world)
    problem(new_order(client, world, cid, [{"product_id": p, "quantity": "1"}]), 422, "opportunity_required")
    opp = opportunity(client, world, cid, amount="999")
    complete_order(client, world, cid, [{"product_id": p, "quantity": "1"}], opportunity_id=opp["id"])
    got = ok(client.get(f"{API}/opportunities/{opp['id']}", headers=world.headers("sales_east1")))
    assert got["status"] == "open" and got["amount"] == "999.00" and got["completed_orders_total"] == "100.00"
    # the opportunity of another customer, or a lost one, cannot be linked
    other = world.customer(owner="sales_east1")
    problem(new_order(client, world, other, [{"product_id": p, "quantity": "1"}], opportunity_id=opp["id"]), 422,
            "opportunity_mismatch")
    stages = ok(client.get(f"{API}/sales/stages", headers=world.headers("sales_east1")))
    lost = next(s["id"] for s in stages if s["kind"] == "lost")
    reason = ok(client.get(f"{API}/sales/lost-reasons", headers=world.headers("sales_east1")))[0]["id"]
    opp2 = opportunity(client, world, cid)
    ok(client.post(f"{API}/opportunities/{opp2['id']}/advance", headers=world.headers("sales_east1"),
                   json={"stage_id": lost, "note": "丢了", "lost_reason_id": reason}))
    problem(new_order(client, world, cid, [{"product_id": p, "quantity": "1"}], opportunity_id=opp2["id"]), 409,
            "opportunity_lost")
    # linked opportunities cannot be deleted
    problem(client.delete(f"{API}/opportunities/{opp['id']}", headers=world.headers("sales_east1")), 409,
            "opportunity_in_use")


def test_restrict_on_order_wins_the_opportunity(client, world):
    """As a new tenant would: the admin switches the restriction on; a sales rep creates an opportunity,
    cannot win it by hand, creates and completes an order; the opportunity is won with the order's total."""
    ok(client.patch(f"{API}/sales/settings", headers=world.headers("admin"), json={"restrict_manual_won": True}))
    cid = world.customer(owner="sales_east1")
    h = world.headers("sales_east1")
    opp = opportunity(client, world, cid, amount="50000")
    stages = ok(client.get(f"{API}/sales/stages", headers=h))
    won = next(s["id"] for s in stages if s["kind"] == "won")
    problem(client.post(f"{API}/opportunities/{opp['id']}/advance", headers=h,
                        json={"stage_id": won, "note": "签了"}), 409, "manual_won_restricted")
    p = product(client, world, price="0.10")
    # with the restriction on, orders may come without an opportunity too
    ok(new_order(client, world, cid, [{"product_id": p, "quantity": "1"}]), 201)
    o = ok(new_order(client, world, cid, [{"product_id": p, "quantity": "1"}], opportunity_id=opp["id"]), 201)
    ok(client.post(f"{API}/orders/{o['id']}/confirm", headers=h))
    still = ok(client.get(f"{API}/opportunities/{opp['id']}", headers=h))
    assert still["status"] == "open"  # a confirmed order does not win it
    ok(client.post(f"{API}/orders/{o['id']}/complete", headers=h))
    got = ok(client.get(f"{API}/opportunities/{opp['id']}", headers=h))
    assert got["status"] == "won" and got["amount"] == "0.10" and got["win_rate"] == 100
    assert got["amount_editable"] is False and got["stage_editable"] is False
    assert "opportunity_won" in events_of(world, cid)
    # a second completed order adds to the amount: 0.10 + 0.20
    complete_order(client, world, cid, [{"product_id": p, "quantity": "1", "unit_price": "0.20"}],
                   opportunity_id=opp["id"])
    assert ok(client.get(f"{API}/opportunities/{opp['id']}", headers=h))["amount"] == "0.30"
    problem(client.patch(f"{API}/opportunities/{opp['id']}", headers=h, json={"amount": "1"}), 409,
            "amount_read_only")
    problem(client.post(f"{API}/opportunities/{opp['id']}/advance", headers=world.headers("admin"),
                        json={"stage_id": stages[0]["id"], "note": "回退"}), 409, "opportunity_won_locked")


def test_restrict_on_completed_order_overrides_a_later_loss(client, world):
    """Restriction on: an opportunity marked lost while its order was under way is won when the order
    completes (the completed order is the deal)."""
    ok(client.patch(f"{API}/sales/settings", headers=world.headers("admin"), json={"restrict_manual_won": True}))
    cid = world.customer(owner="sales_east1")
    h = world.headers("sales_east1")
    opp = opportunity(client, world, cid)
    p = product(client, world, price="12.34")
    o = ok(new_order(client, world, cid, [{"product_id": p, "quantity": "2"}], opportunity_id=opp["id"]), 201)
    ok(client.post(f"{API}/orders/{o['id']}/confirm", headers=h))
    lost = next(x["id"] for x in ok(client.get(f"{API}/sales/stages", headers=h)) if x["kind"] == "lost")
    reason = ok(client.get(f"{API}/sales/lost-reasons", headers=h))[0]["id"]
    ok(client.post(f"{API}/opportunities/{opp['id']}/advance", headers=h,
                   json={"stage_id": lost, "note": "客户说不要了", "lost_reason_id": reason}))
    ok(client.post(f"{API}/orders/{o['id']}/complete", headers=h))
    got = ok(client.get(f"{API}/opportunities/{opp['id']}", headers=h))
    assert (got["status"], got["amount"], got["lost_reason"]) == ("won", "24.68", None)


def test_who_may_order(client, world):
    p = product(client, world)
    public = world.customer(pool="public", dept="east1")
    peer = world.customer(owner="sales_east1b")
    ok(client.patch(f"{API}/sales/settings", headers=world.headers("admin"), json={"restrict_manual_won": True}))
    problem(new_order(client, world, public, [{"product_id": p, "quantity": "1"}]), 403, "claim_first")
    problem(new_order(client, world, public, [{"product_id": p, "quantity": "1"}], who="manager_east1"), 409,
            "not_owned")
    problem(new_order(client, world, peer, [{"product_id": p, "quantity": "1"}]), 404, "not_found")  # self scope
    ok(new_order(client, world, peer, [{"product_id": p, "quantity": "1"}], who="manager_east1"), 201)
    problem(new_order(client, world, peer, [{"product_id": p, "quantity": "1"}], who="operator_east1"), 403,
            "forbidden")
    # staff: sales only themselves
    mine = world.customer(owner="sales_east1")
    problem(new_order(client, world, mine, [{"product_id": p, "quantity": "1"}],
                      staff_id=world.staff["sales_east1b"]), 422, "invalid_assignee")


def test_scope_and_other_tenant(client, world, other_world):
    p = product(client, world)
    ok(client.patch(f"{API}/sales/settings", headers=world.headers("admin"), json={"restrict_manual_won": True}))
    south = world.customer(owner="sales_south1")
    o = ok(new_order(client, world, south, [{"product_id": p, "quantity": "1"}], who="sales_south1"), 201)
    q = product(client, other_world)
    ok(client.patch(f"{API}/sales/settings", headers=other_world.headers("admin"), json={"restrict_manual_won": True}))
    theirs_c = other_world.customer(owner="sales_east1")
    theirs = ok(new_order(client, other_world, theirs_c, [{"product_id": q, "quantity": "1"}]), 201)
    for who, oid in (("sales_east1", o["id"]), ("manager_east1", o["id"]), ("admin", theirs["id"])):
        h = world.headers(who)
        for r in (client.get(f"{API}/orders/{oid}", headers=h),
                  client.patch(f"{API}/orders/{oid}", headers=h, json={"remark": "x"}),
                  client.post(f"{API}/orders/{oid}/confirm", headers=h),
                  client.post(f"{API}/orders/{oid}/complete", headers=h),
                  client.post(f"{API}/orders/{oid}/cancel", headers=h)):
            problem(r, 404, "not_found")
    for cid in (south, theirs_c):
        problem(client.get(f"{API}/customers/{cid}/orders", headers=world.headers("sales_east1")), 404, "not_found")
        problem(new_order(client, world, cid, [{"product_id": p, "quantity": "1"}]), 404, "not_found")
        problem(client.get(f"{API}/customers/{cid}/sales-summary", headers=world.headers("sales_east1")), 404,
                "not_found")
    # another tenant's product is not found on an order line
    mine = world.customer(owner="sales_east1")
    problem(new_order(client, world, mine, [{"product_id": q, "quantity": "1"}]), 422, "invalid_product")
    ids = {x["id"] for x in ok(client.get(f"{API}/orders", headers=world.headers("manager_east1")))["items"]}
    assert o["id"] not in ids and theirs["id"] not in ids
    ids = {x["id"] for x in ok(client.get(f"{API}/orders", headers=world.headers("admin")))["items"]}
    assert o["id"] in ids and theirs["id"] not in ids


def test_demo_sales_data_is_consistent(db):
    """The demo tenant has products, opportunities in every stage, orders, contracts and payments, and its
    numbers are what the product would have computed: purchases = Σ completed orders, won customers."""
    from huike.demo.seed import seed
    from huike.org.models import Tenant
    from huike.sales.models import (
        Contract,
        Opportunity,
        OpportunityStage,
        Order,
        Payment,
        PaymentPlan,
        Product,
    )

    code = f"d{uuid.uuid4().hex[:8]}"
    seed(db, code, customers=120)
    with db.transaction() as s:
        tenant_id = s.scalar(sa.select(Tenant.id).where(Tenant.code == code))
    with db.transaction(tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Product)) >= 10
        used = set(s.scalars(sa.select(Opportunity.stage_id).distinct()))
        assert used == set(s.scalars(sa.select(OpportunityStage.id)))  # every stage has opportunities
        statuses = set(s.scalars(sa.select(Order.status).distinct()))
        assert {"completed", "confirmed", "draft"} <= statuses
        assert s.scalar(sa.select(sa.func.count()).select_from(Contract)) >= 3
        assert s.scalar(sa.select(sa.func.count()).select_from(Payment)) >= 1
        for c in s.scalars(sa.select(Customer).where(Customer.total_purchase > 0)):
            done = s.scalar(sa.select(sa.func.sum(Order.total)).where(Order.customer_id == c.id,
                                                                      Order.status == "completed"))
            assert c.total_purchase == done and c.pool == "won" and c.won_at is not None
        # no contract is over-paid, no plan set exceeds its contract
        for k in s.scalars(sa.select(Contract)):
            paid = s.scalar(sa.select(sa.func.coalesce(sa.func.sum(Payment.amount), 0))
                            .where(Payment.contract_id == k.id))
            planned = s.scalar(sa.select(sa.func.coalesce(sa.func.sum(PaymentPlan.amount), 0))
                               .where(PaymentPlan.contract_id == k.id))
            assert Decimal(paid) <= k.amount and Decimal(planned) <= k.amount


def test_merge_carries_purchase_totals_to_the_master(client, world):
    """A merged duplicate's completed orders move to the master; both customers' totals follow exactly."""
    master = world.customer(owner="sales_east1")
    dup = world.customer(owner="sales_east1")
    p = product(client, world, price="0.10")
    for cid, qty in ((master, "1"), (dup, "2")):
        opp = opportunity(client, world, cid)
        complete_order(client, world, cid, [{"product_id": p, "quantity": qty}], opportunity_id=opp["id"])
    assert customer_row(world, master)[1] == Decimal("0.10") and customer_row(world, dup)[1] == Decimal("0.20")
    ok(client.post(f"{API}/customers/merge", headers=world.headers("admin"),
                   json={"master_id": master, "duplicate_ids": [dup]}))
    assert customer_row(world, master)[1] == Decimal("0.30")
    assert customer_row(world, dup)[1] == Decimal("0.00") and customer_row(world, dup)[2] is None


def test_customer_record_carries_purchase_totals(client, world):
    cid = world.customer(owner="sales_east1")
    p = product(client, world, price="0.10")
    opp = opportunity(client, world, cid)
    got = ok(client.get(f"{API}/customers/{cid}", headers=world.headers("sales_east1")))
    assert got["total_purchase"] == "0.00" and got["last_purchase_at"] is None
    complete_order(client, world, cid, [{"product_id": p, "quantity": "3"}], opportunity_id=opp["id"],
                   deal_at="2026-10-01T02:00:00+00:00")
    got = ok(client.get(f"{API}/customers/{cid}", headers=world.headers("sales_east1")))
    assert got["total_purchase"] == "0.30" and got["last_purchase_at"].startswith("2026-10-01T02:00")
