"""The authorization matrix, generated from the app's route table.

Every API route under /api/v1 (method × path template) must have a row in `ROUTES`, which says how
to call it and what each caller gets:

- anonymous: 401 (except the login itself);
- each default role (admin, center_director, dept_manager, operator, sales) on a record of its own
  tenant inside its data scope: the success status, or 403 by the permissions of the role
  (authz/permissions.py DEFAULT_ROLES);
- a record of the other tenant (every route with a path parameter, and the routes that take ids in
  the body): exactly what an id that never existed gets — 404 (or, in a bulk answer, the per-id
  outcome `not_found`); 403 only where the route refuses the whole action by permission before it
  looks anything up;
- customer routes: every staff member of the world against customers placed in and out of their
  data scope (out of scope → 404 / `not_found`; in scope → 2xx, 403 or 409 by permission and state).

Every answer ≥ 400 is a problem document with a `code`; no answer is ever 5xx.
The world is built once per module and backend; writes act on records created for the case.

Adding a route: add its row to ROUTES (the first test names every route that has none).
"""

from __future__ import annotations

import itertools
import re
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.testclient import TestClient

from huike.authz.permissions import DEFAULT_ROLES
from huike.config import Settings
from huike.contact.models import Contact
from huike.customer.models import Customer
from huike.followup.models import Followup
from huike.org.models import Employee, OrgUnit, Role
from huike.org.service import add_unit
from huike.task.models import TaskItem
from huike.visit.models import VisitPlan
from tests.factories import PASSWORD, STAFF, World, build_world, issue_token, password_hash
from tests.helpers import fresh_ip

API = "/api/v1"
PROBLEM = "application/problem+json"
PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
MISSING_ID = 2_000_000_000  # an id no test database reaches

# The default roles and the staff member of the world who holds each one (tests/factories.py STAFF).
ROLE_ACTOR = {
    "admin": "admin",
    "center_director": "director_east",
    "dept_manager": "manager_east1",
    "operator": "operator_east1",
    "sales": "sales_east1",
}
ROLES = list(ROLE_ACTOR)
assert {STAFF[k][0] for k in ROLE_ACTOR.values()} == set(ROLES) == set(DEFAULT_ROLES)


