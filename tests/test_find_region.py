"""Region filters (省/市/区) and pinned filter fields (固定筛选项, FIND-7), on SQLite and PostgreSQL.

`within` is what the region pickers (a province / city / district cascader) filter with: a region
is one of the given paths or lies under one (广东省 finds 广东省/深圳市/南山区, not 广东省份)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from huike.audit.models import AuditEntry
from tests.helpers import assert_problem
from tests.test_find_filters import cond, ids_for

API = "/api/v1"


@pytest.fixture(params=["race", "probe", "drive"])
def form(request, monkeypatch):  # type: ignore[no-untyped-def]
    """Each query form alone, and the race (see test_find_filters)."""
    from huike.find import paging

    monkeypatch.setattr(paging, "FORCE_FORM", None if request.param == "race" else request.param)
    return request.param


def test_region_within_system_and_custom_fields(client, world, form):
    h = world.headers("admin")
    r = client.post(f"{API}/settings/custom-fields", json={"key": "area", "label": "办公地区", "type": "region"},
                    headers=h)
    assert r.status_code == 201, r.text

    def make(name: str, region: str | None, area: Any = None) -> int:
        body: dict[str, Any] = {"name": name, "phones": [f"1390001{len(name) * 700 + sum(map(ord, name)) % 700:04d}"],
                                "pool": "public"}
        if region is not None:
            body["region"] = region
        if area is not None:
            body["custom_fields"] = {"area": area}
        r = client.post(f"{API}/customers", headers=h, json=body)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    a = make("南山客户", "广东省/深圳市/南山区", ["广东省", "深圳市", "南山区"])  # the cascader's parts
    b = make("广州客户", "广东省 / 广州市", "广东省／广州市")  # spaces and a full-width slash are normalised
    c = make("广东省份客户", "广东省份", "广东省份")  # a prefix that is no region under 广东省
    d = make("杭州客户", "浙江省/杭州市/西湖区", "浙江省/杭州市/西湖区")
    e = make("无地区", None)
    everyone = {a, b, c, d, e}
    got = client.get(f"{API}/customers/{a}", headers=h).json()
    assert got["region"] == "广东省/深圳市/南山区" and got["custom_fields"]["area"] == "广东省/深圳市/南山区"
    assert client.get(f"{API}/customers/{b}", headers=h).json()["custom_fields"]["area"] == "广东省/广州市"

    for field in ("region", "cf.area"):
        assert ids_for(client, world, cond(field, "within", ["广东省"])) & everyone == {a, b}, field
        assert ids_for(client, world, cond(field, "within", "广东省")) & everyone == {a, b}, field  # one path
        assert ids_for(client, world, cond(field, "within", ["广东省/深圳市"])) & everyone == {a}, field
        assert ids_for(client, world, cond(field, "within", ["广东省/深圳市/南山区"])) & everyone == {a}, field
        assert ids_for(client, world, cond(field, "within", ["广东省／深圳市 "])) & everyone == {a}, field
        assert ids_for(client, world, cond(field, "within", ["广东省/广州市", "浙江省"])) & everyone == {b, d}, field
        assert ids_for(client, world, cond(field, "within", ["广东省份"])) & everyone == {c}, field
        assert ids_for(client, world, cond(field, "within", ["江苏省"])) & everyone == set(), field
        # what the pinned bar sends: the pinned region AND the filter builder's OR group
        flt = [cond(field, "within", ["广东省"]),
               {"logic": "or", "conditions": [cond("name", "contains", "南山"), cond("name", "contains", "杭州")]}]
        assert ids_for(client, world, *flt) & everyone == {a}, field
        # a value that is no path: 422 with the condition's path
        for bad in ([""], [5], ["a/b/c/d/e"]):
            r = client.get(f"{API}/customers", headers=h, params={
                "filter": json.dumps({"conditions": [cond(field, "within", bad)]})})
            body = assert_problem(r, 422, "invalid_filter")
            assert body["errors"][0]["field"] == "filter.conditions.0.value", body
    # only region fields have it
    r = client.get(f"{API}/customers", headers=h, params={
        "filter": '{"conditions": [{"field": "company", "op": "within", "value": ["广东省"]}]}'})
    assert assert_problem(r, 422, "invalid_filter")["errors"][0]["code"] == "bad_operator"
    fields = {f["key"]: f for f in client.get(f"{API}/customers/fields", headers=h).json()}
    assert fields["region"]["operators"][0] == "within" and fields["cf.area"]["operators"][0] == "within"


def test_pinned_fields_are_per_employee_pool_and_audited(client, world):
    h = world.headers("sales_east1")
    default = client.get(f"{API}/customers/views/mine", headers=h).json()
    # nothing saved: three common fields are pinned (tags, source, last follow-up)
    assert default["is_default"] and default["pinned_fields"] == ["tags", "source", "last_followup_at"]
    body = {"columns": default["columns"], "pinned_fields": ["region", "owner", "region"]}
    r = client.put(f"{API}/customers/views/mine", json=body, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["pinned_fields"] == ["region", "owner"]  # once each, in the given order
    assert client.get(f"{API}/customers/views/mine", headers=h).json()["pinned_fields"] == ["region", "owner"]
    # per employee and per pool
    assert client.get(f"{API}/customers/views/all", headers=h).json()["pinned_fields"] == default["pinned_fields"]
    other = client.get(f"{API}/customers/views/mine", headers=world.headers("sales_east1b")).json()
    assert other["pinned_fields"] == default["pinned_fields"]
    # unpin everything: an empty bar, not the defaults again
    r = client.put(f"{API}/customers/views/mine", json={**body, "pinned_fields": []}, headers=h)
    assert r.json()["pinned_fields"] == [] and r.json()["is_default"] is False
    assert_problem(client.put(f"{API}/customers/views/mine", json={**body, "pinned_fields": ["nope"]}, headers=h),
                   422, "invalid_columns")
    assert client.delete(f"{API}/customers/views/mine", headers=h).status_code == 204
    assert client.get(f"{API}/customers/views/mine", headers=h).json()["pinned_fields"] == default["pinned_fields"]
    with world.db.transaction(world.tenant_id) as s:
        rows = list(s.execute(sa.select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
                              .where(AuditEntry.target_type == "list_view").order_by(AuditEntry.id)))
    assert [x.action for x in rows] == ["list_view.update", "list_view.update", "list_view.reset"]
    assert rows[0].after["pinned_fields"] == ["region", "owner"] and rows[0].before is None
    assert rows[1].before == {"pinned_fields": ["region", "owner"]} and rows[1].after == {"pool": "mine",
                                                                                          "pinned_fields": []}
