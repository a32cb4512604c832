"""URL userinfo whatever the host and the password hold: a one-word host (a Compose or
Kubernetes service name: ``redis://bob:V@redis``, ``amqp://bob:V@rabbit/vhost``), an
[IPv6] host, ``user:pass@host`` without a scheme, a raw ``@ / # ? :`` or ``%40`` in the
password (the last ``@`` before the host ends it). E-mail addresses, ``git@host:org/repo``
and package specs stay readable.
"""

from __future__ import annotations

import secrets
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import Redactor
from redact._lines import LineStream
from redact.masks import MASK_TOKEN
from tests.strategies import userinfo_passwords

_ALNUM = string.ascii_letters + string.digits
R = Redactor.default()


def _password(middle: str) -> str:
    """A synthetic password: readable head, ``middle`` (the URL characters), random tail."""
    tail = "".join(secrets.choice(_ALNUM) for _ in range(8))
    return "Zq7" + secrets.choice(_ALNUM) + middle + tail


#: URL shapes, ``{p}`` the password.
URLS = [
    "redis://bob:{p}@redis",
    "redis://:{p}@redis:6379/0",
    "amqp://bob:{p}@rabbit/vhost",
    "amqp://bob:{p}@rabbitmq-0.rabbitmq:5672/%2f",
    "postgres://app:{p}@db/app?sslmode=disable",
    "postgres://app:{p}@[::1]:5432/db",
    "mongodb://app:{p}@[fe80::1]/db",
    "mysql://root:{p}@mysql",
    "DATABASE_URL=postgres://app:{p}@db/app",
    "connecting to amqp://guest:{p}@rabbitmq ...",
    '{{"url": "redis://bob:{p}@cache/1"}}',
]
#: The same without a scheme.
BARE = [
    "bob:{p}@redis",
    "bob:{p}@redis/0",
    "dsn bob:{p}@rabbit/vhost ok",
    "app:{p}@[::1]:5432",
    "app:{p}@db:5432/app",
    "REDIS={p}",  # (a sensitive name: not userinfo, masked as ever)
]
#: What the password holds besides letters and digits.
MIDDLES = ["", "@", "/", "@ss/", "#", "?", ":", "%40", "@w/x#y", "!$&*"]


def _survivors(value: str, out: str, template: str) -> list[str]:
    return [
        value[i : i + 4]
        for i in range(len(value) - 3)
        if value[i : i + 4] in MASK_TOKEN.sub("\0", out) and value[i : i + 4] not in template
    ]


@pytest.mark.parametrize("shape", URLS + BARE)
@pytest.mark.parametrize("middle", MIDDLES)
def test_userinfo_password_masked_whole(shape: str, middle: str) -> None:
    """Every host shape, every URL character in the password: nothing of 4 characters of
    the password survives, by ``redact`` and by the line stream (``redact filter``)."""
    if shape.startswith("REDIS="):
        shape = "redis_password={p}"
    password = _password(middle)
    text = shape.format(p=password)
    out = R.redact(text)
    assert "[REDACTED" in out, (text, out)
    assert _survivors(password, out, shape) == [], (text, out)
    stream = LineStream(R)
    streamed = stream.feed(text + "\n") + stream.close()
    assert _survivors(password, streamed, shape) == [], (text, streamed)


def test_examples_from_the_issue() -> None:
    """The red team's examples: the host and the user stay readable."""
    pw = _password("")
    assert R.redact(f"redis://bob:{pw}@redis") == "redis://bob:[REDACTED]@redis"
    assert R.redact(f"amqp://bob:{pw}@rabbit/vhost") == "amqp://bob:[REDACTED]@rabbit/vhost"
    assert R.redact(f"bob:{pw}@redis") == "bob:[REDACTED:sensitive-key]@redis"


READABLE = [
    "user@example.com",
    "mail bob@example.com about it",
    "git@github.com:org/repo.git",
    "git clone ssh://git@gitlab:2222/org/repo",
    "user:bob@example.com",
    "admin_email:bob@corp.example",
    "mailto:bob@example.com",
    "npm:react@latest",
    "pkg:pypi/django@1.11.1",
    "image nginx:1.25@sha256:0a1b2c",
    "https://example.com/users/bob@example.com",
    "C:/Users/me@2x.png",
    "see bob:notes@home today",
    "redis:6379@cache",
    "at 12:30@home",
    "redis://redis:6379/0",
    "amqp://rabbit/vhost",
]


@pytest.mark.parametrize("text", READABLE)
def test_addresses_and_specs_stay_readable(text: str) -> None:
    """E-mail addresses, SSH remotes, package specs, URLs without a password are kept."""
    assert R.redact(text) == text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    password=userinfo_passwords,
    shape=st.sampled_from(URLS + BARE[:-1]),
)
def test_userinfo_property(password: str, shape: str) -> None:
    """Any password of letters, digits and URL characters, in any URL shape: nothing of 4
    characters or more of it survives beside the mask."""
    password = "Zq7" + password
    out = R.redact(shape.format(p=password))
    assert _survivors(password, out, shape) == [], out
