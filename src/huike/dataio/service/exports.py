"""Exports (IMP-6): the current pool + filter + quick search + columns as .xlsx or .csv, within the
data scope, as a background job.

Rows come from `find.service.builder` — the one list path (customer_scope AND pool AND filter AND
search). On PostgreSQL the rows are made by PostgreSQL itself (`export_copy`: `COPY (that SELECT
with every cell computed in SQL) TO STDOUT`, CSV byte-identical to the Python path, xlsx as sheet
XML zipped here). On SQLite (and when asked for, `copy=False`) they are read in keyset batches on
the id (each batch its own short transaction: SQLite writers are never held up), with phones, tags,
names and custom values fetched per batch. Cells that a spreadsheet would run as a formula are
escaped. The tenant's row cap cuts the file (the job says `capped`). Each export is audited: when
asked for, and when written with its row count."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huike.audit import service as audit
from huike.authz import require
from huike.authz.actor import Actor
from huike.config import Settings
from huike.customer import phones as phone_rules
from huike.customer.models import Customer, CustomerPhone
from huike.dataio import files
from huike.dataio.models import ExportJob
from huike.dataio.service import export_copy
from huike.dataio.service.imports import io_settings
from huike.dictionary import service as dictionary
from huike.dictionary.models import CustomerTag, Tag
from huike.find import text
from huike.find.filters import SYSTEM, field_label
from huike.find.schemas import Filter
from huike.kit import clock
from huike.kit.db import Database
from huike.kit.errors import Forbidden, HuikeError, Invalid, NotFound
from huike.kit.i18n import t
from huike.org.models import Employee, OrgUnit

log = logging.getLogger("huike.dataio")
BATCH = 5000
STALE_SECONDS = 300
POOL_LABEL = {"potential": "潜在客户", "to_assign": "待分配", "following": "跟进中", "public": "公海",
              "won": "已成交", "recycle_bin": "回收站"}
CALL_LABEL = {"connected": "已接通", "not_connected": "未接通"}
TYPE_LABEL = {"won": "成交客户", "assigned": "分配客户", "intent": "意向客户"}


def _visible(actor: Actor) -> Any:
    return sa.true() if actor.can("settings.manage") else ExportJob.created_by_id == actor.employee_id


def get_job(s: Session, actor: Actor, job_id: int) -> ExportJob:
    require(actor, "customer.export")
    job = s.scalar(sa.select(ExportJob).where(ExportJob.id == job_id, _visible(actor)))
    if job is None:
        raise NotFound()
    return job


def list_jobs(s: Session, actor: Actor, limit: int = 50) -> list[ExportJob]:
    require(actor, "customer.export")
    return list(s.scalars(sa.select(ExportJob).where(_visible(actor)).order_by(ExportJob.id.desc()).limit(limit)))


def job_dir(settings: Settings, job: ExportJob) -> Path:
    return files.job_dir(settings, job.tenant_id, "exports", job.id)


def file_path(settings: Settings, job: ExportJob) -> Path:
    return job_dir(settings, job) / f"export.{job.format}"


def download_name(job: ExportJob) -> str:
    stamp = job.created_at.astimezone(clock.TZ).strftime("%Y%m%d%H%M")
    return f"客户导出_{POOL_LABEL.get(job.pool, job.pool)}_{stamp}.{job.format}"


def live(settings: Settings, job: ExportJob) -> dict[str, Any]:
    out = {"processed": job.processed, "rows": job.rows}
    if job.status in ("queued", "running"):
        p = files.read_progress(job_dir(settings, job))
        out["processed"] = int(p.get("processed", job.processed))
    return out


# ====================================================================== columns
def column_keys(s: Session, actor: Actor, pool: str, columns: list[str] | None) -> list[str]:
    """The asked columns (list-view keys, custom `cf.<key>`), or the employee's list view of the pool."""
    from huike.find import service as find

    if not columns:
        return list(find.get_view(s, actor, pool).columns)
    custom = {f"cf.{f.key}" for f in dictionary.list_fields(s, active_only=True)}
    bad = [c for c in columns if not ((c in SYSTEM and SYSTEM[c].listable) or c in custom)]
    if bad:
        raise Invalid("invalid_columns", column=bad[0], errors=[{"field": "columns", "code": "invalid_columns",
                                                                 "message": c} for c in bad])
    return list(dict.fromkeys(columns))


def column_label(s: Session, key: str) -> str:
    if key.startswith("cf."):
        f = dictionary.fields_by_key(s).get(key[3:])
        return f.label if f else key
    return field_label(SYSTEM[key])


