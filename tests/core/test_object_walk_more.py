"""The object walk reaches what a sink reaches, and every carrier reads a name alike.

Red-team report L2, L6, L9, O1: an object's attributes are walked as a mapping's
items are (``JSONRenderer(default=vars)`` prints them all); a ``(user, secret)`` pair
under ``auth``/``basic`` is masked in ``redact_obj`` as in text; a GCP Secret Manager
access response is a secret record; a plain number under a plural name is a count
in every carrier.
"""

from __future__ import annotations

import collections
import dataclasses
import io
import json
import logging
import secrets
import string
import threading
import urllib.request
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor

ALNUM = string.ascii_letters + string.digits


def _rand(n: int = 20) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


@pytest.fixture
def r() -> Redactor:
    return Redactor.default(known=KnownSecrets())


def _vars(obj: Any) -> str:
    """What ``JSONRenderer(default=vars)`` prints, with repr for what vars cannot open."""

    def default(o: Any) -> Any:
        try:
            return vars(o)
        except TypeError:
            slots = [s for k in type(o).__mro__ for s in k.__dict__.get("__slots__", ())]
            if slots:
                return {s: getattr(o, s, None) for s in slots}
            return repr(o)

    return json.dumps(obj, default=default)


def _everything(obj: Any) -> str:
    return _vars(obj) + repr(obj) + str(obj)


# -- L2: an object's attributes, recursively ------------------------------------------------


class Client:
    def __init__(self, headers: dict[str, str]) -> None:
        self.base = "https://api.example.com"
        self.headers = headers


class Cfg:
    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg


class Outer:
    def __init__(self, inner: object) -> None:
        self.name = "outer"
        self.inner = inner


class Slotted:
    __slots__ = ("opts", "tag")

    def __init__(self, opts: dict[str, Any]) -> None:
        self.opts = opts
        self.tag = "t"


class Hidden:
    """An object whose repr shows none of its state."""

    def __init__(self, data: str) -> None:
        self.data = data

    def __repr__(self) -> str:
        return "O()"


def _bearer(v: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {v}"}


LEAKY: dict[str, Any] = {
    "headers-mapping": lambda v: Client(_bearer(v)),
    "cfg-password": lambda v: Cfg({"password": v, "host": "db"}),
    "cfg-nested-list": lambda v: Cfg({"users": [{"name": "bob", "api_key": v}]}),
    "nested-object": lambda v: Outer(Outer(Cfg({"db": {"password": v}}))),
    "slots-dict": lambda v: Slotted({"client_secret": v}),
    "urllib-request": lambda v: urllib.request.Request("https://x.example", headers=_bearer(v)),
    "list-of-pairs": lambda v: Cfg({"env": [("DB_PASSWORD", v)]}),  # type: ignore[dict-item]
}


@pytest.mark.parametrize("case", sorted(LEAKY))
def test_an_attribute_holding_a_sensitive_mapping_is_masked(r: Redactor, case: str) -> None:
    """vars()/repr/str of the result show no secret; the caller's object is unchanged."""
    v = _rand()
    obj = LEAKY[case](v)
    before = _vars(obj)
    out = r.redact_obj(obj)
    assert v not in _everything(out)
    assert "[REDACTED" in _vars(out)
    assert _vars(obj) == before  # never mutated


def test_a_registered_value_hidden_by_repr_is_masked() -> None:
    """A registered value in an attribute whose repr shows ``O()`` is masked in the copy."""
    v = _rand()
    known = KnownSecrets()
    known.add(v, label="db")
    r = Redactor.default(known=known)
    out = r.redact_obj(Hidden(v))
    assert v not in _vars(out)
    assert v not in _vars({"event": "e", "o": r.redact_obj({"o": Hidden(v)})})


CLEAN: dict[str, Any] = {
    "plain": lambda: Client({"Accept": "application/json"}),
    "cfg": lambda: Cfg({"host": "db", "port": 5432, "tags": ["a", "b"]}),
    "nested": lambda: Outer(Outer(Cfg({"timeout": 3}))),
    "slots": lambda: Slotted({"retries": 3}),
    "hidden": lambda: Hidden("hello world"),
    "request": lambda: urllib.request.Request("https://x.example", headers={"Accept": "*/*"}),
    "counts": lambda: Cfg({"usage": {"tokens": 12, "secrets": 3}}),
    "logger": lambda: logging.getLogger("fixo.walk"),  # itself in its manager's loggerDict
    "handler": lambda: logging.StreamHandler(io.StringIO()),
    "thread": threading.current_thread,
}


@pytest.mark.parametrize("case", sorted(CLEAN))
def test_an_object_with_nothing_to_mask_is_returned_as_it_is(r: Redactor, case: str) -> None:
    """Lookalikes: the same object back, not a copy."""
    obj = CLEAN[case]()
    assert r.redact_obj(obj) is obj
    assert r.redact_obj({"o": obj})["o"] is obj


def test_a_cycle_of_objects_is_walked_once(r: Redactor) -> None:
    """A parent pointer does not loop; the secret beside it is masked."""
    v = _rand()
    a = Outer(None)
    a.inner = Cfg({"token": v})
    a.inner.parent = a  # type: ignore[attr-defined]
    out = r.redact_obj(a)
    assert v not in repr(vars(out.inner))


def test_a_back_reference_through_a_container_is_kept(r: Redactor) -> None:
    """A registry of children pointing back at their parent: the secret is masked, the
    back-reference stays the object (no cycle marker), a clean parent comes back as it is."""
    v = _rand()
    parent = Cfg({"password": v})
    parent.children = {"a": Outer(parent)}  # type: ignore[attr-defined]
    out = r.redact_obj(parent)
    assert v not in repr(vars(out))
    assert out.children["a"].inner is parent
    clean = Cfg({"host": "db"})
    clean.children = {"a": Outer(clean)}  # type: ignore[attr-defined]
    assert r.redact_obj(clean) is clean


def test_a_wide_graph_of_objects_costs_a_bounded_walk(r: Redactor) -> None:
    """Many objects sharing one big object: the call returns (budgeted), nothing raw in
    the objects it reads."""
    shared = Cfg({f"k{i}": "x" for i in range(200)})
    objs = [Outer(shared) for _ in range(2000)]
    assert r.redact_obj(objs) is objs


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["password", "api_key", "Authorization", "client_secret", "X-Auth-Token"]),
    depth=st.integers(0, 3),
    wrap=st.sampled_from(["dict", "list", "object"]),
)
def test_property_a_sensitive_key_at_any_depth_of_attributes_is_masked(
    r: Redactor, name: str, depth: int, wrap: str
) -> None:
    """Whatever holds the mapping (dicts, lists, objects), vars() of the result is clean."""
    v = _rand()
    inner: Any = {name: v}
    for _ in range(depth):
        inner = {"d": inner} if wrap == "dict" else [inner] if wrap == "list" else Cfg(inner)
    obj = Outer(Cfg(inner))
    assert v not in _everything(r.redact_obj(obj))


