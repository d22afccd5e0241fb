"""Partitioned scans without a cluster: process_partitions with an in-process executor.

The partition logic (cutting, batch alignment, per-partition commits, resume) is what these test;
tests/test_ray_scan.py runs the same on a real Ray cluster.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import vecaudit.distributed as distributed
from clitools import enter_sandbox, pii_store, write_policy
from vecaudit.config import ConfigError, ScanConfig
from vecaudit.errors import ScanIncomplete
from vecaudit.models import ScanReport
from vecaudit.nodes.batch import BatchResult
from vecaudit.nodes.context import ScanContext
from vecaudit.nodes.partitions import PartitionTask, partition_size, scan_partition
from vecaudit.rundb import PayloadCheck
from vecaudit.runner import new_scan, resume_scan

POINTS = 300
BATCH = 16


class InlineExecutor:
    """Runs each partition here, on a detached context (as a worker would), in task order;
    `fail_at` raises ScanIncomplete instead of running that partition (a worker that died)."""

    def __init__(
        self,
        config: ScanConfig,
        run_id: str,
        fail_at: int | None = None,
        workers: int = 2,
        reverse: bool = False,
    ) -> None:
        self.workers = workers
        self.ran: list[int] = []
        self._ctx = ScanContext.detached(ScanConfig.model_validate_json(config.stored()), run_id)
        self._fail_at = fail_at
        self._reverse = reverse  # finish in reverse order, as later tasks on a cluster may

    def run(self, tasks: Sequence[PartitionTask]) -> Iterator[tuple[PartitionTask, BatchResult]]:
        for task in reversed(tasks) if self._reverse else tasks:
            if task.index == self._fail_at:
                raise ScanIncomplete(f"partition {task.index} did not finish")
            self.ran.append(task.index)
            yield task, scan_partition(self._ctx, task)

    def close(self) -> None:
        self._ctx.close()


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = enter_sandbox(tmp_path, monkeypatch)
    pii_store(folder / "store", POINTS)
    write_policy(folder)
    return folder


def _config(base: Path, **extra: Any) -> ScanConfig:
    return ScanConfig.build(
        target=str(base / "store"),
        policy=str(base / "policy.yaml"),
        batch_size=BATCH,
        fail_on="low",
        **{"invert": False, **extra},
    )


def _facts(report: ScanReport) -> tuple[Any, ...]:
    findings = sorted(
        (f.collection, json.dumps(f.point_id), f.source, f.entity_type, f.field, f.start, f.fingerprint)
        for f in report.findings
    )
    cols = [(c.name, c.points_scanned, c.coverage and c.coverage.model_dump()) for c in report.collections]
    return findings, cols, report.summary.model_dump()


def _use(
    monkeypatch: pytest.MonkeyPatch, made: list[InlineExecutor], fail_at: int | None = None, **kw: Any
) -> None:
    def open_executor(config: ScanConfig, run_id: str) -> InlineExecutor:
        made.append(InlineExecutor(config, run_id, fail_at, **kw))
        return made[-1]

    monkeypatch.setattr(distributed, "open_executor", open_executor)


@pytest.mark.parametrize("sample", [0, 100])
def test_partitions_find_what_batches_find(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch, sample: int
) -> None:
    single = new_scan(_config(sandbox, sample=sample), state_dir=sandbox / "a").execute()
    made: list[InlineExecutor] = []
    _use(monkeypatch, made)
    run = new_scan(_config(sandbox, sample=sample, ray="inline", partition_size=40), state_dir=sandbox / "b")
    outcome = run.execute()
    assert single.report.findings and _facts(outcome.report) == _facts(single.report)
    planned = sample or POINTS
    with sqlite3.connect(outcome.db_path) as conn:
        parts = conn.execute("SELECT points FROM partitions ORDER BY idx").fetchall()
    assert [p[0] for p in parts] == [48] * (planned // 48) + [planned % 48]  # 40 rounded up to 3 batches
    assert made[0].ran == list(range(len(parts)))


def test_resume_runs_only_partitions_not_committed(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    single = new_scan(_config(sandbox), state_dir=sandbox / "a").execute()
    made: list[InlineExecutor] = []
    _use(monkeypatch, made, fail_at=3)
    run = new_scan(_config(sandbox, ray="inline", partition_size=48), state_dir=sandbox / "b")
    with pytest.raises(ScanIncomplete):
        run.execute()
    assert made[0].ran == [0, 1, 2]
    _use(monkeypatch, made)
    # the cluster may change on resume (a new head's address): the partitions are stored
    outcome = resume_scan(run.run_id, state_dir=sandbox / "b", ray="inline-2", ray_workers=3).execute()
    assert made[1].ran == [3, 4, 5, 6]
    assert (made[1]._ctx.config.ray, made[1]._ctx.config.ray_workers) == ("inline-2", 3)
    assert _facts(outcome.report) == _facts(single.report)
    # a run that ran in one process keeps batches, not partitions: it cannot move to Ray
    with pytest.raises(ConfigError, match="--ray cannot be added on --resume"):
        resume_scan(single.report.run_id, state_dir=sandbox / "a", ray="inline")


@pytest.mark.parametrize("resumed_on", [2, 8])
def test_adaptive_rounds_resume_on_other_workers_without_losing_or_adding_a_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, resumed_on: int
) -> None:
    """--budget-vectors 64 at batch 16 on 4 workers: the first round is batches 0-3. Batches 3 and 2
    finish first, then the worker of batch 1 dies. Resumed on 2 (or 8) workers, the run reruns the
    round the decision fixed (only 0 and 1 now), not a round of 2 (which would count 4 batches'
    vectors as 2 batches' draws and cut the payload partitions over committed batches, losing
    points) nor one of 8."""
    folder = enter_sandbox(tmp_path, monkeypatch)
    pii_store(folder / "store", 160, dim=384)
    write_policy(folder)
    options: dict[str, Any] = {"invert": True, "budget_vectors": 64}
    options |= {"encoder": "all-MiniLM-L6-v2", "attack": "loop", "steps": 0, "beam": 1}
    single = new_scan(_config(folder, **options), state_dir=folder / "a").execute()
    assert single.report.collections[0].inverted == 64

    made: list[InlineExecutor] = []
    _use(monkeypatch, made, fail_at=1, workers=4, reverse=True)
    run = new_scan(_config(folder, ray="inline", partition_size=48, **options), state_dir=folder / "b")
    with pytest.raises(ScanIncomplete):
        run.execute()
    assert made[0].ran == [3, 2]
    _use(monkeypatch, made, workers=resumed_on)
    outcome = resume_scan(run.run_id, state_dir=folder / "b").execute()
    assert made[1].ran[:2] == [0, 1], "the same round, its committed batches skipped"
    assert _facts(outcome.report) == _facts(single.report)
    col = outcome.report.collections[0]
    assert (col.points_scanned, col.inverted) == (160, 64)
    with sqlite3.connect(outcome.db_path) as conn:
        parts = conn.execute("SELECT start_id, points FROM partitions ORDER BY idx").fetchall()
    # four batches of the round, then the rest of the order (96 points) in partitions of 48
    assert [(json.loads(a), n) for a, n in parts] == [
        (0, 16),
        (16, 16),
        (32, 16),
        (48, 16),
        (64, 48),
        (112, 48),
    ]


def test_a_store_written_during_the_scan_loses_and_doubles_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Partitions are id ranges, not counts: points inserted into a range that has not run yet are
    read by that range's partition alone, deleted ones by none, and those past the last id by the
    last partition. The resumed scan equals a single-process scan of the store as it is now."""
    from qdrant_client import QdrantClient, models
    from storebuild import build_local
    from vecaudit.synthetic.demo_records import generate

    folder = enter_sandbox(tmp_path, monkeypatch)
    write_policy(folder)
    records = generate(POINTS + 6, seed=9, pii_ratio=0.6, collections=("docs",))
    rng = np.random.default_rng(9)
    ids = [10 * (i + 1) for i in range(POINTS)]  # gaps, so points can be inserted inside a range
    build_local(
        folder / "store", "docs", rng.normal(size=(POINTS, 8)), [r.payload for r in records[:POINTS]], ids=ids
    )
    made: list[InlineExecutor] = []
    _use(monkeypatch, made, fail_at=2)
    run = new_scan(_config(folder, ray="inline", partition_size=48), state_dir=folder / "b")
    with pytest.raises(ScanIncomplete):
        run.execute()
    with sqlite3.connect(run.db_path) as conn:
        starts = [json.loads(r[0]) for r in conn.execute("SELECT start_id FROM partitions ORDER BY idx")]
    assert starts[:4] == [10, 490, 970, 1450]  # partitions 0 and 1 are committed
    # the store changes before partition 2 runs: inserts inside ranges 2 and 4 and past the end,
    # a range 3 that loses 12 points (its listed start among them), nothing near committed ranges
    inserted = {975: 0, 1005: 1, 1455 + 480: 2, 10 * POINTS + 5: 3, 10 * POINTS + 500: 4}
    deleted = list(range(1450, 1570, 10))
    client = QdrantClient(path=str(folder / "store"))
    try:
        client.upsert(
            "docs",
            [
                models.PointStruct(
                    id=pid, vector=rng.normal(size=8).tolist(), payload=records[POINTS + k].payload
                )
                for pid, k in inserted.items()
            ],
        )
        client.delete("docs", points_selector=models.PointIdsList(points=deleted))
    finally:
        client.close()
    _use(monkeypatch, made)
    outcome = resume_scan(run.run_id, state_dir=folder / "b").execute()
    single = new_scan(_config(folder), state_dir=folder / "a").execute()
    assert single.report.collections[0].points_scanned == POINTS + len(inserted) - len(deleted)
    (col,) = outcome.report.collections
    assert col.points_scanned == single.report.collections[0].points_scanned
    assert _facts(outcome.report)[0] == _facts(single.report)[0]  # the same findings, each once
    found = {f.point_id for f in outcome.report.findings}
    assert found & set(inserted) and not found & set(deleted)


