"""Every torch release dynotrace supports, each in a venv of its own.

    python tests/releases/matrix.py record [--releases 2.8.0 2.9.1] [--venvs DIR] [--keep]
    python tests/releases/matrix.py live   [--releases ...] [--venvs DIR] [--keep]
    python tests/releases/matrix.py doc

``record`` runs each sample program, and each scenario of ``tests/programs/corpus``, under
that release's torch with ``TORCH_TRACE`` set
and with ``tests/helpers/torch_counts.py`` recording what torch itself counted in the same
run, and stores the log (gzip) and the counts under ``tests/fixtures/releases/<release>/``.
``python -m pytest`` then checks dynotrace's offline reading of every release's logs
against those counts (``tests/test_releases.py``).

``live`` installs dynotrace into the release's venv (``pip install -e .[test]``; it stops
if that changed the torch there) and runs the live truth tests there
(``tests/test_truth.py``: every sample program and corpus scenario under ``dynotrace
explain``, its counts against that torch's own in the same kind of run).
It records each release's result, with the commit it tested, in
``tests/releases/live_results.json``, and writes ``docs/compatibility.md`` from that file
(``doc`` writes it again from the file alone): the table is never edited by hand, and
``tests/test_releases.py`` checks that it is what the results say.

Neither is part of ``.ci/run``: each release but 2.13.0 is a CUDA build of ~5 GB from the
package registry (1-2 minutes to install; it runs on the CPU). Venvs are deleted after
their release unless ``--keep``. On machines whose pip caps torch with a constraints
file, the pip commands here run with ``PIP_CONSTRAINT=/dev/null`` so 2.15.0 installs.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_programs"
CORPUS = ROOT / "tests" / "programs" / "corpus"
FIXTURES = ROOT / "tests" / "fixtures" / "releases"
COUNTS_HELPER = ROOT / "tests" / "helpers" / "torch_counts.py"
COMPAT_DOC = ROOT / "docs" / "compatibility.md"
LIVE_RESULTS = Path(__file__).resolve().parent / "live_results.json"

#: The releases dynotrace supports, oldest first: the newest patch of each minor release.
RELEASES = ("2.6.0", "2.7.1", "2.8.0", "2.9.1", "2.10.0", "2.11.0", "2.12.1", "2.13.0", "2.14.1", "2.15.0")

#: Samples with no log to record: never compiles, so TORCH_TRACE writes nothing.
NOT_RECORDED = {"no_compile"}
#: Arguments a sample program needs (as tests/test_truth.py gives them).
SAMPLE_ARGS = {"takes_args": ["--epochs", "2"]}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def pip_env() -> dict[str, str]:
    # /dev/null is only read here (as an empty constraints file), never written.
    return {**os.environ, "PIP_CONSTRAINT": "/dev/null", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def make_venv(release: str, venvs: Path) -> Path:
    """A venv with exactly ``torch==release`` in it (made once, reused while it exists)."""
    venv = venvs / f"torch-{release}"
    python = venv / "bin" / "python"
    if python.exists() and _torch_version(python, quiet=True):
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    log(f"torch {release}: making {venv}")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-cache-dir", f"torch=={release}"],
        check=True,
        env=pip_env(),
    )
    log(f"torch {release}: installed {_torch_version(python)}")
    return venv


def _torch_version(python: Path, quiet: bool = False) -> str | None:
    done = subprocess.run(
        [str(python), "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True
    )
    if done.returncode != 0:
        if not quiet:
            sys.exit(f"torch does not import in {python}: {done.stderr[-500:]}")
        return None
    return done.stdout.strip()


def programs(names: list[str] | None = None) -> list[Path]:
    """The sample programs and the corpus of Dynamo scenarios (``tests/programs/corpus``),
    or those of them named in ``names``."""
    found = sorted(SAMPLES.glob("*.py")) + sorted(CORPUS.glob("*.py"))
    found = [p for p in found if p.stem not in NOT_RECORDED]
    if names:
        unknown = sorted(set(names) - {p.stem for p in found})
        if unknown:
            sys.exit(f"no such program: {', '.join(unknown)}")
        found = [p for p in found if p.stem in names]
    return found


def record(release: str, venv: Path, names: list[str] | None = None) -> None:
    """Record each program's TORCH_TRACE log and torch's own counts under ``release``
    (programs recorded before and not named now keep their recording)."""
    python = venv / "bin" / "python"
    out_dir = FIXTURES / release
    out_dir.mkdir(parents=True, exist_ok=True)
    counts_path = out_dir / "counts.json"
    counts: dict[str, object] = json.loads(counts_path.read_text())["programs"] if counts_path.exists() else {}
    with tempfile.TemporaryDirectory(prefix=f"dynotrace-record-{release}-") as tmp:
        for script in programs(names):
            trace_dir = Path(tmp) / script.stem
            counts_file = Path(tmp) / f"{script.stem}.json"
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("TORCH_LOGS", "TORCH_TRACE", "TORCH_COMPILE"))
            }
            env.update(
                {
                    "TORCH_TRACE": str(trace_dir),
                    "PYTHONHASHSEED": "0",
                    "TORCHINDUCTOR_CACHE_DIR": str(Path(tmp) / "inductor-cache"),
                }
            )
            rel = script.relative_to(ROOT)
            started = time.perf_counter()
            done = subprocess.run(
                [str(python), str(COUNTS_HELPER.relative_to(ROOT)), str(counts_file), str(rel), *SAMPLE_ARGS.get(script.stem, [])],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
            )
            if not counts_file.exists():
                sys.exit(f"{release} {script.stem}: no counts recorded (exit {done.returncode}):\n{done.stderr[-2000:]}")
            logs = sorted(trace_dir.glob("*.log"))
            if len(logs) != 1:
                sys.exit(f"{release} {script.stem}: expected one TORCH_TRACE log, found {logs}")
            data = logs[0].read_bytes()
            # mtime=0: the same log compresses to the same bytes.
            (out_dir / f"{script.stem}.log.gz").write_bytes(gzip.compress(data, 9, mtime=0))
            counts[script.stem] = json.loads(counts_file.read_text())
            log(f"{release} {script.stem}: {len(data) // 1024} KB log, exit {done.returncode}, {time.perf_counter() - started:.1f} s")
    info = subprocess.run(
        [str(python), "-c", "import json, sys, torch; print(json.dumps({'torch': torch.__version__, "
         "'git_version': torch.version.git_version, 'python': sys.version.split()[0]}))"],
        capture_output=True, text=True, check=True,
    )
    document = {
        **json.loads(info.stdout),
        "recorded_by": "tests/releases/matrix.py record",
        "date": datetime.date.today().isoformat(),
        "programs": counts,
    }
    counts_path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


def live(release: str, venv: Path, results: dict[str, dict[str, object]]) -> None:
    """Install dynotrace into the venv and run the live truth tests there."""
    python = venv / "bin" / "python"
    before = _torch_version(python)
    log(f"torch {release}: installing dynotrace next to torch {before}")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-cache-dir", "-e", f"{ROOT}[test]"],
        check=True,
        env=pip_env(),
    )
    version = _torch_version(python)
    if version != before:
        sys.exit(f"installing dynotrace changed torch {before} into {version}")
    with tempfile.TemporaryDirectory(prefix="dynotrace-live-") as tmp:
        junit = Path(tmp) / "junit.xml"
        log(f"torch {release}: live truth tests")
        started = time.perf_counter()
        done = subprocess.run(
            [
                str(python), "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider",
                f"--junitxml={junit}", "tests/test_truth.py",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        tail = "\n".join(done.stdout.splitlines()[-15:])
        log(f"torch {release}: pytest exit {done.returncode} in {time.perf_counter() - started:.0f} s\n{tail}")
        suite = ET.parse(junit).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")  # type: ignore[assignment]
        assert suite is not None
        total = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        failed = [
            case.get("name", "?")
            for case in suite.iter("testcase")
            if case.find("failure") is not None or case.find("error") is not None
        ]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    results[release] = {
        "torch": version,
        "passed": total - bad - skipped,
        "total": total,
        "failed": failed,
        "date": datetime.date.today().isoformat(),
        "commit": commit or "?",
    }


def load_results() -> dict[str, dict[str, object]]:
    """Every release's last live result (``tests/releases/live_results.json``)."""
    return json.loads(LIVE_RESULTS.read_text()) if LIVE_RESULTS.exists() else {}


