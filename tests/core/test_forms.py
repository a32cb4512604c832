"""Forms of a registered value (issue 10 §6): every rewrite a framework, logger or CI
runner applies to a value is masked whole, and harmless lines of a multi-line value
are never registered on their own."""

from __future__ import annotations

import base64
import html
import json
import secrets
import shlex
import string
import urllib.parse
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from redact._forms import decoded_views, identifying_lines, looks_random, variants
from redact.exceptions import SecretTooShortError
from redact.masks import MASK_TOKEN
from tests.strategies import FORMS, filler, secret_values


def _token(n: int = 16) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _value() -> str:
    """A synthetic value holding every character the forms rewrite (built at runtime)."""
    return "Pw'" + _token() + '&<é€>"/x+ \\q'


def _covered(r: Redactor, text: str, start: int, end: int) -> bool:
    """True when known-secret findings cover ``text[start:end]`` entirely."""
    spans = sorted((f.start, f.end) for f in r.find(text) if f.detector == "known")
    reach = start
    for s, e in spans:
        if s <= reach < e:
            reach = e
        if reach >= end:
            return True
    return reach >= end


def _redactor(value: str) -> Redactor:
    known = KnownSecrets()
    known.add(value, label="s")
    return Redactor(known=known)


#: Where a form is planted: free text, a JSON document (one more layer of escaping), a URL.
CONTEXTS: dict[str, Callable[[str], str]] = {
    "text": lambda shown: f"before >>{shown}<< after",
    "json": lambda shown: json.dumps({"msg": f"login {shown} failed", "n": 1}),
    "url": lambda shown: f"GET https://api.example.test/v1?token={shown}&page=2 HTTP/1.1",
}


def _planted(context: str, shown: str) -> str:
    """``shown`` as it sits in the context's text (JSON escapes it once more)."""
    return json.dumps(shown)[1:-1] if context == "json" else shown


def _leftovers(out: str, planted: str, template: str) -> set[str]:
    """4-character runs of ``planted`` still in ``out`` that the template does not hold."""
    shown = MASK_TOKEN.sub("\x00", out)  # a mask's own letters ([REDACTED:..]) are not the value
    return {
        planted[i : i + 4]
        for i in range(len(planted) - 3)
        if planted[i : i + 4] in shown and planted[i : i + 4] not in template
    }


def _assert_masked_whole(r: Redactor, form: str, shown: str) -> None:
    for context, make in CONTEXTS.items():
        text = make(shown)
        planted = _planted(context, shown)
        start = text.index(planted)
        assert _covered(r, text, start, start + len(planted)), (form, context)
        out = r.redact(text)
        template = make("\0")
        assert "[REDACTED:s]" in out, (form, context)
        assert not _leftovers(out, planted, template), (form, context)
        assert r.redact(out) == out, (form, context)
    obj = {"event": f"x {shown} y", "items": [shown], "url": f"https://h.test/?q={shown}"}
    got = r.redact_obj(obj)
    assert isinstance(got, dict)
    for key, template in (("event", "x \0 y"), ("url", "https://h.test/?q=\0")):
        assert not _leftovers(got[key], shown, template), (form, "redact_obj", key)
        assert "[REDACTED:s]" in got[key], (form, "redact_obj", key)
    assert got["items"] == ["[REDACTED:s]"], (form, "redact_obj")


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_form_masked_whole(form: str) -> None:
    """One row per form: the value planted in that form is masked whole, and only it."""
    value = _value()
    shown = FORMS[form](value)
    assert shown != value or form == "raw"
    r = _redactor(value)
    text = f"before >>{shown}<< after"
    start = text.index(shown)
    assert _covered(r, text, start, start + len(shown)), form
    out = r.redact(text)
    assert out == "before >>[REDACTED:s]<< after", form
    assert r.redact(out) == out
    _assert_masked_whole(r, form, shown)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=secret_values,
    form=st.sampled_from(sorted(FORMS)),
    before=filler.map(lambda s: s.rstrip("\\&%^`")),
    after=filler,
)
def test_every_form_property(value: str, form: str, before: str, after: str) -> None:
    """Any value, any form, any surrounding text: the planted form is covered whole."""
    shown = FORMS[form](value)
    r = _redactor(value)
    text = f"{before} {shown} {after}"
    start = len(before) + 1
    assert _covered(r, text, start, start + len(shown))
    out = r.redact(text)
    assert shown not in out
    assert r.redact(out) == out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=secret_values, form=st.sampled_from(sorted(FORMS)))
