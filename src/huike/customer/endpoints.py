from __future__ import annotations

from fastapi import APIRouter, Query, Response

from huike.auth.deps import CurrentActor
from huike.customer import service
from huike.customer.schemas import CustomerCreate, CustomerPage, CustomerRead, CustomerUpdate, PoolKey
from huike.kit.web import DB, UnitOfWorkRoute

router = APIRouter(prefix="/customers", tags=["customers"], route_class=UnitOfWorkRoute)


@router.get("", response_model=CustomerPage)
def list_customers(actor: CurrentActor, db: DB, pool: PoolKey = "all",
                   q: str | None = Query(None, max_length=100, description="quick search"),
                   cursor: str | None = Query(None, max_length=200),
                   limit: int = Query(20, ge=1, le=200)) -> CustomerPage:
    """One pool of customers within the caller's data scope, newest first, keyset-paginated."""
    rows, next_cursor, total, exact = service.list_pool(db, actor, pool, q=q, cursor=cursor, limit=limit)
    return CustomerPage(items=service.read_many(db, rows, actor), next_cursor=next_cursor, total=total,
                        total_exact=exact)


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
