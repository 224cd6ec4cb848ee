"""Pool moves through the API (POOL-2…15, PERM-6, WORK-5), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from huike.customer.models import Customer, CustomerCollaborator, CustomerFocus, CustomerPhone
from huike.kit.models import utcnow
from huike.pool.models import CustomerEvent, PublicPool, WecomFriend

API = "/api/v1"


def ids_of(client, world, who, pool):
    r = client.get(f"{API}/customers", params={"pool": pool, "limit": 200}, headers=world.headers(who))
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


def events_of(client, world, cid, who="admin"):
    r = client.get(f"{API}/customers/{cid}/events", headers=world.headers(who))
    assert r.status_code == 200, r.text
    return [e["type"] for e in r.json()["items"]]


def bulk(client, world, who, action, **body):
    r = client.post(f"{API}/customers/bulk/{action}", json=body, headers=world.headers(who))
    assert r.status_code == 200, r.text
    return r.json()


def set_pool(world, **values):
    with world.db.transaction(world.tenant_id) as s:
        pool = s.scalar(sa.select(PublicPool).where(PublicPool.is_default))
        for k, v in values.items():
            setattr(pool, k, v)


def test_mark_valid_then_assign_round_robin_in_order(client, world):
    ids = [world.customer(pool="potential", dept="east1") for _ in range(10)]
    res = bulk(client, world, "operator_east1", "mark-valid", ids=ids)
    assert res["succeeded"] == 10
    assert sorted(ids_of(client, world, "operator_east1", "to_assign")) == sorted(ids)
    # sales never see to_assign (POOL-3)
    r = client.get(f"{API}/customers", params={"pool": "to_assign"}, headers=world.headers("sales_east1"))
    assert r.status_code == 403
    a, b, c = world.staff["sales_east1"], world.staff["sales_east1b"], world.staff["sales_east1sub"]
    res = bulk(client, world, "director_east", "assign", ids=ids, assignee_ids=[a, b, c])
    assert res["succeeded"] == 10
    owners = [r["owner_id"] for r in res["results"]]
    assert owners == [a, b, c, a, b, c, a, b, c, a]
    assert Counter(owners) == {a: 4, b: 3, c: 3}
    mine = ids_of(client, world, "sales_east1", "mine")
    assert sorted(mine) == sorted(ids[0::3])
    assert "assigned" in events_of(client, world, ids[0])
    detail = client.get(f"{API}/customers/{ids[0]}", headers=world.headers("sales_east1")).json()
    assert detail["customer_type"] == "assigned" and detail["pool"] == "following"


def test_assign_refusals_are_per_id(client, world, other_world):
    mine = world.customer(pool="to_assign", dept="east1")
    binned = world.customer(pool="recycle_bin", dept="east1")
    foreign = other_world.customer(pool="to_assign")
    res = bulk(client, world, "admin", "assign", ids=[mine, binned, foreign, 999_999_999],
               assignee_ids=[world.staff["sales_east1"]])
    codes = {r["id"]: r["code"] for r in res["results"]}
    assert codes == {mine: None, binned: "in_recycle_bin", foreign: "not_found", 999_999_999: "not_found"}
    assert res["succeeded"] == 1 and res["failed"] == 3
    # more than five assignees is a clear 422
    r = client.post(f"{API}/customers/bulk/assign", headers=world.headers("admin"),
                    json={"ids": [mine], "assignee_ids": [1, 2, 3, 4, 5, 6]})
    assert r.status_code == 422
    # an assignee outside the manager's department scope is refused
    r = client.post(f"{API}/customers/bulk/assign", headers=world.headers("manager_east1"),
                    json={"ids": [mine], "assignee_ids": [world.staff["sales_south1"]]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_assignee"
    # sales has no assign permission
    r = client.post(f"{API}/customers/bulk/assign", headers=world.headers("sales_east1"),
                    json={"ids": [mine], "assignee_ids": [world.staff["sales_east1"]]})
    assert r.status_code == 403


def test_assignment_rule_remembers_its_pointer(client, world):
    a, b, c = world.staff["sales_east1"], world.staff["sales_east1b"], world.staff["sales_east1sub"]
    r = client.post(f"{API}/pool/assignment-rules", headers=world.headers("admin"),
                    json={"name": "电销轮流", "strategy": "round_robin", "member_ids": [a, b, c]})
    assert r.status_code == 201, r.text
    rule = r.json()["id"]
    owners = []
    for _ in range(4):  # 4 calls of 2 customers each: the deal continues where it stopped
        ids = [world.customer(pool="to_assign") for _ in range(2)]
        owners += [x["owner_id"] for x in bulk(client, world, "admin", "assign", ids=ids, rule_id=rule)["results"]]
    assert owners == [a, b, c, a, b, c, a, b]


def test_least_loaded_and_capacity_skip(client, world):
    a, b = world.staff["sales_east1"], world.staff["sales_east1b"]
    for _ in range(3):
        world.customer(owner="sales_east1")
    r = client.post(f"{API}/pool/assignment-rules", headers=world.headers("admin"),
                    json={"name": "按负载", "strategy": "least_loaded", "member_ids": [a, b]})
    rule = r.json()["id"]
    ids = [world.customer(pool="to_assign") for _ in range(4)]
    owners = Counter(x["owner_id"] for x in bulk(client, world, "admin", "assign", ids=ids, rule_id=rule)["results"])
    assert owners == {b: 4} or owners == {b: 3, a: 1}
    # capacity: employees at capacity are skipped; when nobody is left → 409
    set_pool(world, capacity=3)
    ids = [world.customer(pool="to_assign") for _ in range(2)]
    r = client.post(f"{API}/customers/bulk/assign", headers=world.headers("admin"),
                    json={"ids": ids, "assignee_ids": [a]})
    assert r.status_code == 409 and r.json()["code"] == "no_assignee_available"


def test_assign_to_department_members(client, world):
    ids = [world.customer(pool="to_assign") for _ in range(4)]
    res = bulk(client, world, "admin", "assign", ids=ids, department_id=world.units["east1"])
    members = {world.staff[k] for k in ("director_east", "manager_east1", "operator_east1", "sales_east1",
                                        "sales_east1b")}
    assert {r["owner_id"] for r in res["results"]} <= members
    assert len({r["owner_id"] for r in res["results"]}) == 4


def test_claim_rules_quota_cooldown_capacity(client, world):
    ids = [world.customer(pool="public", dept="east1") for _ in range(4)]
    h = world.headers("sales_east1")
    r = client.post(f"{API}/customers/{ids[0]}/claim", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["owner_id"] == world.staff["sales_east1"] and r.json()["pool"] == "following"
    assert r.json()["claimed_at"] is not None
    r = client.post(f"{API}/customers/{ids[0]}/claim", headers=world.headers("sales_east1b"))
    assert r.status_code == 409 and r.json()["code"] == "already_claimed"
    # quota 2 a day
    set_pool(world, daily_claim_quota=2)
    assert client.post(f"{API}/customers/{ids[1]}/claim", headers=h).status_code == 200
    r = client.post(f"{API}/customers/{ids[2]}/claim", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "claim_quota_exceeded"
    set_pool(world, daily_claim_quota=None)
    # cooldown: give one back, cannot take it back for 3 days
    set_pool(world, reclaim_cooldown_days=3)
    res = bulk(client, world, "sales_east1", "recycle", ids=[ids[1]], reason="无意向")
    assert res["succeeded"] == 1
    r = client.post(f"{API}/customers/{ids[1]}/claim", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "claim_cooldown"
    assert client.post(f"{API}/customers/{ids[1]}/claim", headers=world.headers("sales_east1b")).status_code == 200
    # capacity (库容)
    set_pool(world, capacity=1, reclaim_cooldown_days=0)
    r = client.post(f"{API}/customers/{ids[3]}/claim", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "capacity_reached"
    # a claim of an out-of-scope, non-public customer is a 404
    other = world.customer(owner="sales_south1")
    assert client.post(f"{API}/customers/{other}/claim", headers=h).status_code == 404


def test_claim_protection_period_and_pool_members(client, world):
    cid = world.customer(pool="public", dept="east1", pool_entered_at=utcnow())
    set_pool(world, protection_minutes=30)
    r = client.post(f"{API}/customers/{cid}/claim", headers=world.headers("sales_east1"))
    assert r.status_code == 409 and r.json()["code"] == "claim_protected"
    set_pool(world, protection_minutes=0, member_unit_ids=[world.units["south"]])
    r = client.post(f"{API}/customers/{cid}/claim", headers=world.headers("sales_east1"))
    assert r.status_code == 403 and r.json()["code"] == "not_pool_member"
    assert client.post(f"{API}/customers/{cid}/claim", headers=world.headers("sales_south1")).status_code == 200


def test_recycle_by_hand_records_previous_owner_and_reason(client, world):
    cid = world.customer(owner="sales_east1", collaborators=("sales_east1b",))
    other = world.customer(owner="sales_east1b")
    res = bulk(client, world, "sales_east1", "recycle", ids=[cid, other], reason="客户无意向")
    assert [r["code"] for r in res["results"]] == [None, "not_found"]
    c = client.get(f"{API}/customers/{cid}", headers=world.headers("admin")).json()
    assert c["pool"] == "public" and c["owner_id"] is None
    assert c["previous_owner_id"] == world.staff["sales_east1"] and c["recycle_reason"] == "客户无意向"
    assert c["collaborator_ids"] == []
    assert events_of(client, world, cid)[0] == "recycled"


def test_wecom_friend_customers_cannot_be_deleted_recycled_or_given_away(client, world):
    cid = world.customer(owner="sales_east1", collaborators=("sales_east1b",))
    r = client.put(f"{API}/customers/{cid}/wecom-friends", headers=world.headers("sales_east1"),
                   json={"employee_ids": [world.staff["sales_east1"], world.staff["sales_east1b"]]})
    assert r.status_code == 200, r.text
    assert bulk(client, world, "sales_east1", "recycle", ids=[cid])["results"][0]["code"] == "wecom_friend"
    assert bulk(client, world, "admin", "delete", ids=[cid])["results"][0]["code"] == "wecom_friend"
    res = bulk(client, world, "admin", "transfer", ids=[cid], owner_id=world.staff["sales_east1sub"])
    assert res["results"][0]["code"] == "wecom_friend_target"
    res = bulk(client, world, "admin", "transfer", ids=[cid], owner_id=world.staff["sales_east1b"])
    assert res["results"][0]["ok"] is True
    c = client.get(f"{API}/customers/{cid}", headers=world.headers("admin")).json()
    assert c["owner_id"] == world.staff["sales_east1b"]
    assert c["wecom_friend_ids"] == sorted([world.staff["sales_east1"], world.staff["sales_east1b"]])


def test_delete_and_restore_identical_with_relations(client, world, db):
    cid = world.customer(owner="sales_east1", collaborators=("sales_east1b",), phone="13911112222")
    before = client.get(f"{API}/customers/{cid}", headers=world.headers("admin")).json()
    client.put(f"{API}/customers/{cid}/focus", json={"color": "blue"}, headers=world.headers("sales_east1"))
    assert bulk(client, world, "admin", "delete", ids=[cid])["succeeded"] == 1
    assert cid not in ids_of(client, world, "admin", "all")
    assert cid in ids_of(client, world, "admin", "recycle_bin")
    # the phone stays taken while in the bin
    r = client.post(f"{API}/customers", headers=world.headers("admin"),
                    json={"name": "重复", "phones": ["13911112222"], "pool": "potential"})
    assert r.status_code == 409 and r.json()["code"] == "duplicate_phone"
    assert bulk(client, world, "admin", "restore", ids=[cid])["succeeded"] == 1
    after = client.get(f"{API}/customers/{cid}", headers=world.headers("admin")).json()
    for key in ("pool", "owner_id", "collaborator_ids", "phones", "department_id", "name", "tags"):
        assert after[key] == before[key], key
    focus = client.get(f"{API}/customers", params={"pool": "focus"}, headers=world.headers("sales_east1")).json()
    assert [x["id"] for x in focus["items"]] == [cid]
    assert events_of(client, world, cid)[:2] == ["restored", "deleted"]
    # purge: admin only, audited
    assert bulk(client, world, "admin", "delete", ids=[cid])["succeeded"] == 1
    assert bulk(client, world, "admin", "purge", ids=[cid])["succeeded"] == 1
    with db.transaction(world.tenant_id) as s:
        assert s.get(Customer, cid) is None
    audit = client.get(f"{API}/audit", params={"action": "customer.purge"}, headers=world.headers("admin")).json()
    assert audit["items"] and audit["items"][0]["after"]["count"] == 1


def test_won_customer_cannot_be_deleted_only_deactivated(client, world):
    cid = world.customer(owner="sales_east1", pool="won")
    assert bulk(client, world, "admin", "delete", ids=[cid])["results"][0]["code"] == "customer_won"
    r = client.delete(f"{API}/customers/{cid}", headers=world.headers("admin"))
    assert r.status_code == 409 and r.json()["code"] == "customer_won"
    assert bulk(client, world, "admin", "deactivate", ids=[cid], reason="流失")["succeeded"] == 1
    c = client.get(f"{API}/customers/{cid}", headers=world.headers("admin")).json()
    assert c["deactivated"] is True and c["deactivate_reason"] == "流失" and c["customer_type"] == "won"


def test_blacklist_needs_reason_and_is_flagged(client, world):
    cid = world.customer(owner="sales_east1")
    r = client.post(f"{API}/customers/bulk/blacklist", json={"ids": [cid]}, headers=world.headers("admin"))
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    assert bulk(client, world, "admin", "blacklist", ids=[cid], reason="骚扰投诉")["succeeded"] == 1
    c = client.get(f"{API}/customers/{cid}", headers=world.headers("sales_east1")).json()
    assert c["blacklisted"] is True and c["blacklist_reason"] == "骚扰投诉"
    assert "blacklisted" in events_of(client, world, cid)


def test_collaborators_and_assisting_pool(client, world):
    cid = world.customer(owner="sales_east1")
    h = world.headers("sales_east1")
    r = client.post(f"{API}/customers/{cid}/collaborators", json={"add": [world.staff["sales_east1b"]]}, headers=h)
    assert r.status_code == 200 and r.json()["collaborator_ids"] == [world.staff["sales_east1b"]]
    assert cid in ids_of(client, world, "sales_east1b", "assisting")
    # a collaborator may change collaborators (POOL-7)
    r = client.post(f"{API}/customers/{cid}/collaborators", json={"add": [world.staff["sales_east1sub"]]},
                    headers=world.headers("sales_east1b"))
    assert r.status_code == 200 and len(r.json()["collaborator_ids"]) == 2
    # someone unrelated cannot (and cannot even see it)
    r = client.post(f"{API}/customers/{cid}/collaborators", json={"add": [world.staff["sales_south1"]]},
                    headers=world.headers("sales_south1"))
    assert r.status_code == 404


def test_focus_is_private_and_moves_with_transfer(client, world):
    cid = world.customer(owner="sales_east1")
    assert client.put(f"{API}/customers/{cid}/focus", json={"color": "orange"},
                      headers=world.headers("sales_east1")).status_code == 204
    assert ids_of(client, world, "sales_east1", "focus") == [cid]
    assert ids_of(client, world, "manager_east1", "focus") == []
    res = bulk(client, world, "manager_east1", "transfer", ids=[cid], owner_id=world.staff["sales_east1b"])
    assert res["succeeded"] == 1
    assert ids_of(client, world, "sales_east1b", "focus") == [cid]
    c = client.get(f"{API}/customers/{cid}", headers=world.headers("sales_east1b")).json()
    assert c["focus_color"] == "orange"
    assert client.delete(f"{API}/customers/{cid}/focus", headers=world.headers("sales_east1b")).status_code == 204
    assert ids_of(client, world, "sales_east1b", "focus") == []


def test_merge_moves_related_rows_and_bins_duplicates(client, world, db):
    master = world.customer(owner="sales_east1", name="张三", phone="13900000001", tags=["高意向"])
    dup1 = world.customer(owner="sales_east1b", name="张三（重复）", phone="13900000002", tags=["已加微信"],
                          collaborators=("sales_east1sub",), company="汇客科技")
    dup2 = world.customer(owner="sales_east1", name="张三 2", phone="13900000003")
    bulk(client, world, "admin", "tag", ids=[dup2], tags=["老板决策"], mode="add")
    with db.transaction(world.tenant_id) as s:
        n_events = s.scalar(sa.select(sa.func.count()).select_from(CustomerEvent)
                            .where(CustomerEvent.customer_id.in_([master, dup1, dup2])))
    r = client.post(f"{API}/customers/merge", json={"master_id": master, "duplicate_ids": [dup1, dup2]},
                    headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    m = r.json()
    assert m["phones"] == ["13900000001", "13900000002", "13900000003"]
    assert m["tags"] == sorted(["高意向", "已加微信", "老板决策"])
    assert m["company"] == "汇客科技"
    assert set(m["collaborator_ids"]) == {world.staff["sales_east1b"], world.staff["sales_east1sub"]}
    with db.transaction(world.tenant_id) as s:
        moved = s.scalar(sa.select(sa.func.count()).select_from(CustomerEvent)
                         .where(CustomerEvent.customer_id == master))
        assert moved == n_events + 1 + 0  # every old event now on the master, plus "merged"
        for d in (dup1, dup2):
            c = s.get_one(Customer, d)
            assert c.pool == "recycle_bin" and c.merged_into_id == master
        assert s.scalar(sa.select(sa.func.count()).select_from(CustomerPhone)
                        .where(CustomerPhone.customer_id.in_([dup1, dup2]))) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(CustomerCollaborator)
                        .where(CustomerCollaborator.customer_id.in_([dup1, dup2]))) == 0
    assert bulk(client, world, "admin", "restore", ids=[dup1])["results"][0]["code"] == "merged_customer"


def test_leaver_handover_round_robin_and_disable(client, world, db):
    ids = [world.customer(owner="sales_east1") for _ in range(5)]
    won = world.customer(owner="sales_east1", pool="won")
    assisted = world.customer(owner="sales_east1b", collaborators=("sales_east1",))
    client.put(f"{API}/customers/{ids[0]}/focus", json={"color": "red"}, headers=world.headers("sales_east1"))
    r = client.post(f"{API}/employees/{world.staff['sales_east1']}/handover", headers=world.headers("admin"),
                    json={"to_employee_ids": [world.staff["sales_east1b"], world.staff["sales_east1sub"]],
                          "disable": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["customers"] == 6 and body["disabled"] is True
    assert sorted(body["per_target"].values()) == [3, 3]
    assert client.get(f"{API}/me", headers=world.headers("sales_east1")).status_code == 401
    with db.transaction(world.tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Customer)
                        .where(Customer.owner_id == world.staff["sales_east1"])) == 0
        assert s.get_one(Customer, won).pool == "won"
        assert s.get(CustomerFocus, (ids[0], world.staff["sales_east1"])) is None
        assert s.scalar(sa.select(sa.func.count()).select_from(CustomerFocus)
                        .where(CustomerFocus.customer_id == ids[0])) == 1
        assert s.get(CustomerCollaborator, (assisted, world.staff["sales_east1"])) is None
    assert "handover" in events_of(client, world, ids[0])
    r = client.post(f"{API}/employees/{world.staff['sales_east1b']}/handover", headers=world.headers("manager_east1"),
                    json={"to_employee_ids": [world.staff["sales_east1sub"]]})
    assert r.status_code == 403


def test_bulk_tag_modes(client, world):
    cid = world.customer(owner="sales_east1", tags=["a", "b"])
    bulk(client, world, "sales_east1", "tag", ids=[cid], tags=["c"], mode="add")
    assert client.get(f"{API}/customers/{cid}", headers=world.headers("admin")).json()["tags"] == ["a", "b", "c"]
    bulk(client, world, "sales_east1", "tag", ids=[cid], tags=["a"], mode="remove")
    assert client.get(f"{API}/customers/{cid}", headers=world.headers("admin")).json()["tags"] == ["b", "c"]
    bulk(client, world, "sales_east1", "tag", ids=[cid], tags=["x"], mode="replace")
    assert client.get(f"{API}/customers/{cid}", headers=world.headers("admin")).json()["tags"] == ["x"]


def test_sales_never_sees_another_sales_customers_in_any_pool(client, world):
    theirs = world.customer(owner="sales_east1b", collaborators=("sales_east1sub",))
    world.customer(owner="sales_east1b", pool="won")
    for pool in ("all", "following", "mine", "assisting", "won", "focus", "public"):
        assert theirs not in ids_of(client, world, "sales_east1", pool)
    assert client.get(f"{API}/customers/{theirs}/events", headers=world.headers("sales_east1")).status_code == 404


def test_timeline_filter_and_notifications(client, world, db):
    cid = world.customer(owner="sales_east1")
    bulk(client, world, "sales_east1", "tag", ids=[cid], tags=["x"])
    bulk(client, world, "sales_east1", "lock", ids=[cid])
    r = client.get(f"{API}/customers/{cid}/events", params={"type": "locked"}, headers=world.headers("admin"))
    assert [e["type"] for e in r.json()["items"]] == ["locked"]
    assert r.json()["items"][0]["actor_name"] == "sales_east1"
    n = client.get(f"{API}/notifications", headers=world.headers("sales_east1")).json()
    assert n["unread"] == 0 and n["items"] == []


def test_wecom_friend_rows_are_tenant_scoped(world, other_world, db):
    cid = world.customer(owner="sales_east1")
    with db.transaction(world.tenant_id) as s:
        s.add(WecomFriend(customer_id=cid, employee_id=world.staff["sales_east1"]))
    with db.transaction(other_world.tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(WecomFriend)) == 0


def test_recycled_customer_keeps_phone_identity_and_claim_restarts_clock(client, world, db):
    cid = world.customer(pool="public", dept="east1", last_followup_at=utcnow() - timedelta(days=90))
    r = client.post(f"{API}/customers/{cid}/claim", headers=world.headers("sales_east1"))
    assert r.status_code == 200
    with db.transaction(world.tenant_id) as s:
        c = s.get_one(Customer, cid)
        assert c.claimed_at is not None and c.claimed_at > utcnow() - timedelta(minutes=1)
    assert events_of(client, world, cid)[0] == "claimed"


def test_assign_takes_only_unowned_customers_transfer_changes_owners(client, world):
    a, b = world.staff["sales_east1"], world.staff["sales_east1b"]
    free = world.customer(pool="to_assign")
    owned = world.customer(owner="sales_east1")
    res = bulk(client, world, "admin", "assign", ids=[owned, free], assignee_ids=[b])
    assert [(r["id"], r["ok"], r["code"]) for r in res["results"]] == [
        (owned, False, "already_assigned"), (free, True, None)]
    # the refused id took no turn of the round-robin, and its detail says what to do
    assert res["results"][1]["owner_id"] == b
    assert "transfer" in client.post(f"{API}/customers/bulk/assign", json={"ids": [owned], "assignee_ids": [b]},
                                     headers={**world.headers("admin"), "Accept-Language": "en"}
                                     ).json()["results"][0]["detail"]
    c = client.get(f"{API}/customers/{owned}", headers=world.headers("admin")).json()
    assert c["owner_id"] == a and "assigned" not in events_of(client, world, owned)
    # assigning again what was just assigned is refused the same way (no silent reassignment)
    again = bulk(client, world, "director_east", "assign", ids=[free], assignee_ids=[a])
    assert again["results"][0]["code"] == "already_assigned"
    assert client.get(f"{API}/customers/{free}", headers=world.headers("admin")).json()["owner_id"] == b
    # an explicit transfer does change the owner
    moved = bulk(client, world, "admin", "transfer", ids=[owned], owner_id=b)
    assert moved["results"][0]["ok"] and moved["results"][0]["owner_id"] == b


def _types(client, world, who, **params):
    r = client.get(f"{API}/customers/type-counts", params=params, headers=world.headers(who))
    assert r.status_code == 200, r.text
    return r.json()


def _of_type(client, world, who, pool, kind, op="eq"):
    r = client.post(f"{API}/customers/search", headers=world.headers(who),
                    json={"pool": pool, "limit": 200,
                          "filter": {"logic": "and", "conditions": [{"field": "customer_type", "op": op,
                                                                     "value": kind}]}})
    assert r.status_code == 200, r.text
    return {c["id"]: c["customer_type"] for c in r.json()["items"]}


def test_customer_types_view_counts_and_filter(client, world, other_world):
    """POOL-17: 意向 / 分配 / 成交 counted per list and listed by type, within the data scope."""
    own = world.customer(owner="sales_east1", acquired_via="created", name="意向甲")
    claimed = world.customer(owner="sales_east1", acquired_via="claimed")
    public = world.customer(pool="public")
    won = world.customer(pool="won", owner="sales_east1", won_at=utcnow())
    dealt = [world.customer(pool="to_assign") for _ in range(2)]
    assert bulk(client, world, "admin", "assign", ids=dealt, assignee_ids=[world.staff["sales_east1"]])[
        "succeeded"] == 2
    other_sales = world.customer(owner="sales_east1b", acquired_via="assigned")  # not in sales_east1's scope
    other_world.customer(owner="sales_east1", acquired_via="assigned")  # another tenant
    mine = {own: "intent", claimed: "intent", won: "won", dealt[0]: "assigned", dealt[1]: "assigned"}
    # the same type the detail shows, through the filter language
    assert _of_type(client, world, "sales_east1", "mine", "assigned") == {dealt[0]: "assigned", dealt[1]: "assigned"}
    assert _of_type(client, world, "sales_east1", "mine", "won") == {won: "won"}
    assert _of_type(client, world, "sales_east1", "mine", "intent") == {own: "intent", claimed: "intent"}
    assert set(_of_type(client, world, "sales_east1", "mine", ["intent", "won"], "any_of")) == {own, claimed, won}
    assert set(_of_type(client, world, "sales_east1", "mine", "assigned", "ne")) == {own, claimed, won}
    for cid, kind in mine.items():
        assert client.get(f"{API}/customers/{cid}", headers=world.headers("sales_east1")).json()[
            "customer_type"] == kind
    # counts of a list add up to the list
    assert _types(client, world, "sales_east1", pool="mine") == {"intent": 2, "assigned": 2, "won": 1, "total": 5}
    assert _types(client, world, "sales_east1", pool="public") == {"intent": 1, "assigned": 0, "won": 0, "total": 1}
    # search and filter narrow the counts like the list
    assert _types(client, world, "sales_east1", pool="mine", q="意向甲")["total"] == 1
    flt = '{"logic":"and","conditions":[{"field":"pool","op":"eq","value":"won"}]}'
    assert _types(client, world, "sales_east1", pool="mine", filter=flt) == {
        "intent": 0, "assigned": 0, "won": 1, "total": 1}
    # the admin's company scope sees the other sales' customer too; never the other tenant's
    everyone = _types(client, world, "admin", pool="all")
    assert everyone["assigned"] == 3 and everyone["total"] == 7 and public in _of_type(
        client, world, "admin", "all", "intent") and other_sales in _of_type(client, world, "admin", "all", "assigned")
    # bad input: a 422 with a stable code, never a 500
    r = client.post(f"{API}/customers/search", headers=world.headers("admin"), json={
        "pool": "all", "filter": {"logic": "and", "conditions": [{"field": "customer_type", "op": "eq",
                                                                  "value": "vip"}]}})
    assert r.status_code == 422 and r.json()["code"] == "invalid_filter"
    r = client.get(f"{API}/customers/type-counts", params={"pool": "nope"}, headers=world.headers("admin"))
    assert r.status_code == 422
    r = client.get(f"{API}/customers/type-counts", params={"pool": "to_assign"}, headers=world.headers("sales_east1"))
    assert r.status_code == 403
    assert client.get(f"{API}/customers/type-counts").status_code == 401
