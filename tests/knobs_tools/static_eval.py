"""Statically evaluate a config module's top-level assignment defaults, as they'd be
in OSS with an empty environment (no env vars set, is_fbcode() False)."""
from __future__ import annotations
import ast

class Alias:
    def __init__(self, target): self.target = target
    def __repr__(self): return f"Alias({self.target})"
    def __eq__(self, o): return isinstance(o, Alias) and o.target == self.target

class Unknown:
    def __init__(self, src): self.src = src
    def __repr__(self): return f"Unknown({self.src[:60]})"

def _ev(node, env=None):
    env = env or {}
    if isinstance(node, ast.Constant): return node.value
    if isinstance(node, ast.Name):
        if node.id in env: return env[node.id]
        raise ValueError(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not): return not _ev(node.operand, env)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub): return -_ev(node.operand, env)
    if isinstance(node, ast.IfExp): return _ev(node.body, env) if _ev(node.test, env) else _ev(node.orelse, env)
    if isinstance(node, ast.BoolOp):
        vals = [_ev(v, env) for v in node.values]
        if isinstance(node.op, ast.And):
            r = True
            for v in vals:
                r = v
                if not v: return v
            return r
        for v in vals:
            if v: return v
        return vals[-1]
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        l, r = _ev(node.left, env), _ev(node.comparators[0], env)
        op = node.ops[0]
        if isinstance(op, ast.Eq): return l == r
        if isinstance(op, ast.NotEq): return l != r
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        vals = [_ev(e, env) for e in node.elts]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](vals)
    if isinstance(node, ast.Dict): return {_ev(k, env): _ev(v, env) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call):
        fn = ast.unparse(node.func)
        args = node.args; kw = {k.arg: k.value for k in node.keywords}
        if fn in ("os.environ.get", "os.getenv"):
            return _ev(args[1], env) if len(args) > 1 else None
        if fn in ("is_fbcode", "torch._utils_internal.is_fbcode"): return False
        if fn == "set" and not args: return set()
        if fn == "bool": return bool(_ev(args[0], env))
        if fn == "int": return int(_ev(args[0], env))
        if fn == "get_tristate_env": return _ev(args[1], env) if len(args) > 1 else None
        if fn == "Config":
            if "alias" in kw: return Alias(_ev(kw["alias"], env))
            if "default" in kw: return _ev(kw["default"], env)
            if args: return _ev(args[0], env)
            return True
        if fn == "sysconfig.get_config_var": return None
    raise ValueError(ast.unparse(node))

def defaults(src: str) -> dict[str, tuple[int, object]]:
    out = {}
    def visit(body, prefix):
        for n in body:
            if isinstance(n, ast.ClassDef): visit(n.body, prefix + n.name + ".")
            elif isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None:
                targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        try: v = _ev(n.value)
                        except Exception: v = Unknown(ast.unparse(n.value))
                        out[prefix + t.id] = (n.lineno, v)
    visit(ast.parse(src).body, "")
    return out
