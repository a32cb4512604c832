"""The clean fast path answers exactly what the full scan answers.

``_Snapshot.quiet`` (one probe of each automaton, no hit list) stands in for
``scan`` on every clean string, the DFA built for small automata stands in for
the contiguous NFA, and the flat-dict path leaves out strings already proven
clean. Each shortcut must agree with the slow path on every input class: plain
ASCII, keywords, registered values and their encoded forms, anchors without
their form, text with decoded views (``&``, ``\\``, non-ASCII), and registries
large enough to keep the NFA.
"""

from __future__ import annotations

import base64
import secrets
import string
import urllib.parse

import ahocorasick_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import ERROR_PLACEHOLDER, KnownSecrets, Redactor, RulePack
from redact._matcher import DFA_MAX_PATTERNS, available_backends
from redact.exceptions import RulePackError
from tests.strategies import filler

ALNUM = string.ascii_letters + string.digits


def _value() -> str:
    return "fp-" + "".join(secrets.choice(ALNUM) for _ in range(22))


VALUES = [_value() for _ in range(3)]
_KEYWORDS = sorted(Redactor.default().known.snapshot.keywords)


def _forms(value: str) -> list[str]:
    return [
        value,
        base64.b64encode(value.encode()).decode(),
        urllib.parse.quote(value, safe=""),
        value.encode().hex(),
        value.upper(),  # a case change: anchors hit, the whole form does not
        value[:-1],  # a truncated value: the anchor hits, the form does not
        value.replace("p", "&#112;"),  # an HTML reference: a decoded view holds it
    ]


#: Pieces a text is built from: keywords, registered forms, near misses, view triggers.
pieces = st.one_of(
    filler,
    st.sampled_from(_KEYWORDS),
    st.sampled_from(VALUES).flatmap(lambda v: st.sampled_from(_forms(v))),
    st.sampled_from(["&amp;", "\\n", "\\u0041", "é", "ｐａｓｓ", "&", "\\"]),
)
texts = st.lists(pieces, max_size=8).map(" ".join)


def _registry(backend: str, extra: int) -> Redactor:
    ks = KnownSecrets(backend=backend)
    ks.add_many([(v, f"fp{i}") for i, v in enumerate(VALUES)])
    if extra:
        ks.add_many([("x" + secrets.token_hex(12), "bulk") for _ in range(extra)])
    return Redactor.default(known=ks)


#: One registry per backend small enough for the DFA, one per backend that keeps the NFA.
REDACTORS = {
    (b, n): _registry(b, n)
    for b in available_backends()
    for n in (0, DFA_MAX_PATTERNS // 8)  # ~13 forms a value: past the DFA limit
}


@pytest.mark.parametrize("key", sorted(REDACTORS))
@settings(max_examples=150, deadline=None)
@given(text=texts)
def test_quiet_is_true_exactly_when_scan_finds_nothing(key: tuple[str, int], text: str) -> None:
    """quiet(text) == (scan(text) finds no value and no keyword), every backend and size."""
    snap = REDACTORS[key].known.snapshot
    hits, words = snap.scan(text)
    assert snap.quiet(text) == (not hits and not words)


@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_dfa_and_contiguous_nfa_find_the_same_spans(text: str) -> None:
    """The DFA built for small automata reports what the contiguous NFA reports."""
    patterns = [k.encode() for k in _KEYWORDS] + [v[4:12].lower().encode() for v in VALUES]
    impl = ahocorasick_rs.Implementation
    dfa = ahocorasick_rs.BytesAhoCorasick(patterns, implementation=impl.DFA)
    nfa = ahocorasick_rs.BytesAhoCorasick(patterns, implementation=impl.ContiguousNFA)
    data = text.encode("utf-8", "surrogatepass").lower()
    found = sorted(dfa.find_matches_as_indexes(data, overlapping=True))
    assert found == sorted(nfa.find_matches_as_indexes(data, overlapping=True))
    assert bool(dfa.find_matches_as_indexes(data)) == bool(found)


@pytest.mark.parametrize("key", sorted(REDACTORS))
@settings(max_examples=100, deadline=None)
@given(text=texts)
def test_redact_with_the_fast_path_equals_the_full_scan(key: tuple[str, int], text: str) -> None:
    """redact() and find() give the same answer whether or not the probe settles the text."""
    r = REDACTORS[key]
    out = r.redact(text)
    for v in VALUES:
        assert v not in out
    assert (out is text) == (not r.find(text))


@pytest.mark.parametrize("key", sorted(REDACTORS))
def test_flat_dict_skips_strings_proven_clean_but_never_a_secret(key: tuple[str, int]) -> None:
    """A flat event whose other fields are cached clean still has its secret masked,
    and a field proven clean is re-proven after the registry changes."""
    r = REDACTORS[key]
    const = "curl/8.7.1 user session refreshed"  # wakes keywords, proven clean once
    for i in range(3):
        event = {"ua": const, "path": f"/api/{i}", "status": 200}
        assert r.redact_obj(event) is event
    event = {"ua": const, "upstream": f"dsn password={VALUES[0]}", "ms": 1.5}
    out = r.redact_obj(event)
    assert VALUES[0] not in str(out)
    assert out["ua"] == const
    late = _value()
    ks = r.known
    ks.add(late, label="late")
    try:
        event = {"ua": const, "note": f"token {late}", "n": None}
        assert late not in str(r.redact_obj(event))
    finally:
        ks.remove(late)


def _pack(check: bool) -> RulePack:
    """A user pack whose regex backtracks catastrophically after its keyword."""
    data = {
        "pack": {"name": "slow"},
        "rules": [
            {
                "id": "slow-rule",
                "regex": "zzkw(?:(?:x|xx)+)+y",
                "keywords": ["zzkw"],
                "examples": ["zzkwxxy"],
            }
        ],
    }
    return RulePack.from_dict(data, check_backtracking=check)


def test_shipped_and_checked_rules_are_vetted_unchecked_ones_are_not() -> None:
    """Only rules proven linear (shipped, or attacked at load) may run without a timeout."""
    assert all(rule.vetted for rule in RulePack.builtin("default"))
    assert not _pack(check=False).rules[0].vetted
    with pytest.raises(RulePackError):
        _pack(check=True)


def test_an_unvetted_rule_still_times_out_on_a_short_line_and_fails_closed() -> None:
    """The regex timeout still bounds a rule nobody checked: the line is replaced, not passed."""
    r = Redactor(rules=_pack(check=False), rule_timeout=0.05)
    line = "zzkw" + "x" * 40 + "!"
    assert r.redact(line) == ERROR_PLACEHOLDER
