"""Documentation values of every rule's own token shape are not findings (class, not example).

For every rule with a token-shaped example, the random part of the example's secret
is replaced by the usual placeholders (``xxxx``, ``XXXX``, one repeated character, an
alphabet or digit sequence); the rule must not report the result, while it still
reports the original.
"""

from __future__ import annotations

import itertools
import random
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redact import RulePack
from redact._carriers import FORMAT_HEADS
from redact._validators import credential_like, is_placeholder
from redact.rules import Rule, literal_heads
from tests.rules.conftest import PACKS

_SEQ = string.digits + string.ascii_lowercase


def _fills(n: int) -> dict[str, str]:
    return {
        "x": "x" * n,
        "X": "X" * n,
        "repeat": "7" * n,
        "sequence": "".join(itertools.islice(itertools.cycle(_SEQ), n)),
        "stars": "*" * n,
    }


def _token_examples() -> list[tuple[str, str, int]]:
    out = []
    for pack in PACKS:
        for rule in RulePack.builtin(pack):
            if rule.category == "private-key" or not rule.prefix:
                continue
            for i, ex in enumerate(rule.examples):
                if any(rule.finditer(ex)):
                    out.append((pack, rule.id, i))
    return out


@pytest.mark.parametrize(("pack", "rule_id", "index"), _token_examples())
def test_placeholder_bodies_of_each_rule_are_not_found(pack: str, rule_id: str, index: int) -> None:
    """``<prefix>xxxx...``, ``<prefix>XXXX...``, repeats and sequences are documentation."""
    rule: Rule = RulePack.builtin(pack).get(rule_id)
    ex = rule.examples[index]
    for s, e in rule.finditer(ex):
        secret = ex[s:e]
        if not secret.startswith(rule.prefix):
            continue
        body = len(secret) - len(rule.prefix)
        for kind, fill in _fills(body).items():
            assert not rule.accepts(rule.prefix + fill), (rule_id, kind)


@pytest.mark.parametrize(
    "value",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "github_pat_XXXXXXXXXXXXXXXXXXXXXX_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "glpat-XXXXXXXXXXXXXXXXXXXX",
        "hvs.xxxxxxxxxxxxxxxxxxxxxxxx",
        "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "sk_live_1234567890abcdefghijklmn",
        "xoxb-your-token-here",
        "${SLACK_TOKEN}",
        "{{ .Values.apiKey }}",
        "%env(API_KEY)%",
        "$(cat token.txt)",
        "sk-...",
    ],
)
def test_documented_placeholders(value: str) -> None:
    """Vendors' documentation values and templates are placeholders."""
    assert is_placeholder(value)
    assert not credential_like(value, "api_key")


@pytest.mark.parametrize("alphabet", [string.ascii_letters + string.digits, "0123456789abcdef"])
def test_random_tokens_are_not_placeholders(alphabet: str) -> None:
    """20,000 random 32-character tokens: none is taken for a placeholder (recall kept)."""
    rnd = random.Random(14)
    bodies = ["".join(rnd.choice(alphabet) for _ in range(32)) for _ in range(20_000)]
    assert [b for b in bodies if is_placeholder("tok_" + b, "tok_")] == []


@given(st.text(alphabet="xX*", min_size=5, max_size=40))
def test_runs_of_placeholder_characters_are_placeholders(body: str) -> None:
    """Any body made only of x, X or * (at least five) is a placeholder after any prefix."""
    assert is_placeholder("ghp_" + body, "ghp_")


@pytest.mark.parametrize(
    ("alphabet", "size"),
    [
        (string.ascii_letters + string.digits, 16),
        (string.ascii_letters + string.digits + "!@#%^&*", 12),
        ("0123456789abcdef", 32),
        (string.ascii_letters, 14),
        (string.ascii_letters + string.digits + "+/", 40),
    ],
)
def test_random_values_under_sensitive_names_are_credentials(alphabet: str, size: int) -> None:
    """The scanner's value weighting keeps random values: of 5,000 draws at most 0.5 % look
    like words (mixed-case letters that happen to split into name-like pieces)."""
    rnd = random.Random(15)
    values = ["".join(rnd.choice(alphabet) for _ in range(size)) for _ in range(5_000)]
    assert len([v for v in values if not credential_like(v, "api_key")]) <= 25


# -- the scanner's value evidence: shapes of code, markup and documentation (issue 14) -------

