"""Siblings found by a red team after the name and record work (issue 9 §1, issue 10 §4)."""

from __future__ import annotations

import secrets

import pytest

from redact import Redactor


@pytest.fixture(scope="module")
def r() -> Redactor:
    return Redactor.default()


def _value() -> str:
    return "Zq9" + secrets.token_hex(8)


@pytest.mark.parametrize(
    ("name_field", "value_field"),
    [
        ("key", "val"),
        ("field", "value"),
        ("label", "value"),
        ("id", "value"),
        ("k", "v"),
        ("Name", "Value"),
        ("parameter", "value"),
        ("variable", "value"),
        ("setting", "value"),
    ],
)
def test_name_value_records_with_other_field_names_are_masked(
    r: Redactor, name_field: str, value_field: str
) -> None:
    """A record naming a sensitive field masks its value field, whatever the pair is called."""
    v = _value()
    out = r.redact_obj({"fields": [{name_field: "password", value_field: v}]})
    assert v not in repr(out)


def test_records_naming_a_harmless_field_are_left_alone(r: Redactor) -> None:
    """{"id": "user", "value": ...} is data, not a credential."""
    obj = {"fields": [{"id": "username", "value": "bob"}, {"k": "color", "v": "blue"}]}
    assert r.redact_obj(obj) is obj


@pytest.mark.parametrize(
    "name",
    [
        "ｐａｓｓｗｏｒｄ",  # full-width
        "pass\u200bword",  # zero-width space
        "api\u200d_key",  # zero-width joiner
        "Passwort",
        "contraseña",
        "senha",
        "wachtwoord",
        "lösenord",
        "пароль",
        "パスワード",
        "db_passwort",
    ],
)
def test_names_in_other_scripts_and_spellings_are_sensitive_keys(r: Redactor, name: str) -> None:
    """Mapping keys: compatibility forms, invisible characters and other languages."""
    v = _value()
    assert r.is_sensitive_key(name)
    assert v not in repr(r.redact_obj({name: v}))


@pytest.mark.parametrize(
    "name", ["pass\u200bword", "Passwort", "contraseña", "senha", "lösenord", "db_passwort"]
)
def test_names_in_text_with_an_ascii_spelling_are_masked(r: Redactor, name: str) -> None:
    """Text: a name the ASCII prefilter can see is masked as `password=` is."""
    v = _value()
    for shape in (f"{name}={v}", f"{name}: {v}"):
        assert v not in r.redact(shape), shape


@pytest.mark.parametrize("text", ["naïve=1 café: x", "größe: 42", "author: bob", "token_count=5"])
def test_non_ascii_harmless_names_stay(r: Redactor, text: str) -> None:
    """Widening the key alphabet to any word character does not mask ordinary names."""
    assert r.redact(text) == text


@pytest.mark.parametrize(
    "template",
    [
        "PASSWORD={v} horse battery staple",
        "export DB_PASSWORD={v} horse battery staple",
        "API_TOKEN={v} two words\nNEXT=1",
        "password={v} and more words",
    ],
)
def test_an_env_line_value_with_spaces_is_masked_to_the_end_of_the_line(
    r: Redactor, template: str
) -> None:
    """`KEY=value with spaces` on its own line: every word of the value goes, not only the first."""
    v = _value()
    out = r.redact(template.format(v=v))
    assert v not in out and "horse" not in out and "words" not in out
    assert r.redact(out) == out


def test_a_pair_inside_a_log_line_still_ends_at_whitespace(r: Redactor) -> None:
    """In the middle of a line (logfmt), the value is one token: the words after it stay."""
    v = _value()
    assert r.redact(f"login failed password={v} user=bob") == (
        "login failed password=[REDACTED:sensitive-key] user=bob"
    )


