"""``redact scan`` never fails open: every text shape is read, only real binaries are skipped.

Each input below holds a GitHub token and used to exit 0 with no finding (NUL in stdin's
head, ``/dev/stdin``, a named pipe, a stray NUL, a lying byte-order mark, BOM-less UTF-16).
Paths are data too: a file named after a token never shows it in a report or a baseline.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import random
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact.scan.model import ScanOptions
from redact.scan.runner import Scanner
from redact.scan.sources import discover
from redact.scan.text import sniff

from .conftest import REDACT, make_secret, run_redact

_RNG = random.Random(9)
_RANDOM = bytes(_RNG.randrange(256) for _ in range(9000))


def _text(token: str) -> str:
    return "".join(f"2024-01-01 INFO request {i} ok\n" for i in range(50)) + f"auth {token}\n"


#: name -> how the bytes of a log holding ``token`` are laid out.
SHAPES: dict[str, Callable[[str], bytes]] = {
    "nul-in-head": lambda t: b"start\0\n" + _text(t).encode(),
    "single-nul-mid-line": lambda t: _text(t).replace("request 7", "request\0 7").encode(),
    "nul-padded-log": lambda t: b"\0" * 20000 + _text(t).encode(),  # copytruncate'd log
    "ff-fe-then-utf8": lambda t: b"\xff\xfe" + _text(t).encode(),
    "fe-ff-then-utf8": lambda t: b"\xfe\xff" + _text(t).encode(),
    "ff-fe-then-utf8-with-nul": lambda t: b"\xff\xfe" + b"x\0" + _text(t).encode(),
    "utf16-bom": lambda t: _text(t).encode("utf-16"),
    "utf16le-no-bom": lambda t: _text(t).encode("utf-16-le"),
    "utf16be-no-bom": lambda t: _text(t).encode("utf-16-be"),
    "utf32le-no-bom": lambda t: _text(t).encode("utf-32-le"),
    "utf32-bom": lambda t: _text(t).encode("utf-32"),
    "latin1-accents": lambda t: ("Grüße aus Köln\n" * 40 + _text(t)).encode("latin-1"),
    "ansi-colours": lambda t: b"\x1b[31mERR\x1b[0m \x08\x07\n" + _text(t).encode(),
    "control-bytes": lambda t: bytes(range(1, 32)) + b"\n" + _text(t).encode(),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_text_shape_is_scanned_from_a_file(
    tmp_path: Path, shape: str, secret: Callable[..., str]
) -> None:
    """A file of each shape is text, and the token in it is reported."""
    token = secret("github")
    (tmp_path / "app.log").write_bytes(SHAPES[shape](token))
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path)
    result = Scanner(ScanOptions(), jobs=1).scan_files(tasks)
    assert [f.rule_id for f in result.findings] == ["github-token"]
    assert [o.status for o in result.outcomes] == ["scanned"]


def test_a_lying_bom_through_the_command(tmp_path: Path, secret: Callable[..., str]) -> None:
    """End to end: ``FF FE`` + UTF-8 holding a token exits 1 with the finding."""
    (tmp_path / "app.log").write_bytes(SHAPES["ff-fe-then-utf8"](secret()))
    proc = run_redact("scan", "--format", "json", "app.log", cwd=tmp_path)
    assert proc.returncode == 1
    assert len(json.loads(proc.stdout)["findings"]) == 1


@pytest.mark.parametrize(
    ("shape", "arg"), [("nul-in-head", "-"), ("utf16le-no-bom", "-"), ("nul-in-head", "/dev/stdin")]
)
def test_stdin_is_scanned_as_dash_and_as_dev_stdin(
    tmp_path: Path, shape: str, arg: str, secret: Callable[..., str]
) -> None:
    """``redact scan -`` and ``redact scan /dev/stdin`` read a pipe whatever its bytes."""
    proc = run_redact("scan", "--format", "json", arg, cwd=tmp_path, input=SHAPES[shape](secret()))
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1, doc
    assert len(doc["findings"]) == 1


def test_a_named_pipe_given_as_a_path_is_read(tmp_path: Path, secret: Callable[..., str]) -> None:
    """A FIFO named on the command line is read to its end (a writer feeds it)."""
    fifo = tmp_path / "live.log"
    os.mkfifo(fifo)
    data = SHAPES["single-nul-mid-line"](secret())

    def writer() -> None:
        with open(fifo, "wb") as fh:
            fh.write(data)

    feeder = threading.Thread(target=writer)
    feeder.start()
    proc = run_redact("scan", "--format", "json", str(fifo), cwd=tmp_path)
    feeder.join(timeout=30)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1 and len(doc["findings"]) == 1


def test_a_fifo_met_while_walking_is_reported_not_read(tmp_path: Path) -> None:
    """Inside a directory walk a FIFO is skipped with a reason (reading it could block)."""
    os.mkfifo(tmp_path / "pipe")
    proc = run_redact("scan", "--format", "json", ".", cwd=tmp_path)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 0
    assert [(s["path"], s["status"]) for s in doc["skipped"]] == [("pipe", "skipped")]


def test_real_binaries_are_skipped_and_reported(tmp_path: Path, secret: Callable[..., str]) -> None:
    """Random bytes (a real binary) are skipped, listed, and do not change the exit code."""
    (tmp_path / "blob.bin").write_bytes(_RANDOM + secret().encode())
    proc = run_redact("scan", "--format", "json", ".", cwd=tmp_path)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 0
    assert doc["skipped"] == [{"path": "blob.bin", "status": "binary", "reason": "binary content"}]


def test_an_input_that_cannot_be_read_is_exit_2_unless_there_are_findings(
    tmp_path: Path, secret: Callable[..., str]
) -> None:
    """A failed read is never a silent clean: exit 2 and a stderr line; findings still win (1)."""
    os.symlink("/proc/self/mem", tmp_path / "mem")  # a real read that fails with EIO
    proc = run_redact("scan", "--format", "json", "mem", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"1 input(s) could not be scanned" in proc.stderr
    assert json.loads(proc.stdout)["skipped"][0]["status"] == "unreadable"
    (tmp_path / "leak.txt").write_text(f"t={secret()}\n")
    assert run_redact("scan", "mem", "leak.txt", cwd=tmp_path).returncode == 1


@pytest.mark.parametrize(
    ("head", "kind", "encoding"),
    [
        (b"plain text\n", "text", "utf-8"),
        (codecs.BOM_UTF8 + b"x\n", "text", "utf-8-sig"),
        (b"\xff\xfeplain utf-8 after a lying BOM\n", "text", "utf-8"),
        ("wide\n".encode("utf-16"), "text", "utf-16"),
        ("wide text\n".encode("utf-16-be"), "text", "utf-16-be"),
        ("wide text\n".encode("utf-32-le"), "text", "utf-32-le"),
        ("中文日志 内容\n".encode("utf-16-le") * 40, "text", "utf-16-le"),
        (b"\0" * 8192, "text", "utf-8"),
        (_RANDOM[:8192], "binary", "utf-8"),
        (b"\x7fELF\x02\x01\x01\0" + _RANDOM[:4000], "binary", "utf-8"),
    ],
)
def test_sniff_table(head: bytes, kind: str, encoding: str) -> None:
    """sniff() decides text vs binary and the encoding from the content, not one byte."""
    assert sniff(head) == (kind, encoding)


_STRAY = st.sampled_from([b"\0", b"\x01", b"\x7f", b"\xff", b"\xfe", b"\xc3", b"\x1b"])


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.text(alphabet="abc xyz=:/é€0123", max_size=40), min_size=1, max_size=60),
    stray=st.lists(st.tuples(st.integers(0, 10_000), _STRAY), max_size=6),
    prefix=st.sampled_from([b"", b"\xff\xfe", b"\xfe\xff", b"\0" * 100]),
)
def test_stray_bytes_never_hide_a_token(
    lines: list[str], stray: list[tuple[int, bytes]], prefix: bytes
) -> None:
    """A log with a few stray bytes (NUL, controls, broken UTF-8, a lying BOM) is scanned."""
    token = make_secret("github")
    head = "2024-01-01T00:00:00Z INFO service started, listening on 0.0.0.0:8080"
    data = bytearray("\n".join([head, *lines, f"key {token} end", *lines]).encode())
    token_at = bytes(data).index(token.encode())
    for where, byte in stray:  # never inside the token itself
        at = where % (len(data) + 1)
        if not token_at - 1 <= at <= token_at + len(token) + 1:
            data[at:at] = byte
            if at <= token_at:
                token_at += len(byte)
    result = Scanner(ScanOptions(), jobs=1).scan_stream(io.BytesIO(prefix + bytes(data)))
    assert [f.rule_id for f in result.findings] == ["github-token"]


# -- paths are data -------------------------------------------------------------------------


def test_a_file_named_after_a_secret_never_prints_it(tmp_path: Path) -> None:
    """Text, JSON, SARIF reports and the baseline mask a token in a file name (and a dir name)."""
    token, other = make_secret("github"), make_secret("github")
    (tmp_path / f"cache-{token}.txt").write_text(f"inside {other}\n")
    (tmp_path / token).mkdir()
    (tmp_path / token / "x.log").write_text(f"k {other}\n")
    os.symlink("nowhere", tmp_path / f"dangling-{token}")
    outputs = {}
    for fmt in ("text", "json", "sarif"):
        proc = run_redact("scan", "--format", fmt, "--color", "never", ".", cwd=tmp_path)
        assert proc.returncode == 1
        outputs[fmt] = proc.stdout + proc.stderr
    proc = run_redact("scan", "--baseline", "b.json", "--update-baseline", ".", cwd=tmp_path)
    outputs["baseline"] = (tmp_path / "b.json").read_bytes()
    for name, out in outputs.items():
        assert token.encode() not in out, name
        assert b"REDACTED:github-token:fp:" in out, name  # SARIF percent-encodes the [ ]
    paths = {e["path"] for e in json.loads(outputs["baseline"])["entries"]}
    assert len(paths) == 2  # the two files stay apart
    again = run_redact("scan", "--baseline", "b.json", ".", cwd=tmp_path)
    assert again.returncode == 0, again.stdout  # the masked path is a stable baseline key


@pytest.mark.parametrize(
    ("layout", "content"),
    [
        ("users/{v}/cfg.ini", 'password = "{v}"\n'),  # a directory named after the value
        ("{v}", "x = 1\npassword: {v}\n"),  # the file itself
        ("conf/{v}.bak/db.yaml", "db:\n  password: {v}\n"),  # a part of a name
        ("a/{v}/b/{v}.env", "DB_PASSWORD={v}\n"),  # twice
    ],
)
def test_a_path_never_shows_what_its_own_findings_hide(
    tmp_path: Path, layout: str, content: str
) -> None:
    """A value no rule knows by shape (found by its name inside the file) is masked where
    the file's path repeats it: text, JSON, SARIF and the baseline; the key stays stable."""
    value = "Qw9hunter2Xz" + "".join(_RNG.choice("abcdefghjk") for _ in range(4))
    target = tmp_path / layout.format(v=value)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content.format(v=value))
    outputs = {}
    for fmt in ("text", "json", "sarif"):
        proc = run_redact("scan", "--format", fmt, "--color", "never", ".", cwd=tmp_path)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        outputs[fmt] = proc.stdout + proc.stderr
    run_redact("scan", "--baseline", "b.json", "--update-baseline", ".", cwd=tmp_path)
    outputs["baseline"] = (tmp_path / "b.json").read_bytes()
    for name, out in outputs.items():
        assert value.encode() not in out, name
        assert b"REDACTED:" in out, name
    again = run_redact("scan", "--baseline", "b.json", ".", cwd=tmp_path)
    assert again.returncode == 0, again.stdout


