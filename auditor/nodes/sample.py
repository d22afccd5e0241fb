"""select_sample: the deterministic `--sample N` of a collection, stored once in the run database.

With adaptive sampling the ids (the sample, or every id) are stored in a uniformly random order
instead, so that the points inverted before inversion stops are a uniform random sample.
"""

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
        from ..stores.sampling import random_order, sample_ids

        choose = random_order if ctx.config.adaptive else sample_ids
        ids = choose(ctx.store(), plan["name"], ctx.config.sample, ctx.config.seed)
        size = ctx.db.save_sample(plan["name"], ids)
    plans = list(state["plans"])
    plans[state.get("index", 0)] = {**plan, "planned": size}
    return {"plans": plans}
