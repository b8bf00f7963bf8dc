"""Generate the knob table of knobs.py (dynotrace/trials/knobs.json, beside it) from a
hand-written spec, checked against the extracted release sources in src/<version>/ (see
fetch_sources.py).

For every knob and release the generator
  * checks that exactly the spec's spelling(s) exist (and nothing else),
  * statically evaluates the default (empty environment, OSS: is_fbcode() False),
  * checks every env var named in the spec appears in the defining statement in
    exactly the releases the spec says, and no other env var does,
  * records the file:line citation.
Any mismatch aborts. Output replaces knobs.json.
"""
from __future__ import annotations
import ast, json, os, re, sys
sys.path.insert(0, os.path.dirname(__file__))
from static_eval import defaults as static_defaults, Alias, Unknown

VERS = ["2.6.0","2.7.1","2.8.0","2.9.1","2.10.0","2.11.0","2.12.1","2.13.0","2.14.1","2.15.0"]
REL = {v: tuple(int(x) for x in v.split(".")[:2]) for v in VERS}
FILES = {
    "torch._dynamo.config": "torch/_dynamo/config.py",
    "torch.compiler.config": "torch/compiler/config.py",
    "torch._inductor.config": "torch/_inductor/config.py",
    "torch._functorch.config": "torch/_functorch/config.py",
    "torch.fx.experimental._config": "torch/fx/experimental/_config.py",
}
DYN, CMP, IND, FUN, FX = "torch._dynamo.config", "torch.compiler.config", "torch._inductor.config", "torch._functorch.config", "torch.fx.experimental._config"

def r(s): return tuple(int(x) for x in s.split("."))
SPEC = []
def K(name, type, purpose, summary, *, spellings=None, since="2.6", aliases=(), env=(), deprecated=None, choices=(), removed_choices=(), notes=""):
    if spellings is None: spellings = [(name, since, None)]
    SPEC.append(dict(name=name, type=type, purpose=purpose, summary=summary,
                     spellings=[(q, r(a), r(b) if b else None) for q, a, b in spellings],
                     aliases=[(q, r(a), r(b) if b else None) for q, a, b in aliases],
                     env=[(n, r(a), r(b) if b else None, m) for n, a, b, m in env],
                     deprecated=r(deprecated) if deprecated else None, choices=tuple(choices),
                     removed_choices=tuple((c, r(x)) for c, x in removed_choices), notes=notes))

# ---------------------------------------------------------------- the spec
K(f"{DYN}.capture_scalar_outputs", "bool", "graph_breaks",
  "Trace Tensor.item() and other data-dependent scalar outputs into the graph (unbacked SymInts) instead of graph-breaking.",
  aliases=[(f"{CMP}.capture_scalar_outputs", "2.10", None)],
  env=[("TORCHDYNAMO_CAPTURE_SCALAR_OUTPUTS", "2.6", None, "eq1")])
K(f"{DYN}.capture_dynamic_output_shape_ops", "bool", "graph_breaks",
  "Trace ops with data-dependent output shapes (nonzero, unique, boolean masking) instead of graph-breaking.",
  aliases=[(f"{CMP}.capture_dynamic_output_shape_ops", "2.10", None)],
  env=[("TORCHDYNAMO_CAPTURE_DYNAMIC_OUTPUT_SHAPE_OPS", "2.6", None, "eq1")])
K(f"{DYN}.specialize_int", "bool", "recompiles",
  "If True, Python int inputs are always specialized (burned in as constants); never made dynamic.")
K(f"{DYN}.specialize_float", "bool", "recompiles",
  "If True, Python float inputs are specialized (burned in) instead of being turned into tensor/symbolic inputs.")
K(f"{DYN}.assume_static_by_default", "bool", "recompiles",
  "First compile treats every dim/int as static unless marked dynamic; False makes most shapes/ints dynamic from the start.",
  aliases=[(f"{CMP}.assume_static_by_default", "2.10", None)])
