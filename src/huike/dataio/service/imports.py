"""Imports (IMP-2…5, IMP-7): upload and mapping, the job that writes every row in one transaction,
resumption after a crash, the error report.

All-or-nothing: the job claims the import (status `running`, `attempt` + 1) in a short transaction,
then reads, checks and writes the whole file inside ONE transaction that also locks the job row
and, last, marks it `done` with its counts and ONE audit entry — guarded by the attempt it claimed.
A worker killed at any moment leaves either nothing (the database rolls the open transaction back)
or the committed whole. `resume_stale` re-queues imports left `queued` / `running` whose progress
file has stopped moving; a re-run that finds the job done does nothing, so each file is imported
exactly once."""

from __future__ import annotations

import logging
import operator
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import customer_scope, require, units_in_scope
from huike.authz.actor import Actor
from huike.config import Settings
from huike.customer import phones as phone_rules
from huike.customer.models import Customer, CustomerPhone
from huike.dataio import fields as F
from huike.dataio import files
from huike.dataio.models import IMPORT_POOLS, ImportJob, ImportMapping, IoSettings
from huike.dictionary import service as dictionary
from huike.dictionary.models import CustomerFieldValue, CustomerTag
from huike.find import indexing
from huike.kit import clock
from huike.kit.db import Database, get_tenant
from huike.kit.errors import Forbidden, HuikeError, Invalid, NotFound
from huike.kit.i18n import t
from huike.org.models import Employee

log = logging.getLogger("huike.dataio")
CHUNK = 5000
STALE_SECONDS = 300
MAX_ATTEMPTS = 5
SAMPLE_ROWS = 5
PLAIN = ("company", "email", "source", "industry", "level", "stage", "region", "wechat", "external_id",
         "address", "remark")
PHONE_SPLIT = re.compile(r"[,，、;；|/\n]+")
REASON = "错误原因"


# ====================================================================== settings
def rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def io_settings(s: Session, *, create: bool = False) -> IoSettings:
    """The tenant's settings; the defaults (not stored) until an admin changes them."""
    row = s.scalar(sa.select(IoSettings))
    if row is None:
        row = IoSettings(export_row_cap=1_000_000, source_required=False)
        if create:
            s.add(row)
            s.flush()
    return row


def update_settings(s: Session, actor: Actor, data: dict[str, Any]) -> IoSettings:
    require(actor, "settings.manage")
    row = io_settings(s, create=True)
    before = {"export_row_cap": row.export_row_cap, "source_required": row.source_required}
    for k, v in data.items():
        if v is not None:
            setattr(row, k, v)
    s.flush()
    b, a = audit.diff(before, {"export_row_cap": row.export_row_cap, "source_required": row.source_required})
    if a:
        audit.record(s, "io_settings.update", "io_settings", row.id, actor=actor, before=b, after=a)
    return row


# ====================================================================== jobs: visibility
def _visible_jobs(actor: Actor) -> Any:
    """An admin (settings.manage) sees every import of the tenant, others their own."""
    return sa.true() if actor.can("settings.manage") else ImportJob.created_by_id == actor.employee_id


def get_job(s: Session, actor: Actor, job_id: int) -> ImportJob:
    require(actor, "customer.import")
    job = s.scalar(sa.select(ImportJob).where(ImportJob.id == job_id, _visible_jobs(actor)))
    if job is None:
        raise NotFound()
    return job


def list_jobs(s: Session, actor: Actor, limit: int = 50) -> list[ImportJob]:
    require(actor, "customer.import")
    return list(s.scalars(sa.select(ImportJob).where(_visible_jobs(actor)).order_by(ImportJob.id.desc())
                          .limit(limit)))


def job_dir(settings: Settings, job: ImportJob) -> Path:
    return files.job_dir(settings, job.tenant_id, "imports", job.id)


def source_path(settings: Settings, job: ImportJob) -> Path:
    return job_dir(settings, job) / f"source.{job.format}"


def report_path(settings: Settings, job: ImportJob) -> Path:
    return job_dir(settings, job) / f"errors.{job.format}"


def live(settings: Settings, job: ImportJob) -> dict[str, Any]:
    """The job's counts, with the running progress from its progress file."""
    out = {"processed": job.processed, "total": job.total if job.total is not None else job.rows_estimate}
    if job.status in ("queued", "running"):
        p = files.read_progress(job_dir(settings, job))
        if p.get("attempt") == job.attempt:
            out["processed"] = int(p.get("processed", 0))
            out["total"] = p.get("total") or out["total"]
    return out


