"""Records/s through a stdlib logging FileHandler with and without RedactFilter.

Run: ``.venv/bin/python benchmarks/bench_logging.py [--records 5000 --repeat 7]``.
Each logger has one FileHandler with a timestamped formatter writing to a real
file; the redacting one also has ``RedactFilter`` (and, as a separate case,
``RedactingFormatter`` around the same formatter). Records are varied request
logs (``benchmarks/_workloads.py``): a %-formatted message with five arguments
and three ``extra=`` fields, values differing per record, a fresh batch per
round; workloads: clean (realistic keyword mix), clean without rule keywords,
1 in 100 with a registered secret, and clean with one CPU-bound sibling thread.
Cases run interleaved in one process; medians of records/s (CPU time; wall time
with the busy sibling) and of
per-round ratios to the same handler without redaction (goal: >= 0.90x clean,
>= 0.85x with the busy sibling).
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import integration_setup
from benchmarks._workloads import Event, ab, events, rate, report
from redact import Redactor
from redact.integrations.logging import RedactFilter, RedactingFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def make_logger(name: str, path: Path, *, flt: RedactFilter | None, wrap: Redactor | None) -> Any:
    """A logger with one FileHandler; optionally the filter, optionally a RedactingFormatter."""
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(path)
    formatter = logging.Formatter(FORMAT)
    handler.setFormatter(
        formatter if wrap is None else RedactingFormatter(formatter, redactor=wrap)
    )
    if flt is not None:
        handler.addFilter(flt)
    logger.addHandler(handler)
    return logger


def run(logger: logging.Logger, batch: list[Event], sibling: bool = False) -> float:
    """Records per second for the pre-built ``batch`` (see ``_workloads.rate``)."""

    def go() -> None:
        for e in batch:
            f = e.fields
            logger.info(
                "%s %s %s -> %d in %.1f ms",
                e.message,
                f["method"],
                f["path"],
                f["status"],
                f["duration_ms"],
                extra={
                    "request_id": f["request_id"],
                    "client": f["client_ip"],
                    "user_agent": f.get("referer", f["user_agent"]),
                },
            )

    return rate(len(batch), go, sibling=sibling)


def main() -> int:
    """Print records/s medians and ratios."""
    args, secret, redactor = integration_setup("records", default=5000)
    n, rounds = args.records, range(args.repeat)
    workloads = [
        ("clean (realistic keyword mix)", [events(n, seed=r) for r in rounds], False),
        ("clean, no rule keyword", [events(n, seed=r, keywords=False) for r in rounds], False),
        (
            "1 in 100 with a secret",
            [events(n, seed=r, secret=secret, every=100) for r in rounds],
            False,
        ),
        ("clean, busy sibling thread", [events(n, seed=r) for r in rounds], True),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        loggers = {
            "no redaction": make_logger("b.plain", root / "plain.log", flt=None, wrap=None),
            "RedactFilter": make_logger(
                "b.filter", root / "filter.log", flt=RedactFilter(redactor), wrap=None
            ),
            "RedactingFormatter": make_logger("b.fmt", root / "fmt.log", flt=None, wrap=redactor),
        }
        for title, batches, sibling in workloads:
            cases = {
                name: (lambda i, lg=lg, b=batches, s=sibling: run(lg, b[i], s))
                for name, lg in loggers.items()
            }
            res = ab(cases, args.repeat, "no redaction")
            report(f"logging, {title}, {n} records x {args.repeat}", res, "records")
        for logger in loggers.values():
            for handler in logger.handlers:
                handler.close()
        leaked = [
            p.name for p in (root / "filter.log", root / "fmt.log") if secret in p.read_text()
        ]
    print("  goal: RedactFilter >= 0.90x clean, >= 0.85x with a busy sibling")
    print(f"  secret in redacted output: {', '.join(leaked) if leaked else 'no'}")
    return 1 if leaked else 0


if __name__ == "__main__":
    raise SystemExit(main())
