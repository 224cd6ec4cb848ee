"""stats rollup: per-tenant customer counts kept by the database (SALES-8 at a million customers)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 06:30:00

- `customer_rollup`, `customer_rollup_daily` and the log `customer_rollup_delta` (see huike.stats.rollup):
  row-level security per tenant, filled from the existing customers, kept by triggers on customers;
- covering indexes for the sales figures of the statistics (index-only scans on PostgreSQL): completed
  orders by deal time with staff and total; follow-ups by time with author. (An opportunities index
  (tenant, status, stage, owner) INCLUDE (amount, win rate) was measured and left out: the whole-tenant
  pipeline reads every opportunity, and a parallel sequential scan beats it.)
"""

import sqlalchemy as sa
from alembic import op

from huike.kit import dbsecurity
from huike.stats import rollup

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

INDEXES = [
    ("ix_orders_stats", "orders", ["tenant_id", "status", "deal_at"], ["staff_id", "total", "customer_id"]),
    ("ix_followups_at", "followups", ["tenant_id", "at"], ["author_id", "customer_id"]),
]


def upgrade() -> None:
    op.create_table(
        "customer_rollup",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("department_id", ID, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("pool", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("industry", sa.String(100), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*rollup.KEYS, name="pk_customer_rollup"),
    )
    op.create_table(
        "customer_rollup_daily",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("created_day", sa.Date(), nullable=False),
        sa.Column("department_id", ID, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("pool", sa.String(20), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*rollup.DAILY_KEYS, name="pk_customer_rollup_daily"),
    )
    op.create_table(
        "customer_rollup_delta",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("department_id", ID, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("pool", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("industry", sa.String(100), nullable=False),
        sa.Column("created_day", sa.Date(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_rollup_delta"),
    )
    op.create_index("ix_customer_rollup_delta_tenant_id", "customer_rollup_delta", ["tenant_id"])
    # no foreign keys: a tenant's customers are deleted by cascade, and their rows go with them through
    # the triggers; department / owner 0 stand for none
    for table in ("customer_rollup", "customer_rollup_daily", "customer_rollup_delta"):
        dbsecurity.tenant_table(table)
    conn = op.get_bind()
    rollup.backfill(conn)
    rollup.create_objects(conn)
    for name, table, cols, include in INDEXES:
        op.create_index(name, table, cols, postgresql_include=include)
    if conn.dialect.name == "postgresql":
        for table in ("customer_rollup", "customer_rollup_daily"):
            op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    for name, table, _, _ in INDEXES:
        op.drop_index(name, table_name=table)
    rollup.drop_objects(op.get_bind())
    op.drop_table("customer_rollup_delta")
    op.drop_table("customer_rollup_daily")
    op.drop_table("customer_rollup")
