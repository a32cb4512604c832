"""RedactProcessor in real structlog chains: JSON lines in files, stdlib bridging, never breaking."""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import pickle
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import ERROR_PLACEHOLDER, KnownSecrets, Redactor
from redact.integrations.structlog import RedactProcessor
from tests.integrations._log_planted import CONTEXT, Planted, make_planted, rand
from tests.strategies import filler, secret_values

Proc = Callable[[Any, str, Any], Any]


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    """Every test starts and ends with structlog's defaults and empty contextvars."""
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


@pytest.fixture
def planted() -> Planted:
    """Fresh synthetic secrets of every kind and a redactor knowing the registered ones."""
    return make_planted()


def configure(out: Any, redact: Proc | None, *, tracebacks: Proc | None = None) -> None:
    """The documented production chain, JSON lines written to ``out``."""
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.StackInfoRenderer(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        tracebacks or structlog.processors.format_exc_info,
    ]
    if redact is not None:
        processors.append(redact)
    processors.append(structlog.processors.JSONRenderer())
    structlog.configure(
        processors=processors,
        logger_factory=structlog.WriteLoggerFactory(file=out),
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
        cache_logger_on_first_use=False,
    )


def _raise_with(text: str) -> None:
    password = "x7"  # a local under a sensitive name, shown by show_locals
    detail = f"{CONTEXT} {text}"
    assert password
    raise ValueError(detail)


def _raise_chained(text: str) -> None:
    try:
        raise KeyError(f"{CONTEXT} {text}")
    except KeyError as exc:
        raise RuntimeError("lookup failed") from exc


def _emit_in_module(tmp_path: Path, log: Any, carrier: str) -> None:
    """Log with stack_info from a module whose source line holds the secret literally."""
    src = tmp_path / f"mod_{rand(8)}.py"
    src.write_text(f"def emit(log, k={carrier!r}): return log.info('stacked', stack_info=True)\n")
    spec = importlib.util.spec_from_file_location(src.stem, src)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.emit(log)


CARRIERS = [
    "message",
    "positional-args",
    "keyword",
    "nested",
    "bound",
    "contextvars",
    "exception-message",
    "chained-cause",
    "dict-tracebacks-locals",
    "stack-info",
    "bytes",
]


def _emit(carrier: str, text: str, path: Path, tmp_path: Path) -> None:
    """Log ``text`` through the carrier named ``carrier`` into a fresh chain writing ``path``."""
    with path.open("a") as out:
        dict_tb = structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=True, locals_max_string=4096)
        )
        tracebacks = dict_tb if carrier == "dict-tracebacks-locals" else None
        configure(out, RedactProcessor(PLANTED.redactor), tracebacks=tracebacks)
        log = structlog.get_logger()
        if carrier == "message":
            log.info(f"{CONTEXT} {text}")
        elif carrier == "positional-args":
            log.info(f"{CONTEXT} %s and %d", text, 7)
        elif carrier == "keyword":
            log.info("evt", detail=f"{CONTEXT} {text}")
        elif carrier == "nested":
            log.info("evt", payload={"a": [1, {"b": f"{CONTEXT} {text}"}]}, items=(CONTEXT, text))
        elif carrier == "bound":
            log.bind(ctx=f"{CONTEXT} {text}").info("evt")
        elif carrier == "contextvars":
            structlog.contextvars.bind_contextvars(request_note=f"{CONTEXT} {text}")
            log.info("evt")
            structlog.contextvars.clear_contextvars()
        elif carrier in ("exception-message", "dict-tracebacks-locals"):
            try:
                _raise_with(text)
            except ValueError:
                log.exception("boom")
        elif carrier == "chained-cause":
            try:
                _raise_chained(text)
            except RuntimeError:
                log.exception("boom")
        elif carrier == "stack-info":
            _emit_in_module(tmp_path, log, f"{CONTEXT} {text}")
        elif carrier == "bytes":
            log.info("evt", blob=f"{CONTEXT} {text}".encode())


PLANTED = make_planted()


