#!/usr/bin/env bash
# Runs every benchmark once in its shortest mode, so a schema or API change that breaks one fails the build: each
# BenchmarkDotNet class with the dry job (one cold invocation, in process: no generated project to build), the
# cross-instance driver for a few rounds, the load script for one short round on one host (SQLite) and through nginx
# (two hosts on PostgreSQL). The figures of these runs mean nothing; docs/benchmarks.md has the real ones.
# Builds the benchmark programs (Release); needs wrk and nginx, and UNI_AUTHORIZE_BENCH_POSTGRES: an Npgsql connection
# string of a database the benchmarks may fill (build/test.sh gives them one of their own).
#   UNI_AUTHORIZE_BENCH_POSTGRES="Host=...;Database=bench" bash build/bench-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${UNI_AUTHORIZE_BENCH_POSTGRES:?set UNI_AUTHORIZE_BENCH_POSTGRES to a PostgreSQL database for the benchmarks}"
export UNI_AUTHORIZE_BENCH_POSTGRES
started=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The generated SQLite stores go to a fresh folder: data left by an older build would hide a generator that broke.
export UNI_AUTHORIZE_BENCH_DATA="$work/data"

smoke() { # $1 name, rest: the command; its output is kept in a log shown only when it fails
  local name=$1 log="$work/$1.log" at=$SECONDS
  shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 80 "$log" >&2
    echo "Benchmark smoke '$name' failed (the last 80 lines of its output are above)." >&2
    exit 1
  fi
  echo "benchmark smoke: $name ok ($((SECONDS - at)) s)"
}

# `dotnet test` builds the test projects only: the benchmark programs are built here (an incremental no-op when built).
for project in Uni.Authorize.Benchmarks Uni.Authorize.Stores.Benchmarks Uni.Authorize.Cluster.Benchmarks; do
  smoke "build-$project" dotnet build "bench/$project" -c Release
done
for project in Uni.Authorize.Benchmarks Uni.Authorize.Stores.Benchmarks; do
  smoke "$project" dotnet "bench/$project/bin/Release/net10.0/$project.dll" \
    --filter '*' --job dry --inProcess --artifacts "$work/$project"
done
cluster=bench/Uni.Authorize.Cluster.Benchmarks/bin/Release/net10.0/Uni.Authorize.Cluster.Benchmarks.dll
smoke cluster-latency dotnet "$cluster" latency --rounds 10
smoke cluster-prune dotnet "$cluster" prune --rows 10000 --seconds 2
smoke load-sqlite bash bench/load/run.sh --duration 1s --rounds 1 --warmup 1s
smoke load-nginx bash bench/load/run.sh --instances 2 --duration 1s --rounds 1 --warmup 1s
echo "Benchmark smoke: every benchmark ran once ($((SECONDS - started)) s)."
