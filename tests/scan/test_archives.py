"""Archives are opened, their members scanned, and every limit is an outcome, never a clean.

Before :mod:`redact.scan.archive`, a deflated ``.zip``/``.jar``/``.whl``/``.docx``/``.apk``/
``.egg`` and a zip nested in another were ``binary`` (exit 0) whatever they held.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact.scan.model import ArchiveLimits, ScanOptions
from redact.scan.runner import Scanner
from redact.scan.sources import discover

from .conftest import make_secret, run_redact


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _tar(members: dict[str, bytes], compress: Callable[[bytes], bytes] = bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return compress(buf.getvalue())


def _env(token: str) -> bytes:
    return b"# settings\nDEBUG=0\n" + f"GH_TOKEN={token}\n".encode()


#: name -> (file name, builder of its bytes around a token, where the finding is reported).
FORMATS: dict[str, tuple[str, Callable[[str], bytes], str]] = {
    "zip": ("a.zip", lambda t: _zip({"conf/app.env": _env(t)}), "a.zip!conf/app.env"),
    "zip-stored": (
        "s.zip",
        lambda t: _zip({"app.env": _env(t)}, zipfile.ZIP_STORED),
        "s.zip!app.env",
    ),
    "zip-bzip2": ("b.zip", lambda t: _zip({"x.env": _env(t)}, zipfile.ZIP_BZIP2), "b.zip!x.env"),
    "zip-lzma": ("l.zip", lambda t: _zip({"x.env": _env(t)}, zipfile.ZIP_LZMA), "l.zip!x.env"),
    "jar": (
        "app.jar",
        lambda t: _zip(
            {"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n", "application.properties": _env(t)}
        ),
        "app.jar!application.properties",
    ),
    "whl": (
        "pkg-1.0-py3-none-any.whl",
        lambda t: _zip({"pkg/__init__.py": b"", "pkg/settings.py": f'TOKEN = "{t}"\n'.encode()}),
        "pkg-1.0-py3-none-any.whl!pkg/settings.py",
    ),
    "docx": (
        "memo.docx",
        lambda t: _zip(
            {
                "[Content_Types].xml": b"<?xml version='1.0'?><Types/>",
                "word/document.xml": f"<w:document><w:t>use {t} here</w:t></w:document>".encode(),
            }
        ),
        "memo.docx!word/document.xml",
    ),
    "xlsx": (
        "book.xlsx",
        lambda t: _zip({"xl/sharedStrings.xml": f"<sst><si><t>{t}</t></si></sst>".encode()}),
        "book.xlsx!xl/sharedStrings.xml",
    ),
    "apk": (
        "app.apk",
        lambda t: _zip({"AndroidManifest.xml": b"\x03\x00\x08\x00", "assets/cfg.json": _env(t)}),
        "app.apk!assets/cfg.json",
    ),
    "egg": ("x.egg", lambda t: _zip({"EGG-INFO/PKG-INFO": _env(t)}), "x.egg!EGG-INFO/PKG-INFO"),
    "nested": (
        "outer.zip",
        lambda t: _zip({"lib/inner.jar": _zip({"deep/x.properties": _env(t)})}),
        "outer.zip!lib/inner.jar!deep/x.properties",
    ),
    "gz-in-zip": (
        "logs.zip",
        lambda t: _zip({"app.log.gz": gzip.compress(_env(t))}),
        "logs.zip!app.log.gz",
    ),
    "tar": ("a.tar", lambda t: _tar({"etc/app.env": _env(t)}), "a.tar!etc/app.env"),
    "tgz": ("a.tgz", lambda t: _tar({"etc/app.env": _env(t)}, gzip.compress), "a.tgz!etc/app.env"),
    "tar.bz2": ("a.tar.bz2", lambda t: _tar({"x.env": _env(t)}, bz2.compress), "a.tar.bz2!x.env"),
    "tar.xz": ("a.tar.xz", lambda t: _tar({"x.env": _env(t)}, lzma.compress), "a.tar.xz!x.env"),
    "zip-in-tgz": (
        "rel.tgz",
        lambda t: _tar({"dist/app.zip": _zip({"cfg.env": _env(t)})}, gzip.compress),
        "rel.tgz!dist/app.zip!cfg.env",
    ),
    "zip.gz": ("a.zip.gz", lambda t: gzip.compress(_zip({"x.env": _env(t)})), "a.zip.gz!x.env"),
}


def _scan(
    tmp_path: Path, **limits: int
) -> tuple[list[tuple[str, str, int]], list[tuple[str, str]]]:
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path)
    options = ScanOptions(archive=ArchiveLimits(**limits))
    result = Scanner(options, jobs=1).scan_files(tasks)
    findings = sorted((f.path, f.rule_id, f.line) for f in result.findings)
    outcomes = sorted((o.path, o.status) for o in result.outcomes)
    return findings, outcomes


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_token_in_an_archive_member_is_found_at_its_member_path(tmp_path: Path, fmt: str) -> None:
    """Each archive format is opened; the finding names ``archive!member`` and its line."""
    name, build, where = FORMATS[fmt]
    (tmp_path / name).write_bytes(build(make_secret()))
    findings, outcomes = _scan(tmp_path)
    line = 1 if fmt in ("whl", "docx", "xlsx") else 3
    assert findings == [(where, "github-token", line)]
    assert outcomes == [(name, "scanned")]


def test_the_command_scans_every_archive_format_and_exits_1(tmp_path: Path) -> None:
    """End to end (real CLI, JSON): one finding per archive, nothing skipped, exit 1."""
    for name, build, _ in FORMATS.values():
        (tmp_path / name).write_bytes(build(make_secret()))
    proc = run_redact("scan", "--format", "json", ".", cwd=tmp_path)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr
    assert sorted(f["path"] for f in doc["findings"]) == sorted(w for _, _, w in FORMATS.values())
    assert doc["skipped"] == []


def test_an_archive_on_stdin_is_opened(tmp_path: Path) -> None:
    """``redact scan -`` reads a zip from a pipe (spooled: zip needs to seek)."""
    data = FORMATS["nested"][1](make_secret())
    proc = run_redact("scan", "--format", "json", "-", cwd=tmp_path, input=data)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert [f["path"] for f in doc["findings"]] == ["<stdin>!lib/inner.jar!deep/x.properties"]


def test_a_member_named_after_a_secret_is_masked_everywhere(tmp_path: Path) -> None:
    """Member names are data: text, JSON, SARIF and the baseline mask a token in one."""
    token, inside = make_secret(), make_secret()
    (tmp_path / "a.zip").write_bytes(_zip({f"cache/{token}.txt": _env(inside)}))
    outputs: dict[str, bytes] = {}
    for fmt in ("text", "json", "sarif"):
        proc = run_redact("scan", "--format", fmt, "--color", "never", ".", cwd=tmp_path)
        assert proc.returncode == 1
        outputs[fmt] = proc.stdout + proc.stderr
    run_redact("scan", "--baseline", "b.json", "--update-baseline", ".", cwd=tmp_path)
    outputs["baseline"] = (tmp_path / "b.json").read_bytes()
    for fmt, out in outputs.items():
        assert token.encode() not in out, fmt
        assert inside.encode() not in out, fmt
        assert b"REDACTED:github-token:fp:" in out, fmt
    assert run_redact("scan", "--baseline", "b.json", ".", cwd=tmp_path).returncode == 0


# -- limits: each one an ``incomplete`` outcome, exit 2 when nothing else is found -----------


def _nest(levels: int, token: str) -> bytes:
    data = _zip({"deep.env": _env(token)})
    for i in range(levels - 1):
        data = _zip({f"level{i}.zip": data})
    return data


@pytest.mark.parametrize(
    ("build", "flag", "reason"),
    [
        pytest.param(lambda t: _nest(3, t), "--max-archive-depth=2", "nested deeper", id="depth"),
        pytest.param(
            lambda t: _zip({f"m{i}.txt": b"x\n" for i in range(5)} | {"z.env": _env(t)}),
            "--max-archive-members=3",
            "member limit",
            id="members",
        ),
        pytest.param(
            lambda t: _zip({"big.log": b"INFO ok\n" * 5000, "z.env": _env(t)}),
            "--max-archive-bytes=20000",
            "byte limit",
            id="bytes",
        ),
        pytest.param(
            lambda t: _tar({"big.log": b"INFO ok\n" * 5000, "z.env": _env(t)}, gzip.compress),
            "--max-archive-bytes=20000",
            "byte limit",
            id="bytes-tgz",
        ),
        pytest.param(
            lambda t: _zip({"zeros.log": b"\0" * (40 << 20), "z.env": _env(t)}),
            "--max-archive-depth=4",
            "decompression bomb",
            id="ratio",
        ),
    ],
)
def test_a_limit_reached_is_reported_incomplete_not_clean(
    tmp_path: Path, build: Callable[[str], bytes], flag: str, reason: str
) -> None:
    """Depth, members, bytes, compression ratio: the command names the limit and exits 2."""
    token = make_secret()
    (tmp_path / "a.zip").write_bytes(build(token))
    proc = run_redact("scan", "--format", "json", flag, ".", cwd=tmp_path)
    doc = json.loads(proc.stdout)
    incomplete = [s for s in doc["skipped"] if s["status"] == "incomplete"]
    assert len(incomplete) == 1 and reason in incomplete[0]["reason"], doc["skipped"]
    assert doc["summary"]["files_incomplete"] == 1
    if reason == "decompression bomb":  # one member refused, the others scanned: the finding wins
        assert proc.returncode == 1 and len(doc["findings"]) == 1
    else:
        assert proc.returncode == 2 and doc["findings"] == []
        assert b"could not be scanned" in proc.stderr


def test_a_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    """A member whose declared size is 200x its compressed size is not even opened."""
    (tmp_path / "bomb.zip").write_bytes(_zip({"zeros.log": b"\0" * (40 << 20)}))
    findings, outcomes = _scan(tmp_path)
    assert findings == []
    assert outcomes == [("bomb.zip", "scanned"), ("bomb.zip!zeros.log", "incomplete")]


def test_a_member_lying_about_its_size_is_stopped_by_the_ratio_guard(tmp_path: Path) -> None:
    """The guard counts what comes out: a nested archive inflating past the ratio is cut."""
    inner = _tar({"zeros.log": b"\0" * (8 << 20)})  # a tar, not a zip: no declared sizes
    (tmp_path / "a.zip").write_bytes(_zip({"inner.tar.gz": gzip.compress(inner)}))
    findings, outcomes = _scan(tmp_path, ratio=5)
    assert findings == []
    assert ("a.zip!inner.tar.gz", "incomplete") in outcomes


# -- bad archives: a clear outcome, never a crash, never clean --------------------------------


def _encrypted(data: bytes) -> bytes:
    """``data`` (one member) with the member's "encrypted" flag set in both headers."""
    raw = bytearray(data)
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = raw.index(sig)
        raw[pos + at] |= 1
    return bytes(raw)


