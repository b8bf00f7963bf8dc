"""Which ranks compiled alike, and what differs between them, in the user's terms.

Reports are built by hand here, as the fold would build them, so each kind of difference
is tested alone; tests/test_ranks_offline.py and tests/test_ranks_live.py check the same
on real logs and real torchrun jobs.
"""

from __future__ import annotations

from dataclasses import replace

from dynotrace.model import Compile, Function, GraphBreak, GuardFailure, Location, Report, RunInfo
from dynotrace.compare.divergence import RUNTIME_TOLERANCE, find_divergence, group_ranks
from dynotrace.jobs.combine import build_job
from dynotrace.model import CompileFacts, CountRange, RankDetail, format_ranks

RUN = RunInfo(command="dynotrace explain train.py", source="live", torch_version="2.13.0", python_version="3.11", dynotrace_version="0")
FILE = "train.py"


def compile_(number: int, *, frame: int = 0, failure: GuardFailure | None = None, breaks: tuple[GraphBreak, ...] = (), status: str = "ok") -> Compile:
    return Compile(
        compile_id=f"{frame}/{number}",
        frame_id=frame,
        frame_compile_id=number,
        code_name="forward",
        status=status,  # type: ignore[arg-type]
        graphs=1,
        guard_failures=(failure,) if failure else (),
        graph_breaks=breaks,
    )


def size_change(was: int, now: int) -> GuardFailure:
    return GuardFailure(
        failed_compile_id="0/0",
        reason=f"tensor 'x' size mismatch at index 0. expected {was}, actual {now}",
        source="x.size()[0]",
        expected=str(was),
        actual=str(now),
        category="tensor_shape",
        location=Location(FILE, 12, "forward", "return self.fc(x)"),
    )


def report(*compiles: Compile, name: str = "forward", qualified: str = "Net.forward") -> Report:
    return Report(run=RUN, functions=(Function(name, FILE, 10, tuple(compiles), qualified_name=qualified),))


PRINT_BREAK = GraphBreak(
    gb_type="Failed to trace builtin operator",
    explanation="print",
    gb_id="GB0059",
    location=Location(FILE, 14, "forward", 'print("step")'),
)


def test_format_ranks_collapses_runs() -> None:
    assert format_ranks([1]) == "rank 1"
    assert format_ranks([0, 2, 3]) == "ranks 0, 2, 3"
    assert format_ranks([3, 0, 1, 2, 5]) == "ranks 0-3, 5"
    assert format_ranks(range(64)) == "ranks 0-63"
    assert format_ranks([4, 5], word=False) == "4, 5"


def test_count_range_names_the_ranks_at_each_end() -> None:
    counts = CountRange.of({0: 1, 1: 2, 2: 1, 3: 2})
    assert (counts.min, counts.max, counts.min_ranks, counts.max_ranks) == (1, 2, (0, 2), (1, 3))
    assert not counts.uniform and CountRange.of({0: 3, 1: 3}).uniform


def test_ranks_that_compiled_alike_form_one_group() -> None:
    same = report(compile_(0))
    odd = report(compile_(0), compile_(1, failure=size_change(8, 6)))
    assert group_ranks({0: same, 1: odd, 2: same, 3: same}) == ((0, 2, 3), (1,))
    # Frame and compile numbers alone do not make ranks differ: only what was compiled.
    renumbered = report(replace(compile_(0), compile_id="3/0", frame_id=3))
    assert group_ranks({0: same, 1: renumbered}) == ((0, 1),)
    # The same cause with other values is the same way of compiling.
    other_values = report(compile_(0), compile_(1, failure=size_change(8, 5)))
    assert group_ranks({1: odd, 2: other_values}) == ((1, 2),)


def test_a_rank_that_recompiled_alone_is_named_with_its_cause() -> None:
    same = report(compile_(0))
    odd = report(compile_(0), compile_(1, failure=size_change(8, 6)))
    found = find_divergence({0: same, 1: odd, 2: same, 3: same}, {})
    assert [d.kind for d in found] == ["recompiles"]
    d = found[0]
    assert d.summary == "rank 1 recompiled `Net.forward` (0/1): `x.size()[0]` was 8, now 6; ranks 0, 2, 3 did not"
    assert d.odd_ranks == (1,)
    assert d.groups[0].ranks == (0, 2, 3) and d.groups[0].what == "no recompile"
    assert d.location == Location(FILE, 12, "forward", "return self.fc(x)")
    assert "stalls every rank" in d.why and "hang" in d.why


