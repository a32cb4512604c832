"""Sensitive field and header names: a value stored under one is masked whole.

One vocabulary serves every carrier: mappings (``redact_obj``), ``name=value``
text, headers, query strings and the web adapters. A name is split into words
(``dbPass`` -> ``db pass``, ``X-Hub-Signature-256`` -> ``x hub signature 256``)
and compared after normalisation (lower case, only letters and digits kept, so
``X-Api-Key``, ``x_api_key``, ``xApiKey`` and ``user[api_key]`` agree). It is
sensitive when:

* it equals one of ``exact`` (``token``, ``session``, ``pw``, ``x-functions-key``);
* it ends with one of ``suffixes`` (``db_password``, ``github_token``,
  ``Ocp-Apim-Subscription-Key``);
* its last word is one of ``words`` (``db_pass``, ``MYSQL_PWD``, ``user_session``) -- a
  whole word, so ``bypass``, ``compass`` and ``passenger`` are not;
* any of the above holds once trailing *modifiers* are dropped
  (``password_confirmation``, ``passwordConfirm``, ``token_value``, ``x-hub-signature-256``).

``token_count``, ``author``, ``keyboard``, ``public_key``, ``primary_key`` and
``tokenizer`` are therefore not sensitive (``tests/core/test_grammar.py`` keeps a
table of such lookalikes). In URL query strings a few more names count
(``DEFAULT_QUERY_PARAMS``: ``key``, ``code``, ``sig``, ...); they are too common
elsewhere (``{"code": 404}``) to mask in every mapping.

Some calls take a credential by position whatever its variable is called
(``HTTPBasicAuth("bob", "v")``, ``smtp.login(user, "v")``, ``new NetworkCredential("u", "v")``,
``jwt.encode(payload, "v")``): ``DEFAULT_AUTH_CALLS`` maps each callee to the index of its
secret argument, and ``DEFAULT_AUTH_PAIRS`` names the fields that hold a ``(user, secret)``
pair (``auth=("bob", "v")``). Only a string literal there is masked.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
import urllib.parse
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from redact import _carriers as c
from redact import _commands as cmd
from redact import _sql as sql
from redact import _tables as tables
from redact._matcher import AnchorMatcher, ascii_lower, build_matcher
from redact._validators import _wordish, shaped_value, worded_value
from redact.masks import MASK_TOKEN

__all__ = [
    "DEFAULT_AUTH_CALLS",
    "DEFAULT_AUTH_PAIRS",
    "DEFAULT_CASED",
    "DEFAULT_EXACT",
    "DEFAULT_MODIFIERS",
    "DEFAULT_PREFIXES",
    "DEFAULT_QUERY_PARAMS",
    "DEFAULT_SUFFIXES",
    "DEFAULT_WORDS",
    "PAT_SERVICES",
    "SERVICE_WORDS",
    "SYSTEM_MODIFIERS",
    "KeyNames",
    "KeyValueDetector",
    "normalize",
]

#: Services whose ``<service>_key`` is their API key (``STRIPE_KEY``, ``openai_key``).
#: Only services whose "key" is a credential: a cache, queue or bucket's key is not.
SERVICE_WORDS: tuple[str, ...] = (
    "stripe",
    "openai",
    "anthropic",
    "sendgrid",
    "mailgun",
    "mailchimp",
    "postmark",
    "twilio",
    "algolia",
    "mapbox",
    "datadog",
    "newrelic",
    "pagerduty",
    "sentry",
    "segment",
    "mixpanel",
    "amplitude",
    "shopify",
    "paypal",
    "braintree",
    "plaid",
    "heroku",
    "cloudflare",
    "fastly",
    "okta",
    "auth0",
    "firebase",
    "hubspot",
    "zendesk",
    "intercom",
    "airtable",
    "notion",
    "linear",
    "github",
    "gitlab",
    "google",
    "gcp",
    "azure",
    "aws",
    "digitalocean",
    "openrouter",
    "huggingface",
    "cohere",
    "mistral",
    "groq",
    "replicate",
    "pinecone",
    "vercel",
    "netlify",
    "supabase",
    "clerk",
    "resend",
    "brevo",
)

#: Hosting services whose personal access token is written ``<service>_pat``
#: (``gitlab_pat``); an upper-case ``*_PAT`` environment variable is one whatever it names.
PAT_SERVICES: tuple[str, ...] = (
    "github",
    "gh",
    "gitlab",
    "gl",
    "ado",
    "azdo",
    "devops",
    "bitbucket",
    "gitea",
    "forgejo",
    "codeberg",
    "hf",
    "huggingface",
    "dockerhub",
    "docker",
    "jfrog",
    "artifactory",
    "databricks",
    "atlassian",
    "jira",
    "confluence",
    "sonar",
    "tfe",
)

#: Names that are sensitive by how they START: Terraform's ``TF_TOKEN_<host>`` (the
#: API token for that host, with the host's dots written as ``_``).
DEFAULT_PREFIXES: tuple[str, ...] = ("tf_token_",)

#: Names that are sensitive only as a whole (written with ``_`` between words).
DEFAULT_EXACT: tuple[str, ...] = (
    "authorization",
    "proxy_authorization",
    "cookie",
    "set_cookie",
    "dsn",
    "pw",
    "pwd",
    "pass",
    "passphrase",
    "passkey",
    "pass_key",
    "pepper",  # a password hash's secret pepper
    "auth_header",  # "auth" alone is a mode; its header is the credential
    "passwords",
    "credential",
    "creds",
    "secret",
    "secrets",
    "token",
    "tokens",
    "jwt",
    "bearer",
    "session",
    "session_id",
    "jsessionid",
    "phpsessid",
    "connect.sid",
    "aspxauth",
    "signature",
    "x_signature",
    "hub_signature",
    "x_hub_signature",
    "x_amz_signature",
    "x_amz_credential",
    "x_amz_security_token",
    "x_goog_signature",
    "x_goog_credential",
    "x_functions_key",
    # API keys sent under a header that does not say so (Honeycomb, Sentry's auth header)
    "x_honeycomb_team",
    "x_sentry_auth",
    "otp",
    "cvv",
    "private_key",
    "database_url",
    "redis_url",
    "amqp_url",
    "broker_url",
    "x_auth_token",
    "x_csrf_token",
    "x_api_key",
    "x_tableau_auth",
    "requirepass",
    "masterauth",
    "rediscli_auth",
    "private_key_id",
    "secret_id",
    "cvv2",
    "cvc2",
    "pkey",
    # credentials named by their protocol or tool (red team, issue 10 §4)
    "auths",  # ~/.docker/config.json {"auths": {"<registry>": {"auth": base64(user:pw)}}}
    "cookies",
    "hmac",
    "sshpass",  # the environment variable sshpass -e reads
    "client_assertion",  # OAuth private_key_jwt
    "saml_response",  # SAMLResponse
    "saml_assertion",
    *(f"{service}_pat" for service in PAT_SERVICES),
)

#: Names whose endings make them sensitive (``db_password``, ``github_token``).
DEFAULT_SUFFIXES: tuple[str, ...] = (
    "password",
    "passwords",
    "passwd",
    "passcode",
    "secret",
    "secrets",
    "token",
    "access_tokens",
    "api_tokens",
    "auth_tokens",
    "refresh_tokens",
    "api_key",
    "api_keys",
    "apikey",
    "private_key",
    "secret_key",
    "access_key",
    "account_key",
    "shared_key",
    "shared_access_key",
    "signing_key",
    "encryption_key",
    "decryption_key",
    "master_key",
    "admin_key",
    "app_key",
    "application_key",
    "client_key",
    "deploy_key",
    "functions_key",
    "hmac_key",
    "license_key",
    "recovery_key",
    "recovery_keys",
    "subscription_key",
    "write_key",
    "client_secret",
    # one-time and recovery codes
    "mfa_code",
    "otp_code",
    "totp_code",
    "2fa_code",
    "sms_code",
    "auth_code",
    "authorization_code",
    "recovery_code",
    "recovery_codes",
    "backup_code",
    "backup_codes",
    "security_code",
    "verification_code",
    "pin_code",
    "pincode",
    # the word for password in other languages (a suffix: db_passwort, usuario_contraseña)
    "passwort",
    "kennwort",
    "contraseña",
    "contrasena",
    "senha",
    "mot_de_passe",
    "motdepasse",
    "wachtwoord",
    "hasło",
    "haslo",
    "parola",
    "parolă",  # Romanian
    "lösenord",
    "losenord",
    "passord",
    "salasana",
    "пароль",
    "パスワード",
    "密码",
    "密碼",
    "비밀번호",
    "credential",
    "credentials",
    "passphrase",
    "session_key",
    "session_id",
    "auth_key",
    "authorization",
    "signature",
    "set_cookie",
    "cookie",
    "dsn",
    # key material and stores named without "password"/"key" last (red team, issue 10 §4)
    "secret_key_base",
    "storepass",
    "keypass",
    "privkey",
    "aes_key",
    "psk",
    "unseal_key",
    "mnemonic",
    "mnemonic_phrase",
    "mnemonic_words",
    "seed_phrase",
    "security_answer",
    "secret_answer",
    "plaintext",  # a KMS Decrypt response's decrypted secret (AWS Plaintext, GCP plaintext)
    # one-time-password and wallet seeds (a seed alone is a random seed: seed=42)
    "otp_seed",
    "totp_seed",
    "hotp_seed",
    "mfa_seed",
    "private_seed",
    "master_seed",
    # TLS private keys named by the protocol
    "tls_key",
    "ssl_key",
    "docker_auth",
    "credentials_json",
    "auth_config",
    "jaas_config",
    "webhook_url",
    # passwords glued to the account they open (kickstart rootpw, LDAP bindpw, ...)
    "rootpw",
    "rootpass",
    "bindpw",
    "bindpass",
    "adminpw",
    "adminpass",
    "dbpw",
    "dbpass",
    "dbpwd",
    "userpw",
    "userpwd",
    "rootpwd",
    "adminpwd",
    "ldappw",
    "ldappass",
    "smtppass",
    "mailpass",
    # SNMP community strings (read/write access to a device)
    "snmp_community",
    "community_string",
    "rocommunity",
    "rwcommunity",
    # encryption and signing keys named by their use
    "enc_key",
    "crypt_key",
    "crypto_key",
    "cipher_key",
    "sign_key",
    "mac_key",
    "wrapping_key",
    "wallet_key",
    "storage_key",
    "jwt_key",
    "jws_key",
    "jwe_key",
    "kek",
    "dek",
    # keys named by what they unlock or where they go (red team, issue 10 §4)
    "ssh_key",
    "sa_key",  # GCP_SA_KEY: a service-account JSON key
    "service_account_key",
    "age_key",  # SOPS_AGE_KEY
    "unseal_keys",
    "product_key",
    "activation_key",
    "serial_key",
    "pagerduty_routing_key",
    "integration_key",
    "kubeconfig_data",
    "connection_string",
    "conn_str",
    "connstr",
    "webhook",  # SLACK_WEBHOOK, discord_webhook: the URL is the credential
    "recovery_phrase",
    "secret_phrase",
    "seed_words",
    "wallet_seed",
    "npm_config_auth",
    "basic_auth",  # not use_auth / requires_auth (a flag: "auth" is no last word)
    "proxy_auth",
    "http_auth",
    "digest_auth",
    "registry_auth",
    "x_auth",
    "request_hmac",
    "webhook_hmac",
    # the word for password in more languages
    "heslo",  # Czech, Slovak
    "jelszo",  # Hungarian (jelszó)
    "jelszó",
    "lozinka",  # Croatian, Serbian, Bosnian
    "geslo",  # Slovenian
    "parool",  # Estonian
    "salasõna",
    "slaptazodis",  # Lithuanian (slaptažodis)
    "slaptažodis",
    "adgangskode",  # Danish
    "sifre",  # Turkish (şifre)
    "şifre",
    "kata_sandi",  # Indonesian
    "kata_laluan",  # Malay
    "mat_khau",  # Vietnamese (mật khẩu)
    "mật_khẩu",  # its letters wake the text's name reader; accents fold when judged
    "κωδικός",
    "סיסמה",
    "كلمة_المرور",
    "पासवर्ड",
    "รหัสผ่าน",
    # a service's API key named after the service (STRIPE_KEY, openai_key, ...)
    *(f"{service}_key" for service in SERVICE_WORDS),
)

#: Words that make a name sensitive when they are its LAST word (``db_pass``, ``MYSQL_PWD``).
DEFAULT_WORDS: tuple[str, ...] = (
    "pass",
    "pw",
    "pwd",
    "session",
    "creds",
    "jwt",
    "otp",
    "totp",
    "hotp",
    "pin",  # card_pin, PIN -- not pinned, spinner, pin_count
    "salt",  # password_salt, hashSalt -- not basalt, salted_hash_count, salt_rounds
    "cvc",
    "cred",  # db_cred, smtpCred -- not sacred, credit
)

#: Names sensitive only in this exact spelling: an environment variable (``KEY=v``,
#: ``{"KEY": v}``); ``key`` and ``Key`` stay ordinary names (a cache key, a sort key).
DEFAULT_CASED: tuple[str, ...] = ("KEY", "PAT", "_auth")  # _auth: .npmrc's base64(user:pw)

#: The system or account a credential opens, written after it (``PASSWORD_DB``,
#: ``password_mysql``, ``PASSWORD_ADMIN``, ``token_slack``, ``api_key_stripe``): trailing
#: modifiers of a name, but not of a path or an address (``secrets/db``, ``pw@db``).
SYSTEM_MODIFIERS: tuple[str, ...] = (
    "db",
    "database",
    "mysql",
    "mariadb",
    "postgres",
    "postgresql",
    "pg",
    "redis",
    "mongo",
    "mongodb",
    "mssql",
    "oracle",
    "ldap",
    "smtp",
    "mail",
    "ftp",
    "sftp",
    "ssh",
    "admin",
    "root",
    "master",
    "replica",
    "service",
    "svc",
    "slack",
    "discord",
    "telegram",
    "jira",
    "docker",
    "registry",
    "npm",
    "pypi",
    *SERVICE_WORDS,
)

#: Trailing words that keep a sensitive name sensitive (``password_confirmation``, ``token2``).
DEFAULT_MODIFIERS: tuple[str, ...] = (
    "confirmation",
    "confirmed",
    "confirm",
    "repeated",
    "repeat",
    "again",
    "verification",
    "verify",
    "hashed",
    "hash",
    "digest",
    "value",
    "val",
    "string",
    "str",
    "text",
    "plaintext",
    "plain",
    "cleartext",
    "clear",
    "raw",
    "encrypted",
    "enc",
    "base64",
    "b64",
    "hex",
    "bytes",
    "old",
    "new",
    "current",
    "input",
    "pem",  # private_key_pem
    "der",
    "json",  # service_account_key_json
    "b64url",
    # a credential cut into parts (password_part1, secret_half, token_chunk_2) or carried
    # in a header (authorization_header, cookie_hdr)
    "part",
    "piece",
    "chunk",
    "half",
    "fragment",
    "segment",
    "header",
    "hdr",
    # the deployment or tier a credential is for (PASSWORD_PROD, api_key_staging)
    "prod",
    "production",
    "staging",
    "stage",
    "stg",
    "dev",
    "development",
    "test",
    "testing",
    "qa",
    "uat",
    "live",
    "sandbox",
    "primary",
    "secondary",
    "backup",
    "local",
    "default",
    *SYSTEM_MODIFIERS,
)

#: Query-string parameters masked in URLs (the web adapters and the text path share it).
DEFAULT_QUERY_PARAMS: tuple[str, ...] = (
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "client_secret",
    "password",
    "pass",
    "pwd",
    "auth",
    "code",
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    "session",
    "sessionid",
    "jwt",
    "sid",  # a session id (?sid=, PHP's and many SSO portals')
    "ticket",  # a CAS / SSO service ticket (?ticket=ST-...)
    "oauth_token",  # OAuth 1.0a request/access token
    "oauth_verifier",
)

#: Short query parameters that are a credential in some apps and ordinary in most:
#: ``?t=`` is a token (signed links, SSO hand-offs) but also a cache-busting timestamp,
#: ``?p=`` a password but also a page or post number. Their value is masked unless it
#: is a number, a timestamp or a date (``?t=1699999999``, ``?t=2024-05-01T10:00:00Z``,
#: ``?p=2`` stay readable); any other value is masked whole.
DEFAULT_AMBIGUOUS_PARAMS: tuple[str, ...] = ("t", "p")

#: Short or ambiguous names that are a credential's name in some texts and a word in
#: most (``sid=`` a session id, ``auth=`` a credential, ``key=`` an API key; "auth
#: failed", "key rotation", "sid 12"). Joined to a value by ``=`` or ``:`` (never by
#: blanks alone) their value is masked only when it is *shaped*
#: (:func:`redact._validators.shaped_value`): ``sid=42``, ``auth=ok`` stay readable.
DEFAULT_WEAK_NAMES: tuple[str, ...] = ("auth", "key", "sid", "sig", "sess", "tok")

#: What an ambiguous parameter's value is when it is no credential: digits, with the
#: separators of decimals, dates and times (``1699999999.123``, ``2024-05-01T10:00:00Z``),
#: and the closing quotes or brackets a text may put after it.
_ORDINARY_PARAM_VALUE = re.compile(r"[0-9]+(?:[.:\-+T ][0-9]+)*Z?[\"'`)\]}>,;.]*")

#: Calls whose positional argument is a credential whatever it is named (issue 10 §2): the
#: callee, as written before ``(`` (the last name, or ``Type.method`` / ``module.func`` when
#: the last name alone is too common), and the index of the secret argument (-1: the last
#: one, when there are at least two, or the only one for ``auth``). Only a string literal in
#: that position is masked: ``HTTPBasicAuth(user, pw)`` holds no value to mask.
DEFAULT_AUTH_CALLS: Mapping[str, int] = MappingProxyType(
    {
        # static cloud credentials: (access key id, secret, session token) -- AWS SDK for Go
        # v1/v2, minio-go
        "NewStaticCredentials": 1,
        "NewStaticCredentialsProvider": 1,
        "NewStaticV4": 1,
        "NewStaticV2": 1,
        # HTTP clients (requests, httpx, aiohttp, Spring, Laravel, OkHttp, RestAssured)
        "HTTPBasicAuth": 1,
        "HTTPDigestAuth": 1,
        "HTTPProxyAuth": 1,
        "BasicAuth": 1,
        "DigestAuth": 1,
        "setBasicAuth": 1,
        "SetBasicAuth": 1,
        "basicAuth": 1,
        "withBasicAuth": 1,
        "withDigestAuth": 1,
        "Credentials.basic": 1,
        "preemptive.basic": 1,
        "setBearerAuth": 0,
        "bearerAuth": 0,
        "withToken": 0,
        # mail, file transfer, directories, key-value stores (smtplib, ftplib, imaplib, ldap)
        "login": 1,
        "auth": -1,
        "pass_": 0,
        "simple_bind_s": 1,
        "simple_bind": 1,
        "bind_s": 1,
        "ldap_bind": 2,
        # databases with positional passwords (PHP, JDBC, PEP 249 drivers)
        "mysqli_connect": 2,
        "mysql_connect": 2,
        "mysqli": 2,
        "PDO": 2,
        "getConnection": 2,
        "pymysql.connect": 2,
        "MySQLdb.connect": 2,
        # credential objects (JDK, .NET, Apache HttpClient, Spring Security, pika, AWS, Azure)
        "PasswordAuthentication": 1,
        "NetworkCredential": 1,
        "UsernamePasswordCredentials": 1,
        "UsernamePasswordAuthenticationToken": 1,
        "PlainCredentials": 1,
        "PSCredential": 1,
        "BasicAWSCredentials": 1,
        "BasicSessionCredentials": 1,
        "AwsBasicCredentials.create": 1,
        "AwsSessionCredentials.create": 1,
        "ClientSecretCredential": 2,
        "UsernamePasswordCredential": 2,
        "AzureKeyCredential": 0,
        "AzureNamedKeyCredential": 1,
        "AzureSasCredential": 0,
        "StorageSharedKeyCredential": 1,
        # signing keys (PyJWT, jsonwebtoken, ruby-jwt, java-jwt, hmac, Node crypto, JCA)
        "jwt.encode": 1,
        "jwt.decode": 1,
        "jwt.sign": 1,
        "jwt.verify": 1,
        "JWT.encode": 1,
        "JWT.decode": 1,
        "Algorithm.HMAC256": 0,
        "Algorithm.HMAC384": 0,
        "Algorithm.HMAC512": 0,
        "hmac.new": 0,
        "createHmac": 1,
        "SecretKeySpec": 0,
        "Fernet": 0,
    }
)

#: Keyword arguments and fields that hold a ``(user, secret)`` pair: ``auth=("bob", "v")``,
#: Elasticsearch ``http_auth=``/``basic_auth=``, aiohttp ``proxy_auth=``, ``basic=``. The same
#: names in every carrier: text (``auth = ('bob', 'v')``) and the object walk
#: (``{"auth": ("bob", "v")}``, a structlog keyword, a traceback's local): see
#: :meth:`KeyNames.is_auth_pair`.
DEFAULT_AUTH_PAIRS: tuple[str, ...] = ("auth", "http_auth", "basic_auth", "proxy_auth", "basic")


def _callee_pattern(calls: Iterable[str], pairs: Iterable[str]) -> re.Pattern[str]:
    """One regex for the callees of ``calls`` and the pair fields of ``pairs``, before ``(``."""
    names = sorted(calls, key=len, reverse=True)
    alt = "|".join(re.escape(n).replace(r"\.", r"(?:\(\))?\.") for n in names)
    pair = "|".join(re.escape(p) for p in sorted(pairs, key=len, reverse=True))
    return re.compile(
        rf"""(?<![\w$-])(?:(?P<callee>{alt})(?:\]?::new)?[ \t]*\("""
        rf"""|["']?(?P<pair>{pair})["']?[ \t]*[=:][ \t]*[(\[])"""
    )


_AUTH_CALLS = _callee_pattern(DEFAULT_AUTH_CALLS, DEFAULT_AUTH_PAIRS)
#: Prefilter keywords of the auth calls: the callee's last name (``login(`` with its parenthesis:
#: the bare word is common prose), and the pair fields glued to their separator.
_AUTH_KEYWORDS = (
    *(
        (n.rsplit(".", 1)[-1].lower() + ("(" if len(n.rsplit(".", 1)[-1]) < 8 else ""))
        for n in DEFAULT_AUTH_CALLS
    ),
    *(f"{p}{sep}" for p in DEFAULT_AUTH_PAIRS for sep in ("=", " =", '":', "':", ":")),
    "convertto-securestring",
    # "Basic " + "v", "Bearer %s" % "v": the scheme word closed by its quote or a format field
    *(f"{w} {end}" for w in c.SCHEME_LITERAL_WORDS for end in ('"', "'", "`", "%", "{")),
)


_SPLIT = re.compile(r"[-_. ]+")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+|[^\W\d_]+")
_VERSION = re.compile(r"v?[0-9]+$")
#: Leetspeak in a name: a digit or sigil standing for a letter (p4ssw0rd, p@ssword,
#: pa$$word, $ecret, @pi_key). A run of up to three such characters is read as letters when
#: it touches a letter: between two letters, or at a word's start or end next to one
#: (``_LEET_RUN``); the name is then judged again, if no digit is left (s3_bucket,
#: oauth2_client, sha256 stay apart: a digit next to a separator or another digit).
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_CHARS = frozenset(_LEET)
_DIGITS_INSIDE = re.compile(r"[A-Za-z][0-9]+[A-Za-z]")
_LEET_RUN = re.compile(
    r"(?<=[A-Za-z])[013457@$]{1,3}+(?=[A-Za-z]|[^A-Za-z0-9@$]|$)"
    r"|(?:(?<=[^A-Za-z0-9@$])|^)[013457@$]{1,3}+(?=[A-Za-z])"
)
#: The roots whose leetspeak spellings wake the text detector (see :func:`_leet_keywords`).
_LEET_ROOTS = ("password", "passwd", "secret", "token", "apikey", "api_key", "credential")
_LEET_OF = {"a": "4@", "e": "3", "i": "1", "o": "0", "s": "5$", "t": "7"}
_AUTH_VALUED = ("authorization", "bearer")
_LINE_VALUED = ("cookie",)


_STRIP = str.maketrans("", "", "-_. ")
_DESCRIBING = c.DESCRIBING


#: Characters a name is judged without: invisible format characters and combining marks
#: (after NFKD: accents, and the vowel signs of Indic and Thai names, fold away).
_UNSEEN = frozenset({"Cf", "Mn", "Mc", "Me"})


def normalize(name: str) -> str:
    """Lower-case ``name`` and keep only its letters and digits (``X-Api-Key`` -> ``xapikey``)."""
    if not name.isascii():
        # full-width and other compatibility forms spell the same name, and accents fold
        # (mật_khẩu is mat_khau, şifre is sifre): NFKD, whose marks the test below drops
        name = unicodedata.normalize("NFKD", name)
    n = name.lower().translate(_STRIP)
    return n if n.isalnum() else "".join(ch for ch in n if ch.isalnum())


#: :data:`SYSTEM_MODIFIERS` normalised (``_strip_modifier`` skips them in paths).
_SYSTEM_MODIFIERS = frozenset(normalize(w) for w in SYSTEM_MODIFIERS)


#: CGI/WSGI spell request headers ``HTTP_<NAME>`` (``request.META``, ``environ``);
#: Apache adds ``REDIRECT_`` in front after an internal redirect.
_CGI_PREFIXES = ("redirect_http_", "http_")
#: Names at least this long that split into short pieces are tokens (see ``_judge``).
_TOKEN_NAME_MIN = 20


_AUTH_PAIR_NORM = frozenset(normalize(p) for p in DEFAULT_AUTH_PAIRS)


def _header_name(name: str) -> str | None:
    """``name`` without a CGI ``HTTP_`` prefix (``HTTP_COOKIE`` -> ``COOKIE``), or None."""
    low = name.lower()
    for prefix in _CGI_PREFIXES:
        if low.startswith(prefix) and len(low) > len(prefix):
            return name[len(prefix) :]
    return None


def words(name: str) -> list[str]:
    """The lower-case words of ``name``: split at separators, case changes and digits."""
    return [w.lower() for w in _WORD.findall(name)]


def _leet_keywords() -> set[str]:
    """Prefilter keywords for the leetspeak spellings of :data:`_LEET_ROOTS`: every
    four-letter window of a root with at least one letter written as its digit or sigil
    (``p4ss``, ``a$$w``, ``ssw0``, ``3cre``, ``t0ke``). A name that reads as a root after
    ``_LEET_RUN`` holds one such window, so the automaton wakes the detector for any of
    them (``P@55w0rd``, ``pa$$word``, ``s3cr3t``, ``$ecret``) and for no plain word."""
    out: set[str] = set()
    for root in _LEET_ROOTS:
        for i in range(len(root) - 3):
            spellings = [""]
            for ch in root[i : i + 4]:
                spellings = [s + alt for s in spellings for alt in ch + _LEET_OF.get(ch, "")]
            out.update(w for w in spellings if w != root[i : i + 4])
    return out


@dataclass(frozen=True)
class KeyNames:
    """An immutable, configurable set of sensitive names (see the module doc for the rules)."""

    exact: tuple[str, ...] = DEFAULT_EXACT
    suffixes: tuple[str, ...] = DEFAULT_SUFFIXES
    allow: frozenset[str] = field(default_factory=frozenset)
    words: tuple[str, ...] = DEFAULT_WORDS
    modifiers: tuple[str, ...] = DEFAULT_MODIFIERS
    query_params: tuple[str, ...] = DEFAULT_QUERY_PARAMS
    cased: tuple[str, ...] = DEFAULT_CASED
    prefixes: tuple[str, ...] = DEFAULT_PREFIXES
    ambiguous_params: tuple[str, ...] = DEFAULT_AMBIGUOUS_PARAMS
    weak: tuple[str, ...] = DEFAULT_WEAK_NAMES
    _exact_norm: frozenset[str] = field(init=False, repr=False, compare=False)
    _suffix_norm: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _words_norm: frozenset[str] = field(init=False, repr=False, compare=False)
    _mod_norm: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _param_norm: frozenset[str] = field(init=False, repr=False, compare=False)
    _ambiguous_norm: frozenset[str] = field(init=False, repr=False, compare=False)
    _weak_norm: frozenset[str] = field(init=False, repr=False, compare=False)
    _cache: dict[str, bool] = field(init=False, repr=False, compare=False)
    _kinds: dict[str, str] = field(init=False, repr=False, compare=False)
    _name_chars: tuple[re.Pattern[str], re.Pattern[str]] | None = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "_exact_norm", frozenset(normalize(n) for n in self.exact))
        setattr_(self, "_suffix_norm", tuple(normalize(n) for n in self.suffixes))
        setattr_(self, "_words_norm", frozenset(normalize(n) for n in self.words))
        # longest first: authorization_header strips "header", not the "der" of DER
        mods = dict.fromkeys(normalize(n) for n in self.modifiers)
        setattr_(self, "_mod_norm", tuple(sorted(mods, key=len, reverse=True)))
        setattr_(self, "_param_norm", frozenset(normalize(n) for n in self.query_params))
        setattr_(self, "_ambiguous_norm", frozenset(normalize(n) for n in self.ambiguous_params))
        setattr_(self, "_weak_norm", frozenset(normalize(n) for n in self.weak))
        setattr_(self, "_cache", {})
        setattr_(self, "_kinds", {})
        setattr_(self, "_name_chars", None)

    @classmethod
    def default(cls) -> KeyNames:
        """The shipped list."""
        return cls()

    def with_names(self, extra: Iterable[str] = (), *, allow: Iterable[str] = ()) -> KeyNames:
        """Return a copy that also treats ``extra`` as sensitive and ``allow`` as safe."""
        allowed = {normalize(a) for a in allow}
        return KeyNames(
            exact=self.exact + tuple(n for n in extra if n not in self.exact),
            suffixes=self.suffixes,
            allow=self.allow | {normalize(n) for n in allow},
            words=self.words,
            modifiers=self.modifiers,
            query_params=self.query_params,
            prefixes=self.prefixes,
            cased=tuple(n for n in self.cased if normalize(n) not in {normalize(a) for a in allow}),
            ambiguous_params=tuple(n for n in self.ambiguous_params if normalize(n) not in allowed),
            weak=tuple(n for n in self.weak if normalize(n) not in allowed),
        )

    def is_sensitive(self, name: object) -> bool:
        """True when a value under ``name`` must be masked whole."""
        if not isinstance(name, str) or not name:
            return False
        hit = self._cache.get(name)
        if hit is None:
            hit = self._judge(name)
            if not hit and name[:5].lower() in ("http_", "redir"):
                header = _header_name(name)
                hit = (
                    header is not None and normalize(name) not in self.allow and self._judge(header)
                )
            if len(self._cache) > 8192:
                self._cache.clear()
            self._cache[name] = hit
        return hit

    def is_sensitive_param(self, name: object) -> bool:
        """True when a URL query parameter ``name`` must be masked (``key``, ``sig``, ...)."""
        return self.is_sensitive(name) or (
            isinstance(name, str) and normalize(name) in self._param_norm
        )

    def is_weak(self, name: object) -> bool:
        """True for a short or ambiguous name (``sid``, ``auth``, ``key``: see
        ``DEFAULT_WEAK_NAMES``) that is not sensitive on its own: its value is masked
        only when :func:`redact._validators.shaped_value` says so."""
        return (
            isinstance(name, str)
            and 0 < len(name) <= 8
            and normalize(name) in self._weak_norm
            and not self.is_sensitive(name)
        )

    def is_auth_pair(self, name: object) -> bool:
        """True for a name that holds a ``(user, secret)`` pair (``auth``, ``basic``,
        ``proxy_auth``: ``DEFAULT_AUTH_PAIRS``), whose second item is the secret."""
        if isinstance(name, bytes | bytearray):
            name = bytes(name).decode("latin-1")
        if not isinstance(name, str) or not 0 < len(name) <= 32:
            return False
        n = normalize(name)
        return n in _AUTH_PAIR_NORM and n not in self.allow

    def is_ambiguous_param(self, name: object) -> bool:
        """True for a short query parameter that is a credential only by its value
        (``t``, ``p``: see ``DEFAULT_AMBIGUOUS_PARAMS``); judge it with :meth:`masks_param`."""
        return (
            isinstance(name, str)
            and normalize(name) in self._ambiguous_norm
            and not self.is_sensitive_param(name)
        )

    def masks_param(self, name: object, value: str) -> bool:
        """True when the query parameter ``name`` holding ``value`` (decoded) is masked:
        a sensitive parameter always, an ambiguous one (``?t=``, ``?p=``) unless its value
        is a number, a timestamp or a date."""
        if self.is_sensitive_param(name):
            return True
        return self.is_ambiguous_param(name) and not _ORDINARY_PARAM_VALUE.fullmatch(value)

    def _judge(self, name: str) -> bool:
        if name in self.cased:
            return normalize(name) not in self.allow
        if not name.isascii():  # ｐａｓｓｗｏｒｄ, pass\u200bword: judge what a reader sees
            name = "".join(
                ch
                for ch in unicodedata.normalize("NFKD", name)
                if unicodedata.category(ch) not in _UNSEEN
            )
        n = normalize(name)
        if not n or n in self.allow:
            return False
        low = name.lower().lstrip("-")  # --TF_TOKEN_x=v: a flag spelled as the variable
        if any(low.startswith(p) and len(low) > len(p) for p in self.prefixes):
            return True  # TF_TOKEN_app_terraform_io (with its separator: tf_tokenizer is not)
        if name.endswith("PAT") and len(name) > 3 and not name[-4].isupper():
            return True  # GITHUB_PAT, AZURE_DEVOPS_PAT: an upper-case *_PAT variable
        if "." in name and self._dotted(name):
            return True  # credentials.b = v, secrets.db.host (TOML dotted keys, flattened config)
        ws = words(name)
        if (
            len(name) >= _TOKEN_NAME_MIN
            and len(ws) >= 8
            and sum(map(len, ws)) < 3 * len(ws)
            and not name.islower()
            and not name.isupper()
        ):
            # A random token, not a name: it splits into many one- or two-letter "words"
            # (ghp_Al6Uz4LgK1...fCVC ends with the card-code word "CVC"), so a token
            # followed by " : " read as a sensitive name masked the rest of the line.
            return False
        if self._judge_words(n, ws, path="/" in name or "@" in name):
            return True
        if not _LEET_CHARS.isdisjoint(name):
            # p4ssword, passw0rd, t0ken, s3cret, p@ssword, pa$$word, $ecret: a name spelled
            # with digits or sigils for letters (see _LEET_RUN)
            plain = _LEET_RUN.sub(lambda m: "".join(_LEET[ch] for ch in m.group()), name)
            if plain != name and not any(c.isdigit() for c in plain):
                n = normalize(plain)
                return bool(n) and n not in self.allow and self._judge_words(n, words(plain))
        return False

    def _judge_words(self, n: str, ws: list[str], *, path: bool = False) -> bool:
        """The vocabulary's test on a normalised name ``n`` and its words ``ws``, with up to
        four modifiers stripped (``password_confirm``, ``PASSWORD_PROD``, ``token_part1``).
        In a path or an address (``projects/p/secrets/db``, ``pw@db``) a system's name
        after the sensitive word is the next segment or the host, not a modifier."""
        for _ in range(4):
            if n in self._exact_norm or n.endswith(self._suffix_norm):
                return True
            if ws and ws[-1] in self._words_norm:
                return True
            stripped = self._strip_modifier(n, systems=not path)
            if stripped is None:
                return False
            cut = len(n) - len(stripped)
            n = stripped
            while ws and cut > 0:
                last = ws.pop()
                if len(last) > cut:
                    ws.append(last[:-cut])
                cut -= len(last)
        return False

    def _dotted(self, name: str) -> bool:
        """A dotted key under a collection of secrets (``credentials.b``, ``tokens.github``).

        The part after the collection names one of its members, unless it only describes
        them (``tokens.count``, ``secrets.path``: :data:`_DESCRIBING`).
        """
        parts = [p for p in name.strip("\"'[]").split(".") if p]
        if len(parts) < 2 or any(not p.isidentifier() for p in parts):
            return False
        last = words(parts[-1])
        if not last or last[-1] in _DESCRIBING or last[0] in _DESCRIBING:
            return False
        return any(self.is_collection(p) for p in parts[:-1])

    def is_collection(self, name: object) -> bool:
        """Whether ``name`` holds several secrets (``credentials``, ``secrets``, ``api_keys``).

        A sensitive name whose last word is a plural of a sensitive word (``tokens``,
        ``passwords``, ``api_keys``, ``credentials``). The members of such a container are
        its secrets, whatever they are named: the leaves of a YAML mapping or list of
        mappings under it, and the members of a dotted TOML key (``credentials.b = v``).
        """
        if not isinstance(name, str) or not name or "." in name:
            return False
        ws = words(name)
        if not ws or not ws[-1].endswith("s") or ws[-1].endswith("ss") or len(ws[-1]) < 4:
            return False
        # A plural named whole in the vocabulary is one too (``auths``: Docker's registry
        # logins, whose singular ``auth`` alone is a mode, not a secret).
        return self.is_sensitive(name) and (
            self.is_sensitive(name[:-1]) or normalize(name) in self._exact_norm
        )

    def refers_to_secret(self, name: str) -> bool:
        """Whether a reference's name (``settings.DB_PASSWORD``, ``*db_password``) is sensitive
        at word boundaries.

        A name glued to a sensitive ending across its words (``AAT_OKEN``: ``aat`` +
        ``oken`` reads ``...token`` once normalised) names nothing sensitive: a value
        spelled so is a value, not a reference to another secret.
        """
        if not self.is_sensitive(name):
            return False
        if not _wordish(name) or _DIGITS_INSIDE.search(name) is not None:
            # A reference names something in words (db_password, settings.DB_PASSWORD,
            # oauth2Token); "*Xy7q9Zmysecret" or "*QvhmpJcGdKKzrqdvdsn8" is a value that
            # happens to end like a sensitive name, and masking an odd alias costs nothing;
            # so is one with digits inside a word (*A2Secret, *p4ssword; *oauth2Token is
            # masked too: an odd alias name costs a mask, a value read as an alias a leak).
            return False
        ws = [normalize(w) for w in words(name)]
        ws = [w for w in ws if w]
        if len(ws) < 2:
            return True
        n = "".join(ws)
        if n in self._exact_norm or ws[-1] in self._words_norm:
            return True
        starts, p = set(), 0
        for w in ws:
            starts.add(p)
            p += len(w)
        last = p - len(ws[-1])
        straddles = False
        for suffix in self._suffix_norm:
            if n.endswith(suffix):
                at = len(n) - len(suffix)
                if at in starts or at >= last:
                    return True
                straddles = True
        return not straddles

    def _strip_modifier(self, n: str, *, systems: bool = True) -> str | None:
        # Modifiers first: a version number would eat the 64 of b64 (unseal_keys_b64).
        for mod in self._mod_norm:
            if n.endswith(mod) and len(n) > len(mod):
                if not systems and mod in _SYSTEM_MODIFIERS:
                    continue
                return n[: -len(mod)]
        v = _VERSION.search(n)
        if v and v.start() > 0:
            return n[: v.start()]
        return None

    def value_kind(self, name: str) -> str:
        """How a value under ``name`` is read in text: ``auth``, ``line`` or ``plain``."""
        kind = self._kinds.get(name)
        if kind is None:
            n = normalize(_header_name(name) or name)
            kind = (
                "auth"
                if n.endswith(_AUTH_VALUED)
                else "line"
                if n.endswith(_LINE_VALUED)
                else "plain"
            )
            if len(self._kinds) > 8192:
                self._kinds.clear()
            self._kinds[name] = kind
        return kind

    def weak_keywords(self) -> list[str]:
        """Keywords of the weak names with their separators (``sid=``, ``auth:``): counted
        only where a word starts (``x_sid=`` is another name)."""
        return [f"{w.lower()}{sep}" for w in self.weak for sep in ("=", ":", " =", " :")]

    def keywords(self) -> list[str]:
        """Lower-case spellings used as prefilter keywords for the free-text detector."""
        out: set[str] = set()
        for name in (*self.exact, *self.suffixes, *self.words):
            parts = [p for p in _SPLIT.split(name.lower()) if p]
            # "__" too: nested env/config names (APP__API__KEY) normalise to a sensitive
            # name, so the text detector must be woken by that spelling as well.
            for sep in ("", "_", "-", ".", "__"):
                out.add(sep.join(parts))
        for name in (*self.query_params, *self.ambiguous_params):
            for lead in "?&;":
                out.add(f"{lead}{name.lower()}=")
        out.update(self.weak_keywords())
        out.update(_CARRIER_KEYWORDS)
        out.update(_leet_keywords())
        for n in self.cased:  # KEY=v, KEY: v, "KEY": v, KEY = v (an environment variable)
            low = n.lower()
            out.update((low + "=", low + ":", f'"{low}"', low + " =", low + " :", low + "\t"))
        # Any upper-case *_PAT variable (AZURE_DEVOPS_PAT = v, "GITHUB_PAT": v): "_pat" then
        # what can follow a name ("_pat" alone would wake the detector on every "_path").
        out.update(f"_pat{c}" for c in "=: \t\"'")
        for p in self.prefixes:  # TF_TOKEN_<host>
            out.add(p)
        # The prefilter automaton reads UTF-8 with ASCII letters lower-cased: a non-ASCII
        # name (пароль, パスワード, contraseña) is a keyword in each case spelling a script
        # has (пароль, ПАРОЛЬ, Пароль); full-width names (ｐａｓｓｗｏｒｄ) through their roots.
        spelled = set()
        for w in out:
            if w.isascii():
                spelled.add(w)
            else:  # and decomposed (NFD: macOS file names, some editors)
                cases = (w, w.upper(), w.capitalize())
                spelled.update(ascii_lower(v) for v in cases)
                spelled.update(ascii_lower(unicodedata.normalize("NFD", v)) for v in cases)
        for root in _FULLWIDTH_ROOTS:
            wide = root.translate(_FULLWIDTH)
            spelled.update(ascii_lower(v) for v in (wide, wide.upper(), wide.capitalize()))
        return sorted(w for w in spelled if w)

    def name_chars(self) -> re.Pattern[str]:
        """A pattern of the non-ASCII characters a sensitive name can hold.

        Every sensitive ASCII name holds one of :meth:`keywords`; one that does not is
        spelled with a character matched here: a letter of a non-ASCII name of the
        vocabulary (пароль), a character whose compatibility form is ASCII (full-width
        ｐａｓｓ), or an invisible format character (pass\u200bword). Texts find their
        names around these and the keywords only.
        """
        if self._name_chars is not None:
            return self._name_chars[0]
        from redact._forms import _fold_table  # the one table of compatibility folds

        _, bmp, astral = _fold_table()
        chars = {
            ch
            for name in (*self.exact, *self.suffixes, *self.words)
            for cased in (name, name.lower(), name.upper())
            # decomposed too: NFD text (macOS file names) spells ñ as n and a mark
            for spelled in (cased, unicodedata.normalize("NFD", cased))
            for ch in spelled
            if not ch.isascii()
        }
        chars.update(
            chr(cp) for cp in range(0x80, 0x10000) if unicodedata.category(chr(cp)) == "Cf"
        )
        own = "".join(re.escape(ch) for ch in sorted(chars))
        # One class for the BMP (re compiles it to a bitmap); the planes above, where re
        # tests ranges one by one, only for texts that reach them (name_char_offsets).
        pattern = re.compile(f"[{own}{bmp.pattern[1:-1]}]")
        upper = (*range(0x10000, 0x20000), *range(0xE0000, 0xE1000))  # where Cf lives
        tags = "".join(re.escape(chr(cp)) for cp in upper if unicodedata.category(chr(cp)) == "Cf")
        beyond = re.compile(f"[{astral.pattern[1:-1]}{tags}]")
        object.__setattr__(self, "_name_chars", (pattern, beyond))
        return pattern

    def name_char_offsets(self, text: str) -> list[int]:
        """Offsets in ``text`` of the characters of :meth:`name_chars` (and astral folds)."""
        out = [m.start() for m in self.name_chars().finditer(text)]
        if self._name_chars is not None and _ASTRAL.search(text) is not None:
            out.extend(m.start() for m in self._name_chars[1].finditer(text))
        return out

    def text_detector(self) -> KeyValueDetector:
        """A detector for values under sensitive names in text (see :mod:`redact._carriers`)."""
        return KeyValueDetector(self)


#: Names also spelled in full-width letters in CJK text (ｐａｓｓｗｏｒｄ, ＴＯＫＥＮ).
_FULLWIDTH_ROOTS = ("password", "passwd", "secret", "token", "apikey", "api_key", "credential")
_FULLWIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F) if chr(c).isalnum()}

