"""Verified fixes: what rerunning a script with each candidate fix changed.

``dynotrace explain --try-fixes`` reruns the script once with no change (the baseline) and
once per candidate fix, each in a fresh process with a cold compile cache, and compares
each rerun's counts with the baseline's. Each rerun is a capture like any other: its
counts are those of its own report, which equal torch's own counts for that run.

Frozen dataclasses, as the rest of the model; ``Report.trials`` holds them and the report
file's ``trials`` section is them as plain data (``dynotrace.model.schema``). They import
nothing of the model but themselves, so ``report.py`` can hold them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dynotrace.model.location import Location

#: What a trial showed, as the report file spells it:
#:
#: * ``verified``: the finding it addresses cost fewer compiles or graph breaks, the total
#:   of graph breaks, recompiles, recompile-limit hits and failed compiles went down, none
#:   of them went up, and the script exited as before;
#: * ``no_effect``: nothing got better (the new problems it caused, if any, are listed);
#: * ``worse``: one of those counts went up, whatever else went down;
#: * ``failed``: the rerun did not finish (it crashed, hung past its timeout, or the setting
#:   could not be applied), or the script failed where the baseline did not;
#: * ``diagnostic``: a setting that is never a fix (a larger recompile limit), run to show
#:   what the program would do without the limit;
#: * ``unavailable``: the run's torch release lacks the setting (``note`` names the release
#:   that added it); never tried;
#: * ``not_tried``: left out by the budget (``--max-trials``, the time limit), by an
#:   interruption, or because an earlier candidate for the same finding was verified.
Verdict = Literal["verified", "no_effect", "worse", "failed", "diagnostic", "unavailable", "not_tried"]
#: The verdicts of trials that ran.
RAN = ("verified", "no_effect", "worse", "failed", "diagnostic")
#: How a rerun ended: its report was written (``ok``, whatever the script's exit code),
#: or not because it hung (``timeout``), was stopped (``interrupted``) or died
#: (``crashed``), or the setting could not be applied (``not_applied``).
RunStatus = Literal["ok", "timeout", "interrupted", "crashed", "not_applied"]
#: The counts a trial compares, in the order the panel and the file list them.
TRIAL_COUNTS = ("compiles", "graphs", "graph_breaks", "recompiles", "recompile_limit_hits", "failed_compiles", "guards")
#: The counts whose total a fix must bring down (and none of which it may raise).
PROBLEM_COUNTS = ("graph_breaks", "recompiles", "recompile_limit_hits", "failed_compiles")


@dataclass(frozen=True)
class TrialFinding:
    """A finding of the report, as the trials name it: its kind (``graph_break``,
    ``recompile``, ``recompile_limit``), its title in the report's words, the function,
    where it is, and ``key``, what identifies it in another run's report."""

    kind: Literal["graph_break", "recompile", "recompile_limit"]
    title: str
    function: str
    site: Location | None
    key: str
    #: Compiles (recompiles, graph-broken compiles, refused attempts) it cost in the report.
    count: int = 0


@dataclass(frozen=True)
class Setting:
    """One configuration change, as the run's torch release spells it.

    ``value`` is the Python literal; ``env`` the shell assignment where torch reads an
    environment variable for it in that release (``None`` where it reads none); ``python``
    the lines that set it in the script, after ``import torch``; ``applied`` how the rerun
    set it (``env``: in its environment; ``python``: by dynotrace, in the rerun's process
    just before the script ran, as those lines at the top of the script would).
    """

    knob: str
    value: str
    spelled: str
    env: str | None
    python: tuple[str, ...]
    applied: Literal["env", "python"]


@dataclass(frozen=True)
class TrialCounts:
    """What a rerun's report counted (each equals torch's own count for that run)."""

    compiles: int
    graphs: int
    graph_breaks: int
    recompiles: int
    recompile_limit_hits: int
    failed_compiles: int
    guards: int

    def get(self, name: str) -> int:
        return int(getattr(self, name))

    @property
    def problems(self) -> int:
        """Graph breaks, recompiles, recompile-limit hits and failed compiles together."""
        return sum(self.get(name) for name in PROBLEM_COUNTS)


@dataclass(frozen=True)
class Measurement:
    """One rerun: how it ended, the script's exit code, its counts, and its times (which,
    like a report's ``timing``, differ from run to run)."""

    status: RunStatus
    exit_code: int | None = None
    counts: TrialCounts | None = None
    #: Seconds Dynamo and the backend spent compiling, from a cold cache.
    compile_s: float | None = None
    #: Seconds the rerun took, start to end.
    wall_s: float = 0.0
    #: Why it did not finish, or the script's error: one line.
    message: str = ""
    #: The rerun's directory within the trials directory (its output log and report).
    directory: str = ""


@dataclass(frozen=True)
class Target:
    """A finding a trial addresses, and what it cost in the baseline rerun and in the trial
    (``None`` when the trial did not run)."""

    finding: TrialFinding
    before: int | None = None
    after: int | None = None


@dataclass(frozen=True)
class Trial:
    """One candidate fix, and what rerunning the script with it changed."""

    #: A short name, unique among the trials (``capture_scalar_outputs``, ``dynamic_sources``).
    name: str
    #: ``fix``; ``diagnostic`` (never a fix: a larger recompile limit); ``combined`` (every
    #: fix that was verified, together).
    role: Literal["fix", "diagnostic", "combined"]
    targets: tuple[Target, ...]
    settings: tuple[Setting, ...]
    #: What the change does, in a sentence.
    summary: str
    #: The same change written in the user's code where there is one (a call at their
    #: line), not run by the trial.
    code: str = ""
    #: What else the change does to the program (a print that runs after the graph).
    caveat: str = ""
    verdict: Verdict = "not_tried"
    result: Measurement | None = None
    #: What the trial made worse or new: a graph break, a recompile, a failed compile, an error.
    problems: tuple[str, ...] = ()
    #: Why it was not tried, or what to know about its result (a setting the script overrode).
    note: str = ""

    @property
    def ran(self) -> bool:
        return self.verdict in RAN


@dataclass(frozen=True)
class CodeChange:
    """A finding no setting can address: it needs a change of the code. ``fix`` is the
    report's own suggestion, which no trial verified."""

    finding: TrialFinding
    fix: str = ""


@dataclass(frozen=True)
class Trials:
    """Every trial of one ``--try-fixes`` run.

    ``release`` is the torch release the settings are spelled for; ``command`` how each
    rerun ran the script (``python train.py --epochs 1``); ``baseline`` the rerun with no
    change that every trial is compared with.
    """

    release: str
    command: str
    baseline: Measurement | None = None
    trials: tuple[Trial, ...] = ()
    code_changes: tuple[CodeChange, ...] = ()
    #: Ctrl-C or SIGTERM stopped the trials: those that finished are kept.
    interrupted: bool = False
    #: What stopped them: ``SIGINT`` (Ctrl-C) or ``SIGTERM``; empty when nothing did.
    stopped_by: str = ""
    notes: tuple[str, ...] = ()

    def verdicts(self) -> dict[str, int]:
        """How many trials got each verdict, in the order of ``Verdict``."""
        order = ("verified", "no_effect", "worse", "failed", "diagnostic", "unavailable", "not_tried")
        found = {v: sum(1 for t in self.trials if t.verdict == v) for v in order}
        return {v: n for v, n in found.items() if n}
