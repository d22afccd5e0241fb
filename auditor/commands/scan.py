"""`vecaudit scan`: audit a vector store against a policy."""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..config import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, ConfigError, ScanConfig, parse_duration
from ..detect.payload_text import MAX_TEXT_CHARS
from ..models import ScanReport, Severity
from ._options import (
    OptionalTarget,
    api_key_file_option,
    collections_option,
    format_from_output,
    formats_option,
    no_invert_option,
    policy_option,
    report_output_option,
    sample_option,
    state_dir_option,
)

if TYPE_CHECKING:
    from ..report import ReportContext

HELP = (
    "Scan a vector store for personal data and judge it against a policy.\n\n"
    "TARGET is a Qdrant server URL [cyan]http(s)://HOST:PORT[/] (API key from QDRANT_API_KEY or "
    "--api-key-file), a folder written by qdrant-client [cyan]QdrantClient(path=DIR)[/], or "
    "[cyan]edge:DIR[/] for a Qdrant Edge shard. The store is only read, never written.\n\n"
    "Payload text is checked for PII. The vectors are checked for what someone who copied them could "
    "recover: the encoder is identified and, when an inverter exists for it, the vectors are inverted "
    "and the recovered text is checked too (skip with --no-invert). Reports never contain a PII value "
    "unless --reveal is given.\n\n"
    "Every point is scanned by default (--sample 0): an audit that skips points can miss the one that "
    "matters. --sample N gives a quick, deterministic look at a large store.\n\n"
    "Nothing unread passes as clean: every point, payload value, key and vector in scope is analyzed, "
    "or counted as not analyzed with the reason, and then the scan exits 2 unless --allow-partial.\n\n"
    "Progress is saved as the scan runs: a stopped or killed scan continues with --resume RUN_ID."
)

EPILOG = (
    "[bold]Examples[/]\n\n"
    "[cyan]vecaudit scan ./qdrant-data[/]\n\n"
    "  every collection of a local-mode folder; summary on stdout\n\n"
    "[cyan]vecaudit scan http://localhost:6333 -c tickets --fail-on low -f sarif -o audit[/]\n\n"
    "  one collection of a server; writes audit.sarif; exit 1 on any finding rated low or above\n\n"
    "[cyan]vecaudit scan ./data --no-invert --sample 2000 --policy gdpr -f json[/]\n\n"
    "  payload and encoder checks on 2000 points per collection; JSON report on stdout\n\n"
    "[cyan]vecaudit scan ./data --candidates erasure-requests.txt -f json -o audit[/]\n\n"
    "  which stored vectors still encode the listed names, emails and phone numbers\n\n"
    "[cyan]vecaudit scan ./data --precision 0.05 --budget-time 30m -f json[/]\n\n"
    "  invert a random sample until every leakage rate is known to ±5% (or 30 minutes pass)\n\n"
    "[cyan]vecaudit scan --resume 20261122-101500-a1b2c3[/]\n\n"
    "  continue a stopped scan with its original options\n\n"
    "Exit codes: 0 no violation at or above --fail-on, 1 violations, 2 error, unfinished scan, or data "
    "left unanalyzed (without --allow-partial)."
)

WHAT = "What to scan"
POLICY = "Policy and reports"
INVERT = "Encoder and inversion"
CONNECT = "Connection"
RUN = "Run state"
SCALE = "Scaling"
ADAPTIVE = "Adaptive sampling"

# Options that only change where results go or how the store is reached; everything else is
# fixed for the life of a run so that a resumed scan finishes the same scan.
RESUMABLE = {
    *("target", "fmt", "output", "quiet", "state_dir", "resume", "api_key_file", "timeout", "insecure"),
    *("baseline", "history_db"),
    *("ray", "ray_workers"),  # a --ray run may resume on another cluster (its partitions are stored)
}


class Backend(enum.StrEnum):
    torch = "torch"
    vllm = "vllm"


class AttackEffort(enum.StrEnum):
    loop = "loop"
    quick = "quick"
    standard = "standard"
    thorough = "thorough"


