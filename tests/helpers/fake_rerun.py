"""Stands in for ``python -m dynotrace explain ... -o OUT -q -- SCRIPT`` in the tests of the
trials' session, which then run no torch: it writes a prepared report to OUT, chosen by
what the rerun's environment holds.

``FAKE_RERUN`` is a JSON list of ``[needle, report, behaviour]``: the first entry whose
needle is empty, names an environment variable that is set, or occurs in the trial's
Python settings (``DYNOTRACE_TRIAL_CONFIG``) decides. ``behaviour`` is ``copy`` (write the
report), ``hang`` (sleep, with a child that sleeps too, until killed), ``crash`` (exit 3
with no report), or ``fail`` (write the report after printing a traceback).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

args = sys.argv[1:]
out = args[args.index("-o") + 1]
config = os.environ.get("DYNOTRACE_TRIAL_CONFIG", "")
print("fake rerun of", " ".join(args[args.index("--") + 1 :]))
for needle, report, behaviour in json.loads(os.environ["FAKE_RERUN"]):
    if needle and needle not in os.environ and needle not in config:
        continue
    if behaviour == "hang":
        # The file appears whole, once both processes run: a test waiting for it to exist
        # then reads both pids (never an empty file that was only just created).
        pids = os.environ["FAKE_RERUN_PIDS"]
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        before = open(pids).read() if os.path.exists(pids) else ""
        with open(pids + ".part", "w") as fh:
            fh.write(f"{before}{os.getpid()} {child.pid}\n")
        os.replace(pids + ".part", pids)
        time.sleep(600)
    if behaviour == "crash":
        print("Traceback (most recent call last):\nRuntimeError: the rerun crashed", file=sys.stderr)
        sys.exit(3)
    if behaviour == "fail":
        print("Traceback (most recent call last):\nValueError: the script failed", file=sys.stderr)
    shutil.copy(report, out)
    sys.exit(1 if behaviour == "fail" else 0)
sys.exit(4)
