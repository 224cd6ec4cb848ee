"""Sales pipeline routes (SALES-1…7): settings and stages, opportunities, products, orders, contracts,
payment plans, payments, invoices. Shapes and rules: /work/notes/SALES_API.md."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, datetime
from types import UnionType
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

import huike.sales.attachments  # record kind "contract" for files
import huike.sales.reminders  # noqa: F401  (registers the contract_expiry reminder)
from huike.auth.deps import CurrentActor
from huike.authz.actor import Actor
from huike.kit.web import DB, UnitOfWorkRoute
from huike.sales import contracts, opportunities, orders, settings
from huike.sales.common import NO_RANGE, DateRange, check_range
from huike.sales.schemas import (
    Advance,
    CancelBody,
    ContractCreate,
    ContractPage,
    ContractRead,
    ContractStatus,
    ContractUpdate,
    Funnel,
    InvoiceCreate,
    InvoicePage,
    InvoiceRead,
    InvoiceStatus,
    IssueBody,
    LostReasonCreate,
    LostReasonRead,
    LostReasonUpdate,
    MonthlySummary,
    OpportunityCreate,
    OpportunityPage,
    OpportunityRead,
    OpportunityStatus,
    OpportunityUpdate,
    OrderCreate,
    OrderPage,
    OrderRead,
    OrderStatus,
    OrderUpdate,
    PaymentCreate,
    PaymentPage,
    PaymentRead,
    PlanCreate,
    PlanRead,
    ProductCreate,
    ProductPage,
    ProductRead,
    ProductUpdate,
    SalesSettingsRead,
    SalesSettingsUpdate,
    SalesSummary,
    SignBody,
    StageChangeRead,
    StageRead,
    StagesUpdate,
    TerminateBody,
)

router = APIRouter(route_class=UnitOfWorkRoute, tags=["sales"])
Cursor = Query(None, max_length=200)
Limit = Query(50, ge=1, le=200)
C = "/customers/{customer_id}"
P = inspect.Parameter


def _dates(name: str, what: str) -> Any:
    """A parameter type: the query pair `{name}_from` / `{name}_to` of a list's date filter (whole Asia/Shanghai
    days, both inclusive, either may be left out) as one DateRange; 422 invalid_date_range when it ends first."""
    def dependency(**kw: date | None) -> DateRange:
        return check_range(name, (kw[f"{name}_from"], kw[f"{name}_to"]))

    dependency.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        P(f"{name}_{end}", P.KEYWORD_ONLY, annotation=date | None,
          default=Query(None, description=f"{what}: {day} (YYYY-MM-DD, Asia/Shanghai, inclusive)"))
        for end, day in (("from", "first day"), ("to", "last day"))])
    return Annotated[DateRange, Depends(dependency)]


Reader = tuple[type[BaseModel], Callable[[Session, Any], Any]]  # the answer's model, and how one record reads


def _transitions(read: Reader, table: list[tuple[str, str, Any, Callable[..., Any], str | None]]) -> None:
    """POST routes that move one record along its status (confirm, sign, issue …), from a table of
    (path, route name, request body, act, doc): `act(db, actor, record_id, body)` moves the record, the
    answer is the record as `read` shows it. The body is a model (required), `Model | None` (optional)
    or None (no body). The route name keeps the operation id (confirm_order_orders__order_id__confirm_post)."""
    for path, name, body, act, doc in table:
        _transition(read, path, name, body, act, doc)


def _transition(read: Reader, path: str, name: str, body: Any, act: Callable[..., Any], doc: str | None) -> None:
    model, reader = read
    id_name = path.split("{", 1)[1].split("}", 1)[0]

    def endpoint(**kw: Any) -> Any:
        return reader(kw["db"], act(kw["db"], kw["actor"], kw[id_name], kw.get("body")))

    params = [P(id_name, P.KEYWORD_ONLY, annotation=int), P("actor", P.KEYWORD_ONLY, annotation=CurrentActor),
              P("db", P.KEYWORD_ONLY, annotation=DB)]
    if body is not None:
        optional = isinstance(body, UnionType) and type(None) in body.__args__
        params.append(P("body", P.KEYWORD_ONLY, annotation=body, default=None if optional else P.empty))
    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    router.add_api_route(path, endpoint, methods=["POST"], response_model=model, name=name, description=doc)


def _no_body(act: Callable[[Session, Actor, int], Any]) -> Callable[..., Any]:
    """An act of a transition without a request body."""
    return lambda db, actor, record_id, body: act(db, actor, record_id)


def _customer_list(kind: str, page: type[BaseModel], list_: Callable[..., Any], read: Callable[..., Any]) -> None:
    """GET /customers/{customer_id}/{kind}: the customer's records, newest first (404 out of scope)."""
    def endpoint(customer_id: int, actor: CurrentActor, db: DB, cursor: str | None = Cursor,
                 limit: int = Limit) -> Any:
        rows, nxt = list_(db, actor, customer_id=customer_id, cursor=cursor, limit=limit)
        return page(items=read(db, rows), next_cursor=nxt)

    router.add_api_route(f"{C}/{kind}", endpoint, methods=["GET"], response_model=page, name=f"customer_{kind}")


