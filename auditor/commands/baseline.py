"""`vecaudit baseline create`: accept the findings of a scan, with a justification and an expiry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

HELP = (
    "Manage baselines: accepted findings that `vecaudit scan --baseline FILE` no longer fails on. "
    "Each entry holds a keyed fingerprint (no PII), a justification and an expiry date; an expired "
    "entry stops suppressing its finding."
)

CREATE_HELP = (
    "Write a baseline accepting every finding of SCAN (a JSON report from `vecaudit scan -f json`). "
    "Commit the file next to your CI configuration."
)

EPILOG = (
    "[bold]Example[/]\n\n"
    "[cyan]vecaudit baseline create scan.json --justification 'legacy tickets, purge scheduled' "
    "--expires 2027-03-31 -o .vecaudit-baseline.json[/]"
)

baseline_app = typer.Typer(help=HELP, no_args_is_help=True)


@baseline_app.command("create", help=CREATE_HELP, epilog=EPILOG)
def create(
    scan_json: Annotated[Path, typer.Argument(metavar="SCAN", help="JSON report of a finished scan.")],
    justification: Annotated[
        str,
        typer.Option("--justification", "-j", metavar="TEXT", help="Why these findings are accepted."),
    ],
    expires: Annotated[
        str, typer.Option("--expires", metavar="YYYY-MM-DD", help="When the acceptance ends.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="Baseline file to write.")
    ] = Path(".vecaudit-baseline.json"),
) -> None:
    from ..baseline import BaselineError, create_baseline, write_baseline
    from ..report.scanfile import load_scan_report

    try:
        until = dt.date.fromisoformat(expires)
    except ValueError:
        raise BaselineError(f"--expires {expires!r} is not a date (YYYY-MM-DD)") from None
    report = load_scan_report(scan_json)
    baseline = create_baseline(report, justification=justification, expires=until)
    write_baseline(baseline, output)
    typer.echo(f"baseline: {len(baseline.entries)} entr(ies) until {until.isoformat()} written to {output}")


def register(app: typer.Typer) -> None:
    app.add_typer(baseline_app, name="baseline", short_help="Accept known findings (baselines for CI).")
