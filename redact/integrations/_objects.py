"""Private helpers shared by the logging adapters (structlog and stdlib ``logging``).

The object walk, the one-scan clean check and the cache of clean verdicts live
in the core (:meth:`redact.Redactor.redact_obj`); nothing here traverses
objects. Nothing here imports a logging framework.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["OnceWarner", "masked_exception", "replace_shown", "shown_replacements"]


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


def shown_replacements(exc: BaseException, masked: BaseException) -> list[tuple[str, str]]:
    """``(raw, masked)`` texts that a renderer shows of ``exc`` and of its masked copy.

    For a traceback already rendered from the raw exception (a structlog renderer placed
    before the processor): each exception of the chain and group (``str``, ``repr``,
    notes), paired with the same place of ``masked``; only texts that differ, longest
    first. Replacing them in the rendered text masks what the object held by name.
    """
    pairs: dict[str, str] = {}
    seen: set[int] = set()
    todo: list[tuple[object, object]] = [(exc, masked)]
    while todo:
        a, b = todo.pop()
        if not isinstance(a, BaseException) or not isinstance(b, BaseException) or id(a) in seen:
            continue
        seen.add(id(a))
        for show in (str, repr):
            try:
                raw, shown = show(a), show(b)
            except Exception:
                continue
            if raw and raw != shown:
                pairs.setdefault(raw, shown)
        notes_a, notes_b = getattr(a, "__notes__", None), getattr(b, "__notes__", None)
        if isinstance(notes_a, list) and isinstance(notes_b, list):
            for raw, shown in zip(notes_a, notes_b, strict=False):
                if isinstance(raw, str) and isinstance(shown, str) and raw and raw != shown:
                    pairs.setdefault(raw, shown)
        todo.append((a.__cause__, b.__cause__))
        todo.append((a.__context__, b.__context__))
        if isinstance(a, BaseExceptionGroup) and isinstance(b, BaseExceptionGroup):
            todo.extend(zip(a.exceptions, b.exceptions, strict=False))
    if not isinstance(masked, type(exc)):  # the core could not rebuild it: its text stands in
        try:
            pairs.setdefault(str(exc), str(masked))
        except Exception:
            pass
    return sorted(pairs.items(), key=lambda p: -len(p[0]))


def replace_shown(value: Any, pairs: list[tuple[str, str]], depth: int = 0) -> Any:
    """``value`` (text, or lists/dicts of them: ``dict_tracebacks``) with ``pairs`` replaced."""
    if isinstance(value, str):
        for raw, shown in pairs:
            if raw in value:
                value = value.replace(raw, shown)
        return value
    if depth > 32:
        return value
    if isinstance(value, list | tuple):
        return type(value)(replace_shown(v, pairs, depth + 1) for v in value)
    if isinstance(value, dict):
        return {k: replace_shown(v, pairs, depth + 1) for k, v in value.items()}
    return value
