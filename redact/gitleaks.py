"""Import a gitleaks TOML configuration as a :class:`~redact.rules.RulePack`.

Many teams already keep a ``.gitleaks.toml``. This module maps what has a
meaning for text redaction and warns (``warnings.warn``, naming the fields)
about the rest::

    gitleaks                          redact
    --------------------------------  -------------------------------------------
    [[rules]] id, description, tags   id (lower-cased, other characters -> "-"), ...
    regex (Go RE2)                    regex (translated: \\z, \\Q...\\E, (?U) refused)
    secretGroup                       secret_group (unset + groups -> first group)
    entropy                           entropy
    keywords                          keywords (lower-cased); none -> keywordless
    [rules.allowlist] / [[rules.allowlists]]
        regexes, stopwords            allowlist regexes / stopwords (checked on the secret)
    [allowlist] / [[allowlists]]      pack-wide [allowlist]
    path, paths, commits, condition,  not applicable to text: warned, ignored
    regexTarget != "secret", [extend], targetRules, validate, ...

Rules that only have a ``path`` (file-name rules) are skipped with a warning.
"""

from __future__ import annotations

import re
import tomllib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import regex

from redact.exceptions import RulePackError
from redact.rules import RulePack

__all__ = ["GitleaksImportWarning", "from_gitleaks_toml", "load_gitleaks", "translate_re2"]

_RULE_FIELDS = frozenset(
    {"id", "description", "regex", "secretGroup", "entropy", "keywords", "tags", "allowlist"}
)
_ALLOW_FIELDS = frozenset({"description", "regexes", "stopwords", "regexTarget"})
_TOP_FIELDS = frozenset({"title", "rules", "allowlist", "allowlists"})
_ID_BAD = re.compile(r"[^a-z0-9-]+")


class GitleaksImportWarning(UserWarning):
    """A gitleaks field has no meaning for text redaction and was ignored."""


def translate_re2(pattern: str) -> str:
    """Rewrite Go RE2 syntax the ``regex`` module reads differently.

    ``\\z`` (end of text) becomes ``\\Z``; ``\\Q...\\E`` literals are escaped;
    the ungreedy flag ``(?U)`` has no equivalent and raises ``ValueError``.
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = n if end < 0 else end + 2
                continue
            out.append("\\Z" if nxt == "z" else pattern[i : i + 2])
            i += 2
            continue
        if c == "(" and pattern.startswith("(?", i):
            m = re.match(r"\(\?([a-zA-Z-]*)[:)]", pattern[i:])
            if m and "U" in m.group(1):
                msg = "the RE2 ungreedy flag (?U) has no equivalent; rewrite with lazy quantifiers"
                raise ValueError(msg)
        out.append(c)
        i += 1
    return "".join(out)


def load_gitleaks(path: str | Path, *, name: str | None = None) -> RulePack:
    """Read a gitleaks config file and return it as a rule pack."""
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        msg = f"cannot read gitleaks config: {exc.strerror or exc}"
        raise RulePackError(msg, source=str(p)) from None
    return from_gitleaks_toml(text, source=str(p), name=name or p.stem.lstrip(".") or "gitleaks")


def from_gitleaks_toml(
    text: str, *, source: str = "<gitleaks>", name: str = "gitleaks"
) -> RulePack:
    """Translate gitleaks TOML text into a validated rule pack."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"invalid TOML: {exc}"
        raise RulePackError(msg, source=source) from None
    ignored: set[str] = {f for f in data if f not in _TOP_FIELDS}
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        msg = "a gitleaks config needs at least one [[rules]] entry"
        raise RulePackError(msg, source=source)
    rules: list[dict[str, Any]] = []
    skipped: list[str] = []
    for index, raw in enumerate(raw_rules):
        if not isinstance(raw, Mapping):
            msg = f"rules[{index}] must be a table"
            raise RulePackError(msg, source=source)
        rule = _rule(raw, index, source=source, ignored=ignored)
        if rule is None:
            skipped.append(str(raw.get("id", index)))
        else:
            rules.append(rule)
    allow = _global_allowlist(data, ignored)
    if skipped:
        warnings.warn(
            f"{source}: skipped path-only rule(s) {', '.join(skipped)} (no regex to match text)",
            GitleaksImportWarning,
            stacklevel=2,
        )
    if ignored:
        warnings.warn(
            f"{source}: ignored unsupported gitleaks field(s): {', '.join(sorted(ignored))}",
            GitleaksImportWarning,
            stacklevel=2,
        )
    if not rules:
        msg = "no rule with a regex to import"
        raise RulePackError(msg, source=source)
    pack: dict[str, Any] = {
        "pack": {"name": name, "format": 1, "description": str(data.get("title", ""))},
        "rules": rules,
    }
    if allow:
        pack["allowlist"] = allow
    return RulePack.from_dict(pack, source=source)


