"""Import and export at scale (issue 5, IMP-6/7): one command, every figure with its ratio to the bar.

    uv run python bench/import_bench.py                                   # PostgreSQL: 1,000,000 preloaded,
                                                                          # 100,000 imported; SQLite 100,000
    uv run python bench/import_bench.py --preload 100000 --rows 20000     # a quick run
    uv run python bench/import_bench.py --backend postgres                # postgres | sqlite | both

PostgreSQL: one tenant preloaded with --preload customers by bench/find_bench.py's generator (COPY,
indexes rebuilt, ANALYZE). Then, each in a fresh child process (peak RSS of that process):
- CSV import of --rows new customers (name, phone, company, source, industry, 1–2 tags, remark) through
  the service the API and the job use (upload check + the all-or-nothing job), against a raw
  `COPY customers (...) FROM STDIN` of the same rows into the same table (rolled back). Bar: import
  speed ≥ 70 % of COPY's; xlsx import ≥ 50 %; peak RSS ≤ 500 MB.
- CSV export of the tenant (pool all, 8 columns) through the export job, against
  `COPY (SELECT the same plain columns ...) TO STDOUT` (≥ 50 %); xlsx export ≤ 4 × the CSV export;
  peak RSS ≤ 300 MB. --python-export also runs both through the row-by-row Python path (the COPY
  path's "before"); --skip-import measures the exports only.
SQLite: --rows xlsx import and export (figures only, no reference).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

os.environ.setdefault("HUIKE_SECRET_KEY", "bench")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from huike.config import Settings
from huike.kit.db import Database
from huike.kit.migrate import upgrade

DEFAULT_PG = os.environ.get("HUIKE_BENCH_POSTGRES_URL") or os.environ.get("HUIKE_TEST_POSTGRES_URL") \
    or "postgresql+psycopg://postgres@127.0.0.1/postgres"
HEADER = ["客户名称", "手机号", "公司名称", "来源", "行业", "标签", "备注"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英建华志国庆晓东海燕俊子涵浩然欣怡思远雨桐梓轩一鸣佳琪文博嘉宇航晨曦"
SOURCES = ["百度推广", "抖音", "官网咨询", "400电话", "展会", "地推", "企业微信", "转介绍"]
INDUSTRIES = ["教育培训", "金融服务", "房产家居", "制造业", "电商零售", "医疗健康", "企业服务", "餐饮酒店"]
TAGS = ["已加微信", "价格敏感", "老板决策", "需回访", "竞品用户", "预算充足"]
EXPORT_COLUMNS = ["name", "phones", "company", "source", "industry", "owner", "tags", "created_at"]


def rows_for(n: int, prefix: str, seed: int) -> list[list[Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        phone = prefix + f"{(i * 7_368_787 + 1_234_567) % 10**8:08d}"
        tags = ",".join(rng.sample(TAGS, rng.randint(1, 2)))
        out.append([rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), phone,
                    f"{rng.choice(['杭州', '上海', '深圳', '成都'])}{rng.choice(['云帆', '启明', '华信'])}科技有限公司",
                    rng.choice(SOURCES), rng.choice(INDUSTRIES), tags, f"导入压测 {i}"])
    return out


def write_csv(path: Path, rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)


def write_xlsx(path: Path, rows: list[list[Any]]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, HEADER)
    for r, row in enumerate(rows, 1):
        ws.write_row(r, 0, row)
    wb.close()


# ====================================================================== children (own process, own peak RSS)
def child(kind: str, params: dict[str, Any]) -> None:
    settings = Settings(database_url=params["url"], secret_key="bench", jobs_path=params["jobs_path"])
    db = Database(settings)
    from huike.dataio.cli import _actor

    tid, actor = _actor(db, params["code"], None)
    t0 = time.perf_counter()
    out: dict[str, Any] = {}
    if kind == "import":
        from huike.dataio.service import imports

        with db.transaction(tid) as s, open(params["file"], "rb") as fh:
            job, _, _ = imports.upload(s, actor, settings, Path(params["file"]).name, fh)
            imports.start(s, actor, job.id, imports.StartOptions(mapping=dict(job.mapping), pool="potential",
                                                                 on_duplicate="skip", save_mapping=False),
                          enqueue=False)
            job_id = job.id
        out["upload_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        status = imports.run_job(db, tid, job_id)
        out["job_s"] = time.perf_counter() - t1
        with db.transaction(tid) as s:
            from huike.dataio.models import ImportJob

            job = s.get_one(ImportJob, job_id)
            out.update(status=status, created=job.created, failed=job.failed, error=job.error)
    else:
        from huike.dataio.service import exports

        with db.transaction(tid) as s:
            job = exports.request(s, actor, pool="all", flt=None, q=None, columns=EXPORT_COLUMNS, fmt=params["fmt"],
                                  enqueue=False)
            job_id = job.id
        status = exports.run_job(db, tid, job_id, copy=params.get("copy"))
        with db.transaction(tid) as s:
            from huike.dataio.models import ExportJob

            job = s.get_one(ExportJob, job_id)
            out.update(status=status, rows=job.rows, error=job.error,
                       size_mb=exports.file_path(settings, job).stat().st_size / 1e6)
    out["seconds"] = time.perf_counter() - t0
    out["rss_mb"] = peak_rss_mb()
    print("RESULT " + json.dumps(out, default=str))


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM: unlike ru_maxrss it is not inherited across fork + exec)."""
    try:
        for ln in Path("/proc/self/status").read_text().splitlines():
            if ln.startswith("VmHWM:"):
                return int(ln.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(kind: str, **params: Any) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, json.dumps(params)], capture_output=True,
                          text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    raise RuntimeError(f"{kind} child failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


# ====================================================================== references (PostgreSQL)
def copy_in(url: str, tenant_id: int, rows: list[list[Any]]) -> float:
    """Raw COPY of the same rows into customers (owner connection, no RLS), rolled back."""
    engine = sa.create_engine(url)
    raw = engine.raw_connection()
    conn = raw.driver_connection
    now = datetime.now().astimezone()
    t0 = time.perf_counter()
    sql = ("COPY customers (tenant_id, name, pool, company, source, industry, remark, acquired_via, "
           "version, locked, blacklisted, deactivated, created_at, updated_at) FROM STDIN")
    with conn.cursor() as cur, cur.copy(sql) as cp:
        for r in rows:
            cp.write_row((tenant_id, r[0], "potential", r[2], r[3], r[4], r[6], "imported", 1, False, False,
                          False, now, now))
    took = time.perf_counter() - t0
    conn.rollback()
    raw.close()
    engine.dispose()
    return took


def copy_out(url: str, tenant_id: int) -> tuple[float, int]:
    engine = sa.create_engine(url)
    raw = engine.raw_connection()
    conn = raw.driver_connection
    t0 = time.perf_counter()
    n = 0
    sql = (f"COPY (SELECT id, name, company, source, industry, owner_id, created_at FROM customers "
           f"WHERE tenant_id = {int(tenant_id)} AND pool <> 'recycle_bin' ORDER BY id) TO STDOUT WITH (FORMAT csv)")
    with tempfile.TemporaryFile() as fh, conn.cursor() as cur, cur.copy(sql) as cp:
        for data in cp:
            fh.write(data)
            n += bytes(data).count(b"\n")
    took = time.perf_counter() - t0
    raw.close()
    engine.dispose()
    return took, n


# ====================================================================== main
def line(label: str, value: float, unit: str, ref: float, *, higher_is_better: bool, ref_text: str) -> str:
    ok = value >= ref if higher_is_better else value <= ref
    return f"  {label}: {value:,.2f} {unit} (bar {ref_text}, ratio {value / ref:.2f}) {'OK' if ok else 'MISSED'}"


def bench_postgres(args: argparse.Namespace, work: Path) -> list[str]:
    import find_bench
    from tests.conftest import create_pg_database, drop_pg_database

    name = f"huike_iobench_{uuid.uuid4().hex[:6]}"
    url = create_pg_database(args.pg_url, name)
    out = [f"PostgreSQL, {args.preload:,} customers preloaded, {args.rows:,} imported"]
    try:
        upgrade(url)
        settings = Settings(database_url=url, secret_key="bench", jobs_path=str(work / "jobs.db"))
        db = Database(settings)
        code = f"io{uuid.uuid4().hex[:6]}"
        w = find_bench.setup_tenant(db, code, args.preload, 300, 30)
        if args.preload:
            print(f"preloading {args.preload:,} customers")
            find_bench.load(url, [w], 20261123)
        with db.transaction(w.tenant_id) as s:
            from huike.dataio.service.imports import io_settings

            io_settings(s, create=True).export_row_cap = 10_000_000
        db.dispose()
        params = {"url": url, "jobs_path": str(work / "jobs.db"), "code": code}
        if not args.skip_import:
            out += _bench_pg_import(args, work, url, w.tenant_id, params)
        out += _bench_pg_export(args, url, w.tenant_id, params)
    finally:
        if not args.keep:
            drop_pg_database(args.pg_url, name)
    return out


def _bench_pg_import(args: argparse.Namespace, work: Path, url: str, tenant_id: int,
                     params: dict[str, Any]) -> list[str]:
    out: list[str] = []
    csv_rows, xlsx_rows = rows_for(args.rows, "178", 1), rows_for(args.rows, "183", 2)
    write_csv(work / "import.csv", csv_rows)
    write_xlsx(work / "import.xlsx", xlsx_rows)
    ref_in = copy_in(url, tenant_id, csv_rows)
    r_csv = run_child("import", file=str(work / "import.csv"), **params)
    assert r_csv["status"] == "done" and r_csv["created"] == args.rows, r_csv
    r_xlsx = run_child("import", file=str(work / "import.xlsx"), **params)
    assert r_xlsx["status"] == "done" and r_xlsx["created"] == args.rows, r_xlsx
    n = args.rows
    copy_rate = n / ref_in
    out.append(f"  raw COPY of {n:,} rows into customers: {ref_in:.2f} s ({copy_rate:,.0f} rows/s)")
    for label, r, bar in (("CSV import", r_csv, 0.7), ("xlsx import", r_xlsx, 0.5)):
        rate = n / r["seconds"]
        out.append(f"  {label}: {r['seconds']:.2f} s (upload check {r['upload_s']:.2f} s, job {r['job_s']:.2f} s),"
                   f" {rate:,.0f} rows/s, peak RSS {r['rss_mb']:.0f} MB")
        out.append(line(f"{label} speed / COPY", rate / copy_rate, "", bar, higher_is_better=True,
                        ref_text=f">= {bar:.2f}"))
        out.append(line(f"{label} peak RSS", r["rss_mb"], "MB", 500, higher_is_better=False, ref_text="<= 500 MB"))
    return out


def _bench_pg_export(args: argparse.Namespace, url: str, tenant_id: int, params: dict[str, Any]) -> list[str]:
    out: list[str] = []
    ref_out, copied = copy_out(url, tenant_id)
    e_csv = run_child("export", fmt="csv", **params)
    e_xlsx = run_child("export", fmt="xlsx", **params)
    out.append(f"  COPY TO STDOUT of {copied:,} rows: {ref_out:.2f} s ({copied / ref_out:,.0f} rows/s)")
    runs = [("CSV export", e_csv), ("xlsx export", e_xlsx)]
    if args.python_export:  # the row-by-row Python path of the same exports, for a before/after in one run
        runs += [("CSV export, Python path", run_child("export", fmt="csv", copy=False, **params)),
                 ("xlsx export, Python path", run_child("export", fmt="xlsx", copy=False, **params))]
    for label, r in runs:
        assert r["status"] == "done", r
        out.append(f"  {label}: {r['rows']:,} rows in {r['seconds']:.2f} s ({r['rows'] / r['seconds']:,.0f} rows/s,"
                   f" {r['size_mb']:.0f} MB), peak RSS {r['rss_mb']:.0f} MB")
    for label, r in runs[::2]:
        out.append(line(f"{label} speed / COPY TO", (r["rows"] / r["seconds"]) / (copied / ref_out), "",
                        0.5, higher_is_better=True, ref_text=">= 0.50"))
    for (label, r), (_, c) in zip(runs[1::2], runs[::2], strict=True):
        out.append(line(f"{label} time / CSV export", r["seconds"] / c["seconds"], "x", 4,
                        higher_is_better=False, ref_text="<= 4"))
    for label, r in runs:
        out.append(line(f"{label} peak RSS", r["rss_mb"], "MB", 300, higher_is_better=False, ref_text="<= 300 MB"))
    return out


def bench_sqlite(args: argparse.Namespace, work: Path) -> list[str]:
    import find_bench

    path = work / "bench.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    settings = Settings(database_url=url, secret_key="bench", jobs_path=str(work / "jobs.db"))
    db = Database(settings)
    code = f"io{uuid.uuid4().hex[:6]}"
    find_bench.setup_tenant(db, code, 0, 30, 3)
    db.dispose()
    rows = rows_for(args.sqlite_rows, "183", 3)
    write_xlsx(work / "sqlite.xlsx", rows)
    params = {"url": url, "jobs_path": str(work / "jobs.db"), "code": code}
    r = run_child("import", file=str(work / "sqlite.xlsx"), **params)
    assert r["status"] == "done" and r["created"] == args.sqlite_rows, r
    e = run_child("export", fmt="xlsx", **params)
    return [f"SQLite, {args.sqlite_rows:,} rows",
            (f"  xlsx import: {r['seconds']:.2f} s ({args.sqlite_rows / r['seconds']:,.0f} rows/s), "
             f"peak RSS {r['rss_mb']:.0f} MB"),
            (f"  xlsx export: {e['rows']:,} rows in {e['seconds']:.2f} s ({e['rows'] / e['seconds']:,.0f} rows/s), "
             f"peak RSS {e['rss_mb']:.0f} MB")]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], json.loads(sys.argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["postgres", "sqlite", "both"], default="both")
    ap.add_argument("--preload", type=int, default=1_000_000, help="customers already in the tenant (PostgreSQL)")
    ap.add_argument("--rows", type=int, default=100_000, help="customers imported (PostgreSQL)")
    ap.add_argument("--sqlite-rows", type=int, default=100_000, help="rows imported and exported on SQLite")
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--skip-import", action="store_true", help="PostgreSQL: measure the exports only")
    ap.add_argument("--python-export", action="store_true",
                    help="PostgreSQL: also run the exports through the Python path (before/after in one run)")
    args = ap.parse_args()
    out = [(f"huike import/export benchmark — {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, "
            f"{platform.platform()}, {os.cpu_count()} CPUs, python {platform.python_version()}, "
            f"load average {os.getloadavg()[0]:.1f}")]
    with tempfile.TemporaryDirectory(prefix="huike-iobench-") as tmp:
        work = Path(tmp)
        if args.backend in ("postgres", "both"):
            out += bench_postgres(args, work)
            print("\n".join(out))
        if args.backend in ("sqlite", "both"):
            out += bench_sqlite(args, work)
    print("\n".join(out))


if __name__ == "__main__":
    main()