# ====================================================================== request
def request(s: Session, actor: Actor, *, pool: str, flt: Filter | None, q: str | None, columns: list[str] | None,
            fmt: str, enqueue: bool = True) -> ExportJob:
    require(actor, "customer.export")
    from huike.find import service as find

    if fmt not in ("csv", "xlsx"):
        raise Invalid("validation_error")
    find.builder(s, actor, pool, flt, text.plan(q))  # pool, scope and filter checked now (422 / 403)
    cols = column_keys(s, actor, pool, columns)
    job = ExportJob(created_by_id=actor.employee_id, pool=pool,
                    filter=flt.model_dump(exclude_none=True) if flt is not None else None,
                    q=(q or "").strip() or None, columns=cols, format=fmt, status="queued", processed=0)
    s.add(job)
    s.flush()
    audit.record(s, "customer.export_requested", "export", job.id, actor=actor,
                 after={"pool": pool, "filter": job.filter, "q": job.q, "columns": cols, "format": fmt})
    if enqueue:
        from huike.dataio import tasks
        from huike.worker.queue import enqueue_after_commit

        enqueue_after_commit(s, tasks.export_job, job.tenant_id, job.id)
    return job


# ====================================================================== the job
def run_job(db: Database, tenant_id: int, job_id: int, *, copy: bool | None = None) -> str:
    """Run one export job (`copy`: see `write_file`; None in the app)."""
    settings = db.settings
    with db.transaction(tenant_id) as s:
        claimed = s.execute(sa.update(ExportJob).where(ExportJob.id == job_id,
                                                       ExportJob.status.in_(("queued", "running")))
                            .values(status="running", updated_at=clock.now())
                            .execution_options(synchronize_session=False))
        if getattr(claimed, "rowcount", 0) != 1:
            return "skipped"
        job = s.get_one(ExportJob, job_id)
        directory = job_dir(settings, job)
    files.write_progress(directory, processed=0)
    try:
        rows, capped, actor = write_file(db, tenant_id, job_id, copy=copy)
        with db.transaction(tenant_id) as s:
            job = s.get_one(ExportJob, job_id)
            job.status, job.rows, job.processed, job.capped = "done", rows, rows, capped
            job.finished_at = clock.now()
            job.filename = download_name(job)
            audit.record(s, "customer.export", "export", job.id, actor=actor, after={
                "pool": job.pool, "filter": job.filter, "q": job.q, "columns": job.columns, "format": job.format,
                "rows": rows, "capped": capped})
        return "done"
    except HuikeError as exc:
        _fail(db, tenant_id, job_id, exc.code, t(exc.code, "zh-CN", **exc.params))
    except Exception as exc:
        log.exception("export %s failed", job_id)
        _fail(db, tenant_id, job_id, "export_failed", t("export_failed", "zh-CN", reason=type(exc).__name__))
    return "failed"


def _fail(db: Database, tenant_id: int, job_id: int, code: str, detail: str) -> None:
    with db.transaction(tenant_id) as s:
        job = s.get_one(ExportJob, job_id)
        job.status, job.error, job.finished_at = "failed", {"code": code, "detail": detail}, clock.now()


def _actor(s: Session, employee_id: int) -> Actor:
    from huike.auth.service import load_actor

    e = s.get(Employee, employee_id)
    if e is None or not e.is_active:
        raise Forbidden()
    actor = load_actor(s, e)
    require(actor, "customer.export")
    return actor


def write_file(db: Database, tenant_id: int, job_id: int, *, copy: bool | None = None,
               bulk: bool | None = None) -> tuple[int, bool, Actor]:
    """Write the export file next to the job (a temporary name renamed at the end). On PostgreSQL the
    rows are made by PostgreSQL (`export_copy`: CSV byte-identical to the Python path, xlsx the same
    cell values); on SQLite row by row from Python (`batches`).
    `copy`: None — whichever applies; False — the Python path; True — the COPY path (or an error).
    `bulk`: the COPY path's set-based phones and tags (None: by the list's estimated size)."""
    settings = db.settings
    with db.transaction(tenant_id) as s:
        job = s.get_one(ExportJob, job_id)
        actor = _actor(s, job.created_by_id)
        cap = io_settings(s).export_row_cap
        if job.format == "xlsx":
            cap = min(cap, XLSX_MAX_ROWS)  # a sheet holds 1,048,576 rows, the header included
        cols = list(job.columns)
        labels = [column_label(s, c) for c in cols]
        fmt, directory, pool = job.format, job_dir(settings, job), job.pool
        flt = Filter.model_validate(job.filter) if job.filter else None
        q = job.q
        final = file_path(settings, job)
    tmp = directory / f".export.{os.getpid()}.tmp"
    n = 0
    capped = False
    by_copy = False
    if copy is not False:
        with db.transaction(tenant_id) as s:
            by_copy = export_copy.usable(s, fmt, cols)
            if by_copy:
                n, capped = export_copy.write(s, actor, pool, flt, q, cols, fmt, labels, tmp, cap,
                                              lambda k: files.write_progress(directory, processed=k), bulk=bulk)
            elif copy:
                raise RuntimeError("the COPY path needs PostgreSQL and UTF-8 (and two columns or more for CSV)")
    if not by_copy:
        writer = files.Writer(tmp, fmt, labels)
        last = time.monotonic()
        try:
            for batch in batches(db, tenant_id, actor, pool, flt, q, cols):
                if n + len(batch) > cap:
                    batch = batch[:cap - n]
                    capped = True
                writer.write_many(batch)
                n += len(batch)
                if time.monotonic() - last > 0.5:
                    files.write_progress(directory, processed=n)
                    last = time.monotonic()
                if capped:
                    break
        finally:
            writer.close()
    os.replace(tmp, final)
    return n, capped, actor