# ====================================================================== upload (IMP-2)
def saved_mapping(s: Session) -> dict[str, str | None]:
    return {h: k for h, k in s.execute(sa.select(ImportMapping.header, ImportMapping.field_key))}


def header_of(raw: list[Any]) -> list[str]:
    return [files.cell_text(c) for c in raw]


def name_headers(cells: list[str]) -> list[str]:
    """The header row as column names: trailing blanks dropped, a blank in between named (空列N) (ignored
    unless mapped)."""
    cells = list(cells)
    while cells and not cells[-1]:
        cells.pop()
    return [c or f"(空列{i + 1})" for i, c in enumerate(cells)]


def upload(s: Session, actor: Actor, settings: Settings, filename: str, stream: IO[bytes]) -> tuple[
        ImportJob, list[list[str]], bool]:
    """Store and check an uploaded file; answer its headers, the proposed mapping and a sample."""
    require(actor, "customer.import")
    filename = Path(filename or "upload").name[:200] or "upload"
    ext = Path(filename).suffix.lower()
    job = ImportJob(created_by_id=actor.employee_id, filename=filename, format="xlsx" if ext == ".xlsx" else "csv",
                    status="uploaded", headers=[], mapping={}, owner_ids=[])
    s.add(job)
    s.flush()
    directory = job_dir(settings, job)
    tmp = directory / "upload.tmp"
    try:
        job.size = files.read_upload_stream(stream, tmp, settings.import_max_bytes)
        checked = files.sniff(tmp, filename)
        job.format, job.encoding = checked.format, checked.encoding
        path = source_path(settings, job)
        os.replace(tmp, path)
        info: dict[str, Any] = {}
        if job.format == "csv":
            job.rows_estimate = files.validate_csv(path, job.encoding)
        head, sample = _head(path, job.format, job.encoding, info)
        if job.format == "xlsx":
            job.rows_estimate = info.get("height")
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    job.rows_estimate = max((job.rows_estimate or 1) - 1, len(sample))
    fields = F.catalog(s, source_required=io_settings(s).source_required)
    mapping, used_saved = F.auto_mapping(head, fields, saved_mapping(s))
    job.headers, job.mapping = head, mapping
    s.flush()
    audit.record(s, "import.upload", "import", job.id, actor=actor,
                 after={"filename": filename, "format": job.format, "size": job.size, "rows": job.rows_estimate})
    return job, sample, used_saved


def _head(path: Path, fmt: str, encoding: str | None, info: dict[str, Any] | None = None
          ) -> tuple[list[str], list[list[str]]]:
    rows = files.iter_rows(path, fmt, encoding, info)
    head: list[str] | None = None
    sample: list[list[str]] = []
    try:
        for raw in rows:
            cells = header_of(raw)
            if not any(cells):
                continue
            if head is None:
                head = cells
                continue
            sample.append(cells)
            if len(sample) >= SAMPLE_ROWS:
                break
    finally:
        close = getattr(rows, "close", None)
        if close:
            close()
    if head is None:
        raise files.FileRejected("file_empty")
    head = name_headers(head)
    if not head or _looks_like_data(head):
        raise files.FileRejected("no_header_row")
    if len(set(head)) != len(head):
        raise files.FileRejected("no_header_row", reason="duplicate header")
    if not sample:
        raise files.FileRejected("file_empty")
    return head, sample


def _looks_like_data(head: list[str]) -> bool:
    for h in head:
        try:
            phone_rules.normalize(h)
            return True
        except phone_rules.InvalidPhone:
            continue
    return False


# ====================================================================== start (IMP-4)
@dataclass
class StartOptions:
    mapping: dict[str, str | None]
    pool: str
    on_duplicate: str
    owner_ids: list[int] = field(default_factory=list)
    public_pool_id: int | None = None
    save_mapping: bool = True


