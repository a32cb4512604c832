"""``redact scan`` on a Dask cluster: the same findings as a local scan, computed by its workers.

The client plans the work and Dask runs it (no scheduler or RPC of ours):

- files in **size-balanced batches** (each about ``batch_bytes``);
- a plain UTF-8 file larger than ``range_bytes`` in **byte ranges** cut at line
  starts; each range reads a few lines before it (for ``redact:allow`` on the
  line above) and :data:`~redact.scan.text.OVERLAP` characters after it, and
  owns only the findings that start on its own lines — so a secret across a
  range boundary is found once, whole. Line numbers are fixed up on the client
  from each range's newline count;
- git history in **commit ranges per repository**: one task lists a
  repository's commits (``git rev-list``), then ranges of ``commits_per_task``
  commits are scanned with ``git log --no-walk`` and the scanner's own parser.

Paths must be readable at the same location on the client (which discovers
files, honouring ``.gitignore`` and excludes) and on the workers. Tasks are
retried by Dask when a worker is lost (``retries``); a task that still fails
becomes an ``error`` outcome naming the input, so the report (and exit code)
says what was not scanned. Workers build their Redactor once per process from
a :class:`ScanRecipe`: the scan options, and for a non-default fingerprint key
only its key check — the key itself reaches a worker through its own
``REDACT_FINGERPRINT_KEY``, never through the task graph.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from redact._optional import extra
from redact.engine import Redactor
from redact.exceptions import ConfigError
from redact.installation import installation_key
from redact.scan.baseline import key_check
from redact.scan.git import iter_added
from redact.scan.model import FileOutcome, ScanFinding, ScanOptions
from redact.scan.runner import ScanResult, build_redactor, scan_added, scan_chunks, scan_file
from redact.scan.sources import FileTask, open_text
from redact.scan.text import OVERLAP

__all__ = [
    "ScanPlan",
    "ScanRecipe",
    "plan_files",
    "read_repo_list",
    "scan_on_dask",
    "scan_on_scheduler",
]

#: Bytes of files per batch task, and the size above which a text file is cut in ranges.
BATCH_BYTES = 16 << 20
RANGE_BYTES = 64 << 20
COMMITS_PER_TASK = 500
#: Bytes read before a range for the line above its first line (``redact:allow``).
_BACK = 4096

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ScanRecipe:
    """What a worker needs to scan like the client: the options, minus the fingerprint key.

    The key is a secret: the options travel with an empty key and ``key_check``
    (the baseline's HMAC of a fixed text, which does not reveal the key). A
    worker uses its own key — ``REDACT_FINGERPRINT_KEY``, ``..._KEY_FILE`` or its
    installation's key file — and refuses to scan when the check differs.
    """

    options: ScanOptions
    key_check: str

    @classmethod
    def from_options(cls, options: ScanOptions) -> ScanRecipe:
        """The recipe for ``options``: the key replaced by its check."""
        shipped = dataclasses.replace(options, fingerprint_key=b"")
        return cls(shipped, key_check(options.fingerprint_key))

    def resolve(self) -> tuple[Redactor, ScanOptions]:
        """This process's Redactor and options (built once per process per recipe)."""
        ident = pickle.dumps(self)  # ScanOptions.extra is a dict: not hashable
        cached = _WORKER.get(ident)
        if cached is not None:
            return cached
        with _LOCK:
            cached = _WORKER.get(ident)
            if cached is None:
                options = self._options()
                cached = _WORKER[ident] = (build_redactor(options), options)
        return cached

    def _options(self) -> ScanOptions:
        key = installation_key(create=False)
        if key_check(key) != self.key_check:
            msg = (
                "the fingerprint key on this worker (REDACT_FINGERPRINT_KEY, "
                "REDACT_FINGERPRINT_KEY_FILE or the installation key file) is not the client's"
            )
            raise ConfigError(msg)
        return dataclasses.replace(self.options, fingerprint_key=key)


_WORKER: dict[bytes, tuple[Redactor, ScanOptions]] = {}
_LOCK = threading.Lock()


# -- planning -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanPlan:
    """Files split into batches (lists of tasks) and byte ranges ``(task, start, end)``."""

    batches: list[list[FileTask]]
    ranges: list[tuple[FileTask, int, int]]


def _splittable(task: FileTask) -> bool:
    """Plain UTF-8 text: no compression, no BOM-declared UTF-16/32, not binary."""
    try:
        with open_text(task.path) as opened:
            return opened.kind == "text" and not opened.compression and opened.encoding == "utf-8"
    except (OSError, ValueError):
        return False  # scanned whole: the batch task reports why it is unreadable


def plan_files(
    tasks: Sequence[FileTask], *, batch_bytes: int = BATCH_BYTES, range_bytes: int = RANGE_BYTES
) -> ScanPlan:
    """Balanced batches of about ``batch_bytes`` (largest first) and ranges of big text files."""
    ranges: list[tuple[FileTask, int, int]] = []
    rest: list[FileTask] = []
    for t in tasks:
        if t.size > range_bytes and _splittable(t):
            ranges += [(t, s, min(t.size, s + range_bytes)) for s in range(0, t.size, range_bytes)]
        else:
            rest.append(t)
    rest.sort(key=lambda t: -t.size)
    total = sum(t.size for t in rest)
    n = max(1, -(-total // batch_bytes)) if rest else 0
    bins: list[list[FileTask]] = [[] for _ in range(min(n, len(rest)))]
    loads = [0] * len(bins)
    for t in rest:  # largest first into the lightest bin: sizes within one file of each other
        i = loads.index(min(loads))
        bins[i].append(t)
        loads[i] += t.size
    return ScanPlan([b for b in bins if b], ranges)


# -- work done on a worker ----------------------------------------------------------------


def _scan_batch(
    recipe: ScanRecipe, batch: list[FileTask]
) -> tuple[list[ScanFinding], list[FileOutcome]]:
    redactor, options = recipe.resolve()
    findings: list[ScanFinding] = []
    outcomes: list[FileOutcome] = []
    for task in batch:
        f, o = scan_file(redactor, options, task)
        findings.extend(f)
        outcomes.extend(o)
    return findings, outcomes


def _line_start_at(fh: IO[bytes], pos: int, size: int) -> int:
    """The first line start at or after ``pos`` (``size`` at end of file)."""
    if pos <= 0:
        return 0
    fh.seek(pos - 1)
    at = pos - 1
    while at < size:
        block = fh.read(1 << 16)
        if not block:
            break
        i = block.find(b"\n")
        if i >= 0:
            return at + i + 1
        at += len(block)
    return size


def _scan_range(
    recipe: ScanRecipe, task: FileTask, start: int, end: int
) -> tuple[list[ScanFinding], int]:
    """Findings on the lines that start in ``[start, end)`` (lines relative), and their newlines."""
    redactor, options = recipe.resolve()
    with open(task.path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        own_start = _line_start_at(fh, start, size)
        own_end = _line_start_at(fh, end, size) if end < size else size
        if own_start >= own_end:
            return [], 0  # a line longer than the range: the range it starts in owns it
        back = max(0, own_start - _BACK)
        fh.seek(back)
        data = fh.read(own_end - back + 4 * OVERLAP)
    ctx = own_start - back
    if back > 0:
        cut = data.find(b"\n", 0, ctx)
        if cut >= 0:
            data, ctx = data[cut + 1 :], ctx - cut - 1
    before = data.count(b"\n", 0, ctx)
    owned = data[ctx : ctx + own_end - own_start]
    newlines = owned.count(b"\n")
    lines = newlines + (1 if owned and not owned.endswith(b"\n") else 0)
    out: list[ScanFinding] = []
    scan_chunks(redactor, options, (data,), encoding="utf-8", path=task.display, out=out)
    kept = [
        dataclasses.replace(f, line=f.line - before, end_line=f.end_line - before)
        for f in out
        if 0 <= f.line - 1 - before < lines
    ]
    return kept, newlines


def _list_commits(repo: str, since: str | None, log_opts: tuple[str, ...]) -> list[str]:
    revs = list(log_opts) if log_opts else ["--all"]
    paths: list[str] = []
    if "--" in revs:
        cut = revs.index("--")
        revs, paths = revs[:cut], revs[cut:]
    if since:
        revs.append(f"^{since}")
    proc = subprocess.run(
        ["git", "-C", repo, "rev-list", *revs, *paths],
        capture_output=True,
        check=False,
        timeout=600,
    )
    if proc.returncode != 0:
        why = proc.stderr.decode("utf-8", "replace").strip()[:300]
        msg = f"git rev-list failed in {repo!r}: {why}"
        raise ConfigError(msg)
    return proc.stdout.decode("ascii").split()


def _scan_commits(
    recipe: ScanRecipe, repo: str, commits: list[str], paths: tuple[str, ...]
) -> tuple[list[ScanFinding], int]:
    redactor, options = recipe.resolve()
    out: list[ScanFinding] = []
    size = 0
    opts = ("--no-walk=unsorted", *commits, *paths)
    for added in iter_added(Path(repo), log_opts=opts):
        size += added.size
        out.extend(scan_added(redactor, options, [added]))
    return out, size


# -- orchestration on the client ----------------------------------------------------------


def _reason(exc: BaseException, redactor: Redactor) -> str:
    # A task's error may quote text it choked on: mask it like any other output.
    return redactor.redact(f"{type(exc).__name__}: {exc}"[:300])


def scan_on_dask(
    client: Any,
    options: ScanOptions,
    *,
    files: Sequence[FileTask] = (),
    repos: Sequence[str | os.PathLike[str]] = (),
    since: str | None = None,
    log_opts: Sequence[str] = (),
    progress: Progress | None = None,
    batch_bytes: int = BATCH_BYTES,
    range_bytes: int = RANGE_BYTES,
    commits_per_task: int = COMMITS_PER_TASK,
    retries: int = 2,
) -> ScanResult:
    """Scan ``files`` (from :func:`redact.scan.discover`) and git ``repos`` on a Dask cluster.

    ``client`` is a ``distributed.Client``. Returns the same :class:`ScanResult`
    as :class:`~redact.scan.Scanner` (findings unsorted; sort them as the CLI
    does); ``progress(done, total)`` is called as each task completes, in bytes
    (``total`` 0: git commits, no known end). Raises
    :class:`~redact.exceptions.ConfigError` when a worker cannot get the key.
    """
    with extra("dask", feature="redact scan --scheduler"):
        import distributed
    dist: Any = distributed
    started = time.perf_counter()
    recipe = ScanRecipe.from_options(options)
    local = build_redactor(options)
    result = ScanResult()
    # Workers run elsewhere (another cwd, another host): send absolute paths.
    files = [dataclasses.replace(t, path=os.path.abspath(t.path)) for t in files]
    repos = [os.path.abspath(r) for r in repos]
    plan = plan_files(files, batch_bytes=batch_bytes, range_bytes=range_bytes)
    meta: dict[Any, tuple[str, Any]] = {}
    for batch in plan.batches:
        fut = client.submit(_scan_batch, recipe, batch, retries=retries, pure=False)
        meta[fut] = ("batch", batch)
    for task, start, end in plan.ranges:
        fut = client.submit(_scan_range, recipe, task, start, end, retries=retries, pure=False)
        meta[fut] = ("range", (task, start))
    paths = tuple(log_opts[list(log_opts).index("--") :]) if "--" in log_opts else ()
    for repo in repos:
        fut = client.submit(
            _list_commits, os.fspath(repo), since, tuple(log_opts), retries=retries, pure=False
        )
        meta[fut] = ("list", os.fspath(repo))
    ranges: dict[str, dict[int, tuple[list[ScanFinding], int]]] = {}
    failed: dict[str, str] = {}
    repo_stats: dict[str, list[int]] = {}  # repo -> [commits, bytes, pending tasks]
    total = sum(t.size for t in files)
    done = commits_done = 0
    pending: Any = dist.as_completed(list(meta), loop=client.loop)  # not the default client
    for fut in pending:
        kind, what = meta.pop(fut)
        if kind == "batch":
            done += sum(t.size for t in what)
        elif kind == "range":
            done += min(range_bytes, what[0].size - what[1])
        elif kind == "commits":
            commits_done += what[1]
        try:
            value = fut.result()
        except ConfigError:
            raise  # a worker without the key, a bad revision: the scan cannot be right
        except Exception as exc:
            why = _reason(exc, local)
            if kind == "batch":
                result.outcomes += [FileOutcome(t.display, "error", why, t.size) for t in what]
            elif kind == "range":
                failed[what[0].display] = why
            else:
                failed[what if kind == "list" else what[0]] = why
        else:
            if kind == "batch":
                result.merge(*value)
            elif kind == "range":
                ranges.setdefault(what[0].display, {})[what[1]] = value
            elif kind == "list":
                commits: list[str] = value
                repo_stats[what] = [len(commits), 0, 0]
                for i in range(0, len(commits), commits_per_task):
                    part = commits[i : i + commits_per_task]
                    sub = client.submit(
                        _scan_commits, recipe, what, part, paths, retries=retries, pure=False
                    )
                    meta[sub] = ("commits", (what, len(part)))
                    repo_stats[what][2] += 1
                    pending.add(sub)
            else:
                found, size = value
                result.findings.extend(found)
                repo_stats[what[0]][1] += size
        if progress:
            progress(*((done, total) if total else (commits_done, 0)))
    _merge_ranges(result, plan.ranges, ranges, failed)
    for repo in repos:
        name = os.fspath(repo)
        commits_n, size, _ = repo_stats.get(name, [0, 0, 0])
        result.commits += commits_n
        result.bytes += size
        if name in failed:
            result.outcomes.append(FileOutcome(name, "error", failed[name], size))
        else:
            note = f"git history, {commits_n} commit(s)"
            result.outcomes.append(FileOutcome(name, "scanned", note, size))
    result.seconds = time.perf_counter() - started
    return result


def _merge_ranges(
    result: ScanResult,
    planned: Iterable[tuple[FileTask, int, int]],
    done: dict[str, dict[int, tuple[list[ScanFinding], int]]],
    failed: dict[str, str],
) -> None:
    """Turn each range's relative lines into the file's lines (prefix sums of newlines)."""
    files: dict[str, FileTask] = {}
    for task, _, _ in planned:
        files[task.display] = task
    for shown, task in files.items():
        if shown in failed:
            result.outcomes.append(FileOutcome(shown, "error", failed[shown], task.size))
            continue
        offset = 0
        for start in sorted(done[shown]):
            found, newlines = done[shown][start]
            result.findings += [
                dataclasses.replace(f, line=f.line + offset, end_line=f.end_line + offset)
                for f in found
            ]
            offset += newlines
        result.merge((), [FileOutcome(shown, "scanned", "", task.size)])


def scan_on_scheduler(
    address: str,
    options: ScanOptions,
    *,
    files: Sequence[FileTask] = (),
    repos: Sequence[str | os.PathLike[str]] = (),
    since: str | None = None,
    log_opts: Sequence[str] = (),
    progress: Progress | None = None,
) -> ScanResult:
    """:func:`scan_on_dask` through a client connected to ``address`` (``tcp://HOST:PORT``)."""
    with extra("dask", feature="redact scan --scheduler"):
        import distributed
    dist: Any = distributed
    _reachable(address)
    try:
        client = dist.Client(address, timeout=10)
    except (OSError, TimeoutError) as exc:
        msg = f"--scheduler {address!r}: cannot connect ({type(exc).__name__}: {exc})"
        raise ConfigError(msg) from None
    with client:
        return scan_on_dask(
            client,
            options,
            files=files,
            repos=repos,
            since=since,
            log_opts=log_opts,
            progress=progress,
        )


def _reachable(address: str) -> None:
    """Fail fast, naming the address, when nothing listens at a ``tcp://HOST:PORT``."""
    if not address.startswith("tcp://"):
        return  # tls://, ucx://, ...: left to distributed
    host, _, port = address[len("tcp://") :].rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=5):
            return
    except ValueError:
        msg = f"--scheduler {address!r}: expected tcp://HOST:PORT"
    except OSError as exc:
        msg = f"--scheduler {address!r}: cannot connect ({exc.strerror or exc})"
    raise ConfigError(msg)


def read_repo_list(path: str) -> list[str]:
    """Repository paths from ``path``: one per line; blank lines and ``#`` comments skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"--repos-from {path!r}: cannot read ({exc})"
        raise ConfigError(msg) from None
    repos = [ln.strip() for ln in text.splitlines()]
    repos = [r for r in repos if r and not r.startswith("#")]
    for r in repos:
        if not os.path.isdir(r):
            msg = f"--repos-from {path!r}: {r!r} is not a directory"
            raise ConfigError(msg)
    if not repos:
        msg = f"--repos-from {path!r} lists no repository"
        raise ConfigError(msg)
    return repos
