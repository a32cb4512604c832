"""Credentials in SQL statements and in what databases and drivers log (issue 10 §1/§2).

A statement names its columns in one place and their values in another; these shapes came
back unchanged from ``Redactor.redact`` (red team): INSERT column/value lists, placeholders
with the bound parameters logged after them, PostgreSQL constraint messages, MySQL ``SET
PASSWORD`` and SQL Server procedures.
"""

from __future__ import annotations

import io
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import Redactor
from redact._sql import _items
from redact.scan import Scanner, ScanOptions
from tests.grammar import PLANTED, Shape, assert_planted, leaks
from tests.strategies import grammar_values


@pytest.fixture(scope="module")
def r() -> Redactor:
    return Redactor.default()


def _value() -> str:
    return "Zq" + secrets.token_hex(8)


SHAPES = [
    "INSERT INTO users (name, password) VALUES ('bob', '{v}')",
    "insert into users(name,password) values('bob','{v}'),('eve','{v}')",
    'INSERT INTO "users" ("name", "api_key", "age") VALUES (\'bob\', \'{v}\', 3);',
    "INSERT INTO t (password_hash, token) VALUES (NULL, N'{v}')",
    "[SQL: INSERT INTO users (name, password) VALUES (?, ?)]\n[parameters: ('bob', '{v}')]",
    "[SQL: UPDATE users SET password=? WHERE users.id = ?]\n[parameters: ('{v}', 1)]",
    "UPDATE users SET name = %s, api_token = %s WHERE id = %s; args=('bob', '{v}', 7)",
    "INSERT INTO users (name, secret) VALUES ($1, $2) params: ['bob', '{v}']",
    "[SQL: INSERT INTO users (name, password) VALUES (?, ?)]\n"
    "[parameters: [('bob', '{v}'), ('eve', '{v}')]]",
    "UPDATE accounts SET password = '{v}', updated_at = now() WHERE id = 3",
    'ERROR:  duplicate key value violates unique constraint "k"\n'
    "DETAIL:  Key (api_key)=({v}) already exists.",
    "DETAIL:  Key (tenant_id, api_key)=(42, {v}) already exists.",
    "SET PASSWORD FOR 'app'@'localhost' = '{v}'",
    "SET PASSWORD = PASSWORD('{v}');",
    "set password for app = '{v}'",
    "EXEC sp_addlogin 'app', '{v}'",
    "EXECUTE sp_password 'old{v}', '{v}', 'app'",
    "exec sp_addlinkedsrvlogin 'srv', 'false', NULL, 'rmt', '{v}'",
]


@pytest.mark.parametrize("shape", SHAPES)
def test_a_sensitive_column_value_is_masked_whole(r: Redactor, shape: str) -> None:
    v = _value()
    out = r.redact(shape.format(v=v))
    assert v not in out
    assert "[REDACTED" in out


LOOKALIKES = [
    "INSERT INTO users (name, email) VALUES ('bob', 'bob@example.org')",
    "[SQL: INSERT INTO users (name, age) VALUES (?, ?)]\n[parameters: ('bob', 41)]",
    "UPDATE users SET name = 'bob' WHERE id = 3",
    "DETAIL:  Key (email)=(bob@example.org) already exists.",
    "INSERT INTO users (name, password) VALUES (?, ?)",
]


@pytest.mark.parametrize("text", LOOKALIKES)
def test_statements_without_a_secret_value_stay(r: Redactor, text: str) -> None:
    assert r.redact(text) == text


def test_the_other_columns_stay_readable(r: Redactor) -> None:
    v = _value()
    out = r.redact(
        f"[SQL: INSERT INTO users (name, password) VALUES (?, ?)]\n[parameters: ('bob', '{v}')]"  # noqa: S608 (log text)
    )
    assert "'bob'" in out
    assert v not in out


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["name", "age", "password", "api_key", "note"]), min_size=1, max_size=5
    ),
    st.sampled_from(["?", "%s"]),
)
def test_placeholders_map_each_sensitive_column_to_its_parameter(
    columns: list[str], holder: str
) -> None:
    r = Redactor.default()
    values = [_value() for _ in columns]
    sql = f"INSERT INTO t ({', '.join(columns)}) VALUES ({', '.join([holder] * len(columns))})"  # noqa: S608
    params = ", ".join(f"'{v}'" for v in values)
    out = r.redact(f"[SQL: {sql}]\n[parameters: ({params})]")
    for column, v in zip(columns, values, strict=True):
        if column in ("password", "api_key"):
            assert v not in out
        else:
            assert v in out


