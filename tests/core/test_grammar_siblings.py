"""Siblings of the grammar classes (issue 10): one mechanism per class, tested on its members.

Each block is one mechanism and its table: an Authorization scheme word held in its own
literal (concatenated or formatted), backslash line continuations (the engine's joined
view), YAML aliases without an anchor, URL users that are tokens in any case, TypeScript-only
types, references judged at word boundaries, ``<name:value>``, collections of secrets (YAML
mappings and lists of mappings, TOML dotted keys, maps keyed by tokens), flags spelled as
prefixed variables, percent-encoding at any depth, a call assigned to a sensitive name (its
literal arguments only), and the one here-string reader. Each has shapes (matrix, kept
tail, hypothesis property, scanner) and lookalikes that must stay as written; the shared
scaffolding is ``tests/grammar.py``.
"""

from __future__ import annotations

import io
import secrets
import string
import urllib.parse

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from redact import KeyNames
from redact._commands import COMMANDS
from redact.scan import Scanner, ScanOptions
from tests.grammar import (
    PLANTED,
    VALUES,
    WS,
    Q,
    R,
    Shape,
    assert_keeps_tail,
    assert_left_alone,
    assert_lookalike_name,
    assert_masked_whole,
    assert_planted,
    assert_sensitive_name,
    credential,
    leaks,
    shape_id,
    synthetic,
)
from tests.strategies import grammar_values

#: What a shell word or a glued value cannot hold.
WORD = WS + Q + "\\;&|<>()"

