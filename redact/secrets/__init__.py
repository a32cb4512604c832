"""Secret providers, the secret model and (with the keys module) the key registry (ADR-014)."""

from __future__ import annotations

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

__all__ = [
    "AuditSink",
    "AwsSecretsManagerProvider",
    "BaseProvider",
    "Category",
    "ChainProvider",
    "EnvProvider",
    "FileProvider",
    "MemoryProvider",
    "RotationError",
    "ScopedProvider",
    "Secret",
    "SecretProvider",
    "SecretVersion",
    "Stage",
    "VaultProvider",
    "VersionConflictError",
]
