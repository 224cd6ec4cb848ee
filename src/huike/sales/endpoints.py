"""Sales pipeline routes (SALES-1…7): settings and stages, opportunities, products, orders, contracts,
payment plans, payments, invoices. Shapes and rules: /work/notes/SALES_API.md."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Query, Response

import huike.sales.attachments  # record kind "contract" for files
import huike.sales.reminders  # noqa: F401  (registers the contract_expiry reminder)
from huike.auth.deps import CurrentActor
from huike.kit.web import DB, UnitOfWorkRoute
from huike.sales import contracts, opportunities, orders, settings
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
@router.get("/opportunities", response_model=OpportunityPage)
def list_opportunities(actor: CurrentActor, db: DB, status: OpportunityStatus | None = None,
                       q: str | None = Query(None, max_length=100), customer_id: int | None = None,
                       owner_id: int | None = None, stage_id: int | None = None,
                       mine: bool = Query(False, description="only opportunities the caller owns"),
                       cursor: str | None = Cursor, limit: int = Limit) -> OpportunityPage:
    """新机会 (open) / 已成单 (won) / 已丢单 (lost); q searches number, customer name and opportunity name."""
    rows, nxt = opportunities.list_(db, actor, status=status, q=q, customer_id=customer_id,
                                    owner_id=actor.employee_id if mine else owner_id, stage_id=stage_id,
                                    cursor=cursor, limit=limit)
    return OpportunityPage(items=opportunities.read_many(db, rows), next_cursor=nxt)


@router.get("/opportunities/summary", response_model=MonthlySummary)
def opportunity_summary(actor: CurrentActor, db: DB, month: str | None = Query(None, max_length=7),
                        owner_id: int | None = None) -> MonthlySummary:
    """The month's totals of new, won and lost opportunities (Asia/Shanghai months)."""
    return opportunities.summary(db, actor, month, owner_id)


@router.get("/opportunities/funnel", response_model=Funnel)
def opportunity_funnel(actor: CurrentActor, db: DB, owner_id: int | None = None) -> Funnel:
    return opportunities.funnel(db, actor, owner_id)


@router.get(C + "/opportunities", response_model=OpportunityPage)
def customer_opportunities(customer_id: int, actor: CurrentActor, db: DB, cursor: str | None = Cursor,
                           limit: int = Limit) -> OpportunityPage:
    rows, nxt = opportunities.list_(db, actor, customer_id=customer_id, cursor=cursor, limit=limit)
    return OpportunityPage(items=opportunities.read_many(db, rows), next_cursor=nxt)


@router.post(C + "/opportunities", response_model=OpportunityRead, status_code=201)
def create_opportunity(customer_id: int, body: OpportunityCreate, actor: CurrentActor, db: DB) -> OpportunityRead:
    return opportunities.read_many(db, [opportunities.create(db, actor, customer_id, body)])[0]


@router.get("/opportunities/{opportunity_id}", response_model=OpportunityRead)
def get_opportunity(opportunity_id: int, actor: CurrentActor, db: DB) -> OpportunityRead:
    return opportunities.read_many(db, [opportunities.get(db, actor, opportunity_id)])[0]


@router.patch("/opportunities/{opportunity_id}", response_model=OpportunityRead)
def update_opportunity(opportunity_id: int, body: OpportunityUpdate, actor: CurrentActor, db: DB) -> OpportunityRead:
    return opportunities.read_many(db, [opportunities.update(db, actor, opportunity_id, body)])[0]


@router.post("/opportunities/{opportunity_id}/advance", response_model=OpportunityRead)
def advance_opportunity(opportunity_id: int, body: Advance, actor: CurrentActor, db: DB) -> OpportunityRead:
    """推进阶段 with a note (lands on the customer's timeline); the lost stage needs a lost reason."""
    return opportunities.read_many(db, [opportunities.advance(db, actor, opportunity_id, body)])[0]


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
@router.get("/orders", response_model=OrderPage)
def list_orders(actor: CurrentActor, db: DB, status: OrderStatus | None = None, customer_id: int | None = None,
                opportunity_id: int | None = None, staff_id: int | None = None,
                q: str | None = Query(None, max_length=100), since: datetime | None = None,
                until: datetime | None = None, cursor: str | None = Cursor, limit: int = Limit) -> OrderPage:
    rows, nxt = orders.list_(db, actor, status=status, customer_id=customer_id, opportunity_id=opportunity_id,
                             staff_id=staff_id, q=q, since=since, until=until, cursor=cursor, limit=limit)
    return OrderPage(items=orders.read_many(db, rows), next_cursor=nxt)


