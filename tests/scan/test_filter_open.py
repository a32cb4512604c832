"""``redact filter`` (the real command) on values opened on one line and given on the next.

Each input leaked through the filter although ``redact scan`` and ``Redactor.redact``
masked it: unindented netrc entries, folded ``Authorization`` headers, INI continuations.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.grammar import synthetic

from .conftest import run_redact

CASES = {
    "netrc-lines": "machine h\nlogin u\npassword\n{v}\n",
    "netrc-split": "machine api.example.com login ci password\n{v}\n",
    "netrc-blank-lines": "machine h\n\nlogin u\n\npassword\n\n{v}\n",
    "http-fold-space": "GET / HTTP/1.1\nAuthorization: Bearer\n {v}\nHost: x\n\n",
    "http-fold-tab": "Authorization: Bearer\n\t{v}\n",
    "http-fold-crlf": "Proxy-Authorization: Basic\r\n {v}\r\n\r\n",
    "ini-continuation": "[database]\npassword =\n    {v}\nhost = db\n",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_filter_masks_a_value_on_the_line_after_its_name(case: str, tmp_path: Path) -> None:
    """``printf ... | redact filter`` masks the value; the other lines come back as they were."""
    value = synthetic()
    text = "startup\n" + CASES[case].format(v=value) + "done\n"
    proc = run_redact("filter", cwd=tmp_path, input=text.encode())
    assert proc.returncode == 0, proc.stderr
    assert value.encode() not in proc.stdout
    assert proc.stdout.startswith(b"startup\n") and proc.stdout.endswith(b"done\n")
