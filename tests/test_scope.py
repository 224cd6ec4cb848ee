"""Data scope on customers through the API (PERM-3/4, POOL-3/5): self / department / center / company,
the public pool for everyone, no unverified leads for sales, the per-person pool keys, 404 outside the
scope, and totals that match what the cursor pages through."""

from __future__ import annotations

from typing import Any

import pytest

from huike.customer.models import CustomerFocus
from tests.helpers import assert_problem


def page_all(client, headers, pool: str = "all", limit: int = 200, **params: Any) -> tuple[list[int], int]:  # type: ignore[no-untyped-def]
    """Every id of a pool, following next_cursor; also the `total` of the first page."""
    ids: list[int] = []
    cursor = None
    total = None
    for _ in range(1000):
        q = {"pool": pool, "limit": limit, **params}
        if cursor:
            q["cursor"] = cursor
        r = client.get("/api/v1/customers", headers=headers, params=q)
        assert r.status_code == 200, r.text
        body = r.json()
        if total is None:
            total = body["total"]
            assert body["total_exact"] is True
        else:
            assert body["total"] == total  # the count does not depend on the page
        ids += [x["id"] for x in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert total is not None
    return ids, total


def visible(client, headers, pool: str = "all") -> set[int]:  # type: ignore[no-untyped-def]
    ids, total = page_all(client, headers, pool)
    assert len(ids) == len(set(ids)) == total
    return set(ids)


@pytest.fixture
def cast(world, db):  # type: ignore[no-untyped-def]
    """One customer per interesting situation, named by key."""
    w = world
    c = {
        "e1_sales": w.customer(pool="following", owner="sales_east1"),
        "e1_sales_b": w.customer(pool="following", owner="sales_east1b"),
        "e1sub_sales": w.customer(pool="following", owner="sales_east1sub"),
        "e2_potential": w.customer(pool="potential", dept="east2"),
        "s1_sales": w.customer(pool="following", owner="sales_south1"),
        "public_s1": w.customer(pool="public", dept="south1"),
        "public_e1": w.customer(pool="public", dept="east1"),
        "e1_potential": w.customer(pool="potential", dept="east1"),
        "e1_to_assign": w.customer(pool="to_assign", dept="east1"),
        "e1_won": w.customer(pool="won", owner="sales_east1"),
        "s1_assisted": w.customer(pool="following", owner="sales_south1", collaborators=("sales_east1",)),
        "e1_recycled": w.customer(pool="recycle_bin", dept="east1"),
        # a lead nobody should have handed to a sales person: the pool rule still wins
        "e1_potential_owned": w.customer(pool="potential", owner="sales_east1"),
        "office_following": w.customer(pool="following", owner="admin"),
    }
    with db.transaction(w.tenant_id) as s:
        s.add(CustomerFocus(customer_id=c["e1_sales"], employee_id=w.staff["sales_east1"]))
        # a star on a customer they cannot see does not make it visible
        s.add(CustomerFocus(customer_id=c["e1_sales_b"], employee_id=w.staff["sales_east1"]))
        s.add(CustomerFocus(customer_id=c["s1_sales"], employee_id=w.staff["manager_east1"]))
    return c


EXPECTED_ALL = {
    # company scope: everything except the recycle bin
    "admin": {"e1_sales", "e1_sales_b", "e1sub_sales", "e2_potential", "s1_sales", "public_s1", "public_e1",
              "e1_potential", "e1_to_assign", "e1_won", "s1_assisted", "e1_potential_owned", "office_following"},
    # center scope: the whole east subtree, plus the public pool
    "director_east": {"e1_sales", "e1_sales_b", "e1sub_sales", "e2_potential", "public_s1", "public_e1",
                      "e1_potential", "e1_to_assign", "e1_won", "e1_potential_owned"},
    # department scope: east1 only, not its sub-department
    "manager_east1": {"e1_sales", "e1_sales_b", "public_s1", "public_e1", "e1_potential", "e1_to_assign",
                      "e1_won", "e1_potential_owned"},
    "operator_east1": {"e1_sales", "e1_sales_b", "public_s1", "public_e1", "e1_potential", "e1_to_assign",
                       "e1_won", "e1_potential_owned"},
    # self: own + assisting + public; never potential / to_assign
    "sales_east1": {"e1_sales", "e1_won", "s1_assisted", "public_s1", "public_e1"},
    "sales_east1b": {"e1_sales_b", "public_s1", "public_e1"},
    "sales_east1sub": {"e1sub_sales", "public_s1", "public_e1"},
    "manager_south1": {"s1_sales", "s1_assisted", "public_s1", "public_e1"},
    "sales_south1": {"s1_sales", "s1_assisted", "public_s1", "public_e1"},
}


def test_pool_all_by_role(client, world, cast):
    names = {v: k for k, v in cast.items()}
    for who, expected in EXPECTED_ALL.items():
        got = visible(client, world.headers(who))
        assert {names.get(i, i) for i in got} == expected, who
        # every visible one opens; every other one is a 404
        for key, cid in cast.items():
            r = client.get(f"/api/v1/customers/{cid}", headers=world.headers(who))
            if key in expected or (key == "e1_recycled" and who == "admin"):
                assert r.status_code == 200, (who, key, r.text)
            else:
                assert r.status_code == 404, (who, key, r.text)
                assert_problem(r, 404, "not_found")


def test_public_pool_is_visible_to_everyone(client, world, cast):
    for who in EXPECTED_ALL:
        assert visible(client, world.headers(who), "public") == {cast["public_s1"], cast["public_e1"]}, who


def test_sales_never_see_unverified_leads(client, world, cast):
    for who in ("sales_east1", "sales_east1b", "sales_south1"):
        h = world.headers(who)
        assert_problem(client.get("/api/v1/customers?pool=potential", headers=h), 403, "pool_forbidden")
        assert_problem(client.get("/api/v1/customers?pool=to_assign", headers=h), 403, "pool_forbidden")
        for key in ("e1_potential", "e1_to_assign", "e1_potential_owned"):
            assert_problem(client.get(f"/api/v1/customers/{cast[key]}", headers=h), 404, "not_found")
        # not even through search
        ids, _ = page_all(client, h, q="客户")
        assert not {cast["e1_potential"], cast["e1_to_assign"], cast["e1_potential_owned"]} & set(ids)


def test_pool_keys_for_sales(client, world, cast):
    h = world.headers("sales_east1")
    assert visible(client, h, "mine") == {cast["e1_sales"], cast["e1_won"]}
    assert visible(client, h, "assisting") == {cast["s1_assisted"]}
    assert visible(client, h, "focus") == {cast["e1_sales"]}  # the star on e1_sales_b stays invisible
    assert visible(client, h, "following") == {cast["e1_sales"], cast["s1_assisted"]}
    assert visible(client, h, "won") == {cast["e1_won"]}
    assert_problem(client.get("/api/v1/customers?pool=recycle_bin", headers=h), 403, "pool_forbidden")
    # the owner of the assisted customer sees it under mine, not assisting
    hs = world.headers("sales_south1")
    assert visible(client, hs, "mine") == {cast["s1_sales"], cast["s1_assisted"]}
    assert visible(client, hs, "assisting") == set()


def test_pool_keys_for_managers(client, world, cast):
    h = world.headers("manager_east1")
    assert visible(client, h, "potential") == {cast["e1_potential"], cast["e1_potential_owned"]}
    assert visible(client, h, "to_assign") == {cast["e1_to_assign"]}
    assert visible(client, h, "mine") == set()
    # a star is personal, and still within scope (s1_sales is outside east1)
    assert visible(client, h, "focus") == set()
    assert_problem(client.get("/api/v1/customers?pool=recycle_bin", headers=h), 403, "pool_forbidden")
    hd = world.headers("director_east")
    assert visible(client, hd, "potential") == {cast["e1_potential"], cast["e2_potential"],
                                                cast["e1_potential_owned"]}
    ha = world.headers("admin")
    assert visible(client, ha, "recycle_bin") == {cast["e1_recycled"]}
    assert visible(client, ha, "mine") == {cast["office_following"]}
    assert cast["e1_recycled"] not in visible(client, ha, "all")


def test_other_tenant_is_invisible(client, world, other_world, cast):
    theirs = other_world.customer(pool="public", dept="south1")
    mine_public = cast["public_s1"]
    for who in ("admin", "sales_east1"):
        assert_problem(client.get(f"/api/v1/customers/{theirs}", headers=world.headers(who)), 404, "not_found")
        assert theirs not in visible(client, world.headers(who), "public")
    assert_problem(client.get(f"/api/v1/customers/{mine_public}", headers=other_world.headers("admin")), 404,
                   "not_found")
    assert visible(client, other_world.headers("admin"), "public") == {theirs}


def test_department_scope_is_own_department_only(client, world):
    sub = world.customer(pool="potential", dept="east1sub")
    own = world.customer(pool="potential", dept="east1")
    h = world.headers("manager_east1")
    assert visible(client, h, "potential") == {own}
    assert client.get(f"/api/v1/customers/{sub}", headers=h).status_code == 404
    assert client.get(f"/api/v1/customers/{sub}", headers=world.headers("director_east")).status_code == 200


def test_keyset_pagination_counts_match(client, world):
    for i in range(23):
        world.customer(pool="potential", dept="east1", name=f"分页客户{i:02d}")
    for i in range(5):
        world.customer(pool="potential", dept="south1", name=f"分页客户南{i}")
    h = world.headers("manager_east1")
    expected = visible(client, h, "potential")
    assert len(expected) == 23
    for limit in (1, 4, 7, 23, 50):
        ids, total = page_all(client, h, "potential", limit=limit)
        assert total == 23 and len(ids) == 23 and set(ids) == expected, limit
        assert ids == sorted(ids, reverse=True)  # newest first, stable
    # pages have the requested size, and the last page has no cursor
    r = client.get("/api/v1/customers", headers=h, params={"pool": "potential", "limit": 10}).json()
    assert len(r["items"]) == 10 and r["next_cursor"]
    # with a search term
    ids, total = page_all(client, world.headers("admin"), "potential", limit=3, q="分页客户南")
    assert total == 5 and len(set(ids)) == 5
    # admin across the whole company
    ids, total = page_all(client, world.headers("admin"), "potential", limit=6)
    assert total == 28 and len(set(ids)) == 28


def test_bad_cursor_and_pool(client, world):
    h = world.headers("admin")
    assert_problem(client.get("/api/v1/customers", headers=h, params={"cursor": "!!not-a-cursor"}), 422,
                   "invalid_cursor")
    assert_problem(client.get("/api/v1/customers", headers=h, params={"pool": "nope"}), 422, "validation_error")
    assert_problem(client.get("/api/v1/customers", headers=h, params={"limit": 0}), 422, "validation_error")
