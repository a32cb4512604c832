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
