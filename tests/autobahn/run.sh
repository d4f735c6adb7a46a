#!/usr/bin/env bash
# Autobahn conformance for wsmachine's echo examples, with kosoku on loopback.
#
#   tests/autobahn/run.sh            # from the repository root
#
# 1. fuzzingclient: kosoku drives ECHO_SERVER (all cases of fuzzingclient.json)
# 2. fuzzingserver: kosoku serves the cases, ECHO_CLIENT runs each one
# 3. compare.py checks both reports against expected-results.json
#
# Environment (all optional):
#   ECHO_SERVER, ECHO_CLIENT  binaries under test; when neither is set the
#                             examples are built with `cargo build --release --features deflate,getrandom`
#   AUTOBAHN_VENV             venv for kosoku (default target/autobahn-venv)
#   AUTOBAHN_OUT              report root (default target/autobahn/reports)
#   AUTOBAHN_EXPECTED         expected file (default tests/autobahn/expected-results.json)
#   AUTOBAHN_PARALLELISM      cases run at once in each mode (default 2)
#   AUTOBAHN_MODES            "fuzzingclient fuzzingserver" (default both)
set -euo pipefail

cd "$(dirname "$0")/../.."
HERE=tests/autobahn
VENV=${AUTOBAHN_VENV:-target/autobahn-venv}
OUT=${AUTOBAHN_OUT:-target/autobahn/reports}
EXPECTED=${AUTOBAHN_EXPECTED:-$HERE/expected-results.json}
JOBS=${AUTOBAHN_PARALLELISM:-2}
MODES=${AUTOBAHN_MODES:-fuzzingclient fuzzingserver}

# Package caches stay under target/ (nothing is written outside the repo but /tmp).
export PIP_CACHE_DIR=$PWD/target/cache/pip
export PYTHONDONTWRITEBYTECODE=1

log() { printf '[autobahn %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# --- binaries under test -----------------------------------------------------
if [[ -z "${ECHO_SERVER:-}" && -z "${ECHO_CLIENT:-}" ]]; then
    log "building examples (release)"
    timeout 1800 cargo build --release --features deflate,getrandom --example echo_server --example echo_client
fi
ECHO_SERVER=${ECHO_SERVER:-target/release/examples/echo_server}
ECHO_CLIENT=${ECHO_CLIENT:-target/release/examples/echo_client}
for bin in "$ECHO_SERVER" "$ECHO_CLIENT"; do
    [[ -x "$bin" ]] || { echo "autobahn: not an executable: $bin" >&2; exit 1; }
done

# --- kosoku in a venv under target/ ------------------------------------------
stamp="$VENV/.requirements.sha256"
want=$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)
if [[ ! -x "$VENV/bin/kosoku" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    log "installing $HERE/requirements.txt into $VENV"
    rm -rf "$VENV"
    timeout 300 python3 -m venv "$VENV"
    timeout 600 "$VENV/bin/pip" install --quiet -r "$HERE/requirements.txt"
    echo "$want" > "$stamp"
fi
PY="$VENV/bin/python"
log "kosoku $("$PY" -c 'import importlib.metadata as m; print(m.version("kosoku"))')"

# --- helpers -------------------------------------------------------------------
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]:-}"; do
        [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]:-}"; do
        [[ -n "$pid" ]] && wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_fg CMD...: run CMD in the background and wait for it, so that INT/TERM
# run the traps (and cleanup) at once instead of after CMD has ended.
run_fg() {
    "$@" &
    local p=$!
    PIDS+=("$p")
    wait "$p"
}

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for_line FILE REGEX SECONDS PID
wait_for_line() {
    local file=$1 re=$2 secs=$3 pid=$4 i
    for ((i = 0; i < secs * 10; i++)); do
        grep -qE "$re" "$file" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { echo "autobahn: process exited early:" >&2; cat "$file" >&2; return 1; }
        sleep 0.1
    done
    echo "autobahn: no '$re' within ${secs}s:" >&2
    cat "$file" >&2
    return 1
}

# Case selection from the Autobahn-style spec: -i/-x flags for kosoku.
spec_flags() {
    "$PY" - "$1" <<'PYEOF'
import json, sys
spec = json.load(open(sys.argv[1]))
flags = []
for c in spec.get("cases", ["*"]):
    flags += ["-i", c]
for c in spec.get("exclude-cases", []):
    flags += ["-x", c]
print("\n".join(flags))
PYEOF
}

