"""Every family of the public catalogues maps to rules of ours, or to a stated reason.

``benchmarks/catalogue/coverage.csv`` lists each family of gitleaks (Betterleaks),
trufflehog, noseyparker and Kingfisher with the rule ids that cover it. The tests here
check the table against the catalogue lists and the packs, and put every keyword-context
rule (and every provider name of the shared one) through one generated table of
name/value carriers, with lookalike negatives.
"""

from __future__ import annotations

import csv
import random
import string

import pytest

from benchmarks.catalogue import HERE
from benchmarks.catalogue.generate import GENERIC_ID, catalogues
from redact import RulePack
from redact.rules import Rule

with (HERE / "coverage.csv").open(encoding="utf-8") as _fh:
    _ROWS = list(csv.DictReader(_fh))
_RULES = {r.id: r for pack in ("default", "extended") for r in RulePack.builtin(pack)}
_CONTEXT = [
    r for p in ("default", "extended") for r in RulePack.builtin(p) if r.category == "catalogue"
]

#: (carrier, template): {n} is the variable name, {s} the secret. Go, Java, JS/TS, Python,
#: PHP, Ruby, C#, shell, Makefile, HCL, YAML, XML, .properties, .env, JSON.
NAME_CARRIERS = [
    ("go", '{n}Key := "{s}"'),
    ("java", 'private static final String {N}_KEY = "{s}";'),
    ("javascript", "const {n}Token = '{s}';"),
    ("typescript", "export const {N}_SECRET = `{s}`;"),
    ("python", '{N}_API_KEY = "{s}"  # rotated'),
    ("php", "$config['{n}_api_key'] = '{s}';"),
    ("ruby", 'config.{n}_token = "{s}"'),
    ("csharp", 'var {n}ApiKey = @"{s}";'),
    ("shell", "export {N}_API_KEY={s}"),
    ("makefile", "{N}_TOKEN := {s}"),
    ("hcl", '{n}_api_key = "{s}"'),
    ("yaml", "  {n}_secret: {s}"),
    ("xml", "<{n}ApiKey>{s}</{n}ApiKey>"),
    ("properties", "{n}.api.key={s}"),
    ("dotenv", "{N}_KEY={s}"),
    ("json", '{{"{n}_api_key": "{s}", "n": 1}}'),
]
#: Lookalikes under the same names: templates, placeholders, references, URLs, words.
LOOKALIKES = [
    "{N}_API_KEY=${{{N}_API_KEY}}",
    '{n}_api_key = "{{{{ {n}_api_key }}}}"',
    '{n}_token = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"',
    "{N}_API_KEY = os.environ['{N}_API_KEY']",
    "{N}_API_URL=https://api.{n}.example.com/v1/items",
    '{n}_api_key: "<your-{n}-api-key>"',
    '{n}_client_name = "billing-integration-service"',
]


def _name(raw: str, strict: bool) -> str:
    """A variable-name stem for a provider name (``data.gov`` -> ``data_gov``)."""
    stem = raw.replace(".", "_").replace("-", "_")
    return f"{stem}_api" if strict else stem


def _filled(template: str, name: str, secret: str) -> str:
    parts = name.split("_")
    camel = parts[0] + "".join(p.title() for p in parts[1:])
    return template.format(n=camel, N=name.upper(), s=secret)


def _found_whole(rule: Rule, text: str, secret: str) -> bool:
    at = text.index(secret)
    return (at, at + len(secret)) in set(rule.finditer(text))


def test_every_catalogue_family_is_in_the_table() -> None:
    """The table lists exactly the families of the four catalogue lists, each once."""
    families = [row["family"] for row in _ROWS]
    assert len(families) == len(set(families))
    assert set(families) == set(catalogues())
    assert len(families) > 1000


@pytest.mark.parametrize("row", _ROWS, ids=[r["family"] for r in _ROWS])
def test_each_family_names_existing_rules_or_a_reason(row: dict[str, str]) -> None:
    """A covered family names rule ids that exist; an uncovered one says why."""
    ids = row["rule_ids"].split()
    assert all(i in _RULES for i in ids), [i for i in ids if i not in _RULES]
    if row["status"] == "covered":
        assert ids
    else:
        assert row["status"] == "not-covered" and len(row["note"]) > 20


