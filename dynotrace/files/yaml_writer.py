"""A fast writer for the part of YAML that dynotrace's reports are written in.

``dynotrace explain -o report.yaml`` ends every run by writing the report, and importing
PyYAML alone takes longer than writing a report with it (15-20 ms, most of it compiling one
regular expression in ``yaml.reader``): a few per cent of what dynotrace adds to a short
script. ``write`` lays out the text libyaml's emitter lays out for the same data, as
``files._serialise`` asks libyaml for it (block style, keys in their order, no line
width, Unicode kept), without importing PyYAML. It does so for what reports are made of:
mappings with string keys, lists, ints, floats, bools, None, and ASCII strings (plain,
single-quoted, over several lines where they have line breaks, or double-quoted with
escapes, as libyaml chooses). For anything else (other characters, keys libyaml would not
write as simple keys) it returns ``NOT_SIMPLE`` and the caller asks libyaml;
``tests/test_fuzz.py`` checks the two agree on arbitrary data.
"""

from __future__ import annotations

import gc
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

NOT_SIMPLE: Any = object()
#: How many pieces (two for most lines) ``write`` gathers before it hands them to its ``emit``.
_EMIT_PIECES = 16384

#: The plain scalars YAML 1.1 reads as something other than a string: PyYAML's implicit
#: resolvers (``yaml/resolver.py``: bool, float, int, merge, null, timestamp, value and
#: the reserved ``! & *``), one alternative each (null's last is the empty text), in one
#: pattern. Every alternative starts with a character its resolver is registered for, so
#: this matches exactly the values ``Resolver.resolve`` gives another tag than ``str``.
#: Verbose, as PyYAML's: spaces outside ``[...]`` are not part of the pattern. Only used
#: on one-line text, where ``$`` is the end of the text.
_TYPED = re.compile(
    r"""^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
        |[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN)
        |[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+
        |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
        |<<
        |~|null|Null|NULL|
        |[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
         (?:[Tt]|[ \t]+)[0-9][0-9]?
         :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
         (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?
        |=
        |!|&|\*)$""",
    re.X,
)
#: The first characters of the texts ``_TYPED`` matches, the empty text aside: no other text
#: is worth the pattern's time (checked in ``tests/test_fuzz.py``).
_TYPED_FIRST = frozenset("yYnNtTfFoO0123456789+-.<~=!&*")
#: First characters after which a plain scalar would be read as YAML syntax.
_FIRST_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")
#: libyaml's escapes in double-quoted text, for the ASCII characters it escapes; any other
#: control character is written ``\\xXX``.
_ESCAPES = {
    **{chr(c): f"\\x{c:02X}" for c in (*range(0x20), 0x7F)},
    "\0": "\\0", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v",
    "\f": "\\f", "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\",
}  # fmt: skip
_DOUBLE_QUOTE_TABLE = str.maketrans(_ESCAPES)
#: Deletes printable ASCII and line breaks: what is left of a text are its control characters.
_PRINTABLE_OR_BREAK = str.maketrans(dict.fromkeys(["\n", *map(chr, range(0x20, 0x7F))]))
#: Longer text is laid out anew each time it is written (it rarely recurs).
_REMEMBERED_TEXT = 1024
#: An object written in more pieces than this (64 lines, about) is not remembered (a compile,
#: which never recurs).
_SMALL_OBJECT_PIECES = 128
#: What ``write`` writes without asking its ``fields``.
_PLAIN = frozenset({dict, list, str, int, float, bool, type(None)})
_PLAIN_OR_TUPLE = _PLAIN | {tuple}
#: libyaml writes a key longer than this as a complex key (``? key``); reports never have one.
_SIMPLE_KEY_LENGTH = 128


class _NotSimple(Exception):
    pass


