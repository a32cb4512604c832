"""``redact keys ...`` and ``redact audit verify``: handlers through argparse, and the real script."""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
from pathlib import Path

import hvac
import jwt
import pytest

from redact.secrets.cli import register
from redact.secrets.keys import AwsKeyStore, KeyRegistry, KeyState, VaultKeyStore
from tests.secrets._moto import moto_clients
from tests.secrets.conftest import OpenBao


def _run(argv: list[str]) -> int:
    """Parse ``argv`` with a parser built by register() and call the chosen handler."""
    parser = argparse.ArgumentParser(prog="redact")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


def _keys(store: Path, action: str, *extra: str) -> list[str]:
    """argv for ``redact keys <action> --store DIR ...``."""
    return ["keys", action, "--store", str(store), *extra]


def test_full_lifecycle_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """stage, promote, status, jwks, sweep and revoke work and print only public data."""
    store = tmp_path / "keys"
    audit = tmp_path / "audit.jsonl"
    assert _run(_keys(store, "stage", "--audit", str(audit))) == 0
    first = capsys.readouterr().out.strip()
    assert _run(_keys(store, "promote", "--audit", str(audit))) == 1  # JWKS TTL not yet over
    err = capsys.readouterr().err
    assert "JWKS cache TTL" in err
    # A kid is an RFC 7638 thumbprint (base64url): one in 64 starts with "-", which argparse
    # reads as an option unless it follows "--" (as docs/secrets-keys.md shows).
    assert _run(_keys(store, "promote", "--force", "--audit", str(audit), "--", first)) == 0
    assert capsys.readouterr().out.strip() == first
    assert _run(_keys(store, "stage", "--audit", str(audit))) == 0
    second = capsys.readouterr().out.strip()
    assert _run(_keys(store, "promote", "--jwks-ttl", "0", "--audit", str(audit))) == 0
    assert capsys.readouterr().out.strip() == second

    assert _run(_keys(store, "jwks")) == 0
    jwks = json.loads(capsys.readouterr().out)
    assert {k["kid"] for k in jwks["keys"]} == {first, second}
    assert all(set(k) == {"kty", "n", "e", "kid", "alg", "use"} for k in jwks["keys"])

    assert _run(_keys(store, "status", "--json")) == 0
    states = {r["kid"]: r["state"] for r in json.loads(capsys.readouterr().out)}
    assert states == {first: "retiring", second: "active"}
    assert _run(_keys(store, "status")) == 0
    table = capsys.readouterr().out
    assert "retiring" in table
    assert second in table

    assert _run(_keys(store, "sweep", "--max-token-ttl", "0", "--clock-skew", "0")) == 0
    assert capsys.readouterr().out.strip() == ""  # verify_until was fixed at promotion
    assert (
        _run(_keys(store, "revoke", "--reason", "drill", "--audit", str(audit), "--", first)) == 0
    )
    capsys.readouterr()
    assert KeyRegistry(store).status()[0].state is KeyState.REVOKED

    assert _run(["audit", "verify", str(audit)]) == 0
    assert "ok, 7 records" in capsys.readouterr().out
    pems = [p.read_text() for p in store.glob("*.pem")]
    assert pems
    logged = audit.read_text()
    assert all(p not in logged for p in pems)


def test_kid_option_takes_a_kid_that_starts_with_a_dash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--kid=KID`` reaches the registry even when the kid starts with ``-`` (1 kid in 64)."""
    store = tmp_path / "keys"
    dashed = "-" + secrets.token_urlsafe(32)[:42]
    assert _run(_keys(store, "revoke", f"--kid={dashed}", "--reason", "drill")) == 1
    err = capsys.readouterr().err
    assert "redact keys: error:" in err
    with pytest.raises(SystemExit) as info:  # positional: argparse reads it as an option
        _run(_keys(store, "revoke", dashed, "--reason", "drill"))
    assert info.value.code == 2
    capsys.readouterr()

    assert _run(_keys(store, "stage")) == 0
    kid = capsys.readouterr().out.strip()
    assert _run(_keys(store, "promote", "--force", f"--kid={kid}")) == 0
    assert capsys.readouterr().out.strip() == kid
    assert _run(_keys(store, "revoke", "--kid", kid, "--reason", "drill")) == 0
    assert capsys.readouterr().out.strip() == kid
    assert KeyRegistry(store).status()[0].state is KeyState.REVOKED


def test_kid_given_twice_or_not_at_all_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two different kids, or revoke without any, exit 2 with a message naming the fix."""
    store = tmp_path / "keys"
    assert _run(_keys(store, "revoke", "one", "--kid=two", "--reason", "x")) == 2
    assert "give the kid once" in capsys.readouterr().err
    assert _run(_keys(store, "revoke", "--reason", "x")) == 2
    assert "a kid is required: --kid KID" in capsys.readouterr().err
    assert _run(_keys(store, "promote", "one", "--kid=two")) == 2
    assert "give the kid once" in capsys.readouterr().err


