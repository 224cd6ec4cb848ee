"""Domain errors rendered once as RFC 9457 problem+json with a stable code."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from huike.kit import context
from huike.kit.i18n import t

log = logging.getLogger("huike.errors")

PROBLEM = "application/problem+json"


class HuikeError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, code: str | None = None, status: int | None = None, /, *,
                 errors: list[dict[str, Any]] | None = None, **params: Any) -> None:
        # `code` and `status` are positional-only so that a message parameter may be called `code`
        # (e.g. Conflict("tenant_exists", code=...)).
        self.code = code or type(self).code
        self.status = status or type(self).status
        self.params = params
        self.errors = errors
        super().__init__(self.code)


class Unauthenticated(HuikeError):
    status, code = 401, "unauthenticated"


class Forbidden(HuikeError):
    status, code = 403, "forbidden"


class NotFound(HuikeError):
    status, code = 404, "not_found"


class Conflict(HuikeError):
    status, code = 409, "conflict"


class Invalid(HuikeError):
    status, code = 422, "validation_error"


class TooMany(HuikeError):
    status, code = 429, "too_many_attempts"


def problem(status: int, code: str, /, detail: str | None = None, *, errors: Any = None,
            headers: dict[str, str] | None = None, **params: Any) -> JSONResponse:
    ctx = context.current()
    body: dict[str, Any] = {
        "type": f"https://huike.dev/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "code": code,
        "detail": detail if detail is not None else t(code, **params),
        "request_id": ctx.request_id,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


_VALIDATION_ZH = {
    "missing": "必填", "string_too_short": "太短", "string_too_long": "太长", "int_parsing": "应为整数",
    "value_error": "格式不正确", "literal_error": "取值不在允许范围内", "enum": "取值不在允许范围内",
    "too_long": "数量过多", "too_short": "数量不足", "json_invalid": "不是合法的 JSON",
}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    lang = context.current().lang
    out = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path")]
        kind = str(e.get("type", "invalid"))
        msg = str(e.get("msg", "")) if lang == "en" else _VALIDATION_ZH.get(kind, "格式不正确")
        out.append({"field": ".".join(loc), "code": kind, "message": msg})
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(HuikeError)
    async def _huike(_req: Request, exc: HuikeError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem(exc.status, exc.code, errors=exc.errors, headers=headers, **exc.params)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        if any(e["code"] == "json_invalid" for e in errors):
            return problem(422, "invalid_json", errors=errors)
        return problem(422, "validation_error", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: "unauthenticated", 403: "forbidden", 404: "route_not_found",
                405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem(exc.status_code, code, detail=None if code != "http_error" else str(exc.detail),
                       headers=exc.headers)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(_req: Request, exc: Exception) -> JSONResponse:
        # A number beyond what the database stores (an id of 2**63 in a path, body, query or cursor):
        # SQLite's driver raises OverflowError, PostgreSQL numeric_value_out_of_range (22003).
        if isinstance(exc, OverflowError) or getattr(getattr(exc, "orig", None), "sqlstate", None) == "22003":
            return problem(422, "validation_error")
        return internal_error(exc)

    @app.exception_handler(IntegrityError)
    async def _integrity(_req: Request, exc: IntegrityError) -> JSONResponse:
        # A unique key taken by a concurrent writer between our check and our insert (the checks answer
        # the usual case with a precise code; this is the race): a 409, never a 500.
        orig = getattr(exc, "orig", None)
        if getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig):
            return problem(409, "duplicate_record")
        return internal_error(exc)

    @app.exception_handler(Exception)
    async def _unexpected(_req: Request, exc: Exception) -> JSONResponse:
        return internal_error(exc)


def internal_error(exc: BaseException) -> JSONResponse:
    """500 for an unexpected exception: logged with the trace and request id; the client gets neither
    the trace nor the message, only the request id to quote. `kit.web.RequestContextMiddleware` calls
    this inside the request context (Starlette runs `exception_handler(Exception)` outside every
    middleware, where the request id is already gone)."""
    ctx = context.current()
    log.exception("unexpected error (request %s)", ctx.request_id, exc_info=exc)
    return problem(500, "internal_error", request_id=ctx.request_id)
