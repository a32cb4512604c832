"""The text grammar of credentials: every carrier masks its whole value, and nothing else.

Shapes x values (each shape says which characters its value may hold), the
sensitive-name vocabulary and its lookalikes, placeholders, and a hypothesis
property that plants random values in every shape. The scaffolding (Shape, VALUES,
the oracle, the test bodies) is shared with the other grammar files: ``tests/grammar.py``.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redact import KeyNames
from redact.integrations._web import DEFAULT_SENSITIVE_QUERY_PARAMS, NameSet, mask_url
from redact.keynames import DEFAULT_QUERY_PARAMS
from tests.grammar import (
    PLANTED,
    VALUES,
    WS,
    Q,
    R,
    Shape,
    assert_keeps_tail,
    assert_lookalike_name,
    assert_masked_whole,
    assert_planted,
    assert_sensitive_name,
    leaks,
    shape_id,
    synthetic,
)
from tests.strategies import grammar_values

SHAPES = [
    # §1 where a value starts and ends
    Shape("colon-line", "password: {v}", "\\"),
    Shape("colon-line-in-log", "ts=1 level=warn password: {v}", "\\"),
    Shape("equals-token", "password={v}", WS + Q + "=\\"),
    Shape("equals-token-then-pair", "password={v} user=bob", WS + Q + "=\\"),
    Shape("ini-spaced", "password = {v}", "\\"),
    Shape("json", '{"password": "{v}", "user": "bob"}', '"\\'),
    Shape("python-repr", "{'password': '{v}', 'user': 'bob'}", "'\\"),
    Shape("logfmt-quoted", 'level=info password="{v}" user=bob', '"\\'),
    Shape("query", "GET /login?user=bob&password={v}&page=2", WS + Q + "&=#\\"),
    Shape("kv-semicolons", "Server=db;Password={v};User Id=sa", WS + Q + "=;\\"),
    Shape("userinfo", "postgres://app:{v}@db.internal:5432/app", WS + Q + "/?#\\"),
    Shape("userinfo-email-user", "https://me@example.com:{v}@git.host/repo", WS + Q + "/?#\\"),
    # §2 assignments and declarations
    Shape("walrus", "db_password := {v}", "\\"),
    Shape("bnf", "DB_PASSWORD ::= {v}", "\\"),
    Shape("make-cond", "DB_PASSWORD ?= {v}", "\\"),
    Shape("make-append", "DB_PASSWORD += {v}", "\\"),
    Shape("php-concat", "$password .= '{v}';", "'\\"),
    Shape("php-arrow", "'password' => '{v}',", "'\\"),
    Shape("r-arrow", 'password <- "{v}"', '"\\'),
    Shape("go-var", 'var fooToken string = "{v}"', '"\\'),
    Shape("go-short", 'fooToken := "{v}"', '"\\'),
    Shape("java", 'private static final String apiKey = "{v}";', '"\\'),
    Shape("rust", 'const API_KEY: &str = "{v}";', '"\\'),
    Shape("ts", 'const apiKey: string = "{v}";', '"\\'),
    Shape("python-annotated", 'api_key: str = "{v}"', '"\\'),
    Shape("csharp", 'string ClientSecret = @"{v}";', '"\\'),
    Shape("set-property", 'System.setProperty("FOO_TOKEN", "{v}");', '"\\'),
    Shape("os-environ", 'os.environ["DB_PASSWORD"] = "{v}"', '"\\'),
    Shape("setenv", 'setenv("DB_PASSWORD", "{v}", 1);', '"\\'),
    Shape("setter", 'cfg.setPassword("{v}");', '"\\'),
    Shape("xml-element", "<fooToken>{v}</fooToken>", "<>&\\"),
    Shape("xml-next-line", "<fooToken>\n  {v}\n</fooToken>", "<>&\\"),
    Shape("xml-nuget", '<add key="ClearTextPassword" value="{v}"/>', '"<>&\\'),
    Shape("xml-entry", '<entry name="db.password">{v}</entry>', "<>&\\"),
    Shape("flag-space", "app --password {v} --verbose", WS + Q + "\\"),
    Shape("flag-equals", "app --password={v} --verbose", WS + Q + "=\\"),
    Shape("flag-quoted", "app --api-key '{v}' --verbose", "'\\"),
    Shape("mysql-attached", "mysql -u root -p{v} appdb", WS + Q + "\\"),
    Shape("sshpass", "sshpass -p {v} ssh deploy@host", WS + Q + "\\"),
    Shape("redis-cli", "redis-cli -h cache -a {v} ping", WS + Q + "\\"),
    Shape("curl-user", "curl -u deploy:{v} https://api.test/x", WS + Q + "@\\"),
    Shape("curl-empty-user", 'curl -u ":{v}" https://api.test/x', '"\\'),
    Shape("curl-user-quoted", "curl --user kevin:'{v}' https://api.test/x", WS + "'\\"),
    Shape("sql-with-password", "CREATE USER app WITH PASSWORD '{v}';", "'\\"),
    Shape("sql-identified-by", "ALTER USER app IDENTIFIED BY '{v}';", "'\\"),
    # §2 values that span lines
    Shape("heredoc", "db_password = <<EOF\n{v}\nEOF\n", "\\"),
    Shape("heredoc-dash", "DB_PASSWORD=<<-EOF\n\t{v}\n\tEOF\n", "\\"),
    Shape("heredoc-quoted", "db_password = <<'EOF'\n{v}\nEOF\n", "\\"),
    Shape("ruby-squiggly-heredoc", "password = <<~EOS\n  {v}\nEOS\n", "\\"),
    Shape("php-nowdoc", "$password = <<<'EOT'\n{v}\nEOT;\n", "\\"),
    Shape("php-heredoc-indented", "$password = <<<EOT\n    {v}\n    EOT;\n", "\\"),
    Shape("dotenv-in-heredoc", "cat <<EOF > .env\nDB_PASSWORD={v}\nEOF\n", Q + "=:\\"),
    Shape("python-triple-quoted", 'password = """\n{v}\n"""', '"\\'),
    Shape("js-template-literal", "const apiKey = `\n{v}\n`;", "`\\"),
    Shape("yaml-next-line", "db:\n  password:\n    {v}\n  user: bob", ":#\\"),
    Shape("yaml-list", "tokens:\n  - {v}\nuser: bob", ":#\\"),
    Shape("yaml-literal-block", "password: |\n  {v}\nuser: bob", "\\"),
    Shape("yaml-folded-block", "password: >-\n  {v}\n", "\\"),
    Shape("yaml-tag", "password: !!str {v}", "\\"),
    # ("&pw =v" reads as a Rust reference type "&pw =": a value holding "=" is ambiguous)
    Shape("yaml-anchor", "password: &pw {v}", "=\\"),
    # §2 operators
    Shape("or-assign", "password ||= '{v}'", "'\\"),
    Shape("nullish-assign", "password ??= '{v}'", "'\\"),
    Shape("and-assign", '$password &&= "{v}";', '"\\'),
    Shape("defined-or-assign", "$password //= '{v}';", "'\\"),
    Shape("bitor-assign", "password |= '{v}'", "'\\"),
    Shape("arrow-spaced", "password -> {v}", "\\"),
    Shape("arrow-unicode", "password → {v}", "\\"),
    Shape("perl-env", '$ENV{DB_PASSWORD} = "{v}";', '"\\'),
    Shape("perl-hashref", "$cfg->{password} = '{v}';", "'\\"),
    Shape("ruby-env-or", "ENV['API_KEY'] ||= '{v}'", "'\\"),
    Shape("shell-default", "password=${DB_PASSWORD:-{v}}", WS + Q + "{}$=;&,?#\\"),
    Shape("spring-default", "password: ${DB_PASSWORD:{v}}", "{}$?\\"),
    Shape("getenv-default", 'password = os.getenv("APP_DB", "{v}")', '"\\'),
    # §2 declarations without an operator (build files, shells, config)
    Shape("c-define-quoted", '#define API_KEY "{v}"', '"\\'),
    Shape("c-define", "#define DB_PASSWORD {v}", "\\"),
    Shape("cmake-set", 'set(API_TOKEN "{v}")', '"\\'),
    Shape("cmake-set-env", 'set(ENV{API_TOKEN} "{v}")', '"\\'),
    Shape("dockerfile-env-space", "ENV DB_PASSWORD {v}", "\\"),
    Shape("dockerfile-arg", "ARG DB_PASSWORD={v}", WS + Q + "=\\"),
    Shape("csh-setenv", "setenv DB_PASSWORD {v}", "\\"),
    Shape("fish-set", "set -gx DB_PASSWORD {v}", "\\"),
    Shape("windows-setx", 'setx API_KEY "{v}"', '"\\'),
    # (a later "name=" or "name:" pair, or a command such as "/usr/bin/app", ends an env
    # line's value: see equals-token-then-pair)
    Shape("windows-set", "set DB_PASSWORD={v}", "=:/\\"),
    Shape("make-export", "export DB_PASSWORD := {v}", "\\"),
    Shape("perl-my", "my $password = '{v}';", "'\\"),
    Shape("tsql-declare", "DECLARE @pw NVARCHAR(50) = '{v}'", "'\\"),
    Shape("tsql-set", "SET @password = '{v}'", "'\\"),
    Shape("nginx-header", 'proxy_set_header X-Api-Key "{v}";', '"\\'),
    Shape("powershell-set-variable", 'Set-Variable -Name password -Value "{v}"', '"\\'),
    Shape("powershell-env", '$env:DB_PASSWORD = "{v}"', '"\\'),
    Shape(
        "powershell-securestring",
        'ConvertTo-SecureString -String "{v}" -AsPlainText -Force',
        '"\\',
    ),
    Shape("powershell-securestring-positional", 'ConvertTo-SecureString "{v}" -AsPlainText', '"\\'),
    # §2 name/value records
    Shape(
        "terraform-variable-default",
        'variable "db_password" {\n  type    = string\n  default = "{v}"\n}',
        '"\\',
    ),
    Shape("k8s-env-text", "env:\n  - name: DB_PASSWORD\n    value: {v}\n  - name: HOME", "#\\"),
    Shape("k8s-env-json", '{"name": "DB_PASSWORD", "value": "{v}"}', '"\\'),
    Shape("ecs-env-value-first", '{"value": "{v}", "name": "DB_PASSWORD"}', '"\\'),
    Shape("cfn-parameters", "ParameterKey=DbPassword,ParameterValue={v}", WS + Q + ",;}>)]\\"),
    Shape("cli-name-value", "az keyvault secret set --name db-password --value {v}", WS + Q + "\\"),
    Shape("html-input-type", '<input type="password" value="{v}">', '"<>&\\'),
    Shape("html-input-name", '<input name="password" id="pw" value="{v}">', '"<>&\\'),
    # §2 calls whose positional argument is the credential (DEFAULT_AUTH_CALLS)
    Shape("requests-basic-auth", 'HTTPBasicAuth("bob", "{v}")', '"\\'),
    Shape("auth-tuple", 'requests.get(url, auth=("bob", "{v}"))', '"\\'),
    Shape("smtp-login", "smtp.login('a@b.c', '{v}')", "'\\"),
    Shape("redis-auth", "redis.auth('{v}')", "'\\"),
    Shape("mongo-auth", 'db.auth("u", "{v}")', '"\\'),
    Shape("getenv-default-sensitive", 'os.getenv("DB_PASSWORD", "{v}")', '"\\'),
    Shape("java-password-auth", 'new PasswordAuthentication("u", "{v}".toCharArray())', '"\\'),
    Shape("dotnet-network-credential", 'new NetworkCredential("u", "{v}")', '"\\'),
    Shape("powershell-credential-new", '[System.Net.NetworkCredential]::new("u", "{v}")', '"\\'),
    Shape("httpclient-credentials", 'new UsernamePasswordCredentials("u", "{v}")', '"\\'),
    Shape("jwt-encode", 'jwt.encode(payload, "{v}", algorithm="HS256")', '"\\'),
    Shape("node-hmac", "crypto.createHmac('sha256', '{v}')", "'\\"),
    Shape("mysql-connector", 'mysql.connector.connect(user="u", password="{v}")', '"\\'),
    Shape("php-pdo", 'new PDO($dsn, "u", "{v}")', '"\\'),
    Shape("go-aws-static", 'credentials.NewStaticCredentials("AKID", "{v}", "")', '"\\'),
    Shape("go-minio-static", 'credentials.NewStaticV4("minio", "{v}", "")', '"\\'),
    Shape("java-aws-basic", 'new BasicAWSCredentials("AKID", "{v}")', '"\\'),
    # §2 tables and lists
    Shape("pair-list", '["password", "{v}"]', '"\\', names_list=True),
    Shape("csv-quoted", '"password","{v}"', '"\\'),
    Shape("csv-plain", "password,{v}", ",\\", names_list=True),
    Shape("tsv", "password\t{v}", "\t\\", names_list=True),
    Shape("markdown-row", "| password | {v} |", "|`\\", names_list=True),
    Shape(
        "markdown-table",
        "| name | value |\n|---|---|\n| password | {v} |\n| user | bob |",
        "|`\\",
        names_list=True,
    ),
    Shape("bracketed-value", "password={v}", WS + Q + "[]=\\", form=lambda v: f"[{v}]"),
    # §3 headers and HTTP in text
    Shape("auth-ssws", "Authorization: SSWS {v}", "\\"),
    Shape("auth-splunk", "Authorization: Splunk {v}", "\\"),
    Shape("auth-geniekey", "authorization: GenieKey {v}", "\\"),
    Shape("auth-sharedkey", "Authorization: SharedKey acct:{v}", "\\"),
    Shape("auth-token-param", "Authorization: Token token={v}", "\\"),
    Shape("auth-bearer", "Authorization: Bearer {v}", "\\"),
    Shape("auth-curl-header", 'curl -H "Authorization: Key {v}" https://x', '"\\'),
    Shape("auth-json", '{"Authorization": "Digest {v}"}', '"\\'),
    Shape(
        "bytes-headers",
        "send: b'GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Api-Key: {v}\\r\\nAccept: */*\\r\\n\\r\\n'",
        "'\\",
    ),
    Shape("bytes-cookie", "send: b'GET / HTTP/1.1\\r\\nCookie: sid={v}\\r\\n'", "'\\"),
    Shape("jsessionid", "GET /cart;jsessionid={v}?a=1 HTTP/1.1", WS + Q + "?=\\"),
    Shape("amz-signature", "https://b.s3.test/k?X-Amz-Signature={v}&X-Amz-Date=1", WS + "&=#\\"),
    Shape("amz-credential", "https://b.s3.test/k?X-Amz-Credential={v}&a=1", WS + "&=#\\"),
    Shape("goog-signature", "https://st.test/o?X-Goog-Signature={v}", WS + Q + "&=#\\"),
    Shape("sas-sig-last", "https://a.blob.test/c?sv=2022-11-02&sig={v}", WS + Q + "&=#\\"),
    Shape("sas-sig-first", "https://a.blob.test/c?sig={v}&sv=2022-11-02", WS + Q + "&=#\\"),
    Shape(
        "percent-json",
        "GET /s?filter={v}",
        "\\",
        form=lambda v: urllib.parse.quote(json.dumps({"password": v}), safe=""),
        visible=lambda v: urllib.parse.quote(v, safe=""),
    ),
    Shape(
        "percent-pair",
        "GET /s?data={v}&x=1",
        WS + Q + "=\\",
        form=lambda v: urllib.parse.quote("password=" + v, safe=""),
        visible=lambda v: urllib.parse.quote(v, safe=""),
    ),
    # §4 names
    Shape("bracketed-form", "user[password]={v}&user[name]=bob", WS + Q + "&=\\"),
    # redact:allow sensitive-key a template, not a value
    Shape("bracketed-api-key", "data[api_key]={v}", WS + Q + "&=\\"),
    Shape("password-confirmation", "password_confirmation={v}", WS + Q + "=\\"),
    Shape("mysql-pwd", "MYSQL_PWD={v}", WS + Q + "=\\"),
    Shape("functions-key", "x-functions-key: {v}", "\\"),
    Shape("apim-key", "Ocp-Apim-Subscription-Key: {v}", "\\"),
    Shape("hub-signature", "X-Hub-Signature-256: sha256={v}", "\\"),
]


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("value", VALUES)
def test_shape_masks_the_whole_value(shape: Shape, value: str) -> None:
    """Every carrier masks every value it can hold, whole (no run of 4 characters survives)."""
    assert_masked_whole(shape, value)


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_shape_keeps_its_surroundings(shape: Shape) -> None:
    """The mask replaces the value only: the text after it is kept (the mask is beside it)."""
    assert_keeps_tail(shape)


@PLANTED
@given(value=grammar_values, shape=st.sampled_from(SHAPES))
def test_planted_values_never_survive(value: str, shape: Shape) -> None:
    """Random values (with ; & , ( ) < > @ spaces quotes) planted in every shape: nothing leaks.

    A value that starts with a quote is a quoted value (it ends at its closing quote), one
    that starts with - | > [ ... is a flag, a YAML block or anchor, or a template.
    """
    assert_planted(shape, value)


# -- authorization -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scheme",
    ["SSWS", "Splunk", "GenieKey", "Key", "SharedKey", "Token", "Bearer", "Basic", "OAuth", "Hawk"],
)
def test_authorization_any_scheme_keeps_the_word_masks_the_credentials(scheme: str) -> None:
    """The credentials go whatever the scheme; the scheme word stays readable."""
    value = synthetic(24)
    out = R.redact(f"Authorization: {scheme} {value}")
    assert value not in out
    assert out.startswith(f"Authorization: {scheme} [REDACTED")


def test_digest_parameters_are_masked() -> None:
    """Digest parameters (response, nonce) are credentials too."""
    nonce, response = synthetic(), synthetic()
    # redact:allow authorization-header built from runtime values
    text = f'Authorization: Digest username="bob", nonce="{nonce}", response="{response}"'
    out = R.redact(text)
    assert nonce not in out and response not in out


def test_bytes_header_block_masks_each_header_alone() -> None:
    """http.client debug output: each header value is masked up to its literal CR LF."""
    a, b = synthetic(), synthetic()
    text = (
        f"send: b'GET / HTTP/1.1\\r\\nX-Api-Key: {a}\\r\\nCookie: sid={b}\\r\\nAccept: */*\\r\\n'"
    )
    out = R.redact(text)
    assert a not in out and b not in out
    assert "\\r\\nCookie: [REDACTED" in out and "\\r\\nAccept: */*" in out


# -- URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("mysql://root:{v}@localhost/db", "@localhost/db"),
        ("mysql://root:p@ss{v}@localhost/db", "@localhost/db"),
        ("https://me@example.com:{v}@host/repo", "@host/repo"),
        ("redis://:{v}@cache:6379/0", "@cache:6379/0"),
        ("amqp://a:b@c{v}@rabbit/vhost", "@rabbit/vhost"),
    ],
)
def test_userinfo_ends_at_the_last_at_sign(url: str, kept: str) -> None:
    """A raw '@' in the user or password stays inside the mask; the host stays readable."""
    value = synthetic()
    text = url.format(v=value)
    out = R.redact(text)
    assert value not in out and "ss" + value not in out
    assert out.endswith(kept)
    names = NameSet(R, DEFAULT_SENSITIVE_QUERY_PARAMS)
    web = mask_url(text, names, R)  # the OTel url.full / ASGI path
    assert value not in web and web.endswith(kept)


def test_query_params_are_one_list() -> None:
    """The web adapters use the core's query-parameter list, not a copy."""
    assert DEFAULT_SENSITIVE_QUERY_PARAMS is DEFAULT_QUERY_PARAMS
    for name in ("X-Amz-Signature", "X-Amz-Credential", "X-Goog-Signature", "sig"):
        assert R.key_names.is_sensitive_param(name)


@pytest.mark.parametrize("name", ["X-Amz-Signature", "X-Amz-Credential", "X-Goog-Signature"])
def test_signed_url_names_in_mappings(name: str) -> None:
    """redact_obj masks signed-URL parameters held in a mapping (a parsed query)."""
    value = synthetic()
    out = R.redact_obj({name: value, "X-Amz-Date": "20260101T000000Z"})
    assert value not in str(out)
    assert out["X-Amz-Date"] == "20260101T000000Z"


@pytest.mark.parametrize("name", ["key", "code", "sig", "auth"])
def test_query_only_names_in_text_not_in_prose(name: str) -> None:
    """``?key=`` in a URL is masked whatever its value; ``key=`` outside a query string
    is a weak name (tests/core/test_weak_joints.py): only a shaped value is masked, a
    word or a number stays. ``code`` is no weak name: ``code=`` stays in prose."""
    value = synthetic()
    assert value not in R.redact(f"GET /x?{name}={value}&y=1")
    if R.key_names.is_weak(name):
        shaped = "Zq9Lm2Xw7Kp4Rt"  # fixed: a random value may read as words
        assert shaped not in R.redact(f"{name}={shaped}")
    else:
        prose = f"{name}={value}"
        assert R.redact(prose) == prose
    for plain in (f"{name}=ldap", f"{name}=42", f"{name}=user_profile"):
        assert R.redact(plain) == plain


# -- names -----------------------------------------------------------------------------------

SENSITIVE_NAMES = [
    "password",
    "passwordconfirm",
    "password_confirmation",
    "passwordConfirm",
    "confirm_password",
    "new_password",
    "password2",
    "password_hash",
    "secrets",
    "passwords",
    "tokens",
    "access_tokens",
    "db_pass",
    "dbPass",
    "SMTP_PASS",
    "pw",
    "db_pw",
    "pwd",
    "mysql_pwd",
    "MYSQL_PWD",
    "session",
    "user_session",
    "sessionId",
    "JSESSIONID",
    "PHPSESSID",
    "user[password]",
    "data[api_key]",
    "user[password_confirmation]",
    "x-functions-key",
    "Ocp-Apim-Subscription-Key",
    "x-hub-signature-256",
    "X-Hub-Signature",
    "Stripe-Signature",
    "X-Amz-Security-Token",
    "DD-APPLICATION-KEY",
    "AccountKey",
    "client_secret",
    "SecretString",
    "token_value",
    "api_key_v2",
    "HTTP_AUTHORIZATION",
    "HTTP_COOKIE",
    "X-Authorization",
    "creds",
    "github_token",
    "passphrase",
    "passcode",
    # key material and stores without "password"/"key" as the last word
    "secret_key_base",
    "storepass",
    "keypass",
    "privkey",
    "aes_key",
    "psk",
    "unseal_key",
    "mnemonic",
    "seed_phrase",
    "security_answer",
    "credentials_json",
    "DOCKER_AUTH_CONFIG",
    "sasl.jaas.config",
    "SLACK_WEBHOOK_URL",
    # red team, third session: personal access tokens, glued account passwords, SNMP
    # communities, keys named by their use or service, tier-qualified names, TF_TOKEN_<host>
    "GITHUB_PAT",
    "AZURE_DEVOPS_PAT",
    "ADO_PAT",
    "gitlab_pat",
    "TF_TOKEN_app_terraform_io",
    "rootpw",
    "bindpw",
    "ldap_bindpw",
    "adminpass",
    "snmp_community",
    "community_string",
    "stripe_key",
    "OPENAI_KEY",
    "storage_key",
    "enc_key",
    "wallet_key",
    "pkey",
    "cred",
    "db_cred",
    "PASSWORD_PROD",
    "api_key_staging",
    "client_secret_live",
]

LOOKALIKES = [
    "token_count",
    "pskLength",
    "mnemonic_count",
    "storepass_file",
    "tokenCount",
    "max_tokens",
    "total_tokens",
    "token_type",
    "tokenizer",
    "author",
    "authored_by",
    "keyboard",
    "public_key",
    "primary_key",
    "foreign_key",
    "sort_key",
    "key_id",
    "passenger",
    "compass",
    "bypass",
    "passport",
    "session_count",
    "sessions",
    "password_policy",
    "password_length",
    "secret_name",
    "secretary",
    "monkey",
    "signature_version",
    "pass_count",
    "cookie_name",
    "description",
    "url_pat",
    "file_pat",
    "SPAT",
    "compat",
    "s3_key",
    "cache_key",
    "redis_key",
    "community",
    "sacred",
    "credit",
    "tf_tokenizer",
    "password_policy_prod",
    "public_key_prod",
]


@pytest.mark.parametrize("name", SENSITIVE_NAMES)
def test_sensitive_names_in_every_carrier(name: str) -> None:
    """Each name is sensitive in mappings and masks its value in text."""
    assert_sensitive_name(name)


@pytest.mark.parametrize("name", LOOKALIKES)
def test_lookalike_names_are_left_alone(name: str) -> None:
    """Names that only look sensitive keep their values, in mappings and in text."""
    assert_lookalike_name(name)


def test_vocabulary_is_configurable() -> None:
    """with_names adds names and allows others; the words rule follows the name's split."""
    names = KeyNames.default().with_names(["ticket"], allow=["session"])
    assert names.is_sensitive("ticket") and not names.is_sensitive("session")
    assert names.is_sensitive("user_pass") and not names.is_sensitive("userbypass")


# -- placeholders ------------------------------------------------------------------------------

PLACEHOLDERS = [
    "password: ${DB_PASSWORD}",
    "dbPassword: $(DbPassword)",
    "password=$(cat /run/secrets/db)",
    "password: '%env(DB_PASSWORD)%'",
    "password: #{DbPassword}",
    "token: ${{ secrets.GITHUB_TOKEN }}",
    "password: {{ .Values.db.password }}",
    "password = var.db_password",
    'password = os.environ["DB_PASSWORD"]',
    "password = os.getenv('DB_PASSWORD')",
    "token: process.env.API_TOKEN",
    "token: <your-token-here>",
    "api_key=xxxxxxxx",
    "api_key=XXXX-XXXX-XXXX",
    "password=****",
    "password=%(password)s",
    "password = None  # set at runtime",
    "password: [REDACTED]",
    "secret: !Ref DbSecret",
    "password=$DB_PASSWORD",
    "password=%APP_PASSWORD%",
    # red team: more members (SOPS ciphertext, PowerShell, replace tokens, secret-manager
    # and KMS references, Terraform resource attributes, filler and cut examples)
    "password: ENC[AES256_GCM,data:Tr8sQ==,iv:abc=,tag:x==,type:str]",
    "password: $env:DB_PASSWORD",
    "password=__DB_PASSWORD__",
    "password: @@DB_PASSWORD@@",
    "password: REPLACE_ME",
    "api_key: TODO",
    "password: (hidden)",
    "api_key: sk-...",
    "token: ghp_\u2026",
    "key: kms://projects/p/locations/l/keyRings/r/cryptoKeys/k",
    "password: vault:secret/data/db#password",
    "password: azurekeyvault://kv/secrets/db",
    "password = random_password.db.result",
    "password = aws_secretsmanager_secret_version.db.secret_string",
    "password: {{ x | default('') }}",
    "password: {{ x | default(omit) }}",
    "password: {{ lookup('env', 'DB_PASSWORD') }}",
]


@pytest.mark.parametrize("text", PLACEHOLDERS)
def test_placeholders_are_not_secrets(text: str) -> None:
    """A value that only names where the secret comes from is left readable."""
    assert R.redact(text) == text
    assert not [f for f in R.find(text) if f.detector == "key-name"]


@pytest.mark.parametrize(
    "text",
    [
        "password: TODOZq9Lm2Xw7",  # a filler word glued to a value
        "password: vault:Zq9Lm2Xw7Kp4",  # no path: a value that starts with vault:
        "password: Zq9Lm2Xw...",  # a value, then an ellipsis
        "password = random_Zq9.Lm2.Xw7",  # no provider resource type
        "password: __Zq9Lm2Xw7Kp4",  # not a closed replace token
        # a template with a literal default holds a value (red team, second pass)
        # redact:allow sensitive-key synthetic test value
        'password: {{ .Values.password | default "Zq9Lm2Xw7Kp4Rt6Y" }}',
        # redact:allow sensitive-key synthetic test value
        "password: \"{{ db_pass | default('Zq9Lm2Xw7Kp4Rt6Y') }}\"",
        # redact:allow sensitive-key synthetic test value
        "password: {{ x | d('Zq9Lm2Xw7Kp4Rt6Y', true) }}",
        # redact:allow sensitive-key synthetic test value
        "password: {{ x | default(value='Zq9Lm2Xw7Kp4Rt6Y') }}",
        # redact:allow sensitive-key synthetic test value
        "token: ${{ secrets.X || 'Zq9Lm2Xw7Kp4Rt6Y' }}",
        # redact:allow sensitive-key synthetic test value
        "password: ${DB_PASSWORD:-Zq9Lm2Xw7Kp4Rt6Y}",
    ],
)
def test_placeholder_lookalikes_are_masked(text: str) -> None:
    assert "Zq9" not in R.redact(text)


def test_no_finding_is_a_lone_character() -> None:
    """A template's first character is never reported as a one-character secret."""
    for text in PLACEHOLDERS:
        assert all(f.end - f.start > 1 for f in R.find(text)), text


#: References, paths and type annotations under sensitive names: they name where a value comes
#: from or what type it has, and are neither masked nor reported.
REFERENCES = [
    "PWD=/home/bob",
    "OLDPWD=/home/bob/src",
    "passwords: list[str]",
    "tokens: Sequence[str]",
    "password: str = Field(...)",
    "api_key: Optional[str] = None",
    "def login(password: str):",
    "def connect(host: str, password: str | None = None) -> None:",
    "password={0}",
    "password={}",
    "password=%s",
    "password=%1$s",
    "((db_password))",
    "password: ((db_password))",
    "password=settings.DB_PASSWORD",
    "password = self.password",
    "password = request.form['password']",
    "$password = $this->password;",
    "secret_key = SECRET_KEY",
    "password = getpass()",
    "password: /run/secrets/db_password",
    "password: file:/etc/secret",
    "token: ~/.config/app/token",
    "password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231336539666234",
    "password: *default_password",
    "password = :password",
    "password = @password",
    "password: ${DB_PASSWORD:?password is required}",
    "password: ${env:DB_PASSWORD}",
    "password: op://vault/db/password",
    "password:\n  min_length: 12\n  require_digit: true",
    'password = os.getenv("DB_PASSWORD", None)',
]


@pytest.mark.parametrize("text", REFERENCES)
def test_references_paths_and_types_are_not_values(text: str) -> None:
    """A reference, a path or a type annotation is left readable and not reported."""
    assert R.redact(text) == text
    assert not [f for f in R.find(text) if f.detector == "key-name"]


def test_yaml_binary_tag_stays_readable_its_payload_is_masked() -> None:
    """``!!binary`` is the value's encoding: the tag stays, the base64 payload is the secret."""
    payload = base64.b64encode(synthetic().encode()).decode()
    out = R.redact(f"password: !!binary |\n  {payload}\nuser: bob")
    assert out == "password: !!binary |\n  [REDACTED:sensitive-key]\nuser: bob"


#: Shapes of the declaration, record, call and table carriers that hold no value.
NOT_VALUES = [
    "| password | hint |\n|---|---|",
    "password,username,email",
    "username,password",
    "#define PASSWORD_MAX_LEN 64",
    "ENV PATH /usr/bin",
    "set -e",
    "- name: DB_HOST\n  value: db.internal",
    '{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}',
    "HTTPBasicAuth(user, password)",
    'auth=("bob", os.environ["PW"])',
    "smtp.login(user, pw)",
    'login("bob")',
    "jwt.decode(token, key, algorithms=['HS256'])",
    "ConvertTo-SecureString $pw -AsPlainText -Force",
    '["password", "token"]',
]


@pytest.mark.parametrize("text", NOT_VALUES)
def test_declarations_records_calls_and_tables_without_values(text: str) -> None:
    """Headers, references, non-literal arguments and name lists are left as they are."""
    assert R.redact(text) == text


# -- comparisons and lookalike shapes ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "if password == 'x1y2z3w4':",
        "if (token != 'abcd1234') {",
        "assert api_key === 'abcd1234'",
        "while (retries <= 3) token_count += 1",
        "passwords are hard",
        "the token expired",
        'getPassword("db")',
        "fields = ['password', 'token']",
    ],
)
def test_comparisons_and_prose_are_not_assignments(text: str) -> None:
    """== != === <= and prose around sensitive words are not assignments."""
    assert R.redact(text) == text


