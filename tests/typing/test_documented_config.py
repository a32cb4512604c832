"""The configuration examples from the docs, type-checked by mypy (strict) and run."""

from __future__ import annotations

from redact import FixedMask, KnownSecrets, Redactor, RulePack


def test_quickstart_examples_type_check_and_run() -> None:
    """The quickstart snippets are valid, typed code that behaves as documented."""
    redactor: Redactor = Redactor.default()
    redactor.known.add("synthetic-db-password-1", label="db.password")
    # redact:allow url-credentials documented example value
    out: str = redactor.redact("connecting to postgres://app:s3cr3t-pw@db:5432/app")
    assert out == "connecting to postgres://app:[REDACTED]@db:5432/app"
    masked = redactor.redact_obj({"user": "ann", "password": "x", "cfg": {"api_key": 7}})
    assert masked == {
        "user": "ann",
        "password": "[REDACTED:sensitive-key]",
        "cfg": {"api_key": "[REDACTED:sensitive-key]"},
    }
    fixed = Redactor.default(mask=FixedMask())
    assert fixed.redact("password=abcdefgh1") == "password=[REDACTED]"
    shared = KnownSecrets(min_length=12)
    two = Redactor(rules=[RulePack.builtin("default")], known=shared)
    fingerprinted = Redactor.default(
        known=shared, mask="fingerprint", fingerprint_key=b"0" * 32, fingerprint_key_id="k1"
    )
    assert two.known is fingerprinted.known
