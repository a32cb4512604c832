"""Web carriers in text: multipart/form-data parts, short credential query parameters,
WebSocket-subprotocol bearer tokens and vendor auth headers.

Each value here is unregistered and has no rule shape: only its carrier or its name
marks it. Tables of shapes, tables of lookalikes that stay readable, and a property.
"""

from __future__ import annotations

import json
import secrets
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import Redactor

R = Redactor.default()
V = secrets.token_hex(16)


def _part(name: str, value: str, *, nl: str = "\r\n", extra: str = "") -> str:
    return f'Content-Disposition: form-data; name="{name}"{extra}{nl}{nl}{value}{nl}'


MULTIPART = {
    "issue: lone part": _part("password", V),
    "inside a body": "--b\r\n" + _part("api_key", V) + "--b--\r\n",
    "second part": "--b\r\n" + _part("user", "bob") + "--b\r\n" + _part("pin", V) + "--b--",
    "with content-type": (
        '--b\r\nContent-Disposition: form-data; name="client_secret"\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + V + "\r\n--b--"
    ),
    "LF only": "--b\n" + _part("token", V, nl="\n") + "--b--\n",
    "unquoted name": f"content-disposition: form-data; name=password\r\n\r\n{V}\r\n--b--",
    "printed bytes": repr(("--b\r\n" + _part("password", V) + "--b--\r\n").encode()),
    "JSON-escaped": json.dumps({"body": "--b\r\n" + _part("password", V) + "--b--"}),
    "filename after name": "--b\r\n" + _part("secret", V, extra='; filename="a.txt"') + "--b--",
    "no end boundary": _part("password", V + " with spaces"),
}


@pytest.mark.parametrize("shape", sorted(MULTIPART))
def test_multipart_part_named_sensitive_is_masked(shape: str) -> None:
    """The part's value is masked whole, its headers and the boundaries kept."""
    text = MULTIPART[shape]
    out = R.redact(text)
    assert V not in out, shape
    assert "[REDACTED" in out
    assert "form-data" in out
    assert R.redact(out) == out


@pytest.mark.parametrize(
    "text",
    [
        "--b\r\n" + _part("username", "bob") + "--b--",
        "--b\r\n" + _part("avatar", "PNGDATA", extra='; filename="password.png"') + "--b--",
        'Content-Disposition: attachment; filename="report.pdf"\r\n\r\nbody',
    ],
)
def test_multipart_parts_without_a_sensitive_name_are_kept(text: str) -> None:
    """A part named by an ordinary field (even with a sensitive file name) is not masked."""
    assert R.redact(text) is text


@settings(max_examples=100, deadline=None)
@given(
    name=st.sampled_from(["password", "api_key", "client_secret", "db_password", "token", "otp"]),
    value=st.text(alphabet=string.ascii_letters + string.digits + "!#%&*+-./:;=?@^_~ ", min_size=8),
    nl=st.sampled_from(["\r\n", "\n"]),
)
def test_property_any_sensitive_multipart_value_is_masked(name: str, value: str, nl: str) -> None:
    """Any value in a part named by a sensitive field leaves no run of 6 of its characters
    (a random tail keeps it from being a placeholder such as UNDEFINED)."""
    value = value.strip() + V[:6]
    body = f"--b{nl}" + _part(name, value, nl=nl) + f"--b--{nl}"
    out = R.redact(body)
    rest = out.replace("--b", "").replace(name, "")
    runs = {value[i : i + 6] for i in range(len(value) - 5)} - {"form-d"}
    assert not any(r in rest for r in runs if r.strip() and r not in "Content-Disposition"), out


QUERIES = {
    "sid": f"GET /x?sid={V} HTTP/1.1",
    "ticket": f"GET /cas/login?service=x&ticket=ST-{V} HTTP/1.1",
    "t token": f"GET /share?t={V}",
    "p password": f"GET /login?u=bob&p={V}",
    "oauth_token": f"/cb?oauth_token={V}&oauth_verifier={V[::-1]}",
}
KEPT = [
    "GET /app.js?t=1699999999 HTTP/1.1",
    "GET /app.js?t=1699999999.123",
    "GET /feed?t=2024-05-01T10:00:00Z",
    "GET /blog?p=2",
    "GET /blog?p=123&t=5",
    "GET /x?tt=abcdef&pp=ghijkl",
]


@pytest.mark.parametrize("shape", sorted(QUERIES))
def test_short_credential_query_params_are_masked(shape: str) -> None:
    """sid, ticket, oauth_token always; t and p when the value is no number or date."""
    out = R.redact(QUERIES[shape])
    assert V not in out
    assert V[::-1] not in out


@pytest.mark.parametrize("text", KEPT)
def test_timestamps_page_numbers_and_longer_names_stay(text: str) -> None:
    """?t=<timestamp|date>, ?p=<page>, and names that merely start with t/p are kept."""
    assert R.redact(text) is text


@pytest.mark.parametrize(
    "text",
    [
        f"Sec-WebSocket-Protocol: bearer.{V}",
        f"sec-websocket-protocol: base64url.bearer.authorization.k8s.io.{V}, v4.channel.k8s.io",
        f'{{"sec-websocket-protocol": "base64url.bearer.authorization.k8s.io.{V}"}}',
        f"x-tableau-auth: {V}",
        f'{{"X-Tableau-Auth": "{V}"}}',
    ],
)
def test_websocket_bearer_subprotocols_and_tableau_auth_are_masked(text: str) -> None:
    """The token in a bearer subprotocol and the X-Tableau-Auth header value are masked."""
    out = R.redact(text)
    assert V not in out
    assert "[REDACTED" in out


@pytest.mark.parametrize(
    "text",
    ["Sec-WebSocket-Protocol: graphql-ws", "Sec-WebSocket-Protocol: v4.channel.k8s.io"],
)
def test_ordinary_subprotocols_stay(text: str) -> None:
    """A subprotocol list without a bearer token is left as it is."""
    assert R.redact(text) is text
