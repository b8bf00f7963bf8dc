"""The table of torch.compile configuration knobs (``dynotrace/trials/knobs.py``), which
``--try-fixes`` reads to spell each candidate fix as each release has it.

Part 1 tests the API on known facts. Part 2 re-checks the whole table against the release
sources kept in tests/fixtures/knobs/torch-sources-2.6-2.15.tar.xz (skipped if the archive
is missing). Part 3 (opt-in: KNOBS_RUN_INSTALLED=1) runs tests/knobs_tools/verify_installed.py
against the installed torch. None of them imports torch.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import os
import re
import shlex
import subprocess
import sys
import tarfile

import pytest

from conftest import ROOT
from dynotrace.trials import knobs as K

ARCHIVE = str(ROOT / "tests" / "fixtures" / "knobs" / "torch-sources-2.6-2.15.tar.xz")
VERIFY = str(ROOT / "tests" / "knobs_tools" / "verify_installed.py")
DYN = "torch._dynamo.config"
CMP = "torch.compiler.config"


# ============================================================== part 1: API

def test_releases():
    assert K.RELEASES[0] == (2, 6) and K.RELEASES[-1] == (2, 15) and len(K.RELEASES) == 10
    assert set(K.RELEASE_VERSIONS) == set(K.RELEASES)
    for r, v in K.RELEASE_VERSIONS.items():
        assert tuple(int(x) for x in v.split(".")[:2]) == r


def test_uncovered_release_rejected():
    with pytest.raises(ValueError):
        K.available("capture_scalar_outputs", (2, 5))
    with pytest.raises(ValueError):
        K.spelling("capture_scalar_outputs", (2, 16))


def test_lookup_by_any_name():
    k = K.knob(f"{DYN}.recompile_limit")
    assert K.knob("recompile_limit") is k
    assert K.knob("cache_size_limit") is k
    assert K.knob(f"{DYN}.cache_size_limit") is k
    assert K.knob(f"{CMP}.recompile_limit") is k
    assert K.knob("ignore_logger_methods") is K.knob(f"{DYN}.ignore_logging_functions")
    assert K.knob("torch._inductor.config.force_disable_caches") is K.knob(f"{CMP}.force_disable_caches")
    with pytest.raises(KeyError):
        K.knob("no_such_knob")


@pytest.mark.parametrize("name,release,expected", [
    (f"{DYN}.recompile_limit", (2, 6), f"{DYN}.cache_size_limit"),
    (f"{DYN}.recompile_limit", (2, 7), f"{DYN}.recompile_limit"),
    (f"{DYN}.cache_size_limit", (2, 15), f"{DYN}.recompile_limit"),
    (f"{DYN}.accumulated_recompile_limit", (2, 6), f"{DYN}.accumulated_cache_size_limit"),
    (f"{DYN}.fail_on_recompile_limit_hit", (2, 6), f"{DYN}.fail_on_cache_limit_hit"),
    (f"{DYN}.ignore_logging_functions", (2, 10), f"{DYN}.ignore_logger_methods"),
    (f"{DYN}.ignore_logging_functions", (2, 11), f"{DYN}.ignore_logging_functions"),
    (f"{CMP}.force_disable_caches", (2, 8), "torch._inductor.config.force_disable_caches"),
    (f"{CMP}.force_disable_caches", (2, 9), f"{CMP}.force_disable_caches"),
    ("capture_scalar_outputs", (2, 13), f"{DYN}.capture_scalar_outputs"),
])
def test_spelling(name, release, expected):
    assert K.spelling(name, release) == expected


@pytest.mark.parametrize("name,first", [
    (f"{DYN}.allow_unspec_int_on_nn_module", (2, 7)),
    (f"{CMP}.dynamic_sources", (2, 7)),
    (f"{CMP}.unbacked_sources", (2, 8)),
    (f"{CMP}.dynamic_values", (2, 13)),
    (f"{CMP}.static_sources", (2, 15)),
    ("torch.fx.experimental._config.backed_size_oblivious", (2, 7)),
    (f"{DYN}.enable_cpp_symbolic_shape_guards", (2, 7)),
    (f"{DYN}.nested_graph_breaks", (2, 9)),
    (f"{DYN}.automatic_dynamic_exclusion_guard", (2, 12)),
    (f"{DYN}.capture_scalar_outputs", (2, 6)),
])
def test_added_in_and_available(name, first):
    assert K.added_in(name) == first
    for r in K.RELEASES:
        assert K.available(name, r) == (r >= first)


def test_removed():
    name = f"{DYN}.allow_complex_guards_as_runtime_asserts"
    assert K.removed_in(name) == (2, 9)
    assert K.available(name, (2, 8)) and not K.available(name, (2, 9))
    with pytest.raises(K.KnobUnavailable):
        K.spelling(name, (2, 9))
    assert K.removed_in(f"{DYN}.recompile_limit") is None


def test_has_attribute_literal_names():
    assert not K.has_attribute(f"{DYN}.recompile_limit", (2, 6))
    assert K.has_attribute(f"{DYN}.cache_size_limit", (2, 6))
    assert K.has_attribute(f"{DYN}.cache_size_limit", (2, 15))  # alias
    assert not K.has_attribute(f"{CMP}.capture_scalar_outputs", (2, 9))
    assert K.has_attribute(f"{CMP}.capture_scalar_outputs", (2, 10))
    assert K.has_attribute(f"{DYN}.ignore_logger_methods", (2, 15))
    assert not K.has_attribute(f"{DYN}.ignore_logging_functions", (2, 10))


def test_renamed_from_and_deprecated():
    assert K.knob(f"{DYN}.recompile_limit").renamed_from == (f"{DYN}.cache_size_limit",)
    assert K.knob(f"{DYN}.ignore_logging_functions").renamed_from == (f"{DYN}.ignore_logger_methods",)
    assert K.deprecated(f"{DYN}.inline_inbuilt_nn_modules", (2, 12))
    assert not K.deprecated(f"{DYN}.inline_inbuilt_nn_modules", (2, 11))
    assert K.deprecated(f"{DYN}.skip_code_recursive_on_recompile_limit_hit", (2, 15))


@pytest.mark.parametrize("name,release,value", [
    (f"{DYN}.recompile_limit", (2, 6), 8),
    (f"{DYN}.accumulated_recompile_limit", (2, 15), 256),
    (f"{DYN}.automatic_dynamic_local_pgo", (2, 6), False),
    (f"{DYN}.automatic_dynamic_local_pgo", (2, 7), True),
    ("torch._functorch.config.enable_autograd_cache", (2, 6), False),
    ("torch._functorch.config.enable_autograd_cache", (2, 7), True),
    (f"{DYN}.skip_guards_on_constant_func_defaults", (2, 11), True),
    (f"{DYN}.skip_guards_on_constant_func_defaults", (2, 12), False),
    (f"{DYN}.reorderable_logging_functions", (2, 13), frozenset()),
    (f"{CMP}.dynamic_sources", (2, 7), ""),
    (f"{DYN}.automatic_dynamic_remote_pgo", (2, 13), None),
    (f"{DYN}.optimize_ddp", (2, 13), True),
])
def test_default(name, release, value):
    got = K.default(name, release)
    assert got == value and type(got) is type(value)


def test_default_of_absent_knob_raises():
    with pytest.raises(K.KnobUnavailable):
        K.default(f"{CMP}.dynamic_sources", (2, 6))


@pytest.mark.parametrize("name,value,release,expected", [
    ("capture_scalar_outputs", True, (2, 6), "TORCHDYNAMO_CAPTURE_SCALAR_OUTPUTS=1"),
    ("capture_scalar_outputs", False, (2, 15), "TORCHDYNAMO_CAPTURE_SCALAR_OUTPUTS=0"),
    ("capture_dynamic_output_shape_ops", True, (2, 13), "TORCHDYNAMO_CAPTURE_DYNAMIC_OUTPUT_SHAPE_OPS=1"),
    (f"{CMP}.dynamic_sources", "x", (2, 7), "TORCH_COMPILE_DYNAMIC_SOURCES=x"),
    (f"{CMP}.unbacked_sources", "x", (2, 8), "TORCH_COMPILE_UNBACKED_SOURCES=x"),
    (f"{CMP}.static_sources", "x", (2, 15), "TORCH_COMPILE_STATIC_SOURCES=x"),
    (f"{CMP}.dynamic_values", [1111, 2222], (2, 13), "TORCH_COMPILE_DYNAMIC_VALUES=1111,2222"),
    (f"{CMP}.dynamic_values", "1", (2, 13), "TORCH_COMPILE_DYNAMIC_VALUES=1,"),
    ("automatic_dynamic_shapes", False, (2, 11), "TORCH_DYNAMO_AUTOMATIC_DYNAMIC_SHAPES=0"),
    ("suppress_errors", True, (2, 13), "TORCHDYNAMO_SUPPRESS_ERRORS=1"),
    ("suppress_errors", False, (2, 13), "TORCHDYNAMO_SUPPRESS_ERRORS=''"),
    ("disable", True, (2, 6), "TORCH_COMPILE_DISABLE=1"),
    ("disable", False, (2, 7), "TORCH_COMPILE_DISABLE=''"),
    ("disable", False, (2, 8), "TORCH_COMPILE_DISABLE=0"),
    ("force_disable_caches", True, (2, 6), "TORCHINDUCTOR_FORCE_DISABLE_CACHES=1"),
    ("force_disable_caches", True, (2, 9), "TORCHINDUCTOR_FORCE_DISABLE_CACHES=1"),
    ("fx_graph_cache", False, (2, 10), "TORCHINDUCTOR_FX_GRAPH_CACHE=0"),
    ("automatic_dynamic_local_pgo", False, (2, 7), "TORCH_DYNAMO_AUTOMATIC_DYNAMIC_LOCAL_PGO=0"),
    ("automatic_dynamic_remote_pgo", None, (2, 13), "TORCH_DYNAMO_AUTOMATIC_DYNAMIC_REMOTE_PGO=''"),
    ("job_id", "run-1", (2, 6), "TORCH_COMPILE_JOB_ID=run-1"),
    ("debug_dynamo_config_override", ">=0:capture_scalar_outputs=True", (2, 12),
     "TORCH_COMPILE_OVERRIDE_DYNAMO_CONFIGS='>=0:capture_scalar_outputs=True'"),
])
def test_env_assignment(name, value, release, expected):
    assert K.env_assignment(name, value, release) == expected


@pytest.mark.parametrize("name,release", [
    (f"{DYN}.recompile_limit", (2, 13)),
    (f"{DYN}.allow_unspec_int_on_nn_module", (2, 15)),
    (f"{DYN}.automatic_dynamic_shapes", (2, 10)),
    (f"{CMP}.dynamic_sources", (2, 6)),  # knob absent
    ("torch.fx.experimental._config.backed_size_oblivious", (2, 13)),
])
def test_env_assignment_none(name, release):
    assert K.env_assignment(name, True if "allow" in name or "auto" in name or "backed" in name else 4, release) is None


def test_env_assignment_quotes_source_names():
    s = K.env_assignment(f"{CMP}.dynamic_sources", ["L['x']", "L['self']._modules['fc']._parameters['weight']"], (2, 13))
    var, value = shlex.split(s)[0].split("=", 1)
    assert var == "TORCH_COMPILE_DYNAMIC_SOURCES"
    assert value == "L['x'],L['self']._modules['fc']._parameters['weight']"
    assert K.env_pair(f"{CMP}.dynamic_sources", "L['x']:0", (2, 13)) == ("TORCH_COMPILE_DYNAMIC_SOURCES", "L['x']:0")


def test_env_value_validation():
    with pytest.raises(TypeError):
        K.env_pair("capture_scalar_outputs", "yes", (2, 13))
    with pytest.raises(TypeError):
        K.env_pair(f"{CMP}.dynamic_sources", True, (2, 13))
    with pytest.raises(ValueError):
        K.env_pair(f"{CMP}.dynamic_sources", ["a,b"], (2, 13))
    with pytest.raises(ValueError):
        K.env_pair("job_id", "1", (2, 13))  # would be read back as bool True


def test_env_vars_precedence_order():
    names = [e.name for e in K.env_vars("fx_graph_cache", (2, 10))]
    assert names == ["TORCHINDUCTOR_FX_GRAPH_CACHE", "TORCHINDUCTOR_FX_GRAPH_CACHE_DEFAULT"]
    assert [e.name for e in K.env_vars("job_id", (2, 8))] == ["TORCH_COMPILE_JOB_ID", "TORCH_COMPILE_STICKY_PGO_KEY"]
    assert [e.name for e in K.env_vars("job_id", (2, 7))] == ["TORCH_COMPILE_JOB_ID"]
    assert [e.mechanism for e in K.env_vars("automatic_dynamic_local_pgo", (2, 6))] == ["eq1"]
    assert [e.mechanism for e in K.env_vars("automatic_dynamic_local_pgo", (2, 7))] == ["config_force"]


@pytest.mark.parametrize("name,value,release,expected", [
    ("capture_scalar_outputs", True, (2, 13), f"{DYN}.capture_scalar_outputs = True"),
    ("recompile_limit", 64, (2, 6), f"{DYN}.cache_size_limit = 64"),
    ("recompile_limit", 64, (2, 7), f"{DYN}.recompile_limit = 64"),
    ("allow_unspec_int_on_nn_module", True, (2, 15), f"{DYN}.allow_unspec_int_on_nn_module = True"),
    (f"{CMP}.dynamic_sources", ["L['x']", "L['y']"], (2, 13), f"{CMP}.dynamic_sources = \"L['x'],L['y']\""),
    ("reorderable_logging_functions", ["print", "warnings.warn"], (2, 13),
     f"{DYN}.reorderable_logging_functions.update({{print, warnings.warn}})"),
    ("ignore_logging_functions", ["logging.Logger.info"], (2, 10),
     f"{DYN}.ignore_logger_methods.update({{logging.Logger.info}})"),
    ("force_disable_caches", True, (2, 8), "torch._inductor.config.force_disable_caches = True"),
    ("optimize_ddp", "no_optimization", (2, 13), f"{DYN}.optimize_ddp = 'no_optimization'"),
    ("automatic_dynamic_shapes_mark_as", "unbacked", (2, 13), f"{DYN}.automatic_dynamic_shapes_mark_as = 'unbacked'"),
    ("symbol_guard_limit_before_specialize", None, (2, 13),
     "torch.fx.experimental._config.symbol_guard_limit_before_specialize = None"),
])
def test_python_assignment(name, value, release, expected):
    assert K.python_assignment(name, value, release) == expected
    compile(expected, "<assignment>", "exec")


def test_python_assignment_validation():
    with pytest.raises(K.KnobUnavailable):
        K.python_assignment("allow_unspec_int_on_nn_module", True, (2, 6))
    with pytest.raises(TypeError):
        K.python_assignment("recompile_limit", True, (2, 13))  # bool is not an int here
    with pytest.raises(TypeError):
        K.python_assignment("capture_scalar_outputs", 1, (2, 13))
    with pytest.raises(ValueError):
        K.python_assignment("optimize_ddp", "bogus", (2, 13))
    with pytest.raises(ValueError):
        K.python_assignment("optimize_ddp", 1, (2, 13))
    assert K.python_assignment("automatic_dynamic_shapes_mark_as", "oblivious", (2, 10)).endswith("'oblivious'")
    with pytest.raises(ValueError):
        K.python_assignment("automatic_dynamic_shapes_mark_as", "oblivious", (2, 11))
    with pytest.raises(TypeError):
        K.python_assignment("reorderable_logging_functions", "print", (2, 13))
    with pytest.raises(ValueError):
        K.python_assignment("reorderable_logging_functions", ["lambda: 0"], (2, 13))


def test_python_statements_imports():
    st = K.python_statements("enable_autograd_cache", False, (2, 13))
    assert st == ("import torch._functorch.config", "torch._functorch.config.enable_autograd_cache = False")
    st = K.python_statements("ignore_logging_functions", ["logging.Logger.info", "print"], (2, 15))
    assert st[:2] == ("import torch._dynamo.config", "import logging")
    for line in st:
        compile(line, "<stmt>", "exec")


def test_cache_isolation():
    env = K.cold_cache_env((2, 13), "/tmp/run1")
    assert env == {"TORCHINDUCTOR_CACHE_DIR": "/tmp/run1/inductor", "TRITON_CACHE_DIR": "/tmp/run1/triton"}
    assert K.cold_cache_env((2, 6), "/r", disable_caches=True)["TORCHINDUCTOR_FORCE_DISABLE_CACHES"] == "1"
    assert "TORCH_COMPILE_STICKY_PGO_KEY" not in K.warm_state_env_to_unset((2, 7))
    assert "TORCH_COMPILE_STICKY_PGO_KEY" in K.warm_state_env_to_unset((2, 8))
    assert "TORCH_COMPILE_JOB_ID" in K.warm_state_env_to_unset((2, 6))
    assert "TORCH_CACHING_PRECOMPILE" in K.warm_state_env_to_unset((2, 9))
    names = {c.name for c in K.cache_env_vars((2, 8))}
    assert "TORCH_COMPILE_FORCE_DISABLE_CACHES" not in names and "TORCHINDUCTOR_CACHE_DIR" in names


def test_mark_functions():
    assert K.mark_function("mark_unbacked", (2, 6)).signature == "(t, index)"
    assert K.mark_function("mark_unbacked", (2, 7)).signature == "(t, index, strict=False)"
    # the third positional parameter changed meaning in 2.10: strict -> hint_override
    assert K.mark_function("mark_unbacked", (2, 10)).signature.startswith("(t, index, hint_override=None, strict=False")
    assert "hint_override" in K.mark_function("mark_dynamic", (2, 9)).signature
    assert "hint_override" not in K.mark_function("mark_dynamic", (2, 8)).signature
    assert "min=None" in K.mark_function("maybe_mark_dynamic", (2, 15)).signature
    assert K.mark_function("maybe_mark_dynamic", (2, 14)).signature == "(t, index)"
    assert K.mark_function("no_such", (2, 13)) is None
    for r in K.RELEASES:
        for n in ("mark_unbacked", "mark_dynamic", "maybe_mark_dynamic", "mark_static", "mark_static_address"):
            assert sum(1 for m in K.MARK_FUNCTIONS if m.name == n and m.covers(r)) == 1


def test_suggestions_for():
    s26 = {s.knob for s in K.suggestions_for((2, 6))}
    assert f"{DYN}.suppress_errors" in s26 and f"{DYN}.allow_unspec_int_on_nn_module" not in s26
    s13 = {s.knob for s in K.suggestions_for((2, 13))}
    assert {f"{DYN}.allow_unspec_int_on_nn_module", f"{CMP}.dynamic_sources", f"{DYN}.capture_scalar_outputs"} <= s13


# --------------------------------------------------------------- table invariants

PURPOSES = {"recompiles", "graph_breaks", "guards", "cache", "debug"}
TYPES = {"bool", "int", "str", "bool | None", "int | None", "str | None", "set[Callable]", "bool | str"}


@pytest.mark.parametrize("k", K.all_knobs(), ids=lambda k: k.name)
def test_table_row_invariants(k):
    assert k.purpose in PURPOSES and k.type in TYPES and k.summary
    assert k.name == k.spellings[-1].qualified  # canonical = newest spelling
    # spellings are contiguous, non-overlapping, ordered
    for a, b in zip(k.spellings, k.spellings[1:]):
        assert a.until is not None and K.RELEASES.index(b.since) == K.RELEASES.index(a.until) + 1
    # one citation per release in which the knob exists
    present = [r for r in K.RELEASES if K.available(k.name, r)]
    assert len(k.sources) == len(present)
    for src, r in zip(k.sources, present):
        assert re.fullmatch(rf"{re.escape(K.RELEASE_VERSIONS[r])} torch/[\w/]+\.py:\d+", src)
    assert k.defaults and k.defaults[0].since == k.added_in
    for d in k.defaults:
        assert re.fullmatch(r"torch/[\w/]+\.py:\d+ \(\d+\.\d+\.\d+\)", d.cite)
    for e in k.env:
        assert e.mechanism in K.MECHANISMS
        assert re.fullmatch(r"[A-Z0-9_]+", e.name)
        assert any(s.covers(e.since) for s in k.spellings)
    for a in k.aliases:  # an alias never shadows the own spelling in the same release
        assert not any(s.qualified == a.qualified and s.covers(a.since) for s in k.spellings)
    with pytest.raises(dataclasses.FrozenInstanceError):
        k.name = "x"  # type: ignore[misc]


def test_every_requested_knob_is_in_the_table():
    wanted = [
        "capture_scalar_outputs", "capture_dynamic_output_shape_ops", "dynamic_sources", "unbacked_sources",
        "allow_unspec_int_on_nn_module", "force_parameter_static_shapes", "force_nn_module_property_static_shapes",
        "specialize_int", "specialize_float", "automatic_dynamic_shapes", "assume_static_by_default",
        "recompile_limit", "cache_size_limit", "accumulated_recompile_limit", "accumulated_cache_size_limit",
        "fail_on_recompile_limit_hit", "reorderable_logging_functions", "ignore_logging_functions",
        "inline_inbuilt_nn_modules", "skip_nnmodule_hook_guards", "guard_nn_modules", "optimize_ddp",
        "suppress_errors", "automatic_dynamic_local_pgo", "automatic_dynamic_remote_pgo",
        "enable_cpp_symbolic_shape_guards", "backed_size_oblivious", "automatic_dynamic_shapes_mark_as",
        "force_unspec_int_unbacked_size_like_on_torchrec_kjt", "static_sources", "dynamic_values",
    ]
    for w in wanted:
        K.knob(w)


# ============================================================== part 2: against the sources

@functools.lru_cache(maxsize=None)
def _sources() -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    with tarfile.open(ARCHIVE) as tf:
        for m in tf.getmembers():
            if m.isfile():
                v, path = m.name.split("/", 1)
                out[(v, path)] = tf.extractfile(m).read().decode()  # type: ignore[union-attr]
    return out


needs_sources = pytest.mark.skipif(not os.path.exists(ARCHIVE), reason="source archive missing")

MODFILE = {
    "torch._dynamo.config": "torch/_dynamo/config.py",
    "torch.compiler.config": "torch/compiler/config.py",
    "torch._inductor.config": "torch/_inductor/config.py",
    "torch._functorch.config": "torch/_functorch/config.py",
    "torch.fx.experimental._config": "torch/fx/experimental/_config.py",
}


def _static_eval(node: ast.AST) -> object:
    """Value of a config default with an empty environment in an OSS build."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _static_eval(node.operand)
    if isinstance(node, ast.IfExp):
        return _static_eval(node.body) if _static_eval(node.test) else _static_eval(node.orelse)
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, right = _static_eval(node.left), _static_eval(node.comparators[0])
        if isinstance(node.ops[0], ast.Eq):
            return left == right
        if isinstance(node.ops[0], ast.NotEq):
            return left != right
    if isinstance(node, ast.Call):
        fn = ast.unparse(node.func)
        kw = {k.arg: k.value for k in node.keywords}
        if fn in ("os.environ.get", "os.getenv"):
            return _static_eval(node.args[1]) if len(node.args) > 1 else None
        if fn == "is_fbcode":
            return False
        if fn == "set" and not node.args:
            return frozenset()
        if fn == "bool":
            return bool(_static_eval(node.args[0]))
        if fn == "get_tristate_env":
            return _static_eval(node.args[1]) if len(node.args) > 1 else None
        if fn == "sysconfig.get_config_var":
            return None
        if fn == "Config":
            if "alias" in kw:
                return ("alias", _static_eval(kw["alias"]))
            return _static_eval(kw["default"]) if "default" in kw else _static_eval(node.args[0])
    raise ValueError(ast.unparse(node))