def test_coverage_figure() -> None:
    """At least 98 % of the catalogue families are covered (the rest are listed with reasons)."""
    covered = sum(r["status"] == "covered" for r in _ROWS)
    assert covered / len(_ROWS) >= 0.98


@pytest.mark.parametrize("rule", _CONTEXT, ids=[r.id for r in _CONTEXT])
def test_context_rule_fires_in_every_carrier(rule: Rule) -> None:
    """Each example's secret is found whole under the provider's name in every carrier."""
    missed = []
    for ex in rule.examples:
        for s, e in rule.finditer(ex):
            secret = ex[s:e]
            stem = ex.split("=")[0].split(":")[0].strip(' {"').lower()
            name = stem.rsplit("_", 1)[0]
            for carrier, template in NAME_CARRIERS:
                text = _filled(template, name, secret)
                if not _found_whole(rule, text, secret):
                    missed.append((carrier, text))
    assert not missed, missed[:5]


@pytest.mark.parametrize("rule", _CONTEXT, ids=[r.id for r in _CONTEXT])
def test_context_rule_ignores_lookalikes(rule: Rule) -> None:
    """Templates, placeholders, references, URLs and word-made values under the name are not found."""
    stem = rule.examples[0].split("=")[0].lower().removesuffix("_key")
    hits = []
    for template in LOOKALIKES:
        text = _filled(template, stem, "")
        hits += [text[s:e] for s, e in rule.finditer(text)]
    assert not hits, hits


def _token(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits
    body = "".join(rng.choice(alphabet) for _ in range(31))
    return body + rng.choice(string.digits)


_SHARED = [r["family"] for r in _ROWS if r["rule_ids"] == GENERIC_ID]


def test_every_provider_of_the_shared_rule_fires_in_every_carrier() -> None:
    """Each of the providers without a published shape is found under its name in each carrier."""
    rule = _RULES[GENERIC_ID]
    rng = random.Random("shared provider names")
    missed = []
    for family in _SHARED:
        strict = not any(k == family for k in rule.keywords)
        name = _name(family, strict)
        for carrier, template in NAME_CARRIERS:
            secret = _token(rng)
            text = _filled(template, name, secret)
            if not _found_whole(rule, text, secret):
                missed.append((family, carrier))
    assert len(_SHARED) > 500
    assert not missed, missed[:10]


def test_the_shared_rule_ignores_lookalikes_of_every_provider() -> None:
    """No provider name of the shared rule fires on the lookalike table."""
    rule = _RULES[GENERIC_ID]
    hits = []
    for family in _SHARED:
        strict = not any(k == family for k in rule.keywords)
        for template in LOOKALIKES:
            text = _filled(template, _name(family, strict), "")
            hits += [(family, text[s:e]) for s, e in rule.finditer(text)]
    assert not hits, hits[:10]


def _draw(shape: str, rng: random.Random) -> str:
    """A random value: ``shape`` is a literal with ``#`` for a letter/digit, ``h`` for hex."""
    alnum = string.ascii_letters + string.digits
    return "".join(
        rng.choice(alnum) if c == "#" else rng.choice("0123456789abcdef") if c == "h" else c
        for c in shape
    )


@pytest.mark.parametrize(
    ("family", "name", "shape"),
    [
        ("twitter", "TWITTER_CONSUMER_SECRET", "#" * 50),
        ("twitter", "twitter_access_token", "1234567890123456789-" + "#" * 30),
        ("plaid", "PLAID_SECRET", "h" * 30),
        ("yandex", "YANDEX_API_KEY", "AQVN" + "#" * 36),
        ("zoho", "zoho_client_secret", "h" * 42),
        ("zoho", "ZOHO_REFRESH_TOKEN", "1000." + "h" * 32 + "." + "h" * 32),
        ("octopusdeploy", "OCTOPUS_API_KEY", "API-" + "#" * 26),
    ],
)
def test_the_issue_s_context_only_families(family: str, name: str, shape: str) -> None:
    """Twitter/X, Plaid, Yandex, Zoho and Octopus Deploy tokens are found next to their names."""
    rule = _RULES[f"{family}-credential"]
    value = (
        _draw(shape, random.Random(name)).upper()
        if family == "octopusdeploy"
        else _draw(shape, random.Random(name))
    )
    assert _found_whole(rule, f"{name}={value}", value)
    assert not list(rule.finditer(value))  # the bare token, without the name: no finding
