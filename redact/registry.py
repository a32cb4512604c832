"""KnownSecrets: the exact-match registry of every secret value the providers loaded.

Each value is registered with the forms it is commonly logged in (base64 in
every alignment, percent-encoding, JSON escaping, hex, the identifying lines of
a multi-line value, ...; see :mod:`redact._forms`), and the text is also scanned
in its decoded views (HTML entities, backslash escapes, full-width characters).

Storage (measured in docs/performance.md): the forms of a group of values are
kept as one ``bytes`` blob with an array of lengths and an array of owners, and
only a short *anchor* of each form (its middle ``_ANCHOR`` bytes, lower-cased)
goes into the automaton, together with the redactor's rule keywords; an anchor
hit is confirmed against the whole form. Values live in a few immutable
*tiers* — one automaton each, the oldest and largest holding the keywords —
merged like a log-structured tree: adding one value builds a tiny tier, and a
tier is merged into the one before it once that is no more than ``_FACTOR``
times larger, so each form is rebuilt a logarithmic number of times and
``add`` one value at a time stays close to ``add_many``. When adds pause, a
background compaction folds the tiers back into one.

Writers build a new immutable :class:`_Snapshot` and swap the reference
(copy-on-write); readers never take a lock.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from redact._forms import variants
from redact._matcher import (
    DFA_MAX_PATTERNS,
    AnchorMatcher,
    Hit,
    Positions,
    ascii_lower,
    build_matcher,
    str_hits,
    str_positions,
)
from redact._views import decoded_views, fold_table, hidden, island_view, worth_decoding
from redact.exceptions import ConfigError, SecretTooShortError

__all__ = ["DEFAULT_MIN_LENGTH", "KnownSecrets", "variants"]

#: Values shorter than this are refused: too short to match safely, too easy to guess.
DEFAULT_MIN_LENGTH = 8
#: Bytes of each form that go into the automaton (its middle: shared vendor prefixes
#: such as ``sk_live_`` or a PEM's armour make the ends poor anchors).
_ANCHOR = 8
#: A tier is merged into the one before it when that one is at most this many times larger.
_FACTOR = 4
#: More tiers than this are merged at once, whatever their sizes.
_MAX_TIERS = 8
#: Seconds after the last add before the background compaction runs.
_COMPACT_DELAY = 0.25
#: Below this many patterns, the background compaction folds everything into one tier.
_EAGER_PATTERNS = 1 << 18


#: A form confirmed in any letter case: hex digits, with a UUID's dashes.
_HEX_FORM = re.compile(rb"[0-9A-Fa-f]++(?:-[0-9A-Fa-f]++)*+")

#: After building an automaton of this many patterns, freed heap goes back to the OS.
_TRIM_AT = 1 << 16


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        import ctypes

        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows): nothing to do
        return None
    return trim


def _release_freed_memory() -> None:
    """Return the heap a large automaton build freed (its intermediate NFA), or the tiers
    a merge replaced, to the OS.

    glibc keeps freed memory in the process; ``malloc_trim`` gives back the free
    pages (about a quarter of the registry's RSS after a 100,000-value build).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@dataclass(frozen=True, slots=True)
class _Entry:
    label: str
    category: str | None
    version: str | None


_NO_WORDS: frozenset[str] = frozenset()


#: Packed forms: (blob, lengths, shortest accepted prefix lengths, owners).
_Forms = tuple[bytes, "array[int]", "array[int]", "array[int]"]
_NO_FORMS: _Forms = (b"", array("I"), array("I"), array("I"))


class _Tier:
    """One automaton over the forms of some values (and, for the oldest tier, keywords).

    ``values`` maps each value to its id in the registry's entry list; ``blob`` holds
    the forms' UTF-8 bytes back to back, ``lengths`` their byte lengths, ``shortest``
    the shortest prefix of each that is itself a registered form (a form that is a
    prefix of another form of the same value — base64 without its padding — is stored
    once, as that prefix length), and ``owners`` the id of the value each form belongs
    to. Pattern ``i < n`` of the automaton is the anchor of form ``i`` (inside its
    shortest prefix); pattern ``n + j`` is keyword ``j``.
    """

    __slots__ = (
        "blob",
        "keywords",
        "lengths",
        "matcher",
        "n",
        "offsets",
        "owners",
        "shortest",
        "values",
    )

    def __init__(
        self,
        values: dict[str, int],
        forms: _Forms,
        keywords: tuple[str, ...],
        backend: str,
        *,
        lasting: bool = True,
    ) -> None:
        self.values = values
        self.blob, self.lengths, self.shortest, self.owners = forms
        self.n = len(self.lengths)
        code = "I" if len(self.blob) < 1 << 32 else "Q"
        self.offsets = array(code, itertools.accumulate(self.lengths, initial=0))
        self.keywords = keywords
        patterns: Iterable[bytes] = self._patterns() if self.n or keywords else []
        if lasting and self.n + len(keywords) <= DFA_MAX_PATTERNS:
            # Small enough for the faster DFA (see _matcher). Not for the tiers a burst of
            # adds builds and merges away within moments: a DFA costs several times the
            # build of the NFA (10,000 values one at a time: 5.2 -> 8.5 s CPU with it).
            patterns = list(patterns)
        self.matcher: AnchorMatcher = build_matcher(patterns, backend=backend)
        if self.size >= _TRIM_AT:
            _release_freed_memory()

    @property
    def size(self) -> int:
        """Patterns in the automaton plus values (its build cost)."""
        return self.n + len(self.keywords) + len(self.values)

    def _patterns(self) -> Iterator[bytes]:
        """Each form's anchor (lower-cased), then the keywords; generated, not stored."""
        blob = self.blob
        for o, sh in zip(self.offsets, self.shortest, strict=False):
            k = o + (sh - _ANCHOR) // 2 if sh > _ANCHOR else o
            yield blob[k : k + min(sh, _ANCHOR)].lower()
        for kw in self.keywords:
            yield kw.encode("utf-8")

    def collect(
        self,
        found: Sequence[tuple[int, int, int]],
        data: bytes,
        entries: list[_Entry],
        hits: dict[tuple[int, int], str],
        positions: Positions,
        *,
        low: bytes = b"",
    ) -> None:
        """Add the confirmed form spans and keyword offsets among this tier's ``found``.

        ``low``: ``data`` with ASCII letters lower-cased. A hex form (a hex key, a UUID)
        is confirmed in any letter case: tools print the same bytes as ``550E8400-...``
        or ``550e8400-...``; any other form as registered, or whole in lower or in upper
        case (what a carrier that folds case makes of it: header names, hostnames).
        """
        n = self.n
        blob = self.blob
        for idx, s, _e in found:
            if idx >= n:
                positions.setdefault(self.keywords[idx - n], []).append(s)
                continue
            sh = self.shortest[idx]
            start = s - ((sh - _ANCHOR) // 2 if sh > _ANCHOR else 0)
            o = self.offsets[idx]
            src, ref = data, blob
            folded = False
            if start < 0:
                continue
            if data[start : start + sh] != blob[o : o + sh]:
                ln = self.lengths[idx]
                if not low:
                    continue
                if _HEX_FORM.fullmatch(blob, o, o + ln):
                    src, ref = low, blob[o : o + ln].lower()  # a hex form: any letter case
                    if src[start : start + sh] != ref[:sh]:
                        continue
                else:
                    # A carrier that folds case (h11/Starlette/HTTP-2 header names, hostnames,
                    # DNS labels, e-mail domains): the whole form lower- or upper-cased is
                    # the value there, and only there (``t=TOKEN`` is another string).
                    lowered = _folded(blob[o : o + ln], data[start : start + sh])
                    if lowered is None:
                        continue
                    ref, folded = lowered, True
                o = 0
            ln = self.lengths[idx]
            end = start + ln
            if ln > sh and src[start:end] != ref[o : o + ln]:
                end = self._extend(src, start, start + sh, o, ln=ln, blob=ref)
            if folded and (end - start != ln or not _folds_case(data, start, end)):
                continue
            hits.setdefault((start, end), entries[self.owners[idx]].label)

    def _extend(self, data: bytes, start: int, end: int, o: int, *, ln: int, blob: bytes) -> int:
        """How far past a matched shortest prefix the text goes on matching the form."""
        limit = min(start + ln, len(data))
        while end < limit and data[end] == blob[o + end - start]:
            end += 1
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1  # stop on a character boundary (the shortest prefix is one)
        return end


#: A header name's characters (RFC 9110 token), around a value inside the name.
_TOKEN_BEFORE = re.compile(rb"[ \t]*[A-Za-z0-9!#$%&'*+.^_`|~-]*\Z")
_TOKEN_AFTER = re.compile(rb"[A-Za-z0-9!#$%&'*+.^_`|~-]*(?::|\r?\Z)")


def _folds_case(data: bytes, start: int, end: int) -> bool:
    """Whether ``data[start:end]`` sits where a carrier folds case: inside a header name
    (its line, up to a ``:`` or the end, is one token: a header line, a header map's key,
    an attribute key) or in a host name (``://`` or ``@`` before it, or a ``.`` and a
    label after it: a URL's host, an e-mail domain, a DNS name)."""
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", end)
    line_end = len(data) if line_end < 0 else line_end
    if _TOKEN_BEFORE.match(data, line_start, start) and _TOKEN_AFTER.match(data, end, line_end):
        return True
    if data.endswith((b"://", b"@"), 0, start):
        return True
    return data[end : end + 1] == b"." and data[end + 1 : end + 2].isalnum()


def _folded(form: bytes, seen: bytes) -> bytes | None:
    """``form`` lower- or upper-cased (ASCII letters) when ``seen`` starts it that way."""
    for ref in (form.lower(), form.upper()):
        if ref != form and ref.startswith(seen):
            return ref
    return None


def _encode_forms(items: Iterable[tuple[str, int]], min_length: int) -> _Forms:
    """The forms of each ``(value, id)`` packed as (blob, lengths, shortest, owners).

    A form that is a prefix of a longer form of the same value (base64 without its
    padding, the embedded-alignment core of the standalone base64) is not stored on
    its own: the longer form records it as its shortest accepted prefix.
    """
    parts: list[bytes] = []
    lengths = array("I")
    shortest = array("I")
    owners = array("I")
    for value, vid in items:
        forms = sorted(f.encode("utf-8", "surrogatepass") for f in variants(value, min_length))
        for i, form in enumerate(forms):
            if i + 1 < len(forms) and forms[i + 1].startswith(form):
                continue  # sorted: a prefix of any later form is a prefix of the next one
            parts.append(form)
            lengths.append(len(form))
            shortest.append(min(len(f) for f in forms[: i + 1] if form.startswith(f)))
            owners.append(vid)
    return b"".join(parts), lengths, shortest, owners


def _merge(tiers: list[_Tier], backend: str, *, lasting: bool = True) -> _Tier:
    """One tier holding everything in ``tiers`` (oldest first; newer entries win);
    ``lasting=False`` for a merge that the next adds will merge again."""
    if len(tiers) == 1:
        return tiers[0]
    values: dict[str, int] = {}
    lengths = array("I")
    shortest = array("I")
    owners = array("I")
    for t in tiers:
        values.update(t.values)
        lengths.extend(t.lengths)
        shortest.extend(t.shortest)
        owners.extend(t.owners)
    blob = b"".join(t.blob for t in tiers)
    return _Tier(
        values, (blob, lengths, shortest, owners), tiers[0].keywords, backend, lasting=lasting
    )


#: The wide readings of raw bytes (:meth:`_Snapshot.scan_wide`).
_WIDE = ("utf-16-le", "utf-16-be")
#: UTF-32 readings: the codec and the place of a character's low byte in its 4 bytes.
_WIDE32 = (("utf-32-le", 0), ("utf-32-be", 3))


def _byte_hits(text: str, hits: list[Hit], codec: str, offset: int, end: int) -> Iterator[Hit]:
    """``hits`` in UTF-16 ``text`` as byte offsets of the bytes it was decoded from.

    Two bytes a character, four for one beyond the BMP (a surrogate pair): one
    forward walk re-encoding only the text between one offset and the next.
    """
    if 2 * len(text) == end - offset:
        for h in hits:  # no surrogate pair: the common case
            yield Hit(offset + 2 * h.start, offset + 2 * h.end, h.label)
        return
    char_at, byte_at = 0, offset
    for h in sorted(hits):
        byte_at += len(text[char_at : h.start].encode(codec, "surrogatepass"))
        char_at = h.start
        end = byte_at + len(text[h.start : h.end].encode(codec, "surrogatepass"))
        yield Hit(byte_at, end, h.label)


class _Snapshot:
    """One immutable generation: tiers of forms and keywords, and the value entries.

    ``entries`` is append-only and shared between generations: a snapshot only ever
    reads the ids its own tiers hold.
    """

    __slots__ = ("__dict__", "count", "entries", "generation", "min_length", "tiers")

    def __init__(
        self,
        tiers: tuple[_Tier, ...],
        entries: list[_Entry],
        count: int,
        generation: int,
        min_length: int,
    ) -> None:
        self.tiers = tiers
        self.entries = entries
        self.count = count
        self.generation = generation
        self.min_length = min_length

    # -- scanning -----------------------------------------------------------------------

    def _pass(self, text: str, data: bytes) -> tuple[list[Hit], Positions]:
        """One pass of every tier over ``text`` (``data``: its UTF-8): spans, keywords."""
        low = data.lower()
        spans: dict[tuple[int, int], str] = {}
        positions: Positions = {}
        for tier in self.tiers:
            found = tier.matcher.find(low)
            if found:
                tier.collect(found, data, self.entries, spans, positions, low=low)
            elif len(self.tiers) == 1:
                return [], positions  # the common case: one automaton call finds nothing
        if not spans:
            return [], positions
        hits = sorted((s, e, label) for (s, e), label in spans.items())
        return str_hits(data, text, hits), positions

    def _has_views(self, text: str, data: bytes) -> bool:
        """Whether ``text`` (``data``: its UTF-8) may hold a registered value in a decoded
        view: values are registered and the gate of :mod:`redact._views` passes."""
        return self.count > 0 and worth_decoding(text, data)

    def quiet(self, text: str) -> bool:
        """True when ``text`` holds no registered form and no rule keyword, in any view.

        The clean fast path (``scan`` finds nothing exactly when this is True): for
        ASCII text with nothing to decode, one probe of each tier's automaton over
        the lower-cased bytes, no hit list, no positions. Anything else (an anchor
        hit to confirm, a keyword, text with decoded views) answers through ``scan``.
        """
        if hidden(text):
            # terminal escapes or invisible characters may split a keyword or a value: the
            # engine reads its view without them
            return False
        data = text.encode("utf-8", "surrogatepass")
        if not self._has_views(text, data):
            low = data.lower()
            for tier in self.tiers:
                if tier.matcher.probe(low):
                    break
            else:
                return True
        hits, words = self.scan(text)
        return not hits and not words

    def scan(self, text: str) -> tuple[list[Hit], frozenset[str]]:
        """Known-secret spans in ``text`` (sorted) and the rule keywords present in it."""
        data = text.encode("utf-8", "surrogatepass")
        hits, positions = self._pass(text, data)
        words = frozenset(positions) if positions else _NO_WORDS
        if not self._has_views(text, data):
            return hits, words  # the common case: nothing to decode
        return self._with_views(text, data, hits), words

    def scan_wide(self, data: bytes) -> list[tuple[Hit, str]]:
        """Registered values stored in raw ``data`` as UTF-16 (LE or BE, at either byte
        alignment) or as UTF-32 (LE or BE, any alignment; values of Latin-1 characters,
        only when ``data`` holds three zero bytes in a row), as ``(hit, codec)`` with byte
        offsets into ``data``, sorted.

        What a client that reads the bytes as UTF-16 turns back into the value, for
        bytes that are no text in a declared charset (``application/octet-stream``, a
        binary WebSocket frame). The literal forms only (one automaton pass per
        reading, no decoded views): binary data is not text to unescape.
        """
        if self.count == 0 or len(data) < 2 * self.min_length:
            return []
        out: list[tuple[Hit, str]] = []
        for codec in _WIDE:
            for offset in (0, 1):
                end = offset + (len(data) - offset) // 2 * 2
                text = data[offset:end].decode(codec, "surrogatepass")
                hits, _ = self._pass(text, text.encode("utf-8", "surrogatepass"))
                if hits:
                    out.extend((h, codec) for h in _byte_hits(text, hits, codec, offset, end))
        if len(data) >= 4 * self.min_length and b"\x00\x00\x00" in data:
            # every Latin-1 character in UTF-32 has three zero bytes: random binary
            # data rarely holds three in a row, and pays no UTF-32 reading
            out.extend(self._scan_wide32(data))
        return sorted(out)

    def _scan_wide32(self, data: bytes) -> Iterator[tuple[Hit, str]]:
        """Values of Latin-1 characters stored as UTF-32 (LE or BE, any of 4 alignments).

        Each reading takes every fourth byte (a character's low byte) as Latin-1, one
        automaton pass over a quarter of the data, and keeps a hit only where the bytes
        ARE the value's UTF-32 form (its other three bytes zero). Decoding the data as
        UTF-32 instead would cost ~100 ms/MB on binary bytes (invalid code points).
        Values with characters beyond Latin-1 are not looked for in UTF-32.
        """
        for codec, low in _WIDE32:
            for offset in range(4):
                units = (len(data) - offset) // 4
                if units < self.min_length:
                    continue
                start = offset + low
                text = data[start : start + 4 * units : 4].decode("latin-1")
                hits, _ = self._pass(text, text.encode("utf-8"))
                for h in hits:
                    b0, b1 = offset + 4 * h.start, offset + 4 * h.end
                    if data[b0:b1] == text[h.start : h.end].encode(codec):
                        yield Hit(b0, b1, h.label), codec

    def scan_positions(self, text: str) -> tuple[list[Hit], Positions]:
        """Known-secret spans and each keyword's start offsets (str offsets in ``text``)."""
        data = text.encode("utf-8", "surrogatepass")
        hits, positions = self._pass(text, data)
        if not text.isascii():
            positions = str_positions(data, text, positions)
        if not self._has_views(text, data):
            return hits, positions
        return self._with_views(text, data, hits), positions

    def _with_views(self, text: str, data: bytes, hits: list[Hit]) -> list[Hit]:
        """Add the hits found in the text's decoded views, mapped back to source spans.

        Binary data read as text (random bytes, an image, a zip) is decoded only in its
        text islands (:func:`redact._views.island_view`): every encoded form of a value
        is text, and the decoders' cost on bytes that are none (~3 s/MB) is not paid.
        """
        found = set(hits)
        islands = island_view(text, self.min_length, ascii_only=self.ascii_values)
        if islands is not None:
            text, data = islands.text, islands.text.encode("utf-8", "surrogatepass")
        for view in decoded_views(text, data):
            vt = view.text
            more, _ = self._pass(vt, vt.encode("utf-8", "surrogatepass"))
            for h in more:
                s, e = view.source_span(h.start, h.end)
                if islands is not None:
                    s, e = islands.source_span(s, e)
                found.add(Hit(s, e, h.label))
        if len(found) == len(hits):
            return hits
        return sorted(found)

    # -- what is registered -------------------------------------------------------------

    def entry(self, value: str) -> _Entry | None:
        """The entry of ``value`` (the newest tier that holds it wins)."""
        for tier in reversed(self.tiers):
            vid = tier.values.get(value)
            if vid is not None:
                return self.entries[vid]
        return None

    @cached_property
    def values(self) -> dict[str, _Entry]:
        """Every registered value with its entry (built on first use)."""
        out: dict[str, _Entry] = {}
        for tier in self.tiers:
            out.update((v, self.entries[i]) for v, i in tier.values.items())
        return out

    @cached_property
    def literals(self) -> dict[str, str]:
        """Every registered form with its label (built on first use; for tests and tools)."""
        out: dict[str, str] = {}
        for tier in self.tiers:
            for value, vid in tier.values.items():
                for form in variants(value, self.min_length):
                    out.setdefault(form, self.entries[vid].label)
        return out

    @cached_property
    def ascii_values(self) -> bool:
        """Whether every registered value is ASCII (no form of one holds other Latin-1)."""
        return all(v.isascii() for tier in self.tiers for v in tier.values)

    @cached_property
    def multiline(self) -> bool:
        """Whether a registered value spans lines (log records are then also read joined)."""
        return any("\n" in v or "\r" in v for tier in self.tiers for v in tier.values)

    @cached_property
    def max_form_bytes(self) -> int:
        """UTF-8 length of the longest registered form (0 when nothing is registered)."""
        return max((max(t.lengths, default=0) for t in self.tiers), default=0)

    @property
    def keywords(self) -> frozenset[str]:
        """The rule keywords in the automaton."""
        return frozenset(self.tiers[0].keywords)

    @property
    def backend(self) -> str:
        """Which literal engine built this generation's automata."""
        names = {t.matcher.name for t in self.tiers} - {"empty"}
        return names.pop() if len(names) == 1 else "empty"


class KnownSecrets:
    """Thread-safe registry of exact secret values, with lock-free reads."""

    def __init__(
        self,
        *,
        min_length: int = DEFAULT_MIN_LENGTH,
        backend: str = "auto",
    ) -> None:
        if min_length < 4:
            msg = f"KnownSecrets min_length must be at least 4, got {min_length}"
            raise ConfigError(msg)
        build_matcher([], backend=backend)  # an unknown backend name fails here
        self.min_length = min_length
        self.backend = backend
        self._write_lock = threading.Lock()
        self._timer: threading.Timer | None = None
        #: Guards _timer: an add and the timer thread itself may both want to start one.
        self._timer_lock = threading.Lock()
        self._last_add = 0.0
        fold_table()  # built once per process (~40 ms), off the first scan's path
        empty = _Tier({}, _NO_FORMS, (), backend)
        self._snap = _Snapshot((empty,), [], 0, 0, self.min_length)

    def __repr__(self) -> str:
        # Never show values: only counts.
        return f"<KnownSecrets values={self._snap.count} backend={self.backend_name!r}>"

    def __len__(self) -> int:
        return self._snap.count

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and self._snap.entry(value) is not None

    @property
    def snapshot(self) -> _Snapshot:
        """The current generation; hold on to it for one scan."""
        return self._snap

    @property
    def backend_name(self) -> str:
        """Which literal engine the current generation uses."""
        return self._snap.backend

    def labels(self) -> list[str]:
        """Registered labels (never values), sorted."""
        return sorted({e.label for e in self._snap.values.values()})

    def add(
        self,
        value: str | bytes,
        *,
        label: str,
        category: str | None = None,
        version: str | None = None,
    ) -> None:
        """Register ``value`` and its forms; refuse values below ``min_length``.

        When this returns, every redaction started afterwards masks the value.
        """
        self.add_many([(value, label)], category=category, version=version)

    def add_many(
        self,
        items: Iterable[tuple[str | bytes, str]],
        *,
        category: str | None = None,
        version: str | None = None,
    ) -> None:
        """Register several ``(value, label)`` pairs with a single rebuild."""
        checked: list[tuple[str, _Entry]] = []
        for value, label in items:
            text = self._coerce(value, label)
            checked.append((text, _Entry(label, category, version)))
        if not checked:
            return
        with self._write_lock:
            snap = self._snap
            entries = snap.entries
            fresh: dict[str, int] = {}
            new_forms: list[tuple[str, int]] = []
            count = snap.count
            for text, entry in checked:
                if text in fresh:
                    entries[fresh[text]] = entry  # the same value twice in one call
                    continue
                old = snap.entry(text)
                if old == entry:
                    continue
                fresh[text] = len(entries)
                entries.append(entry)
                if old is None:
                    # A value seen before keeps its forms (and their first label).
                    count += 1
                    new_forms.append((text, fresh[text]))
            if not fresh:
                return
            tier = _Tier(
                fresh, _encode_forms(new_forms, self.min_length), (), self.backend, lasting=False
            )
            tiers = self._settle([*snap.tiers, tier])
            self._snap = _Snapshot(tiers, entries, count, snap.generation + 1, self.min_length)
            if len(tiers) > 1:
                self._schedule_compaction()
            if tiers[-1] is not tier and tiers[-1].size >= _TRIM_AT:
                del snap  # the tiers that were merged are freed now
                _release_freed_memory()

    def remove(self, value: str | bytes) -> None:
        """Forget ``value`` (no error if it was not registered)."""
        text = value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
        with self._write_lock:
            if self._snap.entry(text) is not None:
                values = dict(self._snap.values)
                del values[text]
                self._rebuild(values)

    def remove_label(self, label: str) -> int:
        """Forget every value registered under ``label``; return how many."""
        with self._write_lock:
            current = self._snap.values
            values = {v: e for v, e in current.items() if e.label != label}
            removed = len(current) - len(values)
            if removed:
                self._rebuild(values)
            return removed

    def label_of(self, value: str) -> str | None:
        """The label a value was registered under, if any."""
        entry = self._snap.entry(value)
        return entry.label if entry else None

    def compact(self) -> None:
        """Fold every tier into one automaton now (normally done in the background)."""
        with self._write_lock:
            snap = self._snap
            if len(snap.tiers) > 1:
                merged = _merge(list(snap.tiers), self.backend)
                self._snap = _Snapshot(
                    (merged,), snap.entries, snap.count, snap.generation + 1, self.min_length
                )
                del snap  # the merged tiers are freed now
                if merged.size >= _TRIM_AT:
                    _release_freed_memory()

    # -- keywords shared with redactors -------------------------------------------------

    def attach_keywords(self, keywords: Iterable[str]) -> None:
        """Add a redactor's rule keywords to the shared automaton.

        The automaton reads UTF-8 with ASCII letters lower-cased, so a keyword is
        stored the same way: ASCII letters lower-cased, any other character as
        written (``パスワード``, ``Пароль`` and ``ПАРОЛЬ`` are three keywords; the
        caller lists the spellings it wants woken by).
        """
        words = frozenset(ascii_lower(k) for k in keywords if k)
        for w in words:
            try:
                w.encode("utf-8")
            except UnicodeEncodeError:
                msg = f"rule keyword {w!r} is not valid text (a lone surrogate)"
                raise ConfigError(msg) from None
        with self._write_lock:
            snap = self._snap
            if not words <= snap.keywords:
                base = snap.tiers[0]
                kws = tuple(sorted(snap.keywords | words))
                forms = (base.blob, base.lengths, base.shortest, base.owners)
                tiers = (_Tier(base.values, forms, kws, self.backend), *snap.tiers[1:])
                self._snap = _Snapshot(
                    tiers, snap.entries, snap.count, snap.generation + 1, self.min_length
                )

    # -- internals -------------------------------------------------------------------------

    def _settle(self, tiers: list[_Tier]) -> tuple[_Tier, ...]:
        """Merge the newest tiers while the one before is at most ``_FACTOR`` times larger."""
        while len(tiers) > 1 and (
            tiers[-2].size <= _FACTOR * tiers[-1].size or len(tiers) > _MAX_TIERS
        ):
            newest = tiers.pop()
            tiers[-1] = _merge([tiers[-1], newest], self.backend, lasting=False)
        return tuple(tiers)

    def _schedule_compaction(self) -> None:
        """Ask for a background compaction once adds pause (one timer thread at a time)."""
        self._last_add = time.monotonic()
        with self._timer_lock:
            if self._timer is None or not self._timer.is_alive():
                self._start_timer(_COMPACT_DELAY)

    def _start_timer(self, delay: float) -> None:
        """Start one compaction timer; the caller holds ``_timer_lock``."""
        timer = threading.Timer(delay, self._compact_quietly)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _compact_quietly(self) -> None:
        """Background: fold the small tiers (and the oldest one too while it is small)."""
        wait = self._last_add + _COMPACT_DELAY - time.monotonic()
        if wait > 0:  # adds are still coming: look again when they may have paused
            with self._timer_lock:
                self._start_timer(wait)
            return
        try:
            with self._write_lock:
                snap = self._snap
                tiers = list(snap.tiers)
                if sum(t.size for t in tiers) <= _EAGER_PATTERNS:
                    merged: tuple[_Tier, ...] = (_merge(tiers, self.backend),)
                elif len(tiers) > 2:
                    merged = (tiers[0], _merge(tiers[1:], self.backend))
                else:
                    return
                self._snap = _Snapshot(
                    merged, snap.entries, snap.count, snap.generation + 1, self.min_length
                )
                del snap, tiers  # the merged tiers are freed now
                if merged[-1].size >= _TRIM_AT:
                    _release_freed_memory()
        except Exception:  # the tiers keep serving; the next add retries
            pass

    def _coerce(self, value: str | bytes, label: str) -> str:
        if not isinstance(label, str) or not label:
            msg = "every known secret needs a non-empty label"
            raise ConfigError(msg)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "surrogateescape")
        if not isinstance(value, str):
            msg = f"known secret {label!r} must be str or bytes, got {type(value).__name__}"
            raise ConfigError(msg)
        if len(value) < self.min_length:
            msg = (
                f"known secret {label!r} is shorter than the minimum of {self.min_length} "
                "characters and was refused"
            )
            raise SecretTooShortError(msg)
        return value

    def _rebuild(self, values: dict[str, _Entry]) -> None:
        """Recompute every form of what is left (after a removal) and swap."""
        entries = list(values.values())
        ids = {v: i for i, v in enumerate(values)}
        forms = _encode_forms(ids.items(), self.min_length)
        snap = self._snap
        tier = _Tier(ids, forms, snap.tiers[0].keywords, self.backend)
        self._snap = _Snapshot((tier,), entries, len(values), snap.generation + 1, self.min_length)
