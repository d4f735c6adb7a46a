#!/usr/bin/env python3
"""Python `websockets` client against wsmachine's echo server.

  py_client.py ws://127.0.0.1:PORT/

Prints one line per case, `PASS name` or `FAIL name: reason`; exits 1 if any
case failed.
"""
import asyncio
import sys

from websockets.asyncio.client import connect

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


async def echo(ws, payload):
    await ws.send(payload)
    got = await ws.recv()
    return None if got == payload else describe(got, payload)


async def echo_fragments(ws, fragments):
    await ws.send(fragments)  # a list is sent as one fragmented message
    want = fragments[0][:0].join(fragments)
    got = await ws.recv()
    return None if got == want else describe(got, want)


async def ping(ws):
    waiter = await ws.ping(b"ping-payload")
    await waiter  # resolves when the pong with the same payload arrives
    return None


async def subprotocol(url, offer, want):
    async with connect(url, subprotocols=offer, open_timeout=TIMEOUT) as ws:
        got = ws.subprotocol
    return None if got == want else f"offered {offer}, server chose {got!r}, expected {want!r}"


async def uncompressed(url):
    """Without an offer the server must not agree to compression (RFC 7692 §5)."""
    async with connect(url, compression=None, open_timeout=TIMEOUT) as ws:
        agreed = ws.response.headers.get("Sec-WebSocket-Extensions")
        problem = await echo(ws, "plain text, no compression")
    if agreed:
        return f"server agreed to {agreed!r} without an offer"
    return problem


async def main(url: str) -> int:
    # permessage-deflate is offered (the library's default), as real clients
    # do: the server accepts it, so every echo below runs compressed.
    async with connect(url, subprotocols=["chat"], max_size=4 << 20,
                       open_timeout=TIMEOUT, close_timeout=TIMEOUT, ping_interval=None) as ws:
        report("subprotocol-chat", None if ws.subprotocol == "chat"
               else f"server chose {ws.subprotocol!r}, expected 'chat'")
        agreed = ws.response.headers.get("Sec-WebSocket-Extensions") or ""
        report("permessage-deflate-negotiated", None if agreed.startswith("permessage-deflate")
               else f"server answered extensions {agreed!r}, expected permessage-deflate")
        for name, payload in message_cases():
            await case(name, echo(ws, payload))
        for name, fragments in FRAGMENTED:
            await case(name, echo_fragments(ws, fragments))
        await case("ping-pong", ping(ws))

        async def close():
            await ws.close(4000, "bye")
            rcvd = ws.protocol.close_rcvd
            if rcvd is None:
                return "no close frame from the server"
            if rcvd.code != 4000 or rcvd.reason not in ("bye", ""):
                return f"server answered close with {rcvd.code} {rcvd.reason!r}, expected 4000 'bye'"
            return None
        await case("close-4000-bye", close())
    await case("subprotocol-first-offered", subprotocol(url, ["x-unknown", "superchat", "chat"], "superchat"))
    await case("subprotocol-none", subprotocol(url, None, None))
    await case("uncompressed-when-not-offered", uncompressed(url))
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(asyncio.run(main(sys.argv[1])))