@functools.lru_cache(maxsize=None)
def _defs(version: str, module: str) -> dict[str, tuple[int, ast.AST, str]]:
    src = _sources()[(version, MODFILE[module])]
    lines = src.splitlines()
    out: dict[str, tuple[int, ast.AST, str]] = {}
    for n in ast.parse(src).body:
        if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None:
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target]):
                if isinstance(t, ast.Name):
                    out[t.id] = (n.lineno, n.value, "\n".join(lines[n.lineno - 1:n.end_lineno]))
    return out


@needs_sources
def test_archive_has_every_release():
    versions = {v for v, _ in _sources()}
    assert versions == set(K.RELEASE_VERSIONS.values())
    for v in versions:
        assert f"__version__ = '{v}'" in _sources()[(v, "torch/version.py")]


@needs_sources
@pytest.mark.parametrize("k", K.all_knobs(), ids=lambda k: k.name)
def test_knob_against_sources(k):
    cites = iter(k.sources)
    for r in K.RELEASES:
        v = K.RELEASE_VERSIONS[r]
        # presence / absence of every spelling and alias
        for s in k.spellings + k.aliases:
            defined = s.attr in _defs(v, s.module)
            live = any(x.qualified == s.qualified and x.covers(r) for x in k.spellings + k.aliases)
            assert defined == live, f"{s.qualified} defined={defined} in {v}"
        for a in k.aliases:
            if a.covers(r):
                assert _static_eval(_defs(v, a.module)[a.attr][1])[0] == "alias"
        if not K.available(k.name, r):
            continue
        q = K.spelling(k.name, r)
        mod, attr = q.rsplit(".", 1)
        line, node, stmt = _defs(v, mod)[attr]
        assert next(cites) == f"{v} {MODFILE[mod]}:{line}"
        got = _static_eval(node)
        want = K.default(k.name, r)
        assert got == want and type(got) is type(want), f"{q} default in {v}: source {got!r}, table {want!r}"
        env_in_source = set(re.findall(r'"((?:TORCH|TORCHDYNAMO|TORCHINDUCTOR)[A-Z0-9_]*)"', stmt))
        assert env_in_source == {e.name for e in K.env_vars(k.name, r)}, f"{q} env vars in {v}"
        for e in K.env_vars(k.name, r):
            if e.mechanism.startswith("config_"):
                kind = "env_name_force" if e.mechanism == "config_force" else "env_name_default"
                assert re.search(rf"{kind}=\[?[^=]*\"{e.name}\"", stmt, re.S), f"{e.name} is not {kind} in {v}"
            elif e.mechanism == "eq1":
                assert re.search(rf'os\.environ\.get\(\s*"{e.name}".*\)\s*==\s*"1"', stmt, re.S)
            elif e.mechanism == "nonempty":
                assert re.search(rf'bool\(os\.environ\.get\(\s*"{e.name}"', stmt)
            elif e.mechanism == "tristate":
                assert f'get_tristate_env(\n    "{e.name}"' in stmt or f'get_tristate_env("{e.name}"' in stmt
            else:
                assert re.search(rf'os\.environ\.get\(\s*"{e.name}"', stmt) and '== "1"' not in stmt
        if k.deprecated_in is not None:
            assert ("deprecated=True" in stmt) == (r >= k.deprecated_in)


