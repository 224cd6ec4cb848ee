"""Request and response bodies of imports and exports (the agreed API: /work/notes/IO_API.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from huike.find.schemas import Filter

ImportPool = Literal["potential", "to_assign", "following", "public"]


class ImportFieldRead(BaseModel):
    key: str
    label: str
    required: bool
    type: str
    aliases: list[str]
    options: list[str] | None


class ImportFields(BaseModel):
    items: list[ImportFieldRead]


class JobError(BaseModel):
    code: str
    detail: str


class ImportJobRead(BaseModel):
    id: int
    filename: str
    format: str
    status: str
    headers: list[str]
    mapping: dict[str, str | None]
    pool: str | None
    on_duplicate: str | None
    owner_ids: list[int]
    total: int | None
    processed: int
    created: int
    updated: int
    skipped: int
    failed: int
    error: JobError | None
    created_by_id: int
    created_at: datetime
    finished_at: datetime | None
    has_error_report: bool


class UploadRead(ImportJobRead):
    rows: int | None = Field(description="data rows of the file (counted for CSV, from the sheet size for xlsx)")
    sample: list[list[str]] = Field(description="the first data rows, as text")
    mapping_source: Literal["saved", "auto"]


class ImportJobs(BaseModel):
    items: list[ImportJobRead]


class ImportStart(BaseModel):
    mapping: dict[str, str | None] = Field(description="header → field key (null: ignore the column)")
    pool: ImportPool
    on_duplicate: Literal["update", "skip"] = "skip"
    owner_ids: list[int] = Field(default_factory=list, max_length=200,
                                 description="pool following: owners, new customers dealt round-robin")
    public_pool_id: int | None = None
    save_mapping: bool = True


class ExportCreate(BaseModel):
    pool: Literal["all", "potential", "to_assign", "following", "public", "mine", "assisting", "won", "focus",
                  "recycle_bin"] = "all"
    filter: Filter | None = None
    q: str | None = Field(None, max_length=100)
    columns: list[str] | None = Field(None, max_length=200)
    format: Literal["xlsx", "csv"] = "xlsx"


class ExportJobRead(BaseModel):
    id: int
    status: str
    format: str
    pool: str
    filter: dict[str, Any] | None
    q: str | None
    columns: list[str]
    rows: int | None
    processed: int
    capped: bool = Field(description="the file stops at the tenant's export row cap")
    error: JobError | None
    filename: str | None
    created_by_id: int
    created_at: datetime
    finished_at: datetime | None


class ExportJobs(BaseModel):
    items: list[ExportJobRead]


class IoSettingsRead(BaseModel):
    export_row_cap: int
    source_required: bool


class IoSettingsUpdate(BaseModel):
    export_row_cap: int | None = Field(None, ge=1, le=10_000_000)
    source_required: bool | None = None
