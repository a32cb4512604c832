"""Segmenting streams and turning spans into lines, columns, allow comments and fingerprints."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from redact import Redactor
from redact._carriers import is_placeholder, reference_name
from redact.installation import installation_key
from redact.masks import fingerprint
from redact.scan.model import FINGERPRINT_LENGTH, ScanOptions
from redact.scan.text import allow_reason, detect_encoding, iter_segments, scan_text

OPTIONS = ScanOptions()


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    """One default Redactor for the module."""
    return Redactor.default()


def _pieces(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def _scan_stream(redactor: Redactor, data: bytes, *, block: int, piece: int = 7) -> list:  # type: ignore[type-arg]
    out = []
    for seg in iter_segments(_pieces(data, piece), block=block):
        out.extend(
            scan_text(
                redactor,
                seg.text,
                OPTIONS,
                path="f",
                line=seg.line,
                column=seg.column,
                own_start=seg.own_start,
                own_end=seg.own_end,
            )
        )
    return out


def test_segments_reassemble_the_text_exactly() -> None:
    """The owned parts of all segments, in order, are the decoded input, nothing lost or doubled."""
    text = "".join(f"line {i} é ü\n" for i in range(5000)) + "tail without newline"
    owned = "".join(
        s.text[s.own_start : s.own_end]
        for s in iter_segments(_pieces(text.encode(), 1000), block=4096)
    )
    assert owned == text


def test_positions_are_one_based_line_and_code_point_column(
    redactor: Redactor, secret: Callable[..., str]
) -> None:
    """A finding reports the 1-based line and the column in code points (not bytes)."""
    token = secret("github")
    text = f"first\nsecond\n  ééé = '{token}'\n"
    [f] = scan_text(redactor, text, OPTIONS, path="a.py")
    assert (f.line, f.column) == (3, 10)
    assert f.end_column == 10 + len(token)
    assert f.rule_id == "github-token"
    assert f.fingerprint == fingerprint(token, installation_key(), length=FINGERPRINT_LENGTH)
    assert f.secret is None
    assert token not in repr(f)


def test_findings_across_segment_boundaries_are_reported_once(
    redactor: Redactor, secret: Callable[..., str]
) -> None:
    """Secrets at every position around block edges are found exactly once with the right line."""
    tokens = [secret("github") for _ in range(60)]
    lines = []
    for i, tok in enumerate(tokens):
        lines.append("x" * (i * 37 % 300) + f" {tok} " + "y" * (i * 11 % 200))
    data = ("\n".join(lines) + "\n").encode()
    found = _scan_stream(redactor, data, block=1024)
    assert sorted((f.line, f.fingerprint) for f in found) == sorted(
        (i + 1, fingerprint(t, installation_key(), length=FINGERPRINT_LENGTH))
        for i, t in enumerate(tokens)
    )


def test_a_single_long_line_is_windowed_without_losing_or_doubling(
    redactor: Redactor, secret: Callable[..., str]
) -> None:
    """A line far longer than a block is cut into overlapping windows; columns stay exact."""
    tokens = [secret("github") for _ in range(20)]
    parts, cols = [], []
    pos = 0
    for i, tok in enumerate(tokens):
        filler = "a," * (500 + i * 97)
        parts.append(filler)
        pos += len(filler)
        cols.append(pos + 1)
        parts.append(tok)
        pos += len(tok)
    data = "".join(parts).encode()
    found = _scan_stream(redactor, data, block=4096, piece=333)
    assert [(f.line, f.column) for f in found] == [(1, c) for c in cols]


def test_undecodable_bytes_do_not_stop_the_scan(
    redactor: Redactor, secret: Callable[..., str]
) -> None:
    """Latin-1 and random invalid UTF-8 bytes around a secret: the scan goes on and finds it."""
    token = secret("github")
    data = b"caf\xe9 \xff\xfe\x80 garbage\n" + f"key {token}\n".encode() + b"\xc3"
    [f] = _scan_stream(redactor, data, block=4096)
    assert f.line == 2


def test_utf16_with_bom_is_decoded(redactor: Redactor, secret: Callable[..., str]) -> None:
    """A UTF-16 file (with BOM) is decoded as UTF-16, not skipped as binary."""
    token = secret("github")
    data = f"hello\ntoken = {token}\n".encode("utf-16")
    assert detect_encoding(data[:4]) == "utf-16"
    segs = list(iter_segments(_pieces(data, 5), encoding="utf-16"))
    found = [
        f
        for s in segs
        for f in scan_text(redactor, s.text, OPTIONS, path="u", line=s.line, column=s.column)
    ]
    assert [(f.line, f.column) for f in found] == [(2, 9)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("x = 1  # redact:allow github-token test fixture", "test fixture"),
        ("x = 1  // redact:allow github-token used in docs", "used in docs"),
        ("x = 1  -- redact:allow github-token sql seed", "sql seed"),
        ("x = 1  # redact:allow github-token", "allowed inline (no reason given)"),
        ("x = 1  # redact:allow other-rule reason", None),
        ("x = 1  # nothing here", None),
    ],
)
def test_allow_comment_syntax(line: str, expected: str | None) -> None:
    """``redact:allow <rule-id> <reason>`` after #, // or -- applies to that rule only."""
    assert allow_reason(line, "github-token") == expected