def scan(
    ctx: typer.Context,
    target: OptionalTarget = None,
    collection: Annotated[list[str] | None, collections_option(WHAT)] = None,
    sample: Annotated[int, sample_option(WHAT)] = 0,
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", help="Seed of the --sample selection.", rich_help_panel=WHAT)
    ] = 0,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size",
            metavar="N",
            min=1,
            max=MAX_BATCH_SIZE,
            help="Points read and checked per batch (and per checkpoint).",
            rich_help_panel=WHAT,
        ),
    ] = DEFAULT_BATCH_SIZE,
    policy: Annotated[str, policy_option(POLICY)] = "default",
    fail_on: Annotated[
        Severity,
        typer.Option(
            "--fail-on",
            metavar="SEVERITY",
            help="Exit 1 when a finding has this severity or higher: info, low, medium, high, critical.",
            rich_help_panel=POLICY,
            case_sensitive=False,
        ),
    ] = Severity.high,
    fmt: Annotated[list[str] | None, formats_option(POLICY)] = None,
    output: Annotated[Path | None, report_output_option(POLICY)] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="FILE",
            help="Baseline of accepted findings (`vecaudit baseline create`): only new findings count as "
            "violations; expired entries no longer suppress.",
            rich_help_panel=POLICY,
            show_default=False,
        ),
    ] = None,
    history_db: Annotated[
        Path | None,
        typer.Option(
            "--history",
            metavar="DB",
            help="Scan history the finished scan is recorded in (default: $XDG_DATA_HOME/vecaudit/"
            "history.sqlite); the html, markdown and pdf reports draw their trend from it.",
            rich_help_panel=POLICY,
            show_default=False,
        ),
    ] = None,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial",
            metavar="",
            help="Accept a scan that could not analyze everything (unreadable records, strings over "
            "--max-text-chars, NaN vectors...): exit 0/1 by violations instead of 2. Reports still list "
            "what was not analyzed.",
            rich_help_panel=POLICY,
        ),
    ] = False,
    max_text_chars: Annotated[
        int,
        typer.Option(
            "--max-text-chars",
            metavar="N",
            min=1,
            help="Characters analyzed per payload string (longer strings are read in overlapping "
            "windows up to this limit, and the rest is reported as not analyzed).",
            rich_help_panel=WHAT,
        ),
    ] = MAX_TEXT_CHARS,
    candidates: Annotated[
        Path | None,
        typer.Option(
            "--candidates",
            metavar="FILE",
            help="Targeted mode: a UTF-8 file of person names, email addresses or phone numbers, one "
            "per line ('#' comments), e.g. an erasure request. Reports which stored vectors support "
            "each value, by keyed fingerprint, line number and point id, never the value; a supported "
            "value is a violation (severity high). The file is read into memory only.",
            rich_help_panel=POLICY,
            show_default=False,
        ),
    ] = None,
    reveal: Annotated[
        bool,
        typer.Option(
            "--reveal",
            metavar="",
            help="Authorized auditors only: put recovered plaintext and unmasked evidence in the JSON report "
            "and the run database.",
            rich_help_panel=POLICY,
        ),
    ] = False,
    no_invert: Annotated[bool, no_invert_option(INVERT)] = False,
    encoder: Annotated[
        str | None,
        typer.Option(
            "--encoder",
            metavar="NAME",
            help="The encoder that made the vectors (see `vecaudit encoders`); skips identification.",
            rich_help_panel=INVERT,
            show_default=False,
        ),
    ] = None,
    attack: Annotated[
        AttackEffort | None,
        typer.Option(
            "--attack",
            metavar="quick|standard|thorough|loop",
            help="Effort of the inversion attack: a budget of encoder calls per vector (quick 800, "
            "standard 3,000, thorough 20,000), spent on search scored by the vectors' own encoder; "
            "loop runs the learned inverter alone (--steps/--beam). Reports record what ran. "
            "Default: $VECAUDIT_ATTACK, else standard (about 2,000 calls and a few seconds per vector "
            "on 2 CPU cores: sample large stores with --sample).",
            rich_help_panel=INVERT,
            show_default=False,
        ),
    ] = None,
    inverter_backend: Annotated[
        Backend,
        typer.Option(
            "--inverter-backend",
            metavar="torch|vllm",
            help="Where the inverter runs.",
            rich_help_panel=INVERT,
        ),
    ] = Backend.torch,
    vllm_url: Annotated[
        list[str] | None,
        typer.Option(
            "--vllm-url",
            metavar="URL",
            help="Inverter server for --inverter-backend vllm; repeat for a fleet: requests go to the "
            "server with the fewest outstanding, and a server that is down is skipped with a warning.",
            rich_help_panel=INVERT,
            show_default=False,
        ),
    ] = None,
    steps: Annotated[
        int | None,
        typer.Option(
            "--steps",
            metavar="N",
            min=0,
            help="Correction steps of the learned loop (--attack loop).",
            rich_help_panel=INVERT,
            show_default=False,
        ),
    ] = None,
    beam: Annotated[
        int | None,
        typer.Option(
            "--beam",
            metavar="N",
            min=1,
            help="Beam width of the learned loop (--attack loop).",
            rich_help_panel=INVERT,
            show_default=False,
        ),
    ] = None,
    device: Annotated[
        str,
        typer.Option(
            "--device",
            metavar="DEVICE",
            help="Torch device for the inverter (cpu, cuda).",
            rich_help_panel=INVERT,
        ),
    ] = "cpu",
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="auto|local|ADDRESS",
            help="Run the scan's partitions as Ray tasks: auto joins the running cluster (RAY_ADDRESS or "
            "`ray start` here) or starts one on this machine, local always starts a private one, ADDRESS "
            "is a cluster's (HOST:6379, ray://HOST:10001). The driver keeps the run database; workers "
            "read the store themselves and need vecaudit and ray installed (README: Scaling).",
            rich_help_panel=SCALE,
            show_default=False,
        ),
    ] = None,
    ray_workers: Annotated[
        int | None,
        typer.Option(
            "--ray-workers",
            metavar="N",
            min=1,
            help="Partitions that run at once (one CPU each), and the CPUs of a cluster --ray starts. "
            "Default: the cluster's CPUs.",
            rich_help_panel=SCALE,
            show_default=False,
        ),
    ] = None,
    partition_size: Annotated[
        int,
        typer.Option(
            "--partition-size",
            metavar="N",
            min=0,
            help="Points per partition, rounded up to whole batches (0: about 8 partitions per worker, at "
            "most 64 batches each). A killed worker costs at most one partition's work.",
            rich_help_panel=SCALE,
        ),
    ] = 0,
    ray_retries: Annotated[
        int,
        typer.Option(
            "--ray-retries",
            metavar="N",
            min=0,
            max=20,
            help="Times Ray reruns a partition whose worker died; after that the scan stops (exit 2) and "
            "--resume RUN_ID runs the partitions not finished.",
            rich_help_panel=SCALE,
        ),
    ] = 2,
    precision: Annotated[
        float | None,
        typer.Option(
            "--precision",
            metavar="HALF_WIDTH",
            help="Adaptive sampling: invert points in a random order and stop inverting a collection once "
            "every entity type's leakage-rate interval is within this half-width (e.g. 0.05 = ±5 percentage "
            "points). Payloads are still read in full. Default 0.05 when a budget is given.",
            rich_help_panel=ADAPTIVE,
            show_default=False,
        ),
    ] = None,
    confidence: Annotated[
        float,
        typer.Option(
            "--confidence",
            metavar="LEVEL",
            help="Adaptive sampling: level at which all intervals hold together, at every stopping time.",
            rich_help_panel=ADAPTIVE,
        ),
    ] = 0.95,
    budget_vectors: Annotated[
        int | None,
        typer.Option(
            "--budget-vectors",
            metavar="N",
            min=1,
            help="Adaptive sampling: invert at most N vectors in all, shared by the collections. Stopping "
            "on a budget before the precision is met is a partial scan (exit 2 unless --allow-partial).",
            rich_help_panel=ADAPTIVE,
            show_default=False,
        ),
    ] = None,
    budget_time: Annotated[
        str | None,
        typer.Option(
            "--budget-time",
            metavar="DURATION",
            help="Adaptive sampling: spend at most this long on batches while inverting (90s, 30m, 2h), "
            "shared by the collections; partial like --budget-vectors.",
            rich_help_panel=ADAPTIVE,
            show_default=False,
        ),
    ] = None,
    api_key_file: Annotated[Path | None, api_key_file_option(CONNECT)] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure", metavar="", help="Do not verify TLS certificates (unsafe).", rich_help_panel=CONNECT
        ),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", metavar="SECONDS", help="Per-request timeout for a server.", rich_help_panel=CONNECT
        ),
    ] = 30.0,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            metavar="RUN_ID",
            help="Continue a stopped scan with its original options.",
            rich_help_panel=RUN,
            show_default=False,
        ),
    ] = None,
    state_dir: Annotated[Path | None, state_dir_option(RUN)] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", metavar="", help="No progress and no summary; errors only.", rich_help_panel=RUN
        ),
    ] = False,
) -> None:
    from ..runner import new_scan, resume_scan
    from ..stores.target import ScanTarget
    from ._execute import execute_run

    if insecure and not quiet:
        typer.echo(
            "vecaudit: WARNING: --insecure: TLS certificates are NOT verified; anyone on the network path "
            "can read or alter what this scan receives.",
            err=True,
        )
    # The formats as given, or for a new scan as `--output`'s extension names them (`-o audit.pdf`
    # wants PDF too); a resumed scan without --format keeps its own.
    formats = tuple(fmt) if fmt else () if resume is not None else format_from_output(output)
    if "pdf" in formats:
        from ..report.pdf import require_chromium

        require_chromium()
    scan_target = ScanTarget.parse(target) if target is not None else None  # parsed once, here
    if resume is not None:
        explicit = sorted(
            "--" + name.replace("_", "-")
            for name in ctx.params
            if name not in RESUMABLE and _given(ctx, name)
        )
        if explicit:
            raise ConfigError(
                f"{', '.join(explicit)} cannot change on --resume: a resumed scan keeps its original options"
            )
        run = resume_scan(
            resume,
            state_dir=state_dir,
            target=scan_target,
            formats=formats or None,
            output=output,
            api_key_file=api_key_file,
            timeout=timeout if _given(ctx, "timeout") else None,
            verify_tls=False if insecure else None,
            ray=ray,
            ray_workers=ray_workers,
        )
    else:
        if scan_target is None:
            raise typer.BadParameter(
                "give a Qdrant URL, a local-mode folder or edge:DIR", param_hint="TARGET"
            )
        config = ScanConfig.build(
            target=scan_target,
            collections=tuple(collection or ()),
            sample=sample,
            seed=seed,
            batch_size=batch_size,
            policy=policy,
            fail_on=fail_on,
            invert=not no_invert,
            reveal=reveal,
            allow_partial=allow_partial,
            max_text_chars=max_text_chars,
            encoder=encoder,
            candidates=candidates,
            api_key_file=api_key_file,
            verify_tls=not insecure,
            timeout=timeout,
            **({"attack": attack.value} if attack is not None else {}),
            inverter_backend=inverter_backend.value,
            vllm_url=tuple(vllm_url or ()),
            steps=steps,
            beam=beam,
            device=device,
            ray=ray,
            ray_workers=ray_workers,
            partition_size=partition_size,
            ray_retries=ray_retries,
            formats=formats,
            output=output,
            precision=precision,
            confidence=confidence,
            budget_vectors=budget_vectors,
            budget_time=parse_duration(budget_time) if budget_time is not None else None,
        )
        run = new_scan(config, state_dir=state_dir)
    if run.config.reveal and not quiet:
        typer.echo("vecaudit: --reveal: reports and the run database will hold plaintext PII.", err=True)
    sys.stdout.flush()
    raise typer.Exit(
        execute_run(
            run,
            quiet=quiet,
            formats=run.config.formats,
            output=run.config.output,
            after_scan=_after_scan(baseline, history_db, quiet),
        )
    )


