"""Flags users bring from gitleaks and detect-secrets, and the exit-code contract, end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from redact.exceptions import ConfigError
from redact.scan.git import parse_log_opts

from .conftest import Repo, make_secret, run_redact


@pytest.fixture
def dirty(tmp_path: Path) -> tuple[Path, str]:
    """A directory with one leaked token in one file and a clean file."""
    root = tmp_path / "dirty"
    root.mkdir()
    token = make_secret("github")
    (root / "app.py").write_text(f"TOKEN = '{token}'\n")
    (root / "ok.py").write_text("print('hello')\n")
    return root, token


@pytest.mark.parametrize("code", ["0", "7", "42", "255"])
def test_exit_code_sets_the_findings_code(dirty: tuple[Path, str], code: str) -> None:
    """``--exit-code N`` (gitleaks) is returned when findings are reported; clean stays 0."""
    root, _ = dirty
    assert run_redact("scan", "--exit-code", code, ".", cwd=root).returncode == int(code)
    assert run_redact("scan", "--exit-code", code, "ok.py", cwd=root).returncode == 0


@pytest.mark.parametrize("bad", ["-1", "256", "x"])
def test_exit_code_out_of_range_is_a_usage_error(dirty: tuple[Path, str], bad: str) -> None:
    """An exit code outside 0-255 is refused with exit 2 and a message naming it."""
    proc = run_redact("scan", f"--exit-code={bad}", ".", cwd=dirty[0])
    assert proc.returncode == 2 and b"exit code 0-255" in proc.stderr


def test_gitleaks_report_aliases(dirty: tuple[Path, str]) -> None:
    """--report-format/--report-path write the same report as --format/--output."""
    root, token = dirty
    a = run_redact("scan", "--report-format", "json", "--report-path", "a.json", "app.py", cwd=root)
    b = run_redact("scan", "--format", "json", "-o", "b.json", "app.py", cwd=root)
    assert a.returncode == b.returncode == 1
    fa = json.loads((root / "a.json").read_text())["findings"]
    fb = json.loads((root / "b.json").read_text())["findings"]
    assert [f["fingerprint"] for f in fa] == [f["fingerprint"] for f in fb] != []
    assert token not in (root / "a.json").read_text()


def test_redact_and_no_redact(dirty: tuple[Path, str]) -> None:
    """--no-redact shows values like --show-secrets; --redact (the default) masks them again."""
    root, token = dirty
    shown = run_redact("scan", "--no-redact", "app.py", cwd=root)
    assert token.encode() in shown.stdout
    masked = run_redact("scan", "--no-redact", "--redact", "app.py", cwd=root)
    default = run_redact("scan", "app.py", cwd=root)
    for proc in (masked, default):
        assert proc.returncode == 1 and token.encode() not in proc.stdout + proc.stderr


def test_unscanned_input_is_not_clean(tmp_path: Path) -> None:
    """A corrupt compressed log is listed as not scanned and the exit code is 2, not 0."""
    (tmp_path / "ok.txt").write_text("nothing here\n")
    (tmp_path / "app.log.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"not really deflate data")
    proc = run_redact("scan", ".", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert b"app.log.gz: unreadable" in proc.stdout
    assert b"could not be scanned" in proc.stderr


def test_create_baseline_only_when_missing(dirty: tuple[Path, str]) -> None:
    """--create-baseline writes a missing baseline (exit 0), then uses it; new secrets fail."""
    root, _ = dirty
    first = run_redact("scan", "--baseline", "b.json", "--create-baseline", ".", cwd=root)
    assert first.returncode == 0, first.stderr
    written = (root / "b.json").read_text()
    again = run_redact("scan", "--baseline", "b.json", "--create-baseline", ".", cwd=root)
    assert again.returncode == 0
    assert (root / "b.json").read_text() == written  # an existing baseline is not rewritten
    (root / "new.py").write_text(f"K = '{make_secret('stripe')}'\n")
    new = run_redact("scan", "--baseline", "b.json", "--create-baseline", ".", cwd=root)
    assert new.returncode == 1
    assert (root / "b.json").read_text() == written
    missing = run_redact("scan", "--create-baseline", ".", cwd=root)
    assert missing.returncode == 2 and b"--create-baseline needs --baseline" in missing.stderr


def test_update_baseline_counts_match_the_next_run(tmp_path: Path) -> None:
    """The known count printed when writing equals the count the next run reports as known."""
    root = tmp_path / "p"
    root.mkdir()
    token = make_secret("github")
    # one secret twice in one file (one entry), one in another file, one allowed inline
    (root / "a.py").write_text(f"A = '{token}'\nB = '{token}'\n")
    (root / "b.py").write_text(f"C = '{make_secret('stripe')}'\n")
    allowed = make_secret("slack")
    (root / "c.py").write_text(f"D = '{allowed}'  # redact:allow slack-token test value\n")
    wrote = run_redact(
        "scan", "--format", "json", "--baseline", "b.json", "--update-baseline", ".", cwd=root
    )
    assert wrote.returncode == 0, wrote.stderr
    entries = len(json.loads((root / "b.json").read_text())["entries"])
    summary = json.loads(wrote.stdout)["summary"]
    after = run_redact("scan", "--format", "json", "--baseline", "b.json", ".", cwd=root)
    assert after.returncode == 0
    later = json.loads(after.stdout)["summary"]
    assert summary["known_from_baseline"] == later["known_from_baseline"] == 3
    assert entries == 2
    assert f"wrote {entries} baseline entries".encode() in wrote.stderr
    assert b"(3 finding(s) now known)" in wrote.stderr


def test_log_opts_limit_the_history(make_repo: Callable[[str], Repo]) -> None:
    """--log-opts 'A..B' scans only those commits; a format-changing option is refused."""
    repo = make_repo("repo")
    repo.write("old.py", f"OLD = '{make_secret('github')}'\n")
    first = repo.commit("old secret")
    repo.write("new.py", f"NEW = '{make_secret('stripe')}'\n")
    repo.commit("new secret")
    full = run_redact("scan", "--git", "--format", "json", ".", cwd=repo.root)
    assert {f["path"] for f in json.loads(full.stdout)["findings"]} == {"old.py", "new.py"}
    part = run_redact(
        "scan", "--git", "--format", "json", "--log-opts", f"{first}..HEAD", ".", cwd=repo.root
    )
    assert part.returncode == 1, part.stderr
    assert {f["path"] for f in json.loads(part.stdout)["findings"]} == {"new.py"}
    refused = run_redact("scan", "--git", "--log-opts=--format=%H", ".", cwd=repo.root)
    assert refused.returncode == 2 and b"'--format' is not allowed" in refused.stderr
    no_git = run_redact("scan", "--log-opts", "HEAD", ".", cwd=repo.root)
    assert no_git.returncode == 2 and b"--log-opts needs --git" in no_git.stderr


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("main..HEAD", True),
        ("--all", True),
        ("--since=2024-01-01 --branches=release/*", True),
        ("-n5 --no-merges", True),
        ("HEAD -- src/ --format=x", True),  # after '--' everything is a path
        ("--pretty=oneline", False),
        ("--output=/tmp/x", False),
        ("--ext-diff", False),
        ("-p --stat", False),
        ("'unterminated", False),
    ],
)
def test_parse_log_opts(text: str, ok: bool) -> None:
    """Revisions and commit-limiting options pass; anything that changes the output is refused."""
    if ok:
        assert parse_log_opts(text)
    else:
        with pytest.raises(ConfigError, match="--log-opts"):
            parse_log_opts(text)


def test_baseline_audit_shows_each_entry_masked_and_stores_labels(tmp_path: Path) -> None:
    """`redact baseline audit` lists entries one by one without secrets; --label saves y/n."""
    root = tmp_path / "p"
    root.mkdir()
    tokens = [make_secret("github"), make_secret("stripe")]
    (root / "a.py").write_text(f"import os\nA = '{tokens[0]}'  # context stays\n")
    (root / "b.py").write_text(f"B = '{tokens[1]}'\n")
    made = run_redact("scan", "--baseline", "base.json", "--create-baseline", ".", cwd=root)
    assert made.returncode == 0, made.stderr
    shown = run_redact("baseline", "audit", "base.json", cwd=root)
    out = shown.stdout.decode()
    assert shown.returncode == 0, shown.stderr
    assert "[1/2] a.py:2  github-token" in out and "[2/2] b.py:1  stripe-secret-key" in out
    assert "A = '[REDACTED:github-token]'  # context stays" in out
    assert not any(t in out for t in tokens)
    labelled = run_redact("baseline", "audit", "--label", "base.json", cwd=root, input=b"y\nn\n")
    assert labelled.returncode == 0, labelled.stderr
    entries = json.loads((root / "base.json").read_text())["entries"]
    assert [e["audit"] for e in entries] == ["real", "false-positive"]
    assert b"1 real, 1 false positive, 0 unreviewed; 0 stale" in labelled.stdout
    # labels survive a rewrite; a removed secret shows as stale
    (root / "b.py").write_text("B = 'gone'\n")
    again = run_redact("baseline", "audit", "base.json", cwd=root)
    assert b"no longer found there" in again.stdout and b"1 stale" in again.stdout
    rewrite = run_redact("scan", "--baseline", "base.json", "--update-baseline", ".", cwd=root)
    assert rewrite.returncode == 0
    [kept] = json.loads((root / "base.json").read_text())["entries"]
    assert kept["audit"] == "real"
    foreign = run_redact("baseline", "audit", "missing.json", cwd=root)
    assert foreign.returncode == 2 and b"does not exist" in foreign.stderr


@pytest.mark.parametrize(
    ("name", "text", "section"),
    [
        ("redact.toml", "exclude = []\nbogus = 1\n", ""),
        ("pyproject.toml", "[project]\nname = 'x'\n[tool.redact]\nbogus = 1\n", " [tool.redact]"),
    ],
)
def test_unknown_config_key_is_an_error_naming_key_and_file(
    tmp_path: Path, name: str, text: str, section: str
) -> None:
    """An unknown key in redact.toml / [tool.redact] exits 2 naming the key and the file."""
    (tmp_path / name).write_text(text)
    (tmp_path / "ok.py").write_text("print(1)\n")
    proc = run_redact("scan", "ok.py", cwd=tmp_path)
    assert proc.returncode == 2
    path = str((tmp_path / name).resolve())
    assert f"config file {path!r}{section}: unknown key 'bogus'".encode() in proc.stderr


def test_config_key_typo_gets_a_suggestion(tmp_path: Path) -> None:
    """A near miss names the key it probably meant; the known key itself is accepted."""
    (tmp_path / "redact.toml").write_text('excludes = ["x/"]\n')
    proc = run_redact("scan", ".", cwd=tmp_path)
    assert proc.returncode == 2 and b"did you mean 'exclude'?" in proc.stderr
    (tmp_path / "redact.toml").write_text('exclude = ["x/"]\n')
    assert run_redact("scan", ".", cwd=tmp_path).returncode == 0
