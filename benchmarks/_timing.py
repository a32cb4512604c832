"""Timing and setup helpers shared by the ``bench_*.py`` scripts (one copy, one behaviour)."""

from __future__ import annotations

import argparse
import secrets
import statistics
import time
from collections.abc import Callable, Sequence

from redact import KnownSecrets, Redactor


def median_time(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def per_call_us(fn: Callable[[], object], number: int = 20000, repeat: int = 5) -> float:
    """Median microseconds per call over ``repeat`` runs of ``number`` calls."""

    def run() -> None:
        for _ in range(number):
            fn()

    return median_time(run, repeat) / number * 1e6


def paired(
    fn: Callable[[], object], base: Callable[[], object], number: int, repeat: int = 7
) -> tuple[float, float, float]:
    """Median µs/call of ``fn`` and ``base`` measured alternately, and the median ratio."""
    a, b, ratios = [], [], []
    for _ in range(repeat):
        x = per_call_us(fn, number, repeat=1)
        y = per_call_us(base, number, repeat=1)
        a.append(x)
        b.append(y)
        ratios.append(x / y)
    return statistics.median(a), statistics.median(b), statistics.median(ratios)


def ratio(runs: Sequence[float], base_runs: Sequence[float]) -> tuple[float, float]:
    """Ratio of the medians, and the median of the per-round ratios (rounds interleaved)."""
    per_round = statistics.median(a / b for a, b in zip(runs, base_runs, strict=True))
    return statistics.median(runs) / statistics.median(base_runs), per_round


def integration_setup(
    count_flag: str, default: int = 20000
) -> tuple[argparse.Namespace, str, Redactor]:
    """Parse ``--<count_flag> N --repeat R``; register one fresh secret in a default redactor."""
    ap = argparse.ArgumentParser()
    ap.add_argument(f"--{count_flag}", type=int, default=default)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    secret, redactor = registered_redactor()
    return args, secret, redactor


def registered_redactor() -> tuple[str, Redactor]:
    """A default redactor with one fresh secret registered, as a service runs it (its
    providers register every secret they load), and that secret."""
    ks = KnownSecrets()
    secret = "pw-" + secrets.token_urlsafe(18)
    ks.add(secret, label="db.password")
    return secret, Redactor.default(known=ks)


def ab_roots(script: str, argv: Sequence[str], *, title: str) -> None:
    """Interleaved A/B of two code roots, one child process per root and round.

    ``argv``: ``ROOT_A ROOT_B [ROUNDS]``; each child is ``python SCRIPT --child ROOT`` and
    prints a JSON object ``{row: figure}`` (lower is better). Prints the best round of each
    root per row, the ratio B/A of the bests and the median of the per-round ratios, and
    the machine's load.
    """
    import json
    import subprocess
    import sys

    roots = list(argv[:2])
    rounds = int(argv[2]) if len(argv) > 2 else 3
    runs: dict[str, list[dict[str, float]]] = {r: [] for r in roots}
    for _ in range(rounds):
        for r in roots:
            raw = subprocess.check_output([sys.executable, script, "--child", r])
            runs[r].append(json.loads(raw))
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    a, b = roots
    print(f"{title}, best of {rounds} interleaved rounds (load {load}); ratio = B/A")
    print(f"{'':56s}{'A: ' + a[-22:]:>26s}{'B: ' + b[-22:]:>26s}{'B/A best':>10s}{'median':>8s}")
    for key in runs[a][0]:
        xa = [run[key] for run in runs[a]]
        xb = [run[key] for run in runs[b]]
        per_round = statistics.median(y / x for x, y in zip(xa, xb, strict=True) if x)
        print(
            f"{key[:56]:56s}{min(xa):26.2f}{min(xb):26.2f}{min(xb) / min(xa):10.2f}{per_round:8.2f}"
        )
