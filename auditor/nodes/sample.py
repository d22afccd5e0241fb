"""select_sample: the deterministic `--sample N` of a collection, stored once in the run database."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from .context import ScanContext
from .state import ScanState, current_plan


def select_sample(state: ScanState, runtime: Runtime[ScanContext]) -> dict[str, Any]:
    ctx = runtime.context
    plan = current_plan(state)
    size = ctx.db.sample_size(plan["name"])
    if size is None:  # not chosen yet (a resumed run reuses the stored choice)
        from ..stores.sampling import sample_ids

        ids = sample_ids(ctx.store(), plan["name"], ctx.config.sample, ctx.config.seed)
        size = ctx.db.save_sample(plan["name"], ids)
    plans = list(state["plans"])
    plans[state.get("index", 0)] = {**plan, "planned": size}
    return {"plans": plans}
