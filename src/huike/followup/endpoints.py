"""Follow-ups (WORK-4) and automatic tagging rules (WORK-6)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Response

from huike.auth.deps import CurrentActor
from huike.followup import service
from huike.followup.schemas import (
    FollowupCreate,
    FollowupPage,
    FollowupRead,
    FollowupUpdate,
    Method,
    TagRuleBase,
    TagRulePreview,
    TagRulePreviewRead,
    TagRuleRead,
    TagRuleUpdate,
)
from huike.kit.web import DB, UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute)


@router.get("/customers/{customer_id}/followups", response_model=FollowupPage, tags=["followups"])
def list_followups(customer_id: int, actor: CurrentActor, db: DB, cursor: str | None = Query(None, max_length=200),
                   limit: int = Query(20, ge=1, le=100)) -> FollowupPage:
    """The customer's follow-ups, newest first (404 outside the caller's data scope)."""
    rows, nxt = service.list_for_customer(db, actor, customer_id, cursor=cursor, limit=limit)
    return FollowupPage(items=service.read_many(db, rows, actor), next_cursor=nxt)


@router.post("/customers/{customer_id}/followups", response_model=FollowupRead, status_code=201, tags=["followups"])
def create_followup(customer_id: int, body: FollowupCreate, actor: CurrentActor, db: DB) -> FollowupRead:
    """Write a follow-up; the customer's last follow-up time moves in the same transaction. Sales
    follow up only customers they own or assist (403 `claim_first` for a public-pool customer)."""
    return service.read_many(db, [service.create(db, actor, customer_id, body)], actor)[0]


@router.get("/followups", response_model=FollowupPage, tags=["followups"])
def followups(actor: CurrentActor, db: DB, author_id: int | None = None, customer_id: int | None = None,
              method: Method | None = None, since: datetime | None = None, until: datetime | None = None,
              mine: bool = Query(False, description="only the caller's own follow-ups"),
              cursor: str | None = Query(None, max_length=200), limit: int = Query(50, ge=1, le=200)) -> FollowupPage:
    """Follow-ups across the customers of the caller's data scope, newest first."""
    rows, nxt = service.list_scoped(db, actor, author_id=actor.employee_id if mine else author_id,
                                    customer_id=customer_id, method=method, since=since, until=until,
                                    cursor=cursor, limit=limit)
    return FollowupPage(items=service.read_many(db, rows, actor), next_cursor=nxt)


@router.get("/followups/{followup_id}", response_model=FollowupRead, tags=["followups"])
def get_followup(followup_id: int, actor: CurrentActor, db: DB) -> FollowupRead:
    return service.read_many(db, [service.get(db, actor, followup_id)], actor)[0]


@router.patch("/followups/{followup_id}", response_model=FollowupRead, tags=["followups"])
def update_followup(followup_id: int, body: FollowupUpdate, actor: CurrentActor, db: DB) -> FollowupRead:
    """The author corrects a follow-up or moves its next time (the reminder follows)."""
    return service.read_many(db, [service.update(db, actor, followup_id, body)], actor)[0]


@router.get("/tag-rules", response_model=list[TagRuleRead], tags=["tags"])
def list_tag_rules(actor: CurrentActor, db: DB) -> list[TagRuleRead]:
    """Automatic tagging rules: keywords in a follow-up's content or feedback → a tag on the customer."""
    return [TagRuleRead.model_validate(r, from_attributes=True) for r in service.list_rules(db, actor)]


@router.post("/tag-rules", response_model=TagRuleRead, status_code=201, tags=["tags"])
def create_tag_rule(body: TagRuleBase, actor: CurrentActor, db: DB) -> TagRuleRead:
    return TagRuleRead.model_validate(service.create_rule(db, actor, body), from_attributes=True)


@router.post("/tag-rules/preview", response_model=TagRulePreviewRead, tags=["tags"])
def preview_tag_rules(body: TagRulePreview, actor: CurrentActor, db: DB) -> TagRulePreviewRead:
    """Try a text: the tags a follow-up with it would get, and the rules it matches."""
    tags, rules = service.preview_rules(db, actor, body.text)
    return TagRulePreviewRead(tags=tags, rules=[TagRuleRead.model_validate(r, from_attributes=True) for r in rules])


@router.patch("/tag-rules/{rule_id}", response_model=TagRuleRead, tags=["tags"])
def update_tag_rule(rule_id: int, body: TagRuleUpdate, actor: CurrentActor, db: DB) -> TagRuleRead:
    return TagRuleRead.model_validate(service.update_rule(db, actor, rule_id, body), from_attributes=True)


@router.delete("/tag-rules/{rule_id}", status_code=204, tags=["tags"])
def delete_tag_rule(rule_id: int, actor: CurrentActor, db: DB) -> Response:
    service.delete_rule(db, actor, rule_id)
    return Response(status_code=204)
