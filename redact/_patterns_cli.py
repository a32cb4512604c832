"""``redact patterns``: list, show and test rules, and generate the rule catalogue page.

redact patterns list [--pack NAME]        rules with counts per pack
redact patterns show ID [--pack NAME]     one rule with its (synthetic) examples
redact patterns test FILE                 check a user rule file's examples
                                          (exit 1: an example fails, 2: malformed file)
redact patterns catalogue [--output F] [--check]
                                          the Markdown catalogue generated from the TOML
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from redact.exceptions import RulePackError
from redact.rules import Rule, RulePack, builtin_pack_names

__all__ = ["catalogue_markdown", "check_pack", "register"]

_CATALOGUE_PATH = Path("docs/rule-catalogue.md")


def register(subparsers: Any) -> None:
    """Add ``patterns`` and its sub-commands to the ``redact`` parser."""
    parser = subparsers.add_parser("patterns", help="list, show and test detection rules")
    sub = parser.add_subparsers(dest="patterns_command", metavar="ACTION", required=True)

    p_list = sub.add_parser("list", help="rules with counts per pack")
    p_list.add_argument("--pack", action="append", help="only this pack (repeatable)")
    p_list.set_defaults(handler=_cmd_list)

    p_show = sub.add_parser("show", help="one rule with its examples")
    p_show.add_argument("rule_id", metavar="ID")
    p_show.add_argument("--pack", help="look only in this pack")
    p_show.set_defaults(handler=_cmd_show)

    p_test = sub.add_parser("test", help="check every example of a rule file")
    p_test.add_argument("file", metavar="FILE", type=Path)
    p_test.set_defaults(handler=_cmd_test)

    p_cat = sub.add_parser("catalogue", help="write the Markdown rule catalogue")
    p_cat.add_argument("--output", type=Path, help="write here instead of stdout")
    p_cat.add_argument("--check", action="store_true", help="exit 1 if --output is out of date")
    p_cat.set_defaults(handler=_cmd_catalogue)


def _packs(names: list[str] | None) -> list[RulePack]:
    return [RulePack.builtin(n) for n in (names or builtin_pack_names())]


def _cmd_list(args: argparse.Namespace) -> int:
    out = sys.stdout
    try:
        packs = _packs(args.pack)
    except RulePackError as exc:
        print(f"redact patterns: {exc}", file=sys.stderr)
        return 2
    total = 0
    for pack in packs:
        cats = Counter(r.category for r in pack)
        summary = ", ".join(f"{c} {n}" for c, n in sorted(cats.items()))
        print(f"{pack.name}: {len(pack)} rules ({summary})", file=out)
        for rule in pack:
            print(
                f"  {rule.id:<40} {rule.category:<15} {rule.severity:<9} {rule.description}",
                file=out,
            )
        total += len(pack)
    print(f"total: {total} rules in {len(packs)} pack(s)", file=out)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    out = sys.stdout
    for pack in _packs([args.pack] if args.pack else None):
        for rule in pack:
            if rule.id == args.rule_id:
                _print_rule(rule, out)
                return 0
    print(f"redact patterns: no rule {args.rule_id!r}", file=sys.stderr)
    return 1


def _print_rule(rule: Rule, out: TextIO) -> None:
    rows = [
        ("id", rule.id),
        ("pack", rule.pack),
        ("description", rule.description),
        ("category", rule.category),
        ("severity", rule.severity),
        ("regex", rule.regex),
        ("secret group", str(rule.secret_group)),
        ("keywords", ", ".join(rule.keywords) or f"(none: {rule.keywordless})"),
        ("entropy", "" if rule.entropy is None else f">= {rule.entropy} bits/char"),
        ("validator", rule.validator or ""),
        ("mask", rule.mask or "(redactor default)"),
        ("allowlist", "; ".join(rule.allow_regexes)),
        ("stopwords", ", ".join(rule.stopwords)),
    ]
    for key, value in rows:
        if value:
            print(f"{key + ':':<14}{value}", file=out)
    print("examples (synthetic, must be found):", file=out)
    for ex in rule.examples:
        print(f"  + {ex!r}", file=out)
    print("negative examples (must not be found):", file=out)
    for ex in rule.negative_examples:
        print(f"  - {ex!r}", file=out)


def check_pack(pack: RulePack) -> list[str]:
    """Problems with ``pack``'s examples: a missed example or a matched negative, by index."""
    from redact.engine import Redactor

    red = Redactor(rules=[pack], key_names_in_text=False)
    problems: list[str] = []
    for rule in pack:
        for i, ex in enumerate(rule.examples):
            if not any(f.rule_id == rule.id for f in red.find(ex)):
                problems.append(f"{rule.id}: example #{i + 1} is not found")
        for i, ex in enumerate(rule.negative_examples):
            if any(f.rule_id == rule.id for f in red.find(ex)):
                problems.append(f"{rule.id}: negative example #{i + 1} is found")
    return problems


