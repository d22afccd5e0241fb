"""Run-time resources of a scan, handed to every node as LangGraph's `context` (never checkpointed).

The runner hands over the policy, detector and store it opened while checking the options; anything
else (inverters, a store to reopen) is created on first use. So a node never depends on an earlier
node having run in the same process: after `--resume` the graph continues mid-collection and the
inverters are simply loaded again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ..config import ScanConfig
from ..errors import ScanIncomplete
from ..models import Point, PointId
from ..rundb import RunDB

if TYPE_CHECKING:
    from ..detect.engine import PiiDetector
    from ..inversion.attack.targeted import Candidate, TargetedSearch
    from ..inversion.protocol import VectorInverter
    from ..policy.loader import Policy
    from ..stores.base import StoreAdapter
    from .partitions import PartitionExecutor


@dataclass
class Resources:
    """What the runner opens before creating a run database, so bad input fails before any state."""

    policy: Policy
    detector: PiiDetector
    store: StoreAdapter
    # The store's collection names, in its order, listed once by the runner's check of the options.
    collection_names: tuple[str, ...] = ()
    # Targeted mode's values (--candidates), read once; in memory only, never in state or database.
    candidates: tuple[Candidate, ...] = ()


@dataclass
class ScanContext:
    config: ScanConfig
    db: RunDB
    run_id: str
    cancel_event: threading.Event = field(default_factory=threading.Event)
    _store: StoreAdapter | None = None
    _collection_names: tuple[str, ...] | None = None
    _policy: Policy | None = None
    _detector: PiiDetector | None = None
    _inverters: dict[str, VectorInverter | None] = field(default_factory=dict)
    candidates: tuple[Candidate, ...] = ()  # targeted mode's values (memory only)
    _targeted: dict[str, TargetedSearch] = field(default_factory=dict)
    # A live scroll over the collection being scanned, reused while its cursor matches.
    _stream: tuple[str, Any, bool, Iterator[tuple[list[Point], PointId | None]]] | None = None
    # A distributed scan's executor (--ray): process_partitions hands it the partitions.
    partitions: PartitionExecutor | None = None
    # When this process took the run up (a new scan or a --resume): adaptive sampling's --budget-time
    # never charges a batch for time before it, so the downtime between a kill and a resume is free.
    opened_at: float = field(default_factory=time.time)

    # -- resources ---------------------------------------------------------------------------------

    @classmethod
    def using(
        cls,
        config: ScanConfig,
        db: RunDB,
        resources: Resources,
        *,
        cancel_event: threading.Event,
    ) -> ScanContext:
        ctx = cls(config, db, db.run_id, cancel_event=cancel_event)
        ctx._policy, ctx._detector, ctx._store = resources.policy, resources.detector, resources.store
        ctx._collection_names = resources.collection_names
        ctx.candidates = resources.candidates
        return ctx

    @classmethod
    def detached(cls, config: ScanConfig, run_id: str) -> ScanContext:
        """A context without a run database, for a distributed worker: it opens its own store,
        detector and inverters on first use, and its caller hands results back to the driver,
        which alone writes the run database (any use of `db` here raises RuntimeError)."""
        return cls(config, cast(RunDB, _NoRunDB(run_id)), run_id)

    def store(self) -> StoreAdapter:
        if self._store is None:
            self._store = open_configured_store(self.config)
        return self._store

    def collection_names(self) -> tuple[str, ...]:
        """The store's collection names: the runner's listing, or (a context opened without one) the
        store's, listed once."""
        if self._collection_names is None:
            from ..stores.base import list_collection_names

            self._collection_names = tuple(list_collection_names(self.store()))
        return self._collection_names

    def policy(self) -> Policy:
        if self._policy is None:
            from ..policy.loader import load_policy

            self._policy = load_policy(self.config.policy)
        return self._policy

    def detector(self) -> PiiDetector:
        if self._detector is None:
            from ..detect.engine import PiiDetector

            policy = self.policy()
            self._detector = PiiDetector(
                entities=policy.entities(), mode=policy.detector_mode, languages=policy.languages
            )
        return self._detector

    def inverter(self, encoder_id: str) -> VectorInverter | None:
        """The inverter for `encoder_id`, or None when none exists (cached, loaded once per run)."""
        if encoder_id not in self._inverters:
            self._inverters[encoder_id] = load_inverter_for(self.config, encoder_id)
        return self._inverters[encoder_id]

    def targeted_search(self, encoder_id: str) -> TargetedSearch:
        """Targeted mode's search for `encoder_id`'s vectors (one per encoder and run, so the lone
        embeddings of candidates and controls are made once). Its own decision threshold is the
        lowest a run may use; the run's `min_z` is applied when the report is assembled."""
        if encoder_id not in self._targeted:
            from ..encoders.registry import get_encoder
            from ..inversion.attack.targeted import TargetedSearch, TargetedSettings
            from ..targeted_threshold import Z_FLOOR

            encoder = get_encoder(encoder_id, device=self.config.device)
            self._targeted[encoder_id] = TargetedSearch(encoder, settings=TargetedSettings(min_z=Z_FLOOR))
        return self._targeted[encoder_id]

    def round_trip_inverter(self, encoder_id: str) -> VectorInverter | None:
        """The learned loop for `encoder_id` (identification's round trip), or None.

        Never a search level: a search scores its guesses with the candidate encoder itself and
        pulls any vector's text towards it, so its round trip would fit encoders that did not
        make the vectors."""
        if self.config.attack == "loop":
            return self.inverter(encoder_id)
        key = f"loop:{encoder_id}"
        if key not in self._inverters:
            loop_only = self.config.model_copy(update={"attack": "loop"})
            self._inverters[key] = load_inverter_for(loop_only, encoder_id)
        return self._inverters[key]

    # -- streaming ---------------------------------------------------------------------------------

    def next_batch(
        self, collection: str, cursor: PointId | None, with_vectors: bool
    ) -> tuple[list[Point], PointId | None]:
        """The batch starting at `cursor`, continuing the open scroll when the cursor matches it."""
        key = (collection, cursor, with_vectors)
        if self._stream is None or self._stream[:3] != key:
            it = self.store().iter_points(
                collection, batch_size=self.config.batch_size, with_vectors=with_vectors, offset=cursor
            )
        else:
            it = self._stream[3]
        batch, next_offset = next(it, ([], None))
        self._stream = (collection, next_offset, with_vectors, it) if next_offset is not None else None
        return batch, next_offset

    # -- control -----------------------------------------------------------------------------------

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise ScanIncomplete(f"scan {self.run_id} stopped before it finished")

    def close(self) -> None:
        if self._stream is not None:
            close = getattr(self._stream[3], "close", None)
            if close is not None:
                close()
            self._stream = None
        if self._store is not None:
            try:
                self._store.close()
            finally:
                self._store = None


class _NoRunDB:
    """The run database of a detached (worker) context: there is none."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"a worker of run {self.run_id} has no run database (RunDB.{name})")


def open_configured_store(config: ScanConfig) -> StoreAdapter:
    """Open `config.target` (with any credentials it carries in memory) with the run's connection options."""
    from ..stores import open_store

    return open_store(
        config.target,
        api_key_file=config.api_key_file,
        timeout=config.timeout,
        verify_tls=config.verify_tls,
    )


def load_inverter_for(config: ScanConfig, encoder_id: str) -> VectorInverter | None:
    """The configured inverter for `encoder_id`; None when none ships for it (the graph says so)."""
    from ..inversion import load_inverter

    return load_inverter(
        encoder_id,
        attack=config.attack,
        backend=config.inverter_backend,
        device=config.device,
        steps=config.steps,
        beam=config.beam,
        vllm_url=config.vllm_url,
    )