def check_mapping(s: Session, job: ImportJob, mapping: dict[str, str | None]) -> dict[str, str | None]:
    fields = {f.key: f for f in F.catalog(s, source_required=io_settings(s).source_required)}
    errors = []
    out: dict[str, str | None] = {}
    seen: dict[str, str] = {}
    for h in job.headers:
        key = mapping.get(h)
        if key in (None, ""):
            out[h] = None
            continue
        if key not in fields:
            errors.append({"field": f"mapping.{h}", "code": "unknown_field", "message": str(key)})
            continue
        if key in seen:
            errors.append({"field": f"mapping.{h}", "code": "duplicate_field",
                           "message": t("io.mapping_duplicate", field=fields[key].label, a=seen[key], b=h)})
            continue
        seen[key] = h
        out[h] = key
    unknown = [h for h in mapping if h not in job.headers]
    errors += [{"field": f"mapping.{h}", "code": "unknown_header", "message": h} for h in unknown]
    for f in fields.values():
        if f.required and f.key not in seen:
            errors.append({"field": "mapping", "code": "required_unmapped",
                           "message": t("io.required_unmapped", field=f.label)})
    if errors:
        raise Invalid("mapping_invalid", errors=errors, detail_field=errors[0]["message"])
    return out


def check_pool(s: Session, actor: Actor, opts: StartOptions) -> tuple[list[int], int | None]:
    """The target pool as on create (WORK-1): potential / to_assign need their permission; following
    needs owners (round-robin), each active and within the importer's assign scope."""
    if opts.pool not in IMPORT_POOLS:
        raise Invalid("invalid_pool", pool=opts.pool)
    if opts.pool == "potential" and not actor.can("pool.potential"):
        raise Forbidden("invalid_pool", pool=opts.pool)
    if opts.pool == "to_assign" and not actor.can("pool.to_assign"):
        raise Forbidden("invalid_pool", pool=opts.pool)
    owners: list[int] = []
    if opts.pool == "following":
        if not opts.owner_ids:
            raise Invalid("owner_required")
        wanted = list(dict.fromkeys(opts.owner_ids))
        if len(wanted) > 200:
            raise Invalid("validation_error")
        stmt = sa.select(Employee.id).where(Employee.id.in_(wanted), Employee.is_active)
        if any(o != actor.employee_id for o in wanted):
            require(actor, "customer.assign")
            units = units_in_scope(actor)
            if units is not None:
                stmt = stmt.where(sa.or_(Employee.department_id.in_(units), Employee.id == actor.employee_id))
        found = set(s.scalars(stmt))
        if any(o not in found for o in wanted):
            raise Invalid("invalid_owner")
        owners = wanted
    pool_id = None
    if opts.pool == "public":
        from huike.pool.models import PublicPool
        from huike.pool.moves import default_pool

        if opts.public_pool_id is not None:
            if s.get(PublicPool, opts.public_pool_id) is None:
                raise Invalid("invalid_pool_target")
            pool_id = opts.public_pool_id
        else:
            pool_id = default_pool(s).id
    return owners, pool_id


def start(s: Session, actor: Actor, job_id: int, opts: StartOptions, *, enqueue: bool = True) -> ImportJob:
    job = get_job(s, actor, job_id)
    if job.status != "uploaded":
        raise HuikeError("import_started", 409)
    if opts.on_duplicate not in ("update", "skip"):
        raise Invalid("validation_error")
    mapping = check_mapping(s, job, opts.mapping)
    owners, pool_id = check_pool(s, actor, opts)
    if opts.save_mapping:
        _save_mapping(s, mapping)
    done = s.execute(sa.update(ImportJob).where(ImportJob.id == job.id, ImportJob.status == "uploaded")
                     .values(status="queued", mapping=mapping, pool=opts.pool, on_duplicate=opts.on_duplicate,
                             owner_ids=owners, public_pool_id=pool_id, updated_at=clock.now())
                     .execution_options(synchronize_session=False))
    if rowcount(done) != 1:
        raise HuikeError("import_started", 409)
    s.refresh(job)
    audit.record(s, "import.start", "import", job.id, actor=actor,
                 after={"pool": opts.pool, "on_duplicate": opts.on_duplicate, "owner_ids": owners,
                        "mapping": {h: k for h, k in mapping.items() if k}})
    if enqueue:
        from huike.dataio import tasks
        from huike.worker.queue import enqueue_after_commit

        enqueue_after_commit(s, tasks.import_job, job.tenant_id, job.id)
    return job


def _save_mapping(s: Session, mapping: dict[str, str | None]) -> None:
    existing = {m.header: m for m in s.scalars(sa.select(ImportMapping).where(
        ImportMapping.header.in_([h[:100] for h in mapping])))}
    for h, key in mapping.items():
        h = h[:100]
        row = existing.get(h)
        if row is None:
            s.add(ImportMapping(header=h, field_key=key, updated_at=clock.now()))
        elif row.field_key != key:
            row.field_key, row.updated_at = key, clock.now()
    s.flush()


# ====================================================================== the job (IMP-3, IMP-7)
class Crash(BaseException):
    pass


