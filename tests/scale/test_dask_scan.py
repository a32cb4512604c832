"""``redact scan`` on a real Dask cluster equals the local scan on a corpus with planted secrets.

Secrets are planted across every boundary the cluster path introduces: files in
different batches, commits in different commit ranges, and byte ranges of a
large file (a token straddling a cut, a PEM block across a cut, an allow comment
on the line above a cut).
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from redact.exceptions import ConfigError
from redact.scan import Scanner, ScanOptions, discover
from redact.scan.distributed import ScanRecipe, plan_files, scan_on_dask
from redact.scan.model import ScanFinding
from tests.scale.conftest import pem_block, rand
from tests.scan.conftest import Repo, git_env, make_secret, run_redact

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

RANGE = 4096


def _sorted(findings: list[ScanFinding]) -> list[ScanFinding]:
    return sorted(findings, key=lambda f: (f.path, f.line, f.column, f.commit or "", f.rule_id))


def _big_file(path: Path) -> int:
    """A text file whose secrets sit on byte-range cuts; returns how many were planted."""
    out = bytearray()
    planted = 0
    k = 1
    while len(out) < 12 * RANGE:
        out += f"filler line {rand(40)}\n".encode()
        cut = k * RANGE
        if len(out) >= cut - 120:
            plan = k % 4
            if plan == 0:  # a token straddling the cut
                pad = cut - len(out) - 25
                out += b"x" * max(pad, 0) + f" token={make_secret('github')}\n".encode()
            elif plan == 1:  # a PEM block across the cut
                out += b"key follows\n" + pem_block(4).encode() + b"\n"
            elif plan == 2:  # allow comment on the line above the first line of a range
                while len(out) < cut - 60:
                    out += b"."
                out += b"\n# redact:allow github-token test fixture\n"
                out += f"t = '{make_secret('github')}'\n".encode()
            else:  # a secret with non-ASCII text before it on the cut line
                out += f"héllo wörld — {make_secret('aws')} é\n".encode()
            planted += 1
            k += 1
    path.write_bytes(bytes(out))
    return planted


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small files, a large text file cut in ranges, compressed, UTF-16 and binary files."""
    root = tmp_path_factory.mktemp("corpus")
    for i in range(40):
        body = f"line one\napi = '{make_secret('stripe')}'\n" if i % 3 == 0 else "clean\n" * i
        if i % 7 == 0:
            body += f"AWS={make_secret('aws')}  # redact:allow aws-access-key-id rotated\n"
        (root / f"src/m{i % 5}/f{i}.txt").parent.mkdir(parents=True, exist_ok=True)
        (root / f"src/m{i % 5}/f{i}.txt").write_text(body)
    (root / "app.jsonl").write_text(
        "".join(f'{{"n": {i}, "auth": {{"token": "{make_secret("slack")}"}}}}\n' for i in range(5))
    )
    assert _big_file(root / "big.log") >= 10
    (root / "big.log.gz").write_bytes(gzip.compress((root / "big.log").read_bytes()))
    (root / "wide.txt").write_text(f"bom {make_secret('github')}\n" * 400, encoding="utf-16")
    (root / "blob.bin").write_bytes(b"\0\1\2" * 5000)
    return root


def test_plan_balances_batches_and_cuts_only_plain_text(corpus: Path) -> None:
    """Batches are within one file of each other; only plain UTF-8 text is cut in ranges."""
    tasks, _ = discover([str(corpus)], cwd=corpus)
    plan = plan_files(tasks, batch_bytes=2000, range_bytes=RANGE)
    cut = {t.display for t, _, _ in plan.ranges}
    assert cut == {"big.log"}
    batched = [t for b in plan.batches for t in b]
    assert len(batched) + len(cut) == len(tasks)
    assert {t.display for t in batched} | cut == {t.display for t in tasks}
    loads = sorted(sum(t.size for t in b) for b in plan.batches)
    biggest = max(t.size for t in batched)
    assert loads[-1] - loads[0] <= biggest
    starts = sorted(s for _, s, _ in plan.ranges)
    assert starts == list(range(0, starts[-1] + 1, RANGE))