def test_items_respect_quotes_doubled_quotes_and_brackets() -> None:
    text = "'a,b', 'it''s', f(1, 2), [3, 4], \"q\\\"x\")"
    items, end = _items(text, 0, closer=")")
    assert [text[s:e] for s, e in items] == ["'a,b'", "'it''s'", "f(1, 2)", "[3, 4]", '"q\\"x"']
    assert end == len(text)


@pytest.mark.parametrize("tail", ["'x\\", "'abc\\", "'\\", "'bob', 'x\\", '"q\\'])
def test_a_statement_cut_after_an_escape_does_not_crash(tail: str) -> None:
    """A value list cut right after a backslash (a truncated log line, a source file's
    string): the reader stays inside the text; find() used to raise IndexError, and the
    scanner reported the repository's own test_otel.py as an error (exit 2)."""
    text = f"INSERT INTO users (name, password) VALUES ({tail}"  # noqa: S608
    Redactor.default().find(text)
    items, end = _items(tail, 0, closer=")")
    assert end <= len(tail) and all(e <= len(tail) for _, e in items)


# Issue: the readers' shared parsing (columns -> values, placeholders -> logged parameters).
# Each class below has its own members; ``{v}`` is a random value protected only by its
# column's name.
LOGGED_PARAMETERS = [
    # PostgreSQL's own parameter logging (log_statement / auto_explain), any order
    "LOG:  execute <unnamed>: INSERT INTO users (name, password) VALUES ($1, $2)\n"
    "DETAIL:  parameters: $1 = 'bob', $2 = '{v}'",
    "LOG:  execute <unnamed>: INSERT INTO users (name, password) VALUES ($1, $2)\n"
    "DETAIL:  parameters: $2 = '{v}', $1 = 'bob'",
    "LOG:  duration: 0.311 ms  execute S_3: UPDATE users SET api_token = $1 WHERE id = $2\n"
    "DETAIL:  parameters: $1 = '{v}', $2 = '7'",
    "LOG:  execute <unnamed>: INSERT INTO t (a, b, secret) VALUES ($1, $2, $3)\n"
    "DETAIL:  parameters: $1 = 'x', $2 = NULL, $3 = 'it''s {v}'",
    # Hibernate 5 and 6 bind logging, one line a parameter (with the loggers' prefixes)
    "insert into users (name, password) values (?, ?)\n"
    "binding parameter [1] as [VARCHAR] - [bob]\nbinding parameter [2] as [VARCHAR] - [{v}]",
    "insert into users (name, password) values (?, ?)\n"
    "binding parameter (1:VARCHAR) <- [bob]\nbinding parameter (2:VARCHAR) <- [{v}]",
    "2026-11-30 10:00:00 DEBUG SQL - update users set api_key=? where id=?\n"
    "2026-11-30 10:00:00 TRACE BasicBinder - binding parameter [1] as [VARCHAR] - [{v}]\n"
    "2026-11-30 10:00:00 TRACE BasicBinder - binding parameter [2] as [BIGINT] - [7]",
    # JDBC loggers: numbered parameters, or a bare tuple right after the statement
    "INSERT INTO users (name, password) VALUES (?, ?) [1] = 'bob', [2] = '{v}'",
    "INSERT INTO users (name, password) VALUES (?, ?) ('bob', '{v}')",
    "UPDATE users SET password = ? WHERE id = ? ('{v}', 7)",
    "INSERT INTO users (name, token) VALUES (?, ?); ['bob', '{v}']",
    # named placeholders and a dict of parameters
    "UPDATE users SET password = %(pw)s WHERE id = %(id)s args={{'pw': '{v}', 'id': 7}}",
    "INSERT INTO users (name, secret) VALUES (:name, :secret) params: {{'name': 'bob', 'secret': '{v}'}}",
]
STATEMENT_FORMS = [
    "REPLACE INTO users (name, password) VALUES ('bob','{v}')",
    "INSERT IGNORE INTO users (name, password) VALUES ('bob','{v}')",
    "INSERT ALL INTO users (name, password) VALUES ('bob','{v}') SELECT * FROM dual",
    "INSERT ALL INTO logs (msg) VALUES ('x') INTO users (name, password) VALUES ('bob','{v}') "
    "SELECT * FROM dual",
    "INSERT INTO users (name, password) SELECT 'bob', '{v}'",
    "INSERT INTO users (name, password) SELECT 'bob' AS name, '{v}' AS password FROM dual",
    "MERGE INTO users u USING (SELECT 'bob' AS name, '{v}' AS password) s ON (u.name = s.name)",
    "SELECT E'{v}' AS \"api_key\"",
    "MERGE INTO users u USING staging s ON (u.id = s.id) WHEN NOT MATCHED THEN "
    "INSERT (name, password) VALUES ('bob', '{v}')",
    "COPY users (name, password) FROM stdin;\nbob\t{v}\n\\.",
    "COPY public.users (id, name, api_key) FROM stdin;\n1\tbob\t{v}\n2\teve\t{v}\n\\.",
    'COPY users (name, password) FROM stdin WITH (FORMAT csv);\nbob,"{v}"\n\\.',
    "COPY users (name, password) FROM stdin WITH DELIMITER '|';\nbob|{v}\n\\.",
    "SELECT * FROM users WHERE (password) IN (('{v}'))",
    "SELECT * FROM users WHERE (name, password) IN (('bob', '{v}'), ('eve', '{v}'))",
    "SELECT * FROM users WHERE (name, password) = ('bob', '{v}')",
    "DELETE FROM users WHERE password IN ('{v}', 'other{v}')",
]
FAILING_ROWS = [
    'ERROR:  new row for relation "users" violates check constraint "c"\n'
    "DETAIL:  Failing row contains (7, bob, {v}).\n"
    "STATEMENT:  INSERT INTO users (id,name,password) VALUES (7,'bob',$1)",
    "STATEMENT:  INSERT INTO users (id, name, api_key) VALUES (7, 'bob', $1)\n"
    "DETAIL:  Failing row contains (7, bob, {v}).",
    # more values than the INSERT names columns: positions cannot be trusted, all masked
    "DETAIL:  Failing row contains (7, bob, {v}, 2026-11-30).\n"
    "STATEMENT:  INSERT INTO users (id,name,password) VALUES (7,'bob',$1)",
]
ASSIGNMENTS = [
    "UPDATE users SET password = %s WHERE id = %s args=('{v}', 7)",
    "UPDATE users SET password = ? WHERE id = ? args=('{v}', 7)",
    "UPDATE users SET password = $1 WHERE id = $2 params: ['{v}', 7]",
    "UPDATE users SET password = :1 WHERE id = :2 binds: ('{v}', 7)",
    "UPDATE users SET password = crypt('{v}', gen_salt('bf')) WHERE id = 7",
    "UPDATE users SET password = md5('{v}' || salt), name = 'bob' WHERE id = 3",
    "SELECT * FROM users WHERE password = {v} AND id = 3",
]


