"""Statistics (SALES-8): customers per pool, type, source and industry; the opportunity pipeline per
stage with its forecast; per salesperson customers, conversion, pipeline, deals and follow-ups.

One rule makes every figure equal to the list it drills into: a figure is counted by the *list's own
conditions* under the *one* visibility condition.
- Customer figures count the list of `GET /customers` (`customer_scope AND pool_condition(all)`) from the
  rollups the database keeps (`stats.rollup`: counts per department × owner × pool × type × source ×
  industry, and per created day), with the scope stated on the rollup's columns (`authz.scope_reach`,
  `authz.scope_limits`) plus a live count of customers visible only as a collaborator; each group is a
  condition of the find filter language (`created_at between` = the Shanghai days of `created_day`,
  `customer_type` = `kind`, `source` with its 小类); the drill is that filter.
- Sales and follow-up figures join the customer and apply `authz.customer_scope(actor)` with exactly the
  conditions of the list route named in the drill (`GET /opportunities?status=&owner_id=&stage_id=`,
  `GET /orders?status=completed&staff_id=&since=&until=`, `GET /followups?author_id=&since=&until=`,
  `GET /payments?since=&until=`).
Each endpoint is one or a few GROUP BY statements over its rows (no per-figure query)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.authz import (
    customer_scope,
    everything,
    only_assisting,
    pool_condition,
    require,
    scope_limits,
    scope_reach,
    units_in_scope,
)
from huike.authz.actor import Actor
from huike.customer.models import Customer
from huike.customer.service import type_conditions
from huike.dictionary.models import DictItem
from huike.find.filters import Compiler
from huike.find.schemas import Filter
from huike.followup.models import Followup
from huike.kit import clock, context
from huike.kit.db import get_tenant
from huike.kit.errors import Invalid
from huike.org.models import Employee, Role
from huike.sales import settings as sales_settings
from huike.sales.models import Opportunity, Order
from huike.stats import rollup
from huike.stats.schemas import (
    CustomerStats,
    Drill,
    Figure,
    OpportunityStats,
    Period,
    SalespeopleStats,
    SalespersonRow,
    Slice,
    StageFigure,
)

API = "/api/v1"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_DAYS = 3660

POOL_LABELS = {"potential": ("潜在客户", "Potential"), "to_assign": ("待分配", "To assign"),
               "following": ("跟进中", "Following"), "public": ("公海", "Public pool"), "won": ("已成交", "Won")}
TYPE_LABELS = {"intent": ("意向客户", "Intent"), "assigned": ("分配客户", "Assigned"), "won": ("成交客户", "Won")}
EMPTY_LABEL = ("未填写", "Not filled in")


def _label(pair: tuple[str, str]) -> str:
    return pair[1] if context.current().lang == "en" else pair[0]


def money(value: Any) -> Decimal:
    return Decimal(value if value is not None else 0).quantize(CENT)


# ====================================================================== periods
def day_start(d: date) -> datetime:
    """The first instant of a day in Asia/Shanghai, in UTC."""
    return datetime.combine(d, time.min, tzinfo=clock.TZ).astimezone(UTC)


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _next_month(d: date) -> date:
    return (d.replace(day=1) + timedelta(days=32)).replace(day=1)


def period(key: str = "this_month", since: date | None = None, until: date | None = None) -> Period:
    """A period as whole days in Asia/Shanghai: [since, until], both inclusive."""
    today = clock.today()
    match key:
        case "today":
            a, b = today, today
        case "this_month":
            a, b = _month_start(today), _next_month(today) - timedelta(days=1)
        case "last_month":
            b = _month_start(today) - timedelta(days=1)
            a = _month_start(b)
        case "this_quarter":
            a = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
            nxt = date(a.year + 1, 1, 1) if a.month == 10 else a.replace(month=a.month + 3)
            b = nxt - timedelta(days=1)
        case "this_year":
            a, b = today.replace(month=1, day=1), today.replace(month=12, day=31)
        case "custom":
            if since is None or until is None:
                raise Invalid("invalid_period", reason="since, until", errors=[
                    {"field": "since" if since is None else "until", "code": "missing",
                     "message": "custom periods need since and until"}])
            if until < since:
                raise Invalid("invalid_period", reason="until < since", errors=[
                    {"field": "until", "code": "before_since", "message": "until is before since"}])
            if (until - since).days > MAX_DAYS:
                raise Invalid("invalid_period", reason=f"> {MAX_DAYS} days", errors=[
                    {"field": "until", "code": "too_long", "message": f"at most {MAX_DAYS} days"}])
            a, b = since, until
        case _:
            raise Invalid("invalid_period", reason=key)
    if key != "custom" and (since is not None or until is not None):
        raise Invalid("invalid_period", reason="since/until need period=custom", errors=[
            {"field": "period", "code": "not_custom", "message": "since/until need period=custom"}])
    return Period(key=key, since=a, until=b)  # type: ignore[arg-type]


def bounds(p: Period) -> tuple[datetime, datetime]:
    """[start, end) of a period in UTC."""
    return day_start(p.since), day_start(p.until + timedelta(days=1))


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ====================================================================== drill targets
def drill(kind: str, path: str, params: dict[str, Any]) -> Drill:
    clean = {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in params.items()
             if v is not None}
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in clean.items())
    # built, not validated: hundreds per answer (one per number of the per-salesperson table)
    return Drill.model_construct(list=kind, path=API + path, params=clean, url=API + path + ("?" + query if query else ""))


def figure(count: int, d: Drill, amount: Decimal | None = None) -> Figure:
    return Figure.model_construct(count=count, amount=amount, drill=d)


def cjson(condition: dict[str, Any]) -> str:
    return json.dumps(condition, ensure_ascii=False, separators=(",", ":"))


def customers_drill(pool: str, conditions: list[dict[str, Any]] | list[str]) -> Drill:
    """`GET /customers?pool=…&filter=…`: the conditions ANDed (dicts, or their JSON from `cjson`)."""
    params: dict[str, Any] = {"pool": pool}
    if conditions:
        parts = [c if isinstance(c, str) else cjson(c) for c in conditions]
        params["filter"] = '{"logic":"and","conditions":[' + ",".join(parts) + "]}"
    return drill("customers", "/customers", params)


def c_pool(key: str) -> dict[str, Any]:
    return {"field": "pool", "op": "eq", "value": key}


def c_type(key: str) -> dict[str, Any]:
    return {"field": "customer_type", "op": "eq", "value": key}


def c_created(p: Period) -> dict[str, Any]:
    return {"field": "created_at", "op": "between", "value": [p.since.isoformat(), p.until.isoformat()]}


def c_owner(employee_id: int) -> dict[str, Any]:
    return {"field": "owner", "op": "eq", "value": employee_id}


def c_dict(field: str, value: str) -> dict[str, Any]:
    return {"field": field, "op": "eq", "value": value} if value else {"field": field, "op": "empty"}


def compile_conditions(s: Session, actor: Actor, *conditions: dict[str, Any]) -> Any:
    """The SQL of find-filter conditions, compiled exactly as the customer list compiles them."""
    # system fields only: no custom-field catalogue needed
    cond = Compiler(s, actor).compile(Filter.model_validate({"conditions": list(conditions)}))
    assert cond is not None
    return cond


def in_scope(stmt: Any, actor: Actor, customer_id: Any) -> Any:
    """Records (opportunities, orders, follow-ups, payments) of customers in the actor's scope: joined
    to the customer under `authz.customer_scope`, as their list routes do. When the scope is the whole
    tenant (an admin: the condition is constant true) the join is left out — every record has its
    customer (NOT NULL foreign key, same tenant), so the rows are the same without reading customers."""
    cond = customer_scope(actor)
    if everything(cond):
        return stmt
    return stmt.join(Customer, Customer.id == customer_id).where(cond)


def _kind() -> Any:
    conds = type_conditions()
    return sa.case((conds["won"], "won"), (conds["assigned"], "assigned"), else_="intent")


# ====================================================================== customers
# Customer figures read the rollups kept by the database (stats.rollup), under the scope expressed on
# their columns (`authz.scope_reach` AND `authz.scope_limits` AND the "all" list's pool != recycle_bin),
# plus a live count of the customers in scope only as a collaborator (`authz.only_assisting`), grouped
# the same way: the sum is exactly the count of the list the figure drills into.
def _rollup_where(s: Session, actor: Actor, t: Any) -> list[Any]:
    require(actor, "customer.view")  # what GET /customers needs
    return [t.c.tenant_id == get_tenant(s),
            scope_reach(actor, t.c.department_id, t.c.owner_id, t.c.pool), *scope_limits(actor, t.c.pool),
            t.c.pool != "recycle_bin"]


def _assisting_only(s: Session, actor: Actor) -> list[Any] | None:
    """The live correction's conditions on customers (None: the reach is the whole tenant)."""
    extra = only_assisting(actor)
    return None if extra is None else [Customer.tenant_id == get_tenant(s), extra, pool_condition(actor, "all")]


