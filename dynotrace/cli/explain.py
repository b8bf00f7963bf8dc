"""``dynotrace explain``: run a script (or read a TORCH_TRACE log) and explain it."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from dynotrace.cli.common import F, backend_option, command_line, fail, rank_timeout_option, script_args, target_options
from dynotrace.cli.common import perfetto_option, terminal_options
from dynotrace.errors import DynotraceError

if TYPE_CHECKING:
    from dynotrace.api import Run
    from dynotrace.model.trials import Trials


#: The options that go with ``--try-fixes`` only: name, the keyword of ``api.try_fixes`` it
#: sets, type, metavar, and what it does.
_TRIAL_OPTIONS: tuple[tuple[str, str, click.ParamType | None, str, str], ...] = (
    (
        "--max-trials",
        "max_trials",
        click.IntRange(min=1),
        "N",
        "at most N reruns besides the one with no change (default 8).",
    ),
    (
        "--trial-timeout",
        "trial_timeout",
        click.FloatRange(min=1),
        "SECONDS",
        "stop a rerun that takes longer (default: 5 times the rerun with no change, at least 120 s); it is "
        "reported, never fatal.",
    ),
    (
        "--trials-time",
        "time_limit",
        click.FloatRange(min=1),
        "SECONDS",
        "start no rerun that would end after this many seconds of trials in all.",
    ),
    (
        "--trials-dir",
        "trials_dir",
        None,
        "DIR",
        "keep each rerun's output log and report here (default: a new temporary directory).",
    ),
)


def _trial_options(f: F) -> F:
    """``--try-fixes``, then the options that go with it only (their help says so), each
    passed to the command under its keyword of ``api.try_fixes``."""
    for name, keyword, kind, metavar, what in reversed(_TRIAL_OPTIONS):
        f = click.option(name, keyword, type=kind, metavar=metavar, help=f"With --try-fixes: {what}")(f)
    return click.option(  # type: ignore[no-any-return]
        "--try-fixes",
        is_flag=True,
        help="After the report, rerun the script once per candidate fix (and once with no change, and once with "
        "every fix that helped), each in a fresh process with the same arguments and a cold compile cache, and "
        "show what each changed. This RUNS YOUR SCRIPT AGAIN, several times: whatever it does (writing files, "
        "...), it does each time. Its output goes to a log file, not the terminal. Single-process scripts only.",
    )(f)


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": True},
    epilog="""\b
Examples:
  dynotrace explain train.py --epochs 1
  dynotrace explain train.py --epochs 1 -o report.yaml
  dynotrace explain train.py -o report.html         one page: the report, graphs, compile time
  dynotrace explain train.py --perfetto trace.json  the compile timeline for ui.perfetto.dev
  dynotrace explain -m mypkg.train -o report.json
  dynotrace explain --backend eager train.py        fast: skip inductor codegen
  dynotrace explain --trace /tmp/trace_dir          a TORCH_TRACE log, offline
  dynotrace explain train.py -- -o out.bin          after --, every argument is the script's

\b
Verified fixes (--try-fixes reruns your script: whatever it does, it does again):
  dynotrace explain train.py --try-fixes            report, then try each applicable fix
  dynotrace explain train.py --try-fixes -o r.yaml  the trials are saved in the report too
  dynotrace explain train.py --try-fixes --max-trials 3 --trial-timeout 300

\b
Distributed jobs:
  torchrun --nproc-per-node 4 -m dynotrace explain train.py -o report.yaml
  dynotrace explain --trace /shared/trace_dir       logs of every rank, read rank by rank
  dynotrace explain --trace /shared/trace_dir --rank 3

