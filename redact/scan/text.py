"""Text to findings: stream bytes into bounded segments, scan each, map spans to lines.

A file is never held whole: bytes are decoded incrementally (UTF-8 with
``surrogateescape`` unless :func:`sniff` finds UTF-16/32 or a legacy code page, so
undecodable bytes never stop a scan) and cut into segments of at most ``block`` characters at a line
end. A single line longer than a block (a minified bundle, a 100 MB log line)
is cut into windows. Every segment carries ``OVERLAP`` characters of the next
one and *owns* only the findings that start before that tail, so nothing is
reported twice and a secret (or PEM block) shorter than the overlap is always
seen whole.
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import hashlib
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from redact._commands import runner_secret_command
from redact._sql import is_parameter_position
from redact._validators import credential_like
from redact._views import value_lines_joined
from redact.engine import Finding, Redactor
from redact.masks import FingerprintMask, fingerprint
from redact.scan.jsonlog import field_path
from redact.scan.model import FINGERPRINT_LENGTH, ScanFinding, ScanOptions

__all__ = [
    "ALLOW_COMMENT",
    "CODE_SUFFIXES",
    "OVERLAP",
    "Segment",
    "allow_reason",
    "detect_encoding",
    "is_code_path",
    "iter_segments",
    "mask_path",
    "scan_text",
    "sniff",
]

#: ``# redact:allow <rule-id> <reason>`` (also after ``//`` and ``--``).
ALLOW_COMMENT = re.compile(r"(?:#|//|--)\s*redact:allow\s+([A-Za-z0-9._*-]+)(?:[ \t]+([^\r\n]*))?")
#: Characters shared by two windows of one long line; the longest rule match is 16 KiB.
OVERLAP = 1 << 16
_PRIORITY = {"known": 0, "rule": 1, "plugin": 1, "key-name": 2}
_SEVERITY = {"critical": 0, "high": 1, "medium": 2, "low": 3}
#: Languages where a bare word after ``password =`` is a reference to a variable, not a value.
CODE_SUFFIXES = frozenset(
    [
        ".py",
        ".pyi",
        ".pyx",
        ".js",
        ".jsx",
        ".mjs",
        ".cjs",
        ".ts",
        ".tsx",
        ".go",
        ".java",
        ".kt",
        ".kts",
        ".scala",
        ".groovy",
        ".rb",
        ".rs",
        ".c",
        ".h",
        ".cc",
        ".cpp",
        ".cxx",
        ".hpp",
        ".cs",
        ".fs",
        ".php",
        ".swift",
        ".m",
        ".mm",
        ".dart",
        ".lua",
        ".ex",
        ".exs",
        ".erl",
        ".clj",
        ".vue",
        ".svelte",
    ]
)
_QUOTES = frozenset("\"'`")
#: In code, a "secret" that starts like this is an interpolation (f-string, template), not a value.
_PLACEHOLDER_STARTS = ("{", "${", "#{", "%(", "<%")
#: A braced base64 value is a secret, not an interpolation: Jenkins' ``{AQAAABAAAA...}``.
_BRACED_SECRET = re.compile(r"\{[A-Za-z0-9+/]{20,}={0,2}\}")


def is_code_path(path: str) -> bool:
    """True when ``path`` names a source file of a language with variables (see CODE_SUFFIXES)."""
    dot = path.rfind(".")
    return dot > path.rfind("/") and path[dot:].lower() in CODE_SUFFIXES


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(head: bytes) -> str:
    """The encoding :func:`sniff` decides for ``head`` (``utf-8`` for binary content)."""
    return sniff(head)[1]


#: Characters that do not occur in text: C0/C1 controls other than whitespace, ESC and
#: backspace (ANSI-coloured logs), and undecodable bytes (surrogate escapes). NUL is
#: counted apart (:func:`sniff`).
_NOT_TEXT = re.compile("[\x01-\x07\x0e-\x1a\x1c-\x1f\x7f-\x9f\udc80-\udcff]")
#: Bytes of plain UTF-8 text (no NUL, no control other than whitespace, ESC, backspace).
_PLAIN_BYTES = bytes([8, 9, 10, 11, 12, 13, 27, *range(32, 127), *range(128, 256)])
#: BOM-less wide encodings: (name, code unit width, byte offsets that are NUL for ASCII).
_WIDE = (
    ("utf-32-le", 4, (1, 2, 3)),
    ("utf-32-be", 4, (0, 1, 2)),
    ("utf-16-le", 2, (1,)),
    ("utf-16-be", 2, (0,)),
)
#: A UTF-16/32 reading is chosen when it beats the UTF-8 one by this share of text.
_BOM_MARGIN = 0.2
#: More than this share of non-text characters (NUL aside) makes content binary.
_BINARY_SHARE = 0.3
#: Bytes that are not UTF-8 (read as surrogate escapes).
_UNDECODABLE = re.compile("[\udc80-\udcff]")
#: Above this share (and count) of undecodable bytes, UTF-8 is doubted and charset-normalizer asked
#: (below it, a few stray bytes in a UTF-8 log: guessing a code page would garble the rest).
_LEGACY_SHARE = 0.02
_LEGACY_MIN = 16


def _text_share(text: str) -> float:
    """Share of ``text`` that looks like text (NUL and the :data:`_NOT_TEXT` set do not)."""
    if not text:
        return 1.0
    bad = len(_NOT_TEXT.findall(text)) + text.count("\0")
    return 1.0 - bad / len(text)


def _strict(data: bytes, encoding: str) -> str | None:
    """``data`` decoded strictly (a cut last character allowed), or None if it is not valid."""
    try:
        return codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError:
        return None


def _nul_shaped(head: bytes, width: int, zero: tuple[int, ...]) -> bool:
    """True when NUL bytes sit where ``width``-byte code units of mostly-ASCII text put them.

    Some code units (newlines and spaces are enough in CJK text) have NUL at every
    ``zero`` offset, and the other offsets rarely do (which rules out NUL padding).
    """
    units = len(head) // width
    if units < 2:
        return False
    nuls = [head[i : units * width : width].count(0) for i in range(width)]
    low = min(nuls[i] for i in zero)
    high = max((nuls[i] for i in range(width) if i not in zero), default=0)
    return low >= max(4, units / 50) and high <= low / 4


def sniff(head: bytes) -> tuple[str, str]:
    """``(kind, encoding)`` of content from its first bytes: ``text`` or ``binary``.

    Never trusts one signal alone. A UTF-16/32 byte-order mark is believed only
    when that reading is clearly more text-like than UTF-8 (``FF FE`` followed by
    UTF-8 text is UTF-8); without a mark, UTF-16/32 needs NUL bytes in its shape
    (every other byte of ASCII text) and the same lead, so a stray NUL or a
    NUL-padded log stays UTF-8. When the UTF-8 reading has many undecodable bytes (more
    than 2 % and 16) or looks binary, charset-normalizer names the legacy encoding
    (Shift-JIS, GB18030, EUC-KR, Big5, cp1251, KOI8-R, EBCDIC, BOM-less UTF-16, ...),
    believed when the head decodes strictly in it and reads as text
    (:func:`_legacy_encoding`). Content is ``binary`` only when no encoding reads it as
    text and more than 30 % of its non-NUL characters are controls or undecodable bytes.
    Unsure means text: scanning costs time, skipping would hide a secret.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "text", "utf-8-sig"
    if not head.translate(None, _PLAIN_BYTES) and _strict(head, "utf-8") is not None:
        return "text", "utf-8"  # the common case: valid UTF-8 without NUL or controls
    utf8 = head.decode("utf-8", "surrogateescape")
    utf8_share = _text_share(utf8)
    candidates: list[tuple[str, float]] = []
    for bom, name in _BOMS:
        if name != "utf-8-sig" and head.startswith(bom):
            candidates.append((name, utf8_share + _BOM_MARGIN))
    if "\0" in utf8:
        for name, width, zero in _WIDE:
            if _nul_shaped(head, width, zero):
                candidates.append((name, utf8_share + _BOM_MARGIN))
    for name, needed in candidates:
        decoded = _strict(head, name)
        if decoded and _text_share(decoded) > needed:
            return "text", name
    non_nul = len(utf8) - utf8.count("\0")
    binary = bool(non_nul) and len(_NOT_TEXT.findall(utf8)) > _BINARY_SHARE * non_nul
    undecodable = len(_UNDECODABLE.findall(utf8))
    if binary and _surely_binary(head, utf8):
        return "binary", "utf-8"
    if binary or undecodable > max(_LEGACY_MIN, _LEGACY_SHARE * len(utf8)):
        legacy = _legacy_encoding(head, utf8_share)
        if legacy is not None:
            return "text", legacy
    return ("binary" if binary else "text"), "utf-8"


