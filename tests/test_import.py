"""Imports (IMP-1…5, IMP-7): template, upload and mapping, rules, options, results, error report,
searchability of imported customers, one audit entry, job visibility."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from huike.audit.models import AuditEntry
from huike.customer.models import Customer
from huike.dictionary.models import CustomerFieldValue
from tests.io_support import (
    API,
    count_customers,
    csv_bytes,
    customers_by_phone,
    import_file,
    mobile,
    read_csv,
    read_xlsx,
    run,
    start,
    upload,
    xlsx_bytes,
)


def _field(client, world, key, label, type_, **extra):  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/settings/custom-fields", headers=world.headers("admin"),
                    json={"key": key, "label": label, "type": type_, **extra})
    assert r.status_code == 201, r.text
    return r.json()


# ---------------------------------------------------------------------------------------- IMP-1
def test_template_lists_fields_dropdowns_and_a_sample(client, world):
    import openpyxl

    _field(client, world, "budget", "预算", "money")
    _field(client, world, "product", "意向产品", "single", options=["CRM", "呼叫中心"])
    h = world.headers("admin")
    client.post(f"{API}/settings/dictionaries/industry", headers=h, json={"name": "新能源"})
    r = client.get(f"{API}/imports/template", headers=h)
    assert r.status_code == 200, r.text
    assert "attachment" in r.headers["content-disposition"]
    assert "%E5%AE%A2%E6%88%B7%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx" in r.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = wb["客户"]
    headers = [c.value for c in ws[1]]
    for label in ("客户名称", "手机号", "公司名称", "来源", "行业", "标签", "预算", "意向产品"):
        assert label in headers
    assert ws.cell(2, headers.index("手机号") + 1).value == "13800138000"
    options = wb["选项"]
    assert options.sheet_state == "hidden"
    columns = {options.cell(1, c).value: [options.cell(r_, c).value for r_ in range(2, options.max_row + 1)
                                          if options.cell(r_, c).value] for c in range(1, options.max_column + 1)}
    assert "新能源" in columns["行业"] and "百度推广" in columns["来源"] and "高意向" in columns["标签"]
    assert columns["意向产品"] == ["CRM", "呼叫中心"]
    sources = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    col = openpyxl.utils.get_column_letter(headers.index("行业") + 1)
    assert any(str(dv.sqref).startswith(f"{col}2") and "选项" in dv.formula1 for dv in sources)
    # sales may not import: no template either
    assert client.get(f"{API}/imports/template", headers=world.headers("sales_east1")).status_code == 403


def test_fields_catalog_has_system_and_custom_fields(client, world):
    _field(client, world, "grade", "年级", "text", required=True)
    items = client.get(f"{API}/imports/fields", headers=world.headers("operator_east1")).json()["items"]
    by_key = {i["key"]: i for i in items}
    assert by_key["phones"]["required"] is True and "手机" in by_key["phones"]["aliases"]
    assert by_key["cf.grade"]["required"] is True and by_key["cf.grade"]["label"] == "年级"
    assert "高意向" in by_key["tags"]["options"]


# ---------------------------------------------------------------------------------------- IMP-2
def test_upload_detects_encodings_and_maps_headers(client, world):
    p = mobile()
    rows = [["姓名", "手机", "公司", "客户来源", "说明", "无关列"], ["王五", p, "汇客科技", "百度推广", "备注", "x"]]
    for enc, name in (("utf-8-sig", "bom.csv"), ("utf-8", "plain.csv"), ("gbk", "gbk.csv"), ("gb18030", "gb.csv")):
        r = upload(client, world, csv_bytes(rows, enc), name)
        assert r.status_code == 201, (enc, r.text)
        job = r.json()
        assert job["status"] == "uploaded" and job["headers"] == rows[0], enc
        assert job["mapping"] == {"姓名": "name", "手机": "phones", "公司": "company", "客户来源": "source",
                                  "说明": "remark", "无关列": None}, enc
        assert job["sample"] == [rows[1]] and job["rows"] == 1 and job["mapping_source"] == "auto"
    assert count_customers(world) == 0  # nothing imported by an upload


def test_blank_header_cells_are_named_and_ignored(client, world):
    p = mobile()
    rows = [["手机号", "", "客户名称", ""], [p, "无名列的值", "空列客户", ""], [mobile(), "x", "", ""]]
    job = upload(client, world, csv_bytes(rows)).json()
    assert job["headers"] == ["手机号", "(空列2)", "客户名称"]
    assert job["mapping"] == {"手机号": "phones", "(空列2)": None, "客户名称": "name"}
    job = import_file(client, world, csv_bytes([*rows, ["坏号", "y", "z", ""]]))
    assert (job["created"], job["failed"]) == (2, 1)
    assert customers_by_phone(world, [p])[p].name == "空列客户"
    report = read_csv(client.get(f"{API}/imports/{job['id']}/errors", headers=world.headers("admin")).content)
    assert report[0] == ["手机号", "", "客户名称", "错误原因"] and report[1][:3] == ["坏号", "y", "z"]


def test_mapping_is_checked_and_saved_for_next_time(client, world):
    rows = [["联系人号码", "称呼", "Remark"], [mobile(), "赵六", "x"]]
    job = upload(client, world, csv_bytes(rows)).json()
    assert job["mapping"]["联系人号码"] is None and job["mapping"]["Remark"] == "remark"
    r = start(client, world, job)
    assert r.status_code == 422 and r.json()["code"] == "mapping_invalid"  # no phone column
    r = start(client, world, job, mapping={"联系人号码": "phones", "称呼": "name", "Remark": "name"})
    assert r.status_code == 422 and r.json()["code"] == "mapping_invalid"  # two headers → one field
    r = start(client, world, job, mapping={"联系人号码": "phones", "称呼": "name", "Remark": None})
    assert r.status_code == 202, r.text
    assert start(client, world, job).status_code == 409  # started once
    again = upload(client, world, csv_bytes(rows)).json()
    assert again["mapping_source"] == "saved"
    assert again["mapping"] == {"联系人号码": "phones", "称呼": "name", "Remark": None}


# ---------------------------------------------------------------------------------------- IMP-3/5
def test_rules_counts_and_error_report_then_fix_and_reimport(client, world):
    _field(client, world, "visit_on", "到访日期", "date")
    _field(client, world, "budget", "预算", "number")
    existing = mobile()
    world.customer(pool="potential", dept="office", phone=existing, name="老客户")
    good = [mobile() for _ in range(4)]
    bad_tag, bad_source, bad_date, dup = mobile(), mobile(), mobile(), mobile()
    rows = [
        ["客户名称", "手机号", "来源", "行业", "标签", "到访日期", "预算", "备注"],
        ["甲", good[0], "百度推广", "教育培训", "高意向,已加微信", "2024/1/5", "12.5", "=1+1"],
        ["乙", f"+86 {good[1][:3]} {good[1][3:7]} {good[1][7:]}", "", "", "", "2024-01-05", "", ""],
        ["丙", good[2], "", "", "", "2024年1月5日", "1,000", ""],
        ["", good[3], "", "", "", "", "", "名字为空"],
        ["丁", "12345", "", "", "", "", "", ""],
        ["戊", bad_tag, "", "", "不存在的标签", "", "", ""],
        ["己", bad_source, "朋友圈", "", "", "", "", ""],
        ["庚", bad_date, "", "", "", "2024/13/45", "", ""],
        ["辛", good[0], "", "", "", "", "", "文件内重复"],
        ["壬", existing, "", "", "", "", "", "已有客户"],
        ["癸", dup, "", "", "高意向,低意向", "", "", ""],
        ["子", "", "", "", "", "", "", "没有手机号"],
    ]
    job = import_file(client, world, csv_bytes(rows), "名单.csv", on_duplicate="skip")
    assert job["status"] == "done", job
    assert (job["created"], job["updated"], job["skipped"], job["failed"]) == (4, 0, 1, 7)
    assert job["total"] == job["processed"] == 12 and job["has_error_report"] is True
    got = customers_by_phone(world, good)
    assert {got[p].name for p in good} == {"甲", "乙", "丙", good[3]}  # an empty name becomes the phone
    assert all(c.pool == "potential" and c.acquired_via == "imported" and c.number for c in got.values())
    assert got[good[0]].source == "百度推广" and got[good[0]].industry == "教育培训"
    assert got[good[0]].remark == "=1+1"
    with world.db.transaction(world.tenant_id) as s:
        values = [(v.value_date, v.value_num) for v in s.scalars(sa.select(CustomerFieldValue).where(
            CustomerFieldValue.customer_id.in_([c.id for c in got.values()])))]
    assert (date(2024, 1, 5), None) in values and (None, Decimal("12.5")) in values
    assert (None, Decimal(1000)) in values
    assert sum(1 for v in values if v[0] == date(2024, 1, 5)) == 3

    r = client.get(f"{API}/imports/{job['id']}/errors", headers=world.headers("admin"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    report = read_csv(r.content)
    assert report[0] == [*rows[0], "错误原因"]
    failed = {row[1]: row for row in report[1:]}
    assert len(report) == 8
    for row in report[1:]:
        original = next(x for x in rows[1:] if x[1] == row[1] and x[0] == row[0])
        assert row[:-1] == original  # exactly as uploaded
    assert "手机号" in failed["12345"][-1] and "12345" in failed["12345"][-1]
    assert "标签" in failed[bad_tag][-1] and "不存在的标签" in failed[bad_tag][-1]
    assert "来源" in failed[bad_source][-1] and "朋友圈" in failed[bad_source][-1]
    assert "到访日期" in failed[bad_date][-1] and "2024/13/45" in failed[bad_date][-1]
    assert "第 2 行" in failed[good[0]][-1]
    assert "客户意向" in failed[dup][-1]
    assert "手机号" in failed[""][-1]

    # fix the report and import it again: only the fixed rows come in
    fixed = [report[0][:-1]]
    for row in report[1:]:
        row = row[:-1]
        if row[1] == "12345":
            row[1] = mobile()
        if row[1] == bad_tag:
            row[4] = "中意向"
        if row[1] == bad_source:
            row[2] = "抖音"
        if row[1] == bad_date:
            row[5] = "2024.2.3"
        if row[1] == dup:
            row[4] = "高意向"
        if row[1] == "":
            row[1] = mobile()
        fixed.append(row)
    again = import_file(client, world, csv_bytes(fixed), "名单_导入失败.csv", on_duplicate="skip")
    assert (again["created"], again["updated"], again["skipped"], again["failed"]) == (6, 0, 1, 0), again
    assert again["has_error_report"] is False
    assert client.get(f"{API}/imports/{again['id']}/errors", headers=world.headers("admin")).status_code == 404


def test_xlsx_cells_typed_numbers_and_dates(client, world):
    _field(client, world, "signed", "签约日", "date")
    _field(client, world, "seats", "座席数", "number")
    p1, p2 = mobile(), mobile()
    rows = [["客户名称", "电话", "签约日", "座席数", "地区"],
            ["数字手机", int(p1), date(2024, 3, 9), 25, "浙江省 / 杭州市"],
            ["文本手机", p2, "2024-03-10", 2.5, ""],
            ["坏日期", mobile(), "明天", 1, ""]]
    job = import_file(client, world, xlsx_bytes(rows), "客户.xlsx")
    assert (job["created"], job["failed"]) == (2, 1), job
    got = customers_by_phone(world, [p1, p2])
    assert got[p1].name == "数字手机" and got[p1].region == "浙江省/杭州市"
    r = client.get(f"{API}/customers/{got[p1].id}", headers=world.headers("admin")).json()
    assert r["custom_fields"]["signed"] == "2024-03-09" and r["custom_fields"]["seats"] == 25
    report = client.get(f"{API}/imports/{job['id']}/errors", headers=world.headers("admin"))
    assert report.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = read_xlsx(report.content)
    assert sheet[0] == [*rows[0], "错误原因"]
    assert sheet[1][0] == "坏日期" and sheet[1][2] == "明天" and "签约日" in sheet[1][-1]


# ---------------------------------------------------------------------------------------- IMP-4
def test_pools_owners_round_robin_and_permissions(client, world):
    owners = [world.staff["sales_east1"], world.staff["sales_east1b"]]
    phones = [mobile() for _ in range(5)]
    data = csv_bytes([["客户名称", "手机号"], *[[f"轮询{i}", p] for i, p in enumerate(phones)]])
    job = import_file(client, world, data, pool="following", owner_ids=owners, who="manager_east1")
    assert job["created"] == 5, job
    got = customers_by_phone(world, phones)
    assert [got[p].owner_id for p in phones] == [owners[0], owners[1], owners[0], owners[1], owners[0]]
    assert all(got[p].pool == "following" and got[p].department_id == world.units["east1"] for p in phones)

    job = upload(client, world, data, who="manager_east1").json()
    # following needs owners; an owner outside the manager's department is refused
    assert start(client, world, job, "manager_east1", pool="following").json()["code"] == "owner_required"
    r = start(client, world, job, "manager_east1", pool="following", owner_ids=[world.staff["sales_south1"]])
    assert r.status_code == 422 and r.json()["code"] == "invalid_owner"
    # public pool
    pub = [mobile(), mobile()]
    job = import_file(client, world, csv_bytes([["手机号"], [pub[0]], [pub[1]]]), pool="public")
    got = customers_by_phone(world, pub)
    assert all(c.pool == "public" and c.public_pool_id for c in got.values())
    # sales have no customer.import
    r = upload(client, world, data, who="sales_east1")
    assert r.status_code == 403


def test_duplicates_update_only_present_fields_where_editable(client, world):
    _field(client, world, "note2", "补充", "text")
    mine, south, binned = mobile(), mobile(), mobile()
    a = world.customer(pool="following", owner="sales_east1", phone=mine, name="原名", company="原公司",
                       source="抖音", tags=["低意向"])
    b = world.customer(pool="following", owner="sales_south1", phone=south, name="南方客户")
    world.customer(pool="recycle_bin", owner="sales_east1", phone=binned, name="回收站客户")
    version = client.get(f"{API}/customers/{a}", headers=world.headers("admin")).json()["version"]
    rows = [["手机号", "客户名称", "公司名称", "标签", "补充"],
            [mine, "新名", "", "高意向", "加一段"],
            [south, "不该改", "", "", ""],
            [binned, "也不该改", "", "", ""]]
    job = import_file(client, world, csv_bytes(rows), on_duplicate="update", who="manager_east1")
    assert (job["created"], job["updated"], job["skipped"], job["failed"]) == (0, 1, 0, 2), job
    r = client.get(f"{API}/customers/{a}", headers=world.headers("admin")).json()
    assert r["name"] == "新名" and r["company"] == "原公司" and r["source"] == "抖音"  # empty cells keep values
    assert r["tags"] == ["高意向"] and r["custom_fields"]["note2"] == "加一段" and r["version"] == version + 1
    assert r["pool"] == "following" and r["owner_id"] == world.staff["sales_east1"]
    assert client.get(f"{API}/customers/{b}", headers=world.headers("admin")).json()["name"] == "南方客户"
    report = read_csv(client.get(f"{API}/imports/{job['id']}/errors", headers=world.headers("manager_east1")).content)
    reasons = {row[0]: row[-1] for row in report[1:]}
    assert "无权" in reasons[south] and "回收站" in reasons[binned]
    # skip leaves the customer alone
    job = import_file(client, world, csv_bytes([["手机号", "客户名称"], [mine, "再改"]]), on_duplicate="skip")
    assert (job["skipped"], job["updated"]) == (1, 0)
    assert client.get(f"{API}/customers/{a}", headers=world.headers("admin")).json()["name"] == "新名"


# ---------------------------------------------------------------------------------------- find
def test_imported_customers_are_searchable_and_filterable_like_created_ones(client, world):
    _field(client, world, "school", "学校", "single", options=["北大", "清华"])
    p_import, p_api = mobile(), mobile()
    job = import_file(client, world, csv_bytes([["客户名称", "手机号", "公司名称", "标签", "学校"],
                                                ["欧阳锋导入", p_import, "白驼山庄", "需回访", "清华"]]))
    assert job["created"] == 1
    r = client.post(f"{API}/customers", headers=world.headers("admin"), json={
        "name": "欧阳克新建", "phones": [p_api], "company": "白驼山庄", "pool": "potential", "tags": ["需回访"],
        "custom_fields": {"school": "清华"}})
    assert r.status_code == 201, r.text
    h = world.headers("admin")

    def names(**params):  # type: ignore[no-untyped-def]
        r = client.get(f"{API}/customers", headers=h, params={"pool": "all", **params})
        assert r.status_code == 200, r.text
        return sorted(c["name"] for c in r.json()["items"])

    both = ["欧阳克新建", "欧阳锋导入"]
    assert names(q="欧阳") == both
    assert names(q="白驼山") == both
    assert names(q="ouyang") == both
    assert names(q=p_import[-6:]) == ["欧阳锋导入"]
    assert names(filter=json.dumps({"conditions": [{"field": "cf.school", "op": "eq", "value": "清华"}]})) == both
    assert names(filter=json.dumps({"conditions": [{"field": "tags", "op": "contains", "value": ["需回访"]}]})) == both


# ---------------------------------------------------------------------------------------- audit, jobs
def test_one_audit_entry_per_import_with_counts(client, world):
    phones = [mobile() for _ in range(30)]
    job = import_file(client, world, csv_bytes([["手机号"], *[[p] for p in phones], ["坏号码"]]))
    with world.db.transaction(world.tenant_id) as s:
        entries = list(s.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("customer.%"))))
    assert [e.action for e in entries] == ["customer.import"]
    assert entries[0].target_id == str(job["id"])
    assert entries[0].after["created"] == 30 and entries[0].after["failed"] == 1
    assert entries[0].actor_id == world.staff["admin"]


def test_jobs_are_seen_by_their_owner_and_admins_only(client, world, other_world):
    data = csv_bytes([["手机号"], [mobile()]])
    job = upload(client, world, data, who="operator_east1").json()
    h_op, h_dir = world.headers("operator_east1"), world.headers("director_east")
    assert client.get(f"{API}/imports/{job['id']}", headers=h_op).status_code == 200
    assert client.get(f"{API}/imports/{job['id']}", headers=h_dir).status_code == 404
    assert client.get(f"{API}/imports/{job['id']}", headers=world.headers("admin")).status_code == 200
    assert client.get(f"{API}/imports/{job['id']}", headers=other_world.headers("admin")).status_code == 404
    assert start(client, world, job, "director_east").status_code == 404
    assert start(client, other_world, job, "admin").status_code == 404
    assert client.get(f"{API}/imports", headers=h_op).json()["items"][0]["id"] == job["id"]
    assert job["id"] not in [j["id"] for j in client.get(f"{API}/imports", headers=h_dir).json()["items"]]
    assert start(client, world, job, "operator_east1").status_code == 202
    running = client.get(f"{API}/imports/{job['id']}", headers=h_op).json()
    assert running["status"] == "queued" and running["processed"] == 0
    assert run(world, job["id"]) == "done"
    assert run(world, job["id"]) == "skipped"  # a second delivery of the job does nothing
    done = client.get(f"{API}/imports/{job['id']}", headers=h_op).json()
    assert done["status"] == "done" and done["created"] == 1 and done["processed"] == 1


def test_required_custom_field_and_source_setting(client, world):
    _field(client, world, "idcard", "证件号", "text", required=True)
    h = world.headers("admin")
    assert client.patch(f"{API}/settings/io", headers=h, json={"source_required": True}).status_code == 200
    job = upload(client, world, csv_bytes([["手机号", "证件号"], [mobile(), "1"]])).json()
    r = start(client, world, job)
    assert r.status_code == 422 and r.json()["code"] == "mapping_invalid"  # 来源 is required now
    p1, p2 = mobile(), mobile()
    job = import_file(client, world, csv_bytes([["手机号", "证件号", "来源"], [p1, "1", "抖音"], [p2, "", "抖音"],
                                                [mobile(), "2", ""]]))
    assert (job["created"], job["failed"]) == (1, 2), job
    assert client.patch(f"{API}/settings/io", headers=world.headers("operator_east1"),
                        json={"source_required": False}).status_code == 403
    with world.db.transaction(world.tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1


# ---------------------------------------------------------------------------------------- IMP-7 crash / resume
def _worker(world, job_id: int, crash_at: str = "", chunk: int = 10, wait: bool = True):  # type: ignore[no-untyped-def]
    """Run the import job in another process, the way a Huey worker would; `crash_at` kills it there."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "HUIKE_DATABASE_URL": world.db.url, "HUIKE_JOBS_PATH": world.db.settings.jobs_path,
           "HUIKE_VAR_DIR": world.db.settings.var_dir, "HUIKE_SECRET_KEY": "test-secret",
           "HUIKE_IO_CHUNK": str(chunk), "HUIKE_IO_CRASH_AT": crash_at}
    code = ("import sys; from huike.kit.db import Database; from huike.dataio.service.imports import run_job; "
            "print(run_job(Database(), int(sys.argv[1]), int(sys.argv[2])))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(world.tenant_id), str(job_id)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if wait:
        proc.wait(timeout=120)
    return proc


def _state(client, world, job_id, phones):  # type: ignore[no-untyped-def]
    job = client.get(f"{API}/imports/{job_id}", headers=world.headers("admin")).json()
    with world.db.transaction(world.tenant_id) as s:
        from huike.customer.models import CustomerPhone

        n = s.scalar(sa.select(sa.func.count()).select_from(CustomerPhone).where(CustomerPhone.phone.in_(phones)))
        audits = s.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "customer.import", AuditEntry.target_id == str(job_id)))
        searchable = s.scalar(sa.text("SELECT count(*) FROM customer_search cs JOIN customer_phones p "
                                      "ON p.customer_id = cs.customer_id WHERE p.tenant_id = :t"),
                              {"t": world.tenant_id})
    return job, n, audits, searchable


