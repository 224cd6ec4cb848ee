"""Phone numbers are the customer's identity (POOL-15): one canonical form, unique per tenant."""

from __future__ import annotations

import pytest

from huike.customer.phones import InvalidPhone, normalize
from tests.helpers import assert_problem


def FULLWIDTH(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "0" <= ch <= "9" else ch for ch in text)


VALID = [
    ("13800138000", "13800138000"),
    ("+86 138-0013-8000", "13800138000"),
    ("+8613800138000", "13800138000"),
    ("86 138 0013 8000", "13800138000"),
    ("008613800138000", "13800138000"),
    ("0086 138 0013 8000", "13800138000"),
    ("138 0013 8000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    ("１３８００１３８０００", "13800138000"),          # full-width digits
    (FULLWIDTH("0086 138 0013 8000"), "13800138000"),
    ("＋８６ １３８ ００１３ ８０００", "13800138000"),  # full-width plus and spaces
    (" 13800138000 ", "13800138000"),
    ("(138)0013.8000", "13800138000"),
    ("010-8888 6666", "01088886666"),                   # Beijing landline
    ("(010) 88886666", "01088886666"),
    ("+86 10 8888 6666", "01088886666"),
    ("0755-86013388", "075586013388"),                  # Shenzhen landline
    ("+1 415 555 2671", "+14155552671"),                # abroad: E.164
    ("001 415 555 2671", "+14155552671"),
]

INVALID = ["", "   ", "abc", "12345", "138001380001", "1380013800", "+86 123", "13800138000a", "phone: 138",
           "２３", "+", "00", "138 0013 800０0"]


@pytest.mark.parametrize(("raw", "expected"), VALID)
def test_normalize_valid(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", INVALID)
def test_normalize_invalid(raw):
    with pytest.raises(InvalidPhone):
        normalize(raw)


def test_normalize_is_idempotent():
    for _, canonical in VALID:
        assert normalize(canonical) == canonical


# ------------------------------------------------------------------ through the API
def _create(client, h, phones, name="客户", **extra):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/customers", headers=h,
                       json={"name": name, "phones": phones, "pool": "potential", **extra})


def test_create_returns_normalised_phones(client, world):
    h = world.headers("admin")
    r = _create(client, h, ["+86 139-0000-0001", "０１０-８８８８ ６６６６", "139 0000 0001"])
    assert r.status_code == 201, r.text
    assert r.json()["phones"] == ["13900000001", "01088886666"]  # order kept, duplicates in one request merged
    got = client.get(f"/api/v1/customers/{r.json()['id']}", headers=h).json()
    assert got["phones"] == ["13900000001", "01088886666"]
    # quick search finds it by any way of writing the number
    for term in ("139 0000 0001", "00001", "8888 6666"):
        items = client.get("/api/v1/customers", headers=h, params={"pool": "potential", "q": term}).json()["items"]
        assert [x["id"] for x in items] == [r.json()["id"]], term


def test_invalid_phone_is_422_with_field_errors(client, world):
    h = world.headers("admin")
    b = assert_problem(_create(client, h, ["13900000002", "12345", "abc"]), 422, "invalid_phone")
    assert [e["field"] for e in b["errors"]] == ["phones.1", "phones.2"]
    assert all(e["code"] == "invalid_phone" for e in b["errors"])
    assert "12345" in b["detail"]
    b = assert_problem(_create(client, {**h, "Accept-Language": "en"}, ["12345"]), 422, "invalid_phone")
    assert b["detail"] == "Phone number 12345 is not valid"
    # nothing was created
    assert client.get("/api/v1/customers", headers=h, params={"pool": "potential"}).json()["total"] == 0
    # an empty list is a schema error
    assert_problem(_create(client, h, []), 422, "validation_error")


def test_duplicate_phone_within_the_tenant(client, world, other_world):
    h = world.headers("admin")
    first = _create(client, h, ["13900000003"]).json()
    for spelling in ("13900000003", "+86 139 0000 0003", FULLWIDTH("008613900000003"), "139-0000-0003"):
        b = assert_problem(_create(client, h, ["13900000099", spelling]), 409, "duplicate_phone")
        assert "13900000003" in b["detail"]
    # the same phone in another tenant is fine
    r = _create(client, other_world.headers("admin"), ["13900000003"])
    assert r.status_code == 201, r.text
    # a customer in the recycle bin still owns its number
    assert client.delete(f"/api/v1/customers/{first['id']}", headers=h).status_code == 204
    assert_problem(_create(client, h, ["13900000003"]), 409, "duplicate_phone")
    # and a duplicate in an update is refused as well
    second = _create(client, h, ["13900000004"]).json()
    r = client.patch(f"/api/v1/customers/{second['id']}", headers=h,
                     json={"version": second["version"], "phones": ["13900000004", "+8613900000003"]})
    assert_problem(r, 409, "duplicate_phone")


def test_duplicate_against_a_customer_outside_my_scope(client, world):
    # uniqueness is per tenant, not per data scope: the duplicate is reported even if invisible
    world.customer(pool="following", owner="sales_south1", phone="13900000005")
    r = client.post("/api/v1/customers", headers=world.headers("sales_east1"),
                    json={"name": "撞号", "phones": ["139 0000 0005"]})
    assert_problem(r, 409, "duplicate_phone")


def test_update_phones(client, world):
    h = world.headers("admin")
    c = _create(client, h, ["13900000006", "13900000007"]).json()
    r = client.patch(f"/api/v1/customers/{c['id']}", headers=h,
                     json={"version": c["version"], "phones": ["+86 139 0000 0008", "13900000006"]})
    assert r.status_code == 200, r.text
    assert r.json()["phones"] == ["13900000008", "13900000006"]
    # the released number is free again
    assert _create(client, h, ["13900000007"]).status_code == 201
    b = assert_problem(client.patch(f"/api/v1/customers/{c['id']}", headers=h,
                                    json={"version": r.json()["version"], "phones": ["1"]}), 422, "invalid_phone")
    assert b["errors"][0]["field"] == "phones.0"