# -- L6: a (user, secret) pair under a pair name ----------------------------------------------


@pytest.mark.parametrize("name", ["auth", "basic", "http_auth", "basic_auth", "proxy_auth"])
@pytest.mark.parametrize("kind", [tuple, list])
def test_a_pair_under_a_pair_name_is_masked_as_in_text(r: Redactor, name: str, kind: type) -> None:
    """redact_obj({"auth": ("bob", v)}) masks v, as redact("auth = ('bob', 'v')") does."""
    v = _rand()
    out = r.redact_obj({name: kind(("bob", v))})
    assert v not in repr(out)
    assert v not in r.redact(f"{name} = {kind(('bob', v))!r}")
    if name in ("auth", "basic"):
        assert out[name][0] == "bob" and type(out[name]) is kind  # the user stays


def test_credentials_list_is_masked_in_both_carriers(r: Redactor) -> None:
    """credentials=[u, p]: a sensitive name over a list, masked in text and objects."""
    v = _rand()
    assert v not in repr(r.redact_obj({"credentials": ["bob", v]}))
    assert v not in r.redact(f"credentials = ['bob', '{v}']")


def test_a_pair_in_attributes_fields_and_locals_is_masked(r: Redactor) -> None:
    """The same rule for an attribute, a named tuple field and a dataclass field."""
    v = _rand()

    class Sess:
        def __init__(self) -> None:
            self.auth = ("bob", v)

    class Req(NamedTuple):
        url: str
        auth: tuple[str, str]

    @dataclasses.dataclass
    class Conf:
        basic: list[str]

    for obj in (Sess(), Req("https://x", ("bob", v)), Conf(["bob", v])):
        out = r.redact_obj(obj)
        assert v not in _everything(out), obj


def test_a_pair_rendered_as_text_under_its_name_is_masked(r: Redactor) -> None:
    """dict_tracebacks before the processor: locals are repr strings, "('bob', 'v')"."""
    v = _rand()
    out = r.redact_obj({"locals": {"auth": repr(("bob", v)), "n": 1}})
    assert v not in repr(out)
    assert out["locals"]["auth"].startswith("('bob', ")


