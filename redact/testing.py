"""Test helpers for users of redact, in the spirit of ``structlog.testing``.

:class:`LeakCanary` plants synthetic secrets and proves that none of them —
raw or in any encoding the registry knows — reached a sink::

    canary = LeakCanary(redactor)
    logger.info("login", password=canary.value)
    canary.assert_clean(log_file.read_text())

:class:`~redact.secrets.MemoryProvider` is an in-memory secret provider that goes
through the real provider machinery (registration, versions, audit, outages).

With pytest, the ``leak_canary`` fixture (from the plugin this distribution
registers) gives a canary bound to a fresh default redactor.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path

from redact.engine import Redactor
from redact.registry import KnownSecrets
from redact.secrets._memory import MemoryProvider

__all__ = ["LeakCanary", "LeakError", "MemoryProvider"]


class LeakError(AssertionError):
    """A planted canary reached a sink (the message names the canary and sink, not the value)."""


class LeakCanary:
    """Synthetic secrets registered in a redactor, and a detector for any of their forms."""

    def __init__(
        self, redactor: Redactor | None = None, *, count: int = 3, label: str = "canary"
    ) -> None:
        self.redactor = redactor if redactor is not None else Redactor.default()
        self.values: tuple[str, ...] = tuple(
            f"cnry-{secrets.token_urlsafe(18)}" for _ in range(count)
        )
        self.labels = tuple(f"{label}.{i}" for i in range(count))
        for value, name in zip(self.values, self.labels, strict=True):
            self.redactor.known.add(value, label=name, category="test")
        # A detector that knows only the canaries, so every hit is a leak.
        self._detector = Redactor(known=KnownSecrets(), key_names_in_text=False)
        self._detector.known.add_many(zip(self.values, self.labels, strict=True))

    @property
    def value(self) -> str:
        """The first canary value, to plant in a log call, a header or a span."""
        return self.values[0]

    def __repr__(self) -> str:
        return f"<LeakCanary {len(self.values)} values>"

    def leaks(self, text: str) -> list[str]:
        """Labels of the canaries present in ``text`` (raw or encoded)."""
        return sorted({f.label for f in self._detector.find(text)})

    def assert_clean(self, *sinks: str | bytes | Path | Iterable[str]) -> None:
        """Raise :class:`LeakError` if any canary appears in any of ``sinks``."""
        for index, sink in enumerate(sinks):
            for where, text in _texts(sink, index):
                found = self.leaks(text)
                if found:
                    msg = f"canary {', '.join(found)} leaked into {where}"
                    raise LeakError(msg)


def _texts(sink: str | bytes | Path | Iterable[str], index: int) -> Iterable[tuple[str, str]]:
    if isinstance(sink, Path):
        yield str(sink), sink.read_bytes().decode("utf-8", "surrogateescape")
    elif isinstance(sink, bytes):
        yield f"sink #{index}", sink.decode("utf-8", "surrogateescape")
    elif isinstance(sink, str):
        yield f"sink #{index}", sink
    else:
        for n, item in enumerate(sink):
            yield f"sink #{index} item {n}", str(item)
