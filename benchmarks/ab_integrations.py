"""A/B of the adapters against another version of the code: one process per version.

Run: ``.venv/bin/python benchmarks/ab_integrations.py ROOT [ROUNDS]`` where ``ROOT`` holds
the ``redact`` package to measure (``.`` for this tree; an older one from
``git archive <commit> redact | tar -x -C /tmp/before``). Alternate the two versions'
processes a few times. Each prints, per integration and workload (keyword-free,
realistic keyword mix), the ratio of the best round's rate with redaction to the best
round's rate without it (same pipelines as ``bench_structlog.py``, ``bench_logging.py``,
``bench_otel.py``, with one registered value as there; ROUNDS fresh batches of 400
events). Best rounds, because on a shared machine the load only ever slows a round down.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent


def main() -> None:
    """Import ``redact`` from ROOT first, then the benchmark pipelines, and print ratios."""
    root = str(Path(sys.argv[1]).resolve())
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    sys.path.insert(0, root)
    redact = importlib.import_module("redact")
    if not str(redact.__file__).startswith(root):
        msg = f"redact imported from {redact.__file__}, not {root}"
        raise SystemExit(msg)
    sys.path.insert(1, str(HERE))
    run(root, rounds)


def run(root: str, rounds: int) -> None:
    """The A/B rounds (imports happen here, after ``redact`` came from ROOT)."""
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    import benchmarks.bench_logging as L
    import benchmarks.bench_otel as O
    import benchmarks.bench_structlog as S
    from benchmarks._timing import registered_redactor
    from benchmarks._workloads import events
    from redact.integrations.logging import RedactFilter
    from redact.integrations.otel import RedactingSpanProcessor
    from redact.integrations.structlog import RedactProcessor

    _, red = registered_redactor()  # one registered value, as bench_*.py and a service
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with open(base / "a.log", "w") as f1, open(base / "b.log", "w") as f2:
            sl = {"base": S.make_logger(f1, None), "red": S.make_logger(f2, RedactProcessor(red))}
            lg = {
                "base": L.make_logger("ab-base", base / "c.log", flt=None, wrap=None),
                "red": L.make_logger("ab-red", base / "d.log", flt=RedactFilter(red), wrap=None),
            }

            def batch() -> Any:
                return BatchSpanProcessor(O.EncodingExporter(), max_queue_size=1 << 16)

            ot = {"base": batch, "red": lambda: RedactingSpanProcessor(batch(), redactor=red)}
            pipelines: list[tuple[str, dict[str, Any], Any]] = [
                ("structlog", sl, S.run),
                ("logging", lg, L.run),
                ("otel", ot, O.run),
            ]
            for kw in (False, True):
                batches = [events(400, seed=s, keywords=kw) for s in range(rounds)]
                for name, cases, runner in pipelines:
                    best = {"base": 0.0, "red": 0.0}
                    for b in batches:
                        for side in ("base", "red"):
                            best[side] = max(best[side], runner(cases[side], b))
                    out[f"{name}/{'mix' if kw else 'nokw'}"] = best["red"] / best["base"]
    print(root, "  ".join(f"{k} {v:.2f}" for k, v in out.items()))


if __name__ == "__main__":
    main()
