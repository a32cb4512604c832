"""Spans/s through RedactingSpanProcessor -> BatchSpanProcessor vs BatchSpanProcessor alone.

Run: ``.venv/bin/python benchmarks/bench_otel.py [--spans 20000 --repeat 5]``.
The exporter is a no-op, so the figure is the cost on the thread that ends the
span (where ``on_end`` runs). Medians of ``--repeat`` runs, baseline in the same
process; the ratio is what to compare (goal: >= 0.8x).
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from redact import KnownSecrets, Redactor
from redact.integrations.otel import RedactingSpanExporter, RedactingSpanProcessor


class NoopExporter(SpanExporter):
    """Drops every span: the benchmark measures the pipeline, not a backend."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Accept and drop."""
        return SpanExportResult.SUCCESS


def run(processor: SpanProcessor, n: int, secret: str | None) -> float:
    """Spans per second for ``n`` HTTP-server-like spans ended through ``processor``."""
    tp = TracerProvider(resource=Resource({"service.name": "bench", "service.version": "1.0"}))
    tp.add_span_processor(processor)
    tracer = tp.get_tracer("bench")
    t0 = time.perf_counter()
    for i in range(n):
        with tracer.start_as_current_span("GET /api/orders/{id}") as span:
            span.set_attribute("http.request.method", "GET")
            span.set_attribute("url.path", f"/api/orders/{i}")
            span.set_attribute("url.query", "page=2&size=50")
            span.set_attribute("http.route", "/api/orders/{id}")
            span.set_attribute("http.response.status_code", 200)
            span.set_attribute("user_agent.original", "python-httpx/0.28.1")
            span.set_attribute("server.address", "127.0.0.1")
            span.set_attribute("client.address", "127.0.0.1")
            span.set_attribute("network.protocol.version", "1.1")
            note = f"order {i} ok" if secret is None or i % 100 else f"order {i} key {secret}"
            span.add_event("app.event", {"detail": note})
    elapsed = time.perf_counter() - t0
    tp.shutdown()
    return n / elapsed


def main() -> int:
    """Print spans/s medians and ratios."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    ks = KnownSecrets()
    secret = "pw-" + secrets.token_urlsafe(18)
    ks.add(secret, label="db.password")
    red = Redactor.default(known=ks)

    def batch() -> BatchSpanProcessor:
        return BatchSpanProcessor(NoopExporter(), max_queue_size=1 << 16)

    cases = {
        "baseline: BatchSpanProcessor": batch,
        "RedactingSpanProcessor -> Batch": lambda: RedactingSpanProcessor(batch(), redactor=red),
        "Batch -> RedactingSpanExporter": lambda: BatchSpanProcessor(
            RedactingSpanExporter(NoopExporter(), redactor=red), max_queue_size=1 << 16
        ),
    }
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeat):
        for name, make in cases.items():  # interleaved, so drift hits every case alike
            results[name].append(run(make(), args.spans, secret))
    base = statistics.median(results["baseline: BatchSpanProcessor"])
    print(f"spans per run: {args.spans}, repeats: {args.repeat}, 1 in 100 spans carries a secret")
    for name, values in results.items():
        med = statistics.median(values)
        print(f"{name:36s} {med:10.0f} spans/s   ratio {med / base:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
