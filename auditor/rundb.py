"""The run database: one SQLite file per scan run, holding everything a scan produces.

Layout of `RUN_ID.sqlite` (file mode 0600, folder 0700):
- `meta`: run id, the stored `ScanConfig` (no secrets), status, timestamps, final collection facts;
- `sample_ids`: the deterministic sample chosen for each collection when `--sample N` is used;
- `partitions`: a distributed scan's (`--ray`) partitions of each collection, fixed once: the first
  point id of each, or its slice of the sample;
- `batches`: one row per finished batch, or a distributed scan's partition (its cursor range, point
  count and coverage: what it analyzed and what it could not, with point ids but no values): the
  progress log;
- `findings`: one row per finding, keyed by what makes it unique (collection, point, vector, source,
  field, entity, span, rule), so re-processing a batch after a crash inserts nothing twice;
- `inversions`: cosine per inverted point, and the recovered text only when the user chose --reveal;
- `targeted_supports`, `targeted_batches` (targeted mode, --candidates): per (vector, candidate
  index) pair at or above the lowest threshold its z and margin, and per batch and vector slot the
  vectors judged (or why not) and the encoder calls; the candidates themselves only as line,
  entity type and keyed fingerprint in `meta` (never a value);
- LangGraph's `checkpoints`/`writes` tables (created by the checkpointer on its own connection),
  whose state holds cursors, counts and encoder names, never a payload value.

The report is assembled from here at the end, streaming rows, so memory does not grow with the
number of points scanned.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ScanConfig
from .errors import VecauditError
from .models import (
    REDACTION_BYPASS_RULE_ID,
    AttackRun,
    Coverage,
    Finding,
    InversionRecord,
    PayloadMatch,
    PointId,
    ScanSummary,
    Severity,
)

#: The channel of LangGraph's pending writes that hold a failed node's exception.
_ERROR_CHANNEL = "__error__"

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sample_ids (
    collection TEXT NOT NULL, idx INTEGER NOT NULL, point_id TEXT NOT NULL,
    PRIMARY KEY (collection, idx)
);
CREATE TABLE IF NOT EXISTS partitions (
    collection TEXT NOT NULL, idx INTEGER NOT NULL, start_id TEXT NOT NULL, points INTEGER NOT NULL,
    PRIMARY KEY (collection, idx)
);
CREATE TABLE IF NOT EXISTS batches (
    collection TEXT NOT NULL, batch_no INTEGER NOT NULL,
    start_cursor TEXT NOT NULL, next_cursor TEXT NOT NULL, exhausted INTEGER NOT NULL,
    points INTEGER NOT NULL, inverted INTEGER NOT NULL, findings INTEGER NOT NULL, coverage TEXT NOT NULL,
    finished_at REAL NOT NULL,
    PRIMARY KEY (collection, batch_no)
);
CREATE TABLE IF NOT EXISTS findings (
    key TEXT PRIMARY KEY,
    collection TEXT NOT NULL, point_id TEXT NOT NULL, vector TEXT NOT NULL, source TEXT NOT NULL,
    entity_type TEXT NOT NULL, score REAL NOT NULL, severity TEXT NOT NULL, severity_rank INTEGER NOT NULL,
    fingerprint TEXT NOT NULL, evidence TEXT NOT NULL, rule_id TEXT NOT NULL, field TEXT,
    start INTEGER, "end" INTEGER, allowlisted INTEGER NOT NULL, baseline_state TEXT
);
CREATE TABLE IF NOT EXISTS inversions (
    collection TEXT NOT NULL, vector TEXT NOT NULL, point_id TEXT NOT NULL,
    text TEXT, cosine REAL NOT NULL,
    PRIMARY KEY (collection, vector, point_id)
);
CREATE TABLE IF NOT EXISTS targeted_supports (
    collection TEXT NOT NULL, vector TEXT NOT NULL, point_id TEXT NOT NULL, candidate INTEGER NOT NULL,
    z REAL NOT NULL, margin REAL NOT NULL, framed INTEGER NOT NULL,
    PRIMARY KEY (collection, vector, point_id, candidate)
);
CREATE TABLE IF NOT EXISTS payload_checks (
    collection TEXT NOT NULL, batch_no INTEGER NOT NULL, vector TEXT NOT NULL, encoder TEXT NOT NULL,
    threshold REAL NOT NULL, checked INTEGER NOT NULL, mismatched INTEGER NOT NULL, point_ids TEXT NOT NULL,
    encoder_calls INTEGER NOT NULL, seconds REAL NOT NULL,
    PRIMARY KEY (collection, batch_no, vector)
);
CREATE TABLE IF NOT EXISTS sampling_decisions (
    collection TEXT NOT NULL, step INTEGER NOT NULL, inverted INTEGER NOT NULL, vectors INTEGER NOT NULL,
    seconds REAL NOT NULL, widest REAL, stop TEXT, reason TEXT NOT NULL, decided_at REAL NOT NULL,
    PRIMARY KEY (collection, step)
);
CREATE TABLE IF NOT EXISTS targeted_batches (
    collection TEXT NOT NULL, batch_no INTEGER NOT NULL, vector TEXT NOT NULL, encoder TEXT,
    vectors INTEGER NOT NULL, reason TEXT, encoder_calls INTEGER NOT NULL, seconds REAL NOT NULL,
    PRIMARY KEY (collection, batch_no, vector)
);
"""


