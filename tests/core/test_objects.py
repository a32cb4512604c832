"""The core's object walk: every shape that carries a secret under a name, or shows one.

One walker (``Redactor.redact_obj``) serves every adapter; these tests pin the
classes it understands, and that its one-scan shortcut equals a string-by-string
walk.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import enum
import json
import secrets
import string
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from tests.strategies import (
    clean_words,
    filler,
    named_key_shapes,
    named_value_shapes,
    secret_values,
)

ALNUM = string.ascii_letters + string.digits


def _rand(n: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


def _shown(obj: Any) -> str:
    """Everything a sink could print of ``obj``: repr, str and a JSON rendering."""
    return repr(obj) + str(obj) + json.dumps(obj, default=repr, ensure_ascii=False)


@pytest.fixture
def r() -> Redactor:
    return Redactor.default(known=KnownSecrets())


def _unnamed_value() -> str:
    """A value no rule or registry knows: only its name can get it masked."""
    return "v" + _rand(22)


def _basic() -> str:
    return "Basic " + base64.b64encode(f"user:{_rand(12)}".encode()).decode()


@pytest.mark.parametrize(
    "build",
    [
        lambda v: {"headers": [(b"authorization", b"Basic " + v.encode())]},
        lambda v: {"headers": [("Authorization", "Bearer " + v)]},
        lambda v: [["x-api-key", v]],
        lambda v: json.loads(json.dumps({"h": [("X-Api-Key", v)]})),
        lambda v: [("cookie", "sid=" + v, "/")],
        lambda v: ("set-cookie", ["sid=" + v, "theme=dark"]),
        lambda v: {"login_fields": [{"name": "password", "value": v}]},
        lambda v: {"env": [{"name": "DB_PASSWORD", "value": v}]},
        lambda v: {"containerDefinitions": [{"environment": [{"Name": "API_KEY", "Value": v}]}]},
        lambda v: {
            "log": {"entries": [{"request": {"cookies": [{"name": "session_id", "value": v}]}}]}
        },
        lambda v: {"request": {"headers": [{"name": "Authorization", "value": "Bearer " + v}]}},
        lambda v: {"Tags": [{"Key": "client_secret", "Value": v}]},
        lambda v: {"Parameters": [{"ParameterKey": "DbPassword", "ParameterValue": v}]},
        lambda v: {"variable": [{"key": "api_key", "value": v, "type": "string"}]},
        lambda v: {"HTTP_AUTHORIZATION": "Basic " + v, "HTTP_HOST": "example.org"},
        lambda v: {"HTTP_COOKIE": "sessionid=" + v},
        lambda v: {"HTTP_PROXY_AUTHORIZATION": "Basic " + v},
        lambda v: {"HTTP_X_API_KEY": v},
        lambda v: {"REDIRECT_HTTP_AUTHORIZATION": "Bearer " + v},
        lambda v: str({"HTTP_AUTHORIZATION": "Basic " + v, "HTTP_HOST": "example.org"}),
        lambda v: f"HTTP_AUTHORIZATION=Basic {v} HTTP_HOST=example.org",
        lambda v: f"HTTP_COOKIE: sessionid={v}; theme=dark",
    ],
    ids=lambda _: "",
)
def test_values_under_sensitive_names_are_masked_in_every_shape(r: Redactor, build: Any) -> None:
    """Pairs, pair lists, name/value records and WSGI META names mask the value by its name."""
    value = _unnamed_value()
    obj = build(value)
    out = r.redact_obj(obj)
    assert value not in _shown(out)
    assert r.redact_obj(out) == out  # idempotent


def test_a_named_tuple_masks_its_sensitive_fields() -> None:
    """collections.namedtuple and typing.NamedTuple: a password field is masked, others kept."""
    r = Redactor.default()
    value = _unnamed_value()
    Creds = collections.namedtuple("Creds", "user password")

    class Login(NamedTuple):
        user: str
        api_key: str

    for obj in (Creds("bob", value), Login("bob", value), {"c": Creds(user="bob", password=value)}):
        out = r.redact_obj(obj)
        assert value not in _shown(out)
        assert "bob" in repr(out)
    assert isinstance(r.redact_obj(Creds("bob", value)), Creds)


class _Mode(enum.Enum):
    A = "placeholder"


def test_an_enum_member_whose_value_is_registered_is_shown_masked() -> None:
    """An Enum member's repr shows its value: a registered value comes back masked text."""
    ks = KnownSecrets()
    value = "en-" + _rand(20)
    ks.add(value, label="enum-secret")
    r = Redactor.default(known=ks)
    Mode = enum.Enum("Mode", {"A": value, "B": "plain"})  # type: ignore[misc]
    for obj in (Mode.A, {"mode": Mode.A}, [Mode.A]):
        assert value not in _shown(r.redact_obj(obj))
    assert r.redact_obj(Mode.B) is Mode.B


