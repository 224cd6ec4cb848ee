"""Exports (IMP-6): permission, data scope, pool + filter + q + columns, CSV and xlsx, formula
escaping, row cap, audit with filter and row count, job visibility, streaming in batches."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from huike.audit.models import AuditEntry
from tests.io_support import API, mobile, read_csv, read_xlsx


def _export(client, world, who="admin", **body):  # type: ignore[no-untyped-def]
    from huike.dataio.service.exports import run_job

    r = client.post(f"{API}/exports", headers=world.headers(who), json=body)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued"
    r = client.get(f"{API}/exports/{job['id']}/file", headers=world.headers(who))
    assert r.status_code == 409 and r.json()["code"] == "export_not_ready"
    assert run_job(world.db, world.tenant_id, job["id"]) == "done"
    job = client.get(f"{API}/exports/{job['id']}", headers=world.headers(who)).json()
    assert job["status"] == "done", job
    r = client.get(f"{API}/exports/{job['id']}/file", headers=world.headers(who))
    assert r.status_code == 200, r.text
    assert "attachment" in r.headers["content-disposition"]
    rows = read_csv(r.content) if body.get("format") == "csv" else read_xlsx(r.content)
    return job, rows


def test_permission_scope_filter_search_and_columns(client, world):
    mark = f"导出{uuid.uuid4().hex[:6]}"
    east = world.customer(name=f"{mark}东一", owner="sales_east1", company="东方公司", source="抖音")
    world.customer(name=f"{mark}东二", owner="sales_east1b", company="东方公司", source="展会")
    world.customer(name=f"{mark}南方", owner="sales_south1", company="南方公司", source="抖音")
    world.customer(name=f"{mark}潜在", pool="potential", dept="east2", source="抖音")
    # sales and department managers have no customer.export
    for who in ("sales_east1", "manager_east1"):
        r = client.post(f"{API}/exports", headers=world.headers(who), json={"pool": "all"})
        assert r.status_code == 403, who
    cols = ["name", "phones", "company", "owner", "source"]
    job, rows = _export(client, world, "director_east", pool="all", q=mark, columns=cols, format="csv")
    assert rows[0] == ["客户名称", "电话", "公司名称", "负责人", "来源"]
    assert sorted(r[0] for r in rows[1:]) == [f"{mark}东一", f"{mark}东二", f"{mark}潜在"]  # center scope
    assert job["rows"] == 3 and job["capped"] is False
    first = next(r for r in rows[1:] if r[0] == f"{mark}东一")
    assert first[3] == "sales_east1" and first[4] == "抖音" and len(first[1]) == 11
    flt = {"conditions": [{"field": "source", "op": "eq", "value": "抖音"}]}
    _, rows = _export(client, world, "admin", pool="following", q=mark, filter=flt, columns=cols, format="xlsx")
    assert sorted(r[0] for r in rows[1:]) == [f"{mark}东一", f"{mark}南方"]
    # the audit has the filter and the row count
    with world.db.transaction(world.tenant_id) as s:
        entry = s.scalars(sa.select(AuditEntry).where(AuditEntry.action == "customer.export")
                          .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.after["rows"] == 2 and entry.after["filter"]["conditions"][0]["value"] == "抖音"
    assert entry.after["q"] == mark and entry.actor_id == world.staff["admin"]
    # default columns: the caller's list view
    _, rows = _export(client, world, "admin", pool="all", q=f"{mark}东一", format="csv")
    assert rows[0][0] == "客户名称" and len(rows) == 2
    assert client.get(f"{API}/customers/{east}", headers=world.headers("admin")).status_code == 200


def test_xlsx_stops_at_the_sheet_limit(client, world, monkeypatch):
    """A sheet holds 1,048,576 rows: an xlsx export stops there (capped) whatever the tenant's cap."""
    from huike.dataio.service import exports

    mark = f"表满{uuid.uuid4().hex[:6]}"
    for i in range(4):
        world.customer(name=f"{mark}{i}", owner="sales_east1")
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    job, rows = _export(client, world, pool="all", q=mark, columns=["name", "owner"], format="xlsx")
    assert job["capped"] is True and job["rows"] == 3 and len(rows) == 4
    job, rows = _export(client, world, pool="all", q=mark, columns=["name", "owner"], format="csv")
    assert job["capped"] is False and job["rows"] == 4


