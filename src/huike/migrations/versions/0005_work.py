"""work: contacts, follow-ups, tag rules, tasks, reminders and deliveries, return visits (WORK-3…9)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 23:51:23.787541
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import huike.kit.models
from huike.kit import dbsecurity

revision = '0005'
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminder_settings',
    sa.Column('followup_enabled', sa.Boolean(), nullable=False),
    sa.Column('followup_lead_minutes', sa.Integer(), nullable=False),
    sa.Column('no_followup_enabled', sa.Boolean(), nullable=False),
    sa.Column('no_followup_days', sa.Integer(), nullable=False),
    sa.Column('visit_enabled', sa.Boolean(), nullable=False),
    sa.Column('visit_lead_minutes', sa.Integer(), nullable=False),
    sa.Column('birthday_enabled', sa.Boolean(), nullable=False),
    sa.Column('birthday_days_before', sa.Integer(), nullable=False),
    sa.Column('birthday_hour', sa.Integer(), nullable=False),
    sa.Column('task_enabled', sa.Boolean(), nullable=False),
    sa.Column('in_app_enabled', sa.Boolean(), nullable=False),
    sa.Column('email_enabled', sa.Boolean(), nullable=False),
    sa.Column('smtp_host', sa.String(length=200), nullable=True),
    sa.Column('smtp_port', sa.Integer(), nullable=False),
    sa.Column('smtp_security', sa.String(length=10), nullable=False),
    sa.Column('smtp_user', sa.String(length=200), nullable=True),
    sa.Column('smtp_password', sa.String(length=200), nullable=True),
    sa.Column('smtp_from', sa.String(length=200), nullable=True),
    sa.Column('dingtalk_enabled', sa.Boolean(), nullable=False),
    sa.Column('dingtalk_webhook', sa.String(length=500), nullable=True),
    sa.Column('dingtalk_secret', sa.String(length=200), nullable=True),
    sa.Column('wecom_enabled', sa.Boolean(), nullable=False),
    sa.Column('wecom_corp_id', sa.String(length=100), nullable=True),
    sa.Column('wecom_agent_id', sa.Integer(), nullable=True),
    sa.Column('wecom_secret', sa.String(length=200), nullable=True),
    sa.Column('wecom_api_base', sa.String(length=200), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("smtp_security IN ('none','starttls','ssl')", name=op.f('ck_reminder_settings_smtp_security')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_reminder_settings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_settings')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_reminder_settings_tenant_id'))
    )
    with op.batch_alter_table('reminder_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_settings_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tag_rules',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('keywords', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('match', sa.String(length=10), nullable=False),
    sa.Column('tag', sa.String(length=50), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("match IN ('any','all')", name=op.f('ck_tag_rules_match')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tag_rules_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_rules'))
    )
    with op.batch_alter_table('tag_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tag_rules_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('employee_reminder_prefs',
    sa.Column('employee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('followup_lead_minutes', sa.Integer(), nullable=True),
    sa.Column('in_app', sa.Boolean(), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.Column('dingtalk', sa.Boolean(), nullable=False),
    sa.Column('wecom', sa.Boolean(), nullable=False),
    sa.Column('wecom_userid', sa.String(length=64), nullable=True),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_employee_reminder_prefs_employee_id_employees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_employee_reminder_prefs_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('employee_id', name=op.f('pk_employee_reminder_prefs'))
    )
    with op.batch_alter_table('employee_reminder_prefs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employee_reminder_prefs_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tasks',
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('due_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('issuer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('handler_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('selected', sa.Integer(), nullable=False),
    sa.Column('skipped_blacklisted', sa.Integer(), nullable=False),
    sa.Column('skipped_other', sa.Integer(), nullable=False),
    sa.Column('completed_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open','done','cancelled')", name=op.f('ck_tasks_status')),
    sa.CheckConstraint("type IN ('call','visit','content','custom')", name=op.f('ck_tasks_type')),
    sa.ForeignKeyConstraint(['issuer_id'], ['employees.id'], name=op.f('fk_tasks_issuer_id_employees')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tasks_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_issuer', ['tenant_id', 'issuer_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('contacts',
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=True),
    sa.Column('phones', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('wechat', sa.String(length=100), nullable=True),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('remark', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['employees.id'], name=op.f('fk_contacts_created_by_id_employees')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_contacts_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contacts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index('ix_contacts_customer', ['tenant_id', 'customer_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('visit_plans',
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('planned_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('remark', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('done_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('planned','done','cancelled')", name=op.f('ck_visit_plans_status')),
    sa.CheckConstraint("type IN ('periodic','new_customer','problem')", name=op.f('ck_visit_plans_type')),
    sa.ForeignKeyConstraint(['created_by_id'], ['employees.id'], name=op.f('fk_visit_plans_created_by_id_employees')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_visit_plans_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['employees.id'], name=op.f('fk_visit_plans_owner_id_employees')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_visit_plans_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_plans'))
    )
    with op.batch_alter_table('visit_plans', schema=None) as batch_op:
        batch_op.create_index('ix_visit_plans_customer', ['tenant_id', 'customer_id', 'id'], unique=False)
        batch_op.create_index('ix_visit_plans_due', ['tenant_id', 'status', 'planned_at'], unique=False)
        batch_op.create_index('ix_visit_plans_owner', ['tenant_id', 'owner_id', 'planned_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_plans_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('notification_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('employee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('log', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("channel IN ('email','dingtalk','wecom')", name=op.f('ck_deliveries_channel')),
    sa.CheckConstraint("status IN ('pending','sending','sent','failed','skipped')", name=op.f('ck_deliveries_status')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_deliveries_employee_id_employees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_deliveries_notification_id_notifications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_deliveries_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('tenant_id', 'notification_id', 'channel', name=op.f('uq_deliveries_tenant_id_notification_id_channel'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_status', ['tenant_id', 'status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('followups',
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('stage', sa.String(length=50), nullable=True),
    sa.Column('next_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_plan', sa.Text(), nullable=True),
    sa.Column('remind', sa.Boolean(), nullable=False),
    sa.Column('attachments', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('auto_tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('task_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('phone','wechat','visit','email','other')", name=op.f('ck_followups_method')),
    sa.ForeignKeyConstraint(['author_id'], ['employees.id'], name=op.f('fk_followups_author_id_employees')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_followups_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_followups_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_followups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followups'))
    )
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index('ix_followups_author', ['tenant_id', 'author_id', 'at'], unique=False)
        batch_op.create_index('ix_followups_customer', ['tenant_id', 'customer_id', 'id'], unique=False)
        batch_op.create_index('ix_followups_next_at', ['tenant_id', 'next_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_followups_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('visit_records',
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('visitor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('visited_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('satisfaction', sa.String(length=20), nullable=False),
    sa.Column('problems', sa.Text(), nullable=True),
    sa.Column('actions', sa.Text(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huike.kit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('phone','onsite','video','wechat','other')", name=op.f('ck_visit_records_method')),
    sa.CheckConstraint("satisfaction IN ('very_satisfied','satisfied','neutral','dissatisfied')", name=op.f('ck_visit_records_satisfaction')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_visit_records_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['visit_plans.id'], name=op.f('fk_visit_records_plan_id_visit_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_visit_records_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visitor_id'], ['employees.id'], name=op.f('fk_visit_records_visitor_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_records'))
    )
    with op.batch_alter_table('visit_records', schema=None) as batch_op:
        batch_op.create_index('ix_visit_records_customer', ['tenant_id', 'customer_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_records_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_visit_records_visitor', ['tenant_id', 'visitor_id', 'visited_at'], unique=False)

    op.create_table('task_items',
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('handler_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('done_at', huike.kit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('followup_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('result', sa.String(length=500), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("status IN ('pending','done')", name=op.f('ck_task_items_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_task_items_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['followup_id'], ['followups.id'], name=op.f('fk_task_items_followup_id_followups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['handler_id'], ['employees.id'], name=op.f('fk_task_items_handler_id_employees')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_items_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_task_items_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_items'))
    )
    with op.batch_alter_table('task_items', schema=None) as batch_op:
        batch_op.create_index('ix_task_items_handler', ['tenant_id', 'handler_id', 'status'], unique=False)
        batch_op.create_index('ix_task_items_task', ['tenant_id', 'task_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_items_tenant_id'), ['tenant_id'], unique=False)

    for table in TABLES:
        dbsecurity.tenant_table(table)
    _grant_new_permissions()


TABLES = ("reminder_settings", "tag_rules", "employee_reminder_prefs", "tasks", "contacts", "visit_plans",
          "deliveries", "followups", "visit_records", "task_items")

# The built-in roles of existing tenants get the permissions this revision introduces (new tenants
# get them from authz.permissions.DEFAULT_ROLES).
NEW_PERMISSIONS = {
    "admin": ["followup.create", "task.issue", "visit.view", "visit.plan", "visit.record", "visit.stats",
              "reminder.manage"],
    "center_director": ["followup.create", "task.issue", "visit.view", "visit.plan", "visit.record", "visit.stats"],
    "dept_manager": ["followup.create", "task.issue", "visit.view", "visit.plan", "visit.record", "visit.stats"],
    "operator": ["followup.create", "task.issue", "visit.view"],
    "sales": ["followup.create", "visit.view", "visit.plan", "visit.record"],
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
    with op.batch_alter_table('task_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_items_tenant_id'))
        batch_op.drop_index('ix_task_items_task')
        batch_op.drop_index('ix_task_items_handler')

    op.drop_table('task_items')
    with op.batch_alter_table('visit_records', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_records_visitor')
        batch_op.drop_index(batch_op.f('ix_visit_records_tenant_id'))
        batch_op.drop_index('ix_visit_records_customer')

    op.drop_table('visit_records')
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followups_tenant_id'))
        batch_op.drop_index('ix_followups_next_at')
        batch_op.drop_index('ix_followups_customer')
        batch_op.drop_index('ix_followups_author')

    op.drop_table('followups')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_tenant_id'))
        batch_op.drop_index('ix_deliveries_status')

    op.drop_table('deliveries')
    with op.batch_alter_table('visit_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_plans_tenant_id'))
        batch_op.drop_index('ix_visit_plans_owner')
        batch_op.drop_index('ix_visit_plans_due')
        batch_op.drop_index('ix_visit_plans_customer')

    op.drop_table('visit_plans')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_tenant_id'))
        batch_op.drop_index('ix_contacts_customer')

    op.drop_table('contacts')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_tenant_id'))
        batch_op.drop_index('ix_tasks_issuer')

    op.drop_table('tasks')
    with op.batch_alter_table('employee_reminder_prefs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employee_reminder_prefs_tenant_id'))

    op.drop_table('employee_reminder_prefs')
    with op.batch_alter_table('tag_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tag_rules_tenant_id'))

    op.drop_table('tag_rules')
    with op.batch_alter_table('reminder_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_settings_tenant_id'))

    op.drop_table('reminder_settings')
