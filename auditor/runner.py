"""Run a scan: check the options, open the run database, drive the graph, assemble the report.

    run = new_scan(config)                  # or resume_scan(run_id)
    outcome = run.execute(on_event=print)   # progress events as they happen
    outcome.report, outcome.exit_code       # 0: pass, 1: violations, 2: data left unanalyzed

A scan that stops early raises `ScanIncomplete` (or the `VecauditError` that stopped it) after its
state is saved; `resume_scan(run.run_id)` continues it. `run.cancel()` (from a signal handler or a
UI thread) stops it after the current batch.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .config import ConfigError, ScanConfig, default_state_dir, policy_file_digest
from .errors import CandidatesError, PolicyError, ScanIncomplete, VecauditError
from .models import (
    REDACTION_BYPASS_RULE_ID,
    CollectionReport,
    RuleInfo,
    ScanReport,
    ScanSummary,
    Severity,
    TargetedReport,
    redaction_bypass_rule,
)
from .nodes.context import Resources, ScanContext, open_configured_store
from .nodes.discover import check_collections
from .progress import ProgressListener, RunStarted, from_wire
from .rundb import RunDB, new_run_id
from .stores.target import ScanTarget
from .targeted_report import targeted_report
from .verdict import exit_code

if TYPE_CHECKING:
    from .inversion.attack.targeted import Candidate

log = logging.getLogger("vecaudit.runner")

#: Exception notes starting with this are ours and safe to show (the CLI prints them).
NOTE_PREFIX = "[vecaudit] "

#: LangGraph counts every node execution as a step; a scan takes one per batch.
_RECURSION_LIMIT = 10**9


@dataclass(frozen=True)
class ScanOutcome:
    run_id: str
    db_path: Path
    report: ScanReport

    @property
    def exit_code(self) -> int:
        return exit_code(self.report)


def resume_hint(run_id: str, state_dir: Path | None) -> str:
    extra = f" --state-dir {state_dir}" if state_dir is not None and state_dir != default_state_dir() else ""
    return f"vecaudit scan --resume {run_id}{extra}"


class ScanRun:
    """One run of the scan graph over one run database."""

    def __init__(
        self,
        db: RunDB,
        config: ScanConfig,
        *,
        resumed: bool,
        state_dir: Path,
    ) -> None:
        self.db = db
        self.config = config
        self.resumed = resumed
        self.state_dir = state_dir
        self.run_id = db.run_id
        self.db_path = db.path
        self._cancel = threading.Event()
        self.resources: Resources | None = None  # opened by preflight; the graph's context takes them

    @property
    def resume_command(self) -> str:
        return resume_hint(self.run_id, self.state_dir)

    def cancel(self) -> None:
        """Stop after the current batch; the run stays resumable."""
        self._cancel.set()

    def execute(self, on_event: ProgressListener | None = None) -> ScanOutcome:
        try:
            if self.db.status != "finished":
                self._run_graph(on_event or (lambda _e: None))
            return ScanOutcome(self.run_id, self.db_path, assemble_report(self.db))
        finally:
            self.close()

    def close(self) -> None:
        if self.resources is not None:
            self.resources.store.close()
            self.resources = None
        self.db.close()

    def _run_graph(self, on_event: ProgressListener) -> None:
        from langgraph.checkpoint.sqlite import SqliteSaver

        from .graph import build_graph

        if self.resources is None:
            raise ScanIncomplete(f"run {self.run_id} was already executed")
        ctx = ScanContext.using(
            self.config,
            self.db,
            self.resources,
            cancel_event=self._cancel,
        )
        self.resources = None  # the context closes the store from now on
        if self.config.ray is not None:
            from .distributed import open_executor

            try:
                ctx.partitions = open_executor(self.config, self.run_id)
            except BaseException:
                ctx.close()
                raise
        conn = self.db.checkpointer_connection()
        try:
            graph = build_graph(SqliteSaver(conn))
            cfg: Any = {"configurable": {"thread_id": self.run_id}, "recursion_limit": _RECURSION_LIMIT}
            snapshot = graph.get_state(cfg)
            values = snapshot.values or {}
            plans = values.get("plans", [])
            on_event(
                RunStarted(
                    run_id=self.run_id,
                    target=self.db.get_meta("display_target") or "",
                    resumed=bool(values),
                    points_planned=sum(p["planned"] for p in plans),
                    points_done=sum(values.get("done", {}).values()),
                )
            )
            self.db.set_status("running")
            self.db.drop_error_writes()  # left by a process that died before dropping them itself
            # With no checkpoint yet (a fresh run, or one killed before its first step) start at
            # START; otherwise None tells LangGraph to continue from the last checkpoint.
            start: Any = None if values else {}
            for item in graph.stream(start, cfg, context=ctx, stream_mode="custom", durability="sync"):
                event = from_wire(item)
                if event is not None:
                    on_event(event)
            if self.db.status != "finished":  # the graph ended without its final node (should not happen)
                after = graph.get_state(cfg)
                done = sum((after.values or {}).get("done", {}).values())
                # Say what LangGraph saw, so a rare resume race shows up in CI logs (no PII here:
                # node names, counts and the checkpoint id only).
                raise ScanIncomplete(
                    f"scan {self.run_id} ended before finishing: the scan graph stopped with next "
                    f"steps {list(after.next)!r} after {done} points at checkpoint "
                    f"{(after.config or {}).get('configurable', {}).get('checkpoint_id')}"
                )
            conn.close()  # the checkpointer's connection must not hold the database during VACUUM
            removed = self.db.prune_checkpoints(self.run_id)
            log.debug("pruned %d superseded checkpoints of run %s", removed, self.run_id)
        except (ScanIncomplete, KeyboardInterrupt) as exc:
            self.db.drop_error_writes()
            self.db.set_status("interrupted")
            why = str(exc) if isinstance(exc, ScanIncomplete) and "ended before finishing" in str(exc) else ""
            raise ScanIncomplete(
                f"scan {self.run_id} was stopped before it finished; resume it with: {self.resume_command}"
                + (f" ({why})" if why else "")
            ) from None
        except Exception as exc:
            self.db.drop_error_writes()  # LangGraph saved repr(exc), which may quote data
            self.db.set_status("failed", str(exc) if isinstance(exc, VecauditError) else type(exc).__name__)
            if self.db.batches_done():
                exc.add_note(
                    f"{NOTE_PREFIX}progress of run {self.run_id} is saved; resume with: {self.resume_command}"
                )
            raise
        finally:
            if ctx.partitions is not None:
                ctx.partitions.close()
            ctx.close()
            conn.close()


def preflight(config: ScanConfig) -> Resources:
    """Fail fast, before any run database exists: options, formats, policy, detector, encoder, and
    the store itself with the requested collections."""
    from .policy.loader import load_policy
    from .report import get_format

    if len(config.formats) > 1 and config.output is None:
        raise ConfigError("several --format values need --output STEM (one file per format)")
    if config.output is not None and not config.formats:
        raise ConfigError("--output needs at least one --format")
    for fmt in config.formats:
        get_format(fmt)  # a format missing or broken fails here, not after the scan
    if config.inverter_backend == "vllm" and config.invert and not config.vllm_url:
        raise ConfigError("--inverter-backend vllm needs --vllm-url URL of the inverter server")
    if config.ray is not None:
        from .distributed import ray_available

        if not ray_available():
            raise ConfigError(
                "--ray needs Ray: pip install 'vecaudit[ray]' (the same version on every worker)"
            )
    policy = load_policy(config.policy)
    from .detect.engine import PiiDetector

    detector = PiiDetector(entities=policy.entities(), mode=policy.detector_mode, languages=policy.languages)
    if config.encoder is not None:
        from .encoders.registry import registration

        registration(config.encoder)  # EncoderError: unknown, or its plugin is broken
    candidates = _read_candidates(config)
    store = open_configured_store(config)
    try:
        listed = check_collections(store, config.collections, config.target.display)  # the scan's one listing
    except BaseException:
        store.close()
        raise
    return Resources(
        policy=policy, detector=detector, store=store, collection_names=tuple(listed), candidates=candidates
    )


def _read_candidates(config: ScanConfig) -> tuple[Candidate, ...]:
    """Targeted mode's values, read once into memory (CandidatesError names file and line, never a
    value); the fingerprint key is loaded here too, so a bad key fails before the scan."""
    if config.candidates is None:
        return ()
    from .fingerprint import load_fingerprint_key
    from .inversion.attack.targeted import read_candidates

    candidates = tuple(read_candidates(config.candidates))
    load_fingerprint_key()
    return candidates


def _candidate_records(candidates: tuple[Candidate, ...]) -> list[dict[str, Any]]:
    """What the run database keeps of the candidates: line, entity type, keyed fingerprint."""
    from .fingerprint import load_fingerprint_key

    key = load_fingerprint_key()
    return [{"line": c.line, "entity_type": c.kind, "fingerprint": c.fingerprint(key)} for c in candidates]


def new_scan(config: ScanConfig, *, state_dir: Path | None = None, run_id: str | None = None) -> ScanRun:
    """Check everything, then create the run database of a new run.

    `config.target` may carry credentials (user:password in a URL): they are used to connect and
    never stored (the run database keeps the target's stored form, and its display form for reports).
    """
    update: dict[str, Any] = {}
    digest = policy_file_digest(config.policy)
    if digest is not None:
        update.update(policy=str(Path(config.policy).resolve()), policy_sha256=digest)
    if config.api_key_file is not None:
        update["api_key_file"] = config.api_key_file.expanduser().resolve()
    if config.candidates is not None:
        update["candidates"] = config.candidates.expanduser().resolve()
    config = config.model_copy(update=update)
    resources = preflight(config)
    state_dir = state_dir or default_state_dir()
    try:
        db = RunDB.create(state_dir, run_id or new_run_id(), config)
        db.set_meta("display_target", config.target.display)
        db.set_meta("policy_name", str(resources.policy.name))
        db.set_meta("rules", json.dumps([r.model_dump(mode="json") for r in resources.policy.rule_infos()]))
        if config.candidates is not None:
            db.set_targeted_candidates(_candidate_records(resources.candidates))
    except BaseException:
        resources.store.close()
        raise
    run = ScanRun(db, config, resumed=False, state_dir=state_dir)
    run.resources = resources
    return run


def resume_scan(
    run_id: str,
    *,
    state_dir: Path | None = None,
    target: ScanTarget | str | None = None,
    formats: tuple[str, ...] | None = None,
    output: Path | None = None,
    api_key_file: Path | None = None,
    timeout: float | None = None,
    verify_tls: bool | None = None,
    ray: str | None = None,
    ray_workers: int | None = None,
) -> ScanRun:
    """Reopen a run with its stored options. Only where reports go and how the store and the Ray
    cluster are reached may change; the changes are stored for later resumes.

    `ray`/`ray_workers` move a --ray run to another cluster (its partitions are stored, so they do
    not depend on the cluster); a run that ran in one process cannot switch to Ray (ConfigError).

    `target` may repeat the run's target with the credentials the stored copy lost (user:password
    in a URL); it must name the same store (the same stored form), else ConfigError.
    """
    given = ScanTarget.of(target) if target is not None else None
    state_dir = state_dir or default_state_dir()
    db = RunDB.open(state_dir, run_id)
    try:
        config = db.config
        if given is not None and given != config.target:
            raise ConfigError(f"run {run_id} scanned {config.target}; TARGET cannot change on --resume")
        if (ray is not None or ray_workers is not None) and config.ray is None:
            raise ConfigError(
                f"run {run_id} ran in one process: --ray cannot be added on --resume "
                "(its batches are not partitions)"
            )
        update: dict[str, Any] = {
            "ray": ray,
            "ray_workers": ray_workers,
            "formats": formats,
            "output": output,
            "api_key_file": api_key_file.expanduser().resolve() if api_key_file else None,
            "timeout": timeout,
            "verify_tls": verify_tls,
        }
        update = {k: v for k, v in update.items() if v is not None}
        if update:
            config = ScanConfig.build(**{**config.model_dump(), **update})
            db.set_meta("config", config.stored())
        if given is not None:  # connect with what the user gave again; the stored form is the same
            config = config.model_copy(update={"target": given})
        if db.status != "finished":
            if config.policy_sha256 is not None and policy_file_digest(config.policy) != config.policy_sha256:
                raise PolicyError(
                    f"policy file {config.policy} changed or disappeared since run {run_id} started; "
                    "start a new scan instead"
                )
            resources: Resources | None = preflight(config)
            if resources is not None and config.candidates is not None:
                _check_candidates_unchanged(db, resources)
        else:
            resources = None
    except BaseException:
        db.close()
        raise
    run = ScanRun(db, config, resumed=True, state_dir=state_dir)
    run.resources = resources
    return run


def _check_candidates_unchanged(db: RunDB, resources: Resources) -> None:
    """A resumed run judges the values it started with: the re-read file must give the same
    fingerprints, in the same order (the batches already stored refer to candidates by index)."""
    try:
        same = db.targeted_candidates() == _candidate_records(resources.candidates)
    except BaseException:
        resources.store.close()
        raise
    if not same:
        resources.store.close()
        raise CandidatesError(
            f"candidates file {db.config.candidates} changed since run {db.run_id} started; "
            "start a new scan instead"
        )


def _summary(db: RunDB, fail_on: Severity, targeted: TargetedReport | None) -> ScanSummary:
    """The findings' summary; supported candidates count as violations too."""
    summary = db.summary(fail_on)
    if targeted is not None:
        summary.violations += targeted.violations(fail_on)
    return summary