@pytest.mark.parametrize(
    "line",
    [
        "rootpw --plaintext {v}",
        "rootpw --iscrypted {v}",
        "rootpw {v}",
        "bindpw {v}",
        "  bindpw {v}",
        "rocommunity {v} default",
        "rwcommunity6 {v}",
        "snmp-server community {v} RO",
        "requirepass {v}",
        '"masterauth" {v}',
    ],
)
def test_config_directives_mask_their_secret_argument(r: Redactor, line: str) -> None:
    """A directive whose first argument is a password or community string masks it whole."""
    v = _value()
    text = line.format(v=v)
    out = r.redact(text)
    assert v not in out and "[REDACTED" in out
    assert out.split()[0] == text.split()[0]  # the directive's name stays readable


@pytest.mark.parametrize(
    "text",
    [
        "the rootpw directive sets it",
        "see bindpw in ldap.conf(5)",
        "snmp-server location rack-12",
        "rootpwd_policy = strict",
    ],
)
def test_directive_words_in_prose_stay(r: Redactor, text: str) -> None:
    """A directive's name that is not at the start of a config line masks nothing."""
    assert r.redact(text) == text


@pytest.mark.parametrize("name", ["KEY", "PAT"])
@pytest.mark.parametrize(
    "shape", ["{n}={v}", "{n} = {v}", "export {n}={v}", '"{n}": "{v}"', "{n}: {v}"]
)
def test_cased_names_in_every_assignment_shape(r: Redactor, name: str, shape: str) -> None:
    """An environment variable sensitive only in capitals, with or without spaces around =.
    In lower case ``key`` is a weak name (tests/core/test_weak_joints.py): a shaped value
    is masked, a word stays; ``pat`` stays whatever its value."""
    v = _value()
    assert v not in r.redact(shape.format(n=name, v=v))
    low = shape.format(n=name.lower(), v=v)
    if r.key_names.is_weak(name.lower()):
        shaped = "Zq9Lm2Xw7Kp4Rt"  # fixed: a random value may read as words
        assert shaped not in r.redact(shape.format(n=name.lower(), v=shaped))
        plain = shape.format(n=name.lower(), v="user_profile")
        assert r.redact(plain) == plain
    else:
        assert r.redact(low) == low


@pytest.mark.parametrize(
    "shape",
    [
        'public string Password {{ get; set; }} = "{v}";',
        'public string ApiKey {{ get; init; }} = "{v}";',
        'public string ClientSecret {{get;private set;}}="{v}";',
        'public static string Token {{ get; }} = "{v}";',
        'internal string DbPassword {{ get; protected set; }} = @"{v}";',
        'public string Password {{ get => "{v}"; }}',  # an expression-bodied getter
        'Public Property Password As String = "{v}"',  # VB.NET: the type after As
        'Dim password As String = "{v}"',
        'Const ApiKey As String = "{v}"',
    ],
)
def test_csharp_auto_property_initializers(r: Redactor, shape: str) -> None:
    """A C# auto-property's initializer is its value: masked whole, scanned as code too."""
    v = _value()
    out = r.redact(shape.format(v=v))
    assert v not in out and "[REDACTED" in out


@pytest.mark.parametrize(
    "text",
    [
        "public int PasswordLength { get; set; } = 12;",
        "Dim passwordLength As Integer = 12",
        'Dim theme As String = "dark"',
        "SELECT password AS pw FROM users",
        "public string Password { get; set; }",
        'public string Theme { get; set; } = "dark";',
    ],
)
def test_csharp_properties_without_a_secret_stay(r: Redactor, text: str) -> None:
    """A lookalike property name, no initializer, or a harmless property: unchanged."""
    assert r.redact(text) == text


@pytest.mark.parametrize("shape", [tuple, list])
@pytest.mark.parametrize("rest", [(None,), (1,), ("x", "y")])
def test_a_pair_name_that_is_a_registered_secret_is_masked(
    shape: type, rest: tuple[object, ...]
) -> None:
    """A (name, value) pair headed by a sensitive name walks its name too: a registered
    secret that reads as a sensitive name (``000TOKEN``) is masked there (hypothesis found
    ``("000TOKEN", None)`` passing structlog and ``redact_obj``)."""
    from redact import KnownSecrets

    red = Redactor.default(known=KnownSecrets())
    secret = "0" * 3 + secrets.token_hex(3).upper() + "TOKEN"
    red.known.add(secret, label="planted")
    out = red.redact_obj({"f": shape((secret, *rest))})
    assert secret not in repr(out)
    header = shape((b"authorization", b"Basic " + secrets.token_hex(8).encode()))
    assert red.redact_obj(header)[0] == b"authorization"  # a plain name stays


