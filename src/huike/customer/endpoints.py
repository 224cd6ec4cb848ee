from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response

from huike.auth.deps import CurrentActor
from huike.customer import service
from huike.customer.schemas import (
    CustomerCreate,
    CustomerPage,
    CustomerRead,
    CustomerTypeCounts,
    CustomerUpdate,
    PoolKey,
)
from huike.kit.web import DB, UnitOfWorkRoute

router = APIRouter(prefix="/customers", tags=["customers"], route_class=UnitOfWorkRoute)


FILTER_DOC = ("URL-encoded JSON filter (schema `Filter`): conditions on system and custom fields joined by "
              "and/or, at most 10; applied on top of the pool and the caller's data scope")
SORT_DOC = ("sort column, `-` for descending: id, name, number, company, source, industry, level, stage, region, "
            "created_at, updated_at, assigned_at, claimed_at, last_followup_at, last_call_at, or cf.<key> of a "
            "sortable custom field (see GET /customers/fields). Default -id (newest first)")


@router.get("", response_model=CustomerPage, openapi_extra={"parameters": [{
    "name": "filter", "in": "query", "required": False, "description": FILTER_DOC,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Filter"}}}}]})
def list_customers(actor: CurrentActor, db: DB, pool: PoolKey = "all",
                   q: str | None = Query(None, max_length=100, description=(
                       "quick search over name, phones, WeChat nickname, customer number, company, email and "
                       "external id (substring, case-insensitive); Latin letters also match Chinese names by "
                       "pinyin (zhangsan, zs → 张三); exact matches first")),
                   filter: str | None = Query(None, max_length=20_000, include_in_schema=False),
                   saved_filter_id: int | None = Query(None, description="apply one of the caller's saved filters "
                                                                         "(AND the `filter` given)"),
                   sort: str | None = Query(None, max_length=60, description=SORT_DOC),
                   cursor: str | None = Query(None, max_length=2000),
                   limit: int = Query(20, ge=1, le=200),
                   total: Literal["auto", "exact", "none"] = Query(
                       "auto", description="auto: exact up to 1,000 and cheap, else a lower bound or the planner's "
                                           "estimate (never holds up the page); exact: count everything; none: skip "
                                           "(use GET /customers/count in parallel)")) -> CustomerPage:
    """One pool of customers within the caller's data scope: quick search, filter, any sortable column,
    keyset (cursor) pages — page 5,000 costs what page 1 costs."""
    from huike.find.service import parse_filter

    res = service.list_pool(db, actor, pool, q=q, flt=parse_filter(filter), sort=sort, cursor=cursor, limit=limit,
                            total=total, saved_filter_id=saved_filter_id)
    return CustomerPage(items=service.read_many(db, res.rows, actor), next_cursor=res.next_cursor, total=res.total,
                        total_exact=res.total_kind == "exact", total_kind=res.total_kind, sort=res.sort)


@router.get("/type-counts", response_model=CustomerTypeCounts, openapi_extra={"parameters": [{
    "name": "filter", "in": "query", "required": False, "description": FILTER_DOC,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Filter"}}}}]})
def type_counts(actor: CurrentActor, db: DB, pool: PoolKey = "all",
                q: str | None = Query(None, max_length=100, description="quick search, as on the list"),
                filter: str | None = Query(None, max_length=20_000, include_in_schema=False)) -> CustomerTypeCounts:
    """POOL-17 客户类型: how many customers of the list (pool, data scope, search, filter) are intent,
    assigned and won. List one type with the filter `{"field": "customer_type", "op": "eq", "value": …}`."""
    from huike.find.service import parse_filter

    counts = service.type_counts(db, actor, pool, q=q, flt=parse_filter(filter))
    return CustomerTypeCounts(**counts, total=sum(counts.values()))


@router.post("", response_model=CustomerRead, status_code=201)
def create_customer(body: CustomerCreate, actor: CurrentActor, db: DB) -> CustomerRead:
    return service.read_many(db, [service.create(db, actor, body)], actor)[0]


@router.get("/{customer_id}", response_model=CustomerRead)
def get_customer(customer_id: int, actor: CurrentActor, db: DB) -> CustomerRead:
    return service.read_many(db, [service.get_visible(db, actor, customer_id)], actor)[0]


@router.patch("/{customer_id}", response_model=CustomerRead)
def update_customer(customer_id: int, body: CustomerUpdate, actor: CurrentActor, db: DB) -> CustomerRead:
    return service.read_many(db, [service.update(db, actor, customer_id, body)], actor)[0]


@router.delete("/{customer_id}", status_code=204)
def delete_customer(customer_id: int, actor: CurrentActor, db: DB) -> Response:
    service.delete(db, actor, customer_id)
    return Response(status_code=204)
