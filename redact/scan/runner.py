"""Run a scan: read each input once, scan in parallel worker processes, collect results.

Workers are a ``ProcessPoolExecutor``; each builds its :class:`Redactor` once
(in the pool initializer — a Redactor is deliberately not picklable) and then
receives batches of files or of git patches. Small scans (one file, or less
than ``INPROCESS_BYTES`` in total) and ``--jobs 1`` run in the calling
process, because starting workers would cost more than it saves.
"""

from __future__ import annotations

import lzma
import multiprocessing
import os
import stat
import tarfile
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, cast

from redact._encoded import EncodedSecrets
from redact._matcher import available_backends
from redact.engine import Redactor
from redact.registry import KnownSecrets
from redact.scan import image
from redact.scan.archive import ARCHIVE_KINDS, ArchiveWalk
from redact.scan.git import AddedText, iter_added, iter_blobs
from redact.scan.model import FileOutcome, ScanFinding, ScanOptions
from redact.scan.sources import FileTask, OpenedText, compiled_source, open_text
from redact.scan.text import iter_segments, scan_text

__all__ = [
    "INPROCESS_BYTES",
    "ScanResult",
    "Scanner",
    "build_redactor",
    "default_jobs",
    "scan_added",
    "scan_chunks",
    "scan_file",
]

INPROCESS_BYTES = 4 << 20
_BATCH_BYTES = 8 << 20
_BATCH_FILES = 256
_READ_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError, tarfile.TarError)

Progress = Callable[[int, int], None]
"""``progress(done, total)`` in bytes (paths) or commits (git, total 0 = unknown)."""

_WORKER: dict[str, Any] = {}


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def build_redactor(options: ScanOptions) -> Redactor:
    """The Redactor a scan uses: the shipped packs named in ``options``.

    A scan registers no known values, only rule keywords, and reads large texts:
    there Hyperscan finds keyword positions ~4x faster than Aho-Corasick
    (docs/performance.md), so it is used when installed.
    """
    backend = "hyperscan" if "hyperscan" in available_backends() else "ahocorasick"
    # Secrets inside base64/hex/percent-encoded runs (a Kubernetes Secret's tls.key, a
    # .dockerconfigjson): decoded and scanned with the same packs, reported at the run.
    encoded = EncodedSecrets(Redactor.default(packs=options.packs))
    return Redactor.default(
        packs=options.packs, known=KnownSecrets(backend=backend), detectors=[encoded]
    )


@dataclass
class ScanResult:
    """Everything a scan produced."""

    findings: list[ScanFinding] = field(default_factory=list)
    outcomes: list[FileOutcome] = field(default_factory=list)
    bytes: int = 0
    commits: int = 0
    seconds: float = 0.0

    def merge(self, findings: Iterable[ScanFinding], outcomes: Iterable[FileOutcome]) -> None:
        """Add a worker's batch."""
        self.findings.extend(findings)
        for o in outcomes:
            self.outcomes.append(o)
            self.bytes += o.bytes


# -- work done inside a worker (or in-process) ----------------------------------------------


def scan_chunks(
    redactor: Redactor,
    options: ScanOptions,
    chunks: Iterable[bytes],
    *,
    encoding: str,
    path: str,
    out: list[ScanFinding],
    layer: str | None = None,
) -> None:
    """Scan a byte stream segment by segment, appending findings to ``out``."""
    for seg in iter_segments(chunks, encoding=encoding, block=options.block_size):
        out.extend(
            scan_text(
                redactor,
                seg.text,
                options,
                path=path,
                line=seg.line,
                column=seg.column,
                own_start=seg.own_start,
                own_end=seg.own_end,
                layer=layer,
            )
        )


