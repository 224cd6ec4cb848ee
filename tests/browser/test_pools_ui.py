"""The pools as people use them in the browser: a manager deals customers round-robin, a salesperson
claims from the public pool, an admin deletes a customer and restores it from the recycle bin.

Runs against a real `huike serve` on a freshly seeded demo database (fixtures in conftest.py);
selectors are the UI's data-testid attributes. Customers a test needs are created through the API
with a unique name, so the tests do not depend on the seed's random data or on each other.
"""

from __future__ import annotations

import random
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import _fill, login

pytestmark = pytest.mark.browser


def _console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _api(page: Page, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the API as the logged-in browser user (its cookies, its CSRF token)."""
    csrf = next((c["value"] for c in page.context.cookies() if c["name"] == "huike_csrf"), "")
    res = page.request.fetch(f"/api/v1{path}", method=method, data=body,
                             headers={"X-CSRF-Token": csrf, "Accept-Language": "zh-CN"})
    assert res.ok, f"{method} {path}: {res.status} {res.text()}"
    return res.json() if res.status != 204 else None


def _phone() -> str:
    return "139" + "".join(random.choice("0123456789") for _ in range(8))


def _create(page: Page, name: str, pool: str, owner_id: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "phones": [_phone()], "pool": pool}
    if owner_id is not None:
        body["owner_id"] = owner_id
    return _api(page, "POST", "/customers", body)


def _employee(page: Page, username: str) -> dict[str, Any]:
    items = _api(page, "GET", f"/employees?q={username}&limit=20")["items"]
    return next(e for e in items if e["username"] == username)


def _rows(page: Page) -> Locator:
    return page.get_by_test_id("customer-table").locator(".el-table__body-wrapper tr.el-table__row")


def _search(page: Page, text: str) -> None:
    el = page.get_by_test_id("customer-search")
    box = el.locator("input") if el.locator("input").count() else el  # Element Plus puts the attribute on the <input>
    box.fill(text)
    box.press("Enter")


def _pick_employee(page: Page, testid: str, username: str) -> None:
    page.get_by_test_id(f"{testid}-select").click()
    page.locator(f".{testid}-popper").get_by_test_id(f"{testid}-option-{username}").click()


def test_manager_assigns_ten_customers_round_robin(page: Page) -> None:
    errors = _console_errors(page)
    suffix = uuid.uuid4().hex[:6]
    login(page, "admin")
    for i in range(10):
        _create(page, f"分配{suffix}-{i:02d}", "to_assign")
    people = [_employee(page, u) for u in ("sales01", "sales02", "sales03")]

    page.get_by_test_id("menu-customers-to_assign").click()
    expect(page).to_have_url(re.compile(r"/customers/to_assign$"))
    _search(page, f"分配{suffix}")
    rows = _rows(page)
    expect(rows).to_have_count(10)
    names = [rows.nth(i).locator(".name-link").inner_text() for i in range(10)]

    # select all ten: the selection bar says so and offers 分配
    page.get_by_test_id("customer-table").locator(".el-table__header .el-checkbox").click()
    expect(page.get_by_test_id("selection-count")).to_contain_text("10")
    page.get_by_test_id("bulk-assign").click()
    dialog = page.get_by_test_id("bulk-dialog")
    expect(dialog).to_be_visible()
    expect(page.get_by_test_id("bulk-statement")).to_contain_text("10 个客户")

    # three salespeople, in this order; the dialog shows the order and the expected deal
    for p in people:
        _pick_employee(page, "assign-employees", p["username"])
    items = page.get_by_test_id("assign-employees-item")
    expect(items).to_have_count(3)
    for i, p in enumerate(people):
        expect(items.nth(i)).to_contain_text(re.compile(rf"{i + 1}\s*{p['name']}"))
    expect(page.get_by_test_id("bulk-preview")).to_contain_text(f"{people[0]['name']} 4 个")
    page.get_by_test_id("bulk-submit").click()

    # the result: 10 done, dealt 4 / 3 / 3 in the chosen order
    result = page.get_by_test_id("bulk-result-dialog")
    expect(result).to_be_visible()
    expect(page.get_by_test_id("bulk-result-summary")).to_contain_text("成功 10 个，未成功 0 个")
    owners = page.get_by_test_id("bulk-result-owner")
    expect(owners).to_have_count(3)
    for i, (p, n) in enumerate(zip(people, (4, 3, 3), strict=True)):
        expect(owners.nth(i)).to_have_attribute("data-name", p["name"])
        expect(owners.nth(i)).to_have_attribute("data-count", str(n))
    page.get_by_test_id("bulk-result-close").click()
    expect(result).to_be_hidden()

    # 待分配 no longer holds them (the list was refreshed) …
    expect(page.get_by_test_id("customer-empty")).to_be_visible()
    # … and 跟进中 shows them dealt in turn, row by row, in the order they were listed
    page.get_by_test_id("menu-customers-following").click()
    _search(page, f"分配{suffix}")
    expect(rows).to_have_count(10)
    for i, name in enumerate(names):
        row = rows.filter(has_text=name)
        expect(row.get_by_test_id("customer-owner")).to_have_text(people[i % 3]["name"])
    assert errors == [], errors


def test_salesperson_claims_from_public_pool(page: Page) -> None:
    errors = _console_errors(page)
    name = f"公海领取{uuid.uuid4().hex[:6]}"
    login(page, "admin")
    _create(page, name, "public")
    page.context.clear_cookies()

    login(page, "sales01")
    page.get_by_test_id("menu-customers-public").click()
    expect(page).to_have_url(re.compile(r"/customers/public$"))
    _search(page, name)
    rows = _rows(page)
    expect(rows).to_have_count(1)
    rows.first.locator("[data-testid^=claim-]").click()
    expect(page.get_by_test_id("bulk-dialog")).to_be_visible()
    expect(page.get_by_test_id("bulk-statement")).to_contain_text(name)
    page.get_by_test_id("bulk-submit").click()
    expect(page.locator(".el-message--success")).to_contain_text(name)
    # gone from the public pool
    expect(page.get_by_test_id("customer-empty")).to_be_visible()

    # and mine now
    page.get_by_test_id("menu-customers-mine").click()
    expect(page).to_have_url(re.compile(r"/customers/mine$"))
    _search(page, name)
    expect(rows).to_have_count(1)
    rows.first.click()
    expect(page.get_by_test_id("customer-drawer")).to_be_visible()
    expect(page.get_by_test_id("customer-detail-owner")).to_have_text(
        _api(page, "GET", "/me")["name"])
    # the timeline says who claimed it
    page.get_by_test_id("customer-tabs").get_by_text("客户动态").click()
    expect(page.get_by_test_id("timeline-item-claimed")).to_be_visible()
    assert errors == [], errors


def test_delete_then_restore_from_recycle_bin(page: Page) -> None:
    errors = _console_errors(page)
    name = f"回收站{uuid.uuid4().hex[:6]}"
    login(page, "admin")
    owner = _employee(page, "sales02")
    _create(page, name, "following", owner_id=owner["id"])

    # delete from the drawer
    page.get_by_test_id("menu-customers-all").click()
    _search(page, name)
    rows = _rows(page)
    expect(rows).to_have_count(1)
    rows.first.click()
    expect(page.get_by_test_id("customer-detail-name")).to_have_text(name)
    page.get_by_test_id("customer-more").click()
    page.get_by_test_id("customer-delete").click()
    expect(page.get_by_test_id("bulk-statement")).to_contain_text("回收站")
    page.get_by_test_id("bulk-submit").click()
    expect(page.get_by_test_id("customer-drawer")).to_be_hidden()
    expect(page.get_by_test_id("customer-empty")).to_be_visible()

    # it waits in the recycle bin, with the time it was deleted
    page.get_by_test_id("menu-customers-recycle_bin").click()
    expect(page).to_have_url(re.compile(r"/customers/recycle_bin$"))
    _search(page, name)
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("customer-deleted-at")).to_have_text(re.compile(r"\d{4}-\d{2}-\d{2}"))

    # restore it from the selection bar
    rows.first.locator(".el-checkbox").first.click()
    page.get_by_test_id("bulk-restore").click()
    expect(page.get_by_test_id("bulk-statement")).to_contain_text("1 个客户")
    page.get_by_test_id("bulk-submit").click()
    expect(page.get_by_test_id("bulk-result-summary")).to_contain_text("成功 1 个")
    page.get_by_test_id("bulk-result-close").click()
    expect(page.get_by_test_id("customer-empty")).to_be_visible()

    # back in its pool, with its owner
    page.get_by_test_id("menu-customers-following").click()
    _search(page, name)
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("customer-owner")).to_have_text(owner["name"])
    assert errors == [], errors


def test_admin_adds_edits_and_deletes_a_recycle_rule(page: Page) -> None:
    """The pool settings' rule dialogs: create (a 422 lands on its field), edit, delete after confirming."""
    errors = _console_errors(page)
    login(page, "admin")
    page.goto("/settings/pools?tab=recycle-rules")
    table = page.get_by_test_id("recycle-rule-table")
    name = f"测试回收{uuid.uuid4().hex[:4]}"
    page.get_by_test_id("recycle-rule-new").click()
    dialog = page.get_by_test_id("recycle-rule-dialog")
    expect(dialog).to_be_visible()
    _fill(page, "recycle-rule-name", name)
    page.get_by_test_id("recycle-rule-save").click()
    expect(dialog).to_be_hidden()
    row = table.locator(".el-table__row", has_text=name)
    expect(row).to_have_count(1)
    # edit: the days change
    row.get_by_role("button", name="编辑").click()
    expect(dialog).to_be_visible()
    _fill(page, "recycle-rule-days", "45")
    page.get_by_test_id("recycle-rule-days").locator("input").press("Tab")
    page.get_by_test_id("recycle-rule-save").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("45")
    # delete, confirmed
    row.get_by_role("button", name="删除").click()
    page.locator(".el-message-box").get_by_role("button", name="删除").click()
    expect(table.locator(".el-table__row", has_text=name)).to_have_count(0)
    assert not [e for e in errors if "favicon" not in e], errors
