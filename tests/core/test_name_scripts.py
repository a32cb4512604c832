"""Names in every script read whole in text and judged as a reader sees them (issue #10 §4).

``\\w`` stops at a combining mark, so a Devanagari or Thai name (पासवर्ड, รหัสผ่าน) was read
in pieces by the text's name reader while ``redact_obj`` matched it whole; an accented
spelling (mật_khẩu) matched neither though its folded form (mat_khau) is in the list.
One name class (``keynames._NAME_CLASS``) and one fold (NFKD without marks) serve both.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import Redactor
from redact.keynames import _MARKS, _NAME_CLASS, DEFAULT_EXACT, DEFAULT_SUFFIXES

VALUE = "Zq9Lm2Xw7Kp4Rt6Y"
R = Redactor.default()

#: Every name of the shipped list spelled with a letter outside ASCII.
SCRIPT_NAMES = sorted({n for n in (*DEFAULT_EXACT, *DEFAULT_SUFFIXES) if not n.isascii()})


def _shapes(name: str) -> list[str]:
    return [
        f"{name}={VALUE}",
        f"{name}: {VALUE}",
        f'{{"{name}": "{VALUE}"}}',
        f"export {name}='{VALUE}'",
        f"db_{name}={VALUE}",
    ]


@pytest.mark.parametrize("name", SCRIPT_NAMES)
def test_every_script_name_is_read_whole_in_text_and_objects(name: str) -> None:
    for spelled in {name, name.upper(), unicodedata.normalize("NFD", name)}:
        for text in _shapes(spelled):
            assert VALUE not in R.redact(text), text
        assert R.redact_obj({spelled: VALUE}) == {spelled: "[REDACTED:sensitive-key]"}


@pytest.mark.parametrize(
    "name",
    ["mật_khẩu", "MẬT_KHẨU", "DB_MẬT_KHẨU", "mậtkhẩu", "contraseña", "CONTRASEÑA", "şifre"],
)
def test_accents_fold_to_the_listed_spelling(name: str) -> None:
    """mat_khau, contrasena and sifre are listed: their accented spellings are the same name."""
    assert R.is_sensitive_key(name)
    for text in _shapes(name):
        assert VALUE not in R.redact(text), text


NEW_NAMES = [
    "tls_key",
    "ssl_key",
    "TLS_KEY",
    "dbpwd",
    "userpwd",
    "rootpwd",
    "otp_seed",
    "totp_seed",
    "mfa_seed",
    "private_seed",
    "mnemonic_phrase",
    "secret_answer",
    "docker_auth",
    # the system or account written after the sensitive word (red team, second pass)
    "PASSWORD_DB",
    "password_mysql",
    "PASSWORD_ADMIN",
    "password_root",
    "api_key_stripe",
    "token_slack",
    "SECRET_KEY_PROD",
    "contraseña_db",
]
LOOKALIKES = [
    "seed",
    "random_seed",
    "tls_key_file",
    "ssl_key_path",
    "seed_count",
    "passwd_file",
    "token_count",
    "token_type",
    "password_policy",
    "PASSWORD_MIN_LENGTH",
    "secret_name",
    "api_key_id",
    "token_expiry",
    "key_db",
]


@pytest.mark.parametrize("name", NEW_NAMES)
def test_key_material_names(name: str) -> None:
    for text in _shapes(name):
        assert VALUE not in R.redact(text), text
    assert R.redact_obj({name: VALUE}) == {name: "[REDACTED:sensitive-key]"}


@pytest.mark.parametrize("name", LOOKALIKES)
def test_key_material_lookalikes_stay(name: str) -> None:
    assert R.redact(f"{name}={VALUE}") == f"{name}={VALUE}"
    assert R.redact_obj({name: VALUE}) == {name: VALUE}


def test_a_key_file_path_stays() -> None:
    for text in ("tls_key: /etc/ssl/private/server.key", "ssl_key=/etc/x.key", "seed=42"):
        assert R.redact(text) == text


def test_the_name_class_holds_every_combining_mark_of_the_bmp() -> None:
    """The generated mark ranges cover what this Python's unicodedata calls a mark."""
    import re

    cls = re.compile(_NAME_CLASS)
    missing = [
        f"U+{cp:04X}"
        for cp in range(0x300, 0x10000)
        if unicodedata.category(chr(cp))[0] == "M" and not cls.fullmatch(chr(cp))
    ]
    assert not missing, missing[:10]
    assert _MARKS  # generated, not empty


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(SCRIPT_NAMES),
    prefix=st.sampled_from(["", "db_", "APP_", "x-"]),
    sep=st.sampled_from(["=", ": ", " = ", ":="]),
    upper=st.booleans(),
)
def test_script_names_in_any_shape_property(name: str, prefix: str, sep: str, upper: bool) -> None:
    spelled = prefix + (name.upper() if upper else name)
    out = R.redact(f"start {spelled}{sep}{VALUE} end")
    assert VALUE not in out
    assert out.startswith("start ")


@pytest.mark.parametrize(
    "text",
    [
        "postgres://app:pw-2024-Zq9@db:5432/app",
        "mysql://root:mypass@db:3306/x",
        "redis://:hunter2pass@cache:6379/0",
        "amqp://guest:secret-prod@mq:5672",
    ],
)
def test_userinfo_is_no_name_before_its_host(text: str) -> None:
    """A password ending in a sensitive word, then ``@host:port``: the port is no value
    (the system words after a name, ``_db``, made ``pw-2024@db`` a name)."""
    out = R.redact(text)
    port = text.rsplit(":", 1)[1]
    assert out.endswith(port), out
