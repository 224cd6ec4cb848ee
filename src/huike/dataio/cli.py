"""`huike import-template`, `huike import`, `huike export` (CONTRACT.md): the same services as the API,
acting as an employee of the tenant (its first admin unless `--as` names one), run in this process."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from huike.authz.actor import Actor
from huike.dataio import files
from huike.kit.db import Database, set_tenant
from huike.kit.errors import HuikeError
from huike.kit.i18n import t


class CliError(Exception):
    pass


def _actor(db: Database, code: str, username: str | None) -> tuple[int, Actor]:
    from huike.auth.service import load_actor
    from huike.org.models import Employee, Role, Tenant

    with db.transaction() as s:
        tenant = s.scalar(sa.select(Tenant).where(sa.func.lower(Tenant.code) == code.lower()))
        if tenant is None:
            raise CliError(t("tenant_not_found", "zh-CN", code=code))
        set_tenant(s, tenant.id)
        stmt = sa.select(Employee).where(Employee.is_active)
        if username:
            stmt = stmt.where(Employee.username == username)
        else:
            stmt = stmt.join(Role, Role.id == Employee.role_id).where(Role.code == "admin")
        employee = s.scalars(stmt.order_by(Employee.id)).first()
        if employee is None:
            raise CliError(f"employee not found: {username or 'admin'}")
        return tenant.id, load_actor(s, employee)


def _message(exc: HuikeError) -> str:
    text = t(exc.code, "zh-CN", **exc.params)
    if exc.errors:
        text += "\n" + "\n".join(f"  - {e.get('message', e)}" for e in exc.errors)
    return text


def import_template(code: str, out: Path, username: str | None = None) -> None:
    from huike.dataio.service import template

    db = Database()
    try:
        tid, actor = _actor(db, code, username)
        with db.transaction(tid) as s:
            template.build(s, actor, str(out))
    except HuikeError as exc:
        raise CliError(_message(exc)) from None


def run_import(console: Console, code: str, file: Path, pool: str, on_duplicate: str, report: Path | None,
               owners: list[str], username: str | None = None) -> dict[str, Any]:
    from huike.dataio.models import ImportJob
    from huike.dataio.service import imports
    from huike.org.models import Employee

    db = Database()
    try:
        tid, actor = _actor(db, code, username)
        with db.transaction(tid) as s, file.open("rb") as fh:
            job, _, _ = imports.upload(s, actor, db.settings, file.name, fh)
            owner_ids = [int(x) for x in s.scalars(sa.select(Employee.id).where(Employee.username.in_(owners)))]
            if len(owner_ids) != len(set(owners)):
                raise CliError(t("invalid_owner", "zh-CN"))
            mapping = dict(job.mapping)
            ignored = [h for h, k in mapping.items() if not k]
            imports.start(s, actor, job.id, imports.StartOptions(mapping=mapping, pool=pool, on_duplicate=on_duplicate,
                                                                 owner_ids=owner_ids, save_mapping=False),
                          enqueue=False)
            job_id, total, directory = job.id, job.rows_estimate, imports.job_dir(db.settings, job)
        if ignored:
            console.print(f"[yellow]未导入的列: {', '.join(ignored)}[/yellow]")
        result: dict[str, str] = {}
        worker = threading.Thread(target=lambda: result.setdefault("status", imports.run_job(db, tid, job_id)))
        worker.start()
        with Progress(TextColumn("导入 {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as bar:
            task = bar.add_task(file.name, total=total)
            while worker.is_alive():
                worker.join(0.2)
                live = files.read_progress(directory)  # not the database: SQLite is locked by the import
                bar.update(task, completed=int(live.get("processed", 0)), total=live.get("total") or total)
            with db.transaction(tid) as s:
                job = s.get_one(ImportJob, job_id)
                bar.update(task, completed=job.processed, total=job.processed or total)
        with db.transaction(tid) as s:
            job = s.get_one(ImportJob, job_id)
            if job.status != "done":
                raise CliError((job.error or {}).get("detail", job.status))
            counts = {k: getattr(job, k) for k in ("created", "updated", "skipped", "failed")}
            if report is not None and job.has_error_report:
                shutil.copyfile(imports.report_path(db.settings, job), report)
        return counts
    except HuikeError as exc:
        raise CliError(_message(exc)) from None


def run_export(console: Console, code: str, pool: str, filter_json: str | None, out: Path,
               username: str | None = None) -> dict[str, Any]:
    from huike.dataio.models import ExportJob
    from huike.dataio.service import exports
    from huike.find.service import parse_filter

    fmt = "csv" if out.suffix.lower() == ".csv" else "xlsx"
    db = Database()
    try:
        tid, actor = _actor(db, code, username)
        with db.transaction(tid) as s:
            job = exports.request(s, actor, pool=pool, flt=parse_filter(filter_json), q=None, columns=None, fmt=fmt,
                                  enqueue=False)
            job_id = job.id
        started = time.monotonic()
        status = exports.run_job(db, tid, job_id)
        with db.transaction(tid) as s:
            job = s.get_one(ExportJob, job_id)
            if status != "done":
                raise CliError((job.error or {}).get("detail", status))
            shutil.copyfile(exports.file_path(db.settings, job), out)
            return {"rows": job.rows, "capped": job.capped, "seconds": round(time.monotonic() - started, 1)}
    except HuikeError as exc:
        raise CliError(_message(exc)) from None
