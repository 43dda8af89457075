#!/usr/bin/env bash
# Records where Convene's CPU goes (`perf record` with DWARF call stacks) and draws it as a
# flame graph (inferno), for one workload of the benchmark suite on the release build:
#
#   benches/profile.sh limit    [EVENTS]            tantivy alone indexing (benches/engine.rs)
#   benches/profile.sh import   [EVENTS] [BACKEND]  `convene import` until searchable
#   benches/profile.sh search   [EVENTS] [BACKEND]  the server under the suite's search mix
#   benches/profile.sh frontend [EVENTS] [BACKEND]  ... under the frontend page's load
#   benches/profile.sh stats    [EVENTS] [BACKEND]  ... under eventStats [REGION, YEAR]
#
# EVENTS defaults to 100000, BACKEND to sqlite (or postgres). The server workloads import the
# events first (not recorded), then record the server's process while benches/load.rs runs
# that part of its load; BENCH_QUERIES=exclusion (labels, comma-separated) narrows the mix and
# BENCH_REQUESTS sets how many of each search or eventStats request (default 2000 here).
# PROFILE_FREQUENCY sets the samples per second (default 500); PROFILE_ALL_CPUS=1 records every
# process on the machine (`perf record -a`), PostgreSQL's own among them.
#
# Writes target/profile/WORKLOAD-EVENTS-BACKEND.svg (open it in a browser: click to zoom),
# .folded (the collapsed stacks, for diffing two runs with inferno-diff-folded) and .txt (the
# functions holding the most samples, on their own and with what they call).
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
workload=${1:-}
events=${2:-100000}
backend=${3:-sqlite}
case "$workload" in limit | import | search | frontend | stats) ;; *) usage ;; esac
case "$backend" in sqlite | postgres) ;; *) usage ;; esac
[[ "$events" =~ ^[0-9]+$ ]] || usage
command -v perf > /dev/null || { echo "perf is not installed (Debian: apt-get install linux-perf)" >&2; exit 1; }

# inferno draws the graphs; installed once into target/tools when it is not on the PATH.
tools=$PWD/target/tools/bin
export PATH=$PATH:$tools
if ! command -v inferno-flamegraph > /dev/null; then
  cargo install --locked --quiet --root target/tools inferno
fi

build_binaries --release

work=$(mktemp -d)
server_pid=""
database="convene_profile_$$"
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ "$backend" = postgres ] && admin_psql -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT

name=$workload-$events
flags=(--data-dir "$work/data" --log warn)
if [ "$workload" != limit ]; then
  name=$name-$backend
  "$convene" generate --events "$events" --seed 1 > "$work/events.ndjson"
  [ "$backend" = postgres ] && flags+=(--database-url "$(new_database "$database")")
fi
record=(perf record --quiet -F "${PROFILE_FREQUENCY:-500}" --call-graph dwarf,16384 -o "$work/perf.data")
[ -n "${PROFILE_ALL_CPUS:-}" ] && record+=(-a)

sync
case "$workload" in
  limit) BENCH_EVENTS=$events BENCH_ONLY=none "${record[@]}" -- "$engine" ;;
  import) "${record[@]}" -- "$convene" "${flags[@]}" import "$work/events.ndjson" > /dev/null ;;
  *)
    "$convene" "${flags[@]}" import "$work/events.ndjson" > /dev/null
    token=$("$convene" "${flags[@]}" token create --role editor --name profile)
    port=$(free_port)
    "$convene" "${flags[@]}" serve --no-sample --rate-limit 0 --bind "127.0.0.1:$port" &
    server_pid=$!
    wait_ready "$port" "$server_pid"
    # Recorded for as long as the load runs.
    BENCH_ONLY=$workload BENCH_REQUESTS=${BENCH_REQUESTS:-2000} "${record[@]}" -p "$server_pid" -- "$load" "http://127.0.0.1:$port" "$token"
    ;;
esac

out=target/profile
mkdir -p "$out"
perf script --no-inline -i "$work/perf.data" 2> /dev/null | inferno-collapse-perf > "$out/$name.folded"
inferno-flamegraph --title "$workload, $events events${server_pid:+, $backend}" < "$out/$name.folded" > "$out/$name.svg"
python3 - "$out/$name.folded" > "$out/$name.txt" << 'EOF'
import collections, sys

own, within, total = collections.Counter(), collections.Counter(), 0
for line in open(sys.argv[1]):
    stack, _, count = line.rstrip("\n").rpartition(" ")
    frames, count = stack.split(";"), int(count)
    total += count
    own[frames[-1]] += count
    for frame in set(frames):
        within[frame] += count
for title, counter in (("on their own (self)", own), ("with what they call (total)", within)):
    print(f"Functions by share of the samples, {title}:")
    for frame, count in counter.most_common(30):
        print(f"{100 * count / total:6.2f}%  {frame[:150]}")
    print()
EOF
echo "wrote $out/$name.svg, $out/$name.folded and $out/$name.txt"
head -n 16 "$out/$name.txt"
