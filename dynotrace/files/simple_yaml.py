"""A fast reader for the part of YAML that dynotrace's reports are written in.

libyaml parses a 50,000-guard report (15 MB) in a fraction of a second, but PyYAML then
hands each of its events to Python as an object with two position marks, which alone
takes about a second. dynotrace writes a small, regular part of YAML: block mappings whose
keys are plain words (``compile_s[0/1]`` too) or single-quoted (``'0'``, a job's ranks),
block sequences (indented as PyYAML indents them), and scalars that
each fit on one line (plain, single- or double-quoted; the writer sets no line width),
apart from single-quoted text with line breaks. This module reads exactly that part, line
by line, in about a third of the time.

``read`` returns ``NOT_SIMPLE`` for any text outside that part, however slightly outside:
other layouts, anchors, tags, comments, flow collections other than ``{}`` and ``[]``,
characters libyaml might refuse. The caller then reads the text with libyaml, so a value
this module returns is always the value libyaml's reading gives (``tests/test_fuzz.py``
checks both against PyYAML's ``safe_load``). A report written by hand or by an older
dynotrace (which folded long lines) is read too, only more slowly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

NOT_SIMPLE: Any = object()
#: Makes a list of guards, read as plain data, into objects (``read``'s ``make_guards``).
MakeGuards = Callable[[list[dict[str, Any]]], list[Any]]

#: Characters after which this reader does not go on: whatever libyaml refuses (controls,
#: lone surrogates, U+FFFE/U+FFFF), line breaks other than ``\n`` (``\r``, U+0085,
#: U+2028, U+2029), the byte-order mark and tabs; dynotrace's writer escapes all of them.
_UNSAFE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_PRINTABLE_ASCII = b"\n" + bytes(range(0x20, 0x7F))
#: Keys read as they are: words, and words with the brackets, slashes and marks of a
#: compile id (the timing of a report's compiles: ``compile_s[0/1]``, ``compile_s[!0/0/1]``),
#: which the writer leaves unquoted. Each must also resolve to itself (``key_of``); any
#: other key (quoted, with spaces, a number) makes ``read`` give up.
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[[A-Za-z0-9_/!.\-]*\])?")
#: A single-quoted key with no quote in it (the writer quotes keys such as ranks, ``'0'``).
_QUOTED_KEY = re.compile(r"'[^']*'")
_DOUBLE_QUOTED = re.compile(r'"((?:[^"\\]|\\(?:[0abtnvfre "/\\N_LP]|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}))*)"')
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPED = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
    "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}  # fmt: skip
#: First characters a plain scalar cannot have (``?`` and ``:`` can, as ``-`` can, before
#: anything but a space).
_INDICATORS = frozenset("?:,[]{}#&*!|>'\"%@`")


class _NotSimple(Exception):
    pass


def read(
    text: str,
    plain: Callable[[str], Any],
    typed_first: frozenset[str],
    max_nesting: int,
    make_guards: MakeGuards | None = None,
    memo: dict[str, Any] | None = None,
    encoded: bytes | None = None,
) -> Any:
    """The document in ``text`` as plain data (dicts, lists, scalars), or ``NOT_SIMPLE``.

    ``plain(s)`` gives the value of the plain scalar ``s`` as YAML resolves it (``"3"`` ->
    3, ``"null"`` -> None) or raises ``ValueError`` for one it should not read; a plain
    scalar whose first character is not in ``typed_first`` is always a string.
    ``max_nesting`` bounds how deep the collections may nest.

    ``make_guards``, when given, makes the guards of a ``guards:`` list in the writer's
    layout (``_guard_lists``) into objects (or raises ``ValueError``: they stay plain
    data); a guard whose text is in ``memo`` is the object made of it before, and each one
    made is put there. Reading a second document with the same ``memo`` is then mostly
    looking its guards up. ``encoded``: the text in UTF-8, when the caller has it (read
    from a file), spares encoding it again to check its characters."""
    if text.isascii():
        # 5x faster than _UNSAFE; the UTF-8 of ASCII text is its ASCII.
        if (text.encode("ascii") if encoded is None else encoded).translate(None, _PRINTABLE_ASCII):
            return NOT_SIMPLE
    elif _UNSAFE.search(text):
        return NOT_SIMPLE
    not_text = typed_first | _INDICATORS | {"-", " "}
    try:
        text, lists = _guard_lists(text, plain, not_text, make_guards, memo)
        lines = text.split("\n")
        if lines.pop() != "" or not lines:  # the writer ends the text with a line break
            return NOT_SIMPLE
        return _read(iter(lines), plain, not_text | {_HELD}, max_nesting, lists)
    except (_NotSimple, ValueError, StopIteration):
        return NOT_SIMPLE


# Guard lists, read whole. A report's guards are most of its lines (six of seven in a
# report of 50,000 guards), every one the same four keys, a location of four more or
# ``null``: read line by line they took most of the time. Each ``guards:`` list whose
# items all have exactly that layout, one scalar a line, is read here: cut into one text
# per guard (``str.split``) and each guard's text matched by one regular expression; its
# value replaces the list in the text (``_HELD`` and its number on the key's line) for
# ``_read``. Every value goes through the same decoding the line-by-line reading gives it
# (``decode``), so the result is the same, and a list of any other layout (another key, a
# value over several lines) is left to ``_read``.
#
# With ``make`` (the caller's: guards made into objects, immutable), a guard whose text
# was read before, in this document or in another read with the same ``memo``, is the
# object made then: the two reports of ``dynotrace diff`` hold mostly the same guards,
# and looking the second's up by their text takes a fifth of the time reading them does.

#: Marks a value read beforehand; text with it in is refused before (``_UNSAFE``).
_HELD = "\x00"
_GUARDS_KEY = "guards:\n"
_GUARD_PATTERNS: dict[int, tuple[re.Pattern[str], re.Pattern[str]]] = {}
#: Guard lists indented deeper than this are read line by line (the nesting limit).
_MAX_GUARDS_INDENT = 64


def _guard_patterns(indent: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(one guard's text after ``- ``, as the writer lays it out at ``indent``; the line
    break that ends a list at ``indent``: the first one not followed by an item or by a
    line of an item)."""
    found = _GUARD_PATTERNS.get(indent)
    if found is None:
        i = " " * indent
        one = (
            rf"kind: ([^\n]+)\n{i}  check: ([^\n]+)\n{i}  source: ([^\n]+)\n{i}  location:(?: ([^\n]+)"
            rf"|\n{i}    file: ([^\n]+)\n{i}    line: ([^\n]+)\n{i}    function: ([^\n]+)\n{i}    code: ([^\n]+))"
        )
        found = (re.compile(one), re.compile(rf"\n(?!{i}- |{i}  )"))
        _GUARD_PATTERNS[indent] = found
    return found


