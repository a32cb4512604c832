"""What every provider shares: the protocol, caching, backoff, stale-on-error, registration.

A backend implements three small methods (``_fetch``, ``_list_versions``,
``_classify``) and :class:`BaseProvider` does the rest:

* every value is registered in the ``KnownSecrets`` registry *before* any
  caller sees it (plus its PEM bodies and JWK private members);
* values are cached for a jittered TTL, versions by id for good;
* an authentication failure triggers one re-login and one retry;
* an outage serves the last good value, emits ``provider.stale`` and backs
  off exponentially until the backend answers again.
"""

from __future__ import annotations

import fnmatch
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, Self, TypedDict, TypeVar

from redact.exceptions import (
    ConfigError,
    ProviderUnavailableError,
    ScopeError,
    SecretNotFoundError,
    SecretTooShortError,
)
from redact.secrets._scope import ScopedProvider, check_name
from redact.secrets.model import STAGES, AuditSink, Category, Secret, SecretVersion, Stage
from redact.secrets.model import sensitive_parts as _sensitive_parts

__all__ = [
    "BaseProvider",
    "Fetched",
    "ProviderOptions",
    "Registry",
    "describe",
]

_log = logging.getLogger("redact.secrets")
_T = TypeVar("_T")
ErrorKind = Literal["auth", "unavailable"]


class Registry(Protocol):
    """The part of ``redact.KnownSecrets`` the providers use."""

    min_length: int

    def __contains__(self, value: object) -> bool:
        """Whether ``value`` is registered already."""

    def add_many(
        self,
        items: Iterable[tuple[str | bytes, str]],
        *,
        category: str | None = None,
        version: str | None = None,
    ) -> None:
        """Register several ``(value, label)`` pairs."""


class _HasKnown(Protocol):
    @property
    def known(self) -> Registry: ...


class ProviderOptions(TypedDict, total=False):
    """The keyword options every provider accepts (see :class:`BaseProvider`)."""

    known: Registry | None
    redactor: _HasKnown | None
    audit: AuditSink | None
    name: str | None
    categories: Mapping[str, Category] | None
    default_category: Category
    ttl: float
    jitter: float
    backoff: float
    max_backoff: float
    clock: Callable[[], float]


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a backend returns for one read: the value and its version metadata."""

    value: str
    version: str
    created: datetime | None = None
    stages: tuple[str, ...] = ()


class _Unavailable(Exception):
    """Internal: the backend failed; ``cause`` is safe to show (no values)."""

    def __init__(self, kind: ErrorKind, cause: str) -> None:
        super().__init__(cause)
        self.kind = kind
        self.cause = cause


@dataclass(slots=True)
class _Entry:
    secret: Secret
    expires: float
    token: object


def describe(exc: BaseException) -> str:
    """A short cause for an error message: the exception type and its first line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def resolve_known(known: Registry | None, redactor: _HasKnown | None) -> Registry:
    """The registry to feed: ``known`` or ``redactor.known``; one of them is required."""
    if known is not None and redactor is not None and known is not redactor.known:
        msg = "pass either known= or redactor=, not two different registries"
        raise ConfigError(msg)
    if known is not None:
        return known
    if redactor is not None:
        return redactor.known
    msg = "a provider needs known=KnownSecrets(...) or redactor=Redactor(...) to register values"
    raise ConfigError(msg)


