"""Reports: human text (grouped, coloured on a TTY), JSON, and SARIF 2.1.0.

No report ever contains a secret unless the user passed ``--show-secrets``:
findings carry a keyed-HMAC fingerprint instead. SARIF results carry the
fingerprint as ``partialFingerprints`` so GitHub code scanning tracks an
alert across runs even when its line moves; inline-allowed findings are
emitted with an ``inSource`` suppression and their reason.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from redact import __version__
from redact.engine import Redactor
from redact.scan.model import FileOutcome, ScanFinding

__all__ = [
    "FINGERPRINT_SHOWN",
    "SARIF_SCHEMA",
    "ProgressDisplay",
    "ReportContext",
    "RuleInfo",
    "clean",
    "render_json",
    "render_sarif",
    "render_text",
    "rule_catalogue",
    "summary_line",
    "use_colour",
]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://example.invalid/redact"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_SECURITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}
_SEVERITY_ORDER = ("critical", "high", "medium", "low")
#: Hex digits of the fingerprint shown in text reports and SARIF messages (JSON,
#: SARIF partialFingerprints and baselines keep the whole HMAC).
FINGERPRINT_SHOWN = 16
_BUILTIN_RULES = {
    "sensitive-key": ("A value assigned to a sensitive key name (password, token, ...)", ()),
    "known-secret": ("A value registered as a known secret (exact match)", ()),
}


@dataclass(frozen=True)
class RuleInfo:
    """What a report says about a rule."""

    id: str
    description: str
    category: str
    severity: str
    tags: tuple[str, ...] = ()


def rule_catalogue(redactor: Redactor) -> dict[str, RuleInfo]:
    """Metadata of every rule the redactor can report, by id."""
    out: dict[str, RuleInfo] = {}
    for r in redactor.rules:
        out[r.id] = RuleInfo(r.id, r.description or r.id, r.category, r.severity, r.tags)
    out.setdefault(
        "sensitive-key",
        RuleInfo("sensitive-key", _BUILTIN_RULES["sensitive-key"][0], "sensitive-key", "medium"),
    )
    out.setdefault(
        "known-secret",
        RuleInfo("known-secret", _BUILTIN_RULES["known-secret"][0], "known-secret", "critical"),
    )
    return out


@dataclass
class ReportContext:
    """Everything a report needs besides the findings."""

    outcomes: Sequence[FileOutcome] = ()
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    baseline_known: int = 0
    bytes: int = 0
    seconds: float = 0.0
    commits: int = 0
    root: Path = field(default_factory=Path.cwd)
    mask: Callable[[str], str] | None = None
    """Masks secrets in paths and reasons (:func:`redact.scan.text.mask_path` in a scan);
    ``None``: the default redactor's labelled masks, so a report never prints a secret."""

    def masked(self, text: str) -> str:
        """``text`` (a path or reason) with secrets masked."""
        return (self.mask or _default_mask())(text)

    def show(self, text: str) -> str:
        """``text`` as a report may print it: :meth:`masked`, then :func:`clean`."""
        return clean(self.masked(text))


@functools.cache
def _default_mask() -> Callable[[str], str]:
    return Redactor.default().redact


def clean(text: str) -> str:
    """Undecodable bytes (kept as surrogate escapes while scanning) shown as U+FFFD."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _summary(findings: Sequence[ScanFinding], ctx: ReportContext) -> dict[str, Any]:
    active = [f for f in findings if f.allowed is None]
    status = Counter(o.status for o in ctx.outcomes)
    return {
        "findings": len(active),
        "allowed_inline": len(findings) - len(active),
        "known_from_baseline": ctx.baseline_known,
        "by_severity": {s: sum(1 for f in active if f.severity == s) for s in _SEVERITY_ORDER},
        "files_scanned": status.get("scanned", 0),
        "files_binary_skipped": status.get("binary", 0),
        "files_unreadable": status.get("unreadable", 0) + status.get("error", 0),
        "files_incomplete": status.get("incomplete", 0),
        "files_excluded": status.get("excluded", 0),
        "files_skipped_other": status.get("skipped", 0),
        "commits": ctx.commits,
        "bytes": ctx.bytes,
        "seconds": round(ctx.seconds, 3),
    }


def _finding_dict(f: ScanFinding, ctx: ReportContext) -> dict[str, Any]:
    d: dict[str, Any] = {
        "rule_id": f.rule_id,
        "category": f.category,
        "severity": f.severity,
        "path": ctx.show(f.path),
        "line": f.line,
        "column": f.column,
        "end_line": f.end_line,
        "end_column": f.end_column,
        "fingerprint": f.fingerprint,
    }
    for name in ("commit", "author_date", "field", "layer", "allowed", "secret"):
        value = getattr(f, name)
        if value is not None:
            d[name] = clean(value)
    return d


def render_json(findings: Sequence[ScanFinding], ctx: ReportContext, out: IO[str]) -> None:
    """One JSON document: findings, skipped inputs and a summary."""
    doc = {
        "tool": "redact",
        "version": __version__,
        "findings": [_finding_dict(f, ctx) for f in findings],
        "skipped": [
            {"path": ctx.show(o.path), "status": o.status, "reason": ctx.show(o.reason)}
            for o in ctx.outcomes
            if o.status != "scanned"
        ],
        "summary": _summary(findings, ctx),
    }
    json.dump(doc, out, indent=2)
    out.write("\n")


_SGR = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "magenta": "35",
    "cyan": "36",
    "white": "37",
    "bold red": "1;31",
    "bold green": "1;32",
    "bold yellow": "1;33",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _safe(text: str) -> str:
    """``clean`` plus control characters shown as ``\\xNN`` (a path cannot drive the terminal)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", clean(text))


