"""Log records as one text: the messages of consecutive records, without their envelopes.

A log collector writes one *record* per line, and wraps each line a program printed in
an envelope of its own: Docker's json-file driver (``{"log":"<line>\\n","stream":...}``),
the Kubernetes CRI format (``<time> stdout F <line>``, or ``P`` for the part of a long
line cut by the runtime), journald's JSON export (``"MESSAGE":"<line>"``), syslog
(``Nov 30 10:00:00 host app[123]: <line>``, RFC 5424), klog, and the timestamp/level
prefixes of application loggers (``2026-11-30 10:00:00,123 ERROR [main] a.b.C - <line>``).

A secret that spans lines (a PEM private key, a registered multi-line value) printed
into such a log has an envelope between each of its lines, and a line cut into partial
records has one inside a token: read record by record, neither is a secret any more.
:func:`records_view` rebuilds the text the program printed — each record's message,
joined by a line break (or by nothing after a partial record) — and keeps the way back
to the source offsets, so the engine detects on the messages and masks each record's part
of a secret in place (the envelopes stay intact).

The messages are kept as they are written in the record (a JSON string's escapes are not
decoded, except for the line break that ends a Docker record), so a span of the view maps
back to the source character for character.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

__all__ = [
    "PARTIAL_RECORD",
    "WINDOW_AHEAD",
    "WINDOW_BACK",
    "RecordView",
    "named_openers",
    "occurrences",
    "opener_ends",
    "partial_records",
    "record_windows",
    "records_view",
]

#: A JSON record's message member (Docker ``log``, journald ``MESSAGE``, structured loggers).
_JSON_MESSAGE = re.compile(
    r'"(log|MESSAGE|message|msg|textPayload)"[ \t]*:[ \t]*"((?:[^"\\\n]|\\.)*+)"'
)
#: A logfmt record (``time=... level=info msg="<line>"``): the quoted ``msg`` is the message.
_LOGFMT = re.compile(r'(?:time|ts|t|level|lvl)=\S*.*?(?:^|[ \t])msg="((?:[^"\\\n]|\\.)*+)"')
_ESCAPED_EOL = re.compile(r"(?:\\r)?\\n\Z")
#: Kubernetes CRI: ``<RFC 3339 time> <stream> <P|F> <message>``.
_CRI = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d) (stdout|stderr) ([PF])(?: |\Z)")
#: The members of a JSON record that say which program or stream wrote it (Docker's
#: ``stream``, journald's ``_PID`` and unit, a collector's container and pod names).
_JSON_SOURCE = re.compile(
    r'"(stream|_PID|_SYSTEMD_UNIT|SYSLOG_IDENTIFIER|CONTAINER_NAME|CONTAINER_ID|container_name'
    r'|container_id|container|pod|pod_name|logName|source)"[ \t]*:[ \t]*("(?:[^"\\\n]|\\.)*+"|\d+)'
)
#: A multiplexer's prefix that names the source: ``kubectl logs --prefix``
#: (``[pod/api-1/app] ``) and Docker Compose (``api-1  | ``).
_SOURCE_PREFIX = re.compile(
    r"\[(?:pod|deployment|job|statefulset)/[^\]\s]{1,253}\] |[\w.-]{1,64} +\| "
)
_TIME = r"\d\d:\d\d:\d\d(?:[.,]\d{1,9})?"
_ZONE = r"(?:[ ]?(?:Z|UTC|[+-]\d\d:?\d\d))?"
_LEVEL = (
    r"(?i:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|ALERT|EMERG"
    r"|SEVERE|FINE|FINER|FINEST|CONFIG)"
)
#: One field of a logger's header: a level, ``[thread]``, ``(module)``, a pid, ``---``,
#: a dotted logger name, ``name[pid]:`` / ``name:``.
_HEADER = (
    rf"(?:{_LEVEL}:?(?=[ \t])|\[[^\]\n]{{0,128}}\]:?|\([^)\n]{{0,128}}\):?|\d{{1,10}}|-{{3}}"
    r"|[A-Za-z_$][\w$-]{0,63}(?:\.[\w$-]{1,63}){1,16}:?(?=[ \t])"
    r"|[A-Za-z_$][\w$./-]{0,63}(?:\[\d{1,10}\])?:(?=[ \t]))"
)
#: The envelope a logger or collector puts before each line (its end is the message start).
_PREFIX = re.compile(
    rf"""(?:
        (?:<\d{{1,3}}>)?[A-Z][a-z]{{2}}[ ][ \d]\d[ ]{_TIME}[ ](?:\S{{1,255}}[ ])?
            [^\s:\[\]]{{1,64}}(?:\[\d{{1,10}}\])?:[ ]                           # RFC 3164
      | <\d{{1,3}}>\d{{1,2}}[ ]\S+[ ]\S+[ ]\S+[ ]\S+[ ]\S+[ ]
            (?:-|(?:\[(?:[^\]"\\]|"(?:[^"\\]|\\.)*")*\])+)(?:[ ]|\Z)             # RFC 5424
      | [IWEF]\d{{4}}[ ]{_TIME}[ \t]+\d{{1,10}}[ ][^\s\]]{{1,128}}\][ ]          # klog
      | (?:DEBUG|INFO|WARNING|ERROR|CRITICAL):[^:\s]{{0,128}}:                  # Python
      | \[?(?:\d{{4}}-\d\d-\d\d[T ])?{_TIME}{_ZONE}\]?                          # timestamp
            (?:[ \t]+{_HEADER}){{0,8}}[ \t]*(?:[:|>]|-{{1,2}}|=>|->)?(?:[ \t]|\Z)
    )""",
    re.X,
)
#: Whether a text may hold records at all (one C-level search before any line is parsed).
_ANY = re.compile(
    r"(?m)^(?:\{.*\"(?:log|MESSAGE|message|msg|textPayload)\"|(?:time|ts|t|level|lvl)="
    r"|\d{4}-\d\d-\d\d[T ]|\[\d{4}-|<\d{1,3}>"
    r"|[A-Z][a-z]{2} [ \d]\d \d\d:|[IWEF]\d{4} \d\d:|(?:DEBUG|INFO|WARNING|ERROR|CRITICAL):"
    r"|\[?\d\d:\d\d:\d\d)"
)

#: A record that holds only part of a line: a CRI partial (``P``) record, or a Docker
#: json-file record whose message has no line break (the runtime cut a long line).
PARTIAL_RECORD = re.compile(
    r'(?m)^\d{4}-\d\d-\d\dT\S+ std(?:out|err) P |^\{"log": ?"(?:[^"\\\n]|\\.)*+(?<!\\n)"'
)


def partial_records(text: str) -> bool:
    """Whether ``text`` holds a record that continues in the next one (see ``PARTIAL_RECORD``).

    Plain substring counts first (a CRI ``P`` field; Docker records without an escaped line
    break before ``","stream"``), the regex only to confirm.
    """
    if " stdout P " in text or " stderr P " in text:
        return PARTIAL_RECORD.search(text) is not None
    docker = text.count('"log":')
    return docker > 0 and docker != text.count('\\n",') and PARTIAL_RECORD.search(text) is not None


#: How a message that opens a value on the next line ends (``password:``, ``key = {``,
#: ``Authorization: Bearer``): its last character, or a scheme word.
_OPENER_LAST = frozenset(":=|>{[(")
_OPENER_WORDS = ("Bearer", "Basic", "Token")


def _opens(part: str) -> bool:
    if part.endswith(("\r", "\\r")):
        part = part[:-2] if part.endswith("\\r") else part[:-1]
    last = part[-1:]
    return last in _OPENER_LAST or (last in ("r", "c", "n") and part.endswith(_OPENER_WORDS))


def opener_ends(text: str, words: frozenset[str] | None = None) -> bool:
    """Whether a line of ``text``, or a JSON record's message, ends with what opens a
    value on the next line (line ends are found by ``str.split``: a regex or a substring
    search per ending costs more than the engine's own pass on a clean log block).

    ``words`` (the keywords the automaton found): only a line that also holds one counts
    -- the name whose value the next record holds is on the line that opens it
    (``password:``), so a ``Traceback (most recent call last):`` in a block that names a
    key elsewhere does not make every record of the block worth joining. The lines are
    then reached from the words' occurrences, not read one by one."""
    json_record = '":' in text
    if words is not None:
        low = text.lower()
        if len(low) == len(text):
            return _named_opener(text, low, words, json_record)
    if any(map(_opens, text.split("\n"))):
        return True
    if not json_record:
        return False  # no JSON record: its lines were all
    return any(any(map(_opens, text.split(sep))) for sep in ('\\n"', '",', '"}'))


def _named_opener(text: str, low: str, words: frozenset[str], json_record: bool) -> bool:
    """:func:`opener_ends` for the lines that hold one of ``words``."""
    found = occurrences(text, low, words)
    return next(named_openers(text, found, json_record=json_record), None) is not None


def occurrences(text: str, low: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """``(start, end)`` of each occurrence of ``words`` in ``low`` (``text.lower()``, of the
    same length), or in ``text`` for a word that is not lower case."""
    out: list[tuple[int, int]] = []
    for w in words:
        for hay in (low,) if w == w.lower() else (low, text):
            at = hay.find(w)
            while at >= 0:
                out.append((at, at + len(w)))
                at = hay.find(w, at + len(w))
    return out


def named_openers(
    text: str, found: Iterable[tuple[int, int]], *, json_record: bool
) -> Iterator[int]:
    """The starts of the ``found`` name occurrences (``(start, end)`` offsets in ``text``)
    on a line, or in a JSON record's message, that ends with what opens a value.

    From each occurrence the end of its line (or JSON member) is read. The occurrences are
    taken in order of their ends and the next end of each kind is kept as a cursor, so the
    text is searched once per kind of end, and each end is judged once."""
    seps = ("\n", '\\n"', '",', '"}') if json_record else ("\n",)
    n = len(text)
    nxt = dict.fromkeys(seps, -1)
    judged = dict.fromkeys(seps, -1)
    for at, after in sorted(found, key=lambda f: f[1]):
        for sep in seps:
            e = nxt[sep]
            if e < after and e != n:
                e = text.find(sep, after)
                e = n if e < 0 else e
                nxt[sep] = e
            if judged[sep] == e:
                continue  # this end was judged, from a start that showed all it reads
            if e - at >= _OPENS_READ:
                judged[sep] = e
            if _opens(text[at:e]):
                yield at
                break


#: How many characters before its end :func:`_opens` reads (a scheme word, an escaped CR).
_OPENS_READ = max(map(len, _OPENER_WORDS)) + 2


#: How far before and after a reason to read records joined (a multi-line rule's keyword, a
#: partial record, a named opener) the records are read: the line that holds it, from up to
#: 2 KiB before, to the line that holds the offset 64 KiB after (a PEM key logged one record
#: per line, its envelopes and another source's records interleaved fit many times over).
WINDOW_BACK = 2048
WINDOW_AHEAD = 65536


def record_windows(text: str, triggers: Iterable[int]) -> list[tuple[int, int]]:
    """Whole-line ``(start, end)`` ranges of ``text`` around ``triggers`` (offsets), merged
    where they meet: where a secret that spans records may be (:data:`WINDOW_BACK`,
    :data:`WINDOW_AHEAD`). Linear: each search starts past the range before it."""
    n = len(text)
    out: list[tuple[int, int]] = []
    for p in sorted(set(triggers)):
        if out and p + WINDOW_AHEAD < out[-1][1]:
            continue  # inside the range, and so is its reach
        e = text.find("\n", min(n, p + WINDOW_AHEAD))
        e = n if e < 0 else e + 1
        if out and p < out[-1][1]:
            out[-1] = (out[-1][0], e)
            continue
        floor = out[-1][1] if out else 0
        ws = text.rfind("\n", floor, max(floor, p - WINDOW_BACK)) + 1 or floor
        if out and ws == floor:
            out[-1] = (out[-1][0], e)  # adjacent: one range
        else:
            out.append((ws, e))
    return out


class RecordView:
    """The messages of a text's records joined as the program printed them.

    ``text`` is the joined messages; ``segments`` holds ``(view_start, view_end,
    source_start)`` for each message, in order. ``partial`` is true when the text ends
    with a record cut from the rest of its line (CRI ``P``, a Docker record without its
    line break), and ``partial_from`` is the source offset of the line where that chain
    of partial records starts.
    """

    __slots__ = ("_starts", "groups", "partial", "partial_from", "segments", "text")

    def __init__(
        self,
        text: str,
        segments: list[tuple[int, int, int]],
        partial_from: int | None,
        groups: list[tuple[int, int]] | None = None,
    ) -> None:
        self.text = text
        self.segments = segments
        #: ``(view_start, view_end)`` of each source's messages (one range for one source).
        self.groups = groups if groups is not None else [(0, len(text))]
        self._starts = [s for s, _, _ in segments]
        self.partial = partial_from is not None
        self.partial_from = partial_from

    def source_spans(self, start: int, end: int) -> list[tuple[int, int]]:
        """The source spans that ``text[start:end]`` is made of, one per record it touches."""
        out: list[tuple[int, int]] = []
        i = max(0, bisect.bisect_right(self._starts, start) - 1)
        for vs, ve, src in self.segments[i:]:
            if vs >= end:
                break
            s, e = max(start, vs), min(end, ve)
            if s < e:
                out.append((src + s - vs, src + e - vs))
        return out

    def source_pos(self, pos: int) -> int:
        """The source offset of view offset ``pos`` (a separator maps to the next message)."""
        i = bisect.bisect_right(self._starts, pos) - 1
        if i < 0:
            return 0
        vs, ve, src = self.segments[i]
        if pos <= ve:
            return src + pos - vs
        if i + 1 < len(self.segments):
            return self.segments[i + 1][2]
        return src + ve - vs


def _message(line: str) -> tuple[int, int, bool, str] | None:
    """``(start, end, partial, source)`` of the message in a record ``line``; None: not a
    record. ``source`` names the stream or program that wrote it ("" when unknown)."""
    if line.startswith("{") and line.rstrip().endswith("}"):
        m = _JSON_MESSAGE.search(line)
        if m is None:
            return None
        source = "\x00".join(f"{k}={v}" for k, v in _JSON_SOURCE.findall(line))
        s, e = m.span(2)
        eol = _ESCAPED_EOL.search(line, s, e)
        if eol is not None:
            return s, eol.start(), False, source
        return s, e, m.group(1) == "log" and s < e, source  # Docker: a line cut at 16 KiB
    m = _LOGFMT.match(line)
    if m is not None:
        return m.start(1), m.end(1), False, ""
    m = _CRI.match(line)
    if m is not None:
        s = m.end()
        p = _PREFIX.match(line, s)  # the program's own logger prefix inside the record
        return (p.end() if p is not None else s), len(line), m.group(2) == "P", m.group(1)
    m = _SOURCE_PREFIX.match(line)
    if m is not None:
        p = _PREFIX.match(line, m.end())
        return (
            (p.end() if p is not None and p.end() > m.end() else m.end()),
            len(line),
            False,
            (m.group().rstrip(" |")),
        )
    p = _PREFIX.match(line)
    if p is not None and p.end() > 0:
        return p.end(), len(line), False, ""
    return None


def records_view(text: str) -> RecordView | None:
    """The messages of the records in ``text`` joined (see :class:`RecordView`), or None.

    None when no line of ``text`` is a record. A line that is not a record (a stack
    trace line, a continuation) is a message of its own, whole, of the source of the record
    before it. Records of several sources interleaved (Docker's stdout and stderr, two
    containers behind ``kubectl logs --prefix`` or Compose, two journald processes) are
    joined per source, each source's messages in order: a key printed line by line on
    stderr while stdout logs requests is one text again.
    """
    if _ANY.search(text) is None and _SOURCE_PREFIX.search(text) is None:
        return None
    # (source, view piece, source offset of the piece or -1 for a joiner)
    lines: list[tuple[str, int, int, bool, bool]] = []  # source, start, end, partial, eol
    records = 0
    partial_from: int | None = None
    source = ""
    pos = 0
    n = len(text)
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        line = text[pos:end]
        body = line[:-1] if line.endswith("\r") else line
        found = _message(body)
        if found is None:
            s, e, partial = 0, len(body), False
        else:
            records += 1
            s, e, partial, source = found
        lines.append((source, pos + s, pos + e, partial, nl >= 0))
        if partial:
            if partial_from is None:
                partial_from = pos
        else:
            partial_from = None
        pos = end + 1
    if not records:
        return None
    order: dict[str, int] = {}
    for src, *_ in lines:
        order.setdefault(src, len(order))
    if len(order) > 1:
        lines.sort(key=lambda item: order[item[0]])  # stable: each source keeps its order
    parts: list[str] = []
    segments: list[tuple[int, int, int]] = []
    groups: list[tuple[int, int]] = []
    size = group_start = 0
    previous = lines[0][0]
    for src, start, end, partial, eol in lines:
        if src != previous:
            groups.append((group_start, size))
            if parts and not parts[-1].endswith("\n"):
                parts.append("\n")  # another source: a partial record's chain ends here
                size += 1
            group_start = size
        previous = src
        parts.append(text[start:end])
        segments.append((size, size + end - start, start))
        size += end - start
        if not partial and eol:
            parts.append("\n")
            size += 1
    groups.append((group_start, size))
    return RecordView("".join(parts), segments, partial_from, groups)