@router.get(C + "/orders", response_model=OrderPage)
def customer_orders(customer_id: int, actor: CurrentActor, db: DB, cursor: str | None = Cursor,
                    limit: int = Limit) -> OrderPage:
    rows, nxt = orders.list_(db, actor, customer_id=customer_id, cursor=cursor, limit=limit)
    return OrderPage(items=orders.read_many(db, rows), next_cursor=nxt)


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


@router.post("/orders/{order_id}/confirm", response_model=OrderRead)
def confirm_order(order_id: int, actor: CurrentActor, db: DB) -> OrderRead:
    return orders.read_many(db, [orders.confirm(db, actor, order_id)])[0]


@router.post("/orders/{order_id}/complete", response_model=OrderRead)
def complete_order(order_id: int, actor: CurrentActor, db: DB) -> OrderRead:
    """The customer becomes won; under restrict-manual-won the linked opportunity too."""
    return orders.read_many(db, [orders.complete(db, actor, order_id)])[0]


@router.post("/orders/{order_id}/cancel", response_model=OrderRead)
def cancel_order(order_id: int, actor: CurrentActor, db: DB, body: CancelBody | None = None) -> OrderRead:
    return orders.read_many(db, [orders.cancel(db, actor, order_id, body.reason if body else None)])[0]


# ------------------------------------------------------------------ contracts
@router.get("/contracts", response_model=ContractPage)
def list_contracts(actor: CurrentActor, db: DB, status: ContractStatus | None = None, customer_id: int | None = None,
                   owner_id: int | None = None, q: str | None = Query(None, max_length=100),
                   expiring_within_days: int | None = Query(None, ge=0, le=3650),
                   cursor: str | None = Cursor, limit: int = Limit) -> ContractPage:
    rows, nxt = contracts.list_(db, actor, status=status, customer_id=customer_id, owner_id=owner_id, q=q,
                                expiring_within_days=expiring_within_days, cursor=cursor, limit=limit)
    return ContractPage(items=contracts.read_many(db, rows), next_cursor=nxt)


@router.get(C + "/contracts", response_model=ContractPage)
def customer_contracts(customer_id: int, actor: CurrentActor, db: DB, cursor: str | None = Cursor,
                       limit: int = Limit) -> ContractPage:
    rows, nxt = contracts.list_(db, actor, customer_id=customer_id, cursor=cursor, limit=limit)
    return ContractPage(items=contracts.read_many(db, rows), next_cursor=nxt)


@router.post(C + "/contracts", response_model=ContractRead, status_code=201)
def create_contract(customer_id: int, body: ContractCreate, actor: CurrentActor, db: DB) -> ContractRead:
    return contracts.read_many(db, [contracts.create(db, actor, customer_id, body)], with_plans=True)[0]


@router.get("/contracts/{contract_id}", response_model=ContractRead)
def get_contract(contract_id: int, actor: CurrentActor, db: DB) -> ContractRead:
    return contracts.read_many(db, [contracts.get(db, actor, contract_id)], with_plans=True)[0]


@router.patch("/contracts/{contract_id}", response_model=ContractRead)
def update_contract(contract_id: int, body: ContractUpdate, actor: CurrentActor, db: DB) -> ContractRead:
    return contracts.read_many(db, [contracts.update(db, actor, contract_id, body)], with_plans=True)[0]


@router.post("/contracts/{contract_id}/sign", response_model=ContractRead)
def sign_contract(contract_id: int, actor: CurrentActor, db: DB, body: SignBody | None = None) -> ContractRead:
    """签订: the customer becomes won."""
    c = contracts.sign(db, actor, contract_id, body.sign_date if body else None)
    return contracts.read_many(db, [c], with_plans=True)[0]


