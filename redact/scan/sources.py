"""What to scan: walk paths, honour ``.gitignore`` and ``[tool.redact]`` excludes, open files.

Inside a git work tree the ignore decision is git's own (``git check-ignore
--stdin``, one call per directory level, so ignored directories are pruned
without being walked); outside one a small matcher implements the
``.gitignore`` pattern language. Symlinked directories are followed once
(loops are detected by device and inode); dangling links, FIFOs, sockets and
unreadable files are reported and skipped, never fatal. Compressed files
(gzip, bzip2, xz) are read through their decompressor; zip-family and tar archives
are recognised by their magic bytes (their members are scanned by
:mod:`redact.scan.archive`); :func:`redact.scan.text.sniff` decides from the first
8 KiB whether content is text (and in which encoding) or a real binary, which is
skipped and reported. FIFOs, character devices
(``/dev/stdin``) and stdin named on the command line are read as streams; met
while walking a directory, they are reported and skipped (reading one could block).
"""

from __future__ import annotations

import bz2
import difflib
import gzip
import io
import lzma
import os
import stat
import subprocess
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import pathspec

from redact.exceptions import ConfigError
from redact.scan.model import FileOutcome
from redact.scan.text import sniff

__all__ = [
    "HEAD_BYTES",
    "FileTask",
    "IgnoreRules",
    "OpenedText",
    "ScanConfig",
    "compiled_source",
    "discover",
    "display_path",
    "is_docker_image",
    "load_config",
    "open_text",
]

HEAD_BYTES = 8192
CHUNK = 1 << 20
BUFFER = 1 << 16
_COMPRESSED = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
#: A zip file's first bytes: a local file header, or the end record of an empty archive.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


# -- configuration ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanConfig:
    """``[tool.redact]`` settings the scanner reads (other keys belong to other commands)."""

    exclude: tuple[str, ...] = ()
    base: Path = field(default_factory=Path.cwd)
    source: str = ""


