"""attachments: files attached to records (follow-ups, return-visit records; later contracts)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 03:40:00
"""

import sqlalchemy as sa
from alembic import op

import huike.kit.models
from huike.kit import dbsecurity

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("record_kind", sa.String(length=30), nullable=False),
        sa.Column("record_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("uploaded_by_id", ID, nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("created_at", huike.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", huike.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_attachments_size")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_attachments_customer_id_customers"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["employees.id"],
                                name=op.f("fk_attachments_uploaded_by_id_employees"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_attachments_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("storage_key", name="uq_attachments_storage_key"),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_record", ["tenant_id", "record_kind", "record_id", "id"], unique=False)
        batch_op.create_index("ix_attachments_customer", ["tenant_id", "customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_tenant_id"), ["tenant_id"], unique=False)
    dbsecurity.tenant_table("attachments")


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_tenant_id"))
        batch_op.drop_index("ix_attachments_customer")
        batch_op.drop_index("ix_attachments_record")
    op.drop_table("attachments")
