"""An exception the core cannot rebuild masked stands in as text, and that text is masked.

The walk masks what an exception holds by name (an attribute ``password`` its ``__str__``
shows) in a copy. When no copy can be made (``copy.copy`` fails, a group's members are
not exceptions) or the copy still renders something to mask, the exception's text stands
in: it must carry the walk's replacements, not the raw ``str(exc)`` (the text alone shows
the value with no name beside it, so no text pass would find it).
"""

from __future__ import annotations

import io
import logging

import pytest
import structlog

from redact import Redactor
from redact.integrations.logging import RedactFilter
from redact.integrations.structlog import RedactProcessor

NAMED = "hunter2-Wq7zPx"
KNOWN = "Zq8vLm2Rt7Kp4Wx9Nc3B"


class Uncopyable(Exception):
    """copy.copy rebuilds it from args: its __init__ wants two arguments."""

    def __init__(self, password: str, user: str) -> None:
        super().__init__("login failed")
        self.password = password
        self.user = user

    def __str__(self) -> str:
        return f"login failed for {self.user} with {self.password}"


class ShowsMore(Exception):
    """Its text shows a registered value held nowhere the walk reaches."""

    def __init__(self, password: str) -> None:
        super().__init__("refused")
        self.password = password

    def __str__(self) -> str:
        return f"refused {KNOWN} with {self.password}"


class Holder:
    def __init__(self, password: str) -> None:
        self.password = password

    def __repr__(self) -> str:
        return f"Holder({self.password})"


class UncopyableArg(Exception):
    def __init__(self, holder: Holder, code: int) -> None:
        super().__init__(holder)
        self.code = code


class CopiesItself(Exception):
    """A copier that hands back the original (the walk must not mutate it)."""

    def __init__(self, password: str) -> None:
        super().__init__("refused")
        self.password = password

    def __copy__(self) -> CopiesItself:
        return self

    def __str__(self) -> str:
        return f"refused with {self.password}"


_REBUILT_FROM: dict[str, str] = {}


class RebuildsFromElsewhere(Exception):
    """A copy rebuilt from state the walk does not reach (its text shows the raw value)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.password = _REBUILT_FROM.get(key, "")

    def __reduce__(self) -> tuple[object, ...]:
        return (RebuildsFromElsewhere, self.args)

    def __str__(self) -> str:
        return f"refused with {self.password}"


_REBUILT_FROM["k1"] = NAMED

SHAPES = {
    "copies-itself": lambda: CopiesItself(NAMED),
    "rebuilds-from-elsewhere": lambda: RebuildsFromElsewhere("k1"),
    "uncopyable-attribute": lambda: Uncopyable(NAMED, "bob"),
    "copy-renders-a-registered-value": lambda: ShowsMore(NAMED),
    "uncopyable-object-arg": lambda: UncopyableArg(Holder(NAMED), 3),
}


def _redactor() -> Redactor:
    r = Redactor.default()
    r.known.add(KNOWN, label="planted")
    return r


@pytest.mark.parametrize("shape", list(SHAPES))
def test_redact_obj_of_an_exception_it_cannot_rebuild(shape: str) -> None:
    exc = SHAPES[shape]()
    out = _redactor().redact_obj({"error": exc})["error"]
    text = str(out) + repr(out)  # a masked copy, or the text standing in for it
    assert NAMED not in text and KNOWN not in text
    assert "REDACTED" in text


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("renderer", ["format_exc_info", "dict_tracebacks", "console"])
@pytest.mark.parametrize("position", ["before", "after"])
def test_structlog_before_and_after_the_renderer(shape: str, renderer: str, position: str) -> None:
    out = io.StringIO()
    if renderer == "console":
        if position == "after":
            pytest.skip("ConsoleRenderer renders the event: nothing comes after it")
        procs: list[object] = [
            RedactProcessor(_redactor()),
            structlog.dev.ConsoleRenderer(colors=False),
        ]
    else:
        pair = [getattr(structlog.processors, renderer), RedactProcessor(_redactor())]
        procs = [*(pair if position == "after" else pair[::-1])]
        procs.append(structlog.processors.JSONRenderer())
    log = structlog.wrap_logger(structlog.PrintLogger(out), processors=procs)
    try:
        raise SHAPES[shape]()
    except Exception:
        log.exception("request failed")
    text = out.getvalue()
    assert "request failed" in text
    assert NAMED not in text and KNOWN not in text


@pytest.mark.parametrize("shape", list(SHAPES))
def test_logging_filter(shape: str) -> None:
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.addFilter(RedactFilter(_redactor()))
    log = logging.Logger("tests.fallback")
    log.addHandler(handler)
    try:
        raise SHAPES[shape]()
    except Exception:
        log.exception("request failed")
    text = buf.getvalue()
    assert "request failed" in text and type(SHAPES[shape]()).__name__ in text
    assert NAMED not in text and KNOWN not in text


def test_the_original_exception_is_never_mutated() -> None:
    exc = CopiesItself(NAMED)
    _redactor().redact_obj({"error": exc})
    assert exc.password == NAMED and exc.args == ("refused",)


# -- a copier that shares the original's attribute dict ----------------------------------------


class SharedState(Exception):
    def __init__(self, password: str) -> None:
        super().__init__("login failed")
        self.password = password

    def __str__(self) -> str:
        return f"login failed with {self.password}"


@pytest.fixture
def tblib_installed() -> None:
    """tblib's pickling support for SharedState, as ``import distributed`` installs it for
    every exception class defined before it: a copy rebuilt with ``__dict__`` itself."""
    support = pytest.importorskip("tblib.pickling_support")
    support.install(SharedState)


def test_a_copy_sharing_the_attribute_dict_leaves_the_original_intact(
    tblib_installed: None,
) -> None:
    import copy

    exc = SharedState(NAMED)
    assert vars(copy.copy(exc)) is vars(exc)  # the premise: the copier shares it
    out = _redactor().redact_obj(exc)
    assert NAMED not in str(out)
    assert exc.password == NAMED  # never mutated


@pytest.mark.parametrize("renderer", ["format_exc_info", "dict_tracebacks"])
def test_a_copy_sharing_the_attribute_dict_through_structlog(
    tblib_installed: None, renderer: str
) -> None:
    out = io.StringIO()
    procs = [
        getattr(structlog.processors, renderer),
        RedactProcessor(_redactor()),
        structlog.processors.JSONRenderer(),
    ]
    log = structlog.wrap_logger(structlog.PrintLogger(out), processors=procs)
    try:
        raise SharedState(NAMED)
    except SharedState:
        log.exception("request failed")
    assert NAMED not in out.getvalue()
