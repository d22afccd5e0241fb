"""`vecaudit plugins`: every extension point and what is installed for it, built-ins included."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

HELP = (
    "List every extension point (stores, encoders, recognizers, report formats, search strategies) "
    "and each plugin installed for it: name, import target, distribution and version, built-in or "
    "third party, and whether it imports (ok / broken: reason). Every plugin is imported to check it.\n\n"
    "Failure rule: a plugin you name (a --format, an --encoder, a target's scheme) that is missing "
    "or broken is an error (exit 2); a broken plugin met while loading a whole group (listing "
    "formats or encoders, building the recognizers, offering a target to store plugins) is "
    "skipped with a warning naming it, and a skipped recognizer is noted in the scan report. "
    "A built-in name cannot be taken over by a third-party plugin.\n\n"
    "Exits 0 even when some plugin is broken."
)


def plugin_rows() -> list[dict[str, Any]]:
    """One dict per extension point: group, noun, contract and its plugins with their status."""
    from vecaudit.plugins import EXTENSION_POINTS, check

    rows: list[dict[str, Any]] = []
    for point in EXTENSION_POINTS:
        plugins = [
            {
                "name": s.plugin.name,
                "target": s.plugin.target,
                "distribution": s.plugin.distribution,
                "builtin": s.plugin.builtin,
                "status": "ok" if s.error is None else "broken",
                "error": s.error,
            }
            for s in check(point)
        ]
        rows.append(
            {"group": point.group, "noun": point.noun, "contract": point.contract, "plugins": plugins}
        )
    return rows


def plugins(
    as_json: Annotated[
        bool, typer.Option("--json", metavar="", help="Print JSON instead of tables.")
    ] = False,
) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows = plugin_rows()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    console = Console(highlight=False)
    for i, point in enumerate(rows):
        if i:
            console.print()
        console.print(Text(f"{point['group']}", style="bold"), Text(f"  {point['contract']}", style="dim"))
        if not point["plugins"]:
            console.print("  (none installed)")
            continue
        table = Table(box=None, pad_edge=False, header_style="bold")
        table.add_column("name", no_wrap=True)
        table.add_column("target", overflow="fold")
        table.add_column("distribution", no_wrap=True)
        table.add_column("origin", no_wrap=True)
        table.add_column("status", overflow="fold")
        for p in point["plugins"]:
            # the row names the plugin already: the reason without the loader's "<noun> plugin ..." lead
            lead = f"{point['noun']} plugin {p['name']!r} ("
            error = p["error"] or ""
            if error.startswith(lead) and ") " in error:
                error = error.split(") ", 1)[1]
            status = "ok" if p["error"] is None else f"broken: {error}"
            origin = "built-in" if p["builtin"] else "third party"
            # plain Text: names and targets come from installed metadata, not rich markup
            table.add_row(*(Text(v) for v in (p["name"], p["target"], p["distribution"], origin, status)))
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command(help=HELP, short_help="List extension points and installed plugins.")(plugins)
