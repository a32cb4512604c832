"""Each adapter imports only the core and its own framework (checked in fresh interpreters)."""

from __future__ import annotations

import subprocess
import sys

import pytest

_CHECK = """
import sys
{setup}
import {module}
roots = {{name.split(".")[0] for name, mod in sys.modules.items() if mod is not None}}
forbidden = sorted(roots & {forbidden!r})
assert not forbidden, forbidden
adapters = sorted(m for m in sys.modules if m.startswith("redact.integrations."))
assert set(adapters) <= {allowed!r}, adapters
"""


def _run(module: str, forbidden: set[str], allowed: set[str], setup: str = "") -> None:
    code = _CHECK.format(setup=setup, module=module, forbidden=forbidden, allowed=allowed)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr


WEB = {"opentelemetry", "starlette", "fastapi", "uvicorn", "httpx"}


@pytest.mark.parametrize(
    ("module", "forbidden", "allowed"),
    [
        (
            "redact.integrations.structlog",
            WEB,
            {"redact.integrations.structlog", "redact.integrations._objects"},
        ),
        (
            "redact.integrations.logging",
            WEB | {"structlog"},
            {"redact.integrations.logging", "redact.integrations._objects"},
        ),
        ("redact.integrations", WEB | {"structlog"}, set()),
    ],
)
def test_adapter_imports_only_core_and_its_framework(
    module: str, forbidden: set[str], allowed: set[str]
) -> None:
    """Importing the adapter pulls in no other framework and no other adapter."""
    _run(module, forbidden, allowed)


def test_structlog_adapter_imports_without_structlog_installed() -> None:
    """The processor is a plain callable: structlog is needed for typing only, not at import."""
    _run(
        "redact.integrations.structlog",
        WEB | {"structlog"},
        {"redact.integrations.structlog", "redact.integrations._objects"},
        setup="sys.modules['structlog'] = None  # import structlog now raises ImportError",
    )
