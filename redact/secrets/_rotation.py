"""Scheduled key rotation: a policy, and a background thread that applies it.

``RotationPolicy(rotate_every=30 days, stage_ahead=1 day)`` says: replace the
active key when it has signed for ``rotate_every`` seconds, and stage its
successor ``stage_ahead`` seconds before that, so the new key has been in the
JWKS (and in every client's cache, when ``stage_ahead >= jwks_cache_ttl``)
before it signs. ``KeyRegistry.rotate(policy)`` is one idempotent step that
any number of replicas, or ``redact keys rotate --policy ...`` from cron, may
run at once; :class:`KeyRotator` runs it every ``interval`` seconds.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Protocol

from redact.exceptions import ConfigError

__all__ = ["KeyRotator", "RotationPolicy", "parse_duration"]

_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*")
_log = logging.getLogger("redact.keys")


def parse_duration(text: str, *, name: str = "duration") -> float:
    """Seconds from ``"90"``, ``"90s"``, ``"15m"``, ``"12h"``, ``"30d"`` or ``"2w"``."""
    match = _DURATION.fullmatch(text)
    if match is None:
        msg = f"{name} must be a number with an optional unit s, m, h, d or w; got {text!r}"
        raise ConfigError(msg)
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class RotationPolicy:
    """When to stage and promote: seconds of signing per key, and staging lead time."""

    rotate_every: float
    stage_ahead: float = 0.0

    def __post_init__(self) -> None:
        if not self.rotate_every > 0:
            msg = f"rotate_every must be positive, got {self.rotate_every}"
            raise ConfigError(msg)
        if not 0 <= self.stage_ahead < self.rotate_every:
            msg = (
                f"stage_ahead must be in [0, rotate_every={self.rotate_every:g}), "
                f"got {self.stage_ahead:g}"
            )
            raise ConfigError(msg)

    @classmethod
    def parse(cls, text: str) -> RotationPolicy:
        """From ``"rotate_every=30d,stage_ahead=1d"`` (the ``--policy`` syntax)."""
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, value = part.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in ("rotate_every", "stage_ahead"):
                msg = (
                    f"policy item {part!r}: expected rotate_every=DURATION or stage_ahead=DURATION"
                )
                raise ConfigError(msg)
            values[name] = parse_duration(value, name=name)
        if "rotate_every" not in values:
            msg = "policy needs rotate_every=DURATION (e.g. rotate_every=30d,stage_ahead=1d)"
            raise ConfigError(msg)
        return cls(**values)


class _Rotates(Protocol):
    def rotate(self, policy: RotationPolicy) -> list[str]: ...


class KeyRotator:
    """Runs ``registry.rotate(policy)`` every ``interval`` seconds on a daemon thread.

    A failing step is logged (type only, never a payload) and retried at the next tick;
    it never raises into the application. Use as a context manager or ``start``/``stop``.
    """

    def __init__(self, registry: _Rotates, policy: RotationPolicy, *, interval: float = 60.0):
        if interval <= 0:
            msg = f"interval must be positive, got {interval}"
            raise ConfigError(msg)
        self.registry = registry
        self.policy = policy
        self.interval = float(interval)
        self.failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"<KeyRotator policy={self.policy} interval={self.interval:g}s>"

    def run_once(self) -> list[str]:
        """One step now; errors are logged and counted, then an empty list is returned."""
        try:
            return self.registry.rotate(self.policy)
        except Exception as exc:
            self.failures += 1
            _log.warning("scheduled key rotation failed: %s", type(exc).__name__)
            return []

    def start(self) -> KeyRotator:
        """Start the background thread (first step at once)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, name="redact-key-rotator", daemon=True
            )
            self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the thread and wait for it (at most ``timeout`` seconds)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> KeyRotator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval)
