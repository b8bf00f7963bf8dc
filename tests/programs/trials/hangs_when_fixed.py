"""A recompile whose fix makes the script hang (it sleeps in any rerun that tries a fix, which
DYNOTRACE_TRIAL_CONFIG tells): the tests of --try-fixes stop it by its timeout or a signal."""
import os
import subprocess
import sys
import time

import torch

if os.environ.get("DYNOTRACE_TRIAL_CONFIG"):
    # A child of its own too, which must be stopped with it.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open(os.environ["HANG_PIDS"], "a") as fh:
        fh.write(f"{os.getpid()} {child.pid}\n")
    time.sleep(600)

compiled = torch.compile(lambda x: x * 2, backend="eager")
for n in (4, 6):
    compiled(torch.ones(n))