def test_killed_worker_leaves_nothing_and_resumes_exactly_once(client, world):
    from huike.dataio.service.imports import resume_stale

    phones = [mobile() for _ in range(45)]
    data = csv_bytes([["客户名称", "手机号"], *[[f"断点{i}", p] for i, p in enumerate(phones)], ["坏", "1"]])
    job = upload(client, world, data).json()
    assert start(client, world, job).status_code == 202
    for point in ("after_claim", "chunk:3", "before_commit"):
        proc = _worker(world, job["id"], point)
        assert proc.returncode == 137, (point, proc.stderr.read().decode()[-2000:])
        state, n, audits, searchable = _state(client, world, job["id"], phones)
        assert state["status"] == "running" and n == 0 and audits == 0 and searchable == 0, (point, state)
        assert state["created"] == 0
        if point == "chunk:3":
            assert state["processed"] == 30  # live progress of the attempt that died
    stale = resume_stale(world.db, stale_seconds=0, enqueue=False)
    assert (world.tenant_id, job["id"]) in stale
    proc = _worker(world, job["id"])
    assert proc.returncode == 0 and proc.stdout.read().decode().strip() == "done"
    state, n, audits, searchable = _state(client, world, job["id"], phones)
    assert (state["status"], state["created"], state["failed"], n, audits, searchable) == ("done", 45, 1, 45, 1, 45)
    # crash right after the commit: the import stands; a re-run changes nothing
    assert _worker(world, job["id"]).stdout.read().decode().strip() == "skipped"
    assert (world.tenant_id, job["id"]) not in resume_stale(world.db, stale_seconds=0, enqueue=False)
    assert _state(client, world, job["id"], phones)[1:] == (45, 1, 45)