_DOCUMENTATION_SHAPES = {
    "regex class": "[a-zA-Z0-9/_+=.@-]+-[a-zA-Z0-9]{6}$",
    "regex group": "(?P<access_key>\\w+)/\\d+/(?P<region>[a-z0-9-]+)",
    "regex optional": "events-webhook(-preprod)?[!/].+",
    "negated class": "[^/]{1,1023}$",
    "html in prose": "<code>beforeBlobId</code>.",
    "closing tag": "subelements.</p>",
    "html entity": "a&amp;b&amp;c&amp;d",
    "rst role": ":py:class:`~botocore.credentials.Credentials`",
    "open tag": "<missing ",
    "call": 'Session(region_name="us-west-1")',
    "constructor": "XRaySessionMaker(bind=engine)",
    "cli option": " --username=",
    "iam glob": "AmazonDataZone-*",
    "bang glob": "rds-custom!*",
    "path glob": "aws/ssm/3p/*",
    "both-ends glob": "*directconnect*",
    "alternation": "float64|complex64",
    "metasyntactic pair": "foo:bar",
    "metasyntactic list": "123,foo:bar",
    "cookie of words": "baz=quxx",
    "nested pair": "a=b]_xsrf=injected",
    "empty pair": "__Host-xsrf=",
    "base64 of short text": "enhjdg==|MTIzNA==",
    "percent-encoded prose": "a%20secret",
    "leetspeak not-real": "not-re%40l",
    "escaped bytes": "PK\\x03\\x04",
    "sequence": "ABC12345",
    "interleaved sequence": "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
    "hex word": "deadbeef12346",
    "spelled vocabulary": "SomeKindOfPassword123!@#",
    "cachedir signature": "8a477f597d28d172789f06886806bc55",
    "binary noise": "{error_msg}Nr8\x00\x00\x00r",
}


@pytest.mark.parametrize(
    "value", list(_DOCUMENTATION_SHAPES.values()), ids=list(_DOCUMENTATION_SHAPES)
)
def test_documentation_shapes_are_not_credentials(value: str) -> None:
    """Code, markup, globs, pairs of words and published constants under a sensitive name."""
    assert not credential_like(value, "secret")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        # redact:allow sensitive-key public or structural sample (the test asserts so)
        ("NextContinuationToken", "1w41l63U0xa8q7smH50vCxyTQqdxo69O3EmK28Bi5PcROI4wI/EyIJg=="),
        # redact:allow sensitive-key public or structural sample (the test asserts so)
        ("LifecycleActionToken", "bcd2f1b8-9a78-44d3-8a7a-4dd07d7cf635"),
        # redact:allow sensitive-key public or structural sample (the test asserts so)
        ("SESSION_TOKEN_PREFIX", "FQoGZXIvYXdzEBYaD"),
        # redact:allow sensitive-key public or structural sample (the test asserts so)
        ("publicKeyToken", "1fc8b3b9a1e18e3b"),
        # redact:allow sensitive-key public or structural sample (the test asserts so)
        ("VerificationToken", "ILQMESfEW0p6i6gIJcEWvO65TP5hg6B99hGFZ2lxrIs="),
        # redact:allow sensitive-key public or structural sample (the test asserts so)
        ("ClientToken", "cachedvol112233"),
        # redact:allow sensitive-key public or structural sample (the test asserts so)
        ("signature", "UYmO_lPAY5V0Wf4KZsfhiYs1SxqXPhxvjuYqellDV5A"),
    ],
)
def test_public_and_structural_names_carry_no_credential(name: str, value: str) -> None:
    """Pagination, verification, idempotency tokens, prefixes, public key tokens, signatures."""
    assert not credential_like(value, name)


#: Uniformly random tokens (hypothesis shrinks text towards 0000…, which no issuer hands out).
_TOKENS = st.builds(
    lambda seed, n: "".join(random.Random(seed).choices(string.ascii_letters + string.digits, k=n)),
    st.integers(0, 2**32),
    st.integers(16, 40),
)


@given(_TOKENS)
def test_credentials_survive_the_carriers_the_shapes_look_at(tok: str) -> None:
    """The same evidence keeps random tokens in the carriers it looks into: a cookie pair,
    a cookie header, percent-encoding, backslash escapes, Jenkins braces, quotes."""
    if not credential_like(tok, "api_key"):
        return  # the rare random draw that reads as words (bounded by the test above)
    for carried in (
        f"sessionid={tok}",
        f"theme=dark; sessionid={tok}; lang=en",
        f'"{tok}"',
        tok[:8] + "%2F" + tok[8:],
        tok[:8] + "\\/" + tok[8:],
    ):
        assert credential_like(carried, "cookie"), carried
    assert credential_like("{AQAAABAAAA" + tok + "=}", "secret")


@pytest.mark.parametrize(
    "value",
    [
        "]35d/{pB9Fo9wJ",
        "3s0K_;xh4~8XXI",
        "P@55w0rd!",
        "QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0=",
        "c2s6dzRGZUVCQ0RkeVJielUzWS1XMWk=",  # base64 of a user:password that looks random
        "ab=cd7Fq9zLm2Xp",
    ],
)
def test_credential_shaped_values_stay_credentials(value: str) -> None:
    """Lookalikes of the shapes above that are real credentials: symbols, padding, pairs."""
    assert credential_like(value, "password")


# -- documented formats with constant runs are not filler (issue 14) ------------------------

