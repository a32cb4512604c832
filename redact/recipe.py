"""A picklable recipe for a :class:`~redact.Redactor`: what to build, never the secrets.

A ``Redactor`` holds secret values and refuses to be pickled, so a cluster job
(Dask, Spark) ships a :class:`RedactorRecipe` instead: rule packs, Redactor
options, and *provider configuration* — where each worker reads the known
values itself (environment variables, mounted files, Vault, AWS Secrets
Manager), exactly as any replica of a service does. Secret-bearing settings
(a Vault token, an AppRole secret id, a fingerprint key) are refused in the
recipe: the worker reads them from its own environment.

    recipe = RedactorRecipe(
        packs=("default",),
        providers=(ProviderSpec.files("/run/secrets", names=("db.password",)),),
    )
    redactor = recipe.redactor()   # once per process; built on first use

Errors: :class:`~redact.exceptions.ConfigError` for an option that is unknown
or names a secret, and — on the worker — for a provider that cannot load a
named secret (the job fails rather than redacting without it).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from redact.engine import Redactor
from redact.exceptions import ConfigError, RedactError
from redact.keynames import KeyNames
from redact.registry import KnownSecrets
from redact.rules import RulePack

__all__ = ["ProviderSpec", "RedactorRecipe"]

ProviderKind = Literal["env", "file", "vault", "aws"]
Scalar = str | int | float | bool | None

#: Redactor keyword options a recipe may carry (none of them holds a secret).
_REDACTOR_OPTIONS = frozenset(
    {"key_names_in_text", "mask", "max_depth", "chunk_size", "overlap", "rule_timeout"}
)
#: Provider options a recipe may carry, per kind (secrets come from the worker's environment).
_PROVIDER_OPTIONS: dict[str, frozenset[str]] = {
    "env": frozenset({"prefix", "file_suffix", "strip_newline", "max_file_size"}),
    "file": frozenset({"root", "layout", "strip_newline", "max_file_size"}),
    "vault": frozenset({"url", "mount", "prefix", "field", "namespace", "approle_mount", "verify"}),
    "aws": frozenset({"region_name", "endpoint_url"}),
}
_SECRET_WORDS = ("token", "secret", "password", "credential", "key")


def _check_items(kind: str, items: Mapping[str, Scalar], allowed: frozenset[str]) -> None:
    names = KeyNames.default()
    for name, value in items.items():
        if name not in allowed:
            if names.is_sensitive(name) or any(w in name.lower() for w in _SECRET_WORDS):
                msg = (
                    f"{kind}: option {name!r} holds a secret and may not travel in a recipe; "
                    "each worker reads it from its own environment or provider"
                )
            else:
                msg = f"{kind}: unknown option {name!r} (allowed: {', '.join(sorted(allowed))})"
            raise ConfigError(msg)
        if not isinstance(value, str | int | float | bool | type(None)):
            msg = f"{kind}: option {name!r} must be a str, number, bool or None"
            raise ConfigError(msg)


@dataclass(frozen=True)
class ProviderSpec:
    """Where a worker loads known values from: a provider kind, its options, the names to load.

    ``options`` hold configuration only (a prefix, a mount, a URL); credentials
    are read on the worker (``VAULT_TOKEN`` / ``VAULT_ROLE_ID`` + ``VAULT_SECRET_ID``
    for Vault, the default AWS credential chain for AWS).
    """

    kind: ProviderKind
    names: tuple[str, ...]
    options: tuple[tuple[str, Scalar], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in _PROVIDER_OPTIONS:
            msg = f"provider kind must be one of {', '.join(_PROVIDER_OPTIONS)}, got {self.kind!r}"
            raise ConfigError(msg)
        if isinstance(self.names, str) or not all(isinstance(n, str) for n in self.names):
            msg = f"{self.kind} provider: names must be a sequence of secret names"
            raise ConfigError(msg)
        _check_items(f"{self.kind} provider", dict(self.options), _PROVIDER_OPTIONS[self.kind])

    @classmethod
    def env(cls, names: Iterable[str], *, prefix: str = "", **options: Scalar) -> ProviderSpec:
        """Values from ``<prefix><NAME>`` variables (or ``..._FILE``) on each worker."""
        return cls("env", tuple(names), _items({"prefix": prefix, **options}))

    @classmethod
    def files(
        cls, root: str | os.PathLike[str], names: Iterable[str], **options: Scalar
    ) -> ProviderSpec:
        """Values from files mounted on each worker (Kubernetes secret volume, Docker secrets)."""
        return cls("file", tuple(names), _items({"root": os.fspath(root), **options}))

    @classmethod
    def vault(cls, names: Iterable[str], **options: Scalar) -> ProviderSpec:
        """Values from Vault/OpenBao KV v2; URL and auth from ``VAULT_*`` on the worker."""
        return cls("vault", tuple(names), _items(options))

    @classmethod
    def aws(cls, names: Iterable[str], **options: Scalar) -> ProviderSpec:
        """Values from AWS Secrets Manager with the worker's own credential chain."""
        return cls("aws", tuple(names), _items(options))

    def load(self, known: KnownSecrets) -> None:
        """Build the provider on this process and register every named value in ``known``."""
        from redact import secrets

        opts: dict[str, Any] = dict(self.options)
        provider: secrets.BaseProvider
        if self.kind == "env":
            provider = secrets.EnvProvider(known=known, **opts)
        elif self.kind == "file":
            provider = secrets.FileProvider(opts.pop("root"), known=known, **opts)
        elif self.kind == "vault":
            provider = secrets.VaultProvider.from_env(known=known, **opts)
        else:
            provider = secrets.AwsSecretsManagerProvider(known=known, **opts)
        for name in self.names:
            try:
                provider.get(name)
            except RedactError as exc:
                msg = f"{self.kind} provider on this worker cannot load {name!r}: {exc}"
                raise ConfigError(msg) from None


