"""``dynotrace check SCRIPT [ARGS]``: run a script like ``explain`` does and fail when it
compiles worse than a baseline report or over budget. Made for CI."""

from __future__ import annotations

import os
import shlex
import sys
from typing import TYPE_CHECKING

import click

from dynotrace.cli.diff import FAIL_ON_HELP
from dynotrace.errors import EXIT_OK, EXIT_REGRESSION, DynotraceError

# The models are plain dataclasses (``import dynotrace`` loads them anyway).
from dynotrace.model import Report
from dynotrace.ranks.model import JobReport

if TYPE_CHECKING:  # the command imports these when it runs, to keep `dynotrace --help` fast
    from dynotrace.ranks.check import JobCheckOutcome
    from dynotrace.ranks.launcher import RankEnv
    from dynotrace.ranks.offline import TraceLayout
    from dynotrace.reports.diff import Budgets, CheckOutcome

BACKEND_CHOICES = ("eager", "aot_eager", "inductor")


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
@click.argument("target", nargs=-1, type=click.UNPROCESSED, metavar="[SCRIPT [ARGS]...]")
@click.option("-m", "--module", "as_module", is_flag=True, help="Run a module like `python -m` (SCRIPT is a module name).")
@click.option(
    "--trace",
    "trace_path",
    metavar="PATH",
    help="Check a TORCH_TRACE file or directory (the logs of every rank of a job) instead of running a script.",
)
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
@click.option("--fail-on", "fail_on", metavar="LIST", help=FAIL_ON_HELP)
@click.option("--backend", type=click.Choice(BACKEND_CHOICES), help="Make the script's torch.compile calls use this backend (eager is fastest).")
@click.option("-o", "--output", metavar="FILE", help="Also save this run's report (YAML, or JSON for .json).")
@click.option("--sarif", metavar="FILE", help="Write this run's graph breaks and recompiles as SARIF 2.1.0 for code scanning.")
@click.option(
    "--rank-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Under torchrun: how long rank 0 waits for the other ranks' captures (default 120).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the verdict.")
@click.option("--width", type=click.IntRange(40, 400), help="Terminal width (default: the terminal's).")
@click.option("--color/--no-color", default=None, help="Force colour on or off (default: on a terminal, unless NO_COLOR).")
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
    from dynotrace.cli.main import fail

    args = list(target)
    if args and args[0] == "--":
        args = args[1:]
    if trace_path is not None and args:
        fail("give either a script or --trace, not both")
    if not args and trace_path is None:
        fail("no script given (try `dynotrace check --help`)")
    rank_run = None
    try:
        from dynotrace.config import load_settings
        from dynotrace.reports.diff import DEFAULT_FAIL_ON, Budgets, parse_fail_on

        settings = load_settings().overridden_by(
            baseline=baseline,
            fail_on=parse_fail_on(fail_on) if fail_on is not None else None,
            max_graph_breaks=max_graph_breaks,
            max_recompiles=max_recompiles,
            no_recompile_limit=no_recompile_limit,
            backend=backend,
        )
        budgets = Budgets(settings.max_graph_breaks, settings.max_recompiles, bool(settings.no_recompile_limit))
        env, layout = _distributed(trace_path)
        multi = env is not None or layout is not None
        # A distributed job also fails, by default, when its ranks did not compile alike.
        policy = settings.fail_on if settings.fail_on is not None else DEFAULT_FAIL_ON | ({"divergence"} if multi else set())
        if update_baseline and not settings.baseline:
            fail("--update-baseline needs a baseline file: --baseline FILE, or baseline in [tool.dynotrace]")
        if not settings.baseline and not budgets.any and not (multi and "divergence" in policy):
            fail(
                "nothing to check against: give --baseline FILE or a budget (--max-graph-breaks N, "
                "--max-recompiles N, --no-recompile-limit), here or in [tool.dynotrace] of pyproject.toml"
            )
        baseline_path = settings.baseline
        previous = _read_baseline(baseline_path, required=not update_baseline)

        shown = (["--trace", trace_path] if trace_path is not None else []) + (["-m"] if as_module else []) + args
        command = _command(shown)
        sections = None
        if trace_path is not None:
            from dynotrace.ranks.offline import read_trace_any

            subject, sections = read_trace_any(
                trace_path, command=command, section_format=_format(output)
            )
            exit_code, interrupted = 0, False
        elif env is not None:
            from dynotrace.cli.ranks import finish_other_rank, print_problem
            from dynotrace.ranks.live import DEFAULT_TIMEOUT_S, run_rank
            from dynotrace.reports.terminal import TerminalOptions

            wait = DEFAULT_TIMEOUT_S if rank_timeout is None else rank_timeout
            rank_run = run_rank(args, env=env, as_module=as_module, backend=settings.backend, command=command, output=output, timeout=wait)
            print_problem(rank_run)
            if rank_run.job is None:
                # Only rank 0 checks; the others keep their findings if rank 0 does not.
                finish_other_rank(
                    rank_run, output=output, fmt=None, quiet=quiet, timeout=wait, width=width, color=color, options=TerminalOptions()
                )
                sys.exit(rank_run.exit_code)
            subject = rank_run.job
            exit_code, interrupted = subject.run.exit_code or 0, subject.run.interrupted
        else:
            from dynotrace.capture.session import capture_target

            result = capture_target(args, as_module=as_module, backend=settings.backend, command=command)
            subject = result.report
            exit_code, interrupted = result.exit_code, result.interrupted
        if output:
            from dynotrace.cli.output import write_subject

            write_subject(subject, output, None, sections)
        if rank_run is not None:
            rank_run.finish(written=True, output=output)
        if exit_code != 0:
            _script_failed(exit_code, interrupted, command, subject)
            return
        outcome = _any_outcome(subject, previous, baseline_path, budgets, policy, update_baseline, command)
        _publish(outcome, subject, sarif, quiet, width, color)
    except DynotraceError as exc:
        if rank_run is not None:
            rank_run.finish(written=False, output=output)
        fail(str(exc), exc.exit_code)
        return
    sys.exit(EXIT_OK if outcome.passed else EXIT_REGRESSION)


