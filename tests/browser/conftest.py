"""Browser tests: a real `huike serve` (subprocess) on a fresh, migrated, demo-seeded database —
SQLite and PostgreSQL — driven by Playwright in Debian's headless Chromium.
A failing test leaves a full-page screenshot in test-artifacts/screenshots/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ARTIFACTS, IN_CI, PG_URL, create_pg_database, drop_pg_database

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("HUIKE_CHROMIUM", "/usr/bin/chromium")
DEMO_PASSWORD = "Demo@12345"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "huike.cli", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)


@pytest.fixture(scope="session")
def live_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (ROOT / "src/huike/web/static/index.html").is_file():
        msg = "web UI not built (scripts/test.sh builds it: cd web && npm ci && npm run build)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    tmp = tmp_path_factory.mktemp(f"live-{backend}")
    pg_name = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'huike.db'}"
    else:
        pg_name = f"huike_live_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        url = create_pg_database(PG_URL, pg_name)
    env = {**os.environ, "HUIKE_DATABASE_URL": url, "HUIKE_SECRET_KEY": "browser-test",
           "HUIKE_JOBS_PATH": str(tmp / "jobs.db"), "HUIKE_BROKER_URL": "", "PYTHONUNBUFFERED": "1"}
    _cli("migrate", env=env)
    _cli("seed-demo", "--customers", "60", "--password", DEMO_PASSWORD, env=env)
    port = _free_port()
    log = open(tmp / "server.log", "w")  # noqa: SIM115 — the server writes to it until the session ends
    proc = subprocess.Popen([sys.executable, "-m", "huike.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"huike serve did not start: {(tmp / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if pg_name:
            drop_pg_database(PG_URL, pg_name)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        msg = f"Chromium not found at {CHROMIUM} (apt-get install chromium fonts-wqy-zenhei)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server: str, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        out = ARTIFACTS / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in request.node.name)
        try:
            pg.screenshot(path=str(out / f"{safe}.png"), full_page=True)
        except Exception:  # noqa: BLE001, S110 — the page may be gone; the failure itself is what matters
            pass
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


def login(page, username: str = "admin", password: str = DEMO_PASSWORD, tenant: str = "demo") -> None:  # type: ignore[no-untyped-def]
    """Log in through the login page (data-testid selectors)."""
    page.goto("/login")
    _fill(page, "login-tenant", tenant)
    _fill(page, "login-username", username)
    _fill(page, "login-password", password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(lambda u: "/login" not in u)


def _fill(page, testid: str, value: str) -> None:  # type: ignore[no-untyped-def]
    el = page.get_by_test_id(testid)
    inner = el.locator("input")
    (inner if inner.count() else el).fill(value)
