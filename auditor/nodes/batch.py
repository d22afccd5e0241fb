"""process_batch: read one batch of the current collection and run every per-batch stage on it.

The batch's points (payloads, vectors) exist only inside this node. Its findings and inversion
rows are committed to the run database in one transaction together with a progress row keyed by
(collection, batch number), which also holds the batch's coverage: every point, field and vector
it did not analyze, with the reason; the node then returns only the new cursor and counts. If the process
dies after that commit but before LangGraph saves the checkpoint, the resumed run finds the
progress row and reuses it instead of scanning the batch again, and the findings table ignores
duplicates anyway: no work is lost and nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from langgraph.runtime import Runtime

from ..coverage import CoverageTally
from ..encoders.dequantize import Dequantizer
from ..models import Finding, GapReason, Point, PointId, VectorInfo, VectorKind
from ..progress import BatchScanned, emit
from ..rundb import AttackSpend, BatchRecord, InversionRow, PayloadCheck, RunDB, finding_key
from ..stores.points import normalize_id
from .context import ScanContext
from .redaction import bypass_findings, payload_check
from .stages import inversion_results, payload_findings, usable_vectors
from .state import CollectionPlan, ScanState, current_plan
from .targeted import TargetedRow, TargetedSpend, slot_encoder, targeted_rows


def process_batch(state: ScanState, runtime: Runtime[ScanContext]) -> dict[str, Any]:
    ctx = runtime.context
    ctx.check_cancelled()
    plan = current_plan(state)
    name = plan["name"]
    batch_no = state.get("batch_no", 0)
    cursor = state.get("cursor")
    record = ctx.db.batch(name, batch_no)
    if record is None or record.start_cursor != cursor:
        record = _scan_batch(ctx, state, batch_no, cursor)

    done = {**state.get("done", {})}
    done[name] = done.get(name, 0) + record.points
    emit_scanned(plan, record, done, sum(p["planned"] for p in state["plans"]), state.get("findings", 0))
    return {
        "findings": state.get("findings", 0) + record.findings,
        "batch_no": batch_no + 1,
        "cursor": record.next_cursor,
        "exhausted": record.exhausted,
        "done": done,
    }


def emit_scanned(
    plan: CollectionPlan, record: BatchRecord, done: dict[str, int], planned_total: int, findings_before: int
) -> None:
    """The progress event for one stored batch or partition (`done` already counts it)."""
    emit(
        BatchScanned(
            collection=plan["name"],
            points=record.points,
            collection_done=done[plan["name"]],
            collection_planned=plan["planned"],
            points_done=sum(done.values()),
            points_planned=planned_total,
            findings=findings_before + record.findings,
            inverted=record.inverted,
            not_analyzed=sum(g.count for g in record.coverage.not_analyzed),
        )
    )


def route_batches(state: ScanState) -> Literal["process_batch", "process_partitions"]:
    """After the inversion decision: batches in this process, or partitions on workers (--ray)."""
    return "process_partitions" if state.get("partitioned") else "process_batch"


def route_after_batch(state: ScanState) -> Literal["process_batch", "decide_sampling", "finish_collection"]:
    # adaptive sampling decides after every batch while the collection is still being inverted
    # (after its last batch too, to count that batch's time against --budget-time)
    if state.get("adaptive") and state.get("invert_plan"):
        return "decide_sampling"
    return "finish_collection" if state.get("exhausted") else "process_batch"


@dataclass
class BatchResult:
    """What the stages made of some points, not stored yet: findings (masked evidence unless
    --reveal) with their `finding_key`s, inversion rows (text only with --reveal), attack spend,
    targeted-mode rows, payload checks and the coverage tally. Counts, ids and fingerprints only."""

    points: int = 0  # points read, plus sampled ids the store no longer has
    findings: list[Finding] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    rows: list[InversionRow] = field(default_factory=list)
    spends: list[AttackSpend] = field(default_factory=list)
    targeted: list[TargetedRow] = field(default_factory=list)
    targeted_spends: list[TargetedSpend] = field(default_factory=list)
    checks: list[PayloadCheck] = field(default_factory=list)
    tally: CoverageTally = field(default_factory=CoverageTally)

    def add(self, other: BatchResult) -> None:
        """Append `other` (the next batch of the same collection): a partition's batches as one.

        Payload checks of the same vector slot add up, as `RunDB.payload_matches` adds batches."""
        self.points += other.points
        self.findings.extend(other.findings)
        self.keys.extend(other.keys)
        self.rows.extend(other.rows)
        self.spends.extend(other.spends)
        self.targeted.extend(other.targeted)
        self.targeted_spends.extend(other.targeted_spends)
        self.tally.merge(other.tally.coverage())
        by_slot = {c.vector: i for i, c in enumerate(self.checks)}
        for check in other.checks:
            i = by_slot.get(check.vector)
            if i is None:
                by_slot[check.vector] = len(self.checks)
                self.checks.append(check)
                continue
            mine = self.checks[i]
            self.checks[i] = replace(
                mine,
                checked=mine.checked + check.checked,
                mismatched=[*mine.mismatched, *check.mismatched],
                encoder_calls=mine.encoder_calls + check.encoder_calls,
                seconds=mine.seconds + check.seconds,
            )

    def record(self, collection: str, batch_no: int, start: Any, nxt: Any, exhausted: bool) -> BatchRecord:
        """The progress row of these results, committed with them."""
        return BatchRecord(
            collection=collection,
            batch_no=batch_no,
            start_cursor=start,
            next_cursor=nxt,
            exhausted=exhausted,
            points=self.points,
            inverted=len(self.rows),
            findings=len(set(self.keys)),
            coverage=self.tally.coverage(),
        )

    def commit(self, db: RunDB, record: BatchRecord) -> None:
        """Store the results and their progress row in one transaction (see `RunDB.commit_batch`)."""
        db.commit_batch(
            record,
            self.findings,
            self.rows,
            keys=self.keys,
            attacks=self.spends,
            targeted=(self.targeted, self.targeted_spends),
            payload_checks=self.checks,
        )


def _scan_batch(ctx: ScanContext, state: ScanState, batch_no: int, cursor: Any) -> BatchRecord:
    plan = current_plan(state)
    name = plan["name"]
    points, missing, next_cursor, exhausted = _fetch(ctx, name, plan["planned"], cursor, reads_vectors(plan))
    result = analyze_batch(ctx, state, points, missing)
    record = result.record(name, batch_no, cursor, next_cursor, exhausted)
    result.commit(ctx.db, record)
    return record


def reads_vectors(plan: CollectionPlan) -> bool:
    """Whether the collection's batches are read with their vectors (it has a dense slot)."""
    return any(VectorInfo.model_validate(v).kind == VectorKind.dense for v in plan["vectors"])