def _identity(path: str) -> tuple[int, int, int, int] | None:
    """``(device, inode, size, mtime_ns)`` of a regular file (None: not one, or gone)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None  # a pipe or a device: no size to compare
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}"[:200]


def scan_file(
    redactor: Redactor, options: ScanOptions, task: FileTask
) -> tuple[list[ScanFinding], list[FileOutcome]]:
    """Scan one file (text, compressed, or a docker image); never raises for bad input."""
    out: list[ScanFinding] = []
    before = _identity(task.path)
    try:
        with open_text(task.path) as opened:
            note = ""
            if compiled_source(task.path) is not None:
                # A .pyc whose source is not scanned (discover() drops the others): its
                # string constants are stored as UTF-8 bytes, so it is read as bytes, never
                # skipped as binary nor decoded in a guessed code page.
                opened.kind, opened.encoding = "text", "utf-8"
                note = "compiled Python without its source: read as bytes"
            if opened.kind == "binary":
                return out, [FileOutcome(task.display, "binary", "binary content", task.size)]
            if opened.kind == "docker-image":
                outcomes = scan_image(redactor, options, task, out)
                return out, outcomes
            if opened.kind in ARCHIVE_KINDS:
                walk = _archive_walk(redactor, options, out)
                return out, walk.walk(opened, task.display, path=task.path, size=task.size)
            scan_chunks(
                redactor,
                options,
                opened.chunks(),
                encoding=opened.encoding,
                path=task.display,
                out=out,
            )
            if opened.compression:
                note = f"{opened.compression}-compressed"
        if before is not None and _identity(task.path) != before:
            # Rewritten, truncated or replaced while read: what was read may not be what the
            # file holds (a log rotated with copytruncate). Not a clean scan: re-scan it.
            why = "changed while being read (size, time or inode differ): scan it again"
            return out, [FileOutcome(task.display, "incomplete", why, task.size)]
        return out, [FileOutcome(task.display, "scanned", note, task.size)]
    except _READ_ERRORS as exc:
        return out, [FileOutcome(task.display, "unreadable", _reason(exc), task.size)]
    except Exception as exc:  # a detector failed: report, keep scanning other files
        # A detector's message may quote the text it choked on: mask it like any output.
        why = _reason(exc) if options.show_secrets else redactor.redact(_reason(exc))
        return out, [FileOutcome(task.display, "error", why, task.size)]


def _archive_walk(
    redactor: Redactor, options: ScanOptions, out: list[ScanFinding], layer: str | None = None
) -> ArchiveWalk:
    """An archive walk whose text members are scanned into ``out``."""

    def on_text(opened: OpenedText, shown: str) -> None:
        scan_chunks(
            redactor,
            options,
            opened.chunks(),
            encoding=opened.encoding,
            path=shown,
            out=out,
            layer=layer,
        )

    return ArchiveWalk(on_text, options.archive)


def scan_image(
    redactor: Redactor, options: ScanOptions, task: FileTask, out: list[ScanFinding]
) -> list[FileOutcome]:
    """Scan a ``docker save`` tarball layer by layer (and its config)."""
    outcomes: list[FileOutcome] = []
    parts = image.image_parts(task.path)
    layers = 0
    for part in parts:
        lid = image.layer_id(part.member)
        if part.kind == "config":
            data = image.read_config(task.path, part.member)
            scan_chunks(
                redactor,
                options,
                (data,),
                encoding="utf-8",
                path=f"{task.display}!/{part.member}",
                out=out,
                layer="config",
            )
            continue
        layers += 1
        try:
            for name, fh in image.iter_layer_files(task.path, part.member):
                shown = f"{task.display}!/{name}"
                try:
                    outcomes += _scan_member(redactor, options, fh, shown=shown, lid=lid, out=out)
                except _READ_ERRORS as exc:
                    outcomes.append(FileOutcome(shown, "unreadable", _reason(exc)))
        except _READ_ERRORS as exc:  # a corrupt layer: report it, scan the others
            shown = f"{task.display}!/{part.member}"
            outcomes.append(FileOutcome(shown, "unreadable", f"layer {lid}: {_reason(exc)}"))
    note = f"docker image, {layers} layer(s)"
    outcomes.append(FileOutcome(task.display, "scanned", note, task.size))
    return outcomes


def _scan_member(
    redactor: Redactor,
    options: ScanOptions,
    fh: IO[bytes],
    *,
    shown: str,
    lid: str,
    out: list[ScanFinding],
) -> list[FileOutcome]:
    """Scan one file of a layer; an archive in the image is opened too (its outcomes)."""
    with open_text(shown, fileobj=fh) as opened:
        if opened.kind in ARCHIVE_KINDS:
            outcomes = _archive_walk(redactor, options, out, lid).walk(opened, shown)
            return outcomes[1:]  # the image's own line counts the file
        if opened.kind == "text":
            scan_chunks(
                redactor,
                options,
                opened.chunks(),
                encoding=opened.encoding,
                path=shown,
                out=out,
                layer=lid,
            )
    return []


def scan_added(
    redactor: Redactor, options: ScanOptions, batch: Sequence[AddedText]
) -> list[ScanFinding]:
    """Scan the added lines of a batch of (commit, file) pairs."""
    out: list[ScanFinding] = []
    for added in batch:
        out.extend(
            scan_text(
                redactor,
                added.text,
                options,
                path=added.path,
                line_map=added.lines,
                commit=added.commit,
                author_date=added.author_date,
            )
        )
    return out


def _init_worker(options: ScanOptions) -> None:
    _WORKER["redactor"] = build_redactor(options)
    _WORKER["options"] = options


def _work_files(batch: list[FileTask]) -> tuple[list[ScanFinding], list[FileOutcome]]:
    redactor: Redactor = _WORKER["redactor"]
    options: ScanOptions = _WORKER["options"]
    findings: list[ScanFinding] = []
    outcomes: list[FileOutcome] = []
    for task in batch:
        f, o = scan_file(redactor, options, task)
        findings.extend(f)
        outcomes.extend(o)
    return findings, outcomes


def _work_added(batch: list[AddedText]) -> list[ScanFinding]:
    return scan_added(_WORKER["redactor"], _WORKER["options"], batch)


def _batches(tasks: Sequence[FileTask]) -> Iterator[list[FileTask]]:
    batch: list[FileTask] = []
    size = 0
    for t in tasks:
        if batch and (size + t.size > _BATCH_BYTES or len(batch) >= _BATCH_FILES):
            yield batch
            batch, size = [], 0
        batch.append(t)
        size += t.size
    if batch:
        yield batch


# -- orchestration ------------------------------------------------------------------------


class Scanner:
    """Scans paths, git history or a stream with one set of options."""

    def __init__(
        self,
        options: ScanOptions,
        *,
        jobs: int | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.options = options
        self.jobs = jobs if jobs and jobs > 0 else default_jobs()
        self.progress = progress
        self._redactor: Redactor | None = None

    @property
    def redactor(self) -> Redactor:
        """The in-process Redactor (built on first use)."""
        if self._redactor is None:
            self._redactor = build_redactor(self.options)
        return self._redactor

    def _pool(self) -> ProcessPoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        # fork is the cheapest start, but forking while another thread runs (the progress bar)
        # can copy a held lock into the child: use the fork server then.
        if "fork" in methods and threading.active_count() == 1:
            method = "fork"
        else:
            method = "forkserver" if "forkserver" in methods else "spawn"
        return ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=multiprocessing.get_context(method),
            initializer=_init_worker,
            initargs=(self.options,),
        )

    def scan_files(self, tasks: Sequence[FileTask]) -> ScanResult:
        """Scan regular files (already discovered and filtered)."""
        started = time.perf_counter()
        result = ScanResult()
        for task in [t for t in tasks if t.stream]:  # pipes and devices: read here, once
            try:
                with open(task.path, "rb") as fh:
                    part = self.scan_stream(fh, name=task.display)
                result.merge(part.findings, part.outcomes)
            except OSError as exc:
                result.merge([], [FileOutcome(task.display, "unreadable", _reason(exc))])
        tasks = [t for t in tasks if not t.stream]
        total = sum(t.size for t in tasks)
        done = 0
        if self.jobs == 1 or len(tasks) <= 1 or total < INPROCESS_BYTES:
            for task in tasks:
                f, o = scan_file(self.redactor, self.options, task)
                result.merge(f, o)
                done += task.size
                if self.progress:
                    self.progress(done, total)
        else:
            with self._pool() as pool:
                futures = [
                    (pool.submit(_work_files, b), sum(t.size for t in b))
                    for b in _batches(sorted(tasks, key=lambda t: -t.size))
                ]
                for fut, size in futures:
                    f, o = fut.result()
                    result.merge(f, o)
                    done += size
                    if self.progress:
                        self.progress(done, total)
        result.seconds = time.perf_counter() - started
        return result

    def scan_stream(self, stream: IO[bytes], *, name: str = "<stdin>") -> ScanResult:
        """Scan a byte stream (stdin) in this process, streamed."""
        started = time.perf_counter()
        result = ScanResult()
        counting = _Counting(stream)
        out: list[ScanFinding] = []
        try:
            with open_text(name, fileobj=cast(IO[bytes], counting)) as opened:
                if opened.kind == "binary":
                    outcome = FileOutcome(name, "binary", "binary content")
                elif opened.kind in ARCHIVE_KINDS:
                    walk = _archive_walk(self.redactor, self.options, out)
                    outcome, *members = walk.walk(opened, name)
                    result.merge([], members)
                else:
                    scan_chunks(
                        self.redactor,
                        self.options,
                        opened.chunks(),
                        encoding=opened.encoding,
                        path=name,
                        out=out,
                    )
                    outcome = FileOutcome(name, "scanned", opened.compression)
        except _READ_ERRORS as exc:
            outcome = FileOutcome(name, "unreadable", _reason(exc))
        size = counting.count
        result.merge(out, [FileOutcome(outcome.path, outcome.status, outcome.reason, size)])
        result.seconds = time.perf_counter() - started
        return result

    def scan_git(
        self, repo: Path, *, since: str | None = None, log_opts: Sequence[str] = ()
    ) -> ScanResult:
        """Scan every added line of every commit on every ref (or after ``since``).

        ``log_opts`` (from :func:`redact.scan.git.parse_log_opts`) replace ``--all``.
        """
        started = time.perf_counter()
        result = ScanResult()
        stats: dict[str, int] = {}
        size = 0
        # Start in-process; hand batches to worker processes only once the history proves
        # big enough to pay for starting them (small repositories finish before that).
        pool: ProcessPoolExecutor | None = None
        pending: list[Future[list[ScanFinding]]] = []
        batch: list[AddedText] = []
        batch_size = 0
        binary: dict[str, AddedText] = {}  # blob id -> where it was added first
        try:
            for added in iter_added(repo, since=since, stats=stats, log_opts=log_opts):
                if added.blob:
                    binary.setdefault(added.blob, added)
                    continue
                size += added.size
                if pool is None:
                    result.findings.extend(scan_added(self.redactor, self.options, [added]))
                    if self.jobs > 1 and size >= INPROCESS_BYTES:
                        pool = self._pool()
                else:
                    batch.append(added)
                    batch_size += added.size
                    if batch_size >= (1 << 20) or len(batch) >= 512:
                        pending.append(pool.submit(_work_added, batch))
                        batch, batch_size = [], 0
                        pending = self._drain(pending, result, limit=self.jobs * 4)
                if self.progress:
                    self.progress(stats.get("commits", 0), 0)
            if batch and pool is not None:
                pending.append(pool.submit(_work_added, batch))
            size += self._scan_blobs(repo, binary, result)
            self._drain(pending, result, limit=0)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        result.commits = stats.get("commits", 0)
        result.bytes = size
        result.outcomes.append(
            FileOutcome(str(repo), "scanned", f"git history, {result.commits} commit(s)", size)
        )
        result.seconds = time.perf_counter() - started
        return result

    def _scan_blobs(self, repo: Path, binary: dict[str, AddedText], result: ScanResult) -> int:
        """Scan the files git showed as binary, whole, as a working tree's file is scanned.

        Findings carry the commit that added the blob first (newest first, as ``git log``
        lists); a blob that is binary content is reported as skipped, one git does not have
        as unreadable. Returns the bytes read.
        """
        read = 0
        for sha, stream in iter_blobs(repo, binary):
            added = binary[sha]
            shown = f"{added.path}@{added.commit[:12]}"
            if stream is None:
                why = f"blob {sha[:12]} is not in this repository (shallow or partial clone?)"
                result.merge([], [FileOutcome(shown, "unreadable", why)])
                continue
            part = self.scan_stream(stream, name=added.path)
            found = [
                replace(f, commit=added.commit, author_date=added.author_date)
                for f in part.findings
            ]
            outcomes = [  # an archive's members keep their part after the blob's path
                FileOutcome(
                    shown + o.path[len(added.path) :] if o.path.startswith(added.path) else shown,
                    o.status,
                    o.reason or "git blob",
                    o.bytes,
                )
                for o in part.outcomes
            ]
            read += sum(o.bytes for o in part.outcomes)
            result.findings.extend(found)
            result.outcomes.extend(outcomes)
        return read

    @staticmethod
    def _drain(
        pending: list[Future[list[ScanFinding]]], result: ScanResult, *, limit: int
    ) -> list[Future[list[ScanFinding]]]:
        while len(pending) > limit:
            result.findings.extend(pending.pop(0).result())
        return pending


class _Counting:
    """A forward-only view of a stream that counts the bytes read."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        """Read from the wrapped stream."""
        data = self._stream.read(n)
        self.count += len(data)
        return data
