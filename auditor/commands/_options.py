"""Options shared by subcommands: each declared once, so name, help and type cannot drift apart.

Every shared option is a function returning its `typer.Option` (an optional `panel` puts it in a
rich help panel, as `vecaudit scan` does) plus an `Annotated` alias for commands without panels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

TARGET_HELP = "Qdrant URL, local-mode folder or edge:DIR."

# TARGET of the commands that can also resume or connect without one (scan, tui).
OptionalTarget = Annotated[str | None, typer.Argument(metavar="TARGET", help=TARGET_HELP, show_default=False)]


def collections_option(panel: str | None = None) -> Any:
    return typer.Option(
        "--collection",
        "-c",
        metavar="NAME",
        help="Collection to scan; repeat for several. Default: every collection.",
        rich_help_panel=panel,
        show_default=False,
    )


def sample_option(panel: str | None = None) -> Any:
    return typer.Option(
        "--sample",
        metavar="N",
        min=0,
        help="Scan a deterministic random sample of N points per collection; 0 scans every point.",
        rich_help_panel=panel,
    )


def policy_option(panel: str | None = None) -> Any:
    return typer.Option(
        "--policy",
        "-p",
        metavar="FILE|PRESET",
        help="Policy file (YAML) or preset: default, gdpr, hipaa, pci-dss.",
        rich_help_panel=panel,
    )


def formats_option(panel: str | None = None) -> Any:
    return typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="Report format: json, sarif, junit, markdown, html (the full report with charts), pdf, "
        "or an installed plugin's; repeat for several (needs --output).",
        rich_help_panel=panel,
        show_default=False,
    )


def report_output_option(panel: str | None = None) -> Any:
    return typer.Option(
        "--output",
        "-o",
        metavar="STEM",
        help="Write reports to STEM + the format's extension (one format: exactly this path; "
        "no --format: the one its extension names, else json). "
        "Without it, a single --format goes to stdout.",
        rich_help_panel=panel,
        show_default=False,
    )


def no_invert_option(panel: str | None = None) -> Any:
    return typer.Option(
        "--no-invert",
        metavar="",
        help="Do not invert vectors: payload, encoder identification and fingerprint checks only.",
        rich_help_panel=panel,
    )


def api_key_file_option(panel: str | None = None) -> Any:
    return typer.Option(
        "--api-key-file",
        metavar="FILE",
        help="File holding the Qdrant API key (default: the QDRANT_API_KEY variable).",
        rich_help_panel=panel,
        show_default=False,
    )


def state_dir_option(panel: str | None = None) -> Any:
    return typer.Option(
        "--state-dir",
        metavar="DIR",
        help="Where run databases live (default: $XDG_DATA_HOME/vecaudit/runs).",
        rich_help_panel=panel,
        show_default=False,
    )


Collections = Annotated[list[str] | None, collections_option()]
Sample = Annotated[int, sample_option()]
Policy = Annotated[str, policy_option()]
Formats = Annotated[list[str] | None, formats_option()]
ReportOutput = Annotated[Path | None, report_output_option()]
NoInvert = Annotated[bool, no_invert_option()]
ApiKeyFile = Annotated[Path | None, api_key_file_option()]
StateDir = Annotated[Path | None, state_dir_option()]


def format_from_output(output: Path | None) -> tuple[str, ...]:
    """`--output audit.sarif` without --format: the format its extension names, else JSON."""
    if output is None:
        return ()
    from ..report import format_for_path

    return (format_for_path(output) or "json",)