def assemble_report(db: RunDB) -> ScanReport:
    """The ScanReport of a finished run, read from its database.

    Findings are streamed out of SQLite and built without re-validation; the per-point data
    never passes through the graph state.
    """
    if db.status != "finished":
        raise ScanIncomplete(f"run {db.run_id} has not finished (status: {db.status})")
    config = db.config
    collections = [CollectionReport.model_validate(c) for c in json.loads(db.get_meta("collections") or "[]")]
    # Complete means finished *and* nothing in scope left unanalyzed (runs from before coverage was
    # recorded have no coverage to judge by).
    rules = [RuleInfo.model_validate(r) for r in json.loads(db.get_meta("rules") or "[]")]
    # Where payloads were checked against their vectors, the redaction-bypass rule was applied: every
    # format lists it (a JUnit case per collection), passing or not.
    checked = any(m.points_checked for c in collections for m in c.payload_match.values())
    if checked and all(r.id != REDACTION_BYPASS_RULE_ID for r in rules):
        rules.append(redaction_bypass_rule())
    targeted = targeted_report(db)
    # Vectors targeted mode could not check are data left unanalyzed too: a value they hold would
    # be reported as unsupported.
    # A budget that ran out before adaptive sampling met its precision leaves the inversion audit
    # partial: the user asked for intervals that tight and did not get them.
    complete = (
        all(c.coverage is None or c.coverage.complete for c in collections)
        and not (targeted is not None and targeted.not_checked)
        and not any(c.sampling is not None and c.sampling.partial for c in collections)
    )
    return ScanReport(
        tool_version=__version__,
        run_id=db.run_id,
        target=db.get_meta("display_target") or "",
        started_at=db.get_meta("started_at") or "",
        finished_at=db.get_meta("finished_at"),
        complete=complete,
        allow_partial=config.allow_partial,
        policy=db.get_meta("policy_name") or config.policy,
        fail_on=config.fail_on,
        revealed=config.reveal,
        rules=rules,
        stages_skipped=json.loads(db.get_meta("stages_skipped") or "{}"),
        collections=collections,
        findings=list(db.iter_findings()),
        inversions=list(db.iter_inversions()) if config.reveal else None,
        attacks=db.attacks(),
        targeted=targeted,
        summary=_summary(db, config.fail_on, targeted),
    )


def open_finished_report(
    run_id: str,
    *,
    state_dir: Path | None = None,
    fail_on: Severity | None = None,
    allow_partial: bool | None = None,
) -> ScanReport:
    """The report of a finished run (for `vecaudit report`), optionally judged at another --fail-on
    or with --allow-partial."""
    db = RunDB.open(state_dir or default_state_dir(), run_id)
    try:
        report = assemble_report(db)
        if fail_on is not None and fail_on != report.fail_on:
            summary = _summary(db, fail_on, report.targeted)
            report = report.model_copy(update={"fail_on": fail_on, "summary": summary})
        if allow_partial is not None:
            report = report.model_copy(update={"allow_partial": allow_partial})
        return report
    finally:
        db.close()
