"""The inversion branch: a conditional edge decides whether the current collection is inverted.

`route_inversion` sends the graph to `skip_inversion` when the user passed --no-invert or no dense
vector has an identified encoder; otherwise to `plan_inversion`, which loads an inverter for each
identified encoder and records a skip reason for every vector it cannot invert. Either way the
report says what happened (`stages_skipped["invert"]`).
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime

from ..models import VectorInfo
from ..progress import StageSkipped, emit
from .context import ScanContext
from .state import ScanState, current_plan, with_skip

UNKNOWN = "unknown"


def route_inversion(state: ScanState) -> Literal["plan_inversion", "skip_inversion"]:
    if not state.get("invert_requested", True):
        return "skip_inversion"
    guesses = state.get("encoders", {}).get(current_plan(state)["name"], {})
    if any(g.get("name", UNKNOWN) != UNKNOWN for g in guesses.values()):
        return "plan_inversion"
    return "skip_inversion"


def _not_dequantized(state: ScanState, collection: str, vector: str) -> str | None:
    """Why `vector`'s integer codes could not be de-quantized, or None (floats, or de-quantized)."""
    record = state.get("dequantization", {}).get(collection, {}).get(vector)
    if not record or record.get("inferred"):
        return None
    label = vector or "(default)"
    return (
        f"{record['codes']} codes in {collection}/{label} could not be de-quantized: {record.get('reason')}"
    )


def skip_inversion(state: ScanState, runtime: Runtime[ScanContext]) -> dict[str, Any]:
    name = current_plan(state)["name"]
    codes = [
        why for v in state.get("encoders", {}).get(name, {}) if (why := _not_dequantized(state, name, v))
    ]
    if not state.get("invert_requested", True):
        reason = "--no-invert given"
    elif not state.get("encoders", {}).get(name):
        reason = f"no dense vectors in {name}"
    elif codes:
        reason = "; ".join(codes)
    else:
        reason = f"encoder unknown for {name}"
    emit(StageSkipped("invert", reason, name))
    return {"invert_plan": {}, "stages_skipped": with_skip(state.get("stages_skipped", {}), "invert", reason)}


def plan_inversion(state: ScanState, runtime: Runtime[ScanContext]) -> dict[str, Any]:
    from ..encoders.registry import get_spec

    ctx = runtime.context
    plan = current_plan(state)
    dims = {v["name"]: VectorInfo.model_validate(v).dim for v in plan["vectors"]}
    skipped = state.get("stages_skipped", {})
    chosen: dict[str, str] = {}
    for vector, guess in state.get("encoders", {}).get(plan["name"], {}).items():
        encoder = guess.get("name", UNKNOWN)
        label = vector or "(default)"
        reason: str | None = _not_dequantized(state, plan["name"], vector)
        if reason is not None:
            pass
        elif encoder == UNKNOWN:
            reason = f"encoder unknown for {plan['name']}/{label}"
        elif dims.get(vector) not in (None, get_spec(encoder).dim):
            reason = f"encoder {encoder} does not fit the dimension of {plan['name']}/{label}"
        elif ctx.inverter(encoder) is None:
            from ..model_files import searched

            reason = f"no inverter for encoder {encoder} ({searched()})"
        if reason is None:
            chosen[vector] = encoder
        else:
            skipped = with_skip(skipped, "invert", reason)
            emit(StageSkipped("invert", reason, plan["name"]))
    return {"invert_plan": chosen, "stages_skipped": skipped}
