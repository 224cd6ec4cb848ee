"""POOL-17 customer types (客户类型) in the web UI: counts of the list by type, the customers of one
type, and opening one of them in the list page's detail drawer. Runs against a real `huike serve` on a
freshly seeded demo database (fixtures in conftest.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def _count(page: Page, kind: str) -> int:
    text = page.get_by_test_id(f"customer-type-count-{kind}").inner_text()
    assert re.fullmatch(r"\d+", text), text
    return int(text)


def test_customer_types_counts_list_and_open(page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, "admin")
    page.goto("/customers/all")
    expect(page.get_by_test_id("customer-table")).to_be_visible()
    page.get_by_test_id("customer-types-open").click()
    drawer = page.get_by_test_id("customer-types")
    expect(drawer).to_be_visible()
    expect(drawer).to_contain_text("客户类型")
    for kind, label in (("intent", "意向客户"), ("assigned", "分配客户"), ("won", "成交客户")):
        expect(page.get_by_test_id(f"customer-type-{kind}")).to_contain_text(label)
        expect(page.get_by_test_id(f"customer-type-count-{kind}")).to_have_text(re.compile(r"^\d+$"))
    counts = {k: _count(page, k) for k in ("intent", "assigned", "won")}
    expect(page.get_by_test_id("customer-types-total")).to_contain_text(str(sum(counts.values())))
    assert counts["intent"] > 0, counts  # the demo has own and claimed leads

    rows = page.get_by_test_id("customer-types-rows").locator(".el-table__body tr.el-table__row")
    expect(rows.first).to_be_visible()
    assert rows.count() == min(counts["intent"], 20)
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "customer_types.png"))

    # another type: its own rows (none when the count is 0)
    kind = "assigned" if counts["assigned"] else "won"
    page.get_by_test_id(f"customer-type-{kind}").click()
    expect(page.get_by_test_id(f"customer-type-{kind}")).to_have_attribute("aria-selected", "true")
    if counts[kind]:
        expect(rows).to_have_count(min(counts[kind], 20))
    else:
        expect(drawer).to_contain_text("该类型暂无客户")

    # picking a customer opens it in the list page's drawer
    page.get_by_test_id("customer-type-intent").click()
    expect(rows).to_have_count(min(counts["intent"], 20))  # the intent rows, not the previous type's
    name = rows.first.locator("td").first.inner_text().strip()
    rows.first.click()
    expect(drawer).to_be_hidden()
    detail = page.get_by_test_id("customer-drawer")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text(name)
    assert errors == [], errors
