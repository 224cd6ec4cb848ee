"""Canaries: tenant B stores unique strings everywhere it can; tenant A reads everything it can and must
never see one of them (PERM-1).

B's admin writes canaries through the API into customer fields, employee names and usernames,
department and role names, and causes audit entries (changes, logins, a failed login). Then A's
admin, a center director and a sales user call every GET route of the app — lists with every pool key
and `q=` set to the canaries, details by B's ids, /me, /employees, /org/units, /roles, /audit,
/permissions and whatever GET routes exist — plus error paths (404s, 422s naming B's ids), in zh-CN and
en. No answer may contain a canary or B's tenant code. Finally A's writes addressed at B's ids
answer 404 and B, read through its own API, is unchanged.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from huike.kit.pagination import encode_cursor
from tests.factories import PASSWORD, World, build_world
from tests.helpers import fresh_ip
from tests.test_authz_matrix import API, PARAM, POOLS, api_routes, fill, unique_mobile

CANARY = f"kq{uuid.uuid4().hex[:10]}"  # lowercase letters and digits: valid in role codes and usernames
READERS = ["admin", "director_east", "sales_east1"]


def canary(what: str) -> str:
    return f"金丝雀{CANARY}{what}"


@dataclass
class Scene:
    client: TestClient
    a: World
    b: World
    secrets: list[str]  # strings of B that must never reach A
    customers: dict[str, int] = field(default_factory=dict)  # B's customers by label
    employees: list[int] = field(default_factory=list)  # B's employees
    units: list[int] = field(default_factory=list)  # B's org units
    roles: list[int] = field(default_factory=list)  # B's roles
    custom_role: int = 0
    others: dict[str, list[int]] = field(default_factory=dict)  # other B ids by kind (pool settings …)
    phone: str = ""
    seen: int = 0  # responses checked

    def ids(self) -> list[int]:
        return sorted(set(self.customers.values()) | set(self.employees) | set(self.units) | set(self.roles)
                      | {i for ids in self.others.values() for i in ids})

    def ids_for(self, path: str, param: str) -> list[int] | None:
        """B's ids of the kind a path parameter takes, or None when this test does not know the kind.
        (Ids are per table: B's customer 7 and A's employee 7 may both exist, so only ids of the right
        kind are sure to be nobody's in A.)"""
        by_param = {"customer_id": list(self.customers.values()), "employee_id": self.employees,
                    "unit_id": self.units, "role_id": self.roles}
        if param in by_param:
            return sorted(by_param[param])
        if "/tasks/" in path and param == "item_id":
            return self.others.get("task_item", [])
        for kind, segment in (("public_pool", "/public-pools/"), ("assignment_rule", "/assignment-rules/"),
                              ("recycle_rule", "/recycle-rules/"), ("contact", "/contacts/"),
                              ("followup", "/followups/"), ("task", "/tasks/"), ("visit_plan", "/visit-plans/"),
                              ("tag_rule", "/tag-rules/"), ("tag_group", "/tag-groups/"), ("tag", "/tags/"),
                              ("custom_field", "/custom-fields/"), ("dict_item", "/dictionary-items/"),
                              ("saved_filter", "/saved-filters/")):
            if segment in path:
                return self.others.get(kind, [])
        return None

    def call(self, method: str, path: str, who: str | None, world: World | None = None, **kw: Any) -> Any:
        world = world or self.a
        headers = dict(kw.pop("headers", {}) or {})
        if who:
            headers.update(world.headers(who))
        self.client.cookies.clear()
        r = self.client.request(method, path, headers=headers, **kw)
        self.client.cookies.clear()
        return r

    def a_call(self, method: str, path: str, who: str, **kw: Any) -> Any:
        """A call by tenant A, checked: never 5xx, problem documents on errors, no canary of B."""
        r = self.call(method, path, who, **kw)
        self.check(r)
        return r

    def check(self, r: Any) -> None:
        where = f"{r.request.method} {r.request.url} → {r.status_code}"
        assert r.status_code < 500, f"{where}: {r.text[:300]}"
        if r.status_code >= 400:
            assert r.headers.get("content-type", "").startswith("application/problem+json"), where
            assert r.json().get("code"), where
        texts = [r.text, " ".join(f"{k}: {v}" for k, v in r.headers.items())]
        if r.content and r.headers.get("content-type", "").endswith("json"):
            texts.append(json.dumps(r.json(), ensure_ascii=False))
        for text in texts:
            for secret in self.secrets:
                assert secret not in text, f"{where} shows tenant B's {secret!r}: {text[:500]}"
        self.seen += 1


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json() if r.content else None


@pytest.fixture(scope="module")
def scene(app: FastAPI, db: Any) -> Iterator[Scene]:
    a, b = build_world(db), build_world(db)
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False,
                    client=(fresh_ip(), 50000)) as client:
        sc = Scene(client, a, b, secrets=[CANARY, b.code])
        _plant(sc, app)
        yield sc