SHAPES = [
    # an Authorization scheme word in its own literal, the credentials in the next ones
    Shape("java-basic-concat", 'String auth = "Basic " + "{v}";', '"\\'),
    Shape("kotlin-bearer-concat", 'val auth = "Bearer " + "{v}"', '"\\'),
    Shape("js-bearer-concat", "const h = 'Bearer ' + '{v}';", "'\\"),
    Shape("php-basic-concat", "$h = 'Basic ' . '{v}';", "'\\"),
    Shape("elixir-bearer-concat", '"Authorization" => "Bearer " <> "{v}"', '"\\'),
    Shape("haskell-bearer-concat", 'auth = "Bearer " ++ "{v}"', '"\\'),
    Shape("java-concat-next-line", 'String auth = "Basic " +\n    "{v}";', '"\\'),
    Shape("csharp-concat-leading-op", 'var auth = "Basic "\n    + "{v}";', '"\\'),
    Shape("python-percent", 'h = "Bearer %s" % "{v}"', '"\\'),
    Shape("python-format", 'h = "Bearer {}".format("{v}")', '"\\'),
    Shape("java-string-format", 'String h = String.format("Basic %s", "{v}");', '"\\'),
    Shape("go-sprintf", 'h := fmt.Sprintf("Bearer %s", "{v}")', '"\\'),
    Shape("rust-format", 'let h = format!("Bearer {}", "{v}");', '"\\'),
    # backslash line continuations (shell, Dockerfile, Python)
    Shape("shell-flag-continued", "mysql --password \\\n  {v} db", WORD),
    Shape("mysql-glued-continued", "mysql -u root -p\\\n{v}", WORD),
    Shape("docker-login-continued", "docker login -u bob \\\n  -p {v} \\\n  registry.test", WORD),
    Shape("curl-user-continued", "curl -u bob:\\\n{v} https://x", WORD + ":"),
    Shape("python-literal-continued", "password: 'a' \\\n  '{v}'", "'\\"),
    Shape("dockerfile-env-continued", "ENV DB_HOST=db \\\n    API_TOKEN={v}", WORD + "="),
    Shape(
        "powershell-backtick-continued", "Connect-Thing -User bob `\n  -Password {v}", WORD + "`"
    ),
    Shape("cmd-caret-continued", "docker login -u bob ^\n -p {v}", WORD + "^"),
    # single-dash long flags (PowerShell parameters, Go's flag package)
    Shape("powershell-parameter", "Connect-Thing -User bob -Password {v} -Force", WORD),
    Shape("powershell-client-secret", "Connect-AzAccount -Tenant t -ClientSecret {v}", WORD),
    Shape("go-flag", "app -token {v} -v", WORD),
    # "Basic " + an encoder of "user:password"
    Shape(
        "java-basic-encoder",
        'String a = "Basic " + Base64.getEncoder().encodeToString("bob:{v}".getBytes());',
        '"\\',
    ),
    Shape("js-basic-btoa", 'const auth = "Basic " + btoa("bob:{v}");', '"\\'),
    Shape(
        "node-basic-buffer",
        "const a = 'Basic ' + Buffer.from('bob:{v}').toString('base64');",
        "'\\",
    ),
    Shape("go-set-basic-auth", 'req.SetBasicAuth("bob", "{v}")', '"\\'),
    # pairs in other languages' maps
    Shape("kotlin-to-pair", 'mapOf("password" to "{v}")', '"\\'),
    Shape("kotlin-hashmap-pair", 'hashMapOf("apiKey" to "{v}", "a" to "b")', '"\\'),
    Shape("clojure-keyword", '(def config {:api-key "{v}"})', '"\\'),
    Shape("edn-namespaced-keyword", '{:db/password "{v}" :db/user "bob"}', '"\\'),
    Shape("erlang-binary", '{password, <<"{v}">>}', '"\\'),
    # secret stores set from the command line
    Shape("gh-secret-body", "gh secret set API_TOKEN --body {v}", WORD),
    Shape("gh-secret-glued", 'gh secret set API_TOKEN -b"{v}"', WORD),
    Shape("doctl-auth", "doctl auth init -t {v}", WORD),
    Shape("az-keyvault", "az keyvault secret set --vault-name v --name db --value {v}", WORD),
    Shape("macos-security", "security add-generic-password -a bob -s svc -w {v}", WORD),
    Shape("mosquitto-passwd", "mosquitto_passwd -b passwd bob {v}", WORD),
    Shape("gcloud-secret-stdin", "gcloud secrets create db --data-file=- <<< {v}", WORD),
    Shape("keyring-stdin", "keyring set svc bob <<< {v}", WORD),
    # an XML element named by an attribute, with more attributes before its end
    Shape(
        "dotnet-setting",
        '<setting name="ApiKey" serializeAs="String"><value>{v}</value></setting>',
        "<>&\\" + Q,
    ),
    # names and values
    Shape("yaml-star-value", "password: *{v}", WORD + ":,#"),
    Shape("yaml-star-item", "- password: *{v}", WORD + ":,#"),
    Shape("conn-double-equals", "Data Source=db;User ID=sa;Password=={v};", WS + Q + ";=\\"),
    Shape("typescript-word-value", "password: {v}", "\\"),
    # (a value that is itself a sensitive name reads as a namespaced element: <wsse:Password>)
    Shape("angle-pair", "User<password:{v}>", WS + Q + "<>,\\", names_list=True),
    Shape(
        "angle-pair-then-field",
        "User<password:{v}, name:bob>",
        WS + Q + "<>,\\",
        names_list=True,
    ),
    Shape("elixir-attribute", '@api_key "{v}"', '"\\'),
    Shape("netrc-in-echo", 'RUN echo "machine h login u password {v}" > ~/.netrc', WORD + '"'),
    # collections of secrets
    Shape("yaml-list-of-maps", "credentials:\n  - b: {v}\n    c: x\nother: 1", "\\#:"),
    Shape("yaml-map-under-collection", "secrets:\n  db:\n    b: {v}\n", "\\#:"),
    Shape("yaml-list-under-nested", "api_keys:\n  stripe:\n    - {v}\n", "\\#:"),
    Shape("toml-dotted", 'credentials.b = "{v}"', '"\\'),
    Shape("toml-dotted-deep", 'secrets.api.b = "{v}"', '"\\'),
    Shape("toml-subsection", '[credentials.prod]\nb = "{v}"\n', '"\\'),
    # flags spelled as variables; encodings at any depth
    Shape("tf-token-flag", "--TF_TOKEN_app_terraform_io={v}", WORD + "="),
    Shape("docker-env-tf-token", "docker run -e TF_TOKEN_x={v} img", WORD + "="),
    Shape(
        "form-subscript-thrice",
        "user%25255Bpassword%25255D={v}&x=1",
        WS + Q + "&=%\\",
    ),
    Shape(
        "query-pair-thrice",
        "GET /s?data={v}&x=1",
        WS + Q + "=\\",
        form=lambda v: urllib.parse.quote(
            urllib.parse.quote(urllib.parse.quote("password=" + v, safe=""), safe=""), safe=""
        ),
        visible=lambda v: urllib.parse.quote(v, safe=""),
    ),
    # a call assigned to a sensitive name: its literal arguments
    # (a literal that is itself a sensitive name reads as a name: os.getenv("DB_PASSWORD", v))
    Shape(
        "go-static-credentials",
        'creds := credentials.NewStaticCredentials("AKIAEXAMPLEID", "{v}", "")',
        '"\\',
        names_list=True,
    ),
    Shape(
        "pydantic-field-default",
        'api_key: pydantic.Field(default="{v}")',
        '"\\',
        names_list=True,
    ),
]


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("value", VALUES)
def test_sibling_shape_masks_the_whole_value(shape: Shape, value: str) -> None:
    """Every sibling shape masks every value it can hold, whole."""
    assert_masked_whole(shape, value)


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_sibling_shape_keeps_its_surroundings(shape: Shape) -> None:
    """The mask replaces the value only: the text after it is kept."""
    assert_keeps_tail(shape, strip="\"';)> \n")


