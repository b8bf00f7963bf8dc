"""The picture of a run: its compiles over time, one row per function (an inline SVG).

Each compile is a bar from its start for as long as it compiled (from its own metrics),
coloured by what it was: a first compile, a recompile by the cause of its recompile, a
failed compile, a recompile-limit hit; a graph break is a mark on the compile it split.
Each bar links to the compile's section (``#0/2``). A report without compile times (a
report file written before schema 3) lays the compiles out one after the other.
"""

from __future__ import annotations

from html import escape

from dynotrace.analysis.findings import CATEGORY_LABELS
from dynotrace.model import Compile, Report
from dynotrace.renderers import words

#: Colours of the causes of recompiles (the categories of ``analysis.causes``).
CAUSE_COLOURS = {
    "tensor_shape": "#e4a11b",
    "shape_constraint": "#c9782a",
    "dtype": "#8e5ad6",
    "device": "#5b7fd6",
    "requires_grad": "#2a9db0",
    "stride": "#4caf9a",
    "scalar_value": "#d65b8e",
    "object_identity": "#b0552a",
    "type_changed": "#7a8f2a",
    "container": "#2a7ab0",
    "global_variable": "#a0522d",
    "module_attribute": "#6d6dd6",
    "training_flag": "#d6a05b",
    "global_state": "#9a6a3a",
    "dynamic_marking": "#3aa06a",
    "tensor_aliasing": "#a03a8a",
    "cow_tensor": "#6a8aa0",
    "current_stream": "#5a5a8a",
    "other": "#8a8a8a",
}
KIND_COLOURS = {"compile": "#2e9e58", "failed": "#c0262d", "limit": "#7a0f14"}
GRAPH_BREAK = "graph break"

ROW = 20
LABEL = 230
PLOT = 900
TOP = 22


def compile_colour(c: Compile) -> tuple[str, str]:
    """A compile's colour and what it stands for."""
    _, sort = words.compile_status(c)
    if sort == "recompile":
        category = c.guard_failures[0].category if c.guard_failures else "other"
        return CAUSE_COLOURS.get(category, CAUSE_COLOURS["other"]), CATEGORY_LABELS.get(category, category)
    return KIND_COLOURS[sort], {"compile": "first compile", "failed": "failed compile", "limit": "recompile limit hit"}[sort]


def _tooltip(c: Compile) -> str:
    label, _ = words.compile_status(c)
    text = f"{c.compile_id} {label}"
    if c.guard_failures:
        f = c.guard_failures[0]
        text += f": {words.failure_label(f)}" + (f" {f.source}" if f.source else "")
        change = words.failure_change(f)
        if change:
            text += f" ({change})"
    if c.time is not None and c.time.total_s is not None:
        text += f" · {words.seconds(c.time.total_s)}"
        spent = words.compile_time_line(c)
        if spent:
            text += f"\n{spent}"
    for gb in c.graph_breaks:
        text += f"\n{GRAPH_BREAK}: {gb.gb_type}" + (f" at {gb.location}" if gb.location else "")
    return text


def timeline_svg(report: Report, anchors: dict[int, str]) -> str:
    """The SVG and its legend. ``anchors`` maps each compile's index in ``report.compiles``
    to its section's id."""
    functions = list(report.functions)
    if not functions:
        return ""
    compiles = report.compiles
    timed = all(c.time is not None and c.time.start_s is not None and c.time.total_s is not None for c in compiles)
    if timed:
        spans = [(c.time.start_s or 0.0, (c.time.total_s or 0.0)) for c in compiles]  # type: ignore[union-attr]
        end = max((s + d for s, d in spans), default=0.0) or 1.0
    else:
        spans = [(float(i), 1.0) for i in range(len(compiles))]
        end = float(len(compiles)) or 1.0
    scale = PLOT / end
    height = TOP + ROW * len(functions) + 8
    out = [
        f'<svg class="timeline" viewBox="0 0 {LABEL + PLOT + 12} {height}" role="img" '
        f'aria-label="compiles over time, one row per function">'
    ]
    # Axis: seconds from the first compile's start (or compile order).
    for i in range(6):
        x = LABEL + PLOT * i / 5
        value = end * i / 5
        tick = words.seconds(value) if timed else f"#{int(value)}"
        out.append(f'<line class="axis" x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{height - 6}"/>')
        anchor = "end" if i == 5 else "middle"
        out.append(f'<text class="tick" x="{x:.1f}" y="{TOP - 8}" text-anchor="{anchor}">{escape(tick)}</text>')
    index = 0
    used: dict[str, str] = {}
    for row, f in enumerate(functions):
        y = TOP + row * ROW
        if row % 2 == 0:
            out.append(f'<rect class="rowbg" x="0" y="{y}" width="{LABEL + PLOT + 12}" height="{ROW}"/>')
        name = words.short(f.display_name, 30)
        out.append(
            f'<text x="4" y="{y + 14}"><title>{escape(f.display_name)} {escape(f.file)}:{f.first_line}</title>'
            f"{escape(name)}</text>"
        )
        for c in f.compiles:
            start, duration = spans[index]
            colour, meaning = compile_colour(c)
            used.setdefault(meaning, colour)
            x = LABEL + start * scale
            w = max(duration * scale, 3.0)
            anchor = anchors.get(index, c.compile_id)
            out.append(
                f'<a href="#{escape(anchor)}"><rect class="c" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{ROW - 6}" '
                f'fill="{colour}"><title>{escape(_tooltip(c))}</title></rect></a>'
            )
            for n, gb in enumerate(c.graph_breaks[:3]):
                mx = x + 4 + 8 * n
                out.append(
                    f'<path class="gbm" d="M{mx:.1f},{y + 1} l5,9 l-10,0 z"><title>{GRAPH_BREAK}: {escape(gb.gb_type)}</title></path>'
                )
            index += 1
    out.append("</svg>")
    legend = ['<div class="legend">']
    for meaning, colour in used.items():
        legend.append(f'<span class="sw" style="background:{colour}"></span>{escape(meaning)}')
    if any(c.graph_breaks for c in compiles):
        legend.append(f'<span class="sw" style="background:var(--red);border-radius:0"></span>&#9650; {GRAPH_BREAK}')
    legend.append(
        "<span class=\"dim\" style=\"margin-left:16px\">"
        + ("seconds from the first compile's start" if timed else "compiles in order (this report has no compile times)")
        + "</span></div>"
    )
    return "".join(out) + "".join(legend)