@pytest.mark.parametrize(
    "event",
    [
        {"auth": "basic"},
        {"auth": ["bob"]},
        {"auth": ("bob", None)},
        {"auth": (1, 2)},
        {"author": ("bob", "Zq9Lm2Xw7Kp4")},
        {"locals": {"auth": "(see below)"}},
        {"auth": collections.namedtuple("P", "a b")("x", "y")},
        # methods and scopes, no (user, secret) (red team, second pass)
        {"auth": ["oauth2", "saml"]},
        {"auth": ("basic", "digest")},
        {"auth": ["read", "write"]},
    ],
)
def test_pair_lookalikes_stay(r: Redactor, event: dict[str, Any]) -> None:
    """No pair, no user, no scalar secret, or another name: unchanged."""
    assert r.redact_obj(event) == event


@pytest.mark.parametrize(
    "text", ["auth = ('oauth2', 'saml')", 'auth=("basic", "digest")', "auth: ['read', 'write']"]
)
def test_pair_lookalikes_stay_in_text(r: Redactor, text: str) -> None:
    assert r.redact(text) == text


def test_traceback_locals_holding_a_pair_are_masked(r: Redactor) -> None:
    """A frame's local ``auth = ("bob", v)`` shows masked in the walked exception's locals."""
    v = _rand()

    def fail() -> None:
        auth = ("bob", v)
        raise RuntimeError(f"failed for {auth[0]}")

    try:
        fail()
    except RuntimeError as exc:
        out = r.redact_obj(exc)
    tb = out.__traceback__
    shown = []
    while tb is not None:
        frame_locals = dict(tb.tb_frame.f_locals)
        if "auth" in frame_locals:
            shown.append(repr(frame_locals["auth"]))
        tb = tb.tb_next
    assert shown
    assert not any(v in s for s in shown)
    assert all("'bob'" in s for s in shown)


# -- L9: GCP Secret Manager access response -------------------------------------------------


def test_a_gcp_secret_version_payload_is_masked(r: Redactor) -> None:
    """payload.data of a secrets/<s>/versions/<n> record is masked, its checksum stays."""
    v = "aHVudGVy" + _rand(12)
    for secret in ("db-password", "stripe-config", "x"):
        rec = {
            "name": f"projects/p/secrets/{secret}/versions/1",
            "payload": {"data": v, "dataCrc32c": "1234567"},
        }
        out = r.redact_obj(rec)
        assert v not in repr(out), secret
        assert out["payload"]["dataCrc32c"] == "1234567"
        assert out["name"] == rec["name"]
        assert v not in r.redact(json.dumps(rec)), secret
    assert v not in repr(r.redact_obj({"name": "DB_PASSWORD", "payload": {"data": v}}))


@pytest.mark.parametrize(
    "name",
    [
        "projects/p/topics/orders",
        "projects/p/subscriptions/s",
        "projects/p/secrets/db/iamPolicy",
        "projects/p/secrets/db",
    ],
)
def test_a_payload_without_a_secret_version_stays(r: Redactor, name: str) -> None:
    """Pub/Sub and other resources with a payload.data: unchanged."""
    rec = {"name": name, "payload": {"data": "aGVsbG8gd29ybGQ="}}
    assert r.redact_obj(rec) == rec
    assert r.redact(json.dumps(rec)) == json.dumps(rec)


# -- O1: counts under plural names -----------------------------------------------------------


@pytest.mark.parametrize(
    "obj",
    [
        {"usage": {"tokens": 12}},
        {"secrets": 3},
        {"api_keys": 2},
        {"passwords": 0},
        {"credentials": 4.5},
        {"tokens": True},
        {"usage": {"prompt_tokens": 12, "completion_tokens": 30, "tokens": 42}},
    ],
)
def test_a_number_under_a_plural_name_is_a_count(r: Redactor, obj: dict[str, Any]) -> None:
    """Kept as it is, its type too (an LLM usage record keeps its schema)."""
    assert r.redact_obj(obj) == obj


@pytest.mark.parametrize(
    "text", ["tokens=1234", "secrets: 3", '"tokens": 1234', "api_keys=12", "passwords: 1,234"]
)
def test_a_plain_number_under_a_plural_name_is_a_count_in_text(r: Redactor, text: str) -> None:
    """The text reader agrees with the object walk."""
    assert r.redact(text) == text


@pytest.mark.parametrize(
    ("obj", "text"),
    [
        ({"password": 12345678}, "password: 12345678"),
        ({"pin": 1234}, "pin=1234"),
        ({"tokens": "ghp" + "x" * 5 + "Q1w2E3r4T5y6"}, None),
        ({"secret": 3.5}, None),
    ],
)
def test_a_number_under_a_singular_name_is_masked(
    r: Redactor, obj: dict[str, Any], text: str | None
) -> None:
    """Singular names, and plural names over a non-number: masked."""
    assert "[REDACTED" in repr(r.redact_obj(obj))
    if text is not None:
        assert "[REDACTED" in r.redact(text)


