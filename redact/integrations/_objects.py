"""Private helpers shared by the logging adapters (structlog and stdlib ``logging``).

A log event is a small mapping of short strings. Walking it with
:meth:`~redact.Redactor.redact_obj` runs the detectors once per string, which
costs more than rendering the event. :class:`CleanProof` instead joins every
string of the mapping (keys too) with newlines and scans that text ONCE; the
items whose strings hold a finding (or that hold a value under a sensitive key
name, or a type the proof cannot reason about) are then walked with
``redact_obj``, which stays the single source of truth; all other items are
left as they are. A finding in one string is a finding in the joined text
(known values are substrings; the shipped rules treat a newline like the start
or end of the text), so no item that needs masking is skipped. Strings proven
clean are remembered per registry generation, since log events repeat their
keys and many values. Nothing here imports a logging framework.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import decimal
import enum
import uuid
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from redact import Redactor
from redact.masks import is_mask

__all__ = ["CleanProof", "OnceWarner", "redact_mapping", "redact_value"]

_ATOMIC = (
    int,
    float,
    complex,
    type(None),
    decimal.Decimal,
    uuid.UUID,
    enum.Enum,
    _dt.datetime,
    _dt.date,
    _dt.time,
    _dt.timedelta,
)
_SCALARS = frozenset({int, float, bool, type(None)})
#: Clean strings longer than this are not remembered (they rarely repeat).
_CACHE_STR_MAX = 256
#: Remembered clean strings per cache; the cache is emptied when it is full.
_CACHE_SIZE = 4096

#: strings to scan, indices of those that are non-sensitive keys, open containers
_Acc = tuple[list[str], list[int], set[int]]


class _Unknown(Exception):
    """The proof met something only the full walk can decide."""


class CleanProof:
    """Finds, with one scan, the items of a mapping that ``redact_obj`` could change.

    One instance per adapter: it remembers strings proven clean (keys that are
    not sensitive names, and short values) until the redactor's known-secret
    registry changes generation.
    """

    __slots__ = ("_generation", "_keys", "_known", "_values", "redactor")

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self._known = redactor.known
        self._generation = -1
        self._keys: set[str] = set()
        self._values: set[str] = set()

    def remembered(self, obj: Mapping[str, Any], keys: Iterable[str]) -> bool:
        """True when every ``obj[key]`` is a remembered-clean item (no scan needed)."""
        if self._known.snapshot.generation != self._generation:
            return False
        known_keys, known_values = self._keys, self._values
        for k in keys:
            v = obj[k]
            t = type(v)
            if k not in known_keys or not (t in _SCALARS or (t is str and v in known_values)):
                return False
        return True

    def dirty(self, obj: Mapping[Any, Any], skip: frozenset[str] = frozenset()) -> Sequence[Any]:
        """Keys of ``obj`` whose items must be walked; empty when nothing would change.

        Items under a key in ``skip`` are left out (neither proven nor redacted).
        """
        generation = self._known.snapshot.generation
        if generation != self._generation:
            self._keys, self._values = set(), set()
            self._generation = generation
        known_keys, known_values = self._keys, self._values
        parts: list[str] = []  # strings to scan
        owners: list[Any] = []  # the top-level key each string belongs to
        slow: list[tuple[Any, Any]] = []
        for k, v in obj.items():  # the common case: remembered keys, short or clean values
            if k in known_keys:
                t = type(v)
                if t is str:
                    if v not in known_values:
                        parts.append(v)
                        owners.append(k)
                    continue
                if t in _SCALARS:
                    continue
            slow.append((k, v))
        findings = None
        if not slow:  # the steady state: at most a timestamp or a message to scan
            if not parts:
                return ()
            try:
                findings = self.redactor.find("\n".join(parts))
            except Exception:
                return [k for k in obj if k not in skip]
            if not findings:
                self._remember(parts, (), ())
                return ()
        dirty: dict[Any, None] = {}
        key_parts: list[int] = []
        if slow:
            self._slow(slow, skip, (parts, key_parts, {id(obj)}), owners, dirty)
        if not parts:
            return list(dirty)
        if findings is None:
            try:
                findings = self.redactor.find("\n".join(parts))
            except Exception:
                return [k for k in obj if k not in skip]
        bad: set[int] = set()
        if findings:  # which strings hold a finding, and so which items are dirty
            starts, pos = [], 0
            for part in parts:
                starts.append(pos)
                pos += len(part) + 1
            for f in findings:
                lo = max(bisect.bisect_right(starts, f.start) - 1, 0)
                hi = max(bisect.bisect_left(starts, f.end), lo + 1)
                for i in range(lo, hi):
                    bad.add(i)
                    dirty[owners[i]] = None
        self._remember(parts, key_parts, bad)
        return list(dirty)

    def _slow(
        self,
        items: list[tuple[Any, Any]],
        skip: frozenset[str],
        acc: _Acc,
        owners: list[Any],
        dirty: dict[Any, None],
    ) -> None:
        """Collect the strings of items the fast loop could not settle, or mark them dirty."""
        parts, key_parts, _ = acc
        sensitive = self.redactor.key_names.is_sensitive
        for k, v in items:
            if k in skip:
                continue
            first, first_key = len(parts), len(key_parts)
            try:
                if type(k) is not str:
                    self._add(k, 1, acc)
                elif k not in self._keys:
                    if not sensitive(k):
                        key_parts.append(len(parts))
                    elif _maskable(v):
                        dirty[k] = None  # masked whole by the walk
                        continue
                    parts.append(k)
                self._add(v, 1, acc)
            except Exception:  # _Unknown, or anything the proof cannot reason about
                dirty[k] = None
                del parts[first:]
                del key_parts[first_key:]
            owners.extend([k] * (len(parts) - len(owners)))

    def _remember(self, parts: list[str], key_parts: Sequence[int], bad: Collection[int]) -> None:
        if key_parts:
            keys = self._keys
            if len(keys) + len(key_parts) > _CACHE_SIZE:
                keys.clear()
            keys.update(parts[i] for i in key_parts if i not in bad)
        values = self._values
        if len(values) + len(parts) > _CACHE_SIZE:
            values.clear()
        if not bad and max(map(len, parts)) <= _CACHE_STR_MAX:
            values.update(parts)
        else:
            values.update(
                p for i, p in enumerate(parts) if len(p) <= _CACHE_STR_MAX and i not in bad
            )

    def _add(self, obj: Any, depth: int, acc: _Acc) -> None:
        parts, key_parts, active = acc
        if isinstance(obj, str):
            if obj not in self._values:
                parts.append(obj)
            return
        if isinstance(obj, _ATOMIC):
            return
        if depth >= self.redactor.max_depth or id(obj) in active:
            raise _Unknown
        active.add(id(obj))
        if isinstance(obj, Mapping):
            sensitive = self.redactor.key_names.is_sensitive
            for k, v in obj.items():
                if k in self._keys:
                    pass
                elif isinstance(k, str):
                    if sensitive(k):
                        if _maskable(v):
                            raise _Unknown
                    else:
                        key_parts.append(len(parts))
                    parts.append(k)
                else:
                    self._add(k, depth + 1, acc)
                self._add(v, depth + 1, acc)
        elif isinstance(obj, list | tuple | set | frozenset):
            for v in obj:
                self._add(v, depth + 1, acc)
        elif isinstance(obj, bytes | bytearray):
            parts.append(bytes(obj).decode("utf-8", "surrogateescape"))
        else:
            raise _Unknown
        active.discard(id(obj))


def _maskable(value: object) -> bool:
    """Mirror of the core's rule: a value under a sensitive key is masked unless empty."""
    if value is None or isinstance(value, bool):
        return False
    return not (isinstance(value, str) and (value == "" or is_mask(value)))


