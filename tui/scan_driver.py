"""Drive one scan through the real runner on a worker thread and report what happens.

The TUI runs exactly what `vecaudit scan` runs: `runner.new_scan` / `runner.resume_scan` and
`ScanRun.execute`, consuming the same progress events as the CLI's progress bar. On top of those
events the driver reads the findings stored so far from the run database (a second, read-only use
of the SQLite file), so the findings table fills while the scan runs. Everything posted to the UI
is free of PII unless the run itself was started with --reveal (then the run database holds values,
and the screens mask them until the user confirms).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vecaudit.config import ScanConfig
from vecaudit.models import CollectionInfo, Finding, InversionRecord, RuleInfo, ScanReport
from vecaudit.progress import BatchScanned, CollectionFinished, EncoderIdentified, ProgressEvent
from vecaudit.stores.target import ScanTarget

#: Points per batch (and per checkpoint). Smaller than the CLI's default so that the first findings
#: show within seconds even when every batch is also inverted on a CPU.
TUI_BATCH_SIZE = 32

#: Minimum seconds between two reads of the findings table while a scan runs.
LIVE_REFRESH_S = 1.0


@dataclass(frozen=True)
class ScanRequest:
    """What the TUI runs: a new scan (`config`) or a stored run to resume or show (`resume_run_id`).

    `config` is the `ScanConfig` that `vecaudit scan` builds, validated by the same
    `ScanConfig.build`, so a scan started here runs with exactly the settings the CLI would give
    it. With neither set the connect screen asks; `draft` (ScanConfig field values, unvalidated)
    then pre-fills its form.
    """

    config: ScanConfig | None = None
    resume_run_id: str | None = None
    state_dir: Path | None = None
    api_key_file: Path | None = None  # for resume_run_id; a new scan's is in its config
    run_id: str | None = None  # a fixed id for a new run (tests); normally generated
    draft: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def new(
        cls, target: str, *, state_dir: Path | None = None, run_id: str | None = None, **settings: object
    ) -> ScanRequest:
        """A new scan of `target`; `settings` are ScanConfig fields (ConfigError when invalid).

        Batches default to TUI_BATCH_SIZE rather than the CLI's, so findings show sooner.
        """
        settings.setdefault("batch_size", TUI_BATCH_SIZE)
        return cls(config=ScanConfig.build(target=target, **settings), state_dir=state_dir, run_id=run_id)

    @property
    def target(self) -> ScanTarget | None:
        return self.config.target if self.config is not None else None

    @property
    def policy(self) -> str:
        """The policy spec a new scan uses ("default" until a run says otherwise)."""
        return self.config.policy if self.config is not None else str(self.draft.get("policy", "default"))

    def settings(self) -> dict[str, Any]:
        """Every ScanConfig field's value for a new scan started from this request (form defaults)."""
        if self.config is not None:
            return self.config.model_dump()
        values: dict[str, Any] = {"target": "", "batch_size": TUI_BATCH_SIZE}
        for name, info in ScanConfig.model_fields.items():
            if not info.is_required():
                values.setdefault(name, info.get_default(call_default_factory=True))
        values.update(self.draft)
        return values

    def resume(self, run_id: str) -> ScanRequest:
        """Continue (or show) the stored run `run_id` with this request's state dir and key file."""
        key_file = self.config.api_key_file if self.config is not None else self.api_key_file
        return ScanRequest(resume_run_id=run_id, state_dir=self.state_dir, api_key_file=key_file)


# -- what the driver posts ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOpened:
    run_id: str
    db_path: Path
    resumed: bool
    target: str
    policy: str
    reveal: bool
    rules: list[RuleInfo]
    collections: list[CollectionInfo]  # empty for a finished run (the report has them)


@dataclass(frozen=True)
class Progress:
    event: ProgressEvent


@dataclass(frozen=True)
class LiveFindings:
    findings: list[Finding]
    cosines: dict[tuple[str, str, str], float] = field(default_factory=dict)


@dataclass(frozen=True)
class ScanDone:
    report: ScanReport
    inversions: list[InversionRecord]  # cosines always; text only for a --reveal run


@dataclass(frozen=True)
class ScanStopped:
    run_id: str
    message: str


@dataclass(frozen=True)
class ScanFailed:
    message: str  # a VecauditError's message (never a PII value) or an exception type name
    run_id: str | None = None


DriverPost = Callable[[object], None]


