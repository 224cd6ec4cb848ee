"""Sales settings (SALES-2/3): the tenant's row with restrict-manual-won and the contract-expiry lead
time, the pipeline stages and the lost-reason dictionary. The row and the default stages and reasons
are created together on first use (an INSERT … ON CONFLICT DO NOTHING decides who creates them)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import require
from huike.authz.actor import Actor
from huike.kit import clock
from huike.kit.db import get_tenant
from huike.kit.errors import Conflict, Invalid, NotFound
from huike.sales.common import insert
from huike.sales.models import (
    LostReason,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
    SalesSettings,
)
from huike.sales.schemas import LostReasonCreate, LostReasonUpdate, SalesSettingsUpdate, StagesUpdate

DEFAULT_STAGES = [("初步接触", 20), ("需求分析", 40), ("方案报价", 60), ("合同谈判", 80)]
WON, LOST = ("赢单", 100), ("输单", 0)
WON_POSITION, LOST_POSITION = 1000, 1001
DEFAULT_LOST_REASONS = ["价格过高", "选择了竞争对手", "需求变化/取消", "预算不足", "联系不上", "其他"]
FIELDS = ("restrict_manual_won", "contract_expiry_enabled", "contract_expiry_days")


def ensure(s: Session) -> SalesSettings:
    row = s.scalar(sa.select(SalesSettings))
    if row is not None:
        return row
    now = clock.now()
    created = s.execute(insert(s, SalesSettings).values(
        tenant_id=get_tenant(s), restrict_manual_won=False, contract_expiry_enabled=True, contract_expiry_days=30,
        created_at=now, updated_at=now).on_conflict_do_nothing().returning(SalesSettings.id)).scalar()
    if created is not None:
        for i, (name, rate) in enumerate(DEFAULT_STAGES, start=1):
            s.add(OpportunityStage(name=name, kind="open", position=i, win_rate=rate, enabled=True,
                                   created_at=now, updated_at=now))
        s.add(OpportunityStage(name=WON[0], kind="won", position=WON_POSITION, win_rate=WON[1], enabled=True,
                               created_at=now, updated_at=now))
        s.add(OpportunityStage(name=LOST[0], kind="lost", position=LOST_POSITION, win_rate=LOST[1], enabled=True,
                               created_at=now, updated_at=now))
        for i, name in enumerate(DEFAULT_LOST_REASONS, start=1):
            s.add(LostReason(name=name, position=i, enabled=True, created_at=now, updated_at=now))
        s.flush()
    return s.scalars(sa.select(SalesSettings)).one()


def restricted(s: Session) -> bool:
    return ensure(s).restrict_manual_won


def _dict(row: SalesSettings) -> dict[str, Any]:
    return {k: getattr(row, k) for k in FIELDS}


def update(s: Session, actor: Actor, body: SalesSettingsUpdate) -> tuple[SalesSettings, dict[str, int] | None]:
    require(actor, "sales.settings")
    row = ensure(s)
    data = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    before = _dict(row)
    switched_on = data.get("restrict_manual_won") is True and not row.restrict_manual_won
    for k, v in data.items():
        setattr(row, k, v)
    b, a = audit.diff(before, _dict(row))
    reconciled = None
    if a:
        row.updated_at = clock.now()
        s.flush()
        if switched_on:
            from huike.sales import opportunities

            reconciled = opportunities.reconcile_restricted(s, actor)
            a = {**a, "reconciled": reconciled}
        audit.record(s, "sales_settings.update", "sales_settings", row.id, actor=actor, before=b, after=a)
    return row, reconciled


# ------------------------------------------------------------------ stages
def stages(s: Session) -> list[OpportunityStage]:
    ensure(s)
    return list(s.scalars(sa.select(OpportunityStage).order_by(OpportunityStage.position, OpportunityStage.id)))


def stage_usage(s: Session) -> dict[int, int]:
    return dict(s.execute(sa.select(Opportunity.stage_id, sa.func.count()).group_by(Opportunity.stage_id)).all())  # type: ignore[arg-type]


def stage_of_kind(s: Session, kind: str) -> OpportunityStage:
    ensure(s)
    return s.scalars(sa.select(OpportunityStage).where(OpportunityStage.kind == kind)
                     .order_by(OpportunityStage.id).limit(1)).one()


def _stage_dict(rows: list[OpportunityStage]) -> list[dict[str, Any]]:
    return [{"id": r.id, "name": r.name, "kind": r.kind, "win_rate": r.win_rate, "enabled": r.enabled} for r in rows]


def put_stages(s: Session, actor: Actor, body: StagesUpdate) -> list[OpportunityStage]:
    """Replace the open stages (names, rates, order, enabled) and rename won/lost (SALES-2)."""
    require(actor, "sales.settings")
    current = stages(s)
    before = _stage_dict(current)
    by_id = {r.id: r for r in current}
    won = next(r for r in current if r.kind == "won")
    lost = next(r for r in current if r.kind == "lost")
    names = [x.name.strip() for x in body.stages] + [(body.won_name or won.name).strip(),
                                                     (body.lost_name or lost.name).strip()]
    seen: set[str] = set()
    for n in names:
        if not n:
            raise Invalid("validation_error")
        if n in seen:
            raise Invalid("stage_name_taken", name=n)
        seen.add(n)
    ids = [x.id for x in body.stages if x.id is not None]
    if len(set(ids)) != len(ids) or any(i not in by_id or by_id[i].kind != "open" for i in ids):
        raise Invalid("invalid_stage")
    if not any(x.enabled for x in body.stages):
        raise Invalid("invalid_stage")
    now = clock.now()
    usage = stage_usage(s)
    history = set(s.scalars(sa.select(OpportunityStageChange.to_stage_id).distinct())) | \
        set(s.scalars(sa.select(OpportunityStageChange.from_stage_id).distinct()))
    for r in current:
        if r.kind == "open" and r.id not in ids:
            if usage.get(r.id) or r.id in history:
                raise Conflict("stage_in_use", name=r.name)
            s.delete(r)
    # free the names first so a swap of two names never trips the unique order of updates
    s.flush()
    for i, x in enumerate(body.stages, start=1):
        if x.id is None:
            s.add(OpportunityStage(name=x.name.strip(), kind="open", position=i, win_rate=x.win_rate,
                                   enabled=x.enabled, created_at=now, updated_at=now))
        else:
            r = by_id[x.id]
            r.name, r.position, r.win_rate, r.enabled, r.updated_at = x.name.strip(), i, x.win_rate, x.enabled, now
    won.name, lost.name = names[-2], names[-1]
    s.flush()
    after = stages(s)
    audit.record(s, "sales_stages.update", "sales_settings", None, actor=actor, before={"stages": before},
                 after={"stages": _stage_dict(after)})
    return after


# ------------------------------------------------------------------ lost reasons
def lost_reasons(s: Session) -> list[LostReason]:
    ensure(s)
    return list(s.scalars(sa.select(LostReason).order_by(LostReason.position, LostReason.id)))


def _reason(s: Session, reason_id: int) -> LostReason:
    r = s.get(LostReason, reason_id)
    if r is None:
        raise NotFound()
    return r


def _name_free(s: Session, name: str, except_id: int | None = None) -> None:
    stmt = sa.select(LostReason.id).where(LostReason.name == name)
    if except_id is not None:
        stmt = stmt.where(LostReason.id != except_id)
    if s.scalar(stmt) is not None:
        raise Conflict("lost_reason_exists", name=name)


def create_reason(s: Session, actor: Actor, body: LostReasonCreate) -> LostReason:
    require(actor, "sales.settings")
    ensure(s)
    name = body.name.strip()
    if not name:
        raise Invalid("validation_error")
    _name_free(s, name)
    pos = (s.scalar(sa.select(sa.func.max(LostReason.position))) or 0) + 1
    now = clock.now()
    r = LostReason(name=name, position=pos, enabled=True, created_at=now, updated_at=now)
    s.add(r)
    s.flush()
    audit.record(s, "lost_reason.create", "lost_reason", r.id, actor=actor, after={"name": name})
    return r


def update_reason(s: Session, actor: Actor, reason_id: int, body: LostReasonUpdate) -> LostReason:
    require(actor, "sales.settings")
    r = _reason(s, reason_id)
    data = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    if "name" in data:
        data["name"] = data["name"].strip()
        if not data["name"]:
            raise Invalid("validation_error")
        _name_free(s, data["name"], r.id)
    before = {k: getattr(r, k) for k in data}
    for k, v in data.items():
        setattr(r, k, v)
    b, a = audit.diff(before, data)
    if a:
        r.updated_at = clock.now()
        s.flush()
        audit.record(s, "lost_reason.update", "lost_reason", r.id, actor=actor, before=b, after=a)
    return r


def delete_reason(s: Session, actor: Actor, reason_id: int) -> None:
    require(actor, "sales.settings")
    r = _reason(s, reason_id)
    used = s.scalar(sa.select(sa.func.count()).select_from(Opportunity).where(Opportunity.lost_reason_id == r.id))
    used = (used or 0) + (s.scalar(sa.select(sa.func.count()).select_from(OpportunityStageChange)
                                   .where(OpportunityStageChange.lost_reason_id == r.id)) or 0)
    if used:
        raise Conflict("lost_reason_in_use")
    s.delete(r)
    s.flush()
    audit.record(s, "lost_reason.delete", "lost_reason", reason_id, actor=actor, before={"name": r.name})
