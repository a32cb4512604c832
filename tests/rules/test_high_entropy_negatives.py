"""The generic high-entropy detectors stay quiet on the values issue 14 names as non-secrets.

Alphabet constants, hashes in lockfiles and requirement pins, subresource-integrity hashes,
``public_key=``, ``primaryKey=``, ``issuerKeyHash=`` and UUIDs look random but are not
credentials. Each row is built at runtime (random bytes hashed or encoded) and checked through
the runtime (``Redactor`` with the default and extended packs) and the scanner (``redact scan``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import subprocess
import sys
import uuid

import pytest

from redact import Redactor


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _digest(name: str) -> bytes:
    return hashlib.new(name, secrets.token_bytes(16)).digest()


def _rows() -> list[str]:
    return [
        f'"integrity": "sha512-{_b64(_digest("sha512"))}"',
        f'<script integrity="sha384-{_b64(_digest("sha384"))}" crossorigin="anonymous">',
        f"issuerKeyHash={_digest('sha1').hex()}",
        f'issuerKeyHash: "{_b64(_digest("sha1"))}"',
        f'public_key="{_b64(secrets.token_bytes(32))}"',
        f'"publicKey": "{_b64(secrets.token_bytes(65))}"',
        f"primaryKey={uuid.uuid4()}",
        f"primary_key = '{uuid.uuid4().hex}'",
        'ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"',
        'B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"',
        f'    "hash": "sha256:{_digest("sha256").hex()}",',
        f"requests==2.31.0 --hash=sha256:{_digest('sha256').hex()}",
        f'resolved "https://registry.yarnpkg.com/x/-/x-1.0.0.tgz#{_digest("sha1").hex()}"',
        f'checksum = "{_digest("sha256").hex()}"',
        f"id = {uuid.uuid4()}",
    ]


ROWS = _rows()


@pytest.mark.parametrize("line", ROWS)
def test_the_runtime_leaves_them_alone(line: str) -> None:
    r = Redactor.default(packs=("default", "extended"))
    assert r.find(line) == [], line


def test_the_scanner_reports_none_of_them() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "redact", "scan", "--pack", "extended", "-"],
        input="\n".join(ROWS) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("0 finding(s)")
