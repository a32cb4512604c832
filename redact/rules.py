"""Rules and rule packs: the TOML format, its validation, and compiled matching.

A rule pack is data (a detect-secrets plugin reduced to its essence)::

    [pack]
    name = "default"
    format = 1
    description = "High-precision rules for production logs"

    [allowlist]                    # optional, applies to every rule of the pack
    regexes = ['^EXAMPLE']
    stopwords = ["example"]

    [[rules]]
    id = "github-pat"              # lower-case, digits and dashes
    description = "GitHub personal access token (classic)"
    regex = '''\\bghp_[A-Za-z0-9]{36}\\b'''
    secret_group = 0               # group number or name holding the secret (0: whole match)
    keywords = ["ghp_"]            # prefilter: a rule runs only on text holding one of them
    # keywordless = "why"          # instead of keywords, when a rule cannot have one
    entropy = 3.0                  # optional minimum Shannon entropy (bits/char) of the secret
    allowlist = { regexes = [], stopwords = [] }
    category = "source-hosting"
    severity = "high"              # low | medium | high | critical
    mask = "partial"               # optional: labelled | fixed | partial | jwt | fingerprint
    prefix = "ghp_"                # kept by the partial mask
    validator = "github-crc32"     # optional built-in checksum check
    # multiline = true             # a match may span lines (inferred when unset)
    examples = ["..."]             # must be found
    negative_examples = ["..."]    # must not be found

Errors name the file, the rule id and the problem (:class:`RulePackError`).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

# Python's own regex parser: the literal heads of a rule's token (as in redact._backtrack)
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parser  # type: ignore[attr-defined]
from typing import Any

import regex

from redact._backtrack import find_catastrophic
from redact._carriers import is_documentation_value as is_placeholder
from redact._validators import EXTRA_VALIDATORS
from redact.exceptions import RulePackError
from redact.masks import is_mask

__all__ = ["SEVERITIES", "VALIDATORS", "Rule", "RulePack", "shannon_entropy"]

SEVERITIES = ("low", "medium", "high", "critical")
_MASKS = ("labelled", "label", "fixed", "partial", "jwt", "fingerprint", "hmac")
_ID = regex.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_RULE_KEYS = frozenset(
    {
        "id",
        "description",
        "regex",
        "secret_group",
        "keywords",
        "keywordless",
        "entropy",
        "allowlist",
        "category",
        "severity",
        "mask",
        "prefix",
        "validator",
        "examples",
        "negative_examples",
        "tags",
        "multiline",
    }
)


def shannon_entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


# -- checksum validators -------------------------------------------------------------------

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(width, "0")


def _luhn(secret: str) -> bool:
    digits = [int(c) for c in secret if c.isdigit()]
    if not 12 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _iban(secret: str) -> bool:
    s = "".join(secret.split()).upper()
    if not 15 <= len(s) <= 34 or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    moved = s[4:] + s[:4]
    try:
        number = int("".join(str(int(c, 36)) for c in moved))
    except ValueError:
        return False
    return number % 97 == 1


#: Built-in checksum validators a rule can name in ``validator``.
VALIDATORS: Mapping[str, Callable[[str], bool]] = {
    # CRC32 of the 30 random characters only (prefix excluded), base62, 6 characters:
    # checked against published token/checksum pairs. The old name stays as an alias.
    "github-crc32": EXTRA_VALIDATORS["github-token-crc32"],
    "luhn": _luhn,
    "iban": _iban,
    **EXTRA_VALIDATORS,
}


@functools.lru_cache(maxsize=4096)
def literal_heads(pattern: str, group: int | str = 0) -> tuple[str, ...]:
    """The literal text each alternative of ``group`` of ``pattern`` starts with.

    ``(?P<secret>AAAAAAAAAAAAAAAAAAAAA[A-Za-z0-9%]{80,100}|[0-9]{15,25}-...)`` gives
    ``("AAAAAAAAAAAAAAAAAAAAA", "")``; ``x{3}`` counts as ``xxx``; anchors and lookarounds
    before the text are skipped. ``()`` when the pattern is beyond Python's own parser
    (``regex``-only syntax): a rule then has only its prefix and keywords as heads.
    """
    try:
        tree = _sre_parser.parse(pattern)
    except (re.error, OverflowError, RecursionError):
        return ()
    items = _group_items(tree, group)
    if items is None:
        return ()
    if len(items) == 1 and items[0][0] is _sre.BRANCH:
        return tuple(_lead(branch) for branch in items[0][1][1])
    return (_lead(items),)


def _group_items(tree: Any, group: int | str) -> Any:
    """The parsed items of capturing ``group`` (0: the whole pattern), or None."""
    if group == 0:
        return tree
    gid = tree.state.groupdict.get(group) if isinstance(group, str) else group
    stack = [tree]
    while stack:
        for op, av in stack.pop():
            if op is _sre.SUBPATTERN:
                if av[0] == gid:
                    return av[3]
                stack.append(av[3])
            elif op is _sre.BRANCH:
                stack.extend(av[1])
            elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
                stack.append(av[2])
            elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
                stack.append(av[1])
            elif op is _sre.ATOMIC_GROUP:
                stack.append(av)
    return None


def _lead(items: Any) -> str:
    """The literal characters a parsed sequence starts with."""
    out: list[str] = []
    for op, av in items:
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT) and not out:
            continue
        if op is _sre.LITERAL:
            out.append(chr(av))
            continue
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            lo, _hi, body = av
            if len(body) == 1 and body[0][0] is _sre.LITERAL:
                out.append(chr(body[0][1]) * lo)
        break
    return "".join(out)


# -- the rule model ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One detector: a pattern plus the checks that keep it precise."""

    id: str
    regex: str
    description: str = ""
    secret_group: int | str = 0
    keywords: tuple[str, ...] = ()
    keywordless: str = ""
    entropy: float | None = None
    allow_regexes: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()
    category: str = "generic"
    severity: str = "high"
    mask: str | None = None
    prefix: str = ""
    validator: str | None = None
    examples: tuple[str, ...] = ()
    negative_examples: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    multiline: bool | None = None
    pack: str = ""
    compiled: Any = field(default=None, repr=False, compare=False)
    allow_compiled: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    #: Proven not to backtrack catastrophically: attacked at load (``check_backtracking``)
    #: or shipped (attacked in tests/rules/test_backtracking.py on 100 KB inputs). The
    #: Redactor runs such a rule without the ``regex`` timeout on short windows.
    vetted: bool = field(default=False, repr=False, compare=False)

    def accepts(self, secret: str) -> bool:
        """Apply the entropy, allowlist, stop-word and checksum checks to a candidate."""
        if not secret or is_mask(secret):
            return False
        head = self._fixed_head(secret)
        if self.category != "private-key" and is_placeholder(
            secret, head, words=self.category != "pii"
        ):
            return False  # ghp_xxxx..., sk_live_1234567890..., a ${TEMPLATE}: documentation
        if self.entropy is not None and shannon_entropy(secret) < self.entropy:
            return False
        if self.stopwords:
            low = secret.lower()
            if any(w in low for w in self.stopwords):
                return False
        if any(a.search(secret) for a in self.allow_compiled):
            return False
        return not (self.validator and not VALIDATORS[self.validator](secret))

    def _fixed_head(self, secret: str) -> str:
        """The fixed start of ``secret``: the longest of the prefix, the keywords and the
        literal heads of the token's regex (:func:`literal_heads`) that it starts with."""
        low = secret[:64].lower()
        heads = [k for k in self.keywords if low.startswith(k)]
        heads += [h for h in (self.prefix, *literal_heads(self.regex, self.secret_group)) if h]
        heads = [h for h in heads if len(h) < len(secret) and low.startswith(h.lower())]
        return secret[: len(max(heads, key=len))] if heads else ""

    def finditer(
        self, text: str, pos: int = 0, endpos: int | None = None, *, timeout: float | None = None
    ) -> Iterator[tuple[int, int]]:
        """Spans of accepted secrets in ``text[pos:endpos]``."""
        end = len(text) if endpos is None else endpos
        for m in self.compiled.finditer(text, pos, end, timeout=timeout):
            s, e = m.span(self.secret_group)
            if s < 0 or s == e:
                continue
            if self.accepts(text[s:e]):
                yield s, e