@pytest.mark.parametrize("shape", LOGGED_PARAMETERS + STATEMENT_FORMS + FAILING_ROWS + ASSIGNMENTS)
def test_each_reader_maps_a_sensitive_column_to_its_value(r: Redactor, shape: str) -> None:
    """Every statement form and every way a driver logs parameters reaches the value."""
    v = _value()
    out = r.redact(shape.format(v=v))
    assert v not in out
    assert "[REDACTED" in out


@pytest.mark.parametrize(
    ("shape", "kept"),
    [
        (
            "LOG:  execute <unnamed>: INSERT INTO users (name, password) VALUES ($1, $2)\n"
            "DETAIL:  parameters: $2 = '{v}', $1 = 'bob'",
            "$1 = 'bob'",
        ),
        (
            "UPDATE users SET password = %s WHERE id = %s args=('{v}', 7)",
            "UPDATE users SET password = %s WHERE id = %s args=(",
        ),
        (
            "UPDATE users SET password = crypt('{v}', gen_salt('bf')) WHERE id = 7",
            "gen_salt('bf')) WHERE id = 7",
        ),
        (
            "STATEMENT:  INSERT INTO users (id, name, api_key) VALUES (7, 'bob', $1)\n"
            "DETAIL:  Failing row contains (7, bob, {v}).",
            "contains (7, bob, ",
        ),
        ("COPY users (name, password) FROM stdin;\nbob\t{v}\n\\.", "\nbob\t"),
    ],
)
def test_only_the_value_is_masked(r: Redactor, shape: str, kept: str) -> None:
    """The statement, the other columns and the clauses after the value stay readable."""
    v = _value()
    out = r.redact(shape.format(v=v))
    assert v not in out
    assert kept in out


