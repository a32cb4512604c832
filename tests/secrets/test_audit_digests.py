"""Signed audit digests: every way to tamper with a log or its digests is caught and named.

The adversary here can rewrite files and recompute the unkeyed hash chain (it
holds no private key): each tamper is tried both naively and with the chain
recomputed, so the digests — not the chain — must catch the second kind.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact.exceptions import ConfigError
from redact.secrets._digests import make_digest
from redact.secrets.audit import (
    AuditLog,
    Ed25519Signer,
    JsonLinesFileSink,
    _canonical,
    _digest,
    upgrade,
    verify,
)
from tests.scan.conftest import REDACT

Lines = list[bytes]


def _lines(path: Path) -> Lines:
    """Raw lines, newline-stripped."""
    return path.read_bytes().rstrip(b"\n").split(b"\n")


def _write(path: Path, lines: Lines) -> None:
    """Rewrite a file from raw lines."""
    path.write_bytes(b"\n".join(lines) + (b"\n" if lines else b""))


def _rechain(lines: Lines) -> Lines:
    """What an adversary without keys can do: renumber seq, recompute prev and digest."""
    out = [lines[0]]
    for seq, line in enumerate(lines[1:], start=1):
        obj = json.loads(line)
        obj["seq"] = seq
        obj["prev"] = hashlib.sha256(out[-1]).hexdigest()
        obj["digest"] = _digest(obj, None)
        out.append(_canonical(obj).encode())
    return out


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> Ed25519Signer:
    """One Ed25519 signing key for the module, stored 0600."""
    return Ed25519Signer.generate(tmp_path_factory.mktemp("keys") / "audit.pem")


def _signed_log(directory: Path, signer: Ed25519Signer, count: int = 6, **kw: object) -> Path:
    """A signed log of ``count`` records."""
    path = directory / "audit.jsonl"
    audit = AuditLog(sinks=[JsonLinesFileSink(path, signer=signer, fsync=False, **kw)])  # type: ignore[arg-type]
    for i in range(count):
        audit.emit("secret.updated", name=f"s{i}", version=i)
    return path


def _check(path: Path, signer: Ed25519Signer, **kw: object) -> tuple[str, str, int | None]:
    """``(kind, reason, line)`` of verifying ``path`` with the signer's public key."""
    result = verify(path, public_keys=[signer.public_pem()], **kw)  # type: ignore[arg-type]
    return result.kind, result.reason, result.line


def test_untouched_signed_log_verifies_with_only_the_public_key(
    tmp_path: Path, signer: Ed25519Signer
) -> None:
    """A digest per record; verification needs the public key, not the private one."""
    path = _signed_log(tmp_path, signer)
    result = verify(path, public_keys=[signer.public_pem()])
    assert result.ok, result.reason
    assert (result.records, result.digests, result.unsigned_tail) == (6, 7, 0)
    assert verify(path).kind == "key-needed"
    assert (tmp_path / "audit.jsonl.digests").stat().st_mode & 0o777 == 0o600


Tamper = Callable[[Lines], Lines]


def _remove(i: int) -> Tamper:
    return lambda ls: ls[:i] + ls[i + 1 :]


def _swap(i: int) -> Tamper:
    return lambda ls: [*ls[:i], ls[i + 1], ls[i], *ls[i + 2 :]]


def _edit(i: int) -> Tamper:
    def change(ls: Lines) -> Lines:
        obj = json.loads(ls[i])
        obj["name"] = "forged"
        out = list(ls)
        out[i] = _canonical(obj).encode()
        return out

    return change


@pytest.mark.parametrize(
    ("tamper", "rechain", "kind", "seq"),
    [
        (_remove(3), False, "removed", None),
        (_remove(3), True, "removed", 3),
        (_edit(2), False, "edited", None),
        (_edit(2), True, "edited", 2),
        (_swap(2), False, "reordered", None),
        (_swap(2), True, "reordered", 2),
        (lambda ls: ls[:-1], False, "truncated", None),
        (lambda ls: ls[:-3], True, "truncated", None),
        (_remove(1), True, "removed", 1),
        (_edit(6), True, "edited", 6),
    ],
    ids=[
        "removed",
        "removed+rechained",
        "edited",
        "edited+rechained",
        "reordered",
        "reordered+rechained",
        "truncated-last",
        "truncated-three",
        "removed-first+rechained",
        "edited-last+rechained",
    ],
)
def test_record_tampering_is_caught_and_named(
    tmp_path: Path,
    signer: Ed25519Signer,
    tamper: Tamper,
    rechain: bool,
    *,
    kind: str,
    seq: int | None,
) -> None:
    """Removed, edited, reordered and truncated records are named, chain recomputed or not."""
    path = _signed_log(tmp_path, signer)
    lines = tamper(_lines(path))
    _write(path, _rechain(lines) if rechain else lines)
    found, reason, _ = _check(path, signer)
    assert found == kind, reason
    if seq is not None:
        assert f"seq {seq} " in reason, reason


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    op=st.sampled_from(["remove", "edit", "swap", "truncate"]),
    where=st.integers(min_value=1, max_value=7),
    rechain=st.booleans(),
)
def test_any_single_tamper_never_verifies(
    tmp_path_factory: pytest.TempPathFactory,
    signer: Ed25519Signer,
    op: str,
    where: int,
    rechain: bool,
) -> None:
    """Property: one removal, edit, swap or cut anywhere fails verification with its own kind."""
    path = _signed_log(tmp_path_factory.mktemp("prop"), signer, count=8)
    lines = _lines(path)
    tamper = {"remove": _remove, "edit": _edit, "swap": _swap}.get(op)
    lines = lines[: len(lines) - where] if tamper is None else tamper(where)(lines)
    _write(path, _rechain(lines) if rechain else lines)
    kind, reason, _ = _check(path, signer)
    expected = {"remove": "removed", "edit": "edited", "swap": "reordered", "truncate": "truncated"}
    assert kind == expected[op], reason


