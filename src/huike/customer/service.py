"""Customer rules, first cut: create, read, update, delete and the pool lists.
Every read goes through `authz.customer_scope`; out-of-scope answers 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from huike.audit import service as audit
from huike.authz import customer_scope, require, units_in_scope
from huike.authz.actor import Actor
from huike.customer import phones as phone_rules
from huike.customer.models import Customer, CustomerCollaborator, CustomerFocus, CustomerPhone
from huike.customer.schemas import CustomerCreate, CustomerRead, CustomerUpdate
from huike.dictionary import service as dictionary
from huike.kit.errors import Conflict, Forbidden, Invalid, NotFound
from huike.kit.models import utcnow
from huike.org.models import Employee, OrgUnit
from huike.pool.moves import default_pool

AUDITED = ("name", "phones", "pool", "owner_id", "department_id", "company", "email", "source", "industry",
           "level", "stage", "region", "wechat", "external_id", "tags", "address", "remark", "custom_fields")
# Plain columns a create / update sets from the body (dictionary fields are checked first).
PLAIN = ("company", "email", "source", "industry", "level", "stage", "region", "wechat", "external_id", "address",
         "remark")


def scoped(actor: Actor) -> sa.Select[tuple[Customer]]:
    """The only way customer rows are selected for an actor."""
    return sa.select(Customer).where(customer_scope(actor))


def get_visible(s: Session, actor: Actor, customer_id: int) -> Customer:
    c = s.scalar(scoped(actor).where(Customer.id == customer_id))
    if c is None:
        raise NotFound()
    return c


def _normalize_phones(raw: list[str]) -> list[str]:
    out: list[str] = []
    errors = []
    for i, p in enumerate(raw):
        try:
            n = phone_rules.normalize(p)
        except phone_rules.InvalidPhone:
            errors.append({"field": f"phones.{i}", "code": "invalid_phone", "message": str(p)})
            continue
        if n not in out:
            out.append(n)
    if errors:
        raise Invalid("invalid_phone", errors=errors, phone=errors[0]["message"])
    if not out:
        raise Invalid("phone_required")
    return out


def _unmask(given: list[str], current: list[str]) -> list[str]:
    """A viewer without customer.phone_full edits the numbers he was shown masked: an entry equal to the
    mask of a current number stands for that number (kept as it is); any other masked entry is invalid."""
    by_mask: dict[str, list[str]] = {}
    for p in current:
        by_mask.setdefault(phone_rules.mask(p), []).append(p)
    out = []
    for i, g in enumerate(given):
        value = str(g).strip()
        if phone_rules.is_masked(value):
            same = by_mask.get(value)
            if not same:
                raise Invalid("invalid_phone", phone=value,
                              errors=[{"field": f"phones.{i}", "code": "invalid_phone", "message": value}])
            value = same.pop(0)
        out.append(value)
    return out


def _check_phones_free(s: Session, phones: list[str], customer_id: int | None = None) -> None:
    stmt = sa.select(CustomerPhone.phone).where(CustomerPhone.phone.in_(phones))
    if customer_id is not None:
        stmt = stmt.where(CustomerPhone.customer_id != customer_id)
    taken = s.scalar(stmt.limit(1))
    if taken:
        raise Conflict("duplicate_phone", phone=taken)


def _owner(s: Session, actor: Actor, owner_id: int) -> Employee:
    owner = s.get(Employee, owner_id)
    if owner is None or not owner.is_active:
        raise Invalid("invalid_owner")
    if owner.id != actor.employee_id:
        require(actor, "customer.assign")
        units = units_in_scope(actor)
        if units is not None and s.scalar(sa.select(sa.literal(1)).where(
                sa.literal(owner.department_id).in_(units))) is None:
            raise Invalid("invalid_owner")
    return owner


def snapshot(s: Session, c: Customer) -> dict[str, Any]:
    return {"name": c.name, "phones": [p.phone for p in c.phones], "pool": c.pool, "owner_id": c.owner_id,
            "department_id": c.department_id, "company": c.company, "email": c.email, "source": c.source,
            "industry": c.industry, "level": c.level, "stage": c.stage, "region": c.region, "wechat": c.wechat,
            "external_id": c.external_id, "tags": dictionary.tag_names_of(s, [c.id])[c.id] if c.id else [],
            "address": c.address, "remark": c.remark,
            "custom_fields": dictionary.custom_values_of(s, [c.id])[c.id] if c.id else {}}


def _region(value: str | None) -> str | None:
    if value is None:
        return None
    parts = [p.strip() for p in value.replace("／", "/").split("/")]
    return "/".join(p for p in parts if p) or None


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Strip text fields (empty → null) and normalise the region."""
    out = {k: (v.strip() or None) if isinstance(v, str) and k != "remark" else v for k, v in data.items()}
    if "region" in out:
        out["region"] = _region(out["region"])
    return out


