"""系统设置 → 公海与分配 → 客户自动分级 (POOL-16): the rules, and applying them now."""

from __future__ import annotations

from fastapi import APIRouter

from huike.auth.deps import CurrentActor
from huike.grading import service
from huike.grading.schemas import GradingRead, GradingRunRead, GradingUpdate
from huike.kit.web import DB, UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute)


@router.get("/pool/grading", response_model=GradingRead, tags=["pool settings"])
def get_grading(actor: CurrentActor, db: DB) -> GradingRead:
    """The tenant's automatic grading settings (the defaults, `saved: false`, until the first save)."""
    return service.read(db, actor)


@router.put("/pool/grading", response_model=GradingRead, tags=["pool settings"])
def put_grading(body: GradingUpdate, actor: CurrentActor, db: DB) -> GradingRead:
    """Replace the settings and rules. When enabled, every customer of the tenant is regraded at once
    (`changed`); levels set by hand stay unless `override_manual`. Unknown level: 422 `grading_unknown_level`."""
    return service.save(db, actor, body)


@router.post("/pool/grading/apply", response_model=GradingRunRead, tags=["pool settings"])
def apply_grading(actor: CurrentActor, db: DB) -> GradingRunRead:
    """Regrade every customer of the tenant now (the daily job does it every night); 409 `grading_disabled`
    when automatic grading is off."""
    result = service.apply(db, actor)
    return GradingRunRead(changed=result.changed, by_level=result.by_level)
