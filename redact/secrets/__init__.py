"""Secret providers, the secret model and (with the keys module) the key registry (ADR-014)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from redact.secrets.model import AuditSink, Category, Secret, SecretVersion, Stage
from redact.secrets.providers import (
    AwsSecretsManagerProvider,
    BaseProvider,
    ChainProvider,
    EnvProvider,
    FileProvider,
    MemoryProvider,
    RotationError,
    ScopedProvider,
    SecretProvider,
    VaultProvider,
    VersionConflictError,
)

if TYPE_CHECKING:
    from redact.secrets.audit import AuditLog
    from redact.secrets.keys import KeyRegistry
    from redact.secrets.tenants import TenantSecretStore

# Imported on first use: the key registry and tenant store need the ``secrets`` extra
# (cryptography, PyJWT); providers alone do not.
_LAZY = {
    "AuditLog": "redact.secrets.audit",
    "KeyRegistry": "redact.secrets.keys",
    "TenantSecretStore": "redact.secrets.tenants",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'redact.secrets' has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "AuditLog",
    "AuditSink",
    "AwsSecretsManagerProvider",
    "BaseProvider",
    "Category",
    "ChainProvider",
    "EnvProvider",
    "FileProvider",
    "KeyRegistry",
    "MemoryProvider",
    "RotationError",
    "ScopedProvider",
    "Secret",
    "SecretProvider",
    "SecretVersion",
    "Stage",
    "TenantSecretStore",
    "VaultProvider",
    "VersionConflictError",
]