def test_crash_after_commit_keeps_the_whole_import(client, world):
    phones = [mobile() for _ in range(12)]
    job = upload(client, world, csv_bytes([["手机号"], *[[p] for p in phones]])).json()
    start(client, world, job)
    assert _worker(world, job["id"], "after_commit").returncode == 137
    state, n, audits, _ = _state(client, world, job["id"], phones)
    assert (state["status"], state["created"], n, audits) == ("done", 12, 12, 1)


def test_sigkill_at_a_random_moment_is_all_or_nothing(client, world):
    import random
    import time

    from huike.dataio.service.imports import run_job

    phones = [mobile() for _ in range(3000)]
    job = upload(client, world, csv_bytes([["客户名称", "手机号"], *[[f"随机{i}", p] for i, p in enumerate(phones)]])).json()
    start(client, world, job)
    proc = _worker(world, job["id"], chunk=100, wait=False)
    time.sleep(random.uniform(0.5, 2.5))
    proc.kill()
    proc.wait(timeout=60)
    state, n, audits, _ = _state(client, world, job["id"], phones)
    assert (n, audits) in ((0, 0), (3000, 1)), (state, n)  # never half
    if state["status"] != "done":
        assert run_job(world.db, world.tenant_id, job["id"]) == "done"
    state, n, audits, _ = _state(client, world, job["id"], phones)
    assert (state["status"], state["created"], n, audits) == ("done", 3000, 3000, 1)


