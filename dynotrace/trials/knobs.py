"""Which torch.compile configuration knobs exist in torch 2.6 .. 2.15, under which
name, with which default, and which environment variables set them.

Standard library only; never imports torch. Everything here was read from the
released wheels' sources (torch/_dynamo/config.py, torch/compiler/config.py,
torch/_inductor/config.py, torch/_functorch/config.py,
torch/fx/experimental/_config.py, torch/utils/_config_module.py); every table
row carries per-release ``file:line`` citations. Releases read: 2.6.0, 2.7.1,
2.8.0, 2.9.1, 2.10.0, 2.11.0, 2.12.1, 2.13.0, 2.14.1, 2.15.0. A release is
named by its (major, minor) pair, e.g. ``(2, 13)``.

The table of knobs (``knobs.json``, beside this module) is generated (and checked against
the sources) by ``tests/knobs_tools/gen_table.py``; edit the spec there, not the file. The
release sources it was read from are kept in ``tests/fixtures/knobs/torch-sources-2.6-2.15.tar.xz``
(22 files x 10 releases); ``tests/test_knobs.py`` re-derives every row from them, and
``tests/knobs_tools/verify_installed.py`` checks the table against an installed torch.
The research notes behind it (how torch reads each env var, what each release changed)
are summarised in ``dynotrace/trials/__init__.py``.

How torch reads the environment (torch/utils/_config_module.py):

* Env vars are read ONCE, when the config module is imported (i.e. at
  ``import torch``). Setting ``os.environ`` afterwards has no effect, so a
  rerun must put them in the child process's environment.
* Plain knobs (``x = os.environ.get("NAME", d) == "1"``) only set the initial
  value; a later Python assignment in the user's script wins.
* ``Config(env_name_force=...)`` beats any Python assignment (even the user's);
  ``Config(env_name_default=...)`` loses to a Python assignment. Several names
  are tried left to right, the first that is set wins.
* ``Config`` env values: "1" -> True, "0" -> False; 2.6 ignores any other
  value; 2.7+ keeps any other value as a raw str (so "true" becomes the
  truthy string "true" and a str knob set to exactly "0"/"1" becomes a bool).
* From 2.12, Python assignments (``user_override``) live in a ContextVar: they
  are thread-local. A value assigned on the main thread is NOT seen by other
  threads (verified on 2.13.0). Env vars are process-wide.
* There is no generic ``TORCH_COMPILE_<KNOB>`` mapping: each env var name is
  spelled out per knob.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

Release = tuple[int, int]

RELEASES: tuple[Release, ...] = (
    (2, 6), (2, 7), (2, 8), (2, 9), (2, 10), (2, 11), (2, 12), (2, 13), (2, 14), (2, 15),
)
#: The exact wheel read for each release (all exact patches requested were on PyPI).
RELEASE_VERSIONS: dict[Release, str] = {
    (2, 6): "2.6.0", (2, 7): "2.7.1", (2, 8): "2.8.0", (2, 9): "2.9.1", (2, 10): "2.10.0",
    (2, 11): "2.11.0", (2, 12): "2.12.1", (2, 13): "2.13.0", (2, 14): "2.14.1", (2, 15): "2.15.0",
}
FIRST, LAST = RELEASES[0], RELEASES[-1]

#: How an env var's string is turned into the knob's value (see EnvVar.mechanism).
MECHANISMS: dict[str, str] = {
    "eq1": 'read at import as os.environ.get(NAME, d) == "1": "1" -> True, any other value -> False, unset -> default',
    "nonempty": "read at import as bool(os.environ.get(NAME, False)): any non-empty value (even \"0\") -> True, empty/unset -> False",
    "raw": "read at import as the raw string os.environ.get(NAME, default)",
    "raw_truthy": "read at import as the raw string os.environ.get(NAME, False); used for its truthiness, so \"0\" is truthy",
    "tristate": 'read at import by get_tristate_env: "1" -> True, "0" -> False, anything else/unset -> None',
    "config_force": 'Config(env_name_force=...): "1" -> True, "0" -> False, other strings kept raw (2.7+); beats Python assignment',
    "config_default": 'Config(env_name_default=...): "1" -> True, "0" -> False, other strings kept raw (2.7+); a Python assignment beats it',
}


class KnobUnavailable(ValueError):
    """The knob does not exist in the requested release."""


class _Span:
    """What holds in releases ``since``..``until`` (inclusive; ``until`` None: still in the
    newest); each subclass declares the two fields where its rows give them."""

    since: Release
    until: Release | None

    def covers(self, release: Release) -> bool:
        return release >= self.since and (self.until is None or release <= self.until)


@dataclass(frozen=True)
class Spelling(_Span):
    """A qualified attribute name valid for releases ``since``..``until`` (inclusive; None = still in 2.15)."""

    qualified: str
    since: Release
    until: Release | None = None

    @property
    def module(self) -> str:
        return self.qualified.rsplit(".", 1)[0]

    @property
    def attr(self) -> str:
        return self.qualified.rsplit(".", 1)[1]


@dataclass(frozen=True)
class EnvVar(_Span):
    """An environment variable torch reads for a knob in releases ``since``..``until``."""

    name: str
    since: Release
    until: Release | None
    mechanism: str  # key of MECHANISMS
    cite: str  # file:line (release) of the first release with this behaviour

    @property
    def syntax(self) -> str:
        return MECHANISMS[self.mechanism]


@dataclass(frozen=True)
class DefaultValue:
    """Default (empty environment, OSS build) from release ``since`` until the next entry."""

    since: Release
    value: object  # sets are given as frozenset
    cite: str


@dataclass(frozen=True)
class Knob:
    name: str  # canonical qualified name (the 2.15 spelling)
    type: str
    purpose: str  # recompiles | graph_breaks | guards | cache | debug
    summary: str
    spellings: tuple[Spelling, ...]  # the knob's own name per release (renames/moves)
    defaults: tuple[DefaultValue, ...]
    env: tuple[EnvVar, ...] = ()
    aliases: tuple[Spelling, ...] = ()  # Config(alias=...) names that read/write the same value
    deprecated_in: Release | None = None
    choices: tuple[object, ...] = ()  # accepted values, for Literal-like knobs
    removed_choices: tuple[tuple[object, Release], ...] = ()  # (value, first release that rejects it)
    sources: tuple[str, ...] = ()  # "<version> <file>:<line>" of the definition, per release
    notes: str = ""

    @property
    def module(self) -> str:
        return self.name.rsplit(".", 1)[0]

    @property
    def attr(self) -> str:
        return self.name.rsplit(".", 1)[1]

    @property
    def added_in(self) -> Release:
        return min(s.since for s in self.spellings)

    @property
    def removed_in(self) -> Release | None:
        """First covered release without the knob, or None if still present in 2.15."""
        last = max((s.until or LAST) for s in self.spellings)
        if last >= LAST:
            return None
        return RELEASES[RELEASES.index(last) + 1]

    @property
    def renamed_from(self) -> tuple[str, ...]:
        """Earlier qualified spellings of this knob (oldest first)."""
        return tuple(s.qualified for s in self.spellings if s.qualified != self.name)


def _release(pair: list[int]) -> Release:
    return (pair[0], pair[1])


def _until(pair: list[int] | None) -> Release | None:
    return None if pair is None else _release(pair)


def _spellings(rows: list[list[Any]]) -> tuple[Spelling, ...]:
    return tuple(Spelling(qualified, _release(since), _until(until)) for qualified, since, until in rows)


def _default(value: Any) -> object:
    """A default as ``knobs.json`` holds it: JSON's own scalars, a set as ``{"frozenset": [...]}``."""
    return frozenset(value["frozenset"]) if isinstance(value, dict) else value


