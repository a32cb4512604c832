"""Git history: every added line on every branch, with commit, author date, file and line."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from redact.exceptions import ConfigError
from redact.installation import installation_key
from redact.masks import fingerprint
from redact.scan.git import iter_added
from redact.scan.model import FINGERPRINT_LENGTH, ScanOptions
from redact.scan.runner import Scanner

from .conftest import Repo


def _fp(value: str) -> str:
    return fingerprint(value, installation_key(), length=FINGERPRINT_LENGTH)


@pytest.fixture
def history(make_repo: Callable[..., Repo], secret: Callable[..., str]) -> dict[str, object]:
    """A repo where secrets are added, then deleted, on main and on a side branch."""
    repo = make_repo()
    t_main, t_branch, t_renamed = secret("github"), secret("stripe"), secret("github")
    repo.write("README.md", "hello\n")
    first = repo.commit("init", date="2023-05-01T10:00:00+00:00")
    repo.write("config/settings.py", f"DEBUG = True\nTOKEN = '{t_main}'\n")
    leak = repo.commit("add settings", date="2023-05-02T10:00:00+00:00")
    repo.write("config/settings.py", "DEBUG = True\n")
    repo.commit("remove token", date="2023-05-03T10:00:00+00:00")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("pay.py", "\n" * 9 + f"STRIPE = '{t_branch}'\n")
    side = repo.commit("stripe on a branch", date="2023-05-04T10:00:00+00:00")
    repo.git("rm", "-q", "pay.py")
    repo.commit("drop it", date="2023-05-05T10:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.write("dir with space/ü.txt", f"x\ny\n{t_renamed}\n")
    late = repo.commit("unicode path", date="2023-05-06T10:00:00+00:00")
    return {
        "repo": repo,
        "first": first,
        "leak": leak,
        "side": side,
        "late": late,
        "t_main": t_main,
        "t_branch": t_branch,
        "t_late": t_renamed,
    }


def test_deleted_secrets_on_all_branches_are_found(history: dict[str, object]) -> None:
    """Secrets removed later, and ones only on another branch, are reported where they were added."""
    repo = history["repo"]
    assert isinstance(repo, Repo)
    assert str(history["t_main"]) not in (repo.root / "config" / "settings.py").read_text()
    result = Scanner(ScanOptions(), jobs=1).scan_git(repo.root)
    got = sorted(
        (f.commit, f.author_date, f.path, f.line, f.rule_id, f.fingerprint) for f in result.findings
    )
    assert got == sorted(
        [
            (
                history["leak"],
                "2023-05-02T10:00:00+00:00",
                "config/settings.py",
                2,
                "github-token",
                _fp(str(history["t_main"])),
            ),
            (
                history["side"],
                "2023-05-04T10:00:00+00:00",
                "pay.py",
                10,
                "stripe-secret-key",
                _fp(str(history["t_branch"])),
            ),
            (
                history["late"],
                "2023-05-06T10:00:00+00:00",
                "dir with space/ü.txt",
                3,
                "github-token",
                _fp(str(history["t_late"])),
            ),
        ]
    )
    assert result.commits == 6


def test_since_limits_to_newer_commits(history: dict[str, object]) -> None:
    """--since REV scans only commits not reachable from REV (on every branch)."""
    repo = history["repo"]
    assert isinstance(repo, Repo)
    result = Scanner(ScanOptions(), jobs=1).scan_git(repo.root, since=str(history["leak"]))
    assert sorted(f.commit for f in result.findings) == sorted([history["side"], history["late"]])
    with pytest.raises(ConfigError, match="does not name a commit"):
        list(iter_added(repo.root, since="no-such-ref"))


def test_parallel_git_scan_matches_serial(
    history: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker processes give the same findings as the in-process scan."""
    from redact.scan import runner

    monkeypatch.setattr(runner, "INPROCESS_BYTES", 0)  # hand batches to workers at once
    repo = history["repo"]
    assert isinstance(repo, Repo)
    serial = Scanner(ScanOptions(), jobs=1).scan_git(repo.root)
    parallel = Scanner(ScanOptions(), jobs=2).scan_git(repo.root)
    assert sorted((*f.key, f.commit or "") for f in parallel.findings) == sorted(
        (*f.key, f.commit or "") for f in serial.findings
    )


def test_added_lines_carry_real_line_numbers(
    make_repo: Callable[..., Repo], secret: Callable[..., str]
) -> None:
    """Hunks in the middle of a file report the new file's line numbers."""
    repo = make_repo()
    repo.write("a.txt", "".join(f"line {i}\n" for i in range(1, 101)))
    repo.commit("base")
    lines = [f"line {i}\n" for i in range(1, 101)]
    token = secret("github")
    lines.insert(49, f"k = {token}\n")
    lines[89] = "changed\n"
    repo.write("a.txt", "".join(lines))
    repo.commit("edit")
    added = [a for a in iter_added(repo.root) if a.commit == repo.git("rev-parse", "HEAD")]
    assert [(a.path, a.lines) for a in added] == [("<commit message>", [1]), ("a.txt", [50, 90])]
    [f] = Scanner(ScanOptions(), jobs=1).scan_git(repo.root).findings
    assert (f.path, f.line, f.column) == ("a.txt", 50, 5)


