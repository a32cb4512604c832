"""Baselines: round trip, keyed on (rule, path, HMAC) not line, key checks, detect-secrets import."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from redact.exceptions import ConfigError
from redact.scan.baseline import load_baseline, write_baseline
from redact.scan.model import ScanOptions
from redact.scan.runner import Scanner
from redact.scan.sources import discover

from .conftest import Repo

KEY = b"k" * 32


def _scan(root: Path, *, key: bytes = KEY, want_sha1: bool = False) -> list:  # type: ignore[type-arg]
    tasks, _ = discover([str(root)], cwd=root)
    options = ScanOptions(fingerprint_key=key, want_sha1=want_sha1)
    return Scanner(options, jobs=1).scan_files(tasks).findings


def test_round_trip_ignores_known_and_reports_new(
    tmp_path: Path, secret: Callable[..., str]
) -> None:
    """Known findings stay known when lines move; a new secret on a known line is still new."""
    known = secret("github")
    (tmp_path / "a.py").write_text(f"X = '{known}'\n")
    baseline = tmp_path / "b.json"
    assert write_baseline(str(baseline), _scan(tmp_path), key=KEY) == 1
    doc = json.loads(baseline.read_text())
    assert (doc["format"], doc["version"]) == ("redact-baseline", 1)
    assert known not in baseline.read_text()
    loaded = load_baseline(str(baseline), key=KEY)
    # the known secret moved down three lines: still known
    (tmp_path / "a.py").write_text(f"\n\n\nX = '{known}'\n")
    new, count = loaded.split(_scan(tmp_path))
    assert (new, count) == ([], 1)
    # a new secret added on the very same line as the known one: reported
    fresh = secret("github")
    (tmp_path / "a.py").write_text(f"\n\n\nX = '{known}'; Y = '{fresh}'\n")
    new, count = loaded.split(_scan(tmp_path))
    assert count == 1
    assert [(f.line, f.column) for f in new] == [(4, 54)]


def test_baseline_errors_name_the_problem(tmp_path: Path, secret: Callable[..., str]) -> None:
    """Wrong key, future version, bad JSON, missing file and alien formats are ConfigErrors."""
    (tmp_path / "a.py").write_text(f"X = '{secret('github')}'\n")
    path = tmp_path / "b.json"
    write_baseline(str(path), _scan(tmp_path), key=KEY)
    with pytest.raises(ConfigError, match="different fingerprint key"):
        load_baseline(str(path), key=b"z" * 32)
    doc = json.loads(path.read_text())
    doc["version"] = 99
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match="version 99; this redact reads version 1"):
        load_baseline(str(path), key=KEY)
    path.write_text("{nope")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_baseline(str(path), key=KEY)
    path.write_text("[]")
    with pytest.raises(ConfigError, match="neither a redact baseline nor a detect-secrets"):
        load_baseline(str(path), key=KEY)
    with pytest.raises(ConfigError, match="does not exist"):
        load_baseline(str(tmp_path / "none.json"), key=KEY)
    assert len(load_baseline(str(tmp_path / "none.json"), key=KEY, missing_ok=True)) == 0


def test_detect_secrets_baseline_is_accepted(
    make_repo: Callable[..., Repo], secret: Callable[..., str]
) -> None:
    """A .secrets.baseline made by the real detect-secrets suppresses the same secrets for us."""
    repo = make_repo()
    old_token = secret("github")
    repo.write("app/config.py", f"GITHUB = '{old_token}'\n")
    repo.commit("old")
    detect = Path(sys.executable).with_name("detect-secrets")
    proc = subprocess.run(
        [str(detect), "scan"], cwd=repo.root, capture_output=True, check=True, env=repo.env
    )
    (repo.root / ".secrets.baseline").write_bytes(proc.stdout)
    ds = json.loads(proc.stdout)
    assert "app/config.py" in ds["results"]
    new_token = secret("github")
    repo.write("app/config.py", f"GITHUB = '{old_token}'\nNEW = '{new_token}'\n")
    baseline = load_baseline(str(repo.root / ".secrets.baseline"), key=KEY)
    assert baseline.kind == "detect-secrets" and baseline.needs_sha1
    findings = [f for f in _scan(repo.root, want_sha1=True) if f.path == "app/config.py"]
    new, known = baseline.split(findings)
    assert known == 1
    assert [(f.rule_id, f.line) for f in new] == [("github-token", 2)]


def test_baseline_skips_allowed_and_never_holds_the_value(
    tmp_path: Path, secret: Callable[..., str]
) -> None:
    """Inline-allowed findings stay out; even under --show-secrets the file holds no value."""
    kept, allowed = secret("github"), secret("github")
    (tmp_path / "a.py").write_text(
        f"X = '{kept}'\nY = '{allowed}'  # redact:allow github-token test fixture\n"
    )
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path)
    options = ScanOptions(fingerprint_key=KEY, show_secrets=True)
    findings = Scanner(options, jobs=1).scan_files(tasks).findings
    assert any(f.secret == kept for f in findings)  # the scan did see the values
    baseline = tmp_path / "b.json"
    assert write_baseline(str(baseline), findings, key=KEY) == 1
    text = baseline.read_text()
    assert kept not in text
    assert allowed not in text
    assert [e["line"] for e in json.loads(text)["entries"]] == [1]