def _distributed(trace_path: str | None) -> tuple[RankEnv | None, TraceLayout | None]:
    """This process's rank in a live job, or the rank logs of a ``--trace`` directory."""
    if trace_path is not None:
        from dynotrace.ranks.offline import classify

        return None, classify(trace_path)
    from dynotrace.ranks.launcher import rank_env

    return rank_env(), None


def _format(output: str | None) -> str | None:
    if not output:
        return None
    from dynotrace.reports.files import format_for

    return format_for(output)


def _any_outcome(
    subject: Report | JobReport,
    previous: Report | JobReport | None,
    baseline: str | None,
    budgets: Budgets,
    policy: frozenset[str],
    update_baseline: bool,
    command: str,
) -> CheckOutcome | JobCheckOutcome:
    if isinstance(subject, Report) and not isinstance(previous, JobReport):
        return _outcome(subject, previous, baseline, budgets, policy, update_baseline, command)
    from dynotrace.ranks.check import check_job
    from dynotrace.ranks.job import build_job

    if isinstance(subject, Report):
        # A single run checked against a job's baseline: a job of one rank.
        subject = build_job({0: subject}, {}, run=subject.run, world_size=1)
    outcome = check_job(
        subject, previous, baseline=baseline, budgets=budgets, policy=policy, update_baseline=update_baseline, command=command
    )
    if update_baseline and baseline:
        from dynotrace.cli.output import write_subject

        write_subject(subject, baseline, None)
    return outcome


def _read_baseline(path: str | None, *, required: bool) -> Report | JobReport | None:
    """The baseline report. Read before the script runs, so a
    missing or broken baseline fails at once (exit 2). When it is about to be rewritten
    (``--update-baseline``) it is only shown for what changed, so a broken one is ignored."""
    if path is None:
        return None
    from dynotrace.errors import InputError
    from dynotrace.ranks.files import load_any

    if not required and not os.path.isfile(path):
        # Being rewritten: only a regular file is worth showing. A FIFO or a device would
        # be read from (blocking on a FIFO until someone writes) only to be written to next.
        return None
    try:
        return load_any(path)
    except InputError as exc:
        if required:
            raise InputError(f"{exc} (record one with `dynotrace check SCRIPT --update-baseline`)") from None
        return None