def _knob(row: dict[str, Any]) -> Knob:
    """A knob from its row of ``knobs.json`` (the fields of ``Knob``; empty ones left out)."""
    return Knob(
        name=row["name"],
        type=row["type"],
        purpose=row["purpose"],
        summary=row["summary"],
        spellings=_spellings(row["spellings"]),
        aliases=_spellings(row.get("aliases", [])),
        defaults=tuple(DefaultValue(_release(since), _default(value), cite) for since, value, cite in row["defaults"]),
        env=tuple(EnvVar(name, _release(since), _until(until), how, cite) for name, since, until, how, cite in row.get("env", [])),
        deprecated_in=_until(row.get("deprecated_in")),
        choices=tuple(row.get("choices", ())),
        removed_choices=tuple((value, _release(since)) for value, since in row.get("removed_choices", [])),
        sources=tuple(row["sources"]),
        notes=row.get("notes", ""),
    )


#: Every knob: the rows of ``knobs.json``, beside this module, which
#: ``tests/knobs_tools/gen_table.py`` writes from its spec after checking each against the
#: release sources.
_TABLE: tuple[Knob, ...] = tuple(
    _knob(row) for row in json.loads(resources.files("dynotrace.trials").joinpath("knobs.json").read_text(encoding="utf-8"))
)


