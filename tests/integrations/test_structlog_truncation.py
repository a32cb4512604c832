"""structlog truncates frame locals (``locals_max_string``) BEFORE the redactor in some orders.

A local cut inside a secret (``... key ya_N0HM'+11``) is no longer the registered
value nor a whole rule token. The core reads the ``'...'+N`` truncation marker as a
cut and masks the unfinished secret before it, so every documented order (and the
processor after the renderer) leaks none of its characters, wherever the cut falls.
"""

from __future__ import annotations

import io
import secrets
import string
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog
from structlog.dev import ConsoleRenderer, RichTracebackFormatter
from structlog.processors import ExceptionRenderer, JSONRenderer
from structlog.tracebacks import ExceptionDictTransformer

from redact import KnownSecrets, Redactor
from redact.integrations.structlog import RedactProcessor

ALNUM = string.ascii_letters + string.digits
S = "Zq" + secrets.token_urlsafe(18)  # a fixed head, as in tests/core/test_cuts.py
GH = "ghp_" + "".join(secrets.choice(ALNUM) for _ in range(36))
BANNER = "x" * 62 + " key " + S
GH_LINE = "y" * 66 + " " + GH


def _redactor() -> Redactor:
    ks = KnownSecrets()
    ks.add(S, label="s")
    return Redactor.default(known=ks)


def _fail() -> None:
    banner = BANNER
    gh_line = GH_LINE
    assert banner and gh_line
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


def _leaked(out: str) -> list[str]:
    """Any start of S (after ' key ') or of GH's random part still in the output."""
    found = [f"S[:{k}]" for k in range(1, len(S) + 1) if " key " + S[:k] in out]
    found += [f"GH[:{k}]" for k in range(5, len(GH) + 1) if GH[:k] in out]
    return found


def _log(processors: list[Any]) -> str:
    buf = io.StringIO()
    log = structlog.wrap_logger(structlog.WriteLogger(buf), processors=processors)
    try:
        _fail()
    except RuntimeError:
        log.exception("failed")
    return buf.getvalue()


def _dict_tb(n: int) -> Any:
    return ExceptionRenderer(ExceptionDictTransformer(show_locals=True, locals_max_string=n))


def _rich(n: int) -> ConsoleRenderer:
    fmt = RichTracebackFormatter(
        show_locals=True, locals_max_string=n, width=300, color_system=None
    )
    return ConsoleRenderer(colors=False, exception_formatter=fmt)


#: Every documented position of the processor around a truncating renderer.
ORDERS: dict[str, Callable[[int], list[Any]]] = {
    "dict_tracebacks, processor, json (documented)": lambda n: [
        _dict_tb(n),
        RedactProcessor(_redactor()),
        JSONRenderer(),
    ],
    "processor, dict_tracebacks, json": lambda n: [
        RedactProcessor(_redactor()),
        _dict_tb(n),
        JSONRenderer(),
    ],
    "dict_tracebacks, json, processor (after the renderer)": lambda n: [
        _dict_tb(n),
        JSONRenderer(),
        RedactProcessor(_redactor()),
    ],
    "processor, console rich": lambda n: [RedactProcessor(_redactor()), _rich(n)],
    "console rich, processor (after the renderer)": lambda n: [
        _rich(n),
        RedactProcessor(_redactor()),
    ],
}

#: Cuts inside S (the banner's S starts at 67) and inside GH's random part (71 on).
CUTS = [66, 68, 70, 72, 75, 78, 80, 84, 90, 100]


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_no_truncation_cut_shows_the_start_of_a_secret(order: str) -> None:
    """Each documented order, each cut position: no character of S or GH's random part."""
    for n in CUTS:
        out = _log(ORDERS[order](n))
        assert "boom" in out
        assert _leaked(out) == [], (order, n)


def test_the_issue_example_documented_order() -> None:
    """[dict_tracebacks, RedactProcessor, JSONRenderer] with structlog's default 80 chars."""
    out = _log([structlog.processors.dict_tracebacks, RedactProcessor(_redactor()), JSONRenderer()])
    assert "banner" in out
    assert "gh_line" in out
    assert _leaked(out) == []
    assert "[REDACTED:s]" in out