def _plant(sc: Scene, app: FastAPI) -> None:
    """Tenant B writes canaries through its own API (so they also land in its audit log)."""
    b = sc.b

    def bcall(method: str, path: str, status: int, who: str = "admin", **kw: Any) -> Any:
        return _ok(sc.call(method, f"{API}{path}", who, world=b, **kw), status)

    # Org units: rename every department and center, add one.
    for key in ("company", "east", "east1", "east1sub", "south1", "office"):
        bcall("PATCH", f"/org/units/{b.units[key]}", 200, json={"name": canary(f"部门{key}")})
    new_unit = bcall("POST", "/org/units", 201, json={"parent_id": b.units["east"], "kind": "department",
                                                      "name": canary("新部门")})["id"]
    # Roles: a custom one (kept unused so that deleting it would succeed), and one given to an employee.
    sc.custom_role = bcall("POST", "/roles", 201, json={
        "code": f"r{CANARY}", "name": canary("角色"), "data_scope": "self", "kind": "sales",
        "permissions": ["customer.view"]})["id"]
    used_role = bcall("POST", "/roles", 201, json={
        "code": f"u{CANARY}", "name": canary("在用角色"), "data_scope": "department", "kind": "non_sales",
        "permissions": ["customer.view", "customer.create", "customer.edit"]})["id"]
    bcall("PATCH", f"/roles/{b.roles['sales']}", 200, json={"name": canary("销售改名")})
    # Employees: a new one with canary username, name, e-mail; renamed staff.
    bcall("POST", "/employees", 201, json={
        "username": f"{CANARY}.user", "name": canary("员工"), "password": PASSWORD, "phone": "02088886666",
        "email": f"{CANARY}@example.com", "department_id": new_unit, "role_id": used_role})["id"]
    for key in ("sales_east1", "manager_east1", "sales_south1"):
        bcall("PATCH", f"/employees/{b.staff[key]}", 200, json={"name": canary(f"员工{key}")})
    # Customers in every pool a create allows, with every free-text field set.
    sc.phone = unique_mobile()
    fields = {"company": canary("公司"), "remark": canary("备注"), "email": f"c{CANARY}@example.com",
              "source": canary("来源"), "industry": canary("行业"), "level": canary("级"),
              "address": canary("地址"), "tags": [canary("标签")]}
    for pool in ("potential", "to_assign", "following", "public"):
        body = {"name": canary(f"客户{pool}"), "phones": [sc.phone if pool == "public" else unique_mobile()],
                "pool": pool, **fields}
        if pool == "following":
            body["owner_id"] = b.staff["sales_east1"]
        sc.customers[pool] = bcall("POST", "/customers", 201, json=body)["id"]
    sales_own = bcall("POST", "/customers", 201, who="sales_east1", json={
        "name": canary("销售客户"), "phones": [unique_mobile()], "remark": canary("销售备注")})
    sc.customers["sales_own"] = sales_own["id"]
    bcall("PATCH", f"/customers/{sales_own['id']}", 200, who="sales_east1",
          json={"version": sales_own["version"], "company": canary("改公司")})
    binned = bcall("POST", "/customers", 201, json={"name": canary("回收站客户"), "phones": [unique_mobile()],
                                                    "pool": "public", "remark": canary("删前")})["id"]
    bcall("DELETE", f"/customers/{binned}", 204)
    sc.customers["recycle_bin"] = binned
    # Logins (audited with the employee's name) and a failed login (audited with the typed username).
    _ok(sc.call("POST", f"{API}/auth/login", None,
                json={"tenant": b.code, "username": f"{CANARY}.user", "password": PASSWORD}))
    r = sc.call("POST", f"{API}/auth/login", None,
                json={"tenant": b.code, "username": f"{CANARY}.nobody", "password": "wrong-password"})
    assert r.status_code == 401, r.text
    _plant_pool_settings(sc, bcall, set(api_routes(app)))

    sc.employees = [x["id"] for x in bcall("GET", "/employees?include_disabled=true&limit=500", 200)["items"]]
    sc.units = [x["id"] for x in bcall("GET", "/org/units", 200)["items"]]
    sc.roles = [x["id"] for x in bcall("GET", "/roles", 200)["items"]]
    audit = bcall("GET", "/audit?limit=200", 200)["items"]
    assert any(CANARY in json.dumps(e, ensure_ascii=False) for e in audit), "B's audit log holds no canary"


