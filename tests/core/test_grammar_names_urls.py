"""URLs without the usual delimiters, percent-encoding twice, and the names the red team found.

Same matrix and property as ``test_grammar`` (no run of 4 characters of a planted value
survives beside a mask), a lookalike table for e-mail addresses and ordinary names, and
the non-ASCII names in free text (the prefilter is woken by them too).
"""

from __future__ import annotations

import secrets
import string
import urllib.parse

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from redact import Redactor
from redact._encoded import EncodedSecrets
from redact.integrations._web import DEFAULT_SENSITIVE_QUERY_PARAMS, NameSet, mask_url
from tests.core.test_grammar import VALUES, Shape, _fits, _leaks, _synthetic
from tests.strategies import grammar_values

R = Redactor.default()

_WS = " \t"
_Q = "\"'`"

SHAPES = [
    # URL userinfo: a raw '/', '?' or '#' in the password; '@' and '/' together
    Shape("url-raw-slash", "postgresql://u:{v}@h/db", _WS + _Q + "@:\\"),
    Shape("url-raw-slash-port", "mongodb://app:{v}@db.internal:27017/app", _WS + _Q + "@:\\"),
    Shape("url-in-env", "DATABASE_URL=postgres://app:{v}@db.internal:5432/app", _WS + _Q + "@\\"),
    # scheme-less userinfo
    Shape("bare-ip-port", "connecting app:{v}@10.0.0.1:5432", _WS + _Q + "@/:\\<>"),
    Shape("bare-host", "dsn u:{v}@db.example.com", _WS + _Q + "@/:\\<>"),
    Shape("bare-localhost", "u:{v}@localhost:6379", _WS + _Q + "@/:\\<>"),
    # percent-encoded twice
    Shape(
        "percent-pair-twice",
        "GET /s?p={v}&x=1",
        _WS + _Q + "=\\",
        form=lambda v: urllib.parse.quote(urllib.parse.quote("password=" + v, safe=""), safe=""),
        visible=lambda v: urllib.parse.quote(urllib.parse.quote(v, safe=""), safe=""),
    ),
    # names
    Shape("env-key", "KEY={v}", _WS + _Q + "=\\"),
    Shape("export-key", "export KEY={v}", _WS + _Q + "=\\"),
    Shape("api-keys-list", "apiKeys=[{v}]", _WS + _Q + "=[]\\"),
    Shape("api-keys-json", '{"apiKeys": ["{v}"]}', '"\\'),
    Shape("private-key-id", '{"private_key_id": "{v}"}', '"\\'),
    Shape("salt", "salt={v}", _WS + _Q + "=\\"),
    Shape("password-salt", "PASSWORD_SALT: {v}", "\\"),
    Shape("pin", "pin={v}", _WS + _Q + "=\\"),
    Shape("card-pin", '"card_pin": "{v}"', '"\\'),
    Shape("passphrase", "passphrase: {v}", "\\"),
    Shape("otp", "otp={v}", _WS + _Q + "=\\"),
    Shape("mfa-code", "mfa_code={v}", _WS + _Q + "=\\"),
    Shape("recovery-codes", "recovery_codes: {v}", "\\"),
    Shape("cvv", "cvv={v}", _WS + _Q + "=\\"),
    Shape("cvc", '{"cvc": "{v}"}', '"\\'),
    Shape("japanese", "パスワード={v}", _WS + _Q + "=\\"),
    Shape("russian", "пароль: {v}", "\\"),
    Shape("russian-title", "ts=1 Пароль: {v}", "\\"),
    Shape("spanish", "contraseña={v}", _WS + _Q + "=\\"),
    Shape("chinese", "密码={v}", _WS + _Q + "=\\"),
    Shape("korean", "비밀번호: {v}", "\\"),
    Shape("polish", "hasło={v}", _WS + _Q + "=\\"),
    Shape("fullwidth", "ｐａｓｓｗｏｒｄ={v}", _WS + _Q + "=\\"),
    Shape("fullwidth-upper", "ＡＰＩ_ＫＥＹ: {v}", "\\"),
]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.id)
@pytest.mark.parametrize("value", VALUES)
def test_shape_masks_the_whole_value(shape: Shape, value: str) -> None:
    """Every URL and name shape masks every value it can hold, whole."""
    if not _fits(shape, value):
        pytest.skip("the carrier cannot hold this value")
    out = R.redact(shape.render(value))
    assert not _leaks(out, shape.visible(value), shape.render("")), out
    assert R.redact(out) == out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=grammar_values, shape=st.sampled_from(SHAPES))
def test_planted_values_never_survive(value: str, shape: Shape) -> None:
    """Random values planted in every URL and name shape: nothing leaks."""
    assume(_fits(shape, value))
    assume(not value.startswith(("-", "|", ">", "[", "#", "!", "&", "*", "$", "%", "{", "<")))
    assume(not value.startswith(('"', "'", "`")))
    text = shape.render(value)
    out = R.redact(text)
    assert not _leaks(out, shape.visible(value), shape.render("")), (text, out)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("postgresql://u:Zq9Lm/{v}@h/db", "@h/db"),
        ("mysql://root:a?b#{v}@db.internal:3306/app", "@db.internal:3306/app"),
        ("postgresql://u:p@ss/{v}@h.example.com/db", "@h.example.com/db"),
    ],
)
def test_raw_slash_in_the_password_core_and_web(url: str, kept: str) -> None:
    """The password runs to the last '@' before the host, past a raw '/', in both paths."""
    value = _synthetic()
    text = url.format(v=value)
    out = R.redact(text)
    assert value not in out and out.endswith(kept), out
    web = mask_url(text, NameSet(R, DEFAULT_SENSITIVE_QUERY_PARAMS), R)
    assert value not in web and web.endswith(kept), web


