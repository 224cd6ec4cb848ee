"""Test worlds: a fresh tenant with a small org tree, one employee per default role, tokens."""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from huike.auth.models import AuthSession
from huike.auth.passwords import hash_password
from huike.customer.models import Customer, CustomerCollaborator, CustomerPhone
from huike.dictionary import service as dictionary
from huike.kit.db import Database, set_tenant
from huike.kit.models import utcnow
from huike.org.models import Employee, OrgUnit, Role
from huike.org.service import add_unit, create_tenant

PASSWORD = "Passw0rd!"

# key: (role code, department key)
STAFF = {
    "admin": ("admin", "office"),
    "director_east": ("center_director", "east1"),
    "manager_east1": ("dept_manager", "east1"),
    "operator_east1": ("operator", "east1"),
    "sales_east1": ("sales", "east1"),
    "sales_east1b": ("sales", "east1"),
    "sales_east1sub": ("sales", "east1sub"),
    "manager_south1": ("dept_manager", "south1"),
    "sales_south1": ("sales", "south1"),
}


@lru_cache
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class World:
    db: Database
    tenant_id: int
    code: str
    units: dict[str, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def customer(self, *, name: str | None = None, pool: str = "following", owner: str | None = None,
                 dept: str | None = None, phone: str | None = None, collaborators: tuple[str, ...] = (),
                 **extra: Any) -> int:
        """Insert a customer directly (bypassing the API) and return its id."""
        owner_id = self.staff[owner] if owner else None
        tags = extra.pop("tags", None)
        custom = extra.pop("custom_fields", None)
        with self.db.transaction(self.tenant_id) as s:
            if dept is None:
                dept_id = s.get_one(Employee, owner_id).department_id if owner_id else self.units["east1"]
            else:
                dept_id = self.units[dept]
            c = Customer(name=name or f"客户{uuid.uuid4().hex[:6]}", pool=pool, owner_id=owner_id,
                         department_id=dept_id, **extra)
            c.phones = [CustomerPhone(phone=phone or random_mobile())]
            s.add(c)
            s.flush()
            c.number = f"KH{c.id:08d}"
            for who in collaborators:
                s.add(CustomerCollaborator(customer_id=c.id, employee_id=self.staff[who]))
            if tags:
                dictionary.set_customer_tags(s, c.id, tags)  # names outside the dictionary land in 其他标签
            if custom:
                dictionary.write_custom_values(s, c.id, dictionary.check_custom_values(s, custom, creating=False))
            s.flush()
            return c.id


_mobiles = itertools.count(secrets.randbelow(10**6) * 100)


def random_mobile() -> str:
    """A mobile number unique within this test process (random numbers collided once thousands existed)."""
    n = (next(_mobiles) * 7919 + os.getpid()) % 10**8
    return "139" + f"{n:08d}"


def issue_token(db: Database, tenant_id: int, employee_id: int) -> str:
    token = f"hk_{tenant_id}_{secrets.token_urlsafe(24)}"
    with db.transaction(tenant_id) as s:
        s.add(AuthSession(employee_id=employee_id, token_hash=hashlib.sha256(token.encode()).hexdigest(),
                          csrf_token=secrets.token_urlsafe(16), expires_at=utcnow() + timedelta(hours=1)))
    return token


def build_world(db: Database) -> World:
    code = f"t{uuid.uuid4().hex[:10]}"
    with db.transaction() as s:
        tenant, admin = create_tenant(s, code, f"测试企业{code}", "admin", PASSWORD)
        w = World(db=db, tenant_id=tenant.id, code=code)
        company = s.scalar(sa.select(OrgUnit).where(OrgUnit.kind == "company"))
        office = s.scalar(sa.select(OrgUnit).where(OrgUnit.kind == "department"))
        assert company is not None and office is not None
        east = add_unit(s, company, "center", "华东中心")
        east1 = add_unit(s, east, "department", "华东一部")
        east1sub = add_unit(s, east1, "department", "华东一部一组")
        east2 = add_unit(s, east, "department", "华东二部")
        south = add_unit(s, company, "center", "华南中心")
        south1 = add_unit(s, south, "department", "华南一部")
        w.units = {"company": company.id, "office": office.id, "east": east.id, "east1": east1.id,
                   "east1sub": east1sub.id, "east2": east2.id, "south": south.id, "south1": south1.id}
        w.roles = {r.code: r.id for r in s.scalars(sa.select(Role))}
        w.staff["admin"] = admin.id
        for key, (role, unit) in STAFF.items():
            if key == "admin":
                continue
            e = Employee(username=key, name=key, password_hash=password_hash(), department_id=w.units[unit],
                         role_id=w.roles[role])
            s.add(e)
            s.flush()
            w.staff[key] = e.id
    for key, emp_id in w.staff.items():
        w.tokens[key] = issue_token(db, w.tenant_id, emp_id)
    return w


def tenant_session(db: Database, tenant_id: int):  # type: ignore[no-untyped-def]
    s = db.session()
    set_tenant(s, tenant_id)
    return s