def redact_mapping(
    proof: CleanProof,
    obj: Mapping[Any, Any],
    skip: frozenset[str] = frozenset(),
    dirty: Sequence[Any] | None = None,
) -> Mapping[Any, Any]:
    """``obj`` itself when nothing needs masking, else a dict with only the dirty items walked.

    Items under a key in ``skip`` are copied as they are; ``dirty`` is a result of
    :meth:`CleanProof.dirty` for ``obj`` already at hand.
    """
    if dirty is None:
        dirty = proof.dirty(obj, skip)
    if not dirty:
        return obj
    redact_obj = proof.redactor.redact_obj
    out = dict(obj)
    changed = False
    for k in dirty:
        red = redact_obj({k: obj[k]})
        if not isinstance(red, Mapping) or len(red) != 1:
            msg = "redact_obj did not return a one-item mapping"
            raise TypeError(msg)
        ((nk, nv),) = red.items()
        if nk != k:
            del out[k]
        if nk != k or nv is not obj[k]:
            out[nk] = nv
            changed = True
    return out if changed else obj


def redact_value(proof: CleanProof, obj: Any) -> Any:
    """``redact_obj(obj)``, skipped when one scan proves it would change nothing."""
    if isinstance(obj, str):
        return proof.redactor.redact(obj)
    if isinstance(obj, _ATOMIC):
        return obj
    if isinstance(obj, Mapping):
        return redact_mapping(proof, obj)
    return proof.redactor.redact_obj(obj) if proof.dirty({0: obj}) else obj


class OnceWarner:
    """Warns once per adapter instance that it replaced something with a placeholder.

    The warning names the adapter and the exception type, never a value, and
    itself never raises (not even under ``-W error``).
    """

    __slots__ = ("_done", "_what")

    def __init__(self, what: str) -> None:
        self._what = what
        self._done = False

    def __call__(self, exc: BaseException) -> None:
        """Emit the warning the first time only."""
        if self._done:
            return
        self._done = True
        try:
            warnings.warn(
                f"redact: {self._what} failed internally ({type(exc).__name__}); "
                "the output was replaced by a placeholder",
                RuntimeWarning,
                stacklevel=3,
            )
        except Exception:
            pass