def batches(db: Database, tenant_id: int, actor: Actor, pool: str, flt: Filter | None, q: str | None,
            cols: list[str], size: int | None = None) -> Iterator[list[list[Any]]]:
    """The export's rows in id order, `size` at a time, each batch read in its own transaction."""
    from huike.find import service as find

    size = size or BATCH
    plan = text.plan(q)
    last = 0
    names: dict[int, str] | None = None
    units: dict[int, str] | None = None
    C = Customer
    need = _needed(cols)
    getters: list[Any] | None = None
    while True:
        with db.transaction(tenant_id) as s:
            if names is None:
                names = dict(s.execute(sa.select(Employee.id, Employee.name)).all())
                units = dict(s.execute(sa.select(OrgUnit.id, OrgUnit.name)).all())
            stmt = find.builder(s, actor, pool, flt, plan)(False)[0]
            stmt = stmt.with_only_columns(*[getattr(C, c) for c in need]).where(C.id > last) \
                .order_by(C.id).limit(size)
            rows = s.execute(stmt).all()
            if not rows:
                return
            ids = [r[0] for r in rows]
            last = ids[-1]
            extra = _extras(s, actor, ids, cols)
            if getters is None:
                getters = _getters(cols, need, names, units or {})
            cell = _cell
            out = [[cell(g(r, extra)) for g in getters] for r in rows]
        yield out
        if len(rows) < size:
            return


XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row

_UNSAFE = frozenset(files.UNSAFE_START)
BASE = ("id", "pool", "acquired_via", "won_at", "owner_id")
COLUMN_OF = {"owner": "owner_id", "department": "department_id", "created_by": "created_by_id"}


def _needed(cols: list[str]) -> list[str]:
    need = list(BASE)
    for c in cols:
        if c.startswith("cf.") or c in ("phones", "tags", "collaborators", "wecom_friend", "customer_type"):
            continue
        col = COLUMN_OF.get(c) or SYSTEM[c].column
        if col and col not in need:
            need.append(col)
    return need


def _ids_match(column: Any, ids: list[int]) -> Any:
    """`column IN ids` for a batch of ascending ids. When the batch is dense (the usual export: a whole
    pool) a range predicate instead — no compiling of thousands of bound parameters; the rows of ids
    outside the batch that a range may also fetch are never looked up (callers index by batch id)."""
    if len(ids) > 50 and ids[-1] - ids[0] < 2 * len(ids):
        return column.between(ids[0], ids[-1])
    return column.in_(ids)


