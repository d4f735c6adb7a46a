#!/usr/bin/env python3
"""Python `websockets` server that tests wsmachine's echo client.

  py_server.py ECHO_CLIENT

Serves on a free loopback port and starts `ECHO_CLIENT ws://127.0.0.1:PORT/...
--protocol chat` twice:
  1. the message cases (sent by this server, echoed by the client), a ping,
     then this server closes with 4000 "bye": the client must answer the close
     and exit 0;
  2. this server closes with 1000 right after the handshake: the client must
     answer and exit 0.
Prints one line per case, `PASS name` or `FAIL name: reason`; exits 1 if any
case failed.
"""
import asyncio
import sys

from websockets.asyncio.server import serve

from cases import FRAGMENTED, describe, message_cases

TIMEOUT = 15
failures = 0


def report(name: str, problem: str | None) -> None:
    global failures
    if problem:
        failures += 1
        print(f"FAIL {name}: {problem}", flush=True)
    else:
        print(f"PASS {name}", flush=True)


async def case(name: str, coro) -> None:
    try:
        report(name, await asyncio.wait_for(coro, TIMEOUT))
    except asyncio.TimeoutError:
        report(name, f"no answer within {TIMEOUT}s")
    except Exception as e:  # noqa: BLE001 - every error is a case failure
        report(name, f"{type(e).__name__}: {e}")


def select_subprotocol(conn, offered):
    return "chat" if "chat" in offered else None


async def echo(ws, payload):
    await ws.send(payload)
    got = await ws.recv()
    return None if got == payload else describe(got, payload)


async def echo_fragments(ws, fragments):
    await ws.send(fragments)
    want = fragments[0][:0].join(fragments)
    got = await ws.recv()
    return None if got == want else describe(got, want)


async def ping(ws):
    await (await ws.ping(b"server-ping"))
    return None


async def close_and_check(ws, code, reason):
    await ws.close(code, reason)
    rcvd = ws.protocol.close_rcvd
    if rcvd is None:
        return "client sent no close frame"
    if rcvd.code != code or rcvd.reason not in (reason, ""):
        return f"client answered close with {rcvd.code} {rcvd.reason!r}, expected {code} {reason!r}"
    return None


async def session_messages(ws):
    report("subprotocol-chat", None if ws.subprotocol == "chat"
           else f"client offered {ws.request.headers.get('Sec-WebSocket-Protocol')!r}, negotiated {ws.subprotocol!r}")
    agreed = ws.response.headers.get("Sec-WebSocket-Extensions") or ""
    report("permessage-deflate-negotiated", None if agreed.startswith("permessage-deflate")
           else f"client offered {ws.request.headers.get('Sec-WebSocket-Extensions')!r}, agreed {agreed!r}")
    for name, payload in message_cases():
        await case(name, echo(ws, payload))
    for name, fragments in FRAGMENTED:
        await case(name, echo_fragments(ws, fragments))
    await case("ping-pong", ping(ws))
    await case("server-close-4000-bye", close_and_check(ws, 4000, "bye"))


async def session_close_first(ws):
    await case("server-closes-first-1000", close_and_check(ws, 1000, "done"))


SESSIONS = {"/messages": session_messages, "/close-first": session_close_first}


async def handler(ws):
    session = SESSIONS.get(ws.request.path)
    if session is None:
        report("request-path", f"unexpected path {ws.request.path!r}")
        return
    await session(ws)


async def run_client(client: str, url: str, name: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        client, url, "--protocol", "chat",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        report(name, "echo client still running 60s after the server closed")
        return
    last = (err or out).decode("utf-8", "replace").strip().splitlines()
    report(name, None if proc.returncode == 0
           else f"echo client exited {proc.returncode}: {last[-1] if last else '(no output)'}")


async def main(client: str) -> int:
    async with serve(handler, "127.0.0.1", 0, select_subprotocol=select_subprotocol,
                     max_size=4 << 20, ping_interval=None, close_timeout=TIMEOUT) as server:
        port = server.sockets[0].getsockname()[1]
        await run_client(client, f"ws://127.0.0.1:{port}/messages", "client-exit-0-after-close")
        await run_client(client, f"ws://127.0.0.1:{port}/close-first", "client-exit-0-server-closed-first")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(asyncio.run(main(sys.argv[1])))
