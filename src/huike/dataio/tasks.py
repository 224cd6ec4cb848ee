"""Huey jobs of imports and exports (registered by huike.worker.tasks)."""

from __future__ import annotations

from huey import crontab

from huike.worker.queue import huey
from huike.worker.tasks import database


@huey.task()
def import_job(tenant_id: int, job_id: int) -> str:
    """Run or resume one import (all-or-nothing; see dataio.service.imports)."""
    from huike.dataio.service.imports import run_job

    return run_job(database(), tenant_id, job_id)


@huey.task()
def export_job(tenant_id: int, job_id: int) -> str:
    from huike.dataio.service.exports import run_job

    return run_job(database(), tenant_id, job_id)


@huey.periodic_task(crontab(minute="*/5"))
def resume_stale_imports() -> None:
    """Imports and exports whose worker died (no progress for 5 minutes) are queued again (an import at most 5 times)."""
    from huike.dataio.service import exports, imports

    imports.resume_stale(database())
    exports.resume_stale(database())


@huey.periodic_task(crontab(minute="50", hour="3"))
def purge_io_files() -> None:
    """Files of imports older than 30 days and of exports older than 7 days are deleted."""
    from huike.dataio.service import exports, imports

    imports.cleanup_old(database())
    exports.cleanup_old(database())
