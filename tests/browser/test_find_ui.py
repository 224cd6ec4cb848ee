"""Finding customers in the browser (issue 4, FIND-1…8): quick search by a Chinese fragment and by
pinyin initials; the filter builder (a tag any-of + a date range) narrowing the list to the right rows;
saving it as a 常用筛选, reloading, applying it from its chip and pinning it; the column dialog (hide a
column, drag a custom column, headers persist after reload); sorting by a column header; the list
keeping its rows, scroll position and selection when the detail drawer closes and when navigating back.

Runs against a real `huike serve` on a freshly seeded demo database, SQLite and PostgreSQL (fixtures
in conftest.py). Every customer a test needs is created through the API with a unique marker, and each
test narrows the list to its own customers with that marker, so the tests neither depend on the seed's
random data nor on each other.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Locator, Page, expect

from huike.find.text import pinyin_forms
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "screenshots" / "find"
# characters with one common reading, rare in the demo's names
RARE = "嵇邝霍滕骆蔺祁殷裘阎毕郦雍巫戚"


@pytest.fixture(autouse=True)
def _patient_expect() -> Any:
    """A busy 2-core CI box can take more than the default 5 s to load a page: wait up to 15 s."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


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


def _create(page: Page, name: str, **extra: Any) -> dict[str, Any]:
    phone = "139" + "".join(random.choice("0123456789") for _ in range(8))
    return _api(page, "POST", "/customers", {"name": name, "phones": [phone], "pool": "potential", **extra})


def _rows(page: Page) -> Locator:
    return page.get_by_test_id("customer-table").locator(".el-table__body-wrapper tr.el-table__row")


def _names(page: Page) -> list[str]:
    return [n.strip() for n in _rows(page).locator(".name-link").all_inner_texts()]


def _search_box(page: Page) -> Locator:
    el = page.get_by_test_id("customer-search")
    return el.locator("input") if el.locator("input").count() else el  # Element Plus puts it on the <input>


def _search(page: Page, text: str) -> None:
    box = _search_box(page)
    box.fill(text)
    box.press("Enter")


def _headers(page: Page) -> list[str]:
    cells = page.get_by_test_id("customer-table").locator(".el-table__header-wrapper th .cell")
    return [c.strip() for c in cells.all_inner_texts() if c.strip()]


