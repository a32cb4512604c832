"""Shared scaffolding of the grammar tests (``tests/core/test_grammar*.py``).

A :class:`Shape` is a carrier written as a template with ``{v}``; :data:`VALUES` holds
the values that used to end a carrier's value too early; :func:`leaks` is the oracle
(no run of 4 characters of a planted value survives beside a mask). The ``assert_*``
helpers are the bodies of the tests every grammar file runs over its own table: the
whole-value matrix, the surroundings kept, the hypothesis property that plants random
values (:data:`tests.strategies.grammar_values`), the name tables and the lookalikes.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, settings

from redact import Redactor
from redact._carriers import is_placeholder
from redact.masks import MASK_TOKEN
from tests.strategies import names_a_secret

__all__ = [
    "PLANTED",
    "QUOTES",
    "SHELL_WORD",
    "SIGILS",
    "VALUES",
    "WS",
    "Q",
    "R",
    "Shape",
    "assert_keeps_tail",
    "assert_left_alone",
    "assert_lookalike_name",
    "assert_masked_whole",
    "assert_planted",
    "assert_sensitive_name",
    "fits",
    "leaks",
    "shape_id",
    "synthetic",
]

R = Redactor.default()

WS = " \t"
Q = "\"'`"
#: What a bare shell word cannot hold: blanks, quotes, separators.
SHELL_WORD = WS + Q + "\\|;&"
#: Starts that make a planted value something else: a flag, a YAML block or anchor, a
#: template, a tag, a list (the property skips them unless a shape says otherwise).
SIGILS = ("-", "|", ">", "[", "#", "!", "&", "*", "$", "%", "{", "<")
#: A value that starts with a quote is a quoted value: it ends at its closing quote.
QUOTES = ('"', "'", "`")
#: The settings of every planted-value property.
PLANTED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def synthetic(n: int = 14) -> str:
    """A random value built at runtime (no credential in the source)."""
    alphabet = string.ascii_letters + string.digits
    return "Qv" + "".join(secrets.choice(alphabet) for _ in range(n))


def credential(n: int = 18) -> str:
    """A random value the scanner's weighing takes for a credential on its own: about one
    random 20-character letters-and-digits value in 200 splits into word-like pieces
    (``QvzsataFagWIPDrLonIZ``) and is judged a name, which is the weighing's documented
    trade-off, not the reading of a shape that the scanner tests check."""
    from redact._validators import credential_like

    while True:
        value = synthetic(n)
        if credential_like(value, "password", member=True):
            return value


def leaks(out: str, value: str, context: str) -> list[str]:
    """Runs of >= 4 characters of ``value`` that ``out`` shows beyond what ``context`` holds."""
    residue = MASK_TOKEN.sub("\x00", out)
    grams = {value[i : i + 4] for i in range(len(value) - 3)}
    return sorted(g for g in grams if residue.count(g) > context.count(g))


@dataclass(frozen=True)
class Shape:
    """A carrier: a template with ``{v}``, and the characters its value may not hold."""

    id: str
    template: str
    forbid: str = ""
    #: How the value is written inside the template (percent-encoded, JSON-escaped, ...).
    form: Callable[[str], str] = str
    #: How the value itself shows in the text (what must not survive).
    visible: Callable[[str], str] = str
    #: A list or table row: a value that is itself a sensitive name (``["password", "token"]``)
    #: reads as a list of names, not a pair (documented; see NOT_VALUES).
    names_list: bool = False
    #: Characters the value may not start with in this carrier (beyond :data:`SIGILS`).
    lead: str = ""

    def fits(self, value: str) -> bool:
        if self.names_list and R.is_sensitive_key(value):
            return False
        if value[:1] and value[0] in self.lead:
            return False
        return not any(ch in value for ch in self.forbid)

    def render(self, value: str) -> str:
        return self.template.replace("{v}", self.form(value))

    @property
    def tail(self) -> str:
        """What the template holds after the value."""
        return self.template.split("{v}", 1)[1]


def shape_id(shape: Shape) -> str:
    """The pytest id of a shape."""
    return shape.id


#: Values with the characters that used to end a value too early.
VALUES = [
    "Tr0ub4dor;3xYz99",
    "Tr0ub4dor&3xYz99",
    "Tr0ub4dor,3xYz99",
    "Tr0(ub4)dor3xYz",
    "Tr0<ub4>dor3xYz",
    "p@ss8word@x9Q",
    "correct horse battery staple",
    'say "hi" 9Lm2Xw7',
    "it's 9Lm2Xw7Kp",
    "Zq9\u00a0Lm2Xw7Kp4",
    "Tr0ub\u2003dor\u30009Lm",
]


def fits(shape: Shape, value: str) -> bool:
    """Whether ``shape`` can hold ``value`` as a value (not as a placeholder)."""
    # [PASSWORD], [your password]: the value as written may be a placeholder too
    return shape.fits(value) and not is_placeholder(value) and not is_placeholder(shape.form(value))


def assert_masked_whole(shape: Shape, value: str, redactor: Redactor = R) -> None:
    """``value`` planted in ``shape`` is masked whole, and masking again changes nothing."""
    if not fits(shape, value):
        pytest.skip("the carrier cannot hold this value")
    out = redactor.redact(shape.render(value))
    assert not leaks(out, shape.visible(value), shape.render("")), out
    assert redactor.redact(out) == out


def assert_keeps_tail(shape: Shape, strip: str = "\"';)") -> None:
    """The mask replaces the value only: the text after it is kept (the mask is beside it)."""
    value = synthetic()
    out = R.redact(shape.render(value))
    assert value not in out
    assert out.endswith(shape.tail) or not shape.tail.strip(strip), out


def assert_planted(
    shape: Shape,
    value: str,
    *,
    starts: Iterable[str] = SIGILS + QUOTES,
    idempotent: bool = True,
) -> None:
    """A random ``value`` planted in ``shape`` never survives (hypothesis body).

    Values that start with one of ``starts`` are something else in most carriers (see
    :data:`SIGILS`, :data:`QUOTES`); a shape that reads them as values passes ``starts=()``.
    """
    assume(fits(shape, value))
    assume(not value.startswith(tuple(starts)))
    # A value that is itself a sensitive name (Credential, SecretStr, PASSWORD) reads as
    # that name, a type or filler in every carrier, as documented: no planted secret.
    assume(not names_a_secret(value))
    text = shape.render(value)
    out = R.redact(text)
    assert not leaks(out, shape.visible(value), shape.render("")), (text, out)
    if idempotent:
        assert R.redact(out) == out


def assert_sensitive_name(name: str) -> None:
    """``name`` is sensitive in mappings and masks its value in text."""
    value = synthetic()
    assert R.is_sensitive_key(name), name
    assert R.redact_obj({name: value})[name] != value
    for text in (f"{name}={value}", f"{name}: {value}", f'{{"{name}": "{value}"}}'):
        assert value not in R.redact(text), text


def assert_lookalike_name(name: str, *, equals: bool = True) -> None:
    """``name`` only looks sensitive: its value is kept in mappings and in text.

    ``equals=False`` leaves out ``name=value`` (``key=`` is a query parameter in a URL).
    """
    value = "v" + "a1b2c3"
    assert not R.is_sensitive_key(name), name
    assert R.redact_obj({name: value}) == {name: value}
    texts = [f"{name}: {value}", f'{{"{name}": "{value}"}}']
    if equals:
        texts.insert(0, f"{name}={value}")
    for text in texts:
        assert R.redact(text) == text, text


def assert_left_alone(text: str, redactor: Redactor = R) -> None:
    """A lookalike: nothing in ``text`` is found, and it comes back unchanged."""
    assert redactor.redact(text) == text
    assert redactor.find(text) == [], text
