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


def run(processor: SpanProcessor, n: int, secret: str | None) -> tuple[float, float]:
    """Spans per wall second and per CPU second (this process, all threads, incl. shutdown)."""
    tp = TracerProvider(resource=Resource({"service.name": "bench", "service.version": "1.0"}))
    tp.add_span_processor(processor)
    tracer = tp.get_tracer("bench")
    t0, c0 = time.perf_counter(), time.process_time()
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
    tp.shutdown()  # drains the batch queue: the export thread's work is counted in CPU time
    cpu = time.process_time() - c0
    return n / elapsed, n / cpu


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
    wall: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeat):
        for name, make in cases.items():  # interleaved, so drift hits every case alike
            w, c = run(make(), args.spans, secret)
            wall[name].append(w)
            cpu[name].append(c)
    base_w = statistics.median(wall["baseline: BatchSpanProcessor"])
    base_c = statistics.median(cpu["baseline: BatchSpanProcessor"])
    print(f"spans per run: {args.spans}, repeats: {args.repeat}, 1 in 100 spans carries a secret")
    print(f"{'':36s} {'wall spans/s':>13s} {'ratio':>6s} {'CPU spans/s':>12s} {'ratio':>6s}")
    for name in cases:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:36s} {w:13.0f} {w / base_w:5.2f}x {c:12.0f} {c / base_c:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
