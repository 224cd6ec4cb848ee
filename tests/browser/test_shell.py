"""The web UI's shell as a person meets it: log in, see customers, build the org, switch language.

Runs against a real `huike serve` on a freshly seeded demo database (fixtures in conftest.py);
selectors are the UI's data-testid attributes.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_admin_logs_in_and_sees_customers(page: Page) -> None:
    errors = _console_errors(page)
    page.goto("/customers/all")
    # not logged in: sent to the login page, keeping where we wanted to go
    expect(page).to_have_url(re.compile(r"/login\?redirect="))
    expect(page.get_by_test_id("login-submit")).to_have_text(re.compile("登"))

    login(page)
    expect(page).to_have_url(re.compile(r"/customers/all$"))
    expect(page.get_by_test_id("page-title")).to_contain_text("全部客户")
    rows = page.get_by_test_id("customer-table").locator(".el-table__body tr.el-table__row")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 10
    expect(page.get_by_test_id("customer-total")).to_contain_text(re.compile(r"共 \d+ 条|\d+\+ 条"))
    expect(page.get_by_test_id("header-tenant")).to_be_visible()
    expect(page.get_by_test_id("menu-settings-org")).to_be_attached()

    # the detail drawer opens from a row and shows the customer's phones
    rows.first.click()
    drawer = page.get_by_test_id("customer-drawer")
    expect(drawer).to_be_visible()
    expect(page.get_by_test_id("customer-detail-phones")).to_have_text(re.compile(r"\d{5,}"))
    assert errors == [], errors


def test_create_department_then_employee_in_it(page: Page) -> None:
    errors = _console_errors(page)
    suffix = uuid.uuid4().hex[:6]
    dept = f"测试部{suffix}"
    username = f"e2e_{suffix}"
    name = f"测试员{suffix}"

    login(page)
    page.get_by_test_id("menu-settings").locator(".el-sub-menu__title").click()
    page.get_by_test_id("menu-settings-org").click()
    expect(page).to_have_url(re.compile(r"/settings/org$"))

    # pick the first center and add a department under it
    center = page.locator("[data-testid^=org-node-][data-kind=center]").first
    center_name = center.get_attribute("data-name")
    center.click()
    expect(page.get_by_test_id("org-selected-name")).to_contain_text(center_name or "")
    page.get_by_test_id("org-action-add-department").click()
    page.get_by_test_id("org-unit-name").fill(dept)
    page.get_by_test_id("org-unit-save").click()
    new_node = page.locator(f"[data-testid^=org-node-][data-name='{dept}']")
    expect(new_node).to_be_visible()
    expect(new_node).to_have_attribute("data-kind", "department")
    expect(page.get_by_test_id("org-selected-name")).to_contain_text(dept)

    # a new employee in that department
    page.get_by_test_id("menu-settings-employees").click()
    expect(page).to_have_url(re.compile(r"/settings/employees$"))
    page.get_by_test_id("employee-new").click()
    dialog = page.get_by_test_id("employee-dialog")
    expect(dialog).to_be_visible()
    page.get_by_test_id("employee-form-username").fill(username)
    page.get_by_test_id("employee-form-name").fill(name)
    page.get_by_test_id("employee-form-password").fill("Secret@123456")
    page.get_by_test_id("employee-form-department").click()
    page.locator(".employee-form-department-popper .el-tree-node__content").filter(has_text=dept).click()
    page.get_by_test_id("employee-form-role").click()
    page.locator(".employee-form-role-popper").get_by_test_id("employee-form-role-sales").click()
    page.get_by_test_id("employee-form-phone").fill("13912345678")
    page.get_by_test_id("employee-form-save").click()
    expect(dialog).to_be_hidden()

    page.get_by_test_id("employee-search").fill(username)
    page.get_by_test_id("employee-search").press("Enter")
    row = page.get_by_test_id("employee-table").locator("tr.el-table__row").filter(has_text=username)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(name)
    expect(row).to_contain_text(dept)

    # and the org page lists them under the new department
    page.get_by_test_id("menu-settings-org").click()
    page.locator(f"[data-testid^=org-node-][data-name='{dept}']").click()
    expect(page.get_by_test_id("org-employees")).to_contain_text(username)
    assert errors == [], errors


def test_language_switch_to_english_and_back(page: Page) -> None:
    errors = _console_errors(page)
    login(page)
    expect(page.get_by_test_id("menu-customers-all")).to_have_text("全部客户")

    page.get_by_test_id("lang-switch").click()
    page.get_by_test_id("lang-option-en").click()
    expect(page.get_by_test_id("menu-customers-all")).to_have_text("All customers")
    expect(page.get_by_test_id("menu-customers-public")).to_have_text("Public pool")
    expect(page.get_by_test_id("menu-opportunities")).to_contain_text("Opportunities")
    expect(page.get_by_test_id("menu-settings").locator(".el-sub-menu__title")).to_contain_text("Settings")
    expect(page.get_by_test_id("page-title")).to_contain_text("All customers")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # the choice survives a reload (localStorage huike.lang) and the server answers in English too
    page.reload()
    expect(page.get_by_test_id("menu-customers-all")).to_have_text("All customers")

    page.get_by_test_id("lang-switch").click()
    page.get_by_test_id("lang-option-zh-CN").click()
    expect(page.get_by_test_id("menu-customers-all")).to_have_text("全部客户")
    expect(page.get_by_test_id("menu-settings").locator(".el-sub-menu__title")).to_contain_text("系统设置")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    assert errors == [], errors
