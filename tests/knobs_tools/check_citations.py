"""One-off check of the hand-written citations in knobs.py (SUGGESTIONS, MARK_FUNCTIONS,
CACHE_ENV_VARS) against the extracted sources in src/<version>/."""
import re, sys
sys.path.insert(0, __import__("os").path.join(__import__("os").path.dirname(__file__), "..", ".."))
from dynotrace.trials import knobs as K
CITE = re.compile(r"(torch/[\w/]+\.py)?:(\d+) \((\d+\.\d+\.\d+)\)")
def lines(v, path):
    return open(f"src/{v}/{path}").read().splitlines()
def check(cite, needle, window=12):
    errs, last_path, n = [], None, 0
    for part in cite.split(";"):
        m = CITE.search(part)
        if not m:
            continue
        path = m.group(1) or last_path
        last_path = path
        ln, v = int(m.group(2)), m.group(3)
        L = lines(v, path)
        seg = "\n".join(L[max(0, ln - 1 - window): ln + window])
        seg = re.sub(r"""["']\s*\n\s*f?["']""", "", seg)  # join implicitly concatenated string literals
        n += 1
        if needle not in seg:
            errs.append(f"{needle!r} not near {path}:{ln} ({v})")
    return errs, n
errs, total = [], 0
for s in K.SUGGESTIONS:
    needle = re.split(r"\{…\}|\(|`", s.text)[0].strip()[:40] or s.text[:30]
    if s.cite.endswith("(2.8.0)") and "log_frame_dynamic_whitelist" in s.cite:
        needle = "recompile_dynamic_whitelist"
        e, n = check("torch/_dynamo/pgo.py:617 (2.8.0)", needle, 20)
    else:
        e, n = check(s.cite, needle, 20)
    errs += e; total += n
for m in K.MARK_FUNCTIONS:
    e, n = check(m.cite, f"def {m.name}(", 0); errs += e; total += n
    # signature check in every covered release
    for r in K.RELEASES:
        if not m.covers(r): continue
        v = K.RELEASE_VERSIONS[r]
        import ast
        tree = ast.parse(open(f"src/{v}/torch/_dynamo/decorators.py").read())
        fn = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == m.name][0]
        a = fn.args
        pos = a.args; dflt = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
        parts = [p.arg + ("" if d is None else "=" + ast.unparse(d)) for p, d in zip(pos, dflt)]
        if a.kwonlyargs:
            parts.append("*")
            parts += [p.arg + ("" if d is None else "=" + ast.unparse(d)) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
        got = ", ".join(parts)
        want = m.signature.strip("()")
        if got != want:
            errs.append(f"{m.name} {v}: source ({got}) != table ({want})")
for c in K.CACHE_ENV_VARS:
    e, n = check(c.cite, c.name.replace("TORCH_COMPILE_STICKY_PGO_KEY", "STICKY_PGO_KEY"), 6); errs += e; total += n
print(f"{total} citations checked"); print("\n".join(errs) or "all ok")

# release ranges of SUGGESTIONS: needle present in the cited file exactly in [since, until]
rng_errs = []
for s in K.SUGGESTIONS:
    m = CITE.search(s.cite)
    path = m.group(1) if m else "torch/_dynamo/pgo.py"
    needle = max(re.split(r"\{…\}|%s|…", s.text), key=len).strip()
    needle = re.sub(r"\s+", " ", needle)
    if "log_frame_dynamic_whitelist" in s.cite: needle = "recompile_dynamic_whitelist"
    for r in K.RELEASES:
        v = K.RELEASE_VERSIONS[r]
        try: src = open(f"src/{v}/{path}").read()
        except FileNotFoundError: src = ""
        src = re.sub(r"""["']\s*\n\s*f?["']""", "", src)
        src = src.replace("\\n", " ")
        src = re.sub(r"\s+", " ", src)
        present = needle in src
        inr = r >= s.since and (s.until is None or r <= s.until)
        if present != inr:
            rng_errs.append(f"{s.knob} [{needle}] in {path} {v}: present={present} in_range={inr}")
print("\n".join(rng_errs) or "suggestion ranges ok")
