"""The provider protocol and least-privilege scoped handles."""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from redact.exceptions import ConfigError, ScopeError
from redact.secrets.model import AuditSink, Category, Secret, SecretVersion, Stage

__all__ = ["ScopedProvider", "SecretProvider", "check_name"]

_log = logging.getLogger("redact.secrets")


@runtime_checkable
class SecretProvider(Protocol):
    """Where secrets come from. Every implementation registers values before returning them."""

    name: str

    def get(self, name: str, stage: Stage = "current", version: str | None = None) -> Secret:
        """The secret ``name`` at ``stage``, or at ``version`` when given."""

    def versions(self, name: str) -> list[SecretVersion]:
        """Metadata of the stored versions of ``name``, newest first."""

    def refresh(self, name: str | None = None) -> None:
        """Forget cached values of ``name`` (or of every secret) so the next read goes out."""

    def category_of(self, name: str) -> Category:
        """The category ``name`` is configured with (decides scoped access)."""

    def scoped(
        self,
        *,
        categories: Iterable[Category] | None = None,
        names: Iterable[str] | None = None,
    ) -> SecretProvider:
        """A handle that can read only the given categories and names (glob patterns)."""


def check_name(name: object) -> str:
    """Refuse names that are empty, absurdly long or contain control characters."""
    if not isinstance(name, str) or not name or len(name) > 512:
        msg = "a secret name must be a non-empty string of at most 512 characters"
        raise ConfigError(msg)
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        msg = f"secret name {name!r} contains a control character"
        raise ConfigError(msg)
    return name


class ScopedProvider:
    """A least-privilege view of a provider: other categories and names raise ``ScopeError``."""

    def __init__(
        self,
        inner: SecretProvider,
        *,
        categories: Iterable[Category] | None = None,
        names: Iterable[str] | None = None,
    ) -> None:
        self.inner = inner
        self.name = f"{inner.name}[scoped]"
        self.categories = None if categories is None else frozenset(map(Category, categories))
        self.names = None if names is None else tuple(names)
        self.audit: AuditSink | None = getattr(inner, "audit", None)

    def __repr__(self) -> str:
        cats = sorted(c.value for c in self.categories) if self.categories is not None else "*"
        return f"<ScopedProvider of {self.inner.name!r} categories={cats} names={self.names}>"

    def _allow(self, name: str) -> None:
        check_name(name)
        category = self.inner.category_of(name)
        in_names = self.names is None or any(fnmatch.fnmatchcase(name, p) for p in self.names)
        in_cats = self.categories is None or category in self.categories
        if in_names and in_cats:
            return
        why = "name" if not in_names else f"category {category.value}"
        if self.audit is not None:
            try:
                self.audit.emit(
                    "secret.access_denied",
                    provider=self.inner.name,
                    name=name,
                    category=category.value,
                    outcome="denied",
                    reason=f"{why} outside scope",
                )
            except Exception as exc:
                _log.error("scoped %s: audit sink failed: %s", self.inner.name, type(exc).__name__)
        _log.warning(
            "scoped %s: access to %r refused (%s outside scope)", self.inner.name, name, why
        )
        msg = f"secret {name!r} is outside this handle's scope ({why} not granted)"
        raise ScopeError(msg)

    def get(self, name: str, stage: Stage = "current", version: str | None = None) -> Secret:
        """The secret, if ``name`` and its category are inside the scope."""
        self._allow(name)
        return self.inner.get(name, stage, version)

    def versions(self, name: str) -> list[SecretVersion]:
        """Version metadata, if ``name`` is inside the scope."""
        self._allow(name)
        return self.inner.versions(name)

    def refresh(self, name: str | None = None) -> None:
        """Expire cached values (of ``name`` if in scope, or all)."""
        if name is not None:
            self._allow(name)
        self.inner.refresh(name)

    def category_of(self, name: str) -> Category:
        """The category of ``name`` as the wrapped provider configures it."""
        return self.inner.category_of(name)

    def scoped(
        self,
        *,
        categories: Iterable[Category] | None = None,
        names: Iterable[str] | None = None,
    ) -> SecretProvider:
        """A narrower handle: both scopes must allow a name (they can only shrink)."""
        return ScopedProvider(self, categories=categories, names=names)
