"""Documentation values of every rule's own token shape are not findings (class, not example).

For every rule with a token-shaped example, the random part of the example's secret
is replaced by the usual placeholders (``xxxx``, ``XXXX``, one repeated character, an
alphabet or digit sequence); the rule must not report the result, while it still
reports the original.
"""

from __future__ import annotations

import itertools
import random
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redact import RulePack
from redact._validators import credential_like, is_placeholder
from redact.rules import Rule
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
