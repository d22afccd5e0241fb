"""process_partitions: a collection's batches, cut into partitions that run elsewhere (`--ray`).

The driver decides everything that is decided once per collection (discovery, the sample, the
encoder of each vector slot, the inversion and de-quantization plans) in the graph as usual. This
node then cuts the collection into partitions, hands the ones not finished yet to a
`PartitionExecutor` (vecaudit.distributed runs them as Ray tasks), and commits each partition's
results to the run database as they come back, in one transaction with its progress row keyed by
(collection, partition number). A resumed run re-enters this node, finds which partitions are
committed and runs only the others: no partition is lost or counted twice (findings are keyed too).

Partitioning. Qdrant scrolls points in id order (unsigned ints ascending, then UUIDs), and a scroll
can start at any id. The driver lists the ids once, with an ids-only scroll (no vectors, no
payloads), and cuts a partition every `size` ids, `size` a multiple of `--batch-size`. A partition
is a half-open range of the id order: from its first id (the first partition: from the start of
the collection) up to the next partition's first id (the last: to the end). A worker scrolls from
its first id and stops at the next one, so a live store written during the scan loses or doubles
nothing: a point inserted into a range is read by that range's partition alone, a deleted one by
none, and the point count listed is only what progress is measured against. Why not ranges of the id
space or hash partitions: ids may be sparse, clustered or UUIDs, so arithmetic ranges come out
unbalanced, and a hash partition needs every worker to read every point. Why batch-aligned: every
worker then reads exactly the batches a single-process scan reads, so every stage sees the same
points together and the findings equal the single-process scan's. With `--sample N` a partition
is a slice of the stored sample. The partitions are stored before any runs, so a resume cuts none.

Adaptive sampling (`--precision`, `--budget-*`) on Ray. The ids are stored in a random order and a
partition is a slice of it, as with `--sample`. While the collection is inverted, the node runs one
round, a batch per worker (`inverting_round`), and the graph returns to `decide_sampling`, which
rebuilds the intervals from the committed batches and sets the next round's quota; batch numbers
and their contents are those of a single-process scan. Once inversion stops, the rest of the order
is cut into partitions (stored then, so a resume cuts the same ones) and runs as a sampled scan.
The decision waits for a round's slowest batch: a round costs one batch's time on every worker.

What crosses to a worker is a `PartitionTask` (names, ids, encoder names and plans: no secrets, no
PII); what comes back is a `BatchResult` (counts, keyed fingerprints and masked evidence, and
recovered text only with --reveal). Secrets travel separately (see vecaudit.distributed).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol

from langgraph.runtime import Runtime
from pydantic import BaseModel, ConfigDict

from ..errors import ScanIncomplete, TargetError
from ..models import PointId
from ..stores.points import id_sort_key, normalize_id
from .batch import BatchResult, analyze_batch, emit_scanned, reads_vectors
from .context import ScanContext
from .state import ScanState, current_plan

#: Partitions per worker a collection is cut into by default: enough to balance uneven workers and
#: to lose little when one dies, few enough that per-task overhead stays small.
PARTITIONS_PER_WORKER = 8
#: Batches per partition at most by default (8,192 points at --batch-size 128).
MAX_BATCHES_PER_PARTITION = 64

#: The state a worker needs to run the per-batch stages exactly as the driver would.
SHIPPED_STATE = ("encoders", "invert_plan", "dequantize_plan", "dequantization")


class PartitionTask(BaseModel):
    """One partition of one collection, as a worker receives it (no secrets, no PII).

    A full scan's partition reads the id range [`start`, `end`) in scroll order (`start` None: from
    the collection's start; `end` None: to its end); `points` is the count listed when the
    partitions were cut. `sample_ids` are a sampled scan's ids instead. `state` is the driver's scan
    state for this collection: its plan alone in `plans`, encoder guesses, inversion and
    de-quantization plans (names and scalars only).
    """

    model_config = ConfigDict(frozen=True)

    run_id: str
    collection: str
    index: int
    points: int
    start: PointId | None = None
    end: PointId | None = None
    sample_ids: list[PointId] | None = None
    state: dict[str, Any]


class PartitionExecutor(Protocol):
    """Runs partitions somewhere else and hands back their results as each one finishes."""

    #: Partitions that run at once (the default partition size is cut for this many).
    workers: int

    def run(self, tasks: Sequence[PartitionTask]) -> Iterator[tuple[PartitionTask, BatchResult]]:
        """Yield (task, result) in completion order. Raises ScanIncomplete when a partition could
        not finish (its worker died more often than retries allow), a VecauditError when one
        failed; stops the tasks still running when the caller stops iterating."""
        ...

    def close(self) -> None: ...


def partition_size(config_size: int, batch_size: int, planned: int, workers: int) -> int:
    """Points per partition: `config_size` (0 = about PARTITIONS_PER_WORKER per worker, at most
    MAX_BATCHES_PER_PARTITION batches), rounded up to whole batches."""
    if config_size <= 0:
        config_size = min(
            math.ceil(planned / max(1, workers * PARTITIONS_PER_WORKER)),
            MAX_BATCHES_PER_PARTITION * batch_size,
        )
    return max(1, math.ceil(config_size / batch_size)) * batch_size


def plan_partitions(ctx: ScanContext, state: ScanState, workers: int) -> list[tuple[Any, int]]:
    """The current collection's partitions as (first id or sample index, points), cut once per run.

    Adaptive sampling cuts them when inversion ends (at batch `batch_no`): every batch before that
    was a partition of its own (`inverting_round`), the rest are cut as a sampled scan's are."""
    plan = current_plan(state)
    name = plan["name"]
    stored = ctx.db.partitions(name)
    if stored is not None:
        return stored
    batch = ctx.config.batch_size
    starts: list[list[Any]] = []
    if ctx.config.sample or ctx.config.adaptive:
        planned = plan["planned"]
        first = 0
        if ctx.config.adaptive:
            # batches of the inverting rounds are partitions of their own, committed ones included
            # (a round always ends before `batch_no`; reading past it would lose no point either)
            reached = max((no + 1 for no in ctx.db.batch_numbers(name)), default=0)
            first = min(max(state.get("batch_no", 0), reached) * batch, planned)
        starts = [[i, min(batch, planned - i)] for i in range(0, first, batch)]
        size = partition_size(ctx.config.partition_size, batch, planned - first, workers)
        starts += [[i, min(size, planned - i)] for i in range(first, planned, size)]
    else:
        size = partition_size(ctx.config.partition_size, batch, plan["planned"], workers)
        # Ids only: about the bytes of the ids themselves, a small part of what the scan reads.
        last: tuple[int, int, str] | None = None
        for n, point_id in enumerate(ctx.store().iter_ids(name, batch_size=max(1024, size))):
            key = id_sort_key(normalize_id(point_id))
            if last is not None and key <= last:
                # partitions are ranges of Qdrant's order; in another order a range would skip
                raise TargetError(
                    f"collection {name} does not list its points in Qdrant's id order "
                    "(integers ascending, then UUIDs), so it cannot be cut into partitions; "
                    "scan it without --ray"
                )
            last = key
            if n % size == 0:
                starts.append([point_id, 0])
            starts[-1][1] += 1
    parts = [(start, count) for start, count in starts]
    ctx.db.save_partitions(name, parts)
    return parts


