"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

import base64
import enum
import html
import itertools
import json
import quopri
import re
import shlex
import string
import urllib.parse
from collections.abc import Callable

from hypothesis import strategies as st

#: Synthetic secret values: long enough to register, drawn from a wide alphabet.
secret_values = st.text(
    alphabet=string.ascii_letters + string.digits + "!#%&*+-./:;=?@^_~ é€",
    min_size=8,
    max_size=40,
).filter(lambda s: s.strip() == s and len(set(s)) > 3)

#: Ordinary log text around the secrets (no newline, so it reads like a line).
filler = st.text(alphabet=string.printable.replace("\n", "").replace("\r", ""), max_size=60)

#: Plain words that no rule or key name matches.
clean_words = st.lists(
    st.sampled_from(
        [
            "request",
            "handled",
            "user",
            "alice",
            "status",
            "200",
            "path",
            "/api/v1",
            "ok",
            "duration",
            "ms",
            "GET",
            "cache",
            "miss",
            "retry",
            "queue",
            "worker",
            "done",
        ]
    ),
    min_size=0,
    max_size=30,
).map(" ".join)


def encodings() -> st.SearchStrategy[str]:
    """Names of the encodings a registered value is also found in."""
    return st.sampled_from(["raw", "b64", "b64url", "percent", "json", "hex", "b64-embedded"])


#: Sensitive names as frameworks spell them (headers, env, WSGI META, form fields).
sensitive_names = st.sampled_from(
    [
        "password",
        "Authorization",
        b"authorization",
        "x-api-key",
        "X-Api-Key",
        "Cookie",
        b"set-cookie",
        "DB_PASSWORD",
        "client_secret",
        "HTTP_AUTHORIZATION",
        "HTTP_COOKIE",
        "HTTP_PROXY_AUTHORIZATION",
        "HTTP_X_API_KEY",
        "session_id",
    ]
)


def _as(name: str | bytes, value: str) -> str | bytes:
    """``value`` in the same type as ``name`` (ASGI pairs are bytes, WSGI pairs str)."""
    return value.encode() if isinstance(name, bytes) else value


def named_value_shapes(value: str) -> st.SearchStrategy[object]:
    """``value`` held under a sensitive name in each shape the object walk understands.

    Pairs (tuple, list, 3-tuple, bytes), pair lists (as after a JSON round trip),
    name/value records (Kubernetes/ECS env, HAR, AWS tags, CloudFormation) and
    mappings (WSGI ``request.META`` spellings included).
    """
    text_names = sensitive_names.filter(lambda n: isinstance(n, str))

    def records(name: str) -> st.SearchStrategy[object]:
        return st.sampled_from(
            [
                {"name": name, "value": value},
                {"Name": name, "Value": value},
                {"key": name, "value": value, "type": "text"},
                {"Key": name, "Value": value},
                {"ParameterKey": name, "ParameterValue": value},
                {"name": name, "value": value, "httpOnly": True, "secure": True},
            ]
        )

    pairs = sensitive_names.flatmap(
        lambda n: st.sampled_from(
            [
                (n, _as(n, value)),
                [n, _as(n, value)],
                (n, _as(n, value), "/"),
                [[n, _as(n, value)]],
                [(b"host", b"example.org"), (n, _as(n, value))],
            ]
        )
    )
    return st.one_of(
        pairs,
        text_names.flatmap(records),
        text_names.map(
            lambda n: {"env": [{"name": "HOME", "value": "/"}, {"name": n, "value": value}]}
        ),
        text_names.map(lambda n: {n: value, "HTTP_HOST": "example.org"}),
    )


class _ShowsAttr(dict):  # type: ignore[type-arg]
    """A dict subclass whose repr shows an attribute its items do not hold."""

    def __init__(self, hidden: str, **items: object) -> None:
        super().__init__(**items)
        self.hidden = hidden

    def __repr__(self) -> str:
        return f"_ShowsAttr(conn=db://app:{self.hidden}@h, {dict.__repr__(self)})"

    __str__ = __repr__


class _ListShows(list):  # type: ignore[type-arg]
    """A list subclass whose str shows a label kept outside its items."""

    def __init__(self, label: str, items: list[object]) -> None:
        super().__init__(items)
        self.label = label

    def __repr__(self) -> str:
        return f"<{self.label}: {list.__repr__(self)}>"

    __str__ = __repr__


def shown_container_builders() -> dict[str, Callable[[str], object]]:
    """Containers (mappings, sequences, their subclasses) and objects whose ``str()`` or
    ``repr()`` show ``value`` although walking their items does not reach it (or only
    part of the way): what a sink prints must be checked, not only the items."""
    import array
    import collections
    import configparser
    import email.message
    import http.cookiejar
    import http.cookies
    import urllib.request

    def cookie(v: str) -> object:
        c: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        c["sid"] = v
        c["theme"] = "dark"
        return c

    def morsel(v: str) -> object:
        return cookie(v)["sid"]

    def jar_cookie(v: str) -> http.cookiejar.Cookie:
        return http.cookiejar.Cookie(
            0, "sid", v, None, False, "h.example", False, False, "/", False,
            False, None, False, None, None, {},
        )  # fmt: skip

    def jar(v: str) -> object:
        j = http.cookiejar.CookieJar()
        j.set_cookie(jar_cookie(v))
        return j

    def message(v: str) -> object:
        m = email.message.Message()
        m["Subject"] = "hello"
        m["Authorization"] = "Bearer " + v
        return m

    def request(v: str) -> object:
        return urllib.request.Request(
            "https://h.example/", headers={"Authorization": "Bearer " + v}
        )

    def config(v: str) -> object:
        cp = configparser.ConfigParser(interpolation=None)
        cp.read_string(f"[db]\nhost = h\nnote = {v}\n")
        return cp["db"]

    class Mapped(collections.UserDict):  # type: ignore[type-arg]
        pass

    return {
        "SimpleCookie": cookie,
        "Morsel": morsel,
        "cookie-in-dict": lambda v: {"cookies": cookie(v)},
        "cookiejar.Cookie": jar_cookie,
        "CookieJar": jar,
        "email.Message": message,
        "urllib.Request": request,
        "configparser-section": config,
        "UserDict": lambda v: Mapped({"a": "x " + v}),
        "UserString": lambda v: collections.UserString("x " + v),
        "array": lambda v: array.array("u", v),
        "dict-subclass-repr": lambda v: _ShowsAttr(v, a="plain"),
        "dict-subclass-repr-nested": lambda v: [{"x": _ShowsAttr(v)}],
        "list-subclass-repr": lambda v: _ListShows("pool " + v, ["a"]),
        "OrderedDict": lambda v: collections.OrderedDict(a="x " + v),
        "deque": lambda v: collections.deque(["x " + v]),
    }


