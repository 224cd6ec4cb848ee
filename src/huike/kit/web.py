"""Request plumbing: request context, one database session per request committed by the route
after the handler (services never commit), and the authenticated actor."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from huike.kit import context
from huike.kit.errors import internal_error
from huike.kit.i18n import negotiate

SESSION_COOKIE = "huike_session"
CSRF_COOKIE = "huike_csrf"
CSRF_HEADER = "x-csrf-token"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        rid = headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        client = scope.get("client")
        ctx = context.RequestContext(request_id=rid, ip=client[0] if client else None,
                                     lang=negotiate(headers.get("accept-language")))
        token = context.bind(ctx)
        started = False

        async def send_with_id(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", rid.encode()))
                message["headers"].append((b"content-language", ctx.lang.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if started:
                raise
            await internal_error(exc)(scope, receive, send_with_id)
        finally:
            context.reset(token)


def get_db(request: Request) -> Session:
    s: Session = request.app.state.db.session()
    request.state.db = s
    return s


class UnitOfWorkRoute(APIRoute):
    """Commit the request's session after a successful handler, before the response leaves;
    roll back on any error. Nothing is half-applied."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            async with db_slots(request):
                try:
                    response = await handler(request)
                    s: Session | None = getattr(request.state, "db", None)
                    if s is not None:
                        if response.status_code < 400:
                            await run_in_threadpool(s.commit)
                        else:
                            await run_in_threadpool(s.rollback)
                    return response
                except BaseException:
                    s = getattr(request.state, "db", None)
                    if s is not None:
                        await run_in_threadpool(s.rollback)
                    raise
                finally:
                    s = getattr(request.state, "db", None)
                    if s is not None:
                        await run_in_threadpool(s.close)
                        request.state.db = None

        return run


def db_slots(request: Request) -> asyncio.Semaphore:
    """How many requests may work with the database at once (one semaphore per event loop).

    A request's transaction spans several thread-pool hops (dependencies, handler, commit, close),
    and between hops it gives its worker thread back. Were more requests let in than there are
    worker threads, the ones waiting for a lock (SQLite's write lock, a PostgreSQL row lock) or a
    pooled connection would hold every thread while the lock holder waits for a thread to commit
    on: a stall until the lock or pool timeout, then 500s. Waiting here, before the first hop,
    costs no thread, so the admitted requests always find one."""
    state = request.app.state
    loop = asyncio.get_running_loop()
    held = getattr(state, "db_slots", None)
    if held is None or held[0] is not loop:
        pool = state.db.engine.pool
        connections = pool.size() + max(getattr(pool, "_max_overflow", 0), 0) if hasattr(pool, "size") else 10
        threads = int(to_thread.current_default_thread_limiter().total_tokens)
        held = (loop, asyncio.Semaphore(max(1, min(connections, threads // 2))))
        state.db_slots = held
    return held[1]


DB = Annotated[Session, Depends(get_db)]
