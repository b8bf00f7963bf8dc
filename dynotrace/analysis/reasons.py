"""Parse Dynamo's recompile reasons (the ``recompile_reasons`` artifact).

The payload is a JSON list of reason strings in the canonical form of
``dynotrace.releases`` (which turns each torch release's payload into it). Each reason
names the cache entry that failed and the first guard of it that failed::

    0/0: tensor 'x' size mismatch at index 0. expected 8, actual 9
    0/0: n == 0                      # y = x * n  # mp/exp/probe.py:11 in f
    User stack trace:
      File "/tmp/exp/probe.py", line 11, in f
        y = x * n
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from dynotrace.analysis.tree import parse_where
from dynotrace.model import GuardFailure, Location, evolve, is_library_file
from dynotrace.releases import reason_list

_HEAD = re.compile(r"^(?P<cid>\d+/\d+(?:_\d+)?): (?P<rest>.*)$", re.DOTALL)
_TENSOR = re.compile(
    r"^tensor '(?P<src>.+?)' (?P<what>[a-z_ ]+?) mismatch(?: at index (?P<idx>\d+))?\. "
    r"expected (?P<exp>.*?)(?:, actual (?P<act>.*))?$"
)
_COMPARE = re.compile(
    r"^(?P<lhs>.+?) (?P<op>==|!=|<=|>=|<|>|is not|is) (?P<rhs>.+)$"
)
_CALL_SOURCE = re.compile(r"^(?:not )?___\w+\((?P<src>[^,()]+(?:\([^()]*\))?[^,()]*)")
# ``not ___dict_contains('top_p', L['cfg'])``: the dict is the second argument, the key the first.
_DICT_CONTAINS = re.compile(r"^(?P<not>not )?___dict_contains\((?P<key>.+?), (?P<dict>[^()]+)\)$")
# ``16 <= t <= 99``: an int the graph was compiled for a range of.
_CHAINED = re.compile(r"^(?P<lo>-?\d+) (?P<op1><=|<) (?P<src>[^<>=]+?) (?P<op2><=|<) (?P<hi>-?\d+)$")
_LOCAL = re.compile(r"\b[LG]\[\s*['\"](.*?)['\"]\s*\]")
_TYPE_EXPECTED = re.compile(r"^expected type of '(?P<src>.+?)' to be (?P<exp>.+?), but found (?P<act>.+)$")
# nn.Module internals as Dynamo spells them: ``self._modules['drop']`` is ``self.drop``.
_MODULE_DICT = re.compile(r"\._(?:modules|parameters|buffers)\[['\"]([^'\"]+)['\"]\]")
_DUPLICATES = "Duplicate tensors found:"
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_FLIP = {"<=": ">=", ">=": "<=", "<": ">", ">": "<", "==": "==", "!=": "!="}
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')


# How Dynamo's tensor-check messages name a property: in the user's source terms, and the
# cause a change of it is (``dynotrace.analysis.causes``).
_TENSOR_PROPERTIES = {
    "size": (".size()[{}]", "tensor_shape"),
    "stride": (".stride()[{}]", "stride"),
    "dtype": (".dtype", "dtype"),
    "rank": (".dim()", "tensor_shape"),
    "requires_grad": (".requires_grad", "requires_grad"),
    "dispatch key set": (" dispatch keys", "device"),
}
#: The cause of a tensor check's failure by the end of its source (``x.dtype``): the
#: properties above, and ``.device`` that a changed dispatch key's backend gives.
TENSOR_PROPERTY_CAUSES = {suffix: cause for suffix, cause in _TENSOR_PROPERTIES.values() if "{}" not in suffix} | {
    ".device": "device"
}


def _tensor_property(what: str, index: str | None) -> str:
    template = _TENSOR_PROPERTIES.get(what, (f" {what}", "other"))[0]
    return template.format(index) if "{}" in template else template


@functools.lru_cache(maxsize=8192)
def user_source(source: str) -> str:
    """A guard source in the user's terms: ``L['self'].layer`` -> ``self.layer``,
    ``G['SCALE']`` -> ``SCALE``, ``dict.__getitem__(d, k)`` -> ``d[k]``."""
    text = _MODULE_DICT.sub(r".\1", _LOCAL.sub(r"\1", source)).strip()
    if "dict." in text:
        text = _DICT_KEYS.sub(r"list(\1)", text)
        while (start := text.find(_GETITEM)) >= 0:
            args = _call_arguments(text, start + len(_GETITEM))
            if args is None:
                break
            (mapping, key), end = args
            text = f"{text[:start]}{mapping}[{key}]{text[end:]}"
    return text


# ``dict.__getitem__(d, k)`` and ``list(dict.keys(d))``: how Dynamo reads a dict's items.
_GETITEM = "dict.__getitem__("
_DICT_KEYS = re.compile(r"list\(dict\.keys\(([^()]+)\)\)")


def _call_arguments(text: str, start: int) -> tuple[tuple[str, str], int] | None:
    """The two arguments of a call whose ``(`` ends just before ``start``, and the index
    after its ``)``; ``None`` when it does not have two."""
    depth, parts, current = 0, [], ""
    for i in range(start, len(text)):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                parts.append(current.strip())
                return ((parts[0], parts[1]), i + 1) if len(parts) == 2 else None
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += ch
    return None


def parse_reason(
    reason: str,
    resolve: Callable[[str], str] = lambda f: f,
    known: dict[tuple[str, str], GuardFailure] | None = None,
) -> GuardFailure:
    """One failed guard: which compile it belonged to, and what failed where it is known.

    ``known`` remembers what failed apart from the cache entry it failed for, for the
    caller to pass again with the same ``resolve``: a function recompiled n times lists
    about n * n / 2 failures, most of them the same few guards failing again for another
    cache entry (8,283 failures, 68 distinct, in a 50 MB log)."""
    head, _, stack_text = reason.partition("\nUser stack trace:")
    m = _HEAD.match(head.strip())
    cid, body = (m["cid"], m["rest"]) if m else ("", head.strip())
    failure = known.get((body, stack_text)) if known is not None else None
    if failure is None:
        failure = _parse_failure(body, stack_text, resolve)
        if known is not None:
            known[body, stack_text] = failure
    return evolve(failure, failed_compile_id=cid) if cid else failure


def _parse_failure(body: str, stack_text: str, resolve: Callable[[str], str]) -> GuardFailure:
    location = _stack_location(stack_text, resolve)
    check, *comment = [p.strip() for p in body.split("  # ")]
    if location is None and len(comment) >= 2:
        location = parse_where(comment[-1], resolve, "  # ".join(comment[:-1]))

    source = expected = actual = None
    t = _TENSOR.match(check)
    if t:
        source = f"{user_source(t['src'])}{_tensor_property(t['what'], t['idx'])}"
        expected = t["exp"].strip()
        actual = t["act"].strip() if t["act"] else None
        if t["what"] == "dispatch key set" and actual:
            before, after = _backend_key(expected), _backend_key(actual)
            if before and after and before != after:
                # The backend key leads the set: CPU -> Meta is a device change.
                source, expected, actual = f"{user_source(t['src'])}.device", before.lower(), after.lower()
        if expected.startswith("requires_grad="):
            expected = expected[len("requires_grad=") :]
            actual = actual or ("0" if expected == "1" else "1")
    elif check.startswith(_DUPLICATES):
        # 'Duplicate tensors found: ["a", "b"]'
        names = [n.strip(" \"'") for n in check[len(_DUPLICATES) :].strip().strip("[]").split(",")]
        source = ", ".join(user_source(n) for n in names if n)
        expected, actual = "different objects", "the same object"
    elif check.startswith("GLOBAL_STATE changed:"):
        source = "global state: " + check[len("GLOBAL_STATE changed:") :].strip()
    elif (ty := _TYPE_EXPECTED.match(check)) is not None:
        # "a tensor type" reads "tensor".
        expected = _class_name(ty["exp"]).removeprefix("a ").removesuffix(" type")
        source, actual = user_source(ty["src"]), _class_name(ty["act"])
    elif (d := _DICT_CONTAINS.match(check)) is not None:
        # The failed guard held that the key was (not) there: now the opposite holds.
        source = user_source(d["dict"])
        key = d["key"]
        expected, actual = (f"no key {key}", f"key {key}") if d["not"] else (f"key {key}", f"no key {key}")
    elif (r := _CHAINED.match(check)) is not None:
        source = user_source(r["src"].strip())
        expected = f"between {r['lo']} and {r['hi']}"
    else:
        c = _CALL_SOURCE.match(check)
        if c:
            source = user_source(c["src"])
        else:
            cmp = _COMPARE.match(check)
            if cmp:
                lhs, op, rhs = cmp["lhs"].strip(), cmp["op"], cmp["rhs"].strip()
                if _NUMBER.match(lhs) and not _NUMBER.match(rhs) and op in _FLIP:
                    # ``5 <= x.size()[0]`` names the source on the right.
                    lhs, op, rhs = rhs, _FLIP[op], lhs
                source, expected = user_source(lhs), rhs
                if op in ("is", "is not"):
                    source, expected, actual = _identity_check(lhs, op, rhs)
                elif op != "==":
                    expected = f"{op} {expected}"
    return GuardFailure(
        failed_compile_id="",
        reason=check,
        source=source,
        expected=expected,
        actual=actual,
        location=location,
    )


def _identity_check(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    """``(source, expected, actual)`` of a failed ``x is None`` or ``a is b``: the failure
    means the opposite now holds."""
    if rhs in ("None", "True", "False"):
        held, other = (rhs, f"not {rhs}") if op == "is" else (f"not {rhs}", rhs)
        return user_source(lhs), held, other
    same, different = "the same object", "different objects"
    held, other = (same, different) if op == "is" else (different, same)
    return f"{user_source(lhs)}, {user_source(rhs)}", held, other


def _backend_key(keys: str) -> str | None:
    m = re.match(r"^DispatchKeySet\((?P<first>[A-Za-z]+)", keys.strip())
    return m["first"] if m else None


def _class_name(text: str) -> str:
    m = re.match(r"^<class '(?P<name>[^']+)'>$", text.strip())
    return m["name"] if m else text.strip()


def _stack_location(stack_text: str, resolve: Callable[[str], str]) -> Location | None:
    """Where the guard came from: the innermost frame of the user's own code in its stack
    (``self.fc1(x)`` in ``Net.forward``, not the line of torch's ``Linear.forward`` under
    it), else the innermost frame."""
    lines = stack_text.splitlines()
    found: Location | None = None
    own: Location | None = None
    for i, line in enumerate(lines):
        m = _FRAME.match(line)
        if m:
            code = lines[i + 1].strip() if i + 1 < len(lines) and not _FRAME.match(lines[i + 1]) else ""
            found = Location(resolve(m["file"]), int(m["line"]), m["func"].strip(), code)
            if not is_library_file(found.file) and not found.file.startswith("<"):
                own = found
    return own or found


def parse_recompile_reasons(
    payload: str,
    resolve: Callable[[str], str] = lambda f: f,
    known: dict[tuple[str, str], GuardFailure] | None = None,
) -> tuple[GuardFailure, ...]:
    """Every guard failure one recompile reports, in Dynamo's order (``known`` as
    ``parse_reason``'s)."""
    return tuple(parse_reason(r, resolve, known) for r in reason_list(payload) if r.strip())
