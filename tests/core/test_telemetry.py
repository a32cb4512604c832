"""Telemetry: the redact.redactions counter and the secret.exposure_prevented audit event."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from redact import KnownSecrets, Redactor, telemetry
from redact.integrations.asgi import RedactMiddleware
from redact.integrations.logging import RedactFilter
from redact.integrations.otel import RedactingSpanProcessor
from redact.integrations.structlog import RedactProcessor
from redact.secrets.audit import AuditLog, MemorySink
from redact.telemetry import COUNTER, EXPOSURE_EVENT, RedactionTelemetry
from tests.integrations.conftest import UvicornThread
from tests.scan.conftest import make_secret


class Clock:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup() -> Iterator[dict[str, Any]]:
    """A redactor with one registered secret, installed telemetry, metrics reader, audit sink."""
    value = "pw-" + secrets.token_urlsafe(18)
    known = KnownSecrets()
    known.add(value, label="db.password", category="credential")
    redactor = Redactor.default(known=known)
    reader = InMemoryMetricReader()
    sink = MemorySink()
    clock = Clock()
    tel = RedactionTelemetry(
        meter_provider=MeterProvider(metric_readers=[reader]),
        audit=AuditLog(sinks=[sink], redactor=redactor),
        clock=clock,
    ).install()
    try:
        yield {"value": value, "redactor": redactor, "reader": reader, "sink": sink, "clock": clock}
    finally:
        tel.uninstall()


def _points(reader: InMemoryMetricReader) -> list[tuple[dict[str, Any], int]]:
    """(attributes, value) of every data point of the redact.redactions counter."""
    data = reader.get_metrics_data()
    out = []
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                if metric.name == COUNTER:
                    out += [(dict(p.attributes or {}), p.value) for p in metric.data.data_points]
    return out


def _logger(redactor: Redactor, name: str) -> tuple[logging.Logger, io.StringIO]:
    """A real stdlib logger whose handler carries RedactFilter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter(redactor))
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, stream


def test_off_by_default_and_site_is_a_shared_no_op() -> None:
    """With nothing installed the hook is None and site() costs one shared null context."""
    assert telemetry.observer is None
    assert telemetry.site("logging", object()) is telemetry.site("asgi")


def test_counter_names_rule_detector_integration_and_label_never_a_value(
    setup: dict[str, Any],
) -> None:
    """Known, rule and key-name redactions through logging are counted with their attributes."""
    logger, stream = _logger(setup["redactor"], "app.db")
    token = make_secret("github")
    logger.info("connect %s token %s", setup["value"], token, extra={"password": "hunter22"})
    assert setup["value"] not in stream.getvalue() and token not in stream.getvalue()
    points = _points(setup["reader"])
    by_detector = {a["redact.detector"]: (a, v) for a, v in points}
    assert set(by_detector) >= {"known", "rule", "key-name"}
    known, _ = by_detector["known"]
    assert known["redact.label"] == "db.password"
    assert known["redact.integration"] == "logging"
    assert by_detector["rule"][0]["redact.rule_id"].startswith("github")
    assert "redact.label" not in by_detector["rule"][0]
    flat = json.dumps(points)
    for secret in (setup["value"], token, "hunter22"):
        assert secret not in flat


def test_each_integration_names_itself(setup: dict[str, Any]) -> None:
    """structlog, OTel spans and direct calls report their integration."""
    redactor, value = setup["redactor"], setup["value"]
    RedactProcessor(redactor)(None, "info", {"event": f"x {value}", "logger": "svc"})
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(
        RedactingSpanProcessor(SimpleSpanProcessor(exporter), redactor=redactor)
    )
    with provider.get_tracer("t").start_as_current_span("charge-card") as span:
        span.set_attribute("note", value)
    redactor.redact(f"plain {value}")
    integrations = {a["redact.integration"] for a, _ in _points(setup["reader"])}
    assert integrations >= {"structlog", "otel", "direct"}
    events = {r["integration"]: r for r in setup["sink"].records}
    assert events["structlog"]["logger"] == "svc"
    assert events["otel"]["span"] == "charge-card"
    assert all(value not in json.dumps(r) for r in setup["sink"].records)