def use_colour(out: IO[str], color: bool | None) -> bool:
    """``color`` if given, else colour only on a terminal (not with ``NO_COLOR``/``TERM=dumb``)."""
    if color is not None:
        return color
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def render_text(
    findings: Sequence[ScanFinding],
    ctx: ReportContext,
    out: IO[str],
    *,
    color: bool | None = None,
) -> None:
    """Findings grouped by file, then skipped inputs, then a summary line.

    Plain text (base install, no ``rich``); ANSI colours when ``color`` is true, or
    when it is ``None`` and ``out`` is a terminal (see :func:`use_colour`).
    """
    paint = use_colour(out, color)

    def st(style: str, text: str) -> str:
        return f"\x1b[{_SGR[style]}m{text}\x1b[0m" if paint else text

    def say(text: str) -> None:
        out.write(text + "\n")

    groups: dict[str, list[ScanFinding]] = {}
    for f in findings:
        groups.setdefault(f.path, []).append(f)
    for path in sorted(groups):
        say(st("bold", _safe(ctx.masked(path))))
        for f in sorted(groups[path], key=lambda x: (x.line, x.column, x.commit or "")):
            where = f"{f.line}:{f.column}"
            parts = [
                f"  {where:>9}",
                st(_STYLE.get(f.severity, "white"), f"{f.severity:<8}"),
                _safe(f.rule_id),
                st("dim", f"{_safe(f.category)} fp={f.fingerprint[:FINGERPRINT_SHOWN]}"),
            ]
            if f.field:
                parts.append(_safe(f.field))
            if f.commit:
                parts.append(f"{st('magenta', f.commit[:12])} {_safe(f.author_date or '')}")
            if f.layer:
                parts.append(st("dim", f"layer {_safe(f.layer)}"))
            if f.secret is not None:
                parts.append(f"secret={_safe(repr(clean(f.secret)))}")
            if f.allowed is not None:
                parts.append(st("green", f"allowed: {_safe(f.allowed)}"))
            say(" ".join(parts))
    problems = [
        o for o in ctx.outcomes if o.status in ("unreadable", "error", "incomplete", "skipped")
    ]
    if problems:
        say(st("bold yellow", "not scanned:"))
        for o in problems:
            say(f"  {_safe(ctx.masked(o.path))}: {_safe(o.status)} ({_safe(ctx.masked(o.reason))})")
    say(summary_line(findings, ctx, paint=paint))


def summary_line(
    findings: Sequence[ScanFinding], ctx: ReportContext, *, paint: bool = False
) -> str:
    """The last line of the text report (counts, bytes, time)."""
    s = _summary(findings, ctx)
    sev = ", ".join(f"{n} {k}" for k, n in s["by_severity"].items() if n)
    mb = ctx.bytes / 1e6
    rate = f", {mb / ctx.seconds:.1f} MB/s" if ctx.seconds > 0 and mb > 1 else ""
    count = f"{s['findings']} finding(s)"
    if paint:
        count = f"\x1b[{_SGR['bold red' if s['findings'] else 'bold green']}m{count}\x1b[0m"
    what = f"{s['commits']} commit(s)" if ctx.commits else f"{s['files_scanned']} file(s)"
    return (
        count
        + (f" ({sev})" if sev else "")
        + f" in {what}, {mb:.1f} MB in {ctx.seconds:.2f} s{rate}; "
        f"{s['files_binary_skipped']} binary skipped, {s['files_unreadable']} unreadable, "
        + (f"{s['files_incomplete']} incomplete, " if s["files_incomplete"] else "")
        + f"{s['files_excluded']} excluded, {s['allowed_inline']} allowed inline, "
        f"{s['known_from_baseline']} known from baseline"
    )


_NAME_PART = re.compile(r"[^A-Za-z0-9]+")


