"""The one interface every output format implements, and the options they share.

A ``Renderer`` writes one of three subjects to a text stream: a job's report
(``JobReport``: one process's run or a distributed job), a comparison of two
(``JobDiff``), or a check's outcome (``CheckOutcome``). A format that cannot show a subject
says so (``UsageError``) rather than guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from dynotrace.errors import UsageError

if TYPE_CHECKING:
    from dynotrace.compare.gate import CheckOutcome
    from dynotrace.compare.jobs import JobDiff
    from dynotrace.files.documents import Sections
    from dynotrace.model import Artifacts, JobReport

#: The parts of the terminal report ``only`` may choose.
SECTIONS = ("breaks", "recompiles", "shapes", "guards")


@dataclass(frozen=True)
class Options:
    """What a renderer may be told. Each format reads the options that apply to it.

    Terminal: ``width`` and ``color`` (``None``: the terminal's width, colour only on a
    terminal); ``only`` limits the report to some of ``SECTIONS``; ``function`` to the
    functions whose name or ``Class.method`` contains it; ``guards`` lists every guard;
    ``timing`` shows compile times; ``full`` explains every recompile in full, not only
    the first of each cause; ``rank`` shows that rank's report of a job. Diffs and checks:
    ``labels`` name the two sides. YAML and JSON: ``sections``, ranks' parts of a job's
    document already serialised; ``extra``, top-level sections to add before ``timing``
    (the pytest plugin's ``tests:``). HTML: ``artifacts``, what tlparse shows of each
    rank's compiles (``None``: the page was made from a report file, which has none).
    """

    width: int | None = None
    color: bool | None = None
    only: frozenset[str] = frozenset()
    function: str | None = None
    guards: bool = False
    timing: bool = True
    full: bool = False
    rank: int | None = None
    labels: tuple[str, str] = ("before", "after")
    sections: Sections | None = None
    extra: Mapping[str, Any] | None = None
    artifacts: Mapping[int, Artifacts] | None = None

    def shows(self, section: str) -> bool:
        return not self.only or section in self.only


class Renderer:
    """One output format. Subclasses set ``name`` and implement the subjects their format
    can show."""

    name: ClassVar[str] = ""

    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()

    def report(self, job: JobReport, stream: TextIO) -> None:
        """Write the report of a run or of a distributed job."""
        raise UsageError(f"the {self.name} format does not show a report")

    def diff(self, diff: JobDiff, stream: TextIO) -> None:
        """Write what changed between two reports."""
        raise UsageError(f"the {self.name} format does not show a diff")

    def check(self, outcome: CheckOutcome, stream: TextIO) -> None:
        """Write what a check compared and found."""
        raise UsageError(f"the {self.name} format does not show a check")