def _rule(
    raw: Mapping[str, Any], index: int, *, source: str, ignored: set[str]
) -> dict[str, Any] | None:
    rid_raw = str(raw.get("id", f"rule-{index}"))
    rid = _ID_BAD.sub("-", rid_raw.lower()).strip("-")[:63] or f"rule-{index}"
    ignored.update(f"rules.{k}" for k in raw if k not in _RULE_FIELDS and k != "allowlists")
    pattern = raw.get("regex")
    if not isinstance(pattern, str) or not pattern:
        return None
    try:
        translated = translate_re2(pattern)
    except ValueError as exc:
        raise RulePackError(str(exc), source=source, rule_id=rid) from None
    out: dict[str, Any] = {
        "id": rid,
        "description": str(raw.get("description", "")),
        "regex": translated,
        "category": "imported",
        "severity": "high",
        "tags": [str(t) for t in raw.get("tags", []) if isinstance(t, str)] + ["gitleaks"],
    }
    group = raw.get("secretGroup")
    if isinstance(group, int) and not isinstance(group, bool) and group > 0:
        out["secret_group"] = group
    elif _groups(translated) >= 1:
        out["secret_group"] = 1  # gitleaks uses the first capture group when none is named
    entropy = raw.get("entropy")
    if isinstance(entropy, int | float) and not isinstance(entropy, bool) and entropy > 0:
        out["entropy"] = float(entropy)
    keywords = [str(k).lower() for k in raw.get("keywords", []) if isinstance(k, str) and k]
    if keywords:
        out["keywords"] = keywords
    else:
        out["keywordless"] = "imported from gitleaks without keywords"
    regexes: list[str] = []
    stopwords: list[str] = []
    blocks = list(raw.get("allowlists", []) or [])
    if isinstance(raw.get("allowlist"), Mapping):
        blocks.append(raw["allowlist"])
    for block in blocks:
        _allow_block(block, regexes, stopwords, ignored, f"rules.{rid}.allowlist")
    if regexes or stopwords:
        out["allowlist"] = {
            "regexes": [translate_re2(r) for r in regexes],
            "stopwords": stopwords,
        }
    return out


def _groups(pattern: str) -> int:
    try:
        return int(regex.compile(pattern, regex.VERSION1).groups)
    except regex.error:
        return 0  # RulePack.from_dict reports the compile error with the rule id


def _allow_block(
    block: Any, regexes: list[str], stopwords: list[str], ignored: set[str], where: str
) -> None:
    if not isinstance(block, Mapping):
        return
    for key in block:
        if key not in _ALLOW_FIELDS:
            ignored.add(f"{where}.{key}")
    target = block.get("regexTarget", "secret")
    if target != "secret":
        ignored.add(f"{where}.regexTarget={target} (checked against the secret instead)")
    regexes.extend(str(r) for r in block.get("regexes", []) if isinstance(r, str))
    stopwords.extend(str(s).lower() for s in block.get("stopwords", []) if isinstance(s, str))


def _global_allowlist(data: Mapping[str, Any], ignored: set[str]) -> dict[str, list[str]]:
    regexes: list[str] = []
    stopwords: list[str] = []
    blocks = list(data.get("allowlists", []) or [])
    if isinstance(data.get("allowlist"), Mapping):
        blocks.append(data["allowlist"])
    for block in blocks:
        if isinstance(block, Mapping) and block.get("targetRules"):
            ignored.add("allowlists.targetRules (applied to every rule)")
        _allow_block(
            {k: v for k, v in block.items() if k != "targetRules"}
            if isinstance(block, Mapping)
            else block,
            regexes,
            stopwords,
            ignored,
            "allowlist",
        )
    out: dict[str, list[str]] = {}
    if regexes:
        out["regexes"] = [translate_re2(r) for r in regexes]
    if stopwords:
        out["stopwords"] = stopwords
    return out
