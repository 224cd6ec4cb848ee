"""The PostgreSQL COPY path of CSV exports writes exactly the bytes of the Python path (IMP-6): every
system column and a custom field of every type, phones masked and unmasked, CJK, commas, quotes and
line breaks in values, formula-looking values, NULLs and empty strings, times around midnight in
Asia/Shanghai, numbers in every notation; through scope, pool, filter and search; and the row cap."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from huike.auth.service import load_actor
from huike.authz.actor import Actor
from huike.customer.models import Customer, CustomerPhone
from huike.dataio.service import export_copy, exports
from huike.find.filters import SYSTEM_FIELDS
from huike.find.schemas import Filter
from huike.org.models import Employee, Role
from huike.pool.models import WecomFriend
from tests.factories import password_hash
from tests.io_support import API, mobile, read_xlsx

FIELDS = [  # key, type, options, config
    ("t_text", "text", [], {}), ("t_long", "long_text", [], {}), ("t_num", "number", [], {}),
    ("t_money", "money", [], {}), ("t_date", "date", [], {}), ("t_time", "datetime", [], {}),
    ("t_single", "single", ["=危险", "普通", '说"是"'], {}), ("t_multi", "multi", ["甲", "乙,丙", "-负"], {}),
    ("t_phone", "phone", [], {}), ("t_email", "email", [], {}), ("t_region", "region", [], {}),
    ("t_emp", "employee", [], {}),
]


@pytest.fixture
def pg_only(world):  # type: ignore[no-untyped-def]
    if world.db.is_sqlite:
        pytest.skip("the COPY path is PostgreSQL's")


def _actor(world, employee_id: int) -> Actor:  # type: ignore[no-untyped-def]
    with world.db.transaction(world.tenant_id) as s:
        return load_actor(s, s.get_one(Employee, employee_id))


def _staff(world, name: str, permissions: list[str]) -> int:  # type: ignore[no-untyped-def]
    """An employee of a role of its own (company scope)."""
    with world.db.transaction(world.tenant_id) as s:
        role = Role(code=f"r{uuid.uuid4().hex[:8]}", name=f"导出{uuid.uuid4().hex[:4]}", data_scope="company",
                    kind="non_sales", permissions=permissions, is_builtin=False)
        s.add(role)
        s.flush()
        e = Employee(username=f"e{uuid.uuid4().hex[:8]}", name=name, password_hash=password_hash(),
                     department_id=world.units["east1"], role_id=role.id)
        s.add(e)
        s.flush()
        return e.id


def _both(world, actor: Actor, *, pool: str = "all", flt: dict | None = None, q: str | None = None,  # type: ignore[no-untyped-def]
          columns: list[str], fmt: str = "csv") -> tuple[bytes, bytes, int]:
    """The same export written by the Python path and by the COPY path: (python bytes, copy bytes, rows)."""
    with world.db.transaction(world.tenant_id) as s:
        job = exports.request(s, actor, pool=pool, flt=Filter.model_validate(flt) if flt else None, q=q,
                              columns=columns, fmt=fmt, enqueue=False)
        job_id = job.id
        path = exports.file_path(world.db.settings, job)
    n_py, capped_py, _ = exports.write_file(world.db, world.tenant_id, job_id, copy=False)
    by_python = path.read_bytes()
    n_copy, capped_copy, _ = exports.write_file(world.db, world.tenant_id, job_id, copy=True, bulk=False)
    by_copy = path.read_bytes()
    assert (n_py, capped_py) == (n_copy, capped_copy)
    # the set-based phones and tags of big lists: the same file
    assert exports.write_file(world.db, world.tenant_id, job_id, copy=True, bulk=True)[:2] == (n_copy, capped_copy)
    if fmt == "csv":
        assert path.read_bytes() == by_copy
    else:
        assert read_xlsx(path.read_bytes()) == read_xlsx(by_copy)
    return by_python, by_copy, n_copy


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_copy_path_writes_the_python_paths_bytes(client, world, pg_only):  # type: ignore[no-untyped-def]
    h = world.headers("admin")
    for key, type_, options, config in FIELDS:
        r = client.post(f"{API}/settings/custom-fields", headers=h, json={
            "key": key, "label": f"字段{key}", "type": type_, "options": options, "config": config})
        assert r.status_code == 201, r.text
    mark = f"拷贝{uuid.uuid4().hex[:6]}"
    evil = _staff(world, "=负责人", ["customer.view", "customer.export", "customer.phone_full"])
    masked = _staff(world, "脱敏导出", ["customer.view", "customer.export"])
    midnight = datetime(2024, 1, 1, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Shanghai
    after = datetime(2024, 1, 1, 16, 0, 0, 123, tzinfo=UTC)  # 00:00:00.000123 the next day
    ids = [
        world.customer(name=f"{mark}甲", owner="sales_east1", company='东方,"公司"', remark="第一行\n第二行\r\n第三行",
                       address="=1+1", wechat="+86 微信", email="-x@example.com", source="抖音", region="浙江/杭州",
                       external_id="@ext", created_at=midnight, last_followup_at=after, assigned_at=after,
                       last_call_at=midnight, last_call_status="connected", locked=True, acquired_via="assigned",
                       tags=["已加微信", '说"好"', "=公式标签", "价格,敏感"], collaborators=("sales_east1b", "sales_south1"),
                       custom_fields={"t_text": "\t制表开头", "t_long": "多行\n文本,带逗号", "t_num": "1.5",
                                      "t_money": "-12.50", "t_date": "2024-02-29", "t_time": "2024-01-01T23:59:59",
                                      "t_single": "=危险", "t_multi": ["乙,丙", "甲", "-负"], "t_phone": "+14155552671",
                                      "t_email": "a@example.com", "t_region": "上海", "t_emp": world.staff["sales_east1"]}),
        world.customer(name=f"{mark}乙", pool="public", company="", remark=None, created_at=after, wechat="\r回车",
                       custom_fields={"t_num": "0.000001", "t_money": "1234.50", "t_time": "2024-06-30T12:00:00.5+08:00",
                                      "t_text": "普通"}),
        world.customer(name=f"{mark}丙", pool="won", owner="sales_south1", won_at=after, created_at=midnight,
                       custom_fields={"t_num": "1234567890123456.5", "t_multi": ["甲"], "t_long": "-"}),
        world.customer(name=f"{mark}丁", owner="sales_east1", custom_fields={"t_num": "-2000000000000000.1"}),
        world.customer(name=f"{mark}戊", owner="sales_east1", custom_fields={"t_num": "100", "t_money": "0.00"}),
        world.customer(name=f'{mark}"引号",逗号', pool="potential", dept="east2", blacklisted=False,
                       last_call_status="not_connected", custom_fields={"t_num": "-0.25"}),
    ]
    with world.db.transaction(world.tenant_id) as s:
        c = s.get_one(Customer, ids[0])
        c.owner_id = evil
        c.created_by_id = evil
        s.add_all([CustomerPhone(customer_id=ids[0], phone="13800138000", position=1),
                   CustomerPhone(customer_id=ids[0], phone="+14155552671", position=2),
                   CustomerPhone(customer_id=ids[1], phone="01088886666", position=1),
                   WecomFriend(customer_id=ids[0], employee_id=world.staff["sales_south1"]),
                   WecomFriend(customer_id=ids[0], employee_id=evil)])
    columns = [f.key for f in SYSTEM_FIELDS if f.listable] + [f"cf.{k}" for k, *_ in FIELDS]
    full_actor, masked_actor = _actor(world, world.staff["admin"]), _actor(world, masked)
    for actor in (full_actor, masked_actor):
        by_python, by_copy, n = _both(world, actor, q=mark, columns=columns)
        assert n == 6
        assert by_copy == by_python
        rows = _rows(by_copy)
        assert len(rows) == 7 and rows[0][0] == "客户名称"
        first = next(r for r in rows if r[0] == f"{mark}甲")
        cell = dict(zip(columns, first, strict=True))
        assert cell["company"] == '东方,"公司"' and cell["remark"] == "第一行\n第二行\r\n第三行"
        assert cell["address"] == "'=1+1" and cell["wechat"] == "'+86 微信" and cell["email"] == "'-x@example.com"
        assert cell["owner"] == "'=负责人" and cell["created_by"] == "'=负责人"
        assert cell["created_at"] == "2024-01-01 23:59:59" and cell["last_followup_at"] == "2024-01-02 00:00:00.000123"
        assert cell["tags"] == '=公式标签,价格,敏感,已加微信,说"好"'.replace("=", "'=", 1)
        assert cell["cf.t_multi"] == "甲,乙,丙,-负" and cell["cf.t_single"] == "'=危险"
        assert cell["cf.t_num"] == "1.5" and cell["cf.t_money"] == "'-12.50" and cell["cf.t_time"] == "2024-01-01T15:59:59+00:00"
        assert cell["locked"] == "是" and cell["blacklisted"] == "否" and cell["customer_type"] == "分配客户"
        if actor is masked_actor:
            assert "****" in cell["phones"] and "138****8000" in cell["phones"]
        else:
            assert cell["phones"].endswith(",13800138000,+14155552671") and "*" not in cell["phones"]
        numbers = sorted(r[columns.index("cf.t_num")] for r in rows[1:])
        assert numbers == sorted(["1.5", "1e-06", "1234567890123456.5", "-2000000000000000.0", "100", "-0.25"])
    # a filter (bound datetime and list parameters), a pool, and a pool + filter with no rows
    flt = {"conditions": [{"field": "created_at", "op": "gte", "value": "2024-01-02"},
                          {"field": "pool", "op": "any_of", "value": ["public", "won", "following"]}]}
    by_python, by_copy, n = _both(world, full_actor, flt=flt, q=mark, columns=columns)
    assert by_copy == by_python and n == 3  # 乙 (00:00:00.000123 on the 2nd), 丁, 戊; not 丙 (23:59:59)
    by_python, by_copy, n = _both(world, masked_actor, pool="public", q=mark, columns=["name", "phones", "cf.t_money"])
    assert by_copy == by_python and n == 1 and "010****6666\"" in by_copy.decode()
    by_python, by_copy, n = _both(world, full_actor, pool="to_assign", q=mark, columns=["name", "phones"])
    assert by_copy == by_python and n == 0 and _rows(by_copy) == [["客户名称", "电话"]]
    # xlsx: PostgreSQL writes the sheet's XML; the cells read back as those of the Python path (XlsxWriter)
    for actor in (full_actor, masked_actor):
        by_python, by_copy, n = _both(world, actor, q=mark, columns=columns, fmt="xlsx")
        assert n == 6
        _same_sheet(read_xlsx(by_python), read_xlsx(by_copy))
        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(by_copy), read_only=True).active
        assert [c.value for c in next(sheet.iter_rows(max_row=1))][:2] == ["客户名称", "客户编号"]
    by_python, by_copy, n = _both(world, masked_actor, pool="public", q=mark, columns=["phones"], fmt="xlsx")
    got = read_xlsx(by_copy)
    assert n == 1 and got == read_xlsx(by_python) and got[1][0].endswith(",010****6666") and got[1][0][3:7] == "****"


def _same_sheet(a: list[list], b: list[list]) -> None:  # type: ignore[type-arg]
    """Equal cells; date-times within a millisecond and numbers within 1e-15 relative (XlsxWriter writes
    16 significant digits, PostgreSQL the shortest round-trip form)."""
    assert len(a) == len(b) and a[0] == b[0]
    for ra, rb in zip(a[1:], b[1:], strict=True):
        assert len(ra) == len(rb), (ra, rb)
        for x, y in zip(ra, rb, strict=True):
            if isinstance(x, datetime) and isinstance(y, datetime):
                assert abs((x - y).total_seconds()) < 0.001, (x, y)
            elif isinstance(x, int | float) and isinstance(y, int | float) and not isinstance(x, bool):
                assert abs(x - y) <= abs(x) * 1e-15, (x, y)
            else:
                assert x == y, (ra, rb)


def test_copy_path_cap_progress_and_audit(client, world, pg_only):  # type: ignore[no-untyped-def]
    mark = f"拷上限{uuid.uuid4().hex[:6]}"
    for i in range(9):
        world.customer(name=f"{mark}{i}", owner="sales_east1", phone=mobile())
    h = world.headers("admin")
    assert client.patch(f"{API}/settings/io", headers=h, json={"export_row_cap": 7}).status_code == 200
    r = client.post(f"{API}/exports", headers=h, json={"pool": "all", "q": mark, "columns": ["name", "phones"],
                                                       "format": "csv"})
    assert r.status_code == 202
    job_id = r.json()["id"]
    assert exports.run_job(world.db, world.tenant_id, job_id) == "done"
    job = client.get(f"{API}/exports/{job_id}", headers=h).json()
    assert job["rows"] == 7 and job["capped"] is True
    data = client.get(f"{API}/exports/{job_id}/file", headers=h).content
    rows = _rows(data)
    assert len(rows) == 8 and [r[0] for r in rows[1:]] == [f"{mark}{i}" for i in range(7)]
    assert data.count(b"\r\n") == 8
    from huike.audit.models import AuditEntry

    with world.db.transaction(world.tenant_id) as s:
        entry = s.scalars(sa.select(AuditEntry).where(AuditEntry.action == "customer.export",
                                                      AuditEntry.target_id == str(job_id))).one()
    assert entry.after["rows"] == 7 and entry.after["capped"] is True and entry.after["q"] == mark
    # exactly the cap: not capped
    assert client.patch(f"{API}/settings/io", headers=h, json={"export_row_cap": 9}).status_code == 200
    r = client.post(f"{API}/exports", headers=h, json={"pool": "all", "q": mark, "columns": ["name", "phones"],
                                                       "format": "csv"})
    assert exports.run_job(world.db, world.tenant_id, r.json()["id"]) == "done"
    job = client.get(f"{API}/exports/{r.json()['id']}", headers=h).json()
    assert job["rows"] == 9 and job["capped"] is False


def test_number_cells_match_python(world, pg_only):  # type: ignore[no-untyped-def]
    """`str(int)` / `repr(float)` of many numerics against PostgreSQL's rendering of the same values."""
    values = ["0.1", "0.000001", "0.00001", "0.0001", "123456.789012", "-0.5", "1e15", "999999999999999.9",
              "1000000000000000.1", "1234567890123456.5", "2000000000000000.1", "9999999999999999.5",
              "12345678901234567.8", "99999999999999999", "-7", "3.000000", "0.3333333", "1.1", "2.675"]
    sql = ", ".join(export_copy._py_number(f"CAST('{v}' AS numeric)", f"CAST('{v}' AS numeric)::float8::text") for v in values)
    with world.db.transaction(world.tenant_id) as s:
        s.execute(sa.text("SET LOCAL extra_float_digits = 1"))
        got = list(s.execute(sa.text(f"SELECT {sql}")).one())
    want = []
    for v in values:
        d = Decimal(v)
        want.append(str(int(d)) if d == d.to_integral_value() else repr(float(d)))
    assert got == want