@dataclass(frozen=True)
class CacheEnvVar(_Span):
    """An environment variable that decides where compile caches live (or whether they are used)."""

    name: str
    since: Release
    until: Release | None
    meaning: str
    cite: str


CACHE_ENV_VARS: tuple[CacheEnvVar, ...] = (
    CacheEnvVar("TORCHINDUCTOR_CACHE_DIR", (2, 6), None,
                "Root of all local compile caches: FX graph cache, AOTAutograd cache, autotune, "
                "PGO profiles (<dir>/dynamo/code_state_*.pkl) and, 2.9+, the precompile DynamoCache (<dir>/dynamo). "
                "Default <tempdir>/torchinductor_<user>, which persists between runs. "
                "cache_dir() writes the value back into os.environ (2.15: as an absolute path).",
                "torch/_inductor/runtime/cache_dir_utils.py:11 (2.6.0); :15 (2.8.0-2.15.0); pgo.py code_state_path"),
    CacheEnvVar("TRITON_CACHE_DIR", (2, 6), None,
                "Triton kernel cache; default <TORCHINDUCTOR_CACHE_DIR>/triton/<device>.",
                "torch/_inductor/runtime/cache_dir_utils.py triton_cache_dir (2.6.0-2.15.0)"),
    CacheEnvVar("TORCHINDUCTOR_FORCE_DISABLE_CACHES", (2, 6), None,
                "'1' disables all caches (see torch.compiler.config.force_disable_caches). 2.9+: also disables "
                "local/remote PGO (pgo.get_cache_key returns None).",
                "torch/_inductor/config.py:91 (2.6.0); torch/compiler/config.py (2.9.1+)"),
    CacheEnvVar("TORCH_COMPILE_FORCE_DISABLE_CACHES", (2, 9), None,
                "Second spelling of TORCHINDUCTOR_FORCE_DISABLE_CACHES (env_name_force list).",
                "torch/compiler/config.py:82 (2.9.1)"),
    CacheEnvVar("TORCHINDUCTOR_FX_GRAPH_CACHE", (2, 6), None,
                "'0' disables the FX graph cache (env_name_force from 2.7).",
                "torch/_inductor/config.py:45 (2.6.0)"),
    CacheEnvVar("TORCHINDUCTOR_AUTOGRAD_CACHE", (2, 6), None,
                "'0' disables the AOTAutograd cache (2.6 default off; 2.7+ default on, env_name_force).",
                "torch/_functorch/config.py:36 (2.6.0)"),
    CacheEnvVar("TORCH_COMPILE_CACHE_KEY_TAG", (2, 6), None,
                "Extra string mixed into all cache keys: a fresh value gives cold caches without moving them.",
                "torch/compiler/config.py:58 (2.6.0)"),
    CacheEnvVar("TORCH_COMPILE_JOB_ID", (2, 6), None,
                "PGO profile key; PGO reads/writes nothing without it (OSS). Unset it (and the STICKY_PGO vars) "
                "for a rerun that must not reuse a profile.",
                "torch/compiler/config.py:31 (2.6.0)"),
    CacheEnvVar("TORCH_COMPILE_STICKY_PGO_KEY", (2, 8), None,
                "Second spelling of TORCH_COMPILE_JOB_ID.", "torch/compiler/config.py:32 (2.8.0)"),
    CacheEnvVar("TORCH_COMPILE_STICKY_PGO_READ", (2, 9), None,
                "Extra PGO key to read and merge.", "torch/compiler/config.py:62 (2.9.1)"),
    CacheEnvVar("TORCH_COMPILE_STICKY_PGO_WRITE", (2, 9), None,
                "Extra PGO key to write.", "torch/compiler/config.py:65 (2.9.1)"),
    CacheEnvVar("TORCH_DYNAMO_AUTOMATIC_DYNAMIC_LOCAL_PGO", (2, 6), None,
                "'0' disables local PGO (2.6 default off; 2.7+ default on, env_name_force).",
                "torch/_dynamo/config.py:532 (2.6.0)"),
    CacheEnvVar("TORCH_DYNAMO_AUTOMATIC_DYNAMIC_REMOTE_PGO", (2, 6), None,
                "'1'/'0' force remote PGO on/off (default: off in OSS).", "torch/_dynamo/config.py:537 (2.6.0)"),
    CacheEnvVar("TORCH_CACHING_PRECOMPILE", (2, 9), None,
                "'1' turns on automatic DynamoCache save/load (under TORCHINDUCTOR_CACHE_DIR/dynamo).",
                "torch/_dynamo/config.py:595 (2.9.1)"),
)

