"""import and export jobs, mappings, files (IMP-1…7)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 03:05:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import huike.kit.models
from huike.kit import dbsecurity

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")
TS = huike.kit.models.UTCDateTime(timezone=True)
TABLES = ("import_jobs", "import_mappings", "export_jobs", "io_settings")


def _base(table: str) -> list[Any]:
    return [
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "import_jobs", *_base("import_jobs"),
        sa.Column("created_by_id", ID, nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("encoding", sa.String(20), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("headers", JSON, nullable=False),
        sa.Column("mapping", JSON, nullable=False),
        sa.Column("rows_estimate", sa.Integer(), nullable=True),
        sa.Column("pool", sa.String(20), nullable=True),
        sa.Column("on_duplicate", sa.String(10), nullable=True),
        sa.Column("owner_ids", JSON, nullable=False),
        sa.Column("public_pool_id", ID, nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("error", JSON, nullable=True),
        sa.Column("has_error_report", sa.Boolean(), nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("status IN ('uploaded','queued','running','done','failed')",
                           name=op.f("ck_import_jobs_status")),
        sa.ForeignKeyConstraint(["created_by_id"], ["employees.id"], name=op.f("fk_import_jobs_created_by_id_employees")),
    )
    op.create_index(op.f("ix_import_jobs_tenant_id"), "import_jobs", ["tenant_id"])
    op.create_index("ix_import_jobs_owner", "import_jobs", ["tenant_id", "created_by_id", "id"])
    op.create_index("ix_import_jobs_status", "import_jobs", ["status", "id"])

    op.create_table(
        "import_mappings", *_base("import_mappings"),
        sa.Column("header", sa.String(100), nullable=False),
        sa.Column("field_key", sa.String(60), nullable=True),
        sa.Column("updated_at", TS, nullable=True),
        sa.UniqueConstraint("tenant_id", "header", name=op.f("uq_import_mappings_tenant_id_header")),
    )
    op.create_index(op.f("ix_import_mappings_tenant_id"), "import_mappings", ["tenant_id"])

    op.create_table(
        "export_jobs", *_base("export_jobs"),
        sa.Column("created_by_id", ID, nullable=False),
        sa.Column("pool", sa.String(20), nullable=False),
        sa.Column("filter", JSON, nullable=True),
        sa.Column("q", sa.String(100), nullable=True),
        sa.Column("columns", JSON, nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.Column("error", JSON, nullable=True),
        sa.Column("filename", sa.String(255), nullable=True),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("status IN ('queued','running','done','failed')", name=op.f("ck_export_jobs_status")),
        sa.ForeignKeyConstraint(["created_by_id"], ["employees.id"], name=op.f("fk_export_jobs_created_by_id_employees")),
    )
    op.create_index(op.f("ix_export_jobs_tenant_id"), "export_jobs", ["tenant_id"])
    op.create_index("ix_export_jobs_owner", "export_jobs", ["tenant_id", "created_by_id", "id"])

    op.create_table(
        "io_settings", *_base("io_settings"),
        sa.Column("export_row_cap", sa.Integer(), nullable=False),
        sa.Column("source_required", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_io_settings_tenant_id")),
    )
    op.create_index(op.f("ix_io_settings_tenant_id"), "io_settings", ["tenant_id"])

    for table in TABLES:
        dbsecurity.tenant_table(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
