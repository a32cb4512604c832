"""Compiled Python (``.pyc``) is reported once: through its source when the scan sees it.

A ``.pyc`` stores the string constants of its source as UTF-8 bytes, so read as text it
repeated every finding of the ``.py`` beside it; a ``.pyc`` shipped without its source
could instead be skipped as binary. Now a ``.pyc`` whose source is scanned is left out
(listed as ``excluded`` with the reason), and one without its source is always read.
"""

from __future__ import annotations

import importlib.util
import io
import json
import py_compile
import zipfile
from pathlib import Path

import pytest

from redact.scan.sources import compiled_source

from .conftest import make_secret, run_redact


def _package(root: Path, token: str) -> tuple[Path, Path]:
    src = root / "pkg" / "settings.py"
    src.parent.mkdir(parents=True)
    src.write_text(f'GITHUB_TOKEN = "{token}"\nDEBUG = False\n')
    pyc = Path(importlib.util.cache_from_source(str(src)))
    py_compile.compile(str(src), cfile=str(pyc), doraise=True)
    return src, pyc


def _findings(root: Path) -> tuple[int, list[str], list[dict[str, str]]]:
    proc = run_redact("scan", "--format", "json", "--no-gitignore", ".", cwd=root)
    doc = json.loads(proc.stdout)
    return proc.returncode, sorted(f["path"] for f in doc["findings"]), doc["skipped"]


def test_a_pyc_beside_its_source_is_not_reported_twice(tmp_path: Path) -> None:
    """One finding (in the .py); the .pyc is listed as excluded, naming its source."""
    _, pyc = _package(tmp_path, make_secret())
    code, paths, skipped = _findings(tmp_path)
    assert code == 1
    assert paths == ["pkg/settings.py"]
    shown = pyc.relative_to(tmp_path).as_posix()
    assert skipped == [
        {
            "path": shown,
            "status": "excluded",
            "reason": "compiled Python: its source pkg/settings.py is scanned",
        }
    ]


@pytest.mark.parametrize("layout", ["pycache-opt", "legacy-beside"])
def test_other_pyc_layouts_pair_with_their_source(tmp_path: Path, layout: str) -> None:
    """``-O`` caches (``.opt-1.pyc``) and a ``mod.pyc`` beside ``mod.py`` pair too."""
    src, pyc = _package(tmp_path, make_secret())
    if layout == "pycache-opt":
        other = Path(importlib.util.cache_from_source(str(src), optimization=1))
    else:
        other = src.with_suffix(".pyc")
    pyc.rename(other)
    assert _findings(tmp_path)[1] == ["pkg/settings.py"]


def test_a_pyc_without_its_source_is_read(tmp_path: Path) -> None:
    """Shipped bytecode only: the token in its constants is found at the .pyc."""
    src, pyc = _package(tmp_path, make_secret())
    src.unlink()
    code, paths, _ = _findings(tmp_path)
    assert code == 1
    assert paths == [pyc.relative_to(tmp_path).as_posix()]


def test_a_pyc_named_alone_on_the_command_line_is_read(tmp_path: Path) -> None:
    """The source is not part of this scan: the .pyc is the only place the token is seen."""
    _, pyc = _package(tmp_path, make_secret())
    proc = run_redact("scan", "--format", "json", str(pyc), cwd=tmp_path)
    assert proc.returncode == 1
    assert len(json.loads(proc.stdout)["findings"]) == 1


def test_in_an_archive_a_pyc_beside_its_source_is_counted_not_scanned(tmp_path: Path) -> None:
    """An egg/wheel holding both: one finding (the .py); an orphan .pyc member is read."""
    src, pyc = _package(tmp_path, make_secret())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(src, "pkg/settings.py")
        zf.write(pyc, "pkg/__pycache__/" + pyc.name)
        zf.write(pyc, "other/__pycache__/" + pyc.name)  # no other/settings.py: read
    (tmp_path / "dist.egg").write_bytes(buf.getvalue())
    src.unlink()
    pyc.unlink()
    code, paths, _ = _findings(tmp_path)
    assert code == 1
    assert paths == ["dist.egg!other/__pycache__/" + pyc.name, "dist.egg!pkg/settings.py"]


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("a/__pycache__/mod.cpython-311.pyc", "a/mod.py"),
        ("a/__pycache__/mod.cpython-312.opt-2.pyc", "a/mod.py"),
        ("a/mod.pyc", "a/mod.py"),
        ("a/mod.pyo", "a/mod.py"),
        ("a/mod.py", None),
        ("a/pyc", None),
    ],
)
def test_compiled_source_follows_cpython_naming(path: str, source: str | None) -> None:
    """Where CPython's importlib puts a cache, compiled_source finds the source back."""
    assert compiled_source(path) == source