def customer_count(s: Session, actor: Actor, pool: str = "all", p: Period | None = None) -> int:
    """What `GET /customers/count?pool=all|public` (with `created_at between` the period) answers, from
    the rollups: the work panel's whole-list cards."""
    assert pool in ("all", "public")
    t = rollup.counts(daily=p is not None)
    conds = _rollup_where(s, actor, t)
    extra = _assisting_only(s, actor)
    if pool == "public":
        conds.append(t.c.pool == "public")
        extra = None  # the public pool is in everyone's reach: no customer of it is visible only as assisting
    if p is not None:
        conds += [t.c.created_day >= p.since, t.c.created_day <= p.until]
    n = int(s.scalar(sa.select(sa.func.coalesce(sa.func.sum(t.c.n), 0)).where(*conds)) or 0)
    if extra is not None:
        if p is not None:
            extra.append(compile_conditions(s, actor, c_created(p)))
        n += int(s.scalar(sa.select(sa.func.count()).select_from(Customer).where(*extra)) or 0)
    return n


def customer_stats(s: Session, actor: Actor, p: Period) -> CustomerStats:
    require(actor, "stats.view")
    R, D = rollup.counts(), rollup.counts(daily=True)
    groups: list[tuple[str, str, str, str, int]] = list(s.execute(  # type: ignore[arg-type]
        sa.select(R.c.pool, R.c.kind, R.c.source, R.c.industry, sa.func.sum(R.c.n))
        .where(*_rollup_where(s, actor, R)).group_by(R.c.pool, R.c.kind, R.c.source, R.c.industry)))
    new_n = int(s.scalar(sa.select(sa.func.coalesce(sa.func.sum(D.c.n), 0)).where(
        *_rollup_where(s, actor, D), D.c.created_day >= p.since, D.c.created_day <= p.until)) or 0)
    extra = _assisting_only(s, actor)
    if extra is not None:
        new = compile_conditions(s, actor, c_created(p))
        inner = sa.select(
            Customer.pool.label("pool"), _kind().label("kind"), sa.case((new, 1), else_=0).label("is_new"),
            sa.func.coalesce(Customer.source, "").label("source"),
            sa.func.coalesce(Customer.industry, "").label("industry")).where(*extra).subquery()
        for pool, kind, is_new, source, industry, n in s.execute(
                sa.select(inner.c.pool, inner.c.kind, inner.c.is_new, inner.c.source, inner.c.industry,
                          sa.func.count())
                .group_by(inner.c.pool, inner.c.kind, inner.c.is_new, inner.c.source, inner.c.industry)):
            groups.append((pool, kind, source, industry, n))
            new_n += n if is_new else 0
    pools: dict[str, int] = defaultdict(int)
    kinds: dict[str, int] = defaultdict(int)
    sources: dict[str, int] = defaultdict(int)
    industries: dict[str, int] = defaultdict(int)
    total = 0
    for pool, kind, source, industry, n in groups:
        n = int(n)
        total += n
        pools[pool] += n
        kinds[kind] += n
        sources[source] += n
        industries[industry] += n

    def fig(conds: list[dict[str, Any]], n: int) -> Figure:
        return Figure(count=n, drill=customers_drill("all", conds))

    pool_slices = [Slice(key=k, label=_label(POOL_LABELS[k]), figure=fig([c_pool(k)], pools.get(k, 0)))
                   for k in POOL_LABELS if _may_open(actor, k)]
    type_slices = [Slice(key=k, label=_label(TYPE_LABELS[k]), figure=fig([c_type(k)], kinds.get(k, 0)))
                   for k in TYPE_LABELS]
    return CustomerStats(period=p, total=fig([], total), new=fig([c_created(p)], new_n), pools=pool_slices,
                         types=type_slices, sources=_shares(s, "source", sources, fig),
                         industries=_shares(s, "industry", industries, fig))


