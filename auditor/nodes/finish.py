"""finish_collection, route_next and finalize: close a collection, pick the next, end the run."""

from __future__ import annotations

import json
from typing import Any, Literal

from langgraph.runtime import Runtime

from ..models import CollectionReport, EncoderGuess, VectorInfo
from ..progress import CollectionFinished, ScanFinished, emit
from .context import ScanContext
from .state import ScanState, current_plan, with_note


def finish_collection(state: ScanState, runtime: Runtime[ScanContext]) -> dict[str, Any]:
    ctx = runtime.context
    plan = current_plan(state)
    name = plan["name"]
    notes = state.get("notes", {})
    for vector, n in sorted(state.get("invalid_vectors", {}).get(name, {}).items()):
        label = vector or "(default)"
        notes = with_note(
            notes,
            name,
            f"{n} points have NaN/infinite values or the wrong dimension in {label}; not inverted",
        )
    if plan["points_total"] == 0:
        notes = with_note(notes, name, "the collection is empty")

    guesses = {v: EncoderGuess.model_validate(g) for v, g in state.get("encoders", {}).get(name, {}).items()}
    primary = guesses.get("") or next(iter(guesses.values()), EncoderGuess())
    scanned = state.get("done", {}).get(name, 0)
    report = CollectionReport(
        name=name,
        points_total=plan["points_total"],
        points_scanned=scanned,
        vectors=[VectorInfo.model_validate(v) for v in plan["vectors"]],
        encoder=primary,
        encoders=guesses if any(guesses) else {},
        inverted=ctx.db.count_inversions(name),
        notes=notes.get(name, []),
    )
    emit(CollectionFinished(name, scanned, ctx.db.count_findings(name)))
    return {
        "results": [*state.get("results", []), report.model_dump(mode="json")],
        "notes": notes,
        "index": state.get("index", 0) + 1,
        "batch_no": 0,
        "cursor": None,
        "exhausted": False,
        "invert_plan": {},
    }


def route_next(state: ScanState) -> Literal["select_sample", "identify_encoders", "finalize"]:
    """After discovery or a finished collection: the next collection's first node, or the end."""
    if state.get("index", 0) >= len(state.get("plans", [])):
        return "finalize"
    return "select_sample" if state.get("sample", 0) > 0 else "identify_encoders"


def finalize(state: ScanState, runtime: Runtime[ScanContext]) -> dict[str, Any]:
    """Store what the report needs beyond the findings table, and mark the run finished."""
    ctx = runtime.context
    ctx.db.set_meta("collections", json.dumps(state.get("results", [])))
    ctx.db.set_meta("stages_skipped", json.dumps(state.get("stages_skipped", {})))
    ctx.db.set_status("finished")
    emit(ScanFinished(ctx.run_id, True, sum(state.get("done", {}).values()), ctx.db.count_findings()))
    return {"finished": True}
