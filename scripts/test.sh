#!/usr/bin/env bash
# Runs every test: unit, API and database tests on SQLite and PostgreSQL, and the browser tests
# in headless Chromium. Extra arguments go to pytest (e.g. `scripts/test.sh -k login`).
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

ensure_python_deps
ensure_web

if [ -z "${HUIKE_TEST_POSTGRES_URL:-}" ]; then
  # The local PostgreSQL, when there is one (CI always sets the variable itself).
  if uv run python -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', connect_timeout=2).close()" 2>/dev/null; then
    export HUIKE_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
  else
    say "no PostgreSQL reachable: its half of the suite will be skipped (set HUIKE_TEST_POSTGRES_URL)"
  fi
fi
mkdir -p test-artifacts
say "pytest (SQLite${HUIKE_TEST_POSTGRES_URL:+ + PostgreSQL} + browser)"
exec uv run pytest "$@"
