"""pool tuning: fewer customer indexes for set-based recycling; dropped unused flags (POOL-6/10)

- recycle_rules.exempt_wecom_friends goes: WeCom-friend customers are never dropped to the public pool
  (POOL-11), so that was never a rule option (the code ignored it).
- customers: the plain tenant_id index goes (every composite index of the table starts with tenant_id);
  external ids are looked up only by value, so their index holds only the rows that have one.
- customer_events: the plain tenant_id index goes too (ix_customer_events_customer starts with tenant_id).
- customers.previous_owner_id and customers.public_pool_id lose their foreign keys: history and a pool
  reference that the code reads defensively (a deleted pool falls back to the default one); each key cost a
  lookup per recycled row (bench/recycle_bench.py, docs/PERFORMANCE.md).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 03:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recycle_rules", schema=None) as b:
        b.drop_column("exempt_wecom_friends")

    # SQLite rebuilds the table for this (first, so that the index changes below are not reflected back)
    with op.batch_alter_table("customers", schema=None) as b:
        b.drop_constraint("fk_customers_previous_owner_id_employees", type_="foreignkey")
        b.drop_constraint("fk_customers_public_pool_id_public_pools", type_="foreignkey")
    op.drop_index("ix_customers_tenant_id", table_name="customers")
    op.drop_index("ix_customers_tenant_external", table_name="customers")
    op.create_index("ix_customers_tenant_external", "customers", ["tenant_id", "external_id"],
                    postgresql_where=sa.text("external_id IS NOT NULL"),
                    sqlite_where=sa.text("external_id IS NOT NULL"))
    op.drop_index("ix_customer_events_tenant_id", table_name="customer_events")


def downgrade() -> None:
    op.create_index("ix_customer_events_tenant_id", "customer_events", ["tenant_id"])
    op.drop_index("ix_customers_tenant_external", table_name="customers")
    op.create_index("ix_customers_tenant_external", "customers", ["tenant_id", "external_id"])
    op.create_index("ix_customers_tenant_id", "customers", ["tenant_id"])
    with op.batch_alter_table("customers", schema=None) as b:
        b.create_foreign_key("fk_customers_public_pool_id_public_pools", "public_pools", ["public_pool_id"], ["id"])
        b.create_foreign_key("fk_customers_previous_owner_id_employees", "employees", ["previous_owner_id"], ["id"])

    with op.batch_alter_table("recycle_rules", schema=None) as b:
        b.add_column(sa.Column("exempt_wecom_friends", sa.Boolean(), nullable=False, server_default=sa.true()))