def _flush(s: Session) -> None:
    try:
        s.flush()
    except IntegrityError as exc:
        if "phone" in str(exc.orig).lower():
            raise Conflict("duplicate_phone", phone="") from None
        raise
    except StaleDataError:
        raise Conflict("version_conflict") from None


def create(s: Session, actor: Actor, body: CustomerCreate) -> Customer:
    require(actor, "customer.create")
    phones = _normalize_phones(body.phones)
    pool = body.pool or ("following" if (actor.is_sales or body.owner_id) else "potential")
    owner_id = body.owner_id
    if pool == "following" and owner_id is None:
        if actor.is_sales:
            owner_id = actor.employee_id
        else:
            raise Invalid("owner_required")
    if pool != "following":
        owner_id = None
    if actor.is_sales and pool not in ("following", "public"):
        raise Forbidden("invalid_pool", pool=pool)
    if pool == "potential" and not actor.can("pool.potential"):
        raise Forbidden("invalid_pool", pool=pool)
    if pool == "to_assign" and not actor.can("pool.to_assign"):
        raise Forbidden("invalid_pool", pool=pool)
    owner = _owner(s, actor, owner_id) if owner_id is not None else None
    _check_phones_free(s, phones)
    data = _clean(body.model_dump(include=set(PLAIN), exclude_none=True))
    custom = dictionary.check_custom_values(s, body.custom_fields, creating=True)
    data.update(dictionary.resolve_values(s, data))
    tags = dictionary.resolve_tags(s, body.tags or [])
    now = utcnow()
    c = Customer(name=body.name.strip(), pool=pool, owner_id=owner.id if owner else None,
                 department_id=owner.department_id if owner else actor.department_id,
                 created_by_id=actor.employee_id, pool_entered_at=now, acquired_via="created",
                 claimed_at=now if owner else None,
                 public_pool_id=default_pool(s).id if pool == "public" else None,
                 level_source="manual" if data.get("level") else None, **data)
    c.phones = [CustomerPhone(phone=p, position=i) for i, p in enumerate(phones)]
    s.add(c)
    _flush(s)
    c.number = f"KH{c.id:08d}"
    _flush(s)
    if tags:
        dictionary.write_tags(s, {c.id: (set(), {x.id for x in tags})})
    dictionary.write_custom_values(s, c.id, custom)
    audit.record(s, "customer.create", "customer", c.id, actor=actor, after=snapshot(s, c))
    return c


def _may_edit(s: Session, actor: Actor, c: Customer) -> None:
    require(actor, "customer.edit")
    if actor.is_sales and c.owner_id != actor.employee_id and actor.employee_id not in {
            x.employee_id for x in c.collaborators}:
        # A sales role works only its own and assisted customers (public ones must be claimed first).
        raise Forbidden()


def update(s: Session, actor: Actor, customer_id: int, body: CustomerUpdate) -> Customer:
    c = get_visible(s, actor, customer_id)
    _may_edit(s, actor, c)
    if body.version != c.version:
        raise Conflict("version_conflict")
    before = snapshot(s, c)
    data = body.model_dump(exclude_unset=True, exclude={"version", "phones", "tags", "custom_fields"})
    if "name" in data and data["name"] is None:
        raise Invalid("validation_error", errors=[{"field": "name", "code": "missing", "message": "name"}])
    custom = dictionary.check_custom_values(s, body.custom_fields, creating=False,
                                            existing=before["custom_fields"]) \
        if "custom_fields" in body.model_fields_set else {}
    data = _clean(data)
    data.update(dictionary.resolve_values(s, data, current=before))
    if "level" in data and data["level"] != before["level"]:
        # POOL-16: a level set by hand is kept by automatic grading; cleared by hand, grading may set it again
        data["level_source"] = "manual" if data["level"] else None
    for key, value in data.items():
        setattr(c, key, value)
    if "tags" in body.model_fields_set:
        dictionary.set_customer_tags(s, c.id, body.tags or [])
    dictionary.write_custom_values(s, c.id, custom)
    if body.phones is not None:
        phones = _normalize_phones(_unmask(body.phones, [p.phone for p in c.phones]))
        if phones != [p.phone for p in c.phones]:
            _check_phones_free(s, phones, c.id)
            existing = {p.phone: p for p in c.phones}
            c.phones = [existing.get(p) or CustomerPhone(phone=p) for p in phones]
            _flush(s)  # delete removed numbers before positions are rewritten
            for i, p in enumerate(c.phones):
                p.position = i
    after = snapshot(s, c)
    b, a = audit.diff(before, after)
    if a:
        c.updated_at = utcnow()
        _flush(s)
        audit.record(s, "customer.update", "customer", c.id, actor=actor, before=b, after=a)
    return c


