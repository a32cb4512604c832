"""Universal lookalikes (hashes, UUIDs, base64 prose, templates, placeholders) trip no rule."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest

from redact import Redactor, RulePack
from tests.rules.conftest import PACKS

_SEED = b"redact lookalike corpus"
LOOKALIKES = {
    "uuid4": str(uuid.UUID(bytes=hashlib.md5(_SEED, usedforsecurity=False).digest(), version=4)),
    "sha256": hashlib.sha256(_SEED).hexdigest(),
    "sha1": hashlib.sha1(_SEED, usedforsecurity=False).hexdigest(),
    "md5": hashlib.md5(_SEED, usedforsecurity=False).hexdigest(),
    "base64-prose": base64.b64encode(b"the quick brown fox jumps over the lazy dog").decode(),
    "env-template": "${API_TOKEN}",
    "jinja-template": "{{ api_token }}",
    "changeme": "changeme",
    "aws-placeholder": "AKIAXXXXXXXXXXXXXXXX",
    "stars": "********",
}
NEUTRAL = [
    "request_id={v}",
    '{{"level": "info", "msg": "done", "checksum": "{v}"}}',
    "commit {v} merged by release-bot",
    "GET /artifacts/{v} 200 12.5ms",
]
#: Slots named like a credential: a hash or UUID there may well BE the secret, so only
#: templates and placeholders must stay unmasked in them.
CREDENTIAL_SLOTS = ["token={v}", 'password: "{v}"', "Authorization: Bearer {v}"]
PLACEHOLDERS = {"env-template", "jinja-template", "changeme", "aws-placeholder", "stars"}


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("kind", sorted(LOOKALIKES))
def test_no_rule_fires_on_lookalikes(pack: str, kind: str) -> None:
    """No rule of any pack reports a hash, UUID, base64 of prose, template or placeholder."""
    red = Redactor(rules=[RulePack.builtin(pack)], key_names_in_text=False)
    value = LOOKALIKES[kind]
    hits = []
    carriers = NEUTRAL + (CREDENTIAL_SLOTS if kind in PLACEHOLDERS else [])
    for carrier in carriers:
        text = carrier.format(v=value)
        hits += [f.rule_id for f in red.find(text) if f.end > text.find(value)]
    assert not hits, hits