# ----------------------------------------------------------------------------- route discovery
def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(METHOD, path template) of every APIRoute of the app under /api/v1."""
    try:  # FastAPI ≥ 0.137.2: included routers are nodes of a tree; this flattens them
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is already flat
        pairs: list[tuple[Any, Any]] = [(r, r) for r in app.routes]
    else:
        pairs = [(rc.original_route, rc) for rc in iter_route_contexts(app.routes)]
    out: set[tuple[str, str]] = set()
    for original, route in pairs:
        path = getattr(route, "path", None) or ""
        if not isinstance(original, APIRoute) or not (path == API or path.startswith(API + "/")):
            continue
        for method in route.methods or ():
            out.add((method, path))
    return out


def _collection_app() -> FastAPI:
    from huike.app import create_app

    # Never connects: only the route table is read at collection time.
    return create_app(Settings(database_url="sqlite:///:memory:", secret_key="x"), run_jobs=False)


APP_ROUTES = api_routes(_collection_app())


_MOBILES = itertools.count(secrets.randbelow(10**7) * 10)


def unique_mobile() -> str:
    """A mobile number no other customer of this run has (random ones collide: thousands are made here)."""
    return f"137{next(_MOBILES) % 10**8:08d}"


def path_params(path: str) -> list[str]:
    return PARAM.findall(path)


def fill(template: str, params: dict[str, Any]) -> str:
    """The path template with its parameters filled in."""
    return PARAM.sub(lambda m: str(params[m.group(1)]), template)


# ----------------------------------------------------------------------------- who may do what
def perms_of(who: str) -> set[str]:
    return set(DEFAULT_ROLES[STAFF[who][0]][3])


def is_sales(who: str) -> bool:
    return DEFAULT_ROLES[STAFF[who][0]][2] == "sales"


def lacks(who: str, perms: tuple[str, ...]) -> bool:
    return not set(perms) <= perms_of(who)


def NEEDS(status: int, *perms: str) -> dict[str, int]:
    """`status` for the roles holding every one of `perms`, 403 for the others."""
    return {role: 403 if lacks(ROLE_ACTOR[role], perms) else status for role in ROLES}


def ANY_OF(status: int, *perms: str) -> dict[str, int]:
    return {role: status if set(perms) & perms_of(ROLE_ACTOR[role]) else 403 for role in ROLES}


# ----------------------------------------------------------------------------- customer placements
@dataclass(frozen=True)
class Placement:
    """A customer placed somewhere in the org tree (owner, department, pool, assistants)."""

    pool: str
    owner: str | None = None
    dept: str | None = None  # default: the owner's department
    collaborators: tuple[str, ...] = ()

    def department(self) -> str:
        if self.dept:
            return self.dept
        assert self.owner, "a placement without owner needs a department"
        return STAFF[self.owner][1]

    def party(self, who: str) -> bool:
        return self.owner == who or who in self.collaborators


PLACEMENTS: dict[str, Placement] = {
    "own_following": Placement("following", owner="sales_east1"),
    "peer_following": Placement("following", owner="sales_east1b"),
    "assisted_following": Placement("following", owner="sales_east1b", collaborators=("sales_east1",)),
    "sub_following": Placement("following", owner="sales_east1sub"),
    "sub_assisted_by_manager": Placement("following", owner="sales_east1sub", collaborators=("manager_east1",)),
    "east2_potential": Placement("potential", dept="east2"),
    "east1_potential": Placement("potential", dept="east1"),
    "east1_to_assign": Placement("to_assign", dept="east1"),
    "east1sub_to_assign": Placement("to_assign", dept="east1sub"),
    "south_following": Placement("following", owner="sales_south1"),
    "south_public": Placement("public", dept="south1"),
    "south_potential_assisted": Placement("potential", dept="south1", collaborators=("sales_east1",)),
    "own_won": Placement("won", owner="sales_east1"),
    "own_recycled": Placement("recycle_bin", owner="sales_east1"),
    "office_following": Placement("following", owner="admin"),
}
EAST1_PUBLIC = Placement("public", dept="east1")

# Which center each department belongs to (the world's tree; the office sits under the default 总部).
CENTER_OF = {"office": "hq", "east1": "east", "east1sub": "east", "east2": "east", "south1": "south"}


def visible(who: str, p: Placement) -> bool:
    """The data-scope rules (PERM-3, POOL-3/5), written independently of authz.customer_scope."""
    scope = DEFAULT_ROLES[STAFF[who][0]][1]
    dept = STAFF[who][1]
    by_role = {"company": True, "center": CENTER_OF[p.department()] == CENTER_OF[dept],
               "department": p.department() == dept, "self": False}[scope]
    seen = by_role or p.party(who) or p.pool == "public"
    if is_sales(who) and p.pool in ("potential", "to_assign"):
        seen = False
    if p.pool == "recycle_bin" and "pool.recycle_bin" not in perms_of(who):
        seen = False
    return seen


# ----------------------------------------------------------------------------- calling the API
@dataclass
class Call:
    params: dict[str, Any] = field(default_factory=dict)  # path parameters
    json: Any = None
    query: dict[str, Any] | None = None
    token: str | None = None  # a bearer token to use instead of the caller's usual one
    files: Any = None  # multipart files (uploads)


class Ctx:
    """Helpers for a module: the client, the two tenants, fresh records."""

    def __init__(self, client: TestClient, a: World, b: World) -> None:
        self.client, self.a, self.b = client, a, b

    def send(self, method: str, template: str, call: Call, headers: dict[str, str] | None) -> Any:
        path = fill(template, call.params)
        if call.token is not None:
            headers = {"Authorization": f"Bearer {call.token}"}
        self.client.cookies.clear()  # the login sets cookies; no case may ride on another's session
        r = self.client.request(method, path, headers=headers, json=call.json, params=call.query, files=call.files)
        self.client.cookies.clear()
        check_answer(r)
        return r

    # fresh records --------------------------------------------------------------------------
    def customer(self, w: World, placement: Placement | None = None, **extra: Any) -> int:
        p = placement or PLACEMENTS["own_following"]
        return w.customer(pool=p.pool, owner=p.owner, dept=p.dept, collaborators=p.collaborators,
                          phone=unique_mobile(), **extra)

    def version(self, w: World, customer_id: int) -> int:
        with w.db.transaction(w.tenant_id) as s:
            return s.get_one(Customer, customer_id).version

    def unit(self, w: World) -> int:
        with w.db.transaction(w.tenant_id) as s:
            parent = s.get_one(OrgUnit, w.units["east"])
            return add_unit(s, parent, "department", f"临时部门{uuid.uuid4().hex[:6]}").id

    def employee(self, w: World) -> int:
        with w.db.transaction(w.tenant_id) as s:
            e = Employee(username=f"tmp{uuid.uuid4().hex[:8]}", name="临时员工", password_hash=password_hash(),
                         department_id=w.units["east2"], role_id=w.roles["sales"])
            s.add(e)
            s.flush()
            return e.id

    def role(self, w: World) -> int:
        with w.db.transaction(w.tenant_id) as s:
            r = Role(code=f"tmp_{uuid.uuid4().hex[:8]}", name="临时角色", data_scope="self", kind="sales",
                     permissions=["customer.view"], is_builtin=False)
            s.add(r)
            s.flush()
            return r.id

    def created(self, w: World, path: str, body: dict[str, Any], who: str = "admin") -> int:
        """A record made through the API by the tenant's admin (for settings without a factory), or by
        `who` for records of their own (saved filters)."""
        self.client.cookies.clear()
        r = self.client.post(f"{API}{path}", headers=w.headers(who or "admin"), json=body)
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def token(self, w: World, who: str) -> str:
        return issue_token(w.db, w.tenant_id, w.staff[who])


def check_answer(r: Any) -> None:
    """Never 5xx; every refusal is a problem document with a machine code."""
    assert r.status_code < 500, f"{r.request.method} {r.request.url} → {r.status_code}: {r.text[:500]}"
    if r.status_code >= 400:
        assert r.headers.get("content-type", "").startswith(PROBLEM), (r.status_code, r.headers, r.text[:300])
        body = r.json()
        assert isinstance(body.get("code"), str) and body["code"], body
        assert body.get("status") == r.status_code, body


# ----------------------------------------------------------------------------- the route table
Maker = Callable[[Ctx, World, str], Call]  # (ctx, the tenant whose records to use, caller key) -> Call
OnCustomer = Callable[[Ctx, World, str, int], Call]  # … and the customer id to act on
InScope = Callable[[str, Placement], "int | str"]  # status, or a bulk per-id outcome ("ok" or its code)


def ALL(status: int) -> dict[str, int]:
    return {role: status for role in ROLES}


@dataclass(frozen=True)
class Route:
    # status per default role on an own-tenant record in scope (None: derived from `in_scope`)
    expect: dict[str, int] | None = None
    call: Maker | None = None
    anonymous: int = 401
    # permissions the route checks before it looks a record up: without them, 403 for every id
    perm_first: tuple[str, ...] = ()
    # customer routes: how to act on a given customer, and what a visible one gives
    on_customer: OnCustomer | None = None
    in_scope: InScope | None = None
    subject: Placement = PLACEMENTS["own_following"]  # the customer of the per-role cases
    bulk: bool = False  # answers per-id outcomes (`results`) for the ids in the body
    # routes taking record ids in the body: the call naming the other tenant's records
    foreign: Maker | None = None
    # False where the path parameters are not record ids (a dictionary kind, a pool key)
    record_params: bool = True

    def make(self, ctx: Ctx, w: World, who: str) -> Call:
        if self.on_customer is not None:
            return self.on_customer(ctx, w, who, ctx.customer(w, self.subject))
        return self.call(ctx, w, who) if self.call else Call()

    def expected(self, role: str) -> int | str:
        who = ROLE_ACTOR[role]
        if self.expect is not None:
            return self.expect[role]
        assert self.in_scope is not None
        if lacks(who, self.perm_first):
            return 403
        return self.in_scope(who, self.subject) if visible(who, self.subject) else 404


def observe(route: Route, r: Any) -> int | str:
    """The status, or for a bulk move checked by scope its one outcome: "ok" or the refusal code."""
    if route.bulk and route.in_scope is not None and r.status_code == 200:
        (one,) = r.json()["results"]
        return "ok" if one["ok"] else one["code"]
    return r.status_code


def customer_route(on: OnCustomer, in_scope: InScope, *, perm_first: tuple[str, ...] = (),
                   subject: Placement = PLACEMENTS["own_following"], bulk: bool = False) -> Route:
    return Route(on_customer=on, in_scope=in_scope, perm_first=perm_first, subject=subject, bulk=bulk)


def bulk_route(perm: str, in_scope: InScope, **body: Any) -> Route:
    """A bulk move on one customer: per-id outcomes; the permission is checked before the ids."""
    def on(ctx: Ctx, w: World, who: str, cid: int) -> Call:
        return Call(json={"ids": [cid], **{k: v(w) if callable(v) else v for k, v in body.items()}})

    return Route(on_customer=on, in_scope=in_scope, perm_first=(perm,), bulk=True,
                 foreign=lambda ctx, w, who: on(ctx, w, who, ctx.customer(w)))


def bulk_status(status: dict[str, int], placement: str, **body: Any) -> Route:
    """A bulk move checked by status only (its outcomes depend on more than scope)."""
    def call(ctx: Ctx, w: World, who: str, people: World | None = None) -> Call:
        cid = ctx.customer(w, PLACEMENTS[placement])
        return Call(json={"ids": [cid], **{k: v(people or w) if callable(v) else v for k, v in body.items()}})

    # foreign: the other tenant's customer, with the caller's own (valid) assignees / owner
    return Route(status, call, bulk=True, foreign=lambda ctx, w, who: call(ctx, w, who, people=ctx.a))


def by_id(param: str, make_id: Callable[[Ctx, World], int], body: Any = None) -> Maker:
    return lambda ctx, w, who: Call({param: make_id(ctx, w)}, json=body() if callable(body) else body)


def _login(ctx: Ctx, w: World, who: str) -> Call:
    return Call(json={"tenant": w.code, "username": who or "admin", "password": PASSWORD})


def _name() -> dict[str, str]:
    return {"name": f"改名{uuid.uuid4().hex[:6]}"}


# in-scope outcomes of the customer routes (what a customer the caller sees gives, by the rules)
def _patch(who: str, p: Placement) -> int:
    if "customer.edit" not in perms_of(who) or (is_sales(who) and not p.party(who)):
        return 403  # a sales role edits only its own and assisted customers
    return 200


def _delete(who: str, p: Placement) -> int:
    if "customer.delete" not in perms_of(who):
        return 403
    return 409 if p.pool == "won" else 204


def _claim(who: str, p: Placement) -> int:
    if p.pool == "public" and p.owner is None:
        return 200
    return 409  # already_claimed / already_yours


def _collaborators(who: str, p: Placement) -> int:
    party = p.party(who)
    if not party and not ({"customer.transfer", "customer.assign"} & perms_of(who)):
        return 403
    if is_sales(who) and not party:
        return 403
    if p.pool in ("public", "recycle_bin") or p.owner is None:
        return 409  # not_owned
    return 200


def _wecom(who: str, p: Placement) -> int:
    return 403 if is_sales(who) and p.owner != who else 200


def _tag(who: str, p: Placement) -> str:
    return "not_owner" if is_sales(who) and not p.party(who) else "ok"


def _bulk_delete(who: str, p: Placement) -> str:
    return {"recycle_bin": "in_recycle_bin", "won": "customer_won"}.get(p.pool, "ok")


def _mark_valid(who: str, p: Placement) -> str:
    return "ok" if p.pool == "potential" else "not_in_pool"


def _patch_customer(ctx: Ctx, w: World, who: str, cid: int) -> Call:
    return Call({"customer_id": cid}, json={"version": ctx.version(w, cid), "remark": f"改 {uuid.uuid4().hex[:6]}"})


def _cid(extra: Any = None) -> OnCustomer:
    return lambda ctx, w, who, cid: Call({"customer_id": cid}, json=extra)


def _merge(ctx: Ctx, w: World, who: str) -> Call:
    return Call(json={"master_id": ctx.customer(w), "duplicate_ids": [ctx.customer(w)]})


def _handover(ctx: Ctx, w: World, who: str) -> Call:
    leaver = ctx.employee(w)
    return Call({"employee_id": leaver}, json={"to_employee_ids": [w.staff["sales_east1b"]]})


SETTINGS = {  # pool settings: path, a valid create body
    "public-pools": lambda w: {"name": f"公海{uuid.uuid4().hex[:6]}", "member_unit_ids": [w.units["east"]]},
    "assignment-rules": lambda w: {"name": f"分配{uuid.uuid4().hex[:6]}", "strategy": "round_robin",
                                   "member_ids": [w.staff["sales_east1"]]},
    "recycle-rules": lambda w: {"name": f"回收{uuid.uuid4().hex[:6]}", "kind": "no_followup", "days": 30,
                                "enabled": False},
}


def _settings_rows() -> dict[tuple[str, str], Route]:
    rows: dict[tuple[str, str], Route] = {}
    for path, body in SETTINGS.items():
        def fresh(ctx: Ctx, w: World, path: str = path, body: Any = body) -> int:
            return ctx.created(w, f"/pool/{path}", body(w))

        rows[("GET", f"{API}/pool/{path}")] = Route(NEEDS(200, "customer.view"))
        rows[("POST", f"{API}/pool/{path}")] = Route(
            NEEDS(201, "settings.manage"), lambda ctx, w, who, body=body: Call(json=body(w)))
        rows[("PATCH", f"{API}/pool/{path}/{{obj_id}}")] = Route(
            NEEDS(200, "settings.manage"), by_id("obj_id", fresh, _name), perm_first=("settings.manage",))
        rows[("DELETE", f"{API}/pool/{path}/{{obj_id}}")] = Route(
            NEEDS(204, "settings.manage"), by_id("obj_id", fresh), perm_first=("settings.manage",))
    return rows


def _staff(key: str) -> Callable[[World], Any]:
    return lambda w: w.staff[key]


# ----------------------------------------------------------------------------- working a customer
# (contacts, follow-ups, visits: WORK-3/4/9; tasks WORK-7; reminders; tag rules WORK-6)
def _emp(w: World, who: str) -> int:
    return w.staff[who or "admin"]


def _insert(w: World, make: Callable[[], Any]) -> int:
    """A record inserted directly (bypassing the API, so that it can sit on any customer)."""
    with w.db.transaction(w.tenant_id) as s:
        obj = make()
        s.add(obj)
        s.flush()
        return int(obj.id)


def _contact(w: World, cid: int) -> int:
    return _insert(w, lambda: Contact(customer_id=cid, name=f"联系人{uuid.uuid4().hex[:6]}", phones=[unique_mobile()]))


def _followup(w: World, cid: int, who: str) -> int:
    return _insert(w, lambda: Followup(customer_id=cid, author_id=_emp(w, who), at=datetime.now(UTC) - timedelta(hours=1),
                                       method="phone", content="跟进内容"))


def _plan(w: World, cid: int, owner: str) -> int:
    return _insert(w, lambda: VisitPlan(customer_id=cid, type="periodic", planned_at=datetime.now(UTC) + timedelta(days=3),
                                        topic="回访", owner_id=_emp(w, owner), created_by_id=_emp(w, owner),
                                        status="planned"))


def _future() -> str:
    return (datetime.now(UTC) + timedelta(days=2)).isoformat()


def _record_body() -> dict[str, Any]:
    return {"content": "回访内容", "satisfaction": "satisfied"}


def _work(status: int, perm: str | None = None) -> InScope:
    """Writing on a customer the caller sees (followup.access.ensure_can_work): the permission, then
    409 in the recycle bin, then sales only on their own and assisted customers."""
    def f(who: str, p: Placement) -> int:
        if perm and perm not in perms_of(who):
            return 403
        if p.pool == "recycle_bin":
            return 409
        if is_sales(who) and not p.party(who):
            return 403  # claim_first / not_owner
        return status
    return f


def _plan_change(status: int) -> InScope:
    """Changing a plan owned and made by sales_east1b: visit.plan; a sales role only on its own customers."""
    def f(who: str, p: Placement) -> int:
        if "visit.plan" not in perms_of(who):
            return 403
        if is_sales(who) and not p.party(who):
            return 403  # not_plan_owner
        return status
    return f


def _ok(status: int) -> InScope:
    return lambda who, p: status


# Tasks: issued by manager_east1 over an own_following customer, dealt to the caller (admin, outside
# the issuer's department, is not a possible handler: sales_east1 gets the customer instead).
TASK_ISSUER = "manager_east1"


def _task_handler(who: str) -> str:
    return "sales_east1" if who in ("", "admin") else who


def _task(ctx: Ctx, w: World, who: str) -> tuple[int, int]:
    """(task id, the id of its one item)."""
    cid = ctx.customer(w)
    tid = ctx.created(w, "/tasks", {"type": "call", "title": f"任务{uuid.uuid4().hex[:6]}",
                                    "handler_ids": [w.staff[_task_handler(who)]], "customer_ids": [cid]},
                      who=TASK_ISSUER)
    with w.db.transaction(w.tenant_id) as s:
        item = s.scalar(sa.select(TaskItem.id).where(TaskItem.task_id == tid))
    assert item is not None
    return tid, item


def _task_call(extra: Any = None) -> Maker:
    def call(ctx: Ctx, w: World, who: str) -> Call:
        tid, item = _task(ctx, w, who)
        params = {"task_id": tid, "item_id": item} if extra == "item" else {"task_id": tid}
        return Call(params, json={"result": "已处理"} if extra == "item" else None)
    return call


def _new_task(ctx: Ctx, w: World, who: str) -> Call:
    return Call(json={"type": "call", "title": f"任务{uuid.uuid4().hex[:6]}", "handler_ids": [_emp(w, who)],
                      "customer_ids": [ctx.customer(w)]})


def _tag_rule_body() -> dict[str, Any]:
    return {"name": f"规则{uuid.uuid4().hex[:6]}", "keywords": [f"词{uuid.uuid4().hex[:6]}"], "tag": "规则标签",
            "enabled": False}


def _work_rows() -> dict[tuple[str, str], Route]:
    C = f"{API}/customers/{{customer_id}}"
    contact: OnCustomer = lambda ctx, w, who, cid: Call({"contact_id": _contact(w, cid)})
    followup: OnCustomer = lambda ctx, w, who, cid: Call({"followup_id": _followup(w, cid, who)})

    def plan(owner: str | None, body: Any = None) -> OnCustomer:
        return lambda ctx, w, who, cid: Call({"plan_id": _plan(w, cid, owner if owner is not None else who)},
                                             json=body() if callable(body) else body)

    def tag_rule(ctx: Ctx, w: World) -> int:
        return ctx.created(w, "/tag-rules", _tag_rule_body())

    return {
        # contacts: read by the customer's scope; written with customer.edit by who may work it
        ("GET", f"{C}/contacts"): customer_route(_cid(), _ok(200)),
        ("POST", f"{C}/contacts"): customer_route(_cid({"name": "新联系人", "phones": []}), _work(201)),
        ("GET", f"{API}/contacts/{{contact_id}}"): customer_route(contact, _ok(200)),
        ("PATCH", f"{API}/contacts/{{contact_id}}"): customer_route(
            lambda ctx, w, who, cid: Call({"contact_id": _contact(w, cid)}, json={"remark": "改"}), _work(200)),
        ("DELETE", f"{API}/contacts/{{contact_id}}"): customer_route(contact, _work(204)),
        ("POST", f"{C}/phones/reveal"): customer_route(_cid(), _ok(200)),
        # follow-ups
        ("GET", f"{C}/followups"): customer_route(_cid(), _ok(200)),
        ("POST", f"{C}/followups"): customer_route(_cid({"content": "电话沟通"}), _work(201),
                                                   perm_first=("followup.create",)),
        ("GET", f"{API}/followups"): Route(NEEDS(200, "customer.view")),
        ("GET", f"{API}/followups/{{followup_id}}"): customer_route(followup, _ok(200)),
        ("PATCH", f"{API}/followups/{{followup_id}}"): customer_route(  # the caller's own follow-up
            lambda ctx, w, who, cid: Call({"followup_id": _followup(w, cid, who)}, json={"content": "改正"}),
            _ok(200)),
        # tag rules (settings)
        ("GET", f"{API}/tag-rules"): Route(NEEDS(200, "customer.view")),
        ("POST", f"{API}/tag-rules"): Route(NEEDS(201, "settings.manage"),
                                            lambda ctx, w, who: Call(json=_tag_rule_body())),
        ("PATCH", f"{API}/tag-rules/{{rule_id}}"): Route(NEEDS(200, "settings.manage"),
                                                         by_id("rule_id", tag_rule, _name),
                                                         perm_first=("settings.manage",)),
        ("DELETE", f"{API}/tag-rules/{{rule_id}}"): Route(NEEDS(204, "settings.manage"), by_id("rule_id", tag_rule),
                                                          perm_first=("settings.manage",)),
        ("POST", f"{API}/tag-rules/preview"): Route(NEEDS(200, "customer.view"),
                                                    lambda ctx, w, who: Call(json={"text": "客户觉得太贵"})),
        **_attachment_rows(),
        # tasks
        ("POST", f"{API}/tasks"): Route(NEEDS(201, "task.issue"), _new_task),
        ("GET", f"{API}/tasks/issued"): Route(NEEDS(200, "task.issue")),
        ("GET", f"{API}/tasks/todo"): Route(ALL(200)),
        ("GET", f"{API}/tasks/{{task_id}}"): Route(ALL(200), _task_call()),
        ("GET", f"{API}/tasks/{{task_id}}/items"): Route(ALL(200), _task_call()),
        # the admin manages the task but is not the item's handler: 403 not_handler
        ("POST", f"{API}/tasks/{{task_id}}/items/{{item_id}}/process"): Route(
            {**ALL(200), "admin": 403}, _task_call("item")),
        # managers over the issuer's department cancel; a sales handler cannot (403 not_issuer)
        ("POST", f"{API}/tasks/{{task_id}}/cancel"): Route(NEEDS(200, "task.issue"), _task_call()),
        # return visits
        ("GET", f"{C}/visit-plans"): customer_route(_cid(), _ok(200), perm_first=("visit.view",)),
        ("POST", f"{C}/visit-plans"): customer_route(
            lambda ctx, w, who, cid: Call({"customer_id": cid}, json={"type": "periodic", "planned_at": _future(),
                                                                      "topic": "定期回访"}),
            _work(201, "visit.plan")),
        ("GET", f"{C}/visit-records"): customer_route(_cid(), _ok(200), perm_first=("visit.view",)),
        ("POST", f"{C}/visit-records"): customer_route(
            lambda ctx, w, who, cid: Call({"customer_id": cid}, json=_record_body()), _work(201),
            perm_first=("visit.record",)),
        ("GET", f"{API}/visit-plans"): Route(NEEDS(200, "visit.view")),
        ("GET", f"{API}/visit-plans/{{plan_id}}"): customer_route(plan("sales_east1b"), _ok(200),
                                                                  perm_first=("visit.view",)),
        ("PATCH", f"{API}/visit-plans/{{plan_id}}"): customer_route(plan("sales_east1b", {"topic": "改期"}),
                                                                    _plan_change(200)),
        ("POST", f"{API}/visit-plans/{{plan_id}}/cancel"): customer_route(plan("sales_east1b"), _plan_change(200)),
        # recording against a plan the caller owns
        ("POST", f"{API}/visit-plans/{{plan_id}}/record"): customer_route(
            plan(None, _record_body), lambda who, p: 409 if p.pool == "recycle_bin" else 201,
            perm_first=("visit.record",)),
        ("GET", f"{API}/visit-records"): Route(NEEDS(200, "visit.view")),
        ("GET", f"{API}/visits/stats"): Route(NEEDS(200, "visit.view")),
        # reminders
        ("GET", f"{API}/reminders/settings"): Route(NEEDS(200, "reminder.manage")),
        ("PATCH", f"{API}/reminders/settings"): Route(NEEDS(200, "reminder.manage"),
                                                      lambda ctx, w, who: Call(json={"followup_enabled": True})),
        ("POST", f"{API}/reminders/run"): Route(NEEDS(200, "reminder.manage")),
        ("GET", f"{API}/reminders/deliveries"): Route(NEEDS(200, "reminder.manage")),
        ("GET", f"{API}/me/reminder-preferences"): Route(ALL(200)),
        ("PUT", f"{API}/me/reminder-preferences"): Route(ALL(200), lambda ctx, w, who: Call(json={"in_app": True})),
    }


# ----------------------------------------------------------------------------- attachments
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _attachment(ctx: Ctx, w: World, cid: int, who: str) -> int:
    """A file on a follow-up of customer `cid`, uploaded by `who` (row and bytes written directly)."""
    from huike.attachment import storage
    from huike.attachment.models import Attachment

    fid = _followup(w, cid, who)
    key = f"{w.tenant_id}/mx/{uuid.uuid4().hex}"
    path = storage.path_of(ctx.client.app.state.settings, key)  # type: ignore[attr-defined]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG)
    return _insert(w, lambda: Attachment(record_kind="followup", record_id=fid, customer_id=cid,
                                         uploaded_by_id=_emp(w, who), filename="图.png", content_type="image/png",
                                         size=len(PNG), sha256="0" * 64, storage_key=key))


def _attachment_rows() -> dict[tuple[str, str], Route]:
    A = f"{API}/attachments"

    def upload(ctx: Ctx, w: World, who: str, cid: int) -> Call:
        return Call(query={"record_kind": "followup", "record_id": _followup(w, cid, who)},
                    files={"file": ("图.png", PNG, "image/png")})

    def listing(ctx: Ctx, w: World, who: str, cid: int) -> Call:
        return Call(query={"record_kind": "followup", "record_id": _followup(w, cid, who)})

    def one(ctx: Ctx, w: World, who: str, cid: int) -> Call:
        return Call({"attachment_id": _attachment(ctx, w, cid, who)})

    return {
        # the caller's own follow-up on a customer he sees: adding files is writing (ensure_can_work)
        ("POST", A): Route(on_customer=upload, in_scope=_work(201, "followup.create"),
                           foreign=lambda ctx, w, who: upload(ctx, w, who, ctx.customer(w))),
        ("GET", A): Route(on_customer=listing, in_scope=_ok(200),
                          foreign=lambda ctx, w, who: listing(ctx, w, who, ctx.customer(w))),
        ("GET", f"{A}/{{attachment_id}}/download"): customer_route(one, _ok(200)),
        # the uploader deletes his own
        ("DELETE", f"{A}/{{attachment_id}}"): customer_route(one, _ok(204)),
    }


# ----------------------------------------------------------------------------- dictionaries, finding
def _uniq(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def _dict_item(ctx: Ctx, w: World) -> int:
    return ctx.created(w, "/settings/dictionaries/industry", {"name": _uniq("行业")})


def _tag_group(ctx: Ctx, w: World) -> int:
    return ctx.created(w, "/settings/tag-groups", {"name": _uniq("组")})


def _new_tag(ctx: Ctx, w: World, group: int | None = None) -> int:
    return ctx.created(w, f"/settings/tag-groups/{group or _tag_group(ctx, w)}/tags", {"name": _uniq("标")})


def _custom_field(ctx: Ctx, w: World) -> int:
    return ctx.created(w, "/settings/custom-fields", {"key": _uniq("f"), "label": _uniq("字段"), "type": "text"})


def _ids_of(make_id: Callable[[Ctx, World], int], **extra: Any) -> Maker:
    return lambda ctx, w, who: Call(json={"ids": [make_id(ctx, w)], **extra})


def _tags_order(ctx: Ctx, w: World, who: str) -> Call:
    g = _tag_group(ctx, w)
    return Call({"group_id": g}, json={"ids": [_new_tag(ctx, w, g)]})


def _dictionary_rows() -> dict[tuple[str, str], Route]:
    S = f"{API}/settings"
    M = "settings.manage"
    kind = lambda k, body=None: lambda ctx, w, who: Call({"kind": k}, json=body() if callable(body) else body)
    return {
        # everyone reads the settings (forms, filters, import); changing them takes settings.manage
        ("GET", f"{S}/dictionaries"): Route(ALL(200)),
        ("GET", f"{S}/dictionaries/{{kind}}"): Route(ALL(200), kind("source"), record_params=False),
        ("PATCH", f"{S}/dictionaries/{{kind}}"): Route(NEEDS(200, M), kind("stage", {"free_entry": True}),
                                                       record_params=False),
        ("POST", f"{S}/dictionaries/{{kind}}"): Route(NEEDS(201, M), kind("industry", lambda: {"name": _uniq("行业")}),
                                                      record_params=False),
        ("PUT", f"{S}/dictionaries/{{kind}}/order"): Route(
            NEEDS(200, M), lambda ctx, w, who: Call({"kind": "industry"}, json={"ids": [_dict_item(ctx, w)]}),
            record_params=False,
            foreign=lambda ctx, w, who: Call({"kind": "industry"}, json={"ids": [_dict_item(ctx, w)]})),
        ("PATCH", f"{S}/dictionary-items/{{item_id}}"): Route(NEEDS(200, M), by_id("item_id", _dict_item, _name),
                                                              perm_first=(M,)),
        ("DELETE", f"{S}/dictionary-items/{{item_id}}"): Route(NEEDS(204, M), by_id("item_id", _dict_item),
                                                               perm_first=(M,)),
        ("GET", f"{S}/tag-groups"): Route(ALL(200)),
        ("POST", f"{S}/tag-groups"): Route(NEEDS(201, M), lambda ctx, w, who: Call(json={"name": _uniq("组")})),
        ("PUT", f"{S}/tag-groups/order"): Route(NEEDS(200, M), _ids_of(_tag_group), foreign=_ids_of(_tag_group)),
        ("PATCH", f"{S}/tag-groups/{{group_id}}"): Route(NEEDS(200, M), by_id("group_id", _tag_group,
                                                                             lambda: {"name": _uniq("组")}),
                                                         perm_first=(M,)),
        ("DELETE", f"{S}/tag-groups/{{group_id}}"): Route(NEEDS(204, M), by_id("group_id", _tag_group),
                                                          perm_first=(M,)),
        ("POST", f"{S}/tag-groups/{{group_id}}/tags"): Route(NEEDS(201, M), by_id("group_id", _tag_group,
                                                                                 lambda: {"name": _uniq("标")}),
                                                             perm_first=(M,)),
        ("PUT", f"{S}/tag-groups/{{group_id}}/tags/order"): Route(NEEDS(200, M), _tags_order, perm_first=(M,)),
        ("PATCH", f"{S}/tags/{{tag_id}}"): Route(NEEDS(200, M), by_id("tag_id", _new_tag, lambda: {"name": _uniq("标")}),
                                                 perm_first=(M,)),
        ("DELETE", f"{S}/tags/{{tag_id}}"): Route(NEEDS(204, M), by_id("tag_id", _new_tag), perm_first=(M,)),
        ("GET", f"{S}/custom-fields"): Route(ALL(200)),
        ("POST", f"{S}/custom-fields"): Route(NEEDS(201, M), lambda ctx, w, who: Call(json={
            "key": _uniq("f"), "label": _uniq("字段"), "type": "text"})),
        ("PUT", f"{S}/custom-fields/order"): Route(NEEDS(200, M), _ids_of(_custom_field),
                                                   foreign=_ids_of(_custom_field)),
        ("PATCH", f"{S}/custom-fields/{{field_id}}"): Route(NEEDS(200, M), by_id("field_id", _custom_field,
                                                                                 lambda: {"label": _uniq("字段")}),
                                                            perm_first=(M,)),
        ("DELETE", f"{S}/custom-fields/{{field_id}}"): Route(NEEDS(204, M), by_id("field_id", _custom_field),
                                                             perm_first=(M,)),
    }


def _saved_filter(ctx: Ctx, w: World, who: str) -> int:
    """A saved filter of the caller's own (another employee's answers 404 like another tenant's)."""
    return ctx.created(w, "/customers/saved-filters", {"name": _uniq("筛选"), "pool": "all"}, who=who)