SQL_LOOKALIKES = [
    # a bind placeholder is not a secret (docs/what-is-masked.md, placeholders)
    "UPDATE users SET password = %s WHERE id = %s",
    "UPDATE users SET password = ? WHERE id = ?",
    "UPDATE users SET password = $2 WHERE id = $1",
    "UPDATE users SET password = :1 WHERE id = :2",
    "UPDATE users SET password = %(pw)s WHERE id = %(id)s",
    "UPDATE users SET password = :pw WHERE id = :id",
    "UPDATE users SET password = NULL WHERE id = 3",
    # a column reference is not a value
    "INSERT INTO t (name, api_token) VALUES (%s, %s) "
    "ON CONFLICT (name) DO UPDATE SET api_token = EXCLUDED.api_token",
    "UPDATE users u SET password = s.password FROM staging s WHERE u.id = s.id",
    "MERGE INTO users u USING staging s ON (u.id = s.id) "
    "WHEN MATCHED THEN UPDATE SET u.password = s.password",
    "MERGE INTO users u USING staging s ON (u.id = s.id) WHEN NOT MATCHED THEN "
    "INSERT (name, password) VALUES (s.name, s.password)",
    "INSERT INTO users (name, password) SELECT name, password FROM staging",
    "SELECT name AS password FROM users",
    # no sensitive column
    "COPY users (name, email) FROM stdin;\nbob\tbob@example.org\n\\.",
    "SELECT * FROM users WHERE (name) IN (('bob'))",
    "SELECT 'bob' AS name",
    "LOG:  execute <unnamed>: INSERT INTO users (name, email) VALUES ($1, $2)\n"
    "DETAIL:  parameters: $1 = 'bob', $2 = 'bob@example.org'",
    "insert into users (name, email) values (?, ?)\n"
    "binding parameter [1] as [VARCHAR] - [bob]\nbinding parameter [2] as [VARCHAR] - [b@x.org]",
    "STATEMENT:  INSERT INTO users (id,name,email) VALUES (7,'bob',$1)\n"
    "DETAIL:  Failing row contains (7, bob, bob@example.org).",
    "logged in (took 3 ms) as bob",
]


@pytest.mark.parametrize("text", SQL_LOOKALIKES)
def test_placeholders_references_and_plain_columns_stay(r: Redactor, text: str) -> None:
    """Placeholders, column references and statements without a sensitive column keep
    every character (the WHERE clause and the logged parameters included)."""
    assert r.redact(text) == text


def test_a_failing_row_alone_names_no_column(r: Redactor) -> None:
    """Documented choice: ``Failing row contains (...)`` without its statement in the same
    text maps to no column, so nothing is masked (the whole row would hide every id and
    name of every constraint error); a registered value is still masked by the registry."""
    v = _value()
    text = f"DETAIL:  Failing row contains (7, bob, {v})."
    assert r.redact(text) == text
    known = Redactor.default()
    known.known.add(v, label="db.password")
    assert v not in known.redact(text)


