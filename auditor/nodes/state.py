"""The scan graph's state: what a checkpoint holds.

Only names, counts, cursors, encoder guesses, de-quantization parameters and reasons live here
(what a batch could not analyze is stored with the batch in the run database). Point payloads, vectors and
recovered text never enter the state: they exist only inside the node that processes a batch, and
the results of that batch go straight to the run database. A checkpoint therefore stays small (a
few kilobytes whatever the collection size) and carries no PII.
"""

from __future__ import annotations

from typing import Any, TypedDict


class CollectionPlan(TypedDict):
    name: str
    points_total: int
    planned: int  # points this run will read (the sample size, or points_total)
    vectors: list[dict[str, Any]]  # VectorInfo.model_dump() of each vector slot


class ScanState(TypedDict, total=False):
    plans: list[CollectionPlan]
    sample: int  # --sample N (0 = every point), copied here so edges can route on it
    invert_requested: bool
    partitioned: bool  # --ray: batches run as partitions on workers (nodes.partitions)
    adaptive: bool  # --precision/--budget-*: random order, and decide_sampling before every batch
    invert_quota: int | None  # adaptive: most points the next batch may invert (vector budget)
    invert_round: int | None  # adaptive on Ray: batches the next round may hold (projected need)
    sampling_clock: float  # adaptive: wall time the last batch started (for --budget-time)
    index: int  # position in `plans` of the collection being scanned
    batch_no: int  # next batch of that collection
    cursor: Any  # store offset (int | str | None) for full scans, sample index for samples
    exhausted: bool
    done: dict[str, int]  # collection -> points scanned
    findings: int  # findings so far, whole scan (for progress; the report counts the table)
    encoders: dict[str, dict[str, dict[str, Any]]]  # collection -> vector -> EncoderGuess dump
    invert_plan: dict[str, str]  # current collection: vector -> encoder id to invert with
    # collection -> vector -> Dequantization dump, for slots that hold integer codes
    dequantization: dict[str, dict[str, dict[str, Any]]]
    # current collection: vector -> Dequantizer.to_state() for slots whose codes were de-quantized
    # (scalars, plus two floats per dimension for codes scaled per dimension; never vectors)
    dequantize_plan: dict[str, dict[str, Any]]
    notes: dict[str, list[str]]  # collection -> notes for the report
    stages_skipped: dict[str, str]  # stage -> reason(s)
    results: list[dict[str, Any]]  # CollectionReport dumps, in scan order
    finished: bool


def current_plan(state: ScanState) -> CollectionPlan:
    return state["plans"][state.get("index", 0)]


def with_note(notes: dict[str, list[str]], collection: str, note: str) -> dict[str, list[str]]:
    """A copy of `notes` with `note` added for `collection` (once)."""
    out = {k: list(v) for k, v in notes.items()}
    bucket = out.setdefault(collection, [])
    if note not in bucket:
        bucket.append(note)
    return out


def with_skip(skipped: dict[str, str], stage: str, reason: str) -> dict[str, str]:
    """A copy of `skipped` recording why `stage` did not run; reasons from several collections add up."""
    out = dict(skipped)
    old = out.get(stage)
    if old is None:
        out[stage] = reason
    elif reason not in old.split("; "):
        out[stage] = f"{old}; {reason}"
    return out
