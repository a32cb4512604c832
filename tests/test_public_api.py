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


def test_secrets_public_names() -> None:
    """The names ARCHITECTURE.md promises from redact.secrets resolve (lazy ones included)."""
    import redact.secrets as s

    promised = [
        "Secret",
        "Category",
        "EnvProvider",
        "FileProvider",
        "VaultProvider",
        "AwsSecretsManagerProvider",
        "ChainProvider",
        "KeyRegistry",
        "TenantSecretStore",
        "AuditLog",
    ]
    for name in promised:
        assert name in s.__all__, name
        assert getattr(s, name).__name__ == name
    assert s.__all__ == sorted(s.__all__)


def test_integration_public_names() -> None:
    """The adapter classes ARCHITECTURE.md names import from their module paths."""
    from redact.integrations.asgi import RedactMiddleware
    from redact.integrations.logging import RedactFilter, RedactingFormatter
    from redact.integrations.otel import (
        RedactingLogRecordProcessor,
        RedactingSpanExporter,
        RedactingSpanProcessor,
    )
    from redact.integrations.structlog import RedactProcessor

    for obj in (
        RedactProcessor,
        RedactFilter,
        RedactingFormatter,
        RedactMiddleware,
        RedactingSpanProcessor,
        RedactingSpanExporter,
        RedactingLogRecordProcessor,
    ):
        assert obj.__module__.startswith("redact.integrations.")
