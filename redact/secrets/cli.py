"""``redact keys ...`` over a key store and ``redact audit keygen|upgrade|verify``.

``--store`` is a directory (:class:`FileKeyStore`), ``vault:<kv-path>``
(:class:`VaultKeyStore`, from ``VAULT_ADDR``/``VAULT_TOKEN``) or
``aws-sm:<name>`` (:class:`AwsKeyStore`, boto3's usual credential chain).

Exit codes: 0 done, 1 refused (a lifecycle rule said no) or tampered (audit
verify), 2 usage (bad arguments, unreadable store or file). Only public
material is printed: kids, states, timestamps and the JWKS.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redact._optional import extra
from redact.exceptions import ConfigError, KeyStateError, SecretsError
from redact.secrets.audit import AuditLog, Ed25519Signer, JsonLinesFileSink, upgrade, verify
from redact.secrets.keys import (
    AwsKeyStore,
    FileKeyStore,
    KeyRegistry,
    KeyStore,
    RotationPolicy,
    VaultKeyStore,
)

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``keys`` and ``audit`` commands to the ``redact`` parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--store",
        required=True,
        help="key store: a directory, vault:<kv-path> (VAULT_ADDR/VAULT_TOKEN) "
        "or aws-sm:<name> (boto3 credentials)",
    )
    common.add_argument("--vault-mount", default="secret", help="KV v2 mount for vault:")
    common.add_argument("--audit", type=Path, help="append audit events to this JSON-lines file")
    common.add_argument(
        "--audit-signing-key", type=Path, help="Ed25519 PEM key that signs the audit digests"
    )
    common.add_argument("--jwks-ttl", type=float, default=300.0, help="JWKS cache TTL (s)")
    common.add_argument("--max-token-ttl", type=float, default=3600.0, help="longest token (s)")
    common.add_argument("--clock-skew", type=float, default=60.0, help="allowed skew (s)")

    keys = subparsers.add_parser("keys", help="manage RS256 signing keys (kid lifecycle)")
    actions = keys.add_subparsers(dest="keys_action", metavar="ACTION", required=True)

    stage = actions.add_parser("stage", parents=[common], help="create a pending key")
    stage.add_argument("--key-size", type=int, default=2048)
    stage.add_argument("--import", dest="import_pem", type=Path, help="stage this PEM key")
    stage.set_defaults(handler=_stage)

    promote = actions.add_parser("promote", parents=[common], help="make a pending key active")
    _kid_arguments(promote, "the pending kid (default: the only one)")
    promote.add_argument("--force", action="store_true", help="skip the JWKS TTL wait")
    promote.set_defaults(handler=_promote)

    sweep = actions.add_parser("sweep", parents=[common], help="retire expired retiring keys")
    sweep.set_defaults(handler=_sweep)

    revoke = actions.add_parser("revoke", parents=[common], help="withdraw a key now")
    _kid_arguments(revoke, "the kid to withdraw (required)")
    revoke.add_argument("--reason", required=True)
    revoke.set_defaults(handler=_revoke)

    rotate = actions.add_parser(
        "rotate", parents=[common], help="one idempotent step of a rotation policy (for cron)"
    )
    rotate.add_argument(
        "--policy",
        required=True,
        help="rotate_every=DURATION[,stage_ahead=DURATION], e.g. rotate_every=30d,stage_ahead=1d",
    )
    rotate.set_defaults(handler=_rotate)

    jwks = actions.add_parser("jwks", parents=[common], help="print the public JWK Set")
    jwks.set_defaults(handler=_jwks)

    status = actions.add_parser("status", parents=[common], help="list keys and states")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=_status)

    audit = subparsers.add_parser("audit", help="audit log tools")
    audit_actions = audit.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    check = audit_actions.add_parser(
        "verify", help="check an audit log's chain and signed digests; name any tampering"
    )
    check.add_argument("file", type=Path)
    check.add_argument("--chain-key-file", type=Path, help="file holding the chain HMAC key")
    check.add_argument(
        "--public-key",
        type=Path,
        action="append",
        help="Ed25519 public key (PEM) of the digest signer; repeat for rotated keys",
    )
    check.add_argument("--digests", type=Path, help="digest file (default: FILE.digests)")
    check.add_argument(
        "--anchor", type=Path, help="the latest digest kept elsewhere (JSON), to catch cut-backs"
    )
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=_audit_verify)

    keygen = audit_actions.add_parser("keygen", help="create an Ed25519 digest signing key")
    keygen.add_argument("--private", type=Path, required=True, help="new private PEM (0600)")
    keygen.add_argument("--public", type=Path, required=True, help="public PEM for verifiers")
    keygen.set_defaults(handler=_audit_keygen)

    up = audit_actions.add_parser(
        "upgrade", help="verify an unsigned (format 1 or 2) log and start signing it"
    )
    up.add_argument("file", type=Path)
    up.add_argument("--signing-key", type=Path, required=True, help="Ed25519 private PEM")
    up.add_argument("--chain-key-file", type=Path, help="file holding the chain HMAC key")
    up.add_argument("--digest-every", type=int, default=1, help="records per digest")
    up.set_defaults(handler=_audit_upgrade)


def _fail(prefix: str, exc: BaseException, code: int) -> int:
    print(f"redact {prefix}: error: {exc}", file=sys.stderr)
    return code


def _store(args: argparse.Namespace) -> KeyStore:
    spec: str = args.store
    if spec.startswith("vault:"):
        with extra("vault", feature="redact keys --store vault:"):
            import hvac

        url = os.environ.get("VAULT_ADDR") or os.environ.get("BAO_ADDR")
        token = os.environ.get("VAULT_TOKEN") or os.environ.get("BAO_TOKEN")
        if not url or not token:
            msg = "--store vault:... needs VAULT_ADDR and VAULT_TOKEN (or BAO_ADDR, BAO_TOKEN)"
            raise ConfigError(msg)
        client = hvac.Client(url=url, token=token, timeout=10)
        return VaultKeyStore(client, path=spec[len("vault:") :], mount_point=args.vault_mount)
    if spec.startswith("aws-sm:"):
        with extra("aws", feature="redact keys --store aws-sm:"):
            import boto3

        return AwsKeyStore(boto3.client("secretsmanager"), name=spec[len("aws-sm:") :])
    return FileKeyStore(Path(spec))


def _registry(args: argparse.Namespace) -> KeyRegistry:
    audit = None
    if args.audit is not None:
        signer = None
        if args.audit_signing_key is not None:
            signer = Ed25519Signer.from_file(args.audit_signing_key)
        audit = AuditLog(sinks=[JsonLinesFileSink(args.audit, signer=signer)], actor="cli")
    return KeyRegistry(
        _store(args),
        audit=audit,
        jwks_cache_ttl=args.jwks_ttl,
        max_token_ttl=args.max_token_ttl,
        clock_skew=args.clock_skew,
        key_size=getattr(args, "key_size", 2048),
        actor="cli",
    )


def _run(args: argparse.Namespace, action: Any) -> int:
    try:
        return int(action(_registry(args)))
    except KeyStateError as exc:
        return _fail("keys", exc, 1)
    except (ConfigError, SecretsError, OSError) as exc:
        return _fail("keys", exc, 2)
    except Exception as exc:  # a remote store failed: name the failure, not its payload
        print(
            f"redact keys: error: key store {args.store!r} failed: {type(exc).__name__}",
            file=sys.stderr,
        )
        return 2


def _stage(args: argparse.Namespace) -> int:
    def action(reg: KeyRegistry) -> int:
        pem = args.import_pem.read_bytes() if args.import_pem is not None else None
        print(reg.stage(private_key_pem=pem))
        return 0

    return _run(args, action)


def _kid_arguments(parser: argparse.ArgumentParser, help_text: str) -> None:
    """Take a ``kid`` as ``--kid KID`` or as a positional argument.

    A ``kid`` is a base64url thumbprint, so one in 64 starts with ``-``, which argparse
    reads as an option when it is positional; ``--kid=-Xb3…`` is always safe.
    """
    parser.add_argument("kid", nargs="?", help=f"{help_text}; or use --kid")
    parser.add_argument(
        "--kid",
        dest="kid_option",
        metavar="KID",
        help="the kid as an option: write --kid=KID for a kid starting with '-'",
    )


def _kid_of(args: argparse.Namespace, *, required: bool) -> str | None:
    """The ``kid`` given positionally or by ``--kid``.

    Raises :class:`ConfigError` when two different kids are given, or none when one is required.
    """
    positional: str | None = args.kid
    option: str | None = args.kid_option
    if positional is not None and option is not None and positional != option:
        raise ConfigError("give the kid once: positionally or with --kid, not both")
    kid = option if option is not None else positional
    if required and kid is None:
        raise ConfigError("a kid is required: --kid KID (or --kid=KID if it starts with '-')")
    return kid


def _promote(args: argparse.Namespace) -> int:
    try:
        kid = _kid_of(args, required=False)
    except ConfigError as exc:
        return _fail("keys", exc, 2)

    def action(reg: KeyRegistry) -> int:
        print(reg.promote(kid, force=args.force))
        return 0

    return _run(args, action)


def _sweep(args: argparse.Namespace) -> int:
    def action(reg: KeyRegistry) -> int:
        for kid in reg.sweep():
            print(kid)
        return 0

    return _run(args, action)


def _rotate(args: argparse.Namespace) -> int:
    try:
        policy = RotationPolicy.parse(args.policy)
    except ConfigError as exc:
        return _fail("keys", exc, 2)

    def action(reg: KeyRegistry) -> int:
        done = reg.rotate(policy)
        for line in done:
            print(line)
        if not done:
            print(f"nothing due (active key: {reg.active_kid or 'none'})")
        return 0

    return _run(args, action)


def _revoke(args: argparse.Namespace) -> int:
    try:
        kid = _kid_of(args, required=True)
    except ConfigError as exc:
        return _fail("keys", exc, 2)

    def action(reg: KeyRegistry) -> int:
        reg.revoke(str(kid), reason=args.reason)
        print(kid)
        return 0

    return _run(args, action)


def _jwks(args: argparse.Namespace) -> int:
    def action(reg: KeyRegistry) -> int:
        print(json.dumps(reg.jwks(), indent=2, sort_keys=True))
        return 0

    return _run(args, action)


def _iso(ts: float | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _status(args: argparse.Namespace) -> int:
    def action(reg: KeyRegistry) -> int:
        records = reg.status()
        if args.json:
            print(json.dumps([r.to_json() for r in records], indent=2, sort_keys=True))
            return 0
        print(f"{'KID':<44} {'STATE':<9} {'CREATED':<25} {'ACTIVATED':<25} VERIFIES UNTIL")
        for r in records:
            until = _iso(r.verify_until) if r.verify_until is not None else "-"
            print(
                f"{r.kid:<44} {r.state.value:<9} {_iso(r.created_at):<25} "
                f"{_iso(r.activated_at):<25} {until}"
            )
        return 0

    return _run(args, action)


def _audit_verify(args: argparse.Namespace) -> int:
    try:
        key = args.chain_key_file.read_bytes().rstrip(b"\n") if args.chain_key_file else None
        anchor = json.loads(args.anchor.read_text()) if args.anchor is not None else None
        result = verify(
            args.file,
            chain_key=key,
            public_keys=args.public_key or None,
            digest_path=args.digests,
            anchor=anchor,
        )
    except (ConfigError, OSError, ValueError) as exc:
        return _fail("audit verify", exc, 2)
    if args.json:
        doc = {
            "ok": result.ok,
            "kind": result.kind,
            "records": result.records,
            "digests": result.digests,
            "unsigned_tail": result.unsigned_tail,
            "head": result.head,
            "line": result.line,
            "reason": result.reason,
        }
        print(json.dumps(doc, sort_keys=True))
    elif result.ok:
        signed = f", signed by {result.digests} digest(s)" if result.digests else " (unsigned)"
        tail = f", {result.unsigned_tail} records after the last digest" * bool(
            result.unsigned_tail
        )
        print(f"{args.file}: ok, {result.records} records{signed}{tail}, head {result.head}")
    else:
        where = f"{args.file}:{result.line}" if result.line is not None else str(args.file)
        print(f"{where}: {result.reason} [{result.kind}]")
    return 0 if result.ok else 1


def _audit_keygen(args: argparse.Namespace) -> int:
    try:
        signer = Ed25519Signer.generate(args.private)
        args.public.write_bytes(signer.public_pem())
    except (ConfigError, OSError) as exc:
        return _fail("audit keygen", exc, 2)
    print(f"key_id {signer.key_id}: private key {args.private} (0600), public key {args.public}")
    return 0


def _audit_upgrade(args: argparse.Namespace) -> int:
    try:
        key = args.chain_key_file.read_bytes().rstrip(b"\n") if args.chain_key_file else None
        signer = Ed25519Signer.from_file(args.signing_key)
        result = upgrade(args.file, signer, chain_key=key, digest_every=args.digest_every)
    except (ConfigError, OSError) as exc:
        return _fail("audit upgrade", exc, 2)
    if not result.ok:  # pragma: no cover - upgrade verifies its own result
        print(f"{args.file}: {result.kind}: {result.reason}")
        return 1
    print(f"{args.file}: signed, {result.records} records, {result.digests} digests")
    return 0