def test_every_form_in_json_url_and_objects_property(value: str, form: str) -> None:
    """Any value, any form, planted in JSON, in a URL and in objects: no 4-character run
    of the form survives beside the mask."""
    _assert_masked_whole(_redactor(value), form, FORMS[form](value))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=secret_values, other=secret_values, form=st.sampled_from(sorted(FORMS)))
def test_other_values_forms_are_not_masked(value: str, other: str, form: str) -> None:
    """Lookalike: the forms of a value that was never registered are left alone."""
    assume(value not in other and other not in value)
    shown = FORMS[form](other)
    r = _redactor(value)
    text = f"x {shown} y"
    found = r.find(text)
    assert [f for f in found if f.detector == "known"] == []
    # (a generated value may itself read as a credential to the grammar, bob:x1@redis: the
    # property is about the registry's forms, not the key-name detector)
    assume(not found)
    assert r.redact(text) is text


@pytest.mark.parametrize("form", sorted(FORMS))
def test_short_value_refused_and_its_forms_left(form: str) -> None:
    """Below the minimum (8 characters by default) a value is refused with
    SecretTooShortError and nothing of it is masked; at the minimum every form is."""
    known = KnownSecrets()
    short = _token(7)
    with pytest.raises(SecretTooShortError):
        known.add(short, label="s")
    r = Redactor(known=known)
    text = f"x {FORMS[form](short)} y"
    assert [f for f in r.find(text) if f.detector == "known"] == []
    at_min = "Aé&" + _token(5)
    _assert_masked_whole(_redactor(at_min), form, FORMS[form](at_min))


def test_registered_with_quotes_logged_without() -> None:
    """A value read with its quotes from a config file is masked when logged bare."""
    bare = _token(20)
    for quote in "\"'`":
        r = _redactor(quote + bare + quote)
        assert r.redact(f"pw {bare} end") == "pw [REDACTED:s] end"
        b64 = base64.b64encode(bare.encode()).decode()
        assert b64 not in r.redact(f"pw {b64} end")


def test_full_width_mixed_with_ascii() -> None:
    """A value partly in full-width characters (an IME, a copy from a PDF) is masked whole."""
    value = _token(20)
    mixed = "".join(chr(ord(c) + 0xFEE0) if i % 2 else c for i, c in enumerate(value))
    r = _redactor(value)
    assert r.redact(f"x {mixed} y") == "x [REDACTED:s] y"


def test_clean_text_with_entities_and_escapes_is_returned_as_is() -> None:
    """Decoded views never change text without a registered value (same object back)."""
    r = _redactor(_value())
    for text in ("a &amp; b &#39;x&#x27; \\n \\x41 \\' ok", "ＡＢＣ ｄｅｆ 𝐀𝐁", "&bogus; \\q"):
        assert r.redact(text) is text


def test_view_offsets_map_back_across_layers() -> None:
    """A decoded view maps each of its spans back to the source run it came from."""
    text = "ａ&amp;b\\x41c"
    (view,) = [v for v in decoded_views(text) if v.text == "a&bAc"]  # every step decoded
    assert view.text == "a&bAc"
    assert view.source_span(0, 5) == (0, len(text))
    assert view.source_span(1, 2) == (1, 6)  # "&" came from "&amp;"
    assert view.source_span(3, 4) == (7, 11)  # "A" came from "\x41"
    assert view.source_span(2, 3) == (6, 7)