def test_a_removed_digest_is_named(tmp_path: Path, signer: Ed25519Signer) -> None:
    """Deleting a digest in the middle leaves a gap; deleting the last ones leaves unsigned records."""
    path = _signed_log(tmp_path, signer)
    digests = tmp_path / "audit.jsonl.digests"
    original = _lines(digests)
    _write(digests, original[:3] + original[4:])
    kind, reason, _ = _check(path, signer)
    assert kind == "digest-missing" and "#3" in reason, reason
    _write(digests, original[:-2])
    kind, reason, _ = _check(path, signer)
    assert kind == "digest-missing" and "after the last digest" in reason, reason
    digests.unlink()
    assert _check(path, signer)[0] == "digest-missing"


def test_a_replaced_or_edited_digest_is_named(tmp_path: Path, signer: Ed25519Signer) -> None:
    """A digest re-signed by another key, an edited digest and another log's digests all fail."""
    path = _signed_log(tmp_path, signer)
    digests = tmp_path / "audit.jsonl.digests"
    original = _lines(digests)
    forger = Ed25519Signer.generate()
    last = json.loads(original[-1])
    forged = make_digest(
        forger,
        n=last["n"],
        records=last["records"],
        head=last["head"],
        prev=last["prev"],
        every=1,
        ts=last["ts"],
        bodies=last["bodies"],
    )
    _write(digests, [*original[:-1], _canonical(forged).encode()])
    kind, reason, _ = _check(path, signer)
    assert kind == "digest-replaced" and "does not trust" in reason, reason
    last["records"] = 2
    _write(digests, [*original[:-1], _canonical(last).encode()])
    kind, reason, _ = _check(path, signer)
    assert kind == "digest-invalid" and "signature" in reason, reason
    other = (
        _signed_log(tmp_path / "other", signer) if (tmp_path / "other").mkdir() is None else path
    )
    (tmp_path / "audit.jsonl.digests").write_bytes(
        (other.parent / "audit.jsonl.digests").read_bytes()
    )
    kind, reason, _ = _check(path, signer)
    assert kind == "digest-replaced" and "another log" in reason, reason


def test_cutting_log_and_digests_back_together_needs_an_anchor(
    tmp_path: Path, signer: Ed25519Signer
) -> None:
    """Both files cut back consistently verify alone; the anchored latest digest catches it."""
    anchors: list[dict[str, object]] = []
    path = _signed_log(tmp_path, signer, on_digest=anchors.append)
    assert len(anchors) == 7
    _write(path, _lines(path)[:-2])
    digests = tmp_path / "audit.jsonl.digests"
    _write(digests, _lines(digests)[:-2])
    assert _check(path, signer)[0] == "ok"
    kind, reason, _ = _check(path, signer, anchor=anchors[-1])
    assert kind == "truncated" and "cut back together" in reason, reason
    assert _check(path, signer, anchor=anchors[3])[0] == "ok"


def test_periodic_digests_leave_a_bounded_unsigned_tail(
    tmp_path: Path, signer: Ed25519Signer
) -> None:
    """With digest_every=3 a tail shorter than 3 is reported, not failed; digest_now covers it."""
    path = tmp_path / "audit.jsonl"
    sink = JsonLinesFileSink(path, signer=signer, digest_every=3, fsync=False)
    audit = AuditLog(sinks=[sink])
    for i in range(7):
        audit.emit("secret.read", name=f"n{i}")
    result = verify(path, public_keys=[signer.public_key])
    assert result.ok and result.unsigned_tail == 1, result
    sink.digest_now()
    assert verify(path, public_keys=[signer.public_key]).unsigned_tail == 0


