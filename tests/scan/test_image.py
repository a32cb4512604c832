"""docker save tarballs: scanned layer by layer, config included, a deleted file still found."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

from redact.scan.model import ScanOptions
from redact.scan.runner import Scanner
from redact.scan.sources import FileTask, is_docker_image


def _layer(files: dict[str, bytes], *, compress: bool = False) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    return gzip.compress(raw) if compress else raw


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def build_image(path: Path, layers: list[bytes], config: dict[str, object]) -> list[str]:
    """Write a `docker save`-style tarball (OCI blob layout + manifest.json)."""
    names = []
    with tarfile.open(path, "w") as tar:
        cfg = json.dumps(config).encode()
        cfg_name = f"blobs/sha256/{hashlib.sha256(cfg).hexdigest()}"
        _add(tar, cfg_name, cfg)
        for data in layers:
            name = f"blobs/sha256/{hashlib.sha256(data).hexdigest()}"
            names.append(name)
            _add(tar, name, data)
        manifest = [{"Config": cfg_name, "RepoTags": ["app:1"], "Layers": names}]
        _add(tar, "manifest.json", json.dumps(manifest).encode())
    return names


def test_image_layers_and_config_are_scanned(tmp_path: Path, secret: Callable[..., str]) -> None:
    """A secret in a file deleted by a later layer, in a gzip layer, and in ENV are all found."""
    t_deleted, t_gz, t_env = secret("github"), secret("stripe"), secret("github")
    base = _layer({"etc/app.env": f"A=1\nTOKEN={t_deleted}\n".encode(), "bin/tool": b"\x00\x7fELF"})
    whiteout = _layer({"etc/.wh.app.env": b""})
    gz = _layer({"srv/app/settings.py": f"# settings\nKEY = '{t_gz}'\n".encode()}, compress=True)
    config = {"config": {"Env": ["PATH=/usr/bin", f"GH={t_env}"]}, "history": []}
    image = tmp_path / "image.tar"
    layers = build_image(image, [base, whiteout, gz], config)
    assert is_docker_image(str(image))
    result = Scanner(ScanOptions(), jobs=1).scan_files([FileTask(str(image), "image.tar", 1)])
    got = sorted((f.path, f.line, f.layer, f.field or "") for f in result.findings)
    assert got == sorted(
        [
            ("image.tar!/etc/app.env", 2, f"sha256:{layers[0].split('/')[-1][:12]}", ""),
            ("image.tar!/srv/app/settings.py", 2, f"sha256:{layers[2].split('/')[-1][:12]}", ""),
            (
                next(f.path for f in result.findings if f.layer == "config"),
                1,
                "config",
                "$.config.Env[1]",
            ),
        ]
    )
    assert [o.reason for o in result.outcomes if o.path == "image.tar"] == [
        "docker image, 3 layer(s)"
    ]


def test_plain_tar_is_not_an_image(tmp_path: Path) -> None:
    """A tar without manifest.json is not treated as an image (it is binary content)."""
    plain = tmp_path / "plain.tar"
    plain.write_bytes(_layer({"a.txt": b"hello"}))
    assert not is_docker_image(str(plain))


def test_a_corrupt_layer_is_reported_and_the_others_scanned(
    tmp_path: Path, secret: Callable[..., str]
) -> None:
    """A layer that is not a tar is reported unreadable; the good layer is still scanned."""
    token = secret("github")
    good = _layer({"app/.env": f"GH={token}\n".encode()})
    image = tmp_path / "broken.tar"
    build_image(image, [b"\x00garbage, not a tar" * 100, good], {"config": {}})
    result = Scanner(ScanOptions(), jobs=1).scan_files([FileTask(str(image), "broken.tar", 1)])
    assert [(f.path, f.line) for f in result.findings] == [("broken.tar!/app/.env", 1)]
    unreadable = [o for o in result.outcomes if o.status == "unreadable"]
    assert len(unreadable) == 1 and unreadable[0].reason.startswith("layer sha256:")
