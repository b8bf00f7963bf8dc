"""The package type-checks (strict on the model and analyses, see pyproject's [tool.mypy])."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT


def test_mypy_is_clean(tmp_path_factory: pytest.TempPathFactory) -> None:
    if shutil.which("mypy") is None and subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True).returncode:
        pytest.skip("mypy is not installed (pip install -e '.[test]' installs it)")
    # Its cache in a temporary directory: a test writes nothing into the checkout.
    cache = tmp_path_factory.mktemp("mypy_cache")
    proc = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
