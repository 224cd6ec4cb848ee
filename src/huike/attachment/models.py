"""Files attached to a record (附件): a follow-up, a return-visit record, later a contract.

A row names its record generically (`record_kind` + `record_id`) and the customer the record belongs
to (`customer_id`, the visibility anchor: every read goes through that customer's data scope; it follows
the customer on merge like every `customer_id` column, and a purged customer takes its rows along).
The bytes live on disk under the var directory (`storage_key`), never in the database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin


class Attachment(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "attachments"
    __table_args__ = (
        sa.Index("ix_attachments_record", "tenant_id", "record_kind", "record_id", "id"),
        sa.Index("ix_attachments_customer", "tenant_id", "customer_id"),
        sa.UniqueConstraint("storage_key", name="uq_attachments_storage_key"),
        sa.CheckConstraint("size >= 0", name="size"),
    )
    record_kind: Mapped[str] = mapped_column(sa.String(30))
    record_id: Mapped[int] = mapped_column(BigId)
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    uploaded_by_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("employees.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(200))