#: Signatures of binary formats (executables, images, fonts, media, databases, archives
#: other than zip/tar): with a binary reading of the head, no text encoding is looked for.
_BINARY_MAGIC = (
    b"\x7fELF",
    b"MZ",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"\x00asm",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"RIFF",
    b"wOFF",
    b"wOF2",
    b"OggS",
    b"fLaC",
    b"ID3",
    b"SQLite format 3\x00",
    b"7z\xbc\xaf",
    b"Rar!",
    b"(\xb5/\xfd",
    b"\x04\x22\x4d\x18",
)
#: Legacy code pages never hold NUL, and UTF-16 text holds it at one parity of offsets
#: only: more NUL than this share of a binary-looking head, at both parities, is a binary.
_NUL_SHARE = 0.05


def _surely_binary(head: bytes, utf8: str) -> bool:
    """Whether a head that reads as binary in UTF-8 is one without asking for an encoding
    (a known binary signature, or NUL bytes no text encoding would hold): the common case
    of a scan over built trees costs no encoding detection."""
    if head.startswith(_BINARY_MAGIC):
        return True
    nuls = utf8.count("\0")
    if nuls <= _NUL_SHARE * len(utf8):
        return False
    even = head[::2].count(0)
    return min(even, nuls - even) > nuls // 4


