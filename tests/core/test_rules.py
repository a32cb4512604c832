"""Rule pack loading, validation errors, and catastrophic-backtracking checks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from redact import RulePack, RulePackError
from redact.rules import VALIDATORS, builtin_pack_names, shannon_entropy

MINIMAL = """
[pack]
name = "t"
[[rules]]
id = "r1"
regex = 'abc[0-9]+'
keywords = ["abc"]
"""


def test_builtin_default_pack_loads() -> None:
    """The default pack loads, has at least 25 rules, and each rule has a keyword or a reason."""
    pack = RulePack.builtin("default")
    assert "default" in builtin_pack_names()
    assert len(pack) >= 25
    for rule in pack:
        assert rule.keywords or rule.keywordless, rule.id
        assert len(rule.examples) >= 2 and len(rule.negative_examples) >= 2, rule.id


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("[[rules]]\nid = 'Bad Id'\nregex = 'x'\nkeywords=['x']", "needs an id"),
        (
            "[[rules]]\nid = 'r'\nregex = '(unclosed'\nkeywords=['x']",
            "rule 'r': regex does not compile",
        ),
        ("[[rules]]\nid = 'r'\nregex = 'x'", "rule 'r': needs 'keywords'"),
        ("[[rules]]\nid = 'r'\nregex = 'x'\nkeywords=['x']\nsecret_group = 2", "secret_group 2"),
        ("[[rules]]\nid = 'r'\nregex = 'x'\nkeywords=['x']\nseverity = 'huge'", "severity"),
        ("[[rules]]\nid = 'r'\nregex = 'x'\nkeywords=['x']\nmask = 'rot13'", "mask must be"),
        (
            "[[rules]]\nid = 'r'\nregex = 'x'\nkeywords=['x']\nvalidator = 'nope'",
            "unknown validator",
        ),
        (
            "[[rules]]\nid = 'r'\nregex = 'x'\nkeywords=['x']\nregx = 'typo'",
            "unknown field(s) regx",
        ),
        ("[[rules]]\nid = 'r'\nregex = 'x'\nkeywords=['x']\nentropy = 9", "entropy"),
        (
            "[[rules]]\nid='r'\nregex='x'\nkeywords=['x']\n[[rules]]\nid='r'\nregex='y'\nkeywords=['y']",
            "duplicate",
        ),
        ("rules = 3", "at least one"),
        ("[[rules]\n", "invalid TOML"),
        (
            "[pack]\nformat = 2\n[[rules]]\nid='r'\nregex='x'\nkeywords=['x']",
            "unsupported rule pack format",
        ),
    ],
)
def test_validation_errors_name_file_rule_and_problem(body: str, problem: str) -> None:
    """Each malformed pack raises RulePackError naming the source, the rule and the problem."""
    with pytest.raises(RulePackError) as info:
        RulePack.from_toml(body, source="my-rules.toml")
    assert str(info.value).startswith("my-rules.toml")
    assert problem in str(info.value)


def test_load_missing_file(tmp_path: Path) -> None:
    """A missing pack file gives an error naming the file."""
    with pytest.raises(RulePackError, match="nope.toml"):
        RulePack.load(tmp_path / "nope.toml")


def test_load_user_file(tmp_path: Path) -> None:
    """A valid user file loads and its source is recorded."""
    p = tmp_path / "ok.toml"
    p.write_text(MINIMAL)
    pack = RulePack.load(p)
    assert pack.name == "t" and pack.get("r1").keywords == ("abc",)


def test_unknown_builtin_pack() -> None:
    """Asking for a pack that is not shipped lists the available ones."""
    with pytest.raises(RulePackError, match="available: .*default"):
        RulePack.builtin("no-such-pack")


def test_rule_checks() -> None:
    """Entropy, stop-words, allowlist and validators reject candidates."""
    pack = RulePack.from_toml(
        """
[[rules]]
id = "e"
regex = 'k=([a-z0-9]+)'
secret_group = 1
keywords = ["k="]
entropy = 3.0
allowlist = { regexes = ['^test'], stopwords = ["dummy"] }
"""
    )
    rule = pack.get("e")
    assert rule.accepts("q8w7e6r5t4y3")
    assert not rule.accepts("aaaaaaaaaaaa")
    assert not rule.accepts("testq8w7e6r5t4")
    assert not rule.accepts("q8dummy7e6r5")
    assert not rule.accepts("[REDACTED:x]")
    assert shannon_entropy("") == 0.0


def test_validators() -> None:
    """Luhn, IBAN and GitHub CRC32 validators accept valid and reject invalid input."""
    assert VALIDATORS["luhn"]("4111 1111 1111 1111")
    assert not VALIDATORS["luhn"]("4111 1111 1111 1112")
    assert VALIDATORS["iban"]("GB82 WEST 1234 5698 7654 32")
    assert not VALIDATORS["iban"]("GB82 WEST 1234 5698 7654 33")
    body = "A" * 30
    import zlib

    from redact.rules import _base62

    token = "ghp_" + body + _base62(zlib.crc32(body.encode()), 6)
    assert VALIDATORS["github-crc32"](token)
    assert VALIDATORS["github-token-crc32"](token)
    assert not VALIDATORS["github-crc32"]("ghp_" + body + "000000")


def _adversarial(rule_prefix: str, keyword: str) -> list[str]:
    size = 100_000
    return [
        (keyword + "a" * 30 + " ") * (size // (len(keyword) + 31)),
        keyword + "a" * size,
        (keyword + "=") * (size // (len(keyword) + 1)),
        (keyword + ":" + '"' * 3) * (size // (len(keyword) + 4)),
        rule_prefix + "A" * size,
        "-" * 5 + "BEGIN PRIVATE KEY" + "-" * 5 + "\n" + "A" * size,
        "x://" + "a:" * (size // 2),
        (keyword + "-1234567-") * (size // (len(keyword) + 9)),
    ]


def test_no_rule_backtracks_catastrophically() -> None:
    """Every shipped rule handles 100 KB adversarial inputs built from its own keywords quickly."""
    from redact import Redactor

    red = Redactor.default()
    slow = []  # measured in CPU time of this thread: machine load must not fail a rule
    for rule in red._rules:
        for kw in rule.keywords[:3] or ("",):
            for text in _adversarial(rule.prefix or kw, kw):
                t0 = time.thread_time()
                list(rule.finditer(text, timeout=5.0))
                elapsed = time.thread_time() - t0
                if elapsed > 1.0:
                    slow.append((rule.id, kw, round(elapsed, 2)))
    assert not slow, slow


def test_multiline_flag() -> None:
    """multiline is validated; PEM rules are inferred multi-line, token rules single-line."""
    from redact.engine import _multiline

    with pytest.raises(RulePackError, match="multiline must be true or false"):
        RulePack.from_toml("[[rules]]\nid='r'\nregex='x'\nkeywords=['x']\nmultiline='yes'")
    pack = RulePack.builtin("default")
    assert _multiline(pack.get("private-key-pem"))
    assert not _multiline(pack.get("github-token"))
    declared = RulePack.from_toml("[[rules]]\nid='r'\nregex='x'\nkeywords=['x']\nmultiline=true")
    assert _multiline(declared.get("r"))
