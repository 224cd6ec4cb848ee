"""grading: automatic customer grading rules (POOL-16)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 06:30:00
"""

import sqlalchemy as sa
from alembic import op

import huike.kit.models
from huike.kit import dbsecurity
from huike.kit.money import MoneyType

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = huike.kit.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "grading_settings",
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.Column("fallback_level", sa.String(length=50), nullable=True),
        sa.Column("override_manual", sa.Boolean(), nullable=False),
        sa.Column("last_run_at", UTC, nullable=True),
        sa.Column("last_run_changed", sa.Integer(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.CheckConstraint("window_days IS NULL OR window_days >= 1", name=op.f("ck_grading_settings_window_days")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_grading_settings_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_settings")),
        sa.UniqueConstraint("tenant_id", name="uq_grading_settings_tenant_id"),
    )
    with op.batch_alter_table("grading_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grading_settings_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "grading_rules",
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=50), nullable=False),
        sa.Column("min_amount", MoneyType(), nullable=False),
        sa.Column("within_days", sa.Integer(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.CheckConstraint("min_amount >= 0", name=op.f("ck_grading_rules_min_amount")),
        sa.CheckConstraint("within_days IS NULL OR within_days >= 1", name=op.f("ck_grading_rules_within_days")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_grading_rules_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_rules")),
    )
    with op.batch_alter_table("grading_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grading_rules_tenant_id"), ["tenant_id"], unique=False)

    # Where a customer's level came from: manual / auto / NULL (no record: treated as set by hand
    # when a level is present). A plain nullable column: no table rewrite, no backfill of the customers.
    op.add_column("customers", sa.Column("level_source", sa.String(length=10), nullable=True))

    for table in ("grading_settings", "grading_rules"):
        dbsecurity.tenant_table(table)


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("level_source")
    with op.batch_alter_table("grading_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grading_rules_tenant_id"))
    op.drop_table("grading_rules")
    with op.batch_alter_table("grading_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grading_settings_tenant_id"))
    op.drop_table("grading_settings")