def _find_rows() -> dict[tuple[str, str], Route]:
    F = f"{API}/customers"
    V = "customer.view"
    view = lambda body=None: lambda ctx, w, who: Call({"pool": "following"}, json=body)
    saved = lambda body=None: lambda ctx, w, who: Call({"filter_id": _saved_filter(ctx, w, who)}, json=body)
    return {
        ("GET", f"{F}/fields"): Route(NEEDS(200, V)),
        ("GET", f"{F}/count"): Route(NEEDS(200, V), foreign=lambda ctx, w, who: Call(
            query={"saved_filter_id": _saved_filter(ctx, w, who)})),
        ("POST", f"{F}/search"): Route(NEEDS(200, V), lambda ctx, w, who: Call(json={"pool": "all", "limit": 5}),
                                       foreign=lambda ctx, w, who: Call(json={
                                           "saved_filter_id": _saved_filter(ctx, w, who)})),
        ("GET", f"{F}/saved-filters"): Route(NEEDS(200, V)),
        ("POST", f"{F}/saved-filters"): Route(NEEDS(201, V), lambda ctx, w, who: Call(json={
            "name": _uniq("筛选"), "pool": "all"})),
        ("PUT", f"{F}/saved-filters/order"): Route(
            NEEDS(200, V), lambda ctx, w, who: Call(json={"pool": "all", "ids": [_saved_filter(ctx, w, who)]}),
            foreign=lambda ctx, w, who: Call(json={"pool": "all", "ids": [_saved_filter(ctx, w, who)]})),
        ("PATCH", f"{F}/saved-filters/{{filter_id}}"): Route(NEEDS(200, V), saved({"pinned": True}),
                                                             perm_first=(V,)),
        ("DELETE", f"{F}/saved-filters/{{filter_id}}"): Route(NEEDS(204, V), saved(), perm_first=(V,)),
        ("GET", f"{F}/views/{{pool}}"): Route(NEEDS(200, V), view(), record_params=False),
        ("PUT", f"{F}/views/{{pool}}"): Route(NEEDS(200, V), view({"columns": ["name", "phones", "owner"]}),
                                              record_params=False),
        ("DELETE", f"{F}/views/{{pool}}"): Route(NEEDS(204, V), view(), record_params=False),
    }


