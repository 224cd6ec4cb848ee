"""Dictionaries, tags and custom fields: admin CRUD (permission `settings.manage`, audited), the
defaults of a new tenant, and the rules customer writes go through (dictionary values, tag sets with
single-choice groups, typed custom-field values)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import require
from huike.authz.actor import Actor
from huike.customer.models import Customer
from huike.dictionary import defaults
from huike.dictionary.models import (
    DICT_KINDS,
    NAME_MAX,
    CustomerFieldValue,
    CustomerTag,
    CustomField,
    DictItem,
    DictKind,
    Tag,
    TagGroup,
)
from huike.dictionary.schemas import (
    CustomFieldCreate,
    CustomFieldRead,
    CustomFieldUpdate,
    DictItemCreate,
    DictItemRead,
    DictItemUpdate,
    DictKindRead,
    TagCreate,
    TagGroupCreate,
    TagGroupRead,
    TagGroupsRead,
    TagGroupUpdate,
    TagRead,
    TagUpdate,
)
from huike.kit import clock
from huike.kit.db import get_tenant
from huike.kit.errors import Conflict, Invalid, NotFound
from huike.kit.i18n import t

MANAGE = "settings.manage"


# ====================================================================== defaults (new tenants)
def install_defaults(s: Session) -> None:
    """The default dictionaries of a new tenant (session tenant already set)."""
    parents: dict[str, DictItem] = {}
    for kind, name, parent, sort in defaults.flat_items():
        item = DictItem(kind=kind, name=name, sort=sort, parent_id=parents[parent].id if parent else None)
        s.add(item)
        if kind == "source" and parent is None:
            s.flush()
            parents[name] = item
    for kind in ("source", "industry", "level", "stage", "tag"):
        s.add(DictKind(kind=kind, free_entry=True))
    for gi, (gname, mode, names) in enumerate(defaults.TAG_GROUPS):
        group = TagGroup(name=gname, mode=mode, sort=gi)
        s.add(group)
        s.flush()
        for ti, tname in enumerate(names):
            s.add(Tag(group_id=group.id, name=tname, sort=ti, color=defaults.COLORS[gi % len(defaults.COLORS)]))
    s.flush()


# ====================================================================== dictionary kinds
def kind_options(s: Session, kind: str) -> DictKind:
    opt = s.scalar(sa.select(DictKind).where(DictKind.kind == kind))
    if opt is None:
        opt = DictKind(kind=kind, free_entry=True)
        s.add(opt)
        s.flush()
    return opt


def _kind_label(kind: str) -> str:
    return t(f"dict.{kind}")


def item_read(item: DictItem, children: list[DictItemRead] | None = None) -> DictItemRead:
    return DictItemRead(id=item.id, kind=item.kind, name=item.name, parent_id=item.parent_id, color=item.color,
                        sort=item.sort, is_active=item.is_active, children=children or [])


def read_kind(s: Session, kind: str) -> DictKindRead:
    items = list(s.scalars(sa.select(DictItem).where(DictItem.kind == kind).order_by(DictItem.sort, DictItem.id)))
    children: dict[int, list[DictItemRead]] = {}
    for it in items:
        if it.parent_id is not None:
            children.setdefault(it.parent_id, []).append(item_read(it))
    tops = [item_read(it, children.get(it.id)) for it in items if it.parent_id is None]
    return DictKindRead(kind=kind, free_entry=kind_options(s, kind).free_entry, items=tops)


def update_kind(s: Session, actor: Actor, kind: str, free_entry: bool) -> None:
    require(actor, MANAGE)
    opt = kind_options(s, kind)
    if opt.free_entry != free_entry:
        audit.record(s, "dictionary.options", "dictionary", kind, actor=actor,
                     before={"free_entry": opt.free_entry}, after={"free_entry": free_entry})
        opt.free_entry = free_entry
        s.flush()


def _item(s: Session, item_id: int) -> DictItem:
    item = s.get(DictItem, item_id)
    if item is None:
        raise NotFound()
    return item


def _check_parent(s: Session, kind: str, parent_id: int | None, item_id: int | None = None) -> None:
    if parent_id is None:
        return
    parent = s.get(DictItem, parent_id)
    if kind != "source" or parent is None or parent.kind != "source" or parent.parent_id is not None \
            or parent.id == item_id:
        raise Invalid("invalid_dict_parent")
    if item_id is not None and s.scalar(sa.select(DictItem.id).where(DictItem.parent_id == item_id).limit(1)):
        raise Invalid("invalid_dict_parent")  # a 大类 with children cannot become a 小类


def _name(kind: str, raw: str) -> str:
    name = raw.strip()
    if not name or len(name) > NAME_MAX[kind]:
        raise Invalid("validation_error", errors=[{"field": "name", "code": "string_too_long",
                                                   "message": t("cf.too_long", max=NAME_MAX[kind])}])
    return name


def _next_sort(s: Session, col: Any, *where: Any) -> int:
    return (s.scalar(sa.select(sa.func.max(col)).where(*where)) or 0) + 1


def create_item(s: Session, actor: Actor, kind: str, body: DictItemCreate) -> DictItem:
    require(actor, MANAGE)
    name = _name(kind, body.name)
    _check_parent(s, kind, body.parent_id)
    if s.scalar(sa.select(DictItem.id).where(DictItem.kind == kind, DictItem.name == name)):
        raise Conflict("dict_item_exists", name=name)
    item = DictItem(kind=kind, name=name, parent_id=body.parent_id, color=body.color,
                    sort=body.sort if body.sort is not None else _next_sort(s, DictItem.sort, DictItem.kind == kind))
    s.add(item)
    s.flush()
    audit.record(s, "dictionary.create", "dictionary", item.id, actor=actor,
                 after={"kind": kind, "name": name, "parent_id": item.parent_id})
    return item


def _customer_col(kind: str) -> sa.orm.InstrumentedAttribute[str | None]:
    return getattr(Customer, kind)


def update_item(s: Session, actor: Actor, item_id: int, body: DictItemUpdate) -> DictItem:
    require(actor, MANAGE)
    item = _item(s, item_id)
    kind = item.kind
    data = body.model_dump(exclude_unset=True)
    before = {k: getattr(item, k) for k in data}
    renamed = 0
    if "name" in data and data["name"] is not None:
        name = _name(kind, data["name"])
        if name != item.name:
            if s.scalar(sa.select(DictItem.id).where(DictItem.kind == kind, DictItem.name == name)):
                raise Conflict("dict_item_exists", name=name)
            # The customers' stored value follows the rename, in one statement.
            col = _customer_col(kind)
            renamed = s.execute(sa.update(Customer).where(col == item.name).values({col: name})
                                .execution_options(synchronize_session=False)).rowcount or 0
            if kind == "level":  # so do the automatic grading rules (POOL-16)
                from huike.grading.service import rename_level

                rename_level(s, item.name, name)
            item.name = name
    if "parent_id" in data:
        _check_parent(s, kind, data["parent_id"], item.id)
        item.parent_id = data["parent_id"]
    for key in ("color", "sort", "is_active"):
        if key in data and data[key] is not None:
            setattr(item, key, data[key])
    item.updated_at = clock.now()
    s.flush()
    after = {k: getattr(item, k) for k in data}
    if renamed:
        after["customers_renamed"] = renamed
    audit.record(s, "dictionary.update", "dictionary", item.id, actor=actor, before={"kind": kind, **before},
                 after={"kind": kind, **after})
    return item


def delete_item(s: Session, actor: Actor, item_id: int) -> None:
    require(actor, MANAGE)
    item = _item(s, item_id)
    kind = item.kind
    names = [item.name, *s.scalars(sa.select(DictItem.name).where(DictItem.parent_id == item.id))]
    col = _customer_col(kind)
    used = s.scalar(sa.select(sa.func.count()).select_from(
        sa.select(Customer.id).where(col.in_(names)).limit(1_000_000).subquery())) or 0
    if used:
        raise Conflict("dict_item_in_use", count=used, name=item.name)
    if kind == "level":
        from huike.grading.service import uses_level

        if uses_level(s, item.name):
            raise Conflict("level_in_grading", name=item.name)
    audit.record(s, "dictionary.delete", "dictionary", item.id, actor=actor,
                 before={"kind": kind, "name": item.name, "children": names[1:]})
    s.execute(sa.delete(DictItem).where(DictItem.parent_id == item.id))
    s.delete(item)
    s.flush()


def reorder_items(s: Session, actor: Actor, kind: str, ids: Sequence[int]) -> None:
    require(actor, MANAGE)
    items = {i.id: i for i in s.scalars(sa.select(DictItem).where(DictItem.kind == kind, DictItem.id.in_(ids)))}
    if len(items) != len(set(ids)):
        raise NotFound()
    for pos, item_id in enumerate(dict.fromkeys(ids)):
        items[item_id].sort = pos
    s.flush()
    audit.record(s, "dictionary.reorder", "dictionary", kind, actor=actor, after={"kind": kind, "ids": list(ids)})


def resolve_values(s: Session, values: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check the dictionary fields of a customer write (source / industry / level / stage): a known,
    active value passes; an unchanged value passes even if since disabled; an unknown one is added to
    the dictionary when the kind allows free entry, else 422 `unknown_dict_value` with field errors."""
    out: dict[str, Any] = {}
    errors = []
    for kind in DICT_KINDS:
        if kind not in values:
            continue
        raw = values[kind]
        value = raw.strip() if isinstance(raw, str) else raw
        if not value:
            out[kind] = None
            continue
        if len(value) > NAME_MAX[kind]:
            errors.append({"field": kind, "code": "string_too_long", "message": t("cf.too_long", max=NAME_MAX[kind])})
            continue
        out[kind] = value
        if current is not None and current.get(kind) == value:
            continue
        item = s.scalar(sa.select(DictItem).where(DictItem.kind == kind, DictItem.name == value))
        if item is not None:
            if not item.is_active:
                errors.append({"field": kind, "code": "dict_value_disabled", "message": t("dict_value_disabled",
                                                                                        value=value)})
            continue
        if kind_options(s, kind).free_entry:
            s.add(DictItem(kind=kind, name=value, sort=_next_sort(s, DictItem.sort, DictItem.kind == kind)))
            s.flush()
        else:
            errors.append({"field": kind, "code": "unknown_dict_value",
                           "message": t("unknown_dict_value", value=value, kind=_kind_label(kind))})
    if errors:
        first = errors[0]
        raise Invalid("unknown_dict_value" if first["code"] == "unknown_dict_value" else "validation_error",
                      errors=errors, value=values.get(first["field"]), kind=_kind_label(first["field"]))
    return out


