"""ChainProvider: ask several providers in order; the first that has the secret wins."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Sequence
from typing import Literal, TypeVar

from redact.exceptions import ConfigError, ProviderUnavailableError, SecretNotFoundError
from redact.secrets._scope import ScopedProvider, SecretProvider
from redact.secrets.model import AuditSink, Category, Secret, SecretVersion, Stage

__all__ = ["ChainProvider"]

_T = TypeVar("_T")


class ChainProvider:
    """Several providers in priority order (e.g. env overrides, then files, then Vault).

    A provider that does not have the secret passes to the next. A provider that
    is *unavailable* (and has no last good value) stops the chain by default:
    silently falling through to a lower-priority source could hand out a value
    nobody meant to use. Pass ``on_unavailable="skip"`` to fall through anyway.
    """

    def __init__(
        self,
        providers: Sequence[SecretProvider],
        *,
        name: str = "chain",
        audit: AuditSink | None = None,
        on_unavailable: Literal["raise", "skip"] = "raise",
    ) -> None:
        if not providers:
            msg = "ChainProvider needs at least one provider"
            raise ConfigError(msg)
        if on_unavailable not in ("raise", "skip"):
            msg = f"on_unavailable must be 'raise' or 'skip', got {on_unavailable!r}"
            raise ConfigError(msg)
        self.providers = tuple(providers)
        self.name = name
        self.on_unavailable = on_unavailable
        self.audit = audit if audit is not None else getattr(providers[0], "audit", None)

    def __repr__(self) -> str:
        return f"<ChainProvider {[p.name for p in self.providers]}>"

    def _first(self, name: str, op: str, call: Callable[[SecretProvider], _T]) -> _T:
        skipped: list[ProviderUnavailableError] = []
        for provider in self.providers:
            try:
                return call(provider)
            except SecretNotFoundError:
                continue
            except ProviderUnavailableError as exc:
                if self.on_unavailable == "raise":
                    raise
                skipped.append(exc)
        if skipped:
            raise skipped[0]
        names = ", ".join(p.name for p in self.providers)
        msg = f"secret {name!r} ({op}) not found in any of: {names}"
        raise SecretNotFoundError(msg)

    def get(self, name: str, stage: Stage = "current", version: str | None = None) -> Secret:
        """The secret from the first provider that has it."""
        return self._first(name, stage, lambda p: p.get(name, stage, version))

    def versions(self, name: str) -> list[SecretVersion]:
        """The versions held by the first provider that has ``name``."""
        return self._first(name, "versions", lambda p: p.versions(name))

    def refresh(self, name: str | None = None) -> None:
        """Expire cached values in every provider of the chain."""
        for provider in self.providers:
            provider.refresh(name)

    def category_of(self, name: str) -> Category:
        """The category from the first provider that configures ``name`` explicitly."""
        for provider in self.providers:
            configured = getattr(provider, "categories", None) or {}
            if name in configured or any(fnmatch.fnmatchcase(name, p) for p in configured):
                return provider.category_of(name)
        return self.providers[0].category_of(name)

    def scoped(
        self,
        *,
        categories: Iterable[Category] | None = None,
        names: Iterable[str] | None = None,
    ) -> SecretProvider:
        """A least-privilege handle over the whole chain."""
        return ScopedProvider(self, categories=categories, names=names)
