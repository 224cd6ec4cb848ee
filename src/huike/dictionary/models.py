"""Per-tenant dictionaries (sources in two levels, industries, levels, follow-up stages), tag groups
with tags and the customer–tag relation, and custom customer fields with their values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin

# Dictionary kinds stored as names on the customer row (customers.source / industry / level / stage).
DICT_KINDS = ("source", "industry", "level", "stage")
# Kinds with a "free entry" option: values outside the dictionary are added on first use.
OPTION_KINDS = (*DICT_KINDS, "tag")
NAME_MAX = {"source": 100, "industry": 100, "level": 50, "stage": 50, "tag": 50}

CF_TYPES = ("text", "long_text", "number", "money", "date", "datetime", "single", "multi", "phone", "email",
            "region", "employee")


class DictItem(IdMixin, TenantMixin, TimestampMixin, Base):
    """One value of a dictionary. Sources have two levels (大类 `parent_id` NULL, 小类 under it);
    names are unique per kind so that a customer stores the name alone."""

    __tablename__ = "dict_items"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "kind", "name"),
        sa.CheckConstraint("kind IN ('source','industry','level','stage')", name="kind"),
        sa.Index("ix_dict_items_kind", "tenant_id", "kind", "sort"),
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    parent_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("dict_items.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    color: Mapped[str | None] = mapped_column(sa.String(20))
    sort: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)


class DictKind(IdMixin, TenantMixin, Base):
    """Options of one dictionary kind (or of tags): whether unknown values are accepted on write."""

    __tablename__ = "dict_kinds"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "kind"),)
    kind: Mapped[str] = mapped_column(sa.String(20))
    free_entry: Mapped[bool] = mapped_column(default=True)


class TagGroup(IdMixin, TenantMixin, TimestampMixin, Base):
    """A tag group (WORK-6): single choice keeps at most one of its tags per customer."""

    __tablename__ = "tag_groups"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),
                      sa.CheckConstraint("mode IN ('single','multi')", name="mode"))
    name: Mapped[str] = mapped_column(sa.String(50))
    mode: Mapped[str] = mapped_column(sa.String(10), default="multi")
    sort: Mapped[int] = mapped_column(default=0)
    is_free: Mapped[bool] = mapped_column(default=False)  # where free-entry tags land (其他标签)


class Tag(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "tags"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)
    group_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("tag_groups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    color: Mapped[str | None] = mapped_column(sa.String(20))
    sort: Mapped[int] = mapped_column(default=0)


class CustomerTag(TenantMixin, Base):
    """Which customer carries which tag. The primary key answers "tags of these customers"; the
    (tenant, tag, customer) index answers "customers with this tag" for contains-any / contains-all."""

    __tablename__ = "customer_tags"
    __table_args__ = (sa.Index("ix_customer_tags_tag", "tenant_id", "tag_id", "customer_id"),)
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"),
                                             primary_key=True)
    tag_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class CustomField(IdMixin, TenantMixin, TimestampMixin, Base):
    """A tenant-defined customer field. `key` and `type` never change; `options` hold the choices of
    single/multi fields; `config` the type's limits (max_length, min, max, scale)."""

    __tablename__ = "custom_fields"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "key"),
        sa.CheckConstraint("type IN ('text','long_text','number','money','date','datetime','single','multi',"
                           "'phone','email','region','employee')", name="type"),
    )
    key: Mapped[str] = mapped_column(sa.String(40))
    label: Mapped[str] = mapped_column(sa.String(50))
    type: Mapped[str] = mapped_column(sa.String(20))
    options: Mapped[list[Any]] = mapped_column(default=list)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    required: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str | None] = mapped_column(sa.String(200))
    sort: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)


class CustomerFieldValue(TenantMixin, Base):
    """The value of one custom field of one customer, typed so that it can be filtered and sorted by
    index: text-like values (and option labels, one row per chosen option of a multi field, `seq`
    0…n) in `value_text`, long text in `value_long`, numbers and employee ids in `value_num` (money
    keeps its exact decimal string in `value_text` too), dates in `value_date`, datetimes in `value_time`."""

    __tablename__ = "customer_field_values"
    __table_args__ = (
        sa.Index("ix_cfv_text", "field_id", "value_text", "customer_id",
                 postgresql_where=sa.text("value_text IS NOT NULL"), sqlite_where=sa.text("value_text IS NOT NULL")),
        sa.Index("ix_cfv_num", "field_id", "value_num", "customer_id",
                 postgresql_where=sa.text("value_num IS NOT NULL"), sqlite_where=sa.text("value_num IS NOT NULL")),
        sa.Index("ix_cfv_date", "field_id", "value_date", "customer_id",
                 postgresql_where=sa.text("value_date IS NOT NULL"), sqlite_where=sa.text("value_date IS NOT NULL")),
        sa.Index("ix_cfv_time", "field_id", "value_time", "customer_id",
                 postgresql_where=sa.text("value_time IS NOT NULL"), sqlite_where=sa.text("value_time IS NOT NULL")),
    )
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"),
                                             primary_key=True)
    field_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("custom_fields.id", ondelete="CASCADE"),
                                          primary_key=True)
    seq: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, default=0)
    value_text: Mapped[str | None] = mapped_column(sa.String(500))
    value_long: Mapped[str | None] = mapped_column(sa.Text)
    value_num: Mapped[Decimal | None] = mapped_column(sa.Numeric(24, 6, asdecimal=True))
    value_date: Mapped[date | None] = mapped_column(sa.Date)
    value_time: Mapped[datetime | None]
