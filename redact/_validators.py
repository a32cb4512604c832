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
import string
import zlib
from collections import Counter
from collections.abc import Callable, Mapping

from redact._b64 import b64url_decode
from redact._carriers import has_template

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


#: Validators added to :data:`redact.rules.VALIDATORS`.
EXTRA_VALIDATORS: Mapping[str, Callable[[str], bool]] = {
    "github-token-crc32": github_token_crc32,
    "npm-crc32": npm_token_crc32,
    "pypi-macaroon": pypi_macaroon,
    "jwt-header": jwt_header,
    "kubernetes-sa-jwt": kubernetes_sa_jwt,
    "not-encoded-text": not_encoded_text,
    "base64-user-password": base64_user_password,
}


# -- evidence that a value is a credential (the scanner's weighting) -------------------------

#: Words that mark a documentation value or template, never a live credential.
PLACEHOLDER_WORDS = (
    "example",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "redacted",
    "dummy",
    "sample",
    "your_",
    "your-",
    "yourtoken",
    "yourkey",
    "yourapi",
    "yoursecret",
    "yourpass",
    "replace_me",
    "replaceme",
    "insert_",
    "notreal",
    "not_real",
    "not-a-real",
    "fake_",
    "foobar",
)
#: ``any(w in text for w in WORDS)`` as one search (the same answer: substring presence).
_PLACEHOLDER_WORD = re.compile("|".join(map(re.escape, PLACEHOLDER_WORDS)))
_RUN = re.compile(r"(.)\1{5,}")
_HEX_RUN = re.compile(r"(.)\1{7,}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_ONLY_MARKS = re.compile(r"[xX*._-]{3,}")
_X_RUN = re.compile(r"(?i)x{5,}|\*{3,}|\.{3,}|…")
_WORD_PIECES = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_SEQUENCES = (
    "0123456789012345678901234567890",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "9876543210987654321098765432109",
    "zyxwvutsrqponmlkjihgfedcbazyxwvutsrqponmlkjihgfedcba",
)


def _step_table(step: int) -> bytes:
    """Byte table: each ASCII digit/letter to the next (``step`` 1) or previous (-1) one in
    its cyclic sequence (9->0, z->a); every other byte to 0xFF, which ASCII text lacks."""
    table = bytearray(b"\xff" * 256)
    for alphabet in (string.digits, string.ascii_lowercase):
        for i, c in enumerate(alphabet):
            table[ord(c)] = ord(alphabet[(i + step) % len(alphabet)])
    return bytes(table)


_UP, _DOWN = _step_table(1), _step_table(-1)


def _has_run(low: str) -> bool:
    """Whether ``low`` may hold a 5-character ascending/descending run (never a false no).

    C-level: the text shifted through the step table, XOR the text one further on, has
    a zero byte wherever a step follows its sequence; four in a row make a run.
    """
    if not low.isascii():
        return True  # let the exact loop decide
    data = low.encode("ascii")
    nxt = int.from_bytes(data[1:], "big")
    n = len(data) - 1
    for table in (_UP, _DOWN):
        diff = int.from_bytes(data[:-1].translate(table), "big") ^ nxt
        if b"\0\0\0\0" in diff.to_bytes(n, "big"):
            return True
    return False


def _sequential_share(body: str) -> float:
    """Share of ``body`` covered by ascending/descending runs of 5+ characters (``12345``)."""
    low = body.lower()
    if len(low) < 5 or not _has_run(low):
        return 0.0  # the common case: a random token holds no 5-character run
    covered = [False] * len(low)
    i = 0
    while i < len(low) - 4:
        j = i + 5
        if any(low[i:j] in s for s in _SEQUENCES):
            while j < len(low) and any(low[i : j + 1] in s for s in _SEQUENCES):
                j += 1
            covered[i:j] = [True] * (j - i)
            i = j
        else:
            i += 1
    return sum(covered) / len(low) if low else 0.0


def is_placeholder(secret: str, prefix: str = "") -> bool:
    """True for documentation values and templates: ``ghp_xxxx…``, ``sk_live_1234567890…``.

    Looks at the part after ``prefix`` (the provider's fixed prefix): a run of ``x``/``X``
    or ``*`` or an ellipsis, one character repeated six times in a row, a body that is
    mostly an alphabet/digit sequence, a placeholder word (``example``, ``your_``, ...),
    or a template marker (``${``, ``{{``, ``%(``, ...: :data:`redact._carriers.TEMPLATE_MARKS`).
    A random token has none of these except by a chance far below one in a million per
    character.
    """
    body = secret[len(prefix) :] if prefix and secret.startswith(prefix) else secret
    if not body:
        return True
    low = body.lower()
    if _X_RUN.search(body) or _ONLY_MARKS.fullmatch(body):
        return True
    if _PLACEHOLDER_WORD.search(low) or has_template(body):
        return True
    if len(body) < 12:
        return False  # a short password such as pw123456 or aaaaaa1! is weak, not a placeholder
    run = _HEX_RUN if _HEX.fullmatch(body) else _RUN
    return run.search(body) is not None or _sequential_share(body) >= 0.5


def _entropy(text: str) -> float:
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values()) if n else 0.0


