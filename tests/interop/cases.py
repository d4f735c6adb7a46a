"""Message cases shared by py_client.py and py_server.py.

Sizes follow the issue: 0, 125, 126, 65535, 65536 bytes and 1 MiB, each as a
text and a binary message (125/126 and 65535/65536 straddle the 7-bit, 16-bit
and 64-bit payload length encodings), plus non-ASCII text. Payloads are
deterministic so a failure is reproducible.
"""

SIZES = [0, 125, 126, 65535, 65536, 1 << 20]

# Two-, three- and four-byte UTF-8 sequences, and U+FEFF / U+FFFF which are
# valid scalar values a validator must accept.
NON_ASCII = "héllo wörld — Ελληνικά русский 日本語 中文 한국어 🚀🎉 \ufeff\uffff end"


def text_payload(n: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return (alphabet * (n // len(alphabet) + 1))[:n]


def binary_payload(n: int) -> bytes:
    # All 256 byte values, in an order that is not the plain counter.
    return bytes((i * 167 + 13) & 0xFF for i in range(n))


def message_cases():
    """(name, payload) pairs; str payloads go as text, bytes as binary."""
    for n in SIZES:
        yield f"text-{n}", text_payload(n)
    for n in SIZES:
        yield f"binary-{n}", binary_payload(n)
    yield "text-non-ascii", NON_ASCII


# Fragmented messages: (name, fragments); the echo must be the concatenation.
FRAGMENTED = [
    ("fragmented-text", ["frag", "mented ", "tëxt ", "🚀"]),
    ("fragmented-binary", [b"\x00\x01", b"", b"\xff" * 1000, binary_payload(70000)]),
]


def describe(got, want) -> str:
    """Short reason why an echo did not match."""
    if type(got) is not type(want):
        return f"got a {'text' if isinstance(got, str) else 'binary'} message, sent " \
               f"{'text' if isinstance(want, str) else 'binary'}"
    if len(got) != len(want):
        return f"echo has length {len(got)}, sent {len(want)}"
    first = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
    return f"echo differs at offset {first}"
