"""``redact patterns list|show|test|catalogue`` through the real CLI entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from redact._patterns_cli import catalogue_markdown
from redact.cli import main

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
[pack]
name = "team"
[[rules]]
id = "acme-key"
regex = '''\\bacme_[a-f0-9]{24}\\b'''
keywords = ["acme_"]
examples = ["key acme_7c2e9f04b1d83a65e0f47b29"]
negative_examples = ["acme_short"]
"""


def test_list_counts_per_pack(capsys: pytest.CaptureFixture[str]) -> None:
    """`patterns list` prints each pack with its rule count and the total."""
    assert main(["patterns", "list"]) == 0
    out = capsys.readouterr().out
    assert "default: " in out and "extended: " in out and "pii: " in out
    total = int(out.strip().splitlines()[-1].split()[1])
    assert total >= 150 and "github-token" in out


def test_list_one_pack_and_unknown_pack(capsys: pytest.CaptureFixture[str]) -> None:
    """`--pack` limits the listing; an unknown pack exits 2 naming the available ones."""
    assert main(["patterns", "list", "--pack", "pii"]) == 0
    assert "github-token" not in capsys.readouterr().out
    assert main(["patterns", "list", "--pack", "nope"]) == 2
    assert "available" in capsys.readouterr().err


def test_show_prints_rule_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    """`patterns show ID` prints the rule's fields and its synthetic examples."""
    assert main(["patterns", "show", "npm-token"]) == 0
    out = capsys.readouterr().out
    assert "validator:    npm-crc32" in out and "examples (synthetic" in out
    assert out.count("  + ") >= 2 and out.count("  - ") >= 2
    assert main(["patterns", "show", "no-such-rule"]) == 1


def test_test_passes_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rule file whose examples hold exits 0."""
    f = tmp_path / "team.toml"
    f.write_text(GOOD)
    assert main(["patterns", "test", str(f)]) == 0
    assert "ok: 1 rule(s), 2 example(s), 0 failure(s)" in capsys.readouterr().out


def test_test_fails_on_bad_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missed example or a matched negative exits 1 and names the rule and example number."""
    f = tmp_path / "team.toml"
    f.write_text(
        GOOD.replace('"key acme_7c2e9f04b1d83a65e0f47b29"', '"key acme_XYZ"').replace(
            '"acme_short"', '"acme_7c2e9f04b1d83a65e0f47b29"'
        )
    )
    assert main(["patterns", "test", str(f)]) == 1
    out = capsys.readouterr().out
    assert "FAIL acme-key: example #1 is not found" in out
    assert "FAIL acme-key: negative example #1 is found" in out


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[[rules]]\nid='x'\nregex='(bad'\nkeywords=['x']", "regex does not compile"),
        ("[x", "invalid TOML"),
    ],
)
def test_test_malformed_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    """A malformed rule file exits 2 with the RulePackError message naming the file."""
    f = tmp_path / "bad.toml"
    f.write_text(body)
    assert main(["patterns", "test", str(f)]) == 2
    err = capsys.readouterr().err
    assert str(f) in err and message in err


def test_committed_catalogue_is_up_to_date() -> None:
    """docs/rule-catalogue.md equals what the TOML generates (regenerate with the command)."""
    committed = (ROOT / "docs" / "rule-catalogue.md").read_text("utf-8")
    assert committed == catalogue_markdown(), (
        "run: redact patterns catalogue --output docs/rule-catalogue.md"
    )


def test_catalogue_check_flag(tmp_path: Path) -> None:
    """`catalogue --check` exits 1 for a stale file and 0 after writing it."""
    f = tmp_path / "cat.md"
    f.write_text("stale")
    assert main(["patterns", "catalogue", "--output", str(f), "--check"]) == 1
    assert main(["patterns", "catalogue", "--output", str(f)]) == 0
    assert main(["patterns", "catalogue", "--output", str(f), "--check"]) == 0
