"""Secrets inside base64, hex and percent-encoded runs are found at the encoded span."""

from __future__ import annotations

import base64
import json
import random
import string
from urllib.parse import quote

import pytest

from redact import Redactor
from redact._encoded import EncodedSecrets
from redact.scan.model import ScanOptions
from redact.scan.runner import build_redactor
from redact.scan.text import scan_text

_RND = random.Random(14)
_ALNUM = string.ascii_letters + string.digits


def _rand(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(_RND.choice(alphabet) for _ in range(n))


def _pem() -> str:
    body = "\n".join(_rand(64, _ALNUM + "+/") for _ in range(6))
    kind = "RSA PRIVATE KEY"
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n"


def _github() -> str:
    return "gh" + "p_" + _rand(36)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    """A runtime Redactor with the encoded-run detector on."""
    return Redactor.default(detectors=[EncodedSecrets(Redactor.default())])


def _docker_config() -> str:
    password = _rand(20)
    auth = _b64(f"ci-bot:{password}")
    doc = {
        "auths": {
            "registry.example.com": {"username": "ci-bot", "password": password, "auth": auth}
        }
    }
    return json.dumps(doc)


#: (carrier, text holding one encoded secret, the encoded run)
def _cases() -> list[tuple[str, str, str]]:
    pem_b64 = _b64(_pem())
    docker = _b64(_docker_config())
    gh_hex = f"token={_github()}".encode().hex()
    dsn = "postgres://app:" + _rand(16) + "@db.internal:5432/app"
    pct = quote(dsn, safe="")
    nested = _b64(_b64(_pem()))
    return [
        ("k8s-secret-tls-key", f"data:\n  tls.crt: LS0t\n  tls.key: {pem_b64}\n", pem_b64),
        ("dockerconfigjson", f'{{".dockerconfigjson": "{docker}"}}', docker),
        ("hex", f"blob {gh_hex} end", gh_hex),
        ("percent", f"GET /connect?dsn={pct}&x=1", f"dsn={pct}&x=1"),
        ("nested-base64", f"value: {nested}", nested),
    ]


@pytest.mark.parametrize(("carrier", "text", "run"), _cases())
def test_encoded_secret_is_found_at_the_encoded_span(
    redactor: Redactor, carrier: str, text: str, run: str
) -> None:
    """The finding covers the whole encoded run; redact masks all of it."""
    found = [f for f in redactor.find(text) if f.detector == "plugin"]
    at = text.index(run)
    assert any(f.start <= at and f.end >= at + len(run) - 2 for f in found), carrier
    assert run[: len(run) // 2] not in redactor.redact(text)


def test_depth_bounds_the_nesting() -> None:
    """base64 of base64 of a key is found with depth 2, not with depth 1."""
    nested = _b64(_b64(_pem()))
    deep = EncodedSecrets(Redactor.default(), depth=2)
    shallow = EncodedSecrets(Redactor.default(), depth=1)
    assert deep(nested) and not shallow(nested)


@pytest.mark.parametrize(
    "text",
    [
        "payload=" + _b64("the quick brown fox jumps over the lazy dog, again and again"),
        "blob=" + base64.b64encode(bytes(_RND.getrandbits(8) for _ in range(90))).decode(),
        "sha256=" + "9f" * 32,
        "trace_id=" + _rand(32, "0123456789abcdef"),
        "next=" + quote("https://example.com/a path?q=1&r=2", safe=""),
        "tls.crt: "
        + _b64("-----BEGIN CERTIFICATE-----\nMIIB" + _rand(60) + "\n-----END CERTIFICATE-----\n"),
    ],
)
def test_encoded_text_without_secrets_is_not_a_finding(redactor: Redactor, text: str) -> None:
    """Prose, binary, hashes, ids, plain URLs and certificates are decoded and found clean."""
    assert [f for f in redactor.find(text) if f.detector == "plugin"] == []


def test_scanner_finds_a_kubernetes_secret_manifest() -> None:
    """`redact scan` reports the base64 private key of a Secret manifest at its line."""
    manifest = (
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: web-tls\n"
        f"data:\n  tls.crt: LS0tLS1\n  tls.key: {_b64(_pem())}\n"
    )
    findings = scan_text(
        build_redactor(ScanOptions()), manifest, ScanOptions(), path="k8s/tls.yaml"
    )
    assert [(f.line, f.rule_id) for f in findings] == [(8, "private-key-pem")]


def test_bad_bounds_are_refused() -> None:
    """Nonsense bounds raise at construction, naming the settings."""
    with pytest.raises(ValueError, match="min_length"):
        EncodedSecrets(Redactor.default(), min_length=2)
