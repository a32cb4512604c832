"""A/B of each adapter's own CPU cost per event against another version of the code.

Run: ``.venv/bin/python benchmarks/ab_adapter_cost.py ROOT_A ROOT_B [ROUNDS]`` (each ROOT
holds a ``redact`` package: ``.`` for this tree, an older one from ``git archive <commit>
redact | tar -x -C /tmp/before``). One process per root and round, alternating. Each
builds 3,000 varied events (``_workloads.events``, keyword-free and realistic mix), turns
them into finished OTel spans, ``LogRecord``s (the ``bench_logging.py`` call) and
structlog event dicts before timing, then times only the adapter's call on each
(``SpanRedactor.span``, ``RedactFilter.filter``, ``RedactProcessor``): microseconds of
thread CPU time per event, best round, with no value registered and with one (as
``bench_*.py`` and a service whose providers register their secrets). Every event is
new to the adapter (its clean caches see constant fields only), unlike a pipeline
benchmark repeating a batch.
The pipelines' own ratios are ``bench_structlog.py``, ``bench_logging.py``,
``bench_otel.py`` and ``ab_integrations.py``.
"""

from __future__ import annotations

import gc
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = str(Path(__file__).resolve().parent.parent)


def _spans(batch: Sequence[Any]) -> list[Any]:
    """Finished spans of ``batch``, built as ``bench_otel.py`` builds them."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from benchmarks.bench_otel import emit_span

    memory = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(memory))
    tracer = tp.get_tracer("bench")
    for e in batch:
        emit_span(tracer, e)
    return list(memory.get_finished_spans())


def _records(batch: Sequence[Any]) -> list[logging.LogRecord]:
    """The ``LogRecord`` of ``bench_logging.py``'s call for each event."""
    out = []
    for e in batch:
        f = e.fields
        args = (e.message, f["method"], f["path"], f["status"], f["duration_ms"])
        rec = logging.LogRecord(
            "bench", logging.INFO, "p", 1, "%s %s %s -> %d in %.1f ms", args, None
        )
        rec.request_id = f["request_id"]
        rec.client = f["client_ip"]
        rec.user_agent = f.get("referer", f["user_agent"])
        out.append(rec)
    return out


def child(root: str) -> None:
    """Time the adapters of the ``redact`` package under ``root``; print JSON."""
    sys.path.insert(0, root)
    sys.path.insert(1, HERE)
    from benchmarks._timing import registered_redactor
    from redact import Redactor

    out: dict[str, float] = {}
    for values, red in (("0 values", Redactor.default()), ("1 value", registered_redactor()[1])):
        _time(red, values, out)
    print(json.dumps(out))


def _time(red: Any, values: str, out: dict[str, float]) -> None:
    """Time the three adapters around ``red``; record µs per event in ``out``."""
    from benchmarks._workloads import events
    from redact.integrations.logging import RedactFilter
    from redact.integrations.otel import SpanRedactor
    from redact.integrations.structlog import RedactProcessor

    for kw in (False, True):
        batch = events(3000, seed=11, keywords=kw)
        proc = RedactProcessor(red)
        dicts = [
            dict(e.fields, event=e.message, service="orders", level="info", timestamp=f"t{i}")
            for i, e in enumerate(batch)
        ]
        cases: list[tuple[str, Callable[[Any], object], list[Any]]] = [
            ("OTel SpanRedactor.span", SpanRedactor(red).span, _spans(batch)),
            ("logging RedactFilter", RedactFilter(red).filter, _records(batch)),
            ("structlog RedactProcessor", lambda d, p=proc: p(None, "info", d), dicts),
        ]
        gc.disable()
        for name, fn, items in cases:
            t0 = time.thread_time()
            for item in items:
                fn(item)
            out[f"{name}, {'realistic' if kw else 'keyword-free'}, {values}"] = (
                (time.thread_time() - t0) / len(items) * 1e6
            )
        gc.enable()


def main() -> None:
    """Alternate one process per root; print the best round, and B/A, per adapter and workload."""
    if sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    sys.path.insert(0, HERE)
    from benchmarks._timing import ab_roots

    ab_roots(__file__, sys.argv[1:], title="adapter CPU us per event")


if __name__ == "__main__":
    main()
