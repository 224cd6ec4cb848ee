"""Products and orders (SALES-6, POOL-8, POOL-16).

An order is draft → confirmed → completed, or draft/confirmed → cancelled, each move one guarded
UPDATE. Completing it makes the customer won (following → won), recomputes the customer's purchase
total and recency, and under "restrict manual won" wins the linked opportunity (sales.opportunities)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import customer_scope, require
from huike.authz.actor import Actor
from huike.customer.models import Customer
from huike.kit import clock
from huike.kit.errors import Conflict, Invalid, NotFound
from huike.kit.i18n import t
from huike.pool import events
from huike.sales import opportunities, settings
from huike.sales.common import (
    NO_RANGE,
    ZERO,
    DateRange,
    changed,
    employee_for,
    ensure_work,
    in_range,
    mark_won,
    money,
    names,
    newest_first,
    next_number,
    record_of,
    refresh_purchases,
    visible_customer,
    workable,
)
from huike.sales.models import Opportunity, Order, OrderLine, Product
from huike.sales.schemas import (
    LineIn,
    OrderCreate,
    OrderLineRead,
    OrderRead,
    OrderUpdate,
    ProductCreate,
    ProductRead,
    ProductUpdate,
)

STATUS_LABEL = {"draft": "order.draft", "confirmed": "order.confirmed", "completed": "order.completed",
                "cancelled": "order.cancelled"}


def _like(q: str) -> str:
    return "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# ------------------------------------------------------------------ products
PRODUCT_FIELDS = ("name", "code", "unit", "price", "category", "on_sale", "description")


def _pdict(p: Product) -> dict[str, Any]:
    return {k: getattr(p, k) for k in PRODUCT_FIELDS}


def _code_free(s: Session, code: str | None, except_id: int | None = None) -> None:
    if not code:
        return
    stmt = sa.select(Product.id).where(Product.code == code)
    if except_id is not None:
        stmt = stmt.where(Product.id != except_id)
    if s.scalar(stmt) is not None:
        raise Conflict("product_code_taken", code=code)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    for k in ("name", "code", "unit", "category"):
        if isinstance(data.get(k), str):
            data[k] = data[k].strip() or None
    if "name" in data and not data["name"]:
        raise Invalid("validation_error")
    if "price" in data:
        data["price"] = money(data["price"])
    return data


def create_product(s: Session, actor: Actor, body: ProductCreate) -> Product:
    require(actor, "product.manage")
    data = _clean(body.model_dump())
    _code_free(s, data["code"])
    now = clock.now()
    p = Product(**data, created_at=now, updated_at=now)
    s.add(p)
    s.flush()
    audit.record(s, "product.create", "product", p.id, actor=actor, after=_pdict(p))
    return p


def get_product(s: Session, product_id: int) -> Product:
    p = s.get(Product, product_id)
    if p is None:
        raise NotFound()
    return p


def update_product(s: Session, actor: Actor, product_id: int, body: ProductUpdate) -> Product:
    require(actor, "product.manage")
    p = get_product(s, product_id)
    data = _clean({k: v for k, v in body.model_dump(exclude_unset=True).items()
                   if v is not None or k in ("code", "unit", "category", "description")})
    if data.get("code"):
        _code_free(s, data["code"], p.id)
    before = _pdict(p)
    for k, v in data.items():
        setattr(p, k, v)
    b, a = audit.diff(before, _pdict(p))
    if a:
        p.updated_at = clock.now()
        s.flush()
        audit.record(s, "product.update", "product", p.id, actor=actor, before=b, after=a)
    return p


def list_products(s: Session, *, q: str | None = None, category: str | None = None, on_sale: bool | None = None,
                  cursor: str | None = None, limit: int = 50) -> tuple[list[Product], str | None]:
    stmt = sa.select(Product)
    if q and q.strip():
        pat = _like(q.strip())
        stmt = stmt.where(sa.or_(sa.func.lower(Product.name).like(pat, escape="\\"),
                                 sa.func.lower(Product.code).like(pat, escape="\\")))
    if category:
        stmt = stmt.where(Product.category == category)
    if on_sale is not None:
        stmt = stmt.where(Product.on_sale.is_(on_sale))
    return newest_first(s, stmt, Product.id, cursor, limit)


def categories(s: Session) -> list[str]:
    return [c for c in s.scalars(sa.select(Product.category).where(Product.category.is_not(None)).distinct()
                                 .order_by(Product.category)) if c]


def read_products(rows: list[Product]) -> list[ProductRead]:
    return [ProductRead(id=p.id, name=p.name, code=p.code, unit=p.unit, price=money(p.price), category=p.category,
                        on_sale=p.on_sale, description=p.description, created_at=p.created_at,
                        updated_at=p.updated_at) for p in rows]


# ------------------------------------------------------------------ orders
def _lines(s: Session, lines: list[LineIn], allowed_off_sale: set[int]) -> tuple[list[OrderLine], Decimal]:
    products = {p.id: p for p in s.scalars(sa.select(Product).where(Product.id.in_({x.product_id for x in lines})))}
    out: list[OrderLine] = []
    subtotal = ZERO
    for i, x in enumerate(lines):
        p = products.get(x.product_id)
        if p is None:
            raise Invalid("invalid_product", product_id=x.product_id)
        if not p.on_sale and p.id not in allowed_off_sale:
            raise Invalid("product_off_sale", name=p.name)
        qty = money(x.quantity)
        price = money(x.unit_price if x.unit_price is not None else p.price)
        amount = money(qty * price)
        subtotal += amount
        out.append(OrderLine(position=i, product_id=p.id, product_name=p.name, product_code=p.code, unit=p.unit,
                             quantity=qty, list_price=money(p.price), unit_price=price, amount=amount))
    if subtotal >= Decimal("1e14"):
        raise Invalid("validation_error")
    return out, subtotal


def _odict(o: Order, lines: list[OrderLine] | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"customer_id": o.customer_id, "opportunity_id": o.opportunity_id, "status": o.status, "deal_at": o.deal_at,
         "staff_id": o.staff_id, "subtotal": o.subtotal, "discount": o.discount, "total": o.total,
         "remark": o.remark}
    if lines is not None:
        d["lines"] = [{"product_id": x.product_id, "quantity": x.quantity, "unit_price": x.unit_price,
                       "amount": x.amount} for x in lines]
    return d


def _deal_at(value: datetime | None) -> datetime:
    now = clock.now()
    if value is None:
        return now
    if value.tzinfo is None:
        raise Invalid("validation_error")
    if value > now + timedelta(days=1):
        raise Invalid("followup_in_future")
    return value


def _opportunity(s: Session, customer_id: int, opportunity_id: int | None, *, required: bool) -> int | None:
    if opportunity_id is None:
        if required:
            raise Invalid("opportunity_required")
        return None
    return opportunities.linkable(s, customer_id, opportunity_id).id


def create(s: Session, actor: Actor, customer_id: int, body: OrderCreate) -> Order:
    c = workable(s, actor, customer_id, "order.manage", owned=True)
    opp_id = _opportunity(s, c.id, body.opportunity_id, required=not settings.restricted(s))
    staff = employee_for(s, actor, body.staff_id)
    lines, subtotal = _lines(s, body.lines, set())
    discount = money(body.discount)
    if discount > subtotal:
        raise Invalid("discount_too_large")
    now = clock.now()
    o = Order(number=next_number(s, "order"), customer_id=c.id, opportunity_id=opp_id, status="draft",
              deal_at=_deal_at(body.deal_at), staff_id=staff.id, department_id=staff.department_id,
              subtotal=subtotal, discount=discount, total=subtotal - discount, remark=body.remark,
              created_by_id=actor.employee_id, created_at=now, updated_at=now)
    s.add(o)
    s.flush()
    for x in lines:
        x.order_id = o.id
        s.add(x)
    s.flush()
    events.record(s, actor, [c.id], "order_created", {"order_id": o.id, "number": o.number, "total": str(o.total),
                                                      "opportunity_id": opp_id})
    audit.record(s, "order.create", "order", o.id, actor=actor, after={"number": o.number, **_odict(o, lines)})
    return o


def _get(s: Session, actor: Actor, order_id: int, perm: str) -> tuple[Order, Customer]:
    require(actor, perm)
    return record_of(s, actor, Order, order_id)


def get(s: Session, actor: Actor, order_id: int) -> Order:
    return _get(s, actor, order_id, "order.view")[0]


def _lines_of(s: Session, order_ids: list[int]) -> dict[int, list[OrderLine]]:
    out: dict[int, list[OrderLine]] = {i: [] for i in order_ids}
    if order_ids:
        for x in s.scalars(sa.select(OrderLine).where(OrderLine.order_id.in_(order_ids))
                           .order_by(OrderLine.order_id, OrderLine.position)):
            out[x.order_id].append(x)
    return out


def update(s: Session, actor: Actor, order_id: int, body: OrderUpdate) -> Order:
    o, c = _get(s, actor, order_id, "order.manage")
    ensure_work(actor, c)
    if o.status != "draft":
        raise Conflict("order_locked")
    data = body.model_dump(exclude_unset=True)
    old_lines = _lines_of(s, [o.id])[o.id]
    before = _odict(o, old_lines)
    if "opportunity_id" in data:
        o.opportunity_id = _opportunity(s, c.id, data["opportunity_id"], required=not settings.restricted(s))
    if data.get("staff_id") is not None:
        staff = employee_for(s, actor, data["staff_id"])
        o.staff_id, o.department_id = staff.id, staff.department_id
    if data.get("deal_at") is not None:
        o.deal_at = _deal_at(body.deal_at)
    if "remark" in data:
        o.remark = data["remark"]
    lines = old_lines
    subtotal = money(o.subtotal)
    if body.lines is not None:
        lines, subtotal = _lines(s, body.lines, {x.product_id for x in old_lines})
    discount = money(body.discount) if body.discount is not None else money(o.discount)
    if discount > subtotal:
        raise Invalid("discount_too_large")
    if body.lines is not None:
        for x in old_lines:
            s.delete(x)
        s.flush()
        for x in lines:
            x.order_id = o.id
            s.add(x)
    o.subtotal, o.discount, o.total = subtotal, discount, subtotal - discount
    # guarded: still a draft when we write
    now = clock.now()
    s.flush()
    if changed(s, sa.update(Order).where(Order.id == o.id, Order.status == "draft").values(updated_at=now)
               .execution_options(synchronize_session=False)) != 1:
        raise Conflict("order_locked")
    s.expire(o)
    after = _odict(o, lines)
    b, a = audit.diff(before, after)
    if a:
        events.record(s, actor, [c.id], "order_updated", {"order_id": o.id, "number": o.number,
                                                          "fields": sorted(a)})
        audit.record(s, "order.update", "order", o.id, actor=actor, before=b, after=a)
    return o


def _transition(s: Session, o: Order, frm: tuple[str, ...], to: str, **values: Any) -> None:
    now = clock.now()
    moved = changed(s, sa.update(Order).where(Order.id == o.id, Order.status.in_(frm))
                    .values(status=to, updated_at=now, **values)
                    .execution_options(synchronize_session=False))
    if moved != 1:
        s.expire(o)
        current = s.scalar(sa.select(Order.status).where(Order.id == o.id))
        if to == "completed" and current == "draft":
            raise Conflict("order_not_confirmed")
        if to == "cancelled" and current == "completed":
            raise Conflict("order_completed")
        raise Conflict("order_state", status=t(STATUS_LABEL.get(current or "", "order.draft")))
    s.expire(o)


def confirm(s: Session, actor: Actor, order_id: int) -> Order:
    o, c = _get(s, actor, order_id, "order.manage")
    ensure_work(actor, c)
    _transition(s, o, ("draft",), "confirmed", confirmed_at=clock.now())
    events.record(s, actor, [c.id], "order_confirmed", {"order_id": o.id, "number": o.number, "total": str(o.total)})
    audit.record(s, "order.confirm", "order", o.id, actor=actor, before={"status": "draft"},
                 after={"status": "confirmed"})
    return o


def complete(s: Session, actor: Actor, order_id: int) -> Order:
    """confirmed → completed; the customer is won (POOL-8) and its purchases are recomputed (POOL-16);
    restrict manual won: the linked opportunity becomes won with amount = Σ completed orders (SALES-3)."""
    o, c = _get(s, actor, order_id, "order.manage")
    ensure_work(actor, c, owned=True)
    _transition(s, o, ("confirmed",), "completed", completed_at=clock.now())
    total, last = refresh_purchases(s, c.id)
    events.record(s, actor, [c.id], "order_completed", {"order_id": o.id, "number": o.number, "total": str(o.total),
                                                        "total_purchase": str(total)})
    audit.record(s, "order.complete", "order", o.id, actor=actor, before={"status": "confirmed"},
                 after={"status": "completed", "customer_total_purchase": total, "customer_last_purchase_at": last})
    mark_won(s, actor, c.id, {"order_id": o.id, "number": o.number})
    if o.opportunity_id is not None:
        opportunities.order_completed(s, actor, o.opportunity_id, o.number)
    s.expire_all()
    return s.get_one(Order, order_id)


def cancel(s: Session, actor: Actor, order_id: int, reason: str | None) -> Order:
    o, c = _get(s, actor, order_id, "order.manage")
    ensure_work(actor, c)
    before = o.status
    _transition(s, o, ("draft", "confirmed"), "cancelled", cancelled_at=clock.now(),
                cancel_reason=(reason or "").strip()[:500] or None)
    events.record(s, actor, [c.id], "order_cancelled", {"order_id": o.id, "number": o.number, "reason": reason})
    audit.record(s, "order.cancel", "order", o.id, actor=actor, before={"status": before},
                 after={"status": "cancelled", "reason": reason})
    return o


def list_(s: Session, actor: Actor, *, status: str | None = None, customer_id: int | None = None,
          opportunity_id: int | None = None, staff_id: int | None = None, q: str | None = None,
          since: datetime | None = None, until: datetime | None = None, deal: DateRange = NO_RANGE,
          cursor: str | None = None, limit: int = 50) -> tuple[list[Order], str | None]:
    """`since` / `until`: deal_at in [since, until) as instants (the statistics drills); `deal`: deal_at
    on whole Asia/Shanghai days, inclusive (the list's date filter)."""
    require(actor, "order.view")
    if customer_id is not None:
        visible_customer(s, actor, customer_id)
    stmt = sa.select(Order).join(Customer, Customer.id == Order.customer_id).where(customer_scope(actor))
    if status:
        stmt = stmt.where(Order.status == status)
    if customer_id is not None:
        stmt = stmt.where(Order.customer_id == customer_id)
    if opportunity_id is not None:
        stmt = stmt.where(Order.opportunity_id == opportunity_id)
    if staff_id is not None:
        stmt = stmt.where(Order.staff_id == staff_id)
    if since is not None:
        stmt = stmt.where(Order.deal_at >= since)
    if until is not None:
        stmt = stmt.where(Order.deal_at < until)
    stmt = stmt.where(*in_range(Order.deal_at, deal))
    if q and q.strip():
        pat = _like(q.strip())
        stmt = stmt.where(sa.or_(sa.func.lower(Order.number).like(pat, escape="\\"),
                                 sa.func.lower(Customer.name).like(pat, escape="\\")))
    return newest_first(s, stmt, Order.id, cursor, limit)


def read_many(s: Session, rows: list[Order]) -> list[OrderRead]:
    lines = _lines_of(s, [o.id for o in rows])
    staff = names(s, {o.staff_id for o in rows})
    customers = names(s, {o.customer_id for o in rows}, Customer)
    opps = names(s, {o.opportunity_id for o in rows}, Opportunity)
    return [OrderRead(
        id=o.id, number=o.number, customer_id=o.customer_id, customer_name=customers.get(o.customer_id),
        opportunity_id=o.opportunity_id, opportunity_name=opps.get(o.opportunity_id) if o.opportunity_id else None,
        status=o.status, deal_at=o.deal_at, staff_id=o.staff_id, staff_name=staff.get(o.staff_id),  # type: ignore[arg-type]
        subtotal=money(o.subtotal), discount=money(o.discount), total=money(o.total), remark=o.remark,
        cancel_reason=o.cancel_reason, created_by_id=o.created_by_id, created_at=o.created_at, updated_at=o.updated_at,
        confirmed_at=o.confirmed_at, completed_at=o.completed_at, cancelled_at=o.cancelled_at,
        lines=[OrderLineRead(id=x.id, product_id=x.product_id, product_name=x.product_name,
                             product_code=x.product_code, unit=x.unit, quantity=money(x.quantity),
                             list_price=money(x.list_price), unit_price=money(x.unit_price), amount=money(x.amount))
               for x in lines[o.id]]) for o in rows]
