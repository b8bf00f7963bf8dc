"""What each torch release writes differently, turned into the one form the fold reads.

Every difference between torch 2.6 and 2.15 in the trace stream that dynotrace reads is
handled here and nowhere else: ``identify`` tells which release wrote a stream (the
``torch_version`` record of 2.12+, the ``pytorch_version`` field of 2.10+ compilation
metrics, or the formats themselves for older logs), ``canonical_events`` rewrites each
event into the form the fold reads, and ``comparable_check`` gives a guard's text without
what only a release's wording changed, for comparing runs across an upgrade.

The canonical form (what the fold may rely on):

* ``recompile_reasons`` payloads are a JSON list of reason strings, with local sources
  written as the user wrote them (``x``, not ``L['x']``), a type check's failure as
  ``expected type of 'x' to be <what>, but found <class ...>``, and, where torch gave one,
  the ``User stack trace`` suffix kept;
* ``dynamo_graph_break_reason`` payloads read ``Graph Break Reason: <gb_type or message>``
  on their second line, a frame Dynamo skipped starting with 2.10's skip text (2.6-2.9
  wrote "Graph break: skip:" and logged it after the compile's metrics; it comes before
  them, as in later releases), the free-form messages of 2.6 and 2.7 mapped to the type later
  releases give them, where known) and list each user frame as one ``File ...`` line
  followed by at most one source line, the statement's first;
* a recompile reason's wording is that of 2.13: two arguments that were one tensor read
  ``Duplicate tensors found: ["a", "b"]`` (2.6-2.11: ``a, b``); a type check's failure
  ``expected type of 'x' to be a tensor type, but found <class ...>`` (2.14+ name the
  class ``<class 'torch.Tensor'>``); entering ``torch.autocast`` ``GLOBAL_STATE changed:
  autocast`` (2.6-2.7 showed it as an ``Autocast*`` key of each tensor's dispatch key set);
* ``compilation_metrics`` carry ``recompile_limit_hit``: whether this attempt was refused
  because its function reached the recompile limit, whatever exception the release raised
  for it (``RecompileLimitExceeded``, ``Unsupported``, ``FailOnRecompileLimitHit``); and
  every frame compile has one (2.6 logged a refused attempt's as ``bwd_compilation_metrics``).

Guard kinds and the guards on which dimensions a tensor was marked dynamic are read
through ``canonical_kind``, ``is_dim_marking`` and ``marked_tensor``: the report keeps each
release's own names for them, as torch printed them. ``RELEASE_SPELLINGS`` lists the
wordings of single releases this module knows; no other module spells them
(``tests/test_architecture.py``).

Where each form comes from is in ``../shared/torch-releases.md`` (the map this module was
written from, checked against each release's sources and against logs recorded under each
release: ``tests/fixtures/releases/``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from dynotrace.events import TraceEvent

#: The oldest and the newest release dynotrace was tested with (minor versions).
OLDEST_TESTED = (2, 6)
NEWEST_TESTED = (2, 15)

#: Exceptions that mean "refused: the function reached its recompile limit", by release:
#: 2.6-2.10 raise RecompileLimitExceeded (named CacheLimitExceeded before 2.6), 2.11+ an
#: Unsupported whose gb_type is "Dynamo recompile limit exceeded"; with
#: fail_on_recompile_limit_hit or fullgraph=True, FailOnRecompileLimitHit (2.7+; its 2.6
#: name was FailOnCacheLimitHit).
_LIMIT_EXCEPTIONS = frozenset(
    {"RecompileLimitExceeded", "CacheLimitExceeded", "FailOnRecompileLimitHit", "FailOnCacheLimitHit"}
)
_LIMIT_REASON = "recompile limit exceeded"

# torch 2.7+ apply this to every recompile reason (guards.py ``strip_local_scope``); 2.6
# did not, so its reasons read ``tensor 'L['x']' ...``.
_LOCAL_SCOPE = re.compile(r"L\[\s*['\"](.*?)['\"]\s*\]")
_VERSION = re.compile(r"^(?P<major>\d+)\.(?P<minor>\d+)")
_GB_REASON_26 = re.compile(r"^Reason: (?:Unsupported: )?", re.MULTILINE)
_FRAME = re.compile(r'^\s*File "[^"]+", line \d+, in .+$')
_FRAME_COMPILE_ID = re.compile(r"^\d+/\d+$")

# Guard-text wording that differs between releases and means nothing for a comparison, and
# the common form each becomes, in the order they are applied, each with a text every match
# holds (a check without it is left alone: looking for it is far quicker than the pattern's
# failing at every character):
_CHECK_WORDING = (
    # ``___check_obj_id(x, 123), type=<class 'm.C'>`` (2.10+ append the type);
    (", type=<", re.compile(r", type=<.*>$"), ""),
    # ``L['self'].k == 2   (HINT: torch.compile considers ...)`` (2.8-2.9 append a hint);
    ("(HINT: ", re.compile(r"\s+\(HINT: .*\)$"), ""),
    # ``not math.isnan(___as_tensor(x).item())`` (2.6-2.11; 2.14+ write ``not math.isnan(x)``);
    ("___as_tensor(", re.compile(r"___as_tensor\((?P<src>[^()]*(?:\([^()]*\))?[^()]*)\)\.item\(\)"), r"\g<src>"),
    # ``__math_isnan(x)`` (2.6) for ``math.isnan(x)``;
    ("__math_isnan(", re.compile(r"__math_isnan\("), "math.isnan("),
    # ``torch.sym_max(a, b)`` / ``torch.sym_min`` in 2.14+ shape guards (``max`` / ``min`` before).
    ("torch.sym_", re.compile(r"\btorch\.sym_(max|min)\("), r"\1("),
)
#: How every ``GLOBAL_STATE`` guard's check begins (2.11+ print the state dict after it).
GLOBAL_STATE_CHECK = "___check_global_state()"


@dataclass(frozen=True)
class TorchRelease:
    """The torch release that wrote a stream of events.

    ``version`` is the release as torch names itself (``2.13.0+cpu``) when the run or the
    log says; ``minor`` is ``(major, minor)``, also when only inferred from the formats
    (``inferred``; 2.6-2.9 each show a field of their compilation metrics that the one
    before lacks, so the minor release is exact), ``None`` when nothing tells.
    """

    version: str | None = None
    minor: tuple[int, int] | None = None
    inferred: bool = False

    @property
    def named(self) -> str | None:
        """What a report names as its torch: the version, or for a supported release known
        only from its formats its minor release (``2.8``); ``None`` when neither is known
        (a log older than 2.6 is not one release its formats could tell)."""
        if self.version:
            return self.version
        if self.minor and self.minor >= OLDEST_TESTED:
            return f"{self.minor[0]}.{self.minor[1]}"
        return None

    def notes(self) -> tuple[str, ...]:
        """What a report says about its release: nothing for a tested one it names."""
        if self.minor is None:
            return ()
        tested = f"{OLDEST_TESTED[0]}.{OLDEST_TESTED[1]}-{NEWEST_TESTED[0]}.{NEWEST_TESTED[1]}"
        if self.inferred and self.minor < OLDEST_TESTED:
            return (
                "This log does not name its torch release, and its formats are those of a release "
                f"older than {OLDEST_TESTED[0]}.{OLDEST_TESTED[1]}, the oldest dynotrace supports ({tested}): "
                "its explanations may be incomplete.",
            )
        notes = []
        if self.inferred:
            notes.append(f"This log does not name its torch release; its formats are those of torch {self.named}.")
        if self.minor > NEWEST_TESTED:
            notes.append(
                f"torch {self.named} is newer than the releases dynotrace was tested with "
                f"({tested}); what it changed in Dynamo's reports may be missed."
            )
        elif self.minor < OLDEST_TESTED:
            notes.append(
                f"torch {self.named} is older than the releases dynotrace supports ({tested}); "
                "its explanations may be incomplete."
            )
        return tuple(notes)


def release_of(version: str | None) -> TorchRelease:
    """The release a version string names (``2.13.0+cpu`` -> ``(2, 13)``)."""
    if not version:
        return TorchRelease()
    m = _VERSION.match(version)
    minor = (int(m["major"]), int(m["minor"])) if m else None
    return TorchRelease(version, minor)


def releases_differ(before: str | None, after: str | None) -> bool:
    """Whether two runs' torch versions name different releases (``2.13.0+cpu`` and
    ``2.13.0`` do not; ``2.13.0`` and ``2.15.0`` do). Unknown versions do not differ."""
    a, b = release_of(before).minor, release_of(after).minor
    return a is not None and b is not None and a != b


def identify(events: Sequence[TraceEvent], *, running: str | None = None) -> TorchRelease:
    """Which release wrote ``events``: ``running`` (a live run's ``torch.__version__``),
    else the log's ``torch_version`` record (2.12+) or the ``pytorch_version`` of its
    compilation metrics (2.10+), else the earliest release whose formats the log shows."""
    if running:
        return release_of(running)
    for ev in events:
        if ev.artifact_name == "torch_version" and ev.payload:
            try:
                named = json.loads(ev.payload).get("pytorch_version")
            except (ValueError, AttributeError):
                named = None
            if isinstance(named, str) and named:
                return release_of(named)
        if ev.kind == "compilation_metrics" and isinstance(ev.data, dict):
            named = ev.data.get("pytorch_version")
            if isinstance(named, str) and named:
                return release_of(named)
    return _inferred(events)


# compilation_metrics fields by the release that added them (CompilationMetrics in
# torch/_dynamo/utils.py), newest first: the newest one a log's metrics carry bounds its
# release from below. (2.10+ name their release in ``pytorch_version``.)
_METRICS_FIELDS = (
    ((2, 9), "stack_trace"),
    ((2, 8), "python_version"),
    ((2, 7), "recompile_reason"),
    ((2, 6), "log_format_version"),
)


def _inferred(events: Iterable[TraceEvent]) -> TorchRelease:
    # Every compile's metrics count: a field whose value is None is left out of the log,
    # so one compile may lack the field that another of the same run carries.
    newest: tuple[int, int] | None = None
    for ev in events:
        if ev.kind == "compilation_metrics" and isinstance(ev.data, dict):
            # Metrics with none of those fields: written before 2.6 (which one, they don't tell).
            minor = next((m for m, name in _METRICS_FIELDS if name in ev.data), (OLDEST_TESTED[0], OLDEST_TESTED[1] - 1))
            if newest is None or minor > newest:
                newest = minor
                if newest == _METRICS_FIELDS[0][0]:
                    break
    return TorchRelease(None, newest, inferred=True) if newest else TorchRelease()


def canonical_events(events: Iterable[TraceEvent], reason_lists: dict[str, list[str]] | None = None) -> list[TraceEvent]:
    """``events`` in the canonical form described in the module's docstring.

    ``reason_lists``, when given, gets each canonical ``recompile_reasons`` payload's
    ``reason_list``, by the payload: what the fold reads from it, without reading the JSON
    it was just written as again (``reason_list(json.dumps(reasons)) == reasons`` for a
    list of strings)."""
    out: list[TraceEvent] = []
    # Where each compile's metrics stand in ``out``: 2.6-2.9 log a skipped frame's graph
    # break only after its metrics.
    ended: dict[tuple[int | None, int | None], int] = {}
    reasons: dict[str, str] = {}
    whole: dict[str, str] = {}
    for ev in events:
        if ev.kind == "bwd_compilation_metrics" and _frame_compile_metrics(ev.data):
            ev = replace(ev, kind="compilation_metrics")
        ids = (ev.frame_id, ev.frame_compile_id)
        name = ev.artifact_name
        if name == "recompile_reasons" and ev.payload is not None:
            canonical = []
            for reason in reason_list(ev.payload):
                # Remembered whole as well: the recompiles after one often list its
                # reasons again word for word (8,283 reasons, 4,653 distinct, in the
                # benchmark log), and a look-up is cheaper than taking the entry apart.
                same = whole.get(reason)
                if same is None:
                    same = whole[reason] = _canonical_reason_of(reason, reasons)
                canonical.append(same)
            payload = json.dumps(canonical)
            ev = replace(ev, payload=payload)
            if reason_lists is not None:
                reason_lists[payload] = canonical
        elif name == "dynamo_graph_break_reason" and ev.payload is not None:
            ev = replace(ev, payload=_canonical_graph_break(ev.payload))
            if ids in ended:
                out.insert(ended[ids], ev)
                ended[ids] += 1
                continue
        elif ev.kind == "compilation_metrics" and isinstance(ev.data, dict):
            ev = replace(ev, data={**ev.data, "recompile_limit_hit": is_limit_hit(ev.data)})
            out.append(ev)
            ended[ids] = len(out) - 1
            continue
        if ev.kind == "dynamo_start":
            ended.pop(ids, None)  # the same ids again: a new compile (after a reset)
        out.append(ev)
    return out


def _frame_compile_metrics(data: Any) -> bool:
    """A frame compile's metrics that torch logged as backward ones: 2.6 sets
    ``is_forward`` only once a compile passes the recompile-limit check, and logs every
    record without it as ``bwd_compilation_metrics`` (a real backward compile's record
    says ``is_forward: false``)."""
    return (
        isinstance(data, dict)
        and data.get("is_forward") is None
        and _FRAME_COMPILE_ID.match(str(data.get("compile_id") or "")) is not None
    )


def reason_list(payload: str) -> list[str]:
    """The reasons of one ``recompile_reasons`` payload: a JSON list (2.6-2.10, and 2.11+
    for several), or one reason as bare text, not JSON-quoted (2.11+)."""
    text = payload.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            return [payload]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
    return [payload]


# 2.6-2.13 (C++ TensorCheck): "expected type of 'x' to be a tensor type, ' but found
# <class 'list'>" (the stray quote is torch's); 2.14+: "... to be <class 'torch.Tensor'>,
# but found <class 'list'>".
_OLD_TYPE_CHECK = "' to be a tensor type, ' but found "
_NEW_TYPE_CHECK = "' to be <class 'torch.Tensor'>, but found "
_TYPE_CHECK = "' to be a tensor type, but found "
# 2.6-2.11: "Duplicate tensors found: a, b"; 2.12+: 'Duplicate tensors found: ["a", "b"]'.
_DUPLICATES = "Duplicate tensors found: "
# 2.6-2.7: entering torch.autocast fails each tensor's dispatch-key check, the keys then
# differing only by Autocast* ones; 2.8+ fail the global-state guard.
_DISPATCH_KEYS = re.compile(r"^tensor '.+' dispatch key set mismatch\. expected DispatchKeySet\((?P<exp>[^)]*)\), actual DispatchKeySet\((?P<act>[^)]*)\)$")
_AUTOCAST_KEY = "Autocast"


#: The cache entry a reason starts with (``0/3: ``).
_CACHE_ENTRY = re.compile(r"\d+/\d+(?:_\d+)?: ")


def _canonical_reason_of(reason: str, known: dict[str, str]) -> str:
    """``_canonical_reason(reason)``, remembering it in ``known`` apart from the cache
    entry the reason starts with: a recompile lists a failure for every cache entry
    before it, mostly the same guards (68 distinct of 8,283 in a 50 MB log). Nothing
    ``_canonical_reason`` changes reaches into the entry's ``0/3: ``, so the canonical
    form of the rest is the same after any entry."""
    entry = _CACHE_ENTRY.match(reason)
    if entry is None:
        return _canonical_reason(reason)
    rest = reason[entry.end() :]
    canonical = known.get(rest)
    if canonical is None:
        canonical = known[rest] = _canonical_reason("0/0: " + rest)[len("0/0: ") :]
    return entry[0] + canonical


def _canonical_reason(reason: str) -> str:
    head, sep, stack = reason.partition("\nUser stack trace:")
    head = _LOCAL_SCOPE.sub(r"\1", head)
    head = head.replace(_OLD_TYPE_CHECK, _TYPE_CHECK).replace(_NEW_TYPE_CHECK, _TYPE_CHECK)
    cid, colon, check = head.partition(": ")
    if check.startswith(_DUPLICATES) and not check[len(_DUPLICATES) :].lstrip().startswith("["):
        names = [n.strip() for n in check[len(_DUPLICATES) :].split(",") if n.strip()]
        head = f"{cid}{colon}{_DUPLICATES}{json.dumps(names)}"
    elif (keys := _DISPATCH_KEYS.match(check)) is not None and _only_autocast_differs(keys["exp"], keys["act"]):
        head = f"{cid}{colon}GLOBAL_STATE changed: autocast"
    return head + sep + stack


def _only_autocast_differs(expected: str, actual: str) -> bool:
    changed = {k.strip() for k in expected.split(",")} ^ {k.strip() for k in actual.split(",")}
    return bool(changed) and all(k.startswith(_AUTOCAST_KEY) for k in changed)


def stack_lacks_caller(release: TorchRelease) -> bool:
    """Whether the release's ``dynamo_start`` stack may leave out the line that called the
    compiled frame. From 2.9 (``log_dynamo_start``) Dynamo skips two frames too many at the
    inner end: for a function compiled with ``torch.compile``, torch's wrapper and the
    caller's own frame (for a module, two of ``nn.Module``'s call frames, so the caller is
    still there). 2.6-2.8 skip only torch's wrapper. A log whose release nothing tells is
    taken to be one that may."""
    return release.minor is None or release.minor >= (2, 9)


def is_limit_hit(metrics: dict[str, Any]) -> bool:
    """Whether a compile attempt was refused because its function reached the limit."""
    fail_type = str(metrics.get("fail_type") or "").rsplit(".", 1)[-1]
    if fail_type in _LIMIT_EXCEPTIONS:
        return True
    return _LIMIT_REASON in str(metrics.get("fail_reason") or "").lower()


# torch 2.6 gave graph breaks free-form messages, 2.7 still for some; later releases name
# each by a type (the ``Gb_type`` of torch's graph_break_registry.json) and explain it. The
# most common ones, by the start of their free-form message, which stays as the explanation:
_TYPES_OF_FREE_FORM_MESSAGES = (
    ("builtin: ", "Failed to trace builtin operator"),
    ("Data-dependent jump", "Data-dependent branching"),
    ("Tensor.item", "Unsupported Tensor.item() call with capture_scalar_outputs=False"),
    ("Graph break due to unsupported builtin ", "Attempted to call function marked as skipped"),
    ("'skip function ", "Attempted to call function marked as skipped"),
    ("call torch._dynamo.disable() wrapped function", "Skip calling `torch.compiler.disable()`d function"),
)


# 2.6-2.9 say a frame was skipped (run eagerly) after a graph break it could not resume
# from as "Graph break: skip: from user code at:" + the frames + Dynamo's traceback, whose
# last line names the break; 2.10+ as the skip text below, with the break's type.
_OLD_SKIP = "Graph break: skip: from user code at:"
_SKIP = "Graph break: torch.compile cannot properly resume from this graph break, which results in a skip."
_EXCEPTION_LINE = re.compile(r"^torch\._dynamo\.exc\.(?P<exc>\w+): (?P<msg>.*)$")


def _canonical_graph_break(text: str) -> str:
    if text.startswith(_OLD_SKIP):
        text = _canonical_old_skip(text)
    text = _one_line_per_frame(text)
    head, sep, rest = text.partition("\n")
    if rest.startswith("Reason: "):
        # 2.6: "Reason: [Unsupported: ]<message>" where later releases write "Graph Break Reason:".
        rest = "Graph Break Reason: " + _GB_REASON_26.sub("", rest, count=1)
    if not rest.startswith("Graph Break Reason: "):
        return text
    first, newline, tail = rest[len("Graph Break Reason: ") :].partition("\n")
    for start, gb_type in _TYPES_OF_FREE_FORM_MESSAGES:
        if first.startswith(start):
            first = f"{gb_type}\n  Explanation: {first}"
            break
    return f"{head}{sep}Graph Break Reason: {first}{newline}{tail}"


def _canonical_old_skip(text: str) -> str:
    frames, _, tail = text[len(_OLD_SKIP) :].partition("\nTraceback (most recent call last):")
    lines = tail.splitlines()
    found = [(i, m) for i, line in enumerate(lines) if (m := _EXCEPTION_LINE.match(line))]
    # The exception Dynamo gave up on is the last Unsupported raised ("During handling of
    # the above exception, another exception occurred"), else the last one.
    unsupported = [(i, m) for i, m in found if m["exc"] == "Unsupported"]
    reason = "Unknown graph break"
    if unsupported or found:
        i, m = (unsupported or found)[-1]
        if m["exc"].startswith("Observed"):
            # A user exception no handler caught: what 2.8+ call "Observed exception".
            reason = "Observed exception\n  Explanation: " + m["msg"]
        else:
            message = [m["msg"]]  # to the next blank line (2.7+ put the type on its first line)
            for more in lines[i + 1 :]:
                if not more.strip():
                    break
                message.append(more)
            reason = "\n".join(message)
    return f"{_SKIP}\nGraph Break Reason: {reason}\nUser code traceback:{frames.rstrip()}\n\nTraceback (most recent call last):{tail}"


_STACK_HEADERS = ("User code traceback:", "The graph break occurred in the following user code:")


def _one_line_per_frame(text: str) -> str:
    """The user traceback with one source line under each ``File`` line: 2.15 prints a
    statement's whole range (up to 5 lines, with ``~~~^^^`` markers), earlier releases
    its first line."""
    lines = text.split("\n")
    out: list[str] = []
    in_stack = False
    kept_source = True
    for line in lines:
        if line.startswith(_STACK_HEADERS):
            in_stack = True
        elif in_stack and line.startswith("Traceback (most recent call last):"):
            in_stack = False
        elif in_stack and _FRAME.match(line):
            kept_source = False
        elif in_stack and line.strip():
            if kept_source:
                continue  # a further line of the statement, or a marker line
            kept_source = True
            if set(line.strip()) <= {"~", "^"}:
                continue
        out.append(line)
    return "\n".join(out)


def comparable_check(check: str) -> str:
    """A guard's check text without what only a release's wording changed: the
    ``, type=<...>`` that 2.10+ append to identity checks, the ``(HINT: ...)`` of 2.8-2.9,
    ``torch.sym_max`` for ``max`` (2.14+), ``___as_tensor(x).item()`` for ``x`` (2.6-2.11),
    ``__math_isnan`` for ``math.isnan`` (2.6), and the state dict that 2.11+ print after
    ``___check_global_state()`` (the state is compared key by key: ``global_state_change``)."""
    if check.startswith(GLOBAL_STATE_CHECK):
        return GLOBAL_STATE_CHECK
    for held, wording, common in _CHECK_WORDING:
        if held in check:
            check = wording.sub(common, check)
    return check


#: Guard kinds a release renamed or split out of a general one: 2.14 gave ``a is b`` its own
#: OBJECT_ALIASING (a LAMBDA_GUARD before); 2.13 renamed DYNAMIC_INDICES.
_KIND_ALIASES = {"OBJECT_ALIASING": "LAMBDA_GUARD", "DYNAMIC_INDICES": "DIMENSION_DYNAMIC_MARKING_GUARD"}
#: The kind of the guards on which dimensions of a tensor were marked dynamic.
DIM_MARKING_KIND = "DIMENSION_DYNAMIC_MARKING_GUARD"


def canonical_kind(kind: str) -> str:
    """A guard kind as every release would name it (``DIMENSION_DYNAMIC_MARKING_GUARD``
    for 2.6-2.12's ``DYNAMIC_INDICES``, ``LAMBDA_GUARD`` for 2.14+'s ``OBJECT_ALIASING``)."""
    return _KIND_ALIASES.get(kind, kind)


#: Kinds whose guard checks that two sources are, or are not, the same object.
ALIASING_KINDS = frozenset({"NO_TENSOR_ALIASING", "OBJECT_ALIASING"})

# A failed guard on which dimensions of a tensor were marked dynamic (mark_dynamic and its
# kin): 2.13+ "_has_dynamo_dim_marking is present on runtime tensor but was absent at compile
# time"; 2.6-2.12 name the attribute and the tensor: "hasattr(x, '_dynamo_dynamic_indices')
# == False" (2.9+ with the guard's user code after it).
_DIM_MARKING = re.compile(r"_has_dynamo_dim_marking|'_dynamo_\w*indices'")
_MARKED = re.compile(r"^hasattr\((?P<src>.+?), '_dynamo_\w*indices'\)")


def is_dim_marking(reason: str) -> bool:
    """Whether a recompile reason is the failure of a dynamic-marking guard."""
    return _DIM_MARKING.search(reason) is not None


def marked_tensor(reason: str) -> str | None:
    """The tensor a dynamic-marking failure names (2.6-2.12 do; 2.13+ do not)."""
    m = _MARKED.match(reason)
    return m["src"] if m else None


#: Event kinds a release writes that ``canonical_events`` turns into the ones the fold
#: reads: 2.6 logs a compile the recompile limit refused as ``bwd_compilation_metrics``.
RELEASE_KINDS = frozenset({"bwd_compilation_metrics"})

#: Wordings of single torch releases that only this module reads; everything else reads
#: the canonical form (a test checks that no other module spells them).
RELEASE_SPELLINGS = (
    "DYNAMIC_INDICES",
    "OBJECT_ALIASING",
    "_has_dynamo_dim_marking",
    "Graph break: skip:",
    "to be a tensor type, '",
    "to be <class 'torch.Tensor'>",
    "CacheLimitExceeded",
    "RecompileLimitExceeded",
    "FailOnCacheLimitHit",
    "HINT: ",
    "___as_tensor(",
    "__math_isnan(",
    "torch.sym_max",
)


def global_state(check: str) -> dict[str, Any] | None:
    """The state dict of a ``GLOBAL_STATE`` guard (2.11+ print it), or ``None``."""
    if not check.startswith(GLOBAL_STATE_CHECK) or " against " not in check:
        return None
    try:
        state = json.loads(check.split(" against ", 1)[1])
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


#: Keys a release added to the GLOBAL_STATE dict, with the value each holds when a run
#: leaves that state alone (as every recorded run under tests/fixtures/releases does).
ADDED_STATE_KEYS: dict[str, Any] = {"cuda_matmul_precision": 0}  # 2.15


def global_state_change(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The keys whose value differs between two GLOBAL_STATE dicts. A key only one side
    has (a release added it) is a change only when it holds something else than its
    default (``ADDED_STATE_KEYS``); an added key of unknown default is not one."""
    changed = {k for k in before.keys() & after.keys() if before[k] != after[k]}
    for key in before.keys() ^ after.keys():
        value = before[key] if key in before else after[key]
        if key in ADDED_STATE_KEYS and value != ADDED_STATE_KEYS[key]:
            changed.add(key)
    return sorted(changed)
