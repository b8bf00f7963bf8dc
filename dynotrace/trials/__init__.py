"""Verified fixes (``dynotrace explain --try-fixes``): rerun a script once per candidate
fix, each in a fresh process, and measure what it changed.

* ``knobs``: every torch.compile configuration knob a fix may set, per release 2.6-2.15:
  its name and renames, default, environment variables and their value syntax (read from
  each release's sources, with citations).
* ``candidates``: the one table from a finding's data (graph-break id, cause category,
  guard kind, source) to the knobs that can address it, spelled for the run's release.
* ``sources``: torch's own name of a guarded value (``L['x']``, ``L['self'].factor``),
  read from the guard tree, as the ``*_sources`` knobs need it.
* ``runner``: one rerun, ``python -m dynotrace explain ... -o trial.json -q`` in a new
  process group, with the fix in its environment, a cold compile cache, its output in a
  log, a timeout, and the whole group killed when it must stop.
* ``verdict``: a rerun against the baseline rerun: counts before and after, the new
  problems it caused, and verified / no effect / worse / failed.
* ``session``: the baseline, then the candidates within the budget, then every fix that
  helped combined; Ctrl-C and SIGTERM keep what finished.

What the knob table relies on (its research notes, in short): torch reads its environment
variables once, at ``import torch``; a script's own assignment beats every variable that is
not a "force" one; Python assignments are per thread from 2.12; source names for
``TORCH_COMPILE_DYNAMIC_SOURCES`` and its kin must be written as torch writes them
internally (``L['x']``), matched exactly in 2.7 and as exact-or-regex from 2.8, with a
``:N`` dimension suffix from 2.13; ``mark_unbacked``'s third positional argument changed
meaning in 2.10; ``TORCH_COMPILE_DYNAMIC_VALUES=1`` crashes compilation (write ``1,``).

This package runs no torch itself: the reruns do, in their own processes.
"""