# ------------------------------------------------------------------ settings
def _settings(row: object, reconciled: dict[str, int] | None = None) -> SalesSettingsRead:
    return SalesSettingsRead(restrict_manual_won=row.restrict_manual_won,  # type: ignore[attr-defined]
                             contract_expiry_enabled=row.contract_expiry_enabled,  # type: ignore[attr-defined]
                             contract_expiry_days=row.contract_expiry_days,  # type: ignore[attr-defined]
                             reconciled=reconciled)


@router.get("/sales/settings", response_model=SalesSettingsRead)
def get_settings(actor: CurrentActor, db: DB) -> SalesSettingsRead:
    return _settings(settings.ensure(db))


@router.patch("/sales/settings", response_model=SalesSettingsRead)
def patch_settings(body: SalesSettingsUpdate, actor: CurrentActor, db: DB) -> SalesSettingsRead:
    """限制手动切换成单 and the contract-expiry lead time. Switching the restriction on reconciles
    existing opportunities (see SALES_API.md) and reports the counts in `reconciled`."""
    row, reconciled = settings.update(db, actor, body)
    return _settings(row, reconciled)


def _stages(db: DB) -> list[StageRead]:
    usage = settings.stage_usage(db)
    return [StageRead(id=x.id, name=x.name, kind=x.kind, position=x.position, win_rate=x.win_rate,  # type: ignore[arg-type]
                      enabled=x.enabled, opportunities=usage.get(x.id, 0)) for x in settings.stages(db)]


@router.get("/sales/stages", response_model=list[StageRead])
def get_stages(actor: CurrentActor, db: DB) -> list[StageRead]:
    return _stages(db)


@router.put("/sales/stages", response_model=list[StageRead])
def put_stages(body: StagesUpdate, actor: CurrentActor, db: DB) -> list[StageRead]:
    settings.put_stages(db, actor, body)
    return _stages(db)


def _reason(r: object) -> LostReasonRead:
    return LostReasonRead.model_validate(r, from_attributes=True)


@router.get("/sales/lost-reasons", response_model=list[LostReasonRead])
def get_lost_reasons(actor: CurrentActor, db: DB) -> list[LostReasonRead]:
    return [_reason(r) for r in settings.lost_reasons(db)]


@router.post("/sales/lost-reasons", response_model=LostReasonRead, status_code=201)
def create_lost_reason(body: LostReasonCreate, actor: CurrentActor, db: DB) -> LostReasonRead:
    return _reason(settings.create_reason(db, actor, body))