def test_carrier_keeps_brackets_that_close_before_the_name() -> None:
    """f(token=abc) keeps the ')' and ',' structure around the masked value."""
    value = synthetic()
    assert R.redact(f"f(token={value}, n=1)") == "f(token=[REDACTED:sensitive-key], n=1)"
    assert R.redact(f"{{password: {value}}}") == "{password: [REDACTED:sensitive-key]}"


def test_value_inside_a_quoted_message_ends_at_its_quote() -> None:
    """msg="token: a b" user=x: the value ends with the message's string."""
    value = synthetic()
    out = R.redact(f'msg="token: {value} now" user=bob')
    assert out == 'msg="token: [REDACTED:sensitive-key]" user=bob'


def test_no_catastrophic_work_on_carrier_keywords() -> None:
    """Adversarial inputs made of the carriers' own keywords stay linear (results, not time)."""
    parts = ["mysql -p", "curl -u a:", "http://a:b@", "token=", "token: ", '"token": "', "%3D"]
    for p in parts:
        text = p * 5_000
        out = R.redact(text)
        assert isinstance(out, str)


def test_grammar_regexes_are_possessive() -> None:
    """The detector's unbounded runs are possessive (no backtracking into a value)."""
    from redact import _carriers

    for rx in (_carriers._TOKEN, _carriers._TOKEN_RUN, _carriers._RUN):
        assert re.search(r"\+\+|\*\+", rx.pattern), rx.pattern


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_shape_inside_a_large_text(shape: Shape) -> None:
    """Large texts are scanned around keywords only: every carrier still masks its whole value."""
    value = synthetic()
    filler = "request handled ok status 200\n" * 700
    out = R.redact(filler + shape.render(value) + "\n" + filler)
    assert value not in out
    assert not leaks(out, shape.visible(value), filler + shape.render("") + "\n" + filler)
