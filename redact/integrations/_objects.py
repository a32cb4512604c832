"""Private helpers shared by the logging adapters (structlog and stdlib ``logging``).

The object walk, the one-scan clean check and the cache of clean verdicts live
in the core (:meth:`redact.Redactor.redact_obj`); nothing here traverses
objects. Nothing here imports a logging framework.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["OnceWarner", "masked_exception"]


def masked_exception(redactor: Any, exc: BaseException) -> BaseException | None:
    """The exception to hand on instead of ``exc`` (``None``: ``exc`` itself is clean).

    The core walks it (args, attributes such as ``password``, objects in its args,
    notes, causes, contexts, group members, frame locals) and returns a masked
    copy; a frame or an error page that renders the copy shows no secret. When the
    core cannot rebuild the exception it gives the masked text, handed on as a
    ``RuntimeError`` holding that text (fail closed).
    """
    red = redactor.redact_obj(exc)
    if red is exc:
        return None
    if isinstance(red, BaseException):
        return red
    return RuntimeError(str(red))


class OnceWarner:
    """Warns once per adapter instance that it replaced something with a placeholder.

    The warning names the adapter and the exception type, never a value, and
    itself never raises (not even under ``-W error``).
    """

    __slots__ = ("_done", "_what")

    def __init__(self, what: str) -> None:
        self._what = what
        self._done = False

    def __call__(self, exc: BaseException) -> None:
        """Emit the warning the first time only."""
        if self._done:
            return
        self._done = True
        try:
            warnings.warn(
                f"redact: {self._what} failed internally ({type(exc).__name__}); "
                "the output was replaced by a placeholder",
                RuntimeWarning,
                stacklevel=3,
            )
        except Exception:
            pass
