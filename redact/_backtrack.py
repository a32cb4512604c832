"""Refuse rule regexes that backtrack catastrophically, before they run on real text.

A user rule such as ``zzkw(?:(?:a|aa|aaa)+)+b`` compiles, passes its examples,
and then costs seconds on every line that holds ``zzkw`` and a run of ``a``.
Instead of a list of known-bad regexes, the check attacks each pattern with
inputs built from its own structure (the classic shape of a ReDoS input):

* the *prefix* that leads to a repetition (the literals and sample characters
  of everything before it, so the keyword that selects the rule is there),
* a *pump* repeated ~4,000 times: strings one iteration of that repetition
  matches — each branch of an alternation, a character of each class range,
  nested repetitions one and two deep,
* a *failing suffix* (``\\x00``, ``!``, a newline or nothing) that makes the
  match fail at the end, so a backtracking engine tries every way to split the
  pump before giving up.

Every repetition of the pattern (at any depth) is attacked this way, each
input under a time budget; a linear regex scans these inputs in well under a
millisecond, a catastrophic one blows the budget on the first of them. The
parse uses the standard library's regex parser; syntax only the ``regex``
module knows falls back to pumps made of the pattern's own literal characters.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Attack", "Verdict", "attacks", "find_catastrophic"]

#: Characters of pump repeated in one attack input.
SIZE = 4096
#: Seconds one attack input may take before the regex is refused.
BUDGET = 0.25
#: Attack inputs tried per regex at most (the first ones are the likeliest).
MAX_ATTACKS = 24
#: CPU seconds below which growth is not judged (timer noise).
_FLOOR = 0.02
_SUFFIXES = ("\x00", "!", "")

try:  # the parser moved in Python 3.11 and may move again: degrade, never fail
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Python versions
    _p = _c = None


@dataclass(frozen=True)
class Attack:
    """One adversarial input: ``prefix + pump * n + suffix``."""

    prefix: str
    pump: str
    suffix: str

    def text(self, size: int = SIZE) -> str:
        """The input itself, with about ``size`` characters of pump."""
        return self.prefix + self.pump * max(1, size // max(1, len(self.pump))) + self.suffix

    def describe(self, size: int = SIZE) -> str:
        """The input as a short Python expression (what an error message shows)."""
        n = max(1, size // max(1, len(self.pump)))
        return f"{self.prefix[:40]!r} + {self.pump[:20]!r} * {n} + {self.suffix!r}"


# -- samples of what a parsed sub-pattern matches -----------------------------------------


def _class_chars(items: Any) -> list[str]:
    """A few characters an ``IN`` class matches (empty for a negated class)."""
    out: list[str] = []
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            return ["a", "0", " "]  # most characters match a negated class
        if name == "LITERAL":
            out.append(chr(av))
        elif name == "RANGE":
            lo, hi = av
            out += [chr(lo), chr(hi)] if hi > lo else [chr(lo)]
        elif name == "CATEGORY":
            cat = str(av)
            if "DIGIT" in cat and "NOT" not in cat:
                out.append("0")
            elif "SPACE" in cat and "NOT" not in cat:
                out.append(" ")
            else:
                out += ["a", "0"]
    return out or ["a"]


def _sample(seq: Any) -> str:
    """A short string the sub-pattern ``seq`` matches (best effort)."""
    parts: list[str] = []
    for op, av in seq:
        name = str(op)
        if name == "LITERAL":
            parts.append(chr(av))
        elif name == "NOT_LITERAL":
            parts.append("a" if av != ord("a") else "b")
        elif name == "IN":
            parts.append(_class_chars(av)[0])
        elif name == "ANY":
            parts.append("a")
        elif name == "BRANCH":
            parts.append(min((_sample(alt) for alt in av[1]), key=len))
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            parts.append(_sample(av[-1]))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, _, sub = av
            parts.append(_sample(sub) * lo)
    return "".join(parts)


def _pumps(sub: Any) -> list[str]:
    """Strings that one iteration of the repeated sub-pattern ``sub`` matches."""
    out = [_sample(sub)]
    if len(sub) == 1:
        op, av = sub[0]
        name = str(op)
        if name == "IN":
            out += _class_chars(av)
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            out += _pumps(av[-1])
        elif name == "BRANCH":
            for alt in av[1]:
                out += _pumps(alt)
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            inner = _pumps(av[2])
            out += inner + [p * 2 for p in inner]
    uniq: list[str] = []
    for p in out:
        if p and p not in uniq:
            uniq.append(p)
    return uniq


def _walk(seq: Any, prefix: str) -> Iterator[tuple[str, list[str]]]:
    """``(prefix, pumps)`` for every unbounded or long repetition in ``seq``, at any depth."""
    for i, (op, av) in enumerate(seq):
        name = str(op)
        here = prefix + _sample(seq[:i])
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            _, hi, sub = av
            if hi is _c.MAXREPEAT or hi > 32:
                yield here, _pumps(sub)
            yield from _walk(sub, here)
        elif name in ("SUBPATTERN", "ATOMIC_GROUP", "POSSESSIVE_REPEAT"):
            yield from _walk(av[-1], here)
        elif name == "BRANCH":
            for alt in av[1]:
                yield from _walk(alt, here)


def _fallback(pattern: str) -> list[tuple[str, list[str]]]:
    """Pumps from the pattern's own literal characters (syntax the stdlib cannot parse)."""
    literal = "".join(re.findall(r"(?<!\\)[A-Za-z0-9_\-]{3,}", pattern)[:1])
    chars = sorted({c for c in pattern if c.isalnum()})[:8] or ["a"]
    return [(literal, [*chars, "".join(chars[:2]), " ", "-"])]


