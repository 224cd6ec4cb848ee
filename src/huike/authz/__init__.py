"""Authorization: one module answers "may this actor do this action" (`require`) and
"which rows may this actor see" (`customer_scope`, a query condition). Every list, detail,
count, bulk action, export, statistic and search of customers goes through `customer_scope`;
a record outside it answers 404 (never 403, so a refusal does not reveal that it exists)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from huike.authz.actor import Actor
from huike.customer.models import Customer, CustomerCollaborator, CustomerFocus
from huike.kit.errors import Forbidden, NotFound
from huike.org.models import OrgUnit

__all__ = ["Actor", "customer_scope", "pool_condition", "require", "units_in_scope"]


def require(actor: Actor, permission: str) -> None:
    if not actor.can(permission):
        raise Forbidden()


def _collaborates(actor: Actor) -> ColumnElement[bool]:
    return sa.exists().where(CustomerCollaborator.customer_id == Customer.id,
                             CustomerCollaborator.employee_id == actor.employee_id)


def units_in_scope(actor: Actor) -> sa.Select[tuple[int]] | None:
    """The org units whose records the actor sees by role scope; None = all (company)."""
    if actor.data_scope == "company":
        return None
    if actor.data_scope == "center" and actor.center_path:
        return sa.select(OrgUnit.id).where(OrgUnit.path.startswith(actor.center_path))
    if actor.data_scope in ("center", "department"):
        # Department scope: own department only, no sub-departments [004].
        return sa.select(sa.literal(actor.department_id))
    return sa.select(OrgUnit.id).where(sa.false())


def customer_scope(actor: Actor) -> ColumnElement[bool]:
    """The one visibility condition for customers.

    - role data scope: self / department / center subtree / company;
    - always: customers the actor owns or assists;
    - the public pool (公海) is visible to everyone (POOL-5);
    - sales roles never see unverified or unassigned leads (POOL-3);
    - the recycle bin needs its own permission.
    """
    mine = sa.or_(Customer.owner_id == actor.employee_id, _collaborates(actor))
    units = units_in_scope(actor)
    if units is None:
        by_role: ColumnElement[bool] = sa.true()
    elif actor.data_scope == "self":
        by_role = sa.false()
    else:
        by_role = Customer.department_id.in_(units)
    cond = sa.or_(by_role, mine, Customer.pool == "public")
    if actor.is_sales:
        cond = sa.and_(cond, Customer.pool.not_in(("potential", "to_assign")))
    if not actor.can("pool.recycle_bin"):
        cond = sa.and_(cond, Customer.pool != "recycle_bin")
    return cond


def pool_condition(actor: Actor, pool: str) -> ColumnElement[bool]:
    """Which customers a pool key lists (on top of, never instead of, `customer_scope`)."""
    if pool == "potential" and not actor.can("pool.potential"):
        raise Forbidden("pool_forbidden", pool=pool)
    if pool == "to_assign" and (actor.is_sales or not actor.can("pool.to_assign")):
        raise Forbidden("pool_forbidden", pool=pool)
    if pool == "recycle_bin" and not actor.can("pool.recycle_bin"):
        raise Forbidden("pool_forbidden", pool=pool)
    match pool:
        case "all":
            return Customer.pool != "recycle_bin"
        case "mine":
            return sa.and_(Customer.owner_id == actor.employee_id, Customer.pool.in_(("following", "won")))
        case "assisting":
            return sa.and_(_collaborates(actor), Customer.pool != "recycle_bin")
        case "focus":
            return sa.and_(
                sa.exists().where(CustomerFocus.customer_id == Customer.id,
                                  CustomerFocus.employee_id == actor.employee_id),
                Customer.pool != "recycle_bin")
        case _:
            return Customer.pool == pool


def not_found() -> NotFound:
    return NotFound()
