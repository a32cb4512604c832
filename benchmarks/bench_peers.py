"""redact vs detect-secrets vs Kingfisher (vs gitleaks, when installed): same files, same scoring.

Run: ``make bench`` (installs the ``bench`` extra: ``kingfisher-bin``, detect-secrets), or
``.venv/bin/python benchmarks/bench_peers.py [--tree-mb 40] [--labels-out FILE]``.

1. **Planted corpus**: every rule's documented token format with fresh random characters
   (``bench_quality.planted_corpus``), one secret per file in its carrier (log line, JSON
   log, code, YAML, .env, URL, header). Recall = share of planted files with a finding.
   **Negatives**: realistic log lines and lookalike lines (hashes, UUIDs, base64 of text),
   100 per file, no secrets: every finding is a false positive (count per 10,000 lines).
2. **Real tree**: a fixed sample of this environment's site-packages (whole packages in
   name order until ``--tree-mb``), scanned by every tool: findings per MB. A sample of up
   to 100 findings per tool (every k-th, deterministic) is written with its file and line
   for hand labelling; ``benchmarks/labels/peers-labels.csv`` holds the labels (TP/FP) and
   the precision per tool is computed from it.

gitleaks ships no binary wheel on PyPI (only a 2022 wrapper without the binary), so it
runs only when a ``gitleaks`` binary is on PATH.
"""

from __future__ import annotations

import argparse
import csv
import json
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

from benchmarks.bench_quality import clean_log_lines, ds_scan_files, planted_corpus
from benchmarks.realistic import realistic_lines
from redact import RulePack

_SUFFIX = {"code": ".py", "yaml": ".yaml", "env": ".env", "json-log": ".log", "log": ".log"}
LABELS = Path(__file__).resolve().parent / "labels" / "peers-labels.csv"

#: A tool: directory in, list of (relative path, line) findings out.
Tool = Callable[[Path], list[tuple[str, int]]]


def _bin(name: str) -> str | None:
    here = Path(sys.executable).with_name(name)
    return str(here) if here.exists() else shutil.which(name)


def run_redact(root: Path, *packs: str) -> list[tuple[str, int]]:
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
    return [(f["path"], f["line"]) for f in doc["findings"] if f.get("allowed") is None]


def run_kingfisher(root: Path) -> list[tuple[str, int]]:
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
        if path:
            out.append((str(Path(path).resolve().relative_to(root.resolve())), lineno))
    return out


def run_gitleaks(root: Path) -> list[tuple[str, int]]:
    exe = shutil.which("gitleaks")
    assert exe is not None
    with tempfile.NamedTemporaryFile(suffix=".json") as rep:
        subprocess.run(
            [exe, "dir", str(root), "--report-format", "json", "--report-path", rep.name],
            capture_output=True,
            check=False,
        )
        doc = json.loads(Path(rep.name).read_text() or "[]")
    return [(str(Path(d["File"]).relative_to(root)), int(d["StartLine"])) for d in doc]


def run_detect_secrets(root: Path) -> list[tuple[str, int]]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    found = ds_scan_files(files)
    return [(str(p.relative_to(root)), n) for p, hits in found.items() for n, _ in hits]


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
    if shutil.which("gitleaks"):
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


def tree_sample(mb: float) -> list[Path]:
    """Whole top-level packages of site-packages in name order, up to ``mb`` MB."""
    site = Path(sysconfig.get_paths()["purelib"])
    chosen, total = [], 0
    for d in sorted(p for p in site.iterdir() if p.is_dir() and not p.name.endswith("-info")):
        size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
        if total + size > mb * 1e6:
            continue
        chosen.append(d)
        total += size
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Print the side-by-side tables (Markdown)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree-mb", type=float, default=40.0)
    ap.add_argument("--negative-lines", type=int, default=10000)
    ap.add_argument("--labels-out", type=Path, help="write the findings sample to label here")
    ap.add_argument("--tools", help="comma-separated subset of the tools (default: all found)")
    ap.add_argument("--no-tree", action="store_true", help="only the planted corpus and negatives")
    args = ap.parse_args(argv)
    ts = tools()
    if args.tools:
        ts = {k: v for k, v in ts.items() if k in args.tools.split(",")}
    print(f"# tools: {', '.join(ts)}; gitleaks: {'on PATH' if 'gitleaks' in ts else 'no wheel'}")
    with tempfile.TemporaryDirectory() as tmp:
        planted, neg = Path(tmp, "planted"), Path(tmp, "neg")
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
            hit = {p for p, _ in tool(planted)}
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
        if args.no_tree:
            return 0
        sample_dirs = tree_sample(args.tree_mb)
        tree = Path(tmp, "tree")
        tree.mkdir()
        for d in sample_dirs:
            shutil.copytree(d, tree / d.name, symlinks=True)
        mb = sum(f.stat().st_size for f in tree.rglob("*") if f.is_file()) / 1e6
        labels = _read_labels()
        print("\n| tool | tree MB | findings | per MB | labelled | precision | FP per MB (est.) |")
        print("|---|---|---|---|---|---|---|")
        sample_rows = []
        for name, tool in ts.items():
            found = sorted(set(tool(tree)))
            step = max(1, len(found) // 100)
            sample = found[::step][:100]
            sample_rows += [(name, p, n, _line(tree / p, n)) for p, n in sample]
            mine = [labels[(name, p, n)] for p, n in sample if (name, p, n) in labels]
            prec = sum(v == "TP" for v in mine) / len(mine) if mine else float("nan")
            fp_mb = len(found) / mb * (1 - prec) if mine else float("nan")
            print(
                f"| {name} | {mb:.1f} | {len(found)} | {len(found) / mb:.2f} | {len(mine)} "
                f"| {prec:.2f} | {fp_mb:.2f} |"
            )
        print(f"\n(tree: {', '.join(d.name for d in sample_dirs)})")
        if args.labels_out:
            with args.labels_out.open("w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["tool", "path", "line", "text"])
                w.writerows(sample_rows)
    return 0


def _line(path: Path, n: int) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            for i, line in enumerate(fh, 1):
                if i == n:
                    return line.strip()[:200]
    except OSError:
        pass
    return ""


def _read_labels() -> dict[tuple[str, str, int], str]:
    if not LABELS.exists():
        return {}
    with LABELS.open(newline="") as fh:
        return {(r["tool"], r["path"], int(r["line"])): r["label"] for r in csv.DictReader(fh)}


if __name__ == "__main__":
    raise SystemExit(main())
