"""The one place that knows which optional import belongs to which extra.

Every module that needs a dependency outside the base install imports it under
:func:`extra`::

    with extra("otel"):
        from opentelemetry.sdk.trace import SpanProcessor

A missing package then raises :class:`~redact.exceptions.MissingExtraError`
(a :class:`ModuleNotFoundError`) whose message names the extra to install,
``pip install 'redact-suite[otel]'``. Only the packages listed for that extra
in :data:`EXTRAS` are translated: a missing ``redact.*`` module or any other
import error is a bug and propagates unchanged.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager

from redact.exceptions import MissingExtraError

__all__ = ["DISTRIBUTION", "EXTRAS", "extra", "install_hint", "missing", "require"]

DISTRIBUTION = "redact-suite"

#: extra name -> top-level import names it provides. A test checks these names
#: against the extras declared in pyproject.toml.
EXTRAS: dict[str, tuple[str, ...]] = {
    "asgi": ("starlette",),
    "aws": ("boto3", "botocore"),
    "dask": ("dask", "distributed", "pandas", "pyarrow"),
    "detect": ("detect_secrets",),
    "hyperscan": ("hyperscan",),
    "otel": ("opentelemetry",),
    "otel-auto": ("opentelemetry",),
    "scan": ("rich",),
    "secrets": ("cryptography", "jwt", "joserfc"),
    "structlog": ("structlog",),
    "vault": ("hvac",),
}


def install_hint(name: str) -> str:
    """The pip command that installs extra ``name``: ``pip install 'redact-suite[name]'``."""
    return f"pip install '{DISTRIBUTION}[{name}]'"


def _top(module: str | None) -> str:
    return (module or "").partition(".")[0]


@contextmanager
def extra(name: str, *, feature: str = "") -> Iterator[None]:
    """Translate a missing package of extra ``name`` into :class:`MissingExtraError`.

    ``feature`` (e.g. ``"redact.integrations.otel"``) names what needed it in the
    message. Raises :class:`KeyError` for an extra that does not exist.
    """
    packages = EXTRAS[name]
    try:
        yield
    except ModuleNotFoundError as exc:
        if isinstance(exc, MissingExtraError) or _top(exc.name) not in packages:
            raise
        what = feature or "this feature"
        msg = f"{what} needs the '{name}' extra ({exc.name} is not installed): {install_hint(name)}"
        raise MissingExtraError(msg, extra=name, name=exc.name) from exc


def require(name: str, *, feature: str = "") -> None:
    """Import every package of extra ``name`` or raise :class:`MissingExtraError`."""
    with extra(name, feature=feature):
        for module in EXTRAS[name]:
            importlib.import_module(module)


def missing(name: str) -> str | None:
    """``None`` when extra ``name`` is importable, else the :class:`MissingExtraError` message."""
    try:
        require(name)
    except MissingExtraError as exc:
        return str(exc)
    return None