K(f"{DYN}.automatic_dynamic_shapes", "bool", "recompiles",
  "After a shape/int guard fails, recompile with the wobbling dims/ints marked dynamic.",
  aliases=[(f"{CMP}.automatic_dynamic_shapes", "2.10", None)],
  env=[("TORCH_DYNAMO_AUTOMATIC_DYNAMIC_SHAPES", "2.11", None, "eq1")])
K(f"{DYN}.automatic_dynamic_shapes_mark_as", "str", "recompiles",
  "What automatic dynamic shapes allocates for a wobbling dim: 'dynamic' (backed) or 'unbacked'.",
  choices=("dynamic", "unbacked", "oblivious"), removed_choices=[("oblivious", "2.11")],
  notes="Annotated Literal['dynamic','unbacked'] from 2.7; builder.get_automatic_dynamic_shapes_mark_as also accepts 'oblivious' in 2.6-2.10 (removed in 2.11); anything else raises ValueError at compile time.")
K(f"{DYN}.automatic_dynamic_exclusion_guard", "bool", "recompiles",
  "Adds exclusion guards so inputs matching an earlier static graph keep using it after automatic-dynamic recompiles.", since="2.12")
K(f"{DYN}.force_parameter_static_shapes", "bool", "recompiles",
  "Keep nn.Parameter shapes static even when dynamic shapes are on.")
K(f"{DYN}.force_nn_module_property_static_shapes", "bool", "recompiles",
  "Keep shapes of nn.Module attributes (tensors/ints reached through a module) static.")
K(f"{DYN}.allow_unspec_int_on_nn_module", "bool", "recompiles",
  "Let int attributes of nn.Modules (e.g. step counters) become dynamic instead of being guarded as constants.",
  since="2.7", aliases=[(f"{CMP}.allow_unspec_int_on_nn_module", "2.10", None)])
K(f"{DYN}.allow_ignore_mark_dynamic", "bool", "recompiles",
  "Do not raise when a dim marked with mark_dynamic ends up specialized.")
K(f"{DYN}.recompile_limit", "int", "recompiles",
  "Max cache entries (compiled variants) per code object before Dynamo gives up and runs the frame eagerly.",
  spellings=[(f"{DYN}.cache_size_limit", "2.6", "2.6"), (f"{DYN}.recompile_limit", "2.7", None)],
  aliases=[(f"{DYN}.cache_size_limit", "2.7", None), (f"{CMP}.recompile_limit", "2.10", None)])
K(f"{DYN}.accumulated_recompile_limit", "int", "recompiles",
  "Global cap on recompiles summed over all code objects.",
  spellings=[(f"{DYN}.accumulated_cache_size_limit", "2.6", "2.6"), (f"{DYN}.accumulated_recompile_limit", "2.7", None)],
  aliases=[(f"{DYN}.accumulated_cache_size_limit", "2.7", None), (f"{CMP}.accumulated_recompile_limit", "2.10", None)])
K(f"{DYN}.fail_on_recompile_limit_hit", "bool", "recompiles",
  "Raise a hard error (FailOnRecompileLimitHit) instead of falling back to eager when the recompile limit is hit.",
  spellings=[(f"{DYN}.fail_on_cache_limit_hit", "2.6", "2.6"), (f"{DYN}.fail_on_recompile_limit_hit", "2.7", None)],
  aliases=[(f"{DYN}.fail_on_cache_limit_hit", "2.7", None), (f"{CMP}.fail_on_recompile_limit_hit", "2.10", None)],
  notes="Incompatible with suppress_errors (eval_frame raises if both are set, 2.7+).")
