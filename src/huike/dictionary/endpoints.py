"""Settings: dictionaries, tag groups and tags, custom fields. Everyone logged in reads them (forms,
filters and import need them); changing them takes `settings.manage`; every change is audited."""

from __future__ import annotations

from fastapi import APIRouter, Response

from huike.auth.deps import CurrentActor
from huike.dictionary import service
from huike.dictionary.schemas import (
    CustomFieldCreate,
    CustomFieldRead,
    CustomFieldUpdate,
    DictionariesRead,
    DictItemCreate,
    DictItemRead,
    DictItemUpdate,
    DictKindKey,
    DictKindRead,
    DictKindUpdate,
    OptionKindKey,
    OrderBody,
    TagCreate,
    TagGroupCreate,
    TagGroupRead,
    TagGroupsRead,
    TagGroupUpdate,
    TagRead,
    TagUpdate,
)
from huike.kit.web import DB, UnitOfWorkRoute

router = APIRouter(prefix="/settings", tags=["settings: dictionaries"], route_class=UnitOfWorkRoute)


@router.get("/dictionaries", response_model=DictionariesRead)
def all_dictionaries(actor: CurrentActor, db: DB) -> DictionariesRead:
    """Sources (two levels), industries, levels, follow-up stages, tag groups with tags and the
    custom fields, in one call."""
    return DictionariesRead(
        source=service.read_kind(db, "source"), industry=service.read_kind(db, "industry"),
        level=service.read_kind(db, "level"), stage=service.read_kind(db, "stage"), tags=service.read_tags(db),
        custom_fields=[service.custom_field_read(f) for f in service.list_fields(db)])


# ------------------------------------------------------------------ tag groups and tags
# (declared before /dictionaries/{kind} so that nothing shadows them)
@router.get("/tag-groups", response_model=TagGroupsRead)
def list_tag_groups(actor: CurrentActor, db: DB) -> TagGroupsRead:
    return service.read_tags(db)


@router.post("/tag-groups", response_model=TagGroupRead, status_code=201)
def create_tag_group(body: TagGroupCreate, actor: CurrentActor, db: DB) -> TagGroupRead:
    """A tag group, single- or multi-choice, optionally with its tags."""
    return service.group_read(db, service.create_group(db, actor, body))


@router.put("/tag-groups/order", response_model=TagGroupsRead)
def order_tag_groups(body: OrderBody, actor: CurrentActor, db: DB) -> TagGroupsRead:
    service.reorder_groups(db, actor, body.ids)
    return service.read_tags(db)


@router.patch("/tag-groups/{group_id}", response_model=TagGroupRead)
def update_tag_group(group_id: int, body: TagGroupUpdate, actor: CurrentActor, db: DB) -> TagGroupRead:
    """Rename, reorder or switch single/multi (409 `tag_group_conflict` when customers hold several of
    its tags)."""
    return service.group_read(db, service.update_group(db, actor, group_id, body))


@router.delete("/tag-groups/{group_id}", status_code=204)
def delete_tag_group(group_id: int, actor: CurrentActor, db: DB) -> Response:
    """Deletes the group and its tags; customers lose those tags (counted in the audit entry)."""
    service.delete_group(db, actor, group_id)
    return Response(status_code=204)


@router.post("/tag-groups/{group_id}/tags", response_model=TagRead, status_code=201)
def create_tag(group_id: int, body: TagCreate, actor: CurrentActor, db: DB) -> TagRead:
    return service.tag_read(service.create_tag(db, actor, group_id, body))


@router.put("/tag-groups/{group_id}/tags/order", response_model=TagGroupRead)
def order_tags(group_id: int, body: OrderBody, actor: CurrentActor, db: DB) -> TagGroupRead:
    service.reorder_tags(db, actor, group_id, body.ids)
    return service.group_read(db, service.get_group(db, group_id))


@router.patch("/tags/{tag_id}", response_model=TagRead)
def update_tag(tag_id: int, body: TagUpdate, actor: CurrentActor, db: DB) -> TagRead:
    """Rename (customers keep it), recolour or move the tag to another group."""
    return service.tag_read(service.update_tag(db, actor, tag_id, body))