def test_a_store_not_in_qdrants_id_order_is_refused_on_ray(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Partitions are ranges of Qdrant's id order; a (plugin) store listing ids in another order
    would have points skipped silently, so it is an error before anything is read."""
    from vecaudit.errors import TargetError
    from vecaudit.stores.local_store import QdrantLocalStore

    listed = QdrantLocalStore.iter_ids

    def shuffled(self: Any, collection: str, *, batch_size: int = 1024) -> Iterator[Any]:
        ids = list(listed(self, collection, batch_size=batch_size))
        yield from ids[1::2] + ids[0::2]

    monkeypatch.setattr(QdrantLocalStore, "iter_ids", shuffled)
    made: list[InlineExecutor] = []
    _use(monkeypatch, made)
    run = new_scan(_config(sandbox, ray="inline", partition_size=48), state_dir=sandbox / "b")
    with pytest.raises(TargetError, match="does not list its points in Qdrant's id order"):
        run.execute()
    assert made[0].ran == []


def test_partition_size_is_whole_batches() -> None:
    assert partition_size(0, 128, 100_000_000, 16) == 64 * 128  # capped at 64 batches
    assert partition_size(0, 16, 300, 2) == 32  # ~8 per worker: 19 points, rounded up to 2 batches
    assert partition_size(100, 64, 10**6, 4) == 128
    assert partition_size(0, 64, 0, 4) == 64


def test_partition_results_add_up_payload_checks() -> None:
    def check(checked: int, ids: list[int]) -> PayloadCheck:
        return PayloadCheck("c", "", "all-MiniLM-L6-v2", 0.9, checked, ids, checked, 0.5)

    total = BatchResult(points=2, checks=[check(2, [1])])
    total.add(BatchResult(points=3, checks=[check(3, [7, 8])]))
    assert total.points == 5
    assert len(total.checks) == 1
    merged = total.checks[0]
    assert (merged.checked, merged.mismatched, merged.encoder_calls, merged.seconds) == (5, [1, 7, 8], 5, 1.0)


def test_ray_options_need_ray(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="need --ray"):
        ScanConfig.build(target=str(tmp_path), ray_workers=2)
    with pytest.raises(Exception, match="not supported with --ray"):
        ScanConfig.build(target=str(tmp_path), ray="auto", candidates=str(tmp_path / "c.txt"))


def test_a_failing_partition_reports_its_error_type_never_its_data(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a Ray task raises (Ray logs it): vecaudit's own message, or a library error's type only,
    with no chained traceback; the worker's secrets go into its own environment, never into a log."""
    import vecaudit.nodes.partitions as partitions
    from vecaudit.distributed import ray_scan
    from vecaudit.distributed.ray_scan import PartitionFailed, WorkerSecrets, run_partition
    from vecaudit.fingerprint import KEY_ENV

    monkeypatch.setattr(ray_scan, "_CONTEXTS", {})
    monkeypatch.setenv(KEY_ENV, "x" * 16)  # restored afterwards: the worker overwrites it
    config = _config(sandbox, ray="inline").stored()
    plan = {"name": "gone", "points_total": 4, "planned": 4, "vectors": []}
    task = PartitionTask(
        run_id="r1", collection="gone", index=3, points=4, state={"plans": [plan], "index": 0}
    )
    secrets = WorkerSecrets(fingerprint_key=bytes(range(32)))
    assert "fingerprint_key" not in repr(secrets) and bytes(range(32)).hex() not in repr(secrets)
    with pytest.raises(PartitionFailed, match="partition 3 of gone: CollectionError") as own:
        run_partition(config, secrets, task)
    assert own.value.__suppress_context__ and own.value.__cause__ is None
    assert os.environ[KEY_ENV] == bytes(range(32)).hex()

    def leaky(ctx: object, task: object) -> None:
        raise ValueError("payload said 575-85-5582")

    monkeypatch.setattr(partitions, "scan_partition", leaky)
    with pytest.raises(PartitionFailed) as other:
        run_partition(config, secrets, task)
    assert "ValueError" in str(other.value) and "575" not in str(other.value)
    assert other.value.__suppress_context__
    for ctx in ray_scan._CONTEXTS.values():
        ctx.close()
