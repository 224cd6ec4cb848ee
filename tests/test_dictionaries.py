"""Dictionaries, tag groups and custom fields (settings API), the rules customer writes follow, the
defaults of a new tenant and of the demo, and migration 0004's backfill — on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from huike.customer.models import Customer
from huike.dictionary import defaults
from huike.dictionary.models import CustomerTag, CustomField, DictItem, Tag, TagGroup
from huike.find.models import CustomerSearch
from huike.kit.db import set_tenant
from tests.helpers import assert_problem

API = "/api/v1"


def items_of(client: Any, world: Any, kind: str, who: str = "admin") -> dict[str, dict[str, Any]]:
    r = client.get(f"{API}/settings/dictionaries/{kind}", headers=world.headers(who))
    assert r.status_code == 200, r.text
    out = {}
    for it in r.json()["items"]:
        out[it["name"]] = it
        for ch in it["children"]:
            out[ch["name"]] = ch
    return out


def new_customer(client: Any, world: Any, who: str = "admin", **body: Any) -> Any:
    body.setdefault("name", "字典客户")
    body.setdefault("phones", [f"137{uuid.uuid4().int % 10**8:08d}"])
    body.setdefault("pool", "public")
    return client.post(f"{API}/customers", json=body, headers=world.headers(who))


# ------------------------------------------------------------------ defaults and permissions
def test_new_tenant_has_default_dictionaries_readable_by_everyone(client, world):
    r = client.get(f"{API}/settings/dictionaries", headers=world.headers("sales_east1"))
    assert r.status_code == 200, r.text
    d = r.json()
    tree = {it["name"]: [c["name"] for c in it["children"]] for it in d["source"]["items"]}
    assert tree == dict(defaults.SOURCES)
    assert [x["name"] for x in d["industry"]["items"]] == defaults.INDUSTRIES
    assert [x["name"] for x in d["level"]["items"]] == defaults.LEVELS
    assert [x["name"] for x in d["stage"]["items"]] == defaults.STAGES
    groups = {g["name"]: (g["mode"], [t["name"] for t in g["tags"]]) for g in d["tags"]["groups"]}
    assert groups == {name: (mode, tags) for name, mode, tags in defaults.TAG_GROUPS}
    assert d["custom_fields"] == [] and d["source"]["free_entry"] is True and d["tags"]["free_entry"] is True


@pytest.mark.parametrize("who", ["sales_east1", "manager_east1", "director_east", "operator_east1"])
def test_changing_settings_needs_settings_manage(client, world, who):
    h = world.headers(who)
    lvl = items_of(client, world, "level")["VIP客户"]["id"]
    for method, path, body in [
        ("POST", "/settings/dictionaries/level", {"name": "新级别"}),
        ("PATCH", f"/settings/dictionary-items/{lvl}", {"name": "x"}),
        ("DELETE", f"/settings/dictionary-items/{lvl}", None),
        ("PATCH", "/settings/dictionaries/level", {"free_entry": False}),
        ("POST", "/settings/tag-groups", {"name": "组"}),
        ("POST", "/settings/custom-fields", {"key": "k", "label": "K", "type": "text"}),
    ]:
        assert_problem(client.request(method, f"{API}{path}", json=body, headers=h), 403, "forbidden")


def test_other_tenants_settings_are_invisible(client, world, other_world):
    theirs = items_of(client, other_world, "level")["VIP客户"]["id"]
    h = world.headers("admin")
    assert_problem(client.patch(f"{API}/settings/dictionary-items/{theirs}", json={"name": "x"}, headers=h), 404,
                   "not_found")
    assert_problem(client.delete(f"{API}/settings/dictionary-items/{theirs}", headers=h), 404, "not_found")
    group = client.post(f"{API}/settings/tag-groups", json={"name": "只属于B", "tags": [{"name": "B的标签"}]},
                        headers=other_world.headers("admin")).json()
    assert_problem(client.patch(f"{API}/settings/tag-groups/{group['id']}", json={"name": "x"}, headers=h), 404,
                   "not_found")
    assert_problem(client.patch(f"{API}/settings/tags/{group['tags'][0]['id']}", json={"name": "x"}, headers=h), 404,
                   "not_found")
    mine = client.get(f"{API}/settings/tag-groups", headers=h).json()
    assert "只属于B" not in {g["name"] for g in mine["groups"]}
    # the same name is free in each tenant
    r = client.post(f"{API}/settings/tag-groups", json={"name": "只属于B", "tags": [{"name": "B的标签"}]}, headers=h)
    assert r.status_code == 201


# ------------------------------------------------------------------ dictionary items
def test_items_two_level_sources_rename_disable_delete(client, world):
    h = world.headers("admin")
    parent = items_of(client, world, "source")["网络推广"]["id"]
    r = client.post(f"{API}/settings/dictionaries/source", json={"name": "小红书", "parent_id": parent}, headers=h)
    assert r.status_code == 201 and r.json()["parent_id"] == parent
    child = r.json()["id"]
    assert_problem(client.post(f"{API}/settings/dictionaries/source", json={"name": "小红书"}, headers=h), 409,
                   "dict_item_exists")
    assert_problem(client.post(f"{API}/settings/dictionaries/source", json={"name": "三级", "parent_id": child},
                               headers=h), 422, "invalid_dict_parent")
    lvl = items_of(client, world, "level")["VIP客户"]["id"]
    assert_problem(client.post(f"{API}/settings/dictionaries/level", json={"name": "x", "parent_id": lvl},
                               headers=h), 422, "invalid_dict_parent")
    # customers use names; a rename follows on every customer
    c = new_customer(client, world, source="小红书", level="普通客户").json()
    normal = items_of(client, world, "level")["普通客户"]["id"]
    r = client.patch(f"{API}/settings/dictionary-items/{normal}", json={"name": "一般客户"}, headers=h)
    assert r.status_code == 200 and r.json()["name"] == "一般客户"
    assert client.get(f"{API}/customers/{c['id']}", headers=h).json()["level"] == "一般客户"
    # in use: cannot be deleted, only disabled; a disabled value is refused for new choices
    assert_problem(client.delete(f"{API}/settings/dictionary-items/{child}", headers=h), 409, "dict_item_in_use")
    assert_problem(client.delete(f"{API}/settings/dictionary-items/{parent}", headers=h), 409, "dict_item_in_use")
    assert client.patch(f"{API}/settings/dictionary-items/{child}", json={"is_active": False}, headers=h).status_code \
        == 200
    r = new_customer(client, world, source="小红书")
    assert_problem(r, 422, "validation_error")
    assert r.json()["errors"][0] == {"field": "source", "code": "dict_value_disabled",
                                     "message": "“小红书”已停用"}
    # the customer that has it keeps it through unrelated edits
    r = client.patch(f"{API}/customers/{c['id']}", json={"version": c["version"], "remark": "改备注",
                                                           "source": "小红书"}, headers=h)
    assert r.status_code == 200, r.text
    unused = client.post(f"{API}/settings/dictionaries/industry", json={"name": "临时行业"}, headers=h).json()["id"]
    assert client.delete(f"{API}/settings/dictionary-items/{unused}", headers=h).status_code == 204
    r = client.put(f"{API}/settings/dictionaries/level/order", headers=h,
                   json={"ids": [items_of(client, world, "level")[n]["id"] for n in ("潜在客户", "一般客户", "重要客户",
                                                                                     "VIP客户")]})
    assert [x["name"] for x in r.json()["items"]] == ["潜在客户", "一般客户", "重要客户", "VIP客户"]
    audit = client.get(f"{API}/audit", params={"limit": 50}, headers=h).json()["items"]
    assert {"dictionary.create", "dictionary.update", "dictionary.delete"} <= {a["action"] for a in audit}


def test_free_entry_adds_unknown_values_or_refuses_them(client, world):
    h = world.headers("admin")
    r = new_customer(client, world, industry="新能源", tags=["自定义标签"])
    assert r.status_code == 201, r.text
    assert "新能源" in items_of(client, world, "industry")
    groups = {g["name"]: g for g in client.get(f"{API}/settings/tag-groups", headers=h).json()["groups"]}
    assert groups[defaults.FREE_TAG_GROUP]["is_free"] and \
        [t["name"] for t in groups[defaults.FREE_TAG_GROUP]["tags"]] == ["自定义标签"]
    for kind in ("industry", "tag"):
        assert client.patch(f"{API}/settings/dictionaries/{kind}", json={"free_entry": False}, headers=h).status_code \
            == 200
    r = new_customer(client, world, industry="航天")
    assert_problem(r, 422, "unknown_dict_value")
    assert r.json()["errors"] == [{"field": "industry", "code": "unknown_dict_value",
                                   "message": "“航天”不在行业字典中"}]
    assert_problem(new_customer(client, world, tags=["没有的标签"]), 422, "unknown_tag")
    cid = new_customer(client, world, industry="新能源", tags=["自定义标签"]).json()["id"]
    res = client.post(f"{API}/customers/bulk/tag", json={"ids": [cid], "tags": ["没有的标签"]}, headers=h)
    assert_problem(res, 422, "unknown_tag")
    r = client.get(f"{API}/customers/{cid}", headers=h.copy() | {"Accept-Language": "en"})
    assert r.json()["industry"] == "新能源" and r.json()["tags"] == ["自定义标签"]


# ------------------------------------------------------------------ tags
def test_single_choice_groups_hold_one_tag(client, world):
    h = world.headers("admin")
    assert_problem(new_customer(client, world, tags=["高意向", "低意向"]), 422, "tag_group_single")
    cid = new_customer(client, world, tags=["高意向", "已加微信"]).json()["id"]
    res = client.post(f"{API}/customers/bulk/tag", json={"ids": [cid], "tags": ["低意向"], "mode": "add"}, headers=h)
    assert res.json()["succeeded"] == 1
    assert client.get(f"{API}/customers/{cid}", headers=h).json()["tags"] == sorted(["低意向", "已加微信"])
    # a multi group cannot become single while customers hold two of its tags
    groups = {g["name"]: g for g in client.get(f"{API}/settings/tag-groups", headers=h).json()["groups"]}
    multi = groups["客户特征"]
    client.post(f"{API}/customers/bulk/tag", json={"ids": [cid], "tags": ["价格敏感"], "mode": "add"}, headers=h)
    assert_problem(client.patch(f"{API}/settings/tag-groups/{multi['id']}", json={"mode": "single"}, headers=h), 409,
                   "tag_group_conflict")
    # rename and delete
    tag = next(t for t in multi["tags"] if t["name"] == "价格敏感")
    r = client.patch(f"{API}/settings/tags/{tag['id']}", json={"name": "对价格敏感", "color": "#f56c6c"}, headers=h)
    assert r.status_code == 200
    assert "对价格敏感" in client.get(f"{API}/customers/{cid}", headers=h).json()["tags"]
    assert client.delete(f"{API}/settings/tags/{tag['id']}", headers=h).status_code == 204
    assert client.get(f"{API}/customers/{cid}", headers=h).json()["tags"] == sorted(["低意向", "已加微信"])
    r = client.post(f"{API}/settings/tag-groups/{multi['id']}/tags", json={"name": "已加微信"}, headers=h)
    assert_problem(r, 409, "tag_exists")
    r = client.post(f"{API}/settings/tag-groups", json={"name": "渠道", "mode": "single",
                                                        "tags": [{"name": "线上"}, {"name": "线下"}]}, headers=h)
    assert r.status_code == 201 and [t["name"] for t in r.json()["tags"]] == ["线上", "线下"]
    gid = r.json()["id"]
    assert client.delete(f"{API}/settings/tag-groups/{gid}", headers=h).status_code == 204


def test_merge_keeps_one_tag_per_single_group(client, world):
    h = world.headers("admin")
    master = new_customer(client, world, tags=["高意向", "已加微信"]).json()["id"]
    dup = new_customer(client, world, tags=["低意向", "需回访"]).json()["id"]
    r = client.post(f"{API}/customers/merge", json={"master_id": master, "duplicate_ids": [dup]}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["tags"] == sorted(["高意向", "已加微信", "需回访"])


# ------------------------------------------------------------------ custom fields
FIELDS = [
    {"key": "budget", "label": "预算", "type": "money", "config": {"min": 0}},
    {"key": "staff", "label": "人数", "type": "number", "config": {"scale": 0, "max": 100000}},
    {"key": "products", "label": "产品", "type": "multi", "options": ["CRM", "呼叫中心", "SCRM"]},
    {"key": "kind", "label": "性质", "type": "single", "options": ["企业", "个人"], "required": True},
    {"key": "maker", "label": "决策人", "type": "text", "config": {"max_length": 10}},
    {"key": "need", "label": "需求", "type": "long_text"},
    {"key": "sign", "label": "签约日", "type": "date"},
    {"key": "visit", "label": "拜访时间", "type": "datetime"},
    {"key": "tel", "label": "备用电话", "type": "phone"},
    {"key": "mail", "label": "开票邮箱", "type": "email"},
    {"key": "area", "label": "地区", "type": "region"},
    {"key": "ref", "label": "推荐人", "type": "employee"},
]


def test_custom_fields_are_validated_on_write(client, world):
    h = world.headers("admin")
    for body in FIELDS:
        r = client.post(f"{API}/settings/custom-fields", json=body, headers=h)
        assert r.status_code == 201, r.text
    assert_problem(client.post(f"{API}/settings/custom-fields", json=FIELDS[0], headers=h), 409,
                   "custom_field_key_taken")
    assert_problem(client.post(f"{API}/settings/custom-fields", json={"key": "Bad Key", "label": "x", "type": "text"},
                               headers=h), 422, "validation_error")
    assert_problem(client.post(f"{API}/settings/custom-fields", json={"key": "c", "label": "x", "type": "single"},
                               headers=h), 422, "invalid_options")
    # every value wrong at once: one 422 with one error per field
    r = new_customer(client, world, custom_fields={
        "budget": "12.345", "staff": "abc", "products": ["CRM", "ERP"], "kind": "公司", "maker": "超过十个字的决策人名字呀",
        "sign": "2026-13-01", "visit": "tomorrow", "tel": "12345", "mail": "not-an-email", "area": "浙江省//杭州",
        "ref": 999_999_999, "nope": 1})
    assert_problem(r, 422, "invalid_custom_fields")
    errors = {e["field"]: e["code"] for e in r.json()["errors"]}
    assert errors == {"custom_fields.budget": "scale", "custom_fields.staff": "not_number",
                      "custom_fields.products": "not_option", "custom_fields.kind": "not_option",
                      "custom_fields.maker": "too_long", "custom_fields.sign": "not_date",
                      "custom_fields.visit": "not_datetime", "custom_fields.tel": "invalid_phone",
                      "custom_fields.mail": "invalid_email", "custom_fields.area": "invalid_region",
                      "custom_fields.ref": "invalid_employee", "custom_fields.nope": "unknown"}
    # a required field must be given on create
    r = new_customer(client, world, custom_fields={"budget": 1})
    assert_problem(r, 422, "invalid_custom_fields")
    assert r.json()["errors"] == [{"field": "custom_fields.kind", "code": "required", "message": "必填"}]
    r = new_customer(client, world, custom_fields={
        "budget": 12000, "staff": "1,200", "products": ["SCRM", "CRM", "SCRM"], "kind": "企业", "maker": " 王总 ",
        "need": "多行\n需求", "sign": "2026-12-31", "visit": "2026-12-01 09:30", "tel": "+86 138-0013-8000",
        "mail": "Fp@Example.COM", "area": ["浙江省", "杭州市"], "ref": world.staff["sales_east1"]})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["custom_fields"] == {
        "budget": "12000.00", "staff": 1200, "products": ["CRM", "SCRM"], "kind": "企业", "maker": "王总",
        "need": "多行\n需求", "sign": "2026-12-31", "visit": "2026-12-01T01:30:00+00:00", "tel": "13800138000",
        "mail": "Fp@example.com", "area": "浙江省/杭州市", "ref": world.staff["sales_east1"]}
    # update: only the keys given; null clears; a required field cannot be cleared
    r = client.patch(f"{API}/customers/{c['id']}", headers=h, json={
        "version": c["version"], "custom_fields": {"budget": None, "products": ["呼叫中心"]}})
    assert r.status_code == 200, r.text
    got = r.json()["custom_fields"]
    assert got["budget"] is None and got["products"] == ["呼叫中心"] and got["kind"] == "企业"
    r = client.patch(f"{API}/customers/{c['id']}", headers=h, json={"version": r.json()["version"],
                                                                   "custom_fields": {"kind": None}})
    assert_problem(r, 422, "invalid_custom_fields")
    audit = client.get(f"{API}/audit", params={"action": "customer.update"}, headers=h).json()["items"]
    assert audit[0]["after"]["custom_fields"]["products"] == ["呼叫中心"]


def test_custom_field_options_rename_disable_delete(client, world):
    h = world.headers("admin")
    f = client.post(f"{API}/settings/custom-fields", json=FIELDS[2], headers=h).json()
    cid = new_customer(client, world, custom_fields={"products": ["CRM", "SCRM"]}).json()["id"]
    r = client.patch(f"{API}/settings/custom-fields/{f['id']}", json={"rename_options": {"CRM": "汇客CRM"}}, headers=h)
    assert r.status_code == 200 and r.json()["options"] == ["汇客CRM", "呼叫中心", "SCRM"]
    assert client.get(f"{API}/customers/{cid}", headers=h).json()["custom_fields"]["products"] == ["汇客CRM", "SCRM"]
    r = client.patch(f"{API}/settings/custom-fields/{f['id']}", json={"options": ["汇客CRM", "呼叫中心"]}, headers=h)
    assert_problem(r, 409, "option_in_use")
    assert_problem(client.patch(f"{API}/settings/custom-fields/{f['id']}", json={"type": "text"}, headers=h), 422,
                   "validation_error")  # type and key never change
    # disabled: hidden from customers, refused on write, kept in the database
    assert client.patch(f"{API}/settings/custom-fields/{f['id']}", json={"is_active": False}, headers=h).json()[
        "is_active"] is False
    c = client.get(f"{API}/customers/{cid}", headers=h).json()
    assert "products" not in c["custom_fields"]
    r = client.patch(f"{API}/customers/{cid}", json={"version": c["version"], "custom_fields": {"products": ["SCRM"]}},
                     headers=h)
    assert_problem(r, 422, "invalid_custom_fields")
    client.patch(f"{API}/settings/custom-fields/{f['id']}", json={"is_active": True}, headers=h)
    assert client.get(f"{API}/customers/{cid}", headers=h).json()["custom_fields"]["products"] == ["汇客CRM", "SCRM"]
    assert client.delete(f"{API}/settings/custom-fields/{f['id']}", headers=h).status_code == 204
    assert client.get(f"{API}/customers/{cid}", headers=h).json()["custom_fields"] == {}


# ------------------------------------------------------------------ demo and migration
def test_demo_tenant_uses_its_dictionaries(db):
    from huike.demo.seed import DEMO_FIELDS, INDUSTRIES, LEVELS, SOURCES, TAGS, seed

    code = f"d{uuid.uuid4().hex[:8]}"
    seed(db, code, customers=60, password="Demo@12345")
    with db.session() as s:
        from huike.org.models import Tenant

        tenant = s.scalar(sa.select(Tenant).where(Tenant.code == code))
        set_tenant(s, tenant.id)
        names = {k: set(s.scalars(sa.select(DictItem.name).where(DictItem.kind == k)))
                 for k in ("source", "industry", "level")}
        assert set(SOURCES) <= names["source"] and set(INDUSTRIES) <= names["industry"] and set(LEVELS) == names["level"]
        assert set(TAGS) == set(s.scalars(sa.select(Tag.name)))
        assert [f.key for f in s.scalars(sa.select(CustomField).order_by(CustomField.sort))] == \
            [k for k, *_ in DEMO_FIELDS] and len(DEMO_FIELDS) == 10
        rows = s.execute(sa.select(Customer.source, Customer.industry, Customer.level)).all()
        assert len(rows) == 60
        for src, ind, lvl in rows:
            assert src in names["source"] and ind in names["industry"] and lvl in names["level"]
        single = {t.id: t.group_id for t in s.scalars(sa.select(Tag).join(TagGroup).where(TagGroup.mode == "single"))}
        per: dict[int, list[int]] = {}
        for cid, tid in s.execute(sa.select(CustomerTag.customer_id, CustomerTag.tag_id)):
            if tid in single:
                per.setdefault(cid, []).append(tid)
        assert per and all(len(v) == 1 for v in per.values())
        assert s.scalar(sa.select(sa.func.count()).select_from(CustomerSearch)) == 60


def test_migration_backfills_tags_and_search(backend, tmp_path):
    """0004 moves the JSON tags of existing customers into customer_tags and fills customer_search."""
    from huike.kit.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.db'}"
    else:
        from tests.conftest import PG_URL, create_pg_database, drop_pg_database

        name = f"huike_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        url = create_pg_database(PG_URL, name)
    try:
        upgrade(url, "0002")
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            tid = conn.execute(sa.text("INSERT INTO tenants (code, name, is_active, created_at, updated_at) "
                                       "VALUES ('old', '老企业', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) "
                                       "RETURNING id")).scalar()
            for name, tags, source in (("张三", '["高意向", "老客户"]', "抖音"), ("李四", '[]', "自有渠道")):
                cid = conn.execute(sa.text(
                    "INSERT INTO customers (tenant_id, name, number, pool, tags, source, version, locked, blacklisted, "
                    "deactivated, created_at, updated_at) VALUES (:t, :n, 'KH1', 'public', :tags, :src, 1, false, "
                    "false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
                    {"t": tid, "n": name, "tags": tags, "src": source}).scalar()
                conn.execute(sa.text("INSERT INTO customer_phones (tenant_id, customer_id, phone, position) "
                                     "VALUES (:t, :c, :p, 0)"), {"t": tid, "c": cid, "p": f"1380013800{cid}"})
        engine.dispose()
        upgrade(url)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            tags = dict(conn.execute(sa.text(
                "SELECT t.name, g.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
                "JOIN tag_groups g ON g.id = t.group_id")).all())
            assert tags == {"高意向": "客户意向", "老客户": defaults.FREE_TAG_GROUP}
            sources = set(conn.scalars(sa.text("SELECT name FROM dict_items WHERE kind = 'source'")))
            assert {"抖音", "自有渠道", "网络推广"} <= sources
            rows = conn.execute(sa.text("SELECT search_text, name_pinyin, name_initials FROM customer_search "
                                        "ORDER BY customer_id")).all()
            assert [(r[1], r[2]) for r in rows] == [("zhangsan", "zs"), ("lisi", "ls")]
            assert "\x1f张三\x1fkh1\x1f" in rows[0][0]
            cols = {c["name"] for c in sa.inspect(conn).get_columns("customers")}
            assert "tags" not in cols and {"wechat", "external_id", "last_call_at", "last_call_status"} <= cols
        engine.dispose()
    finally:
        if backend != "sqlite":
            drop_pg_database(PG_URL, name)