def _plant_pool_settings(sc: Scene, bcall: Any, routes: set[tuple[str, str]]) -> None:
    """Canaries in the pool settings and timeline, where the app has them."""
    b = sc.b
    if ("POST", f"{API}/pool/public-pools") in routes:
        sc.others["public_pool"] = [bcall("POST", "/pool/public-pools", 201, json={
            "name": canary("公海"), "member_unit_ids": [b.units["east"]], "admin_ids": [b.staff["admin"]]})["id"]]
    if ("POST", f"{API}/pool/assignment-rules") in routes:
        sc.others["assignment_rule"] = [bcall("POST", "/pool/assignment-rules", 201, json={
            "name": canary("分配规则"), "strategy": "round_robin", "member_ids": [b.staff["sales_east1"]]})["id"]]
    if ("POST", f"{API}/pool/recycle-rules") in routes:
        sc.others["recycle_rule"] = [bcall("POST", "/pool/recycle-rules", 201, json={
            "name": canary("回收规则"), "kind": "no_followup", "days": 30, "level": canary("级别"),
            "enabled": False})["id"]]
    if ("PUT", f"{API}/customers/{{customer_id}}/focus") in routes:
        bcall("PUT", f"/customers/{sc.customers['following']}/focus", 204, json={"color": "red"})
    if ("POST", f"{API}/customers/bulk/tag") in routes:
        bcall("POST", "/customers/bulk/tag", 200, json={"ids": [sc.customers["following"]],
                                                        "tags": [canary("批量标签")], "mode": "add"})
    if ("POST", f"{API}/customers/bulk/blacklist") in routes:
        bcall("POST", "/customers/bulk/blacklist", 200, json={"ids": [sc.customers["potential"]],
                                                              "reason": canary("黑名单原因")})
    _plant_work(sc, bcall, routes)