@pytest.mark.parametrize("carrier", CARRIERS)
def test_no_planted_secret_reaches_the_json_file(carrier: str, tmp_path: Path) -> None:
    """Every secret kind through this carrier: the file holds no value, the context survives."""
    path = tmp_path / "app.log"
    for text in PLANTED.carriers.values():
        _emit(carrier, text, path, tmp_path)
    blob = path.read_text()
    lines = [json.loads(line) for line in blob.splitlines()]
    assert len(lines) == len(PLANTED.carriers)
    assert PLANTED.leaks(blob) == []
    assert blob.count(CONTEXT) >= len(PLANTED.carriers)
    assert blob.count("[REDACTED") >= len(PLANTED.carriers)


def test_without_the_processor_the_same_matrix_leaks(tmp_path: Path) -> None:
    """Control: the carriers really carry the secrets when the processor is absent."""
    path = tmp_path / "raw.log"
    with path.open("w") as out:
        configure(out, None)
        log = structlog.get_logger()
        for text in PLANTED.carriers.values():
            log.info("evt", detail=text)
    assert sorted(PLANTED.leaks(path.read_text())) == sorted(PLANTED.values)


def test_key_names_mask_short_values_whole(tmp_path: Path) -> None:
    """{"password": "x7"} and friends: values under sensitive names are masked whatever they are."""
    buf = io.StringIO()
    configure(buf, RedactProcessor())
    log = structlog.get_logger()
    log.info("login", password="x7", api_key="abc", user="alice", nested={"client_secret": 42})
    event = json.loads(buf.getvalue())
    assert event["password"].startswith("[REDACTED")
    assert event["api_key"].startswith("[REDACTED")
    assert event["nested"]["client_secret"].startswith("[REDACTED")
    assert event["user"] == "alice"
    assert event["event"] == "login"


def test_clean_event_is_returned_as_the_same_object() -> None:
    """Costs nothing when nothing is found: the very same dict comes back."""
    proc = RedactProcessor()
    event = {"event": "request handled", "path": "/api/v1", "status": 200, "tags": ["a", "b"]}
    assert proc(None, "info", event) is event
    assert proc(None, "info", event) is event  # second time from the remembered clean strings


def test_only_dirty_items_change_and_others_stay_identical(planted: Planted) -> None:
    """A dirty event comes back as a new dict whose clean values are the same objects."""
    proc = RedactProcessor(planted.redactor)
    clean = {"k": ["list", "of", "words"]}
    event = {"event": "evt", "clean": clean, "note": planted.carriers["github-token"]}
    out = proc(None, "info", event)
    assert out is not event
    assert out["clean"] is clean
    assert out["note"] == "[REDACTED:github-token]"
    assert event["note"] == planted.carriers["github-token"]  # the caller's data is untouched


def test_newly_registered_secret_is_caught_after_the_value_was_seen_clean() -> None:
    """Remembered clean strings are forgotten when the registry changes."""
    ks = KnownSecrets()
    proc = RedactProcessor(Redactor.default(known=ks))
    value = "later-" + rand(20)
    event = {"event": "evt", "note": value}
    assert proc(None, "info", event) is event
    ks.add(value, label="rotated")
    assert proc(None, "info", dict(event))["note"] == "[REDACTED:rotated]"


def test_processor_formatter_covers_foreign_and_structlog_records(
    planted: Planted, tmp_path: Path
) -> None:
    """Through ProcessorFormatter: foreign stdlib records (args, extra, exc_info) and native ones."""
    path = tmp_path / "bridge.log"
    proc = RedactProcessor(planted.redactor)
    handler = logging.FileHandler(path)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_log_level, structlog.stdlib.ExtraAdder()],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                proc,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    foreign = logging.getLogger(f"foreign.{rand(6)}")
    foreign.propagate = False
    foreign.setLevel(logging.DEBUG)
    foreign.addHandler(handler)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=lambda *args: foreign,
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    try:
        for text in planted.carriers.values():
            foreign.warning("%s %s", CONTEXT, text, extra={"note": text})
            try:
                _raise_chained(text)
            except RuntimeError:
                foreign.exception("foreign failure")
            structlog.get_logger().info("native", detail=f"{CONTEXT} {text}")
    finally:
        foreign.removeHandler(handler)
        handler.close()
    blob = path.read_text()
    assert len(blob.splitlines()) == 3 * len(planted.carriers)
    assert planted.leaks(blob) == []
    assert blob.count(CONTEXT) >= 3 * len(planted.carriers)
    assert "lookup failed" in blob