@router.patch("/sales/lost-reasons/{reason_id}", response_model=LostReasonRead)
def update_lost_reason(reason_id: int, body: LostReasonUpdate, actor: CurrentActor, db: DB) -> LostReasonRead:
    return _reason(settings.update_reason(db, actor, reason_id, body))


@router.delete("/sales/lost-reasons/{reason_id}", status_code=204)
def delete_lost_reason(reason_id: int, actor: CurrentActor, db: DB) -> Response:
    settings.delete_reason(db, actor, reason_id)
    return Response(status_code=204)


# ------------------------------------------------------------------ opportunities
OppCreated = _dates("created", "created_at (创建日期)")
OppExpectedClose = _dates("expected_close", "expected_close_date (预计成交日期)")
OppWon = _dates("won", "won_at (成单日期)")
OppLost = _dates("lost", "lost_at (丢单日期)")


@router.get("/opportunities", response_model=OpportunityPage)
def list_opportunities(actor: CurrentActor, db: DB, status: OpportunityStatus | None = None,
                       q: str | None = Query(None, max_length=100), customer_id: int | None = None,
                       owner_id: int | None = None, stage_id: int | None = None,
                       mine: bool = Query(False, description="only opportunities the caller owns"),
                       created: OppCreated = NO_RANGE, expected_close: OppExpectedClose = NO_RANGE,
                       won: OppWon = NO_RANGE, lost: OppLost = NO_RANGE, cursor: str | None = Cursor, limit: int = Limit) -> OpportunityPage:
    """新机会 (open) / 已成单 (won) / 已丢单 (lost); q searches number, customer name and opportunity name;
    date filters are whole Asia/Shanghai days, both ends inclusive."""
    rows, nxt = opportunities.list_(db, actor, status=status, q=q, customer_id=customer_id,
                                    owner_id=actor.employee_id if mine else owner_id, stage_id=stage_id,
                                    created=created, expected_close=expected_close, won=won, lost=lost,
                                    cursor=cursor, limit=limit)
    return OpportunityPage(items=opportunities.read_many(db, rows), next_cursor=nxt)


@router.get("/opportunities/summary", response_model=MonthlySummary)
def opportunity_summary(actor: CurrentActor, db: DB, month: str | None = Query(None, max_length=7),
                        owner_id: int | None = None,
                        since: Annotated[date | None, Query(description="first day of a period, not with month")] = None,
                        until: Annotated[date | None, Query(description="last day of that period, inclusive")] = None,
                        ) -> MonthlySummary:
    """Totals of new, won and lost opportunities in a month (YYYY-MM, default this month) or in since…until
    (whole Asia/Shanghai days, inclusive; not with month) — equal to the list with created_/won_/lost_from…to."""
    return opportunities.summary(db, actor, month, owner_id, since=since, until=until)


@router.get("/opportunities/funnel", response_model=Funnel)
def opportunity_funnel(actor: CurrentActor, db: DB, owner_id: int | None = None) -> Funnel:
    return opportunities.funnel(db, actor, owner_id)


_customer_list("opportunities", OpportunityPage, opportunities.list_, opportunities.read_many)


@router.post(C + "/opportunities", response_model=OpportunityRead, status_code=201)
def create_opportunity(customer_id: int, body: OpportunityCreate, actor: CurrentActor, db: DB) -> OpportunityRead:
    return opportunities.read_many(db, [opportunities.create(db, actor, customer_id, body)])[0]


@router.get("/opportunities/{opportunity_id}", response_model=OpportunityRead)
def get_opportunity(opportunity_id: int, actor: CurrentActor, db: DB) -> OpportunityRead:
    return opportunities.read_many(db, [opportunities.get(db, actor, opportunity_id)])[0]


@router.patch("/opportunities/{opportunity_id}", response_model=OpportunityRead)
def update_opportunity(opportunity_id: int, body: OpportunityUpdate, actor: CurrentActor, db: DB) -> OpportunityRead:
    return opportunities.read_many(db, [opportunities.update(db, actor, opportunity_id, body)])[0]