def named_key_shapes(value: str) -> st.SearchStrategy[dict[object, object]]:
    """``value`` in a mapping under a KEY that is not a plain str but names a secret.

    Tuple keys (one name, a path ending or containing it), frozenset keys, bytes
    keys, and ``Enum``/``IntEnum``/str-``Enum`` members named after it.
    """
    text_names = sensitive_names.filter(lambda n: isinstance(n, str))

    def member(name: str, kind: type[enum.Enum]) -> object:
        values: dict[type[enum.Enum], object] = {enum.IntEnum: 7, enum.StrEnum: "field"}
        return kind("Field", {name: values.get(kind, 1)})[name]  # type: ignore[call-overload]

    return st.one_of(
        text_names.map(lambda n: {(n,): value}),
        text_names.map(lambda n: {("db", n): value}),
        text_names.map(lambda n: {("app", n, "current"): value}),
        text_names.map(lambda n: {frozenset({n}): value}),
        text_names.map(lambda n: {n.encode(): value}),
        st.tuples(text_names, st.sampled_from([enum.Enum, enum.IntEnum, enum.StrEnum])).map(
            lambda t: {member(*t): value}
        ),
    )


# -- forms of a registered value (issue 10 §6): one encoder per row ---------------------


def _entities(value: str, fmt: str) -> str:
    return "".join(c if c.isascii() and c.isalnum() else fmt % ord(c) for c in value)


def _replace_all(value: str, table: dict[str, str]) -> str:
    return "".join(table.get(c, c) for c in value)


def _cp1252(value: str) -> str:
    raw = value.encode("utf-8")
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in raw)


def _dotnet_json(value: str) -> str:
    """System.Text.Json's default encoder: HTML-sensitive and non-ASCII as upper \\uXXXX."""
    out = []
    for c in value:
        if c == "\\":
            out.append("\\\\")
        elif c in "<>&'\"+`" or not c.isascii():
            out.append("".join(f"\\u{u:04X}" for u in _utf16(c)))
        else:
            out.append(c)
    return "".join(out)


def _utf16(c: str) -> list[int]:
    raw = c.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]


def _full_width(value: str) -> str:
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value
    )


def _math_bold(value: str) -> str:
    def one(c: str) -> str:
        if "A" <= c <= "Z":
            return chr(0x1D400 + ord(c) - ord("A"))
        if "a" <= c <= "z":
            return chr(0x1D41A + ord(c) - ord("a"))
        if "0" <= c <= "9":
            return chr(0x1D7CE + ord(c) - ord("0"))
        return c

    return "".join(one(c) for c in value)


def _b64(raw: bytes, *, urlsafe: bool = False, pad: bool = True) -> str:
    enc = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).decode()
    return enc if pad else enc.rstrip("=")


_HTML_SAFE = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _percent_every_byte(value: str, case: str = "upper") -> str:
    """Every byte as ``%XX``, letters and digits too (hex upper, lower or mixed)."""
    out = []
    for i, b in enumerate(value.encode()):
        hx = f"{b:02X}"
        if case == "lower" or (case == "mixed" and i % 2):
            hx = hx.lower()
        out.append("%" + hx)
    return "".join(out)


def _escape_punct(value: str, prefix: str, chars: str | None = None) -> str:
    """``prefix`` before each punctuation character (or each of ``chars``)."""
    return "".join(
        prefix + c if (c in chars if chars is not None else not c.isalnum()) else c for c in value
    )


def _entities_no_semicolon(value: str) -> str:
    """``&#NN`` without ``;`` where the next character is not a digit (a lenient encoder)."""
    out = []
    for i, c in enumerate(value):
        if c.isascii() and c.isalnum():
            out.append(c)
        else:
            nxt = value[i + 1 : i + 2]
            out.append(f"&#{ord(c)}" + (";" if nxt.isdigit() or not nxt else ""))
    return "".join(out)


def _octal(value: str) -> str:
    """C / bash ``printf`` octal escapes of each non-alphanumeric UTF-8 byte."""
    return "".join(
        chr(b) if chr(b).isalnum() and b < 0x80 else f"\\{b:03o}" for b in value.encode()
    )


def _mojibake(value: str) -> str:
    return value.encode("utf-8").decode("latin-1")


#: A config file holding the value: its base64 is long enough to be wrapped (MIME, PEM).
def _document(value: str) -> bytes:
    return f"[client]\nuser=admin\npassword={value}\nhost=db.internal\n".encode()