# Red team (issue 10): a value bound to a sensitive column, as databases, drivers and ORMs
# log the statement and its parameters. Each row is one member of its class; ``{v}`` is
# built at runtime, and the oracle is :func:`tests.grammar.leaks` (no run of 4 characters
# of the value survives, a mask beside it included).
BOUND = [
    # PostgreSQL: the parameters after the statement (next line, same line, log prefixes),
    # or before it (CONTEXT of an error, then STATEMENT)
    "STATEMENT:  INSERT INTO users (name, password) VALUES ($1, $2)\n"
    "DETAIL:  parameters: $1 = 'bob', $2 = '{v}'",
    "STATEMENT:  INSERT INTO users (name, password) VALUES ($1, $2) "
    "DETAIL:  parameters: $1 = 'bob', $2 = '{v}'",
    "2026-11-30 10:00:00.123 UTC [4711] app@db LOG:  execute <unnamed>: "
    "INSERT INTO users (name, password) VALUES ($1, $2)\n"
    "2026-11-30 10:00:00.123 UTC [4711] app@db DETAIL:  parameters: $1 = 'bob', $2 = '{v}'",
    'ERROR:  duplicate key value violates unique constraint "users_name_key"\n'
    "CONTEXT:  unnamed portal with parameters: $1 = 'bob', $2 = '{v}'\n"
    "STATEMENT:  INSERT INTO users (name, password) VALUES ($1, $2)",
    "LOG:  execute S_1: SELECT id FROM users WHERE name = $1 AND password = $2\n"
    "DETAIL:  parameters: $1 = 'bob', $2 = '{v}'",
    "ERROR:  value too long for type character varying(8)\n"
    "DETAIL:  Failing row contains (1, bob, {v}).\n"
    "STATEMENT:  INSERT INTO users (id, name, password) VALUES (1, 'bob', $1)",
    "ERROR:  value too long for type character varying(8) DETAIL:  Failing row contains "
    "(1, bob, {v}). STATEMENT:  INSERT INTO users (id, name, password) VALUES (1, 'bob', $1)",
    # Hibernate 5 and 6 after the logged SQL
    "Hibernate: insert into users (name, password, id) values (?, ?, ?)\n"
    "binding parameter [1] as [VARCHAR] - [bob]\n"
    "binding parameter [2] as [VARCHAR] - [{v}]\n"
    "binding parameter [3] as [BIGINT] - [1]",
    "insert into users (name,password,id) values (?,?,?)\n"
    "binding parameter (1:VARCHAR) <- [bob]\n"
    "binding parameter (2:VARCHAR) <- [{v}]\n"
    "binding parameter (3:BIGINT) <- [1]",
    "select u.id from users u where u.name=? and u.password=?\n"
    "binding parameter [1] as [VARCHAR] - [bob]\nbinding parameter [2] as [VARCHAR] - [{v}]",
    # JDBC loggers (p6spy, log4jdbc style): numbered, commas optional, quoted or not
    "INSERT INTO users (name, password) VALUES (?, ?) [1] = 'bob' [2] = '{v}'",
    "INSERT INTO users (name, password) VALUES (?, ?)\n[1] = bob, [2] = {v}",
    "SELECT * FROM users WHERE name = ? AND password = ? [1] = 'bob', [2] = '{v}'",
    # a bare tuple or list right after the statement, or on the next line
    "INSERT INTO users (name, password) VALUES (%s, %s)\n('bob', '{v}')",
    "SELECT * FROM users WHERE name = ? AND password = ? ['bob', '{v}']",
    "SELECT * FROM users WHERE password = %s AND name = %s ('{v}', 'bob')",
    # SQLAlchemy echo: statement, then its parameters on the next record
    "INFO sqlalchemy.engine.Engine INSERT INTO users (name, password) VALUES (?, ?)\n"
    "INFO sqlalchemy.engine.Engine [generated in 0.00015s] ('bob', '{v}')",
    "INFO sqlalchemy.engine.Engine SELECT users.id FROM users WHERE users.name = ? "
    "AND users.password = ?\nINFO sqlalchemy.engine.Engine [cached since 12.5s ago] ('bob', '{v}')",
    "[SQL: SELECT users.id FROM users WHERE users.api_key = ? AND users.id > ?]\n"
    "[parameters: ('{v}', 0)]",
    # MyBatis and EF Core (sensitive data logging on)
    "==>  Preparing: INSERT INTO users (name, password) VALUES (?, ?)\n"
    "==> Parameters: bob(String), {v}(String)",
    "Executed DbCommand (3ms) [Parameters=[@p0='bob', @p1='{v}' (Size = 4000)], "
    "CommandType='Text', CommandTimeout='30']\n"
    "INSERT INTO [users] ([name], [password]) VALUES (@p0, @p1);",
    # named placeholders, the parameters by name
    "UPDATE users SET password = %(password)s WHERE id = %(id)s {{'password': '{v}', 'id': 7}}",
    "SELECT * FROM users WHERE name = :name AND password = :pw params={{'name': 'bob', 'pw': '{v}'}}",
    # statement forms with the value written in them
    "REPLACE INTO users (name, password) VALUES ('bob', '{v}')",
    "INSERT ALL INTO users (name, password) VALUES ('bob', '{v}') SELECT 1 FROM dual",
    "INSERT INTO users (name, password) SELECT 'bob', '{v}' FROM dual WHERE 1 = 1",
    "MERGE INTO users u USING (SELECT 'bob' AS name, '{v}' AS password FROM dual) s "
    "ON (u.name = s.name) WHEN MATCHED THEN UPDATE SET u.password = s.password",
    "COPY users (name, password) FROM stdin;\nbob\t{v}\n\\.",
    "SELECT * FROM users WHERE (name, password) IN (('bob','{v}'))",
    "UPDATE users SET password = '{v}' WHERE id = 1",
    "UPDATE users SET name='bob', password='{v}'",
]


