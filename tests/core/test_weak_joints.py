"""Weak joints: a sensitive name joined to its value by blanks only (``token V``), a short
or ambiguous name (``sid=V``, ``auth=V``), or a name written after its value (``V
(password)``). Each masks only a *shaped* value (:func:`redact._validators.shaped_value`,
one predicate for every weak joint); a quoted value after a name and blanks
(``api_key "V"``) is a strong joint. Prose with the same names stays as it is."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redact import Redactor
from redact._validators import SHAPED_MIN, shaped_value, worded_value
from redact.keynames import DEFAULT_WEAK_NAMES, KeyNames

#: Synthetic shaped values: mixed letter classes and digits, no dictionary word.
VALUES = ["Zq9Lm2Xw7Kp4Rt", "xzoJPHOhHUDLk1TR", "a8f3k2m9x7q1", "Tr0ub4dor&3xQ", "Vq3Zt8Lp"]


@pytest.fixture(scope="module")
def r() -> Redactor:
    return Redactor.default()


def _masked(r: Redactor, line: str, value: str) -> None:
    out = r.redact(line)
    assert value not in out, out
    assert "[REDACTED" in out


#: A sensitive name, then blanks, then the value (several names, cases and contexts).
BLANK_JOINTS = [
    "Password {v}",
    "set password {v}",
    "token {v}",
    "bearer {v}",
    "Your new password {v} expires in 30 days",
    "INFO login ok, session {v} opened",
    "secret\t{v}",
    "using api_key {v} for upload",
    "client_secret {v}.",
    "(token {v})",
    "PASSWORD {v}, retrying",
    "passphrase {v}",
]

#: A quoted value after a name and blanks: a strong joint (any value but a plain word).
QUOTED_JOINTS = [
    'api_key "{v}"',
    "token '{v}'",
    'client_secret "{v}" loaded',
    'x-api-key "{v}"',
    'secret "{v}"',
    "password 'hunter2'",  # a password name masks any quoted value (unchanged rule)
]

#: Short or ambiguous names joined by = or :.
WEAK_NAMES = [
    "sid={v}",
    "auth={v}",
    "key={v}",
    "sig={v} alg=HS256",
    "GET /x sess={v} status=200",
    "tok: {v}",
    'auth: "{v}"',
    '{{"key": "{v}"}}',
    "user=bob sid={v} ip=10.0.0.1",
]

#: The name after the value.
NAME_AFTER = [
    '"{v}" is the password',
    "{v} (password)",
    "{v} is your new token",
    "'{v}' was the temporary password",
    "use {v} (api key) for the next call",  # two words: the run before "(api" is not the name
    "credentials: bob / {v} (password)",
]


@pytest.mark.parametrize("shape", BLANK_JOINTS)
@pytest.mark.parametrize("value", VALUES)
def test_blank_joint_masks_a_shaped_value(r: Redactor, shape: str, value: str) -> None:
    _masked(r, shape.format(v=value), value)


@pytest.mark.parametrize("shape", QUOTED_JOINTS)
@pytest.mark.parametrize("value", VALUES)
def test_quoted_value_after_blanks_is_a_strong_joint(r: Redactor, shape: str, value: str) -> None:
    line = shape.format(v=value)
    _masked(r, line, "hunter2" if "hunter2" in line else value)


@pytest.mark.parametrize("shape", WEAK_NAMES)
@pytest.mark.parametrize("value", VALUES)
def test_weak_name_masks_a_shaped_value(r: Redactor, shape: str, value: str) -> None:
    _masked(r, shape.format(v=value), value)


@pytest.mark.parametrize("shape", [s for s in NAME_AFTER if "api key" not in s])
@pytest.mark.parametrize("value", VALUES)
def test_name_after_value_masks_a_shaped_value(r: Redactor, shape: str, value: str) -> None:
    _masked(r, shape.format(v=value), value)


#: Real log and prose phrases with the same names: must come back unchanged (the same
#: object). Each is a member of one of the shapes above with an unshaped value.
LOOKALIKES = [
    "token expired for user bob",
    "Password reset email sent",
    "Password reset email sent to bob@example.com",
    "auth=ok",
    "sid=42",
    "key rotation started at 12:00",
    "bearer token missing",
    "password reset for bob",
    "token expired",
    "auth failed for user alice",
    "sid 12",
    "Password changed successfully for user_42",
    "invalid token provided",
    "token refresh scheduled in 300s",
    "SyntaxError: Unexpected token 'export'",
    "SyntaxError: Unexpected token '<'",
    'JSON.parse: unexpected token "}" at line 1',
    "Password must be at least 12 characters",
    "password policy updated by admin",
    "session started for user bob",
    "session 3fa85f64-5717-4562-b3fc-2c963f66afa6 closed",
    "token revoked by administrator",
    "secret rotation completed in 250ms",
    "sid=abcdef12 user=bob",
    "auth=none method=GET path=/api/v1/items",
    "key=user_profile cache=hit ttl=3600",
    "key: order_123456 status=done",
    "sig=sha256 alg=HS256",
    "the key is rotated every 90 days",
    "bearer authentication enabled for /api",
    "token 2024-05-01T10:00:00Z issued",
    "secret manager unreachable: ERR_CONNECTION_REFUSED",
    "password hashing with bcrypt cost=12",
    "token NullPointerException thrown by handler",
    "password (hidden) not logged",
    '"bob" is the username',
    "user42_admin (password) was reset",
    "tok=3f9a1c2e sid=1699999999",
    "key=ENABLE_FEATURE_FLAGS value=true",
    "Use the password field to sign in",
    'api_key "your-api-key-here"',
    'token "null" rejected',
    "token for https://example.com/callback refreshed",
    "session /var/lib/app/sessions/current removed",
    "auth=required realm=internal",
    "key=v1.2.3-rc1 pinned",
    "The password is incorrect",
    "AkamaiToken AmazonMWS KubeConfig FastlyPersonalToken GoogleOauth2",  # a list of names
    "42 intra OAuth client secret (s-s4t2ud- / s-s4t2af-)",  # a parenthetical
    "Secrets Manager</a> and the Security Token Service</fullname>",  # markup
    '"key":{"shape":"string1To255"},',  # a container's leaves under a weak name
    "password was changed at 2024-05-01 10:00:00",
]


@pytest.mark.parametrize("line", LOOKALIKES)
def test_prose_with_weak_joints_is_unchanged(r: Redactor, line: str) -> None:
    assert r.redact(line) is line


# -- the predicate -----------------------------------------------------------------------

#: Members of each shaped class: mixed case, letters and digits, symbols, long hex.
SHAPED = [
    *VALUES,
    "s3cr3tP4ss",  # digits between letters are not a number beside a word
    "Kx7#mP2$vL9q",
    "5d41402abc4b2a76b9719d911017c592",  # 32 hex digits: a key, not an id
    "wJalrXUtnFEMIK7MDENG",
    "ghp_Al6Uz4LgK1cF",
]

#: Members of each class that is not shaped.
NOT_SHAPED = [
    "abc1234",  # shorter than SHAPED_MIN
    "expired",  # one class: a word
    "ROTATION",
    "12345678",  # a number
    "250000ms",
    "12:00:01",  # a time, an address, a version, a date
    "10.0.0.1:5432",
    "v1.2.3-rc1",
    "2024-01-01T12:00:00Z",
    "3fa85f64-5717-4562-b3fc-2c963f66afa6",  # a UUID
    "3f9a1c2e4b5d",  # a hex id shorter than a key
    "0x7ffd1234",
    "NullPointerException",  # words
    "ERR_CONNECTION_REFUSED",
    "user_profile",
    "getUserById",
    "AmazonMWS",  # an identifier of capitalised words, acronyms and numbers
    "GoogleOauth2",
    "order_123456",  # words around a number
    "build2024",
    "user42_admin",
    "/var/log/app.log",  # where something is
    "HappyFace.jpg",
    "https://example.com/x",
    "bob@example.com",
    "xxxxxxxx",  # placeholders
    "<your-token>",
    "abcdefgh123",
    "two words",  # a blank
]


@pytest.mark.parametrize("value", SHAPED)
def test_shaped(value: str) -> None:
    assert shaped_value(value)


@pytest.mark.parametrize("value", NOT_SHAPED)
def test_not_shaped(value: str) -> None:
    assert not shaped_value(value)


@pytest.mark.parametrize("value", ["export", "null", "<", "}", "your-api-key-here"])
def test_worded_values_stay_after_a_quoted_joint(value: str) -> None:
    assert worded_value(value)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=30))
def test_lower_case_words_are_never_shaped(word: str) -> None:
    assert not shaped_value(word)


@given(st.integers(min_value=0, max_value=10**30))
def test_numbers_are_never_shaped(n: int) -> None:
    assert not shaped_value(str(n))


def test_shaped_min_is_documented_length() -> None:
    assert not shaped_value("Zq9Lm2X"[: SHAPED_MIN - 1])


def test_weak_names_are_not_sensitive_alone() -> None:
    names = KeyNames.default()
    for w in DEFAULT_WEAK_NAMES:
        assert names.is_weak(w)
        assert not names.is_sensitive(w)
    assert not names.is_weak("password")  # sensitive names are strong


def test_weak_names_can_be_allowed() -> None:
    names = KeyNames.default().with_names(allow=["sid"])
    assert not names.is_weak("sid")
    r = Redactor(key_names=names)
    line = "sid=Zq9Lm2Xw7Kp4Rt"
    assert r.redact(line) is line


def test_weak_name_with_blanks_only_is_not_a_joint(r: Redactor) -> None:
    # a weak name and blanks: doubly weak, left as it is (documented)
    line = "key Zq9Lm2Xw7Kp4Rt"
    assert r.redact(line) is line


def test_weak_joints_are_idempotent(r: Redactor) -> None:
    for shape in BLANK_JOINTS + WEAK_NAMES + NAME_AFTER:
        once = r.redact(shape.format(v=VALUES[0]))
        assert r.redact(once) == once
