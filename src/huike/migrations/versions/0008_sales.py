"""sales pipeline: opportunities, stages, products, orders, contracts, invoices, payments (SALES-1…7, POOL-8)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 03:05:00
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import huike.kit.models
import huike.kit.money
from huike.kit import dbsecurity

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("sales_settings", "sales_counters", "opportunity_stages", "lost_reasons", "opportunities",
          "opportunity_stage_changes", "products", "orders", "order_lines", "contracts", "invoices",
          "payment_plans", "payments")


def upgrade() -> None:
    op.create_table('lost_reasons',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lost_reasons_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lost_reasons')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_lost_reasons_tenant_id_name'))
    )
    op.create_index(op.f('ix_lost_reasons_tenant_id'), 'lost_reasons', ['tenant_id'], unique=False)
    op.create_table('opportunity_stages',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('win_rate', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('open','won','lost')", name=op.f('ck_opportunity_stages_kind')),
    sa.CheckConstraint('win_rate >= 0 AND win_rate <= 100', name=op.f('ck_opportunity_stages_win_rate')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_opportunity_stages_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_stages'))
    )
    op.create_index('ix_opportunity_stages_order', 'opportunity_stages', ['tenant_id', 'position'], unique=False)
    op.create_index(op.f('ix_opportunity_stages_tenant_id'), 'opportunity_stages', ['tenant_id'], unique=False)
    op.create_table('products',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=True),
    sa.Column('price', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('on_sale', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price >= 0', name=op.f('ck_products_price')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_products_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_products_tenant_id_code'))
    )
    op.create_index('ix_products_name', 'products', ['tenant_id', 'name'], unique=False)
    op.create_index(op.f('ix_products_tenant_id'), 'products', ['tenant_id'], unique=False)
    op.create_table('sales_counters',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("kind IN ('opportunity','order','contract','invoice')", name=op.f('ck_sales_counters_kind')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sales_counters_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_counters')),
    sa.UniqueConstraint('tenant_id', 'kind', name=op.f('uq_sales_counters_tenant_id_kind'))
    )
    op.create_index(op.f('ix_sales_counters_tenant_id'), 'sales_counters', ['tenant_id'], unique=False)
    op.create_table('sales_settings',
    sa.Column('restrict_manual_won', sa.Boolean(), nullable=False),
    sa.Column('contract_expiry_enabled', sa.Boolean(), nullable=False),
    sa.Column('contract_expiry_days', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sales_settings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_settings')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_sales_settings_tenant_id'))
    )
    op.create_index(op.f('ix_sales_settings_tenant_id'), 'sales_settings', ['tenant_id'], unique=False)
    op.create_table('opportunities',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('amount', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('stage_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('win_rate', sa.Integer(), nullable=False),
    sa.Column('expected_close_date', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('lost_reason_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('lost_note', sa.Text(), nullable=True),
    sa.Column('stage_changed_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('won_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lost_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open','won','lost')", name=op.f('ck_opportunities_status')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_opportunities_amount')),
    sa.CheckConstraint('win_rate >= 0 AND win_rate <= 100', name=op.f('ck_opportunities_win_rate')),
    sa.ForeignKeyConstraint(['created_by_id'], ['employees.id'], name=op.f('fk_opportunities_created_by_id_employees')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_opportunities_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['org_units.id'], name=op.f('fk_opportunities_department_id_org_units')),
    sa.ForeignKeyConstraint(['lost_reason_id'], ['lost_reasons.id'], name=op.f('fk_opportunities_lost_reason_id_lost_reasons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['employees.id'], name=op.f('fk_opportunities_owner_id_employees')),
    sa.ForeignKeyConstraint(['stage_id'], ['opportunity_stages.id'], name=op.f('fk_opportunities_stage_id_opportunity_stages')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_opportunities_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunities')),
    sa.UniqueConstraint('tenant_id', 'number', name=op.f('uq_opportunities_tenant_id_number'))
    )
    op.create_index('ix_opportunities_created', 'opportunities', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_opportunities_customer', 'opportunities', ['tenant_id', 'customer_id', 'id'], unique=False)
    op.create_index('ix_opportunities_lost', 'opportunities', ['tenant_id', 'lost_at'], unique=False)
    op.create_index('ix_opportunities_owner', 'opportunities', ['tenant_id', 'owner_id', 'status'], unique=False)
    op.create_index('ix_opportunities_status', 'opportunities', ['tenant_id', 'status', 'id'], unique=False)
    op.create_index(op.f('ix_opportunities_tenant_id'), 'opportunities', ['tenant_id'], unique=False)
    op.create_index('ix_opportunities_won', 'opportunities', ['tenant_id', 'won_at'], unique=False)
    op.create_table('contracts',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('opportunity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('amount', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('sign_date', sa.Date(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('remark', sa.Text(), nullable=True),
    sa.Column('attachments', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('terminate_reason', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('signed_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('terminated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft','signed','completed','terminated')", name=op.f('ck_contracts_status')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_contracts_amount')),
    sa.ForeignKeyConstraint(['created_by_id'], ['employees.id'], name=op.f('fk_contracts_created_by_id_employees')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_contracts_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['org_units.id'], name=op.f('fk_contracts_department_id_org_units')),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_contracts_opportunity_id_opportunities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['employees.id'], name=op.f('fk_contracts_owner_id_employees')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contracts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('tenant_id', 'number', name=op.f('uq_contracts_tenant_id_number'))
    )
    op.create_index('ix_contracts_customer', 'contracts', ['tenant_id', 'customer_id', 'id'], unique=False)
    op.create_index('ix_contracts_end', 'contracts', ['tenant_id', 'status', 'end_date'], unique=False)
    op.create_index('ix_contracts_owner', 'contracts', ['tenant_id', 'owner_id'], unique=False)
    op.create_index('ix_contracts_status', 'contracts', ['tenant_id', 'status', 'id'], unique=False)
    op.create_index(op.f('ix_contracts_tenant_id'), 'contracts', ['tenant_id'], unique=False)
    op.create_table('opportunity_stage_changes',
    sa.Column('opportunity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_stage_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('to_stage_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=10), nullable=True),
    sa.Column('to_status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('lost_reason_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['employees.id'], name=op.f('fk_opportunity_stage_changes_actor_id_employees')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_opportunity_stage_changes_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_stage_id'], ['opportunity_stages.id'], name=op.f('fk_opportunity_stage_changes_from_stage_id_opportunity_stages')),
    sa.ForeignKeyConstraint(['lost_reason_id'], ['lost_reasons.id'], name=op.f('fk_opportunity_stage_changes_lost_reason_id_lost_reasons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_opportunity_stage_changes_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_opportunity_stage_changes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_stage_id'], ['opportunity_stages.id'], name=op.f('fk_opportunity_stage_changes_to_stage_id_opportunity_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_stage_changes'))
    )
    op.create_index('ix_opportunity_stage_changes_at', 'opportunity_stage_changes', ['tenant_id', 'at'], unique=False)
    op.create_index('ix_opportunity_stage_changes_opp', 'opportunity_stage_changes', ['tenant_id', 'opportunity_id', 'id'], unique=False)
    op.create_index(op.f('ix_opportunity_stage_changes_tenant_id'), 'opportunity_stage_changes', ['tenant_id'], unique=False)
    op.create_table('orders',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('opportunity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('deal_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('subtotal', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('discount', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('total', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('remark', sa.Text(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('confirmed_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft','confirmed','completed','cancelled')", name=op.f('ck_orders_status')),
    sa.CheckConstraint('discount >= 0 AND total >= 0', name=op.f('ck_orders_money')),
    sa.ForeignKeyConstraint(['created_by_id'], ['employees.id'], name=op.f('fk_orders_created_by_id_employees')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_orders_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['org_units.id'], name=op.f('fk_orders_department_id_org_units')),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_orders_opportunity_id_opportunities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_id'], ['employees.id'], name=op.f('fk_orders_staff_id_employees')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_orders_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('tenant_id', 'number', name=op.f('uq_orders_tenant_id_number'))
    )
    op.create_index('ix_orders_customer', 'orders', ['tenant_id', 'customer_id', 'id'], unique=False)
    op.create_index('ix_orders_deal', 'orders', ['tenant_id', 'deal_at'], unique=False)
    op.create_index('ix_orders_opportunity', 'orders', ['tenant_id', 'opportunity_id'], unique=False)
    op.create_index('ix_orders_staff', 'orders', ['tenant_id', 'staff_id', 'deal_at'], unique=False)
    op.create_index('ix_orders_status', 'orders', ['tenant_id', 'status', 'id'], unique=False)
    op.create_index(op.f('ix_orders_tenant_id'), 'orders', ['tenant_id'], unique=False)
    op.create_table('invoices',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('invoice_no', sa.String(length=64), nullable=True),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contract_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('amount', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('tax_no', sa.String(length=64), nullable=True),
    sa.Column('issue_date', sa.Date(), nullable=True),
    sa.Column('remark', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('voided_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending','issued','void')", name=op.f('ck_invoices_status')),
    sa.CheckConstraint("type IN ('normal','special')", name=op.f('ck_invoices_type')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_invoices_amount')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_invoices_contract_id_contracts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['employees.id'], name=op.f('fk_invoices_created_by_id_employees')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_invoices_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_invoices_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('tenant_id', 'number', name=op.f('uq_invoices_tenant_id_number'))
    )
    op.create_index('ix_invoices_contract', 'invoices', ['tenant_id', 'contract_id'], unique=False)
    op.create_index('ix_invoices_customer', 'invoices', ['tenant_id', 'customer_id', 'id'], unique=False)
    op.create_index(op.f('ix_invoices_tenant_id'), 'invoices', ['tenant_id'], unique=False)
    op.create_table('order_lines',
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_name', sa.String(length=200), nullable=False),
    sa.Column('product_code', sa.String(length=64), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=True),
    sa.Column('quantity', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('list_price', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('unit_price', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('amount', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('quantity > 0 AND unit_price >= 0 AND amount >= 0', name=op.f('ck_order_lines_money')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_order_lines_product_id_products')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_order_lines_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    op.create_index('ix_order_lines_order', 'order_lines', ['tenant_id', 'order_id', 'position'], unique=False)
    op.create_index('ix_order_lines_product', 'order_lines', ['tenant_id', 'product_id'], unique=False)
    op.create_index(op.f('ix_order_lines_tenant_id'), 'order_lines', ['tenant_id'], unique=False)
    op.create_table('payment_plans',
    sa.Column('contract_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('remark', sa.String(length=500), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_plans_amount')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_payment_plans_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_payment_plans_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_payment_plans_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_plans'))
    )
    op.create_index('ix_payment_plans_contract', 'payment_plans', ['tenant_id', 'contract_id', 'due_date'], unique=False)
    op.create_index('ix_payment_plans_customer', 'payment_plans', ['tenant_id', 'customer_id'], unique=False)
    op.create_index(op.f('ix_payment_plans_tenant_id'), 'payment_plans', ['tenant_id'], unique=False)
    op.create_table('payments',
    sa.Column('contract_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('amount', huike.kit.money.MoneyType(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('remark', sa.String(length=500), nullable=True),
    sa.Column('recorded_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("method IN ('bank','cash','wechat','alipay','check','other')", name=op.f('ck_payments_method')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_payments_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_payments_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['payment_plans.id'], name=op.f('fk_payments_plan_id_payment_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['employees.id'], name=op.f('fk_payments_recorded_by_id_employees')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_payments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    op.create_index('ix_payments_contract', 'payments', ['tenant_id', 'contract_id'], unique=False)
    op.create_index('ix_payments_customer', 'payments', ['tenant_id', 'customer_id', 'id'], unique=False)
    op.create_index('ix_payments_received', 'payments', ['tenant_id', 'received_on'], unique=False)
    op.create_index(op.f('ix_payments_tenant_id'), 'payments', ['tenant_id'], unique=False)
    op.add_column('customers', sa.Column('total_purchase', huike.kit.money.MoneyType(), server_default='0', nullable=False))
    op.add_column('customers', sa.Column('last_purchase_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True))

    for table in TABLES:
        dbsecurity.tenant_table(table)
    _grant_new_permissions()


# The built-in roles of existing tenants get the permissions this revision introduces (new tenants
# get them from authz.permissions.DEFAULT_ROLES).
_DEALS = ["opportunity.view", "opportunity.edit", "order.view", "order.manage", "contract.view", "contract.manage"]
NEW_PERMISSIONS = {
    "admin": [*_DEALS, "product.manage", "sales.settings"],
    "center_director": _DEALS,
    "dept_manager": _DEALS,
    "operator": ["opportunity.view", "order.view", "contract.view"],
    "sales": _DEALS,
}


def _grant_new_permissions() -> None:
    conn = op.get_bind()
    roles = sa.table("roles", sa.column("id", sa.BigInteger), sa.column("code", sa.String),
                     sa.column("is_builtin", sa.Boolean), sa.column("permissions", sa.JSON))
    for rid, code, perms in conn.execute(sa.select(roles.c.id, roles.c.code, roles.c.permissions)
                                         .where(roles.c.is_builtin, roles.c.code.in_(list(NEW_PERMISSIONS)))):
        if isinstance(perms, str):
            perms = json.loads(perms)
        merged = sorted(set(perms or []) | set(NEW_PERMISSIONS[code]))
        conn.execute(roles.update().where(roles.c.id == rid).values(permissions=merged))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("last_purchase_at")
        batch_op.drop_column("total_purchase")
    for table in ("payments", "payment_plans", "invoices", "order_lines", "opportunity_stage_changes", "orders",
                  "contracts", "opportunities", "products", "lost_reasons", "opportunity_stages", "sales_counters",
                  "sales_settings"):
        op.drop_table(table)
