"""XML dialects, CI runners' workflow commands, stdin-fed logins and prompt transcripts.

Each carrier masks its whole value (no run of 4 characters of a planted value survives
beside a mask, the ``test_grammar`` matrix), a lookalike table keeps what is not a value
readable, the scanner reports the same shapes, and a hypothesis property plants random
values in every shape.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import subprocess
import uuid
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from redact._carriers import is_placeholder
from redact.scan import Scanner, ScanOptions
from tests.grammar import VALUES, Shape, credential, fits, leaks, synthetic
from tests.strategies import (
    ARGV_ROWS,
    HEX_FORMS,
    argv_shapes,
    config_blocks,
    grammar_values,
    hex_values,
)

R = Redactor.default()

_WS = " \t"
_Q = "\"'`"
_XML = "<>&\\"
_TOKEN = _WS + _Q + "\\|;&<>"  # one shell word
_LINE = "\\\r\n"  # the rest of a line

SHAPES = [
    # XML beyond plain elements: namespaces, plists, wrappers, CDATA
    Shape("xml-wsse", "<wsse:Password>{v}</wsse:Password>", _XML),
    Shape(
        "xml-wsse-type",
        '<wsse:Password Type="http://x.test/ns#PasswordText">{v}</wsse:Password>',
        _XML,
    ),
    Shape("xml-ns-apikey", "<ns2:apiKey>{v}</ns2:apiKey>", _XML),
    Shape("xml-ns-next-line", "<ns2:clientSecret>\n    {v}\n  </ns2:clientSecret>", _XML),
    Shape("plist", "<key>password</key><string>{v}</string>", _XML),
    Shape("plist-lines", "<dict>\n  <key>apiToken</key>\n  <string>{v}</string>\n</dict>", _XML),
    Shape("plist-data", "<key>token</key>\n<data>\n{v}\n</data>", _XML),
    Shape("spring-property", '<property name="password" value="{v}"/>', '"' + _XML),
    Shape("spring-value-child", '<property name="db.password"><value>{v}</value></property>', _XML),
    Shape("map-entry", '<entry key="token">{v}</entry>', _XML),
    Shape("cdata", "<password><![CDATA[{v}]]></password>", "]" + _XML),
    Shape("ns-attribute", '<user ns1:password="{v}"/>', '"' + _XML),
    # CI runners' workflow commands
    Shape("gha-add-mask", "::add-mask::{v}", _LINE),
    Shape("gha-add-mask-echo", 'echo "::add-mask::{v}"', '"' + _LINE),
    Shape("gha-set-output", "::set-output name=api_token::{v}", _LINE),
    # redact:allow sensitive-key a template, not a value
    Shape("ado-setsecret", "##vso[task.setsecret]{v}", _LINE),
    Shape("ado-issecret", "##vso[task.setvariable variable=x;issecret=true]{v}", _LINE),
    Shape(
        "ado-issecret-last",
        "##vso[task.setvariable variable=x;isOutput=true;issecret=true]{v}",
        _LINE,
    ),
    Shape("ado-named", "##vso[task.setvariable variable=dbPassword]{v}", _LINE),
    # logins that read the secret from stdin
    Shape("gh-here-string", "gh auth login --with-token <<< {v}", _TOKEN),
    Shape("gh-here-string-quoted", "gh auth login --with-token <<< '{v}'", "'\\\r\n"),
    Shape("docker-echo", "echo {v} | docker login --password-stdin", _TOKEN),
    Shape(
        "docker-echo-user", "echo -n '{v}' | docker login -u bob --password-stdin ghcr.io", "'\\"
    ),
    Shape("helm-printf", "printf '%s' {v} | helm registry login r.test --password-stdin", _TOKEN),
    Shape("vault-stdin", "echo {v} | vault login -", _TOKEN),
    Shape("docker-login-p", "docker login -p {v}", _TOKEN),
    Shape("vault-login", "vault login {v}", _TOKEN + "="),
    Shape("npm-auth-token", "npm config set //registry.npmjs.org/:_authToken {v}", _TOKEN),
    Shape("heroku-output", "$ heroku auth:token\n ›   Warning: expires soon\n{v}\n$ ls", _TOKEN),
    Shape("gh-token-output", "$ gh auth token\n{v}\n", _TOKEN),
    # argument vectors printed as list literals (repr, JSON)
    Shape(
        "argv-repr-error",
        "Command '['mysql', '-u', 'root', '-p{v}']' returned non-zero exit status 1.",
        "'\"\\",
    ),
    Shape("argv-json-curl", 'args=["curl", "-u", "bob:{v}"]', '"\\'),
    # vault login k=v is a parameter, not the token (as in the command-line shape)
    Shape("argv-repr-vault", "running ['vault', 'login', '{v}']", "'\"\\="),
    Shape("argv-json-docker", '["docker","login","-u","bob","-p","{v}","r.test"]', '"\\'),
    # prompt transcripts
    Shape("ssh-passphrase", "Enter passphrase for key '/x/id_rsa': {v}", _LINE),
    Shape("sudo", "[sudo] password for bob: {v}", _LINE),
    Shape("git-https", "Password for 'https://u@git.test': {v}", _LINE),
    Shape("vault-token-prompt", "Vault token: {v}", _LINE),
    Shape("pem-pass-phrase", "Enter PEM pass phrase: {v}", _LINE),
    Shape("password-again", "Password (again): {v}", _LINE),
    Shape("curl-host-password", "Enter host password for user 'bob': {v}", _LINE),
    Shape("psql-user", "Password for user postgres: {v}", _LINE),
    Shape("keygen-empty", "Enter passphrase (empty for no passphrase): {v}", _LINE),
    Shape("pin-for-card", "Enter the PIN for card 2: {v}", _LINE),
]


#: ... and a lone double quote inside a single-quoted word (not the start of a string).
_VALUES = [*VALUES, 'Zq9Lm2"Xw7Kp4']


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.id)
@pytest.mark.parametrize("value", _VALUES)
def test_transcript_shape_masks_the_whole_value(shape: Shape, value: str) -> None:
    """Every XML, runner, stdin and prompt carrier masks every value it can hold, whole."""
    if not fits(shape, value):
        pytest.skip("the carrier cannot hold this value")
    out = R.redact(shape.render(value))
    assert not leaks(out, shape.visible(value), shape.render("")), out
    assert R.redact(out) == out


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.id)
def test_transcript_shape_keeps_its_surroundings(shape: Shape) -> None:
    """The mask replaces the value only: the text after it stays readable."""
    value = synthetic()
    out = R.redact(shape.render(value))
    tail = shape.template.split("{v}", 1)[1]
    assert value not in out
    assert out.endswith(tail), out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=grammar_values, shape=st.sampled_from(SHAPES))
def test_planted_values_never_survive_in_transcripts(value: str, shape: Shape) -> None:
    """Random values planted in every XML, runner, stdin and prompt shape: nothing leaks."""
    assume(fits(shape, value))
    # a word that starts with a shell operator, a sigil or a quote is not a plain argument
    assume(not value.startswith(("-", "$", "%", "{", "<", ">", "|", "&", "!", "[", "#", "*")))
    assume(not value.startswith(('"', "'", "`", "(")))
    text = shape.render(value)
    out = R.redact(text)
    assert not leaks(out, shape.visible(value), shape.render("")), (text, out)


LOOKALIKES = [
    # XML without a value
    "<key>passwordPolicy</key><string>strict</string>",
    '<xs:element name="password" type="xs:string"/>',
    '<xs:element name="password"><xs:complexType/></xs:element>',
    "<key>password</key><string></string>",
    "</wsse:Password>",
    "<ns2:apiKeyId>k-123456789</ns2:apiKeyId>",
    # workflow commands that carry no secret, and references
    'echo "::add-mask::$X"',
    'echo "::add-mask::${{ secrets.DEPLOY_TOKEN }}"',
    "::set-output name=result::build-succeeded-42",
    "::debug::connecting to the registry now",
    "##vso[task.setvariable variable=buildId]20260101.7",
    "##vso[task.logissue type=warning]token refresh happened",
    "std::string token_name;",
    # stdin-fed logins fed by another program or a file, and references
    "aws ecr get-login-password | docker login --password-stdin 1.dkr.ecr.test",
    'echo "$CR_PAT" | docker login ghcr.io -u bob --password-stdin',
    "gh auth login --with-token < token.txt",
    "docker login --password-stdin < pw.txt",
    "cat pw.txt | docker login --password-stdin",
    "heroku auth:token\n$ ls -la\n",
    "the heroku auth:token command prints\na-longer-line of prose",
    # prompts that are not answered, and docstrings
    "Enter passphrase for key '/x/id_rsa':",
    "Password for user bob: ********",
    "    token (str): the token to send",
    "    password (Optional[str]): The password.",
    "for key in keys: print(key)",
    "password for bob changed",
]


@pytest.mark.parametrize("text", LOOKALIKES)
def test_transcript_lookalikes_are_left_alone(text: str) -> None:
    """Schemas, references, programs' own output and docstrings are not values."""
    assert R.redact(text) == text


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.id)
def test_scanner_reports_the_transcript_shapes(shape: Shape) -> None:
    """``redact scan`` reports each shape, and its finding holds the whole planted value."""
    value = credential(18)
    data = (shape.render(value) + "\n").encode()
    result = Scanner(ScanOptions(show_secrets=True), jobs=1).scan_stream(io.BytesIO(data))
    secrets = [f.secret or "" for f in result.findings]
    assert any(value in s for s in secrets), (shape.render(value), len(secrets))


