"""The name is found but the mask landed beside the value: wrappers, calls, URL users, extents.

One class of issue 10: the detector knew the name, and the value's shape was not read
(a Go/Java header map's ``[ ]``, the value argument of a call, concatenated literals, a
here-string, a token written as a URL's user, an ADO.NET value with blanks, an encoded
subscript, a blank separator, a full-width separator, a value that starts with
punctuation). Same matrix and property as the other grammar files (``tests/grammar.py``),
a lookalike table, and the scanner's view of the same shapes.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from redact._carriers import is_placeholder, token_user
from redact.integrations._web import DEFAULT_SENSITIVE_QUERY_PARAMS, NameSet, mask_url
from redact.scan.model import ScanOptions
from redact.scan.text import scan_text
from tests.grammar import (
    PLANTED,
    SHELL_WORD,
    VALUES,
    WS,
    Q,
    R,
    Shape,
    assert_keeps_tail,
    assert_left_alone,
    assert_masked_whole,
    assert_planted,
    credential,
    leaks,
    shape_id,
    synthetic,
)
from tests.strategies import grammar_values, punctuation_led_values, token_users

_LIST = "[]\\\r\n"  # inside a one-level [ ] list
_PAIR = WS + Q + "=\\"  # one token of a key=value list


def _listed(value: str) -> str:
    """A value as a one-item list (``[A0 Aname]`` reads as filler, as ``[PASSWORD]`` does)."""
    return f"[{value}]"


_ADO = ";\"'\\\r\n"  # a connection-string field
_NOT_USER = ":@/?#%<>;&,()\u00a0\u2003\u3000"

SHAPES = [
    # a wrapper around the value: Go's fmt of http.Header, Java/Spring's HttpHeaders, maps
    Shape("go-header-map", "map[Authorization:[Bearer {v}] Accept:[text/html]]", _LIST),
    Shape("go-header-map-alone", "map[Authorization:[Bearer {v}]]", _LIST),
    Shape("go-map-password", "map[password:{v} user:[bob]]", _LIST, form=_listed),
    Shape("java-http-headers", "HttpHeaders{Authorization=[Bearer {v}], Accept=[*/*]}", _LIST),
    Shape("java-map", "{password={v}, user=[bob]}", _LIST, form=_listed),
    # ([Token correct horse battery staple] reads as filler, like [your token]: documented)
    Shape("header-list-spaced", "Authorization: [Bearer {v}]", _LIST),
    # call arguments: the value argument, not the name argument
    Shape("express-cookie", "res.cookie('token', '{v}', { httpOnly: true })", "'\\"),
    Shape("express-cookie-glued", "res.cookie('token','{v}')", "'\\"),
    Shape("keyring", 'keyring.set_password("svc", "bob", "{v}")', '"\\'),
    Shape("setter-after-variable", 'client.set_token(user, "{v}")', '"\\'),
    Shape("setenv", 'setenv("X_TOKEN", "{v}", 1);', '"\\'),
    Shape("headers-set", 'headers.set("Authorization", "Bearer {v}")', '"\\'),
    Shape("map-of", 'Map.of("password", "{v}")', '"\\'),
    Shape("put", 'props.put("apiKey", "{v}");', '"\\'),
    Shape("php-define", "define('DB_PASSWORD', '{v}');", "'\\"),
    Shape("ruby-env", 'ENV["X_TOKEN"] ||= "{v}"', '"\\'),
    # adjacent literals and concatenation
    Shape("adjacent-scheme", 'token: "Bearer" "{v}"', '"\\'),
    Shape("concat-scheme", 'token = "Bearer " + "{v}"', '"\\'),
    Shape("concat-header", 'headers["Authorization"] = "Bearer " + "{v}"', '"\\'),
    Shape("concat-parts", 'password = "Zq9Lm" + "{v}"', '"\\'),
    Shape("php-concat", "$password = 'Zq9Lm' . '{v}';", "'\\"),
    # here-strings fed to a command that reads its secret on stdin
    Shape("gh-with-token", "gh auth login --with-token <<< {v}", SHELL_WORD),
    Shape("docker-password-stdin", "docker login -u bob --password-stdin <<< '{v}'", "'\\"),
    Shape("vault-login-stdin", "vault login - <<< {v}", SHELL_WORD),
    # a token written as a URL's user (its password is a constant)
    Shape(
        "url-token-oauth-basic",
        "git clone https://{v}:x-oauth-basic@github.com/o/r",
        _PAIR + ":@/?#%",
    ),
    # without a scheme the user is one word of a user name's characters
    Shape("bare-token-oauth-basic", "remote {v}:x-oauth-basic@github.com", _PAIR + _NOT_USER),
    Shape("url-oauth2-user", "https://oauth2:{v}@gitlab.com/o/r.git", _PAIR + ":@/?#%"),
    Shape("url-access-token-user", "https://x-access-token:{v}@github.com/o/r", _PAIR + ":@/?#%"),
    # ADO.NET / ODBC: a value with blanks runs to its ';' (Password==v reads as a comparison)
    Shape("ado-spaces", "Server=h;Password={v};Database=app", _ADO, lead="="),
    Shape("ado-spaces-first", "Password={v};Server=h", _ADO, lead="="),
    Shape(
        "ado-spaces-quoted",
        'conn="Server=h;User Id=sa;Password={v};Encrypt=yes" rc=0',
        _ADO,
        lead="=",
    ),
    # a subscript as a form encodes it
    Shape(
        "percent-brackets", "POST /login?user%5Bpassword%5D={v}&user%5Bname%5D=bob", _PAIR + "&#%"
    ),
    Shape("percent-brackets-lower", "data%5bapi_key%5d={v}", _PAIR + "&#%"),
    Shape(
        "percent-brackets-twice",
        "GET /x?user%255Bpassword%255D={v}&user%255Bname%255D=bob",
        _PAIR + "&#%",
    ),
    # a blank separator: Java .properties, Cisco IOS
    Shape("properties-blank", "db.password {v}", "\\\r\n", lead="=:#!/(<>{}|&+*?.,;-"),
    Shape(
        "properties-blank-next-line",
        "spring.datasource.password   {v}\nspring.datasource.url=jdbc:x",
        "\\\r\n",
        lead="=:#!/(<>{}|&+*?.,;-",
    ),
    Shape("cisco-enable-secret", "enable secret 5 {v}", WS + "\\"),
    Shape("cisco-enable-password", "enable password {v}", WS + "\\"),
    Shape("cisco-username", "username admin privilege 15 password 7 {v}", WS + "\\"),
    Shape("cisco-snmp", "snmp-server community {v} RO", WS + "\\"),
    Shape("cisco-tacacs", "tacacs-server host 10.1.1.1 key 7 {v}", WS + "\\"),
    # full-width separators
    Shape("fullwidth-colon", "password：{v}", _PAIR + "：＝"),
    Shape("fullwidth-equals", "パスワード＝{v}", _PAIR + "：＝"),
    # a value that starts with punctuation
    Shape("star-led", "password=*{v}", _PAIR),
    Shape("flag-double-equals", "wget --http-password =={v} https://x.test/f", SHELL_WORD),
    Shape("k8s-quote-led", "- name: DB_PASSWORD\n  value: '={v}'", "'\\\r\n"),
    Shape("json-record-quote-led", '{"name": "DB_PASSWORD", "value": "=\'{v}"}', "\"'\\"),
]


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("value", VALUES)
def test_shape_masks_the_whole_value(shape: Shape, value: str) -> None:
    """Every wrapper, call and extent masks every value it can hold, whole."""
    assert_masked_whole(shape, value)


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_shape_keeps_its_surroundings(shape: Shape) -> None:
    """The mask replaces the value only: what follows it stays readable."""
    if shape.id == "bare-token-oauth-basic":
        # after the user is masked, a second pass may also mask ':x-oauth-basic@host' as a
        # value (over-masking, reported): the token itself must be gone
        value = synthetic()
        assert value not in R.redact(shape.render(value))
        return
    if shape.id == "url-token-oauth-basic":
        # the url-credentials rule may also mask the constant password: the host stays
        value = synthetic()
        out = R.redact(shape.render(value))
        assert value not in out and out.endswith("@github.com/o/r"), out
        return
    assert_keeps_tail(shape, strip="\"';)]}\n")


@PLANTED
@given(value=grammar_values, shape=st.sampled_from(SHAPES))
def test_planted_values_never_survive(value: str, shape: Shape) -> None:
    """Random values planted in every wrapper, call and extent shape: nothing leaks."""
    assert_planted(shape, value)


#: Shapes where a value's first character is no sigil: ``password=*v``, a quoted value.
_PUNCT_SHAPES = [
    Shape("equals", "password={v}", _PAIR),
    Shape("equals-then-pair", "password={v} user=bob", _PAIR),
    Shape("colon-json", '{"password": "{v}"}', '"\\'),
    # (--flag =a,b=c: a ',' before name= starts the next pair of a key=value list)
    Shape("flag-space", "wget --http-password {v} https://x.test/f", SHELL_WORD + "="),
    Shape("call-value", "res.cookie('token', '{v}')", "'\\"),
    Shape("k8s-value", "- name: DB_PASSWORD\n  value: '{v}'", "'\\\r\n"),
]


@PLANTED
@given(value=punctuation_led_values, shape=st.sampled_from(_PUNCT_SHAPES))
def test_values_that_start_with_punctuation(value: str, shape: Shape) -> None:
    """``*v``, ``=v``, ``^v``: where the carrier fixes the value's start, it is masked whole."""
    # password==v and password=~v are comparisons, not assignments; --flag =v is --flag = v
    assume(not (value[0] == "=" and is_placeholder(value[1:])))
    assert_planted(shape, value, starts=("=", "~") if shape.id.startswith("equals") else ())