K(f"{DYN}.skip_code_recursive_on_recompile_limit_hit", "bool", "recompiles",
  "On limit hit, skip the code object and everything it calls (vs. only the frame).",
  spellings=[(f"{DYN}.skip_code_recursive_on_cache_limit_hit", "2.6", "2.6"), (f"{DYN}.skip_code_recursive_on_recompile_limit_hit", "2.7", None)],
  aliases=[(f"{DYN}.skip_code_recursive_on_cache_limit_hit", "2.7", None)], deprecated="2.12",
  notes="Only consulted by convert_frame in 2.6; from 2.7 convert_frame checks the justknob 'pytorch/compiler:skip_code_recursive_on_recompile_limit_hit' only (always True in OSS), so setting it does nothing; 2.12 marks it deprecated ('does not do anything').")
K(f"{DYN}.error_on_recompile", "bool", "recompiles",
  "Raise on any recompilation (diagnostic).")
K(f"{DYN}.reorderable_logging_functions", "set[Callable]", "graph_breaks",
  "Functions (print, warnings.warn, logger methods) whose calls are moved after the graph instead of graph-breaking.",
  aliases=[(f"{CMP}.reorderable_logging_functions", "2.10", None)])
K(f"{DYN}.ignore_logging_functions", "set[Callable]", "graph_breaks",
  "Functions/logger methods Dynamo treats as no-ops (not run, no graph break).",
  spellings=[(f"{DYN}.ignore_logger_methods", "2.6", "2.10"), (f"{DYN}.ignore_logging_functions", "2.11", None)],
  aliases=[(f"{DYN}.ignore_logger_methods", "2.11", None)])
K(f"{DYN}.inline_inbuilt_nn_modules", "bool", "guards",
  "Inline built-in nn.Module forward/attributes (params become graph inputs guarded by id/dict tags).", deprecated="2.12",
  notes="2.6: default `not is_fbcode()` (True in OSS); 2.7-2.11: Config(justknob=...) default True; 2.12+: deprecated, 'does not do anything, inline_inbuilt_nn_modules is always True'.")
K(f"{DYN}.skip_nnmodule_hook_guards", "bool", "guards",
  "Do not guard on nn.Module hooks (unsafe if hooks are added/removed later).")
K(f"{DYN}.guard_nn_modules", "bool", "guards",
  "Guard on nn.Module contents; False assumes modules are immutable.")
K(f"{DYN}.skip_tensor_guards_with_matching_dict_tags", "bool", "guards",
  "Treat tensors in a dict whose tag is unchanged as immutable (skip their guards).", since="2.7",
  aliases=[(f"{CMP}.skip_tensor_guards_with_matching_dict_tags", "2.10", None)])
K(f"{DYN}.skip_guards_on_constant_func_defaults", "bool", "guards",
  "Skip guards on func.__defaults__ entries that are constants.", since="2.9")
K(f"{DYN}.enable_cpp_symbolic_shape_guards", "bool", "guards",
  "Evaluate symbolic-shape guards in C++.", since="2.7",
  aliases=[(f"{CMP}.enable_cpp_symbolic_shape_guards", "2.10", None)])
K(f"{DYN}.prefer_deferred_runtime_asserts_over_guards", "bool", "recompiles",
  "Turn some shape guards into deferred runtime asserts (fewer recompiles, errors instead).")
K(f"{DYN}.allow_complex_guards_as_runtime_asserts", "bool", "recompiles",
  "Like prefer_deferred_runtime_asserts_over_guards for guards too complex to express.", spellings=[(f"{DYN}.allow_complex_guards_as_runtime_asserts", "2.6", "2.8")])
K(f"{DYN}.force_unspec_int_unbacked_size_like_on_torchrec_kjt", "bool", "recompiles",
  "Treat torchrec KeyedJaggedTensor _length_per_key/_offset_per_key ints as unbacked size-like SymInts.")
K(f"{DYN}.optimize_ddp", "bool | str", "graph_breaks",
  "DDP graph splitting at bucket boundaries (the DDPOptimizer graph breaks); False / 'no_optimization' disables it.",
  choices=(True, False, "ddp_optimizer", "python_reducer", "python_reducer_without_compiled_forward", "no_optimization"))
