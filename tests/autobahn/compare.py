#!/usr/bin/env python3
"""Compare kosoku/Autobahn index.json reports with expected-results.json.

Usage:
  compare.py [--expected FILE] MODE=INDEX.json [MODE=INDEX.json ...]
  compare.py --update [--expected FILE] MODE=INDEX.json ...   (rewrite FILE)

MODE is `fuzzingclient` (kosoku drove our echo server) or `fuzzingserver`
(kosoku served the cases to our echo client). expected-results.json maps
mode -> case id -> {"behavior": V, "behaviorClose": C}; keys starting with
"_" are comments.

Ranking, best first (a case is WORSE when either part ranks lower than
expected, BETTER when neither is lower and one is higher):

  behavior:       OK > NON-STRICT > INFORMATIONAL > UNIMPLEMENTED > FAILED
                  (ERROR, kosoku's "could not run to a verdict", and any label
                  not listed rank with FAILED)
  behaviorClose:  OK > INFORMATIONAL > everything else (FAILED, WRONG CODE,
                  UNCLEAN, FAILED BY CLIENT, NO_CLOSE ... all rank as failed)

A case in the expected file but not in the report is MISSING and fails; a case
in the report but not in the expected file is UNLISTED and fails too, so every
case of the suite is accounted for. BETTER cases are printed (update the file
with --update) but do not fail. Exit status: 0 when nothing is worse, missing
or unlisted; 1 otherwise; 2 on a usage or input error.
"""
import argparse
import collections
import json
import sys

BEHAVIOR_ORDER = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]
CLOSE_ORDER = ["OK", "INFORMATIONAL", "FAILED"]
MODES = ("fuzzingclient", "fuzzingserver")


def rank(order: list[str], label: str) -> int:
    """Position in `order` (0 = best); unknown labels rank with the last one."""
    return order.index(label) if label in order else len(order) - 1


def case_key(case_id: str) -> list[int]:
    return [int(p) for p in case_id.split(".")]


def load_report(path: str) -> dict:
    with open(path) as f:
        index = json.load(f)
    agents = [a for a in index if index[a]]
    if len(agents) != 1:
        raise SystemExit(f"compare.py: {path}: expected one agent, found {agents}")
    return index[agents[0]]


def main() -> int:
    ap = argparse.ArgumentParser(description="compare Autobahn verdicts with the expected ones")
    ap.add_argument("--expected", default="tests/autobahn/expected-results.json")
    ap.add_argument("--update", action="store_true", help="write the actual verdicts to --expected")
    ap.add_argument("reports", nargs="+", metavar="MODE=INDEX.json")
    a = ap.parse_args()

    actual = {}
    for spec in a.reports:
        mode, _, path = spec.partition("=")
        if mode not in MODES or not path:
            print(f"compare.py: bad report argument {spec!r} (want fuzzingclient=PATH or fuzzingserver=PATH)",
                  file=sys.stderr)
            return 2
        try:
            actual[mode] = load_report(path)
        except (OSError, ValueError) as e:
            print(f"compare.py: cannot read {path}: {e}", file=sys.stderr)
            return 2

    if a.update:
        try:
            with open(a.expected) as f:
                out = json.load(f)
        except OSError:
            out = {}
        for mode, cases in actual.items():
            out[mode] = {cid: {"behavior": r["behavior"], "behaviorClose": r["behaviorClose"]}
                         for cid, r in sorted(cases.items(), key=lambda kv: case_key(kv[0]))}
        with open(a.expected, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
        print(f"wrote {a.expected}")
        return 0

    with open(a.expected) as f:
        expected = json.load(f)

    passed = failed = 0
    for mode, cases in actual.items():
        exp = {k: v for k, v in expected.get(mode, {}).items() if not k.startswith("_")}
        if not exp:
            print(f"FAIL {mode}: no expected results for this mode in {a.expected}")
            failed += 1
            continue
        counts = collections.Counter()
        worse = better = 0
        for cid in sorted(set(exp) | set(cases), key=case_key):
            if cid not in cases:
                print(f"MISSING {mode} {cid}: in {a.expected} but not in the report")
                failed += 1
                continue
            got = cases[cid]
            counts[got["behavior"]] += 1
            if cid not in exp:
                print(f"UNLISTED {mode} {cid}: behavior {got['behavior']}, close {got['behaviorClose']}"
                      f" (add it to {a.expected})")
                failed += 1
                continue
            want = exp[cid]
            db = rank(BEHAVIOR_ORDER, got["behavior"]) - rank(BEHAVIOR_ORDER, want["behavior"])
            dc = rank(CLOSE_ORDER, got["behaviorClose"]) - rank(CLOSE_ORDER, want["behaviorClose"])
            detail = (f"behavior {got['behavior']} (expected {want['behavior']}), "
                      f"close {got['behaviorClose']} (expected {want['behaviorClose']}), "
                      f"remote close code {got.get('remoteCloseCode')}")
            if db > 0 or dc > 0:
                print(f"WORSE {mode} {cid}: {detail}")
                worse += 1
                failed += 1
            else:
                if db < 0 or dc < 0:
                    print(f"BETTER {mode} {cid}: {detail} -- update {a.expected}")
                    better += 1
                passed += 1
        summary = ", ".join(f"{label} {counts[label]}" for label in
                            BEHAVIOR_ORDER + sorted(set(counts) - set(BEHAVIOR_ORDER)) if counts[label])
        print(f"{mode}: {len(cases)} cases: {summary}; {worse} worse, {better} better than expected")

    for mode in MODES:
        if mode not in actual and any(not k.startswith("_") for k in expected.get(mode, {})):
            print(f"note: no report given for {mode}; its expected results were not checked")
    print(f"autobahn: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
