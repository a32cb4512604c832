"""``redact scan .`` on this repository's own tree is clean: fixtures are allowed with reasons."""

from __future__ import annotations

import json
from pathlib import Path

from tests.scan.conftest import run_redact

ROOT = Path(__file__).resolve().parents[2]


def test_repository_scans_clean_with_its_own_settings() -> None:
    """Every finding in the repository is allowed inline with a reason, or excluded in pyproject."""
    proc = run_redact("scan", ".", "--format", "json", "--jobs", "1", "--no-progress", cwd=ROOT)
    report = json.loads(proc.stdout)
    open_findings = [
        (f["path"], f["line"], f["rule_id"]) for f in report["findings"] if f.get("allowed") is None
    ]
    assert open_findings == [] and proc.returncode == 0, open_findings
    allowed = [f for f in report["findings"] if f.get("allowed") is not None]
    assert all(f["allowed"] != "allowed inline (no reason given)" for f in allowed)
