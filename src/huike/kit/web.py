"""Request plumbing: request context, one database session per request committed by the route
after the handler (services never commit), and the authenticated actor."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from huike.kit import context
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

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", rid.encode()))
                message["headers"].append((b"content-language", ctx.lang.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
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


DB = Annotated[Session, Depends(get_db)]