def _plant_work(sc: Scene, bcall: Any, routes: set[tuple[str, str]]) -> None:
    """Canaries in the work records (contacts, follow-ups, tasks, visits) and the settings
    (dictionaries, tags, custom fields, tag rules, saved filters), where the app has them."""
    b, cid = sc.b, sc.customers["following"]

    def plant(kind: str, route: tuple[str, str], path: str, body: dict[str, Any], who: str = "admin") -> None:
        if route in routes:
            sc.others.setdefault(kind, []).append(bcall("POST", path, 201, who=who, json=body)["id"])

    plant("contact", ("POST", f"{API}/customers/{{customer_id}}/contacts"), f"/customers/{cid}/contacts",
          {"name": canary("联系人"), "title": canary("职位"), "phones": [unique_mobile()], "remark": canary("联系人备注")})
    plant("followup", ("POST", f"{API}/customers/{{customer_id}}/followups"), f"/customers/{cid}/followups",
          {"content": canary("跟进内容"), "feedback": canary("反馈"), "next_plan": canary("下次计划")})
    plant("visit_plan", ("POST", f"{API}/customers/{{customer_id}}/visit-plans"), f"/customers/{cid}/visit-plans",
          {"type": "periodic", "planned_at": "2030-01-01T10:00:00+08:00", "topic": canary("回访主题"),
           "remark": canary("回访备注")})
    plant("visit_plan", ("POST", f"{API}/customers/{{customer_id}}/visit-plans"), f"/customers/{cid}/visit-plans",
          {"type": "problem", "planned_at": "2030-01-02T10:00:00+08:00", "topic": canary("已回访主题")})
    if "visit_plan" in sc.others and ("POST", f"{API}/visit-plans/{{plan_id}}/record") in routes:
        bcall("POST", f"/visit-plans/{sc.others['visit_plan'][-1]}/record", 201, json={
            "content": canary("回访内容"), "satisfaction": "satisfied", "problems": canary("问题")})
    plant("task", ("POST", f"{API}/tasks"), "/tasks",
          {"type": "custom", "title": canary("任务"), "content": canary("任务内容"),
           "handler_ids": [b.staff["sales_east1"]], "customer_ids": [cid, sc.customers["sales_own"]]})
    if "task" in sc.others:
        items = bcall("GET", f"/tasks/{sc.others['task'][0]}/items", 200)
        sc.others["task_item"] = [x["id"] for x in items]
    plant("tag_rule", ("POST", f"{API}/tag-rules"), "/tag-rules",
          {"name": canary("规则"), "keywords": [canary("关键词")], "tag": canary("规则标签"), "enabled": False})
    plant("tag_group", ("POST", f"{API}/settings/tag-groups"), "/settings/tag-groups", {"name": canary("标签组")})
    if "tag_group" in sc.others:
        plant("tag", ("POST", f"{API}/settings/tag-groups/{{group_id}}/tags"),
              f"/settings/tag-groups/{sc.others['tag_group'][0]}/tags", {"name": canary("组内标签")})
    plant("custom_field", ("POST", f"{API}/settings/custom-fields"), "/settings/custom-fields",
          {"key": f"f{CANARY}", "label": canary("字段"), "type": "single", "options": [canary("选项")]})
    plant("dict_item", ("POST", f"{API}/settings/dictionaries/{{kind}}"), "/settings/dictionaries/industry",
          {"name": canary("字典行业")})
    for who in ("admin", "sales_east1"):
        plant("saved_filter", ("POST", f"{API}/customers/saved-filters"), "/customers/saved-filters",
              {"name": canary(f"筛选{who}"), "pool": "all", "q": canary("筛选词")}, who=who)


# ----------------------------------------------------------------------------- reads of tenant A
def _queries(path: str, sc: Scene) -> list[dict[str, Any]]:
    """Query strings worth trying on a GET route of A, with B's canaries and ids in them."""
    secrets_q = [CANARY, canary("客户public"), f"{CANARY}.user", sc.b.code, sc.phone, sc.phone[-6:]]
    top = max(sc.ids()) + 1
    rel = path.removeprefix(API)
    if rel == "/customers":
        return [{"pool": p, "limit": 200, **({"q": q} if q else {})} for p in POOLS for q in [None, *secrets_q]] + \
            [{"pool": "all", "cursor": encode_cursor(top), "limit": 200}]
    if rel == "/employees":
        return [{"include_disabled": "true", "limit": 500}, *({"q": q} for q in secrets_q)] + \
            [{"department_id": u, "include_disabled": "true"} for u in sc.units]
    if rel == "/audit":
        by_id = [{"actor_id": e} for e in sc.employees] + [{"target_id": str(i)} for i in sc.ids()]
        return [{"limit": 200}, {"action": "customer", "limit": 200}, {"action": "auth", "limit": 200},
                {"target_type": "customer", "limit": 200}, {"cursor": encode_cursor(top), "limit": 200}, *by_id]
    return [{}, {"q": CANARY}, {"cursor": encode_cursor(top)}, {"include_disabled": "true"}]


