"""Contacts (WORK-3), follow-ups (WORK-4), the timeline (WORK-5) and automatic tagging (WORK-6),
through the API on SQLite and PostgreSQL. Scope holds on every route: another salesperson's
customer answers 404, a public-pool customer must be claimed before a follow-up."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from huike.audit.models import AuditEntry
from huike.customer.models import Customer
from huike.followup.models import Followup
from huike.kit.models import utcnow
from huike.org.models import Role
from tests.work_support import API, events_of, ok, problem


def customer_json(client, world, cid, who="admin"):
    return ok(client.get(f"{API}/customers/{cid}", headers=world.headers(who)))


def test_contacts_several_one_primary(client, world):
    cid = world.customer(owner="sales_east1")
    h = world.headers("sales_east1")
    first = ok(client.post(f"{API}/customers/{cid}/contacts", headers=h,
                           json={"name": "张经理", "title": "采购经理", "phones": ["138 0013 8000"],
                                 "email": "zhang@example.com", "birthday": "1985-06-01"}), 201)
    assert first["is_primary"] is True and first["phones"] == ["13800138000"]
    second = ok(client.post(f"{API}/customers/{cid}/contacts", headers=h,
                            json={"name": "李总", "title": "总经理", "phones": ["+86 139-0000-1111"], "is_primary": True}),
                201)
    items = ok(client.get(f"{API}/customers/{cid}/contacts", headers=h))
    assert [c["name"] for c in items] == ["李总", "张经理"]
    assert [c["is_primary"] for c in items] == [True, False]
    upd = ok(client.patch(f"{API}/contacts/{first['id']}", headers=h, json={"title": "采购总监", "remark": "周三下午方便"}))
    assert upd["title"] == "采购总监"
    problem(client.post(f"{API}/customers/{cid}/contacts", headers=h, json={"name": "王", "phones": ["12"]}),
            422, "contact_phone_invalid")
    assert client.delete(f"{API}/contacts/{second['id']}", headers=h).status_code == 204
    items = ok(client.get(f"{API}/customers/{cid}/contacts", headers=h))
    assert [(c["name"], c["is_primary"]) for c in items] == [("张经理", True)]
    assert events_of(world, cid).count("contact_added") == 2
    assert {"contact_updated", "contact_deleted"} <= set(events_of(world, cid))
    with world.db.transaction(world.tenant_id) as s:
        actions = set(s.scalars(sa.select(AuditEntry.action).where(AuditEntry.target_type == "contact")))
    assert actions == {"contact.create", "contact.update", "contact.delete"}


def test_contacts_scope_on_every_route(client, world, other_world):
    cid = world.customer(owner="sales_east1")
    contact = ok(client.post(f"{API}/customers/{cid}/contacts", headers=world.headers("sales_east1"),
                             json={"name": "张经理", "phones": ["13800138001"]}), 201)
    for who in ("sales_east1b", "sales_south1", "manager_south1"):
        h = world.headers(who)
        problem(client.get(f"{API}/customers/{cid}/contacts", headers=h), 404, "not_found")
        problem(client.post(f"{API}/customers/{cid}/contacts", headers=h, json={"name": "x"}), 404, "not_found")
        problem(client.get(f"{API}/contacts/{contact['id']}", headers=h), 404, "not_found")
        problem(client.patch(f"{API}/contacts/{contact['id']}", headers=h, json={"name": "x"}), 404, "not_found")
        problem(client.delete(f"{API}/contacts/{contact['id']}", headers=h), 404, "not_found")
    # another tenant's admin does not see it either
    oh = other_world.headers("admin")
    problem(client.get(f"{API}/customers/{cid}/contacts", headers=oh), 404, "not_found")
    problem(client.get(f"{API}/contacts/{contact['id']}", headers=oh), 404, "not_found")
    # the department manager sees it (department scope)
    assert len(ok(client.get(f"{API}/customers/{cid}/contacts", headers=world.headers("manager_east1")))) == 1


def test_contact_phones_masked_without_full_number_permission(client, world):
    cid = world.customer(owner="sales_east1")
    ok(client.post(f"{API}/customers/{cid}/contacts", headers=world.headers("sales_east1"),
                   json={"name": "张经理", "phones": ["13800138002"]}), 201)
    with world.db.transaction(world.tenant_id) as s:
        role = s.get_one(Role, world.roles["sales"])
        role.permissions = [p for p in role.permissions if p != "customer.phone_full"]
    items = ok(client.get(f"{API}/customers/{cid}/contacts", headers=world.headers("sales_east1")))
    assert items[0]["phones"] == ["138****8002"]
    items = ok(client.get(f"{API}/customers/{cid}/contacts", headers=world.headers("admin")))
    assert items[0]["phones"] == ["13800138002"]
    # the audited "show"
    shown = ok(client.post(f"{API}/customers/{cid}/phones/reveal", headers=world.headers("sales_east1")))
    assert shown["contacts"][str(items[0]["id"])] == ["13800138002"] and len(shown["phones"]) == 1
    problem(client.post(f"{API}/customers/{cid}/phones/reveal", headers=world.headers("sales_east1b")), 404,
            "not_found")
    with world.db.transaction(world.tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "customer.phone_reveal")) == 1


def test_followup_moves_last_followup_time_and_lands_on_timeline(client, world):
    cid = world.customer(owner="sales_east1")
    h = world.headers("sales_east1")
    at = (utcnow() - timedelta(hours=2)).replace(microsecond=0)
    body = {"at": at.isoformat(), "method": "phone", "stage": "需求分析",
            "content": "介绍了合同管理系统的功能，重点演示了审批流程和钉钉集成。客户关注是否支持私有化部署。",
            "feedback": "客户很感兴趣，希望先试用，需要详细报价方案。",
            "next_at": (at + timedelta(days=3)).isoformat(), "next_plan": "发送试用账号和操作手册",
            "attachments": [{"name": "报价单.pdf", "url": "/files/1", "size": 1024}]}
    f = ok(client.post(f"{API}/customers/{cid}/followups", headers=h, json=body), 201)
    assert f["author_id"] == world.staff["sales_east1"] and f["author_name"] == "sales_east1"
    assert f["attachments"][0]["name"] == "报价单.pdf" and f["remind"] is True
    c = customer_json(client, world, cid, "sales_east1")
    assert c["last_followup_at"][:19] == at.isoformat()[:19]
    # an older (back-dated) follow-up never moves the time back
    ok(client.post(f"{API}/customers/{cid}/followups", headers=h,
                   json={"at": (at - timedelta(days=5)).isoformat(), "method": "wechat", "content": "补录：加了微信"}), 201)
    assert customer_json(client, world, cid)["last_followup_at"][:19] == at.isoformat()[:19]
    page = ok(client.get(f"{API}/customers/{cid}/followups", headers=h))
    assert [x["method"] for x in page["items"]] == ["wechat", "phone"]
    timeline = ok(client.get(f"{API}/customers/{cid}/events", params={"type": "followed_up"}, headers=h))["items"]
    assert len(timeline) == 2 and timeline[-1]["data"]["followup_id"] == f["id"]
    assert timeline[-1]["actor_name"] == "sales_east1" and "审批流程" in timeline[-1]["data"]["summary"]
    # validation: next time before the follow-up, a time in the future
    problem(client.post(f"{API}/customers/{cid}/followups", headers=h,
                        json={"content": "x", "at": at.isoformat(), "next_at": (at - timedelta(hours=1)).isoformat()}),
            422, "next_before_followup")
    problem(client.post(f"{API}/customers/{cid}/followups", headers=h,
                        json={"content": "x", "at": (utcnow() + timedelta(days=1)).isoformat()}), 422,
            "followup_in_future")
    problem(client.post(f"{API}/customers/{cid}/followups", headers=h, json={"content": "x", "method": "fax"}),
            422, "validation_error")


def test_failed_followup_changes_nothing(client, world):
    cid = world.customer(owner="sales_east1")
    other = world.customer(owner="sales_east1")
    contact = ok(client.post(f"{API}/customers/{other}/contacts", headers=world.headers("sales_east1"),
                             json={"name": "外人"}), 201)
    r = client.post(f"{API}/customers/{cid}/followups", headers=world.headers("sales_east1"),
                    json={"content": "联系人不属于该客户", "contact_id": contact["id"]})
    problem(r, 422, "validation_error")
    with world.db.transaction(world.tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Followup).where(Followup.customer_id == cid)) == 0
        assert s.get_one(Customer, cid).last_followup_at is None


def test_sales_follows_up_only_own_or_assisted_and_claims_public_first(client, world):
    public = world.customer(pool="public")
    h = world.headers("sales_east1")
    problem(client.post(f"{API}/customers/{public}/followups", headers=h, json={"content": "想跟进"}), 403,
            "claim_first")
    ok(client.post(f"{API}/customers/{public}/claim", headers=h))
    ok(client.post(f"{API}/customers/{public}/followups", headers=h, json={"content": "领取后电话沟通"}), 201)
    # another salesperson's customer is not even visible
    theirs = world.customer(owner="sales_east1b")
    problem(client.post(f"{API}/customers/{theirs}/followups", headers=h, json={"content": "x"}), 404, "not_found")
    # a collaborator may follow up
    assisted = world.customer(owner="sales_east1b", collaborators=("sales_east1",))
    ok(client.post(f"{API}/customers/{assisted}/followups", headers=h, json={"content": "协助跟进"}), 201)
    # a manager follows up customers of the department
    ok(client.post(f"{API}/customers/{theirs}/followups", headers=world.headers("manager_east1"),
                   json={"content": "主管回访"}), 201)
    binned = world.customer(pool="recycle_bin")
    problem(client.post(f"{API}/customers/{binned}/followups", headers=world.headers("admin"),
                        json={"content": "x"}), 409, "in_recycle_bin")


def test_followup_scope_on_every_route(client, world, other_world):
    cid = world.customer(owner="sales_east1")
    f = ok(client.post(f"{API}/customers/{cid}/followups", headers=world.headers("sales_east1"),
                       json={"content": "首次沟通", "next_at": (utcnow() + timedelta(days=1)).isoformat()}), 201)
    for who in ("sales_east1b", "sales_south1", "manager_south1"):
        h = world.headers(who)
        problem(client.get(f"{API}/customers/{cid}/followups", headers=h), 404, "not_found")
        problem(client.get(f"{API}/followups/{f['id']}", headers=h), 404, "not_found")
        problem(client.patch(f"{API}/followups/{f['id']}", headers=h, json={"content": "改"}), 404, "not_found")
        problem(client.get(f"{API}/customers/{cid}/events", headers=h), 404, "not_found")
        assert f["id"] not in [x["id"] for x in ok(client.get(f"{API}/followups", headers=h))["items"]]
    oh = other_world.headers("admin")
    problem(client.get(f"{API}/followups/{f['id']}", headers=oh), 404, "not_found")
    problem(client.get(f"{API}/customers/{cid}/followups", headers=oh), 404, "not_found")
    assert ok(client.get(f"{API}/followups", headers=oh))["items"] == []
    # within scope: the manager sees it in the cross-customer list; only the author edits it
    mine = ok(client.get(f"{API}/followups", params={"customer_id": cid}, headers=world.headers("manager_east1")))
    assert [x["id"] for x in mine["items"]] == [f["id"]]
    problem(client.patch(f"{API}/followups/{f['id']}", headers=world.headers("manager_east1"), json={"content": "改"}),
            403, "not_author")
    upd = ok(client.patch(f"{API}/followups/{f['id']}", headers=world.headers("sales_east1"),
                          json={"next_plan": "准备报价"}))
    assert upd["next_plan"] == "准备报价"
    assert "followup_updated" in events_of(world, cid)


def test_keyword_rules_tag_the_customer(client, world):
    admin = world.headers("admin")
    ok(client.post(f"{API}/tag-rules", headers=admin, json={"name": "价格敏感", "keywords": ["太贵", "价格高"],
                                                            "tag": "价格敏感"}), 201)
    ok(client.post(f"{API}/tag-rules", headers=admin, json={"name": "私有化", "keywords": ["私有化", "部署"],
                                                            "match": "all", "tag": "私有化需求"}), 201)
    problem(client.post(f"{API}/tag-rules", headers=world.headers("sales_east1"),
                        json={"name": "x", "keywords": ["x"], "tag": "x"}), 403, "forbidden")
    cid = world.customer(owner="sales_east1")
    h = world.headers("sales_east1")
    f = ok(client.post(f"{API}/customers/{cid}/followups", headers=h,
                       json={"content": "客户问能否私有化", "feedback": "觉得年费太贵"}), 201)
    assert f["auto_tags"] == ["价格敏感"]
    assert customer_json(client, world, cid)["tags"] == ["价格敏感"]
    f = ok(client.post(f"{API}/customers/{cid}/followups", headers=h,
                       json={"content": "确认需要私有化部署"}), 201)
    assert f["auto_tags"] == ["私有化需求"]
    assert sorted(customer_json(client, world, cid)["tags"]) == ["价格敏感", "私有化需求"]
    assert events_of(world, cid).count("tagged") == 2
    rules = ok(client.get(f"{API}/tag-rules", headers=admin))
    ok(client.patch(f"{API}/tag-rules/{rules[0]['id']}", headers=admin, json={"enabled": False}))
    f = ok(client.post(f"{API}/customers/{cid}/followups", headers=h, json={"content": "还是太贵"}), 201)
    assert f["auto_tags"] == []
    assert client.delete(f"{API}/tag-rules/{rules[1]['id']}", headers=admin).status_code == 204


def test_merge_folds_contacts_followups_and_visits_into_master(client, world):
    master = world.customer(owner="sales_east1")
    dup = world.customer(owner="sales_east1")
    h = world.headers("sales_east1")
    ok(client.post(f"{API}/customers/{dup}/contacts", headers=h, json={"name": "重复联系人"}), 201)
    f = ok(client.post(f"{API}/customers/{dup}/followups", headers=h, json={"content": "重复客户上的跟进"}), 201)
    ok(client.post(f"{API}/customers/{dup}/visit-plans", headers=h,
                   json={"type": "problem", "planned_at": utcnow().isoformat(), "topic": "问题跟进"}), 201)
    ok(client.post(f"{API}/customers/merge", headers=h, json={"master_id": master, "duplicate_ids": [dup]}))
    assert [c["name"] for c in ok(client.get(f"{API}/customers/{master}/contacts", headers=h))] == ["重复联系人"]
    assert [x["id"] for x in ok(client.get(f"{API}/customers/{master}/followups", headers=h))["items"]] == [f["id"]]
    assert len(ok(client.get(f"{API}/customers/{master}/visit-plans", headers=h))["items"]) == 1


def _without_full_numbers(world, role="sales"):
    with world.db.transaction(world.tenant_id) as s:
        r = s.get_one(Role, world.roles[role])
        r.permissions = [p for p in r.permissions if p != "customer.phone_full"]


def test_customer_phones_masked_in_list_detail_and_search(client, world):
    from tests.factories import random_mobile

    phone, second = random_mobile(), random_mobile()
    cid = world.customer(owner="sales_east1", phone=phone)
    ok(client.patch(f"{API}/customers/{cid}", headers=world.headers("admin"),
                    json={"version": customer_json(client, world, cid)["version"], "phones": [phone, second]}))
    _without_full_numbers(world)
    h = world.headers("sales_east1")
    masked = [phone[:3] + "****" + phone[-4:], second[:3] + "****" + second[-4:]]
    assert customer_json(client, world, cid, "sales_east1")["phones"] == masked
    # the list, the JSON-body search and quick search by the full number (it runs on the server)
    for params in ({"pool": "mine"}, {"pool": "all", "q": phone}, {"pool": "all", "q": second[-6:]}):
        items = ok(client.get(f"{API}/customers", params=params, headers=h))["items"]
        assert [(c["id"], c["phones"]) for c in items] == [(cid, masked)], params
    items = ok(client.post(f"{API}/customers/search", headers=h, json={"pool": "all", "q": phone}))["items"]
    assert [(c["id"], c["phones"]) for c in items] == [(cid, masked)]
    # a role with the permission sees the numbers
    assert customer_json(client, world, cid, "admin")["phones"] == [phone, second]
    assert customer_json(client, world, cid, "manager_east1")["phones"] == [phone, second]
    # the audited "show" still gives the full numbers to whoever sees the customer
    assert ok(client.post(f"{API}/customers/{cid}/phones/reveal", headers=h))["phones"] == [phone, second]
    # nothing of the full number in any answer the masked role gets
    for r in (client.get(f"{API}/customers/{cid}", headers=h), client.get(f"{API}/customers", headers=h),
              client.get(f"{API}/customers/{cid}/events", headers=h)):
        assert phone not in r.text and second not in r.text


def test_masked_viewer_edits_a_customer_without_losing_numbers(client, world):
    from tests.factories import random_mobile

    phone, added = random_mobile(), random_mobile()
    cid = world.customer(owner="sales_east1", phone=phone)
    _without_full_numbers(world)
    h = world.headers("sales_east1")
    c = customer_json(client, world, cid, "sales_east1")
    assert c["phones"] == [phone[:3] + "****" + phone[-4:]]
    # the form sends back what it was shown, plus a new number: the masked one stands for the stored one
    upd = ok(client.patch(f"{API}/customers/{cid}", headers=h,
                          json={"version": c["version"], "phones": c["phones"] + [added], "remark": "加了号码"}))
    assert upd["phones"] == [phone[:3] + "****" + phone[-4:], added[:3] + "****" + added[-4:]]
    assert customer_json(client, world, cid)["phones"] == [phone, added]
    # a masked entry that is not one of the customer's numbers is refused, nothing changes
    c = customer_json(client, world, cid, "sales_east1")
    problem(client.patch(f"{API}/customers/{cid}", headers=h,
                         json={"version": c["version"], "phones": ["137****0000"], "remark": "改"}),
            422, "invalid_phone")
    after = customer_json(client, world, cid)
    assert after["phones"] == [phone, added] and after["remark"] == "加了号码"


def test_tag_rule_preview_says_which_tags_a_text_would_get(client, world, other_world):
    admin = world.headers("admin")
    price = ok(client.post(f"{API}/tag-rules", headers=admin, json={"name": "价格敏感", "keywords": ["太贵", "价格高"],
                                                                    "tag": "价格敏感"}), 201)
    ok(client.post(f"{API}/tag-rules", headers=admin, json={"name": "私有化", "keywords": ["私有化", "部署"],
                                                            "match": "all", "tag": "私有化需求"}), 201)
    off = ok(client.post(f"{API}/tag-rules", headers=admin, json={"name": "停用的", "keywords": ["报价"],
                                                                  "tag": "已报价", "enabled": False}), 201)
    res = ok(client.post(f"{API}/tag-rules/preview", headers=admin, json={"text": "客户觉得太贵，想要私有化"}))
    assert res["tags"] == ["价格敏感"] and [r["id"] for r in res["rules"]] == [price["id"]]
    res = ok(client.post(f"{API}/tag-rules/preview", headers=world.headers("sales_east1"),
                         json={"text": "已发报价，价格高；确认私有化部署"}))
    assert res["tags"] == ["价格敏感", "私有化需求"]
    assert [(r["name"], r["enabled"]) for r in res["rules"]][-1] == ("停用的", False) and off["id"] in {
        r["id"] for r in res["rules"]}
    assert ok(client.post(f"{API}/tag-rules/preview", headers=admin, json={"text": "无关内容"})) == {
        "tags": [], "rules": []}
    problem(client.post(f"{API}/tag-rules/preview", headers=admin, json={"text": ""}), 422, "validation_error")
    # another tenant's rules never answer
    assert ok(client.post(f"{API}/tag-rules/preview", headers=other_world.headers("admin"),
                          json={"text": "太贵"})) == {"tags": [], "rules": []}


def test_tag_rule_needs_a_tag_the_tenant_allows(client, world):
    admin = world.headers("admin")
    ok(client.patch(f"{API}/settings/dictionaries/tag", headers=admin, json={"free_entry": False}))
    problem(client.post(f"{API}/tag-rules", headers=admin, json={"name": "新", "keywords": ["x"], "tag": "没有这个标签"}),
            422, "unknown_tag")
    group = ok(client.post(f"{API}/settings/tag-groups", headers=admin, json={"name": "跟进重点"}), 201)
    ok(client.post(f"{API}/settings/tag-groups/{group['id']}/tags", headers=admin, json={"name": "重点跟进中"}), 201)
    rule = ok(client.post(f"{API}/tag-rules", headers=admin,
                          json={"name": "想买", "keywords": ["下单"], "tag": " 重点跟进中 "}), 201)
    assert rule["tag"] == "重点跟进中"
    problem(client.patch(f"{API}/tag-rules/{rule['id']}", headers=admin, json={"tag": "也没有"}), 422, "unknown_tag")
    assert ok(client.get(f"{API}/tag-rules", headers=admin))[0]["tag"] == "重点跟进中"
