"""The filter language (FIND-2…5), sorting on every sortable column with keyset pages, totals,
saved and pinned filters (FIND-6/7) and column settings (FIND-8), on SQLite and PostgreSQL.
Filters always narrow the pool and the data scope, never widen them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from huike.customer.models import Customer
from huike.find.filters import relative_range
from huike.find.schemas import RelativeDate
from huike.kit import clock
from huike.pool.models import WecomFriend
from tests.helpers import assert_problem

API = "/api/v1"


@pytest.fixture(params=["race", "probe", "drive"])
def form(request, monkeypatch):  # type: ignore[no-untyped-def]
    """Each query form alone (probe: row by row along the sort index; drive: through the conditions'
    own indexes and, on PostgreSQL, the row-level-security search functions), and the race."""
    from huike.find import paging

    monkeypatch.setattr(paging, "FORCE_FORM", None if request.param == "race" else request.param)
    return request.param


def cond(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def listing(client: Any, world: Any, who: str = "admin", flt: dict[str, Any] | None = None, **params: Any) -> list[int]:
    """Every id of the list (all pages)."""
    ids: list[int] = []
    cursor = None
    while True:
        q = {"pool": "all", "limit": params.pop("limit", 200), **params}
        if flt is not None:
            q["filter"] = json.dumps(flt, ensure_ascii=False)
        if cursor:
            q["cursor"] = cursor
        r = client.get(f"{API}/customers", params=q, headers=world.headers(who))
        assert r.status_code == 200, r.text
        ids += [x["id"] for x in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return ids


def ids_for(client: Any, world: Any, *conditions: dict[str, Any], logic: str = "and", who: str = "admin",
            pool: str = "all") -> set[int]:
    return set(listing(client, world, who, {"logic": logic, "conditions": list(conditions)}, pool=pool))


def set_fields(world: Any, cid: int, **values: Any) -> None:
    with world.db.transaction(world.tenant_id) as s:
        c = s.get_one(Customer, cid)
        for k, v in values.items():
            setattr(c, k, v)


def make_fields(client: Any, world: Any) -> None:
    h = world.headers("admin")
    for body in (
        {"key": "budget", "label": "预算", "type": "money"},
        {"key": "staff", "label": "人数", "type": "number"},
        {"key": "products", "label": "产品", "type": "multi", "options": ["CRM", "呼叫中心", "SCRM"]},
        {"key": "kind", "label": "性质", "type": "single", "options": ["企业", "个人"]},
        {"key": "maker", "label": "决策人", "type": "text"},
        {"key": "need", "label": "需求", "type": "long_text"},
        {"key": "sign", "label": "签约日", "type": "date"},
        {"key": "visit", "label": "拜访", "type": "datetime"},
        {"key": "mail", "label": "邮箱", "type": "email"},
        {"key": "area", "label": "地区", "type": "region"},
        {"key": "tel", "label": "备用电话", "type": "phone"},
        {"key": "ref", "label": "推荐人", "type": "employee"},
    ):
        r = client.post(f"{API}/settings/custom-fields", json=body, headers=h)
        assert r.status_code == 201, r.text


# ------------------------------------------------------------------ system fields
def test_system_field_operators(client, world, form):
    h = world.headers("admin")
    a = world.customer(name="甲", owner="sales_east1", source="抖音", industry="制造业", level="VIP客户",
                       tags=["高意向", "已加微信"], region="浙江省/杭州市/西湖区", company="杭州甲科技", wechat="阿甲")
    b = world.customer(name="乙", owner="sales_east1b", source="百度推广", level="普通客户", tags=["已加微信"],
                       region="江苏省/苏州市", company="苏州乙贸易")
    c = world.customer(name="丙", pool="public", dept="south1", source="展会", tags=["低意向", "价格敏感"])
    d = world.customer(name="丁", pool="potential", dept="east1sub")
    everyone = {a, b, c, d}

    assert ids_for(client, world, cond("source", "eq", "抖音")) == {a}
    assert ids_for(client, world, cond("source", "eq", ["抖音", "展会"])) == {a, c}  # FIND-3: several = any
    assert ids_for(client, world, cond("source", "eq", "网络推广")) == {a, b}  # a 大类 covers its 小类
    assert ids_for(client, world, cond("source", "ne", "抖音")) & everyone == {b, c, d}
    assert ids_for(client, world, cond("level", "empty")) & everyone == {c, d}
    assert ids_for(client, world, cond("level", "not_empty")) & everyone == {a, b}
    assert ids_for(client, world, cond("tags", "contains_any", ["高意向", "低意向"])) == {a, c}
    assert ids_for(client, world, cond("tags", "contains_all", ["高意向", "已加微信"])) == {a}
    assert ids_for(client, world, cond("tags", "contains_all", ["高意向", "不存在的标签"])) == set()
    assert ids_for(client, world, cond("tags", "not_contains", ["已加微信"])) & everyone == {c, d}
    assert ids_for(client, world, cond("tags", "empty")) & everyone == {d}
    assert ids_for(client, world, cond("region", "starts_with", "浙江省")) == {a}
    assert ids_for(client, world, cond("region", "contains", "苏州")) == {b}
    assert ids_for(client, world, cond("company", "contains", "科技")) & everyone == {a}
    assert ids_for(client, world, cond("company", "not_contains", "科技")) & everyone == {b, c, d}
    assert ids_for(client, world, cond("wechat", "eq", "阿甲")) == {a}
    assert ids_for(client, world, cond("owner", "eq", world.staff["sales_east1"])) == {a}
    assert ids_for(client, world, cond("owner", "empty")) & everyone == {c, d}
    assert ids_for(client, world, cond("department", "eq", world.units["east"])) & everyone == {a, b, d}  # subtree
    assert ids_for(client, world, cond("department", "none_of", [world.units["east"]])) & everyone == {c}
    assert ids_for(client, world, cond("pool", "any_of", ["public", "potential"])) & everyone == {c, d}
    # $me: the caller
    assert ids_for(client, world, cond("owner", "eq", "$me"), who="sales_east1") == {a}
    # groups joined by OR
    flt = [{"logic": "and", "conditions": [cond("source", "eq", "抖音"), cond("level", "eq", "VIP客户")]},
           cond("tags", "contains_any", ["价格敏感"])]
    assert ids_for(client, world, *flt, logic="or") == {a, c}
    # the phone of a customer, by fragment and exactly
    phone = client.get(f"{API}/customers/{b}", headers=h).json()["phones"][0]
    assert ids_for(client, world, cond("phones", "contains", phone[3:9])) == {b}
    assert ids_for(client, world, cond("phones", "eq", phone)) == {b}


def test_dates_are_business_days_in_shanghai(client, world):
    now = clock.now()
    today0 = datetime.combine(clock.today(), datetime.min.time(), tzinfo=clock.TZ).astimezone(UTC)
    a = world.customer(name="今天", dept="east1", pool="public")
    b = world.customer(name="昨天", dept="east1", pool="public")
    c = world.customer(name="十天前", dept="east1", pool="public")
    d = world.customer(name="从未", dept="east1", pool="public")
    set_fields(world, a, last_followup_at=today0 + timedelta(minutes=1), last_call_at=now,
               last_call_status="not_connected")
    set_fields(world, b, last_followup_at=today0 - timedelta(minutes=1), last_call_at=today0 - timedelta(hours=3),
               last_call_status="not_connected")
    set_fields(world, c, last_followup_at=today0 - timedelta(days=10), last_call_at=now, last_call_status="connected")
    everyone = {a, b, c, d}
    f = "last_followup_at"
    assert ids_for(client, world, cond(f, "relative", "today")) & everyone == {a}
    assert ids_for(client, world, cond(f, "relative", "yesterday")) & everyone == {b}
    assert ids_for(client, world, cond(f, "relative", {"last_days": 2})) & everyone == {a, b}
    assert ids_for(client, world, cond(f, "relative", {"last_days": 30})) & everyone == {a, b, c}
    assert ids_for(client, world, cond(f, "relative", {"more_than_days_ago": 7})) & everyone == {c}
    assert ids_for(client, world, cond(f, "empty")) & everyone == {d}
    day = clock.today().isoformat()
    assert ids_for(client, world, cond(f, "eq", day)) & everyone == {a}
    assert ids_for(client, world, cond(f, "lt", day)) & everyone == {b, c}
    assert ids_for(client, world, cond(f, "between", [(clock.today() - timedelta(days=1)).isoformat(), day])) \
        & everyone == {a, b}
    # the manual's saved filter: 今日未接通客户
    todays_missed = [cond("last_call_at", "relative", "today"), cond("last_call_status", "eq", "not_connected")]
    assert ids_for(client, world, *todays_missed) & everyone == {a}
    # this week / this month contain today
    for preset in ("this_week", "this_month", "this_year"):
        assert a in ids_for(client, world, cond(f, "relative", preset)), preset


def test_relative_ranges_use_china_standard_time():
    today = date(2026, 11, 25)  # a Wednesday
    start, end = relative_range("today", today)
    assert start == datetime(2026, 11, 24, 16, 0, tzinfo=UTC) and end == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    start, end = relative_range("this_week", today)
    assert start == datetime(2026, 11, 22, 16, 0, tzinfo=UTC) and end - start == timedelta(days=7)
    start, end = relative_range("last_month", today)
    assert start == datetime(2026, 9, 30, 16, 0, tzinfo=UTC) and end == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    start, end = relative_range(RelativeDate(last_days=7), today)
    assert start == datetime(2026, 11, 18, 16, 0, tzinfo=UTC) and end == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)


def test_wecom_friend_relation(client, world, db):
    a = world.customer(name="好友", owner="sales_east1")
    b = world.customer(name="非好友", owner="sales_east1")
    with db.transaction(world.tenant_id) as s:
        s.add(WecomFriend(customer_id=a, employee_id=world.staff["sales_east1"]))
    assert ids_for(client, world, cond("wecom_friend", "not_empty")) & {a, b} == {a}
    assert ids_for(client, world, cond("wecom_friend", "empty")) & {a, b} == {b}
    assert ids_for(client, world, cond("wecom_friend", "any_of", ["$me"]), who="sales_east1") == {a}


# ------------------------------------------------------------------ custom fields
def test_custom_field_operators(client, world, form):
    make_fields(client, world)
    h = world.headers("admin")

    def make(name: str, **cf: Any) -> int:
        r = client.post(f"{API}/customers", headers=h, json={
            "name": name, "phones": [f"1390000{len(name) * 1000 + sum(map(ord, name)) % 1000:04d}"],
            "pool": "public", "custom_fields": cf})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    a = make("客户A", budget="20000.50", staff=30, products=["CRM", "SCRM"], kind="企业", maker="王总",
             need="需要私有化部署和外呼", sign="2026-12-01", visit="2026-12-01T10:00:00+08:00", mail="a@x.cn",
             area="浙江省/杭州市", tel="13812340000", ref=world.staff["sales_east1"])
    b = make("客户BB", budget="5000", staff=5, products=["呼叫中心"], kind="个人", maker="李经理", need="价格敏感",
             sign="2027-01-15", area="江苏省/南京市")
    c = make("客户CCC")
    all3 = {a, b, c}
    got = client.get(f"{API}/customers/{a}", headers=h).json()["custom_fields"]
    assert got["budget"] == "20000.50" and got["staff"] == 30 and got["products"] == ["CRM", "SCRM"]
    assert got["sign"] == "2026-12-01" and got["visit"] == "2026-12-01T02:00:00+00:00"
    assert got["tel"] == "13812340000" and got["ref"] == world.staff["sales_east1"]

    assert ids_for(client, world, cond("cf.budget", "gte", 10000)) == {a}
    assert ids_for(client, world, cond("cf.budget", "between", [1000, "20000.50"])) == {a, b}
    assert ids_for(client, world, cond("cf.budget", "eq", "5000.00")) == {b}
    assert ids_for(client, world, cond("cf.budget", "ne", 5000)) & all3 == {a, c}
    assert ids_for(client, world, cond("cf.budget", "empty")) & all3 == {c}
    assert ids_for(client, world, cond("cf.budget", "not_empty")) == {a, b}
    assert ids_for(client, world, cond("cf.staff", "lt", 10)) == {b}
    assert ids_for(client, world, cond("cf.products", "contains", ["SCRM"])) == {a}
    assert ids_for(client, world, cond("cf.products", "contains_any", ["SCRM", "呼叫中心"])) == {a, b}
    assert ids_for(client, world, cond("cf.products", "contains_all", ["CRM", "SCRM"])) == {a}
    assert ids_for(client, world, cond("cf.products", "not_contains", ["CRM"])) & all3 == {b, c}
    assert ids_for(client, world, cond("cf.kind", "eq", ["企业", "个人"])) == {a, b}
    assert ids_for(client, world, cond("cf.kind", "ne", "企业")) & all3 == {b, c}
    assert ids_for(client, world, cond("cf.maker", "contains", "王")) == {a}
    assert ids_for(client, world, cond("cf.maker", "contains", "经理")) == {b}
    assert ids_for(client, world, cond("cf.maker", "not_contains", "王")) & all3 == {b, c}
    assert ids_for(client, world, cond("cf.need", "contains", "私有化")) == {a}
    assert ids_for(client, world, cond("cf.sign", "lt", "2027-01-01")) == {a}
    assert ids_for(client, world, cond("cf.sign", "eq", "2027-01-15")) == {b}
    assert ids_for(client, world, cond("cf.visit", "eq", "2026-12-01")) == {a}  # the day, China Standard Time
    assert ids_for(client, world, cond("cf.area", "starts_with", "江苏省")) == {b}
    assert ids_for(client, world, cond("cf.tel", "eq", "138 1234 0000")) == {a}
    assert ids_for(client, world, cond("cf.ref", "eq", "$me"), who="sales_east1") == {a}  # public: visible
    assert ids_for(client, world, cond("cf.ref", "eq", world.staff["sales_east1"])) == {a}
    assert ids_for(client, world, cond("cf.mail", "eq", "a@x.cn")) == {a}


def test_filter_errors_are_clear_422(client, world):
    make_fields(client, world)
    h = world.headers("admin")

    def get(flt: Any) -> Any:
        return client.get(f"{API}/customers", params={"filter": flt if isinstance(flt, str) else json.dumps(flt)},
                          headers=h)

    too_many = {"logic": "and", "conditions": [cond("source", "eq", "抖音")] * 11}
    assert_problem(get(too_many), 422, "too_many_conditions")
    nested = {"logic": "or", "conditions": [{"logic": "and", "conditions": [cond("source", "eq", "抖音")] * 6},
                                            {"logic": "and", "conditions": [cond("level", "eq", "VIP客户")] * 5}]}
    assert_problem(get(nested), 422, "too_many_conditions")
    r = get({"conditions": [cond("nope", "eq", 1), cond("source", "gt", 1), cond("cf.budget", "gte", "abc"),
                            cond("last_followup_at", "relative", "someday")]})
    assert_problem(r, 422, "invalid_filter")
    fields = [e["field"] for e in r.json()["errors"]]
    assert fields[:3] == ["filter.conditions.0.field", "filter.conditions.1.op", "filter.conditions.2.value"]
    assert len(fields) == 4
    assert_problem(get("{not json"), 422, "invalid_filter")
    assert_problem(get({"conditions": [{"field": "x"}]}), 422, "invalid_filter")
    assert_problem(client.get(f"{API}/customers", params={"sort": "remark"}, headers=h), 422, "invalid_sort")
    assert_problem(client.get(f"{API}/customers", params={"sort": "cf.products"}, headers=h), 422, "invalid_sort")
    # a filter over 10 conditions is refused on the JSON body too
    r = client.post(f"{API}/customers/search", json={"filter": too_many}, headers=h)
    assert r.status_code == 422


def test_filters_never_widen_scope_or_pool(client, world, other_world, form):
    mine = world.customer(name="范围A", owner="sales_east1", source="抖音")
    colleague = world.customer(name="范围B", owner="sales_east1b", source="抖音")
    lead = world.customer(name="范围C", pool="potential", dept="east1", source="抖音")
    other_world.customer(name="范围A", pool="public", source="抖音")
    everything = {"logic": "or", "conditions": [cond("source", "eq", "抖音"), cond("source", "empty"),
                                                cond("owner", "eq", world.staff["sales_east1b"]),
                                                cond("pool", "any_of", ["potential", "to_assign"])]}
    got = set(listing(client, world, "sales_east1", everything))
    assert mine in got and colleague not in got and lead not in got
    assert set(listing(client, world, "sales_east1", everything, pool="mine")) == {mine}
    assert colleague in set(listing(client, world, "admin", everything))
    # another tenant's rows never appear, whatever the filter
    ids = set(listing(client, world, "admin", {"conditions": [cond("name", "contains", "范围")]}))
    assert ids == {mine, colleague, lead}


# ------------------------------------------------------------------ sorting and keyset pages
SORTS = ["id", "name", "created_at", "last_followup_at", "last_call_at", "assigned_at", "source", "level",
         "cf.budget", "cf.sign", "cf.maker"]


def test_every_sort_pages_consistently(client, world, db, form):
    make_fields(client, world)
    h = world.headers("admin")
    base = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for i in range(23):
        r = client.post(f"{API}/customers", headers=h, json={
            "name": f"排序{(i * 7) % 23:02d}", "phones": [f"1350000{i:04d}"], "pool": "public",
            "source": ["抖音", "展会", None][i % 3], "level": ["VIP客户", None][i % 2],
            "custom_fields": {"budget": None if i % 4 == 0 else f"{(i * 37) % 11 * 100}.00",
                              "sign": None if i % 5 == 0 else f"2026-03-{(i % 9) + 1:02d}",
                              "maker": None if i % 6 == 0 else f"决策{i % 4}"}})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    with db.transaction(world.tenant_id) as s:
        for i, cid in enumerate(ids):
            c = s.get_one(Customer, cid)
            c.last_followup_at = None if i % 3 == 0 else base + timedelta(hours=(i * 5) % 7)  # ties and NULLs
            c.last_call_at = base + timedelta(days=i % 4) if i % 2 else None
            c.assigned_at = base + timedelta(minutes=i) if i % 5 else None
    flt = {"conditions": [cond("name", "starts_with", "排序")]}
    full = {x["id"]: x for x in client.get(f"{API}/customers", params={"limit": 200, "filter": json.dumps(flt)},
                                             headers=h).json()["items"]}
    assert set(full) == set(ids)

    def value(row: dict[str, Any], key: str) -> Any:
        v = row["custom_fields"][key[3:]] if key.startswith("cf.") else row[key]
        if key == "cf.budget" and v is not None:
            return Decimal(v)
        return v

    for key in SORTS:
        for desc in (False, True):
            sort = ("-" if desc else "") + key
            got = listing(client, world, "admin", flt, sort=sort, limit=4)
            assert len(got) == len(set(got)) == 23, sort
            # NULL is the smallest value; ties by id in the same direction
            def k(cid: int, key: str = key) -> tuple[Any, ...]:
                v = value(full[cid], key) if key != "id" else cid
                return (v is not None, v if v is not None else 0, cid)
            assert got == sorted(ids, key=k, reverse=desc), sort
    # a cursor belongs to its sort
    r = client.get(f"{API}/customers", params={"limit": 2, "sort": "name", "filter": json.dumps(flt)}, headers=h)
    cursor = r.json()["next_cursor"]
    assert_problem(client.get(f"{API}/customers", params={"cursor": cursor, "sort": "-name"}, headers=h), 422,
                   "invalid_cursor")
    assert_problem(client.get(f"{API}/customers", params={"cursor": "garbage!"}, headers=h), 422, "invalid_cursor")


# ------------------------------------------------------------------ saved and pinned filters, views
def test_saved_filters_are_per_employee_and_pool(client, world):
    c1 = world.customer(name="保存A", owner="sales_east1", source="抖音")
    world.customer(name="保存B", owner="sales_east1", source="展会")
    h = world.headers("sales_east1")
    body = {"pool": "mine", "name": "抖音客户", "filter": {"conditions": [cond("source", "eq", "抖音")]},
            "pinned": True}
    r = client.post(f"{API}/customers/saved-filters", json=body, headers=h)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert_problem(client.post(f"{API}/customers/saved-filters", json=body, headers=h), 409, "saved_filter_exists")
    second = client.post(f"{API}/customers/saved-filters", headers=h, json={
        "pool": "mine", "name": "今日未接通", "filter": {"conditions": [
            cond("last_call_at", "relative", "today"), cond("last_call_status", "eq", "not_connected")]}}).json()
    # one click applies
    r = client.get(f"{API}/customers", params={"pool": "mine", "saved_filter_id": sid}, headers=h).json()
    assert [x["id"] for x in r["items"]] == [c1]
    r = client.get(f"{API}/customers", params={"pool": "mine", "saved_filter_id": second["id"]}, headers=h).json()
    assert r["items"] == []
    lst = client.get(f"{API}/customers/saved-filters", params={"pool": "mine"}, headers=h).json()
    assert [x["name"] for x in lst] == ["抖音客户", "今日未接通"] and lst[0]["pinned"] is True
    r = client.put(f"{API}/customers/saved-filters/order", json={"pool": "mine", "ids": [second["id"], sid]},
                   headers=h)
    assert [x["id"] for x in r.json()] == [second["id"], sid]
    r = client.patch(f"{API}/customers/saved-filters/{sid}", json={"pinned": False, "name": "抖音"}, headers=h)
    assert r.status_code == 200 and r.json()["pinned"] is False and r.json()["name"] == "抖音"
    # nobody else sees or uses it
    other = world.headers("sales_east1b")
    assert client.get(f"{API}/customers/saved-filters", headers=other).json() == []
    assert_problem(client.get(f"{API}/customers", params={"saved_filter_id": sid}, headers=other), 404, "not_found")
    assert_problem(client.patch(f"{API}/customers/saved-filters/{sid}", json={"name": "x"}, headers=other), 404,
                   "not_found")
    assert_problem(client.delete(f"{API}/customers/saved-filters/{sid}", headers=other), 404, "not_found")
    # an invalid filter cannot be saved
    r = client.post(f"{API}/customers/saved-filters", headers=h, json={
        "pool": "mine", "name": "坏的", "filter": {"conditions": [cond("nope", "eq", 1)]}})
    assert_problem(r, 422, "invalid_filter")
    # a pool the employee may not open cannot get one
    r = client.post(f"{API}/customers/saved-filters", headers=h, json={"pool": "to_assign", "name": "x"})
    assert_problem(r, 403, "pool_forbidden")
    assert client.delete(f"{API}/customers/saved-filters/{sid}", headers=h).status_code == 204


def test_column_settings(client, world):
    make_fields(client, world)
    h = world.headers("sales_east1")
    r = client.get(f"{API}/customers/views/mine", headers=h).json()
    assert r["is_default"] is True and r["columns"][0] == "name"
    body = {"columns": ["cf.sign", "level", "tags", "cf.budget", "phones"], "pinned_fields": ["tags", "cf.budget"],
            "sort": "-last_followup_at", "page_size": 50}
    r = client.put(f"{API}/customers/views/mine", json=body, headers=h)
    assert r.status_code == 200, r.text
    got = r.json()
    # name always first; system columns in their fixed order; custom columns in the employee's order
    assert got["columns"] == ["name", "phones", "tags", "level", "cf.sign", "cf.budget"]
    assert got["pinned_fields"] == ["tags", "cf.budget"] and got["sort"] == "-last_followup_at"
    assert client.get(f"{API}/customers/views/mine", headers=h).json()["is_default"] is False
    # per employee, per pool
    assert client.get(f"{API}/customers/views/mine", headers=world.headers("sales_east1b")).json()["is_default"]
    assert client.get(f"{API}/customers/views/public", headers=h).json()["is_default"]
    assert_problem(client.put(f"{API}/customers/views/mine", json={**body, "columns": ["nope"]}, headers=h), 422,
                   "invalid_columns")
    assert_problem(client.put(f"{API}/customers/views/mine", json={**body, "sort": "nope"}, headers=h), 422,
                   "invalid_sort")
    assert client.delete(f"{API}/customers/views/mine", headers=h).status_code == 204
    assert client.get(f"{API}/customers/views/mine", headers=h).json()["is_default"] is True
    # the catalog: every column and filter field with its operators
    fields = {f["key"]: f for f in client.get(f"{API}/customers/fields", headers=h).json()}
    assert fields["tags"]["operators"] == ["contains", "contains_any", "contains_all", "not_contains", "empty",
                                           "not_empty"]
    assert "高意向" in fields["tags"]["options"] and "百度推广" in fields["source"]["options"]
    assert fields["cf.budget"]["custom"] and fields["cf.budget"]["sortable"]
    assert not fields["cf.products"]["sortable"] and fields["last_followup_at"]["sortable"]


def test_count_and_json_search(client, world):
    for i in range(3):
        world.customer(name=f"计数{i}", owner="sales_east1", source="抖音")
    h = world.headers("admin")
    flt = {"conditions": [cond("source", "eq", "抖音"), cond("name", "starts_with", "计数")]}
    r = client.get(f"{API}/customers/count", params={"filter": json.dumps(flt, ensure_ascii=False)}, headers=h)
    assert r.json() == {"total": 3, "total_exact": True, "total_kind": "exact"}
    r = client.post(f"{API}/customers/search", json={"filter": flt, "sort": "name", "limit": 2}, headers=h).json()
    assert [x["name"] for x in r["items"]] == ["计数0", "计数1"] and r["total"] == 3 and r["sort"] == "name"
    r2 = client.post(f"{API}/customers/search", json={"filter": flt, "sort": "name", "cursor": r["next_cursor"]},
                     headers=h).json()
    assert [x["name"] for x in r2["items"]] == ["计数2"] and r2["next_cursor"] is None


@pytest.mark.parametrize("preset", ["today", "yesterday", "this_week", "last_week", "this_month", "last_month"])
def test_relative_presets_are_accepted(client, world, preset):
    r = client.get(f"{API}/customers", params={"filter": json.dumps({"conditions": [
        cond("created_at", "relative", preset)]})}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text


def test_openapi_documents_the_filter(client):
    spec = client.get("/api/openapi.json").json()
    assert "Filter" in spec["components"]["schemas"] and "Condition" in spec["components"]["schemas"]
    params = {p["name"]: p for p in spec["paths"]["/api/v1/customers"]["get"]["parameters"]}
    assert params["filter"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Filter"
    assert {"sort", "cursor", "q", "total", "saved_filter_id"} <= set(params)
    for path in ("/api/v1/customers/fields", "/api/v1/customers/count", "/api/v1/customers/saved-filters",
                 "/api/v1/customers/views/{pool}", "/api/v1/settings/custom-fields"):
        assert path in spec["paths"], path
