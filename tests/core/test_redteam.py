"""Red-team regressions: each test is an attack that once leaked a secret through the core."""

from __future__ import annotations

import enum
import json
import random
import re
import secrets
import string
import traceback
import unicodedata
import urllib.parse

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from redact._carriers import is_placeholder


def _synthetic(n: int = 20) -> str:
    """A random alphanumeric value built at runtime (no real credential in the source)."""
    alphabet = string.ascii_letters + string.digits
    return "Rt" + "".join(secrets.choice(alphabet) for _ in range(n))


@pytest.fixture(scope="module")
def r() -> Redactor:
    """The shipped default redactor."""
    return Redactor.default()


# -- key-name detector in free text ---------------------------------------------------------


def test_double_slash_at_line_end_does_not_skip_a_key(r: Redactor) -> None:
    """A key at offset 0 was skipped when the TEXT ENDED with '//' (negative index slice)."""
    value = _synthetic()
    out = r.redact(f"token={value} see http://example.test//")
    assert value not in out


@pytest.mark.parametrize(
    "template",
    [
        "//token={v}",
        "a //token={v}",
        "https://host/path//db_token={v}",
        "GET //api?token={v}",
    ],
)
def test_double_slash_before_key_is_not_userinfo(r: Redactor, template: str) -> None:
    """'//' before a key only means URL userinfo when ':' and a later '@' follow."""
    value = _synthetic()
    assert value not in r.redact(template.format(v=value))


def test_real_userinfo_still_left_to_url_rule(r: Redactor) -> None:
    """scheme://token:pass@host is still masked (by the URL rule) in place."""
    value = _synthetic()
    out = r.redact(f"url=https://token:{value}@db.example.test/x")
    assert value not in out
    assert "@db.example.test/x" in out


@pytest.mark.parametrize(
    "template",
    [
        "token: '{v}",  # truncated line: the closing quote was cut off
        'token: "{v}',
        '{{"token": "{v}',
        "token=\\'{v}",
    ],
)
def test_unterminated_quote_does_not_hide_value(r: Redactor, template: str) -> None:
    """An opening quote without its closing one made the bare-value regex fail."""
    value = _synthetic()
    assert value not in r.redact(template.format(v=value))


@pytest.mark.parametrize(
    "template",
    [
        '{{\\"token\\":\\"{v}\\"}}',
        'body="{{\\"api_key\\": \\"{v}\\", \\"n\\": 1}}"',
        '{{"msg": "{{\\"client_secret\\":\\"{v}\\"}}"}}',
    ],
)
def test_json_inside_json_string(r: Redactor, template: str) -> None:
    """A JSON document logged as a JSON string ({\\"token\\":\\"...\\"}) is masked."""
    value = _synthetic()
    assert value not in r.redact(template.format(v=value))


@pytest.mark.parametrize("sep", ["\u00a0=\u00a0", "\u2009:\u2009", " \u00a0: "])
def test_unicode_spaces_around_separator(r: Redactor, sep: str) -> None:
    """Non-breaking and thin spaces around '=' or ':' no longer hide the value."""
    value = _synthetic()
    assert value not in r.redact(f"token{sep}{value}")


@pytest.mark.parametrize("name", ["STRIPE__API__KEY", "APP__ACCESS__KEY", "svc__private__key"])
def test_double_underscore_env_names(r: Redactor, name: str) -> None:
    """Nested env names are sensitive in mappings, and now wake the text detector too."""
    value = _synthetic()
    assert r.is_sensitive_key(name)
    assert value not in r.redact(f"{name}={value}")


def test_value_followed_by_mask_text(r: Redactor) -> None:
    """'token=<v>[REDACTED:x]' hid <v>: the lookahead for partial masks failed the match."""
    value = _synthetic()
    assert value not in r.redact(f"x token={value}[REDACTED:x]")


def test_partial_mask_prefix_stays_idempotent() -> None:
    """The kept prefix of a partial mask (gh[REDACTED:...]) is not masked again."""
    p = Redactor.default(mask="partial")
    once = p.redact("token=ghp_" + _synthetic(36)[:36])
    assert once.startswith("token=gh[REDACTED:")
    assert p.redact(once) == once


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("password: |\n  {v}\n  second {v}\nnext: 1", "next: 1"),
        ("db:\n  token: >-\n    {v}\n  user: bob", "  user: bob"),
        ("- secret: |+\n    {v}\n- name: x", "- name: x"),
    ],
)
def test_yaml_block_scalar(r: Redactor, text: str, kept: str) -> None:
    """A YAML block scalar (key: |) masked only the '|' and left the lines below it."""
    value = _synthetic()
    out = r.redact(text.format(v=value))
    assert value not in out
    assert out.endswith(kept)
    assert r.redact(out) == out