def _known_encoders(run: Any) -> list[EncoderIdentified]:
    """Encoders identified before a resumed run stopped (the graph will not announce them again).

    Read from the run's own checkpoint, which holds encoder names and scores only.
    """
    if run.db.status == "finished":
        return []
    from langgraph.checkpoint.sqlite import SqliteSaver
    from vecaudit.graph import build_graph

    conn = run.db.checkpointer_connection()
    try:
        values = build_graph(SqliteSaver(conn)).get_state({"configurable": {"thread_id": run.run_id}}).values
    finally:
        conn.close()
    out: list[EncoderIdentified] = []
    for collection, by_vector in (values or {}).get("encoders", {}).items():
        for vector, guess in by_vector.items():
            out.append(
                EncoderIdentified(
                    collection,
                    vector,
                    str(guess.get("name", "unknown")),
                    float(guess.get("confidence", 0.0)),
                    str(guess.get("method", "none")),
                )
            )
    return out


def inversion_key(collection: str, vector: str, point_id: object) -> tuple[str, str, str]:
    return (collection, vector, json.dumps(point_id))


class ScanDriver:
    """One scan; `run()` blocks (call it on a worker thread), `cancel()` may come from any thread."""

    def __init__(self, request: ScanRequest, post: DriverPost) -> None:
        self.request = request
        self._post = post
        self._run: Any = None
        self._cancelled = threading.Event()
        self._reader: Any = None
        self._last_read = 0.0
        self._last_count = 0
        self.run_id: str | None = request.resume_run_id

    def cancel(self) -> None:
        self._cancelled.set()
        if self._run is not None:
            self._run.cancel()

    def run(self) -> None:
        from vecaudit.errors import ScanIncomplete, VecauditError

        try:
            self._start()
            if self._cancelled.is_set():
                self._run.cancel()
            outcome = self._run.execute(on_event=self._on_event)
            self._post(ScanDone(outcome.report, self._read_inversions()))
        except ScanIncomplete as exc:
            self._refresh_findings(force=True)
            self._post(ScanStopped(self.run_id or "", str(exc)))
        except VecauditError as exc:
            self._post(ScanFailed(str(exc), self.run_id))
        except Exception as exc:  # noqa: BLE001 - shown as its type only: messages may quote data
            self._post(ScanFailed(f"unexpected {type(exc).__name__}", self.run_id))
        finally:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    # -- internals ---------------------------------------------------------------------------------

    def _start(self) -> None:
        from vecaudit.config import default_state_dir
        from vecaudit.rundb import RunDB
        from vecaudit.runner import new_scan, resume_scan

        req = self.request
        state_dir = req.state_dir or default_state_dir()
        if req.resume_run_id is not None:
            run = resume_scan(req.resume_run_id, state_dir=state_dir, api_key_file=req.api_key_file)
        else:
            if req.config is None:
                raise ValueError("a ScanRequest needs a config or a run id to resume")
            run = new_scan(req.config, state_dir=state_dir, run_id=req.run_id)
        self._run = run
        self.run_id = run.run_id
        collections: list[CollectionInfo] = []
        if run.resources is not None:
            # Discovery facts (dimension, distance) before the first batch; read-only like the scan.
            # Only the collections this run reads are described: describing one opens its storage.
            # The names are the runner's listing of the store (listed once per scan).
            store = run.resources.store
            wanted = set(run.config.collections)
            names = run.resources.collection_names
            collections = [store.collection_info(n) for n in names if not wanted or n in wanted]
        self._reader = RunDB.open(state_dir, run.run_id)
        rules = [RuleInfo.model_validate(r) for r in json.loads(self._reader.get_meta("rules") or "[]")]
        self._post(
            RunOpened(
                run_id=run.run_id,
                db_path=run.db_path,
                resumed=run.resumed,
                target=self._reader.get_meta("display_target") or "",
                policy=self._reader.get_meta("policy_name") or run.config.policy,
                reveal=run.config.reveal,
                rules=rules,
                collections=collections,
            )
        )
        if run.resumed:
            for event in _known_encoders(run):
                self._post(Progress(event))
            self._refresh_findings(force=True)

    def _on_event(self, event: ProgressEvent) -> None:
        self._post(Progress(event))
        if isinstance(event, BatchScanned | CollectionFinished):
            self._refresh_findings(force=isinstance(event, CollectionFinished))

    def _refresh_findings(self, *, force: bool) -> None:
        now = time.monotonic()
        # Re-reading grows with the findings count: refresh big runs less often.
        interval = LIVE_REFRESH_S * (1 + self._last_count // 2000)
        if self._reader is None or (not force and now - self._last_read < interval):
            return
        self._last_read = now
        cosines = {
            inversion_key(r.collection, r.vector, r.point_id): float(r.cosine)
            for r in self._reader.iter_inversions()
        }
        findings = list(self._reader.iter_findings())
        self._last_count = len(findings)
        self._post(LiveFindings(findings, cosines))

    def _read_inversions(self) -> list[InversionRecord]:
        return list(self._reader.iter_inversions()) if self._reader is not None else []