def _items(options: Mapping[str, Scalar]) -> tuple[tuple[str, Scalar], ...]:
    return tuple(sorted(options.items()))


@dataclass(frozen=True)
class RedactorRecipe:
    """Everything a worker needs to build the same Redactor as the driver, minus secrets.

    ``packs`` are shipped rule pack names; ``options`` are Redactor keyword
    options (``mask``, ``key_names_in_text``, ``max_depth``, ``chunk_size``,
    ``overlap``, ``rule_timeout``); ``providers`` load the known values on the
    worker; ``fingerprint_key_env`` names the worker's environment variable that
    holds the key of ``mask="fingerprint"``; ``backend`` picks the matcher.
    Hashable and picklable: equal recipes share one Redactor per process.
    """

    packs: tuple[str, ...] = ("default",)
    options: tuple[tuple[str, Scalar], ...] = ()
    providers: tuple[ProviderSpec, ...] = ()
    fingerprint_key_env: str | None = None
    backend: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.packs, str):
            object.__setattr__(self, "packs", (self.packs,))
        for name in self.packs:
            RulePack.builtin(name)  # RulePackError names an unknown pack here, on the driver
        if isinstance(self.options, Mapping):
            object.__setattr__(self, "options", _items(self.options))
        _check_items("recipe", dict(self.options), _REDACTOR_OPTIONS)
        object.__setattr__(self, "providers", tuple(self.providers))

    def build(self) -> Redactor:
        """A new Redactor built from this recipe in this process (providers load here)."""
        known = KnownSecrets(backend=self.backend) if self.backend else KnownSecrets()
        opts: dict[str, Any] = dict(self.options)
        if self.fingerprint_key_env is not None:
            raw = os.environ.get(self.fingerprint_key_env)
            if not raw:
                msg = f"recipe: {self.fingerprint_key_env} is not set on this worker"
                raise ConfigError(msg)
            opts["fingerprint_key"] = raw.encode("utf-8")
        redactor = Redactor.default(packs=self.packs, known=known, **opts)
        for spec in self.providers:
            spec.load(redactor.known)
        return redactor

    def redactor(self) -> Redactor:
        """This process's Redactor for this recipe: built once, then shared by every task."""
        cached = _CACHE.get(self)
        if cached is not None:
            return cached
        with _LOCK:
            cached = _CACHE.get(self)
            if cached is None:
                cached = _CACHE[self] = self.build()
        return cached


_CACHE: dict[RedactorRecipe, Redactor] = {}
_LOCK = threading.Lock()
