"""`vecaudit demo`: build a small store of synthetic PII-bearing records and scan it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..demo import DEFAULT_DIR, DEFAULT_POINTS
from ._options import StateDir

HELP = (
    "Build a local Qdrant store of synthetic support tickets and HR notes, about half of them with made-up "
    "names, e-mail addresses, phone numbers, SSNs and card numbers, embedded with all-MiniLM-L6-v2; then "
    "scan it with the default policy.\n\n"
    "The store goes to ./vecaudit-demo unless --dir says otherwise; a folder the demo did not create "
    "is never overwritten. Afterwards try your own options on it, e.g. "
    "[cyan]vecaudit scan ./vecaudit-demo -f html -o demo-report[/]."
)


def demo(
    directory: Annotated[
        Path, typer.Option("--dir", metavar="DIR", help="Folder for the demo store (rebuilt on each run).")
    ] = DEFAULT_DIR,
    points: Annotated[
        int, typer.Option("--points", metavar="N", min=1, max=20000, help="Number of synthetic records.")
    ] = DEFAULT_POINTS,
    no_tui: Annotated[
        bool, typer.Option("--no-tui", metavar="", help="Print the summary instead of opening the TUI.")
    ] = False,
    state_dir: StateDir = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", metavar="", help="Errors only.")] = False,
) -> None:
    from ..config import ScanConfig
    from ..demo import build_demo_store
    from ..runner import new_scan
    from ._execute import execute_run

    if not quiet:
        typer.echo(f"vecaudit demo: building {points} synthetic records in {directory} ...", err=True)
    store = build_demo_store(directory, points=points)
    if not quiet:
        parts = ", ".join(f"{name} ({n})" for name, n in store.collections.items())
        typer.echo(
            f"vecaudit demo: store {store.folder}: {parts}; {store.with_pii} records carry synthetic PII",
            err=True,
        )
    # The learned loop alone keeps the demo to minutes on a laptop; the next steps below show the
    # standard attack, which costs seconds per vector.
    run = new_scan(ScanConfig.build(target=str(store.folder), attack="loop"), state_dir=state_dir)
    execute_run(run, quiet=quiet)
    if not no_tui and sys.stdout.isatty() and open_tui(run.run_id, state_dir):
        raise typer.Exit(0)
    if not quiet:
        typer.echo(
            "\nNext: open the findings as a report with\n"
            f"  vecaudit report {run.run_id} -f html -o demo-report\n"
            "or scan the store yourself: the demo ran the learned inverter alone (--attack loop);\n"
            "the default attack searches with the real encoder (a few seconds per vector), e.g.\n"
            f"  vecaudit scan {store.folder} --sample 20 --attack standard --fail-on medium"
        )
    # The demo succeeded; its findings are the point of it (`vecaudit scan` would exit 1 here).
    raise typer.Exit(0)


def open_tui(run_id: str, state_dir: Path | None) -> bool:
    """Show the finished run in the TUI; False when the TUI cannot be imported (the summary stands)."""
    try:
        from vecaudit.tui.app import show_run
    except ImportError:
        return False
    show_run(run_id, state_dir=state_dir)
    return True


def register(app: typer.Typer) -> None:
    app.command(help=HELP, short_help="Build a store with synthetic PII and scan it.")(demo)