def _cmd_test(args: argparse.Namespace) -> int:
    out = sys.stdout
    try:
        pack = RulePack.load(args.file)
    except RulePackError as exc:
        print(f"redact patterns test: {exc}", file=sys.stderr)
        return 2
    problems = check_pack(pack)
    untested = [r.id for r in pack if not r.examples]
    for p in problems:
        print(f"FAIL {p}", file=out)
    for rid in untested:
        print(f"warning: {rid} has no examples", file=out)
    n_ex = sum(len(r.examples) + len(r.negative_examples) for r in pack)
    verdict = "FAILED" if problems else "ok"
    print(
        f"{verdict}: {len(pack)} rule(s), {n_ex} example(s), {len(problems)} failure(s)", file=out
    )
    return 1 if problems else 0


def catalogue_markdown() -> str:
    """The rule catalogue page, generated from the shipped TOML packs."""
    lines = [
        "# Rule catalogue",
        "",
        "<!-- GENERATED by `redact patterns catalogue --output docs/rule-catalogue.md`;"
        " do not edit. -->",
        "",
        "Every rule shipped with redact, per pack and category. `default` runs in production;",
        "`extended` adds broader rules for CI scans; `pii` is off unless asked for",
        '(`Redactor.default(packs=("default", "pii"))`). Checks: `H>n` is the minimum Shannon',
        "entropy of the secret (bits per character); a validator is a checksum or structure check.",
        "",
    ]
    packs = _packs(None)
    lines += ["| pack | rules |", "|---|---|"]
    lines += [f"| `{p.name}` | {len(p)} |" for p in packs]
    lines += [f"| **total** | **{sum(len(p) for p in packs)}** |", ""]
    for pack in packs:
        lines += [f"## `{pack.name}` ({len(pack)} rules)", "", pack.description, ""]
        by_cat: dict[str, list[Rule]] = {}
        for rule in pack:
            by_cat.setdefault(rule.category, []).append(rule)
        for cat in sorted(by_cat):
            lines += [
                f"### {cat} ({len(by_cat[cat])})",
                "",
                "| id | description | keywords | severity | checks |",
                "|---|---|---|---|---|",
            ]
            for r in sorted(by_cat[cat], key=lambda r: r.id):
                kws = ", ".join(f"`{k}`" for k in r.keywords) or "*(none)*"
                checks = ", ".join(
                    c
                    for c in (
                        f"H>{r.entropy:g}" if r.entropy is not None else "",
                        f"validator `{r.validator}`" if r.validator else "",
                    )
                    if c
                )
                desc = r.description.replace("|", "\\|")
                lines.append(f"| `{r.id}` | {desc} | {kws} | {r.severity} | {checks} |")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _cmd_catalogue(args: argparse.Namespace) -> int:
    out = sys.stdout
    text = catalogue_markdown()
    if args.output is None:
        out.write(text)
        return 0
    if args.check:
        current = args.output.read_text("utf-8") if args.output.is_file() else ""
        if current != text:
            print(
                f"{args.output} is out of date; "
                f"run: redact patterns catalogue --output {args.output}",
                file=sys.stderr,
            )
            return 1
        return 0
    args.output.write_text(text, "utf-8")
    return 0
