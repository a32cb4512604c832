"""KeyRegistry, AuditLog and TenantSecretStore costs, each against a baseline in the same run.

Run: ``.venv/bin/python benchmarks/bench_keys.py``. Figures are medians of several
repetitions; the ratios (registry vs bare PyJWT, audited vs bare AES-GCM, ...) are
what to compare on a shared, noisy machine.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jwt
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from benchmarks._timing import per_call_us
from redact import KnownSecrets, Redactor
from redact.secrets.audit import AuditLog, JsonLinesFileSink, MemorySink
from redact.secrets.keys import KeyRegistry
from redact.secrets.tenants import LocalKek, TenantSecretStore


def bench_tokens(tmp: Path) -> list[tuple[str, float, str]]:
    """sign/verify through the registry (kid lookup, manifest stat, own time checks) vs PyJWT."""
    reg = KeyRegistry(tmp / "keys", known=KnownSecrets())
    reg.stage()
    reg.promote(force=True)
    reg.stage()  # a pending key too: verify must pick by kid among several
    key = reg._load_private(reg.status()[0])  # the active private key, for the baseline
    public = key.public_key()
    kid = reg.active_kid
    token = reg.sign({"sub": "bench"})
    sign_reg = per_call_us(lambda: reg.sign({"sub": "bench"}), 300)
    sign_raw = per_call_us(
        lambda: jwt.encode({"sub": "bench"}, key, algorithm="RS256", headers={"kid": kid}), 300
    )
    verify_reg = per_call_us(lambda: reg.verify(token), 2000)
    verify_raw = per_call_us(lambda: jwt.decode(token, public, algorithms=["RS256"]), 2000)
    return [
        ("sign (registry)", sign_reg, f"{sign_reg / sign_raw:.2f}x bare jwt.encode"),
        ("sign (bare PyJWT)", sign_raw, ""),
        (
            "verify (registry, 2 keys)",
            verify_reg,
            f"{verify_reg / verify_raw:.2f}x bare jwt.decode",
        ),
        ("verify (bare PyJWT)", verify_raw, ""),
    ]


def bench_audit(tmp: Path) -> list[tuple[str, float, str]]:
    """emit() into memory, into the chained file without and with fsync."""
    known = KnownSecrets()
    known.add(secrets.token_urlsafe(24), label="x")
    red = Redactor.default(known=known)
    mem = AuditLog(sinks=[MemorySink(maxlen=100)])
    scrubbed = AuditLog(sinks=[MemorySink(maxlen=100)], redactor=red)
    nofsync = AuditLog(sinks=[JsonLinesFileSink(tmp / "a.jsonl", fsync=False)])
    fsync = AuditLog(sinks=[JsonLinesFileSink(tmp / "b.jsonl")])

    def emit(log: AuditLog) -> Callable[[], None]:
        return lambda: log.emit("secret.read", tenant="t", name="db", version=3, kid="k1")

    base = per_call_us(emit(mem), 5000)
    rows = [
        ("audit emit -> memory", base, "1.00x"),
        ("audit emit -> memory, redactor scrub", per_call_us(emit(scrubbed), 5000), ""),
        ("audit emit -> chained file, no fsync", per_call_us(emit(nofsync), 2000), ""),
        ("audit emit -> chained file, fsync", per_call_us(emit(fsync), 200), ""),
    ]
    return [(n, us, f"{us / base:.1f}x memory") for n, us, _ in rows]


def bench_tenants(tmp: Path) -> list[tuple[str, float, str]]:
    """get() (SQLite row, unwrap, decrypt, register, audit) vs bare AES-GCM of the same value."""
    store = TenantSecretStore(tmp / "t.sqlite", kek=LocalKek.generate(), known=KnownSecrets())
    value = secrets.token_urlsafe(32)
    store.put(tenant_id="acme", name="db", value=value)
    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    nonce = secrets.token_bytes(12)
    ct = aead.encrypt(nonce, value.encode(), b"ad")
    get = per_call_us(lambda: store.get(tenant_id="acme", name="db"), 2000)
    raw = per_call_us(lambda: aead.decrypt(nonce, ct, b"ad"), 20000)
    counter = iter(range(10**9))
    put = per_call_us(
        lambda: store.put(tenant_id="acme", name=f"n{next(counter)}", value=value), 200
    )
    store.close()
    return [
        ("tenant get (latest version)", get, f"{get / raw:.0f}x one bare AES-GCM decrypt"),
        ("tenant put (new record, journaled commit)", put, ""),
        ("bare AES-GCM decrypt", raw, ""),
    ]


def main() -> int:
    """Run every benchmark and print a table."""
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = bench_tokens(tmp) + bench_audit(tmp) + bench_tenants(tmp)
    print(f"{'measure':<45} {'median us/call':>15}  ratio")
    for name, us, ratio in rows:
        print(f"{name:<45} {us:>15.1f}  {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
