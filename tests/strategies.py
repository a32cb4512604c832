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
