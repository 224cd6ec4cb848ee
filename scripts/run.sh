#!/usr/bin/env bash
# Runs Huike on the embedded default: SQLite under ./var/, jobs in-process, no other server.
# Installs what is missing, migrates, seeds the demo tenant on first start, builds the UI if needed.
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

ensure_python_deps --no-dev
ensure_web
mkdir -p var
say "migrating the database (${HUIKE_DATABASE_URL:-sqlite:///./var/huike.db})"
uv run --no-dev huike migrate
say "demo tenant"
uv run --no-dev huike seed-demo --tenant demo
HOST="${HUIKE_HOST:-127.0.0.1}"
PORT="${HUIKE_PORT:-8000}"
say "Huike is starting on http://$HOST:$PORT — log in with 企业代码 demo and a login above"
exec uv run --no-dev huike serve --host "$HOST" --port "$PORT"
