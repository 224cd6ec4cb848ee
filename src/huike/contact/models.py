"""Contacts of a customer (WORK-3): several per customer, one primary."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin


class Contact(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "contacts"
    __table_args__ = (sa.Index("ix_contacts_customer", "tenant_id", "customer_id", "id"),)
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str | None] = mapped_column(sa.String(100))
    phones: Mapped[list[Any]] = mapped_column(default=list)  # normalised, not the customer's identity
    email: Mapped[str | None] = mapped_column(sa.String(200))
    wechat: Mapped[str | None] = mapped_column(sa.String(100))
    birthday: Mapped[date | None] = mapped_column(sa.Date)
    is_primary: Mapped[bool] = mapped_column(default=False)
    remark: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("employees.id"))
