"""Every value of a Kubernetes Secret's data is secret, whatever its key is called.

``kubectl get secret -o yaml`` (keys sorted: ``data`` before ``kind``), ``-o json``, an API
response: ``config``, ``.dockerconfigjson``, ``tls.key`` hold base64 of credentials under
names that are not sensitive (second red team, #10).
"""

from __future__ import annotations

import base64
import json
import secrets
import string

import pytest

from redact import Redactor

ALNUM = string.ascii_letters + string.digits


@pytest.fixture(scope="module")
def r() -> Redactor:
    return Redactor.default()


def _value() -> str:
    return "Zq" + "".join(secrets.choice(ALNUM) for _ in range(14)) + "4"


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def _yaml(data: dict[str, str], *, kind: str = "Secret", sort: bool = True) -> str:
    entries = "".join(f"  {k}: {v}\n" for k, v in data.items())
    head = f"apiVersion: v1\ndata:\n{entries}kind: {kind}\nmetadata:\n  name: app\ntype: Opaque\n"
    if sort:
        return head
    return f"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: app\ndata:\n{entries}"


KEYS = ["config", ".dockerconfigjson", "tls.key", "application.properties", "user", "DB_HOST"]


@pytest.mark.parametrize("sort", [True, False])
@pytest.mark.parametrize("key", KEYS)
def test_yaml_secret_data_is_masked_whatever_the_key(r: Redactor, key: str, sort: bool) -> None:
    value = _b64("password=" + _value())
    text = _yaml({key: value, "other": _b64(_value())}, sort=sort)
    out = r.redact(text)
    assert value not in out
    assert f"  {key}: [REDACTED" in out
    assert "name: app" in out  # metadata stays readable


@pytest.mark.parametrize("indent", [None, 2])
def test_json_secret_data_is_masked(r: Redactor, indent: int | None) -> None:
    values = {k: _b64(_value()) for k in KEYS}
    doc = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "app"}, "data": values}
    out = r.redact(json.dumps(doc, indent=indent))
    assert not any(v in out for v in values.values()), out
    assert '"name": "app"' in out  # metadata stays readable (the data map may be masked whole)


def test_string_data_and_block_scalars_are_masked(r: Redactor) -> None:
    a, b = _value(), _value()
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n"
        f"  application.properties: |\n    db.url=jdbc:postgresql://db/app\n    other={a}\n"
        f'  note: "{b}"\ntype: Opaque\n'
    )
    out = r.redact(text)
    assert a not in out and b not in out
    assert out.endswith("type: Opaque\n")


def test_a_config_map_keeps_its_data(r: Redactor) -> None:
    text = _yaml({"LOG_LEVEL": "debug", "FEATURE_FLAGS": "a,b,c"}, kind="ConfigMap")
    assert r.redact(text) == text
