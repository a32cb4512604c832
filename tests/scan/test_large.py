"""Large inputs: a 100 MB single-line file is streamed in windows, fast and in bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

_MIB = 1 << 20
_SCAN_AND_MEASURE = """
import json, sys
from redact.scan.model import ScanOptions
from redact.scan.runner import Scanner
from redact.scan.sources import FileTask
import os
path = sys.argv[1]


def hwm_kib():
    # VmHWM is this process's own peak RSS since exec; getrusage's ru_maxrss would also
    # count the pytest process it was forked from (Linux keeps maxrss across execve).
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:"))


result = Scanner(ScanOptions(), jobs=1).scan_files([FileTask(path, "big.txt", os.path.getsize(path))])
print(json.dumps({
    "found": [[f.line, f.column, f.fingerprint] for f in result.findings],
    "seconds": result.seconds,
    "peak_rss_mib": hwm_kib() / 1024,
}))
"""


@pytest.mark.slow
def test_100mb_single_line_is_streamed(tmp_path: Path, secret: Callable[..., str]) -> None:
    """A 100 MiB file with no newline: every planted secret found at its column, memory bounded.

    The file is generated piecewise (never held in memory here either); the scan runs in a fresh
    interpreter and reports its own peak RSS (VmHWM). Holding the file whole would cost more than
    200 MiB (bytes plus str); streaming stays well under that.
    """
    path = tmp_path / "big.txt"
    filler = b"k=v&" * (_MIB // 4)
    expected = []
    written = 0
    with path.open("wb") as fh:
        for i in range(100):
            fh.write(filler)
            written += len(filler)
            if i % 17 == 5:
                token = secret("github")
                piece = f"&t={token}&".encode()
                expected.append(written + 4)
                fh.write(piece)
                written += len(piece)
    assert path.stat().st_size >= 100 * _MIB
    proc = subprocess.run(
        [sys.executable, "-c", _SCAN_AND_MEASURE, str(path)],
        capture_output=True,
        check=True,
        timeout=120,
    )
    report = json.loads(proc.stdout)
    assert [(line, col) for line, col, _ in report["found"]] == [(1, c) for c in expected]
    assert report["peak_rss_mib"] < 160, report
    # Speed is measured in benchmarks/bench_scan.py, not asserted here (shared, noisy CI).
