"""Command lines, Redis, netrc, .pgpass and Oracle connect strings: the secret argument goes whole.

The shapes reuse the matrix of ``test_grammar`` (no run of 4 characters of a planted value
survives beside a mask); every program family of ``redact._commands.COMMANDS`` is also
exercised from the table itself, and a lookalike table keeps ports, prose and
non-secret flags readable.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redact._commands import COMMANDS, Command
from tests.grammar import (
    PLANTED,
    SHELL_WORD,
    VALUES,
    R,
    Shape,
    assert_keeps_tail,
    assert_left_alone,
    assert_masked_whole,
    assert_planted,
    shape_id,
    synthetic,
)
from tests.strategies import grammar_values

_TOKEN = SHELL_WORD  # a bare shell word: no blanks, quotes or separators

SHAPES = [
    # program -> flag (the vocabulary of redact._commands)
    Shape("docker-login", "docker login -u bob -p {v} registry.test", _TOKEN),
    Shape("podman-login", "podman login --username bob -p {v} quay.test", _TOKEN),
    Shape("sqlcmd", "sqlcmd -S h -U sa -P {v} -d app", _TOKEN),
    Shape("bcp-glued", "bcp app.dbo.t out f.dat -S h -U sa -P{v}", _TOKEN),
    Shape("az-login", "az login -u x@corp.test -p {v}", _TOKEN),
    Shape("keytool", "keytool -list -keystore k.jks -storepass {v} -v", _TOKEN),
    Shape("keytool-keypass", "keytool -genkey -alias a -keypass {v} -storepass x", _TOKEN),
    Shape("jarsigner", "jarsigner -keystore k.jks -storepass {v} app.jar alias", _TOKEN),
    Shape("openssl-k", "openssl enc -aes-256-cbc -k {v} -in a -out b", _TOKEN),
    Shape("openssl-passin", "openssl rsa -in key.pem -passin pass:{v} -out k", _TOKEN),
    Shape("openssl-passout-quoted", "openssl genrsa -passout 'pass:{v}' 2048", "'\\"),
    Shape("htpasswd-batch", "htpasswd -b /etc/nginx/.htpasswd bob {v}", _TOKEN),
    Shape("htpasswd-create", "htpasswd -bc users.txt bob {v}", _TOKEN),
    Shape("htpasswd-stdout", "htpasswd -nb bob {v}", _TOKEN),
    Shape("vault-login", "vault login {v}", _TOKEN + "="),
    Shape("vault-login-prompt", "$ vault login -no-print {v}", _TOKEN + "="),
    Shape("git-config-token", "git config --global github.token {v}", _TOKEN),
    Shape("git-config-quoted", 'git config --global github.token "{v}"', '"\\'),
    Shape("npm-config", "npm config set //registry.npmjs.org/:_authToken {v}", _TOKEN),
    Shape("aws-configure", "aws configure set aws_secret_access_key {v}", _TOKEN),
    Shape("poetry-http-basic", "poetry config http-basic.corp bob {v}", _TOKEN),
    Shape("mysqladmin-glued", "mysqladmin -u root -p{v} status", _TOKEN),
    Shape("mysqldump-quoted", "mysqldump -uroot -p'{v}' app > app.sql", "'\\"),
    Shape("sshpass", "sshpass -p {v} ssh -p 2222 deploy@host", _TOKEN),
    Shape("ldapsearch", "ldapsearch -x -D cn=admin,dc=x -w {v} -b dc=x", _TOKEN),
    Shape("ldapsearch-cluster", "ldapwhoami -x -D cn=admin -w{v}", _TOKEN),
    Shape("smbclient-user", "smbclient -U user%{v} //h/share", _TOKEN + "%"),
    Shape("smbclient-quoted", "smbclient //h/s -U 'corp\\bob%{v}' -c ls", "'\\%"),
    Shape("lftp-user", "lftp -u bob,{v} sftp://h", _TOKEN + ","),
    Shape("xfreerdp", "xfreerdp /u:bob /p:{v} /v:host", _TOKEN),
    Shape("net-use", "net use Z: \\\\h\\s {v} /user:bob", _TOKEN),
    Shape("net-user", "net user bob {v} /add", _TOKEN),
    Shape("ipmitool", "ipmitool -I lanplus -H h -U admin -P {v} power status", _TOKEN),
    Shape("snmp-v3", "snmpwalk -v3 -u bob -l authPriv -A {v} -X x1 h", _TOKEN),
    Shape("zip", "zip -P {v} out.zip a.txt", _TOKEN),
    Shape("7z-glued", "7z x -p{v} a.7z", _TOKEN),
    Shape("ssh-keygen", "ssh-keygen -t ed25519 -N '{v}' -f id", "'\\"),
    Shape("rabbitmqctl", "rabbitmqctl add_user bob {v}", _TOKEN),
    Shape("mc-alias", "mc alias set s3 https://s3.test AKIAEXAMPLE {v}", _TOKEN),
    Shape("wget-password", "wget --password={v} https://x.test/f", _TOKEN + "="),
    Shape("wget-http-password", "wget --http-password {v} https://x.test/f", _TOKEN),
    Shape("generic-long-token", "deploy --api-token {v} --env prod", _TOKEN),
    Shape("generic-long-secret", "tool --client-secret={v} --verbose", _TOKEN + "="),
    Shape("env-before-command", "PGPASSWORD={v} psql -h db -U app", _TOKEN + "="),
    Shape("in-a-log-message", "cmd='docker login -u bob -p {v}' rc=0", _TOKEN),
    Shape("after-sudo", "sudo -E mysql -uroot -p{v} -e 'select 1'", _TOKEN),
    # Redis
    Shape("redis-auth", "AUTH {v}", _TOKEN),
    Shape("redis-auth-user", "AUTH default {v}", _TOKEN),
    Shape("redis-prompt", "127.0.0.1:6379> AUTH {v}", _TOKEN),
    Shape("redis-monitor", '1700000000.1 [0 127.0.0.1:5555] "AUTH" "{v}"', '"\\'),
    Shape("redis-cli-auth", "redis-cli -h cache AUTH {v}", _TOKEN),
    Shape("requirepass", "requirepass {v}", _TOKEN),
    Shape("masterauth", "masterauth {v}", _TOKEN),
    Shape("config-set", 'CONFIG SET requirepass "{v}"', '"\\'),
    Shape("rediscli-auth-env", "REDISCLI_AUTH={v}", _TOKEN + "="),
    Shape("redis-cli-a", "redis-cli -a {v} ping", _TOKEN),
    Shape("redis-url", "redis://:{v}@cache:6379/0", _TOKEN + "/?#@"),
    Shape("acl-setuser", "ACL SETUSER alice on >{v} ~cached:* +get", _TOKEN + "<>"),
    # netrc and .pgpass
    Shape("netrc-line", "machine api.test login me password {v}", _TOKEN),
    Shape("netrc-block", "machine api.test\n  login me\n  password {v}\n", _TOKEN),
    Shape("netrc-default", "default login anonymous password {v}", _TOKEN),
    Shape("pgpass", "db.internal:5432:app:bob:{v}", "\\:\r\n"),
    Shape("pgpass-wildcards", "*:*:*:postgres:{v}", "\\:\r\n"),
    # Oracle and connection strings
    Shape("jdbc-oracle", "jdbc:oracle:thin:bob/{v}@h:1521/XE", _TOKEN + "@/"),
    Shape("sqlplus", "sqlplus bob/{v}@db", _TOKEN + "@/"),
    Shape("sqlplus-sysdba", "sqlplus -s sys/{v} as sysdba", _TOKEN + "@/"),
    Shape("expdp-userid", "expdp userid=system/{v}@db directory=d", _TOKEN + "@/="),
    Shape("ado-net", "Server=x;User Id=u;Password={v};Database=app", _TOKEN + "=;"),
    # redact:allow sensitive-key a template, not a value
    Shape("ado-net-pwd", "Server=x;Uid=u;Pwd={v};", _TOKEN + "=;"),
    Shape("odbc-braces", "Driver={ODBC Driver 18};Server=x;UID=u;PWD={{v}};", _TOKEN + "=;{}"),
]


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("value", VALUES)
def test_command_shape_masks_the_whole_value(shape: Shape, value: str) -> None:
    """Every command/config carrier masks every value it can hold, whole."""
    assert_masked_whole(shape, value)


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_command_shape_keeps_the_rest_of_the_line(shape: Shape) -> None:
    """The mask replaces the argument only: flags and words after it stay readable."""
    assert_keeps_tail(shape, strip="\"';)}\n")


#: A word that starts with a shell operator (> | & !) or a sigil is not an argument.
_NOT_AN_ARGUMENT = ("-", "$", "%", "{", "<", ">", "|", "&", "!", "[", "#", "*", "/")


@PLANTED
@given(value=grammar_values, shape=st.sampled_from(SHAPES))
def test_planted_values_never_survive_in_commands(value: str, shape: Shape) -> None:
    """Random values planted in every command and config shape: nothing leaks."""
    assert_planted(shape, value, starts=_NOT_AN_ARGUMENT, idempotent=False)


def _example(cmd: Command, flag: str, value: str) -> str:
    head = " ".join((cmd.names[0], *cmd.sub))
    if flag.endswith(":"):
        return f"{head} {flag}{value} --next"
    if cmd.user_flags and flag in cmd.user_flags:
        return f"{head} {flag} bob{cmd.user_sep}{value} --next"
    if flag in cmd.prefixed:
        return f"{head} {flag} pass:{value} --next"
    return f"{head} {flag} {value} --next"


_FLAG_ROWS = [
    pytest.param(cmd, name, flag, id=f"{name}{'-' + '-'.join(cmd.sub) if cmd.sub else ''}{flag}")
    for cmd in COMMANDS
    for name in cmd.names
    for flag in (*cmd.flags, *cmd.user_flags, *cmd.prefixed)
]


@pytest.mark.parametrize(("cmd", "name", "flag"), _FLAG_ROWS)
def test_every_flag_of_the_vocabulary(cmd: Command, name: str, flag: str) -> None:
    """Each program name and each of its secret flags masks its argument (and nothing else)."""
    value = synthetic()
    alias = Command(
        (name,), cmd.sub, cmd.flags, cmd.user_flags, cmd.user_sep, cmd.prefixed, getopt=cmd.getopt
    )
    text = _example(alias, flag, value)
    out = R.redact(text)
    assert value not in out, out
    assert out.endswith(" --next") and out.startswith(" ".join((name, *cmd.sub))), out


@pytest.mark.parametrize(
    "text",
    [
        "docker run -p 8080:80 nginx",
        "docker push registry.test/app:1.2",
        "ssh -p 2222 deploy@host",
        "netstat -p tcp",
        "mysql -u root -p",
        "curl -u bob https://x.test",
        "the vault login failed for bob",
        "AUTH failed for user bob on db",
        "git config user.name bob",
        "git config credential.helper 'store --file=/x'",
        "openssl rsa -passin env:KEYPASS -in k",
        "openssl rsa -passin file:/run/secrets/k -in k",
        "password reset for machine learning",
        "the machine is down; password policy ok",
        "Please enter your password below",
        "user bob logged in",
        "net user bob /domain",
        "sqlplus / as sysdba",
        "sqlplus /nolog",
        "tar -cvf a.tar dir",
        "zip -r out.zip dir",
        "12:34:56:78:90",
        "localhost:5432:*:postgres:*",
        "ps aux | grep mysql",
        "2024-01-01 10:00:00 connect to db",
        "connect timeout after 30s",
    ],
)
def test_command_lookalikes_are_left_alone(text: str) -> None:
    """Ports, prose, user names and sources (env:, file:) are not secrets."""
    assert_left_alone(text)
