"""A logging format that cuts a field (``%(message).80s``) must not cut a secret open.

``RedactingFormatter`` masks the output of the formatter it wraps; a format string
with a precision cuts the message first, so a secret cut in the middle would no
longer be recognisable. The fields the format cuts are masked on a copy of the
record before the inner formatter runs. ``RedactFilter`` (before any formatter) is
covered by its position. Real ``logging`` handlers, every cut position.
"""

from __future__ import annotations

import io
import logging
import secrets
import string
from collections.abc import Iterator
from typing import Literal

import pytest

from redact import KnownSecrets, Redactor
from redact.integrations.logging import RedactFilter, RedactingFormatter

ALNUM = string.ascii_letters + string.digits
S = "Zq" + secrets.token_urlsafe(18)  # a fixed head, as in tests/core/test_cuts.py
GH = "ghp_" + "".join(secrets.choice(ALNUM) for _ in range(36))
MESSAGES = ["x" * 62 + " key " + S, "y" * 66 + " " + GH]
CUTS = [63, 67, 68, 70, 72, 75, 80, 90]


def _redactor() -> Redactor:
    ks = KnownSecrets()
    ks.add(S, label="s")
    return Redactor.default(known=ks)


def _leaked(out: str) -> list[str]:
    found = [f"S[:{k}]" for k in range(1, len(S) + 1) if " key " + S[:k] in out]
    found += [f"GH[:{k}]" for k in range(5, len(GH) + 1) if GH[:k] in out]
    return found


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("redact-test-truncation")
    log.propagate = False
    log.setLevel(logging.INFO)
    yield log
    for h in list(log.handlers):
        log.removeHandler(h)


FORMATS: list[tuple[str, Literal["%", "{"]]] = [
    ("%(levelname)s %(message).{n}s", "%"),
    ("{{levelname}} {{message:.{n}}}", "{"),
    ("%(levelname)s %(detail).{n}s | %(message)s", "%"),
]


@pytest.mark.parametrize(("fmt", "style"), FORMATS, ids=[f for f, _ in FORMATS])
@pytest.mark.parametrize("how", ["formatter", "filter"])
def test_a_format_that_cuts_a_field_leaks_no_part_of_a_secret(
    logger: logging.Logger, fmt: str, style: Literal["%", "{"], how: str
) -> None:
    """Each cut position: the line holds no character of S nor of GH's random part."""
    for n in CUTS:
        buf = io.StringIO()
        handler = logging.StreamHandler(buf)
        inner = logging.Formatter(fmt.format(n=n), style=style)
        if how == "formatter":
            handler.setFormatter(RedactingFormatter(inner, redactor=_redactor()))
        else:
            handler.setFormatter(inner)
            handler.addFilter(RedactFilter(_redactor()))
        logger.addHandler(handler)
        for message in MESSAGES:
            logger.info("%s", message, extra={"detail": message})
        logger.removeHandler(handler)
        out = buf.getvalue()
        assert out.count("\n") == len(MESSAGES)
        assert _leaked(out) == [], (fmt, how, n)


def test_a_format_without_a_cut_keeps_the_record_as_is(logger: logging.Logger) -> None:
    """No precision in the format: the record handed to the inner formatter is the original."""
    seen: list[logging.LogRecord] = []

    class Inner(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            seen.append(record)
            return super().format(record)

    handled: list[logging.LogRecord] = []

    def keep(record: logging.LogRecord) -> bool:
        handled.append(record)
        return True

    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.addFilter(keep)
    handler.setFormatter(RedactingFormatter(Inner("%(message)s"), redactor=_redactor()))
    logger.addHandler(handler)
    logger.info("hello %s", "world")
    assert buf.getvalue() == "hello world\n"
    assert seen[0] is handled[0]
