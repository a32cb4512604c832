"""Secrets from environment variables, with the ``<NAME>_FILE`` convention.

``EnvProvider(prefix="APP_").get("db.password")`` reads ``APP_DB_PASSWORD``, or
the file named by ``APP_DB_PASSWORD_FILE`` (the convention of the official
Docker images). Setting both is ambiguous and refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Unpack

from redact.exceptions import ConfigError, SecretNotFoundError
from redact.secrets._base import BaseProvider, ErrorKind, Fetched, ProviderOptions
from redact.secrets._files import MAX_FILE_SIZE, LocalHistory, read_secret_file
from redact.secrets.model import SecretVersion, Stage

__all__ = ["EnvProvider"]

_NOT_IDENT = re.compile(r"[^A-Za-z0-9]")


class EnvProvider(BaseProvider):
    """Secrets from ``<prefix><NAME>`` variables or the files named by ``<prefix><NAME>_FILE``."""

    kind = "env"

    def __init__(
        self,
        prefix: str = "",
        *,
        environ: Mapping[str, str] | None = None,
        file_suffix: str = "_FILE",
        strip_newline: bool = True,
        max_file_size: int = MAX_FILE_SIZE,
        **options: Unpack[ProviderOptions],
    ) -> None:
        options.setdefault("ttl", 60.0)
        super().__init__(**options)
        self.prefix = prefix
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.file_suffix = file_suffix
        self.strip_newline = strip_newline
        self.max_file_size = max_file_size
        self._history = LocalHistory()

    def __repr__(self) -> str:
        return f"<EnvProvider name={self.name!r} prefix={self.prefix!r}>"

    def variable(self, name: str) -> str:
        """The variable ``name`` is read from: prefix + upper-case, non-alphanumerics as ``_``."""
        return self.prefix + _NOT_IDENT.sub("_", name).upper()

    def _fetch(self, name: str, stage: Stage, version: str | None) -> Fetched:
        current = self._read_current(name)
        if stage == "current" and (version is None or version == current.version):
            return current
        return self._history.lookup(name, stage, version)

    def _list_versions(self, name: str) -> list[SecretVersion]:
        self._read_current(name)
        return self._history.versions(name)

    def _classify(self, exc: Exception) -> ErrorKind | None:
        return "unavailable" if isinstance(exc, OSError) else None

    def _read_current(self, name: str) -> Fetched:
        var = self.variable(name)
        file_var = var + self.file_suffix
        direct = self.environ.get(var)
        path = self.environ.get(file_var) if self.file_suffix else None
        if direct is not None and path is not None:
            msg = f"both {var} and {file_var} are set for secret {name!r}; set only one"
            raise ConfigError(msg)
        if path is not None:
            try:
                value = read_secret_file(
                    path, max_size=self.max_file_size, strip_newline=self.strip_newline
                )
            except FileNotFoundError:
                msg = f"{file_var} names a file that does not exist (secret {name!r})"
                raise SecretNotFoundError(msg) from None
        elif direct is not None:
            value = direct
        else:
            msg = f"secret {name!r} not found: neither {var} nor {file_var} is set"
            raise SecretNotFoundError(msg)
        version = self._history.next_id(name, value)
        self._history.observe(name, version, value)
        return Fetched(value, version, None, ("current",))
