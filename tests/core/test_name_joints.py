"""The joint between a sensitive name and its value (issue 10, "the text grammar of
credentials"): names spelled with digits and sigils, operators read as assignment, escaped
names at any depth, and serialisation formats that carry a name then its value.

Each class is one mechanism in the core (``redact/keynames.py``, ``redact/_carriers.py``);
the tables hold several members of each and the lookalikes that must stay readable.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from redact._carriers import is_placeholder
from redact._validators import _wordish
from redact.keynames import names_list
from tests.grammar import (
    PLANTED,
    QUOTES,
    SIGILS,
    VALUES,
    WS,
    R,
    Shape,
    assert_left_alone,
    assert_lookalike_name,
    assert_masked_whole,
    assert_planted,
    assert_sensitive_name,
    leaks,
    shape_id,
    synthetic,
)
from tests.strategies import grammar_values, leet_names, names_a_secret

# -- 1. names spelled with digits and sigils ------------------------------------------------

LEET_NAMES = [
    "p@ssword",
    "pa$$word",
    "p@$$w0rd",
    "P@55w0rd",
    "P4ssw0rd",
    "passw0rd",
    "pa55word",
    "s3cret",
    "s3cr3t",
    "$ecret",
    "t0ken",
    "t0k3n",
    "@pi_key",
    "api_k3y",
    "cr3dential",
    "db_p@ssword",
    "x-auth-t0ken",
]


@pytest.mark.parametrize("name", LEET_NAMES)
def test_leet_names_are_sensitive(name: str) -> None:
    """A name with digits or sigils for letters is its name: in mappings and in text."""
    assert_sensitive_name(name)


@PLANTED
@given(name=leet_names(), carrier=st.sampled_from(["{n}={v}", "--{n} {v}", '{{"{n}": "{v}"}}']))
def test_any_leet_spelling_is_read(name: str, carrier: str) -> None:
    """Any spelling of a root with digits and sigils for its letters (runs of up to three)."""
    assert R.is_sensitive_key(name), name
    value = synthetic()
    assert value not in R.redact(carrier.format(n=name, v=value)), name


#: Every carrier reads the name with the same reader (a flag, an element, a header, ...).
NAME_CARRIERS = [
    "{n}={v}",
    "--{n} {v}",
    "--{n}={v}",
    "<{n}>{v}</{n}>",
    "{n}: {v}",
    "X-{n}: {v}",
    '{{"{n}": "{v}"}}',
    "{n} = '{v}'",
    "export {n}={v}",
]


@pytest.mark.parametrize("carrier", NAME_CARRIERS)
@pytest.mark.parametrize("name", ["p@ssword", "pa$$word", "P4ssw0rd", "s3cret", "t0ken"])
def test_leet_names_in_every_carrier(name: str, carrier: str) -> None:
    value = synthetic()
    out = R.redact(carrier.format(n=name, v=value))
    assert value not in out, out
    assert name in out, out  # the name stays readable


def test_element_keeps_its_closing_tag() -> None:
    value = synthetic()
    out = R.redact(f"<p@ssword>{value}</p@ssword><user>bob</user>")
    assert out == "<p@ssword>[REDACTED:sensitive-key]</p@ssword><user>bob</user>"


#: Names that only look like leetspeak of a sensitive one, or like one: kept.
LOOKALIKE_NAMES = [
    "author",
    "token_count",
    "t0ken_count",
    "keyboard",
    "k3yboard",
    "public_key",
    "publ1c_key",
    "primary_key",
    "auth0r",
    "s3_bucket",
    "oauth2_client",
    "sha256",
    "x509_cert",
    "p@ssword-reset",
    "password-reset",
]


@pytest.mark.parametrize("name", LOOKALIKE_NAMES)
def test_leet_lookalike_names_are_kept(name: str) -> None:
    assert_lookalike_name(name)


@pytest.mark.parametrize(
    "text",
    [
        "mail bob@example.com: hello",
        "git@github.com:org/repo.git",
        "price $5.00 total",
        "see https://example.com/p@ssword-reset for help",
        "the p@ssword-reset page",
        "user@secret.example.com:443 refused",
    ],
)
def test_sigils_in_ordinary_text_are_kept(text: str) -> None:
    assert_left_alone(text)


# -- 2. operators read as assignment --------------------------------------------------------

_TOKEN = WS + "\\\"'`|"  # one glued token
OPERATOR_SHAPES = [
    Shape("double-colon", "password::{v}", _TOKEN + "()<>{}:!;&,", lead="@#"),
    Shape("double-colon-spaced", "password:: {v}", "\r\n" + "\"'`"),
    Shape("match", 'if password =~ "{v}"', '"\\\r\n'),
    Shape("match-single", "if token =~ '{v}' then", "'\\\r\n"),
    Shape("arrow", "password -> {v}", "\r\n\"'`"),
    Shape("call-quoted", 'password("{v}")', '"\\\r\n'),
    Shape("call-quoted-setter", "setApiKey('{v}');", "'\\\r\n"),
    Shape("fat-arrow", "password => '{v}'", "'\\\r\n"),
    Shape("ruby-symbol", ':password => "{v}"', '"\\\r\n'),
]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("shape", OPERATOR_SHAPES, ids=shape_id)
def test_operator_masks_the_whole_value(shape: Shape, value: str) -> None:
    assert_masked_whole(shape, value)


@PLANTED
@given(value=grammar_values, shape=st.sampled_from(OPERATOR_SHAPES))
def test_operator_planted_values_never_survive(value: str, shape: Shape) -> None:
    if shape.id.startswith("double-colon"):
        # letters alone after :: read as a path or a type (token::Kind), as documented
        assume(re.match(r"[A-Za-z_]+(?=[ \t;,)\]}>.]|$)", value) is None)
    assert_planted(shape, value)


#: The planted-value settings, for properties that skip many drawn values.
FILTERED = settings(
    PLANTED, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


def _code_word(value: str) -> bool:
    """What a call's or record's bare argument reads as when it is code, not a value."""
    return _wordish(value) or "." in value or value.isdigit()


_BARE = WS + "\"'`()|\u00a0\u2003\u3000"


@FILTERED
@given(value=grammar_values, template=st.sampled_from(["password({v})", "Password({v})"]))
def test_value_type_printed_with_its_value(value: str, template: str) -> None:
    """``Password(v)``: a value class printed (Scala, Kotlin, Rust) holds its value."""
    assume(not any(ch in value for ch in _BARE) and not _code_word(value))
    assume(not value.startswith(SIGILS + QUOTES) and not names_a_secret(value))
    out = R.redact(template.format(v=value))
    assert not leaks(out, value, template.format(v="")), out


@FILTERED
@given(value=grammar_values, template=st.sampled_from(["password|{v}", "user|bob|password|{v}"]))
def test_pipe_record_value(value: str, template: str) -> None:
    """``password|v``: a pipe-separated record holds its value in the next field."""
    assume(not any(ch in value for ch in _BARE) and not names_list(value))
    assume(not value.startswith(SIGILS + QUOTES) and not names_a_secret(value))
    out = R.redact(template.format(v=value))
    assert not leaks(out, value, template.format(v="")), out


@pytest.mark.parametrize(
    "text",
    [
        # a comparison is no assignment (kept as it was)
        'password == "Zq9Lm2Xw7Kp4Rt"',
        "if password == other",
        "if token != expected_token",
        # a path or a type after ::
        "use crate::secret::SecretString;",
        "let t = token::Kind::Ident;",
        "password :: String",
        "x = secret::new(pw)",
        "auth::v2::login()",
        "password::hash(&pw)",
        "fn f() -> token::Token {",
        # a call whose argument is a name, a literal of code, or a getter's
        "enter your password(s) below",
        "setPassword(pw)",
        "token(self)",
        "password(None)",
        "secret(0)",
        "password(user.pw)",
        "getPassword(Zq9Lm2Xw7Kp4Rt)",
        "hash(password)",
        # a pipe between column names or commands
        "user|password|email|created_at",
        "id|name|token|scope",
        "echo $password|base64",
        "cat token|grep x",
        "$password|trim",
        "a || password || b",
        "password||'x'",
        "token_count|42",
        "author|bob",
        's:4:"user";s:3:"bob";',
    ],
)
def test_not_an_assignment(text: str) -> None:
    assert R.redact(text) == text


# -- 3. escaped names at any depth ----------------------------------------------------------


def _escaped(obj: object, depth: int) -> str:
    """``obj`` as JSON inside ``depth`` JSON strings (each level doubles the backslashes)."""
    text = json.dumps(obj)
    for _ in range(depth):
        text = json.dumps(text)[1:-1]
    return text


@pytest.mark.parametrize("depth", range(5))
@pytest.mark.parametrize("value", VALUES)
def test_escaped_json_at_any_depth(depth: int, value: str) -> None:
    text = _escaped({"password": value, "user": "bob"}, depth)
    out = R.redact(text)
    visible = _escaped(value, depth)[1:-1] if depth == 0 else _escaped(value, depth)
    assert not leaks(out, visible.strip('\\"'), _escaped({"password": "", "user": "bob"}, depth))
    assert "bob" in out and "password" in out, out
    assert R.redact(out) == out


@FILTERED
@given(value=grammar_values, depth=st.integers(1, 4))
def test_escaped_planted_values_never_survive(value: str, depth: int) -> None:
    assume(not names_a_secret(value) and not value.startswith(SIGILS + QUOTES))
    assume(not is_placeholder(value) and value.lower() not in ("undefined", "null", "none"))
    text = _escaped({"api_key": value}, depth)
    out = R.redact(text)
    assert not leaks(out, value, text.replace(value, "")), (text, out)


# -- 4. serialisation formats ---------------------------------------------------------------


def _php(value: str) -> str:
    return f'a:2:{{s:4:"user";s:3:"bob";s:8:"password";s:{len(value)}:"{value}";}}'


def _resp(*args: str, escaped: bool = False) -> str:
    brk = "\\r\\n" if escaped else "\r\n"
    return f"*{len(args)}{brk}" + "".join(f"${len(a)}{brk}{a}{brk}" for a in args)


SERIALISED = [
    _php,
    lambda v: f's:8:"password";s:{len(v)}:"{v}";',
    lambda v: _resp("AUTH", v),
    lambda v: _resp("AUTH", "bob", v),
    lambda v: "sent " + _resp("AUTH", v, escaped=True),
    lambda v: _resp("CONFIG", "SET", "requirepass", v),
    lambda v: f'1700000000.123456 [0 127.0.0.1:6379] "AUTH" "{json.dumps(v)[1:-1]}"',
    lambda v: f'{{password, "{json.dumps(v)[1:-1]}"}}',
    lambda v: f'[{{user, "bob"}}, {{password, <<"{json.dumps(v)[1:-1]}">>}}]',
    lambda v: f'[user: "bob", password: "{json.dumps(v)[1:-1]}"]',
    lambda v: f':password => "{json.dumps(v)[1:-1]}"',
]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("render", SERIALISED)
def test_serialised_value_is_masked(render: object, value: str) -> None:
    assert callable(render)
    text = render(value)
    out = R.redact(text)
    assert not leaks(out, value.replace('"', ""), render("")), (text, out)
    assert R.redact(out) == out


@pytest.mark.parametrize(
    "text",
    [
        _resp("SET", "key", "value"),
        _resp("GET", "session_count"),
        _php("").replace('s:8:"password"', 's:8:"username"'),
        's:5:"token";i:3;',
    ],
)
def test_serialised_lookalikes_are_kept(text: str) -> None:
    assert R.redact(text) == text