class BaseProvider:
    """Caching, registration, auditing, backoff and stale-on-error around one backend.

    Options: ``known`` (or ``redactor``) is the registry every value is added to;
    ``audit`` receives events; ``name`` labels the provider; ``categories`` maps
    names or glob patterns to a :class:`Category`; ``ttl`` seconds of caching,
    shortened by up to ``jitter`` (a fraction) so replicas do not refresh in
    step; ``backoff``/``max_backoff`` bound the exponential wait after a failure.
    """

    #: The short provider kind used in labels (``"env"``, ``"file"``, ``"vault"``, ``"aws"``).
    kind = "provider"

    def __init__(
        self,
        *,
        known: Registry | None = None,
        redactor: _HasKnown | None = None,
        audit: AuditSink | None = None,
        name: str | None = None,
        categories: Mapping[str, Category] | None = None,
        default_category: Category = Category.APPLICATION,
        ttl: float = 300.0,
        jitter: float = 0.1,
        backoff: float = 0.5,
        max_backoff: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl < 0 or not 0 <= jitter < 1 or backoff <= 0 or max_backoff < backoff:
            msg = (
                f"{self.kind} provider: need ttl >= 0, 0 <= jitter < 1 and "
                f"0 < backoff <= max_backoff (got ttl={ttl}, jitter={jitter}, "
                f"backoff={backoff}, max_backoff={max_backoff})"
            )
            raise ConfigError(msg)
        self.known = resolve_known(known, redactor)
        self.audit = audit
        self.name = name or self.kind
        self.categories = dict(categories or {})
        self.default_category = Category(default_category)
        self.ttl = ttl
        self.jitter = jitter
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._clock = clock
        self._lock = threading.RLock()
        self._cache: dict[tuple[str, str], _Entry] = {}
        self._by_version: dict[tuple[str, str], Secret] = {}
        self._current_version: dict[str, str] = {}
        self._failures = 0
        self._retry_at = 0.0
        self._stale: set[str] = set()
        self._last_cause = ""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"

    # -- the public protocol ---------------------------------------------------------------

    def get(self, name: str, stage: Stage = "current", version: str | None = None) -> Secret:
        """The secret ``name`` at ``stage`` (or ``version``), registered before it is returned."""
        check_name(name)
        if stage not in STAGES:
            msg = f"stage must be one of {', '.join(STAGES)}, got {stage!r}"
            raise ConfigError(msg)
        if version is not None:
            with self._lock:
                pinned = self._by_version.get((name, version))
            if pinned is not None:
                return pinned
        key = (name, stage if version is None else f"v:{version}")
        token = self._cache_token(name)
        now = self._clock()
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None and entry.expires > now and entry.token == token:
                return entry.secret
            backing_off = now < self._retry_at
        if backing_off:
            cause = f"backing off after: {self._last_cause}"
            return self._stale_or_raise(name, key, entry, cause)
        try:
            fetched = self._call(name, lambda: self._fetch(name, stage, version))
        except _Unavailable as exc:
            if exc.kind == "auth":
                self._audit(
                    "secret.access_denied", name=name, outcome="denied", reason="auth_failed"
                )
                raise ProviderUnavailableError(self._message(name, exc.cause)) from exc
            self._note_failure(exc.cause)
            return self._stale_or_raise(name, key, entry, exc.cause)
        except SecretNotFoundError:
            self._audit(
                "secret_config.read", name=name, stage=stage, outcome="failure", reason="not_found"
            )
            raise
        self._note_success()
        return self._admit(name, key, stage if version is None else None, fetched, token)

    def versions(self, name: str) -> list[SecretVersion]:
        """Metadata of the stored versions of ``name`` (never values), newest first."""
        check_name(name)
        found = self._run(name, lambda: self._list_versions(name))
        self._audit("secret_config.listed", name=name, outcome="success", count=len(found))
        return found

    def refresh(self, name: str | None = None) -> None:
        """Expire cached values (of ``name`` or all); last good values stay for outages."""
        with self._lock:
            for key, entry in self._cache.items():
                if name is None or key[0] == name:
                    entry.expires = float("-inf")

    def category_of(self, name: str) -> Category:
        """The configured category of ``name``: exact entry, then glob patterns, then default."""
        if name in self.categories:
            return self.categories[name]
        for pattern, category in self.categories.items():
            if fnmatch.fnmatchcase(name, pattern):
                return category
        return self.default_category

    def scoped(
        self,
        *,
        categories: Iterable[Category] | None = None,
        names: Iterable[str] | None = None,
    ) -> ScopedProvider:
        """A least-privilege handle limited to ``categories`` and ``names`` (glob patterns)."""
        return ScopedProvider(self, categories=categories, names=names)

    # -- what a backend implements ---------------------------------------------------------

    def _fetch(self, name: str, stage: Stage, version: str | None) -> Fetched:
        """Read one value from the backend; raise ``SecretNotFoundError`` if absent."""
        raise NotImplementedError

    def _list_versions(self, name: str) -> list[SecretVersion]:
        """List the versions the backend stores for ``name``."""
        raise NotImplementedError

    def _classify(self, exc: Exception) -> ErrorKind | None:
        """``"auth"``, ``"unavailable"`` or ``None`` (a bug or bad config: re-raised)."""
        return None

    def _reauthenticate(self) -> None:
        """Log in again after an authentication failure (default: nothing to do)."""

    def _cache_token(self, name: str) -> object:
        """A cheap marker that changes when the backend's value may have changed."""
        return None

    # -- internals -------------------------------------------------------------------------

    def _call(self, name: str, fn: Callable[[], _T]) -> _T:
        """Run ``fn``; on an auth failure log in again and retry once; classify failures."""
        for attempt in (1, 2):
            try:
                return fn()
            except (SecretNotFoundError, ScopeError, ConfigError):
                raise
            except Exception as exc:
                kind = self._classify(exc)
                if kind is None:
                    raise
                if kind == "auth" and attempt == 1:
                    _log.info("%s: authentication failed reading %r; logging in again", self, name)
                    try:
                        self._reauthenticate()
                    except Exception as login_exc:
                        login_kind = self._classify(login_exc) or "auth"
                        raise _Unavailable(login_kind, describe(login_exc)) from login_exc
                    self.refresh(name)
                    continue
                raise _Unavailable(kind, describe(exc)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _run(self, name: str, fn: Callable[[], _T]) -> _T:
        """:meth:`_call`, with a failure raised as ``ProviderUnavailableError``."""
        try:
            return self._call(name, fn)
        except _Unavailable as exc:
            raise ProviderUnavailableError(self._message(name, exc.cause)) from exc

    def _message(self, name: str, cause: str) -> str:
        return f"provider {self.name!r} failed on secret {name!r}: {cause}"

    def _admit(
        self,
        name: str,
        key: tuple[str, str],
        stage: Stage | None,
        fetched: Fetched,
        token: object,
    ) -> Secret:
        secret = Secret(
            name,
            fetched.value,
            version=fetched.version,
            category=self.category_of(name),
            provider=self.name,
            stage=stage,
        )
        self.register(secret)
        expires = self._clock() + self.ttl * (1 - self.jitter * random.random())
        with self._lock:
            existing = self._by_version.get((name, secret.version))
            if existing is not None and existing == secret:
                secret = existing
            self._by_version[(name, secret.version)] = secret
            self._cache[key] = _Entry(secret, expires, token)
            before = self._current_version.get(name) if stage == "current" else None
            if stage == "current":
                self._current_version[name] = secret.version
        self._audit(
            "secret_config.read",
            secret.reveal(),
            name=name,
            version=secret.version,
            stage=stage,
            category=secret.category.value,
            outcome="success",
        )
        if before is not None and before != secret.version:
            _log.info("%s: secret %r rotated from %s to %s", self, name, before, secret.version)
            self._audit(
                "secret.rotated",
                secret.reveal(),
                name=name,
                version=secret.version,
                previous_version=before,
                outcome="success",
                reason="observed",
            )
        return secret

    def register(self, secret: Secret) -> None:
        """Register ``secret``'s value (and derived key parts) in the registry, or refuse it."""
        value = secret.reveal()
        minimum = int(getattr(self.known, "min_length", 0))
        if len(value) < minimum:
            _log.warning(
                "%s: secret %r (version %s) is shorter than the registry minimum of %d "
                "characters; refused",
                self,
                secret.name,
                secret.version,
                minimum,
            )
            self._audit(
                "secret_config.read",
                name=secret.name,
                version=secret.version,
                outcome="refused",
                reason="too_short",
            )
            msg = (
                f"provider {self.name!r}: secret {secret.name!r} (version {secret.version}) "
                f"is shorter than the registry minimum of {minimum} characters and was refused"
            )
            raise SecretTooShortError(msg)
        items: list[tuple[str | bytes, str]] = [(value, secret.label)]
        items += [
            (part, f"{secret.label}#{suffix}")
            for suffix, part in _sensitive_parts(value)
            if len(part) >= minimum
        ]
        # A value seen before (a re-read, a roll-back) keeps its first label: no rebuild.
        fresh = [(v, label) for v, label in items if v not in self.known]
        if fresh:
            self.known.add_many(fresh, category=secret.category.value, version=secret.version)

    def _stale_or_raise(
        self, name: str, key: tuple[str, str], entry: _Entry | None, cause: str
    ) -> Secret:
        if entry is None:
            raise ProviderUnavailableError(self._message(name, cause))
        with self._lock:
            first = name not in self._stale
            self._stale.add(name)
        if first:
            _log.warning(
                "%s: serving the last good version %s of %r: %s",
                self,
                entry.secret.version,
                name,
                cause,
            )
            self._audit(
                "provider.stale",
                name=name,
                version=entry.secret.version,
                outcome="failure",
                reason="serving_stale",
                cause=cause,
            )
        return entry.secret

    def _note_failure(self, cause: str) -> None:
        with self._lock:
            self._last_cause = cause
            self._failures += 1
            delay = min(self.max_backoff, self.backoff * 2 ** (self._failures - 1))
            self._retry_at = self._clock() + delay * (0.5 + random.random() / 2)

    def _note_success(self) -> None:
        with self._lock:
            recovered = sorted(self._stale)
            self._failures = 0
            self._retry_at = 0.0
            self._stale.clear()
        if recovered:
            _log.info("%s: backend answers again; stale secrets recovered", self)
            for name in recovered:
                self._audit("provider.stale", name=name, outcome="success", reason="recovered")

    def _audit(self, event: str, /, secret_value: str | None = None, **fields: object) -> None:
        """Emit ``event``; with ``secret_value``, add the sink's keyed fingerprint if it has one."""
        if self.audit is None:
            return
        try:
            fingerprint = getattr(self.audit, "fingerprint", None)
            if secret_value is not None and callable(fingerprint):
                fields["fingerprint"] = fingerprint(secret_value)
            self.audit.emit(event, provider=self.name, **fields)
        except Exception as exc:
            _log.error("%s: audit sink failed on %s: %s", self, event, type(exc).__name__)


class BackgroundTask:
    """A daemon thread that calls :meth:`tick` until :meth:`stop`; a context manager too.

    ``tick`` returns the seconds to wait before the next call; the first call
    comes after :attr:`first_delay`.
    """

    first_delay = 0.0

    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop and wait for the thread to end."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def tick(self) -> float:
        """Do one round of work; return the delay before the next."""
        raise NotImplementedError

    def _run(self) -> None:
        delay = self.first_delay
        while not self._stop.wait(delay):
            delay = self.tick()
