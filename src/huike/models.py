"""Every table, imported in one place for Alembic and the app."""

from huike.attachment.models import Attachment
from huike.audit.models import AuditEntry
from huike.auth.models import AuthSession, LoginFailure
from huike.contact.models import Contact
from huike.customer.models import Customer, CustomerCollaborator, CustomerFocus, CustomerPhone
from huike.dataio.models import ExportJob, ImportJob, ImportMapping, IoSettings
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
from huike.grading.models import GradingRule, GradingSettings
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
from huike.sales.models import (
    Contract,
    Invoice,
    LostReason,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
    Order,
    OrderLine,
    Payment,
    PaymentPlan,
    Product,
    SalesCounter,
    SalesSettings,
)
from huike.stats.models import WorkPanel
from huike.task.models import Task, TaskItem
from huike.visit.models import VisitPlan, VisitRecord

__all__ = [
    "AssignmentRule",
    "Attachment",
    "AuditEntry",
    "AuthSession",
    "Base",
    "ClaimCounter",
    "Contact",
    "Contract",
    "CustomField",
    "Customer",
    "CustomerCollaborator",
    "CustomerEvent",
    "CustomerFieldValue",
    "CustomerFocus",
    "CustomerPhone",
    "CustomerSearch",
    "CustomerTag",
    "Delivery",
    "DictItem",
    "DictKind",
    "Employee",
    "EmployeeReminderPrefs",
    "ExportJob",
    "Followup",
    "GradingRule",
    "GradingSettings",
    "ImportJob",
    "ImportMapping",
    "Invoice",
    "IoSettings",
    "ListView",
    "LoginFailure",
    "LostReason",
    "Notification",
    "Opportunity",
    "OpportunityStage",
    "OpportunityStageChange",
    "Order",
    "OrderLine",
    "OrgUnit",
    "Payment",
    "PaymentPlan",
    "Product",
    "PublicPool",
    "RecycleRule",
    "ReminderSettings",
    "Role",
    "SalesCounter",
    "SalesSettings",
    "SavedFilter",
    "Tag",
    "TagGroup",
    "TagRule",
    "Task",
    "TaskItem",
    "Tenant",
    "VisitPlan",
    "VisitRecord",
    "WecomFriend",
    "WorkPanel",
]
