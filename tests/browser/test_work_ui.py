"""Working a customer in the web UI: write a follow-up, issue and process a task, add a contact.

Runs against a real `huike serve` on a freshly seeded demo database (fixtures in conftest.py);
selectors are the UI's data-testid attributes.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import DEMO_PASSWORD, login
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def _console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _rows(page: Page) -> Locator:
    return page.get_by_test_id("customer-table").locator(".el-table__body tr.el-table__row")


def _open_first_customer(page: Page, pool: str = "mine") -> None:
    """Open the first customer of a pool in the drawer."""
    page.goto(f"/customers/{pool}")
    rows = _rows(page)
    expect(rows.first).to_be_visible()
    rows.first.click()
    expect(page.get_by_test_id("customer-drawer")).to_be_visible()


def _fill(page: Page, testid: str, value: str) -> None:
    """Fill an input or textarea by test id (Element Plus puts it on the field or its wrapper)."""
    el = page.get_by_test_id(testid)
    inner = el.locator("input, textarea")
    (inner.first if inner.count() else el).fill(value)


def _switch_user(page: Page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username)


def test_sales_writes_a_followup_and_sees_it_in_the_timeline(page: Page) -> None:
    errors = _console_errors(page)
    text = f"电话沟通报价 {uuid.uuid4().hex[:6]}"
    login(page, "sales01")
    _open_first_customer(page)

    page.get_by_test_id("drawer-tab-followups").click()
    page.get_by_test_id("followup-new").click()
    dialog = page.get_by_test_id("followup-dialog")
    expect(dialog).to_be_visible()
    page.get_by_test_id("followup-method-wechat").click()
    _fill(page, "followup-content", text)
    _fill(page, "followup-feedback", "客户希望下周看演示")
    _fill(page, "followup-next-plan", "约演示")
    page.get_by_test_id("followup-save").click()
    expect(dialog).to_be_hidden()

    # 跟进记录: newest first, with its method
    first = page.get_by_test_id("followup-list").locator("[data-testid^=followup-item-]").first
    expect(first).to_contain_text(text)
    expect(first).to_contain_text("微信")

    # 客户动态: the timeline has it too
    page.get_by_test_id("customer-drawer").get_by_text("客户动态", exact=True).click()
    expect(page.get_by_test_id("customer-drawer").get_by_text(text).first).to_be_visible()
    assert errors == [], errors


def test_manager_issues_a_task_and_sees_the_handlers_progress(page: Page) -> None:
    errors = _console_errors(page)
    title = f"本周电话回访 {uuid.uuid4().hex[:6]}"

    login(page, "manager1")
    page.goto("/customers/following")
    expect(_rows(page).nth(2)).to_be_visible()
    rows = _rows(page).filter(has_not_text="黑名单")  # blacklisted ones would be skipped
    for i in range(3):
        rows.nth(i).locator("td").first.locator(".el-checkbox").click()
    expect(page.get_by_test_id("selection-count")).to_contain_text("3")
    page.get_by_test_id("batch-issue-task").click()
    dialog = page.get_by_test_id("task-create-dialog")
    expect(dialog).to_be_visible()
    expect(page.get_by_test_id("task-selected-count")).to_contain_text("3")
    page.get_by_test_id("task-type-call").click()
    _fill(page, "task-title", title)
    page.get_by_test_id("task-handlers").click()
    page.get_by_test_id("task-handlers").locator("input").first.fill("sales01")
    page.locator(".task-handlers-popper").get_by_test_id("task-handler-option-sales01").click()
    page.get_by_test_id("task-title").click()  # close the dropdown
    page.get_by_test_id("task-create-submit").click()
    expect(page.get_by_test_id("task-created-result")).to_be_visible()
    expect(page.get_by_test_id("task-skipped-blacklisted")).to_have_text("0")

    # the handler processes one customer in 我待办的
    _switch_user(page, "sales01")
    page.goto("/tasks")
    card = page.get_by_test_id("todo-list").locator("[data-testid^=todo-task-]").filter(has_text=title)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("0/3")
    card.click()
    items = page.get_by_test_id("todo-items")
    expect(items.locator("tr.el-table__row")).to_have_count(3)
    items.locator("[data-testid^=task-item-process-]:not([data-testid*=more])").first.click()
    expect(card).to_contain_text("1/3")
    expect(items.locator("tr.el-table__row").filter(has_text="已处理")).to_have_count(1)

    # the manager sees 1/3 in 我下发的, per handler too
    _switch_user(page, "manager1")
    page.goto("/tasks?tab=issued")
    row = page.get_by_test_id("issued-table").locator("tr.el-table__row").filter(has_text=title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("1/3")
    row.locator("td").nth(1).click()
    drawer = page.get_by_test_id("task-detail-drawer")
    expect(drawer).to_be_visible()
    expect(page.get_by_test_id("task-per-handler")).to_contain_text("1/3")
    expect(page.get_by_test_id("task-items").locator("tr.el-table__row")).to_have_count(3)
    assert errors == [], errors


def test_a_contact_is_added_with_a_birthday(page: Page) -> None:
    errors = _console_errors(page)
    name = f"王经理{uuid.uuid4().hex[:4]}"
    login(page, "sales01")
    _open_first_customer(page)

    page.get_by_test_id("drawer-tab-contacts").click()
    page.get_by_test_id("contact-new").click()
    dialog = page.get_by_test_id("contact-dialog")
    expect(dialog).to_be_visible()
    _fill(page, "contact-name", name)
    _fill(page, "contact-title", "采购经理")
    _fill(page, "contact-phone-0", "13800138000")
    birthday = dialog.locator(".el-date-editor input").first
    birthday.fill("1990-05-20")
    birthday.press("Enter")
    page.get_by_test_id("contact-save").click()
    expect(dialog).to_be_hidden()

    card = page.get_by_test_id("contacts-tab").locator("[data-testid^=contact-card-]").filter(has_text=name)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("采购经理")
    expect(card.get_by_test_id("contact-birthday-text")).to_contain_text("1990-05-20")
    expect(card).to_contain_text(re.compile(r"138\d*"))
    assert errors == [], errors


SHOTS = ARTIFACTS / "screenshots"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _shot(page: Page, name: str) -> None:
    """Screenshots of the pages this module adds, for a person to look at (test-artifacts/screenshots/)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"work-{name}.png"), full_page=True)