def test_counts_in_fields_attributes_and_tables(r: Redactor) -> None:
    """One predicate: a named tuple field, an attribute, a dataclass field, a table cell."""

    class Usage(NamedTuple):
        tokens: int
        password: int

    u = r.redact_obj(Usage(12, 12345678))
    assert u.tokens == 12 and u.password != 12345678
    c = Cfg({})
    c.secrets = 3  # type: ignore[attr-defined]
    assert r.redact_obj(c) is c
    assert r.redact("model | tokens\n------+-------\ngpt   | 1234").endswith("1234")


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plural=st.sampled_from(["tokens", "secrets", "api_keys", "passwords", "apiKeys", "TOKENS"]),
    singular=st.sampled_from(["password", "secret", "pin", "api_key", "token"]),
    n=st.integers(100, 10**9),
)
def test_property_counts_agree_across_carriers(
    r: Redactor, plural: str, singular: str, n: int
) -> None:
    """A number under a plural name is kept by text and objects; under a singular one,
    masked by both."""
    assert r.redact_obj({plural: n}) == {plural: n}
    assert r.redact(f"{plural}={n}") == f"{plural}={n}"
    assert r.redact_obj({singular: n}) != {singular: n}
    assert str(n) not in r.redact(f"{singular}={n}")


# -- secret-store read responses (red team, second pass) ----------------------------------------

_PW = "hunter2hunter2xQ"  # redact:allow sensitive-key synthetic test value
_B64 = "aHVudGVyMmh1bnRlcjJ4UQ=="


@pytest.mark.parametrize(
    "response",
    [
        # az keyvault secret show
        {"value": _PW, "id": "https://kv.vault.azure.net/secrets/appconfig/abc", "attributes": {}},
        # Vault KV v2 read
        {
            "data": {
                "data": {"config": _PW},
                "metadata": {"created_time": "t", "destroyed": False, "version": 3},
            },
            "lease_id": "",
        },
        # AWS KMS Decrypt, GCP KMS decrypt
        {"Plaintext": _B64, "KeyId": "arn:aws:kms:us-east-1:111122223333:key/abc"},
        {"plaintext": _B64, "name": "projects/p/locations/global/keyRings/r/cryptoKeys/k"},
    ],
)
def test_secret_store_responses_are_masked(r: Redactor, response: dict[str, Any]) -> None:
    out = r.redact_obj(response)
    assert _PW not in repr(out) and _B64 not in repr(out)


@pytest.mark.parametrize(
    "event",
    [
        {"metadata": {"name": "x", "resourceVersion": "1"}, "data": {"a": "b"}},  # a ConfigMap
        {"value": "x", "id": "https://example.com/secrets/foo"},
        {"plaintext": True},
        {"metadata": {"version": 1}, "data": {"a": "b"}},
    ],
)
def test_secret_store_lookalikes_stay(r: Redactor, event: dict[str, Any]) -> None:
    assert r.redact_obj(event) == event


def test_a_library_client_object_is_read_within_the_item_budget(
    r: Redactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A boto3 client reaches botocore's whole service model through its attributes
    (44,000 mappings of documentation that names passwords and tokens): the walk reads at
    most ``_OBJECT_ITEMS`` values inside objects, so logging ``"%s", client`` costs a few
    text scans, not thousands (6 s a call before the budget). Work is counted, not timed."""
    boto3 = pytest.importorskip("boto3")
    from redact import engine

    client = boto3.client(
        "secretsmanager",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="example-secret-key-0123456789",
    )
    calls = 0
    find = engine.Redactor._find

    def counting(self: Redactor, text: str, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return find(self, text, *args, **kwargs)

    monkeypatch.setattr(engine.Redactor, "_find", counting)
    walks = 0
    walk = engine.Redactor._walk

    def counting_walk(self: Redactor, *args: Any, **kwargs: Any) -> Any:
        nonlocal walks
        walks += 1
        return walk(self, *args, **kwargs)

    monkeypatch.setattr(engine.Redactor, "_walk", counting_walk)
    r.redact_obj({"client": client})
    # unbounded: 73,264 walks and 12,414 text scans for this client
    assert walks <= 4 * 512, walks
    assert calls <= 512, calls


def test_a_token_as_the_user_of_a_pair_is_masked(r: Redactor) -> None:
    """GitHub's basic auth (token, "x-oauth-basic"): the token is the first item."""
    token = "Zq9Lm2Xw7Kp4Rt6YhunterAbc"  # redact:allow generic-token-assignment synthetic
    out = r.redact_obj({"auth": (token, "x-oauth-basic")})
    assert out == {"auth": ("[REDACTED:sensitive-key]", "x-oauth-basic")}
    text = r.redact(f"requests.get(u, auth=('{token}', 'x-oauth-basic'))")
    assert token not in text and "x-oauth-basic" in text