_CARRIERS = re.compile(r"://|%|@|identified|IDENTIFIED|Identified")
_SQL_WORDS = ("IDENTIFIED", "identified", "Identified")
#: Percent-decoding rounds for pairs hidden in a query value, and for a name's subscript
#: (``user%5Bpassword%5D``): a value passed through redirects and proxies is encoded once
#: per hop, so as many rounds as the text holds, at most this many (each round is paid only
#: by text that holds ``%``).
_PERCENT_DEPTH = 8
#: Carriers that hold a credential without a sensitive name: URL userinfo (``@`` wakes the
#: scheme-less ``user:pw@host``), SQL, and the
#: command lines and config lines of :mod:`redact._commands` (their own keywords).
_CARRIER_KEYWORDS = (
    "://",
    "@",
    "identified",
    # the flag and type fields of records ({"sensitive": true, "value": v}, see
    # redact._carriers.RECORD_FLAG_FIELDS; "secret" and "password" are names already)
    "sensitive",
    "masked",
    "securestring",
    "secure_string",
    "secure-string",
    "secureobject",
    # a Redis protocol array's bulk string (see redact._carriers.resp_commands)
    "\r\n$",
    "\\r\\n$",
    *cmd.command_keywords(),
    *_AUTH_KEYWORDS,
    *sql.PROCEDURE_KEYWORDS,
)
_PROGRAM_WORDS = frozenset(cmd.program_keywords())
#: How a list or tuple of strings opens in repr() and JSON (an argument vector, printed).
_LIST_OPENERS = ("['", '["', "('", '("')

