"""The scanner judges each leaf of a container held under a sensitive name, and never
prints a secret in a JSON field path.

The runtime masks a whole container under a sensitive name (``"api_keys": [...]``);
the scanner weighs a value under a name by its own evidence (``credential_like``),
and a container as a whole never looks like a credential, so ``{"api_keys":
["<token>"]}`` passed as clean. Now each leaf (string, member name, bare word) is
judged with the same evidence under that name. And a member name is data: a
password used as a user id in ``{"users": {P: {"password": P}}}`` was printed in
every report's field path.

One scan of a directory holding every member per report format keeps this fast.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scan.conftest import run_redact

_ALNUM = string.ascii_letters + string.digits


def _rand(n: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


#: file name -> builder of its text from a credential: a credential under a sensitive
#: name that holds a container, in JSON, YAML, TOML and Python.
CONTAINERS: dict[str, Callable[[str], str]] = {
    "json-list.json": lambda t: json.dumps({"api_keys": [t]}),
    "json-list-2.json": lambda t: json.dumps({"passwords": ["hunter", t]}),
    "json-map-key.json": lambda t: json.dumps({"tokens": {t: "bob"}}),
    "json-nested.json": lambda t: json.dumps({"credentials": {"prod": {"value": t}}}),
    "yaml-block-list.yaml": lambda t: f"secrets:\n  - {t}\n",
    "yaml-flow-list.yaml": lambda t: f"api_keys: [{t}]\n",
    "yaml-flow-map.yml": lambda t: f"tokens: {{{t}: bob}}\n",
    "toml-array.toml": lambda t: f'passwords = ["{t}"]\n',
    "toml-inline.toml": lambda t: f'credentials = {{ prod = "{t}" }}\n',
    "python-list.cfg": lambda t: f"API_KEYS = ['{t}', 'other']\n",
}

#: Containers under a sensitive name whose leaves are not credentials: must stay quiet.
QUIET = {
    "policy.json": json.dumps({"passwords": {"min_length": 12, "policy": "strong"}}),
    "words.json": json.dumps({"tokens": ["NextToken", "PrevToken"]}),
    "empty.json": json.dumps({"api_keys": []}),
    "refs.json": json.dumps({"secrets": ["${DB_PASSWORD}", "{{ .Values.token }}"]}),
}

#: JSON whose member names hold a secret: (password-like id, GitHub-shaped token) -> object.
KEYED: dict[str, Callable[[str, str], object]] = {
    "password-as-id.json": lambda p, t: {"users": {p: {"password": p}}},
    "credential-like-key.json": lambda p, t: {"users": {p: {"password": "x-" + t}}},
    "token-key.json": lambda p, t: {"tokens": {t: {"note": "x " + t}}},
    "top-level-key.json": lambda p, t: {p: {"api_key": t}},
}


@pytest.fixture(scope="module")
def containers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("containers")
    tokens = {}
    for name, build in CONTAINERS.items():
        tokens[name] = secrets.token_hex(20)
        (root / name).write_text(build(tokens[name]))
    for name, text in QUIET.items():
        (root / name).write_text(text)
    return root, tokens


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_credential_in_a_container_under_a_sensitive_name_is_reported(
    containers: tuple[Path, dict[str, str]], fmt: str
) -> None:
    """Exit 1; no report prints a credential; the JSON report has one finding per member
    file, pointing at the credential itself, and none for the quiet lookalikes."""
    root, tokens = containers
    proc = run_redact("scan", ".", "--format", fmt, cwd=root)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 1, out
    for token in tokens.values():
        assert token[:12] not in out and token[-12:] not in out
    if fmt != "json":
        return
    findings = json.loads(proc.stdout)["findings"]
    by_file = {Path(f["path"]).name: f for f in findings}
    assert set(by_file) == set(CONTAINERS), sorted(by_file)
    for name, f in by_file.items():
        line = CONTAINERS[name](tokens[name]).splitlines()[f["line"] - 1]
        col = f["column"] - 1
        assert line[col : col + 40] == tokens[name], name  # the leaf, not the container


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("keyed")
    planted = []
    for name, build in KEYED.items():
        p, t = _rand(20), "gh" + "p_" + _rand(36)
        planted += [p, t]
        (root / name).write_text(json.dumps(build(p, t)))
    return root, planted


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "baseline"])
def test_a_field_path_never_spells_a_secret(keyed: tuple[Path, list[str]], fmt: str) -> None:
    """Member names that are a found secret or look like a credential print as ``*``, in
    every report format and in the baseline."""
    root, planted = keyed
    if fmt == "baseline":
        base = root / "base.json"
        proc = run_redact("scan", ".", "--baseline", str(base), "--update-baseline", cwd=root)
        out = base.read_text() + proc.stdout.decode() + proc.stderr.decode()
    else:
        proc = run_redact("scan", ".", "--format", fmt, cwd=root)
        out = proc.stdout.decode() + proc.stderr.decode()
        assert proc.returncode == 1, out
        assert ".*" in out
    for value in planted:
        assert value[:8] not in out and value[-8:] not in out, value[:3]
