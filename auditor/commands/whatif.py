"""`vecaudit whatif`: measure how mitigations trade leakage against retrieval utility on a sample."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..models import WhatIfResult
from ..whatif import DEFAULT_ATTACK, DEFAULT_K, DEFAULT_LEAKED_PAIRS, DEFAULT_SAMPLE, DEFAULT_UTILITY_SAMPLE
from ._options import TARGET_HELP, ApiKeyFile

HELP = (
    "Take a sample of a collection and measure, for each mitigation (Gaussian noise at several levels, "
    "int8 and binary quantization, truncation to 256 and 128 dims, product quantization with 16 and "
    "48 sub-spaces, a secret orthogonal rotation), how much personal data each attacker still "
    "recovers verbatim from the mitigated vectors (ground truth: Presidio on the payload text) and "
    "how well nearest-neighbour search still works (recall@k against the unmodified vectors).\n\n"
    "Attackers: the learned inverter (v1); the attack plan at --attack (as `vecaudit scan --attack`); "
    "and ALGEN-style alignment: an attacker holding k leaked (text, stored vector) pairs "
    f"(--leaked-pairs, default {', '.join(map(str, DEFAULT_LEAKED_PAIRS))}; from points outside the "
    "inverted sample, capped by the collection) fits a linear map from the mitigated vectors to the "
    "public encoder's space and inverts the mapped vectors with the plan. A mitigation's leakage is "
    "its strongest attacker's, and only a mitigation that holds against that one is recommended.\n\n"
    f"Every mitigation inverts the sample once per attacker; at --attack {DEFAULT_ATTACK} that is about "
    f"0.6 s per vector and attacker on 2 idle CPU cores ('standard' about 3.5 s), so the default sample "
    f"is small ({DEFAULT_SAMPLE}) and a default run takes about 5 minutes there (7.5 measured on a busy "
    "one; set OMP_NUM_THREADS=1 when the cores are shared). The store is only read. "
    "Output holds counts and shares only, never a PII value; --output writes JSON that "
    "`vecaudit report --whatif` shows."
)

EPILOG = (
    "[bold]Examples[/]\n\n"
    "[cyan]vecaudit whatif ./qdrant-data --collection tickets[/]  table on the terminal\n\n"
    "[cyan]vecaudit whatif ./qdrant-data -c tickets -m rotate -m pq:16 --leaked-pairs 400[/]  "
    "does the secret rotation survive 400 leaked pairs?\n\n"
    "[cyan]vecaudit whatif http://qdrant:6333 -c tickets --sample 64 -o whatif.json[/]  for the report"
)


def print_result(res: WhatIfResult) -> None:
    """The attackers table (leakage per mitigation and attacker, recall@k, the strongest attacker
    with its leakage and recovered-text cosine) and the recommendation sentences, on the terminal."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from ..report.compliance import attacker_ids, whatif_recommendations

    console = Console(highlight=False)
    level = f"attack plan {res.attack_level}" if res.attack_level else "learned inverter only"
    title = (
        f"What-if on {res.collection} ({res.sample_size} vectors inverted, {res.utility_sample_size} "
        f"searched; encoder {res.encoder}; {level}); "
        f"leakage: PII recovered verbatim, utility: recall@{res.k}"
    )
    ids = attacker_ids(res)
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Mitigation", no_wrap=True)
    table.add_column(f"R@{res.k}", justify="right", no_wrap=True)
    for _, _, short in ids:
        table.add_column(short, justify="right")
    table.add_column("Values", justify="right", no_wrap=True)
    table.add_column("Cos", justify="right", no_wrap=True)
    for r in res.results:
        by_id = {a.attacker: a for a in r.attackers}
        cells = []
        for aid, _, _ in ids:
            a = by_id.get(aid)
            if a is None:
                cells.append("-")
            elif aid == r.strongest:
                cells.append(f"[bold red]{100 * a.leakage:.0f}%*[/]")
            else:
                cells.append(f"{100 * a.leakage:.0f}% ")
        table.add_row(
            r.mitigation.short,
            f"{100 * r.recall_at_k:.0f}%",
            *cells,
            f"{r.entities_recovered}/{r.entities_total}",
            f"{r.mean_cosine:.2f}",
        )
    console.print(table)
    console.print(
        "Per attacker: share of true PII values recovered verbatim; * marks each mitigation's strongest "
        "attacker, whose leakage decides. Values and Cos: its recovered/true values and its recovered "
        f"text's cosine to the original vector. R@{res.k}: recall@{res.k} of search on the mitigated "
        "vectors. Every attacker's figures are in the JSON (--output)."
    )
    for _, label, short in ids:
        if label != short:
            console.print(f"  {short}: {label}")
    for line in whatif_recommendations(res):
        console.print(line)
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
            help="Only these mitigations (repeatable): noise:SIGMA, int8, binary, truncate:DIMS, pq:M "
            "(M sub-spaces, 256 centroids each, fitted on the collection), rotate (a secret orthogonal "
            "matrix; queries are rotated too). Default: noise 0.01/0.02/0.05/0.1, int8, binary, "
            "truncate 256/128, pq 16/48, rotate.",
            show_default=False,
        ),
    ] = None,
    attack: Annotated[
        str,
        typer.Option(
            "--attack",
            metavar="LEVEL",
            help="Effort of the attack plan: quick, standard, thorough (as `vecaudit scan --attack`), "
            "or loop (the learned inverter alone). The learned inverter is always measured too.",
        ),
    ] = DEFAULT_ATTACK,
    leaked_pairs: Annotated[
        list[int] | None,
        typer.Option(
            "--leaked-pairs",
            metavar="K",
            min=2,
            help="Leaked (text, vector) pairs of an ALGEN attacker (repeatable; default "
            f"{', '.join(map(str, DEFAULT_LEAKED_PAIRS))}); --no-leaked-pairs measures none.",
            show_default=False,
        ),
    ] = None,
    no_leaked_pairs: Annotated[
        bool, typer.Option("--no-leaked-pairs", metavar="", help="No ALGEN attacker (faster).")
    ] = False,
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
        attack=attack,
        leaked_pairs=() if no_leaked_pairs else (leaked_pairs or DEFAULT_LEAKED_PAIRS),
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
