"""Printed ASGI scopes and HTTP/2 header lists: ``(b"name", b"value")`` pairs in text.

A value protected only by its header name (not registered, no rule shape) is masked
when the pair is printed with bytes literals, as it is with str literals: the pair
reader skips a literal's prefix (``b``, ``rb``, ``u``) before its quote.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest

from redact import Redactor

R = Redactor.default()
V = secrets.token_hex(16)
B = V.encode()

#: (shape, builder of the printed text); every one holds V under a sensitive header name.
SHAPES: list[tuple[str, Callable[[], str]]] = [
    ("issue: scope headers", lambda: str({"headers": [(b"host", b"x"), (b"x-api-key", B)]})),
    ("cookie after host", lambda: str([(b"host", b"x"), (b"cookie", b"sid=" + B)])),
    ("lone bytes pair", lambda: str([(b"x-api-key", B)])),
    ("after :method", lambda: str([(b":method", b"GET"), (b"x-api-key", B)])),
    (
        "authorization bearer",
        lambda: str([(b":method", b"GET"), (b"authorization", b"Bearer " + B)]),
    ),
    ("authorization basic", lambda: str(((b"proxy-authorization", b"Basic " + B),))),
    ("upper-case name", lambda: str([(b"X-API-KEY", B)])),
    ("list pair (JSON-ish)", lambda: str({"headers": [[b"x-api-key", B]]})),
    ("3-tuple", lambda: str([(b"x-auth-token", B, b"extra")])),
    ("double-quoted bytes", lambda: str([(b"x-api-key", b"it's " + B)])),
    ("set-cookie", lambda: str([(b"set-cookie", b"sid=" + B + b"; Path=/")])),
    ("bytes dict", lambda: str({b"x-api-key": B})),
    ("bytearray value", lambda: str([(b"authorization", bytearray(b"Bearer " + B))])),
    ("raw-bytes prefix", lambda: "[(rb'x-api-key', rb'" + V + "')]"),
    ("str pair", lambda: str([("x-api-key", V)])),
]


@pytest.mark.parametrize(("shape", "build"), SHAPES, ids=[s[0] for s in SHAPES])
def test_printed_header_pairs_mask_the_value(shape: str, build: Callable[[], str]) -> None:
    """The value under a sensitive header name is masked whatever the literal's prefix."""
    text = build()
    out = R.redact(text)
    assert V not in out, shape
    assert "[REDACTED" in out
    assert R.redact(out) == out


@pytest.mark.parametrize(
    "text",
    [
        str([(b"host", b"example.com"), (b"accept", b"*/*")]),
        str([(b":method", b"GET"), (b":path", b"/api/v1/items")]),
        "ab'x-api-key', b'abc'",  # a word glued to the quote is no literal prefix
    ],
)
def test_clean_header_lists_are_unchanged(text: str) -> None:
    """Headers with no sensitive name come back as the same object."""
    assert R.redact(text) is text
