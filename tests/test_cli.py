"""The ``redact`` command as a whole: --version, exit codes 0/1/2/3, commands of missing extras."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from redact import __version__
from redact._optional import EXTRAS, install_hint
from redact.cli import COMMANDS, EXIT_INTERNAL, EXIT_USAGE, build_parser

from .scan.conftest import make_secret, run_redact
from .test_optional import BLOCK, run_blocked


def test_version_through_the_console_script(tmp_path: Path) -> None:
    """``redact --version`` prints the package version and exits 0."""
    proc = run_redact("--version", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().strip() == f"redact {__version__}"


def test_python_dash_m_redact_is_the_same_command(tmp_path: Path) -> None:
    """``python -m redact`` runs the CLI: version, and a scan of stdin that finds a token."""
    version = subprocess.run(
        [sys.executable, "-m", "redact", "--version"], cwd=tmp_path, capture_output=True, check=True
    )
    assert version.stdout.decode().strip() == f"redact {__version__}"
    token = make_secret("github")
    scan = subprocess.run(
        [sys.executable, "-m", "redact", "scan", "--no-progress", "-"],
        cwd=tmp_path,
        check=False,
        input=f"GITHUB={token}\n".encode(),
        capture_output=True,
    )
    assert scan.returncode == 1, scan.stderr
    assert b"github-token" in scan.stdout and token.encode() not in scan.stdout + scan.stderr


def test_no_command_is_a_usage_error(tmp_path: Path) -> None:
    """``redact`` alone prints help on stderr and exits 2; an unknown command exits 2 too."""
    bare = run_redact(cwd=tmp_path)
    assert bare.returncode == EXIT_USAGE and b"COMMAND" in bare.stderr
    unknown = run_redact("frobnicate", cwd=tmp_path)
    assert unknown.returncode == EXIT_USAGE and b"invalid choice" in unknown.stderr


def test_command_table_matches_the_parser() -> None:
    """COMMANDS lists exactly the commands each module registers (so hints name real commands)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    registered = set(sub.choices)  # type: ignore[arg-type]
    assert registered == {c for _, cmds in COMMANDS for c in cmds}


def test_commands_of_a_missing_extra_are_listed_with_the_hint() -> None:
    """Without cryptography/PyJWT, ``keys`` and ``audit`` stay in --help with the pip hint."""
    blocked = set(EXTRAS["secrets"])
    helped = run_blocked(blocked, "from redact.cli import main; main(['--help'])")
    assert helped.returncode == 0, helped.stderr
    hint = install_hint("secrets")
    for command in ("keys", "audit"):
        line = next(ln for ln in helped.stdout.splitlines() if ln.strip().startswith(command))
        assert hint in line, helped.stdout
    run = run_blocked(
        blocked,
        "from redact.cli import main; raise SystemExit(main(['keys', 'status', '--store', 'x']))",
    )
    assert run.returncode == EXIT_USAGE
    assert hint in run.stderr and "redact keys" in run.stderr
    scan = run_blocked(
        blocked | {"rich"}, "from redact.cli import main; raise SystemExit(main(['--version']))"
    )
    assert scan.returncode == 0 and __version__ in scan.stdout


def test_a_broken_command_module_is_an_internal_error_not_a_hidden_command() -> None:
    """A missing redact module (a bug) is never taken for a missing extra: exit 3, named."""
    proc = run_blocked(
        {"redact.secrets.audit"},
        "from redact.cli import main; raise SystemExit(main(['--help']))",
    )
    assert proc.returncode == EXIT_INTERNAL, proc.stderr
    assert "internal error: ModuleNotFoundError" in proc.stderr


def test_an_unexpected_exception_exits_3_without_its_message(tmp_path: Path) -> None:
    """A bug inside a command exits 3 (never 1, "findings") and withholds the message."""
    token = make_secret("github")
    code = f"""
import redact.scan.cli as c
def boom(args):
    raise RuntimeError("leaked {token}")
c.run_scan = boom
from redact.cli import main
raise SystemExit(main(["scan", "."]))
"""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == EXIT_INTERNAL
    assert "internal error: RuntimeError" in proc.stderr
    assert token not in proc.stderr + proc.stdout


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_every_extra_has_a_hint(extra: str) -> None:
    """The hint is a pip command a user can paste."""
    assert install_hint(extra) == f"pip install 'redact-suite[{extra}]'"


def test_scan_and_filter_run_without_rich(tmp_path: Path) -> None:
    """The base install has no rich: the text report is plain and the exit code still 1."""
    token = make_secret("github")
    (tmp_path / "app.py").write_text(f"T = '{token}'\n")
    code = (
        "from redact.cli import main\n"
        "import sys\n"
        "rc = main(['scan', '--color', 'always', '.'])\n"
        "assert 'rich' not in sys.modules\n"
        "raise SystemExit(rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", BLOCK.format(blocked=["rich"]) + code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "github-token" in proc.stdout and "\x1b[" in proc.stdout
    assert token not in proc.stdout + proc.stderr
