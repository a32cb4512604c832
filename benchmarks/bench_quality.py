"""Detection quality of the rule packs, side by side with detect-secrets, in one run.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_quality.py [--clean-mb 24]``).

1. **Planted corpus** (generated here, labelled): for every rule, fresh synthetic
   secrets of the rule's kind (its examples with every random character redrawn
   from the same character class, checksums recomputed) in realistic carriers:
   plain log lines, JSON log lines, and for self-contained tokens also code,
   YAML, .env, URL query strings and HTTP headers. Recall = share of planted
   secrets that do not survive ``redact``; precision = share of reported spans
   that overlap a planted secret.
2. **Clean corpus**: real ``.py`` files of this machine (the standard library and
   the installed site-packages; a deterministic sample of ``--clean-mb`` MB of
   each). Every finding there counts as a false positive.
3. **Prefilter selectivity**: share of clean lines in which at least one rule
   keyword occurs (only those lines run any rule regex).

detect-secrets runs on the same files through its Python API with its default
plugins and filters (what ``detect-secrets scan`` does).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import string
import sys
import sysconfig
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.realistic import realistic_lines
from redact import Redactor, RulePack
from redact._validators import base62
from redact.rules import Rule

_CLASSES = [
    "0123456789",
    "abcdef",
    "ghijklmnopqrstuvwxyz",
    "ABCDEF",
    "GHIJKLMNOPQRSTUVWXYZ",
]


# -- planted corpus ----------------------------------------------------------------------


@dataclass
class Plant:
    """One planted secret: the rule it belongs to, the value, and the text carrying it."""

    rule_id: str
    secret: str
    text: str
    carrier: str


def _redraw(ch: str, rnd: random.Random, hexish: bool) -> str:
    if ch.isdigit():
        return rnd.choice("0123456789")
    if ch.islower() and ch.isascii():
        return rnd.choice("abcdef" if hexish else string.ascii_lowercase)
    if ch.isupper() and ch.isascii():
        return rnd.choice("ABCDEF" if hexish else string.ascii_uppercase)
    return ch


def _protected(rule: Rule, secret: str) -> set[int]:
    """Positions kept as they are: keywords, the common prefix of the examples, structure."""
    keep: set[int] = set()
    low = secret.lower()
    for k in rule.keywords:
        at = low.find(k)
        while at >= 0:
            keep.update(range(at, at + len(k)))
            at = low.find(k, at + 1)
    keep.update(range(len(rule.prefix)) if secret.startswith(rule.prefix) else ())
    # redact:allow sensitive-key validator names ("jwt-header" reads as a name: jwt + header)
    if rule.validator in ("jwt-header", "kubernetes-sa-jwt"):
        keep.update(range(secret.rfind(".") + 1))
    if rule.validator == "pypi-macaroon":
        keep.update(range(min(len(secret), 44)))
    if rule.validator == "base64-user-password" or secret.startswith(("LS0t", "ops_eyJ", "eyJ")):
        keep.update(range(len(secret)))  # structured base64: a redraw would break the structure
    pos = 0
    for line in secret.splitlines(keepends=True):
        if "----" in line or ": " in line:  # armour and header lines of key blocks
            keep.update(range(pos, pos + len(line)))
        pos += len(line)
    return keep


def _fix_checksum(rule: Rule, secret: str, rnd: random.Random) -> str:
    if rule.validator in ("npm-crc32", "github-token-crc32"):
        body = secret[4:34]
        return secret[:4] + body + base62(zlib.crc32(body.encode()))
    if rule.validator == "luhn":
        digits = [c for c in secret if c.isdigit()]
        for d in "0123456789":
            digits[-1] = d
            total = sum(
                (int(c) * 2 - 9 if int(c) * 2 > 9 else int(c) * 2) if i % 2 else int(c)
                for i, c in enumerate(reversed(digits))
            )
            if total % 10 == 0:
                break
        it = iter(digits)
        return "".join(next(it) if c.isdigit() else c for c in secret)
    if rule.validator == "iban":
        compact = secret.replace(" ", "")
        moved = compact[4:] + compact[:2] + "00"
        check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
        fixed = compact[:2] + f"{check:02d}" + compact[4:]
        if " " in secret:
            return " ".join(fixed[i : i + 4] for i in range(0, len(fixed), 4))
        return fixed
    return secret


def fresh_secret(
    rule: Rule, secret: str, rnd: random.Random, example: str = "", span: tuple[int, int] = (0, 0)
) -> str:
    """A new secret of the same kind: random characters redrawn within their class.

    The result must still be matched by the rule's regex in the example's context (so
    it is a member of the rule's language) and pass its entropy/allowlist/checksum.
    """
    keep = _protected(rule, secret)
    hexish = all(c in "0123456789abcdefABCDEF" for c in secret if c.isalnum() and not c.isdigit())
    for _ in range(50):
        new = "".join(c if i in keep else _redraw(c, rnd, hexish) for i, c in enumerate(secret))
        if rule.validator == "iban":
            new = new[:2] + secret[2:4] + new[4:]  # keep the country code letters as they are
        new = _fix_checksum(rule, new, rnd)
        if new == secret or not rule.accepts(new):
            continue
        line = example[: span[0]] + new + example[span[1] :]
        if not example or (span[0], span[0] + len(new)) in set(rule.finditer(line)):
            return new
    return secret


def _secret_spans(red: Redactor, rule: Rule, example: str) -> list[tuple[int, int]]:
    return [(f.start, f.end) for f in red.find(example) if f.rule_id == rule.id]


def _standalone(red: Redactor, rule: Rule, secret: str) -> bool:
    """True when the secret alone is found by its rule (a self-contained token)."""
    return any(f.rule_id == rule.id for f in red.find(f" {secret} "))


CARRIERS_LINE = {
    "log": "2026-11-29T01:02:03.456Z INFO  worker[4242] {line}",
    "json-log": None,  # json.dumps of a log record holding the line
}
CARRIERS_TOKEN = {
    "code": 'client = Client(api_key="{s}", timeout=30)',
    "yaml": "  credentials:\n    value: {s}\n",
    "env": "SERVICE_CREDENTIAL={s}",
    "url": "GET https://api.internal.example/v1/items?page=2&key={s}&sort=asc",
    "header": "X-Upstream-Credential: {s}",
    "json-log-token": None,
}


def planted_corpus(packs: Iterable[RulePack], seed: int = 7) -> list[Plant]:
    """Planted secrets for every rule of ``packs``, each in several carriers."""
    rnd = random.Random(seed)
    plants: list[Plant] = []
    for pack in packs:
        red = Redactor(rules=[pack], key_names_in_text=False)
        for rule in pack:
            for example in rule.examples:
                spans = _secret_spans(red, rule, example)
                if not spans:
                    continue
                s, e = spans[0]
                old = example[s:e]
                new = fresh_secret(rule, old, rnd, example, (s, e))
                line = example[:s] + new + example[e:]
                plants.append(Plant(rule.id, new, CARRIERS_LINE["log"].format(line=line), "log"))
                record = {"ts": "2026-11-29T01:02:03Z", "level": "info", "msg": line}
                plants.append(Plant(rule.id, new, json.dumps(record), "json-log"))
                if "\n" in new or not _standalone(red, rule, new):
                    continue
                for name, tpl in CARRIERS_TOKEN.items():
                    if tpl is None:
                        text = json.dumps({"level": "debug", "event": "upstream call", "auth": new})
                    else:
                        text = tpl.format(s=new)
                    plants.append(Plant(rule.id, new, text, name))
    return plants


def _json_escaped(secret: str) -> str:
    return json.dumps(secret)[1:-1]


def clean_log_lines(n: int, seed: int = 11) -> list[str]:
    """Ordinary log lines full of lookalikes: hashes, UUIDs, base64 of text, ids, timings."""
    rnd = random.Random(seed)
    out = []
    words = ["user", "order", "cache", "token", "secret", "password", "key", "session", "retry"]
    for i in range(n):
        kind = i % 8
        if kind == 0:
            out.append(f"GET /api/v1/orders/{rnd.randrange(10**6)} 200 {rnd.random() * 50:.1f}ms")
        elif kind == 1:
            h = hashlib.sha256(str(i).encode()).hexdigest()
            out.append(f"artifact sha256={h} size={rnd.randrange(10**7)}")
        elif kind == 2:
            u = "%08x-%04x-4%03x-a%03x-%012x" % (  # noqa: UP031 - a UUID-shaped id
                rnd.getrandbits(32),
                rnd.getrandbits(16),
                rnd.getrandbits(12),
                rnd.getrandbits(12),
                rnd.getrandbits(48),
            )
            out.append(json.dumps({"level": "info", "msg": "request done", "request_id": u}))
        elif kind == 3:
            text = " ".join(rnd.choice(words) for _ in range(8)).encode()
            out.append(f"payload={base64.b64encode(text).decode()}")
        elif kind == 4:
            out.append(f"{rnd.choice(words)} expired for user {rnd.randrange(10**5)}; refreshing")
        elif kind == 5:
            out.append('password = "${DB_PASSWORD}"  # injected at deploy time')
        elif kind == 6:
            sha = hashlib.sha1(str(i).encode(), usedforsecurity=False).hexdigest()
            out.append(f"commit {sha} merged by bot")
        else:
            out.append("api_key: {{ vault_api_key }}  # template, rendered by the chart")
    return out


@dataclass
class Score:
    """Recall/precision counters for one detector on the planted corpus."""

    planted: int = 0
    recalled: int = 0
    reported: int = 0
    true_reports: int = 0
    missed: Counter[str] = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        """Share of planted secrets masked or reported."""
        return self.recalled / self.planted if self.planted else 0.0

    @property
    def precision(self) -> float:
        """Share of reports that overlap a planted secret."""
        return self.true_reports / self.reported if self.reported else 0.0


def score_redactor(red: Redactor, plants: list[Plant], clean: list[str]) -> Score:
    """Recall from ``redact`` output; precision from ``find`` spans over plants plus clean lines."""
    sc = Score()
    for p in plants:
        sc.planted += 1
        out = red.redact(p.text)
        leaked = p.secret in out or (len(p.secret) > 24 and _json_escaped(p.secret) in out)
        if leaked:
            sc.missed[f"{p.rule_id} ({p.carrier})"] += 1
        else:
            sc.recalled += 1
        at = p.text.find(p.secret)
        if at < 0:
            at = p.text.find(_json_escaped(p.secret))
        lo, hi = at, at + max(len(p.secret), len(_json_escaped(p.secret)))
        for s, e in _merged(red, p.text):
            sc.reported += 1
            sc.true_reports += int(s < hi and e > lo)
    for line in clean:
        sc.reported += len(_merged(red, line))
    return sc


def _merged(red: Redactor, text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for f in red.find(text):
        if spans and f.start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], f.end))
        else:
            spans.append((f.start, f.end))
    return spans


# -- detect-secrets ------------------------------------------------------------------------


def ds_scan_files(paths: list[Path]) -> dict[Path, list[tuple[int, str]]]:
    """(line number, secret value) per file, as ``detect-secrets scan`` finds them."""
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    out: dict[Path, list[tuple[int, str]]] = {}
    with default_settings():
        for path in paths:
            coll = SecretsCollection()
            coll.scan_file(str(path))
            found = [(s.line_number, s.secret_value or "") for _, s in coll]
            out[path] = found
    return out


def score_detect_secrets(plants: list[Plant], clean: list[str]) -> Score:
    """The same planted corpus through detect-secrets (one file per carrier kind)."""
    sc = Score()
    suffix = {
        "code": ".py",
        "yaml": ".yaml",
        "env": ".env",
        "json-log": ".log",
        "json-log-token": ".log",
    }
    with tempfile.TemporaryDirectory() as tmp:
        files: dict[Path, list[tuple[int, Plant | None]]] = {}
        for p in plants:
            path = Path(tmp) / f"{p.carrier}{suffix.get(p.carrier, '.txt')}"
            files.setdefault(path, [])
            files[path].append((0, p))
        clean_path = Path(tmp) / "clean.log"
        files[clean_path] = [(0, None)]
        line_of: dict[Path, dict[int, Plant | None]] = {}
        for path, items in files.items():
            lines: list[str] = []
            owner: dict[int, Plant | None] = {}
            if path == clean_path:
                for line in clean:
                    lines.append(line)
                    owner[len(lines)] = None
            else:
                for _, p in items:
                    assert p is not None
                    for part in p.text.split("\n"):
                        lines.append(part)
                        owner[len(lines)] = p
                    lines.append("")
            path.write_text("\n".join(lines) + "\n")
            line_of[path] = owner
        results = ds_scan_files(list(files))
        hit: set[int] = set()
        for path, found in results.items():
            for line_no, value in found:
                sc.reported += 1
                p = line_of[path].get(line_no)
                if (
                    p is not None
                    and value
                    and (
                        value in p.secret
                        or p.secret in value
                        or ("BEGIN" in value and "BEGIN" in p.text)
                    )
                ):
                    sc.true_reports += 1
                    hit.add(id(p))
        for p in plants:
            sc.planted += 1
            if id(p) in hit:
                sc.recalled += 1
            else:
                sc.missed[f"{p.rule_id} ({p.carrier})"] += 1
    return sc


# -- clean corpus ----------------------------------------------------------------------------


def clean_files(mb: float) -> list[tuple[str, list[Path]]]:
    """A deterministic sample of ``mb`` MB of .py files from the stdlib and from site-packages."""
    paths = sysconfig.get_paths()
    std = Path(paths["stdlib"])
    site = Path(paths["purelib"])
    groups = []
    for name, root, skip in (("stdlib", std, "site-packages"), ("site-packages", site, "")):
        files = sorted(
            p for p in root.rglob("*.py") if not (skip and skip in p.parts) and p.is_file()
        )
        files.sort(
            key=lambda p: hashlib.sha1(
                str(p.relative_to(root)).encode(), usedforsecurity=False
            ).hexdigest()
        )
        chosen, total = [], 0
        for p in files:
            size = p.stat().st_size
            if total + size > mb * 1e6:
                continue
            chosen.append(p)
            total += size
        groups.append((name, chosen))
    return groups


def _read(path: Path) -> str:
    return path.read_text("utf-8", errors="replace")


def clean_fp(red: Redactor, files: list[Path]) -> tuple[int, Counter[str]]:
    """Findings (merged spans) of ``red`` on the files; every one is a false positive."""
    total = 0
    by_rule: Counter[str] = Counter()
    for path in files:
        text = _read(path)
        fs = red.find(text)
        by_rule.update(f.rule_id for f in fs)
        total += len(_merged(red, text))
    return total, by_rule


def prefilter_share(red: Redactor, files: list[Path]) -> tuple[float, float]:
    """Share of lines where a keyword occurs: (a rule keyword, any keyword incl. key names)."""
    rule_words = {k for r in red.rules for k in r.keywords}
    lines = with_rule = with_any = 0
    for path in files:
        for line in _read(path).splitlines():
            lines += 1
            _, words = red.known.snapshot.scan(line)
            if words:
                with_any += 1
                with_rule += any(w in rule_words for w in words)
    return (with_rule / lines if lines else 0.0, with_any / lines if lines else 0.0)


def realistic_prefilter(red: Redactor, lines: list[str]) -> tuple[float, Counter[str]]:
    """Share of ``lines`` in which a rule keyword occurs, and the keywords that woke rules."""
    rule_words = {k for r in red.rules for k in r.keywords}
    woken: Counter[str] = Counter()
    hits = 0
    for line in lines:
        _, words = red.known.snapshot.scan(line)
        found = set(words) & rule_words
        hits += bool(found)
        woken.update(found)
    return hits / len(lines) if lines else 0.0, woken


def _size(files: list[Path]) -> float:
    return sum(p.stat().st_size for p in files) / 1e6


def _iter_top(counter: Counter[str], n: int = 8) -> Iterator[str]:
    for k, v in counter.most_common(n):
        yield f"{k} {v}"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the tables (Markdown)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clean-mb", type=float, default=24.0, help="MB of each clean source")
    ap.add_argument("--clean-lines", type=int, default=20000, help="clean log lines in corpus")
    ap.add_argument("--realistic-lines", type=int, default=20000, help="realistic mixed lines")
    args = ap.parse_args(argv)
    default = RulePack.builtin("default")
    extended = RulePack.builtin("extended")
    pii = RulePack.builtin("pii")
    t0 = time.perf_counter()
    plants_default = planted_corpus([default])
    plants_all = planted_corpus([default, extended])
    clean = clean_log_lines(args.clean_lines)
    configs = {
        "default pack": Redactor(rules=[default], key_names_in_text=False),
        "Redactor.default() (default pack + key names)": Redactor.default(),
        "default + extended + key names": Redactor.default(packs=("default", "extended")),
    }
    print(
        f"# planted: {len(plants_default)} secrets of {len(default)} default rules; "
        f"{len(plants_all)} of default+extended; {len(clean)} clean log lines\n"
    )
    print("| detector | planted set | recall | precision | misses (rule, carrier) |")
    print("|---|---|---|---|---|")
    for name, red in configs.items():
        for set_name, plants in (
            ("default kinds", plants_default),
            ("default+extended kinds", plants_all),
        ):
            if name == "default pack" and set_name != "default kinds":
                continue
            sc = score_redactor(red, plants, clean)
            print(
                f"| {name} | {set_name} ({sc.planted}) | {sc.recall:.3f} | {sc.precision:.3f} | "
                f"{'; '.join(_iter_top(sc.missed, 5))} |"
            )
    ds_ok = True
    try:
        for set_name, plants in (
            ("default kinds", plants_default),
            ("default+extended kinds", plants_all),
        ):
            sc = score_detect_secrets(plants, clean)
            print(
                f"| detect-secrets (default plugins + filters) | {set_name} ({sc.planted}) | "
                f"{sc.recall:.3f} | {sc.precision:.3f} | {'; '.join(_iter_top(sc.missed, 5))} |"
            )
    except ImportError:
        ds_ok = False
        print("| detect-secrets | not installed | | | |")
    print()
    groups = clean_files(args.clean_mb)
    print("| clean corpus | MB | detector | findings | FP per MB | top rules |")
    print("|---|---|---|---|---|---|")
    for gname, files in groups:
        mb = _size(files)
        for name, red in configs.items():
            n, by_rule = clean_fp(red, files)
            print(
                f"| {gname} ({len(files)} files) | {mb:.1f} | {name} | {n} | {n / mb:.2f} | "
                f"{', '.join(_iter_top(by_rule, 4))} |"
            )
        if ds_ok:
            found = ds_scan_files(files)
            n = sum(len(v) for v in found.values())
            print(
                f"| {gname} ({len(files)} files) | {mb:.1f} | detect-secrets | {n} "
                f"| {n / mb:.2f} | |"
            )
    print()
    print(
        "| clean corpus | lines with a rule keyword (default pack) "
        "| with any keyword (+ key names) |"
    )
    print("|---|---|---|")
    red = Redactor.default()
    for gname, files in groups:
        rules_share, any_share = prefilter_share(red, files)
        print(f"| {gname} | {rules_share:.1%} | {any_share:.1%} |")
    print()
    mix = realistic_lines(args.realistic_lines)
    print("| realistic mixed log lines | lines | pass the rule-keyword prefilter | woken by |")
    print("|---|---|---|---|")
    for name, red in (
        ("Redactor.default()", Redactor.default()),
        ("default + extended", Redactor.default(packs=("default", "extended"))),
    ):
        share, woken = realistic_prefilter(red, mix)
        print(f"| {name} | {len(mix)} | {share:.2%} | {', '.join(_iter_top(woken, 6))} |")
    print()
    print("| redact line by line (clean .py lines, median of 3) | MB/s | ratio |")
    print("|---|---|---|")
    sample = [line for _, files in groups for p in files[:400] for line in _read(p).splitlines()]
    size = sum(len(x) + 1 for x in sample) / 1e6
    base = None
    for name, red in (
        ("key names only (no rule pack)", Redactor(rules=[])),
        ("Redactor.default() (default pack + key names)", Redactor.default()),
        ("default + extended + key names", Redactor.default(packs=("default", "extended"))),
        ("default + extended + pii + key names", Redactor(rules=[default, extended, pii])),
    ):
        times = []
        for _ in range(3):
            t1 = time.perf_counter()
            for line in sample:
                red.redact(line)
            times.append(time.perf_counter() - t1)
        rate = size / sorted(times)[1]
        base = base or rate
        print(f"| {name} | {rate:.1f} | {rate / base:.2f}x |")
    print(f"\n(total time {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
