"""The sales pipeline (SALES-1…7, POOL-8): settings and stages, lost reasons, opportunities and their
stage history, products, orders and their lines, contracts, invoices, payment plans and payments.

Money is `kit.money.MoneyType` (NUMERIC(18, 2) on PostgreSQL, integer cents on SQLite; Decimal end to
end; JSON strings like "1234.50"). Every record belongs to
one customer and is visible through that customer's data scope (`authz.customer_scope`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from huike.kit.models import Base, BigId, IdMixin, TenantMixin, TimestampMixin
from huike.kit.money import MoneyType

Money = MoneyType()  # NUMERIC(18, 2) on PostgreSQL, integer cents on SQLite (kit.money)
Quantity = MoneyType()

STAGE_KINDS = ("open", "won", "lost")
OPPORTUNITY_STATUSES = ("open", "won", "lost")
ORDER_STATUSES = ("draft", "confirmed", "completed", "cancelled")
CONTRACT_STATUSES = ("draft", "signed", "completed", "terminated")
INVOICE_TYPES = ("normal", "special")  # 普票 / 专票
INVOICE_STATUSES = ("pending", "issued", "void")
PAYMENT_METHODS = ("bank", "cash", "wechat", "alipay", "check", "other")
COUNTER_KINDS = ("opportunity", "order", "contract", "invoice")


class SalesSettings(IdMixin, TenantMixin, TimestampMixin, Base):
    """One row per tenant (系统管理 > 销售机会设置). Created with the default stages on first use."""

    __tablename__ = "sales_settings"
    __table_args__ = (sa.UniqueConstraint("tenant_id"),)
    restrict_manual_won: Mapped[bool] = mapped_column(default=False)  # 限制手动切换成单 (SALES-3)
    contract_expiry_enabled: Mapped[bool] = mapped_column(default=True)  # 合同到期提醒
    contract_expiry_days: Mapped[int] = mapped_column(default=30)  # lead time in days


class SalesCounter(IdMixin, TenantMixin, Base):
    """Per-tenant running numbers (SJ000001, DD000001, HT000001, FP000001): a guarded increment."""

    __tablename__ = "sales_counters"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "kind"),
                      sa.CheckConstraint("kind IN ('opportunity','order','contract','invoice')", name="kind"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class OpportunityStage(IdMixin, TenantMixin, TimestampMixin, Base):
    """A pipeline stage (SALES-2). Exactly one `won` (赢单, 100 %) and one `lost` (输单, 0 %) stage per
    tenant; the `open` stages are ordered by `position` (defaults 初步接触 20 / 需求分析 40 / 方案报价 60 /
    合同谈判 80)."""

    __tablename__ = "opportunity_stages"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('open','won','lost')", name="kind"),
        sa.CheckConstraint("win_rate >= 0 AND win_rate <= 100", name="win_rate"),
        sa.Index("ix_opportunity_stages_order", "tenant_id", "position"),
    )
    name: Mapped[str] = mapped_column(sa.String(50))
    kind: Mapped[str] = mapped_column(sa.String(10), default="open")
    position: Mapped[int] = mapped_column(default=0)
    win_rate: Mapped[int] = mapped_column(default=0)  # percent
    enabled: Mapped[bool] = mapped_column(default=True)


class LostReason(IdMixin, TenantMixin, TimestampMixin, Base):
    """丢单原因 dictionary (SALES-2)."""

    __tablename__ = "lost_reasons"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)
    name: Mapped[str] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)


class Opportunity(IdMixin, TenantMixin, TimestampMixin, Base):
    """销售机会 / 商机 (SALES-1). `status` mirrors the kind of `stage_id` (open / won / lost)."""

    __tablename__ = "opportunities"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "number"),
        sa.CheckConstraint("status IN ('open','won','lost')", name="status"),
        sa.CheckConstraint("win_rate >= 0 AND win_rate <= 100", name="win_rate"),
        sa.CheckConstraint("amount >= 0", name="amount"),
        sa.Index("ix_opportunities_customer", "tenant_id", "customer_id", "id"),
        sa.Index("ix_opportunities_status", "tenant_id", "status", "id"),
        sa.Index("ix_opportunities_owner", "tenant_id", "owner_id", "status"),
        sa.Index("ix_opportunities_created", "tenant_id", "created_at"),
        sa.Index("ix_opportunities_won", "tenant_id", "won_at"),
        sa.Index("ix_opportunities_lost", "tenant_id", "lost_at"),
    )
    number: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    department_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("org_units.id"))  # owner's, at creation
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    stage_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("opportunity_stages.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    win_rate: Mapped[int] = mapped_column(default=0)
    expected_close_date: Mapped[date | None] = mapped_column(sa.Date)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    lost_reason_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("lost_reasons.id", ondelete="SET NULL"))
    lost_note: Mapped[str | None] = mapped_column(sa.Text)
    stage_changed_at: Mapped[datetime | None]
    won_at: Mapped[datetime | None]
    lost_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("employees.id"))


class OpportunityStageChange(IdMixin, TenantMixin, Base):
    """Every stage move with its note (推进说明, SALES-5); also the data of funnels and conversion."""

    __tablename__ = "opportunity_stage_changes"
    __table_args__ = (sa.Index("ix_opportunity_stage_changes_opp", "tenant_id", "opportunity_id", "id"),
                      sa.Index("ix_opportunity_stage_changes_at", "tenant_id", "at"))
    opportunity_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("opportunities.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    from_stage_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("opportunity_stages.id"))
    to_stage_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("opportunity_stages.id"))
    from_status: Mapped[str | None] = mapped_column(sa.String(10))
    to_status: Mapped[str] = mapped_column(sa.String(10))
    note: Mapped[str | None] = mapped_column(sa.Text)
    lost_reason_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("lost_reasons.id", ondelete="SET NULL"))
    automatic: Mapped[bool] = mapped_column(default=False)  # moved by an order (restrict manual won)
    actor_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    at: Mapped[datetime]


class Product(IdMixin, TenantMixin, TimestampMixin, Base):
    """The product catalogue (SALES-6)."""

    __tablename__ = "products"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "code"),
                      sa.CheckConstraint("price >= 0", name="price"),
                      sa.Index("ix_products_name", "tenant_id", "name"))
    name: Mapped[str] = mapped_column(sa.String(200))
    code: Mapped[str | None] = mapped_column(sa.String(64))
    unit: Mapped[str | None] = mapped_column(sa.String(20))
    price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))  # list price
    category: Mapped[str | None] = mapped_column(sa.String(100))
    on_sale: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str | None] = mapped_column(sa.Text)


class Order(IdMixin, TenantMixin, TimestampMixin, Base):
    """订单 (SALES-6): draft → confirmed → completed, draft/confirmed → cancelled.
    total = subtotal − discount; lines and discount change only in draft."""

    __tablename__ = "orders"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "number"),
        sa.CheckConstraint("status IN ('draft','confirmed','completed','cancelled')", name="status"),
        sa.CheckConstraint("discount >= 0 AND total >= 0", name="money"),
        sa.Index("ix_orders_customer", "tenant_id", "customer_id", "id"),
        sa.Index("ix_orders_opportunity", "tenant_id", "opportunity_id"),
        sa.Index("ix_orders_status", "tenant_id", "status", "id"),
        sa.Index("ix_orders_staff", "tenant_id", "staff_id", "deal_at"),
        sa.Index("ix_orders_deal", "tenant_id", "deal_at"),
    )
    number: Mapped[str] = mapped_column(sa.String(32))
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("opportunities.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(12), default="draft")
    deal_at: Mapped[datetime]  # 成交时间
    staff_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"))  # 成交员工
    department_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("org_units.id"))  # staff's, at creation
    subtotal: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    discount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    remark: Mapped[str | None] = mapped_column(sa.Text)
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    confirmed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class OrderLine(IdMixin, TenantMixin, Base):
    """One product on an order; name, code and unit are copied so later catalogue edits keep history."""

    __tablename__ = "order_lines"
    __table_args__ = (sa.Index("ix_order_lines_order", "tenant_id", "order_id", "position"),
                      sa.Index("ix_order_lines_product", "tenant_id", "product_id"),
                      sa.CheckConstraint("quantity > 0 AND unit_price >= 0 AND amount >= 0", name="money"))
    order_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    product_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("products.id"))
    product_name: Mapped[str] = mapped_column(sa.String(200))
    product_code: Mapped[str | None] = mapped_column(sa.String(64))
    unit: Mapped[str | None] = mapped_column(sa.String(20))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    list_price: Mapped[Decimal] = mapped_column(Money)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)  # quantity × unit_price, rounded half-up to the cent


class Contract(IdMixin, TenantMixin, TimestampMixin, Base):
    """合同 (SALES-7): draft → signed → completed; draft/signed → terminated. Signing makes the customer won."""

    __tablename__ = "contracts"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "number"),
        sa.CheckConstraint("status IN ('draft','signed','completed','terminated')", name="status"),
        sa.CheckConstraint("amount >= 0", name="amount"),
        sa.Index("ix_contracts_customer", "tenant_id", "customer_id", "id"),
        sa.Index("ix_contracts_status", "tenant_id", "status", "id"),
        sa.Index("ix_contracts_end", "tenant_id", "status", "end_date"),
        sa.Index("ix_contracts_owner", "tenant_id", "owner_id"),
    )
    number: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("opportunities.id", ondelete="SET NULL"))
    owner_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("employees.id"))  # 签约人 / 负责人
    department_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("org_units.id"))
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    sign_date: Mapped[date | None] = mapped_column(sa.Date)
    start_date: Mapped[date | None] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(12), default="draft")
    remark: Mapped[str | None] = mapped_column(sa.Text)
    attachments: Mapped[list[Any]] = mapped_column(default=list)  # [{name, url, size}] as on follow-ups
    terminate_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    signed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    terminated_at: Mapped[datetime | None]


class Invoice(IdMixin, TenantMixin, TimestampMixin, Base):
    """发票 (SALES-7): pending (待开票) → issued (已开票); pending/issued → void (已作废)."""

    __tablename__ = "invoices"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "number"),
        sa.CheckConstraint("type IN ('normal','special')", name="type"),
        sa.CheckConstraint("status IN ('pending','issued','void')", name="status"),
        sa.CheckConstraint("amount > 0", name="amount"),
        sa.Index("ix_invoices_customer", "tenant_id", "customer_id", "id"),
        sa.Index("ix_invoices_contract", "tenant_id", "contract_id"),
    )
    number: Mapped[str] = mapped_column(sa.String(32))  # our running number FP000001
    invoice_no: Mapped[str | None] = mapped_column(sa.String(64))  # the tax invoice number, when issued
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    contract_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("contracts.id", ondelete="SET NULL"))
    amount: Mapped[Decimal] = mapped_column(Money)
    type: Mapped[str] = mapped_column(sa.String(10), default="normal")
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    title: Mapped[str | None] = mapped_column(sa.String(200))  # 抬头
    tax_no: Mapped[str | None] = mapped_column(sa.String(64))  # 税号
    issue_date: Mapped[date | None] = mapped_column(sa.Date)
    remark: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    voided_at: Mapped[datetime | None]


class PaymentPlan(IdMixin, TenantMixin, TimestampMixin, Base):
    """回款计划: one due date and amount of a contract."""

    __tablename__ = "payment_plans"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount"),
                      sa.Index("ix_payment_plans_contract", "tenant_id", "contract_id", "due_date"),
                      sa.Index("ix_payment_plans_customer", "tenant_id", "customer_id"))
    contract_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("contracts.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    due_date: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    remark: Mapped[str | None] = mapped_column(sa.String(500))


class Payment(IdMixin, TenantMixin, Base):
    """回款: money received against a contract, optionally against one of its plans."""

    __tablename__ = "payments"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount"),
                      sa.CheckConstraint("method IN ('bank','cash','wechat','alipay','check','other')",
                                         name="method"),
                      sa.Index("ix_payments_contract", "tenant_id", "contract_id"),
                      sa.Index("ix_payments_customer", "tenant_id", "customer_id", "id"),
                      sa.Index("ix_payments_received", "tenant_id", "received_on"))
    contract_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("contracts.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("customers.id", ondelete="CASCADE"))
    plan_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("payment_plans.id", ondelete="SET NULL"))
    received_on: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(sa.String(10), default="bank")
    remark: Mapped[str | None] = mapped_column(sa.String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("employees.id"))
    created_at: Mapped[datetime]
