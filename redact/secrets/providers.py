"""Secret providers: one protocol, several backends, all feeding ``KnownSecrets``.

Every provider registers each value it returns (with its encodings, PEM body
lines and JWK private members) before the caller sees it, caches with a
jittered TTL, serves the last good value during an outage and can hand out a
least-privilege :meth:`~redact.secrets.providers.BaseProvider.scoped` handle.
"""

from __future__ import annotations

from redact.secrets._aws import AwsSecretsManagerProvider, RotationError
from redact.secrets._base import BaseProvider, Fetched
from redact.secrets._chain import ChainProvider
from redact.secrets._env import EnvProvider
from redact.secrets._files import FileProvider, FileWatcher
from redact.secrets._memory import MemoryProvider
from redact.secrets._scope import ScopedProvider, SecretProvider
from redact.secrets._vault import VaultProvider, VersionConflictError

__all__ = [
    "AwsSecretsManagerProvider",
    "BaseProvider",
    "ChainProvider",
    "EnvProvider",
    "Fetched",
    "FileProvider",
    "FileWatcher",
    "MemoryProvider",
    "RotationError",
    "ScopedProvider",
    "SecretProvider",
    "VaultProvider",
    "VersionConflictError",
]
