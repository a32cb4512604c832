"""Scale-out on Dask: 1 vs 2 workers, the cluster path's overhead, and a projection.

Run: ``.venv/bin/python benchmarks/bench_scale.py`` (``--quick`` for a smaller job).

Everything is generated under a temporary directory (seeded, synthetic secrets):

- a JSON-lines log dataset (``--mb`` MiB in 16 files) for bulk redaction
  (``redact_dataframe`` over ``dd.read_json``), and the same dataset as files for
  ``scan_on_dask``;
- a git repository with ``--commits`` commits for the commit-range scan.

Measured, median of ``--repeat`` interleaved rounds, on a real ``LocalCluster`` with
1 and with 2 worker processes (1 thread each): throughput, scaling efficiency
``T1 / (2 * T2)``, the per-task overhead of the cluster path against the same work done
in this process (local ``Scanner``, ``Redactor.redact`` over the rows), and per-unit
costs (seconds per MiB of logs, per 1,000 commits, per task). A projection for an
organisation of 1,000 repositories x 5,000 commits and for 1 TB of JSON-lines logs is
printed from those measured costs. Printed, not asserted; machine load is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import string
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask.dataframe as dd
from distributed import Client, LocalCluster

from redact.integrations.dask import redact_dataframe
from redact.recipe import RedactorRecipe
from redact.scan import Scanner, ScanOptions, discover
from redact.scan.distributed import scan_on_dask

RNG = random.Random(1234)
ALNUM = string.ascii_letters + string.digits


def token() -> str:
    return "gh" + "p_" + "".join(RNG.choice(ALNUM) for _ in range(36))


def make_logs(root: Path, mib: int, files: int = 16) -> int:
    """JSON-lines logs, ~1 in 50 lines with a secret; returns bytes written."""
    root.mkdir(parents=True)
    words = ["GET", "POST", "/api/v1/orders", "user", "ok", "latency", "cache", "miss", "retry"]
    per_file = mib * (1 << 20) // files
    total = 0
    for k in range(files):
        lines = []
        size = 0
        i = 0
        while size < per_file:
            msg = " ".join(RNG.choice(words) for _ in range(12))
            if i % 50 == 7:
                msg += f" token={token()}"
            line = json.dumps({"ts": i, "level": "info", "message": msg, "svc": f"s{k}"}) + "\n"
            lines.append(line)
            size += len(line)
            i += 1
        (root / f"part-{k:02d}.jsonl").write_text("".join(lines))
        total += size
    return total


def make_repo(root: Path, commits: int) -> None:
    """A linear history, one file per commit changed, ~1 in 20 commits adds a secret."""
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "HOME": str(root.parent),
    }
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=env)
    stream = []
    for i in range(commits):
        body = "".join(f"line {i}-{j} value={RNG.random():.6f}\n" for j in range(20))
        if i % 20 == 3:
            body += f"key = '{token()}'\n"
        data = body.encode()
        msg = f"c{i}".encode()
        stream.append(b"commit refs/heads/main\n")
        stream.append(f"committer B <b@x.invalid> {1700000000 + i} +0000\n".encode())
        stream.append(b"data %d\n%s\n" % (len(msg), msg))
        stream.append(b"M 644 inline f%d.txt\ndata %d\n%s\n" % (i % 50, len(data), data))
    subprocess.run(
        ["git", "-C", str(root), "fast-import", "--quiet"],
        input=b"".join(stream),
        check=True,
        env=env,
    )


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} cores"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=32)
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.mb, args.commits, args.repeat = 8, 300, 3
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, tmp: Path) -> None:
    """Generate the data under ``tmp``, measure, print."""
    logs = tmp / "logs"
    nbytes = make_logs(logs, args.mb)
    repo = tmp / "repo"
    make_repo(repo, args.commits)
    recipe = RedactorRecipe()
    options = ScanOptions()
    files, _ = discover([str(logs)], cwd=logs)
    mib = nbytes / (1 << 20)
    print(f"# bench_scale: {mib:.1f} MiB JSON lines, {args.commits} commits; {load()}")

    # --- the local path (this process, no cluster) and 1- and 2-worker clusters, interleaved --
    pattern = str(logs / "*.jsonl")
    small = files[:1]

    def bulk_job(scheduler: Any) -> Callable[[], None]:
        def job() -> None:
            df = dd.read_json(pattern, lines=True, blocksize=None)
            redact_dataframe(df, ["message"], recipe=recipe).compute(scheduler=scheduler)

        return job

    def local_jobs() -> dict[str, Callable[[], object]]:
        return {
            "redact rows": bulk_job("sync"),
            "scan files": lambda: Scanner(options, jobs=1).scan_files(files),
            "scan git": lambda: Scanner(options, jobs=1).scan_git(repo),
            "small job": lambda: Scanner(options, jobs=1).scan_files(small),
        }

    def cluster_jobs(client: Client) -> dict[str, Callable[[], object]]:
        return {
            "redact rows": bulk_job(client),
            "scan files": lambda: scan_on_dask(client, options, files=files, batch_bytes=1 << 20),
            "scan git": lambda: scan_on_dask(client, options, repos=[repo], commits_per_task=100),
            "small job": lambda: scan_on_dask(client, options, files=small),
        }

    kw: dict[str, Any] = {
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": "127.0.0.1:0",
        "host": "127.0.0.1",
        "silence_logs": 40,
    }
    with (
        LocalCluster(n_workers=1, **kw) as c1,
        LocalCluster(n_workers=2, **kw) as c2,
        Client(c1, set_as_default=False) as k1,
        Client(c2, set_as_default=False) as k2,
    ):
        paths = {"local": local_jobs(), 1: cluster_jobs(k1), 2: cluster_jobs(k2)}
        for jobs in paths.values():
            jobs["redact rows"]()  # warm up: imports, each worker's Redactor
        rounds: dict[Any, dict[str, list[float]]] = {p: {} for p in paths}
        for _ in range(args.repeat):
            for job in ("redact rows", "scan files", "scan git", "small job"):
                for p, jobs in paths.items():  # interleaved: local, 1 worker, 2 workers
                    rounds[p].setdefault(job, []).append(timed(jobs[job]))
    base, results = rounds["local"], {1: rounds[1], 2: rounds[2]}
    tiny_local = statistics.median(base["small job"])
    med = statistics.median
    print("\n| job | local path | 1 worker | 2 workers | 2 vs 1 | efficiency |")
    print("|---|---|---|---|---|---|")
    for job in ("redact rows", "scan files", "scan git"):
        b, t1, t2 = med(base[job]), med(results[1][job]), med(results[2][job])
        print(
            f"| {job} | {b:.2f} s | {t1:.2f} s | {t2:.2f} s | "
            f"{t1 / t2:.2f}x | {t1 / (2 * t2):.0%} |"
        )
    t_small = med(results[2]["small job"])
    print(
        f"\nsmall job (1 file, {small[0].size} B): in-process {tiny_local * 1e3:.1f} ms, "
        f"cluster path {t_small * 1e3:.1f} ms (overhead {t_small - tiny_local:.3f} s per scan)"
    )
    # --- per-unit costs and the projection -------------------------------------------------
    s_per_mib = med(results[1]["redact rows"]) / mib  # one worker: cost of one core
    s_per_kcommit = med(results[1]["scan git"]) / args.commits * 1000
    eff = med(results[1]["redact rows"]) / (2 * med(results[2]["redact rows"]))
    eff_git = med(results[1]["scan git"]) / (2 * med(results[2]["scan git"]))
    print(f"\nper worker-core: {s_per_mib:.3f} s per MiB of JSON lines (bulk redaction), ")
    print(f"{s_per_kcommit:.2f} s per 1,000 commits (history scan, incl. git log -p)")
    print(f"scaling efficiency 1 -> 2 workers: bulk {eff:.0%}, git {eff_git:.0%}")
    tb_mib = 1 << 20  # 1 TiB in MiB
    core_hours_logs = tb_mib * s_per_mib / 3600
    commits = 1000 * 5000
    core_hours_git = commits / 1000 * s_per_kcommit / 3600
    overhead = max(0.0, t_small - tiny_local)  # per task round trip, measured on a small job
    repo_tasks = 1000 * (1 + 5000 // 500)  # one rev-list + commit ranges of 500, per repo
    log_tasks = tb_mib // 64  # 64 MiB partitions / byte ranges
    print(
        f"\nprojection from the per-core costs above, + {overhead:.2f} s per task "
        f"({repo_tasks} tasks for the repositories, {log_tasks} for the logs); "
        "'linear' assumes each added worker core adds one core of throughput, "
        "'measured' divides by the 1 -> 2 efficiency measured here (a contended machine):"
    )
    for cores in (32, 128, 512):
        logs_h = (core_hours_logs + log_tasks * overhead / 3600) / cores
        git_h = (core_hours_git + repo_tasks * overhead / 3600) / cores
        print(
            f"  {cores:4d} worker cores: 1 TB JSON lines {logs_h:.1f} h linear, "
            f"{logs_h / eff:.1f} h measured; 1,000 x 5,000 commits {git_h * 60:.0f} min linear, "
            f"{git_h * 60 / eff_git:.0f} min measured"
        )
    print(
        f"  total work: {core_hours_logs:.0f} core-hours for 1 TB of logs, "
        f"{core_hours_git:.0f} core-hours for 5M commits"
    )
    print(f"# done; {load()}")


if __name__ == "__main__":
    main()
