#!/usr/bin/env bash
# Runs every test of the crate: unit, integration and doc tests with all
# features and again with none (the no_std, no-alloc core), then the
# conformance (Autobahn) and interop suites and the firmware test under QEMU
# when they are present.
# Set WSM_SKIP_SUITES=1 to run only the cargo tests.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test --all-features"
cargo test --all-features
echo "== cargo test --no-default-features"
cargo test --no-default-features

# The suites drive the echo examples; they run once those exist.
if [ "${WSM_SKIP_SUITES:-0}" != 1 ] && [ -f examples/echo_server.rs ] && [ -f examples/echo_client.rs ]; then
  if [ -x tests/autobahn/run.sh ] || [ -f tests/autobahn/run.sh ]; then
    echo "== Autobahn TestSuite (kosoku), both modes"
    cargo build --release --features deflate --example echo_server --example echo_client
    ECHO_SERVER=target/release/examples/echo_server ECHO_CLIENT=target/release/examples/echo_client \
      bash tests/autobahn/run.sh
  fi
  if [ -f tests/interop/run.sh ]; then
    echo "== interop with real peers"
    cargo build --release --features deflate --example echo_server --example echo_client
    ECHO_SERVER=target/release/examples/echo_server ECHO_CLIENT=target/release/examples/echo_client \
      bash tests/interop/run.sh
  fi
fi

# The no_std firmware test under QEMU (installs its Rust target and
# qemu-system-arm when it can) and its budget table.
if [ "${WSM_SKIP_SUITES:-0}" != 1 ] && [ -f tests/embedded/run.sh ]; then
  echo "== firmware test (thumbv7m-none-eabi under qemu-system-arm)"
  bash tests/embedded/run.sh
fi
