"""Statistics (SALES-8) and the work panel (SALES-9). Every figure carries `drill`: the list route whose
rows it counts, under the caller's data scope."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Response

from huike.auth.deps import CurrentActor
from huike.kit.web import DB, UnitOfWorkRoute
from huike.stats import panel, service
from huike.stats.schemas import (
    CustomerStats,
    OpportunityStats,
    Panel,
    PanelLayout,
    PanelLayoutBody,
    PeriodKey,
    SalespeopleStats,
)

router = APIRouter(prefix="/stats", route_class=UnitOfWorkRoute, tags=["stats"])
PERIOD_DOC = ("this_month (default) / last_month / this_quarter / this_year / custom (with since and until, "
              "inclusive dates); days in Asia/Shanghai")
PeriodParam = Query("this_month", description=PERIOD_DOC)


@router.get("/customers", response_model=CustomerStats)
def customer_stats(actor: CurrentActor, db: DB, period: PeriodKey = PeriodParam,
                   since: date | None = None, until: date | None = None) -> CustomerStats:
    """客户统计: total, new in the period, per pool, per type (intent / assigned / won), source and
    industry shares — customers of the caller's data scope, every pool but the recycle bin."""
    return service.customer_stats(db, actor, service.period(period, since, until))


@router.get("/opportunities", response_model=OpportunityStats)
def opportunity_stats(actor: CurrentActor, db: DB, owner_id: int | None = Query(
        None, description="one salesperson's funnel (各销售商机漏斗)")) -> OpportunityStats:
    """商机统计: count and amount per stage (the funnel), open / won / lost, and the forecast weighted by
    each opportunity's win rate."""
    return service.opportunity_stats(db, actor, owner_id)


@router.get("/salespeople", response_model=SalespeopleStats)
def salespeople_stats(actor: CurrentActor, db: DB, period: PeriodKey = PeriodParam,
                      since: date | None = None, until: date | None = None) -> SalespeopleStats:
    """Per salesperson: customers owned, new in the period, won, conversion rate, open pipeline and its
    forecast, deals (completed orders in the period) and follow-ups written in the period."""
    return service.salespeople_stats(db, actor, service.period(period, since, until))


@router.get("/panel", response_model=Panel)
def get_panel(actor: CurrentActor, db: DB) -> Panel:
    """工作台: the caller's chosen KPI cards (the role's defaults until chosen) with their figures."""
    return panel.panel(db, actor)


@router.put("/panel/layout", response_model=PanelLayout)
def put_panel_layout(body: PanelLayoutBody, actor: CurrentActor, db: DB) -> PanelLayout:
    """Choose the cards and their order (422 `invalid_card` for a card unknown or not available)."""
    return panel.put_layout(db, actor, body)


@router.delete("/panel/layout", status_code=204)
def reset_panel_layout(actor: CurrentActor, db: DB) -> Response:
    """Back to the role's default cards."""
    panel.reset_layout(db, actor)
    return Response(status_code=204)
