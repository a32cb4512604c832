"""Line-folding encodings never split a value open: quoted-printable soft line breaks
(``=\\r\\n``, ``=\\n``, ``=3D``) and folded header lines (``\\r\\n`` + a blank), for a
registered value and for a value under a sensitive name, in ``Redactor.redact``, in the
line stream behind ``redact filter`` and in ``redact scan``; lines that only look folded
stay readable.
"""

from __future__ import annotations

import quopri
import secrets
import string
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from redact import KnownSecrets, Redactor
from redact._lines import LineStream
from redact.masks import MASK_TOKEN

_ALNUM = string.ascii_letters + string.digits


def _value(n: int = 18) -> str:
    """A synthetic value: a fixed readable head and a random tail built at run time."""
    return "Zq" + "".join(secrets.choice(_ALNUM) for _ in range(n))


def _qp_body(text: str, *, crlf: bool) -> str:
    body = quopri.encodestring(text.encode()).decode()
    return body.replace("\n", "\r\n") if crlf else body


_DECLARED = "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"


#: shape -> value -> text holding the value under a sensitive name, split by a fold.
KEYED: dict[str, Callable[[str], str]] = {
    # an encoder's body: the line is full (76 columns) where the value begins
    "qp-76-lf": lambda v: _qp_body("note: " + "w" * 50 + " password=" + v + " ok\n", crlf=False),
    "qp-76-crlf": lambda v: _qp_body("n " + "w" * 52 + " api_key=" + v + " ok\n", crlf=True),
    "qp-76-equals": lambda v: _qp_body("n " + "w" * 55 + " secret=" + v + "\n", crlf=False),
    # a declared part: any line width
    "qp-declared": lambda v: _DECLARED + "password: " + v[:7] + "=\n" + v[7:] + "\n",
    "qp-declared-3D": lambda v: _DECLARED + "token=3D" + v[:5] + "=\r\n" + v[5:] + " x\r\n",
    "qp-declared-padded": lambda v: _DECLARED + "client_secret=3D" + v[:9] + "= \t\n" + v[9:],
    # folded header lines (RFC 5322, RFC 9110 obs-fold)
    "fold-crlf-space": lambda v: "X-Api-Key: " + v[:8] + "\r\n " + v[8:] + "\r\nHost: h\r\n",
    "fold-crlf-tab": lambda v: "Authorization: Token " + v[:6] + "\r\n\t" + v[6:] + "\r\n",
    "fold-cookie": lambda v: "Cookie: sid=" + v[:9] + "\r\n " + v[9:] + "\r\nAccept: */*\r\n",
    "fold-twice": lambda v: "X-Auth-Token: " + v[:5] + "\r\n " + v[5:11] + "\r\n " + v[11:],
    "fold-after-header-block": lambda v: (
        "GET / HTTP/1.1\r\nHost: h\r\nProxy-Authorization: Basic "
        + v[:10]
        + "\r\n  "
        + v[10:]
        + "\r\n\r\n"
    ),
}


def _survivors(value: str, out: str) -> list[str]:
    """Runs of 4 characters of ``value`` still in ``out``."""
    shown = MASK_TOKEN.sub("\0", out)  # a mask's own letters (sensitive-key) are no value
    return [value[i : i + 4] for i in range(len(value) - 3) if value[i : i + 4] in shown]


def _through_stream(r: Redactor, text: str, *, chunk: int) -> str:
    stream = LineStream(r)
    out = [stream.feed(text[i : i + chunk]) for i in range(0, len(text), chunk)]
    return "".join(out) + stream.close()


@pytest.mark.parametrize("shape", sorted(KEYED))
@pytest.mark.parametrize("n", [12, 19, 31])
def test_keyed_value_split_by_a_fold_is_masked_whole(shape: str, n: int) -> None:
    """A value under a sensitive name split by a soft break or a fold is masked whole:
    by ``redact`` and by the line stream (``redact filter``), fed whole, line by line and
    byte by byte."""
    r = Redactor.default()
    value = _value(n)
    text = KEYED[shape](value)
    assert value not in text  # the shape does split it
    out = r.redact(text)
    assert "[REDACTED" in out, shape
    assert _survivors(value, out) == [], (shape, out)
    # A stream writes a part's headers before its body: there, short soft-broken lines are
    # read by what they hold (=3D, =C3=A9) or by the width encoders fill (qp-76-*).
    for chunk in (len(text), 1, 7) if "declared" not in shape else ():
        streamed = _through_stream(r, text, chunk=chunk)
        assert _survivors(value, streamed) == [], (shape, chunk, streamed)


