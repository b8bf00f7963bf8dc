"""The terminal everything is printed on: rich's conventions (colour only on a terminal,
``NO_COLOR`` honoured, plain text when piped) and no padding at the ends of lines."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO, cast

from rich.console import Console

# Spaces rich pads a line with, before any closing colour codes.
_TRAILING_SPACE = re.compile(r"[ ]+((?:\x1b\[[0-9;]*m)*)$")


def make_console(file: TextIO | None = None, *, width: int | None = None, color: bool | None = None) -> Console:
    """A console following rich's conventions: colour only on a terminal, ``NO_COLOR``
    honoured, plain text when piped; ``color`` forces it on or off."""
    return Console(
        file=file,
        width=width,
        no_color=None if color is None else not color,
        force_terminal=color if color else None,
        highlight=False,
        emoji=False,
    )


class Trimmed:
    """A console that lays its output out in a buffer and writes it to the target's file
    without the spaces rich pads lines with. ``flush()`` writes what is buffered (before
    something else writes to the same file)."""

    def __init__(self, target: Console) -> None:
        self.target = target
        self.out = cast(TextIO, target.file)
        self._buffer = io.StringIO()
        self.console = Console(
            file=self._buffer,
            width=target.width,
            color_system=target.color_system,  # type: ignore[arg-type]
            force_terminal=target.is_terminal,
            no_color=target.no_color,
            highlight=False,
            emoji=False,
        )

    def flush(self) -> None:
        for line in self._buffer.getvalue().splitlines():
            self.out.write(_TRAILING_SPACE.sub(r"\1", line) + "\n")
        self._buffer.seek(0)
        self._buffer.truncate()
        self.out.flush()


@contextmanager
def trimmed(file: TextIO | None, *, width: int | None, color: bool | None) -> Iterator[Trimmed]:
    """A ``Trimmed`` console for ``file``; what it holds is written when the block ends,
    however it ends."""
    out = Trimmed(make_console(file, width=width, color=color))
    try:
        yield out
    finally:
        out.flush()
