"""Scanner throughput and recall: redact vs detect-secrets vs Kingfisher on one generated tree.

Run: ``.venv/bin/python benchmarks/bench_scan.py`` (add ``--quick`` for a 40 MB smoke run).

1. A tree of source files and logs (>= 200 MB, a few hundred planted synthetic secrets of
   seven kinds) is generated once under ``benchmarks/.data/`` (gitignored, seeded).
2. Each tool scans it; MB/s is the median of the runs, recall is the share of planted secrets
   reported at their file and line. detect-secrets is far slower, so it scans a 2 % subset
   (every 50th file) and its MB/s is measured there; recall for all three tools is also
   measured on a small "context corpus" holding every planted line with its neighbours.
3. Memory: one 1 GB log file scanned by ``redact scan`` in a child process; peak RSS from
   ``resource.getrusage(RUSAGE_CHILDREN)`` of a wrapper whose only child is the scan.

Nothing is asserted: figures are printed (and go into docs/performance-scan.md by hand).
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA = ROOT / ".data"
BIN = Path(sys.executable).parent
_ALNUM = string.ascii_letters + string.digits


# -- synthetic secrets (random, in each provider's shape; never real) -------------------------


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_secret(rng: random.Random, kind: str) -> list[str]:
    """Lines of source text that carry one synthetic secret of ``kind``."""
    if kind == "github":
        return [f'GITHUB_TOKEN = "{"gh" + "p_" + _rand(rng, _ALNUM, 36)}"']
    if kind == "aws":
        key = "AK" + "IA" + _rand(rng, string.ascii_uppercase + "234567", 16)
        return [f"aws_access_key_id = {key}"]
    if kind == "stripe":
        return [f'stripe.api_key = "{"sk_" + "live_" + _rand(rng, _ALNUM, 24)}"']
    if kind == "slack":
        tok = "xo" + "xb-" + _rand(rng, string.digits, 11) + "-" + _rand(rng, string.digits, 12)
        return [f'SLACK_BOT_TOKEN = "{tok}-{_rand(rng, _ALNUM, 24)}"']
    if kind == "url":
        return [f'DATABASE_URL = "postgres://app:{_rand(rng, _ALNUM, 18)}@db.internal:5432/app"']
    if kind == "jwt":
        head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64url(json.dumps({"sub": _rand(rng, _ALNUM, 10), "iat": 1700000000}).encode())
        return [f'auth_header = "Bearer {head}.{body}.{_b64url(rng.randbytes(32))}"']
    if kind == "pem":
        # redact:allow private-key-pem generator of synthetic keys
        lines = ["-----BEGIN RSA PRIVATE KEY-----"]
        lines += [base64.b64encode(rng.randbytes(48)).decode() for _ in range(12)]
        return [*lines, "-----END RSA PRIVATE KEY-----"]
    raise ValueError(kind)


KINDS = ("github", "aws", "stripe", "slack", "url", "jwt", "pem")


# -- the corpus ---------------------------------------------------------------------------


def _source_pool(rng: random.Random) -> list[str]:
    """Code-like lines; about 1 in 60 mentions a sensitive word, as in real code bases."""
    words = [
        "user", "count", "order", "item", "price", "cache", "query", "result", "client", "config",
        "request", "response", "handler", "buffer", "index", "status", "report", "event", "queue",
        "worker", "parser", "schema", "record", "batch", "limit", "offset", "filter", "router",
    ]  # fmt: skip
    bait = [
        "api_key = os.environ['API_KEY']",
        "password_field = forms.CharField(widget=forms.PasswordInput)",
        "token_count = len(tokens)",
        "    return {'password': password, 'user': user}",
        "# the secret is read from the vault at start-up",
        "const token = await getToken(client);",
    ]
    pool = []
    for i in range(4000):
        a, b = rng.choice(words), rng.choice(words)
        pool += [
            f"def get_{a}_{b}_{i}(self, request):",
            f"    {a}_{b} = self.repository.load({i}, cache=True)",
            f"    # refresh the {a} every {i % 90} days; never trust the {b}",
            f"    if {a}_count > {i}: raise ValueError('too many {b}s')",
            f"    return {{'{a}': {a}_{b}, 'status': 'ok', 'n': {i}}}",
            f"const {a}{i} = await fetch(`/api/v{i % 3}/{b}s/${{id}}`);",
            f"{a.upper()}_{b.upper()}_FIELD = forms.CharField(max_length={i % 200})",
            f"    logger.info('loaded %d {a}s for {b}', len({a}s))",
            "",
        ]
        if i % 7 == 0:
            pool.append(bait[i % len(bait)])
    return pool


def _log_pool(rng: random.Random) -> list[str]:
    pool = []
    for i in range(4000):
        ms = rng.randint(1, 900)
        pool.append(
            f"2024-05-0{i % 9 + 1}T12:{i % 60:02d}:{(i * 7) % 60:02d}Z INFO  [api] request_id="
            f"{_rand(rng, string.hexdigits.lower(), 16)} method=GET path=/api/v1/items/{i} "
            f"status=200 user=user{i % 500} took={ms}ms"
        )
        pool.append(
            json.dumps(
                {
                    "ts": f"2024-05-01T12:00:{i % 60:02d}Z",
                    "level": "info",
                    "msg": "request handled",
                    "request": {"method": "POST", "path": f"/v1/orders/{i}", "bytes": i * 3},
                    "user": {"id": i, "session_count": i % 7},
                    "duration_ms": ms,
                }
            )
        )
    return pool


@dataclass(frozen=True)
class Planted:
    """Where one planted secret lives (1-based lines, inclusive)."""

    path: str
    first: int
    last: int
    kind: str


def generate_tree(
    target: Path, *, sources: int, logs: int, log_mb: float, secrets: int, seed: int = 7
) -> list[Planted]:
    """Write the corpus (once) and return the planted secrets; cached by a manifest."""
    manifest = target / "MANIFEST.json"
    params = {"sources": sources, "logs": logs, "log_mb": log_mb, "secrets": secrets, "seed": seed,
              "corpus": 3}  # fmt: skip
    if manifest.exists():
        data = json.loads(manifest.read_text())
        if data["params"] == params:
            return [Planted(**p) for p in data["planted"]]
    if target.exists():
        shutil.rmtree(target)
    rng = random.Random(seed)
    src_pool, log_pool = _source_pool(rng), _log_pool(rng)
    files: list[tuple[str, list[str]]] = []
    for i in range(sources):
        ext = rng.choice([".py", ".js", ".go", ".ts"])
        n = rng.randint(400, 1400)
        files.append((f"src/pkg{i % 40:02}/module_{i:04}{ext}", rng.choices(src_pool, k=n)))
    avg_log_line = sum(len(x) + 1 for x in log_pool) / len(log_pool)
    for i in range(logs):
        n = int(log_mb * 1e6 / avg_log_line)
        files.append((f"logs/service{i % 8}/app-{i:03}.log", rng.choices(log_pool, k=n)))
    planted: list[Planted] = []
    used: set[int] = set()
    for j in range(secrets):
        idx = rng.randrange(len(files))
        while idx in used:  # one plant per file keeps every line number exact
            idx = rng.randrange(len(files))
        used.add(idx)
        path, lines = files[idx]
        kind = KINDS[j % len(KINDS)]
        at = rng.randrange(len(lines))
        block = make_secret(rng, kind)
        lines[at:at] = block
        planted.append(Planted(path, at + 1, at + len(block), kind))
    for path, lines in files:
        out = target / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest.write_text(
        json.dumps({"params": params, "planted": [p.__dict__ for p in planted]}, indent=0)
    )
    return planted


def tree_bytes(root: Path, files: list[Path] | None = None) -> int:
    """Total size of the corpus files (the manifest excluded)."""
    items = files if files is not None else [p for p in root.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in items if p.name != "MANIFEST.json")


def context_corpus(tree: Path, planted: list[Planted], target: Path) -> list[Planted]:
    """Every planted block with 3 lines around it, one small file per plant (same extension)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    out: list[Planted] = []
    for i, p in enumerate(planted):
        lines = (tree / p.path).read_text(encoding="utf-8").split("\n")
        lo = max(0, p.first - 4)
        chunk = lines[lo : p.last + 3]
        name = f"c{i:04}{Path(p.path).suffix}"
        (target / name).write_text("\n".join(chunk) + "\n", encoding="utf-8")
        out.append(Planted(name, p.first - lo, p.last - lo, p.kind))
    return out


