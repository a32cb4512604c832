"""Unit tests of the Redactor: detectors, masks, objects, robustness."""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
import threading
from collections import OrderedDict, namedtuple

import pytest

from redact import ERROR_PLACEHOLDER, FixedMask, KnownSecrets, Redactor, RulePack
from redact.masks import MASK_TOKEN

GH = "ghp_FdnXsiVpzz63FfkCzJr4i0B3JrTAwR4y9ojf"  # redact:allow github-token synthetic test token


def _secret() -> str:
    return "sv-" + secrets.token_urlsafe(18)


@pytest.fixture
def r() -> Redactor:
    return Redactor.default()


def test_three_detectors_one_pass(r: Redactor) -> None:
    """Known values, rules and key names are all masked in one call."""
    pw = _secret()
    r.known.add(pw, label="db.password")
    out = r.redact(f"user=bob pw {pw} token {GH} password=plainword9")
    assert pw not in out and GH not in out and "plainword9" not in out
    assert "[REDACTED:db.password]" in out
    assert "[REDACTED:github-token]" in out
    assert "user=bob" in out


def test_find_reports_positions_not_values(r: Redactor) -> None:
    """find() returns rule id, span and category, and the span points at the secret."""
    text = f"x {GH} y"
    (f,) = [f for f in r.find(text) if f.rule_id == "github-token"]
    assert text[f.start : f.end] == GH
    assert f.category == "source-hosting"
    assert GH not in repr(f)


def test_url_credentials_masked_in_place(r: Redactor) -> None:
    """Only the password of a URL is replaced; scheme, user and host stay readable."""
    # redact:allow url-credentials synthetic test value
    out = r.redact("dsn postgres://app:Zq8Wx7Ec6R@db:5432/app")
    assert out == "dsn postgres://app:[REDACTED]@db:5432/app"


def test_jwt_mask_keeps_alg_and_kid(r: Redactor) -> None:
    """A JWT keeps its header's alg and kid; payload and signature are dropped."""
    head = base64.urlsafe_b64encode(b'{"alg":"RS256","kid":"key-7"}').decode().rstrip("=")
    body = base64.urlsafe_b64encode(b'{"sub":"user-1","exp":1}').decode().rstrip("=")
    token = f"{head}.{body}.{secrets.token_urlsafe(32)}"
    out = r.redact(f"token {token}")
    assert out == "token [REDACTED:jwt:alg=RS256:kid=key-7]"


def test_fingerprint_mask_correlates_without_revealing() -> None:
    """Equal secrets get equal fingerprints, different secrets different ones."""
    r = Redactor.default(mask="fingerprint", fingerprint_key=b"k" * 32, fingerprint_key_id="k1")
    a = r.redact("AKIAK3ZV2MWUFXBV54BY")  # redact:allow aws-access-key-id synthetic test key
    b = r.redact("again AKIAK3ZV2MWUFXBV54BY")  # redact:allow aws-access-key-id synthetic test key
    c = r.redact("AKIAVSEHOGFQRCLRI3QZ")  # redact:allow aws-access-key-id synthetic test key
    assert a.startswith("[REDACTED:aws-access-key-id:k1:")
    assert b.endswith(a)
    assert a != c
    assert MASK_TOKEN.fullmatch(a)


def test_partial_mask_keeps_prefix_only() -> None:
    """Partial masks keep the known prefix and show no more than 4 secret characters."""
    r = Redactor.default(mask="partial")
    out = r.redact(f"t {GH}")
    assert out == "t gh[REDACTED:github-token]"


def test_fixed_mask_everywhere() -> None:
    """A global fixed mask replaces every finding with the same text."""
    r = Redactor.default(mask=FixedMask())
    assert r.redact(f"{GH} and password=abcdefgh1") == "[REDACTED] and password=[REDACTED]"


