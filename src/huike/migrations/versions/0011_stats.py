"""stats: the per-employee work panel (SALES-9), the stats.view permission (SALES-8)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 03:30:00
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import huike.kit.models
from huike.kit import dbsecurity

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONType = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")
UTC = huike.kit.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "work_panels",
        sa.Column("employee_id", ID, nullable=False),
        sa.Column("cards", JSONType, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"], name=op.f("fk_work_panels_employee_id_employees"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_work_panels_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_panels")),
        sa.UniqueConstraint("tenant_id", "employee_id", name="uq_work_panels_tenant_id_employee_id"),
    )
    with op.batch_alter_table("work_panels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_panels_tenant_id"), ["tenant_id"], unique=False)
    dbsecurity.tenant_table("work_panels")
    _grant_new_permissions()


# The built-in roles of existing tenants get the permission this revision introduces (new tenants
# get it from authz.permissions.DEFAULT_ROLES): every default role sees statistics; scope does the rest.
NEW_PERMISSIONS = {code: ["stats.view"] for code in ("admin", "center_director", "dept_manager", "operator", "sales")}


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
    with op.batch_alter_table("work_panels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_panels_tenant_id"))
    op.drop_table("work_panels")
