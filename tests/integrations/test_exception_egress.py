"""Exceptions leave every adapter masked (issue #9: objects, adapters, streams).

An exception rendered by a framework, not by the adapter, used to leave raw: Starlette's
debug page (``ServerErrorMiddleware(debug=True)`` sits outside any user middleware, so it
answers past the egress guard) and the server's error log; OTel's ``record_exception``
(the SDK renders ``exception.message`` / ``exception.stacktrace`` before any processor
sees the span). Each shape of ``_exc_shapes`` carries the value registered and, where
the shape gives it a name, as a named value only.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.routing import Route

from redact import Redactor
from redact.integrations.asgi import RedactMiddleware
from redact.integrations.otel import RedactingSpanExporter, RedactingSpanProcessor
from tests.integrations._exc_shapes import NAMED_SHAPES, SHAPES, raise_shape
from tests.integrations.conftest import UvicornThread

KNOWN = "Zq8vLm2Rt7Kp4Wx9Nc3B"
NAMED = "hunter2-Wq7zPx"

CASES = [pytest.param(b, KNOWN, id=f"{n}-registered") for n, b in SHAPES.items()] + [
    pytest.param(b, NAMED, id=f"{n}-named") for n, b in NAMED_SHAPES.items()
]


def _redactor() -> Redactor:
    r = Redactor.default()
    r.known.add(KNOWN, label="planted")
    return r


# -- ASGI: Starlette's debug page and uvicorn's error log -------------------------------------


@pytest.fixture
def error_log() -> Iterator[io.StringIO]:
    """What uvicorn's error logger writes (tracebacks of unhandled exceptions)."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    log = logging.getLogger("uvicorn.error")
    log.addHandler(handler)
    try:
        yield buf
    finally:
        log.removeHandler(handler)


def _app(build: Callable[[str], BaseException], value: str, *, inside: bool) -> object:
    async def boom(request: Request) -> None:
        raise_shape(build, value)

    r = _redactor()
    if inside:  # Starlette puts ServerErrorMiddleware outside every user middleware
        mw = [Middleware(RedactMiddleware, redactor=r)]
        return Starlette(debug=True, routes=[Route("/", boom)], middleware=mw)
    with pytest.warns(RuntimeWarning, match="debug mode"):
        return RedactMiddleware(Starlette(debug=True, routes=[Route("/", boom)]), redactor=r)


#: Outside the debug middleware the page is rendered from the raw exception before the
#: guard sees it: only registered values are masked there (and a RuntimeWarning says so).
OUTSIDE = [pytest.param(b, KNOWN, id=f"{n}-registered") for n, b in SHAPES.items()]


@pytest.mark.parametrize(
    ("build", "value", "inside"),
    [pytest.param(*p.values, True, id=f"inside-debug-{p.id}") for p in CASES]
    + [pytest.param(*p.values, False, id=f"outside-debug-{p.id}") for p in OUTSIDE],
)
def test_debug_page_and_error_log_are_masked(
    build: Callable[[str], BaseException], value: str, inside: bool, error_log: io.StringIO
) -> None:
    with UvicornThread(_app(build, value, inside=inside)) as server:
        html = httpx.get(server.url + "/", headers={"accept": "text/html"})
        text = httpx.get(server.url + "/")
    assert html.status_code == text.status_code == 500
    assert "Starlette Debugger" in html.text  # the debug page itself, not a bare 500
    assert value not in html.text
    assert value not in text.text
    assert "Traceback" in text.text
    assert value not in error_log.getvalue()
    assert "Exception in ASGI application" in error_log.getvalue()


def test_clean_exception_is_reraised_as_itself() -> None:
    """An exception with nothing to mask propagates unchanged (same object)."""
    seen: list[BaseException] = []
    err = RuntimeError("plain failure")

    async def app(scope: object, receive: object, send: object) -> None:
        raise err

    import asyncio

    async def run() -> None:
        mw = RedactMiddleware(app, redactor=_redactor())  # type: ignore[arg-type]

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b""}

        async def send(message: object) -> None:
            return None

        scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
        try:
            await mw(scope, receive, send)
        except RuntimeError as exc:
            seen.append(exc)

    asyncio.run(run())
    assert seen == [err]