mkdir -p "$OUT" target/autobahn
REPORT_ARGS=()

# --- mode 1: kosoku drives our echo server -----------------------------------
if [[ " $MODES " == *" fuzzingclient "* ]]; then
    port=$(free_port)
    rm -rf "$OUT/servers"
    srvlog=target/autobahn/echo_server.log
    "$ECHO_SERVER" --addr "127.0.0.1:$port" >"$srvlog" 2>&1 &
    srvpid=$!
    PIDS+=($srvpid)
    wait_for_line "$srvlog" "^listening on http://127\.0\.0\.1:$port/" 30 "$srvpid"
    mapfile -t flags < <(spec_flags "$HERE/fuzzingclient.json")
    log "fuzzingclient: kosoku -> $ECHO_SERVER on 127.0.0.1:$port (parallelism $JOBS)"
    start=$SECONDS
    # kosoku exits 1 when any case is not OK/NON-STRICT/INFORMATIONAL (e.g. the
    # UNIMPLEMENTED compression cases); compare.py judges, so only a missing
    # report is an error here.
    rc=0
    run_fg timeout 600 "$VENV/bin/kosoku" -m fuzzingclient -p "$JOBS" "${flags[@]}" \
        -o "$OUT/servers" "ws://127.0.0.1:$port" >target/autobahn/fuzzingclient.log 2>&1 || rc=$?
    log "fuzzingclient: kosoku exit $rc after $((SECONDS - start))s (log: target/autobahn/fuzzingclient.log)"
    [[ $rc -le 1 && -f "$OUT/servers/index.json" ]] || { tail -20 target/autobahn/fuzzingclient.log >&2; exit 1; }
    if ! kill -0 "$srvpid" 2>/dev/null; then
        echo "autobahn: the echo server exited during the run (log: $srvlog):" >&2
        tail -5 "$srvlog" >&2
        exit 1
    fi
    kill "$srvpid" 2>/dev/null || true
    REPORT_ARGS+=("fuzzingclient=$OUT/servers/index.json")
fi

# --- mode 2: kosoku serves the cases to our echo client ----------------------
if [[ " $MODES " == *" fuzzingserver "* ]]; then
    port=$(free_port)
    rm -rf "$OUT/clients"
    fslog=target/autobahn/fuzzingserver.log
    mapfile -t flags < <(spec_flags "$HERE/fuzzingserver.json")
    timeout 900 "$VENV/bin/kosoku" -m fuzzingserver "${flags[@]}" -o "$OUT/clients" "127.0.0.1:$port" >"$fslog" 2>&1 &
    fspid=$!
    PIDS+=($fspid)
    wait_for_line "$fslog" "fuzzingserver listening on ws://127\.0\.0\.1:$port" 30 "$fspid"
    log "fuzzingserver: $ECHO_CLIENT -> kosoku on 127.0.0.1:$port (parallelism $JOBS)"
    start=$SECONDS
    run_fg timeout 720 "$PY" "$HERE/drive_client.py" --url "ws://127.0.0.1:$port" --client "$ECHO_CLIENT" \
        --agent wsmachine --jobs "$JOBS" --case-timeout 60
    # updateReports ends kosoku's run; it writes the reports and exits.
    rc=0
    run_fg timeout 120 tail --pid="$fspid" -f /dev/null || rc=$?
    [[ $rc -eq 0 ]] || { echo "autobahn: kosoku fuzzingserver did not finish after updateReports" >&2; exit 1; }
    rc=0
    wait "$fspid" || rc=$?
    log "fuzzingserver: kosoku exit $rc after $((SECONDS - start))s (log: $fslog)"
    [[ $rc -le 1 && -f "$OUT/clients/index.json" ]] || { tail -20 "$fslog" >&2; exit 1; }
    REPORT_ARGS+=("fuzzingserver=$OUT/clients/index.json")
fi

# --- verdicts ------------------------------------------------------------------
log "comparing with $EXPECTED (HTML reports: $OUT/servers/index.html, $OUT/clients/index.html)"
timeout 60 "$PY" "$HERE/compare.py" --expected "$EXPECTED" "${REPORT_ARGS[@]}"
