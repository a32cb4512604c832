"""``redact filter`` keeps state across lines and never opens a hole at a cut.

Multi-line secrets (PEM and OpenSSH keys, PGP blocks, netrc entries, registered
values with line breaks) are held until complete and masked whole; over-long
lines are written in pieces whose cuts never split a token.
"""

from __future__ import annotations

import io
import json
import random
import string
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor, RulePack
from redact.scan.filter import filter_stream

from .conftest import REDACT, make_secret, run_redact

_B64 = string.ascii_letters + string.digits + "+/"
_RNG = random.Random(4)


def _body(lines: int = 12) -> list[str]:
    return ["".join(_RNG.choice(_B64) for _ in range(64)) for _ in range(lines)]


def _armored(begin: str, end: str, lines: int = 12) -> tuple[str, list[str]]:
    """A synthetic armoured block (random base64 body, never a real key)."""
    body = _body(lines)
    return "\n".join([f"-----BEGIN {begin}-----", *body, f"-----END {end}-----"]), body


BLOCKS = {
    "rsa-pem": ("RSA PRIVATE KEY", "RSA PRIVATE KEY"),
    "pkcs8-pem": ("PRIVATE KEY", "PRIVATE KEY"),
    "ec-pem": ("EC PRIVATE KEY", "EC PRIVATE KEY"),
    "openssh": ("OPENSSH PRIVATE KEY", "OPENSSH PRIVATE KEY"),
    "pgp": ("PGP PRIVATE KEY BLOCK", "PGP PRIVATE KEY BLOCK"),
}


def _filter(red: Redactor, data: bytes, **kw: int) -> bytes:
    out = io.BytesIO()
    filter_stream(red, io.BytesIO(data), out, **kw)
    return out.getvalue()


@pytest.mark.parametrize("kind", sorted(BLOCKS))
def test_a_multi_line_private_key_is_masked_whole(kind: str, tmp_path: Path) -> None:
    """printf 'startup\\n<key>\\ndone\\n' | redact filter: no line of the key survives."""
    block, body = _armored(*BLOCKS[kind])
    proc = run_redact("filter", cwd=tmp_path, input=f"startup\n{block}\ndone\n".encode())
    assert proc.returncode == 0
    assert not [line for line in body if line.encode() in proc.stdout]
    assert b"PRIVATE KEY" not in proc.stdout.replace(b"[REDACTED:", b"")
    assert proc.stdout.startswith(b"startup\n[REDACTED:") and proc.stdout.endswith(b"]\ndone\n")


