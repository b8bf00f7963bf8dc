"""Report files: YAML or JSON chosen by the file's extension, safe loading only."""

from __future__ import annotations

import json
import os
import stat
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


def dump_report(report: Report, stream: TextIO, fmt: str, extra: dict[str, Any] | None = None) -> None:
    """Write ``report`` to ``stream`` as ``yaml`` or ``json``. ``extra`` adds top-level
    sections before ``timing`` (the loader ignores keys it does not know).

    A string that cannot be written as UTF-8 (lone surrogates: the undecodable bytes of a
    file name, or a ``\\udcff`` escape in a damaged TORCH_TRACE log) is written with
    such characters as ``\\udcff`` text instead of failing half-way.
    """
    data = report_to_dict(report)
    if extra:
        timing = data.pop("timing")
        data.update(extra)
        data["timing"] = timing
    try:
        text = _serialise(data, fmt)
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _serialise(_without_surrogates(data), fmt)
    stream.write(text)


def _serialise(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    yaml = _yaml()
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class NoAliasDumper(dumper):  # type: ignore[misc, valid-type]
        def ignore_aliases(self, data: Any) -> bool:
            return True

    text = yaml.dump(data, Dumper=NoAliasDumper, sort_keys=False, allow_unicode=True, width=100)
    return text  # type: ignore[no-any-return]


def _without_surrogates(data: Any) -> Any:
    if isinstance(data, str):
        return data if data.isascii() else data.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(data, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_without_surrogates(v) for v in data]
    return data


def write_report(report: Report, path: str, fmt: str | None = None, extra: dict[str, Any] | None = None) -> None:
    """Write the report to ``path`` (``-`` for stdout) atomically."""
    with open_output(path) as stream:
        dump_report(report, stream, fmt or format_for(path), extra)


#: How deep a report's mappings and lists may nest. dynotrace writes fewer than 10 levels;
#: libyaml's composer recurses on the C stack and crashes the process (SIGSEGV) some tens
#: of thousands of levels down, so deeper documents are refused before they are composed.
MAX_NESTING = 100


def _check_yaml_events(text: str, loader: Any, origin: str) -> None:
    """Refuse YAML a report never is, before building anything from it: aliases and deep
    nesting. Walks the parser's events, which libyaml produces with its own stack."""
    from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

    parser = loader(text)
    depth = 0
    try:
        while (event := parser.get_event()) is not None:
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    raise InputError(f"{origin} nests more than {MAX_NESTING} levels deep; not a dynotrace report")
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
            elif isinstance(event, AliasEvent):
                # One alias can stand for a whole tree, a few thousand for an exponential
                # number of them (the "billion laughs" file). Our writer never emits any.
                raise InputError(f"{origin} uses YAML aliases, which dynotrace reports never contain")
    finally:
        parser.dispose()


def load_report(path: str) -> Report:
    """Read a report written by ``write_report``. Raises ``InputError`` with one line when
    the file is missing, unreadable, not YAML/JSON, or not a dynotrace report."""
    try:
        with open(path, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
                # /dev/zero, a terminal: reading one to its end would never end.
                raise InputError(f"{path!r} is a device, not a report")
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
    if format_for(path) == "json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"{path!r} is not valid JSON: {exc}") from None
        except RecursionError:
            raise InputError(f"{path!r} nests too deeply; not a dynotrace report") from None
        return report_from_dict(data, origin=repr(path))
    yaml = _yaml()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        _check_yaml_events(text, loader, repr(path))
        data = yaml.load(text, Loader=loader)
    except InputError:
        raise
    except Exception as exc:  # yaml.YAMLError and its subclasses
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path!r} is not valid YAML: {first}") from None
    return report_from_dict(data, origin=repr(path))