def test_ranks_that_missed_a_recompile_the_others_made() -> None:
    many = report(compile_(0), compile_(1, failure=size_change(8, 6)))
    few = report(compile_(0))
    (d,) = find_divergence({0: many, 1: many, 2: many, 3: few}, {})
    assert d.summary.startswith("rank 3 did not recompile `Net.forward` where ranks 0-2 did (0/1)")


def test_recompiles_for_different_reasons() -> None:
    dtype = GuardFailure("0/0", "tensor 'x' dtype mismatch. expected Float, actual Double", "x.dtype", "Float", "Double", category="dtype")
    a = report(compile_(0), compile_(1, failure=size_change(8, 6)))
    b = report(compile_(0), compile_(1, failure=dtype))
    (d,) = find_divergence({0: a, 1: b}, {})
    assert d.kind == "recompiles"
    assert "for different reasons" in d.summary and "`x.dtype` was Float, now Double" in d.summary
    assert "`x.size()[0]` was 8, now 6" in d.summary


def test_a_graph_break_on_some_ranks_only() -> None:
    broke = report(compile_(0, breaks=(PRINT_BREAK,)), replace(compile_(0, frame=1), resume_line=14))
    clean = report(compile_(0))
    (d,) = find_divergence({0: broke, 1: clean}, {})
    assert d.kind == "graph_breaks"
    assert d.summary == "rank 0 broke the graph in `Net.forward` (GB0059 Failed to trace builtin operator); rank 1 did not"
    assert d.location == PRINT_BREAK.location
    assert d.groups[0].what.startswith("1 graph break")


def test_the_recompile_limit_on_one_rank_comes_first() -> None:
    limited = report(
        compile_(0),
        compile_(1, failure=size_change(8, 6)),
        compile_(2, status="recompile_limit", failure=size_change(6, 5)),
    )
    fine = report(compile_(0), compile_(1, failure=size_change(8, 6)))
    found = find_divergence({0: fine, 1: limited}, {})
    assert found[0].kind == "recompile_limit"
    assert found[0].summary == (
        "rank 1 hit the recompile limit on `Net.forward` after 2 compiles and runs it uncompiled from then on; rank 0 did not"
    )


def test_a_function_only_some_ranks_compiled() -> None:
    base = report(compile_(0))
    extra = Report(
        run=RUN,
        functions=(
            base.functions[0],
            Function("helper", FILE, 30, (compile_(0, frame=1), compile_(1, frame=1)), qualified_name="helper"),
        ),
    )
    (d,) = find_divergence({0: base, 1: extra, 2: base}, {})
    assert d.kind == "functions"
    assert d.summary == "only rank 1 compiled `helper` (2 compiles); ranks 0, 2 never did"
    (d,) = find_divergence({0: extra, 1: extra, 2: base}, {})
    assert d.summary == "rank 2 never compiled `helper`, which ranks 0, 1 compiled (2 compiles)"


def test_no_divergence_between_identical_ranks() -> None:
    same = report(compile_(0), compile_(1, failure=size_change(8, 6)))
    job = build_job({r: same for r in range(4)}, {}, run=RUN, world_size=4)
    assert job.groups == ((0, 1, 2, 3),)
    assert job.divergence == ()
    summary = job.summary
    assert (summary.ranks, summary.rank_groups, summary.divergences) == (4, 1, 0)
    assert summary.recompiles == CountRange(1, 1, (0, 1, 2, 3), (0, 1, 2, 3))


ALL_REDUCE = "torch.ops._c10d_functional.all_reduce_.default"
WAIT = "torch.ops._c10d_functional.wait_tensor.default"
GATHER = "torch.ops._c10d_functional.all_gather_into_tensor.default"
SCATTER = "torch.ops._c10d_functional.reduce_scatter_tensor.default"


def details(**per_rank: tuple[CompileFacts, ...]) -> dict[int, RankDetail]:
    return {int(k[1:]): RankDetail(int(k[1:]), compiles=v) for k, v in per_rank.items()}


def test_collective_schedules_compared_graph_by_graph() -> None:
    full = (CompileFacts("0/0", collectives=(ALL_REDUCE, WAIT, GATHER, SCATTER, WAIT, WAIT)),)
    short = (CompileFacts("0/0", collectives=(ALL_REDUCE, WAIT, GATHER, WAIT)),)
    (d,) = find_divergence({}, details(r0=full, r1=short, r2=full))
    assert d.kind == "collectives"
    assert d.summary == (
        "rank 1 issues another sequence of collectives than ranks 0, 2: graph 0/0: rank 1 runs all_reduce_, "
        "wait_tensor, all_gather_into_tensor, wait_tensor: lacks reduce_scatter_tensor, wait_tensor "
        "(ranks 0, 2: all_reduce_, wait_tensor, all_gather_into_tensor, reduce_scatter_tensor, wait_tensor, wait_tensor)"
    )
    assert "hangs" in d.why
    assert find_divergence({}, details(r0=full, r1=full)) == ()


