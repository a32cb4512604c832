"""OpenTelemetry attribute length limits cut values BEFORE any processor sees them.

A value the SDK cut inside a secret (``... key ya_N0HM``) is no longer the registered
value nor a whole rule token; the adapters hand every string at the limit to
``Redactor.redact_truncated``, which masks the unfinished secret at the cut. Real
SDK providers with limits and in-memory exporters: span, event and link attributes
(strings and string sequences), log-record attributes, processor and exporter.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable

import pytest
from opentelemetry.sdk._logs import LoggerProvider, LogRecordLimits
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link

from redact import KnownSecrets, Redactor
from redact.integrations.otel import (
    RedactingLogRecordProcessor,
    RedactingSpanExporter,
    RedactingSpanProcessor,
)

ALNUM = string.ascii_letters + string.digits
S = "Zq" + secrets.token_urlsafe(18)  # a fixed head, as in tests/core/test_cuts.py
GH = "ghp_" + "".join(secrets.choice(ALNUM) for _ in range(36))
VALUES = {
    "registered": "x" * 66 + " key " + S,
    "github": "y" * 66 + " " + GH,
    "url": "z" * 50 + f" postgresql://app:{S}@db/x",
}
LIMITS = [67, 68, 70, 72, 75, 80, 85]


def _redactor() -> Redactor:
    ks = KnownSecrets()
    ks.add(S, label="s")
    return Redactor.default(known=ks)


def _leaked(blob: str) -> list[str]:
    found = [f"S[:{k}]" for k in range(1, len(S) + 1) if (" key " + S[:k]) in blob]
    found += [f"S[:{k}]" for k in range(1, len(S) + 1) if ("app:" + S[:k]) in blob]
    found += [f"GH[:{k}]" for k in range(5, len(GH) + 1) if GH[:k] in blob]
    return found


Wrap = Callable[[InMemorySpanExporter, Redactor], object]
WRAPS: dict[str, Wrap] = {
    "processor": lambda exp, r: RedactingSpanProcessor(SimpleSpanProcessor(exp), redactor=r),
    "exporter": lambda exp, r: SimpleSpanProcessor(RedactingSpanExporter(exp, redactor=r)),
}


def _span(limit: int, wrap: str) -> ReadableSpan:
    exp = InMemorySpanExporter()
    provider = TracerProvider(
        span_limits=SpanLimits(max_span_attribute_length=limit, max_attribute_length=limit)
    )
    provider.add_span_processor(WRAPS[wrap](exp, _redactor()))  # type: ignore[arg-type]
    tracer = provider.get_tracer("t")
    other = tracer.start_span("other")
    other.end()
    link = Link(other.get_span_context(), dict(VALUES))
    with tracer.start_as_current_span("s", links=[link]) as span:
        span.set_attributes(VALUES)
        span.set_attribute("seq", list(VALUES.values()))
        span.add_event("e", dict(VALUES))
    provider.shutdown()
    return exp.get_finished_spans()[-1]


def _blob(span: ReadableSpan) -> str:
    parts = [repr(dict(span.attributes or {}))]
    parts += [repr(dict(e.attributes or {})) for e in span.events]
    parts += [repr(dict(link.attributes or {})) for link in span.links]
    return "\n".join(parts)


@pytest.mark.parametrize("wrap", sorted(WRAPS))
@pytest.mark.parametrize("limit", LIMITS)
def test_span_event_and_link_attributes_cut_at_the_limit_leak_nothing(
    limit: int, wrap: str
) -> None:
    """SpanLimits cut each value inside the secret: no character of it is exported."""
    span = _span(limit, wrap)
    blob = _blob(span)
    assert _leaked(blob) == [], (limit, wrap)
    assert span.attributes is not None
    assert str(span.attributes["registered"]).startswith("x" * 66)


@pytest.mark.parametrize("limit", LIMITS)
def test_log_record_attributes_cut_at_the_limit_leak_nothing(limit: int) -> None:
    """LogRecordLimits cut each attribute inside the secret: no character of it is exported."""
    memory = InMemoryLogRecordExporter()
    provider = LoggerProvider(log_record_limits=LogRecordLimits(max_attribute_length=limit))
    provider.add_log_record_processor(
        RedactingLogRecordProcessor(SimpleLogRecordProcessor(memory), redactor=_redactor())
    )
    provider.get_logger("t").emit(body="event", attributes=dict(VALUES))
    provider.shutdown()
    (record,) = memory.get_finished_logs()
    assert _leaked(record.to_json()) == [], limit
    assert record.log_record.body == "event"


def test_values_under_the_limit_are_not_touched() -> None:
    """A limit the values never reach: a clean span is handed on as it is."""
    exp = InMemorySpanExporter()
    provider = TracerProvider(span_limits=SpanLimits(max_span_attribute_length=500))
    provider.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(exp)))
    with provider.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute("note", "y" * 66 + " ghp")
    provider.shutdown()
    (out,) = exp.get_finished_spans()
    assert out.attributes is not None
    assert out.attributes["note"] == "y" * 66 + " ghp"
