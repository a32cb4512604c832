"""The Secret model never shows its value; key material is split into registrable parts."""

from __future__ import annotations

import base64
import copy
import json
import logging
import pickle
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st

from redact.secrets import Category, Secret, SecretVersion
from redact.secrets.model import sensitive_parts


def _value() -> str:
    return "tv-" + secrets.token_urlsafe(24)


def test_reveal_returns_value_and_metadata_is_public() -> None:
    """reveal() is the one way to the value; name, version, category and label are plain."""
    value = _value()
    s = Secret("db.password", value, version="3", category=Category.INFRASTRUCTURE, provider="env")
    assert s.reveal() == value
    assert (s.name, s.version, s.category, s.provider) == (
        "db.password",
        "3",
        "infrastructure",
        "env",
    )
    assert s.label == "env:db.password@3"


def test_repr_str_format_and_fstring_hide_value() -> None:
    """repr, str, format specs and f-strings name the secret but never show the value."""
    value = _value()
    s = Secret("api.key", value, version="1")
    shown = [repr(s), str(s), f"{s}", f"{s!r}", f"{s:>80}", "%s %r" % (s, s), format(s, "")]  # noqa: UP031
    for text in shown:
        assert value not in text
        assert "api.key" in text


def test_pickle_copy_and_json_refused_without_value() -> None:
    """Pickling raises a clear TypeError; json.dumps fails or falls back to the hidden str."""
    value = _value()
    s = Secret("api.key", value, version="1")
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled") as info:
            pickle.dumps(s, protocol=protocol)
        assert value not in str(info.value)
    with pytest.raises(TypeError) as info2:
        json.dumps({"k": s})
    assert value not in str(info2.value)
    assert value not in json.dumps({"k": s}, default=str)
    assert copy.copy(s) is s
    assert copy.deepcopy({"s": s})["s"] is s


def test_secret_is_immutable() -> None:
    """Attributes cannot be set or deleted after construction."""
    s = Secret("api.key", _value(), version="1")
    with pytest.raises(AttributeError):
        s.name = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del s.version
    assert not hasattr(s, "__dict__")


def test_value_absent_from_logging_and_exceptions(caplog: pytest.LogCaptureFixture) -> None:
    """Logging a Secret (message, args, exception) never writes the value."""
    value = _value()
    s = Secret("api.key", value, version="1")
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("loaded %s / %r", s, s)
        try:
            raise RuntimeError(f"failed with {s}")
        except RuntimeError:
            logging.getLogger("test").exception("boom")
    assert caplog.records
    assert value not in caplog.text


def test_equality_is_by_name_version_and_value() -> None:
    """Two secrets are equal when name, version and value match (constant-time compare)."""
    value = _value()
    a = Secret("k", value, version="1")
    assert a == Secret("k", value, version="1")
    assert a != Secret("k", value + "x", version="1")
    assert a != Secret("k", value, version="2")
    assert len({a, Secret("k", value, version="1")}) == 1


def test_category_values_and_non_str_value_refused() -> None:
    """Categories are the three documented strings; a non-str value is a TypeError."""
    assert [c.value for c in Category] == ["application", "infrastructure", "cryptographic"]
    with pytest.raises(TypeError, match="must be str"):
        Secret("k", b"bytes", version="1")  # type: ignore[arg-type]


def test_secret_version_stage() -> None:
    """SecretVersion exposes its first stage, or None when it holds none."""
    assert SecretVersion("v1", None, ("current",)).stage == "current"
    assert SecretVersion("v0").stage is None


def test_pem_body_joined_part() -> None:
    """A PEM private key yields its body joined without line breaks (lines are the registry's job)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    parts = dict(sensitive_parts(pem))
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    assert parts["pem0"] == base64.b64encode(der).decode()


def test_jwk_private_members_and_jwks() -> None:
    """A JWK (or a JWK set) yields d, p, q, dp, dq, qi; public members are not included."""
    from jwt.algorithms import RSAAlgorithm

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key))
    parts = dict(sensitive_parts(json.dumps(jwk)))
    assert {k.split(".", 2)[-1] for k in parts} == {"d", "p", "q", "dp", "dq", "qi"}
    assert parts["jwk.0.d"] == jwk["d"]
    assert jwk["n"] not in parts.values()
    jwks = dict(sensitive_parts(json.dumps({"keys": [{"kty": "oct", "k": "x" * 40}, jwk]})))
    assert jwks["jwk.0.k"] == "x" * 40
    assert jwks["jwk.1.qi"] == jwk["qi"]


def test_plain_values_have_no_parts() -> None:
    """Ordinary passwords and non-key JSON produce no derived parts."""
    assert sensitive_parts(_value()) == []
    assert sensitive_parts('{"user": "a", "password": "b"}') == []
    assert sensitive_parts("{not json") == []


@given(
    name=st.from_regex(r"[a-z0-9._/-]{1,40}", fullmatch=True),
    version=st.from_regex(r"[0-9a-f-]{1,36}", fullmatch=True),
    body=st.text(min_size=7, max_size=200),
)
def test_value_never_rendered_property(name: str, version: str, body: str) -> None:
    """For any name, version and value, no rendering or refusal message contains the value."""
    value = "\u2603" + body  # a character no name or version can contain
    s = Secret(name, value, version=version, category=Category.CRYPTOGRAPHIC, provider="p")
    texts = [repr(s), str(s), f"{s}", f"{s:^300}", s.label]
    try:
        pickle.dumps(s)
    except TypeError as exc:
        texts.append(str(exc))
    for text in texts:
        assert value not in text
