"""Jobs. Each task opens its own unit of work; periodic tasks iterate tenants explicitly."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from huey import crontab

from huike.auth.models import AuthSession, LoginFailure
from huike.kit.db import Database
from huike.kit.models import utcnow
from huike.org.models import Tenant
from huike.worker.queue import huey

_database: Database | None = None


def bind_database(db: Database) -> None:
    """The app (or a test) tells in-process jobs which database they work on."""
    global _database
    _database = db


def database() -> Database:
    global _database
    if _database is None:
        _database = Database()
    return _database


def tenant_ids(db: Database) -> list[int]:
    with db.transaction() as s:
        return list(s.scalars(sa.select(Tenant.id).where(Tenant.is_active).order_by(Tenant.id)))


@huey.task()
def purge_sessions(tenant_id: int, keep_days: int = 7) -> int:
    """Delete sessions that ended (expired or revoked) more than `keep_days` ago."""
    cutoff = utcnow() - timedelta(days=keep_days)
    with database().transaction(tenant_id) as s:
        result = s.execute(sa.delete(AuthSession).where(
            sa.or_(AuthSession.expires_at < cutoff, AuthSession.revoked_at < cutoff)))
        return result.rowcount or 0


@huey.periodic_task(crontab(minute="17"))
def hourly_housekeeping() -> None:
    db = database()
    with db.transaction() as s:
        s.execute(sa.delete(LoginFailure).where(LoginFailure.at < utcnow() - timedelta(days=1)))
    for tid in tenant_ids(db):
        purge_sessions(tid)


@huey.periodic_task(crontab(minute="*"))
def compact_stats_rollup() -> int:
    """Fold the statistics rollup's log into its counts (PostgreSQL; all tenants in one statement).
    The figures are exact either way; folding keeps the log, which every statistic reads, short."""
    from huike.stats import rollup

    with database().transaction() as s:
        return rollup.compact(s)


@huey.task()
def recycle_tenant(tenant_id: int) -> int:
    """Run the tenant's enabled auto-recycle rules (POOL-10) and send K-days-ahead reminders."""
    from huike.pool.recycle import run_tenant

    with database().transaction(tenant_id) as s:
        return sum(r.recycled for r in run_tenant(s))


@huey.task()
def purge_recycle_bin(tenant_id: int) -> int:
    """Delete binned customers older than the tenant's retention period (POOL-12)."""
    from huike.pool.moves import default_pool, purge

    with database().transaction(tenant_id) as s:
        return purge(s, None, older_than_days=default_pool(s).retention_days, settings=database().settings)


@huey.periodic_task(crontab(minute="5"))
def hourly_auto_recycle() -> None:
    for tid in tenant_ids(database()):
        recycle_tenant(tid)


@huey.periodic_task(crontab(minute="40", hour="3"))
def nightly_purge() -> None:
    for tid in tenant_ids(database()):
        purge_recycle_bin(tid)


# ------------------------------------------------------------------ automatic grading (POOL-16)
@huey.task()
def grading_tenant(tenant_id: int) -> int | None:
    """Regrade the tenant's customers by its rules (None when automatic grading is off)."""
    from huike.grading.service import run_tenant

    with database().transaction(tenant_id) as s:
        return run_tenant(s)


@huey.periodic_task(crontab(minute="30", hour="16"))  # 00:30 China Standard Time (Huey schedules in UTC)
def daily_grading() -> None:
    """The window (年采购额) and recency move with time, so levels are recomputed every night."""
    for tid in tenant_ids(database()):
        grading_tenant(tid)


# ------------------------------------------------------------------ reminders (WORK-8)
@huey.task(retries=3, retry_delay=60)
def deliver_reminder(tenant_id: int, delivery_id: int) -> str:
    """Send one reminder on one outside channel; a failed attempt raises and Huey retries it."""
    from huike.reminder.service import deliver

    return deliver(database(), tenant_id, delivery_id)


@huey.task()
def reminders_tenant(tenant_id: int) -> dict[str, int]:
    """Generate the tenant's due reminders; their deliveries are enqueued after the commit."""
    import huike.sales.reminders  # noqa: F401  (registers contract_expiry)
    from huike.reminder.service import run_tenant

    with database().transaction(tenant_id) as s:
        return run_tenant(s)


@huey.periodic_task(crontab(minute="*/5"))
def reminders_every_5_minutes() -> None:
    for tid in tenant_ids(database()):
        reminders_tenant(tid)


# ------------------------------------------------------------------ imports and exports (IMP-1…7)
import huike.dataio.tasks  # noqa: F401  (registers import_job, export_job, resume_stale_imports)
