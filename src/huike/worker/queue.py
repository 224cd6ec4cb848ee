"""Background jobs on Huey.

- Embedded default (no `HUIKE_BROKER_URL`): a `SqliteHuey` file under `./var/`; `huike serve` runs
  the consumer in-process (threads), and queued jobs survive a restart because they live in the file.
- Production (`HUIKE_BROKER_URL=redis://…`): a `RedisHuey`; `huike worker` runs separate consumers.
- Periodic jobs (`@huey.periodic_task`) are scheduled by the same consumer in both modes.
- Jobs asked for inside a database transaction are sent only after it commits (`enqueue_after_commit`),
  so a job never sees uncommitted data and a rolled-back request sends nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from huey.consumer import Consumer
from sqlalchemy import event
from sqlalchemy.orm import Session

from huike.config import Settings, get_settings

log = logging.getLogger("huike.worker")
PENDING = "huike_pending_jobs"


def build_huey(settings: Settings) -> Huey:
    if settings.broker_url:
        return RedisHuey("huike", url=settings.broker_url)
    Path(settings.jobs_path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("huike", filename=settings.jobs_path)


huey: Huey = build_huey(get_settings())
_target = (get_settings().broker_url, get_settings().jobs_path)


def configure(settings: Settings) -> None:
    """Point the queue at these settings (the app's in `create_app`, or a test's) instead of the
    process settings read at import. Tasks stay registered on the one `huey`; only its storage moves."""
    global _target
    target = (settings.broker_url, settings.jobs_path)
    if target != _target:
        fresh = build_huey(settings)
        huey.storage_class, huey.storage_kwargs = fresh.storage_class, fresh.storage_kwargs
        huey.storage = fresh.storage
        _target = target


def enqueue_after_commit(session: Session, task: TaskWrapper, *args: Any, **kwargs: Any) -> None:
    session.info.setdefault(PENDING, []).append((task, args, kwargs))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    jobs = session.info.pop(PENDING, [])
    for task, args, kwargs in jobs:
        try:
            task(*args, **kwargs)
        except Exception:  # the change is committed; a broker hiccup must not turn it into a 500
            log.exception("could not enqueue %s", getattr(task, "name", task))


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


class EmbeddedConsumer(Consumer):
    """A consumer that runs inside the web server's process: it leaves the server's signal
    handlers alone and is stopped by the server's lifespan."""

    def _set_signal_handlers(self) -> None:
        return None


def start_embedded(workers: int = 2) -> EmbeddedConsumer:
    import huike.worker.tasks  # noqa: F401  (registers tasks)

    consumer = EmbeddedConsumer(huey, workers=workers, worker_type="thread", periodic=True,
                                check_worker_health=False)
    consumer.start()
    return consumer
