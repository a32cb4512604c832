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


_NAMES = ["password", "token", "secret", "api_key", "auth", "Authorization", "pwd", "key", "user"]
_SEPS = ["=", ": ", "='", '="', " ", "&", "?", ":", "@", '": "', '\\"', ",", ";"]
_GHP = "ghp_" + "".join(secrets.choice(ALNUM) for _ in range(36))
_PAIR_VALUES = ["{s}", "abc", "'", '"', "", "{s}'", "x y", _GHP]
#: name, separator and value joined: shapes where a mask changes the context, so the
#: fixed-point re-check finds more (``auth=<token>&key": "'`` masks twice).
pairs = st.lists(
    st.tuples(
        st.sampled_from(_NAMES),
        st.sampled_from(_SEPS),
        st.sampled_from(_PAIR_VALUES),
        st.sampled_from([" ", "&", "; ", ", ", ""]),
    ),
    min_size=1,
    max_size=4,
)


def _big_text(lines: list[list[tuple[str, str, str, str]]], secret: str) -> str:
    """~20-60 KB of log lines, each group of pairs between long stretches of clean lines."""
    body = "GET /api/orders/12345 200 user=alice duration=12ms ok\n" * 90  # ~4.9 KB
    out = []
    for i, line in enumerate(lines):
        out.append(body if i % 2 else body[: len(body) // 3])
        out.append("".join(n + sep + v.format(s=secret) + j for n, sep, v, j in line) + "\n")
    return "".join(out)


#: Lines on which the first re-check masks more (found by search over ``pairs``).
_RECHECKED = [
    [("api_key", '": "', "{s}", "; "), ("Authorization", '": "', "x y", "&"),
     ("Authorization", '="', "{s}", " "), ("password", '": "', "abc", "; ")],
    [("auth", '="', "abc", "; "), ("user", " ", "{s}", ""), ("pwd", '": "', _GHP, ", ")],
    [("user", "='", "{s}'", ""), ("Authorization", '": "', "", "&"), ("auth", ";", "'", "&")],
    [("pwd", '="', "{s}'", "; "), ("token", ":", '"', "&"), ("auth", '": "', "'", "; ")],
    [("secret", '\\"', "{s}", ""), ("pwd", " ", "'", ", "), ("token", "=", "'", " ")],
]  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(st.one_of(pairs, st.sampled_from(_RECHECKED)), min_size=3, max_size=10),
    secret=st.sampled_from(VALUES),
)
def test_regional_recheck_equals_the_whole_text_recheck(
    lines: list[list[tuple[str, str, str, str]]], secret: str
) -> None:
    """On large texts the fixed-point re-check runs only around the masks; the result is
    the one re-checking the whole text gives, and it is a fixed point."""
    from redact import engine

    r = REDACTORS[(available_backends()[-1], 0)]
    text = _big_text(lines, secret)
    saved = engine._RECHECK_WHOLE
    try:
        engine._RECHECK_WHOLE = 1 << 30
        whole = r.redact(text)
        engine._RECHECK_WHOLE = 0
        regional = r.redact(text)
    finally:
        engine._RECHECK_WHOLE = saved
    assert regional == whole
    assert secret not in regional  # a registered value is masked wherever it sits
    assert r.redact(regional) == regional


def _sequential_share_reference(body: str) -> float:
    """The per-position loop ``_sequential_share`` ran before its C-level pre-check."""
    from redact._carriers import _SEQUENCES  # moved with the documentation-value helpers

    low = body.lower()
    covered = [False] * len(low)
    i = 0
    while i < len(low) - 4:
        j = i + 5
        if any(low[i:j] in s for s in _SEQUENCES):
            while j < len(low) and any(low[i : j + 1] in s for s in _SEQUENCES):
                j += 1
            covered[i:j] = [True] * (j - i)
            i = j
        else:
            i += 1
    return sum(covered) / len(low) if low else 0.0


_RUNS = st.sampled_from(
    ["0123456789012345678901234567890", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"]
).flatmap(
    lambda seq: st.tuples(st.integers(0, len(seq) - 1), st.integers(3, 14), st.booleans()).map(
        lambda t: seq[t[0] : t[0] + t[1]][:: -1 if t[2] else 1]
    )
)


@settings(max_examples=500, deadline=None)
@given(
    parts=st.lists(
        st.one_of(st.text(ALNUM + "-_é", max_size=12), _RUNS, _RUNS.map(str.upper)), max_size=6
    )
)
def test_sequential_share_equals_the_per_position_loop(parts: list[str]) -> None:
    """The placeholder test's run share is unchanged by its fast pre-check."""
    from redact._validators import _sequential_share

    body = "".join(parts)
    assert _sequential_share(body) == _sequential_share_reference(body)


# -- the key-name detector's shortcuts: anchored names, gated carriers ---------------------

_KEY_RULE = Redactor.default()._key_rule
#: Text built for the key detector: names (sensitive or not), separators of every kind,
#: carrier words (verbs, record fields, table cells, calls, ACL/netrc lines), values.
_kv_pieces = st.one_of(
    filler,
    st.sampled_from(_KEYWORDS),
    st.sampled_from(
        [
            *("password", "db_password", "session", "token", "api_key", "cart", "user", "x"),
            *("=", ": ", " = ", "=>", " -> ", ":=", ",", "|", "\t", ";", "(", "[", "{", "}"),
            *('"', "'", "?", "&", "\\", "<", ">", " >pw", " <pw", "\n", "#define", "ENV"),
            *("set(", "setenv", "add_header", "fastcgi_param", "name: ", "key=", "--name"),
            *("value: ", "type=password", "variable", "machine h", "default", "login("),
            *("AUTH", "requirepass", "user alice on", "acl setuser", ":5432:", "/api/12"),
            *("hunter2x9", "Zq8vN3xK1pLm7Rt2", "https://u:p@h/x", "identified by"),
            *("\xa0", "\u3000", "ｐａｓｓ", "пароль", "\u200b"),  # name characters, blanks
        ]
    ),
)
_kv_texts = st.lists(_kv_pieces, max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_kv_texts)
def test_anchored_names_find_what_a_search_of_every_separator_finds(text: str) -> None:
    """Names looked for only in the runs that hold a keyword (how ``_find`` calls the key
    detector on every text) give the spans of the search from every separator."""
    snap = Redactor.default().known.snapshot
    _, offsets = snap.scan_positions(text)
    kws = _KEY_RULE.keyword_set
    starts = [p for k, at in offsets.items() if k in kws for p in at]
    if not text.isascii():
        starts.extend(_KEY_RULE.names.name_char_offsets(text))
    anchored = set(_KEY_RULE.finditer(text, anchors=sorted(set(starts)), present=offsets))
    searched = set(_KEY_RULE.finditer(text, present=offsets))
    assert anchored == searched


@settings(max_examples=400, deadline=None)
@given(text=_kv_texts)
def test_carrier_gates_skip_only_texts_their_regex_cannot_match(text: str) -> None:
    """Each carrier's cheap gate (a word, a separator, a bracket) is a necessary condition:
    with the gate bypassed the carrier finds nothing more."""
    from redact import _carriers as c
    from redact import _commands as cmd
    from redact import keynames as kn

    n = len(text)
    # The regexes behind the gates, run unconditionally.
    assert (c._DECLARE_WORDS.search(text.lower()) is not None) or not any(
        True for _ in c._DECLARE.finditer(text, 0, n)
    )
    assert (c._RECORD_WORDS.search(text.lower()) is not None) or not any(
        True for _ in c._RECORD_NAME.finditer(text, 0, n)
    )
    assert (c._CSV_SEP.search(text) is not None) or not any(
        True for _ in c._CSV_ROW.finditer(text, 0, n)
    )
    assert (c._CALL_OPEN.search(text) is not None) or not any(
        True for _ in kn._AUTH_CALLS.finditer(text, 0, n)
    )
    acl = [
        w
        for m in cmd._ACL_LINE.finditer(text, 0, n)
        for w in cmd._words_to_eol(text, m.end())
        if text[w[0]] in "<>" and w[1] - w[0] > 1
    ]
    assert not acl or cmd._ACL_WORD.search(text) is not None
    netrc = [m for m in cmd._NETRC.finditer(text) if cmd._netrc_context(text, m.start())]
    assert not netrc or "machine" in text or "default" in text


_str_names = st.sampled_from(["password", "client_secret", "Authorization", "session_id"])
_leaves = st.one_of(pieces, st.integers(), st.none(), _str_names)
#: Plain data as adapters hand it over: dicts with str or int keys, lists and plain tuples
#: (OTel attribute arrays, a span's scope strings), pairs headed by a sensitive name,
#: argument vectors.
_plain_data = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.tuples(_str_names, inner),
        st.tuples(_str_names, inner, inner).map(list),
        st.dictionaries(st.one_of(_str_names, pieces, st.integers(0, 5)), inner, max_size=4),
        st.lists(st.sampled_from(["mysql", "-u", "root", "-p", "curl", "-H"]), max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(obj=_plain_data)
def test_plain_data_path_equals_the_general_walk(obj: object) -> None:
    """``redact_obj``'s plain-data first pass (lists, plain tuples, str/int-keyed dicts)
    gives what the general walk gives with every string redacted."""
    r = REDACTORS[(available_backends()[-1], 0)]
    expected = r._walk_top(obj, (), r.redact)
    out = r.redact_obj(obj)
    assert out == expected
    assert (out is obj) == (expected is obj)
    for v in VALUES:
        assert v not in repr(out)