#: Env vars that make a rerun reuse state from earlier runs; drop them from a cold rerun's environment.
_WARM_STATE_VARS = ("TORCH_COMPILE_JOB_ID", "TORCH_COMPILE_STICKY_PGO_KEY", "TORCH_COMPILE_STICKY_PGO_READ",
                    "TORCH_COMPILE_STICKY_PGO_WRITE", "TORCH_DYNAMO_AUTOMATIC_DYNAMIC_REMOTE_PGO",
                    "TORCH_CACHING_PRECOMPILE")


@dataclass(frozen=True)
class MarkFunction(_Span):
    """A torch._dynamo marking function and its signature in releases since..until."""

    name: str
    signature: str
    since: Release
    until: Release | None
    cite: str


#: torch._dynamo.decorators (also exported as torch._dynamo.<name>). Read from each release's decorators.py.
MARK_FUNCTIONS: tuple[MarkFunction, ...] = (
    MarkFunction("mark_unbacked", "(t, index)", (2, 6), (2, 6), "torch/_dynamo/decorators.py:435 (2.6.0)"),
    MarkFunction("mark_unbacked", "(t, index, strict=False)", (2, 7), (2, 7), "torch/_dynamo/decorators.py:498 (2.7.1)"),
    MarkFunction("mark_unbacked", "(t, index, strict=False, specialize_on=None)", (2, 8), (2, 9),
                 "torch/_dynamo/decorators.py:525 (2.8.0); :536 (2.9.1)"),
    MarkFunction("mark_unbacked", "(t, index, hint_override=None, strict=False, specialize_on=None)", (2, 10), (2, 10),
                 "torch/_dynamo/decorators.py:554 (2.10.0)"),
    MarkFunction("mark_unbacked", "(t, index, hint_override=None, strict=False, specialize_on=None, shape_id=None)",
                 (2, 11), (2, 11), "torch/_dynamo/decorators.py:866 (2.11.0)"),
    MarkFunction("mark_unbacked", "(t, index, hint_override=None, strict=False, specialize_on=None, shape_id=None, min=None, max=None)",
                 (2, 12), None, "torch/_dynamo/decorators.py:1061 (2.12.1); :1150 (2.15.0)"),
    MarkFunction("mark_dynamic", "(t, index, *, min=None, max=None)", (2, 6), (2, 7), "torch/_dynamo/decorators.py:459 (2.6.0)"),
    MarkFunction("mark_dynamic", "(t, index, *, min=None, max=None, specialize_on=None)", (2, 8), (2, 8),
                 "torch/_dynamo/decorators.py:568 (2.8.0)"),
    MarkFunction("mark_dynamic", "(t, index, *, hint_override=None, min=None, max=None, specialize_on=None)", (2, 9), None,
                 "torch/_dynamo/decorators.py:584 (2.9.1); :1255 (2.15.0)"),
    MarkFunction("maybe_mark_dynamic", "(t, index)", (2, 6), (2, 14), "torch/_dynamo/decorators.py:505 (2.6.0); :1274 (2.14.1)"),
    MarkFunction("maybe_mark_dynamic", "(t, index, *, min=None, max=None)", (2, 15), None, "torch/_dynamo/decorators.py:1365 (2.15.0)"),
    MarkFunction("mark_static", "(t, index=None)", (2, 6), None, "torch/_dynamo/decorators.py:527 (2.6.0); :1429 (2.15.0)"),
    MarkFunction("mark_static_address", "(t, guard=True)", (2, 6), (2, 8), "torch/_dynamo/decorators.py:592 (2.6.0)"),
    MarkFunction("mark_static_address", "(t, guard=False)", (2, 9), None, "torch/_dynamo/decorators.py:755 (2.9.1)"),
)


@dataclass(frozen=True)
class Suggestion(_Span):
    """A fix torch itself suggests, where it shows up, and in which releases (read from source)."""

    knob: str  # qualified knob name, or a marking function
    text: str  # the message, as in the source (with {…} for interpolations)
    where: str  # where it surfaces: TORCH_TRACE record kind/field, or "stderr warning"
    since: Release
    until: Release | None
    cite: str