def _query(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _choose(page: Page, select: Locator, *labels: str) -> None:
    """Pick options of an Element Plus select (its dropdown is teleported to the body)."""
    select.click()
    for label in labels:
        page.locator(".hk-find-popper:visible .el-select-dropdown__item").filter(
            has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first.click()
    page.keyboard.press("Escape")


def _wait_list(page: Page) -> None:
    expect(page.get_by_test_id("customer-table").locator(".el-loading-mask")).to_have_count(0)


# ---------------------------------------------------------------------- quick search (FIND-1)
def test_quick_search_by_chinese_fragment_and_pinyin_initials(page: Page) -> None:
    errors = _console_errors(page)
    login(page, "admin")
    name = "".join(random.sample(RARE, 5))
    initials = pinyin_forms(name)[1]
    assert initials and len(initials) == 5
    target = _create(page, name, company=f"查找测试{uuid.uuid4().hex[:6]}")
    _create(page, name[::-1])  # the same characters in another order: not a match for the fragment

    page.goto("/customers/all")
    _search(page, name[1:4])
    expect(_rows(page)).to_have_count(1)
    assert _names(page) == [name]
    expect(page).to_have_url(re.compile(r"[?&]q="))
    assert _query(page)["q"] == name[1:4]
    _shot(page, "search-fragment")

    _search(page, initials)
    expect(_rows(page).filter(has_text=name)).to_have_count(1)
    assert name in _names(page) and name[::-1] not in _names(page)

    # the search survives a reload (it is in the URL)
    page.reload()
    expect(_rows(page).filter(has_text=name)).to_have_count(1)
    expect(_search_box(page)).to_have_value(initials)

    # clearing the box brings the whole pool back
    _search_box(page).fill("")
    _search_box(page).press("Enter")
    expect(_rows(page)).to_have_count(20)
    assert "q" not in _query(page)
    assert target["id"]
    assert not errors, errors


# ---------------------------------------------------------------------- filter builder and saved filters (FIND-2…7)
def _build_filter(page: Page, start: str, end: str) -> None:
    """标签 包含任意 高意向, 需回访 AND 预计签约日 介于 start ~ end."""
    page.get_by_test_id("filter-toggle").click()
    panel = page.get_by_test_id("filter-panel")
    expect(panel).to_be_visible()
    _choose(page, page.get_by_test_id("filter-field-0"), "标签")
    expect(page.get_by_test_id("filter-op-0")).to_contain_text("包含任意")
    _choose(page, page.get_by_test_id("filter-value-0").locator(".el-select"), "高意向", "需回访")
    page.get_by_test_id("filter-add").click()
    _choose(page, page.get_by_test_id("filter-field-1"), "预计签约日")
    _choose(page, page.get_by_test_id("filter-op-1"), "介于")
    inputs = page.get_by_test_id("filter-value-1").locator("input")
    inputs.nth(0).fill(start)
    inputs.nth(1).fill(end)
    inputs.nth(1).press("Enter")
    page.keyboard.press("Escape")


def test_filter_builder_narrows_saves_reloads_applies_and_pins(page: Page) -> None:
    errors = _console_errors(page)
    login(page, "admin")
    mark = f"筛{uuid.uuid4().hex[:6]}"
    rows = {
        "A": _create(page, f"{mark}甲", tags=["高意向"], custom_fields={"sign_date": "2026-12-05"}),
        "B": _create(page, f"{mark}乙", tags=["需回访", "价格敏感"], custom_fields={"sign_date": "2026-12-20"}),
        "C": _create(page, f"{mark}丙", tags=["高意向"], custom_fields={"sign_date": "2027-03-01"}),  # date out
        "D": _create(page, f"{mark}丁", tags=["低意向"], custom_fields={"sign_date": "2026-12-10"}),  # tag out
        "E": _create(page, f"{mark}戊", tags=["需回访"]),  # no date
    }
    page.goto("/customers/all")
    _search(page, mark)
    expect(_rows(page)).to_have_count(5)

    _build_filter(page, "2026-12-01", "2026-12-31")
    _shot(page, "filter-builder")
    page.get_by_test_id("filter-apply").click()
    _wait_list(page)
    expect(_rows(page)).to_have_count(2)
    assert sorted(_names(page)) == sorted([rows["A"]["name"], rows["B"]["name"]])
    expect(page.get_by_test_id("filter-toggle")).to_contain_text("筛选")
    flt = json.loads(_query(page)["filter"])
    assert flt["conditions"][0] == {"field": "tags", "op": "contains_any", "value": ["高意向", "需回访"]}
    assert flt["conditions"][1] == {"field": "cf.sign_date", "op": "between", "value": ["2026-12-01", "2026-12-31"]}

    # OR instead of AND widens it to every row that has either
    page.get_by_test_id("filter-logic-or").click()
    page.get_by_test_id("filter-apply").click()
    expect(_rows(page)).to_have_count(5)
    page.get_by_test_id("filter-logic-and").click()
    page.get_by_test_id("filter-apply").click()
    expect(_rows(page)).to_have_count(2)

    # save it as a 常用筛选 (not pinned yet)
    saved_name = f"签约季{mark[-4:]}"
    page.get_by_test_id("filter-save").click()
    dialog = page.get_by_test_id("save-filter-dialog")
    expect(dialog).to_be_visible()
    page.get_by_test_id("save-filter-name").fill(saved_name)
    page.get_by_test_id("save-filter-pinned").click()  # on by default: off
    page.get_by_test_id("save-filter-submit").click()
    expect(dialog).to_be_hidden()
    saved = next(s for s in _api(page, "GET", "/customers/saved-filters?pool=all") if s["name"] == saved_name)
    assert saved["pinned"] is False and saved["q"] == mark
    expect(page.get_by_test_id(f"saved-chip-{saved['id']}")).to_have_count(0)

    # the filter survives a reload (URL); then back to everything, and the saved filter re-applies it
    page.reload()
    expect(_rows(page)).to_have_count(2)
    page.get_by_test_id("saved-filter-all").click()
    expect(_rows(page)).to_have_count(20)
    assert "filter" not in _query(page) and "q" not in _query(page)
    page.get_by_test_id("saved-filters-more").click()
    page.get_by_test_id(f"saved-item-{saved['id']}").click()
    expect(_rows(page)).to_have_count(2)
    assert sorted(_names(page)) == sorted([rows["A"]["name"], rows["B"]["name"]])

    # pin it: it becomes a quick chip, kept after a reload; one click on the chip applies it
    page.get_by_test_id("saved-filters-more").click()
    page.get_by_test_id(f"saved-pin-{saved['id']}").click()
    chip = page.get_by_test_id(f"saved-chip-{saved['id']}")
    expect(chip).to_be_visible()
    page.keyboard.press("Escape")
    page.goto("/customers/all")
    expect(chip).to_be_visible()
    expect(_rows(page)).to_have_count(20)
    chip.click()
    expect(_rows(page)).to_have_count(2)
    expect(chip).to_have_class(re.compile(r"\bon\b"))
    _shot(page, "saved-chip-applied")
    # the builder shows the applied conditions
    page.get_by_test_id("filter-toggle").click()
    expect(page.get_by_test_id("filter-row")).to_have_count(2)
    expect(page.get_by_test_id("filter-field-1")).to_contain_text("预计签约日")

    # more than 10 conditions are refused with a clear message
    for _ in range(8):
        page.get_by_test_id("filter-add").click()
    expect(page.get_by_test_id("filter-row")).to_have_count(10)
    page.get_by_test_id("filter-add").click()
    expect(page.get_by_test_id("filter-too-many")).to_contain_text("最多 10 个筛选条件")
    expect(page.get_by_test_id("filter-row")).to_have_count(10)
    assert not errors, errors


# ---------------------------------------------------------------------- columns and sort (FIND-8)
def test_column_dialog_hide_drag_persist_and_sort(page: Page) -> None:
    errors = _console_errors(page)
    login(page, "sales01")
    _api(page, "DELETE", "/customers/views/mine")  # start from the default columns
    page.goto("/customers/mine")
    _wait_list(page)
    expect(page.get_by_test_id("customer-table").locator("th.col-company")).to_have_count(1)  # the view has loaded
    before = _headers(page)
    assert "公司名称" in before and "预算" not in before

    page.get_by_test_id("columns-open").click()
    dialog = page.get_by_test_id("column-dialog")
    expect(dialog).to_be_visible()
    page.get_by_test_id("column-check-company").click()  # hide
    page.get_by_test_id("column-check-cf.budget").click()
    page.get_by_test_id("column-check-cf.staff_count").click()
    page.get_by_test_id("column-check-cf.customer_kind").click()
    custom = page.get_by_test_id("column-shown").locator("[data-custom]")
    expect(custom).to_have_count(3)
    assert [c.strip() for c in custom.all_inner_texts()] == ["预算", "员工人数", "客户性质"]
    # drag 客户性质 onto 预算: it takes the first place
    page.get_by_test_id("column-item-cf.customer_kind").drag_to(page.get_by_test_id("column-item-cf.budget"))
    expect(custom.first).to_have_text("客户性质")
    assert [c.strip() for c in custom.all_inner_texts()] == ["客户性质", "预算", "员工人数"]
    _shot(page, "column-dialog")
    page.get_by_test_id("column-save").click()
    expect(dialog).to_be_hidden()

    def check_headers() -> None:
        h = _headers(page)
        assert "公司名称" not in h, h
        assert h.index("客户性质") < h.index("预算") < h.index("员工人数"), h
        # system columns first, in their fixed order; custom columns after them
        assert h.index("创建时间") < h.index("客户性质"), h
        assert h[0] == "客户名称", h

    expect(page.get_by_test_id("customer-table").locator("th.col-cf-customer_kind")).to_have_count(1)
    check_headers()
    page.reload()
    _wait_list(page)
    expect(page.get_by_test_id("customer-table").locator("th.col-cf-customer_kind")).to_have_count(1)
    check_headers()
    view = _api(page, "GET", "/customers/views/mine")
    assert view["columns"][-3:] == ["cf.customer_kind", "cf.budget", "cf.staff_count"]
    assert "company" not in view["columns"]

    # sort by a column: server-side, kept in the URL
    mark = f"排{uuid.uuid4().hex[:6]}"
    me = _api(page, "GET", "/me")
    for suffix in ("B", "C", "A"):
        _create(page, f"{mark}-{suffix}", pool="following", owner_id=me["id"])
    _search(page, mark)
    expect(_rows(page)).to_have_count(3)
    header = page.get_by_test_id("customer-table").locator(".el-table__header-wrapper th").filter(has_text="客户名称")
    header.locator(".cell").click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(_rows(page).locator(".name-link")).to_have_text([f"{mark}-A", f"{mark}-B", f"{mark}-C"])
    header.locator(".cell").click()
    expect(page).to_have_url(re.compile(r"sort=-name"))
    expect(_rows(page).locator(".name-link")).to_have_text([f"{mark}-C", f"{mark}-B", f"{mark}-A"])
    page.reload()
    expect(_rows(page).locator(".name-link")).to_have_text([f"{mark}-C", f"{mark}-B", f"{mark}-A"])
    expect(page.get_by_test_id("customer-table").locator("th.is-sortable.descending")).to_have_count(1)
    _shot(page, "sorted-columns")
    assert not errors, errors


# ---------------------------------------------------------------------- list state
def test_list_keeps_its_state_when_the_drawer_closes_and_on_back(page: Page) -> None:
    errors = _console_errors(page)
    login(page, "admin")
    mark = f"态{uuid.uuid4().hex[:6]}"
    for i in range(45):
        _create(page, f"{mark}-{i:02d}")
    page.goto("/customers/all")
    _search(page, mark)
    expect(_rows(page)).to_have_count(20)
    page.get_by_test_id("customer-load-more").click()
    expect(_rows(page)).to_have_count(40)
    # select two rows, scroll down
    _rows(page).nth(1).locator("td").first.locator(".el-checkbox").click()
    _rows(page).nth(30).locator("td").first.locator(".el-checkbox").click()
    expect(page.get_by_test_id("selection-count")).to_contain_text("2")
    page.locator(".hk-layout-content").evaluate("el => el.scrollTop = 900")
    scroll = page.locator(".hk-layout-content").evaluate("el => el.scrollTop")
    assert scroll > 500
    names = _names(page)
    url = page.url

    # open the 31st row, step to the next one in the drawer, close it
    _rows(page).nth(30).locator(".name-link").click()
    drawer = page.get_by_test_id("customer-drawer")
    expect(page.get_by_test_id("customer-detail-name")).to_have_text(names[30])
    page.get_by_test_id("drawer-next").click()
    expect(page.get_by_test_id("customer-detail-name")).to_have_text(names[31])
    page.keyboard.press("Escape")
    expect(drawer.locator(".el-drawer")).to_be_hidden()
    assert _names(page) == names
    assert page.url == url
    expect(page.get_by_test_id("selection-count")).to_contain_text("2")
    assert abs(page.locator(".hk-layout-content").evaluate("el => el.scrollTop") - scroll) < 5

    # away to another page and back: the same rows (page 2 loaded), selection, scroll position
    page.get_by_test_id("menu-tasks").click()
    expect(page).to_have_url(re.compile(r"/tasks"))
    page.go_back()
    expect(_rows(page)).to_have_count(40)
    assert _names(page) == names
    expect(page.get_by_test_id("selection-count")).to_contain_text("2")
    expect(_search_box(page)).to_have_value(mark)
    page.wait_for_function("s => Math.abs(document.querySelector('.hk-layout-content').scrollTop - s) < 5", arg=scroll)
    expect(page.get_by_test_id("customer-load-more")).to_be_visible()
    page.get_by_test_id("customer-load-more").click()
    expect(_rows(page)).to_have_count(45)
    _shot(page, "list-state-restored")
    assert not errors, errors


# ---------------------------------------------------------------------- dictionaries, tags and custom fields (settings)
def _prompt(page: Page, value: str) -> None:
    box = page.locator(".hk-name-prompt")
    expect(box).to_be_visible()
    box.locator("input").fill(value)
    box.get_by_role("button", name="保存").click()
    expect(box).to_be_hidden()


def test_fields_and_tags_settings_feed_the_filter_builder(page: Page) -> None:
    errors = _console_errors(page)
    login(page, "admin")
    sfx = uuid.uuid4().hex[:4]
    page.goto("/settings/fields")
    expect(page.get_by_test_id("page-title")).to_have_text("字段与标签")

    # sources: a 大类 with a 小类, then renamed
    page.get_by_test_id("dict-source-add").click()
    _prompt(page, f"直播{sfx}")
    page.get_by_test_id(f"dict-add-child-直播{sfx}").click()
    _prompt(page, f"抖音直播{sfx}")
    table = page.get_by_test_id("dict-source-table")
    expect(table.get_by_test_id(f"dict-item-抖音直播{sfx}")).to_be_visible()
    page.get_by_test_id(f"dict-rename-抖音直播{sfx}").click()
    _prompt(page, f"快手直播{sfx}")
    expect(table.get_by_test_id(f"dict-item-快手直播{sfx}")).to_be_visible()
    source = _api(page, "GET", "/settings/dictionaries/source")
    parent = next(i for i in source["items"] if i["name"] == f"直播{sfx}")
    assert [c["name"] for c in parent["children"]] == [f"快手直播{sfx}"]

    # industries: add one, disable it
    page.get_by_role("tab", name="行业").click()
    page.get_by_test_id("dict-industry-add").click()
    _prompt(page, f"新能源{sfx}")
    page.get_by_test_id(f"dict-toggle-新能源{sfx}").click()
    expect(page.get_by_test_id("dict-industry-table").locator("tr").filter(has_text=f"新能源{sfx}")).to_contain_text("停用")

    # tags: a new single-choice group with two tags
    page.get_by_role("tab", name="客户标签").click()
    page.get_by_test_id("tag-group-add").click()
    page.get_by_test_id("tag-group-name").fill(f"渠道{sfx}")
    page.get_by_test_id("tag-group-dialog").get_by_text("单选").click()
    page.get_by_test_id("tag-group-submit").click()
    group = page.get_by_test_id(f"tag-group-渠道{sfx}")
    expect(group).to_be_visible()
    for name in (f"线上{sfx}", f"线下{sfx}"):
        page.get_by_test_id(f"tag-add-渠道{sfx}").click()
        page.get_by_test_id(f"tag-input-渠道{sfx}").fill(name)
        page.get_by_test_id(f"tag-input-渠道{sfx}").press("Enter")
        expect(group.get_by_test_id(f"tag-{name}")).to_be_visible()
    groups = _api(page, "GET", "/settings/tag-groups")["groups"]
    g = next(x for x in groups if x["name"] == f"渠道{sfx}")
    assert g["mode"] == "single" and [x["name"] for x in g["tags"]] == [f"线上{sfx}", f"线下{sfx}"]

    # custom fields: a single-choice field with options
    page.get_by_role("tab", name="自定义字段").click()
    page.get_by_test_id("custom-field-add").click()
    page.get_by_test_id("custom-field-label").fill(f"合作意向{sfx}")
    page.get_by_test_id("custom-field-key").fill(f"coop_{sfx}")
    page.get_by_test_id("custom-field-type").click()
    page.locator(".hk-field-type-popper:visible .el-select-dropdown__item").filter(has_text="单选").first.click()
    page.get_by_test_id("custom-field-options").fill("强烈\n一般\n暂无")
    _shot(page, "custom-field-dialog")
    page.get_by_test_id("custom-field-submit").click()
    expect(page.get_by_test_id("custom-field-dialog")).to_be_hidden()
    expect(page.get_by_test_id(f"custom-field-coop_{sfx}")).to_have_text(f"合作意向{sfx}")
    _shot(page, "custom-fields")

    # the new field, options and tags are offered by the customer filter builder and work
    mark = f"设{uuid.uuid4().hex[:6]}"
    yes = _create(page, f"{mark}甲", tags=[f"线上{sfx}"], custom_fields={f"coop_{sfx}": "强烈"})
    _create(page, f"{mark}乙", tags=[f"线下{sfx}"], custom_fields={f"coop_{sfx}": "一般"})
    page.goto("/customers/all")
    _search(page, mark)
    expect(_rows(page)).to_have_count(2)
    page.get_by_test_id("filter-toggle").click()
    _choose(page, page.get_by_test_id("filter-field-0"), f"合作意向{sfx}")
    expect(page.get_by_test_id("filter-op-0")).to_contain_text("等于")
    _choose(page, page.get_by_test_id("filter-value-0").locator(".el-select"), "强烈")
    page.get_by_test_id("filter-apply").click()
    expect(_rows(page)).to_have_count(1)
    assert _names(page) == [yes["name"]]
    assert not errors, errors