def crash_point(name: str, n: int | None = None) -> None:
    """Tests kill the worker process here (HUIKE_IO_CRASH_AT=name, or name:n for the n-th time):
    an abrupt exit, no cleanup, like a SIGKILL."""
    at = os.environ.get("HUIKE_IO_CRASH_AT")
    if at and (at == name or (n is not None and at == f"{name}:{n}")):
        os._exit(137)


def chunk_size() -> int:
    return int(os.environ.get("HUIKE_IO_CHUNK", "") or CHUNK)


def run_job(db: Database, tenant_id: int, job_id: int) -> str:
    """Run (or resume) one import. Returns the final status, or "skipped" when there is nothing to do."""
    settings = db.settings
    with db.transaction(tenant_id) as s:
        claimed = s.execute(sa.update(ImportJob).where(ImportJob.id == job_id, ImportJob.status.in_(("queued",
                                                                                                      "running")))
                            .values(status="running", attempt=ImportJob.attempt + 1, started_at=clock.now(),
                                    updated_at=clock.now())
                            .execution_options(synchronize_session=False))
        if rowcount(claimed) != 1:
            return "skipped"
        job = s.get_one(ImportJob, job_id)
        attempt = job.attempt
        directory = job_dir(settings, job)
    files.write_progress(directory, attempt=attempt, processed=0, total=job.rows_estimate)
    crash_point("after_claim")
    try:
        with db.transaction(tenant_id) as s:
            locked = s.scalar(sa.select(ImportJob).where(ImportJob.id == job_id).with_for_update())
            if locked is None or locked.status != "running" or locked.attempt != attempt:
                return "skipped"  # a newer attempt took over, or it is finished
            job = locked
            employee = s.get(Employee, job.created_by_id)
            if employee is None or not employee.is_active:
                raise Forbidden()
            from huike.auth.service import load_actor

            actor = load_actor(s, employee)
            require(actor, "customer.import")
            importer = Importer(s, actor, job, settings, attempt)
            counts = importer.run()
            crash_point("before_commit")
            done = s.execute(sa.update(ImportJob).where(ImportJob.id == job_id, ImportJob.attempt == attempt,
                                                        ImportJob.status == "running")
                             .values(status="done", finished_at=clock.now(), updated_at=clock.now(),
                                     has_error_report=counts["failed"] > 0, error=None, **counts)
                             .execution_options(synchronize_session=False))
            if rowcount(done) != 1:
                raise _Superseded()
            audit.record(s, "customer.import", "import", job_id, actor=actor, after={
                "filename": job.filename, "pool": job.pool, "on_duplicate": job.on_duplicate, **counts})
        crash_point("after_commit")
        files.write_progress(directory, attempt=attempt, processed=counts["processed"], total=counts["total"])
        return "done"
    except _Superseded:
        return "skipped"
    except files.FileRejected as exc:
        _fail(db, tenant_id, job_id, attempt, exc.code, t(exc.code, "zh-CN", **exc.params))
    except HuikeError as exc:
        _fail(db, tenant_id, job_id, attempt, exc.code, t(exc.code, "zh-CN", **exc.params))
    except Exception as exc:
        log.exception("import %s failed", job_id)
        _fail(db, tenant_id, job_id, attempt, "import_failed", t("import_failed", "zh-CN", reason=type(exc).__name__))
    return "failed"


class _Superseded(Exception):
    pass


def _fail(db: Database, tenant_id: int, job_id: int, attempt: int, code: str, detail: str) -> None:
    with db.transaction(tenant_id) as s:
        s.execute(sa.update(ImportJob).where(ImportJob.id == job_id, ImportJob.attempt == attempt,
                                             ImportJob.status == "running")
                  .values(status="failed", error={"code": code, "detail": detail}, finished_at=clock.now(),
                          updated_at=clock.now(), created=0, updated=0, skipped=0, failed=0)
                  .execution_options(synchronize_session=False))
        job = s.get(ImportJob, job_id)
        if job is not None:
            audit.record(s, "customer.import_failed", "import", job_id, actor_id=job.created_by_id,
                         after={"filename": job.filename, "error": code})


