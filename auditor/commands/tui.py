"""`vecaudit tui [TARGET]`: the terminal UI. Textual is imported only when the command runs."""

from __future__ import annotations

from typing import Annotated

import typer

from ._options import ApiKeyFile, Collections, NoInvert, OptionalTarget, Policy, Sample, StateDir

HELP = (
    "Audit a store interactively: collections with their encoder and risk score, live scan progress, "
    "findings you can filter, sort and export, and the policy that judged them.\n\n"
    "With TARGET the scan starts at once; without it a connect screen asks for the target, the API key "
    "(from QDRANT_API_KEY, a key file, or typed into a masked field and kept in memory only), the "
    "policy and every other setting of vecaudit scan (attack, device, sample, fail-on...); n opens "
    "it again for a new scan. Evidence is always masked; with --reveal the values can be shown one "
    "at a time, after a confirmation. F1 shows the keys, Ctrl+P the command palette."
)


def tui(
    target: OptionalTarget = None,
    policy: Policy = "default",
    reveal: Annotated[
        bool,
        typer.Option(
            "--reveal",
            metavar="",
            help="Authorized auditors only: keep values in the run database and allow showing them "
            "(asks first).",
        ),
    ] = False,
    collection: Collections = None,
    sample: Sample = 0,
    no_invert: NoInvert = False,
    api_key_file: ApiKeyFile = None,
    state_dir: StateDir = None,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            metavar="RUN_ID",
            help="Open a stored run: resume it, or show a finished one.",
            show_default=False,
        ),
    ] = None,
) -> None:
    from vecaudit.tui.app import run_tui
    from vecaudit.tui.scan_driver import ScanRequest

    if resume is not None and target is not None:
        from ..config import ConfigError

        raise ConfigError("give either TARGET or --resume RUN_ID, not both")
    # ScanConfig field values, validated by ScanConfig.build as `vecaudit scan` does; without a
    # target they only pre-fill the connect screen.
    settings: dict[str, object] = {
        "collections": tuple(collection or ()),
        "sample": sample,
        "policy": policy,
        "invert": not no_invert,
        "reveal": reveal,
        "api_key_file": api_key_file,
    }
    if resume is not None:
        request = ScanRequest(resume_run_id=resume, state_dir=state_dir, api_key_file=api_key_file)
    elif target is not None:
        request = ScanRequest.new(target, state_dir=state_dir, **settings)
    else:
        request = ScanRequest(state_dir=state_dir, draft=settings)
    code = run_tui(request, reveal=reveal)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command(help=HELP, short_help="Interactive terminal UI: scan, browse and export findings.")(tui)
