"""Automatic customer grading (POOL-16) in the browser: the admin opens 系统设置 → 公海与分配 → 客户自动分级,
switches it on, edits a rule's amount, saves (the tenant is regraded at once), then a new customer is
graded by 立即执行 with the result shown on the page.

Runs against a real `huike serve` on a freshly seeded demo database (fixtures in conftest.py)."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _api(page: Page, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the API as the logged-in browser user (its cookies, its CSRF token)."""
    csrf = next((c["value"] for c in page.context.cookies() if c["name"] == "huike_csrf"), "")
    res = page.request.fetch(f"/api/v1{path}", method=method, data=body,
                             headers={"X-CSRF-Token": csrf, "Accept-Language": "zh-CN"})
    assert res.ok, f"{method} {path}: {res.status} {res.text()}"
    return res.json() if res.status != 204 else None


def test_admin_edits_a_grading_rule_and_applies_it(page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page)
    page.goto("/settings/pools?tab=grading")
    panel = page.get_by_test_id("grading-rules")
    expect(panel).to_be_visible()
    # nothing saved yet: the manual's table as defaults, switched off
    expect(page.get_by_test_id("grading-note")).to_contain_text("默认规则")
    expect(page.get_by_test_id("grading-rule-level-0")).to_contain_text("VIP客户")
    amount = page.get_by_test_id("grading-rule-amount-2").locator("input")
    expect(amount).to_have_value("10000.00")
    expect(page.get_by_test_id("grading-apply")).to_be_disabled()

    # switch on, let every customer without purchases be 普通客户 (the third rule from 0), save
    page.get_by_test_id("grading-enabled").click()
    amount.fill("0")
    amount.blur()
    expect(amount).to_have_value("0.00")
    page.get_by_test_id("grading-save").click()
    expect(page.get_by_test_id("grading-result")).to_contain_text("个客户的级别已按新规则更新")
    saved = _api(page, "GET", "/pool/grading")
    assert saved["enabled"] is True and saved["saved"] is True
    assert saved["rules"][2] == {"level": "普通客户", "min_amount": "0.00", "within_days": None}
    expect(page.get_by_test_id("grading-last-run")).to_contain_text("上次评级")

    # a new customer has no level until grading runs: 立即执行 grades it
    name = f"分级客户{uuid.uuid4().hex[:6]}"
    cid = _api(page, "POST", "/customers", {
        "name": name, "phones": ["139" + "".join(random.choice("0123456789") for _ in range(8))],
        "pool": "potential"})["id"]
    assert _api(page, "GET", f"/customers/{cid}")["level"] is None
    page.get_by_test_id("grading-apply").click()
    box = page.locator(".el-message-box")
    expect(box).to_be_visible()
    box.locator(".el-message-box__btns .el-button--primary").click()
    result = page.get_by_test_id("grading-result")
    expect(result).to_contain_text("已重新评级")
    expect(result).to_contain_text("普通客户")
    got = _api(page, "GET", f"/customers/{cid}")
    assert (got["level"], got["level_source"]) == ("普通客户", "auto")
    types = [e["type"] for e in _api(page, "GET", f"/customers/{cid}/events")["items"]]
    assert "level_changed" in types
    assert not errors, errors
    # leave the shared demo tenant as other browser tests expect it: grading off again
    _api(page, "PUT", "/pool/grading", {**{k: saved[k] for k in ("window_days", "rules", "fallback_level",
                                                                   "override_manual")}, "enabled": False})
