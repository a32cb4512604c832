"""Secrets from mounted files: the Kubernetes ``..data`` layout and Docker ``/run/secrets``.

Kubernetes writes every update of a secret volume into a fresh timestamped
directory and then swaps the ``..data`` symlink to it with one ``rename``. We
read ``..data`` once per read and open the file *inside that target*, so a
read sees either the old or the new directory, never half of each. Every path
is resolved and must stay inside the mount root (a symlink pointing outside it
is refused, cf. pydantic-settings GHSA-4xgf-cpjx-pc3j).
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Unpack

from redact.exceptions import ConfigError, ScopeError, SecretNotFoundError
from redact.secrets._base import (
    BackgroundTask,
    BaseProvider,
    ErrorKind,
    Fetched,
    ProviderOptions,
)
from redact.secrets.model import SecretVersion, Stage

__all__ = ["FileProvider", "FileWatcher", "LocalHistory", "read_secret_file"]

_log = logging.getLogger("redact.secrets")
DATA_LINK = "..data"
MAX_FILE_SIZE = 1 << 20


def read_secret_file(
    path: str, *, max_size: int = MAX_FILE_SIZE, strip_newline: bool = True
) -> str:
    """Read a regular file (no final symlink, bounded size) as UTF-8; drop one trailing newline."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            msg = f"secret file {path!r} is not a regular file"
            raise ConfigError(msg)
        if info.st_size > max_size:
            msg = f"secret file {path!r} is larger than {max_size} bytes"
            raise ConfigError(msg)
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
            total += len(chunk)
            if total > max_size:
                msg = f"secret file {path!r} grew beyond {max_size} bytes while being read"
                raise ConfigError(msg)
    finally:
        os.close(fd)
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        msg = f"secret file {path!r} is not valid UTF-8"
        raise ConfigError(msg) from None
    if strip_newline:
        text = text.removesuffix("\n").removesuffix("\r")
    return text


class LocalHistory:
    """Values a local provider has observed, by version id, so ``previous`` can be served."""

    def __init__(self, keep: int = 8) -> None:
        self.keep = keep
        self._seen: dict[str, list[tuple[str, str, datetime]]] = {}
        self._lock = threading.Lock()

    def observe(self, name: str, version: str, value: str) -> None:
        """Record that ``name`` currently has ``version`` with ``value``."""
        with self._lock:
            seen = self._seen.setdefault(name, [])
            if seen and seen[-1][0] == version:
                return
            seen.append((version, value, datetime.now(UTC)))
            del seen[: -self.keep]

    def next_id(self, name: str, value: str) -> str:
        """A counter-based version id: unchanged value keeps the last id, a new one counts up."""
        with self._lock:
            seen = self._seen.get(name)
            if seen and seen[-1][1] == value:
                return seen[-1][0]
            return str(int(seen[-1][0]) + 1) if seen else "1"

    def lookup(self, name: str, stage: Stage, version: str | None) -> Fetched:
        """An observed earlier value by stage (``previous``) or by version id."""
        with self._lock:
            seen = list(self._seen.get(name, ()))
        if version is not None:
            for vid, value, created in seen:
                if vid == version:
                    return Fetched(value, vid, created)
            msg = f"secret {name!r} has no observed version {version!r}"
            raise SecretNotFoundError(msg)
        if stage == "previous" and len(seen) >= 2:
            vid, value, created = seen[-2]
            return Fetched(value, vid, created, ("previous",))
        msg = f"secret {name!r} has no {stage} version in this provider"
        raise SecretNotFoundError(msg)

    def versions(self, name: str) -> list[SecretVersion]:
        """Observed versions, newest first, with ``current``/``previous`` stages."""
        with self._lock:
            seen = list(self._seen.get(name, ()))
        out: list[SecretVersion] = []
        for i, (vid, _value, created) in enumerate(reversed(seen)):
            stages = ("current",) if i == 0 else ("previous",) if i == 1 else ()
            out.append(SecretVersion(vid, created, stages))
        return out


def check_file_name(name: str) -> None:
    """Refuse a name that is not one plain path component (``a/b``, ``..``, ``..data``).

    It is reported as not found (no such file can be in the mount), so a chain of
    providers moves on to the next one; nothing outside the mount is ever touched.
    """
    if "/" in name or "\\" in name or "\0" in name or name.startswith("..") or name == ".":
        msg = f"secret name {name!r} is not a single file name inside the mount; not looked up"
        raise SecretNotFoundError(msg)


