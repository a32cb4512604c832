"""Git history: every line ever added, on every branch, with its commit and author date.

One ``git log -p -U0 --all`` process streams the patches; we keep only the
``+`` lines of each file (their new line numbers come from the ``@@`` hunk
headers), so a secret that was committed and later deleted is still found in
the commit that added it.

Merge commits: ``git log -p`` shows them without a patch by default, so a line
written while resolving a conflict (or edited into a merge, an "evil merge")
would be in no commit's patch at all. With git 2.36 or later each merge is shown
as ``--diff-merges=remerge``: the diff between git's own re-merge of the parents
and the commit, i.e. exactly the lines the person merging wrote. Older git gets
``-m`` (the merge against each parent): nothing is missed, and lines that came
from the merged branch are reported once more, at the merge commit.

Commit messages are text a commit added too: a token pasted into one is reported
at :data:`MESSAGE_PATH`, with the message's line number.

Files git calls binary (``Binary files … differ``: a NUL byte in a log, a gzip, an
archive, UTF-16 text) have no lines in a patch: their new blob is read whole with
``git cat-file --batch`` (:func:`iter_blobs`) and given to the same sniffing as a file
in a working tree, which scans text in any encoding and skips only real binaries.
"""

from __future__ import annotations

import codecs
import functools
import io
import os
import re
import shlex
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from redact.exceptions import ConfigError

__all__ = [
    "MESSAGE_PATH",
    "AddedText",
    "iter_added",
    "iter_blobs",
    "log_command",
    "resolve_repo",
]

#: The ``path`` of a commit message's findings (a message is text a commit added too).
MESSAGE_PATH = "<commit message>"

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_INDEX = re.compile(rb"^index [0-9a-f]+\.\.([0-9a-f]+)")
_BINARY = re.compile(rb"^Binary files (?:.+) and (.+) differ$")
_FLUSH_BYTES = 4 << 20


@dataclass(slots=True)
class AddedText:
    """The lines one commit added to one file (joined by ``\\n``) and their line numbers.

    For a file git calls binary there are no lines: ``blob`` is the id of its new content,
    to be read whole (:func:`iter_blobs`).
    """

    commit: str
    author_date: str
    path: str
    lines: list[int] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0
    blob: str = ""

    @property
    def text(self) -> str:
        """The added lines as text (undecodable bytes kept as surrogate escapes)."""
        return b"\n".join(self.chunks).decode("utf-8", "surrogateescape")