_STRIP = " \t\"'`,;"
_NUMBER = re.compile(r"[-+]?\d[\d_.,:]*")
_PATHLIKE = re.compile(r"(?:~|\.{1,2})?/[\w./-]*|[A-Za-z]:\\[\w\\. -]*")
_NORMALISE = re.compile(r"[^a-z0-9]")


_TOKENS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_SYMBOLS = frozenset("!#%^&*+=~?|<>;,\\")
_INDEXING = re.compile(r"\w\[(?:-?\d+|\*|'[\w.-]*'|\"[\w.-]*\")\]")
_COOKIE_PAIR = re.compile(r"([A-Za-z_][\w.-]{0,63})=(?!=)([^=;&\s]*)")
#: Names of UUID-valued identifiers, not credentials (``ClientRequestToken``, ``next_token``).
_ID_NAME = re.compile(
    r"(?i)request|idempot|change|continuation|next|page|cursor|marker|trace|correlation"
    r"|transaction|client_?token|_?ids?$"
)
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
    "ht ru ug ds lt pi rc rr eg au ck ew mu br bi pt ak pu ui rg ib tl ny ki rk ys"
)
_VOCABULARY = "password passwd token secret credential cookie session passphrase private key auth"
_BIGRAMS = (
    frozenset(_IDENTIFIER_PAIRS.split())
    | frozenset(_ENGLISH_PAIRS.split())
    | frozenset(w[i : i + 2] for w in _VOCABULARY.split() for i in range(len(w) - 1))
)


def _wordish(value: str) -> bool:
    """A name made of words: ``NextToken``, ``input_token``, ``Jobs[-1].JobId``, ``HTTP``.

    Each run of letters and digits splits (camel case, digit groups) into tokens
    whose adjacent letter pairs are mostly common English pairs (seven in ten or
    more), averaging three letters or more, with at most one group of up to three
    digits a run; all-capitals tokens of two to five letters are acronyms.
    Random tokens (``q8Zr2LmN0pX7rTz1``, ``xzoJPHOhHUDLk1TR``) do not split so.
    """
    if any(c in _SYMBOLS for c in value):
        return False  # names do not carry these; passwords and keys do
    pairs = common = 0
    split: list[str] = []
    for piece in re.split(r"[^A-Za-z0-9]+", value):
        if not piece or piece.isdigit():
            continue
        tokens = _TOKENS.findall(piece)
        digits = [t for t in tokens if t.isdigit()]
        if len(digits) > 1 or any(len(d) > 3 for d in digits):
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
            low = t.lower()
            pairs += max(1, len(low) - 1)
            common += sum(a + b in _BIGRAMS for a, b in itertools.pairwise(low))
    if split and sum(map(len, split)) / len(split) < 3:
        return False  # random case changes cut a token into one- and two-letter bits
    return pairs == 0 or common / pairs >= 0.7


def credential_like(value: str, name: str = "") -> bool:
    """Whether ``value`` (found under the sensitive ``name``) itself looks like a credential.

    The runtime masks every value under a sensitive name; a repository scanner should
    report one only on evidence in the value: at least 8 characters, not a number,
    boolean, path, URL, e-mail address, template or placeholder, not an identifier or
    enum made of words (``NextToken``, ``settings.client_secret``, ``PASSWORD_FIELD``),
    not the name itself, and mixed enough (two character classes and entropy of at
    least 2.5 bits per character, or 3.0 when it has a single class).
    """
    v = value.strip(_STRIP)
    pair = _COOKIE_PAIR.fullmatch(v)
    if pair and _wordish(pair.group(1)):  # sessionid=...: the value counts
        return credential_like(pair.group(2), pair.group(1))
    if len(v) < 8 or len(v) > 4096 or any(c.isspace() for c in v):
        return False
    low = v.lower()
    if low in ("true", "false", "null", "none", "undefined") or _NUMBER.fullmatch(v):
        return False
    if is_placeholder(v) or (v[0] in "{[(<" and v[-1] in "}])>"):
        return False  # a template, a format field, a <placeholder>
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