def _guards_keys(text: str) -> Iterator[tuple[int, int]]:
    """Where each line ``guards:`` (a key alone on its line, indented by spaces) starts, and
    its indentation, in order: the matches of ``^( *)guards:\\n`` (multi-line), found with
    ``str.find``. The regular expression, tried at every position of the text, took 0.17 s
    of the 0.3 s that reading a 14 MB report took; ``find`` takes 0.01 s."""
    at = text.find(_GUARDS_KEY)
    while at >= 0:
        line_start = at
        while line_start and text[line_start - 1] == " ":
            line_start -= 1
        if not line_start or text[line_start - 1] == "\n":
            yield line_start, at - line_start
        at = text.find(_GUARDS_KEY, at + len(_GUARDS_KEY))


def _guard_lists(
    text: str,
    plain: Callable[[str], Any],
    not_text: frozenset[str],
    make: MakeGuards | None = None,
    memo: dict[str, Any] | None = None,
) -> tuple[str, list[Any]]:
    """``text`` with each guard list of the writer's layout replaced by a held value, and
    the values (``_read`` puts them back): lists of plain guards, or of what ``make`` makes
    of them (``ValueError``: left plain), looked up first in ``memo`` by their text."""
    if _GUARDS_KEY not in text:
        return text, []
    if make is None:
        memo = None
    elif memo is None:
        memo = {}
    pieces: list[str] = []
    lists: list[Any] = []
    done = 0
    known: dict[str, Any] = {}  # short texts and their values (scalars only)

    def plain_text(value: str) -> bool:
        return value[0] not in not_text and ": " not in value and " #" not in value and value[-1] not in " :"

    def decode(value: str) -> Any:
        """As ``_read`` reads a mapping's value on its key's line (the column matters only
        to text over several lines, which the patterns do not match)."""
        if value in known:
            return known[value]
        if plain_text(value):
            decoded: Any = value
        else:
            decoded = _scalar(value, 0, iter(()), plain)
            if type(decoded) in (dict, list):
                return decoded  # ``{}`` and ``[]``: a new one each time
        if len(value) <= 64:
            known[value] = decoded
        return decoded

    for line_start, indent in _guards_keys(text):
        spaces = " " * indent
        start = line_start + indent + len(_GUARDS_KEY)
        if indent > _MAX_GUARDS_INDENT or start < done or not text.startswith(spaces + "- kind: ", start):
            continue
        one, list_end = _guard_patterns(indent)
        found = list_end.search(text, start)
        if found is None:
            continue
        end = found.end()
        texts = text[start + indent + 2 : end - 1].split(f"\n{spaces}- ")
        guards: list[Any] = [None] * len(texts) if memo is None else list(map(memo.get, texts))
        missing = [n for n, guard in enumerate(guards) if guard is None]
        matches = [one.fullmatch(texts[n]) for n in missing]
        if None in matches:
            continue  # not all of the list has the layout: line by line
        read = []
        for match in matches:
            kind, check, source, loc, file, line, function, code = match.groups()  # type: ignore[union-attr]
            # Values short enough to recur (kinds, ``null``, line numbers, names) are
            # decoded once; the long ones are mostly plain text, taken as it is.
            read.append(
                {
                    "kind": decode(kind),
                    "check": check if plain_text(check) else decode(check),
                    "source": source if plain_text(source) else decode(source),
                    "location": decode(loc) if loc is not None else {
                        "file": decode(file),
                        "line": decode(line),
                        "function": decode(function),
                        "code": code if plain_text(code) else decode(code),
                    },
                }
            )  # fmt: skip
        if make is not None and read:
            try:
                read = make(read)
            except ValueError:
                pass  # left plain: the caller says what does not fit
            else:
                for n, guard in zip(missing, read, strict=True):
                    memo[texts[n]] = guard  # type: ignore[index]
        for n, guard in zip(missing, read, strict=True):
            guards[n] = guard
        pieces.append(text[done:line_start])
        pieces.append(f"{spaces}guards: {_HELD}{len(lists)}\n")
        lists.append(guards)
        done = end
    if not lists:
        return text, []
    pieces.append(text[done:])
    return "".join(pieces), lists


