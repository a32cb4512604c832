"""A string that opens with a ``name=value`` pair holds the value to its close (issue #10 §1).

``docker run -e "DB_PASSWORD=correct horse battery"`` masked ``correct`` and left ``horse
battery``: an unquoted value glued to ``=`` is one token, but where the quote opens right
before the name, the quoted string is the pair (a shell argument, an environment entry, a
message) and its value runs to the close, unless another pair follows inside it.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import Redactor

R = Redactor.default()
WORDS = ("correct", "horse", "battery", "staple")

MEMBERS = [
    'docker run -e "DB_PASSWORD={v}" img',
    'terraform apply -var="db_password={v}"',
    'ansible-playbook x.yml -e "ansible_become_pass={v}"',
    'kubectl create secret generic x --from-literal="password={v}"',
    'env "API_TOKEN={v}" ./x',
    'msg="password={v}" user=x',
    "logger: 'password={v}'",
    "['password={v}', 'x']",
    '{{\\"cmd\\": \\"password={v}\\"}}',
    "subprocess.run(['x', 'SECRET_KEY={v}'])",
]


@pytest.mark.parametrize("shape", MEMBERS)
def test_every_word_of_a_quoted_pairs_value_is_masked(shape: str) -> None:
    value = " ".join(WORDS)
    out = R.redact(shape.format(v=value))
    for word in WORDS:
        assert word not in out, out


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ('log("password=%s for %s", a, b)', 'log("password=%s for %s", a, b)'),
        ('log("password={} for {}", a)', 'log("password={} for {}", a)'),
        ('x "password=${PW} for x"', 'x "password=${PW} for x"'),
        ('msg="password=abc user=bob" x=1', "user=bob"),  # another pair inside: one token
        ('echo "user=bob password=hunter2 rest"', "user=bob"),
    ],
)
def test_lookalikes(text: str, kept: str) -> None:
    assert kept in R.redact(text)


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(["password", "DB_PASSWORD", "api_token", "secret_key", "db_pass"]),
    quote=st.sampled_from(['"', "'"]),
    lead=st.sampled_from(["docker run -e ", "-var=", "msg=", "args: [", "env ", ""]),
    words=st.lists(
        # a word that is itself filler ("redacted") or a placeholder is another case
        st.text(alphabet="abcdefghjkmnpqrstuvwxyzABCDEFGH23456789", min_size=3, max_size=7).map(
            lambda w: f"Zq{w}7"
        ),
        min_size=2,
        max_size=4,
    ),
)
def test_quoted_pair_property(name: str, quote: str, lead: str, words: list[str]) -> None:
    text = f"{lead}{quote}{name}={' '.join(words)}{quote} tail"
    out = R.redact(text)
    for w in words:
        assert w not in out, (text, out)
    assert out.endswith(" tail")
