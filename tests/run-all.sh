#!/usr/bin/env bash
# Runs every test of the crate: unit, integration and doc tests with all
# features and again with none (the no_std, no-alloc core), then the
# conformance (Autobahn) and interop suites and the no_std firmware test
# under QEMU; a missing piece is a failure.
# Set WSM_SKIP_SUITES=1 to run only the cargo tests (said on the last line).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test --all-features"
cargo test --all-features
echo "== cargo test --no-default-features"
cargo test --no-default-features

if [ "${WSM_SKIP_SUITES:-0}" = 1 ]; then
  echo "== WSM_SKIP_SUITES=1: the Autobahn, interop and firmware suites did NOT run"
  exit 0
fi
# The suites drive the echo examples; each piece missing is a failure, never a skip.
for f in examples/echo_server.rs examples/echo_client.rs tests/autobahn/run.sh tests/interop/run.sh tests/embedded/run.sh; do
  [ -f "$f" ] || { echo "run-all: $f is missing, the conformance and interop suites cannot run" >&2; exit 1; }
done
cargo build --release --features deflate,getrandom --example echo_server --example echo_client
export ECHO_SERVER=target/release/examples/echo_server ECHO_CLIENT=target/release/examples/echo_client
echo "== Autobahn TestSuite (kosoku), both modes"
bash tests/autobahn/run.sh
echo "== interop with real peers"
bash tests/interop/run.sh
echo "== firmware test (thumbv7m-none-eabi under qemu-system-arm)"
bash tests/embedded/run.sh
