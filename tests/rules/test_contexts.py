"""Every self-contained token rule fires in every common carrier, generated from ONE table.

The carriers (source languages, config formats, positions in a line) are applied to
every example of every rule whose secret stands alone (the rule finds the secret
without its surrounding text): a rule must find the same secret in each, and the
token boundary must not cut or extend it (a token ending in ``-`` or ``_`` is whole).
"""

from __future__ import annotations

import re

import pytest

from redact import RulePack
from redact.rules import Rule
from tests.rules.conftest import PACKS

#: (carrier, template, characters the secret must not contain for the carrier to apply)
CARRIERS: list[tuple[str, str, str]] = [
    ("go", 'token := "{s}"', '"\\'),
    ("java", 'String token = "{s}";', '"\\'),
    ("javascript", "const token = '{s}';", "'\\"),
    ("typescript", "const token: string = `{s}`;", "`\\$"),
    ("python", 'TOKEN = "{s}"  # rotated', '"\\'),
    ("php", "$config['token'] = '{s}';", "'\\"),
    ("ruby", 'config.token = "{s}"', '"\\#'),
    ("csharp", 'var token = @"{s}";', '"'),
    ("shell", "export API_TOKEN={s}", " '\"$`\\;&|<>()"),
    ("makefile", "TOKEN := {s}", " $#"),
    ("hcl", 'token = "{s}"', '"\\$'),
    ("yaml", "  token: {s}", " #:'\""),
    ("xml", "<token>{s}</token>", "<&"),
    ("properties", "app.token={s}", " \\#!"),
    ("dotenv", "TOKEN={s}", " #'\""),
    ("json", '{{"token": "{s}", "n": 1}}', '"\\'),
    ("end-of-line", "the token is {s}\nnext line", " "),
    ("before-period", "use {s}.", " "),
    ("before-comma", "({s}, 42)", " "),
    ("in-quotes", "'{s}'", "'"),
    ("in-url", "https://api.example.com/v1/items?key={s}&limit=10", " &?#/+=%@:"),
]


def _standalone(rule: Rule) -> list[tuple[str, int, str]]:
    """(pack-qualified id, example index, secret) of examples whose secret stands alone."""
    out = []
    for i, ex in enumerate(rule.examples):
        for s, e in rule.finditer(ex):
            secret = ex[s:e]
            if "\n" in secret or " " in secret:
                continue
            if list(rule.finditer(secret)) == [(0, len(secret))]:
                out.append((rule.id, i, secret))
    return out


_CASES = [
    (pack, rid, i, secret)
    for pack in PACKS
    for rule in RulePack.builtin(pack)
    for rid, i, secret in _standalone(rule)
]


@pytest.mark.parametrize(("pack", "rule_id", "index", "secret"), _CASES)
def test_rule_fires_in_every_carrier(pack: str, rule_id: str, index: int, secret: str) -> None:
    """The secret is found whole in every carrier whose syntax can hold it."""
    rule = RulePack.builtin(pack).get(rule_id)
    missed = []
    for name, template, forbidden in CARRIERS:
        if any(c in secret for c in forbidden):
            continue
        text = template.format(s=secret)
        at = text.index(secret)
        if (at, at + len(secret)) not in set(rule.finditer(text)):
            missed.append(name)
    assert not missed, (rule_id, missed)


def test_carrier_table_covers_the_languages_the_issue_names() -> None:
    """Go, Java, JS/TS, Python, PHP, Ruby, C#, shell, Makefile, HCL, YAML, XML, properties, .env, JSON."""
    names = {c[0] for c in CARRIERS}
    assert {"go", "java", "javascript", "typescript", "python", "php", "ruby", "csharp"} <= names
    assert {"shell", "makefile", "hcl", "yaml", "xml", "properties", "dotenv", "json"} <= names
    assert len(_CASES) > 150


_LAST_CLASS = re.compile(r"\[((?:\\.|[^\]\\])*)\](?:\{[\d,]+\}|[+*?])?\+?\\b\)*$")


def _ends_in_boundary_after_dash_or_underscore(pattern: str) -> bool:
    """Whether ``pattern`` ends ``[...-_...]{n}\\b`` with a literal - or _ in that class."""
    m = _LAST_CLASS.search(pattern)
    if m is None:
        return False
    body = m.group(1)
    return "_" in body or body.startswith("-") or body.endswith("-") or "\\-" in body


@pytest.mark.parametrize("pack", PACKS)
def test_no_token_alphabet_with_dash_or_underscore_ends_in_word_boundary(pack: str) -> None:
    """Rules whose token may end in - or _ close with a lookahead, never with \\b."""
    bad = [
        r.id for r in RulePack.builtin(pack) if _ends_in_boundary_after_dash_or_underscore(r.regex)
    ]
    assert bad == []


@pytest.mark.parametrize("pack", PACKS)
def test_no_keyword_is_a_run_of_one_character(pack: str) -> None:
    """A keyword like ``aaaaaaaa`` wakes its rule at every offset of padding (a 50 MB run)."""
    runs = [(r.id, k) for r in RulePack.builtin(pack) for k in r.keywords]
    bad = [(rid, k) for rid, k in runs if len(k) >= 3 and len(set(k)) == 1]
    assert bad == []