def _stats_rows() -> dict[tuple[str, str], Route]:
    """Statistics and the work panel (SALES-8/9): every default role, the data scope does the rest
    (figures vs lists per role: tests/test_stats.py)."""
    S = f"{API}/stats"
    return {
        ("GET", f"{S}/customers"): Route(NEEDS(200, "stats.view", "customer.view")),
        ("GET", f"{S}/opportunities"): Route(NEEDS(200, "stats.view", "opportunity.view")),
        ("GET", f"{S}/salespeople"): Route(NEEDS(200, "stats.view", "customer.view")),
        ("GET", f"{S}/panel"): Route(NEEDS(200, "stats.view")),
        ("PUT", f"{S}/panel/layout"): Route(NEEDS(200, "stats.view"),
                                            lambda ctx, w, who: Call(json={"cards": ["tasks_todo"]})),
        ("DELETE", f"{S}/panel/layout"): Route(NEEDS(204, "stats.view")),
    }


def _enable_grading(w: World) -> None:
    """The tenant's automatic grading switched on (a rule no matrix customer meets), so applying answers 200."""
    from decimal import Decimal

    from huike.grading.models import GradingRule, GradingSettings

    with w.db.transaction(w.tenant_id) as s:
        if s.scalar(sa.select(GradingSettings.id)) is None:
            s.add(GradingSettings(enabled=True, window_days=365, override_manual=False))
            s.add(GradingRule(position=0, level="VIP客户", min_amount=Decimal("500000000.00")))
        else:
            s.execute(sa.update(GradingSettings).values(enabled=True))