def test_exposure_event_is_rate_limited_per_label_and_site(setup: dict[str, Any]) -> None:
    """A hot loop logs one event per interval per call site; the next one counts the rest."""
    logger, _ = _logger(setup["redactor"], "app.loop")

    def hot() -> None:
        logger.info("using %s", setup["value"])  # one call site

    for _ in range(100):
        hot()
    logger.info("elsewhere %s", setup["value"])  # another call site
    events = [r for r in setup["sink"].records if r["event"] == EXPOSURE_EVENT]
    assert len(events) == 2
    first = events[0]
    assert (first["name"], first["category"], first["integration"]) == (
        "db.password",
        "credential",
        "logging",
    )
    assert first["logger"] == "app.loop"
    assert first["call_site"].endswith(f"test_telemetry.py:{first['call_site'].rsplit(':')[-1]}")
    assert first["function"] == "hot"
    setup["clock"].now += 61
    hot()
    hot()
    later = [r for r in setup["sink"].records if r["event"] == EXPOSURE_EVENT]
    assert len(later) == 3
    assert later[-1]["suppressed"] == 99
    total = sum(v for a, v in _points(setup["reader"]) if a.get("redact.label") == "db.password")
    assert total == 103  # every redaction is counted, only the events are limited


def test_pattern_guesses_raise_no_exposure_event(setup: dict[str, Any]) -> None:
    """A rule match (not a registered value) is counted but is not an exposure event."""
    logger, _ = _logger(setup["redactor"], "app.rule")
    logger.info("token %s", make_secret("github"))
    assert [r for r in setup["sink"].records if r["event"] == EXPOSURE_EVENT] == []
    assert _points(setup["reader"])


def test_telemetry_errors_never_reach_the_caller(setup: dict[str, Any]) -> None:
    """A failing audit sink is counted in errors; logging and redaction go on."""

    class Broken:
        def emit(self, event: str, **fields: object) -> None:
            raise RuntimeError("down")

    tel = RedactionTelemetry(audit=Broken()).install()
    try:
        assert "[REDACTED" in setup["redactor"].redact(f"a {setup['value']}")
        assert tel.errors == 1
    finally:
        tel.uninstall()


@pytest.mark.slow
def test_uvicorn_handler_logging_a_registered_secret_raises_one_event(
    setup: dict[str, Any],
) -> None:
    """End to end: a real app's handler logs a registered secret; the event names the route."""
    redactor, value = setup["redactor"], setup["value"]
    logger, stream = _logger(redactor, "app.handlers")

    async def login(request: Request) -> PlainTextResponse:
        logger.warning("login for %s with %s", request.path_params["user"], value)
        return PlainTextResponse("ok")

    app = RedactMiddleware(Starlette(routes=[Route("/login/{user}", login)]), redactor=redactor)
    with UvicornThread(app) as server, httpx.Client() as client:
        for user in ("ann", "bob", "cy"):
            assert client.get(f"{server.url}/login/{user}").status_code == 200
    assert value not in stream.getvalue()
    events = [r for r in setup["sink"].records if r["event"] == EXPOSURE_EVENT]
    assert len(events) == 1, events  # same label and site: rate-limited
    [event] = events
    assert event["route"] == "/login/{user}"
    assert event["logger"] == "app.handlers"
    assert event["integration"] == "logging"
    assert event["function"] == "login"
    assert value not in json.dumps(event)
    points = [(a, v) for a, v in _points(setup["reader"]) if a.get("redact.label")]
    assert sum(v for _, v in points) == 3


def test_an_encoded_form_is_reported_under_its_registered_label_and_category(
    setup: dict[str, Any],
) -> None:
    """A base64 form of a registered value is counted as known, with the registry's category."""
    import base64

    encoded = base64.b64encode(setup["value"].encode()).decode()
    out = setup["redactor"].redact(f"Authorization: Basic {encoded}")
    assert encoded not in out
    [event] = [r for r in setup["sink"].records if r["event"] == EXPOSURE_EVENT]
    assert (event["name"], event["category"], event["integration"]) == (
        "db.password",
        "credential",
        "direct",
    )


def test_the_filter_stream_names_itself(setup: dict[str, Any]) -> None:
    """`redact filter`'s stream loop counts its redactions under integration=filter."""
    from redact.scan.filter import filter_stream

    out = io.BytesIO()
    filter_stream(setup["redactor"], io.BytesIO(f"a {setup['value']}\n".encode()), out)
    assert setup["value"].encode() not in out.getvalue()
    assert {a["redact.integration"] for a, _ in _points(setup["reader"])} == {"filter"}
