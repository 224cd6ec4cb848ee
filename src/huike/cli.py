"""The `huike` command (CONTRACT.md "Command line")."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.table import Table

from huike.config import get_settings

app = typer.Typer(help="汇客 Huike CRM", no_args_is_help=True, add_completion=False)
console = Console()


def _fail(message: str) -> None:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(1)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: Annotated[int, typer.Option(min=1, max=64)] = 1) -> None:
    """API + web UI; runs the job worker in-process when no broker is configured."""
    import uvicorn

    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    consumer = None
    if workers > 1 and not settings.broker_url:
        # One embedded consumer for the whole server, in this supervising process.
        from huike.worker.queue import start_embedded

        os.environ["HUIKE_RUN_JOBS"] = "0"
        consumer = start_embedded()
    console.print(f"汇客 Huike → http://{host}:{port}  (jobs: "
                  f"{'redis broker' if settings.broker_url else 'in-process'})")
    try:
        uvicorn.run("huike.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    proxy_headers=True, log_level=settings.log_level.lower())
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


@app.command()
def worker(workers: Annotated[int, typer.Option(min=1, max=64)] = 2) -> None:
    """Job worker(s) for the broker in HUIKE_BROKER_URL."""
    settings = get_settings()
    if not settings.broker_url:
        _fail("HUIKE_BROKER_URL is empty: jobs run inside `huike serve`. Set redis://… to run workers.")
    logging.basicConfig(level=settings.log_level)
    import huike.worker.tasks  # noqa: F401
    from huike.worker.queue import huey

    console.print(f"huike worker: {workers} thread(s) on {settings.broker_url}")
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


@app.command()
def migrate() -> None:
    """Apply database migrations."""
    from huike.kit.migrate import upgrade

    url = get_settings().database_url
    upgrade(url)
    console.print("[green]database is up to date[/green]")


@app.command("create-tenant")
def create_tenant(code: str, name: Annotated[str, typer.Option("--name")],
                  admin: Annotated[str, typer.Option("--admin")],
                  password: Annotated[str, typer.Option("--password")]) -> None:
    """A new tenant with its first admin."""
    from huike.kit.db import Database
    from huike.kit.errors import HuikeError
    from huike.kit.i18n import t
    from huike.org.service import create_tenant as create

    db = Database()
    try:
        with db.transaction() as s:
            tenant, employee = create(s, code, name, admin, password)
    except HuikeError as exc:
        _fail(t(exc.code, "zh-CN", **exc.params))
    console.print(f"[green]tenant {tenant.code} (id {tenant.id}) created; admin: {employee.username}[/green]")


@app.command("create-user")
def create_user(code: str, username: str, password: Annotated[str, typer.Option("--password")],
                role: Annotated[str, typer.Option("--role")],
                department: Annotated[str | None, typer.Option("--department")] = None,
                name: Annotated[str | None, typer.Option("--name")] = None) -> None:
    """An employee with a role (role and department by name or code)."""
    from huike.kit.db import Database, set_tenant
    from huike.kit.errors import HuikeError
    from huike.kit.i18n import t
    from huike.org.models import OrgUnit, Role, Tenant
    from huike.org.service import create_employee

    db = Database()
    try:
        with db.transaction() as s:
            tenant = s.scalar(sa.select(Tenant).where(sa.func.lower(Tenant.code) == code.lower()))
            if tenant is None:
                _fail(t("tenant_not_found", "zh-CN", code=code))
            set_tenant(s, tenant.id)
            r = s.scalar(sa.select(Role).where(sa.or_(Role.code == role, Role.name == role)))
            if r is None:
                _fail(f"role not found: {role}")
            dept_q = sa.select(OrgUnit).where(OrgUnit.kind == "department", ~OrgUnit.disabled)
            if department:
                dept_q = dept_q.where(sa.or_(OrgUnit.name == department, sa.cast(OrgUnit.id, sa.String) == department))
            dept = s.scalars(dept_q.order_by(OrgUnit.id)).first()
            if dept is None:
                _fail(f"department not found: {department}")
            e = create_employee(s, None, username=username, name=name or username, password=password,
                                department_id=dept.id, role_id=r.id)
    except HuikeError as exc:
        _fail(t(exc.code, "zh-CN", **exc.params))
    console.print(f"[green]employee {e.username} (id {e.id}) created in {dept.name} as {r.name}[/green]")


@app.command("seed-demo")
def seed_demo(tenant: Annotated[str, typer.Option("--tenant")] = "demo",
              customers: Annotated[int, typer.Option("--customers", min=0, max=2_000_000)] = 300,
              password: Annotated[str, typer.Option("--password")] = "Demo@12345") -> None:
    """Realistic zh-CN demo data; prints the logins."""
    from huike.demo.seed import seed
    from huike.kit.db import Database

    logins, created = seed(Database(), tenant, customers=customers, password=password)
    table = Table(title=f"汇客 demo tenant “{tenant}”" + ("" if created else " (already there)"))
    for col in ("企业代码", "用户名", "姓名", "角色", "部门"):
        table.add_column(col)
    for row in logins:
        table.add_row(tenant, *row)
    console.print(table)
    console.print(f"password for every demo login: [bold]{password}[/bold]")


@app.command("import-template")
def import_template(tenant: Annotated[str, typer.Option("--tenant")],
                    output: Annotated[Path, typer.Option("-o", "--output")]) -> None:
    """The tenant's current import template (.xlsx)."""
    from huike.dataio.cli import CliError
    from huike.dataio.cli import import_template as build

    try:
        build(tenant, output)
    except CliError as exc:
        _fail(str(exc))
    console.print(f"[green]template written to {output}[/green]")


