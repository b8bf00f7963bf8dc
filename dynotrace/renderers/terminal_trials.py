"""The "Verified fixes" panel: what ``--try-fixes`` found, for a person.

Per candidate: its verdict, the finding it addresses (and what that cost before -> after),
the lines that apply it (the shell form where torch reads an environment variable, the
Python form always, the equivalent call in code where there is one, marked as not run), its
measured effect before -> after, and the problems it caused. Then the findings no setting
can address, with the report's own fix, marked as not verified. Built from rich ``Text``,
never from markup strings.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.text import Text

from dynotrace.model.trials import Measurement, Setting, Trial, Trials
from dynotrace.renderers.base import Options
from dynotrace.renderers.console import trimmed

#: Each verdict in words, and its style.
VERDICTS = {
    "verified": ("verified", "bold green"),
    "no_effect": ("no effect", "bold"),
    "worse": ("made it worse", "bold red"),
    "failed": ("failed", "bold red"),
    "diagnostic": ("diagnostic", "bold cyan"),
    "unavailable": ("not in this release", "dim"),
    "not_tried": ("not tried", "dim"),
}
_COUNTS = (
    ("compiles", "compiles"),
    ("graphs", "graphs"),
    ("graph_breaks", "graph breaks"),
    ("recompiles", "recompiles"),
    ("recompile_limit_hits", "limit hits"),
    ("failed_compiles", "failed compiles"),
    ("guards", "guards"),
)
_KINDS = {"graph_break": "graph break", "recompile": "recompile", "recompile_limit": ""}
#: What a finding's cost counts, by its kind.
_COST = {"graph_break": "compiles split", "recompile": "recompiles", "recompile_limit": "limit hits"}


def _pad(renderable: RenderableType, indent: int) -> Padding:
    return Padding(renderable, (0, 0, 0, indent), expand=False)


def shell_line(settings: tuple[Setting, ...], command: str) -> str | None:
    """``VAR=value ... python script args``: the settings torch reads from the environment
    in front of the command; ``None`` when one of them has no environment variable."""
    if not settings or any(s.env is None for s in settings):
        return None
    return " ".join([*(s.env or "" for s in settings), command])


def python_lines(settings: tuple[Setting, ...]) -> list[str]:
    return list(dict.fromkeys(line for s in settings for line in s.python))


def _counts_line(before: Measurement, after: Measurement, timing: bool) -> Text:
    text = Text()
    b, a = before.counts, after.counts
    assert b is not None and a is not None
    for i, (name, words) in enumerate(_COUNTS):
        if name == "failed_compiles" and not (b.failed_compiles or a.failed_compiles):
            continue
        if i:
            text.append(" · ", style="dim")
        x, y = b.get(name), a.get(name)
        style = "" if x == y else ("green" if y < x else "yellow")
        if name == "compiles" or name == "graphs" or name == "guards":
            style = "" if x == y else "bold"
        text.append(f"{words} ")
        text.append(f"{x} -> {y}", style=style)
    if timing and before.compile_s is not None and after.compile_s is not None:
        text.append(" · ", style="dim")
        text.append(f"compile {before.compile_s:.2f}s -> {after.compile_s:.2f}s")
    return text


def _label(kind: str) -> str:
    word = _KINDS.get(kind, kind)
    return f"{word}: " if word else ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + 's'}"


def _trial_block(trial: Trial, trials: Trials, opts: Options) -> RenderableType:
    words, style = VERDICTS.get(trial.verdict, (trial.verdict, ""))
    head = Text()
    head.append(words, style=style)
    head.append("  ")
    head.append(trial.name, style="bold")
    if trial.role == "diagnostic":
        head.append("  (a diagnostic, not a fix)", style="dim")
    elif trial.role == "combined":
        head.append("  (every verified fix together)", style="dim")
    rows: list[RenderableType] = [head]
    for target in trial.targets:
        f = target.finding
        line = Text("for ", style="dim")
        line.append(f"{_label(f.kind)}{f.title}")
        line.append(f" at {f.site}" if f.site is not None else f" in {f.function}", style="cyan")
        if target.before is not None and target.after is not None:
            cost = f"  ({target.before} -> {target.after} {_COST.get(f.kind, '')})".replace(" )", ")")
            line.append(cost, style="green" if target.after < target.before else "")
        rows.append(_pad(line, 2))
    if not trial.ran:
        if trial.note:
            rows.append(_pad(Text(trial.note, style="dim"), 2))
        return Group(*rows)
    rows.append(_pad(Text(trial.summary), 2))
    shell = shell_line(trial.settings, trials.command)
    if shell:
        rows.append(_pad(_labelled("shell   ", [shell]), 2))
    rows.append(_pad(_labelled("python  ", python_lines(trial.settings)), 2))
    if trial.code:
        rows.append(_pad(_labelled("in code ", [trial.code + "  (the same change in code; not run)"]), 2))
    if trial.caveat:
        rows.append(_pad(Text(f"note: {trial.caveat}", style="dim"), 2))
    if trial.result is not None and trials.baseline is not None and trial.result.counts and trials.baseline.counts:
        effect = Text("effect  ", style="dim")
        effect.append_text(_counts_line(trials.baseline, trial.result, opts.timing))
        rows.append(_pad(effect, 2))
    if trial.problems:
        for problem in trial.problems:
            rows.append(_pad(Text(f"problem: {problem}", style="yellow"), 2))
    elif trial.verdict in ("verified", "no_effect"):
        rows.append(_pad(Text("new problems: none", style="dim"), 2))
    if trial.note:
        rows.append(_pad(Text(trial.note, style="red" if trial.verdict == "failed" else "dim"), 2))
    elif trial.result is not None and trial.result.message and trial.verdict == "failed":
        rows.append(_pad(Text(trial.result.message, style="red"), 2))
    return Group(*rows)


def _labelled(label: str, lines: list[str]) -> Text:
    text = Text(label, style="dim")
    for i, line in enumerate(lines):
        if i:
            text.append("\n" + " " * len(label))
        text.append(line, style="bold")
    return text


def _summary(trials: Trials) -> Text:
    text = Text()
    counted = trials.verdicts()
    ran = sum(n for v, n in counted.items() if v not in ("unavailable", "not_tried"))
    text.append(
        f"Each candidate ran as a rerun of `{trials.command}` in a fresh process with a cold compile cache, "
        "compared with a rerun with no change (before -> after)."
    )
    if trials.baseline is not None and trials.baseline.counts is not None:
        b = trials.baseline.counts
        text.append(
            f" The rerun with no change: {_plural(b.compiles, 'compile')}, {_plural(b.graph_breaks, 'graph break')}, "
            f"{_plural(b.recompiles, 'recompile')}."
        )
    parts = [f"{n} {VERDICTS[v][0]}" for v, n in counted.items()]
    text.append(f"\n{ran} tried" + (": " + ", ".join(parts) if parts else "") + ".", style="bold")
    return text


def trials_panel(trials: Trials, opts: Options | None = None) -> RenderableType:
    """The "Verified fixes" section of the terminal report."""
    opts = opts or Options()
    rows: list[RenderableType] = [Rule("verified fixes", style="dim"), _summary(trials)]
    if trials.interrupted:
        rows.append(Text(f"Interrupted ({trials.stopped_by}): the trials that finished are shown.", style="bold yellow"))
    for note in trials.notes:
        rows.append(Text(note, style="yellow"))
    order = ("verified", "diagnostic", "worse", "no_effect", "failed", "not_tried", "unavailable")
    ranked = sorted(trials.trials, key=lambda t: (t.role == "combined", order.index(t.verdict) if t.verdict in order else 99))
    for trial in ranked:
        rows.append(Text())
        rows.append(_trial_block(trial, trials, opts))
    if trials.code_changes:
        rows.append(Text())
        rows.append(Text("Needs a code change: no setting addresses these (the fix is the report's, not verified)", style="bold"))
        for change in trials.code_changes:
            f = change.finding
            line = Text("- ")
            line.append(f"{_label(f.kind)}{f.title}")
            line.append(f" at {f.site}" if f.site is not None else f" in {f.function}", style="cyan")
            rows.append(_pad(line, 2))
            if change.fix:
                rows.append(_pad(Text(change.fix, style="dim"), 4))
    return Group(*rows)


def render_trials(trials: Trials, file: TextIO | None = None, *, options: Options | None = None) -> None:
    """Print the "Verified fixes" panel alone (after the report, once the trials ran)."""
    opts = options or Options()
    with trimmed(file, width=opts.width, color=opts.color) as out:
        out.console.print(trials_panel(trials, opts))


__all__ = ["VERDICTS", "render_trials", "shell_line", "trials_panel"]