K(f"{DYN}.suppress_errors", "bool", "graph_breaks",
  "Swallow compiler errors and fall back to eager for the failing frame.",
  env=[("TORCHDYNAMO_SUPPRESS_ERRORS", "2.6", None, "nonempty")],
  notes="Parsed as bool(os.environ.get(...)): ANY non-empty value, including '0', turns it on.")
K(f"{DYN}.nested_graph_breaks", "bool", "graph_breaks",
  "Resume tracing inside nested frames after a graph break instead of bubbling the break to the top frame.", since="2.9")
K(f"{DYN}.trace_numpy", "bool", "graph_breaks", "Trace NumPy calls (via torch._numpy) instead of graph-breaking.")
K(f"{DYN}.allow_rnn", "bool", "graph_breaks", "Trace nn.RNN/LSTM/GRU instead of graph-breaking.")
K(f"{DYN}.capture_sparse_compute", "bool", "graph_breaks",
  "Capture sparse tensor compute instead of graph-breaking.",
  notes="2.6-2.13: `False if is_fbcode() else True` / `not is_fbcode()` (True in OSS); 2.14+: literally True.")
K(f"{DYN}.dont_skip_tracing", "bool", "graph_breaks", "Ignore most trace_rules skip rules (trace into normally skipped files).", since="2.8")
K(f"{DYN}.enable_trace_contextlib", "bool", "graph_breaks", "Trace through contextlib.contextmanager.", since="2.7")
K(f"{DYN}.enable_trace_unittest", "bool", "graph_breaks", "Trace through unittest.", since="2.8")
K(f"{DYN}.graph_break_on_nn_param_ctor", "bool", "graph_breaks", "Graph break on nn.Parameter construction inside the compiled region.", since="2.9")
K(f"{DYN}.constant_fold_autograd_profiler_enabled", "bool", "graph_breaks",
  "Constant-fold torch.autograd._profiler_enabled instead of graph-breaking.", since="2.10")
K(f"{DYN}.trace_autograd_ops", "bool", "graph_breaks", "Trace torch.autograd.grad instead of graph-breaking.", since="2.11")
K(f"{DYN}.compiled_autograd", "bool", "graph_breaks", "Trace autograd (backward) calls made under torch.compile with Compiled Autograd.")
K(f"{DYN}.wrap_top_frame", "bool", "graph_breaks",
  "Wrap the compiled function/module so nn.Module hooks are compiled in the same frame.", since="2.8",
  aliases=[(f"{CMP}.wrap_top_frame", "2.10", None)])
K(f"{DYN}.dynamic_shapes", "bool", "recompiles",
  "Legacy; the config comment says it does nothing.", aliases=[(f"{CMP}.dynamic_shapes", "2.10", None)])
K(f"{DYN}.automatic_dynamic_local_pgo", "bool", "cache",
  "Persist automatic-dynamic decisions to a local profile (under TORCHINDUCTOR_CACHE_DIR/dynamo) and reuse them next run.",
  env=[("TORCH_DYNAMO_AUTOMATIC_DYNAMIC_LOCAL_PGO", "2.6", "2.6", "eq1"), ("TORCH_DYNAMO_AUTOMATIC_DYNAMIC_LOCAL_PGO", "2.7", None, "config_force")],
  notes="PGO only reads/writes when a cache key exists: torch.compiler.config.job_id (TORCH_COMPILE_JOB_ID) or a MAST job (pgo.get_cache_key).")
K(f"{DYN}.automatic_dynamic_remote_pgo", "bool | None", "cache",
  "Remote-cache PGO profile; None = decide automatically (off in OSS).",
  env=[("TORCH_DYNAMO_AUTOMATIC_DYNAMIC_REMOTE_PGO", "2.6", None, "tristate")])
