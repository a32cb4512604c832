"""The shipped pre-commit hooks, run by the real ``pre-commit try-repo`` from a commit SHA.

pre-commit installs the hook repository into its own virtualenv with no extras and
no ``additional_dependencies`` — exactly what a user gets — so this also proves the
base install is enough for ``redact scan``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..scan.conftest import git_env, make_secret

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.release
PRE_COMMIT = str(Path(sys.executable).with_name("pre-commit"))


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, str]]:
    """This project's current tree committed into a fresh repository; returns (path, SHA, env)."""
    base = tmp_path_factory.mktemp("precommit")
    env = git_env(base / "home")
    (base / "home").mkdir()
    env["PRE_COMMIT_HOME"] = str(base / "cache")
    repo = base / "redact-src"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        rel = os.fsdecode(raw)
        src = ROOT / rel
        if not src.is_file():
            continue  # deleted in the working tree
        dst = repo / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    _git(repo, env, "init", "-q", "-b", "main")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "-m", "redact under test")
    return repo, _git(repo, env, "rev-parse", "HEAD"), env


def _try_repo(
    target: Path, hook_repo: tuple[Path, str, dict[str, str]], hook: str
) -> subprocess.CompletedProcess[str]:
    repo, sha, env = hook_repo
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(repo), hook, "--ref", sha, "--color", "never"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_precommit_hook_blocks_a_staged_token_and_passes_a_clean_commit(
    tmp_path: Path, hook_repo: tuple[Path, str, dict[str, str]]
) -> None:
    """A staged GitHub token fails the redact-scan hook without printing it; clean files pass."""
    _, sha, env = hook_repo
    assert len(sha) == 40
    target = tmp_path / "project"
    target.mkdir()
    _git(target, env, "init", "-q", "-b", "main")
    (target / "app.py").write_text("print('hello')\n")
    _git(target, env, "add", "app.py")
    clean = _try_repo(target, hook_repo, "redact-scan")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
    _git(target, env, "commit", "-q", "-m", "clean")

    token = make_secret("github")
    (target / "settings.py").write_text(f"GITHUB_TOKEN = '{token}'\n")
    (target / "notes.txt").write_text("unstaged files are not scanned by the hook\n")
    _git(target, env, "add", "settings.py")
    dirty = _try_repo(target, hook_repo, "redact-scan")
    out = dirty.stdout + dirty.stderr
    assert dirty.returncode == 1, out
    assert "Failed" in out and "settings.py" in out and "github-token" in out
    assert token not in out


def test_precommit_hook_reads_files_pre_commit_calls_binary(
    tmp_path: Path, hook_repo: tuple[Path, str, dict[str, str]]
) -> None:
    """A log with one NUL byte, a .gz, UTF-16 text: staged tokens fail; a real image passes."""
    import gzip

    _, _, env = hook_repo
    target = tmp_path / "project"
    target.mkdir()
    _git(target, env, "init", "-q", "-b", "main")
    (target / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16)
    _git(target, env, "add", "logo.png")
    image = _try_repo(target, hook_repo, "redact-scan")
    assert image.returncode == 0, image.stdout + image.stderr
    _git(target, env, "commit", "-q", "-m", "logo")
    tokens = [make_secret("github") for _ in range(3)]
    (target / "nul.log").write_bytes(b"start\x00\n" + f"token={tokens[0]}\n".encode())
    (target / "app.log.gz").write_bytes(gzip.compress(f"token={tokens[1]}\n".encode()))
    (target / "wide.txt").write_bytes(f"key = {tokens[2]}\n".encode("utf-16"))
    for name in ("nul.log", "app.log.gz", "wide.txt"):
        _git(target, env, "add", name)
        staged = _try_repo(target, hook_repo, "redact-scan")
        out = staged.stdout + staged.stderr
        assert staged.returncode == 1, (name, out)
        assert name in out and not any(t in out for t in tokens)
        _git(target, env, "rm", "-q", "--cached", name)


def _run(target: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PRE_COMMIT, "run", "--color", "never"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_precommit_baseline_hook_reports_only_new_secrets(
    tmp_path: Path, hook_repo: tuple[Path, str, dict[str, str]]
) -> None:
    """From a config with ``rev: <SHA>``: a baselined secret passes, a new one fails."""
    _, _, env = hook_repo
    target = tmp_path / "project"
    target.mkdir()
    _git(target, env, "init", "-q", "-b", "main")
    (target / "old.py").write_text(f"OLD = '{make_secret('stripe')}'\n")
    redact = str(Path(sys.executable).with_name("redact"))
    made = subprocess.run(
        [redact, "scan", "--baseline", ".redact-baseline.json", "--create-baseline", "old.py"],
        cwd=target,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    repo, sha, _ = hook_repo
    # the configuration docs/scan-cli.md documents, pinned to a commit SHA
    (target / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {sha}\n    hooks:\n      - id: redact-scan-baseline\n"
    )
    _git(target, env, "add", "old.py", ".redact-baseline.json", ".pre-commit-config.yaml")
    known = _run(target, env)
    assert known.returncode == 0, known.stdout + known.stderr
    (target / "new.py").write_text(f"NEW = '{make_secret('github')}'\n")
    _git(target, env, "add", "new.py")
    new = _run(target, env)
    assert new.returncode == 1, new.stdout + new.stderr
    assert "new.py" in new.stdout