def _grading_rows() -> dict[tuple[str, str], Route]:
    """Automatic customer grading (POOL-16): admins only (settings.manage); no record ids."""
    G = f"{API}/pool/grading"

    def body(ctx: Ctx, w: World, who: str) -> Call:
        return Call(json={"enabled": True, "window_days": 365, "fallback_level": None,
                          "rules": [{"level": "VIP客户", "min_amount": "500000000.00"}]})

    def apply(ctx: Ctx, w: World, who: str) -> Call:
        _enable_grading(w)
        return Call()

    return {
        ("GET", G): Route(NEEDS(200, "settings.manage")),
        ("PUT", G): Route(NEEDS(200, "settings.manage"), body),
        ("POST", f"{G}/apply"): Route(NEEDS(200, "settings.manage"), apply),
    }


def _pool_rows() -> dict[tuple[str, str], Route]:
    F = f"{API}/customers"
    return {
        # POOL-17 customer types of a list: counted within the caller's scope (no record ids)
        ("GET", f"{F}/type-counts"): Route(NEEDS(200, "customer.view"),
                                           lambda ctx, w, who: Call(query={"pool": "all"})),
    }


# ----------------------------------------------------------------------------- sales pipeline (SALES-1…7)
def _sales_rows() -> dict[tuple[str, str], Route]:
    """Opportunities, orders, contracts, invoices, payments: visible with their customer; writes need
    the permission, then who may work the customer; orders and contracts also an owned customer."""
    from decimal import Decimal

    from huike.sales import settings as sales_settings
    from huike.sales.common import next_number
    from huike.sales.models import (
        Contract,
        Invoice,
        LostReason,
        Opportunity,
        OpportunityStage,
        Order,
        OrderLine,
        Payment,
        PaymentPlan,
        Product,
    )

    C = f"{API}/customers/{{customer_id}}"
    now = datetime.now(UTC)

    def tx(w: World, make: Callable[[Any], Any]) -> int:
        with w.db.transaction(w.tenant_id) as s:
            sales_settings.ensure(s)
            obj = make(s)
            s.add(obj)
            s.flush()
            return int(obj.id)

    def first_stage(s: Any, kind: str = "open") -> int:
        return int(s.scalar(sa.select(OpportunityStage.id).where(OpportunityStage.kind == kind)
                            .order_by(OpportunityStage.position).limit(1)))

    def opp(w: World, cid: int) -> int:
        return tx(w, lambda s: Opportunity(number=next_number(s, "opportunity"), name="商机", customer_id=cid,
                                           owner_id=w.staff["sales_east1"], amount=Decimal(100),
                                           stage_id=first_stage(s), status="open", win_rate=20))

    def product(w: World) -> int:
        return tx(w, lambda s: Product(name=f"产品{uuid.uuid4().hex[:6]}", price=Decimal(10), on_sale=True))

    def order(w: World, cid: int, status: str = "draft") -> int:
        pid = product(w)

        def make(s: Any) -> Order:
            o = Order(number=next_number(s, "order"), customer_id=cid, status=status, deal_at=now,
                      staff_id=w.staff["sales_east1"], subtotal=Decimal(10), discount=Decimal(0),
                      total=Decimal(10))
            s.add(o)
            s.flush()
            s.add(OrderLine(order_id=o.id, product_id=pid, product_name="产品", quantity=Decimal(1),
                            list_price=Decimal(10), unit_price=Decimal(10), amount=Decimal(10)))
            return o
        return tx(w, make)

    def contract(w: World, cid: int, status: str = "draft") -> int:
        return tx(w, lambda s: Contract(number=next_number(s, "contract"), name="合同", customer_id=cid,
                                        owner_id=w.staff["sales_east1"], amount=Decimal(100), status=status))

    def plan(w: World, cid: int) -> int:
        k = contract(w, cid, "signed")
        return tx(w, lambda s: PaymentPlan(contract_id=k, customer_id=cid, due_date=now.date(), amount=Decimal(10)))

    def payment(w: World, cid: int) -> int:
        k = contract(w, cid, "signed")
        return tx(w, lambda s: Payment(contract_id=k, customer_id=cid, received_on=now.date(), amount=Decimal(10),
                                       method="bank", created_at=now))

    def invoice(w: World, cid: int) -> int:
        return tx(w, lambda s: Invoice(number=next_number(s, "invoice"), customer_id=cid, amount=Decimal(10),
                                       type="normal", status="pending"))

    def reason(ctx: Ctx, w: World) -> int:
        return ctx.created(w, "/sales/lost-reasons", {"name": _uniq("原因")})

    def prod(ctx: Ctx, w: World) -> int:
        return product(w)

    def stages_body(ctx: Ctx, w: World, who: str) -> Call:
        with w.db.transaction(w.tenant_id) as s:
            rows = [r for r in sales_settings.stages(s) if r.kind == "open"]
            return Call(json={"stages": [{"id": r.id, "name": r.name, "win_rate": r.win_rate} for r in rows]})

    def rec(param: str, make: Callable[[World, int], int], body: Any = None) -> OnCustomer:
        return lambda ctx, w, who, cid: Call({param: make(w, cid)}, json=body() if callable(body) else body)

    def deal(status: int, perm: str, owned: bool = True) -> InScope:
        def f(who: str, p: Placement) -> int:
            out = _work(status, perm)(who, p)
            if out == status and owned and p.pool not in ("following", "won"):
                return 409  # not_owned
            return out
        return f

    def new_order(ctx: Ctx, w: World, who: str, cid: int) -> Call:
        return Call({"customer_id": cid}, json={"opportunity_id": opp(w, cid),
                                                "lines": [{"product_id": product(w), "quantity": "1"}]})

    def lost_call(ctx: Ctx, w: World, who: str, cid: int) -> Call:
        with w.db.transaction(w.tenant_id) as s:
            sales_settings.ensure(s)
            lost = first_stage(s, "lost")
            rid = int(s.scalar(sa.select(LostReason.id).order_by(LostReason.id).limit(1)))
        return Call({"opportunity_id": opp(w, cid)}, json={"stage_id": lost, "note": "丢单", "lost_reason_id": rid})

    opp_view, order_view, contract_view = ("opportunity.view",), ("order.view",), ("contract.view",)
    return {
        # settings (SALES-2/3)
        ("GET", f"{API}/sales/settings"): Route(ALL(200)),
        ("PATCH", f"{API}/sales/settings"): Route(NEEDS(200, "sales.settings"),
                                                  lambda ctx, w, who: Call(json={"contract_expiry_days": 30})),
        ("GET", f"{API}/sales/stages"): Route(ALL(200)),
        ("PUT", f"{API}/sales/stages"): Route(NEEDS(200, "sales.settings"), stages_body),
        ("GET", f"{API}/sales/lost-reasons"): Route(ALL(200)),
        ("POST", f"{API}/sales/lost-reasons"): Route(NEEDS(201, "sales.settings"),
                                                     lambda ctx, w, who: Call(json={"name": _uniq("原因")})),
        ("PATCH", f"{API}/sales/lost-reasons/{{reason_id}}"): Route(
            NEEDS(200, "sales.settings"), by_id("reason_id", reason, {"enabled": True}), perm_first=("sales.settings",)),
        ("DELETE", f"{API}/sales/lost-reasons/{{reason_id}}"): Route(
            NEEDS(204, "sales.settings"), by_id("reason_id", reason), perm_first=("sales.settings",)),
        # opportunities
        ("GET", f"{API}/opportunities"): Route(NEEDS(200, *opp_view)),
        ("GET", f"{API}/opportunities/summary"): Route(NEEDS(200, *opp_view)),
        ("GET", f"{API}/opportunities/funnel"): Route(NEEDS(200, *opp_view)),
        ("GET", f"{C}/opportunities"): customer_route(_cid(), _ok(200), perm_first=opp_view),
        ("POST", f"{C}/opportunities"): customer_route(_cid({"name": "新商机", "amount": "0.10"}),
                                                       _work(201, "opportunity.edit"), perm_first=("opportunity.edit",)),
        ("GET", f"{API}/opportunities/{{opportunity_id}}"): customer_route(rec("opportunity_id", opp), _ok(200),
                                                                           perm_first=opp_view),
        ("PATCH", f"{API}/opportunities/{{opportunity_id}}"): customer_route(
            rec("opportunity_id", opp, {"notes": "改"}), _work(200), perm_first=("opportunity.edit",)),
        ("POST", f"{API}/opportunities/{{opportunity_id}}/advance"): customer_route(
            lost_call, _work(200), perm_first=("opportunity.edit",)),
        ("GET", f"{API}/opportunities/{{opportunity_id}}/history"): customer_route(
            rec("opportunity_id", opp), _ok(200), perm_first=opp_view),
        ("DELETE", f"{API}/opportunities/{{opportunity_id}}"): customer_route(
            rec("opportunity_id", opp), _work(204), perm_first=("opportunity.edit",)),
        # products
        ("GET", f"{API}/products"): Route(ALL(200)),
        ("GET", f"{API}/products/categories"): Route(ALL(200)),
        ("POST", f"{API}/products"): Route(NEEDS(201, "product.manage"),
                                           lambda ctx, w, who: Call(json={"name": _uniq("产品"), "price": "9.90"})),
        ("GET", f"{API}/products/{{product_id}}"): Route(ALL(200), by_id("product_id", prod)),
        ("PATCH", f"{API}/products/{{product_id}}"): Route(NEEDS(200, "product.manage"),
                                                           by_id("product_id", prod, {"unit": "件"}),
                                                           perm_first=("product.manage",)),
        # orders
        ("GET", f"{API}/orders"): Route(NEEDS(200, *order_view)),
        ("GET", f"{C}/orders"): customer_route(_cid(), _ok(200), perm_first=order_view),
        ("POST", f"{C}/orders"): customer_route(new_order, deal(201, "order.manage"), perm_first=("order.manage",)),
        ("GET", f"{API}/orders/{{order_id}}"): customer_route(rec("order_id", order), _ok(200), perm_first=order_view),
        ("PATCH", f"{API}/orders/{{order_id}}"): customer_route(rec("order_id", order, {"remark": "改"}),
                                                                _work(200), perm_first=("order.manage",)),
        ("POST", f"{API}/orders/{{order_id}}/confirm"): customer_route(rec("order_id", order), _work(200),
                                                                       perm_first=("order.manage",)),
        ("POST", f"{API}/orders/{{order_id}}/complete"): customer_route(
            rec("order_id", lambda w, cid: order(w, cid, "confirmed")), deal(200, "order.manage"),
            perm_first=("order.manage",)),
        ("POST", f"{API}/orders/{{order_id}}/cancel"): customer_route(rec("order_id", order, {"reason": "取消"}),
                                                                      _work(200), perm_first=("order.manage",)),
        # contracts, plans, payments
        ("GET", f"{API}/contracts"): Route(NEEDS(200, *contract_view)),
        ("GET", f"{C}/contracts"): customer_route(_cid(), _ok(200), perm_first=contract_view),
        ("POST", f"{C}/contracts"): customer_route(_cid({"name": "新合同", "amount": "100"}),
                                                   deal(201, "contract.manage"), perm_first=("contract.manage",)),
        ("GET", f"{API}/contracts/{{contract_id}}"): customer_route(rec("contract_id", contract), _ok(200),
                                                                    perm_first=contract_view),
        ("PATCH", f"{API}/contracts/{{contract_id}}"): customer_route(rec("contract_id", contract, {"remark": "改"}),
                                                                      _work(200), perm_first=("contract.manage",)),
        ("POST", f"{API}/contracts/{{contract_id}}/sign"): customer_route(
            rec("contract_id", contract), deal(200, "contract.manage"), perm_first=("contract.manage",)),
        ("POST", f"{API}/contracts/{{contract_id}}/complete"): customer_route(
            rec("contract_id", lambda w, cid: contract(w, cid, "signed")), _work(200),
            perm_first=("contract.manage",)),
        ("POST", f"{API}/contracts/{{contract_id}}/terminate"): customer_route(
            rec("contract_id", contract, {"reason": "终止"}), _work(200), perm_first=("contract.manage",)),
        ("POST", f"{API}/contracts/{{contract_id}}/payment-plans"): customer_route(
            rec("contract_id", contract, {"due_date": "2030-01-31", "amount": "10"}), _work(201),
            perm_first=("contract.manage",)),
        ("DELETE", f"{API}/payment-plans/{{plan_id}}"): customer_route(rec("plan_id", plan), _work(204),
                                                                       perm_first=("contract.manage",)),
        ("POST", f"{API}/contracts/{{contract_id}}/payments"): customer_route(
            rec("contract_id", lambda w, cid: contract(w, cid, "signed"), {"amount": "10", "method": "bank"}),
            _work(201), perm_first=("contract.manage",)),
        ("DELETE", f"{API}/payments/{{payment_id}}"): customer_route(rec("payment_id", payment), _work(204),
                                                                     perm_first=("contract.manage",)),
        ("GET", f"{API}/payments"): Route(NEEDS(200, *contract_view)),
        ("GET", f"{C}/payments"): customer_route(_cid(), _ok(200), perm_first=contract_view),
        # invoices
        ("GET", f"{API}/invoices"): Route(NEEDS(200, *contract_view)),
        ("GET", f"{C}/invoices"): customer_route(_cid(), _ok(200), perm_first=contract_view),
        ("POST", f"{C}/invoices"): customer_route(_cid({"amount": "10", "type": "normal"}), _work(201),
                                                  perm_first=("contract.manage",)),
        ("GET", f"{API}/invoices/{{invoice_id}}"): customer_route(rec("invoice_id", invoice), _ok(200),
                                                                  perm_first=contract_view),
        ("POST", f"{API}/invoices/{{invoice_id}}/issue"): customer_route(
            rec("invoice_id", invoice, {"invoice_no": "No.1"}), _work(200), perm_first=("contract.manage",)),
        ("POST", f"{API}/invoices/{{invoice_id}}/void"): customer_route(rec("invoice_id", invoice), _work(200),
                                                                        perm_first=("contract.manage",)),
        ("GET", f"{C}/sales-summary"): customer_route(_cid(), _ok(200)),
    }