@pytest.mark.parametrize("who", READERS)
def test_every_get_route_of_a_hides_b(scene: Scene, app: FastAPI, who: str) -> None:
    gets = sorted(p for m, p in api_routes(app) if m == "GET")
    assert {f"{API}/{x}" for x in ("me", "employees", "org/units", "roles", "audit", "permissions",
                                   "customers")} <= set(gets)
    statuses: dict[str, set[int]] = {}
    for path in gets:
        params = PARAM.findall(path)
        kinds = [scene.ids_for(path, p) for p in params]
        known = all(k is not None for k in kinds)
        # every id of B of the kind each path parameter takes; for a kind this test does not know yet,
        # a sample of B's ids (then only the canaries are checked: such an id may be A's own record)
        sample = scene.ids()[:: max(1, len(scene.ids()) // 6)]
        combos = [
            dict(zip(params, combo, strict=True))
            for combo in itertools.product(*(k if k is not None else sample for k in kinds))
        ]
        for combo in combos:
            url = fill(path, combo)
            for query in _queries(path, scene) if not combo else [{}]:
                r = scene.a_call("GET", url, who, params=query)
                statuses.setdefault(path, set()).add(r.status_code)
                if combo and known:
                    # an id of B is not found, whatever the route and the caller
                    assert r.status_code == 404, f"{url} → {r.status_code}: {r.text[:300]}"
    # the lists really answered (a 403 or 422 everywhere would prove nothing)
    for path in (f"{API}/customers", f"{API}/employees", f"{API}/org/units", f"{API}/me", f"{API}/permissions"):
        assert 200 in statuses[path], (path, statuses[path])
    if who == "admin":
        assert 200 in statuses[f"{API}/roles"] and 200 in statuses[f"{API}/audit"]


def test_search_for_b_finds_nothing(scene: Scene) -> None:
    """The quick search with B's exact phone, name and company finds nothing for any pool of A."""
    for pool, q in itertools.product(POOLS, [scene.phone, canary("客户public"), canary("公司"), f"c{CANARY}"]):
        r = scene.a_call("GET", f"{API}/customers", "admin", params={"pool": pool, "q": q})
        assert r.status_code == 200 and r.json()["items"] == [] and r.json()["total"] == 0, r.text


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("who", READERS)
def test_errors_naming_b_ids_hide_b(scene: Scene, who: str, lang: str) -> None:
    """404 and 422 answers to requests that carry B's ids show nothing of B."""
    b, h = scene.b, {"Accept-Language": lang}
    b_emp, b_unit, b_role = b.staff["sales_east1"], b.units["east1"], b.roles["sales"]
    bad = [
        ("POST", "/customers", {"name": "x", "phones": [unique_mobile()], "pool": "following", "owner_id": b_emp}),
        ("POST", "/customers", {"name": "x", "phones": [scene.phone, "not-a-phone"], "owner_id": b_emp}),
        ("POST", "/employees", {"username": f"e{uuid.uuid4().hex[:8]}", "name": "x", "password": PASSWORD,
                                "department_id": b_unit, "role_id": b_role}),
        ("PATCH", f"/employees/{scene.a.staff['sales_east1b']}", {"department_id": b_unit}),
        ("PATCH", f"/employees/{scene.a.staff['sales_east1b']}", {"role_id": b_role}),
        ("POST", "/org/units", {"parent_id": b_unit, "kind": "department", "name": "x"}),
        ("PATCH", f"/org/units/{scene.a.units['east2']}", {"parent_id": b.units["south"]}),
        ("POST", "/roles", {"code": "x", "name": "x", "data_scope": "self", "kind": "sales",
                            "permissions": [f"{b_role}"]}),
    ]
    for cid in scene.customers.values():
        bad += [("GET", f"/customers/{cid}", None), ("GET", f"/customers/{cid}x", None),
                ("PATCH", f"/customers/{cid}", {"version": "v", "name": ""})]
    bad += [("GET", "/customers?pool=nope", None),
            ("GET", f"/customers?cursor={encode_cursor(max(scene.ids()))}&limit=0", None),
            ("GET", f"/employees?department_id={b_unit}x", None), ("GET", f"/audit?actor_id={b_emp}x", None),
            ("GET", "/audit?cursor=!!", None), ("GET", f"/nope/{b_emp}", None)]
    for method, path, body in bad:
        r = scene.a_call(method, f"{API}{path}", who, json=body, headers=h)
        assert r.status_code >= 400, f"{method} {path}: {r.text[:300]}"


# ----------------------------------------------------------------------------- writes of A on B's ids
def _snapshot(sc: Scene) -> dict[str, Any]:
    """Everything of B, read through B's own API."""
    def get(path: str) -> Any:
        return _ok(sc.call("GET", f"{API}{path}", "admin", world=sc.b))

    snap = {
        "customers": {k: get(f"/customers/{cid}") for k, cid in sc.customers.items()},
        "employees": get("/employees?include_disabled=true&limit=500"),
        "units": get("/org/units"),
        "roles": get("/roles"),
        "audit": get("/audit?limit=200")["items"],
    }
    for kind, path in (("public_pool", "/pool/public-pools"), ("assignment_rule", "/pool/assignment-rules"),
                       ("recycle_rule", "/pool/recycle-rules"), ("tag_rule", "/tag-rules"),
                       ("tag_group", "/settings/tag-groups"), ("custom_field", "/settings/custom-fields"),
                       ("dict_item", "/settings/dictionaries"), ("saved_filter", "/customers/saved-filters"),
                       ("followup", "/followups"), ("visit_plan", "/visit-plans"), ("task", "/tasks/issued")):
        if kind in sc.others:
            snap[kind] = get(path)
    if "contact" in sc.others:
        snap["contact"] = get(f"/customers/{sc.customers['following']}/contacts")
    if "task_item" in sc.others:
        snap["task_item"] = get(f"/tasks/{sc.others['task'][0]}/items")
    return snap


MISSING_ID = 2_000_000_000  # an id no test database reaches


@pytest.mark.parametrize("who", ["admin", "manager_east1", "sales_east1"])
def test_writes_on_b_ids_are_404_and_change_nothing(scene: Scene, app: FastAPI, who: str) -> None:
    before = _snapshot(scene)
    writes: list[tuple[str, str, Any]] = []
    for label, cid in scene.customers.items():
        version = before["customers"][label]["version"]
        writes += [("PATCH", f"/customers/{cid}", {"version": version, "name": "A 改的", "remark": "A"}),
                   ("DELETE", f"/customers/{cid}", None)]
    for eid in scene.employees:
        writes.append(("PATCH", f"/employees/{eid}", {"name": "A 改的", "is_active": False, "password": "Hacked123!"}))
    for uid in scene.units:
        writes.append(("PATCH", f"/org/units/{uid}", {"name": "A 改的", "disabled": True}))
    for rid in scene.roles:
        writes += [("PATCH", f"/roles/{rid}", {"name": "A 改的", "permissions": []}), ("DELETE", f"/roles/{rid}", None)]
    for method, path, body in writes:
        r = scene.a_call(method, f"{API}{path}", who, json=body)
        assert r.status_code == 404, f"{method} {path} by A's {who} → {r.status_code}: {r.text[:300]}"
        assert r.json()["code"] == "not_found"

    # Every other write route with a path parameter (pool moves, settings, hand-over …): B's ids of the
    # right kind answer exactly what an id that never existed answers, and never succeed.
    covered = {("PATCH", f"{API}/customers/{{customer_id}}"), ("DELETE", f"{API}/customers/{{customer_id}}"),
               ("PATCH", f"{API}/employees/{{employee_id}}"), ("PATCH", f"{API}/org/units/{{unit_id}}"),
               ("PATCH", f"{API}/roles/{{role_id}}"), ("DELETE", f"{API}/roles/{{role_id}}")}
    body = {"add": [scene.a.staff["sales_east1b"]], "remove": [], "employee_ids": [],
            "to_employee_ids": [scene.a.staff["sales_east1b"]], "color": "red", "name": "A 改的"}
    for method, path in sorted(api_routes(app)):
        params = PARAM.findall(path)
        if method == "GET" or not params or (method, path) in covered:
            continue
        kinds = [scene.ids_for(path, p) for p in params]
        if any(k is None for k in kinds):
            continue  # a kind of record this test plants none of in B
        missing = scene.a_call(method, PARAM.sub(str(MISSING_ID), path), who, json=body)
        for combo in itertools.product(*kinds):  # type: ignore[arg-type]
            value = dict(zip(params, combo, strict=True))
            r = scene.a_call(method, fill(path, value), who, json=body)
            assert r.status_code >= 400, f"{method} {path} on B's {value} → {r.status_code}: {r.text[:300]}"
            assert (r.status_code, r.json()["code"]) == (missing.status_code, missing.json()["code"]), \
                f"{method} {path}: B's id {value} answers unlike a missing id: {r.text[:300]} vs {missing.text[:300]}"

    # Bulk moves carry ids in the body: B's ids get the outcome of an id that never existed.
    for method, path in sorted(api_routes(app)):
        if method != "POST" or not path.startswith(f"{API}/customers/bulk/"):
            continue
        ids = [*scene.customers.values(), MISSING_ID]
        bulk = {"ids": ids, "assignee_ids": [scene.a.staff["sales_east1"]], "owner_id": scene.a.staff["sales_east1"],
                "tags": ["A"], "mode": "replace", "reason": "A"}
        r = scene.a_call(method, path, who, json=bulk)
        if r.status_code == 200:
            outcomes = {x["id"]: (x["ok"], x["code"]) for x in r.json()["results"]}
            assert outcomes[MISSING_ID][0] is False, r.text
            assert all(outcomes[i] == outcomes[MISSING_ID] for i in ids), f"{path}: {r.text[:500]}"
        else:
            assert r.status_code in (403, 404, 409, 422), f"{path}: {r.text[:300]}"

    assert _snapshot(scene) == before, "tenant A's writes changed tenant B"


def test_b_values_are_free_in_another_tenant(scene: Scene, db: Any) -> None:
    """Uniqueness is per tenant: B's username, role code and phone neither conflict in a third
    tenant nor reveal (by a 409) that they exist elsewhere."""
    c = build_world(db)

    def post(path: str, body: dict[str, Any]) -> Any:
        r = scene.call("POST", f"{API}{path}", "admin", world=c, json=body)
        assert r.status_code == 201, f"{path}: {r.text[:300]}"
        return r.json()

    post("/employees", {"username": f"{CANARY}.user", "name": "同名", "password": PASSWORD,
                        "department_id": c.units["east1"], "role_id": c.roles["sales"]})
    post("/roles", {"code": f"r{CANARY}", "name": "同码", "data_scope": "self", "kind": "sales"})
    assert post("/customers", {"name": "同号", "phones": [scene.phone], "pool": "public"})["phones"] == [scene.phone]
