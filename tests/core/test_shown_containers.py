"""Containers that show more than their items: the walk checks what a sink prints.

``http.cookies.SimpleCookie`` is a dict of ``Morsel`` objects, and a ``Morsel``
is a dict whose items are the cookie's attributes (path, expires, ...) while its
value lives in an attribute: walking the items never reached the value, yet
``repr``/``str`` print it (``<SimpleCookie: sid='...'>``, ``Set-Cookie:
sid=...``). The class: any container whose type is not a plain dict, list,
tuple, set or frozenset may print data outside its items, so the walk also
checks its ``str()``/``repr()`` (on the masked copy). Members: cookies, cookie
jars, ``email.message.Message``, ``urllib.request.Request``, configparser
sections, ``UserDict``/``UserString``, ``array``, subclasses overriding
``__repr__``.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from tests.strategies import shown_container_builders

ALNUM = string.ascii_letters + string.digits
BUILDERS: dict[str, Callable[[str], object]] = shown_container_builders()
# Objects whose default repr hides the value (it stays inside them, unprinted).
_NOT_PRINTED = frozenset({"urllib.Request", "configparser-section"})


def _rand(n: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


def _shown(obj: Any) -> str:
    """Everything a sink could print of ``obj``: repr, str and a JSON rendering."""
    return repr(obj) + str(obj) + json.dumps(obj, default=repr, ensure_ascii=False)


def _registered() -> tuple[Redactor, str]:
    value = _rand(22)
    ks = KnownSecrets()
    ks.add(value, label="x")
    return Redactor.default(known=ks), value


def _leaks(text: str, value: str) -> bool:
    return any(value[i : i + 6] in text for i in range(len(value) - 5))


@pytest.mark.parametrize("case", sorted(BUILDERS))
def test_a_registered_value_shown_by_a_container_is_masked(case: str) -> None:
    """redact_obj's result prints no part of the value, and redacting it again changes nothing."""
    r, value = _registered()
    obj = BUILDERS[case](value)
    if case not in _NOT_PRINTED:
        assert value in _shown(obj)  # the example prints it
    out = r.redact_obj(obj)
    assert not _leaks(_shown(out), value), _shown(out)[:300]
    again = r.redact_obj(out)
    assert _shown(again) == _shown(out)


def test_a_clean_container_comes_back_as_it_is() -> None:
    """Only what needs a mask changes: a clean container is returned as the same object."""
    r, _ = _registered()
    for case in ("list-subclass-repr", "UserDict", "UserString", "deque", "array"):
        obj = BUILDERS[case]("plainvalue")
        assert r.redact_obj(obj) is obj


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from(sorted(BUILDERS)),
    wrap=st.sampled_from(
        [
            lambda o: o,
            lambda o: {"event": "e", "thing": o},
            lambda o: [1, o],
            lambda o: ("t", {"deep": [o]}),
        ]
    ),
)
def test_property_no_container_shows_a_registered_value(
    case: str, wrap: Callable[[object], object]
) -> None:
    """Wherever such a container sits in plain data, the result shows none of the value."""
    r, value = _registered()
    out = r.redact_obj(wrap(BUILDERS[case](value)))
    assert not _leaks(_shown(out), value)
