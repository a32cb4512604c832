"""A token glued to the word before it is found; the left-boundary policy of docs/rules.md.

``id=abcghp_…``, ``tokenghp_…``, ``_ghp_…``, ``0ghp_…``: a leading ``\\b`` made a rule miss a
provider-prefixed token whenever a letter, digit or underscore stood before it
(concatenated logs, URL paths, generated names). A rule whose match starts with a
distinctive literal prefix has no left boundary now; the rules that keep one are listed
here and in docs/rules.md ("The left boundary"), each for a stated reason.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from redact import Redactor, RulePack

ROOT = Path(__file__).resolve().parents[2]
PACK = RulePack.builtin("default")
RED = Redactor(rules=[PACK], key_names_in_text=False)
NAME_EVIDENCE = "name-evidence"

#: Rules of ``default`` that keep a left word boundary, and why (docs/rules.md lists them).
KEEP_BOUNDARY: dict[str, str] = {
    # the match starts with a name, not a token
    "authorization-header": "name",
    "bearer-token": "name",
    "websocket-bearer-subprotocol": "name",
    "azure-storage-account-key": "name",
    "azure-shared-access-key": "name",
    "azure-sas-token": "name",
    "laravel-app-key": "name",
    "npmrc-auth": "name",
    # the token starts with a character class
    "terraform-cloud-token": "class",
    "mailchimp-api-key": "class",
    "newrelic-license-key": "class",
    "maxmind-license-key": "class",
    "azure-ad-client-secret": "class",
    "telegram-bot-token": "class",
    # a short prefix that ends common words, before a hex digest or UUID
    "mailgun-private-key": "short",
    "elevenlabs-api-key": "short",
    "launchdarkly-key": "short",
    "twilio-api-key": "short",
    "resend-api-key": "short",
    "authress-service-client-key": "short",
    # a 3-character prefix inside base64url digests (measured: pip's RECORD sha256 hold hf_)
    "huggingface-token": "base64url",
    "replicate-api-token": "base64url",
    # a prefix of hex digits
    "clickhouse-cloud-secret-key": "hex",
}
GLUE = ["x", "_", "0"]


def _kept(rule_id: str) -> bool:
    return rule_id in KEEP_BOUNDARY or NAME_EVIDENCE in PACK.get(rule_id).tags


def _glued(rule_id: str) -> list[tuple[str, str]]:
    """(example, example with glue inserted where the rule's match starts)."""
    rule = PACK.get(rule_id)
    out = []
    for example in rule.examples:
        m = rule.compiled.search(example)
        assert m is not None, (rule_id, example)
        for glue in GLUE:
            out.append((glue, example[: m.start()] + glue + example[m.start() :]))
    return out


WITH_EXAMPLES = sorted(r.id for r in PACK if r.examples)


@pytest.mark.parametrize("rule_id", [r for r in WITH_EXAMPLES if not _kept(r)])
def test_an_example_glued_after_a_word_character_is_found(rule_id: str) -> None:
    """Every example of every rule without a kept boundary, glued after x, _ and 0."""
    for glue, text in _glued(rule_id):
        assert rule_id in {f.rule_id for f in RED.find(text)}, (glue, rule_id)


@pytest.mark.parametrize("rule_id", sorted(KEEP_BOUNDARY))
def test_a_kept_boundary_is_really_kept(rule_id: str) -> None:
    """The list is exact: each rule in it misses its example glued after x, _ or 0
    (``telegram-bot-token`` only after a digit: its id is a number)."""
    rule = PACK.get(rule_id)
    missed = [g for g, t in _glued(rule_id) if rule_id not in {f.rule_id for f in RED.find(t)}]
    assert missed, rule.regex[:60]


def test_the_documented_keep_list_is_the_tested_one() -> None:
    """docs/rules.md names every rule of KEEP_BOUNDARY, and no other (outside the tag)."""
    doc = (ROOT / "docs" / "rules.md").read_text("utf-8")
    section = doc.split("## The left boundary", 1)[1].split("\n## ", 1)[0]
    section = section.split("| why | rules |", 1)[1].split("\n\n", 1)[0]  # the keep table
    named = set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", section))
    ids = {r.id for r in PACK}
    assert set(KEEP_BOUNDARY) <= named
    assert {n for n in named & ids if not _kept(n)} <= {"notion-token"}  # its secret_ form


def _example_token(rule_id: str) -> str:
    """The token of the rule's first (synthetic) example, so no token is written here."""
    rule = PACK.get(rule_id)
    m = rule.compiled.search(rule.examples[0])
    assert m is not None
    return m.group(0)


#: The issue's members: (text before, rule, text after); the rule's example token between.
GLUED_FOUND = [
    ("x", "github-token", ""),
    ("token", "github-token", ""),
    ("id=abc", "github-token", "&x=1"),
    ("/v1/keys/_", "github-token", "/rotate"),
    ("0", "github-token", ""),
    ("key", "aws-access-key-id", ""),
    ("slack", "slack-token", ""),
    ("stripe_", "stripe-secret-key", ""),
    ("tok", "gitlab-pat", ""),
    ("auth9", "npm-token", ""),
    ("abc", "jwt", ""),
    ("Bearer_", "openai-api-key", ""),
    ("key", "gcp-api-key", ""),
]


@pytest.mark.parametrize(("before", "rule_id", "after"), GLUED_FOUND)
def test_glued_tokens_of_the_issue_are_found(before: str, rule_id: str, after: str) -> None:
    """The issue's members, in the shapes logs glue them."""
    text = f"log {before}{_example_token(rule_id)}{after} end"
    assert rule_id in {f.rule_id for f in RED.find(text)}


#: Lookalikes that must stay unmasked: words glued to a short prefix the rules keep a
#: boundary for, and glued prefixes whose body is not a token.
LOOKALIKES = [
    "cache monkey-d41d8cd98f00b204e9800998ecf8427e hit",  # mailgun key- + md5
    "task_d41d8cd98f00b204e9800998ecf8427e0123456789abcdef done",  # elevenlabs sk_ + hex
    "GET /openapi-3f2a1b4c-1234-4abc-8def-0123456789ab.json",  # launchdarkly api- + uuid
    "TASK0123456789abcdef0123456789abcdef queued",  # twilio SK + hex, inside a word
    "store_abcdefgh_ijklmnopqrstuvwxyzABCDEF",  # resend re_
    "mytext_abcde.abcd.acc_abcdefghij.ABCDEFGHIJKLMNOPQRSTUVWXYZabcd",  # authress ext_
    "sha 0000000000000000000000004b1dabcdef0123456789abcdef0123456789",  # clickhouse 4b1d
    "client_secret_" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz3Ab4C",  # notion secret_
    "x.py,sha256=Dthf_pxrNSsbZ0Tq9rLk2mVn8wXy4AbCdEfGh1JkLm,1024",  # hf_ in a base64url digest
    "global_secret = read_config()",
    "npm_config_cache=/tmp/npm xnpm_config_cache",
    "see highghp_short and laughs_ and xoxb-not-a-token",
    "aghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",  # a glued placeholder
]


@pytest.mark.parametrize("text", LOOKALIKES)
def test_glued_lookalikes_are_not_masked(text: str) -> None:
    """No rule of ``default`` reports these."""
    assert RED.find(text) == []
