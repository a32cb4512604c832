"""Rule regexes that backtrack catastrophically are refused at load and by `patterns test`.

The check builds adversarial inputs from each pattern's own structure (prefix, a
pumped repetition, a failing suffix), so a whole class is caught — nested
quantifiers, overlapping alternations, adjacent overlapping repeats, polynomial
shapes — not one listed regex. Shipped rules all pass it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import RulePack
from redact._backtrack import attacks, find_catastrophic
from redact.exceptions import RulePackError
from tests.rules.conftest import PACKS

REDACT = str(Path(sys.executable).with_name("redact"))

#: The class: each backtracks catastrophically in a different way.
CATASTROPHIC = [
    r"zzkw(?:(?:a|aa|aaa)+)+b",  # the rule: nested repeat over overlapping branches
    r"tok=(x+x+)+y",  # adjacent overlapping repeats, nested
    r"key:(a|a)*$",  # identical alternatives
    r"kw(\s*,?\s*)+x",  # optional separators between overlapping repeats
    r"^(([a-z])+.)+[A-Z]([a-z])+$",  # classic email-validator shape
    r"tok_(?:[a-z0-9]+)*\.end",  # star over plus: polynomial in the regex engine
    r"kw=(\w+)*!",  # the same with a class shorthand
    r"(?i)secret[=:]\s*(?:[A-Z0-9]+-?)*!",  # optional separator inside a starred group
    r"(?:[a-z0-9-]+\.)+example\.com",  # quadratic through search on 'a.a.a.…'
]

SAFE = [
    r"\bghp_[A-Za-z0-9]{36}\b",
    r"(?i)api[_-]?key\s*[:=]\s*(?P<secret>[A-Za-z0-9]{20,64})",
    r"-----BEGIN[ A-Z]{0,20} PRIVATE KEY-----[\s\S]{16,16384}?-----END",
    r"\bAKIA[A-Z2-7]{16}\b",
    r"\b[a-z0-9-]{1,63}\.example\.com\b",
]


def _pack(tmp_path: Path, pattern: str, rule_id: str = "user-rule") -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(
        "[pack]\nname = 'mine'\n\n[[rules]]\n"
        f"id = '{rule_id}'\nregex = '''{pattern}'''\nkeywords = ['kw']\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_a_catastrophic_rule_is_refused_at_load(tmp_path: Path, pattern: str) -> None:
    """Loading names the file, the rule id and the adversarial input that timed out."""
    path = _pack(tmp_path, pattern)
    with pytest.raises(RulePackError) as info:
        RulePack.load(path)
    message = str(info.value)
    assert str(path) in message and "rule 'user-rule'" in message
    assert "backtracks catastrophically: input " in message and " * " in message
    assert info.value.rule_id == "user-rule" and info.value.source == str(path)


@pytest.mark.parametrize("pattern", SAFE)
def test_linear_rules_load(tmp_path: Path, pattern: str) -> None:
    """Ordinary bounded or unambiguous rules are not refused."""
    assert len(RulePack.load(_pack(tmp_path, pattern))) == 1


def test_patterns_test_command_refuses_it_too(tmp_path: Path) -> None:
    """`redact patterns test` exits 2 with the same message instead of saying ok."""
    path = _pack(tmp_path, CATASTROPHIC[0], rule_id="slow-rule")
    proc = subprocess.run(
        [REDACT, "patterns", "test", str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert str(path) in proc.stderr and "slow-rule" in proc.stderr
    assert "'zzkw' + 'a' * " in proc.stderr
    assert "ok" not in proc.stdout


def _allow_pack(tmp_path: Path, pattern: str, *, pack_wide: bool) -> Path:
    path = tmp_path / "allow.toml"
    allow = "regexes = ['''" + pattern + "''']"
    rule = "[[rules]]\nid = 'user-rule'\nregex = 'tok_[a-z0-9]{8}'\nkeywords = ['tok_']\n"
    if pack_wide:
        text = f"[pack]\nname = 'mine'\n\n[allowlist]\n{allow}\n\n{rule}"
    else:
        text = f"[pack]\nname = 'mine'\n\n{rule}allowlist = {{ {allow} }}\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("pack_wide", [False, True], ids=["rule-allowlist", "pack-allowlist"])
@pytest.mark.parametrize("pattern", CATASTROPHIC[:4])
def test_a_catastrophic_allowlist_regex_is_refused_at_load(
    tmp_path: Path, pattern: str, pack_wide: bool
) -> None:
    """An allowlist regex runs on every candidate: refused like a rule, naming where it is."""
    path = _allow_pack(tmp_path, pattern, pack_wide=pack_wide)
    with pytest.raises(RulePackError) as info:
        RulePack.load(path)
    message = str(info.value)
    assert str(path) in message and "backtracks catastrophically: input " in message
    assert " * " in message and repr(pattern) in message
    if pack_wide:
        assert "[allowlist] regex" in message and info.value.rule_id == ""
    else:
        assert "rule 'user-rule'" in message and "allowlist regex" in message


@pytest.mark.parametrize("pattern", SAFE)
def test_linear_allowlist_regexes_load(tmp_path: Path, pattern: str) -> None:
    """Ordinary allowlist regexes, per rule or pack-wide, load."""
    for pack_wide in (False, True):
        assert len(RulePack.load(_allow_pack(tmp_path, pattern, pack_wide=pack_wide))) == 1


def test_patterns_test_refuses_a_catastrophic_allowlist(tmp_path: Path) -> None:
    """`redact patterns test` exits 2 naming file, rule, regex and input; never says ok."""
    path = _allow_pack(tmp_path, CATASTROPHIC[0], pack_wide=False)
    proc = subprocess.run(
        [REDACT, "patterns", "test", str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert str(path) in proc.stderr and "user-rule" in proc.stderr
    assert "allowlist regex" in proc.stderr and "'zzkw' + 'a' * " in proc.stderr
    assert "ok" not in proc.stdout


_SHIPPED = [(name, rule.id) for name in PACKS for rule in RulePack.builtin(name)]


@pytest.mark.parametrize(("pack", "rule_id"), _SHIPPED)
def test_every_shipped_rule_passes_the_load_check(pack: str, rule_id: str) -> None:
    """Shipped packs skip the check at load (speed) because this test runs it on each rule."""
    rule = RulePack.builtin(pack).get(rule_id)
    assert find_catastrophic(rule.compiled, rule.regex) is None
    for pattern, compiled in zip(rule.allow_regexes, rule.allow_compiled, strict=True):
        assert find_catastrophic(compiled, pattern) is None, pattern


_LITERAL = st.text(alphabet="abcxyz019", min_size=1, max_size=2)


@st.composite
def ambiguous_patterns(draw: st.DrawFn) -> str:
    """Patterns whose repetition can split the same text many ways (a ReDoS shape)."""
    x = "(?:" + regex.escape(draw(_LITERAL)) + ")"
    kw = draw(st.sampled_from(["kw", "token=", "secret:"]))
    shape = draw(st.integers(0, 3))
    if shape == 0:
        return f"{kw}(?:(?:{x}|{x}{x})+)+!"
    if shape == 1:
        return f"{kw}(?:{x}+{x}+)+!"
    if shape == 2:
        return f"{kw}(?:{x}|{x})*$"
    return f"{kw}(?:{x}*)*!"


@settings(max_examples=8, deadline=None)
@given(pattern=ambiguous_patterns())
def test_the_generator_catches_the_class(pattern: str) -> None:
    """Any member of these ambiguous shapes, over any literal, is caught by the generator."""
    compiled = regex.compile(pattern, regex.VERSION1)
    verdict = find_catastrophic(compiled, pattern, budget=0.1)
    assert verdict is not None, (pattern, [a.describe() for a in attacks(pattern)])
