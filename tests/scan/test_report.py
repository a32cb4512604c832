"""Report rendering details: colour on demand, the progress bar, no secret in any format."""

from __future__ import annotations

import io
import json

from redact.scan.model import FileOutcome, ScanFinding
from redact.scan.report import (
    ProgressDisplay,
    ReportContext,
    render_json,
    render_sarif,
    render_text,
)


class _Tty(io.StringIO):
    """A text stream that says it is a terminal (what rich checks)."""

    def isatty(self) -> bool:
        return True


FINDING = ScanFinding(
    rule_id="github-token",
    category="source-hosting",
    severity="critical",
    path="dir with space/ü.py",
    line=3,
    column=5,
    end_line=3,
    end_column=45,
    fingerprint="0" * 32,
    commit="a" * 40,
    author_date="2024-01-01T00:00:00+00:00",
)


def test_text_colour_only_when_asked() -> None:
    """Colour codes appear with color=True and never with color=False."""
    ctx = ReportContext(outcomes=[FileOutcome("x", "unreadable", "Input/output error")])
    plain, coloured = io.StringIO(), io.StringIO()
    render_text([FINDING], ctx, plain, color=False)
    render_text([FINDING], ctx, coloured, color=True)
    assert "\x1b[" not in plain.getvalue()
    assert "\x1b[" in coloured.getvalue()
    assert "x: unreadable (Input/output error)" in plain.getvalue()
    assert "aaaaaaaaaaaa" in plain.getvalue()


def test_sarif_uri_is_percent_encoded_and_relative() -> None:
    """Paths with spaces and non-ASCII become uri-references under %SRCROOT%."""
    out = io.StringIO()
    render_sarif([FINDING], ReportContext(), out)
    loc = json.loads(out.getvalue())["runs"][0]["results"][0]["locations"][0]
    artifact = loc["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "dir%20with%20space/%C3%BC.py", "uriBaseId": "%SRCROOT%"}


def test_json_omits_absent_fields() -> None:
    """JSON findings carry commit data when present and no secret key at all by default."""
    out = io.StringIO()
    render_json([FINDING], ReportContext(), out)
    [f] = json.loads(out.getvalue())["findings"]
    assert f["commit"] == "a" * 40 and "secret" not in f and "field" not in f


def test_progress_bar_only_for_long_scans_on_a_terminal() -> None:
    """A short scan draws nothing; a long one draws a bar on a TTY; a pipe never gets one."""
    tty = _Tty()
    bar = ProgressDisplay(tty, enabled=True, min_total=1000)
    bar(10, 100)
    assert tty.getvalue() == ""
    bar(10, 10_000)
    bar(5_000, 10_000)
    bar.close()
    assert "scanning" in tty.getvalue()
    pipe = io.StringIO()
    quiet = ProgressDisplay(pipe, enabled=True, min_total=0)
    quiet(5, 10)
    quiet.close()
    assert pipe.getvalue() == ""
