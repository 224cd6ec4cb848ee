"""Authorization: one module answers "may this actor do this action" (`require`) and
"which rows may this actor see" (`customer_scope`, a query condition). Every list, detail,
count, bulk action, export, statistic and search of customers goes through `customer_scope`;
a record outside it answers 404 (never 403, so a refusal does not reveal that it exists)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from huike.authz.actor import Actor
from huike.customer.models import Customer, CustomerCollaborator, CustomerFocus
from huike.kit.errors import Forbidden, NotFound
from huike.org.models import OrgUnit

__all__ = ["Actor", "customer_scope", "everything", "only_assisting", "pool_condition", "require", "scope_limits", "scope_reach",
           "units_in_scope"]


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


def scope_reach(actor: Actor, department_id: Any, owner_id: Any, pool: Any) -> ColumnElement[bool]:
    """The row-level part of the visibility condition, on any columns that carry a customer's department,
    owner and pool (`customers`, or the statistics rollup `stats.rollup.customer_rollup`): the role's
    data scope (self / department / center subtree / company), the customers the actor owns, the public
    pool (POOL-5). `customer_scope` = (reach OR assisting) AND limits."""
    units = units_in_scope(actor)
    if units is None:
        return sa.true()  # the whole tenant (a plain true: `everything` recognises it)
    by_role: ColumnElement[bool] = sa.false() if actor.data_scope == "self" else department_id.in_(units)
    return sa.or_(by_role, owner_id == actor.employee_id, pool == "public")


def scope_limits(actor: Actor, pool: Any) -> list[ColumnElement[bool]]:
    """What the actor never sees, whatever the reach: sales roles no unverified or unassigned leads
    (POOL-3); the recycle bin without its permission."""
    limits: list[ColumnElement[bool]] = []
    if actor.is_sales:
        limits.append(pool.not_in(("potential", "to_assign")))
    if not actor.can("pool.recycle_bin"):
        limits.append(pool != "recycle_bin")
    return limits


def customer_scope(actor: Actor) -> ColumnElement[bool]:
    """The one visibility condition for customers.

    - role data scope: self / department / center subtree / company;
    - always: customers the actor owns or assists;
    - the public pool (公海) is visible to everyone (POOL-5);
    - sales roles never see unverified or unassigned leads (POOL-3);
    - the recycle bin needs its own permission.
    (`scope_reach` and `scope_limits` are its parts, shared with the statistics rollup.)
    """
    reach = scope_reach(actor, Customer.department_id, Customer.owner_id, Customer.pool)
    cond = reach if everything(reach) else sa.or_(reach, _collaborates(actor))
    limits = scope_limits(actor, Customer.pool)
    # no and_() around a lone condition: a whole-tenant scope must stay the constant `true` (callers skip
    # the join to customers for it, see stats.service.in_scope)
    return sa.and_(cond, *limits) if limits else cond


def everything(cond: ColumnElement[bool]) -> bool:
    """Whether a condition is the constant true (a whole-tenant scope): `or_(true(), …)` is true wrapped
    in an `AsBoolean`, which is no `True_` instance."""
    while isinstance(cond, sa.sql.elements.AsBoolean):
        cond = cond.element  # type: ignore[assignment]
    return isinstance(cond, sa.sql.elements.True_)


def only_assisting(actor: Actor) -> ColumnElement[bool] | None:
    """Customers in scope only through the assisting branch (NOT reach, NULL-safe), or None when the
    reach is the whole tenant: the live correction the rollup-based statistics add."""
    reach = scope_reach(actor, Customer.department_id, Customer.owner_id, Customer.pool)
    if everything(reach):
        return None
    return sa.and_(_collaborates(actor), sa.not_(sa.func.coalesce(reach, sa.false())),
                   *scope_limits(actor, Customer.pool))


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