def expand_names(s: Session, kind: str, names: Iterable[str]) -> list[str]:
    """A filter on sources: a 大类 stands for itself and all its 小类 (FIND-3)."""
    names = list(dict.fromkeys(names))
    if kind != "source" or not names:
        return names
    parents = sa.select(DictItem.id).where(DictItem.kind == "source", DictItem.name.in_(names))
    kids = s.scalars(sa.select(DictItem.name).where(DictItem.parent_id.in_(parents)))
    return list(dict.fromkeys([*names, *kids]))


# ====================================================================== tags
def tag_read(tag: Tag) -> TagRead:
    return TagRead(id=tag.id, group_id=tag.group_id, name=tag.name, color=tag.color, sort=tag.sort)


def read_tags(s: Session) -> TagGroupsRead:
    groups = list(s.scalars(sa.select(TagGroup).order_by(TagGroup.sort, TagGroup.id)))
    tags: dict[int, list[TagRead]] = {}
    for tag in s.scalars(sa.select(Tag).order_by(Tag.sort, Tag.id)):
        tags.setdefault(tag.group_id, []).append(tag_read(tag))
    return TagGroupsRead(free_entry=kind_options(s, "tag").free_entry,
                         groups=[TagGroupRead(id=g.id, name=g.name, mode=g.mode, sort=g.sort, is_free=g.is_free,
                                              tags=tags.get(g.id, [])) for g in groups])


