"""A value that starts like a path or an escape is still a value (second red team, #10).

``password=\\Zq8...`` and ``{"password": "\\u00f1Zq8..."}`` (what ``json.dumps`` prints for a
password starting with a non-ASCII character) went out whole: the placeholder test read any
one-part relative, home, drive or backslash path as "where the secret is kept". A path is
two parts or more, or one part that reads as a file's name.
"""

from __future__ import annotations

import json
import logging
import secrets
import string

import pytest

from redact import Redactor
from redact.integrations.logging import RedactFilter

ALNUM = string.ascii_letters + string.digits


@pytest.fixture(scope="module")
def r() -> Redactor:
    return Redactor.default()


def _value() -> str:
    return "Zq" + "".join(secrets.choice(ALNUM) for _ in range(14)) + "7"


SIGILS = ["\\", "./", "../", "C:\\", "\\\\"]
SHAPES = [
    "password={s}{v}",
    "password: {s}{v}",
    "token={s}{v}",
    "--password {s}{v}",
    "<password>{s}{v}</password>",
    "Authorization: Bearer {s}{v}",
    "postgres://app:{s}{v}@db:5432/x",
]


@pytest.mark.parametrize("sigil", SIGILS)
@pytest.mark.parametrize("shape", SHAPES)
def test_a_value_that_starts_with_a_path_sigil_is_masked(
    r: Redactor, sigil: str, shape: str
) -> None:
    value = _value()
    out = r.redact(shape.format(s=sigil, v=value))
    assert value[2:] not in out, out


@pytest.mark.parametrize("first", ["\u00f1", "\t", "\r", "\x00", "\u00e9", "\u2603", "\\", '"'])
@pytest.mark.parametrize("name", ["password", "api_key", "client_secret"])
def test_json_dumps_of_a_value_starting_with_an_escaped_character_is_masked(
    r: Redactor, first: str, name: str
) -> None:
    value = first + _value()
    for text in (json.dumps({name: value}), json.dumps({"body": json.dumps({name: value})})):
        out = r.redact(text)
        assert value[3:] not in out, out


def test_the_logging_filter_masks_a_json_body_with_an_escaped_first_character(
    caplog: pytest.LogCaptureFixture,
) -> None:
    value = "\u00f1" + _value()
    log = logging.getLogger("redact.test.value_starts")
    log.addFilter(RedactFilter())
    with caplog.at_level(logging.INFO, logger=log.name):
        log.info("request body %s", json.dumps({"password": value}))
    assert value[3:] not in caplog.text
    assert "request body" in caplog.text


@pytest.mark.parametrize(
    "text",
    [
        "password_file=./secrets/db.txt",
        "password: ~/.pgpass",
        "password=C:\\keys\\app.pem",
        "password=./secrets",
        "token_path=../config/token.json",
        "password=/run/secrets/db_password",
        "PASSWORD_FILE=\\\\srv\\share\\db.key",
    ],
)
def test_a_path_to_where_the_secret_is_kept_stays(r: Redactor, text: str) -> None:
    assert r.redact(text) == text


@pytest.mark.parametrize("inner", ['"', "\\", '\\"', '""', "\\\\"])
@pytest.mark.parametrize("at", [0, 5, 16])
def test_json_in_json_values_holding_quotes_and_backslashes_are_masked_whole(
    r: Redactor, inner: str, at: int
) -> None:
    """A quote of the value inside JSON inside a JSON string is ``\\\\\\"`` (three
    backslashes): the escaped-string reader ended the value there and the rest went out."""
    base = _value()
    value = base[:at] + inner + base[at:]
    once = json.dumps({"password": value})
    for text in (
        json.dumps({"body": once}),
        'msg="' + once.replace("\\", "\\\\").replace('"', '\\"') + '"',
    ):
        out = r.redact(text)
        for piece in (base[:at], base[at:]):
            assert len(piece) < 6 or piece[-6:] not in out, out