def _flip(data: bytes, at: int) -> bytes:
    raw = bytearray(data)
    raw[at] ^= 0xFF
    return bytes(raw)


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        pytest.param(
            lambda t: _zip({"x.env": _env(t)})[:40], "unreadable", "corrupt zip", id="cut"
        ),
        pytest.param(
            lambda t: _encrypted(_zip({"x.env": _env(t)})), "unreadable", "encrypted", id="enc"
        ),
        pytest.param(
            lambda t: _flip(_zip({"x.env": _env(t) * 50}), 60),
            "unreadable",
            "corrupt member",
            id="bad-data",
        ),
        pytest.param(
            lambda t: _tar({"x.env": _env(t)}, gzip.compress)[:-30],
            "unreadable",
            "Compressed file ended",
            id="cut-tgz",
        ),
    ],
)
def test_a_corrupt_archive_is_reported_never_clean(
    tmp_path: Path, data: Callable[[str], bytes], status: str, reason: str
) -> None:
    """A cut zip, an encrypted member, corrupt deflate data: named in the report, not exit 0."""
    (tmp_path / "bad.zip").write_bytes(data(make_secret()))
    proc = run_redact("scan", "--format", "json", ".", cwd=tmp_path)
    assert proc.returncode in (1, 2), proc.stderr  # never clean, never a crash (3)
    doc = json.loads(proc.stdout)
    bad = [s for s in doc["skipped"] if s["status"] == status]
    assert bad and reason in bad[0]["reason"], doc["skipped"]