SUGGESTIONS: tuple[Suggestion, ...] = (
    Suggestion("torch._dynamo.config.capture_scalar_outputs",
               "Graph break from `Tensor.item()`, consider setting: torch._dynamo.config.capture_scalar_outputs = True "
               "or: env TORCHDYNAMO_CAPTURE_SCALAR_OUTPUTS=1 to include these operations in the captured graph.",
               "stderr warning (log.warning, once per process), every release; in 2.6-2.7 it is the only place: "
               "the graph break reason in the trace is just 'Tensor.item'",
               (2, 6), None, "torch/_dynamo/variables/tensor.py:871 (2.6.0)"),
    Suggestion("torch._dynamo.config.capture_scalar_outputs",
               "Set `torch._dynamo.config.capture_scalar_outputs = True` or `export TORCHDYNAMO_CAPTURE_SCALAR_OUTPUTS=1` "
               "to include these operations in the captured graph.",
               "TORCH_TRACE artifact dynamo_graph_break_reason ('Hint:' line) and compilation_metrics.restart_reasons; "
               "the stderr warning is still emitted too",
               (2, 8), None, "torch/_dynamo/variables/tensor.py:1009 (2.8.0)"),
    Suggestion("torch._dynamo.config.capture_scalar_outputs",
               "data dependent operator: {…}; to enable, set torch._dynamo.config.capture_scalar_outputs = True",
               "graph break reason (dynamo_graph_break_reason / restart_reasons)", (2, 6), (2, 6),
               "torch/_dynamo/utils.py:2485 (2.6.0)"),
    Suggestion("torch._dynamo.config.capture_scalar_outputs",
               "Enable tracing of data-dependent output operators with `torch._dynamo.config.capture_scalar_outputs = True`",
               "graph break hint (dynamo_graph_break_reason / restart_reasons)", (2, 7), None,
               "torch/_dynamo/utils.py:3148 (2.7.1)"),
    Suggestion("torch._dynamo.config.capture_dynamic_output_shape_ops",
               "dynamic shape operator: {…}; to enable, set torch._dynamo.config.capture_dynamic_output_shape_ops = True",
               "graph break reason", (2, 6), (2, 6), "torch/_dynamo/utils.py:2493 (2.6.0)"),
    Suggestion("torch._dynamo.config.capture_dynamic_output_shape_ops",
               "Enable tracing of dynamic shape operators with `torch._dynamo.config.capture_dynamic_output_shape_ops = True`",
               "graph break hint", (2, 7), None, "torch/_dynamo/utils.py:3172 (2.7.1)"),
    Suggestion("torch._dynamo.config.allow_unspec_int_on_nn_module",
               "torch.compile considers integer attributes of the nn.Module to be static. If you are observing "
               "recompilation, you might want to make this integer dynamic using "
               "torch._dynamo.config.allow_unspec_int_on_nn_module = True, or convert this integer into a tensor.",
               "appended as a '(HINT …)' suffix to the failing guard in TORCH_TRACE artifact recompile_reasons and compilation_metrics.recompile_reason "
               "(also in dynamo_cpp_guards_str)", (2, 8), None, "torch/_dynamo/variables/builder.py:1836 (2.8.0)"),
    Suggestion("torch.compiler.config.dynamic_sources",
               'recompile_dynamic_whitelist="<comma-separated source names>" (2.10+: also missing_dynamic_whitelist)',
               "TORCH_TRACE chromium_event named pgo.dynamic_whitelist (phase E), args.recompile_dynamic_whitelist; "
               "emitted after an automatic-dynamic recompile, no job_id needed", (2, 8), None,
               "torch/_dynamo/pgo.py log_frame_dynamic_whitelist (2.8.0)"),
    Suggestion("torch.compiler.config.dynamic_sources",
               'PGO detected a recompilation due to dynamic shapes. To reduce shape recompilations by compiling dynamically '
               'to start, set environment variable TORCH_COMPILE_DYNAMIC_SOURCES="{…}"',
               "TORCH_TRACE string artifacts get_local_code_state / put_local_code_state / *_remote_code_state "
               "(only when PGO is active, i.e. a job_id is set)", (2, 8), None, "torch/_dynamo/pgo.py:642 (2.8.0)"),
    Suggestion("torch._dynamo.config.recompile_limit",
               "torch._dynamo hit config.%s (%s) function: %s last reason: %s To log all recompilation reasons, "
               'use TORCH_LOGS="recompiles".',
               "stderr warning only; limit_type is cache_size_limit/accumulated_cache_size_limit in 2.6, "
               "recompile_limit/accumulated_recompile_limit in 2.7+", (2, 6), None,
               "torch/_dynamo/convert_frame.py:906 (2.6.0)"),
    Suggestion("torch._dynamo.config.recompile_limit",
               "If recompilations are expected, consider increasing torch._dynamo.config.{limit_type} to an appropriate value.",
               "compilation_metrics.fail_reason of the frame that hit the limit (gb_type 'Dynamo recompile limit exceeded'); "
               "2.6-2.10 OSS: fail_reason is just '<limit_type> reached'", (2, 11), None,
               "torch/_dynamo/convert_frame.py:1766 (2.11.0)"),
    Suggestion("torch._dynamo.config.cache_size_limit",
               "If recompilations are expected, consider increasing torch._dynamo.config.cache_size_limit to an appropriate value.",
               "exception message, only with fullgraph=True (one_graph); note the pre-2.7 name", (2, 7), (2, 10),
               "torch/_dynamo/convert_frame.py:985 (2.7.1)"),
    Suggestion("torch._dynamo.config.reorderable_logging_functions",
               "If you are attempting to call a logging function (e.g. `print`), you can try adding it to "
               "`torch._dynamo.config.reorderable_logging_functions`.",
               "graph break hint", (2, 7), None, "torch/_dynamo/variables/builtin.py:924 (2.7.1)"),
    Suggestion("torch._dynamo.config.ignore_logging_functions",
               "Add the logging method to `torch._dynamo.config.ignore_logger_methods.",
               "graph break hint (logger method call)", (2, 10), (2, 10), "torch/_dynamo/variables/misc.py:1809 (2.10.0)"),
    Suggestion("torch._dynamo.config.ignore_logging_functions",
               "Add the logging method to `torch._dynamo.config.ignore_logging_functions`.",
               "graph break hint (logger method call)", (2, 11), (2, 13), "torch/_dynamo/variables/misc.py:2104 (2.11.0)"),
    Suggestion("torch._dynamo.config.ignore_logging_functions",
               "If you do not need this logging side effect, add the exact method being called to "
               "`torch._dynamo.config.ignore_logging_functions`. Dynamo will skip the call and return `None`.",
               "graph break hint (logger method call)", (2, 14), None, "torch/_dynamo/variables/misc.py:2437 (2.14.1)"),
    Suggestion("torch._dynamo.config.reorderable_logging_functions",
               "If you need the log side effect to run, then you can try one of (1) create the logger outside the compiled "
               "region and add the method to `torch._dynamo.config.reorderable_logging_functions`",
               "graph break hint (logger method call)", (2, 14), None, "torch/_dynamo/variables/misc.py:2440 (2.14.1)"),
    Suggestion("torch._dynamo.config.suppress_errors",
               "You can suppress this exception and fall back to eager by setting: import torch._dynamo "
               "torch._dynamo.config.suppress_errors = True",
               "appended to compile-error messages", (2, 6), (2, 6), "torch/_dynamo/exc.py:372 (2.6.0)"),
    Suggestion("torch._dynamo.maybe_mark_dynamic",
               "You marked {…} as dynamic but your code specialized it to be a constant ({…}). If you're using mark_dynamic, "
               "either remove it or use maybe_mark_dynamic.",
               "ConstraintViolationError message (compile failure)", (2, 8), None,
               "torch/fx/experimental/symbolic_shapes.py:5535 (2.8.0)"),
)