def _mycnf(password: str) -> str:
    return (
        "[client]\n"
        "user=root\n"
        f"password={password}\n"
        "host=db.internal\n"
        "port=3306\n"
        "socket=/var/run/mysqld/mysqld.sock\n"
        "default-character-set=utf8mb4\n"
    )


@pytest.mark.parametrize(
    "harmless",
    [
        "reading [client] section",
        "connect as user=root",
        "resolved host=db.internal in 2 ms",
        "listening on port=3306",
        "socket=/var/run/mysqld/mysqld.sock",
        "/var/run/mysqld/mysqld.sock",
        "default-character-set=utf8mb4",
        "-----BEGIN TEST KEY-----",
        "config read from the environment",
    ],
)
def test_harmless_line_of_a_block_is_not_masked(harmless: str) -> None:
    """Lookalike table: a line of a registered block that identifies nothing stays."""
    pem = (
        "-----BEGIN TEST KEY-----\n"
        + base64.b64encode(secrets.token_bytes(48)).decode()
        + "\nconfig read from the environment\n-----END TEST KEY-----"
    )
    known = KnownSecrets()
    known.add(_mycnf("S3cr" + _token(12)), label="mycnf")
    known.add(pem, label="pem")
    r = Redactor(known=known)
    assert r.redact(harmless) is harmless


def test_identifying_lines_of_a_block_are_masked() -> None:
    """The password of a my.cnf block and each PEM body line are masked on their own."""
    password = "S3cr" + _token(12)
    body = [base64.b64encode(secrets.token_bytes(48)).decode() for _ in range(3)]
    pem = "-----BEGIN TEST KEY-----\n" + "\n".join(body) + "\n-----END TEST KEY-----\n"
    known = KnownSecrets()
    known.add(_mycnf(password), label="mycnf")
    known.add(pem, label="pem")
    r = Redactor(known=known)
    assert r.redact(f"login with {password} failed") == "login with [REDACTED:mycnf] failed"
    assert r.redact(f"password={password}") == "[REDACTED:mycnf]"
    for line in body:
        assert r.redact(f"k {line} v") == "k [REDACTED:pem] v"
    crlf = _mycnf(password).replace("\n", "\r\n")
    assert r.redact(crlf) == "[REDACTED:mycnf]"  # registered with LF, logged with CRLF


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("[client]", False),
        ("reading the configuration file", False),
        ("/var/run/mysqld/mysqld.sock", False),
        ("abcdefghijklmnopqrstu", False),  # no digit: a word, not a key
        ("aaaaaaaaaaaaaaaa1111", False),  # too little entropy
        ("MIIEvQIBADANBgkqhkiG9w0BAQEFAAS", True),
        ("9f86d081884c7d659a2feaa0c55ad015", True),
        ("QkVHSU5rZXlib2R5bGluZXdpdGhvdXRkaWdpdHM", True),  # base64 with no digit
    ],
)
def test_looks_random_table(line: str, expected: bool) -> None:
    """The definition of an identifying line: length, no whitespace, letters+digits, entropy."""
    assert looks_random(line) is expected


def test_identifying_lines_rules() -> None:
    """Sensitive assignments give value and line; other assignments only a random value."""
    tok = "A1" + _token(20)
    block = f"token: '{tok}'\nhost=db.internal\nid={tok[::-1]}\n[section]\n{tok.lower()}9"
    got = identifying_lines(block)
    assert f"token: '{tok}'" in got
    assert tok in got
    assert tok[::-1] in got
    assert "host=db.internal" not in got and "db.internal" not in got
    assert "[section]" not in got


def test_every_form_is_long_enough() -> None:
    """No registered form is shorter than the registry's minimum length."""
    for v in (_value(), "abcdefgh", "é" * 8):
        assert all(len(f) >= 8 for f in variants(v))


