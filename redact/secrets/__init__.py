"""Secret providers, the secret model and (with the keys module) the key registry (ADR-014)."""

from __future__ import annotations

from redact.secrets.model import AuditSink, Category, Secret, SecretVersion, Stage
from redact.secrets.providers import (
    BaseProvider,
    EnvProvider,
    FileProvider,
    ScopedProvider,
    SecretProvider,
    VaultProvider,
    VersionConflictError,
)

__all__ = [
    "AuditSink",
    "BaseProvider",
    "Category",
    "EnvProvider",
    "FileProvider",
    "ScopedProvider",
    "Secret",
    "SecretProvider",
    "SecretVersion",
    "Stage",
    "VaultProvider",
    "VersionConflictError",
]
