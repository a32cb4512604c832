"""The Redactor: three detectors, one masking pass, never raises into the caller.

Detectors: known values (exact match of registered secrets and their
encodings), rules (compiled packs behind a keyword prefilter), and key names
(``password=...`` in text, and values under sensitive keys in mappings). All
run from ONE pass of the literal automaton that the registry owns: it reports
known values and the rule keywords present, and only the rules whose keywords
occur run at all. Overlapping spans are merged before masking.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import datetime as _dt
import decimal
import enum
import functools
import itertools
import logging
import re
import string
import sys
import threading
import traceback
import uuid
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import (
    BuiltinFunctionType,
    CodeType,
    FrameType,
    FunctionType,
    MethodType,
    ModuleType,
    TracebackType,
)
from typing import Any, NamedTuple, Protocol, cast

from redact import telemetry as _telemetry
from redact._carriers import (
    AUTH_METHOD_WORDS,
    RECORD_KEY_SPELLINGS,
    RECORD_VALUE_SPELLINGS,
    RECORD_WRAPPER_FIELDS,
    TOKEN_AS_USER,
    is_count,
    placeholder_at,
    record_field_spellings,
    record_is_sensitive,
)
from redact._commands import Piece, argv_text, program_keywords
from redact._cuts import (
    MARKER_WORDS,
    NOTE_WORDS,
    TEXT_MARKER_WORDS,
    CutHeads,
    marker_cuts,
    rule_heads,
    text_markers,
)
from redact._matcher import Hit
from redact._records import (
    PARTIAL_RECORD,
    named_openers,
    occurrences,
    opener_ends,
    partial_records,
    record_windows,
    records_view,
)
from redact._views import ansi_view, hidden, joined_view
from redact.keynames import KeyNames, KeyValueDetector
from redact.masks import (
    MASK_TOKEN,
    JwtMask,
    LabelledMask,
    Mask,
    PartialMask,
    is_mask,
    resolve_mask,
)
from redact.masks import _label as _safe_label
from redact.registry import KnownSecrets
from redact.registry import _Snapshot as _Snap
from redact.rules import Rule, RulePack

__all__ = ["ERROR_PLACEHOLDER", "Detector", "Finding", "Redactor"]

#: What a value becomes when redaction itself fails (fail closed).
ERROR_PLACEHOLDER = "[REDACTED:redaction-error]"
_DEPTH_PLACEHOLDER = "[REDACTED:depth-limit]"
_CYCLE = "<cycle>"
_KEY_RULE_ID = "sensitive-key"
_KNOWN_RULE_ID = "known-secret"
# Enum is not atomic: a plain Enum's repr shows its value, which may be a secret.
_ATOMIC = (int, float, complex, bool, type(None), decimal.Decimal, uuid.UUID)
_TIME = (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)
#: Texts longer than this run rules only around their keywords' occurrences.
_REGION_MIN = 8192


#: Windows up to this many characters run vetted rules without the regex timeout: the
#: load-time check attacks each rule with 4,096-character inputs (and the shipped rules
#: are tested on 100 KB ones), so a vetted rule stays linear at this size.
_UNTIMED_MAX = 4096
#: Texts up to this many characters are re-checked whole after masking; longer ones only
#: around the masks (see ``Redactor._recheck``).
_RECHECK_WHOLE = 1 << 16
#: A value a detector found is masked wherever else the same text repeats it (a password
#: echoed in a confirmation field, an error message, an assertion, a traceback's locals): at
#: least this many characters, and not one plain word (see :func:`_echoable`).
_ECHO_MIN = 8
_ECHO_MAX = 512
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
#: How far before its keyword a rule's match may start.
_LOOKBACK = 1024
_ATOMIC_TYPES = _ATOMIC + _TIME
#: How far before a key-name keyword its key may start (keys are up to 256 characters).
_KEY_REACH = 288
#: len("[REDACTED:"): where a mask's label starts.
_MASK_HEAD = 10
_PRIORITY = {"known": 0, "rule": 1, "plugin": 1, "key-name": 2, "cut": 1}
#: Clean strings remembered per registry snapshot (longer ones rarely repeat).
_CLEAN_MAX_LEN = 256
_CLEAN_CACHE_SIZE = 4096
#: Fields of name/value records: {"name": <sensitive name>, "value": <masked>}, and the
#: flag and type fields that make a record secret ({"secret": true, "value": <masked>}).
_RECORD_NAMES = RECORD_KEY_SPELLINGS
#: Fields wrapping a secret record's value fields (GCP ``payload: {"data": v}``).
_RECORD_WRAPPERS = record_field_spellings(RECORD_WRAPPER_FIELDS)
_RECORD_VALUES = RECORD_VALUE_SPELLINGS | _RECORD_WRAPPERS
_NO_FIELDS: frozenset[Any] = frozenset()
_NO_STRINGS: frozenset[str] = frozenset()
_PLAIN_SCALARS = frozenset({int, float, bool, type(None)})
_FLAT_TYPES = _PLAIN_SCALARS | {str}
# Containers whose str()/repr() show their items and nothing else: the walk of their
# items covers what a sink prints. Any other container (a subclass, a Mapping of
# objects that keep data in attributes) is also checked by what it shows.
_SHOWN_AS_ITEMS = frozenset({dict, list, tuple, set, frozenset})
_NOT_A_CONTAINER: Any = object()
#: Objects whose attributes are not data: classes, modules, code, enum members (their
#: repr shows their value, which the walk checks).
_NOT_AN_OBJECT = (type, ModuleType, FunctionType, BuiltinFunctionType, MethodType, enum.Enum)
#: How many levels of object-in-object attributes the object walk reads (deeper objects
#: are checked by what ``str``/``repr`` show), and how many objects one ``redact_obj``
#: call reads by their attributes: a graph of objects (a logger's manager, an app's
#: registry) costs a bounded walk, not one per path through it.
_OBJECT_LEVELS = 8
_OBJECT_BUDGET = 256
#: How many values (strings, scalars, containers) one call reads inside objects'
#: attributes, all objects together.
_OBJECT_ITEMS = 512


#: A two-item pair as ``repr`` writes it: ``('bob', 'v')``, ``["bob", "v"]``.
_PAIR_REPR = re.compile(
    r"""[(\[][ ]*(?:'[^'\n]{0,256}'|"[^"\n]{0,256}")[ ]*,[ ]*"""
    r"""(?:'[^'\n]{0,4096}'|"[^"\n]{0,4096}"|[\w.+\-]{1,4096})[ ]*,?[ ]*[)\]]"""
)


class _Path(set[int]):
    """The ids of the containers being walked (cycles), and the object walk's counters:
    ``objects`` on the path right now, ``budget`` left for this call."""

    __slots__ = ("budget", "items", "objects")

    def __init__(self) -> None:
        super().__init__()
        self.objects = 0
        self.budget = _OBJECT_BUDGET
        self.items = _OBJECT_ITEMS


_is_str = str.__instancecheck__
#: How the object walk treats a string: pass 1 records it, pass 2 redacts it.
_Text = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected secret at ``text[start:end]``; carries no part of the value."""

    rule_id: str
    start: int
    end: int
    category: str
    severity: str = "high"
    label: str = ""
    detector: str = "rule"

    @property
    def mask_label(self) -> str:
        """The name the mask shows: the registry label or the rule id."""
        return self.label or self.rule_id


class Detector(Protocol):
    """An extra detector source (e.g. the detect-secrets bridge): text in, findings out."""

    def __call__(self, text: str) -> Iterable[Finding]:
        """Findings in ``text``; use ``detector="plugin"`` and a stable ``rule_id``."""
        ...


class _ErrorReporter:
    """Counts internal errors and reports each kind once, never with the value."""

    def __init__(self) -> None:
        self.count = 0
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def __call__(self, where: str, exc: BaseException) -> None:
        with self._lock:
            self.count += 1
            key = (where, type(exc).__name__)
            if key in self._seen:
                return
            self._seen.add(key)
        try:
            sys.stderr.write(
                f"redact: internal error in {where} ({type(exc).__name__}); "
                "the value was replaced by a placeholder\n"
            )
        except Exception:
            pass


class Redactor:
    """Immutable once built; the known-secret registry inside swaps atomically."""

    __slots__ = (
        "_always",
        "_chunk",
        "_clean",
        "_cut_heads",
        "_cuts",
        "_default_mask",
        "_detectors",
        "_join_words",
        "_key_rule",
        "_kw_rules",
        "_label_cache",
        "_masks",
        "_ml_always",
        "_ml_words",
        "_names",
        "_overlap",
        "_quiet",
        "_rules",
        "_shapes",
        "_timeout",
        "_word_start",
        "errors",
        "key_names",
        "known",
        "max_depth",
        "rules",
    )

    def __init__(
        self,
        *,
        rules: RulePack | Sequence[RulePack] | None = None,
        known: KnownSecrets | None = None,
        key_names: KeyNames | None = None,
        key_names_in_text: bool = True,
        mask: str | Mask = "labelled",
        fingerprint_key: bytes | None = None,
        fingerprint_key_id: str = "k1",
        max_depth: int = 32,
        chunk_size: int = 1 << 20,
        overlap: int = 1 << 14,
        rule_timeout: float = 2.0,
        detectors: Sequence[Detector] = (),
    ) -> None:
        if isinstance(rules, RulePack):
            packs: Sequence[RulePack] = (rules,)
        elif rules is None:
            packs = ()
        else:
            packs = tuple(rules)
        self.rules: RulePack = RulePack.combine(packs) if len(packs) != 1 else packs[0]
        self.known = known if known is not None else KnownSecrets()
        self.key_names = key_names if key_names is not None else KeyNames.default()
        if chunk_size <= overlap or overlap < 4096:
            msg = "chunk_size must exceed overlap, and overlap must be at least 4096"
            raise ValueError(msg)
        self._chunk, self._overlap, self._timeout = chunk_size, overlap, rule_timeout
        self.max_depth = max_depth
        self._detectors = tuple(detectors)
        self.errors = _ErrorReporter()
        default = resolve_mask(
            mask, fingerprint_key=fingerprint_key, fingerprint_key_id=fingerprint_key_id
        )
        self._default_mask: Mask = default or LabelledMask()
        self._masks: dict[str, Mask] = {}
        all_rules: list[Rule | KeyValueDetector] = list(self.rules.rules)
        self._key_rule: KeyValueDetector | None = None
        if key_names_in_text:
            self._key_rule = self.key_names.text_detector()
            self._key_rule.prefixes = frozenset(r.prefix for r in self.rules.rules if r.prefix)
            all_rules.append(self._key_rule)
        for r in all_rules:
            spec = r.mask or (mask if mask == "partial" else None)
            m = resolve_mask(
                spec,
                prefix=r.prefix,
                fingerprint_key=fingerprint_key,
                fingerprint_key_id=fingerprint_key_id,
            )
            self._masks[r.id] = m or self._default_mask
        self._rules = tuple(all_rules)
        kw: dict[str, list[int]] = {}
        always: list[int] = []
        for i, r in enumerate(all_rules):
            if not r.keywords:
                always.append(i)
            for k in r.keywords:
                kw.setdefault(k, []).append(i)
        for word in MARKER_WORDS:
            kw.setdefault(word, [])  # a truncation marker wakes the scan (see _cuts)
        self._kw_rules = {k: tuple(v) for k, v in kw.items()}
        # Program keywords of the key rule (``7z ``, ``net ``, ``az ``) count only where a
        # word starts: "...07Z INFO" in every ISO timestamp and "internet " in prose held
        # them and woke the key-name detector on half the lines of a realistic log. The
        # weak names' keywords (``sid=``, ``key:``) likewise: ``x_sid=`` is another name.
        key_index = all_rules.index(self._key_rule) if self._key_rule in all_rules else -1
        self._word_start = frozenset(
            k
            for k in (*program_keywords(), *self.key_names.weak_keywords())
            if self._kw_rules.get(k) == (key_index,)
        )
        self._always = tuple(always)
        self._quiet = not self._always and not self._detectors
        self._label_cache: tuple[int, frozenset[str]] = (-1, frozenset())
        self._clean: tuple[_Snap | None, set[str]] = (None, set())
        self._names: dict[str, bool] = {}
        self._shapes: tuple[_Snap | None, dict[tuple[Any, ...], bool]] = (None, {})
        self._cut_heads = tuple(rule_heads(self.rules.rules))
        self._cuts: tuple[_Snap | None, CutHeads | None] = (None, None)
        self.known.attach_keywords(self._kw_rules)
        # Keywords that make a text's records worth reading joined (``_record_windows``).
        self._join_words = frozenset(
            k
            for r in all_rules
            if _multiline(r) or isinstance(r, KeyValueDetector)
            for k in r.keywords
        )
        self._ml_words = frozenset(k for r in all_rules if _multiline(r) for k in r.keywords)
        self._ml_always = any(_multiline(r) and not r.keywords for r in all_rules)

    @classmethod
    def default(
        cls,
        *,
        packs: Iterable[str] = ("default",),
        known: KnownSecrets | None = None,
        **options: Any,
    ) -> Redactor:
        """The shipped default pack(s), default key names, and a fresh (or given) registry."""
        return cls(rules=[RulePack.builtin(p) for p in packs], known=known, **options)

    def __repr__(self) -> str:
        return (
            f"<Redactor rules={len(self._rules)} known={len(self.known)} "
            f"backend={self.known.backend_name!r}>"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        msg = "a Redactor holds secrets and is not picklable; build one per process"
        raise TypeError(msg)

    def is_sensitive_key(self, name: object) -> bool:
        """True when a value under ``name`` is masked whole."""
        return self.key_names.is_sensitive(name)

    # -- detection -----------------------------------------------------------------------

    def find(self, text: str) -> list[Finding]:
        """Every finding in ``text``, sorted by position (overlaps not merged)."""
        return self._find(text)

    def find_known(self, text: str) -> list[Finding]:
        """The registered values in ``text`` only, sorted by position: every form and
        decoded view the registry reads, and the pieces of one that a truncation marker
        left (``'Zq8v...hCt9'``, ``Zq8vN3xK…``, ``'Zq8vN3'+40``; see :mod:`redact._cuts`).
        Rules and sensitive names are not read (the ASGI egress guard's default).
        Findings have ``detector="known"``; no part of a value is in them."""
        snap = self.known._snap
        hits, words = snap.scan(text)
        out = [
            Finding(_KNOWN_RULE_ID, h.start, h.end, "known-secret", "critical", h.label, "known")
            for h in hits
        ]
        if snap.count and not MARKER_WORDS.isdisjoint(words):
            cuts = self._cut_findings(text, snap, marker_cuts(text))
            out.extend(f for f in cuts if f.detector == "known")
            out.extend(self._marked_findings(text, snap, words))
            out.sort(key=lambda f: (f.start, -f.end))
        return out

    def _find(self, text: str, snap: _Snap | None = None) -> list[Finding]:
        if snap is None:
            snap = self.known._snap
        if self._quiet and "\n" not in text:
            if snap.quiet(text):
                # The common case, one probe: a line with no keyword, registered form, escape
                # or invisible character in any view (one line: no continuation, no records).
                return []
            if ("..." in text or "\u2026" in text) and "[REDACTED" not in text and not hidden(text):
                # A line whose only keyword is an ellipsis (prose: "Loading..."): what it
                # can hold is a piece of a registered value next to it, nothing else.
                hits, words = snap.scan(text)
                if not hits and words <= TEXT_MARKER_WORDS:
                    if not snap.count:
                        return []
                    found = self._marked_findings(text, snap, words)
                    found.sort(key=lambda f: (f.start, -f.end, _PRIORITY[f.detector]))
                    return found
        if hidden(text):
            view = ansi_view(text)
            if view is not None:
                # What a terminal shows: detect on the text without its escapes, mask the
                # source span (a name and its value split by colour codes are one pair).
                found = []
                seen: set[str] = set()
                for f in self._find_joined(view.text, snap, seen):
                    s, e = view.source_span(f.start, f.end)
                    found.append(dataclasses.replace(f, start=s, end=e))
                if "\x1b" not in text and "\x9b" not in text:
                    # Only invisible characters: the text as written is read too (U+00AD is
                    # also the second byte of a UTF-8 sequence read as latin-1, which the
                    # view would break; the decoded views strip what they decode to).
                    have = {(f.start, f.end, f.rule_id) for f in found}
                    found += [
                        f
                        for f in self._find_joined(text, snap, seen)
                        if (f.start, f.end, f.rule_id) not in have
                    ]
                    found.sort(key=lambda f: (f.start, -f.end, _PRIORITY[f.detector]))
                return self._with_records(text, found, snap, seen)
        seen = set()
        found = self._find_joined(text, snap, seen)
        return self._with_records(text, found, snap, seen)

    def _find_joined(self, text: str, snap: _Snap, seen: set[str]) -> list[Finding]:
        """Findings in ``text`` and in its view with line continuations joined.

        ``mysql -p\\<newline>v`` and ``--password \\<newline>  v`` are one argument to the
        shell; ``'a' \\<newline>'v'`` one literal to Python. The text as written is read
        too (a continuation is rare, and a view must never lose what the lines show).
        """
        found = self._find_plain(text, snap, seen)
        view = joined_view(text)
        if view is None:
            return found
        have = {(f.start, f.end, f.rule_id) for f in found}
        for f in self._find_plain(view.text, snap):
            s, e = view.source_span(f.start, f.end)
            if (s, e, f.rule_id) not in have:
                found.append(dataclasses.replace(f, start=s, end=e))
        found.sort(key=lambda f: (f.start, -f.end, _PRIORITY[f.detector]))
        return found

    def _with_records(
        self, text: str, found: list[Finding], snap: _Snap, seen: set[str]
    ) -> list[Finding]:
        """``found`` plus the secrets that span log records (see :mod:`redact._records`).

        A PEM key printed into a Docker json-file or journald log, or a token cut into
        CRI partial records, has an envelope between its parts: it is found in the
        records' messages joined, and each record's part of it is masked in place.
        """
        if "\n" not in text:
            return found
        covered = [(f.start, f.end) for f in found]
        extra: list[Finding] = []
        for ws, we in self._record_windows(text, snap, seen):
            view = records_view(text if (ws, we) == (0, len(text)) else text[ws:we])
            if view is None:
                continue
            for f in self._find_plain(view.text, snap):
                for s, e in view.source_spans(f.start, f.end):
                    s, e = s + ws, e + ws
                    if not any(a <= s and e <= b for a, b in covered):
                        extra.append(dataclasses.replace(f, start=s, end=e))
        if not extra:
            return found
        found = found + extra
        found.sort(key=lambda f: (f.start, -f.end, _PRIORITY[f.detector]))
        return found

    def _record_windows(self, text: str, snap: _Snap, seen: set[str]) -> list[tuple[int, int]]:
        """Where joining ``text``'s records could find more than ``text`` itself: all of it
        for a registered multi-line value (or a multi-line rule without keywords); else the
        ranges (:func:`redact._records.record_windows`) around each line cut into partial
        records, each keyword (``seen``: those of the plain pass) of a multi-line rule, and
        each line that ends with what opens a value and holds a sensitive name's keyword
        (the value may be on the next record's line). Empty: nothing to join."""
        n = len(text)
        if snap.multiline or self._ml_always:
            return [(0, n)]
        triggers: list[int] = []
        if partial_records(text):
            triggers += [m.start() for m in PARTIAL_RECORD.finditer(text)]
        multi = self._ml_words.intersection(seen)
        named = frozenset(self._join_words.intersection(seen))
        if multi or named:
            low = text.lower()
            if len(low) != n:  # offsets of the lowered text are not the text's
                if multi or opener_ends(text, named):
                    return [(0, n)]
                return record_windows(text, triggers)
            triggers += (at for at, _ in occurrences(text, low, multi))
            if named:
                found = occurrences(text, low, named)
                triggers += named_openers(text, found, json_record='":' in text)
        return record_windows(text, triggers)

    def _find_plain(self, text: str, snap: _Snap, seen: set[str] | None = None) -> list[Finding]:
        """Findings in ``text`` as it stands; ``seen`` (when given) gets the keywords in it."""
        positions = None
        # One automaton pass: it answers the clean case (the common one) as cheaply as a
        # probe, and a text it wakes needs no second pass for its hits and keywords.
        hits, offsets = snap.scan_positions(text)
        if seen is not None:
            seen.update(offsets)  # before the word-start filter: the gate errs on reading
        if not hits and self._quiet and not snap.count and offsets.keys() <= TEXT_MARKER_WORDS:
            return []  # only an ellipsis or a note word: they matter for registered values
        if offsets and self._word_start:
            offsets = _at_word_starts(text, offsets, self._word_start)
        words: Collection[str] = offsets
        if len(text) > _REGION_MIN:
            positions = offsets  # large texts: the keywords' offsets bound the rules
        if not hits and not words and self._quiet:
            return []  # the common case: nothing registered, no keyword
        findings = [
            Finding(_KNOWN_RULE_ID, h.start, h.end, "known-secret", "critical", h.label, "known")
            for h in hits
        ]
        if words or self._always:
            selected: set[int] = set(self._always)
            for w in words:
                selected.update(self._kw_rules.get(w, ()))
            for i in sorted(selected):
                rule = self._rules[i]
                detector = "key-name" if rule is self._key_rule else "rule"
                for s, e in self._rule_spans(
                    rule, text, detector, positions, words, offsets=offsets
                ):
                    findings.append(
                        Finding(rule.id, s, e, rule.category, rule.severity, "", detector)
                    )
        for source in self._detectors:
            findings.extend(source(text))
        if words and not MARKER_WORDS.isdisjoint(words):
            findings.extend(self._cut_findings(text, snap, marker_cuts(text)))
            if snap.count:
                findings.extend(self._marked_findings(text, snap, words))
        if findings and "[REDACTED" in text:
            findings = _outside_masks(text, findings, self._rendered_labels)
        findings.sort(key=lambda f: (f.start, -f.end, _PRIORITY[f.detector]))
        return findings

    def _rule_spans(
        self,
        rule: Rule | KeyValueDetector,
        text: str,
        detector: str,
        positions: dict[str, list[int]] | None = None,
        words: Collection[str] | None = None,
        *,
        offsets: dict[str, list[int]] | None = None,
    ) -> Iterable[tuple[int, int]]:
        """Spans of ``rule`` in ``text``. ``positions``: keyword offsets that bound the
        windows (large texts); ``offsets``: keyword offsets that anchor the key-name
        detector's names (any text)."""
        n = len(text)
        located: list[tuple[int, str]] | None = None
        if positions is not None and rule.keywords:
            # A match contains one of its rule's keywords, so on large texts each rule runs
            # only near its keywords: on the keyword's own line for single-line rules and
            # name=value pairs, in a wider region for multi-line rules (PEM blocks).
            # Few keywords are present in a text; a rule may have hundreds (the key rule).
            kws = rule.keywords
            present = [k for k in positions if k in kws] if len(positions) < len(kws) else kws
            starts = [p for k in present for p in positions.get(k, ())]
            if isinstance(rule, KeyValueDetector):
                # Each window's own keywords gate the carriers (a command line is read only
                # where its program's keyword is): on a large text every keyword is present
                # somewhere, so the text-wide set gated nothing.
                located = sorted((p, k) for k in present for p in positions.get(k, ()))
            if isinstance(rule, KeyValueDetector) and not text.isascii():
                # A sensitive name with no ASCII keyword (пароль, ｐａｓｓ) holds one of
                # the vocabulary's non-ASCII name characters: they anchor names too.
                starts.extend(rule.names.name_char_offsets(text))
            if _multiline(rule):
                windows = _regions(starts, n, self._overlap)
            else:
                back = _KEY_REACH if rule is self._key_rule else _LOOKBACK
                windows = _line_regions(starts, text, back, self._overlap)
        elif n <= self._chunk:
            windows = [(0, n)]
        else:
            windows = [
                (i, min(n, i + self._chunk + self._overlap)) for i in range(0, n, self._chunk)
            ]
        anchors: list[int] | None = None
        if positions is not None and isinstance(rule, KeyValueDetector) and rule.keywords:
            anchors = sorted(set(starts))  # names are looked for only around their keywords
        elif offsets is not None and isinstance(rule, KeyValueDetector) and rule.keywords:
            # A short text: one window, but names are still looked for only around their
            # keywords, not at each separator (a log line's "/api/items/123 -> 200" would
            # have "123" judged as a name, a logfmt line each of its keys).
            kset = rule.keyword_set
            starts = [p for k, at in offsets.items() if k in kset for p in at]
            if not text.isascii():
                starts.extend(rule.names.name_char_offsets(text))
            anchors = sorted(set(starts))
        seen: set[tuple[int, int]] = set()
        vetted = getattr(rule, "vetted", False)
        for lo, hi in windows:
            # The regex timeout costs ~1.1 us per call (half a woken rule's cost on a log
            # line); a vetted rule cannot backtrack catastrophically on a short window.
            timeout = None if vetted and hi - lo <= _UNTIMED_MAX else self._timeout
            found: Iterable[tuple[int, int]]
            if anchors is not None and isinstance(rule, KeyValueDetector):
                a, b = bisect.bisect_left(anchors, lo), bisect.bisect_left(anchors, hi)
                here = words
                if located is not None:
                    i, j = bisect.bisect_left(located, (lo,)), bisect.bisect_left(located, (hi,))
                    here = {k for _, k in located[i:j]}
                found = rule.finditer(text, lo, hi, anchors=anchors[a:b], present=here)
            elif isinstance(rule, KeyValueDetector):
                found = rule.finditer(text, lo, hi, present=words)
            else:
                found = rule.finditer(text, lo, hi, timeout=timeout)
            for s, e in found:
                if e == hi < n and text[hi] not in "\r\n":
                    # Cut by the window's end: the value may go on (a 20 KB token=...).
                    # Match again from its start over the rest of the text.
                    more = _rematch_end(rule, text, lo, s, reach=self._chunk, timeout=self._timeout)
                    e = more or e
                if placeholder_at(text, s, e, refers=self.key_names.refers_to_secret):
                    continue  # ${VAR}, $(cat f), <your-token-here>: names a source, not a secret
                if (s, e) not in seen:
                    seen.add((s, e))
                    yield s, e

    # -- masking ---------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """``text`` with every secret masked; the same object when nothing is found."""
        return self._redact(text, cut=False)

    def redact_truncated(self, text: str) -> str:
        """``redact(text)`` for a text that a truncator cut at its end.

        What ``text`` ends with may be the first characters of a secret that no
        detector recognises any more (``... key ya_N0HM``, ``... ghp_eRrv``,
        ``postgresql://app:s3c``): such a tail is masked whole, from where the secret
        would start to the end (see :mod:`redact._cuts` for the shapes). For adapters
        whose framework truncates values before they see them (OpenTelemetry attribute
        length limits). Same contract as :meth:`redact`: never raises, the same object
        when nothing is found.
        """
        return self._redact(text, cut=True)

    def _cut_heads_for(self, snap: _Snap) -> CutHeads:
        """The cut comparisons bound to ``snap`` (built at the first cut after a change)."""
        cached_snap, heads = self._cuts
        if cached_snap is not snap or heads is None:
            heads = CutHeads(snap.literals.items(), self._cut_heads)
            self._cuts = (snap, heads)
        return heads

    def _cut_findings(self, text: str, snap: _Snap, ends: Iterable[int]) -> list[Finding]:
        """Findings for the unfinished secrets that end at each cut offset of ``text``."""
        out: list[Finding] = []
        heads: CutHeads | None = None
        for end in ends:
            heads = heads or self._cut_heads_for(snap)
            found = heads.tail(text, end)
            if found is None or found[0] >= end:
                continue
            start, label, kind = found
            if kind != "known":
                out.append(Finding(label, start, end, "truncated-secret", "high", "", "cut"))
            else:
                out.append(
                    Finding(_KNOWN_RULE_ID, start, end, "known-secret", "critical", label, "known")
                )
        return out

    def _marked_findings(
        self, text: str, snap: _Snap, words: Collection[str] = MARKER_WORDS
    ) -> list[Finding]:
        """Findings for the pieces of registered values around the textual truncation
        markers of ``text`` (``...``, ``…``, ``[truncated]``: see :mod:`redact._cuts`);
        ``words``: the keywords in ``text`` (a note word among them or not)."""
        marks = text_markers(text, notes=not NOTE_WORDS.isdisjoint(words))
        if not marks:
            return []
        heads = self._cut_heads_for(snap)
        out: list[Finding] = []
        for i, (start, end) in enumerate(marks):
            lo = marks[i - 1][1] if i else 0
            hi = marks[i + 1][0] if i + 1 < len(marks) else len(text)
            out.extend(
                Finding(_KNOWN_RULE_ID, s, e, "known-secret", "critical", label, "known")
                for s, e, label in heads.marked(text, start, end, lo, hi)
            )
        return out

    def _redact(self, text: str, *, cut: bool) -> str:
        if not isinstance(text, str):
            try:
                shown = str(text)
            except Exception as exc:  # never raise into the caller, never show the object
                self.errors("redact", exc)
                return ERROR_PLACEHOLDER
            return self._redact(shown, cut=cut)
        try:
            findings = self._find(text)
            if cut and text:
                more = self._cut_findings(text, self.known._snap, (len(text),))
                if more:
                    findings = sorted(
                        [*findings, *more],
                        key=lambda f: (f.start, -f.end, _PRIORITY[f.detector]),
                    )
            if not findings:
                return text
            findings = _with_echoes(text, findings)
            out, masks = self._apply_spans(text, findings)
            # Masking changes context (a quote becomes a mask): iterate to a fixed point so
            # that redact(redact(x)) == redact(x). Only the text around the masks changed:
            # a large text is re-checked there, not whole.
            for _ in range(4):
                out, masks = self._recheck(out, masks)
                if not masks:
                    return out
            return out
        except Exception as exc:
            self.errors("redact", exc)
            return ERROR_PLACEHOLDER

    def _recheck(
        self, text: str, masks: list[tuple[int, int]]
    ) -> tuple[str, list[tuple[int, int]]]:
        """One more masking pass over ``text`` after ``masks`` were written into it.

        Returns the text and the masks this pass added (none: a fixed point). A text up to
        ``_RECHECK_WHOLE`` characters is checked whole. A longer one is checked only within
        ``overlap`` characters of each mask: everywhere else it is the text the previous
        pass already found clean, so only a match that touches or nears a mask can be new.
        """
        if len(text) <= _RECHECK_WHOLE:
            findings = self._find(text)
            return self._apply_spans(text, findings) if findings else (text, [])
        parts: list[str] = []
        added: list[tuple[int, int]] = []
        pos = size = 0
        for lo, hi in _regions_around(masks, len(text), self._overlap):
            findings = self._find(text[lo:hi])
            if not findings:
                continue
            head = text[pos:lo]
            parts.append(head)
            size += len(head)
            red, spans = self._apply_spans(text[lo:hi], findings)
            added.extend((size + s, size + e) for s, e in spans)
            parts.append(red)
            size += len(red)
            pos = hi
        if not added:
            return text, []
        parts.append(text[pos:])
        return "".join(parts), added

    def _redact_once(self, text: str) -> str:
        findings = self._find(text)
        return self._apply(text, findings) if findings else text

    def _apply(self, text: str, findings: list[Finding]) -> str:
        return self._apply_spans(text, findings)[0]

    def _apply_spans(self, text: str, findings: list[Finding]) -> tuple[str, list[tuple[int, int]]]:
        """The masked text and where each mask sits in it."""
        parts: list[str] = []
        spans: list[tuple[int, int]] = []
        pos = size = 0
        for start, end, lead in _merge(findings):
            head = text[pos:start]
            mask = self._mask(lead, text[start:end])
            parts.append(head)
            parts.append(mask)
            size += len(head)
            spans.append((size, size + len(mask)))
            size += len(mask)
            pos = end
        parts.append(text[pos:])
        return "".join(parts), spans

    def _mask(self, finding: Finding, secret: str) -> str:
        watcher = _telemetry.observer
        if watcher is not None:
            self._observe(watcher, finding, secret)
        if finding.detector == "known":
            mask = self._default_mask
            if isinstance(mask, PartialMask | JwtMask):
                mask = LabelledMask()
        else:
            mask = self._masks.get(finding.rule_id, self._default_mask)
        return mask.render(finding.mask_label, secret)

    def _observe(self, watcher: _telemetry.RedactionObserver, finding: Finding, text: str) -> None:
        """Tell the telemetry observer; a known value's category is the registry's."""
        category = finding.category
        if finding.detector == "known":
            snap = self.known.snapshot
            entry = snap.entry(text)
            if entry is None:  # an encoded form: the entry of its label
                entry = next((e for e in snap.entries if e.label == finding.label), None)
            category = entry.category if entry is not None and entry.category else category
        watcher.masked(finding.rule_id, finding.detector, category, finding.label)

    def mask_value(self, key: str, value: object) -> str:
        """The mask used for a value stored under a sensitive key name."""
        return self._key_mask(value, notify=True)

    def _key_mask(self, value: object, *, notify: bool) -> str:
        """``mask_value``; ``notify=False`` on the object walk's second pass, which
        repeats masks the first pass already reported to telemetry."""
        text = value if isinstance(value, str) else ""
        watcher = _telemetry.observer if notify else None
        if watcher is not None:
            entry = self.known.snapshot.entry(text) if text else None
            label = entry.label if entry is not None else ""
            category = entry.category if entry is not None and entry.category else "credential"
            watcher.masked(_KEY_RULE_ID, "key-name", category, label)
        return self._masks.get(_KEY_RULE_ID, self._default_mask).render(_KEY_RULE_ID, text)

    # -- objects ---------------------------------------------------------------------------

    def _rendered_labels(self) -> frozenset[str]:
        """Every label segment this redactor's masks can show (rule ids, registry labels)."""
        gen = self.known.snapshot.generation
        cached_gen, labels = self._label_cache
        if cached_gen != gen:
            names = {r.id for r in self._rules} | set(self.known.labels())
            names |= {_KEY_RULE_ID, _KNOWN_RULE_ID, "redaction-error", "depth-limit", "secret"}
            labels = frozenset(_safe_label(n) for n in names)
            self._label_cache = (gen, labels)
        return labels

    def _sensitive_name(self, name: object) -> bool:
        """A str or (ASGI-style) bytes key that names a sensitive value."""
        if isinstance(name, bytes | bytearray):
            name = bytes(name).decode("latin-1")
        return self.key_names.is_sensitive(name)

    def _sensitive_key(self, key: object, depth: int = 0) -> bool:
        """A mapping key that names a sensitive value, whatever its type.

        str and bytes keys by their text; a tuple/list key (``("db", "password")``, a
        path) by its parts joined with ``.`` and by each part; a frozenset key by each
        member; an ``Enum`` member by its name and value; any other key (an ``int``
        subclass, an object) by what ``str()`` shows. Parts are judged two levels deep.
        """
        if isinstance(key, enum.Enum):
            value = key.value
            return self._sensitive_name(key.name) or (
                isinstance(value, str | bytes | tuple) and self._sensitive_key(value, depth + 1)
            )
        if isinstance(key, str | bytes | bytearray):
            return self._sensitive_name(key)
        if key is None or type(key) in (int, float, bool) or depth > 2:
            return False
        if isinstance(key, tuple | list | frozenset | set):
            parts = list(key)[:16]
            if any(self._sensitive_key(p, depth + 1) for p in parts):
                return True
            if isinstance(key, tuple | list) and len(parts) > 1:
                texts = [
                    bytes(p).decode("latin-1") if not isinstance(p, str) else p
                    for p in parts
                    if isinstance(p, str | bytes | bytearray)
                ]
                return len(texts) == len(parts) and self._sensitive_name(".".join(texts))
            return False
        try:
            shown = str(key)
        except Exception:
            return False
        return self._sensitive_name(shown)

    def _masked_like(self, value: object, tx: _Text) -> object:
        """The mask for a value under a sensitive key, as bytes when the value was bytes."""
        notify = not getattr(tx, "repeat", False)
        if isinstance(value, bytes | bytearray):
            text = bytes(value).decode("utf-8", "replace")
            return self._key_mask(text, notify=notify).encode()
        return self._key_mask(value, notify=notify)

    def redact_obj(self, obj: Any, *, skip: Collection[Hashable] = ()) -> Any:
        """A masked copy of ``obj`` (the same object when nothing is found); never mutates it.

        Understood: mappings (values under sensitive key names are masked whole, keys
        are redacted too), sequences and sets, ``(name, value)`` and ``(name, value,
        ...)`` pairs headed by a sensitive name (str or bytes), name/value records
        (``{"name": "password", "value": ...}``, ``{"Key": ..., "Value": ...}``),
        named tuples (by field name), dataclasses (fields, then what ``str``/``repr``
        show), exceptions (args, attributes, causes, rendered text), bytes, and any
        other object through what ``str()`` and ``repr()`` show (an ``Enum`` member's
        repr shows its value). A container that is not a plain dict, list, tuple, set
        or frozenset (``SimpleCookie`` of ``Morsel``s, ``UserString``, subclasses with
        their own ``__repr__``) is walked by its items AND checked by what it shows: if
        that still needs a mask, the result is the masked text. ``skip``: keys of a
        top-level mapping whose items are handed on as they are (a framework's own
        objects).

        Cost: one traversal collects every string not already proven clean, and ONE
        scan of them joined decides; only the strings that scan flags are redacted
        one by one. Strings proven clean are remembered for the registry snapshot
        the proof was made with, and only for that snapshot.
        """
        try:
            is_dict = type(obj) is dict
            if not is_dict:
                if isinstance(obj, str):
                    return self.redact(obj)
                if isinstance(obj, _ATOMIC_TYPES):
                    return obj
            snap = self.known._snap
            if skip and (is_dict or isinstance(obj, Mapping)) and obj.keys().isdisjoint(skip):
                skip = ()
            if is_dict and not skip:
                keys = tuple(obj)
                shapes_snap, shapes = self._shapes
                flat = shapes.get(keys) if shapes_snap is snap else None
                if flat is None:
                    flat = self._flat_keys(keys, snap)
                if (
                    flat
                    and _FLAT_TYPES.issuperset(map(type, obj.values()))
                    and (_RECORD_NAMES.isdisjoint(obj) or not self._record_values(obj))
                ):
                    return self._flat(obj, snap)
            cached_snap, cached = self._clean
            known: frozenset[str] | set[str] = cached if cached_snap is snap else frozenset()
            parts: list[str] = []
            first = obj
            if not self._plain(obj, _Acc(parts, known, snap), 0, skip):
                # Anything the plain-data path does not settle: the general walk records.
                collect = _Collect(known)
                first = self._walk_top(obj, skip, collect)
                parts = collect.parts
            if not parts:
                return first
            dirty = self._dirty(parts, snap, known)
            if not dirty:
                return first
            return self._second_pass(obj, skip, parts, dirty, known)
        except Exception as exc:
            self.errors("redact_obj", exc)
            return ERROR_PLACEHOLDER

    def _plain(self, obj: Any, acc: _Acc, depth: int, skip: Collection[Hashable] = ()) -> bool:
        """The first pass for plain data, without the general walk's per-item calls.

        Plain data: dicts with str or int keys, lists, str and scalars, where no key is
        a sensitive name over a maskable value, no dict is a name/value record and no
        list is a ``(name, value)`` pair: the walk would change none of its structure,
        so the result depends on its strings alone. Records the strings not ``known``
        clean into ``parts``; returns False (``parts`` then holds a partial list, to be
        dropped) as soon as something needs the general walk.
        """
        parts, known, snap = acc
        if depth >= self.max_depth:
            return False
        if type(obj) is dict:
            if not skip:
                # A dict whose key set is proven clean and whose values are str and
                # scalars: its strings in one C-level step (see _flat_keys).
                keys = tuple(obj)
                shapes_snap, shapes = self._shapes
                flat = shapes.get(keys) if shapes_snap is snap else None
                if flat is None:
                    flat = self._flat_keys(keys, snap)
                if (
                    flat
                    and _FLAT_TYPES.issuperset(map(type, obj.values()))
                    and (_RECORD_NAMES.isdisjoint(obj) or not self._record_values(obj))
                ):
                    parts.extend(filter(_is_str, obj.values()))
                    return True
            if not _RECORD_NAMES.isdisjoint(obj) and self._record_values(obj):
                return False
            names = self._names
            for k, v in obj.items():
                if skip and k in skip:
                    continue
                tk = type(k)
                if tk is str:
                    if k not in known:
                        parts.append(k)
                    sensitive = names.get(k)
                    if sensitive is None:
                        sensitive = self._name_verdict(k)
                    if sensitive and _maskable(v) and not is_count(k, v):
                        return False
                elif tk is not int:
                    return False
                tv = type(v)
                if tv is str:
                    if v[:1] in ("(", "[") and self.key_names.is_auth_pair(k):
                        return False  # {"auth": "('bob', 'v')"}: see _under
                    if v not in known:
                        parts.append(v)
                elif tv not in _PLAIN_SCALARS:
                    if (tv is tuple or tv is list) and len(v) == 2 and self._auth_pair(k, v):
                        return False  # {"auth": ("bob", v)}: see _under
                    if not self._plain(v, acc, depth + 1):
                        return False
            return True
        if type(obj) is list or type(obj) is tuple:
            # The walk reads a plain tuple as it reads a list (a named tuple is neither
            # type): OTel attribute arrays, a span's scope strings.
            if 2 <= len(obj) <= 3 and self._sensitive_name(obj[0]):
                return False
            for v in obj:
                tv = type(v)
                if tv is str:
                    if v not in known:
                        parts.append(v)
                elif tv not in _PLAIN_SCALARS and not self._plain(v, acc, depth + 1):
                    return False
            if len(obj) >= 2 and type(obj[0]) is str:
                argv = argv_text(obj)
                if argv is not None and argv[0] not in known:
                    parts.append(argv[0])  # the command line it runs (see _walk_argv)
            return True
        return False

    def _name_verdict(self, name: str) -> bool:
        """``_sensitive_name(name)``, remembered (key names are immutable per redactor)."""
        verdict = self._sensitive_name(name)
        names = self._names
        if len(names) >= _CLEAN_CACHE_SIZE:
            names.clear()
        names[name] = verdict
        return verdict

    def _dirty(
        self,
        parts: list[str],
        snap: _Snap,
        known: frozenset[str] | set[str] = frozenset(),
        joined: str | None = None,
        *,
        probed: bool = False,
    ) -> set[str]:
        """The strings of ``parts`` that hold a finding under ``snap``.

        One scan of ``parts`` joined (``joined``, when the caller built it) decides
        for every string in which it saw neither a keyword nor a known value: rules
        run only where one of their keywords occurs, so such a string has no finding.
        Each string the scan touched is checked on its own, unless ``known`` clean;
        those proven clean are remembered for ``snap``. ``probed``: the caller has
        already found ``joined`` not ``quiet`` under ``snap``.
        """
        if not parts:
            return set()
        candidates: Iterable[str] = parts
        if self._quiet:
            if joined is None:
                joined = "\n".join(parts) if len(parts) > 1 else parts[0]
            try:
                if not probed and snap.quiet(joined):
                    return set()  # the common case: one automaton probe
                if joined.isascii() and not hidden(joined):
                    # Something was seen: which strings? (offsets are str offsets here)
                    hits, positions = snap.scan_positions(joined)
                    candidates = _touched(parts, joined, hits, positions)
            except Exception:
                candidates = parts
        dirty: set[str] = set()
        clean: list[str] = []
        checked: set[str] = set()
        for part in candidates:
            if part in checked or part in known:
                continue
            checked.add(part)
            try:
                found = bool(self._find(part, snap))
            except Exception:  # the redaction of this string reports and fails closed
                found = True
            if found:
                dirty.add(part)
            else:
                clean.append(part)
        if clean:
            self._remember(snap, clean)
        return dirty

    def _flat(self, obj: dict[Any, Any], snap: _Snap) -> Any:
        """``redact_obj`` of a flat dict whose key set is proven clean (see ``_flat_keys``):
        its str values joined, one scan, all at C speed; the general walk runs only
        when that scan flags something."""
        cached_snap, cached = self._clean
        known: frozenset[str] | set[str] = cached if cached_snap is snap else _NO_STRINGS
        # The strings not already proven clean under ``snap``, all at C speed: constant
        # values (a user agent, a message) drop out, the varied ones are scanned.
        parts = list(itertools.filterfalse(known.__contains__, filter(_is_str, obj.values())))
        if not parts:
            return obj
        joined = "\n".join(parts)
        if self._quiet and snap.quiet(joined):
            return obj  # the common case: one automaton probe
        dirty = self._dirty(parts, snap, known, joined, probed=True)
        if not dirty:
            return obj
        return self._second_pass(obj, (), parts, dirty, known)

    def _second_pass(
        self,
        obj: Any,
        skip: Collection[Hashable],
        parts: list[str],
        dirty: set[str],
        known: frozenset[str] | set[str],
    ) -> Any:
        """Walk again, redacting the flagged strings and any string the first pass missed."""
        seen = set(parts)
        redact = self.redact

        def second(text: str) -> str:
            # A string the first pass did not see (a str()/repr() that changed) is
            # scanned like a flagged one: nothing unseen passes as clean.
            if text in dirty or (text not in seen and text not in known):
                return redact(text)
            return text

        second.repeat = True  # type: ignore[attr-defined]
        return self._walk_top(obj, skip, second)

    def _flat_keys(self, keys: tuple[Any, ...], snap: _Snap) -> bool:
        """Whether a dict with these keys may take the flat path: str keys, none a
        sensitive name or a pair name (``auth``: its value is read with it), all proven
        clean under ``snap``. Remembered per key set for that snapshot only (log events
        of one call site share their keys). Whether a dict with
        record fields is a sensitive record depends on its values: the callers ask
        ``_record_values``."""
        verdict = all(
            type(k) is str and not self._sensitive_name(k) and not self.key_names.is_auth_pair(k)
            for k in keys
        )
        if verdict:
            verdict = not self._dirty(list(keys), snap)
        shapes_snap, shapes = self._shapes
        if shapes_snap is not snap:
            if snap is not self.known._snap:
                return verdict  # proven with a registry that has changed since
            shapes = {}
            self._shapes = (snap, shapes)
        if len(shapes) >= _CLEAN_CACHE_SIZE:
            shapes.clear()
        shapes[keys] = verdict
        return verdict

    def _remember(self, snap: _Snap, clean: Iterable[str]) -> None:
        """Remember strings proven clean under ``snap``, never under another snapshot."""
        cached_snap, cached = self._clean
        if cached_snap is not snap:
            if snap is not self.known._snap:
                return  # proven with a registry that has changed since: worthless now
            cached = set()
            self._clean = (snap, cached)
        if len(cached) >= _CLEAN_CACHE_SIZE:
            cached.clear()
        cached.update(p for p in clean if len(p) <= _CLEAN_MAX_LEN)

    def _walk_top(self, obj: Any, skip: Collection[Hashable], tx: _Text) -> Any:
        if skip and isinstance(obj, Mapping):
            path = _Path()
            path.add(id(obj))
            return self._walk_mapping(obj, 1, path, tx, skip=skip)
        return self._walk(obj, 0, _Path(), tx)

    def _walk(self, obj: Any, depth: int, active: set[int], tx: _Text) -> Any:
        if type(active) is _Path and active.objects:
            # Inside an object's attributes: at most _OBJECT_ITEMS values a call. A client
            # object reaches a library's whole model (a boto3 client: 44,000 mappings of
            # service documentation, 6 s a log call); past the budget a value is left as
            # it is, as objects were before their attributes were read.
            active.items -= 1
            if active.items < 0:
                return obj
        if isinstance(obj, str):
            return tx(obj)
        if isinstance(obj, _ATOMIC_TYPES):
            return obj
        if depth >= self.max_depth:
            return _DEPTH_PLACEHOLDER
        oid = id(obj)
        if oid in active:
            # A back-reference to an object being walked (a logger in its manager's
            # loggerDict, a parent pointer) is kept as it is, as _walk_object keeps one
            # held directly; a container that holds itself shows the cycle marker.
            return obj if _is_object(obj) else _CYCLE
        active.add(oid)
        try:
            return self._walk_container(obj, depth + 1, active, tx)
        finally:
            active.discard(oid)

    def _walk_container(self, obj: Any, depth: int, active: set[int], tx: _Text) -> Any:
        if isinstance(obj, bytes | bytearray | memoryview):
            text = bytes(obj).decode("utf-8", "surrogateescape")
            out = tx(text)
            return obj if out is text else type(obj)(out.encode("utf-8", "surrogateescape"))
        walked = self._walk_items(obj, depth, active, tx)
        if walked is not _NOT_A_CONTAINER:
            if type(obj) in _SHOWN_AS_ITEMS:
                return walked
            # A container of another type may show more than its items (a
            # ``SimpleCookie`` holds ``Morsel`` dicts whose value lives in an
            # attribute, a dict subclass with its own ``__repr__``): what a sink
            # prints is checked too, on the masked copy.
            shown = self._walk_shown(walked, tx)
            return walked if shown is walked else shown
        if isinstance(obj, BaseException):
            return self._walk_exception(obj, depth, active, tx)
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return self._walk_dataclass(obj, depth, active, tx)
        if (
            isinstance(active, _Path)
            and active.objects < _OBJECT_LEVELS
            and active.budget > 0
            and _is_object(obj)
            and not isinstance(obj, _OPAQUE)
        ):
            active.budget -= 1
            active.objects += 1
            try:
                return self._walk_object(obj, depth, active, tx)
            finally:
                active.objects -= 1
        return self._walk_shown(obj, tx)

    def _walk_items(self, obj: Any, depth: int, active: set[int], tx: _Text) -> Any:
        """The masked copy of a mapping, sequence or set by its items (the same object
        when nothing changed), or ``_NOT_A_CONTAINER``."""
        if isinstance(obj, Mapping):
            return self._walk_mapping(obj, depth, active, tx)
        if isinstance(obj, tuple | list):
            fields = getattr(obj, "_fields", None)
            if isinstance(obj, tuple) and isinstance(fields, tuple) and len(fields) == len(obj):
                return self._walk_fields(obj, fields, depth, active, tx)
            if 2 <= len(obj) <= 3 and self._sensitive_name(obj[0]):
                return self._walk_pair(obj, depth, active, tx)
        if type(obj) is list or type(obj) is tuple:
            argv = argv_text(obj)
            if argv is not None:
                obj = self._walk_argv(obj, *argv, tx)
        if isinstance(obj, list | tuple | set | frozenset):
            items = [self._walk(v, depth, active, tx) for v in obj]
            if all(a is b for a, b in zip(items, obj, strict=True)):
                return obj
            try:
                return type(obj)(items)
            except Exception:
                return list(items)
        return _NOT_A_CONTAINER

    def _walk_argv(
        self, obj: list[str] | tuple[str, ...], line: str, pieces: list[list[Piece]], tx: _Text
    ) -> Any:
        """An argument vector read as the command line it runs (``["mysql", "-pv"]``,
        ``["curl", "-u", "user:pw"]``): what the command grammar finds in ``line`` is
        masked in the items it falls in."""
        if tx(line) is line:
            return obj  # the first pass (records it), or a line without findings
        findings = self._find(line)
        items = list(obj)
        for i, item_pieces in enumerate(pieces):
            inside = []
            for f in findings:
                hits = [
                    (io + max(f.start, ls) - ls, io + min(f.end, ls + n) - ls)
                    for ls, io, n in item_pieces
                    if f.start < ls + n and f.end > ls
                ]
                if hits:  # the pieces of one finding make one span of the item
                    inside.append(dataclasses.replace(f, start=hits[0][0], end=hits[-1][1]))
            if inside:
                items[i] = self._apply(obj[i], sorted(inside, key=lambda f: (f.start, -f.end)))
        return type(obj)(items)

    def _walk_shown(self, obj: Any, tx: _Text) -> Any:
        """``obj``, or the masked text of what ``str()``/``repr()`` show (what sinks print)."""
        try:
            shown = str(obj)
        except Exception:
            return f"<unprintable {type(obj).__name__}>"
        out = tx(shown)
        if out is not shown:
            return out
        try:
            rep = repr(obj)
        except Exception:
            return f"<unprintable {type(obj).__name__}>"
        out = tx(rep)
        return obj if out is rep else out

    def _walk_pair(
        self, obj: tuple[Any, ...] | list[Any], depth: int, active: set[int], tx: _Text
    ) -> Any:
        """A ``(name, value[, ...])`` pair headed by a sensitive name (ASGI/WSGI headers,
        ``urlencode()`` pairs, JSON round trips that made tuples lists): the value is
        masked whole, and so is any later string; the name is walked like any value (it
        stays as it is unless it holds a secret itself: ``("000TOKEN", None)`` with
        ``000TOKEN`` registered)."""
        items: list[Any] = [self._walk(obj[0], depth, active, tx)]
        for i, v in enumerate(obj[1:], 1):
            if (
                _maskable(v)
                and (i == 1 or isinstance(v, str | bytes | bytearray))
                and not is_count(obj[0], v)
            ):
                items.append(self._masked_like(v, tx))
            else:
                items.append(self._walk(v, depth, active, tx))
        if all(a is b for a, b in zip(items, obj, strict=True)):
            return obj
        try:
            return cast(Any, type(obj))(items)
        except Exception:
            return items

    def _walk_fields(
        self, obj: tuple[Any, ...], fields: tuple[Any, ...], depth: int, active: set[int], tx: _Text
    ) -> Any:
        """A named tuple: values under sensitive field names are masked whole."""
        items: list[Any] = []
        for name, v in zip(fields, obj, strict=True):
            items.append(self._under(name, v, depth, active, tx))
        if all(a is b for a, b in zip(items, obj, strict=True)):
            return obj
        try:
            return type(obj)(*items)
        except Exception:
            return tuple(items)

    def _record_values(self, obj: Mapping[Any, Any]) -> frozenset[Any]:
        """The value fields of a name/value record that holds a secret (all of them: a
        change record's ``old`` and ``new``), else none.

        ``{"name": "DB_PASSWORD", "value": ...}`` (Kubernetes/ECS env, HAR headers and
        cookies, form fields), ``{"Key": "api_key", "Value": ...}`` (AWS tags),
        ``{"ParameterKey": ..., "ParameterValue": ...}`` (CloudFormation), JSON Patch
        ``{"path": "/data/token", "value": ...}``, validation errors ``{"loc": ("body",
        "password"), "input": ...}``, flagged and typed records ``{"secret": True,
        "value": ...}``, ``{"Type": "SecureString", "Value": ...}``: the rule is
        :func:`redact._carriers.record_is_sensitive`, the text reader's too.
        """
        if _RECORD_NAMES.isdisjoint(obj) or _RECORD_VALUES.isdisjoint(obj):
            return _NO_FIELDS  # no name, flag or type field, or nothing to mask
        if record_is_sensitive(obj, self._record_name):
            return _RECORD_VALUES.intersection(obj)
        return _NO_FIELDS

    def _record_name(self, name: str) -> bool:
        """``_sensitive_name`` of a record's name, remembered like a key's."""
        verdict = self._names.get(name)
        return self._name_verdict(name) if verdict is None else verdict

    def _walk_mapping(
        self,
        obj: Mapping[Any, Any],
        depth: int,
        active: set[int],
        tx: _Text,
        *,
        skip: Collection[Hashable] = (),
        values: frozenset[Any] = _NO_FIELDS,
    ) -> Any:
        """A mapping's items: each value walked under its key (see ``_under``), the value
        fields of a secret record (``_record_values``, or ``values`` for the body of one:
        GCP's ``payload``) masked whole, the keys redacted as text."""
        new: dict[Any, Any] = {}
        changed = False
        record = self._record_values(obj) or values
        # A snapshot of the items: a live mapping (a frame's globals, an object's state)
        # may change while it is walked.
        for k, v in list(obj.items()):
            if skip and k in skip:
                new[k] = v
                continue
            nk = tx(k) if isinstance(k, str) else self._walk(k, depth, active, tx)
            if nk is not k:
                try:
                    hash(nk)
                except TypeError:
                    nk = tx(repr(k))
            nv: Any
            if record and k in record and k in _RECORD_WRAPPERS and isinstance(v, Mapping):
                nv = self._walk_body(v, depth, active, tx)
            else:
                nv = self._under(k, v, depth, active, tx, secret=bool(record) and k in record)
            changed = changed or nk is not k or nv is not v
            new[nk] = nv
        if not changed:
            return obj
        if type(obj) is dict:
            return new
        try:
            return cast(Any, type(obj))(new)
        except Exception:
            return new

    def _under(
        self, name: object, v: Any, depth: int, active: set[int], tx: _Text, *, secret: bool = False
    ) -> Any:
        """``v`` as stored under ``name`` (a mapping key, a named tuple's or dataclass's
        field, an object's attribute): one rule for every carrier.

        Under a sensitive name (or a secret record's value field: ``secret``) it is masked
        whole, unless it carries nothing (``_maskable``) or is a count (``is_count``:
        ``{"tokens": 12}``); under a pair name (``auth``, ``basic``: ``is_auth_pair``) a
        ``(user, secret)`` pair has its secret masked, as the text reader masks
        ``auth = ('bob', 'v')``; anything else is walked.
        """
        if type(name) is str:
            sensitive = self._names.get(name)
            if sensitive is None:
                sensitive = self._name_verdict(name)
        else:
            sensitive = self._sensitive_key(name)
        if secret or sensitive:
            if not _maskable(v) or (not secret and is_count(name, v)):
                return v
            return self._masked_like(v, tx)
        tv = type(v)
        if tv is str and v[:1] not in ("(", "["):
            return tx(v)  # the common case, without the general walk's type tests
        if tv in _PLAIN_SCALARS:
            return v
        if isinstance(v, tuple | list) and len(v) == 2 and self._auth_pair(name, v):
            pair: tuple[Any, Any]
            if isinstance(v[1], str) and v[1].lower() in TOKEN_AS_USER:
                # (token, "x-oauth-basic"): GitHub's basic auth carries the token as the user
                pair = (self._masked_like(v[0], tx), v[1])
            else:
                pair = (self._walk(v[0], depth, active, tx), self._masked_like(v[1], tx))
            try:
                return cast(Any, type(v))(pair)
            except Exception:
                return list(pair)
        if (
            type(v) is str
            and v[:1] in "(["
            and _PAIR_REPR.fullmatch(v) is not None
            and self.key_names.is_auth_pair(name)
        ):
            # The pair as a renderer wrote it (dict_tracebacks' locals: "('bob', 'v')"):
            # read with its name, as the text is.
            head = f"{name} = "
            line = head + v
            out = tx(line)
            if out is line:
                return v
            return out[len(head) :] if out.startswith(head) else self._masked_like(v, tx)
        return self._walk(v, depth, active, tx)

    def _auth_pair(self, name: object, v: tuple[Any, ...] | list[Any]) -> bool:
        """Whether ``v`` (two items) is a ``(user, secret)`` pair under ``name``: a pair
        name, a user name and a scalar secret (``("bob", "v")``; not a named tuple)."""
        return (
            isinstance(v[0], str | bytes | bytearray)
            and isinstance(v[1], str | bytes | bytearray | int | float)
            and _maskable(v[1])
            and not hasattr(v, "_fields")
            and self.key_names.is_auth_pair(name)
            and not (_method_word(v[0]) and _method_word(v[1]))  # ["oauth2", "saml"]
        )

    def _walk_body(self, body: Mapping[Any, Any], depth: int, active: set[int], tx: _Text) -> Any:
        """The mapping a secret record wraps its value in (GCP ``payload``): its value
        fields (``data``) are masked whole, the others walked."""
        if depth >= self.max_depth:
            return _DEPTH_PLACEHOLDER
        if id(body) in active:
            return _CYCLE
        active.add(id(body))
        try:
            fields = frozenset(_RECORD_VALUES.intersection(body)) - _RECORD_WRAPPERS
            return self._walk_mapping(body, depth + 1, active, tx, values=fields or _NO_FIELDS)
        finally:
            active.discard(id(body))

    def _walk_exception(self, exc: BaseException, depth: int, active: set[int], tx: _Text) -> Any:
        args = self._walk(exc.args, depth, active, tx)
        attrs = self._walk(vars(exc), depth, active, tx) if vars(exc) else {}
        cause = exc.__cause__
        new_cause = self._walk(cause, depth, active, tx) if cause is not None else None
        context = exc.__context__
        new_context = self._walk(context, depth, active, tx) if context is not None else None
        try:
            shown = str(exc)
        except Exception:
            shown = ""
        redacted_shown = tx(shown)
        full = _exc_text(exc)
        unchanged = (
            args is exc.args
            and (not vars(exc) or attrs is vars(exc))
            and new_cause is cause
            and new_context is context
            and redacted_shown is shown
            and tx(full) is full
        )
        tb = exc.__traceback__
        new_tb = tb
        if tb is not None:
            # A frame's locals often hold the exception itself (``except E as exc``): it
            # shows as it is when it needs no mask, else as the cycle marker.
            new_tb = self._walk_traceback(tb, depth, active, tx, self_clean=unchanged)
        if unchanged and new_tb is tb:
            return exc

        def fallback() -> str:
            # The exception cannot be rebuilt masked: its text stands in. Not
            # ``redacted_shown``: in the first pass ``tx`` only collects, and what the
            # exception holds by name shows in its text with no name a text pass would
            # find (``login failed with <v>``): the walk's replacements are applied to
            # the text first, then the text is redacted as any text is.
            return f"{type(exc).__name__}: {self._scrubbed(shown, exc, args, attrs)}"

        try:
            clone = copy.copy(exc)
        except Exception:  # an exception type that cannot be rebuilt from its args
            return fallback()
        if clone is exc or type(clone) is not type(exc):
            return fallback()  # a copier that hands back the original: never mutate it
        try:
            # A copy may share the original's attribute dict: tblib's pickling support
            # (installed by dask.distributed for every exception class defined before it)
            # rebuilds with ``__dict__`` itself, so masking the copy masked the original
            # and the text already rendered from it matched no replacement.
            clone.__dict__ = dict(vars(exc))
        except (AttributeError, TypeError):
            return fallback()
        clone.args = args if isinstance(args, tuple) else (str(args),)
        if isinstance(exc, BaseExceptionGroup):
            # A group's sub-exceptions live outside args (tracebacks print them from
            # .exceptions): derive a new group from the masked ones.
            subs = clone.args[1] if len(clone.args) > 1 else ()
            if not all(isinstance(x, BaseException) for x in subs):
                return fallback()
            try:
                clone = exc.derive(list(subs))
            except Exception:
                return fallback()
            clone.__dict__.update(vars(exc))
        if isinstance(attrs, dict) and attrs is not vars(exc):
            clone.__dict__.update(attrs)
        clone.__traceback__ = new_tb
        clone.__cause__ = new_cause if isinstance(new_cause, BaseException) else None
        clone.__context__ = new_context if isinstance(new_context, BaseException) else None
        # What a sink renders: str() and the traceback's last line(s), which show state
        # kept outside args and __dict__ (SyntaxError.text, the groups' members).
        still = _exc_text(clone)
        if self.redact(still) is not still or self._shows_replaced(still, exc, args, attrs):
            return fallback()
        return clone

    def _shows_replaced(self, text: str, exc: BaseException, args: Any, attrs: Any) -> bool:
        """Whether ``text`` (the masked copy's rendering) still shows a string the walk
        replaced in the exception's args or attributes: the copy did not take the masked
        state (a ``__reduce__`` or ``__copy__`` that rebuilds from elsewhere)."""
        pairs: list[tuple[str, str]] = []
        _replaced_strings(exc.args, args, pairs, 0)
        if vars(exc):
            _replaced_strings(vars(exc), attrs, pairs, 0)
        return any(len(raw) >= 4 and raw in text for raw, _ in pairs)

    def _scrubbed(self, shown: str, exc: BaseException, args: Any, attrs: Any) -> str:
        """``shown`` (an exception's text) with the strings the walk replaced in its args
        and attributes replaced the same way (longest first), then redacted as text."""
        pairs: list[tuple[str, str]] = []
        _replaced_strings(exc.args, args, pairs, 0)
        if vars(exc):
            _replaced_strings(vars(exc), attrs, pairs, 0)
        for raw, masked in sorted(set(pairs), key=lambda p: -len(p[0])):
            if len(raw) >= 2:
                shown = shown.replace(raw, masked)
        return self.redact(shown)

    def _walk_traceback(
        self, tb: TracebackType, depth: int, active: set[int], tx: _Text, *, self_clean: bool
    ) -> TracebackType | None:
        """``tb`` or a copy whose frames show masked locals (what ``show_locals`` renders).

        Tracebacks reference live frames, whose locals renderers (rich, structlog's
        ``ConsoleRenderer`` and ``dict_tracebacks``) print. A frame whose locals hold
        something to mask is replaced by a stand-in frame with the same file, line
        and function name whose locals are the masked ones.
        """
        entries: list[TracebackType] = []
        t: TracebackType | None = tb
        while t is not None:
            entries.append(t)
            t = t.tb_next
        masked: list[Any] = []
        for entry in entries:
            try:
                frame_locals = entry.tb_frame.f_locals
            except Exception:
                frame_locals = {}
            # Locals that are objects being walked right now (the exception itself).
            walking = [k for k, v in frame_locals.items() if id(v) in active]
            view = frame_locals
            if walking:
                view = {k: v for k, v in frame_locals.items() if k not in walking}
            out = self._walk(view, depth, active, tx)
            if out is view and (self_clean or not walking):
                masked.append(None)
            else:
                shown = dict(out)
                shown.update((k, _CYCLE) for k in walking)
                masked.append(shown)
        if all(m is None for m in masked):
            return tb
        new: TracebackType | None = None
        for entry, m in zip(reversed(entries), reversed(masked), strict=True):
            if m is None:
                new = TracebackType(new, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
            else:
                frame = _stand_in_frame(entry.tb_frame, m)
                new = TracebackType(new, frame, 0, entry.tb_lineno)
        return new

    def _walk_object(self, obj: Any, depth: int, active: set[int], tx: _Text) -> Any:
        """An object by its attributes (``__dict__``, ``__slots__``) and what it shows.

        Sinks render an object through ``repr`` (KeyValueRenderer, ConsoleRenderer,
        ``%r``), ``str`` or ``vars`` (``JSONRenderer(default=vars)``, which reaches every
        attribute, recursively), and a ``repr`` may show a value without its name
        (``Slots(<value>)``) or hide one (``O()``). So its attributes are walked as a
        mapping's items are (a value under a sensitive name masked whole, mappings,
        sequences and objects in it walked: ``self.headers = {"Authorization": ...}``;
        ``_OBJECT_LEVELS`` deep, ``_OBJECT_BUDGET`` objects a call); an object that
        holds nothing to mask is returned as it is, else the result is a shallow copy
        with the masked attributes
        (the caller's object is never changed), checked again by what it shows; an
        object that cannot be copied so becomes the text
        ``TypeName(attr=<masked repr>, ...)``. A back-reference to an object being
        walked (a parent pointer) is kept as it is.
        """
        attrs = _attributes(obj)
        changes: dict[str, Any] = {}
        for name, v, _ in attrs:
            if id(v) in active:
                continue
            nv = self._under(name, v, depth, active, tx)
            if nv is not v:
                changes[name] = nv
        if not changes:
            return self._walk_shown(obj, tx)
        target = _patched_copy(obj, attrs, changes)
        if target is None:
            shown = ", ".join(f"{n}={_safe_repr(changes.get(n, v))}" for n, v, _ in attrs)
            return tx(f"{type(obj).__qualname__}({shown})")
        out = self._walk_shown(target, tx)
        return target if out is target else out

    def _walk_dataclass(self, obj: Any, depth: int, active: set[int], tx: _Text) -> Any:
        changes: dict[str, Any] = {}
        names = [f.name for f in dataclasses.fields(obj)]
        # Attributes set outside the fields (__post_init__) reach sinks that render vars().
        extra = getattr(obj, "__dict__", None)
        if isinstance(extra, dict):
            names.extend(k for k in extra if isinstance(k, str) and k not in names)
        for name in names:
            v = getattr(obj, name, None)
            nv = self._under(name, v, depth, active, tx)
            if nv is not v:
                changes[name] = nv
        target = obj
        if changes:
            target = copy.copy(obj)
            for name, value in changes.items():
                object.__setattr__(target, name, value)
        # What a sink prints may show more than the fields: a custom __repr__ or __str__.
        shown = self._walk_shown(target, tx)
        return target if shown is target else shown


#: Objects not walked by their attributes: the core's own (they hold the registry, every
#: secret, and show none of it; a module's globals in a traceback hold them), and the
#: logging module's process-wide registry of loggers, which every logger points to (its
#: ``loggerDict`` is keyed by logger names such as ``app.secrets``, not by fields).
_OPAQUE = (Redactor, KnownSecrets, _Snap, logging.Manager)


class _Acc(NamedTuple):
    """What the plain-data pass carries down: strings found, strings known clean, snapshot."""

    parts: list[str]
    known: frozenset[str] | set[str]
    snap: _Snap


class _Collect:
    """The first pass's text function: records strings not known clean, changes nothing."""

    __slots__ = ("known", "parts")

    def __init__(self, known: frozenset[str] | set[str]) -> None:
        self.known = known
        self.parts: list[str] = []

    def __call__(self, text: str) -> str:
        if text not in self.known:
            self.parts.append(text)
        return text


def _touched(
    parts: list[str], joined: str, hits: Iterable[Hit], positions: Mapping[str, list[int]]
) -> list[str]:
    """The parts (joined with one newline each) that a hit or a keyword occurrence touches."""
    spans = [(h.start, h.end) for h in hits]
    spans.extend((p, p + len(w)) for w, offsets in positions.items() for p in offsets)
    idx: set[int] = set()
    if len(spans) <= 8 and joined.count("\n") == len(parts) - 1:
        # No part holds a newline: a position's part is the number of newlines before it.
        for s, e in spans:
            lo = joined.count("\n", 0, s)
            idx.update(range(lo, lo + joined.count("\n", s, max(e - 1, s)) + 1))
        return [parts[i] for i in sorted(idx)]
    starts = []
    pos = 0
    for part in parts:
        starts.append(pos)
        pos += len(part) + 1
    for s, e in spans:
        lo = bisect.bisect_right(starts, s) - 1
        hi = bisect.bisect_left(starts, e)
        idx.update(range(max(lo, 0), max(hi, lo + 1)))
    return [parts[i] for i in sorted(idx)]


def _stand_in_frame(frame: FrameType, masked: object) -> FrameType:
    """A frame with ``frame``'s file and function name whose locals are ``masked``.

    It runs a one-line code object renamed after the function, whose location table
    says "no location" (so no caret points into the wrong columns); the traceback
    entry that holds it carries the real line number.
    """
    code = _STAND_IN.replace(
        co_filename=frame.f_code.co_filename,
        co_name=frame.f_code.co_name,
        co_qualname=getattr(frame.f_code, "co_qualname", frame.f_code.co_name),
    )
    names = dict(masked) if isinstance(masked, Mapping) else {"locals": masked}
    scope: dict[str, Any] = {str(k) if not isinstance(k, str) else k: v for k, v in names.items()}
    env = {"__name__": frame.f_globals.get("__name__", "?"), "_getframe": sys._getframe}
    exec(code, env, scope)  # noqa: S102 - our own constant code object
    stand_in: FrameType = scope.pop(_STAND_IN_NAME)
    return stand_in


_STAND_IN_NAME = "__redact_frame__"


def _no_location(code: CodeType) -> CodeType:
    """``code`` with a location table that maps every instruction to "no location"."""
    n = len(code.co_code) // 2
    table = bytes(0xF8 | (min(8, n - i) - 1) for i in range(0, n, 8))
    return code.replace(co_linetable=table)


_STAND_IN = _no_location(compile(f"{_STAND_IN_NAME} = _getframe()", "<redact>", "exec"))


def _method_word(item: object) -> bool:
    """An authentication method or scope word (``_carriers.AUTH_METHOD_WORDS``)."""
    if isinstance(item, bytes | bytearray):
        item = bytes(item).decode("latin-1")
    return isinstance(item, str) and item.lower() in AUTH_METHOD_WORDS


def _replaced_strings(old: Any, new: Any, out: list[tuple[str, str]], depth: int) -> None:
    """``(raw, masked)`` for each string of ``old`` that the walk's copy ``new`` replaced,
    read in parallel through mappings, sequences and objects' attributes (8 levels); an
    object the copy shows as text pairs its ``repr`` and ``str`` with that text."""
    if old is new or depth > 8:
        return
    if isinstance(old, str):
        if isinstance(new, str):
            out.append((old, new))
        return
    if isinstance(new, str):
        for show in (repr, str):
            try:
                out.append((show(old), new))
            except Exception:
                pass
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for k, v in old.items():
            if k in new:
                _replaced_strings(v, new[k], out, depth + 1)
        return
    if isinstance(old, list | tuple) and isinstance(new, list | tuple):
        for a, b in zip(old, new, strict=False):
            _replaced_strings(a, b, out, depth + 1)
        return
    if isinstance(old, BaseException) and isinstance(new, BaseException):
        _replaced_strings(old.args, new.args, out, depth + 1)
    try:
        a_vars, b_vars = vars(old), vars(new)
    except TypeError:
        a_vars, b_vars = {}, {}
    _replaced_strings(a_vars, b_vars, out, depth + 1)
    for name, _ in _slots_of(cast(Any, type(old))):
        _replaced_strings(getattr(old, name, None), getattr(new, name, None), out, depth + 1)


def _exc_text(exc: BaseException) -> str:
    """str(exc) and the traceback module's rendering of it (what log sinks print)."""
    try:
        shown = str(exc)
    except Exception:
        shown = ""
    try:
        return shown + "\n" + "".join(traceback.format_exception(exc, limit=0))
    except Exception:
        return shown


@functools.lru_cache(maxsize=1024)
def _slots_of(cls: type) -> tuple[tuple[str, Any], ...]:
    """The slot descriptors the classes of ``cls`` declare: (attribute name, descriptor)."""
    out: list[tuple[str, Any]] = []
    for klass in cls.__mro__:
        declared = klass.__dict__.get("__slots__", ())
        for name in (declared,) if isinstance(declared, str) else declared:
            if not isinstance(name, str) or name in ("__dict__", "__weakref__"):
                continue
            if name.startswith("__") and not name.endswith("__"):
                name = f"_{klass.__name__.lstrip('_')}{name}"  # private names are mangled
            desc = klass.__dict__.get(name)
            if desc is not None and hasattr(desc, "__get__") and hasattr(desc, "__set__"):
                out.append((name, desc))
    return tuple(out)


def _attributes(obj: object) -> list[tuple[str, Any, Any]]:
    """An object's own attributes: (name, value, slot descriptor or None).

    Read without running the object's code: the instance ``__dict__`` as it is and the
    slots its classes declare through their descriptors (no ``__getattr__``, no
    properties); an unset slot is left out.
    """
    out: list[tuple[str, Any, Any]] = []
    cls: Any = type(obj)
    try:
        slots = _slots_of(cls)
    except Exception:
        slots = ()
    for name, desc in slots:
        try:
            out.append((name, desc.__get__(obj, cls), desc))
        except Exception:
            continue
    own = _own_dict(obj)
    if own is not None:
        out.extend((k, v, None) for k, v in list(own.items()) if isinstance(k, str))
    return out


def _own_dict(obj: object) -> dict[str, Any] | None:
    try:
        own = object.__getattribute__(obj, "__dict__")
    except Exception:
        return None
    return own if type(own) is dict else None


def _is_object(value: object) -> bool:
    """A value the object walk may look into by its attributes (not data, not a class)."""
    return not isinstance(
        value,
        str | bytes | bytearray | Mapping | list | tuple | set | frozenset | BaseException,
    ) and not isinstance(value, _ATOMIC_TYPES + _NOT_AN_OBJECT)


def _patched_copy(obj: Any, attrs: list[tuple[str, Any, Any]], changes: dict[str, Any]) -> Any:
    """A shallow copy of ``obj`` with ``changes`` set, or None when no safe copy exists
    (copying fails, returns ``obj`` itself or shares its ``__dict__``)."""
    try:
        new = copy.copy(obj)
    except Exception:
        return None
    own, new_own = _own_dict(obj), _own_dict(new)
    if new is obj or type(new) is not type(obj) or (own is not None and new_own is own):
        return None
    slots = {name: desc for name, _, desc in attrs if desc is not None}
    try:
        for name, value in changes.items():
            if name in slots:
                slots[name].__set__(new, value)
            elif new_own is not None:
                new_own[name] = value
            else:
                return None
    except Exception:
        return None
    return new


def _safe_repr(value: object) -> str:
    try:
        return repr(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def _maskable(value: object) -> bool:
    """A value under a sensitive key is masked unless it carries nothing (None, '', a mask)."""
    if value is None or isinstance(value, bool):
        return False
    return not (isinstance(value, str) and (value == "" or is_mask(value)))


def _rematch_end(
    rule: Rule | KeyValueDetector, text: str, lo: int, start: int, *, reach: int, timeout: float
) -> int:
    """End of ``rule``'s span at ``start`` once ``reach`` more characters are visible."""
    for s, e in rule.finditer(text, lo, min(len(text), start + reach), timeout=timeout):
        if s >= start:
            return e if s == start else 0
    return 0


def _multiline(rule: Rule | KeyValueDetector) -> bool:
    """Whether a rule's match may span lines (declared, or inferred conservatively)."""
    if not isinstance(rule, Rule):
        return False
    if rule.multiline is not None:
        return rule.multiline
    return _infer_multiline(rule.regex, rule.examples)


@functools.lru_cache(maxsize=1024)
def _infer_multiline(pattern: str, examples: tuple[str, ...]) -> bool:
    """Multi-line when an example spans lines or the regex spells a line break out."""
    if any("\n" in ex or "\r" in ex for ex in examples):
        return True
    return any(h in pattern for h in ("[\\s\\S]", "[\\S\\s]", "(?s", "\\n", "\\r"))


def _regions_around(spans: Iterable[tuple[int, int]], n: int, reach: int) -> list[tuple[int, int]]:
    """Merged windows ``[start - reach, end + reach)`` around ``spans`` (sorted), within ``n``.

    Every span lies whole inside one window (windows that overlap are merged), so no
    window cuts a mask in two.
    """
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        lo, hi = max(0, s - reach), min(n, e + reach)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _regions(starts: Iterable[int], n: int, reach: int) -> list[tuple[int, int]]:
    """Merged windows [p - _LOOKBACK, p + reach) around keyword offsets ``starts``."""
    out: list[tuple[int, int]] = []
    for p in sorted(starts):
        lo, hi = max(0, p - _LOOKBACK), min(n, p + reach)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _at_word_starts(
    text: str, offsets: dict[str, list[int]], word_start: frozenset[str]
) -> dict[str, list[int]]:
    """``offsets`` without the hits of ``word_start`` keywords that follow a letter, digit or
    ``_`` (``7z `` in ``07Z INFO``, ``net `` in ``internet ``); a keyword left with no hit is
    dropped."""
    out: dict[str, list[int]] = {}
    for k, at in offsets.items():
        if k in word_start:
            at = [p for p in at if p == 0 or not (text[p - 1].isalnum() or text[p - 1] == "_")]
            if not at:
                continue
        out[k] = at
    return out


def _line_regions(starts: Iterable[int], text: str, back: int, reach: int) -> list[tuple[int, int]]:
    """Merged windows around ``starts``, clipped to their own line and to back/reach."""
    out: list[tuple[int, int]] = []
    n = len(text)
    for p in sorted(starts):
        if out and p < out[-1][1]:
            continue
        lo = max(text.rfind("\n", max(0, p - back), p) + 1, p - back, 0)
        end = text.find("\n", p, p + reach)
        hi = min(n, p + reach) if end < 0 else end
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _outside_masks(
    text: str, findings: list[Finding], rendered: Callable[[], frozenset[str]]
) -> list[Finding]:
    """Drop findings that lie wholly inside a mask rendered by an earlier pass.

    Dropped: findings that start on the ``[REDACTED:`` head (a rule matching the
    whole mask), findings of the key-name and plugin detectors (they legitimately
    fire on a mask's ``name:value`` segments), and known or rule findings inside a
    label segment this redactor renders (a registered value that happens to occur
    in a rule id). Kept: a known value or rule match wrapped in any other mask-like
    text (``[REDACTED:<token>]``), and a registered value that is itself mask-shaped.
    """
    masks = [m.span() for m in MASK_TOKEN.finditer(text)]
    starts = [m[0] for m in masks]
    kept = []
    for f in findings:
        # Masks do not overlap: only the last one starting at or before f can hold it
        # (a bisection, so many findings among many masks stay O(n log n)).
        k = bisect.bisect_right(starts, f.start) - 1
        if k >= 0:
            s, e = masks[k]
            if f.end <= e and not (f.detector == "known" and (f.start, f.end) == (s, e)):
                if f.start < s + _MASK_HEAD or f.detector not in ("known", "rule"):
                    continue
                seg_s = text.rfind(":", s, f.start + 1) + 1
                seg_e = text.find(":", f.end - 1, e)
                segment = text[seg_s : e - 1 if seg_e < 0 else seg_e]
                if segment in rendered():
                    continue
        j = bisect.bisect_right(starts, f.end - 1) - 1
        if j >= 0 and f.detector == "key-name" and f.start < masks[j][0] and f.end < masks[j][1]:
            continue  # a value that ends inside a mask: a reader cut it there (``]`` ends it)
        kept.append(f)
    return kept


def _echoable(value: str) -> bool:
    """Whether a found value is distinctive enough to mask where the text repeats it: at
    least :data:`_ECHO_MIN` characters, not a mask, and not one plain word in one case
    (a value under a sensitive name that reads ``production`` is masked there, not in
    ``env=production`` beside it)."""
    if not _ECHO_MIN <= len(value) <= _ECHO_MAX or "[REDACTED" in value or not value.strip():
        return False
    if "\n" in value or "\r" in value:
        return False  # a multi-line secret is a rule's (found everywhere), not a line of prose
    return not (value.isalpha() and (value.islower() or value.isupper() or value.istitle()))


def _with_echoes(text: str, findings: list[Finding]) -> list[Finding]:
    """``findings`` plus each other place in ``text`` that repeats a found value verbatim.

    A detector reads a value where its name or format shows it (``"password": "v"``); the
    same value elsewhere in the same text (``"confirm": "v"``, ``login failed for bob using
    v``, ``assert 'v' == ...``) has no name and would go out. Registered values are found
    everywhere already.
    """
    values: dict[str, Finding] = {}
    for f in findings:
        if f.detector != "known" and f.end - f.start >= _ECHO_MIN:
            value = text[f.start : f.end]
            if value not in values and _echoable(value):
                values[value] = f
    if not values:
        return findings
    # the found spans, sorted, with the farthest end so far: "is [at, end) inside one of
    # them" is one bisection (the findings of 100 KB of repeated keys are thousands)
    spans = sorted((f.start, f.end) for f in findings)
    starts = [a for a, _ in spans]
    reach = list(itertools.accumulate((b for _, b in spans), max))
    extra: list[Finding] = []
    # any case (a value echoed lower- or upper-cased); ASCII lowering keeps every offset
    # (str.translate: a lone surrogate of undecodable input is a character like any other)
    low = text.translate(_ASCII_LOWER)
    for value, f in values.items():
        needle = value.translate(_ASCII_LOWER)
        at = low.find(needle)
        while at >= 0:
            end = at + len(needle)
            i = bisect.bisect_right(starts, at) - 1
            if i < 0 or reach[i] < end:
                extra.append(dataclasses.replace(f, start=at, end=end))
            at = low.find(needle, end)
    if not extra:
        return findings
    return sorted([*findings, *extra], key=lambda f: (f.start, -f.end, _PRIORITY[f.detector]))


def _merge(findings: list[Finding]) -> Iterable[tuple[int, int, Finding]]:
    """Union overlapping spans; each merged span is led by its most specific finding."""
    cur_s, cur_e, lead = findings[0].start, findings[0].end, findings[0]
    for f in findings[1:]:
        if f.start < cur_e:
            cur_e = max(cur_e, f.end)
            if _PRIORITY[f.detector] < _PRIORITY[lead.detector]:
                lead = f
            continue
        yield cur_s, cur_e, lead
        cur_s, cur_e, lead = f.start, f.end, f
    yield cur_s, cur_e, lead
