"""The HTML report: one self-contained page of a run, a job or a diff, and the Perfetto
timeline.

Pages are made from the recorded logs of sample programs (``tests/fixtures/releases``), the
7-rank tlparse logs and a diff, and checked twice: their structure with Python (one file, no
request, every user string escaped, the packed texts there), and what a person sees in
headless Chromium (Debian's ``chromium``; tests that need it skip where it is absent): the
headline numbers, a recompile's reason and fix, a graph break's source line, a compiled
graph's code after its compile is opened (``#0/1``), the timeline's rows; and with
JavaScript off, the report is still there.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import dynotrace
from conftest import ROOT, run_dynotrace
from dynotrace import api
from dynotrace.model import Functions, GraphBreak, Location, Report
from dynotrace.renderers.html.report import NO_ARTIFACTS

FIXTURES = ROOT / "tests" / "fixtures" / "releases" / "2.13.0"
RECOMPILES = FIXTURES / "recompiles.log.gz"
GRAPH_BREAK = FIXTURES / "graph_break_print.log.gz"


def page_of(trace: Path, tmp_path: Path, name: str = "page.html") -> Path:
    """``dynotrace explain --trace LOG -o page.html``, through the API the CLI calls."""
    out = tmp_path / name
    run = api.run(trace=str(trace), artifacts=True, output=str(out))
    run.save(str(out))
    return out


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.tags


def chunks(html: str) -> dict[str, list[list[str]]]:
    """Every packed text of a page, unpacked as the browser does it."""
    packed: dict[str, list[list[str]]] = {}
    for data in re.findall(r'<script type="application/x-dynotrace-gzip" id="k\d+">([^<]*)</script>', html):
        packed.update(json.loads(gzip.decompress(base64.b64decode(data))))
    return packed


def addresses(html: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"'<>)]+", html))


# Structure, with Python.


def test_a_page_is_one_file_that_requests_nothing(tmp_path: Path) -> None:
    page = page_of(RECOMPILES, tmp_path).read_text()
    tags = elements(page)
    assert not [t for t, a in tags if t == "script" and a.get("src")]
    assert not [t for t, a in tags if t in ("link", "img", "iframe", "object", "embed")]
    assert "default-src 'none'" in page  # the policy forbids any request the page might try
    # No web address at all in a run without graph breaks; with some, only the
    # documentation links torch itself gave.
    assert addresses(page) == set()
    report = dynotrace.read_trace_report(str(GRAPH_BREAK))
    torch_links = {gb.doc_url for gb in report.graph_breaks if gb.doc_url}
    assert torch_links and addresses(page_of(GRAPH_BREAK, tmp_path, "gb.html").read_text()) == torch_links


def test_the_page_says_what_the_terminal_says(tmp_path: Path) -> None:
    page = page_of(RECOMPILES, tmp_path).read_text()
    text = re.sub(r"<[^>]+>", "", page)
    assert "3 compiles" in text and "2 recompiles" in text and "1 function" in text
    assert "Fix first" in text
    assert "tensor shape changed: x.size()[0] was 8, now 12" in text
    assert "torch._dynamo.mark_dynamic(x, 0)" in text  # what to change
    assert "guard of 0/0 (TENSOR_MATCH)" in text
    assert "made at sample_programs/recompiles.py:33 in layer" in text
    assert 'id="0/1"' in page and 'href="#0/1"' in page  # each compile linkable
    assert "dynamo " in text  # where compile time went, per compile


def test_each_compile_carries_tlparse_s_texts_packed(tmp_path: Path) -> None:
    page = page_of(RECOMPILES, tmp_path).read_text()
    packed = chunks(page)
    texts = dict(map(tuple, packed["1"]))  # compile 0/1, the second of the report
    assert any(title == "Dynamo output graph" for title in texts)
    assert "class GraphModule" in texts["Dynamo output graph"]
    assert "TENSOR_MATCH" in texts["Guard tree"]
    assert "entire_frame_compile_time_s" in texts["Compilation metrics"]
    # The configurations every compile's metrics carry are kept once.
    assert "dynamo_config: see dynamo_config #1 under Configurations" in texts["Compilation metrics"]
    assert "configs" in packed


def test_a_saved_report_gives_a_page_without_graphs_and_says_so(tmp_path: Path) -> None:
    report = dynotrace.read_trace_report(str(RECOMPILES))
    saved = tmp_path / "report.yaml"
    dynotrace.save(report, saved)
    assert "compiles:" in saved.read_text().split("timing:")[1]  # schema 3: compile times in timing
    loaded = dynotrace.load(saved)
    assert [c.time for c in loaded.compiles] == [c.time for c in report.compiles]
    run = run_dynotrace("html", str(saved), "-o", str(tmp_path / "saved.html"))
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "saved.html").read_text()
    assert NO_ARTIFACTS in page.replace("&#x27;", "'")
    assert "tensor shape changed" in page
    # The guards the report holds are packed instead of the guard trees.
    assert any(title.startswith("Guards (") for title, _ in chunks(page)["1"])


def test_a_report_of_schema_2_still_loads_and_renders(tmp_path: Path) -> None:
    report = dynotrace.read_trace_report(str(RECOMPILES))
    saved = tmp_path / "old.json"
    dynotrace.save(report, saved)
    data = json.loads(saved.read_text())
    data["schema_version"] = 2
    del data["timing"]["compiles"]
    saved.write_text(json.dumps(data))
    old = dynotrace.load(saved)
    assert old == report and all(c.time is None for c in old.compiles)
    dynotrace.render(old, "html", tmp_path / "old.html")
    assert "no compile times" in (tmp_path / "old.html").read_text()


def _hostile(report: Report) -> Report:
    """The report with a function name and a source line that are markup."""
    evil = "</script><img src=x onerror=alert(1)>"
    f = report.functions[0]
    gb = GraphBreak("Failed <b>here</b>", "<script>alert(2)</script>", location=Location("a<b>.py", 3, evil, evil))
    c = replace(f.compiles[0], graph_breaks=(gb,))
    return replace(report, functions=Functions([replace(f, name=evil, qualified_name=evil, compiles=(c,) + f.compiles[1:])]))


def test_user_strings_are_shown_as_text(tmp_path: Path) -> None:
    report = _hostile(dynotrace.read_trace_report(str(RECOMPILES)))
    dynotrace.render(report, "html", tmp_path / "evil.html")
    page = (tmp_path / "evil.html").read_text()
    assert "<img" not in page and "<b>here" not in page and "alert(2)</script>" not in page
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    scripts = [a for t, a in elements(page) if t == "script"]
    assert all(a.get("type") == "application/x-dynotrace-gzip" for a in scripts[:-1])  # data, and the one script


def test_a_job_page_shows_the_grid_and_the_divergence(shared_traces: Path, tmp_path: Path) -> None:
    page = page_of(shared_traces / "tlparse" / "multi_rank_runtime", tmp_path).read_text()
    text = re.sub(r"<[^>]+>", " ", page)
    assert "Compiles per rank" in page and "Divergence between ranks" in page
    assert page.count('class="cell odd"') == 2  # ranks 5 and 6 compiled inner twice, the others 4 times
    assert "why it matters" in text
    assert 'id="r0/0/1"' in page and 'id="r5/0/0"' in page  # one report per group of ranks, its compiles linkable
    assert "r0/0" in chunks(page) and "r5/0" in chunks(page)


def _diff_pair() -> tuple[Report, Report]:
    after = dynotrace.read_trace_report(str(RECOMPILES))
    before = replace(after, functions=Functions([replace(f, compiles=f.compiles[:1]) for f in after.functions]))
    return before, after


def test_a_diff_page_puts_regressions_first(tmp_path: Path) -> None:
    before, after = _diff_pair()
    dynotrace.render(dynotrace.diff(before, after), "html", tmp_path / "diff.html")
    page = (tmp_path / "diff.html").read_text()
    assert page.index("regression") < page.index("What changed")
    assert "layer recompiles more (0 -&gt; 2)" in page
    assert 'class="side"' in page  # before and after side by side


def test_perfetto_trace_events(tmp_path: Path) -> None:
    out = tmp_path / "trace.json"
    dynotrace.render(dynotrace.read_trace_report(str(GRAPH_BREAK)), "perfetto", out)
    data = json.loads(out.read_text())
    events = data["traceEvents"]
    for e in events:
        assert {"name", "ph", "pid", "tid", "ts"} <= set(e)
    slices = [e for e in events if e["ph"] == "X" and e["cat"] != "phase"]
    assert [e["name"] for e in slices] == ["0/0 compile", "1/0 compile"]
    assert all(e["dur"] > 0 for e in slices)
    threads = [e["args"]["name"] for e in events if e["name"] == "thread_name"]
    assert threads == ["step  sample_programs/graph_break_print.py:24"]  # one track per function
    breaks = [e for e in events if e["ph"] == "i"]
    assert len(breaks) == 1 and breaks[0]["args"]["code"].startswith("print(")
    timed = [e["ts"] for e in events if e["ph"] != "M"]
    assert timed == sorted(timed)
    phases = [e for e in events if e.get("cat") == "phase"]
    for p in phases:  # each phase nests inside its compile
        parent = next(s for s in slices if s["ts"] <= p["ts"] and p["ts"] + p["dur"] <= s["ts"] + s["dur"])
        assert parent["tid"] == p["tid"]


def test_perfetto_of_a_job_has_a_process_per_rank(shared_traces: Path, tmp_path: Path) -> None:
    job = dynotrace.read_trace_job(str(shared_traces / "tlparse" / "multi_rank_runtime"))
    dynotrace.render(job, "perfetto", tmp_path / "job.json")
    events = json.loads((tmp_path / "job.json").read_text())["traceEvents"]
    processes = {e["pid"]: e["args"]["name"] for e in events if e["name"] == "process_name"}
    assert sorted(processes) == list(range(7)) and processes[5].startswith("rank 5: ")
    assert {e["pid"] for e in events if e["ph"] == "X"} == set(range(7))


@pytest.mark.torch
def test_explain_writes_the_page_and_the_timeline_of_a_run(tmp_path: Path) -> None:
    page, trace = tmp_path / "run.html", tmp_path / "run.json"
    run = run_dynotrace("explain", "sample_programs/graph_break_print.py", "-o", str(page), "--perfetto", str(trace), "-q")
    assert run.returncode == 0, run.stderr
    html = page.read_text()
    assert "print(&quot;debug: inside step&quot;)" in html  # the graph break's source line
    texts = dict(map(tuple, chunks(html)["0"]))
    assert "class GraphModule" in texts["Dynamo output graph"]  # kept live, as from a log
    assert json.loads(trace.read_text())["traceEvents"]


# What a person sees, in headless Chromium.


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


needs_chromium = pytest.mark.skipif(_chromium() is None, reason="no chromium (apt-get install chromium) to open the page in")


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def dom(page: Path, fragment: str = "", *, javascript: bool = True) -> str:
    """The page's DOM after its scripts ran (``--dump-dom``), opened at ``fragment``
    (``#0/1``, ``?q=dtype``); with
    ``javascript=False``, as loaded with scripts disabled (``_dom_without_scripts``)."""
    if not javascript:
        return _dom_without_scripts(page.as_uri() + fragment)
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        cmd = [str(_chromium()), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom"]
        done = subprocess.run(cmd + [page.as_uri() + fragment], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _dom_without_scripts(url: str) -> str:
    """The DOM of ``url`` loaded with scripts disabled, read through the DevTools protocol
    on a pipe (``--remote-debugging-pipe``: fd 3 in, fd 4 out, messages ending in NUL).
    ``--dump-dom`` cannot do it: with ``--blink-settings=scriptEnabled=false`` it prints
    nothing, as it reads the DOM with a script."""
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def as_fds_3_and_4() -> None:
        a, b = os.dup(to_browser_r), os.dup(from_browser_w)
        os.dup2(a, 3)
        os.dup2(b, 4)

    # Chromium's helper processes may still write to the profile as it is removed.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        proc = subprocess.Popen(
            [str(_chromium()), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            preexec_fn=as_fds_3_and_4,
            close_fds=False,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        buffer = b""
        number = 0

        def receive() -> dict[str, Any]:
            nonlocal buffer
            while b"\0" not in buffer:
                chunk = os.read(from_browser_r, 1 << 16)
                assert chunk, "chromium closed the DevTools pipe"
                buffer += chunk
            raw, buffer = buffer.split(b"\0", 1)
            return json.loads(raw)  # type: ignore[no-any-return]

        def call(method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
            nonlocal number
            number += 1
            message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = session
            os.write(to_browser_w, json.dumps(message).encode() + b"\0")
            while True:
                reply = receive()
                if reply.get("id") == number:
                    assert "error" not in reply, reply
                    return reply["result"]  # type: ignore[no-any-return]

        try:
            target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            call("Emulation.setScriptExecutionDisabled", {"value": True}, session)
            call("Page.enable", None, session)
            call("Page.navigate", {"url": url}, session)
            while not (lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session)(receive()):
                pass
            root = call("DOM.getDocument", {"depth": -1}, session)["root"]["nodeId"]
            return call("DOM.getOuterHTML", {"nodeId": root}, session)["outerHTML"]  # type: ignore[no-any-return]
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # the browser and its helper processes
            proc.wait(timeout=30)
            os.close(to_browser_w)
            os.close(from_browser_r)


def visible_text(html: str) -> str:
    """The text of a DOM, tags dropped, white space collapsed (texts of adjacent blocks run
    together: assert on text within one block)."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", "", html).split()).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