# -- argument vectors through redact_obj ------------------------------------------------


@pytest.mark.parametrize("row", ARGV_ROWS)
@pytest.mark.parametrize("value", ["Tr0ub4dor;3xYz99", "correct horse 9Lm2Xw", "it's 9Lm2Xw7Kp"])
def test_argv_of_every_command_masks_the_secret_argument(
    row: Callable[[str], list[str]], value: str
) -> None:
    """Each secret argument of the command vocabulary, as a list of strings, is masked whole."""
    argv = row(value)
    out = R.redact_obj(argv)
    rendered = repr(out)
    assert not leaks(rendered, value, repr(row(""))), (argv, out)
    assert len(out) == len(argv) and out[0] == argv[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), value=grammar_values)
def test_planted_values_never_survive_in_argv(data: st.DataObject, value: str) -> None:
    """Random values in argument vectors (lists, tuples, event fields): nothing leaks."""
    assume(not value.startswith(("-", "$", "%", "{", "<", ">", "|", "&", "!", "[", "#", "*")))
    assume(not is_placeholder(value) and "\n" not in value)
    obj = data.draw(argv_shapes(value))
    # a value that is also part of a flag (storepas in -storepass): the oracle cannot tell
    assume(repr(obj).count(value) == 1)
    out = repr(R.redact_obj(obj))
    assert not leaks(out, value, repr(obj).replace(value, "")), (obj, out)
    # the same vector printed (repr, JSON) and logged as text
    for shown, written in (
        (repr(obj), repr(value)[1:-1]),
        (json.dumps(obj), json.dumps(value)[1:-1]),
    ):
        out = R.redact(shown)
        assert not leaks(out, value, shown.replace(written, "")), (shown, out)