@router.post("/contracts/{contract_id}/complete", response_model=ContractRead)
def complete_contract(contract_id: int, actor: CurrentActor, db: DB) -> ContractRead:
    return contracts.read_many(db, [contracts.complete(db, actor, contract_id)], with_plans=True)[0]


@router.post("/contracts/{contract_id}/terminate", response_model=ContractRead)
def terminate_contract(contract_id: int, body: TerminateBody, actor: CurrentActor, db: DB) -> ContractRead:
    return contracts.read_many(db, [contracts.terminate(db, actor, contract_id, body.reason)], with_plans=True)[0]


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
                  since: date | None = None, until: date | None = None, cursor: str | None = Cursor,
                  limit: int = Limit) -> PaymentPage:
    rows, nxt = contracts.list_payments(db, actor, customer_id=customer_id, contract_id=contract_id, since=since,
                                        until=until, cursor=cursor, limit=limit)
    return PaymentPage(items=contracts.read_payments(db, rows), next_cursor=nxt)


@router.get(C + "/payments", response_model=PaymentPage)
def customer_payments(customer_id: int, actor: CurrentActor, db: DB, cursor: str | None = Cursor,
                      limit: int = Limit) -> PaymentPage:
    rows, nxt = contracts.list_payments(db, actor, customer_id=customer_id, cursor=cursor, limit=limit)
    return PaymentPage(items=contracts.read_payments(db, rows), next_cursor=nxt)


# ------------------------------------------------------------------ invoices
@router.get("/invoices", response_model=InvoicePage)
def list_invoices(actor: CurrentActor, db: DB, customer_id: int | None = None, contract_id: int | None = None,
                  status: InvoiceStatus | None = None, cursor: str | None = Cursor,
                  limit: int = Limit) -> InvoicePage:
    rows, nxt = contracts.list_invoices(db, actor, customer_id=customer_id, contract_id=contract_id, status=status,
                                        cursor=cursor, limit=limit)
    return InvoicePage(items=contracts.read_invoices(db, rows), next_cursor=nxt)


@router.get(C + "/invoices", response_model=InvoicePage)
def customer_invoices(customer_id: int, actor: CurrentActor, db: DB, cursor: str | None = Cursor,
                      limit: int = Limit) -> InvoicePage:
    rows, nxt = contracts.list_invoices(db, actor, customer_id=customer_id, cursor=cursor, limit=limit)
    return InvoicePage(items=contracts.read_invoices(db, rows), next_cursor=nxt)


@router.post(C + "/invoices", response_model=InvoiceRead, status_code=201)
def create_invoice(customer_id: int, body: InvoiceCreate, actor: CurrentActor, db: DB) -> InvoiceRead:
    return contracts.read_invoices(db, [contracts.create_invoice(db, actor, customer_id, body)])[0]


@router.get("/invoices/{invoice_id}", response_model=InvoiceRead)
def get_invoice(invoice_id: int, actor: CurrentActor, db: DB) -> InvoiceRead:
    return contracts.read_invoices(db, [contracts.get_invoice(db, actor, invoice_id)])[0]


@router.post("/invoices/{invoice_id}/issue", response_model=InvoiceRead)
def issue_invoice(invoice_id: int, body: IssueBody, actor: CurrentActor, db: DB) -> InvoiceRead:
    inv = contracts.issue_invoice(db, actor, invoice_id, body.invoice_no, body.issue_date)
    return contracts.read_invoices(db, [inv])[0]


@router.post("/invoices/{invoice_id}/void", response_model=InvoiceRead)
def void_invoice(invoice_id: int, actor: CurrentActor, db: DB) -> InvoiceRead:
    return contracts.read_invoices(db, [contracts.void_invoice(db, actor, invoice_id)])[0]


@router.get(C + "/sales-summary", response_model=SalesSummary)
def customer_sales_summary(customer_id: int, actor: CurrentActor, db: DB) -> SalesSummary:
    return contracts.summary(db, actor, customer_id)