def delete(s: Session, actor: Actor, customer_id: int) -> None:
    """DELETE /customers/{id}: the bulk move for one id, its refusal raised as the error."""
    from huike.pool import moves

    get_visible(s, actor, customer_id)
    require(actor, "customer.delete")
    outcome = moves.delete(s, actor, [customer_id]).results[0]
    if not outcome.ok and outcome.code != "in_recycle_bin":
        raise Conflict(outcome.code or "state_changed")


def list_pool(s: Session, actor: Actor, pool: str, *, q: str | None = None, cursor: str | None = None,
              limit: int = 20, **options: Any) -> Any:
    """One page of a pool: quick search, filter, sort, keyset cursor, total (`find.service.list_customers`,
    whose ListResult it returns; options: flt, sort, total, saved_filter_id)."""
    from huike.find import service as find

    return find.list_customers(s, actor, pool, q=q, cursor=cursor, limit=limit, **options)


def customer_type(c: Customer) -> str:
    if c.pool == "won" or c.won_at is not None:
        return "won"
    return "assigned" if c.acquired_via == "assigned" and c.owner_id else "intent"


CUSTOMER_TYPES = ("intent", "assigned", "won")


def type_conditions() -> dict[str, sa.ColumnElement[bool]]:
    """POOL-17 customer types as SQL, exactly `customer_type()` (never NULL, so NOT works): won — a won
    customer; assigned — dealt to its owner by a manager; intent — the rest (own, claimed, unowned leads)."""
    won = sa.or_(Customer.pool == "won", Customer.won_at.is_not(None))
    dealt = sa.and_(sa.func.coalesce(Customer.acquired_via, "") == "assigned", Customer.owner_id.is_not(None))
    return {"intent": sa.and_(sa.not_(won), sa.not_(dealt)), "assigned": sa.and_(sa.not_(won), dealt), "won": won}


def type_counts(s: Session, actor: Actor, pool: str = "all", *, q: str | None = None, flt: Any = None
                ) -> dict[str, int]:
    """How many customers of each type a list holds (the list's scope, pool, search and filter): one
    GROUP BY over the list's own query, so the counts always add up to the list."""
    from huike.find import service as find
    from huike.find import text

    conds = type_conditions()
    kind = sa.case((conds["won"], "won"), (conds["assigned"], "assigned"), else_="intent").label("kind")
    rows = find.builder(s, actor, pool, flt, text.plan(q))(False)[0].with_only_columns(kind).order_by(None).subquery()
    counts = dict.fromkeys(CUSTOMER_TYPES, 0)
    counts.update({k: n for k, n in s.execute(sa.select(rows.c.kind, sa.func.count()).group_by(rows.c.kind))})
    return counts


_LOOKUPS: dict[str, Any] = {}


def _page_lookups(dialect: str) -> Any:
    """The UNION ALL of `read_many`, built once per dialect with bound id lists: a list page runs it on
    every request, and building and hashing seven SELECTs cost more than running them. PostgreSQL gets
    `= ANY(array)`, so the SQL text is the same whatever the page size (psycopg caches and prepares it)."""
    stmt = _LOOKUPS.get(dialect)
    if stmt is not None:
        return stmt
    from huike.dictionary.models import CustomerTag, Tag
    from huike.pool.models import WecomFriend

    text = sa.String
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        def among(col: Any, name: str) -> Any:
            return col == sa.func.any(sa.bindparam(name, type_=ARRAY(sa.BigInteger)))
    else:
        def among(col: Any, name: str) -> Any:
            return col.in_(sa.bindparam(name, expanding=True))

    def part(kind: str, a: Any, b: Any, c: Any) -> sa.Select[Any]:
        return sa.select(sa.literal(kind, text).label("k"), sa.cast(a, sa.BigInteger).label("a"),
                         sa.cast(b, sa.BigInteger).label("b"), sa.cast(c, text).label("c"))

    stmt = sa.union_all(
        part("p", CustomerPhone.customer_id, CustomerPhone.position, CustomerPhone.phone)
        .where(among(CustomerPhone.customer_id, "ids")),
        part("c", CustomerCollaborator.customer_id, CustomerCollaborator.employee_id, sa.null())
        .where(among(CustomerCollaborator.customer_id, "ids")),
        part("w", WecomFriend.customer_id, WecomFriend.employee_id, sa.null())
        .where(among(WecomFriend.customer_id, "ids")),
        part("t", CustomerTag.customer_id, Tag.id, Tag.name).join(Tag, Tag.id == CustomerTag.tag_id)
        .where(among(CustomerTag.customer_id, "ids")),
        part("f", CustomerFocus.customer_id, CustomerFocus.employee_id, CustomerFocus.color)
        .where(among(CustomerFocus.customer_id, "ids"), CustomerFocus.employee_id == sa.bindparam("me")),
        part("e", Employee.id, sa.null(), Employee.name).where(among(Employee.id, "emp_ids")),
        part("u", OrgUnit.id, sa.null(), OrgUnit.name).where(among(OrgUnit.id, "unit_ids")),
    )
    _LOOKUPS[dialect] = stmt
    return stmt