def _may_open(actor: Actor, pool: str) -> bool:
    """Pools the caller's pool list shows (a salesperson's scope never holds unverified leads)."""
    if pool == "potential":
        return actor.can("pool.potential") and not actor.is_sales
    if pool == "to_assign":
        return actor.can("pool.to_assign") and not actor.is_sales
    return True


def _shares(s: Session, kind: str, raw: dict[str, int], fig: Any) -> list[Slice]:
    """Dictionary shares: a source 大类 counts itself and its 小类 (as `source eq 大类` filters); values
    outside the dictionary get a slice of their own; '' = not filled in (`empty`). Zero slices are left out."""
    out: list[tuple[str, int]] = []
    covered: set[str] = set()
    items = list(s.execute(sa.select(DictItem.id, DictItem.name, DictItem.parent_id).where(DictItem.kind == kind)
                           .order_by(DictItem.sort, DictItem.id)))
    children: dict[int, list[str]] = defaultdict(list)
    for _, name, parent in items:
        if parent is not None:
            children[parent].append(name)
    for item_id, name, parent in items:
        if parent is not None:
            continue
        # as dictionary.expand_names: a source 大类 stands for itself and its 小类
        names = [name, *children[item_id]] if kind == "source" else [name]
        covered.update(names)
        out.append((name, sum(raw.get(n, 0) for n in dict.fromkeys(names))))
    out += [(v, n) for v, n in raw.items() if v and v not in covered]
    out.sort(key=lambda x: -x[1])
    if raw.get(""):
        out.append(("", raw[""]))
    return [Slice(key=v, label=v or _label(EMPTY_LABEL), figure=fig([c_dict(kind, v)], n)) for v, n in out if n]