def _legacy_encoding(head: bytes, utf8_share: float) -> str | None:
    """The encoding charset-normalizer finds for ``head`` when its reading is text, else None.

    Legacy code pages (Shift-JIS, GB18030, EUC-KR, Big5, cp1251, KOI8-R, EBCDIC, ...) and
    UTF-16/32 without a mark or NUL shape. The answer is believed only when ``head`` decodes
    strictly in it and reads as more text-like than UTF-8 did, and as text at all (real
    binaries: charset-normalizer finds no encoding for them, or its reading is mostly controls).
    """
    from charset_normalizer import from_bytes

    # ``head`` is cut at a byte count, maybe inside a character, which charset-normalizer
    # reads as invalid in every multi-byte encoding: cut it after a line end (ASCII-based
    # encodings) or at a whole code unit (UTF-16/32) instead.
    nl = head.rfind(b"\n", len(head) // 2)
    trims = [head[: nl + 1] if nl >= 0 else head]
    if b"\0" in head:  # UTF-16/32 (the only encodings with NUL): whole code units
        trims.append(head[: len(head) - len(head) % 4])
    best = None
    for trimmed in dict.fromkeys(trims):
        best = from_bytes(trimmed).best()
        if best is not None:
            break
    if best is None:
        return None
    try:
        name = codecs.lookup(best.encoding).name
    except LookupError:
        return None
    if name.startswith("utf-8"):
        return None
    decoded = _strict(head, name)
    if not decoded:
        return None
    share = _text_share(decoded)
    if share <= max(utf8_share, 1.0 - _BINARY_SHARE):
        return None
    return name


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of text, where it starts, and the part of it whose findings it reports."""

    text: str
    line: int
    """1-based line number of ``text[0]``."""
    column: int
    """0-based column (in code points) of ``text[0]`` within its line."""
    own_start: int
    own_end: int


def iter_segments(
    chunks: Iterable[bytes], *, encoding: str = "utf-8", block: int = 4 << 20
) -> Iterator[Segment]:
    """Decode ``chunks`` incrementally and yield bounded segments (see the module doc)."""
    errors = "surrogateescape" if encoding.startswith("utf-8") else "replace"
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    overlap = min(OVERLAP, block // 4)
    buf = ""
    line, column = 1, 0
    it = iter(chunks)
    eof = False
    while True:
        if not eof and len(buf) < block + overlap:
            # Collect pieces and join once: appending to one big str would copy it each time.
            pieces, have = [buf], len(buf)
            while have < block + overlap:
                chunk = next(it, None)
                if chunk is None:
                    pieces.append(decoder.decode(b"", final=True))
                    eof = True
                    break
                piece = decoder.decode(chunk)
                pieces.append(piece)
                have += len(piece)
            buf = "".join(pieces)
        if not buf:
            return
        if eof and len(buf) <= block:
            yield Segment(buf, line, column, 0, len(buf))
            return
        cut = buf.rfind("\n", block // 2, block)
        advance = cut + 1 if cut >= 0 else block
        yield Segment(buf[: advance + overlap], line, column, 0, advance)
        newlines = buf.count("\n", 0, advance)
        if newlines:
            line += newlines
            column = advance - (buf.rfind("\n", 0, advance) + 1)
        else:
            column += advance
        buf = buf[advance:]


def allow_reason(line_text: str, rule_id: str) -> str | None:
    """The reason of a ``redact:allow`` comment on ``line_text`` for ``rule_id``, if any."""
    if "redact:allow" not in line_text:
        return None
    for m in ALLOW_COMMENT.finditer(line_text):
        if m.group(1) in (rule_id, "*", "all"):
            return (m.group(2) or "").strip() or "allowed inline (no reason given)"
    return None


#: The shortest finding value masked where it recurs in the file's path.
_PATH_VALUE_MIN = 6


def mask_path(
    redactor: Redactor,
    path: str,
    options: ScanOptions,
    *,
    values: Mapping[str, str] | None = None,
) -> str:
    """``path`` with every secret in it replaced by a keyed fingerprint mask.

    Paths are data: a file named after a token (``cache-ghp_....txt``) would
    otherwise print the token in every report and store it in the baseline.
    The mask is ``[REDACTED:<rule>:fp:<hmac8>]`` under the scan's fingerprint
    key, so two such files stay apart and a baseline entry stays stable across
    runs without holding the value. ``values`` (secret -> mask label) are what the
    file's own findings hide: a directory or file named after one
    (``users/<password>/cfg.ini``) is masked there too, though no rule knows the
    name's shape. Unchanged under ``--show-secrets``.
    """
    if options.show_secrets:
        return path
    found = [(f.start, f.end, f.mask_label) for f in redactor.find(path)]
    for value, label in (values or {}).items():
        at = path.find(value)
        while at >= 0:
            found.append((at, at + len(value), label))
            at = path.find(value, at + 1)
    if not found:
        return path
    spans: list[tuple[int, int, str]] = []
    for start, end, label in sorted(found, key=lambda f: (f[0], -f[1])):
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end), spans[-1][2])
        else:
            spans.append((start, end, label))
    mask = FingerprintMask(options.fingerprint_key, "fp")
    parts, pos = [], 0
    for start, end, label in spans:
        parts += [path[pos:start], mask.render(label, path[start:end])]
        pos = end
    parts.append(path[pos:])
    return "".join(parts)


def _select(findings: list[Finding], lo: int, hi: int) -> list[Finding]:
    """Keep findings that start in ``[lo, hi)``; of overlapping ones, the most specific."""
    inside = [f for f in findings if lo <= f.start < hi]
    if len(inside) < 2:
        return inside
    inside.sort(
        key=lambda f: (
            _PRIORITY.get(f.detector, 1),
            _SEVERITY.get(f.severity, 2),
            -(f.end - f.start),
            f.start,
        )
    )
    kept: list[Finding] = []
    for f in inside:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    kept.sort(key=lambda f: f.start)
    return kept


def scan_text(
    redactor: Redactor,
    text: str,
    options: ScanOptions,
    *,
    path: str,
    line: int = 1,
    column: int = 0,
    own_start: int = 0,
    own_end: int | None = None,
    line_map: Sequence[int] | None = None,
    commit: str | None = None,
    author_date: str | None = None,
    layer: str | None = None,
) -> list[ScanFinding]:
    """Scan ``text`` and return findings with 1-based line/column positions.

    ``line_map`` maps the 0-based line index inside ``text`` to a real line number
    (git hunks: the added lines of a file are not contiguous).
    """
    raw = redactor.find(text)
    if raw:
        # The runtime masks everything under a sensitive name; in a repository a name alone
        # is not evidence (``"input_token": "NextToken"``): report the value only when it
        # looks like a credential itself. One rule set, two weightings.
        weigh = _name_evidence_rules(redactor)
        raw = [
            leaf
            for f in raw
            for leaf in (
                (f,)
                if f.detector != "key-name" and f.rule_id not in weigh
                else _weighed(text, f, redactor)
            )
        ]
    if raw and is_code_path(path):
        # In code, ``password = settings.password`` names a variable: only a string literal
        # assigned to a sensitive name is a value; and ``f"postgres://app:{pw}@db"`` holds an
        # interpolation, not a password. Provider formats (ghp_..., AKIA...) are kept as found.
        raw = [
            f
            for f in raw
            if (f.detector != "key-name" or (f.start > 0 and text[f.start - 1] in _QUOTES))
            and not (
                text.startswith(_PLACEHOLDER_STARTS, f.start)
                and not _BRACED_SECRET.fullmatch(text, f.start, f.end)
            )
        ]
    if not raw:
        return []
    chosen = _select(raw, own_start, len(text) if own_end is None else own_end)
    if not chosen:
        return []
    newlines = [m.start() for m in re.finditer("\n", text)]
    # What the findings hide is masked in the path too (shortest first loses to longest
    # in the merge): a value too short to tell apart from a path's words is left.
    hidden = {
        text[f.start : f.end]: f.mask_label for f in raw if f.end - f.start >= _PATH_VALUE_MIN
    }
    shown_path = mask_path(redactor, path, options, values=hidden)
    out: list[ScanFinding] = []
    for f in chosen:
        idx = bisect_right(newlines, f.start - 1)
        line_start = newlines[idx - 1] + 1 if idx else 0
        line_end = newlines[idx] if idx < len(newlines) else len(text)
        end_idx = bisect_right(newlines, max(f.end - 1, f.start) - 1)
        end_line_start = newlines[end_idx - 1] + 1 if end_idx else 0
        col = f.start - line_start + 1 + (column if idx == 0 else 0)
        end_col = f.end - end_line_start + 1 + (column if end_idx == 0 else 0)
        if line_map is not None:
            lineno, end_lineno = line_map[idx], line_map[min(end_idx, len(line_map) - 1)]
        else:
            lineno, end_lineno = line + idx, line + end_idx
        line_text = text[line_start:line_end]
        reason = allow_reason(line_text, f.rule_id)
        if reason is None and idx:
            prev = text[(newlines[idx - 2] + 1 if idx > 1 else 0) : line_start - 1]
            if prev.lstrip().startswith(("#", "//", "--")):
                reason = allow_reason(prev, f.rule_id)
        if reason is not None and not options.show_secrets:
            # The reason is free text next to the secret ("was ghp_..."): it goes into
            # every report, so it is masked like any other output.
            reason = redactor.redact(reason)
        json_field = None
        if options.json_fields and line_text.lstrip().startswith("{"):
            spans = [
                (r.start - line_start, r.end - line_start)
                for r in raw
                if r.start < line_end and r.end > line_start
            ]
            found = frozenset(
                text[r.start : r.end]
                for r in raw
                if r.start < line_end and r.end > line_start and r.end - r.start >= 4
            )
            json_field = field_path(
                line_text,
                f.start - line_start,
                spans,
                hidden=functools.partial(_hidden_name, redactor, found=found),
            )
        secret = text[f.start : f.end]
        out.append(
            ScanFinding(
                rule_id=f.rule_id,
                category=f.category,
                severity=f.severity,
                path=shown_path,
                line=lineno,
                column=col,
                end_line=end_lineno,
                end_column=end_col,
                fingerprint=fingerprint(secret, options.fingerprint_key, length=FINGERPRINT_LENGTH),
                commit=commit,
                author_date=author_date,
                field=json_field,
                layer=layer,
                allowed=reason,
                secret=secret if options.show_secrets else None,
                secret_sha1=_sha1(secret) if options.want_sha1 else None,
            )
        )
    return out


_KEY_BEFORE = re.compile(r"([A-Za-z0-9_.$:-]{1,128})[\"'\\\]]*\s*(?:=>|:=|[:=])\s*[\"'\\]*$")
#: A typed declaration before a value: ``NAME: TYPE = `` (Python, TypeScript, Kotlin, Rust,
#: Swift; ``Final[str]``, ``&str``, ``&'static str``, ``Map<K, V>``, ``string?``).
_TYPE = r"&?(?:'\w+\s+)?[A-Za-z_][\w.]*(?:\[[^\]\n=]{0,64}\]|<[^>\n=]{0,64}>)?\??"
_TYPED = re.compile(rf"([A-Za-z_$][\w$]{{0,127}})\s*:\s*{_TYPE}\s*=\s*[\"'`]*$")
#: A call declared or assigned under a name, up to one of its keyword arguments:
#: ``api_key: str = Field(``, ``api_key: pydantic.Field(``, ``API_KEY = SecretStr(x, ``.
_CALL_UNDER = re.compile(
    rf"([A-Za-z_$][\w$]{{0,127}})\s*(?::\s*(?:{_TYPE}\s*=\s*)?|:?=\s*)[A-Za-z_][\w.]*\((?:[^()\n]*,)?\s*$"
)


#: A colon-delimited resource path glued to the name that follows (``arn:aws:secretsmanager:
#: us-west-2:123456789012:secret:Name``, also AWS's own ``aws:arn:...`` typo): the name is a
#: resource type there, not a key.
_IN_ARN = re.compile(r"(?<![\w:.*/-])[A-Za-z][\w-]*(?::[\w.*/-]*){3,}:$")
#: A query parameter of an image URL: a README badge token, public by design
#: (``codecov.io/.../badge.svg?token=...``).
_BADGE_QUERY = re.compile(r"\.(?:svg|png|gif)\?(?:[^\s?#\"'<>]*&)?$")

#: Tag of rules whose evidence is the name (``password = "..."``): the scanner weighs the value.
NAME_EVIDENCE = "name-evidence"
_WEIGHED: dict[int, tuple[object, frozenset[str]]] = {}


def _name_evidence_rules(redactor: Redactor) -> frozenset[str]:
    """Ids of ``redactor``'s rules tagged ``name-evidence`` (cached per rule pack object)."""
    pack = redactor.rules
    hit = _WEIGHED.get(id(pack))
    if hit is not None and hit[0] is pack:
        return hit[1]
    ids = frozenset(r.id for r in pack.rules if NAME_EVIDENCE in r.tags)
    if len(_WEIGHED) > 64:
        _WEIGHED.clear()
    _WEIGHED[id(pack)] = (pack, ids)
    return ids


def _value_name(text: str, f: Finding, redactor: Redactor) -> str | None:
    """The name a key-name finding's value sits under ("" if none is written), or None when
    that name is no key at all (a type name, a resource path, a badge's query).

    A typed declaration (``api_key: str = "v"``, ``const apiKey: string = "v"``) names its
    variable, not its type; an argument of a call declared under a sensitive name
    (``api_key: str = Field(default="v")``) sits under that name when its own keyword is not
    sensitive.
    """
    line_start = text.rfind("\n", max(0, f.start - 300), f.start) + 1
    lo = max(line_start, f.start - 300)
    typed = _TYPED.search(text, lo, f.start)
    if typed is not None:
        return typed.group(1)
    m = _KEY_BEFORE.search(text, lo, f.start)
    name = m.group(1) if m else ""
    if m and not redactor.is_sensitive_key(name):
        outer = _CALL_UNDER.search(text, lo, m.start(1))
        if outer is not None and redactor.is_sensitive_key(outer.group(1)):
            return outer.group(1)
    if name.startswith("::") and runner_secret_command(name):
        return ""  # ::add-mask::v registers a secret: judged on the value alone
    if is_parameter_position(name):
        return ""  # $2 = 'v', [2] = 'v', @p1='v': a bound parameter, judged on the value alone
    if "::" in name or name.lower().startswith(("arn:", "urn:")) or name.count(":") >= 3:
        return None  # a type name (AWS::IAM::AccessKey) or a part of a resource name (arn:...)
    glued = m.start(1) + len(name) - len(name.lstrip(":")) if m else 0
    if m and _IN_ARN.search(text, max(line_start, m.start(1) - 300), glued):
        return None  # arn:aws:secretsmanager:*:*:secret:Name-*: the name is a resource type
    if m and _BADGE_QUERY.search(text, max(line_start, m.start(1) - 300), m.start(1)):
        return None  # ?token= of a badge image: meant to be published
    return name


#: A call as the value (``SecretStr("v")``, ``Field(default="v")``): its string literals
#: are weighed as leaves.
_CALL_VALUE = re.compile(r"[A-Za-z_][\w.]{0,127}\(.*\)")

#: One leaf of a container value: a quoted string (its inside) or a bare word.
_LEAF = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"|'((?:[^'\\\n]|\\.)*)'|([^\s,\[\]{}():;=\"'`]+)")


