"""Exceptions that carry a secret in every place an exception carries data.

Shared by the adapter tests (structlog, logging, OTel, ASGI): each shape raises with
``value`` either registered (``known``) or held under a sensitive name only (``named``).
"""

from __future__ import annotations

from collections.abc import Callable


class Holder:
    """A plain object whose repr shows an attribute named ``password``."""

    def __init__(self, password: str) -> None:
        self.password = password

    def __repr__(self) -> str:
        return f"Holder({self.password})"


class SlotHolder:
    """The same with ``__slots__`` (no ``__dict__``)."""

    __slots__ = ("password",)

    def __init__(self, password: str) -> None:
        self.password = password

    def __repr__(self) -> str:
        return f"SlotHolder({self.password})"


class LoginFailed(Exception):
    """An exception whose message shows an attribute kept outside its args."""

    def __init__(self, password: str) -> None:
        super().__init__("login failed")
        self.password = password

    def __str__(self) -> str:
        return f"login failed with {self.password}"


def _message(password: str) -> BaseException:
    return RuntimeError(f"db failed {password}")


def _named_attr(password: str) -> BaseException:
    return LoginFailed(password)


def _object_arg(password: str) -> BaseException:
    return ValueError(Holder(password))


def _slots_arg(password: str) -> BaseException:
    return ValueError(SlotHolder(password))


def _note(password: str) -> BaseException:
    exc = ValueError("bad input")
    exc.add_note(f"password={password}")
    return exc


def _cause(password: str) -> BaseException:
    try:
        raise KeyError(f"password={password}")
    except KeyError as inner:
        try:
            raise RuntimeError("lookup failed") from inner
        except RuntimeError as outer:
            return outer


def _context(password: str) -> BaseException:
    try:
        raise LoginFailed(password)
    except LoginFailed:
        try:
            raise RuntimeError("cleanup failed")
        except RuntimeError as outer:
            return outer


def _group(password: str) -> BaseException:
    return ExceptionGroup("several", [ValueError("fine"), LoginFailed(password)])


#: name -> builder(value) of an exception (registered values: every shape; named: every
#: shape but the bare message, where the value has no name). Builders take the value
#: as ``password``: their frames are in the traceback of ``cause`` and ``context``.
SHAPES: dict[str, Callable[[str], BaseException]] = {
    "message": _message,
    "named-attribute": _named_attr,
    "object-arg": _object_arg,
    "slots-arg": _slots_arg,
    "note": _note,
    "cause": _cause,
    "context": _context,
    "group": _group,
}
NAMED_SHAPES = {k: v for k, v in SHAPES.items() if k != "message"}


def raise_shape(build: Callable[[str], BaseException], password: str) -> None:
    """Raise the shape (so that it has a traceback of its own).

    The value is held by frames under sensitive names only (``password``): frame
    locals are rendered by ``dict_tracebacks`` and rich, and a value under a neutral
    name there would be a leak of the test harness, not of the shape.
    """
    raise build(password)
