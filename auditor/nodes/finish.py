"""finish_collection, route_next and finalize: close a collection, pick the next, end the run.

finish_collection adds up what the collection's batches analyzed and left out (stored with each
batch, so a resumed run counts every batch once) into the collection's `coverage`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from langgraph.runtime import Runtime

from ..coverage import CoverageTally, gap_summary
from ..models import CollectionReport, Dequantization, EncoderGuess, GapReason, VectorInfo
from ..progress import CollectionFinished, ScanFinished, emit
from .adaptive import sampling_report
from .context import ScanContext
from .state import ScanState, current_plan, with_note


def finish_collection(state: ScanState, runtime: Runtime[ScanContext]) -> dict[str, Any]:
    ctx = runtime.context
    plan = current_plan(state)
    name = plan["name"]
    notes = state.get("notes", {})
    tally = CoverageTally()
    for batch in ctx.db.coverage(name):
        tally.merge(batch)
    # Records whose point id itself cannot be read: the store holds them but cannot list them.
    unlisted_records = getattr(ctx.store(), "unlisted_records", None)
    unlisted = int(unlisted_records(name)) if callable(unlisted_records) else 0
    if unlisted:
        tally.skipped(GapReason.unreadable_record, detail="the point id cannot be read", count=unlisted)
    coverage = tally.coverage()
    if plan["points_total"] + unlisted == 0:
        notes = with_note(notes, name, "the collection is empty")

    guesses = {v: EncoderGuess.model_validate(g) for v, g in state.get("encoders", {}).get(name, {}).items()}
    primary = guesses.get("") or next(iter(guesses.values()), EncoderGuess())
    report = CollectionReport(
        name=name,
        points_total=plan["points_total"] + unlisted,
        points_scanned=coverage.points_analyzed,
        vectors=[VectorInfo.model_validate(v) for v in plan["vectors"]],
        encoder=primary,
        encoders=guesses if any(guesses) else {},
        inverted=ctx.db.count_inversions(name),
        notes=notes.get(name, []),
        coverage=coverage,
        dequantization={
            v: Dequantization.model_validate(r)
            for v, r in state.get("dequantization", {}).get(name, {}).items()
        },
        payload_match=ctx.db.payload_matches(name),
        sampling=sampling_report(ctx, state),
    )
    emit(
        CollectionFinished(
            name,
            coverage.points_analyzed,
            ctx.db.count_findings(name),
            "" if coverage.complete else gap_summary(coverage),
        )
    )
    return {
        "results": [*state.get("results", []), report.model_dump(mode="json")],
        "notes": notes,
        "index": state.get("index", 0) + 1,
        "batch_no": 0,
        "cursor": None,
        "exhausted": False,
        "invert_plan": {},
        "dequantize_plan": {},
        "invert_quota": None,
        "invert_round": None,
    }


def route_next(state: ScanState) -> Literal["select_sample", "identify_encoders", "finalize"]:
    """After discovery or a finished collection: the next collection's first node, or the end."""
    if state.get("index", 0) >= len(state.get("plans", [])):
        return "finalize"
    ordered = state.get("sample", 0) > 0 or state.get("adaptive", False)  # adaptive: a random order
    return "select_sample" if ordered else "identify_encoders"


def finalize(state: ScanState, runtime: Runtime[ScanContext]) -> dict[str, Any]:
    """Store what the report needs beyond the findings table, and mark the run finished."""
    ctx = runtime.context
    ctx.db.set_meta("collections", json.dumps(state.get("results", [])))
    ctx.db.set_meta("stages_skipped", json.dumps(state.get("stages_skipped", {})))
    ctx.db.set_status("finished")
    emit(ScanFinished(ctx.run_id, True, sum(state.get("done", {}).values()), ctx.db.count_findings()))
    return {"finished": True}
