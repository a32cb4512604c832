"""Private helpers shared by the logging adapters (structlog and stdlib ``logging``).

The object walk, the one-scan clean check and the cache of clean verdicts live
in the core (:meth:`redact.Redactor.redact_obj`); nothing here traverses
objects. Nothing here imports a logging framework.
"""

from __future__ import annotations

import warnings

__all__ = ["OnceWarner"]


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
