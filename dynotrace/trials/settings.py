"""A candidate's changes as one release spells them: the environment a rerun gets, the
Python settings dynotrace applies in it (``capture/trial_config.py``), and the lines a user
applies by hand (the shell assignment and the Python lines).

Where torch reads an environment variable for a knob in the release, the rerun sets that
(process-wide, read at ``import torch``); otherwise dynotrace sets the Python value in the
rerun's process just before the script runs, as a line at the top of the script would.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from dynotrace.model.trials import Setting
from dynotrace.trials import knobs
from dynotrace.trials.candidates import Candidate, Change

Release = tuple[int, int]


@dataclass(frozen=True)
class Applied:
    """How a rerun applies a candidate: ``env`` to add to its environment, ``python`` the
    settings for ``DYNOTRACE_TRIAL_CONFIG``, ``imports`` to import before them, and the
    ``settings`` as the report shows them."""

    env: dict[str, str]
    python: tuple[dict[str, object], ...]
    imports: tuple[str, ...]
    settings: tuple[Setting, ...]

    def trial_config(self, result_path: str) -> str | None:
        """The ``DYNOTRACE_TRIAL_CONFIG`` value, or ``None`` when nothing is set in Python."""
        if not self.python and not self.imports:
            return None
        return json.dumps({"imports": list(self.imports), "settings": list(self.python), "result": result_path})


# A word that reads the same between double quotes: no $, `, \, " or ! in it.
_DOUBLE_QUOTABLE = re.compile(r'^[^$`\\"!]*$')


def shell_word(value: str) -> str:
    """``value`` quoted for a POSIX shell as a person writes it: ``"L['x']:0"`` rather
    than shlex's ``'L['"'"'x'"'"']:0'``; ``shlex.split`` reads both back the same."""
    quoted = shlex.quote(value)
    if quoted == value or "'" not in value or not _DOUBLE_QUOTABLE.match(value):
        return quoted
    return f'"{value}"'


def _is_set(knob: str) -> bool:
    return knobs.knob(knob).type.startswith("set[")


def apply(candidate: Candidate, release: Release) -> Applied:
    """How to apply ``candidate`` on ``release`` (every knob of it must exist there)."""
    env: dict[str, str] = {}
    python: list[dict[str, object]] = []
    settings: list[Setting] = []
    imports = tuple(f"import {m}" for m in candidate.imports)
    for change in candidate.changes:
        spelled = knobs.spelling(change.knob, release)
        module, attr = spelled.rsplit(".", 1)
        pair = None if _is_set(change.knob) else knobs.env_pair(change.knob, change.value, release)
        statements = imports + knobs.python_statements(change.knob, _python_value(change), release)
        if pair is not None:
            env[pair[0]] = pair[1]
            # Set by the environment; the rerun checks that torch read it as this value, and
            # that the script did not set it otherwise.
            python.append({"module": module, "attr": attr, "value": change.value, "check": True})
        elif _is_set(change.knob):
            python.append({"module": module, "attr": attr, "add": list(change.value)})  # type: ignore[call-overload]
        else:
            python.append({"module": module, "attr": attr, "value": change.value})
        settings.append(
            Setting(
                knob=knobs.knob(change.knob).name,
                value=repr(_python_value(change)),
                spelled=spelled,
                env=f"{pair[0]}={shell_word(pair[1])}" if pair is not None else None,
                python=tuple(dict.fromkeys(statements)),
                applied="env" if pair is not None else "python",
            )
        )
    return Applied(env, tuple(python), candidate.imports, tuple(settings))


def _python_value(change: Change) -> object:
    return list(change.value) if isinstance(change.value, tuple) else change.value


def combine(candidates: Iterable[Candidate]) -> Candidate | None:
    """Every candidate's changes together, as one candidate: entries of the same
    ``*_sources`` knob joined into one list, names added to the same set joined; ``None``
    when two candidates set one knob to values that cannot be joined."""
    values: dict[str, object] = {}
    imports: list[str] = []
    names: list[str] = []
    for candidate in candidates:
        names.append(candidate.name)
        imports.extend(m for m in candidate.imports if m not in imports)
        for change in candidate.changes:
            if change.knob not in values:
                values[change.knob] = change.value
                continue
            joined = _join(values[change.knob], change.value)
            if joined is None:
                return None
            values[change.knob] = joined
    if len(names) < 2:
        return None
    _unbacked_wins(values)
    return Candidate(
        "combined",
        tuple(Change(k, v) for k, v in values.items()),
        "Every fix that was verified on its own, together: " + ", ".join(dict.fromkeys(names)) + ".",
        role="combined",
        imports=tuple(imports),
    )


_DYNAMIC, _UNBACKED = "torch.compiler.config.dynamic_sources", "torch.compiler.config.unbacked_sources"


def _unbacked_wins(values: dict[str, object]) -> None:
    """A source in both ``dynamic_sources`` and ``unbacked_sources`` stays unbacked only:
    unbacked covers every size, 0 and 1 too, and which of the two a release lets win when
    both name one source differs (2.15 keeps it backed, so a size of 1 recompiles again)."""
    dynamic, unbacked = values.get(_DYNAMIC), values.get(_UNBACKED)
    if not isinstance(dynamic, str) or not isinstance(unbacked, str):
        return
    names = {entry.split(":")[0] for entry in unbacked.split(",")}
    kept = [entry for entry in dynamic.split(",") if entry.split(":")[0] not in names]
    if kept:
        values[_DYNAMIC] = ",".join(kept)
    else:
        del values[_DYNAMIC]


def _join(a: object, b: object) -> object | None:
    if a == b:
        return a
    if isinstance(a, tuple) and isinstance(b, tuple):
        return tuple(dict.fromkeys(a + b))
    if isinstance(a, str) and isinstance(b, str):
        return ",".join(dict.fromkeys(a.split(",") + b.split(",")))
    return None
