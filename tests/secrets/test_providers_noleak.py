"""End to end: every provider writes through the real AuditLog and logging; no planted value leaks."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest

from redact import KnownSecrets
from redact.exceptions import RedactError, SecretTooShortError
from redact.secrets import (
    AwsSecretsManagerProvider,
    Category,
    ChainProvider,
    EnvProvider,
    FileProvider,
    VaultProvider,
)
from redact.secrets.audit import AuditLog, JsonLinesFileSink, LoggerSink, verify
from tests.secrets.conftest import Moto, OpenBao, planted
from tests.secrets.test_providers_files import kubelet_write

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("aws_env")]


def test_nothing_logged_or_audited_contains_a_value(
    tmp_path: Path, openbao: OpenBao, moto_server: Moto
) -> None:
    """Reads, rotations, refusals, scope denials and errors across all providers leak no value."""
    import boto3

    known = KnownSecrets(min_length=10)
    audit_file = tmp_path / "audit.jsonl"
    log_file = tmp_path / "app.log"
    handler = logging.FileHandler(log_file)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    # The whole process at INFO (werkzeug, urllib3, hvac, boto3 ...) and redact.* at DEBUG.
    # botocore's own DEBUG output prints raw response bodies before any caller sees
    # them; keeping third-party loggers above DEBUG is documented in secrets-providers.md.
    root_logger = logging.getLogger()
    ours = logging.getLogger("redact")
    old_level, old_ours = root_logger.level, ours.level
    root_logger.addHandler(handler)
    root_logger.setLevel(logging.INFO)
    ours.setLevel(logging.DEBUG)
    audit = AuditLog(
        sinks=[JsonLinesFileSink(audit_file, fsync=False), LoggerSink(logging.getLogger("audit"))],
        known=known,
    )
    values: list[str] = []

    def v() -> str:
        values.append(planted())
        return values[-1]

    errors: list[str] = []
    try:
        mount = tmp_path / "mount"
        mount.mkdir()
        kubelet_write(mount, {"tls.key": v()})
        env = EnvProvider(
            "APP_",
            environ={"APP_API_KEY": v(), "APP_SHORT": "abc123"},
            known=known,
            audit=audit,
            categories={"tls.*": Category.CRYPTOGRAPHIC},
        )
        files = FileProvider(
            mount, known=known, audit=audit, categories={"tls.*": Category.CRYPTOGRAPHIC}
        )
        vault = VaultProvider(openbao.url, token=openbao.root_token, known=known, audit=audit)
        aws = AwsSecretsManagerProvider(endpoint_url=moto_server.url, known=known, audit=audit)
        path = f"app/{uuid.uuid4().hex}"
        vault.put(path, v(), cas=0)
        vault.put(path, v(), cas=1)
        sm_name = f"noleak/{uuid.uuid4().hex}"
        boto3.client("secretsmanager", endpoint_url=moto_server.url).create_secret(
            Name=sm_name, SecretString=v()
        )
        chain = ChainProvider([env, files, vault, aws], audit=audit)
        for name in ("api.key", "tls.key", path, sm_name):
            chain.get(name)
        aws.rotate(sm_name, v(), test=lambda s: s.reveal().startswith("pv-"))
        kubelet_write(mount, {"tls.key": v()})
        files.get("tls.key")
        app = chain.scoped(categories=[Category.APPLICATION])
        for attempt in (
            lambda: app.get("tls.key"),
            lambda: chain.get("short"),
            lambda: vault.put(path, v(), cas=1),
            lambda: chain.get("missing.secret"),
        ):
            try:
                attempt()
            except (RedactError, KeyError) as exc:
                errors.append(f"{type(exc).__name__}: {exc!s} {exc!r}")
        assert len(errors) == 4
        logging.getLogger("app").info("all secrets loaded: %r", [chain.get("api.key")])
    finally:
        root_logger.removeHandler(handler)
        root_logger.setLevel(old_level)
        ours.setLevel(old_ours)
        handler.close()
    assert all(val in known for val in values)
    assert "abc123" not in known
    audit_text = audit_file.read_text()
    log_text = log_file.read_text()
    for event in ("secret_config.read", "secret.rotated", "secret.updated", "secret.access_denied"):
        assert event in audit_text
    assert '"fingerprint"' in audit_text
    assert verify(audit_file)
    for value in [*values, "abc123"]:
        for text in (audit_text, log_text, *errors):
            assert value not in text, "a planted value leaked into a sink"
    assert "redact.secrets" in log_text
    assert "shorter than the registry minimum" in log_text
    assert "access to 'tls.key' refused" in log_text
    assert any(e.startswith(SecretTooShortError.__name__) for e in errors)