# -- a token as a URL's user -----------------------------------------------------------------

_TOKEN_URLS = [
    "git clone https://{t}@github.com/org/repo.git",
    "https://{t}@github.com",
    "remote: https://{t}:x-oauth-basic@github.com/org/repo",
    "url = https://{t}:@api.example.com/v1",
]


@PLANTED
@given(token=token_users, template=st.sampled_from(_TOKEN_URLS))
def test_token_as_url_user_is_masked_whole(token: str, template: str) -> None:
    """A user name that is a token (no password, or a constant one) is masked whole."""
    text = template.replace("{t}", token)
    out = R.redact(text)
    assert not leaks(out, token, template.replace("{t}", "")), (text, out)
    assert out.endswith(template.rsplit("@", 1)[1]), out


def test_token_as_url_user_in_the_web_adapter() -> None:
    """The ASGI/OTel URL masker reads the same userinfo carrier."""
    token = synthetic(24)
    names = NameSet(R, DEFAULT_SENSITIVE_QUERY_PARAMS)
    for url in (f"https://{token}@github.com/o/r", f"https://{token}:x-oauth-basic@github.com/o"):
        out = mask_url(url, names, R)
        assert token not in out and out.endswith(("@github.com/o/r", "@github.com/o")), out


@pytest.mark.parametrize(
    "user",
    ["user", "deploy-bot", "john.doe", "firstname-lastname-1984", "git", "ci_runner_01", "x" * 20],
)
def test_user_names_are_not_tokens(user: str) -> None:
    """A user name without a password is kept unless it reads as a token."""
    assert not token_user(user)
    assert_left_alone(f"git clone https://{user}@github.com/org/repo.git")


