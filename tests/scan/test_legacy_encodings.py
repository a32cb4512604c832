"""Text in legacy encodings is decoded and scanned, never skipped as binary.

Before charset-normalizer was consulted, a log in Shift-JIS, GB18030, EUC-KR,
Big5, cp1251, KOI8-R, EBCDIC or BOM-less UTF-16 holding a GitHub token was
classified ``binary`` (its bytes are not UTF-8) and the scan exited 0.
"""

from __future__ import annotations

import io
import json
import os
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact.scan.model import ScanOptions
from redact.scan.runner import Scanner
from redact.scan.sources import discover
from redact.scan.text import sniff
from tests.strategies import LEGACY_TEXTS, legacy_logs

from .conftest import make_secret, run_redact

#: (language, encoding) pairs: every script with each of its legacy encodings.
CASES = [
    *sorted((lang, enc) for lang, (_, encs) in LEGACY_TEXTS.items() for enc in encs),
    ("en", "cp500"),  # EBCDIC: not even ASCII-compatible
]


def _log(lang: str, token: str) -> str:
    text = LEGACY_TEXTS[lang][0] if lang in LEGACY_TEXTS else "Server started. Checking the db."
    lines = [f"{text} {i}" for i in range(30)]
    lines.insert(17, f"auth token {token}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("lang", "encoding"), CASES)
def test_a_legacy_encoded_log_is_decoded_and_its_token_found(
    tmp_path: Path, lang: str, encoding: str
) -> None:
    """Each (script, encoding) log is read as text in its encoding; the token is on line 18."""
    token = make_secret("github")
    (tmp_path / "app.log").write_bytes(_log(lang, token).encode(encoding))
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path)
    result = Scanner(ScanOptions(), jobs=1).scan_files(tasks)
    assert [(f.rule_id, f.line, f.column) for f in result.findings] == [("github-token", 18, 12)]
    assert [o.status for o in result.outcomes] == ["scanned"]


def test_the_command_reports_every_legacy_log_and_exits_1(tmp_path: Path) -> None:
    """End to end through the real CLI: one finding per file, nothing skipped, exit 1."""
    for lang, encoding in CASES:
        (tmp_path / f"{lang}-{encoding}.log").write_bytes(
            _log(lang, make_secret("github")).encode(encoding)
        )
    proc = run_redact("scan", "--format", "json", ".", cwd=tmp_path)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert doc["skipped"] == []
    assert sorted(f["path"] for f in doc["findings"]) == sorted(f"{a}-{b}.log" for a, b in CASES)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_any_legacy_log_hides_no_token(data: st.DataObject) -> None:
    """Property: a log in any legacy encoding, any length, token on any line, is scanned."""
    token = make_secret("github")
    raw = data.draw(legacy_logs(token), label="log")
    result = Scanner(ScanOptions(), jobs=1).scan_stream(io.BytesIO(raw))
    assert [f.rule_id for f in result.findings] == ["github-token"]
    assert [o.status for o in result.outcomes] == ["scanned"]


def _png(payload: bytes) -> bytes:
    body = zlib.compress(payload)
    return b"\x89PNG\r\n\x1a\n" + len(body).to_bytes(4, "big") + b"IDAT" + body


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"\x7fELF\x02\x01\x01\0" + os.urandom(8000), id="elf"),
        pytest.param(_png(os.urandom(8000)), id="png"),
        pytest.param(os.urandom(8192), id="random"),
        pytest.param(b"\xff\xd8\xff\xe0\0\x10JFIF\0" + os.urandom(8000), id="jpeg"),
        pytest.param(b"\xca\xfe\xba\xbe\0\0\0\x41" + os.urandom(8000), id="java-class"),
    ],
)
def test_real_binaries_stay_binary(head: bytes) -> None:
    """charset-normalizer finds no text in real binaries: they are still skipped (listed)."""
    assert sniff(head[:8192])[0] == "binary"
