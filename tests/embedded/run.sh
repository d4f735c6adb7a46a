#!/usr/bin/env bash
# The firmware test: builds the no_std, no-alloc firmware for a Cortex-M3
# (thumbv7m-none-eabi) in release (opt-level "s", LTO, panic = "abort"),
# runs it under QEMU (lm3s6965evb) and prints the budgets: flash
# (.text + .rodata) per image and per role over an empty skeleton, static
# RAM (.data + .bss) and the stack peak measured by the firmware. Exits
# non-zero when anything fails, including a missing tool it cannot install.
#
# Images: `pair` (both endpoints over in-memory pipes: handshake with
# subprotocol chat, echo, a streamed message larger than the receive buffer,
# ping/pong, closing handshake), `server-only` and `client-only` (one role
# against canned peer bytes), `skeleton` (no endpoint: the baseline).
set -euo pipefail
cd "$(dirname "$0")"

TARGET=thumbv7m-none-eabi
QEMU_TIMEOUT=${QEMU_TIMEOUT:-60}

die() { echo "embedded: $*" >&2; exit 1; }

# --- tools
if ! rustup target list --installed | grep -qx "$TARGET"; then
  rustup target add "$TARGET" || die "cannot add the Rust target: run 'rustup target add $TARGET'"
fi
host=$(rustc -vV | sed -n 's/^host: //p')
size_tool="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-size"
if [ ! -x "$size_tool" ]; then
  rustup component add llvm-tools >/dev/null 2>&1 || rustup component add llvm-tools-preview >/dev/null 2>&1 || true
fi
if [ ! -x "$size_tool" ]; then
  size_tool=$(command -v llvm-size || command -v arm-none-eabi-size || true)
  [ -n "$size_tool" ] || die "no size tool: run 'rustup component add llvm-tools' (or install llvm / binutils-arm-none-eabi)"
fi
if ! command -v qemu-system-arm >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-arm >/dev/null \
      || die "apt-get install qemu-system-arm failed"
  else
    die "qemu-system-arm is missing: install it (Debian/Ubuntu: 'sudo apt-get install qemu-system-arm')"
  fi
fi

# --- build, run, measure
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
declare -A flash ram peak fmt div64
nm_tool="$(dirname "$size_tool")/llvm-nm"

# section SIZES_FILE NAME: the size of one section (0 when absent).
section() { awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }' "$1"; }

for image in pair server-only client-only skeleton; do
  features=()
  [ "$image" = pair ] || features=(--features "$image")
  echo "== build $image"
  cargo build --release --quiet "${features[@]}" || die "build of $image failed"
  elf="$out/$image.elf"
  cp "target/$TARGET/release/wsmachine-firmware-test" "$elf"
  "$size_tool" -A "$elf" >"$out/$image.size"
  if [ -x "$nm_tool" ]; then
    fmt[$image]=$("$nm_tool" -C "$elf" | grep -c 'core::fmt' || true)
    div64[$image]=$("$nm_tool" "$elf" | grep -ciE '__aeabi_uldivmod|u64_div_rem' || true)
  fi
  flash[$image]=$(( $(section "$out/$image.size" .text) + $(section "$out/$image.size" .rodata) ))
  ram[$image]=$(( $(section "$out/$image.size" .data) + $(section "$out/$image.size" .bss) ))

  echo "== run $image under qemu-system-arm (lm3s6965evb)"
  status=0
  timeout "$QEMU_TIMEOUT" qemu-system-arm -cpu cortex-m3 -machine lm3s6965evb -nographic \
    -semihosting-config enable=on,target=native -kernel "$elf" >"$out/$image.log" 2>&1 || status=$?
  grep -v '^Timer with period zero' "$out/$image.log" || true
  [ "$status" = 0 ] || die "$image failed under QEMU (exit $status$([ "$status" = 124 ] && echo ': timed out'))"
  grep -qx PASS "$out/$image.log" || die "$image exited 0 without PASS"
  peak[$image]=$(sed -n 's/^stack peak: //p' "$out/$image.log")
done

base=${flash[skeleton]}
echo
echo "== budgets ($TARGET, release: opt-level \"s\", LTO, codegen-units 1, panic abort, no core::fmt)"
printf '| %-12s | %10s | %13s | %14s | %10s | %19s |\n' image "flash (B)" "over skeleton" "static RAM (B)" "stack peak" "core::fmt / u64 div"
printf '|%s|%s|%s|%s|%s|%s|\n' -------------- ------------ --------------- ---------------- ------------ ---------------------
for image in pair server-only client-only skeleton; do
  printf '| %-12s | %10s | %13s | %14s | %10s | %19s |\n' "$image" "${flash[$image]}" "$(( flash[$image] - base ))" \
    "${ram[$image]}" "${peak[$image]}" "${fmt[$image]:-?} / ${div64[$image]:-?} symbols"
done
echo "(flash = .text + .rodata; static RAM = .data + .bss; stack peak includes each image's buffers and endpoints, which live on main's stack)"
echo
echo "stack per call (pair image, deepest seen):"
sed -n 's/^stack \(.*::.*\)$/  \1/p' "$out/pair.log"
sed -n 's/^size_of \(.*\)$/  size_of \1/p' "$out/pair.log"
echo "embedded: PASS"
