#!/usr/bin/env python3
"""Drive ECHO_CLIENT through every case a kosoku fuzzingserver serves.

The fuzzingserver speaks the Autobahn control protocol:
  /getCaseCount                 -> one text message with the number of cases
  /runCase?case=N&agent=NAME    -> case N (1-based) runs on this connection
  /updateReports?agent=NAME     -> the run is over; reports get written

ECHO_CLIENT only knows how to echo, so this script reads the case count itself
(with the pinned `websockets`) and then starts one `ECHO_CLIENT URL` process
per case. A client that fails the connection on purpose (which many cases
require) exits non-zero; that is expected and only counted here: the verdicts
come from kosoku's report, not from exit codes.
"""
import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from websockets.sync.client import connect


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="fuzzingserver base URL, ws://127.0.0.1:PORT")
    ap.add_argument("--client", required=True, help="path to the echo client binary")
    ap.add_argument("--agent", default="wsmachine")
    ap.add_argument("--jobs", type=int, default=2, help="cases run at once")
    ap.add_argument("--case-timeout", type=float, default=60.0, help="seconds per case")
    a = ap.parse_args()

    with connect(a.url + "/getCaseCount", open_timeout=10, close_timeout=5) as ws:
        count = int(ws.recv(timeout=10))
    print(f"fuzzingserver has {count} cases; running them with {a.jobs} at once", flush=True)

    def run(n: int) -> tuple[int, str]:
        url = f"{a.url}/runCase?case={n}&agent={a.agent}"
        try:
            p = subprocess.run([a.client, url], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               timeout=a.case_timeout)
        except subprocess.TimeoutExpired:
            return n, "timeout"
        if p.returncode != 0:
            err = p.stderr.decode("utf-8", "replace").strip().splitlines()
            return n, f"exit {p.returncode}: {err[-1] if err else ''}"
        return n, ""

    started = time.monotonic()
    nonzero = timeouts = 0
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        for n, problem in pool.map(run, range(1, count + 1)):
            if problem == "timeout":
                timeouts += 1
                print(f"case #{n}: client killed after {a.case_timeout:.0f}s", flush=True)
            elif problem:
                nonzero += 1
    print(f"ran {count} cases in {time.monotonic() - started:.1f}s; "
          f"client exited non-zero in {nonzero} (expected where a case makes it fail the connection), "
          f"timed out in {timeouts}", flush=True)

    with connect(f"{a.url}/updateReports?agent={a.agent}", open_timeout=10, close_timeout=5) as ws:
        try:
            ws.recv(timeout=5)
        except Exception:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
