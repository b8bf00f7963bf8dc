"""Check knobs.py against the torch installed in this interpreter.

For the installed release (e.g. 2.13.0 -> (2, 13)) it asserts, each time in a fresh
subprocess with every env var the table knows about removed from the environment:

1. every knob the table says exists is there under ``spelling()``, has the stated
   default, and every alias the table lists exists;
2. every knob is settable with the statements ``python_statements()`` generates, and
   aliases (and the canonical name) read back the new value;
3. every knob the table says does NOT exist in this release is absent;
4. every env var ``env_vars()`` lists for this release changes the value when set
   (encoded with its mechanism) in a fresh subprocess;
5. a few parsing/precedence facts the table relies on (force vs default env vars,
   "0" for nonempty, "true" for eq1, the "1," trick, thread-local overrides 2.12+).

Usage: python verify_installed.py [-v]
Exit status 0 when everything holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)
from dynotrace.trials import knobs as K  # noqa: E402

VERBOSE = "-v" in sys.argv


def _all_env_names() -> set[str]:
    names = {e.name for k in K.all_knobs() for e in k.env}
    names |= {c.name for c in K.CACHE_ENV_VARS}
    return names


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _all_env_names()}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("PYTHONWARNINGS", "ignore")
    if extra:
        env.update(extra)
    return env


def _child(code: str, env: dict[str, str]) -> Any:
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"child failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


# Executed in the child. Reads a JSON job from argv-free globals injected below.
_CHILD_PRELUDE = r"""
import importlib, json, sys, threading, warnings
warnings.simplefilter("ignore")
import torch
def get(q):
    mod, attr = q.rsplit(".", 1)
    m = importlib.import_module(mod)
    return getattr(m, attr)
def has(q):
    mod, attr = q.rsplit(".", 1)
    m = importlib.import_module(mod)
    return hasattr(m, attr)
def enc(v):
    if isinstance(v, (set, frozenset)):
        return {"set": sorted(repr(x) for x in v)}
    return v
"""


def installed_release() -> tuple[tuple[int, int], str]:
    out = _child("import torch, json; print(json.dumps(torch.__version__))", _clean_env())
    base = out.split("+")[0]
    major, minor = (int(x) for x in base.split(".")[:2])
    return (major, minor), out


def _test_value(k: K.Knob, release: tuple[int, int]) -> Any:
    """A valid value different from the default."""
    d = K.default(k.name, release)
    if k.type.startswith("set["):
        return ["print"]
    if k.choices:
        for c in k.choices:
            if c != d or type(c) is not type(d):
                try:
                    K.python_assignment(k.name, c, release)
                    return c
                except ValueError:
                    continue
    if k.type in ("bool", "bool | None"):
        return not bool(d)
    if k.type in ("int", "int | None"):
        return (d if isinstance(d, int) else 0) + 3
    if k.type in ("str", "str | None"):
        if K._is_source_list_knob(k):
            return "7777" if k.attr == "dynamic_values" else "L['x']"
        if k.attr.startswith("debug_") and k.attr.endswith("_override"):
            return "9999:verbose=True" if "dynamo" in k.attr else "9999:max_autotune=True"
        return "dynotrace_probe"
    raise AssertionError(k.type)


def _expected_from_env(e: K.EnvVar, s: str, default: Any) -> Any:
    m = e.mechanism
    if m == "eq1":
        return s == "1"
    if m == "nonempty":
        return bool(s)
    if m in ("raw", "raw_truthy"):
        return s
    if m == "tristate":
        return {"1": True, "0": False}.get(s, None)
    if m in ("config_force", "config_default"):
        return {"1": True, "0": False}.get(s, s)
    raise AssertionError(m)


def main() -> int:
    release, version = installed_release()
    print(f"installed torch {version} -> release {release}; table read from {K.RELEASE_VERSIONS.get(release)}")
    if release not in K.RELEASES:
        print("release not covered by the table")
        return 2
    failures: list[str] = []
    ok = {"defaults": 0, "aliases": 0, "settable": 0, "absent": 0, "env": 0, "facts": 0}

    avail = [k for k in K.all_knobs() if K.available(k.name, release)]
    absent = [k for k in K.all_knobs() if not K.available(k.name, release)]

    # 1 + 2 + 3 in one child
    job = []
    for k in avail:
        q = K.spelling(k.name, release)
        aliases = [a.qualified for a in k.aliases if a.covers(release)]
        tv = _test_value(k, release)
        stmts = K.python_statements(k.name, tv, release)
        job.append({"name": k.name, "q": q, "aliases": aliases, "stmts": list(stmts),
                    "is_set": k.type.startswith("set[")})
    present_q = {s.qualified for k in K.all_knobs() for s in k.spellings + k.aliases if s.covers(release)}
    absent_q = sorted({s.qualified for k in K.all_knobs() for s in k.spellings + k.aliases} - present_q)
    code = _CHILD_PRELUDE + f"""