def test_signed_log_refuses_an_unsigned_writer_and_vice_versa(
    tmp_path: Path, signer: Ed25519Signer
) -> None:
    """A writer without the key cannot extend a signed log; a signer must upgrade a plain one."""
    path = _signed_log(tmp_path, signer, count=1)
    with pytest.raises(ConfigError, match="signed; pass its signing key"):
        JsonLinesFileSink(path)
    plain = tmp_path / "plain.jsonl"
    JsonLinesFileSink(plain)
    with pytest.raises(ConfigError, match="redact audit upgrade"):
        JsonLinesFileSink(plain, signer=signer)


def _v1_log(path: Path, count: int) -> None:
    """A format-1 log as earlier versions wrote it (header version 1, chain only)."""
    header = {"created": "2026-01-01T00:00:00+00:00", "format": "redact-audit", "keyed": False}
    lines = [_canonical({**header, "seq": 0, "version": 1}).encode()]
    for i in range(count):
        rec = {"event": "secret.rotated", "name": f"n{i}", "outcome": "success", "ts": "t"}
        lines.append(_canonical(rec).encode())
    _write(path, _rechain(lines))


def test_a_version_1_log_verifies_and_upgrades_to_signed(
    tmp_path: Path, signer: Ed25519Signer
) -> None:
    """Upgrade path: format 1 still verifies; upgrade() signs it and later writes keep signing."""
    path = tmp_path / "old.jsonl"
    _v1_log(path, 4)
    assert verify(path).ok
    result = upgrade(path, signer)
    assert result.ok and result.records == 5, result
    assert json.loads(_lines(path)[-1])["event"] == "audit.upgraded"
    AuditLog(sinks=[JsonLinesFileSink(path, signer=signer)]).emit("key.staged", kid="k")
    assert _check(path, signer)[0] == "ok"
    lines = _lines(path)
    _write(path, _rechain(lines[:2] + lines[3:]))  # remove a pre-upgrade record, rechain
    assert _check(path, signer)[0] == "removed"
    with pytest.raises(ConfigError, match="already signed"):
        upgrade(path, signer)
    broken = tmp_path / "broken.jsonl"
    _v1_log(broken, 3)
    lines = _lines(broken)
    _write(broken, lines[:2] + lines[3:])
    with pytest.raises(ConfigError, match="does not verify"):
        upgrade(broken, signer)
    assert not (tmp_path / "broken.jsonl.digests").exists()


def test_two_signing_processes_share_one_log(tmp_path: Path, signer: Ed25519Signer) -> None:
    """Two OS processes with the same signing key keep one chain and one digest sequence."""
    key = tmp_path / "k.pem"
    s = Ed25519Signer.generate(key)
    path = tmp_path / "audit.jsonl"
    JsonLinesFileSink(path, signer=s)
    code = (
        "import sys\n"
        "from redact.secrets.audit import AuditLog, Ed25519Signer, JsonLinesFileSink\n"
        "s = Ed25519Signer.from_file(sys.argv[3])\n"
        "a = AuditLog(sinks=[JsonLinesFileSink(sys.argv[1], signer=s, fsync=False)])\n"
        "for i in range(40): a.emit('secret_config.read', name=sys.argv[2] + str(i))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path), tag, str(key)])
        for tag in ("a", "b")
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    result = verify(path, public_keys=[s.public_pem()])
    assert result.ok and result.records == 80, result


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real ``redact`` console script."""
    return subprocess.run([REDACT, *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_cli_keygen_sign_verify_and_name_the_tamper(tmp_path: Path) -> None:
    """`redact audit keygen`, `upgrade` and `verify --public-key` end to end; exit 1 names it."""
    made = _cli("audit", "keygen", "--private", "audit.pem", "--public", "audit.pub", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "audit.pem").stat().st_mode & 0o777 == 0o600
    assert "PRIVATE" not in made.stdout
    _v1_log(tmp_path / "a.jsonl", 3)
    up = _cli("audit", "upgrade", "a.jsonl", "--signing-key", "audit.pem", cwd=tmp_path)
    assert up.returncode == 0, up.stderr
    ok = _cli("audit", "verify", "a.jsonl", "--public-key", "audit.pub", cwd=tmp_path)
    assert ok.returncode == 0 and "ok, 4 records, signed by 1 digest(s)" in ok.stdout, ok.stdout
    lines = _lines(tmp_path / "a.jsonl")
    _write(tmp_path / "a.jsonl", lines[:-1])
    bad = _cli("audit", "verify", "a.jsonl", "--public-key", "audit.pub", "--json", cwd=tmp_path)
    assert bad.returncode == 1
    doc = json.loads(bad.stdout)
    assert doc["kind"] == "truncated" and not doc["ok"]
    text = _cli("audit", "verify", "a.jsonl", "--public-key", "audit.pub", cwd=tmp_path)
    assert text.returncode == 1 and "[truncated]" in text.stdout, text.stdout
