"""structlog: :class:`RedactProcessor`, one processor that masks every secret in an event.

Put it after ``merge_contextvars`` and after ``format_exc_info`` /
``dict_tracebacks`` and before the renderer, so that bound and context values
and rendered exceptions (messages, chained causes, ``show_locals`` frame
locals) are all in the event it sees::

    structlog.configure(processors=[
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.processors.dict_tracebacks,
        RedactProcessor(redactor),
        structlog.processors.JSONRenderer(),
    ])

The same instance works in ``structlog.stdlib.ProcessorFormatter.processors``,
where it also covers foreign (plain ``logging``) records. Any other position
works too; see ``docs/integrations-order.md`` for what each one covers.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from redact import ERROR_PLACEHOLDER, Redactor, telemetry
from redact._messages import mask_named_in_merged, merge_args
from redact.integrations._objects import (
    OnceWarner,
    masked_exception,
    replace_shown,
    shown_replacements,
)

if TYPE_CHECKING:
    from structlog.typing import EventDict, WrappedLogger

__all__ = ["RedactProcessor"]

#: Keys ``ProcessorFormatter`` adds for its own use: objects, not data; passed through.
_META = frozenset({"_record", "_from_structlog"})


class RedactProcessor:
    """A structlog processor that returns the event with every secret masked.

    ``redactor`` defaults to ``Redactor.default()``. The event dict itself comes
    back when nothing is found. It never raises into structlog: on an internal
    error the event becomes ``{"event": "[REDACTED:redaction-error]"}`` and a
    ``RuntimeWarning`` is issued once. A ``Redactor`` holds secrets and is not
    picklable, so the processor pickles as its ``factory`` (default
    ``Redactor.default``) and rebuilds its redactor when loaded; one built
    around an explicit ``redactor`` needs an explicit picklable ``factory``.
    """

    __slots__ = ("_factory", "_redactor", "_warn")

    def __init__(
        self,
        redactor: Redactor | None = None,
        *,
        factory: Callable[[], Redactor] | None = None,
    ) -> None:
        if redactor is None:
            factory = factory if factory is not None else Redactor.default
            redactor = factory()
        self._redactor = redactor
        self._factory = factory
        self._warn = OnceWarner("RedactProcessor")

    @property
    def redactor(self) -> Redactor:
        """The redactor this processor applies."""
        return self._redactor

    def __repr__(self) -> str:
        return f"RedactProcessor({self._redactor!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        if self._factory is None:
            msg = (
                "RedactProcessor(redactor) cannot be pickled: a Redactor holds secrets; "
                "pass factory=<picklable callable returning the Redactor> as well"
            )
            raise TypeError(msg)
        return (_rebuild, (self._factory,))

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> Any:
        """Return ``event_dict`` with every secret masked (the same dict when clean)."""
        try:
            if telemetry.observer is None:  # a `with` of a no-op context costs ~0.3-0.7 us
                return self._redact(event_dict)
            with telemetry.site("structlog", event_dict):
                return self._redact(event_dict)
        except Exception as exc:
            self._warn(exc)
            return _placeholder(event_dict)

    def _redact(self, event_dict: EventDict) -> Any:
        if type(event_dict) is not dict and not isinstance(event_dict, MutableMapping):
            # Placed after a renderer: the event is already text (or bytes).
            return self._redactor.redact_obj(event_dict)
        if isinstance(event_dict.get("event"), str):
            if event_dict.get("_from_structlog") is False and "_record" in event_dict:
                event_dict = self._foreign(event_dict)
            elif event_dict.get("positional_args"):
                event_dict = self._merge(event_dict)
        if event_dict.get("exc_info"):
            self._exc_info(event_dict)
        elif "exception" in event_dict:
            event_dict = self._rendered(event_dict)
        # One core call: one scan of the event's strings joined, the walk's own rules.
        return self._redactor.redact_obj(event_dict, skip=_META)

    def _merge(self, event: EventDict) -> EventDict:
        """The event with ``event % positional_args`` merged as the logging filter does.

        Judged apart, ``"password=%s"`` and its argument show no secret; a
        ``PositionalArgumentsFormatter`` after the processor would join them raw.
        So the message is merged here with its arguments walked first (mapping
        arguments keep their names): ``redact._messages``, shared with
        ``RedactFilter``. ``positional_args`` is consumed, as the formatter does; bad
        arguments show masked in the text instead of raising.
        """
        args = event["positional_args"]
        if isinstance(args, tuple) and len(args) == 1 and isinstance(args[0], dict) and args[0]:
            args = args[0]  # PositionalArgumentsFormatter's (and LogRecord's) rule
        out = {k: v for k, v in event.items() if k != "positional_args"}
        out["event"] = merge_args(self._redactor, event["event"], args)
        return out

    def _foreign(self, event: EventDict) -> EventDict:
        """A foreign ``logging`` record in ``ProcessorFormatter``.

        With ``use_get_message=False`` the event is the bare format string and
        ``pass_foreign_args`` hands its args on: merged here like structlog's own.
        Otherwise ProcessorFormatter has merged them already and dropped the args, but
        the record's format string still names what each ``%(name)s`` stood for.
        """
        msg, record = event["event"], event["_record"]
        try:
            fmt = record.msg
            unmerged = msg == str(fmt)
        except Exception:
            return event
        if unmerged:
            return self._merge(event) if event.get("positional_args") else event
        shown = mask_named_in_merged(self._redactor, fmt, msg)
        return event if shown is msg else {**event, "event": shown}

    def _rendered(self, event: EventDict) -> EventDict:
        """An exception already rendered (``format_exc_info`` / ``dict_tracebacks`` before
        the processor): the object is gone, and what it held under a sensitive name
        shows in the text without the name. While the exception is being handled
        (``log.exception`` in its ``except`` block) the core walks it and its masked
        texts replace the raw ones; placed before the renderer, the processor needs none
        of this.
        """
        exc = sys.exc_info()[1]
        if exc is None:
            return event
        masked = masked_exception(self._redactor, exc)
        if masked is None:
            return event
        pairs = shown_replacements(exc, masked)
        if not pairs:
            return event
        return {**event, "exception": replace_shown(event["exception"], pairs)}

    def _exc_info(self, event: MutableMapping[str, Any]) -> None:
        """Replace a raw ``exc_info`` (still to be rendered) by a redacted exception."""
        exc = _exception(event["exc_info"])
        if exc is None:
            return
        red = self._redactor.redact_obj(exc)
        if red is exc:
            if not isinstance(event["exc_info"], BaseException | tuple):
                event["exc_info"] = exc  # resolved now, while it is the current exception
        elif isinstance(red, BaseException):
            event["exc_info"] = red  # messages and chained causes masked, traceback kept
        else:
            # The core could not rebuild it: its masked text stands in. The traceback is
            # rendered from the raw exception, whose text may show a value held by name
            # (no text pass finds it there): that text is replaced by the stand-in's.
            del event["exc_info"]
            text = "".join(traceback.format_exception(exc))
            event["exception"] = self._redactor.redact(
                replace_shown(text, shown_replacements(exc, RuntimeError(_stand_in(exc, red))))
            )


def _stand_in(exc: BaseException, red: object) -> str:
    """The core's masked text for ``exc`` without the ``Type: `` it starts with."""
    shown = str(red)
    prefix = f"{type(exc).__name__}: "
    return shown[len(prefix) :] if shown.startswith(prefix) else shown


def _exception(value: object) -> BaseException | None:
    """The exception an ``exc_info`` value stands for (structlog's own rules)."""
    if isinstance(value, BaseException):
        return value
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], BaseException):
        return value[1]
    if value:
        return sys.exc_info()[1]
    return None


def _placeholder(event: object) -> Any:
    """The fixed event that replaces one the processor could not redact."""
    if not isinstance(event, Mapping):
        return ERROR_PLACEHOLDER if isinstance(event, str) else ERROR_PLACEHOLDER.encode()
    out: dict[str, Any] = {"event": ERROR_PLACEHOLDER}
    try:
        out.update({k: event[k] for k in _META if k in event})
    except Exception:
        pass
    return out


def _rebuild(factory: Callable[[], Redactor]) -> RedactProcessor:
    """Unpickle: build a fresh redactor with the pickled factory."""
    return RedactProcessor(factory=factory)
