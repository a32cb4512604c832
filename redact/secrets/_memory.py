"""MemoryProvider: secrets held in a dict, for tests, demos and local development."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Unpack

from redact.exceptions import SecretNotFoundError
from redact.secrets._base import BaseProvider, ErrorKind, Fetched, ProviderOptions
from redact.secrets._scope import check_name
from redact.secrets.model import Secret, SecretVersion, Stage

__all__ = ["MemoryProvider"]


class MemoryProvider(BaseProvider):
    """Versioned secrets in memory; set ``available = False`` to simulate an outage.

    It goes through the same machinery as the real backends (registration,
    caching, stale-on-error, scopes, audit), so tests of code that uses a
    provider exercise the real behaviour without a server.
    """

    kind = "memory"

    def __init__(
        self, secrets: Mapping[str, str] | None = None, **options: Unpack[ProviderOptions]
    ) -> None:
        super().__init__(**options)
        self._data: dict[str, list[tuple[str, datetime]]] = {}
        self._data_lock = threading.Lock()
        #: While ``False`` every backend read fails like a network outage.
        self.available = True
        #: How many times the backend (not the cache) was read.
        self.reads = 0
        for name, value in (secrets or {}).items():
            self.set(name, value)

    def set(self, name: str, value: str) -> SecretVersion:
        """Store a new current version (registered first); the old one becomes previous."""
        check_name(name)
        with self._data_lock:
            number = len(self._data.get(name, ())) + 1
        secret = Secret(
            name, value, version=str(number), category=self.category_of(name), provider=self.name
        )
        self.register(secret)
        created = datetime.now(UTC)
        with self._data_lock:
            self._data.setdefault(name, []).append((value, created))
            number = len(self._data[name])
        self.refresh(name)
        self._audit("secret.updated", name=name, version=str(number), outcome="success")
        return SecretVersion(str(number), created, ("current",))

    def _fetch(self, name: str, stage: Stage, version: str | None) -> Fetched:
        with self._data_lock:
            self.reads += 1
            history = list(self._data.get(name, ()))
        if not self.available:
            msg = "memory provider is switched off (simulated outage)"
            raise ConnectionError(msg)
        if version is not None:
            index = int(version) - 1 if version.isdigit() else -1
        else:
            index = {"current": len(history) - 1, "previous": len(history) - 2}.get(stage, -1)
        if not 0 <= index < len(history):
            which = f"version {version}" if version is not None else f"stage {stage}"
            msg = f"secret {name!r} has no {which} in this memory provider"
            raise SecretNotFoundError(msg)
        value, created = history[index]
        return Fetched(value, str(index + 1), created)

    def _list_versions(self, name: str) -> list[SecretVersion]:
        if not self.available:
            msg = "memory provider is switched off (simulated outage)"
            raise ConnectionError(msg)
        with self._data_lock:
            history = list(self._data.get(name, ()))
        if not history:
            msg = f"secret {name!r} not found in this memory provider"
            raise SecretNotFoundError(msg)
        out = []
        for index in range(len(history) - 1, -1, -1):
            stages = (
                ("current",)
                if index == len(history) - 1
                else ("previous",)
                if index == len(history) - 2
                else ()
            )
            out.append(SecretVersion(str(index + 1), history[index][1], stages))
        return out

    def _classify(self, exc: Exception) -> ErrorKind | None:
        return "unavailable" if isinstance(exc, ConnectionError) else None
