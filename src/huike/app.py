"""The FastAPI application: API under /api/v1, the web UI for every other path."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.convertors import PathConvertor, register_url_convertor

from huike import __version__
from huike.attachment.endpoints import router as attachment_router
from huike.attachment.endpoints import upload_router as attachment_upload_router
from huike.audit.endpoints import router as audit_router
from huike.auth.endpoints import router as auth_router
from huike.config import Settings, get_settings
from huike.contact.endpoints import router as contact_router
from huike.customer.endpoints import router as customer_router
from huike.dataio.endpoints import router as dataio_router
from huike.dictionary.endpoints import router as dictionary_router
from huike.find.endpoints import router as find_router
from huike.followup.endpoints import router as followup_router
from huike.grading.endpoints import router as grading_router
from huike.kit import errors
from huike.kit.db import Database
from huike.kit.errors import problem
from huike.kit.web import RequestContextMiddleware
from huike.org.endpoints import router as org_router
from huike.pool.endpoints import router as pool_router
from huike.reminder.endpoints import router as reminder_router
from huike.sales.endpoints import router as sales_router
from huike.stats.endpoints import router as stats_router
from huike.task.endpoints import router as task_router
from huike.visit.endpoints import router as visit_router

log = logging.getLogger("huike")
STATIC = Path(__file__).resolve().parent / "web" / "static"


class _NotApiPath(PathConvertor):
    """Any path that is not /api or below it."""

    regex = r"(?!api(?:/|$)).*"


register_url_convertor("not_api", _NotApiPath())


def create_app(settings: Settings | None = None, *, database: Database | None = None,
               run_jobs: bool | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = database or Database(settings)
    in_process_jobs = (not settings.broker_url) if run_jobs is None else run_jobs

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from huike.worker import queue, tasks

        queue.configure(settings)
        tasks.bind_database(db)
        consumer = None
        if in_process_jobs:
            from huike.worker.queue import start_embedded

            consumer = start_embedded()
        try:
            yield
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
            if database is None:
                db.dispose()

    app = FastAPI(title="Huike 汇客 CRM", version=__version__, openapi_url="/api/openapi.json",
                  docs_url="/api/docs", redoc_url=None, lifespan=lifespan)
    app.state.db = db
    app.state.settings = settings
    app.add_middleware(RequestContextMiddleware)
    errors.install(app)

    api = APIRouter(prefix="/api/v1")
    api.include_router(auth_router)
    api.include_router(org_router)
    api.include_router(pool_router)  # before customers: /customers/recycle-soon, /customers/merge …
    api.include_router(grading_router)  # automatic customer grading (POOL-16)
    api.include_router(find_router)  # before customers: /customers/fields, /customers/count, /customers/views …
    api.include_router(customer_router)
    api.include_router(dictionary_router)
    api.include_router(audit_router)
    for work_router in (contact_router, followup_router, task_router, reminder_router, visit_router):  # WORK-3…9
        api.include_router(work_router)
    api.include_router(attachment_upload_router)  # files of follow-ups, visits, … (huike.attachment)
    api.include_router(attachment_router)
    api.include_router(dataio_router)  # imports and exports (IMP-1…7)
    api.include_router(sales_router)  # opportunities, orders, contracts, invoices, payments (SALES-1…7)
    api.include_router(stats_router)  # statistics and the work panel (SALES-8/9)
    app.include_router(api)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        from huike.find.schema import check_postgres

        try:
            with db.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
                # PostgreSQL with a non-UTF-8 LC_CTYPE: ready, but Chinese quick search cannot use its index
                warnings = check_postgres(conn)
        except Exception:
            log.exception("readiness check failed")
            return problem(503, "database_unavailable", detail="database unavailable")
        if warnings:
            log.warning("search: %s", "; ".join(warnings))
            return JSONResponse({"status": "ready", "warnings": warnings})
        return JSONResponse({"status": "ready"})

    static = Path(settings.static_dir) if settings.static_dir else STATIC
    if (static / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=static / "assets"), name="assets")

    # The web UI answers every GET outside /api; under /api the router itself answers an unknown path
    # with 404 `route_not_found` and a known path with the wrong method with 405 (see kit.errors).
    @app.get("/{rest:not_api}", include_in_schema=False)
    def spa(rest: str, request: Request) -> Response:
        candidate = (static / rest).resolve()
        if rest and candidate.is_file() and static.resolve() in candidate.parents:
            return FileResponse(candidate)
        index = static / "index.html"
        if index.is_file():
            return FileResponse(index, media_type="text/html; charset=utf-8",
                                headers={"Cache-Control": "no-cache"})
        return Response("<!doctype html><meta charset='utf-8'><title>汇客</title>"
                        "<p>Web UI not built: run <code>cd web && npm ci && npm run build</code>.</p>",
                        media_type="text/html; charset=utf-8", status_code=503)

    return app


def app_from_env() -> FastAPI:
    """The factory `huike serve` hands to uvicorn (one per worker process)."""
    import os

    logging.basicConfig(level=get_settings().log_level)
    run_jobs = None if os.environ.get("HUIKE_RUN_JOBS", "") == "" else os.environ["HUIKE_RUN_JOBS"] == "1"
    return create_app(run_jobs=run_jobs)