@PLANTED
@given(value=grammar_values, shape=st.sampled_from(SHAPES))
def test_planted_values_never_survive_in_sibling_shapes(value: str, shape: Shape) -> None:
    """Random values planted in every sibling shape: no run of 4 characters survives.

    Under ``*`` a sensitive name made of words (``*AASecret``, ``*db_password``) is a YAML
    alias, a documented placeholder (the lookalikes below): not a value to plant there."""
    if shape.id.startswith("yaml-star"):
        assume(not KeyNames().refers_to_secret(value))
    assert_planted(shape, value)


#: Shapes the scanner does not report yet (open, see the issue's closing note): the joined
#: view reads ``'a' \\`` + ``'v'`` as one value spanning the quotes and the break, and the
#: scanner's credential weighing rejects that span.
SCANNER_OPEN = {"python-literal-continued"}


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(
            s,
            marks=pytest.mark.xfail(strict=True, reason="scanner weighs the joined literals whole"),
        )
        if s.id in SCANNER_OPEN
        else s
        for s in SHAPES
    ],
    ids=shape_id,
)
def test_scanner_reports_the_sibling_shapes(shape: Shape) -> None:
    """``redact scan`` reports each shape, and its finding holds the whole planted value."""
    value = credential(18)
    data = (shape.render(value) + "\n").encode()
    result = Scanner(ScanOptions(show_secrets=True), jobs=1).scan_stream(io.BytesIO(data))
    found = [f.secret or "" for f in result.findings]
    assert any(shape.visible(value) in s for s in found), (shape.id, len(found))


LOOKALIKES = [
    # a scheme word next to a variable or a word
    'headers["Authorization"] = "Bearer " + token',
    'msg = "Token " + "expired"',
    'label = "Key " + "value"',
    'log.info("Bearer %s" % masked)',
    # aliases of a defined anchor or of a sensitive name; filler words
    "password: *db_password",
    "defaults: &pw_anchor\n  a: 1\npassword: *pw_anchor",
    "password=MASKED",
    "password=REDACTED",
    "password=SECRET_KEY",
    "password=settings.DB_PASSWORD",
    # URL users that are names
    "https://deploy-bot@github.com/org/repo",
    "https://build_agent_production@git.example.com/x",
    "ssh://git@github.com/org/repo",
    # TypeScript types in type positions
    "let password: unknown",
    "password: unknown;",
    "function login(password: unknown) {}",
    # collections: members that describe, nested config that is not a collection
    "tokens.count = 5",
    "credentials.host = db",
    "tokens:\n  max: 5\n  ttl: 300\n",
    "password:\n  min_length: 8\n",
    # a call assigned to a sensitive name, with no literal in it
    'creds := credentials.NewStaticCredentials(id, secret, "")',
    # here-strings to programs that read no secret
    "cat <<< hello",
    "grep -c x <<< $line",
    # continuations that join no secret
    "./configure --prefix=/usr \\\n  --enable-shared",
    "see `password`\nnext line",
    # encoders and pairs around names that are not secrets
    'auth = "Basic " + btoa(user + ":" + pass);',
    'mapOf("theme" to "dark")',
    '{:theme "dark"}',
    "gh secret list --repo o/r",
    # single-dash flags that are not secrets
    "ls -la /tmp",
    "get -password-policy strict",
]


@pytest.mark.parametrize("text", LOOKALIKES)
def test_sibling_lookalikes_are_left_alone(text: str) -> None:
    """Variables, words, defined aliases, user names, types and describing members stay."""
    assert_left_alone(text)


