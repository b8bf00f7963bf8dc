"""Output formats behind one interface (``base.Renderer``), chosen by name: ``renderer``.

Each format is a module, imported only when it is used (the terminal's, rich, takes tens
of milliseconds to import): ``terminal``, ``yaml`` and ``json`` (``data``), ``markdown``,
``sarif``, ``github`` (workflow-command annotations), ``html`` (one self-contained page)
and ``perfetto`` (the compile timeline as Chromium trace events).
"""

from __future__ import annotations

import importlib
import os

from dynotrace.errors import UsageError
from dynotrace.renderers.base import Options, Renderer

#: Every format, and the class that writes it.
_RENDERERS = {
    "terminal": "dynotrace.renderers.terminal:TerminalRenderer",
    "yaml": "dynotrace.renderers.data:YamlRenderer",
    "json": "dynotrace.renderers.data:JsonRenderer",
    "markdown": "dynotrace.renderers.markdown:MarkdownRenderer",
    "sarif": "dynotrace.renderers.sarif:SarifRenderer",
    "github": "dynotrace.renderers.github:GithubRenderer",
    "html": "dynotrace.renderers.html:HtmlRenderer",
    "perfetto": "dynotrace.renderers.perfetto:PerfettoRenderer",
}
FORMATS = tuple(_RENDERERS)
#: The formats a file's extension names.
_EXTENSIONS = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".md": "markdown",
    ".markdown": "markdown",
    ".sarif": "sarif",
    ".html": "html",
    ".htm": "html",
}


def renderer(fmt: str, options: Options | None = None) -> Renderer:
    """The renderer of format ``fmt``; ``UsageError`` for a format dynotrace does not know."""
    where = _RENDERERS.get(fmt)
    if where is None:
        raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    module, name = where.split(":")
    cls: type[Renderer] = getattr(importlib.import_module(module), name)
    return cls(options)


def format_for(path: str | None, fmt: str | None = None, *, default: str, among: tuple[str, ...] = FORMATS) -> str:
    """The format asked for, else the one ``path``'s extension names (of the formats
    ``among``), else ``default``."""
    if fmt:
        return fmt
    named = _EXTENSIONS.get(os.path.splitext(path or "")[1].lower())
    return named if named in among else default


__all__ = ["FORMATS", "Options", "Renderer", "format_for", "renderer"]
