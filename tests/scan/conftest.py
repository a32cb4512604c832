"""Shared helpers for the scanner tests: synthetic secrets, real git repos, the real CLI.

Every secret here is built at runtime from random characters in the provider's
format, so no realistic token is ever committed to this repository.
"""

from __future__ import annotations

import os
import random
import string
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

REDACT = str(Path(sys.executable).with_name("redact"))
_ALNUM = string.ascii_letters + string.digits
_RNG = random.SystemRandom()


def make_secret(kind: str = "github") -> str:
    """A fresh synthetic credential in a provider's shape (never a real one)."""
    if kind == "github":
        return "gh" + "p_" + "".join(_RNG.choice(_ALNUM) for _ in range(36))
    if kind == "stripe":
        return "sk" + "_li" + "ve_" + "".join(_RNG.choice(_ALNUM) for _ in range(28))
    if kind == "aws":
        return (
            "AK" + "IA" + "".join(_RNG.choice(string.ascii_uppercase + "234567") for _ in range(16))
        )
    if kind == "slack":
        return (
            "xo"
            + "xb-"
            + "".join(_RNG.choice(string.digits) for _ in range(12))
            + "-"
            + "".join(_RNG.choice(_ALNUM) for _ in range(24))
        )
    msg = f"unknown kind {kind!r}"
    raise ValueError(msg)


@pytest.fixture
def secret() -> Callable[..., str]:
    """Factory of synthetic secrets."""
    return make_secret


def git_env(home: Path) -> dict[str, str]:
    """An environment that makes git deterministic and independent of the machine's config."""
    env = dict(os.environ)
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": "Test Author",
            "GIT_AUTHOR_EMAIL": "author@example.invalid",
            "GIT_COMMITTER_NAME": "Test Author",
            "GIT_COMMITTER_EMAIL": "author@example.invalid",
        }
    )
    return env


class Repo:
    """A real git repository in a temporary directory, driven by the real git binary."""

    def __init__(self, root: Path, env: Mapping[str, str]) -> None:
        self.root = root
        self.env = dict(env)
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, date: str | None = None) -> str:
        """Run git in the repository and return its stdout."""
        env = dict(self.env)
        if date:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
        proc = subprocess.run(
            ["git", *args], cwd=self.root, env=env, capture_output=True, text=True, check=True
        )
        return proc.stdout.strip()

    def write(self, path: str, text: str) -> None:
        """Create or replace a file in the work tree."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def commit(self, message: str, *, date: str = "2024-01-02T03:04:05+00:00") -> str:
        """Stage everything and commit; returns the commit id."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, date=date)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[str], Repo]:
    """Factory of real git repositories under ``tmp_path``."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return lambda name="repo": Repo(tmp_path / name, git_env(home))


def run_redact(
    *args: str, cwd: Path, input: bytes | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run the installed ``redact`` console script."""
    full_env = dict(os.environ)
    full_env.pop("REDACT_FINGERPRINT_KEY", None)
    full_env.update(env or {})
    return subprocess.run(
        [REDACT, *args],
        check=False,
        cwd=cwd,
        input=input,
        capture_output=True,
        env=full_env,
        timeout=120,
    )
