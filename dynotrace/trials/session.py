"""The trials of one ``--try-fixes`` run: the baseline rerun, the candidates within the
budget, then every fix that was verified, together.

Order: candidates are tried round by round, the first candidate of each finding (in the
order of the report's "Fix first") before the second of any, so a small ``--max-trials``
still gives most findings a trial; a finding that already has a verified fix gets no more;
diagnostics (a larger recompile limit) come last. A candidate that addresses several
findings (one ``dynamic_sources`` list, ``dynamic=True``-like defaults) is one trial.

Ctrl-C and SIGTERM stop the rerun in progress (its whole process group) and end the
trials: those that finished are kept, the rest are ``not_tried``.
"""

from __future__ import annotations

import shlex
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from dynotrace.capture.live import torch_version
from dynotrace.model import Report
from dynotrace.model.trials import Measurement, Setting, Target, Trial, TrialFinding, Trials
from dynotrace.releases import release_of
from dynotrace.trials import knobs
from dynotrace.trials.candidates import Candidate, Planned, plan, trial_finding
from dynotrace.trials.runner import Outcome, Rerun, counts, run
from dynotrace.trials.settings import apply, combine
from dynotrace.trials.verdict import judge, new_problems, targets

Release = tuple[int, int]

#: Reruns (besides the baseline) when nothing says how many.
DEFAULT_MAX_TRIALS = 8
#: A rerun may take this many times as long as the run it repeats before it counts as hung
#: (and at least ``MIN_TIMEOUT_S``): compiling from a cold cache is slower than from a warm one.
TIMEOUT_FACTOR = 5.0
MIN_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Budget:
    """How much the trials may do: ``max_trials`` reruns besides the baseline, each at most
    ``trial_timeout`` seconds (default: ``TIMEOUT_FACTOR`` times the baseline's time, at least
    ``MIN_TIMEOUT_S``), all together at most ``time_limit`` seconds (default: no limit)."""

    max_trials: int = DEFAULT_MAX_TRIALS
    trial_timeout: float | None = None
    time_limit: float | None = None


class Progress:
    """Told of each rerun as it starts and ends (the CLI prints a line per rerun)."""

    def start(self, index: int, total: int, label: str) -> None:
        pass

    def done(self, verdict: str, seconds: float) -> None:
        pass

    def note(self, text: str) -> None:
        pass


@dataclass
class _Slot:
    """A candidate to try and the findings it addresses."""

    candidate: Candidate
    findings: list[TrialFinding] = field(default_factory=list)
    trial: Trial | None = None


def release_for(report: Report | None) -> tuple[Release | None, str, list[str]]:
    """The release the candidates are spelled for, its name, and what to note about it."""
    version = (report.run.torch_version if report is not None else None) or torch_version()
    minor = release_of(version).minor
    notes: list[str] = []
    if minor is None:
        return None, version or "unknown", ["torch's release is not known: no fix can be spelled for it."]
    if minor < knobs.FIRST:
        return None, version or "", [f"torch {version} is older than 2.6, the oldest release the knob table covers: no fix was tried."]
    if minor > knobs.LAST:
        notes.append(f"torch {version} is newer than 2.15: its settings are spelled as in 2.15, the newest release the knob table covers.")
        minor = knobs.LAST
    return minor, version or "", notes


def shown_command(rerun: Rerun) -> str:
    """How a rerun runs the target, as the user would type it under plain python."""
    return shlex.join(["python", *(["-m"] if rerun.module else []), *rerun.args])


