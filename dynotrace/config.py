"""Project settings from ``[tool.dynotrace]`` in the nearest ``pyproject.toml``.

Like coverage and ruff: the settings file is found from the working directory upwards
(the first ``pyproject.toml`` is the project's, whether or not it has the table), and a
flag given on the command line always wins over the file::

    [tool.dynotrace]
    baseline = "dynotrace-baseline.yaml"   # relative to the pyproject.toml
    fail-on = ["graph-breaks", "recompiles", "limit"]   # or "graph-breaks,recompiles"
    max-graph-breaks = 0
    max-recompiles = 2
    no-recompile-limit = true
    backend = "eager"

Unknown keys and values of the wrong type are errors (exit 2): a typo must not silently
turn a check off.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, fields, replace
from typing import Any

from dynotrace.errors import InputError, UsageError

BACKENDS = ("eager", "aot_eager", "inductor")


@dataclass(frozen=True)
class Settings:
    """What ``diff`` and ``check`` may take from the project; ``None`` means "not set"."""

    baseline: str | None = None
    fail_on: frozenset[str] | None = None
    max_graph_breaks: int | None = None
    max_recompiles: int | None = None
    no_recompile_limit: bool | None = None
    backend: str | None = None
    #: The pyproject.toml these came from, if any.
    source: str | None = None

    def overridden_by(self, **flags: Any) -> Settings:
        """These settings with every flag that was given (not ``None``) taking precedence."""
        given = {k: v for k, v in flags.items() if v is not None}
        unknown = set(given) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        return replace(self, **given)


def find_pyproject(start: str | None = None) -> str | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (default: the working directory)."""
    directory = os.path.abspath(start or os.getcwd())
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _toml_load(raw: bytes) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib.loads(raw.decode("utf-8"))


def load_settings(start: str | None = None) -> Settings:
    """``[tool.dynotrace]`` of the nearest pyproject.toml; empty settings when there is none.
    Raises ``InputError`` (one line) for a malformed file or a bad setting."""
    path = find_pyproject(start)
    if path is None:
        return Settings()
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    try:
        with open(path, "rb") as fh:
            data = _toml_load(fh.read())
    except OSError as exc:
        raise InputError(f"cannot read {shown}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise InputError(f"{shown} is not valid TOML: {exc}") from None
    table = data.get("tool", {}).get("dynotrace")
    if table is None:
        return Settings(source=path)
    if not isinstance(table, dict):
        raise InputError(f"{shown}: [tool.dynotrace] must be a table")
    return _parse(table, path, shown)


def _parse(table: dict[str, Any], path: str, shown: str) -> Settings:
    values: dict[str, Any] = {"source": path}
    for raw_key, value in table.items():
        key = str(raw_key).replace("-", "_")
        where = f"{shown}: [tool.dynotrace] {raw_key}"
        if key == "baseline":
            if not isinstance(value, str) or not value:
                raise InputError(f"{where} must be a file name")
            # Relative to the pyproject.toml, as the project wrote it, not to where we run.
            values["baseline"] = os.path.join(os.path.dirname(path), value)
        elif key == "fail_on":
            if not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
                raise InputError(f"{where} must be a list of names or a comma-separated string")
            from dynotrace.compare.policy import parse_fail_on

            try:
                values["fail_on"] = parse_fail_on(value)
            except UsageError as exc:
                raise InputError(f"{where}: {exc}") from None
        elif key in ("max_graph_breaks", "max_recompiles"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(f"{where} must be a whole number >= 0")
            values[key] = value
        elif key == "no_recompile_limit":
            if not isinstance(value, bool):
                raise InputError(f"{where} must be true or false")
            values[key] = value
        elif key == "backend":
            if value not in BACKENDS:
                raise InputError(f"{where} must be one of {', '.join(BACKENDS)}")
            values[key] = value
        else:
            known = "baseline, fail-on, max-graph-breaks, max-recompiles, no-recompile-limit, backend"
            raise InputError(f"{shown}: unknown setting [tool.dynotrace] {raw_key} (known: {known})")
    return Settings(**values)
