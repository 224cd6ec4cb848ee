"""Finding customers: field catalog, counts, the JSON-body list, saved filters and list views.
Mounted before the customer router (static paths under /customers)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from huike.auth.deps import CurrentActor
from huike.customer import service as customers
from huike.customer.schemas import CustomerPage, PoolKey
from huike.find import service
from huike.find.schemas import (
    CountRead,
    FieldRead,
    ListViewBody,
    ListViewRead,
    SavedFilterCreate,
    SavedFilterOrder,
    SavedFilterRead,
    SavedFilterUpdate,
    SearchBody,
)
from huike.kit.web import DB, UnitOfWorkRoute

router = APIRouter(prefix="/customers", tags=["find"], route_class=UnitOfWorkRoute)
FILTER_PARAM = {"parameters": [{
    "name": "filter", "in": "query", "required": False,
    "description": "URL-encoded JSON filter (schema `Filter`)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Filter"}}}}]}


@router.get("/fields", response_model=list[FieldRead])
def fields(actor: CurrentActor, db: DB) -> list[FieldRead]:
    """Every field of the filter builder and the column dialog: type, operators, options (dictionary
    values, tags, choices), sortable, usable as a column. Custom fields are `cf.<key>`."""
    return [FieldRead(**f) for f in service.fields(db, actor)]


@router.get("/count", response_model=CountRead, openapi_extra=FILTER_PARAM)
def count(actor: CurrentActor, db: DB, pool: PoolKey = "all", q: str | None = Query(None, max_length=100),
          filter: str | None = Query(None, max_length=20_000, include_in_schema=False),
          saved_filter_id: int | None = None,
          exact: bool = Query(False, description="count every row (may take a moment on millions)")) -> CountRead:
    """The total of a list, for showing next to a page that was fetched with `total=none`."""
    n, kind = service.count(db, actor, pool, q=q, flt=service.parse_filter(filter), exact=exact,
                            saved_filter_id=saved_filter_id)
    return CountRead(total=n, total_exact=kind == "exact", total_kind=kind)  # type: ignore[arg-type]


@router.post("/search", response_model=CustomerPage)
def search(body: SearchBody, actor: CurrentActor, db: DB) -> CustomerPage:
    """`GET /customers` with the filter as a JSON body (long filters, no URL encoding)."""
    res = service.list_customers(db, actor, body.pool, q=body.q, flt=body.filter, sort=body.sort,
                                 cursor=body.cursor, limit=body.limit, total=body.total,
                                 saved_filter_id=body.saved_filter_id)
    return CustomerPage(items=customers.read_many(db, res.rows, actor), next_cursor=res.next_cursor,
                        total=res.total, total_exact=res.total_kind == "exact",
                        total_kind=res.total_kind, sort=res.sort)  # type: ignore[arg-type]


# ------------------------------------------------------------------ saved filters (FIND-6, FIND-7)
@router.get("/saved-filters", response_model=list[SavedFilterRead])
def list_saved(actor: CurrentActor, db: DB, pool: PoolKey | None = None) -> list[SavedFilterRead]:
    """The caller's saved filters (常用筛选), of one pool or all, in their order; `pinned` ones are the
    quick chips of the filter bar."""
    return [service.saved_read(x) for x in service.list_saved(db, actor, pool)]


@router.post("/saved-filters", response_model=SavedFilterRead, status_code=201)
def create_saved(body: SavedFilterCreate, actor: CurrentActor, db: DB) -> SavedFilterRead:
    """Save the current conditions under a name, for the caller and one pool. Apply with
    `GET /customers?saved_filter_id=…`."""
    return service.saved_read(service.create_saved(db, actor, body))


@router.put("/saved-filters/order", response_model=list[SavedFilterRead])
def order_saved(body: SavedFilterOrder, actor: CurrentActor, db: DB) -> list[SavedFilterRead]:
    return [service.saved_read(x) for x in service.reorder_saved(db, actor, body.pool, body.ids)]


@router.patch("/saved-filters/{filter_id}", response_model=SavedFilterRead)
def update_saved(filter_id: int, body: SavedFilterUpdate, actor: CurrentActor, db: DB) -> SavedFilterRead:
    return service.saved_read(service.update_saved(db, actor, filter_id, body))


@router.delete("/saved-filters/{filter_id}", status_code=204)
def delete_saved(filter_id: int, actor: CurrentActor, db: DB) -> Response:
    service.delete_saved(db, actor, filter_id)
    return Response(status_code=204)


# ------------------------------------------------------------------ list views (FIND-7, FIND-8)
@router.get("/views/{pool}", response_model=ListViewRead)
def get_view(pool: PoolKey, actor: CurrentActor, db: DB) -> ListViewRead:
    """The caller's list settings for a pool (the defaults until saved): visible columns — system
    columns in their fixed order, then custom columns in the caller's order — pinned filter fields,
    sort and page size."""
    return service.get_view(db, actor, pool)


@router.put("/views/{pool}", response_model=ListViewRead)
def put_view(pool: PoolKey, body: ListViewBody, actor: CurrentActor, db: DB) -> ListViewRead:
    return service.put_view(db, actor, pool, body)


@router.delete("/views/{pool}", status_code=204)
def reset_view(pool: PoolKey, actor: CurrentActor, db: DB) -> Response:
    """Back to the default columns."""
    service.reset_view(db, actor, pool)
    return Response(status_code=204)
