"""Demo data for the sales pipeline (SALES-1…7): a product catalogue, opportunities in every stage over
the last six months (with their stage history and lost reasons), orders (completed ones make their
customer won and count in its purchases), contracts with payment plans, payments and invoices, some
expiring soon. Called at the end of `demo.seed.seed`, deterministic from the seed's random generator."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.customer.models import Customer
from huike.kit import clock
from huike.kit.db import get_tenant
from huike.kit.models import utcnow
from huike.org.models import Employee
from huike.pool.models import CustomerEvent
from huike.sales import settings
from huike.sales.common import next_number, refresh_purchases
from huike.sales.models import (
    Contract,
    Invoice,
    LostReason,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
    Order,
    OrderLine,
    Payment,
    PaymentPlan,
    Product,
)

PRODUCTS = [  # name, code, unit, price, category
    ("汇客 CRM 标准版（年）", "CRM-STD", "套", "19800.00", "软件"),
    ("汇客 CRM 专业版（年）", "CRM-PRO", "套", "39800.00", "软件"),
    ("汇客 CRM 旗舰版（年）", "CRM-ULT", "套", "79800.00", "软件"),
    ("增加用户席位（年）", "SEAT", "个", "680.00", "软件"),
    ("呼叫中心模块（年）", "CALL", "套", "12000.00", "软件"),
    ("企微 SCRM 模块（年）", "SCRM", "套", "15000.00", "软件"),
    ("实施服务", "IMPL", "人天", "2500.00", "服务"),
    ("数据迁移服务", "MIGR", "次", "8000.00", "服务"),
    ("线上培训", "TRAIN", "场", "1500.00", "服务"),
    ("私有化部署服务", "ONPREM", "次", "30000.00", "服务"),
]
TOPICS = ["CRM 系统采购", "呼叫中心升级", "企微 SCRM 项目", "销售管理系统", "客服平台扩容", "数据看板定制",
          "全员席位续费", "私有化部署项目"]
NOTES = ["客户已确认需求清单", "已发送方案，等待反馈", "报价已提交，客户走审批", "合同条款沟通中", "约了下周演示"]


def _d(x: str | float | Decimal) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"))


def seed_sales(s: Session, rng: random.Random) -> dict[str, int]:
    now = utcnow()
    settings.ensure(s)
    stages = list(s.scalars(sa.select(OpportunityStage).order_by(OpportunityStage.position)))
    opens = [st for st in stages if st.kind == "open"]
    won_stage = next(st for st in stages if st.kind == "won")
    lost_stage = next(st for st in stages if st.kind == "lost")
    reasons = list(s.scalars(sa.select(LostReason.id)))
    products = []
    for name, code, unit, price, category in PRODUCTS:
        p = Product(name=name, code=code, unit=unit, price=_d(price), category=category, on_sale=True,
                    created_at=now - timedelta(days=200), updated_at=now - timedelta(days=200))
        s.add(p)
        products.append(p)
    s.add(Product(name="汇客 CRM 2.0（旧版）", code="CRM-V2", unit="套", price=_d("9800"), category="软件",
                  on_sale=False, created_at=now - timedelta(days=400), updated_at=now - timedelta(days=100)))
    s.flush()
    dept_of: dict[int, int] = {e: d for e, d in s.execute(sa.select(Employee.id, Employee.department_id)) if d}
    owned = list(s.execute(sa.select(Customer.id, Customer.name, Customer.owner_id, Customer.pool)
                           .where(Customer.owner_id.is_not(None), Customer.pool.in_(("following", "won")))
                           .order_by(Customer.id)).all())
    counts = {"products": len(products) + 1, "opportunities": 0, "orders": 0, "contracts": 0, "payments": 0,
              "invoices": 0}
    events: list[dict[str, object]] = []
    won_customers: set[int] = set()

    def event(cid: int, actor: int, type_: str, at: datetime, **data: object) -> None:
        events.append({"customer_id": cid, "type": type_, "actor_id": actor, "at": at, "data": data})

    for cid, cname, owner_or_none, pool in owned:
        assert owner_or_none is not None  # selected with an owner
        owner = owner_or_none
        n = 1 if pool == "won" else rng.choice([0, 1, 1, 1, 2])
        for _ in range(n):
            created = now - timedelta(days=rng.randrange(3, 180), hours=rng.randrange(24))
            if pool == "won":
                target = won_stage
            else:
                target = rng.choices([*opens, won_stage, lost_stage], weights=[5, 4, 4, 3, 3, 2][:len(opens)] +
                                     [3, 2])[0]
            amount = _d(rng.choice([19800, 39800, 59600, 79800, 120000, 8000, 25000, 45000]) +
                        rng.randrange(0, 50) * 100)
            o = Opportunity(number=next_number(s, "opportunity"), name=f"{cname} {rng.choice(TOPICS)}",
                            customer_id=cid, owner_id=owner, department_id=dept_of.get(owner), amount=amount,
                            stage_id=opens[0].id, status="open", win_rate=opens[0].win_rate,
                            expected_close_date=(created + timedelta(days=rng.randrange(20, 90))).date(),
                            notes=rng.choice(NOTES), created_by_id=owner, created_at=created, updated_at=created,
                            stage_changed_at=created)
            s.add(o)
            s.flush()
            counts["opportunities"] += 1
            s.add(OpportunityStageChange(opportunity_id=o.id, customer_id=cid, to_stage_id=opens[0].id,
                                         to_status="open", actor_id=owner, at=created))
            event(cid, owner, "opportunity_created", created, opportunity_id=o.id, number=o.number, name=o.name,
                  amount=str(amount), stage=opens[0].name)
            # walk the stages up to the target, with notes
            path = opens[1:opens.index(target) + 1] if target.kind == "open" else \
                opens[1:rng.randrange(1, len(opens) + 1)] + [target]
            at, prev = created, opens[0]
            for st in path:
                at = min(at + timedelta(days=rng.randrange(2, 15), hours=rng.randrange(8)), now - timedelta(hours=1))
                note = "签约成交" if st.kind == "won" else "客户选择了其他方案" if st.kind == "lost" \
                    else rng.choice(NOTES)
                reason = rng.choice(reasons) if st.kind == "lost" and reasons else None
                s.add(OpportunityStageChange(opportunity_id=o.id, customer_id=cid, from_stage_id=prev.id,
                                             to_stage_id=st.id, from_status=prev.kind, to_status=st.kind, note=note,
                                             lost_reason_id=reason, actor_id=owner, at=at))
                kind = {"won": "opportunity_won", "lost": "opportunity_lost"}.get(st.kind, "opportunity_stage_changed")
                event(cid, owner, kind, at, opportunity_id=o.id, number=o.number, name=o.name, from_stage=prev.name,
                      to_stage=st.name, note=note, automatic=False)
                o.stage_id, o.status, o.win_rate, o.stage_changed_at, o.updated_at = st.id, st.kind, st.win_rate, at, at
                if st.kind == "won":
                    o.won_at = at
                if st.kind == "lost":
                    o.lost_at, o.lost_reason_id, o.lost_note = at, reason, note
                prev = st
            if o.status == "won":
                _deal(s, rng, o, products, dept_of, counts, event, now)
                won_customers.add(cid)
            elif o.status == "open" and rng.random() < 0.25:
                _order(s, rng, o, products, dept_of, rng.choice(["draft", "confirmed"]), o.created_at, counts, event)
        s.execute(sa.update(Customer).where(Customer.id == cid)
                  .values(last_opportunity_at=sa.select(sa.func.max(Opportunity.created_at))
                          .where(Opportunity.customer_id == cid).scalar_subquery())
                  .execution_options(synchronize_session=False))
    s.flush()
    for cid in sorted(won_customers):
        refresh_purchases(s, cid)
        first = s.scalar(sa.select(sa.func.min(Order.completed_at)).where(Order.customer_id == cid,
                                                                          Order.status == "completed"))
        s.execute(sa.update(Customer).where(Customer.id == cid)
                  .values(pool="won", won_at=sa.func.coalesce(Customer.won_at, first))
                  .execution_options(synchronize_session=False))
    if events:
        s.execute(sa.insert(CustomerEvent), [{"tenant_id": get_tenant(s), **e} for e in events])
    return counts


def _order(s: Session, rng: random.Random, o: Opportunity, products: list[Product], dept_of: dict[int, int],
           status: str, at: datetime, counts: dict[str, int], event: object) -> Order:
    picks = rng.sample(products, rng.choice([1, 1, 2, 3]))
    lines, subtotal = [], Decimal("0.00")
    for i, p in enumerate(picks):
        qty = _d(rng.choice([1, 1, 2, 3, 5, 10]) if p.unit in ("个", "人天", "场") else 1)
        price = p.price if rng.random() < 0.7 else _d(p.price * Decimal(rng.choice(["0.9", "0.85", "0.8"])))
        amount = (qty * price).quantize(Decimal("0.01"))
        subtotal += amount
        lines.append(OrderLine(position=i, product_id=p.id, product_name=p.name, product_code=p.code, unit=p.unit,
                               quantity=qty, list_price=p.price, unit_price=price, amount=amount))
    discount = _d(rng.choice([0, 0, 0, 500, 1000, 2000])) if subtotal > 5000 else Decimal("0.00")
    order = Order(number=next_number(s, "order"), customer_id=o.customer_id, opportunity_id=o.id, status=status,
                  deal_at=at, staff_id=o.owner_id, department_id=dept_of.get(o.owner_id), subtotal=subtotal,
                  discount=discount, total=subtotal - discount, created_by_id=o.owner_id, created_at=at,
                  updated_at=at, confirmed_at=at if status in ("confirmed", "completed") else None,
                  completed_at=at if status == "completed" else None)
    s.add(order)
    s.flush()
    for x in lines:
        x.order_id = order.id
        s.add(x)
    counts["orders"] += 1
    if status == "completed":
        event(o.customer_id, o.owner_id, "order_completed", at, order_id=order.id, number=order.number,  # type: ignore[operator]
              total=str(order.total))
    return order


def _deal(s: Session, rng: random.Random, o: Opportunity, products: list[Product], dept_of: dict[int, int],
          counts: dict[str, int], event: object, now: datetime) -> None:
    """A won opportunity: one or two completed orders, and mostly a signed contract with money flows."""
    won_at = o.won_at or now
    orders = [_order(s, rng, o, products, dept_of, "completed", won_at, counts, event)]
    if rng.random() < 0.3:
        orders.append(_order(s, rng, o, products, dept_of, "completed", won_at + timedelta(hours=3), counts, event))
    if rng.random() < 0.2:
        _order(s, rng, o, products, dept_of, "cancelled", won_at, counts, event)
    o.amount = sum((x.total for x in orders), Decimal("0.00"))  # what "restrict manual won" would show
    if rng.random() < 0.25:
        return
    amount = sum((x.total for x in orders), Decimal("0.00"))
    sign_day = won_at.astimezone(clock.TZ).date()
    start = sign_day + timedelta(days=rng.randrange(0, 10))
    # a few contracts run out within the next month (expiry reminders), the rest in about a year
    end = (now.astimezone(clock.TZ).date() + timedelta(days=rng.randrange(3, 28))) if rng.random() < 0.2 \
        else start + timedelta(days=365)
    c = Contract(number=next_number(s, "contract"), name=f"{o.name}合同", customer_id=o.customer_id,
                 opportunity_id=o.id, owner_id=o.owner_id, department_id=dept_of.get(o.owner_id), amount=amount,
                 sign_date=sign_day, start_date=start, end_date=end, status="signed", signed_at=won_at,
                 created_by_id=o.owner_id, created_at=won_at, updated_at=won_at)
    s.add(c)
    s.flush()
    counts["contracts"] += 1
    event(o.customer_id, o.owner_id, "contract_signed", won_at, contract_id=c.id, number=c.number,  # type: ignore[operator]
          amount=str(amount), sign_date=sign_day.isoformat())
    # two instalments: 60 % on signing, the rest in three months
    first = (amount * Decimal("0.6")).quantize(Decimal("0.01"))
    plans = [(sign_day + timedelta(days=7), first), (sign_day + timedelta(days=90), amount - first)]
    today = now.astimezone(clock.TZ).date()
    for due, part in plans:
        p = PaymentPlan(contract_id=c.id, customer_id=c.customer_id, due_date=due, amount=part,
                        created_at=won_at, updated_at=won_at)
        s.add(p)
        s.flush()
        if due <= today and rng.random() < 0.8:
            paid = part if rng.random() < 0.85 else (part / 2).quantize(Decimal("0.01"))
            s.add(Payment(contract_id=c.id, customer_id=c.customer_id, plan_id=p.id, received_on=due, amount=paid,
                          method=rng.choice(["bank", "bank", "wechat", "alipay"]), recorded_by_id=o.owner_id,
                          created_at=won_at))
            counts["payments"] += 1
            event(o.customer_id, o.owner_id, "payment_received",  # type: ignore[operator]
                  datetime.combine(due, datetime.min.time(), tzinfo=clock.TZ), contract_id=c.id, number=c.number,
                  amount=str(paid), received_on=due.isoformat(), method="bank")
    if rng.random() < 0.7:
        special = rng.random() < 0.5
        s.add(Invoice(number=next_number(s, "invoice"), customer_id=c.customer_id, contract_id=c.id, amount=first,
                      type="special" if special else "normal", status="issued",
                      invoice_no=f"{rng.randrange(10**7, 10**8)}", title=o.name.split(" ")[0],
                      tax_no=f"91330{rng.randrange(10**12, 10**13)}" if special else None,
                      issue_date=sign_day + timedelta(days=8), created_by_id=o.owner_id, created_at=won_at,
                      updated_at=won_at))
        counts["invoices"] += 1