# -- one mechanism each: the vocabulary's judgements ------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DB_PASSWORD", True),
        ("SECRET_KEY", True),
        ("dbPassword", True),
        ("ACCESSTOKEN", True),
        ("XY_TOKEN", True),
        ("AAT_OKEN", False),
        ("QWE_RTOKEN", True),
        ("ABCPASS_WORD", False),
        ("MYSE_CRET", False),
    ],
)
def test_a_reference_names_a_secret_at_word_boundaries(name: str, expected: bool) -> None:
    """``password=AAT_OKEN`` is a value: its name reads ``token`` only across a word boundary."""
    assert KeyNames.default().refers_to_secret(name) is expected
    value_text = f"password=settings.{name}"
    assert (R.redact(value_text) == value_text) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("credentials", True),
        ("secrets", True),
        ("tokens", True),
        ("passwords", True),
        ("api_keys", True),
        ("creds", True),
        ("keys", False),
        ("sessions", False),
        ("password", False),
        ("access", False),
        ("credentials.b", False),
    ],
)
def test_collections_of_secrets(name: str, expected: bool) -> None:
    """A collection is a sensitive plural; its members are secrets whatever they are named."""
    assert KeyNames.default().is_collection(name) is expected


@pytest.mark.parametrize(
    "key", ["credentials.b", "secrets.db.password2", "tokens.github", "api_keys.stripe"]
)
def test_dotted_members_of_a_collection_in_mappings(key: str) -> None:
    """A flattened config key under a collection is sensitive in ``redact_obj`` too."""
    value = synthetic()
    assert R.redact_obj({key: value}) == {key: "[REDACTED:sensitive-key]"}


@pytest.mark.parametrize("key", ["tokens.count", "secrets.path", "credentials.username"])
def test_dotted_describing_members_are_kept(key: str) -> None:
    """``tokens.count`` describes the collection: it holds no secret."""
    assert R.redact_obj({key: "x1"}) == {key: "x1"}


def test_a_map_keyed_by_tokens_masks_the_keys() -> None:
    """``tokens:`` then ``<token>: bob``: the keys are the secrets, what they are for is kept."""
    keys = [secrets.token_hex(16), credential(20)]
    text = "tokens:\n" + "".join(f"  {k}: user{i}\n" for i, k in enumerate(keys))
    out = R.redact(text)
    assert not any(k in out for k in keys), out
    assert "user0" in out and "user1" in out, out
    assert R.redact(out) == out


# -- percent-encoding at any depth --------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_form_subscripts_and_pairs_at_any_depth(depth: int) -> None:
    """A form subscript and an encoded pair are read however many times they were encoded."""
    value = synthetic()
    name, pair = "user[password]", "password=" + value
    for _ in range(depth):
        name = urllib.parse.quote(name, safe="")
        pair = urllib.parse.quote(pair, safe="")
    for text in (f"{name}={value}&x=1", f"GET /s?data={pair}&x=1"):
        out = R.redact(text)
        assert not leaks(out, value, ""), out


# -- the one here-string reader -------------------------------------------------------------


def _stdin_rows() -> list[str]:
    rows = []
    for cmd in COMMANDS:
        for word in cmd.stdin:
            rows.append(" ".join((cmd.names[0], *cmd.sub, word)))
    return rows


@pytest.mark.parametrize("head", [*_stdin_rows(), "mycli --api-token", "tool --password-stdin"])
@pytest.mark.parametrize("quote", ["", "'", '"'])
def test_here_strings_to_every_stdin_reader(head: str, quote: str) -> None:
    """Each program of the table that reads a secret on stdin, and each flag named so,
    takes the here-string's word; the command stays readable."""
    value = synthetic()
    text = f"{head} <<< {quote}{value}{quote} && echo ok"
    out = R.redact(text)
    assert value not in out
    assert out.startswith(head) and out.endswith("&& echo ok"), out


def test_one_here_string_reader() -> None:
    """``<<<`` is read in one place: the command table and the flag names share it."""
    import inspect

    from redact import _commands, keynames

    assert "<<<" not in inspect.getsource(keynames.KeyValueDetector._flag).split('"""')[-1][:80]
    source = inspect.getsource(_commands)
    assert source.count("_HERE_STRING.finditer") == 1


# -- over-masking: an expression assigned to a sensitive name --------------------------------


def test_a_call_assigned_to_a_sensitive_name_masks_its_literals_only() -> None:
    """``creds := pkg.New(id, "v", "")``: the callee and the variables stay readable."""
    value = synthetic()
    out = R.redact(f'creds := credentials.NewStaticCredentials(keyId, "{value}", "")')
    assert out == 'creds := credentials.NewStaticCredentials(keyId, "[REDACTED:sensitive-key]", "")'
    nested = R.redact(f'secret = pkg.Secret(base64.decode("{value}"), 12)')
    assert nested == 'secret = pkg.Secret(base64.decode("[REDACTED:sensitive-key]"), 12)'


