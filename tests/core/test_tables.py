"""Tables whose header row names a sensitive column (issue 10, red team: header tables).

One mechanism (:mod:`redact._tables`), one table of shapes: CLI and database output
(vault, psql aligned and expanded, MySQL boxes, kubectl/docker columns), CSV/TSV with a
header, a single column. Each shape is planted with several runtime values and checked
with the grammar oracle (no run of 4 characters of a value survives); the readable cells
must stay. A lookalike table keeps dates, counts and documentation tables readable; a
hypothesis property plants random values in CSV and psql tables; the runtime adapters,
``redact filter`` and ``redact scan`` go through the same core.
"""

from __future__ import annotations

import io
import logging
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st

from redact import Redactor
from redact._lines import LineStream
from redact.integrations.logging import RedactFilter
from redact.integrations.structlog import RedactProcessor
from redact.scan.model import ScanOptions
from redact.scan.text import scan_text
from tests.grammar import PLANTED, leaks
from tests.strategies import table_cells

R = Redactor.default()


def _value(tail: str = "") -> str:
    """A synthetic value: fixed head ``Zq``, a random tail built at runtime."""
    alphabet = string.ascii_letters + string.digits
    return "Zq" + "".join(secrets.choice(alphabet) for _ in range(12)) + tail


#: Extra characters a value may carry in a shape (none of them splits its cells).
TAILS = ["", "-x_y.z", "@h0st", "/+9=", "!#%"]

#: (id, template with {v} and {w} in sensitive cells, cells that must stay readable).
SHAPES = [
    (
        "vault-kv-get",
        "====== Data ======\nKey         Value\n---         -----\npassword    {v}\n"
        "token       {w}\nusername    bob\n",
        ["username    bob", "Key         Value"],
    ),
    (
        "psql-aligned",
        " username | password \n----------+----------\n bob      | {v}\n alice    | {w}\n(2 rows)\n",
        ["bob", "alice", "(2 rows)", "username"],
    ),
    (
        "psql-middle-column",
        " id | api_key | role\n----+---------+------\n  1 | {v} | admin\n  2 | {w} | dev\n",
        ["admin", "dev", "role"],
    ),
    (
        "psql-expanded",
        "-[ RECORD 1 ]-----\nusername | bob\npassword | {v}\n-[ RECORD 2 ]-----\n"
        "username | alice\npassword | {w}\n",
        ["username | bob", "username | alice"],
    ),
    (
        "mysql-box",
        "+-------+----------+\n| user  | password |\n+-------+----------+\n| bob   | {v} |\n"
        "| alice | {w} |\n+-------+----------+\n2 rows in set (0.00 sec)\n",
        ["| bob   |", "| alice |", "2 rows in set"],
    ),
    ("one-column", "password\n--------\n{v}\n{w}\n", ["password\n--------"]),
    ("one-column-footer", " password \n----------\n {v}\n {w}\n(2 rows)\n", ["(2 rows)"]),
    ("csv", "user,password,age\nbob,{v},3\nalice,{w},4\n", ["bob,", "alice,", ",3", ",4"]),
    ("csv-last", "user,password\nbob,{v}\nalice,{w}\n", ["bob,", "alice,"]),
    ("csv-semicolon", "user;secret;age\nbob;{v};3\nalice;{w};4\n", ["bob;", ";3"]),
    ("tsv", "user\tpassword\tage\nbob\t{v}\t3\nalice\t{w}\t4\n", ["bob\t", "\t4"]),
    (
        "csv-quoted",
        '"user","password","note"\n"bob","{v}","ok"\n"alice","{w}","x, y"\n',
        ['"bob"', '"x, y"'],
    ),
    (
        "kubectl-columns",
        "NAME    PASSWORD                AGE\nbob     {v:<21}   3d\nalice   {w:<21}   5d\n",
        ["bob ", "alice ", "3d", "5d"],
    ),
    (
        "docker-columns",
        "CONTAINER ID   IMAGE   API_KEY                  STATUS\n"
        "a1b2c3         nginx   {v:<22}   Up 2 hours\nd4e5f6         redis   {w:<22}   Up 3 days\n",
        ["nginx", "redis", "Up 2 hours", "Up 3 days"],
    ),
    (
        "markdown-with-tokens",
        "| user | token |\n|---|---|\n| bob | `{v}` |\n| alice | {w} |\n",
        ["| bob |", "| alice |"],
    ),
]


