"""Log adapters render exceptions from the core's masked copy (issue #9).

A traceback is rendered from the exception object: what it holds under a sensitive name
(an attribute its ``__str__`` shows, an object in its args whose repr shows a
``password`` attribute, a ``__slots__`` object, a cause's or context's) shows in the text
without the name, where no text detector can find it. Each shape of ``_exc_shapes`` is
logged with the value registered and as a named value only, through real ``logging``
handlers (``RedactFilter``, ``RedactingFormatter``, both) and real structlog chains (the
processor before and after ``format_exc_info`` / ``dict_tracebacks``, before
``ConsoleRenderer``).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest
import structlog

from redact import Redactor
from redact.integrations.logging import RedactFilter, RedactingFormatter
from redact.integrations.structlog import RedactProcessor
from tests.integrations._exc_shapes import NAMED_SHAPES, SHAPES, Holder, raise_shape

KNOWN = "Zq8vLm2Rt7Kp4Wx9Nc3B"
NAMED = "hunter2-Wq7zPx"

CASES = [pytest.param(b, KNOWN, id=f"{n}-registered") for n, b in SHAPES.items()] + [
    pytest.param(b, NAMED, id=f"{n}-named") for n, b in NAMED_SHAPES.items()
]


def _redactor() -> Redactor:
    r = Redactor.default()
    r.known.add(KNOWN, label="planted")
    return r


def _log_in_handler(
    log: Callable[[], None], build: Callable[[str], BaseException], password: str
) -> None:
    """Log while handling the shape (the value is held by frames as ``password`` only)."""
    try:
        raise_shape(build, password)
    except Exception:
        log()


# -- stdlib logging ---------------------------------------------------------------------------


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    # Outside the logger tree: no capture handler of the test runner sees the records.
    log = logging.Logger("tests.isolated")
    yield log
    log.handlers.clear()


@pytest.mark.parametrize("setup", ["filter", "formatter", "both"])
@pytest.mark.parametrize(("build", "value"), CASES)
def test_logging_renders_masked_exception(
    build: Callable[[str], BaseException], value: str, setup: str, logger: logging.Logger
) -> None:
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    r = _redactor()
    if setup in ("filter", "both"):
        handler.addFilter(RedactFilter(r))
    if setup in ("formatter", "both"):
        handler.setFormatter(RedactingFormatter(redactor=r))
    logger.addHandler(handler)
    _log_in_handler(lambda: logger.exception("request failed"), build, value)
    out = buf.getvalue()
    assert "Traceback" in out
    assert value not in out


def test_logging_clean_exception_renders_as_is(logger: logging.Logger) -> None:
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.addFilter(RedactFilter(_redactor()))
    handler.setFormatter(RedactingFormatter(redactor=_redactor()))
    logger.addHandler(handler)
    try:
        raise ValueError("plain failure")
    except ValueError:
        logger.exception("failed")
    assert buf.getvalue().rstrip().endswith("ValueError: plain failure")


# -- structlog --------------------------------------------------------------------------------

RENDERERS = {
    "format_exc_info": structlog.processors.format_exc_info,
    "dict_tracebacks": structlog.processors.dict_tracebacks,
}


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


def _chain(position: str, renderer: str, r: Redactor) -> list[object]:
    if renderer == "console":
        return [RedactProcessor(r), structlog.dev.ConsoleRenderer(colors=False)]
    exc = RENDERERS[renderer]
    procs: list[object] = (
        [RedactProcessor(r), exc] if position == "before" else [exc, RedactProcessor(r)]
    )
    return [*procs, structlog.processors.JSONRenderer()]


ORDERS = [pytest.param(p, n, id=f"{p}-{n}") for p in ("before", "after") for n in RENDERERS] + [
    pytest.param("before", "console", id="before-console")
]


@pytest.mark.parametrize(("position", "renderer"), ORDERS)
@pytest.mark.parametrize(("build", "value"), CASES)
def test_structlog_renders_masked_exception(
    build: Callable[[str], BaseException], value: str, position: str, renderer: str
) -> None:
    out = io.StringIO()
    log = structlog.wrap_logger(
        structlog.PrintLogger(out), processors=_chain(position, renderer, _redactor())
    )
    _log_in_handler(lambda: log.exception("request failed"), build, value)
    text = out.getvalue()
    assert "request failed" in text
    assert "Traceback" in text or "exc_type" in text
    assert value not in text


@pytest.mark.parametrize("renderer", list(RENDERERS))
def test_structlog_after_renderer_clean_exception_untouched(renderer: str) -> None:
    """Nothing to mask: the rendered exception is handed on as the renderer made it."""
    seen: list[object] = []

    def keep(_logger: object, _name: str, event: dict[str, object]) -> dict[str, object]:
        seen.append(event["exception"])
        return event

    procs = [RENDERERS[renderer], keep, RedactProcessor(_redactor()), keep]
    log = structlog.wrap_logger(structlog.ReturnLogger(), processors=procs)
    try:
        raise ValueError("plain failure")
    except ValueError:
        log.exception("failed")
    assert seen[0] is seen[1]


@pytest.mark.parametrize("setup", ["filter", "formatter"])
@pytest.mark.parametrize(("build", "value"), [p for p in CASES if str(p.id).endswith("-named")])
def test_logging_ignores_a_raw_exc_text_cached_by_an_earlier_handler(
    build: Callable[[str], BaseException], value: str, setup: str, logger: logging.Logger
) -> None:
    """A plain ``Formatter`` on an earlier handler caches its raw traceback in ``exc_text``
    (a capture handler, an error reporter): the redacting handler renders again from the
    masked copy instead of masking that text, which shows the value without its name."""
    logger.addHandler(logging.StreamHandler(io.StringIO()))  # formats first, caches exc_text
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    if setup == "filter":
        handler.addFilter(RedactFilter(_redactor()))
    else:
        handler.setFormatter(RedactingFormatter(redactor=_redactor()))
    logger.addHandler(handler)
    _log_in_handler(lambda: logger.exception("request failed"), build, value)
    assert "Traceback" in buf.getvalue()
    assert value not in buf.getvalue()


# -- structlog: positional arguments ------------------------------------------------------------


def _positional(wrapper: object, call: Callable[[object], None]) -> str:
    out = io.StringIO()
    procs = [RedactProcessor(_redactor()), structlog.processors.JSONRenderer()]
    if wrapper is structlog.stdlib.BoundLogger:
        procs.insert(1, structlog.stdlib.PositionalArgumentsFormatter())
    log = structlog.wrap_logger(structlog.PrintLogger(out), processors=procs, wrapper_class=wrapper)
    call(log)
    return out.getvalue()


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda log: log.info("%(password)s", {"password": NAMED}), id="mapping"),
        pytest.param(lambda log: log.info("%r", Holder(NAMED)), id="object"),
        pytest.param(lambda log: log.info("login", password=NAMED), id="keyword"),
    ],
)
def test_structlog_stdlib_logger_keeps_argument_names(call: Callable[[object], None]) -> None:
    """``stdlib.BoundLogger`` keeps ``positional_args``: the processor merges them by name."""
    text = _positional(structlog.stdlib.BoundLogger, call)
    assert text.strip()
    assert NAMED not in text


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda log: log.info("token %s", KNOWN), id="registered-arg"),
        pytest.param(lambda log: log.info("%r", Holder(KNOWN)), id="registered-object"),
        pytest.param(lambda log: log.info("password=%s", NAMED), id="name-in-message"),
        pytest.param(lambda log: log.info("login", password=NAMED), id="keyword"),
    ],
)
def test_structlog_native_logger_merged_args(call: Callable[[object], None]) -> None:
    """The native ``FilteringBoundLogger`` merges before the processors (documented): what
    the merged text still shows (a registered value, a name next to its value) is masked."""
    text = _positional(None, call)
    assert text.strip()
    assert KNOWN not in text
    assert NAMED not in text