ARGV_LOOKALIKES: list[object] = [
    ["docker", "run", "-p", "8080:80", "nginx"],
    ["ssh", "-p", "2222", "deploy@host"],
    ["mysql", "-u", "root", "-p"],
    ["curl", "-u", "bob", "https://x.test"],
    ["psql", "-h", "db", "-U", "app"],
    ["ls", "-la", "/tmp"],
    ["echo", "hello world", "it's"],
    ["git", "config", "user.name", "bob"],
    ["openssl", "rsa", "-passin", "env:KEYPASS", "-in", "k"],
    ("vault", "login", "-method=userpass", "username=bob"),
    ["alpha", "beta", "gamma"],
    ["-v", "--verbose", "--color=auto"],
]


@pytest.mark.parametrize("obj", ARGV_LOOKALIKES, ids=repr)
def test_argv_lookalikes_are_left_alone(obj: object) -> None:
    """Ports, users, flags and plain word lists are not secrets: the same object comes back."""
    assert R.redact_obj(obj) is obj


def test_called_process_error_masks_its_command() -> None:
    """A ``CalledProcessError`` (args, ``cmd``, its message) keeps no secret argument."""
    value = synthetic()
    exc = subprocess.CalledProcessError(1, ["mysql", "-u", "root", f"-p{value}"])
    out = R.redact_obj(exc)
    assert value not in repr(vars(out)) and value not in str(out)
    assert out.cmd[:3] == ["mysql", "-u", "root"]


