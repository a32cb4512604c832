"""Every rule of every shipped pack: examples found and masked, lookalikes ignored, keywords selective."""

from __future__ import annotations

import pytest

from redact import Redactor, RulePack
from redact.rules import builtin_pack_names
from tests.rules.conftest import PACKS

_ALL = [(name, rule.id) for name in PACKS for rule in RulePack.builtin(name)]

#: The provider coverage the issue asks for: every id here must exist in some pack.
REQUIRED = {
    "cloud": [
        "aws-access-key-id",
        "aws-secret-access-key",
        "aws-session-token",
        "gcp-api-key",
        "gcp-service-account-private-key-id",
        "azure-storage-account-key",
        "azure-shared-access-key",
        "azure-sas-token",
        "digitalocean-pat",
        "cloudflare-api-token",
        "cloudflare-origin-ca-key",
        "heroku-api-key",
        "heroku-api-key-v2",
    ],
    "source-hosting": [
        "github-token",
        "github-fine-grained-pat",
        "gitlab-pat",
        "gitlab-deploy-token",
        "gitlab-runner-token",
        "bitbucket-app-password",
        "circleci-token",
        "npm-token",
        "pypi-token",
        "dockerhub-token",
        "rubygems-api-key",
        "nuget-api-key",
    ],
    "communication": [
        "slack-token",
        "slack-app-token",
        "slack-webhook-url",
        "discord-bot-token",
        "discord-webhook-url",
        "telegram-bot-token",
        "twilio-api-key",
        "twilio-auth-token",
        "sendgrid-api-key",
        "mailgun-private-key",
        "mailchimp-api-key",
    ],
    "payments": [
        "stripe-secret-key",
        "stripe-webhook-secret",
        "square-token",
        "braintree-access-token",
        "paypal-client-secret",
        "shopify-access-token",
        "shopify-shared-secret",
    ],
    "ai": [
        "openai-api-key",
        "anthropic-api-key",
        "huggingface-token",
        "cohere-api-key",
        "groq-api-key",
        "replicate-api-token",
    ],
    "secret-store": [
        "vault-token",
        "kubernetes-service-account-token",
        "terraform-cloud-token",
        "doppler-token",
        "onepassword-service-account-token",
        "grafana-api-key",
        "datadog-api-key",
        "newrelic-user-api-key",
        "sentry-dsn",
    ],
    "generic": [
        "private-key-pem",
        "private-key-openssh",
        "private-key-pgp",
        "private-key-putty",
        "private-key-ssh2",
        "jwt",
        "jwe",
        "url-credentials",
        "generic-password-assignment",
        "generic-token-assignment",
        "env-secret-unquoted",
        "generic-secret-in-json",
        "authorization-header",
        "connection-string-password",
        "mssql-connection-string",
    ],
    "pii": ["payment-card-number", "iban", "email-address", "ipv4-address", "ipv6-address"],
}


def _rule(packs: dict[str, RulePack], pack: str, rule_id: str) -> object:
    return packs[pack].get(rule_id)


def test_at_least_150_rules_and_packs_shipped(packs: dict[str, RulePack]) -> None:
    """The three packs ship and hold at least 150 rules together, with no id in two packs."""
    assert {"default", "extended", "pii"} <= set(builtin_pack_names())
    ids = [r.id for p in packs.values() for r in p]
    assert len(ids) >= 150
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("group", "ids"), sorted(REQUIRED.items()))
def test_required_provider_coverage(packs: dict[str, RulePack], group: str, ids: list[str]) -> None:
    """Each provider family of the issue has its rules."""
    have = {r.id for p in packs.values() for r in p}
    assert not sorted(set(ids) - have), group