def test_any_position_before_exception_rendering_masks_messages(
    planted: Planted, tmp_path: Path
) -> None:
    """Placed first (before format_exc_info), exception messages and causes are still masked."""
    buf = io.StringIO()
    structlog.configure(
        processors=[
            RedactProcessor(planted.redactor),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.WriteLoggerFactory(file=buf),
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
    )
    log = structlog.get_logger()
    for text in planted.carriers.values():
        try:
            _raise_chained(text)
        except RuntimeError as exc:
            log.error("failed", exc_info=exc)  # noqa: TRY400 (an explicit exception object)
            log.exception("failed again")
    assert planted.leaks(buf.getvalue()) == []
    assert buf.getvalue().count("RuntimeError: lookup failed") == 2 * len(planted.carriers)


def test_placed_after_the_renderer_it_masks_the_rendered_line(planted: Planted) -> None:
    """After JSONRenderer the event is a string: the processor masks the string."""
    buf = io.StringIO()
    structlog.configure(
        processors=[structlog.processors.JSONRenderer(), RedactProcessor(planted.redactor)],
        logger_factory=structlog.WriteLoggerFactory(file=buf),
    )
    structlog.get_logger().info("evt", note=planted.carriers["github-token"])
    assert planted.leaks(buf.getvalue()) == []
    assert json.loads(buf.getvalue())["note"] == "[REDACTED:github-token]"


def test_cyclic_event_values_are_rendered_not_raised(planted: Planted) -> None:
    """A self-referencing dict in an event still yields one JSON line, secret masked."""
    buf = io.StringIO()
    configure(buf, RedactProcessor(planted.redactor))
    loop: dict[str, Any] = {"name": CONTEXT}
    loop["self"] = loop
    chain: list[Any] = [CONTEXT]
    chain.append(chain)
    log = structlog.get_logger()
    log.info("evt", data=loop, items=chain, note=planted.carriers["aws-access-key-id"])
    log.info("evt", data=loop)
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert len(lines) == 2
    assert lines[0]["data"]["self"] == "<cycle>"
    assert lines[0]["items"] == [CONTEXT, "<cycle>"]
    assert lines[1]["data"]["name"] == CONTEXT
    assert planted.leaks(buf.getvalue()) == []


class _BrokenRedactor(Redactor):
    """A redactor whose object walk and scan fail: the adapter's own guard must hold."""

    __slots__ = ()

    def find(self, text: str) -> Any:
        """Fail."""
        raise RuntimeError(text)

    def redact_obj(self, obj: Any) -> Any:
        """Fail."""
        raise RuntimeError(repr(obj))


def test_a_failing_redactor_yields_a_placeholder_event_and_warns_once(planted: Planted) -> None:
    """Never raises into structlog: a fixed placeholder event is emitted, one warning, no value."""
    buf = io.StringIO()
    configure(buf, RedactProcessor(_BrokenRedactor(known=planted.redactor.known)))
    log = structlog.get_logger()
    secret = planted.carriers["registered-password"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log.info("evt", detail=secret)
        log.info("evt", detail=secret)
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [line["event"] for line in lines] == [ERROR_PLACEHOLDER, ERROR_PLACEHOLDER]
    assert len(caught) == 1
    assert issubclass(caught[0].category, RuntimeWarning)
    assert secret not in str(caught[0].message)
    assert planted.leaks(buf.getvalue()) == []


def test_an_internal_detector_error_fails_closed_per_value(planted: Planted) -> None:
    """A detector that raises inside the core: values become placeholders, the event is emitted."""

    def boom(text: str) -> list[Any]:
        raise ValueError("detector bug")

    buf = io.StringIO()
    redactor = Redactor.default(known=planted.redactor.known, detectors=[boom])
    configure(buf, RedactProcessor(redactor))
    structlog.get_logger().info("evt", detail=planted.carriers["registered-api-key"], n=3)
    event = json.loads(buf.getvalue())  # one well-formed line; keys fail closed as well
    assert ERROR_PLACEHOLDER in event
    assert set(event.values()) <= {ERROR_PLACEHOLDER, 3}
    assert planted.leaks(buf.getvalue()) == []


def build_default() -> Redactor:
    """A picklable factory (module level) for the pickling test."""
    return Redactor.default()


def test_processor_pickles_through_its_factory() -> None:
    """Picklable like every structlog processor: rebuilt from its factory, redacting the same."""
    for proc in (RedactProcessor(), RedactProcessor(factory=build_default)):
        clone = pickle.loads(pickle.dumps(proc))
        token = "ghp_" + rand(36)
        assert clone(None, "info", {"event": token})["event"] == "[REDACTED:github-token]"


def test_processor_with_an_explicit_redactor_refuses_pickling_with_a_reason() -> None:
    """A Redactor holds secrets: pickling one given explicitly fails and says how to fix it."""
    with pytest.raises(TypeError, match="factory="):
        pickle.dumps(RedactProcessor(Redactor.default()))
    proc = RedactProcessor(Redactor.default(), factory=build_default)
    assert isinstance(pickle.loads(pickle.dumps(proc)), RedactProcessor)


_KEY_CHECK = Redactor.default()
_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(
    lambda k: not _KEY_CHECK.is_sensitive_key(k)
)
_leaves = st.one_of(filler, st.integers(), st.none(), st.booleans())
_events = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(_keys, children, max_size=4),
    ),
    max_leaves=12,
)


