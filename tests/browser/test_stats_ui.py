"""Statistics and the work panel in the web UI (SALES-8/9): a department manager's dashboard shows only
his department; a number opens the list it counts, with that many rows; a salesperson lands on the
work panel and its cards open their lists.

Runs against a real `huike serve` on a freshly seeded demo database (fixtures in conftest.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
SLOW = 30_000  # the statistics read whole lists; on a busy 2-core machine give them time


def _errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _shot(page: Page, name: str) -> None:
    out = ARTIFACTS / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"stats_{name}.png"), full_page=True)


def _rows(page: Page, testid: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id(testid).locator(".el-table__body tr.el-table__row")


def test_manager_dashboard_is_his_department_and_numbers_open_their_lists(page: Page, backend: str) -> None:
    errors = _errors(page)
    login(page, "manager1")
    page.goto("/statistics")
    rows = _rows(page, "people-table")
    expect(rows.first).to_be_visible(timeout=SLOW)
    expect(page.get_by_test_id("stage-table")).to_be_visible(timeout=SLOW)
    page.wait_for_timeout(500)  # let the charts draw for the screenshot
    _shot(page, f"manager_dashboard_{backend}")
    page.locator(".hk-layout-content").evaluate("el => el.scrollTo(0, el.scrollHeight)")
    page.wait_for_timeout(300)
    _shot(page, f"manager_dashboard_bottom_{backend}")
    page.locator(".hk-layout-content").evaluate("el => el.scrollTo(0, 0)")
    # every salesperson row is of the manager's department (电销一部)
    depts = {d.strip() for d in rows.locator("td:nth-child(2)").all_inner_texts()}
    assert depts == {"电销一部"}, depts
    # the department's sellers are all there: sales01, 05, 09, 13, 17 (one in four)
    assert rows.count() >= 5

    # a salesperson's customer count opens the customer list with exactly that many rows
    link = rows.first.get_by_test_id("fig-person-customers")
    n = int(link.inner_text().strip())
    link.click()
    page.wait_for_url(re.compile(r"/customers/all\?"))
    expect(page.get_by_test_id("customer-total")).to_have_text(f"共 {n} 条", timeout=SLOW)

    # the pool figures too
    page.goto("/statistics")
    following = page.get_by_test_id("fig-pool-following")
    expect(following).to_be_visible(timeout=SLOW)
    n = int(following.inner_text().strip())
    following.click()
    page.wait_for_url(re.compile(r"/customers/all\?"))
    expect(page.get_by_test_id("customer-total")).to_have_text(f"共 {n} 条", timeout=SLOW)

    # an opportunity stage count opens the opportunity list with that many rows
    page.goto("/statistics")
    stage_rows = _rows(page, "stage-table")
    expect(stage_rows.first).to_be_visible(timeout=SLOW)
    counts = [int(x.strip()) for x in stage_rows.locator("td:nth-child(3)").all_inner_texts()]
    i = max(range(len(counts)), key=lambda k: counts[k])
    assert counts[i] > 0, counts
    stage_rows.nth(i).locator("td:nth-child(3) a").click()
    page.wait_for_url(re.compile(r"/statistics/list\?"))
    expect(page.get_by_test_id("drill-count")).to_contain_text(f"共 {counts[i]} 条", timeout=SLOW)
    expect(_rows(page, "drill-table")).to_have_count(counts[i])
    _shot(page, f"drill_{backend}")
    assert not errors, errors


def test_sales_lands_on_the_work_panel_and_a_card_opens_its_list(page: Page, backend: str) -> None:
    errors = _errors(page)
    login(page, "sales01")
    page.wait_for_url(re.compile(r"/workbench$"))
    cards = page.get_by_test_id("panel-cards").locator(".hk-kpi-card")
    expect(cards.first).to_be_visible(timeout=SLOW)
    assert cards.count() >= 6
    _shot(page, f"workbench_{backend}")
    card = page.locator('[data-card="my_customers"]')
    n = int(card.locator(".hk-kpi-card-value").inner_text().strip())
    card.click()
    page.wait_for_url(re.compile(r"/customers/mine"))
    expect(page.get_by_test_id("customer-total")).to_have_text(f"共 {n} 条", timeout=SLOW)

    # choose cards: drop all but two, save, and the panel shows those two in order
    page.goto("/workbench")
    page.get_by_test_id("panel-settings").click()
    chosen = page.get_by_test_id("panel-chosen").locator(".el-checkbox")
    expect(chosen.first).to_be_visible()
    while chosen.count() > 2:
        chosen.nth(2).click()
    page.get_by_test_id("panel-save").click()
    expect(page.get_by_test_id("panel-cards").locator(".hk-kpi-card")).to_have_count(2, timeout=SLOW)
    page.reload()
    expect(page.get_by_test_id("panel-cards").locator(".hk-kpi-card")).to_have_count(2, timeout=SLOW)
    assert not errors, errors