_BUILD: dict[str, Callable[[dict[str, bytes]], bytes]] = {
    "zip": _zip,
    "tar": _tar,
    "tgz": lambda m: _tar(m, gzip.compress),
    "zip.gz": lambda m: gzip.compress(_zip(m)),
}
_KINDS = st.sampled_from(sorted(_BUILD))


@settings(max_examples=25, deadline=None)
@given(
    kinds=st.lists(_KINDS, min_size=1, max_size=3),
    names=st.lists(
        st.from_regex(r"[a-z]{1,8}(/[a-z]{1,8}){0,2}\.txt", fullmatch=True), min_size=1, max_size=4
    ),
    at=st.integers(0, 3),
)
def test_any_nesting_within_the_limits_finds_the_token(
    tmp_path_factory: pytest.TempPathFactory, kinds: list[str], names: list[str], at: int
) -> None:
    """Property: a token in any member of any nesting (zip, tar, tgz) up to 3 deep is found."""
    token = make_secret()
    names = list(dict.fromkeys(names))
    at %= len(names)
    members = {n: (_env(token) if i == at else b"nothing here\n") for i, n in enumerate(names)}
    data, path = b"", ""
    for depth, kind in enumerate(kinds):
        if depth:
            members = {f"in{depth}.bin": data}
        data = _BUILD[kind](members)
        path = (f"!in{depth}.bin" + path) if depth else f"!{names[at]}"
    tmp = tmp_path_factory.mktemp("nest")
    (tmp / "top.bin").write_bytes(data)
    findings, _ = _scan(tmp)
    assert findings == [("top.bin" + path, "github-token", 3)]


def test_an_archive_committed_to_git_is_opened(make_repo: Callable[[str], object]) -> None:
    """``--git``: a zip blob (binary to git) is opened, its member reported at its commit."""
    repo = make_repo("r")
    root: Path = repo.root  # type: ignore[attr-defined]
    (root / "dist").mkdir()
    (root / "dist" / "app.jar").write_bytes(FORMATS["jar"][1](make_secret()))
    repo.commit("add the jar")  # type: ignore[attr-defined]
    proc = run_redact("scan", "--git", "--format", "json", ".", cwd=root)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr
    assert [f["path"] for f in doc["findings"]] == ["dist/app.jar!application.properties"]
    assert all(f.get("commit") for f in doc["findings"])