@app.command("import")
def import_customers(file: Path, tenant: Annotated[str, typer.Option("--tenant")],
                     pool: Annotated[str, typer.Option("--pool")] = "potential",
                     on_duplicate: Annotated[str, typer.Option("--on-duplicate")] = "skip",
                     report: Annotated[Path | None, typer.Option("--report")] = None,
                     owner: Annotated[list[str] | None, typer.Option("--owner", help="username; repeat")] = None) -> None:
    """The same import as the UI (all or nothing), with a progress bar; prints the counts."""
    from huike.dataio.cli import CliError, run_import

    try:
        counts = run_import(console, tenant, file, pool, on_duplicate, report, owner or [])
    except CliError as exc:
        _fail(str(exc))
    console.print("新增 {created}  更新 {updated}  跳过 {skipped}  失败 {failed}".format(**counts))
    if counts["failed"] and report:
        console.print(f"error report: {report}")


@app.command("export")
def export_customers(tenant: Annotated[str, typer.Option("--tenant")],
                     output: Annotated[Path, typer.Option("-o", "--output")],
                     pool: Annotated[str, typer.Option("--pool")] = "all",
                     filter: Annotated[str | None, typer.Option("--filter", help="filter JSON")] = None) -> None:
    """The same export as the UI (.csv or .xlsx by the output name)."""
    from huike.dataio.cli import CliError, run_export

    try:
        result = run_export(console, tenant, pool, filter, output)
    except CliError as exc:
        _fail(str(exc))
    console.print(f"[green]{result['rows']} rows → {output}[/green]" + (" (row cap reached)" if result["capped"] else ""))


@app.command("rebuild-stats")
def rebuild_stats(tenant: Annotated[str, typer.Option("--tenant")],
                  check: Annotated[bool, typer.Option("--check", help="only report drift")] = False) -> None:
    """Recount a tenant's statistics rollup from its customers (a repair; the triggers keep it exact)."""
    from huike.kit.db import Database
    from huike.org.models import Tenant
    from huike.stats import rollup

    db = Database()
    with db.transaction() as s:
        tenant_id = s.scalar(sa.select(Tenant.id).where(Tenant.code == tenant))
    if tenant_id is None:
        _fail(f"no tenant {tenant}")
    with db.transaction(tenant_id) as s:
        if check:
            drift = rollup.drift(s)
            console.print(f"keys that differ: rollup {drift['rollup']}, daily {drift['daily']}")
            if any(drift.values()):
                raise typer.Exit(1)
            return
        n = rollup.rebuild(s)
    console.print(f"[green]rollup of {tenant} rebuilt: {n} customers[/green]")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
