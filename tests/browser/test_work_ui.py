"""Working a customer in the web UI: write a follow-up, issue and process a task, add a contact.

Runs against a real `huike serve` on a freshly seeded demo database (fixtures in conftest.py);
selectors are the UI's data-testid attributes.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import login

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
