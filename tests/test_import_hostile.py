"""Hostile uploads: each a clear 4xx problem within 2 s, nothing stored, nothing imported."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from huike.dataio.models import ImportJob
from tests.io_support import API, count_customers, csv_bytes, mobile, upload, xlsx_bytes


def _bomb() -> bytes:
    """A valid-looking workbook whose sheet inflates to 256 MB of zeros (a few MB packed)."""
    real = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["手机号"], ["13800138000"]])))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in real.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                z.writestr(info.filename, real.read(info.filename))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            block = b"\0" * (1 << 24)
            for _ in range(16):
                part.write(block)
    return buf.getvalue()


def _lying_sizes() -> bytes:
    """A small declared size in the header but a large inflated part: counted, not trusted."""
    real = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["手机号"], ["13800138000"]])))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in real.infolist():
            data = real.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                data = data + b"<!-- " + b"x" * 5_000_000 + b" -->"
            z.writestr(info.filename, data)
    raw = bytearray(buf.getvalue())
    # rewrite the central-directory uncompressed size of sharedStrings.xml to 10 bytes
    name = b"xl/sharedStrings.xml"
    pos = 0
    while True:
        pos = raw.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        n = int.from_bytes(raw[pos + 28:pos + 30], "little")
        if raw[pos + 46:pos + 46 + n] == name:
            raw[pos + 24:pos + 28] = (10).to_bytes(4, "little")
        pos += 4
    return bytes(raw)


def _xxe() -> bytes:
    real = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["手机号"], ["13800138000"]])))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in real.infolist():
            data = real.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', 1)
                data = data.replace(b"13800138000", b"&xxe;")
            z.writestr(info.filename, data)
    return buf.getvalue()


def _billion_laughs() -> bytes:
    real = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["手机号"], ["x"]])))
    buf = io.BytesIO()
    lol = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in real.infolist():
            data = real.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b"?>", b"?>" + lol, 1)
            z.writestr(info.filename, data)
    return buf.getvalue()


CASES = {
    "zip_bomb": (_bomb, "客户.xlsx", 422, "file_unreadable"),
    "lying_zip_sizes": (_lying_sizes, "客户.xlsx", 422, "file_unreadable"),
    "xxe": (_xxe, "客户.xlsx", 422, "file_unreadable"),
    "billion_laughs": (_billion_laughs, "客户.xlsx", 422, "file_unreadable"),
    "csv_named_xlsx": (lambda: csv_bytes([["手机号"], ["13800138000"]]), "客户.xlsx", 422, "file_type_mismatch"),
    "xlsx_named_csv": (lambda: xlsx_bytes([["手机号"], ["13800138000"]]), "客户.csv", 422, "file_type_mismatch"),
    "png_named_csv": (lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "客户.csv", 422, "file_type_mismatch"),
    "docx_named_xlsx": (lambda: _zip({"word/document.xml": b"<w/>"}), "客户.xlsx", 422, "file_type_mismatch"),
    "exe_extension": (lambda: b"MZ\x90\x00", "客户.exe", 422, "file_type_mismatch"),
    "not_a_zip": (lambda: b"PK\x03\x04garbage" * 10, "客户.xlsx", 422, "file_unreadable"),
    "empty": (lambda: b"", "客户.csv", 422, "file_empty"),
    "blank_lines": (lambda: b"\r\n\r\n,,\r\n", "客户.csv", 422, "file_empty"),
    "header_only": (lambda: csv_bytes([["手机号", "客户名称"]]), "客户.csv", 422, "file_empty"),
    "no_header": (lambda: csv_bytes([["13800138000", "张三"], ["13900139000", "李四"]]), "客户.csv", 422,
                  "no_header_row"),
    "broken_quoting": (lambda: "手机号,客户名称\n13800138000,\"张三\n13900139000,李四\n".encode(), "客户.csv", 422,
                       "file_unreadable"),
    "junk_after_quote": (lambda: "手机号,客户名称\n13800138000,\"张三\"x\n".encode(), "客户.csv", 422,
                         "file_unreadable"),
    "not_text": (lambda: bytes(range(128, 256)) * 50, "客户.csv", 422, "file_unreadable"),
}


def assert_quick(t0: float, c0: float) -> None:
    """Within 2 s: wall time, or — on a machine loaded far beyond its CPUs (shared CI / developer boxes) —
    the CPU time this process spent (the server runs in-process)."""
    import os

    wall, cpu = time.monotonic() - t0, time.process_time() - c0
    overloaded = os.getloadavg()[0] > 2 * (os.cpu_count() or 1)
    assert wall < 2.0 or (overloaded and cpu < 2.0), (wall, cpu)


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in parts.items():
            z.writestr(k, v)
    return buf.getvalue()


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file_is_refused_quickly(client, world, case):
    make, name, status, code = CASES[case]
    data = make()
    before = count_customers(world)
    t0, c0 = time.monotonic(), time.process_time()
    r = upload(client, world, data, name)
    assert_quick(t0, c0)
    assert r.status_code == status, (case, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code, (case, r.json())
    assert count_customers(world) == before
    with world.db.transaction(world.tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ImportJob)) == 0
    from huike.dataio.files import var_root

    tenant_dir = var_root(world.db.settings) / "io" / str(world.tenant_id) / "imports"
    assert not tenant_dir.exists() or not any(p.is_file() for p in Path(tenant_dir).rglob("*")), case


def test_over_the_size_limit_is_413(world, db, settings):
    from huike.app import create_app
    from huike.config import Settings
    from tests.helpers import client_from

    small = Settings(**{**settings.model_dump(), "import_max_bytes": 2048})
    app = create_app(small, database=db, run_jobs=False)
    big = csv_bytes([["手机号", "备注"], *[[mobile(), "x" * 100] for _ in range(100)]])
    with client_from(app) as c:
        t0, c0 = time.monotonic(), time.process_time()
        r = upload(c, world, big)
        assert r.status_code == 413 and r.json()["code"] == "file_too_large", r.text
        assert_quick(t0, c0)
        # a small file still goes through
        assert upload(c, world, csv_bytes([["手机号"], [mobile()]])).status_code == 201


def test_missing_file_field_and_other_bodies(client, world):
    h = world.headers("admin")
    r = client.post(f"{API}/imports", headers=h, json={"file": "x"})
    assert r.status_code == 422 and r.json()["code"] == "file_empty"
    r = client.post(f"{API}/imports", headers=h, files={"other": ("a.csv", b"x")})
    assert r.status_code == 422 and r.json()["code"] == "file_empty"


def test_a_failing_job_leaves_nothing_and_says_why(client, world):
    """A file that vanished between upload and run: the job fails with a reason, nothing imported."""
    from huike.dataio.service.imports import source_path
    from tests.io_support import run, start

    job = upload(client, world, csv_bytes([["手机号"], [mobile()]])).json()
    start(client, world, job)
    with world.db.transaction(world.tenant_id) as s:
        source_path(world.db.settings, s.get_one(ImportJob, job["id"])).unlink()
    assert run(world, job["id"]) == "failed"
    got = client.get(f"{API}/imports/{job['id']}", headers=world.headers("admin")).json()
    assert got["status"] == "failed" and got["error"]["code"] == "import_file_missing" and got["created"] == 0
    assert count_customers(world) == 0
