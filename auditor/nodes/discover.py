"""discover: which collections exist, which ones this run reads, and how many points each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from langgraph.runtime import Runtime

from ..errors import CollectionError
from ..models import CollectionInfo
from ..progress import Notice, ScanPlanned, StageSkipped, emit
from ..stores.base import StoreAdapter, list_collection_names
from .context import ScanContext
from .state import CollectionPlan, ScanState, with_skip


def check_collections(store: StoreAdapter, wanted: Sequence[str], shown: str | None = None) -> list[str]:
    """Raise CollectionError naming the first requested collection the store does not have, and the
    store by `shown` (the scan target's display form; default: the adapter's own).

    Returns the store's collection names, in the store's order: the one listing of a scan, which the
    runner hands to the graph (discover) and the TUI.
    """
    # Names only: describing a collection opens its storage, and one the scan does not ask for
    # must not fail it (e.g. a collection in a storage format vecaudit cannot read).
    listed = list_collection_names(store)
    known = sorted(listed)
    shown = shown or store.display_target
    if not wanted and not known:
        raise CollectionError(f"{shown} has no collections to scan")
    for name in wanted:
        if name not in known:
            have = ", ".join(known) or "none"
            raise CollectionError(f"collection {name!r} not found in {shown} (collections: {have})")
    return listed


def discover(state: ScanState, runtime: Runtime[ScanContext]) -> dict[str, Any]:
    ctx = runtime.context
    store = ctx.store()
    wanted = ctx.config.collections
    # Listed and checked once, before the run started or resumed (runner.preflight): not again here.
    names = list(wanted) or list(ctx.collection_names())
    infos: list[CollectionInfo] = [store.collection_info(name) for name in names]

    sample = ctx.config.sample
    plans: list[CollectionPlan] = [
        CollectionPlan(
            name=info.name,
            points_total=info.points_total,
            planned=min(sample, info.points_total) if sample else info.points_total,
            vectors=[v.model_dump(mode="json") for v in info.vectors],
        )
        for info in infos
    ]
    emit(ScanPlanned({p["name"]: p["planned"] for p in plans}, sum(p["planned"] for p in plans)))
    skipped: dict[str, str] = {}
    unsupported = ctx.detector().unsupported_entities
    if unsupported:
        reason = f"{', '.join(unsupported)} not detected: the policy uses detector_mode fast (no NER model)"
        skipped = with_skip(skipped, "detect", reason)
        emit(StageSkipped("detect", reason))
    for plugin in ctx.detector().skipped_plugins:
        # a broken third-party recognizer was left out: what only it detects went unread
        reason = f"{plugin}; skipped, entities only it detects are not detected"
        skipped = with_skip(skipped, "detect", reason)
        emit(StageSkipped("detect", reason))
    for note in ctx.policy().allowlist_notes(date.today()):
        emit(Notice(note))
    return {
        "plans": plans,
        "sample": sample,
        "adaptive": ctx.config.adaptive,
        "invert_requested": ctx.config.invert,
        "partitioned": ctx.config.ray is not None,
        "index": 0,
        "batch_no": 0,
        "cursor": None,
        "exhausted": False,
        "done": {p["name"]: 0 for p in plans},
        "findings": 0,
        "encoders": {},
        "invert_plan": {},
        "dequantization": {},
        "dequantize_plan": {},
        "notes": {},
        "stages_skipped": skipped,
        "results": [],
        "finished": False,
    }