def _scalar(text: str, column: int, lines: Iterator[str], plain: Callable[[str], Any]) -> Any:
    """The value of the scalar ``text``, at the end of a line; a single-quoted one may go
    on over the next ``lines``, indented deeper than ``column``."""
    first = text[0]
    if first == " ":  # more than one space before it: the writer puts one
        raise _NotSimple
    if first == "'":
        if len(text) > 1 and text[-1] == "'" and "'" not in text[1:-1].replace("''", ""):
            return text[1:-1].replace("''", "'")
        return _single_quoted_lines(text[1:], lines, column)
    if first == '"':
        match = _DOUBLE_QUOTED.fullmatch(text)
        if match is None:
            raise _NotSimple
        return _ESCAPE.sub(_unescape, match.group(1))
    if (first in _INDICATORS and first not in "?:") or (first in "-?:" and (len(text) == 1 or text[1] == " ")):
        if text == "{}":
            return {}
        if text == "[]":
            return []
        raise _NotSimple
    if ": " in text or " #" in text or text[-1] in " :":
        raise _NotSimple
    return plain(text)


def _read(
    lines: Iterator[str], plain: Callable[[str], Any], not_text: frozenset[str], max_nesting: int, held: list[Any]
) -> Any:
    keys: dict[str, str] = {}  # the words seen as keys, each the key it reads as

    def key_of(word: str) -> str | None:
        """The key ``word`` (the text before the colon) reads as, or ``None``."""
        key = keys.get(word)
        if key is None:
            if _KEY.fullmatch(word) and plain(word) == word:
                key = word
            elif _QUOTED_KEY.fullmatch(word):  # the ranks of a job's report: ``'0':``
                key = word[1:-1]
            else:
                return None
            keys[word] = key
        return key

    # Short plain scalars (``null``, ``false``, ``0``, names) recur on line after line and
    # are resolved once; quoted ones may go on over the next lines, so are not kept.
    known: dict[str, Any] = {}

    def scalar(text: str, column: int) -> Any:
        if text in known:
            return known[text]
        first = text[0]
        if first == _HELD:
            return held[int(text[1:])]
        value = _scalar(text, column, lines, plain)
        if first not in "'\"" and len(text) <= 64 and type(value) not in (dict, list):
            known[text] = value
        return value

    root: dict[str, Any] = {}
    stack: list[tuple[int, Any]] = [(0, root)]  # (column, open collection), innermost last
    top: Any = root  # the innermost open collection: stack[-1]
    top_column, in_list = 0, False  # its column, and whether it is a list
    pending: tuple[dict[str, Any], str, int] | None = None  # a key whose value starts below
    for line in lines:
        body = line.lstrip(" ")
        column = len(line) - len(body)
        if not body:
            raise _NotSimple
        item = body.startswith("- ")
        if pending is not None:
            # ``key:`` ended the line before: a mapping more indented, or a sequence at
            # least as indented, follows.
            mapping, key, key_column = pending
            pending = None
            if item and column >= key_column:
                top = mapping[key] = []
            elif not item and column > key_column:
                top = mapping[key] = {}
            else:
                raise _NotSimple
            top_column, in_list = column, item
            stack.append((column, top))
        elif column != top_column or in_list != item:
            # Close what this line's indentation ends (an indentless sequence ends at a key
            # of its own column).
            while top_column > column or (top_column == column and in_list != item):
                stack.pop()
                if not stack:
                    raise _NotSimple
                top_column, top = stack[-1]
                in_list = type(top) is list
            if top_column != column or in_list != item:
                raise _NotSimple
        while item:  # ``- `` items, perhaps several on one line: ``- - x``, ``- key: x``
            body = body[2:]
            column += 2
            if not body:
                raise _NotSimple
            item = body.startswith("- ")
            word, colon, rest = body.partition(":")
            if item or (colon and rest[:1] in ("", " ") and (word in keys or key_of(word) is not None)):
                opened: Any = [] if item else {}
                top.append(opened)
                top, top_column, in_list = opened, column, item
                stack.append((column, opened))
                continue
            top.append(scalar(body, column - 2))
            break
        else:
            word, colon, rest = body.partition(":")
            # ``keys.get`` first: the words already seen, without a call (an empty key, ``''``,
            # is looked up again by ``key_of``, which finds it).
            name = (keys.get(word) or key_of(word)) if colon else None
            if name is None:
                raise _NotSimple
            if not rest:
                pending = (top, name, column)
                continue
            text = rest[1:]
            if rest[0] != " " or not text:
                raise _NotSimple
            if text[0] in not_text or ": " in text or " #" in text or text[-1] in " :":
                top[name] = scalar(text, column)
            else:
                top[name] = text  # plain text that cannot read as a number, bool or null
        if len(stack) > max_nesting:
            raise _NotSimple
    if pending is not None:  # a key with no value: null, which the writer spells out
        raise _NotSimple
    return root


def _single_quoted_lines(start: str, lines: Iterator[str], column: int) -> str:
    """A single-quoted scalar that goes on over the next ``lines``: ``start`` is its text
    on the first line, after the quote. YAML folds each single line break to a space and
    keeps each empty line as a line break; the writer puts no spaces at the ends of such
    lines (text with them is written double-quoted)."""
    if "'" in start.replace("''", "") or start.endswith(" "):
        raise _NotSimple
    parts = [start]
    empty = 0
    for line in lines:
        if not line:
            empty += 1
            continue
        text = line.lstrip(" ")
        if len(line) - len(text) <= column or text.endswith(" "):
            raise _NotSimple
        parts.append("\n" * empty if empty else " ")
        empty = 0
        if text.endswith("'") and "'" not in text[:-1].replace("''", ""):
            parts.append(text[:-1])
            return "".join(parts).replace("''", "'")
        if "'" in text.replace("''", ""):
            raise _NotSimple
        parts.append(text)
    raise _NotSimple


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) == 1:
        return _ESCAPED[code]
    point = int(code[1:], 16)
    if 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
        raise _NotSimple  # libyaml refuses these
    return chr(point)