def test_forms_table_covers_the_documented_classes() -> None:
    """The table names each class of issue 10 §6 (guards against silently dropped rows)."""
    needed = {
        "html-named",
        "html-decimal",
        "html-hex",
        "xml-apos",
        "python-repr-escape",
        "python-ascii-xNN",
        "sql-doubled-single-quote",
        "mojibake-latin1",
        "mojibake-cp1252",
        "full-width",
        "b64-of-percent",
        "double-percent",
        "b64-shift1-standalone",
        "b64-shift2-standalone",
        "percent-every-byte",
        "percent-mixed-case-hex",
        "percent-plus-for-space",
        "double-percent-every-byte",
        "b64-utf16le-powershell",
        "b64-of-b64",
        "b64-of-mojibake",
        "b64-of-double-mojibake",
        "mojibake-double",
        "b64-mime-76-lf",
        "b64-pem-64-crlf",
        "b64-wrapped-literal-backslash-n",
        "b64url-nopad",
        "shell-backslash",
        "cmd-caret",
        "powershell-backtick",
        "html-decimal-no-semicolon",
        "html-hex-lower-x-upper-digits",
        "json-u-every-punct",
        "json-escaped-slash",
        "python-x-escapes",
        "octal-escapes",
        "csharp-verbatim-doubled-quote",
        "hex-lower",
        "hex-upper",
        "hex-utf16le",
        "hex-utf16le-upper",
    }
    assert needed <= set(FORMS)


def test_table_functions_are_deterministic() -> None:
    """Each row's encoder is a pure function of the value (the table is data)."""
    v = _value()
    fns: list[Callable[[str], str]] = list(FORMS.values())
    assert [f(v) for f in fns] == [f(v) for f in fns]
    assert FORMS["html-named"](v) == html.escape(v)
    assert "'" + FORMS["shell-quote"](v) + "'" == shlex.quote(v)
    assert FORMS["json-in-html"](v) == html.escape(json.dumps(v)[1:-1])
    assert FORMS["double-percent"](v) == urllib.parse.quote(urllib.parse.quote(v, safe=""), safe="")


def test_binary_values_with_lone_surrogates() -> None:
    """Bytes that are not UTF-8 (decoded with surrogateescape) get their forms too."""
    raw = b"\xff\xfe" + _token(12).encode() + b"\x80'\"&"
    known = KnownSecrets()
    known.add(b"'" + raw + b"'", label="bin")
    known.add(b"a\n" + raw + b"\nb", label="lines")
    text = raw.decode("utf-8", "surrogateescape")
    assert Redactor(known=known).redact(f"x {text} y") == "x [REDACTED:bin] y"


def _service_account(indent: int | None) -> tuple[str, str]:
    """A service-account JSON (a real, freshly generated RSA key) and its PEM."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    doc = {
        "type": "service_account",
        "project_id": "demo-proj-4821",
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": "svc@demo-proj-4821.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return json.dumps(doc, indent=indent), pem


@pytest.mark.parametrize("indent", [2, None], ids=["pretty", "one-line"])
def test_a_pem_inside_a_registered_json_masks_its_lines_alone(indent: int | None) -> None:
    """Escaped line breaks (\\n in a JSON string) split lines too: each PEM body line alone
    is masked; the document's harmless fields are not."""
    sa, pem = _service_account(indent)
    red = Redactor(known=KnownSecrets())
    red.known.add(sa, label="gcp-sa")
    body = [line for line in pem.splitlines() if not line.startswith("-----")]
    for line in body[:-1]:  # the last body line may be short
        assert line not in red.redact(f"read chunk {line} from disk"), line
    for harmless in (
        "project demo-proj-4821",  # (URLs and e-mail lines: see the harmless-line tests)
        "-----BEGIN PRIVATE KEY-----",
    ):
        assert red.redact(harmless) == harmless