def resume_stale(db: Database, *, stale_seconds: float = STALE_SECONDS, enqueue: bool = True) -> list[tuple[int, int]]:
    """Imports left queued / running by a worker that died: re-queue them (or return them)."""
    now = time.time()
    out: list[tuple[int, int]] = []
    from huike.worker.tasks import tenant_ids

    for tid in tenant_ids(db):
        with db.transaction(tid) as s:
            for job in s.scalars(sa.select(ImportJob).where(ImportJob.status.in_(("queued", "running")))):
                age = files.progress_age(job_dir(db.settings, job), now)
                if age is None:
                    age = now - job.updated_at.timestamp()
                if age < stale_seconds:
                    continue
                if job.attempt >= MAX_ATTEMPTS:  # a file that kills its worker every time
                    job.status, job.finished_at = "failed", clock.now()
                    job.error = {"code": "import_failed", "detail": t("import_failed", "zh-CN", reason="worker died")}
                    continue
                out.append((tid, job.id))
    if enqueue:
        from huike.dataio import tasks

        for tid, jid in out:
            tasks.import_job(tid, jid)
    return out


# ---------------------------------------------------------------------- phones (fast path + rules)
_PREFIX_OK: dict[str, bool] = {}
_MOBILE = re.compile(r"1\d{10}")


def normalize_phone(text: str) -> str:
    """huike.customer.phones.normalize, with a cache on the 5-digit prefix for plain 11-digit mobiles
    (their validity depends on the prefix alone)."""
    if _MOBILE.fullmatch(text):
        ok = _PREFIX_OK.get(text[:5])
        if ok is None:
            try:
                ok = phone_rules.normalize(text) == text
            except phone_rules.InvalidPhone:
                ok = False
            _PREFIX_OK[text[:5]] = ok
        if ok:
            return text
    return phone_rules.normalize(text)


@dataclass
class Row:
    no: int  # 1-based line of the file
    raw: list[Any]
    phones: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # field key → stored form
    error: str | None = None
    action: str = ""  # create / update / skip / fail
    customer_id: int | None = None


