# Shared by scripts/run.sh and scripts/test.sh: install what is missing, build the web UI if needed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

ensure_uv() {
  if ! command -v uv >/dev/null 2>&1; then
    export PATH="$HOME/.local/bin:$PATH"
  fi
  if ! command -v uv >/dev/null 2>&1; then
    say "installing uv (Python package manager)"
    python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  fi
}

ensure_python_deps() {
  ensure_uv
  say "Python dependencies (uv sync --frozen $*)"
  uv sync --frozen --quiet "$@"
}

ensure_node() {
  if ! command -v npm >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      say "installing Node.js and npm (Debian packages)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
      echo "Node.js/npm are needed to build the web UI; install them and rerun." >&2
      exit 1
    fi
  fi
}

web_is_stale() {
  local index="src/huike/web/static/index.html"
  [ -f "$index" ] || return 0
  [ -n "$(find web/src web/index.html web/package.json web/vite.config.ts -newer "$index" 2>/dev/null | head -n 1)" ]
}

ensure_web() {
  if web_is_stale; then
    ensure_node
    say "building the web UI (npm ci && npm run build)"
    (cd web && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run build --silent)
  fi
}