def _tok() -> str:
    return "Hx" + secrets.token_urlsafe(15).replace("-", "a").replace("_", "b")


@pytest.mark.parametrize("indent", [1, 2, 4, "\t"])
def test_a_multi_line_container_under_a_sensitive_name_masks_its_leaves(
    r: Redactor, indent: int | str
) -> None:
    """json.dumps(indent=...) and pprint put one leaf a line under "api_keys": [: every
    leaf is masked, member names and the other keys stay (the red team found it in clear)."""
    import json
    import pprint

    a, b, c = _tok(), _tok(), _tok()
    doc = {"api_keys": [a, b], "tokens": {"prod": c, "note": "rotated"}, "user": "bob"}
    for text in (json.dumps(doc, indent=indent), pprint.pformat(doc, width=30)):
        out = r.redact(text)
        assert not any(v in out for v in (a, b, c)), out
        assert '"prod"' in out or "'prod'" in out
        assert "bob" in out


@pytest.mark.parametrize(
    "text",
    [
        '{\n  "api_keys": [\n  ],\n  "n": 1\n}',
        '{\n  "token_count": [\n    12,\n    13\n  ]\n}',
        '{\n  "tokens": [\n    "${GITHUB_TOKEN}"\n  ]\n}',
    ],
)
def test_multi_line_containers_without_a_secret_stay(r: Redactor, text: str) -> None:
    """An empty list, a lookalike name, a template: unchanged."""
    assert r.redact(text) == text


@pytest.mark.parametrize(
    "shape",
    [
        "api_keys: [\n  {v},\n  other\n]",  # a YAML flow sequence across lines
        "tokens: {{\n  prod: {v}\n}}",  # a YAML flow mapping across lines
        "{{'passwords': (\n  '{v}',)}}",  # a Python tuple, pprint-wrapped
        '{{\n  "secrets": {{\n    "a": {{\n      "b": "{v}"\n    }}\n  }}\n}}',  # nested
    ],
)
def test_multi_line_container_siblings(r: Redactor, shape: str) -> None:
    """YAML flow collections, tuples and nested objects under a sensitive name: masked."""
    v = _tok()
    assert v not in r.redact(shape.format(v=v))


@pytest.mark.parametrize(
    "shape",
    [
        '[credentials]\nb = "{v}"\n',
        "[secrets]\nb = {v}\n[database]\nhost = db1\n",
        '[credentials.prod]\nb = "{v}"  # rotated\n',
        '[[secrets]]\nname = "x"\nvalue = "{v}"\n',
        "[api_keys]\nprod: {v}\n",
        "x = 1\r\n[secrets]\r\nb = {v}\r\n",
    ],
)
def test_entries_of_a_sensitive_ini_or_toml_section_are_masked(r: Redactor, shape: str) -> None:
    """A section named credentials/secrets/api_keys makes each entry's value a secret (a
    fresh reviewer found [credentials] then b = "v" in clear)."""
    v = _tok()
    text = shape.format(v=v)
    out = r.redact(text)
    assert v not in out and "[REDACTED" in out


@pytest.mark.parametrize(
    "text",
    [
        "[database]\nhost = db1.internal\nport = 5432\n",
        '[tool.redact]\nexclude = ["tests"]\n',
        'see [credentials] below\nb = "Hx7Lp2Qw9Er4Ty6Ui8Op0a"\n',
        "[secrets]\n\n[server]\nhost = web1.example.net\n",
    ],
)
def test_entries_of_other_sections_stay(r: Redactor, text: str) -> None:
    """Other sections, prose that names a section, and entries after the next header: unchanged."""
    assert r.redact(text) == text


