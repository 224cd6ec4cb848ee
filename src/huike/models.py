"""Every table, imported in one place for Alembic and the app."""

from huike.audit.models import AuditEntry
from huike.auth.models import AuthSession, LoginFailure
from huike.customer.models import Customer, CustomerCollaborator, CustomerFocus, CustomerPhone
from huike.kit.models import Base
from huike.org.models import Employee, OrgUnit, Role, Tenant
from huike.pool.models import (
    AssignmentRule,
    ClaimCounter,
    CustomerEvent,
    Notification,
    PublicPool,
    RecycleRule,
    WecomFriend,
)

__all__ = ["AuditEntry", "AuthSession", "Base", "Customer", "CustomerCollaborator", "CustomerFocus",
           "CustomerPhone", "Employee", "LoginFailure", "OrgUnit", "Role", "Tenant", "AssignmentRule", "ClaimCounter", "CustomerEvent", "Notification",
           "PublicPool", "RecycleRule", "WecomFriend"]
