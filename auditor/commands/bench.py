"""`vecaudit bench inversion`: measure what the shipped inverter recovers on held-out styles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

bench_app = typer.Typer(help="Measure vecaudit's models.", no_args_is_help=True, add_completion=False)


def _ints(value: str) -> list[int]:
    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"expected comma-separated integers, got {value!r}") from exc


@bench_app.command("inversion")
def inversion(
    encoder: Annotated[str, typer.Option(help="Encoder whose inverter to measure.")] = "all-MiniLM-L6-v2",
    n: Annotated[int, typer.Option(help="Held-out texts to invert.")] = 100,
    steps: Annotated[str, typer.Option(help="Correction steps to report, comma-separated.")] = "0,1,5,20",
    beams: Annotated[str, typer.Option(help="Sequence beam widths, comma-separated.")] = "1,4",
    split: Annotated[str, typer.Option(help="heldout (styles never trained on) or train.")] = "heldout",
    device: Annotated[str, typer.Option(help="cpu or cuda.")] = "cpu",
    detect: Annotated[
        bool, typer.Option(help="Also measure Presidio's recall on the recovered text.")
    ] = True,
    seed: Annotated[int, typer.Option(help="Seed of the evaluation texts.")] = 4242,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write all numbers as JSON.")] = None,
) -> None:
    """Invert synthetic texts of held-out styles; print BLEU, token F1, exact match, cosine, verbatim
    PII recovery per entity type and detection recall, for each steps x beam setting."""
    import numpy as np

    from ..encoders.registry import get_encoder
    from ..errors import InverterError
    from ..inversion import load_inverter
    from ..inversion.evaluate import format_table, run_eval

    if split not in ("heldout", "train"):
        raise typer.BadParameter("split must be heldout or train")
    from ..inversion import Inverter

    inv = load_inverter(encoder, device=device)
    if inv is None:
        from ..model_files import searched

        raise InverterError(f"no inverter ships for encoder {encoder} ({searched()})")
    if not isinstance(inv, Inverter):
        raise InverterError(
            f"{encoder} is inverted through a translation adapter; its measured quality is in the "
            "adapter's model card (`vecaudit train adapter` re-measures it)"
        )
    enc = get_encoder(encoder, device=device)
    detector = None
    if detect:
        from ..detect.engine import PiiDetector

        detector = PiiDetector()
    rows = run_eval(
        inv,
        lambda texts: np.asarray(enc.embed(texts)),
        n=n,
        split=split,  # type: ignore[arg-type]
        seed=seed,
        steps=_ints(steps),
        beams=_ints(beams),
        detector=detector,
    )
    typer.echo(f"inverter for {encoder}: {n} {split} texts, device {device}")
    typer.echo(format_table(rows))
    for beam in sorted({r.beam for r in rows}):
        sec = next(r.seconds for r in rows if r.beam == beam)
        typer.echo(f"beam {beam}: {sec:.1f}s for {n} vectors ({n / sec:.2f} vectors/s)")
    if output:
        data = [{"steps": r.steps, "beam": r.beam, "seconds": r.seconds, **r.metrics} for r in rows]
        output.write_text(json.dumps(data, indent=2))


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench", short_help="Measure vecaudit's models.")
