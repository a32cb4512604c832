"""The per-installation fingerprint key: secret, stable per installation, never a constant."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from redact.exceptions import ConfigError
from redact.installation import (
    KEY_ENV,
    KEY_FILE_ENV,
    LEGACY_PUBLIC_KEY,
    default_key_path,
    installation_key,
)
from redact.masks import fingerprint
from redact.scan.baseline import key_check
from redact.scan.model import FINGERPRINT_LENGTH, ScanOptions, resolve_fingerprint_key
from redact.secrets.audit import AuditLog, MemorySink
from tests.scan.conftest import make_secret, run_redact


def _env(home: Path, **extra: str) -> dict[str, str]:
    """An environment whose installation home is ``home``."""
    return {"REDACT_HOME": str(home), **extra}


def test_first_use_creates_a_private_random_key_and_reuses_it(tmp_path: Path) -> None:
    """The key file is created once (0600 in a 0700 dir), 32 random bytes as hex, then reused."""
    env = _env(tmp_path / "home")
    key = installation_key(env)
    path = default_key_path(env)
    assert path == tmp_path / "home" / "fingerprint.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(key) == 64 and bytes.fromhex(key.decode())
    assert installation_key(env) == key
    assert [p.name for p in path.parent.iterdir()] == ["fingerprint.key"]  # no temp left


def test_two_installations_get_different_keys(tmp_path: Path) -> None:
    """Each installation has its own secret: equal values fingerprint differently."""
    a = installation_key(_env(tmp_path / "a"))
    b = installation_key(_env(tmp_path / "b"))
    assert a != b
    assert fingerprint("x", a) != fingerprint("x", b)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"XDG_CONFIG_HOME": "/cfg"}, Path("/cfg/redact/fingerprint.key")),
        ({"REDACT_HOME": "/rh", "XDG_CONFIG_HOME": "/cfg"}, Path("/rh/fingerprint.key")),
        ({}, Path.home() / ".config" / "redact" / "fingerprint.key"),
    ],
)
def test_default_location(env: dict[str, str], expected: Path) -> None:
    """REDACT_HOME, else XDG_CONFIG_HOME/redact, else ~/.config/redact."""
    assert default_key_path(env) == expected


def test_environment_and_key_file_come_first(tmp_path: Path) -> None:
    """CI supplies the key as REDACT_FINGERPRINT_KEY (or a file); no file is created then."""
    home = tmp_path / "home"
    assert installation_key(_env(home, **{KEY_ENV: "ci-secret-key-0123456789"})) == (
        b"ci-secret-key-0123456789"
    )
    keyfile = tmp_path / "k"
    keyfile.write_bytes(b"a-key-from-a-mounted-file\n")
    keyfile.chmod(0o600)
    assert installation_key(_env(home, **{KEY_FILE_ENV: str(keyfile)})) == (
        b"a-key-from-a-mounted-file"
    )
    assert not home.exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: {KEY_ENV: "short"}, KEY_ENV),
        (lambda p: {KEY_FILE_ENV: str(p / "missing")}, "cannot read"),
        (lambda p: {KEY_FILE_ENV: str(_file(p, b"0123456789abcdefXYZ", 0o644))}, "chmod 600"),
        (lambda p: {KEY_FILE_ENV: str(_file(p, b"tiny", 0o600))}, "at least 16 bytes"),
        (lambda p: {"REDACT_HOME": str(_file(p, b"a file, not a dir", 0o600))}, "REDACT_HOME"),
    ],
)
def test_bad_keys_fail_naming_the_cause_never_the_key(
    tmp_path: Path, setup: object, message: str
) -> None:
    """Short, unreadable, world-readable or uncreatable keys raise ConfigError naming the source."""
    env = setup(tmp_path)  # type: ignore[operator]
    with pytest.raises(ConfigError, match=message) as info:
        installation_key(env)
    assert "0123456789abcdef" not in str(info.value)


def _file(directory: Path, data: bytes, mode: int) -> Path:
    """Write ``data`` to a new file with ``mode``."""
    path = directory / f"f{mode:o}"
    path.write_bytes(data)
    path.chmod(mode)
    return path


def test_concurrent_first_runs_agree_on_one_key(tmp_path: Path) -> None:
    """Several processes creating the key at once all end up with the same key."""
    code = "from redact.installation import installation_key; print(installation_key().decode())"
    env = {**os.environ, "REDACT_HOME": str(tmp_path / "home")}
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE)
        for _ in range(4)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1
    assert keys == {default_key_path(env).read_text().strip().encode()}


def test_every_default_fingerprint_key_is_the_installation_key() -> None:
    """Scanner options, the CLI resolver and the audit log default to the installation key."""
    key = installation_key()
    assert ScanOptions().fingerprint_key == key
    assert resolve_fingerprint_key(None) == key
    sink = MemorySink()
    audit = AuditLog(sinks=[sink])
    assert audit.fingerprint("v") == fingerprint("v", key, length=16)
    assert LEGACY_PUBLIC_KEY not in (key, ScanOptions().fingerprint_key)


def test_a_json_report_no_longer_yields_a_short_password_to_a_dictionary(tmp_path: Path) -> None:
    """The issue's attack: a 4-word dictionary under the old public key recovers nothing now."""
    password = "Summer" + "2024!"
    (tmp_path / "settings.py").write_text(f'password = "{password}"\n')
    env = _env(tmp_path / "home")
    proc = run_redact("scan", "--format", "json", "settings.py", cwd=tmp_path, env=env)
    assert proc.returncode == 1, proc.stderr
    [finding] = json.loads(proc.stdout)["findings"]
    dictionary = ["Winter2023!", "Password1", password, "Spring2025?"]
    legacy = {fingerprint(w, LEGACY_PUBLIC_KEY, length=FINGERPRINT_LENGTH) for w in dictionary}
    assert finding["fingerprint"] not in legacy
    own = installation_key(env)  # the installation that made the report can still correlate
    assert finding["fingerprint"] == fingerprint(password, own, length=FINGERPRINT_LENGTH)


