"""Files of imports and exports: where they live, how an upload is checked before anything parses it
(type sniffing, zip-bomb and XML-entity checks, encodings, CSV quoting), streaming readers and writers.

Every file sits under the var directory, per tenant: `<var>/io/<tenant id>/imports/<job id>/` and
`<var>/io/<tenant id>/exports/<job id>/`; never inside the source tree."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from huike.config import Settings
from huike.kit.errors import HuikeError, Invalid

# Zip checks for .xlsx (a zip of XML parts): a real workbook of a million rows unpacks to a few
# hundred MB at ratios of 5–50; bombs pack gigabytes at ratios in the thousands.
MAX_UNPACKED = 1024 * 1024 * 1024
MAX_RATIO = 200
RATIO_MIN_SIZE = 8 * 1024 * 1024  # small parts may compress as well as they like
MAX_ENTRIES = 5000
FORBIDDEN_XML = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
CSV_FIELD_LIMIT = 1024 * 1024


class FileRejected(Invalid):
    """An upload refused before any row is read (422, or 413 for the size)."""


def var_root(settings: Settings) -> Path:
    return Path(settings.var_dir) if settings.var_dir else Path(settings.jobs_path).resolve().parent


def job_dir(settings: Settings, tenant_id: int, kind: str, job_id: int) -> Path:
    path = var_root(settings) / "io" / str(int(tenant_id)) / kind / str(int(job_id))
    path.mkdir(parents=True, exist_ok=True)
    return path


# ====================================================================== progress (read by GET while running)
def write_progress(directory: Path, **values: Any) -> None:
    tmp = directory / f".progress.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(values))
    os.replace(tmp, directory / "progress.json")


def read_progress(directory: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((directory / "progress.json").read_text()))
    except (OSError, ValueError):
        return {}


def progress_age(directory: Path, now: float) -> float | None:
    try:
        return now - (directory / "progress.json").stat().st_mtime
    except OSError:
        return None


# ====================================================================== checking an upload
@dataclass
class Checked:
    format: str  # csv / xlsx
    encoding: str | None


def sniff(path: Path, filename: str) -> Checked:
    """The file's real type, checked against its name; hostile content refused. Raises FileRejected."""
    size = path.stat().st_size
    if size == 0:
        raise FileRejected("file_empty")
    ext = Path(filename).suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(8192)
    is_zip = head.startswith(b"PK\x03\x04")
    if ext == ".xlsx":
        if not is_zip:
            raise FileRejected("file_type_mismatch", name=filename)
        check_xlsx(path)
        return Checked("xlsx", None)
    if ext in (".csv", ".txt"):
        if is_zip or head.startswith((b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\x7fELF", b"\x1f\x8b")):
            raise FileRejected("file_type_mismatch", name=filename)
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise FileRejected("file_type_mismatch", name=filename)
        return Checked("csv", detect_encoding(path))
    raise FileRejected("file_type_mismatch", name=filename)


def check_xlsx(path: Path) -> None:
    """A zip whose parts are XML without DOCTYPE / ENTITY declarations, within size and ratio caps.
    The declared sizes are not trusted: each part is inflated (in pieces) and counted."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRejected("file_unreadable") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise FileRejected("file_unreadable")
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise FileRejected("file_type_mismatch", name=path.name)
        declared = sum(i.file_size for i in infos)
        if declared > MAX_UNPACKED:
            raise FileRejected("file_unreadable")
        total = 0
        for info in infos:
            if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise FileRejected("file_unreadable")
            if info.flag_bits & 0x1:  # encrypted
                raise FileRejected("file_unreadable")
            xml = info.filename.endswith((".xml", ".rels", ".vml"))
            got = 0
            tail = b""
            try:
                with zf.open(info) as part:
                    while True:
                        chunk = part.read(1 << 20)
                        if not chunk:
                            break
                        got += len(chunk)
                        total += len(chunk)
                        if got > info.file_size or total > MAX_UNPACKED:
                            raise FileRejected("file_unreadable")
                        if xml:
                            if got == len(chunk) and (chunk.startswith((b"\xff\xfe", b"\xfe\xff"))
                                                      or b"\x00" in chunk[:200]):
                                raise FileRejected("file_unreadable")  # UTF-16 parts would hide a DOCTYPE
                            if FORBIDDEN_XML.search(tail + chunk):
                                raise FileRejected("file_unreadable")
                            tail = chunk[-32:]
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
                raise FileRejected("file_unreadable") from None
        # the workbook part itself must be plain, well-formed XML (defusedxml refuses DTDs and entities)
        import defusedxml.ElementTree as DET
        from defusedxml import DefusedXmlException

        try:
            DET.fromstring(zf.read("xl/workbook.xml"), forbid_dtd=True)
        except (DefusedXmlException, DET.ParseError, ValueError):
            raise FileRejected("file_unreadable") from None


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as UTF-8, else GB18030 (a superset of
    GBK and GB2312); a file that is neither is refused."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    else:
        enc = "utf-8"
    for candidate in (enc, "gb18030") if enc == "utf-8" else (enc,):
        decoder = codecs.getincrementaldecoder(candidate)(errors="strict")
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return candidate
        except UnicodeDecodeError:
            continue
    raise FileRejected("file_unreadable")


# ====================================================================== reading rows
def _csv_reader(fh: IO[str]) -> Iterator[list[str]]:
    csv.field_size_limit(CSV_FIELD_LIMIT)
    return csv.reader(fh, strict=True)


def open_text(path: Path, encoding: str | None) -> IO[str]:
    return path.open("r", encoding=encoding or "utf-8-sig", newline="")


def iter_rows(path: Path, fmt: str, encoding: str | None, info: dict[str, Any] | None = None
              ) -> Iterator[list[Any]]:
    """Every row of the file (the first sheet of a workbook) as a list of raw cells: strings for CSV;
    str / float / int / bool / date / datetime / time for xlsx (empty cells are "")."""
    if fmt == "csv":
        with open_text(path, encoding) as fh:
            try:
                yield from _csv_reader(fh)
            except csv.Error as exc:
                raise FileRejected("file_unreadable", reason=str(exc)) from None
        return
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
        sheet = wb.get_sheet_by_index(0)
        rows = sheet.iter_rows()
        if info is not None:
            info["height"] = int(sheet.total_height)
    except Exception:  # noqa: BLE001 - calamine raises its own error types for broken workbooks
        raise FileRejected("file_unreadable") from None
    try:
        yield from rows
    finally:
        wb.close()


def row_estimate(path: Path, fmt: str) -> int | None:
    if fmt == "csv":
        n = 0
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                n += chunk.count(b"\n")
        return n
    try:
        import python_calamine as pc

        wb = pc.CalamineWorkbook.from_path(str(path))
        try:
            return int(wb.get_sheet_by_index(0).total_height)
        finally:
            wb.close()
    except Exception:  # noqa: BLE001
        return None


def validate_csv(path: Path, encoding: str | None) -> int:
    """Parse the whole CSV once at upload (strict quoting): the number of rows, or FileRejected."""
    n = 0
    with open_text(path, encoding) as fh:
        try:
            for _ in _csv_reader(fh):
                n += 1
        except csv.Error as exc:
            raise FileRejected("file_unreadable", reason=str(exc)) from None
    return n


def cell_text(value: Any) -> str:
    """A raw cell as the text the import rules read: integral floats without ".0" (phones typed as
    numbers), dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


# ====================================================================== writing
UNSAFE_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """Spreadsheet formula injection (CSV/xlsx): text starting with = + - @ tab or CR gets a leading
    apostrophe so Excel / WPS show it as text instead of running it."""
    if isinstance(value, str) and value.startswith(UNSAFE_START):
        return "'" + value
    return value


class Writer:
    """Rows to a CSV (UTF-8 with BOM, which Excel opens correctly) or an xlsx (XlsxWriter in
    constant-memory mode: rows are flushed as they are written)."""

    def __init__(self, path: Path, fmt: str, headers: list[str], *, sheet: str = "Sheet1") -> None:
        self.fmt = fmt
        self.path = path
        self.row = 0
        if fmt == "csv":
            self._fh: IO[str] = path.open("w", encoding="utf-8-sig", newline="")
            self._csv = csv.writer(self._fh)
        else:
            import xlsxwriter

            self._wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                                       "strings_to_formulas": False, "strings_to_urls": False})
            self._ws = self._wb.add_worksheet(sheet)
            self._date = self._wb.add_format({"num_format": "yyyy-mm-dd"})
            self._time = self._wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
            self._head = self._wb.add_format({"bold": True})
        self.write(headers, header=True)

    def write(self, values: list[Any], *, header: bool = False) -> None:
        if self.fmt == "csv":
            self._csv.writerow(["" if v is None else v for v in values])
        else:
            ws = self._ws
            r = self.row
            for c, v in enumerate(values):
                if v is None or v == "":
                    continue
                if header:
                    ws.write_string(r, c, str(v), self._head)
                elif isinstance(v, str):
                    ws.write_string(r, c, v)
                elif isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                elif isinstance(v, int | float):
                    ws.write_number(r, c, v)
                elif isinstance(v, datetime):
                    ws.write_datetime(r, c, v.replace(tzinfo=None), self._time)
                elif isinstance(v, date):
                    ws.write_datetime(r, c, datetime.combine(v, time.min), self._date)
                else:
                    ws.write_string(r, c, str(v))
        self.row += 1

    def raw_csv(self) -> IO[bytes]:
        """The CSV file's byte stream after the BOM and the header (the COPY path writes rows
        PostgreSQL made)."""
        assert self.fmt == "csv"
        self._fh.flush()
        return self._fh.buffer

    def write_many(self, rows: list[list[Any]]) -> None:
        if self.fmt == "csv":
            self._csv.writerows(rows)
            self.row += len(rows)
        else:
            for r in rows:
                self.write(r)

    def close(self) -> None:
        if self.fmt == "csv":
            self._fh.close()
        else:
            self._wb.close()


def read_upload_stream(src: IO[bytes], dest: Path, limit: int) -> int:
    """Copy an upload to disk, refusing it (413) as soon as it passes the limit."""
    size = 0
    with dest.open("wb") as out:
        while chunk := src.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                dest.unlink(missing_ok=True)
                raise HuikeError("file_too_large", 413, max_mb=limit // (1024 * 1024))
            out.write(chunk)
    return size


def bytes_io(data: bytes) -> IO[bytes]:
    return io.BytesIO(data)
