"""The sales pipeline in the web UI (SALES-1…7): an opportunity advanced with a note reaches the customer's
timeline; with "restrict manual won" on, completing a linked two-line order wins the opportunity with the
order's amount and locks its stage; a contract with a payment plan and a payment shows the outstanding
amount to the cent.

Runs against a real `huike serve` on a freshly seeded demo database (fixtures in conftest.py), SQLite and
PostgreSQL; selectors are the UI's data-testid attributes.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _patient_expect():  # type: ignore[no-untyped-def]
    """Writes go through a busy shared machine: give assertions 15 s here (back to Playwright's 5 s after)."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def _console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _fill(page: Page | Locator, testid: str, value: str) -> None:
    """Fill an input or textarea by test id (Element Plus puts it on the field or its wrapper)."""
    el = page.get_by_test_id(testid)
    inner = el.locator("input, textarea")
    (inner.first if inner.count() else el).fill(value)


def _open_first_customer(page: Page, pool: str) -> str:
    """Open the first customer of a pool in the drawer; returns its name."""
    page.goto(f"/customers/{pool}")
    rows = page.get_by_test_id("customer-table").locator(".el-table__body tr.el-table__row")
    expect(rows.first).to_be_visible()
    rows.first.click()
    drawer = page.get_by_test_id("customer-drawer")
    expect(drawer).to_be_visible()
    return drawer.locator(".el-drawer__header").inner_text().strip()


def _confirm_box(page: Page) -> None:
    """Accept the open ElMessageBox confirmation."""
    box = page.locator(".el-message-box")
    expect(box).to_be_visible()
    box.locator(".el-message-box__btns .el-button--primary").click()
    expect(box).to_be_hidden()


def _pick(page: Page, testid: str, popper: str, option: str | int) -> None:
    """Open a select by test id and click an option (by text or index) in its visible dropdown."""
    # a previous dropdown of the same kind may still be fading out: wait until it is gone, so that the
    # items below are those of this select only
    expect(page.locator(f".{popper}:visible")).to_have_count(0)
    page.get_by_test_id(testid).click()
    items = page.locator(f".{popper}:visible .el-select-dropdown__item")
    expect(items.first).to_be_visible()
    if isinstance(option, int):
        items.nth(option).click()
    else:
        items.filter(has_text=option).first.click()


def test_opportunity_is_advanced_with_a_note_and_reaches_the_timeline(page: Page) -> None:
    errors = _console_errors(page)
    name = f"ERP 采购 {uuid.uuid4().hex[:6]}"
    note = f"客户确认需求清单 {uuid.uuid4().hex[:6]}"
    login(page, "sales01")
    _open_first_customer(page, "mine")

    # 销售机会 tab: new opportunity
    page.get_by_test_id("drawer-tab-opportunities").click()
    page.get_by_test_id("customer-opportunity-new").click()
    dialog = page.get_by_test_id("opportunity-dialog")
    expect(dialog).to_be_visible()
    _fill(page, "opportunity-name", name)
    _fill(page, "opportunity-amount", "12345.6")
    page.get_by_test_id("opportunity-save").click()
    expect(dialog).to_be_hidden()

    card = page.get_by_test_id("customer-opportunities").locator("[data-testid^=customer-opportunity-SJ]").filter(has_text=name)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("¥12,345.60")
    expect(card.get_by_test_id("card-stage")).to_have_text("初步接触")

    # 推进阶段: the next stage is proposed; a note is required
    card.locator("[data-testid^=customer-opportunity-advance-]").click()
    adv = page.get_by_test_id("advance-dialog")
    expect(adv).to_be_visible()
    expect(page.get_by_test_id("advance-save")).to_be_disabled()
    expect(adv.locator(".el-radio.is-checked")).to_contain_text("需求分析")
    _fill(page, "advance-note", note)
    page.get_by_test_id("advance-save").click()
    expect(adv).to_be_hidden()
    expect(card.get_by_test_id("card-stage")).to_have_text("需求分析")

    # the detail: progress bar on the second step, the history with the note
    card.click()
    detail = page.get_by_test_id("opportunity-drawer")
    expect(detail).to_be_visible()
    expect(page.get_by_test_id("opportunity-steps").locator(".el-step__head.is-success")).to_have_count(1)
    expect(page.get_by_test_id("opportunity-history")).to_contain_text(note)
    expect(page.get_by_test_id("opportunity-history")).to_contain_text("初步接触 → 需求分析")
    detail.locator(".el-drawer__close-btn").click()
    expect(detail).to_be_hidden()

    # 客户动态: the move with its note
    page.get_by_test_id("customer-drawer").get_by_text("客户动态", exact=True).click()
    moved = page.get_by_test_id("timeline-item-opportunity_stage_changed").filter(has_text=note)
    expect(moved).to_have_count(1)
    expect(moved).to_contain_text("推进阶段")
    expect(moved).to_contain_text("初步接触 → 需求分析")
    expect(page.get_by_test_id("timeline-item-opportunity_created").filter(has_text=name)).to_have_count(1)
    assert errors == [], errors


def test_restricted_opportunity_is_won_by_its_completed_order(page: Page) -> None:
    errors = _console_errors(page)
    name = f"坐席扩容 {uuid.uuid4().hex[:6]}"
    login(page, "admin")

    # 销售设置: turn "restrict manual won" on (it asks first, and explains both modes)
    page.goto("/settings/sales")
    switch = page.get_by_test_id("restrict-switch")
    expect(switch).to_be_visible()
    expect(page.get_by_text("不允许手动把销售机会推进到成单阶段", exact=False)).to_be_visible()
    if "is-checked" not in (switch.get_attribute("class") or ""):
        switch.click()
        _confirm_box(page)
    expect(switch).to_have_class(re.compile(r"\bis-checked\b"))

    # an opportunity on a customer being followed
    _open_first_customer(page, "following")
    page.get_by_test_id("drawer-tab-opportunities").click()
    page.get_by_test_id("customer-opportunity-new").click()
    expect(page.get_by_test_id("opportunity-dialog")).to_be_visible()
    _fill(page, "opportunity-name", name)
    _fill(page, "opportunity-amount", "99999.00")
    page.get_by_test_id("opportunity-save").click()
    expect(page.get_by_test_id("opportunity-dialog")).to_be_hidden()
    card = page.get_by_test_id("customer-opportunities").locator("[data-testid^=customer-opportunity-SJ]").filter(has_text=name)
    expect(card).to_have_count(1)

    # the won stage cannot be chosen by hand: shown disabled, with the reason
    card.locator("[data-testid^=customer-opportunity-advance-]").click()
    expect(page.get_by_test_id("advance-dialog")).to_be_visible()
    expect(page.get_by_test_id("advance-stage-won").locator("input")).to_be_disabled()
    expect(page.get_by_test_id("advance-won-restricted")).to_be_visible()
    page.get_by_test_id("advance-dialog").locator(".el-dialog__headerbtn").click()
    expect(page.get_by_test_id("advance-dialog")).to_be_hidden()

    # 订单: two lines linked to the opportunity; the live total is exact (1.5 × 333.33 = 499.995 → 500.00)
    page.get_by_test_id("drawer-tab-orders").click()
    page.get_by_test_id("customer-order-new").click()
    dialog = page.get_by_test_id("order-dialog")
    expect(dialog).to_be_visible()
    _pick(page, "order-opportunity", "order-opportunity-popper", name)
    _pick(page, "order-line-product-0", "order-product-popper", 0)
    _fill(page, "order-line-qty-0", "2")
    _fill(page, "order-line-price-0", "1000.25")
    page.get_by_test_id("order-add-line").click()
    _pick(page, "order-line-product-1", "order-product-popper", 1)
    _fill(page, "order-line-qty-1", "1.5")
    _fill(page, "order-line-price-1", "333.33")
    expect(page.get_by_test_id("order-line-amount-0")).to_have_text("¥2,000.50")
    expect(page.get_by_test_id("order-line-amount-1")).to_have_text("¥500.00")
    expect(page.get_by_test_id("order-total")).to_have_text("¥2,500.50")
    page.get_by_test_id("order-save").click()
    expect(dialog).to_be_hidden()

    orders = page.get_by_test_id("customer-orders")
    row = orders.locator("tr.el-table__row").filter(has_text=name).first
    expect(row).to_contain_text("¥2,500.50")
    expect(row).to_contain_text("待确认")
    number = row.locator("td").nth(1).inner_text().strip()
    assert number.startswith("DD"), number

    # confirm, then complete (each asks first)
    orders.get_by_test_id(f"order-confirm-{number}").click()
    _confirm_box(page)
    expect(orders.get_by_test_id(f"order-status-{number}")).to_have_text("已确认")
    orders.get_by_test_id(f"order-complete-{number}").click()
    _confirm_box(page)
    expect(orders.get_by_test_id(f"order-status-{number}")).to_have_text("已完成")

    # the opportunity is won, its amount is the order's, and its stage is locked
    page.get_by_test_id("drawer-tab-opportunities").click()
    card = page.get_by_test_id("customer-opportunities").locator("[data-testid^=customer-opportunity-SJ]").filter(has_text=name)
    expect(card).to_contain_text("已成单")
    expect(card).to_contain_text("¥2,500.50")
    card.click()
    expect(page.get_by_test_id("opportunity-drawer")).to_be_visible()
    expect(page.get_by_test_id("opportunity-status")).to_have_text("已成单")
    expect(page.get_by_test_id("opportunity-amount-value")).to_have_text("¥2,500.50")
    expect(page.get_by_test_id("opportunity-won-button")).to_be_disabled()
    expect(page.get_by_test_id("opportunity-advance")).to_be_disabled()
    expect(page.get_by_test_id("opportunity-restricted-note")).to_be_visible()
    expect(page.get_by_test_id("opportunity-history")).to_contain_text(f"关联订单 {number} 已完成")
    expect(page.get_by_test_id("opportunity-history")).to_contain_text("系统自动")
    # editing keeps the amount read-only
    page.get_by_test_id("opportunity-edit").click()
    edit = page.locator("[data-testid=opportunity-dialog]:visible")
    expect(edit).to_have_count(1)
    expect(edit.get_by_test_id("opportunity-amount")).to_be_disabled()
    expect(edit.get_by_test_id("opportunity-amount-locked")).to_be_visible()
    assert errors == [], errors


def test_contract_payment_plan_and_payment_leave_the_exact_outstanding(page: Page) -> None:
    errors = _console_errors(page)
    name = f"年度服务合同 {uuid.uuid4().hex[:6]}"
    login(page, "sales01")
    _open_first_customer(page, "mine")

    page.get_by_test_id("drawer-tab-contracts").click()
    page.get_by_test_id("customer-contract-new").click()
    dialog = page.get_by_test_id("contract-dialog")
    expect(dialog).to_be_visible()
    _fill(page, "contract-name", name)
    _fill(page, "contract-amount", "10000")
    page.get_by_test_id("contract-save").click()
    expect(dialog).to_be_hidden()

    # the new contract opens in its detail, as a draft
    detail = page.get_by_test_id("contract-drawer")
    expect(detail).to_be_visible()
    expect(detail.locator(".el-drawer__header")).to_contain_text(name)
    expect(page.get_by_test_id("contract-status")).to_have_text("草稿")
    expect(page.get_by_test_id("contract-receivable")).to_have_text("¥10,000.00")

    # a plan of 6,000.00
    page.get_by_test_id("plan-new").click()
    expect(page.get_by_test_id("plan-dialog")).to_be_visible()
    _fill(page, "plan-amount", "6000")
    page.get_by_test_id("plan-save").click()
    expect(page.get_by_test_id("plan-dialog")).to_be_hidden()
    expect(page.get_by_test_id("contract-planned")).to_have_text("¥6,000.00")

    # sign, then record 3,333.33 against the plan
    page.get_by_test_id("contract-sign").click()
    _confirm_box(page)
    expect(page.get_by_test_id("contract-status")).to_have_text("已签订")
    page.get_by_test_id("contract-payment-new").click()
    pay = page.get_by_test_id("payment-dialog")
    expect(pay).to_be_visible()
    _fill(page, "payment-amount", "3333.33")
    page.get_by_test_id("payment-save").click()
    expect(pay).to_be_hidden()

    expect(page.get_by_test_id("contract-received")).to_have_text("¥3,333.33")
    expect(page.get_by_test_id("contract-outstanding")).to_have_text("¥6,666.67")
    expect(page.get_by_test_id("plans-table").locator("tr.el-table__row").first).to_contain_text("¥2,666.67")
    expect(detail.get_by_test_id("payments-table")).to_contain_text("¥3,333.33")

    # the customer's contracts tab shows it too
    detail.locator(".el-drawer__close-btn").click()
    expect(detail).to_be_hidden()
    row = page.get_by_test_id("customer-contracts").get_by_test_id("contracts-table").locator("tr.el-table__row").filter(has_text=name)
    expect(row).to_contain_text("¥3,333.33")
    expect(row).to_contain_text("¥6,666.67")
    assert errors == [], errors


def test_opportunity_list_narrows_to_a_created_date_range(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """新机会: the 创建日期 filter's 上月 shortcut lists only opportunities created last month (days in
    Asia/Shanghai, as the server counts them), and the totals say they now follow that filter."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = _console_errors(page)
    try:
        login(page, "admin")
        page.goto("/opportunities")
        rows = page.get_by_test_id("opportunities-table").locator(".el-table__body tr.el-table__row")
        expect(rows.first).to_be_visible()
        expect(page.get_by_test_id("opportunity-summary")).to_contain_text("统计月份")
        created = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
        before = [created.findall(t)[-1][:10] for t in rows.all_inner_texts()]

        # today in Shanghai, as the browser (timezone_id) and the server count days; the demo data spans months
        first_of_month = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
        last = first_of_month - timedelta(days=1)
        first = last.replace(day=1)
        assert any(not first.isoformat() <= d <= last.isoformat() for d in before), before  # something to narrow

        page.get_by_test_id("opportunities-created").locator("input").first.click()
        panel = page.locator(".el-date-range-picker:visible")
        expect(panel).to_be_visible()
        with page.expect_response(lambda r: "/opportunities?" in r.url and "created_from=" in r.url) as got:
            panel.locator(".el-picker-panel__shortcut", has_text="上月").click()
        url = got.value.url
        assert f"created_from={first.isoformat()}" in url and f"created_to={last.isoformat()}" in url, url
        items = got.value.json()["items"]
        expect(rows).to_have_count(len(items))
        after = [created.findall(t)[-1][:10] for t in rows.all_inner_texts()]
        assert all(first.isoformat() <= d <= last.isoformat() for d in after), after
        assert len(after) < len(before) or set(after) != set(before)
        # the totals follow the filter and say so
        expect(page.get_by_test_id("summary-period")).to_have_text(f"{first.isoformat()} 至 {last.isoformat()}")
        expect(page.get_by_test_id("opportunity-summary")).to_contain_text("随筛选的创建日期")
        page.screenshot(path=str(_shots() / "opportunities_created_last_month.png"), full_page=True)
        # the other lists carry their date filters too
        page.goto("/orders")
        expect(page.get_by_test_id("orders-deal")).to_contain_text("成交日期")
        page.goto("/contracts")
        for testid, label in (("contracts-sign", "签订日期"), ("contracts-start", "开始日期"), ("contracts-end", "到期日期")):
            expect(page.get_by_test_id(testid)).to_contain_text(label)
        page.get_by_test_id("contracts-tab-payments").click()
        expect(page.get_by_test_id("payments-received")).to_contain_text("回款日期")
        page.get_by_test_id("contracts-tab-invoices").click()
        expect(page.get_by_test_id("invoices-issued")).to_contain_text("开票日期")
        page.screenshot(path=str(_shots() / "invoices_date_filters.png"), full_page=True)
        assert errors == [], errors
    finally:
        context.close()


def _shots():  # type: ignore[no-untyped-def]
    from tests.conftest import ARTIFACTS

    out = ARTIFACTS / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out
