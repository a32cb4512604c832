"""Events/s of a JSON-rendering structlog chain with and without RedactProcessor.

Run: ``.venv/bin/python benchmarks/bench_structlog.py [--events 5000 --repeat 7]``.
The chain is structlog's recommended production chain (contextvars, level,
ISO timestamp, exception rendering, JSON) writing lines to a real file. Events
are varied request logs (``benchmarks/_workloads.py``: ids, addresses, paths,
a third waking a rule keyword) so that no cache of clean strings absorbs them.
Workloads: clean events; 1 in 100 events with a registered secret; and clean
events with one CPU-bound sibling thread in the process. Cases run interleaved
in one process; each prints the median events/s (CPU time; wall time with the
busy sibling) and the median of per-round ratios to the same pipeline without
redaction (goal on clean events: >= 0.90x, >= 0.85x with the busy sibling).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import structlog

from benchmarks._timing import integration_setup
from benchmarks._workloads import Event, ab, events, rate, report
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


def run(log: Any, batch: list[Event], sibling: bool = False) -> float:
    """Events per second for the pre-built ``batch`` (see ``_workloads.rate``)."""
    bound = log.bind(service="orders", region="eu-west-1")

    def go() -> None:
        for e in batch:
            bound.info(e.message, **e.fields)

    return rate(len(batch), go, sibling=sibling)


def main() -> int:
    """Print events/s medians and ratios for the three workloads."""
    args, secret, redactor = integration_setup("events", default=5000)
    n, rounds = args.events, range(args.repeat)
    # A fresh batch per round (the same for both sides): no cache sees an event twice.
    workloads = [
        ("clean events (realistic keyword mix)", [events(n, seed=r) for r in rounds], False),
        (
            "clean events, no rule keyword",
            [events(n, seed=r, keywords=False) for r in rounds],
            False,
        ),
        (
            "1 in 100 events with a secret",
            [events(n, seed=r, secret=secret, every=100) for r in rounds],
            False,
        ),
        ("clean events, busy sibling thread", [events(n, seed=r) for r in rounds], True),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        files = [open(Path(tmp) / f"{i}.log", "w") for i in range(2)]  # noqa: SIM115
        try:
            plain = make_logger(files[0], None)
            redacting = make_logger(files[1], RedactProcessor(redactor))
            for title, batches, sibling in workloads:
                res = ab(
                    {
                        "no redaction": lambda i, b=batches, s=sibling: run(plain, b[i], s),
                        "RedactProcessor": lambda i, b=batches, s=sibling: run(redacting, b[i], s),
                    },
                    args.repeat,
                    "no redaction",
                )
                report(f"structlog, {title}, {n} events x {args.repeat}", res, "events")
            files[1].flush()
            leaked = secret in (Path(tmp) / "1.log").read_text()
        finally:
            for f in files:
                f.close()
    print("  goal: >= 0.90x clean, >= 0.85x with a busy sibling")
    print(f"  secret in redacted output: {'YES (bug)' if leaked else 'no'}")
    return 1 if leaked else 0


if __name__ == "__main__":
    raise SystemExit(main())
