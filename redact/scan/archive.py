"""Archives: the members of zip-family files (.zip, .jar, .whl, .apk, .egg, .docx/.xlsx, ...)
and tar files (.tar, .tar.gz/.tgz, .tar.bz2, .tar.xz), scanned one by one, bounded.

A member is reported as ``archive.zip!path/in/member``; a member that is itself
an archive is opened in turn (``outer.zip!lib/inner.jar!config.properties``).
Member names are data like file names: the reports mask them
(:func:`redact.scan.text.mask_path`). The work one archive may cause is bounded
(:class:`ArchiveLimits`): nesting depth, members, decompressed bytes, and the
compression ratio of each member (a zip bomb). A limit reached, an encrypted
member, a corrupt archive or member is an outcome of its own — ``incomplete``
or ``unreadable`` — so a partial scan is never reported clean. Binary members
(``.class`` files, images) are counted, not listed.

Zip needs random access: a zip read from a file is opened in place; one read
from a stream (a member of another archive, a compressed layer, stdin) is
spooled to a temporary file first (memory up to 8 MiB, then disk), its bytes
counted against the limits. Tar is read forwards, as a stream.
"""

from __future__ import annotations

import io
import lzma
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, cast

from redact.scan.model import ArchiveLimits, FileOutcome
from redact.scan.sources import BUFFER, OpenedText, compiled_source, open_text

__all__ = [
    "ARCHIVE_KINDS",
    "RATIO_FLOOR",
    "STUB",
    "ArchiveWalk",
    "LimitReached",
]

#: ``OpenedText.kind`` values this module opens.
ARCHIVE_KINDS = frozenset({"zip", "tar"})
#: Past this many bytes out of one member, its compression ratio is checked.
RATIO_FLOOR = 1 << 20
_SPOOL_MEMORY = 8 << 20
#: How the data before a zip's first member is named in reports (``installer!(stub)``).
STUB = "(stub)"


class LimitReached(Exception):
    """A limit of :class:`ArchiveLimits` was reached; ``whole`` when the archive must stop."""

    def __init__(self, reason: str, *, whole: bool) -> None:
        super().__init__(reason)
        self.whole = whole


@dataclass
class _Budget:
    limits: ArchiveLimits
    members: int = 0
    bytes: int = 0
    binary: int = 0
    compiled: int = 0
    scanned: int = 0
    outcomes: list[FileOutcome] = field(default_factory=list)


class _Guarded(io.RawIOBase):
    """A member's stream that counts what comes out and stops at a limit."""

    def __init__(
        self, raw: IO[bytes], budget: _Budget, compressed: int | None, *, start: int = 0
    ) -> None:
        self._raw = raw
        self._budget = budget
        self._compressed = compressed
        self._out = start
        budget.bytes += start

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read from the member, then check the ratio and the archive's byte budget."""
        view = memoryview(buffer).cast("B")
        data = self._raw.read(len(view))
        n = len(data)
        view[:n] = data
        self._out += n
        budget = self._budget
        budget.bytes += n
        limits = budget.limits
        if budget.bytes > limits.bytes:
            raise LimitReached(_bytes_message(limits), whole=True)
        if (
            self._compressed is not None
            and self._out > RATIO_FLOOR
            and self._out > limits.ratio * max(self._compressed, 1)
        ):
            msg = (
                f"compression ratio above {limits.ratio}:1 ({self._compressed} bytes "
                f"inflating past {self._out}): a decompression bomb? not scanned"
            )
            raise LimitReached(msg, whole=False)
        return n


def _bytes_message(limits: ArchiveLimits) -> str:
    return (
        f"archive byte limit reached ({limits.bytes} decompressed bytes, "
        "--max-archive-bytes): the rest of the archive was not scanned"
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}"[:200]


#: Errors of a corrupt archive or member (what is read is never trusted).
_CORRUPT = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
    NotImplementedError,  # an unsupported compression method (deflate64, zstd before 3.14)
    EOFError,
    OSError,
    ValueError,
    RuntimeError,  # zipfile: an encrypted member without a password
    zlib.error,  # corrupt deflate data in a member ("invalid bit length repeat")
    lzma.LZMAError,
)


