"""Who is acting: the employee behind a request, with role, scope and permissions resolved once."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    tenant_id: int
    employee_id: int
    name: str
    department_id: int
    department_path: str
    center_id: int | None
    center_path: str | None
    role_id: int
    role_code: str
    data_scope: str
    kind: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    session_id: int | None = None

    @property
    def is_sales(self) -> bool:
        return self.kind == "sales"

    def can(self, permission: str) -> bool:
        return permission in self.permissions
