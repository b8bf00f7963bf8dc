"""The report file format: ``Report`` and ``JobReport`` <-> plain dicts (for YAML and
JSON), versioned. ``job_to_dict``/``job_from_dict`` take any job; a job that is not
distributed (one process's run) is written as its one report's document.

Schema changelog (bump ``SCHEMA_VERSION`` on any change a reader must know about):

* 1 — first version: run info, summary, notes, problems, functions -> compiles with graph
  breaks, guards, guard failures, shape symbols, shape guards, specialisations; timing.
* 2 — multi-rank reports (a distributed job): ``ranks`` maps each rank number to that
  rank's report in this same single-rank form (plus a ``distributed`` section: node,
  local rank, log files, Inductor's per-compile collectives, runtime estimates, output
  metadata digest and cache lookups), beside ``launcher``, ``world_size``, ``summary``
  (ranks, missing ranks, groups, and each count's min/max and which ranks),
  ``missing``, ``groups`` and ``divergence``. (below).
  Single-rank reports gain, per compile, ``module_forward`` (the frame ran as a module's
  forward, possibly through a decorator); ``call_site`` is now the innermost frame of the
  user's own code below the compiled frame (outside torch, installed packages and the
  standard library), and ``qualified_name`` names a decorated forward ``Class.forward``.
  File names outside the project read ``<site-packages>/...`` and ``<stdlib>/...``.
* 3 — a function is one code object (file, name, first line): Dynamo's resume functions fold
  into the function they continue, and two functions of one name in one file are two
  entries; a compile's ``code_name`` is that function's name, never Dynamo's
  ``torch_dynamo_resume_in_*`` (``resume_line`` says where it resumes). Each compile gains
  ``cache_size`` (torch's ``compilation_metrics``: the cache entries already guarding the
  same objects when it compiled; a compile is a recompile when it is above 0, torch's own
  rule). Guard-failure ``category`` gains ``optimizer_setting``, ``passed_value``,
  ``value_range``, ``resumed_value`` and ``shared_code``; ``specialized_float`` is no longer
  written.
  Reports gain ``trials`` (``dynotrace explain --try-fixes``), before ``timing``, only in reports
  where fixes were tried: the torch ``release`` the settings are spelled for, the
  ``command`` each rerun ran, the ``baseline`` rerun's measurement, each ``trials`` entry
  (its ``name``, ``role``, ``targets`` with each finding's cost before and after,
  ``settings`` with their shell and Python forms, ``verdict``, ``result``, ``problems``,
  ``note``), the ``code_changes`` no setting can make, ``interrupted`` and ``notes``
  (``dynotrace/model/trials.py``). A measurement's ``compile_s`` and ``wall_s`` differ
  from run to run, like ``timing``. A report where no fix was tried has no ``trials``.
  Reports gain where compile time went: ``timing`` gains ``compiles``, one entry per compile in the
  order of ``functions[].compiles[]`` (``compile_id``, ``start_s``, ``total_s``,
  ``dynamo_s``, ``aot_s``, ``inductor_s``, ``backward_s``: seconds from the compile's own
  ``compilation_metrics``, ``start_s`` counted from the report's first compile; ``cache``:
  its FX-graph and AOTAutograd cache lookups, ``{cache, outcome, detail, reason, guard}``).
  They are in ``timing`` because they differ between two runs of one program (a second run
  hits the caches the first one filled). Reports of schema 1 and 2 load with none.

The document of a distributed job (schema 2)
--------------------------------------------
A multi-rank document has the run information of a single-rank report at its top, then::

    launcher: torchrun          # or environment; null when read from TORCH_TRACE logs
    world_size: 4               # null when not known (offline)
    summary: {ranks, world_size, missing_ranks, rank_groups, divergences,
              functions: {min, max, min_ranks, max_ranks}, compiles: {...}, ...}
    missing: [{rank, reason}]
    groups: [[0, 2, 3], [1]]    # ranks that compiled the same way, largest group first
    divergence: [{kind, summary, why, function, function_name, location,
                  groups: [{ranks, what}]}]
    notes: []
    ranks:
      '0': {schema_version: 2, ...}   # rank 0's report, a single-rank document
      '1': {...}
    timing: {wall_s, ...}

Each ``ranks`` entry is exactly the document a single-rank run writes, with one more key
before its ``timing``: ``distributed`` (``rank``, ``local_rank``, ``node``, ``logs``, and
per compile ``collectives``, ``estimated_runtime_ms``, ``output_meta``, ``output_ops``,
``cache``). A tool that reads one rank's report reads ``ranks['1']``. Rank keys are text
in JSON (and written as text in YAML, for the same document in both formats).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from dynotrace.errors import InputError
from dynotrace.model.job import CompileFacts, Divergence, JobReport, MissingRank, RankDetail, RankGroup
from dynotrace.model.report import Compile, CompileTime, Function, Functions, Guard, Location, ReadProblems, Report, RunInfo, Summary
from dynotrace.model.trials import Trials

SCHEMA_VERSION = 3


T = TypeVar("T")


def to_plain(value: Any) -> Any:
    """Model objects as plain data (dicts, lists, scalars), fields in declaration order.

    A model object's fields are copied from its ``__dict__`` at once when they are all
    there in declaration order (always, but for objects ``msgspec.convert`` made, which
    may lack the fields left at their defaults), and only the values that are not
    scalars are converted further: a report is a few hundred thousand fields, most of
    them strings and ints."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    names = _field_names(kind)
    if names is not None:
        state = value.__dict__
        plain = state.copy() if tuple(state) == names else {name: getattr(value, name) for name in names}
        for name, item in plain.items():
            if type(item) not in _SCALARS:
                plain[name] = to_plain(item)
        return plain
    if isinstance(value, (tuple, list)):
        return [v if type(v) in _SCALARS else to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): (v if type(v) in _SCALARS else to_plain(v)) for k, v in value.items()}
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def pick(value: Any, *names: str) -> dict[str, Any]:
    """Some attributes of ``value`` by name, in that order (scalars, as they are)."""
    return {name: getattr(value, name) for name in names}


