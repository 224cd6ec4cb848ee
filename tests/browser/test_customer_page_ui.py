"""A customer's full page and files on the work of a customer, in the web UI.

The full page is the drawer's detail with room: opened from the drawer it steps through the list it came
from and goes back to it as it was; opened by URL it stands alone; a customer outside the viewer's scope
shows a not-found state. Files: the author of a follow-up adds one from the follow-up list, a return-visit
record takes one when it is written; both list and download.

Runs against a real `huike serve` on a freshly seeded demo database (fixtures in conftest.py).
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import DEMO_PASSWORD, login
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "screenshots"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def _console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"customer-page-{name}.png"), full_page=True)


def _rows(page: Page) -> Locator:
    return page.get_by_test_id("customer-table").locator(".el-table__body tr.el-table__row")


def _fill(page: Page, testid: str, value: str) -> None:
    el = page.get_by_test_id(testid)
    inner = el.locator("input, textarea")
    (inner.first if inner.count() else el).fill(value)


def _api(live_server: str, username: str) -> httpx.Client:
    api = httpx.Client(base_url=f"{live_server}/api/v1", timeout=30)
    token = api.post("/auth/login", json={"tenant": "demo", "username": username, "password": DEMO_PASSWORD}
                     ).json()["access_token"]
    api.headers["Authorization"] = f"Bearer {token}"
    return api


def test_full_page_from_the_drawer_steps_through_the_list_and_goes_back(page: Page) -> None:
    errors = _console_errors(page)
    login(page, "admin")
    page.goto("/customers/all")
    rows = _rows(page)
    expect(rows.nth(3)).to_be_visible(timeout=20_000)
    names = [rows.nth(i).locator(".name-link").inner_text().strip() for i in range(3)]
    rows.first.click()
    drawer = page.get_by_test_id("customer-drawer")
    expect(drawer.get_by_test_id("customer-detail-name")).to_have_text(names[0])

    _shot(page, "drawer")
    drawer.get_by_test_id("drawer-open-page").click()
    page.wait_for_url(re.compile(r"/customers/detail/\d+\?from="))
    detail = page.get_by_test_id("customer-page")
    name = detail.get_by_test_id("customer-detail-name")
    expect(name).to_have_text(names[0])
    expect(detail.get_by_test_id("customer-page-position")).to_have_text("第 1 / 20+ 个")
    expect(detail.get_by_test_id("customer-page-back")).to_have_text("返回「全部客户」")
    expect(detail.get_by_test_id("customer-detail-owner")).to_be_visible()
    expect(detail.get_by_test_id("customer-actions")).to_be_visible()
    expect(detail.get_by_test_id("customer-page-prev")).to_be_disabled()
    # the sidebar still shows where the user came from
    expect(page.locator(".el-menu .el-menu-item.is-active")).to_have_text("全部客户")
    _shot(page, "basic")

    # next, next, previous: the rows of the list, without going back to it
    first_url = page.url
    detail.get_by_test_id("customer-page-next").click()
    expect(name).to_have_text(names[1])
    detail.get_by_test_id("customer-page-next").click()
    expect(name).to_have_text(names[2])
    expect(detail.get_by_test_id("customer-page-position")).to_have_text("第 3 / 20+ 个")
    detail.get_by_test_id("customer-page-prev").click()
    expect(name).to_have_text(names[1])
    assert page.url != first_url and "from=" in page.url

    # every tab of the drawer is here too
    detail.get_by_test_id("drawer-tab-followups").click()
    expect(detail.get_by_test_id("followups-tab")).to_be_visible()
    detail.get_by_test_id("drawer-tab-contacts").click()
    expect(detail.get_by_test_id("drawer-tab-contacts")).to_be_visible()
    detail.get_by_text("客户动态", exact=True).click()
    _shot(page, "timeline")

    # back to the list as it was: the same rows, the drawer closed
    detail.get_by_test_id("customer-page-back").click()
    page.wait_for_url(re.compile(r"/customers/all$"))
    expect(_rows(page).first.locator(".name-link")).to_have_text(names[0], timeout=20_000)
    expect(_rows(page)).to_have_count(20)
    expect(page.get_by_test_id("customer-drawer")).to_be_hidden()
    assert errors == [], errors


def test_a_pool_move_works_on_the_full_page(page: Page, live_server: str) -> None:
    """The moves of the list work on the full page: an admin locks and unlocks a customer there."""
    errors = _console_errors(page)
    api = _api(live_server, "admin")
    cid = next(c["id"] for c in api.get("/customers", params={"pool": "following", "limit": 50}).json()["items"]
               if not c["locked"])
    login(page, "admin")
    page.goto(f"/customers/detail/{cid}")
    detail = page.get_by_test_id("customer-page")
    expect(detail.get_by_test_id("customer-detail-name")).not_to_have_text("客户详情")
    # opened by its URL: no list to step through, the way back goes to the customer list
    expect(detail.get_by_test_id("customer-page-position")).to_have_count(0)
    expect(detail.get_by_test_id("customer-page-back")).to_have_text("返回客户列表")
    detail.get_by_test_id("customer-more").click()
    page.locator(".el-dropdown-menu:visible").get_by_test_id("customer-lock").click()
    dialog = page.locator(".el-dialog:visible")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("bulk-submit").click()
    expect(detail.locator(".headline")).to_contain_text("锁定")
    assert api.get(f"/customers/{cid}").json()["locked"] is True
    _shot(page, "after-lock")
    detail.get_by_test_id("customer-more").click()
    page.locator(".el-dropdown-menu:visible").get_by_test_id("customer-unlock").click()
    page.locator(".el-dialog:visible").get_by_test_id("bulk-submit").click()
    expect(detail.locator(".headline")).not_to_contain_text("锁定")
    assert api.get(f"/customers/{cid}").json()["locked"] is False
    assert errors == [], errors


def test_a_salesperson_opening_anothers_customer_by_url_sees_not_found(page: Page, live_server: str) -> None:
    errors = _console_errors(page)
    admin = _api(live_server, "admin")
    mine = _api(live_server, "sales01")
    me = mine.get("/me").json()
    theirs = next(c["id"] for c in admin.get("/customers", params={"pool": "following", "limit": 100}).json()["items"]
                  if c["owner_id"] != me["id"] and mine.get(f"/customers/{c['id']}").status_code == 404)
    own = mine.get("/customers", params={"pool": "mine"}).json()["items"][0]

    login(page, "sales01")
    page.goto(f"/customers/detail/{theirs}")
    missing = page.get_by_test_id("customer-not-found")
    expect(missing).to_be_visible()
    expect(missing).to_contain_text("客户不存在或无权查看")
    expect(page.get_by_test_id("customer-tabs")).to_have_count(0)
    expect(page.locator(".el-message--error")).to_have_count(0)  # a state of the page, not an error toast
    _shot(page, "not-found")
    page.get_by_test_id("customer-page-not-found-back").click()
    page.wait_for_url(re.compile(r"/customers/all$"))

    # the salesperson's own customer opens by its URL
    page.goto(f"/customers/detail/{own['id']}")
    expect(page.get_by_test_id("customer-page").get_by_test_id("customer-detail-name")).to_have_text(own["name"])
    # the 404 of the refused customer is logged by the browser; nothing else went wrong
    assert [e for e in errors if "status of 404" not in e] == [], errors


def test_the_author_adds_a_file_to_a_followup_from_the_list(page: Page, live_server: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    errors = _console_errors(page)
    mine = _api(live_server, "sales01")
    own = mine.get("/customers", params={"pool": "mine"}).json()["items"][0]
    text = f"约了下周演示 {uuid.uuid4().hex[:6]}"
    mine.post(f"/customers/{own['id']}/followups", json={"content": text}).raise_for_status()
    pdf = tmp_path / "演示方案.pdf"
    pdf.write_bytes(PDF)

    login(page, "sales01")
    page.goto(f"/customers/detail/{own['id']}")
    detail = page.get_by_test_id("customer-page")
    detail.get_by_test_id("drawer-tab-followups").click()
    item = detail.get_by_test_id("followup-list").locator("[data-testid^=followup-item-]").filter(has_text=text)
    expect(item).to_have_count(1)
    item.get_by_test_id("followup-file-upload").locator("input[type=file]").set_input_files(str(pdf))
    link = item.get_by_test_id("followup-files-list").locator("a")
    expect(link).to_have_count(1)
    expect(link).to_contain_text("演示方案.pdf")
    _shot(page, "followup-file")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "演示方案.pdf"
    with open(download.value.path(), "rb") as fh:
        assert fh.read() == PDF
    # it is the follow-up's file on the server too
    listed = mine.get(f"/customers/{own['id']}/followups").json()["items"]
    assert [f["filename"] for f in next(x for x in listed if x["content"] == text)["files"]] == ["演示方案.pdf"]

    # a return-visit record takes a file when it is written
    photo = tmp_path / "回访现场.png"
    photo.write_bytes(PNG)
    content = f"电话回访 {uuid.uuid4().hex[:6]}"
    detail.get_by_test_id("drawer-tab-visits").click()
    detail.get_by_test_id("visit-record-adhoc").click()
    dialog = page.get_by_test_id("visit-record-dialog")
    expect(dialog).to_be_visible()
    page.get_by_test_id("visit-satisfaction-satisfied").click()
    _fill(page, "visit-record-content", content)
    dialog.get_by_test_id("visit-record-file-upload").locator("input[type=file]").set_input_files(str(photo))
    expect(dialog.get_by_test_id("visit-record-file-pending")).to_contain_text("回访现场.png")
    _shot(page, "visit-record-dialog")
    page.get_by_test_id("visit-record-save").click()
    expect(dialog).to_be_hidden()
    record = detail.get_by_test_id("visits-tab").locator("[data-testid^=visit-rec-item-]").filter(has_text=content)
    expect(record.get_by_test_id("visit-record-files-list").locator("a")).to_contain_text("回访现场.png")
    expect(detail.get_by_test_id("visits-tab").locator(".el-loading-mask:visible")).to_have_count(0)
    _shot(page, "visit-record-file")
    assert errors == [], errors