class Importer:
    def __init__(self, s: Session, actor: Actor, job: ImportJob, settings: Settings, attempt: int) -> None:
        self.s, self.actor, self.job, self.settings, self.attempt = s, actor, job, settings, attempt
        self.tenant_id = get_tenant(s)
        self.dir = job_dir(settings, job)
        opts = io_settings(s)
        self.fields = F.catalog(s, source_required=opts.source_required)
        self.by_key = {f.key: f for f in self.fields}
        self.rules = F.Rules(s, self.fields)
        self.mapping = {h: k for h, k in (job.mapping or {}).items() if k and k in self.by_key}
        self.required = [f for f in self.fields if f.required and f.key != "phones"]
        self.seen: dict[str, int] = {}
        self.counts = {"created": 0, "updated": 0, "skipped": 0, "failed": 0, "processed": 0, "total": 0}
        self.owner_ids = [int(x) for x in job.owner_ids or []]
        self.owner_depts: dict[int, int] = {}
        if self.owner_ids:
            self.owner_depts = dict(s.execute(sa.select(Employee.id, Employee.department_id)
                                              .where(Employee.id.in_(self.owner_ids))).all())
        self.rr = 0
        self.now = clock.now()
        self.dialect = s.get_bind().dialect.name
        self.report: files.Writer | None = None
        self.report_tmp = self.dir / f"errors.{attempt}.tmp.{job.format}"
        self.custom_fields = {f.key: f.custom for f in self.fields if f.custom is not None}
        self.may_edit = actor.can("customer.edit")

    # -------------------------------------------------------------- the whole file
    def run(self) -> dict[str, int]:
        path = source_path(self.settings, self.job)
        if not path.exists():
            raise HuikeError("import_file_missing", 409)
        headers: list[str] | None = None
        col_of: dict[str, int] = {}
        chunk: list[Row] = []
        chunks = 0
        size = chunk_size()
        for no, raw in enumerate(files.iter_rows(path, self.job.format, self.job.encoding), 1):
            if headers is None:
                cells = header_of(raw)
                if not any(cells):
                    continue
                headers = name_headers(cells)
                self.headers = headers
                self.report_head = cells[:len(headers)]  # the header row as uploaded
                col_of = {h: i for i, h in enumerate(headers)}
                self.columns = [(h, col_of[h], k) for h, k in self.mapping.items() if h in col_of]
                continue
            if not any(files.cell_text(c) for c in raw):
                continue
            chunk.append(Row(no, list(raw)))
            if len(chunk) >= size:
                self._chunk(chunk)
                chunk = []
                chunks += 1
                self._progress()
                crash_point("chunk", chunks)
        if chunk:
            self._chunk(chunk)
        self._progress()
        self.counts["total"] = self.counts["processed"]
        if self.report is not None:
            self.report.close()
            os.replace(self.report_tmp, report_path(self.settings, self.job))
        else:
            report_path(self.settings, self.job).unlink(missing_ok=True)
        return dict(self.counts)

    def _progress(self) -> None:
        files.write_progress(self.dir, attempt=self.attempt, processed=self.counts["processed"],
                             total=self.job.rows_estimate)

    # -------------------------------------------------------------- one chunk
    def _chunk(self, rows: list[Row]) -> None:
        for r in rows:
            self._parse(r)
        self._dedupe(rows)
        self._existing(rows)
        creates = [r for r in rows if r.action == "create"]
        updates = [r for r in rows if r.action == "update"]
        for r in creates:
            missing = [f.label for f in self.required if r.values.get(f.key) in (None, "", [])]
            if missing:
                self._fail(r, t("io.required_missing", field="、".join(missing)))
        creates = [r for r in creates if r.action == "create"]
        if creates:
            self._create(creates)
        if updates:
            self._update(updates)
        for r in rows:
            self.counts["processed"] += 1
            if r.action == "create":
                self.counts["created"] += 1
            elif r.action == "update":
                self.counts["updated"] += 1
            elif r.action == "skip":
                self.counts["skipped"] += 1
            else:
                self.counts["failed"] += 1
                self._report(r)

    def _fail(self, r: Row, reason: str) -> None:
        r.action, r.error = "fail", reason

    def _report(self, r: Row) -> None:
        if self.report is None:
            self.report = files.Writer(self.report_tmp, self.job.format, [*self.report_head, REASON])
        raw = list(r.raw[:len(self.headers)]) + [""] * max(0, len(self.headers) - len(r.raw))
        if self.job.format == "csv":
            raw = ["" if v is None else v for v in raw]
        self.report.write([*raw, r.error or ""])

    def _parse(self, r: Row) -> None:
        errors: list[str] = []
        for header, idx, key in self.columns:
            raw = r.raw[idx] if idx < len(r.raw) else ""
            text = files.cell_text(raw)
            if not text:
                continue
            if key == "phones":
                for p in PHONE_SPLIT.split(text):
                    p = p.strip()
                    if not p:
                        continue
                    try:
                        n = normalize_phone(p)
                    except phone_rules.InvalidPhone:
                        errors.append(str(F.bad(header, p, t("io.invalid_phone"))))
                        continue
                    if n not in r.phones:
                        r.phones.append(n)
                continue
            try:
                value = self.rules.value(key, header, raw, text)
            except F.CellError as e:
                errors.append(str(e))
                continue
            if value is not None and value != []:
                r.values[key] = value
        if not r.phones and not errors:
            phone_col = next((h for h, _, k in self.columns if k == "phones"), "手机号")
            errors.append(t("io.phone_missing", column=phone_col))
        if errors:
            self._fail(r, "；".join(errors))

    def _dedupe(self, rows: list[Row]) -> None:
        for r in rows:
            if r.action == "fail":
                continue
            dup = next((self.seen[p] for p in r.phones if p in self.seen), None)
            if dup is not None:
                self._fail(r, t("io.duplicate_in_file", line=dup))
                continue
            for p in r.phones:
                self.seen[p] = r.no

    def _existing(self, rows: list[Row]) -> None:
        """Duplicates against every customer of the tenant, the recycle bin included."""
        phones = [p for r in rows if r.action != "fail" for p in r.phones]
        owner: dict[str, int] = {}
        P = CustomerPhone.__table__.c
        for i in range(0, len(phones), 2000):
            part = phones[i:i + 2000]
            owner.update(self.s.execute(sa.select(P.phone, P.customer_id).where(
                P.tenant_id == self.tenant_id, P.phone.in_(part))).all())
        matched: dict[int, list[Row]] = {}
        for r in rows:
            if r.action == "fail":
                continue
            ids = {owner[p] for p in r.phones if p in owner}
            if not ids:
                r.action = "create"
            elif len(ids) > 1:
                self._fail(r, t("io.phones_of_several"))
            elif self.job.on_duplicate == "skip":
                r.action = "skip"
            else:
                r.customer_id = ids.pop()
                matched.setdefault(r.customer_id, []).append(r)
        if not matched:
            return
        found = list(matched)
        pools = dict(self.s.execute(sa.select(Customer.id, Customer.pool).where(Customer.id.in_(found))).all())
        visible = set(self.s.scalars(sa.select(Customer.id).where(Customer.id.in_(found),
                                                                  customer_scope(self.actor))))
        editable = self._editable(found)
        for cid, rs in matched.items():
            for r in rs:
                if pools.get(cid) == "recycle_bin":
                    self._fail(r, t("io.duplicate_in_recycle_bin", phone=r.phones[0]))
                elif cid not in visible or not self.may_edit or cid not in editable:
                    self._fail(r, t("io.duplicate_not_editable", phone=r.phones[0]))
                else:
                    r.action = "update"

    def _editable(self, ids: list[int]) -> set[int]:
        """Sales edit only their own and assisted customers (customer.service._may_edit)."""
        if not self.actor.is_sales:
            return set(ids)
        from huike.customer.models import CustomerCollaborator

        C = Customer.__table__.c
        own = set(self.s.scalars(sa.select(C.id).where(C.id.in_(ids), C.owner_id == self.actor.employee_id)))
        helped = set(self.s.scalars(sa.select(CustomerCollaborator.customer_id).where(
            CustomerCollaborator.customer_id.in_(ids), CustomerCollaborator.employee_id == self.actor.employee_id)))
        return own | helped

    # -------------------------------------------------------------- writes
    def _ids(self, n: int) -> list[int]:
        if self.dialect == "postgresql":
            return list(self.s.scalars(sa.text(
                "SELECT nextval(pg_get_serial_sequence('customers', 'id')) FROM generate_series(1, :n)"),
                {"n": n}))
        start = (self.s.scalar(sa.text("SELECT max(id) FROM customers")) or 0) + 1
        return list(range(start, start + n))

    def _create(self, rows: list[Row]) -> None:
        ids = self._ids(len(rows))
        job = self.job
        pool = job.pool or "potential"
        tid = self.tenant_id
        now = self.now
        customers: list[dict[str, Any]] = []
        phone_rows: list[dict[str, Any]] = []
        tag_rows: list[dict[str, Any]] = []
        cf_rows: list[dict[str, Any]] = []
        search_rows: list[dict[str, Any]] = []
        for cid, r in zip(ids, rows, strict=True):
            r.customer_id = cid
            owner = None
            if pool == "following" and self.owner_ids:
                owner = self.owner_ids[self.rr % len(self.owner_ids)]
                self.rr += 1
            v = r.values
            name = v.get("name") or r.phones[0]
            row = {"id": cid, "tenant_id": tid, "number": f"KH{cid:08d}", "name": name, "pool": pool,
                   "owner_id": owner,
                   "department_id": self.owner_depts.get(owner, self.actor.department_id) if owner
                   else self.actor.department_id,
                   "created_by_id": self.actor.employee_id, "pool_entered_at": now, "acquired_via": "imported",
                   "claimed_at": now if owner else None, "assigned_at": now if owner else None,
                   "public_pool_id": job.public_pool_id if pool == "public" else None,
                   "created_at": now, "updated_at": now, "version": 1, "locked": False, "blacklisted": False,
                   "deactivated": False}
            for k in PLAIN:
                row[k] = v.get(k)
            customers.append(row)
            for i, p in enumerate(r.phones):
                phone_rows.append({"tenant_id": tid, "customer_id": cid, "phone": p, "position": i})
            for tag_id in v.get("tags", []):
                tag_rows.append({"tenant_id": tid, "customer_id": cid, "tag_id": tag_id})
            for key, cf in self.custom_fields.items():
                if key in v:
                    cf_rows.extend(dictionary.value_rows(cf, v[key], cid, tid))  # type: ignore[arg-type]
            search_rows.append(indexing.search_row(row, r.phones))
        self._insert(Customer.__table__, customers)
        self._insert(CustomerPhone.__table__, phone_rows)
        if tag_rows:
            self._insert(CustomerTag.__table__, tag_rows)
        if cf_rows:
            self._insert(CustomerFieldValue.__table__, cf_rows)
        from huike.find.models import CustomerSearch

        self._insert(CustomerSearch.__table__, search_rows)

    def _insert(self, table: Any, rows: list[dict[str, Any]]) -> None:
        bulk_insert(self.s, table, rows)

    def _update(self, rows: list[Row]) -> None:
        """Only the fields present (non-empty) in the file; the pool, owner and phones stay."""
        C: Any = Customer.__table__
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        tag_changes: dict[int, list[int]] = {}
        cf_changes: dict[int, dict[Any, Any]] = {}
        for r in rows:
            assert r.customer_id is not None
            values = {k: r.values[k] for k in ("name", *PLAIN) if k in r.values}
            keys = tuple(sorted(values))
            groups.setdefault(keys, []).append({"_id": r.customer_id, **{f"v_{k}": v for k, v in values.items()}})
            if "tags" in r.values:
                tag_changes[r.customer_id] = r.values["tags"]
            custom = {cf: r.values[k] for k, cf in self.custom_fields.items() if k in r.values}
            if custom:
                cf_changes[r.customer_id] = custom
        for keys, params in groups.items():
            stmt = sa.update(C).where(C.c.id == sa.bindparam("_id"), C.c.tenant_id == self.tenant_id).values(
                version=C.c.version + 1, updated_at=self.now, **{k: sa.bindparam(f"v_{k}") for k in keys})
            self.s.execute(stmt.execution_options(synchronize_session=False), params)
        if tag_changes:
            current = dictionary.tag_ids_of(self.s, list(tag_changes))
            dictionary.write_tags(self.s, {cid: (current.get(cid, set()), set(new))
                                           for cid, new in tag_changes.items()})
        for cid, custom in cf_changes.items():
            dictionary.write_custom_values(self.s, cid, custom)
        indexing.refresh(self.s, [r.customer_id for r in rows if r.customer_id])