_transitions((OpportunityRead, lambda db, o: opportunities.read_many(db, [o])[0]), [
    ("/opportunities/{opportunity_id}/advance", "advance_opportunity", Advance, opportunities.advance,
     "推进阶段 with a note (lands on the customer's timeline); the lost stage needs a lost reason."),
])


@router.get("/opportunities/{opportunity_id}/history", response_model=list[StageChangeRead])
def opportunity_history(opportunity_id: int, actor: CurrentActor, db: DB) -> list[StageChangeRead]:
    return opportunities.history(db, actor, opportunity_id)


@router.delete("/opportunities/{opportunity_id}", status_code=204)
def delete_opportunity(opportunity_id: int, actor: CurrentActor, db: DB) -> Response:
    opportunities.delete(db, actor, opportunity_id)
    return Response(status_code=204)


# ------------------------------------------------------------------ products
@router.get("/products", response_model=ProductPage)
def list_products(actor: CurrentActor, db: DB, q: str | None = Query(None, max_length=100),
                  category: str | None = Query(None, max_length=100), on_sale: bool | None = None,
                  cursor: str | None = Cursor, limit: int = Limit) -> ProductPage:
    rows, nxt = orders.list_products(db, q=q, category=category, on_sale=on_sale, cursor=cursor, limit=limit)
    return ProductPage(items=orders.read_products(rows), next_cursor=nxt)


@router.get("/products/categories", response_model=list[str])
def product_categories(actor: CurrentActor, db: DB) -> list[str]:
    return orders.categories(db)


@router.post("/products", response_model=ProductRead, status_code=201)
def create_product(body: ProductCreate, actor: CurrentActor, db: DB) -> ProductRead:
    return orders.read_products([orders.create_product(db, actor, body)])[0]


@router.get("/products/{product_id}", response_model=ProductRead)
def get_product(product_id: int, actor: CurrentActor, db: DB) -> ProductRead:
    return orders.read_products([orders.get_product(db, product_id)])[0]


@router.patch("/products/{product_id}", response_model=ProductRead)
def update_product(product_id: int, body: ProductUpdate, actor: CurrentActor, db: DB) -> ProductRead:
    return orders.read_products([orders.update_product(db, actor, product_id, body)])[0]


# ------------------------------------------------------------------ orders
OrderDeal = _dates("deal", "deal_at (成交日期)")


@router.get("/orders", response_model=OrderPage)
def list_orders(actor: CurrentActor, db: DB, status: OrderStatus | None = None, customer_id: int | None = None,
                opportunity_id: int | None = None, staff_id: int | None = None,
                q: str | None = Query(None, max_length=100),
                since: Annotated[datetime | None, Query(description="deal_at ≥ this instant (statistics drills)")] = None,
                until: Annotated[datetime | None, Query(description="deal_at < this instant (statistics drills)")] = None,
                deal: OrderDeal = NO_RANGE, cursor: str | None = Cursor, limit: int = Limit) -> OrderPage:
    rows, nxt = orders.list_(db, actor, status=status, customer_id=customer_id, opportunity_id=opportunity_id,
                             staff_id=staff_id, q=q, since=since, until=until, deal=deal, cursor=cursor,
                             limit=limit)
    return OrderPage(items=orders.read_many(db, rows), next_cursor=nxt)


_customer_list("orders", OrderPage, orders.list_, orders.read_many)


@router.post(C + "/orders", response_model=OrderRead, status_code=201)
def create_order(customer_id: int, body: OrderCreate, actor: CurrentActor, db: DB) -> OrderRead:
    """新增订单 (draft): deal time, lines with editable unit prices, discount, staff, the opportunity."""
    return orders.read_many(db, [orders.create(db, actor, customer_id, body)])[0]


@router.get("/orders/{order_id}", response_model=OrderRead)
def get_order(order_id: int, actor: CurrentActor, db: DB) -> OrderRead:
    return orders.read_many(db, [orders.get(db, actor, order_id)])[0]