def try_fixes(
    rerun: Rerun,
    *,
    report: Report | None = None,
    budget: Budget | None = None,
    directory: Path | None = None,
    progress: Progress | None = None,
) -> Trials:
    """Rerun the target once with no change and once per candidate fix for the findings of
    ``report`` (of the baseline rerun when ``None``), within ``budget``, each in its own
    directory under ``directory`` (a new temporary one by default, kept: each rerun's
    output log and report are there). Returns every trial, those not tried included."""
    budget = budget or Budget()
    progress = progress or Progress()
    release, version, notes = release_for(report)
    command = shown_command(rerun)
    if rerun.backend:
        notes.append(
            f"Each rerun ran with --backend {rerun.backend}, as the first run did; the lines shown run the "
            "script with its own backend."
        )
    if release is None:
        return Trials(release=version, command=command, notes=tuple(notes))
    if report is not None:
        planned, code_changes = plan(report, release)
        if not _slots(planned):
            # Nothing a setting of this release can address: no rerun is needed.
            notes.append("No finding of this run is one a setting of this torch release can address: nothing was rerun.")
            return Trials(
                version, command, trials=tuple(_unavailable(planned, release)), code_changes=tuple(code_changes),
                notes=tuple(notes),
            )
    # Absolute: each rerun's cache directory must not move when the script changes directory.
    root = (directory or Path(tempfile.mkdtemp(prefix="dynotrace-trials-"))).resolve()
    root.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    reference = report.timing.get("wall_s") if report is not None else None
    state = _State(rerun, release, root, budget, progress)
    progress.note(f"output of each rerun in {root}")
    try:
        baseline = state.baseline(_timeout(budget, reference))
    except (KeyboardInterrupt, SystemExit) as exc:
        return Trials(version, command, interrupted=True, stopped_by=_signal(exc), notes=tuple(notes))
    if baseline.report is None or baseline.measurement.status != "ok":
        notes.append(f"The baseline rerun (no change) did not finish ({baseline.measurement.message}): nothing to compare with.")
        planned, code_changes = plan(report, release) if report is not None else ([], [])
        slots = _slots(planned)
        return Trials(
            version, command, baseline.measurement,
            tuple(_not_tried(s, "the baseline rerun failed") for s in slots),
            tuple(code_changes), notes=tuple(notes),
        )
    subject = report or baseline.report
    if report is not None and counts(report) != baseline.measurement.counts:
        notes.append(
            "The rerun with no change counted differently from the first run: the script does not compile the "
            "same way every run. Each trial is compared with that rerun, not with the first run."
        )
    planned, code_changes = plan(subject, release)
    slots = _slots(planned)
    unavailable = _unavailable(planned, release)
    timeout = _timeout(budget, baseline.measurement.wall_s)
    state.run_slots(slots, baseline, timeout, started)
    combined = state.combined(slots, baseline, timeout, started)
    trials = [s.trial for s in slots if s.trial is not None] + ([combined] if combined else []) + unavailable
    return Trials(
        release=version,
        command=command,
        baseline=baseline.measurement,
        trials=tuple(trials),
        code_changes=tuple(code_changes),
        interrupted=state.stopped_by != "",
        stopped_by=state.stopped_by,
        notes=tuple(notes),
    )


def _timeout(budget: Budget, reference: float | None) -> float | None:
    if budget.trial_timeout is not None:
        return budget.trial_timeout
    if reference is None:
        return None
    return max(MIN_TIMEOUT_S, TIMEOUT_FACTOR * reference)


def _signal(exc: BaseException) -> str:
    return "SIGINT" if isinstance(exc, KeyboardInterrupt) else "SIGTERM"


def _slots(planned: list[Planned]) -> list[_Slot]:
    """The candidates to try, in the order they are tried (see the module's docstring)."""
    by_identity: dict[tuple[object, ...], _Slot] = {}
    fixes: list[_Slot] = []
    diagnostics: list[_Slot] = []
    depth = max((len(p.candidates) for p in planned), default=0)
    for r in range(depth):
        for entry in planned:
            if r >= len(entry.candidates):
                continue
            candidate = entry.candidates[r]
            slot = by_identity.get(candidate.identity)
            if slot is None:
                slot = by_identity[candidate.identity] = _Slot(candidate)
                (diagnostics if candidate.role == "diagnostic" else fixes).append(slot)
            slot.findings.append(trial_finding(entry.finding))
    return fixes + diagnostics


def _unavailable(planned: list[Planned], release: Release) -> list[Trial]:
    found: dict[tuple[object, ...], Trial] = {}
    for entry in planned:
        for candidate, why in entry.unavailable:
            old = found.get(candidate.identity)
            target = Target(trial_finding(entry.finding))
            if old is not None:
                found[candidate.identity] = replace(old, targets=old.targets + (target,))
                continue
            found[candidate.identity] = Trial(
                name=candidate.name,
                role=candidate.role,  # type: ignore[arg-type]
                targets=(target,),
                settings=(),
                summary=candidate.summary,
                code=candidate.code,
                caveat=candidate.caveat,
                verdict="unavailable",
                note=f"not tried: {why}; this run's torch is {release[0]}.{release[1]}",
            )
    return list(found.values())


def _not_tried(slot: _Slot, why: str) -> Trial:
    return Trial(
        name=slot.candidate.name,
        role=slot.candidate.role,  # type: ignore[arg-type]
        targets=tuple(Target(f) for f in slot.findings),
        settings=(),
        summary=slot.candidate.summary,
        code=slot.candidate.code,
        caveat=slot.candidate.caveat,
        verdict="not_tried",
        note=f"not tried: {why}",
    )


