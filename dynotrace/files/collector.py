"""The cyclic garbage collector paused while a file becomes objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a file is read into objects: a log read and
    folded, a report file loaded.

    Reading and folding build hundreds of thousands of containers (229,000 for the 57 MB
    benchmark log: the events, the report's dataclasses) and hardly any garbage in cycles
    (2,400 objects), and every full pass of the collector walks all of them: on that log
    its passes took 0.2 s of CPU, over a tenth of the run. Turned back on, the collector
    would walk the same objects again, young to old, as the report is written; ``freeze``
    then ``unfreeze`` first moves every object into the oldest generation without walking
    them (cyclic garbage among them is collected by the next full pass, as garbage that
    old always is). Its passes now take 0.02 s."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