# ----------------------------------------------------------------------------- imports and exports (IMP-1…7)
def _io_rows() -> dict[tuple[str, str], Route]:
    from huike.dataio.models import ExportJob, ImportJob
    from huike.dataio.service import exports as io_exports
    from huike.dataio.service import imports as io_imports

    imp, exp = "customer.import", "customer.export"

    def import_job(ctx: Ctx, w: World, who: str, done: bool = False) -> int:
        """An uploaded import of the caller's own (another employee's answers 404 unless admin)."""
        with w.db.transaction(w.tenant_id) as s:
            job = ImportJob(created_by_id=w.staff[who or "admin"], filename="名单.csv", format="csv",
                            encoding="utf-8-sig", size=20, status="done" if done else "uploaded",
                            headers=["手机号"], mapping={"手机号": "phones"}, owner_ids=[], rows_estimate=1,
                            has_error_report=done, failed=1 if done else 0)
            s.add(job)
            s.flush()
            settings = ctx.client.app.state.settings
            io_imports.source_path(settings, job).write_bytes(f"手机号\n{unique_mobile()}\n".encode("utf-8-sig"))
            if done:
                io_imports.report_path(settings, job).write_bytes("手机号,错误原因\n1,x\n".encode("utf-8-sig"))
            return job.id

    def export_job(ctx: Ctx, w: World, who: str) -> int:
        with w.db.transaction(w.tenant_id) as s:
            job = ExportJob(created_by_id=w.staff[who or "admin"], pool="all", columns=["name"], format="csv",
                            status="done", rows=0, processed=0, filename="客户导出.csv")
            s.add(job)
            s.flush()
            io_exports.file_path(ctx.client.app.state.settings, job).write_bytes("客户名称\n".encode("utf-8-sig"))
            return job.id

    start_body = {"mapping": {"手机号": "phones"}, "pool": "public", "on_duplicate": "skip"}
    return {
        ("GET", f"{API}/settings/io"): Route(ALL(200)),
        ("PATCH", f"{API}/settings/io"): Route(NEEDS(200, "settings.manage"),
                                               lambda ctx, w, who: Call(json={"source_required": False})),
        ("GET", f"{API}/imports/template"): Route(NEEDS(200, imp)),
        ("GET", f"{API}/imports/fields"): Route(NEEDS(200, imp)),
        # a JSON body instead of a multipart file: past the permission, 422 file_empty
        ("POST", f"{API}/imports"): Route(NEEDS(422, imp), lambda ctx, w, who: Call(json={"file": "x"})),
        ("GET", f"{API}/imports"): Route(NEEDS(200, imp)),
        ("GET", f"{API}/imports/{{job_id}}"): Route(
            NEEDS(200, imp), lambda ctx, w, who: Call({"job_id": import_job(ctx, w, who)}), perm_first=(imp,)),
        ("POST", f"{API}/imports/{{job_id}}/start"): Route(
            NEEDS(202, imp), lambda ctx, w, who: Call({"job_id": import_job(ctx, w, who)}, json=start_body),
            perm_first=(imp,)),
        ("GET", f"{API}/imports/{{job_id}}/errors"): Route(
            NEEDS(200, imp), lambda ctx, w, who: Call({"job_id": import_job(ctx, w, who, done=True)}),
            perm_first=(imp,)),
        ("POST", f"{API}/exports"): Route(NEEDS(202, exp), lambda ctx, w, who: Call(json={"pool": "all",
                                                                                      "format": "csv"})),
        ("GET", f"{API}/exports"): Route(NEEDS(200, exp)),
        ("GET", f"{API}/exports/{{job_id}}"): Route(
            NEEDS(200, exp), lambda ctx, w, who: Call({"job_id": export_job(ctx, w, who)}), perm_first=(exp,)),
        ("GET", f"{API}/exports/{{job_id}}/file"): Route(
            NEEDS(200, exp), lambda ctx, w, who: Call({"job_id": export_job(ctx, w, who)}), perm_first=(exp,)),
    }


