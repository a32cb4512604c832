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
import time

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
    corpus = lines * 2000
    t0 = time.perf_counter()
    for line in corpus:
        redactor.redact(line)
    dt = time.perf_counter() - t0
    size = sum(map(len, corpus)) / 1e6
    out.write(
        f"{len(corpus)} lines, {size:.1f} MB in {dt:.2f} s: "
        f"{len(corpus) / dt:,.0f} lines/s, {size / dt:.1f} MB/s; leaks: {len(leaked)}\n"
    )
    return 1 if leaked else 0


if __name__ == "__main__":
    raise SystemExit(main())
