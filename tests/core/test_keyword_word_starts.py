"""A short program keyword counts only where a word starts; each window has its own keywords.

``7z ``, ``net ``, ``az ``, ``exp `` wake the key-name detector's command reader. Inside a
longer word (``...07Z INFO`` in every ISO timestamp whose seconds end in 7, ``internet ``,
``dotnet ``) they woke it on a large share of a realistic log's lines for nothing, at
~40 us a line. On a large text, each window of the key-name detector now gets the keywords
found in it, not every keyword of the whole text (which gated nothing). Neither change may
alter a result: the tests compare against the detector run without them.
"""

from __future__ import annotations

import secrets
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import Redactor
from redact._commands import program_keywords
from redact.engine import _at_word_starts

ALNUM = string.ascii_letters + string.digits


def _value() -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(18))


def _without_the_filter() -> Redactor:
    """The detector as it ran before: every hit of every keyword, text-wide keyword sets."""
    r = Redactor.default()
    r._word_start = frozenset()
    return r


FILTERED = Redactor.default()
UNFILTERED = _without_the_filter()

#: Command lines whose secret the key-name detector's command reader masks.
COMMANDS = [
    "7z a -p{v} backup.7z data",
    "7za x -p{v} backup.7z",
    "rar a -p{v} backup.rar data",
    "net user bob {v} /add",
    "net.exe user bob {v} /add",
    "htpasswd -b users.db bob {v}",
    "mysql -u root -p{v} shop",
    "zip -P {v} out.zip a.txt",
    "sshpass -p {v} ssh host",
]
#: What may stand before a command on a line: word starts (the command is read) and glue.
BEFORE = [
    "",
    "$ ",
    "/usr/bin/",
    "C:\\Tools\\",
    "./bin/",
    "2024-05-01T12:01:07Z ",
    "2024-05-01T12:01:07.1234567Z ",
    "2024-05-01 12:01:07,123 INFO ",
    "[2024-05-01T12:01:07+02:00] ",
    "'",
    "; ",
    "\t",
]


def test_every_short_program_keyword_is_filtered_and_only_those() -> None:
    """The filtered set holds the program keywords, the weak names' keywords (``sid=``:
    ``x_sid=`` is another name) and no name of the vocabulary."""
    assert FILTERED._word_start
    assert FILTERED._word_start <= {*program_keywords(), *FILTERED.key_names.weak_keywords()}
    assert "7z " in FILTERED._word_start
    assert "password" not in FILTERED._word_start


def test_a_keyword_inside_a_word_is_dropped_at_a_word_start_kept() -> None:
    text = "2024-05-01T12:01:07Z INFO internet ok; 7z a -px f"
    glued, real, net = text.lower().find("7z "), text.rfind("7z "), text.find("net ")
    offsets = {"7z ": [glued, real], "net ": [net], "password": [0]}
    kept = _at_word_starts(text, offsets, frozenset({"7z ", "net "}))
    assert kept == {"7z ": [real], "password": [0]}


@pytest.mark.parametrize("before", BEFORE)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_after_any_prefix_is_still_masked_whole(before: str, command: str) -> None:
    v = _value()
    line = before + command.format(v=v)
    out = FILTERED.redact(line)
    assert v not in out
    assert out == UNFILTERED.redact(line)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_inside_a_large_log_is_masked(command: str) -> None:
    """Beyond 8 KB, each window gets its own keywords: the command's line still wakes."""
    v = _value()
    noise = "2024-05-01T12:00:07Z INFO internet request took=7ms user=bob session_count=3\n"
    text = noise * 150 + command.format(v=v) + "\n" + noise * 150
    out = FILTERED.redact(text)
    assert v not in out
    assert out == UNFILTERED.redact(text)


def test_timestamps_and_words_holding_a_program_keyword_find_nothing() -> None:
    line = "2024-05-01T12:01:07Z INFO internet dotnet 1.7z ok"
    assert FILTERED.find(line) == []


pieces = st.one_of(
    st.sampled_from(COMMANDS).map(lambda c: c.format(v=_value())),
    st.sampled_from(BEFORE),
    st.sampled_from(sorted(program_keywords())),
    st.sampled_from(["password=", "token: ", "session_count=2", "07Z", "internet", "\n", " "]),
    st.text(alphabet=ALNUM + " =:-_/'\"", max_size=12),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(pieces, max_size=10).map("".join), st.booleans())
def test_the_filter_and_the_window_sets_change_no_result(text: str, large: bool) -> None:
    """Short texts (one window) and large ones (windows around keywords, each with its own
    keyword set) alike: padded with clean lines, a text is masked as it is alone."""
    assert FILTERED.redact(text) == UNFILTERED.redact(text)
    if large and not text.endswith(("\\", "`", "^")):
        # (A text that ends with a line continuation continues on the padding's first line:
        # its value is then another one, as the joined view documents.)
        head, tail = ("x" * 90 + "\n") * 100, ("\n" + "y" * 90) * 100
        assert FILTERED.redact(head + text + tail) == head + FILTERED.redact(text) + tail


@pytest.mark.parametrize(
    "line",
    [
        "the net user bob count was 5",
        "see ../net user bob docs for details",
        "2024-05-01T12:00:07Z INFO internet user bob ok",
        "archive 2024-05-01T12:00:07Z 7z ok",
    ],
)
def test_prose_holding_a_program_word_is_not_a_command(line: str) -> None:
    assert FILTERED.redact(line) == line
