"""The real ``redact`` console script: exit codes, formats, SARIF schema, stdin, baselines, filter."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from .conftest import Repo, run_redact

SCHEMA = json.loads((Path(__file__).with_name("sarif-2.1.0.json")).read_text())


@pytest.fixture
def project(tmp_path: Path, secret: Callable[..., str]) -> dict[str, object]:
    """A small tree with a source secret, an allowed one, a JSON log and a gzip log."""
    root = tmp_path / "proj"
    root.mkdir()
    tokens = {k: secret(k) for k in ("github", "stripe", "slack")}
    (root / "app.py").write_text(
        "import os\n"
        f"GH = '{tokens['github']}'\n"
        f"SAMPLE = '{tokens['stripe']}'  # redact:allow stripe-secret-key documented sample\n"
    )
    (root / "clean.py").write_text("print('hello')\n")
    log = {"ts": 1, "request": {"headers": {"authorization": f"Bearer {tokens['slack']}"}}}
    with gzip.open(root / "app.log.gz", "wt") as fh:
        fh.write('{"ts": 0, "msg": "ok"}\n' + json.dumps(log) + "\n")
    return {"root": root, "tokens": tokens}


def _leaks(proc: object, tokens: dict[str, str]) -> list[str]:
    out = proc.stdout + proc.stderr  # type: ignore[attr-defined]
    return [k for k, v in tokens.items() if v.encode() in out]


def test_exit_codes_clean_findings_usage(project: dict[str, object], tmp_path: Path) -> None:
    """0 on a clean tree, 1 with findings, 2 on usage/config errors with a message naming it."""
    root = project["root"]
    assert isinstance(root, Path)
    clean = run_redact("scan", "clean.py", cwd=root)
    assert clean.returncode == 0, clean.stderr
    dirty = run_redact("scan", "--no-progress", ".", cwd=root)
    assert dirty.returncode == 1
    assert _leaks(dirty, project["tokens"]) == []  # type: ignore[arg-type]
    for args, message in [
        (("scan", "missing-dir"), b"path 'missing-dir' does not exist"),
        (("scan", "--since", "HEAD", "."), b"--since needs --git"),
        (("scan", "--update-baseline", "."), b"--update-baseline needs --baseline"),
        (("scan", "--git", str(tmp_path)), b"not inside a git repository"),
        (("scan", "--pack", "nope", "."), b"nope"),
        (("scan", "--fingerprint-key", "short", "."), b"--fingerprint-key must be at least 16"),
        (("scan", "--jobs", "0", "."), b"expected a positive integer"),
        (("scan", "--format", "xml", "."), b"invalid choice"),
    ]:
        proc = run_redact(*args, cwd=root)
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr, (args, proc.stderr)
    bad_env = run_redact("scan", ".", cwd=root, env={"REDACT_FINGERPRINT_KEY": "tiny"})
    assert bad_env.returncode == 2 and b"REDACT_FINGERPRINT_KEY" in bad_env.stderr


def test_json_report_fields(project: dict[str, object]) -> None:
    """JSON findings carry rule, category, severity, file, line, column, fingerprint, field path."""
    root = project["root"]
    assert isinstance(root, Path)
    proc = run_redact("scan", "--format", "json", ".", cwd=root)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    rows = {(f["path"], f["rule_id"]): f for f in doc["findings"]}
    gh = rows[("app.py", "github-token")]
    assert (gh["line"], gh["column"], gh["severity"]) == (2, 7, "critical")
    assert len(gh["fingerprint"]) == 32 and "secret" not in gh
    allowed = rows[("app.py", "stripe-secret-key")]
    assert allowed["allowed"] == "documented sample"
    log = [f for (p, _), f in rows.items() if p == "app.log.gz"]
    assert {f["field"] for f in log} == {"$.request.headers.authorization"}
    assert doc["summary"]["findings"] == 1 + len(log)
    assert doc["summary"]["allowed_inline"] == 1
    assert _leaks(proc, project["tokens"]) == []  # type: ignore[arg-type]


def test_fingerprints_are_stable_and_keyed(project: dict[str, object]) -> None:
    """Same key → same fingerprints across runs; another key → different fingerprints."""
    root = project["root"]
    assert isinstance(root, Path)

    def fps(env: dict[str, str] | None = None) -> list[str]:
        proc = run_redact("scan", "--format", "json", "app.py", cwd=root, env=env)
        return [f["fingerprint"] for f in json.loads(proc.stdout)["findings"]]

    assert fps() == fps()
    keyed = fps({"REDACT_FINGERPRINT_KEY": "a-team-secret-key-of-32-bytes!!"})
    assert keyed == fps({"REDACT_FINGERPRINT_KEY": "a-team-secret-key-of-32-bytes!!"})
    assert set(keyed).isdisjoint(fps())


def test_show_secrets_is_explicit(project: dict[str, object]) -> None:
    """The value appears only with --show-secrets."""
    root = project["root"]
    assert isinstance(root, Path)
    proc = run_redact("scan", "--show-secrets", "--format", "json", "app.py", cwd=root)
    assert _leaks(proc, project["tokens"]) == ["github", "stripe"]  # type: ignore[arg-type]


def test_sarif_validates_against_the_schema(project: dict[str, object]) -> None:
    """SARIF output is valid SARIF 2.1.0 with rules, regions, fingerprints and suppressions."""
    root = project["root"]
    assert isinstance(root, Path)
    proc = run_redact("scan", "--format", "sarif", "-o", "out.sarif", ".", cwd=root)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads((root / "out.sarif").read_text())
    validator = jsonschema.Draft7Validator(SCHEMA)
    errors = [e.message for e in validator.iter_errors(doc)]
    assert errors == []
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["github-token"]["properties"]["security-severity"] == "9.5"
    results = {r["ruleId"]: r for r in run["results"]}
    gh = results["github-token"]
    region = gh["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 7)
    assert run["tool"]["driver"]["rules"][gh["ruleIndex"]]["id"] == "github-token"
    assert len(gh["partialFingerprints"]["redactSecretHmac/v1"]) == 32
    assert results["stripe-secret-key"]["suppressions"] == [
        {"kind": "inSource", "justification": "documented sample"}
    ]
    for token in project["tokens"].values():  # type: ignore[attr-defined]
        assert token not in (root / "out.sarif").read_text()


def test_sarif_is_valid_for_git_history_too(
    make_repo: Callable[..., Repo], secret: Callable[..., str]
) -> None:
    """A --git SARIF run validates and records commit and author date per result."""
    repo = make_repo()
    token = secret("github")
    repo.write("s.py", f"T = '{token}'\n")
    commit = repo.commit("leak", date="2022-02-02T02:02:02+00:00")
    repo.write("s.py", "T = None\n")
    repo.commit("fix")
    proc = run_redact("scan", "--git", "--format", "sarif", cwd=repo.root)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(doc)) == []
    [result] = doc["runs"][0]["results"]
    assert result["properties"]["commit"] == commit
    assert result["properties"]["authorDate"] == "2022-02-02T02:02:02+00:00"


def test_baseline_cli_round_trip(project: dict[str, object], secret: Callable[..., str]) -> None:
    """--update-baseline writes, --baseline then reports only new findings (exit 0, then 1)."""
    root = project["root"]
    assert isinstance(root, Path)
    wrote = run_redact(
        "scan", "--baseline", ".redact-baseline.json", "--update-baseline", ".", cwd=root
    )
    assert wrote.returncode == 0, wrote.stderr
    assert b"baseline entries" in wrote.stderr
    again = run_redact("scan", "--baseline", ".redact-baseline.json", ".", cwd=root)
    assert again.returncode == 0, again.stdout
    (root / "new.py").write_text(f"K = '{secret('github')}'\n")
    new = run_redact(
        "scan", "--baseline", ".redact-baseline.json", "--format", "json", ".", cwd=root
    )
    assert new.returncode == 1
    doc = json.loads(new.stdout)
    assert [f["path"] for f in doc["findings"] if "allowed" not in f] == ["new.py"]
    assert doc["summary"]["known_from_baseline"] >= 2


def test_stdin_is_scanned(secret: Callable[..., str], tmp_path: Path) -> None:
    """'-' reads stdin (streamed), JSON lines get field paths."""
    token = secret("github")
    data = b'{"a": 1}\n' + json.dumps({"user": {"token": token}}).encode() + b"\n"
    proc = run_redact("scan", "--format", "json", "-", cwd=tmp_path, input=data)
    assert proc.returncode == 1
    [f] = [f for f in json.loads(proc.stdout)["findings"] if f["rule_id"] == "github-token"]
    assert (f["path"], f["line"], f["field"]) == ("<stdin>", 2, "$.user.token")


def test_text_report_groups_and_summarises(project: dict[str, object]) -> None:
    """The text report names files, positions, rules, and a summary line; no colour when piped."""
    root = project["root"]
    assert isinstance(root, Path)
    proc = run_redact("scan", ".", cwd=root)
    text = proc.stdout.decode()
    assert "app.py" in text and "2:7" in text and "github-token" in text
    assert "allowed: documented sample" in text
    assert "\x1b[" not in text
    assert "finding(s)" in text.splitlines()[-1]


def test_filter_redacts_and_keeps_other_bytes(secret: Callable[..., str], tmp_path: Path) -> None:
    """filter masks secrets line by line and writes untouched lines back byte for byte."""
    token = secret("github")
    raw = b"plain \xff\xfe latin-1 caf\xe9\r\n" + f"auth {token} end\n".encode() + b"no newline"
    proc = run_redact("filter", cwd=tmp_path, input=raw)
    assert proc.returncode == 0
    lines = proc.stdout.split(b"\n")
    assert lines[0] == b"plain \xff\xfe latin-1 caf\xe9\r"
    assert token.encode() not in proc.stdout
    assert b"[REDACTED:github-token]" in lines[1]
    assert lines[2] == b"no newline"


def test_filter_is_line_buffered(secret: Callable[..., str], tmp_path: Path) -> None:
    """Each line comes out before the next one goes in (log pipelines see lines live)."""
    import subprocess

    from .conftest import REDACT

    proc = subprocess.Popen(
        [REDACT, "filter"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=tmp_path
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for i in range(3):
            token = secret("github")
            proc.stdin.write(f"line {i} {token}\n".encode())
            proc.stdin.flush()
            out = proc.stdout.readline()
            assert out == f"line {i} [REDACTED:github-token]\n".encode()
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == 0


def test_precommit_hook_definition() -> None:
    """The repository ships a pre-commit hook that runs `redact scan` on every staged file."""
    import yaml

    hooks = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    [hook] = [h for h in hooks if h["id"] == "redact-scan"]
    assert hook["entry"] == "redact scan"
    assert hook["language"] == "python"
    # not types: [text] -- pre-commit would drop a log with a NUL byte, a .gz, UTF-16 text
    assert all("types" not in h for h in hooks)


def test_update_baseline_never_overwrites_a_detect_secrets_file(tmp_path: Path) -> None:
    """--update-baseline on a detect-secrets baseline is a usage error; the file is untouched."""
    ds = tmp_path / ".secrets.baseline"
    ds.write_text(json.dumps({"version": "1.5.0", "plugins_used": [], "results": {}}))
    before = ds.read_bytes()
    proc = run_redact("scan", "--baseline", str(ds), "--update-baseline", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"would overwrite the detect-secrets baseline" in proc.stderr
    assert ds.read_bytes() == before


def test_filter_long_lines_in_bounded_pieces(secret: Callable[..., str], tmp_path: Path) -> None:
    """Lines longer than --max-line are cut at delimiters: tokens near every cut are masked."""
    tokens = [secret("github") for _ in range(30)]
    parts = []
    for i, tok in enumerate(tokens):
        parts.append("a=1&" * (500 + 37 * i))
        parts.append(f"t={tok}&")
    line = "".join(parts).encode() + b"\n"
    proc = run_redact("filter", "--max-line", "4096", cwd=tmp_path, input=line + b"tail\n")
    assert proc.returncode == 0
    assert not [t for t in tokens if t.encode() in proc.stdout]
    assert proc.stdout.count(b"[REDACTED:github-token]") == len(tokens)
    expected = line
    for tok in tokens:
        expected = expected.replace(tok.encode(), b"[REDACTED:github-token]")
    assert proc.stdout == expected + b"tail\n"


def test_non_utf8_file_is_scanned(tmp_path: Path, secret: Callable[..., str]) -> None:
    """A cp1252 file with bytes invalid in UTF-8 is scanned, positions counted per character."""
    token = secret("github")
    (tmp_path / "legacy.ini").write_bytes(
        b"[caf\xe9]\nname=r\xe9sum\xe9 \x93quoted\x94\n" + f"token_x {token}\n".encode()
    )
    proc = run_redact("scan", "--format", "json", "legacy.ini", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    [f] = json.loads(proc.stdout)["findings"]
    assert (f["line"], f["column"], f["rule_id"]) == (3, 9, "github-token")


def test_non_utf8_file_names_in_every_format(tmp_path: Path, secret: Callable[..., str]) -> None:
    """A Latin-1 file name and reason: SARIF percent-encodes the raw byte, JSON/text show U+FFFD."""
    token = secret("github")
    line = f"t = {token}  # redact:allow github-token r\xe9ason\n".encode("latin-1")
    (tmp_path / "caf\udce9.txt").write_bytes(line)  # the name's byte 0xE9, as os.fsencode keeps it
    sarif = run_redact("scan", "--format", "sarif", ".", cwd=tmp_path)
    assert sarif.returncode == 0, sarif.stderr
    doc = json.loads(sarif.stdout)
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(doc)) == []
    [result] = doc["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "caf%E9.txt"
    assert result["suppressions"][0]["justification"] == "r\ufffdason"
    as_json = json.loads(run_redact("scan", "--format", "json", ".", cwd=tmp_path).stdout)
    assert as_json["findings"][0]["path"] == "caf\ufffd.txt"
    text = run_redact("scan", ".", cwd=tmp_path)
    assert text.returncode == 0 and "caf\ufffd.txt" in text.stdout.decode()


def test_a_known_file_with_a_byte_order_mark_protects_its_first_value(tmp_path: Path) -> None:
    """Windows editors and PowerShell 5.1 write UTF-8 with a BOM: the BOM is no part of the
    first value (it was, and that value went out raw with exit 0)."""
    import secrets

    values = [secrets.token_urlsafe(12), secrets.token_urlsafe(12)]
    known = tmp_path / "known.txt"
    known.write_bytes(b"\xef\xbb\xbf" + "\n".join(values).encode() + b"\n")
    proc = run_redact(
        "filter", "--known-file", str(known), cwd=tmp_path, input=" ".join(values).encode() + b"\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert not [v for v in values if v.encode() in proc.stdout]


def test_filter_masks_values_registered_from_env_and_file(tmp_path: Path) -> None:
    """--known-env NAME and --known-file PATH register values the rules cannot recognise."""
    import base64
    import secrets

    env_value = secrets.token_urlsafe(18)
    file_values = [secrets.token_urlsafe(12), "correct horse " + secrets.token_hex(4)]
    known = tmp_path / "known.txt"
    known.write_text("\n".join(file_values) + "\n\n", encoding="utf-8")
    b64 = base64.b64encode(env_value.encode()).decode()
    raw = "".join(
        [
            f"connect db password-less {env_value} ok\n",
            f"blob {b64}\n",
            *(f"note {v} done\n" for v in file_values),
            "plain line\n",
        ]
    ).encode()
    proc = run_redact(
        "filter",
        "--known-env",
        "APP_DB_VALUE",
        "--known-file",
        str(known),
        cwd=tmp_path,
        input=raw,
        env={"APP_DB_VALUE": env_value},
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    for value in (env_value, b64, *file_values):
        assert value not in out
    assert "[REDACTED:APP_DB_VALUE]" in out
    assert out.count("[REDACTED:known-file]") == 2
    assert out.endswith("plain line\n")


@pytest.mark.parametrize(
    ("flag", "arg", "content", "expected"),
    [
        ("--known-env", "UNSET_REDACT_TEST_VAR", None, "UNSET_REDACT_TEST_VAR"),
        ("--known-file", "short.txt", "abc\n", "line 1"),
        ("--known-file", "empty.txt", "\n\n", "no value"),
        ("--known-file", "missing.txt", None, "missing.txt"),
    ],
)
def test_filter_known_value_errors_name_the_cause_never_the_value(
    tmp_path: Path, flag: str, arg: str, content: str | None, expected: str
) -> None:
    """Exit 2 with a message naming the variable or file and line; the value is not printed."""
    if content is not None:
        (tmp_path / arg).write_text(content, encoding="utf-8")
    proc = run_redact("filter", flag, arg, cwd=tmp_path, input=b"x\n")
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert expected in err
    assert "abc" not in err
    assert proc.stdout == b""