ROUTES: dict[tuple[str, str], Route] = {
    # ---- auth, me, org
    ("POST", f"{API}/auth/login"): Route(ALL(200), _login, anonymous=200),
    ("POST", f"{API}/auth/logout"): Route(ALL(204), lambda ctx, w, who: Call(token=ctx.token(w, who) if who else None)),
    ("GET", f"{API}/me"): Route(ALL(200)),
    ("GET", f"{API}/permissions"): Route(ALL(200)),
    ("GET", f"{API}/org/units"): Route(ALL(200)),
    ("POST", f"{API}/org/units"): Route(NEEDS(201, "org.manage"), lambda ctx, w, who: Call(json={
        "parent_id": w.units["east"], "kind": "department", "name": f"新部门{uuid.uuid4().hex[:6]}"})),
    ("PATCH", f"{API}/org/units/{{unit_id}}"): Route(NEEDS(200, "org.manage"),
                                                     by_id("unit_id", Ctx.unit, _name)),
    ("GET", f"{API}/employees"): Route(ALL(200)),
    ("POST", f"{API}/employees"): Route(NEEDS(201, "employee.manage"), lambda ctx, w, who: Call(json={
        "username": f"u{uuid.uuid4().hex[:8]}", "name": "新员工", "password": PASSWORD,
        "department_id": w.units["east2"], "role_id": w.roles["sales"]})),
    ("GET", f"{API}/employees/{{employee_id}}"): Route(ALL(200), by_id("employee_id",
                                                                     lambda ctx, w: w.staff["sales_east1b"])),
    ("PATCH", f"{API}/employees/{{employee_id}}"): Route(NEEDS(200, "employee.manage"),
                                                         by_id("employee_id", Ctx.employee, _name)),
    ("POST", f"{API}/employees/{{employee_id}}/handover"): Route(
        NEEDS(200, "employee.manage", "customer.transfer"), _handover,
        perm_first=("employee.manage", "customer.transfer")),
    ("GET", f"{API}/roles"): Route(ANY_OF(200, "role.manage", "employee.manage")),
    ("POST", f"{API}/roles"): Route(NEEDS(201, "role.manage"), lambda ctx, w, who: Call(json={
        "code": f"r_{uuid.uuid4().hex[:8]}", "name": "新角色", "data_scope": "self", "kind": "sales",
        "permissions": ["customer.view"]})),
    ("PATCH", f"{API}/roles/{{role_id}}"): Route(NEEDS(200, "role.manage"), by_id("role_id", Ctx.role, _name)),
    ("DELETE", f"{API}/roles/{{role_id}}"): Route(NEEDS(204, "role.manage"), by_id("role_id", Ctx.role)),
    ("GET", f"{API}/audit"): Route(NEEDS(200, "audit.view")),
    # ---- customers
    ("GET", f"{API}/customers"): Route(NEEDS(200, "customer.view")),
    ("POST", f"{API}/customers"): Route(NEEDS(201, "customer.create"), lambda ctx, w, who: Call(json={
        "name": f"新客户{uuid.uuid4().hex[:6]}", "phones": [unique_mobile()], "pool": "public"})),
    ("GET", f"{API}/customers/{{customer_id}}"): customer_route(_cid(), lambda who, p: 200),
    ("PATCH", f"{API}/customers/{{customer_id}}"): customer_route(_patch_customer, _patch),
    ("DELETE", f"{API}/customers/{{customer_id}}"): customer_route(_cid(), _delete),
    ("GET", f"{API}/customers/recycle-soon"): Route(NEEDS(200, "customer.view")),
    ("GET", f"{API}/customers/{{customer_id}}/events"): customer_route(_cid(), lambda who, p: 200),
    ("POST", f"{API}/customers/{{customer_id}}/claim"): customer_route(
        _cid(), _claim, perm_first=("customer.claim",), subject=EAST1_PUBLIC),
    ("POST", f"{API}/customers/{{customer_id}}/collaborators"): customer_route(
        _cid({"add": [], "remove": []}), _collaborators),
    ("PUT", f"{API}/customers/{{customer_id}}/focus"): customer_route(_cid({"color": "blue"}), lambda who, p: 204),
    ("DELETE", f"{API}/customers/{{customer_id}}/focus"): customer_route(_cid(), lambda who, p: 204),
    ("PUT", f"{API}/customers/{{customer_id}}/wecom-friends"): customer_route(_cid({"employee_ids": []}), _wecom),
    ("POST", f"{API}/customers/merge"): Route(NEEDS(200, "customer.edit"), _merge, foreign=_merge),
    # ---- bulk moves (ids in the body, per-id outcomes)
    ("POST", f"{API}/customers/bulk/tag"): bulk_route("customer.edit", _tag, tags=["批量"], mode="add"),
    ("POST", f"{API}/customers/bulk/delete"): bulk_route("customer.delete", _bulk_delete),
    ("POST", f"{API}/customers/bulk/mark-valid"): bulk_route("pool.potential", _mark_valid),
    ("POST", f"{API}/customers/bulk/assign"): bulk_status(
        NEEDS(200, "customer.assign"), "east1_to_assign", assignee_ids=lambda w: [w.staff["sales_east1b"]]),
    ("POST", f"{API}/customers/bulk/transfer"): bulk_status(
        NEEDS(200, "customer.transfer"), "own_following", owner_id=_staff("sales_east1b")),
    ("POST", f"{API}/customers/bulk/recycle"): bulk_status(NEEDS(200, "customer.recycle"), "own_following",
                                                           reason="测试"),
    ("POST", f"{API}/customers/bulk/restore"): bulk_status(NEEDS(200, "pool.recycle_bin"), "own_recycled"),
    ("POST", f"{API}/customers/bulk/purge"): bulk_status(
        NEEDS(200, "pool.recycle_bin", "customer.delete"), "own_recycled"),
    **{("POST", f"{API}/customers/bulk/{action}"): bulk_status(NEEDS(200, perm), "own_following", reason="测试")
       for action, perm in (("deactivate", "customer.edit"), ("reactivate", "customer.edit"),
                            ("blacklist", "customer.edit"), ("unblacklist", "customer.edit"),
                            ("lock", "customer.recycle"), ("unlock", "customer.recycle"))},
    # ---- pool settings, notifications
    **_settings_rows(),
    **_work_rows(),
    **_dictionary_rows(),
    **_find_rows(),
    **_io_rows(),
    **_pool_rows(),
    **_stats_rows(),
    **_grading_rows(),
    **_sales_rows(),
    ("POST", f"{API}/pool/recycle-rules/run"): Route(NEEDS(200, "settings.manage")),
    ("GET", f"{API}/notifications"): Route(ALL(200)),
    ("POST", f"{API}/notifications/read"): Route(ALL(204), lambda ctx, w, who: Call(json={"ids": [MISSING_ID]})),
    ("POST", f"{API}/notifications/read-all"): Route(ALL(204)),
}

# The cases below cover the routes with a row; a route without one fails the first test (and still
# gets the generic sweep at the end: anonymous 401, missing and odd ids never 5xx).
ALL_KEYS = sorted(APP_ROUTES & set(ROUTES))
ID_KEYS = [k for k in ALL_KEYS if path_params(k[1]) and ROUTES[k].record_params]
CUSTOMER_KEYS = [k for k in ALL_KEYS if ROUTES[k].on_customer is not None]
BODY_ID_KEYS = [k for k in ALL_KEYS if ROUTES[k].foreign is not None]

# Scope cases: every staff member × every placement for the customer record routes themselves; for
# the other customer routes (the same `customer_scope` underneath) a sample that still crosses every
# boundary: own/peer/sub-department/other center, unverified, public, recycle bin.
CORE_KEYS = {("GET", f"{API}/customers/{{customer_id}}"), ("PATCH", f"{API}/customers/{{customer_id}}"),
             ("DELETE", f"{API}/customers/{{customer_id}}")}
SAMPLE_STAFF = [*ROLE_ACTOR.values(), "manager_south1"]
SAMPLE_PLACEMENTS = ["own_following", "peer_following", "assisted_following", "sub_following", "south_following",
                     "east1_potential", "south_public", "own_recycled", "own_won"]
SCOPE_CASES = [(key, who, placement) for key in CUSTOMER_KEYS
               for who in (STAFF if key in CORE_KEYS else SAMPLE_STAFF)
               for placement in (PLACEMENTS if key in CORE_KEYS else SAMPLE_PLACEMENTS)]


def key_id(key: tuple[str, str]) -> str:
    return f"{key[0]} {key[1].removeprefix(API)}"


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def ctx(app: FastAPI, db: Any) -> Iterator[Ctx]:
    a, b = build_world(db), build_world(db)
    # Its own client address: the login throttle counts failures per address.
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False,
                    client=(fresh_ip(), 50000)) as client:
        yield Ctx(client, a, b)


@dataclass
class Placed:
    marker: str
    ids: dict[str, int]


@pytest.fixture(scope="module")
def placed(ctx: Ctx) -> Placed:
    """One customer per placement in tenant A for the read-only cases, named with a searchable marker."""
    marker = f"范围{uuid.uuid4().hex[:8]}"
    return Placed(marker, {key: ctx.customer(ctx.a, p, name=f"{marker}{key}") for key, p in PLACEMENTS.items()})


# ----------------------------------------------------------------------------- the tests
def test_every_api_route_is_in_the_matrix(app: FastAPI) -> None:
    """A route added to the app without a row in ROUTES fails here."""
    missing = sorted(APP_ROUTES - set(ROUTES))
    stale = sorted(set(ROUTES) - APP_ROUTES)
    assert not missing, f"{len(missing)} routes without an authorization row in ROUTES:\n" + \
        "\n".join(f"  {m} {p}" for m, p in missing)
    assert not stale, "ROUTES rows the app does not serve: " + ", ".join(f"{m} {p}" for m, p in stale)
    assert api_routes(app) == APP_ROUTES
    assert len(APP_ROUTES) >= 20, "route discovery found too few routes: is the FastAPI route tree walked?"


@pytest.mark.parametrize("key", ALL_KEYS, ids=key_id)
def test_anonymous(ctx: Ctx, key: tuple[str, str]) -> None:
    route = ROUTES[key]
    call = route.make(ctx, ctx.a, "")
    call.token = None
    r = ctx.send(key[0], key[1], call, headers=None)
    assert r.status_code == route.anonymous, r.text
    if route.anonymous == 401:
        assert r.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", ALL_KEYS, ids=key_id)
def test_role(ctx: Ctx, key: tuple[str, str], role: str) -> None:
    route = ROUTES[key]
    who = ROLE_ACTOR[role]
    r = ctx.send(key[0], key[1], route.make(ctx, ctx.a, who), headers=ctx.a.headers(who))
    assert observe(route, r) == route.expected(role), r.text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", ID_KEYS, ids=key_id)