def test_formula_cells_are_escaped_and_custom_fields_exported(client, world):
    h = world.headers("admin")
    assert client.post(f"{API}/settings/custom-fields", headers=h, json={
        "key": "budget", "label": "预算", "type": "money"}).status_code == 201
    mark = f"公式{uuid.uuid4().hex[:6]}"
    world.customer(name=f"{mark}", owner="sales_east1", company="=HYPERLINK(\"http://x\")", remark="+cmd|' /C calc'!A0",
                   address="@SUM(1)", wechat="-2+3", email="\tx@example.com", custom_fields={"budget": "1234.50"})
    cols = ["name", "company", "remark", "address", "wechat", "email", "cf.budget", "created_at"]
    for fmt in ("csv", "xlsx"):
        _, rows = _export(client, world, pool="all", q=mark, columns=cols, format=fmt)
        assert rows[0][-2] == "预算"
        row = rows[1]
        assert row[1] == "'=HYPERLINK(\"http://x\")" and row[2].startswith("'+") and row[3] == "'@SUM(1)"
        assert row[4] == "'-2+3" and row[5] == "'\tx@example.com" and row[6] == "1234.50"


def test_row_cap_cuts_the_file_and_says_so(client, world):
    mark = f"上限{uuid.uuid4().hex[:6]}"
    for i in range(7):
        world.customer(name=f"{mark}{i}", owner="sales_east1")
    h = world.headers("admin")
    assert client.patch(f"{API}/settings/io", headers=h, json={"export_row_cap": 5}).json()["export_row_cap"] == 5
    job, rows = _export(client, world, pool="all", q=mark, columns=["name"], format="csv")
    assert job["capped"] is True and job["rows"] == 5 and len(rows) == 6
    assert client.patch(f"{API}/settings/io", headers=h, json={"export_row_cap": 0}).status_code == 422


def test_batches_walk_the_whole_list(client, world):
    """Keyset batches: every row exactly once across batch boundaries."""
    from huike.authz.actor import Actor
    from huike.dataio.service import exports

    mark = f"批次{uuid.uuid4().hex[:6]}"
    ids = [world.customer(name=f"{mark}{i}", owner="sales_east1", phone=mobile()) for i in range(23)]
    with world.db.transaction(world.tenant_id) as s:
        from huike.auth.service import load_actor
        from huike.org.models import Employee

        actor: Actor = load_actor(s, s.get_one(Employee, world.staff["admin"]))
    got = [row[0] for batch in exports.batches(world.db, world.tenant_id, actor, "all", None, mark, ["name"], size=5)
           for row in batch]
    assert sorted(got) == sorted(f"{mark}{i}" for i in range(23)) and len(ids) == 23


def test_export_jobs_visibility_and_bad_requests(client, world, other_world):
    h = world.headers("director_east")
    r = client.post(f"{API}/exports", headers=h, json={"pool": "all", "columns": ["nope"]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_columns"
    r = client.post(f"{API}/exports", headers=h, json={"pool": "all", "filter": {"conditions": [
        {"field": "nope", "op": "eq", "value": 1}]}})
    assert r.status_code == 422 and r.json()["code"] == "invalid_filter"
    job = client.post(f"{API}/exports", headers=h, json={"pool": "all"}).json()
    assert client.get(f"{API}/exports/{job['id']}", headers=world.headers("admin")).status_code == 200
    assert client.get(f"{API}/exports/{job['id']}", headers=other_world.headers("admin")).status_code == 404
    assert client.get(f"{API}/exports/{job['id']}/file", headers=other_world.headers("admin")).status_code == 404
    assert client.get(f"{API}/exports/{job['id']}", headers=world.headers("manager_east1")).status_code == 403
    assert client.get(f"{API}/exports", headers=h).json()["items"][0]["id"] == job["id"]
    assert json.loads(json.dumps(job))["format"] == "xlsx"