class ArchiveWalk:
    """Scan the members of one archive given on the command line (or stdin).

    ``on_text(opened, shown)`` scans a text member; ``walk`` returns the outcomes
    (the archive's own ``scanned`` line with counts first).
    """

    def __init__(
        self,
        on_text: Callable[[OpenedText, str], None],
        limits: ArchiveLimits | None = None,
    ) -> None:
        self._on_text = on_text
        self._budget = _Budget(limits or ArchiveLimits())

    def walk(
        self, opened: OpenedText, shown: str, *, path: str | None = None, size: int = 0
    ) -> list[FileOutcome]:
        """Scan ``opened`` (kind ``zip`` or ``tar``); ``path`` when it is a file on disk."""
        budget = self._budget
        try:
            self._archive(opened, shown, path=path, depth=1)
        except LimitReached as exc:
            budget.outcomes.append(FileOutcome(shown, "incomplete", str(exc)))
        note = f"{opened.kind} archive: {budget.scanned} member(s) scanned"
        if budget.binary:
            note += f", {budget.binary} binary"
        if budget.compiled:
            note += f", {budget.compiled} compiled Python beside its source"
        return [FileOutcome(shown, "scanned", note, size), *budget.outcomes]

    def _archive(self, opened: OpenedText, shown: str, *, path: str | None, depth: int) -> None:
        try:
            if opened.kind == "tar":
                self._tar(opened, shown, depth)
            elif path is not None and not opened.compression:
                with zipfile.ZipFile(path) as zf:
                    self._zip(zf, shown, depth)
            else:
                with self._spool(opened) as spool, zipfile.ZipFile(spool) as zf:
                    self._zip(zf, shown, depth)
        except LimitReached:
            raise
        except _CORRUPT as exc:
            what = "tar" if opened.kind == "tar" else "zip"
            why = f"corrupt {what} archive: {_reason(exc)}"
            self._budget.outcomes.append(FileOutcome(shown, "unreadable", why))

    def _spool(self, opened: OpenedText) -> IO[bytes]:
        """``opened`` copied to a temporary file (zip needs to seek), at most the byte limit."""
        limit = self._budget.limits.bytes
        spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)  # noqa: SIM115
        for chunk in opened.chunks():
            spool.write(chunk)
            if spool.tell() > limit:
                spool.close()
                raise LimitReached(_bytes_message(self._budget.limits), whole=True)
        spool.seek(0)
        return cast(IO[bytes], spool)

    def _count(self, shown: str) -> None:
        budget = self._budget
        budget.members += 1
        if budget.members > budget.limits.members:
            msg = (
                f"archive member limit reached ({budget.limits.members} members, "
                "--max-archive-members): the rest of the archive was not scanned"
            )
            raise LimitReached(msg, whole=True)

    def _zip(self, zf: zipfile.ZipFile, shown: str, depth: int) -> None:
        limits = self._budget.limits
        names = set(zf.namelist())
        first = min((i.header_offset for i in zf.infolist()), default=0)
        if first > 0 and zf.fp is not None:
            # A stub before the first member (a self-extracting installer's script or
            # executable, a zipapp's #! line) is content too: read as a member would be.
            name = f"{shown}!{STUB}"
            self._count(name)
            zf.fp.seek(0)
            try:
                self._member(cast(IO[bytes], _Slice(zf.fp, first)), name, depth, None, first)
            except LimitReached as exc:
                if exc.whole:
                    raise
                self._skip(name, "incomplete", str(exc))
            except _CORRUPT as exc:
                self._skip(name, "unreadable", f"corrupt stub: {_reason(exc)}")
        for info in zf.infolist():
            if info.is_dir():
                continue
            if compiled_source(info.filename) in names:
                self._budget.compiled += 1  # its source is a member too: scanned there
                continue
            name = f"{shown}!{info.filename}"
            self._count(name)
            if info.flag_bits & 0x1:
                self._skip(name, "unreadable", "encrypted member (no password): not scanned")
                continue
            if info.file_size > RATIO_FLOOR and info.file_size > limits.ratio * max(
                info.compress_size, 1
            ):
                why = (
                    f"compression ratio above {limits.ratio}:1 ({info.compress_size} bytes "
                    f"declaring {info.file_size}): a decompression bomb? not scanned"
                )
                self._skip(name, "incomplete", why)
                continue
            try:
                with zf.open(info) as raw:
                    self._member(raw, name, depth, info.compress_size, info.compress_size)
            except LimitReached as exc:
                if exc.whole:
                    raise
                self._skip(name, "incomplete", str(exc))
            except _CORRUPT as exc:
                self._skip(name, "unreadable", f"corrupt member: {_reason(exc)}")

    def _tar(self, opened: OpenedText, shown: str, depth: int) -> None:
        stream = io.BufferedReader(_Replay(opened), BUFFER)
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                name = f"{shown}!{member.name}"
                self._count(name)
                raw = tar.extractfile(member)
                if raw is None:  # pragma: no cover - isfile() members always have data
                    continue
                try:
                    self._member(raw, name, depth, None, member.size)
                except LimitReached as exc:
                    if exc.whole:
                        raise
                    self._skip(name, "incomplete", str(exc))

    def _member(
        self, raw: IO[bytes], name: str, depth: int, compressed: int | None, stored: int
    ) -> None:
        """Scan one member: ``compressed`` is its zip-compressed size (None in a tar),
        ``stored`` its size in the archive (what a gzip/bzip2/xz layer inflates from)."""
        guarded = cast(IO[bytes], _Guarded(raw, self._budget, compressed))
        with open_text(name, fileobj=guarded) as opened:
            if opened.compression:
                # What the member's own compression layers inflate counts too (a .gz bomb
                # in a zip): against the budget, and its ratio against the stored size.
                inner = _Guarded(
                    cast(IO[bytes], opened.stream), self._budget, stored, start=len(opened.head)
                )
                opened = OpenedText(
                    opened.kind,
                    opened.encoding,
                    opened.compression,
                    opened.head,
                    io.BufferedReader(inner, BUFFER),
                )
            if opened.kind in ARCHIVE_KINDS:
                if depth >= self._budget.limits.depth:
                    why = (
                        f"archive nested deeper than {self._budget.limits.depth} levels "
                        "(--max-archive-depth): not scanned"
                    )
                    self._skip(name, "incomplete", why)
                    return
                self._archive(opened, name, path=None, depth=depth + 1)
            elif opened.kind == "text" or compiled_source(name) is not None:
                if compiled_source(name) is not None:
                    opened.kind, opened.encoding = "text", "utf-8"  # as sources.py reads it
                self._on_text(opened, name)
                self._budget.scanned += 1
            else:
                self._budget.binary += 1

    def _skip(self, name: str, status: str, reason: str) -> None:
        self._budget.outcomes.append(FileOutcome(name, status, reason))


class _Slice(io.RawIOBase):
    """The first ``size`` bytes of ``raw`` (positioned at 0), forward only."""

    def __init__(self, raw: IO[bytes], size: int) -> None:
        self._raw = raw
        self._left = size

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from ``raw`` up to the slice's end."""
        view = memoryview(buffer).cast("B")
        data = self._raw.read(min(len(view), self._left))
        n = len(data)
        view[:n] = data
        self._left -= n
        return n


class _Replay(io.RawIOBase):
    """An opened text's head, then the rest of its stream (forward only)."""

    def __init__(self, opened: OpenedText) -> None:
        self._chunks = opened.chunks()
        self._left = b""

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the pending chunk, fetching the next when empty."""
        view = memoryview(buffer).cast("B")
        if not self._left:
            self._left = next(self._chunks, b"")
        n = min(len(view), len(self._left))
        view[:n] = self._left[:n]
        self._left = self._left[n:]
        return n
