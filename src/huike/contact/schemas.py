from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, EmailStr, Field


class _ContactFields(BaseModel):
    title: str | None = Field(default=None, max_length=100, examples=["采购经理"])
    phones: list[str] | None = Field(default=None, max_length=5)
    email: EmailStr | None = None
    wechat: str | None = Field(default=None, max_length=100)
    birthday: date | None = None
    is_primary: bool | None = None
    remark: str | None = Field(default=None, max_length=2000)


class ContactCreate(_ContactFields):
    name: str = Field(min_length=1, max_length=100, examples=["张经理"])


class ContactUpdate(_ContactFields):
    name: str | None = Field(default=None, min_length=1, max_length=100)


class ContactRead(BaseModel):
    id: int
    customer_id: int
    name: str
    title: str | None
    phones: list[str] = Field(description="masked (138****8000) without the customer.phone_full permission")
    email: str | None
    wechat: str | None
    birthday: date | None
    is_primary: bool
    remark: str | None
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