# A name followed by its separator; the name is then checked with is_sensitive(). Names reach
# 256 characters (dotted Java/Spring property paths pass 64) and may carry subscripts
# (user[password], os.environ["DB_PASSWORD"], Perl $ENV{DB_PASSWORD}, $h->{password}, and
# user%5Bpassword%5D as a form encodes it). The name may be closed by a quote or an escaped
# quote (JSON inside a JSON string). Separators: assignment operators (= : := ::= ?= += .= =>
# <- ||= ??= &&= //= |=, a spaced -> and the arrows → ⇒, the full-width ： ＝ of CJK text;
# never == != <= >=), an XML start tag's end, a call's comma, an XML value= attribute, a
# SQL/prose space before a quoted literal, a setter's parenthesis (its literal may follow other
# arguments), a --flag's space, and Go's "var name Type =" (T-SQL "DECLARE @name TYPE(n) =").
# An element's namespace prefix is not part of its name (<wsse:Password>, <ns2:apiKey>).
#: Combining marks of the BMP (Unicode categories Mn, Mc, Me; generated from
#: ``unicodedata`` 14.0.0): a name in Devanagari, Thai or with stacked accents (पासवर्ड,
#: รหัสผ่าน, mật_khẩu) is one name, though ``\w`` stops at its marks.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1-\u05c2\u05c4-\u05c5\u05c7"
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7-\u06e8"
    "\u06ea-\u06ed\u0711\u0730-\u074a\u07a6-\u07b0\u07eb-\u07f3\u07fd\u0816-\u0819"
    "\u081b-\u0823\u0825-\u0827\u0829-\u082d\u0859-\u085b\u0898-\u089f\u08ca-\u08e1"
    "\u08e3-\u0903\u093a-\u093c\u093e-\u094f\u0951-\u0957\u0962-\u0963\u0981-\u0983"
    "\u09bc\u09be-\u09c4\u09c7-\u09c8\u09cb-\u09cd\u09d7\u09e2-\u09e3\u09fe"
    "\u0a01-\u0a03\u0a3c\u0a3e-\u0a42\u0a47-\u0a48\u0a4b-\u0a4d\u0a51\u0a70-\u0a71"
    "\u0a75\u0a81-\u0a83\u0abc\u0abe-\u0ac5\u0ac7-\u0ac9\u0acb-\u0acd\u0ae2-\u0ae3"
    "\u0afa-\u0aff\u0b01-\u0b03\u0b3c\u0b3e-\u0b44\u0b47-\u0b48\u0b4b-\u0b4d"
    "\u0b55-\u0b57\u0b62-\u0b63\u0b82\u0bbe-\u0bc2\u0bc6-\u0bc8\u0bca-\u0bcd\u0bd7"
    "\u0c00-\u0c04\u0c3c\u0c3e-\u0c44\u0c46-\u0c48\u0c4a-\u0c4d\u0c55-\u0c56"
    "\u0c62-\u0c63\u0c81-\u0c83\u0cbc\u0cbe-\u0cc4\u0cc6-\u0cc8\u0cca-\u0ccd"
    "\u0cd5-\u0cd6\u0ce2-\u0ce3\u0d00-\u0d03\u0d3b-\u0d3c\u0d3e-\u0d44\u0d46-\u0d48"
    "\u0d4a-\u0d4d\u0d57\u0d62-\u0d63\u0d81-\u0d83\u0dca\u0dcf-\u0dd4\u0dd6"
    "\u0dd8-\u0ddf\u0df2-\u0df3\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1\u0eb4-\u0ebc"
    "\u0ec8-\u0ecd\u0f18-\u0f19\u0f35\u0f37\u0f39\u0f3e-\u0f3f\u0f71-\u0f84"
    "\u0f86-\u0f87\u0f8d-\u0f97\u0f99-\u0fbc\u0fc6\u102b-\u103e\u1056-\u1059"
    "\u105e-\u1060\u1062-\u1064\u1067-\u106d\u1071-\u1074\u1082-\u108d\u108f"
    "\u109a-\u109d\u135d-\u135f\u1712-\u1715\u1732-\u1734\u1752-\u1753\u1772-\u1773"
    "\u17b4-\u17d3\u17dd\u180b-\u180d\u180f\u1885-\u1886\u18a9\u1920-\u192b"
    "\u1930-\u193b\u1a17-\u1a1b\u1a55-\u1a5e\u1a60-\u1a7c\u1a7f\u1ab0-\u1ace"
    "\u1b00-\u1b04\u1b34-\u1b44\u1b6b-\u1b73\u1b80-\u1b82\u1ba1-\u1bad\u1be6-\u1bf3"
    "\u1c24-\u1c37\u1cd0-\u1cd2\u1cd4-\u1ce8\u1ced\u1cf4\u1cf7-\u1cf9\u1dc0-\u1dff"
    "\u20d0-\u20f0\u2cef-\u2cf1\u2d7f\u2de0-\u2dff\u302a-\u302f\u3099-\u309a"
    "\ua66f-\ua672\ua674-\ua67d\ua69e-\ua69f\ua6f0-\ua6f1\ua802\ua806\ua80b"
    "\ua823-\ua827\ua82c\ua880-\ua881\ua8b4-\ua8c5\ua8e0-\ua8f1\ua8ff\ua926-\ua92d"
    "\ua947-\ua953\ua980-\ua983\ua9b3-\ua9c0\ua9e5\uaa29-\uaa36\uaa43\uaa4c-\uaa4d"
    "\uaa7b-\uaa7d\uaab0\uaab2-\uaab4\uaab7-\uaab8\uaabe-\uaabf\uaac1\uaaeb-\uaaef"
    "\uaaf5-\uaaf6\uabe3-\uabea\uabec-\uabed\ufb1e\ufe00-\ufe0f\ufe20-\ufe2f"
)
#: A name's characters: word characters, ``.`` and ``-``, zero-width joiners and the BOM
#: (``pass\u200bword`` is read whole and judged as a reader sees it), combining marks.
_NAME_CLASS = "[\\w.\\-\u200b-\u200d\u2060\ufeff" + _MARKS + "]"
_NAME_CLASS_SPELLED = r"[\w.\-\u200b-\u200d\u2060\ufeff]"  # as the patterns below spell it
_KEY_SEP = re.compile(
    r"""
    (?<![\w.\-\u200b-\u200d\u2060\ufeff])
    (?P<go>(?<=\bvar[ \t])|(?<=\bconst[ \t])|(?<=\b[Dd][Ee][Cc][Ll][Aa][Rr][Ee][ \t]@))?
    (?P<lt>(?<=<))?
    (?(lt)(?:[A-Za-z_][\w\-]{0,63}:(?=[A-Za-z_]))?)
    (?P<dash>(?=--|-[A-Za-z][A-Za-z0-9]{2})|(?<=[ \t]/))?
    (?P<key>[\w.\-\u200b-\u200d\u2060\ufeff]{1,256}+
        (?:[@$]{1,3}+[\w.\-\u200b-\u200d\u2060\ufeff]{1,256}+){0,4}+  # p@ssword, pa$$word
        (?:\[[^\]\s=]{0,64}\]|\{[^}\s=]{0,64}\}|%(?:25){0,7}+5[Bb][^\s=&%]{0,64}%(?:25){0,7}+5[Dd])*+)
    (?P<q>\\{0,63}+["'`])?[\]}]?
    [^\S\r\n]*+
    (?P<sep>
        ::= | := | \?= | \+= | \.= | => | <- | ::?+(?![:=]) | =~?+(?![=~])  # password::v, =~
      | \|(?:\|?+=|(?<![ \t]\|)(?=[^\s|=]))  # ||= |= and a pipe-separated record: password|v
      | \?\?= | &&= | //= | (?<=[ \t])->(?=[ \t]) | [→⇒] | [：＝](?![：＝])
      | ;[sS]:[0-9]{1,7}+:(?=\\{0,63}+")  # PHP serialize: s:8:"password";s:14:"v";
      | > | , | value[ \t]*=
      | (?<=["'][ \t])to(?=[ \t]++\\?["'])  # Kotlin: "password" to "v"
      | (?<=["'][ \t])(?<=[^\\]["'][ \t])  # <setting name="ApiKey" serializeAs="String">
        (?:[A-Za-z_][\w:\-]{0,63}+[ \t]*+=[ \t]*+(?:"[^"\r\n<>]{0,256}+"|'[^'\r\n<>]{0,256}+')
        [ \t]*+){1,8}+>
      | \{[ \t]*+get;[ \t]*+(?:(?:private|protected|internal)[ \t]++)?
        (?:(?:set|init);[ \t]*+)?\}[ \t]*+=(?!=)
      | \{[ \t]*+get[ \t]*+=>(?=[ \t]*+\\?["'])
      | (?<=[ \t])[Aa]s[ \t]++[A-Za-z_][\w.]{0,64}+(?:\(\))?  # VB: Dim password As String =
        [ \t]*+=(?!=)(?=[ \t]*+["'])
      | (?<=[ \t])(?=\\{0,63}+["'])
      | \((?=[^"'()\r\n]{0,128}+\\{0,63}+["']
            |(?<=\w\()[^\s"'`()]{1,256}+\))  # Password(v): a value type's toString
      | (?(lt)(?<=[ \t])(?=[^<>\r\n]{1,512}+>)|(?!))
      | (?(dash)(?<=[ \t])(?=[^\s\-])|(?!))
      | (?(go)(?<=[ \t])(?=[A-Za-z_\[*])|(?!))
    )
    """.replace(_NAME_CLASS_SPELLED, _NAME_CLASS),
    re.X,
)
#: Where a name of ``_KEY_SEP`` can start (its first character, not after another).
_KEY_START = re.compile(f"(?<!{_NAME_CLASS}){_NAME_CLASS}")
_BLANK = re.compile(r"\s")
_EOL_CHARS = re.compile(r"[\r\n]")
#: A Clojure/EDN keyword's start right before a name: ``{:api-key``, ``(:password``, ``:db/``.
_EDN_KEYWORD = re.compile(r"(?:^|(?<=[\s{(\[,])):(?:[A-Za-z_][\w.\-]{0,63}+/)?$")
_NEXT_FIELD = re.compile(r",[ \t]*+[A-Za-z_][\w.\-]{0,63}+[:=]")
_HWS = re.compile(r"[^\S\r\n]*+")
#: Authorization scheme words a token value may be written after (``token = "Bearer " + "v"``).
_SCHEME_WORDS = frozenset({"bearer", "basic", "token", "bot", "digest", "negotiate", "ssws"})
#: How far a sensitive setter's arguments are read (its literals are read whole).
_SETTER_SCOPE = 256
#: Full-width separators read as their ASCII forms (``password：v`` is ``password:v``);
#: ``password::v`` (AsciiDoc, logs) as ``:`` and a match ``password =~ "v"`` as ``=``.
_WIDE_SEP = {"：": ":", "＝": "=", "::": ":", "=~": "="}
#: userinfo of a URL: ``scheme://user:password@host`` (the userinfo carrier owns it).
_USERINFO_REST = re.compile(r"""[^ \t\r\n\f\v/?#]{0,256}@""")
#: A type annotation between a name and ``=``: ``: &str =``, ``: string =``, ``: Option<String> =``.
_TYPE_ANN = re.compile(
    r"[^\S\r\n]*+(?P<ref>&(?:'[a-z_]+[ \t]+)?(?:mut[ \t]+)?)?"
    r"(?P<type>[A-Za-z_][\w.:]{0,63}(?:<[^<>=\r\n]{0,64}>|\[[^\]=\r\n]{0,64}\])?"
    r"(?:[ \t]*\|[ \t]*[A-Za-z_]\w{0,31})*\??|\[\][A-Za-z_]\w{0,31})"
    r"[^\S\r\n]*=(?![=>~])"
)
_KNOWN_TYPES = re.compile(
    r"(?i)(?:(?:typing\.)?(?:list|dict|set|frozenset|tuple|sequence|iterable|mapping|optional"
    r"|union|annotated|literal|final|classvar|array|vec|option|map|hashmap|record|promise"
    r"|readonly)(?:\[[^\]=\r\n]{0,64}\]|<[^<>=\r\n]{0,64}>)|str|string|bytes"
    r"|secret(?:str|bytes|string)?|securestring|text|charsequence|any|unknown|object|int|bool"
    r"|boolean|float|number|\[\]byte|byte\[\]|char\[\])"
    r"(?:[ \t]*\|[ \t]*(?:none|null|undefined|str|string))?\??"
)
#: A type annotation with no value after it (``def login(password: str)``, ``tokens: list[str]``).
_BARE_TYPE = re.compile(
    r"[^\S\r\n]*+(?P<type>[A-Za-z_][\w.]{0,63}(?:\[[^\]=\r\n]{0,64}\]|<[^<>=\r\n]{0,64}>)?"
    r"(?:[ \t]*\|[ \t]*[A-Za-z_]\w{0,31})*\??)[^\S\r\n]*(?=[,);\r\n]|$|#|//)"
)
_DECL_BEFORE = re.compile(
    r"\b(?:const|let|var|val|static|final|readonly|pub|mut|private|public|protected|internal"
    r"|export|declare|lateinit|override|def)[ \t]+$"
)
_GO_TYPE = re.compile(
    r"(?i:as[ \t]+)?[\w.\[\]*]{1,64}(?:\([0-9, ]{1,16}\)|\((?i:max)\))?[^\S\r\n]*=(?![=>~])"
)
_ATTR_NAME = re.compile(r"(?i)\b(?:name|key|id|property|param)[ \t]*=[ \t]*\\?$")
_GETTER = frozenset(
    ("get", "fetch", "load", "read", "find", "lookup", "has", "is", "delete", "remove", "list")
)
_JSON_NEXT = re.compile(r""",[^\S\r\n]*["'][^"'\r\n]{0,256}["'][^\S\r\n]*:""")
_PW_NAMES = ("password", "passwd", "pwd", "passphrase")
#: After ``name::``, a path or a type, not a value: letters only (``token::Kind``,
#: ``password :: String``) or, glued, a name the path goes on from (``secret::new(``,
#: ``auth::v2::``).
_TYPE_AFTER = re.compile(r"[A-Za-z_]++(?=[ \t\r\n;,)\]}>.]|$)")
_PATH_AFTER = re.compile(_TYPE_AFTER.pattern + r"|[A-Za-z_]\w*+(?:::|[(<{!])")
#: A field of a pipe-separated record, and a column name (a header row's field).
_PIPE_FIELD = re.compile(r"[^|\s\"'`]{1,1024}+")
_COLUMN_NAME = re.compile(r"[a-z_][a-z0-9_.\-/]{0,127}+|[A-Z_][A-Z0-9_.\-/]{0,127}+")
_LIST_SEP = re.compile(r"[;,:]")
#: Where a pipe-separated record starts (a line start, a blank, a quote), and the marks
#: before a run of ``|`` that make it part of another field (``gitleaks:a|b``).
_RECORD_EDGE = frozenset(" \t\r\n\"'`:;,=")
_NOT_RECORD = frozenset(":;,=")


