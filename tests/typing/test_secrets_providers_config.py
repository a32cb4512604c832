"""The provider configuration examples from docs/secrets-providers.md, type-checked and run."""

from __future__ import annotations

import secrets
from pathlib import Path

from redact import Redactor
from redact.secrets import (
    Category,
    ChainProvider,
    EnvProvider,
    FileProvider,
    Secret,
    SecretProvider,
)


def test_provider_examples_type_check_and_run(tmp_path: Path) -> None:
    """EnvProvider, FileProvider, a chain and a scoped handle as documented."""
    redactor = Redactor.default()
    value = secrets.token_urlsafe(24)
    env = EnvProvider(
        "APP_",
        redactor=redactor,
        environ={"APP_DB_PASSWORD": value},
        categories={"db.*": Category.INFRASTRUCTURE},
    )
    files = FileProvider(tmp_path, redactor=redactor, layout="flat")
    chain: SecretProvider = ChainProvider([env, files])
    db: Secret = chain.get("db.password")
    assert db.reveal() == value
    assert env.variable("db.password") == "APP_DB_PASSWORD"
    infra = chain.scoped(categories=[Category.INFRASTRUCTURE])
    assert infra.get("db.password").category is Category.INFRASTRUCTURE
    assert value not in redactor.redact(f"password={value}")