class RunNotFound(VecauditError):
    """No run database for the given RUN_ID."""


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def check_run_id(run_id: str) -> str:
    if not _RUN_ID.match(run_id):
        raise RunNotFound("a RUN_ID has only letters, digits, '-' and '_' (as printed by vecaudit scan)")
    return run_id


def run_db_path(state_dir: Path, run_id: str) -> Path:
    return state_dir / f"{check_run_id(run_id)}.sqlite"


def encode_id(point_id: PointId | None) -> str:
    return json.dumps(point_id)


def decode_id(text: str) -> Any:
    return json.loads(text)


#: Shared by every finding read back (nothing assigns to a finding afterwards, so nothing mutates it).
_FINDING_FIELDS_SET: set[str] = set(Finding.model_fields)


def finding_key(f: Finding) -> str:
    """What makes a finding unique; the findings table's primary key."""
    parts = [f.collection, f.point_id, f.vector, f.source, f.field, f.entity_type, f.start, f.end, f.rule_id]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class BatchRecord:
    collection: str
    batch_no: int
    start_cursor: Any
    next_cursor: Any
    exhausted: bool
    points: int
    inverted: int
    findings: int  # distinct findings this batch produced
    coverage: Coverage  # what the batch analyzed and what it did not, and why


@dataclass(frozen=True)
class AttackSpend:
    """One batch's inversion as the run records it (no text, no values): the inverter's
    `describe()` (with "encoder"), the vectors inverted and its `last_cost` (None for the loop)."""

    method: dict[str, Any]
    vectors: int
    cost: Any | None


@dataclass(frozen=True, slots=True)
class InversionRow:
    collection: str
    vector: str
    point_id: PointId
    cosine: float
    text: str | None  # None unless the run was started with --reveal


@dataclass(frozen=True, slots=True)
class PayloadCheck:
    """One batch's payload-match check of one vector slot (see `vecaudit.payload_match`): counts
    and the ids of mismatched points, never text."""

    collection: str
    vector: str
    encoder: str
    threshold: float
    checked: int
    mismatched: list[PointId]
    encoder_calls: int
    seconds: float


#: Mismatched point ids a collection's report lists per vector (the count covers all of them).
PAYLOAD_CHECK_IDS = 20


@dataclass(frozen=True, slots=True)
class TargetedRow:
    """A (vector, candidate) pair at or above the floor threshold (no value inside)."""

    collection: str
    vector: str
    point_id: PointId
    candidate: int  # index into the run's candidate list (file order)
    z: float
    margin: float
    framed: bool


