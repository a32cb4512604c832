"""Importing gitleaks configs: fields mapped, RE2 syntax translated, unsupported fields warned."""

from __future__ import annotations

import json
import secrets
import string
import warnings
from pathlib import Path

import pytest

from redact import Redactor, RulePack, RulePackError
from redact.gitleaks import GitleaksImportWarning, from_gitleaks_toml, load_gitleaks, translate_re2

# Written in the shape of gitleaks' own default config (v8): mid-pattern (?i), (?-i:...), \x60,
# [[rules.allowlists]] with regexTarget, a global [allowlist] with paths, a path-only rule.
CONFIG = r"""
title = "team gitleaks config"

[extend]
useDefault = true

[allowlist]
description = "global allow lists"
paths = ['''(?:^|/)node_modules(?:/.*)?$''']
regexes = ['''^\$\{(?:[A-Z_]+|[a-z_]+)\}$''']
stopwords = ["abcdefghijklmnopqrstuvwxyz"]

[[rules]]
id = "adobe-client-secret"
description = "Adobe client secret"
regex = '''\b(p8e-(?i)[a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)'''
entropy = 2
keywords = ["p8e-"]

[[rules]]
id = "acme-api-key"
description = "Acme key next to its name"
regex = '''(?i)[\w.-]{0,50}?(?:acme)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)'''
keywords = ["acme"]
tags = ["team"]
[[rules.allowlists]]
regexTarget = "line"
regexes = ['''0{32}''']

[[rules]]
id = "Widget Token"
description = "Widget token with an explicit group"
regex = '''(?-i:WIDGET|[Ww]idget)_token\s*=\s*"(wdg_[A-Za-z0-9]{24})"'''
secretGroup = 1
keywords = ["widget_token"]
[rules.allowlist]
stopwords = ["example"]

[[rules]]
id = "pkcs12-file"
description = "PKCS#12 file"
path = '''(?i)(?:^|\/)[^\/]+\.p(?:12|fx)$'''
"""


def _rand(n: int) -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def test_import_maps_rules_and_warns_about_the_rest() -> None:
    """Rules, groups, keywords, entropy and both allowlists are mapped; the rest is named in a warning."""
    with pytest.warns(GitleaksImportWarning) as record:
        pack = from_gitleaks_toml(CONFIG, source="team.toml")
    text = " | ".join(str(w.message) for w in record)
    for field in ("extend", "allowlist.paths", "regexTarget=line", "pkcs12-file"):
        assert field in text
    assert [r.id for r in pack] == ["adobe-client-secret", "acme-api-key", "widget-token"]
    adobe = pack.get("adobe-client-secret")
    assert adobe.secret_group == 1 and adobe.entropy == 2.0 and adobe.keywords == ("p8e-",)
    assert "abcdefghijklmnopqrstuvwxyz" in pack.get("acme-api-key").stopwords
    assert pack.get("widget-token").stopwords[0] == "example"
    assert "team" in pack.get("acme-api-key").tags


def test_imported_rules_find_secrets() -> None:
    """The imported pack finds secrets (mid-pattern flags behave as in Go) and honours allowlists."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GitleaksImportWarning)
        pack = from_gitleaks_toml(CONFIG)
    red = Redactor(rules=[pack], key_names_in_text=False)
    adobe = "p8e-" + _rand(16).upper() + _rand(16)
    acme = _rand(32)
    widget = "wdg_" + _rand(24)
    out = red.redact(f"ADOBE={adobe}\nacme_key: '{acme}'\nwidget_token = \"{widget}\"\n")
    assert adobe not in out and acme not in out and widget not in out
    assert (
        red.redact("acme_key: '" + "0" * 32 + "'") != ""
    )  # line-target allowlist applied to the secret
    assert not red.find("P8E-" + _rand(32))  # (?i) starts after the prefix, as in Go
    assert not red.find('widget_token = "wdg_example0000000000000000"')


def test_roundtrip_of_our_default_pack(tmp_path: Path) -> None:
    """Our default pack written as a gitleaks config and imported back still finds every example."""
    pack = RulePack.builtin("default")
    lines = ['title = "roundtrip"']
    for rule in pack:
        group = rule.secret_group
        if isinstance(group, str):
            group = rule.compiled.groupindex[rule.secret_group]
        lines += [
            "[[rules]]",
            f"id = {json.dumps(rule.id)}",
            f"regex = '''{rule.regex}'''",
            f"secretGroup = {group}",
            f"keywords = {json.dumps(list(rule.keywords) or [])}",
        ]
        if rule.entropy:
            lines.append(f"entropy = {rule.entropy}")
    path = tmp_path / ".gitleaks.toml"
    path.write_text("\n".join(lines) + "\n")
    imported = load_gitleaks(path)
    assert imported.name == "gitleaks" and len(imported) == len(pack)
    missed = []
    checked = 0
    for rule in pack:
        if rule.validator:
            continue  # gitleaks has no checksum validators
        for ex in rule.examples:
            spans = {(s, e) for s, e in imported.get(rule.id).finditer(ex)}
            checked += 1
            if not spans:
                missed.append(rule.id)
    assert not missed and checked > 200


@pytest.mark.parametrize(
    ("re2", "ours"),
    [
        (r"abc\z", r"abc\Z"),
        (r"\Qa.b*c\E+", r"a\.b\*c+"),
        (r"x\Q(literal", r"x\(literal"),
        (r"(?i)a\\z", r"(?i)a\\z"),
    ],
)
def test_translate_re2(re2: str, ours: str) -> None:
    """RE2-only syntax is rewritten; escaped backslashes are left alone."""
    assert translate_re2(re2) == ours


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("[[rules]]\nid='u'\nregex='(?U)a+'\nkeywords=['a']", "ungreedy"),
        (
            "[[rules]]\nid='bad'\nregex='(unclosed'\nkeywords=['a']",
            "rule 'bad': regex does not compile",
        ),
        ("[[rules]]\nid='p'\npath='x'", "no rule with a regex"),
        ("title='x'", "at least one [[rules]]"),
        ("[[rules]", "invalid TOML"),
    ],
)
def test_errors_name_file_and_rule(body: str, problem: str) -> None:
    """Malformed configs raise RulePackError naming the file, the rule and the problem."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GitleaksImportWarning)
        with pytest.raises(RulePackError) as info:
            from_gitleaks_toml(body, source="g.toml")
    assert str(info.value).startswith("g.toml") and problem in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    """A missing config file is reported by name."""
    with pytest.raises(RulePackError, match="nope.toml"):
        load_gitleaks(tmp_path / "nope.toml")
