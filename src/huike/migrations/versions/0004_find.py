"""find: dictionaries, tag groups and the customer–tag relation, custom fields, quick-search forms,
saved filters and list views (FIND-1…8)

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-23 10:00:00

- customers gain stage, region, wechat, external_id, last_call_at, last_call_status and the indexes
  keyset pagination needs; their JSON `tags` column is replaced by customer_tags (backfilled);
- every existing tenant gets the default dictionaries, plus the sources/industries/levels its
  customers already use, and a 其他标签 group for tags outside the defaults;
- customer_search is filled (search text, pinyin) and indexed: pg_trgm GIN (search text and gram words) on
  PostgreSQL, FTS5 tables with triggers on SQLite (see huike.find.schema).
"""

import logging
import warnings

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import huike.kit.models
from huike.dictionary import defaults
from huike.find import schema, text
from huike.kit import dbsecurity

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONType = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")
UTC = huike.kit.models.UTCDateTime(timezone=True)
TENANT_TABLES = ("dict_items", "dict_kinds", "tag_groups", "tags", "customer_tags", "custom_fields",
                 "customer_field_values", "customer_search", "saved_filters", "list_views")


def _tenant_col() -> sa.Column:
    return sa.Column("tenant_id", BigId, sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def _times() -> list[sa.Column]:
    return [sa.Column("created_at", UTC, nullable=False), sa.Column("updated_at", UTC, nullable=False)]


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    if pg:
        for problem in schema.check_postgres(bind):
            if "pg_trgm is not installed" not in problem:
                warnings.warn(problem, stacklevel=1)
                log.warning(problem)

    # ------------------------------------------------------------------ customers
    with op.batch_alter_table("customers", schema=None) as b:
        b.add_column(sa.Column("stage", sa.String(50), nullable=True))
        b.add_column(sa.Column("region", sa.String(100), nullable=True))
        b.add_column(sa.Column("wechat", sa.String(100), nullable=True))
        b.add_column(sa.Column("external_id", sa.String(100), nullable=True))
        b.add_column(sa.Column("last_call_at", UTC, nullable=True))
        b.add_column(sa.Column("last_call_status", sa.String(20), nullable=True))
        b.create_check_constraint(op.f("ck_customers_last_call_status"), "last_call_status IN ('connected','not_connected')")
        b.create_index("ix_customers_tenant_id_id", ["tenant_id", "id"])
        b.create_index("ix_customers_tenant_created", ["tenant_id", "created_at", "id"])
        b.create_index("ix_customers_tenant_followup", ["tenant_id", "last_followup_at", "id"])
        b.create_index("ix_customers_tenant_assigned", ["tenant_id", "assigned_at", "id"])
        b.create_index("ix_customers_tenant_call", ["tenant_id", "last_call_at", "id"])
        b.create_index("ix_customers_tenant_name", ["tenant_id", "name", "id"])

    # ------------------------------------------------------------------ dictionaries
    op.create_table(
        "dict_items",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("parent_id", BigId, sa.ForeignKey("dict_items.id", ondelete="CASCADE",
                                                    name="fk_dict_items_parent_id_dict_items"), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("color", sa.String(20), nullable=True),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        _tenant_col(), *_times(),
        sa.CheckConstraint("kind IN ('source','industry','level','stage')", name="ck_dict_items_kind"),
        sa.PrimaryKeyConstraint("id", name="pk_dict_items"),
        sa.UniqueConstraint("tenant_id", "kind", "name", name="uq_dict_items_tenant_id_kind_name"),
    )
    op.create_index("ix_dict_items_tenant_id", "dict_items", ["tenant_id"])
    op.create_index("ix_dict_items_kind", "dict_items", ["tenant_id", "kind", "sort"])

    op.create_table(
        "dict_kinds",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("free_entry", sa.Boolean(), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        _tenant_col(),
        sa.PrimaryKeyConstraint("id", name="pk_dict_kinds"),
        sa.UniqueConstraint("tenant_id", "kind", name="uq_dict_kinds_tenant_id_kind"),
    )
    op.create_index("ix_dict_kinds_tenant_id", "dict_kinds", ["tenant_id"])

    op.create_table(
        "tag_groups",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("is_free", sa.Boolean(), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        _tenant_col(), *_times(),
        sa.CheckConstraint("mode IN ('single','multi')", name="ck_tag_groups_mode"),
        sa.PrimaryKeyConstraint("id", name="pk_tag_groups"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_tag_groups_tenant_id_name"),
    )
    op.create_index("ix_tag_groups_tenant_id", "tag_groups", ["tenant_id"])

    op.create_table(
        "tags",
        sa.Column("group_id", BigId, sa.ForeignKey("tag_groups.id", ondelete="CASCADE",
                                                   name="fk_tags_group_id_tag_groups"), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("color", sa.String(20), nullable=True),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        _tenant_col(), *_times(),
        sa.PrimaryKeyConstraint("id", name="pk_tags"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_tags_tenant_id_name"),
    )
    op.create_index("ix_tags_tenant_id", "tags", ["tenant_id"])
    op.create_index("ix_tags_group_id", "tags", ["group_id"])

    op.create_table(
        "customer_tags",
        sa.Column("customer_id", BigId, sa.ForeignKey("customers.id", ondelete="CASCADE",
                                                      name="fk_customer_tags_customer_id_customers"), nullable=False),
        sa.Column("tag_id", BigId, sa.ForeignKey("tags.id", ondelete="CASCADE", name="fk_customer_tags_tag_id_tags"),
                  nullable=False),
        _tenant_col(),
        sa.PrimaryKeyConstraint("customer_id", "tag_id", name="pk_customer_tags"),
    )
    op.create_index("ix_customer_tags_tenant_id", "customer_tags", ["tenant_id"])
    op.create_index("ix_customer_tags_tag", "customer_tags", ["tenant_id", "tag_id", "customer_id"])

    # ------------------------------------------------------------------ custom fields
    op.create_table(
        "custom_fields",
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("label", sa.String(50), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("options", JSONType, nullable=False),
        sa.Column("config", JSONType, nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(200), nullable=True),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        _tenant_col(), *_times(),
        sa.CheckConstraint("type IN ('text','long_text','number','money','date','datetime','single','multi',"
                           "'phone','email','region','employee')", name="ck_custom_fields_type"),
        sa.PrimaryKeyConstraint("id", name="pk_custom_fields"),
        sa.UniqueConstraint("tenant_id", "key", name="uq_custom_fields_tenant_id_key"),
    )
    op.create_index("ix_custom_fields_tenant_id", "custom_fields", ["tenant_id"])

    op.create_table(
        "customer_field_values",
        sa.Column("customer_id", BigId, sa.ForeignKey("customers.id", ondelete="CASCADE",
                                                      name="fk_customer_field_values_customer_id_customers"),
                  nullable=False),
        sa.Column("field_id", BigId, sa.ForeignKey("custom_fields.id", ondelete="CASCADE",
                                                   name="fk_customer_field_values_field_id_custom_fields"),
                  nullable=False),
        sa.Column("seq", sa.SmallInteger(), nullable=False),
        sa.Column("value_text", sa.String(500), nullable=True),
        sa.Column("value_long", sa.Text(), nullable=True),
        sa.Column("value_num", sa.Numeric(24, 6), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("value_time", UTC, nullable=True),
        _tenant_col(),
        sa.PrimaryKeyConstraint("customer_id", "field_id", "seq", name="pk_customer_field_values"),
    )
    op.create_index("ix_customer_field_values_tenant_id", "customer_field_values", ["tenant_id"])
    for col, name in (("value_text", "ix_cfv_text"), ("value_num", "ix_cfv_num"), ("value_date", "ix_cfv_date"),
                      ("value_time", "ix_cfv_time")):
        op.create_index(name, "customer_field_values", ["field_id", col, "customer_id"],
                        postgresql_where=sa.text(f"{col} IS NOT NULL"), sqlite_where=sa.text(f"{col} IS NOT NULL"))

    # ------------------------------------------------------------------ search, saved filters, views
    op.create_table(
        "customer_search",
        sa.Column("customer_id", BigId, sa.ForeignKey("customers.id", ondelete="CASCADE",
                                                      name="fk_customer_search_customer_id_customers"),
                  autoincrement=False, nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("gram_words", sa.Text(), nullable=False),
        sa.Column("name_pinyin", sa.String(400).with_variant(sa.String(400, collation="C"), "postgresql"),
                  nullable=True),
        sa.Column("name_initials", sa.String(100).with_variant(sa.String(100, collation="C"), "postgresql"),
                  nullable=True),
        _tenant_col(),
        sa.PrimaryKeyConstraint("customer_id", name="pk_customer_search"),
    )
    op.create_index("ix_customer_search_tenant_id", "customer_search", ["tenant_id"])
    op.create_index("ix_customer_search_pinyin", "customer_search", ["tenant_id", "name_pinyin"])
    op.create_index("ix_customer_search_initials", "customer_search", ["tenant_id", "name_initials"])

    op.create_table(
        "saved_filters",
        sa.Column("employee_id", BigId, sa.ForeignKey("employees.id", ondelete="CASCADE",
                                                      name="fk_saved_filters_employee_id_employees"), nullable=False),
        sa.Column("pool", sa.String(20), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("filter", JSONType, nullable=False),
        sa.Column("q", sa.String(100), nullable=True),
        sa.Column("sort", sa.String(60), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        _tenant_col(), *_times(),
        sa.PrimaryKeyConstraint("id", name="pk_saved_filters"),
        sa.UniqueConstraint("tenant_id", "employee_id", "pool", "name",
                            name="uq_saved_filters_tenant_id_employee_id_pool_name"),
    )
    op.create_index("ix_saved_filters_tenant_id", "saved_filters", ["tenant_id"])
    op.create_index("ix_saved_filters_owner", "saved_filters", ["tenant_id", "employee_id", "pool", "position"])

    op.create_table(
        "list_views",
        sa.Column("employee_id", BigId, sa.ForeignKey("employees.id", ondelete="CASCADE",
                                                      name="fk_list_views_employee_id_employees"), nullable=False),
        sa.Column("pool", sa.String(20), nullable=False),
        sa.Column("columns", JSONType, nullable=False),
        sa.Column("pinned_fields", JSONType, nullable=False),
        sa.Column("sort", sa.String(60), nullable=True),
        sa.Column("page_size", sa.Integer(), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        _tenant_col(), *_times(),
        sa.PrimaryKeyConstraint("id", name="pk_list_views"),
        sa.UniqueConstraint("tenant_id", "employee_id", "pool", name="uq_list_views_tenant_id_employee_id_pool"),
    )
    op.create_index("ix_list_views_tenant_id", "list_views", ["tenant_id"])

    for table in TENANT_TABLES:
        dbsecurity.tenant_table(table)

    if not pg:
        schema.create_objects(bind)  # FTS tables and triggers first: the backfill below feeds them
    _backfill(bind)
    if pg:
        schema.create_objects(bind)  # GIN indexes after the data: one bulk build
        bind.exec_driver_sql("ANALYZE customer_search")

    with op.batch_alter_table("customers", schema=None) as b:
        b.drop_column("tags")


# ---------------------------------------------------------------------- backfill
def _backfill(bind: sa.Connection) -> None:
    from datetime import UTC as tz
    from datetime import datetime

    now = datetime.now(tz)
    md = sa.MetaData()
    customers = sa.Table("customers", md, sa.Column("id", BigId), sa.Column("tenant_id", BigId),
                         sa.Column("name", sa.String), sa.Column("number", sa.String), sa.Column("company", sa.String),
                         sa.Column("email", sa.String), sa.Column("wechat", sa.String),
                         sa.Column("external_id", sa.String), sa.Column("source", sa.String),
                         sa.Column("industry", sa.String), sa.Column("level", sa.String), sa.Column("tags", JSONType))
    phones = sa.Table("customer_phones", md, sa.Column("customer_id", BigId), sa.Column("phone", sa.String),
                      sa.Column("position", sa.Integer))
    tenants = sa.Table("tenants", md, sa.Column("id", BigId))
    items = sa.Table("dict_items", md, sa.Column("id", BigId), sa.Column("tenant_id", BigId), sa.Column("kind", sa.String),
                     sa.Column("parent_id", BigId), sa.Column("name", sa.String), sa.Column("color", sa.String),
                     sa.Column("sort", sa.Integer), sa.Column("is_active", sa.Boolean),
                     sa.Column("created_at", UTC), sa.Column("updated_at", UTC))
    kinds = sa.Table("dict_kinds", md, sa.Column("tenant_id", BigId), sa.Column("kind", sa.String),
                     sa.Column("free_entry", sa.Boolean))
    groups = sa.Table("tag_groups", md, sa.Column("id", BigId), sa.Column("tenant_id", BigId),
                      sa.Column("name", sa.String), sa.Column("mode", sa.String), sa.Column("sort", sa.Integer),
                      sa.Column("is_free", sa.Boolean), sa.Column("created_at", UTC), sa.Column("updated_at", UTC))
    tags = sa.Table("tags", md, sa.Column("id", BigId), sa.Column("tenant_id", BigId), sa.Column("group_id", BigId),
                    sa.Column("name", sa.String), sa.Column("color", sa.String), sa.Column("sort", sa.Integer),
                    sa.Column("created_at", UTC), sa.Column("updated_at", UTC))
    customer_tags = sa.Table("customer_tags", md, sa.Column("tenant_id", BigId), sa.Column("customer_id", BigId),
                             sa.Column("tag_id", BigId))
    search = sa.Table("customer_search", md, sa.Column("customer_id", BigId), sa.Column("tenant_id", BigId),
                      sa.Column("search_text", sa.Text), sa.Column("gram_words", sa.Text),
                      sa.Column("name_pinyin", sa.String),
                      sa.Column("name_initials", sa.String))

    for (tenant_id,) in bind.execute(sa.select(tenants.c.id)).all():
        # default dictionaries, then whatever the tenant's customers already use
        ids: dict[tuple[str, str], int] = {}
        for kind, name, parent, sort in defaults.flat_items():
            row = bind.execute(items.insert().returning(items.c.id).values(
                tenant_id=tenant_id, kind=kind, name=name, parent_id=ids.get(("source", parent)) if parent else None,
                sort=sort, is_active=True, created_at=now, updated_at=now)).scalar_one()
            ids[(kind, name)] = row
        for kind in ("source", "industry", "level"):
            col = customers.c[kind]
            used = bind.execute(sa.select(col).where(customers.c.tenant_id == tenant_id, col.is_not(None), col != "")
                                .distinct()).scalars().all()
            extra = sorted(v for v in used if (kind, v) not in ids)
            for i, name in enumerate(extra):
                bind.execute(items.insert().values(tenant_id=tenant_id, kind=kind, name=name[:100], sort=100 + i,
                                                   is_active=True, created_at=now, updated_at=now))
        bind.execute(kinds.insert(), [{"tenant_id": tenant_id, "kind": k, "free_entry": True}
                                      for k in ("source", "industry", "level", "stage", "tag")])
        tag_ids: dict[str, int] = {}
        for gi, (gname, mode, names) in enumerate(defaults.TAG_GROUPS):
            gid = bind.execute(groups.insert().returning(groups.c.id).values(
                tenant_id=tenant_id, name=gname, mode=mode, sort=gi, is_free=False, created_at=now,
                updated_at=now)).scalar_one()
            for ti, tname in enumerate(names):
                tag_ids[tname] = bind.execute(tags.insert().returning(tags.c.id).values(
                    tenant_id=tenant_id, group_id=gid, name=tname, sort=ti,
                    color=defaults.COLORS[gi % len(defaults.COLORS)], created_at=now, updated_at=now)).scalar_one()
        # tags: JSON lists → relation (names outside the defaults go to 其他标签)
        pairs: list[tuple[int, str]] = []
        for cid, value in bind.execute(sa.select(customers.c.id, customers.c.tags)
                                       .where(customers.c.tenant_id == tenant_id)):
            for name in value or []:
                if isinstance(name, str) and name.strip():
                    pairs.append((cid, name.strip()[:50]))
        unknown = sorted({n for _, n in pairs if n not in tag_ids})
        if unknown:
            gid = bind.execute(groups.insert().returning(groups.c.id).values(
                tenant_id=tenant_id, name=defaults.FREE_TAG_GROUP, mode="multi", sort=99, is_free=True,
                created_at=now, updated_at=now)).scalar_one()
            for ti, tname in enumerate(unknown):
                tag_ids[tname] = bind.execute(tags.insert().returning(tags.c.id).values(
                    tenant_id=tenant_id, group_id=gid, name=tname, sort=ti, created_at=now,
                    updated_at=now)).scalar_one()
        links = sorted({(cid, tag_ids[n]) for cid, n in pairs})
        for i in range(0, len(links), 5000):
            bind.execute(customer_tags.insert(), [{"tenant_id": tenant_id, "customer_id": c, "tag_id": t}
                                                  for c, t in links[i:i + 5000]])

    # search forms of every customer, in id batches
    last = 0
    cols = [customers.c.id, customers.c.tenant_id, *[customers.c[f] for f in text.ROW_FIELDS]]
    while True:
        batch = bind.execute(sa.select(*cols).where(customers.c.id > last).order_by(customers.c.id).limit(2000)).all()
        if not batch:
            break
        last = batch[-1].id
        by_customer: dict[int, list[str]] = {}
        for cid, phone in bind.execute(sa.select(phones.c.customer_id, phones.c.phone)
                                       .where(phones.c.customer_id.in_([r.id for r in batch]))
                                       .order_by(phones.c.customer_id, phones.c.position)):
            by_customer.setdefault(cid, []).append(phone)
        rows = []
        for r in batch:
            fields = {f: getattr(r, f) for f in text.ROW_FIELDS}
            full, initials = text.pinyin_forms(r.name)
            st = text.search_text(fields, by_customer.get(r.id, []))
            rows.append({"customer_id": r.id, "tenant_id": r.tenant_id, "search_text": st,
                         "gram_words": text.gram_words(st), "name_pinyin": full, "name_initials": initials})
        bind.execute(search.insert(), rows)


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("customers", schema=None) as b:
        b.add_column(sa.Column("tags", JSONType, nullable=False, server_default="[]"))
    # tags back into the JSON column
    md = sa.MetaData()
    customers = sa.Table("customers", md, sa.Column("id", BigId), sa.Column("tags", JSONType))
    ct = sa.Table("customer_tags", md, sa.Column("customer_id", BigId), sa.Column("tag_id", BigId))
    tg = sa.Table("tags", md, sa.Column("id", BigId), sa.Column("name", sa.String))
    per: dict[int, list[str]] = {}
    for cid, name in bind.execute(sa.select(ct.c.customer_id, tg.c.name).join(tg, tg.c.id == ct.c.tag_id)):
        per.setdefault(cid, []).append(name)
    for cid, names in per.items():
        bind.execute(customers.update().where(customers.c.id == cid).values(tags=sorted(names)))
    schema.drop_objects(bind)
    for table in ("list_views", "saved_filters", "customer_search", "customer_field_values", "custom_fields",
                  "customer_tags", "tags", "tag_groups", "dict_kinds", "dict_items"):
        op.drop_table(table)
    with op.batch_alter_table("customers", schema=None) as b:
        for name in ("ix_customers_tenant_name", "ix_customers_tenant_call", "ix_customers_tenant_assigned",
                     "ix_customers_tenant_followup", "ix_customers_tenant_created", "ix_customers_tenant_id_id"):
            b.drop_index(name)
        b.drop_constraint("ck_customers_last_call_status", type_="check")
        for col in ("last_call_status", "last_call_at", "external_id", "wechat", "region", "stage"):
            b.drop_column(col)
