"""Cost of the opt-in ``pii`` pack against the default pack, line by line.

Run: ``.venv/bin/python benchmarks/bench_packs.py [--lines 3000 --repeat 3]``. Two
redactors in one process, ``Redactor.default()`` and ``Redactor.default(packs=("default",
"pii"))``, redact the same lines alternately: JSON request events
(``benchmarks/_workloads.py``, each holding a client IPv4 address, which ``pii`` masks)
and the core corpus's clean lines (``benchmarks/corpus.py``). Prints CPU µs per line,
best round, and the ratio (goal, issue 15: ``pii`` ≤ 2× the default pack).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._workloads import events
from benchmarks.corpus import lines
from redact import Redactor


def per_line(r: Redactor, batch: list[str]) -> float:
    """CPU µs per ``r.redact`` call over ``batch``."""
    gc.disable()
    t0 = time.thread_time()
    for line in batch:
        r.redact(line)
    elapsed = time.thread_time() - t0
    gc.enable()
    return elapsed / len(batch) * 1e6


def main() -> None:
    """Print µs per line of both packs and their ratio, per workload."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n = args.lines
    workloads = {
        "JSON request events": [
            json.dumps(dict(e.fields, event=e.message)) for e in events(n, seed=5)
        ],
        "corpus lines (clean)": [line for line, s in lines(n * 200) if s is None][:n],
    }
    default = Redactor.default()
    pii = Redactor.default(packs=("default", "pii"))
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"pii pack vs default pack, CPU us per line, best of {args.repeat} (load {load})")
    for name, batch in workloads.items():
        a = b = float("inf")
        for _ in range(args.repeat):
            a = min(a, per_line(default, batch))
            b = min(b, per_line(pii, batch))
        size = sum(map(len, batch)) / len(batch)
        print(f"  {name:22s} {size:5.0f} B  default {a:7.2f}  +pii {b:7.2f}  ratio {b / a:5.2f}x")
    print("  goal: pii <= 2x the default pack")


if __name__ == "__main__":
    main()