def test_no_warning_for_an_app_not_in_debug_mode(recwarn: pytest.WarningsRecorder) -> None:
    RedactMiddleware(Starlette(routes=[]), redactor=_redactor())
    RedactMiddleware(Starlette(debug=True, routes=[]).router, redactor=_redactor())
    inner = ExceptionMiddleware(Starlette(routes=[]).router, debug=True)  # inside the page
    RedactMiddleware(inner, redactor=_redactor())
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# -- OTel: record_exception --------------------------------------------------------------------


def _dump(exporter: InMemorySpanExporter) -> str:
    out = []
    for span in exporter.get_finished_spans():
        out.append(f"{span.name} {dict(span.attributes or {})} {span.status.description}")
        out.extend(f"{e.name} {dict(e.attributes or {})}" for e in span.events)
    return "\n".join(out)


#: An exporter only sees finished spans, rendered from the raw exception: registered
#: values are masked there, named ones need RedactingSpanProcessor (documented).
OTEL = [pytest.param(*p.values, "processor", id=f"processor-{p.id}") for p in CASES] + [
    pytest.param(*p.values, "exporter", id=f"exporter-{p.id}") for p in OUTSIDE
]


@pytest.mark.parametrize("how", ["record_exception", "context-manager"])
@pytest.mark.parametrize(("build", "value", "where"), OTEL)
def test_otel_record_exception_is_masked(
    build: Callable[[str], BaseException], value: str, how: str, where: str
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    r = _redactor()
    if where == "processor":
        provider.add_span_processor(
            RedactingSpanProcessor(SimpleSpanProcessor(exporter), redactor=r)
        )
    else:
        provider.add_span_processor(
            SimpleSpanProcessor(RedactingSpanExporter(exporter, redactor=r))
        )
    tracer = provider.get_tracer("t")
    if how == "record_exception":
        with tracer.start_as_current_span("s") as span:
            try:
                raise_shape(build, value)
            except Exception as exc:
                span.record_exception(exc)
    else:
        with pytest.raises(Exception), tracer.start_as_current_span("s"):
            raise_shape(build, value)
    dumped = _dump(exporter)
    assert "exception.stacktrace" in dumped
    assert value not in dumped


def test_otel_clean_exception_and_status_untouched() -> None:
    """Nothing to mask: the event and the status show the exception as the SDK renders it."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(
        RedactingSpanProcessor(SimpleSpanProcessor(exporter), redactor=_redactor())
    )
    with pytest.raises(ValueError), provider.get_tracer("t").start_as_current_span("s"):
        raise ValueError("plain failure")
    (span,) = exporter.get_finished_spans()
    assert span.status.description == "ValueError: plain failure"
    (event,) = span.events
    assert (event.attributes or {})["exception.message"] == "plain failure"
    assert (event.attributes or {})["exception.type"] == "ValueError"


# -- OTel logs: the logging bridge renders exc_info into exception.* attributes ----------------


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(("build", "value"), CASES)
def test_otel_logging_bridge_exception_attributes_are_masked(
    build: Callable[[str], BaseException], value: str
) -> None:
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import InMemoryLogExporter, SimpleLogRecordProcessor

    from redact.integrations.otel import RedactingLogRecordProcessor

    memory = InMemoryLogExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(
        RedactingLogRecordProcessor(SimpleLogRecordProcessor(memory), redactor=_redactor())
    )
    log = logging.Logger("tests.otel-bridge")  # outside the logger tree
    log.addHandler(LoggingHandler(logger_provider=provider))

    def emit(password: str) -> None:
        try:
            raise_shape(build, password)
        except Exception:
            log.exception("request failed")

    emit(value)
    (record,) = memory.get_finished_logs()
    attrs = dict(record.log_record.attributes or {})
    assert "exception.stacktrace" in attrs
    assert value not in record.to_json()
