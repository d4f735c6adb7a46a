#!/usr/bin/env bash
# Interop matrix for wsmachine's echo examples against real peers, loopback only.
#
#   tests/interop/run.sh             # from the repository root
#
# Steps (peers pinned in requirements.txt, package.json/package-lock.json):
#   cli_checks.py                  GET / page, `ECHO_CLIENT --send`, exit codes
#   py_client.py, node_client.js  -> ECHO_SERVER
#   py_server.py, node_server.js  <- ECHO_CLIENT (started by the peer server)
#   chromium.js (Debian chromium)  -> ECHO_SERVER's page and browser_cases.html
# Prints every case's PASS/FAIL line, then `interop: N passed, M failed`;
# exits non-zero if anything failed.
#
# Environment (all optional):
#   ECHO_SERVER, ECHO_CLIENT  binaries under test; when neither is set the
#                             examples are built with `cargo build --release --features deflate,getrandom`
#   INTEROP_VENV              venv for the Python peer (default target/interop-venv)
#   INTEROP_SKIP_CHROMIUM=1   leave out the browser step
#   CHROMIUM                  browser binary (default /usr/bin/chromium)
set -euo pipefail

cd "$(dirname "$0")/../.."
HERE=tests/interop
VENV=${INTEROP_VENV:-target/interop-venv}
[[ "$VENV" == /* ]] || VENV=$PWD/$VENV
OUT=target/interop
mkdir -p "$OUT"
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

# Package caches stay under target/ (nothing is written outside the repo but /tmp).
export PIP_CACHE_DIR=$PWD/target/cache/pip
export npm_config_cache=$PWD/target/cache/npm
export PYTHONDONTWRITEBYTECODE=1

log() { printf '[interop %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# --- binaries under test -----------------------------------------------------
if [[ -z "${ECHO_SERVER:-}" && -z "${ECHO_CLIENT:-}" ]]; then
    log "building examples (release)"
    timeout 1800 cargo build --release --features deflate,getrandom --example echo_server --example echo_client
fi
ECHO_SERVER=${ECHO_SERVER:-target/release/examples/echo_server}
ECHO_CLIENT=${ECHO_CLIENT:-target/release/examples/echo_client}
for bin in "$ECHO_SERVER" "$ECHO_CLIENT"; do
    [[ -x "$bin" ]] || { echo "interop: not an executable: $bin" >&2; exit 1; }
done
# The peer servers start the client from their own directory: make it absolute.
[[ "$ECHO_CLIENT" == /* ]] || ECHO_CLIENT=$PWD/$ECHO_CLIENT

# --- peers ---------------------------------------------------------------------
stamp="$VENV/.requirements.sha256"
want=$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)
if [[ ! -x "$VENV/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    log "installing $HERE/requirements.txt into $VENV"
    rm -rf "$VENV"
    timeout 300 python3 -m venv "$VENV"
    timeout 600 "$VENV/bin/pip" install --quiet -r "$HERE/requirements.txt"
    echo "$want" > "$stamp"
fi
PY=$VENV/bin/python

nstamp="$HERE/node_modules/.wsmachine-lock.sha256"
nwant=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
if [[ "$(cat "$nstamp" 2>/dev/null)" != "$nwant" ]]; then
    log "npm ci in $HERE"
    (cd "$HERE" && timeout 600 npm ci --no-audit --no-fund --loglevel=error)
    echo "$nwant" > "$nstamp"
fi

if [[ "${INTEROP_SKIP_CHROMIUM:-0}" != 1 && ! -x "$CHROMIUM" ]]; then
    log "installing Debian's chromium"
    timeout 600 apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y -qq chromium >/dev/null
fi

# --- run -------------------------------------------------------------------------
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

port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$ECHO_SERVER" --addr "127.0.0.1:$port" >"$OUT/echo_server.log" 2>&1 &
srvpid=$!
PIDS+=($srvpid)
for ((i = 0; i < 300; i++)); do
    grep -q "^listening on http://127\.0\.0\.1:$port/" "$OUT/echo_server.log" 2>/dev/null && break
    kill -0 "$srvpid" 2>/dev/null || { echo "interop: echo server exited:" >&2; cat "$OUT/echo_server.log" >&2; exit 1; }
    sleep 0.1
done
grep -q "^listening on http://127\.0\.0\.1:$port/" "$OUT/echo_server.log" || {
    echo "interop: echo server did not print 'listening on http://127.0.0.1:$port/' within 30s" >&2; exit 1; }
log "echo server on 127.0.0.1:$port"

passed=0
failed=0
# step NAME SECONDS CMD...: runs one peer, prefixes its lines with NAME and
# counts them; a step that fails without printing a FAIL line counts as one.
step() {
    local name=$1 secs=$2 rc=0 out="$OUT/$1.log" p f
    shift 2
    log "$name"
    # In the background and waited for, so that INT/TERM reach the traps.
    (cd "$HERE" && exec timeout "$secs" "$@") >"$out" 2>&1 &
    PIDS+=($!)
    wait "$!" || rc=$?
    sed "s/^/  $name: /" "$out"
    p=$(grep -c '^PASS ' "$out" || true)
    f=$(grep -c '^FAIL ' "$out" || true)
    if [[ $rc -ne 0 && $f -eq 0 ]]; then
        f=1
        echo "  $name: FAIL step: exited $rc$([[ $rc -eq 124 ]] && echo " (timed out after ${secs}s)")"
    fi
    if [[ $rc -eq 0 && $p -eq 0 ]]; then
        f=$((f + 1))
        echo "  $name: FAIL step: ran no case"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
}

step cli 120 "$PY" cli_checks.py "http://127.0.0.1:$port/" "$ECHO_CLIENT"
step py_client 120 "$PY" py_client.py "ws://127.0.0.1:$port/"
step node_client 120 node node_client.js "ws://127.0.0.1:$port/"
step py_server 180 "$PY" py_server.py "$ECHO_CLIENT"
step node_server 180 node node_server.js "$ECHO_CLIENT"
if [[ "${INTEROP_SKIP_CHROMIUM:-0}" != 1 ]]; then
    SCREENSHOT_DIR=$PWD/$OUT step chromium 240 node chromium.js "http://127.0.0.1:$port/"
fi

kill -0 "$srvpid" 2>/dev/null || { echo "  echo_server: FAIL step: the echo server exited during the run"; failed=$((failed + 1)); }
echo "interop: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
