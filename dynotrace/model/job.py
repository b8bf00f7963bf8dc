"""A job: the ``Report`` of each of its processes, and how they differ.

A run of one process is a job too, of that one report (``JobReport.single``): whatever
renders, saves, compares or gates a report takes a ``JobReport``, and says nothing of ranks
when the job is not ``distributed``.

Every rank's ``Report`` is exactly what a single-process run of that rank would give: its
counts are that rank's own, never summed across ranks (each process numbers its frames
and compiles from ``0/0``, so sums and merged timelines mean nothing). What the job adds
is which ranks compiled the same way (``groups``), what differs between them, in words
(``divergence``), and which ranks are missing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dynotrace.model.report import Location, Report, RunInfo, Summary


@dataclass(frozen=True)
class CompileFacts:
    """What Inductor logged about one compile that matters across ranks. Only compiles
    with at least one fact are kept (most have none: they ran no Inductor, or no
    collective). ``compile_id`` is ``frame/compile`` as the events number it."""

    compile_id: str
    #: The collectives Inductor scheduled in this graph, in order
    #: (``torch.ops._c10d_functional.all_reduce_.default``, ...).
    collectives: tuple[str, ...] = ()
    #: Inductor's estimate of the graph's runtime (its ops' estimates summed), in ms.
    estimated_runtime_ms: float | None = None
    #: A digest of the output shapes, strides and dtypes Inductor logged for each op of
    #: the graph, and how many ops it lists: equal digests, equal metadata.
    output_meta: str | None = None
    output_ops: int | None = None
    #: Cache lookups of this compile in order: ``fx_graph_cache_hit``,
    #: ``aotautograd_cache_miss``, ...
    cache: tuple[str, ...] = ()
    #: The artifacts above whose payload could not be used (it failed its checksum: a
    #: damaged or edited log), by name: what they carried is not compared.
    unreadable: tuple[str, ...] = ()
    #: Each op's outputs as text (``aten.mm: f32[8, 4] stride [4, 1]``), to say where two
    #: ranks' metadata first differs. Only while the job is built: the file keeps the
    #: digest, so a loaded report has none.
    output_ops_text: tuple[str, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class RankDetail:
    """Where a rank ran and what its logs carried beyond its ``Report``."""

    rank: int
    local_rank: int | None = None
    #: The node (torchrun's ``GROUP_RANK``), when the launcher said.
    node: int | None = None
    #: Offline: the log file(s) this rank was read from, by name.
    logs: tuple[str, ...] = ()
    compiles: tuple[CompileFacts, ...] = ()

    def facts(self, compile_id: str) -> CompileFacts | None:
        return next((c for c in self.compiles if c.compile_id == compile_id), None)


@dataclass(frozen=True)
class MissingRank:
    """A rank of the job with no report, and what is known about why."""

    rank: int
    reason: str


@dataclass(frozen=True)
class RankGroup:
    """Some ranks, and what they did (in the terms of the divergence they belong to)."""

    ranks: tuple[int, ...]
    what: str


@dataclass(frozen=True)
class Divergence:
    """One way the ranks did not compile the same: which ranks did what, in the user's
    terms, and why it matters for a distributed job.

    ``kind`` is one of ``DIVERGENCE_KINDS``. ``groups`` lists each group of ranks that
    behaved alike here, the most common behaviour first.
    """

    kind: str
    summary: str
    why: str
    groups: tuple[RankGroup, ...] = ()
    #: The function it concerns (``Function.key``) and its name as the report shows it.
    function: str | None = None
    function_name: str | None = None
    location: Location | None = None

    @property
    def odd_ranks(self) -> tuple[int, ...]:
        """The ranks outside the most common behaviour."""
        return tuple(sorted(r for g in self.groups[1:] for r in g.ranks))


#: What a divergence can be about, in the order the report lists them.
DIVERGENCE_KINDS = (
    "recompile_limit",
    "functions",
    "recompiles",
    "graph_breaks",
    "failed_compiles",
    "compile_order",
    "collectives",
    "output_meta",
    "cache",
    "runtime",
)


@dataclass(frozen=True)
class CountRange:
    """One headline count over the ranks: its smallest and largest value and which ranks
    have them."""

    min: int
    max: int
    min_ranks: tuple[int, ...]
    max_ranks: tuple[int, ...]

    @property
    def uniform(self) -> bool:
        return self.min == self.max

    @classmethod
    def of(cls, values: Mapping[int, int]) -> CountRange:
        if not values:
            return cls(0, 0, (), ())
        low, high = min(values.values()), max(values.values())
        return cls(
            low,
            high,
            tuple(sorted(r for r, v in values.items() if v == low)),
            tuple(sorted(r for r, v in values.items() if v == high)),
        )


SUMMARY_COUNTS = tuple(f.name for f in dataclasses.fields(Summary))


@dataclass(frozen=True)
class JobSummary:
    """The headline of a job: how many ranks, and each count of ``Summary`` over the
    ranks (its smallest and largest value, and which ranks have them)."""

    ranks: int
    world_size: int | None
    missing_ranks: tuple[int, ...]
    rank_groups: int
    divergences: int
    functions: CountRange
    compiles: CountRange
    graphs: CountRange
    graph_breaks: CountRange
    recompiles: CountRange
    guards: CountRange
    recompile_limit_hits: CountRange
    failed_compiles: CountRange
    shape_guards: CountRange

    def counts(self) -> dict[str, CountRange]:
        """The per-rank counts by ``Summary`` field name, in its order."""
        return {name: getattr(self, name) for name in SUMMARY_COUNTS}


@dataclass(frozen=True)
class JobReport:
    """Everything dynotrace knows about a job, process by process.

    ``ranks`` maps each rank that reported to its ``Report``, in rank order; ``details``
    holds, per rank, where it ran and what Inductor logged per compile. ``world_size`` is
    the number of ranks the job had, when known (offline it is not: a directory says
    only which ranks' logs it holds).

    ``distributed`` is false for the run of one process (``single``): its one report is
    rank 0's, and the job's ``run``, ``notes`` and ``timing`` are that report's.
    """

    run: RunInfo
    ranks: dict[int, Report]
    details: dict[int, RankDetail] = field(default_factory=dict)
    world_size: int | None = None
    missing: tuple[MissingRank, ...] = ()
    #: Ranks that compiled the same way (same functions, compile sequences, causes, graph
    #: breaks and recompile-limit hits), the largest group first.
    groups: tuple[tuple[int, ...], ...] = ()
    divergence: tuple[Divergence, ...] = ()
    notes: tuple[str, ...] = ()
    #: ``torchrun`` or ``environment`` for a live job; ``None`` for logs read offline.
    launcher: str | None = None
    timing: dict[str, float] = field(default_factory=dict, compare=False)
    schema_version: int | None = field(default=None, compare=False)
    distributed: bool = True

    @classmethod
    def single(cls, report: Report) -> JobReport:
        """The run of one process, as a job of that one report."""
        return cls(
            run=report.run,
            ranks={0: report},
            groups=((0,),),
            timing=report.timing,
            schema_version=report.schema_version,
            distributed=False,
        )

    @property
    def report(self) -> Report:
        """The one report of a job that is not distributed; for a job, the report of the
        lowest rank of its largest group of ranks that compiled alike (what stands for the
        job where one report is needed: SARIF)."""
        rank = self.groups[0][0] if self.groups else min(self.ranks)
        return self.ranks[rank]

    @property
    def summary(self) -> JobSummary:
        per_rank = {r: report.summary for r, report in self.ranks.items()}
        return JobSummary(
            ranks=len(self.ranks),
            world_size=self.world_size,
            missing_ranks=tuple(m.rank for m in self.missing),
            rank_groups=len(self.groups),
            divergences=len(self.divergence),
            **{name: CountRange.of({r: getattr(s, name) for r, s in per_rank.items()}) for name in SUMMARY_COUNTS},
        )

    def detail(self, rank: int) -> RankDetail:
        return self.details.get(rank) or RankDetail(rank)

    def group_of(self, rank: int) -> tuple[int, ...]:
        return next((g for g in self.groups if rank in g), (rank,))


def format_ranks(ranks: Iterable[int], *, word: bool = True) -> str:
    """``(0, 1, 2, 3, 5)`` -> ``ranks 0-3, 5``; ``(1,)`` -> ``rank 1``. Runs of three or
    more become ranges, so 64 ranks read as ``ranks 0-63``."""
    items = sorted(set(ranks))
    parts: list[str] = []
    i = 0
    while i < len(items):
        j = i
        while j + 1 < len(items) and items[j + 1] == items[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{items[i]}-{items[j]}")
        else:
            parts.extend(str(r) for r in items[i : j + 1])
        i = j + 1
    text = ", ".join(parts)
    if not word:
        return text
    return f"rank {text}" if len(items) == 1 else f"ranks {text}"


@dataclass(frozen=True)
class RankOutline(Report):
    """A rank of a job read for its file and terminal only, whose report the output does not
    need whole (``dynotrace explain --trace DIR -o r.yaml``: the file holds every rank's
    report, serialised while it was read). It keeps the rank's ``run``, ``problems``,
    ``notes``, ``timing`` and its ``summary`` (``counts``), and no functions: holding every
    rank's functions at once is what made memory grow with the number of ranks.

    ``like`` is the lowest rank that compiled exactly as this one (the same functions in the
    same order, each with the same sequence of compile signatures: ``compare.divergence``),
    whose report is kept whole: where ranks are grouped and compared, it stands for this
    one, and the groups and divergence are those the full reports give. A job holds
    outlines only where its reader was told which ranks' reports the output needs
    (``dynotrace.jobs.offline.read_trace``'s ``keep``); the API's jobs hold full reports."""

    counts: Summary | None = None
    like: int | None = None

    @property
    def summary(self) -> Summary:
        assert self.counts is not None
        return self.counts
