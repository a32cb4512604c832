"""Suite-wide setup: an installation home of the suite's own, so no test reads or writes ~."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_SAVED: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Point ``REDACT_HOME`` at a fresh directory before collection (module-level options
    objects build their fingerprint key at import) and drop any inherited key."""
    for name in ("REDACT_HOME", "REDACT_FINGERPRINT_KEY", "REDACT_FINGERPRINT_KEY_FILE"):
        _SAVED[name] = os.environ.pop(name, None)
    os.environ["REDACT_HOME"] = tempfile.mkdtemp(prefix="redact-home-")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the suite's home and restore the environment it replaced."""
    home = os.environ.pop("REDACT_HOME", None)
    if home:
        shutil.rmtree(home, ignore_errors=True)
    for name, value in _SAVED.items():
        if value is not None:
            os.environ[name] = value