K(f"{DYN}.disable", "bool", "debug",
  "Disable Dynamo entirely (torch.compile becomes a no-op): the eager baseline.",
  env=[("TORCH_COMPILE_DISABLE", "2.6", "2.7", "raw_truthy"), ("TORCH_COMPILE_DISABLE", "2.8", None, "eq1")],
  notes="2.6/2.7: `os.environ.get('TORCH_COMPILE_DISABLE', False)` keeps the raw string, so '0' also disables; 2.8+: == '1'.")
K(f"{DYN}.debug_inductor_config_override", "str", "debug",
  "Per-graph inductor config overrides, 'filter:key=value,...;...' (filter = frame ids, ranges, >N).", since="2.11",
  env=[("TORCH_COMPILE_OVERRIDE_INDUCTOR_CONFIGS", "2.11", None, "raw")])
K(f"{DYN}.debug_dynamo_config_override", "str", "debug",
  "Per-graph dynamo config overrides applied with config.patch around tracing, e.g. '>=0:capture_scalar_outputs=True'.", since="2.12",
  env=[("TORCH_COMPILE_OVERRIDE_DYNAMO_CONFIGS", "2.12", None, "raw")],
  notes="Keyed by frame id; values parsed true/false/none/int/float/str; keys validated against torch._dynamo.config. Applied in convert_frame around compile_frame only, so knobs read outside tracing (e.g. recompile_limit, checked before) are not affected (read from source, 2.12.1 convert_frame.py:1620).")
# torch.compiler.config
K(f"{CMP}.dynamic_sources", "str", "recompiles",
  "Comma-separated source names (exact or re.match regex) whose tensors/ints are made dynamic from the first compile.", since="2.7",
  env=[("TORCH_COMPILE_DYNAMIC_SOURCES", "2.7", None, "config_default")],
  notes="2.7: exact string match only; 2.8+: exact or re.match regex; 2.13+: optional ':N' suffix restricts to dim N. Spaces are removed before splitting on ','.")
K(f"{CMP}.unbacked_sources", "str", "recompiles",
  "Comma-separated source names (same syntax as dynamic_sources) made unbacked.", since="2.8",
  env=[("TORCH_COMPILE_UNBACKED_SOURCES", "2.8", None, "config_default")])
K(f"{CMP}.static_sources", "str", "recompiles",
  "Comma-separated source names (same syntax) held static; wins over dynamic/unbacked sources, PGO and automatic dynamic.", since="2.15",
  env=[("TORCH_COMPILE_STATIC_SOURCES", "2.15", None, "config_default")])
K(f"{CMP}.dynamic_values", "str", "recompiles",
  "Comma-separated int values; any int source or tensor dim equal to one of them is marked dynamic.", since="2.13",
  env=[("TORCH_COMPILE_DYNAMIC_VALUES", "2.13", None, "config_default")],
  notes="A single value '1' or '0' is read as a bool by _read_env_variable and then crashes get_dynamic_values ('bool' object has no attribute 'replace'); write '1,' instead (verified on 2.13.0).")
K(f"{CMP}.job_id", "str | None", "cache",
  "Names the PGO profile; PGO (local or remote) does nothing without it (outside MAST).",
  env=[("TORCH_COMPILE_JOB_ID", "2.6", "2.6", "raw"), ("TORCH_COMPILE_JOB_ID", "2.7", None, "config_default"),
       ("TORCH_COMPILE_STICKY_PGO_KEY", "2.8", None, "config_default")])
K(f"{CMP}.cache_key_tag", "str", "cache",
  "Extra tag mixed into every torch.compile cache key; a fresh tag busts all caches.",
  env=[("TORCH_COMPILE_CACHE_KEY_TAG", "2.6", "2.6", "raw"), ("TORCH_COMPILE_CACHE_KEY_TAG", "2.7", None, "config_default")])
