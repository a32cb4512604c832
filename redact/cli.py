"""The ``redact`` command: scan, filter, patterns, keys, audit.

Each sub-command lives beside the code it drives and exposes
``register(subparsers)``; this module only assembles them, so installing
fewer extras removes commands instead of breaking the tool.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

#: Modules that contribute sub-commands through ``register(subparsers)``.
_COMMAND_MODULES = (
    "redact.scan.cli",
    "redact._patterns_cli",
    "redact.secrets.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="redact", description="Keep secrets out of logs, traces and repositories."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            missing = getattr(exc, "name", None) or ""
            if missing == name or missing.startswith("redact"):
                continue  # that part of the suite is not built yet
            continue  # an optional dependency is not installed
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    code: int = handler(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
