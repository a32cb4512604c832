"""Every Python block of README.md and docs/ runs, and its printed output is what the page shows.

How to write a block (also in docs/writing-docs.md):

- The ```` ```python ```` blocks of one page run in order in one namespace, the way
  a reader follows the page (cwd = an empty temporary directory, no ``REDACT_*``
  variables): a block may use names an earlier block of the same page defined.
- Show output with ``print(...)`` followed by ``#>`` lines; they are compared with
  what the block prints. ``pytest tests/test_docs.py --update-examples`` rewrites
  them from the real output. A bare ``# 'value'`` comment after an expression
  is refused: it cannot be checked.
- Only a block that cannot run here (it needs a server, a cloud account) may say
  ```` ```{.python test="skip" reason="needs a Vault server"} ````
  (braces: mkdocs renders only that form); the reason is
  required, and such blocks stay rare (a test caps them). Prefer making the block
  runnable (a MemoryProvider, a temp file, a local app) over skipping it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_examples import CodeExample, EvalExample, find_examples

from redact import RulePack
from redact.rules import builtin_pack_names

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
EXAMPLES = list(find_examples(*DOC_FILES))
#: At most this share of all blocks may be skipped (illustrative only).
MAX_SKIPPED_SHARE = 0.1

_UNCHECKED_OUTPUT = re.compile(r"^\s*#\s*(['\"\[{(]|[0-9-]|True\b|False\b|None\b)")


def _id(example: CodeExample) -> str:
    return f"{example.path.relative_to(ROOT)}:{example.start_line}"


def _skip_reason(example: CodeExample) -> str | None:
    settings = example.prefix_settings()
    if settings.get("test") != "skip":
        return None
    return settings.get("reason", "")


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run a page in an empty directory with no REDACT_* settings; undo its logging setup.

    Pages configure logging and structlog as an app would; the handlers they add
    to the root logger are closed and removed, and structlog is reset, afterwards.
    """
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("REDACT_")]:
        monkeypatch.delenv(name)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield tmp_path
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    if "structlog" in sys.modules:
        sys.modules["structlog"].reset_defaults()


PAGES = sorted({e.path for e in EXAMPLES})


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


#: Pages whose blocks did not run when this harness landed, each fixed under issue 11.
#: strict xfail: a page that starts passing must be taken off this list.
KNOWN_BROKEN: dict[str, str] = {}


def _params() -> list[object]:
    out: list[object] = []
    for page in PAGES:
        reason = KNOWN_BROKEN.get(_page_id(page))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(page, id=_page_id(page), marks=marks))
    return out


@pytest.mark.parametrize("page", _params())
def test_docs_page_runs_and_prints_what_it_shows(
    page: Path, eval_example: EvalExample, in_tmp: Path
) -> None:
    """Each block of the page runs as written and its print() output equals its ``#>`` lines."""
    names: dict[str, object] = {}
    eval_example.set_config(line_length=120)  # print output up to 120 columns stays on #> lines
    for example in (e for e in EXAMPLES if e.path == page):
        reason = _skip_reason(example)
        if reason is not None:
            assert reason, f'{_id(example)}: test="skip" needs reason="..."'
            continue
        lines = example.source.splitlines()
        for i, line in enumerate(lines[1:], start=1):
            prev = lines[i - 1].strip()
            if _UNCHECKED_OUTPUT.match(line) and prev and not prev.startswith("#"):
                pytest.fail(
                    f"{_id(example)}: line {example.start_line + i + 1} shows a result as a "
                    "plain comment; print() it and write the output as '#> ...' so it is checked",
                    pytrace=False,
                )
        message = _run(example, eval_example, names)
        if message:
            pytest.fail(message, pytrace=False)