# ====================================================================== opportunities
def _opportunities(actor: Actor) -> sa.Select[Any]:
    """What `GET /opportunities` lists: opportunities of customers in the caller's scope."""
    return in_scope(sa.select().select_from(Opportunity), actor, Opportunity.customer_id)


def opportunity_stats(s: Session, actor: Actor, owner_id: int | None = None) -> OpportunityStats:
    require(actor, "stats.view")
    require(actor, "opportunity.view")
    # grouped by win rate too: Σ amount × rate is then Σ amount per group × its rate (exact, and one
    # numeric product per group instead of per row — a third less time over 300,000 rows)
    stmt = _opportunities(actor).add_columns(
        Opportunity.stage_id, Opportunity.status, Opportunity.win_rate, sa.func.count(),
        sa.func.sum(Opportunity.amount)).group_by(Opportunity.stage_id, Opportunity.status, Opportunity.win_rate)
    if owner_id is not None:
        stmt = stmt.where(Opportunity.owner_id == owner_id)
    per_stage: dict[int, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO])
    per_status: dict[str, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO])
    for stage_id, status, rate, n, amount in s.execute(stmt):
        for row in (per_stage[stage_id], per_status[status]):
            row[0] += n
            row[1] += money(amount)
            row[2] += money(amount) * (rate or 0) / 100
    base = {"owner_id": owner_id}

    def fig(params: dict[str, Any], row: list[Any]) -> Figure:
        return Figure(count=row[0], amount=money(row[1]), drill=drill("opportunities", "/opportunities",
                                                                      {**params, **base}))

    stages = sales_settings.stages(s)
    order = {"open": 0, "won": 1, "lost": 2}
    stages.sort(key=lambda st: (order.get(st.kind, 3), st.position, st.id))
    out = [StageFigure(stage_id=st.id, name=st.name, kind=st.kind, win_rate=st.win_rate,  # type: ignore[arg-type]
                       figure=fig({"stage_id": st.id}, per_stage[st.id]), weighted_amount=money(per_stage[st.id][2]))
           for st in stages if st.enabled or per_stage[st.id][0]]
    return OpportunityStats(owner_id=owner_id, stages=out, open=fig({"status": "open"}, per_status["open"]),
                            won=fig({"status": "won"}, per_status["won"]), lost=fig({"status": "lost"}, per_status["lost"]),
                            forecast=money(per_status["open"][2]))


