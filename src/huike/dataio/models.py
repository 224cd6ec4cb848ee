"""Import and export jobs, saved header mappings and the tenant's import/export settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin

IMPORT_STATUSES = ("uploaded", "queued", "running", "done", "failed")
EXPORT_STATUSES = ("queued", "running", "done", "failed")
IMPORT_POOLS = ("potential", "to_assign", "following", "public")


class ImportJob(IdMixin, TenantMixin, TimestampMixin, Base):
    """One uploaded file and its import. The file lives under the var directory
    (`io/<tenant>/imports/<id>/`); counts are written by the job's final transaction together with
    the customers (all-or-nothing, see docs/ARCHITECTURE.md "Import and export")."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        sa.CheckConstraint("status IN ('uploaded','queued','running','done','failed')", name="status"),
        sa.Index("ix_import_jobs_owner", "tenant_id", "created_by_id", "id"),
        sa.Index("ix_import_jobs_status", "status", "id"),
    )
    created_by_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    format: Mapped[str] = mapped_column(sa.String(10))  # csv / xlsx
    encoding: Mapped[str | None] = mapped_column(sa.String(20))  # csv: utf-8-sig / gb18030
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    status: Mapped[str] = mapped_column(sa.String(20), default="uploaded")
    headers: Mapped[list[Any]] = mapped_column(default=list)
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rows_estimate: Mapped[int | None]
    pool: Mapped[str | None] = mapped_column(sa.String(20))
    on_duplicate: Mapped[str | None] = mapped_column(sa.String(10))
    owner_ids: Mapped[list[Any]] = mapped_column(default=list)
    public_pool_id: Mapped[int | None] = mapped_column(BigId)
    attempt: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    processed: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    error: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    has_error_report: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ImportMapping(IdMixin, TenantMixin, Base):
    """A header the tenant mapped by hand, remembered for the next upload (IMP-2)."""

    __tablename__ = "import_mappings"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "header"),)
    header: Mapped[str] = mapped_column(sa.String(100))
    field_key: Mapped[str | None] = mapped_column(sa.String(60))  # None: the column is ignored
    updated_at: Mapped[datetime | None]


class ExportJob(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "export_jobs"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued','running','done','failed')", name="status"),
        sa.Index("ix_export_jobs_owner", "tenant_id", "created_by_id", "id"),
    )
    created_by_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    pool: Mapped[str] = mapped_column(sa.String(20))
    filter: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    q: Mapped[str | None] = mapped_column(sa.String(100))
    columns: Mapped[list[Any]] = mapped_column(default=list)
    format: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    rows: Mapped[int | None]
    processed: Mapped[int] = mapped_column(default=0)
    capped: Mapped[bool] = mapped_column(default=False)
    error: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    finished_at: Mapped[datetime | None]


class IoSettings(IdMixin, TenantMixin, Base):
    """The tenant's import/export settings: the export row cap, whether imports need a source."""

    __tablename__ = "io_settings"
    __table_args__ = (sa.UniqueConstraint("tenant_id"),)
    export_row_cap: Mapped[int] = mapped_column(default=1_000_000)
    source_required: Mapped[bool] = mapped_column(default=False)
