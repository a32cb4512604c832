"""structlog renderers that render ``exc_info`` themselves read the live frames' locals.

``ConsoleRenderer`` (rich or plain tracebacks), ``dict_tracebacks`` and
``format_exc_info`` placed AFTER ``RedactProcessor`` get an exception whose
traceback frames show masked locals. Each order documented in
``docs/integrations-order.md`` is tested here with a real structlog chain.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import string
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from structlog.dev import ConsoleRenderer, RichTracebackFormatter, plain_traceback

from redact import KnownSecrets, Redactor
from redact.integrations.structlog import RedactProcessor

ALNUM = string.ascii_letters + string.digits


def _rand(n: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


REGISTERED = "reg-" + _rand(20)
UNNAMED = "v" + _rand(20)  # only its local's name (password) gets it masked
TOKEN = "ghp_" + _rand(36)


def _redactor() -> Redactor:
    ks = KnownSecrets()
    ks.add(REGISTERED, label="db-password")
    return Redactor.default(known=ks)


def _leaks(text: str) -> list[str]:
    return [v for v in (REGISTERED, UNNAMED, TOKEN) if v in text]


def _fail() -> None:
    password = UNNAMED
    note = f"connecting with {REGISTERED}"
    blob = {"token_hint": TOKEN}
    assert password and note and blob
    raise RuntimeError("connect failed")


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


def _log_exception(processors: list[Any]) -> str:
    buf = io.StringIO()
    log = structlog.wrap_logger(structlog.WriteLogger(buf), processors=processors)
    try:
        _fail()
    except RuntimeError:
        log.exception("failed")
    try:
        _fail()
    except RuntimeError as exc:
        log.error("failed", exc_info=exc)  # noqa: TRY400 (an explicit exception object)
    return buf.getvalue()


RENDERERS: dict[str, Any] = {
    "console-rich": lambda: ConsoleRenderer(colors=False),
    "console-rich-locals": lambda: ConsoleRenderer(
        colors=False,
        exception_formatter=RichTracebackFormatter(show_locals=True, width=200, color_system=None),
    ),
    "console-rich-colors": lambda: ConsoleRenderer(
        colors=True, exception_formatter=RichTracebackFormatter(show_locals=True, width=200)
    ),
    "console-plain": lambda: ConsoleRenderer(colors=False, exception_formatter=plain_traceback),
}


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_console_renderer_after_the_processor_shows_masked_locals(renderer: str) -> None:
    """[RedactProcessor, ConsoleRenderer]: the rich traceback's locals are masked, frames kept."""
    out = _log_exception([RedactProcessor(_redactor()), RENDERERS[renderer]()])
    assert _leaks(out) == []
    assert "connect failed" in out
    assert "_fail" in out  # the frames are still rendered
    if renderer not in ("console-plain", "console-rich-colors"):
        assert "password" in out  # the local is listed, with a masked value
        assert "[REDACTED" in out


@pytest.mark.parametrize(
    "after",
    [
        "format_exc_info",
        "dict_tracebacks_locals",
        "exception_renderer_locals",
    ],
)
def test_exception_renderers_after_the_processor_see_masked_locals(after: str) -> None:
    """[RedactProcessor, <exception renderer>, JSONRenderer]: locals and messages masked."""
    renderers = {
        "format_exc_info": structlog.processors.format_exc_info,
        "dict_tracebacks_locals": structlog.processors.dict_tracebacks,
        "exception_renderer_locals": structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=True, locals_max_string=4096)
        ),
    }
    out = _log_exception(
        [RedactProcessor(_redactor()), renderers[after], structlog.processors.JSONRenderer()]
    )
    assert _leaks(out) == []
    for line in out.splitlines():
        assert "connect failed" in json.dumps(json.loads(line)["exception"])


def test_documented_order_masks_rendered_locals() -> None:
    """[dict_tracebacks (show_locals), RedactProcessor, JSONRenderer]: the documented order."""
    out = _log_exception(
        [
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=True)
            ),
            RedactProcessor(_redactor()),
            structlog.processors.JSONRenderer(),
        ]
    )
    assert _leaks(out) == []
    assert "_fail" in out


def test_processor_formatter_with_console_renderer_masks_foreign_tracebacks() -> None:
    """ProcessorFormatter(processors=[..., RedactProcessor, ConsoleRenderer]): a plain
    logging.exception() from a foreign logger shows masked locals too."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                RedactProcessor(_redactor()),
                ConsoleRenderer(colors=False),
            ]
        )
    )
    foreign = logging.getLogger("foreign-tracebacks")
    foreign.addHandler(handler)
    foreign.propagate = False
    try:
        _fail()
    except RuntimeError:
        foreign.exception("foreign failure")
    finally:
        foreign.removeHandler(handler)
    out = buf.getvalue()
    assert "foreign failure" in out
    assert "connect failed" in out
    assert _leaks(out) == []


def test_after_the_renderer_the_rendered_text_is_masked() -> None:
    """[ConsoleRenderer, RedactProcessor]: the rendered text goes through the text detectors
    (registered values, rules and ``name = 'value'`` pairs in the locals panel). Colours
    would put escape codes between a name and its value: this position needs them off."""
    out = _log_exception(
        [
            ConsoleRenderer(
                colors=False,
                exception_formatter=RichTracebackFormatter(
                    show_locals=True, width=200, color_system=None, locals_max_string=200
                ),
            ),
            RedactProcessor(_redactor()),
        ]
    )
    assert _leaks(out) == []


def test_a_clean_traceback_keeps_the_very_same_exception() -> None:
    """Nothing to mask in messages or locals: the event keeps the original exception object."""
    r = _redactor()

    def boom() -> None:
        count = 3
        assert count
        raise ValueError("plain failure")

    try:
        boom()
    except ValueError as exc:
        caught = exc
    event = RedactProcessor(r)(None, "error", {"event": "e", "exc_info": caught})
    assert event["exc_info"] is caught
