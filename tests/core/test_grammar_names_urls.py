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
from hypothesis import given
from hypothesis import strategies as st

from redact import Redactor
from redact._encoded import EncodedSecrets
from redact.integrations._web import DEFAULT_SENSITIVE_QUERY_PARAMS, NameSet, mask_url
from tests.grammar import (
    PLANTED,
    VALUES,
    WS,
    Q,
    R,
    Shape,
    assert_left_alone,
    assert_lookalike_name,
    assert_masked_whole,
    assert_planted,
    assert_sensitive_name,
    shape_id,
    synthetic,
)
from tests.strategies import grammar_values

SHAPES = [
    # URL userinfo: a raw '/', '?' or '#' in the password; '@' and '/' together
    Shape("url-raw-slash", "postgresql://u:{v}@h/db", WS + Q + "@:\\"),
    Shape("url-raw-slash-port", "mongodb://app:{v}@db.internal:27017/app", WS + Q + "@:\\"),
    Shape("url-in-env", "DATABASE_URL=postgres://app:{v}@db.internal:5432/app", WS + Q + "@\\"),
    # scheme-less userinfo
    Shape("bare-ip-port", "connecting app:{v}@10.0.0.1:5432", WS + Q + "@/:\\<>"),
    Shape("bare-host", "dsn u:{v}@db.example.com", WS + Q + "@/:\\<>"),
    Shape("bare-localhost", "u:{v}@localhost:6379", WS + Q + "@/:\\<>"),
    # percent-encoded twice
    Shape(
        "percent-pair-twice",
        "GET /s?p={v}&x=1",
        WS + Q + "=\\",
        form=lambda v: urllib.parse.quote(urllib.parse.quote("password=" + v, safe=""), safe=""),
        visible=lambda v: urllib.parse.quote(urllib.parse.quote(v, safe=""), safe=""),
    ),
    # names
    Shape("env-key", "KEY={v}", WS + Q + "=\\"),
    Shape("export-key", "export KEY={v}", WS + Q + "=\\"),
    Shape("api-keys-list", "apiKeys=[{v}]", WS + Q + "=[]\\"),
    Shape("api-keys-json", '{"apiKeys": ["{v}"]}', '"\\'),
    Shape("private-key-id", '{"private_key_id": "{v}"}', '"\\'),
    Shape("salt", "salt={v}", WS + Q + "=\\"),
    Shape("password-salt", "PASSWORD_SALT: {v}", "\\"),
    Shape("pin", "pin={v}", WS + Q + "=\\"),
    Shape("card-pin", '"card_pin": "{v}"', '"\\'),
    Shape("passphrase", "passphrase: {v}", "\\"),
    Shape("otp", "otp={v}", WS + Q + "=\\"),
    Shape("mfa-code", "mfa_code={v}", WS + Q + "=\\"),
    Shape("recovery-codes", "recovery_codes: {v}", "\\"),
    Shape("cvv", "cvv={v}", WS + Q + "=\\"),
    Shape("cvc", '{"cvc": "{v}"}', '"\\'),
    Shape("japanese", "パスワード={v}", WS + Q + "=\\"),
    Shape("russian", "пароль: {v}", "\\"),
    Shape("russian-title", "ts=1 Пароль: {v}", "\\"),
    Shape("spanish", "contraseña={v}", WS + Q + "=\\"),
    Shape("chinese", "密码={v}", WS + Q + "=\\"),
    Shape("korean", "비밀번호: {v}", "\\"),
    Shape("polish", "hasło={v}", WS + Q + "=\\"),
    Shape("fullwidth", "ｐａｓｓｗｏｒｄ={v}", WS + Q + "=\\"),
    Shape("fullwidth-upper", "ＡＰＩ_ＫＥＹ: {v}", "\\"),
]


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("value", VALUES)
def test_shape_masks_the_whole_value(shape: Shape, value: str) -> None:
    """Every URL and name shape masks every value it can hold, whole."""
    assert_masked_whole(shape, value)


@PLANTED
@given(value=grammar_values, shape=st.sampled_from(SHAPES))
def test_planted_values_never_survive(value: str, shape: Shape) -> None:
    """Random values planted in every URL and name shape: nothing leaks."""
    assert_planted(shape, value, idempotent=False)


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
    value = synthetic()
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
    assert_left_alone(text)


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
    assert_sensitive_name(name)


@pytest.mark.parametrize("name", MORE_LOOKALIKES)
def test_more_lookalikes_are_left_alone(name: str) -> None:
    """``key``/``Key`` (a cache or sort key), ``pinned``, ``salt_rounds``: values kept.

    Only the environment spelling ``KEY`` is sensitive; ``*_count``/``*_length``/``*_rounds``
    describe a secret without holding it.
    """
    assert_lookalike_name(name, equals=False)


NON_ASCII_NAMES = [
    *("パスワード", "пароль", "Пароль", "ПАРОЛЬ", "contraseña", "密码", "密碼", "비밀번호"),
    *("hasło", "HASŁO", "ｐａｓｓｗｏｒｄ", "ＰＡＳＳＷＯＲＤ", "Ｔｏｋｅｎ", "ｓｅｃｒｅｔ"),
]


@pytest.mark.parametrize("name", NON_ASCII_NAMES)
def test_non_ascii_names_wake_the_text_detector(name: str) -> None:
    """Names the ASCII keywords cannot spell are found in free text, alone on their line."""
    value = synthetic()
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
