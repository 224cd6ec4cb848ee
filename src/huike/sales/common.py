"""Shared pieces of the sales modules: money, running numbers, the customer a record belongs to,
who may act for whom, and the customer's deal facts (won pool, purchases: POOL-8, POOL-16)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import require, units_in_scope
from huike.authz.actor import Actor
from huike.customer.models import Customer
from huike.customer.service import get_visible
from huike.followup.access import ensure_can_work
from huike.kit import clock
from huike.kit.db import get_tenant
from huike.kit.errors import Conflict, Invalid, NotFound
from huike.kit.money import to_decimal
from huike.kit.pagination import decode_cursor, encode_cursor
from huike.org.models import Employee
from huike.pool import events
from huike.sales.models import Order, SalesCounter

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PREFIX = {"opportunity": "SJ", "order": "DD", "contract": "HT", "invoice": "FP"}
OWNED = ("following", "won")


def money(value: Any) -> Decimal:
    """A Decimal rounded half-up to the cent (None → 0.00)."""
    if value is None:
        return ZERO
    return to_decimal(value)


def changed(s: Session, stmt: Any) -> int:
    """Execute a guarded UPDATE / DELETE and return how many rows it changed."""
    return int(getattr(s.execute(stmt), "rowcount", 0) or 0)


def insert(s: Session, table: Any) -> Any:
    return (postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)


def next_number(s: Session, kind: str, taken: Any = None) -> str:
    """The tenant's next running number of `kind` (SJ000001 …): a guarded increment of its counter row.
    `taken(number) -> bool` skips numbers somebody typed by hand (contracts)."""
    s.execute(insert(s, SalesCounter).values(tenant_id=get_tenant(s), kind=kind, value=0)
              .on_conflict_do_nothing())
    while True:
        value = s.execute(sa.update(SalesCounter).where(SalesCounter.kind == kind)
                          .values(value=SalesCounter.value + 1).returning(SalesCounter.value)
                          .execution_options(synchronize_session=False)).scalar_one()
        number = f"{PREFIX[kind]}{value:06d}"
        if taken is None or not taken(number):
            return number


def newest_first(s: Session, stmt: Any, id_col: Any, cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """One keyset page of a list, newest (highest id) first; the next cursor is the page's last id."""
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(id_col < after)
    rows = list(s.scalars(stmt.order_by(id_col.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].id) if more else None)


# ------------------------------------------------------------------ date-range filters of the lists
DateRange = tuple[date | None, date | None]
"""`(from, to)` of a list's date filter: whole days in Asia/Shanghai, both ends inclusive, either open."""
NO_RANGE: DateRange = (None, None)


def day_start(d: date) -> datetime:
    """The first instant of a day in Asia/Shanghai (an aware datetime)."""
    return datetime.combine(d, time.min, tzinfo=clock.TZ).astimezone(UTC)


def check_range(name: str, rng: DateRange) -> DateRange:
    """422 invalid_date_range when `{name}_to` is before `{name}_from`."""
    frm, to = rng
    if frm is not None and to is not None and to < frm:
        raise Invalid("invalid_date_range", errors=[{"field": f"{name}_to", "code": "before_from",
                                                     "message": f"{name}_to is before {name}_from"}])
    return rng


def in_range(col: Any, rng: DateRange) -> list[Any]:
    """Conditions putting `col` inside the days of `rng`. A DATE column compares with the dates; a
    timestamp column (UTC) with [00:00 Shanghai of `from`, 00:00 Shanghai of the day after `to`)."""
    frm, to = rng
    days = isinstance(col.type, sa.Date)
    out = []
    if frm is not None:
        out.append(col >= (frm if days else day_start(frm)))
    if to is not None:
        out.append(col <= to if days else col < day_start(to + timedelta(days=1)))
    return out


def names(s: Session, ids: set[int | None], model: Any = Employee) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    return dict(s.execute(sa.select(model.id, model.name).where(model.id.in_(ids))).all()) if ids else {}  # type: ignore[arg-type]