job = json.loads({json.dumps(json.dumps(job))})
absent = json.loads({json.dumps(json.dumps(absent_q))})
res = {{}}
for j in job:
    r = {{"default": enc(get(j["q"])), "aliases": {{a: has(a) for a in j["aliases"]}}}}
    before = get(j["q"])
    ns = {{"torch": torch}}
    try:
        for s in j["stmts"]:
            exec(s, ns)
        r["after"] = enc(get(j["q"]))
        r["alias_after"] = {{a: enc(get(a)) for a in j["aliases"]}}
        r["canon_after"] = enc(get(j["name"])) if has(j["name"]) else None
    except Exception as ex:
        r["error"] = repr(ex)
    finally:
        mod, attr = j["q"].rsplit(".", 1)
        m = importlib.import_module(mod)
        if j["is_set"]:
            get(j["q"]).discard(print)
        else:
            setattr(m, attr, before)
    res[j["name"]] = r
res["__absent__"] = {{q: has(q) for q in absent}}
print(json.dumps(res))
"""
    res = _child(code, _clean_env())
    for k in avail:
        r = res[k.name]
        want = K.default(k.name, release)
        want_enc = {"set": sorted(repr(x) for x in want)} if isinstance(want, frozenset) else want
        if r["default"] == want_enc and type(r["default"]) is type(want_enc):
            ok["defaults"] += 1
        else:
            failures.append(f"default {K.spelling(k.name, release)}: torch {r['default']!r} != table {want!r}")
        for a, present in r["aliases"].items():
            if present:
                ok["aliases"] += 1
            else:
                failures.append(f"alias {a} missing")
        if "error" in r:
            failures.append(f"set {k.name}: {r['error']}")
            continue
        tv = _test_value(k, release)
        exp: Any = tv
        if k.type.startswith("set["):
            exp = {"set": sorted([repr(print)])}
        elif K._is_source_list_knob(k) and not isinstance(tv, str):
            exp = ",".join(tv)
        good = r["after"] == exp and all(v == exp for v in r["alias_after"].values())
        if r["canon_after"] is not None and r["canon_after"] != exp:
            good = False
        if good:
            ok["settable"] += 1
        else:
            failures.append(f"set {k.name} = {tv!r}: read back {r['after']!r}, aliases {r['alias_after']!r}")
        if VERBOSE:
            print(f"  {K.spelling(k.name, release):70s} default={r['default']!r}")
    for q, present in res["__absent__"].items():
        if present:
            failures.append(f"{q} exists but the table says it is absent in {K.RELEASE_VERSIONS[release]}")
        else:
            ok["absent"] += 1

    # 4: every env var, one fresh child each
    env_checks = []
    for k in avail:
        for e in K.env_vars(k.name, release):
            tv = _test_value(k, release)
            if e.mechanism in ("raw",) and k.type == "str | None":
                tv = "dynotrace_probe"
            s = K._encode_env(k, e, K._normalize(k, tv, release), release)
            env_checks.append((k, e, s, _expected_from_env(e, s, None)))
    for k, e, s, expected in env_checks:
        q = K.spelling(k.name, release)
        got = _child(_CHILD_PRELUDE + f"print(json.dumps(enc(get({q!r}))))", _clean_env({e.name: s}))
        base = K.default(k.name, release)
        if got == expected and got != base:
            ok["env"] += 1
            if VERBOSE:
                print(f"  env {e.name}={s!r:18s} -> {q} = {got!r}")
        else:
            failures.append(f"env {e.name}={s!r}: {q} = {got!r}, expected {expected!r} (default {base!r})")

    # 5: parsing / precedence facts
    def fact(desc: str, env: dict[str, str], expr: str, expected: Any) -> None:
        got = _child(_CHILD_PRELUDE + f"print(json.dumps(enc({expr})))", _clean_env(env))
        if got == expected:
            ok["facts"] += 1
            if VERBOSE:
                print(f"  fact ok: {desc}")
        else:
            failures.append(f"fact '{desc}': got {got!r}, expected {expected!r}")

    fact("eq1: 'true' is not '1'", {"TORCHDYNAMO_CAPTURE_SCALAR_OUTPUTS": "true"},
         "torch._dynamo.config.capture_scalar_outputs", False)
    fact("nonempty: '0' turns suppress_errors ON", {"TORCHDYNAMO_SUPPRESS_ERRORS": "0"},
         "torch._dynamo.config.suppress_errors", True)
    if release >= (2, 7):
        fact("Config env keeps other strings raw", {"TORCHINDUCTOR_FX_GRAPH_CACHE": "true"},
             "torch._inductor.config.fx_graph_cache", "true")
        fact("env_name_force beats Python assignment", {"TORCHINDUCTOR_FX_GRAPH_CACHE": "0"},
             "(setattr(torch._inductor.config, 'fx_graph_cache', True), torch._inductor.config.fx_graph_cache)[1]", False)
        fact("env_name_default loses to Python assignment", {"TORCH_COMPILE_DYNAMIC_SOURCES": "a"},
             "(setattr(torch.compiler.config, 'dynamic_sources', 'b'), torch.compiler.config.dynamic_sources)[1]", "b")
    if release >= (2, 13):
        fact("dynamic_values '1' is read as bool True", {"TORCH_COMPILE_DYNAMIC_VALUES": "1"},
             "torch.compiler.config.dynamic_values", True)
        fact("dynamic_values '1,' stays a str", {"TORCH_COMPILE_DYNAMIC_VALUES": "1,"},
             "torch.compiler.config.dynamic_values", "1,")
    thread_expr = ("(lambda out: (setattr(torch._dynamo.config, 'capture_scalar_outputs', True), "
                   "threading.Thread(target=lambda: out.append(torch._dynamo.config.capture_scalar_outputs)).start(), "
                   "__import__('time').sleep(0.5), out[0])[-1])([])")
    fact("Python assignment visible in other threads" if release < (2, 12) else
         "Python assignment is thread-local (2.12+)", {}, thread_expr, release < (2, 12))

    # 6: behaviour of the source-name knobs (compiles tiny functions with a counting backend)
    frames_code = (
        "from torch._dynamo.testing import CompileCounter\n"
        "c = CompileCounter()\n"
        "def f(x):\n    return x.sin() + 1\n"
        "class M(torch.nn.Module):\n"
        "    def __init__(self):\n        super().__init__(); self.step = 0; self.fc = torch.nn.Linear(4, 4)\n"
        "    def forward(self, x):\n        return self.fc(x) * self.step\n"
        "def g(x):\n    return x * x.sum().item()\n"
        "which = WHICH\n"
        "if which == 'shape':\n"
        "    h = torch.compile(f, backend=c)\n"
        "    for n in (2, 3, 4): h(torch.ones(n, 5))\n"
        "elif which == 'module':\n"
        "    m = M(); cm = torch.compile(m, backend=c)\n"
        "    for s in range(3):\n        m.step = s; cm(torch.ones(2, 4))\n"
        "else:\n"
        "    torch.compile(g, backend=c)(torch.ones(3))\n"
        "print(json.dumps(c.frame_count))\n"
    )

    def frames(desc: str, which: str, env: dict[str, str], expected: int) -> None:
        got = _child(_CHILD_PRELUDE + frames_code.replace("WHICH", repr(which)), _clean_env(env))
        if got == expected:
            ok["facts"] += 1
            if VERBOSE:
                print(f"  behaviour ok: {desc} ({got} frames)")
        else:
            failures.append(f"behaviour '{desc}': {got} compiled frames, expected {expected}")

    frames("baseline: shape change -> 2 compiles", "shape", {}, 2)
    frames("baseline: nn.Module int attr change -> 3 compiles", "module", {}, 3)
    frames("baseline: .item() graph break -> 2 frames", "item", {}, 2)
    if release >= (2, 7):
        frames("dynamic_sources L['x'] -> 1 compile", "shape", {"TORCH_COMPILE_DYNAMIC_SOURCES": "L['x']"}, 1)
        frames("dynamic_sources bare 'x' does not match", "shape", {"TORCH_COMPILE_DYNAMIC_SOURCES": "x"}, 2)
        frames("dynamic_sources L['self'].step -> 1 compile", "module", {"TORCH_COMPILE_DYNAMIC_SOURCES": "L['self'].step"}, 1)
        frames("dynamic_sources 'self.step' (recompile-reason spelling) does not match", "module",
               {"TORCH_COMPILE_DYNAMIC_SOURCES": "self.step"}, 3)
    if release >= (2, 8):
        frames("dynamic_sources regex .*step -> 1 compile", "module", {"TORCH_COMPILE_DYNAMIC_SOURCES": ".*step"}, 1)
        frames("unbacked_sources L['x'] -> 1 compile", "shape", {"TORCH_COMPILE_UNBACKED_SOURCES": "L['x']"}, 1)
    if release >= (2, 13):
        frames("dynamic_sources L['x']:0 -> 1 compile", "shape", {"TORCH_COMPILE_DYNAMIC_SOURCES": "L['x']:0"}, 1)
        frames("dynamic_sources L['x']:1 (wrong dim) -> 2 compiles", "shape", {"TORCH_COMPILE_DYNAMIC_SOURCES": "L['x']:1"}, 2)
    if release >= (2, 12):
        frames("TORCH_COMPILE_OVERRIDE_DYNAMO_CONFIGS >=0:capture_scalar_outputs=True -> no graph break", "item",
               {"TORCH_COMPILE_OVERRIDE_DYNAMO_CONFIGS": ">=0:capture_scalar_outputs=True"}, 1)
    frames("TORCHDYNAMO_CAPTURE_SCALAR_OUTPUTS=1 -> no graph break", "item", {"TORCHDYNAMO_CAPTURE_SCALAR_OUTPUTS": "1"}, 1)

    total = sum(ok.values())
    print(f"checked {len(avail)} knobs present, {len(absent_q)} spellings absent, "
          f"{len(env_checks)} env vars, for torch {version}")
    for key, n in ok.items():
        print(f"  {key:9s} ok: {n}")
    if failures:
        print(f"{len(failures)} FAILURES:")
        for f in failures:
            print("  - " + f)
        print(f"{total} passed, {len(failures)} failed")
        return 1
    print(f"{total} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
