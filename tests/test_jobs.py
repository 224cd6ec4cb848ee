"""Background jobs on Huey: in-process (SQLite queue file) and with separate workers on Redis."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from huey import SqliteHuey
from starlette.testclient import TestClient

from huike.auth.models import AuthSession
from huike.kit.models import utcnow
from huike.worker import queue, tasks
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent


def _sessions(db, world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Four sessions of the world's admin: two ended long ago, one ended recently, one alive."""
    now = utcnow()
    emp = world.staff["admin"]
    rows = {
        "revoked_long_ago": AuthSession(employee_id=emp, token_hash=os.urandom(16).hex(), csrf_token="x",
                                        expires_at=now + timedelta(hours=1), revoked_at=now - timedelta(days=30)),
        "expired_long_ago": AuthSession(employee_id=emp, token_hash=os.urandom(16).hex(), csrf_token="x",
                                        expires_at=now - timedelta(days=20)),
        "revoked_yesterday": AuthSession(employee_id=emp, token_hash=os.urandom(16).hex(), csrf_token="x",
                                         expires_at=now + timedelta(hours=1), revoked_at=now - timedelta(days=1)),
        "alive": AuthSession(employee_id=emp, token_hash=os.urandom(16).hex(), csrf_token="x",
                             expires_at=now + timedelta(hours=1)),
    }
    with db.transaction(world.tenant_id) as s:
        s.add_all(rows.values())
        s.flush()
        return {k: v.id for k, v in rows.items()}


def _remaining(db, world, ids: dict[str, int]) -> set[str]:  # type: ignore[no-untyped-def]
    with db.transaction(world.tenant_id) as s:
        left = set(s.scalars(sa.select(AuthSession.id).where(AuthSession.id.in_(ids.values()))))
    return {k for k, v in ids.items() if v in left}