#: A comment after a line value: blanks, then ``#`` or ``//``, to the end.
_TRAILING_COMMENT = re.compile(r"[ \t]+(?:#|//)[^\r\n]*\Z")


def _weighed(text: str, f: Finding, redactor: Redactor) -> tuple[Finding, ...]:
    """The findings a key-name finding stands for in a repository: itself when its value
    looks like a credential; when the value is a container under the sensitive name
    (``"api_keys": ["..."]``, ``"tokens": {"<token>": "bob"}``, ``"credentials": {"prod":
    {"value": "..."}}``), one finding per leaf (string, member name or bare word) that
    looks like a credential, each judged with the same evidence under that name; else
    none. The runtime masks the whole container; the report points at each credential.
    A leaf of a multi-line container that sits under a member name of its own that is not
    sensitive (``"ClientSecret": {`` then ``"shape": "String2048"``), or alone on its line
    (a list item), is weighed as a member.
    """
    name = _value_name(text, f, redactor)
    if name is None:
        return ()
    value = value_lines_joined(text[f.start : f.end])
    if name:
        member = not redactor.is_sensitive_key(name)
    else:  # alone on its line: an item of a multi-line list ("required": [ "KmsKeyArn" ])
        line_start = text.rfind("\n", 0, f.start) + 1
        member = not text[line_start : f.start].strip(" \t\"'-")
    if name and "\n" not in value and _CALL_VALUE.fullmatch(value.strip()):
        return _call_literals(text, f, name, redactor)
    if credential_like(value, name, member=member):
        return (f,)
    head = _TRAILING_COMMENT.sub("", value) if "\n" not in value else value
    if head != value and head and credential_like(head, name, member=member):
        # DB_PASSWORD=v # prod, api_key: v // rotate: the runtime masks to the end of the
        # line; the report points at the value without its comment
        return (dataclasses.replace(f, end=f.start + len(head)),)
    if text.startswith(";", f.end) and text[f.start - 1 : f.start] == "=" and " " in value:
        # Server=h;Password=a b Qv8...;: a connection-string field of a few words counts
        # when one word is a credential itself (prose under a name is words, none of them one)
        words = value.split()
        return (f,) if len(words) <= 8 and any(credential_like(w, name) for w in words) else ()
    inner = value.strip("\"'` \t\r\n;,")
    if inner[:1] + inner[-1:] not in ("[]", "{}", "()"):
        return ()  # not one closed container (a regex class, a glob: ``[a-z]+:...$``)
    leaves: list[Finding] = []
    for m in _LEAF.finditer(text, f.start, f.end):
        group = next(g for g in (1, 2, 3) if m.group(g) is not None)
        start, end = m.span(group)
        if end > start and credential_like(text[start:end], name):
            leaves.append(dataclasses.replace(f, start=start, end=end))
    return tuple(leaves)


