"""Statistics (SALES-8) and the work panel (SALES-9).

Every figure is a `Figure`: the number of rows (`count`) — and for money figures the sum (`amount`) —
of one existing list, named by `drill`. Opening `drill.url` (with the caller's own credentials) lists
exactly those rows: the figure is computed under the same data scope (`authz.customer_scope`) with the
same conditions as that list. Customer figures drill into `GET /customers?pool=…&filter=…` (count them
with `GET /customers/count?…&exact=true`); sales figures into `GET /opportunities`, `GET /orders`,
`GET /payments`; follow-ups into `GET /followups`; tasks into `GET /tasks/todo`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

CENT = Decimal("0.01")
Money = Annotated[Decimal, PlainSerializer(lambda v: format(Decimal(v).quantize(CENT), "f"), return_type=str)]

PeriodKey = Literal["today", "this_month", "last_month", "this_quarter", "this_year", "custom"]
ListKind = Literal["customers", "opportunities", "orders", "payments", "followups", "tasks", "recycle_soon"]


class Drill(BaseModel):
    """The list behind a figure: `GET {path}?{params}` (= `url`)."""

    list: ListKind
    path: str = Field(description="API path, e.g. /api/v1/customers")
    params: dict[str, str] = Field(description="query parameters; a customer filter is URL-ready JSON")
    url: str = Field(description="path and encoded query")


class Figure(BaseModel):
    count: int = Field(description="rows of the drilled list")
    amount: Money | None = Field(default=None, description="money figures: Σ of the list's amounts")
    drill: Drill


class Period(BaseModel):
    key: PeriodKey
    since: date = Field(description="first day (Asia/Shanghai)")
    until: date = Field(description="last day, inclusive (Asia/Shanghai)")


class Slice(BaseModel):
    key: str = Field(description="pool / type key, or the dictionary value ('' = not filled in)")
    label: str
    figure: Figure


class CustomerStats(BaseModel):
    """客户统计: customers of the caller's data scope (every pool but the recycle bin)."""

    period: Period
    total: Figure
    new: Figure = Field(description="created within the period")
    pools: list[Slice]
    types: list[Slice] = Field(description="POOL-17: intent / assigned / won")
    sources: list[Slice] = Field(description="a 大类 counts itself and its 小类, as the source filter does")
    industries: list[Slice]


class StageFigure(BaseModel):
    stage_id: int
    name: str
    kind: Literal["open", "won", "lost"]
    win_rate: int
    figure: Figure
    weighted_amount: Money = Field(description="Σ amount × the opportunity's win rate / 100")


class OpportunityStats(BaseModel):
    """商机统计: opportunities of customers in the caller's data scope (as `GET /opportunities` lists them)."""

    owner_id: int | None
    stages: list[StageFigure] = Field(description="open stages in pipeline order, then won, then lost")
    open: Figure
    won: Figure
    lost: Figure
    forecast: Money = Field(description="销售预测: Σ open amount × win rate / 100")


class SalespersonRow(BaseModel):
    employee_id: int
    name: str
    department: str | None
    customers: Figure = Field(description="customers owned (all pools but the recycle bin)")
    new_customers: Figure = Field(description="of those, created within the period")
    won_customers: Figure = Field(description="of those, of type won (成交客户)")
    conversion_rate: Decimal | None = Field(description="won_customers / customers in percent, 1 decimal")
    opportunities: Figure | None = Field(description="open opportunities owned (count, amount)")
    forecast: Money | None = Field(description="their amount weighted by win rate")
    deals: Figure | None = Field(description="orders completed with deal time in the period, as staff (成交金额)")
    followups: Figure = Field(description="follow-ups written within the period")


class SalespeopleStats(BaseModel):
    period: Period
    rows: list[SalespersonRow]


CardKey = Literal[
    "my_customers", "my_new_customers_month", "new_customers_month", "assisting_customers", "focus_customers",
    "public_customers", "followups_today", "my_followups_month", "tasks_todo", "open_opportunities",
    "my_open_opportunities", "won_amount_month", "my_deals_month", "payments_month", "recycle_soon",
]


class Card(BaseModel):
    key: CardKey
    kind: Literal["count", "amount"] = Field(description="what the card shows big: the count or the amount")
    figure: Figure


class PanelLayoutBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cards: list[str] = Field(min_length=1, max_length=20, description="card keys in display order")


class PanelLayout(BaseModel):
    cards: list[CardKey] = Field(description="the chosen cards, in order")
    available: list[CardKey] = Field(description="every card the caller may choose")
    is_default: bool


class Panel(PanelLayout):
    values: list[Card] = Field(description="the chosen cards with their figures, in order")
