"""The scan graph: every node of a scan and every edge between them, wired here and nowhere else.

```
START ─► discover ─► route_next ─┬─► select_sample ─┐            (--sample N, adaptive sampling)
                                 └──────────────────┴─► identify_encoders ─► route_inversion
           ┌────────────────────────────────────────────────────────────────────┤
           │                             plan_inversion ◄── encoder known, inversion wanted
           │                             skip_inversion ◄── --no-invert / encoder unknown / no vectors
           ▼                                    ▼   route_batches (after skip_inversion too)
     process_batch ◄──┐ (loop while the       process_partitions (--ray: the collection's
           │          │  collection has points)   ▲   │  partitions run on workers)
           ├──────────┤                           │   │
           │   decide_sampling ◄──────────────────┼───┤ (adaptive sampling only: after
           │          │                           │   │  plan_inversion and each batch, or each
           ├──────────┴───────────────────────────┘   │  round of partitions, while the
           │                                          │  collection is inverted; stops inversion
           │                                          │  at the precision or budget, payloads go on)
           ▼                                          │
   finish_collection ◄────────────────────────────────┘
           │
           ▼
     route_next ─► (next collection ...) ─► finalize ─► END
```

Why the per-batch stages (fetch, payload detection, inversion, detection in recovered text, policy
evaluation) run inside one node, `process_batch`, as separate functions (`nodes.stages`): a graph
edge between two nodes is a checkpoint, and a checkpoint holds the state. Passing a batch from a
"detect" node to an "invert" node would put payload text and vectors into every checkpoint. Keeping
them inside one node keeps checkpoints small (cursors, counts, encoder names) and free of PII, while
each batch's results go to the run database in one transaction keyed for idempotency
(see `nodes.batch`). The decisions that are made once per collection and that a user wants to see
in the report, identification, whether inversion runs and (with --precision/--budget-*) when
it stops, are graph nodes and conditional edges.

Nodes receive the run's resources (store, detector, policy, inverters, run database) as LangGraph's
run-time context (`nodes.context.ScanContext`), which is never checkpointed.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph

from .nodes.adaptive import decide_sampling, route_after_decide, route_after_plan
from .nodes.batch import process_batch, route_after_batch, route_batches
from .nodes.context import ScanContext
from .nodes.discover import discover
from .nodes.finish import finalize, finish_collection, route_next
from .nodes.identify import identify_encoders
from .nodes.inversion import plan_inversion, route_inversion, skip_inversion
from .nodes.partitions import process_partitions, route_after_partitions
from .nodes.sample import select_sample
from .nodes.state import ScanState


def build_graph(checkpointer: BaseCheckpointSaver[Any] | None = None) -> Any:
    """The compiled scan graph. Run it with `context=ScanContext(...)` and a `thread_id` = run id."""
    g: StateGraph[ScanState, ScanContext, ScanState, ScanState] = StateGraph(
        ScanState, context_schema=ScanContext
    )
    g.add_node("discover", discover)
    g.add_node("select_sample", select_sample)
    g.add_node("identify_encoders", identify_encoders)
    g.add_node("plan_inversion", plan_inversion)
    g.add_node("skip_inversion", skip_inversion)
    g.add_node("decide_sampling", decide_sampling)
    g.add_node("process_batch", process_batch)
    g.add_node("process_partitions", process_partitions)
    g.add_node("finish_collection", finish_collection)
    g.add_node("finalize", finalize)

    # Each router returns the name of the next node; its Literal return type declares the targets.
    g.add_edge(START, "discover")
    g.add_conditional_edges("discover", route_next)
    g.add_edge("select_sample", "identify_encoders")
    g.add_conditional_edges("identify_encoders", route_inversion)
    g.add_conditional_edges("plan_inversion", route_after_plan)
    g.add_conditional_edges("skip_inversion", route_batches)
    g.add_conditional_edges("decide_sampling", route_after_decide)
    g.add_conditional_edges("process_batch", route_after_batch)
    g.add_conditional_edges("process_partitions", route_after_partitions)
    g.add_conditional_edges("finish_collection", route_next)
    g.add_edge("finalize", END)
    return g.compile(checkpointer=checkpointer)


def node_names() -> list[str]:
    """The graph's nodes in wiring order (for documentation and tests)."""
    return [n for n in build_graph().get_graph().nodes if not n.startswith("__")]