#: Names a second red team found in clear (issue 10 §4): credentials named by their protocol
#: or tool, keys by what they unlock, and the word for password in more languages.
MORE_NAMES = [
    "SSHPASS", "client_assertion", "SAMLResponse", "cookies", "auths", "_auth", "hmac",
    "NPM_CONFIG__AUTH", "basic_auth", "recovery_phrase", "SSH_KEY", "private_key_pem",
    "SOPS_AGE_KEY", "unseal_keys_b64", "PAGERDUTY_ROUTING_KEY", "KUBECONFIG_DATA", "GCP_SA_KEY",
    "connection_string", "conn_str", "product_key", "activation_key", "SLACK_WEBHOOK",
    "heslo", "jelszó", "jelszo", "lozinka", "geslo", "parool", "şifre", "kata_sandi",
]  # fmt: skip
#: Their lookalikes: a random seed, a Wi-Fi network's public name, an Oracle/Windows SID,
#: flags and URLs about authentication, AMQP's routing key, ``auth`` alone (a mode:
#: ``auth=ldap``, ``heroku auth:token``; only a query string's ``auth=`` is a credential).
MORE_LOOKALIKES = [
    "seed", "ssid", "sid", "auth_url", "auth_type", "auth_method", "auth_enabled", "use_auth",
    "requires_auth", "use_hmac", "hmac_algorithm", "routing_key", "webhook_id", "ssh_key_path",
    "author", "oauth", "secret_name", "auth",
]  # fmt: skip


@pytest.mark.parametrize("name", MORE_NAMES)
def test_more_sensitive_names_in_every_carrier(r: Redactor, name: str) -> None:
    v = _value()
    for text in (f"{name}={v}", f'{{"{name}": "{v}"}}', f"{name}: {v}", f"export {name}='{v}'"):
        assert v not in r.redact(text), text
    assert v not in repr(r.redact_obj({name: v}))


@pytest.mark.parametrize("name", MORE_LOOKALIKES)
def test_more_lookalike_names_stay(r: Redactor, name: str) -> None:
    text = f"{name}=Qx42 {name}: blue"
    assert r.redact(text) == text
    obj = {name: "Qx42"}
    assert r.redact_obj(obj) == obj


@pytest.mark.parametrize(
    ("name_field", "value_field"),
    [
        ("label", "text"),
        ("name", "data"),
        ("Name", "Data"),
        ("key", "content"),
        ("fieldName", "fieldValue"),
        ("secretName", "secretValue"),
        ("property", "default"),
    ],
)
def test_record_fields_are_one_list_for_objects_and_text(
    r: Redactor, name_field: str, value_field: str
) -> None:
    """The object walker and the text reader share RECORD_NAME_FIELDS/RECORD_VALUE_FIELDS."""
    v = _value()
    assert v not in repr(r.redact_obj([{name_field: "password", value_field: v}]))
    assert v not in r.redact(f'{{"{name_field}": "password", "{value_field}": "{v}"}}')
    assert v not in r.redact(f'{{"{value_field}": "{v}", "{name_field}": "token"}}')


def test_a_record_naming_a_harmless_field_keeps_its_text(r: Redactor) -> None:
    obj = [{"label": "Colour", "text": "blue"}, {"name": "theme", "data": "dark"}]
    assert r.redact_obj(obj) == obj
    text = '{"label": "Colour", "text": "blue"} {"name": "theme", "data": "dark"}'
    assert r.redact(text) == text


