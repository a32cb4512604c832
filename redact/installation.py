"""The per-installation fingerprint key: the default key of every keyed-HMAC fingerprint.

Fingerprints (scanner findings and baselines, the ``fingerprint`` mask, audit
records) are HMAC-SHA256 under a key. A key everyone knows would let anyone
who reads a report test guesses against it (a short password falls to a small
dictionary), so no default key is a constant. :func:`installation_key` looks,
in order, at:

1. ``REDACT_FINGERPRINT_KEY``: the key itself as text (at least 16 bytes) —
   how CI supplies it, from the CI system's secret store;
2. ``REDACT_FINGERPRINT_KEY_FILE``: a file holding the key;
3. the installation's key file, ``$REDACT_HOME/fingerprint.key``, else
   ``$XDG_CONFIG_HOME/redact/fingerprint.key``, else
   ``~/.config/redact/fingerprint.key``: created on first use with 32 random
   bytes (64 hex characters), mode 0600 in a 0700 directory.

The same installation always gets the same key, so fingerprints and
baselines stay comparable across runs; two installations get different keys.
A team that commits a baseline shares one key (the same CI secret in every
environment, or one copied key file). Every failure raises
:class:`~redact.exceptions.ConfigError` naming the variable or file, never the key.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from redact.exceptions import ConfigError

__all__ = [
    "HOME_ENV",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "LEGACY_PUBLIC_KEY",
    "MIN_KEY_BYTES",
    "default_key_path",
    "installation_key",
]

KEY_ENV = "REDACT_FINGERPRINT_KEY"
KEY_FILE_ENV = "REDACT_FINGERPRINT_KEY_FILE"
HOME_ENV = "REDACT_HOME"
MIN_KEY_BYTES = 16

#: The public constant earlier versions used as the default key. Never used to fingerprint;
#: kept so that a baseline written under it is named as such (its fingerprints are guessable).
LEGACY_PUBLIC_KEY = b"redact-scan/fingerprint/v1/public-default-key"


def default_key_path(env: Mapping[str, str] | None = None) -> Path:
    """Where this installation's key file lives (see the module docstring for the order)."""
    environ = os.environ if env is None else env
    if environ.get(HOME_ENV):
        return Path(environ[HOME_ENV]) / "fingerprint.key"
    if environ.get("XDG_CONFIG_HOME"):
        return Path(environ["XDG_CONFIG_HOME"]) / "redact" / "fingerprint.key"
    return Path.home() / ".config" / "redact" / "fingerprint.key"


def _checked(key: bytes, source: str) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        msg = f"{source} must hold at least {MIN_KEY_BYTES} bytes (got {len(key)})"
        raise ConfigError(msg)
    return key


def _read_key_file(path: Path, source: str) -> bytes:
    try:
        st = path.stat()
        if st.st_mode & 0o077:
            mode = stat.S_IMODE(st.st_mode)
            msg = (
                f"{source} {str(path)!r} is readable by group or others (mode {mode:04o}); "
                f"run: chmod 600 {path}"
            )
            raise ConfigError(msg)
        key = path.read_bytes().rstrip(b"\r\n")
    except OSError as exc:
        msg = f"cannot read {source} {str(path)!r}: {exc.strerror or type(exc).__name__}"
        raise ConfigError(msg) from exc
    return _checked(key, f"{source} {str(path)!r}")


def _create_key_file(path: Path) -> None:
    """Write a new random key at ``path`` unless another process got there first."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".fingerprint.key.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_hex(32).encode("ascii") + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)  # atomic: a concurrent first run's key wins, ours is dropped
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def installation_key(env: Mapping[str, str] | None = None, *, create: bool = True) -> bytes:
    """The default fingerprint key (bytes, >= 16): env, key file, or the installation's file.

    Raises :class:`ConfigError` when the key is too short, its file is unreadable or open to
    group/others, or (with ``create=False`` or a read-only home) it does not exist.
    """
    environ = os.environ if env is None else env
    raw = environ.get(KEY_ENV)
    if raw:
        return _checked(raw.encode("utf-8", "surrogateescape"), KEY_ENV)
    named = environ.get(KEY_FILE_ENV)
    if named:
        return _read_key_file(Path(named), KEY_FILE_ENV)
    path = default_key_path(environ)
    if not path.exists():
        if not create:
            msg = f"no fingerprint key at {str(path)!r}; set {KEY_ENV} or {KEY_FILE_ENV}"
            raise ConfigError(msg)
        try:
            _create_key_file(path)
        except OSError as exc:
            msg = (
                f"cannot create the fingerprint key file {str(path)!r} "
                f"({exc.strerror or type(exc).__name__}); set {KEY_ENV}, {KEY_FILE_ENV} "
                f"or {HOME_ENV} to a writable directory"
            )
            raise ConfigError(msg) from exc
    return _read_key_file(path, "fingerprint key file")