#: Keyword arguments that hold the value itself (``Field(default="v")``); a literal under
#: any other keyword that is not sensitive describes it (``description=``, ``alias=``).
_VALUE_KEYWORDS = frozenset({"default", "value", "initial", "default_value", "secret_value"})
_KEYWORD_BEFORE = re.compile(r"([A-Za-z_]\w*)\s*=\s*$")


def _call_literals(text: str, f: Finding, name: str, redactor: Redactor) -> tuple[Finding, ...]:
    """The string literals of a call that is the value under ``name`` (``SecretStr("v")``,
    ``Field(default="v", description="...")``) that look like credentials: positional ones
    and those under a value or sensitive keyword. Bare words are names and references."""
    leaves: list[Finding] = []
    for m in _LEAF.finditer(text, f.start, f.end):
        group = next(g for g in (1, 2, 3) if m.group(g) is not None)
        if group == 3:
            continue
        keyword = _KEYWORD_BEFORE.search(text, f.start, m.start())
        if keyword is not None:
            word = keyword.group(1)
            if word.lower() not in _VALUE_KEYWORDS and not redactor.is_sensitive_key(word):
                continue
        start, end = m.span(group)
        if end > start and credential_like(text[start:end], name):
            leaves.append(dataclasses.replace(f, start=start, end=end))
    return tuple(leaves)


def _hidden_name(redactor: Redactor, name: str, found: frozenset[str]) -> bool:
    """Whether a JSON member name must not be printed in a field path: it holds a secret
    found on its line, a finding of its own, or looks like a credential (a password
    used as a user id, a token as a map key). Paths go into every report."""
    return (
        any(secret in name for secret in found)
        or bool(redactor.find(name))
        or credential_like(name)
    )


def _sha1(secret: str) -> str:
    """detect-secrets' ``hashed_secret``: plain SHA-1 of the UTF-8 value."""
    data = secret.encode("utf-8", "surrogateescape")
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()