def attacks(pattern: str) -> list[Attack]:
    """Adversarial inputs for ``pattern`` (see the module doc), likeliest first."""
    found: list[tuple[str, list[str]]] = []
    if _p is not None:
        try:
            found = list(_walk(_p.parse(pattern), ""))
        except (re.error, TypeError, ValueError, OverflowError, RecursionError, AttributeError):
            found = _fallback(pattern)
    else:  # pragma: no cover
        found = _fallback(pattern)
    out: list[Attack] = []
    seen: set[tuple[str, str, str]] = set()
    for suffix in _SUFFIXES:
        for prefix, pumps in found:
            for pump in pumps:
                key = (prefix, pump, suffix)
                if key not in seen:
                    seen.add(key)
                    out.append(Attack(prefix, pump, suffix))
    return out[:MAX_ATTACKS]


@dataclass(frozen=True)
class Verdict:
    """Why a regex was refused: the input, its size, and what was measured."""

    attack: Attack
    size: int
    reason: str

    def __str__(self) -> str:
        return f"input {self.attack.describe(self.size)} {self.reason}"


def _cpu_time(compiled: Any, text: str, budget: float) -> float | None:
    """CPU seconds ``compiled`` spends scanning ``text`` (None: over ``budget``).

    CPU time of this thread, not wall time, so a loaded machine does not make a
    linear regex look slow (the ``regex`` module's ``timeout`` counts the same).
    """
    started = time.thread_time()
    try:
        for _ in compiled.finditer(text, timeout=budget):
            if time.thread_time() - started > budget:
                return None
    except TimeoutError:
        return None
    return time.thread_time() - started


def find_catastrophic(
    compiled: Any, pattern: str, *, budget: float = BUDGET, size: int = SIZE
) -> Verdict | None:
    """Why ``compiled`` (``regex``-compiled ``pattern``) backtracks catastrophically, if it does.

    Each attack runs at ``size // 8`` then ``size`` characters of pump. Refused:
    an input that takes more than ``budget`` CPU seconds (exponential shapes),
    or one whose cost grows more than 3x faster than its length between the two
    sizes while taking over 20 ms (polynomial shapes: quadratic is 8x faster).
    """
    small = max(8, size // 8)
    for attack in attacks(pattern):
        t_small = _cpu_time(compiled, attack.text(small), budget)
        if t_small is None:
            return Verdict(attack, small, f"took over {budget} s of CPU (exponential backtracking)")
        t_big = _cpu_time(compiled, attack.text(size), budget)
        if t_big is None:
            return Verdict(attack, size, f"took over {budget} s of CPU (catastrophic backtracking)")
        growth = t_big / max(t_small, 1e-6)
        if t_big > _FLOOR and growth > 3 * (size / small):
            # Confirm on the best of three runs of each size: one run on a loaded machine
            # (cache thrashed by other processes) can make a linear rule look super-linear.
            t_small = min(
                t_small,
                *(_cpu_time(compiled, attack.text(small), budget) or budget for _ in range(2)),
            )
            t_big = min(
                t_big, *(_cpu_time(compiled, attack.text(size), budget) or budget for _ in range(2))
            )
            growth = t_big / max(t_small, 1e-6)
        if t_big > _FLOOR and growth > 3 * (size / small):
            return Verdict(
                attack,
                size,
                f"took {t_big * 1000:.0f} ms of CPU, {growth:.0f}x the time of "
                f"{size // small}x less input (super-linear backtracking)",
            )
    return None
