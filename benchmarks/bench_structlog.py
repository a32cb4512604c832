"""Events/s of a JSON-rendering structlog chain with and without RedactProcessor.

Run: ``.venv/bin/python benchmarks/bench_structlog.py [--events 20000 --repeat 7]``.
The chain is structlog's recommended production chain (contextvars, level,
ISO timestamp, exception rendering, JSON) writing lines to a real file. Two
workloads: clean events, and events that each carry one secret (a registered
value in one field). Cases run interleaved in one process; each prints the
median events/s of ``--repeat`` runs and the ratio to its baseline (goal on
clean events: >= 0.75x). Time is the process's CPU time (user + system,
``time.process_time``), which other load on a shared machine does not inflate.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import structlog

from benchmarks._timing import integration_setup, ratio
from redact.integrations.structlog import RedactProcessor


def make_logger(out: Any, redact: RedactProcessor | None) -> Any:
    """A bound logger with the production chain; ``redact`` goes right before the renderer."""
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.dict_tracebacks,
    ]
    if redact is not None:
        processors.append(redact)
    processors.append(structlog.processors.JSONRenderer())
    return structlog.wrap_logger(
        structlog.WriteLogger(out),
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(20),
    )


def run(log: Any, n: int, secret: str | None) -> float:
    """Events per second for ``n`` request-like events (each with ``secret`` if given)."""
    bound = log.bind(service="orders", region="eu-west-1")
    extra = {"upstream_auth": f"dsn user=svc key={secret}"} if secret else {}
    t0 = time.process_time()
    for i in range(n):
        bound.info(
            "request handled",
            method="GET",
            path="/api/orders/{id}",
            order_id=i,
            status=200,
            duration_ms=12.5,
            user="alice",
            **extra,
        )
    return n / (time.process_time() - t0)


def main() -> int:
    """Print events/s medians and ratios for clean events and events with one secret."""
    args, secret, redactor = integration_setup("events")
    with tempfile.TemporaryDirectory() as tmp:
        files = [open(Path(tmp) / f"{i}.log", "w") for i in range(2)]  # noqa: SIM115
        try:
            plain = make_logger(files[0], None)
            redacting = make_logger(files[1], RedactProcessor(redactor))
            cases: dict[str, Callable[[], float]] = {
                "clean, no redaction": lambda: run(plain, args.events, None),
                "clean, RedactProcessor": lambda: run(redacting, args.events, None),
                "one secret, no redaction": lambda: run(plain, args.events, secret),
                "one secret, RedactProcessor": lambda: run(redacting, args.events, secret),
            }
            results: dict[str, list[float]] = {name: [] for name in cases}
            for _ in range(args.repeat):
                for name, case in cases.items():  # interleaved: drift hits every case alike
                    for f in files:
                        f.seek(0)
                        f.truncate()
                    results[name].append(case())
            files[1].flush()
            leaked = secret in (Path(tmp) / "1.log").read_text()
        finally:
            for f in files:
                f.close()
    med = {name: statistics.median(v) for name, v in results.items()}
    print(f"structlog: {args.events} events per run, median of {args.repeat} runs, CPU time")
    for name, value in med.items():
        print(f"  {name:30s} {value:10.0f} events/s")

    clean = ratio(results["clean, RedactProcessor"], results["clean, no redaction"])
    dirty = ratio(results["one secret, RedactProcessor"], results["one secret, no redaction"])
    print("  ratio = median with / median without (median of per-round ratios)")
    print(f"  ratio clean events           {clean[0]:5.2f}x ({clean[1]:.2f}x)  goal >= 0.75x")
    print(f"  ratio events with a secret   {dirty[0]:5.2f}x ({dirty[1]:.2f}x)")
    print(f"  secret in redacted output: {'YES (bug)' if leaked else 'no'}")
    return 1 if leaked else 0


if __name__ == "__main__":
    raise SystemExit(main())