def test_admin_manages_tag_rules_and_tries_a_text(page: Page) -> None:
    errors = _console_errors(page)
    suffix = uuid.uuid4().hex[:4]
    name, tag = f"嫌贵{suffix}", f"价格敏感{suffix}"
    login(page, "admin")
    page.goto("/settings/tag-rules")
    expect(page.get_by_test_id("page-title")).to_have_text("自动标签规则")
    expect(page.locator(".el-menu").get_by_text("自动标签规则")).to_be_visible()

    page.get_by_test_id("tag-rule-new").click()
    dialog = page.get_by_test_id("tag-rule-dialog")
    expect(dialog).to_be_visible()
    _fill(page, "tag-rule-name", name)
    keywords = page.get_by_test_id("tag-rule-keywords").locator("input")
    for word in (f"太贵{suffix}", f"超预算{suffix}"):
        keywords.fill(word)
        keywords.press("Enter")
        expect(page.get_by_test_id("tag-rule-keywords")).to_contain_text(word)
    expect(page.get_by_test_id("tag-rule-keywords")).to_contain_text(f"超预算{suffix}")
    tag_input = page.get_by_test_id("tag-rule-tag").locator("input")
    page.get_by_test_id("tag-rule-tag").click()
    tag_input.fill(tag)
    expect(page.locator(".el-select-dropdown__item:visible").filter(has_text=tag)).to_have_count(1)
    tag_input.press("Enter")
    expect(page.get_by_test_id("tag-rule-tag")).to_contain_text(tag)
    _shot(page, "tag-rule-dialog")
    page.get_by_test_id("tag-rule-save").click()
    expect(dialog).to_be_hidden()
    row = page.get_by_test_id("tag-rule-table").locator("tr.el-table__row").filter(has_text=name)
    expect(row).to_contain_text(tag)
    expect(row).to_contain_text(f"太贵{suffix}")

    # try a text: the rule's tag, then nothing once the rule is off (and it says a disabled rule matches)
    _fill(page, "tag-rule-sample", f"客户说年费超预算{suffix}了，下个月再说")
    page.get_by_test_id("tag-rule-try-run").click()
    expect(page.get_by_test_id("tag-rule-result")).to_contain_text(tag)
    _shot(page, "tag-rules")
    row.locator(".el-switch").click()
    expect(page.get_by_text("规则已停用")).to_be_visible()
    page.get_by_test_id("tag-rule-try-run").click()
    result = page.get_by_test_id("tag-rule-result")
    expect(result).to_contain_text("已停用的规则也会命中")
    expect(result.get_by_test_id("tag-rule-result-tag")).to_have_count(0)
    expect(result).not_to_contain_text("将打上标签")

    # edit the keywords, then delete
    row.get_by_role("button", name="编辑").click()
    expect(dialog).to_be_visible()
    page.get_by_test_id("tag-rule-keywords").locator(".el-tag").filter(has_text=f"太贵{suffix}").locator(
        ".el-tag__close").click()
    page.get_by_test_id("tag-rule-save").click()
    expect(dialog).to_be_hidden()
    expect(row).not_to_contain_text(f"太贵{suffix}")
    row.get_by_role("button", name="删除").click()
    page.locator(".el-message-box").get_by_role("button", name="删除").click()
    expect(row).to_have_count(0)
    assert errors == [], errors


