"""Option handling shared by subcommands."""

from __future__ import annotations

from pathlib import Path


def format_from_output(output: Path | None) -> tuple[str, ...]:
    """`--output audit.sarif` without --format: the format its extension names, else JSON."""
    if output is None:
        return ()
    from ..report import available_formats, get_format

    for name in available_formats():
        if output.name.endswith(get_format(name).extension):
            return (name,)
    return ("json",)
