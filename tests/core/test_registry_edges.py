"""A value registered with an invisible character at an edge is masked without it.

A secret file saved by Notepad starts with a byte-order mark, and ``FileProvider`` returns
what the file holds: the application logs the value as it uses it, without the BOM. The
trimmed form of a registered value drops whitespace and invisible characters (BOM,
zero-width space and joiners) at both edges, in any order.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import Redactor

VALUE = "Zq9Lm2Xw7Kp4Rt"
EDGES = ["\ufeff", "\u200b", "\u200c", "\u200d", "\u2060", " ", "\t", "\n", "\r\n"]


@pytest.mark.parametrize(
    "registered",
    [
        "\ufeff" + VALUE,
        "\ufeff" + VALUE + "\n",
        VALUE + "\u200b",
        " \ufeff " + VALUE,
        "\u2060" + VALUE + "\ufeff\r\n",
    ],
)
def test_a_value_registered_with_an_invisible_edge_is_masked_without_it(registered: str) -> None:
    r = Redactor.default()
    r.known.add(registered, label="db")
    assert r.redact(f"pw is {VALUE} ok") == "pw is [REDACTED:db] ok"
    assert r.redact(f"pw is {registered} ok").count(VALUE) == 0


def test_file_provider_value_with_a_bom_is_masked_in_logs(tmp_path: object) -> None:
    from pathlib import Path

    from redact.secrets import FileProvider

    root = Path(str(tmp_path))
    (root / "db_password").write_bytes(b"\xef\xbb\xbf" + VALUE.encode() + b"\n")
    r = Redactor.default()
    FileProvider(root, redactor=r).get("db_password")  # registers what the file holds
    assert VALUE not in r.redact(f"connecting with {VALUE}")


@settings(max_examples=40, deadline=None)
@given(
    left=st.lists(st.sampled_from(EDGES), max_size=3),
    right=st.lists(st.sampled_from(EDGES), max_size=3),
)
def test_invisible_edges_property(left: list[str], right: list[str]) -> None:
    r = Redactor.default()
    r.known.add("".join(left) + VALUE + "".join(right), label="k")
    assert VALUE not in r.redact(f"a={VALUE};")


# -- a non-ASCII value's bytes in a legacy code page ------------------------------------------

LEGACY = "Pässwörd-Zq9Lm2"


def _pct_lower(text: str) -> str:
    import re

    return re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


@pytest.mark.parametrize(
    ("value", "codec"),
    [
        (LEGACY, "latin-1"),
        (LEGACY, "cp1252"),
        ("Árvíztűrő-Zq9Lm2", "cp1250"),
        ("Árvíztűrő-Zq9Lm2", "iso8859-2"),
        ("пароль-Зq9-секрет", "cp1251"),
        ("пароль-Зq9-секрет", "koi8-r"),
        ("пароль-Зq9-секрет", "cp866"),
        ("κωδικός-Zq9Lm2", "cp1253"),
        ("şifre-Zq9Lm2Xw", "cp1254"),
        ("パスワード-Zq9Lm2", "shift_jis"),
        ("パスワード-Zq9Lm2", "euc-jp"),
        ("密码Zq9Lm2Xw7", "gbk"),
        ("密碼Zq9Lm2Xw7", "big5"),
        ("비밀번호Zq9Lm2Xw", "euc-kr"),
    ],
)
@pytest.mark.parametrize(
    "encode",
    [
        lambda v, c: __import__("urllib.parse").parse.quote(v, encoding=c),
        lambda v, c: _pct_lower(__import__("urllib.parse").parse.quote(v, encoding=c, safe="")),
        lambda v, c: __import__("urllib.parse").parse.quote_plus(v + " x", encoding=c),
        lambda v, c: __import__("base64").b64encode(v.encode(c)).decode(),
        lambda v, c: __import__("base64").b64encode(b"bob:" + v.encode(c)).decode(),
        lambda v, c: __import__("base64").urlsafe_b64encode(v.encode(c)).decode().rstrip("="),
    ],
    ids=["quote", "quote-lower-hex", "quote-plus", "base64", "basic-auth", "base64url"],
)
def test_legacy_code_page_bytes_of_a_value_are_masked(
    value: str, codec: str, encode: object
) -> None:
    r = Redactor.default()
    r.known.add(value, label="pw")
    form = encode(value, codec)  # type: ignore[operator]
    out = r.redact(f"sent {form} done")
    assert "[REDACTED:pw]" in out, (form, out)
    assert out.startswith("sent ") and out.endswith(" done")
