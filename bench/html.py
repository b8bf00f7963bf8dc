"""The HTML report against tlparse's site, for one large TORCH_TRACE log (issue 22, item 6).

For the log ``bench/programs/many_frames.py`` writes (57 MB, 726 compiles; ``--log FILE``
reuses one), in alternating rounds:

(A) ``tlparse LOG -o out --overwrite --no-browser``: a folder of HTML pages with every
    compile's artifacts;
(B) ``dynotrace explain --trace LOG -o page.html -q``: one page with the explanation and
    every compile's graphs, guard tree and metrics (packed with gzip);
(C) ``dynotrace explain --trace LOG -o r.yaml -q``, the same read written as the YAML report:
    what the page costs beyond the report (``--no-yaml`` skips it).

It prints each side's user and system CPU, wall time, peak RSS and load average, the ratios
per round, the sizes (tlparse's folder: its bytes and files; the page: its bytes, and how
much of it is packed texts), and how long Chromium takes to load the page: the page's own
``performance.now()`` at its load event (written into the DOM as ``data-load-ms``) and the
wall time of a ``chromium --headless --dump-dom`` process, cold profile each time, median of
``--loads`` runs (``index.html`` of tlparse's folder the same way, for comparison).

Targets (issue 22): the page at most a quarter of tlparse's output, written in less time
than tlparse takes for its folder, loaded by Chromium in under 2 s.

    python bench/html.py --scratch /dev/shm/x
    python bench/html.py --log /dev/shm/x/big.log --repeats 7 --scratch /dev/shm/x

Give both sides the same file system (``--scratch``): tlparse's time is mostly writing its
~3,800 files, which tmpfs makes cheap and a disk does not.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    REPO,
    Sample,
    Variant,
    alternate,
    dynotrace_cmd,
    fmt_mb,
    print_cpu_table,
    print_machine,
    print_table,
    ratio_line,
    run_timed,
    save_json,
    tlparse_cmd,
)
from peers import generate_log

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", help="an existing large TORCH_TRACE log file (skips generating one)")
    parser.add_argument("--keep-log", metavar="DIR", help="generate the log into DIR and keep it")
    parser.add_argument("--many-frames-args", default="", help="arguments for many_frames.py")
    parser.add_argument("--min-mb", type=float, default=50, help="warn when the generated log is smaller (default 50)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--loads", type=int, default=5, help="Chromium loads of each page (default 5)")
    parser.add_argument("--no-yaml", action="store_true", help="do not also time the same read written as a YAML report")
    parser.add_argument("--scratch", metavar="DIR", help="where outputs (and a copy of --log) go; default: a temporary directory")
    parser.add_argument("--json")
    args = parser.parse_args()

    info = print_machine()
    tlparse = tlparse_cmd()
    if tlparse is None:
        print("\ntlparse is not installed (`pip install tlparse`): only dynotrace's side is measured.")
    raw: dict[str, object] = {"machine": info}
    with tempfile.TemporaryDirectory(prefix="dynotrace_html_", dir=args.scratch) as tmp_name:
        tmp = Path(tmp_name)
        log = Path(args.log) if args.log else generate_log(args, tmp)
        if args.log and args.scratch:
            log = Path(shutil.copy(log, tmp / log.name))
        size = log.stat().st_size
        print(f"\nthe log: {log} ({fmt_mb(size)})", flush=True)
        if size < args.min_mb * 1e6:
            print(f"  note: the log is smaller than {args.min_mb:g} MB")
        raw["log_bytes"] = size
        page = tmp / "page.html"
        tl_out = tmp / "tl_out"
        variants: list[Variant] = []
        if tlparse is not None:
            tl_cmd = tlparse + [str(log), "-o", str(tl_out), "--overwrite", "--no-browser"]

            def run_tlparse() -> Sample:
                shutil.rmtree(tl_out, ignore_errors=True)
                return run_timed(tl_cmd, cwd=tmp)

            variants.append(Variant("tlparse LOG -o out", run_tlparse))
        dt_cmd = dynotrace_cmd() + ["explain", "--trace", str(log), "-o", str(page), "-q"]
        variants.append(Variant("dynotrace explain --trace LOG -o page.html -q", lambda: run_timed(dt_cmd, cwd=REPO)))
        if not args.no_yaml:
            # The same read as a YAML report: what the page costs beyond the report itself.
            yaml_cmd = dynotrace_cmd() + ["explain", "--trace", str(log), "-o", str(tmp / "r.yaml"), "-q"]
            variants.append(Variant("dynotrace explain --trace LOG -o r.yaml -q", lambda: run_timed(yaml_cmd, cwd=REPO)))
        alternate(variants, repeats=args.repeats, warmup=args.warmup)
        print_cpu_table(variants, title=f"Writing the report of a {fmt_mb(size)} log, {args.repeats} alternating rounds (medians [IQR])")
        if tlparse is not None:
            print()
            for attr, label in (("wall_s", "wall"), ("user_s", "user cpu"), ("cpu_s", "user + system cpu")):
                print(ratio_line(variants[0], variants[1], attr, target=1.0 if attr == "wall_s" else None, label=label))
        if not args.no_yaml:
            page_side, yaml_side = variants[-2], variants[-1]
            print(ratio_line(yaml_side, page_side, "cpu_s", label="user + system cpu, the page against the YAML report"))
        raw.update({v.name: v.samples for v in variants})

        rows = []
        page_bytes = page.stat().st_size
        packed = sum(len(m) for m in re.findall(rb'<script type="application/x-dynotrace-gzip" id="k\d+">([^<]*)', page.read_bytes()))
        rows.append(["dynotrace page.html", fmt_mb(page_bytes), "1", f"{fmt_mb(packed)} of it packed texts (gzip, base64)"])
        if tlparse is not None:
            files = [p for p in tl_out.rglob("*") if p.is_file()]
            tl_bytes = sum(p.stat().st_size for p in files)
            rows.append(["tlparse out/", fmt_mb(tl_bytes), str(len(files)), ""])
            ratio = page_bytes / tl_bytes
            rows.append(["page / tlparse", f"{ratio:.3f}", "", f"target <= 0.25: {'met' if ratio <= 0.25 else 'MISSED'}"])
            raw["sizes"] = {"page": page_bytes, "packed": packed, "tlparse": tl_bytes, "tlparse_files": len(files)}
        print_table(["output", "bytes", "files", ""], rows, title="Sizes")

        chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if chromium is None:
            print("\nno chromium: the load time is not measured")
        else:
            loads = [("page.html", page)]
            if tlparse is not None and (tl_out / "index.html").is_file():
                loads.append(("tlparse index.html", tl_out / "index.html"))
            rows = []
            for name, path in loads:
                own, wall = load_times(chromium, path, args.loads)
                target = f"{'met' if statistics.median(own) < 2000 else 'MISSED'}" if name == "page.html" else ""
                rows.append([name, f"{statistics.median(own):.0f} ms" if own else "", f"{statistics.median(wall):.2f} s", target])
                raw[f"load {name}"] = {"load_event_ms": own, "process_wall_s": wall}
            print_table(
                ["page", "load event (the page's performance.now())", "chromium --dump-dom, wall", "< 2 s"],
                rows,
                title=f"Chromium {chromium_version(chromium)}, medians of {args.loads} cold loads",
            )
    save_json(args.json, raw)


def load_times(chromium: str, page: Path, n: int) -> tuple[list[float], list[float]]:
    """The page's own load-event time (ms) and the process's wall time (s) of ``n`` loads,
    each in a fresh profile."""
    own: list[float] = []
    wall: list[float] = []
    for _ in range(n):
        with tempfile.TemporaryDirectory() as profile:
            start = time.perf_counter()
            done = subprocess.run(
                [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                capture_output=True,
                text=True,
                timeout=120,
            )
            wall.append(time.perf_counter() - start)
        found = re.search(r'data-load-ms="(\d+)"', done.stdout)
        if found:
            own.append(float(found[1]))
    return own, wall


def chromium_version(chromium: str) -> str:
    done = subprocess.run([chromium, "--version"], capture_output=True, text=True)
    # "Chromium 150.0.7871.100 built on Debian GNU/Linux 12 (bookworm)"
    words = done.stdout.split()
    return words[1] if done.returncode == 0 and len(words) > 1 else "?"


if __name__ == "__main__":
    sys.exit(main())
