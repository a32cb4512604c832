"""The public surface changes only on purpose: this test pins it."""

from __future__ import annotations

import redact


def test_all_is_pinned_and_sorted() -> None:
    """``redact.__all__`` is exactly the documented list, sorted, and every name resolves."""
    expected = [
        "ERROR_PLACEHOLDER",
        "ConfigError",
        "Finding",
        "FingerprintMask",
        "FixedMask",
        "JwtMask",
        "KeyNames",
        "KnownSecrets",
        "LabelledMask",
        "Mask",
        "PartialMask",
        "RedactError",
        "Redactor",
        "Rule",
        "RulePack",
        "RulePackError",
        "SecretTooShortError",
        "__version__",
        "fingerprint",
    ]
    assert redact.__all__ == expected
    assert sorted(redact.__all__, key=str.casefold) == sorted(expected, key=str.casefold)
    for name in expected:
        assert hasattr(redact, name), name


def test_core_imports_no_integration_framework() -> None:
    """Importing the core pulls in no framework (structlog, OTel, Starlette)."""
    import subprocess
    import sys

    code = (
        "import sys, redact; "
        "bad = [m for m in ('structlog', 'opentelemetry', 'starlette') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
