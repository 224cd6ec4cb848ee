"""Login, sessions, cookies + CSRF, throttling, logout and disabling (ASVS V6/V7)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from huike.auth.models import AuthSession
from huike.kit.models import utcnow
from huike.org.models import Employee
from tests.factories import PASSWORD
from tests.helpers import assert_problem, bearer, client_from, fresh_ip, login


def _set_cookie_headers(r) -> dict[str, str]:  # type: ignore[no-untyped-def]
    out = {}
    for raw in r.headers.get_list("set-cookie"):
        name = raw.split("=", 1)[0]
        out[name] = raw
    return out


def test_login_returns_token_and_sets_cookies(app, world):
    with client_from(app) as c:
        r = login(c, world.code, "sales_east1")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["token_type"] == "bearer"
        assert body["access_token"].startswith(f"hk_{world.tenant_id}_")
        assert body["employee"]["username"] == "sales_east1"
        assert body["employee"]["role"]["code"] == "sales"
        cookies = _set_cookie_headers(r)
        session = cookies["huike_session"].lower()
        assert "httponly" in session and "samesite=lax" in session and "path=/" in session
        assert f"huike_session={body['access_token']}".lower() in session
        csrf = cookies["huike_csrf"].lower()
        assert "httponly" not in csrf  # the web UI reads it to echo it in X-CSRF-Token
        assert "samesite=strict" in csrf
        assert c.cookies.get("huike_csrf") == body["csrf_token"]
        # the bearer token works
        assert c.get("/api/v1/me", headers=bearer(body["access_token"]),
                     cookies={}).json()["username"] == "sales_east1"


def test_cookie_auth_and_csrf(app, world):
    with client_from(app) as c:
        r = login(c, world.code, "admin")
        csrf = r.json()["csrf_token"]
        token = r.json()["access_token"]
        # safe method: the cookie alone is enough
        me = c.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["username"] == "admin"
        payload = {"name": "CSRF 客户", "phones": ["13911112222"], "pool": "potential"}
        # unsafe method with the cookie, without / with a wrong X-CSRF-Token
        assert_problem(c.post("/api/v1/customers", json=payload), 403, "csrf_failed")
        assert_problem(c.post("/api/v1/customers", json=payload, headers={"X-CSRF-Token": "wrong"}), 403,
                       "csrf_failed")
        assert_problem(c.post("/api/v1/customers", json=payload, headers={"X-CSRF-Token": csrf + "x"}), 403,
                       "csrf_failed")
        # nothing was written by the refused requests
        assert c.get("/api/v1/customers?pool=potential").json()["total"] == 0
        r = c.post("/api/v1/customers", json=payload, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201, r.text
        # another session's CSRF token does not fit this session
        other = login(c, world.code, "manager_east1").json()["csrf_token"]
        c.cookies.set("huike_session", token)
        assert_problem(c.post("/api/v1/customers", json={**payload, "phones": ["13911113333"]},
                              headers={"X-CSRF-Token": other}), 403, "csrf_failed")
    # bearer needs no CSRF token (no ambient credentials), even with a stale cookie around
    with client_from(app) as c2:
        r = c2.post("/api/v1/customers", headers=bearer(token),
                    json={"name": "Bearer 客户", "phones": ["13911114444"], "pool": "potential"})
        assert r.status_code == 201, r.text


def test_same_401_for_every_kind_of_bad_login(app, world, db):
    with db.transaction(world.tenant_id) as s:
        s.get_one(Employee, world.staff["sales_east1b"]).is_active = False
    attempts = [
        {"tenant": "no-such-tenant", "username": "admin", "password": PASSWORD},
        {"tenant": world.code, "username": "nobody", "password": PASSWORD},
        {"tenant": world.code, "username": "admin", "password": "wrong-password"},
        {"tenant": world.code, "username": "sales_east1b", "password": PASSWORD},  # disabled
    ]
    bodies, headers = [], []
    for attempt in attempts:
        with client_from(app) as c:  # separate addresses: stay clear of the throttle
            r = c.post("/api/v1/auth/login", json=attempt)
            body = assert_problem(r, 401, "invalid_credentials")
            assert "set-cookie" not in r.headers
            body.pop("request_id")
            bodies.append(body)
            headers.append(r.headers.get("www-authenticate"))
    assert all(b == bodies[0] for b in bodies), bodies
    assert len(set(headers)) == 1


def test_login_validation(app):
    with client_from(app) as c:
        assert_problem(c.post("/api/v1/auth/login", json={"tenant": "x"}), 422, "validation_error")


def test_throttle_per_account(app, world):
    # five failures for one account, each from a different address
    for _ in range(5):
        with client_from(app) as c:
            assert login(c, world.code, "sales_east1", "bad-password").status_code == 401
    with client_from(app) as c:
        # the sixth attempt is refused even with the right password
        assert_problem(login(c, world.code, "sales_east1"), 429, "too_many_attempts")
        # the same account name in another spelling is the same account
        assert_problem(login(c, world.code.upper(), "SALES_EAST1"), 429, "too_many_attempts")
        # other accounts are not affected
        assert login(c, world.code, "sales_east1b").status_code == 200


def test_throttle_per_client_address(app, world):
    ip = fresh_ip()
    with client_from(app, ip) as c:
        for i in range(5):
            assert login(c, world.code, f"ghost{i}", "bad-password").status_code == 401
        body = assert_problem(login(c, world.code, "admin"), 429, "too_many_attempts")
        assert body["detail"]
        r = login(c, world.code, "admin", headers={"Accept-Language": "en"})
        assert r.json()["detail"] == "Too many failed attempts; try again later"
    # the account itself is fine from another address
    with client_from(app) as c:
        assert login(c, world.code, "admin").status_code == 200


def test_throttle_window_slides(app, world, db):
    from huike.auth.models import LoginFailure

    ip = fresh_ip()
    with client_from(app, ip) as c:
        for _ in range(5):
            login(c, world.code, "manager_south1", "bad-password")
        assert login(c, world.code, "manager_south1").status_code == 429
        # the failures age out of the window
        with db.transaction() as s:
            s.execute(sa.update(LoginFailure).where(LoginFailure.ip == ip)
                      .values(at=utcnow() - timedelta(minutes=2)))
        assert login(c, world.code, "manager_south1").status_code == 200


def test_logout_revokes_the_session(app, world, db):
    with client_from(app) as c:
        r = login(c, world.code, "operator_east1")
        token = r.json()["access_token"]
        h = bearer(token)
        assert c.get("/api/v1/me", headers=h).status_code == 200
        r = c.post("/api/v1/auth/logout", headers=h)
        assert r.status_code == 204
        cleared = _set_cookie_headers(r)
        assert 'huike_session=""' in cleared["huike_session"] or "max-age=0" in cleared["huike_session"].lower()
        assert_problem(c.get("/api/v1/me", headers=h), 401, "session_expired")
        # the same token as a cookie is dead too
        c.cookies.clear()
        assert c.get("/api/v1/me", cookies={"huike_session": token}).status_code == 401
    with db.transaction(world.tenant_id) as s:
        row = s.scalars(sa.select(AuthSession).where(AuthSession.employee_id == world.staff["operator_east1"])
                        .order_by(AuthSession.id.desc())).first()
        assert row.revoked_at is not None
        assert token not in (row.token_hash, row.csrf_token)  # only a hash of the token is stored


def test_logout_with_cookie_needs_csrf(app, world):
    with client_from(app) as c:
        csrf = login(c, world.code, "manager_east1").json()["csrf_token"]
        assert_problem(c.post("/api/v1/auth/logout"), 403, "csrf_failed")
        assert c.get("/api/v1/me").status_code == 200
        assert c.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert c.get("/api/v1/me", cookies={"huike_session": c.cookies.get("huike_session") or ""}).status_code \
            == 401


def test_expired_session_is_rejected(client, world, db):
    h = world.headers("sales_south1")
    assert client.get("/api/v1/me", headers=h).status_code == 200
    with db.transaction(world.tenant_id) as s:
        s.execute(sa.update(AuthSession).where(AuthSession.employee_id == world.staff["sales_south1"])
                  .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert_problem(client.get("/api/v1/me", headers=h), 401, "session_expired")


def test_token_of_one_tenant_cannot_be_replayed_in_another(client, world, other_world):
    token = world.tokens["admin"]
    secret = token.split("_", 2)[2]
    forged = f"hk_{other_world.tenant_id}_{secret}"
    assert_problem(client.get("/api/v1/me", headers=bearer(forged)), 401, "unauthenticated")


def test_disabling_an_employee_ends_their_sessions(app, client, world):
    admin = world.headers("admin")
    victim = world.staff["sales_east1"]
    with client_from(app) as c:
        fresh_token = login(c, world.code, "sales_east1").json()["access_token"]
    for h in (world.headers("sales_east1"), bearer(fresh_token)):
        assert client.get("/api/v1/me", headers=h).status_code == 200
    r = client.patch(f"/api/v1/employees/{victim}", headers=admin, json={"is_active": False})
    assert r.status_code == 200, r.text
    assert r.json()["is_active"] is False
    for h in (world.headers("sales_east1"), bearer(fresh_token)):
        assert client.get("/api/v1/me", headers=h).status_code == 401
    # and they cannot log in again
    with client_from(app) as c:
        assert_problem(login(c, world.code, "sales_east1"), 401, "invalid_credentials")
    # re-enabling does not bring the old sessions back, but a new login works
    r = client.patch(f"/api/v1/employees/{victim}", headers=admin, json={"is_active": True})
    assert r.status_code == 200 and r.json()["is_active"] is True
    assert client.get("/api/v1/me", headers=bearer(fresh_token)).status_code == 401
    with client_from(app) as c:
        assert login(c, world.code, "sales_east1").status_code == 200


def test_admin_cannot_disable_themself(client, world):
    r = client.patch(f"/api/v1/employees/{world.staff['admin']}", headers=world.headers("admin"),
                     json={"is_active": False})
    assert_problem(r, 409, "cannot_disable_self")
    assert client.get("/api/v1/me", headers=world.headers("admin")).status_code == 200


def test_only_employee_managers_disable(client, world):
    r = client.patch(f"/api/v1/employees/{world.staff['sales_east1']}", headers=world.headers("director_east"),
                     json={"is_active": False})
    assert_problem(r, 403, "forbidden")
    assert client.get("/api/v1/me", headers=world.headers("sales_east1")).status_code == 200


def test_passwords_are_argon2_hashes(app, client, world, db):
    r = client.post("/api/v1/employees", headers=world.headers("admin"), json={
        "username": "newbie", "name": "新人", "password": "S3cret-pass", "department_id": world.units["east2"],
        "role_id": world.roles["sales"]})
    assert r.status_code == 201, r.text
    assert "password" not in r.text and "argon2" not in r.text
    with db.transaction(world.tenant_id) as s:
        hashes = dict(s.execute(sa.select(Employee.username, Employee.password_hash)).all())
    for username in ("admin", "newbie"):
        assert hashes[username].startswith("$argon2id$"), hashes[username]
    assert "S3cret-pass" not in hashes["newbie"]
    with client_from(app) as c:
        assert login(c, world.code, "newbie", "S3cret-pass").status_code == 200
    # changing the password re-hashes it; the old one stops working
    r = client.patch(f"/api/v1/employees/{r.json()['id']}", headers=world.headers("admin"),
                     json={"password": "Another-pass1"})
    assert r.status_code == 200
    with client_from(app) as c:
        assert login(c, world.code, "newbie", "S3cret-pass").status_code == 401
        assert login(c, world.code, "newbie", "Another-pass1").status_code == 200
