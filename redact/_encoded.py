"""Secrets inside encodings: decode base64, hex and percent-encoded runs, scan what they hold.

A Kubernetes ``Secret`` keeps ``tls.key: LS0tLS1CRUdJTi...`` (base64 of a PEM
private key); a ``.dockerconfigjson`` value is base64 of JSON whose ``auth`` is
base64 of ``user:password``; a query string carries ``token%3Dghp_...``. None of
these match a rule as written. :class:`EncodedSecrets` is a
:class:`~redact.engine.Detector`: it finds encoded runs long enough to hold a
secret, decodes them (recursively, to ``depth`` levels), scans the decoded text
with an inner :class:`~redact.engine.Redactor`, and reports each inner finding
at the whole encoded run (the run is what must be masked or reported).

Bounded work: runs shorter than ``min_length`` are skipped, decoded bytes that
are not mostly printable text are dropped without a scan, at most
``max_decoded`` characters are scanned per call, and nesting stops at ``depth``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from redact._carriers import ENV_REFERENCE, unquote_keeping_references
from redact._validators import credential_like

if TYPE_CHECKING:
    from redact.engine import Finding, Redactor

__all__ = ["EncodedSecrets"]

#: A base64 (standard or URL-safe) or hex run, ``=`` padding included. The look-behind
#: makes a try inside a shorter run fail at its first character: without it every word
#: of code is rescanned from each of its characters.
_RUN = "(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{%d,}={0,2}"
_HEX_ONLY = re.compile(r"[0-9A-Fa-f]+")
#: One percent escape; the token around it is cut at whitespace, quotes and angle brackets.
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_TOKEN_END = re.compile(r"[^\s\"'<>]*")
_DELIMITERS = " \t\r\n\"'<>"
_LINE_SPACE = str.maketrans("", "", "\t\r\n")


def _text(raw: bytes) -> str | None:
    """``raw`` as text when it is mostly printable (UTF-8), else None (binary: nothing to read)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    if text.translate(_LINE_SPACE).isprintable():
        return text  # the common case, in C
    printable = sum(c.isprintable() or c in "\r\n\t" for c in text)
    return text if printable >= 0.95 * len(text) else None


def _b64(run: str) -> str | None:
    if _HEX_ONLY.fullmatch(run):
        return _hex(run) if len(run) % 2 == 0 else None  # hex, or an id: never base64 text
    body = run.rstrip("=")
    if len(body) % 4 == 1:
        return None
    padded = body + "=" * (-len(body) % 4)
    altchars = b"-_" if ("-" in body or "_" in body) else None
    if altchars and ("+" in body or "/" in body):
        return None
    try:
        raw = base64.b64decode(padded, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        return None
    return _text(raw)


def _hex(run: str) -> str | None:
    try:
        return _text(bytes.fromhex(run))
    except ValueError:
        return None


class EncodedSecrets:
    """A detector of secrets inside base64, hex and percent-encoded runs.

    ``inner`` scans the decoded text (build it with the same packs, without this
    detector). ``min_length`` is the shortest encoded run considered (characters),
    ``depth`` the nesting decoded (base64 in base64 = 2), ``max_decoded`` the
    characters decoded per call at most. Findings carry ``detector="plugin"``, the
    inner rule id and the span of the outermost encoded run.
    """

    def __init__(
        self,
        inner: Redactor,
        *,
        min_length: int = 24,
        depth: int = 2,
        max_decoded: int = 1 << 20,
    ) -> None:
        if min_length < 8 or depth < 1 or max_decoded < 1:
            msg = "min_length must be >= 8, depth >= 1 and max_decoded >= 1"
            raise ValueError(msg)
        self.inner = inner
        self.depth = depth
        self.max_decoded = max_decoded
        self._runs = re.compile(_RUN % min_length)

    def __call__(self, text: str) -> list[Finding]:
        """Findings in the encoded runs of ``text``, at the runs' spans."""
        from redact.engine import Finding

        budget = [self.max_decoded]
        out: list[Finding] = []
        for start, end, decoded in self._decoded_runs(text, budget):
            hit = self._first_finding(decoded, self.depth - 1, budget)
            if hit is not None:
                out.append(
                    Finding(hit.rule_id, start, end, hit.category, hit.severity, "", "plugin")
                )
        return out

    def _decoded_runs(self, text: str, budget: list[int]) -> Iterator[tuple[int, int, str]]:
        if "%" in text:
            yield from self._percent_runs(text, budget)
        for m in self._runs.finditer(text):
            if budget[0] <= 0:
                return
            decoded = _b64(m.group())
            if decoded is not None:
                budget[0] -= len(decoded)
                yield m.start(), m.end(), decoded

    def _percent_runs(self, text: str, budget: list[int]) -> Iterator[tuple[int, int, str]]:
        """Tokens holding percent escapes, decoded (each token once)."""
        done = 0
        for m in _ESCAPE.finditer(text):
            if m.start() < done or budget[0] <= 0:
                continue
            if ENV_REFERENCE.match(text, m.start()):
                continue  # %DB_PASSWORD% names a Windows variable: it holds no escape
            lo = max(0, m.start() - 4096)  # a token longer than that is cut (bounded work)
            start = max(lo, max(text.rfind(c, lo, m.start()) for c in _DELIMITERS) + 1)
            end = _TOKEN_END.match(text, m.start()).end()  # type: ignore[union-attr]
            done = end
            token = text[start:end]
            decoded = unquote_keeping_references(token)
            if decoded != token:
                budget[0] -= len(decoded)
                yield start, end, decoded

    def _first_finding(self, decoded: str, depth: int, budget: list[int]) -> Finding | None:
        """The most severe finding in ``decoded`` (or, ``depth`` permitting, in its own runs)."""
        found = [
            f
            for f in self.inner.find(decoded)
            if f.detector != "key-name" or credential_like(decoded[f.start : f.end])
        ]
        if found:
            order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
            return min(found, key=lambda f: (order.get(f.severity, 2), f.start))
        if depth <= 0:
            return None
        for _, _, inner in self._decoded_runs(decoded, budget):
            hit = self._first_finding(inner, depth - 1, budget)
            if hit is not None:
                return hit
        return None