def test_files_on_cluster_equal_the_local_scan(
    cluster_client: Any, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same findings (lines, columns, fingerprints, allow reasons, JSON fields), same outcomes."""
    monkeypatch.chdir(corpus)
    tasks, _ = discover(["."], cwd=corpus)
    options = ScanOptions(want_sha1=True)
    local = Scanner(options, jobs=1).scan_files(tasks)
    seen: list[tuple[int, int]] = []
    remote = scan_on_dask(
        cluster_client,
        options,
        files=tasks,
        batch_bytes=2000,
        range_bytes=RANGE,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert len(local.findings) > 20
    assert _sorted(remote.findings) == _sorted(local.findings)
    assert sorted(remote.outcomes, key=repr) == sorted(local.outcomes, key=repr)
    assert remote.bytes == local.bytes
    assert any(f.allowed for f in remote.findings if f.path == "big.log")
    assert any(f.rule_id == "private-key-pem" for f in remote.findings if f.path == "big.log")
    assert seen[-1] == (sum(t.size for t in tasks),) * 2


def test_git_history_in_commit_ranges_equals_the_local_scan(
    cluster_client: Any, tmp_path: Path
) -> None:
    """Two repositories, several branches, commit ranges of 3: same findings, same counts."""
    env = git_env(tmp_path / "home")
    repos = []
    for name in ("alpha", "beta"):
        repo = Repo(tmp_path / name, env)
        for i in range(11):
            if i == 6:
                repo.git("checkout", "-q", "-b", "feature")
            body = f"v{i}\n" + (f"key = '{make_secret('github')}'\n" if i % 2 else "")
            repo.write(f"cfg/{i % 3}.py", body)
            repo.commit(f"c{i}", date=f"2024-01-{i + 1:02d}T00:00:00+00:00")
        repo.write("cfg/0.py", "clean\n")  # a secret committed, then deleted
        repo.commit("scrub")
        repos.append(repo)
    options = ScanOptions()
    local_findings: list[ScanFinding] = []
    local_commits = 0
    for repo in repos:
        part = Scanner(options, jobs=1).scan_git(repo.root)
        local_findings += part.findings
        local_commits += part.commits
    remote = scan_on_dask(
        cluster_client, options, repos=[r.root for r in repos], commits_per_task=3
    )
    assert local_commits == remote.commits == 24
    assert len(local_findings) >= 10
    assert _sorted(remote.findings) == _sorted(local_findings)
    first = repos[0].git("rev-list", "--max-parents=0", "HEAD")
    since_local = Scanner(options, jobs=1).scan_git(repos[0].root, since=first)
    since_remote = scan_on_dask(
        cluster_client, options, repos=[repos[0].root], since=first, commits_per_task=2
    )
    assert _sorted(since_remote.findings) == _sorted(since_local.findings)
    assert since_remote.commits == since_local.commits


def test_input_lost_after_planning_is_reported_not_scanned(
    cluster_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file gone before its task ran becomes an outcome naming it, never a silent clean."""
    import redact.scan.distributed as dist

    monkeypatch.setattr(dist, "_splittable", lambda task: True)  # planned as ranges, then gone
    big = tmp_path / "big.log"
    _big_file(big)
    small = tmp_path / "small.txt"
    small.write_text("nothing\n")
    tasks, _ = discover([str(tmp_path)], cwd=tmp_path)
    big.unlink()
    small.unlink()
    result = scan_on_dask(cluster_client, ScanOptions(), files=tasks, range_bytes=RANGE, retries=0)
    status = {o.path: o.status for o in result.outcomes}
    assert status == {"big.log": "error", "small.txt": "unreadable"}
    why = next(o.reason for o in result.outcomes if o.path == "big.log")
    assert "FileNotFoundError" in why
    assert not result.findings


def test_custom_fingerprint_key_never_travels(cluster_client: Any, corpus: Path) -> None:
    """Only the key's check is pickled; a worker with another key refuses to scan."""
    key = ("k-" + rand(30)).encode()
    options = ScanOptions(fingerprint_key=key)
    recipe = ScanRecipe.from_options(options)
    assert key not in pickle.dumps(recipe)
    assert key not in cloudpickle.dumps(recipe)
    tasks, _ = discover([str(corpus / "src")], cwd=corpus)
    with pytest.raises(ConfigError, match="fingerprint key on this worker .* is not the client's"):
        scan_on_dask(cluster_client, options, files=tasks, retries=0)


@pytest.fixture(scope="module")
def dask_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A ``dask scheduler`` and a ``dask worker`` as separate processes on 127.0.0.1.

    The worker holds the fingerprint key in its own environment, as a CI runner would.
    Yields (scheduler address, key).
    """
    key = "fk-" + rand(30)
    folder = tmp_path_factory.mktemp("dask-cli")
    info = folder / "scheduler.json"
    dask = str(Path(sys.executable).with_name("dask"))
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    env.pop("REDACT_FINGERPRINT_KEY", None)
    common = ["--scheduler-file", str(info), "--no-dashboard"]
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", "0", *common],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        worker = subprocess.Popen(
            [dask, "worker", "--host", "127.0.0.1", "--nworkers", "2", "--nthreads", "1", *common],
            env={**env, "REDACT_FINGERPRINT_KEY": key},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with distributed.Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, key
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
        for proc in (worker, scheduler):
            if proc is not None:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _cli(*args: str, cwd: Path, key: str) -> tuple[int, dict[str, Any]]:
    proc = run_redact(
        "scan", "--format", "json", *args, cwd=cwd, env={"REDACT_FINGERPRINT_KEY": key}
    )
    assert proc.returncode in (0, 1, 2), proc.stderr.decode()
    doc = json.loads(proc.stdout) if proc.stdout.strip() else {}
    return proc.returncode, doc


def test_cli_scheduler_equals_local_scan(
    dask_processes: tuple[str, str], corpus: Path, tmp_path: Path
) -> None:
    """`redact scan --scheduler` vs `redact scan`: same findings, skipped inputs, exit code."""
    address, key = dask_processes
    code, local = _cli(".", cwd=corpus, key=key)
    rcode, remote = _cli(".", "--scheduler", address, cwd=corpus, key=key)
    assert code == rcode == 1
    assert remote["findings"] == local["findings"]
    assert remote["skipped"] == local["skipped"]
    assert remote["summary"]["findings"] == local["summary"]["findings"]
    # A baseline written locally hides the same findings on the cluster (same fingerprints).
    baseline = tmp_path / "baseline.json"
    run_redact(
        "scan",
        ".",
        "--baseline",
        str(baseline),
        "--update-baseline",
        cwd=corpus,
        env={"REDACT_FINGERPRINT_KEY": key},
    )
    rcode, remote = _cli(
        ".", "--baseline", str(baseline), "--scheduler", address, cwd=corpus, key=key
    )
    assert rcode == 0
    assert remote["findings"] == [f for f in local["findings"] if f.get("allowed")]
    assert remote["summary"]["known_from_baseline"] == local["summary"]["findings"]


def test_cli_scheduler_git_repos_from_file(dask_processes: tuple[str, str], tmp_path: Path) -> None:
    """`--git --scheduler --repos-from FILE`: each repository's history, as the local scans."""
    address, key = dask_processes
    env = git_env(tmp_path / "home")
    listed = []
    local_findings: list[Any] = []
    for name in ("one", "two"):
        repo = Repo(tmp_path / name, env)
        for i in range(4):
            repo.write("s.py", f"x = '{make_secret('github')}'\n" if i % 2 else "ok\n")
            repo.commit(f"c{i}")
        listed.append(str(repo.root))
        code, doc = _cli("--git", str(repo.root), cwd=tmp_path, key=key)
        assert code == 1
        local_findings += doc["findings"]
    repos = tmp_path / "repos.txt"
    repos.write_text("# the organisation\n" + "\n".join(listed) + "\n")
    rcode, remote = _cli(
        "--git", "--scheduler", address, "--repos-from", str(repos), cwd=tmp_path, key=key
    )
    assert rcode == 1
    assert sorted(map(json.dumps, remote["findings"])) == sorted(map(json.dumps, local_findings))
    assert remote["summary"]["commits"] == 8


def test_cli_scheduler_errors_name_the_cause(tmp_path: Path) -> None:
    """A scheduler nobody listens on, or a worker-only flag misuse: exit 2 with the reason."""
    proc = run_redact("scan", ".", "--scheduler", "tcp://127.0.0.1:9", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"--scheduler 'tcp://127.0.0.1:9': cannot connect" in proc.stderr
    proc = run_redact("scan", ".", "--repos-from", "x.txt", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"--repos-from needs --git and --scheduler" in proc.stderr


async def _die() -> None:
    """Run on a worker: end its process at once, like a lost node (no clean shutdown)."""
    os._exit(1)


def test_worker_lost_mid_scan_is_retried_and_results_still_equal(
    cluster_client: Any, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker process killed after the first task completes: Dask reruns its tasks."""
    monkeypatch.chdir(corpus)
    tasks, _ = discover(["src"], cwd=corpus)
    options = ScanOptions()
    local = Scanner(options, jobs=1).scan_files(tasks)
    victim = sorted(cluster_client.scheduler_info()["workers"])[0]
    killed: list[str] = []

    def progress(done: int, total: int) -> None:
        if not killed:
            killed.append(victim)
            cluster_client.run(_die, workers=[victim], wait=False)

    remote = scan_on_dask(cluster_client, options, files=tasks, batch_bytes=64, progress=progress)
    assert killed
    assert _sorted(remote.findings) == _sorted(local.findings)
    assert sorted(remote.outcomes, key=repr) == sorted(local.outcomes, key=repr)
    cluster_client.wait_for_workers(2, timeout=60)  # the nanny restarts it for the next tests
