"""Attachments (附件) of follow-ups and return-visit records, through the API on SQLite and PostgreSQL:
files are stored under the var directory per tenant, typed by their content, limited in size, and
answer only to those who see the record's customer (404 for everyone else, other tenants included)."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from huike.attachment import storage
from huike.attachment.models import Attachment
from huike.audit.models import AuditEntry
from tests.work_support import API, ok, problem

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", (2026, 1, 1, 0, 0, 0)), "<Types/>")
        z.writestr(zipfile.ZipInfo("word/document.xml", (2026, 1, 1, 0, 0, 0)), "<w:document/>")
    return buf.getvalue()


DOCX = _docx()


@pytest.fixture
def settings_of(app):  # type: ignore[no-untyped-def]
    return app.state.settings


def followup(client, world, who="sales_east1", owner="sales_east1"):
    cid = world.customer(owner=owner)
    f = ok(client.post(f"{API}/customers/{cid}/followups", headers=world.headers(who),
                       json={"content": "发了报价单"}), 201)
    return cid, f["id"]


def upload(client, headers, record_id, name, data, kind="followup", content_type="application/octet-stream"):
    return client.post(f"{API}/attachments", headers=headers, params={"record_kind": kind, "record_id": record_id},
                       files={"file": (name, data, content_type)})


def tenant_files(settings, world) -> list[Path]:
    base = storage.root(settings) / str(world.tenant_id)
    return sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []


def test_upload_list_download_delete(client, world, settings_of):
    cid, fid = followup(client, world)
    h = world.headers("sales_east1")
    # the browser's content type is ignored: the bytes say PNG
    a = ok(upload(client, h, fid, "现场照片.png", PNG, content_type="text/html"), 201)
    assert a["content_type"] == "image/png" and a["size"] == len(PNG)
    assert a["sha256"] == hashlib.sha256(PNG).hexdigest() and a["customer_id"] == cid
    assert a["uploaded_by_id"] == world.staff["sales_east1"] and a["can_delete"] is True
    doc = ok(upload(client, h, fid, "方案", DOCX), 201)  # no extension: the content names it
    assert doc["filename"] == "方案.docx" and doc["content_type"].endswith("wordprocessingml.document")
    txt = ok(upload(client, h, fid, "..\\..\\纪要.txt", "会议纪要：客户要求下周报价".encode()), 201)
    assert txt["filename"] == "纪要.txt" and txt["content_type"] == "text/plain"
    pdf = ok(upload(client, h, fid, "报价单.PDF", PDF), 201)
    assert pdf["content_type"] == "application/pdf"

    listed = ok(client.get(f"{API}/attachments", params={"record_kind": "followup", "record_id": fid}, headers=h))
    assert [x["filename"] for x in listed["items"]] == ["现场照片.png", "方案.docx", "纪要.txt", "报价单.PDF"]
    assert listed["max_bytes"] == settings_of.attachment_max_bytes and ".pdf" in listed["accept"]
    # the follow-up carries its files too
    page = ok(client.get(f"{API}/customers/{cid}/followups", headers=h))
    assert [x["id"] for x in page["items"][0]["files"]] == [x["id"] for x in listed["items"]]

    r = client.get(a["download_url"], headers=h)
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"] == f"attachment; filename*=utf-8''{quote('现场照片.png')}"
    # stored under the var directory, per tenant, never in the source tree
    files = tenant_files(settings_of, world)
    assert len(files) == 4 and all(ROOT / "src" not in p.parents for p in files)
    assert {p.read_bytes() for p in files} == {PNG, DOCX, "会议纪要：客户要求下周报价".encode(), PDF}

    assert client.delete(f"{API}/attachments/{a['id']}", headers=h).status_code == 204
    assert len(tenant_files(settings_of, world)) == 3
    problem(client.get(a["download_url"], headers=h), 404, "not_found")
    with world.db.transaction(world.tenant_id) as s:
        actions = list(s.scalars(sa.select(AuditEntry.action).where(AuditEntry.target_type == "attachment")
                                 .order_by(AuditEntry.id)))
    assert actions == ["attachment.create"] * 4 + ["attachment.delete"]


def test_scope_and_tenant_wall_on_every_route(client, world, other_world):
    _, fid = followup(client, world)
    a = ok(upload(client, world.headers("sales_east1"), fid, "a.png", PNG), 201)
    listing = {"record_kind": "followup", "record_id": fid}
    for headers in (world.headers("sales_east1b"), world.headers("sales_south1"), world.headers("manager_south1"),
                    other_world.headers("admin")):
        problem(client.get(f"{API}/attachments", params=listing, headers=headers), 404, "not_found")
        problem(client.get(a["download_url"], headers=headers), 404, "not_found")
        problem(client.delete(f"{API}/attachments/{a['id']}", headers=headers), 404, "not_found")
        problem(upload(client, headers, fid, "b.png", PNG), 404, "not_found")
    # the other tenant's own follow-up ids do not reach this tenant's files either
    ocid = other_world.customer(owner="sales_east1")
    of = ok(client.post(f"{API}/customers/{ocid}/followups", headers=other_world.headers("sales_east1"),
                        json={"content": "x"}), 201)
    assert ok(client.get(f"{API}/attachments", params={"record_kind": "followup", "record_id": of["id"]},
                         headers=other_world.headers("sales_east1")))["items"] == []
    # the department manager sees and downloads, but only the author adds and only uploader/admin delete
    m = world.headers("manager_east1")
    listed = ok(client.get(f"{API}/attachments", params=listing, headers=m))["items"]
    assert [x["can_delete"] for x in listed] == [False]
    assert client.get(a["download_url"], headers=m).content == PNG
    problem(upload(client, m, fid, "c.png", PNG), 403, "not_author")
    problem(client.delete(f"{API}/attachments/{a['id']}", headers=m), 403, "not_uploader")
    assert client.delete(f"{API}/attachments/{a['id']}", headers=world.headers("admin")).status_code == 204
    # no follow-up of that id at all, an unknown record kind
    problem(upload(client, world.headers("admin"), 2_000_000_000, "a.png", PNG), 404, "not_found")
    problem(upload(client, world.headers("admin"), fid, "a.png", PNG, kind="nothing"), 422,
            "attachment_kind_unknown")
    problem(client.post(f"{API}/attachments", headers=world.headers("admin"), params=listing), 422, "validation_error")


@pytest.mark.parametrize("name, data, status, code", [
    ("脚本.exe", b"MZ\x90\x00" + b"\x00" * 100, 415, "attachment_type_not_allowed"),
    ("page.html", b"<html><script>alert(1)</script></html>", 415, "attachment_type_not_allowed"),
    ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", 415,
     "attachment_type_not_allowed"),
    ("报价单.pdf", PNG, 415, "attachment_type_mismatch"),  # the name lies about the content
    ("图片.png", PDF, 415, "attachment_type_mismatch"),
    ("archive.zip", b"PK\x03\x04" + b"\x00" * 40, 415, "attachment_type_not_allowed"),
    ("空.txt", b"", 422, "attachment_empty"),
    ("二进制.txt", b"abc\x00\x01\x02", 415, "attachment_type_not_allowed"),
])
def test_refused_files_leave_nothing(client, world, settings_of, name, data, status, code):
    _, fid = followup(client, world)
    before = tenant_files(settings_of, world)
    problem(upload(client, world.headers("sales_east1"), fid, name, data), status, code)
    assert tenant_files(settings_of, world) == before
    with world.db.transaction(world.tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_size_limit_by_length_and_while_streaming(client, world, settings_of, monkeypatch):
    _, fid = followup(client, world)
    h = world.headers("sales_east1")
    monkeypatch.setattr(settings_of, "attachment_max_bytes", 4096)
    ok(upload(client, h, fid, "ok.png", PNG + b"\x00" * (4096 - len(PNG))), 201)
    # far over: refused by its Content-Length before the body is read
    body = problem(upload(client, h, fid, "big.png", PNG + b"\x00" * 100_000), 413, "attachment_too_large")
    assert "0.00390625 MB" in body["detail"]
    # just over the limit (within the multipart allowance): refused while copying, nothing kept
    problem(upload(client, h, fid, "big.png", PNG + b"\x00" * (4097 - len(PNG))), 413, "attachment_too_large")

    # a chunked body without Content-Length is cut off while it streams in
    boundary = uuid.uuid4().hex

    def chunks():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.png\"\r\n"
               "Content-Type: image/png\r\n\r\n").encode()
        yield PNG[:8]
        for _ in range(200):
            yield b"\x00" * 1024
        yield f"\r\n--{boundary}--\r\n".encode()

    r = client.post(f"{API}/attachments", params={"record_kind": "followup", "record_id": fid},
                    headers={**h, "Content-Type": f"multipart/form-data; boundary={boundary}"}, content=chunks())
    problem(r, 413, "attachment_too_large")
    assert len(tenant_files(settings_of, world)) == 1
    with world.db.transaction(world.tenant_id) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 1


def test_visit_records_take_files_and_merge_moves_them(client, world):
    cid = world.customer(owner="sales_east1")
    h = world.headers("sales_east1")
    rec = ok(client.post(f"{API}/customers/{cid}/visit-records", headers=h,
                         json={"content": "上门回访", "satisfaction": "satisfied"}), 201)
    a = ok(upload(client, h, rec["id"], "签到.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, kind="visit_record"), 201)
    assert a["content_type"] == "image/jpeg"
    problem(upload(client, world.headers("manager_east1"), rec["id"], "x.jpg", b"\xff\xd8\xff\xe0",
                   kind="visit_record"), 403, "not_visitor")
    # merged into another customer: the file follows and stays visible through the master
    master = world.customer(owner="sales_east1")
    ok(client.post(f"{API}/customers/merge", headers=h, json={"master_id": master, "duplicate_ids": [cid]}))
    listed = ok(client.get(f"{API}/attachments", params={"record_kind": "visit_record", "record_id": rec["id"]},
                           headers=h))["items"]
    assert [(x["id"], x["customer_id"]) for x in listed] == [(a["id"], master)]


def test_at_most_twenty_per_record(client, world, settings_of):
    _, fid = followup(client, world)
    h = world.headers("sales_east1")
    for i in range(20):
        ok(upload(client, h, fid, f"{i}.txt", f"第 {i} 份".encode()), 201)
    problem(upload(client, h, fid, "21.txt", b"one more"), 409, "attachment_limit")
    assert len(tenant_files(settings_of, world)) == 20


def _customer_with_files(client, world):
    """A customer with a file on a follow-up and one on a return-visit record; returns (id, attachment ids)."""
    cid, fid = followup(client, world)
    h = world.headers("sales_east1")
    rec = ok(client.post(f"{API}/customers/{cid}/visit-records", headers=h,
                         json={"content": "上门回访", "satisfaction": "satisfied"}), 201)
    a = ok(upload(client, h, fid, "报价单.pdf", PDF), 201)
    b = ok(upload(client, h, rec["id"], "签到.png", PNG, kind="visit_record"), 201)
    return cid, [a["id"], b["id"]]


def _keys(world, ids) -> dict[int, str]:
    with world.db.transaction(world.tenant_id) as s:
        return dict(s.execute(sa.select(Attachment.id, Attachment.storage_key).where(Attachment.id.in_(ids))).all())


def test_purge_takes_the_customers_files_along(client, world, settings_of):
    gone, gone_files = _customer_with_files(client, world)
    kept, kept_files = _customer_with_files(client, world)
    paths = {i: storage.path_of(settings_of, k) for i, k in _keys(world, gone_files + kept_files).items()}
    assert all(p.is_file() for p in paths.values())
    admin = world.headers("admin")
    for cid in (gone, kept):
        assert ok(client.post(f"{API}/customers/bulk/delete", headers=admin, json={"ids": [cid]}))["succeeded"] == 1
    # in the recycle bin the files are still there (a restore brings everything back)
    assert all(p.is_file() for p in paths.values())
    assert ok(client.post(f"{API}/customers/bulk/purge", headers=admin, json={"ids": [gone]}))["succeeded"] == 1

    assert _keys(world, gone_files) == {} and set(_keys(world, kept_files)) == set(kept_files)
    assert not any(paths[i].exists() for i in gone_files)
    assert all(paths[i].is_file() for i in kept_files)
    for a in gone_files:
        problem(client.get(f"{API}/attachments/{a}/download", headers=admin), 404, "not_found")
    assert client.get(f"{API}/attachments/{kept_files[0]}/download", headers=admin).content == PDF
    audit = ok(client.get(f"{API}/audit", params={"action": "customer.purge"}, headers=admin))["items"][0]
    assert audit["after"] == {"count": 1, "attachments": 2}


def test_a_purge_rolled_back_keeps_rows_and_files(client, world, settings_of):
    from huike.pool import moves

    cid, files = _customer_with_files(client, world)
    assert ok(client.post(f"{API}/customers/bulk/delete", headers=world.headers("admin"),
                          json={"ids": [cid]}))["succeeded"] == 1
    paths = [storage.path_of(settings_of, k) for k in _keys(world, files).values()]

    class Boom(Exception):
        pass

    with pytest.raises(Boom), world.db.transaction(world.tenant_id) as s:
        assert moves.purge(s, None, [cid], settings=settings_of) == 1
        raise Boom  # e.g. a later step of the same request fails: everything rolls back
    assert set(_keys(world, files)) == set(files) and all(p.is_file() for p in paths)

    # the retention job (no actor) purges it with its files once it is old enough
    with world.db.transaction(world.tenant_id) as s:
        assert moves.purge(s, None, older_than_days=0, settings=settings_of) == 1
    assert _keys(world, files) == {} and not any(p.exists() for p in paths)


def test_visit_records_carry_their_files(client, world):
    cid = world.customer(owner="sales_east1")
    h = world.headers("sales_east1")
    rec = ok(client.post(f"{API}/customers/{cid}/visit-records", headers=h,
                         json={"content": "电话回访", "satisfaction": "neutral"}), 201)
    assert rec["files"] == []
    a = ok(upload(client, h, rec["id"], "回访纪要.txt", "客户满意".encode(), kind="visit_record"), 201)
    page = ok(client.get(f"{API}/customers/{cid}/visit-records", headers=h))
    assert [[f["id"] for f in r["files"]] for r in page["items"]] == [[a["id"]]]
    assert page["items"][0]["files"][0]["can_delete"] is True
    listed = ok(client.get(f"{API}/visit-records", headers=world.headers("manager_east1")))["items"]
    mine = next(r for r in listed if r["id"] == rec["id"])
    assert [(f["filename"], f["can_delete"]) for f in mine["files"]] == [("回访纪要.txt", False)]
    # outside the scope: the record is not listed at all, so neither are its files
    other = ok(client.get(f"{API}/visit-records", headers=world.headers("sales_south1")))["items"]
    assert rec["id"] not in [r["id"] for r in other]
