"""Shared fixtures for the provider tests: a registry, an audit recorder, leak scanning.

The OpenBao and moto servers are session-scoped: started once on random loopback
ports, waited on until healthy, and stopped at the end of the session.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Iterator

import pytest

from redact import KnownSecrets


class RecordingAudit:
    """An AuditSink that keeps every event in memory (a real sink, not a mock)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, object]]] = []
        self._lock = threading.Lock()

    def emit(self, event: str, **fields: object) -> None:
        """Record one event."""
        with self._lock:
            self.events.append((event, dict(fields)))

    def named(self, event: str) -> list[dict[str, object]]:
        """The fields of every event called ``event``."""
        with self._lock:
            return [f for e, f in self.events if e == event]

    def text(self) -> str:
        """Everything recorded, serialized, for leak scans."""
        with self._lock:
            return json.dumps(self.events, default=str)


def planted(prefix: str = "pv") -> str:
    """A fresh synthetic secret value (random at runtime, never a real credential)."""
    return f"{prefix}-{secrets.token_urlsafe(24)}"


def assert_no_leak(values: list[str], *texts: str) -> None:
    """None of ``values`` occurs in any of ``texts``."""
    for value in values:
        for text in texts:
            assert value not in text, "a planted secret value leaked"


@pytest.fixture
def known() -> KnownSecrets:
    """A fresh registry."""
    return KnownSecrets()


@pytest.fixture
def audit() -> RecordingAudit:
    """A fresh audit recorder."""
    return RecordingAudit()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog at DEBUG for the redact loggers."""
    with caplog.at_level(logging.DEBUG, logger="redact"):
        yield caplog