def names_list(field: str) -> bool:
    """Whether a pipe-separated record's field holds names, not a value: each of its
    ``;``/``,``/``:``-separated pieces is a column name (one case: ``email``,
    ``auth0-domain.1``, ``CREATED_AT``) or reads as words (``Auth0ManagementApiToken``,
    ``hunter``; ``_wordish`` loose), as a header row or a list of identifiers does."""
    pieces = [p for p in _LIST_SEP.split(field) if p]
    return bool(pieces) and all(
        _COLUMN_NAME.fullmatch(p) is not None or _wordish(p, loose=True) for p in pieces
    )


#: The one unquoted argument of a call: ``Password(v)``.
_CALL_TOKEN = re.compile(r"""[^\s"'`()]{1,256}+\)""")
#: Code's literals that are no value of a value type (``token(None)``).
_CODE_LITERALS = frozenset(("None", "null", "nil", "undefined", "true", "false", "True", "False"))
#: How far before a keyword the whitespace-delimited run holding its name may start
#: (a key is up to 256 characters, plus brackets and quotes).
_KEY_RUN = 288
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
#: The word after a weak name's separator (blanks and one quote skipped).
_WEAK_HEAD = re.compile(r"""[ \t]*+["'`]?([^\s"'`,;&<>]{8,1024}+)""")
#: Separators that join a weak name (``sid``, ``auth``, ``key``) to its value.
_WEAK_SEPS = frozenset(("=", ":", ":=", "=>"))
#: What may open or close a name written in prose: ``(password)``, ``password.``
_NAME_OPEN = frozenset("([{<\"'`")
_NAME_CLOSE = frozenset(")]}>\"'`.,;!?")
#: A value run after a name and blanks, and what closes a sentence after it.
_VALUE_RUN = re.compile(r"[^\s\"'`<>]{8,65536}+")  # to a blank, a quote or markup
_VALUE_CLOSE = frozenset(")]}>.,;:!?")
#: The run right before ``(password)``: a value, quoted or not.
_VALUE_BEFORE = re.compile(
    r"(?:(?<=\s)|^)(?:\"[^\"\s]{8,256}\"|'[^'\s]{8,256}'|[^\s\"'`]{8,256}+)\Z"
)
#: ``V is the password``, ``"V" was your new token``: the value, a copula and up to three
#: determiners or adjectives right before the name.
_SAID_BEFORE = re.compile(
    r"""(?:(?<=\s)|^)(?P<v>"[^"\s]{8,256}"|'[^'\s]{8,256}'|[^\s"'`]{8,256}+)[ \t]++
    (?:is|was|are|were|=)[ \t]++
    (?:(?:the|your|my|our|a|an|its|their|his|her|new|current|temporary|temp|old|initial|default)
    [ \t]++){0,3}\Z""",
    re.X,
)
#: What a carrier finds after a name: one span, one per item (a YAML list), or nothing.
_Found = tuple[int, int] | list[tuple[int, int]] | None