def test_an_environment_name_in_the_call_stays() -> None:
    """``os.getenv("DB_PASSWORD", "v")``: the variable's name is not its value."""
    value = synthetic()
    out = R.redact(f'password = os.getenv("DB_PASSWORD", "{value}")')
    assert out == 'password = os.getenv("DB_PASSWORD", "[REDACTED:sensitive-key]")'


@pytest.mark.parametrize("n", [16, 24, 40])
@pytest.mark.parametrize(
    "alphabet", [string.ascii_lowercase, string.ascii_uppercase, "0123456789abcdef"]
)
def test_url_users_that_are_tokens_in_any_case(n: int, alphabet: str) -> None:
    """``https://TOKEN@host``: one unbroken run of 16+ characters is a token, digits or not."""
    token = "".join(secrets.choice(alphabet) for _ in range(n))
    out = R.redact(f"https://{token}@github.com/org/repo.git")
    assert token not in out
    assert out.endswith("@github.com/org/repo.git"), out


# -- names the hunt found in clear ----------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "recovery_key",
        "recoveryKey",
        "unseal_key",
        "unseal_keys_b64",  # vault operator init -format=json
        "recovery_keys_hex",
        "client_assertion",  # OAuth private_key_jwt
        "password_b64",  # a modifier with digits is not a version
        "api_key_b64",
        "X-Honeycomb-Team",
        "X-Sentry-Auth",
    ],
)
def test_names_found_in_clear(name: str) -> None:
    """Each name masks its value in mappings and in every text carrier."""
    assert_sensitive_name(name)


@pytest.mark.parametrize(
    "name", ["client_assertion_type", "recovery_key_count", "token_endpoint", "tokenUrl"]
)
def test_names_that_only_look_sensitive(name: str) -> None:
    """What describes a credential, or where it is fetched, holds none."""
    assert_lookalike_name(name)


def test_scanner_reports_a_map_keyed_by_tokens() -> None:
    """``redact scan`` reports each token key of a ``tokens:`` map, not the user it is for."""
    keys = [secrets.token_hex(16), credential(20)]
    text = "tokens:\n" + "".join(f"  {k}: user{i}\n" for i, k in enumerate(keys))
    result = Scanner(ScanOptions(show_secrets=True), jobs=1).scan_stream(io.BytesIO(text.encode()))
    found = [f.secret or "" for f in result.findings]
    assert all(any(k in s for s in found) for k in keys), len(found)
    assert not any("user0" in s for s in found)


@pytest.mark.parametrize(
    "key", ["QvysiOyfhiWRtpReLPlagB", "QvStOrkAwWGbFdlIfsGcrx", "3915f25b6ceb46cb01d3de7ee38a77ca"]
)
def test_a_token_key_is_the_secret_with_or_without_digits(key: str) -> None:
    """A key of random letters reads as a token as one with digits does (it was kept in clear
    and its user masked: the flaky scanner test above drew such keys 1 time in 30)."""
    out = R.redact(f"tokens:\n  {key}: user0\n")
    assert key not in out
    assert "user0" in out


@pytest.mark.parametrize(
    "key", ["KmsKeyIdentifierValue", "SomeVeryLongCamelCaseIdentifier", "service_account_default"]
)
def test_a_key_made_of_words_names_a_member(key: str) -> None:
    """An identifier made of words is a member's name: its value is masked, the key kept."""
    out = R.redact(f"tokens:\n  {key}: user0\n")
    assert key in out
    assert "user0" not in out


@pytest.mark.parametrize("tail", ["'x\\", "'x\\\\", "'x\\'", '"x\\'])
def test_a_sql_list_cut_inside_an_escaped_string_is_read(tail: str) -> None:
    """``VALUES ('bob', 'x\\`` at the end of a text: no IndexError (the scanner reported the
    file as unscannable), and nothing past the text is read."""
    text = f"INSERT INTO users (name, password) VALUES ('bob', {tail}"  # noqa: S608 (log text, not a query)
    assert R.find(text) is not None
    assert R.redact(text) == R.redact(R.redact(text))


def test_after_token_or_key_only_a_token_is_masked() -> None:
    """``'Token ' + 'v'`` masks a value that reads as a token; ``'Token ' + 'expired'`` stays."""
    value = synthetic()
    assert value not in R.redact(f"const h = 'Token ' + '{value}';")
    assert_left_alone("const h = 'Token ' + 'EXPIRED';")