# -- lookalikes ---------------------------------------------------------------------------------

LOOKALIKES = [
    # wrappers without a sensitive name, or with filler
    "map[Accept:[text/html] Content-Type:[application/json]]",
    "HttpHeaders{Accept=[*/*], Content-Length=[42]}",
    "password=[PASSWORD]",
    # calls
    "res.cookie('theme', 'dark')",
    'res.cookie("lang", "en-US", { maxAge: 900000 })',
    'keyring.get_password("svc", "bob")',
    'headers.set("Accept", "text/html")',
    'Map.of("user", "bob")',
    "authenticate(password)",
    # concatenation without a sensitive name, or with a variable
    'greeting = "hello" + " " + "world"',
    'x = "a" "b"',
    # here-strings that feed no secret
    "cat <<< hello",
    'grep -c foo <<< "$line"',
    # URL users that are users
    "https://user@github.com/org/repo",
    "ssh://git@github.com/org/repo.git",
    "git clone https://github.com/org/repo",
    # connection strings without a password, ordinary query strings
    "Server=h;Database=app;Trusted_Connection=yes;",
    "GET /x?user%5Bname%5D=bob&user%5Bemail%5D=b%40x.io",
    "GET /x?user%255Bname%255D=bob&user%255Btheme%255D=dark",
    # blank separators in prose and code
    "db.url jdbc:postgresql://h/app",
    "db.password_policy strict",
    "enable password protection on the router",
    "self.password = settings.password",
    "config.token.length > 0",
    # YAML aliases and filler
    "password: *db_password",
    "password=****",
    "ＯＫ：完了",
]


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalikes_are_left_alone(text: str) -> None:
    """Names that are not sensitive, filler, user names, prose and code stay as they are."""
    assert_left_alone(text)


