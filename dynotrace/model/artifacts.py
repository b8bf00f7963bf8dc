"""What tlparse shows for each compile, carried beside a report, never inside it.

The graphs Dynamo, AOTAutograd and Inductor produced, Inductor's generated code, the guard
tree and the compilation metrics are megabytes for a large run: the report file
(``Report``, which the YAML/JSON serialise) does not hold them, and a plain ``explain``
never keeps them. A run or a log read for an HTML report keeps them here
(``analysis.artifacts``), one ``CompileArtifacts`` per compile of the report, in the order
of ``Report.compiles``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Artifact:
    """One text of a compile: ``kind`` the event it came from (``dynamo_output_graph``,
    ``inductor_output_code``, ``guards``, ``metrics``, ...), ``title`` how a page names it."""

    kind: str
    title: str
    text: str


@dataclass(frozen=True)
class CompileArtifacts:
    """The texts of one compile, in the order torch produced them."""

    compile_id: str
    items: tuple[Artifact, ...] = ()


@dataclass(frozen=True)
class Artifacts:
    """The artifacts of one report's compiles (``compiles[i]`` belongs to
    ``report.compiles[i]``), and the configurations their metrics name (torch logs Dynamo's
    and Inductor's whole configuration with every compile; each distinct one is kept
    once, under the name the metrics refer to it by)."""

    compiles: tuple[CompileArtifacts, ...] = ()
    configs: dict[str, str] = field(default_factory=dict)

    def of(self, index: int) -> CompileArtifacts | None:
        return self.compiles[index] if 0 <= index < len(self.compiles) else None

    @property
    def size(self) -> int:
        """Characters of text held, configurations included."""
        return sum(len(a.text) for c in self.compiles for a in c.items) + sum(len(t) for t in self.configs.values())
