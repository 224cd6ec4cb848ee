"""pools

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 23:39:41.919847
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import huike.kit.models
from huike.kit import dbsecurity

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('public_pools',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('member_unit_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('admin_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('daily_claim_quota', sa.Integer(), nullable=True),
    sa.Column('reclaim_cooldown_days', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('protection_minutes', sa.Integer(), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_public_pools_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_pools'))
    )
    with op.batch_alter_table('public_pools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_pools_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('assignment_rules',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('strategy', sa.String(length=20), nullable=False),
    sa.Column('pool', sa.String(length=20), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('member_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('pointer', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("strategy IN ('round_robin','least_loaded','by_department')", name=op.f('ck_assignment_rules_strategy')),
    sa.ForeignKeyConstraint(['department_id'], ['org_units.id'], name=op.f('fk_assignment_rules_department_id_org_units')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_assignment_rules_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_rules'))
    )
    with op.batch_alter_table('assignment_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_rules_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('recycle_rules',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('level', sa.String(length=50), nullable=True),
    sa.Column('target_pool_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('remind_days_before', sa.Integer(), nullable=False),
    sa.Column('exempt_won', sa.Boolean(), nullable=False),
    sa.Column('exempt_locked', sa.Boolean(), nullable=False),
    sa.Column('exempt_wecom_friends', sa.Boolean(), nullable=False),
    sa.Column('exempt_focus', sa.Boolean(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('no_followup','no_opportunity','not_won')", name=op.f('ck_recycle_rules_kind')),
    sa.ForeignKeyConstraint(['department_id'], ['org_units.id'], name=op.f('fk_recycle_rules_department_id_org_units')),
    sa.ForeignKeyConstraint(['target_pool_id'], ['public_pools.id'], name=op.f('fk_recycle_rules_target_pool_id_public_pools')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_recycle_rules_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recycle_rules'))
    )
    with op.batch_alter_table('recycle_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recycle_rules_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('claim_counters',
    sa.Column('employee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_claim_counters_employee_id_employees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_claim_counters_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('employee_id', 'day', name=op.f('pk_claim_counters'))
    )
    with op.batch_alter_table('claim_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_counters_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('customer_events',
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_events_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_events'))
    )
    with op.batch_alter_table('customer_events', schema=None) as batch_op:
        batch_op.create_index('ix_customer_events_customer', ['tenant_id', 'customer_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_events_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('notifications',
    sa.Column('employee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_notifications_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_notifications_employee_id_employees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_notifications_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('tenant_id', 'dedupe_key', name=op.f('uq_notifications_tenant_id_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_recipient', ['tenant_id', 'employee_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('wecom_friends',
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('employee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('added_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_wecom_friends_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_wecom_friends_employee_id_employees')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_wecom_friends_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'employee_id', name=op.f('pk_wecom_friends'))
    )
    with op.batch_alter_table('wecom_friends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wecom_friends_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wecom_friends_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_pool_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('pool_entered_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('assigned_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('acquired_via', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('previous_owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('recycled_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recycle_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('last_opportunity_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('won_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('locked', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('blacklisted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('blacklist_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('deactivated', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('deactivate_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_customers_merged_into_id_customers'), 'customers', ['merged_into_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_customers_previous_owner_id_employees'), 'employees', ['previous_owner_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_customers_public_pool_id_public_pools'), 'public_pools', ['public_pool_id'], ['id'])

    for table in ("public_pools", "claim_counters", "assignment_rules", "recycle_rules", "wecom_friends",
                  "customer_events", "notifications"):
        dbsecurity.tenant_table(table)
    # every existing tenant gets its default public pool (公海)
    op.execute("INSERT INTO public_pools (tenant_id, name, is_default, member_unit_ids, admin_ids, "
               "reclaim_cooldown_days, protection_minutes, retention_days, created_at, updated_at) "
               "SELECT id, '公海', true, '[]', '[]', 0, 0, 30, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM tenants")


def downgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_customers_public_pool_id_public_pools'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_customers_previous_owner_id_employees'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_customers_merged_into_id_customers'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('deactivate_reason')
        batch_op.drop_column('deactivated')
        batch_op.drop_column('blacklist_reason')
        batch_op.drop_column('blacklisted')
        batch_op.drop_column('locked')
        batch_op.drop_column('won_at')
        batch_op.drop_column('last_opportunity_at')
        batch_op.drop_column('recycle_reason')
        batch_op.drop_column('recycled_at')
        batch_op.drop_column('previous_owner_id')
        batch_op.drop_column('acquired_via')
        batch_op.drop_column('assigned_at')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('pool_entered_at')
        batch_op.drop_column('public_pool_id')

    with op.batch_alter_table('wecom_friends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wecom_friends_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_wecom_friends_employee_id'))

    op.drop_table('wecom_friends')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_tenant_id'))
        batch_op.drop_index('ix_notifications_recipient')

    op.drop_table('notifications')
    with op.batch_alter_table('customer_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_events_tenant_id'))
        batch_op.drop_index('ix_customer_events_customer')

    op.drop_table('customer_events')
    with op.batch_alter_table('claim_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_counters_tenant_id'))

    op.drop_table('claim_counters')
    with op.batch_alter_table('recycle_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recycle_rules_tenant_id'))

    op.drop_table('recycle_rules')
    with op.batch_alter_table('assignment_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_rules_tenant_id'))

    op.drop_table('assignment_rules')
    with op.batch_alter_table('public_pools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_pools_tenant_id'))

    op.drop_table('public_pools')