def write(
    data: Any, emit: Callable[[str], None] | None = None, fields: Callable[[Any], dict[str, Any]] | None = None
) -> Any:
    """``data`` (a non-empty dict) as YAML text, or ``NOT_SIMPLE``.

    With ``fields``, an object that is not plain data (a report's model object) is
    written as the mapping ``fields`` gives for it, and a tuple as a list: a report is
    written from its objects as they are, never first copied into dicts and lists (which
    took as long as a third of the writing).

    With ``emit``, the text is handed to it a piece at a time as it is laid out (every few
    thousand lines, at the end of a list's item) and ``write`` returns the rest: the
    pieces and the rest make the same text, and a rank's part of a job's file is written
    without ever being whole in memory. On ``NOT_SIMPLE`` what was emitted is not the
    text: the caller discards it."""
    if type(data) is not dict or not data:
        return NOT_SIMPLE
    #: The text's pieces: each line is a piece that starts with a line break and its
    #: key (or its ``-``), then the piece of its value, if it has one; the text is the
    #: pieces joined without the first break, and ends with one.
    pieces: list[str] = []
    #: Text -> how it is written, for one-line text up to ``_REMEMBERED_TEXT`` long: keys,
    #: and values that recur (a guard's check, a recompile's suggestion: 8,283 of them, 265
    #: distinct, in the bench log's report).
    scalars: dict[str, str] = {}

    def scalar(text: str, indent: str) -> str:
        written = scalars.get(text)
        if written is None:
            written = _scalar(text, indent)
            if len(text) <= _REMEMBERED_TEXT and "\n" not in written:
                scalars[text] = written
        return written

    keys: dict[Any, str] = {}  # a key's text, for the heads of each place it is written at

    def key(text: Any) -> str:
        written = keys.get(text) if type(text) is str else None
        if written is None:
            if type(text) is not str or len(text) > _SIMPLE_KEY_LENGTH or not text.isprintable():
                raise _NotSimple
            written = keys[text] = scalar(text, "")
        return written

    def value(item: Any, indent: str) -> str:
        """How ``item``, a scalar, is written after ``key:`` or ``-`` in a collection
        indented by ``indent``."""
        kind = type(item)
        if kind is str:
            return scalar(item, indent)
        if kind is int:
            return str(item)
        if item is None:
            return "null"
        if kind is bool:
            return "true" if item else "false"
        if kind is float:
            return _float(item)
        raise _NotSimple

    #: The pieces each small object was written as, by its place (the ``first`` its first
    #: line starts with: its indent is as long) and then its ``id``: the model shares one
    #: object among the compiles that have it (a guard, a location), and a report refers
    #: to the same few thousand a hundred thousand times. Its writers look here first,
    #: then write the object with ``mapping`` and remember its pieces when they are few.
    objects: defaultdict[str, dict[int, list[str]]] = defaultdict(dict)
    #: What a line of each key starts with at each place (``first`` or an indent): a line
    #: break, the place, the key as written, ``: ``.
    heads_at: defaultdict[str, dict[Any, str]] = defaultdict(dict)
    #: An int's text, for the ints written (only ints: ``True == 1``, but is written ``true``).
    numbers: dict[int, str] = {}
    #: A head without the space after its colon: the line of a key whose value follows below.
    colons: dict[str, str] = {}

    def colon(head: str) -> str:
        written = colons[head] = head[:-1]
        return written

    begun = False  # whether the text's first piece, which has no line before it, was emitted

    def mapping(items: Any, indent: str, first: str) -> None:
        """Writes ``items`` (a dict, or a model object: its ``fields``) at ``indent``; the
        first line starts with ``first`` instead (ending in the ``- `` of the sequence
        item the mapping is, if it is one).

        ``key``, ``value`` and ``scalar`` are written out inline for the common cases
        (a known key, a string written before, an int, None): a report is a quarter of a
        million of them, and the calls were a third of the writing."""
        if type(items) is not dict:
            assert fields is not None
            items = fields(items)
            if not items:
                raise _NotSimple  # written as {} after its key: the plain writer knows how
        heads = heads_at[first]
        for name, item in items.items():
            head = heads.get(name)
            if head is None:
                head = heads[name] = f"\n{first}{key(name)}: "
            kind = type(item)
            if kind is str:
                written = scalars.get(item)
                pieces.append(head)
                pieces.append(scalar(item, indent) if written is None else written)
            elif kind is int:
                written = numbers.get(item)
                if written is None:
                    written = numbers[item] = str(item)
                pieces.append(head)
                pieces.append(written)
            elif item is None:
                pieces.append(head)
                pieces.append("null")
            else:
                if kind is tuple and fields is not None:
                    kind = list
                if kind is dict:
                    if item:
                        pieces.append(colons.get(head) or colon(head))
                        mapping(item, indent + "  ", indent + "  ")
                    else:
                        pieces.append(head)
                        pieces.append("{}")
                elif kind is list:
                    if item:
                        pieces.append(colons.get(head) or colon(head))
                        sequence(item, indent, indent)  # a list in a mapping is not indented further
                    else:
                        pieces.append(head)
                        pieces.append("[]")
                elif fields is not None and kind not in _PLAIN:
                    # A model object, remembered or written and remembered: the same steps as
                    # ``sequence``'s for an item, written out in both rather than shared, for
                    # the call per object they replaced (part of the 25 M of 712 M
                    # instructions a save of the bench log's report lost with it).
                    pieces.append(colons.get(head) or colon(head))
                    inner = indent + "  "
                    memo = objects[inner]
                    done = memo.get(id(item))
                    if done is None:
                        start = len(pieces)
                        mapping(item, inner, inner)
                        if emit is None and len(pieces) - start <= _SMALL_OBJECT_PIECES:
                            memo[id(item)] = pieces[start:]
                    else:
                        pieces.extend(done)
                else:
                    pieces.append(head)
                    pieces.append(value(item, indent))
            if first is not indent:
                first = indent
                heads = heads_at[indent]

    def sequence(items: list[Any], indent: str, first: str) -> None:
        nonlocal begun
        inner = indent + "  "
        at = first + "- "  # the first item's first line starts so, the others' with ``rest``
        rest = indent + "- "
        head = "\n" + at
        memo = None
        for item in items:
            kind = type(item)
            if kind not in _PLAIN_OR_TUPLE and fields is not None:  # most items of a report's lists
                # As ``mapping`` writes a model object's value (see there).
                if memo is None:
                    memo = objects[at]
                done = memo.get(id(item))
                if done is None:
                    start = len(pieces)
                    mapping(item, inner, at)
                    if emit is None and len(pieces) - start <= _SMALL_OBJECT_PIECES:
                        memo[id(item)] = pieces[start:]
                else:
                    pieces.extend(done)
            else:
                if kind is tuple and fields is not None:
                    kind = list
                if kind is dict and item:
                    mapping(item, inner, at)
                elif kind is list and item:
                    sequence(item, inner, at)
                else:
                    pieces.append(head)
                    pieces.append("[]" if kind is list else "{}" if kind is dict else value(item, indent))
            if at is not rest:
                at = rest
                head = "\n" + at
                memo = None
            if emit is not None and len(pieces) >= _EMIT_PIECES:
                if not begun:
                    pieces[0] = pieces[0][1:]
                    begun = True
                emit("".join(pieces))
                pieces.clear()

    # The collector off while the text is laid out: writing makes containers (the pieces
    # of each object remembered: 17,500 lists for the bench log's report) but no cycles,
    # and each pass of the collector walked the growing list of pieces (460,000) anew:
    # 23 M of the 621 M instructions a save of that report took.
    collecting = gc.isenabled()
    gc.disable()
    try:
        mapping(data, "", "")
    except (_NotSimple, RecursionError):
        return NOT_SIMPLE
    finally:
        if collecting:
            gc.enable()
        # The two writers call each other: left so, they would keep every piece and every
        # remembered object of this write in a reference cycle, for the collector's next
        # full pass to walk and free: 23 M of the 683 M instructions a save of the bench
        # log's report took, when it was written as 257,000 lines.
        del mapping, sequence
    if not begun:
        pieces[0] = pieces[0][1:]
    pieces.append("\n")
    return "".join(pieces)