def test_key_names_in_mappings(r: Redactor) -> None:
    """Values under sensitive keys are masked whole; look-alike names are not."""
    event = {
        "Authorization": "Bearer abc",
        "db_password": 12345,
        "X-Api-Key": "k",
        "token_count": 7,
        "author": "ann",
        "client_secret": None,
    }
    out = r.redact_obj(event)
    assert out["Authorization"].startswith("[REDACTED")
    assert out["db_password"].startswith("[REDACTED")
    assert out["X-Api-Key"].startswith("[REDACTED")
    assert out["token_count"] == 7 and out["author"] == "ann"
    assert out["client_secret"] is None
    assert event["db_password"] == 12345, "the caller's object is never mutated"


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("password=hunter2", "hunter2"),
        ('{"api_key": "k-123 456"}', "k-123 456"),
        # redact:allow authorization-header synthetic test value
        ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("Cookie: session=abc; theme=dark", "session=abc"),
        ("set-cookie: sid=xyz; HttpOnly", "sid=xyz"),
        ("x-api-key: zzz-key", "zzz-key"),
        ("DB-PASSWORD: 'p w'", "p w"),
    ],
)
def test_key_names_in_text(r: Redactor, text: str, hidden: str) -> None:
    """name=value, name: value and JSON pairs under sensitive names are masked in text."""
    assert hidden not in r.redact(text)


@pytest.mark.parametrize(
    "text", ["token_count=5", "author: bob", "passwords are hard", "password=null"]
)
def test_key_names_in_text_not_overreaching(r: Redactor, text: str) -> None:
    """Look-alike names and empty placeholders are left alone."""
    assert r.redact(text) is text


def test_redact_obj_types(r: Redactor) -> None:
    """Dicts, lists, tuples, sets, bytes, namedtuples, dataclasses and exceptions are covered."""
    s = _secret()
    r.known.add(s, label="s")
    P = namedtuple("P", "a b")

    @dataclasses.dataclass(frozen=True)
    class Cfg:
        url: str
        password: str

    try:
        try:
            raise KeyError(f"inner {s}")
        except KeyError as inner:
            raise ValueError(f"outer {s}") from inner
    except ValueError as e:
        exc = e
    obj = {
        "l": [s, 1],
        "t": (s,),
        "s": {s},
        "b": s.encode(),
        "n": P(s, 2),
        # redact:allow url-credentials synthetic test value
        "d": Cfg("postgres://u:pw123456@h/db", "anything"),
        "e": exc,
        "od": OrderedDict(k=s),
    }
    out = r.redact_obj(obj)
    assert s not in repr(out)
    assert s not in str(out["e"]) and s not in str(out["e"].__cause__)
    assert isinstance(out["e"], ValueError)
    assert isinstance(out["n"], P) and isinstance(out["b"], bytes)
    assert out["d"].password.startswith("[REDACTED") and "pw123456" not in out["d"].url
    assert isinstance(out["od"], OrderedDict)
    assert s in obj["l"], "original untouched"


def test_unchanged_objects_are_returned_as_is(r: Redactor) -> None:
    """A structure without findings is returned as the same object (no copy cost)."""
    obj = {"a": [1, "x", {"b": (2, "y")}], "when": 1.5}
    assert r.redact_obj(obj) is obj


def test_cycles_and_depth(r: Redactor) -> None:
    """Cyclic structures terminate; too-deep structures are cut off with a mask."""
    a: list[object] = ["x"]
    a.append(a)
    assert r.redact_obj(a) == ["x", "<cycle>"]
    s = _secret()
    r.known.add(s, label="s")
    b: dict[str, object] = {"s": s}
    b["self"] = b
    out = r.redact_obj(b)
    assert out["s"] == "[REDACTED:s]" and out["self"] == "<cycle>"
    deep: object = s
    for _ in range(100):
        deep = [deep]
    assert s not in repr(r.redact_obj(deep))


def test_unknown_objects_checked_through_str(r: Redactor) -> None:
    """Objects of other types are replaced by their redacted str() when it shows a secret."""
    s = _secret()
    r.known.add(s, label="s")

    class Thing:
        def __str__(self) -> str:
            return f"Thing({s})"

    class Plain:
        pass

    assert r.redact_obj(Thing()) == "Thing([REDACTED:s])"
    p = Plain()
    assert r.redact_obj(p) is p


def test_fail_closed_on_internal_error(r: Redactor, capsys: pytest.CaptureFixture[str]) -> None:
    """An internal error yields the placeholder, never the raw value, and is reported once."""
    s = _secret()

    class Boom:
        name = "boom"

        def find(self, data: bytes) -> object:
            raise RuntimeError(s)

    snap = r.known.snapshot
    snap.tiers[0].matcher = Boom()
    assert r.redact(f"value {s}") == ERROR_PLACEHOLDER
    assert r.redact_obj({"k": s}) == {ERROR_PLACEHOLDER: ERROR_PLACEHOLDER}
    err = capsys.readouterr().err
    assert err.count("internal error") == 1
    assert s not in err
    assert r.errors.count >= 2