@router.patch("/orders/{order_id}", response_model=OrderRead)
def update_order(order_id: int, body: OrderUpdate, actor: CurrentActor, db: DB) -> OrderRead:
    return orders.read_many(db, [orders.update(db, actor, order_id, body)])[0]


_transitions((OrderRead, lambda db, o: orders.read_many(db, [o])[0]), [
    ("/orders/{order_id}/confirm", "confirm_order", None, _no_body(orders.confirm), None),
    ("/orders/{order_id}/complete", "complete_order", None, _no_body(orders.complete),
     "The customer becomes won; under restrict-manual-won the linked opportunity too."),
    ("/orders/{order_id}/cancel", "cancel_order", CancelBody | None,
     lambda db, actor, i, body: orders.cancel(db, actor, i, body.reason if body else None), None),
])


# ------------------------------------------------------------------ contracts
ContractSign = _dates("sign", "sign_date (签订日期)")
ContractStart = _dates("start", "start_date (开始日期)")
ContractEnd = _dates("end", "end_date (到期日期)")
PaymentReceived = _dates("received", "received_on (回款日期)")


@router.get("/contracts", response_model=ContractPage)
def list_contracts(actor: CurrentActor, db: DB, status: ContractStatus | None = None, customer_id: int | None = None,
                   owner_id: int | None = None, q: str | None = Query(None, max_length=100),
                   expiring_within_days: int | None = Query(None, ge=0, le=3650),
                   sign: ContractSign = NO_RANGE, start: ContractStart = NO_RANGE, end: ContractEnd = NO_RANGE,
                   cursor: str | None = Cursor, limit: int = Limit) -> ContractPage:
    rows, nxt = contracts.list_(db, actor, status=status, customer_id=customer_id, owner_id=owner_id, q=q,
                                expiring_within_days=expiring_within_days, sign=sign, start=start, end=end,
                                cursor=cursor, limit=limit)
    return ContractPage(items=contracts.read_many(db, rows), next_cursor=nxt)


_customer_list("contracts", ContractPage, contracts.list_, contracts.read_many)


@router.post(C + "/contracts", response_model=ContractRead, status_code=201)
def create_contract(customer_id: int, body: ContractCreate, actor: CurrentActor, db: DB) -> ContractRead:
    return contracts.read_many(db, [contracts.create(db, actor, customer_id, body)], with_plans=True)[0]


@router.get("/contracts/{contract_id}", response_model=ContractRead)
def get_contract(contract_id: int, actor: CurrentActor, db: DB) -> ContractRead:
    return contracts.read_many(db, [contracts.get(db, actor, contract_id)], with_plans=True)[0]


@router.patch("/contracts/{contract_id}", response_model=ContractRead)
def update_contract(contract_id: int, body: ContractUpdate, actor: CurrentActor, db: DB) -> ContractRead:
    return contracts.read_many(db, [contracts.update(db, actor, contract_id, body)], with_plans=True)[0]


_transitions((ContractRead, lambda db, c: contracts.read_many(db, [c], with_plans=True)[0]), [
    ("/contracts/{contract_id}/sign", "sign_contract", SignBody | None,
     lambda db, actor, i, body: contracts.sign(db, actor, i, body.sign_date if body else None),
     "签订: the customer becomes won."),
    ("/contracts/{contract_id}/complete", "complete_contract", None, _no_body(contracts.complete), None),
    ("/contracts/{contract_id}/terminate", "terminate_contract", TerminateBody,
     lambda db, actor, i, body: contracts.terminate(db, actor, i, body.reason), None),
])


@router.post("/contracts/{contract_id}/payment-plans", response_model=PlanRead, status_code=201)
def add_payment_plan(contract_id: int, body: PlanCreate, actor: CurrentActor, db: DB) -> PlanRead:
    return contracts.add_plan(db, actor, contract_id, body)


