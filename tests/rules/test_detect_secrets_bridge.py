"""The detect-secrets bridge: its plugins and its filters, as a Redactor detector source."""

from __future__ import annotations

import secrets
import string
import threading

import pytest

from redact import Redactor
from redact.detect_secrets_bridge import DetectSecretsDetector, plugin_rule_id
from redact.exceptions import ConfigError

pytest.importorskip("detect_secrets")


def _aws_key() -> str:
    return "AKIA" + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


def _b64ish(n: int = 40) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


@pytest.fixture(scope="module")
def ds() -> DetectSecretsDetector:
    """One bridge with every plugin and the default filters."""
    return DetectSecretsDetector()


def test_findings_are_spans_with_plugin_ids(ds: DetectSecretsDetector) -> None:
    """Plugins report ds-<plugin> findings whose spans are exactly the secret values."""
    key, entropy = _aws_key(), _b64ish()
    text = f'first line\naws = {key}\nsecret_key = "{entropy}"\n'
    found = ds(text)
    by_id = {f.rule_id: text[f.start : f.end] for f in found}
    assert by_id["ds-aws-key"] == key
    assert by_id["ds-keyword"] == entropy
    assert all(f.detector == "plugin" and f.rule_id.startswith("ds-") for f in found)
    assert all(key not in repr(f) for f in found)


def test_false_positive_filters_apply(ds: DetectSecretsDetector) -> None:
    """detect-secrets' own filters drop templates, UUIDs, sequential strings and allowlisted lines."""
    entropy = _b64ish()
    text = "\n".join(
        [
            'password = "${DB_PASSWORD}"',
            "id = 550e8400-e29b-41d4-a716-446655440000",
            'secret = "abcdefghijklmnopqrstuvwxyz0123456789"',
            f'api_key = "{entropy}"  # pragma: allowlist secret',
        ]
    )
    assert ds(text) == []


def test_plugs_into_redactor_and_masks(ds: DetectSecretsDetector) -> None:
    """Redactor(detectors=[bridge]) masks what only detect-secrets' entropy plugins find."""
    # detect-secrets' own filters drop some random strings (about 1 in 30 drawn here): take
    # one its plugins report, the property under test is what the Redactor does with it.
    blob = next(b for b in (_b64ish(48) for _ in range(200)) if ds(f'payload "{b}" end'))
    red = Redactor(detectors=[ds], key_names_in_text=False)
    out = red.redact(f'payload "{blob}" end')
    assert blob not in out and "[REDACTED:ds-base64-high-entropy-string]" in out
    assert red.redact("nothing to see here") == "nothing to see here"


def test_plugin_selection_and_errors() -> None:
    """Only chosen plugins run; an unknown plugin name is a ConfigError listing the available ones."""
    only_aws = DetectSecretsDetector(plugins=["AWSKeyDetector"])
    text = f'{_aws_key()} and password = "{_b64ish()}"'
    assert {f.rule_id for f in only_aws(text)} == {"ds-aws-key"}
    with pytest.raises(ConfigError, match="NoSuchDetector.*available: .*AWSKeyDetector"):
        DetectSecretsDetector(plugins=["NoSuchDetector"])


def test_global_settings_restored_and_thread_safe(ds: DetectSecretsDetector) -> None:
    """Calls from many threads agree, and detect-secrets' global settings are restored afterwards."""
    from detect_secrets.settings import get_settings

    before = get_settings().json()
    key = _aws_key()
    results: list[int] = []

    def work() -> None:
        for _ in range(10):
            results.append(len([f for f in ds(f"k {key}") if f.rule_id == "ds-aws-key"]))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [1] * 40
    assert get_settings().json() == before


@pytest.mark.parametrize(
    ("cls", "rule_id"),
    [
        ("AWSKeyDetector", "ds-aws-key"),
        ("Base64HighEntropyString", "ds-base64-high-entropy-string"),
        ("GitHubTokenDetector", "ds-github-token"),
        ("IPPublicDetector", "ds-ip-public"),
        ("KeywordDetector", "ds-keyword"),
    ],
)
def test_rule_ids(cls: str, rule_id: str) -> None:
    """Plugin class names become stable, readable rule ids."""
    assert plugin_rule_id(cls) == rule_id