def _scalar(text: str, indent: str) -> str:
    """``text`` as libyaml writes it in block context: plain, single- or double-quoted.
    ``indent`` is that of the collection it is in."""
    if not text.isascii():
        raise _NotSimple
    if text.isprintable():
        if _plain_allowed(text) and not (not text or text[0] in _TYPED_FIRST and _TYPED.match(text)):
            return text
        return "'" + text.replace("'", "''") + "'"
    if not text.translate(_PRINTABLE_OR_BREAK) and "\n " not in text and " \n" not in text:
        return _single_quoted_lines(text, indent + "  ")
    # Control characters, or a space next to a line break: only double quotes keep them.
    return '"' + text.translate(_DOUBLE_QUOTE_TABLE) + '"'


def _single_quoted_lines(text: str, indent: str) -> str:
    """Printable text with line breaks, single-quoted over several lines as libyaml's
    ``yaml_emitter_write_single_quoted`` writes it: a run of n breaks becomes n + 1 line
    ends (a single one would read as a space), and each line after them starts at
    ``indent``; text that ends with breaks closes its quote on an indented line."""
    runs = re.split(r"(\n+)", text.replace("'", "''"))
    written = ["'"]
    for part in runs:
        if part.startswith("\n"):
            written.append("\n" * (len(part) + 1))
        elif part:
            if written[-1].startswith("\n"):
                written.append(indent)
            written.append(part)
    if written[-1].startswith("\n"):
        written.append(indent)
    written.append("'")
    return "".join(written)


def _plain_allowed(text: str) -> bool:
    """Whether libyaml may write the one-line printable ``text`` as a plain scalar in block
    context (``yaml_emitter_analyze_scalar``): no space at either end, no indicator that
    would start YAML syntax, no ``---``/``...`` document marker."""
    if not text:
        return True  # but the empty plain scalar is null, so _TYPED has it quoted
    first = text[0]
    if first == " " or text[-1] == " " or first in _FIRST_INDICATORS:
        return False
    if first in "?:-" and (len(text) == 1 or text[1] == " "):
        return False
    if text.startswith(("---", "...")):
        return False
    # ':' followed by a space or the end, '#' after a space (past the first character).
    return not (": " in text[1:] or text.endswith(":") and len(text) > 1 or " #" in text)


def _float(number: float) -> str:
    """PyYAML's ``SafeRepresenter.represent_float``, which libyaml writes plain: a finite
    float's ``repr`` is digits with a point, or one digit, maybe a point and more, and an
    exponent (``1e-07``, made ``1.0e-07``), both of which YAML reads as a float
    (``tests/test_fuzz.py`` checks it); ``nan`` and ``inf`` are the only others, and the
    only ones with an ``n``."""
    text = float.__repr__(number)
    if "n" in text:
        return ".nan" if text == "nan" else ".inf" if text == "inf" else "-.inf"
    if "." not in text:
        return text.replace("e", ".0e", 1)
    return text
