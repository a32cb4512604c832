"""Checksum and structure validators for rule packs (named in a rule's ``validator``).

Each takes the candidate secret and returns True to keep it. A validator must
never drop a real credential: when the candidate has a layout the checksum
does not cover (a longer or future token format), it is kept.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable, Mapping

from redact._b64 import b64url_decode
from redact._carriers import PLACEHOLDER_WORDS, _sequential_share
from redact._carriers import is_documentation_value as is_placeholder

__all__ = ["EXTRA_VALIDATORS", "PLACEHOLDER_WORDS", "credential_like", "is_placeholder"]

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(n: int, width: int = 6) -> str:
    """``n`` in base62 (0-9A-Za-z), left-padded with zeros to ``width``."""
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(width, "0")


def _crc32_tail(secret: str, prefix_len: int) -> bool:
    """GitHub/npm layout: prefix, 30 random base62 chars, 6-char base62 CRC32 of those 30.

    Verified against two independently published vectors (CRC32 of the random
    part only, the ``ghp_``/``npm_`` prefix excluded, zero-padded base62).
    """
    body = secret[prefix_len:]
    if len(body) != 36 or not body.isalnum() or not body.isascii():
        return True  # another layout: the checksum does not apply, keep it
    return base62(zlib.crc32(body[:30].encode())) == body[30:]


def github_token_crc32(secret: str) -> bool:
    """GitHub ``gh?_`` classic/OAuth/app/refresh token with a valid CRC32 tail."""
    return _crc32_tail(secret, 4)


def npm_token_crc32(secret: str) -> bool:
    """npm ``npm_`` access token with a valid CRC32 tail."""
    return _crc32_tail(secret, 4)


def _b64url_decode(part: str) -> bytes | None:
    try:
        return b64url_decode(part)
    except ValueError:
        return None


def pypi_macaroon(secret: str) -> bool:
    """PyPI token: a v2 macaroon whose location is pypi.org followed by an identifier field."""
    raw = _b64url_decode(secret.removeprefix("pypi-")[:40])
    return raw is not None and raw.startswith(b"\x02\x01\x08pypi.org\x02")


def jwt_header(secret: str) -> bool:
    """A compact JWS/JWE whose first segment decodes to a JSON object naming ``alg``/``enc``."""
    raw = _b64url_decode(secret.split(".", 1)[0])
    if raw is None:
        return False
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(header, dict) and ("alg" in header or "enc" in header)


def kubernetes_sa_jwt(secret: str) -> bool:
    """A JWT whose payload names a Kubernetes issuer or service-account claim."""
    parts = secret.split(".")
    if len(parts) < 3 or not jwt_header(secret):
        return False
    raw = _b64url_decode(parts[1])
    return raw is not None and b"kubernetes" in raw


def not_encoded_text(secret: str) -> bool:
    """False when the value is base64 of ordinary prose (printable ASCII with several spaces)."""
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            raw = decode(secret + "=" * (-len(secret) % 4))
        except (binascii.Error, ValueError):
            continue
        if raw.isascii() and raw.decode().isprintable() and raw.count(b" ") >= 2:
            return False
    return True


def base64_user_password(secret: str) -> bool:
    """True when the value is base64 of ``user:password`` (printable, with a colon)."""
    try:
        raw = base64.b64decode(secret + "=" * (-len(secret) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return raw.isascii() and raw.decode().isprintable() and b":" in raw


#: What documentation writes between the armour lines instead of key material.
_PEM_PLACEHOLDER = re.compile(
    r"(?:\\[nr]|\s)*(?:<[^<>]*>|\[[^\[\]]*\]|\{[^{}]*\}|\.{3,}|…|x{3,}|X{3,}|\*{3,})?(?:\\[nr]|\s)*"
)


def pem_body(secret: str) -> bool:
    """False when a key block holds a placeholder instead of key material.

    ``-----BEGIN DSA PRIVATE KEY-----<a very long private key string>-----END ...``,
    ``...``, ``[key]``, ``xxxx`` or nothing between the armour lines is documentation;
    anything else (base64 of any length, headers, a cut block) is kept: a key block is
    masked whole whatever its body looks like.
    """
    head = secret.find("-----", 5)
    if head < 0:
        return True
    tail = secret.find("-----END", head + 5)
    body = secret[head + 5 : tail if tail >= 0 else len(secret)]
    return _PEM_PLACEHOLDER.fullmatch(body) is None


#: Validators added to :data:`redact.rules.VALIDATORS`.
EXTRA_VALIDATORS: Mapping[str, Callable[[str], bool]] = {
    "github-token-crc32": github_token_crc32,
    "npm-crc32": npm_token_crc32,
    "pypi-macaroon": pypi_macaroon,
    "jwt-header": jwt_header,
    "kubernetes-sa-jwt": kubernetes_sa_jwt,
    "not-encoded-text": not_encoded_text,
    "base64-user-password": base64_user_password,
    "pem-body": pem_body,
}


# -- evidence that a value is a credential (the scanner's weighting) -------------------------


def _entropy(text: str) -> float:
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values()) if n else 0.0


_STRIP = " \t\"'`,;\\"
_NUMBER = re.compile(r"[-+]?\d[\d_.,:]*")
_PATHLIKE = re.compile(r"(?:~|\.{1,2})?/[\w./-]*|[A-Za-z]:\\[\w\\. -]*")
_NORMALISE = re.compile(r"[^a-z0-9]")


_TOKENS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_SYMBOLS = frozenset("!#%^&*+=~?|<>;,\\")
_HEX = re.compile(r"[0-9a-fA-F]+")
_INDEXING = re.compile(r"\w\[(?:-?\d+|\*|'[\w.-]*'|\"[\w.-]*\")\]")
#: ``name=value`` inside a value (a cookie, a query pair): the part after the first ``=``.
_PAIR = re.compile(r"([^=\s]{1,64})=(?!=)(.*)", re.DOTALL)
_BASE64_PADDED = re.compile(r"[A-Za-z0-9+/_-]+={1,2}")
#: Names of UUID-valued identifiers, not credentials (``ClientRequestToken``, ``next_token``).
_ID_NAME = re.compile(
    r"(?i)request|idempot|change|continuation|next|page|cursor|marker|trace|correlation"
    r"|transaction|client_?token|update|lifecycle|concurrency|etag|version|_?ids?$"
)
#: Names whose values are public or structural whatever they look like: public keys and
#: their tokens, domain-verification tokens (published in DNS), pagination tokens,
#: constants that describe a token (``SESSION_TOKEN_PREFIX``, ``token_pattern``), and
#: signatures (a MAC or JWS signature proves, it does not grant; presigned URLs are found
#: whole by their own rule).
_PUBLIC_NAME = re.compile(
    r"(?i)public|verification|continuation|pagination|cursor|next_?(?:page_?)?token|idempot"
    r"|client_?token"
    r"|page_?token|(?:prefix|suffix|pattern|regexp?|format|template)$|(?:^|[^a-z])signature$"
)
#: A regular expression: a class with a range or an escape, a group construct, a class
#: with a quantifier, or an anchored tail (``[a-zA-Z0-9/_+=.@-]+$``, ``(?P<key>\w+)``).
_REGEX = re.compile(
    r"\[[^\]]*(?:[a-z]-[a-z]|[A-Z]-[A-Z]|0-9|\\[dwsDWS])[^\]]*\]|\(\?(?:P?<|[:=!i])"
    r"|\][+*?]|\]\{\d+(?:,\d*)?\}|\\[dwsDWS][+*?{]|\[\^|\)[?*+]|\.[*+](?:$|[)\]])"
)
#: Markup: HTML/XML tags and entities, reStructuredText roles, an opening ``<word``.
_MARKUP = re.compile(
    r"</?[A-Za-z][\w-]*>|&(?:amp|lt|gt|quot|#\d+);|:[a-z]+(?::[a-z]+)*:`|^<[A-Za-z]"
)
#: A call or constructor (``Session(region_name="x")``) or a command-line option (``--user=``).
_CALL = re.compile(r"[A-Za-z_][\w.]*\(.*\)[.,;]?|--?[A-Za-z][\w-]*=?")
#: A glob or IAM resource pattern: words with a leading or trailing wildcard.
_GLOB = re.compile(r"\*?[\w./!:-]+\*|\*[\w./!:-]+")
_IDENTIFIER = re.compile(r"[A-Za-z_][\w.-]*")
#: Metasyntactic and test words: a value made only of these (and digits) is an example.
_METASYNTACTIC = frozenset(
    [
        "foo",
        "bar",
        "baz",
        "qux",
        "quux",
        "quxx",
        "corge",
        "grault",
        "garply",
        "waldo",
        "fred",
        "plugh",
        "xyzzy",
        "thud",
        "spam",
        "eggs",
        "ham",
        "hello",
        "world",
        "test",
        "testing",
        "user",
        "username",
        "pass",
        "password",
        "passwd",
        "secret",
        "token",
        "key",
        "abc",
        "xyz",
        "admin",
        "root",
        "guest",
        "demo",
    ]
)
_VOCABULARY_WORDS = re.compile(r"(?i)pass(?:word|wd)?|secret|token|key")
_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[nrt0\\/\"'])")
_PERCENT = re.compile(r"%[2-7][0-9a-fA-F]")
_BRACED_BASE64 = re.compile(r"\{[A-Za-z0-9+/]{20,}={0,2}\}")
_URLSAFE = str.maketrans("-_", "+/")
_BASE64_PART = re.compile(r"[A-Za-z0-9+/_-]{4,}={0,2}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
#: Frequent letter pairs inside identifiers (the 180 most frequent over the words of
#: the standard library's modules, 91 % of all pairs there), of English text (the 200
#: most frequent), and of the credential vocabulary itself: about a third of the 676
#: pairs. Names are mostly made of them; random letters about one pair in three.
_IDENTIFIER_PAIRS = (
    "se in re er th el on or te de en le at st he et es me lf is ar al ti nt co ne an no nd "
    "it if ro tr li ed ta ur ra am as ng ec io na fi to il tu ex ct pe ef ri pa od ot rn ma "
    "ce ss fo si ea di la ac ve lo ge ca rt nc ns pr im un ad mp ha om ou po ll rr ue op ch "
    "ul rs ls va cl ut mo os pt ts ai ic ep be em rg ck of pl us ty oc ke ho da lu hi um wi "
    "su xt ob lt ap gs so yp ir fr sp do ry up fa ab ni tt ag bu ol bl bj id ig rm pp ba ee "
    "ru ow ff sh ie sa nu ly du xc by ci wa ze ld iv ip mi fu ey wh au ds cr iz yt wr sy nf "
    "qu ia ys dd pi gi"
)
_ENGLISH_PAIRS = (
    "th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io "
    "le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di fo ho "
    "pe ec pr no ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em ad ol rt "
    "po we na ul ni ts mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig tu ev ld ry "
    "mp fe bl ab gh ty op wo sa ay ex ke fr oo av ag if ap gr od bo sp rd do uc bu ei ov by "
    "rm ep tt oc fa ef cu rn sc gi da yo cr cl du ga qu ue ff ba ey ls va um pp ua up lu go "
    "ht ru ug ds lt pi rc rr eg au ck ew mu br bi pt ak pu ui rg ib tl ny ki rk ys af ft"
)
_VOCABULARY = (
    "password passwd token secret credential cookie session passphrase private key auth webhook"
)
_BIGRAMS = (
    frozenset(_IDENTIFIER_PAIRS.split())
    | frozenset(_ENGLISH_PAIRS.split())
    | frozenset(w[i : i + 2] for w in _VOCABULARY.split() for i in range(len(w) - 1))
)


def _wordish(value: str, *, loose: bool = False) -> bool:
    """A name made of words: ``NextToken``, ``input_token``, ``Jobs[-1].JobId``, ``HTTP``.

    Each run of letters and digits splits (camel case, digit groups) into tokens
    whose adjacent letter pairs are mostly common English pairs (seven in ten or
    more), averaging three letters or more, with at most one group of up to three
    digits a run; all-capitals tokens of two to five letters are acronyms.
    Random tokens (``q8Zr2LmN0pX7rTz1``, ``xzoJPHOhHUDLk1TR``) do not split so.

    ``loose`` also takes the names of API models and generated code: up to five digit
    groups of up to four digits (``String2048``, ``Iso8601Timestamp``), Pascal-case
    acronyms of three letters (``KmsKeyId``, ``JwtToken``) and tokens averaging 2.5
    letters. It reads 1-7 % of random 8-character tokens and under 0.5 % of 16+
    characters as names, so it is kept for values whose own name is not sensitive.
    """
    if any(c in _SYMBOLS for c in value):
        return False  # names do not carry these; passwords and keys do
    groups, width, shortest = (5, 4, 2.5) if loose else (1, 3, 3.0)
    pairs = common = 0
    split: list[str] = []
    for piece in re.split(r"[^A-Za-z0-9]+", value):
        if not piece or piece.isdigit():
            continue
        tokens = _TOKENS.findall(piece)
        digits = [t for t in tokens if t.isdigit()]
        if len(digits) > groups or any(len(d) > width for d in digits):
            return False
        letters = [t for t in tokens if not t.isdigit()]
        if len(letters) == 1 and (
            len(letters[0]) <= 2 or (letters[0].isupper() and len(piece) <= 5)
        ):
            continue  # a short word or an acronym of its own: my, io, x, HTTP, ID
        split += letters
        for t in letters:
            if t.isupper() and 2 <= len(t) <= 4 and t is letters[0] and len(letters) > 1:
                continue  # a leading acronym: HTTPBasicAuth, JWTSecret
            if (
                loose
                and len(letters) > 1
                and (
                    (t.isupper() and 2 <= len(t) <= 4)
                    or (len(t) == 3 and (t[0].isupper() or t is letters[0]))
                )
            ):
                continue  # an acronym inside a name: KmsKeyId, kmsKeyId, SecretAZ
            low = t.lower()
            pairs += max(1, len(low) - 1)
            common += sum(a + b in _BIGRAMS for a, b in itertools.pairwise(low))
    if split and sum(map(len, split)) / len(split) < shortest:
        return False  # random case changes cut a token into one- and two-letter bits
    return pairs == 0 or common / pairs >= 0.7


_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def _unescape_one(m: re.Match[str]) -> str:
    body = m.group()[1:]
    if body[0] in "xu":
        return chr(int(body[1:], 16))
    return _SIMPLE_ESCAPES.get(body, body)


def _unescaped(v: str) -> str:
    """``v`` with backslash escapes and percent-encoding undone (``a%20secret``, ``PK\\x03``)."""
    if "\\" in v:
        v = _ESCAPE.sub(_unescape_one, v)
    if "%" in v and _PERCENT.search(v):
        v = _PERCENT.sub(lambda m: chr(int(m.group()[1:], 16)), v)
    return v


def _decoded_text(v: str) -> list[str] | None:
    """The printable ASCII texts a base64 value (or ``|``-joined values) encodes, else None."""
    out = []
    for part in v.split("|"):
        if not _BASE64_PART.fullmatch(part):
            return None
        try:
            raw = base64.b64decode(
                part.replace("-", "+").replace("_", "/") + "=" * (-len(part) % 4)
            )
        except (binascii.Error, ValueError):
            return None
        if not raw or not raw.isascii() or not raw.decode().isprintable():
            return None
        out.append(raw.decode())
    return out


#: Structural values of API models and schemas: a JSON pointer (``#/definitions/Secret``), a
#: namespaced shape id (``smithy.api#noAuth``, ``aws.auth#sigv4``), an ISO 8601 date or
#: timestamp (``2015-03-09T18:39:23.411Z``), a day spelled with its month (``19June2000``),
#: an ARN with its two first fields swapped (``aws:arn:secretsmanager:...``), a URL path of
#: lower-case segments or with a ``{parameter}`` (``/voice-connectors/{id}/termination?op=put``).
_STRUCTURAL = re.compile(
    r"""(?x)
    [\w.-]*\#/[\w/.$~%-]+
    | [a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)+\#[A-Za-z_]\w*
    | \d{4}-\d{2}-\d{2}(?:[T\x20]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?
    | \d{1,2}(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\d{2,4}
    | (?i:aws|[a-z][a-z-]{1,15}):arn:[\w:/*.-]+
    | (?:/[a-z0-9._-]+)*/[\w.-]*\{[A-Za-z_]\w*\}[\w.-]*(?:/[\w.{}-]+)*/?(?:\?[\w.{}=&%-]*)?
    | (?:/[a-z0-9._-]+){2,}/?(?:\?[\w.{}=&%-]*)?
    """
)


def _documentation_shape(v: str) -> bool:
    """Shapes that are code, markup or documentation, not a credential."""
    if _REGEX.search(v) or _MARKUP.search(v) or _CALL.fullmatch(v) or _STRUCTURAL.fullmatch(v):
        return True
    if _GLOB.fullmatch(v) and (
        (v[-1] == "*" and (v[0] == "*" or v[-2] in "-/!_.:"))
        or _wordish(v.replace("*", "").replace("!", "-"))
    ):
        return True  # rds-custom!*, AmazonDataZone-*, *redshift*, aws/ssm/3p/*
    if "|" in v and all(_IDENTIFIER.fullmatch(p) for p in v.split("|")):
        return True  # an alternation or enumeration: float64|complex64
    if _sequential_share(v) >= 0.6:
        return True  # ABC12345, abcdefg123: a dummy value whatever its length
    pieces = [p for p in re.split(r"[^A-Za-z0-9]+", v) if p and not p.isdigit()]
    if pieces and all(p.lower() in _METASYNTACTIC for p in pieces):
        return True  # foo:bar, 123,foo:bar, test:test123
    letters = re.sub(r"[^A-Za-z]", "", v)
    tail = v[len(v.rstrip("0123456789!@#$%^&*")) :]
    digits = tail.rstrip("!@#$%^&*")
    # SomeKindOfPassword123!@#: the vocabulary word spelled out and a keyboard run after it
    return (
        bool(tail)
        and "1234567890".startswith(digits)
        and "!@#$%^&*".startswith(tail[len(digits) :])
        and _VOCABULARY_WORDS.search(letters) is not None
        and _wordish(v[: len(v) - len(tail)])
    )


def credential_like(value: str, name: str = "", *, member: bool = False) -> bool:
    """Whether ``value`` (found under the sensitive ``name``) itself looks like a credential.

    The runtime masks every value under a sensitive name; a repository scanner should
    report one only on evidence in the value: at least 8 characters (after undoing
    backslash and percent escapes), printable, not a number, boolean, path, URL,
    e-mail address, template, placeholder or documentation value, not a regular
    expression, markup, call, glob or ``name=value`` pair whose value fails these tests,
    not base64 of ordinary text, not an identifier or enum made of words (``NextToken``,
    ``settings.client_secret``, ``PASSWORD_FIELD``), not the name itself, not under a
    public or structural name (``publicKeyToken``, ``NextContinuationToken``,
    ``TOKEN_PREFIX``), and mixed enough (two character classes and entropy of at least
    2.5 bits per character, or 3.0 when it has a single class).

    ``member``: the value is a member of a container under a sensitive name, under a name of
    its own that is not sensitive (``"ClientSecret": {"shape": "String2048"}``); the names of
    API models and generated code (``KmsKeyId``, ``Iso8601Timestamp``) are then not values.
    """
    if name and _PUBLIC_NAME.search(name):
        return False
    if not value.isprintable():
        return False  # control characters: binary data read as text (a .pyc, a .so)
    v = _unescaped(value.strip(_STRIP)).strip(_STRIP)
    if not v.isprintable():
        return False
    if _BRACED_BASE64.fullmatch(v):
        v = v[1:-1]  # Jenkins' {AQAAABAAAA...}: the braces wrap a secret, not a format field
    if ";" in v and "=" in v:  # a Cookie header: theme=dark; sessionid=...
        parts = [p for p in v.split(";") if p.strip()]
        if len(parts) > 1 and not any(c.isspace() for p in parts for c in p.strip()):
            return any(credential_like(p.strip(), name) for p in parts)
    pair = _PAIR.fullmatch(v)
    if pair and not (
        len(v) >= 16 and _BASE64_PADDED.fullmatch(v)
    ):  # sessionid=..., a=b]_xsrf=x: the value counts
        return credential_like(pair.group(2), pair.group(1))
    if len(v) < 8 or len(v) > 4096 or any(c.isspace() for c in v):
        return False
    low = v.lower()
    if low in ("true", "false", "null", "none", "undefined") or _NUMBER.fullmatch(v):
        return False
    if is_placeholder(v) or (v[0] in "{[(<" and v[-1] in "}])>"):
        return False  # a template, a format field, a <placeholder>
    if _documentation_shape(v):
        return False
    texts = _decoded_text(v)
    if texts is not None and not any(credential_like(t) for t in texts):
        return False  # base64 of a word or a short test value (enhjdg==|MTIzNA==)
    key = _NORMALISE.sub("", name.lower())
    flat = _NORMALISE.sub("", low)
    if key and (flat == key or (len(key) >= 4 and key in flat and len(flat) <= 2 * len(key))):
        return False
    if (
        "://" in v
        or (_PATHLIKE.fullmatch(v) and _wordish(v))
        or re.fullmatch(r"[\w.+-]+@[\w-]+\.[\w.-]+", v)
    ):
        return False
    if _INDEXING.search(v):
        return False  # an expression: Jobs[-1].JobId, items[0], data['key']
    if _UUID.fullmatch(v):
        # Heroku, Postmark, Consul, Scaleway keys are UUIDs; request/idempotency/page ids too.
        return not _ID_NAME.search(name)
    if low.startswith(("arn:", "urn:")) or _wordish(v):
        return False  # an identifier, a resource name, words (NextToken, PASSWORD_FIELD)
    if member and not _HEX.fullmatch(v) and _wordish(v, loose=True):
        return False  # a model's field value: String2048, KmsKeyId (hex is never a name)
    classes = sum(
        (
            any(c.islower() for c in v),
            any(c.isupper() for c in v),
            any(c.isdigit() for c in v),
            any(not c.isalnum() for c in v),
        )
    )
    # Shannon entropy of n characters is at most log2(n): short values are held to less.
    ceiling = math.log2(len(v))
    return _entropy(v) >= min(2.5 if classes >= 2 else 3.0, 0.75 * ceiling)


# -- shaped values: what a weak joint masks ------------------------------------------------

#: The shortest value a weak joint masks (``token abc123`` is too short to tell).
SHAPED_MIN = 8
#: Values that name or count something, never a credential, whatever follows them: a
#: number (with its unit: ``250ms``, ``5GB``), a version, a time or an address
#: (``12:00:01``, ``10.0.0.1:5432``), a date, a UUID, a hex id shorter than a key (a
#: commit, a request or trace id: ``3f9a1c2e``); 32 hex digits and more are a key.
_ID_SHAPE = re.compile(
    r"""(?x)
    [+\-#]?v?\d+(?:[.,:/\-_]\d+)*+[A-Za-z%]{0,3}
  | v?\d+(?:\.\d+)++(?:[\-+][\w.]{1,32})?
  | \d{4}-\d{2}-\d{2}(?:[T\x20_]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+\-]\d{2}:?\d{2})?)?
  | [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}
  | (?:0x)?[0-9a-fA-F]{1,31}
    """
)
#: Where something is, not a secret: a URL, a path, an e-mail address.
_WHERE_SHAPE = re.compile(
    r"[A-Za-z][\w+.\-]*://\S*|[~.]{0,2}/\S*|[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"
    r"|[\w.\-]+\.[A-Za-z][A-Za-z0-9]{0,4}"  # a file's name: HappyFace.jpg, app-v2.tar.gz
)
#: A digit group that is not between two letters (``build2024``, ``user42_x``; not ``s3cr3t``).
#: An identifier of capitalised words, acronyms and short numbers (``GoogleOauth2``,
#: ``AmazonMWS``, ``KubeConfig``, ``getUserById``): a random token has words of one or
#: two letters between its case changes.
_NAMED = re.compile(r"(?:[a-z]{2,}+)?(?:[A-Z][a-z]{2,}+|[A-Z]{2,5}+|[0-9]{1,4}+)++")
_HAS_BLANK = re.compile(r"\s")
_HAS_DIGIT = re.compile(r"[0-9]")
_DIGIT_GROUPS = re.compile(r"(?<![0-9A-Za-z])\d++|(?<!\d)\d++(?![A-Za-z])")


def shaped_value(value: str) -> bool:
    """True for a value a *weak joint* masks: a name and a value joined only by blanks
    (``token Zq9Lm2Xw7Kp4Rt``), a short or ambiguous name (``sid=``, ``auth=``, ``key=``),
    or a name written after its value (``Zq9Lm2Xw7Kp4Rt (password)``).

    The one predicate every weak joint asks (documented in ``docs/what-is-masked.md``):
    at least :data:`SHAPED_MIN` characters with no blank; letters with digits, or both
    letter cases (``(attempt``, ``well-known``, ``ERR_TIMEOUT`` are not); not a
    number, version, time, date, address, UUID or hex id shorter than 32 digits; not a
    URL, path, e-mail address or file name; not made of words (``NullPointerException``,
    ``user_profile``, ``ERR_CONNECTION_REFUSED``), also once its digit groups are taken
    out (``order_123456``, ``build2024``); not a placeholder (``xxxxxxxx``,
    ``<your-token>``, ``abcdefgh123``). Prose words ("expired", "missing", "rotation")
    have one character class and are never shaped.
    """
    n = len(value)
    if n < SHAPED_MIN or n > 65536 or not value.isprintable() or _HAS_BLANK.search(value):
        return False
    lower = value.upper() != value
    upper = value.lower() != value
    digit = _HAS_DIGIT.search(value) is not None
    if not (digit or (lower and upper)) or not (lower or upper):
        # a word with punctuation ((attempt, well-known), an acronym (ERR_TIMEOUT), a
        # number: a credential mixes letters with digits or both letter cases
        return False
    if _ID_SHAPE.fullmatch(value) or _WHERE_SHAPE.fullmatch(value) or _NAMED.fullmatch(value):
        return False
    if _wordish(value, loose=True) or _sequential_share(value) >= 0.6:
        return False
    if digit:
        letters = _DIGIT_GROUPS.sub("", value)
        if len(letters) >= 3 and letters != value and _wordish(letters, loose=True):
            return False  # words around a number: order_123456, build2024, user42_admin
    return not is_placeholder(value)


def worded_value(value: str) -> bool:
    """True for a quoted value a name written before it with blanks (``api_key "v"``, a
    strong joint) still leaves: no letter or digit (``token '<'``), one plain word
    (``Unexpected token 'export'``, ``invalid token "null"``), or a placeholder."""
    if not any(ch.isalnum() for ch in value):
        return True
    if value.isalpha() and _wordish(value):
        return True
    return is_placeholder(value)
