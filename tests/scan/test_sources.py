"""Discovering and opening files: .gitignore (git's own and ours), excludes, odd files."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from redact.exceptions import ConfigError
from redact.scan.model import ScanOptions
from redact.scan.runner import Scanner
from redact.scan.sources import IgnoreRules, discover, load_config, open_text

from .conftest import Repo


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def _names(tasks: list) -> set[str]:  # type: ignore[type-arg]
    return {t.display for t in tasks}


FILES = {
    ".gitignore": "build/\n*.log\n!keep.log\n/rootonly.txt\n",
    "src/app.py": "x = 1\n",
    "src/rootonly.txt": "nested: not ignored\n",
    "rootonly.txt": "ignored at root\n",
    "build/out.txt": "ignored dir\n",
    "debug.log": "ignored by glob\n",
    "keep.log": "re-included\n",
    "sub/.gitignore": "*.tmp\n",
    "sub/a.tmp": "ignored by nested file\n",
    "sub/b.txt": "kept\n",
}
EXPECTED = {
    ".gitignore",
    "src/app.py",
    "src/rootonly.txt",
    "keep.log",
    "sub/.gitignore",
    "sub/b.txt",
}


def test_gitignore_matcher_outside_git(tmp_path: Path) -> None:
    """Outside a repository our matcher applies root and nested .gitignore files."""
    _tree(tmp_path, FILES)
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path)
    assert _names(tasks) == EXPECTED


def test_gitignore_inside_repo_uses_git(make_repo: Callable[..., Repo]) -> None:
    """Inside a repository git check-ignore decides, including .git/info/exclude."""
    repo = make_repo()
    _tree(repo.root, FILES)
    (repo.root / ".git" / "info").mkdir(exist_ok=True)
    (repo.root / ".git" / "info" / "exclude").write_text("src/app.py\n")
    tasks, _ = discover([str(repo.root)], cwd=repo.root)
    assert _names(tasks) == EXPECTED - {"src/app.py"}


def test_no_gitignore_scans_everything(tmp_path: Path) -> None:
    """--no-gitignore walks ignored files too (never .git itself)."""
    _tree(tmp_path, FILES)
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path, gitignore=False)
    assert _names(tasks) == set(FILES)


def test_config_excludes_from_pyproject(tmp_path: Path) -> None:
    """[tool.redact] exclude in pyproject.toml removes files and says so."""
    _tree(tmp_path, {"a/x.txt": "1", "b/fixtures/y.txt": "2", "c.txt": "3"})
    (tmp_path / "pyproject.toml").write_text('[tool.redact]\nexclude = ["**/fixtures/**"]\n')
    config = load_config(start=tmp_path)
    tasks, outcomes = discover([str(tmp_path)], config=config, cwd=tmp_path)
    assert _names(tasks) == {"a/x.txt", "c.txt", "pyproject.toml"}
    # git itself ignores the directory for "**/fixtures/**" (git check-ignore b/fixtures/),
    # so the exclusion is reported there and nothing below it is walked
    assert ("b/fixtures", "excluded") in {(o.path, o.status) for o in outcomes}


def test_config_from_redact_toml_and_errors(tmp_path: Path) -> None:
    """redact.toml wins over pyproject; bad TOML and bad types are ConfigErrors naming the file."""
    (tmp_path / "redact.toml").write_text('exclude = ["*.min.js"]\n')
    (tmp_path / "pyproject.toml").write_text('[tool.redact]\nexclude = ["x"]\n')
    assert load_config(start=tmp_path).exclude == ("*.min.js",)
    (tmp_path / "redact.toml").write_text("exclude = [\n")
    with pytest.raises(ConfigError, match="redact.toml.*not valid TOML"):
        load_config(start=tmp_path)
    (tmp_path / "redact.toml").write_text("exclude = 3\n")
    with pytest.raises(ConfigError, match="'exclude' must be a list"):
        load_config(start=tmp_path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(str(tmp_path / "missing.toml"))


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "ignored"),
    [
        ("*.py", "a/b/c.py", False, True),
        ("/top.txt", "top.txt", False, True),
        ("/top.txt", "a/top.txt", False, False),
        ("docs/*.md", "docs/x.md", False, True),
        ("docs/*.md", "docs/sub/x.md", False, False),
        ("**/gen/**", "a/gen/b/c.txt", False, True),
        ("build/", "build", False, False),
        ("build/", "build", True, True),
        ("build/", "build/x.o", False, True),
        ("file[0-9].txt", "file7.txt", False, True),
    ],
)
def test_ignore_patterns(
    tmp_path: Path, pattern: str, path: str, is_dir: bool, ignored: bool
) -> None:
    """The .gitignore pattern language: anchoring, globs, **, dir-only, classes."""
    rules = IgnoreRules(tmp_path, [pattern])
    assert rules.ignored(tmp_path / path, is_dir=is_dir) is ignored


def test_symlink_loops_dangling_links_and_fifos_are_reported(tmp_path: Path) -> None:
    """Loops and special files never hang the walk; each is reported with a reason.

    A dangling link or a loop has nothing behind it to read: ``skipped`` (reported, exit
    code unchanged), unlike an input whose read failed (``unreadable``, exit 2).
    """
    _tree(tmp_path, {"d/f.txt": "x"})
    os.symlink("..", tmp_path / "d" / "up")
    os.symlink("l2", tmp_path / "l1")
    os.symlink("l1", tmp_path / "l2")
    os.symlink("nowhere", tmp_path / "dangling")
    os.mkfifo(tmp_path / "pipe")
    tasks, outcomes = discover([str(tmp_path)], cwd=tmp_path)
    assert _names(tasks) == {"d/f.txt"}
    got = {o.path: (o.status, o.reason) for o in outcomes}
    assert got["d/up"][1].startswith("symlink loop")
    assert got["l1"] == ("skipped", "symlink loop: Too many levels of symbolic links")
    assert got["dangling"][0] == "skipped" and "dangling" in got["dangling"][1]
    assert got["pipe"] == ("skipped", "not a regular file (fifo)")


def test_unreadable_file_is_reported_and_the_scan_continues(
    tmp_path: Path, secret: Callable[..., str]
) -> None:
    """A file whose read fails is reported with the OS reason; other files are still scanned.

    Tests run as root, for whom chmod 000 does not stop a read, so the failing read is a real
    one: a symlink to /proc/self/mem, a regular file whose read at offset 0 fails with EIO.
    When not root, a chmod-000 file is used as well.
    """
    token = secret("github")
    _tree(tmp_path, {"good.txt": f"t = {token}\n"})
    os.symlink("/proc/self/mem", tmp_path / "mem")
    expected = {"mem"}
    if os.geteuid() != 0:
        locked = tmp_path / "locked.txt"
        locked.write_text("x")
        locked.chmod(0)
        expected.add("locked.txt")
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path)
    result = Scanner(ScanOptions(), jobs=1).scan_files(tasks)
    assert [f.path for f in result.findings] == ["good.txt"]
    bad = {o.path: o.reason for o in result.outcomes if o.status == "unreadable"}
    assert set(bad) == expected
    assert bad["mem"] == "Input/output error"


@pytest.mark.parametrize(
    ("opener", "suffix", "name"),
    [(gzip.open, ".gz", "gzip"), (bz2.open, ".bz2", "bzip2"), (lzma.open, ".xz", "xz")],
)
def test_compressed_logs_are_read_transparently(
    tmp_path: Path,
    secret: Callable[..., str],
    opener: Callable[..., object],
    suffix: str,
    name: str,
) -> None:
    """gzip, bzip2 and xz files are decompressed while streaming; lines are the log's lines."""
    token = secret("github")
    path = tmp_path / f"app.log{suffix}"
    with opener(path, "wt") as fh:  # type: ignore[operator]
        for i in range(2000):
            fh.write(f"2024-01-01 INFO request {i} ok\n")  # type: ignore[attr-defined]
        fh.write(f"2024-01-01 WARN token={token}\n")  # type: ignore[attr-defined]
    tasks, _ = discover([str(path)], cwd=tmp_path)
    result = Scanner(ScanOptions(), jobs=1).scan_files(tasks)
    assert [(f.path, f.line) for f in result.findings] == [(path.name, 2001)]
    assert result.outcomes[0].reason == f"{name}-compressed"