class FileProvider(BaseProvider):
    """Secrets mounted as files: Kubernetes secret volumes and Docker ``/run/secrets``."""

    kind = "file"

    def __init__(
        self,
        root: str | os.PathLike[str] = "/run/secrets",
        *,
        layout: Literal["auto", "kubernetes", "flat"] = "auto",
        strip_newline: bool = True,
        max_file_size: int = MAX_FILE_SIZE,
        **options: Unpack[ProviderOptions],
    ) -> None:
        if layout not in ("auto", "kubernetes", "flat"):
            msg = f"FileProvider layout must be auto, kubernetes or flat, got {layout!r}"
            raise ConfigError(msg)
        super().__init__(**options)
        self.root = os.path.realpath(os.fspath(root))
        self.layout = layout
        self.strip_newline = strip_newline
        self.max_file_size = max_file_size
        self._history = LocalHistory()

    def __repr__(self) -> str:
        return f"<FileProvider name={self.name!r} root={self.root!r} layout={self.layout}>"

    # -- backend hooks ---------------------------------------------------------------------

    def _fetch(self, name: str, stage: Stage, version: str | None) -> Fetched:
        check_file_name(name)
        if stage != "current" or version is not None:
            current = self._read_current(name)
            if version is None or version != current.version:
                return self._history.lookup(name, stage, version)
            return current
        return self._read_current(name)

    def _list_versions(self, name: str) -> list[SecretVersion]:
        check_file_name(name)
        self._read_current(name)
        return self._history.versions(name)

    def _classify(self, exc: Exception) -> ErrorKind | None:
        return "unavailable" if isinstance(exc, OSError) else None

    def _cache_token(self, name: str) -> object:
        try:
            if self._kubernetes():
                return os.readlink(os.path.join(self.root, DATA_LINK))
            info = os.stat(os.path.join(self.root, name))
        except OSError:
            return None
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    # -- reading ---------------------------------------------------------------------------

    def _kubernetes(self) -> bool:
        if self.layout != "auto":
            return self.layout == "kubernetes"
        return os.path.islink(os.path.join(self.root, DATA_LINK))

    def _inside(self, name: str, path: str) -> str:
        """``path`` resolved; refuse (audited) when it leaves the mount root."""
        real = os.path.realpath(path)
        if real != self.root and not real.startswith(self.root + os.sep):
            _log.warning("%s: secret %r resolves outside the mount root; refused", self, name)
            self._audit(
                "secret.access_denied", name=name, outcome="denied", reason="path escapes mount"
            )
            msg = f"secret file {name!r} resolves outside the mount root {self.root!r}; refused"
            raise ScopeError(msg)
        return real

    def _read_current(self, name: str) -> Fetched:
        if not self._kubernetes():
            return self._read_flat(name)
        link = os.path.join(self.root, DATA_LINK)
        for _attempt in range(5):
            try:
                target = os.readlink(link)
            except FileNotFoundError:
                raise SecretNotFoundError(f"no {DATA_LINK} link in {self.root!r}") from None
            # One resolution of <root>/<target>/<name>: it must land inside the root
            # whichever link (the ..data target or the file) tries to leave it.
            path = self._inside(name, os.path.join(self.root, target, name))
            try:
                value = self._read(path)
            except FileNotFoundError:
                try:
                    if os.readlink(link) != target:
                        continue  # swapped under us: read the new directory
                except FileNotFoundError:
                    continue
                msg = f"secret {name!r} not found in {self.root!r}"
                raise SecretNotFoundError(msg) from None
            version = os.path.basename(target.rstrip("/")).lstrip(".") or "1"
            self._history.observe(name, version, value)
            created = datetime.fromtimestamp(os.lstat(link).st_mtime, UTC)
            return Fetched(value, version, created, ("current",))
        raise OSError(errno.EAGAIN, f"{DATA_LINK} kept changing while reading {name!r}")

    def _read_flat(self, name: str) -> Fetched:
        """Read ``<root>/<name>``; re-read if the file changed while it was being read."""
        path = self._inside(name, os.path.join(self.root, name))
        for _attempt in range(5):
            try:
                before = os.stat(path)
                value = self._read(path)
                after = os.stat(path)
            except FileNotFoundError:
                msg = f"secret {name!r} not found in {self.root!r}"
                raise SecretNotFoundError(msg) from None
            stamp = (before.st_ino, before.st_mtime_ns, before.st_size)
            if stamp == (after.st_ino, after.st_mtime_ns, after.st_size):
                break
        else:
            raise OSError(errno.EAGAIN, f"secret file {name!r} kept changing while being read")
        version = f"{before.st_mtime_ns:x}.{before.st_ino:x}"
        self._history.observe(name, version, value)
        created = datetime.fromtimestamp(before.st_mtime, UTC)
        return Fetched(value, version, created, ("current",))

    def _read(self, path: str) -> str:
        return read_secret_file(path, max_size=self.max_file_size, strip_newline=self.strip_newline)

    # -- watching --------------------------------------------------------------------------

    def watch(self, *, interval: float = 1.0) -> FileWatcher:
        """Start a thread that re-reads (and registers) known secrets when the mount changes."""
        watcher = FileWatcher(self, interval=interval)
        watcher.start()
        return watcher

    def poll(self) -> list[str]:
        """Re-read every secret read so far whose file changed; return their names."""
        with self._lock:
            names = sorted({key[0] for key in self._cache})
            tokens = {key[0]: entry.token for key, entry in self._cache.items()}
        changed = [n for n in names if self._cache_token(n) != tokens.get(n)]
        for name in changed:
            try:
                self.get(name)
            except Exception as exc:
                _log.warning("%s: re-reading %r failed: %s", self, name, type(exc).__name__)
        return changed


class FileWatcher(BackgroundTask):
    """A background poller of a :class:`FileProvider`; call :meth:`stop` when done."""

    def __init__(self, provider: FileProvider, *, interval: float = 1.0) -> None:
        super().__init__(f"redact-watch-{Path(provider.root).name}")
        self.provider = provider
        self.interval = interval
        self.first_delay = interval

    def tick(self) -> float:
        """Poll the mount once; errors are logged by type, never raised."""
        try:
            self.provider.poll()
        except Exception as exc:  # never let the watcher die silently
            _log.error("file watcher for %s failed: %s", self.provider, type(exc).__name__)
        return self.interval
