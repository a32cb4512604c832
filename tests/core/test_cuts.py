"""No cut may open a hole: a text a truncator cut inside a secret keeps no part of it.

``Redactor.redact_truncated`` (the end of the text is a cut) and the ``'...'+N``
truncation marker of rich / structlog reprs (a cut inside the text) mask the
unfinished secret a cut leaves: a prefix of a registered value's form, a rule
head's token, the password of an unfinished URL userinfo.
"""

from __future__ import annotations

import base64
import secrets
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from tests.strategies import clean_words

ALNUM = string.ascii_letters + string.digits


def _rand(n: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


# Fixed, built at runtime: a random tail made one run in 20 flaky, as some derived form of
# the value (a base64 reading at an offset) could start with the lookalikes' "y" and the
# documented one-character cut rule then read `x = "y"+3` as its cut.
S = "Zq" + "9Lm2Xw7Kp4Rt8Yb6Nc3Vd5"
GH = "ghp_" + _rand(36)
AKIA = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + "234567") for _ in range(16))
SLACK = "xoxb-" + "-".join(_rand(12) for _ in range(3))
UNREG = "Pw" + _rand(20)  # no rule, not registered: only the URL's shape marks it


def _redactor() -> Redactor:
    ks = KnownSecrets()
    ks.add(S, label="s")
    return Redactor.default(known=ks)


R = _redactor()

#: (shape, text before the secret, secret, text after it)
SHAPES = [
    ("registered after a word", "x" * 62 + " key ", S, " tail"),
    ("registered after =", "y" * 40 + " api=", S, "&b=1"),
    ("registered after a quote", 'cfg {"k": "', S, '"}'),
    ("registered base64 form", "blob ", base64.b64encode(S.encode()).decode(), " end"),
    ("github token", "y" * 66 + " ", GH, " next"),
    ("aws key id", "creds ", AKIA, " next"),
    ("slack token", "hook ", SLACK, " next"),
    ("registered URL password", "z" * 50 + " postgresql://app:", S, "@db/x"),
    ("unregistered URL password", "dsn redis://default:", UNREG, "@cache:6379/0"),
]


@pytest.mark.parametrize(("shape", "head", "secret", "tail"), SHAPES, ids=[s[0] for s in SHAPES])
def test_every_cut_inside_a_secret_masks_what_is_left(
    shape: str, head: str, secret: str, tail: str
) -> None:
    """Cut at each offset inside the secret: none of its characters reaches the output."""
    text = head + secret + tail
    start = len(head)
    first = {GH: 4, AKIA: 4, SLACK: 5}.get(secret, 1)  # a rule's fixed head is no secret
    for n in range(start + first, start + len(secret)):
        out = R.redact_truncated(text[:n])
        shown = secret[: n - start]
        assert not out.endswith(shown), (shape, n - start)
        assert "[REDACTED:" in out[start - 1 :], (shape, n - start)


def test_a_whole_secret_before_the_cut_is_masked_as_by_redact() -> None:
    """A cut after the secret is an ordinary text: redact_truncated masks it like redact."""
    text = f"key {S} and more"
    assert R.redact_truncated(text) == R.redact(text)
    assert S not in R.redact_truncated(text)


@pytest.mark.parametrize(
    "text",
    ["plain log line", "ends with a word", "GET /api/v1/items 200", "x" * 80, ""],
)
def test_a_cut_text_without_a_secret_start_is_returned_unchanged(text: str) -> None:
    """No false mask on an ordinary cut: the very same object comes back."""
    assert R.redact_truncated(text) is text


@pytest.mark.parametrize("cut", [1, 3, 8, 17, len(S) - 1])
@pytest.mark.parametrize("quote", ["'", '"'])
@pytest.mark.parametrize("lead", ["", "b"])
def test_a_repr_truncation_marker_is_a_cut_in_plain_redact(cut: int, quote: str, lead: str) -> None:
    """rich / structlog ``'...'+N``: the tail before the marker's quote is masked by redact()."""
    value = "x" * 40 + " key " + S
    shown = value[: 45 + cut]
    text = f"locals: {lead}{quote}{shown}{quote}+{len(value) - len(shown)}, n=1"
    out = R.redact(text)
    assert " key " + S[:cut] not in out
    assert " key [REDACTED:s]" in out
    assert out.endswith(f"{quote}+{len(value) - len(shown)}, n=1")
    assert R.redact(out) == out


def test_a_marker_is_no_cut_for_ordinary_code() -> None:
    """``'a'+1`` with no secret start before it stays as it is (same object)."""
    text = "js: var s = 'abc'+12; x = \"y\"+3"
    assert R.redact(text) is text


def test_a_value_registered_after_the_first_cut_check_is_seen() -> None:
    """The cut heads are bound to the registry snapshot: a later add() is covered at once."""
    r = _redactor()
    later = "Kx" + secrets.token_hex(9)  # no "Z": its head can never end in a cut of S
    assert r.redact_truncated("k " + later[:6]) == "k " + later[:6]
    r.known.add(later, label="later")
    assert later[:6] not in r.redact_truncated("k " + later[:6])


@settings(max_examples=200, deadline=None)
@given(
    words=clean_words,
    sep=st.sampled_from([" ", "=", ":", '"', "'", "/", ",", "\t"]),
    cut=st.integers(1, len(S) - 1),
    which=st.sampled_from(["registered", "github", "aws"]),
)
def test_property_no_cut_shows_the_start_of_a_secret(
    words: str, sep: str, cut: int, which: str
) -> None:
    """Any ordinary text, any separator, any cut inside a registered value or a rule token:
    the characters of the secret before the cut never reach the output."""
    secret = {"registered": S, "github": GH, "aws": AKIA}[which]
    cut = min(cut, len(secret) - 1)
    if which != "registered":
        cut = max(cut, 5)  # the rule's fixed head (ghp_, AKIA) is no secret
    text = words + sep + secret[:cut]
    out = R.redact_truncated(text)
    assert not out.endswith(secret[:cut])
    assert R.redact_truncated(out) == out
