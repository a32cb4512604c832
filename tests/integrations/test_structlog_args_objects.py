"""structlog and logging: a message judged with its %-args, and objects whose attributes name secrets.

Real structlog chains (several processor orders, the stdlib ``BoundLogger``, every
shipped renderer, ``ProcessorFormatter``) and real ``logging`` handlers; the values are
synthetic, unregistered and built per test ("Zq" + a random tail), so only the names
next to them (in the message or the attribute) can mark them as secrets.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import secrets
import string
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog
from hypothesis import given, settings

from redact import Redactor
from redact.integrations.logging import RedactFilter
from redact.integrations.structlog import RedactProcessor
from tests.strategies import attribute_objects

_ALNUM = string.ascii_letters + string.digits


def _value() -> str:
    """A synthetic secret: a fixed head and a random tail (never a shipped rule's shape)."""
    return "Zq" + "".join(secrets.choice(_ALNUM) for _ in range(14))


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    """Every test starts and ends with structlog's defaults."""
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture
def v() -> str:
    """A fresh synthetic secret for this test."""
    return _value()


def _bound(processors: list[Any]) -> Any:
    """A stdlib-flavoured structlog logger (positional args kept) returning its line."""
    return structlog.wrap_logger(
        structlog.ReturnLogger(),
        processors=processors,
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def _orders() -> dict[str, Callable[[], list[Any]]]:
    r = Redactor.default()
    paf = structlog.stdlib.PositionalArgumentsFormatter
    return {
        "redact,paf,json": lambda: [RedactProcessor(r), paf(), structlog.processors.JSONRenderer()],
        "redact,json": lambda: [RedactProcessor(r), structlog.processors.JSONRenderer()],
        "redact,paf(keep),kv": lambda: [
            RedactProcessor(r),
            paf(remove_positional_args=False),
            structlog.processors.KeyValueRenderer(),
        ],
        "redact,console": lambda: [RedactProcessor(r), structlog.dev.ConsoleRenderer(colors=False)],
        "paf,redact,json": lambda: [paf(), RedactProcessor(r), structlog.processors.JSONRenderer()],
        "paf,json,redact": lambda: [paf(), structlog.processors.JSONRenderer(), RedactProcessor(r)],
    }


ORDERS = _orders()
#: Orders where the processor sees the arguments before anything merges them.
REDACT_FIRST = [k for k in ORDERS if k.startswith("redact")]

#: A message whose name sits in the format string and whose value is a positional arg.
POSITIONAL = [
    "login password=%s",
    "token: %s",
    "Authorization: Bearer %s",
    "api_key=%r",
    "connecting with client_secret=%s now",
    "user=%s password=%s",
]
#: A mapping argument: the name is only in the mapping key (and maybe the format string).
MAPPING = ["%(password)s", "user=%(user)s %(token)s", "%(api_key)r!", "cfg %(client_secret)s"]


def _positional_args(fmt: str, v: str) -> tuple[object, ...]:
    return ("bob", v) if fmt.count("%") == 2 else (v,)


@pytest.mark.parametrize("order", list(ORDERS))
@pytest.mark.parametrize("fmt", POSITIONAL)
def test_message_with_positional_args_is_judged_merged(order: str, fmt: str, v: str) -> None:
    """Every processor order masks the value a %-message names with its positional args."""
    line = _bound(ORDERS[order]()).info(fmt, *_positional_args(fmt, v))
    assert v not in str(line)
    assert "[REDACTED:" in str(line)


@pytest.mark.parametrize("order", REDACT_FIRST)
@pytest.mark.parametrize("fmt", MAPPING)
def test_mapping_args_are_judged_by_their_names(order: str, fmt: str, v: str) -> None:
    """Mapping args (``"%(password)s"``) keep their names up to the processor's judgement."""
    line = _bound(ORDERS[order]()).info(
        fmt, {"user": "bob", "password": v, "token": v, "api_key": v, "client_secret": v}
    )
    assert v not in str(line)
    assert "[REDACTED:sensitive-key]" in str(line)
    if "%(user)s" in fmt:
        assert "user=bob" in str(line)


@pytest.mark.parametrize(
    ("fmt", "args", "error"),
    [
        ("password=%s %s", ("V",), "TypeError"),
        ("token: %s", ("V", "extra"), "TypeError"),
        ("%(password)s", ({"token": "V"},), "KeyError"),
        ("password=%d", ("V",), "TypeError"),
        ("api_key=%s %(x)s 100%%", ("V",), "TypeError"),
        ("Authorization: Bearer %s", ("V", "V"), "TypeError"),
    ],
)
def test_bad_args_never_raise_and_lose_nothing(fmt: str, args: tuple[Any, ...], error: str) -> None:
    """A message ``%`` refuses is emitted with its parts, the named value masked, no exception."""
    v = _value()
    real = tuple({k: v for k in a} if isinstance(a, dict) else (v if a == "V" else a) for a in args)
    for order in REDACT_FIRST:
        line = str(_bound(ORDERS[order]()).info(fmt, *real))
        assert f"arguments not merged: {error}" in line
        assert v not in line
        assert fmt.split("%", maxsplit=1)[0] in line  # the message is kept
        if "extra" in args:
            assert "extra args=" in line  # so are the arguments left over (masked)


@pytest.mark.parametrize("fmt", POSITIONAL + MAPPING)
def test_structlog_and_logging_merge_alike(fmt: str, v: str) -> None:
    """The processor and RedactFilter produce the same message: one shared mechanism."""
    r = Redactor.default()
    args: tuple[Any, ...]
    if fmt in MAPPING:
        args = ({"user": "bob", "password": v, "token": v, "api_key": v, "client_secret": v},)
    else:
        args = _positional_args(fmt, v)
    event = RedactProcessor(r)(None, "info", {"event": fmt, "positional_args": args})
    record = logging.LogRecord("t", logging.INFO, __file__, 1, fmt, args, None)
    RedactFilter(r).filter(record)
    assert event["event"] == record.getMessage()
    assert "positional_args" not in event
    assert v not in event["event"]


def test_clean_message_merges_like_the_formatter(v: str) -> None:
    """A message without secrets reads exactly as PositionalArgumentsFormatter makes it."""
    processors: list[Any] = [
        RedactProcessor(Redactor.default()),
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.JSONRenderer(),
    ]
    line = _bound(processors).info("user %s logged in %d times (%r)", "bob", 3, "x")
    assert json.loads(str(line)) == {"event": "user bob logged in 3 times ('x')"}
    line = _bound(processors).info("%(a)s-%(b)s", {"a": 1, "b": "two"})
    assert json.loads(str(line)) == {"event": "1-two"}


def _handler_with(formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"redact.test.args.{secrets.token_hex(4)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


@pytest.mark.parametrize("fmt", POSITIONAL)
def test_processor_formatter_bridge_structlog_events(fmt: str, v: str) -> None:
    """Through ProcessorFormatter: structlog events with positional args, processor before PAF."""
    logger, stream = _handler_with(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                RedactProcessor(Redactor.default()),
                structlog.stdlib.PositionalArgumentsFormatter(),
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    log = structlog.wrap_logger(
        logger,
        processors=[structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.stdlib.BoundLogger,
    )
    log.info(fmt, *_positional_args(fmt, v))
    log.info("%(password)s", {"password": v})
    out = stream.getvalue()
    assert v not in out
    assert out.count("[REDACTED:") >= 2


@pytest.mark.parametrize("chain", ["redact-then-meta", "meta-then-redact+filter"])
@pytest.mark.parametrize("use_get_message", [True, False])
@pytest.mark.parametrize("fmt", POSITIONAL + MAPPING)
def test_processor_formatter_bridge_foreign_records(
    fmt: str, use_get_message: bool, chain: str, v: str
) -> None:
    """Foreign records: ProcessorFormatter merges (or passes the args on) and nothing leaks.

    With ``use_get_message=True`` ProcessorFormatter merges before the processor runs and
    drops the args; placed before ``remove_processors_meta``, the processor reads each
    ``%(name)s`` back through the record's format string. Placed after it, the record is
    gone: the documented configuration adds a ``RedactFilter`` on the handler, which
    judges the message with its args before the formatter runs.
    """
    r = Redactor.default()
    meta = structlog.stdlib.ProcessorFormatter.remove_processors_meta
    first = (
        [RedactProcessor(r), meta] if chain == "redact-then-meta" else [meta, RedactProcessor(r)]
    )
    logger, stream = _handler_with(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_log_level],
            processors=[
                *first,
                structlog.stdlib.PositionalArgumentsFormatter(),
                structlog.processors.JSONRenderer(),
            ],
            use_get_message=use_get_message,
            pass_foreign_args=not use_get_message,
        )
    )
    if chain.endswith("+filter"):
        logger.handlers[0].addFilter(RedactFilter(r))
    if fmt in MAPPING:
        logger.info(
            fmt, {"user": "bob", "password": v, "token": v, "api_key": v, "client_secret": v}
        )
    else:
        logger.info(fmt, *_positional_args(fmt, v))
    out = stream.getvalue()
    assert v not in out
    assert "[REDACTED:" in out


@pytest.mark.parametrize(
    ("fmt", "values", "shown"),
    [
        ("%(password)s", {"password": "a b"}, "[REDACTED:sensitive-key]"),
        ("%(token)s %(user)s", {"token": "x y", "user": "bob"}, "[REDACTED:sensitive-key]"),
        ("u=%(user)s t=%(token)s.", {"token": "t= u=", "user": "bo t=b"}, "u=bo t="),
        ("100%% %(secret)r", {"secret": "v"}, "100% [REDACTED:sensitive-key]"),
    ],
)
def test_read_back_masks_every_parse(fmt: str, values: dict[str, str], shown: str) -> None:
    """Read back through the format string, a sensitive value is masked however the text splits."""
    from redact._messages import mask_named_in_merged

    tail = _value()
    real = {k: (val + tail if k != "user" else val) for k, val in values.items()}
    out = mask_named_in_merged(Redactor.default(), fmt, fmt % real)
    assert tail not in out
    assert out.startswith(shown)


def test_read_back_fails_closed(v: str) -> None:
    """A text the format string does not produce is masked whole, not passed through."""
    from redact._messages import mask_named_in_merged

    r = Redactor.default()
    assert mask_named_in_merged(r, "%(password)s!", "changed " + v) == "[REDACTED:sensitive-key]"
    assert mask_named_in_merged(r, "%(user)s", v) == v  # no sensitive name: untouched


# --- objects whose attributes name a secret -------------------------------------------------


class Slots:
    """``__slots__`` and a repr that shows the value without its name."""

    __slots__ = ("password", "user")

    def __init__(self, user: str, password: str) -> None:
        self.user = user
        self.password = password

    def __repr__(self) -> str:
        return f"Slots({self.user}, {self.password})"


class Private:
    """A name-mangled private slot and a repr that shows it bare."""

    __slots__ = ("__token",)

    def __init__(self, token: str) -> None:
        self.__token = token

    def __repr__(self) -> str:
        return f"Private<{self.__token}>"


class Plain:
    """A plain object: default repr, attributes only in ``vars()``."""

    def __init__(self, api_key: str) -> None:
        self.name = "svc"
        self.api_key = api_key


class Outer:
    """No sensitive name itself; its attribute holds an object that has one."""

    def __init__(self, inner: object) -> None:
        self.db = inner

    def __repr__(self) -> str:
        return f"Outer({self.db!r})"


@dataclasses.dataclass(slots=True)
class SlotsData:
    user: str
    password: str


def _pydantic(v: str) -> object:
    pydantic = pytest.importorskip("pydantic")
    model = pydantic.create_model("Login", user=(str, ...), password=(str, ...))
    return model(user="bob", password=v)


def _attrs_frozen(v: str) -> object:
    attr = pytest.importorskip("attr")

    @attr.frozen
    class Creds:
        user: str
        token: str

    return Creds("bob", v)


BUILDERS: dict[str, Callable[[str], object]] = {
    "slots-repr-hides-names": lambda v: Slots("bob", v),
    "private-slot": Private,
    "plain-object": Plain,
    "simplenamespace": lambda v: types.SimpleNamespace(user="bob", token=v),
    "dataclass-slots": lambda v: SlotsData("bob", v),
    "nested-object": lambda v: Outer(Slots("bob", v)),
    "nested-plain": lambda v: Outer(Plain(v)),
    "pydantic": _pydantic,
    "attrs-frozen-slots": _attrs_frozen,
}

RENDERERS: dict[str, Callable[[], Any]] = {
    "kv": structlog.processors.KeyValueRenderer,
    "console": lambda: structlog.dev.ConsoleRenderer(colors=False),
    "json": structlog.processors.JSONRenderer,
    "json-default-vars": lambda: structlog.processors.JSONRenderer(default=vars),
}


def _attr_values(obj: object) -> dict[str, Any]:
    from redact.engine import _attributes

    return {name: value for name, value, _ in _attributes(obj)}


@pytest.mark.parametrize("renderer", list(RENDERERS))
@pytest.mark.parametrize("kind", list(BUILDERS))
def test_objects_naming_secrets_render_masked(kind: str, renderer: str, v: str) -> None:
    """Each renderer prints such an object masked; the caller's object keeps its values."""
    obj = BUILDERS[kind](v)
    if renderer == "json-default-vars":
        try:
            json.dumps(obj, default=vars)
        except TypeError:
            pytest.skip("vars() refuses a __slots__ object: the renderer fails on its own")
    before = _attr_values(obj)
    log = structlog.wrap_logger(
        structlog.ReturnLogger(),
        processors=[RedactProcessor(Redactor.default()), RENDERERS[renderer]()],
        cache_logger_on_first_use=False,
    )
    line = str(log.info("e", cfg=obj))
    assert v not in line
    if v in repr(obj) or renderer == "json-default-vars":  # the renderer shows the value
        assert "[REDACTED:sensitive-key]" in line
    assert _attr_values(obj) == before  # never mutated


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_redact_obj_gives_a_safe_form(kind: str, v: str) -> None:
    """``redact_obj``: a masked copy (or masked text); repr, str and vars() show no value."""
    obj = BUILDERS[kind](v)
    out = Redactor.default().redact_obj(obj)
    assert out is not obj
    assert v not in repr(out) and v not in str(out)
    if not isinstance(out, str):
        assert type(out) is type(obj)
        assert v not in json.dumps(out, default=_attr_values)
    assert v in json.dumps(_attr_values(obj), default=_attr_values)


def test_clean_objects_come_back_as_they_are() -> None:
    """An object with no sensitive attribute name (or an empty one) is the same object."""
    r = Redactor.default()
    for obj in (Plain(""), types.SimpleNamespace(user="bob"), Slots("bob", None)):  # type: ignore[arg-type]
        assert r.redact_obj(obj) is obj


def test_uncopyable_object_becomes_masked_text(v: str) -> None:
    """An object that refuses to be copied becomes ``Type(attr=...)`` text, masked."""

    class Held:
        def __init__(self, secret: str) -> None:
            self.secret = secret
            self.name = "h"

        def __copy__(self) -> Held:
            return self  # a singleton-style copy: patching it would change the caller's object

    obj = Held(v)
    out = Redactor.default().redact_obj(obj)
    assert isinstance(out, str)
    assert out.startswith("test_uncopyable_object_becomes_masked_text.<locals>.Held(")
    assert "name='h'" in out and v not in out
    assert obj.secret == v


def test_back_reference_kept(v: str) -> None:
    """A parent pointer to the object being walked stays as it is (no cycle marker)."""
    parent = types.SimpleNamespace(token=v, children=[])
    child = types.SimpleNamespace(parent=parent)
    parent.children.append(child)
    out = Redactor.default().redact_obj(parent)
    assert out.token == "[REDACTED:sensitive-key]"
    assert parent.token == v


@settings(max_examples=60, deadline=None)
@given(attribute_objects())
def test_property_no_attribute_object_leaks(case: tuple[object, str]) -> None:
    """Property: whatever the object kind and sensitive attribute name, no renderer leaks."""
    obj, v = case
    event = RedactProcessor(Redactor.default())(None, "info", {"event": "e", "o": obj})
    for render in (
        structlog.processors.KeyValueRenderer(),
        structlog.dev.ConsoleRenderer(colors=False),
        structlog.processors.JSONRenderer(default=_attr_values),
    ):
        assert v not in render(None, "info", dict(event))