def test_allowed_finding_keeps_its_reason(redactor: Redactor, secret: Callable[..., str]) -> None:
    """An inline allow marks the finding allowed (still reported) with the reason kept."""
    token = secret("github")
    text = (
        f"a = '{token}'  # redact:allow github-token fixture for the parser test\n"
        f"b = '{secret('github')}'\n"
        f"# redact:allow github-token the next line is a documented sample\n"
        f"c = '{secret('github')}'\n"
    )
    found = scan_text(redactor, text, OPTIONS, path="t.py")
    assert [(f.line, f.allowed) for f in found] == [
        (1, "fixture for the parser test"),
        (2, None),
        (4, "the next line is a documented sample"),
    ]


def test_show_secrets_and_sha1_only_when_asked(
    redactor: Redactor, secret: Callable[..., str]
) -> None:
    """The value is attached only under show_secrets; the SHA-1 only for detect-secrets input."""
    token = secret("github")
    [plain] = scan_text(redactor, token, OPTIONS, path="p")
    assert plain.secret is None and plain.secret_sha1 is None
    [shown] = scan_text(redactor, token, ScanOptions(show_secrets=True, want_sha1=True), path="p")
    assert shown.secret == token
    assert shown.secret_sha1 is not None and len(shown.secret_sha1) == 40
    assert shown.public().secret_sha1 is None


def test_overlapping_detectors_report_the_most_specific(redactor: Redactor) -> None:
    """A password caught by a rule and by the key-name detector is one finding, the rule's."""
    # redact:allow generic-password-assignment synthetic test value
    found = scan_text(redactor, 'DB_PASSWORD="hunter2hunter2"\n', OPTIONS, path="e")
    assert [f.rule_id for f in found] == ["generic-password-assignment"]


def test_in_code_only_string_literals_under_sensitive_names_count(redactor: Redactor) -> None:
    """`client_secret = settings.client_secret` is a reference in code and config alike."""
    code = (
        "client_secret = settings.client_secret\n"
        "token = await get_token()\n"
        'auth_token = request.headers.get("x")\n'
        "api_key: 'q8Zr2LmN0pX7rTz1'\n"  # redact:allow * synthetic test value
    )
    in_code = scan_text(redactor, code, OPTIONS, path="svc/app.py")
    assert [f.line for f in in_code] == [4]
    in_config = scan_text(redactor, code, OPTIONS, path="deploy/app.env")
    assert [f.line for f in in_config] == [4]


#: Values under sensitive names that carry no evidence of a credential themselves.
NOT_CREDENTIALS = [
    '"input_token": "NextToken"',
    '"password": "PasswordField"',
    "secret_key = SECRET_KEY",
    "api_key: ApiKeyAuth.header_name",
    "token: refresh_token",
    "password: /run/secrets/db_password",
    "auth_token: https://auth.example.com/oauth/token",
    "session_token: 1700000000",
    "access_token: true",
    "client_secret: user@example.com",
    "PASSWORD=${DB_PASSWORD}",
    "api_key: '{{ vault_api_key }}'",
    "token = $(cat /run/token)",
    "secret: xxxxxxxxxxxxxxxxxxxx",
    "password: 12345678901234",
    "api_key: abcdefghijklmnop",
    "token: your_token_here",
    "password: changeme-please",
    '"secret": "sha256"',
    '"ClientRequestToken": "f4c94ed7-238d-4c46-93db-48cd62ec33b7"',
    '"output_token": "Jobs[-1].JobId"',
    '"SecretARN": "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyDbSecret-a1b2c3"',
    '"AWS::IAM::AccessKey": "bf29289b78d371e3"',
    "password: PassWordMustBeAtLeast6Chars",
    "api_key: correct-horse-battery",
]


