"""`vecaudit history`: list the scans kept in the local scan history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

HELP = (
    "List earlier scans from the scan history (a local SQLite file; default "
    "$XDG_DATA_HOME/vecaudit/history.sqlite, or $VECAUDIT_HISTORY). Every finished scan is recorded "
    "there; the history holds counts and keyed fingerprints only, never a PII value."
)

EPILOG = (
    "[bold]Examples[/]\n\n"
    "[cyan]vecaudit history[/]  every recorded scan, oldest first\n\n"
    "[cyan]vecaudit history --target http://qdrant:6333 --limit 5[/]  the last five scans of one target\n\n"
    "[cyan]vecaudit history --json[/]  the same as JSON lines"
)

_SEVS = ("critical", "high", "medium", "low", "info")
_SEV_HEADS = ("CRIT", "HIGH", "MED", "LOW", "INFO")


def history(
    db: Annotated[
        Path | None,
        typer.Option("--history", metavar="DB", help="History database to read.", show_default=False),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", metavar="TARGET", help="Only scans of this target.", show_default=False),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", metavar="N", min=1, help="Only the N most recent.", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", metavar="", help="One JSON object per line.")] = False,
) -> None:
    from ..history import default_history_path, load_history
    from ..stores.target import display_form

    # History keeps each target's credential-free display form; compare like with like, so a
    # target typed with credentials (or as edge://DIR) finds its scans.
    shown = display_form(target) if target is not None else None
    entries = load_history(db, target=shown, limit=limit)
    if as_json:
        for e in entries:
            typer.echo(json.dumps(e.model_dump(exclude={"finding_keys"}), sort_keys=True))
        return
    if not entries:
        typer.echo(f"no scans in {db or default_history_path()}")
        return
    header = (
        f"{'RUN':<24} {'DATE':<20} {'TARGET':<30} {'POLICY':<10} "
        + " ".join(f"{h:>4}" for h in _SEV_HEADS)
        + "  COMPLETE"
    )
    typer.echo(header)
    for e in entries:
        counts = " ".join(f"{e.by_severity.get(s, 0):>4}" for s in _SEVS)
        typer.echo(
            f"{e.run_id:<24} {e.started_at[:19]:<20} {e.target[:30]:<30} {e.policy[:10]:<10} {counts}  "
            f"{'yes' if e.complete else 'no'}"
        )


def register(app: typer.Typer) -> None:
    app.command(help=HELP, epilog=EPILOG, short_help="List earlier scans from the scan history.")(history)
