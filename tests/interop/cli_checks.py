#!/usr/bin/env python3
"""Checks of the examples' own command lines (no third-party peer).

  cli_checks.py http://127.0.0.1:PORT/ ECHO_CLIENT

- http-get-page: a plain GET / on the echo server answers 200 with the echo
  test page as text/html;
- send-cli, send-cli-non-ascii: `ECHO_CLIENT ws://... --send TEXT` prints the
  echoed TEXT and exits 0;
- client-refused-exit: `ECHO_CLIENT` against a loopback port nobody listens
  on exits non-zero with a one-line reason.
Prints one line per case, `PASS name` or `FAIL name: reason`.
"""
import socket
import subprocess
import sys
import urllib.request

failures = 0


def report(name, problem):
    global failures
    if problem:
        failures += 1
        print(f"FAIL {name}: {problem}", flush=True)
    else:
        print(f"PASS {name}", flush=True)


def get_page(base):
    with urllib.request.urlopen(base, timeout=10) as resp:
        body = resp.read().decode("utf-8", "replace")
        ctype = resp.headers.get("Content-Type", "")
        if resp.status != 200:
            return f"status {resp.status}"
    if not ctype.startswith("text/html"):
        return f"Content-Type {ctype!r}"
    if "location.host" not in body or "WebSocket rocks" not in body:
        return "the body is not the echo test page"
    return None


def send(client, url, text):
    p = subprocess.run([client, url, "--send", text], capture_output=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        return f"exited {p.returncode}: {p.stderr.decode('utf-8', 'replace').strip()[:200]}"
    if out.rstrip("\n") != text:
        return f"printed {out[:200]!r}, expected {text!r}"
    return None


def refused(client):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # bound, never listened: connecting is refused
    p = subprocess.run([client, f"ws://127.0.0.1:{port}/"], capture_output=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    if p.returncode == 0:
        return "exited 0"
    lines = (p.stderr or p.stdout).decode("utf-8", "replace").strip().splitlines()
    if len(lines) != 1:
        return f"expected a one-line reason, got {len(lines)} lines"
    return None


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    base, client = sys.argv[1], sys.argv[2]
    ws_url = "ws" + base[len("http"):]
    for name, fn in [
        ("http-get-page", lambda: get_page(base)),
        ("send-cli", lambda: send(client, ws_url, "WebSocket rocks")),
        ("send-cli-non-ascii", lambda: send(client, ws_url, "héllo wörld 🚀")),
        ("client-refused-exit", lambda: refused(client)),
    ]:
        try:
            report(name, fn())
        except Exception as e:  # noqa: BLE001
            report(name, f"{type(e).__name__}: {e}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