# -- known values --------------------------------------------------------------------------


@pytest.mark.parametrize(("registered", "logged"), [("NFC", "NFD"), ("NFD", "NFC")])
def test_other_unicode_normal_form(registered: str, logged: str) -> None:
    """A value registered in NFC leaked when logged in NFD (and back): same glyphs."""
    value = "caf\u00e9-" + _synthetic() + "-\u00c5ngstr\u00f6m"
    known = KnownSecrets()
    known.add(unicodedata.normalize(registered, value), label="s")
    red = Redactor(known=known)
    shown = unicodedata.normalize(logged, value)
    assert red.redact(f"x {shown} y") == "x [REDACTED:s] y"


@pytest.mark.parametrize(
    "template",
    ["[REDACTED:{v}]", "x [REDACTED:{v}] y", "[REDACTED:a:{v}]", "[REDACTED:{v}:k1:0011aabb]"],
)
def test_value_wrapped_in_mask_text_is_masked(template: str) -> None:
    """A registered value inside mask-shaped text was dropped as 'already masked'."""
    value = _synthetic()
    known = KnownSecrets()
    known.add(value, label="s")
    red = Redactor.default(known=known)
    out = red.redact(template.format(v=value))
    assert value not in out
    assert red.redact(out) == out


def test_rule_match_wrapped_in_mask_text_is_masked(r: Redactor) -> None:
    """A rule's match (a GitHub token) inside '[REDACTED:...]' is still masked."""
    token = "ghp_" + _synthetic(36)[:36]
    out = r.redact(f"leak [REDACTED:{token}] here")
    assert token not in out
    assert r.redact(out) == out


def test_mask_shaped_registered_value() -> None:
    """A registered value that is itself a mask-shaped string is replaced by its label."""
    value = "[REDACTED:" + _synthetic(10) + "]"
    known = KnownSecrets()
    known.add(value, label="s")
    red = Redactor(known=known)
    assert red.redact(f"a {value} b") == "a [REDACTED:s] b"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=st.text(alphabet=string.ascii_letters + string.digits + "._-", min_size=8, max_size=40),
    head=st.sampled_from(["[REDACTED:", "[REDACTED:x:", "[REDACTED:jwt:alg=RS256:kid="]),
)
def test_mask_lookalike_never_shelters_a_known_value(value: str, head: str) -> None:
    """For any value, wrapping it in mask-like text never lets it through; idempotent."""
    # A value equal to a label the redactor itself renders is indistinguishable from it.
    assume(value not in {"redaction-error", "depth-limit", "sensitive-key", "known-secret"})
    assume(all(value != rule.id for rule in _DEFAULT_RULES.rules))
    known = KnownSecrets()
    known.add(value, label="s")
    red = Redactor.default(known=known)
    out = red.redact(f"{head}{value}]")
    assert value not in out
    assert red.redact(out) == out


_DEFAULT_RULES = Redactor.default()


# -- redact_obj ----------------------------------------------------------------------------


@pytest.fixture
def known_r() -> tuple[Redactor, str]:
    """A default redactor with one registered synthetic value."""
    value = _synthetic()
    known = KnownSecrets()
    known.add(value, label="s")
    return Redactor.default(known=known), value


def test_memoryview(known_r: tuple[Redactor, str]) -> None:
    """A memoryview over secret bytes came back unchanged; bytes(view) showed the value."""
    red, value = known_r
    out = red.redact_obj(memoryview(f"k={value}".encode()))
    assert isinstance(out, memoryview)
    assert value.encode() not in bytes(out)


def test_object_whose_repr_shows_a_secret(known_r: tuple[Redactor, str]) -> None:
    """Only str() was checked: an object with a clean str() but a leaking repr() passed."""
    red, value = known_r

    class Conn:
        def __str__(self) -> str:
            return "Conn"

        def __repr__(self) -> str:
            return f"Conn(password={value!r})"

    out = red.redact_obj({"conn": Conn()})
    assert value not in repr(out)
    assert value not in str(out)


def test_enum_with_secret_value(known_r: tuple[Redactor, str]) -> None:
    """Enums were atomic: a plain Enum's repr shows its value."""
    red, value = known_r
    member = enum.Enum("Cfg", {"KEY": value}).KEY  # type: ignore[attr-defined]
    assert value not in repr(red.redact_obj([member]))


