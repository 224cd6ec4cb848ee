"""Errors are RFC 9457 problem+json with a stable code and a zh-CN/en detail; no traces leak."""

from __future__ import annotations

import re

import pytest

from tests.helpers import assert_problem

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_401_without_credentials_zh_and_en(client):
    r = client.get("/api/v1/me")
    body = assert_problem(r, 401, "unauthenticated")
    assert CJK.search(body["detail"]), body
    assert r.headers["content-language"] == "zh-CN"
    assert r.headers["www-authenticate"] == "Bearer"
    r = client.get("/api/v1/me", headers={"Accept-Language": "en-US,en;q=0.9"})
    body = assert_problem(r, 401, "unauthenticated")
    assert body["detail"] == "Please log in"
    assert r.headers["content-language"] == "en"


def test_401_bad_tokens(client):
    for token in ("garbage", "hk_x_abc", "hk_999999_nope", "hk_1_" + "a" * 40):
        assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401,
                       "unauthenticated")


def test_403_404_409_422_codes_and_languages(client, world):
    sales = world.headers("sales_east1")
    admin = world.headers("admin")
    # 403: sales may not read the audit log
    b = assert_problem(client.get("/api/v1/audit", headers=sales), 403, "forbidden")
    assert CJK.search(b["detail"])
    b = assert_problem(client.get("/api/v1/audit", headers={**sales, "Accept-Language": "en"}), 403, "forbidden")
    assert b["detail"] == "You are not allowed to do this"
    # 404: a record that does not exist
    b = assert_problem(client.get("/api/v1/customers/987654321", headers=admin), 404, "not_found")
    assert CJK.search(b["detail"])
    b = assert_problem(client.get("/api/v1/customers/987654321", headers={**admin, "Accept-Language": "en"}),
                       404, "not_found")
    assert b["detail"] == "Not found, or not accessible to you"
    # 409: duplicate phone, with the number in the message
    client.post("/api/v1/customers", headers=admin, json={"name": "甲", "phones": ["13700000001"]})
    r = client.post("/api/v1/customers", headers=admin, json={"name": "乙", "phones": ["137 0000 0001"]})
    b = assert_problem(r, 409, "duplicate_phone")
    assert "13700000001" in b["detail"] and CJK.search(b["detail"])
    r = client.post("/api/v1/customers", headers={**admin, "Accept-Language": "en"},
                    json={"name": "乙", "phones": ["137 0000 0001"]})
    assert assert_problem(r, 409, "duplicate_phone")["detail"] == "Phone number 13700000001 already exists"
    # 422: schema validation, with field errors
    r = client.post("/api/v1/customers", headers=admin, json={"phones": []})
    b = assert_problem(r, 422, "validation_error")
    fields = {e["field"] for e in b["errors"]}
    assert {"name", "phones"} <= fields
    assert all(CJK.search(e["message"]) for e in b["errors"])
    r = client.post("/api/v1/customers", headers={**admin, "Accept-Language": "en"}, json={"phones": []})
    b = assert_problem(r, 422, "validation_error")
    assert b["detail"] == "The request data is invalid"
    assert not any(CJK.search(e["message"]) for e in b["errors"])


def test_405_method_not_allowed(client, world):
    r = client.put("/api/v1/customers", headers=world.headers("admin"), json={})
    b = assert_problem(r, 405, "method_not_allowed")
    assert CJK.search(b["detail"])
    assert "GET" in r.headers.get("allow", "")  # Starlette names the methods of the first matching route
    r = client.put("/api/v1/me", headers={**world.headers("admin"), "Accept-Language": "en"})
    assert assert_problem(r, 405, "method_not_allowed")["detail"] == "Method not allowed"


def test_malformed_json_body(client, world):
    r = client.post("/api/v1/customers", headers={**world.headers("admin"), "Content-Type": "application/json"},
                    content=b'{"name": "x", "phones": [')
    b = assert_problem(r, 422, "invalid_json")
    assert CJK.search(b["detail"])
    r = client.post("/api/v1/auth/login", headers={"Content-Type": "application/json", "Accept-Language": "en"},
                    content=b"{not json")
    assert assert_problem(r, 422, "invalid_json")["detail"] == "The request body is not valid JSON"


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_unknown_api_path(client, method):
    r = client.request(method.upper(), "/api/v1/no-such-thing/42")
    assert_problem(r, 404, "route_not_found")


def test_unknown_api_path_is_not_the_web_ui(client):
    r = client.get("/api/v2/customers", headers={"Accept-Language": "en"})
    assert assert_problem(r, 404, "route_not_found")["detail"] == "No such endpoint"


def test_unexpected_exception_is_500_without_trace(client, world, monkeypatch, caplog):
    from huike.org import endpoints

    def boom(*_a, **_k):
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setattr(endpoints, "me_read", boom)  # what GET /me serialises with
    r = client.get("/api/v1/me", headers={**world.headers("admin"), "X-Request-ID": "req-boom-1"})
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "internal_error"
    assert body["request_id"] == "req-boom-1"
    assert "req-boom-1" in body["detail"] and CJK.search(body["detail"])
    assert r.headers.get("x-request-id") == "req-boom-1"
    assert "secret internal detail" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
    # the trace goes to the server log, with the request id
    assert any("req-boom-1" in rec.getMessage() for rec in caplog.records)

    r = client.get("/api/v1/me", headers={**world.headers("admin"), "Accept-Language": "en"})
    body = r.json()
    assert r.status_code == 500 and body["code"] == "internal_error"
    assert body["request_id"] and body["request_id"] == r.headers.get("x-request-id")
    assert body["request_id"] in body["detail"] and body["detail"].startswith("Internal error")


def test_unexpected_exception_after_a_write_rolls_it_back(client, world, monkeypatch):
    from huike.org import service

    def boom(*_a, **_k):
        raise RuntimeError("after the insert")

    h = world.headers("admin")
    monkeypatch.setattr(service, "employee_read", boom)  # runs after the employee was flushed
    r = client.post("/api/v1/employees", headers=h, json={
        "username": "ghost", "name": "幽灵", "password": "Passw0rd!x", "department_id": world.units["east1"],
        "role_id": world.roles["sales"]})
    assert r.status_code == 500 and r.json()["code"] == "internal_error"
    monkeypatch.undo()
    names = {e["username"] for e in client.get("/api/v1/employees?include_disabled=true&limit=500",
                                               headers=h).json()["items"]}
    assert "ghost" not in names
    assert not [e for e in client.get("/api/v1/audit", headers=h, params={"action": "employee.create"}).json()["items"]
                if e["after"] and e["after"].get("username") == "ghost"]


def test_request_id_is_generated_or_echoed(client):
    r = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"


def test_health_and_readiness(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ready"}


def test_openapi_is_served(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/auth/login" in paths and "/api/v1/customers" in paths