@pytest.mark.parametrize("shape", BOUND)
def test_a_value_bound_to_a_sensitive_column_is_masked_whole(r: Redactor, shape: str) -> None:
    """Each red-team member, with several values: nothing of the value survives, and the
    user's name stays readable."""
    for _ in range(3):
        v = _value()
        out = r.redact(shape.format(v=v))
        assert not leaks(out, v, shape), out
        assert "bob" in out or "bob" not in shape, out
        assert r.redact(out) == out


#: The value masked, and what must stay readable beside it (a mask that swallowed the
#: placeholder, the clause after it or the other parameters would hide them).
KEPT = [
    (
        "SELECT * FROM users WHERE name = ? AND password = ? ['bob', '{v}']",
        "SELECT * FROM users WHERE name = ? AND password = ? ['bob', '",
    ),
    (
        "UPDATE users SET password = %s WHERE id = %s ('{v}', 7)",
        "UPDATE users SET password = %s WHERE id = %s ('",
    ),
    (
        "select id from users where name = ? and password = ?\n"
        "binding parameter [1] as [VARCHAR] - [bob]\nbinding parameter [2] as [VARCHAR] - [{v}]",
        "binding parameter [1] as [VARCHAR] - [bob]\nbinding parameter [2] as [VARCHAR] - [",
    ),
    (
        "Executed DbCommand (3ms) [Parameters=[@p0='bob', @p1='{v}' (Size = 4000)], "
        "CommandType='Text']\nINSERT INTO [users] ([name], [password]) VALUES (@p0, @p1);",
        "[Parameters=[@p0='bob', @p1='",
    ),
    (
        "==>  Preparing: SELECT id FROM users WHERE name = ? AND password = ?\n"
        "==> Parameters: bob(String), {v}(String)",
        "==> Parameters: bob(String), ",
    ),
    (
        "INSERT INTO users (name, password) VALUES (?, ?) [1] = 'bob' [2] = '{v}'",
        "[1] = 'bob' [2] = '",
    ),
]