@pytest.mark.parametrize("tail", TAILS)
@pytest.mark.parametrize(("template", "kept"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_header_table_masks_each_value_whole(template: str, kept: list[str], tail: str) -> None:
    """Every cell under a sensitive header is masked whole; the other cells stay readable."""
    v, w = _value(tail), _value(tail[::-1])
    text = template.format(v=v, w=w)  # aligned columns are padded as kubectl pads them
    out = R.redact(text)
    assert not leaks(out, v, text.replace(v, "")), out
    assert not leaks(out, w, text.replace(w, "")), out
    for cell in kept:
        assert cell in out, out
    assert out.count("\n") == text.count("\n")


#: Tables that hold no credential: each comes back unchanged.
LOOKALIKES = [
    # dates under columns that name a password's metadata (not sensitive names)
    "| name | password_changed_at | PASSWORD_EXPIRES |\n|---|---|---|\n| bob | 2024-01-01 | 2025-01-01 |\n",
    "user,password_changed_at\nbob,2024-01-01T10:00:00Z\n",
    "USER   PASSWORD_EXPIRES   LAST_LOGIN\nbob    2025-01-01         2024-12-01\n",
    # a plural name over numbers is a count
    "model | tokens | cost\n------+--------+-----\ngpt   | 1234   | 0.2\nllm   | 98,765 | 1.5\n",
    "MODEL   TOKENS   AGE\ngpt     12345    3d\n",
    "name,secrets,keys\nprod,12,4\n",
    # documentation: Markdown tables of prose, flags, placeholders
    "| carrier | password | meaning |\n|---|---|---|\n| quoted | `${DB_PASSWORD}` | inside the quotes |\n",
    "| ours | detect-secrets | notes |\n|---|---|---|\n| `--version` | `--version` | |\n",
    "| what is secret | programs |\n|---|---|\n| `user<sep>password` | `curl -u` |\n",
    "| setting | token |\n|---|---|\n| github | ghp_xxxxxxxxxxxxxxxxxxxx |\n",
    # a Markdown heading over prose, a header without rows, a list of names
    "Password\n--------\nThe password is kept in the vault and rotated daily.\n",
    " username | password \n----------+----------\n(0 rows)\n",
    "password,token\ntoken,secret\n",
    "user,password\nbob,****\nalice,${ALICE_PASSWORD}\n",
    # prose that holds commas
    "into such a log has an envelope, and a password cut into partial\nrecords has one\n",
]


@pytest.mark.parametrize("text", LOOKALIKES)
def test_tables_without_credentials_stay_readable(text: str) -> None:
    """Dates, counts, documentation and lists of names under a sensitive-looking header."""
    assert R.redact(text) == text


@PLANTED
@given(
    cells=table_cells,
    kind=st.sampled_from(["csv", "tsv", "psql", "mysql", "quoted"]),
)
def test_random_values_in_csv_and_psql_tables(cells: list[tuple[str, str]], kind: str) -> None:
    """Random users and values, in CSV, TSV, quoted CSV, psql and MySQL output: no leak."""
    if kind == "csv":
        lines = ["user,password", *(f"{u},{v}" for u, v in cells)]
    elif kind == "tsv":
        lines = ["user\tpassword", *(f"{u}\t{v}" for u, v in cells)]
    elif kind == "quoted":
        lines = ['"user","password"', *(f'"{u}","{v}"' for u, v in cells)]
    elif kind == "psql":
        lines = [" user | password", "------+---------", *(f" {u} | {v}" for u, v in cells)]
        lines.append(f"({len(cells)} rows)")
    else:
        lines = ["+---+---+", "| user | password |", "+---+---+"]
        lines += [f"| {u} | {v} |" for u, v in cells] + ["+---+---+"]
    text = "\n".join(lines) + "\n"
    out = R.redact(text)
    for user, value in cells:
        assert not leaks(out, value, text.replace(value, "")), (text, out)
        assert user in out


def _psql(v: str, w: str) -> str:
    return f"login ok\n username | password \n----------+----------\n bob      | {v}\n alice    | {w}\n(2 rows)\n"


def test_logging_filter_masks_a_table_in_a_message() -> None:
    """A psql table logged through the standard library: the RedactFilter masks its cells."""
    v, w = _value(), _value()
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.addFilter(RedactFilter(R))
    log = logging.getLogger("tests.tables")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("query result:\n%s", _psql(v, w))
    finally:
        log.removeHandler(handler)
    assert v not in buf.getvalue() and w not in buf.getvalue()
    assert "alice" in buf.getvalue()


def test_structlog_processor_masks_a_table_in_an_event() -> None:
    """A CSV export in a structlog event field: the processor masks its password column."""
    v = _value()
    buf = io.StringIO()
    logger = structlog.wrap_logger(
        structlog.PrintLogger(buf),
        processors=[RedactProcessor(R), structlog.processors.KeyValueRenderer()],
    )
    logger.info("export", body=f"user,password\nbob,{v}\n")
    assert v not in buf.getvalue() and "bob" in buf.getvalue()


@pytest.mark.parametrize("cut", ["whole", "lines"])
def test_line_stream_masks_rows_fed_with_their_header(cut: str) -> None:
    """``redact filter``'s stream: rows in the same chunk as their header, or line by line."""
    v, w = _value(), _value()
    text = _psql(v, w)
    stream = LineStream(R)
    if cut == "whole":
        out = stream.feed(text) + stream.close()
    else:
        out = "".join(stream.feed(line) for line in text.splitlines(keepends=True))
        out += stream.close()
    assert v not in out and w not in out
    assert "alice" in out


def test_redact_filter_command_masks_a_table() -> None:
    """The ``redact filter`` command reads a kubectl-style table from stdin."""
    v = _value()
    data = f"NAME    PASSWORD        AGE\nbob     {v}   3d\n".encode()
    exe = Path(sys.executable).with_name("redact")
    out = subprocess.run([str(exe), "filter"], input=data, capture_output=True, check=True)
    assert v.encode() not in out.stdout and b"3d" in out.stdout


def test_scan_reports_the_value_cell(tmp_path: Path) -> None:
    """``redact scan`` reports a CSV's password cell on its own line, the value masked."""
    v = _value()
    text = f"user,password\nbob,{v}\n"
    found = scan_text(R, text, ScanOptions(show_secrets=True), path="users.csv")
    assert any(f.secret == v and f.line == 2 for f in found), [(f.secret, f.line) for f in found]
    path = tmp_path / "users.csv"
    path.write_text(text)
    exe = Path(sys.executable).with_name("redact")
    out = subprocess.run(
        [str(exe), "scan", str(path), "--format", "json"], capture_output=True, check=False
    )
    assert out.returncode == 1, out.stderr
    assert b"users.csv" in out.stdout and v.encode() not in out.stdout + out.stderr


@pytest.mark.parametrize(
    "head",
    [
        "user,password",
        "user\tpassword",
        "NAME       PASSWORD         AGE",
        " user | password\n------+---------",
    ],
)
@pytest.mark.parametrize("between", ["", "\n", "(1 row)\n\n"])
def test_a_repeated_header_starts_the_next_table(head: str, between: str) -> None:
    """Concatenated exports repeat the header before each batch of rows: each header starts
    its own table (a header row holds no value), and every batch's values are masked,
    including a row whose user is itself named like a column."""
    values = [_value() for _ in range(3)]
    users = ["bob", "password", "carol"]

    def row(u: str, v: str) -> str:
        if "AGE" in head:  # aligned columns: each cell starts at its header's offset
            return f"{u:<11}{v:<17}3d"
        return u + ("," if "," in head else "\t" if "\t" in head else " | ") + v

    text = "".join(f"{head}\n{row(u, v)}\n{between}" for u, v in zip(users, values, strict=True))
    out = R.redact(text)
    for v in values:
        assert not leaks(out, v, text.replace(v, "")), (text, out)
    assert out.count(head.splitlines()[0]) == 3  # the headers stay readable