def _wait_until(check, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


@pytest.fixture
def jobs_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The test settings with a queue file of this test's own; restores the queue afterwards."""
    mine = settings.model_copy(update={"jobs_path": str(tmp_path / "jobs.db"), "broker_url": ""})
    yield mine
    queue.configure(settings)


# ------------------------------------------------------------------ (a) in-process, SQLite queue
def test_in_process_consumer_runs_jobs(jobs_settings, db, world, other_world):
    from huike.app import create_app

    ids = _sessions(db, world)
    theirs = _sessions(db, other_world)
    app = create_app(jobs_settings, database=db, run_jobs=True)
    with TestClient(app, raise_server_exceptions=False):
        assert Path(jobs_settings.jobs_path).exists()  # the app's queue file, not the import-time one
        result = tasks.purge_sessions(world.tenant_id)
        assert result.get(blocking=True, timeout=15) == 2
        assert _remaining(db, world, ids) == {"revoked_yesterday", "alive"}
        # the job worked in its tenant only
        assert _remaining(db, other_world, theirs) == set(theirs)
        # a job with arguments
        assert tasks.purge_sessions(other_world.tenant_id, keep_days=0).get(blocking=True, timeout=15) == 3
        assert _remaining(db, other_world, theirs) == {"alive"}


def test_enqueue_after_commit(jobs_settings, db, world):
    queue.configure(jobs_settings)
    q = queue.huey
    assert q.pending_count() == 0
    # rolled back: never sent
    s = db.session(world.tenant_id)
    s.execute(sa.select(AuthSession.id).limit(1))
    queue.enqueue_after_commit(s, tasks.purge_sessions, world.tenant_id)
    assert q.pending_count() == 0
    s.rollback()
    s.close()
    assert q.pending_count() == 0
    # an error inside a unit of work: never sent either
    with pytest.raises(RuntimeError), db.transaction(world.tenant_id) as s:
        s.execute(sa.select(AuthSession.id).limit(1))
        queue.enqueue_after_commit(s, tasks.purge_sessions, world.tenant_id)
        raise RuntimeError("boom")
    assert q.pending_count() == 0
    # committed: sent exactly once, and only after the commit
    with db.transaction(world.tenant_id) as s:
        s.execute(sa.select(AuthSession.id).limit(1))
        queue.enqueue_after_commit(s, tasks.purge_sessions, world.tenant_id, keep_days=3)
        queue.enqueue_after_commit(s, tasks.purge_sessions, world.tenant_id, keep_days=4)
        assert q.pending_count() == 0
    assert q.pending_count() == 2
    assert [(t.name, t.args, t.kwargs) for t in q.pending()] == [
        ("purge_sessions", (world.tenant_id,), {"keep_days": 3}),
        ("purge_sessions", (world.tenant_id,), {"keep_days": 4})]
    # a later commit of the same session does not send them again
    s = db.session(world.tenant_id)
    s.execute(sa.select(AuthSession.id).limit(1))
    s.commit()
    s.close()
    assert q.pending_count() == 2
    q.flush()


def test_queued_job_survives_a_restart(jobs_settings, db, world):
    """Queued while no consumer runs (the server is down), executed by the next one."""
    from huike.app import create_app

    ids = _sessions(db, world)
    queue.configure(jobs_settings)
    with db.transaction(world.tenant_id) as s:
        s.execute(sa.select(AuthSession.id).limit(1))
        queue.enqueue_after_commit(s, tasks.purge_sessions, world.tenant_id)
    # it is on disk, not in memory: a fresh queue on the same file sees it
    assert SqliteHuey("huike", filename=jobs_settings.jobs_path).pending_count() == 1
    time.sleep(0.2)
    assert _remaining(db, world, ids) == set(ids)  # nobody ran it
    app = create_app(jobs_settings, database=db, run_jobs=True)
    with TestClient(app, raise_server_exceptions=False):
        assert _wait_until(lambda: _remaining(db, world, ids) == {"revoked_yesterday", "alive"})
        assert _wait_until(lambda: queue.huey.pending_count() == 0)


def test_no_consumer_without_run_jobs(jobs_settings, db, world):
    from huike.app import create_app

    ids = _sessions(db, world)
    app = create_app(jobs_settings, database=db, run_jobs=False)
    with TestClient(app, raise_server_exceptions=False):
        tasks.purge_sessions(world.tenant_id)
        time.sleep(0.5)
        assert _remaining(db, world, ids) == set(ids)
        assert queue.huey.pending_count() == 1
    queue.huey.flush()


def test_periodic_housekeeping_is_registered():
    from huey.api import PeriodicTask

    assert isinstance(tasks.hourly_housekeeping.task_class(), PeriodicTask)
    due = {t.name for t in queue.huey.read_periodic(datetime(2026, 1, 1, 3, 17))}
    assert "hourly_housekeeping" in due
    assert "hourly_housekeeping" not in {t.name for t in queue.huey.read_periodic(datetime(2026, 1, 1, 3, 18))}
    # purge_sessions is an ordinary task, not periodic
    assert not isinstance(tasks.purge_sessions.task_class(), PeriodicTask)


def test_housekeeping_purges_every_tenant(db, world, other_world, monkeypatch):
    from huike.auth.models import LoginFailure

    a, b = _sessions(db, world), _sessions(db, other_world)
    with db.transaction() as s:
        s.add(LoginFailure(account="x:old", ip="203.0.113.9", at=utcnow() - timedelta(days=2)))
        s.add(LoginFailure(account="x:new", ip="203.0.113.9", at=utcnow()))
    tasks.bind_database(db)
    # run it and the jobs it sends inline, in this process
    monkeypatch.setattr(tasks, "purge_sessions", tasks.purge_sessions.call_local)
    tasks.hourly_housekeeping.call_local()
    assert _remaining(db, world, a) == {"revoked_yesterday", "alive"}
    assert _remaining(db, other_world, b) == {"revoked_yesterday", "alive"}
    with db.transaction() as s:
        left = set(s.scalars(sa.select(LoginFailure.account).where(LoginFailure.ip == "203.0.113.9")))
    assert left == {"x:new"}


# ------------------------------------------------------------------ (b) Redis broker, separate worker
REDIS_URL = os.environ.get("HUIKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():  # type: ignore[no-untyped-def]
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        if IN_CI:
            pytest.fail(f"CI=true but Redis at {REDIS_URL} is unreachable: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


def _huike_command() -> list[str]:
    script = Path(sys.executable).parent / "huike"
    return [str(script)] if script.exists() else [shutil.which("huike") or "huike"]


def test_redis_worker_runs_jobs(redis_url, database_url, db, world, tmp_path):
    ids = _sessions(db, world)
    env = {**os.environ, "HUIKE_BROKER_URL": redis_url, "HUIKE_DATABASE_URL": database_url,
           "HUIKE_SECRET_KEY": "test-secret", "HUIKE_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen([*_huike_command(), "worker", "--workers", "1"], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        script = ("from huike.worker.tasks import purge_sessions\n"
                  "from huike.worker.queue import huey\n"
                  "assert type(huey).__name__ == 'RedisHuey', type(huey)\n"
                  f"print(purge_sessions({world.tenant_id}).get(blocking=True, timeout=30))")
        enqueue = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                                 timeout=60, check=False)
        assert enqueue.returncode == 0, (enqueue.stdout, enqueue.stderr, log.read_text())
        assert enqueue.stdout.strip() == "2", (enqueue.stdout, log.read_text())
        assert _remaining(db, world, ids) == {"revoked_yesterday", "alive"}
        assert worker.poll() is None, log.read_text()
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGINT)  # graceful stop
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    text = log.read_text()
    assert "purge_sessions" in text, text
    assert "Traceback" not in text, text


def test_worker_refuses_without_broker(database_url):
    from typer.testing import CliRunner

    from huike.cli import app
    from huike.config import get_settings

    env = {"HUIKE_BROKER_URL": "", "HUIKE_DATABASE_URL": database_url}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["worker"])
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()
    assert r.exit_code == 1
    assert "HUIKE_BROKER_URL" in r.output
