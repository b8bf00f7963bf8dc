"""Which torch.compile configuration knobs exist in torch 2.6 .. 2.15, under which
name, with which default, and which environment variables set them.

Standard library only; never imports torch. Everything here was read from the
released wheels' sources (torch/_dynamo/config.py, torch/compiler/config.py,
torch/_inductor/config.py, torch/_functorch/config.py,
torch/fx/experimental/_config.py, torch/utils/_config_module.py); every table
row carries per-release ``file:line`` citations. Releases read: 2.6.0, 2.7.1,
2.8.0, 2.9.1, 2.10.0, 2.11.0, 2.12.1, 2.13.0, 2.14.1, 2.15.0. A release is
named by its (major, minor) pair, e.g. ``(2, 13)``.

The table block is generated (and checked against the sources) by
``tests/knobs_tools/gen_table.py``; edit the spec there, not the block. The release
sources it was read from are kept in ``tests/fixtures/knobs/torch-sources-2.6-2.15.tar.xz``
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

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Spelling:
    """A qualified attribute name valid for releases ``since``..``until`` (inclusive; None = still in 2.15)."""

    qualified: str
    since: Release
    until: Release | None = None

    def covers(self, release: Release) -> bool:
        return release >= self.since and (self.until is None or release <= self.until)

    @property
    def module(self) -> str:
        return self.qualified.rsplit(".", 1)[0]

    @property
    def attr(self) -> str:
        return self.qualified.rsplit(".", 1)[1]


@dataclass(frozen=True)
class EnvVar:
    """An environment variable torch reads for a knob in releases ``since``..``until``."""

    name: str
    since: Release
    until: Release | None
    mechanism: str  # key of MECHANISMS
    cite: str  # file:line (release) of the first release with this behaviour

    def covers(self, release: Release) -> bool:
        return release >= self.since and (self.until is None or release <= self.until)

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


# BEGIN GENERATED TABLE (tests/knobs_tools/gen_table.py)
_TABLE: tuple[Knob, ...] = (
    Knob(
        name='torch._dynamo.config.capture_scalar_outputs',
        type='bool',
        purpose='graph_breaks',
        summary='Trace Tensor.item() and other data-dependent scalar outputs into the graph (unbacked SymInts) instead of graph-breaking.',
        spellings=(Spelling('torch._dynamo.config.capture_scalar_outputs', (2, 6), None), ),
        aliases=(Spelling('torch.compiler.config.capture_scalar_outputs', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:229 (2.6.0)'),
        ),
        env=(
            EnvVar('TORCHDYNAMO_CAPTURE_SCALAR_OUTPUTS', (2, 6), None, 'eq1', 'torch/_dynamo/config.py:229 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:229', '2.7.1 torch/_dynamo/config.py:259', '2.8.0 torch/_dynamo/config.py:249',
            '2.9.1 torch/_dynamo/config.py:253', '2.10.0 torch/_dynamo/config.py:283', '2.11.0 torch/_dynamo/config.py:329',
            '2.12.1 torch/_dynamo/config.py:363', '2.13.0 torch/_dynamo/config.py:372', '2.14.1 torch/_dynamo/config.py:375',
            '2.15.0 torch/_dynamo/config.py:373',
        ),
    ),
    Knob(
        name='torch._dynamo.config.capture_dynamic_output_shape_ops',
        type='bool',
        purpose='graph_breaks',
        summary='Trace ops with data-dependent output shapes (nonzero, unique, boolean masking) instead of graph-breaking.',
        spellings=(Spelling('torch._dynamo.config.capture_dynamic_output_shape_ops', (2, 6), None), ),
        aliases=(Spelling('torch.compiler.config.capture_dynamic_output_shape_ops', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:236 (2.6.0)'),
        ),
        env=(
            EnvVar('TORCHDYNAMO_CAPTURE_DYNAMIC_OUTPUT_SHAPE_OPS', (2, 6), None, 'eq1', 'torch/_dynamo/config.py:236 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:236', '2.7.1 torch/_dynamo/config.py:266', '2.8.0 torch/_dynamo/config.py:256',
            '2.9.1 torch/_dynamo/config.py:260', '2.10.0 torch/_dynamo/config.py:290', '2.11.0 torch/_dynamo/config.py:336',
            '2.12.1 torch/_dynamo/config.py:370', '2.13.0 torch/_dynamo/config.py:379', '2.14.1 torch/_dynamo/config.py:382',
            '2.15.0 torch/_dynamo/config.py:380',
        ),
    ),
    Knob(
        name='torch._dynamo.config.specialize_int',
        type='bool',
        purpose='recompiles',
        summary='If True, Python int inputs are always specialized (burned in as constants); never made dynamic.',
        spellings=(Spelling('torch._dynamo.config.specialize_int', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:63 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:63', '2.7.1 torch/_dynamo/config.py:86', '2.8.0 torch/_dynamo/config.py:86',
            '2.9.1 torch/_dynamo/config.py:84', '2.10.0 torch/_dynamo/config.py:100', '2.11.0 torch/_dynamo/config.py:138',
            '2.12.1 torch/_dynamo/config.py:152', '2.13.0 torch/_dynamo/config.py:157', '2.14.1 torch/_dynamo/config.py:157',
            '2.15.0 torch/_dynamo/config.py:157',
        ),
    ),
    Knob(
        name='torch._dynamo.config.specialize_float',
        type='bool',
        purpose='recompiles',
        summary='If True, Python float inputs are specialized (burned in) instead of being turned into tensor/symbolic inputs.',
        spellings=(Spelling('torch._dynamo.config.specialize_float', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:68 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:68', '2.7.1 torch/_dynamo/config.py:91', '2.8.0 torch/_dynamo/config.py:91',
            '2.9.1 torch/_dynamo/config.py:89', '2.10.0 torch/_dynamo/config.py:105', '2.11.0 torch/_dynamo/config.py:143',
            '2.12.1 torch/_dynamo/config.py:157', '2.13.0 torch/_dynamo/config.py:162', '2.14.1 torch/_dynamo/config.py:162',
            '2.15.0 torch/_dynamo/config.py:162',
        ),
    ),
    Knob(
        name='torch._dynamo.config.assume_static_by_default',
        type='bool',
        purpose='recompiles',
        summary='First compile treats every dim/int as static unless marked dynamic; False makes most shapes/ints dynamic from the start.',
        spellings=(Spelling('torch._dynamo.config.assume_static_by_default', (2, 6), None), ),
        aliases=(Spelling('torch.compiler.config.assume_static_by_default', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_dynamo/config.py:81 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:81', '2.7.1 torch/_dynamo/config.py:104', '2.8.0 torch/_dynamo/config.py:104',
            '2.9.1 torch/_dynamo/config.py:102', '2.10.0 torch/_dynamo/config.py:118', '2.11.0 torch/_dynamo/config.py:156',
            '2.12.1 torch/_dynamo/config.py:170', '2.13.0 torch/_dynamo/config.py:175', '2.14.1 torch/_dynamo/config.py:178',
            '2.15.0 torch/_dynamo/config.py:178',
        ),
    ),
    Knob(
        name='torch._dynamo.config.automatic_dynamic_shapes',
        type='bool',
        purpose='recompiles',
        summary='After a shape/int guard fails, recompile with the wobbling dims/ints marked dynamic.',
        spellings=(Spelling('torch._dynamo.config.automatic_dynamic_shapes', (2, 6), None), ),
        aliases=(Spelling('torch.compiler.config.automatic_dynamic_shapes', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_dynamo/config.py:87 (2.6.0)'),
        ),
        env=(
            EnvVar('TORCH_DYNAMO_AUTOMATIC_DYNAMIC_SHAPES', (2, 11), None, 'eq1', 'torch/_dynamo/config.py:162 (2.11.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:87', '2.7.1 torch/_dynamo/config.py:110', '2.8.0 torch/_dynamo/config.py:110',
            '2.9.1 torch/_dynamo/config.py:108', '2.10.0 torch/_dynamo/config.py:124', '2.11.0 torch/_dynamo/config.py:162',
            '2.12.1 torch/_dynamo/config.py:176', '2.13.0 torch/_dynamo/config.py:185', '2.14.1 torch/_dynamo/config.py:188',
            '2.15.0 torch/_dynamo/config.py:187',
        ),
    ),
    Knob(
        name='torch._dynamo.config.automatic_dynamic_shapes_mark_as',
        type='str',
        purpose='recompiles',
        summary="What automatic dynamic shapes allocates for a wobbling dim: 'dynamic' (backed) or 'unbacked'.",
        spellings=(Spelling('torch._dynamo.config.automatic_dynamic_shapes_mark_as', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), 'dynamic', 'torch/_dynamo/config.py:90 (2.6.0)'),
        ),
        choices=('dynamic', 'unbacked', 'oblivious'),
        removed_choices=(('oblivious', (2, 11)),),
        sources=(
            '2.6.0 torch/_dynamo/config.py:90', '2.7.1 torch/_dynamo/config.py:113', '2.8.0 torch/_dynamo/config.py:113',
            '2.9.1 torch/_dynamo/config.py:111', '2.10.0 torch/_dynamo/config.py:127', '2.11.0 torch/_dynamo/config.py:167',
            '2.12.1 torch/_dynamo/config.py:181', '2.13.0 torch/_dynamo/config.py:190', '2.14.1 torch/_dynamo/config.py:193',
            '2.15.0 torch/_dynamo/config.py:192',
        ),
        notes="Annotated Literal['dynamic','unbacked'] from 2.7; builder.get_automatic_dynamic_shapes_mark_as also accepts 'oblivious' in 2.6-2.10 (removed in 2.11); anything else raises ValueError at compile time.",
    ),
    Knob(
        name='torch._dynamo.config.automatic_dynamic_exclusion_guard',
        type='bool',
        purpose='recompiles',
        summary='Adds exclusion guards so inputs matching an earlier static graph keep using it after automatic-dynamic recompiles.',
        spellings=(Spelling('torch._dynamo.config.automatic_dynamic_exclusion_guard', (2, 12), None), ),
        defaults=(
            DefaultValue((2, 12), False, 'torch/_dynamo/config.py:201 (2.12.1)'),
        ),
        sources=(
            '2.12.1 torch/_dynamo/config.py:201', '2.13.0 torch/_dynamo/config.py:210', '2.14.1 torch/_dynamo/config.py:213',
            '2.15.0 torch/_dynamo/config.py:212',
        ),
    ),
    Knob(
        name='torch._dynamo.config.force_parameter_static_shapes',
        type='bool',
        purpose='recompiles',
        summary='Keep nn.Parameter shapes static even when dynamic shapes are on.',
        spellings=(Spelling('torch._dynamo.config.force_parameter_static_shapes', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_dynamo/config.py:96 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:96', '2.7.1 torch/_dynamo/config.py:119', '2.8.0 torch/_dynamo/config.py:119',
            '2.9.1 torch/_dynamo/config.py:123', '2.10.0 torch/_dynamo/config.py:139', '2.11.0 torch/_dynamo/config.py:179',
            '2.12.1 torch/_dynamo/config.py:213', '2.13.0 torch/_dynamo/config.py:222', '2.14.1 torch/_dynamo/config.py:225',
            '2.15.0 torch/_dynamo/config.py:224',
        ),
    ),
    Knob(
        name='torch._dynamo.config.force_nn_module_property_static_shapes',
        type='bool',
        purpose='recompiles',
        summary='Keep shapes of nn.Module attributes (tensors/ints reached through a module) static.',
        spellings=(Spelling('torch._dynamo.config.force_nn_module_property_static_shapes', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_dynamo/config.py:101 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:101', '2.7.1 torch/_dynamo/config.py:124', '2.8.0 torch/_dynamo/config.py:124',
            '2.9.1 torch/_dynamo/config.py:128', '2.10.0 torch/_dynamo/config.py:144', '2.11.0 torch/_dynamo/config.py:184',
            '2.12.1 torch/_dynamo/config.py:218', '2.13.0 torch/_dynamo/config.py:227', '2.14.1 torch/_dynamo/config.py:230',
            '2.15.0 torch/_dynamo/config.py:229',
        ),
    ),
    Knob(
        name='torch._dynamo.config.allow_unspec_int_on_nn_module',
        type='bool',
        purpose='recompiles',
        summary='Let int attributes of nn.Modules (e.g. step counters) become dynamic instead of being guarded as constants.',
        spellings=(Spelling('torch._dynamo.config.allow_unspec_int_on_nn_module', (2, 7), None), ),
        aliases=(Spelling('torch.compiler.config.allow_unspec_int_on_nn_module', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 7), False, 'torch/_dynamo/config.py:295 (2.7.1)'),
        ),
        sources=(
            '2.7.1 torch/_dynamo/config.py:295', '2.8.0 torch/_dynamo/config.py:285', '2.9.1 torch/_dynamo/config.py:283',
            '2.10.0 torch/_dynamo/config.py:313', '2.11.0 torch/_dynamo/config.py:359', '2.12.1 torch/_dynamo/config.py:393',
            '2.13.0 torch/_dynamo/config.py:402', '2.14.1 torch/_dynamo/config.py:405', '2.15.0 torch/_dynamo/config.py:403',
        ),
    ),
    Knob(
        name='torch._dynamo.config.allow_ignore_mark_dynamic',
        type='bool',
        purpose='recompiles',
        summary='Do not raise when a dim marked with mark_dynamic ends up specialized.',
        spellings=(Spelling('torch._dynamo.config.allow_ignore_mark_dynamic', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:108 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:108', '2.7.1 torch/_dynamo/config.py:131', '2.8.0 torch/_dynamo/config.py:131',
            '2.9.1 torch/_dynamo/config.py:135', '2.10.0 torch/_dynamo/config.py:151', '2.11.0 torch/_dynamo/config.py:191',
            '2.12.1 torch/_dynamo/config.py:225', '2.13.0 torch/_dynamo/config.py:234', '2.14.1 torch/_dynamo/config.py:237',
            '2.15.0 torch/_dynamo/config.py:236',
        ),
    ),
    Knob(
        name='torch._dynamo.config.recompile_limit',
        type='int',
        purpose='recompiles',
        summary='Max cache entries (compiled variants) per code object before Dynamo gives up and runs the frame eagerly.',
        spellings=(Spelling('torch._dynamo.config.cache_size_limit', (2, 6), (2, 6)), Spelling('torch._dynamo.config.recompile_limit', (2, 7), None), ),
        aliases=(Spelling('torch._dynamo.config.cache_size_limit', (2, 7), None), Spelling('torch.compiler.config.recompile_limit', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 6), 8, 'torch/_dynamo/config.py:44 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:44', '2.7.1 torch/_dynamo/config.py:53', '2.8.0 torch/_dynamo/config.py:53',
            '2.9.1 torch/_dynamo/config.py:51', '2.10.0 torch/_dynamo/config.py:67', '2.11.0 torch/_dynamo/config.py:105',
            '2.12.1 torch/_dynamo/config.py:116', '2.13.0 torch/_dynamo/config.py:121', '2.14.1 torch/_dynamo/config.py:121',
            '2.15.0 torch/_dynamo/config.py:121',
        ),
    ),
    Knob(
        name='torch._dynamo.config.accumulated_recompile_limit',
        type='int',
        purpose='recompiles',
        summary='Global cap on recompiles summed over all code objects.',
        spellings=(Spelling('torch._dynamo.config.accumulated_cache_size_limit', (2, 6), (2, 6)), Spelling('torch._dynamo.config.accumulated_recompile_limit', (2, 7), None), ),
        aliases=(Spelling('torch._dynamo.config.accumulated_cache_size_limit', (2, 7), None), Spelling('torch.compiler.config.accumulated_recompile_limit', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 6), 256, 'torch/_dynamo/config.py:47 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:47', '2.7.1 torch/_dynamo/config.py:56', '2.8.0 torch/_dynamo/config.py:56',
            '2.9.1 torch/_dynamo/config.py:54', '2.10.0 torch/_dynamo/config.py:70', '2.11.0 torch/_dynamo/config.py:108',
            '2.12.1 torch/_dynamo/config.py:119', '2.13.0 torch/_dynamo/config.py:124', '2.14.1 torch/_dynamo/config.py:124',
            '2.15.0 torch/_dynamo/config.py:124',
        ),
    ),
    Knob(
        name='torch._dynamo.config.fail_on_recompile_limit_hit',
        type='bool',
        purpose='recompiles',
        summary='Raise a hard error (FailOnRecompileLimitHit) instead of falling back to eager when the recompile limit is hit.',
        spellings=(Spelling('torch._dynamo.config.fail_on_cache_limit_hit', (2, 6), (2, 6)), Spelling('torch._dynamo.config.fail_on_recompile_limit_hit', (2, 7), None), ),
        aliases=(Spelling('torch._dynamo.config.fail_on_cache_limit_hit', (2, 7), None), Spelling('torch.compiler.config.fail_on_recompile_limit_hit', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:56 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:56', '2.7.1 torch/_dynamo/config.py:66', '2.8.0 torch/_dynamo/config.py:66',
            '2.9.1 torch/_dynamo/config.py:64', '2.10.0 torch/_dynamo/config.py:80', '2.11.0 torch/_dynamo/config.py:118',
            '2.12.1 torch/_dynamo/config.py:130', '2.13.0 torch/_dynamo/config.py:135', '2.14.1 torch/_dynamo/config.py:135',
            '2.15.0 torch/_dynamo/config.py:135',
        ),
        notes='Incompatible with suppress_errors (eval_frame raises if both are set, 2.7+).',
    ),
    Knob(
        name='torch._dynamo.config.skip_code_recursive_on_recompile_limit_hit',
        type='bool',
        purpose='recompiles',
        summary='On limit hit, skip the code object and everything it calls (vs. only the frame).',
        spellings=(Spelling('torch._dynamo.config.skip_code_recursive_on_cache_limit_hit', (2, 6), (2, 6)), Spelling('torch._dynamo.config.skip_code_recursive_on_recompile_limit_hit', (2, 7), None), ),
        aliases=(Spelling('torch._dynamo.config.skip_code_recursive_on_cache_limit_hit', (2, 7), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_dynamo/config.py:50 (2.6.0)'),
        ),
        deprecated_in=(2, 12),
        sources=(
            '2.6.0 torch/_dynamo/config.py:50', '2.7.1 torch/_dynamo/config.py:59', '2.8.0 torch/_dynamo/config.py:59',
            '2.9.1 torch/_dynamo/config.py:57', '2.10.0 torch/_dynamo/config.py:73', '2.11.0 torch/_dynamo/config.py:111',
            '2.12.1 torch/_dynamo/config.py:121', '2.13.0 torch/_dynamo/config.py:126', '2.14.1 torch/_dynamo/config.py:126',
            '2.15.0 torch/_dynamo/config.py:126',
        ),
        notes="Only consulted by convert_frame in 2.6; from 2.7 convert_frame checks the justknob 'pytorch/compiler:skip_code_recursive_on_recompile_limit_hit' only (always True in OSS), so setting it does nothing; 2.12 marks it deprecated ('does not do anything').",
    ),
    Knob(
        name='torch._dynamo.config.error_on_recompile',
        type='bool',
        purpose='recompiles',
        summary='Raise on any recompilation (diagnostic).',
        spellings=(Spelling('torch._dynamo.config.error_on_recompile', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:362 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:362', '2.7.1 torch/_dynamo/config.py:385', '2.8.0 torch/_dynamo/config.py:377',
            '2.9.1 torch/_dynamo/config.py:409', '2.10.0 torch/_dynamo/config.py:439', '2.11.0 torch/_dynamo/config.py:490',
            '2.12.1 torch/_dynamo/config.py:524', '2.13.0 torch/_dynamo/config.py:530', '2.14.1 torch/_dynamo/config.py:533',
            '2.15.0 torch/_dynamo/config.py:531',
        ),
    ),
    Knob(
        name='torch._dynamo.config.reorderable_logging_functions',
        type='set[Callable]',
        purpose='graph_breaks',
        summary='Functions (print, warnings.warn, logger methods) whose calls are moved after the graph instead of graph-breaking.',
        spellings=(Spelling('torch._dynamo.config.reorderable_logging_functions', (2, 6), None), ),
        aliases=(Spelling('torch.compiler.config.reorderable_logging_functions', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 6), frozenset(), 'torch/_dynamo/config.py:459 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:459', '2.7.1 torch/_dynamo/config.py:502', '2.8.0 torch/_dynamo/config.py:506',
            '2.9.1 torch/_dynamo/config.py:554', '2.10.0 torch/_dynamo/config.py:588', '2.11.0 torch/_dynamo/config.py:654',
            '2.12.1 torch/_dynamo/config.py:690', '2.13.0 torch/_dynamo/config.py:700', '2.14.1 torch/_dynamo/config.py:705',
            '2.15.0 torch/_dynamo/config.py:703',
        ),
    ),
    Knob(
        name='torch._dynamo.config.ignore_logging_functions',
        type='set[Callable]',
        purpose='graph_breaks',
        summary='Functions/logger methods Dynamo treats as no-ops (not run, no graph break).',
        spellings=(Spelling('torch._dynamo.config.ignore_logger_methods', (2, 6), (2, 10)), Spelling('torch._dynamo.config.ignore_logging_functions', (2, 11), None), ),
        aliases=(Spelling('torch._dynamo.config.ignore_logger_methods', (2, 11), None), ),
        defaults=(
            DefaultValue((2, 6), frozenset(), 'torch/_dynamo/config.py:465 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:465', '2.7.1 torch/_dynamo/config.py:508', '2.8.0 torch/_dynamo/config.py:512',
            '2.9.1 torch/_dynamo/config.py:560', '2.10.0 torch/_dynamo/config.py:594', '2.11.0 torch/_dynamo/config.py:665',
            '2.12.1 torch/_dynamo/config.py:701', '2.13.0 torch/_dynamo/config.py:711', '2.14.1 torch/_dynamo/config.py:716',
            '2.15.0 torch/_dynamo/config.py:714',
        ),
    ),
    Knob(
        name='torch._dynamo.config.inline_inbuilt_nn_modules',
        type='bool',
        purpose='guards',
        summary='Inline built-in nn.Module forward/attributes (params become graph inputs guarded by id/dict tags).',
        spellings=(Spelling('torch._dynamo.config.inline_inbuilt_nn_modules', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_dynamo/config.py:386 (2.6.0)'),
        ),
        deprecated_in=(2, 12),
        sources=(
            '2.6.0 torch/_dynamo/config.py:386', '2.7.1 torch/_dynamo/config.py:419', '2.8.0 torch/_dynamo/config.py:414',
            '2.9.1 torch/_dynamo/config.py:446', '2.10.0 torch/_dynamo/config.py:476', '2.11.0 torch/_dynamo/config.py:530',
            '2.12.1 torch/_dynamo/config.py:564', '2.13.0 torch/_dynamo/config.py:573', '2.14.1 torch/_dynamo/config.py:578',
            '2.15.0 torch/_dynamo/config.py:576',
        ),
        notes="2.6: default `not is_fbcode()` (True in OSS); 2.7-2.11: Config(justknob=...) default True; 2.12+: deprecated, 'does not do anything, inline_inbuilt_nn_modules is always True'.",
    ),
    Knob(
        name='torch._dynamo.config.skip_nnmodule_hook_guards',
        type='bool',
        purpose='guards',
        summary='Do not guard on nn.Module hooks (unsafe if hooks are added/removed later).',
        spellings=(Spelling('torch._dynamo.config.skip_nnmodule_hook_guards', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_dynamo/config.py:329 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:329', '2.7.1 torch/_dynamo/config.py:348', '2.8.0 torch/_dynamo/config.py:340',
            '2.9.1 torch/_dynamo/config.py:342', '2.10.0 torch/_dynamo/config.py:372', '2.11.0 torch/_dynamo/config.py:418',
            '2.12.1 torch/_dynamo/config.py:452', '2.13.0 torch/_dynamo/config.py:458', '2.14.1 torch/_dynamo/config.py:461',
            '2.15.0 torch/_dynamo/config.py:459',
        ),
    ),
    Knob(
        name='torch._dynamo.config.guard_nn_modules',
        type='bool',
        purpose='guards',
        summary='Guard on nn.Module contents; False assumes modules are immutable.',
        spellings=(Spelling('torch._dynamo.config.guard_nn_modules', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_dynamo/config.py:111 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:111', '2.7.1 torch/_dynamo/config.py:134', '2.8.0 torch/_dynamo/config.py:134',
            '2.9.1 torch/_dynamo/config.py:138', '2.10.0 torch/_dynamo/config.py:154', '2.11.0 torch/_dynamo/config.py:194',
            '2.12.1 torch/_dynamo/config.py:228', '2.13.0 torch/_dynamo/config.py:237', '2.14.1 torch/_dynamo/config.py:240',
            '2.15.0 torch/_dynamo/config.py:239',
        ),
    ),
    Knob(
        name='torch._dynamo.config.skip_tensor_guards_with_matching_dict_tags',
        type='bool',
        purpose='guards',
        summary='Treat tensors in a dict whose tag is unchanged as immutable (skip their guards).',
        spellings=(Spelling('torch._dynamo.config.skip_tensor_guards_with_matching_dict_tags', (2, 7), None), ),
        aliases=(Spelling('torch.compiler.config.skip_tensor_guards_with_matching_dict_tags', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 7), True, 'torch/_dynamo/config.py:358 (2.7.1)'),
        ),
        sources=(
            '2.7.1 torch/_dynamo/config.py:358', '2.8.0 torch/_dynamo/config.py:350', '2.9.1 torch/_dynamo/config.py:352',
            '2.10.0 torch/_dynamo/config.py:382', '2.11.0 torch/_dynamo/config.py:428', '2.12.1 torch/_dynamo/config.py:462',
            '2.13.0 torch/_dynamo/config.py:468', '2.14.1 torch/_dynamo/config.py:471', '2.15.0 torch/_dynamo/config.py:469',
        ),
    ),
    Knob(
        name='torch._dynamo.config.skip_guards_on_constant_func_defaults',
        type='bool',
        purpose='guards',
        summary='Skip guards on func.__defaults__ entries that are constants.',
        spellings=(Spelling('torch._dynamo.config.skip_guards_on_constant_func_defaults', (2, 9), None), ),
        defaults=(
            DefaultValue((2, 9), True, 'torch/_dynamo/config.py:355 (2.9.1)'),
            DefaultValue((2, 12), False, 'torch/_dynamo/config.py:465 (2.12.1)'),
        ),
        sources=(
            '2.9.1 torch/_dynamo/config.py:355', '2.10.0 torch/_dynamo/config.py:385', '2.11.0 torch/_dynamo/config.py:431',
            '2.12.1 torch/_dynamo/config.py:465', '2.13.0 torch/_dynamo/config.py:471', '2.14.1 torch/_dynamo/config.py:474',
            '2.15.0 torch/_dynamo/config.py:472',
        ),
    ),
    Knob(
        name='torch._dynamo.config.enable_cpp_symbolic_shape_guards',
        type='bool',
        purpose='guards',
        summary='Evaluate symbolic-shape guards in C++.',
        spellings=(Spelling('torch._dynamo.config.enable_cpp_symbolic_shape_guards', (2, 7), None), ),
        aliases=(Spelling('torch.compiler.config.enable_cpp_symbolic_shape_guards', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 7), False, 'torch/_dynamo/config.py:409 (2.7.1)'),
        ),
        sources=(
            '2.7.1 torch/_dynamo/config.py:409', '2.8.0 torch/_dynamo/config.py:401', '2.9.1 torch/_dynamo/config.py:433',
            '2.10.0 torch/_dynamo/config.py:463', '2.11.0 torch/_dynamo/config.py:517', '2.12.1 torch/_dynamo/config.py:551',
            '2.13.0 torch/_dynamo/config.py:557', '2.14.1 torch/_dynamo/config.py:560', '2.15.0 torch/_dynamo/config.py:558',
        ),
    ),
    Knob(
        name='torch._dynamo.config.prefer_deferred_runtime_asserts_over_guards',
        type='bool',
        purpose='recompiles',
        summary='Turn some shape guards into deferred runtime asserts (fewer recompiles, errors instead).',
        spellings=(Spelling('torch._dynamo.config.prefer_deferred_runtime_asserts_over_guards', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:241 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:241', '2.7.1 torch/_dynamo/config.py:271', '2.8.0 torch/_dynamo/config.py:261',
            '2.9.1 torch/_dynamo/config.py:265', '2.10.0 torch/_dynamo/config.py:295', '2.11.0 torch/_dynamo/config.py:341',
            '2.12.1 torch/_dynamo/config.py:375', '2.13.0 torch/_dynamo/config.py:384', '2.14.1 torch/_dynamo/config.py:387',
            '2.15.0 torch/_dynamo/config.py:385',
        ),
    ),
    Knob(
        name='torch._dynamo.config.allow_complex_guards_as_runtime_asserts',
        type='bool',
        purpose='recompiles',
        summary='Like prefer_deferred_runtime_asserts_over_guards for guards too complex to express.',
        spellings=(Spelling('torch._dynamo.config.allow_complex_guards_as_runtime_asserts', (2, 6), (2, 8)), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:247 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:247', '2.7.1 torch/_dynamo/config.py:277', '2.8.0 torch/_dynamo/config.py:267',
        ),
    ),
    Knob(
        name='torch._dynamo.config.force_unspec_int_unbacked_size_like_on_torchrec_kjt',
        type='bool',
        purpose='recompiles',
        summary='Treat torchrec KeyedJaggedTensor _length_per_key/_offset_per_key ints as unbacked size-like SymInts.',
        spellings=(Spelling('torch._dynamo.config.force_unspec_int_unbacked_size_like_on_torchrec_kjt', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:257 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:257', '2.7.1 torch/_dynamo/config.py:287', '2.8.0 torch/_dynamo/config.py:277',
            '2.9.1 torch/_dynamo/config.py:275', '2.10.0 torch/_dynamo/config.py:305', '2.11.0 torch/_dynamo/config.py:351',
            '2.12.1 torch/_dynamo/config.py:385', '2.13.0 torch/_dynamo/config.py:394', '2.14.1 torch/_dynamo/config.py:397',
            '2.15.0 torch/_dynamo/config.py:395',
        ),
    ),
    Knob(
        name='torch._dynamo.config.optimize_ddp',
        type='bool | str',
        purpose='graph_breaks',
        summary="DDP graph splitting at bucket boundaries (the DDPOptimizer graph breaks); False / 'no_optimization' disables it.",
        spellings=(Spelling('torch._dynamo.config.optimize_ddp', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_dynamo/config.py:278 (2.6.0)'),
        ),
        choices=(True, False, 'ddp_optimizer', 'python_reducer', 'python_reducer_without_compiled_forward', 'no_optimization'),
        sources=(
            '2.6.0 torch/_dynamo/config.py:278', '2.7.1 torch/_dynamo/config.py:313', '2.8.0 torch/_dynamo/config.py:303',
            '2.9.1 torch/_dynamo/config.py:301', '2.10.0 torch/_dynamo/config.py:331', '2.11.0 torch/_dynamo/config.py:377',
            '2.12.1 torch/_dynamo/config.py:411', '2.13.0 torch/_dynamo/config.py:420', '2.14.1 torch/_dynamo/config.py:423',
            '2.15.0 torch/_dynamo/config.py:421',
        ),
    ),
    Knob(
        name='torch._dynamo.config.suppress_errors',
        type='bool',
        purpose='graph_breaks',
        summary='Swallow compiler errors and fall back to eager for the failing frame.',
        spellings=(Spelling('torch._dynamo.config.suppress_errors', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:150 (2.6.0)'),
        ),
        env=(
            EnvVar('TORCHDYNAMO_SUPPRESS_ERRORS', (2, 6), None, 'nonempty', 'torch/_dynamo/config.py:150 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:150', '2.7.1 torch/_dynamo/config.py:180', '2.8.0 torch/_dynamo/config.py:170',
            '2.9.1 torch/_dynamo/config.py:174', '2.10.0 torch/_dynamo/config.py:190', '2.11.0 torch/_dynamo/config.py:230',
            '2.12.1 torch/_dynamo/config.py:264', '2.13.0 torch/_dynamo/config.py:273', '2.14.1 torch/_dynamo/config.py:276',
            '2.15.0 torch/_dynamo/config.py:275',
        ),
        notes="Parsed as bool(os.environ.get(...)): ANY non-empty value, including '0', turns it on.",
    ),
    Knob(
        name='torch._dynamo.config.nested_graph_breaks',
        type='bool',
        purpose='graph_breaks',
        summary='Resume tracing inside nested frames after a graph break instead of bubbling the break to the top frame.',
        spellings=(Spelling('torch._dynamo.config.nested_graph_breaks', (2, 9), None), ),
        defaults=(
            DefaultValue((2, 9), False, 'torch/_dynamo/config.py:453 (2.9.1)'),
        ),
        sources=(
            '2.9.1 torch/_dynamo/config.py:453', '2.10.0 torch/_dynamo/config.py:483', '2.11.0 torch/_dynamo/config.py:537',
            '2.12.1 torch/_dynamo/config.py:573', '2.13.0 torch/_dynamo/config.py:582', '2.14.1 torch/_dynamo/config.py:587',
            '2.15.0 torch/_dynamo/config.py:585',
        ),
    ),
    Knob(
        name='torch._dynamo.config.trace_numpy',
        type='bool',
        purpose='graph_breaks',
        summary='Trace NumPy calls (via torch._numpy) instead of graph-breaking.',
        spellings=(Spelling('torch._dynamo.config.trace_numpy', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_dynamo/config.py:371 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:371', '2.7.1 torch/_dynamo/config.py:394', '2.8.0 torch/_dynamo/config.py:386',
            '2.9.1 torch/_dynamo/config.py:418', '2.10.0 torch/_dynamo/config.py:448', '2.11.0 torch/_dynamo/config.py:499',
            '2.12.1 torch/_dynamo/config.py:533', '2.13.0 torch/_dynamo/config.py:539', '2.14.1 torch/_dynamo/config.py:542',
            '2.15.0 torch/_dynamo/config.py:540',
        ),
    ),
    Knob(
        name='torch._dynamo.config.allow_rnn',
        type='bool',
        purpose='graph_breaks',
        summary='Trace nn.RNN/LSTM/GRU instead of graph-breaking.',
        spellings=(Spelling('torch._dynamo.config.allow_rnn', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:351 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:351', '2.7.1 torch/_dynamo/config.py:374', '2.8.0 torch/_dynamo/config.py:366',
            '2.9.1 torch/_dynamo/config.py:398', '2.10.0 torch/_dynamo/config.py:428', '2.11.0 torch/_dynamo/config.py:479',
            '2.12.1 torch/_dynamo/config.py:513', '2.13.0 torch/_dynamo/config.py:519', '2.14.1 torch/_dynamo/config.py:522',
            '2.15.0 torch/_dynamo/config.py:520',
        ),
    ),
    Knob(
        name='torch._dynamo.config.capture_sparse_compute',
        type='bool',
        purpose='graph_breaks',
        summary='Capture sparse tensor compute instead of graph-breaking.',
        spellings=(Spelling('torch._dynamo.config.capture_sparse_compute', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_dynamo/config.py:357 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:357', '2.7.1 torch/_dynamo/config.py:380', '2.8.0 torch/_dynamo/config.py:372',
            '2.9.1 torch/_dynamo/config.py:404', '2.10.0 torch/_dynamo/config.py:434', '2.11.0 torch/_dynamo/config.py:485',
            '2.12.1 torch/_dynamo/config.py:519', '2.13.0 torch/_dynamo/config.py:525', '2.14.1 torch/_dynamo/config.py:528',
            '2.15.0 torch/_dynamo/config.py:526',
        ),
        notes='2.6-2.13: `False if is_fbcode() else True` / `not is_fbcode()` (True in OSS); 2.14+: literally True.',
    ),
    Knob(
        name='torch._dynamo.config.dont_skip_tracing',
        type='bool',
        purpose='graph_breaks',
        summary='Ignore most trace_rules skip rules (trace into normally skipped files).',
        spellings=(Spelling('torch._dynamo.config.dont_skip_tracing', (2, 8), None), ),
        defaults=(
            DefaultValue((2, 8), False, 'torch/_dynamo/config.py:326 (2.8.0)'),
        ),
        sources=(
            '2.8.0 torch/_dynamo/config.py:326', '2.9.1 torch/_dynamo/config.py:324', '2.10.0 torch/_dynamo/config.py:354',
            '2.11.0 torch/_dynamo/config.py:400', '2.12.1 torch/_dynamo/config.py:434', '2.13.0 torch/_dynamo/config.py:443',
            '2.14.1 torch/_dynamo/config.py:446', '2.15.0 torch/_dynamo/config.py:444',
        ),
    ),
    Knob(
        name='torch._dynamo.config.enable_trace_contextlib',
        type='bool',
        purpose='graph_breaks',
        summary='Trace through contextlib.contextmanager.',
        spellings=(Spelling('torch._dynamo.config.enable_trace_contextlib', (2, 7), None), ),
        defaults=(
            DefaultValue((2, 7), True, 'torch/_dynamo/config.py:412 (2.7.1)'),
        ),
        sources=(
            '2.7.1 torch/_dynamo/config.py:412', '2.8.0 torch/_dynamo/config.py:404', '2.9.1 torch/_dynamo/config.py:436',
            '2.10.0 torch/_dynamo/config.py:466', '2.11.0 torch/_dynamo/config.py:520', '2.12.1 torch/_dynamo/config.py:554',
            '2.13.0 torch/_dynamo/config.py:560', '2.14.1 torch/_dynamo/config.py:563', '2.15.0 torch/_dynamo/config.py:561',
        ),
    ),
    Knob(
        name='torch._dynamo.config.enable_trace_unittest',
        type='bool',
        purpose='graph_breaks',
        summary='Trace through unittest.',
        spellings=(Spelling('torch._dynamo.config.enable_trace_unittest', (2, 8), None), ),
        defaults=(
            DefaultValue((2, 8), False, 'torch/_dynamo/config.py:407 (2.8.0)'),
        ),
        sources=(
            '2.8.0 torch/_dynamo/config.py:407', '2.9.1 torch/_dynamo/config.py:439', '2.10.0 torch/_dynamo/config.py:469',
            '2.11.0 torch/_dynamo/config.py:523', '2.12.1 torch/_dynamo/config.py:557', '2.13.0 torch/_dynamo/config.py:563',
            '2.14.1 torch/_dynamo/config.py:566', '2.15.0 torch/_dynamo/config.py:564',
        ),
    ),
    Knob(
        name='torch._dynamo.config.graph_break_on_nn_param_ctor',
        type='bool',
        purpose='graph_breaks',
        summary='Graph break on nn.Parameter construction inside the compiled region.',
        spellings=(Spelling('torch._dynamo.config.graph_break_on_nn_param_ctor', (2, 9), None), ),
        defaults=(
            DefaultValue((2, 9), True, 'torch/_dynamo/config.py:615 (2.9.1)'),
        ),
        sources=(
            '2.9.1 torch/_dynamo/config.py:615', '2.10.0 torch/_dynamo/config.py:649', '2.11.0 torch/_dynamo/config.py:732',
            '2.12.1 torch/_dynamo/config.py:768', '2.13.0 torch/_dynamo/config.py:778', '2.14.1 torch/_dynamo/config.py:783',
            '2.15.0 torch/_dynamo/config.py:781',
        ),
    ),
    Knob(
        name='torch._dynamo.config.constant_fold_autograd_profiler_enabled',
        type='bool',
        purpose='graph_breaks',
        summary='Constant-fold torch.autograd._profiler_enabled instead of graph-breaking.',
        spellings=(Spelling('torch._dynamo.config.constant_fold_autograd_profiler_enabled', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 10), False, 'torch/_dynamo/config.py:743 (2.10.0)'),
        ),
        sources=(
            '2.10.0 torch/_dynamo/config.py:743', '2.11.0 torch/_dynamo/config.py:836', '2.12.1 torch/_dynamo/config.py:877',
            '2.13.0 torch/_dynamo/config.py:887', '2.14.1 torch/_dynamo/config.py:892', '2.15.0 torch/_dynamo/config.py:914',
        ),
    ),
    Knob(
        name='torch._dynamo.config.trace_autograd_ops',
        type='bool',
        purpose='graph_breaks',
        summary='Trace torch.autograd.grad instead of graph-breaking.',
        spellings=(Spelling('torch._dynamo.config.trace_autograd_ops', (2, 11), None), ),
        defaults=(
            DefaultValue((2, 11), False, 'torch/_dynamo/config.py:502 (2.11.0)'),
        ),
        sources=(
            '2.11.0 torch/_dynamo/config.py:502', '2.12.1 torch/_dynamo/config.py:536', '2.13.0 torch/_dynamo/config.py:542',
            '2.14.1 torch/_dynamo/config.py:545', '2.15.0 torch/_dynamo/config.py:543',
        ),
    ),
    Knob(
        name='torch._dynamo.config.compiled_autograd',
        type='bool',
        purpose='graph_breaks',
        summary='Trace autograd (backward) calls made under torch.compile with Compiled Autograd.',
        spellings=(Spelling('torch._dynamo.config.compiled_autograd', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:495 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:495', '2.7.1 torch/_dynamo/config.py:539', '2.8.0 torch/_dynamo/config.py:554',
            '2.9.1 torch/_dynamo/config.py:608', '2.10.0 torch/_dynamo/config.py:642', '2.11.0 torch/_dynamo/config.py:719',
            '2.12.1 torch/_dynamo/config.py:755', '2.13.0 torch/_dynamo/config.py:765', '2.14.1 torch/_dynamo/config.py:770',
            '2.15.0 torch/_dynamo/config.py:768',
        ),
    ),
    Knob(
        name='torch._dynamo.config.wrap_top_frame',
        type='bool',
        purpose='graph_breaks',
        summary='Wrap the compiled function/module so nn.Module hooks are compiled in the same frame.',
        spellings=(Spelling('torch._dynamo.config.wrap_top_frame', (2, 8), None), ),
        aliases=(Spelling('torch.compiler.config.wrap_top_frame', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 8), False, 'torch/_dynamo/config.py:616 (2.8.0)'),
        ),
        sources=(
            '2.8.0 torch/_dynamo/config.py:616', '2.9.1 torch/_dynamo/config.py:680', '2.10.0 torch/_dynamo/config.py:747',
            '2.11.0 torch/_dynamo/config.py:840', '2.12.1 torch/_dynamo/config.py:881', '2.13.0 torch/_dynamo/config.py:891',
            '2.14.1 torch/_dynamo/config.py:896', '2.15.0 torch/_dynamo/config.py:918',
        ),
    ),
    Knob(
        name='torch._dynamo.config.dynamic_shapes',
        type='bool',
        purpose='recompiles',
        summary='Legacy; the config comment says it does nothing.',
        spellings=(Spelling('torch._dynamo.config.dynamic_shapes', (2, 6), None), ),
        aliases=(Spelling('torch.compiler.config.dynamic_shapes', (2, 10), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_dynamo/config.py:71 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:71', '2.7.1 torch/_dynamo/config.py:94', '2.8.0 torch/_dynamo/config.py:94',
            '2.9.1 torch/_dynamo/config.py:92', '2.10.0 torch/_dynamo/config.py:108', '2.11.0 torch/_dynamo/config.py:146',
            '2.12.1 torch/_dynamo/config.py:160', '2.13.0 torch/_dynamo/config.py:165', '2.14.1 torch/_dynamo/config.py:168',
            '2.15.0 torch/_dynamo/config.py:168',
        ),
    ),
    Knob(
        name='torch._dynamo.config.automatic_dynamic_local_pgo',
        type='bool',
        purpose='cache',
        summary='Persist automatic-dynamic decisions to a local profile (under TORCHINDUCTOR_CACHE_DIR/dynamo) and reuse them next run.',
        spellings=(Spelling('torch._dynamo.config.automatic_dynamic_local_pgo', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:532 (2.6.0)'),
            DefaultValue((2, 7), True, 'torch/_dynamo/config.py:576 (2.7.1)'),
        ),
        env=(
            EnvVar('TORCH_DYNAMO_AUTOMATIC_DYNAMIC_LOCAL_PGO', (2, 6), (2, 6), 'eq1', 'torch/_dynamo/config.py:532 (2.6.0)'),
            EnvVar('TORCH_DYNAMO_AUTOMATIC_DYNAMIC_LOCAL_PGO', (2, 7), None, 'config_force', 'torch/_dynamo/config.py:576 (2.7.1)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:532', '2.7.1 torch/_dynamo/config.py:576', '2.8.0 torch/_dynamo/config.py:591',
            '2.9.1 torch/_dynamo/config.py:652', '2.10.0 torch/_dynamo/config.py:713', '2.11.0 torch/_dynamo/config.py:806',
            '2.12.1 torch/_dynamo/config.py:847', '2.13.0 torch/_dynamo/config.py:857', '2.14.1 torch/_dynamo/config.py:862',
            '2.15.0 torch/_dynamo/config.py:860',
        ),
        notes='PGO only reads/writes when a cache key exists: torch.compiler.config.job_id (TORCH_COMPILE_JOB_ID) or a MAST job (pgo.get_cache_key).',
    ),
    Knob(
        name='torch._dynamo.config.automatic_dynamic_remote_pgo',
        type='bool | None',
        purpose='cache',
        summary='Remote-cache PGO profile; None = decide automatically (off in OSS).',
        spellings=(Spelling('torch._dynamo.config.automatic_dynamic_remote_pgo', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), None, 'torch/_dynamo/config.py:537 (2.6.0)'),
        ),
        env=(
            EnvVar('TORCH_DYNAMO_AUTOMATIC_DYNAMIC_REMOTE_PGO', (2, 6), None, 'tristate', 'torch/_dynamo/config.py:537 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:537', '2.7.1 torch/_dynamo/config.py:583', '2.8.0 torch/_dynamo/config.py:598',
            '2.9.1 torch/_dynamo/config.py:659', '2.10.0 torch/_dynamo/config.py:720', '2.11.0 torch/_dynamo/config.py:813',
            '2.12.1 torch/_dynamo/config.py:854', '2.13.0 torch/_dynamo/config.py:864', '2.14.1 torch/_dynamo/config.py:869',
            '2.15.0 torch/_dynamo/config.py:867',
        ),
    ),
    Knob(
        name='torch._dynamo.config.disable',
        type='bool',
        purpose='debug',
        summary='Disable Dynamo entirely (torch.compile becomes a no-op): the eager baseline.',
        spellings=(Spelling('torch._dynamo.config.disable', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_dynamo/config.py:161 (2.6.0)'),
        ),
        env=(
            EnvVar('TORCH_COMPILE_DISABLE', (2, 6), (2, 7), 'raw_truthy', 'torch/_dynamo/config.py:161 (2.6.0)'),
            EnvVar('TORCH_COMPILE_DISABLE', (2, 8), None, 'eq1', 'torch/_dynamo/config.py:181 (2.8.0)'),
        ),
        sources=(
            '2.6.0 torch/_dynamo/config.py:161', '2.7.1 torch/_dynamo/config.py:191', '2.8.0 torch/_dynamo/config.py:181',
            '2.9.1 torch/_dynamo/config.py:185', '2.10.0 torch/_dynamo/config.py:201', '2.11.0 torch/_dynamo/config.py:241',
            '2.12.1 torch/_dynamo/config.py:275', '2.13.0 torch/_dynamo/config.py:284', '2.14.1 torch/_dynamo/config.py:287',
            '2.15.0 torch/_dynamo/config.py:286',
        ),
        notes="2.6/2.7: `os.environ.get('TORCH_COMPILE_DISABLE', False)` keeps the raw string, so '0' also disables; 2.8+: == '1'.",
    ),
    Knob(
        name='torch._dynamo.config.debug_inductor_config_override',
        type='str',
        purpose='debug',
        summary="Per-graph inductor config overrides, 'filter:key=value,...;...' (filter = frame ids, ranges, >N).",
        spellings=(Spelling('torch._dynamo.config.debug_inductor_config_override', (2, 11), None), ),
        defaults=(
            DefaultValue((2, 11), '', 'torch/_dynamo/config.py:61 (2.11.0)'),
        ),
        env=(
            EnvVar('TORCH_COMPILE_OVERRIDE_INDUCTOR_CONFIGS', (2, 11), None, 'raw', 'torch/_dynamo/config.py:61 (2.11.0)'),
        ),
        sources=(
            '2.11.0 torch/_dynamo/config.py:61', '2.12.1 torch/_dynamo/config.py:61', '2.13.0 torch/_dynamo/config.py:61',
            '2.14.1 torch/_dynamo/config.py:61', '2.15.0 torch/_dynamo/config.py:61',
        ),
    ),
    Knob(
        name='torch._dynamo.config.debug_dynamo_config_override',
        type='str',
        purpose='debug',
        summary="Per-graph dynamo config overrides applied with config.patch around tracing, e.g. '>=0:capture_scalar_outputs=True'.",
        spellings=(Spelling('torch._dynamo.config.debug_dynamo_config_override', (2, 12), None), ),
        defaults=(
            DefaultValue((2, 12), '', 'torch/_dynamo/config.py:72 (2.12.1)'),
        ),
        env=(
            EnvVar('TORCH_COMPILE_OVERRIDE_DYNAMO_CONFIGS', (2, 12), None, 'raw', 'torch/_dynamo/config.py:72 (2.12.1)'),
        ),
        sources=(
            '2.12.1 torch/_dynamo/config.py:72', '2.13.0 torch/_dynamo/config.py:72', '2.14.1 torch/_dynamo/config.py:72',
            '2.15.0 torch/_dynamo/config.py:72',
        ),
        notes='Keyed by frame id; values parsed true/false/none/int/float/str; keys validated against torch._dynamo.config. Applied in convert_frame around compile_frame only, so knobs read outside tracing (e.g. recompile_limit, checked before) are not affected (read from source, 2.12.1 convert_frame.py:1620).',
    ),
    Knob(
        name='torch.compiler.config.dynamic_sources',
        type='str',
        purpose='recompiles',
        summary='Comma-separated source names (exact or re.match regex) whose tensors/ints are made dynamic from the first compile.',
        spellings=(Spelling('torch.compiler.config.dynamic_sources', (2, 7), None), ),
        defaults=(
            DefaultValue((2, 7), '', 'torch/compiler/config.py:66 (2.7.1)'),
        ),
        env=(
            EnvVar('TORCH_COMPILE_DYNAMIC_SOURCES', (2, 7), None, 'config_default', 'torch/compiler/config.py:66 (2.7.1)'),
        ),
        sources=(
            '2.7.1 torch/compiler/config.py:66', '2.8.0 torch/compiler/config.py:69', '2.9.1 torch/compiler/config.py:94',
            '2.10.0 torch/compiler/config.py:110', '2.11.0 torch/compiler/config.py:110', '2.12.1 torch/compiler/config.py:109',
            '2.13.0 torch/compiler/config.py:109', '2.14.1 torch/compiler/config.py:123', '2.15.0 torch/compiler/config.py:123',
        ),
        notes="2.7: exact string match only; 2.8+: exact or re.match regex; 2.13+: optional ':N' suffix restricts to dim N. Spaces are removed before splitting on ','.",
    ),
    Knob(
        name='torch.compiler.config.unbacked_sources',
        type='str',
        purpose='recompiles',
        summary='Comma-separated source names (same syntax as dynamic_sources) made unbacked.',
        spellings=(Spelling('torch.compiler.config.unbacked_sources', (2, 8), None), ),
        defaults=(
            DefaultValue((2, 8), '', 'torch/compiler/config.py:80 (2.8.0)'),
        ),
        env=(
            EnvVar('TORCH_COMPILE_UNBACKED_SOURCES', (2, 8), None, 'config_default', 'torch/compiler/config.py:80 (2.8.0)'),
        ),
        sources=(
            '2.8.0 torch/compiler/config.py:80', '2.9.1 torch/compiler/config.py:105', '2.10.0 torch/compiler/config.py:121',
            '2.11.0 torch/compiler/config.py:121', '2.12.1 torch/compiler/config.py:120', '2.13.0 torch/compiler/config.py:167',
            '2.14.1 torch/compiler/config.py:181', '2.15.0 torch/compiler/config.py:181',
        ),
    ),
    Knob(
        name='torch.compiler.config.static_sources',
        type='str',
        purpose='recompiles',
        summary='Comma-separated source names (same syntax) held static; wins over dynamic/unbacked sources, PGO and automatic dynamic.',
        spellings=(Spelling('torch.compiler.config.static_sources', (2, 15), None), ),
        defaults=(
            DefaultValue((2, 15), '', 'torch/compiler/config.py:195 (2.15.0)'),
        ),
        env=(
            EnvVar('TORCH_COMPILE_STATIC_SOURCES', (2, 15), None, 'config_default', 'torch/compiler/config.py:195 (2.15.0)'),
        ),
        sources=(
            '2.15.0 torch/compiler/config.py:195',
        ),
    ),
    Knob(
        name='torch.compiler.config.dynamic_values',
        type='str',
        purpose='recompiles',
        summary='Comma-separated int values; any int source or tensor dim equal to one of them is marked dynamic.',
        spellings=(Spelling('torch.compiler.config.dynamic_values', (2, 13), None), ),
        defaults=(
            DefaultValue((2, 13), '', 'torch/compiler/config.py:139 (2.13.0)'),
        ),
        env=(
            EnvVar('TORCH_COMPILE_DYNAMIC_VALUES', (2, 13), None, 'config_default', 'torch/compiler/config.py:139 (2.13.0)'),
        ),
        sources=(
            '2.13.0 torch/compiler/config.py:139', '2.14.1 torch/compiler/config.py:153', '2.15.0 torch/compiler/config.py:153',
        ),
        notes="A single value '1' or '0' is read as a bool by _read_env_variable and then crashes get_dynamic_values ('bool' object has no attribute 'replace'); write '1,' instead (verified on 2.13.0).",
    ),
    Knob(
        name='torch.compiler.config.job_id',
        type='str | None',
        purpose='cache',
        summary='Names the PGO profile; PGO (local or remote) does nothing without it (outside MAST).',
        spellings=(Spelling('torch.compiler.config.job_id', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), None, 'torch/compiler/config.py:31 (2.6.0)'),
        ),
        env=(
            EnvVar('TORCH_COMPILE_JOB_ID', (2, 6), (2, 6), 'raw', 'torch/compiler/config.py:31 (2.6.0)'),
            EnvVar('TORCH_COMPILE_JOB_ID', (2, 7), None, 'config_default', 'torch/compiler/config.py:32 (2.7.1)'),
            EnvVar('TORCH_COMPILE_STICKY_PGO_KEY', (2, 8), None, 'config_default', 'torch/compiler/config.py:32 (2.8.0)'),
        ),
        sources=(
            '2.6.0 torch/compiler/config.py:31', '2.7.1 torch/compiler/config.py:32', '2.8.0 torch/compiler/config.py:32',
            '2.9.1 torch/compiler/config.py:32', '2.10.0 torch/compiler/config.py:48', '2.11.0 torch/compiler/config.py:48',
            '2.12.1 torch/compiler/config.py:47', '2.13.0 torch/compiler/config.py:47', '2.14.1 torch/compiler/config.py:48',
            '2.15.0 torch/compiler/config.py:48',
        ),
    ),
    Knob(
        name='torch.compiler.config.cache_key_tag',
        type='str',
        purpose='cache',
        summary='Extra tag mixed into every torch.compile cache key; a fresh tag busts all caches.',
        spellings=(Spelling('torch.compiler.config.cache_key_tag', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), '', 'torch/compiler/config.py:58 (2.6.0)'),
        ),
        env=(
            EnvVar('TORCH_COMPILE_CACHE_KEY_TAG', (2, 6), (2, 6), 'raw', 'torch/compiler/config.py:58 (2.6.0)'),
            EnvVar('TORCH_COMPILE_CACHE_KEY_TAG', (2, 7), None, 'config_default', 'torch/compiler/config.py:60 (2.7.1)'),
        ),
        sources=(
            '2.6.0 torch/compiler/config.py:58', '2.7.1 torch/compiler/config.py:60', '2.8.0 torch/compiler/config.py:63',
            '2.9.1 torch/compiler/config.py:76', '2.10.0 torch/compiler/config.py:92', '2.11.0 torch/compiler/config.py:92',
            '2.12.1 torch/compiler/config.py:91', '2.13.0 torch/compiler/config.py:91', '2.14.1 torch/compiler/config.py:92',
            '2.15.0 torch/compiler/config.py:92',
        ),
    ),
    Knob(
        name='torch.compiler.config.force_disable_caches',
        type='bool',
        purpose='cache',
        summary='Disable every compile cache (FX graph, AOTAutograd, autotune, PGO).',
        spellings=(Spelling('torch._inductor.config.force_disable_caches', (2, 6), (2, 8)), Spelling('torch.compiler.config.force_disable_caches', (2, 9), None), ),
        aliases=(Spelling('torch._inductor.config.force_disable_caches', (2, 9), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_inductor/config.py:91 (2.6.0)'),
        ),
        env=(
            EnvVar('TORCHINDUCTOR_FORCE_DISABLE_CACHES', (2, 6), (2, 7), 'eq1', 'torch/_inductor/config.py:91 (2.6.0)'),
            EnvVar('TORCHINDUCTOR_FORCE_DISABLE_CACHES', (2, 8), None, 'config_force', 'torch/_inductor/config.py:142 (2.8.0)'),
            EnvVar('TORCH_COMPILE_FORCE_DISABLE_CACHES', (2, 9), None, 'config_force', 'torch/compiler/config.py:82 (2.9.1)'),
        ),
        sources=(
            '2.6.0 torch/_inductor/config.py:91', '2.7.1 torch/_inductor/config.py:118', '2.8.0 torch/_inductor/config.py:142',
            '2.9.1 torch/compiler/config.py:82', '2.10.0 torch/compiler/config.py:98', '2.11.0 torch/compiler/config.py:98',
            '2.12.1 torch/compiler/config.py:97', '2.13.0 torch/compiler/config.py:97', '2.14.1 torch/compiler/config.py:98',
            '2.15.0 torch/compiler/config.py:98',
        ),
    ),
    Knob(
        name='torch.fx.experimental._config.backed_size_oblivious',
        type='bool',
        purpose='recompiles',
        summary='Size-oblivious reasoning for backed sizes: [0, inf] ranges, avoids 0/1 specialization guards.',
        spellings=(Spelling('torch.fx.experimental._config.backed_size_oblivious', (2, 7), None), ),
        defaults=(
            DefaultValue((2, 7), False, 'torch/fx/experimental/_config.py:98 (2.7.1)'),
        ),
        sources=(
            '2.7.1 torch/fx/experimental/_config.py:98', '2.8.0 torch/fx/experimental/_config.py:98', '2.9.1 torch/fx/experimental/_config.py:98',
            '2.10.0 torch/fx/experimental/_config.py:100', '2.11.0 torch/fx/experimental/_config.py:100', '2.12.1 torch/fx/experimental/_config.py:100',
            '2.13.0 torch/fx/experimental/_config.py:100', '2.14.1 torch/fx/experimental/_config.py:100', '2.15.0 torch/fx/experimental/_config.py:100',
        ),
    ),
    Knob(
        name='torch.fx.experimental._config.use_duck_shape',
        type='bool',
        purpose='recompiles',
        summary='Duck sizing: input dims with equal values share one symbol (adds equality assumptions).',
        spellings=(Spelling('torch.fx.experimental._config.use_duck_shape', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/fx/experimental/_config.py:83 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/fx/experimental/_config.py:83', '2.7.1 torch/fx/experimental/_config.py:87', '2.8.0 torch/fx/experimental/_config.py:87',
            '2.9.1 torch/fx/experimental/_config.py:87', '2.10.0 torch/fx/experimental/_config.py:89', '2.11.0 torch/fx/experimental/_config.py:89',
            '2.12.1 torch/fx/experimental/_config.py:89', '2.13.0 torch/fx/experimental/_config.py:89', '2.14.1 torch/fx/experimental/_config.py:89',
            '2.15.0 torch/fx/experimental/_config.py:89',
        ),
    ),
    Knob(
        name='torch.fx.experimental._config.symbol_guard_limit_before_specialize',
        type='int | None',
        purpose='recompiles',
        summary='Specialize a symbol once more than this many guards mention it.',
        spellings=(Spelling('torch.fx.experimental._config.symbol_guard_limit_before_specialize', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), None, 'torch/fx/experimental/_config.py:80 (2.6.0)'),
        ),
        sources=(
            '2.6.0 torch/fx/experimental/_config.py:80', '2.7.1 torch/fx/experimental/_config.py:84', '2.8.0 torch/fx/experimental/_config.py:84',
            '2.9.1 torch/fx/experimental/_config.py:84', '2.10.0 torch/fx/experimental/_config.py:86', '2.11.0 torch/fx/experimental/_config.py:86',
            '2.12.1 torch/fx/experimental/_config.py:86', '2.13.0 torch/fx/experimental/_config.py:86', '2.14.1 torch/fx/experimental/_config.py:86',
            '2.15.0 torch/fx/experimental/_config.py:86',
        ),
    ),
    Knob(
        name='torch.fx.experimental._config.no_data_dependent_graph_break',
        type='bool',
        purpose='debug',
        summary='Fail hard instead of graph-breaking on data-dependent guards.',
        spellings=(Spelling('torch.fx.experimental._config.no_data_dependent_graph_break', (2, 7), None), ),
        defaults=(
            DefaultValue((2, 7), False, 'torch/fx/experimental/_config.py:7 (2.7.1)'),
        ),
        env=(
            EnvVar('TORCHDYNAMO_NO_DATA_DEPENDENT_GRAPH_BREAK', (2, 7), None, 'eq1', 'torch/fx/experimental/_config.py:7 (2.7.1)'),
        ),
        sources=(
            '2.7.1 torch/fx/experimental/_config.py:7', '2.8.0 torch/fx/experimental/_config.py:7', '2.9.1 torch/fx/experimental/_config.py:7',
            '2.10.0 torch/fx/experimental/_config.py:9', '2.11.0 torch/fx/experimental/_config.py:9', '2.12.1 torch/fx/experimental/_config.py:9',
            '2.13.0 torch/fx/experimental/_config.py:9', '2.14.1 torch/fx/experimental/_config.py:9', '2.15.0 torch/fx/experimental/_config.py:9',
        ),
    ),
    Knob(
        name='torch.fx.experimental._config.soft_pending_unbacked_not_found_error',
        type='bool',
        purpose='graph_breaks',
        summary='Warn instead of raising PendingUnbackedSymbolNotFound.',
        spellings=(Spelling('torch.fx.experimental._config.soft_pending_unbacked_not_found_error', (2, 11), None), ),
        defaults=(
            DefaultValue((2, 11), False, 'torch/fx/experimental/_config.py:116 (2.11.0)'),
        ),
        sources=(
            '2.11.0 torch/fx/experimental/_config.py:116', '2.12.1 torch/fx/experimental/_config.py:116', '2.13.0 torch/fx/experimental/_config.py:123',
            '2.14.1 torch/fx/experimental/_config.py:123', '2.15.0 torch/fx/experimental/_config.py:123',
        ),
    ),
    Knob(
        name='torch._inductor.config.fx_graph_cache',
        type='bool',
        purpose='cache',
        summary="Inductor's local FX graph cache.",
        spellings=(Spelling('torch._inductor.config.fx_graph_cache', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), True, 'torch/_inductor/config.py:45 (2.6.0)'),
        ),
        env=(
            EnvVar('TORCHINDUCTOR_FX_GRAPH_CACHE', (2, 6), (2, 6), 'eq1', 'torch/_inductor/config.py:45 (2.6.0)'),
            EnvVar('TORCHINDUCTOR_FX_GRAPH_CACHE', (2, 7), None, 'config_force', 'torch/_inductor/config.py:70 (2.7.1)'),
            EnvVar('TORCHINDUCTOR_FX_GRAPH_CACHE_DEFAULT', (2, 10), None, 'config_default', 'torch/_inductor/config.py:97 (2.10.0)'),
        ),
        sources=(
            '2.6.0 torch/_inductor/config.py:45', '2.7.1 torch/_inductor/config.py:70', '2.8.0 torch/_inductor/config.py:88',
            '2.9.1 torch/_inductor/config.py:93', '2.10.0 torch/_inductor/config.py:97', '2.11.0 torch/_inductor/config.py:104',
            '2.12.1 torch/_inductor/config.py:109', '2.13.0 torch/_inductor/config.py:109', '2.14.1 torch/_inductor/config.py:109',
            '2.15.0 torch/_inductor/config.py:124',
        ),
    ),
    Knob(
        name='torch._functorch.config.enable_autograd_cache',
        type='bool',
        purpose='cache',
        summary="AOTAutograd's local cache.",
        spellings=(Spelling('torch._functorch.config.enable_autograd_cache', (2, 6), None), ),
        defaults=(
            DefaultValue((2, 6), False, 'torch/_functorch/config.py:36 (2.6.0)'),
            DefaultValue((2, 7), True, 'torch/_functorch/config.py:43 (2.7.1)'),
        ),
        env=(
            EnvVar('TORCHINDUCTOR_AUTOGRAD_CACHE', (2, 6), (2, 6), 'eq1', 'torch/_functorch/config.py:36 (2.6.0)'),
            EnvVar('TORCHINDUCTOR_AUTOGRAD_CACHE', (2, 7), None, 'config_force', 'torch/_functorch/config.py:43 (2.7.1)'),
        ),
        sources=(
            '2.6.0 torch/_functorch/config.py:36', '2.7.1 torch/_functorch/config.py:43', '2.8.0 torch/_functorch/config.py:47',
            '2.9.1 torch/_functorch/config.py:48', '2.10.0 torch/_functorch/config.py:58', '2.11.0 torch/_functorch/config.py:61',
            '2.12.1 torch/_functorch/config.py:61', '2.13.0 torch/_functorch/config.py:71', '2.14.1 torch/_functorch/config.py:71',
            '2.15.0 torch/_functorch/config.py:71',
        ),
    ),
)
# END GENERATED TABLE


@dataclass(frozen=True)
class CacheEnvVar:
    """An environment variable that decides where compile caches live (or whether they are used)."""

    name: str
    since: Release
    until: Release | None
    meaning: str
    cite: str

    def covers(self, release: Release) -> bool:
        return release >= self.since and (self.until is None or release <= self.until)


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
class MarkFunction:
    """A torch._dynamo marking function and its signature in releases since..until."""

    name: str
    signature: str
    since: Release
    until: Release | None
    cite: str

    def covers(self, release: Release) -> bool:
        return release >= self.since and (self.until is None or release <= self.until)


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
class Suggestion:
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
    return tuple(s for s in SUGGESTIONS if release >= s.since and (s.until is None or release <= s.until))