class KeyValueDetector:
    """Finds values assigned to sensitive names in free text, with the same name rules.

    It looks for separators first (cheap, few per line), then asks
    :meth:`KeyNames.is_sensitive` about the word before each one, so text and
    mappings agree on what is sensitive. Where each value starts and ends is the
    carrier grammar of :mod:`redact._carriers` (documented in
    ``docs/what-is-masked.md``).
    """

    id = "sensitive-key"
    category = "sensitive-key"
    severity = "medium"
    mask: str | None = None
    prefix = ""

    def __init__(self, names: KeyNames, *, prefixes: Iterable[str] = ()) -> None:
        self.names = names
        self.keywords = tuple(names.keywords())
        self.keyword_set = frozenset(self.keywords)
        #: Non-secret prefixes that partial masks keep in front of ``[REDACTED``.
        self.prefixes = frozenset(prefixes)
        #: Keywords that are only spellings of names (no carrier's, no separator): a window
        #: holding nothing else, each inside a longer identifier that is not sensitive
        #: (``session`` in ``session_count``), has no finding (see :meth:`_dead`).
        carriers = frozenset(_CARRIER_KEYWORDS)
        self._name_only = frozenset(
            k for k in self.keywords if _IDENTIFIER.fullmatch(k) and k not in carriers
        )
        self._keyword_matcher: AnchorMatcher | None = None

    def finditer(
        self,
        text: str,
        pos: int = 0,
        endpos: int | None = None,
        *,
        timeout: float | None = None,
        anchors: Sequence[int] | None = None,
        present: Collection[str] | None = None,
    ) -> Iterator[tuple[int, int]]:
        """Spans of values whose name (or carrier) lies in ``text[pos:endpos]``.

        What the caller's prefilter pass knows, when it has it: ``anchors``, the sorted
        offsets in ``text`` of :meth:`KeyNames.keywords` (and of :meth:`KeyNames.name_chars`
        in non-ASCII text) — names and programs are then looked for only there;
        ``present``, the keywords the text holds — carriers none of whose keywords is
        present (a command line, a Redis or netrc line) are not looked for.

        A value may run past ``endpos``: the name decides, and the value is masked whole
        (a window cut in the middle of a 20 KB token must not leave its tail). The scan
        stays linear: names inside a value already found are not looked at again.
        """
        kend = len(text) if endpos is None else endpos
        if anchors and present is not None and self._dead(text, anchors, present):
            return
        yield from self._spans(text, pos, kend, depth=0, anchors=anchors, present=present)

    def _dead(self, text: str, anchors: Sequence[int], present: Collection[str]) -> bool:
        """Whether no name or carrier can be at ``anchors``: every keyword present is a name
        spelling, and each anchor lies in an identifier (letters, digits, ``_``) that is not
        sensitive and is delimited by characters no name reaches across (blanks, quotes,
        brackets, operators; never ``.``, ``-``, ``%``, ``/``, ``:`` before it, ``@`` or
        ``\\``). ``{"session_count": 3}`` or ``user_session_count=2`` then cost one look
        per keyword instead of every carrier's reader (a JSON log line with a session
        counter woke them all, ~40 us)."""
        if any(k in self.keyword_set and k not in self._name_only for k in present):
            return False
        sensitive = self.names.is_sensitive
        n = len(text)
        for a in anchors:
            run = _WORD_RUN.match(text, a)
            if run is None:
                return False  # a non-ASCII name character, a format character: read it
            e = run.end()
            s = a
            while s > 0 and (text[s - 1].isalnum() or text[s - 1] == "_"):
                s -= 1
            if s > 0 and text[s - 1] not in _DEAD_LEFT:
                return False
            if e < n and text[e] not in _DEAD_RIGHT:
                return False
            if sensitive(text[s:e]):
                return False
        return True

    def _spans(
        self,
        text: str,
        pos: int,
        kend: int,
        *,
        depth: int,
        anchors: Sequence[int] | None = None,
        present: Collection[str] | None = None,
    ) -> Iterator[tuple[int, int]]:
        lo = pos
        done: list[tuple[int, int]] = []  # the spans found: names inside are not read again
        sensitive = self.names.is_sensitive
        search = _KEY_SEP.search
        # Without anchors every separator is looked at. With them (the offsets of
        # keywords() in ASCII text, from the engine's prefilter pass) only the
        # whitespace-delimited runs that hold a keyword are: every sensitive ASCII name
        # contains a keyword, so the spans are the same, and code full of ``x = y`` pays
        # per keyword, not per ``=``.
        todo = anchors if anchors is not None else None
        anchor = -1
        i = 0
        while pos < kend:
            if todo is None:
                m = search(text, pos, kend)
                if m is None:
                    break
            else:
                if anchor < pos:
                    i = bisect.bisect_left(todo, pos, i)
                    if i >= len(todo):
                        break
                    anchor = todo[i]
                    run = max(pos, anchor - _KEY_RUN)
                    pos = max(
                        run,
                        text.rfind(" ", run, anchor) + 1,
                        text.rfind("\t", run, anchor) + 1,
                        text.rfind("\n", run, anchor) + 1,
                    )
                # A name holding the keyword lies in the keyword's run (names hold no blank):
                # each place in the run where a name can start is tried in order, which is
                # what a search from the run's start finds for this keyword, without reading
                # on to the end of the text (a log line's "session" or "://").
                # The run ends at a blank, and a name is at most _KEY_RUN long: a text
                # without blanks (a masked re-check: [REDACTED:...]\"[REDACTED:...]) must
                # not be read to its end from every anchor.
                reach = min(kend, anchor + _KEY_RUN)
                blank = _BLANK.search(text, anchor, reach)
                run_end = blank.start() if blank else reach
                m = None
                for k in _KEY_START.finditer(text, pos, run_end):
                    m = _KEY_SEP.match(text, k.start(), kend)
                    if m is not None:
                        break
                if m is None:
                    # On past the run (and past the anchor: a name character such as a
                    # no-break space may itself be the blank that ends the run).
                    pos, anchor = max(run_end, anchor + 1), -1
                    continue
            pos = m.end()
            ks = m.start("key")
            key = m.group("key")
            if (
                m.group("lt") is not None
                and ks > m.start()
                and not (sensitive(key) and self._element_closes(text, m, kend))
            ):
                # <password:v> (Java/Kotlin toString, a template's <name:value>) looked like a
                # namespaced element <ns:name>: the "prefix" is the name, the rest its value,
                # whatever the value spells (a password ending in "secret" or "dsn" is one);
                # <ns:password>v</ns:password> is the element.
                named = self._angle_pair(text, m.start(), ks, kend)
                if named is not None:
                    pos = max(pos, named[1])
                    done.append(named)
                    yield named
                    continue
            if "@" in key and _in_userinfo(text, ks):
                # postgres://app:pw-2024@db:5432: a password and its host, no name
                continue
            if sensitive(key) or (ks and text[ks - 1] in "\\?&;@$") or "%" in key:
                found = self._value(text, m)
                for span in (found,) if isinstance(found, tuple) else found or ():
                    if span[1] > span[0]:
                        pos = max(pos, span[1])
                        done.append(span)
                        yield span
            elif m.group("sep") in _WEAK_SEPS and self.names.is_weak(key):
                # sid=v, auth: v, "key": "v": a weak name masks only a shaped value. The
                # word after the separator (bounded: linear on "key"="key"=...) is judged
                # first: an unshaped one (sid=42, key=user_profile:108061) costs no carrier
                # reading, and is read on for names (<entry key="password">v</entry>).
                head = _WEAK_HEAD.match(text, m.end())
                found = None
                if head is not None and shaped_value(head.group(1)):
                    found = self._value(text, m)
                if isinstance(found, tuple):
                    # a scalar right after the separator, never a container's leaves
                    # ("key": {"shape": "string1To255"}: the model's type, not a value)
                    scalar = not text[m.end() : found[0]].strip(" \t\"'`") and text[
                        found[0] : found[0] + 1
                    ] not in ("{", "[", "(")
                    if scalar and shaped_value(text[found[0] : found[1]].strip("\"'`")):
                        pos = max(pos, found[1])
                        done.append(found)
                        yield found
            if todo is not None and ks > anchor:
                anchor = -1  # past the anchor's run: on to the next keyword
        # Weak joints (a name and a value joined by blanks, a name after its value): runs
        # that hold a keyword and no separator, in both modes from the same anchors.
        yield from self._weak_spans(text, lo, kend, anchors, done)
        yield from self._carrier_spans(
            text, lo, kend, depth=depth, anchors=anchors, present=present
        )

    def _weak_spans(
        self,
        text: str,
        lo: int,
        kend: int,
        anchors: Sequence[int] | None,
        done: list[tuple[int, int]],
    ) -> Iterator[tuple[int, int]]:
        """Values joined to a sensitive name weakly (see :meth:`_weak_joint`): in each run
        (a keyword's blank-delimited word) where no name is followed by a separator. Both
        modes of :meth:`_spans` read the same runs (without anchors, the keywords' offsets
        are looked up here)."""
        if anchors is None:
            anchors = self._keyword_offsets(text, lo, kend)
        last = lo
        found = sorted(done)
        i, covered = 0, -1  # the spans found so far, walked once (anchors ascend)
        for anchor in anchors:
            while i < len(found) and found[i][0] <= anchor:
                covered = max(covered, found[i][1])
                i += 1
            if anchor < last or anchor < covered:
                continue
            run = max(lo, anchor - _KEY_RUN)
            p = max(
                run,
                text.rfind(" ", run, anchor) + 1,
                text.rfind("\t", run, anchor) + 1,
                text.rfind("\n", run, anchor) + 1,
            )
            reach = min(kend, anchor + _KEY_RUN)
            blank = _BLANK.search(text, anchor, reach)
            run_end = blank.start() if blank else reach
            while p < run_end:  # the run's names with a separator, as _spans reads them
                m = None
                for k in _KEY_START.finditer(text, p, run_end):
                    m = _KEY_SEP.match(text, k.start(), kend)
                    if m is not None:
                        break
                if m is None:
                    weak = self._weak_joint(text, p, run_end, lo, kend)
                    if weak is not None:
                        last = max(run_end, weak[1])
                        yield weak
                    break
                if m.start("key") > anchor:
                    break
                p = m.end()
            last = max(last, run_end)

    def _keyword_offsets(self, text: str, lo: int, kend: int) -> list[int]:
        """Where the keywords (and non-ASCII name characters) are in ``text[lo:kend]``,
        for a caller that passed no anchors: the automaton the engine's prefilter uses."""
        matcher = self._keyword_matcher
        if matcher is None:
            matcher = build_matcher([k.encode() for k in self.keywords])
            self._keyword_matcher = matcher
        part = text[lo:kend]
        data = part.encode("utf-8", "surrogatepass").lower()
        found: set[int] = set()
        for b in {start for _, start, _ in matcher.find(data)}:
            found.add(lo + (b if len(data) == len(part) else len(data[:b].decode(errors="ignore"))))
        if not text.isascii():
            found.update(o for o in self.names.name_char_offsets(text) if lo <= o < kend)
        return sorted(found)

    def _weak_joint(self, text: str, s: int, e: int, lo: int, kend: int) -> tuple[int, int] | None:
        """The shaped value a sensitive name in the run ``text[s:e]`` is joined to by
        blanks only: after it (``token V``, ``set password V``) or before it (``V
        (password)``, ``"V" is the password``). See :func:`redact._validators.shaped_value`.
        """
        head = s
        while head < e and text[head] in _NAME_OPEN:
            head += 1
        tail = e
        while tail > head and text[tail - 1] in _NAME_CLOSE:
            tail -= 1
        if tail - head < 2 or not self.names.is_sensitive(text[head:tail]):
            return None
        if tail == e:
            # token V, (token V: the next run on the same line, without its closing punctuation
            v = e
            while v < kend and text[v] in " \t":
                v += 1
            if e < v < kend and text[v] not in "([{<":  # token (optional): prose
                run = _VALUE_RUN.match(text, v)  # past the window: the value is masked whole
                if run is not None:
                    ve = run.end()
                    while ve > v and text[ve - 1] in _VALUE_CLOSE:
                        ve -= 1
                    if shaped_value(text[v:ve]):
                        return v, ve
        if head > s and text[head - 1] == "(" and text[tail : tail + 1] == ")":
            # V (password): the run before the parenthesis
            b = s
            while b > lo and text[b - 1] in " \t":
                b -= 1
            if b < s:
                run = _VALUE_BEFORE.search(text, max(lo, b - 258), b)
                if run is not None:
                    return self._shaped_before(text, run.start(), run.end())
            return None
        if head == s:
            said = _SAID_BEFORE.search(text, max(lo, s - 320), s)
            if said is not None:
                return self._shaped_before(text, said.start("v"), said.end("v"))
        return None

    @staticmethod
    def _shaped_before(text: str, vs: int, ve: int) -> tuple[int, int] | None:
        """``text[vs:ve]`` (quotes and a trailing comma or colon left out) when it is shaped."""
        while ve > vs and text[ve - 1] in ",:;":
            ve -= 1
        if ve - vs >= 2 and text[vs] in "\"'`" and text[ve - 1] == text[vs]:
            vs, ve = vs + 1, ve - 1
            return (vs, ve) if shaped_value(text[vs:ve]) else None
        return (vs, ve) if shaped_value(text[vs:ve]) else None

    @staticmethod
    def _element_closes(text: str, m: re.Match[str], kend: int) -> bool:
        """Whether ``<ns:name`` matched by ``m`` is an element: its ``</ns:name>`` follows."""
        tag = "</" + text[m.start() : m.end("key")]
        return text.find(tag, m.end("key"), min(kend, m.end("key") + 65536)) >= 0

    def _angle_pair(self, text: str, lt: int, ks: int, kend: int) -> tuple[int, int] | None:
        """The value of ``<name:value>`` whose name starts at ``lt`` (``text[ks - 1]`` is ``:``)."""
        if not self.names.is_sensitive(text[lt : ks - 1]):
            return None
        close = text.find(">", ks, min(len(text), ks + 4096))
        if close < 0:
            return None
        eol = _EOL_CHARS.search(text, ks, close)
        if eol is not None or close == ks:
            return None
        nxt = _NEXT_FIELD.search(text, ks, close)  # <password:v, user:bob>
        return ks, nxt.start() if nxt else close

    def _carrier_spans(
        self,
        text: str,
        lo: int,
        kend: int,
        *,
        depth: int,
        anchors: Sequence[int] | None,
        present: Collection[str] | None,
    ) -> Iterator[tuple[int, int]]:
        """Credentials held by a carrier rather than a name next to its value: commands,
        declarations, records, auth calls, tables, URLs, SQL, %-pairs."""
        # A command line is read only when a program's keyword is present, like any rule;
        # the config lines' own checks are substring tests, cheaper than the lookup.
        if present is None or not _PROGRAM_WORDS.isdisjoint(present):
            yield from cmd.command_spans(text, lo, kend, self.names.is_sensitive, starts=anchors)
        if depth == 0 and any(text.find(o, lo, kend) >= 0 for o in _LIST_OPENERS):
            # ['mysql', '-pv'] printed by repr()/JSON: read as the command line it runs
            yield from cmd.argv_literal_spans(
                text, lo, kend, lambda line: self._spans(line, 0, len(line), depth=_PERCENT_DEPTH)
            )
        yield from cmd.config_line_spans(text, lo, kend, self.names.is_sensitive)
        sensitive = self.names.is_sensitive
        yield from c.declaration_spans(text, lo, kend, sensitive)  # #define K v, ENV K v
        yield from c.record_spans(text, lo, kend, sensitive)  # {"name": K, "value": v}
        yield from c.auth_call_spans(text, lo, kend, _AUTH_CALLS, _auth_index)
        yield from c.scheme_literal_spans(text, lo, kend)  # "Basic " + "v", "Bearer %s" % "v"
        yield from c.table_spans(text, lo, kend, sensitive)  # | password | v |, password,v
        # user,password then bob,v; psql/MySQL/kubectl output; vault kv get; psql -x
        yield from tables.header_table_spans(text, lo, kend, sensitive, anchors)
        yield from c.section_spans(text, lo, kend, sensitive)  # [credentials] then b = v
        yield from c.k8s_secret_spans(text, lo, kend)  # kind: Secret, then data: / stringData:
        yield from c.prompt_spans(text, lo, kend, sensitive, anchors)  # password for bob: v
        yield from sql.sql_value_spans(text, lo, kend, sensitive)  # INSERT ... VALUES, Key (c)=(v)
        yield from c.form_part_spans(text, lo, kend, sensitive)  # multipart name="password"
        if depth < _PERCENT_DEPTH and (
            text.find("\n$", lo, kend) >= 0 or text.find("\\n$", lo, kend) >= 0
        ):
            # *2\r\n$4\r\nAUTH\r\n$14\r\nv\r\n: the Redis command the array spells
            for line, offs in c.resp_commands(text, lo, kend):
                for ds, de in self._spans(line, 0, len(line), depth=_PERCENT_DEPTH):
                    yield offs[ds], offs[de - 1] + 1
        if _CARRIERS.search(text, lo, kend) is None:
            return  # no URL, SQL or percent-encoding: the common case
        if text.find("@", lo, kend) >= 0:
            if text.find("://", lo, kend) >= 0:
                yield from c.userinfo_spans(text, lo, kend)
            yield from c.bare_userinfo_spans(text, lo, kend)
        if any(text.find(w, lo, kend) >= 0 for w in _SQL_WORDS):
            yield from c.sql_spans(text, lo, kend)
        if depth < _PERCENT_DEPTH and text.find("%", lo, kend) >= 0:
            # decoded once (?data=password%3Dv) or twice (?p=password%253Dv)
            for _, decoded, offs in c.percent_runs(text, lo, kend):
                for ds, de in self._spans(decoded, 0, len(decoded), depth=depth + 1):
                    yield offs[ds], offs[de]

    def _name(self, text: str, m: re.Match[str]) -> tuple[str, int] | None:
        """The sensitive name of ``m`` and where it starts, or None."""
        key, ks = m.group("key"), m.start("key")
        if (
            ks
            and text[ks - 1] == "\\"
            and key[0] in "nrt"
            and len(key) > 1
            and not self.names.is_sensitive(key)
        ):
            # "...\r\nCookie: x" printed as Python bytes: the name follows a literal \n.
            key, ks = key[1:], ks + 1
        for _ in range(_PERCENT_DEPTH):  # user%5Bpassword%5D, encoded again: %255B, %25255B
            if "%" not in key:
                break
            key = urllib.parse.unquote(key)
        if self.names.is_sensitive(key):
            return key, ks
        if ks and text[ks - 1] in "@$" and self.names.is_sensitive(text[ks - 1] + key):
            return text[ks - 1] + key, ks - 1  # $ecret, @pi_key: a leading sigil for a letter
        if ks and text[ks - 1] in "?&;" and self.names.is_sensitive_param(key):
            return key, ks
        if ks and text[ks - 1] in "?&;" and self.names.is_ambiguous_param(key):
            return key, ks  # ?t=, ?p=: the value decides (see _value)
        if m.group("sep") in _WEAK_SEPS and self.names.is_weak(key):
            return key, ks  # sid=, auth:: a shaped value only (see _spans)
        return None

    def _value(self, text: str, m: re.Match[str]) -> _Found:
        """The value after the sensitive name matched by ``m``, if any (a list: YAML items)."""
        span = self._raw_value(text, m)
        ks = m.start("key")
        if isinstance(span, tuple) and ks and text[ks - 1] in "?&;":
            s, e = span
            while e > s and text[e - 1] in "&;":
                e -= 1  # ?t=v&<end of line>: a query value never ends with its separator
            span = (s, e)
        if isinstance(span, tuple) and self.names.is_ambiguous_param(m.group("key")):
            value = urllib.parse.unquote(text[span[0] : span[1]])
            if not self.names.masks_param(m.group("key"), value):
                return None  # ?t=1699999999, ?p=2: a timestamp or a page, no credential
        if isinstance(span, tuple) and c.is_count(m.group("key"), text[span[0] : span[1]]):
            return None  # tokens=1234, "secrets": 3: a count under a plural name
        if isinstance(span, tuple) and text.startswith(("${", "{{", '"{{', "'{{"), span[0]):
            # ${DB_PASSWORD:-default}, {{ .Values.x | default "v" }}: the default is the value
            span = c.template_default(text, *span) or span
        if (
            isinstance(span, tuple)
            and text[span[0] : span[0] + 1].isalpha()
            and text[span[0] - 1 : span[0]] in (" ", "\t")
        ):
            called = c.call_literals(text, *span)
            if called is not None:
                # creds := credentials.NewStaticCredentials(id, secret, ""): the call's
                # literal arguments are the values, not the expression
                sensitive = self.names.is_sensitive
                return [
                    (s, e)
                    for s, e in called
                    if not c.is_placeholder(text[s:e]) and not c.names_a_field(text[s:e], sensitive)
                ]
        if isinstance(span, tuple) and span[1] - span[0] >= 8:
            ref = c.reference_name(text[span[0] : span[1]])
            if ref is not None and self.names.refers_to_secret(ref):
                return None  # password=settings.DB_PASSWORD, secret_key = SECRET_KEY
        if isinstance(span, tuple) and self.prefixes:
            s, e = span
            p = text.find("[REDACTED", s, e)
            if p > s and text[s:p] in self.prefixes:
                mask = MASK_TOKEN.match(text, p)
                if mask and mask.end() >= e:
                    return None  # the kept prefix of a partial mask (gh[REDACTED:...])
        return span

    def _raw_value(self, text: str, m: re.Match[str]) -> _Found:
        named = self._name(text, m)
        if named is None:
            return None
        key, ks = named
        head = text.rfind("[REDACTED", max(0, ks - 96), ks)
        if head >= 0:
            mask = MASK_TOKEN.match(text, head)
            if mask and mask.end() > ks:
                return None  # a label inside a rendered mask ([REDACTED:github-token:fp:...])
        end = len(text)
        sep = _WIDE_SEP.get(m.group("sep"), m.group("sep"))
        quoted_key = m.group("q") is not None
        if sep == "to":
            sep = "="  # Kotlin's pair: "password" to "v"
        if len(sep) > 1 and sep.endswith(">") and sep[0].isalpha():
            sep = ">"  # other attributes before the tag's end: <setting name="X" a="b">
        at = m.end()
        kind = self.names.value_kind(key)
        raw_sep = m.group("sep")
        if raw_sep == "::" and self._path_or_type(text, m, at):
            return None  # token::Kind, secret::new(x), password :: String: a path or a type
        if raw_sep == "|":
            return self._pipe_field(text, ks, at)
        if raw_sep[:1] == ";":
            # s:8:"password";s:14:"v";: the length counts the value (it may hold a quote)
            n = int(raw_sep[3:-1])
            k = c.escape_run(text, at)
            if text.startswith(text[at : at + k + 1] + ";", at + k + 1 + n):
                return (at + k + 1, at + k + 1 + n) if n else None
            return self._quoted_only(text, at, kind)
        if raw_sep == "(" and _CALL_TOKEN.match(text, at):
            return self._call_token(text, key, at)
        if (
            m.group("dash") is not None
            and sep[:1] in (",", ">", "v", "(")
            and text[m.start("sep") - 1] in " \t"
        ):
            return self._flag(text, m.start("sep"), end)  # --password ,x / --password value=x
        if m.group("lt") is not None and sep in {">", ""}:
            # <password>...</password>, <token a="1">...</token>
            gt = text.find(">", at, end) + 1 if sep == "" else at
            return c.element_text(text, gt, end) if gt > 0 else None
        if sep == ">" or sep.startswith("value"):
            # <entry key="password">v</entry>, <add key="ClearTextPassword" value="v"/>
            qs = ks - len(m.group("q") or "")
            if not quoted_key or not _ATTR_NAME.search(text, max(0, qs - 32), qs):
                return None
            if sep == ">":
                return c.element_text(text, at, end)
            return self._quoted_only(text, _skip_ws(text, at), kind)
        if sep == "," and m.group("dash") is not None:
            return self._flag(text, m.start("sep"), end)  # --password ,v (a value with a comma)
        if sep == ",":
            # System.setProperty("FOO_TOKEN", "v"), setenv("X", "v"), ("Authorization", "v"),
            # a printed ASGI / HTTP/2 header list: (b"x-api-key", b"v")
            qs = ks - len(m.group("q") or "")
            if quoted_key:
                qs = c.literal_start(text, qs)
            before = text[max(0, qs - 1) : qs]
            if quoted_key and before == "[":
                return self._pair_item(text, _skip_ws(text, at), kind)  # ["password", "v"]
            if not (quoted_key and before == "(") and not (not quoted_key and before == "{"):
                return None
            v = _skip_ws(text, at)
            if not quoted_key and text.startswith("<<", v):
                v += 2  # Erlang: {password, <<"v">>}
            return self._quoted_only(text, v, kind)
        if sep.startswith("("):
            # setPassword("v"), .password("v"), PASSWORD('v'); never getPassword("name")
            ws = words(key.rsplit(".", 1)[-1])  # keyring.get_password: the method's words
            if ws and ws[0] in _GETTER:
                return None
            return self._setter(text, m.start("sep"), kind)
        if sep == "":
            if m.group("dash") is not None:
                return self._flag(text, at, end)  # --password v
            if m.group("go") is not None:
                g = _GO_TYPE.match(text, at)  # var fooToken string = "v"
                return None if g is None else self._after_op(text, m, ks, g.end(), kind=kind)
            if normalize(key).endswith(_PW_NAMES):
                return self._quoted_only(text, at, kind)  # WITH PASSWORD 'v'
            if ks and text[ks - 1] == "@" and not text[c.line_start(text, ks) : ks - 1].strip():
                return self._quoted_only(text, at, kind)  # Elixir: @api_key "v"
            if ks and _EDN_KEYWORD.search(text, max(0, ks - 128), ks):
                return self._quoted_only(text, at, kind)  # Clojure/EDN: {:api-key "v"}
            # api_key "v", token 'v': a quoted value after blanks is a strong joint; a plain
            # word or punctuation is a lexer's token (Unexpected token 'export', token '<')
            quoted = self._quoted_only(text, at, kind)
            if quoted is None or worded_value(text[quoted[0] : quoted[1]]):
                return None
            return quoted
        if sep == ":":
            if (
                ks >= 2
                and text.startswith("//", ks - 2)
                and not quoted_key
                and c.userinfo_password(text, ks, at + _userinfo_len(text, at)) is not None
            ):
                return None  # scheme://user:pass@host: the userinfo carrier owns it
            t = _TYPE_ANN.match(text, at)
            if t and self._is_type(text, ks, t):
                found = self._after_op(text, m, ks, t.end(), kind=kind)
                if isinstance(found, tuple) and not c.opens_quote(text, _skip_ws(text, t.end())):
                    return c.parameter_value(text, *found, ks)  # def f(password: str = x, y)
                return found
            b = _BARE_TYPE.match(text, at)
            if (
                b
                and _KNOWN_TYPES.fullmatch(b.group("type"))
                and _type_case(b.group("type"))
                and (
                    b.group("type") not in _TS_ONLY
                    or text[b.end() : b.end() + 1] in (",", ")", ";")
                    or _DECL_BEFORE.search(text, max(0, ks - 48), ks) is not None
                )
            ):
                # def login(password: str), tokens: list[str]; not password: UNKNOWN. A
                # TypeScript-only type is one in a type position (let password: unknown,
                # password: unknown;); a bare word ending a line (password: unknown) is a value
                return None
        return self._after_op(text, m, ks, at, kind=kind)

    @staticmethod
    def _path_or_type(text: str, m: re.Match[str], at: int) -> bool:
        """Whether ``name::`` is followed by a path (glued: ``token::Kind``, ``secret::new(``)
        or a type (spaced before: ``password :: String``) rather than a value (AsciiDoc's
        ``password:: v``, a log's ``password::v``)."""
        if text[m.start("sep") - 1] in " \t":
            return _TYPE_AFTER.match(text, _skip_ws(text, at)) is not None
        return text[at : at + 1] not in " \t" and _PATH_AFTER.match(text, at) is not None

    def _pipe_field(self, text: str, ks: int, at: int) -> tuple[int, int] | None:
        """The field after ``password|`` in a pipe-separated record (the name a whole field:
        after a line start, a blank, a quote or ``|``, in a run of ``|`` fields that starts
        at a line start, a blank or a quote), unless the field is a column name
        (``user|password|email``: a header row), a list of names (``api-key|oauth-token``,
        an alternation) or a shell command (``$password|base64``)."""
        if ks and text[ks - 1] not in "|\"'$ \t\r\n":
            return None
        i = ks
        floor = max(0, ks - 1024)
        while i > floor and text[i - 1] not in _RECORD_EDGE:
            i -= 1
        if i > 0 and text[i - 1] in _NOT_RECORD:
            return None  # gitleaks:a-key|b-token: a list inside another field, no record
        f = _PIPE_FIELD.match(text, at)
        if f is None:
            return None
        value = f.group()
        if names_list(value) or c.names_a_field(value, self.names.is_sensitive):
            return None
        return None if c.is_placeholder(value) else f.span()

    def _call_token(self, text: str, key: str, at: int) -> tuple[int, int] | None:
        """The unquoted only argument of ``Password(v)``: a value type printed (a Scala case
        class, a Kotlin value class, a Rust tuple struct), unless it is a getter or the
        argument reads as a name or a literal of code (``setPassword(pw)``,
        ``token(self)``, ``password(s)``, ``secret(0)``, ``token(None)``)."""
        ws = words(key.rsplit(".", 1)[-1])
        if ws and ws[0] in _GETTER:
            return None
        close = text.find(")", at)
        value = text[at:close]
        if value.isdigit() or value in _CODE_LITERALS or _wordish(value) or "." in value:
            return None
        return None if c.is_placeholder(value) else (at, close)

    @staticmethod
    def _is_type(text: str, ks: int, t: re.Match[str]) -> bool:
        """Whether ``name: <t> =`` is a typed declaration rather than a value with ``=``."""
        if t.group("ref"):
            return True
        if _DECL_BEFORE.search(text, max(0, ks - 48), ks):
            return True
        return _KNOWN_TYPES.fullmatch(t.group("type").strip()) is not None

    def _after_op(self, text: str, m: re.Match[str], ks: int, at: int, *, kind: str) -> _Found:
        """The value after an assignment operator ending at ``at``."""
        end = len(text)
        v = _skip_ws(text, at)
        if v >= end:
            return None
        sep = _WIDE_SEP.get(m.group("sep"), m.group("sep"))
        if sep == "=" and not c.opens_quote(text, v):
            in_sql = sql.assignment_value(text, ks, v)  # SET password = %s WHERE ...
            if in_sql is not None:
                return in_sql
        if sep == ":" and text[v] in "!&":
            if c.yaml_encrypted(text, v, end):
                return None  # password: !vault | $ANSIBLE_VAULT;... is ciphertext
            v = c.yaml_props(text, v, end)  # !!binary, !!str, &anchor: the value follows
            if v >= end:
                return None
        if text.startswith("<<", v):
            return c.heredoc(text, v, end)  # password = <<EOF ... EOF
        if text[v] in "\"'`" and (text.startswith(('"""', "'''", "`"), v)):
            long = c.long_string(text, v, end)
            if long is not None:
                return long
        if c.opens_quote(text, v):
            q = c.quoted(text, v)
            if q is not None and not c.glued_after_quote(text, q[1] + 1):
                return self._literals(text, q, kind)
            if q is None:
                v += c.open_quote_len(text, v)  # unclosed: the value runs to the end of its line
            # U"a>b"c#6: a quote glued to more characters is part of an unquoted value
            return self._scheme(text, c.line_value(text, v, end, ks), kind)
        if sep == ":" and (text[v] in "[{" or (text[v] == "(" and m.group("q") is not None)):
            # "api_keys": [ then one token a line (json.dumps(indent=2), pprint, a YAML flow
            # sequence, a Python tuple): the leaves
            leaves = c.container_leaves(text, v, end)
            if leaves is not None:
                return leaves
        if text[v] in "\r\n":
            # password:\n  s3cr3t (YAML: the value on the lines below its key); INI
            # (configparser) continues a value on lines indented under its key the same way
            if sep not in (":", "="):
                return None
            members = sep == ":" and self.names.is_collection(m.group("key").strip("\"'"))
            return c.yaml_next_line(text, v, end, ks, members=members)
        if sep == ":" and text[v] in "|>":
            b = c.yaml_block(text, v, end, ks)
            if b is not None:
                return b
        if text.startswith("[REDACTED", v):
            return None  # already masked (a partial or labelled mask)
        glued = v == at and sep in (":", "=")
        if text[v] == "[" and (glued or kind == "auth"):
            # map[Authorization:[Bearer v]], {token=[v]}
            listed = c.list_value(text, v, end, filler=kind != "auth")
            if listed is not None:
                return self._scheme(text, listed, kind)
        if kind == "line" or (not glued and kind == "auth"):
            return self._scheme(text, c.line_value(text, v, end, ks), kind)
        if glued and text[v] == "{" and normalize(m.group("key")) == "pwd":
            braced = c.odbc_braced(text, v, end)  # ODBC PWD={v}: the braces quote the value
            if braced is not None:
                return braced
        if glued:
            span = c.token_value(text, v, end, ks)
            if span is None:
                return None
            if kind == "auth":
                return self._glued_auth(text, span)
            return span
        if m.group("q") is not None and sep == ":":
            # "token": 123, "user": ... -- an unquoted JSON/dict value ends before the next key
            s, e = c.line_value(text, v, end, ks, json_key=True)
            n = _JSON_NEXT.search(text, s, e)
            return (s, n.start()) if n else (s, e)
        return c.line_value(text, v, end, ks)

    def _setter(self, text: str, paren: int, kind: str) -> tuple[int, int] | None:
        """The secret argument of a call to a sensitive name whose ``(`` is ``text[paren]``.

        One argument: that literal (``setPassword("v")``). More: a cookie setter takes
        ``(name, value)`` and its name decides (``res.cookie('token', 'v')`` is read as a
        pair by the caller, ``res.cookie('theme', 'dark')`` holds nothing); any other call
        named for its secret takes it last (``keyring.set_password("svc", "bob", "v")``,
        ``setCredentials(user, "v")``): the last literal that is not itself a name.
        """
        args = c.call_arguments(text, paren, _SETTER_SCOPE)
        if len(args) < 2:
            return self._quoted_only(text, _skip_ws(text, paren + 1), kind)
        if kind == "line":
            return None  # cookie(name, value): the pair reader judges the name
        for s, e, literal in reversed(args):
            if literal and not c.names_a_field(text[s:e], self.names.is_sensitive):
                return self._scheme(text, (s, e), kind) if e > s else None
        return None

    def _pair_item(self, text: str, at: int, kind: str) -> tuple[int, int] | None:
        """The second item of a two-item list ``["password", "v"]`` (not ``[name, name]``)."""
        span = self._quoted_only(text, at, kind)
        if span is None:
            return None
        close = _skip_ws(text, span[1] + 1)
        value = text[span[0] : span[1]]
        if text[close : close + 1] != "]" or c.names_a_field(value, self.names.is_sensitive):
            return None
        return span

    def _quoted_only(self, text: str, at: int, kind: str) -> tuple[int, int] | None:
        if not c.opens_quote(text, at):
            return None
        q = c.quoted(text, at)
        return None if q is None else self._literal(text, q, kind)

    def _literals(self, text: str, q: tuple[int, int], kind: str) -> _Found:
        """The literals of a value: one span on one line (``'a' + 'b'``, from the first
        literal to the last), one per literal when they run over several lines (``'a' +``
        then ``'b'``: each line keeps its own mask, and the scanner weighs each line's).

        An Authorization value that is only its scheme word (``"Bearer " + token``) holds
        no credentials in the text.
        """
        parts = c.concatenated(text, q)
        if len(parts) == 1:
            first = text[q[0] : q[1]]
            if kind == "auth" and first.endswith(" ") and first.strip().isalpha():
                return None  # "Bearer " + token: the credentials are a variable
            return self._literal(text, q, kind)
        whole = self._literal(text, q, kind)
        if _EOL_CHARS.search(text, whole[0], whole[1]) is None:
            return whole
        return [p for p in parts if p[1] > p[0] and p[1] > whole[0]] or None

    def _literal(self, text: str, q: tuple[int, int], kind: str) -> tuple[int, int]:
        """A quoted value, with the literals concatenated to it (``"Bearer " + "v"``)."""
        parts = c.concatenated(text, q)
        if len(parts) > 1:
            first = text[q[0] : q[1]].strip()
            if first.isalpha() and (
                (kind == "auth" and len(first) <= 32) or first.lower() in _SCHEME_WORDS
            ):
                return parts[1][0], parts[-1][1]  # "Bearer" "v": the scheme word stays
            q = parts[0][0], parts[-1][1]
        return self._scheme(text, q, kind)

    @staticmethod
    def _scheme(text: str, span: tuple[int, int], kind: str) -> tuple[int, int]:
        """For Authorization values, keep the scheme word (``Bearer``, ``SSWS``) visible."""
        if kind != "auth":
            return span
        return c.after_scheme(text, *span), span[1]

    @staticmethod
    def _glued_auth(text: str, span: tuple[int, int]) -> tuple[int, int]:
        """``authorization=Bearer abc``: the credentials are the token after the scheme word."""
        s, e = span
        rest = _skip_ws(text, e)
        if e - s <= 32 and text[s:e].isalpha() and rest > e:
            t = c._TOKEN.match(text, rest)
            if t:
                return t.span()
        return span

    @staticmethod
    def _flag(text: str, at: int, end: int) -> tuple[int, int] | None:
        if text.startswith("<<<", at):
            return None  # --with-token <<< v: cmd.here_string_spans reads the here-string
        if c.opens_quote(text, at):
            return c.quoted(text, at)
        t = c._TOKEN.match(text, at, end)
        if t is not None and t.group() in _SHELL_OPS:
            return None  # --token | next, --password > f: a shell operator is not a value
        return t.span() if t else None