# ---------------------------------------------------------------------------- lookups

def _index() -> dict[str, Knob]:
    idx: dict[str, Knob] = {}
    for k in _TABLE:
        keys = {k.name, k.attr}
        keys.update(s.qualified for s in k.spellings + k.aliases)
        keys.update(s.attr for s in k.spellings + k.aliases)
        for key in keys:
            other = idx.get(key)
            if other is not None and other is not k:
                if key in (k.name, other.name):
                    raise AssertionError(f"ambiguous knob key {key}")
                continue  # bare attribute shared by two modules: only qualified lookup works
            idx[key] = k
    return idx


_INDEX: dict[str, Knob] = _index()


def all_knobs() -> tuple[Knob, ...]:
    return _TABLE


def _check_release(release: Release) -> Release:
    release = tuple(release)[:2]  # type: ignore[assignment]
    if release not in RELEASES:
        raise ValueError(f"release {release} is not covered (covered: 2.6 .. 2.15)")
    return release


def knob(name: str) -> Knob:
    """Look a knob up by canonical qualified name, any old/alias qualified spelling, or bare attribute name."""
    try:
        return _INDEX[name]
    except KeyError:
        raise KeyError(f"unknown knob {name!r}") from None


def available(name: str, release: Release) -> bool:
    """Whether the setting exists in ``release`` under some spelling (see ``spelling``)."""
    release = _check_release(release)
    return any(s.covers(release) for s in knob(name).spellings)