def test_structlog_and_logging_extras_mask_argv() -> None:
    """Real structlog and logging: an argv under ``args``/an extra field loses its secret."""
    structlog = pytest.importorskip("structlog")
    from redact.integrations.logging import RedactFilter
    from redact.integrations.structlog import RedactProcessor

    value = synthetic()
    cap = structlog.testing.LogCapture()
    log = structlog.wrap_logger(
        None, processors=[RedactProcessor(redactor=R), cap], wrapper_class=structlog.BoundLogger
    )
    log.info("spawn", args=["docker", "login", "-u", "bob", "-p", value])
    assert value not in repr(cap.entries)

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter(redactor=R))
    handler.setFormatter(logging.Formatter("%(message)s %(cmd)s"))
    logger = logging.getLogger("tests.argv")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(
            "failed %s", ["curl", "-u", f"bob:{value}"], extra={"cmd": ("mysql", f"-p{value}")}
        )
    finally:
        logger.removeHandler(handler)
    assert value not in stream.getvalue() and "[REDACTED" in stream.getvalue()


# -- over-masking: harmless lines of a registered value, and "no value" words -------------


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_harmless_lines_of_a_registered_block_stay_readable(data: st.DataObject) -> None:
    """A registered multi-line value masks its secret line, never one harmless line alone."""
    secret = synthetic(18)
    block, harmless = data.draw(config_blocks(secret))
    known = KnownSecrets()
    known.add(block, label="cnf")
    r = Redactor(known=known)
    for line in harmless:
        logged = f"loaded {line} ok"
        assert r.redact(logged) == logged, line
    assert secret not in r.redact(f"retry with {secret}")
    assert r.redact(block) == "[REDACTED:cnf]"


NO_VALUE = [
    "token=n/a",
    "token=N/A",
    "password=none",
    "password=(none)",
    "password=<none>",
    "token: null",
    "api_key=<nil>",
    "password: (not set)",
    "secret=[empty]",
    "client_secret: unset",
]


@pytest.mark.parametrize("text", NO_VALUE)
def test_no_value_words_are_neither_masked_nor_reported(text: str) -> None:
    """What tools print for "no value" is not a secret: logs keep it, the scanner is quiet."""
    assert R.redact(text) == text
    result = Scanner(ScanOptions(), jobs=1).scan_stream(io.BytesIO((text + "\n").encode()))
    assert not result.findings


# -- registered hex keys and UUIDs in any letter case, with or without dashes --------------


@pytest.mark.parametrize("form", sorted(HEX_FORMS))
@pytest.mark.parametrize("registered", ["uuid", "uuid-upper", "uuid-hex", "hex40-upper"])
def test_registered_hex_value_is_masked_in_every_case_and_dash_form(
    registered: str, form: str
) -> None:
    """A registered UUID/hex key logged upper- or lower-case, dashless or dashed: masked whole."""
    u = uuid.uuid4()
    value = {
        "uuid": str(u),
        "uuid-upper": str(u).upper(),
        "uuid-hex": u.hex,
        "hex40-upper": secrets.token_hex(20).upper(),
    }[registered]
    r = Redactor(known=_known(value))
    shown = HEX_FORMS[form](value)
    out = r.redact(f"id={shown} done")
    assert out.startswith("id=") and out.endswith(" done") and "[REDACTED:k]" in out, out
    assert not leaks(out, _bare(shown), "id=urn:uuid:{} done"), out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=hex_values, form=st.sampled_from(sorted(HEX_FORMS)))
def test_planted_hex_values_never_survive_in_any_case(value: str, form: str) -> None:
    """Random hex keys and UUIDs, registered in one case, logged in another: nothing leaks."""
    r = Redactor(known=_known(value))
    shown = HEX_FORMS[form](value)
    out = r.redact(f"request {shown} failed")
    assert not leaks(out, _bare(shown), "request urn:uuid:{} failed"), (value, out)


def test_hex_case_lookalikes_are_left_alone() -> None:
    """Only hex forms fold case: a mixed-case token logged in another case is another value,
    and a different or truncated UUID is not the registered one."""
    u = str(uuid.uuid4())
    token = "Qv" + synthetic(20)
    r = Redactor(known=_known(u, token))
    for text in (
        f"t={token.upper()}",
        f"t={token.lower()}",
        f"id={u[:-1]}{'0' if u[-1] != '0' else '1'}",
        f"id={str(uuid.uuid4()).upper()}",
        f"short={u.replace('-', '')[:20].upper()}",
    ):
        assert r.redact(text) == text
    assert "[REDACTED" in r.redact(f"t={token}")


def _bare(shown: str) -> str:
    """The value of a hex form without its decoration (``{...}``, ``urn:uuid:``)."""
    return shown.removeprefix("urn:uuid:").strip("{}")


def _known(*values: str) -> KnownSecrets:
    known = KnownSecrets()
    for v in values:
        known.add(v, label="k")
    return known