def save_results(results: dict[str, dict[str, object]]) -> None:
    """Merge this run's results into the recorded ones (releases not run keep theirs)."""
    merged = {**load_results(), **results}
    LIVE_RESULTS.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n")


def compat_doc(results: dict[str, dict[str, object]]) -> str:
    """docs/compatibility.md, from the recorded results alone."""
    rows = []
    for release in RELEASES:
        r = results.get(release)
        if r is None:
            rows.append(f"| {release} | - | not run | - | - | - |")
            continue
        failed = ", ".join(r["failed"]) or "-"  # type: ignore[arg-type]
        rows.append(f"| {release} | `{r['torch']}` | {r['passed']} of {r['total']} | {failed} | `{r['commit']}` | {r['date']} |")
    return (
        "# Compatibility: torch releases\n\n"
        "dynotrace supports torch 2.6 through 2.15. This table is written by\n"
        "`python tests/releases/matrix.py live`, which installs each release into a venv of its\n"
        "own, installs dynotrace next to it and runs the live truth tests there\n"
        "(`tests/test_truth.py`: every sample program under `dynotrace explain`, each count\n"
        "against that torch's own bookkeeping in the same kind of run), from the results it\n"
        "records in `tests/releases/live_results.json` (never by hand). Each row names the commit\n"
        "it tested; code after that commit was tested live on the release of CI only, and against\n"
        "every release's recorded logs, in every `python -m pytest` (`tests/test_releases.py`,\n"
        "fixtures in `tests/fixtures/releases/`).\n\n"
        "| release | torch.__version__ | live truth tests passed | failed | commit | date |\n"
        "| --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n"
    )


def write_compat_doc() -> None:
    COMPAT_DOC.parent.mkdir(exist_ok=True)
    COMPAT_DOC.write_text(compat_doc(load_results()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["record", "live", "doc"])
    parser.add_argument("--releases", nargs="+", default=list(RELEASES), metavar="X.Y.Z")
    parser.add_argument("--venvs", type=Path, default=Path(tempfile.gettempdir()) / "dynotrace-venvs")
    parser.add_argument("--keep", action="store_true", help="keep each venv after its release")
    parser.add_argument("--programs", nargs="+", metavar="NAME", help="record only these programs (file stems)")
    args = parser.parse_args()
    unknown = sorted(set(args.releases) - set(RELEASES))
    if unknown:
        parser.error(f"not a supported release: {', '.join(unknown)}")
    results: dict[str, dict[str, object]] = {}
    if args.action == "doc":
        write_compat_doc()
        log(f"wrote {COMPAT_DOC.relative_to(ROOT)}")
        return
    for release in args.releases:
        venv = make_venv(release, args.venvs)
        try:
            if args.action == "record":
                record(release, venv, args.programs)
            else:
                live(release, venv, results)
                save_results(results)
                write_compat_doc()
        finally:
            if not args.keep:
                shutil.rmtree(venv, ignore_errors=True)
    if args.action == "live":
        log(f"wrote {COMPAT_DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
