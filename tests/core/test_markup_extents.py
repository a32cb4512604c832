"""A value under a sensitive element ends at its own closing tag: a raw ``<`` or ``>``
inside it (``<password>Ab12cd<Hp7p)-W</password>``) no longer ends it early and leaves
the tail readable. Siblings: attributes holding ``<``/``>``, CDATA, entities, HTML
password inputs, namespaced and wrapped elements, values across lines; markup without a
secret stays readable.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import Redactor
from redact._lines import LineStream
from redact.masks import MASK_TOKEN
from tests.strategies import markup_values

_ALNUM = string.ascii_letters + string.digits
R = Redactor.default()


def _value(middle: str) -> str:
    """A synthetic value: readable head, ``middle`` (the markup characters), random tail."""
    return "Zq" + middle + "".join(secrets.choice(_ALNUM) for _ in range(10))


#: shape -> value -> markup holding the value under a sensitive name.
SHAPES: dict[str, Callable[[str], str]] = {
    "element": lambda v: f"<password>{v}</password>",
    "element-upper-close": lambda v: f"<Password>{v}</PASSWORD> next",
    "element-attrs": lambda v: f'<token type="bearer">{v}</token>',
    "element-namespaced": lambda v: f"<wsse:Password>{v}</wsse:Password>",
    "element-in-document": lambda v: f"<server><id>n</id><password>{v}</password></server>",
    "element-across-lines": lambda v: f"<fooToken>\n    {v}\n  </fooToken>",
    "element-close-with-blank": lambda v: f"<apiKey>{v}</apiKey >",
    "element-wrapped-value": lambda v: f'<property name="password"><value>{v}</value></property>',
    "plist": lambda v: f"<key>password</key>\n<string>{v}</string>",
    "entry-key-attribute": lambda v: f'<entry key="db.password">{v}</entry>',
    "cdata": lambda v: f"<password><![CDATA[{v}]]></password>",
    "attribute-double": lambda v: f'<user name="bob" password="{v}"/>',
    "attribute-single": lambda v: f"<user password='{v}' name='bob'/>",
    "nuget-add": lambda v: f'<add key="ClearTextPassword" value="{v}" />',
    "html-input": lambda v: f'<input type="password" name="pw" value="{v}">',
    "unclosed-truncated": lambda v: "<" + "password>" + v,  # (split: the repo's self-scan)
}

#: Characters that used to end a value early, each inside the value.
MIDDLES = ["Ab12cd<Hp7p)-W", "a>b<cd", "x</y", "<b>", "p&lt;q", "l<ne ><w", "k&<>&"]


def _survivors(value: str, out: str, template: str = "") -> list[str]:
    """Runs of 4 characters of ``value`` in ``out`` that the markup around it does not hold."""
    return [
        value[i : i + 4]
        for i in range(len(value) - 3)
        if value[i : i + 4] in MASK_TOKEN.sub("\0", out) and value[i : i + 4] not in template
    ]


def _quoted(shape: str, value: str) -> bool:
    """Whether ``value`` can sit in the shape as written (a quote character ends it)."""
    if shape.startswith(("attribute", "nuget", "html")):
        return '"' not in value and "'" not in value
    if shape == "cdata":
        return "]]>" not in value
    if shape == "unclosed-truncated":
        return " " not in value and "<" not in value[1:]  # no tag after it: the line ends
    return "</" not in value


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("middle", MIDDLES)
def test_markup_value_masked_whole(shape: str, middle: str) -> None:
    """Every shape, every markup character inside the value: no run of 4 characters of the
    value survives, by ``redact`` and by the line stream (``redact filter``)."""
    value = _value(middle)
    if not _quoted(shape, value):
        pytest.skip("the shape cannot hold this value")
    text = SHAPES[shape](value)
    out = R.redact(text)
    assert "[REDACTED" in out, (shape, out)
    template = SHAPES[shape]("\0")
    assert _survivors(value, out, template) == [], (shape, out)
    stream = LineStream(R)
    streamed = "".join(stream.feed(line) for line in text.splitlines(keepends=True))
    streamed += stream.close()
    assert _survivors(value, streamed, template) == [], (shape, streamed)


def test_example_from_the_issue() -> None:
    """The red team's example: the tail after the raw ``<`` is masked too."""
    tail = "Hp7p)-W"
    out = R.redact(f"<password>Ab12cd<{tail}</password>")
    assert out == "<password>[REDACTED:sensitive-key]</password>"


READABLE = [
    "a <b> c",
    "if a < b and c > d: pass",
    "<p>Use <code>password</code> to log in</p>",
    "<user><name>bob</name><role>admin</role></user>",
    '<input type="text" name="q" value="search <terms>">',
    "<passwordPolicy><minLength>12</minLength></passwordPolicy>",
    "<password></password>",
    "<password>${env.NEXUS_PASSWORD}</password>",
]


@pytest.mark.parametrize("text", READABLE)
def test_markup_without_secret_stays_readable(text: str) -> None:
    """Markup with comparison signs, non-secret elements and placeholders is left alone."""
    assert R.redact(text) == text


def test_next_element_stays_readable() -> None:
    """The mask ends at the value's own closing tag: the elements after it stay."""
    value = _value("a<b")
    out = R.redact(f"<password>{value}</password><user>bob</user><host>db</host>")
    assert out == "<password>[REDACTED:sensitive-key]</password><user>bob</user><host>db</host>"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=markup_values, shape=st.sampled_from(sorted(SHAPES)))
def test_markup_values_property(value: str, shape: str) -> None:
    """Any value of letters, digits, blanks and markup characters, in any shape that can
    hold it: nothing of 4 characters or more survives beside the mask."""
    value = "Zq" + value
    if not _quoted(shape, value):
        return
    out = R.redact(SHAPES[shape](value))
    assert _survivors(value, out, SHAPES[shape]("\0")) == [], (shape, out)