def test_plain_enum_without_secret_is_kept(r: Redactor) -> None:
    """An enum with nothing to hide comes back as the same object."""

    class Color(enum.Enum):
        RED = "red"

    assert r.redact_obj(Color.RED) is Color.RED


@pytest.mark.parametrize("wrap", [lambda v: (v,), lambda v: v.encode(), lambda v: frozenset([v])])
def test_non_str_dict_keys(known_r: tuple[Redactor, str], wrap: object) -> None:
    """Tuple, bytes and frozenset keys were not walked, so a secret inside them leaked."""
    red, value = known_r
    key = wrap(value)  # type: ignore[operator]
    data = {key: 1, "n": 2}
    out = red.redact_obj(data)
    assert value not in repr(out)
    assert data == {key: 1, "n": 2}  # the caller's object is untouched


# -- long values and the large-text windows --------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "token={v}",
        'token: "{v}"',
        "x-api-key: {v}",
        '{{\\"token\\":\\"{v}\\"}}',
        "Cookie: sid={v}",
        "Authorization: Bearer {v}",
    ],
)
def test_value_longer_than_old_bound_is_masked_whole(r: Redactor, template: str) -> None:
    """Values under keys were capped at 2,048 (4,096) characters; the tail leaked."""
    value = _synthetic(4500)
    out = r.redact(template.format(v=value))
    assert value[-64:] not in out
    assert len(out) < 100


def test_quoted_value_with_spaces_longer_than_16k(r: Redactor) -> None:
    """A long quoted value with spaces fell back to the bare form and kept everything after."""
    words = " ".join(_synthetic(8) for _ in range(3000))
    out = r.redact(f'password: "{words}"')
    assert out == 'password: "[REDACTED:sensitive-key]"'


@pytest.mark.parametrize("lead", ["x" * 9000 + " ", "\u00e9" * 9000 + " ", "y " * 40000])
@pytest.mark.parametrize("template", ["token={v} end", 'token: "{v}" end', "token: |\n  {v}\nn: 1"])
def test_window_does_not_cut_a_long_value(lead: str, template: str) -> None:
    """On big texts rules run in windows around keywords; a value past the window leaked."""
    red = Redactor.default(chunk_size=1 << 16, overlap=1 << 12)
    value = _synthetic(21000)
    out = red.redact(lead + template.format(v=value))
    assert value[-64:] not in out
    assert value[5000:5064] not in out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    size=st.integers(8200, 12000),
    sep=st.sampled_from(["\n", " ", "\t", ", "]),
)
def test_big_text_finds_what_each_example_finds(
    r: Redactor, data: st.DataObject, size: int, sep: str
) -> None:
    """Every shipped example embedded anywhere in a >8 KB text is masked as on its own."""
    rule = data.draw(st.sampled_from(list(r.rules)))
    example = data.draw(st.sampled_from(list(rule.examples)))
    alphabet = string.ascii_letters + string.digits + " \n.:/-"
    rnd = random.Random(data.draw(st.integers(0, 2**32)))
    filler = "".join(rnd.choice(alphabet) for _ in range(size))
    at = data.draw(st.integers(0, size))
    big = filler[:at] + sep + example + sep + filler[at:]
    offset = at + len(sep)
    for f in r.find(example):
        part = example[f.start : f.end]
        hits = r.find(big)
        assert any(h.start <= offset + f.start and offset + f.end <= h.end for h in hits), (
            f"{rule.id}: {f.rule_id} span lost in the big text"
        )
        assert part not in r.redact(big)