def has_attribute(qualified: str, release: Release) -> bool:
    """Whether exactly this qualified attribute (own name or alias) exists in ``release``."""
    release = _check_release(release)
    k = knob(qualified)
    return any(s.qualified == qualified and s.covers(release) for s in k.spellings + k.aliases)


def spelling(name: str, release: Release) -> str:
    """The release's own qualified name for the knob, e.g.
    spelling('torch._dynamo.config.recompile_limit', (2, 6)) == 'torch._dynamo.config.cache_size_limit'."""
    release = _check_release(release)
    k = knob(name)
    for s in k.spellings:
        if s.covers(release):
            return s.qualified
    raise KnobUnavailable(f"{k.name} does not exist in {RELEASE_VERSIONS[release]}")


def added_in(name: str) -> Release:
    return knob(name).added_in


def removed_in(name: str) -> Release | None:
    return knob(name).removed_in


def default(name: str, release: Release) -> object:
    """Default value in ``release`` with an empty environment (OSS build). Sets come back as frozenset."""
    release = _check_release(release)
    k = knob(name)
    if not available(name, release):
        raise KnobUnavailable(f"{k.name} does not exist in {RELEASE_VERSIONS[release]}")
    value: object = None
    for d in k.defaults:
        if d.since <= release:
            value = d.value
    return value


def deprecated(name: str, release: Release) -> bool:
    k = knob(name)
    return k.deprecated_in is not None and _check_release(release) >= k.deprecated_in


def env_vars(name: str, release: Release) -> tuple[EnvVar, ...]:
    """Env vars torch reads for this knob in ``release``, in precedence order (empty if none / knob absent)."""
    release = _check_release(release)
    k = knob(name)
    if not available(name, release):
        return ()
    active = [e for e in k.env if e.covers(release)]
    # force beats default; among equals keep declaration (= torch's left-to-right) order
    return tuple(sorted(active, key=lambda e: e.mechanism == "config_default"))


def knobs_for(release: Release, purpose: str | None = None) -> tuple[Knob, ...]:
    release = _check_release(release)
    return tuple(k for k in _TABLE if available(k.name, release) and (purpose is None or k.purpose == purpose))


# ---------------------------------------------------------------------------- value encoding

def _is_set_knob(k: Knob) -> bool:
    return k.type.startswith("set[")


def _is_source_list_knob(k: Knob) -> bool:
    return k.module == "torch.compiler.config" and k.attr in (
        "dynamic_sources", "unbacked_sources", "static_sources", "dynamic_values")


def _normalize(k: Knob, value: object, release: Release | None = None) -> object:
    """Validate ``value`` against the knob's type; join lists for the comma-list knobs."""
    if _is_source_list_knob(k) and not isinstance(value, str):
        if isinstance(value, Iterable):
            items = [str(v) for v in value]
            for it in items:
                if "," in it:
                    raise ValueError(f"{k.name}: entry {it!r} contains a comma")
            value = ",".join(items)
    if _is_set_knob(k):
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise TypeError(f"{k.name} takes an iterable of Python expressions (e.g. ['print'])")
        exprs = tuple(value)
        for e in exprs:
            if not isinstance(e, str) or not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*", e):
                raise ValueError(f"{k.name}: {e!r} is not a dotted name")
        return exprs
    if k.choices:
        allowed = tuple(c for c in k.choices
                        if release is None or not any(rc == c and release >= r for rc, r in k.removed_choices))
        if not any(type(c) is type(value) and c == value for c in allowed):
            where = "" if release is None else f" in {RELEASE_VERSIONS[release]}"
            raise ValueError(f"{k.name} accepts {allowed!r}{where}, got {value!r}")
        return value
    t = k.type
    ok = {
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "str": isinstance(value, str),
        "bool | None": value is None or isinstance(value, bool),
        "int | None": value is None or (isinstance(value, int) and not isinstance(value, bool)),
        "str | None": value is None or isinstance(value, str),
    }.get(t)
    if ok is None:
        raise AssertionError(f"unhandled type {t}")
    if not ok:
        raise TypeError(f"{k.name} is {t}, got {value!r}")
    return value