def test_a_followup_takes_uploaded_files_and_they_download(page: Page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    errors = _console_errors(page)
    text = f"发了报价单 {uuid.uuid4().hex[:6]}"
    good = tmp_path / "报价单.pdf"
    good.write_bytes(PDF)
    liar = tmp_path / "现场照片.png"  # a PDF calling itself PNG: the server sniffs and refuses it
    liar.write_bytes(PDF)
    login(page, "sales01")
    _open_first_customer(page)
    page.get_by_test_id("drawer-tab-followups").click()
    page.get_by_test_id("followup-new").click()
    dialog = page.get_by_test_id("followup-dialog")
    expect(dialog).to_be_visible()
    _fill(page, "followup-content", text)
    picker = page.get_by_test_id("followup-upload").locator("input[type=file]")
    picker.set_input_files([str(good), str(liar)])
    expect(page.get_by_test_id("followup-file-pending")).to_have_count(2)
    _shot(page, "followup-dialog-files")
    page.get_by_test_id("followup-save").click()

    # the follow-up is saved; the refused file stays in the dialog with the server's reason
    failed = page.get_by_test_id("followup-file-pending")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("现场照片.png")
    expect(failed).to_contain_text("扩展名")
    expect(dialog).to_be_visible()
    expect(page.get_by_test_id("followup-files").locator("[data-testid^=followup-file-kept-]")).to_have_count(1)
    _shot(page, "followup-dialog-upload-failed")
    failed.get_by_role("button").click()  # drop it, save again: nothing left to send
    page.get_by_test_id("followup-save").click()
    expect(dialog).to_be_hidden()

    item = page.get_by_test_id("followup-list").locator("[data-testid^=followup-item-]").filter(has_text=text)
    expect(item).to_have_count(1)
    link = item.get_by_test_id("followup-files-list").locator("a")
    expect(link).to_have_count(1)
    expect(link).to_contain_text("报价单.pdf")
    _shot(page, "followup-timeline-files")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "报价单.pdf"
    with open(download.value.path(), "rb") as fh:
        assert fh.read() == PDF
    # the refused upload's 415 is logged by the browser; nothing else went wrong
    assert [e for e in errors if "status of 415" not in e] == [], errors


def test_masked_phones_in_list_and_drawer_search_and_show(page: Page, live_server: str) -> None:
    import httpx

    api = httpx.Client(base_url=f"{live_server}/api/v1", timeout=30)
    token = api.post("/auth/login", json={"tenant": "demo", "username": "admin", "password": DEMO_PASSWORD}
                     ).json()["access_token"]
    api.headers["Authorization"] = f"Bearer {token}"
    role = next(r for r in api.get("/roles").json()["items"] if r["code"] == "sales")
    perms = list(role["permissions"])
    assert "customer.phone_full" in perms
    api.patch(f"/roles/{role['id']}", json={"permissions": [p for p in perms if p != "customer.phone_full"]}
              ).raise_for_status()
    try:
        errors = _console_errors(page)
        login(page, "sales01")
        page.goto("/customers/mine")
        first = _rows(page).first
        expect(first).to_be_visible()
        expect(first).to_contain_text(re.compile(r"1\d\d\*\*\*\*\d{4}"))
        first.click()
        drawer = page.get_by_test_id("customer-drawer")
        phones = drawer.get_by_test_id("customer-detail-phones")
        expect(phones).to_have_text(re.compile(r"^1\d\d\*\*\*\*\d{4}"))
        masked = phones.inner_text().split("，")[0]
        _shot(page, "masked-phones-drawer")
        drawer.get_by_test_id("customer-phones-reveal").click()
        expect(phones).to_have_text(re.compile(r"^1\d{10}"))
        full = phones.inner_text().split("，")[0]
        assert full[:3] == masked[:3] and full[-4:] == masked[-4:]
        page.keyboard.press("Escape")
        # quick search by the full number still finds it (the search runs on the server)
        page.goto("/customers/all")
        _fill(page, "customer-search", full)
        page.get_by_test_id("customer-search-button").click()
        expect(_rows(page)).to_have_count(1)
        expect(_rows(page).first).to_contain_text(masked)
        _shot(page, "masked-phones-search")
        assert errors == [], errors
    finally:
        api.patch(f"/roles/{role['id']}", json={"permissions": perms}).raise_for_status()
