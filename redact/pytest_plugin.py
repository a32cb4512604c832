"""pytest plugin (entry point ``redact``): the ``leak_canary`` fixture."""

from __future__ import annotations

import pytest

from redact.testing import LeakCanary


@pytest.fixture
def leak_canary() -> LeakCanary:
    """A :class:`~redact.testing.LeakCanary` bound to a fresh default redactor."""
    return LeakCanary()