# -- the scanner ------------------------------------------------------------------------------

_SCANNED = [
    ("log.txt", "map[Authorization:[Bearer {v}]]"),
    ("Client.java", "HttpHeaders{Authorization=[Bearer {v}]}"),
    ("app.js", "res.cookie('token','{v}')"),
    ("store.py", 'keyring.set_password("svc","bob","{v}")'),
    ("client.py", 'token = "Bearer " + "{v}"'),
    ("login.sh", "gh auth login --with-token <<< {v}"),
    ("clone.sh", "git clone https://{v}:x-oauth-basic@github.com/org/repo"),
    ("clone.sh", "git clone https://{v}@github.com/org/repo"),
    ("app.config", "Server=h;Password=a b {v};"),
    ("access.log", "GET /x?user%5Bpassword%5D={v}"),
    ("app.properties", "db.password {v}"),
    ("router.cfg", "enable secret 5 {v}"),
    ("router.cfg", "username admin password 7 {v}"),
    ("notes.txt", "password：{v}"),
    ("env.txt", "password=*{v}"),
]


@pytest.mark.parametrize(("path", "template"), _SCANNED, ids=[t for _, t in _SCANNED])
def test_scanner_reports_the_whole_value(path: str, template: str) -> None:
    """``redact scan`` reports these shapes (a random value is evidence enough) on the value."""
    value = credential(22)
    text = template.replace("{v}", value)
    found = scan_text(R, text, ScanOptions(show_secrets=True), path=path)
    assert found, text
    assert any(value in (f.secret or "") for f in found), [f.secret for f in found]


@pytest.mark.parametrize(
    "word", ["UNKNOWN", "uNKNOWN", "UnKNOWN", "UnkNoWn", "STRING", "ANY", "OBJECT"]
)
def test_an_upper_case_word_is_a_value_not_a_type(word: str) -> None:
    """``password: UNKNOWN`` holds a value; ``let password: unknown`` (TypeScript) is a type."""
    assert R.redact(f"password: {word}") != f"password: {word}"
    assert R.redact(f"let password: {word.lower()}") == f"let password: {word.lower()}"