def test_an_object_whose_repr_shows_more_than_its_fields_is_masked() -> None:
    """A dataclass with a URL built in __post_init__ (not a field) is checked by what it shows."""
    ks = KnownSecrets()
    pw = "pw-" + _rand(18)
    ks.add(pw, label="db-password")
    r = Redactor.default(known=ks)

    @dataclasses.dataclass
    class Db:
        host: str
        user: str

        def __post_init__(self) -> None:
            self.url = f"postgres://{self.user}:{pw}@{self.host}/app"

        def __repr__(self) -> str:
            return f"Db(url={self.url!r})"

    @dataclasses.dataclass
    class Plain:
        host: str

        def __post_init__(self) -> None:
            self.conn_note = f"pool for {self.host} with {pw}"

    for obj in (Db("h.example", "app"), Plain("h.example")):
        out = r.redact_obj({"db": obj})
        assert pw not in _shown(out)
        assert pw not in json.dumps(out, default=vars)  # what `default=vars` serializers print
    clean = Plain("h")
    clean.conn_note = "pool for h"
    assert r.redact_obj(clean) is clean


def test_attribute_keys_that_hold_a_secret_are_masked() -> None:
    """A registered value inside a mapping key (OTel attribute keys) is masked in the key."""
    ks = KnownSecrets()
    value = "k-" + _rand(20)
    ks.add(value, label="key-secret")
    r = Redactor.default(known=ks)
    out = r.redact_obj({f"cache.{value}": 1, "n": 2})
    assert value not in _shown(out)
    assert out["n"] == 2


def test_a_list_of_field_names_is_not_taken_for_a_secret_pair() -> None:
    """Pairs are headed by a sensitive name; ordinary lists and records are left alone."""
    r = Redactor.default()
    for obj in (["user", "email"], [("host", "example.org")], {"name": "HOME", "value": "/root"}):
        assert r.redact_obj(obj) is obj


class _Field(enum.Enum):
    PASSWORD = 1


class _Code(enum.IntEnum):
    API_KEY = 7


class _Name(enum.StrEnum):
    CLIENT_SECRET = "cs"


@pytest.mark.parametrize(
    "key",
    [
        ("password",),
        ("db", "password"),
        ("app", "db", "client_secret", "current"),
        (b"db", b"password"),
        frozenset({"api_key"}),
        frozenset({("db", "token")}),
        b"password",
        bytearray(b"authorization"),
        _Field.PASSWORD,
        _Code.API_KEY,
        _Name.CLIENT_SECRET,
    ],
    ids=repr,
)
def test_a_sensitive_name_in_a_key_of_any_type_masks_the_value(key: Any) -> None:
    """Tuple, frozenset, bytes and Enum keys are judged by their parts / name; value masked."""
    r = Redactor.default()
    value = _unnamed_value()
    if isinstance(key, bytearray):
        key = bytes(key)  # a mapping key must be hashable
    out = r.redact_obj({key: value, "n": 2})
    assert value not in repr(out) + str(out) and out["n"] == 2
    assert key in out  # the key itself stays: it holds no secret