class _State:
    def __init__(self, rerun: Rerun, release: Release, root: Path, budget: Budget, progress: Progress) -> None:
        self.rerun = rerun
        self.release = release
        self.root = root
        self.budget = budget
        self.progress = progress
        self.index = 0
        self.stopped_by = ""

    def baseline(self, timeout: float | None) -> Outcome:
        self.progress.start(0, 0, "baseline: the script again, with no change")
        outcome = run(self.rerun, directory=self.root / "00-baseline", name="baseline", release=self.release, timeout=timeout)
        self.progress.done("ran" if outcome.measurement.status == "ok" else outcome.measurement.status, outcome.measurement.wall_s)
        return outcome

    def _why_not(self, started: float, estimate: float) -> str | None:
        if self.stopped_by:
            return f"the trials were interrupted ({self.stopped_by})"
        if self.index >= self.budget.max_trials:
            return f"the budget of {self.budget.max_trials} reruns (--max-trials) was spent"
        limit = self.budget.time_limit
        if limit is not None and time.monotonic() - started + estimate > limit:
            return f"the time limit of {limit:.0f} s (--trials-time) would be passed"
        return None

    def run_slots(self, slots: list[_Slot], baseline: Outcome, timeout: float | None, started: float) -> None:
        verified: set[str] = set()
        total = min(len(slots), self.budget.max_trials)
        for slot in slots:
            if all(f.key in verified for f in slot.findings):
                slot.trial = _not_tried(slot, "an earlier candidate for the same finding was verified")
                continue
            why = self._why_not(started, baseline.measurement.wall_s)
            if why is not None:
                slot.trial = _not_tried(slot, why)
                continue
            slot.trial = self._try(slot.candidate, slot.findings, baseline, timeout, total)
            if slot.trial.verdict == "verified":
                verified.update(t.finding.key for t in slot.trial.targets if t.after is not None and t.before is not None and t.after < t.before)

    def combined(self, slots: list[_Slot], baseline: Outcome, timeout: float | None, started: float) -> Trial | None:
        good = [s for s in slots if s.trial is not None and s.trial.verdict == "verified" and s.candidate.role == "fix"]
        candidate = combine(s.candidate for s in good)
        if candidate is None:
            return None
        findings = list(dict.fromkeys(f for s in good for f in s.findings))
        why = self._why_not(started, baseline.measurement.wall_s)
        if why is not None:
            return _not_tried(_Slot(candidate, findings), why)
        return self._try(candidate, findings, baseline, timeout, self.index + 1)

    def _try(self, candidate: Candidate, findings: list[TrialFinding], baseline: Outcome, timeout: float | None, total: int) -> Trial:
        self.index += 1
        applied = apply(candidate, self.release)
        trial = Trial(
            name=candidate.name,
            role=candidate.role,  # type: ignore[arg-type]
            targets=tuple(Target(f) for f in findings),
            settings=applied.settings,
            summary=candidate.summary,
            code=candidate.code,
            caveat=candidate.caveat,
        )
        self.progress.start(self.index, max(total, self.index), f"{candidate.name} ({_for(findings)})")
        try:
            outcome = run(
                self.rerun,
                directory=self.root / f"{self.index:02d}-{candidate.name}",
                name=candidate.name,
                release=self.release,
                applied=applied,
                timeout=timeout,
            )
        except (KeyboardInterrupt, SystemExit) as exc:
            self.stopped_by = _signal(exc)
            self.progress.done("interrupted", 0.0)
            return replace(trial, note=f"not tried: the trials were interrupted ({self.stopped_by}) while it ran")
        trial = self._judged(trial, outcome, baseline)
        self.progress.done(trial.verdict, outcome.measurement.wall_s)
        return trial

    def _judged(self, trial: Trial, outcome: Outcome, baseline: Outcome) -> Trial:
        found = targets((t.finding for t in trial.targets), baseline.report, outcome.report)
        problems = new_problems(baseline.report, outcome.report) if baseline.report and outcome.report else []
        verdict, problems = judge(trial.role, baseline.measurement, outcome.measurement, found, problems)
        note = _overridden(trial.settings, outcome.held)
        if note:
            verdict = "failed"
        elif outcome.measurement.status != "ok":
            note = outcome.measurement.message
        return replace(trial, targets=found, verdict=verdict, result=outcome.measurement, problems=tuple(problems), note=note)


def _for(findings: list[TrialFinding]) -> str:
    first = findings[0]
    more = f" and {len(findings) - 1} more" if len(findings) > 1 else ""
    where = f" at {first.site}" if first.site else ""
    return f"{first.title}{where}{more}"


def _overridden(settings: tuple[Setting, ...], held: dict[str, object] | None) -> str:
    """What the script did to the trial's settings: set them itself, so the trial measured
    the script's values. Empty when every setting held."""
    entries = held.get("settings") if held else None
    if not isinstance(entries, list):
        return ""
    lost = [s for s in entries if isinstance(s, dict) and not s.get("held", True)]
    if not lost:
        return ""
    said = ", ".join(f"{s['module']}.{s['attr']} (it was {s['now']} when the script ended)" for s in lost)
    return (
        f"the script sets {said} itself, over the trial's value: the trial measured the script's setting, "
        "not the fix. Apply the fix where the script sets it."
    )


__all__ = ["Budget", "DEFAULT_MAX_TRIALS", "Measurement", "Progress", "Rerun", "try_fixes"]