def _uri(path: str) -> tuple[str, str | None]:
    raw = path.encode("utf-8", "surrogateescape")  # the file name's own bytes, percent-encoded
    if path.startswith("/"):
        return "file://" + quote(raw, safe="/:!$&'()*+,;=-._~@"), None
    return quote(raw, safe="/:!$&'()*+,;=-._~@"), "%SRCROOT%"


def render_sarif(findings: Sequence[ScanFinding], ctx: ReportContext, out: IO[str]) -> None:
    """A SARIF 2.1.0 log with rule metadata, locations and partial fingerprints."""
    used = sorted({f.rule_id for f in findings} | set(ctx.rules))
    index = {rid: i for i, rid in enumerate(used)}
    rules = []
    for rid in used:
        info = ctx.rules.get(rid) or RuleInfo(rid, rid, "generic", "high")
        rules.append(
            {
                "id": rid,
                "name": "".join(p.capitalize() for p in _NAME_PART.split(rid) if p),
                "shortDescription": {"text": info.description},
                "fullDescription": {
                    "text": f"{info.description} (category {info.category}, "
                    f"severity {info.severity}). Rotate the secret, then remove it."
                },
                "help": {
                    "text": "A secret in source, history, logs or an image must be treated as "
                    "leaked: revoke or rotate it, then remove it. If it is a test value, add "
                    f"'# redact:allow {rid} <reason>' on its line."
                },
                "defaultConfiguration": {"level": _LEVEL.get(info.severity, "warning")},
                "properties": {
                    "tags": ["security", "secret", info.category, *info.tags],
                    "security-severity": _SECURITY.get(info.severity, "5.0"),
                    "precision": "high",
                },
            }
        )
    results = []
    for f in findings:
        uri, base = _uri(ctx.masked(f.path))
        artifact: dict[str, Any] = {"uri": uri}
        if base:
            artifact["uriBaseId"] = base
        location: dict[str, Any] = {
            "physicalLocation": {
                "artifactLocation": artifact,
                "region": {
                    "startLine": f.line,
                    "startColumn": f.column,
                    "endLine": f.end_line,
                    "endColumn": max(f.end_column, 1),
                },
            }
        }
        if f.field:
            location["logicalLocations"] = [
                {"fullyQualifiedName": clean(f.field), "kind": "member"}
            ]
        props: dict[str, Any] = {"category": f.category, "severity": f.severity}
        if f.commit:
            props["commit"] = f.commit
            props["authorDate"] = f.author_date
        if f.layer:
            props["layer"] = f.layer
        if f.secret is not None:
            props["secret"] = clean(f.secret)
        where = f" in commit {f.commit[:12]}" if f.commit else ""
        field_note = f" at {clean(f.field)}" if f.field else ""
        result: dict[str, Any] = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": _LEVEL.get(f.severity, "warning"),
            "message": {
                "text": f"{f.category} secret found by rule {f.rule_id}{field_note}{where} "
                f"(fingerprint {f.fingerprint[:FINGERPRINT_SHOWN]})"
            },
            "locations": [location],
            "partialFingerprints": {"redactSecretHmac/v1": f.fingerprint},
            "properties": props,
        }
        if f.allowed is not None:
            result["suppressions"] = [{"kind": "inSource", "justification": clean(f.allowed)}]
        results.append(result)
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"{ctx.show(o.path)}: {o.status} ({ctx.show(o.reason)})"},
        }
        for o in ctx.outcomes
        if o.status in ("unreadable", "error", "incomplete")
    ]
    root = ctx.root.resolve().as_posix().rstrip("/") + "/"
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "redact",
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": "file://" + quote(root)}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    json.dump(doc, out, indent=2)
    out.write("\n")


class ProgressDisplay:
    """A ``rich`` progress bar on stderr, shown only for long scans on a terminal.

    ``rich`` comes with the ``scan`` extra; without it there is no bar (the report
    itself never needs ``rich``).
    """

    def __init__(self, stream: IO[str], *, enabled: bool, min_total: int = 64 << 20) -> None:
        self._enabled = enabled and stream.isatty()
        self._stream = stream
        self._min_total = min_total
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        """Update with ``done`` of ``total`` bytes (``total`` 0: commits, no known end)."""
        if not self._enabled:
            return
        if self._progress is None:
            if total and total < self._min_total:
                return
            try:
                import rich  # noqa: F401
            except ImportError:
                self._enabled = False
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TransferSpeedColumn,
            )

            console = Console(file=self._stream)
            if total:
                columns: list[Any] = [
                    TextColumn("scanning"),
                    BarColumn(),
                    DownloadColumn(),
                    TransferSpeedColumn(),
                    TimeElapsedColumn(),
                ]
            else:
                columns = [
                    SpinnerColumn(),
                    TextColumn("{task.completed} commits"),
                    TimeElapsedColumn(),
                ]
            self._progress = Progress(*columns, console=console, transient=True)
            self._progress.start()
            self._task = self._progress.add_task("scan", total=total or None)
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        """Remove the bar."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