@needs_chromium
def test_in_chromium_opening_a_compile_shows_its_graph(tmp_path: Path) -> None:
    page = page_of(RECOMPILES, tmp_path)
    shown = dom(page, "#0/1")
    assert 'data-js="ready"' in shown
    text = visible_text(shown)
    assert "1 function · 3 compiles · 3 graphs · 0 graph breaks · 2 recompiles · 0 limit hits" in text
    assert "tensor shape changed: x.size()[0] was 8, now 12" in text
    assert "torch._dynamo.mark_dynamic(x, 0)" in text
    # The compile at #0/1 is open, its texts unpacked in the browser (DecompressionStream).
    compile_01 = shown[shown.index('id="0/1"') :]
    compile_01 = compile_01[: compile_01.index('class="compile', 10)]
    assert 'data-ready="1"' in compile_01
    assert "class GraphModule(torch.nn.Module)" in compile_01
    # The timeline: one row per function, a bar per compile.
    svg = shown[shown.index("<svg") : shown.index("</svg>")]
    assert ">layer</text>" in svg and svg.count('class="c"') == 3


@needs_chromium
def test_in_chromium_a_search_link_shows_what_matches(tmp_path: Path) -> None:
    page = page_of(RECOMPILES, tmp_path)
    shown = dom(page, "?q=now%20Double")
    blocks = re.findall(r'<div class="compile ([^"]*)" id="(0/\d)"', shown)
    hidden = {cid for css, cid in blocks if "hidden-by-search" in css}
    assert hidden == {"0/0", "0/1"}  # only 0/2, the recompile for a dtype, matches