@pytest.mark.parametrize("line", NOT_CREDENTIALS)
def test_scanner_reports_a_sensitive_name_only_with_evidence_in_the_value(
    redactor: Redactor, line: str
) -> None:
    """A name alone is not evidence for the scanner; the runtime still masks the value whole."""
    for path in ("data/fixture.json", "deploy/values.yaml", "settings.env"):
        found = scan_text(redactor, line + "\n", OPTIONS, path=path)
        assert [f for f in found if f.rule_id == "sensitive-key"] == [], (line, path)
    # Placeholders ($(cat f), xxxx..., your_token_here, /run/secrets/x) and references to
    # another sensitive name (SECRET_KEY) are left as they are at runtime too (issue 10 §5: they
    # only name where a secret comes from; the core's is_placeholder/reference_name decide).
    value = re.split(r"[:=]", line, maxsplit=1)[1]
    named = reference_name(value)
    if named is not None and redactor.is_sensitive_key(named):
        assert redactor.redact(line) == line  # a reference to another sensitive name
    elif not is_placeholder(value) and not any(t in line for t in ("://", "true", "xxxx", "your_")):
        assert redactor.redact(line) != line  # one rule set: the runtime weighting masks it


CREDENTIALS = [
    '"input_token": "q3Vz8LmR2pXn5TbK"',  # redact:allow * synthetic test value
    "password: Tr0ub4dor&3x",
    "secret_key = 'b7f3c9e1a2d84f6b'",  # redact:allow * synthetic test value
    "db_password: S3cr3t-Pw0rd!",
    "heroku_api_key: 5f2b8c1e-9a4d-4e7f-b3c6-1d8e0a2f4b7c",
    "token: qvFzLmNpXrTzWk",
    "password: hunter2hunter2",
    "secret: Summer2024!",
]


@pytest.mark.parametrize("line", CREDENTIALS)
def test_scanner_reports_credential_shaped_values_under_sensitive_names(
    redactor: Redactor, line: str
) -> None:
    """A mixed, non-word value under a sensitive name is reported, in data and config files."""
    for path in ("data/fixture.json", "deploy/values.yaml", "settings.env"):
        assert scan_text(redactor, line + "\n", OPTIONS, path=path), (line, path)


#: Members of an API model or schema under a sensitive container name (botocore service
#: models, CloudFormation schemas): each leaf sits under a name of its own.
MODEL_MEMBERS = [
    '"shape": "String2048"',
    '"shape": "__stringMin1Max2048"',
    '"shape": "__stringMin24Max512PatternAZaZ0902"',
    '"shape": "SensitiveString2048"',
    '"shape": "__stringMin1Max2048PatternArnAZSecretsmanagerWD12SecretAZAZ09"',
    '"documentation":"<p>Required when &quot;grant_type=refresh_token&quot;.</p>"',
    '"shape":"KmsKeyId"',
    '"shape":"JwtToken"',
    '"shape":"Iso8601Timestamp"',
    '"locationName":"PeerVpcId"',
    '"locationName":"notAfter"',
    '"$ref": "#/definitions/RepositoryCredentials"',
    '"auth": ["smithy.api#noAuth", "aws.auth#sigv4"]',
    '"CreateDate": "2015-03-09T18:39:23.411Z"',
    '"requestUri":"/voice-connectors/{voiceConnectorId}/termination/credentials?operation=put"',
    '"ARN": "aws:arn:secretsmanager:us-west-2:123456789012:secret:MyTestDatabaseSecret-a1b2c3"',
]
#: Credentials as members of the same containers: still reported.
MODEL_CREDENTIALS = [
    '"prod": "Qv8xZ2kLmN0pX7rTw4"',  # redact:allow * synthetic test value
    '"value": "b7f3c9e1a2d84f6b0c"',  # redact:allow * synthetic test value
    '"password": "Summer2024!"',  # redact:allow * synthetic test value
]


@pytest.mark.parametrize("container", ["ClientSecret", "Credentials", "api_keys"])
@pytest.mark.parametrize("member", MODEL_MEMBERS)
def test_model_members_under_a_sensitive_container_are_not_credentials(
    redactor: Redactor, container: str, member: str
) -> None:
    """``"ClientSecret": {`` then ``"shape": "String2048"``: a member's value under a name of
    its own is judged as a member (names of API models, pointers, shape ids, timestamps, URL
    paths); the runtime still masks the whole container."""
    text = f'{{\n  "{container}": {{\n    {member},\n    "documentation": "x"\n  }}\n}}\n'
    assert scan_text(redactor, text, OPTIONS, path="data/service-2.json") == []
    assert redactor.redact(text) != text


