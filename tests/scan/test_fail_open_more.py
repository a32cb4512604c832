"""More members of "``redact scan`` must not fail open, nor print what it hides".

* A file rewritten while it is read (a log rotated with copytruncate, a file replaced)
  is not a clean scan: it is reported ``incomplete`` and, without findings, exits 2.
* A usage error quotes what the user typed (a path that does not exist): a path named
  after a secret is masked there too.
* A zero-length file is scanned (and clean); a FIFO named after a secret is read and
  reported under its masked name.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from redact import Redactor
from redact.engine import Finding
from redact.scan.model import ScanOptions
from redact.scan.runner import scan_file
from redact.scan.sources import FileTask

from .conftest import make_secret, run_redact


class _Rewriter:
    """A detector that appends to the scanned file the first time it runs: the file changes
    while it is read, deterministically (the scan's own pause stands for the writer)."""

    def __init__(self, path: Path, data: str) -> None:
        self.path = path
        self.data = data
        self.done = False

    def __call__(self, text: str) -> Iterable[Finding]:
        if not self.done:
            self.done = True
            with self.path.open("a") as fh:
                fh.write(self.data)
        return ()


def test_a_file_changed_while_read_is_incomplete_not_clean(tmp_path: Path) -> None:
    """Bytes appended (or the file replaced) during the read: outcome ``incomplete``."""
    log = tmp_path / "app.log"
    log.write_text("2026-11-30 INFO started\n" * 50)
    red = Redactor.default(detectors=[_Rewriter(log, f"auth {make_secret()}\n")])
    task = FileTask(str(log), "app.log", log.stat().st_size)
    findings, outcomes = scan_file(red, ScanOptions(), task)
    assert findings == []
    assert [(o.status, "changed while being read" in o.reason) for o in outcomes] == [
        ("incomplete", True)
    ]


def test_an_unchanged_file_is_scanned() -> None:
    """The identity check does not flag a file nobody touched (this test file itself)."""
    here = Path(__file__)
    task = FileTask(str(here), here.name, here.stat().st_size)
    _, outcomes = scan_file(Redactor.default(), ScanOptions(), task)
    assert [o.status for o in outcomes] == ["scanned"]


def test_a_missing_path_named_after_a_secret_is_masked_in_the_error(tmp_path: Path) -> None:
    """``redact scan cache-<token>.txt`` (no such file): exit 2, the token never printed."""
    token = make_secret("github")
    proc = run_redact("scan", f"cache-{token}.txt", cwd=tmp_path)
    assert proc.returncode == 2
    assert token.encode() not in proc.stdout + proc.stderr
    assert b"does not exist" in proc.stderr and b"[REDACTED:github-token]" in proc.stderr


def test_a_report_file_named_after_a_secret_is_masked_in_the_error(tmp_path: Path) -> None:
    """``--output`` into a directory that does not exist: the path is masked in the error."""
    token = make_secret("github")
    (tmp_path / "a.txt").write_text("clean\n")
    proc = run_redact("scan", "--output", f"no-dir/{token}.json", "a.txt", cwd=tmp_path)
    assert proc.returncode == 2
    assert token.encode() not in proc.stdout + proc.stderr


def test_a_zero_length_file_is_scanned_and_clean(tmp_path: Path) -> None:
    """An empty file is read (nothing in it): listed as scanned, exit 0."""
    (tmp_path / "empty.log").write_bytes(b"")
    proc = run_redact("scan", "--format", "json", "empty.log", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["findings"] == [] and doc["skipped"] == []
    assert doc["summary"]["files_scanned"] == 1


def test_a_fifo_named_after_a_secret_is_read_and_masked(tmp_path: Path) -> None:
    """A named pipe given as a path is read, its finding reported under a masked name."""
    token, inside = make_secret("github"), make_secret("github")
    fifo = tmp_path / f"pipe-{token}"
    os.mkfifo(fifo)

    def writer() -> None:
        with fifo.open("w") as fh:
            fh.write(f"auth {inside}\n")

    thread = threading.Thread(target=writer)
    thread.start()
    proc = run_redact("scan", "--format", "json", fifo.name, cwd=tmp_path)
    thread.join(30)
    assert proc.returncode == 1, proc.stderr
    assert token.encode() not in proc.stdout + proc.stderr
    assert inside.encode() not in proc.stdout
    assert len(json.loads(proc.stdout)["findings"]) == 1
