"""Contracts, payment plans, payments and invoices (SALES-7), and a customer's sales summary.

Receivable = the contract amount, received = Σ payments, outstanding = receivable − received, all
Decimal to the cent. Money checks (plans ≤ amount, payment ≤ outstanding, invoices ≤ amount) read the
sums after locking the contract row (FOR UPDATE on PostgreSQL; SQLite writers are serialised)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import customer_scope, require
from huike.authz.actor import Actor
from huike.customer.models import Customer
from huike.kit import clock
from huike.kit.errors import Conflict, Forbidden, Invalid, NotFound
from huike.kit.i18n import t
from huike.pool import events
from huike.sales import opportunities
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
    visible_customer,
    workable,
)
from huike.sales.models import Contract, Invoice, Opportunity, Order, Payment, PaymentPlan
from huike.sales.schemas import (
    ContractCreate,
    ContractMoney,
    ContractRead,
    ContractUpdate,
    InvoiceCreate,
    InvoiceRead,
    OrderCounts,
    PaymentCreate,
    PaymentRead,
    PlanCreate,
    PlanRead,
    SalesSummary,
    Total,
)

EDITABLE_SIGNED = {"name", "end_date", "remark", "attachments"}


def _like(q: str) -> str:
    return "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _cdict(c: Contract) -> dict[str, Any]:
    return {"name": c.name, "number": c.number, "customer_id": c.customer_id, "opportunity_id": c.opportunity_id,
            "owner_id": c.owner_id, "amount": c.amount, "sign_date": c.sign_date, "start_date": c.start_date,
            "end_date": c.end_date, "status": c.status, "remark": c.remark, "attachments": list(c.attachments or [])}


def _dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise Invalid("invalid_dates")


def _number_taken(s: Session, number: str) -> bool:
    return s.scalar(sa.select(Contract.id).where(Contract.number == number)) is not None


def _sums(s: Session, contract_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    out = {i: {"received": ZERO, "planned": ZERO, "invoiced": ZERO} for i in contract_ids}
    if not contract_ids:
        return out
    for cid, v in s.execute(sa.select(Payment.contract_id, sa.func.sum(Payment.amount))
                            .where(Payment.contract_id.in_(contract_ids)).group_by(Payment.contract_id)):
        out[cid]["received"] = money(v)
    for cid, v in s.execute(sa.select(PaymentPlan.contract_id, sa.func.sum(PaymentPlan.amount))
                            .where(PaymentPlan.contract_id.in_(contract_ids)).group_by(PaymentPlan.contract_id)):
        out[cid]["planned"] = money(v)
    for inv_cid, v in s.execute(sa.select(Invoice.contract_id, sa.func.sum(Invoice.amount))
                                .where(Invoice.contract_id.in_(contract_ids), Invoice.status != "void")
                                .group_by(Invoice.contract_id)):
        if inv_cid is not None:
            out[inv_cid]["invoiced"] = money(v)
    return out


def _lock(s: Session, contract_id: int) -> Contract:
    """The contract row, locked for the money checks of this transaction."""
    c = s.scalars(sa.select(Contract).where(Contract.id == contract_id).with_for_update()
                  .execution_options(populate_existing=True)).one()
    return c


# ------------------------------------------------------------------ contracts
def create(s: Session, actor: Actor, customer_id: int, body: ContractCreate) -> Contract:
    cust = workable(s, actor, customer_id, "contract.manage", owned=True)
    _dates(body.start_date, body.end_date)
    opp_id = opportunities.linkable(s, cust.id, body.opportunity_id).id if body.opportunity_id else None
    owner = employee_for(s, actor, body.owner_id)
    if body.number:
        number = body.number.strip()
        if not number or _number_taken(s, number):
            raise Conflict("contract_number_taken", number=number)
    else:
        number = next_number(s, "contract", lambda n: _number_taken(s, n))
    now = clock.now()
    c = Contract(number=number, name=body.name.strip(), customer_id=cust.id, opportunity_id=opp_id, owner_id=owner.id,
                 department_id=owner.department_id, amount=money(body.amount), sign_date=body.sign_date,
                 start_date=body.start_date, end_date=body.end_date, status="draft", remark=body.remark,
                 attachments=[a.model_dump() for a in body.attachments], created_by_id=actor.employee_id,
                 created_at=now, updated_at=now)
    s.add(c)
    s.flush()
    events.record(s, actor, [cust.id], "contract_created", {"contract_id": c.id, "number": c.number, "name": c.name,
                                                            "amount": str(c.amount)})
    audit.record(s, "contract.create", "contract", c.id, actor=actor, after=_cdict(c))
    return c


def _get(s: Session, actor: Actor, contract_id: int, perm: str) -> tuple[Contract, Customer]:
    require(actor, perm)
    return record_of(s, actor, Contract, contract_id)


def get(s: Session, actor: Actor, contract_id: int) -> Contract:
    return _get(s, actor, contract_id, "contract.view")[0]


def update(s: Session, actor: Actor, contract_id: int, body: ContractUpdate) -> Contract:
    c, cust = _get(s, actor, contract_id, "contract.manage")
    ensure_work(actor, cust)
    c = _lock(s, c.id)
    data = body.model_dump(exclude_unset=True)
    data = {k: v for k, v in data.items() if v is not None or k in ("sign_date", "start_date", "end_date", "remark",
                                                                    "opportunity_id")}
    current = _cdict(c)
    differs = {k for k, v in data.items()
               if k == "attachments" or (money(v) if k == "amount" else v) != current.get(k)}
    if differs and (c.status in ("completed", "terminated") or (c.status == "signed" and differs - EDITABLE_SIGNED)):
        raise Conflict("contract_locked")  # a form sent back unchanged is fine
    if "opportunity_id" in data and data["opportunity_id"] is not None:
        data["opportunity_id"] = opportunities.linkable(s, cust.id, data["opportunity_id"]).id
    if "owner_id" in data:
        owner = employee_for(s, actor, data["owner_id"])
        data["owner_id"] = owner.id
        c.department_id = owner.department_id
    if "amount" in data:
        data["amount"] = money(data["amount"])
        sums = _sums(s, [c.id])[c.id]
        if sums["planned"] > data["amount"]:
            raise Invalid("plans_exceed_amount")
        if sums["invoiced"] > data["amount"]:
            raise Invalid("invoice_exceeds_contract")
    if "name" in data:
        data["name"] = data["name"].strip()
    if "attachments" in data:
        data["attachments"] = [dict(a) for a in data["attachments"]]
    _dates(data.get("start_date", c.start_date), data.get("end_date", c.end_date))
    before = _cdict(c)
    for k, v in data.items():
        setattr(c, k, v)
    b, a = audit.diff(before, _cdict(c))
    if a:
        c.updated_at = clock.now()
        s.flush()
        events.record(s, actor, [c.customer_id], "contract_updated", {"contract_id": c.id, "number": c.number,
                                                                      "fields": sorted(a)})
        audit.record(s, "contract.update", "contract", c.id, actor=actor, before=b, after=a)
    return c


def _transition(s: Session, c: Contract, frm: tuple[str, ...], to: str, **values: Any) -> str:
    before = c.status
    moved = changed(s, sa.update(Contract).where(Contract.id == c.id, Contract.status.in_(frm))
                    .values(status=to, updated_at=clock.now(), **values)
                    .execution_options(synchronize_session=False))
    s.expire(c)
    if moved != 1:
        raise Conflict("contract_state", status=t(f"contract.{c.status}"))
    return before


def sign(s: Session, actor: Actor, contract_id: int, sign_date: date | None) -> Contract:
    c, cust = _get(s, actor, contract_id, "contract.manage")
    ensure_work(actor, cust, owned=True)
    day = sign_date or c.sign_date or clock.today()
    _transition(s, c, ("draft",), "signed", sign_date=day, signed_at=clock.now())
    events.record(s, actor, [cust.id], "contract_signed", {"contract_id": c.id, "number": c.number,
                                                           "amount": str(c.amount), "sign_date": day.isoformat()})
    audit.record(s, "contract.sign", "contract", c.id, actor=actor, before={"status": "draft"},
                 after={"status": "signed", "sign_date": day})
    mark_won(s, actor, cust.id, {"contract_id": c.id, "number": c.number})
    s.expire_all()
    return s.get_one(Contract, contract_id)


def complete(s: Session, actor: Actor, contract_id: int) -> Contract:
    c, cust = _get(s, actor, contract_id, "contract.manage")
    ensure_work(actor, cust)
    _transition(s, c, ("signed",), "completed", completed_at=clock.now())
    events.record(s, actor, [cust.id], "contract_completed", {"contract_id": c.id, "number": c.number})
    audit.record(s, "contract.complete", "contract", c.id, actor=actor, before={"status": "signed"},
                 after={"status": "completed"})
    return c


def terminate(s: Session, actor: Actor, contract_id: int, reason: str) -> Contract:
    c, cust = _get(s, actor, contract_id, "contract.manage")
    ensure_work(actor, cust)
    before = _transition(s, c, ("draft", "signed"), "terminated", terminated_at=clock.now(),
                         terminate_reason=reason.strip()[:500])
    events.record(s, actor, [cust.id], "contract_terminated", {"contract_id": c.id, "number": c.number,
                                                               "reason": reason})
    audit.record(s, "contract.terminate", "contract", c.id, actor=actor, before={"status": before},
                 after={"status": "terminated", "reason": reason})
    return c


def list_(s: Session, actor: Actor, *, status: str | None = None, customer_id: int | None = None,
          owner_id: int | None = None, q: str | None = None, expiring_within_days: int | None = None,
          sign: DateRange = NO_RANGE, start: DateRange = NO_RANGE, end: DateRange = NO_RANGE,
          cursor: str | None = None, limit: int = 50) -> tuple[list[Contract], str | None]:
    """Date ranges (inclusive days): sign_date, start_date, end_date; a contract without the date is not in."""
    require(actor, "contract.view")
    if customer_id is not None:
        visible_customer(s, actor, customer_id)
    stmt = sa.select(Contract).join(Customer, Customer.id == Contract.customer_id).where(customer_scope(actor))
    if status:
        stmt = stmt.where(Contract.status == status)
    if customer_id is not None:
        stmt = stmt.where(Contract.customer_id == customer_id)
    if owner_id is not None:
        stmt = stmt.where(Contract.owner_id == owner_id)
    if expiring_within_days is not None:
        today = clock.today()
        stmt = stmt.where(Contract.status == "signed", Contract.end_date >= today,
                          Contract.end_date <= today + timedelta(days=expiring_within_days))
    stmt = stmt.where(*in_range(Contract.sign_date, sign), *in_range(Contract.start_date, start),
                      *in_range(Contract.end_date, end))
    if q and q.strip():
        pat = _like(q.strip())
        stmt = stmt.where(sa.or_(sa.func.lower(Contract.number).like(pat, escape="\\"),
                                 sa.func.lower(Contract.name).like(pat, escape="\\"),
                                 sa.func.lower(Customer.name).like(pat, escape="\\")))
    return newest_first(s, stmt, Contract.id, cursor, limit)


def _plans(s: Session, contract_id: int) -> list[PlanRead]:
    today = clock.today()
    plans = list(s.scalars(sa.select(PaymentPlan).where(PaymentPlan.contract_id == contract_id)
                           .order_by(PaymentPlan.due_date, PaymentPlan.id)))
    got = dict(s.execute(sa.select(Payment.plan_id, sa.func.sum(Payment.amount))
                         .where(Payment.contract_id == contract_id, Payment.plan_id.is_not(None))
                         .group_by(Payment.plan_id)).all())
    out = []
    for p in plans:
        received = money(got.get(p.id))
        outstanding = money(p.amount) - received
        out.append(PlanRead(id=p.id, contract_id=p.contract_id, due_date=p.due_date, amount=money(p.amount),
                            remark=p.remark, received=received, outstanding=outstanding,
                            overdue=p.due_date < today and outstanding > 0))
    return out


def read_many(s: Session, rows: list[Contract], *, with_plans: bool = False) -> list[ContractRead]:
    ids = [c.id for c in rows]
    sums = _sums(s, ids)
    people = names(s, {c.owner_id for c in rows})
    customers = names(s, {c.customer_id for c in rows}, Customer)
    opps = names(s, {c.opportunity_id for c in rows}, Opportunity)
    today = clock.today()
    out = []
    for c in rows:
        m = sums[c.id]
        receivable = money(c.amount)
        out.append(ContractRead(
            id=c.id, number=c.number, name=c.name, customer_id=c.customer_id, customer_name=customers.get(c.customer_id),
            opportunity_id=c.opportunity_id, opportunity_name=opps.get(c.opportunity_id) if c.opportunity_id else None,
            owner_id=c.owner_id, owner_name=people.get(c.owner_id), amount=receivable, sign_date=c.sign_date,
            start_date=c.start_date, end_date=c.end_date, status=c.status,  # type: ignore[arg-type]
            expired=c.status == "signed" and c.end_date is not None and c.end_date < today,
            days_to_end=(c.end_date - today).days if c.end_date is not None and c.status == "signed" else None,
            remark=c.remark, attachments=list(c.attachments or []), terminate_reason=c.terminate_reason,
            created_by_id=c.created_by_id, created_at=c.created_at, updated_at=c.updated_at, signed_at=c.signed_at,
            completed_at=c.completed_at, terminated_at=c.terminated_at, receivable=receivable,
            received=m["received"], outstanding=receivable - m["received"], planned=m["planned"],
            invoiced=m["invoiced"], plans=_plans(s, c.id) if with_plans else None))
    return out


# ------------------------------------------------------------------ payment plans
def add_plan(s: Session, actor: Actor, contract_id: int, body: PlanCreate) -> PlanRead:
    c, cust = _get(s, actor, contract_id, "contract.manage")
    ensure_work(actor, cust)
    c = _lock(s, c.id)
    if c.status in ("completed", "terminated"):
        raise Conflict("contract_locked")
    amount = money(body.amount)
    if _sums(s, [c.id])[c.id]["planned"] + amount > money(c.amount):
        raise Invalid("plans_exceed_amount")
    now = clock.now()
    p = PaymentPlan(contract_id=c.id, customer_id=c.customer_id, due_date=body.due_date, amount=amount,
                    remark=body.remark, created_at=now, updated_at=now)
    s.add(p)
    s.flush()
    events.record(s, actor, [c.customer_id], "payment_plan_added", {
        "contract_id": c.id, "number": c.number, "plan_id": p.id, "due_date": p.due_date.isoformat(),
        "amount": str(amount)})
    audit.record(s, "payment_plan.create", "payment_plan", p.id, actor=actor, after={
        "contract_id": c.id, "due_date": p.due_date, "amount": amount, "remark": p.remark})
    return next(x for x in _plans(s, c.id) if x.id == p.id)


def delete_plan(s: Session, actor: Actor, plan_id: int) -> None:
    require(actor, "contract.manage")
    p, cust = record_of(s, actor, PaymentPlan, plan_id)
    ensure_work(actor, cust)
    c = _lock(s, p.contract_id)
    if s.scalar(sa.select(Payment.id).where(Payment.plan_id == p.id).limit(1)) is not None:
        raise Conflict("plan_has_payments")
    snapshot = {"contract_id": p.contract_id, "due_date": p.due_date, "amount": p.amount}
    s.delete(p)
    s.flush()
    events.record(s, actor, [cust.id], "payment_plan_deleted", {"contract_id": c.id, "number": c.number,
                                                                "plan_id": plan_id})
    audit.record(s, "payment_plan.delete", "payment_plan", plan_id, actor=actor, before=snapshot)


# ------------------------------------------------------------------ payments
def add_payment(s: Session, actor: Actor, contract_id: int, body: PaymentCreate) -> Payment:
    c, cust = _get(s, actor, contract_id, "contract.manage")
    ensure_work(actor, cust)
    c = _lock(s, c.id)
    if c.status not in ("signed", "completed"):
        raise Conflict("contract_not_signed")
    if body.plan_id is not None:
        plan = s.get(PaymentPlan, body.plan_id)
        if plan is None or plan.contract_id != c.id:
            raise Invalid("invalid_plan")
    amount = money(body.amount)
    outstanding = money(c.amount) - _sums(s, [c.id])[c.id]["received"]
    if amount > outstanding:
        raise Invalid("payment_exceeds_outstanding", outstanding=str(outstanding))
    received_on = body.received_on or clock.today()
    if received_on > clock.today() + timedelta(days=1):
        raise Invalid("followup_in_future")
    p = Payment(contract_id=c.id, customer_id=c.customer_id, plan_id=body.plan_id, received_on=received_on,
                amount=amount, method=body.method, remark=body.remark, recorded_by_id=actor.employee_id,
                created_at=clock.now())
    s.add(p)
    s.flush()
    events.record(s, actor, [c.customer_id], "payment_received", {
        "contract_id": c.id, "number": c.number, "payment_id": p.id, "amount": str(amount),
        "received_on": received_on.isoformat(), "method": p.method})
    audit.record(s, "payment.create", "payment", p.id, actor=actor, after={
        "contract_id": c.id, "plan_id": p.plan_id, "received_on": received_on, "amount": amount, "method": p.method,
        "remark": p.remark})
    return p


def delete_payment(s: Session, actor: Actor, payment_id: int) -> None:
    require(actor, "contract.manage")
    p, cust = record_of(s, actor, Payment, payment_id)
    ensure_work(actor, cust)
    c = _lock(s, p.contract_id)
    snapshot = {"contract_id": p.contract_id, "plan_id": p.plan_id, "received_on": p.received_on, "amount": p.amount,
                "method": p.method}
    s.delete(p)
    s.flush()
    events.record(s, actor, [cust.id], "payment_deleted", {"contract_id": c.id, "number": c.number,
                                                           "payment_id": payment_id, "amount": str(snapshot["amount"])})
    audit.record(s, "payment.delete", "payment", payment_id, actor=actor, before=snapshot)


def list_payments(s: Session, actor: Actor, *, customer_id: int | None = None, contract_id: int | None = None,
                  since: date | None = None, until: date | None = None, received: DateRange = NO_RANGE,
                  cursor: str | None = None, limit: int = 50) -> tuple[list[Payment], str | None]:
    """`since` / `until`: received_on in [since, until) (the statistics drills); `received`: inclusive days."""
    require(actor, "contract.view")
    if customer_id is not None:
        visible_customer(s, actor, customer_id)
    stmt = sa.select(Payment).join(Customer, Customer.id == Payment.customer_id).where(customer_scope(actor))
    if customer_id is not None:
        stmt = stmt.where(Payment.customer_id == customer_id)
    if contract_id is not None:
        stmt = stmt.where(Payment.contract_id == contract_id)
    if since is not None:
        stmt = stmt.where(Payment.received_on >= since)
    if until is not None:
        stmt = stmt.where(Payment.received_on < until)
    stmt = stmt.where(*in_range(Payment.received_on, received))
    return newest_first(s, stmt, Payment.id, cursor, limit)


def read_payments(s: Session, rows: list[Payment]) -> list[PaymentRead]:
    people = names(s, {p.recorded_by_id for p in rows})
    customers = names(s, {p.customer_id for p in rows}, Customer)
    ids = {p.contract_id for p in rows}
    numbers = dict(s.execute(sa.select(Contract.id, Contract.number).where(Contract.id.in_(ids))).all()) if ids else {}
    return [PaymentRead(id=p.id, contract_id=p.contract_id, contract_number=numbers.get(p.contract_id),
                        customer_id=p.customer_id, customer_name=customers.get(p.customer_id), plan_id=p.plan_id,
                        received_on=p.received_on, amount=money(p.amount), method=p.method,  # type: ignore[arg-type]
                        remark=p.remark, recorded_by_id=p.recorded_by_id,
                        recorded_by_name=people.get(p.recorded_by_id) if p.recorded_by_id else None,
                        created_at=p.created_at) for p in rows]


# ------------------------------------------------------------------ invoices
def create_invoice(s: Session, actor: Actor, customer_id: int, body: InvoiceCreate) -> Invoice:
    cust = workable(s, actor, customer_id, "contract.manage")
    amount = money(body.amount)
    if body.type == "special" and not ((body.title or "").strip() and (body.tax_no or "").strip()):
        raise Invalid("invoice_title_required")
    contract_id = None
    if body.contract_id is not None:
        found = s.get(Contract, body.contract_id)
        if found is None:
            raise NotFound()
        if found.customer_id != cust.id:
            raise Invalid("contract_mismatch")
        c = _lock(s, found.id)
        if _sums(s, [c.id])[c.id]["invoiced"] + amount > money(c.amount):
            raise Invalid("invoice_exceeds_contract")
        contract_id = c.id
    now = clock.now()
    inv = Invoice(number=next_number(s, "invoice"), customer_id=cust.id, contract_id=contract_id, amount=amount,
                  type=body.type, status="pending", title=(body.title or "").strip() or None,
                  tax_no=(body.tax_no or "").strip() or None, remark=body.remark, created_by_id=actor.employee_id,
                  created_at=now, updated_at=now)
    s.add(inv)
    s.flush()
    events.record(s, actor, [cust.id], "invoice_created", {"invoice_id": inv.id, "number": inv.number,
                                                           "amount": str(amount), "type": inv.type})
    audit.record(s, "invoice.create", "invoice", inv.id, actor=actor, after={
        "number": inv.number, "customer_id": cust.id, "contract_id": contract_id, "amount": amount, "type": inv.type,
        "title": inv.title, "tax_no": inv.tax_no})
    return inv


def _invoice(s: Session, actor: Actor, invoice_id: int, perm: str) -> tuple[Invoice, Customer]:
    require(actor, perm)
    return record_of(s, actor, Invoice, invoice_id)


def get_invoice(s: Session, actor: Actor, invoice_id: int) -> Invoice:
    return _invoice(s, actor, invoice_id, "contract.view")[0]


def _invoice_move(s: Session, inv: Invoice, frm: tuple[str, ...], to: str, **values: Any) -> str:
    before = inv.status
    moved = changed(s, sa.update(Invoice).where(Invoice.id == inv.id, Invoice.status.in_(frm))
                    .values(status=to, updated_at=clock.now(), **values)
                    .execution_options(synchronize_session=False))
    s.expire(inv)
    if moved != 1:
        raise Conflict("invoice_state", status=t(f"invoice.{inv.status}"))
    return before


def issue_invoice(s: Session, actor: Actor, invoice_id: int, invoice_no: str, issue_date: date | None) -> Invoice:
    inv, cust = _invoice(s, actor, invoice_id, "contract.manage")
    ensure_work(actor, cust)
    day = issue_date or clock.today()
    _invoice_move(s, inv, ("pending",), "issued", invoice_no=invoice_no.strip(), issue_date=day)
    events.record(s, actor, [cust.id], "invoice_issued", {"invoice_id": inv.id, "number": inv.number,
                                                          "invoice_no": invoice_no.strip(), "amount": str(inv.amount)})
    audit.record(s, "invoice.issue", "invoice", inv.id, actor=actor, before={"status": "pending"},
                 after={"status": "issued", "invoice_no": invoice_no.strip(), "issue_date": day})
    return inv


def void_invoice(s: Session, actor: Actor, invoice_id: int) -> Invoice:
    inv, cust = _invoice(s, actor, invoice_id, "contract.manage")
    ensure_work(actor, cust)
    before = _invoice_move(s, inv, ("pending", "issued"), "void", voided_at=clock.now())
    events.record(s, actor, [cust.id], "invoice_voided", {"invoice_id": inv.id, "number": inv.number})
    audit.record(s, "invoice.void", "invoice", inv.id, actor=actor, before={"status": before},
                 after={"status": "void"})
    return inv


def list_invoices(s: Session, actor: Actor, *, customer_id: int | None = None, contract_id: int | None = None,
                  status: str | None = None, issued: DateRange = NO_RANGE, created: DateRange = NO_RANGE,
                  cursor: str | None = None, limit: int = 50) -> tuple[list[Invoice], str | None]:
    """Date ranges (inclusive Asia/Shanghai days): issue_date (only issued or voided-after-issue invoices
    have one) and created_at (the application)."""
    require(actor, "contract.view")
    if customer_id is not None:
        visible_customer(s, actor, customer_id)
    stmt = sa.select(Invoice).join(Customer, Customer.id == Invoice.customer_id).where(customer_scope(actor))
    if customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == customer_id)
    if contract_id is not None:
        stmt = stmt.where(Invoice.contract_id == contract_id)
    if status:
        stmt = stmt.where(Invoice.status == status)
    stmt = stmt.where(*in_range(Invoice.issue_date, issued), *in_range(Invoice.created_at, created))
    return newest_first(s, stmt, Invoice.id, cursor, limit)


def read_invoices(s: Session, rows: list[Invoice]) -> list[InvoiceRead]:
    customers = names(s, {i.customer_id for i in rows}, Customer)
    ids = {i.contract_id for i in rows if i.contract_id}
    numbers = dict(s.execute(sa.select(Contract.id, Contract.number).where(Contract.id.in_(ids))).all()) if ids else {}
    return [InvoiceRead(id=i.id, number=i.number, invoice_no=i.invoice_no, customer_id=i.customer_id,
                        customer_name=customers.get(i.customer_id), contract_id=i.contract_id,
                        contract_number=numbers.get(i.contract_id) if i.contract_id else None, amount=money(i.amount),
                        type=i.type, status=i.status, title=i.title, tax_no=i.tax_no,  # type: ignore[arg-type]
                        issue_date=i.issue_date, remark=i.remark, created_by_id=i.created_by_id,
                        created_at=i.created_at, voided_at=i.voided_at) for i in rows]


# ------------------------------------------------------------------ the customer's summary
def summary(s: Session, actor: Actor, customer_id: int) -> SalesSummary:
    if not any(actor.can(p) for p in ("opportunity.view", "order.view", "contract.view")):
        raise Forbidden()
    cust = visible_customer(s, actor, customer_id)
    opp = {k: Total() for k in ("open", "won", "lost")}
    for status, n, amount in s.execute(sa.select(Opportunity.status, sa.func.count(), sa.func.sum(Opportunity.amount))
                                       .where(Opportunity.customer_id == cust.id).group_by(Opportunity.status)):
        opp[status] = Total(count=n, amount=money(amount))
    counts = dict(s.execute(sa.select(Order.status, sa.func.count()).where(Order.customer_id == cust.id)
                            .group_by(Order.status)).all())
    contracts = list(s.scalars(sa.select(Contract).where(Contract.customer_id == cust.id,
                                                         Contract.status.in_(("signed", "completed")))))
    sums = _sums(s, [c.id for c in contracts])
    receivable = sum((money(c.amount) for c in contracts), ZERO)
    received = sum((sums[c.id]["received"] for c in contracts), ZERO)
    invoiced = money(s.scalar(sa.select(sa.func.sum(Invoice.amount)).where(Invoice.customer_id == cust.id,
                                                                           Invoice.status != "void")))
    return SalesSummary(total_purchase=money(cust.total_purchase), last_purchase_at=cust.last_purchase_at,
                        opportunities=opp,
                        orders=OrderCounts(completed=counts.get("completed", 0),
                                           open=counts.get("draft", 0) + counts.get("confirmed", 0)),
                        contracts=ContractMoney(count=len(contracts), receivable=receivable, received=received,
                                                outstanding=receivable - received, invoiced=invoiced))