def test_record_of_other_tenant(ctx: Ctx, key: tuple[str, str], role: str) -> None:
    """Tenant A's staff addressing tenant B's records get what an id that never existed gets: 404."""
    route = ROUTES[key]
    who = ROLE_ACTOR[role]
    foreign = route.make(ctx, ctx.b, who)
    r = ctx.send(key[0], key[1], foreign, headers=ctx.a.headers(who))
    expected = 403 if lacks(who, route.perm_first) else 404
    assert r.status_code == expected, r.text
    assert r.json()["code"] == ("forbidden" if expected == 403 else "not_found")
    missing = Call({k: MISSING_ID for k in foreign.params}, json=foreign.json, query=foreign.query)
    r2 = ctx.send(key[0], key[1], missing, headers=ctx.a.headers(who))
    assert (r2.status_code, r2.json()["code"]) == (r.status_code, r.json()["code"])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", BODY_ID_KEYS, ids=key_id)
def test_body_ids_of_other_tenant(ctx: Ctx, key: tuple[str, str], role: str) -> None:
    """Routes taking customer ids in the body: B's ids are not found (bulk: per-id `not_found`)."""
    route = ROUTES[key]
    assert route.foreign is not None
    who = ROLE_ACTOR[role]
    r = ctx.send(key[0], key[1], route.foreign(ctx, ctx.b, who), headers=ctx.a.headers(who))
    if route.expected(role) == 403:
        assert r.status_code == 403, r.text
    elif route.bulk:
        assert r.status_code == 200, r.text
        assert all(not x["ok"] and x["code"] == "not_found" for x in r.json()["results"]), r.text
    else:
        assert (r.status_code, r.json()["code"]) == (404, "not_found"), r.text


@pytest.mark.parametrize(("key", "who", "placement"), SCOPE_CASES,
                         ids=[f"{key_id(k)}-{w}-{p}" for k, w, p in SCOPE_CASES])
def test_customer_scope(ctx: Ctx, placed: Placed, key: tuple[str, str], who: str, placement: str) -> None:
    route = ROUTES[key]
    assert route.on_customer is not None and route.in_scope is not None
    p = PLACEMENTS[placement]
    # Writes get a customer of their own, except where nothing may change (hidden from the caller).
    fresh = key[0] != "GET" and visible(who, p)
    cid = ctx.customer(ctx.a, p) if fresh else placed.ids[placement]
    r = ctx.send(key[0], key[1], route.on_customer(ctx, ctx.a, who, cid), headers=ctx.a.headers(who))
    if lacks(who, route.perm_first):
        expected: int | str = 403
    elif not visible(who, p):
        expected = "not_found" if route.bulk else 404
    else:
        expected = route.in_scope(who, p)
    assert observe(route, r) == expected, f"{who} on {placement}: {r.text}"
    if expected == 404:
        assert r.json()["code"] == "not_found"


POOLS = ["all", "potential", "to_assign", "following", "public", "mine", "assisting", "won", "focus", "recycle_bin"]


def in_pool(who: str, p: Placement, pool: str) -> bool:
    match pool:
        case "all":
            return p.pool != "recycle_bin"
        case "mine":
            return p.owner == who and p.pool in ("following", "won")
        case "assisting":
            return who in p.collaborators and p.pool != "recycle_bin"
        case "focus":
            return False  # nobody stars the read-only placements
        case _:
            return p.pool == pool


def pool_status(who: str, pool: str) -> int:
    perms = perms_of(who)
    if pool == "potential" and "pool.potential" not in perms:
        return 403
    if pool == "to_assign" and (is_sales(who) or "pool.to_assign" not in perms):
        return 403
    if pool == "recycle_bin" and "pool.recycle_bin" not in perms:
        return 403
    return 200


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("who", list(STAFF))
def test_pool_lists_follow_scope(ctx: Ctx, placed: Placed, who: str, pool: str) -> None:
    """Lists honour the same scope as details: exactly the visible placements of that pool."""
    r = ctx.send("GET", f"{API}/customers", Call(query={"pool": pool, "q": placed.marker, "limit": 200, "total": "exact"}),
                 headers=ctx.a.headers(who))
    expected = pool_status(who, pool)
    assert r.status_code == expected, r.text
    if expected != 200:
        assert r.json()["code"] == "pool_forbidden"
        return
    got = {c["id"] for c in r.json()["items"]}
    want = {placed.ids[k] for k, p in PLACEMENTS.items() if visible(who, p) and in_pool(who, p, pool)}
    names = {v: k for k, v in placed.ids.items()}
    assert got == want, (f"{who} pool={pool}: unexpected {sorted(names.get(i, i) for i in got - want)}, "
                         f"missing {sorted(names[i] for i in want - got)}")
    assert r.json()["total"] == len(want)


@pytest.mark.parametrize("pool", ["potential", "to_assign", "following", "public"])
@pytest.mark.parametrize("role", ROLES)
def test_create_into_pool(ctx: Ctx, role: str, pool: str) -> None:
    who = ROLE_ACTOR[role]
    body: dict[str, Any] = {"name": f"建{uuid.uuid4().hex[:6]}", "phones": [unique_mobile()], "pool": pool}
    if pool == "following" and not is_sales(who):
        body["owner_id"] = ctx.a.staff[who]
    r = ctx.send("POST", f"{API}/customers", Call(json=body), headers=ctx.a.headers(who))
    forbidden = (is_sales(who) and pool not in ("following", "public")) or \
        (pool in ("potential", "to_assign") and f"pool.{pool}" not in perms_of(who))
    assert r.status_code == (403 if forbidden else 201), r.text
    if not forbidden:
        assert r.json()["pool"] == pool


SWEEP_KEYS = sorted(APP_ROUTES)


@pytest.mark.parametrize("key", SWEEP_KEYS, ids=key_id)
def test_generic_sweep(ctx: Ctx, key: tuple[str, str]) -> None:
    """Every route of the app, with or without a row: anonymous → 401 (login aside); an admin naming
    ids that cannot exist (missing, 0, 2**63, not a number) gets 404 or 422, never 5xx; every answer
    ≥ 400 is a problem document (checked in `Ctx.send`)."""
    method, path = key
    route = ROUTES.get(key)
    base = route.make(ctx, ctx.a, "admin") if route else Call(json={})
    base.token = None
    params = path_params(path)
    if key != ("POST", f"{API}/auth/login"):
        r = ctx.send(method, path, Call({p: MISSING_ID for p in params}, json=base.json, query=base.query), None)
        assert (r.status_code, r.json()["code"]) == (401, "unauthenticated"), r.text
    # (a missing id on routes with a row is already covered by test_record_of_other_tenant)
    for value in ([2**63, "abc", 0] + ([] if route else [MISSING_ID]) if params else []):
        call = Call({p: value for p in params}, json=base.json, query=base.query)
        r = ctx.send(method, path, call, headers=ctx.a.headers("admin"))
        assert r.status_code in (404, 422), f"{method} {path} with id {value}: {r.text[:300]}"


def test_numbers_beyond_the_database_range(ctx: Ctx) -> None:
    """Ids beyond 64 bits in a body, a query or a cursor are bad input (422), not a server error."""
    from huike.kit.pagination import encode_cursor

    huge = 2**63
    calls = [
        ("POST", f"{API}/customers", Call(json={"name": "x", "phones": [unique_mobile()], "owner_id": huge})),
        ("GET", f"{API}/customers", Call(query={"cursor": encode_cursor(huge)})),
        ("GET", f"{API}/employees", Call(query={"department_id": huge})),
        ("GET", f"{API}/audit", Call(query={"actor_id": huge})),
        ("POST", f"{API}/employees", Call(json={"username": f"u{uuid.uuid4().hex[:8]}", "name": "x",
                                                "password": PASSWORD, "department_id": huge, "role_id": huge})),
        ("POST", f"{API}/customers/bulk/tag", Call(json={"ids": [huge], "tags": ["x"]})),
    ]
    for method, path, call in calls:
        if (method, path) in APP_ROUTES:
            r = ctx.send(method, path, call, headers=ctx.a.headers("admin"))
            assert r.status_code in (200, 404, 422), f"{method} {path}: {r.text[:300]}"


def test_task_and_saved_filter_ids_of_others(ctx: Ctx) -> None:
    """POST /tasks takes customer and handler ids in the body: B's customers are skipped as
    `not_found` (like an id that never existed), B's employees are no handlers. A saved filter is its
    owner's: another employee of the same tenant gets 404 for it, as for B's."""
    a, b = ctx.a, ctx.b
    mine, theirs = ctx.customer(a), ctx.customer(b)
    body = {"type": "call", "title": "跨租户", "handler_ids": [a.staff["sales_east1"]]}
    r = ctx.send("POST", f"{API}/tasks", Call(json={**body, "customer_ids": [mine, theirs, MISSING_ID]}),
                 headers=a.headers("admin"))
    assert r.status_code == 201, r.text
    assert sorted((x["id"], x["reason"]) for x in r.json()["skipped"]) == sorted(
        [(theirs, "not_found"), (MISSING_ID, "not_found")])
    for ids in ([theirs], [MISSING_ID]):
        r = ctx.send("POST", f"{API}/tasks", Call(json={**body, "customer_ids": ids}), headers=a.headers("admin"))
        assert (r.status_code, r.json()["code"]) == (422, "no_customers_left"), r.text
    for handler in (b.staff["sales_east1"], MISSING_ID):
        r = ctx.send("POST", f"{API}/tasks", Call(json={**body, "handler_ids": [handler], "customer_ids": [mine]}),
                     headers=a.headers("admin"))
        assert (r.status_code, r.json()["code"]) == (422, "invalid_assignee"), r.text
    sf = _saved_filter(ctx, a, "sales_east1")
    for method, call in (("PATCH", Call({"filter_id": sf}, json={"pinned": True})), ("DELETE", Call({"filter_id": sf}))):
        r = ctx.send(method, f"{API}/customers/saved-filters/{{filter_id}}", call, headers=a.headers("sales_east1b"))
        assert (r.status_code, r.json()["code"]) == (404, "not_found"), r.text
    r = ctx.send("POST", f"{API}/customers/search", Call(json={"saved_filter_id": sf}), headers=a.headers("admin"))
    assert (r.status_code, r.json()["code"]) == (404, "not_found"), r.text