@dataclass(frozen=True)
class RulePack:
    """A named, validated, compiled collection of rules."""

    name: str
    rules: tuple[Rule, ...]
    description: str = ""
    source: str = ""

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        """The rule with ``rule_id`` (KeyError if absent)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    @classmethod
    def builtin(cls, name: str = "default") -> RulePack:
        """A pack shipped in ``redact/patterns/<name>.toml`` (parsed and compiled once)."""
        return _builtin(name)

    @classmethod
    def load(cls, path: str | Path) -> RulePack:
        """Load and validate a user rule pack file."""
        p = Path(path)
        try:
            text = p.read_text("utf-8")
        except OSError as exc:
            msg = f"cannot read rule pack: {exc.strerror or exc}"
            raise RulePackError(msg, source=str(p)) from None
        except UnicodeDecodeError:
            msg = "rule pack is not valid UTF-8"
            raise RulePackError(msg, source=str(p)) from None
        return cls.from_toml(text, source=str(p))

    @classmethod
    def from_toml(
        cls, text: str, *, source: str = "<string>", check_backtracking: bool = True
    ) -> RulePack:
        """Parse a pack from TOML text; ``source`` names it in errors (see :meth:`from_dict`)."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            msg = f"invalid TOML: {exc}"
            raise RulePackError(msg, source=source) from None
        return cls.from_dict(data, source=source, check_backtracking=check_backtracking)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, source: str = "<dict>", check_backtracking: bool = True
    ) -> RulePack:
        """Build and validate a pack from already-parsed data.

        With ``check_backtracking`` (the default; shipped packs are checked by the
        test suite instead) every rule regex is attacked with inputs built from its
        own structure (:mod:`redact._backtrack`) and refused when one of them costs
        over 0.25 s of CPU or grows super-linearly: :class:`RulePackError` names the
        file, the rule and the input. About 0.5 ms of CPU per linear rule.
        """
        pack = data.get("pack", {})
        if not isinstance(pack, Mapping):
            msg = "[pack] must be a table"
            raise RulePackError(msg, source=source)
        name = str(pack.get("name") or Path(source).stem)
        fmt = pack.get("format", 1)
        if fmt != 1:
            msg = f"unsupported rule pack format {fmt!r} (this version reads format 1)"
            raise RulePackError(msg, source=source)
        glob = data.get("allowlist", {})
        raw_rules = data.get("rules")
        if not isinstance(raw_rules, list) or not raw_rules:
            msg = "a rule pack needs at least one [[rules]] entry"
            raise RulePackError(msg, source=source)
        rules: list[Rule] = []
        seen: set[str] = set()
        checked: set[str] = set()
        pack_wide = set(glob.get("regexes") or ()) if isinstance(glob, Mapping) else set()
        for i, raw in enumerate(raw_rules):
            rule = _build_rule(raw, i, pack=name, source=source, global_allow=glob)
            if rule.id in seen:
                msg = "duplicate rule id"
                raise RulePackError(msg, source=source, rule_id=rule.id)
            seen.add(rule.id)
            if check_backtracking:
                _refuse_catastrophic(rule, source, pack_wide, checked)
                rule = dataclasses.replace(rule, vetted=True)
            rules.append(rule)
        return cls(name, tuple(rules), str(pack.get("description", "")), source)

    @classmethod
    def combine(cls, packs: Iterable[RulePack], *, name: str = "combined") -> RulePack:
        """One pack holding the rules of ``packs``; later packs override equal ids."""
        by_id: dict[str, Rule] = {}
        for p in packs:
            for r in p.rules:
                by_id[r.id] = r
        return cls(name, tuple(by_id.values()))