def test_non_ascii_offsets(r: Redactor) -> None:
    """Spans are right in text with multi-byte characters before the secret."""
    s = "ключ-" + secrets.token_hex(8)
    r.known.add(s, label="k")
    text = f"€€ 日本 {s} ✓ {GH}"
    out = r.redact(text)
    assert out == "€€ 日本 [REDACTED:k] ✓ [REDACTED:github-token]"


def test_surrogates_do_not_crash(r: Redactor) -> None:
    """Lone surrogates (from surrogateescape-decoded bytes) are handled."""
    text = b"bad \xff\xfe bytes password=abc12345".decode("utf-8", "surrogateescape")
    out = r.redact(text)
    assert "abc12345" not in out


def test_huge_string_chunk_boundaries() -> None:
    """Secrets straddling every chunk boundary of a multi-chunk string are masked."""
    r = Redactor.default(chunk_size=8192, overlap=4096)
    s = _secret()
    r.known.add(s, label="s")
    parts = []
    for i in range(1, 6):
        parts.append("x" * (8192 * i - 20 - sum(map(len, parts))))
        parts.append(f" {GH} {s} ")
    text = "".join(parts) + "y" * 100
    out = r.redact(text)
    assert GH not in out and s not in out
    assert out.count("[REDACTED:github-token]") == 5


def test_fifty_megabyte_line() -> None:
    """A 50 MB line is scanned whole; a secret at its end is still masked."""
    r = Redactor.default()
    text = "a" * (50 << 20) + f" {GH}"
    out = r.redact(text)
    assert out.endswith("[REDACTED:github-token]")


def test_known_secret_refuses_short_values_by_label() -> None:
    """A too-short value is refused with an error naming the label, never the value."""
    from redact.exceptions import SecretTooShortError

    ks = KnownSecrets()
    with pytest.raises(SecretTooShortError, match="redis.password") as info:
        ks.add("short1", label="redis.password")
    assert "short1" not in str(info.value)


def test_concurrent_redaction_while_registry_changes() -> None:
    """8 threads redact while another adds and removes values 1,000 times: no error, no leak."""
    known = KnownSecrets(backend="ahocorasick")
    r = Redactor(known=known)
    stable = [_secret() for _ in range(8)]
    known.add_many([(s, f"stable{i}") for i, s in enumerate(stable)])
    stop = threading.Event()
    problems: list[str] = []

    def reader(i: int) -> None:
        line = f"line {stable[i]} end"
        while not stop.is_set():
            out = r.redact(line)
            if stable[i] in out:
                problems.append("leak")

    def writer() -> None:
        for n in range(1000):
            v = f"churn-{n:06d}-value"
            known.add(v, label="churn")
            if v in r.redact(f"x {v}"):
                problems.append("fresh value leaked")
            known.remove(v)
        stop.set()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    threads.append(threading.Thread(target=writer))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not problems
    assert r.errors.count == 0


def test_backends_identical() -> None:
    """The Hyperscan and Aho-Corasick engines give identical findings."""
    pytest.importorskip("hyperscan")
    values = [_secret() for _ in range(50)] + ["MixedCase-Value-01", "ключ-значение-42"]
    texts = [f"{v} and {GH} token=abc" for v in values] + [
        "nothing here",
        "MIXEDCASE-VALUE-01 mixedcase-value-01 MixedCase-Value-01",
        base64.b64encode(("xx" + values[0]).encode()).decode(),
        json.dumps({"a": values[1]}),
    ]
    out = []
    for backend in ("hyperscan", "ahocorasick"):
        ks = KnownSecrets(backend=backend)
        ks.add_many([(v, f"l{i}") for i, v in enumerate(values)])
        red = Redactor.default(known=ks)
        assert ks.backend_name == backend
        out.append([(red.find(t), red.redact(t)) for t in texts])
    assert out[0] == out[1]


def test_registry_repr_never_shows_values() -> None:
    """repr() of the registry and redactor show counts, not values."""
    ks = KnownSecrets()
    s = _secret()
    ks.add(s, label="x")
    r = Redactor(known=ks)
    assert s not in repr(ks) and s not in repr(r)
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(r)


