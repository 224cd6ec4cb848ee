"""Import and export in the web UI (IMP-1…7): template download, upload with a header fixed by hand, progress,
counts and the error report; export of a filtered list; no import/export for a salesperson.

Runs against a real `huike serve` on a freshly seeded demo database (fixtures in conftest.py), SQLite and
PostgreSQL; selectors are the UI's data-testid attributes.
"""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

PHONE_HEADER = "联系手机（主）"  # not a label or alias of any field: mapped by hand in the UI


def _console_errors(page: Page) -> list[str]:
    """Script errors and failed requests, except the 4xx answers a test provokes on purpose."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _csrf(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "huike_csrf")


def _api(page: Page, method: str, path: str, body: Any = None) -> Any:
    """A call of the JSON API with the browser's session (and its CSRF token for writes)."""
    headers = {"X-CSRF-Token": _csrf(page), "Content-Type": "application/json"} if method != "GET" else {}
    r = page.request.fetch(f"/api/v1{path}", method=method, headers=headers,
                           data=json.dumps(body) if body is not None else None)
    assert r.ok, f"{method} {path}: {r.status} {r.text()}"
    return r.json()


def _phone() -> str:
    return "139" + "".join(random.choice("0123456789") for _ in range(8))


def _download(page: Page, testid: str, dest: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_test_id(testid).click()
    info.value.save_as(dest)
    return dest


def _options(wb: Any) -> dict[str, list[str]]:
    """The template's dropdown lists (hidden sheet 选项: a label in row 1, the values below)."""
    sheet = wb["选项"]
    out: dict[str, list[str]] = {}
    for col in sheet.iter_cols(values_only=True):
        if col and col[0]:
            out[str(col[0])] = [str(v) for v in col[1:] if v is not None]
    return out


def _pick_option(page: Page, row: int, key: str) -> None:
    page.get_by_test_id(f"import-map-{row}").click()
    page.locator(f".import-field-popper-{row}").get_by_test_id(f"import-field-option-{key}").click()


def test_admin_imports_the_template_fixes_a_header_and_reads_the_error_report(page: Page, tmp_path: Path) -> None:
    errors = _console_errors(page)
    token = uuid.uuid4().hex[:6]
    login(page, "admin")

    # the 导入 button of the customer list leads to the import page (its pool preselected)
    page.goto("/customers/potential")
    page.get_by_test_id("customer-import").click()
    page.wait_for_url("**/customers/import?pool=potential")
    expect(page.get_by_test_id("page-title")).to_have_text("导入客户")

    # 1. the template: the system's headers, dropdowns holding the tenant's current values
    tpl = load_workbook(_download(page, "import-template", tmp_path / "template.xlsx"))
    sheet = tpl.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for h in ("客户名称", "手机号", "公司名称", "来源", "行业", "标签", "备注"):
        assert h in headers, headers
    options = _options(tpl)
    dicts = _api(page, "GET", "/settings/dictionaries")
    tenant_tags = {t["name"] for g in dicts["tags"]["groups"] for t in g["tags"]}
    assert set(options["标签"]) == tenant_tags
    assert options["来源"] and options["行业"]
    assert sheet.data_validations.dataValidation, "the template has no dropdowns"
    source, industry, tag = options["来源"][0], options["行业"][0], options["标签"][0]

    # 2. fill it: good rows, bad rows, a duplicate inside the file and one of an existing customer
    existing = _api(page, "GET", "/customers?pool=following&limit=1")["items"][0]
    good = [_phone(), _phone(), _phone()]
    bad_phone_name, bad_tag_name, bad_source_name, dup_name = (f"{x}{token}" for x in ("错号", "错标签", "错来源", "重复"))
    rows = [
        {"客户名称": f"导入甲{token}", "手机号": good[0], "来源": source, "行业": industry, "标签": tag},
        {"客户名称": f"导入乙{token}", "手机号": good[1], "来源": source, "公司名称": "乙公司"},
        {"客户名称": f"导入丙{token}", "手机号": f"+86 {good[2][:3]} {good[2][3:7]} {good[2][7:]}"},
        {"客户名称": bad_phone_name, "手机号": "12345"},
        {"客户名称": bad_tag_name, "手机号": _phone(), "标签": f"没有的标签{token}"},
        {"客户名称": bad_source_name, "手机号": _phone(), "来源": f"火星{token}"},
        {"客户名称": dup_name, "手机号": good[0]},
        {"客户名称": existing["name"], "手机号": existing["phones"][0], "备注": f"导入更新{token}"},
    ]
    sheet.delete_rows(2, sheet.max_row)  # the sample row
    for i, r in enumerate(rows, start=2):
        for h, v in r.items():
            sheet.cell(i, headers.index(h) + 1, v)
    phone_col = headers.index("手机号")
    sheet.cell(1, phone_col + 1, PHONE_HEADER)
    upload_path = tmp_path / f"客户{token}.xlsx"
    tpl.save(upload_path)

    # a file that is no spreadsheet is refused with a readable reason
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"this is not a spreadsheet")
    file_input = page.get_by_test_id("import-upload").locator("input[type=file]")
    file_input.set_input_files(fake)
    rejected = page.get_by_test_id("import-upload-error")
    expect(rejected).to_be_visible()
    expect(rejected).to_contain_text("文件无法导入")
    assert len(rejected.inner_text().strip()) > len("文件无法导入") + 4
    expect(page.get_by_test_id("import-step-upload")).to_be_visible()

    # 3. upload: the mapping step proposes a mapping; the renamed phone header is not matched
    file_input.set_input_files(upload_path)
    expect(page.get_by_test_id("import-step-mapping")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("import-filename")).to_have_text(upload_path.name)
    expect(page.get_by_test_id("import-header-0")).to_have_text("客户名称")
    expect(page.get_by_test_id(f"import-header-{phone_col}")).to_have_text(PHONE_HEADER)
    expect(page.get_by_test_id(f"import-state-{phone_col}")).to_have_text("不导入")
    expect(page.get_by_test_id("import-missing-required")).to_contain_text("手机号")
    expect(page.get_by_test_id("import-start")).to_be_disabled()
    expect(page.get_by_test_id("import-preview")).to_contain_text(f"导入甲{token}")

    # map it by hand; mapping a second header to the same field is flagged and blocks the start
    _pick_option(page, phone_col, "phones")
    expect(page.get_by_test_id("import-missing-required")).to_be_hidden()
    expect(page.get_by_test_id(f"import-state-{phone_col}")).to_have_text("已匹配")
    company_col = headers.index("公司名称")
    _pick_option(page, company_col, "phones")
    expect(page.get_by_test_id("import-mapped-twice")).to_be_visible()
    expect(page.get_by_test_id(f"import-state-{company_col}")).to_have_text("重复匹配")
    expect(page.get_by_test_id("import-start")).to_be_disabled()
    _pick_option(page, company_col, "company")
    expect(page.get_by_test_id("import-mapped-twice")).to_be_hidden()

    # options: into 跟进中 with an owner, duplicates update the existing customer
    page.get_by_test_id("import-pool-following").click()
    expect(page.get_by_test_id("import-start")).to_be_disabled()  # following needs an owner
    page.get_by_test_id("import-owners-select").click()
    page.locator(".import-owners-popper").get_by_test_id("import-owners-option-sales02").click()
    expect(page.get_by_test_id("import-owners-item")).to_have_count(1)
    page.get_by_test_id("import-dup-update").click()
    expect(page.get_by_test_id("import-start")).to_be_enabled()
    page.get_by_test_id("import-start").click()

    # 4. progress reaches 100 %, then the counts
    expect(page.get_by_test_id("import-step-result")).to_be_visible()
    expect(page.get_by_test_id("import-result")).to_be_visible(timeout=60_000)
    bar = page.get_by_test_id("import-progress-bar")
    expect(bar).to_have_attribute("data-percent", "100")
    expect(page.get_by_test_id("import-count-created-value")).to_have_text("3")
    expect(page.get_by_test_id("import-count-updated-value")).to_have_text("1")
    expect(page.get_by_test_id("import-count-skipped-value")).to_have_text("0")
    expect(page.get_by_test_id("import-count-failed-value")).to_have_text("4")

    # 5. the error report: the failed rows as uploaded, plus the reason naming column and value
    report = load_workbook(_download(page, "import-error-report", tmp_path / "report.xlsx")).worksheets[0]
    got = [list(r) for r in report.iter_rows(values_only=True)]
    assert got[0][:-1] == [*headers[:phone_col], PHONE_HEADER, *headers[phone_col + 1:]]
    assert got[0][-1] == "错误原因"
    reasons = {r[0]: str(r[-1]) for r in got[1:]}
    assert set(reasons) == {bad_phone_name, bad_tag_name, bad_source_name, dup_name}, reasons
    assert PHONE_HEADER in reasons[bad_phone_name] and "12345" in reasons[bad_phone_name]
    assert f"没有的标签{token}" in reasons[bad_tag_name] and "标签" in reasons[bad_tag_name]
    assert f"火星{token}" in reasons[bad_source_name] and "来源" in reasons[bad_source_name]
    assert "重复" in reasons[dup_name]
    bad_row = next(r for r in got[1:] if r[0] == bad_phone_name)
    assert str(bad_row[phone_col]) == "12345"  # as uploaded

    # the customers are there, owned by the chosen owner; the existing one was updated
    found = _api(page, "GET", f"/customers?pool=following&q={token}&limit=50")["items"]
    assert sorted(c["name"] for c in found) == sorted(f"导入{x}{token}" for x in "甲乙丙")
    assert {c["owner_name"] for c in found} == {"向婷婷"}
    assert any(good[2] in c["phones"] for c in found)  # +86 and spaces normalised
    assert _api(page, "GET", f"/customers/{existing['id']}")["remark"] == f"导入更新{token}"

    # the history lists the import with its counts and its report
    history = page.get_by_test_id("import-history")
    row = history.locator("tr.el-table__row").filter(has_text=upload_path.name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("已完成")
    expect(row.locator("[data-testid^=import-history-report-]")).to_be_visible()
    assert errors == [], errors


def test_admin_exports_the_filtered_list(page: Page, tmp_path: Path) -> None:
    errors = _console_errors(page)
    token = uuid.uuid4().hex[:6]
    login(page, "admin")
    dicts = _api(page, "GET", "/settings/dictionaries")
    sources = [i["name"] for i in dicts["source"]["items"] if i["is_active"]]
    src, other = sources[0], sources[1]
    names = {f"导出{x}{token}": s for x, s in (("甲", src), ("乙", src), ("丙", other))}
    for name, s in names.items():
        _api(page, "POST", "/customers", {"name": name, "phones": [_phone()], "pool": "potential", "source": s})

    flt = {"logic": "and", "conditions": [{"field": "source", "op": "eq", "value": src}]}
    page.goto(f"/customers/all?q={token}&filter={quote(json.dumps(flt, ensure_ascii=False))}")
    rows = page.get_by_test_id("customer-table").locator(".el-table__body tr.el-table__row")
    expect(rows).to_have_count(2)

    for fmt in ("xlsx", "csv"):
        page.get_by_test_id("customer-export").click()
        dialog = page.get_by_test_id("export-dialog")
        expect(dialog).to_be_visible()
        expect(page.get_by_test_id("export-scope-q")).to_have_text(token)
        expect(page.get_by_test_id("export-scope-filter")).to_contain_text("1")
        page.get_by_test_id(f"export-format-{fmt}").click()
        page.get_by_test_id("export-start").click()
        expect(page.get_by_test_id("export-done")).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("export-done")).to_contain_text("2")
        path = _download(page, "export-download", tmp_path / f"export.{fmt}")
        if fmt == "xlsx":
            table = [list(r) for r in load_workbook(path).worksheets[0].iter_rows(values_only=True)]
        else:
            table = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
        head = table[0]
        assert "客户名称" in head and "来源" in head, head
        got = {r[head.index("客户名称")]: r[head.index("来源")] for r in table[1:]}
        assert got == {f"导出甲{token}": src, f"导出乙{token}": src}, got
        page.get_by_test_id("export-close").click()
        expect(dialog).to_be_hidden()

    # every export is audited, with what was exported
    audit = _api(page, "GET", "/audit?action=customer.export&limit=50")["items"]
    mine = [a for a in audit if a["action"] == "customer.export" and (a.get("after") or {}).get("q") == token]
    assert sorted(a["after"]["format"] for a in mine) == ["csv", "xlsx"], audit
    assert all(a["after"]["rows"] == 2 for a in mine)
    assert errors == [], errors


def test_salesperson_cannot_import_or_export(page: Page) -> None:
    errors = _console_errors(page)
    login(page, "sales01")
    page.goto("/customers/all")
    expect(page.get_by_test_id("customer-table")).to_be_visible()
    expect(page.get_by_test_id("customer-new")).to_be_visible()  # the toolbar is there…
    expect(page.get_by_test_id("customer-import")).to_have_count(0)  # …without import and export
    expect(page.get_by_test_id("customer-export")).to_have_count(0)
    expect(page.locator(".sidebar").get_by_text("导入客户")).to_have_count(0)

    page.goto("/customers/import")
    page.wait_for_url("**/403**")

    csrf = {"X-CSRF-Token": _csrf(page), "Content-Type": "application/json"}
    r = page.request.post("/api/v1/exports", headers=csrf,
                          data=json.dumps({"pool": "all", "filter": None, "q": None, "columns": None,
                                           "format": "xlsx"}))
    assert r.status == 403, r.text()
    assert r.json()["code"] == "forbidden"
    assert page.request.get("/api/v1/imports/template").status == 403
    assert errors == [], errors
