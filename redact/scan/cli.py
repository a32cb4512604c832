"""The ``redact scan``, ``redact filter`` and ``redact baseline`` sub-commands.

Exit codes of ``scan``: 0 no (new, not allowed) findings, 1 findings (or the
``--exit-code`` value), 2 usage, configuration or input error — the message
names the argument, file or setting; 3 internal error (see :mod:`redact.cli`).
Flags borrowed from gitleaks and detect-secrets are mapped in docs/scan-cli.md.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redact.engine import Redactor
from redact.exceptions import ConfigError, RedactError, RulePackError
from redact.rules import RulePack
from redact.scan.baseline import Baseline, load_baseline, write_baseline
from redact.scan.filter import MAX_LINE, filter_stream
from redact.scan.git import parse_log_opts, resolve_repo
from redact.scan.model import ArchiveLimits, ScanFinding, ScanOptions, resolve_fingerprint_key
from redact.scan.report import (
    ProgressDisplay,
    ReportContext,
    render_json,
    render_sarif,
    render_text,
    rule_catalogue,
)
from redact.scan.runner import Scanner, ScanResult, build_redactor
from redact.scan.sources import discover, load_config
from redact.scan.text import mask_path

if TYPE_CHECKING:
    from redact import Redactor

__all__ = ["register", "run_filter", "run_scan"]

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
#: Outcome statuses that mean "this input was meant to be scanned and was not".
_NOT_SCANNED = frozenset({"unreadable", "error", "incomplete"})


def _exit_code(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = -1
    if not 0 <= n <= 255:
        msg = f"expected an exit code 0-255, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return n


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        msg = f"expected a positive integer, got {value!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if n < 1:
        msg = f"expected a positive integer, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return n


def register(subparsers: Any) -> None:
    """Add ``scan`` and ``filter`` to the ``redact`` command."""
    scan = subparsers.add_parser(
        "scan",
        help="find secrets in files, git history, logs and container images",
        description="Find secrets in paths (directories, files, compressed logs, docker save "
        "tarballs), stdin ('-') or git history (--git). Exit 0: clean, 1: findings, "
        "2: usage, configuration or input error, 3: internal error.",
    )
    scan.add_argument("paths", nargs="*", default=["."], help="files/directories; '-' = stdin")
    scan.add_argument("--git", action="store_true", help="scan every commit's added lines")
    scan.add_argument("--since", metavar="REV", help="with --git: only commits not in REV")
    scan.add_argument(
        "--log-opts",
        metavar="OPTS",
        help="with --git: revisions and git-log limits instead of --all, e.g. 'main..HEAD' "
        "or '--since=2024-01-01 --branches' (gitleaks)",
    )
    scan.add_argument(
        "--format",
        "--report-format",
        dest="format",
        choices=("text", "json", "sarif"),
        default="text",
        help="report format (--report-format: gitleaks)",
    )
    scan.add_argument(
        "-o",
        "--output",
        "--report-path",
        dest="output",
        metavar="FILE",
        help="write the report here (--report-path: gitleaks)",
    )
    scan.add_argument("--baseline", metavar="FILE", help="report only findings not in FILE")
    scan.add_argument(
        "--create-baseline",
        action="store_true",
        help="if --baseline FILE is missing, write it from this scan (exit 0); else use it",
    )
    scan.add_argument(
        "--update-baseline", action="store_true", help="(re)write --baseline from this scan"
    )
    scan.add_argument(
        "--show-secrets",
        "--no-redact",
        dest="show_secrets",
        action="store_true",
        help="print secret values (never in CI logs!); --no-redact: gitleaks",
    )
    scan.add_argument(
        "--redact",
        dest="show_secrets",
        action="store_false",
        help="mask secret values in reports (the default; gitleaks' flag)",
    )
    scan.add_argument(
        "--exit-code",
        type=_exit_code,
        default=EXIT_FINDINGS,
        metavar="N",
        help="exit code when findings are reported (default 1; gitleaks)",
    )
    scan.add_argument(
        "--fingerprint-key",
        metavar="KEY",
        help="HMAC key for fingerprints (default: $REDACT_FINGERPRINT_KEY, else the "
        "installation key, see docs/scan-cli.md)",
    )
    scan.add_argument("-j", "--jobs", type=_positive, help="worker processes (default: cores)")
    scan.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster (tcp://HOST:PORT); workers must see the same paths",
    )
    scan.add_argument(
        "--repos-from",
        metavar="FILE",
        help="with --git --scheduler: also scan the repositories listed in FILE (one per line)",
    )
    scan.add_argument("--config", metavar="FILE", help="redact.toml or pyproject.toml to use")
    scan.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB", help="gitignore-style glob"
    )
    scan.add_argument("--no-gitignore", action="store_true", help="scan ignored files too")
    scan.add_argument(
        "--pack",
        action="append",
        metavar="NAME",
        help="add rule pack(s) to the default pack (repeatable, or NAME,NAME)",
    )
    scan.add_argument(
        "--no-default-pack",
        action="store_true",
        help="scan with the --pack packs only, without the default pack",
    )
    limits = ArchiveLimits()
    scan.add_argument(
        "--max-archive-depth",
        type=_positive,
        default=limits.depth,
        metavar="N",
        help=f"archives inside archives opened, levels (default {limits.depth}; gitleaks)",
    )
    scan.add_argument(
        "--max-archive-members",
        type=_positive,
        default=limits.members,
        metavar="N",
        help=f"members scanned per archive given (default {limits.members})",
    )
    scan.add_argument(
        "--max-archive-bytes",
        type=_positive,
        default=limits.bytes,
        metavar="BYTES",
        help=f"decompressed bytes read per archive given (default {limits.bytes}); "
        "a limit reached is reported 'incomplete' and exits 2 when nothing is found",
    )
    scan.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    scan.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    scan.set_defaults(handler=run_scan)

    filt = subparsers.add_parser(
        "filter",
        help="redact stdin to stdout, line by line (log pipelines)",
        description="Copy stdin to stdout with secrets masked, one line at a time, in "
        "constant memory. Unchanged lines are written back byte for byte.",
    )
    filt.add_argument(
        "--pack",
        action="append",
        metavar="NAME",
        help="add rule pack(s) to the default pack (repeatable, or NAME,NAME)",
    )
    filt.add_argument(
        "--no-default-pack",
        action="store_true",
        help="mask with the --pack packs only, without the default pack",
    )
    filt.add_argument("--max-line", type=_positive, default=MAX_LINE, metavar="BYTES")
    filt.add_argument(
        "--known-env",
        action="append",
        default=[],
        metavar="NAME",
        help="register the value of environment variable NAME as a known secret (repeatable; "
        "masked in every form, labelled NAME; the value is never printed)",
    )
    filt.add_argument(
        "--known-file",
        action="append",
        default=[],
        metavar="PATH",
        help="register each non-empty line of PATH as a known secret (repeatable; labelled "
        "known-file; values are never printed)",
    )
    filt.set_defaults(handler=run_filter)

    from redact.scan import baseline_audit

    baseline_audit.register(subparsers)


def pack_names(names: Sequence[str] | None, *, no_default: bool = False) -> tuple[str, ...]:
    """The packs to use: ``default`` plus each ``--pack`` (``a,b`` lists too), in order.

    ``--pack extended`` adds to the default pack (the packs read as add-ons, and a scan or
    filter without the default pack would let a GitHub token through); ``no_default``
    (``--no-default-pack``) leaves it out, and then at least one pack must be named.
    """
    named = [p.strip() for n in names or () for p in n.split(",") if p.strip()]
    if no_default and not named:
        msg = "--no-default-pack needs at least one --pack NAME"
        raise RulePackError(msg)
    first = [] if no_default or "default" in named else ["default"]
    packs = tuple(dict.fromkeys([*first, *named]))
    for name in packs:
        RulePack.builtin(name)  # raises RulePackError naming the pack
    return packs


def _error(command: str, exc: BaseException) -> int:
    """Print a usage/configuration error; a path or value it quotes is data, masked too
    (``redact scan cache-<token>.txt`` of a missing file named the token)."""
    print(f"redact {command}: error: {Redactor.default().redact(str(exc))}", file=sys.stderr)
    return EXIT_USAGE


def run_filter(args: argparse.Namespace) -> int:
    """Handler of ``redact filter``."""
    try:
        options = ScanOptions(packs=pack_names(args.pack, no_default=args.no_default_pack))
        redactor = build_redactor(options)
        register_known(redactor, env_names=args.known_env, files=args.known_file)
    except (RedactError, ValueError, OSError) as exc:
        return _error("filter", exc)
    try:
        filter_stream(redactor, sys.stdin.buffer, sys.stdout.buffer, max_line=args.max_line)
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, like other filters.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except KeyboardInterrupt:
        return 130
    return EXIT_CLEAN


def register_known(redactor: Redactor, *, env_names: Sequence[str], files: Sequence[str]) -> None:
    """Register ``--known-env`` values (label: the variable's name) and ``--known-file`` lines
    (label ``known-file``) in ``redactor.known``.

    Raises ``ConfigError`` naming the variable, or the file and line number, never the value:
    an unset or empty variable, a file with no value, a value below the registry's minimum
    length; ``OSError`` for a file that cannot be read.
    """
    items: list[tuple[str, str]] = []
    for name in env_names:
        value = os.environ.get(name)
        if not value:
            msg = f"--known-env {name}: the environment variable is unset or empty"
            raise ConfigError(msg)
        items.append((value, name))
    for path in files:
        # utf-8-sig: a byte-order mark (Windows editors, PowerShell 5.1) is no part of the
        # first value, which would otherwise never match and stay unprotected
        with open(path, encoding="utf-8-sig", errors="surrogateescape") as fh:
            lines = [(n, line.rstrip("\r\n")) for n, line in enumerate(fh, 1)]
        values = [(n, v) for n, v in lines if v.strip()]
        if not values:
            msg = f"--known-file {path}: no value in the file (one value per line)"
            raise ConfigError(msg)
        for n, value in values:
            if len(value) < redactor.known.min_length:
                msg = (
                    f"--known-file {path} line {n}: the value is shorter than the minimum of "
                    f"{redactor.known.min_length} characters"
                )
                raise ConfigError(msg)
            items.append((value, "known-file"))
    if items:
        redactor.known.add_many(items)


def _check_args(args: argparse.Namespace) -> None:
    if args.since and not args.git:
        msg = "--since needs --git"
        raise ConfigError(msg)
    if args.log_opts and not args.git:
        msg = "--log-opts needs --git"
        raise ConfigError(msg)
    if args.update_baseline and not args.baseline:
        msg = "--update-baseline needs --baseline FILE"
        raise ConfigError(msg)
    if args.create_baseline and not args.baseline:
        msg = "--create-baseline needs --baseline FILE"
        raise ConfigError(msg)
    if args.git and len(args.paths) > 1 and not args.scheduler:
        msg = "--git scans one repository; give at most one path (or use --scheduler)"
        raise ConfigError(msg)
    if args.repos_from and not (args.git and args.scheduler):
        msg = "--repos-from needs --git and --scheduler"
        raise ConfigError(msg)
    if args.scheduler and "-" in args.paths:
        msg = "--scheduler cannot read stdin ('-'); workers read paths"
        raise ConfigError(msg)
    if args.git and "-" in args.paths:
        msg = "--git cannot read stdin ('-')"
        raise ConfigError(msg)
    for p in args.paths:
        if p != "-" and not os.path.lexists(p):
            msg = f"path {p!r} does not exist"
            raise ConfigError(msg)


def _run(args: argparse.Namespace) -> tuple[list[ScanFinding], ScanResult, Baseline | None, Any]:
    _check_args(args)
    log_opts = parse_log_opts(args.log_opts) if args.log_opts else ()
    key = resolve_fingerprint_key(args.fingerprint_key)
    baseline = None
    if args.create_baseline and not os.path.lexists(args.baseline):
        args.update_baseline = True  # the file is missing: this run writes it
    if args.baseline:
        baseline = load_baseline(args.baseline, key=key, missing_ok=args.update_baseline)
        if args.update_baseline and baseline.kind != "redact-baseline":
            msg = (
                f"--update-baseline would overwrite the detect-secrets baseline {args.baseline!r}; "
                "write a redact baseline to another file (e.g. --baseline .redact-baseline.json)"
            )
            raise ConfigError(msg)
    options = ScanOptions(
        fingerprint_key=key,
        show_secrets=args.show_secrets,
        want_sha1=baseline is not None and baseline.needs_sha1,
        packs=pack_names(args.pack, no_default=args.no_default_pack),
        archive=ArchiveLimits(
            depth=args.max_archive_depth,
            members=args.max_archive_members,
            bytes=args.max_archive_bytes,
        ),
    )
    progress = ProgressDisplay(sys.stderr, enabled=not args.no_progress)
    scanner = Scanner(options, jobs=args.jobs, progress=progress)
    try:
        if args.scheduler:
            result = _run_on_scheduler(args, options, log_opts, progress)
        elif args.git:
            repo = resolve_repo(args.paths[0] if args.paths else ".")
            result = scanner.scan_git(repo, since=args.since, log_opts=log_opts)
        else:
            config = load_config(args.config)
            result = ScanResult()
            files = [p for p in args.paths if p != "-"]
            if "-" in args.paths:
                part = scanner.scan_stream(sys.stdin.buffer)
                result.merge(part.findings, part.outcomes)
                result.seconds += part.seconds
            if files:
                tasks, skipped = discover(
                    files,
                    config=config,
                    extra_excludes=args.exclude,
                    gitignore=not args.no_gitignore,
                )
                part = scanner.scan_files(tasks)
                result.merge(part.findings, [*skipped, *part.outcomes])
                result.seconds += part.seconds
    finally:
        progress.close()
    findings = sorted(
        result.findings, key=lambda f: (f.path, f.line, f.column, f.commit or "", f.rule_id)
    )
    return findings, result, baseline, scanner


def _run_on_scheduler(
    args: argparse.Namespace, options: ScanOptions, log_opts: Sequence[str], progress: Any
) -> ScanResult:
    from redact.scan import distributed

    if not args.git:
        tasks, skipped = discover(
            args.paths,
            config=load_config(args.config),
            extra_excludes=args.exclude,
            gitignore=not args.no_gitignore,
        )
        result = distributed.scan_on_scheduler(
            args.scheduler, options, files=tasks, progress=progress
        )
        result.outcomes[:0] = skipped
        return result
    paths = args.paths
    if args.repos_from and paths == ["."]:
        paths = []  # the default path: only the listed repositories
    repos = [str(resolve_repo(p)) for p in paths]
    if args.repos_from:
        repos += distributed.read_repo_list(args.repos_from)
    return distributed.scan_on_scheduler(
        args.scheduler, options, repos=repos, since=args.since, log_opts=log_opts, progress=progress
    )


def run_scan(args: argparse.Namespace) -> int:
    """Handler of ``redact scan``."""
    try:
        findings, result, baseline, scanner = _run(args)
        known = 0
        if args.update_baseline:
            count = write_baseline(args.baseline, findings, key=scanner.options.fingerprint_key)
            # The findings the new file accepts: every one not allowed inline (several
            # findings of one secret in one file share an entry).
            known = sum(1 for f in findings if f.allowed is None)
            print(
                f"redact scan: wrote {count} baseline entries to {args.baseline} "
                f"({known} finding(s) now known)",
                file=sys.stderr,
            )
            findings = [f for f in findings if f.allowed is not None]
        elif baseline is not None:
            findings, known = baseline.split(findings)
        findings = [f.public() for f in findings]
        ctx = ReportContext(
            outcomes=result.outcomes,
            rules=rule_catalogue(scanner.redactor),
            baseline_known=known,
            bytes=result.bytes,
            seconds=result.seconds,
            commits=result.commits,
            root=Path.cwd(),
            mask=functools.partial(mask_path, scanner.redactor, options=scanner.options),
        )
        _write_report(args, findings, ctx)
    except (RedactError, ValueError) as exc:
        return _error("scan", exc)
    except OSError as exc:
        return _error("scan", exc)
    except KeyboardInterrupt:
        return 130
    if any(f.allowed is None for f in findings):
        return int(args.exit_code)
    unscanned = sum(1 for o in result.outcomes if o.status in _NOT_SCANNED)
    if unscanned:
        print(
            f"redact scan: {unscanned} input(s) could not be scanned (listed in the report); "
            "a partial scan is not a clean one",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return EXIT_CLEAN


def _write_report(
    args: argparse.Namespace, findings: list[ScanFinding], ctx: ReportContext
) -> None:
    buf = io.StringIO()
    if args.format == "json":
        render_json(findings, ctx, buf)
    elif args.format == "sarif":
        render_sarif(findings, ctx, buf)
    else:
        color = {"always": True, "never": False}.get(args.color)
        if color is None and args.output:
            color = False
        render_text(findings, ctx, buf, color=color)
    if not args.output:
        sys.stdout.write(buf.getvalue())
    else:
        try:
            Path(args.output).write_text(buf.getvalue(), encoding="utf-8")
        except OSError as exc:
            msg = f"cannot write report to {args.output!r}: {exc.strerror or exc}"
            raise ConfigError(msg) from exc