def test_binary_files_are_skipped_and_counted(tmp_path: Path, secret: Callable[..., str]) -> None:
    """Real binary content (random bytes, mostly non-text) is skipped, and the summary says so.

    (A few stray bytes before a token no longer make a file binary: see test_sniff.py.)
    """
    rng = random.Random(7)  # one generator: Random(7) per byte gave one byte 9000 times
    blob = bytes(rng.randrange(256) for _ in range(9000))
    (tmp_path / "blob.bin").write_bytes(blob + secret("github").encode())
    with open_text(str(tmp_path / "blob.bin")) as opened:
        assert opened.kind == "binary"
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path)
    result = Scanner(ScanOptions(), jobs=1).scan_files(tasks)
    assert result.findings == []
    assert [(o.path, o.status) for o in result.outcomes] == [("blob.bin", "binary")]


def test_parallel_and_serial_scans_agree(tmp_path: Path, secret: Callable[..., str]) -> None:
    """Worker processes (2 jobs) find exactly what the in-process scan finds."""
    for i in range(40):
        body = "filler line\n" * 20000 + (f"k = {secret('github')}\n" if i % 3 == 0 else "")
        (tmp_path / f"f{i:02}.txt").write_text(body)
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path)
    serial = Scanner(ScanOptions(), jobs=1).scan_files(tasks)
    parallel = Scanner(ScanOptions(), jobs=2).scan_files(tasks)
    key = sorted((f.path, f.line, f.fingerprint) for f in serial.findings)
    assert len(key) == 14
    assert sorted((f.path, f.line, f.fingerprint) for f in parallel.findings) == key
    assert parallel.bytes == serial.bytes > 4 << 20