def group_read(s: Session, group: TagGroup) -> TagGroupRead:
    tags = [tag_read(x) for x in s.scalars(sa.select(Tag).where(Tag.group_id == group.id).order_by(Tag.sort, Tag.id))]
    return TagGroupRead(id=group.id, name=group.name, mode=group.mode, sort=group.sort, is_free=group.is_free,
                        tags=tags)


def get_group(s: Session, group_id: int) -> TagGroup:
    g = s.get(TagGroup, group_id)
    if g is None:
        raise NotFound()
    return g


def _tag(s: Session, tag_id: int) -> Tag:
    tag = s.get(Tag, tag_id)
    if tag is None:
        raise NotFound()
    return tag


def _tag_name_free(s: Session, name: str, tag_id: int | None = None) -> None:
    stmt = sa.select(Tag.id).where(Tag.name == name)
    if tag_id is not None:
        stmt = stmt.where(Tag.id != tag_id)
    if s.scalar(stmt.limit(1)):
        raise Conflict("tag_exists", name=name)


def create_group(s: Session, actor: Actor, body: TagGroupCreate) -> TagGroup:
    require(actor, MANAGE)
    name = body.name.strip()
    if s.scalar(sa.select(TagGroup.id).where(TagGroup.name == name)):
        raise Conflict("tag_group_exists", name=name)
    group = TagGroup(name=name, mode=body.mode,
                     sort=body.sort if body.sort is not None else _next_sort(s, TagGroup.sort))
    s.add(group)
    s.flush()
    seen: set[str] = set()
    for i, tb in enumerate(body.tags):
        tname = tb.name.strip()
        if tname in seen:
            raise Conflict("tag_exists", name=tname)
        seen.add(tname)
        _tag_name_free(s, tname)
        s.add(Tag(group_id=group.id, name=tname, color=tb.color, sort=tb.sort if tb.sort is not None else i))
    s.flush()
    audit.record(s, "tag_group.create", "tag_group", group.id, actor=actor,
                 after={"name": name, "mode": body.mode, "tags": sorted(seen)})
    return group


def _multi_tag_holders(s: Session, tag_ids: Sequence[int]) -> int:
    """How many customers hold more than one of these tags."""
    if len(tag_ids) < 2:
        return 0
    sub = (sa.select(CustomerTag.customer_id).where(CustomerTag.tag_id.in_(tag_ids))
           .group_by(CustomerTag.customer_id).having(sa.func.count() > 1).subquery())
    return s.scalar(sa.select(sa.func.count()).select_from(sub)) or 0


def update_group(s: Session, actor: Actor, group_id: int, body: TagGroupUpdate) -> TagGroup:
    require(actor, MANAGE)
    group = get_group(s, group_id)
    data = body.model_dump(exclude_unset=True, exclude_none=True)
    before = {k: getattr(group, k) for k in data}
    if "name" in data:
        name = data["name"].strip()
        if name != group.name and s.scalar(sa.select(TagGroup.id).where(TagGroup.name == name)):
            raise Conflict("tag_group_exists", name=name)
        group.name = name
    if data.get("mode") == "single" and group.mode != "single":
        ids = list(s.scalars(sa.select(Tag.id).where(Tag.group_id == group.id)))
        n = _multi_tag_holders(s, ids)
        if n:
            raise Conflict("tag_group_conflict", count=n)
    if "mode" in data:
        group.mode = data["mode"]
    if "sort" in data:
        group.sort = data["sort"]
    group.updated_at = clock.now()
    s.flush()
    audit.record(s, "tag_group.update", "tag_group", group.id, actor=actor, before=before,
                 after={k: getattr(group, k) for k in data})
    return group