@router.delete("/payment-plans/{plan_id}", status_code=204)
def delete_payment_plan(plan_id: int, actor: CurrentActor, db: DB) -> Response:
    contracts.delete_plan(db, actor, plan_id)
    return Response(status_code=204)


@router.post("/contracts/{contract_id}/payments", response_model=PaymentRead, status_code=201)
def add_payment(contract_id: int, body: PaymentCreate, actor: CurrentActor, db: DB) -> PaymentRead:
    """回款: at most the outstanding amount, on a signed or completed contract."""
    return contracts.read_payments(db, [contracts.add_payment(db, actor, contract_id, body)])[0]


@router.delete("/payments/{payment_id}", status_code=204)
def delete_payment(payment_id: int, actor: CurrentActor, db: DB) -> Response:
    contracts.delete_payment(db, actor, payment_id)
    return Response(status_code=204)


@router.get("/payments", response_model=PaymentPage)
def list_payments(actor: CurrentActor, db: DB, customer_id: int | None = None, contract_id: int | None = None,
                  since: Annotated[date | None, Query(description="received_on ≥ this day (statistics drills)")] = None,
                  until: Annotated[date | None, Query(description="received_on < this day (statistics drills)")] = None,
                  received: PaymentReceived = NO_RANGE, cursor: str | None = Cursor, limit: int = Limit) -> PaymentPage:
    rows, nxt = contracts.list_payments(db, actor, customer_id=customer_id, contract_id=contract_id, since=since,
                                        until=until, received=received, cursor=cursor, limit=limit)
    return PaymentPage(items=contracts.read_payments(db, rows), next_cursor=nxt)


_customer_list("payments", PaymentPage, contracts.list_payments, contracts.read_payments)


# ------------------------------------------------------------------ invoices
InvoiceIssued = _dates("issued", "issue_date (开票日期)")
InvoiceCreated = _dates("created", "created_at (申请日期)")


@router.get("/invoices", response_model=InvoicePage)
def list_invoices(actor: CurrentActor, db: DB, customer_id: int | None = None, contract_id: int | None = None,
                  status: InvoiceStatus | None = None,
                  issued: InvoiceIssued = NO_RANGE, created: InvoiceCreated = NO_RANGE, cursor: str | None = Cursor, limit: int = Limit) -> InvoicePage:
    rows, nxt = contracts.list_invoices(db, actor, customer_id=customer_id, contract_id=contract_id, status=status,
                                        issued=issued, created=created, cursor=cursor, limit=limit)
    return InvoicePage(items=contracts.read_invoices(db, rows), next_cursor=nxt)


_customer_list("invoices", InvoicePage, contracts.list_invoices, contracts.read_invoices)


@router.post(C + "/invoices", response_model=InvoiceRead, status_code=201)
def create_invoice(customer_id: int, body: InvoiceCreate, actor: CurrentActor, db: DB) -> InvoiceRead:
    return contracts.read_invoices(db, [contracts.create_invoice(db, actor, customer_id, body)])[0]


@router.get("/invoices/{invoice_id}", response_model=InvoiceRead)
def get_invoice(invoice_id: int, actor: CurrentActor, db: DB) -> InvoiceRead:
    return contracts.read_invoices(db, [contracts.get_invoice(db, actor, invoice_id)])[0]


_transitions((InvoiceRead, lambda db, i: contracts.read_invoices(db, [i])[0]), [
    ("/invoices/{invoice_id}/issue", "issue_invoice", IssueBody,
     lambda db, actor, i, body: contracts.issue_invoice(db, actor, i, body.invoice_no, body.issue_date), None),
    ("/invoices/{invoice_id}/void", "void_invoice", None, _no_body(contracts.void_invoice), None),
])


@router.get(C + "/sales-summary", response_model=SalesSummary)
def customer_sales_summary(customer_id: int, actor: CurrentActor, db: DB) -> SalesSummary:
    return contracts.summary(db, actor, customer_id)