# ---------------------------------------------------------------------- set-based inserts
def bulk_insert(s: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows of one shape into one of our tables, without SQLAlchemy's per-row parameter
    compilation: values go through each column type's bind processor (so stored forms equal an ORM
    insert's), scalar column defaults fill the missing columns. PostgreSQL: COPY into a TEMP staging
    table (plain COPY into a tenant table is refused under row-level security; a temp table has none),
    then ONE `INSERT … SELECT` — the row-level security check, constraints and triggers apply as for
    any insert. SQLite: one executemany. Rows of mixed shapes or tables with Python-callable defaults
    for missing columns take the ordinary `table.insert()` path."""
    if not rows:
        return
    cols = list(rows[0])
    keys = rows[0].keys()  # the order of `cols`
    conn = s.connection()
    dialect = conn.dialect
    fill: dict[str, Any] = {}
    for c in table.c:
        if c.name in keys or c.default is None:
            continue
        if not c.default.is_scalar:
            s.execute(table.insert(), rows)
            return
        fill[c.name] = c.default.arg
    if any(r.keys() != keys for r in rows):
        s.execute(table.insert(), rows)
        return
    procs = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in cols]
    extra = tuple(fill.values())
    cols += list(fill)
    for name in fill:
        procs.append(table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    get = operator.itemgetter(*keys) if len(keys) > 1 else (lambda r: (r[cols[0]],))
    if any(procs):
        todo = [(i, p) for i, p in enumerate(procs) if p is not None]
        data: list[Any] = []
        for r in rows:
            values = [*get(r), *extra]
            for i, p in todo:
                values[i] = p(values[i])
            data.append(tuple(values))
    else:
        data = [(*get(r), *extra) for r in rows] if extra else [get(r) for r in rows]
    q = dialect.identifier_preparer.quote
    names = ", ".join(q(c) for c in cols)
    target = q(table.name)
    if dialect.name == "postgresql":
        stage = q(f"_io_stage_{table.name}")
        raw: Any = conn.connection.driver_connection
        with raw.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {target} INCLUDING DEFAULTS) "
                        "ON COMMIT DROP")
            cur.execute(f"TRUNCATE {stage}")
            with cur.copy(f"COPY {stage} ({names}) FROM STDIN") as cp:
                for row in data:
                    cp.write_row(row)
            cur.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {stage}")
            cur.execute(f"TRUNCATE {stage}")
        return
    marks = ", ".join("?" for _ in cols)
    conn.exec_driver_sql(f"INSERT INTO {target} ({names}) VALUES ({marks})", data)


def iter_report(settings: Settings, job: ImportJob) -> Iterator[bytes]:
    path = report_path(settings, job)
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 16):
            yield chunk


def cleanup_old(db: Database, days: int = 30) -> None:
    """Delete the files of imports finished more than `days` ago (the job rows and counts stay)."""
    cutoff = clock.now() - timedelta(days=days)
    from huike.worker.tasks import tenant_ids

    for tid in tenant_ids(db):
        with db.transaction(tid) as s:
            for job in s.scalars(sa.select(ImportJob).where(ImportJob.finished_at < cutoff)):
                shutil.rmtree(job_dir(db.settings, job), ignore_errors=True)