@pytest.mark.parametrize(("shape", "kept"), KEPT)
def test_the_statement_and_the_other_parameters_stay(r: Redactor, shape: str, kept: str) -> None:
    """Only the value is masked: the placeholders, the clauses and the user stay."""
    v = _value()
    out = r.redact(shape.format(v=v))
    assert not leaks(out, v, shape), out
    assert kept in out, out


TWO_ENTRIES = (
    'ERROR:  duplicate key value violates unique constraint "k"\n'
    "CONTEXT:  unnamed portal with parameters: $1 = 'bob', $2 = '{a}'\n"
    "STATEMENT:  INSERT INTO users (name, password) VALUES ($1, $2)\n"
    "LOG:  execute <unnamed>: INSERT INTO users (name, password) VALUES ($1, $2)\n"
    "DETAIL:  parameters: $1 = 'eve', $2 = '{b}'\n"
    "LOG:  execute <unnamed>: INSERT INTO audit (actor, action) VALUES ($1, $2)\n"
    "DETAIL:  parameters: $1 = 'eve', $2 = 'login'"
)


def test_each_log_entry_takes_its_own_parameters(r: Redactor) -> None:
    """A PostgreSQL log with an error (parameters before STATEMENT) then an execute
    (parameters after it): each statement maps to its own list, and a statement without a
    sensitive column keeps its parameters."""
    a, b = _value(), _value()
    text = TWO_ENTRIES.format(a=a, b=b)
    out = r.redact(text)
    assert not leaks(out, a, text) and not leaks(out, b, text), out
    assert "$1 = 'bob'" in out and "$1 = 'eve', $2 = 'login'" in out


BOUND_LOOKALIKES = [
    # placeholders alone (the key-name reader used to take `%s WHERE id = %s` as the value)
    "UPDATE users SET password = %s WHERE id = %s",
    "SELECT * FROM users WHERE name = ? AND password = ?",
    "SELECT * FROM users WHERE password = $1",
    "SELECT * FROM users WHERE password = :password AND name = :name",
    "SELECT * FROM users WHERE password = %(password)s",
    "DELETE FROM sessions WHERE token = @token",
    "INSERT INTO users (name, password) VALUES (:name, :password)",
    # column references
    "INSERT INTO t (name, api_token) VALUES (%s, %s) "
    "ON CONFLICT (name) DO UPDATE SET api_token = EXCLUDED.api_token",
    "SELECT u.name FROM users u JOIN staging s ON s.password = u.password",
    # EF Core without sensitive data logging, Hibernate binding a non-sensitive column
    "Executed DbCommand (3ms) [Parameters=[@p0='?' (Size = 4000), @p1='?' (Size = 4000)], "
    "CommandType='Text']\nINSERT INTO [users] ([name], [password]) VALUES (@p0, @p1);",
    "select u.id from users u where u.email=?\nbinding parameter [1] as [VARCHAR] - [bob@example.org]",
    "==>  Preparing: SELECT * FROM users WHERE name = ?\n==> Parameters: bob(String)",
    "INFO sqlalchemy.engine.Engine SELECT users.id FROM users WHERE users.name = ?\n"
    "INFO sqlalchemy.engine.Engine [generated in 0.00015s] ('bob',)",
]


@pytest.mark.parametrize("text", BOUND_LOOKALIKES)
def test_placeholders_and_plain_parameters_stay(r: Redactor, text: str) -> None:
    """No value of a sensitive column is written: every character stays."""
    assert r.redact(text) == text


@pytest.mark.parametrize("shape", BOUND)
def test_the_scanner_reports_the_bound_value(shape: str) -> None:
    """``redact scan`` reports each member, with a finding that covers the whole value."""
    v = _value()
    data = (shape.format(v=v) + "\n").encode()
    result = Scanner(ScanOptions(show_secrets=True), jobs=1).scan_stream(io.BytesIO(data))
    assert any(v in (f.secret or "") for f in result.findings), [f.rule_id for f in result.findings]


