"""Registry benchmarks: what each form costs, add one at a time vs add_many, memory.

Usage::

    .venv/bin/python benchmarks/bench_registry.py                # all sections, 100,000 values
    .venv/bin/python benchmarks/bench_registry.py --values 20000 --section build

Sections:

* ``forms``: literal forms per value and their bytes, per value shape, and the
  marginal forms each issue-10 §6 family adds; the scan cost of the decoded views.
* ``build``: ``add_many`` of N values vs N calls of ``add`` (each in a fresh
  process, interleaved, medians of ``--repeat``), both into a registry already
  attached to ``Redactor.default()`` so the timed build includes every automaton
  rebuild; RSS after registering (VmRSS) and peak (VmHWM), and the process's RSS
  before registering anything.
* ``scan``: a clean 200-byte line and a line with a secret, per call, with one
  tier and with the tiers a burst of adds leaves before the background compaction.

Values are varied and realistic (hex digests, base64 keys, vendor-prefixed
tokens, passwords with punctuation, UUIDs, a few multi-line blocks), generated
from a fixed seed. Prints ratios against baselines measured in the same run.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shlex
import statistics
import string
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import paired, per_call_us
from redact._forms import _nested_short, variants
from redact._views import decoded_views
from redact.registry import _encode_forms

_A = string.ascii_letters + string.digits


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def make_values(n: int, seed: int = 7) -> list[str]:
    """``n`` distinct synthetic values of the shapes providers load."""
    rnd = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        k = len(out) % 10
        if k < 3:
            v = f"{rnd.getrandbits(160):040x}"
        elif k < 5:
            v = base64.b64encode(rnd.randbytes(24)).decode()
        elif k == 5:
            v = "ghp_" + "".join(rnd.choice(_A) for _ in range(36))
        elif k == 6:
            v = "sk_live_" + "".join(rnd.choice(_A) for _ in range(24))
        elif k == 7:
            v = "".join(rnd.choice(_A + "!#%&*+-./:;=?@^_~'\"") for _ in range(16))
        elif k == 8:
            h = f"{rnd.getrandbits(128):032x}"
            v = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        else:
            v = "".join(rnd.choice(_A) for _ in range(20)) + "é€"
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def _rss_mib() -> tuple[float, float]:
    rss = hwm = 0.0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return rss, hwm


# -- forms ---------------------------------------------------------------------------------


def _families(value: str) -> dict[str, set[str]]:
    """The forms each §6 literal family contributes for ``value`` (before dedup)."""
    raw = value.encode()
    fam: dict[str, set[str]] = {}
    shifted = set()
    for s in (1, 2):
        enc = base64.b64encode(raw[s:]).decode()
        url = base64.urlsafe_b64encode(raw[s:]).decode()
        shifted |= {enc, enc.rstrip("="), url, url.rstrip("=")}
    fam["base64 with 1-2 bytes dropped, standing alone"] = shifted
    fam["nested encodings of a short value"] = _nested_short(value, raw)
    q = set()
    if "'" in value:
        q |= {value.replace("'", "''"), shlex.quote(value)[1:-1]}
    if '"' in value:
        q |= {value.replace('"', '""')}
    if " " in value:
        q |= {value.replace(" ", "+")}
    fam["doubled quotes, shell, + for space"] = q
    return fam


def section_forms(values: list[str]) -> None:
    from redact._forms import identifying_lines

    print("\n## Literal forms per value (after dedup)")
    shapes = {
        "hex digest (40)": [v for i, v in enumerate(values) if i % 10 < 3][:2000],
        "base64 key (32)": [v for i, v in enumerate(values) if i % 10 in (3, 4)][:2000],
        "vendor token (ghp_, sk_live_)": [v for i, v in enumerate(values) if i % 10 in (5, 6)][
            :2000
        ],
        "password with punctuation (16)": [v for i, v in enumerate(values) if i % 10 == 7][:2000],
        "UUID (36, dashed)": [v for i, v in enumerate(values) if i % 10 == 8][:2000],
        "non-ASCII (22)": [v for i, v in enumerate(values) if i % 10 == 9][:2000],
    }
    print(
        f"{'shape':<32}{'forms':>6}{'stored':>7}{'bytes':>6}"
        "   forms added by each §6 literal family"
    )
    for name, vals in shapes.items():
        forms = [variants(v) for v in vals]
        nf = statistics.mean(len(f) for f in forms)
        blob, lengths, _, _ = _encode_forms(((v, 0) for v in vals), 8)
        stored = len(lengths) / len(vals)
        nb = len(blob) / len(vals)
        marg: dict[str, float] = {}
        for v, f in zip(vals, forms, strict=True):
            fams = _families(v)
            for fam, fs in fams.items():
                others = set().union(*(o for k, o in fams.items() if k != fam))
                # what this family alone adds to the registered set
                rest = (f - fs) | (others & f)
                marg[fam] = marg.get(fam, 0) + len((fs & f) - rest) / len(vals)
        added = ", ".join(f"{k}: {x:.1f}" for k, x in marg.items() if x)
        print(f"{name:<32}{nf:>6.1f}{stored:>7.1f}{nb:>6.0f}   {added or '-'}")
    block = "[client]\nuser=root\npassword=S3cr3tPassw0rd-x\nhost=db.internal\nport=3306\n"
    print(
        f"my.cnf block: {len(variants(block))} forms; lines registered alone: "
        f"{len(identifying_lines(block))} of {len(block.splitlines())}"
    )

    section_views(values[:1000])


def _jwt() -> str:
    """A JWT-shaped token built at run time (the repository's own scan stays quiet)."""

    def seg(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    sig = base64.urlsafe_b64encode(random.Random(1).randbytes(32)).decode().rstrip("=")
    return ".".join((seg({"alg": "HS256"}), seg({"sub": "1234567890"}), sig))


def section_views(values: list[str]) -> None:
    """Per line shape: the registry's scan with its decoded views vs the same scan without.

    Interleaved A/B in one process (``paired``): the same snapshot scans each line as
    registered, then as if it held no value (its views are skipped then); the ratio is
    the views' whole cost, gate included.
    """
    from redact import KnownSecrets
    from redact._views import worth_decoding

    known = KnownSecrets()
    known.add_many([(v, f"v{i}") for i, v in enumerate(values)])
    snap = known.snapshot
    count = snap.count
    base = (
        '{"ts": "2026-11-29T01:00:00Z", "level": "info", "msg": "request handled", '
        '"path": "/api/v1/users/123", "status": 200, "request_id": "7637e69cb4c9150a"}'
    )
    tail = {
        "plain JSON line": "",
        "+ trace id, span id, UUID": " trace=4bf92f3577b34da6a3ce929d0e0e4736 "
        "span=00f067aa0ba902b7 user=3f2c9a1e-8b7d-4c1a-9e2f-0a1b2c3d4e5f",
        "+ a 40-hex digest and a JWT": f" commit={random.Random(2).getrandbits(160):040x}"
        f" jwt={_jwt()}",
        "+ a query with %20 and &": " GET /search?q=hello%20world&page=2&sort=desc",
        "+ &amp; references": " a &amp; b &lt;x&gt;",
        "+ backslash escapes": ' say \\"hi\\" \\n',
        "+ non-ASCII (café, ü)": " user=café ü",
        "+ full-width characters": " ＡＢＣ１２",
    }
    print("\n## Decoded views: registry scan of a line with vs without views (1,000 values)")
    print(f"{'line':<30}{'views us':>10}{'without':>9}{'ratio':>8}{'views':>7}")
    for name, extra in tail.items():
        line = base + extra
        n_views = sum(1 for _ in decoded_views(line)) if worth_decoding(line, line.encode()) else 0

        def off(line: str = line) -> object:
            snap.count = 0  # the same scan with its views turned off
            try:
                return snap.scan(line)
            finally:
                snap.count = count

        def on(line: str = line) -> object:
            return snap.scan(line)

        with_views, without, ratio = paired(on, off, number=3000)
        print(f"{name:<30}{with_views:>10.2f}{without:>9.2f}{ratio:>7.2f}x{n_views:>7}")


# -- build and memory (each run in a fresh process) ------------------------------------------


def _child(mode: str, n: int) -> None:
    from redact import KnownSecrets, Redactor

    values = make_values(n)
    items = [(v, f"tenant-{i}-db") for i, v in enumerate(values)]
    known = KnownSecrets()
    Redactor.default(known=known)  # keywords attached: every rebuild below carries them
    rss0, _ = _rss_mib()
    t0 = time.perf_counter()
    if mode == "many":
        known.add_many(items)
    else:
        for v, label in items:
            known.add(v, label=label)
    dt = time.perf_counter() - t0
    tiers = len(known.snapshot.tiers)
    known.compact()
    rss, hwm = _rss_mib()
    probe = values[n // 3]
    ok = Redactor(known=known).redact(f"x {probe} y") == f"x [REDACTED:tenant-{n // 3}-db] y"
    print(json.dumps({"t": dt, "rss0": rss0, "rss": rss, "hwm": hwm, "tiers": tiers, "ok": ok}))


def _run_child(mode: str, n: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--values", str(n)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def section_build(n: int, repeat: int) -> None:
    print(f"\n## Registering {n:,} values (fresh process each, interleaved, {repeat} runs)")
    runs: dict[str, list[dict[str, float]]] = {"many": [], "one": []}
    for _ in range(repeat):
        for mode in ("many", "one"):
            runs[mode].append(_run_child(mode, n))
    print(f"{'mode':<22}{'time s':>8}{'RSS MiB':>9}{'peak MiB':>10}{'RSS before':>11}{'tiers':>7}")
    for mode, label in (("many", "add_many"), ("one", "add one at a time")):
        rs = runs[mode]
        assert all(r["ok"] for r in rs), "a registered value was not masked"
        print(
            f"{label:<22}{statistics.median(r['t'] for r in rs):>8.2f}"
            f"{statistics.median(r['rss'] for r in rs):>9.0f}"
            f"{statistics.median(r['hwm'] for r in rs):>10.0f}"
            f"{statistics.median(r['rss0'] for r in rs):>11.0f}"
            f"{statistics.median(r['tiers'] for r in rs):>7.0f}"
        )
    ratio = statistics.median(r["t"] for r in runs["one"]) / statistics.median(
        r["t"] for r in runs["many"]
    )
    print(f"ratio add one at a time / add_many: {ratio:.2f}x (goal <= 3x)")


def section_scan(n: int) -> None:
    from redact import KnownSecrets, Redactor

    print(f"\n## Per-call cost with {n:,} values (median us)")
    values = make_values(n)
    line = (
        '{"ts": "2026-11-29T01:00:00Z", "level": "info", "msg": "request handled", '
        '"path": "/api/v1/users/123", "status": 200, "user": "alice", "region": "eu-west-1"}'
    )
    known = KnownSecrets()
    red = Redactor.default(known=known)
    t_empty = per_call_us(lambda: red.redact(line))
    known.add_many([(v, f"v{i}") for i, v in enumerate(values[: n // 2])])
    for v in values[n // 2 : n // 2 + 300]:
        known.add(v, label="burst")
    tiers = len(known.snapshot.tiers)
    t_tiers = per_call_us(lambda: red.redact(line))
    known.compact()
    t_one = per_call_us(lambda: red.redact(line))
    secret = line[:120] + " " + values[7]
    t_secret = per_call_us(lambda: red.redact(secret), number=5000)
    print(f"clean line, no values:            {t_empty:.2f}")
    print(f"clean line, one tier:             {t_one:.2f}  ({t_one / t_empty:.2f}x)")
    print(f"clean line, {tiers} tiers after a burst: {t_tiers:.2f}  ({t_tiers / t_empty:.2f}x)")
    print(f"line with a secret:               {t_secret:.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--values", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--section", choices=["forms", "views", "build", "scan", "all"], default="all")
    ap.add_argument("--child", choices=["many", "one"])
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.values)
        return 0
    print(f"machine load: {_load()}; cpus: {os.cpu_count()}")
    if args.section in ("forms", "all"):
        section_forms(make_values(10_000))
    if args.section == "views":
        section_views(make_values(1000))
    if args.section in ("build", "all"):
        section_build(args.values, args.repeat)
    if args.section in ("scan", "all"):
        section_scan(min(args.values, 20_000))
    print(f"machine load after: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
