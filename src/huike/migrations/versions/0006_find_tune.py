"""find: whole-field lookups of external ids by index (quick search of a full id)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 03:05:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as b:
        b.create_index("ix_customers_tenant_external", ["tenant_id", "external_id"])


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as b:
        b.drop_index("ix_customers_tenant_external")
