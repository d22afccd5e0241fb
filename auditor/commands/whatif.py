"""`vecaudit whatif`: measure how mitigations trade leakage against retrieval utility on a sample."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..models import WhatIfResult
from ..whatif import DEFAULT_K, DEFAULT_SAMPLE, DEFAULT_UTILITY_SAMPLE
from ._options import TARGET_HELP, ApiKeyFile

HELP = (
    "Take a sample of a collection and measure, for each mitigation (Gaussian noise at several levels, "
    "int8 and binary quantization, truncation to 256 and 128 dims), how much personal data our inverter "
    "still recovers verbatim from the mitigated vectors (ground truth: Presidio on the payload text) and "
    "how well nearest-neighbour search still works (recall@k against the unmodified vectors).\n\n"
    f"Every mitigation inverts the whole sample again; on CPU that is about 0.2-2 s per vector, so "
    f"the default sample is small ({DEFAULT_SAMPLE}). The store is only read. Output holds counts and "
    "shares only, never a PII value; --output writes JSON that `vecaudit report --whatif` shows."
)

EPILOG = (
    "[bold]Examples[/]\n\n"
    "[cyan]vecaudit whatif ./qdrant-data --collection tickets[/]  table and chart on the terminal\n\n"
    "[cyan]vecaudit whatif http://qdrant:6333 -c tickets --sample 64 -o whatif.json[/]  for the report"
)


def _bar(share: float, width: int = 10) -> str:
    full = max(0, min(width, round(share * width)))
    return "█" * full + "·" * (width - full)


def print_result(res: WhatIfResult) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    title = (
        f"What-if on {res.collection} ({res.sample_size} vectors inverted, {res.utility_sample_size} "
        f"searched; encoder {res.encoder}); "
        f"leakage: PII recovered verbatim, utility: recall@{res.k}"
    )
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Mitigation", no_wrap=True)
    table.add_column("Leakage", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("Cos", justify="right", no_wrap=True)
    table.add_column(f"R@{res.k}", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    for r in res.results:
        table.add_row(
            r.label,
            f"{100 * r.leakage:.0f}% {r.entities_recovered}/{r.entities_total}",
            f"[red]{_bar(r.leakage)}[/]",
            f"{r.mean_cosine:.2f}",
            f"{100 * r.recall_at_k:.0f}%",
            f"[green]{_bar(r.recall_at_k)}[/]",
        )
    console.print(table)
    console.print(
        f"Leakage: share of true PII values recovered verbatim; Cos: recovered text vs original vector; "
        f"R@{res.k}: recall@{res.k} of search on the mitigated vectors."
    )
    if res.note:
        console.print(res.note)


def whatif(
    target: Annotated[str, typer.Argument(metavar="TARGET", help=TARGET_HELP)],
    collection: Annotated[
        str, typer.Option("--collection", "-c", metavar="NAME", help="Collection to measure.")
    ],
    sample: Annotated[
        int,
        typer.Option(
            "--sample", metavar="N", min=2, help="Vectors to sample (each is inverted per mitigation)."
        ),
    ] = DEFAULT_SAMPLE,
    utility_sample: Annotated[
        int,
        typer.Option(
            "--utility-sample",
            metavar="N",
            min=2,
            help="Vectors for the recall@k measurement (cheap: nothing is inverted).",
        ),
    ] = DEFAULT_UTILITY_SAMPLE,
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", help="Seed of the sample and of the noise.")
    ] = 0,
    vector: Annotated[
        str | None,
        typer.Option(
            "--vector",
            metavar="NAME",
            help="Named vector (default: the first dense one).",
            show_default=False,
        ),
    ] = None,
    encoder: Annotated[
        str | None,
        typer.Option(
            "--encoder",
            metavar="NAME",
            help="Encoder of the vectors (default: identify it).",
            show_default=False,
        ),
    ] = None,
    text_field: Annotated[
        str | None,
        typer.Option(
            "--text-field",
            metavar="PATH",
            help="Payload field holding the embedded text (default: each point's longest string).",
            show_default=False,
        ),
    ] = None,
    mitigation: Annotated[
        list[str] | None,
        typer.Option(
            "--mitigation",
            "-m",
            metavar="SPEC",
            help="Only these mitigations (repeatable): noise:SIGMA, int8, binary, truncate:DIMS. "
            "Default: noise 0.01/0.02/0.05/0.1, int8, binary, truncate 256/128.",
            show_default=False,
        ),
    ] = None,
    k: Annotated[int, typer.Option("--k", metavar="K", min=1, help="Neighbours for recall@k.")] = DEFAULT_K,
    device: Annotated[str, typer.Option("--device", metavar="DEVICE", help="cpu or cuda.")] = "cpu",
    api_key_file: ApiKeyFile = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE.json", help="Also write the result as JSON.", show_default=False
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", metavar="", help="No table.")] = False,
) -> None:
    from ..stores.target import ScanTarget
    from ..whatif import DEFAULT_MITIGATIONS, parse_mitigation, run_whatif

    chosen = [parse_mitigation(m) for m in mitigation] if mitigation else list(DEFAULT_MITIGATIONS)

    def progress(msg: str) -> None:
        if not quiet:
            typer.echo(f"vecaudit: {msg}", err=True)

    res = run_whatif(
        ScanTarget.parse(target),  # parsed once, here
        collection,
        sample=sample,
        utility_sample=utility_sample,
        seed=seed,
        vector=vector,
        encoder=encoder,
        text_field=text_field,
        mitigations=chosen,
        k=k,
        device=device,
        api_key_file=api_key_file,
        progress=progress,
    )
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(res.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")
    if not quiet:
        print_result(res)
        if output is not None:
            typer.echo(f"what-if result: {output}")


def register(app: typer.Typer) -> None:
    app.command(help=HELP, epilog=EPILOG, short_help="Measure mitigations: leakage against utility.")(whatif)