@dataclass(frozen=True, slots=True)
class TargetedSpend:
    """What targeted mode did with one slot of one batch: vectors judged (or why not), and its cost."""

    collection: str
    vector: str
    encoder: str | None  # None: the vectors were not checked
    vectors: int
    reason: str | None = None  # why they were not checked
    encoder_calls: int = 0
    seconds: float = 0.0


class RunDB:
    """Thread-safe access to one run's database (graph nodes run on LangGraph's worker threads)."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.Lock()

    # -- opening -----------------------------------------------------------------------------------

    @classmethod
    def create(cls, state_dir: Path, run_id: str, config: ScanConfig) -> RunDB:
        state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = run_db_path(state_dir, run_id)
        # Create the file 0600 before SQLite touches it: SQLite gives its -wal/-shm files the same mode.
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        db = cls(path, _connect(path))
        db._create_schema()
        db.set_meta("run_id", run_id)
        db.set_meta("config", config.stored())
        db.set_meta("status", "running")
        db.set_meta("started_at", _now_iso())
        return db

    @classmethod
    def open(cls, state_dir: Path, run_id: str) -> RunDB:
        path = run_db_path(state_dir, run_id)
        if not path.is_file():
            raise RunNotFound(f"no run {run_id} in {state_dir} (use --state-dir if it was started elsewhere)")
        db = cls(path, _connect(path))
        try:
            db._create_schema()
            db.get_meta("run_id")
        except sqlite3.DatabaseError as exc:
            db.close()
            raise RunNotFound(f"{path} is not a vecaudit run database ({exc})") from None
        return db

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def checkpointer_connection(self) -> sqlite3.Connection:
        """A separate connection for LangGraph's SqliteSaver (it locks its own connection)."""
        return _connect(self.path)

    def drop_error_writes(self) -> None:
        """Delete the exceptions LangGraph saved as pending writes of failed nodes.

        The checkpointer stores a failed node's exception as its repr, and a library's message
        may quote a payload value or recovered text. A resumed run re-executes the failed node
        either way, so nothing is lost. Deleted content is zeroed (`secure_delete`).
        """
        with self._lock:
            has_writes = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'writes'"
            ).fetchone()
        if not has_writes:  # the checkpointer never created its tables (no step ran yet)
            return
        with self._tx() as c:
            c.execute("DELETE FROM writes WHERE channel = ?", (_ERROR_CHANNEL,))
        with self._lock:  # and out of the write-ahead log, which still holds the old page
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def prune_checkpoints(self, thread_id: str) -> int:
        """Keep only the newest graph checkpoint (and its pending writes) of a finished run.

        LangGraph keeps every superstep's checkpoint, about 27 MB per million points; a finished
        run is only ever read from its newest one (reports, history), and resume needs no other.
        Returns the number of checkpoints removed.
        """
        with self._lock:
            has_tables = self._conn.execute(
                "SELECT COUNT(*) FROM sqlite_master"
                " WHERE type = 'table' AND name IN ('checkpoints', 'writes')"
            ).fetchone()[0]
        if has_tables < 2:
            return 0
        with self._tx() as c:
            # Checkpoint ids are time-ordered (uuid6), so the greatest id is the newest per namespace.
            keep = "SELECT MAX(checkpoint_id) FROM checkpoints WHERE thread_id = ? GROUP BY checkpoint_ns"
            gone = c.execute(
                f"DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_id NOT IN ({keep})",
                (thread_id, thread_id),
            ).rowcount
            c.execute(
                f"DELETE FROM writes WHERE thread_id = ? AND checkpoint_id NOT IN ({keep})",
                (thread_id, thread_id),
            )
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.execute("VACUUM")
        return int(gone)

    # -- meta --------------------------------------------------------------------------------------

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @property
    def run_id(self) -> str:
        return self.get_meta("run_id") or self.path.stem

    @property
    def config(self) -> ScanConfig:
        raw = self.get_meta("config")
        if raw is None:
            raise RunNotFound(f"{self.path} holds no scan configuration")
        stored = json.loads(raw)
        # Runs from before effort levels ran the learned loop alone; a resume must not change that.
        stored.setdefault("attack", "loop")
        return ScanConfig.model_validate(stored)

    @property
    def status(self) -> str:
        return self.get_meta("status") or "unknown"

    def set_status(self, status: str, error: str | None = None) -> None:
        self.set_meta("status", status)
        if error is not None:
            self.set_meta("error", error)
        if status == "finished":
            self.set_meta("finished_at", _now_iso())

    # -- inversion attacks -------------------------------------------------------------------------

    def attacks(self) -> list[AttackRun]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT value FROM meta WHERE key LIKE 'attack:%' ORDER BY key"
            ).fetchall()
        return [AttackRun.model_validate_json(r[0]) for r in rows]

    # -- samples -----------------------------------------------------------------------------------

    def sample_size(self, collection: str) -> int | None:
        """Number of stored sample ids, or None when no sample was stored for `collection`."""
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM sample_ids WHERE collection = ?", (collection,)
            ).fetchone()
            done = self._conn.execute(
                "SELECT value FROM meta WHERE key = ?", (f"sample_done:{collection}",)
            ).fetchone()
        return int(row[0]) if done else None

    def save_sample(self, collection: str, ids: Iterable[PointId]) -> int:
        with self._tx() as c:
            c.execute("DELETE FROM sample_ids WHERE collection = ?", (collection,))
            c.executemany(
                "INSERT INTO sample_ids (collection, idx, point_id) VALUES (?, ?, ?)",
                ((collection, i, encode_id(pid)) for i, pid in enumerate(ids)),
            )
            n = int(
                c.execute("SELECT COUNT(*) FROM sample_ids WHERE collection = ?", (collection,)).fetchone()[0]
            )
            c.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (f"sample_done:{collection}", str(n)),
            )
        return n

    def sample_slice(self, collection: str, start: int, count: int) -> list[PointId]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT point_id FROM sample_ids WHERE collection = ? AND idx >= ? ORDER BY idx LIMIT ?",
                (collection, start, count),
            ).fetchall()
        return [decode_id(r[0]) for r in rows]

    # -- partitions (distributed scans) ------------------------------------------------------------

    def save_partitions(self, collection: str, starts: Sequence[tuple[PointId | int, int]]) -> None:
        """Fix `collection`'s partitions as (first point id, or first sample index; points), in order.

        Written once, before any partition runs, so a resumed run cuts the same partitions."""
        with self._tx() as c:
            c.execute("DELETE FROM partitions WHERE collection = ?", (collection,))
            c.executemany(
                "INSERT INTO partitions (collection, idx, start_id, points) VALUES (?, ?, ?, ?)",
                ((collection, i, encode_id(start), int(n)) for i, (start, n) in enumerate(starts)),
            )
            c.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (f"partitions_done:{collection}", str(len(starts))),
            )

    def partitions(self, collection: str) -> list[tuple[Any, int]] | None:
        """What `save_partitions` stored for `collection`, or None when it has not run."""
        with self._lock:
            done = self._conn.execute(
                "SELECT value FROM meta WHERE key = ?", (f"partitions_done:{collection}",)
            ).fetchone()
            rows = self._conn.execute(
                "SELECT start_id, points FROM partitions WHERE collection = ? ORDER BY idx", (collection,)
            ).fetchall()
        return [(decode_id(r[0]), int(r[1])) for r in rows] if done else None

    def batch_numbers(self, collection: str) -> set[int]:
        """The batch (or partition) numbers of `collection` whose results are committed."""
        with self._lock:
            rows = self._conn.execute("SELECT batch_no FROM batches WHERE collection = ?", (collection,))
            return {int(r[0]) for r in rows.fetchall()}

    # -- adaptive sampling -------------------------------------------------------------------------

    def inverted_vectors(self) -> dict[str, int]:
        """Vectors inverted so far, per collection."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT collection, COUNT(*) FROM inversions GROUP BY collection"
            ).fetchall()
        return {str(c): int(n) for c, n in rows}

    def points_with_entity(self, collection: str, source: str) -> dict[str, int]:
        """Per entity type: distinct points of `collection` with a finding of that type from `source`
        ("payload" or "inversion"), allowlisted values left out (counts only, no value)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT entity_type, COUNT(DISTINCT point_id) FROM findings "
                "WHERE collection = ? AND source = ? AND allowlisted = 0 GROUP BY entity_type",
                (collection, source),
            ).fetchall()
        return {str(t): int(n) for t, n in rows}

    def record_sampling_decision(
        self,
        collection: str,
        step: int,
        *,
        inverted: int,
        vectors: int,
        seconds: float,
        widest: float | None,
        stop: str | None,
        reason: str,
    ) -> None:
        """Store one adaptive-sampling decision (step = the batch number it was taken before).

        Replaying a step (a resumed run) keeps the seconds first recorded for it: the time went
        into the batch then, whatever the replay measures.
        """
        with self._tx() as c:
            old = c.execute(
                "SELECT seconds FROM sampling_decisions WHERE collection = ? AND step = ?", (collection, step)
            ).fetchone()
            c.execute(
                "INSERT OR REPLACE INTO sampling_decisions (collection, step, inverted, vectors, seconds, "
                "widest, stop, reason, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (collection, step, inverted, vectors, float(old[0]) if old else seconds, widest, stop)
                + (reason, time.time()),
            )

    def sampling_decisions(self, collection: str) -> list[dict[str, Any]]:
        """Every decision for `collection`, in step order (for the report and for audits)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT step, inverted, vectors, seconds, widest, stop, reason FROM sampling_decisions "
                "WHERE collection = ? ORDER BY step",
                (collection,),
            ).fetchall()
        keys = ("step", "inverted", "vectors", "seconds", "widest", "stop", "reason")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def sampling_seconds(self) -> dict[str, float]:
        """Seconds of batches run while inversion was on, per collection (for --budget-time)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT collection, SUM(seconds) FROM sampling_decisions GROUP BY collection"
            ).fetchall()
        return {str(c): float(n or 0.0) for c, n in rows}

    def points_read(self, collection: str) -> int:
        """Points whose payload was analyzed so far, over the stored batches of `collection`."""
        return sum(c.points_analyzed for c in self.coverage(collection))

    # -- batches -----------------------------------------------------------------------------------

    def batch(self, collection: str, batch_no: int) -> BatchRecord | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT start_cursor, next_cursor, exhausted, points, inverted, findings, coverage "
                "FROM batches WHERE collection = ? AND batch_no = ?",
                (collection, batch_no),
            ).fetchone()
        if row is None:
            return None
        return BatchRecord(
            collection,
            batch_no,
            decode_id(row[0]),
            decode_id(row[1]),
            bool(row[2]),
            int(row[3]),
            int(row[4]),
            int(row[5]),
            Coverage.model_validate_json(row[6]),
        )

    def coverage(self, collection: str) -> Iterator[Coverage]:
        """The coverage of every stored batch of `collection`, in batch order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT coverage FROM batches WHERE collection = ? ORDER BY batch_no", (collection,)
            ).fetchall()
        for (raw,) in rows:
            yield Coverage.model_validate_json(raw)

    def batches_done(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0])

    def commit_batch(
        self,
        record: BatchRecord,
        findings: Iterable[Finding],
        inversions: Iterable[InversionRow] = (),
        *,
        keys: Sequence[str] | None = None,
        attacks: Sequence[AttackSpend] = (),
        targeted: tuple[Sequence[TargetedRow], Sequence[TargetedSpend]] = ((), ()),
        payload_checks: Sequence[PayloadCheck] = (),
    ) -> None:
        """Store a batch's results, its progress row and what its inversion spent in one
        transaction (all or nothing), so a resumed run counts every batch once.

        `keys` are the findings' `finding_key`s, in order, when the caller already computed them.
        `targeted` is targeted mode's (pairs, per-slot spend) for this batch; `payload_checks` the
        batch's payload-match checks, one per vector slot.
        """
        findings = list(findings)
        if keys is None:
            keys = [finding_key(f) for f in findings]
        elif len(keys) != len(findings):
            raise ValueError(f"{len(keys)} keys for {len(findings)} findings")
        with self._tx() as c:
            c.executemany(
                "INSERT OR IGNORE INTO findings (key, collection, point_id, vector, source, entity_type, "
                'score, severity, severity_rank, fingerprint, evidence, rule_id, field, start, "end", '
                "allowlisted, baseline_state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    (
                        key,
                        f.collection,
                        encode_id(f.point_id),
                        f.vector,
                        f.source,
                        f.entity_type,
                        float(f.score),
                        f.severity.value,
                        f.severity.rank,
                        f.fingerprint,
                        f.evidence,
                        f.rule_id,
                        f.field,
                        f.start,
                        f.end,
                        int(f.allowlisted),
                        f.baseline_state,
                    )
                    for key, f in zip(keys, findings, strict=True)
                ),
            )
            c.executemany(
                "INSERT OR REPLACE INTO inversions (collection, vector, point_id, text, cosine) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    (r.collection, r.vector, encode_id(r.point_id), r.text, float(r.cosine))
                    for r in inversions
                ),
            )
            for spend in attacks:
                _add_attack(c, spend)
            pairs, slots = targeted
            c.executemany(
                "INSERT OR REPLACE INTO targeted_supports (collection, vector, point_id, candidate, z, "
                "margin, framed) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (t.collection, t.vector, encode_id(t.point_id), t.candidate, t.z, t.margin, int(t.framed))
                    for t in pairs
                ),
            )
            c.executemany(
                "INSERT OR REPLACE INTO targeted_batches (collection, batch_no, vector, encoder, vectors, "
                "reason, encoder_calls, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (t.collection, record.batch_no, t.vector, t.encoder, t.vectors, t.reason)
                    + (t.encoder_calls, t.seconds)
                    for t in slots
                ),
            )
            c.executemany(
                "INSERT OR REPLACE INTO payload_checks (collection, batch_no, vector, encoder, threshold, "
                "checked, mismatched, point_ids, encoder_calls, seconds) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    (p.collection, record.batch_no, p.vector, p.encoder, p.threshold, p.checked)
                    + (len(p.mismatched), json.dumps(p.mismatched[:PAYLOAD_CHECK_IDS]), p.encoder_calls)
                    + (p.seconds,)
                    for p in payload_checks
                ),
            )
            c.execute(
                "INSERT OR REPLACE INTO batches (collection, batch_no, start_cursor, next_cursor, exhausted, "
                "points, inverted, findings, coverage, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.collection,
                    record.batch_no,
                    encode_id(record.start_cursor),
                    encode_id(record.next_cursor),
                    int(record.exhausted),
                    record.points,
                    record.inverted,
                    record.findings,
                    record.coverage.model_dump_json(exclude_computed_fields=True),
                    time.time(),
                ),
            )

    # -- reading results ---------------------------------------------------------------------------

    def count_findings(self, collection: str | None = None) -> int:
        sql = "SELECT COUNT(*) FROM findings"
        args: tuple[str, ...] = ()
        if collection is not None:
            sql, args = sql + " WHERE collection = ?", (collection,)
        with self._lock:
            return int(self._conn.execute(sql, args).fetchone()[0])

    def count_inversions(self, collection: str) -> int:
        with self._lock:
            return int(
                self._conn.execute(
                    "SELECT COUNT(*) FROM inversions WHERE collection = ?", (collection,)
                ).fetchone()[0]
            )

    def iter_findings(self) -> Iterator[Finding]:
        """Findings in scan order, built without re-validation (the rows were validated on the way in).

        A report can hold many thousands of findings, so they are built lean: repeated values
        (collection, field path, entity, rule, and the point id of consecutive findings) share one
        string object, and all findings share one `model_fields_set` (every field is always set).
        """
        shared: dict[str, str] = {}
        last_raw, last_id = "", None

        def same(value: str | None) -> str | None:
            return None if value is None else shared.setdefault(value, value)

        for r in self._stream(
            "SELECT collection, point_id, vector, source, entity_type, score, severity, fingerprint, "
            'evidence, rule_id, field, start, "end", allowlisted, baseline_state FROM findings ORDER BY rowid'
        ):
            if r[1] != last_raw:
                last_raw, last_id = r[1], decode_id(r[1])
            yield Finding.model_construct(
                _FINDING_FIELDS_SET,
                collection=same(r[0]),
                point_id=last_id,
                vector=same(r[2]),
                source=same(r[3]),
                entity_type=same(r[4]),
                score=r[5],
                severity=Severity(r[6]),
                fingerprint=r[7],
                evidence=r[8],
                rule_id=same(r[9]),
                field=same(r[10]),
                start=r[11],
                end=r[12],
                allowlisted=bool(r[13]),
                baseline_state=same(r[14]),
            )

    def payload_matches(self, collection: str) -> dict[str, PayloadMatch]:
        """Per vector slot of `collection`, its payload-match checks added up over every batch."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT vector, encoder, threshold, checked, mismatched, point_ids, encoder_calls, seconds "
                "FROM payload_checks WHERE collection = ? ORDER BY batch_no, rowid",
                (collection,),
            ).fetchall()
        out: dict[str, PayloadMatch] = {}
        for vector, encoder, threshold, checked, mismatched, ids, calls, seconds in rows:
            m = out.setdefault(vector, PayloadMatch(encoder=encoder, threshold=threshold))
            m.points_checked += int(checked)
            m.points_mismatched += int(mismatched)
            m.point_ids.extend(json.loads(ids)[: PAYLOAD_CHECK_IDS - len(m.point_ids)])
            m.encoder_calls += int(calls)
            m.seconds = round(m.seconds + float(seconds), 3)
        return out

    # -- targeted mode -----------------------------------------------------------------------------

    def set_targeted_candidates(self, candidates: Sequence[dict[str, Any]]) -> None:
        """The run's candidates as {line, entity_type, fingerprint}, in file order (no value)."""
        self.set_meta("targeted:candidates", json.dumps(list(candidates)))

    def targeted_candidates(self) -> list[dict[str, Any]] | None:
        """What `set_targeted_candidates` stored, or None for a run without --candidates."""
        raw = self.get_meta("targeted:candidates")
        return None if raw is None else list(json.loads(raw))

    def targeted_spend(self) -> list[TargetedSpend]:
        """Per collection, vector slot, encoder and reason: the vectors and what judging them cost."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT collection, vector, encoder, reason, SUM(vectors), SUM(encoder_calls), "
                "SUM(seconds) FROM targeted_batches GROUP BY collection, vector, encoder, reason "
                "ORDER BY MIN(rowid)"
            ).fetchall()
        return [TargetedSpend(r[0], r[1], r[2], int(r[4]), r[3], int(r[5]), float(r[6])) for r in rows]

    def targeted_rows(self, min_z: float, min_margin: float) -> list[TargetedRow]:
        """The stored pairs with z >= min_z and margin >= min_margin, strongest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT collection, vector, point_id, candidate, z, margin, framed FROM targeted_supports "
                "WHERE z >= ? AND margin >= ? ORDER BY candidate, z DESC, rowid",
                (min_z, min_margin),
            ).fetchall()
        return [
            TargetedRow(r[0], r[1], decode_id(r[2]), int(r[3]), float(r[4]), float(r[5]), bool(r[6]))
            for r in rows
        ]

    def iter_inversions(self) -> Iterator[InversionRecord]:
        sql = "SELECT collection, vector, point_id, text, cosine FROM inversions ORDER BY rowid"
        for r in self._stream(sql):
            yield InversionRecord.model_construct(
                collection=r[0], vector=r[1], point_id=decode_id(r[2]), text=r[3], cosine=r[4]
            )

    def _stream(self, sql: str) -> Iterator[tuple[Any, ...]]:
        """The rows of `sql`, fetched 2048 at a time so memory stays flat however many there are."""
        cur = self._conn.cursor()
        try:
            with self._lock:
                cur.execute(sql)
            while True:
                with self._lock:
                    rows = cur.fetchmany(2048)
                if not rows:
                    return
                yield from rows
        finally:
            cur.close()

    def summary(self, fail_on: Severity) -> ScanSummary:
        with self._lock:
            c = self._conn
            total = int(c.execute("SELECT COUNT(*) FROM findings").fetchone()[0])
            by_sev = dict(
                c.execute(
                    "SELECT severity, COUNT(*) FROM findings GROUP BY severity "
                    "ORDER BY MAX(severity_rank) DESC"
                ).fetchall()
            )
            by_entity = dict(
                c.execute(
                    "SELECT entity_type, COUNT(*) AS n FROM findings GROUP BY entity_type "
                    "ORDER BY n DESC, entity_type"
                ).fetchall()
            )
            points = int(
                c.execute(
                    "SELECT COUNT(*) FROM (SELECT DISTINCT collection, point_id FROM findings)"
                ).fetchone()[0]
            )
            violations = int(
                c.execute(
                    "SELECT COUNT(*) FROM findings WHERE severity_rank >= ? AND allowlisted = 0",
                    (fail_on.rank,),
                ).fetchone()[0]
            )
            bypass = int(
                c.execute(
                    "SELECT COUNT(*) FROM findings WHERE rule_id = ?", (REDACTION_BYPASS_RULE_ID,)
                ).fetchone()[0]
            )
            mismatched = int(
                c.execute("SELECT COALESCE(SUM(mismatched), 0) FROM payload_checks").fetchone()[0]
            )
        return ScanSummary(
            findings_total=total,
            by_severity={str(k): int(v) for k, v in by_sev.items()},
            by_entity={str(k): int(v) for k, v in by_entity.items()},
            points_with_findings=points,
            violations=violations,
            redaction_bypass=bypass,
            points_mismatched=mismatched,
        )

    # -- internals ---------------------------------------------------------------------------------

    def _create_schema(self) -> None:
        with self._lock:
            self._conn.executescript(_SCHEMA)
            columns = {r[1] for r in self._conn.execute("PRAGMA table_info(batches)")}
            if "invalid" in columns:  # a run started by vecaudit before coverage was recorded
                self._conn.execute("ALTER TABLE batches RENAME COLUMN invalid TO coverage")

    def _tx(self) -> _Tx:
        return _Tx(self)