def load_config(explicit: str | None = None, *, start: Path | None = None) -> ScanConfig:
    """Read ``redact.toml`` or ``pyproject.toml`` ``[tool.redact]``; ``explicit`` must exist."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            msg = f"config file {explicit!r} does not exist"
            raise ConfigError(msg)
        return _parse_config(path)
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        for name in ("redact.toml", "pyproject.toml"):
            candidate = directory / name
            if candidate.is_file():
                config = _parse_config(candidate)
                if name == "redact.toml" or config.source:
                    return config
        if (directory / ".git").exists():
            break
    return ScanConfig(base=here)


#: Every key ``redact.toml`` / ``[tool.redact]`` may hold, with what it is. Any other key is
#: a ConfigError naming the key and the file (a typo must not silently scan everything).
CONFIG_KEYS: dict[str, str] = {
    "exclude": "list of gitignore-style globs, relative to the file's directory",
}


def _check_keys(table: dict[str, object], path: Path) -> None:
    section = "" if path.name == "redact.toml" else " [tool.redact]"
    for name in table:
        if name in CONFIG_KEYS:
            continue
        close = difflib.get_close_matches(name, CONFIG_KEYS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(sorted(CONFIG_KEYS))
        msg = f"config file {str(path)!r}{section}: unknown key {name!r}{hint} (known: {known})"
        raise ConfigError(msg)


def _parse_config(path: Path) -> ScanConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read config file {str(path)!r}: {exc}"
        raise ConfigError(msg) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"config file {str(path)!r} is not valid TOML: {exc}"
        raise ConfigError(msg) from exc
    tool = data.get("tool", {})
    table = tool.get("redact") if isinstance(tool, dict) else None
    if table is None and path.name == "redact.toml":
        table = data
    if table is None:
        return ScanConfig(base=path.parent.resolve())
    if not isinstance(table, dict):
        msg = f"{str(path)!r}: [tool.redact] must be a table"
        raise ConfigError(msg)
    _check_keys(table, path)
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
        msg = f"{str(path)!r}: 'exclude' must be a list of glob strings"
        raise ConfigError(msg)
    return ScanConfig(exclude=tuple(exclude), base=path.parent.resolve(), source=str(path))


# -- the .gitignore pattern language (pathspec) ----------------------------------------------


class IgnoreRules:
    """Ordered ``.gitignore``-style patterns relative to ``base``; the last match wins.

    The pattern language is git's, as implemented by :class:`pathspec.GitIgnoreSpec`
    (anchoring, ``*``, ``**``, ``?``, ``[...]``, ``!`` negation, trailing ``/``,
    escapes, and git's rule that a file inside an excluded directory cannot be
    re-included).
    """

    def __init__(self, base: Path, lines: Sequence[str]) -> None:
        self.base = base
        self._spec = pathspec.GitIgnoreSpec.from_lines(line.rstrip("\n\r") for line in lines)
        self._active = any(p.include is not None for p in self._spec.patterns)

    @classmethod
    def from_file(cls, path: Path) -> IgnoreRules:
        """Rules of one ``.gitignore`` file (relative to its directory)."""
        try:
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
        except OSError:
            text = ""
        return cls(Path(os.path.abspath(path.parent)), text.splitlines())

    def __bool__(self) -> bool:
        return self._active

    def ignored(self, path: Path, *, is_dir: bool) -> bool:
        """True when ``path`` (absolute) or one of its directories matches; last match wins."""
        if not self._active:
            return False
        try:
            rel = path.relative_to(self.base).as_posix()
        except ValueError:
            return False
        if rel == ".":
            return False
        # git: a path inside an excluded directory stays excluded, whatever re-includes it
        parts = rel.split("/")
        for k in range(1, len(parts)):
            if self._spec.match_file("/".join(parts[:k]) + "/"):
                return True
        return bool(self._spec.match_file(rel + "/" if is_dir else rel))


# -- discovery ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileTask:
    """One regular file to scan: where it is and how the report names it."""

    path: str
    display: str
    size: int
    stream: bool = False
    """A FIFO or character device named on the command line: read once, in this process."""


def display_path(path: Path, cwd: Path) -> str:
    """``path`` relative to ``cwd`` when below it, else absolute; always with ``/``."""
    try:
        return path.relative_to(cwd).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _git_toplevel(directory: Path) -> Path | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--show-toplevel"],
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return Path(os.fsdecode(proc.stdout.strip()))


def _git_ignored(top: Path, paths: Sequence[tuple[Path, bool]]) -> set[Path] | None:
    """Which of ``paths`` git ignores (one ``check-ignore --stdin`` call); None on failure."""
    if not paths:
        return set()
    data = b"".join(os.fsencode(str(p)) + (b"/" if is_dir else b"") + b"\0" for p, is_dir in paths)
    try:
        proc = subprocess.run(
            ["git", "-C", str(top), "check-ignore", "--stdin", "-z"],
            input=data,
            capture_output=True,
            check=False,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode not in (0, 1):
        return None
    return {Path(os.fsdecode(p).rstrip("/")) for p in proc.stdout.split(b"\0") if p}


class _Walker:
    def __init__(self, *, excludes: list[IgnoreRules], gitignore: bool, cwd: Path) -> None:
        self.excludes = excludes
        self.gitignore = gitignore
        self.cwd = cwd
        self.tasks: list[FileTask] = []
        self.outcomes: list[FileOutcome] = []
        self.seen_files: set[tuple[int, int]] = set()
        self.seen_dirs: set[tuple[int, int]] = set()

    def excluded(self, path: Path, *, is_dir: bool) -> bool:
        return any(e.ignored(path, is_dir=is_dir) for e in self.excludes)

    def skip(self, path: Path, status: str, reason: str) -> None:
        shown = display_path(Path(os.path.abspath(path)), self.cwd)
        self.outcomes.append(FileOutcome(shown, status, reason))

    def add_file(self, path: Path, st: os.stat_result) -> None:
        ident = (st.st_dev, st.st_ino)
        if ident in self.seen_files:
            return
        self.seen_files.add(ident)
        shown = display_path(Path(os.path.abspath(path)), self.cwd)
        self.tasks.append(FileTask(str(path), shown, st.st_size))

    def stat_entry(self, path: Path) -> os.stat_result | None:
        try:
            return path.stat()
        except OSError as exc:
            if path.is_symlink():
                # Nothing to read behind the link: reported, not an input that failed.
                why = "symlink loop" if exc.errno == 40 else "dangling symlink"
                self.skip(path, "skipped", f"{why}: {exc.strerror}")
            else:
                self.skip(path, "unreadable", exc.strerror or str(exc))
            return None

    def walk_root(self, root: Path) -> None:
        st = self.stat_entry(root)
        if st is None:
            return
        if not stat.S_ISDIR(st.st_mode):
            if self.excluded(root.absolute(), is_dir=False):
                self.skip(root, "excluded", "excluded by configuration")
            elif stat.S_ISREG(st.st_mode):
                self.add_file(root, st)
            elif stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
                # Named explicitly (a named pipe, /dev/stdin): the user wants it read.
                shown = display_path(Path(os.path.abspath(root)), self.cwd)
                self.tasks.append(FileTask(str(root), shown, 0, stream=True))
            else:
                self.skip(root, "unreadable", "not a regular file, pipe or device (socket?)")
            return
        top = _git_toplevel(root) if self.gitignore else None
        if top is not None and _git_ignored(top, [(root.absolute(), True)]):
            # A directory named explicitly is scanned even when git ignores it; the
            # .gitignore files inside it still apply (through our matcher).
            top = None
        self.seen_dirs.add((st.st_dev, st.st_ino))
        self._walk(root, top)

    def _walk(self, root: Path, top: Path | None) -> None:
        # Breadth first, one git check-ignore call per level. Below a symlinked directory
        # git cannot answer ("beyond a symbolic link"), so our own matcher takes over there.
        level: list[tuple[Path, list[IgnoreRules], bool]] = [(root, [], top is None)]
        while level:
            entries: list[tuple[Path, os.stat_result, list[IgnoreRules], bool]] = []
            for directory, inherited, own_rules in level:
                rules = list(inherited)
                if self.gitignore and own_rules:
                    own = IgnoreRules.from_file(directory / ".gitignore")
                    if own:
                        rules.append(own)
                try:
                    children = sorted(os.scandir(directory), key=lambda e: e.name)
                except OSError as exc:
                    self.skip(directory, "unreadable", exc.strerror or str(exc))
                    continue
                for entry in children:
                    if entry.name == ".git":
                        continue
                    path = Path(entry.path)
                    st = self.stat_entry(path)
                    if st is not None:
                        entries.append((path, st, rules, own_rules or entry.is_symlink()))
            ignored: set[Path] = set()
            if top is not None:
                asked = [(p.absolute(), stat.S_ISDIR(s.st_mode)) for p, s, _, o in entries if not o]
                found = _git_ignored(top, asked)
                ignored = found if found is not None else set()
            next_level: list[tuple[Path, list[IgnoreRules], bool]] = []
            for path, st, rules, own_rules in entries:
                is_dir = stat.S_ISDIR(st.st_mode)
                absolute = path.absolute()
                if absolute in ignored or any(r.ignored(absolute, is_dir=is_dir) for r in rules):
                    continue
                if self.excluded(absolute, is_dir=is_dir):
                    self.skip(path, "excluded", "excluded by configuration")
                    continue
                if is_dir:
                    ident = (st.st_dev, st.st_ino)
                    if ident in self.seen_dirs:
                        self.skip(path, "skipped", "symlink loop (directory already visited)")
                        continue
                    self.seen_dirs.add(ident)
                    next_level.append((path, rules, own_rules))
                elif stat.S_ISREG(st.st_mode):
                    self.add_file(path, st)
                else:
                    kind = "fifo" if stat.S_ISFIFO(st.st_mode) else "special file"
                    self.skip(path, "skipped", f"not a regular file ({kind})")
            level = next_level


def discover(
    paths: Sequence[str],
    *,
    config: ScanConfig | None = None,
    extra_excludes: Sequence[str] = (),
    gitignore: bool = True,
    cwd: Path | None = None,
) -> tuple[list[FileTask], list[FileOutcome]]:
    """Expand ``paths`` into files to scan plus the outcomes of what was skipped."""
    here = (cwd or Path.cwd()).resolve()
    cfg = config or ScanConfig(base=here)
    excludes = [IgnoreRules(cfg.base, cfg.exclude), IgnoreRules(here, extra_excludes)]
    walker = _Walker(excludes=[e for e in excludes if e], gitignore=gitignore, cwd=here)
    for p in paths:
        walker.walk_root(Path(p))
    return _drop_compiled(walker.tasks, walker.outcomes, here)


def compiled_source(path: str) -> str | None:
    """The ``.py`` a ``.pyc``/``.pyo`` file is compiled from, by CPython's naming; else None.

    ``pkg/__pycache__/mod.cpython-311.opt-1.pyc`` -> ``pkg/mod.py``; ``pkg/mod.pyc`` (a
    sourceless or Python 2 layout) -> ``pkg/mod.py``.
    """
    directory, base = os.path.split(path)
    if not base.endswith((".pyc", ".pyo")):
        return None
    stem = base[:-4]
    if os.path.basename(directory) == "__pycache__":
        return os.path.join(os.path.dirname(directory), stem.split(".", 1)[0] + ".py")
    return os.path.join(directory, stem + ".py")


def _drop_compiled(
    tasks: list[FileTask], outcomes: list[FileOutcome], cwd: Path
) -> tuple[list[FileTask], list[FileOutcome]]:
    """Compiled Python whose source is scanned too is left out (its strings are the source's:
    every finding would be reported twice); a ``.pyc`` without its source is kept."""
    if not any(t.path.endswith((".pyc", ".pyo")) for t in tasks):
        return tasks, outcomes
    scanned = {os.path.normpath(t.path) for t in tasks}
    kept: list[FileTask] = []
    for t in tasks:
        source = compiled_source(t.path)
        if source is not None and os.path.normpath(source) in scanned:
            shown = display_path(Path(os.path.abspath(source)), cwd)
            why = f"compiled Python: its source {shown} is scanned"
            outcomes.append(FileOutcome(t.display, "excluded", why))
        else:
            kept.append(t)
    return kept, outcomes


# -- opening -----------------------------------------------------------------------------


@dataclass
class OpenedText:
    """A file opened for scanning: its kind, encoding and a stream of decompressed bytes."""

    kind: str
    """``text``, ``binary``, ``zip``, ``tar`` or ``docker-image``."""
    encoding: str
    compression: str
    head: bytes
    stream: io.BufferedIOBase

    def chunks(self) -> Iterator[bytes]:
        """The whole (decompressed) content in 1 MiB pieces, starting with the head."""
        if self.head:
            yield self.head
        while chunk := self.stream.read(CHUNK):
            yield chunk


def is_docker_image(path: str) -> bool:
    """True for an uncompressed ``docker save`` tarball (a tar with a ``manifest.json``)."""
    import tarfile

    try:
        with open(path, "rb") as fh:
            fh.seek(257)
            if fh.read(5) != b"ustar":
                return False
        with tarfile.open(path, "r:") as tar:
            tar.getmember("manifest.json")
            return True
    except (OSError, KeyError, tarfile.TarError):
        return False


@contextmanager
def open_text(path: str, *, fileobj: IO[bytes] | None = None) -> Iterator[OpenedText]:
    """Open ``path`` (or ``fileobj``) through its decompressor and classify its content.

    The stream is only ever read forwards, so a member of a streamed tar works too.
    """
    with open(path, "rb") if fileobj is None else _Borrowed(fileobj) as raw:
        magic = raw.read(6)
        stream: io.BufferedIOBase = io.BufferedReader(_Prefixed(magic, raw), BUFFER)
        layers: list[str] = []
        # Nested layers (a rotated .gz gzipped again, .tar.gz.xz) are peeled to a bounded
        # depth: what is left compressed after that is sniffed, and reported, as binary.
        while len(layers) < _MAX_LAYERS:
            layer = next((name for m, name in _COMPRESSED if magic.startswith(m)), "")
            if not layer:
                break
            layers.append(layer)
            stream = _decompressor(layer, stream)
            magic = stream.read(6)
            stream = io.BufferedReader(_Prefixed(magic, cast(IO[bytes], stream)), BUFFER)
        compression = "+".join(layers)
        head = stream.read(HEAD_BYTES)
        kind, encoding = sniff(head)
        if head.startswith(_ZIP_MAGIC):
            kind = "zip"
        elif head[257:262] == b"ustar" and _tar_header(head):
            docker = not compression and fileobj is None and is_docker_image(path)
            kind = "docker-image" if docker else "tar"
        elif fileobj is None and not compression and _appended_zip(raw, path, head):
            kind = "zip"  # a stub before a zip: a self-extracting installer, a zipapp
        yield OpenedText(kind, encoding, compression, head, stream)


#: A zip's end-of-central-directory record: 22 bytes and a comment of up to 65,535.
_EOCD = b"PK\x05\x06"
_EOCD_REACH = 22 + 0xFFFF


def _appended_zip(raw: IO[bytes], path: str, head: bytes) -> bool:
    """Whether the file ends with a zip's end record (its central directory is read
    from the end, so a zip works after any stub: ``cat stub.sh x.zip > installer``, a
    self-extracting ``.exe``, a zipapp/pex with its ``#!`` line, a jar after a launcher).

    Such a file's head reads as a script or a binary, never as a zip; scanned as text or
    skipped as binary it would be reported clean while its members went unread. Only
    the end record's reach (64 KiB) is read, with ``pread`` (the stream is not moved),
    and ``zipfile`` confirms a candidate.
    """
    try:
        fd = raw.fileno()
        size = os.fstat(fd).st_size
        if size < len(_EOCD) + 18:
            return False
        if size <= len(head):  # the head is the whole file
            tail = head
        else:
            reach = min(size, _EOCD_REACH)
            tail = os.pread(fd, reach, size - reach)
        if tail.rfind(_EOCD) < 0:
            return False
        import zipfile

        return zipfile.is_zipfile(path)
    except (OSError, ValueError):
        return False


def _tar_header(head: bytes) -> bool:
    """Whether ``head`` starts with a valid tar header block (its checksum holds)."""
    import tarfile

    try:
        tarfile.TarInfo.frombuf(head[:512], "utf-8", "surrogateescape")
    except tarfile.TarError:
        return False
    return True


#: How many compression layers open_text() peels (``.log.gz.gz`` has two).
_MAX_LAYERS = 4


def _decompressor(layer: str, stream: io.BufferedIOBase) -> io.BufferedIOBase:
    """``stream`` read through the decompressor named ``layer``."""
    if layer == "gzip":
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if layer == "bzip2":
        return bz2.BZ2File(stream, mode="rb")
    return lzma.LZMAFile(cast(IO[bytes], stream), mode="rb")


class _Borrowed:
    """Use a caller's stream in a ``with`` without closing it."""

    def __init__(self, obj: IO[bytes]) -> None:
        self.obj = obj

    def __enter__(self) -> IO[bytes]:
        return self.obj

    def __exit__(self, *exc: object) -> None:
        return None


class _Prefixed(io.RawIOBase):
    """A forward-only raw stream: bytes already read, then the rest of ``raw``."""

    def __init__(self, prefix: bytes, raw: IO[bytes]) -> None:
        self._prefix = prefix
        self._raw = raw

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the prefix first, then from the underlying stream."""
        view = memoryview(buffer).cast("B")
        if self._prefix:
            n = min(len(view), len(self._prefix))
            view[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        readinto = getattr(self._raw, "readinto", None)
        if readinto is not None:
            return int(readinto(view) or 0)
        data = self._raw.read(len(view))
        view[: len(data)] = data
        return len(data)