def test_a_graph_with_collectives_on_some_ranks_only() -> None:
    two = (CompileFacts("0/0", collectives=(ALL_REDUCE, WAIT)), CompileFacts("0/1", collectives=(ALL_REDUCE, WAIT)))
    one = (CompileFacts("0/0", collectives=(ALL_REDUCE, WAIT)),)
    (d,) = find_divergence({}, details(r0=two, r1=two, r2=one))
    assert "graph 0/1 (2 collectives) runs on ranks 0, 1, not on rank 2" in d.summary
    assert d.groups[1].what == "2 collectives in 1 graph (0/0: 2)"


def test_an_unreadable_schedule_is_said_so_not_guessed() -> None:
    good = (CompileFacts("0/0", collectives=(ALL_REDUCE, WAIT)),)
    damaged = (CompileFacts("0/0", unreadable=("inductor_collective_schedule",)),)
    (d,) = find_divergence({}, details(r0=good, r1=damaged))
    assert d.summary.startswith("the collective schedules of rank 1 and rank 0 cannot all be compared")
    assert "fails its checksum" in d.summary


def test_cache_hits_and_misses_compared() -> None:
    hit = (CompileFacts("0/0", cache=("fx_graph_cache_hit",)),)
    miss = (CompileFacts("0/0", cache=("fx_graph_cache_miss",)),)
    (d,) = find_divergence({}, details(r0=hit, r1=hit, r2=miss))
    assert d.kind == "cache"
    assert "graph 0/0: fx graph cache miss on rank 2, fx graph cache hit on ranks 0, 1" in d.summary
    assert [g.ranks for g in d.groups] == [(0, 1), (2,)]


def test_runtime_estimates_beyond_the_tolerance() -> None:
    fast = (CompileFacts("0/0", estimated_runtime_ms=10.0),)
    slow = (CompileFacts("0/0", estimated_runtime_ms=12.0),)
    close = (CompileFacts("0/0", estimated_runtime_ms=10.0 * (1 + RUNTIME_TOLERANCE / 2)),)
    (d,) = find_divergence({}, details(r0=fast, r1=slow, r2=close))
    assert d.kind == "runtime"
    assert "graph 0/0: 12.000 ms on rank 1, 10.000 ms on rank 0 (+20%)" in d.summary
    assert find_divergence({}, details(r0=fast, r1=close)) == ()


def test_output_metadata_names_the_first_op_that_differs() -> None:
    ops = ("mm: float32[8, 4] stride [4, 1]", "relu: float32[8, 4] stride [4, 1]")
    other = ("mm: float32[16, 4] stride [4, 1]", "relu: float32[16, 4] stride [4, 1]")
    a = (CompileFacts("0/0", output_meta="aaa", output_ops=2, output_ops_text=ops),)
    b = (CompileFacts("0/0", output_meta="bbb", output_ops=2, output_ops_text=other),)
    (d,) = find_divergence({}, details(r0=a, r1=a, r2=b))
    assert d.kind == "output_meta"
    assert d.summary == (
        "graph 0/0 produces other output shapes, strides or dtypes on rank 2 than on ranks 0, 1 (Inductor's "
        "metadata of its 2 ops); first at op 0: mm: float32[16, 4] stride [4, 1] on rank 2, "
        "mm: float32[8, 4] stride [4, 1] on ranks 0, 1"
    )


def test_divergence_is_ordered_most_severe_first() -> None:
    limited = report(compile_(0), compile_(1, status="recompile_limit", failure=size_change(8, 6)))
    clean = report(compile_(0))
    facts = details(r0=(CompileFacts("0/0", cache=("fx_graph_cache_hit",)),), r1=(CompileFacts("0/0", cache=("fx_graph_cache_miss",)),))
    kinds = [d.kind for d in find_divergence({0: clean, 1: limited}, facts)]
    assert kinds == ["recompile_limit", "cache"]


def test_unreadable_facts_are_noted_on_the_job() -> None:
    damaged = (CompileFacts("0/0", unreadable=("inductor_runtime_and_tensor_meta",)),)
    job = build_job({0: report(compile_(0)), 1: report(compile_(0))}, details(r0=damaged, r1=()), run=RUN, world_size=None)
    assert job.notes == (
        "Inductor's runtime estimates and output metadata (inductor_runtime_and_tensor_meta) of 1 graph on rank 0 "
        "fail their checksums (a damaged or edited log): what they carry is not compared",
    )