@pytest.mark.parametrize(("pack", "rule_id"), _ALL)
def test_rule_examples(
    packs: dict[str, RulePack], redactors: dict[str, Redactor], pack: str, rule_id: str
) -> None:
    """The rule finds and masks each example, and finds none of its negative examples."""
    rule = packs[pack].get(rule_id)
    red = redactors[pack]
    assert len(rule.examples) >= 2 and len(rule.negative_examples) >= 2
    for ex in rule.examples:
        found = [f for f in red.find(ex) if f.rule_id == rule_id]
        assert found, f"missed example #{rule.examples.index(ex)}"
        out = red.redact(ex)
        assert all(ex[f.start : f.end] not in out for f in found)
    for i, ex in enumerate(rule.negative_examples):
        assert not any(f.rule_id == rule_id for f in red.find(ex)), f"matched negative #{i}"


@pytest.mark.parametrize(("pack", "rule_id"), _ALL)
def test_keywords_are_lower_case_and_in_every_match(
    packs: dict[str, RulePack], pack: str, rule_id: str
) -> None:
    """Keywords are lower-case and every match of the rule contains one (the prefilter is safe)."""
    rule = packs[pack].get(rule_id)
    if not rule.keywords:
        assert len(rule.keywordless.strip()) > 10, "keywordless needs a reason"
        return
    assert all(k == k.lower() for k in rule.keywords)
    for ex in rule.examples + rule.negative_examples:
        for m in rule.compiled.finditer(ex):
            assert any(k in m.group(0).lower() for k in rule.keywords), m.span()


def test_pii_is_off_by_default() -> None:
    """The pii pack is not loaded by Redactor.default() and is when asked for."""
    card = RulePack.builtin("pii").get("payment-card-number").examples[0]
    assert not any(f.rule_id == "payment-card-number" for f in Redactor.default().find(card))
    both = Redactor.default(packs=("default", "pii"))
    assert any(f.rule_id == "payment-card-number" for f in both.find(card))


@pytest.mark.parametrize(
    "scheme",
    [
        "postgres",
        "postgresql",
        "mysql",
        "mongodb",
        "mongodb+srv",
        "redis",
        "rediss",
        "amqp",
        "amqps",
        "mssql",
    ],
)
def test_dsn_schemes_masked(scheme: str) -> None:
    """A password in a DSN of each database/broker scheme is masked by the default pack."""
    pw = "Zq8" + "w7Ec6Rv5Tb4"
    text = f"DSN {scheme}://app:{pw}@db.internal:5432/app"
    out = Redactor.default().redact(text)
    assert pw not in out and "db.internal" in out


@pytest.mark.parametrize(
    "carrier",
    [
        'password = "{s}"',
        "password: '{s}'",
        '{{"password": "{s}"}}',
        "DB_PASSWORD={s}",
        "[db]\npassword = {s}\n",
        "secret: {s}",
        "token: {s}",
        "Authorization: Bearer {s}",
        "Authorization: Basic {s}",
    ],
)
def test_assignments_in_every_syntax(carrier: str) -> None:
    """password=/secret:/token: values in code, YAML, JSON, .env, INI and headers are masked."""
    value = "Qm9" + "vXk2pLr8sTz4"
    out = Redactor.default().redact(carrier.format(s=value))
    assert value not in out


@pytest.mark.parametrize(
    "address",
    [
        "jane.doe@example.com",
        "ops@mail.example.org",
        "bounce@mx.example.net",
        "dev+ci@app.test",
        "nobody@host.invalid",
        "a@b.example",
        "root@localhost",
    ],
)
def test_pii_email_leaves_documentation_domains_alone(address: str) -> None:
    """RFC 2606/6761 documentation domains and their subdomains are not personal data."""
    r = Redactor.default(packs=("default", "pii"))
    assert r.redact(f"contact {address} today") == f"contact {address} today"


@pytest.mark.parametrize("local", ["sample.jones", "dummy", "john.foobar", "example", "test"])
@pytest.mark.parametrize("domain", ["gmail.com", "examples.com", "corp-test.io", "example.co"])
def test_pii_email_words_in_an_address_are_still_personal_data(local: str, domain: str) -> None:
    """A documentation word in a person's address (``sample.jones@``, ``@examples.com``) is
    no sign of documentation: only the reserved domains are left alone."""
    r = Redactor.default(packs=("default", "pii"))
    assert r.redact(f"contact {local}@{domain} today") == "contact [REDACTED:email-address] today"
