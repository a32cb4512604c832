"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

import string

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