_SHELL_OPS = frozenset({"|", "||", "&&", ";", "&", "|&", ">", ">>", "2>", "<", "<<"})
#: A keyword made only of identifier characters, and what may stand either side of an
#: identifier for :meth:`KeyValueDetector._dead` (no name joins across these).
_IDENTIFIER = re.compile(r"[a-z0-9_]+")
_DEAD_LEFT = frozenset(" \t\r\n\f\v\"'`({[,;=<>|&?!*+#$")
_DEAD_RIGHT = frozenset(" \t\r\n\f\v\"'`)}],;:=<>|&?!*+#")

#: An identifier's characters from an offset on.
_WORD_RUN = re.compile(r"\w+")


#: How the known types are spelled when not in lower case (``password: UnKnOwN`` is a value).
_PASCAL_TYPES = frozenset(
    [
        "List",
        "Dict",
        "Set",
        "FrozenSet",
        "Tuple",
        "Sequence",
        "Iterable",
        "Mapping",
        "Optional",
        "Union",
        "Annotated",
        "Literal",
        "Final",
        "ClassVar",
        "Array",
        "Vec",
        "Option",
        "Map",
        "HashMap",
        "Record",
        "Promise",
        "Readonly",
        "ReadOnly",
        "Str",
        "String",
        "Bytes",
        "Secret",
        "SecretStr",
        "SecretBytes",
        "SecretString",
        "SecureString",
        "Text",
        "CharSequence",
        "Any",
        "Object",
        "Int",
        "Integer",
        "Bool",
        "Boolean",
        "Float",
        "Number",
    ]
)