def test_a_random_token_is_no_name_whatever_its_last_letters() -> None:
    """``<token> : rest of line``: a random token whose last camel-case piece spells a short
    sensitive word (``...fCVC``, ``...xPw``, ``...Otp``) is a token, not a name; read as a
    name, it masked the rest of the line (found by the filter's cut property)."""
    import random
    import string

    from redact.keynames import KeyNames

    names = KeyNames()
    rng = random.Random(20261130)
    alnum = string.ascii_letters + string.digits
    for tail in ("CVC", "Pw", "Otp", "Pin", "Jwt", "Salt", "Cred"):
        token = "".join(rng.choice(alnum) for _ in range(34)) + "4" + tail
        assert not names.is_sensitive(token), token
    assert Redactor.default().redact("ab9" + "Xy7Kq2Lm5Np8Rs3Tu6Vw1" + "fCVC : keep this") == (
        "ab9Xy7Kq2Lm5Np8Rs3Tu6Vw1fCVC : keep this"
    )
    # real names keep their short last word
    for name in ("card_cvc", "db_pw", "userPin", "x_otp", "api_jwt", "a1_b2_c3_d4_password"):
        assert names.is_sensitive(name), name


#: Values that themselves spell a sensitive name (a glued suffix: ...secret, ...dsn8, ...Pass):
#: a password may end so, and a reader that asks "is the value a name?" must not let it go.
NAME_SPELLING_VALUES = [
    "Xy7q9Zmy" + "secret",
    "QvhmpJcGdKKzrqdv" + "dsn8",
    "Tr0ub4dor" + "Pass",
    "hunt3rZ2" + "token",
    "Zq9x8Lm2" + "apikey",
    "mydb" + "password",
]


@pytest.mark.parametrize("value", NAME_SPELLING_VALUES)
@pytest.mark.parametrize(
    "shape",
    [
        "User<password:{v}>",
        "User(name=bob, <password:{v}>)",
        "User<password:{v}, name:bob>",
        "<ns:password>{v}</ns:password>",
        '<wsse:Password Type="PasswordText">{v}</wsse:Password>',
        "password: {v}",
        '{{"password": "{v}"}}',
        "password: *{v}",
        "- password: *{v}",
    ],
)
def test_a_value_that_spells_a_sensitive_name_is_still_a_value(
    r: Redactor, value: str, shape: str
) -> None:
    """``User<password:...dsn8>`` went out whole: the angle-pair reader ran only when the
    word after ``password:`` was not itself a sensitive name (it was read as ``<ns:name>``),
    and ``password: *...secret`` was read as a YAML alias to another secret. A reference is
    a name made of words (``*db_password`` stays: the lookalikes of test_grammar_siblings)."""
    text = shape.format(v=value)
    out = r.redact(text)
    assert value not in out, out
    assert "password" in out.lower()  # the name stays readable


@pytest.mark.parametrize(
    "name",
    [
        # a credential cut into parts (OTel attributes user.password_part1 / _part2 both
        # exported in clear) or carried in a header
        "password_part1",
        "user.password_part2",
        "secret_part",
        "apikey_chunk_2",
        "client_secret_half",
        "private_key_fragment",
        "authorization_header",
        "cookie_hdr",
        "auth_header",
        "AUTH_HEADER",
        # words of their own
        "pepper",
        "passkey",
        "PASS_KEY",
        # spelled with digits for letters
        "p4ssword",
        "passw0rd",
        "P4SSW0RD",
        "t0ken",
        "s3cret",
        "api_s3cret",
    ],
)
def test_names_the_second_red_team_found_in_clear_are_sensitive(r: Redactor, name: str) -> None:
    value = _value()
    assert r.is_sensitive_key(name)
    assert value not in r.redact(f"{name}={value}")
    assert r.redact_obj({name: value}) == {name: "[REDACTED:sensitive-key]"}


@pytest.mark.parametrize(
    "name",
    [
        "s3_bucket",
        "oauth2_client",
        "sha256",
        "x509_cert",
        "k8s_namespace",
        "log4j_version",
        "i18n",
        "web3_provider",
        "h264_profile",
        "header",
        "segment_count",
        "chunk_size",
        "half_life",
        "part_number",
        "content_header",
    ],
)
def test_digits_in_ordinary_names_and_the_new_modifiers_alone_stay(r: Redactor, name: str) -> None:
    assert not r.is_sensitive_key(name)
