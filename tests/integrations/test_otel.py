"""RedactingSpanProcessor / RedactingSpanExporter / RedactingLogRecordProcessor with the real SDK."""

from __future__ import annotations

import inspect
import json
import logging
from typing import Any

import pytest
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import (
    Link,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)

from redact import Redactor
from redact.integrations.otel import (
    PLACEHOLDER,
    RedactingLogRecordProcessor,
    RedactingSpanExporter,
    RedactingSpanProcessor,
    copy_span,
)
from tests.integrations.conftest import OtlpReceiver, Planted


def _resource(p: Planted) -> Resource:
    return Resource(
        {
            "service.name": "shop",
            "deployment.db_password": p.known["db-password"],
            "deployment.note": f"key {p.rule['github-token']}",
        }
    )


def _emit_everything(tp: TracerProvider, p: Planted) -> None:
    """One span per secret kind, carrying it in every field a span has."""
    tracer = tp.get_tracer("test", "1.0")
    link_ctx = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(1))
    for kind, value in p.all.items():
        links = [Link(link_ctx, {"peer.note": f"linked {value}", "token": value})]
        with tracer.start_as_current_span(f"GET /users/{value}", links=links) as span:
            span.set_attribute("app.note", f"using {value} now")
            span.set_attribute("api_key", value)
            span.set_attribute("app.list", ("ok", f"x={value};"))
            span.set_attribute(
                "http.url", f"https://u:{value}@h.example/p?access_token={value}&q=1"
            )
            span.set_attribute("url.full", f"https://h.example/p?token={value}&page=2")
            span.set_attribute("url.query", f"client_secret={value}&page=2")
            span.set_attribute("db.statement", f"UPDATE users SET password = '{value}' WHERE id=1")  # noqa: S608
            span.set_attribute("http.request.header.authorization", (f"Bearer {value}",))
            span.set_attribute("http.response.header.set_cookie", (f"sid={value}",))
            span.set_attribute("http.request.header.x_debug", (value,))
            span.add_event("login", {"detail": f"secret {value}", "password": value})
            span.add_event(f"cache miss for {value}")
            try:
                raise RuntimeError(f"connect failed with {value}")
            except RuntimeError as exc:
                span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"failed: {value}"))
        _ = kind


def _dump(span: ReadableSpan) -> str:
    """Everything an exporter can read from a span, as text (to_json omits the scope)."""
    scope = span.instrumentation_scope
    scope_attrs = dict(scope.attributes or {}) if scope is not None else {}
    return (
        span.to_json(indent=None)
        + json.dumps(dict(span.resource.attributes))
        + json.dumps(scope_attrs, default=str)
    )


def test_every_carrier_of_every_kind_is_masked_in_memory(planted: tuple[Planted, Redactor]) -> None:
    """No planted value survives in any field of spans exported through the processor."""
    p, r = planted
    exporter = InMemorySpanExporter()
    tp = TracerProvider(resource=_resource(p))
    tp.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(exporter), redactor=r))
    _emit_everything(tp, p)
    spans = exporter.get_finished_spans()
    assert len(spans) == len(p.all)
    for span in spans:
        dumped = _dump(span)
        assert p.leaks(dumped) == [], dumped
        assert "[REDACTED" in span.name
        assert span.attributes["http.request.header.authorization"] == ("[REDACTED:authorization]",)
        assert span.attributes["http.url"].startswith("https://u:[REDACTED:url-password]@h.example")
        assert "&q=1" in span.attributes["http.url"]
        assert span.attributes["url.query"].endswith("&page=2")
        assert span.attributes["db.statement"].startswith("UPDATE users SET password = '[REDACTED")
        assert span.attributes["app.list"][0] == "ok"
        assert span.status.status_code is StatusCode.ERROR
        assert span.events[1].name.startswith("cache miss for [REDACTED:")
        assert span.events[2].name == "exception"
        assert span.events[2].attributes["exception.type"] == "RuntimeError"
        assert span.links[0].context.span_id == 0xDEF
        assert span.resource.attributes["service.name"] == "shop"
    tp.shutdown()