@needs_chromium
def test_in_chromium_a_graph_break_shows_its_source_line(tmp_path: Path) -> None:
    shown = dom(page_of(GRAPH_BREAK, tmp_path))
    block = visible_text(shown[shown.index('id="gb0"') :].split("</div></div>")[0])
    assert "GB0059 Failed to trace builtin operator hit 1 time, split 1 compile" in block
    assert 'at sample_programs/graph_break_print.py:27 in stepprint("debug: inside step")' in block


@needs_chromium
def test_in_chromium_without_javascript_the_report_is_all_there(tmp_path: Path) -> None:
    page = page_of(RECOMPILES, tmp_path)
    shown = dom(page, javascript=False)
    assert 'data-js="ready"' not in shown
    text = visible_text(shown)
    assert "3 compiles" in text and "tensor shape changed: x.size()[0] was 8, now 12" in text
    assert "Where compile time went" in text and "made at sample_programs/recompiles.py:33 in layer" in text
    assert "opening them needs JavaScript" in text  # the packed texts say why they stay shut
    assert re.search(r'<input id="search"[^>]* hidden', shown)  # no search box that cannot work


@needs_chromium
def test_in_chromium_markup_in_user_strings_stays_text(tmp_path: Path) -> None:
    page = tmp_path / "evil.html"
    dynotrace.render(_hostile(dynotrace.read_trace_report(str(RECOMPILES))), "html", page)
    shown = dom(page)
    assert "<img" not in shown and "alert(2)</script>" not in shown
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in shown


@needs_chromium
def test_in_chromium_a_job_and_a_diff(shared_traces: Path, tmp_path: Path) -> None:
    job = visible_text(dom(page_of(shared_traces / "tlparse" / "multi_rank_runtime", tmp_path)))
    assert "7 ranks (0-6) read from their logs · 2 groups compiled differently · 3 divergences" in job
    assert "ranks 5, 6: compiled the same way; the report of rank 5" in job
    before, after = _diff_pair()
    dynotrace.render(dynotrace.diff(before, after), "html", tmp_path / "diff.html")
    diff = visible_text(dom(tmp_path / "diff.html"))
    assert diff.index("2 regressions") < diff.index("What changed")
