"""``redact baseline audit FILE``: review a baseline one finding at a time, never showing a secret.

The detect-secrets ``audit`` workflow for our baseline. Each entry's file is
scanned again (once per file) to find where the accepted secret is now; the
line is shown with that secret masked (and any other secret on it), or the
entry is reported as stale when the secret is gone. With ``--label`` each
unlabelled entry is asked about (``y`` real secret, ``n`` false positive,
``s`` skip, ``q`` quit) and the answer is stored as the entry's ``"audit"``
field, written back atomically; the matching key stays ``(rule_id, path,
fingerprint)``, so labels never change what the baseline accepts.

Exit codes: 0 done; 2 unreadable or foreign baseline, wrong fingerprint key.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from redact.exceptions import ConfigError, RedactError
from redact.scan.baseline import FORMAT, load_baseline
from redact.scan.model import ScanFinding, ScanOptions, resolve_fingerprint_key
from redact.scan.report import clean
from redact.scan.runner import Scanner
from redact.scan.sources import discover, open_text

__all__ = ["LABELS", "audit", "register"]

#: answer -> stored label
LABELS = {"y": "real", "n": "false-positive"}


def register(subparsers: Any) -> None:
    """Add ``baseline audit`` to the ``redact`` parser."""
    parser = subparsers.add_parser(
        "baseline",
        help="review a baseline (detect-secrets audit workflow)",
        description="Baselines are written by `redact scan --baseline FILE --create-baseline` "
        "(or --update-baseline); this command reviews them.",
    )
    actions = parser.add_subparsers(dest="baseline_action", metavar="ACTION", required=True)
    aud = actions.add_parser(
        "audit", help="show each accepted finding with its line, the secret masked"
    )
    aud.add_argument("file", metavar="FILE", help="a redact baseline (.redact-baseline.json)")
    aud.add_argument(
        "--label",
        action="store_true",
        help="ask about each unlabelled entry: real (y), false positive (n), skip (s), quit (q)",
    )
    aud.add_argument("--fingerprint-key", metavar="KEY", help="the key that wrote the baseline")
    aud.add_argument(
        "--pack", action="append", metavar="NAME", help="rule pack(s) the scan added to default"
    )
    aud.add_argument(
        "--no-default-pack", action="store_true", help="the scan used the --pack packs only"
    )
    aud.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from redact.scan.cli import pack_names  # the scan's own reading of --pack

    try:
        return audit(
            args.file,
            key=resolve_fingerprint_key(args.fingerprint_key),
            packs=pack_names(args.pack, no_default=args.no_default_pack),
            label=args.label,
            answers=sys.stdin,
            out=sys.stdout,
        )
    except (RedactError, OSError) as exc:
        print(f"redact baseline audit: error: {exc}", file=sys.stderr)
        return 2


def _read(path: str) -> dict[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        msg = f"{path!r} is not a redact baseline (audit detect-secrets ones with detect-secrets)"
        raise ConfigError(msg)
    return data


def _locate(
    entries: Sequence[Mapping[str, Any]], options: ScanOptions
) -> tuple[dict[tuple[str, str, str], ScanFinding], Scanner]:
    scanner = Scanner(options, jobs=1)
    paths = sorted({str(e["path"]) for e in entries if os.path.isfile(str(e["path"]))})
    found: dict[tuple[str, str, str], ScanFinding] = {}
    if paths:
        tasks, _ = discover(paths, gitignore=False)
        for f in scanner.scan_files(tasks).findings:
            found.setdefault(f.key, f)
    return found, scanner


def _masked_line(finding: ScanFinding, scanner: Scanner) -> str:
    with open_text(finding.path) as opened:
        data = opened.head + opened.stream.read()
        encoding = opened.encoding or "utf-8"
    lines = data.decode(encoding, "surrogateescape").splitlines()
    if not 0 < finding.line <= len(lines):
        return ""
    text = lines[finding.line - 1]
    start = finding.column - 1
    end = finding.end_column - 1 if finding.end_line == finding.line else len(text)
    text = f"{text[:start]}[REDACTED:{finding.rule_id}]{text[end:]}"
    return clean(scanner.redactor.redact(text))  # and any other secret on the line


def _key(entry: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(entry["rule_id"]), str(entry["path"]), str(entry["fingerprint"]))


def audit(
    path: str,
    *,
    key: bytes,
    packs: tuple[str, ...] = ("default",),
    label: bool = False,
    answers: IO[str] | None = None,
    out: IO[str],
) -> int:
    """Print every entry of baseline ``path`` (and label them when ``label``); returns 0.

    Raises ConfigError for a missing, foreign or differently keyed baseline.
    """
    load_baseline(path, key=key)  # validates format, version and key check
    data = _read(path)
    entries: list[dict[str, Any]] = data["entries"]
    found, scanner = _locate(entries, ScanOptions(fingerprint_key=key, packs=packs))
    changed = False
    order = sorted(
        range(len(entries)), key=lambda i: (str(entries[i]["path"]), entries[i].get("line", 0))
    )
    for n, i in enumerate(order, start=1):
        e = entries[i]
        now = found.get(_key(e))
        where = f"{e['path']}:{now.line if now else e.get('line', '?')}"
        state = e.get("audit", "unreviewed")
        out.write(
            f"[{n}/{len(entries)}] {where}  {e['rule_id']} ({e.get('category', '?')})  "
            f"fp={str(e['fingerprint'])[:16]}  {state}\n"
        )
        if now is None:
            out.write("    no longer found there (stale entry: rebuild with --update-baseline)\n")
        else:
            out.write(f"    {now.line:>5} | {_masked_line(now, scanner)}\n")
        if label and "audit" not in e and answers is not None:
            out.write("    real secret? [y]es / [n]o, false positive / [s]kip / [q]uit: ")
            out.flush()
            answer = (answers.readline() or "q").strip().lower()[:1]
            out.write("\n")
            if answer == "q":
                break
            if answer in LABELS:
                e["audit"] = LABELS[answer]
                changed = True
    if changed:
        _write(path, data)
        out.write(f"labels saved to {path}\n")
    counts = {
        state: sum(1 for e in entries if e.get("audit", "unreviewed") == state)
        for state in ("real", "false-positive", "unreviewed")
    }
    stale = sum(1 for e in entries if _key(e) not in found)
    out.write(
        f"{len(entries)} entries: {counts['real']} real, {counts['false-positive']} false "
        f"positive, {counts['unreviewed']} unreviewed; {stale} stale\n"
    )
    return 0


def _write(path: str, data: Mapping[str, Any]) -> None:
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".redact-baseline.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