def test_a_secret_in_a_git_path_is_masked(
    make_repo: Callable[[str], object], secret: Callable[..., str]
) -> None:
    """Paths from git history go through the same mask."""
    token = secret()
    repo = make_repo("r")
    repo.write(f"keys/{token}.env", f"GH={secret()}\n")  # type: ignore[attr-defined]
    repo.commit("add")  # type: ignore[attr-defined]
    proc = subprocess.run(
        [REDACT, "scan", "--git", "--format", "json", "."],
        cwd=repo.root,  # type: ignore[attr-defined]
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 1
    assert token.encode() not in proc.stdout + proc.stderr


_LAYERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": __import__("gzip").compress,
    "bzip2": __import__("bz2").compress,
    "xz": __import__("lzma").compress,
}


@pytest.mark.parametrize(
    "layers",
    [("gzip", "gzip"), ("xz", "gzip"), ("gzip", "bzip2", "xz"), ("bzip2", "gzip", "gzip", "xz")],
)
def test_nested_compression_is_peeled_not_skipped_as_binary(
    tmp_path: Path, layers: tuple[str, ...]
) -> None:
    """A compressed file compressed again (a rotated .log.gz gzipped by a backup) is scanned."""
    token = make_secret()
    data = _text(token).encode()
    for layer in layers:
        data = _LAYERS[layer](data)
    (tmp_path / "app.log.z").write_bytes(data)
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path)
    result = Scanner(ScanOptions(), jobs=1).scan_files(tasks)
    assert [f.rule_id for f in result.findings] == ["github-token"]
    assert [o.status for o in result.outcomes] == ["scanned"]
