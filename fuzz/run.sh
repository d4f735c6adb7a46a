#!/usr/bin/env bash
# Fuzzing on nightly with cargo-fuzz, every target listed in fuzz/Cargo.toml
# unless targets are named.
#
#   fuzz/run.sh [SECONDS]                    smoke run, SECONDS per target (default 30)
#   fuzz/run.sh --long SECONDS [TARGET...]   long campaign, SECONDS per target
#   fuzz/run.sh --cmin [TARGET...]           minimise what the runs found into fuzz/corpus/<target>
#
# Each target starts from its committed corpus, fuzz/corpus/<target> (the
# seed-* inputs written by hand, the rest kept by --cmin because they add
# coverage), and from its working corpus in fuzz/target/corpus/<target>,
# which keeps what earlier runs found. New inputs go to the working corpus
# only, so a run never changes the committed files. At the end a table gives,
# per target, the seconds, runs, and libFuzzer's final coverage (`cov:`,
# edges reached) and features (`ft:`). Exits non-zero on the first crash,
# leak or timeout; the failing input is left in fuzz/artifacts/<target>/.
set -euo pipefail

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
is_number() { case "$1" in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

mode=smoke
seconds=30
case "${1:-}" in
  --long) mode=long; seconds="${2:-}"; is_number "$seconds" || usage; shift 2 ;;
  --cmin) mode=cmin; shift ;;
  -h | --help) usage ;;
  '') ;;
  *) is_number "$1" || usage; seconds="$1"; shift; [ $# -eq 0 ] || usage ;;
esac

cd "$(dirname "$0")"
all=$(awk '/^\[\[bin\]\]/ { inbin = 1; next } inbin && /^name *=/ { gsub(/[" ]/, "", $0); sub(/^name=/, "", $0); print; inbin = 0 }' Cargo.toml)
if [ -z "$all" ]; then
  echo "no [[bin]] targets found in fuzz/Cargo.toml" >&2
  exit 1
fi
targets="${*:-$all}"
for t in $targets; do
  grep -qx "$t" <<<"$all" || { echo "unknown fuzz target: $t (have: $(echo $all))" >&2; exit 2; }
done

cargo +nightly fuzz build $([ $# -eq 1 ] && echo "$1")

if [ "$mode" = cmin ]; then
  # Merge the committed corpus and the working corpus into a small set with
  # the same features (a set cover: far fewer files than -merge=1); the
  # hand-written seed-* inputs always stay.
  for t in $targets; do
    mkdir -p "corpus/$t" "target/corpus/$t"
    fresh=$(mktemp -d)
    cp corpus/"$t"/seed-* "$fresh"/ 2>/dev/null || true
    cargo +nightly fuzz run "$t" "$fresh" "corpus/$t" "target/corpus/$t" -- -set_cover_merge=1 2>&1 | grep -E '^MERGE-OUTER: [0-9]+ new files' || true
    find "corpus/$t" -type f ! -name 'seed-*' -delete
    find "$fresh" -type f ! -name 'seed-*' -exec cp {} "corpus/$t"/ \;
    rm -rf "$fresh"
    echo "corpus/$t: $(ls "corpus/$t" | wc -l) files, $(du -sb "corpus/$t" | cut -f1) bytes"
  done
  echo "committed corpora: $(find corpus -type f | wc -l) files, $(du -sb corpus | cut -f1) bytes in all"
  exit 0
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
for t in $targets; do
  echo "=== fuzz target $t: ${seconds}s ($mode)"
  mkdir -p "corpus/$t" "target/corpus/$t"
  # The log keeps the final stats for the table; the run's own verdict
  # (crash, leak, timeout) is the exit status.
  cargo +nightly fuzz run "$t" "target/corpus/$t" "corpus/$t" -- \
    -max_total_time="$seconds" -print_final_stats=1 2>&1 | tee "$logs/$t" | { grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse)' || true; } || {
    echo "=== fuzz target $t FAILED; the input is in fuzz/artifacts/$t/" >&2
    exit 1
  }
done

echo
printf '%-20s %8s %12s %8s %8s %8s\n' target seconds runs cov ft corpus
for t in $targets; do
  done_line=$(grep -E '^#[0-9]+\s+DONE' "$logs/$t" | tail -1)
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$logs/$t" | grep -oE '[0-9]+$' || echo '?')
  cov=$(grep -oE 'cov: [0-9]+' <<<"$done_line" | cut -d' ' -f2)
  ft=$(grep -oE 'ft: [0-9]+' <<<"$done_line" | cut -d' ' -f2)
  corp=$(grep -oE 'corp: [0-9]+' <<<"$done_line" | cut -d' ' -f2)
  printf '%-20s %8s %12s %8s %8s %8s\n' "$t" "$seconds" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
done
echo "=== all fuzz targets passed (${seconds}s each, $mode)"