def test_baselines_stay_comparable_on_one_installation_and_in_ci(tmp_path: Path) -> None:
    """A baseline written on an installation (or in CI with the env key) matches the next run."""
    (tmp_path / "app.py").write_text(f'TOKEN = "{make_secret()}"\n')
    for name, env in (
        ("local.json", _env(tmp_path / "home")),
        ("ci.json", _env(tmp_path / "ci-home", **{KEY_ENV: "ci-secret-from-the-vault-123"})),
    ):
        write = run_redact(
            "scan", "--baseline", name, "--update-baseline", "app.py", cwd=tmp_path, env=env
        )
        assert write.returncode == 0, write.stderr
        again = run_redact("scan", "--baseline", name, "app.py", cwd=tmp_path, env=env)
        assert again.returncode == 0, again.stderr
    other = run_redact(
        "scan", "--baseline", "local.json", "app.py", cwd=tmp_path, env=_env(tmp_path / "h2")
    )
    assert other.returncode == 2 and b"different fingerprint key" in other.stderr


def test_a_baseline_under_the_old_public_key_is_named_as_such(tmp_path: Path) -> None:
    """Upgrade path: a baseline written under the public constant asks to be rebuilt."""
    (tmp_path / "b.json").write_text(
        json.dumps(
            {
                "format": "redact-baseline",
                "version": 1,
                "key_check": key_check(LEGACY_PUBLIC_KEY),
                "entries": [],
            }
        )
    )
    (tmp_path / "app.py").write_text("x = 1\n")
    proc = run_redact(
        "scan", "--baseline", "b.json", "app.py", cwd=tmp_path, env=_env(tmp_path / "h")
    )
    assert proc.returncode == 2
    assert b"old public default fingerprint key" in proc.stderr
