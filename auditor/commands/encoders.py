"""`vecaudit encoders`: the encoders vecaudit can identify (and `--encoder` accepts)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

HELP = (
    "List the encoders vecaudit knows: built-ins, plugins (entry point group vecaudit.encoders) and "
    "local folders listed in the file named by VECAUDIT_ENCODERS_FILE. Their ids are the values "
    "`vecaudit scan --encoder` accepts and the names reports use."
)


def encoders(
    as_json: Annotated[
        bool, typer.Option("--json", metavar="", help="Print JSON instead of a table.")
    ] = False,
) -> None:
    from rich.console import Console
    from rich.table import Table

    from ..encoders.registry import list_encoders, registration

    specs = list_encoders()
    if as_json:
        rows = [{**s.model_dump(mode="json"), "origin": registration(s.id).origin} for s in specs]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for col in ("id", "dim", "pooling", "license"):
        table.add_column(col, no_wrap=True)
    table.add_column("weights from", overflow="fold")
    for s in specs:
        origin = registration(s.id).origin
        table.add_row(s.id, str(s.dim), s.pooling, s.license, s.source if origin == "builtin" else origin)
    Console(highlight=False).print(table)


def register(app: typer.Typer) -> None:
    app.command(help=HELP, short_help="List the encoders vecaudit can identify.")(encoders)
