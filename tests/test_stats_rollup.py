"""The statistics rollup (stats.rollup) stays exactly `GROUP BY` over customers, whoever writes: the API's
creates and edits, claims, assigns, transfers, recycling (by hand and by rule), delete / restore, merge,
imports (insert and update), purges, Core and raw SQL writes; in two tenants written alternately on one
connection. On SQLite and PostgreSQL (as the non-owner role under row-level security)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from huike.customer.models import Customer
from huike.kit import clock
from huike.kit.db import set_tenant
from huike.stats import rollup
from tests.io_support import csv_bytes, import_file, mobile
from tests.work_support import API, ok

R, D = rollup.customer_rollup, rollup.customer_rollup_daily


def drift(world: Any) -> dict[str, int]:
    with world.db.transaction(world.tenant_id) as s:
        return rollup.drift(s)


def assert_exact(*worlds: Any) -> None:
    for w in worlds:
        assert drift(w) == {"rollup": 0, "daily": 0}


def bulk(client: Any, world: Any, who: str, action: str, **body: Any) -> dict[str, Any]:
    return ok(client.post(f"{API}/customers/bulk/{action}", json=body, headers=world.headers(who)))


def test_rollup_follows_every_writer(client, world, other_world):
    w, o = world, other_world
    h = w.headers("admin")
    assert_exact(w, o)
    # direct inserts (factory: ORM), every pool, with and without source / industry / owner
    ids = [w.customer(owner="sales_east1", source="抖音", industry="教育培训"),
           w.customer(owner="sales_east1b", acquired_via="assigned"),
           w.customer(pool="public", dept="south1", source="展会"),
           w.customer(pool="to_assign", dept="east1"),
           w.customer(pool="potential", dept="east2", industry="制造业"),
           w.customer(pool="won", owner="sales_south1", won_at=clock.now()),
           w.customer(owner="sales_east1", created_at=clock.now() - timedelta(days=40))]
    others = [o.customer(owner="sales_east1"), o.customer(pool="public")]
    assert_exact(w, o)
    # API create and edit (source, industry)
    created = ok(client.post(f"{API}/customers", headers=h, json={"name": "新客户", "phones": [mobile()]}), 201)
    ok(client.patch(f"{API}/customers/{created['id']}", headers=h,
                    json={"source": "展会", "industry": "制造业", "version": created["version"]}))
    assert_exact(w)
    # claims, assigns, transfers, mark-valid
    ok(client.post(f"{API}/customers/{ids[2]}/claim", headers=w.headers("sales_south1")))
    bulk(client, w, "operator_east1", "mark-valid", ids=[ids[4]])
    bulk(client, w, "admin", "assign", ids=[ids[3], ids[4]], assignee_ids=[w.staff["sales_east1"], w.staff["sales_east1b"]])
    bulk(client, w, "admin", "transfer", ids=[ids[0], ids[1]], owner_id=w.staff["sales_east1sub"])
    assert_exact(w, o)
    # recycle by hand, delete, restore, purge
    bulk(client, w, "admin", "recycle", ids=[ids[0], ids[6]], reason="测试")
    bulk(client, w, "admin", "delete", ids=[ids[1], ids[5]])
    bulk(client, w, "admin", "restore", ids=[ids[5]])
    assert_exact(w)
    bulk(client, w, "admin", "purge", ids=[ids[1]])
    assert_exact(w, o)
    # merge (the duplicates leave or go to the bin, whatever merge does: the rollup follows)
    m1 = w.customer(owner="sales_east1", source="展会")
    m2 = w.customer(owner="sales_east1b", industry="金融服务")
    ok(client.post(f"{API}/customers/merge", headers=h, json={"master_id": m1, "duplicate_ids": [m2]}))
    assert_exact(w)
    # imports: insert (COPY / INSERT … SELECT on PostgreSQL), then update of the same rows
    phones = [mobile() for _ in range(5)]
    rows = [["客户名称", "手机号", "来源", "行业"]] + [[f"导入{i}", p, "展会", "制造业"] for i, p in enumerate(phones)]
    job = import_file(client, w, csv_bytes(rows))
    assert job["created"] == 5, job
    rows = [["客户名称", "手机号", "来源", "行业"]] + [[f"导入{i}", p, "抖音", ""] for i, p in enumerate(phones)]
    job = import_file(client, w, csv_bytes(rows), on_duplicate="update")
    assert job["updated"] == 5, job
    assert_exact(w, o)
    # Core bulk updates and deletes, raw SQL; two tenants written alternately on one session
    s = w.db.session(w.tenant_id)
    try:
        with s.begin():
            s.execute(sa.update(Customer).where(Customer.pool == "following")
                      .values(industry="批量", won_at=clock.now()).execution_options(synchronize_session=False))
            set_tenant(s, o.tenant_id)
            s.execute(sa.update(Customer).where(Customer.id.in_(others)).values(pool="public", owner_id=None)
                      .execution_options(synchronize_session=False))
            set_tenant(s, w.tenant_id)
            s.execute(sa.text("UPDATE customers SET created_at = created_at - interval '3 days' WHERE id = :id"
                              if s.get_bind().dialect.name == "postgresql" else
                              "UPDATE customers SET created_at = datetime(created_at, '-3 days') WHERE id = :id"),
                      {"id": ids[2]})
    finally:
        s.close()
    assert_exact(w, o)
    # a recycle rule run (one guarded UPDATE over many rows)
    with w.db.transaction(w.tenant_id) as s2:
        from huike.pool import recycle

        recycle.run_tenant(s2, clock.now() + timedelta(days=400))
    assert_exact(w, o)
    # folding the log (PostgreSQL) changes no figure; then the rollup alone is the customers' count and
    # rows that reached 0 are gone
    from huike.worker import tasks

    tasks.compact_stats_rollup.call_local()
    assert_exact(w, o)
    with w.db.transaction(w.tenant_id) as s3:
        assert s3.scalar(sa.select(sa.func.count()).select_from(rollup.customer_rollup_delta)) == 0
        total = s3.scalar(sa.select(sa.func.sum(R.c.n)).where(R.c.tenant_id == w.tenant_id))
        assert total == s3.scalar(sa.select(sa.func.count()).select_from(Customer))
        assert s3.scalar(sa.select(sa.func.count()).select_from(R).where(R.c.tenant_id == w.tenant_id,
                                                                           R.c.n <= 0)) == 0
        assert s3.scalar(sa.select(sa.func.count()).select_from(D).where(D.c.tenant_id == w.tenant_id,
                                                                           D.c.n <= 0)) == 0


def test_rebuild_repairs_a_tenant(world, other_world):
    for _ in range(3):
        world.customer(owner="sales_east1")
    other_world.customer(owner="sales_east1")
    with world.db.transaction(world.tenant_id) as s:
        rollup.compact(s)  # PostgreSQL: the counts are in the log until folded
        s.execute(sa.update(R).where(R.c.tenant_id == world.tenant_id).values(n=R.c.n + 5))
        s.execute(sa.delete(D).where(D.c.tenant_id == world.tenant_id))
    assert drift(world)["rollup"] > 0 and drift(world)["daily"] > 0
    with world.db.transaction(world.tenant_id) as s:
        assert rollup.rebuild(s) == 3
    assert_exact(world, other_world)


def test_compaction_runs_every_minute():
    from datetime import datetime

    from huike.worker import queue

    for minute in (0, 1, 37):
        assert "compact_stats_rollup" in {t.name for t in queue.huey.read_periodic(datetime(2026, 1, 1, 3, minute))}


def test_writers_in_opposite_key_orders_do_not_wait_on_each_other(db, world, backend):
    """Two transactions each move two customers, in opposite key orders (one guarded UPDATE per customer,
    as assign and transfer do): counters updated in place would deadlock; the log never blocks."""
    import threading

    if backend != "postgres":
        return  # SQLite has one writer at a time
    a1, a2 = (world.customer(pool="public", dept="south1", source=src) for src in ("展会", "抖音"))
    b1, b2 = (world.customer(pool="public", dept="south1", source=src) for src in ("抖音", "展会"))
    owner = world.staff["sales_south1"]
    barrier = threading.Barrier(2, timeout=20)
    errors: list[BaseException] = []

    def work(first: int, second: int) -> None:
        s = db.session(world.tenant_id)
        try:
            with s.begin():
                s.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
                for i, cid in enumerate((first, second)):
                    s.execute(sa.update(Customer).where(Customer.id == cid).values(pool="following", owner_id=owner)
                              .execution_options(synchronize_session=False))
                    if i == 0:
                        barrier.wait()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=work, args=args) for args in ((a1, a2), (b1, b2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert_exact(world)