def test_otlp_http_payload_carries_no_planted_value(
    planted: tuple[Planted, Redactor], otlp_receiver: OtlpReceiver
) -> None:
    """The real OTLP/HTTP exporter behind BatchSpanProcessor posts only masked protobuf."""
    p, r = planted
    otlp_receiver.clear()
    exporter = OTLPSpanExporter(endpoint=f"{otlp_receiver.url}/v1/traces", timeout=5)
    tp = TracerProvider(resource=_resource(p))
    tp.add_span_processor(RedactingSpanProcessor(BatchSpanProcessor(exporter), redactor=r))
    _emit_everything(tp, p)
    assert tp.force_flush(10_000)
    tp.shutdown()
    assert len(otlp_receiver.span_names()) == len(p.all)
    payload = b"".join(otlp_receiver.raw)
    assert p.leaks(payload) == []
    assert b"[REDACTED:authorization]" in payload


def test_exporter_wrapper_masks_before_the_wire(
    planted: tuple[Planted, Redactor], otlp_receiver: OtlpReceiver
) -> None:
    """RedactingSpanExporter around the OTLP exporter masks everything it exports."""
    p, r = planted
    otlp_receiver.clear()
    inner = OTLPSpanExporter(endpoint=f"{otlp_receiver.url}/v1/traces", timeout=5)
    tp = TracerProvider(resource=_resource(p))
    tp.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(inner, redactor=r)))
    _emit_everything(tp, p)
    tp.shutdown()
    assert len(otlp_receiver.span_names()) == len(p.all)
    assert p.leaks(b"".join(otlp_receiver.raw)) == []


def test_clean_span_is_handed_on_without_a_copy(planted: tuple[Planted, Redactor]) -> None:
    """A span with nothing to redact reaches the next processor as the very same object."""
    _, r = planted
    raw: list[ReadableSpan] = []
    handed: list[ReadableSpan] = []

    class Keep(SimpleSpanProcessor):
        def __init__(self, into: list[ReadableSpan]) -> None:
            super().__init__(InMemorySpanExporter())
            self.into = into

        def on_end(self, span: ReadableSpan) -> None:
            self.into.append(span)

    tp = TracerProvider(resource=Resource({"service.name": "shop"}))
    tp.add_span_processor(Keep(raw))
    tp.add_span_processor(RedactingSpanProcessor(Keep(handed), redactor=r))
    with tp.get_tracer("t").start_as_current_span("GET /health") as span:
        span.set_attribute("http.status_code", 200)
        span.add_event("ok", {"n": 1})
    assert len(handed) == 1
    assert handed[0] is raw[0]


def test_resource_is_redacted_once_per_resource_object(planted: tuple[Planted, Redactor]) -> None:
    """Every span of one provider shares one redacted Resource object."""
    p, r = planted
    exporter = InMemorySpanExporter()
    tp = TracerProvider(resource=_resource(p))
    tp.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(exporter), redactor=r))
    tracer = tp.get_tracer("t")
    for i in range(3):
        with tracer.start_as_current_span(f"s{i}"):
            pass
    resources = {id(s.resource) for s in exporter.get_finished_spans()}
    assert len(resources) == 1
    res = exporter.get_finished_spans()[0].resource
    assert res.attributes["deployment.db_password"] == "[REDACTED:deployment.db_password]"
    assert p.leaks(json.dumps(dict(res.attributes))) == []


def test_dropped_counts_survive_the_copy(planted: tuple[Planted, Redactor]) -> None:
    """The SDK's dropped attribute/event/link counts are carried onto the redacted copy."""
    p, r = planted
    exporter = InMemorySpanExporter()
    limits = SpanLimits(max_span_attributes=2, max_events=1, max_links=1)
    tp = TracerProvider(span_limits=limits)
    tp.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(exporter), redactor=r))
    ctx = SpanContext(1, 2, is_remote=True)
    span = tp.get_tracer("t").start_span("x", links=[Link(ctx), Link(ctx)])
    for i in range(4):
        span.set_attribute(f"a{i}", f"v {p.known['api-key']}")
    span.add_event("e1")
    span.add_event("e2")
    span.end()
    (out,) = exporter.get_finished_spans()
    assert out is not span
    assert (out.dropped_attributes, out.dropped_events, out.dropped_links) == (2, 1, 1)