def test_multiline_value_each_line_registered() -> None:
    """Each line of a multi-line value (a PEM body) is caught on its own."""
    lines = [secrets.token_urlsafe(48) for _ in range(3)]
    pem = "-----BEGIN TEST KEY-----\n" + "\n".join(lines) + "\n-----END TEST KEY-----"
    r = Redactor()
    r.known.add(pem, label="pem")
    out = r.redact(f"line two was {lines[1]}")
    assert lines[1] not in out


def test_rules_from_user_pack() -> None:
    """A user pack combines with the default pack and its rule fires."""
    pack = RulePack.from_toml(
        """
[pack]
name = "mine"
[[rules]]
id = "acme-key"
regex = '''acme_[a-z0-9]{16}'''
keywords = ["acme_"]
examples = ["acme_q7x2m9k4v1p8z3w6"]
"""
    )
    r = Redactor(rules=[RulePack.builtin("default"), pack])
    assert r.redact("k acme_q7x2m9k4v1p8z3w6") == "k [REDACTED:acme-key]"


def test_extra_detector_source() -> None:
    """A plugged-in detector's findings are masked like any rule's."""
    from redact import Finding

    def detector(text: str) -> list[Finding]:
        i = text.find("magic-")
        return [] if i < 0 else [Finding("magic", i, i + 12, "plugin", "low", "", "plugin")]

    r = Redactor(detectors=[detector])
    assert r.redact("a magic-123456 b") == "a [REDACTED:magic] b"


def test_large_text_regions_find_what_lines_find(r: Redactor) -> None:
    """On large texts rules run near their keywords only; findings equal the per-piece ones."""
    pieces = []
    for rule in r.rules:
        pieces.extend(rule.examples)
        pieces.append("filler line with nothing to see " * 20)
    expected = set()
    offset = 0
    for piece in pieces:
        for f in r.find(piece):
            expected.add((f.rule_id, f.start + offset, f.end + offset))
        offset += len(piece) + 1
    big = "\n".join(pieces)
    assert len(big) > 8192
    got = {(f.rule_id, f.start, f.end) for f in r.find(big)}
    assert expected <= got
    masked = r.redact(big)
    assert all(p not in masked for p in _example_secrets(r))


def _example_secrets(r: Redactor) -> list[str]:
    out = []
    for rule in r.rules:
        for ex in rule.examples:
            out.extend(ex[f.start : f.end] for f in r.find(ex) if f.rule_id == rule.id)
    return out


def test_add_to_large_registry_uses_delta_then_compacts() -> None:
    """Adding to a big registry builds only a small tier; the value is masked at once."""
    ks = KnownSecrets()
    ks.add_many([(f"bulk-value-{i:06d}", f"b{i}") for i in range(2000)])
    r = Redactor(known=ks)
    base = ks.snapshot.tiers[0]
    fresh = _secret()
    ks.add(fresh, label="fresh")
    assert ks.snapshot.tiers[0] is base, "one add must not rebuild the base automaton"
    assert len(ks.snapshot.tiers) == 2
    assert r.redact(f"a {fresh} b bulk-value-000007") == "a [REDACTED:fresh] b [REDACTED:b7]"
    ks.compact()
    assert len(ks.snapshot.tiers) == 1
    assert r.redact(f"a {fresh}") == "a [REDACTED:fresh]"
    ks.remove(fresh)
    assert r.redact(f"a {fresh}") == f"a {fresh}"


def test_exception_that_cannot_be_copied(r: Redactor) -> None:
    """An exception whose constructor rejects its own args falls back to masked text."""
    s = _secret()
    r.known.add(s, label="s")

    class Strict(Exception):
        def __init__(self, *, detail: str) -> None:
            super().__init__(f"failed with {detail}")

    out = r.redact_obj(Strict(detail=s))
    assert out == "Strict: failed with [REDACTED:s]"


@pytest.mark.parametrize(
    "text",
    [
        "password=${DB_PASSWORD}",
        "token: '{{ vault_token }}'",
        "pwd=%(password)s",
        "secret=<secret>",
        "password=****",
    ],
)
def test_key_names_skip_template_placeholders(r: Redactor, text: str) -> None:
    """Templates and placeholders under sensitive names are not secrets and stay readable."""
    assert r.redact(text) is text
