"""A registered non-ASCII value is masked in every form a host makes of it by misreading bytes.

Its UTF-8 bytes read as latin-1 or cp1252 (``PÃ¤sswÃ¶rd``) and shown as escapes
(``P\\xc3\\xa4ssw``, ``errors="backslashreplace"``) are decoded back by the views; the
readings that LOSE bytes — U+FFFD for what a decoder could not read (``errors="replace"``),
a byte cp1252 has no character for dropped (``errors="ignore"``) — are literal forms of
the value (``redact._forms._misread_forms``), registered when they keep ``min_length`` of
the value's own characters.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from redact import KnownSecrets, Redactor
from redact._forms import variants
from tests.core.test_forms import _assert_masked_whole, _redactor


def _legacy_as_utf8(codec: str) -> Callable[[str], str]:
    return lambda v: v.encode(codec).decode("utf-8", "replace")


#: How a host shows a value's bytes it misread (each row: one host behaviour).
MISREAD: dict[str, Callable[[str], str]] = {
    "utf8-as-latin1": lambda v: v.encode().decode("latin-1"),
    "utf8-as-cp1252-replace": lambda v: v.encode().decode("cp1252", "replace"),
    "utf8-as-cp1252-ignore": lambda v: v.encode().decode("cp1252", "ignore"),
    "utf8-as-ascii-replace": lambda v: v.encode().decode("ascii", "replace"),
    "utf8-as-ascii-backslashreplace": lambda v: v.encode().decode("ascii", "backslashreplace"),
    "latin1-as-utf8-replace": _legacy_as_utf8("latin-1"),
    "cp1252-as-utf8-replace": _legacy_as_utf8("cp1252"),
    "latin1-backslashreplace": lambda v: v.encode("latin-1").decode("ascii", "backslashreplace"),
}

#: Values written in latin-1/cp1252 too; the second and third hold bytes cp1252 lacks
#: (``Á`` = C3 81, ``Ý`` = C3 9D, ``Ð`` = C3 90, ``Í`` = C3 8D, ``Ï`` = C3 8F).
VALUES = ["Pässwörd-Zq9", "ÁrvíztűrőXyz-Zq97", "Ýmir-Ðata-ÍÏ-Zq95", "façade-Crème-brûlée-9"]
_LATIN_ONLY = {"latin1-as-utf8-replace", "cp1252-as-utf8-replace", "latin1-backslashreplace"}


def _cases() -> list[tuple[str, str]]:
    out = []
    for value in VALUES:
        for form in sorted(MISREAD):
            if form in _LATIN_ONLY:
                try:
                    value.encode("latin-1" if form.startswith("latin1") else "cp1252")
                except UnicodeEncodeError:
                    continue  # not writable in that code page: that host cannot show it
            out.append((value, form))
    return out


@pytest.mark.parametrize(("value", "form"), _cases())
def test_each_misread_form_is_masked_whole(value: str, form: str) -> None:
    """Each value in each misreading: masked whole, in text, JSON, a URL and objects."""
    shown = MISREAD[form](value)
    assert shown != value
    r = _redactor(value)
    out = r.redact(f"login failed for {shown} at 12:00")
    assert out == "login failed for [REDACTED:s] at 12:00", (form, out)
    _assert_masked_whole(r, form, shown)


def test_cp1252_holes_are_what_the_view_cannot_decode() -> None:
    """Guard on the table: for these values cp1252 with replace/ignore really loses bytes
    (else the rows would test the mojibake view again)."""
    for value in VALUES[1:3]:
        assert "\ufffd" in value.encode().decode("cp1252", "replace")


#: Lookalikes: (registered value, text that must stay as it is).
LOOKALIKES = [
    # another value of the same shape, misread the same way: its ASCII letters differ
    ("Pässwörd-Zq9", "Pässwörd-Xq9".encode().decode("ascii", "replace")),
    ("Pässwörd-Zq9", "Pässwörd-Zq8".encode("latin-1").decode("utf-8", "replace")),
    ("Ýmir-Ðata-ÍÏ-Zq95", "Ýmir-Ðata-ÍÏ-Zq96".encode().decode("cp1252", "ignore")),
    # replacement characters alone, in a broken log line
    ("Pässwörd-Zq9", "decode error: \ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd at byte 4"),
    # a value with fewer than 8 characters left besides U+FFFD registers no such form,
    # so another Cyrillic password of the same shape is not masked
    ("пароль-Зq9-секрет", "парол-Зq9-секреп".encode().decode("ascii", "replace")),
    ("пароль-Зq9-секрет", "пароль-Зq9-секрет".encode().decode("ascii", "replace")),
]


@pytest.mark.parametrize(("value", "text"), LOOKALIKES)
def test_lookalikes_of_misread_forms_are_left(value: str, text: str) -> None:
    """Nothing but the registered value's own forms is masked."""
    r = _redactor(value)
    line = f"user 42: {text} (retry)"
    assert [f for f in r.find(line) if f.detector == "known"] == []


def test_forms_keep_min_length_characters_of_the_value() -> None:
    """A lossy form is registered only with ``min_length`` characters of the value left;
    an ASCII value gets none (its bytes read the same in every code page)."""
    replaced = "Pässwörd-Zq9".encode().decode("ascii", "replace")
    assert replaced in variants("Pässwörd-Zq9")
    assert replaced not in variants("Pässwörd-Zq9", min_length=11)
    cyrillic = "пароль-Зq9-секрет"
    assert cyrillic.encode().decode("ascii", "replace") not in variants(cyrillic)  # 4 kept
    assert cyrillic.encode().decode("cp1252", "replace") in variants(cyrillic)  # mojibake kept
    assert not [f for f in variants("Plain-ASCII-Zq9") if "\ufffd" in f]


def test_min_length_of_the_registry_is_applied() -> None:
    """The registry passes its own ``min_length``: a 12-minimum registry drops the form."""
    known = KnownSecrets(min_length=12)
    known.add("Pässwörd-Zq9x", label="s")
    r = Redactor(known=known)
    kept_11 = "Pässwörd-Zq9x".encode().decode("ascii", "replace")  # 9 of 13 kept
    assert [f for f in r.find(f"x {kept_11} y") if f.detector == "known"] == []
