"""Contract expiry reminders (合同到期提醒, SALES-7) through the reminder engine (WORK-8): a signed
contract whose end date is within the tenant's lead time (sales settings, days) reminds its owner
once per end date (dedupe key `contract_expiry:{id}:{end_date}`)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.customer.models import Customer
from huike.kit import clock
from huike.reminder.service import BATCH, Emitter, Reminder, register
from huike.sales.models import Contract, SalesSettings


@register("contract_expiry")
def contracts_expiring(s: Session, em: Emitter, now: datetime) -> int:
    cfg = s.scalar(sa.select(SalesSettings))
    enabled = cfg.contract_expiry_enabled if cfg is not None else True
    days = cfg.contract_expiry_days if cfg is not None else 30
    if not enabled or days <= 0:
        return 0
    today = clock.today(now)
    rows = s.execute(
        sa.select(Contract.id, Contract.number, Contract.name, Contract.end_date, Contract.owner_id, Customer.id,
                  Customer.name)
        .join(Customer, Customer.id == Contract.customer_id)
        .where(Contract.status == "signed", Contract.end_date.is_not(None), Contract.end_date >= today,
               Contract.end_date <= today + timedelta(days=days), Customer.pool != "recycle_bin")
        .order_by(Contract.end_date, Contract.id).limit(BATCH)).all()
    keys = {cid: f"contract_expiry:{cid}:{end}" for cid, _n, _m, end, *_ in rows}
    known = em.known(keys.values())
    n = 0
    for cid, number, name, end, owner_id, cust_id, cust_name in rows:
        if keys[cid] in known or end is None:
            continue
        left = (end - today).days
        when = "今天" if left == 0 else f"{left} 天后（{end.isoformat()}）"
        body = f"客户「{cust_name}」的合同「{name}」（{number}）将于{when}到期，请及时跟进续约"
        if em.emit(Reminder(owner_id, "contract_expiry", f"合同到期提醒：{name}", body, keys[cid], cust_id)):
            n += 1
    return n
