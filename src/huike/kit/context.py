"""Per-request context: request id, client address, language, actor."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    lang: str = "zh-CN"


_ctx: ContextVar[RequestContext | None] = ContextVar("huike_request_ctx", default=None)


def current() -> RequestContext:
    ctx = _ctx.get()
    return ctx if ctx is not None else RequestContext()


def bind(ctx: RequestContext) -> object:
    return _ctx.set(ctx)


def reset(token: object) -> None:
    _ctx.reset(token)  # type: ignore[arg-type]
