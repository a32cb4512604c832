"""A/B of clean-text throughput against another version of the code: one process per version.

Run: ``.venv/bin/python benchmarks/ab_long_text.py ROOT`` where ``ROOT`` holds the ``redact``
package to measure (``.`` for this tree; an older one from ``git archive <commit> redact |
tar -x -C /tmp/before``); alternate the two versions' processes. The clean lines of the
benchmark corpus joined by line breaks (many lines) and by spaces (one long line), texts of
2 KB, 64 KB and 2 MB, one ``Redactor.default()``: MB/s of CPU time, best of 5 rounds (the
load only ever slows a round down), then the machine's load. Same texts as
``bench_core.py --section long-lines``, which reports wall time per backend. Then 3,000
varied clean 200-byte lines (neighbouring corpus lines joined and cut) against
``json.dumps`` of a 10-field dict, with no registered value and with one (issue 15: a clean
line costs no more than that ``json.dumps``).
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def _cpu(f: Callable[[], object], k: int) -> float:
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(k):
            f()
        best = min(best, (time.process_time() - t0) / k)
    return best


def main() -> None:
    """Import ``redact`` from ROOT first, then the corpus, and print MB/s per text."""
    root = str(Path(sys.argv[1]).resolve())
    sys.path.insert(0, root)
    redact = importlib.import_module("redact")
    if not str(redact.__file__).startswith(root):
        msg = f"redact imported from {redact.__file__}, not {root}"
        raise SystemExit(msg)
    sys.path.insert(1, str(HERE))
    from benchmarks.corpus import lines

    clean = [line for line, _ in lines(4_000_000) if "REDACTED" not in line]
    red = redact.Redactor.default()
    row = []
    for size in (2_000, 64_000, 2_000_000):
        rates = []
        for sep in ("\n", " "):
            parts, n = [], 0
            for line in clean:
                parts.append(line)
                n += len(line) + 1
                if n >= size:
                    break
            text = sep.join(parts)
            red.redact(text)
            rates.append(len(text) / _cpu(lambda t=text: red.redact(t), max(1, 1_000_000 // size)))
        row.append(f"{size // 1000} KB {rates[0] / 1e6:.0f} / {rates[1] / 1e6:.0f}")
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"{root}: MB/s many lines / one line: {' | '.join(row)} (load {load})")
    short, buf = [], ""
    for line in clean:
        buf = f"{buf} {line}" if buf else line
        if len(buf) >= 200:
            short.append(buf[:200])
            buf = ""
    short = short[:3000]
    event = {f"field{i}": f"value number {i}" for i in range(10)}
    dumps = _cpu(lambda: [json.dumps(event) for _ in short], 1) / len(short)
    known = redact.KnownSecrets()
    known.add("Zq9Lm2Xw7Kp4Rt-registered", label="db")
    for name, r in (("no value", red), ("one value", redact.Redactor.default(known=known))):
        per = _cpu(lambda r=r: [r.redact(x) for x in short], 1) / len(short)
        print(
            f"  200-byte clean lines, {name}: {per * 1e6:.2f} us vs json.dumps "
            f"{dumps * 1e6:.2f} us = {per / dumps:.2f}x"
        )


if __name__ == "__main__":
    main()