# ====================================================================== per salesperson
def salespeople_stats(s: Session, actor: Actor, p: Period) -> SalespeopleStats:
    require(actor, "stats.view")
    start, end = bounds(p)
    # customers owned: count, created in the period, of type won — the rollups plus the live correction
    R, D = rollup.counts(), rollup.counts(daily=True)
    customers: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for owner, kind, n in s.execute(sa.select(R.c.owner_id, R.c.kind, sa.func.sum(R.c.n))
                                    .where(*_rollup_where(s, actor, R), R.c.owner_id != 0)
                                    .group_by(R.c.owner_id, R.c.kind)):
        if not n:  # a key whose logged changes cancel out
            continue
        row = customers[owner]
        row[0] += int(n)
        row[2] += int(n) if kind == "won" else 0
    for owner, n in s.execute(sa.select(D.c.owner_id, sa.func.sum(D.c.n))
                              .where(*_rollup_where(s, actor, D), D.c.owner_id != 0,
                                     D.c.created_day >= p.since, D.c.created_day <= p.until)
                              .group_by(D.c.owner_id)):
        if n:
            customers[owner][1] += int(n)
    extra = _assisting_only(s, actor)
    if extra is not None:
        new = compile_conditions(s, actor, c_created(p))
        won = compile_conditions(s, actor, c_type("won"))
        inner = sa.select(Customer.owner_id.label("owner_id"), sa.case((new, 1), else_=0).label("is_new"),
                          sa.case((won, 1), else_=0).label("is_won")) \
            .where(*extra, Customer.owner_id.is_not(None)).subquery()
        for owner, is_new, is_won, n in s.execute(
                sa.select(inner.c.owner_id, inner.c.is_new, inner.c.is_won, sa.func.count())
                .group_by(inner.c.owner_id, inner.c.is_new, inner.c.is_won)):
            row = customers[owner]
            row[0] += n
            row[1] += n if is_new else 0
            row[2] += n if is_won else 0
    opps: dict[int, tuple[int, Decimal, Decimal]] = {}
    if actor.can("opportunity.view"):
        stmt = _opportunities(actor).add_columns(
            Opportunity.owner_id, Opportunity.win_rate, sa.func.count(), sa.func.sum(Opportunity.amount)) \
            .where(Opportunity.status == "open").group_by(Opportunity.owner_id, Opportunity.win_rate)
        acc: dict[int, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO])
        for o, rate, n, a in s.execute(stmt):  # Σ amount × rate as in opportunity_stats
            acc[o][0] += n
            acc[o][1] += money(a)
            acc[o][2] += money(a) * (rate or 0) / 100
        opps = {o: (n, a, money(w)) for o, (n, a, w) in acc.items()}
    deals: dict[int, tuple[int, Decimal]] = {}
    if actor.can("order.view"):
        stmt = in_scope(sa.select(Order.staff_id, sa.func.count(), sa.func.sum(Order.total)), actor, Order.customer_id) \
            .where(Order.status == "completed", Order.deal_at >= start, Order.deal_at < end).group_by(Order.staff_id)
        deals = {o: (n, money(a)) for o, n, a in s.execute(stmt)}
    follows: dict[int, int] = dict(s.execute(  # type: ignore[arg-type]
        in_scope(sa.select(Followup.author_id, sa.func.count()), actor, Followup.customer_id)
        .where(Followup.at >= start, Followup.at < end).group_by(Followup.author_id)).all())

    # rows: the employees of the caller's org scope (own department / center / company; self: the
    # caller) — a manager's table shows his department only, though customers of the public pool that
    # he sees may carry other people's deals and follow-ups
    ids = set(customers) | set(opps) | set(deals) | set(follows) | _staff_in_scope(s, actor)
    stmt = sa.select(Employee).where(Employee.id.in_(ids))
    if actor.data_scope == "self":
        stmt = stmt.where(Employee.id == actor.employee_id)
    elif (units := units_in_scope(actor)) is not None:
        stmt = stmt.where(Employee.department_id.in_(units))
    people = {e.id: e for e in s.scalars(stmt)} if ids else {}
    since, until = _iso(start), _iso(end)
    created_json, won_json = cjson(c_created(p)), cjson(c_type("won"))
    can_opp, can_order = actor.can("opportunity.view"), actor.can("order.view")
    rows = []
    for eid in ids:
        e = people.get(eid)
        if e is None:
            continue
        n_all, n_new, n_won = customers.get(eid, [0, 0, 0])
        open_n, open_amount, forecast = opps.get(eid, (0, ZERO, ZERO))
        deal_n, deal_amount = deals.get(eid, (0, ZERO))
        rate = (Decimal(n_won * 100) / n_all).quantize(Decimal("0.1")) if n_all else None
        owner_json = cjson(c_owner(eid))
        rows.append(SalespersonRow.model_construct(
            employee_id=eid, name=e.name, department=e.department.name if e.department else None,
            customers=figure(n_all, customers_drill("all", [owner_json])),
            new_customers=figure(n_new, customers_drill("all", [owner_json, created_json])),
            won_customers=figure(n_won, customers_drill("all", [owner_json, won_json])),
            conversion_rate=rate,
            opportunities=figure(open_n, drill("opportunities", "/opportunities", {"status": "open", "owner_id": eid}),
                                 open_amount) if can_opp else None,
            forecast=forecast if can_opp else None,
            deals=figure(deal_n, drill("orders", "/orders", {"status": "completed", "staff_id": eid, "since": since,
                                                              "until": until}), deal_amount) if can_order else None,
            followups=figure(follows.get(eid, 0), drill("followups", "/followups", {
                "author_id": eid, "since": since, "until": until}))))
    rows.sort(key=lambda r: (-(r.deals.amount or 0 if r.deals else 0), -r.customers.count, r.name))
    return SalespeopleStats.model_construct(period=p, rows=rows)


def _staff_in_scope(s: Session, actor: Actor) -> set[int]:
    """The active salespeople of the caller's data scope (shown even with nothing to count); self
    scope: the caller."""
    if actor.data_scope == "self":
        return {actor.employee_id}
    stmt = sa.select(Employee.id).join(Role, Role.id == Employee.role_id).where(Employee.is_active,
                                                                                Role.kind == "sales")
    units = units_in_scope(actor)
    if units is not None:
        stmt = stmt.where(Employee.department_id.in_(units))
    return set(s.scalars(stmt))