def test_hooks_never_raise_and_fail_closed(
    planted: tuple[Planted, Redactor], caplog: pytest.LogCaptureFixture
) -> None:
    """When redaction breaks, the span goes on with every string replaced, logged once."""
    p, _ = planted

    class Broken(Redactor):
        def redact(self, text: str) -> str:
            raise RuntimeError("engine broke")

        def redact_obj(self, obj: object, **_: object) -> object:
            raise RuntimeError("engine broke")

    exporter = InMemorySpanExporter()
    tp = TracerProvider(resource=Resource({"service.name": "shop"}))
    tp.add_span_processor(
        RedactingSpanProcessor(SimpleSpanProcessor(exporter), redactor=Broken.default())
    )
    tracer = tp.get_tracer("t")
    with caplog.at_level(logging.ERROR, logger="redact.integrations.otel"):
        for _ in range(2):
            with tracer.start_as_current_span(f"op {p.known['db-password']}") as span:
                span.set_attribute("note", p.known["db-password"])
                span.set_attribute("count", 3)
    spans = exporter.get_finished_spans()
    assert len(spans) == 2
    for span in spans:
        assert span.name == PLACEHOLDER
        assert span.attributes["note"] == PLACEHOLDER
        assert span.attributes["count"] == 3
        assert span.resource.attributes["service.name"] == PLACEHOLDER
    errors = [rec for rec in caplog.records if rec.name == "redact.integrations.otel"]
    assert len(errors) == 1
    assert p.known["db-password"] not in caplog.text


def test_shutdown_and_force_flush_are_delegated(planted: tuple[Planted, Redactor]) -> None:
    """force_flush drains the wrapped BatchSpanProcessor; shutdown stops its exporter."""
    _, r = planted
    exported: list[str] = []
    stopped: list[bool] = []

    class Collect(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            exported.extend(s.name for s in spans)
            return SpanExportResult.SUCCESS

        def shutdown(self) -> None:
            stopped.append(True)

    wrapped = RedactingSpanProcessor(BatchSpanProcessor(Collect(), schedule_delay_millis=60_000))
    tp = TracerProvider()
    tp.add_span_processor(wrapped)
    with tp.get_tracer("t").start_as_current_span("one"):
        pass
    assert exported == []
    assert wrapped.force_flush(5_000) is True
    assert exported == ["one"]
    tp.shutdown()
    assert stopped == [True]
    _ = r


def test_readable_span_contract_covers_every_sdk_field() -> None:
    """copy_span carries every constructor field of ReadableSpan; a new SDK field fails here."""
    params = set(inspect.signature(ReadableSpan.__init__).parameters) - {"self"}
    expected = {
        "name",
        "context",
        "parent",
        "resource",
        "attributes",
        "events",
        "links",
        "kind",
        "instrumentation_info",
        "status",
        "start_time",
        "end_time",
        "instrumentation_scope",
    }
    assert params == expected, f"ReadableSpan fields changed: {sorted(params ^ expected)}"
    ctx = SpanContext(11, 22, is_remote=False, trace_flags=TraceFlags(1))
    parent = SpanContext(11, 33, is_remote=True)
    original = ReadableSpan(
        name="n",
        context=ctx,
        parent=parent,
        resource=Resource({"service.name": "s"}),
        attributes={"a": 1},
        events=(Event("e", {"k": "v"}, timestamp=5),),
        links=(Link(parent, {"l": 1}),),
        kind=SpanKind.SERVER,
        instrumentation_info=None,
        status=Status(StatusCode.ERROR, "d"),
        start_time=1,
        end_time=2,
        instrumentation_scope=InstrumentationScope("scope", "1.0"),
    )
    copied = copy_span(original)
    assert copied is not original
    assert set(vars(copied)) == set(vars(original))
    for attr, value in vars(original).items():
        assert getattr(copied, attr) is value, attr


def test_log_records_are_masked(
    planted: tuple[Planted, Redactor], otlp_receiver: OtlpReceiver
) -> None:
    """Body, attributes and exception attributes of OTel log records reach no sink raw."""
    p, r = planted
    otlp_receiver.clear()
    memory = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=_resource(p))
    provider.add_log_record_processor(
        RedactingLogRecordProcessor(SimpleLogRecordProcessor(memory), redactor=r)
    )
    otlp = OTLPLogExporter(endpoint=f"{otlp_receiver.url}/v1/logs", timeout=5)
    provider.add_log_record_processor(
        RedactingLogRecordProcessor(SimpleLogRecordProcessor(otlp), redactor=r)
    )
    logger = provider.get_logger("test")
    for value in p.all.values():
        try:
            raise ValueError(f"bad credential {value}")
        except ValueError as exc:
            logger.emit(
                severity_number=SeverityNumber.ERROR,
                body=f"login with {value}",
                attributes={"user": "bob", "password": value, "note": f"n {value}"},
                exception=exc,
            )
        logger.emit(body={"token": value, "nested": [f"x {value}"]})
    provider.shutdown()
    records = memory.get_finished_logs()
    assert len(records) == 2 * len(p.all)
    for rec in records:
        assert p.leaks(rec.to_json()) == [], rec.to_json()
    first = records[0].log_record
    assert first.attributes is not None
    assert first.attributes["user"] == "bob"
    assert "exception.stacktrace" in first.attributes
    payload = b"".join(otlp_receiver.raw)
    assert payload
    assert p.leaks(payload) == []