def resolve_repo(path: str) -> Path:
    """The top of the git work tree (or bare repository) at ``path``; ConfigError if none."""
    try:
        proc = subprocess.run(
            ["git", "-C", path, "rev-parse", "--show-toplevel", "--git-dir"],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except OSError as exc:
        msg = f"cannot run git: {exc}"
        raise ConfigError(msg) from exc
    if proc.returncode != 0:
        msg = f"{path!r} is not inside a git repository"
        raise ConfigError(msg)
    first = os.fsdecode(proc.stdout.splitlines()[0]) if proc.stdout.strip() else path
    return Path(first)


#: git-log options ``--log-opts`` may pass: they choose commits, never the output format
#: (which the parser depends on). ``=VALUE`` forms are matched on the part before ``=``.
LOG_OPTS_ALLOWED = frozenset(
    {
        "--all",
        "--branches",
        "--tags",
        "--remotes",
        "--glob",
        "--exclude",
        "--since",
        "--after",
        "--until",
        "--before",
        "--author",
        "--committer",
        "--grep",
        "--max-count",
        "-n",
        "--skip",
        "--first-parent",
        "--no-merges",
        "--merges",
        "--full-history",
        "--ancestry-path",
        "--not",
        "--since-as-filter",
    }
)


def parse_log_opts(text: str) -> tuple[str, ...]:
    """Split ``--log-opts`` (gitleaks) into git-log arguments; ConfigError names a refused one.

    Revisions and ranges (``main..HEAD``, ``v1.0``), ``--`` followed by paths, and
    the commit-limiting options in :data:`LOG_OPTS_ALLOWED` are accepted.
    """
    try:
        args = shlex.split(text)
    except ValueError as exc:
        msg = f"--log-opts {text!r}: {exc}"
        raise ConfigError(msg) from None
    for arg in args:
        if arg == "--":
            break  # the rest are paths
        if not arg.startswith("-"):
            continue  # a revision or range
        name = arg.partition("=")[0]
        if name in LOG_OPTS_ALLOWED or (arg.startswith("-n") and arg[2:].isdigit()):
            continue
        msg = (
            f"--log-opts: git log option {name!r} is not allowed (it would change the output "
            "redact parses); allowed: revisions, '-- PATHS' and "
            + ", ".join(sorted(LOG_OPTS_ALLOWED))
        )
        raise ConfigError(msg)
    return tuple(args)


#: The first git release whose ``git log`` has ``--diff-merges=remerge``.
REMERGE_SINCE = (2, 36)


@functools.cache
def git_version() -> tuple[int, int]:
    """``(major, minor)`` of the ``git`` on PATH; ``(0, 0)`` when it cannot be read."""
    try:
        out = subprocess.run(
            ["git", "version"], capture_output=True, check=False, timeout=60
        ).stdout.decode("ascii", "replace")
    except OSError:
        return (0, 0)
    m = re.search(r"(\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def merge_diff_option(version: tuple[int, int] | None = None) -> str:
    """How merge commits are shown: ``--diff-merges=remerge``, or ``-m`` on older git."""
    return "--diff-merges=remerge" if (version or git_version()) >= REMERGE_SINCE else "-m"


def log_command(repo: Path, *, since: str | None = None, log_opts: Sequence[str] = ()) -> list[str]:
    """The ``git log`` invocation: all refs (or ``log_opts``), added lines only, no colour.

    Merge commits are shown as :func:`merge_diff_option` says (see the module's docstring).
    """
    cmd = [
        "git",
        "-C",
        str(repo),
        "-c",
        "core.quotepath=off",
        "log",
        "-p",
        "-U0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--full-index",
        merge_diff_option(),
        "--format=%x01%H %aI%n%B%x02",
    ]
    paths: list[str] = []
    if log_opts:
        opts = list(log_opts)
        if "--" in opts:
            cut = opts.index("--")
            opts, paths = opts[:cut], opts[cut:]
        cmd.extend(opts)
    else:
        cmd.append("--all")
    if since:
        cmd.append(f"^{since}")
    return cmd + paths


def _verify(repo: Path, rev: str) -> None:
    proc = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
        capture_output=True,
        check=False,
        timeout=60,
    )
    if proc.returncode != 0:
        msg = f"--since {rev!r} does not name a commit in {str(repo)!r}"
        raise ConfigError(msg)


def _path(raw: bytes) -> str:
    raw = raw.rstrip(b"\n")
    if raw.endswith(b"\t"):  # git appends a TAB to unquoted names that contain a space
        raw = raw[:-1]
    if raw.startswith(b'"') and raw.endswith(b'"'):
        raw = codecs.escape_decode(raw[1:-1])[0]
    if raw.startswith(b"b/"):
        raw = raw[2:]
    return raw.decode("utf-8", "surrogateescape")


def iter_added(
    repo: Path,
    *,
    since: str | None = None,
    stats: dict[str, int] | None = None,
    log_opts: Sequence[str] = (),
) -> Iterator[AddedText]:
    """Yield the added lines of every (commit, file); ``stats["commits"]`` counts commits."""
    counts = stats if stats is not None else {}
    counts.setdefault("commits", 0)
    if since:
        _verify(repo, since)
    proc = subprocess.Popen(
        log_command(repo, since=since, log_opts=log_opts),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    if proc.stdout is None:  # pragma: no cover - Popen(stdout=PIPE) always sets it
        msg = "git log produced no output stream"
        raise ConfigError(msg)
    commit, date = "", ""
    current: AddedText | None = None
    next_line = 0
    in_hunk = False
    # ``-m`` (older git) shows a merge once per parent: the lines an earlier parent's
    # diff already gave for this commit are not given again.
    given: list[AddedText] = []
    seen: set[tuple[str, int]] | None = None
    blob = ""
    message: AddedText | None = None  # between the header and its \x02: the message
    try:
        for line in proc.stdout:
            first = line[:1]
            if message is not None:
                if first == b"\x02":
                    if message.chunks and seen is None:
                        yield message
                    message = None
                else:
                    body = line[:-1] if line.endswith(b"\n") else line
                    message.lines.append(len(message.lines) + 1)
                    message.chunks.append(body)
                    message.size += len(body) + 1
                continue
            if first == b"+" and in_hunk:
                if current is not None and (seen is None or (current.path, next_line) not in seen):
                    body = line[1:-1] if line.endswith(b"\n") else line[1:]
                    current.chunks.append(body)
                    current.lines.append(next_line)
                    current.size += len(body) + 1
                    if current.size >= _FLUSH_BYTES:
                        yield current
                        given.append(current)
                        current = AddedText(commit, date, current.path)
                next_line += 1
            elif first == b"-" and in_hunk:
                continue
            elif first == b"@":
                m = _HUNK.match(line)
                if m:
                    in_hunk = True
                    next_line = int(m.group(1))
            elif first == b"\x01":
                if current is not None and current.chunks:
                    yield current
                    given.append(current)
                current = None
                in_hunk = False
                head = line[1:].decode("ascii", "replace").split()
                if head and head[0] == commit:  # the same merge against its next parent
                    seen = {(a.path, n) for a in given for n in a.lines}
                else:
                    counts["commits"] += 1
                    given, seen = [], None
                    commit, date = head[0], head[1] if len(head) > 1 else ""
                message = AddedText(commit, date, MESSAGE_PATH)
            elif line.startswith(b"diff --git "):
                if current is not None and current.chunks:
                    yield current
                    given.append(current)
                current = None
                in_hunk = False
                blob = ""
            elif not in_hunk and line.startswith(b"index "):
                m = _INDEX.match(line)
                blob = m.group(1).decode("ascii") if m else ""
            elif not in_hunk and line.startswith(b"Binary files "):
                m = _BINARY.match(line.rstrip(b"\n"))
                if m and blob.strip("0") and not m.group(1).startswith(b"/dev/null"):
                    yield AddedText(commit, date, _path(m.group(1)), blob=blob)
            elif line.startswith(b"+++ ") and not in_hunk:
                target = line[4:]
                current = (
                    None
                    if target.startswith(b"/dev/null")
                    else AddedText(commit, date, _path(target))
                )
        if current is not None and current.chunks:
            yield current
    finally:
        proc.stdout.close()
        stderr = proc.stderr.read() if proc.stderr else b""
        if proc.stderr:
            proc.stderr.close()
        code = proc.wait()
    if code != 0:
        msg = f"git log failed in {str(repo)!r}: {stderr.decode('utf-8', 'replace').strip()}"
        raise ConfigError(msg)


class _Blob(io.RawIOBase):
    """The next ``size`` bytes of ``cat-file --batch``'s output, read forwards."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self._stream = stream
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self.left)
        if want <= 0:
            return 0
        data = self._stream.read(want)
        if not data:
            msg = "git cat-file ended inside a blob"
            raise OSError(msg)
        n = len(data)
        buffer[:n] = data
        self.left -= n
        return n


def iter_blobs(repo: Path, blobs: Iterable[str]) -> Iterator[tuple[str, IO[bytes] | None]]:
    """``(blob id, its content)`` for each id, read by one ``git cat-file --batch``.

    The content is a forward-only stream, valid until the next item; ``None`` for an
    object the repository does not have (a shallow or partial clone). The caller reads
    what it needs; the rest is skipped here.
    """
    proc = subprocess.Popen(
        ["git", "-C", str(repo), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    if proc.stdin is None or proc.stdout is None:  # pragma: no cover - PIPE always sets them
        msg = "git cat-file produced no streams"
        raise ConfigError(msg)
    try:
        for sha in blobs:
            proc.stdin.write(sha.encode("ascii") + b"\n")
            proc.stdin.flush()
            head = proc.stdout.readline().split()
            if len(head) != 3 or head[1] != b"blob":
                yield sha, None  # "<sha> missing" (or not a blob)
                continue
            body = _Blob(proc.stdout, int(head[2]))
            yield sha, cast(IO[bytes], io.BufferedReader(body, 1 << 16))
            while body.left:  # what the caller did not read
                body.readinto(bytearray(min(body.left, 1 << 16)))
            proc.stdout.read(1)  # the newline after the content
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.wait()