#: Types only TypeScript spells so; elsewhere these words are values.
_TS_ONLY = frozenset({"unknown"})


def _type_case(type_: str) -> bool:
    """Whether ``type_`` is spelled as a type (``UNKNOWN``, ``uNKNOWN`` are values)."""
    head = re.split(r"[\[<|?\s]", type_, maxsplit=1)[0].rsplit(".", 1)[-1]
    return not head or head.startswith("[]") or head.islower() or head in _PASCAL_TYPES


def _skip_ws(text: str, at: int) -> int:
    """The first index at or after ``at`` that is not horizontal whitespace."""
    m = _HWS.match(text, at)
    return at if m is None else m.end()


def _userinfo_len(text: str, at: int) -> int:
    u = _USERINFO_REST.match(text, at)
    return 0 if u is None else u.end() - at


def _in_userinfo(text: str, at: int) -> bool:
    """Whether ``text[at]`` sits in a URL's userinfo: ``scheme://`` then ``user:`` or
    nothing before it, in the same blank-free run (the ``@`` that follows is the host's)."""
    lo = max(0, at - 512)
    blank = max(text.rfind(" ", lo, at), text.rfind("\t", lo, at), text.rfind("\n", lo, at))
    scheme = text.rfind("://", blank + 1, at)
    return scheme >= 0 and "/" not in text[scheme + 3 : at] and "@" not in text[scheme + 3 : at]


def _auth_index(callee: str) -> int:
    """The secret argument's position for a callee matched by ``_AUTH_CALLS``."""
    return DEFAULT_AUTH_CALLS.get(callee.replace("()", ""), -1)
