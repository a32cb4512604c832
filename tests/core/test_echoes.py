"""A found value is masked wherever the same text repeats it (second red team, #10).

A detector reads a value where a name or a format shows it (``"password": "v"``); the same
value elsewhere in the same text has no name (``"confirm": "v"``, ``login failed for bob
using v``, pytest's ``assert 'v' == 'x'`` above the ``password = 'v'`` local) and went out.
"""

from __future__ import annotations

import json
import logging
import secrets
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import Redactor
from redact.integrations.logging import RedactFilter

ALNUM = string.ascii_letters + string.digits


@pytest.fixture(scope="module")
def r() -> Redactor:
    return Redactor.default()


def _value() -> str:
    return "Zq" + "".join(secrets.choice(ALNUM) for _ in range(12)) + "8"


ECHOES = [
    '{{"password": "{v}", "confirm": "{v}"}}',
    "password={v}\nlogin failed for bob using {v}",
    "E       assert '{v}' == 'x'\npassword   = '{v}'",
    "Traceback (most recent call last):\n  ValueError: bad credential {v}\n    api_key = '{v}'",
    "POST /login password={v}&user=bob -> 401 (tried {v})",
    "token: {v}; retry with {v}, then {v}",
    # the echo in another case (a user id or a search lower-cased it)
    "password={v}\nlookup key={lv}",
    '{{"api_key": "{v}", "normalized": "{uv}"}}',
]


@pytest.mark.parametrize("shape", ECHOES)
def test_a_found_value_is_masked_where_the_text_repeats_it(r: Redactor, shape: str) -> None:
    value = _value()
    out = r.redact(shape.format(v=value, lv=value.lower(), uv=value.upper()))
    for form in (value, value.lower(), value.upper()):
        assert form[2:10] not in out, out
    assert r.redact(out) == out


def test_the_logging_filter_masks_the_echo_in_the_same_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    value = _value()
    log = logging.getLogger("redact.test.echoes")
    log.addFilter(RedactFilter())
    with caplog.at_level(logging.INFO, logger=log.name):
        log.info(
            "signup %s", json.dumps({"password": value, "password_confirmation": value, "x": value})
        )
    assert value not in caplog.text
    assert "signup" in caplog.text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("password: production\nenv=production", "env=production"),  # a plain word
        ("password: Production\nenv=Production", "env=Production"),
        ("token=abc123\nid=abc123", "id=abc123"),  # shorter than 8
    ],
)
def test_plain_words_and_short_values_are_not_echoed(r: Redactor, text: str, kept: str) -> None:
    assert kept in r.redact(text)


@settings(max_examples=60, deadline=None)
@given(
    value=st.text(alphabet=ALNUM + "!@#%^*-_", min_size=10, max_size=30).map(lambda s: "Zq9" + s),
    name=st.sampled_from(["password", "api_key", "client_secret", "token"]),
    echo=st.sampled_from(["failed with {v}", "'{v}'", "({v})", "[{v}]", "value {v} rejected"]),
)
def test_no_copy_of_a_found_value_survives(value: str, name: str, echo: str) -> None:
    r = Redactor.default()
    text = f'{name}="{value}" ' + echo.format(v=value)
    found = [text[f.start : f.end] for f in r.find(text)]
    out = r.redact(text)
    assert any(value in f for f in found)  # a detector reads it under its name ...
    assert value not in out, out  # ... and no copy of it survives


def test_undecodable_bytes_beside_an_echo_lose_nothing(r: Redactor) -> None:
    """Text read with ``surrogateescape`` (a lone surrogate per undecodable byte): the echo's
    case-folded search must not raise (it did: the value became a redaction-error mask)."""
    value = _value()
    text = f"\udcff\udcfe password={value} then {value.lower()}"
    out = r.redact(text)
    assert out.startswith("\udcff\udcfe password=[REDACTED")
    assert value.lower()[2:10] not in out and "redaction-error" not in out
