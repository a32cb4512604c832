"""Shared fixtures for the rule-pack tests: every shipped pack, loaded once."""

from __future__ import annotations

import pytest

from redact import Redactor, RulePack

PACKS = ("default", "extended", "pii")


@pytest.fixture(scope="session")
def packs() -> dict[str, RulePack]:
    """Each shipped pack by name."""
    return {name: RulePack.builtin(name) for name in PACKS}


@pytest.fixture(scope="session")
def redactors(packs: dict[str, RulePack]) -> dict[str, Redactor]:
    """One Redactor per pack, holding only that pack's rules (key names on, as in production)."""
    return {name: Redactor(rules=[pack]) for name, pack in packs.items()}
