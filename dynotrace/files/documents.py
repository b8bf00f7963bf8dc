"""Documents: plain data (dicts, lists, scalars) as YAML or JSON text and back, safe
loading only; the format chosen by a file's extension. Which data a report file holds is
``dynotrace.model.schema``'s business; this module knows only text.

A mapping's entries can be serialised one by one, in separate processes, and joined into
the document (``section_text``, ``join_sections``): the text is the same as serialising
the whole document at once, which lets each rank of a job be serialised by the process
that read it.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from dynotrace.errors import InputError
from dynotrace.files.collector import collector_paused

if TYPE_CHECKING:  # the reader itself is imported when a YAML text is read
    from dynotrace.files.simple_yaml import MakeGuards

FORMATS = ("yaml", "json")
T = TypeVar("T")


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


def serialise(data: dict[str, Any], fmt: str, fields: Callable[[Any], dict[str, Any]] | None = None) -> str:
    """Plain data as the text of a ``yaml`` or ``json`` file.

    With ``fields``, ``data`` may also hold tuples (written as lists) and objects, each
    written as the mapping ``fields`` gives for it (``json.dumps``' ``default``): the YAML
    writer then writes a report from its objects without copying them into plain data.

    A string that cannot be written as UTF-8 (lone surrogates: the undecodable bytes of a
    file name, or a ``\\udcff`` escape in a damaged TORCH_TRACE log) is written with
    such characters as ``\\udcff`` text instead of failing half-way.
    """
    try:
        text = _serialise(data, fmt, fields)
        if not text.isascii():  # ASCII text has no lone surrogates: no copy made to check
            text.encode("utf-8")
    except UnicodeEncodeError:
        text = _serialise(_without_surrogates(_plain(data, fields)), fmt)
    return text


def _plain(data: Any, fields: Callable[[Any], dict[str, Any]] | None) -> Any:
    """``data`` as plain data: its tuples as lists, its objects as their ``fields``."""
    if fields is None:
        return data
    kind = type(data)
    if kind is dict:
        return {k: _plain(v, fields) for k, v in data.items()}
    if kind is list or kind is tuple:
        return [_plain(v, fields) for v in data]
    if kind in (str, int, float, bool, type(None)):
        return data
    return _plain(fields(data), fields)


class _NotForMsgspec(Exception):
    """A value ``_json_by_msgspec`` leaves to ``json`` (a float NaN or infinity)."""


def _json_by_msgspec(data: Any, fields: Callable[[Any], dict[str, Any]] | None) -> str | None:
    """``json.dumps(_plain(data, fields), indent=2, ensure_ascii=False) + "\\n"``, the same
    text, made by msgspec (the ``fast`` extra) in a fifth of the time: ``json`` indents with
    its pure-Python encoder (0.6 s for the bench log's 15 MB report, 0.13 s this way).
    msgspec spells a float's exponent its own way (``1e-7``, not ``1e-07``), so each float
    goes in as the text ``json`` writes for it (``msgspec.Raw``), and a key that is not text
    as the text ``json`` makes of it. ``None`` without msgspec, for a float NaN or infinity
    (which ``json`` writes as ``NaN``, no JSON), or for anything msgspec refuses (lone
    surrogates): ``json`` then writes it, as it always did."""
    try:
        import msgspec
    except ImportError:
        return None
    raw = msgspec.Raw
    scalars = frozenset({str, int, bool, type(None)})

    def plain(value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            return {(k if type(k) is str else _json_key(k)): (v if type(v) in scalars else plain(v)) for k, v in value.items()}
        if kind is list or kind is tuple:
            return [v if type(v) in scalars else plain(v) for v in value]
        if kind is float:
            if not math.isfinite(value):
                raise _NotForMsgspec
            return raw(float.__repr__(value).encode())
        if kind in scalars:
            return value
        if fields is None:
            raise _NotForMsgspec  # ``json`` says what it cannot write
        return plain(fields(value))

    try:
        encoded = msgspec.json.encode(plain(data))
        return msgspec.json.format(encoded, indent=2).decode("utf-8") + "\n"
    except (_NotForMsgspec, TypeError, ValueError, UnicodeError, OverflowError):
        return None


def _json_key(key: Any) -> str:
    """The text ``json.dumps`` makes of a mapping's key that is not text."""
    if key is True or key is False or key is None:
        return json.dumps(key)
    if type(key) is float and math.isfinite(key):
        return float.__repr__(key)
    if isinstance(key, int):
        return int.__repr__(key)
    raise _NotForMsgspec


#: Long lines are not folded: every value starts and ends on its own line (only text with
#: line breaks, single-quoted, goes on over more), which grep and line-based diffs like and
#: which ``simple_yaml`` reads fast. Reports written before 2026-12-02 folded lines at 100
#: characters; they are still read, by libyaml, more slowly.
YAML_WIDTH = 1 << 30


def _serialise(data: dict[str, Any], fmt: str, fields: Callable[[Any], dict[str, Any]] | None = None) -> str:
    if fmt == "json":
        text = _json_by_msgspec(data, fields)
        if text is not None:
            return text
        return json.dumps(_plain(data, fields), indent=2, ensure_ascii=False) + "\n"
    from dynotrace.files import yaml_writer

    text = yaml_writer.write(data, fields=fields)
    if text is not yaml_writer.NOT_SIMPLE:
        return text  # type: ignore[no-any-return]
    data = _plain(data, fields)
    yaml = _yaml()
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.emit(_yaml_events(data), Dumper=dumper, allow_unicode=True, width=YAML_WIDTH)
    return text  # type: ignore[no-any-return]


def _plain_tag_resolver() -> Callable[[str], str]:
    """``value -> tag`` that YAML gives ``value`` written plain (unquoted): ``str`` for
    most, ``int``/``bool``/``null``/... for those that read as another type. Remembers
    short values, since keys and small values recur on every line of a report."""
    yaml = _yaml()
    resolver = yaml.resolver.Resolver()
    known: dict[str, str] = {}

    def plain_tag(value: str) -> str:
        tag = known.get(value)
        if tag is None:
            tag = resolver.resolve(yaml.ScalarNode, value, (True, False))
            if len(value) <= 32 and len(known) < 4096:
                known[value] = tag
        return tag  # type: ignore[no-any-return]

    return plain_tag


def _yaml_events(data: Any) -> Iterator[Any]:
    """The events ``yaml.safe_dump(data, sort_keys=False)`` would emit, made directly.

    The same text as ``safe_dump`` (block style, no aliases, a value quoted exactly when
    YAML would otherwise read it as another type), in a fifth of the time: PyYAML builds a
    node per value and serialises the nodes in Python, nearly five seconds for a report
    with 50,000 guards. Only plain data: dicts, lists, str, int, float, bool and None.
    """
    yaml = _yaml()
    from yaml import events

    representer = yaml.representer.SafeRepresenter()
    str_tag, int_tag, map_tag, seq_tag = (_CORE + t for t in ("str", "int", "map", "seq"))
    plain_tag = _plain_tag_resolver()
    scalar_event = events.ScalarEvent

    def emit(value: Any) -> Iterator[Any]:
        kind = type(value)
        if kind is str:
            yield scalar_event(None, str_tag, (plain_tag(value) == str_tag, True), value)
        elif kind is dict:
            yield events.MappingStartEvent(None, map_tag, True, flow_style=False)
            for key, item in value.items():
                yield from emit(key)
                yield from emit(item)
            yield events.MappingEndEvent()
        elif kind is list:
            yield events.SequenceStartEvent(None, seq_tag, True, flow_style=False)
            for item in value:
                yield from emit(item)
            yield events.SequenceEndEvent()
        elif kind is int:
            text = str(value)
            yield scalar_event(None, int_tag, (plain_tag(text) == int_tag, False), text)
        else:  # None, bool, float: few, and their spelling is the representer's business
            node = representer.represent_data(value)
            implicit = (node.tag == plain_tag(node.value), node.tag == str_tag)
            yield scalar_event(None, node.tag, implicit, node.value, style=node.style)

    yield events.StreamStartEvent()
    yield events.DocumentStartEvent(explicit=False)
    yield from emit(data)
    yield events.DocumentEndEvent(explicit=False)
    yield events.StreamEndEvent()


def _without_surrogates(data: Any) -> Any:
    if isinstance(data, str):
        return data if data.isascii() else data.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(data, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_without_surrogates(v) for v in data]
    return data


#: How deep a report's mappings and lists may nest. dynotrace writes fewer than 10 levels;
#: libyaml's composer recurses on the C stack and crashes the process (SIGSEGV) some tens
#: of thousands of levels down, so deeper documents are refused before they are composed.
MAX_NESTING = 100


_CORE = "tag:yaml.org,2002:"
#: The only tags a report's scalars may resolve to (all plain YAML 1.1 values); any other,
#: written out or resolved (``!!python/object``, ``!custom``, a ``<<`` merge key), is refused.
_SCALAR_TAGS = frozenset(_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp", "binary"))
_COLLECTION_TAGS = frozenset((None, "!", _CORE + "map", _CORE + "seq"))
_PLAIN_INT = re.compile(r"-?[1-9][0-9]*|0")
_NO_KEY = object()


class _UnknownTag(ValueError):
    pass


def _scalar_constructor() -> Callable[[str, str], Any]:
    """``(tag, text) -> value`` for YAML's own scalar tags; raises ``_UnknownTag`` for
    any other (only safe loading)."""
    yaml = _yaml()
    constructor = yaml.constructor.SafeConstructor()
    str_tag, int_tag, null_tag, bool_tag = (_CORE + t for t in ("str", "int", "null", "bool"))

    def scalar_value(tag: str, value: str) -> Any:
        if tag == str_tag:
            return value
        if tag == int_tag and _PLAIN_INT.fullmatch(value):
            return int(value)
        if tag == null_tag:
            return None
        if tag == bool_tag:
            return constructor.bool_values[value.lower()]
        if tag not in _SCALAR_TAGS:
            raise _UnknownTag(tag)
        return constructor.yaml_constructors[tag](constructor, yaml.ScalarNode(tag, value))

    return scalar_value


def _read_yaml(
    text: str,
    origin: str,
    make_guards: MakeGuards | None = None,
    memo: dict[str, Any] | None = None,
    encoded: bytes | None = None,
) -> Any:
    """The plain data in the YAML ``text``: by dynotrace's own fast reader where the text
    is in the part of YAML that dynotrace writes, else by libyaml (``_compose_yaml``).
    ``make_guards`` and ``memo``: as ``load_documents``'s, for a text of at least
    ``FAST_YAML_FROM`` characters; ``encoded``: the text in UTF-8, if at hand."""
    from dynotrace.files import simple_yaml

    if len(text) < FAST_YAML_FROM:
        make_guards = memo = None
    data = _read_simple_yaml(text, make_guards, memo, encoded)
    if data is simple_yaml.NOT_SIMPLE:
        yaml = _yaml()
        data = _compose_yaml(text, getattr(yaml, "CSafeLoader", yaml.SafeLoader), origin)
    return data


#: Guard lists of YAML texts at least this long are made into objects as they are read
#: (``load_documents``'s ``make_guards``); shorter ones stay plain data, for which the
#: maker's import (msgspec, ~13 ms) costs more than it saves.
FAST_YAML_FROM = 1 << 20


def _read_simple_yaml(
    text: str, make_guards: MakeGuards | None = None, memo: dict[str, Any] | None = None, encoded: bytes | None = None
) -> Any:
    """``simple_yaml.read`` with YAML's own plain-scalar resolution."""
    from dynotrace.files import simple_yaml

    plain_tag = _plain_tag_resolver()
    scalar_value = _scalar_constructor()
    typed_first = frozenset(first for first in _yaml().resolver.Resolver.yaml_implicit_resolvers if first)
    return simple_yaml.read(
        text, lambda value: scalar_value(plain_tag(value), value), typed_first, MAX_NESTING, make_guards, memo, encoded
    )


def _compose_yaml(text: str, loader: Any, origin: str) -> Any:
    """Plain data from a YAML document, built straight from the parser's events.

    Does what ``yaml.load(text, Loader=CSafeLoader)`` does for every file dynotrace
    writes, in a fifth of the time: libyaml's composer builds a node per value and PyYAML's
    constructor then walks those nodes in Python, which took ten seconds for a report with
    50,000 guards. In the same single pass it refuses what a report never is, before any of
    it is built: aliases (one can stand for a whole tree, a few thousand for an exponential
    number: the "billion laughs" file), nesting deeper than ``MAX_NESTING`` (libyaml's
    composer recurses on the C stack and crashes the process), more than one document, and
    tags other than YAML's own scalar, mapping and sequence tags (only safe loading).
    """
    yaml = _yaml()
    from yaml import events

    plain_tag = _plain_tag_resolver()
    scalar_value = _scalar_constructor()
    scalar_event, alias_event = events.ScalarEvent, events.AliasEvent
    mapping_start, sequence_start = events.MappingStartEvent, events.SequenceStartEvent
    collection_end = (events.MappingEndEvent, events.SequenceEndEvent)

    def refuse(event: Any, problem: str) -> Any:
        return yaml.constructor.ConstructorError(None, None, problem, event.start_mark)

    def scalar(event: Any) -> Any:
        value = event.value
        tag = event.tag
        if tag is None:
            if not event.implicit[0]:  # quoted or block text: a string
                return value
            tag = plain_tag(value)
        elif tag == "!":
            return value
        try:
            return scalar_value(tag, value)
        except _UnknownTag:
            raise refuse(event, f"could not determine a constructor for the tag {tag!r}") from None

    parser = loader(text)
    root: Any = None
    documents = 0
    stack: list[Any] = []  # the collections being filled, innermost last
    keys: list[Any] = []  # for each: a mapping's key waiting for its value, or _NO_KEY
    try:
        while (event := parser.get_event()) is not None:
            kind = type(event)
            if kind is scalar_event:
                value = scalar(event)
            elif kind is mapping_start or kind is sequence_start:
                if event.tag not in _COLLECTION_TAGS:
                    raise refuse(event, f"could not determine a constructor for the tag {event.tag!r}")
                if len(stack) >= MAX_NESTING:
                    raise InputError(f"{origin} nests more than {MAX_NESTING} levels deep; not a dynotrace report")
                value = {} if kind is mapping_start else []
            elif kind in collection_end:
                stack.pop()
                keys.pop()
                continue
            elif kind is alias_event:
                raise InputError(f"{origin} uses YAML aliases, which dynotrace reports never contain")
            else:
                if isinstance(event, events.DocumentStartEvent):
                    documents += 1
                    if documents > 1:
                        raise refuse(event, "expected a single document in the stream, but found another document")
                continue
            if not stack:
                root = value
            else:
                parent = stack[-1]
                if type(parent) is list:
                    parent.append(value)
                elif keys[-1] is _NO_KEY:
                    if isinstance(value, (dict, list)):
                        raise refuse(event, "found unhashable key")
                    keys[-1] = value
                else:
                    parent[keys[-1]] = value
                    keys[-1] = _NO_KEY
            if kind is not scalar_event:
                stack.append(value)
                keys.append(_NO_KEY)
    finally:
        parser.dispose()
    return root


def load_data(path: str, typed: Mapping[str, Any] | None = None) -> Any:
    """The plain data (dicts, lists, scalars) of a report file, before it is checked to be
    a report; ``InputError`` (one line) when it is no YAML or JSON file dynotrace can read.

    ``typed`` maps keys of the document's top-level mapping to types (dataclasses, tuples,
    ... of them) that a large JSON file's values under those keys are decoded straight
    into, when msgspec is installed (the ``fast`` extra) and the value fits its type; any
    other value is plain data, as it is without msgspec."""
    return _load_data(path, typed)


def _load_data(
    path: str,
    typed: Mapping[str, Any] | None = None,
    make_guards: MakeGuards | None = None,
    memo: dict[str, Any] | None = None,
) -> Any:
    """The plain data (dicts, lists, scalars) in the report file ``path``; ``typed``,
    ``make_guards`` and ``memo`` as ``load_documents``'s."""
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
    if typed:
        # A JSON object: what the lines below would read as JSON too, from the text.
        data = _typed_json_loads(raw, typed)
        if data is not None and (raw.isascii() or _is_utf8(raw)):
            return data
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path!r} is not a text file (not UTF-8)") from None
    # ``isspace`` and a look at the first characters, not ``strip()``: a 20 MB report's
    # text would be copied whole twice over, 0.03 s of the load.
    if not text or text.isspace():
        raise InputError(f"{path!r} is empty")
    if format_for(path) == "json" or _starts_with_brace(text):
        try:
            data = _json_loads(text)
        except ValueError as exc:
            raise InputError(f"{path!r} is not valid JSON: {exc}") from None
        except RecursionError:
            raise InputError(f"{path!r} nests too deeply; not a dynotrace report") from None
        return data
    try:
        return _read_yaml(text, repr(path), make_guards, memo, raw)
    except InputError:
        raise
    except Exception as exc:  # yaml.YAMLError and its subclasses
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path!r} is not valid YAML: {first}") from None


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _starts_with_brace(text: str) -> bool:
    """``text.lstrip().startswith("{")``, without copying the text."""
    head = text[:4096].lstrip()
    if head:
        return head.startswith("{")
    return text.lstrip().startswith("{")


#: JSON texts at least this long are parsed by msgspec when it is installed (the ``fast``
#: extra): 0.09 s for the 20 MB report of ``bench/scale.py``, where ``json`` takes 0.12 s.
#: Shorter ones by ``json`` alone, for which importing msgspec (~13 ms) costs more.
FAST_JSON_FROM = 1 << 20


def _json_loads(text: str) -> Any:
    """``json.loads(text)``, by msgspec when it can; raises what ``json.loads`` raises.

    json stays the judge, as for the envelopes of a TORCH_TRACE log
    (``dynotrace.capture.tracelog``): a text msgspec refuses (``NaN`` and infinities, a
    float beyond the double range, a lone surrogate, nesting beyond its limit) is handed
    to ``json.loads``, which reads or refuses it as it always did."""
    if len(text) >= FAST_JSON_FROM:
        try:
            import msgspec
        except ImportError:
            pass
        else:
            try:
                return msgspec.json.decode(text)
            except (ValueError, RecursionError):  # msgspec.DecodeError is a ValueError
                pass
    return json.loads(text)


def _typed_json_loads(raw: bytes, typed: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON document ``raw`` (a top-level mapping) with its values under the keys of
    ``typed`` decoded straight into those types, by msgspec; ``None`` when the text is
    short or no JSON object (a YAML file), msgspec is not installed or refuses anything in
    it: ``_load_data`` then reads it as it always did.

    A value of a key in ``typed`` that does not fit its type is read as plain data (the
    schema's builders then say where it does not fit). Decoded straight into the report's
    dataclasses, the 50,000 guards of ``bench/scale.py``'s report take about 0.06 s, where
    parsing the text into dicts and lists and building the dataclasses from those took
    0.12 s."""
    if len(raw) < FAST_JSON_FROM:
        return None
    decoders = _json_decoders(tuple(typed.items()))
    if decoders is None:
        return None
    outline, plain, by_key = decoders
    try:
        data = {}
        for key, value in outline.decode(raw).items():
            decode = by_key.get(key)
            if decode is not None:
                try:
                    data[key] = decode(value)
                    continue
                except ValueError:  # msgspec.ValidationError: the builders say why
                    pass
            data[key] = plain(value)
        return data
    except (ValueError, RecursionError):  # msgspec.DecodeError is a ValueError
        return None


@functools.lru_cache(maxsize=4)
def _json_decoders(typed: tuple[tuple[str, Any], ...]) -> tuple[Any, Callable[[Any], Any], dict[str, Callable[[Any], Any]]] | None:
    """msgspec's decoders for ``_typed_json_loads``, made once: (the top-level mapping with
    its values left as text, a value as plain data, each typed key's value), or ``None``
    without msgspec."""
    try:
        import msgspec
    except ImportError:
        return None
    outline = msgspec.json.Decoder(dict[str, msgspec.Raw])
    by_key = {key: msgspec.json.Decoder(tp).decode for key, tp in typed}
    return outline, msgspec.json.Decoder().decode, by_key


def load_documents(
    paths: Sequence[str],
    build: Callable[[Any, str], T],
    typed: Mapping[str, Any] | None = None,
    make_guards: MakeGuards | None = None,
) -> list[T]:
    """``[build(load_data(p, typed), p) for p in paths]``, in order (the first bad file's
    ``InputError`` is the one raised), with the cyclic garbage collector paused: building a
    report makes hundreds of thousands of dicts, lists and dataclasses and no reference
    cycles, which the collector would walk again and again to find nothing (0.1-0.2 s of a
    50,000-guard report).

    ``make_guards`` makes the guards of a large YAML report, as they are read, into the
    objects ``build`` takes (``schema.guards_from_plain``), or raises ``ValueError`` (they
    stay plain data). A guard whose text was read before, in any of the files, is the
    object made then: immutable, so shared. The two reports of ``dynotrace diff`` hold
    mostly the same guards: reading the second's 50,000 takes 0.03 s instead of 0.15 s.

    The files are read one after the other, in this process. Until 2026-12-07 each file
    after the first was read by a forked child that handed its plain data back through a
    pipe (``marshal``), while this process read the first. Once reading a 50,000-guard
    YAML report took 0.25 s instead of 0.6 s, handing one back (0.06 s) and two processes
    on this machine's two cores (which do not each run at full speed side by side) made
    ``dynotrace diff`` slower, not faster: 7-21% more wall time (medians) in four paired runs of
    ``bench/scale.py``'s reports, and 20 MB more memory (``bench/README.md``).
    """
    memo: dict[str, Any] = {}
    with collector_paused():
        return [build(_load_data(path, typed, make_guards, memo), path) for path in paths]


@dataclass(frozen=True)
class Sections:
    """Entries of a document's mapping, each already serialised in ``fmt`` by
    ``section_text`` (a rank's part of a job's report, by the process that read it): in
    memory (``texts``) or in files (``files``, written by ``write_section``; the document
    is then written from them piece by piece, so the text of every rank is never in
    memory at once). Files live in ``directory``, which ``discard`` removes (and, failing
    that, the end of the process)."""

    fmt: str
    texts: dict[int, str] = field(default_factory=dict)
    files: dict[int, str] = field(default_factory=dict)
    directory: str | None = None

    def __post_init__(self) -> None:
        if self.directory is not None:
            import shutil
            import weakref

            weakref.finalize(self, shutil.rmtree, self.directory, True)

    def has(self, key: int) -> bool:
        return key in self.texts or key in self.files

    def text(self, key: int) -> str | None:
        """The serialised entry ``key``, or ``None`` when it has none."""
        if key in self.texts:
            return self.texts[key]
        if key in self.files:
            with open(self.files[key], encoding="utf-8", newline="") as stream:
                return stream.read()
        return None

    def discard(self) -> None:
        """Remove the files (once the document is written)."""
        if self.directory is not None:
            import shutil

            shutil.rmtree(self.directory, ignore_errors=True)


def write_section(directory: str, key: int, text: str, start: int = 0) -> str:
    """Keep a serialised entry (``text`` from ``start`` on) in a file of ``directory``;
    returns its path. Written a slice at a time: no second copy of a rank's text."""
    path = os.path.join(directory, f"{key}.section")
    with open(path, "w", encoding="utf-8", newline="") as stream:
        for at in range(start, len(text), 1 << 20):
            stream.write(text[at : at + (1 << 20)])
    return path


def write_section_of(directory: str, parent: str, key: int, data: dict[str, Any], fmt: str) -> str:
    """``write_section(directory, key, section_text(parent, str(key), data, fmt))``,
    without the copy ``section_text`` makes of the text after its first line."""
    if fmt == "json":
        return write_section(directory, key, section_text(parent, str(key), data, fmt))
    from dynotrace.files import yaml_writer

    head = f"{parent}:\n"
    path = os.path.join(directory, f"{key}.section")
    with open(path, "w", encoding="utf-8", newline="") as stream:
        started = False

        def emit(piece: str) -> None:
            # yaml_writer lays the text out a piece at a time: a rank's text is never whole.
            nonlocal started
            if not started:
                if not piece.startswith(head):  # pragma: no cover - the writer starts with the key
                    raise ValueError("unexpected YAML layout")
                piece = piece[len(head) :]
                started = True
            stream.write(piece)

        rest = yaml_writer.write({parent: {str(key): data}}, emit)
        if rest is not yaml_writer.NOT_SIMPLE:
            emit(rest)
            return path
    # Text the writer leaves to libyaml: the whole text, the usual way.
    text = serialise({parent: {str(key): data}}, "yaml")
    if not text.startswith(head):  # pragma: no cover - both writers start a mapping so
        raise ValueError("unexpected YAML layout")
    return write_section(directory, key, text, len(head))


def section_text(parent: str, key: str, data: dict[str, Any], fmt: str) -> str:
    """The entry ``key: data`` as the text it has inside the mapping ``parent`` of a
    top-level mapping in ``fmt``: its key line and its body, indented, ending with a line
    break (``join_sections`` puts such entries together)."""
    if fmt == "json":
        text = serialise({key: data}, "json")
        lines = text.rstrip("\n").split("\n")
        # Drop the outer braces; the entry is two levels deeper in the whole document.
        return "\n".join("  " + line for line in lines[1:-1]) + "\n"
    text = serialise({parent: {key: data}}, "yaml")
    head = f"{parent}:\n"
    if not text.startswith(head):  # pragma: no cover - both writers start a mapping so
        raise ValueError("unexpected YAML layout")
    return text[len(head) :]


def write_joined_sections(
    stream: TextIO, head: dict[str, Any], parent: str, parts: Iterable[Callable[[], str]], tail: dict[str, Any], fmt: str
) -> None:
    """``stream.write(join_sections(head, parent, [part() for part in parts], tail, fmt))``,
    one part at a time: each part's text is made (or read from its file) only when it is
    written, so a job of many ranks is written in the memory of one rank's text."""
    head_text = serialise(head, fmt)
    tail_text = serialise(tail, fmt)
    if fmt == "json":
        stream.write(head_text.rstrip("\n")[:-1].rstrip("\n") + f',\n  "{parent}": {{\n')
        for i, part in enumerate(parts):
            if i:
                stream.write(",\n")
            stream.write(part().rstrip("\n"))
        stream.write("\n  },\n" + tail_text.rstrip("\n")[1:-1].strip("\n") + "\n}\n")
        return
    stream.write(head_text + f"{parent}:\n")
    for part in parts:
        stream.write(part())
    stream.write(tail_text)


def join_sections(head: dict[str, Any], parent: str, parts: Sequence[str], tail: dict[str, Any], fmt: str) -> str:
    """The text of ``{**head, parent: {...}, **tail}`` where the entries of ``parent`` are
    ``parts`` (from ``section_text``): what ``serialise`` gives for the whole."""
    head_text = serialise(head, fmt)
    tail_text = serialise(tail, fmt)
    if fmt == "json":
        # head is "{\n  ...\n}\n"; tail is '{\n  "timing": ...\n}\n'.
        body = head_text.rstrip("\n")[:-1].rstrip("\n")
        entries = ",\n".join(part.rstrip("\n") for part in parts)
        tail_body = tail_text.rstrip("\n")[1:-1].strip("\n")
        return f'{body},\n  "{parent}": {{\n{entries}\n  }},\n{tail_body}\n}}\n'
    return head_text + f"{parent}:\n" + "".join(parts) + tail_text
