"""Core throughput and per-line latency, with ratios against baselines in the same run.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_core.py [--mb 20]``).
Figures are medians of several repetitions; the machine is shared and noisy,
so the ratios (measured in the same process) are what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import median_time, paired, per_call_us
from benchmarks.corpus import lines
from redact import KeyNames, KnownSecrets, Redactor, RulePack
from redact import registry as _registry
from redact._matcher import available_backends
from redact._views import decoded_views


def naive_rules(red: Redactor) -> list[tuple[re.Pattern[str], str]]:
    """The same rules as a plain loop of ``re.sub`` (patterns ``re`` cannot compile are skipped)."""
    out = []
    for rule in red.rules:
        try:
            out.append((re.compile(rule.regex), f"[REDACTED:{rule.id}]"))
        except re.error:
            continue
    return out


#: What users write by hand (issue 15): a loop of ``re.sub`` over 25 common secret rules.
COMMON_25 = (
    "jwt", "private-key-pem", "url-credentials", "authorization-header", "bearer-token",
    "generic-password-assignment", "aws-access-key-id", "aws-secret-access-key", "gcp-api-key",
    "github-token", "github-fine-grained-pat", "gitlab-pat", "npm-token", "pypi-token",
    "slack-token", "slack-webhook-url", "sendgrid-api-key", "twilio-api-key",
    "stripe-secret-key", "openai-api-key", "anthropic-api-key", "huggingface-token",
    "connection-string-password", "azure-storage-account-key", "generic-token-assignment",
)  # fmt: skip


def hand_written(corpus: list[str], data: str, mb: float) -> None:
    """``redact`` (default pack, key names) against the 25-rule ``re.sub`` loop, same run.

    Per line: each corpus line through both; bulk: the whole text through both (one
    ``re.sub`` per rule over it). Goals: >= 8x per line, >= 20x on bulk text.
    """
    red = Redactor.default()
    rules = [red.rules.get(i) for i in COMMON_25]
    loop = []
    for rule in rules:
        try:
            loop.append((re.compile(rule.regex), f"[REDACTED:{rule.id}]"))
        except re.error:  # a ``regex``-only construct: the hand-written loop would drop it too
            continue

    def by_hand(text: str) -> str:
        for pat, repl in loop:
            text = pat.sub(repl, text)
        return text

    sub = corpus[: max(1, len(corpus) // 10)]
    sub_mb = sum(len(x) + 1 for x in sub) / 1e6
    t_hand = median_time(lambda: [by_hand(x) for x in sub], 3)
    t_red = median_time(lambda: [red.redact(x) for x in sub], 3)
    print(
        f"\nhand-written loop of {len(loop)} re.sub rules, per line: {sub_mb / t_hand:.1f} MB/s; "
        f"redact {sub_mb / t_red:.1f} MB/s -> {t_hand / t_red:.1f}x (goal >= 8x)"
    )
    t_hand = median_time(lambda: by_hand(data), 3)
    t_red = median_time(lambda: red.redact(data), 3)
    print(
        f"same, one {mb:.0f} MB text: {mb / t_hand:.1f} MB/s; "
        f"redact {mb / t_red:.1f} MB/s -> {t_hand / t_red:.1f}x (goal >= 20x)"
    )


def long_lines(corpus: list[str]) -> None:
    """Clean text per byte: many lines vs the same bytes as one line, per engine.

    The clean lines of the corpus are joined with newlines (many lines) and with spaces
    (one long line); texts of 2 KB, 64 KB and 2 MB. Goal: >= 400 MB/s for texts of 2 KB
    and more with the accelerated engine (Hyperscan), single long lines no slower per
    byte than many lines.
    """
    clean = [x for x in corpus if "REDACTED" not in x]
    print(f"\nclean text MB/s (many lines / one long line), load {_load()}")
    for backend in available_backends():
        red = Redactor.default(known=KnownSecrets(backend=backend))
        row = []
        for size in (2_000, 64_000, 2_000_000):
            text, n = [], 0
            for x in clean:
                text.append(x)
                n += len(x) + 1
                if n >= size:
                    break
            many, one = "\n".join(text), " ".join(text)
            reps = max(1, 2_000_000 // len(many))

            def go(t: str, k: int = reps, r: Redactor = red) -> None:
                for _ in range(k):
                    r.redact(t)

            a = len(many) * reps / 1e6 / median_time(lambda t=many: go(t), 3)
            b = len(one) * reps / 1e6 / median_time(lambda t=one: go(t), 3)
            row.append(f"{size // 1000:>5} KB {a:7.1f} / {b:7.1f}")
        print(f"  {backend:<12}" + "   ".join(row))


def _load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main() -> int:
    """Run every core benchmark and print a table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=20.0, help="corpus size in MB")
    ap.add_argument(
        "--section",
        choices=["all", "hand-written", "long-lines", "names", "binary", "records"],
        default="all",
        help="one part",
    )
    ap.add_argument(
        "--compare-pack",
        type=Path,
        help="only: the default pack vs this TOML (e.g. an older default.toml), interleaved A/B",
    )
    args = ap.parse_args()
    if args.compare_pack:
        return compare_packs(args.compare_pack, args.mb)
    if args.section == "names":
        non_ascii_names()
        return 0
    if args.section == "binary":
        binary_views()
        return 0
    if args.section == "records":
        record_logs()
        return 0
    corpus = [line for line, _ in lines(int(args.mb * 1e6))]
    planted = [s for _, s in lines(int(args.mb * 1e6)) if s]
    data = "\n".join(corpus)
    mb = len(data.encode()) / 1e6
    print(f"corpus: {len(corpus):,} lines, {mb:.1f} MB, {len(planted)} planted secrets")
    if args.section == "hand-written":
        hand_written(corpus, data, mb)
        return 0
    if args.section == "long-lines":
        long_lines(corpus)
        return 0
    print(f"literal backends available: {', '.join(available_backends())}")

    # Read limit: bytes.find of an absent literal over the same data.
    blob = data.encode()
    t_read = median_time(lambda: blob.find(b"\x00absent-literal\x00"))
    print(f"read limit (bytes.find absent literal): {mb / t_read:,.0f} MB/s")

    rows = []
    for backend in available_backends():
        red = Redactor.default(known=KnownSecrets(backend=backend))
        red.known.add("Synthetic-DB-Passw0rd-1", label="db.password")

        def run(red: Redactor = red) -> None:
            for line in corpus:
                red.redact(line)

        t = median_time(run, 3)
        leaks = sum(1 for s in planted if s in "\n".join(red.redact(x) for x in corpus if s in x))
        rows.append((backend, mb / t, leaks))
        print(
            f"redact line by line [{backend}]: {mb / t:.1f} MB/s, "
            f"{len(corpus) / t:,.0f} lines/s, leaks={leaks}"
        )
        t_blob = median_time(lambda red=red: red.redact(data), 3)
        print(f"redact one {mb:.0f} MB string [{backend}]: {mb / t_blob:.1f} MB/s")

    # Naive baseline: one re.sub per rule per line, on a slice (it is slow), scaled.
    red = Redactor.default()
    naive = naive_rules(red)
    sub = corpus[: max(1, len(corpus) // 20)]
    sub_mb = sum(len(x) + 1 for x in sub) / 1e6

    def run_naive() -> None:
        for line in sub:
            for pat, repl in naive:
                line = pat.sub(repl, line)

    t_naive = median_time(run_naive, 3)
    naive_mbs = sub_mb / t_naive
    print(f"naive re.sub loop ({len(naive)} rules): {naive_mbs:.2f} MB/s")
    for backend, mbs, _ in rows:
        print(f"ratio redact[{backend}] / naive: {mbs / naive_mbs:.1f}x")

    # Per-line latency vs registry size.
    clean = json.dumps(
        {
            "ts": "2026-11-29T01:00:00Z",
            "level": "info",
            "msg": "request handled",
            "path": "/api/v1/users/123",
            "status": 200,
            "dur_ms": 12.5,
            "user": "alice",
            "request_id": "8f4e2a1c9b7d6e5f",
            "region": "eu-west-1",
        }
    )[:200]
    event = {f"field{i}": f"value number {i}" for i in range(10)}
    t_json = per_call_us(lambda: json.dumps(event))
    print(f"\nclean line: {len(clean)} bytes; json.dumps of a 10-field dict: {t_json:.2f} us")
    print(f"{'backend':<12}{'values':>8}{'clean us':>10}{'secret us':>11}{'build s':>9}")
    for backend in available_backends():
        base = None
        for n in (10, 1000, 100_000):
            ks = KnownSecrets(backend=backend)
            values = [f"kv-{i:07d}-" + secrets.token_hex(6) for i in range(n)]
            # Timed whole: the redactor's keywords are attached first, so the build below
            # includes every automaton (re)build the registry does, not just the forms.
            r = Redactor.default(known=ks)
            t0 = time.perf_counter()
            ks.add_many([(v, f"v{i}") for i, v in enumerate(values)])
            build = time.perf_counter() - t0
            with_secret = clean[:120] + " " + values[n // 2]
            c = per_call_us(lambda r=r: r.redact(clean))
            s = per_call_us(lambda r=r, w=with_secret: r.redact(w), number=2000)
            base = base or c
            ratio = c / base
            print(
                f"{backend:<12}{n:>8}{c:>10.2f}{s:>11.2f}{build:>9.2f}   vs 10 values: {ratio:.2f}x"
            )

    # Providers register values one at a time: the delta automaton keeps that linear.
    for backend in available_backends():
        values = [f"one-by-one-{i:06d}-" + secrets.token_hex(6) for i in range(5000)]
        ks = KnownSecrets(backend=backend)
        Redactor.default(known=ks)
        t0 = time.perf_counter()
        ks.add_many([(v, f"v{i}") for i, v in enumerate(values)])
        many = time.perf_counter() - t0
        ks = KnownSecrets(backend=backend)
        Redactor.default(known=ks)
        t0 = time.perf_counter()
        for i, v in enumerate(values):
            ks.add(v, label=f"v{i}")
        dt = time.perf_counter() - t0
        print(
            f"5,000 values added one at a time [{backend}]: {dt:.1f} s ({dt / 5:.2f} ms/add), "
            f"{dt / many:.2f}x add_many (bench_registry.py measures 100,000)"
        )
    hand_written(corpus, data, mb)
    long_lines(corpus)
    non_ascii_hits()
    return 0


def compare_packs(other: Path, mb: float, rounds: int = 7) -> int:
    """Clean and mixed log lines through ``Redactor.default()`` vs the pack at ``other``.

    Both redactors keep the default key names; the rounds alternate A and B so that the
    machine's load hits both alike. Prints the medians and the median of the ratios.
    """
    corpus = [line for line, _ in lines(int(mb * 1e6))]
    clean = [line for line, s in lines(int(mb * 1e6)) if not s]
    new = Redactor.default()
    old = Redactor(rules=[RulePack.load(other)])
    print(f"A: default pack ({len(new.rules.rules)} rules); B: {other} ({len(old.rules.rules)})")
    for name, data in (("all lines", corpus), ("clean lines", clean)):
        size = sum(len(x) + 1 for x in data) / 1e6
        ta, tb, ratios = [], [], []
        for _ in range(rounds):
            a = median_time(lambda d=data: [new.redact(x) for x in d], 1)
            b = median_time(lambda d=data: [old.redact(x) for x in d], 1)
            ta.append(a)
            tb.append(b)
            ratios.append(a / b)
        ma, mb_, mr = statistics.median(ta), statistics.median(tb), statistics.median(ratios)
        print(
            f"{name}: A {size / ma:.1f} MB/s, B {size / mb_:.1f} MB/s, "
            f"A/B time ratio {mr:.2f}x (median of {rounds} interleaved rounds)"
        )
    return 0


def non_ascii_hits() -> None:
    """find() on non-ASCII text dense with hits of a registered value must scale linearly.

    Rows: 250 K / 500 K / 1 M characters of ``"é" + value + " "`` repeated; the ratio
    column is time per character against the 250 K row (1.0 = linear; it was ~4.5x at
    1 M when byte offsets were mapped to characters by decoding the prefix per hit).
    The ASCII column is the same text with ``e`` for ``é`` (same process baseline).
    """
    for backend in available_backends():
        red = Redactor.default(known=KnownSecrets(backend=backend))
        value = "Synthetic-" + secrets.token_hex(6)
        red.known.add(value, label="v")
        print(f"\nfind() with many hits of a registered value [{backend}]")
        print(f"{'chars':>10}{'hits':>8}{'non-ASCII s':>13}{'ASCII s':>9}{'per-char vs 250K':>18}")
        first = None
        for n in (250_000, 500_000, 1_000_000):
            reps = n // (len(value) + 2)
            text, ascii_text = ("é" + value + " ") * reps, ("e" + value + " ") * reps
            t = median_time(lambda t=text, r=red: r.find(t), 3)
            t_ascii = median_time(lambda t=ascii_text, r=red: r.find(t), 3)
            first = first or t / n
            hits = len(red.find(text))
            print(f"{n:>10,}{hits:>8,}{t:>13.3f}{t_ascii:>9.3f}{t / n / first:>17.2f}x")


def _whole_text_views(snap: Any, text: str) -> int:
    """The registry's decoded-view pass over the whole text (how binary data was read)."""
    hits = 0
    for view in decoded_views(text):
        hits += len(snap._pass(view.text, view.text.encode("utf-8", "surrogatepass"))[0])
    return hits


def _binary_row(red: Redactor, reading: str, text: str, log: str, repeat: int) -> str:
    snap = red.known.snapshot
    mb = len(text) / 1e6
    t_scan = median_time(lambda: snap.scan(text), repeat)
    t_whole = median_time(lambda: _whole_text_views(snap, text), repeat)
    t_redact = median_time(lambda: red.redact(text), repeat)
    islands = _registry.island_view
    _registry.island_view = lambda *a, **k: None  # type: ignore[assignment]
    try:
        t_redact_whole = median_time(lambda: red.redact(text), repeat)
    finally:
        _registry.island_view = islands
    t_log = median_time(lambda: red.redact(log), repeat)
    return (
        f"{reading:<34}{t_scan / mb:>10.3f}{t_whole / mb:>11.3f}"
        f"{t_whole / t_scan:>7.1f}x{t_redact / mb:>12.3f}{t_redact_whole / mb:>12.3f}"
        f"{t_redact_whole / t_redact:>7.1f}x{t_log / mb:>10.3f}"
    )


def binary_views(size: int = 256 * 1024, repeat: int = 3) -> None:
    """Random bytes read as text: the registry decodes only text islands (issue 9 §3).

    Rows: Latin-1 and UTF-8-``surrogateescape`` readings of ``size`` random bytes, with
    one registered ASCII value (then one non-ASCII value: Latin-1 letters stay in the
    islands). Columns (s/MB): ``snapshot.scan`` (islands), the same pass with the views
    decoded from the whole text (the baseline, same process) and their ratio,
    ``Redactor.redact`` (rules too), and ``redact`` on a clean text log of the same size.
    Medians of ``repeat``; the machine's load is printed.
    """
    raw = random.Random(3).randbytes(size)
    log = "\n".join(f"GET /api/items/{i} 200 {i * 7} ms user=alice" for i in range(size // 30))
    log = log[:size]
    load = os.getloadavg()[0]
    print(f"\nbinary data read as text ({size // 1024} KiB random bytes), load {load:.1f}")
    head = (
        f"{'scan':>10}{'whole':>11}{'ratio':>8}{'redact':>12}{'whole':>12}{'ratio':>8}{'log':>10}"
    )
    print(f"{'reading / registered value':<34}{head}   (s/MB)")
    values = {"ascii": "Synthetic-", "non-ascii": "S\u00ffnthetic-\u00e9"}
    for kind, stem in values.items():
        red = Redactor.default()
        red.known.add(stem + secrets.token_hex(8), label="v")
        for reading, codec, errors in (
            ("latin-1", "latin-1", "strict"),
            ("utf-8+surrogateescape", "utf-8", "surrogateescape"),
        ):
            text = raw.decode(codec, errors)
            print(_binary_row(red, f"{reading} / {kind}", text, log, repeat))


def record_logs(lines_: int = 20000, block: int = 200, repeat: int = 5) -> None:
    """find() on log blocks in record formats, with the records view against without it.

    The view is built only when joining records could find more (a partial record, a
    multi-line rule keyword, a registered multi-line value, an opener at a line end): a
    clean log costs one gate. Paired, alternating rounds; median of per-round ratios.
    """
    docker = [
        json.dumps(
            {
                "log": f"GET /api/items/{i} 200 {i * 7} ms user=alice\n",
                "stream": "stdout",
                "time": "t",
            },
            separators=(",", ":"),
        )
        for i in range(lines_)
    ]
    cri = [f"2026-11-30T10:00:00.{i:06d}Z stdout F GET /api/items/{i} 200" for i in range(lines_)]
    red = Redactor.default()
    plain = type(red)._with_records
    print(f"\nrecords view: find() on {block}-line blocks, load {os.getloadavg()[0]:.1f}")
    print(f"{'format':<20}{'view us/line':>13}{'off us/line':>12}{'ratio':>8}")
    for name, rows in (("docker json-file", docker), ("cri", cri)):
        blocks = ["\n".join(rows[i : i + block]) + "\n" for i in range(0, len(rows), block)]

        def run(blocks: list[str] = blocks) -> None:
            for b in blocks:
                red.find(b)

        def off(blocks: list[str] = blocks) -> None:
            type(red)._with_records = lambda self, text, found, snap, seen: found  # type: ignore[method-assign]
            try:
                run(blocks)
            finally:
                type(red)._with_records = plain  # type: ignore[method-assign]

        a, b, r = paired(run, off, number=1, repeat=repeat)
        print(f"{name:<20}{a / lines_:>13.2f}{b / lines_:>12.2f}{r:>7.2f}x")


class _AsciiKeywords(KeyNames):
    """The vocabulary with ASCII prefilter keywords only: how text was woken before."""

    def keywords(self) -> list[str]:
        return [k for k in super().keywords() if k.isascii()]


def non_ascii_names(lines_per_kind: int = 2000) -> None:
    """Names in other scripts wake the text detector: what it costs, and what it finds.

    Same-process A/B (paired, alternating rounds, median of per-round ratios): the shipped
    vocabulary against the same vocabulary with ASCII keywords only (how text was woken
    before ``パスワード=v`` and ``ｐａｓｓｗｏｒｄ=v`` were found). Rows: the ASCII log corpus,
    non-ASCII log lines without names (Japanese, Russian, full-width), and lines with them.
    """
    import os

    rnd = secrets.SystemRandom()
    ascii_lines = [line for line, _ in lines(lines_per_kind * 160)][:lines_per_kind]
    plain = [
        "ユーザー {} がログインしました",
        "Пользователь {} вошёл в систему",
        "ＯＫ：処理 {} 完了",
    ]
    named = ["パスワード={}", "пароль: {}", "ＡＰＩ_ＫＥＹ: {}", "密码={}"]
    non_ascii = [rnd.choice(plain).format(rnd.randrange(10**6)) for _ in range(lines_per_kind)]
    value = "Zq9" + secrets.token_hex(6)
    with_names = [rnd.choice(named).format(value) for _ in range(lines_per_kind)]
    new, old = Redactor.default(), Redactor.default(key_names=_AsciiKeywords())
    print(f"\nnames in other scripts in free text (load {os.getloadavg()[0]:.1f})")
    print(f"{'lines':<28}{'new us':>9}{'old us':>9}{'new/old':>9}{'found new/old':>16}")
    for label, rows in (
        ("ASCII corpus", ascii_lines),
        ("non-ASCII, no names", non_ascii),
        ("non-ASCII, names", with_names),
    ):

        def run(r: Redactor, rows: list[str] = rows) -> None:
            for row in rows:
                r.redact(row)

        a, b, ratio_ = paired(lambda: run(new), lambda: run(old), number=1)
        found = [sum(value not in r.redact(x) for x in rows if value in x) for r in (new, old)]
        total = sum(value in x for x in rows)
        n = len(rows)
        print(
            f"{label:<28}{a / n:>9.2f}{b / n:>9.2f}{ratio_:>8.2f}x"
            f"{found[0]:>8}/{found[1]} of {total}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
