"""`vecaudit train inverter`: reproduce the shipped inverter (tiny on CPU, real scale on a GPU)."""

from __future__ import annotations

import argparse

import typer

HELP = (
    "Train models vecaudit ships. `vecaudit train inverter --out DIR --export DIR` trains the "
    "hypothesizer/corrector for all-MiniLM-L6-v2 on synthetic PII-bearing text; add --tiny "
    "--max-steps 20 to prove the code path on a CPU in a minute. Run with --help after `inverter` "
    "for every option."
)

train_app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False)


@train_app.command(
    "inverter",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
    help="Train an inverter (all options: `vecaudit train inverter --help`).",
)
def inverter(ctx: typer.Context) -> None:
    from ..training import inverter_cli

    parser = argparse.ArgumentParser(prog="vecaudit train inverter")
    inverter_cli.add_arguments(parser)
    raise typer.Exit(inverter_cli.run(parser.parse_args(list(ctx.args))))


@train_app.command(
    "adapter",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
    help="Fit a translation adapter between encoder spaces (all options: `vecaudit train adapter --help`).",
)
def adapter(ctx: typer.Context) -> None:
    from ..training import adapter as train_adapter

    raise typer.Exit(train_adapter.main(list(ctx.args)))


def register(app: typer.Typer) -> None:
    app.add_typer(train_app, name="train", short_help="Train the models vecaudit ships.")