The script runs as `python SCRIPT ARGS` would run it (sys.argv, sys.path[0], __main__).
Arguments dynotrace does not know go to the script; write them after `--` when they
clash with dynotrace's own options. Under torchrun (or any launcher that sets RANK and
WORLD_SIZE) each rank captures itself and rank 0 prints one report for the job and
writes one -o file holding every rank's report; the divergence between ranks comes
first.""",
)
@target_options
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Save the report: YAML, or JSON when FILE ends in .json, or one self-contained HTML page "
    "(with the compiled graphs and code) when it ends in .html; `-` for stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json", "html"]),
    help="Report format for -o, when its extension does not say.",
)
@perfetto_option
@backend_option
@click.option("--strict", is_flag=True, help="With --trace: fail on malformed lines, bad checksums and unknown events.")
@click.option("-q", "--quiet", is_flag=True, help="Print no terminal report (use with -o).")
@click.option(
    "--only",
    type=click.Choice(["breaks", "recompiles", "shapes", "guards"]),
    multiple=True,
    help="Show only these sections (repeatable).",
)
@click.option("--function", "function_name", metavar="NAME", help="Show only functions whose name (or Class.method) contains NAME.")
@click.option("--guards", "list_guards", is_flag=True, help="List every guard of every compile, with the user line that made it.")
@click.option(
    "--full",
    is_flag=True,
    help="Explain every recompile in full; by default a cause already explained at an earlier "
    "compile of the function gets one line.",
)
@click.option("--no-timing", is_flag=True, help="Leave compile times out of the terminal report, so two runs print the same.")
@click.option(
    "--rank",
    "show_rank",
    type=click.IntRange(min=0),
    metavar="N",
    help="For a distributed job: show rank N's report (default: one report per group of ranks that compiled the same way).",
)
@rank_timeout_option
@_trial_options
@terminal_options
def explain(
    target: tuple[str, ...],
    as_module: bool,
    trace_path: str | None,
    output: str | None,
    fmt: str | None,
    perfetto: str | None,
    backend: str | None,
    strict: bool,
    quiet: bool,
    only: tuple[str, ...],
    function_name: str | None,
    list_guards: bool,
    full: bool,
    no_timing: bool,
    show_rank: int | None,
    rank_timeout: float | None,
    try_fixes: bool,
    width: int | None,
    color: bool | None,
    **budget: Any,
) -> None:
    """Run SCRIPT under torch.compile and explain its graph breaks, guards, dynamic shapes
    and recompiles.

    Prints a report per compiled function; -o saves a versioned YAML/JSON report that
    `dynotrace diff` and CI can compare. Exits with the script's own exit code.
    """
    args = script_args(target, trace_path, "explain")
    if trace_path is None and strict:
        fail("--strict applies to --trace only")
    if trace_path is not None and try_fixes:
        fail("--try-fixes reruns a script: give the script, not --trace")
    if not try_fixes and any(budget.values()):
        fail("--max-trials, --trial-timeout, --trials-time and --trials-dir apply to --try-fixes only")
    from dynotrace import api

    if try_fixes and api.distributed_target(None):
        click.echo(
            "dynotrace: warning: --try-fixes runs trials for single-process scripts only; under torchrun no fix is tried",
            err=True,
        )
        try_fixes = False

    html = output is not None and api.output_format(output, fmt) == "html"
    shown = ["--trace", trace_path] if trace_path is not None else (["-m"] if as_module else []) + args
    terminal = {
        "width": width,
        "color": color,
        "only": only,
        "function": function_name,
        "guards": list_guards,
        "timing": not no_timing,
        "full": full,
    }
    with api.sigterm_as_exit():
        try:
            run = api.run(
                args,
                trace=trace_path,
                module=as_module,
                backend=backend,
                strict=strict,
                command=command_line("explain", shown),
                output=output,
                fmt=fmt,
                rank_timeout=rank_timeout,
                # A job read from logs: the file and the terminal need every rank's summary,
                # the report of the lowest rank of each way of compiling, and --rank's; an
                # HTML page shows every rank's compiles.
                keep_ranks=None if html else () if show_rank is None else (show_rank,),
                artifacts=html,
            )
            if run.gathered_elsewhere:
                run.keep_own_findings(output=output, fmt=fmt, quiet=quiet, **terminal)
                sys.exit(run.exit_code)
            assert run.job is not None
            if show_rank is not None and not run.job.distributed:
                click.echo("dynotrace: warning: --rank applies to a distributed job's report; this is one process's", err=True)
            if try_fixes and run.interrupted:
                click.echo("dynotrace: the run was interrupted: no fix was tried", err=True)
            if try_fixes and not run.job.distributed and not run.interrupted:
                rerun = functools.partial(
                    api.try_fixes, args, module=as_module, backend=backend, progress=not quiet, **budget
                )
                sys.exit(_explain_and_try_fixes(run, rerun, output=output, fmt=fmt, quiet=quiet, terminal=terminal))
            written = False
            try:
                if output:
                    # The file is what the other ranks of a live job wait for: they are told
                    # as soon as it is out, before it is printed.
                    run.save(output, fmt)
                if perfetto:
                    api.render(run.job, "perfetto", perfetto)
                if not quiet and not (output and api.writes_to_stdout(output)):
                    options = dict(terminal, rank=show_rank) if run.job.distributed else terminal
                    api.render(run.job, "terminal", sys.__stdout__, **options)
                written = True
            finally:
                run.done(written=written, output=output)
        except DynotraceError as exc:
            fail(str(exc), exc.exit_code)
    sys.exit(run.exit_code)


def _explain_and_try_fixes(
    run: Run,
    rerun: Callable[..., Trials],
    *,
    output: str | None,
    fmt: str | None,
    quiet: bool,
    terminal: dict[str, Any],
) -> int:
    """``--try-fixes``: the report, then the trials (``rerun``, ``api.try_fixes`` given all
    but the report; a line per rerun on stderr), then the "Verified fixes" panel; ``-o`` is
    written once, with the trials, whatever stopped them. Returns the exit code: the
    script's, or 130/143 when Ctrl-C/SIGTERM stopped the trials."""
    from dynotrace import api

    assert run.job is not None
    shown = not quiet and not (output and api.writes_to_stdout(output))
    if shown:
        api.render(run.job, "terminal", sys.__stdout__, **terminal)
    trials = rerun(report=run.job.report)
    run.add_trials(trials)
    if output:
        run.save(output, fmt)
    if shown:
        api.render_trials(
            trials,
            sys.__stdout__,
            width=terminal["width"],
            color=terminal["color"],
            timing=bool(terminal["timing"]),
        )
    return api.trials_exit_code(trials, run.exit_code)


__all__ = ["explain"]
