"""The gitignore matcher used outside git work trees agrees with git itself.

Every (pattern set, path) pair is asked of ``IgnoreRules`` (pathspec) and of the
real ``git check-ignore`` in a temporary repository; they must give the same answer.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from redact.scan.sources import IgnoreRules

from .conftest import git_env

PATTERNS: list[list[str]] = [
    ["*.log"],
    ["/build"],
    ["build/"],
    ["doc/*.txt"],
    ["doc/**/*.txt"],
    ["**/fixtures/**"],
    ["**/secret"],
    ["a/**/b"],
    ["*.py", "!keep.py"],
    ["dir/", "!dir/keep.txt"],  # a file in an excluded directory cannot be re-included
    ["[a-c]?.cfg"],
    ["[!a]*.ini"],
    ["\\#hash", "\\!bang"],
    ["trailing\\ "],
    ["foo/*", "!foo/bar"],
    ["name"],
    ["nested/deep/"],
]
PATHS: list[tuple[str, bool]] = [
    ("x.log", False),
    ("sub/x.log", False),
    ("build", True),
    ("build/out.bin", False),
    ("src/build", True),
    ("src/build/o", False),
    ("doc/a.txt", False),
    ("doc/sub/a.txt", False),
    ("b/fixtures", True),
    ("b/fixtures/y.txt", False),
    ("fixtures/z", False),
    ("secret", False),
    ("x/y/secret", False),
    ("a/b", False),
    ("a/x/y/b", False),
    ("m.py", False),
    ("keep.py", False),
    ("dir", True),
    ("dir/keep.txt", False),
    ("ab.cfg", False),
    ("dd.cfg", False),
    ("a.ini", False),
    ("b.ini", False),
    ("#hash", False),
    ("!bang", False),
    ("trailing ", False),
    ("foo/bar", False),
    ("foo/baz", False),
    ("name", True),
    ("name/x", False),
    ("nested/deep", True),
    ("nested/deep/f", False),
]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """An empty git repository (paths need not exist for check-ignore --no-index)."""
    root = tmp_path_factory.mktemp("ignore")
    env = git_env(root)
    subprocess.run(["git", "init", "-q", str(root / "r")], env=env, check=True, timeout=60)
    return root / "r", env


@pytest.mark.parametrize("patterns", PATTERNS, ids=["|".join(p) for p in PATTERNS])
def test_ignore_rules_agree_with_git(
    patterns: list[str], repo: tuple[Path, dict[str, str]]
) -> None:
    """For every path, IgnoreRules says "ignored" exactly when git check-ignore does."""
    root, env = repo
    (root / ".gitignore").write_text("\n".join(patterns) + "\n")
    names = [p + ("/" if is_dir else "") for p, is_dir in PATHS]
    proc = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin", "-z"],
        cwd=root,
        env=env,
        input="\0".join(names).encode() + b"\0",
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode in (0, 1), proc.stderr
    by_git = {n.rstrip("/") for n in proc.stdout.decode().split("\0") if n}
    rules = IgnoreRules(root, patterns)
    ours = {p for p, is_dir in PATHS if rules.ignored(root / p, is_dir=is_dir)}
    assert ours == by_git
