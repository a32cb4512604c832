"""Private helpers shared by the web adapters (ASGI and OpenTelemetry).

URLs, query strings, header names and SQL literals are the places where a
secret travels *under a name*: ``?access_token=...``, ``user:pass@host``,
``Authorization: ...``, ``password = '...'``. These helpers mask such values
whole, by name, before the value detectors of the :class:`~redact.Redactor`
run over the rest. Nothing here imports a web framework.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote_plus

from redact import Redactor
from redact.keynames import normalize

__all__ = [
    "DEFAULT_SENSITIVE_HEADERS",
    "DEFAULT_SENSITIVE_QUERY_PARAMS",
    "NameSet",
    "mask_for",
    "mask_query",
    "mask_sql",
    "mask_url",
]

#: Header names whose values are always masked in what observability records.
DEFAULT_SENSITIVE_HEADERS: tuple[str, ...] = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-auth-token",
    "x-csrf-token",
    "x-amz-security-token",
)

#: Query parameter names whose values are always masked (besides sensitive key names).
DEFAULT_SENSITIVE_QUERY_PARAMS: tuple[str, ...] = (
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "client_secret",
    "password",
    "pass",
    "pwd",
    "auth",
    "code",
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    "session",
    "sessionid",
    "jwt",
)


def mask_for(label: str) -> str:
    """The mask that replaces a value found by its name: ``[REDACTED:<label>]``."""
    return "[REDACTED:" + (re.sub(r"[^A-Za-z0-9._\-]", "-", label)[:80] or "secret") + "]"


class NameSet:
    """Names compared after :func:`redact.keynames.normalize`, plus the redactor's key names."""

    __slots__ = ("_names", "_redactor")

    def __init__(self, redactor: Redactor, names: Iterable[str]) -> None:
        self._redactor = redactor
        self._names = frozenset(normalize(n) for n in names)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return normalize(name) in self._names or self._redactor.is_sensitive_key(name)


def mask_query(query: str, names: NameSet, redactor: Redactor) -> str:
    """Mask the values of sensitive parameters in a raw query string, keep its layout.

    The parameter names, their order and the encoding of the other values are
    kept as sent; the whole result then goes through the redactor's value
    detectors. Returns ``query`` itself when nothing was found.
    """
    if not query:
        return query
    changed = False
    parts = query.split("&")
    for i, part in enumerate(parts):
        name, sep, value = part.partition("=")
        if sep and value and unquote_plus(name) in names:
            parts[i] = name + "=" + mask_for(unquote_plus(name))
            changed = True
    out = "&".join(parts) if changed else query
    redacted = redactor.redact(out)
    if redacted is out and _decoded_differs(out):
        # A value may hide behind percent-encoding; scan the decoded form too.
        decoded = unquote_plus(out)
        if redactor.redact(decoded) is not decoded:
            redacted = redactor.redact(decoded)
    return redacted if (changed or redacted is not out) else query


def _decoded_differs(text: str) -> bool:
    return "%" in text or "+" in text


_USERINFO = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^/?#@:]*):(?P<pw>[^/?#@]*)@"
)


def mask_url(url: str, names: NameSet, redactor: Redactor) -> str:
    """Mask the password of ``user:pass@`` and sensitive query parameters of a URL.

    The user name and the rest of the URL are kept; the result goes through the
    redactor's value detectors. Returns ``url`` itself when nothing was found.
    """
    out = url
    m = _USERINFO.match(out)
    if m and m.group("pw"):
        out = f"{m.group('scheme')}{m.group('user')}:{mask_for('url-password')}@{out[m.end() :]}"
    path, qmark, rest = out.partition("?")
    if qmark:
        query, hash_, fragment = rest.partition("#")
        masked = mask_query(query, names, redactor)
        if masked is not query:
            out = path + "?" + masked + hash_ + fragment
    redacted = redactor.redact(out)
    return url if redacted == url else redacted


# ``password = 'x'``, ``"api_key"='x'``, ``token:=$$x$$`` in SQL text: a literal assigned to,
# or compared with, a sensitive column name.
_SQL_ASSIGN = re.compile(
    r"""(?P<col>[`"\[]?[A-Za-z_][A-Za-z0-9_]*[`"\]]?)\s*(?P<op>=|:=|!=|<>|\bLIKE\b)\s*"""
    r"""(?P<q>')(?P<val>(?:[^']|'')*)'""",
    re.IGNORECASE,
)


def mask_sql(statement: str, redactor: Redactor) -> str:
    """Mask string literals assigned to or compared with sensitive columns, then detect values."""
    changed = False

    def repl(m: re.Match[str]) -> str:
        nonlocal changed
        col = m.group("col").strip('`"[]')
        if m.group("val") and redactor.is_sensitive_key(col):
            changed = True
            return f"{m.group('col')} {m.group('op')} '{mask_for(col)}'"
        return m.group(0)

    out = _SQL_ASSIGN.sub(repl, statement) if "'" in statement else statement
    out = out if changed else statement
    redacted = redactor.redact(out)
    return redacted if (changed or redacted is not out) else statement