@pytest.mark.parametrize(
    "text",
    [
        "mail bob@example.com",
        "git@github.com:org/repo.git",
        "mailto:bob@example.com",
        "user:bob@example.com logged in",
        "email:alice.smith@example.com",
        "admin_email:bob@example.com",
        "smtp_user:alerts@example.com",
        "docker pull python:3.11@sha256:0123456789abcdef",
        "ssh deploy@10.0.0.1",
        "scp a.txt bob@host:/tmp",
        "at 10:30@office.example.com",
        "https://medium.com/@user/post",
        "http://localhost:8080/users/bob@example.com",
        "https://host:8443/a/b@c.d",
        "redis:6379@cache",
        "url=%DB_URL%",
        "set DB_PASSWORD=%DB_PASSWORD%",
        'conn="Server=x;Password=%DB_PASS%;"',
    ],
)
def test_url_lookalikes_are_left_alone(text: str) -> None:
    """E-mail addresses, git remotes, image digests, paths with '@' and %NAME% stay readable."""
    assert R.redact(text) == text


def test_windows_references_are_not_percent_escapes_for_the_scanner() -> None:
    """%DB_PASSWORD% is not byte 0xDB: the scanner's decoder reports nothing for it."""
    detector = EncodedSecrets(Redactor.default())
    for text in (
        "set DB_PASSWORD=%DB_PASSWORD%",
        'conn="Server=x;Password=%DBPASS%;"',
        "url=https://h/x?password=%DB_PASSWORD%&y=1",
    ):
        assert detector(text) == [], text
    # a real escape next to a reference is still decoded
    # random (a sequence like A1b2C3... reads as a documentation value and is not reported)
    token = "ghp_" + "".join(
        secrets.choice(string.ascii_letters + string.digits) for _ in range(36)
    )
    text = "x=%APPDATA%;" + urllib.parse.quote("token=" + token, safe="")
    assert detector(text), text


MORE_SENSITIVE = [
    "KEY",
    "apiKeys",
    "private_key_id",
    "secret_id",
    "salt",
    "password_salt",
    "hashSalt",
    "pin",
    "PIN",
    "card_pin",
    "pinCode",
    "passphrase",
    "otp",
    "totp",
    "mfa_code",
    "2fa_code",
    "recovery_codes",
    "backup_codes",
    "authorization_code",
    "cvv",
    "cvc",
    "cvv2",
    "requirepass",
    "masterauth",
    "REDISCLI_AUTH",
    "パスワード",
    "пароль",
    "ＰＡＳＳＷＯＲＤ",
]

MORE_LOOKALIKES = [
    "key",
    "Key",
    "keys",
    "KEY_ID",
    "KEY_PRESSED",
    "keyboard",
    "monkey",
    "pinned",
    "spinner",
    "spin",
    "ping",
    "mapping",
    "pin_count",
    "pinCount",
    "basalt",
    "salted_hash_count",
    "salt_rounds",
    "saltLength",
    "otp_length",
    "cvv_length",
    "code",
    "status_code",
    "zip_code",
]


@pytest.mark.parametrize("name", MORE_SENSITIVE)
def test_more_sensitive_names_in_every_carrier(name: str) -> None:
    """Each name is sensitive in mappings and masks its value in text."""
    value = _synthetic()
    assert R.is_sensitive_key(name), name
    assert R.redact_obj({name: value})[name] != value
    for text in (f"{name}={value}", f"{name}: {value}", f'{{"{name}": "{value}"}}'):
        assert value not in R.redact(text), text


@pytest.mark.parametrize("name", MORE_LOOKALIKES)
def test_more_lookalikes_are_left_alone(name: str) -> None:
    """``key``/``Key`` (a cache or sort key), ``pinned``, ``salt_rounds``: values kept.

    Only the environment spelling ``KEY`` is sensitive; ``*_count``/``*_length``/``*_rounds``
    describe a secret without holding it.
    """
    value = "v" + "a1b2c3"
    assert not R.is_sensitive_key(name), name
    assert R.redact_obj({name: value}) == {name: value}
    for text in (f"{name}: {value}", f'{{"{name}": "{value}"}}'):
        assert R.redact(text) == text, text


NON_ASCII_NAMES = [
    *("パスワード", "пароль", "Пароль", "ПАРОЛЬ", "contraseña", "密码", "密碼", "비밀번호"),
    *("hasło", "HASŁO", "ｐａｓｓｗｏｒｄ", "ＰＡＳＳＷＯＲＤ", "Ｔｏｋｅｎ", "ｓｅｃｒｅｔ"),
]


@pytest.mark.parametrize("name", NON_ASCII_NAMES)
def test_non_ascii_names_wake_the_text_detector(name: str) -> None:
    """Names the ASCII keywords cannot spell are found in free text, alone on their line."""
    value = _synthetic()
    for text in (f"{name}={value}", f"2026-11-30 INFO {name}: {value}", f"{name} = {value}"):
        out = R.redact(text)
        assert value not in out, out
    assert R.find(f"{name}={value}"), name


def test_non_ascii_text_without_names_is_left_alone() -> None:
    """Ordinary CJK, Cyrillic and full-width text stays as it is (the keywords are names)."""
    for text in (
        "ユーザーがログインしました",
        "Пользователь вошёл в систему",
        "ＯＫ：完了",
        "用户已登录",
    ):
        assert R.redact(text) == text
        assert R.find(text) == []
