#!/usr/bin/env python3
"""Feature sets for CI's matrix, read from Cargo.toml's [features] table.

Reads `cargo metadata --no-deps --format-version 1` on stdin and prints one
line per distinct feature set, tab-separated:

    LABEL  CARGO_FLAGS  BARE_METAL

BARE_METAL is 1 when the set can be built for a target without an OS: it
does not enable `std` (directly or through another feature) and none of
the features named in the NEEDS_OS environment variable (space-separated).

The sets: no features, all features, `alloc`, `std`, the defaults, each
optional feature alone (without default features) and with `std`. Sets
that enable the same features are printed once (the first label wins).
"""
import json
import os
import sys

meta = json.load(sys.stdin)
package = next(p for p in meta["packages"] if p["name"] == "wsmachine")
features = package["features"]
needs_os = set(os.environ.get("NEEDS_OS", "").split())


def closure(names):
    """Every feature of the crate that `names` enable (dep: and dep/feature entries left out)."""
    enabled, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in enabled or name not in features:
            continue
        enabled.add(name)
        todo.extend(features[name])
    enabled.discard("default")
    return enabled


core = [f for f in ("alloc", "std") if f in features]
optional = sorted(f for f in features if f not in ("default", "alloc", "std"))

# `none` and `all` first: tests/run-all.sh tests exactly these two.
candidates = [("none", []), ("all", "all")]
candidates += [(f, [f]) for f in core]
candidates.append(("default", None))
for f in optional:
    candidates.append((f, [f]))
    if "std" in features:
        candidates.append((f"std,{f}", ["std", f]))

seen = set()
for label, chosen in candidates:
    if chosen is None:
        enabled, flags = closure(["default"]), ""
    elif chosen == "all":
        enabled, flags = closure(list(features)), "--all-features"
    else:
        enabled = closure(chosen)
        flags = "--no-default-features" + (f" --features {','.join(chosen)}" if chosen else "")
    key = frozenset(enabled)
    if key in seen:
        continue
    seen.add(key)
    bare = "std" not in enabled and not (enabled & needs_os)
    print(f"{label}\t{flags}\t{int(bare)}")
