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
    # sales pipeline (SALES-1…7)
    "opportunity.view": "sales",
    "opportunity.edit": "sales",
    "order.view": "sales",
    "order.manage": "sales",
    "contract.view": "sales",
    "contract.manage": "sales",
    "product.manage": "sales",
    "sales.settings": "sales",
    # statistics and the work panel (SALES-8/9): every figure within the viewer's data scope
    "stats.view": "stats",
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

# Deals (SALES-1…7): sales work the opportunities, orders and contracts of the customers they work;
# managers those of their scope. The catalogue and the pipeline settings are the admin's.
_DEALS = ["opportunity.view", "opportunity.edit", "order.view", "order.manage", "contract.view", "contract.manage"]
_WORK += _DEALS
_MANAGE += _DEALS
# Statistics (SALES-8/9): every role; the data scope decides what is counted.
_WORK += ["stats.view"]
_MANAGE += ["stats.view"]

# code: (名称, data scope, kind, permissions)
DEFAULT_ROLES: dict[str, tuple[str, str, str, list[str]]] = {
    "admin": ("管理员", "company", "non_sales", list(PERMISSIONS)),
    "center_director": ("中心总监", "center", "non_sales", _MANAGE + ["customer.export"]),
    "dept_manager": ("部门主管", "department", "non_sales", list(_MANAGE)),
    "operator": ("运营", "department", "non_sales",
                 ["customer.view", "customer.create", "customer.edit", "customer.assign", "customer.import",
                  "customer.phone_full", "pool.potential", "pool.to_assign",
                  "followup.create", "task.issue", "visit.view",
                  "opportunity.view", "order.view", "contract.view", "stats.view"]),
    "sales": ("销售", "self", "sales", list(_WORK)),
}
