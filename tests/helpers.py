"""Small helpers shared by the API tests (no fixtures here; see conftest.py / factories.py)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.testclient import TestClient

from tests.factories import PASSWORD

_ips = itertools.count(1)


def fresh_ip() -> str:
    """A client address no other test uses: the login throttle counts failures per address, so
    tests that fail logins on purpose must not share one with the rest of the suite."""
    n = next(_ips) + (os.getpid() % 200) * 10_000
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


@contextmanager
def client_from(app: Any, ip: str | None = None) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False,
                    client=(ip or fresh_ip(), 50000)) as c:
        yield c


def login(client: TestClient, tenant: str, username: str, password: str = PASSWORD, **kw: Any):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/login", json={"tenant": tenant, "username": username, "password": password},
                       **kw)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(r: Any, status: int, code: str) -> dict[str, Any]:
    """`r` is an RFC 9457 problem with this status and stable code; returns the body."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    body = r.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["detail"] and isinstance(body["detail"], str)
    assert body["request_id"] == r.headers["x-request-id"]
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body
