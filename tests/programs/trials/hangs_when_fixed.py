"""A recompile whose fix makes the script hang (it sleeps when TORCH_COMPILE_DYNAMIC_SOURCES
is set): the tests of --try-fixes stop it by its timeout, Ctrl-C or SIGTERM."""
import os
import subprocess
import sys
import time

import torch

if os.environ.get("TORCH_COMPILE_DYNAMIC_SOURCES"):
    # A child of its own too, which must be stopped with it.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open(os.environ["HANG_PIDS"], "a") as fh:
        fh.write(f"{os.getpid()} {child.pid}\n")
    time.sleep(600)

compiled = torch.compile(lambda x: x * 2, backend="eager")
for n in (4, 6):
    compiled(torch.ones(n))