_RUN = re.compile(r"(.)\1{5,}")


def _run_heads() -> list[tuple[str, str, str]]:
    """(pack, rule id, head) of every shipped rule whose token starts with a repeated run."""
    return [
        (pack, rule.id, head)
        for pack in PACKS
        for rule in RulePack.builtin(pack)
        for head in literal_heads(rule.regex, rule.secret_group)
        if _RUN.search(head)
    ]


def test_every_shipped_format_head_with_a_run_is_known() -> None:
    """A rule whose token starts with a run (X bearer: 21 ``A``) has it in FORMAT_HEADS, so
    that the scanner's value weighting and other rules read it as format, not filler."""
    heads = _run_heads()
    assert heads, "the X app bearer token rule starts with a run of A"
    assert {h for _, _, h in heads} <= set(FORMAT_HEADS)


def _bearer(rnd: random.Random) -> str:
    """An X app-only bearer token: 21 ``A``, an app id whose zero bytes encode as ``A``s,
    then percent-encoded base64 (the documented shape)."""
    alnum = string.ascii_letters + string.digits
    tail = "".join(rnd.choices(alnum, k=40)) + "%2B" + "".join(rnd.choices(alnum, k=40))
    return "A" * 21 + "".join(rnd.choices(alnum, k=4)) + "A" * 8 + tail


@pytest.mark.parametrize("seed", range(5))
def test_x_app_bearer_tokens_are_found(seed: int) -> None:
    """The bearer token's run of ``A``s (and its zero-padded id) is its format: found by the
    X rule next to its name, and weighed as a credential under a sensitive name."""
    tok = _bearer(random.Random(seed))
    rule = RulePack.builtin("default").get("twitter-credential")
    text = f"TWITTER_BEARER_TOKEN={tok}\n"
    assert [text[s:e] for s, e in rule.finditer(text)] == [tok]
    assert not is_placeholder(tok)
    assert credential_like(tok, "bearer_token")
    assert not rule.accepts("A" * len(tok))  # the run alone is still filler
    assert not rule.accepts("A" * 21 + "x" * 90)


@pytest.mark.parametrize(("pack", "rule_id", "head"), _run_heads())
def test_rules_with_a_run_head_find_random_bodies(pack: str, rule_id: str, head: str) -> None:
    """Every rule whose format starts with a run accepts the head + a random body, and still
    drops the head + filler."""
    rule = RulePack.builtin(pack).get(rule_id)
    rnd = random.Random(rule_id)
    body = "".join(rnd.choices(string.ascii_letters + string.digits, k=90))
    assert rule.accepts(head + body)
    for fill in _fills(90).values():
        assert not rule.accepts(head + fill)


@given(
    st.integers(0, 2**32),
    st.integers(40, 100),
    st.integers(6, 10),
    st.sampled_from("A0a=f"),
)
def test_a_short_run_inside_a_long_token_is_structure(seed: int, n: int, run: int, c: str) -> None:
    """Zero bytes in base64/hex-encoded fields give runs (``AAAAAAAA``, ``00000000``): a run
    covering less than a quarter of a token of 40+ random characters is not filler."""
    rnd = random.Random(seed)
    tok = "".join(rnd.choices(string.ascii_letters + string.digits, k=n))
    at = rnd.randrange(n)
    value = tok[:at] + c * run + tok[at:]
    assert not is_placeholder("tok_" + value, "tok_")


@given(st.integers(0, 2**32), st.integers(12, 30), st.sampled_from("A0a7"))
def test_runs_that_fill_a_token_are_filler(seed: int, run: int, c: str) -> None:
    """A body that is mostly one repeated character (a quarter or more, or fewer than 16 other
    characters left) is documentation: ``ghp_aaaa…1f3``, ``AKIA0000000000000000``."""
    rnd = random.Random(seed)
    rest = "".join(rnd.choices(string.ascii_letters + string.digits, k=min(15, run)))
    assert is_placeholder("tok_" + c * run + rest, "tok_")


@pytest.mark.parametrize(
    ("alphabet", "size"),
    [
        (string.ascii_letters + string.digits, 16),
        (string.ascii_letters + string.digits + "_-", 24),
        ("0123456789abcdef", 12),
        (string.ascii_letters, 20),
    ],
)
def test_random_members_of_sensitive_containers_are_credentials(alphabet: str, size: int) -> None:
    """Weighed as a container member (``"prod": "..."`` under ``"credentials": {``), random
    values are dropped at most 1 % more often than under a sensitive name (of 5,000 draws:
    mixed-case letters that split into name-like pieces)."""
    rnd = random.Random(16)
    values = ["".join(rnd.choice(alphabet) for _ in range(size)) for _ in range(5_000)]
    member = {v for v in values if not credential_like(v, "prod", member=True)}
    plain = {v for v in values if not credential_like(v, "password")}
    assert len(member - plain) <= 50, sorted(member - plain)[:5]