def _wrapped(value: str, width: int, sep: str) -> str:
    enc = base64.b64encode(_document(value)).decode()
    return sep.join(enc[i : i + width] for i in range(0, len(enc), width))


def _qp_split(value: str, soft: str) -> str:
    """``value`` quoted-printable encoded (RFC 2045) with a soft line break in its middle,
    where an encoder's 76-column limit would fall (never inside an ``=XX`` escape)."""
    enc = quopri.encodestring(value.encode()).decode().rstrip("\n")
    enc = enc.replace("=\n", "")  # one line: the break is placed below
    at = len(enc) // 2
    while at > 0 and "=" in enc[max(at - 2, 0) : at]:
        at -= 1  # not inside an escape: before it
    return enc[:at] + soft + enc[at:]


def _folded(value: str, blank: str) -> str:
    """``value`` split by a folded line (CRLF and a blank), as a header folder writes it."""
    at = max(len(value) // 2, 1)
    return value[:at] + "\r\n" + blank + value[at:]


#: Each way a framework, logger or CI runner rewrites a value, as ``value -> shown``.
FORMS: dict[str, Callable[[str], str]] = {
    "raw": lambda v: v,
    "html-named": html.escape,
    "html-markupsafe": lambda v: _replace_all(v, {**_HTML_SAFE, '"': "&#34;", "'": "&#39;"}),
    "xml-apos": lambda v: _replace_all(v, {**_HTML_SAFE, '"': "&quot;", "'": "&apos;"}),
    "html-decimal": lambda v: _entities(v, "&#%d;"),
    "html-hex": lambda v: _entities(v, "&#x%x;"),
    "html-hex-upper": lambda v: _entities(v, "&#X%X;"),
    "json-in-html": lambda v: html.escape(json.dumps(v)[1:-1]),
    "python-repr-escape": lambda v: v.replace("\\", "\\\\").replace("'", "\\'"),
    "python-ascii-xNN": lambda v: ascii(v + "'\"")[1:-4],
    "bytes-xNN-every-byte": lambda v: "".join(f"\\x{b:02x}" for b in v.encode()),
    "dotnet-json-uXXXX": _dotnet_json,
    "go-json-html-escape": lambda v: _replace_all(
        json.dumps(v, ensure_ascii=False)[1:-1], {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
    ),
    "sql-doubled-single-quote": lambda v: v.replace("'", "''"),
    "csv-doubled-double-quote": lambda v: v.replace('"', '""'),
    "shell-quote": lambda v: shlex.quote(v)[1:-1] if shlex.quote(v) != v else v,
    "cmdline-escaped-double-quote": lambda v: v.replace('"', '\\"'),
    "mojibake-latin1": lambda v: v.encode().decode("latin-1"),
    "mojibake-cp1252": _cp1252,
    "full-width": _full_width,
    "nfkc-math-bold": _math_bold,
    "b64-of-percent": lambda v: _b64(urllib.parse.quote(v, safe="").encode()),
    "b64url-of-percent": lambda v: _b64(urllib.parse.quote(v, safe="").encode(), urlsafe=True),
    "double-percent": lambda v: urllib.parse.quote(urllib.parse.quote(v, safe=""), safe=""),
    "b64-shift1-standalone": lambda v: _b64(v.encode()[1:]),
    "b64-shift2-standalone": lambda v: _b64(v.encode()[2:]),
    "b64url-shift1-nopad": lambda v: _b64(v.encode()[1:], urlsafe=True, pad=False),
    "b64url-shift2-nopad": lambda v: _b64(v.encode()[2:], urlsafe=True, pad=False),
    # percent-encoding, every member (decoded at scan time)
    "percent-every-byte": _percent_every_byte,
    "percent-every-byte-lower": lambda v: _percent_every_byte(v, "lower"),
    "percent-mixed-case-hex": lambda v: _percent_every_byte(v, "mixed"),
    "percent-plus-for-space": lambda v: urllib.parse.quote_plus(v, safe=""),
    "double-percent-every-byte": lambda v: _percent_every_byte(_percent_every_byte(v)),
    # base64, nested and wrapped (decoded at scan time)
    "b64-utf16le-powershell": lambda v: _b64(v.encode("utf-16-le")),
    "b64-of-b64": lambda v: _b64(_b64(v.encode()).encode()),
    "b64-of-mojibake": lambda v: _b64(_mojibake(v).encode()),
    "b64-of-double-mojibake": lambda v: _b64(_mojibake(_mojibake(v)).encode()),
    "mojibake-double": lambda v: _mojibake(_mojibake(v)),
    "b64-mime-76-lf": lambda v: _wrapped(v, 76, "\n"),
    "b64-pem-64-crlf": lambda v: _wrapped(v, 64, "\r\n"),
    "b64-wrapped-literal-backslash-n": lambda v: _wrapped(v, 64, "\\n"),
    "b64url-nopad": lambda v: _b64(v.encode(), urlsafe=True, pad=False),
    # line-folding encodings that split a value (joined at scan time)
    "qp-soft-break-crlf": lambda v: _qp_split(v, "=\r\n"),
    "qp-soft-break-lf": lambda v: _qp_split(v, "=\n"),
    "qp-soft-break-padded": lambda v: _qp_split(v, "= \t\r\n"),
    "header-fold-space": lambda v: _folded(v, " "),
    "header-fold-tab": lambda v: _folded(v, "\t"),
    # escapes (decoded at scan time)
    "shell-backslash": lambda v: _escape_punct(v, "\\"),
    "cmd-caret": lambda v: _escape_punct(v, "^", "&|<>^()"),
    "powershell-backtick": lambda v: _escape_punct(v, "`"),
    "html-decimal-no-semicolon": _entities_no_semicolon,
    "html-hex-lower-x-upper-digits": lambda v: _entities(v, "&#x%X;"),
    "json-u-every-punct": lambda v: _entities(v, "\\u%04x"),
    "json-escaped-slash": lambda v: json.dumps(v)[1:-1].replace("/", "\\/"),
    "python-x-escapes": lambda v: "".join(
        f"\\x{ord(c):02x}" if not c.isalnum() and ord(c) < 256 else c for c in v
    ),
    "octal-escapes": _octal,
    "csharp-verbatim-doubled-quote": lambda v: v.replace('"', '""'),
    # hex (decoded at scan time; literal for values shorter than the run decoder's minimum)
    "hex-lower": lambda v: v.encode().hex(),
    "hex-upper": lambda v: v.encode().hex().upper(),
    "hex-utf16le": lambda v: v.encode("utf-16-le").hex(),
    "hex-utf16le-upper": lambda v: v.encode("utf-16-le").hex().upper(),
}
#: Values with markup characters inside (a raw ``<`` or ``>`` used to end an element's text).
markup_values = st.text(
    alphabet=string.ascii_letters + string.digits + "<>&;()-_ /=!",
    min_size=6,
    max_size=30,
).filter(lambda s: s.strip() == s and sum(ch.isalnum() for ch in s) >= 6 and "</" not in s)

#: URL passwords: letters and digits with the characters that used to end a userinfo early.
userinfo_passwords = st.text(
    alphabet=string.ascii_letters + string.digits + "@/#?:%!$&*+-_.~",
    min_size=6,
    max_size=24,
).filter(
    lambda s: (
        sum(ch.isalnum() for ch in s) >= 6
        and not s.endswith(("@", "/", ":"))
        # an '@' followed by a host that ends an authority for sure (a dotted name, a name with
        # a port) is that host: ``u:p@db.example.com?@x`` is a URL with a query, not a password
        and re.search(r"@[\w~%!$&*+-]*(?:\.[\w-]|:\d)", s) is None
    )
)

#: Values for the carrier grammar: the characters that used to end a value too early
#: (; & , ( ) < > @ = spaces quotes, no-break and other Unicode spaces) among letters and digits.
grammar_values = st.text(
    alphabet=string.ascii_letters + string.digits + ";&,()<>@ '\"=:/?#\u00a0\u2003\u3000",
    min_size=8,
    max_size=32,
).filter(lambda s: s.strip() == s and sum(ch.isalnum() for ch in s) >= 6)


# -- argument vectors (issue 10: a list of strings is the command line it runs) ---------


def _argv_rows() -> list[Callable[[str], list[str]]]:
    """One argv builder per secret argument of the command vocabulary (redact._commands)."""
    from redact._commands import COMMANDS

    rows: list[Callable[[str], list[str]]] = []
    for cmd in COMMANDS:
        head = [cmd.names[0], *cmd.sub]
        for flag in cmd.flags:
            if flag.endswith(":"):
                rows.append(lambda v, h=head, f=flag: [*h, f + v, "--next"])
                continue
            rows.append(lambda v, h=head, f=flag: [*h, f, v, "--next"])
            if cmd.getopt and len(flag) == 2:
                rows.append(lambda v, h=head, f=flag: [*h, f + v])  # -pv
        for flag in cmd.user_flags:
            sep = cmd.user_sep
            rows.append(lambda v, h=head, f=flag, s=sep: [*h, f, "bob" + s + v])
        for flag in cmd.prefixed:
            rows.append(lambda v, h=head, f=flag: [*h, f, "pass:" + v])
    rows += [
        lambda v: ["vault", "login", v],
        lambda v: ["git", "config", "--global", "github.token", v],
        lambda v: ["npm", "config", "set", "//registry.test/:_authToken", v],
        lambda v: ["psql", "--password=" + v],
        lambda v: ["deploy", "--api-token", v, "--env", "prod"],
        lambda v: ["/usr/bin/mysql", "-h", "db", "-p" + v],
        lambda v: ["sudo", "-E", "mysql", "-uroot", "-p" + v],
    ]
    return rows


ARGV_ROWS = _argv_rows()


def argv_shapes(value: str) -> st.SearchStrategy[object]:
    """``value`` as a secret argument of an argument vector, and where such vectors travel:
    a list, a tuple, a ``subprocess``-style ``args=`` field, a nested event.

    ``vault login k=v`` passes a parameter, not the token: a value with ``=`` is not
    planted there (documented in docs/what-is-masked.md)."""
    rows = [r for r in ARGV_ROWS if "=" not in value or r("")[:2] != ["vault", "login"]]
    argv = st.sampled_from(rows).map(lambda row: row(value))
    return st.one_of(
        argv,
        argv.map(tuple),
        argv.map(lambda a: {"event": "spawn", "args": a, "returncode": 1}),
        argv.map(lambda a: {"extra": {"cmd": tuple(a)}}),
        argv.map(lambda a: [{"step": "login", "argv": a}]),
    )


# -- hex keys and UUIDs: one value, any letter case, with or without dashes (issue 10 §6) --


def _dashed(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


#: A hex value (a key, a digest, a UUID) as libraries print it: how it was registered
#: does not decide how it is logged.
HEX_FORMS: dict[str, Callable[[str], str]] = {
    "as-registered": lambda v: v,
    "upper": str.upper,
    "lower": str.lower,
    "dashless": lambda v: v.replace("-", ""),
    "dashless-upper": lambda v: v.replace("-", "").upper(),
    "dashed": lambda v: _dashed(v.replace("-", "")) if len(v.replace("-", "")) == 32 else v,
    "dashed-upper": lambda v: (
        _dashed(v.replace("-", "")).upper() if len(v.replace("-", "")) == 32 else v.upper()
    ),
    "braced-upper": lambda v: "{" + v.upper() + "}",
    "urn": lambda v: "urn:uuid:" + v.lower(),
}

_HEX = "0123456789abcdef"
#: Hex values in the shapes providers load: UUIDs (dashed or not), 40/64-digit keys, any case.
hex_values = (
    st.one_of(
        st.text(alphabet=_HEX, min_size=32, max_size=32).map(_dashed),
        st.text(alphabet=_HEX, min_size=32, max_size=32),
        st.text(alphabet=_HEX, min_size=40, max_size=40),
        st.text(alphabet=_HEX, min_size=64, max_size=64),
    )
    .filter(lambda v: len(set(v)) > 6)
    .flatmap(lambda v: st.sampled_from([v, v.upper()]))
)


# -- multi-line values with harmless lines (issue 10 §6: never mask a harmless line alone) --

#: Lines of a config block that identify nothing on their own (``{n}``: a random number).
HARMLESS_LINES = [
    "[client]",
    "[database]",
    "user = app",
    "user=root",
    "port = 5432",
    "host = db-{n}.internal.example.com",
    "url = https://db-{n}.internal.example.com:5432/app",
    "endpoint: https://api.example.com/v{n}/tokens",
    "socket = /var/run/mysqld/mysqld-{n}.sock",
    "log_dir = /srv/app/releases/2026{n}/logs",
    "admin_email = ops{n}@example.com",
    "updated = 2026-01-0{n}T10:20:30Z",
    "address = 10.0.{n}.17:6379",
    "default-character-set=utf8mb4",
    "# generated by deploy-{n}",
]


@st.composite
def config_blocks(draw: st.DrawFn, secret: str) -> tuple[str, list[str]]:
    """A multi-line config value holding ``secret`` under a sensitive name, and its harmless
    lines (what must never be masked when they are logged on their own)."""
    n = draw(st.integers(min_value=1, max_value=9))
    lines = draw(st.lists(st.sampled_from(HARMLESS_LINES), min_size=2, max_size=6, unique=True))
    harmless = [line.replace("{n}", str(n)) for line in lines]
    at = draw(st.integers(min_value=0, max_value=len(harmless)))
    name = draw(st.sampled_from(["password", "token", "api_key", "secret"]))
    body = [*harmless[:at], f"{name} = {secret}", *harmless[at:]]
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    return eol.join(body) + eol, harmless


#: Values that start with punctuation (``password=*Qv8...``, ``--http-password ==Qv8...``):
#: a value's first character is not a sigil there, the carrier still masks it whole.
punctuation_led_values = st.tuples(st.sampled_from("*^+.~!?=:;,@"), grammar_values).map("".join)

#: User names that are tokens (``https://TOKEN@github.com``): token alphabet, 16-64
#: characters, mixed case and digits (what a PAT or an installation token looks like).
token_users = (
    st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=16, max_size=64)
    .filter(lambda s: any(c.isdigit() for c in s) and any(c.isupper() for c in s))
    .filter(lambda s: any(c.islower() for c in s))
)


# -- private-key blocks and multi-line values, cut anywhere (issue 9, streams) ----------

_B64_ALPHABET = string.ascii_letters + string.digits + "+/"
#: (BEGIN label, dashes) of the private-key armours the shipped rules know.
KEY_ARMOURS = [
    ("RSA PRIVATE KEY", "-----"),
    ("EC PRIVATE KEY", "-----"),
    ("DSA PRIVATE KEY", "-----"),
    ("PRIVATE KEY", "-----"),
    ("ENCRYPTED PRIVATE KEY", "-----"),
    ("OPENSSH PRIVATE KEY", "-----"),
    ("PGP PRIVATE KEY BLOCK", "-----"),
    ("SSH2 ENCRYPTED PRIVATE KEY", "----"),
]
#: How a block is carried: its own lines, CRLF, one JSON string (``\n`` escapes),
#: a YAML ``|`` block (indented), one line of space-separated words, a list of its
#: lines (JSON array, YAML block list), an XML element.
KEY_CARRIERS = ["lines", "crlf", "json", "yaml", "spaces", "json-array", "yaml-list", "xml"]


def _armour(label: str, dashes: str, word: str) -> str:
    pad = " " if dashes == "----" else ""
    return f"{dashes}{pad}{word} {label}{pad}{dashes}"


@st.composite
def key_blocks(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A synthetic private-key block as it reaches a log: ``(text, body fragments)``.

    Any armour, any carrier, complete or cut off anywhere after its first body
    character (no END line, or in the middle of a body line). The fragments are
    the body's pieces (each at least 6 characters) that must not survive
    redaction; the text never ends with a line break.
    """
    label, dashes = draw(st.sampled_from(KEY_ARMOURS))
    carrier = draw(st.sampled_from(KEY_CARRIERS))
    n = draw(st.integers(1, 8))
    body = [
        "".join(draw(st.lists(st.sampled_from(_B64_ALPHABET), min_size=64, max_size=64)))
        for _ in range(n)
    ]
    body[-1] = body[-1][: draw(st.integers(8, 64))] + draw(st.sampled_from(["", "=", "=="]))
    cut = draw(st.sampled_from(["complete", "no-end", "mid-line"]))
    if cut == "mid-line":
        k = draw(st.integers(0, n - 1))
        body = [*body[:k], body[k][: draw(st.integers(1, len(body[k])))]]
    head = []
    if label == "ENCRYPTED PRIVATE KEY" and draw(st.booleans()):
        head = ["Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,0A1B2C3D4E5F6A7B", ""]
    if label.startswith("PGP") and draw(st.booleans()):
        head = ["Version: GnuPG v2", ""]
    lines = [_armour(label, dashes, "BEGIN"), *head, *body]
    if cut == "complete":
        lines.append(_armour(label, dashes, "END"))
    if carrier == "spaces":
        lines = [ln for ln in lines if ln]
        text = " ".join(lines)
    elif carrier == "json":
        text = '{"key": ' + json.dumps("\n".join(lines))
        text = text + "}" if cut == "complete" else text[:-1]  # a cut line loses its tail
    elif carrier == "yaml":
        text = "key: |\n" + "\n".join("  " + ln if ln else "" for ln in lines)
    elif carrier == "json-array":
        text = '{"key_lines": ' + json.dumps(lines) + "}"
    elif carrier == "yaml-list":
        text = "key_lines:\n" + "\n".join(f"  - '{ln}'" for ln in lines) + "\nnext: 1"
    elif carrier == "xml":
        text = "<key>" + "\n".join(lines) + "</key>"
    else:
        text = ("\r\n" if carrier == "crlf" else "\n").join(lines)
    if carrier == "spaces" and len(body[-1]) < 16 and len(body) == 1:
        body = []  # "BEGIN ... KEY----- abc" on one line: too little to tell from prose
    fragments = [piece for line in body for piece in _pieces(line)]
    return text, fragments


def _pieces(line: str, size: int = 6) -> list[str]:
    """``line`` in consecutive pieces of ``size`` (the last one at least ``size`` long)."""
    if len(line) < size:
        return []
    return [line[i : i + size] for i in range(0, len(line) - size + 1, size)]


@st.composite
def multiline_logs(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """A log with private-key blocks and registered multi-line values planted among lines.

    Returns ``(text, fragments, registered)``: ``fragments`` are the key bodies'
    pieces that must not survive, ``registered`` the multi-line values to register
    before redacting (none of whose lines may survive where the whole value was).
    """
    parts: list[str] = []
    forbidden: list[str] = []
    registered: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["filler", "key", "value"]))
        if kind == "key":
            text, fragments = draw(key_blocks())
            parts.append(draw(clean_words) + " " + text)
            forbidden += fragments
        elif kind == "value":
            value_lines = [
                "".join(draw(st.lists(st.sampled_from(_B64_ALPHABET), min_size=6, max_size=20)))
                for _ in range(draw(st.integers(2, 4)))
            ]
            value = draw(st.sampled_from(["\n", "\r\n"])).join(value_lines)
            registered.append(value)
            parts.append(f"config: {value} tail")
        else:
            parts.append(draw(clean_words))
    return "\n".join(parts) + "\n", forbidden, registered


#: Log sentences in scripts whose usual legacy encodings are not UTF-8, with those encodings.
LEGACY_TEXTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ja": (
        "サーバーが起動しました。接続を確認しています。ユーザーがログインしました。",
        ("shift_jis", "cp932", "euc_jp", "iso2022_jp", "utf-16-le", "utf-16-be"),
    ),
    "zh": (
        "服务器已启动。正在检查数据库连接状态。用户已登录系统。",
        ("gb18030", "gbk", "utf-16-le", "utf-16-be"),
    ),
    "zh-tw": ("伺服器已啟動。正在檢查資料庫連線狀態。使用者已登入系統。", ("big5",)),
    "ko": ("서버가 시작되었습니다. 데이터베이스 연결을 확인하는 중입니다.", ("euc_kr", "cp949")),
    "ru": (
        "Сервер запущен. Проверка соединения с базой данных. Пользователь вошёл в систему.",
        ("cp1251", "koi8_r", "cp866", "utf-16-le", "utf-32-le"),
    ),
    "el": ("Ο διακομιστής ξεκίνησε. Έλεγχος σύνδεσης με τη βάση δεδομένων.", ("cp1253",)),
}


class LegacyLog(bytes):
    """Bytes of a log whose repr names its encoding and size (not a screenful of bytes)."""

    encoding: str

    def __repr__(self) -> str:
        return f"<{len(self)} bytes of {self.encoding}>"


@st.composite
def legacy_logs(draw: st.DrawFn, token: str) -> LegacyLog:
    """A log in a legacy or BOM-less wide encoding with ``token`` on one of its lines."""
    text, names = LEGACY_TEXTS[draw(st.sampled_from(sorted(LEGACY_TEXTS)))]
    encoding = draw(st.sampled_from(names))
    words = text.split()
    lines = [
        " ".join(draw(st.lists(st.sampled_from(words), min_size=2, max_size=12)))
        for _ in range(draw(st.integers(6, 60)))
    ]
    if draw(st.booleans()):
        lines = [f"2024-05-0{i % 9 + 1} 12:00:{i % 60:02d} INFO {x}" for i, x in enumerate(lines)]
    at = draw(st.integers(0, len(lines)))
    lines.insert(at, f"{draw(st.sampled_from(words))} token={token}")
    out = LegacyLog(("\n".join(lines) + "\n").encode(encoding))
    out.encoding = encoding
    return out


# -- HTTP bodies in content codings (the ASGI egress guard) -----------------------------------


def _gzip_members(data: bytes, cuts: list[int]) -> bytes:
    """``data`` as gzip members cut at ``cuts`` (RFC 1952: members back to back)."""
    import gzip

    bounds = [0, *sorted({c % (len(data) + 1) for c in cuts}), len(data)]
    return b"".join(gzip.compress(data[a:b]) for a, b in itertools.pairwise(bounds))


def _deflate(data: bytes, *, raw: bool) -> bytes:
    import zlib

    c = zlib.compressobj(wbits=-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


def _brotli(data: bytes) -> bytes:
    import brotli

    return bytes(brotli.compress(data))


#: Content codings as (wire name, encoder given the members' cut points).
CODINGS: dict[str, tuple[str, Callable[[bytes, list[int]], bytes]]] = {
    "gzip": ("gzip", _gzip_members),
    "x-gzip": ("x-gzip", _gzip_members),
    "deflate": ("deflate", lambda d, _c: _deflate(d, raw=False)),
    "deflate-raw": ("deflate", lambda d, _c: _deflate(d, raw=True)),
    "br": ("br", lambda d, _c: _brotli(d)),
}


@st.composite
def coded_bodies(draw: st.DrawFn, value: bytes) -> tuple[list[tuple[bytes, bytes]], list[bytes]]:
    """Content-Encoding header lines and body chunks of a body holding ``value``: any chain
    of 0-3 codings (gzip with any members), spread over header lines and comma lists, cut
    into any chunks."""
    head = draw(st.text(string.ascii_letters + " .,:é€", max_size=40)).encode()
    head = head.replace(value[:4], b"")
    big = draw(st.sampled_from([0, 0, 70_000]))
    data = b"a" * big + head + value + b" tail"
    chain = draw(st.lists(st.sampled_from(sorted(CODINGS)), max_size=3))
    names: list[str] = []
    for coding in chain:
        wire, encode = CODINGS[coding]
        data = encode(data, draw(st.lists(st.integers(0, len(data)), max_size=3)))
        names.append(wire if draw(st.booleans()) else wire.upper())
    lines: list[bytes] = []
    for name in names:  # each coding on its own line or appended to the last one as a list
        if lines and draw(st.booleans()):
            lines[-1] += b", " + name.encode()
        else:
            lines.append(name.encode())
    if draw(st.booleans()):
        lines.insert(0, b"identity")
    cuts = sorted(set(draw(st.lists(st.integers(0, len(data)), max_size=4))))
    chunks = [data[a:b] for a, b in itertools.pairwise([0, *cuts, len(data)])]
    headers = [(b"content-type", b"text/plain")] + [(b"content-encoding", ln) for ln in lines]
    return headers, chunks


#: Textual truncation markers as truncators and log shippers print them (redact._cuts):
#: reprlib / pydantic / rich ``...`` and ``…``, textwrap.shorten's `` [...]``, brackets
#: that say so, runs of them, and Node's ``'head'... N more characters`` (its quote is
#: part of the marker here).
TRUNCATION_MARKERS = [
    "...",
    "\u2026",
    "....",
    " [...]",
    "[...]",
    "[truncated]",
    " [truncated]",
    " (truncated 40 chars)",
    "(40 characters omitted)",
    " <truncated>",
    "\u2026(truncated)",
    "...TRUNCATED...",
    "... [truncated]",
]

#: Characters of the random part of a synthetic registered value for the truncation
#: properties: no upper case and no dot, so the value's fixed head ``Zq`` occurs only at
#: its start and no marker character is one of its own.
TRUNCATED_VALUE_ALPHABET = string.ascii_lowercase + string.digits + "-_"


@st.composite
def truncated_values(draw: st.DrawFn) -> tuple[str, str, str, str, str]:
    """``(value, head, marker, tail, before)``: a synthetic registered value (``Zq`` and
    16-60 random characters) cut by a truncator that kept ``head`` (a prefix, maybe
    empty) and ``tail`` (a suffix, maybe empty) around ``marker``, with something dropped
    between them; ``before`` is what stands before the head (a separator, or ``'`` for
    Node's quoted head)."""
    value = "Zq" + draw(st.text(alphabet=TRUNCATED_VALUE_ALPHABET, min_size=16, max_size=60))
    h = draw(st.integers(0, len(value) - 1))
    t = draw(st.integers(0, len(value) - 1 - h))
    if h == t == 0:
        h = draw(st.integers(1, len(value) - 1))
    node = draw(st.booleans()) and t == 0
    if node:
        marker, before = "'... 40 more characters", "'"
    else:
        marker = draw(st.sampled_from(TRUNCATION_MARKERS))
        before = draw(st.sampled_from([" ", "=", ": ", "'", '"', "(", ",", "\t", "["]))
    return value, value[:h], marker, value[len(value) - t :] if t else "", before


#: Attribute names (Python identifiers) that the key-name vocabulary marks sensitive.
attribute_names = st.sampled_from(
    [
        "password",
        "token",
        "api_key",
        "_token",
        "client_secret",
        "private_key",
        "dsn",
        "passwd",
        "access_token",
        "credentials",
        "secret",
    ]
)


@st.composite
def attribute_objects(draw: st.DrawFn) -> tuple[object, str]:
    """An object holding a synthetic value ``"Zq" + tail`` under a sensitive attribute name,
    in one of the shapes objects take (``__dict__``, ``__slots__``, a slots dataclass,
    ``SimpleNamespace``, nested in another object), with a ``repr`` that may show the
    value without its name. Returns ``(object, value)``."""
    import dataclasses
    import types

    name = draw(attribute_names)
    value = "Zq" + draw(
        st.text(alphabet=string.ascii_letters + string.digits, min_size=8, max_size=24)
    )
    bare = draw(st.booleans())  # a repr that shows the value without its name

    def show(self: object) -> str:
        return f"{type(self).__name__}({getattr(self, name)})"

    body: dict[str, object] = {"__repr__": show} if bare else {}
    kind = draw(st.sampled_from(["dict", "slots", "dataclass", "namespace"]))
    obj: object
    if kind == "namespace":
        obj = types.SimpleNamespace(user="bob", **{name: value})
    elif kind == "dataclass":
        cls = dataclasses.make_dataclass(
            "Rec", [("user", str), (name, str)], slots=True, repr=not bare, namespace=body
        )
        obj = cls("bob", value)
    else:
        if kind == "slots":
            body["__slots__"] = ("user", name)
        cls = type("Obj", (), body)
        obj = cls()
        obj.user = "bob"  # type: ignore[attr-defined]
        setattr(obj, name, value)
    if draw(st.booleans()):
        obj = types.SimpleNamespace(inner=obj)
    return obj, value


# -- tables whose header names the column (issue 10, header tables) ---------------------


def names_a_secret(value: str) -> bool:
    """Whether ``value`` is itself a sensitive name: a cell that says what a column holds
    (``CREDENTIAL``, ``api_key``) stays readable in a table (docs/what-is-masked.md)."""
    from redact.keynames import KeyNames

    return KeyNames.default().is_sensitive(value)


#: Rows of a two-column ``user,password`` table: a user name and a value that holds no
#: cell separator (``, ; | tab``), no quote and no blank, 8 to 32 characters, with a digit
#: or a capital (the user names are lower-case words).
table_cells = st.lists(
    st.tuples(
        st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=10),
        st.text(
            alphabet=string.ascii_letters + string.digits + "-_.@/+=!#%&*", min_size=8, max_size=32
        ),
    ).filter(
        lambda r: (
            sum(ch.isalnum() for ch in r[1]) >= 6
            and r[1][0].isalnum()
            and any(ch.isdigit() or ch.isupper() for ch in r[1])
            and not names_a_secret(r[1])
        )  # never a user name itself, nor a column name (CREDENTIAL, API_KEY: see the docs)
    ),
    min_size=1,
    max_size=5,
)


# -- plain objects and exceptions holding a value by name (issue 9) ---------------------

#: Attribute names an object or exception keeps a secret under (identifiers: slots too).
_ATTR_NAMES = ("password", "api_key", "client_secret", "access_token", "db_password")


class _Shown:
    """A plain object whose repr and str show its attributes (the secret's name is not
    next to its value there)."""

    def __init__(self, **attrs: object) -> None:
        self.__dict__.update(attrs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(str, vars(self).values()))})"

    __str__ = __repr__


def _slots_class(name: str) -> type:
    def init(self: object, value: object) -> None:
        setattr(self, name, value)

    def show(self: object) -> str:
        return f"Slotted({getattr(self, name)})"

    return type("Slotted", (), {"__slots__": (name,), "__init__": init, "__repr__": show})


class _Failed(Exception):
    """An exception whose message shows an attribute kept outside its args."""

    def __str__(self) -> str:
        return f"failed: {', '.join(map(str, vars(self).values()))}"


def _failed(name: str, value: str) -> BaseException:
    exc = _Failed("failed")
    setattr(exc, name, value)
    return exc


def _with_cause(name: str, value: str) -> BaseException:
    outer = RuntimeError("outer")
    outer.__cause__ = _failed(name, value)
    return outer


def _with_note(name: str, value: str) -> BaseException:
    exc = ValueError("bad")
    exc.add_note(f"{name}={value}")
    return exc


def object_shapes(value: str) -> st.SearchStrategy[object]:
    """``value`` under a sensitive attribute name of a plain object, a ``__slots__``
    object, or an exception (attribute its ``__str__`` shows, object argument, cause,
    note, group member), alone or inside a list or a mapping under a neutral key."""
    names = st.sampled_from(_ATTR_NAMES)
    one = st.one_of(
        names.map(lambda n: _Shown(user="alice", **{n: value})),
        names.map(lambda n: _slots_class(n)(value)),
        names.map(lambda n: _failed(n, value)),
        names.map(lambda n: ValueError(_Shown(**{n: value}))),
        names.map(lambda n: _with_cause(n, value)),
        names.map(lambda n: _with_note(n, value)),
        names.map(lambda n: ExceptionGroup("group", [ValueError("ok"), _failed(n, value)])),
    )
    return st.one_of(one, one.map(lambda o: [o]), one.map(lambda o: {"detail": o}))


# -- leetspeak spellings of sensitive names (issue 10: the name/value joint) -----------------

#: What a letter may be written as in an obfuscated name (``p@ssw0rd``, ``pa$$word``).
_LEET_OF = {"a": "4@", "e": "3", "i": "1", "o": "0", "s": "5$", "t": "7"}
_LEET_RUN = re.compile(r"[013457@$]{4,}")


@st.composite
def leet_names(draw: st.DrawFn) -> str:
    """A sensitive root (``password``, ``db_secret``, ``api_token``) with some of its letters
    written as digits or sigils, in runs of at most three, keeping one letter at least."""
    root = draw(st.sampled_from(("password", "passwd", "secret", "token", "credential")))
    prefix = draw(st.sampled_from(("", "db_", "api_", "x-auth-", "github_")))
    chars = []
    for ch in root:
        alts = _LEET_OF.get(ch, "")
        chars.append(draw(st.sampled_from(ch + alts)) if alts else ch)
    name = "".join(chars)
    if name == root or not any(c.isalpha() for c in name) or _LEET_RUN.search(name):
        name = root.replace("o", "0", 1) if "o" in root else root.replace("e", "3", 1)
    return prefix + name
