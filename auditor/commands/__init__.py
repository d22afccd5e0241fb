"""Subcommands of `vecaudit`, one module each.

A module here that defines `register(app: typer.Typer) -> None` is picked up by `vecaudit.cli`;
adding a subcommand means adding a module. Keep imports at module level light (no torch, no
Presidio): every module is imported whenever `vecaudit` starts.
"""
