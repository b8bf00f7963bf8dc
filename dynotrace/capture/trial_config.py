"""The Python settings of a ``--try-fixes`` rerun, applied just before the script runs.

Torch reads some knobs from environment variables (at ``import torch``); a trial sets those
in the rerun's environment. The others exist only as Python settings
(``torch._dynamo.config.allow_unspec_int_on_nn_module = True``), which a user writes at the
top of the script. A rerun gets them here instead: ``DYNOTRACE_TRIAL_CONFIG`` holds them as
JSON, and ``apply_trial_config`` sets them on the thread that then runs the script, right
before it runs, as those lines at the top of the script would (from torch 2.12 Python
settings are per thread: a thread the script starts does not see them, nor would it see the
user's own lines).

The JSON document::

    {"imports": ["transformers.modeling_utils"],          # modules to import first
     "settings": [{"module": "torch._dynamo.config", "attr": "recompile_limit", "value": 64},
                  {"module": "torch._dynamo.config", "attr": "reorderable_logging_functions",
                   "add": ["print"]},                      # dotted names added to a set
                  {"module": "torch._dynamo.config", "attr": "capture_scalar_outputs",
                   "value": true, "check": true}],         # set by its environment variable
     "result": "/tmp/.../applied.json"}                    # where to say what became of them

After the script, ``result`` says, per setting, whether it still held the value the trial
gave it: a script that sets the same knob itself overrides the trial's value (also one that
an environment variable set, unless torch reads it as a "force" variable), and the trial
must say so rather than report that the setting had no effect.
"""

from __future__ import annotations

import builtins
import importlib
import json
import os
from collections.abc import Callable
from typing import Any

from dynotrace.errors import UsageError

#: The environment variable a trial's Python settings come in.
TRIAL_CONFIG_ENV = "DYNOTRACE_TRIAL_CONFIG"


def resolve(name: str) -> Any:
    """The object a dotted name names (``print``, ``logging.Logger.warning``): a builtin,
    or the longest importable module prefix followed by attributes."""
    if "." not in name:
        return getattr(builtins, name)
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            value = getattr(value, attr)
        return value
    raise ImportError(f"cannot import any module of {name!r}")


def apply_trial_config() -> Callable[[], None] | None:
    """Apply the settings ``DYNOTRACE_TRIAL_CONFIG`` holds (``None`` when it is not set);
    returns what to call once the script has run. ``UsageError`` when a setting cannot be
    applied (the rerun then stops before the script runs, and says why)."""
    text = os.environ.get(TRIAL_CONFIG_ENV)
    if not text:
        return None
    spec = json.loads(text)
    result_path = spec.get("result")
    applied: list[tuple[dict[str, Any], Any, list[Any]]] = []
    try:
        for module in spec.get("imports", []):
            importlib.import_module(module)
        for setting in spec.get("settings", []):
            target = importlib.import_module(setting["module"])
            if setting.get("check"):
                # Set through its environment variable: only checked once the script has run.
                applied.append((setting, target, []))
            elif "add" in setting:
                objects = [resolve(name) for name in setting["add"]]
                getattr(target, setting["attr"]).update(objects)
                applied.append((setting, target, objects))
            else:
                setattr(target, setting["attr"], setting["value"])
                applied.append((setting, target, []))
    except Exception as exc:  # any failure to apply is the trial's, said in one line
        message = f"the trial's setting could not be applied: {type(exc).__name__}: {exc}"
        _write(result_path, {"error": message})
        raise UsageError(message) from None

    def finish() -> None:
        held = []
        for setting, target, objects in applied:
            now = getattr(target, setting["attr"])
            kept = all(o in now for o in objects) if "add" in setting else now == setting["value"]
            held.append({"module": setting["module"], "attr": setting["attr"], "held": bool(kept), "now": repr(now)})
        _write(result_path, {"settings": held})

    return finish


def _write(path: str | None, data: dict[str, Any]) -> None:
    if not path:
        return
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