def _plant(tree: Any, secret: str, path: list[int]) -> tuple[Any, bool]:
    """Put ``secret`` into the string leaf (or container) that ``path`` picks; say if placed."""
    if isinstance(tree, str):
        return f"{tree} {secret} {tree}", True
    if isinstance(tree, dict) and tree:
        keys = list(tree)
        k = keys[path[0] % len(keys)] if path else keys[0]
        new, placed = _plant(tree[k], secret, path[1:])
        return {**tree, k: new}, placed
    if isinstance(tree, list | tuple) and tree:
        i = path[0] % len(tree) if path else 0
        new, placed = _plant(tree[i], secret, path[1:])
        items = list(tree)
        items[i] = new
        return (tuple(items) if isinstance(tree, tuple) else items), placed
    if isinstance(tree, list):
        return [secret], True
    return tree, False


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    secret=secret_values,
    tree=st.dictionaries(_keys, _events, min_size=1, max_size=5),
    path=st.lists(st.integers(min_value=0, max_value=7), max_size=6),
    as_key=st.booleans(),
)
def test_property_registered_secret_never_reaches_rendered_output(
    secret: str, tree: dict[str, Any], path: list[int], as_key: bool
) -> None:
    """Any registered secret planted anywhere in a nested event is absent from the JSON line."""
    ks = KnownSecrets()
    ks.add(secret, label="planted")
    proc = RedactProcessor(Redactor.default(known=ks))
    event, placed = _plant(tree, secret, path)
    if not placed or as_key:
        event = {**event, f"k{secret}": "v"}
    buf = io.StringIO()
    log = structlog.wrap_logger(
        structlog.WriteLogger(buf),
        processors=[proc, structlog.processors.JSONRenderer(ensure_ascii=False)],
    )
    log.info("evt", **{f"f_{k}": v for k, v in event.items()})
    rendered = buf.getvalue()
    assert secret not in rendered
    assert not any(secret in text for text in _strings(json.loads(rendered)))


def _strings(obj: Any) -> Iterator[str]:
    """Every string (keys too) in a parsed JSON value."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


_EQ_REDACTOR = make_planted().redactor
_eq_keys = st.one_of(
    st.sampled_from(["password", "user", "note", "api_key", "path", "level", "x-api-key"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=6),
)
_eq_leaves = st.one_of(
    filler,
    st.sampled_from(["ghp_" + rand(36), "AKIA" + "ABCDEFGHIJKLMNOP", "password=hunter22", ""]),
    st.integers(),
    st.none(),
    st.booleans(),
    st.binary(max_size=12),
)
_eq_trees = st.recursive(
    _eq_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.tuples(children),
        st.dictionaries(_eq_keys, children, max_size=3),
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(event=st.dictionaries(_eq_keys, _eq_trees, max_size=6), repeat=st.booleans())
def test_property_processor_result_equals_a_full_redact_obj_walk(
    event: dict[str, Any], repeat: bool
) -> None:
    """The one-scan shortcut never changes the result: same as walking everything with redact_obj."""
    proc = RedactProcessor(_EQ_REDACTOR)
    if repeat:
        proc(None, "info", dict(event))  # warm the remembered clean strings
    expected = _EQ_REDACTOR.redact_obj(event)
    out = proc(None, "info", event)
    assert out == expected
    assert (out is event) == (expected is event)