def delete_group(s: Session, actor: Actor, group_id: int) -> None:
    require(actor, MANAGE)
    group = get_group(s, group_id)
    tag_ids = list(s.scalars(sa.select(Tag.id).where(Tag.group_id == group.id)))
    untagged = _untag_all(s, tag_ids)
    audit.record(s, "tag_group.delete", "tag_group", group.id, actor=actor,
                 before={"name": group.name, "tags": len(tag_ids), "customers_untagged": untagged})
    s.execute(sa.delete(Tag).where(Tag.group_id == group.id))
    s.delete(group)
    s.flush()


def _untag_all(s: Session, tag_ids: Sequence[int]) -> int:
    if not tag_ids:
        return 0
    return s.execute(sa.delete(CustomerTag).where(CustomerTag.tag_id.in_(tag_ids))
                     .execution_options(synchronize_session=False)).rowcount or 0


def create_tag(s: Session, actor: Actor, group_id: int, body: TagCreate) -> Tag:
    require(actor, MANAGE)
    group = get_group(s, group_id)
    name = body.name.strip()
    _tag_name_free(s, name)
    tag = Tag(group_id=group.id, name=name, color=body.color,
              sort=body.sort if body.sort is not None else _next_sort(s, Tag.sort, Tag.group_id == group.id))
    s.add(tag)
    s.flush()
    audit.record(s, "tag.create", "tag", tag.id, actor=actor, after={"name": name, "group": group.name})
    return tag


def update_tag(s: Session, actor: Actor, tag_id: int, body: TagUpdate) -> Tag:
    require(actor, MANAGE)
    tag = _tag(s, tag_id)
    data = body.model_dump(exclude_unset=True, exclude_none=True)
    before = {k: getattr(tag, k) for k in data}
    if "name" in data:
        name = data["name"].strip()
        _tag_name_free(s, name, tag.id)
        tag.name = name
    if "group_id" in data and data["group_id"] != tag.group_id:
        target = get_group(s, data["group_id"])
        if target.mode == "single":
            ids = [*s.scalars(sa.select(Tag.id).where(Tag.group_id == target.id)), tag.id]
            n = _multi_tag_holders(s, ids)
            if n:
                raise Conflict("tag_group_conflict", count=n)
        tag.group_id = target.id
    for key in ("color", "sort"):
        if key in data:
            setattr(tag, key, data[key])
    tag.updated_at = clock.now()
    s.flush()
    audit.record(s, "tag.update", "tag", tag.id, actor=actor, before=before, after={k: getattr(tag, k) for k in data})
    return tag


def delete_tag(s: Session, actor: Actor, tag_id: int) -> None:
    require(actor, MANAGE)
    tag = _tag(s, tag_id)
    untagged = _untag_all(s, [tag.id])
    audit.record(s, "tag.delete", "tag", tag.id, actor=actor,
                 before={"name": tag.name, "customers_untagged": untagged})
    s.delete(tag)
    s.flush()


def reorder_tags(s: Session, actor: Actor, group_id: int, ids: Sequence[int]) -> None:
    require(actor, MANAGE)
    get_group(s, group_id)
    tags = {x.id: x for x in s.scalars(sa.select(Tag).where(Tag.group_id == group_id, Tag.id.in_(ids)))}
    if len(tags) != len(set(ids)):
        raise NotFound()
    for pos, tid in enumerate(dict.fromkeys(ids)):
        tags[tid].sort = pos
    s.flush()


def reorder_groups(s: Session, actor: Actor, ids: Sequence[int]) -> None:
    require(actor, MANAGE)
    groups = {g.id: g for g in s.scalars(sa.select(TagGroup).where(TagGroup.id.in_(ids)))}
    if len(groups) != len(set(ids)):
        raise NotFound()
    for pos, gid in enumerate(dict.fromkeys(ids)):
        groups[gid].sort = pos
    s.flush()