def test_a_held_key_does_not_delay_earlier_lines(tmp_path: Path) -> None:
    """Lines before a key come out at once; the key comes out when its END line arrives."""
    block, body = _armored("PRIVATE KEY", "PRIVATE KEY")
    lines = block.split("\n")
    proc = subprocess.Popen(
        [REDACT, "filter"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=tmp_path
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(b"before\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == b"before\n"
        for line in lines:
            proc.stdin.write(line.encode() + b"\n")
            proc.stdin.flush()
        out = proc.stdout.readline()
        assert out.startswith(b"[REDACTED:private-key") and body[0].encode() not in out
        proc.stdin.write(b"after\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == b"after\n"
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
        proc.stdout.close()


def test_a_begin_line_without_end_is_released(tmp_path: Path) -> None:
    """A stray BEGIN holds only as long as the rule can still match, then lines flow on."""
    stray = "-----BEGIN PRIVATE KEY----- (template)\n" + "log line\n" * 3000
    proc = run_redact("filter", cwd=tmp_path, input=stray.encode())
    assert proc.stdout == stray.encode()


@pytest.mark.parametrize("kind", sorted(BLOCKS))
@pytest.mark.parametrize("cut", ["no-end", "mid-line"])
def test_a_key_cut_off_by_the_end_of_the_stream_is_masked(
    kind: str, cut: str, tmp_path: Path
) -> None:
    """A key without its END line (the stream ended early) comes out masked, never raw."""
    begin, _ = BLOCKS[kind]
    body = _body(6)
    lines = [f"-----BEGIN {begin}-----", *body]
    if cut == "mid-line":
        lines[-1] = lines[-1][:20]
    proc = run_redact("filter", cwd=tmp_path, input=("startup\n" + "\n".join(lines)).encode())
    assert proc.returncode == 0
    assert not [line for line in lines[1:] if line.encode() in proc.stdout]
    assert proc.stdout.startswith(b"startup\n[REDACTED:private-key")


def test_a_key_without_end_is_released_masked_when_a_log_line_arrives(tmp_path: Path) -> None:
    """A cut-off key is held only until a line that cannot be part of it: then out, masked."""
    body = _body(4)
    proc = subprocess.Popen(
        [REDACT, "filter"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=tmp_path
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for line in ["-----BEGIN RSA PRIVATE KEY-----", *body, "2026-11-30 INFO next request"]:
            proc.stdin.write(line.encode() + b"\n")
            proc.stdin.flush()
        out = proc.stdout.readline()  # comes before end of input: the stream is still open
        assert out.startswith(b"[REDACTED:private-key") and not [
            line for line in body if line.encode() in out
        ]
        assert proc.stdout.readline() == b"2026-11-30 INFO next request\n"
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
        proc.stdout.close()


@pytest.mark.parametrize("kind", sorted(BLOCKS))
def test_scan_reports_a_key_cut_off_before_its_end_line(kind: str, tmp_path: Path) -> None:
    """``redact scan`` flags the same cut-off block the filter masks (exit 1, rule named)."""
    begin, _ = BLOCKS[kind]
    body = _body(3)
    (tmp_path / "app.log").write_text(
        "startup\n" + "\n".join([f"-----BEGIN {begin}-----", *body]) + "\n", encoding="utf-8"
    )
    proc = run_redact("scan", "--format", "json", "app.log", cwd=tmp_path)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert [f["rule_id"].startswith("private-key") for f in doc["findings"]] == [True]
    assert doc["findings"][0]["line"] == 2
    assert not [line for line in body if line.encode() in proc.stdout]


def test_a_netrc_entry_across_lines_is_masked(tmp_path: Path) -> None:
    """Another multi-line rule (extended pack): machine/login/password on separate lines."""
    pw = "Nq" + "".join(_RNG.choice(string.ascii_letters) for _ in range(14))
    text = f"start\nmachine api.example.com\n  login bob\n  password {pw}\nend\n"
    proc = run_redact("filter", "--pack", "extended", cwd=tmp_path, input=text.encode())
    assert pw.encode() not in proc.stdout
    assert proc.stdout.startswith(b"start\n") and proc.stdout.endswith(b"end\n")


def test_a_registered_multi_line_value_with_short_lines_is_masked() -> None:
    """A registered value whose lines are each too short to register alone is held and masked."""
    value = "\n".join(["".join(_RNG.choice(_B64) for _ in range(6)) for _ in range(5)])
    red = Redactor(known=KnownSecrets())
    red.known.add(value, label="multi")
    data = f"head\nconfig: {value}\ntail\n".encode()
    out = _filter(red, data)
    assert value.encode() not in out
    assert not [line for line in value.split("\n") if line.encode() in out]
    assert out == b"head\nconfig: [REDACTED:multi]\ntail\n"


def test_the_one_mib_cut_never_splits_a_token(tmp_path: Path) -> None:
    """The issue's case: a token straddling the 1 MiB read limit is masked."""
    token = make_secret("github")
    line = b"x" * (2**20 - 11) + b"|" + token.encode() + b"|tail\n"
    proc = run_redact("filter", cwd=tmp_path, input=line)
    assert token.encode() not in proc.stdout
    assert proc.stdout == line.replace(token.encode(), b"[REDACTED:github-token]")


def test_a_non_ascii_registered_value_split_between_reads_is_masked() -> None:
    """The incremental decoder joins a character cut between two reads."""
    value = "Pässwörd-" + "".join(_RNG.choice(string.ascii_letters) for _ in range(10))
    red = Redactor(known=KnownSecrets())
    red.known.add(value, label="pw")
    for pad in range(60, 70):  # the cut falls inside ä or ö for some pads
        data = ("y" * pad + value + " end\n").encode()
        out = _filter(red, data, max_line=64, overlap=24)
        assert value.encode() not in out and out.endswith(b"[REDACTED:pw] end\n"), pad


_PACK = RulePack.builtin("default")
_FILLER = st.text(alphabet="ab =&,;\t/:é", min_size=0, max_size=300)


@settings(max_examples=80, deadline=None)
@given(
    chunks=st.lists(_FILLER, min_size=1, max_size=6),
    max_line=st.integers(96, 400),
    newlines=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_no_cut_leaks_a_token_and_clean_text_is_unchanged(
    chunks: list[str], max_line: int, newlines: bool, seed: int
) -> None:
    """Tokens anywhere, any read limit above twice the overlap: none survives, rest unchanged.

    The tokens come from a seed hypothesis draws, so a failing example replays (random
    tokens made this test flaky: one clean-clone CI run in three over-masked a stretch).
    """
    red = Redactor(rules=_PACK)
    rng = random.Random(seed)
    alnum = string.ascii_letters + string.digits
    tokens = ["gh" + "p_" + "".join(rng.choice(alnum) for _ in range(36)) for _ in chunks]
    sep = "\n" if newlines else " "
    text = sep.join(f"{c} {t}" for c, t in zip(chunks, tokens, strict=True)) + " tail\n"
    out = _filter(red, text.encode(), max_line=max_line, overlap=48)  # overlap > a token
    assert not [t for t in tokens if t.encode() in out]
    expected = text
    for t in tokens:
        expected = expected.replace(t, "[REDACTED:github-token]")
    assert out == expected.encode()


def test_the_filter_returns_how_many_pieces_changed(secret: Callable[..., str]) -> None:
    """The return value counts written pieces that were masked."""
    red = Redactor(rules=_PACK)
    data = f"a {secret()}\nclean\nb {secret()}\n".encode()
    assert filter_stream(red, io.BytesIO(data), io.BytesIO()) == 2


@pytest.mark.parametrize(
    "encoding",
    ["utf-16", "utf-16-le", "utf-16-be", "utf-32"],  # "utf-16"/"utf-32" write a byte-order mark
)
def test_a_utf16_or_utf32_stream_is_decoded_masked_and_written_back_in_kind(encoding: str) -> None:
    """`iconv -t UTF-16 | redact filter`: the token is masked, output stays in that encoding."""
    red = Redactor.default()
    token = make_secret()
    text = f"startup\ntok {token} here\ndone\n"
    data = text.encode(encoding)
    out = filter_stream_buffered(red, data)
    decoded = out.decode(encoding)
    assert token not in decoded
    assert "[REDACTED:" in decoded and decoded.startswith("startup\n")
    assert token.encode("utf-8") not in out


def test_a_lying_byte_order_mark_on_utf8_is_filtered_as_utf8() -> None:
    """`FF FE` followed by UTF-8 text (the scanner's rule): still masked, bytes kept as they came."""
    red = Redactor.default()
    token = make_secret()
    data = b"\xff\xfe" + f"tok {token} here\nnext line\n".encode()
    out = filter_stream_buffered(red, data)
    assert token.encode() not in out
    assert out.startswith(b"\xff\xfetok ") and out.endswith(b"next line\n")


def filter_stream_buffered(red: Redactor, data: bytes) -> bytes:
    """Run the filter over ``data`` read through a BufferedReader (as sys.stdin.buffer is)."""
    out = io.BytesIO()
    filter_stream(red, io.BufferedReader(io.BytesIO(data)), out)
    return out.getvalue()


@pytest.mark.parametrize(
    "packs",
    [
        ("--pack", "pii"),
        ("--pack", "extended"),
        ("--pack", "default,pii"),
        ("--pack", "pii,extended"),
    ],
)
def test_a_named_pack_adds_to_the_default_pack(tmp_path: Path, packs: tuple[str, ...]) -> None:
    """--pack NAME reads as an add-on: the default pack's rules still mask (filter and scan)."""
    token = make_secret("github")
    mail = (
        "ana."
        + "".join(_RNG.choice(string.ascii_lowercase) for _ in range(8))
        + "@mail-"
        + str(_RNG.randrange(10**6))
        + ".io"
    )
    text = f"login token={token} user={mail}\n"
    proc = run_redact("filter", *packs, cwd=tmp_path, input=text.encode())
    assert proc.returncode == 0, proc.stderr
    assert token.encode() not in proc.stdout
    assert (mail.encode() in proc.stdout) == ("pii" not in packs[1])
    (tmp_path / "app.log").write_text(text)
    scan = run_redact("scan", "--no-progress", *packs, "app.log", cwd=tmp_path)
    assert scan.returncode == 1 and b"github-token" in scan.stdout


def test_no_default_pack_uses_the_named_packs_only(tmp_path: Path) -> None:
    """--no-default-pack --pack pii masks personal data only; without a pack it is a usage error."""
    token = make_secret("github")
    mail = (
        "bo."
        + "".join(_RNG.choice(string.ascii_lowercase) for _ in range(8))
        + "@mail-"
        + str(_RNG.randrange(10**6))
        + ".io"
    )
    # "id", not "token": a sensitive name joined by a blank masks a shaped value by its
    # name (the key names are no pack); the test is about the default pack's rules
    text = f"id {token} user {mail}\n"
    proc = run_redact(
        "filter", "--no-default-pack", "--pack", "pii", cwd=tmp_path, input=text.encode()
    )
    assert proc.returncode == 0, proc.stderr
    assert mail.encode() not in proc.stdout and token.encode() in proc.stdout
    alone = run_redact("filter", "--no-default-pack", cwd=tmp_path, input=text.encode())
    assert alone.returncode == 2 and b"needs at least one --pack" in alone.stderr
    assert alone.stdout == b""
