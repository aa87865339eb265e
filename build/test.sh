#!/usr/bin/env bash
# Runs every test: .NET (unit, stores on real SQLite and PostgreSQL, host, browser) and the bridge's Node tests.
# Installs what it needs from Debian when missing (PostgreSQL, Chromium, nginx, Noto CJK fonts, Node, wrk; that needs root)
# and starts a throwaway PostgreSQL cluster on a free loopback port, removed afterwards. With those present it runs as
# any user.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
# The cluster tests put Debian's nginx in front of several host processes.
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
# The pages and their screenshots show Chinese app names and text.
# grep reads all of fc-list's output (no -q): with pipefail, an early exit would fail the pipeline on SIGPIPE.
command -v fc-list >/dev/null 2>&1 && fc-list | grep -i 'Noto Sans CJK' >/dev/null || need+=(fonts-noto-cjk)
# The load benchmark (bench/load/run.sh) drives the host with wrk.
command -v wrk >/dev/null 2>&1 || need+=(wrk)
# The bridge's tests run on Node's own test runner (Debian 12 ships Node 18, enough for them).
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing ${need[*]}: install them (sudo apt-get install -y ${need[*]}) or run this script as root." >&2
    exit 1
  fi
  echo "Installing ${need[*]} from Debian..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# A throwaway PostgreSQL cluster. PostgreSQL refuses to run as root: as root, its tools run as the postgres user
# (which cannot enter the checkout's folder, hence cd /); as anyone else, as the current user.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_dir=$(mktemp -d)
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$pg_dir"
  as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
  as_pg() { "$@"; }
fi
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
pg_port=$(free_port)
stop_pg() {
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_pg EXIT
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
export UNI_AUTHORIZE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
export UNI_AUTHORIZE_TEST_CHROMIUM=/usr/bin/chromium

# The bridge's packages first: the .NET webhook tests verify real deliveries with its standardwebhooks package too.
if [ -f test/bridge/package.json ]; then
  (cd test/bridge && npm ci --no-audit --no-fund --silent)
fi

dotnet test --solution Uni.Authorize.slnx -c Release

# Every benchmark once, in its shortest mode (build/bench-smoke.sh), in a database of its own on the throwaway cluster.
as_pg "$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -c 'CREATE DATABASE bench' >/dev/null
UNI_AUTHORIZE_BENCH_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=bench" bash build/bench-smoke.sh

# The packages as a new user gets them: README's example and the docs' marked C# blocks against the packed packages.
bash build/consumer-test.sh

if [ -f test/bridge/package.json ]; then
  (cd test/bridge && node --test)
fi
echo "All tests passed."