def _refuse_catastrophic(rule: Rule, source: str, pack_wide: set[str], checked: set[str]) -> None:
    """Raise :class:`RulePackError` when the rule's regex or an allowlist regex backtracks
    catastrophically (an allowlist regex runs on every candidate the rule finds, so it
    costs as much as the rule's own). The message names the file, the rule (or the
    pack-wide ``[allowlist]``), the regex and the adversarial input that timed out."""
    verdict = find_catastrophic(rule.compiled, rule.regex)
    if verdict is not None:
        msg = f"regex backtracks catastrophically: {verdict}"
        raise RulePackError(msg, source=source, rule_id=rule.id)
    for pattern, compiled in zip(rule.allow_regexes, rule.allow_compiled, strict=True):
        if pattern in checked:
            continue  # the pack-wide allowlist is shared by every rule: check it once
        checked.add(pattern)
        verdict = find_catastrophic(compiled, pattern)
        if verdict is None:
            continue
        if pattern in pack_wide:
            msg = f"[allowlist] regex {pattern!r} backtracks catastrophically: {verdict}"
            raise RulePackError(msg, source=source)
        msg = f"allowlist regex {pattern!r} backtracks catastrophically: {verdict}"
        raise RulePackError(msg, source=source, rule_id=rule.id)


@functools.lru_cache(maxsize=16)
def _builtin(name: str) -> RulePack:
    """Shipped packs are immutable, so each is parsed and compiled once per process."""
    ref = resources.files("redact.patterns").joinpath(f"{name}.toml")
    if not ref.is_file():
        available = ", ".join(builtin_pack_names())
        msg = f"no built-in rule pack {name!r}; available: {available}"
        raise RulePackError(msg)
    # Shipped rules are attacked in tests/rules/test_backtracking.py, not on every load.
    source = f"redact/patterns/{name}.toml"
    pack = RulePack.from_toml(ref.read_text("utf-8"), source=source, check_backtracking=False)
    return dataclasses.replace(
        pack, rules=tuple(dataclasses.replace(r, vetted=True) for r in pack.rules)
    )


def builtin_pack_names() -> list[str]:
    """Names of the packs shipped with redact."""
    root = resources.files("redact.patterns")
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def _multiline_flag(value: Any, fail: Callable[[str], RulePackError]) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise fail("multiline must be true or false")


