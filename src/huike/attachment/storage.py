"""Where attachment bytes live and what they are.

Files sit under the var directory, per tenant: `<var>/attachments/<tenant id>/<xx>/<random key>` (the
name the user gave is only metadata, never part of a path). A file is written to a temporary name,
hashed and counted on the way, then moved into place; it is removed again if the request's transaction
rolls back, and a deleted attachment's file goes only once the deletion has committed.

The type comes from the content (magic bytes, the parts of an Office zip), never from the name or the
browser's Content-Type; the name's extension must agree with it. Only an allow-list of image and
document types is accepted."""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import event
from sqlalchemy.orm import Session

from huike.config import Settings
from huike.kit.errors import HuikeError, Invalid

log = logging.getLogger("huike.attachment")

CHUNK = 256 * 1024
NEW_FILES = "huike.attachment.new_files"
DOOMED_FILES = "huike.attachment.doomed_files"

OOXML = "application/vnd.openxmlformats-officedocument."
# content type -> the file name extensions it may carry (the first one is added to a name without one)
ALLOWED: dict[str, tuple[str, ...]] = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/heic": (".heic", ".heif"),
    "application/pdf": (".pdf",),
    OOXML + "wordprocessingml.document": (".docx",),
    OOXML + "spreadsheetml.sheet": (".xlsx",),
    OOXML + "presentationml.presentation": (".pptx",),
    "application/msword": (".doc",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.ms-powerpoint": (".ppt",),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
}
OLE2 = {".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint"}
ACCEPT = sorted({ext for exts in ALLOWED.values() for ext in exts})


class TooLarge(HuikeError):
    status, code = 413, "attachment_too_large"


class TypeNotAllowed(HuikeError):
    status, code = 415, "attachment_type_not_allowed"


def root(settings: Settings) -> Path:
    """The var directory (HUIKE_VAR_DIR; empty = the directory of the job store, as for imports)."""
    base = Path(settings.var_dir) if settings.var_dir else Path(settings.jobs_path).resolve().parent
    return base / "attachments"


def path_of(settings: Settings, storage_key: str) -> Path:
    base = root(settings).resolve()
    path = (base / storage_key).resolve()
    if base not in path.parents:  # keys are made here, but never trust a path
        raise ValueError(f"storage key outside the attachment root: {storage_key!r}")
    return path


def clean_filename(raw: str | None) -> str:
    """The user's file name as metadata: last path segment, no control characters, at most 200."""
    name = unicodedata.normalize("NFC", str(raw or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".").strip()
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext[:20])] + ext[:20]
    return name or "file"


@dataclass
class Stored:
    storage_key: str
    path: Path
    size: int
    sha256: str


def write(s: Session, settings: Settings, tenant_id: int, stream: BinaryIO) -> Stored:
    """Copy the upload into the tenant's directory (size-limited, hashed). Removed again on rollback."""
    limit = settings.attachment_max_bytes
    key = uuid.uuid4().hex
    storage_key = f"{int(tenant_id)}/{key[:2]}/{key}"
    final = path_of(settings, storage_key)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{key}.part")
    digest = hashlib.sha256()
    size = 0
    try:
        with open(tmp, "xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(max_mb=_mb(limit))
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Invalid("attachment_empty")
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _remove_on_rollback(s, final)
    return Stored(storage_key, final, size, digest.hexdigest())


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g}"


def sniff(path: Path, filename: str) -> tuple[str, str]:
    """(content type, file name) from the bytes; the name gets the type's extension when it has none.
    Raises 415 for a type outside the allow-list or a name whose extension disagrees with the content."""
    ext = os.path.splitext(filename)[1].lower()
    with open(path, "rb") as f:
        head = f.read(64 * 1024)
    kind = _binary_type(head, path, ext)
    if kind is None and ext in ("", ".txt", ".csv") and _is_text(head):
        kind = "text/csv" if ext == ".csv" else "text/plain"
    if kind is None:
        raise TypeNotAllowed(ext=ext or "?")
    exts = ALLOWED[kind]
    if not ext:
        return kind, filename + exts[0]
    if ext not in exts:
        raise HuikeError("attachment_type_mismatch", 415, ext=ext, kind=exts[0])
    return kind, filename


def _binary_type(head: bytes, path: Path, ext: str) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"heim", b"heis"):
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: legacy Word / Excel / PowerPoint
        if ext in OLE2:
            return OLE2[ext]
        raise TypeNotAllowed(ext=ext or "?")
    if head.startswith(b"PK\x03\x04"):
        return _office_zip(path)
    return None


def _office_zip(path: Path) -> str | None:
    """An Office Open XML file by its parts (the central directory only; nothing is unpacked)."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist()[:5000])
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return OOXML + "wordprocessingml.document"
    if "xl/workbook.xml" in names:
        return OOXML + "spreadsheetml.sheet"
    if "ppt/presentation.xml" in names:
        return OOXML + "presentationml.presentation"
    return None


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:  # not final: the sample may end inside a multi-byte character
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


# ------------------------------------------------------------------ the files follow the transaction
def _remove_on_rollback(s: Session, path: Path) -> None:
    s.info.setdefault(NEW_FILES, []).append(path)


def remove_after_commit(s: Session, storage_key: str, settings: Settings) -> None:
    s.info.setdefault(DOOMED_FILES, []).append(path_of(settings, storage_key))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(NEW_FILES, None)
    for path in session.info.pop(DOOMED_FILES, []):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove attachment file %s", path, exc_info=True)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(DOOMED_FILES, None)
    for path in session.info.pop(NEW_FILES, []):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove attachment file %s", path, exc_info=True)