@pytest.mark.parametrize(
    "unit",
    [
        'token: "a\\\\',
        "token: 'a ",
        'token: \\"a ',
        "token: |\n",
        "token=",
        "Cookie: ",
        # carriers that run once per line window must read near it, not the whole text
        "password | x\n",
        "NAME  PASSWORD\n",
        "password: x\n",
        "Key  Value\n---  -----\npassword  x\n",
        "-[ RECORD 1 ]---\npassword | x\n",
        "machine h login u password x\n",
        # a header repeated before each row: each header's table read to the next one
        "user,password\nbob,Zq9Lm2Xw\n",
        "NAME  PASSWORD  AGE\nbob   Zq9Lm2Xw  3d\n",
        "user,password\npassword,user\n",
        " user | password\n------+---------\n bob  | Zq9Lm2Xw\n",
        # the record gate reaches lines from each keyword: one pass per word, not per hit
        '"a": token b token\n',
        '{"log":"token x","stream":"s"}\nTraceback (most recent call last):\n',
        # values that may span lines, opened on every line and never closed: each
        # opener's body runs to 64 KiB, so the closing line and the placeholder test
        # must not be searched again for each one
        "password = <<EOF\n",
        "token: <<-END\n",
        "token: <<'EOF'\n",
        "$password = <<<EOT\n",
        "PASSWORD=$(cat <<EOF\n",
        "password = <<EOF\nx\n",
        "secret = '''\n",
        'password = """\n',
        "password = `\n",
        "password: >-\n",
        'password = "a\\\n',
    ],
)
def test_key_detector_and_mask_filter_stay_linear(r: Redactor, unit: str) -> None:
    """100 KB of repeated keys: unbounded values and the mask filter must not go quadratic.

    The mask filter compared every finding with every mask (4 s for this input);
    unbounded values re-scanned the rest of the line for each key.
    """
    import time

    def cost(size: int) -> float:
        # CPU time of this process, best of 3: the machine is shared, so compare growth
        # (linear: x4 for x4 input; quadratic: x16), never an absolute number of seconds.
        text = unit * (size // len(unit))
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            r.redact(text)
            best = min(best, time.process_time() - t0)
        return max(best, 1e-4)

    small, large = cost(25_000), cost(100_000)
    assert large / small < 9, (small, large)
    text = unit * (100_000 // len(unit))
    out = r.redact(text)
    assert r.redact(out) == out


# -- encodings of registered values ----------------------------------------------------------

_ENCODERS = {
    "percent-lower-hex": lambda v: re.sub(
        "%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote(v, safe="")
    ),
    "quote-default-safe-slash": lambda v: urllib.parse.quote(v, safe="/"),
    "quote-plus-safe-slash": lambda v: urllib.parse.quote_plus(v, safe="/"),
    "encodeURIComponent": lambda v: urllib.parse.quote(v, safe="!'()*"),
    "json-upper-u": lambda v: re.sub(
        r"\\u[0-9a-f]{4}", lambda m: "\\u" + m.group(0)[2:].upper(), json.dumps(v)
    ),
    "json-escaped-slash": lambda v: json.dumps(v).replace("/", "\\/"),
    "json-in-json": lambda v: json.dumps(json.dumps(v)),
    "bytes-repr": lambda v: repr(v.encode()),
}


@pytest.mark.parametrize("how", sorted(_ENCODERS))
def test_common_encoding_variants(how: str) -> None:
    """Each of these common spellings of a registered value leaked before."""
    value = "p/" + _synthetic(10) + " +!'(é)"
    known = KnownSecrets()
    known.add(value, label="s")
    red = Redactor(known=known)
    shown = _ENCODERS[how](value)
    out = red.redact(f"v={shown} end")
    assert shown not in out
    assert "[REDACTED:s]" in out


@settings(max_examples=100, deadline=None)
@given(
    value=st.text(
        alphabet=string.ascii_letters + string.digits + " /+!'()*é€%&=?\"\\",
        min_size=8,
        max_size=30,
    ).filter(lambda v: v.strip() == v and len(set(v)) > 3),
    how=st.sampled_from(sorted(_ENCODERS)),
)
def test_common_encodings_property(value: str, how: str) -> None:
    """For any value with URL/JSON-special characters, every listed spelling is masked."""
    known = KnownSecrets()
    known.add(value, label="s")
    shown = _ENCODERS[how](value)
    assert shown not in Redactor(known=known).redact(f"<{shown}>")


def test_redact_non_str_whose_str_raises(r: Redactor) -> None:
    """redact(obj) called str(obj) outside the fail-closed guard and raised into the caller."""

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    assert r.redact(Unprintable()) == "[REDACTED:redaction-error]"  # type: ignore[arg-type]


def test_bytes_keys_and_header_pairs(r: Redactor) -> None:
    """ASGI-style bytes header names and (name, value) pairs were not treated as key names."""
    cred = _synthetic(12)
    obj = {
        b"password": cred.encode(),
        "headers": [
            (b"authorization", f"Basic {cred}".encode()),
            (b"cookie", f"s={cred}".encode()),
        ],
        "pairs": [("x-api-key", cred), ("token_count", 5), ("token", None)],
    }
    out = r.redact_obj(obj)
    assert cred not in repr(out)
    assert out[b"password"] == b"[REDACTED:sensitive-key]"
    assert out["headers"][0] == (b"authorization", b"[REDACTED:sensitive-key]")
    assert out["pairs"][1:] == [("token_count", 5), ("token", None)]


@pytest.mark.parametrize("pad", [" ", "\t", " \t", "\u00a0"])
def test_value_registered_with_surrounding_whitespace(pad: str) -> None:
    """A value registered with a stray space (no newline) leaked when logged trimmed."""
    value = _synthetic()
    known = KnownSecrets()
    known.add(pad + value + pad, label="s")
    assert value not in Redactor(known=known).redact(f"k={value};")


@pytest.mark.parametrize("lead", ["", "x" * 9000 + "\n"])
def test_long_dotted_key(r: Redactor, lead: str) -> None:
    """Keys were capped at 64 characters: a longer dotted property path hid its value."""
    value = _synthetic()
    key = "com.example.service." * 10 + "payment.api_key"
    assert value not in r.redact(f"{lead}{key}={value}")


def _rendered(obj: object) -> str:
    """What a log sink prints for a (redacted) exception or its string fallback."""
    if isinstance(obj, BaseException):
        return str(obj) + "".join(traceback.format_exception(obj))
    return str(obj)


def test_exception_group_members(known_r: tuple[Redactor, str]) -> None:
    """A group's sub-exceptions are printed from .exceptions, which args did not update."""
    red, value = known_r
    group = ExceptionGroup("batch failed", [ValueError(f"v {value}"), KeyError("k")])
    out = red.redact_obj(group)
    assert isinstance(out, ExceptionGroup)
    assert value not in _rendered(out)
    assert len(out.exceptions) == 2
    assert value in str(group.exceptions[0])  # the caller's group is untouched


def test_nested_exception_group_with_notes(known_r: tuple[Redactor, str]) -> None:
    """Nested groups and notes on members are masked too."""
    red, value = known_r
    inner = ValueError("inner")
    inner.add_note(f"while using {value}")
    group = ExceptionGroup("outer", [ExceptionGroup("mid", [inner]), TypeError("t")])
    assert value not in _rendered(red.redact_obj(group))


def test_syntax_error_source_line(known_r: tuple[Redactor, str]) -> None:
    """SyntaxError.text (the offending source line) is shown by tracebacks, not by str()."""
    red, value = known_r
    err = SyntaxError("invalid syntax", ("settings.py", 3, 5, f"token = '{value}'x\n", 3, 9))
    assert value not in _rendered(red.redact_obj(err))


def test_registered_value_inside_a_rule_id_keeps_masks_intact() -> None:
    """A value that occurs in a rendered label (a rule id) is not re-masked inside it."""
    known = KnownSecrets()
    known.add("sensitive", label="a")
    red = Redactor.default(known=known)
    # Mid-line (an env line at the start of a line would be masked to its end as one value).
    out = red.redact("login token=" + _synthetic() + " sensitive")
    assert out == "login token=[REDACTED:sensitive-key] [REDACTED:a]"
    assert red.redact(out) == out


_DEFAULT = Redactor.default()
#: Text that masks show: a value equal to part of it is "found" in any output.
_MASK_WORDS = ["[REDACTED:", *(rule.id for rule in _DEFAULT.rules), "sensitive-key"]

_KEY_STYLES = [
    "{k}={v}",
    "{k}: {v}",
    "{k} = {v}",
    '{k}="{v}"',
    "{k}='{v}'",
    '"{k}": "{v}"',
    '{{\\"{k}\\":\\"{v}\\"}}',
    "{k}\u00a0=\u00a0{v}",
    '{k}: "{v}',
    "--{k}={v}",
    "{k}: |\n  {v}\n",
    "//{k}={v}",
]


@settings(max_examples=200, deadline=None)
@given(
    key=st.sampled_from(
        [
            *("password", "db_password", "API_KEY", "x-api-key", "client.secret", "APP__API__KEY"),
            *("github_token", "private_key", "access_key", "Session-Id", "dsn", "PGPASSWORD"),
        ]
    ),
    style=st.sampled_from(_KEY_STYLES),
    value=st.text(alphabet=string.ascii_letters + string.digits + "!@#$%^*-_+=./~", min_size=6)
    .filter(lambda v: v[0].isalnum() and v.lower() not in {"null", "none", "nil", "undefined"})
    .filter(lambda v: not any(v in label for label in _MASK_WORDS))
    # a filler word (MASKED, REDACTED, xxxxxx) is a placeholder, left alone by design
    .filter(lambda v: not is_placeholder(v)),
    lead=st.sampled_from(["", "msg ", "x" * 9000 + " ", "a=1 "]),
)
@example(key="password", style="{k}={v}", value="AAT_OKEN", lead="")  # a glued name: a value
def test_sensitive_key_value_never_survives(key: str, style: str, value: str, lead: str) -> None:
    """For any default sensitive name, separator style and value, the value is masked."""
    red = _DEFAULT
    out = red.redact(lead + style.format(k=key, v=value))
    assert value not in out
    assert red.redact(out) == out
