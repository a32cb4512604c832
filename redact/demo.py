"""``make demo``: the main job on embedded defaults, with a short before/after.

Every credential below is synthetic, generated at run time in the provider's
format; none is real. The demo builds the default redactor, registers the
values a secret provider would have loaded, and redacts a sample of realistic
log lines (JSON, key=value, access log, traceback).
"""

from __future__ import annotations

import base64
import json
import secrets
import string
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from redact import Redactor

_ALNUM = string.ascii_letters + string.digits


def _rand(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _jwt() -> str:
    def seg(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{seg({'alg': 'RS256', 'kid': 'k-2026-11'})}.{seg({'sub': 'user-42'})}.{_rand(43)}"


def sample_lines(db_password: str, webhook_secret: str) -> list[str]:
    """Realistic log lines carrying planted synthetic secrets."""
    gh = "ghp_" + _rand(36)
    aws = "AKIA" + _rand(16, string.ascii_uppercase + "234567")
    stripe = "sk_live_" + _rand(24)
    b64_pw = base64.b64encode(f"app:{db_password}".encode()).decode()
    return [
        '{"level":"info","msg":"request handled","path":"/api/v1/users","status":200}',
        json.dumps({"level": "error", "msg": "db connect failed", "password": db_password}),
        f"connecting to postgres://app:{db_password}@db.internal:5432/app",
        f'10.0.0.7 - - "GET /hook?token={webhook_secret} HTTP/1.1" 200 12',
        f"Authorization: Bearer {_jwt()}",
        f"Authorization: Basic {b64_pw}",
        f"git clone https://x-access-token:{gh}@github.com/acme/app.git",
        f"aws_access_key_id={aws} region=eu-west-1",
        f'stripe.error.AuthenticationError: Invalid API Key provided: "{stripe}"',
        f"webhook signature check used secret {webhook_secret} (len=40)",
        "worker=3 job=rebuild-index took=182ms",
    ]


def _k8s_mount(root: Path, files: dict[str, str]) -> None:
    """Lay out a Kubernetes secret volume: ..data -> timestamped dir, names -> ..data/name."""
    stamp = root / "..2026_11_29_01_00_00.000000001"
    stamp.mkdir(parents=True)
    for name, value in files.items():
        (stamp / name).write_text(value)
    (root / "..data").symlink_to(stamp.name)
    for name in files:
        (root / name).symlink_to(f"..data/{name}")


def secrets_section(out: TextIO) -> int:
    """Providers load secrets, register them first, and audit access; logs stay clean."""
    from redact.secrets import EnvProvider, FileProvider
    from redact.secrets.audit import AuditLog, MemorySink

    redactor = Redactor.default()
    sink = MemorySink()
    audit = AuditLog(sinks=[sink], fingerprint_key=secrets.token_bytes(32), known=redactor.known)
    redis_password = _rand(24)
    api_key = "sk_live_" + _rand(24)
    with tempfile.TemporaryDirectory() as tmp:
        _k8s_mount(Path(tmp) / "mount", {"redis-password": redis_password})
        files = FileProvider(Path(tmp) / "mount", redactor=redactor, audit=audit)
        env = EnvProvider(
            "APP_", environ={"APP_PAYMENTS_KEY": api_key}, redactor=redactor, audit=audit
        )
        got = [files.get("redis-password"), env.get("PAYMENTS_KEY")]
    out.write("== secrets: providers register every value before returning it\n")
    for secret in got:
        out.write(f"loaded {secret!r}\n")
    line = f"redis AUTH {got[0].reveal()} failed; retrying payments with key {got[1].reveal()}"
    out.write(f"log line after redaction: {redactor.redact(line)}\n")
    events = [r.get("event") for r in sink.records]
    out.write(f"audit events (names and fingerprints only): {', '.join(map(str, events))}\n\n")
    leaked = any(v in repr(sink.records) for v in (redis_password, api_key))
    return 1 if leaked or redis_password in redactor.redact(line) else 0


def keys_section(out: TextIO) -> int:
    """JWT keys by kid: stage, promote, rotate; old tokens still verify; JWKS lists both."""
    from redact.secrets import KeyRegistry

    redactor = Redactor.default()
    with tempfile.TemporaryDirectory() as tmp:
        keys = KeyRegistry(Path(tmp) / "keys", known=redactor.known, issuer="demo", audience="api")
        first = keys.stage()
        keys.promote(first, force=True)
        token = keys.sign({"sub": "user-42"})
        second = keys.stage()
        keys.promote(second, force=True)
        claims = keys.verify(token, audience="api", issuer="demo")
        kids = [k["kid"][:12] for k in keys.jwks()["keys"]]
        pem_line = keys.store.read_private(second).decode().splitlines()[1]
    out.write("== keys: RS256 rotation by kid without downtime\n")
    out.write(f"JWKS publishes {len(kids)} keys: {', '.join(kids)}... (old one retiring)\n")
    out.write(f"token signed before the rotation still verifies: sub={claims['sub']}\n")
    out.write(
        f"a leaked private-key line in a log: {redactor.redact('key material ' + pem_line)}\n\n"
    )
    return 1 if pem_line in redactor.redact(pem_line) else 0


def _call_upstream(key: str) -> None:
    """Stand-in for a client library whose error message echoes the credential."""
    msg = f"upstream refused key {key}"
    raise ConnectionError(msg)


def logging_section(out: TextIO) -> int:
    """structlog and stdlib logging wired with the adapters: the sinks never see a secret."""
    import io
    import logging

    import structlog

    from redact.integrations.logging import RedactFilter
    from redact.integrations.structlog import RedactProcessor

    redactor = Redactor.default()
    token = _rand(32)
    redactor.known.add(token, label="payments.api_key")
    buf = io.StringIO()
    log = structlog.wrap_logger(
        structlog.PrintLogger(buf),
        processors=[
            structlog.processors.dict_tracebacks,
            RedactProcessor(redactor),
            structlog.processors.JSONRenderer(),
        ],
    )
    log.info("charge", api_key=token, headers={"Authorization": f"Bearer {token}"}, amount=42)
    try:
        _call_upstream(token)
    except ConnectionError:
        log.exception("charge failed")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter(redactor))
    std = logging.getLogger("redact.demo")
    std.addHandler(handler)
    std.propagate = False
    std.warning("retrying with key %s", token, extra={"client_secret": token})
    std.removeHandler(handler)
    out.write("== integrations: structlog and logging sinks\n")
    out.write(buf.getvalue().splitlines()[0] + "\n")
    out.write(f"exception event mentions the key: {token in buf.getvalue()}\n")
    out.write(f"stdlib: {stream.getvalue()}\n")
    return 1 if token in buf.getvalue() + stream.getvalue() else 0


def scan_section(out: TextIO) -> int:
    """`redact scan --git`: a secret committed then deleted is still found in history."""
    import os
    import subprocess

    from redact.cli import main as cli

    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "demo",
        "GIT_AUTHOR_EMAIL": "demo@example.invalid",
        "GIT_COMMITTER_NAME": "demo",
        "GIT_COMMITTER_EMAIL": "demo@example.invalid",
    }
    with tempfile.TemporaryDirectory() as tmp:

        def git(*args: str) -> None:
            subprocess.run(["git", "-C", tmp, *args], check=True, env=env, capture_output=True)

        git("init", "-q")
        cfg = Path(tmp) / "settings.py"
        cfg.write_text(f'STRIPE_KEY = "sk_live_{_rand(24)}"\n')
        git("add", ".")
        git("commit", "-qm", "add settings")
        cfg.write_text('STRIPE_KEY = os.environ["STRIPE_KEY"]\n')
        git("commit", "-qam", "read the key from the environment")
        out.write("== scan: redact scan --git over a repository whose HEAD is clean\n")
        out.flush()
        code = cli(["scan", "--git", tmp, "--format", "text"])
    out.write(f"exit code {code} (1 = findings)\n\n")
    return 0 if code == 1 else 1


def main() -> int:
    """Run the demo and print before/after."""
    redactor = Redactor.default()
    db_password = _rand(20)
    webhook_secret = "whsec_" + _rand(32)
    # What a provider does at load time: every value goes into the registry first.
    redactor.known.add(db_password, label="db.password", category="infrastructure")
    redactor.known.add(webhook_secret, label="webhook.secret", category="application")
    lines = sample_lines(db_password, webhook_secret)
    out = sys.stdout
    out.write("redact demo: default pack + 2 known secrets (all values synthetic)\n")
    out.write(f"engine: {redactor!r}\n\n")
    for line in lines:
        red = redactor.redact(line)
        tag = "  (unchanged)" if red is line else ""
        out.write(f"before: {line}\nafter:  {red}{tag}\n\n")
    leaked = [line for line in lines if db_password in redactor.redact(line)]
    out.write("throughput and latency: see `make bench` and docs/performance.md\n")
    out.write("\n")
    status = 1 if leaked else 0
    for section in (logging_section, secrets_section, keys_section, scan_section):
        status |= section(out)
    out.write("demo finished: " + ("no leaks\n" if status == 0 else "LEAK DETECTED\n"))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