# -- running the tools ------------------------------------------------------------------------


def timed(cmd: list[str], *, cwd: Path, out: Path | None = None) -> tuple[float, bytes]:
    """Wall time of ``cmd`` and its stdout (or the file ``out`` when given)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1, 200, 205):
        sys.stderr.write(proc.stderr.decode(errors="replace")[-2000:])
        msg = f"{cmd[0]} exited {proc.returncode}"
        raise RuntimeError(msg)
    return elapsed, (out.read_bytes() if out else proc.stdout)


def redact_hits(raw: bytes) -> set[tuple[str, int]]:
    """(path, line) of each redact finding."""
    return {(f["path"], f["line"]) for f in json.loads(raw)["findings"]}


def kingfisher_hits(raw: bytes, root: Path) -> set[tuple[str, int]]:
    """(path, line) of each Kingfisher finding (jsonl)."""
    hits = set()
    for line in raw.splitlines():
        if not line.strip().startswith(b"{"):
            continue
        rec = json.loads(line)
        f = rec.get("finding") or {}
        if "path" in f and "line" in f:
            path = os.path.relpath(os.path.join(root, f["path"]), root)
            hits.add((path, int(f["line"])))
    return hits


def detect_secrets_hits(raw: bytes) -> set[tuple[str, int]]:
    """(path, line) of each detect-secrets result."""
    results = json.loads(raw)["results"]
    return {(path, r["line_number"]) for path, items in results.items() for r in items}


def recall(planted: list[Planted], hits: set[tuple[str, int]]) -> tuple[float, dict[str, str]]:
    """Share of planted secrets with a finding inside their lines, overall and per kind."""
    found = [any((p.path, n) in hits for n in range(p.first, p.last + 1)) for p in planted]
    per_kind = {}
    for kind in KINDS:
        sel = [f for f, p in zip(found, planted, strict=True) if p.kind == kind]
        per_kind[kind] = f"{sum(sel)}/{len(sel)}"
    return (sum(found) / len(found) if found else 0.0), per_kind


def unplanted(planted: list[Planted], hits: set[tuple[str, int]]) -> int:
    """Findings on lines where nothing was planted (false positives on this corpus)."""
    lines = {(p.path, n) for p in planted for n in range(p.first, p.last + 1)}
    return len(hits - lines)


def median_run(
    cmd: list[str], *, cwd: Path, runs: int, out: Path | None = None
) -> tuple[float, bytes]:
    """Median wall time over ``runs`` runs, and the last output."""
    times, raw = [], b""
    for _ in range(runs):
        t, raw = timed(cmd, cwd=cwd, out=out)
        times.append(t)
    return statistics.median(times), raw


def redact_cmd(target: str, *, jobs: int | None = None) -> list[str]:
    """The redact scan command line used throughout."""
    cmd = [str(BIN / "redact"), "scan", "--format", "json", "--no-progress", "--no-gitignore"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    return [*cmd, target]


def kingfisher_cmd(target: str, out: Path) -> list[str]:
    """Kingfisher without validation (no network), every occurrence, no git history."""
    return [
        str(BIN / "kingfisher"), "--no-update-check", "scan", target, "--no-validate",
        "--no-dedup", "--git-history", "none", "--format", "jsonl", "-o", str(out),
    ]  # fmt: skip


def detect_secrets_cmd(paths: list[str]) -> list[str]:
    """detect-secrets over explicit files (it has no parallelism worth enabling here)."""
    return [str(BIN / "detect-secrets"), "scan", "--all-files", *paths]


# -- the benchmark ----------------------------------------------------------------------------


def main() -> None:
    """Generate, run every tool, print MB/s, ratios and recall, then the 1 GB memory check."""
    quick = "--quick" in sys.argv
    runs = 1 if quick else 3
    tree = DATA / ("scan-tree-quick" if quick else "scan-tree")
    t0 = time.perf_counter()
    planted = generate_tree(
        tree,
        sources=400 if quick else 2000,
        logs=20 if quick else 200,
        log_mb=0.7,
        secrets=70 if quick else 350,
    )
    size = tree_bytes(tree)
    print(f"corpus: {size / 1e6:.1f} MB, {len(planted)} planted secrets "
          f"(ready in {time.perf_counter() - t0:.1f} s), {os.cpu_count()} cores")  # fmt: skip
    rows: list[tuple[str, float, float, str, int]] = []

    # redact (default jobs = cores), and one process for reference
    kf_out = DATA / "kingfisher.jsonl"
    for label, jobs in (("redact scan (jobs=cores)", None), ("redact scan --jobs 1", 1)):
        t, raw = median_run(redact_cmd(".", jobs=jobs), cwd=tree, runs=runs)
        hits = {(p, n) for p, n in redact_hits(raw)}
        r, kinds = recall(planted, hits)
        rows.append((label, size / 1e6 / t, r, json.dumps(kinds), unplanted(planted, hits)))

    # Kingfisher: one warm-up run (rule cache), then the median
    timed(kingfisher_cmd(str(tree), kf_out), cwd=ROOT, out=kf_out)
    t, raw = median_run(kingfisher_cmd(str(tree), kf_out), cwd=ROOT, runs=runs, out=kf_out)
    hits = kingfisher_hits(raw, tree)
    r, kinds = recall(planted, hits)
    rows.append(
        ("kingfisher --no-validate", size / 1e6 / t, r, json.dumps(kinds), unplanted(planted, hits))
    )

    # detect-secrets on every 50th file
    files = sorted(p for p in tree.rglob("*") if p.is_file() and p.name != "MANIFEST.json")
    subset = files[::50]
    sub_size = tree_bytes(tree, subset)
    rel = [str(p.relative_to(tree)) for p in subset]
    t, raw = timed(detect_secrets_cmd(rel), cwd=tree)
    hits = detect_secrets_hits(raw)
    sub_planted = [p for p in planted if p.path in set(rel)]
    r, kinds = recall(sub_planted, hits)
    label = f"detect-secrets (subset {sub_size / 1e6:.1f} MB, {len(sub_planted)} planted)"
    rows.append((label, sub_size / 1e6 / t, r, json.dumps(kinds), unplanted(sub_planted, hits)))

    base = rows[0][1]
    print(f"\n{'tool':<58} {'MB/s':>8} {'redact x':>9} {'recall':>7} {'unplanted':>9}")
    for label, mbps, rc, _, fp in rows:
        print(f"{label:<58} {mbps:>8.2f} {base / mbps:>9.1f} {rc:>7.1%} {fp:>9}")
    for label, _, _, kinds, _ in rows:
        print(f"  {label}: {kinds}")

    # recall of all three on the context corpus (every plant, small enough for detect-secrets)
    ctx = DATA / ("scan-context-quick" if quick else "scan-context")
    ctx_planted = context_corpus(tree, planted, ctx)
    print(f"\ncontext corpus: {len(ctx_planted)} planted secrets with 3 lines of context each")
    _, raw = timed(redact_cmd("."), cwd=ctx)
    print(f"  redact         recall {recall(ctx_planted, redact_hits(raw))[0]:.1%} "
          f"{recall(ctx_planted, redact_hits(raw))[1]}")  # fmt: skip
    _, raw = timed(kingfisher_cmd(str(ctx), kf_out), cwd=ROOT, out=kf_out)
    kh = kingfisher_hits(raw, ctx)
    print(f"  kingfisher     recall {recall(ctx_planted, kh)[0]:.1%} {recall(ctx_planted, kh)[1]}")
    names = sorted(p.name for p in ctx.iterdir())
    _, raw = timed(detect_secrets_cmd(names), cwd=ctx)
    dh = detect_secrets_hits(raw)
    print(f"  detect-secrets recall {recall(ctx_planted, dh)[0]:.1%} {recall(ctx_planted, dh)[1]}")

    memory_check(quick=quick)


_WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{elapsed:.3f} {peak:.1f} {proc.returncode} {len(proc.stdout)}")
"""


