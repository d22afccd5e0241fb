"""`vecaudit report`: render the report of a finished run again, in any format, or list runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..models import Severity
from ._options import Formats, ReportOutput, StateDir, format_from_output

HELP = (
    "Write the report of a finished scan from its run database, without scanning again: another "
    "format, another file, or another --fail-on threshold. Without RUN_ID, list the runs in the state "
    "folder. Instead of a run id, a JSON report file (SCAN.json) may be given.\n\n"
    "The human-readable report (--format html, markdown or pdf) is the full report: an executive "
    "summary with charts, methodology, the trend against earlier scans from the scan history "
    "(--history) and the measured effect of mitigations (--whatif FILE from `vecaudit whatif`).\n\n"
    "Exit codes are those of `vecaudit scan`: 0 no violation at or above --fail-on, 1 "
    "violations, 2 error, unfinished run, or data left unanalyzed (without --allow-partial)."
)

EPILOG = (
    "[bold]Examples[/]\n\n"
    "[cyan]vecaudit report[/]  list runs\n\n"
    "[cyan]vecaudit report 20261122-101500-a1b2c3 -f html -o audit[/]  write audit.html\n\n"
    "[cyan]vecaudit report 20261122-101500-a1b2c3 --fail-on medium[/]  judge the same findings stricter\n\n"
    "[cyan]vecaudit report scan.json -f pdf -o audit.pdf --whatif whatif.json[/]  as PDF, with mitigations"
)


def report(
    run_id: Annotated[
        str | None,
        typer.Argument(
            metavar="RUN_ID|SCAN.json", help="Run (or JSON report) to report on.", show_default=False
        ),
    ] = None,
    fmt: Formats = None,
    output: ReportOutput = None,
    fail_on: Annotated[
        Severity | None,
        typer.Option(
            "--fail-on",
            metavar="SEVERITY",
            help="Judge at this severity instead of the run's.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    state_dir: StateDir = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", metavar="", help="No summary.")] = False,
    history_db: Annotated[
        Path | None,
        typer.Option(
            "--history",
            metavar="DB",
            help="Scan history for the report's trend (default: the per-user history).",
            show_default=False,
        ),
    ] = None,
    allow_partial: Annotated[
        bool | None,
        typer.Option(
            "--allow-partial/--no-allow-partial",
            help="Judge the run as if it was (not) started with --allow-partial.",
            show_default=False,
        ),
    ] = None,
    whatif: Annotated[
        Path | None,
        typer.Option(
            "--whatif",
            metavar="FILE",
            help="A `vecaudit whatif --output` result: the report shows each mitigation's effect.",
            show_default=False,
        ),
    ] = None,
) -> None:
    if run_id is None:
        _list_runs(state_dir)
        raise typer.Exit(0)
    formats = list(dict.fromkeys(fmt or format_from_output(output)))
    if len(formats) > 1 and output is None:
        raise typer.BadParameter("several --format values need --output STEM", param_hint="--format")
    from ..history import load_history
    from ..report import ReportContext, write_reports
    from ..report.scanfile import load_scan_report, looks_like_file
    from ..runner import open_finished_report
    from ..verdict import exit_code
    from ..whatif import load_whatif
    from ._summary import incomplete_message, print_summary

    if looks_like_file(run_id):
        rep = load_scan_report(Path(run_id))
        if fail_on is not None and fail_on != rep.fail_on:
            from ..report.view import compute_summary

            rep = rep.model_copy(update={"fail_on": fail_on})
            rep = rep.model_copy(update={"summary": compute_summary(rep)})
        if allow_partial is not None:
            rep = rep.model_copy(update={"allow_partial": allow_partial})
    else:
        rep = open_finished_report(run_id, state_dir=state_dir, fail_on=fail_on, allow_partial=allow_partial)
    context = ReportContext(
        history=load_history(history_db, target=rep.target),
        whatif=load_whatif(whatif) if whatif is not None else None,
    )
    written = write_reports(rep, formats, output, context=context) if formats else []
    if not quiet:
        print_summary(rep, sys.stderr if formats and output is None else sys.stdout, written=written)
    code = exit_code(rep)
    if code == 2:
        from ._console import error

        error(incomplete_message(rep))
    raise typer.Exit(code)


def _list_runs(state_dir: Path | None) -> None:
    from ..config import default_state_dir
    from ..rundb import RunDB, list_runs

    folder = state_dir or default_state_dir()
    paths = list_runs(folder)
    if not paths:
        typer.echo(f"no runs in {folder}")
        return
    for path in paths:
        try:
            db = RunDB.open(folder, path.stem)
        except Exception:  # not ours or damaged: say so and go on
            typer.echo(f"{path.stem}  (unreadable)")
            continue
        try:
            cfg = db.config
            typer.echo(f"{path.stem}  {db.status:<11}  {db.get_meta('started_at') or '':<20}  {cfg.target}")
        finally:
            db.close()


def register(app: typer.Typer) -> None:
    app.command(help=HELP, epilog=EPILOG, short_help="Re-render the report of a finished run, or list runs.")(
        report
    )