def _extras(s: Session, actor: Actor, ids: list[int], cols: list[str]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if "phones" in cols:
        phones: dict[int, list[str]] = {}
        for cid, p in s.execute(sa.select(CustomerPhone.customer_id, CustomerPhone.phone)
                                .where(_ids_match(CustomerPhone.customer_id, ids))
                                .order_by(CustomerPhone.customer_id, CustomerPhone.position, CustomerPhone.id)):
            phones.setdefault(cid, []).append(p)
        full = actor.can("customer.phone_full")
        extra["phones"] = {cid: phone_rules.shown(v, full) for cid, v in phones.items()}
    if "tags" in cols:
        tags: dict[int, list[str]] = {}
        for cid, name in s.execute(sa.select(CustomerTag.customer_id, Tag.name).join(Tag, Tag.id == CustomerTag.tag_id)
                                   .where(_ids_match(CustomerTag.customer_id, ids))):
            tags.setdefault(cid, []).append(name)
        extra["tags"] = tags
    if "collaborators" in cols:
        from huike.customer.models import CustomerCollaborator

        co: dict[int, list[int]] = {}
        for cid, eid in s.execute(sa.select(CustomerCollaborator.customer_id, CustomerCollaborator.employee_id)
                                  .where(_ids_match(CustomerCollaborator.customer_id, ids))
                                  .order_by(CustomerCollaborator.customer_id, CustomerCollaborator.employee_id)):
            co.setdefault(cid, []).append(eid)
        extra["collaborators"] = co
    if "wecom_friend" in cols:
        from huike.pool.models import WecomFriend

        wf: dict[int, list[int]] = {}
        for cid, eid in s.execute(sa.select(WecomFriend.customer_id, WecomFriend.employee_id)
                                  .where(_ids_match(WecomFriend.customer_id, ids))
                                  .order_by(WecomFriend.customer_id, WecomFriend.employee_id)):
            wf.setdefault(cid, []).append(eid)
        extra["wecom_friend"] = wf
    custom = [c for c in cols if c.startswith("cf.")]
    if custom:
        by_key = dictionary.fields_by_key(s)
        fields = [by_key[c[3:]] for c in custom if c[3:] in by_key]
        extra["custom"] = dictionary.custom_values_of(s, ids, fields)
    return extra


def _cell(value: Any) -> Any:
    if type(value) is str:  # the common case first
        return "'" + value if value[:1] in _UNSAFE else value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(clock.TZ).replace(tzinfo=None)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return files.escape_cell(",".join(str(v) for v in value))
    if isinstance(value, int | float):
        return value
    return files.escape_cell(str(value))


def _getters(cols: list[str], need: list[str], names: dict[int, str], units: dict[int, str]) -> list[Any]:
    """One function per column: (row tuple, batch extras) → the raw value of the cell."""
    at = {c: i for i, c in enumerate(need)}
    i_id, i_pool, i_via, i_won, i_owner = (at[c] for c in BASE)
    out: list[Any] = []
    for c in cols:
        if c.startswith("cf."):
            out.append(lambda r, x, k=c[3:]: x["custom"].get(r[i_id], {}).get(k))
            continue
        match c:
            case "phones" | "tags":
                out.append(lambda r, x, c=c: sorted(x[c].get(r[i_id], [])) if c == "tags" else x[c].get(r[i_id], []))
            case "owner" | "created_by":
                out.append(lambda r, x, i=at[COLUMN_OF[c]]: names.get(r[i], "") if r[i] else "")
            case "department":
                out.append(lambda r, x, i=at["department_id"]: units.get(r[i], "") if r[i] else "")
            case "collaborators" | "wecom_friend":
                out.append(lambda r, x, c=c: [names.get(e, str(e)) for e in x[c].get(r[i_id], [])])
            case "pool":
                out.append(lambda r, x: POOL_LABEL.get(r[i_pool], r[i_pool]))
            case "customer_type":
                out.append(lambda r, x: TYPE_LABEL["won"] if r[i_pool] == "won" or r[i_won] else
                           TYPE_LABEL["assigned"] if r[i_via] == "assigned" and r[i_owner] else TYPE_LABEL["intent"])
            case "last_call_status":
                out.append(lambda r, x, i=at["last_call_status"]: CALL_LABEL.get(r[i], r[i]))
            case _:
                out.append(lambda r, x, i=at[str(SYSTEM[c].column)]: r[i])
    return out


def resume_stale(db: Database, *, stale_seconds: float = STALE_SECONDS) -> list[tuple[int, int]]:
    """Exports left queued / running by a dead worker are written again from the start."""
    from huike.dataio import tasks
    from huike.worker.tasks import tenant_ids

    now = time.time()
    out = []
    for tid in tenant_ids(db):
        with db.transaction(tid) as s:
            for job in s.scalars(sa.select(ExportJob).where(ExportJob.status.in_(("queued", "running")))):
                age = files.progress_age(job_dir(db.settings, job), now)
                if age is None:
                    age = now - job.updated_at.timestamp()
                if age >= stale_seconds:
                    out.append((tid, job.id))
    for tid, jid in out:
        tasks.export_job(tid, jid)
    return out


def filter_json(job: ExportJob) -> str:
    return json.dumps(job.filter or {}, ensure_ascii=False)


def cleanup_old(db: Database, days: int = 7) -> None:
    """Delete export files older than `days` (the job rows and their audit stay)."""
    import shutil
    from datetime import timedelta

    from huike.worker.tasks import tenant_ids

    cutoff = clock.now() - timedelta(days=days)
    for tid in tenant_ids(db):
        with db.transaction(tid) as s:
            for job in s.scalars(sa.select(ExportJob).where(ExportJob.finished_at < cutoff)):
                shutil.rmtree(job_dir(db.settings, job), ignore_errors=True)