# ---------------------------------------------------------------------- tags on customers
def clean_tag_names(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in names:
        name = (raw or "").strip()
        if not name:
            continue
        if len(name) > NAME_MAX["tag"]:
            raise Invalid("tag_too_long", name=name[:20], max=NAME_MAX["tag"],
                          errors=[{"field": "tags", "code": "tag_too_long",
                                   "message": t("tag_too_long", name=name[:20], max=NAME_MAX["tag"])}])
        if name not in out:
            out.append(name)
    return out


def free_group(s: Session) -> TagGroup:
    group = s.scalar(sa.select(TagGroup).where(TagGroup.is_free).order_by(TagGroup.id).limit(1))
    if group is None:
        group = s.scalar(sa.select(TagGroup).where(TagGroup.name == defaults.FREE_TAG_GROUP))
        if group is None:
            group = TagGroup(name=defaults.FREE_TAG_GROUP, mode="multi", sort=_next_sort(s, TagGroup.sort),
                             is_free=True)
            s.add(group)
            s.flush()
    return group


def resolve_tags(s: Session, names: Iterable[str], *, create: bool = True) -> list[Tag]:
    """Tags by name, in the given order. Unknown names are created in the free group when the tenant
    allows free entry (and `create`), else 422 `unknown_tag`. Two tags of one single-choice group in
    the same request are refused (422 `tag_group_single`)."""
    wanted = clean_tag_names(names)
    if not wanted:
        return []
    found = {x.name: x for x in s.scalars(sa.select(Tag).where(Tag.name.in_(wanted)))}
    missing = [n for n in wanted if n not in found]
    if missing:
        if not (create and kind_options(s, "tag").free_entry):
            raise Invalid("unknown_tag", name=missing[0],
                          errors=[{"field": "tags", "code": "unknown_tag", "message": t("unknown_tag", name=n)}
                                  for n in missing])
        group = free_group(s)
        base = _next_sort(s, Tag.sort, Tag.group_id == group.id)
        for i, name in enumerate(missing):
            tag = Tag(group_id=group.id, name=name, sort=base + i)
            s.add(tag)
            found[name] = tag
        s.flush()
    tags = [found[n] for n in wanted]
    single = {g.id: g for g in s.scalars(sa.select(TagGroup).where(
        TagGroup.id.in_({x.group_id for x in tags}), TagGroup.mode == "single"))}
    seen: dict[int, str] = {}
    for tag in tags:
        if tag.group_id in single:
            if tag.group_id in seen:
                g = single[tag.group_id]
                raise Invalid("tag_group_single", group=g.name, errors=[{
                    "field": "tags", "code": "tag_group_single", "message": t("tag_group_single", group=g.name)}])
            seen[tag.group_id] = tag.name
    return tags


def tag_ids_of(s: Session, customer_ids: Sequence[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {cid: set() for cid in customer_ids}
    if customer_ids:
        for cid, tid in s.execute(sa.select(CustomerTag.customer_id, CustomerTag.tag_id)
                                  .where(CustomerTag.customer_id.in_(list(customer_ids)))):
            out.setdefault(cid, set()).add(tid)
    return out


def tags_of(s: Session, customer_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
    """(tag id, name) of each customer's tags, sorted by name, in one query."""
    out: dict[int, list[tuple[int, str]]] = {cid: [] for cid in customer_ids}
    if customer_ids:
        for cid, tid, name in s.execute(sa.select(CustomerTag.customer_id, Tag.id, Tag.name)
                                        .join(Tag, Tag.id == CustomerTag.tag_id)
                                        .where(CustomerTag.customer_id.in_(list(customer_ids)))):
            out.setdefault(cid, []).append((tid, name))
    return {cid: sorted(v, key=lambda x: x[1]) for cid, v in out.items()}


def tag_names_of(s: Session, customer_ids: Sequence[int]) -> dict[int, list[str]]:
    """The sorted tag names of each customer (CustomerRead.tags)."""
    out: dict[int, list[str]] = {cid: [] for cid in customer_ids}
    if customer_ids:
        for cid, name in s.execute(sa.select(CustomerTag.customer_id, Tag.name)
                                   .join(Tag, Tag.id == CustomerTag.tag_id)
                                   .where(CustomerTag.customer_id.in_(list(customer_ids)))):
            out.setdefault(cid, []).append(name)
    return {cid: sorted(v) for cid, v in out.items()}


def single_groups(s: Session, tag_ids: Iterable[int]) -> dict[int, int]:
    """tag id → group id, for tags of single-choice groups among `tag_ids` and their group mates."""
    ids = set(tag_ids)
    if not ids:
        return {}
    groups = sa.select(Tag.group_id).where(Tag.id.in_(ids))
    rows = s.execute(sa.select(Tag.id, Tag.group_id).join(TagGroup, TagGroup.id == Tag.group_id)
                     .where(TagGroup.mode == "single", Tag.group_id.in_(groups)))
    return dict(rows.all())


def apply_mode(current: set[int], wanted: list[int], mode: str, single: dict[int, int]) -> set[int]:
    """The tag set after add / remove / replace; adding a tag of a single-choice group drops the
    customer's other tag of that group."""
    if mode == "remove":
        return current - set(wanted)
    base = set() if mode == "replace" else set(current)
    for tid in wanted:
        group = single.get(tid)
        if group is not None:
            base = {x for x in base if single.get(x) != group}
        base.add(tid)
    return base


def write_tags(s: Session, changes: dict[int, tuple[set[int], set[int]]]) -> None:
    """Apply (old, new) tag sets per customer with one DELETE and one INSERT batch."""
    tenant_id = get_tenant(s)
    table = CustomerTag.__table__
    drops = [{"c": cid, "t": tid} for cid, (old, new) in changes.items() for tid in sorted(old - new)]
    adds = [{"tenant_id": tenant_id, "customer_id": cid, "tag_id": tid}
            for cid, (old, new) in changes.items() for tid in sorted(new - old)]
    if drops:
        s.execute(table.delete().where(table.c.customer_id == sa.bindparam("c"), table.c.tag_id == sa.bindparam("t"),
                                       table.c.tenant_id == tenant_id), drops)
    if adds:
        s.execute(table.insert(), adds)


def set_customer_tags(s: Session, customer_id: int, names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Replace one customer's tags by name; (before, after) names."""
    tags = resolve_tags(s, names)
    old = tag_ids_of(s, [customer_id])[customer_id]
    new = {x.id for x in tags}
    before = tag_names_of(s, [customer_id])[customer_id]
    if old != new:
        write_tags(s, {customer_id: (old, new)})
    return before, sorted(x.name for x in tags)


# ====================================================================== custom fields
def custom_field_read(f: CustomField) -> CustomFieldRead:
    return CustomFieldRead(id=f.id, key=f.key, label=f.label, type=f.type, options=list(f.options or []),
                           config=dict(f.config or {}), required=f.required, description=f.description,
                           sort=f.sort, is_active=f.is_active)


FIELDS_CACHE = "huike.custom_fields"


def list_fields(s: Session, *, active_only: bool = False) -> list[CustomField]:
    """The tenant's custom fields in order (read once per session: every list and form needs them)."""
    fields = s.info.get(FIELDS_CACHE)
    if fields is None:
        fields = list(s.scalars(sa.select(CustomField).order_by(CustomField.sort, CustomField.id)))
        s.info[FIELDS_CACHE] = fields
    return [f for f in fields if f.is_active] if active_only else list(fields)


def _fields_changed(s: Session) -> None:
    s.info.pop(FIELDS_CACHE, None)


def fields_by_key(s: Session) -> dict[str, CustomField]:
    return {f.key: f for f in list_fields(s)}


def _clean_options(type_: str, options: Sequence[str]) -> list[str]:
    cleaned = [o.strip() for o in options]
    if type_ in ("single", "multi"):
        if not cleaned or any(not o or len(o) > 50 for o in cleaned) or len(set(cleaned)) != len(cleaned):
            raise Invalid("invalid_options")
        return cleaned
    return []


def _config(type_: str, raw: dict[str, Any]) -> dict[str, Any]:
    cfg = {k: v for k, v in raw.items() if v is not None}
    for k in ("min", "max"):
        if k in cfg:
            cfg[k] = str(cfg[k])
    if type_ == "text":
        cfg["max_length"] = min(int(cfg.get("max_length", 200)), 500)
    elif type_ == "long_text":
        cfg["max_length"] = min(int(cfg.get("max_length", 5000)), 20000)
    elif type_ == "money":
        cfg["scale"] = int(cfg.get("scale", 2))
    elif type_ == "number":
        cfg["scale"] = int(cfg.get("scale", 6))
    return cfg


def create_field(s: Session, actor: Actor, body: CustomFieldCreate) -> CustomField:
    require(actor, MANAGE)
    _fields_changed(s)
    if s.scalar(sa.select(CustomField.id).where(CustomField.key == body.key)):
        raise Conflict("custom_field_key_taken", key=body.key)
    f = CustomField(key=body.key, label=body.label.strip(), type=body.type,
                    options=_clean_options(body.type, body.options),
                    config=_config(body.type, body.config.model_dump()), required=body.required,
                    description=body.description,
                    sort=body.sort if body.sort is not None else _next_sort(s, CustomField.sort))
    s.add(f)
    s.flush()
    audit.record(s, "custom_field.create", "custom_field", f.id, actor=actor,
                 after=custom_field_read(f).model_dump())
    return f


def _field(s: Session, field_id: int) -> CustomField:
    f = s.get(CustomField, field_id)
    if f is None:
        raise NotFound()
    return f


def update_field(s: Session, actor: Actor, field_id: int, body: CustomFieldUpdate) -> CustomField:
    require(actor, MANAGE)
    _fields_changed(s)
    f = _field(s, field_id)
    before = custom_field_read(f).model_dump()
    data = body.model_dump(exclude_unset=True)
    if data.get("label"):
        f.label = data["label"].strip()
    options = list(f.options or [])
    renames = {k.strip(): v.strip() for k, v in (data.get("rename_options") or {}).items()}
    if renames and f.type in ("single", "multi"):
        for old, new in renames.items():
            if old not in options or not new or len(new) > 50:
                raise Invalid("invalid_options")
            s.execute(sa.update(CustomerFieldValue)
                      .where(CustomerFieldValue.field_id == f.id, CustomerFieldValue.value_text == old)
                      .values(value_text=new).execution_options(synchronize_session=False))
            options = [new if o == old else o for o in options]
    if data.get("options") is not None:
        new_options = _clean_options(f.type, data["options"])
        for gone in [o for o in options if o not in new_options]:
            n = s.scalar(sa.select(sa.func.count()).select_from(CustomerFieldValue).where(
                CustomerFieldValue.field_id == f.id, CustomerFieldValue.value_text == gone)) or 0
            if n:
                raise Conflict("option_in_use", option=gone, count=n)
        options = new_options
    f.options = options
    if data.get("config") is not None:
        f.config = _config(f.type, data["config"])
    for key in ("required", "sort", "is_active"):
        if data.get(key) is not None:
            setattr(f, key, data[key])
    if "description" in data:
        f.description = data["description"]
    f.updated_at = clock.now()
    s.flush()
    b, a = audit.diff(before, custom_field_read(f).model_dump())
    audit.record(s, "custom_field.update", "custom_field", f.id, actor=actor, before=b, after=a)
    return f


def delete_field(s: Session, actor: Actor, field_id: int) -> None:
    require(actor, MANAGE)
    _fields_changed(s)
    f = _field(s, field_id)
    n = s.execute(sa.delete(CustomerFieldValue).where(CustomerFieldValue.field_id == f.id)
                  .execution_options(synchronize_session=False)).rowcount or 0
    audit.record(s, "custom_field.delete", "custom_field", f.id, actor=actor,
                 before={**custom_field_read(f).model_dump(), "values_deleted": n})
    s.delete(f)
    s.flush()


def reorder_fields(s: Session, actor: Actor, ids: Sequence[int]) -> None:
    require(actor, MANAGE)
    _fields_changed(s)
    fields = {f.id: f for f in s.scalars(sa.select(CustomField).where(CustomField.id.in_(ids)))}
    if len(fields) != len(set(ids)):
        raise NotFound()
    for pos, fid in enumerate(dict.fromkeys(ids)):
        fields[fid].sort = pos
    s.flush()


# ---------------------------------------------------------------------- values
class _Bad(ValueError):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise _Bad("cf.not_number")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Bad("cf.not_number")
    try:
        d = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise _Bad("cf.not_number") from None
    if not d.is_finite() or abs(d) >= Decimal(10) ** 17:
        raise _Bad("cf.not_number")
    return d


def _text(value: Any, max_length: int) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _Bad("cf.not_text")
    text = str(value).strip()
    if len(text) > max_length:
        raise _Bad("cf.too_long", max=max_length)
    return text


def normalize_value(s: Session, f: CustomField, value: Any) -> Any:
    """One custom-field value, checked and normalised; None clears. Raises _Bad."""
    if value is None or (isinstance(value, str) and not value.strip()) or value == []:
        return None
    cfg = f.config or {}
    match f.type:
        case "text" | "long_text":
            return _text(value, int(cfg.get("max_length", 200 if f.type == "text" else 5000))) or None
        case "number" | "money":
            d = _decimal(value)
            scale = int(cfg.get("scale", 2 if f.type == "money" else 6))
            step = Decimal(1).scaleb(-scale)
            if d != d.quantize(step):
                raise _Bad("cf.scale", scale=scale)
            if "min" in cfg and d < Decimal(cfg["min"]):
                raise _Bad("cf.too_small", min=cfg["min"])
            if "max" in cfg and d > Decimal(cfg["max"]):
                raise _Bad("cf.too_large", max=cfg["max"])
            return d.quantize(step) if f.type == "money" else _plain(d)
        case "date":
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            text = str(value).strip()
            try:
                if len(text) != 10:
                    raise ValueError
                return date.fromisoformat(text)
            except ValueError:
                raise _Bad("cf.not_date") from None
        case "datetime":
            try:
                dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
            except ValueError:
                raise _Bad("cf.not_datetime") from None
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=clock.TZ)  # a wall-clock time is China Standard Time
            return dt.astimezone(UTC)
        case "single":
            text = _text(value, 50)
            if text not in (f.options or []):
                raise _Bad("cf.not_option", value=text)
            return text
        case "multi":
            if not isinstance(value, list):
                raise _Bad("cf.not_list")
            out: list[str] = []
            for v in value:
                text = _text(v, 50)
                if text not in (f.options or []):
                    raise _Bad("cf.not_option", value=text)
                if text not in out:
                    out.append(text)
            if cfg.get("max_choices") and len(out) > int(cfg["max_choices"]):
                raise _Bad("cf.too_long", max=cfg["max_choices"])
            return [o for o in f.options if o in out]  # option order
        case "phone":
            from huike.customer import phones

            try:
                return phones.normalize(_text(value, 40))
            except phones.InvalidPhone:
                raise _Bad("cf.invalid_phone") from None
        case "email":
            from email_validator import EmailNotValidError, validate_email

            try:
                return validate_email(_text(value, 200), check_deliverability=False).normalized
            except EmailNotValidError:
                raise _Bad("cf.invalid_email") from None
        case "region":
            parts = value if isinstance(value, list) else str(value).replace("／", "/").split("/")
            parts = [str(p).strip() for p in parts]
            if not parts or len(parts) > 4 or any(not p for p in parts):
                raise _Bad("cf.invalid_region")
            text = "/".join(parts)
            if len(text) > 100:
                raise _Bad("cf.too_long", max=100)
            return text
        case "employee":
            from huike.org.models import Employee

            if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
                raise _Bad("cf.invalid_employee")
            emp = s.scalar(sa.select(Employee.id).where(Employee.id == int(value), Employee.is_active))
            if emp is None:
                raise _Bad("cf.invalid_employee")
            return int(emp)
    raise _Bad("cf.unknown")


def _plain(d: Decimal) -> Decimal:
    """1.500 → 1.5, 100 → 100 (normalize() alone would give 1E+2)."""
    d = d.normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d


def check_custom_values(s: Session, raw: dict[str, Any] | None, *, creating: bool,
                        existing: dict[str, Any] | None = None) -> dict[CustomField, Any]:
    """Validate a write's `custom_fields` {key: value}: unknown or disabled keys, required fields
    (all of them on create, the given ones on update), and each value by its type. One 422
    `invalid_custom_fields` lists every bad field as `custom_fields.<key>`."""
    raw = raw or {}
    fields = fields_by_key(s)
    errors: list[dict[str, Any]] = []
    out: dict[CustomField, Any] = {}

    def bad(key: str, code: str, **params: Any) -> None:
        errors.append({"field": f"custom_fields.{key}", "code": code.removeprefix("cf."),
                       "message": t(code, **params)})

    for key, value in raw.items():
        f = fields.get(key)
        if f is None:
            bad(key, "cf.unknown")
            continue
        if not f.is_active:
            if existing is not None and existing.get(key) == value:
                continue
            bad(key, "cf.disabled")
            continue
        try:
            norm = normalize_value(s, f, value)
        except _Bad as e:
            bad(key, e.code, **e.params)
            continue
        if norm is None and f.required:
            bad(key, "cf.required")
            continue
        out[f] = norm
    if creating:
        for key, f in fields.items():
            if f.is_active and f.required and key not in raw:
                bad(key, "cf.required")
    if errors:
        raise Invalid("invalid_custom_fields", errors=errors)
    return out


def value_rows(f: CustomField, value: Any, customer_id: int, tenant_id: int) -> list[dict[str, Any]]:
    if value is None:
        return []
    base = {"tenant_id": tenant_id, "customer_id": customer_id, "field_id": f.id, "seq": 0, "value_text": None,
            "value_long": None, "value_num": None, "value_date": None, "value_time": None}
    match f.type:
        case "multi":
            return [{**base, "seq": i, "value_text": v} for i, v in enumerate(value)]
        case "long_text":
            return [{**base, "value_long": value}]
        case "number" | "money":
            text = format(value, "f")
            return [{**base, "value_num": value, "value_text": text}]
        case "employee":
            return [{**base, "value_num": Decimal(value)}]
        case "date":
            return [{**base, "value_date": value}]
        case "datetime":
            return [{**base, "value_time": value}]
    return [{**base, "value_text": value}]


def write_custom_values(s: Session, customer_id: int, values: dict[CustomField, Any]) -> None:
    if not values:
        return
    tenant_id = get_tenant(s)
    assert tenant_id is not None
    s.execute(sa.delete(CustomerFieldValue).where(CustomerFieldValue.customer_id == customer_id,
                                                  CustomerFieldValue.field_id.in_([f.id for f in values]))
              .execution_options(synchronize_session=False))
    rows = [r for f, v in values.items() for r in value_rows(f, v, customer_id, tenant_id)]
    if rows:
        s.execute(sa.insert(CustomerFieldValue), rows)


def value_json(f: CustomField, rows: list[CustomerFieldValue] | list[Any]) -> Any:
    """The API form of a stored value: text and choices as strings (multi: a list), number as a JSON
    number, money as a decimal string ("1234.50"), date "YYYY-MM-DD", datetime ISO 8601 UTC, employee an id."""
    if not rows:
        return [] if f.type == "multi" else None
    r = rows[0]
    match f.type:
        case "multi":
            return [x.value_text for x in sorted(rows, key=lambda x: x.seq)]
        case "long_text":
            return r.value_long
        case "number":
            d = Decimal(r.value_text) if r.value_text is not None else Decimal(str(r.value_num))
            return int(d) if d == d.to_integral_value() else float(d)
        case "money":
            return r.value_text if r.value_text is not None else str(r.value_num)
        case "employee":
            return int(r.value_num) if r.value_num is not None else None
        case "date":
            return r.value_date.isoformat() if r.value_date else None
        case "datetime":
            return r.value_time.isoformat() if r.value_time else None
    return r.value_text


_VALUES_OF: dict[str, Any] = {}


def _values_of(dialect: str) -> Any:
    """The custom values of a list of customers, built once per dialect (a list page reads them on every
    request); PostgreSQL binds the ids as one array so the SQL text never changes."""
    stmt = _VALUES_OF.get(dialect)
    if stmt is None:
        V = CustomerFieldValue
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import ARRAY

            among = V.customer_id == sa.func.any(sa.bindparam("ids", type_=ARRAY(sa.BigInteger)))
        else:
            among = V.customer_id.in_(sa.bindparam("ids", expanding=True))
        stmt = _VALUES_OF[dialect] = sa.select(V.customer_id, V.field_id, V.seq, V.value_text, V.value_long,
                                               V.value_num, V.value_date, V.value_time).where(among)
    return stmt


def custom_values_of(s: Session, customer_ids: Sequence[int], fields: list[CustomField] | None = None
                     ) -> dict[int, dict[str, Any]]:
    """{customer id: {key: value}} for every active field (missing values as null / [])."""
    fields = [f for f in (fields if fields is not None else list_fields(s)) if f.is_active]
    if not customer_ids or not fields:
        return {cid: {} for cid in customer_ids}
    by_id = {f.id: f for f in fields}
    rows: dict[tuple[int, int], list[Any]] = {}
    for r in s.execute(_values_of(s.get_bind().dialect.name), {"ids": list(customer_ids)}):
        if r[1] in by_id:
            rows.setdefault((r[0], r[1]), []).append(r)
    empty = {f.key: ([] if f.type == "multi" else None) for f in fields}
    out: dict[int, dict[str, Any]] = {}
    for cid in customer_ids:
        values = dict(empty)
        for f in fields:
            got = rows.get((cid, f.id))
            if got:
                values[f.key] = value_json(f, got)
        out[cid] = values
    return out