def test_escaped_line_breaks_are_lines() -> None:
    """identifying_lines splits at \\n, \\r\\n and \\r escapes as at real line breaks."""
    a, b = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    for sep in ("\\n", "\\r\\n", "\\r", "\n"):
        assert {a, b} <= set(identifying_lines(f"{a}{sep}{b}"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=secret_values,
    glue=st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=4),
    upper=st.booleans(),
)
def test_hex_glued_to_letters_is_read_as_hex(value: str, glue: str, upper: bool) -> None:
    """Hex of a registered value after a few letters/digits (``00G``, ``hex``) is masked:
    a base64 reading of the whole run that happens to look like text must not hide it
    (hypothesis found ``00G`` + hex)."""
    red = Redactor(known=KnownSecrets())
    red.known.add(value, label="v")
    h = value.encode().hex()
    h = h.upper() if upper else h
    assert h not in red.redact(f"{glue}{h}")
    assert h not in red.redact(f"dump {glue}{h} end")


def test_the_hypothesis_example_of_glued_hex() -> None:
    """The example hypothesis found: ``00G`` then the hex of a zero-heavy value."""
    red = Redactor(known=KnownSecrets())
    value = "0" * 24 + ":00@0A"
    red.known.add(value, label="v")
    assert red.redact("00G" + value.encode().hex()) == "[REDACTED:v]"


@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")])
def test_a_pem_line_per_json_record_never_masks_the_record_structure(
    separators: tuple[str, str],
) -> None:
    """Docker/Kubernetes json-file logs: one record a PEM line. A mask never runs from a
    record's value into its next member name (it ate ``\\n","stream`` and broke the JSON);
    the array-of-lines separator of a PEM is not a member separator."""
    _, pem = _service_account(None)
    lines = pem.splitlines()
    text = "\n".join(
        json.dumps(
            {"log": line + "\n", "stream": "stdout", "time": "2026-11-30T10:00:00Z"},
            separators=separators,
        )
        for line in lines
    )
    for record in Redactor.default().redact(text).splitlines():
        parsed = json.loads(record)  # every record still parses
        assert set(parsed) == {"log", "stream", "time"}
    array = json.dumps(lines, separators=separators)  # a PEM as a list of lines: one mask
    assert Redactor.default().redact(array) == '["[REDACTED:private-key-pem]"]'


@pytest.mark.parametrize("value", ["=0000012", "=abcdefg", "éabcdefgh", "Ã©Zq9Lm2X"])
@pytest.mark.parametrize("form", ["hex-lower", "hex-upper", "hex-utf16le", "hex-utf16le-upper"])
@pytest.mark.parametrize("lead", ["q=", "/search?q=", "value="])
def test_a_hex_form_after_an_equals_sign_is_read_as_a_run(value: str, form: str, lead: str) -> None:
    """``q=3d0030...``: the quoted-printable decoders read ``=3d`` (or ``=c3``) as an escape
    and cut the hex run of the form before the runs decoder saw it. A decoder that fired
    alone before the runs decoder is now also skipped in a second chain (found by the
    property above: ``=0000012`` as UTF-16 hex after ``token=``)."""
    shown = FORMS[form](value)
    if not shown.lower().startswith(("3d", "c3")):
        pytest.skip("the form does not start like a quoted-printable escape")
    r = _redactor(value)
    text = f"GET /x?{lead}{shown}&page=2"
    assert r.redact(text) == f"GET /x?{lead}[REDACTED:s]&page=2"


@pytest.mark.parametrize("value", ["000=0012", "abc=defg1", "=0000012", "Zq9=Lm2Xw7"])
@pytest.mark.parametrize("form", ["header-fold-space", "header-fold-tab", "hex-utf16le"])
def test_a_form_whose_break_follows_an_equals_sign_is_masked_whole(value: str, form: str) -> None:
    """A value holding ``=`` folded right after it (``000=\\r\\n 0012``) read as a soft line
    break and lost its header fold: one quoted-printable decoder fired alone and the fold
    decoder never saw the text (hypothesis found ``000=0012``). In text, JSON, a URL and
    objects, nothing of the form survives beside the mask."""
    _assert_masked_whole(_redactor(value), form, FORMS[form](value))