def memory_check(*, quick: bool) -> None:
    """Scan one large log file in a child process; print its peak RSS and throughput."""
    size_mb = 100 if quick else 1000
    path = DATA / f"single-{size_mb}mb.log"
    rng = random.Random(11)
    if not path.exists() or path.stat().st_size < size_mb * 1_000_000:
        block = "\n".join(rng.choices(_log_pool(rng), k=4000)) + "\n"
        data = block.encode()
        with path.open("wb") as fh:
            written = 0
            i = 0
            while written < size_mb * 1_000_000:
                fh.write(data)
                written += len(data)
                i += 1
                if i % 200 == 0:
                    line = make_secret(rng, "github")[0] + "\n"
                    fh.write(line.encode())
                    written += len(line)
    size = path.stat().st_size
    cmd = [sys.executable, "-c", _WRAPPER, *redact_cmd(str(path), jobs=1)]
    out = subprocess.run(cmd, capture_output=True, check=True, text=True).stdout.split()
    elapsed, peak = float(out[0]), float(out[1])
    redact_mbps = size / 1e6 / elapsed
    print(f"\nsingle file {size / 1e6:.0f} MB: redact {size / 1e6 / elapsed:.1f} MB/s (1 process), "
          f"peak RSS of the scan process {peak:.0f} MiB (exit {out[2]})")  # fmt: skip
    kf_out = DATA / "kingfisher-single.jsonl"
    cmd = [sys.executable, "-c", _WRAPPER, *kingfisher_cmd(str(path), kf_out)]
    out = subprocess.run(cmd, capture_output=True, check=True, text=True).stdout.split()
    elapsed, peak = float(out[0]), float(out[1])
    print(f"single file {size / 1e6:.0f} MB: kingfisher {size / 1e6 / elapsed:.1f} MB/s, "
          f"peak RSS {peak:.0f} MiB")  # fmt: skip
    print(f"single file: redact / kingfisher ratio {redact_mbps / (size / 1e6 / elapsed):.2f}x")


if __name__ == "__main__":
    main()
