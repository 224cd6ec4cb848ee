"""Imports and exports over HTTP (IMP-1…7): thin handlers over dataio.service."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from huike.auth.deps import CurrentActor
from huike.config import Settings
from huike.dataio import fields as F
from huike.dataio.models import ExportJob, ImportJob
from huike.dataio.schemas import (
    ExportCreate,
    ExportJobRead,
    ExportJobs,
    ImportFieldRead,
    ImportFields,
    ImportJobRead,
    ImportJobs,
    ImportStart,
    IoSettingsRead,
    IoSettingsUpdate,
    JobError,
    UploadRead,
)
from huike.dataio.service import exports, imports, template
from huike.kit import context
from huike.kit.errors import HuikeError, Invalid, NotFound
from huike.kit.web import DB, UnitOfWorkRoute

router = APIRouter(tags=["import-export"], route_class=UnitOfWorkRoute)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def attachment(filename: str) -> dict[str, str]:
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"}


def _error(raw: dict[str, Any] | None) -> JobError | None:
    return JobError(code=str(raw.get("code", "")), detail=str(raw.get("detail", ""))) if raw else None


def import_read(settings: Settings, job: ImportJob) -> ImportJobRead:
    now = imports.live(settings, job)
    return ImportJobRead(
        id=job.id, filename=job.filename, format=job.format, status=job.status, headers=list(job.headers or []),
        mapping=dict(job.mapping or {}), pool=job.pool, on_duplicate=job.on_duplicate,
        owner_ids=list(job.owner_ids or []), total=now["total"], processed=now["processed"], created=job.created,
        updated=job.updated, skipped=job.skipped, failed=job.failed, error=_error(job.error), created_by_id=job.created_by_id,
        created_at=job.created_at, finished_at=job.finished_at, has_error_report=job.has_error_report)


def export_read(settings: Settings, job: ExportJob) -> ExportJobRead:
    now = exports.live(settings, job)
    return ExportJobRead(
        id=job.id, status=job.status, format=job.format, pool=job.pool, filter=job.filter, q=job.q,
        columns=list(job.columns or []), rows=now["rows"], processed=now["processed"], capped=job.capped,
        error=_error(job.error), filename=job.filename, created_by_id=job.created_by_id, created_at=job.created_at,
        finished_at=job.finished_at)


# ---------------------------------------------------------------------- settings
@router.get("/settings/io", response_model=IoSettingsRead)
def get_io_settings(actor: CurrentActor, db: DB) -> IoSettingsRead:
    """The tenant's import/export settings: export row cap, whether imports require a source."""
    row = imports.io_settings(db)
    return IoSettingsRead(export_row_cap=row.export_row_cap, source_required=row.source_required)


@router.patch("/settings/io", response_model=IoSettingsRead)
def patch_io_settings(body: IoSettingsUpdate, actor: CurrentActor, db: DB) -> IoSettingsRead:
    row = imports.update_settings(db, actor, body.model_dump(exclude_unset=True))
    return IoSettingsRead(export_row_cap=row.export_row_cap, source_required=row.source_required)


# ---------------------------------------------------------------------- imports
@router.get("/imports/template", response_class=Response,
            responses={200: {"content": {XLSX: {}}, "description": "客户导入模板.xlsx"}})
def import_template(actor: CurrentActor, db: DB) -> Response:
    """The tenant's import template: its fields as columns, dropdowns of the current dictionary values."""
    buf = io.BytesIO()
    template.build(db, actor, buf)
    return Response(buf.getvalue(), media_type=XLSX, headers=attachment(template.FILENAME))


@router.get("/imports/fields", response_model=ImportFields)
def import_fields(actor: CurrentActor, db: DB) -> ImportFields:
    from huike.authz import require

    require(actor, "customer.import")
    items = F.catalog(db, lang=context.current().lang, source_required=imports.io_settings(db).source_required)
    return ImportFields(items=[ImportFieldRead(key=f.key, label=f.label, required=f.required, type=f.type,
                                               aliases=f.aliases, options=f.options) for f in items])


UPLOAD_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": ".xlsx or .csv"}}}}}}}


