"""``dynotrace check SCRIPT [ARGS]``: run a script like ``explain`` does and fail when it
compiles worse than a baseline report or over budget. Made for CI."""

from __future__ import annotations

import sys

import click

from dynotrace.cli.common import backend_option, command_line, fail, fail_on_option, rank_timeout_option, script_args
from dynotrace.cli.common import target_options, terminal_options
from dynotrace.errors import EXIT_OK, EXIT_REGRESSION, DynotraceError


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": True},
    epilog="""\b
Examples:
  dynotrace check train.py --update-baseline --baseline dynotrace-baseline.yaml
  dynotrace check train.py --baseline dynotrace-baseline.yaml
  dynotrace check train.py --max-graph-breaks 0 --max-recompiles 2 --no-recompile-limit
  dynotrace check train.py --baseline b.yaml --sarif dynotrace.sarif -- --epochs 1

\b
Settings may live in pyproject.toml:
  [tool.dynotrace]
  baseline = "dynotrace-baseline.yaml"
  fail-on = ["graph-breaks", "recompiles", "limit"]
  max-graph-breaks = 0
  backend = "eager"
Flags given here take precedence.

\b
\b
Distributed jobs (torchrun, or a --trace directory with the logs of several ranks):
  torchrun --nproc-per-node 4 -m dynotrace check train.py --max-recompiles 2
  dynotrace check --trace /shared/trace_dir --fail-on divergence
Budgets apply to each rank (the worst rank decides); divergence (ranks that did not
compile alike, or a missing rank) fails by default; a baseline is compared rank by rank.

Exit codes: 0 the check passed, 1 a regression or a budget exceeded, 2 bad usage or
an unreadable baseline or script. When the script itself fails, nothing is compared
and dynotrace exits with the script's own exit code.
Under GitHub Actions (GITHUB_ACTIONS=true) each regression is also an ::error
annotation at its source line, and a markdown summary is appended to
$GITHUB_STEP_SUMMARY when that is set.""",
)
@target_options
@click.option("--baseline", metavar="FILE", help="The report to compare with (default: baseline in [tool.dynotrace]).")
@click.option("--update-baseline", is_flag=True, help="Accept this run: (re)write the baseline from it, atomically. Budgets still apply.")
@click.option("--max-graph-breaks", type=click.IntRange(min=0), metavar="N", help="Fail when the run has more than N graph breaks.")
@click.option("--max-recompiles", type=click.IntRange(min=0), metavar="N", help="Fail when the run has more than N recompiles.")
@click.option(
    "--no-recompile-limit/--allow-recompile-limit",
    "no_recompile_limit",
    default=None,
    help="Fail when any function hits the recompile limit (and falls back to eager).",
)
@fail_on_option
@backend_option
@click.option("-o", "--output", metavar="FILE", help="Also save this run's report (YAML, or JSON for .json).")
@click.option("--sarif", metavar="FILE", help="Write this run's graph breaks and recompiles as SARIF 2.1.0 for code scanning.")
@rank_timeout_option
@click.option("-q", "--quiet", is_flag=True, help="Print only the verdict.")
@terminal_options
def check(
    target: tuple[str, ...],
    as_module: bool,
    trace_path: str | None,
    baseline: str | None,
    update_baseline: bool,
    max_graph_breaks: int | None,
    max_recompiles: int | None,
    no_recompile_limit: bool | None,
    fail_on: str | None,
    backend: str | None,
    output: str | None,
    sarif: str | None,
    rank_timeout: float | None,
    quiet: bool,
    width: int | None,
    color: bool | None,
) -> None:
    """Run SCRIPT under torch.compile (or read a --trace log) and check it against a
    baseline report or budgets: a new graph break, more recompiles or a recompile-limit hit
    fails the check; for a distributed job, so do ranks that did not compile alike."""
    args = script_args(target, trace_path, "check")
    run = None
    try:
        from dynotrace import api
        from dynotrace.compare.policy import default_fail_on, parse_fail_on
        from dynotrace.config import load_settings

        settings = load_settings().overridden_by(
            baseline=baseline,
            fail_on=parse_fail_on(fail_on) if fail_on is not None else None,
            max_graph_breaks=max_graph_breaks,
            max_recompiles=max_recompiles,
            no_recompile_limit=no_recompile_limit,
            backend=backend,
        )
        limit_hits = 0 if settings.no_recompile_limit else None
        budgets_given = any(v is not None for v in (settings.max_graph_breaks, settings.max_recompiles, limit_hits))
        distributed = api.distributed_target(trace_path)
        # A distributed job also fails, by default, when its ranks did not compile alike.
        policy = settings.fail_on if settings.fail_on is not None else default_fail_on(distributed)
        if update_baseline and not settings.baseline:
            fail("--update-baseline needs a baseline file: --baseline FILE, or baseline in [tool.dynotrace]")
        if not settings.baseline and not budgets_given and not (distributed and "divergence" in policy):
            fail(
                "nothing to check against: give --baseline FILE or a budget (--max-graph-breaks N, "
                "--max-recompiles N, --no-recompile-limit), here or in [tool.dynotrace] of pyproject.toml"
            )
        previous = api.read_baseline(settings.baseline, required=not update_baseline)
        shown = (["--trace", trace_path] if trace_path is not None else []) + (["-m"] if as_module else []) + args
        command = command_line("check", shown)
        run = api.run(
            args,
            trace=trace_path,
            module=as_module,
            backend=settings.backend,
            command=command,
            output=output,
            rank_timeout=rank_timeout,
        )
        if run.gathered_elsewhere:
            # Only rank 0 checks; the others keep their findings if rank 0 does not.
            run.keep_own_findings(output=output, fmt=None, quiet=quiet, width=width, color=color)
            sys.exit(run.exit_code)
        assert run.job is not None
        if output:
            run.save(output)
        run.done(written=True, output=output)
        if run.exit_code != 0:
            fail(api.script_failed(run.exit_code, run.interrupted, command, run.job), run.exit_code)
        outcome = api.check(
            run.job,
            previous,
            fail_on=policy,
            max_graph_breaks=settings.max_graph_breaks,
            max_recompiles=settings.max_recompiles,
            max_recompile_limit_hits=limit_hits,
            update_baseline=update_baseline,
            command=command,
            baseline_path=settings.baseline,
        )
        if update_baseline and settings.baseline:
            api.save(outcome.job, settings.baseline)
        warning = api.publish(outcome, sarif=sarif, quiet=quiet, width=width, color=color)
        if warning:
            click.echo(f"dynotrace: warning: {warning}", err=True)
    except DynotraceError as exc:
        if run is not None:
            run.done(written=False, output=output)
        fail(str(exc), exc.exit_code)
    sys.exit(EXIT_OK if outcome.passed else EXIT_REGRESSION)


__all__ = ["check"]
