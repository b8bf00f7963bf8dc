"""Report files: YAML or JSON chosen by the file's extension, safe loading only."""

from __future__ import annotations

import json
import os
from typing import Any, TextIO

from dynotrace.errors import InputError
from dynotrace.model import Report
from dynotrace.reports.output import open_output
from dynotrace.reports.schema import report_from_dict, report_to_dict

FORMATS = ("yaml", "json")


def format_for(path: str, default: str = "yaml") -> str:
    """``json`` for a ``.json`` file, ``yaml`` for ``.yaml``/``.yml``, else ``default``."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".json":
        return "json"
    if ext in (".yaml", ".yml"):
        return "yaml"
    return default


def _yaml() -> Any:
    import yaml

    return yaml


def dump_report(report: Report, stream: TextIO, fmt: str) -> None:
    """Write ``report`` to ``stream`` as ``yaml`` or ``json``."""
    data = report_to_dict(report)
    if fmt == "json":
        json.dump(data, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
        return
    yaml = _yaml()
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class NoAliasDumper(dumper):  # type: ignore[misc, valid-type]
        def ignore_aliases(self, data: Any) -> bool:
            return True

    yaml.dump(data, stream, Dumper=NoAliasDumper, sort_keys=False, allow_unicode=True, width=100)


def write_report(report: Report, path: str, fmt: str | None = None) -> None:
    """Write the report to ``path`` (``-`` for stdout) atomically."""
    with open_output(path) as stream:
        dump_report(report, stream, fmt or format_for(path))


def _reject_shared(data: Any, origin: str) -> None:
    # YAML aliases make one object appear many times; walking them could take exponential
    # time (the "billion laughs" file). Our writer never emits aliases, so refuse them.
    seen: set[int] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list)):
            if id(item) in seen:
                raise InputError(f"{origin} uses YAML aliases, which dynotrace reports never contain")
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)


def load_report(path: str) -> Report:
    """Read a report written by ``write_report``. Raises ``InputError`` with one line when
    the file is missing, unreadable, not YAML/JSON, or not a dynotrace report."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise InputError(f"No such report: {path!r}") from None
    except IsADirectoryError:
        raise InputError(f"{path!r} is a directory, not a report") from None
    except OSError as exc:
        raise InputError(f"Cannot read {path!r}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path!r} is not a text file (not UTF-8)") from None
    if not text.strip():
        raise InputError(f"{path!r} is empty")
    try:
        if format_for(path) == "json" or text.lstrip().startswith("{"):
            data = json.loads(text)
        else:
            yaml = _yaml()
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except ValueError as exc:
        raise InputError(f"{path!r} is not valid JSON: {exc}") from None
    except Exception as exc:  # yaml.YAMLError and its subclasses
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path!r} is not valid YAML: {first}") from None
    _reject_shared(data, repr(path))
    return report_from_dict(data, origin=repr(path))