@router.post("/imports", response_model=UploadRead, status_code=201, openapi_extra=UPLOAD_DOC)
async def upload(request: Request, actor: CurrentActor, db: DB) -> UploadRead:
    """Upload a file (form field `file`): checked (type, size, zip bombs, XML entities, encoding, CSV
    quoting), its headers matched to fields (saved choices, labels, aliases). Nothing is imported yet."""
    from huike.authz import require

    require(actor, "customer.import")
    settings = _settings(request)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > settings.import_max_bytes + 64 * 1024:
        raise HuikeError("file_too_large", 413, max_mb=settings.import_max_bytes // (1024 * 1024))
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        raise Invalid("file_empty")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except HuikeError:
        raise
    except Exception:  # noqa: BLE001 - a malformed multipart body
        raise Invalid("file_unreadable") from None
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise Invalid("file_empty")
    try:
        job, sample, used_saved = await run_in_threadpool(
            imports.upload, db, actor, settings, upload.filename or "upload", upload.file)
    finally:
        await upload.close()
    base = import_read(settings, job)
    return UploadRead(**base.model_dump(), rows=job.rows_estimate, sample=sample,
                      mapping_source="saved" if used_saved else "auto")


@router.get("/imports", response_model=ImportJobs)
def list_imports(request: Request, actor: CurrentActor, db: DB) -> ImportJobs:
    """Imports, newest first: all of the tenant for an admin (settings.manage), else the caller's own."""
    settings = _settings(request)
    return ImportJobs(items=[import_read(settings, j) for j in imports.list_jobs(db, actor)])


@router.get("/imports/{job_id}", response_model=ImportJobRead)
def get_import(job_id: int, request: Request, actor: CurrentActor, db: DB) -> ImportJobRead:
    """One import with live progress while it runs."""
    return import_read(_settings(request), imports.get_job(db, actor, job_id))


@router.post("/imports/{job_id}/start", response_model=ImportJobRead, status_code=202)
def start_import(job_id: int, body: ImportStart, request: Request, actor: CurrentActor, db: DB) -> ImportJobRead:
    """Confirm the mapping and options; the import runs as a background job (all or nothing)."""
    job = imports.start(db, actor, job_id, imports.StartOptions(
        mapping=body.mapping, pool=body.pool, on_duplicate=body.on_duplicate, owner_ids=body.owner_ids,
        public_pool_id=body.public_pool_id, save_mapping=body.save_mapping))
    return import_read(_settings(request), job)


@router.get("/imports/{job_id}/errors", response_class=FileResponse,
            responses={200: {"content": {XLSX: {}, "text/csv": {}}}})
def import_errors(job_id: int, request: Request, actor: CurrentActor, db: DB) -> Any:
    """The failed rows exactly as uploaded (same columns and format) plus a last column 错误原因."""
    settings = _settings(request)
    job = imports.get_job(db, actor, job_id)
    path = imports.report_path(settings, job)
    if job.status != "done" or not job.has_error_report or not path.exists():
        raise NotFound("error_report_not_found")
    stem = job.filename.rsplit(".", 1)[0]
    return FileResponse(path, media_type=MEDIA[job.format], headers=attachment(f"{stem}_导入失败.{job.format}"))


# ---------------------------------------------------------------------- exports
@router.post("/exports", response_model=ExportJobRead, status_code=202)
def create_export(body: ExportCreate, request: Request, actor: CurrentActor, db: DB) -> ExportJobRead:
    """Export the current list (pool + filter + quick search) within the caller's data scope, with the
    given columns (default: the caller's list view), as a background job. Needs customer.export. The
    file stops at the tenant's row cap (`capped`)."""
    job = exports.request(db, actor, pool=body.pool, flt=body.filter, q=body.q, columns=body.columns,
                          fmt=body.format)
    return export_read(_settings(request), job)


@router.get("/exports", response_model=ExportJobs)
def list_exports(request: Request, actor: CurrentActor, db: DB) -> ExportJobs:
    settings = _settings(request)
    return ExportJobs(items=[export_read(settings, j) for j in exports.list_jobs(db, actor)])


@router.get("/exports/{job_id}", response_model=ExportJobRead)
def get_export(job_id: int, request: Request, actor: CurrentActor, db: DB) -> ExportJobRead:
    return export_read(_settings(request), exports.get_job(db, actor, job_id))


@router.get("/exports/{job_id}/file", response_class=FileResponse,
            responses={200: {"content": {XLSX: {}, "text/csv": {}}}})
def export_file(job_id: int, request: Request, actor: CurrentActor, db: DB) -> Any:
    settings = _settings(request)
    job = exports.get_job(db, actor, job_id)
    path = exports.file_path(settings, job)
    if job.status != "done" or not path.exists():
        raise HuikeError("export_not_ready", 409)
    return FileResponse(path, media_type=MEDIA[job.format], headers=attachment(job.filename or path.name))
