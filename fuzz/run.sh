#!/usr/bin/env bash
# Runs every fuzz target listed in fuzz/Cargo.toml for SECONDS each (default
# 30) on nightly, starting from the committed seeds in fuzz/corpus/<target>.
# Exits non-zero on the first crash, leak or timeout; the failing input is
# left in fuzz/artifacts/<target>/.
set -euo pipefail

seconds="${1:-30}"
case "$seconds" in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")"
targets=$(awk '/^\[\[bin\]\]/ { inbin = 1; next } inbin && /^name *=/ { gsub(/[" ]/, "", $0); sub(/^name=/, "", $0); print; inbin = 0 }' Cargo.toml)
if [ -z "$targets" ]; then
  echo "no [[bin]] targets found in fuzz/Cargo.toml" >&2
  exit 1
fi

cargo +nightly fuzz build
for target in $targets; do
  echo "=== fuzz target $target: ${seconds}s"
  mkdir -p "corpus/$target"
  cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1
done
echo "=== all fuzz targets passed (${seconds}s each)"
