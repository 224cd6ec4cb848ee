"""The permission catalogue and the default roles (PERM-4, CONTRACT.md "Default roles")."""

from __future__ import annotations

# code -> group. The UI owns the labels.
PERMISSIONS: dict[str, str] = {
    "customer.view": "customer",
    "customer.create": "customer",
    "customer.edit": "customer",
    "customer.delete": "customer",
    "customer.assign": "customer",
    "customer.claim": "customer",
    "customer.recycle": "customer",
    "customer.transfer": "customer",
    "customer.import": "customer",
    "customer.export": "customer",
    "customer.phone_full": "customer",
    "pool.potential": "pool",
    "pool.to_assign": "pool",
    "pool.recycle_bin": "pool",
    "org.manage": "org",
    "employee.manage": "org",
    "role.manage": "org",
    "audit.view": "system",
    "settings.manage": "system",
    # working a customer (WORK-3…9)
    "followup.create": "work",
    "task.issue": "work",
    "visit.view": "visit",
    "visit.plan": "visit",
    "visit.record": "visit",
    "visit.stats": "visit",
    "reminder.manage": "system",
}

# Sales work their own customers: claim from the public pool, recycle their own back to it (POOL-6).
_WORK = ["customer.view", "customer.create", "customer.edit", "customer.claim", "customer.recycle",
         "customer.phone_full"]
_MANAGE = _WORK + ["customer.assign", "customer.recycle", "customer.transfer", "customer.import",
                   "pool.potential", "pool.to_assign"]

# Working a customer: write follow-ups, plan and record return visits (WORK-4, WORK-9).
_WORK += ["followup.create", "visit.view", "visit.plan", "visit.record"]
# Managers also issue tasks over a selection (WORK-7) and see visit statistics of their scope.
_MANAGE += ["followup.create", "visit.view", "visit.plan", "visit.record", "task.issue", "visit.stats"]

# code: (名称, data scope, kind, permissions)
DEFAULT_ROLES: dict[str, tuple[str, str, str, list[str]]] = {
    "admin": ("管理员", "company", "non_sales", list(PERMISSIONS)),
    "center_director": ("中心总监", "center", "non_sales", _MANAGE + ["customer.export"]),
    "dept_manager": ("部门主管", "department", "non_sales", list(_MANAGE)),
    "operator": ("运营", "department", "non_sales",
                 ["customer.view", "customer.create", "customer.edit", "customer.assign", "customer.import",
                  "customer.phone_full", "pool.potential", "pool.to_assign",
                  "followup.create", "task.issue", "visit.view"]),
    "sales": ("销售", "self", "sales", list(_WORK)),
}