K(f"{CMP}.force_disable_caches", "bool", "cache",
  "Disable every compile cache (FX graph, AOTAutograd, autotune, PGO).",
  spellings=[(f"{IND}.force_disable_caches", "2.6", "2.8"), (f"{CMP}.force_disable_caches", "2.9", None)],
  aliases=[(f"{IND}.force_disable_caches", "2.9", None)],
  env=[("TORCHINDUCTOR_FORCE_DISABLE_CACHES", "2.6", "2.7", "eq1"), ("TORCHINDUCTOR_FORCE_DISABLE_CACHES", "2.8", None, "config_force"),
       ("TORCH_COMPILE_FORCE_DISABLE_CACHES", "2.9", None, "config_force")])
# torch.fx.experimental._config
K(f"{FX}.backed_size_oblivious", "bool", "recompiles",
  "Size-oblivious reasoning for backed sizes: [0, inf] ranges, avoids 0/1 specialization guards.", since="2.7")
K(f"{FX}.use_duck_shape", "bool", "recompiles",
  "Duck sizing: input dims with equal values share one symbol (adds equality assumptions).")
K(f"{FX}.symbol_guard_limit_before_specialize", "int | None", "recompiles",
  "Specialize a symbol once more than this many guards mention it.")
K(f"{FX}.no_data_dependent_graph_break", "bool", "debug",
  "Fail hard instead of graph-breaking on data-dependent guards.", since="2.7",
  env=[("TORCHDYNAMO_NO_DATA_DEPENDENT_GRAPH_BREAK", "2.7", None, "eq1")])
K(f"{FX}.soft_pending_unbacked_not_found_error", "bool", "graph_breaks",
  "Warn instead of raising PendingUnbackedSymbolNotFound.", since="2.11")
# caches
K(f"{IND}.fx_graph_cache", "bool", "cache", "Inductor's local FX graph cache.",
  env=[("TORCHINDUCTOR_FX_GRAPH_CACHE", "2.6", "2.6", "eq1"), ("TORCHINDUCTOR_FX_GRAPH_CACHE", "2.7", None, "config_force"),
       ("TORCHINDUCTOR_FX_GRAPH_CACHE_DEFAULT", "2.10", None, "config_default")])
K(f"{FUN}.enable_autograd_cache", "bool", "cache", "AOTAutograd's local cache.",
  env=[("TORCHINDUCTOR_AUTOGRAD_CACHE", "2.6", "2.6", "eq1"), ("TORCHINDUCTOR_AUTOGRAD_CACHE", "2.7", None, "config_force")])

# ---------------------------------------------------------------- checks + emission
ENV_RE = re.compile(r'"((?:TORCH|TORCHDYNAMO|TORCHINDUCTOR|TORCHEXPORT|PT2|UNSAFE)[A-Z0-9_]*)"')

def load():
    data = {}
    for v in VERS:
        for mod, f in FILES.items():
            src = open(f"src/{v}/{f}").read()
            lines = src.splitlines()
            dd = static_defaults(src)
            stmts = {}
            t = ast.parse(src)
            def visit(body, prefix):
                for n in body:
                    if isinstance(n, ast.ClassDef): visit(n.body, prefix + n.name + ".")
                    elif isinstance(n, (ast.Assign, ast.AnnAssign)):
                        for tt in (n.targets if isinstance(n, ast.Assign) else [n.target]):
                            if isinstance(tt, ast.Name):
                                stmts[prefix + tt.id] = "\n".join(lines[n.lineno - 1:n.end_lineno])
            visit(t.body, "")
            data[(v, mod)] = (dd, stmts)
    return data

def in_span(rel, since, until):
    return rel >= since and (until is None or rel <= until)

def norm(v):
    if isinstance(v, set): return frozenset(v)
    return v

