"""Records/s through a stdlib logging FileHandler with and without RedactFilter.

Run: ``.venv/bin/python benchmarks/bench_logging.py [--records 20000 --repeat 7]``.
Each logger has one FileHandler with a timestamped formatter writing to a real
file; the redacting one also has ``RedactFilter`` (and, as a separate case,
``RedactingFormatter`` around the same formatter). Records: a %-formatted
message with five arguments (one differs per record, so no two messages
are equal) and two ``extra=`` fields; clean, or with a
registered secret in one argument. Cases run interleaved in one process;
medians of ``--repeat`` runs and ratios to the baseline (goal: >= 0.75x clean).
Time is the process's CPU time (user + system, ``time.process_time``), which
other load on a shared machine does not inflate.
"""

from __future__ import annotations

import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import integration_setup, ratio
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


def run(logger: logging.Logger, n: int, secret: str | None) -> float:
    """Records per second for ``n`` request-like records."""
    arg = f"key {secret}" if secret else "cache miss"
    t0 = time.process_time()
    for i in range(n):
        logger.info(
            "handled %s %s for order %d in %.1f ms (%s)",
            "GET",
            "/api/orders",
            i,
            12.5,
            arg,
            extra={"order": i, "client": "10.0.0.7"},
        )
    return n / (time.process_time() - t0)


def main() -> int:
    """Print records/s medians and ratios."""
    args, secret, redactor = integration_setup("records")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        loggers = {
            "no redaction": make_logger("b.plain", root / "plain.log", flt=None, wrap=None),
            "RedactFilter": make_logger(
                "b.filter", root / "filter.log", flt=RedactFilter(redactor), wrap=None
            ),
            "RedactingFormatter": make_logger("b.fmt", root / "fmt.log", flt=None, wrap=redactor),
        }
        results: dict[tuple[str, bool], list[float]] = {}
        for _ in range(args.repeat):
            for dirty in (False, True):
                for name, logger in loggers.items():  # interleaved: drift hits every case alike
                    value = run(logger, args.records, secret if dirty else None)
                    results.setdefault((name, dirty), []).append(value)
        for logger in loggers.values():
            for handler in logger.handlers:
                handler.close()
        leaked = [
            p.name for p in (root / "filter.log", root / "fmt.log") if secret in p.read_text()
        ]
    print(f"logging: {args.records} records per run, median of {args.repeat} runs, CPU time")
    print("  ratio = median with / median without (median of per-round ratios)")
    for dirty in (False, True):
        base_runs = results[("no redaction", dirty)]
        label = "one secret" if dirty else "clean"
        for name in loggers:
            runs = results[(name, dirty)]
            med = statistics.median(runs)
            overall, per_round = ratio(runs, base_runs)
            print(
                f"  {label:10s} {name:20s} {med:10.0f} records/s   "
                f"ratio {overall:5.2f}x ({per_round:.2f}x)"
            )
    print("  goal: RedactFilter >= 0.75x on clean records")
    print(f"  secret in redacted output: {', '.join(leaked) if leaked else 'no'}")
    return 1 if leaked else 0


if __name__ == "__main__":
    raise SystemExit(main())
