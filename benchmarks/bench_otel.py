"""Spans/s of a BatchSpanProcessor pipeline with OTLP encoding, with and without redaction.

Run: ``.venv/bin/python benchmarks/bench_otel.py [--spans 3000 --repeat 7]``.
The pipeline is what production uses: ``BatchSpanProcessor`` feeding an exporter
that encodes each batch with the OTLP exporter's own protobuf encoder (and drops
the bytes instead of sending them). Spans are varied HTTP server spans
(``benchmarks/_workloads.py``: paths with ids, request ids, client addresses,
user agents, a referer on some, an event per span), a fresh batch per round.
Cases: the pipeline alone; ``RedactingSpanProcessor`` in front of it;
``RedactingSpanExporter`` inside it. Workloads: clean spans (realistic keyword
mix), clean spans without rule keywords, 1 in 100 spans with a registered
secret, and clean spans with one CPU-bound sibling thread. The rate is spans
per second of process CPU time (wall time with the busy sibling) from the first
span to the drained queue (``shutdown``);
ratios are medians of per-round ratios to the pipeline alone, cases interleaved
(goal: >= 0.90x clean, >= 0.85x with the busy sibling).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Tracer

from benchmarks._timing import integration_setup
from benchmarks._workloads import Event, ab, events, rate, report
from redact import Redactor
from redact.integrations.otel import RedactingSpanExporter, RedactingSpanProcessor


class EncodingExporter(SpanExporter):
    """Encodes every batch as the OTLP exporter does, then drops the bytes."""

    def __init__(self) -> None:
        self.payload = bytearray()
        self.keep = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Encode (OTLP protobuf) and drop; keep the bytes when asked (leak check)."""
        data = encode_spans(spans).SerializeToString()
        if self.keep:
            self.payload += data
        return SpanExportResult.SUCCESS


def emit_span(tracer: Tracer, e: Event) -> None:
    """One HTTP server span for event ``e`` (7-8 attributes, one event): the span every
    OTel benchmark builds (``ab_adapter_cost.py`` too)."""
    f = e.fields
    with tracer.start_as_current_span(f"{f['method']} {f['path']}") as span:
        span.set_attribute("http.request.method", f["method"])
        span.set_attribute("url.path", f["path"])
        span.set_attribute("http.response.status_code", f["status"])
        span.set_attribute("user_agent.original", f["user_agent"])
        span.set_attribute("client.address", f["client_ip"])
        span.set_attribute("app.request_id", f["request_id"])
        span.set_attribute("app.user", f["user"])
        if "referer" in f:
            span.set_attribute("http.request.header.referer", (f["referer"],))
        span.add_event(e.message, {"duration_ms": f["duration_ms"]})
        if "upstream" in f:
            span.set_attribute("app.note", f["upstream"])


def run(make: Callable[[], SpanProcessor], batch: list[Event], sibling: bool = False) -> float:
    """Spans per second through a fresh provider, drain included (``_workloads.rate``)."""
    tp = TracerProvider(
        resource=Resource({"service.name": "orders", "service.version": "1.4.2", "host.name": "h1"})
    )
    tp.add_span_processor(make())
    tracer = tp.get_tracer("bench", "1.0")

    def go() -> None:
        for e in batch:
            emit_span(tracer, e)
        tp.shutdown()  # drains the batch queue: the worker's encoding is inside the figure

    return rate(len(batch), go, sibling=sibling)


def main() -> int:
    """Print spans/s medians and ratios."""
    args, secret, red = integration_setup("spans", default=3000)
    n, rounds = args.spans, range(args.repeat)
    sink = EncodingExporter()

    def batch() -> BatchSpanProcessor:
        return BatchSpanProcessor(EncodingExporter(), max_queue_size=1 << 16)

    def checked(r: Redactor) -> SpanProcessor:
        sink.keep = True
        return RedactingSpanProcessor(BatchSpanProcessor(sink, max_queue_size=1 << 16), redactor=r)

    cases: dict[str, Callable[[], SpanProcessor]] = {
        "BatchSpanProcessor (baseline)": batch,
        "RedactingSpanProcessor -> Batch": lambda: RedactingSpanProcessor(batch(), redactor=red),
        "Batch -> RedactingSpanExporter": lambda: BatchSpanProcessor(
            RedactingSpanExporter(EncodingExporter(), redactor=red), max_queue_size=1 << 16
        ),
    }
    workloads = [
        ("clean spans (realistic keyword mix)", [events(n, seed=r) for r in rounds], False),
        (
            "clean spans, no rule keyword",
            [events(n, seed=r, keywords=False) for r in rounds],
            False,
        ),
        (
            "1 in 100 spans with a secret",
            [events(n, seed=r, secret=secret, every=100) for r in rounds],
            False,
        ),
        ("clean spans, busy sibling thread", [events(n, seed=r) for r in rounds], True),
    ]
    for title, batches, sibling in workloads:
        res = ab(
            {
                name: (lambda i, m=make, b=batches, s=sibling: run(m, b[i], s))
                for name, make in cases.items()
            },
            args.repeat,
            "BatchSpanProcessor (baseline)",
        )
        report(f"OTel, {title}, {n} spans x {args.repeat}", res, "spans")
    run(lambda: checked(red), workloads[2][1][0])
    leaked = secret.encode() in sink.payload
    print("  goal: >= 0.90x clean, >= 0.85x with a busy sibling")
    print(f"  secret in the exported payload: {'YES (bug)' if leaked else 'no'}")
    return 1 if leaked else 0


if __name__ == "__main__":
    raise SystemExit(main())
