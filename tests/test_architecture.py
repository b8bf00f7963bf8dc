"""The architecture ARCHITECTURE.md describes, checked on every run: the layers import only
downwards and nothing imports in a circle (function-local imports included), torch's
release differences have one home, and torch is imported only where a capture happens."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "dynotrace"


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_layer_and_cycle_contracts_hold() -> None:
    """``[tool.importlinter]`` of pyproject.toml: each layer imports only the layers below
    it, and no package's modules import each other in a circle. (In a process of its own:
    import-linter configures logging, which would disable the loggers of this one.)"""
    pytest.importorskip("importlinter", reason="import-linter is in the test extra")
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        f"sys.exit(lint_imports(config_filename={str(ROOT / 'pyproject.toml')!r}, no_cache=True))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 kept, 0 broken" in run.stdout


def test_the_contracts_name_every_package() -> None:
    """A new package must take its place in the layers, or the contract would not see it."""
    text = (ROOT / "pyproject.toml").read_text()
    layers = text[text.index("layers = [") : text.index("]", text.index("layers = ["))]
    named = set(re.findall(r"dynotrace\.(\w+)", layers))
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert packages | modules == named


def test_release_spellings_live_only_in_releases() -> None:
    """Each torch release's own wording is turned into one form in ``releases.py``; no other
    module reads (or so much as names) a spelling of a single release."""
    from dynotrace.releases import RELEASE_SPELLINGS

    found = []
    for path in _sources():
        if path.name == "releases.py":
            continue
        text = path.read_text()
        for spelling in RELEASE_SPELLINGS:
            if spelling in text:
                line = text[: text.index(spelling)].count("\n") + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {spelling!r}")
    assert not found, "release-specific spellings outside dynotrace/releases.py:\n" + "\n".join(found)


def test_release_spellings_are_read_in_releases() -> None:
    """Every spelling the list names is one ``releases.py`` does read (a stale entry would
    make the check above say nothing)."""
    from dynotrace import releases

    text = Path(releases.__file__).read_text()
    head = text.index("RELEASE_SPELLINGS = (")
    body = text[:head] + text[text.index(")", head) :]
    for spelling in releases.RELEASE_SPELLINGS:
        assert spelling in body, spelling


def _imports_torch(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "torch" or a.name.startswith("torch.") for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and (node.module == "torch" or node.module.startswith("torch.")):
            lines.append(node.lineno)
    return lines


def test_torch_is_imported_only_where_a_capture_happens() -> None:
    """Reading logs, comparing, rendering and the CLI's start never import torch: only the
    live capture does (and a rank's exchange, which runs inside a captured job)."""
    allowed = {"capture/live.py", "capture/listener.py", "jobs/exchange.py"}
    found = {
        str(path.relative_to(PACKAGE)): lines
        for path in _sources()
        if (lines := _imports_torch(ast.parse(path.read_text())))
    }
    assert set(found) <= allowed, found
