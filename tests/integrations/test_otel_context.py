"""Span contexts and scopes leave redacted: W3C tracestate, instrumentation scope, schema URLs.

An exporter sends more than attributes: the ``tracestate`` of a span's context, of its
parent and of each link, and the instrumentation scope's name, version, schema URL and
attributes (OTLP puts every one of them on the wire). Real SDK, real OTLP/HTTP exporter
posting to a loopback receiver.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    TraceFlags,
    TraceState,
    set_span_in_context,
)
from opentelemetry.util.types import Attributes

from redact import KnownSecrets, Redactor
from redact.integrations.otel import (
    RedactingLogRecordProcessor,
    RedactingSpanExporter,
    RedactingSpanProcessor,
)
from tests.integrations.conftest import OtlpReceiver

_ALNUM = string.ascii_letters + string.digits


def _rand(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


#: Registered values: mixed case (a tracestate value), lower case (also a valid key).
VALUE = _rand(24)
KEY_VALUE = "k" + _rand(23, string.ascii_lowercase + string.digits)
#: A rule-shaped token nobody registered (found by the rules, not the registry).
TOKEN = "ghp_" + _rand(36)


def _redactor() -> Redactor:
    known = KnownSecrets()
    known.add(VALUE, label="x")
    known.add(KEY_VALUE, label="k")
    return Redactor.default(known=known)


def _remote(state: TraceState) -> SpanContext:
    return SpanContext(0xA1, 0xB2, is_remote=True, trace_flags=TraceFlags(1), trace_state=state)


class _StateSampler(Sampler):
    """A sampler that sets the new span's own tracestate (as vendors' samplers do)."""

    def __init__(self, state: TraceState) -> None:
        self._state = state

    def should_sample(  # noqa: PLR0917 - the SDK's signature
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        return SamplingResult(Decision.RECORD_AND_SAMPLE, None, self._state)

    def get_description(self) -> str:
        return "state"


#: What the secret is: (tracestate entries holding it, the text that must not be exported)
STATES: dict[str, tuple[list[tuple[str, str]], str]] = {
    "registered value": ([("vendor", VALUE), ("other", "fine")], VALUE),
    "value inside a longer value": ([("vendor", f"sid:{VALUE};x")], VALUE),
    "rule-shaped token": ([("gh", TOKEN)], TOKEN),
    "registered value as the key": ([(KEY_VALUE, "1"), ("other", "fine")], KEY_VALUE),
    "tenant@system key": ([(f"{KEY_VALUE}@sys", "1")], KEY_VALUE),
    "value past 256 once masked": ([("vendor", VALUE + "a" * 231)], VALUE),
}

#: Where the tracestate rides: name -> (tracer provider kwargs, span kwargs)
Carrier = Callable[[TraceState], tuple[dict[str, Any], dict[str, Any]]]
CARRIERS: dict[str, Carrier] = {
    "parent (and inherited by the span)": lambda ts: (
        {},
        {"context": set_span_in_context(NonRecordingSpan(_remote(ts)))},
    ),
    "link": lambda ts: ({}, {"links": [Link(_remote(ts), {"why": "batch"})]}),
    "own context, set by the sampler": lambda ts: ({"sampler": _StateSampler(ts)}, {}),
}


def _export(
    carrier: str, entries: list[tuple[str, str]], *, wrap: str, exporter: Any
) -> TracerProvider:
    provider_kw, span_kw = CARRIERS[carrier](TraceState(entries))
    tp = TracerProvider(**provider_kw)
    r = _redactor()
    if wrap == "processor":
        tp.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(exporter), redactor=r))
    else:
        tp.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(exporter, redactor=r)))
    with tp.get_tracer("app", "1.0").start_as_current_span("work", **span_kw):
        pass
    return tp


def _states(span: ReadableSpan) -> list[TraceState]:
    contexts = [span.get_span_context(), span.parent, *(link.context for link in span.links)]
    return [c.trace_state for c in contexts if c is not None]


@pytest.mark.parametrize("wrap", ["processor", "exporter"])
@pytest.mark.parametrize("carrier", sorted(CARRIERS))
@pytest.mark.parametrize("state", sorted(STATES))
def test_tracestate_is_masked_wherever_it_rides(wrap: str, carrier: str, state: str) -> None:
    """A secret in a tracestate key or value of the span, its parent or a link never reaches
    the exporter; what is exported is still a valid tracestate (masked value, or entry dropped)."""
    entries, secret = STATES[state]
    memory = InMemorySpanExporter()
    _export(carrier, entries, wrap=wrap, exporter=memory).shutdown()
    (span,) = memory.get_finished_spans()
    states = _states(span)
    shown = "".join(ts.to_header() for ts in states) + span.to_json()
    assert secret not in shown and secret.lower() not in shown
    for ts in states:
        assert TraceState.from_header([ts.to_header()]).to_header() == ts.to_header()  # valid
        assert len(ts) == len(TraceState.from_header([ts.to_header()]))
    assert any("other" in ts or "[REDACTED:" in ts.to_header() for ts in states) or (
        "past 256" in state or "key" in state
    )
    if state == "registered value":  # the clean entry is kept, the value masked in place
        assert any(
            ts.get("vendor") == "[REDACTED:x]" and ts.get("other") == "fine" for ts in states
        )


@pytest.mark.parametrize("wrap", ["processor", "exporter"])
def test_tracestate_never_reaches_the_otlp_wire(wrap: str, otlp_receiver: OtlpReceiver) -> None:
    """Through the real OTLP/HTTP exporter: no tracestate carrier puts the value on the wire."""
    for carrier in CARRIERS:
        otlp_receiver.clear()
        exporter = OTLPSpanExporter(endpoint=f"{otlp_receiver.url}/v1/traces", timeout=5)
        _export(carrier, [("vendor", VALUE)], wrap=wrap, exporter=exporter).shutdown()
        payload = b"".join(otlp_receiver.raw)
        assert payload and VALUE.encode() not in payload
        if carrier != "link":  # OTLP 1.4x encodes the span's own tracestate, not its links'
            assert b"vendor=[REDACTED:x]" in payload


#: Where a secret sits in the instrumentation scope or resource: get_tracer/get_logger kwargs
SCOPES: dict[str, dict[str, Any]] = {
    "scope name": {"name": f"lib-{VALUE}"},
    "scope version": {"version": f"1.0+{VALUE}"},
    "scope schema url": {"schema_url": f"https://schemas.example/{VALUE}"},
    "scope attribute": {"attributes": {"lib.note": f"dsn {VALUE}"}},
    "scope attribute key": {"attributes": {f"lib.{VALUE}": 1}},
    "resource schema url": {"resource_schema": f"https://schemas.example/{VALUE}"},
}


def _scope_kwargs(where: str) -> tuple[dict[str, Any], Resource]:
    kw: dict[str, Any] = {"name": "lib", "version": "1.0", "schema_url": None, "attributes": None}
    extra = dict(SCOPES[where])
    schema = extra.pop("resource_schema", None)
    kw.update(extra)
    return kw, Resource({"service.name": "svc"}, schema)


def _scope_text(scope: Any, resource: Resource) -> str:
    return repr((scope.name, scope.version, scope.schema_url, dict(scope.attributes or {}))) + (
        repr((dict(resource.attributes), resource.schema_url))
    )


@pytest.mark.parametrize("wrap", ["processor", "exporter"])
@pytest.mark.parametrize("where", sorted(SCOPES))
def test_instrumentation_scope_and_schema_of_spans_are_masked(wrap: str, where: str) -> None:
    """Scope name, version, schema URL, attribute keys and values, and the resource's
    schema URL of an exported span hold no registered value; the rest is kept."""
    kw, resource = _scope_kwargs(where)
    memory = InMemorySpanExporter()
    tp = TracerProvider(resource=resource)
    r = _redactor()
    if wrap == "processor":
        tp.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(memory), redactor=r))
    else:
        tp.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(memory, redactor=r)))
    tracer = tp.get_tracer(
        kw["name"], kw["version"], schema_url=kw["schema_url"], attributes=kw["attributes"]
    )
    with tracer.start_as_current_span("work"):
        pass
    tp.shutdown()
    (span,) = memory.get_finished_spans()
    shown = _scope_text(span.instrumentation_scope, span.resource)
    assert VALUE not in shown
    assert "[REDACTED:x]" in shown
    assert span.resource.attributes["service.name"] == "svc"


@pytest.mark.parametrize("where", sorted(SCOPES))
def test_instrumentation_scope_and_schema_of_log_records_are_masked(
    where: str, otlp_receiver: OtlpReceiver
) -> None:
    """The same for log records, in memory and on the OTLP/HTTP wire."""
    kw, resource = _scope_kwargs(where)
    otlp_receiver.clear()
    memory = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=resource)
    r = _redactor()
    provider.add_log_record_processor(
        RedactingLogRecordProcessor(SimpleLogRecordProcessor(memory), redactor=r)
    )
    wire = OTLPLogExporter(endpoint=f"{otlp_receiver.url}/v1/logs", timeout=5)
    provider.add_log_record_processor(
        RedactingLogRecordProcessor(SimpleLogRecordProcessor(wire), redactor=r)
    )
    logger = provider.get_logger(
        kw["name"], kw["version"], schema_url=kw["schema_url"], attributes=kw["attributes"]
    )
    logger.emit(body="clean body")
    provider.shutdown()
    (record,) = memory.get_finished_logs()
    shown = _scope_text(record.instrumentation_scope, record.resource)
    assert VALUE not in shown and "[REDACTED:x]" in shown
    assert record.log_record.body == "clean body"
    payload = b"".join(otlp_receiver.raw)
    assert payload and VALUE.encode() not in payload
