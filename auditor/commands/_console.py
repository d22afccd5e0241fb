"""How every vecaudit error line looks on stderr, shared by the CLI entry point and the commands."""

from __future__ import annotations

import typer

from ..terminal_text import printable


def error(message: str) -> None:
    """One line on stderr, the way every vecaudit error looks (control characters escaped)."""
    typer.echo(f"vecaudit: error: {printable(message, keep_newlines=True)}", err=True)
