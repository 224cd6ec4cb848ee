"""Finding customers: the quick-search forms of each customer, saved filters and list views."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin

# ASCII-only columns compared by prefix range: byte order on PostgreSQL whatever the database collation.
_Ascii400 = sa.String(400).with_variant(sa.String(400, collation="C"), "postgresql")
_Ascii100 = sa.String(100).with_variant(sa.String(100, collation="C"), "postgresql")


class CustomerSearch(TenantMixin, Base):
    """One row per customer, kept by `find.indexing` whenever a searchable field or phone changes.

    A table of its own so that pool moves (which rewrite customers rows) never touch the search
    indexes. PostgreSQL: pg_trgm GIN indexes on `search_text` (queries of 3+ characters) and on
    `gram_words` (1–2 CJK characters). SQLite: the FTS5 tables `customer_search_trgm` (trigram) and
    `customer_search_grams` (1–2 character grams), external content kept by triggers on this table.
    Pinyin forms are matched by prefix range. See find.schema."""

    __tablename__ = "customer_search"
    __table_args__ = (
        sa.Index("ix_customer_search_pinyin", "tenant_id", "name_pinyin"),
        sa.Index("ix_customer_search_initials", "tenant_id", "name_initials"),
    )
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"),
                                             primary_key=True, autoincrement=False)
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    gram_words: Mapped[str] = mapped_column(sa.Text, default="")  # find.text.gram_words(search_text)
    name_pinyin: Mapped[str | None] = mapped_column(_Ascii400)
    name_initials: Mapped[str | None] = mapped_column(_Ascii100)


class SavedFilter(IdMixin, TenantMixin, TimestampMixin, Base):
    """常用筛选 (FIND-6): named conditions of one employee for one pool; `pinned` ones show as quick
    chips in the filter bar (FIND-7), in `position` order."""

    __tablename__ = "saved_filters"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "employee_id", "pool", "name"),
                      sa.Index("ix_saved_filters_owner", "tenant_id", "employee_id", "pool", "position"))
    employee_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id", ondelete="CASCADE"))
    pool: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(50))
    filter: Mapped[dict[str, Any]] = mapped_column(default=dict)
    q: Mapped[str | None] = mapped_column(sa.String(100))
    sort: Mapped[str | None] = mapped_column(sa.String(60))
    pinned: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)


class ListView(IdMixin, TenantMixin, TimestampMixin, Base):
    """One employee's list settings for one pool: visible columns (FIND-8), the filter fields pinned
    to the filter bar (固定筛选项, FIND-7), the sort and the page size."""

    __tablename__ = "list_views"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "employee_id", "pool"),)
    employee_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id", ondelete="CASCADE"))
    pool: Mapped[str] = mapped_column(sa.String(20))
    columns: Mapped[list[Any]] = mapped_column(default=list)
    pinned_fields: Mapped[list[Any]] = mapped_column(default=list)
    sort: Mapped[str | None] = mapped_column(sa.String(60))
    page_size: Mapped[int] = mapped_column(default=20)