#: shape -> value -> text holding the registered value split by a fold.
REGISTERED: dict[str, Callable[[str], str]] = {
    "qp-body-lf": lambda v: _qp_body("x" * 70 + " " + v + " end\n", crlf=False),
    "qp-body-crlf": lambda v: _qp_body("y" * 61 + " " + v + " end\n", crlf=True),
    "qp-utf8": lambda v: _qp_body("z" * 66 + " é" + v + "ü end\n", crlf=False),
    "qp-short-lines": lambda v: "hello " + v[:5] + "=\r\n" + v[5:11] + "=\r\n" + v[11:] + " bye",
    "fold": lambda v: "Subject: hello " + v[:7] + "\r\n " + v[7:] + "\r\n",
}


@pytest.mark.parametrize("shape", sorted(REGISTERED))
@pytest.mark.parametrize("n", [12, 26])
def test_registered_value_split_by_a_fold_is_masked(shape: str, n: int) -> None:
    """A registered value split by a soft break or a fold is masked, the break inside the
    mask: by ``redact``, by the registry alone (the ASGI guard's reader) and by the line
    stream."""
    value = _value(n)
    if shape == "qp-utf8":
        value = value[:6] + "ö" + value[6:]
    known = KnownSecrets()
    known.add(value, label="v")
    r = Redactor.default(known=known)
    text = REGISTERED[shape](value)
    out = r.redact(text)
    assert "[REDACTED:v]" in out, shape
    assert _survivors(value, out) == [], (shape, out)
    hits, _ = r.known.snapshot.scan(text)
    assert hits, shape
    for chunk in (len(text), 1, 5):
        assert "[REDACTED:v]" in _through_stream(r, text, chunk=chunk), (shape, chunk)


#: Text that only looks folded or quoted-printable: comes back unchanged.
READABLE = [
    "Note: 2+2 =3D 4 in quoted-printable, and the line goes on\n",
    _qp_body("The formula a=b is written a=3Db, " + "w" * 60 + " fine\n", crlf=True),
    "PASSWORD=\nHOST=db.internal\nPORT=5432\n",
    "password: \n  host: db\n  port: 5432\n",
    "password: x1\n  continued yaml scalar\n",
    "token_count=\n" + "y" * 80 + "\n",
    "secrets:\n  - name: x\n    file: /run/x\n",
    'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\n',
    "Subject: a long subject\r\n that goes on\r\nFrom: a@example.com\r\n",
    "token_count=\nlimit=20\n",
    "user@example.com wrote: =\nsee below",
]


@pytest.mark.parametrize("text", READABLE)
def test_lookalikes_stay_readable(text: str) -> None:
    """Soft-break-like and fold-like lines without a secret are left as written."""
    known = KnownSecrets()
    known.add(_value(), label="v")
    r = Redactor.default(known=known)
    assert r.redact(text) == text
    assert _through_stream(r, text, chunk=3) == text


def test_filter_and_scan_commands(tmp_path: Path) -> None:
    """``redact filter`` masks a quoted-printable value split over lines; ``redact scan``
    reports a folded sensitive header (real processes)."""
    value = _value(24)
    known = tmp_path / "known.txt"
    known.write_text(value + "\n")
    mail = _DECLARED + _qp_body("x" * 70 + " " + value + " end\n", crlf=False)
    got = subprocess.run(
        [sys.executable, "-m", "redact", "filter", "--known-file", str(known)],
        input=mail.encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "[REDACTED:known-file]" in got
    assert _survivors(value, got) == []
    log = tmp_path / "headers.log"
    log.write_text("GET / HTTP/1.1\r\nX-Api-Key: " + value[:9] + "\r\n " + value[9:] + "\r\n")
    done = subprocess.run(
        [sys.executable, "-m", "redact", "scan", str(log)], capture_output=True, check=False
    )
    assert done.returncode == 1
    assert value[:9].encode() not in done.stdout