FILTERED = (
    "LOG:  execute <unnamed>: INSERT INTO users (name, password) VALUES ($1, $2)\n"
    "DETAIL:  parameters: $1 = 'bob', $2 = '{v}'\n"
    "Hibernate: insert into users (name, password) values (?, ?)\n"
    "binding parameter [1] as [VARCHAR] - [bob]\nbinding parameter [2] as [VARCHAR] - [{v}]\n"
)


def test_redact_filter_masks_a_bound_value(tmp_path: Path) -> None:
    """``redact filter`` (stdin to stdout, line by line) reads the statement and the
    parameters logged on the lines after it the same way."""
    v = _value()
    text = FILTERED.format(v=v)
    out = subprocess.run(
        [sys.executable, "-m", "redact", "filter"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        timeout=120,
    ).stdout
    assert not leaks(out, v, text), out
    assert "$1 = 'bob'" in out and "[VARCHAR] - [bob]" in out


#: Shapes for the planted-value property: the value written as each log writes it.
def _sql_quote(v: str) -> str:
    return v.replace("'", "''")


PLANTED_SHAPES = [
    Shape(
        "pg-detail",
        "STATEMENT:  INSERT INTO users (name, password) VALUES ($1, $2)\n"
        "DETAIL:  parameters: $1 = 'bob', $2 = '{v}'",
        forbid="\\\n",
        form=_sql_quote,
        visible=_sql_quote,
    ),
    Shape(
        "pg-context",
        "CONTEXT:  unnamed portal with parameters: $1 = 'bob', $2 = '{v}'\n"
        "STATEMENT:  INSERT INTO users (name, password) VALUES ($1, $2)",
        forbid="\\\n",
        form=_sql_quote,
        visible=_sql_quote,
    ),
    Shape(
        "hibernate-5",
        "insert into users (name, password) values (?, ?)\n"
        "binding parameter [1] as [VARCHAR] - [bob]\nbinding parameter [2] as [VARCHAR] - [{v}]",
        forbid="]\n",
    ),
    Shape(
        "hibernate-6",
        "insert into users (name, password) values (?, ?)\n"
        "binding parameter (1:VARCHAR) <- [bob]\nbinding parameter (2:VARCHAR) <- [{v}]",
        forbid="]\n",
    ),
    Shape(
        "jdbc-numbered",
        "insert into users (name, password) values (?, ?) [1] = 'bob' [2] = '{v}'",
        forbid="\\\n",
        form=_sql_quote,
        visible=_sql_quote,
    ),
    Shape(
        "sqlalchemy",
        "INSERT INTO users (name, password) VALUES (?, ?)\n[generated in 0.0001s] ('bob', '{v}')",
        forbid="\\'\n",
    ),
    Shape(
        "where-bare",
        "SELECT id FROM users WHERE name = %s AND password = %s ('bob', '{v}')",
        forbid="\\'\n",
    ),
    Shape("copy", "COPY users (name, password) FROM stdin;\nbob\t{v}\n\\.", forbid="\t\\\n"),
    Shape(
        "update-set",
        "UPDATE users SET password = '{v}' WHERE id = 1",
        forbid="\\\n",
        form=_sql_quote,
        visible=_sql_quote,
    ),
    Shape(
        "insert-select",
        "INSERT INTO users (name, password) SELECT 'bob', '{v}'",
        forbid="\\\n",
        form=_sql_quote,
        visible=_sql_quote,
    ),
    Shape(
        "merge-using",
        "MERGE INTO users u USING (SELECT '{v}' AS password) s ON (u.id = 1)",
        forbid="\\\n",
        form=_sql_quote,
        visible=_sql_quote,
    ),
    Shape(
        "row-in",
        "SELECT 1 FROM users WHERE (name, password) IN (('bob', '{v}'))",
        forbid="\\\n",
        form=_sql_quote,
        visible=_sql_quote,
    ),
]


@PLANTED
@given(value=grammar_values, shape=st.sampled_from(PLANTED_SHAPES))
def test_planted_values_never_survive_in_bound_shapes(value: str, shape: Shape) -> None:
    """Random values (quotes, commas, brackets, Unicode spaces) in every shape: none survives."""
    assert_planted(shape, value, starts=())