def _strings(value: Any, what: str, *, source: str, rule_id: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list):
        msg = f"{what} must be a list of strings"
        raise RulePackError(msg, source=source, rule_id=rule_id)
    if not all(isinstance(v, str) for v in value):
        msg = f"{what} must contain only strings"
        raise RulePackError(msg, source=source, rule_id=rule_id)
    return tuple(value)


def _compile(pattern: str, what: str, *, source: str, rule_id: str) -> Any:
    try:
        return regex.compile(pattern, regex.VERSION1)
    except (regex.error, TypeError) as exc:
        msg = f"{what} does not compile: {exc}"
        raise RulePackError(msg, source=source, rule_id=rule_id) from None


def _build_rule(
    raw: Any, index: int, *, pack: str, source: str, global_allow: Mapping[str, Any]
) -> Rule:
    if not isinstance(raw, Mapping):
        msg = f"rules[{index}] must be a table"
        raise RulePackError(msg, source=source)
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID.fullmatch(rid):
        msg = f"rules[{index}] needs an id of lower-case letters, digits and dashes, got {rid!r}"
        raise RulePackError(msg, source=source)

    def fail(problem: str) -> RulePackError:
        return RulePackError(problem, source=source, rule_id=rid)

    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)}")
    pattern = raw.get("regex")
    if not isinstance(pattern, str) or not pattern:
        raise fail("missing 'regex'")
    compiled = _compile(pattern, "regex", source=source, rule_id=rid)
    group = raw.get("secret_group", 0)
    if isinstance(group, bool) or not isinstance(group, int | str):
        raise fail("secret_group must be a group number or name")
    if isinstance(group, int) and not 0 <= group <= compiled.groups:
        raise fail(f"secret_group {group} but the regex has {compiled.groups} group(s)")
    if isinstance(group, str) and group not in compiled.groupindex:
        raise fail(f"secret_group {group!r} is not a named group of the regex")
    keywords = tuple(
        k.lower() for k in _strings(raw.get("keywords"), "keywords", source=source, rule_id=rid)
    )
    keywordless = raw.get("keywordless", "")
    if not keywords and not (isinstance(keywordless, str) and keywordless.strip()):
        raise fail("needs 'keywords' for the prefilter, or 'keywordless' saying why it has none")
    for k in keywords:
        if not k or not k.isascii():
            raise fail(f"keyword {k!r} must be non-empty ASCII")
    entropy = raw.get("entropy")
    if entropy is not None and (
        isinstance(entropy, bool) or not isinstance(entropy, int | float) or not 0 <= entropy <= 8
    ):
        raise fail("entropy must be a number of bits per character between 0 and 8")
    allow = raw.get("allowlist", {})
    if not isinstance(allow, Mapping):
        raise fail("allowlist must be a table with 'regexes' and/or 'stopwords'")
    allow_res = _strings(allow.get("regexes"), "allowlist.regexes", source=source, rule_id=rid)
    allow_res += _strings(
        global_allow.get("regexes"), "[allowlist].regexes", source=source, rule_id=rid
    )
    stop = _strings(allow.get("stopwords"), "allowlist.stopwords", source=source, rule_id=rid)
    stop += _strings(
        global_allow.get("stopwords"), "[allowlist].stopwords", source=source, rule_id=rid
    )
    severity = raw.get("severity", "high")
    if severity not in SEVERITIES:
        raise fail(f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    mask = raw.get("mask")
    if mask is not None and mask not in _MASKS:
        raise fail(f"mask must be one of {', '.join(_MASKS)}, got {mask!r}")
    validator = raw.get("validator")
    if validator is not None and validator not in VALIDATORS:
        raise fail(f"unknown validator {validator!r}; built-in: {', '.join(sorted(VALIDATORS))}")
    return Rule(
        id=rid,
        regex=pattern,
        description=str(raw.get("description", "")),
        secret_group=group,
        keywords=keywords,
        keywordless=str(keywordless or ""),
        entropy=None if entropy is None else float(entropy),
        allow_regexes=allow_res,
        stopwords=tuple(s.lower() for s in stop),
        category=str(raw.get("category", "generic")),
        severity=severity,
        mask=mask,
        prefix=str(raw.get("prefix", "")),
        validator=validator,
        examples=_strings(raw.get("examples"), "examples", source=source, rule_id=rid),
        negative_examples=_strings(
            raw.get("negative_examples"), "negative_examples", source=source, rule_id=rid
        ),
        tags=_strings(raw.get("tags"), "tags", source=source, rule_id=rid),
        multiline=_multiline_flag(raw.get("multiline"), fail),
        pack=pack,
        compiled=compiled,
        allow_compiled=tuple(
            _compile(a, "allowlist regex", source=source, rule_id=rid) for a in allow_res
        ),
    )