def main():
    data = load()
    errors = []
    out = []
    for k in SPEC:
        mod_of = lambda q: q.rsplit(".", 1)[0]
        attr_of = lambda q: q.rsplit(".", 1)[1]
        names = {q for q, _, _ in k["spellings"]} | {q for q, _, _ in k["aliases"]}
        defaults, sources, envcites = [], [], {}
        for v in VERS:
            rel = REL[v]
            live = [q for q, a, b in k["spellings"] if in_span(rel, a, b)]
            aliases = [q for q, a, b in k["aliases"] if in_span(rel, a, b)]
            for q in names:
                dd, stmts = data[(v, mod_of(q))]
                present = attr_of(q) in dd
                expected = q in live or q in aliases
                if present != expected:
                    errors.append(f"{k['name']}: {q} present={present} expected={expected} in {v}")
                if present and q in aliases and not isinstance(dd[attr_of(q)][1], Alias):
                    errors.append(f"{k['name']}: alias {q} is not Config(alias=...) in {v}")
            if len(live) > 1: errors.append(f"{k['name']}: two spellings live in {v}")
            if not live: continue
            q = live[0]
            dd, stmts = data[(v, mod_of(q))]
            if attr_of(q) not in dd: continue
            ln, val = dd[attr_of(q)]
            if isinstance(val, (Alias, Unknown)):
                errors.append(f"{k['name']}: cannot evaluate default of {q} in {v}: {val}")
                continue
            cite = f"{FILES[mod_of(q)]}:{ln}"
            sources.append(f"{v} {cite}")
            val = norm(val)
            if not defaults or defaults[-1][1] != val or type(defaults[-1][1]) is not type(val):
                defaults.append((rel, val, f"{cite} ({v})"))
            stmt = stmts[attr_of(q)]
            found = set(ENV_RE.findall(stmt))
            want = {n for n, a, b, m in k["env"] if in_span(rel, a, b)}
            if found != want:
                errors.append(f"{k['name']}: env in {v}: source has {sorted(found)}, spec {sorted(want)}")
            for n, a, b, m in k["env"]:
                if in_span(rel, a, b):
                    envcites.setdefault((n, a, b, m), f"{cite} ({v})")
        if k["deprecated"]:
            v = [x for x in VERS if REL[x] == k["deprecated"]][0]
            q = [q for q, a, b in k["spellings"] if in_span(k["deprecated"], a, b)][0]
            stmt = data[(v, mod_of(q))][1][attr_of(q)]
            prev = [x for x in VERS if REL[x] < k["deprecated"]][-1]
            if "deprecated=True" not in stmt or "deprecated=True" in data[(prev, mod_of(q))][1].get(attr_of(q), ""):
                errors.append(f"{k['name']}: deprecation not first in {v}")
        out.append((k, defaults, sources, envcites))
    if errors:
        print("\n".join(errors)); sys.exit(1)
    emit(out)

def _value(v):
    """A default as knobs.json holds it: JSON's own scalars, a set as {"frozenset": [...]}."""
    return {"frozenset": sorted(v)} if isinstance(v, frozenset) else v

def emit(out):
    rows = []
    for k, defaults, sources, envcites in out:
        row = {"name": k["name"], "type": k["type"], "purpose": k["purpose"], "summary": k["summary"],
               "spellings": [[q, a, b] for q, a, b in k["spellings"]]}
        if k["aliases"]: row["aliases"] = [[q, a, b] for q, a, b in k["aliases"]]
        row["defaults"] = [[rel, _value(val), cite] for rel, val, cite in defaults]
        if k["env"]: row["env"] = [[n, a, b, m, cite] for (n, a, b, m), cite in envcites.items()]
        if k["deprecated"]: row["deprecated_in"] = k["deprecated"]
        if k["choices"]: row["choices"] = k["choices"]
        if k["removed_choices"]: row["removed_choices"] = k["removed_choices"]
        row["sources"] = sources
        if k["notes"]: row["notes"] = k["notes"]
        rows.append(row)
    # One field a line, each value compact: a new release's change reads as a one-line diff.
    text = "[\n" + ",\n".join(
        "  {\n" + ",\n".join(f"    {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}" for key, value in row.items()) + "\n  }"
        for row in rows) + "\n]\n"
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dynotrace", "trials", "knobs.json")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"wrote {len(out)} knobs")

if __name__ == "__main__":
    main()