def inverting_round(
    ctx: ScanContext, state: ScanState, workers: int
) -> list[tuple[int, int, int, int | None]]:
    """Adaptive sampling on Ray: the next round of partitions while the collection is inverted, as
    (batch number, first sample index, points, inversion quota or None).

    One batch per partition, as many as `decide_sampling` fixed in the state (`invert_round`: the
    batches its projection says are still needed, at most one per worker; `workers` only when no
    decision set it), so a resume on another number of workers reruns the same round. The decision
    comes between rounds, so a round can invert more than the precision needed when the projection
    falls short, never more than the vector budget allows: the round holds only the batches the
    quota reaches, and the last of them is cut at it, by position, as a single-process batch is.
    The batches are those a single-process scan reads."""
    plan = current_plan(state)
    planned = plan["planned"]
    batch = ctx.config.batch_size
    first = state.get("batch_no", 0)
    quota = state.get("invert_quota")
    batches = max(state.get("invert_round") or workers, 1)
    out: list[tuple[int, int, int, int | None]] = []
    for j in range(batches):
        start = (first + j) * batch
        room = None if quota is None else quota - j * batch
        if start >= planned or (room is not None and room <= 0):
            break
        count = min(batch, planned - start)
        out.append((first + j, start, count, None if room is None or room >= count else room))
    return out