def analyze_batch(
    ctx: ScanContext, state: ScanState, points: list[Point], missing: Sequence[PointId] = ()
) -> BatchResult:
    """Run every per-batch stage on `points` of the current collection; nothing is written.

    `missing` are sampled ids the store no longer has (counted as not analyzed). Uses the state's
    current plan, encoder guesses, inversion and de-quantization plans: a distributed worker passes
    the driver's (vecaudit.nodes.partitions). Only `ctx`'s detector, policy, inverters, encoders and
    candidates are used, never its run database.
    """
    plan = current_plan(state)
    name = plan["name"]
    invert_plan = state.get("invert_plan", {})
    dequantize_plan = state.get("dequantize_plan", {})
    # Slots of integer codes whose scale could not be inferred: vector -> why (for the coverage gap).
    not_inferred = {
        vector: f"{r['codes']} codes ({r['found_by']}): {r.get('reason') or 'not de-quantized'}"
        for vector, r in state.get("dequantization", {}).get(plan["name"], {}).items()
        if not r.get("inferred")
    }
    # Every dense vector is read and checked, inverted or not: one that cannot be analyzed (NaN,
    # wrong dimension, not numbers) is counted, even where the slot is only identified.
    dense = {
        i.name: i.dim for i in map(VectorInfo.model_validate, plan["vectors"]) if i.kind == VectorKind.dense
    }
    tally = CoverageTally()
    for point_id in missing:
        tally.skipped(GapReason.missing_point, point_id=point_id)
    for p in points:
        if p.unread is not None:
            tally.skipped(GapReason.unreadable_record, point_id=p.id, detail=p.unread)
    findings: list[Finding] = payload_findings(ctx, name, points, tally)
    found_in_payloads = list(findings)  # what each payload holds, for the redaction-bypass check
    checks: list[PayloadCheck] = []  # per slot: vectors not made from their payload text
    rows: list[InversionRow] = []
    spends: list[AttackSpend] = []
    targeted: list[TargetedRow] = []  # targeted mode (--candidates): indices and statistics, no value
    targeted_spends: list[TargetedSpend] = []
    for vector, dim in dense.items():
        ctx.check_cancelled()
        keep, matrix, rejected = usable_vectors(points, vector, dim)
        for i, reason in rejected:
            tally.skipped(reason, point_id=points[i].id, vector=vector or "(default)")
        if vector in not_inferred:
            for i in keep:
                tally.skipped(
                    GapReason.quantized_vector,
                    point_id=points[i].id,
                    vector=vector or "(default)",
                    detail=not_inferred[vector],
                )
            if ctx.candidates and keep:
                why = "integer codes whose scale could not be inferred"
                targeted_spends.append(TargetedSpend(name, vector, None, len(keep), why))
            continue
        if vector in dequantize_plan and len(keep):
            matrix = Dequantizer.from_state(dequantize_plan[vector]).apply(matrix)
        ids: list[PointId] = [points[i].id for i in keep]
        mismatched: set[PointId] = set()
        # De-quantized vectors sit below their encoder's own cosine by the quantization error, so
        # the calibrated thresholds do not hold for them: those slots are not checked.
        # the slot's encoder, judged once for the payload check and targeted mode alike
        known, why_not = slot_encoder(state, name, vector, matrix.shape[1]) if keep else (None, None)
        if known is not None and vector not in dequantize_plan:
            check = payload_check(ctx, name, vector, known, points, keep, matrix)
            checks.append(check)
            mismatched = set(check.mismatched)
        encoder = invert_plan.get(vector)
        recovered: list[str] | None = None
        if encoder is not None:
            # adaptive sampling's vector budget: the batch's first `quota` points by position (the
            # order is random), so the draws are a prefix of the order whatever their vectors; a
            # point in it without a usable vector is a draw that cannot leak by inversion
            quota = state.get("invert_quota")
            n_inv = len(ids) if quota is None else sum(1 for i in keep if i < quota)
            vector_rows, vector_findings, spend, recovered = inversion_results(
                ctx, name, vector, encoder, ids[:n_inv], matrix[:n_inv]
            )
            if spend is not None:
                spends.append(spend)
            rows.extend(vector_rows)
            by_point = dict(zip(ids[:n_inv], recovered, strict=True)) if recovered else {}
            if n_inv < len(ids):
                # targeted mode judges the values alone where nothing was inverted (""), and the
                # inverted points in their frames, as in any other batch
                recovered = [*recovered, *[""] * (len(ids) - n_inv)] if recovered else None
            findings.extend(
                bypass_findings(ctx, vector_findings, found_in_payloads, points, mismatched, by_point)
            )
        if ctx.candidates and keep:
            if known is None:
                targeted_spends.append(TargetedSpend(name, vector, None, len(keep), why_not))
            else:
                found, spent = targeted_rows(ctx, name, vector, known, ids, matrix, recovered)
                targeted.extend(found)
                targeted_spends.append(spent)
    if ctx.candidates:
        # Sparse and multi-vectors are never judged against the candidates: the points they hold
        # are unchecked data, not "unsupported", or a store without a dense slot would pass clean.
        read = sum(p.unread is None for p in points)
        for info in map(VectorInfo.model_validate, plan["vectors"]):
            if info.kind != VectorKind.dense and read:
                why = f"{info.kind.value} vectors are not checked against the candidates"
                targeted_spends.append(TargetedSpend(name, info.name, None, read, why))

    keys = [finding_key(f) for f in findings]  # computed once: the count and the table's primary key
    return BatchResult(
        points=len(points) + len(missing),
        findings=findings,
        keys=keys,
        rows=rows,
        spends=spends,
        targeted=targeted,
        targeted_spends=targeted_spends,
        checks=checks,
        tally=tally,
    )


def _fetch(
    ctx: ScanContext, collection: str, planned: int, cursor: Any, with_vectors: bool
) -> tuple[list[Point], list[PointId], Any, bool]:
    """(points, sampled ids the store no longer has, next cursor, whether the collection is exhausted)."""
    size = ctx.config.batch_size
    if ctx.config.sample or ctx.config.adaptive:  # the stored id list (adaptive: in random order)
        start = int(cursor or 0)
        ids = ctx.db.sample_slice(collection, start, size)
        points = ctx.store().retrieve(collection, ids, with_vectors=with_vectors) if ids else []
        found = {p.id for p in points}
        missing = [i for i in ids if normalize_id(i) not in found]
        nxt = start + len(ids)
        return points, missing, nxt, not ids or nxt >= planned
    points, next_offset = ctx.next_batch(collection, cursor, with_vectors)
    return points, [], next_offset, next_offset is None