def test_secret_registered_later_is_masked_despite_caches(
    planted: tuple[Planted, Redactor],
) -> None:
    """Clean-value and resource caches are dropped when the registry changes (rotation)."""
    _, r = planted
    late = "rotated-" + "q7Zr2Lw9Xk4Vb8Nm"
    exporter = InMemorySpanExporter()
    tp = TracerProvider(resource=Resource({"service.name": "shop", "deploy.note": late}))
    tp.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(exporter), redactor=r))
    tracer = tp.get_tracer("t")
    with tracer.start_as_current_span("op") as span:
        span.set_attribute("note", late)
    assert exporter.get_finished_spans()[0].attributes["note"] == late  # not a secret yet
    r.known.add(late, label="rotated")
    with tracer.start_as_current_span("op") as span:
        span.set_attribute("note", late)
    out = exporter.get_finished_spans()[1]
    assert out.attributes["note"] == "[REDACTED:rotated]"
    assert out.resource.attributes["deploy.note"] == "[REDACTED:rotated]"


def test_log_processor_fails_closed(
    planted: tuple[Planted, Redactor], caplog: pytest.LogCaptureFixture
) -> None:
    """When redaction breaks, the log record goes on with placeholders, never raw."""
    p, _ = planted

    class Broken(Redactor):
        def redact(self, text: str) -> str:
            raise RuntimeError("engine broke")

        def redact_obj(self, obj: object) -> object:
            raise RuntimeError("engine broke")

    memory = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=Resource({"service.name": "shop"}))
    provider.add_log_record_processor(
        RedactingLogRecordProcessor(SimpleLogRecordProcessor(memory), redactor=Broken.default())
    )
    with caplog.at_level(logging.ERROR, logger="redact.integrations.otel"):
        provider.get_logger("t").emit(
            body=f"login {p.known['db-password']}", attributes={"note": p.known["api-key"]}
        )
    provider.shutdown()
    (record,) = memory.get_finished_logs()
    assert record.log_record.body == PLACEHOLDER
    assert record.log_record.attributes is not None
    assert record.log_record.attributes["note"] == PLACEHOLDER
    assert p.leaks(record.to_json()) == []
    assert p.leaks(caplog.text) == []


def test_instrumentation_scope_attributes_are_masked(planted: tuple[Planted, Redactor]) -> None:
    """Scope attributes (exported with every span and log record) reach no sink raw."""
    p, r = planted
    value = p.known["db-password"]
    scope_attrs = {"lib.note": f"dsn with {value}", "api_key": value, "lib.kind": "orm"}
    spans = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(spans), redactor=r))
    with tp.get_tracer("lib", "1.0", attributes=scope_attrs).start_as_current_span("clean"):
        pass
    logs = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(
        RedactingLogRecordProcessor(SimpleLogRecordProcessor(logs), redactor=r)
    )
    provider.get_logger("lib", "1.0", attributes=scope_attrs).emit(body="clean")
    tp.shutdown()
    provider.shutdown()
    (span,) = spans.get_finished_spans()
    (rec,) = logs.get_finished_logs()
    for scope in (span.instrumentation_scope, rec.instrumentation_scope):
        assert scope is not None
        assert scope.attributes is not None
        shown = json.dumps(dict(scope.attributes))
        assert p.leaks(shown) == [], shown
        assert scope.attributes["lib.kind"] == "orm"
        assert "[REDACTED" in str(scope.attributes["lib.note"])
        assert (scope.name, scope.version) == ("lib", "1.0")