def scan_partition(ctx: ScanContext, task: PartitionTask) -> BatchResult:
    """Read one partition batch by batch, exactly as a single-process scan reads those batches, and
    run every stage on each (`analyze_batch`). Runs on a worker: nothing is stored here.

    Raises what the stages and the store raise (TargetError, InverterError...)."""
    state: ScanState = {**task.state}  # type: ignore[typeddict-item]
    plan = current_plan(state)
    with_vectors = reads_vectors(plan)
    size = ctx.config.batch_size
    store = ctx.store()
    result = BatchResult()
    if task.sample_ids is not None:
        for i in range(0, len(task.sample_ids), size):
            ctx.check_cancelled()
            ids = task.sample_ids[i : i + size]
            points = store.retrieve(task.collection, ids, with_vectors=with_vectors)
            found = {p.id for p in points}
            missing = [pid for pid in ids if normalize_id(pid) not in found]
            result.add(analyze_batch(ctx, state, points, missing))
        return result
    end = None if task.end is None else id_sort_key(normalize_id(task.end))
    it = store.iter_points(task.collection, batch_size=size, with_vectors=with_vectors, offset=task.start)
    try:
        for batch, next_offset in it:
            ctx.check_cancelled()
            taken = batch if end is None else [p for p in batch if id_sort_key(p.id) < end]
            if taken:
                result.add(analyze_batch(ctx, state, taken))
            if len(taken) < len(batch) or next_offset is None:
                break
            if end is not None and id_sort_key(normalize_id(next_offset)) >= end:
                break  # the next batch starts in the next partition: not read at all
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()
    return result


def process_partitions(state: ScanState, runtime: Runtime[ScanContext]) -> dict[str, Any]:
    """Run the current collection's unfinished partitions and commit each result as it arrives.

    While adaptive sampling inverts the collection, only the next round (`inverting_round`) runs,
    and the graph goes back to `decide_sampling`; otherwise every partition from `batch_no` on."""
    ctx = runtime.context
    executor = ctx.partitions
    if executor is None:
        raise ScanIncomplete(f"run {ctx.run_id} was started with --ray; resume it with a Ray cluster")
    plan = current_plan(state)
    name = plan["name"]
    planned = plan["planned"]
    first = state.get("batch_no", 0)  # partitions before it are counted in the state already
    by_index = bool(ctx.config.sample or ctx.config.adaptive)  # slices of the stored id list
    # (number, first id or sample index, points, quota, where the next partition starts, last)
    parts: list[tuple[int, Any, int, int | None, Any, bool]] = []
    if ctx.config.adaptive and state.get("invert_plan"):
        for no, start, count, quota in inverting_round(ctx, state, executor.workers):
            parts.append((no, start, count, quota, start + count, start + count >= planned))
    else:
        cut = plan_partitions(ctx, state, executor.workers)
        for no, (start, count) in enumerate(cut):
            last = no == len(cut) - 1
            following = None if last else start + count if by_index else cut[no + 1][0]
            if no >= first:
                parts.append((no, start, count, None, following, last))
    committed = ctx.db.batch_numbers(name)
    done = {**state.get("done", {})}
    findings = state.get("findings", 0)
    for no, *_ in parts:
        record = ctx.db.batch(name, no) if no in committed else None
        if record is not None:
            done[name] = done.get(name, 0) + record.points
            findings += record.findings
    shipped: dict[str, Any] = {"plans": [plan], "index": 0} | {k: state.get(k, {}) for k in SHIPPED_STATE}
    tasks = [
        PartitionTask(
            run_id=ctx.run_id,
            collection=name,
            index=no,
            points=count,
            start=None if by_index or no == 0 else start,
            end=None if by_index or last else following,
            sample_ids=ctx.db.sample_slice(name, start, count) if by_index else None,
            state=shipped | {"invert_quota": quota},
        )
        for no, start, count, quota, following, last in parts
        if no not in committed
    ]
    where = {no: (start, following, last) for no, start, _, _, following, last in parts}
    planned_total = sum(p["planned"] for p in state["plans"])
    for task, result in executor.run(tasks):
        start, following, last = where[task.index]
        record = result.record(name, task.index, start, following, last)
        result.commit(ctx.db, record)
        done[name] = done.get(name, 0) + record.points
        emit_scanned(plan, record, done, planned_total, findings)
        findings += record.findings
        ctx.check_cancelled()
    end = parts[-1] if parts else None
    return {
        "findings": findings,
        "batch_no": end[0] + 1 if end else first,
        "cursor": end[4] if end and by_index else None,
        "exhausted": end[5] if end else True,
        "done": done,
    }


def route_after_partitions(state: ScanState) -> Literal["decide_sampling", "finish_collection"]:
    """Adaptive sampling decides after every round while the collection is inverted (after the
    last one too, to charge its time), as after every batch of a single-process scan."""
    if state.get("adaptive") and state.get("invert_plan"):
        return "decide_sampling"
    return "finish_collection"