def test_sweep_retires_after_the_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A key deactivated with a zero window is retired by the next sweep and leaves the JWKS."""
    store = tmp_path / "keys"
    opts = ["--max-token-ttl", "0", "--clock-skew", "0", "--jwks-ttl", "0"]
    for _ in range(2):
        assert _run(_keys(store, "stage", *opts)) == 0
        assert _run(_keys(store, "promote", *opts)) == 0
    first = capsys.readouterr().out.split()[0]
    assert _run(_keys(store, "sweep", *opts)) == 0
    assert capsys.readouterr().out.split() == [first]
    assert _run(_keys(store, "jwks")) == 0
    assert first not in capsys.readouterr().out


def test_refusals_and_usage_errors_have_distinct_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Lifecycle refusals exit 1, a broken store exits 2, argparse errors exit 2."""
    store = tmp_path / "keys"
    assert _run(_keys(store, "promote", "--force")) == 1
    assert "0 pending keys" in capsys.readouterr().err
    assert _run(_keys(store, "revoke", "nope", "--reason", "x")) == 1
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text("{broken")
    assert _run(_keys(bad, "status")) == 2
    assert "not valid JSON" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        _run(["keys", "revoke", "--store", str(store), "kid-without-reason"])
    assert info.value.code == 2
    capsys.readouterr()
    pem = tmp_path / "weak.pem"
    pem.write_text("not a key")
    assert _run(_keys(store, "stage", "--import", str(pem))) == 2


def test_audit_verify_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """audit verify: 0 for an intact log, 1 naming the line for a tampered one, 2 if unreadable."""
    store = tmp_path / "keys"
    audit = tmp_path / "audit.jsonl"
    for _ in range(3):
        _run(_keys(store, "stage", "--audit", str(audit)))
    capsys.readouterr()
    assert _run(["audit", "verify", str(audit), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["records"] == 3
    lines = audit.read_text().splitlines()
    del lines[2]
    audit.write_text("\n".join(lines) + "\n")
    assert _run(["audit", "verify", str(audit)]) == 1
    assert f"{audit}:3: seq jumps" in capsys.readouterr().out
    assert _run(["audit", "verify", str(tmp_path / "missing.jsonl")]) == 2


def test_console_script_end_to_end(tmp_path: Path) -> None:
    """The installed ``redact`` script stages and promotes; a token it makes verifies here."""
    script = Path(sys.executable).parent / "redact"
    store = tmp_path / "keys"
    audit = tmp_path / "audit.jsonl"

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), *argv], capture_output=True, text=True, timeout=60, check=False
        )

    staged = run("keys", "stage", "--store", str(store), "--audit", str(audit))
    assert staged.returncode == 0, staged.stderr
    kid = staged.stdout.strip()
    promoted = run("keys", "promote", "--force", "--store", str(store), "--audit", str(audit))
    assert promoted.returncode == 0, promoted.stderr
    replica = KeyRegistry(store)
    token = replica.sign({"sub": "cli"})
    assert jwt.get_unverified_header(token)["kid"] == kid
    assert replica.verify(token)["sub"] == "cli"
    assert run("audit", "verify", str(audit)).returncode == 0
    audit.write_text(audit.read_text().replace('"key.staged"', '"key.stagex"'))
    tampered = run("audit", "verify", str(audit))
    assert tampered.returncode == 1
    assert ":2: record digest mismatch" in tampered.stdout
    assert run("audit", "verify").returncode == 2


@pytest.mark.slow
def test_cli_over_a_vault_store(
    openbao: OpenBao, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--store vault:<path> stages and promotes in OpenBao KV; a replica there verifies."""
    monkeypatch.setenv("VAULT_ADDR", openbao.url)
    monkeypatch.setenv("VAULT_TOKEN", openbao.root_token)
    path = f"redact/cli/{secrets.token_hex(6)}"
    assert _run(["keys", "stage", "--store", f"vault:{path}"]) == 0
    kid = capsys.readouterr().out.strip()
    assert _run(["keys", "promote", "--force", "--store", f"vault:{path}"]) == 0
    client = hvac.Client(url=openbao.url, token=openbao.root_token)
    replica = KeyRegistry(VaultKeyStore(client, path=path))
    assert replica.active_kid == kid
    assert replica.verify(replica.sign({"sub": "v"}))["sub"] == "v"
    client.adapter.close()
    monkeypatch.delenv("VAULT_TOKEN")
    monkeypatch.delenv("BAO_TOKEN", raising=False)
    assert _run(["keys", "status", "--store", f"vault:{path}"]) == 2
    assert "needs VAULT_ADDR and VAULT_TOKEN" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_over_an_aws_store(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--store aws-sm:<name> works through boto3's environment (moto on 127.0.0.1)."""
    with moto_clients() as client:
        sm = client("secretsmanager")
        monkeypatch.setenv("AWS_ENDPOINT_URL", sm.meta.endpoint_url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA" + secrets.token_hex(8).upper())
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secrets.token_urlsafe(30))
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        name = f"redact/cli/{secrets.token_hex(6)}"
        assert _run(["keys", "stage", "--store", f"aws-sm:{name}"]) == 0
        kid = capsys.readouterr().out.strip()
        assert _run(["keys", "promote", "--force", "--store", f"aws-sm:{name}"]) == 0
        assert _run(["keys", "jwks", "--store", f"aws-sm:{name}"]) == 0
        assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["keys"][0]["kid"] == kid
        replica = KeyRegistry(AwsKeyStore(sm, name=name))
        assert replica.verify(replica.sign({"sub": "a"}))["sub"] == "a"
    assert _run(["keys", "status", "--store", f"aws-sm:{name}"]) == 2  # the server is gone
    assert "failed: EndpointConnectionError" in capsys.readouterr().err
