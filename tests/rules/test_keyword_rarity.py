"""Prefilter keywords are rare in ordinary code: a common word wakes its rule on every line.

The reference corpus is this interpreter's standard library (code, docstrings, comments;
``benchmarks.catalogue.reference_corpus``). A keyword may occur on at most ``RARE`` of its
lines (0.2 %, one line in 500). ``key``, ``token``, ``sk``, ``task``, ``api`` are above it.
"""

from __future__ import annotations

import pytest

from benchmarks.catalogue import RARE, line_fractions
from redact import RulePack
from tests.rules.conftest import PACKS

#: (pack, rule id, keyword) -> why the rule keeps a keyword above the threshold. Each is
#: the only literal every match of the rule contains; the regex itself is anchored.
EXEMPT = {
    ("default", "url-credentials", "@"): (
        "userinfo URLs share only '@' and '://'; '://' wakes 28 % of realistic log lines "
        "(referers), '@' 0.7 % of code lines (decorators)"
    ),
    ("default", "resend-api-key", "re_"): "re_ + 8 + _ + 24: the format's only literal",
    ("pii", "ipv6-address", ":"): "the opt-in PII pack: an IPv6 address has no other literal",
    ("pii", "phone-number-e164", "+"): "the opt-in PII pack: an E.164 number has no other literal",
    ("pii", "email-address", "@"): "the opt-in PII pack: an address has no other literal",
}


def _keywords(pack: str) -> list[tuple[str, str]]:
    return [(r.id, k) for r in RulePack.builtin(pack) for k in r.keywords]


@pytest.mark.parametrize("pack", PACKS)
def test_keywords_are_rare_in_the_reference_corpus(pack: str) -> None:
    """No rule wakes on a keyword found on more than 0.2 % of ordinary code lines."""
    pairs = _keywords(pack)
    share = line_fractions([k for _, k in pairs])
    common = [
        (rid, k, f"{share[k]:.3%}")
        for rid, k in pairs
        if share[k] > RARE and (pack, rid, k) not in EXEMPT
    ]
    assert common == []


@pytest.mark.parametrize("word", ["key", "token", "sk", "api", "self", "return", "@"])
def test_the_measure_flags_common_words(word: str) -> None:
    """The threshold refuses the words the issue names and ordinary identifiers."""
    assert line_fractions([word])[word] > RARE


@pytest.mark.parametrize("word", ["ghp_", "akia", "xoxb-", "authorization", "twitter", "sk_live_"])
def test_the_measure_keeps_distinctive_literals(word: str) -> None:
    """Provider prefixes and the names of the context rules stay under it."""
    assert line_fractions([word])[word] <= RARE


@pytest.mark.parametrize(("pack", "rule_id", "keyword"), sorted(EXEMPT))
def test_each_exemption_is_still_needed(pack: str, rule_id: str, keyword: str) -> None:
    """An exemption names a keyword its rule still has and that is still common."""
    assert keyword in RulePack.builtin(pack).get(rule_id).keywords
    assert line_fractions([keyword])[keyword] > RARE