def read_many(s: Session, rows: list[Customer], actor: Actor | None = None) -> list[CustomerRead]:
    """Serialise a page with two batched look-ups whatever its size: one UNION ALL for phones,
    collaborators, WeCom friends, the viewer's stars, tags and owner / department names; one for the
    custom field values. Phones are masked for an `actor` without customer.phone_full."""
    ids = [c.id for c in rows]
    if not ids:
        return []
    emp_ids = sorted({c.owner_id for c in rows if c.owner_id})
    unit_ids = sorted({c.department_id for c in rows if c.department_id})
    names: dict[int, str] = {}
    units: dict[int, str] = {}
    phones: dict[int, list[tuple[int, str]]] = {}
    collabs: dict[int, list[int]] = {}
    friends: dict[int, list[int]] = {}
    focus: dict[int, str] = {}
    tags: dict[int, list[tuple[str, int]]] = {}
    params = {"ids": ids, "emp_ids": emp_ids or [0], "unit_ids": unit_ids or [0],
              "me": actor.employee_id if actor is not None else 0}
    for k, a, b, c in s.execute(_page_lookups(s.get_bind().dialect.name), params):
        match k:
            case "p":
                phones.setdefault(a, []).append((b, c))
            case "c":
                collabs.setdefault(a, []).append(b)
            case "w":
                friends.setdefault(a, []).append(b)
            case "f":
                focus[a] = c
            case "t":
                tags.setdefault(a, []).append((c, b))
            case "e":
                names[a] = c
            case "u":
                units[a] = c
    custom = dictionary.custom_values_of(s, ids)
    # Without customer.phone_full the numbers leave masked (138****8000); no actor = the system itself.
    full_phones = actor is None or actor.can("customer.phone_full")
    return [
        CustomerRead(
            id=c.id, number=c.number, name=c.name, phones=phone_rules.shown([p for _, p in sorted(phones.get(c.id, []))],
                                                                         full_phones),
            pool=c.pool, owner_id=c.owner_id, owner_name=names.get(c.owner_id) if c.owner_id else None,
            collaborator_ids=sorted(collabs.get(c.id, [])), department_id=c.department_id,
            department_name=units.get(c.department_id) if c.department_id else None, company=c.company,
            email=c.email, source=c.source, industry=c.industry, level=c.level, level_source=c.level_source,
            stage=c.stage, region=c.region, wechat=c.wechat, external_id=c.external_id,
            tags=sorted(n for n, _ in tags.get(c.id, [])),
            tag_ids=sorted(t for _, t in tags.get(c.id, [])), address=c.address, remark=c.remark, created_at=c.created_at,
            updated_at=c.updated_at, created_by_id=c.created_by_id, assigned_at=c.assigned_at,
            last_followup_at=c.last_followup_at, last_call_at=c.last_call_at, last_call_status=c.last_call_status,
            custom_fields=custom.get(c.id, {}), version=c.version, customer_type=customer_type(c),
            public_pool_id=c.public_pool_id, previous_owner_id=c.previous_owner_id, claimed_at=c.claimed_at,
            recycled_at=c.recycled_at, recycle_reason=c.recycle_reason, locked=c.locked, blacklisted=c.blacklisted,
            blacklist_reason=c.blacklist_reason, deactivated=c.deactivated, deactivate_reason=c.deactivate_reason,
            merged_into_id=c.merged_into_id, deleted_at=c.deleted_at, wecom_friend_ids=sorted(friends.get(c.id, [])),
            focus_color=focus.get(c.id), total_purchase=format(Decimal(c.total_purchase or 0).quantize(Decimal("0.01")), "f"),
            last_purchase_at=c.last_purchase_at)
        for c in rows
    ]


def add_collaborator(s: Session, customer: Customer, employee_id: int) -> None:
    s.add(CustomerCollaborator(customer_id=customer.id, employee_id=employee_id))
