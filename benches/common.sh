# Shell helpers shared by benches/run.sh and benches/profile.sh (sourced, not run).

admin_url=${CONVENE_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}

# Builds `convene` and the bench executables with these cargo flags; sets `convene`, `engine`
# and `load` to their paths.
build_binaries() {
  local profile=debug executables
  [[ " $* " == *" --release "* ]] && profile=release
  cargo build "$@" --bin convene
  executables=$(cargo build "$@" --benches --message-format=json |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "bench" in m["target"]["kind"]:
        print(m["target"]["name"], m["executable"])')
  engine=$(echo "$executables" | awk '$1=="engine"{print $2}')
  load=$(echo "$executables" | awk '$1=="load"{print $2}')
  convene=target/$profile/convene
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Statements on the administrative database, without the notices of `IF EXISTS`.
admin_psql() { PGOPTIONS='-c client_min_messages=warning' psql "$admin_url" -q "$@"; }

# A new PostgreSQL database for one import; prints its URL.
new_database() {
  admin_psql -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
  echo "${admin_url%/*}/$1"
}

# Waits until the server on this port is ready, or fails when its process ($2) has ended.
wait_ready() {
  until curl -fs "http://127.0.0.1:$1/readyz" > /dev/null; do
    kill -0 "$2" 2>/dev/null || { echo "the server did not start" >&2; return 1; }
    sleep 0.05
  done
}
