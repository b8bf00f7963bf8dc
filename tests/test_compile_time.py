"""Where compile time went: each compile's phases from its own metrics, the backward's
compile, and the compile caches' lookups with torch's reason; in the report file's
``timing`` (schema 3) and in the terminal report, one line per compile and per function."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest

import dynotrace
from conftest import ROOT

RELEASES = ROOT / "tests" / "fixtures" / "releases"


@pytest.mark.parametrize("release", sorted(p.name for p in RELEASES.iterdir() if p.is_dir()))
def test_every_release_gives_the_phases_of_an_inductor_compile(release: str) -> None:
    report = dynotrace.read_trace_report(str(RELEASES / release / "inductor_small.log.gz"))
    (c,) = report.compiles
    t = c.time
    assert t is not None and t.total_s and t.inductor_s and t.start_s == 0.0
    assert t.dynamo_s is not None and t.aot_s is not None
    assert t.dynamo_s + t.aot_s + t.inductor_s == pytest.approx(t.total_s, abs=1e-5)
    lookups = {(x.cache, x.outcome) for x in t.cache}
    assert ("fx_graph", "miss") in lookups  # a fresh cache: Inductor compiled it
    if release >= "2.9":
        assert {x.detail for x in t.cache} == {"full_miss"}  # torch says why (2.9+)


def test_a_bypass_keeps_torch_s_reason(shared_traces: Path) -> None:
    report = dynotrace.read_trace_report(str(shared_traces / "tlparse" / "cache_hit_miss.log"))
    lookups = [x for c in report.compiles if c.time for x in c.time.cache]
    bypass = [x for x in lookups if x.outcome == "bypass"]
    assert bypass and bypass[0].cache == "aotautograd"
    assert bypass[0].reason is not None and bypass[0].reason.startswith("Unsupported call_function target flex_attention")
    assert ("fx_graph", "hit") in {(x.cache, x.outcome) for x in lookups}
    # A log of a development build between releases gives its times in microseconds only.
    assert all(c.time is not None and c.time.total_s for c in report.compiles)


def test_the_terminal_says_where_compile_time_went_unless_told_not_to() -> None:
    report = dynotrace.read_trace_report(str(RELEASES / "2.13.0" / "inductor_small.log.gz"))
    out = io.StringIO()
    dynotrace.render(report, "terminal", out, width=200, color=False)
    text = out.getvalue()
    assert "dynamo " in text and " · aot " in text and " · inductor " in text
    assert "fx graph cache miss (no entry for this graph)" in text
    assert "compile time " in text  # the function's line
    quiet = io.StringIO()
    dynotrace.render(report, "terminal", quiet, width=200, color=False, timing=False)
    assert "fx graph cache" not in quiet.getvalue() and "dynamo " not in quiet.getvalue()


def test_times_and_lookups_live_in_timing_and_do_not_make_reports_differ(tmp_path: Path) -> None:
    report = dynotrace.read_trace_report(str(RELEASES / "2.13.0" / "inductor_small.log.gz"))
    dynotrace.save(report, tmp_path / "r.yaml")
    text = (tmp_path / "r.yaml").read_text()
    head, timing = text.split("\ntiming:\n")
    assert "inductor_s:" not in head and "outcome: miss" not in head
    assert "inductor_s:" in timing and "outcome: miss" in timing
    loaded = dynotrace.load(tmp_path / "r.yaml")
    assert loaded.compiles[0].time == report.compiles[0].time
    assert replace(report.compiles[0], time=None) == report.compiles[0]  # not compared