def _outcome(
    report: Report,
    previous: Report | None,
    baseline: str | None,
    budgets: Budgets,
    policy: frozenset[str],
    update_baseline: bool,
    command: str,
) -> CheckOutcome:
    from dynotrace.reports.diff import CheckOutcome, Regression, check_budgets, diff_reports

    diff = None
    if previous is not None:
        diff = diff_reports(previous, report, policy)
    found: list[Regression] = [] if diff is None or update_baseline else list(diff.regressions)
    for r in check_budgets(report, budgets):
        # --no-recompile-limit and fail-on's "limit" report the same hit once.
        if all((r.category, r.function, r.message) != (s.category, s.function, s.message) for s in found):
            found.append(r)
    if update_baseline and baseline:
        from dynotrace.reports.files import write_report

        write_report(report, baseline)
    return CheckOutcome(
        command=command,
        summary=report.summary,
        budgets=budgets,
        regressions=tuple(found),
        diff=diff,
        baseline=_shown_path(baseline) if baseline else None,
        baseline_written=update_baseline,
    )


def _publish(
    outcome: CheckOutcome | JobCheckOutcome,
    subject: Report | JobReport,
    sarif: str | None,
    quiet: bool,
    width: int | None,
    color: bool | None,
) -> None:
    """Tell the person, the code scanner and GitHub what the check found."""
    from dynotrace.reports.diff import CheckOutcome
    from dynotrace.reports.github import append_step_summary, in_github_actions, write_annotations

    sys.stdout.flush()
    sys.stderr.flush()
    out = sys.__stdout__ or sys.stdout
    if quiet:
        n = len(outcome.regressions)
        click.echo("dynotrace check: passed" if outcome.passed else f"dynotrace check: {n} regression{'s' if n != 1 else ''}", file=out)
    elif isinstance(outcome, CheckOutcome):
        from dynotrace.reports.diff_render import render_check_terminal

        render_check_terminal(outcome, out, width=width, color=color)
    else:
        from dynotrace.ranks.diff_render import render_job_check_terminal

        render_job_check_terminal(outcome, out, width=width, color=color)
    if sarif:
        from dynotrace.reports.sarif import sarif_log, write_sarif

        if isinstance(outcome, CheckOutcome):
            assert isinstance(subject, Report)
            log = sarif_log(subject, diff=outcome.diff, regressions=outcome.regressions, exit_code=0)
        else:
            from dynotrace.ranks.check import representative

            log = sarif_log(representative(outcome.job), regressions=outcome.regressions, exit_code=0)
        write_sarif(log, sarif)
    if in_github_actions():
        write_annotations(outcome.regressions, out)
    if isinstance(outcome, CheckOutcome):
        from dynotrace.reports.diff_markdown import check_markdown

        warning = append_step_summary(check_markdown(outcome))
    else:
        from dynotrace.ranks.diff_render import job_check_markdown

        warning = append_step_summary(job_check_markdown(outcome))
    if warning:
        click.echo(f"dynotrace: warning: {warning}", err=True)


def _script_failed(exit_code: int, interrupted: bool, command: str, subject: Report | JobReport | None = None) -> None:
    """A script that fails is not a pass: say so once and exit with its own code."""
    from dynotrace.reports.github import append_step_summary, escape_data, in_github_actions

    how = "was interrupted" if interrupted and exit_code in (130, 143) else f"exited with code {exit_code}"
    where = ""
    if subject is not None and not isinstance(subject, Report):
        from dynotrace.ranks.model import format_ranks

        failed = [r for r, rep in subject.ranks.items() if rep.run.exit_code not in (None, 0)]
        if failed:
            where = f" on {format_ranks(failed)}"
            how = f"exited with code {exit_code}" if exit_code not in (130, 143) else how
    message = f"the script {how}{where}; nothing was compared (a failing run is not a pass)"
    click.echo(f"dynotrace: error: {message}", err=True)
    if in_github_actions():
        print(f"::error title=dynotrace check::{escape_data(message)}", file=sys.__stdout__ or sys.stdout, flush=True)
    append_step_summary(f"### dynotrace check `{command}`: :x: {message}\n")
    sys.exit(exit_code)


def _shown_path(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _command(args: list[str]) -> str:
    """The command as a user would type it, with this machine's paths left out."""
    cwd = os.getcwd() + os.sep
    return "dynotrace check " + shlex.join(a.removeprefix(cwd) for a in args)


__all__ = ["check"]
