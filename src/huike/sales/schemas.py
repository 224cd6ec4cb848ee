"""Request and response shapes of the sales pipeline (see /work/notes/SALES_API.md).

Money: requests accept a string (recommended) or a JSON number with at most two decimals; responses
always carry strings with exactly two decimals ("1234.50")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer

from huike.followup.schemas import Attachment

CENT = Decimal("0.01")

MoneyIn = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2, allow_inf_nan=False)]
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2, allow_inf_nan=False)]
Money = Annotated[Decimal, PlainSerializer(lambda v: format(Decimal(v).quantize(CENT), "f"), return_type=str)]
WinRate = Annotated[int, Field(ge=0, le=100)]

OpportunityStatus = Literal["open", "won", "lost"]
StageKind = Literal["open", "won", "lost"]
OrderStatus = Literal["draft", "confirmed", "completed", "cancelled"]
ContractStatus = Literal["draft", "signed", "completed", "terminated"]
InvoiceType = Literal["normal", "special"]
InvoiceStatus = Literal["pending", "issued", "void"]
PaymentMethod = Literal["bank", "cash", "wechat", "alipay", "check", "other"]


class Page(BaseModel):
    next_cursor: str | None


# ------------------------------------------------------------------ settings, stages, lost reasons
class SalesSettingsRead(BaseModel):
    restrict_manual_won: bool
    contract_expiry_enabled: bool
    contract_expiry_days: int
    reconciled: dict[str, int] | None = Field(
        default=None, description="when restrict_manual_won was just switched on: {won, amounts_synced}")


class SalesSettingsUpdate(BaseModel):
    restrict_manual_won: bool | None = None
    contract_expiry_enabled: bool | None = None
    contract_expiry_days: int | None = Field(default=None, ge=1, le=365)


class StageRead(BaseModel):
    id: int
    name: str
    kind: StageKind
    position: int
    win_rate: int
    enabled: bool
    opportunities: int = 0


class StageIn(BaseModel):
    id: int | None = None
    name: str = Field(min_length=1, max_length=50)
    win_rate: WinRate
    enabled: bool = True


class StagesUpdate(BaseModel):
    stages: list[StageIn] = Field(min_length=1, max_length=10, description="the open stages in their order")
    won_name: str | None = Field(default=None, min_length=1, max_length=50)
    lost_name: str | None = Field(default=None, min_length=1, max_length=50)


class LostReasonRead(BaseModel):
    id: int
    name: str
    position: int
    enabled: bool


class LostReasonCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class LostReasonUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    enabled: bool | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


# ------------------------------------------------------------------ opportunities
class OpportunityCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    amount: MoneyIn = Decimal(0)
    stage_id: int | None = None
    win_rate: WinRate | None = None
    expected_close_date: date | None = None
    notes: str | None = Field(default=None, max_length=5000)
    owner_id: int | None = None


class OpportunityUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    amount: MoneyIn | None = None
    win_rate: WinRate | None = None
    expected_close_date: date | None = None
    notes: str | None = Field(default=None, max_length=5000)
    owner_id: int | None = None


class Advance(BaseModel):
    stage_id: int
    note: str = Field(min_length=1, max_length=2000, description="推进说明")
    lost_reason_id: int | None = None
    win_rate: WinRate | None = None


class OpportunityRead(BaseModel):
    id: int
    number: str
    name: str
    customer_id: int
    customer_name: str | None
    owner_id: int
    owner_name: str | None
    amount: Money
    stage_id: int
    stage_name: str | None
    status: OpportunityStatus
    win_rate: int
    weighted_amount: Money
    expected_close_date: date | None
    notes: str | None
    lost_reason_id: int | None
    lost_reason: str | None
    lost_note: str | None
    stage_changed_at: datetime | None
    won_at: datetime | None
    lost_at: datetime | None
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    amount_editable: bool
    stage_editable: bool
    completed_orders_total: Money
    orders: int


class OpportunityPage(Page):
    items: list[OpportunityRead]


class StageChangeRead(BaseModel):
    id: int
    from_stage_id: int | None
    from_stage_name: str | None
    to_stage_id: int
    to_stage_name: str | None
    from_status: str | None
    to_status: str
    note: str | None
    lost_reason: str | None
    automatic: bool
    actor_id: int | None
    actor_name: str | None
    at: datetime


class Total(BaseModel):
    count: int = 0
    amount: Money = Decimal(0)


class MonthlySummary(BaseModel):
    """New / won / lost totals of a period: a month, or the days since…until (both inclusive, Asia/Shanghai)."""

    month: str | None = Field(description="YYYY-MM when the period is a month, null for since…until")
    since: date = Field(description="first day of the period")
    until: date = Field(description="last day of the period, inclusive")
    new: Total
    won: Total
    lost: Total


class FunnelStage(BaseModel):
    stage_id: int
    name: str
    kind: StageKind
    win_rate: int
    count: int
    amount: Money
    weighted_amount: Money


class Funnel(BaseModel):
    stages: list[FunnelStage]
    open_amount: Money
    forecast: Money


# ------------------------------------------------------------------ products
class ProductCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    code: str | None = Field(default=None, max_length=64)
    unit: str | None = Field(default=None, max_length=20)
    price: MoneyIn
    category: str | None = Field(default=None, max_length=100)
    on_sale: bool = True
    description: str | None = Field(default=None, max_length=5000)


class ProductUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    code: str | None = Field(default=None, max_length=64)
    unit: str | None = Field(default=None, max_length=20)
    price: MoneyIn | None = None
    category: str | None = Field(default=None, max_length=100)
    on_sale: bool | None = None
    description: str | None = Field(default=None, max_length=5000)


class ProductRead(BaseModel):
    id: int
    name: str
    code: str | None
    unit: str | None
    price: Money
    category: str | None
    on_sale: bool
    description: str | None
    created_at: datetime
    updated_at: datetime


class ProductPage(Page):
    items: list[ProductRead]


# ------------------------------------------------------------------ orders
class LineIn(BaseModel):
    product_id: int
    quantity: PositiveMoney
    unit_price: MoneyIn | None = Field(default=None, description="default: the product's list price")


class OrderCreate(BaseModel):
    opportunity_id: int | None = None
    deal_at: datetime | None = None
    staff_id: int | None = None
    discount: MoneyIn = Decimal(0)
    remark: str | None = Field(default=None, max_length=2000)
    lines: list[LineIn] = Field(min_length=1, max_length=100)


class OrderUpdate(BaseModel):
    opportunity_id: int | None = None
    deal_at: datetime | None = None
    staff_id: int | None = None
    discount: MoneyIn | None = None
    remark: str | None = Field(default=None, max_length=2000)
    lines: list[LineIn] | None = Field(default=None, min_length=1, max_length=100)


class CancelBody(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


class OrderLineRead(BaseModel):
    id: int
    product_id: int
    product_name: str
    product_code: str | None
    unit: str | None
    quantity: Money
    list_price: Money
    unit_price: Money
    amount: Money


class OrderRead(BaseModel):
    id: int
    number: str
    customer_id: int
    customer_name: str | None
    opportunity_id: int | None
    opportunity_name: str | None
    status: OrderStatus
    deal_at: datetime
    staff_id: int
    staff_name: str | None
    subtotal: Money
    discount: Money
    total: Money
    remark: str | None
    cancel_reason: str | None
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    confirmed_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    lines: list[OrderLineRead]


class OrderPage(Page):
    items: list[OrderRead]


# ------------------------------------------------------------------ contracts, plans, payments, invoices
class ContractCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    number: str | None = Field(default=None, min_length=1, max_length=32)
    opportunity_id: int | None = None
    owner_id: int | None = None
    amount: MoneyIn
    sign_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    remark: str | None = Field(default=None, max_length=5000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


class ContractUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    opportunity_id: int | None = None
    owner_id: int | None = None
    amount: MoneyIn | None = None
    sign_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    remark: str | None = Field(default=None, max_length=5000)
    attachments: list[Attachment] | None = Field(default=None, max_length=20)


class SignBody(BaseModel):
    sign_date: date | None = None


class TerminateBody(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class PlanCreate(BaseModel):
    due_date: date
    amount: PositiveMoney
    remark: str | None = Field(default=None, max_length=500)


class PlanRead(BaseModel):
    id: int
    contract_id: int
    due_date: date
    amount: Money
    remark: str | None
    received: Money
    outstanding: Money
    overdue: bool


class ContractRead(BaseModel):
    id: int
    number: str
    name: str
    customer_id: int
    customer_name: str | None
    opportunity_id: int | None
    opportunity_name: str | None
    owner_id: int
    owner_name: str | None
    amount: Money
    sign_date: date | None
    start_date: date | None
    end_date: date | None
    status: ContractStatus
    expired: bool
    days_to_end: int | None
    remark: str | None
    attachments: list[dict[str, Any]]
    terminate_reason: str | None
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    signed_at: datetime | None
    completed_at: datetime | None
    terminated_at: datetime | None
    receivable: Money
    received: Money
    outstanding: Money
    planned: Money
    invoiced: Money
    plans: list[PlanRead] | None = None


class ContractPage(Page):
    items: list[ContractRead]


class PaymentCreate(BaseModel):
    received_on: date | None = None
    amount: PositiveMoney
    method: PaymentMethod = "bank"
    plan_id: int | None = None
    remark: str | None = Field(default=None, max_length=500)


class PaymentRead(BaseModel):
    id: int
    contract_id: int
    contract_number: str | None
    customer_id: int
    customer_name: str | None
    plan_id: int | None
    received_on: date
    amount: Money
    method: PaymentMethod
    remark: str | None
    recorded_by_id: int | None
    recorded_by_name: str | None
    created_at: datetime


class PaymentPage(Page):
    items: list[PaymentRead]


class InvoiceCreate(BaseModel):
    contract_id: int | None = None
    amount: PositiveMoney
    type: InvoiceType = "normal"
    title: str | None = Field(default=None, max_length=200)
    tax_no: str | None = Field(default=None, max_length=64)
    remark: str | None = Field(default=None, max_length=2000)


class IssueBody(BaseModel):
    invoice_no: str = Field(min_length=1, max_length=64)
    issue_date: date | None = None


class InvoiceRead(BaseModel):
    id: int
    number: str
    invoice_no: str | None
    customer_id: int
    customer_name: str | None
    contract_id: int | None
    contract_number: str | None
    amount: Money
    type: InvoiceType
    status: InvoiceStatus
    title: str | None
    tax_no: str | None
    issue_date: date | None
    remark: str | None
    created_by_id: int | None
    created_at: datetime
    voided_at: datetime | None


class InvoicePage(Page):
    items: list[InvoiceRead]


class ContractMoney(BaseModel):
    count: int
    receivable: Money
    received: Money
    outstanding: Money
    invoiced: Money


class OrderCounts(BaseModel):
    completed: int
    open: int


class SalesSummary(BaseModel):
    total_purchase: Money
    last_purchase_at: datetime | None
    opportunities: dict[str, Total]
    orders: OrderCounts
    contracts: ContractMoney
