"""Helpers of the import / export tests: files built in the test, upload, start, run the job."""

from __future__ import annotations

import csv
import io
import itertools
import os
import secrets
from typing import Any

import sqlalchemy as sa

from huike.customer.models import Customer, CustomerPhone

API = "/api/v1"
_n = itertools.count(secrets.randbelow(10**6) * 50 + os.getpid() % 1000)


def mobile() -> str:
    """A mobile number unique in this run (prefix 136, which the other test modules do not use)."""
    return f"136{(next(_n) * 7907) % 10**8:08d}"


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8-sig") -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet()
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    from datetime import date, datetime

    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, datetime | date):
                ws.write_datetime(r, c, v if isinstance(v, datetime) else datetime(v.year, v.month, v.day), date_fmt)
            elif v is None:
                continue
            else:
                ws.write(r, c, v)
    wb.close()
    return buf.getvalue()


def upload(client: Any, world: Any, data: bytes, name: str = "客户.csv", who: str = "admin") -> Any:
    return client.post(f"{API}/imports", headers=world.headers(who), files={"file": (name, data, "application/octet-stream")})


def start(client: Any, world: Any, job: dict[str, Any], who: str = "admin", **options: Any) -> Any:
    body = {"mapping": job["mapping"], "pool": "potential", "on_duplicate": "skip", **options}
    return client.post(f"{API}/imports/{job['id']}/start", headers=world.headers(who), json=body)


def run(world: Any, job_id: int) -> str:
    from huike.dataio.service.imports import run_job

    return run_job(world.db, world.tenant_id, job_id)


def import_file(client: Any, world: Any, data: bytes, name: str = "客户.csv", who: str = "admin",
                **options: Any) -> dict[str, Any]:
    """Upload, start with the automatic mapping, run the job: the finished job."""
    r = upload(client, world, data, name, who)
    assert r.status_code == 201, r.text
    job = r.json()
    r = start(client, world, job, who, **options)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"
    assert run(world, job["id"]) in ("done", "failed")
    r = client.get(f"{API}/imports/{job['id']}", headers=world.headers(who))
    assert r.status_code == 200, r.text
    return dict(r.json())


def customers_by_phone(world: Any, phones: list[str]) -> dict[str, Customer]:
    with world.db.transaction(world.tenant_id) as s:
        rows = s.execute(sa.select(CustomerPhone.phone, Customer).join(Customer, Customer.id == CustomerPhone.customer_id)
                         .where(CustomerPhone.phone.in_(phones))).all()
        return {p: c for p, c in rows}


def count_customers(world: Any) -> int:
    with world.db.transaction(world.tenant_id) as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(Customer)) or 0)


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes) -> list[list[Any]]:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [list(r) for r in wb.get_sheet_by_index(0).to_python()]