def _after_scan(
    baseline: Path | None, history_db: Path | None, quiet: bool
) -> Callable[[ScanReport], tuple[ScanReport, ReportContext | None]]:
    """Apply the baseline (it decides the exit code), then record the scan in the history."""
    from ..baseline import apply_baseline, load_baseline
    from ..history import HistoryError, load_history, record_scan
    from ..report import ReportContext

    accepted = load_baseline(baseline) if baseline is not None else None  # bad file: fail before scanning

    def after(report: ScanReport) -> tuple[ScanReport, ReportContext | None]:
        if accepted is not None:
            report, outcome = apply_baseline(report, accepted)
            if not quiet:
                for line in outcome.lines():
                    typer.echo(f"vecaudit: {line}", err=True)
        try:
            earlier = load_history(history_db, target=report.target)
            record_scan(report, history_db)
        except HistoryError as exc:  # the scan itself succeeded: losing its history row must not fail it
            typer.echo(f"vecaudit: warning: {exc}", err=True)
            earlier = []
        return report, ReportContext(history=earlier)

    return after


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the user typed this option (typer vendors click, so compare the source by name)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def register(app: typer.Typer) -> None:
    app.command(help=HELP, epilog=EPILOG, no_args_is_help=True, short_help="Scan a vector store for PII.")(
        scan
    )