# ---------------------------------------------------------------------------------------- CLI
def test_cli_template_import_and_export(world, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from huike.cli import app
    from huike.config import get_settings

    monkeypatch.setenv("HUIKE_DATABASE_URL", world.db.url)
    monkeypatch.setenv("HUIKE_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["import-template", "--tenant", world.code, "-o", str(tmp_path / "t.xlsx")])
        assert r.exit_code == 0, r.output
        assert read_xlsx((tmp_path / "t.xlsx").read_bytes())[0][:2] == ["客户名称", "手机号"]
        phones = [mobile() for _ in range(3)]
        src = tmp_path / "名单.csv"
        src.write_bytes(csv_bytes([["客户名称", "手机"], *[[f"命令行{i}", p] for i, p in enumerate(phones)], ["坏", "x"]],
                                  "gbk"))
        report = tmp_path / "errors.csv"
        r = runner.invoke(app, ["import", str(src), "--tenant", world.code, "--pool", "following",
                                "--owner", "sales_east1", "--report", str(report)])
        assert r.exit_code == 0, r.output
        assert "新增 3" in r.output and "失败 1" in r.output
        assert read_csv(report.read_bytes())[1][:2] == ["坏", "x"]
        got = customers_by_phone(world, phones)
        assert all(c.owner_id == world.staff["sales_east1"] for c in got.values())
        out = tmp_path / "out.csv"
        flt = json.dumps({"conditions": [{"field": "owner", "op": "eq", "value": world.staff["sales_east1"]}]})
        r = runner.invoke(app, ["export", "--tenant", world.code, "--pool", "following", "--filter", flt, "-o", str(out)])
        assert r.exit_code == 0, r.output
        assert sorted(row[0] for row in read_csv(out.read_bytes())[1:]) == ["命令行0", "命令行1", "命令行2"]
        r = runner.invoke(app, ["import", str(src), "--tenant", "no-such-tenant"])
        assert r.exit_code == 1
    finally:
        get_settings.cache_clear()