def _field_names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names, looked up once per class (a report has tens of
    thousands of model objects); ``None`` for anything else."""
    try:
        return _FIELD_NAMES[kind]
    except KeyError:
        names = tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None
        _FIELD_NAMES[kind] = names
        return names


#: Fields a report file does not write where they are: times and cache lookups differ
#: between runs, so they are written in ``timing``.
_WRITTEN_APART: dict[type, str] = {Compile: "time"}


def fields_of(value: Any) -> dict[str, Any]:
    """A model object's fields as its report file writes them, in declaration order, their
    values as they are (``serialise``'s ``fields``). The object's own ``__dict__`` when it
    holds just those: the writer only reads it."""
    kind = type(value)
    names = _FIELD_NAMES.get(kind) or _field_names(kind)  # no call for a class seen before
    if names is None:
        raise TypeError(f"not a model object: {kind.__name__}")
    state = value.__dict__
    fields = state if tuple(state) == names else {name: getattr(value, name) for name in names}
    apart = _WRITTEN_APART.get(kind)
    return fields if apart is None else {name: v for name, v in fields.items() if name != apart}


def _function_dict(function: Function, objects: bool = False) -> dict[str, Any]:
    compiles = function.compiles if objects else [to_plain(fields_of(c)) for c in function.compiles]
    return {
        "name": function.name,
        "qualified_name": function.display_name,
        "file": function.file,
        "first_line": function.first_line,
        "summary": function.counts(),
        "compiles": compiles,
    }


def _timing_dict(report: Report) -> dict[str, Any]:
    """The report's ``timing`` section: its own figures, then each compile's time and cache
    lookups (``compiles``, in report order) when any compile has them."""
    timing: dict[str, Any] = dict(report.timing)
    times = [(c.compile_id, c.time) for c in report.compiles]
    if any(t is not None for _, t in times):
        timing["compiles"] = [
            {"compile_id": cid, **({k: v for k, v in to_plain(t).items() if v not in (None, [])} if t else {})}
            for cid, t in times
        ]
    return timing


def _with_times(report: Report, entries: Any, origin: str) -> Report:
    """``report`` with each compile's ``CompileTime`` from the ``timing.compiles`` list (in
    report order; an entry whose ``compile_id`` differs from its compile's is ignored)."""
    if not isinstance(entries, list):
        raise InputError(f"{origin}: timing.compiles: expected a list")
    functions = []
    index = 0
    for function in report.functions:
        compiles = []
        for c in function.compiles:
            entry = entries[index] if index < len(entries) else None
            index += 1
            if isinstance(entry, dict) and entry.get("compile_id") == c.compile_id and len(entry) > 1:
                data = {k: v for k, v in entry.items() if k != "compile_id"}
                c = dataclasses.replace(c, time=_build(CompileTime, data, f"timing.compiles[{index - 1}]"))
            compiles.append(c)
        functions.append(dataclasses.replace(function, compiles=tuple(compiles)))
    return dataclasses.replace(report, functions=Functions(functions))


def _head(run: RunInfo) -> dict[str, Any]:
    """The first keys of every document: its version and what ran."""
    return {
        "schema_version": SCHEMA_VERSION,
        "dynotrace": run.dynotrace_version,
        "torch": run.torch_version,
        "python": run.python_version,
        "command": run.command,
        "source": run.source,
        "backend_override": run.backend_override,
        "exit_code": run.exit_code,
        "interrupted": run.interrupted,
    }


def _run_from(data: dict[str, Any]) -> RunInfo:
    return RunInfo(
        command=_build(str, data.get("command", ""), "command"),
        source=_build(Literal["live", "trace"], data.get("source", "live"), "source"),
        torch_version=_build(str | None, data.get("torch"), "torch"),
        python_version=_build(str, data.get("python", ""), "python"),
        dynotrace_version=_build(str, data.get("dynotrace", ""), "dynotrace"),
        backend_override=_build(str | None, data.get("backend_override"), "backend_override"),
        exit_code=_build(int | None, data.get("exit_code"), "exit_code"),
        interrupted=_build(bool, data.get("interrupted", False), "interrupted"),
    )


def report_to_dict(report: Report, *, objects: bool = False) -> dict[str, Any]:
    """The report as plain data, keys in a fixed order; ``timing`` last and apart.

    ``objects`` leaves each function's compiles as the model's objects, for
    ``serialise(data, fmt, fields=fields_of)`` to write as they are."""
    problems = report.problems
    return {
        **_head(report.run),
        "summary": to_plain(report.summary),
        "notes": list(report.notes),
        "problems": {
            "malformed_lines": problems.malformed_lines,
            "bad_payloads": problems.bad_payloads,
            "unknown_kinds": dict(problems.unknown_kinds),
            "messages": list(problems.messages),
        },
        "functions": [_function_dict(f, objects) for f in report.functions],
        **({"trials": to_plain(report.trials)} if report.trials is not None else {}),
        "timing": _timing_dict(report),
    }


@functools.lru_cache(maxsize=None)
def _type_hints(tp: type) -> dict[str, Any]:
    # Resolving string annotations is slow; a report has thousands of each dataclass.
    return typing.get_type_hints(tp)


class _Mismatch(Exception):
    """Raised by a fast builder: the value does not fit. ``_build`` then rebuilds the same
    value the slow way, which finds where and says so."""


@functools.lru_cache(maxsize=None)
def _builder(tp: Any) -> Callable[[Any], Any]:
    """A function that rebuilds a value of type ``tp`` from plain data, made once per type.

    A 50,000-guard report holds close to a million values; deciding what to do from the
    type hints for each one, and formatting its location in case it is wrong, cost more
    than reading the file. Builders decide once and name no location: a value that does
    not fit raises ``_Mismatch``, and ``_build`` goes over that part again to report it.
    """
    if tp is Any:
        return _identity
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        nullable = type(None) in args
        options = tuple(_builder(a) for a in args if a is not type(None))

        def build_union(value: Any) -> Any:
            if value is None and nullable:
                return None
            for option in options:
                try:
                    return option(value)
                except _Mismatch:
                    continue
            raise _Mismatch

        return build_union
    if origin is Literal:
        allowed = get_args(tp)

        def build_literal(value: Any) -> Any:
            if value not in allowed:
                raise _Mismatch
            return value

        return build_literal
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _builder(args[0])

            def build_tuple(value: Any) -> Any:
                if not isinstance(value, list):
                    raise _Mismatch
                return tuple(map(item, value))

            return build_tuple
        items = tuple(_builder(a) for a in args)

        def build_fixed_tuple(value: Any) -> Any:
            if not isinstance(value, list):
                raise _Mismatch
            return tuple(b(v) for b, v in zip(items, value))

        return build_fixed_tuple
    if origin is dict:
        entry = _builder(get_args(tp)[1])

        def build_dict(value: Any) -> Any:
            if not isinstance(value, dict):
                raise _Mismatch
            return {str(k): entry(v) for k, v in value.items()}

        return build_dict
    if dataclasses.is_dataclass(tp):
        hints = _type_hints(tp)  # type: ignore[arg-type]
        fields = tuple((f.name, _builder(hints[f.name])) for f in dataclasses.fields(tp))

        def build_dataclass(value: Any) -> Any:
            if type(value) is tp:
                return value  # made already (``guards_from_plain``)
            if not isinstance(value, dict):
                raise _Mismatch
            try:
                return tp(**{name: build(value[name]) for name, build in fields if name in value})  # type: ignore[operator]
            except TypeError:
                raise _Mismatch from None

        return build_dataclass
    if tp is float:

        def build_float(value: Any) -> Any:
            if type(value) is float:
                return value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
            raise _Mismatch

        return build_float
    if tp in (int, str, bool):

        def build_exact(value: Any) -> Any:
            if type(value) is not tp:
                raise _Mismatch
            return value

        return build_exact
    raise TypeError(f"no report builder for {tp!r}")


def _identity(value: Any) -> Any:
    return value


def _build(tp: Any, value: Any, where: str) -> Any:
    """Rebuild a value of type ``tp`` from plain data; ``InputError`` naming ``where`` and
    the path below it when it does not fit."""
    try:
        return _builder(tp)(value)
    except _Mismatch:
        return _build_checked(tp, value, where)


def _build_checked(tp: Any, value: Any, where: str) -> Any:
    """The slow twin of ``_builder``: same rules, but tracks where it is, for the message."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _build_checked(arg, value, where)
            except InputError:
                continue
        raise InputError(f"{where}: unexpected value {value!r}")
    if origin is Literal:
        if value not in get_args(tp):
            raise InputError(f"{where}: {value!r} is not one of {get_args(tp)}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise InputError(f"{where}: expected a list")
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build_checked(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        return tuple(_build_checked(a, v, where) for a, v in zip(args, value))
    if origin is dict:
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected a mapping")
        _, vt = get_args(tp)
        return {str(k): _build_checked(vt, v, where) for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        if type(value) is tp:
            return value
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected a mapping")
        hints = _type_hints(tp)  # type: ignore[arg-type]
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in value:
                kwargs[f.name] = _build_checked(hints[f.name], value[f.name], f"{where}.{f.name}")
        try:
            return tp(**kwargs)  # type: ignore[operator]
        except TypeError as exc:
            raise InputError(f"{where}: {exc}") from None
    if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if tp in (int, str, bool) and type(value) is tp:
        return value
    raise InputError(f"{where}: expected {getattr(tp, '__name__', tp)}, got {type(value).__name__}")


def from_plain(tp: Any, value: Any, where: str) -> Any:
    """Rebuild a value of type ``tp`` (a model dataclass, tuple, dict, scalar or a union of
    them) from plain data; ``InputError`` naming ``where`` when it does not fit."""
    return _build(tp, value, where)


def check_version(data: Any, origin: str) -> int:
    """The schema version of report data; ``InputError`` when it has none or is newer than
    this dynotrace reads."""
    if not isinstance(data, dict) or "schema_version" not in data:
        raise InputError(f"{origin} is not a dynotrace report (no schema_version)")
    version = data["schema_version"]
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise InputError(
            f"{origin} has schema_version {version!r}; this dynotrace reads up to "
            f"{SCHEMA_VERSION} — upgrade dynotrace to read it"
        )
    return version


def is_multi_rank(data: Any) -> bool:
    """Whether report data is that of a distributed job (the document of a distributed job, below)."""
    return isinstance(data, dict) and isinstance(data.get("ranks"), dict) and "functions" not in data


#: The parts of a report document that may be decoded straight into the model
#: (``dynotrace.files.documents.load_data``'s ``typed``), by key: ``report_from_dict``
#: takes ``functions`` as plain data or as the tuple of ``Function`` decoded.
TYPED: dict[str, Any] = {"functions": tuple[Function, ...]}


def report_from_dict(data: Any, *, origin: str = "report") -> Report:
    """Rebuild a Report from plain data (or with its ``functions`` already built: ``TYPED``).
    Raises ``InputError`` (one line) when the data is not a dynotrace report, is of a newer
    schema version than this dynotrace reads, or is the report of a distributed job
    (several ranks: ``job_from_dict``)."""
    version = check_version(data, origin)
    if is_multi_rank(data):
        raise InputError(
            f"{origin} is the report of a distributed job ({len(data['ranks'])} ranks), not of one process"
        )
    run = _run_from(data)
    problems = data.get("problems") or {}
    if not isinstance(problems, dict):
        raise InputError(f"{origin}: problems: expected a mapping")
    functions = data.get("functions") or []
    if not isinstance(functions, (list, tuple)):
        raise InputError(f"{origin}: functions: expected a list")
    timing = data.get("timing", {}) or {}
    compile_times = None
    if isinstance(timing, dict) and "compiles" in timing:
        timing = dict(timing)
        compile_times = timing.pop("compiles")
    built: tuple[Function, ...] | None
    if isinstance(functions, tuple):  # decoded straight into ``TYPED`` (plain data has lists)
        built = functions
    else:
        built = _converted_functions(functions)
    if built is None:
        built = tuple(
            _build(Function, {k: v for k, v in f.items() if k != "summary"} if isinstance(f, dict) else f, f"functions[{i}]")
            for i, f in enumerate(functions)
        )
    report = Report(
        run=run,
        functions=Functions(built),
        problems=ReadProblems(
            malformed_lines=_build(int, problems.get("malformed_lines", 0), "problems.malformed_lines"),
            bad_payloads=_build(int, problems.get("bad_payloads", 0), "problems.bad_payloads"),
            unknown_kinds=tuple(
                sorted(_build(dict[str, int], problems.get("unknown_kinds", {}), "problems.unknown_kinds").items())
            ),
            messages=_build(tuple[str, ...], problems.get("messages", []), "problems.messages"),
        ),
        notes=_build(tuple[str, ...], data.get("notes", []), "notes"),
        timing=_build(dict[str, float], timing, "timing"),
        schema_version=version,
        trials=_build(Trials | None, data.get("trials"), "trials"),
    )
    if compile_times is not None:
        report = _with_times(report, compile_times, origin)
    return report


def guards_from_plain(items: list[dict[str, Any]]) -> list[Guard]:
    """The guards ``items`` (plain data, as a report file holds them) built by msgspec (the
    ``fast`` extra), with the checks ``_converted_functions`` makes; ``ValueError`` without
    msgspec or when an item does not fit (the builders then say why). The YAML reader
    makes a large report's guards with it as it reads them
    (``documents.load_documents``); the builders take a ``Guard`` as it is."""
    convert = _msgspec_convert()
    if convert is None:
        raise ValueError("msgspec is not installed")
    try:
        return convert(items, type=list[Guard])  # type: ignore[no-any-return]
    except Exception:  # msgspec.ValidationError and whatever else
        raise ValueError("not guards") from None


#: Below this many compiles and guards in all, functions are built by ``_builder`` alone:
#: importing msgspec (~13 ms) costs more than it saves on a small report.
CONVERT_MIN_ITEMS = 2000
_convert: Callable[..., Any] | None | bool = False  # False: not looked up yet


def _msgspec_convert() -> Callable[..., Any] | None:
    """``msgspec.convert`` (the ``fast`` extra), imported on first use; ``None`` without it."""
    global _convert
    if _convert is False:
        try:
            import msgspec
        except ImportError:
            _convert = None
        else:
            _convert = msgspec.convert
    return _convert  # type: ignore[return-value]


def _converted_functions(functions: list[Any]) -> tuple[Function, ...] | None:
    """The report's functions built by msgspec (the ``fast`` extra), or ``None``: then
    ``_builder`` builds them and says where the data does not fit.

    ``msgspec.convert`` makes the same frozen dataclasses from the same plain data with
    the same checks (exact ``int``/``str``/``bool``, ``float`` from an int, literals, the
    keys a dataclass does not know ignored, its defaults for the keys missing), in C: 0.05 s
    for the 50,000 guards of ``bench/scale.py``'s report, where ``_builder`` takes 0.25 s.
    Whatever it refuses, ``_builder`` reads again and reports; the one thing it accepts
    that ``_builder`` does not, a tuple where a list belongs, is no value a YAML or JSON
    file (or ``marshal`` of one) holds. ``tests/test_report_file.py`` checks both ways
    agree."""
    items = len(functions)
    for f in functions:
        compiles = f.get("compiles") if isinstance(f, dict) else None
        if isinstance(compiles, list):
            items += len(compiles)
            for c in compiles:
                guards = c.get("guards") if isinstance(c, dict) else None
                items += len(guards) if isinstance(guards, list) else 0
        if items >= CONVERT_MIN_ITEMS:
            break
    if items < CONVERT_MIN_ITEMS:
        return None
    convert = _msgspec_convert()
    if convert is None:
        return None
    try:
        return convert(functions, type=tuple[Function, ...])  # type: ignore[no-any-return]
    except Exception:  # msgspec.ValidationError and whatever else: the builders decide
        return None


def summary_of(data: dict[str, Any]) -> Summary:
    """The summary block of a loaded report dict."""
    return _build(Summary, data["summary"], "summary")  # type: ignore[no-any-return]

def detail_to_dict(detail: RankDetail) -> dict[str, Any]:
    return {
        "rank": detail.rank,
        "local_rank": detail.local_rank,
        "node": detail.node,
        "logs": list(detail.logs),
        "compiles": [
            {
                "compile_id": c.compile_id,
                "collectives": list(c.collectives),
                "estimated_runtime_ms": c.estimated_runtime_ms,
                "output_meta": c.output_meta,
                "output_ops": c.output_ops,
                "cache": list(c.cache),
                "unreadable": list(c.unreadable),
            }
            for c in detail.compiles
        ],
    }


def rank_to_dict(report: Report, detail: RankDetail) -> dict[str, Any]:
    """One rank's entry: its single-rank document with ``distributed`` before ``timing``."""
    data = report_to_dict(report)
    timing = data.pop("timing")
    data["distributed"] = detail_to_dict(detail)
    data["timing"] = timing
    return data


def job_head(job: JobReport) -> dict[str, Any]:
    """Everything of the job's document before ``ranks``."""
    summary = job.summary
    return {
        **_head(job.run),
        "launcher": job.launcher,
        "world_size": job.world_size,
        "summary": {
            "ranks": summary.ranks,
            "world_size": summary.world_size,
            "missing_ranks": list(summary.missing_ranks),
            "rank_groups": summary.rank_groups,
            "divergences": summary.divergences,
            **{name: to_plain(value) for name, value in summary.counts().items()},
        },
        "missing": [to_plain(m) for m in job.missing],
        "groups": [list(g) for g in job.groups],
        "divergence": [_divergence_dict(d) for d in job.divergence],
        "notes": list(job.notes),
    }


def _divergence_dict(d: Divergence) -> dict[str, Any]:
    return {
        **pick(d, "kind", "summary", "why", "function", "function_name"),
        "location": to_plain(d.location),
        "groups": [{"ranks": list(g.ranks), "what": g.what} for g in d.groups],
    }


def job_to_dict(job: JobReport) -> dict[str, Any]:
    """The job as plain data, keys in a fixed order; ``timing`` last and apart."""
    data = job_head(job)
    data["ranks"] = {str(r): rank_to_dict(report, job.detail(r)) for r, report in job.ranks.items()}
    data["timing"] = dict(job.timing)
    return data


def _rank_number(key: Any, origin: str) -> int:
    try:
        rank = int(key)
    except (TypeError, ValueError):
        raise InputError(f"{origin}: ranks: {key!r} is not a rank number") from None
    if rank < 0 or isinstance(key, bool):
        raise InputError(f"{origin}: ranks: {key!r} is not a rank number")
    return rank


def detail_from_dict(rank: int, data: Any, where: str) -> RankDetail:
    if data is None:
        return RankDetail(rank)
    compiles = _list_in(data, "compiles", where)
    return RankDetail(
        rank=rank,
        local_rank=from_plain(int | None, data.get("local_rank"), f"{where}.local_rank"),
        node=from_plain(int | None, data.get("node"), f"{where}.node"),
        logs=from_plain(tuple[str, ...], data.get("logs") or [], f"{where}.logs"),
        compiles=tuple(from_plain(CompileFacts, c, f"{where}.compiles[{i}]") for i, c in enumerate(compiles)),
    )


def job_from_dict(data: Any, *, origin: str = "report") -> JobReport:
    """Rebuild a ``JobReport``; ``InputError`` (one line) when the data is not a multi-rank
    dynotrace report or does not fit its schema."""
    version = check_version(data, origin)
    if not is_multi_rank(data):
        raise InputError(f"{origin} is the report of one process, not of a distributed job")
    ranks: dict[int, Report] = {}
    details: dict[int, RankDetail] = {}
    for key, entry in data["ranks"].items():
        rank = _rank_number(key, origin)
        where = f"{origin} rank {rank}"
        try:
            ranks[rank] = report_from_dict(entry, origin=where)
        except InputError as exc:
            # The single-rank reader names only the path within the report.
            raise InputError(str(exc) if str(exc).startswith(where) else f"{where}: {exc}") from None
        if isinstance(entry, dict):
            details[rank] = detail_from_dict(rank, entry.get("distributed"), f"{where}: distributed")
    missing = data.get("missing") or []
    divergence = data.get("divergence") or []
    groups = data.get("groups") or []
    for name, value in (("missing", missing), ("divergence", divergence), ("groups", groups)):
        if not isinstance(value, list):
            raise InputError(f"{origin}: {name}: expected a list")
    run = _run_from(data)
    return JobReport(
        run=run,
        ranks=dict(sorted(ranks.items())),
        details=dict(sorted(details.items())),
        world_size=from_plain(int | None, data.get("world_size"), "world_size"),
        missing=tuple(from_plain(MissingRank, m, f"missing[{i}]") for i, m in enumerate(missing)),
        groups=tuple(from_plain(tuple[int, ...], g, f"groups[{i}]") for i, g in enumerate(groups)),
        divergence=tuple(_divergence_from_dict(d, f"divergence[{i}]") for i, d in enumerate(divergence)),
        notes=from_plain(tuple[str, ...], data.get("notes") or [], "notes"),
        launcher=from_plain(str | None, data.get("launcher"), "launcher"),
        timing=from_plain(dict[str, float], data.get("timing") or {}, "timing"),
        schema_version=version,
    )


def _list_in(data: Any, key: str, where: str) -> list[Any]:
    """The list under ``key`` of the mapping ``data`` (empty when it has none);
    ``InputError`` when either is not what it must be."""
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping")
    items = data.get(key) or []
    if not isinstance(items, list):
        raise InputError(f"{where}.{key}: expected a list")
    return items


def _divergence_from_dict(data: Any, where: str) -> Divergence:
    groups = _list_in(data, "groups", where)
    return Divergence(
        kind=from_plain(str, data.get("kind", ""), f"{where}.kind"),
        summary=from_plain(str, data.get("summary", ""), f"{where}.summary"),
        why=from_plain(str, data.get("why", ""), f"{where}.why"),
        groups=tuple(from_plain(RankGroup, g, f"{where}.groups[{i}]") for i, g in enumerate(groups)),
        function=from_plain(str | None, data.get("function"), f"{where}.function"),
        function_name=from_plain(str | None, data.get("function_name"), f"{where}.function_name"),
        location=from_plain(Location | None, data.get("location"), f"{where}.location"),
    )


def to_document(job: JobReport) -> dict[str, Any]:
    """The report file's data for any job: one process's report document when the job is
    not distributed, else the job's document with each rank's report under ``ranks``."""
    if not job.distributed:
        return report_to_dict(job.report)
    return job_to_dict(job)


def from_document(data: Any, *, origin: str = "report") -> JobReport:
    """The job a report file's data holds: a distributed job's, or one process's run
    (``JobReport.single``). ``InputError`` (one line) when it is no dynotrace report."""
    if is_multi_rank(data):
        return job_from_dict(data, origin=origin)
    return JobReport.single(report_from_dict(data, origin=origin))
