"""A zip after a stub is opened: self-extracting installers, zipapps, jars behind a launcher.

A zip's directory is read from its end, so ``cat stub.sh x.zip > installer`` is a working
archive; its first bytes are the stub's (``#!/bin/sh``, an ELF or PE header), never
``PK``. Sniffed at offset 0 only, such a file was scanned as text (deflated members are
noise there) or skipped as binary: exit 0 with a GitHub token inside. The scanner now
also looks for the end-of-central-directory record (``redact.scan.sources._appended_zip``)
and reads the stub itself as a member named ``!(stub)``.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from redact.scan.archive import STUB
from redact.scan.model import ScanOptions
from redact.scan.runner import Scanner
from redact.scan.sources import discover, open_text

from .conftest import make_secret, run_redact


def _zip(members: dict[str, bytes], *, comment: bytes = b"", adjust: int = 0) -> bytes:
    """A zip; ``adjust`` writes offsets as if ``adjust`` bytes stood before it (``zip -A``)."""
    buf = io.BytesIO(b"\0" * adjust)
    buf.seek(adjust)
    with zipfile.ZipFile(buf, "a" if adjust else "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.comment = comment
    return buf.getvalue()[adjust:]


def _payload(token: str) -> dict[str, bytes]:
    return {"setup/readme.txt": b"install me\n" * 40, "setup/config.env": f"GH={token}\n".encode()}


_SH = b'#!/bin/sh\n# self-extracting installer\nexec unzip -o "$0" -d "$HOME/app"\nexit 0\n'
_ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 64  # a binary launcher
_PE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 16
_BIG_TEXT = b"#!/usr/bin/env python3\n" + b"# a long launcher script line\n" * 4000  # > 64 KiB

#: name -> the file's bytes around a token (a stub, then a zip holding the token).
STUBBED: dict[str, Callable[[str], bytes]] = {
    "shell-stub": lambda t: _SH + _zip(_payload(t)),
    "elf-stub": lambda t: _ELF + _zip(_payload(t)),
    "pe-stub": lambda t: _PE + _zip(_payload(t)),
    "long-text-stub": lambda t: _BIG_TEXT + _zip(_payload(t)),
    "zipapp": lambda t: b"#!/usr/bin/env python3\n" + _zip({"__main__.py": f"T='{t}'\n".encode()}),
    "zip-comment": lambda t: _SH + _zip(_payload(t), comment=b"built by makeself " * 100),
    "offsets-adjusted": lambda t: _ELF + _zip(_payload(t), adjust=len(_ELF)),
    "jar-after-launcher": lambda t: (
        _SH
        + _zip({"META-INF/MANIFEST.MF": b"Main-Class: A\n", "app.properties": f"k={t}\n".encode()})
    ),
}


def _scan(tmp_path: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path)
    result = Scanner(ScanOptions(), jobs=1).scan_files(tasks)
    findings = sorted((f.path, f.rule_id) for f in result.findings)
    outcomes = sorted((o.path, o.status) for o in result.outcomes)
    return findings, outcomes


@pytest.mark.parametrize("kind", sorted(STUBBED))
def test_a_token_in_a_zip_after_a_stub_is_found(tmp_path: Path, kind: str) -> None:
    """Every stub (script, ELF, PE, a stub longer than the 64 KiB the end record is looked
    for in, a zip comment, offsets adjusted or not): the member's token is found."""
    (tmp_path / "installer").write_bytes(STUBBED[kind](make_secret()))
    findings, outcomes = _scan(tmp_path)
    assert [rule for _, rule in findings] == ["github-token"], (findings, outcomes)
    assert findings[0][0].startswith("installer!") and STUB not in findings[0][0]
    assert outcomes == [("installer", "scanned")]


def test_the_stub_itself_is_scanned_as_a_member(tmp_path: Path) -> None:
    """A token in the stub script (not in the zip) is found, at ``installer!(stub)``."""
    token = make_secret()
    stub = f'#!/bin/sh\nexport GITHUB_TOKEN={token}\nexec unzip "$0"\n'.encode()
    (tmp_path / "installer").write_bytes(stub + _zip({"a.txt": b"nothing\n"}))
    findings, _ = _scan(tmp_path)
    assert findings == [(f"installer!{STUB}", "github-token")]


def test_the_command_exits_1_for_a_self_extracting_installer(tmp_path: Path) -> None:
    """End to end (real CLI): ``cat stub.sh x.zip > installer`` is not a clean exit 0."""
    (tmp_path / "installer").write_bytes(STUBBED["shell-stub"](make_secret()))
    (tmp_path / "setup.bin").write_bytes(STUBBED["elf-stub"](make_secret()))
    proc = run_redact("scan", "--format", "json", ".", cwd=tmp_path)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr
    assert sorted(f["path"] for f in doc["findings"]) == [
        "installer!setup/config.env",
        "setup.bin!setup/config.env",
    ]
    assert doc["skipped"] == []


def test_a_broken_directory_after_a_stub_is_reported_not_clean(tmp_path: Path) -> None:
    """An end record whose directory is garbage: ``unreadable``, never a clean exit."""
    data = bytearray(STUBBED["shell-stub"](make_secret()))
    cd = data.rfind(b"PK\x01\x02")
    data[cd : cd + 4] = b"XXXX"
    (tmp_path / "installer").write_bytes(bytes(data))
    proc = run_redact("scan", "--format", "json", ".", cwd=tmp_path)
    doc = json.loads(proc.stdout)
    assert proc.returncode in (1, 2), proc.stderr
    assert [s["status"] for s in doc["skipped"]] == ["unreadable"], doc["skipped"]


#: Files that are no zip though they hold a zip's signature, or end like one: kind unchanged.
NOT_A_ZIP: dict[str, tuple[bytes, str]] = {
    "script": (b"#!/bin/sh\necho hello\n" * 10, "text"),
    "signature-in-text": (b"the end record starts with PK\x05\x06 and then\n" * 3, "text"),
    "signature-in-binary": (_ELF + b"PK\x05\x06" + b"\xff" * 10, "binary"),
    "zip-inside-not-at-the-end": (_SH + _zip({"a.txt": b"x\n"}) + b"\ntrailing " * 8000, "text"),
}


@pytest.mark.parametrize("name", sorted(NOT_A_ZIP))
def test_lookalikes_keep_their_kind(tmp_path: Path, name: str) -> None:
    """Only a parseable end record within reach of the end makes a file a zip."""
    data, kind = NOT_A_ZIP[name]
    path = tmp_path / "f"
    path.write_bytes(data)
    with open_text(str(path)) as opened:
        assert opened.kind == kind