class _Tx:
    """`with db._tx() as cursor:` one locked transaction, committed on success, rolled back on error."""

    def __init__(self, db: RunDB) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Cursor:
        self._db._lock.acquire()
        try:
            self._db._conn.execute("BEGIN IMMEDIATE")
        except BaseException:  # e.g. "database is locked": __exit__ will not run, so unlock here
            self._db._lock.release()
            raise
        return self._db._conn.cursor()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self._db._conn.commit()
            else:
                self._db._conn.rollback()
        finally:
            self._db._lock.release()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30.0, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA secure_delete=ON")  # deleted rows (see drop_error_writes) leave no bytes behind
    return conn


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def list_runs(state_dir: Path) -> list[Path]:
    return sorted(state_dir.glob("*.sqlite")) if state_dir.is_dir() else []


def _attack_run(method: dict[str, Any]) -> AttackRun:
    return AttackRun(
        encoder=str(method["encoder"]),
        level=str(method.get("level", "loop")),
        budget=method.get("budget"),
        strategies=list(method.get("strategies", [])),
        proposer=method.get("proposer"),
    )


def _add_attack(c: sqlite3.Cursor, spend: AttackSpend) -> None:
    """Add one batch to the attack record of its encoder, inside the caller's transaction."""
    key = f"attack:{spend.method['encoder']}"
    row = c.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    run = AttackRun.model_validate_json(row[0]) if row else _attack_run(spend.method)
    run.vectors += spend.vectors
    if spend.cost is not None:
        run.encoder_calls = (run.encoder_calls or 0) + int(spend.cost.encoder_calls)
        run.seconds += float(spend.cost.seconds)
        for name, calls in spend.cost.calls_by_strategy.items():
            run.calls_by_strategy[name] = run.calls_by_strategy.get(name, 0) + int(calls)
    value = run.model_dump_json(exclude={"encoder_calls_per_vector", "seconds_per_vector"})
    c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