@router.delete("/tags/{tag_id}", status_code=204)
def delete_tag(tag_id: int, actor: CurrentActor, db: DB) -> Response:
    service.delete_tag(db, actor, tag_id)
    return Response(status_code=204)


# ------------------------------------------------------------------ custom fields
@router.get("/custom-fields", response_model=list[CustomFieldRead])
def list_custom_fields(actor: CurrentActor, db: DB) -> list[CustomFieldRead]:
    return [service.custom_field_read(f) for f in service.list_fields(db)]


@router.post("/custom-fields", response_model=CustomFieldRead, status_code=201)
def create_custom_field(body: CustomFieldCreate, actor: CurrentActor, db: DB) -> CustomFieldRead:
    """A custom customer field: text, long_text, number, money (decimal), date, datetime, single,
    multi, phone, email, region (省/市/区) or employee. Values are validated on every customer write."""
    return service.custom_field_read(service.create_field(db, actor, body))


@router.put("/custom-fields/order", response_model=list[CustomFieldRead])
def order_custom_fields(body: OrderBody, actor: CurrentActor, db: DB) -> list[CustomFieldRead]:
    service.reorder_fields(db, actor, body.ids)
    return [service.custom_field_read(f) for f in service.list_fields(db)]


@router.patch("/custom-fields/{field_id}", response_model=CustomFieldRead)
def update_custom_field(field_id: int, body: CustomFieldUpdate, actor: CurrentActor, db: DB) -> CustomFieldRead:
    return service.custom_field_read(service.update_field(db, actor, field_id, body))


@router.delete("/custom-fields/{field_id}", status_code=204)
def delete_custom_field(field_id: int, actor: CurrentActor, db: DB) -> Response:
    """Deletes the field and every customer's value of it (prefer `is_active: false` to hide it)."""
    service.delete_field(db, actor, field_id)
    return Response(status_code=204)


# ------------------------------------------------------------------ dictionaries by kind
@router.get("/dictionaries/{kind}", response_model=DictKindRead)
def get_kind(kind: DictKindKey, actor: CurrentActor, db: DB) -> DictKindRead:
    return service.read_kind(db, kind)


@router.patch("/dictionaries/{kind}", response_model=DictKindRead | TagGroupsRead)
def update_kind(kind: OptionKindKey, body: DictKindUpdate, actor: CurrentActor, db: DB) -> DictKindRead | TagGroupsRead:
    """Free entry on or off for a dictionary (or `tag`): when off, values outside it are refused (422)."""
    service.update_kind(db, actor, kind, body.free_entry)
    return service.read_tags(db) if kind == "tag" else service.read_kind(db, kind)


@router.post("/dictionaries/{kind}", response_model=DictItemRead, status_code=201)
def create_item(kind: DictKindKey, body: DictItemCreate, actor: CurrentActor, db: DB) -> DictItemRead:
    """A value; for sources `parent_id` makes it a 小类 of a 大类. Names are unique per kind."""
    return service.item_read(service.create_item(db, actor, kind, body))


@router.put("/dictionaries/{kind}/order", response_model=DictKindRead)
def order_items(kind: DictKindKey, body: OrderBody, actor: CurrentActor, db: DB) -> DictKindRead:
    service.reorder_items(db, actor, kind, body.ids)
    return service.read_kind(db, kind)


@router.patch("/dictionary-items/{item_id}", response_model=DictItemRead)
def update_item(item_id: int, body: DictItemUpdate, actor: CurrentActor, db: DB) -> DictItemRead:
    """Rename (every customer with the value follows), move, recolour, reorder, disable."""
    return service.item_read(service.update_item(db, actor, item_id, body))


@router.delete("/dictionary-items/{item_id}", status_code=204)
def delete_item(item_id: int, actor: CurrentActor, db: DB) -> Response:
    """Only an unused value (and its 小类) can be deleted (409 `dict_item_in_use`); disable it instead."""
    service.delete_item(db, actor, item_id)
    return Response(status_code=204)