@needs_sources
def test_config_module_env_parsing_per_release():
    for r, v in K.RELEASE_VERSIONS.items():
        src = _sources()[(v, "torch/utils/_config_module.py")]
        fn = src[src.index("def _read_env_variable"):]
        fn = fn[:fn.index("\n\n")]
        if r == (2, 6):
            assert "return None" in fn and "return value" not in fn  # only "0"/"1"
        else:
            assert fn.rstrip().endswith("return value")  # other strings kept raw
        assert ("user_override = ContextVar" in src) == (r >= (2, 12))  # thread-local overrides
        assert ("alias" in src) == (r >= (2, 7))


@needs_sources
def test_mark_function_signatures_against_sources():
    for m in K.MARK_FUNCTIONS:
        for r in K.RELEASES:
            if not m.covers(r):
                continue
            tree = ast.parse(_sources()[(K.RELEASE_VERSIONS[r], "torch/_dynamo/decorators.py")])
            fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == m.name)
            a = fn.args
            dflt = [None] * (len(a.args) - len(a.defaults)) + list(a.defaults)
            parts = [p.arg + ("" if d is None else "=" + ast.unparse(d)) for p, d in zip(a.args, dflt)]
            if a.kwonlyargs:
                parts.append("*")
                parts += [p.arg + ("" if d is None else "=" + ast.unparse(d)) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
            assert "(" + ", ".join(parts) + ")" == m.signature, f"{m.name} in {r}"


def _flat(src: str) -> str:
    src = re.sub(r"""["']\s*\n\s*f?["']""", "", src)
    return re.sub(r"\s+", " ", src.replace("\\n", " "))


@needs_sources
@pytest.mark.parametrize("s", K.SUGGESTIONS, ids=lambda s: f"{s.knob}-{s.since}")
def test_suggestion_release_ranges(s):
    m = re.search(r"(torch/[\w/]+\.py)", s.cite)
    path = m.group(1)
    needle = re.sub(r"\s+", " ", max(re.split(r"\{…\}|%s|…", s.text), key=len).strip())
    if "log_frame_dynamic_whitelist" in s.cite:
        needle = "recompile_dynamic_whitelist"
    for r in K.RELEASES:
        src = _sources().get((K.RELEASE_VERSIONS[r], path), "")
        in_range = r >= s.since and (s.until is None or r <= s.until)
        assert (needle in _flat(src)) == in_range, f"{needle!r} in {path} {r}"


@needs_sources
def test_dynamic_sources_matching_per_release():
    """How builder.py matches entries of dynamic_sources (see NOTES.md)."""
    for r, v in K.RELEASE_VERSIONS.items():
        b = _sources()[(v, "torch/_dynamo/variables/builder.py")]
        has_fn = "def get_dynamic_sources" in b
        assert has_fn == (r >= (2, 7))
        if not has_fn:
            continue
        assert 'replace(" ", "").split(",")' in b
        assert ("re.match(pattern, source_name)" in b) == (r >= (2, 8))  # regex from 2.8
        assert ("_DIM_SUFFIX_RE" in b) == (r >= (2, 13))  # ":N" dim suffix from 2.13
        assert ("def is_static_source" in b) == (r >= (2, 15))


@needs_sources
def test_local_source_name_format():
    for v in K.RELEASE_VERSIONS.values():
        src = _sources()[(v, "torch/_dynamo/source.py")]
        assert 'f"L[{repr(self.local_name)}]"' in src or 'f"L[{_esc_str(self.local_name, apply_repr=True)}]"' in src


# ============================================================== part 3: installed torch (opt-in)

@pytest.mark.skipif(os.environ.get("KNOBS_RUN_INSTALLED") != "1", reason="set KNOBS_RUN_INSTALLED=1 (slow, needs torch)")
def test_verify_installed():
    r = subprocess.run([sys.executable, VERIFY], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