def _encode_env(k: Knob, e: EnvVar, value: object, release: Release) -> str:
    m = e.mechanism
    if isinstance(value, bool):
        if m in ("eq1", "tristate", "config_force", "config_default"):
            return "1" if value else "0"
        if m in ("nonempty", "raw_truthy"):
            return "1" if value else ""
        raise ValueError(f"{e.name} ({m}) cannot carry a bool")
    if value is None:
        if m == "tristate":
            return ""  # not "1"/"0" -> None
        raise ValueError(f"{e.name} ({m}) cannot express None")
    if isinstance(value, str):
        if m == "raw":
            return value
        if m in ("config_default", "config_force"):
            if release == (2, 6):
                raise ValueError(f"{e.name}: 2.6 Config env vars only accept '0'/'1'")
            if value in ("0", "1"):
                if _is_source_list_knob(k):
                    return value + ","  # keep it a str: "1" alone would be read as True
                raise ValueError(f"{e.name}: the string {value!r} would be read as a bool")
            return value
    raise ValueError(f"{e.name} ({m}) cannot carry {value!r}")


def env_pair(name: str, value: object, release: Release) -> tuple[str, str] | None:
    """(VAR, string) that makes ``release`` start with the knob set to ``value``, or None when
    torch reads no env var for it there. Raises if the value cannot be expressed."""
    release = _check_release(release)
    k = knob(name)
    evs = env_vars(name, release)
    if not evs:
        return None
    value = _normalize(k, value, release)
    e = evs[0]
    return e.name, _encode_env(k, e, value, release)


def env_assignment(name: str, value: object, release: Release) -> str | None:
    """Shell form, e.g. ``TORCH_COMPILE_DYNAMIC_SOURCES='L['"'"'x'"'"']'``; None when torch reads no env var for it."""
    pair = env_pair(name, value, release)
    if pair is None:
        return None
    var, s = pair
    return f"{var}={shlex.quote(s)}"


def _py_literal(value: object) -> str:
    return repr(value)


def python_assignment(name: str, value: object, release: Release) -> str:
    """The Python statement that sets the knob in ``release`` (after ``python_import``)."""
    k = knob(name)
    q = spelling(name, release)
    value = _normalize(k, value, _check_release(release))
    if _is_set_knob(k):
        assert isinstance(value, tuple)
        return f"{q}.update({{{', '.join(value)}}})"
    return f"{q} = {_py_literal(value)}"


def python_import(name: str, release: Release) -> str:
    """The import needed before python_assignment (torch._functorch.config and
    torch._inductor.config are not reachable as attributes right after ``import torch``)."""
    return f"import {spelling(name, release).rsplit('.', 1)[0]}"


def python_statements(name: str, value: object, release: Release) -> tuple[str, ...]:
    """Import lines (including modules named in set-knob expressions) plus the assignment."""
    k = knob(name)
    lines = [python_import(name, release)]
    if _is_set_knob(k):
        exprs = _normalize(k, value, _check_release(release))
        assert isinstance(exprs, tuple)
        for e in exprs:
            mod = str(e).split(".")[0]
            if "." in str(e) and f"import {mod}" not in lines:
                lines.append(f"import {mod}")
    lines.append(python_assignment(name, value, release))
    return tuple(lines)


# ---------------------------------------------------------------------------- cache isolation

def cache_env_vars(release: Release) -> tuple[CacheEnvVar, ...]:
    release = _check_release(release)
    return tuple(c for c in CACHE_ENV_VARS if c.covers(release))


def cold_cache_env(release: Release, root: str, *, disable_caches: bool = False) -> dict[str, str]:
    """Env vars to SET so a rerun compiles from a cold cache: every local cache (FX graph, AOTAutograd,
    autotune, Triton, PGO profile, precompile) goes under the fresh directory ``root``.
    With ``disable_caches`` also force-disable caching. Combine with ``warm_state_env_to_unset``."""
    release = _check_release(release)
    env = {"TORCHINDUCTOR_CACHE_DIR": f"{root}/inductor", "TRITON_CACHE_DIR": f"{root}/triton"}
    if disable_caches:
        env["TORCHINDUCTOR_FORCE_DISABLE_CACHES"] = "1"
    return env


def warm_state_env_to_unset(release: Release) -> tuple[str, ...]:
    """Env vars to REMOVE from a cold rerun's environment (they make torch load PGO/precompile state)."""
    names = {c.name for c in cache_env_vars(release)}
    return tuple(n for n in _WARM_STATE_VARS if n in names)


def mark_function(name: str, release: Release) -> MarkFunction | None:
    release = _check_release(release)
    for m in MARK_FUNCTIONS:
        if m.name == name and m.covers(release):
            return m
    return None


def suggestions_for(release: Release) -> tuple[Suggestion, ...]:
    release = _check_release(release)
    return tuple(s for s in SUGGESTIONS if s.covers(release))
