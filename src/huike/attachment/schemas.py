from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class AttachmentRead(BaseModel):
    id: int
    record_kind: str
    record_id: int
    customer_id: int
    filename: str
    content_type: str = Field(description="sniffed from the content, not taken from the name")
    size: int
    sha256: str
    uploaded_by_id: int | None
    uploaded_by_name: str | None = None
    created_at: datetime
    download_url: str
    can_delete: bool = Field(description="the caller uploaded it or may delete customer data")


class AttachmentList(BaseModel):
    items: list[AttachmentRead]
    max_bytes: int
    accept: list[str] = Field(description="the file name extensions accepted")
