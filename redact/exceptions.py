"""Every error redact raises on purpose.

Only configuration errors raise; the redaction hot path never does (it fails
closed instead). The hierarchy::

    RedactError
    ├── MissingExtraError        an optional dependency is not installed (also a
    │                            ModuleNotFoundError); the message names the extra
    ├── ConfigError              a setting, argument or file is wrong
    │   ├── RulePackError        a rule pack failed to load or validate
    │   └── SecretTooShortError  a value below the registry minimum was refused
    └── SecretsError             raised by redact.secrets (providers, keys, tenants)
        ├── SecretNotFoundError
        ├── ProviderUnavailableError
        ├── ScopeError
        └── KeyStateError
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "KeyStateError",
    "MissingExtraError",
    "ProviderUnavailableError",
    "RedactError",
    "RulePackError",
    "ScopeError",
    "SecretNotFoundError",
    "SecretTooShortError",
    "SecretsError",
]


class RedactError(Exception):
    """Base class of every error raised by redact."""


class MissingExtraError(RedactError, ModuleNotFoundError):
    """An optional dependency is missing; the message says ``pip install 'redact-suite[X]'``.

    ``extra`` is the extra to install, ``name`` the module that was not found.
    """

    def __init__(self, message: str, *, extra: str, name: str | None = None) -> None:
        super().__init__(message, name=name)
        self.extra = extra


class ConfigError(RedactError, ValueError):
    """A configuration value, argument or file is invalid."""


class RulePackError(ConfigError):
    """A rule pack is malformed; the message names the file, the rule id and the problem."""

    def __init__(self, message: str, *, source: str = "", rule_id: str = "") -> None:
        self.source = source
        self.rule_id = rule_id
        where = ", ".join(p for p in (source, f"rule {rule_id!r}" if rule_id else "") if p)
        super().__init__(f"{where}: {message}" if where else message)


class SecretTooShortError(ConfigError):
    """A value shorter than the registry minimum was refused (named by label, never shown)."""


class SecretsError(RedactError):
    """Base class of errors from ``redact.secrets``."""


class SecretNotFoundError(SecretsError, KeyError):
    """No provider has a secret by that name, stage or version."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "secret not found"


class ProviderUnavailableError(SecretsError):
    """A provider could not be reached and has no last good value to serve."""


class ScopeError(SecretsError, PermissionError):
    """A scoped provider or tenant store was asked for something outside its scope."""


class KeyStateError(SecretsError):
    """A key lifecycle transition is not allowed in the key's current state."""