@pytest.mark.parametrize("container", ["ClientSecret", "Credentials", "api_keys"])
@pytest.mark.parametrize("member", MODEL_CREDENTIALS)
def test_credentials_as_members_of_a_sensitive_container_are_reported(
    redactor: Redactor, container: str, member: str
) -> None:
    """The same containers with a credential-shaped member: one finding, on its line."""
    text = f'{{\n  "{container}": {{\n    {member},\n    "shape": "String2048"\n  }}\n}}\n'
    found = scan_text(redactor, text, OPTIONS, path="data/service-2.json")
    assert [f.line for f in found] == [3]


def test_items_of_a_multi_line_list_are_weighed_as_members(redactor: Redactor) -> None:
    """List items alone on their lines under a sensitive container: model names are not
    reported, a credential-shaped item is."""
    names = '{\n  "ClientSecret": {\n    "required": [\n      "KmsKeyArn",\n      "kmsKeyId",\n      "webhookUrl",\n      "PeerVpcId"\n    ]\n  }\n}\n'
    assert scan_text(redactor, names, OPTIONS, path="data/service-2.json") == []
    token = "Qv8xZ2kLmN0pX7rTw4"  # redact:allow * synthetic test value
    keys = f'{{\n  "api_keys": [\n    "{token}",\n    "KmsKeyArn"\n  ]\n}}\n'
    assert [f.line for f in scan_text(redactor, keys, OPTIONS, path="data/keys.json")] == [3]


def test_in_code_interpolations_are_not_secrets(redactor: Redactor) -> None:
    """f-string and template placeholders in code are not values; a literal next to them is."""
    code = (
        'dsn = f"postgres://app:{db_password}@db.internal:5432/app"\n'
        'url = "https://ci:${CI_TOKEN}@git.example.com/x.git"\n'
        # redact:allow url-credentials synthetic test value
        'dsn2 = "postgres://app:Zq8rT2mN0pX7vL1k@db.internal:5432/app"\n'
    )
    found = scan_text(redactor, code, OPTIONS, path="settings.py")
    assert [(f.line, f.rule_id) for f in found] == [(3, "url-credentials")]


def test_provider_rule_wins_over_generic_on_the_same_span(
    redactor: Redactor, secret: Callable[..., str]
) -> None:
    """When a provider rule and a generic rule match the same value, the provider rule reports."""
    text = f'stripe.api_key = "{secret("stripe")}"\n'
    assert [f.rule_id for f in scan_text(redactor, text, OPTIONS, path="pay.py")] == [
        "stripe-secret-key"
    ]


def test_allow_reason_does_not_carry_the_secret() -> None:
    """An allow comment that quotes the secret is masked: the reason goes into every report."""
    token = "ghp_" + "Z9y8" * 9
    text = f'tok = "{token}"  # redact:allow github-token fixture, was {token}\n'
    findings = scan_text(Redactor.default(), text, ScanOptions(), path="a.txt")
    assert findings
    assert all(f.allowed is not None and f.allowed.startswith("fixture") for f in findings)
    assert token not in repr(findings)


#: Where a sensitive name sits says it is no key (issue 14, site-packages scan): an ARN's
#: resource type (also AWS's own ``aws:arn:`` typo), a badge image's query, a JWS member,
#: API-model regexes after ``:secret:``, prose after ``identified by``, marshalled .pyc noise.
NOT_KEYS = [
    '"ARN": "aws:arn:secretsmanager:us-west-2:123456789012:secret:MyTestDatabaseSecret-a1b2c3"',
    '"Resource": "arn:aws:secretsmanager:*:*:secret:InfluxDB-RepoToken-Qz9LmP2w7x*"',
    '"pattern": "^arn:aws:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[a-zA-Z0-9/_+=.@-]+$"',
    "[![cov](https://codecov.io/gh/acme/app/graph/badge.svg?token=4ZFc9dwKqY)](https://x)",
    "{'signature': 'UYmO_lPAY5V0Wf4KZsfhiYs1SxqXPhxvjuYqellDV5A', 'payload': ''}",
    '"doc": "<p>Deletes the processor identified by <code>Name</code>.</p>"',
    "\x00\x00r\x07session_token=\x02\x00{error_msg}Nr8\x00\x00\x00r\x07",
    '"NextContinuationToken": "1w41l63U0xa8q7smH50vCxyTQqdxo69O3EmK28Bi5PcROI4wI/EyIJg=="',
    "Set-Cookie: baz=quxx; theme=dark",
]


@pytest.mark.parametrize("line", NOT_KEYS)
def test_scanner_reads_where_the_name_sits(redactor: Redactor, line: str) -> None:
    """Resource paths, badges, signatures, regexes, markup and binary noise are not findings."""
    for path in ("data/service-2.json", "README.md", "mod.cpython-311.pyc"):
        found = scan_text(redactor, line + "\n", OPTIONS, path=path)
        assert [f.rule_id for f in found] == [], (line, path)


