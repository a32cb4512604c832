"""stdlib logging: :class:`RedactFilter`, :class:`RedactingFormatter` and :func:`install`.

Attach the filter to **handlers**: a handler's filters see every record the
handler emits, including those propagated from child loggers, while a logger's
filters see only records logged on that very logger. From ``dictConfig``::

    "filters": {"redact": {"()": "redact.integrations.logging.RedactFilter"}},
    "handlers": {"file": {"class": "logging.FileHandler", "filename": "app.log",
                          "filters": ["redact"]}},

The filter rewrites the record in place (merged message with no args left,
``extra=`` attributes, the formatted traceback in ``exc_text`` with
``exc_info`` cleared, ``stack_info``), so every later handler and formatter
sees only masked data. :class:`RedactingFormatter` masks a formatter's final
output as a last line of defence. Neither ever raises into logging.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from typing import Any, Literal

from redact import ERROR_PLACEHOLDER, Redactor, telemetry
from redact._clean import CleanCache
from redact._messages import merge_args, redact_args
from redact.exceptions import ConfigError
from redact.integrations._objects import OnceWarner, masked_exception

__all__ = ["RedactFilter", "RedactingFormatter", "install"]

#: Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}
#: Standard attributes holding text that a format string can print (``%(threadName)s``):
#: set by logging from the logger, the call site, the thread, process and asyncio task,
#: whose names an application chooses (``Thread(name=...)``, ``create_task(name=...)``).
_TEXT_ATTRS = (
    "name",
    "pathname",
    "filename",
    "module",
    "funcName",
    "threadName",
    "processName",
    "taskName",
)
_TRACEBACK = logging.Formatter()
#: Argument types merged as they are (the scan of the line reads them).
_FLAT_ARGS = frozenset({str, int, float, bool, type(None)})
_EXTRAS_CACHE = 1024
#: The message's slot in the mapping scanned with the extras (no extra can be named so).
_MSG = "msg"


def _build(redactor: Redactor | None, factory: Callable[[], Redactor] | None) -> Redactor:
    if redactor is not None:
        return redactor
    return factory() if factory is not None else Redactor.default()


class RedactFilter(logging.Filter):
    """Masks every secret a ``LogRecord`` carries; always keeps the record, never raises.

    ``redactor`` defaults to ``Redactor.default()``; ``factory`` (a callable
    returning a Redactor, e.g. ``"ext://myapp.logs.build_redactor"`` in
    ``dictConfig``) builds one instead. On an internal error the message,
    ``extra=`` values, traceback and stack become ``[REDACTED:redaction-error]``
    and a ``RuntimeWarning`` is issued once.
    """

    def __init__(
        self,
        redactor: Redactor | None = None,
        *,
        factory: Callable[[], Redactor] | None = None,
    ) -> None:
        super().__init__()
        self.redactor = _build(redactor, factory)
        self._warn = OnceWarner("RedactFilter")
        #: attribute names of a record -> the extra= ones (records of one call site share them)
        self._extras: dict[tuple[str, ...], tuple[str, ...]] = {}
        #: the core's clean verdicts on _TEXT_ATTRS values (one call site's and thread's repeat)
        self._texts = CleanCache(self.redactor)

    def filter(self, record: logging.LogRecord) -> Literal[True]:
        """Redact ``record`` in place and keep it."""
        try:
            if telemetry.observer is None:  # a `with` of a no-op context costs ~0.3-0.7 us
                self._redact(record)
            else:
                with telemetry.site("logging", record):
                    self._redact(record)
        except Exception as exc:
            _scrub(record)
            self._warn(exc)
        return True

    def _redact(self, record: logging.LogRecord) -> None:
        r = self.redactor
        d = record.__dict__
        merged = bool(record.args)
        if merged:
            # The message judged with its arguments (the core walks them first: mapping
            # args by their names, pairs, records, enums, named tuples); the merged text
            # is scanned below. Bad arguments show masked, never raise (redact._messages).
            def merge(walked: Any) -> str:
                record.args = walked
                return record.getMessage()

            msg: object = merge_args(r, record.msg, record.args, merge)
        else:
            msg = record.msg
        keys = tuple(d)
        names = self._extras.get(keys)
        if names is None:
            names = tuple(k for k in keys if k not in _STANDARD)
            if len(self._extras) >= _EXTRAS_CACHE:
                self._extras.clear()
            self._extras[keys] = names
        if not names:
            out = r.redact(msg) if isinstance(msg, str) else r.redact_obj(msg)
        else:
            # One core call for the message and every extra= attribute: one scan of
            # their strings joined, and the core's object walk for what it flags.
            probe = {k: d[k] for k in names if not isinstance(d[k], logging.Logger)}
            extras = len(probe)
            probe[_MSG] = msg
            red = r.redact_obj(probe)
            out = msg
            if red is not probe:
                if not isinstance(red, dict) or _MSG not in red:
                    msg_ = "redact_obj did not return the mapping it was given"
                    raise TypeError(msg_)
                out = red[_MSG]
                if extras:
                    for key in probe:
                        if key != _MSG:
                            del d[key]
                    d.update((k, v) for k, v in red.items() if k != _MSG)
        if merged or out is not record.msg:
            record.msg = out
            record.args = ()
        if record.exc_info:
            # Rendered from the core's masked copy of the exception, even when an earlier
            # handler's formatter cached its raw rendering in exc_text.
            ei = _masked_exc_info(r, record.exc_info)
            if ei is not record.exc_info or not record.exc_text:
                text = _TRACEBACK.formatException(ei)
            else:
                text = record.exc_text
            record.exc_text = r.redact(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = r.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = r.redact(record.stack_info)
        message = d.get("message")
        if isinstance(message, str):
            record.message = r.redact(message)
        texts = tuple(map(d.get, _TEXT_ATTRS))
        masked = self._texts.redact_many(texts)
        if masked is not texts:
            for key, old, new in zip(_TEXT_ATTRS, texts, masked, strict=True):
                if new is not old:
                    d[key] = new


def _masked_exc_info(r: Redactor, ei: Any) -> Any:
    """``exc_info`` of the core's masked copy of the exception (``ei`` itself when clean).

    A traceback is rendered from the exception object: what it holds under a sensitive
    name (an attribute its ``__str__`` shows, an object in its args, a cause's) shows
    there without the name, so the object is walked before it is rendered.
    """
    exc = ei[1] if isinstance(ei, tuple) and len(ei) == 3 else None
    if not isinstance(exc, BaseException):
        return ei
    masked = masked_exception(r, exc)
    if masked is None:
        return ei
    return (type(masked), masked, masked.__traceback__)


def _scrub(record: logging.LogRecord) -> None:
    """Fail closed: keep the record's level, logger and place, drop what it carried."""
    try:
        d = record.__dict__
        for key in [k for k in d if k not in _STANDARD]:
            d[key] = ERROR_PLACEHOLDER
        record.msg, record.args = ERROR_PLACEHOLDER, ()
        record.exc_info = record.exc_text = record.stack_info = None
        for key in ("threadName", "processName", "taskName"):  # names the application chose
            if isinstance(d.get(key), str):
                d[key] = ERROR_PLACEHOLDER
        if "message" in d:
            record.message = ERROR_PLACEHOLDER
    except Exception:
        pass


class RedactingFormatter(logging.Formatter):
    """Wraps any formatter and masks its final output (``format``, exceptions, stacks).

    ``inner`` defaults to ``logging.Formatter(fmt, datefmt, style, validate)``; a
    format string in its place is ``fmt``, so ``RedactingFormatter("%(message)s")``
    and ``RedactingFormatter(fmt, datefmt, style)`` read as ``logging.Formatter``'s
    do, and it can be declared in ``dictConfig`` with ``"()"`` and ``fmt``/``datefmt``
    or with ``"class"`` and ``"format"``. Anything else without a ``format`` method
    raises ``TypeError``. If the inner formatter fails, the line becomes ``LEVEL logger
    [REDACTED:redaction-error]`` instead of logging's error report (which would
    print the raw arguments), and a ``RuntimeWarning`` is issued once.
    """

    def __init__(
        self,
        inner: logging.Formatter | str | None = None,
        datefmt: str | None = None,
        style: Literal["%", "{", "$"] = "%",
        validate: bool = True,
        *,
        redactor: Redactor | None = None,
        factory: Callable[[], Redactor] | None = None,
        fmt: str | None = None,
    ) -> None:
        if isinstance(inner, str):
            if fmt is not None:
                msg = "RedactingFormatter got a format string both as inner and as fmt="
                raise TypeError(msg)
            inner, fmt = None, inner
        elif inner is not None and not callable(getattr(inner, "format", None)):
            msg = (
                "RedactingFormatter inner must be a logging.Formatter (or a format string), "
                f"got {type(inner).__name__}"
            )
            raise TypeError(msg)
        super().__init__(fmt, datefmt, style, validate)
        self.inner = (
            inner if inner is not None else logging.Formatter(fmt, datefmt, style, validate)
        )
        self.redactor = _build(redactor, factory)
        self._warn = OnceWarner("RedactingFormatter")
        self._cut = _cut_fields(getattr(getattr(self.inner, "_style", None), "_fmt", None))

    def format(self, record: logging.LogRecord) -> str:
        """The inner formatter's line, masked.

        A field the format string cuts (``%(message).80s``, ``{message:.80}``) is masked
        on a copy of the record BEFORE the inner formatter cuts it: a secret cut in the
        middle is no longer recognisable in the line.
        """
        try:
            with telemetry.site("logging", record):
                if self._cut:
                    record = self._precut(record)
                # The walk's gate inlined (this runs for every line): a str message and
                # arguments that are all str or numbers merge to text the scan reads whole.
                args = record.args
                walk = type(record.msg) is not str
                if args and not walk:
                    if type(args) is tuple:
                        for arg in args:
                            if type(arg) not in _FLAT_ARGS:
                                walk = True
                                break
                    else:
                        walk = True
                if walk:
                    record = self._walked(record)
                if record.exc_info:
                    # The inner formatter renders the exception itself (or reuses what an
                    # earlier formatter cached in exc_text): hand it the core's masked copy
                    # on a copy of the record.
                    ei = _masked_exc_info(self.redactor, record.exc_info)
                    if ei is not record.exc_info:
                        record = copy.copy(record)
                        record.exc_info, record.exc_text = ei, None
                return self.redactor.redact(self.inner.format(record))
        except Exception as exc:
            self._warn(exc)
            return f"{record.levelname} {record.name} {ERROR_PLACEHOLDER}"

    def _walked(self, record: logging.LogRecord) -> logging.LogRecord:
        """``record``, or a copy whose arguments and non-str message the core has walked.

        The inner formatter merges them into text where a mapping argument has lost
        its name (``"%(password)s"``) and an object shows an attribute's value without
        it (``repr`` of a ``__slots__`` object): walked first, as ``RedactFilter`` does.
        Arguments that are all str or numbers are left to the scan of the line.
        """
        args, msg = record.args, record.msg
        walked = redact_args(self.redactor, args) if args else args
        shown = msg if isinstance(msg, str) else self.redactor.redact_obj(msg)
        if walked is args and shown is msg:
            return record
        out = copy.copy(record)
        out.args, out.msg = walked, shown
        return out

    def _precut(self, record: logging.LogRecord) -> logging.LogRecord:
        """A copy of ``record`` whose fields that the format cuts are already masked."""
        out = copy.copy(record)
        r = self.redactor
        for name in self._cut:
            if name == "message":
                out.msg, out.args = r.redact(record.getMessage()), None
            else:
                value = record.__dict__.get(name)
                if isinstance(value, str):
                    setattr(out, name, r.redact(value))
        return out

    def formatException(self, ei: Any) -> str:
        """The inner formatter's traceback of the core's masked copy of the exception, masked."""
        return self._safe(lambda: self.inner.formatException(_masked_exc_info(self.redactor, ei)))

    def formatStack(self, stack_info: str) -> str:
        """The inner formatter's stack text, masked."""
        return self._safe(lambda: self.inner.formatStack(stack_info))

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """Delegate to the inner formatter."""
        return self.inner.formatTime(record, datefmt)

    def _safe(self, render: Callable[[], str]) -> str:
        try:
            return self.redactor.redact(render())
        except Exception as exc:
            self._warn(exc)
            return ERROR_PLACEHOLDER


#: A field a format string cuts to a precision: ``%(message).80s``, ``{message:.80}``.
_CUT_PERCENT = re.compile(r"%\((?P<f>[^)]+)\)[#0 +\-]*[0-9]*\.[0-9]+[sra]")
_CUT_BRACE = re.compile(r"\{(?P<f>\w+)(?:![rsa])?:[^}]*\.[0-9]+[^}]*\}")


def _cut_fields(fmt: object) -> frozenset[str]:
    """The record attributes that the format string ``fmt`` truncates (none for ``$``)."""
    if not isinstance(fmt, str) or "." not in fmt:
        return frozenset()
    found = {m.group("f") for m in _CUT_PERCENT.finditer(fmt)}
    found.update(m.group("f") for m in _CUT_BRACE.finditer(fmt))
    return frozenset(found)


def install(
    redactor: Redactor | None = None,
    *,
    logger: logging.Logger | str | None = None,
) -> RedactFilter:
    """Put a :class:`RedactFilter` last on every handler of ``logger`` (default: root).

    Idempotent: a handler that already has a RedactFilter keeps it, and the
    filter found there is reused (and returned) for the other handlers. Call it
    after configuring handlers (``dictConfig`` replaces them). Raises
    :class:`~redact.exceptions.ConfigError` when the logger has no handlers,
    because logging's last-resort handler cannot be filtered.
    """
    target = logger if isinstance(logger, logging.Logger) else logging.getLogger(logger)
    handlers = list(target.handlers)
    if not handlers:
        name = target.name or "root"
        msg = f"logger {name!r} has no handlers to filter; configure logging before install()"
        raise ConfigError(msg)
    found = [f for h in handlers for f in h.filters if isinstance(f, RedactFilter)]
    flt = found[0] if found else RedactFilter(redactor)
    for handler in handlers:
        if not any(isinstance(f, RedactFilter) for f in handler.filters):
            handler.addFilter(flt)
    return flt
