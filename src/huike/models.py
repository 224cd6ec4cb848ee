"""Every table, imported in one place for Alembic and the app."""

from huike.audit.models import AuditEntry
from huike.auth.models import AuthSession, LoginFailure
from huike.customer.models import Customer, CustomerCollaborator, CustomerFocus, CustomerPhone
from huike.contact.models import Contact
from huike.dictionary.models import (
    CustomerFieldValue,
    CustomerTag,
    CustomField,
    DictItem,
    DictKind,
    Tag,
    TagGroup,
)
from huike.find.models import CustomerSearch, ListView, SavedFilter
from huike.followup.models import Followup, TagRule
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
from huike.reminder.models import Delivery, EmployeeReminderPrefs, ReminderSettings
from huike.task.models import Task, TaskItem
from huike.visit.models import VisitPlan, VisitRecord

__all__ = ["AuditEntry", "AuthSession", "Base", "Customer", "CustomerCollaborator", "CustomerFocus",
           "CustomerPhone", "Employee", "LoginFailure", "OrgUnit", "Role", "Tenant", "AssignmentRule", "ClaimCounter", "CustomerEvent", "Notification",
           "PublicPool", "RecycleRule", "WecomFriend",
           "Contact", "Followup", "TagRule", "Delivery", "EmployeeReminderPrefs", "ReminderSettings", "Task",
           "TaskItem", "VisitPlan", "VisitRecord",
           "CustomerFieldValue", "CustomerTag", "CustomField", "DictItem", "DictKind", "Tag", "TagGroup",
           "CustomerSearch", "ListView", "SavedFilter"]