def visible_customer(s: Session, actor: Actor, customer_id: int) -> Customer:
    return get_visible(s, actor, customer_id)


def record_of(s: Session, actor: Actor, model: Any, record_id: int) -> tuple[Any, Customer]:
    """A sales record and its customer, or 404 when either is missing or the customer is out of scope."""
    row = s.get(model, record_id)
    if row is None:
        raise NotFound()
    return row, get_visible(s, actor, row.customer_id)


def workable(s: Session, actor: Actor, customer_id: int, perm: str, *, owned: bool = False) -> Customer:
    """The customer a write acts on: visible (404), permission (403), workable (sales: own/assisted),
    and for deals (orders, contracts) owned by someone (following or won)."""
    require(actor, perm)
    c = get_visible(s, actor, customer_id)
    ensure_can_work(actor, c)
    if owned and c.pool not in OWNED:
        raise Conflict("not_owned")
    return c


def ensure_work(actor: Actor, c: Customer, *, owned: bool = False) -> None:
    ensure_can_work(actor, c)
    if owned and c.pool not in OWNED:
        raise Conflict("not_owned")


def employee_for(s: Session, actor: Actor, employee_id: int | None) -> Employee:
    """An owner / staff member the actor may name: sales only themselves; others an active employee
    of their scope (422 invalid_assignee)."""
    if employee_id is None or employee_id == actor.employee_id:
        return s.get_one(Employee, actor.employee_id)
    if actor.is_sales:
        raise Invalid("invalid_assignee", employee_id=employee_id)
    stmt = sa.select(Employee).where(Employee.id == employee_id, Employee.is_active)
    units = units_in_scope(actor)
    if units is not None:
        stmt = stmt.where(Employee.department_id.in_(units))
    e = s.scalar(stmt)
    if e is None:
        raise Invalid("invalid_assignee", employee_id=employee_id)
    return e


# ------------------------------------------------------------------ the customer's deal facts
def mark_won(s: Session, actor: Actor | None, customer_id: int, because: dict[str, Any]) -> bool:
    """POOL-8: a completed order or a signed contract makes the customer won — one guarded UPDATE
    moves it following → won (with the first `won_at`); a customer already won keeps its date.
    Returns True if it moved to the won pool (timeline `won`, audited)."""
    now = clock.now()
    moved = changed(s, sa.update(Customer)
                    .where(Customer.id == customer_id, Customer.pool == "following")
                    .values(pool="won", won_at=sa.func.coalesce(Customer.won_at, now),
                            version=Customer.version + 1, updated_at=now)
                    .execution_options(synchronize_session=False)) == 1
    if moved:
        events.record(s, actor, [customer_id], "won", because)
        audit.record(s, "customer.won", "customer", customer_id, actor=actor, before={"pool": "following"},
                     after={"pool": "won", **because})
    else:
        s.execute(sa.update(Customer).where(Customer.id == customer_id, Customer.won_at.is_(None))
                  .values(won_at=now, version=Customer.version + 1, updated_at=now)
                  .execution_options(synchronize_session=False))
    return moved


def refresh_purchases(s: Session, customer_id: int) -> tuple[Decimal, Any]:
    """customers.total_purchase = Σ totals of the customer's completed orders, last_purchase_at = the
    latest deal time among them (POOL-16), recomputed exactly in one statement."""
    done = sa.and_(Order.customer_id == customer_id, Order.status == "completed")
    total = sa.select(sa.func.coalesce(sa.func.sum(Order.total), 0)).where(done).scalar_subquery()
    last = sa.select(sa.func.max(Order.deal_at)).where(done).scalar_subquery()
    s.execute(sa.update(Customer).where(Customer.id == customer_id)
              .values(total_purchase=total, last_purchase_at=last)
              .execution_options(synchronize_session=False))
    row = s.execute(sa.select(Customer.total_purchase, Customer.last_purchase_at)
                    .where(Customer.id == customer_id)).one()
    from huike.grading.service import regrade_customer

    regrade_customer(s, customer_id)  # automatic grading follows the purchases (POOL-16), when switched on
    return money(row[0]), row[1]