def test_an_explicitly_named_ignored_directory_is_scanned(make_repo: Callable[..., Repo]) -> None:
    """Naming a git-ignored directory scans it; .gitignore files inside it still apply."""
    repo = make_repo()
    _tree(
        repo.root,
        {
            ".gitignore": "logs/\n",
            "logs/a.log": "x\n",
            "logs/.gitignore": "*.tmp\n",
            "logs/b.tmp": "y",
        },
    )
    assert discover([str(repo.root)], cwd=repo.root)[0] == [
        t for t in discover([str(repo.root)], cwd=repo.root)[0] if t.display == ".gitignore"
    ]
    tasks, _ = discover([str(repo.root / "logs")], cwd=repo.root)
    assert _names(tasks) == {"logs/a.log", "logs/.gitignore"}


def test_workers_start_safely_while_another_thread_runs(
    tmp_path: Path, secret: Callable[..., str]
) -> None:
    """With a live thread (a progress bar) the pool uses the fork server, and results agree."""
    import threading

    for i in range(6):
        (tmp_path / f"f{i}.log").write_text("x = 1\n" * 200_000 + f"t={secret('github')}\n")
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path)
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        result = Scanner(ScanOptions(), jobs=2).scan_files(tasks)
    finally:
        stop.set()
        worker.join()
    assert sorted((f.path, f.line) for f in result.findings) == [
        (f"f{i}.log", 200_001) for i in range(6)
    ]


def test_detector_error_message_is_masked(tmp_path: Path) -> None:
    """A detector failing with its input in the message does not leak it into the report."""
    from redact import Redactor
    from redact.scan.runner import scan_file
    from redact.scan.sources import FileTask

    token = "ghp_" + "Q7w6" * 9
    f = tmp_path / "a.txt"
    f.write_text(f"tok = {token}\n")
    real = Redactor.default()

    class Failing:
        def find(self, text: str) -> list[object]:
            raise RuntimeError(f"cannot handle {text!r}")

        def redact(self, text: str) -> str:
            return real.redact(text)

    task = FileTask(str(f), "a.txt", f.stat().st_size)
    _, outcomes = scan_file(Failing(), ScanOptions(), task)  # type: ignore[arg-type]
    assert outcomes[0].status == "error"
    assert "cannot handle" in outcomes[0].reason
    assert token not in outcomes[0].reason