#: Their siblings that are credentials: the same carriers with a credential inside.
KEYS = [
    "[db]\ndsn = https://api.example.com/v1?token=q3Vz8LmR2pXn5TbKw7Yc",  # redact:allow * synthetic
    "Cookie: theme=dark; sessionid=q3Vz8LmR2pXn5TbKw7Yc; lang=en",  # redact:allow * synthetic
    '"secret": "q3Vz8LmR2pXn5TbK"',  # redact:allow * synthetic test value
    "<password>{AQAAABAAAAAQq3Vz8LmR2pXn5TbKw7YcT4uR9sLq2=}</password>",  # redact:allow * synthetic
]


@pytest.mark.parametrize("line", KEYS)
def test_scanner_keeps_the_siblings_that_are_credentials(redactor: Redactor, line: str) -> None:
    """A query token of an API URL, a session cookie, a JSON secret, a Jenkins secret."""
    assert scan_text(redactor, line + "\n", OPTIONS, path="conf/app.xml"), line


#: A value a member reading would take for an API model's name (camel-case pieces, one
#: digit): reported only when the scanner reads the variable's name, not its type's.
CAMEL_VALUE = "Qv" + "GRNP0imVzaEigeifaX"

TYPED_DECLARATIONS = [
    'api_key: str = "{v}"\n',
    'API_KEY: Final[str] = "{v}"\n',
    'api_key: Optional[str] = "{v}"\n',
    'const apiKey: string = "{v}";\n',
    'let api_key: &str = "{v}";\n',
    'static API_KEY: &\'static str = "{v}";\n',
    'val apiKey: String = "{v}"\n',
    'var apiKey: String? = "{v}"\n',
    'private apiKey: Map<string, string> = "{v}";\n',
    'api_key: str = Field(default="{v}")\n',
    'api_key: pydantic.Field(default="{v}")\n',
    'password: SecretStr = SecretStr("{v}")\n',
]


@pytest.mark.parametrize("line", TYPED_DECLARATIONS)
@pytest.mark.parametrize("path", ["settings.py", "config.ts", "main.rs", "App.kt", "notes.txt"])
def test_a_typed_declaration_is_weighed_under_its_variable_not_its_type(
    redactor: Redactor, line: str, path: str
) -> None:
    """``api_key: str = "v"``: the name is ``api_key``; read as ``str``, a value of camel-case
    pieces was judged as a model member and dropped (one random value in 600 in CI)."""
    text = line.format(v=CAMEL_VALUE)
    found = scan_text(redactor, text, ScanOptions(show_secrets=True), path=path)
    assert [f.secret for f in found] == [CAMEL_VALUE]


@pytest.mark.parametrize(
    "line",
    [
        "timeout: int = 30\n",
        'api_key: str = Field(default=None, description="KmsKeyArn")\n',
        'api_key: str = os.environ["API_KEY"]\n',
        "api_key: str = settings.api_key\n",
    ],
)
def test_typed_declarations_without_a_credential_stay_quiet(redactor: Redactor, line: str) -> None:
    """The same declarations holding a number, a description, a reference: no finding."""
    assert scan_text(redactor, line, OPTIONS, path="settings.py") == []


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ("DB_PASSWORD=Pq3Wx5Zr8Ty2 # prod\n", "app.env"),
        ("api_key: Zq9Lm2Xw7Kp4Rt6Y # rotate quarterly\n", "config.yaml"),
        ("db_password = Pq3Wx5Zr8Ty2  // staging\n", "settings.conf"),
        ("DB_PASSWORD=Pq3Wx5Zr8Ty2\t# set by ops\n", ".env"),
    ],
)
def test_a_value_followed_by_a_comment_is_reported(line: str, path: str) -> None:
    """The runtime masks to the end of the line; the report weighs and points at the value
    without its comment (red team, second pass: 0 findings before)."""
    redactor = Redactor.default()
    found = [
        f for f in scan_text(redactor, line, OPTIONS, path=path) if f.rule_id == "sensitive-key"
    ]
    assert len(found) == 1
    value = line.split("=", 1)[-1] if "=" in line else line.split(": ", 1)[1]
    value = value.strip().split()[0]
    assert found[0].end_column - found[0].column == len(value)


@pytest.mark.parametrize(
    "line", ["password: see the vault # ops\n", "token = expired  # after rotation\n"]
)
def test_prose_with_a_comment_is_not_reported(line: str) -> None:
    redactor = Redactor.default()
    assert not scan_text(redactor, line, OPTIONS, path="notes.conf")
