"""FileProvider on real files: the Kubernetes ..data swap, Docker's flat layout, symlink escapes."""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from redact import KnownSecrets, Redactor
from redact.exceptions import ConfigError, ScopeError, SecretNotFoundError
from redact.secrets import FileProvider
from tests.secrets.conftest import RecordingAudit, assert_no_leak, planted

_counter = itertools.count()


def kubelet_write(root: Path, files: dict[str, str]) -> str:
    """Publish ``files`` the way kubelet's AtomicWriter does; return the new directory name.

    Write a fresh timestamped directory, point a temporary symlink at it, rename
    that over ``..data`` (atomic), add the per-key symlinks, delete the old directory.
    """
    old = os.readlink(root / "..data") if (root / "..data").is_symlink() else None
    stamp = time.strftime("%Y_%m_%d_%H_%M_%S", time.gmtime())
    new = f"..{stamp}.{next(_counter):09d}"
    (root / new).mkdir()
    for name, value in files.items():
        (root / new / name).write_text(value)
    tmp = root / "..data_tmp"
    os.symlink(new, tmp)
    os.replace(tmp, root / "..data")
    for name in files:
        if not (root / name).is_symlink():
            os.symlink(f"..data/{name}", root / name)
    if old is not None:
        shutil.rmtree(root / old)
    return new


def test_kubernetes_layout_reads_and_detects_swap(
    tmp_path: Path, known: KnownSecrets, audit: RecordingAudit
) -> None:
    """A swap of ..data is seen on the next get (readlink poll), old value stays registered."""
    v1, v2 = planted(), planted()
    d1 = kubelet_write(tmp_path, {"password": v1})
    p = FileProvider(tmp_path, known=known, audit=audit, ttl=3600)
    s1 = p.get("password")
    assert s1.reveal() == v1
    assert s1.version == d1.lstrip(".")
    d2 = kubelet_write(tmp_path, {"password": v2})
    s2 = p.get("password")  # inside the TTL, but ..data moved
    assert (s2.reveal(), s2.version) == (v2, d2.lstrip("."))
    assert p.get("password", stage="previous").reveal() == v1
    assert v1 in known
    assert v2 in known
    assert [v.version_id for v in p.versions("password")] == [d2.lstrip("."), d1.lstrip(".")]
    assert audit.named("secret.rotated")[0]["previous_version"] == d1.lstrip(".")
    assert_no_leak([v1, v2], audit.text())


def test_concurrent_swaps_never_yield_torn_value(tmp_path: Path, known: KnownSecrets) -> None:
    """Readers racing hundreds of atomic swaps (old dirs deleted) only ever see whole values."""
    values = [planted() * 20 for _ in range(4)]
    kubelet_write(tmp_path, {"blob": values[0], "other": values[1]})
    p = FileProvider(tmp_path, known=known, ttl=0)
    stop = threading.Event()
    seen: set[str] = set()
    errors: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                seen.add(p.get("blob").reveal())
            except BaseException as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for i in range(300):
        kubelet_write(tmp_path, {"blob": values[i % 4], "other": values[(i + 1) % 4]})
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert seen <= set(values)
    assert len(seen) >= 2
    assert all(v in known for v in seen)


def test_symlink_escaping_root_is_refused(
    tmp_path: Path, known: KnownSecrets, audit: RecordingAudit
) -> None:
    """A key symlinked outside the mount (GHSA-4xgf-cpjx-pc3j) raises ScopeError and is audited."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret_elsewhere = planted()
    (outside / "host-key").write_text(secret_elsewhere)
    mount = tmp_path / "mount"
    mount.mkdir()
    os.symlink(outside / "host-key", mount / "stolen")
    p = FileProvider(mount, known=known, audit=audit, layout="flat")
    with pytest.raises(ScopeError, match="outside the mount root") as info:
        p.get("stolen")
    assert secret_elsewhere not in str(info.value)
    assert secret_elsewhere not in known
    assert audit.named("secret.access_denied")[0]["name"] == "stolen"


def test_data_link_escaping_root_is_refused(tmp_path: Path, known: KnownSecrets) -> None:
    """A ..data link pointing outside the mount is refused, not followed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "password").write_text(planted())
    mount = tmp_path / "mount"
    mount.mkdir()
    os.symlink(outside, mount / "..data")
    with pytest.raises(ScopeError):
        FileProvider(mount, known=known).get("password")


def test_docker_flat_layout(tmp_path: Path, known: KnownSecrets) -> None:
    """/run/secrets style: one file per secret; a rewrite is seen; trailing newline dropped."""
    v1, v2 = planted(), planted()
    (tmp_path / "db_password").write_text(v1 + "\n")
    p = FileProvider(tmp_path, known=known)
    assert p.get("db_password").reveal() == v1
    tmp = tmp_path / ".tmp"
    tmp.write_text(v2)
    os.replace(tmp, tmp_path / "db_password")
    assert p.get("db_password").reveal() == v2
    assert v1 in known
    assert v2 in known
    assert v2 not in Redactor.default(known=known).redact(f"x={v2}")


def test_bad_names_missing_files_and_non_regular(tmp_path: Path, known: KnownSecrets) -> None:
    """Path-like names are never looked up (not found), a FIFO is refused as not a regular file."""
    p = FileProvider(tmp_path, known=known)
    for bad in ("../etc/passwd", "a/b", "..data", "..", "."):
        with pytest.raises(SecretNotFoundError, match="not a single file name"):
            p.get(bad)
    with pytest.raises(SecretNotFoundError):
        p.get("absent")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(ConfigError, match="not a regular file"):
        p.get("fifo")
    with pytest.raises(ConfigError, match="layout"):
        FileProvider(tmp_path, known=known, layout="weird")  # type: ignore[arg-type]


def test_watcher_registers_new_value_without_a_get(
    tmp_path: Path, known: KnownSecrets, audit: RecordingAudit
) -> None:
    """The background watcher re-reads and registers a rotated value before anyone asks for it."""
    v1, v2 = planted(), planted()
    kubelet_write(tmp_path, {"api": v1})
    p = FileProvider(tmp_path, known=known, audit=audit)
    p.get("api")
    with p.watch(interval=0.02):
        kubelet_write(tmp_path, {"api": v2})
        deadline = time.monotonic() + 5
        while v2 not in known and time.monotonic() < deadline:
            time.sleep(0.01)
    assert v2 in known
    assert audit.named("secret.rotated")


def test_flat_layout_atomic_replace_never_torn(tmp_path: Path, known: KnownSecrets) -> None:
    """In the flat layout a writer that replaces by rename is never seen half-written."""
    values = [planted() * 50 for _ in range(3)]
    target = tmp_path / "token"
    target.write_text(values[0])
    p = FileProvider(tmp_path, known=known, layout="flat", ttl=0)
    stop = threading.Event()
    seen: set[str] = set()

    def reader() -> None:
        while not stop.is_set():
            seen.add(p.get("token").reveal())

    t = threading.Thread(target=reader)
    t.start()
    for i in range(200):
        tmp = tmp_path / f".token.{i}"
        tmp.write_text(values[i % 3])
        os.replace(tmp, target)
    stop.set()
    t.join()
    assert seen <= set(values)
    assert len(seen) >= 2
