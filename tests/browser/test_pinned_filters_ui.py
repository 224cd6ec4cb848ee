"""Pinned filter fields (固定筛选项, FIND-7) and the region picker in the browser.

- The filter bar shows the employee's pinned fields (by default 标签, 来源, 最后跟进时间), each with a
  value picker fitting its type; a field is pinned from the filter builder (the pin of a row) or the
  settings dialog; picking a value narrows the list at once, AND-ed with the search box; the values are
  in the URL (?pin=) so a reload keeps them; unpinning takes the field and its value away.
- Region fields (省/市/区) are picked with a province / city / district cascader in the filter builder
  (custom field 办公地区, 属于 广东省 finds 广东省/深圳市/…) and in the new-customer form (地区 and the
  custom 办公地区).

Same set-up as test_find_ui.py: a real `huike serve` on the demo database, SQLite and PostgreSQL; each
test narrows the list to its own customers by a unique marker.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import login
from tests.browser.test_find_ui import (
    SHOTS,
    _api,
    _choose,
    _console_errors,
    _create,
    _names,
    _query,
    _rows,
    _search,
    _search_box,
    _wait_list,
)

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _patient_expect() -> Any:
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _pins(page: Page) -> list[dict[str, Any]]:
    return json.loads(_query(page).get("pin", "[]"))


def _cascader_node(page: Page, label: str) -> Locator:
    return page.locator(".hk-region-popper:visible .el-cascader-node").filter(
        has=page.locator(".el-cascader-node__label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")))


def test_pin_a_field_pick_a_value_reload_and_unpin(page: Page) -> None:
    errors = _console_errors(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, "admin")
    _api(page, "DELETE", "/customers/views/all")  # the default pinned fields
    mark = f"钉{uuid.uuid4().hex[:6]}"
    vip = _create(page, f"{mark}甲", level="VIP客户", source="抖音")
    _create(page, f"{mark}乙", level="普通客户", source="抖音")
    _create(page, f"{mark}丙", level="VIP客户", source="展会")

    page.goto("/customers/all")
    bar = page.get_by_test_id("pinned-bar")
    for key in ("tags", "source", "last_followup_at"):  # the defaults
        expect(bar.get_by_test_id(f"pinned-{key}")).to_be_visible()
    _search(page, mark)
    expect(_rows(page)).to_have_count(3)

    # a default pinned field: 来源 = 抖音, AND-ed with the search words
    _choose(page, page.get_by_test_id("pinned-value-source").locator(".el-select"), "抖音")
    expect(_rows(page)).to_have_count(2)
    assert _pins(page) == [{"field": "source", "op": "eq", "value": ["抖音"]}]
    assert _query(page)["q"] == mark

    # pin 客户级别 from the filter builder: it joins the bar, saved in the employee's list view
    page.get_by_test_id("filter-toggle").click()
    _choose(page, page.get_by_test_id("filter-field-0"), "客户级别")
    pin = page.get_by_test_id("filter-pin-0")
    expect(pin).to_have_attribute("data-pinned", "0")
    pin.click()
    expect(pin).to_have_attribute("data-pinned", "1")
    expect(bar.get_by_test_id("pinned-level")).to_be_visible()
    assert _api(page, "GET", "/customers/views/all")["pinned_fields"] == ["tags", "source", "last_followup_at",
                                                                         "level"]
    page.get_by_test_id("filter-close").click()

    # pick a value: the list narrows at once
    _choose(page, page.get_by_test_id("pinned-value-level").locator(".el-select"), "VIP客户")
    expect(_rows(page)).to_have_count(1)
    assert _names(page) == [vip["name"]]
    assert {p["field"] for p in _pins(page)} == {"source", "level"}
    _shot(page, "pinned-bar-1280")
    # the bar stays on one tidy line at 1280 px: every item on the same row, nothing spills out
    boxes = [bar.get_by_test_id(f"pinned-{k}").bounding_box() for k in ("tags", "source", "last_followup_at",
                                                                       "level")]
    assert all(b is not None for b in boxes)
    tops = {round(b["y"]) for b in boxes if b}
    assert len(tops) == 1, boxes
    card = page.locator(".hk-card").first.bounding_box()
    assert card and all(b and b["x"] + b["width"] <= card["x"] + card["width"] for b in boxes), (boxes, card)

    # a date field from the settings dialog: 创建时间, with shortcuts
    page.get_by_test_id("pinned-settings").click()
    dialog = page.get_by_test_id("column-dialog")
    expect(dialog.get_by_test_id("pinned-pick")).to_be_visible()
    dialog.get_by_test_id("pin-check-created_at").click()
    expect(dialog.get_by_test_id("pin-item-created_at")).to_be_visible()
    _shot(page, "pinned-settings")
    page.get_by_test_id("column-save").click()
    expect(dialog).to_be_hidden()
    period = page.get_by_test_id("pinned-value-created_at-period")
    _choose(page, period, "上月")
    expect(page.get_by_test_id("customer-empty")).to_be_visible()  # all three were created today
    _choose(page, period, "今天")
    expect(_rows(page)).to_have_count(1)
    created = next(p for p in _pins(page) if p["field"] == "created_at")
    assert created == {"field": "created_at", "op": "relative", "value": "today"}

    # a reload keeps the values (URL) and the pinned fields (list view)
    page.reload()
    _wait_list(page)
    expect(_rows(page)).to_have_count(1)
    expect(_search_box(page)).to_have_value(mark)
    expect(page.get_by_test_id("pinned-value-level")).to_contain_text("VIP客户")
    expect(page.get_by_test_id("pinned-value-source")).to_contain_text("抖音")
    expect(page.get_by_test_id("pinned-value-created_at-period")).to_contain_text("今天")

    # unpin 客户级别 from the builder: its field and its value leave, the list widens
    page.get_by_test_id("filter-toggle").click()
    _choose(page, page.get_by_test_id("filter-field-0"), "客户级别")
    page.get_by_test_id("filter-pin-0").click()
    expect(bar.get_by_test_id("pinned-level")).to_have_count(0)
    expect(_rows(page)).to_have_count(2)
    assert "level" not in {p["field"] for p in _pins(page)}
    assert "level" not in _api(page, "GET", "/customers/views/all")["pinned_fields"]

    # the filter builder's conditions AND the pinned values: 客户名称 contains 丙 (source 展会) AND 来源 = 抖音
    _choose(page, page.get_by_test_id("filter-field-0"), "客户名称")
    page.get_by_test_id("filter-value-0").locator("input").fill(f"{mark}丙")
    page.get_by_test_id("filter-apply").click()
    expect(page.get_by_test_id("customer-empty")).to_be_visible()
    assert "filter" in _query(page) and _pins(page)
    page.get_by_test_id("filter-close").click()

    # clearing the bar keeps the search words and the builder's conditions
    page.get_by_test_id("pinned-clear").click()
    expect(_rows(page)).to_have_count(1)
    assert _names(page) == [f"{mark}丙"]
    assert "pin" not in _query(page) and _query(page)["q"] == mark and "filter" in _query(page)
    _api(page, "DELETE", "/customers/views/all")
    assert not errors, errors


def test_region_cascader_in_filter_builder_and_customer_form(page: Page) -> None:
    errors = _console_errors(page)
    login(page, "admin")
    mark = f"区{uuid.uuid4().hex[:6]}"
    sz = _create(page, f"{mark}深圳", custom_fields={"office_region": "广东省/深圳市/南山区"})
    gz = _create(page, f"{mark}广州", custom_fields={"office_region": "广东省/广州市"})
    _create(page, f"{mark}杭州", custom_fields={"office_region": "浙江省/杭州市/西湖区"})
    page.goto("/customers/all")
    _search(page, mark)
    expect(_rows(page)).to_have_count(3)

    # 办公地区 属于 广东省: the cascader, a province ticked
    page.get_by_test_id("filter-toggle").click()
    _choose(page, page.get_by_test_id("filter-field-0"), "办公地区")
    expect(page.get_by_test_id("filter-op-0")).to_contain_text("属于")
    page.get_by_test_id("filter-value-0-region").click()
    _cascader_node(page, "广东省").locator(".el-checkbox").click()
    _shot(page, "region-cascader-filter")
    page.keyboard.press("Escape")
    expect(page.locator(".hk-region-popper:visible")).to_have_count(0)
    expect(page.get_by_test_id("filter-value-0")).to_contain_text("广东省")
    page.get_by_test_id("filter-apply").click()
    _wait_list(page)
    expect(_rows(page)).to_have_count(2)
    assert sorted(_names(page)) == sorted([sz["name"], gz["name"]])
    flt = json.loads(_query(page)["filter"])
    assert flt["conditions"] == [{"field": "cf.office_region", "op": "within", "value": ["广东省"]}]
    # a city under it narrows further
    page.get_by_test_id("filter-value-0-region").click()
    _cascader_node(page, "广东省").locator(".el-cascader-node__label").click()
    _cascader_node(page, "深圳市").locator(".el-checkbox").click()
    _cascader_node(page, "广东省").locator(".el-checkbox").click()  # untick the province
    page.keyboard.press("Escape")
    expect(page.locator(".hk-region-popper:visible")).to_have_count(0)
    page.get_by_test_id("filter-apply").click()
    expect(_rows(page)).to_have_count(1)
    assert _names(page) == [sz["name"]]

    # the new-customer form: 地区 picked 省 → 市 → 区, stored as 广东省/深圳市/南山区
    page.get_by_test_id("customer-new").click()
    dialog = page.get_by_test_id("customer-create-dialog")
    expect(dialog).to_be_visible()
    name = f"{mark}新建"
    dialog.get_by_test_id("customer-form-name").fill(name)  # Element Plus puts the test id on the <input>
    dialog.get_by_test_id("customer-form-phone-0").fill("139" + str(uuid.uuid4().int)[:8])
    dialog.get_by_test_id("customer-form-region").click()
    _cascader_node(page, "广东省").locator(".el-cascader-node__label").click()
    _cascader_node(page, "深圳市").locator(".el-cascader-node__label").click()
    _cascader_node(page, "南山区").locator(".el-radio").click()
    dialog.locator(".el-dialog__header").click()  # closes the picker (Escape would close the dialog)
    expect(page.locator(".hk-region-popper:visible")).to_have_count(0)
    expect(dialog.get_by_test_id("customer-form-region").locator("input")).to_have_value("广东省/深圳市/南山区")
    # a custom region field of the form: the same picker
    region_cf = dialog.get_by_test_id("customer-form-cf-office_region-region")
    region_cf.scroll_into_view_if_needed()
    region_cf.click()
    _cascader_node(page, "浙江省").locator(".el-cascader-node__label").click()
    _cascader_node(page, "杭州市").locator(".el-cascader-node__label").click()
    _cascader_node(page, "西湖区").locator(".el-cascader-node__label").click()  # a leaf: a click picks it
    dialog.locator(".el-dialog__header").click()
    expect(region_cf.locator("input")).to_have_value("浙江省/杭州市/西湖区")
    _shot(page, "region-cascader-form")
    dialog.get_by_test_id("customer-form-save").click()
    expect(dialog).to_be_hidden()
    found = _api(page, "GET", f"/customers?pool=all&q={name}")["items"]
    assert [c["region"] for c in found] == ["广东省/深圳市/南山区"]
    detail = _api(page, "GET", f"/customers/{found[0]['id']}")
    assert detail["custom_fields"]["office_region"] == "浙江省/杭州市/西湖区"
    assert not errors, errors