def _run(example: CodeExample, eval_example: EvalExample, names: dict[str, object]) -> str:
    """Run one block with the page's names so far; returns a failure message or ''."""
    try:
        if eval_example.update_examples:
            found = eval_example.run_print_update(example, module_globals=names)
        else:
            found = eval_example.run_print_check(example, module_globals=names)
    except Exception as exc:  # described below, outside the except block
        message = _describe(example, exc)
    else:
        names.update({k: v for k, v in found.items() if not k.startswith("__")})
        return ""
    return message


def _describe(example: CodeExample, exc: BaseException) -> str:
    """The failure as text: doc file, line in the doc, exception.

    pytest-examples re-points the traceback into the Markdown file, which pytest's
    own formatter cannot walk on Python 3.11 (INTERNALERROR); so the failure is
    reported from outside the except block, with the doc lines it went through.
    """
    lines = example.path.read_text(encoding="utf-8").splitlines()
    where = []
    tb = exc.__traceback__
    while tb is not None:  # tb_lineno only: the full-position walk is what breaks
        if Path(tb.tb_frame.f_code.co_filename).stem == example.module_name:
            n = tb.tb_lineno
            text = lines[n - 1].strip() if 0 < n <= len(lines) else ""
            where.append(f"  {_id(example).split(':')[0]}:{n}: {text}")
        tb = tb.tb_next
    head = f"{_id(example)}: {type(exc).__name__}: {exc}"
    return "\n".join([head, *where])


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_blocks_run_when_pasted_into_a_repl(example: CodeExample) -> None:
    """A block names nothing a REPL or ``python -c`` lacks (``__file__``: NameError there)."""
    assert "__file__" not in example.source, f"{_id(example)}: uses __file__"


def test_skipped_blocks_are_rare_and_explained() -> None:
    """Illustrative-only blocks carry a reason and stay under MAX_SKIPPED_SHARE of all blocks."""
    skipped = [(_id(e), _skip_reason(e)) for e in EXAMPLES if _skip_reason(e) is not None]
    assert all(reason for _, reason in skipped), skipped
    assert len(skipped) <= max(2, int(len(EXAMPLES) * MAX_SKIPPED_SHARE)), skipped
    assert len(EXAMPLES) >= 20  # the harness found the docs' blocks


#: Pages where a rule count is a statement about the current code (performance pages
#: record the pack measured and are exempt).
_COUNT_PAGES = [p for p in DOC_FILES if not p.name.startswith("performance")]


@pytest.mark.parametrize("pack", builtin_pack_names())
def test_rule_counts_in_docs_match_the_packs(pack: str) -> None:
    """Every "`pack` (N rules)" / "| `pack` | N |" in the docs says the pack's real size."""
    size = len(RulePack.builtin(pack))
    patterns = [
        re.compile(rf"`{pack}`\s*\((\d+)\b"),
        re.compile(rf"\|\s*`{pack}`\s*\|\s*(\d+)\s*\|"),
        re.compile(rf"`{pack}`\s+pack\s*\((\d+)"),
    ]
    seen = []
    for page in _COUNT_PAGES:
        text = page.read_text(encoding="utf-8")
        for pattern in patterns:
            for m in pattern.finditer(text):
                seen.append((page.name, int(m.group(1))))
    wrong = [(page, n) for page, n in seen if n != size]
    assert not wrong, f"{pack} has {size} rules; docs say {wrong}"


def test_fingerprint_lengths_in_docs_match_the_code() -> None:
    """docs/scan-cli.md states the stored and the shown fingerprint lengths the code uses."""
    from redact.scan.model import FINGERPRINT_LENGTH
    from redact.scan.report import FINGERPRINT_SHOWN

    text = (ROOT / "docs" / "scan-cli.md").read_text(encoding="utf-8")
    m = re.search(r"(\d+) hex\s+digits in JSON.*?show its first (\d+)", text, re.S)
    assert m, "scan-cli.md no longer states the fingerprint lengths"
    assert (int(m.group(1)), int(m.group(2))) == (FINGERPRINT_LENGTH, FINGERPRINT_SHOWN)
