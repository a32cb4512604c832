"""Container images: a ``docker save`` tarball, scanned layer by layer.

A file deleted in a later layer is still shipped in the earlier one, so every
layer is scanned on its own and each finding names its layer. The image
config (environment variables, ``history`` with each ``RUN`` command line) is
scanned too: ``ENV API_KEY=...`` lives there, not in any layer. Layers may be
plain or gzip tars (the OCI layout of recent Docker versions uses
``blobs/sha256/<digest>``); the outer tarball itself must be uncompressed.
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

__all__ = ["ImagePart", "image_parts", "iter_layer_files", "layer_id", "read_config"]


@dataclass(frozen=True, slots=True)
class ImagePart:
    """One scannable part of an image: a layer tar or the config JSON (by member name)."""

    member: str
    kind: str
    """``layer`` or ``config``."""


def layer_id(member: str) -> str:
    """A short, stable name for a layer: its digest (OCI) or its directory (legacy)."""
    parts = member.split("/")
    if len(parts) >= 3 and parts[0] == "blobs":
        return f"{parts[1]}:{parts[2][:12]}"
    return parts[0][:12] if len(parts) > 1 else member


def image_parts(path: str) -> list[ImagePart]:
    """The config and layers listed by the tarball's ``manifest.json``, in order."""
    with tarfile.open(path, "r:") as tar:
        handle = tar.extractfile("manifest.json")
        if handle is None:
            msg = f"{path}: manifest.json is not a regular file"
            raise ValueError(msg)
        manifest = json.load(handle)
    if not isinstance(manifest, list):
        msg = f"{path}: manifest.json is not a list of images"
        raise ValueError(msg)  # noqa: TRY004 - bad input data, reported as unreadable
    parts: list[ImagePart] = []
    seen: set[str] = set()
    for image in manifest:
        if not isinstance(image, dict):
            continue
        config = image.get("Config")
        if isinstance(config, str) and config not in seen:
            seen.add(config)
            parts.append(ImagePart(config, "config"))
        for layer in image.get("Layers") or ():
            if isinstance(layer, str) and layer not in seen:
                seen.add(layer)
                parts.append(ImagePart(layer, "layer"))
    return parts


def iter_layer_files(path: str, member: str) -> Iterator[tuple[str, IO[bytes]]]:
    """Stream the regular files of one layer (plain or compressed) without extracting."""
    with tarfile.open(path, "r:") as outer:
        handle = outer.extractfile(member)
        if handle is None:
            return
        with tarfile.open(fileobj=handle, mode="r|*") as layer:
            for info in layer:
                if not info.isreg():
                    continue
                fh = layer.extractfile(info)
                if fh is not None:
                    yield info.name, fh


def read_config(path: str, member: str, *, limit: int = 64 << 20) -> bytes:
    """The image config JSON (small: environment, labels, history)."""
    with tarfile.open(path, "r:") as outer:
        handle = outer.extractfile(member)
        return handle.read(limit) if handle is not None else b""
