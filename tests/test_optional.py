"""Optional dependencies: each guarded import names its extra; nothing else is ever translated.

Each case runs in a fresh interpreter whose import system refuses the extra's
packages (as on a base install); .ci/run repeats the real thing in a venv with no
extras installed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from redact._optional import EXTRAS, extra, install_hint, missing, require
from redact.exceptions import MissingExtraError, RedactError

ROOT = Path(__file__).resolve().parents[1]

#: Installs a finder that makes the listed top-level packages (and their submodules)
#: unimportable, the way they are on an install without the extra.
BLOCK = """
import sys
BLOCKED = {blocked!r}
class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED or name in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Blocker())
"""


def run_blocked(blocked: set[str], code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter where ``blocked`` cannot be imported."""
    return subprocess.run(
        [sys.executable, "-c", BLOCK.format(blocked=sorted(blocked)) + code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# (extra, the statement that needs it) — one row per guarded place in the package.
GUARDED = [
    ("otel", "import redact.integrations.otel"),
    ("secrets", "import redact.secrets.keys"),
    ("secrets", "import redact.secrets.tenants"),
    ("secrets", "from redact.secrets import KeyRegistry"),
    (
        "vault",
        "from redact.secrets import VaultProvider; from redact import KnownSecrets; VaultProvider('http://127.0.0.1:1', token='t' * 20, known=KnownSecrets())",
    ),
    (
        "aws",
        "from redact.secrets import AwsSecretsManagerProvider; from redact import KnownSecrets; AwsSecretsManagerProvider(known=KnownSecrets())",
    ),
    (
        "detect",
        "from redact.detect_secrets_bridge import DetectSecretsDetector; DetectSecretsDetector()",
    ),
    (
        "hyperscan",
        "from redact._matcher import build_matcher; build_matcher([b'abcdefgh'], backend='hyperscan')",
    ),
]


@pytest.mark.parametrize(("name", "statement"), GUARDED)
def test_missing_extra_names_the_pip_command(name: str, statement: str) -> None:
    """Without the extra's packages the error is MissingExtraError saying pip install '...[x]'."""
    code = f"""
from redact.exceptions import MissingExtraError
try:
    {statement}
except MissingExtraError as exc:
    assert isinstance(exc, ModuleNotFoundError)
    print("EXTRA", exc.extra)
    print("MSG", exc)
"""
    proc = run_blocked(set(EXTRAS[name]), code)
    assert proc.returncode == 0, proc.stderr
    assert f"EXTRA {name}\n" in proc.stdout, proc.stdout
    assert install_hint(name) in proc.stdout


def test_a_missing_redact_module_is_not_translated() -> None:
    """A missing module of redact itself (a bug) propagates as the original error."""
    with pytest.raises(ModuleNotFoundError) as info, extra("otel"):
        import redact._no_such_module  # type: ignore[import-not-found]  # noqa: F401
    assert not isinstance(info.value, MissingExtraError)
    assert info.value.name == "redact._no_such_module"


def test_other_errors_inside_the_guard_propagate() -> None:
    """Only ModuleNotFoundError of the extra's own packages becomes MissingExtraError."""
    with pytest.raises(ImportError, match="cannot import name") as info, extra("otel"):
        from redact import no_such_name  # type: ignore[attr-defined]  # noqa: F401
    assert not isinstance(info.value, MissingExtraError)
    with pytest.raises(KeyError):
        require("no-such-extra")


def test_installed_extras_import() -> None:
    """In the dev install every extra is present: require() passes and missing() says None."""
    for name in EXTRAS:
        require(name)
        assert missing(name) is None
    assert issubclass(MissingExtraError, RedactError)


def _requirement_name(req: str) -> str:
    m = re.match(r"[A-Za-z0-9_.\-]+", req)
    assert m, req
    return m.group().lower().replace("_", "-")


def test_extras_table_matches_pyproject() -> None:
    """EXTRAS names every extra of pyproject.toml, and each listed import comes from its deps."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        name: reqs
        for name, reqs in project["optional-dependencies"].items()
        if name not in {"all", "dev", "bench"}
    }
    assert set(EXTRAS) <= set(declared)
    provided: dict[str, set[str]] = {}
    for module, dists in packages_distributions().items():
        for dist in dists:
            provided.setdefault(dist.lower().replace("_", "-"), set()).add(module)
    for name, modules in EXTRAS.items():
        # A module comes from the extra's requirements or their dependencies (boto3 brings
        # botocore): that is what installing the extra makes importable.
        dists = _deps_closure({_requirement_name(r) for r in declared[name]})
        available = set().union(*(provided.get(d, set()) for d in dists))
        assert set(modules) <= available, (name, set(modules) - available)


def _deps_closure(dists: set[str]) -> set[str]:
    from importlib.metadata import PackageNotFoundError, requires

    seen: set[str] = set()
    todo = list(dists)
    while todo:
        d = todo.pop()
        if d in seen:
            continue
        seen.add(d)
        try:
            reqs = requires(d) or []
        except PackageNotFoundError:
            continue
        todo.extend(_requirement_name(r) for r in reqs if "extra ==" not in r)
    return seen
