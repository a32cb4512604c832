"""Credentials in SQL statements and in what databases and drivers log (issue 10 §1/§2).

A statement names its columns in one place and their values in another; these shapes came
back unchanged from ``Redactor.redact`` (red team): INSERT column/value lists, placeholders
with the bound parameters logged after them, PostgreSQL constraint messages, MySQL ``SET
PASSWORD`` and SQL Server procedures.
"""

from __future__ import annotations

import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import Redactor
from redact._sql import _items


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
