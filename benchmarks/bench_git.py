"""Git history scan: seconds per 1,000 commits against the pure read cost of ``git log -p``.

Run: ``.venv/bin/python benchmarks/bench_git.py`` (``--quick`` for 500 commits).

A repository with >= 2,000 commits on several branches is generated once under
``benchmarks/.data/`` with the real ``git fast-import`` (seeded). Secrets are committed and
deleted again later (a few stay in HEAD). We time, median of 3:

- ``git log -p --all > /dev/null`` — the pure cost of reading every patch (the baseline), and
  ``git log -p -U0 --all`` (what redact reads: added lines only, no context);
- ``redact scan --git`` with one worker and with the default (one per core);
- ``kingfisher scan --git-history full`` (no validation) as a peer that also reads history;
- ``detect-secrets scan`` — it scans only the working tree, so it cannot see deleted secrets:
  its recall on the history plants shows that, its time is for the checkout only.

Printed, not asserted.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench_scan import BIN, DATA, make_secret

WORDS = ["alpha", "beta", "gamma", "delta", "order", "price", "cache", "queue", "index", "event"]


@dataclass(frozen=True)
class Plant:
    """A secret line added by one commit (and maybe deleted by a later one)."""

    mark: int
    path: str
    line: int
    kept: bool
    sha1: str = ""
    """SHA-1 of the secret value (what detect-secrets reports as ``hashed_secret``)."""


def _line(rng: random.Random, i: int) -> str:
    a, b = rng.choice(WORDS), rng.choice(WORDS)
    return f"    {a}_{b}_{i} = compute_{a}({b}, limit={i % 97})  # step {i}"


def generate_repo(
    target: Path, *, commits: int, branches: int, plants: int, seed: int = 5
) -> list[tuple[str, Plant]]:
    """Build the repository with ``git fast-import``; return (commit sha, plant) pairs."""
    marker = target / "PLANTS.json"
    params = {"commits": commits, "branches": branches, "plants": plants, "seed": seed, "v": 2}
    if marker.exists():
        data = json.loads(marker.read_text())
        if data["params"] == params:
            return [(sha, Plant(**p)) for sha, p in data["plants"]]
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, HOME=str(target))
    subprocess.run(["git", "init", "-q", "-b", "main", str(target / "repo")], check=True, env=env)
    rng = random.Random(seed)
    files = {f"src/mod{i:03}.py": [_line(rng, j) for j in range(150)] for i in range(200)}
    plant_at = set(rng.sample(range(10, commits - 10), plants))
    pending: list[tuple[int, str, str]] = []  # (delete at commit, path, line text)
    planted: list[Plant] = []
    out: list[bytes] = []
    mark = 0
    branch_every = commits // (branches + 1)
    ts = 1_600_000_000

    def commit(ref: str, changed: list[str], parent: int | None, msg: str) -> int:
        nonlocal mark, ts
        mark += 1
        ts += 600
        out.append(f"commit {ref}\nmark :{mark}\n".encode())
        out.append(f"author Bench <bench@example.invalid> {ts} +0000\n".encode())
        out.append(f"committer Bench <bench@example.invalid> {ts} +0000\n".encode())
        data = msg.encode()
        out.append(b"data %d\n%s\n" % (len(data), data))
        if parent is not None:
            out.append(f"from :{parent}\n".encode())
        for path in changed:
            body = ("\n".join(files[path]) + "\n").encode()
            out.append(
                f"M 100644 inline {path}\n".encode() + b"data %d\n" % len(body) + body + b"\n"
            )
        return mark

    head = commit("refs/heads/main", list(files), None, "initial import")
    for n in range(1, commits):
        if branch_every and n % branch_every == 0 and n // branch_every <= branches:
            # a short side branch with its own secret, never merged, deleted on the branch
            base = head
            for k in range(3):
                path = rng.choice(list(files))
                at = rng.randrange(len(files[path]))
                files[path].insert(at, make_secret(rng, "github")[0])
                base = commit(f"refs/heads/side{n}", [path], base, f"side {n}.{k}")
                planted.append(Plant(base, path, at + 1, False))
                del files[path][at]
            continue
        path = rng.choice(list(files))
        lines = files[path]
        for _ in range(rng.randint(2, 12)):
            at = rng.randrange(len(lines))
            if rng.random() < 0.3 and len(lines) > 50:
                del lines[at]
            else:
                lines.insert(at, _line(rng, n * 13 + at))
        changed = [path]
        for item in [x for x in pending if x[0] <= n]:
            pending.remove(item)
            _, gone_path, text = item
            files[gone_path].remove(text)
            if gone_path not in changed:
                changed.append(gone_path)
        if n in plant_at:
            target_path = rng.choice(list(files))
            at = rng.randrange(len(files[target_path]))
            text = make_secret(rng, rng.choice(["github", "stripe", "aws"]))[0]
            files[target_path].insert(at, text)
            if target_path not in changed:
                changed.append(target_path)
            kept = len(planted) % 6 == 0
            value = re.split(r'[ "]', text.rstrip('"'))[-1]
            digest = hashlib.sha1(value.encode(), usedforsecurity=False).hexdigest()
            planted.append(Plant(mark + 1, target_path, at + 1, kept, digest))
            if not kept:
                pending.append((n + rng.randint(3, 40), target_path, text))
        head = commit("refs/heads/main", changed, head, f"change {n}")
    marks = target / "marks"
    subprocess.run(
        ["git", "-C", str(target / "repo"), "fast-import", "--quiet", f"--export-marks={marks}"],
        input=b"".join(out),
        check=True,
        env=env,
    )
    subprocess.run(
        ["git", "-C", str(target / "repo"), "checkout", "-q", "-f", "main"], check=True, env=env
    )
    sha = dict(line.split() for line in marks.read_text().splitlines())
    pairs = [(sha[f":{p.mark}"], p) for p in planted]
    marker.write_text(json.dumps({"params": params, "plants": [[s, p.__dict__] for s, p in pairs]}))
    return pairs


def median_time(
    cmd: list[str], *, cwd: Path, runs: int = 3, discard: bool = False
) -> tuple[float, bytes]:
    """Median wall time and the last stdout."""
    times, raw = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.DEVNULL if discard else subprocess.PIPE
        proc = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.PIPE, check=False)
        times.append(time.perf_counter() - start)
        raw = proc.stdout
    return statistics.median(times), raw


def main() -> None:
    """Generate the repository, time every reader, print per-1,000-commit costs and recall."""
    quick = "--quick" in sys.argv
    root = DATA / ("git-quick" if quick else "git-bench")
    t0 = time.perf_counter()
    pairs = generate_repo(
        root, commits=500 if quick else 2400, branches=4, plants=20 if quick else 60
    )
    repo = root / "repo"
    count = int(subprocess.run(["git", "-C", str(repo), "rev-list", "--all", "--count"],
                               capture_output=True, check=True, text=True).stdout)  # fmt: skip
    kept = sum(p.kept for _, p in pairs)
    print(f"repository: {count} commits, {len(pairs)} planted secrets ({kept} still in HEAD), "
          f"ready in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    runs = 1 if quick else 3
    rows = []
    t_read, _ = median_time(["git", "log", "-p", "--all"], cwd=repo, runs=runs, discard=True)
    rows.append(("git log -p --all > /dev/null (pure read)", t_read, None))
    t_u0, _ = median_time(["git", "log", "-p", "-U0", "--all"], cwd=repo, runs=runs, discard=True)
    rows.append(("git log -p -U0 --all > /dev/null", t_u0, None))
    want = {(sha, p.path, p.line) for sha, p in pairs}
    for label, jobs in (
        ("redact scan --git --jobs 1", ["--jobs", "1"]),
        ("redact scan --git (jobs=cores)", []),
    ):
        cmd = [str(BIN / "redact"), "scan", "--git", "--format", "json", "--no-progress", *jobs]
        t, raw = median_time(cmd, cwd=repo, runs=runs)
        got = {(f["commit"], f["path"], f["line"]) for f in json.loads(raw)["findings"]}
        rows.append((label, t, len(want & got) / len(want)))
    kf_out = root / "kingfisher.jsonl"
    kf = [str(BIN / "kingfisher"), "--no-update-check", "scan", str(repo), "--git-history", "full",
          "--no-validate", "--no-dedup", "--format", "jsonl", "-o", str(kf_out)]  # fmt: skip
    median_time(kf, cwd=repo, runs=1)  # warm the rule cache
    t, _ = median_time(kf, cwd=repo, runs=runs)
    kf_hits = set()
    for line in kf_out.read_bytes().splitlines():
        if line.startswith(b"{"):
            rec = json.loads(line)
            f = rec.get("finding", {})
            commit = (((f.get("git_metadata") or {}).get("commit") or {}).get("id")) or ""
            kf_hits.add((commit, f.get("path", "").lstrip("./"), f.get("line")))
    rows.append(("kingfisher --git-history full --no-validate", t, len(want & kf_hits) / len(want)))
    ds = [str(BIN / "detect-secrets"), "scan"]
    t, raw = median_time(ds, cwd=repo, runs=1)
    results = json.loads(raw)["results"]
    head_hits = {r["hashed_secret"] for items in results.values() for r in items}
    ds_recall = sum(p.sha1 in head_hits for _, p in pairs) / len(pairs)
    rows.append(("detect-secrets scan (working tree only)", t, ds_recall))
    print(f"\n{'reader':<48} {'seconds':>8} {'s/1k commits':>13} {'x read':>7} {'recall':>7}")
    for label, secs, rc in rows:
        per_k = secs / count * 1000
        rec = f"{rc:.1%}" if rc is not None else "-"
        print(f"{label:<48} {secs:>8.2f} {per_k:>13.3f} {secs / t_read:>7.2f} {rec:>7}")
    print(
        "\nkingfisher recall is matched on (commit, path, line) when its JSON carries the commit;"
        "\ndetect-secrets sees only the checkout, so deleted secrets are invisible to it."
    )


if __name__ == "__main__":
    main()
