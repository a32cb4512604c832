"""Property tests for the core invariants of ARCHITECTURE.md."""

from __future__ import annotations

import base64
import json
import urllib.parse

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from tests.strategies import clean_words, encodings, filler, secret_values

_REDACTOR = Redactor.default()


def _encode(value: str, how: str, pad: bytes) -> str:
    raw = value.encode("utf-8")
    match how:
        case "raw":
            return value
        case "b64":
            return base64.b64encode(raw).decode()
        case "b64url":
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")
        case "percent":
            return urllib.parse.quote(value, safe="")
        case "json":
            return json.dumps(value)[1:-1]
        case "hex":
            return raw.hex()
        case _:  # embedded inside a longer base64 blob at any alignment
            return base64.b64encode(pad + raw + pad).decode()
    raise AssertionError(how)


def _visible(value: str, how: str, pad: bytes) -> str:
    """The part of the encoded form that identifies the secret (what must not survive)."""
    enc = _encode(value, how, pad)
    if how == "b64-embedded":
        core = base64.b64encode(value.encode()).decode()
        return core[2:-3] if len(core) > 6 else core
    return enc


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    secret=secret_values, before=filler, after=filler, how=encodings(), pad=st.binary(max_size=2)
)
def test_registered_secret_never_survives(
    secret: str, before: str, after: str, how: str, pad: bytes
) -> None:
    """A registered value is masked in every registered form, at any position."""
    known = KnownSecrets()
    known.add(secret, label="s")
    r = Redactor.default(known=known)
    text = before + _encode(secret, how, pad) + after
    out = r.redact(text)
    assert secret not in out
    if how == "b64-embedded":
        # The bytes of the value inside the blob: none of its own base64 characters survive.
        assert _visible(secret, how, pad) not in out
    else:
        assert _encode(secret, how, pad) not in out


@settings(max_examples=150, deadline=None)
@given(a=secret_values, b=secret_values, sep=st.sampled_from(["", " ", ",", "\n", "=", "ab"]))
def test_adjacent_secrets_both_masked(a: str, b: str, sep: str) -> None:
    """Two registered values side by side (or overlapping) are both masked."""
    known = KnownSecrets()
    known.add_many([(a, "a"), (b, "b")])
    out = Redactor(known=known).redact(a + sep + b)
    assert a not in out
    assert b not in out


@settings(max_examples=100, deadline=None)
@given(secret=secret_values, depth=st.integers(0, 6), key=st.sampled_from(["msg", "data", "x"]))
def test_nested_containers(secret: str, depth: int, key: str) -> None:
    """A registered value inside nested dicts, lists, tuples and sets is masked."""
    known = KnownSecrets()
    known.add(secret, label="s")
    r = Redactor(known=known)
    obj: object = f"value {secret} end"
    for i in range(depth):
        obj = [{key: obj}] if i % 2 else ({key: (obj,)}, {secret + "!"})
    out = r.redact_obj(obj)
    assert secret not in repr(out)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(filler, clean_words, st.text(max_size=200)), secret=secret_values)
def test_idempotent(text: str, secret: str) -> None:
    """redact(redact(x)) == redact(x), with and without registered values and rules firing."""
    known = KnownSecrets()
    known.add(secret, label="s")
    r = Redactor.default(known=known)
    for candidate in (text, text + secret, f"password={text}", f'"token": "{text}{secret}"'):
        once = r.redact(candidate)
        assert r.redact(once) == once


@settings(max_examples=300, deadline=None)
@given(text=clean_words)
def test_clean_text_is_same_object(text: str) -> None:
    """Text without findings comes back as the very same object (no copy)."""
    assert _REDACTOR.redact(text) is text


def test_every_rule_finds_examples_and_not_negatives() -> None:
    """Each shipped rule finds all its examples and none of its negative examples."""
    failures = []
    for rule in _REDACTOR.rules:
        assert rule.examples, f"{rule.id} has no examples"
        for ex in rule.examples:
            if not any(f.rule_id == rule.id for f in _REDACTOR.find(ex)):
                failures.append(f"{rule.id}: missed an example")
            if any(part in _REDACTOR.redact(ex) for part in _secret_parts(rule.id, ex)):
                failures.append(f"{rule.id}: example not masked")
        for ex in rule.negative_examples:
            if any(f.rule_id == rule.id for f in _REDACTOR.find(ex)):
                failures.append(f"{rule.id}: matched a negative example")
    assert not failures, failures


def _secret_parts(rule_id: str, example: str) -> list[str]:
    return [example[f.start : f.end] for f in _REDACTOR.find(example) if f.rule_id == rule_id]