def test_not_a_repository_is_a_config_error(tmp_path: Path) -> None:
    """Scanning history outside a git repository is a configuration error naming the path."""
    from redact.scan.git import resolve_repo

    with pytest.raises(ConfigError, match="not inside a git repository"):
        resolve_repo(str(tmp_path))


def _evil_merges(repo: Repo, secret: Callable[..., str]) -> dict[str, str]:
    """A conflict resolved with a token, and a clean merge edited before its commit."""
    resolved, edited = secret("github"), secret("stripe")
    repo.write("app.cfg", "name = app\nlevel = 1\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("app.cfg", "name = app\nlevel = 2\n")
    repo.write("side.txt", "side work\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.write("app.cfg", "name = app\nlevel = 3\n")
    repo.commit("main")
    with pytest.raises(subprocess.CalledProcessError):
        repo.git("merge", "-q", "side")  # a conflict in app.cfg
    repo.write("app.cfg", f"name = app\ntoken = {resolved}\n")
    conflict = repo.commit("merge side (conflict resolved)")
    repo.git("checkout", "-q", "-b", "other", "HEAD~1")
    repo.write("other.txt", "other work\n")
    repo.commit("other")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-commit", "--no-ff", "other")
    repo.write("pay.py", f"STRIPE = '{edited}'\n")  # in no parent: written during the merge
    clean = repo.commit("merge other")
    return {"conflict": conflict, "clean": clean}


@pytest.mark.parametrize("version", [None, (2, 30)], ids=["remerge", "old-git-m"])
def test_lines_written_in_a_merge_commit_are_found(
    make_repo: Callable[..., Repo],
    secret: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    version: tuple[int, int] | None,
) -> None:
    """A conflict resolution or an edit made while merging is in no parent's patch: found."""
    from redact.scan import git

    if version is not None:  # what git before 2.36 (no --diff-merges=remerge) is given
        monkeypatch.setattr(git, "git_version", lambda: version)
        assert git.merge_diff_option() == "-m"
    else:
        assert git.merge_diff_option((2, 39)) == "--diff-merges=remerge"
        if git.git_version() < git.REMERGE_SINCE:
            pytest.skip("this git has no --diff-merges=remerge")
    repo = make_repo()
    merges = _evil_merges(repo, secret)
    result = Scanner(ScanOptions(), jobs=1).scan_git(repo.root)
    found = [(f.commit, f.path, f.line) for f in result.findings]
    wanted = [(merges["conflict"], "app.cfg", 2), (merges["clean"], "pay.py", 1)]
    assert len(found) == len(set(found))  # -m shows a merge per parent: each line once
    if version is None:  # remerge: exactly what the person merging wrote
        assert sorted(found) == sorted(wanted)
    else:  # -m: also what the merged side brought, at the merge (documented)
        assert set(wanted) <= set(found)
    assert result.commits == 6  # base, side, main, merge, other, merge: each counted once


def test_files_git_calls_binary_are_read_whole(
    make_repo: Callable[..., Repo], secret: Callable[..., str]
) -> None:
    """A NUL in a log, a gzip, UTF-16 text: no lines in a patch, scanned from the blob."""
    import gzip

    repo = make_repo()
    tokens = {name: secret("github") for name in ("nul.log", "app.log.gz", "wide.txt")}
    (repo.root / "nul.log").write_bytes(b"start\x00\n" + f"token={tokens['nul.log']}\n".encode())
    (repo.root / "app.log.gz").write_bytes(
        gzip.compress(f"GET /x token={tokens['app.log.gz']}\n".encode())
    )
    (repo.root / "wide.txt").write_bytes(f"key = {tokens['wide.txt']}\n".encode("utf-16"))
    (repo.root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    added = repo.commit("binary-looking files")
    for name in ("nul.log", "app.log.gz", "wide.txt"):
        (repo.root / name).unlink()
    repo.commit("remove them")
    assert "Binary files" in repo.git("show", added)  # what git itself says of them
    result = Scanner(ScanOptions(), jobs=1).scan_git(repo.root)
    assert sorted((f.path, f.commit, f.line) for f in result.findings) == sorted(
        (name, added, 1 if name != "nul.log" else 2) for name in tokens
    )
    status = {o.path.partition("@")[0]: o.status for o in result.outcomes if "@" in o.path}
    assert status == {
        "nul.log": "scanned",
        "app.log.gz": "scanned",
        "wide.txt": "scanned",
        "logo.png": "binary",
    }


def test_commit_messages_are_scanned(
    make_repo: Callable[..., Repo], secret: Callable[..., str]
) -> None:
    """A token pasted into a message is found; message lines that look like a patch are text."""
    from redact.scan.git import MESSAGE_PATH

    repo = make_repo()
    token, in_file = secret("github"), secret("stripe")
    repo.write("a.txt", "hello\n")
    repo.write("b.py", f"KEY = '{in_file}'\n")
    message = f"fix login\n\nretry with {token}\n+ not a patch line\ndiff --git a/x b/x\n"
    commit = repo.commit(message)
    result = Scanner(ScanOptions(), jobs=1).scan_git(repo.root)
    assert sorted((f.path, f.line, f.commit) for f in result.findings) == [
        (MESSAGE_PATH, 3, commit),
        ("b.py", 1, commit),
    ]
    assert result.commits == 1
