"""Shapes a second red team found in clear (issue 10 §1/§2): single-dash long flags,
command lines whose secret is an argument, and userinfo before a one-word host."""

from __future__ import annotations

import secrets
import urllib.parse

import pytest

from redact import Redactor


@pytest.fixture(scope="module")
def r() -> Redactor:
    return Redactor.default()


def _value() -> str:
    return "Zq" + secrets.token_hex(8)


#: PowerShell and other single-dash long options, Windows ``/name value`` switches.
FLAGS = [
    "Connect-MgGraph -AccessToken {v}",
    "Get-Foo -Token {v}",
    "Invoke-Api -ApiKey {v} -Verbose",
    "Connect-Thing -ClientSecret '{v}'",
    "Publish-Module -Name m -NuGetApiKey {v}",
    "Set-Secret -Name db -Secret {v}",
    "nuget sources add -Name x -Source https://f -Password {v}",
    "some-tool -password {v}",
    "consul acl token create -secret {v}",
    "tool.exe /password {v}",
]

COMMANDS = [
    'gh secret set DB_PASSWORD --body "{v}"',
    'gh secret set X -b "{v}" --repo o/r',
    "security add-generic-password -a bob -s svc -w {v}",
    "vault operator unseal {v}",
    "influx auth create -o org -t {v}",
    "ansible-vault encrypt_string '{v}' --name db_pw",
    "cargo login {v}",
    "nmcli dev wifi connect MyNet password {v}",
    "wpa_passphrase homewifi {v}",
    "mc admin user add s3 bob {v}",
    "java -jar jenkins-cli.jar -s http://ci -auth bob:{v} who-am-i",
    "echo 'bob:{v}' | chpasswd",
    "echo bob:{v} | sudo chpasswd",
    'printf "root:{v}" | sudo -E chpasswd -c SHA512',
    "echo {v} | sudo docker login -u bob --password-stdin r.io",
    # a second red team: fed on stdin, printed, Windows switches, a YAML registry login
    "echo {v} | gh secret set API_TOKEN",
    "echo '{v}' | passwd --stdin bob",
    "$ security find-generic-password -s svc -w\n{v}\n$ ls",
    "schtasks /create /tn t /tr run.cmd /RU bob /RP {v}",
    "schtasks /Create /S host /U admin /P {v} /TN t",
    "auths:\n  ghcr.io:\n    auth: {v}\n",
    # a program's name as a file argument does not end the outer command's words
    "htpasswd -b passwd bob {v}",
    "mosquitto_passwd -b /etc/mosquitto/passwd bob {v}",
]

HOSTS = [
    "postgresql://app:{v}@db:5432/x",
    "connecting to app:{v}@db:5432",
    "redis://:{v}@cache:6379",
    "amqp://guest:{v}@rabbitmq:5672/",
]


@pytest.mark.parametrize("shape", FLAGS + COMMANDS + HOSTS)
def test_the_secret_argument_is_masked_whole(r: Redactor, shape: str) -> None:
    v = _value()
    out = r.redact(shape.format(v=v))
    assert v not in out
    assert "[REDACTED" in out
    if ":{v}" in shape and "chpasswd" in shape:
        assert "bob:" in out or "root:" in out  # the user of a user:password line stays


@pytest.mark.parametrize("make", [urllib.parse.urlsplit, urllib.parse.urlparse])
def test_a_parsed_url_with_a_one_word_host_is_masked_in_objects_and_repr(
    r: Redactor, make: object
) -> None:
    v = _value()
    for url in (f"postgresql://app:{v}@db:5432/x", f"redis://app:{v}@cache/0"):
        parsed = make(url)  # type: ignore[operator]
        assert v not in repr(r.redact_obj(parsed))
        assert v not in r.redact(repr(parsed))
        assert v not in r.redact(str({"netloc": parsed.netloc}))


@pytest.mark.parametrize(
    "text",
    [
        "find . -name token -print",
        "ssh-keygen -t rsa -N ''",
        "git log --author bob",
        "see bob:notes@home today",
        "ts=12:30:45@node1:80",
        "Get-Foo -TokenCount 5",
        "tool -NoPassword x",
        "chpasswd < users.txt",
        "echo hello | sudo tee out.txt",
        "gh secret list",
        "schtasks /query /fo LIST",
        "echo hello | passwd --help",
        "cat /etc/passwd | grep bob",
    ],
)
def test_lookalikes_stay(r: Redactor, text: str) -> None:
    assert r.redact(text) == text