@pytest.mark.parametrize(
    "key", [("a", "b"), frozenset({"user"}), b"host", 5, 2.5, None, ("page", "size")]
)
def test_keys_that_name_nothing_sensitive_leave_the_value(key: Any) -> None:
    """The key judge is no blanket: ordinary tuple/bytes/number keys keep their values."""
    obj = {key: "plain value"}
    assert Redactor.default().redact_obj(obj) is obj


@pytest.mark.parametrize(
    "build",
    [
        lambda v: {("cache", v): 1},
        lambda v: {frozenset({v}): 1},
        lambda v: {v.encode(): 1},
        lambda v: {("password", v): v},
    ],
)
def test_a_registered_secret_inside_a_key_is_masked_in_the_key(build: Any) -> None:
    """A key that holds a registered value (tuple part, set member, bytes) is masked too."""
    ks = KnownSecrets()
    value = "k-" + _rand(20)
    ks.add(value, label="key-secret")
    out = Redactor.default(known=ks).redact_obj(build(value))
    assert value not in repr(out) + str(out)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_every_named_key_shape_is_masked(data: st.DataObject) -> None:
    """Any sensitive name in a tuple / frozenset / bytes / Enum key: the value never survives."""
    value = _unnamed_value()
    obj = data.draw(named_key_shapes(value))
    assert value not in repr(Redactor.default().redact_obj(obj))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_every_named_shape_is_masked(data: st.DataObject) -> None:
    """Any sensitive name spelling in any pair/record/mapping shape: the value never survives."""
    value = _unnamed_value()
    obj = data.draw(named_value_shapes(value))
    out = Redactor.default().redact_obj(obj)
    assert value not in _shown(out)


# -- the one-scan shortcut ---------------------------------------------------------------

_ks = KnownSecrets()
_REGISTERED = ["reg-" + _rand(20), "ak_" + _rand(26)]
for _i, _v in enumerate(_REGISTERED):
    _ks.add(_v, label=f"s{_i}")
_R = Redactor.default(known=_ks)
_leaf = st.one_of(
    filler,
    clean_words,
    st.sampled_from(
        [*_REGISTERED, "ghp_" + _rand(36), "password=hunter22x", "token: abc", "https://x/?a=1", ""]
    ),
    st.integers(),
    st.none(),
    st.binary(max_size=10),
)
_names = st.one_of(
    st.sampled_from(["password", "user", "name", "value", "Key", "Value", "HTTP_COOKIE"]),
    st.text(alphabet="abcxyz_", min_size=1, max_size=5),
)
_trees = st.recursive(
    _leaf,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4),
        st.tuples(kids, kids),
        st.tuples(_names, kids),
        st.dictionaries(_names, kids, max_size=4),
    ),
    max_leaves=14,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=_trees, warm=st.booleans(), secret=secret_values)
def test_property_one_scan_equals_a_string_by_string_walk(
    obj: Any, warm: bool, secret: str
) -> None:
    """Joining the strings for one scan (and remembering clean ones) never changes the result."""
    if warm:
        _R.redact_obj(obj)
    expected = _R._walk(obj, 0, set(), _R.redact)  # every string redacted on its own
    out = _R.redact_obj(obj)
    assert out == expected or repr(out) == repr(expected)
    assert (out is obj) == (expected is obj)


def test_each_mask_is_reported_once_to_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk's second pass repeats the first pass's key-name masks without reporting them
    again: one masked password and one masked registered value, two reports."""
    from redact import telemetry

    seen: list[tuple[str, str]] = []

    class Count:
        def masked(self, rule_id: str, detector: str, category: str, label: str) -> None:
            seen.append((rule_id, detector))

    ks = KnownSecrets()
    value = "reg-" + _rand(20)
    ks.add(value, label="corpus")
    r = Redactor.default(known=ks)
    monkeypatch.setattr(telemetry, "observer", Count())
    out = r.redact_obj({"password": _unnamed_value(), "note": f"using {value}", "n": [1]})
    assert value not in _shown(out)
    assert sorted(seen) == [("known-secret", "known"), ("sensitive-key", "key-name")]
