"""No rule of any shipped pack backtracks catastrophically on 100 KB adversarial input."""

from __future__ import annotations

import time

import pytest
import regex

from redact import RulePack
from redact.rules import Rule
from tests.rules.conftest import PACKS

SIZE = 100_000
BUDGET = 1.0
_ALL = [(name, rule.id) for name in PACKS for rule in RulePack.builtin(name)]


def adversarial(prefix: str, keyword: str) -> list[str]:
    """Inputs that stress the usual failure shapes: long runs, repeated prefixes, separators."""
    kw = keyword or prefix or "a"
    return [
        (kw + "a" * 30 + " ") * (SIZE // (len(kw) + 31)),
        kw + "a" * SIZE,
        (kw + "=") * (SIZE // (len(kw) + 1)),
        (kw + ':"') * (SIZE // (len(kw) + 2)),
        (prefix or kw) + "A" * SIZE,
        (kw + "-1234567-") * (SIZE // (len(kw) + 9)),
        kw + " " * SIZE + "=",
        (kw + "/") * (SIZE // (len(kw) + 1)),
        "-----BEGIN PRIVATE KEY-----\n" + "A" * SIZE,
        "x://" + "a:" * (SIZE // 2),
    ]


def _slowest(rule: Rule) -> tuple[float, str]:
    # CPU time of this thread, like the regex timeout: a loaded machine must not fail a rule.
    worst = (0.0, "")
    for kw in rule.keywords[:2] or ("",):
        for i, text in enumerate(adversarial(rule.prefix, kw)):
            t0 = time.thread_time()
            try:
                for _ in rule.compiled.finditer(text, timeout=BUDGET * 2):
                    pass
            except TimeoutError:
                return (BUDGET * 2, f"{kw!r} input #{i} timed out")
            elapsed = time.thread_time() - t0
            worst = max(worst, (elapsed, f"{kw!r} input #{i}"))
    return worst


@pytest.mark.parametrize(("pack", "rule_id"), _ALL)
def test_rule_is_linear_enough(pack: str, rule_id: str) -> None:
    """Each rule scans every 100 KB adversarial input within the 1 s budget (regex timeout)."""
    rule = RulePack.builtin(pack).get(rule_id)
    elapsed, where = _slowest(rule)
    assert elapsed <= BUDGET, f"{rule_id} took {elapsed:.2f}s on {where}"


def test_timeout_is_enforced() -> None:
    """The regex timeout really stops a catastrophic pattern (the check above can fail)."""
    with pytest.raises(TimeoutError):
        regex.compile(r"(x+x+)+y").search("x" * 3000, timeout=0.05)
