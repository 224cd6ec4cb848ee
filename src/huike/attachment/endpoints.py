"""Attachments (附件) of records: follow-ups, return-visit records (and later modules' records).

`POST /attachments?record_kind=followup&record_id=…` with a multipart field `file`; `GET /attachments?…`
lists a record's files; `GET /attachments/{id}/download` sends one (Content-Disposition: attachment,
nosniff); `DELETE /attachments/{id}`. Every route answers 404 for a record outside the caller's scope."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException

from huike.attachment import service, storage
from huike.attachment.schemas import AttachmentList, AttachmentRead
from huike.auth.deps import CurrentActor
from huike.config import Settings
from huike.kit.errors import NotFound
from huike.kit.web import DB, UnitOfWorkRoute

MULTIPART_OVERHEAD = 64 * 1024
KIND = Query(min_length=1, max_length=30, pattern=r"^[a-z_]+$", description="followup, visit_record, …")


class _BodyTooLarge(HTTPException):
    """Raised while the body is read; FastAPI passes HTTPExceptions through its body parsing."""

    def __init__(self) -> None:
        super().__init__(413)


class UploadRoute(UnitOfWorkRoute):
    """Refuse an upload bigger than the attachment limit before it is spooled: by Content-Length when
    given, else while the body streams in (413 `attachment_too_large`)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            settings: Settings = request.app.state.settings
            limit = settings.attachment_max_bytes + MULTIPART_OVERHEAD
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise storage.TooLarge(max_mb=f"{settings.attachment_max_bytes / 1024 / 1024:g}")
            receive = request.receive
            seen = 0

            async def counted() -> Any:
                nonlocal seen
                message = await receive()
                if message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > limit:
                        raise _BodyTooLarge()
                return message

            try:
                return await handler(Request(request.scope, counted, request._send))
            except _BodyTooLarge:
                raise storage.TooLarge(max_mb=f"{settings.attachment_max_bytes / 1024 / 1024:g}") from None

        return run


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


AppSettings = Annotated[Settings, Depends(_settings)]

router = APIRouter(route_class=UnitOfWorkRoute, tags=["attachments"])
upload_router = APIRouter(route_class=UploadRoute, tags=["attachments"])


@upload_router.post("/attachments", response_model=AttachmentRead, status_code=201)
def upload(actor: CurrentActor, db: DB, settings: AppSettings, file: Annotated[UploadFile, File()],
           record_kind: str = KIND, record_id: int = Query(ge=1)) -> AttachmentRead:
    """Attach a file (images, PDF, Office documents, text) to a record the caller may write. The type is
    sniffed from the content; 413 `attachment_too_large`, 415 `attachment_type_not_allowed` /
    `attachment_type_mismatch`, 422 `attachment_empty`, 409 `attachment_limit` (20 per record)."""
    a = service.upload(db, actor, settings, record_kind, record_id, file.filename, file.file)
    return service.read_many(db, actor, [a])[0]


@router.get("/attachments", response_model=AttachmentList)
def list_attachments(actor: CurrentActor, db: DB, settings: AppSettings, record_kind: str = KIND,
                     record_id: int = Query(ge=1)) -> AttachmentList:
    rows = service.list_for(db, actor, record_kind, record_id)
    return AttachmentList(items=service.read_many(db, actor, rows), max_bytes=settings.attachment_max_bytes,
                          accept=storage.ACCEPT)


@router.get("/attachments/{attachment_id}/download", response_class=FileResponse,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download(attachment_id: int, actor: CurrentActor, db: DB, settings: AppSettings) -> FileResponse:
    """The file, as a download (never rendered by the browser)."""
    a = service.get(db, actor, attachment_id)
    path = storage.path_of(settings, a.storage_key)
    if not path.is_file():
        raise NotFound("attachment_file_missing")
    return FileResponse(path, media_type=a.content_type, filename=a.filename, content_disposition_type="attachment",
                        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
                                 "Content-Security-Policy": "default-src 'none'; sandbox"})


@router.delete("/attachments/{attachment_id}", status_code=204)
def delete(attachment_id: int, actor: CurrentActor, db: DB, settings: AppSettings) -> Response:
    """The uploader, or a role with customer.delete; the file goes once the deletion has committed."""
    service.delete(db, actor, settings, attachment_id)
    return Response(status_code=204)
