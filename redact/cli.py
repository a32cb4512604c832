"""The ``redact`` command: scan, filter, baseline, patterns, keys, audit.

Each sub-command lives beside the code it drives and exposes
``register(subparsers)``; this module assembles them. A module whose optional
dependencies are missing still lists its commands, with the ``pip install``
hint that enables them, and running one prints that hint (exit 2). Any other
import error is a bug and is raised, never hidden.

Exit codes (every sub-command)::

    0  success; for scan: nothing found
    1  findings (scan; ``--exit-code N`` changes it), a failed check
       (patterns test, keys refused, audit verify tampered)
    2  usage, configuration or input error (message names the cause), or a
       command whose extra is not installed
    3  internal error: a bug in redact (the message says where; please report it)
    130 interrupted (Ctrl-C)

This is the split of ruff and mypy (1 = findings, 2 = trouble) with pytest's
"3 = internal error" so a CI step can tell a bug in the tool from a bad setting.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from redact import __version__
from redact._optional import install_hint
from redact.exceptions import MissingExtraError

__all__ = [
    "COMMANDS",
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "main",
]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

#: Modules that contribute sub-commands through ``register(subparsers)``, with the
#: commands they add (listed with a hint when the module's extra is missing).
COMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("redact.scan.cli", ("scan", "filter", "baseline")),
    ("redact._patterns_cli", ("patterns",)),
    ("redact.secrets.cli", ("keys", "audit")),
)


def _unavailable(subparsers: Any, command: str, exc: MissingExtraError) -> None:
    hint = install_hint(exc.extra)
    parser = subparsers.add_parser(
        command,
        help=f"(not installed: {hint})",
        description=str(exc),
        add_help=False,
    )
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    def handler(_args: argparse.Namespace) -> int:
        print(f"redact {command}: {exc}", file=sys.stderr)
        return EXIT_USAGE

    parser.set_defaults(handler=handler)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser: every command, installed or listed with its extra's hint.

    Raises whatever a command module raises on import except
    :class:`~redact.exceptions.MissingExtraError` (a missing optional dependency).
    """
    parser = argparse.ArgumentParser(
        prog="redact",
        description="Keep secrets out of logs, traces and repositories. "
        "Exit codes: 0 clean, 1 findings, 2 usage/config/input error, 3 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"redact {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, commands in COMMANDS:
        try:
            module = importlib.import_module(name)
        except MissingExtraError as exc:
            for command in commands:
                _unavailable(sub, command, exc)
            continue
        module.register(sub)
    return parser


def _internal_error(exc: BaseException) -> int:
    """Report a bug without echoing its message (it may quote a secret): type and location."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    for frame in reversed(frames):
        if "/redact/" in frame.filename.replace("\\", "/"):
            where = f" at {frame.filename.rsplit('redact/', 1)[-1]}:{frame.lineno}"
            break
    print(
        f"redact: internal error: {type(exc).__name__}{where} (a bug in redact; "
        "the message is withheld as it may quote input)",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code (see module doc)."""
    try:
        parser = build_parser()
    except Exception as exc:  # a command module failed to import: a bug, never hidden
        return _internal_error(exc)
    args = parser.parse_args(argv)  # usage errors exit 2 through argparse
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the last line of defence: a bug must not look like findings
        return _internal_error(exc)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
