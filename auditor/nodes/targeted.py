"""Targeted mode inside a batch: which of the batch's vectors support the values of --candidates.

Runs for every dense vector slot of the batch after de-quantization and inversion, with the
slot's encoder (identified, or --encoder): the recovered texts, where the slot was inverted,
serve as frames. What leaves this module is candidate indices, point ids and statistics, never a
value; pairs are kept from the lowest threshold a run may use (`vecaudit.targeted_threshold`),
and the run's own min_z, which depends on how many vectors were judged in all, is applied when
the report is assembled (`vecaudit.targeted_report`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..models import PointId
from ..rundb import TargetedRow, TargetedSpend

if TYPE_CHECKING:
    from .context import ScanContext
    from .state import ScanState


def slot_encoder(state: ScanState, collection: str, vector: str, dim: int) -> tuple[str | None, str | None]:
    """(encoder id, None) when targeted mode can judge this slot's `dim`-dimensional vectors, else
    (None, reason)."""
    from ..encoders.identify import UNKNOWN
    from ..encoders.registry import get_spec
    from ..errors import EncoderError

    name = state.get("encoders", {}).get(collection, {}).get(vector, {}).get("name", UNKNOWN)
    if name == UNKNOWN:
        return None, "encoder unknown: candidates cannot be embedded in the vectors' space"
    try:
        fits = get_spec(name).dim == dim
    except EncoderError:
        return None, f"encoder {name} is not in the registry"
    if not fits:
        return None, f"encoder {name} does not fit the vectors' dimension"
    return name, None


def targeted_rows(
    ctx: ScanContext,
    collection: str,
    vector: str,
    encoder_id: str,
    point_ids: Sequence[PointId],
    matrix: np.ndarray,
    recovered: Sequence[str] | None,
) -> tuple[list[TargetedRow], TargetedSpend]:
    """Judge every (vector, candidate) pair of one slot of a batch.

    matrix: (n, dim) float32 vectors (de-quantized where the slot holds codes), rows of `point_ids`.
    recovered: the n recovered texts when the slot was inverted, else None (values judged alone).
    Raises InverterError when the vectors do not fit the encoder.
    """
    n = int(matrix.shape[0])
    if n == 0 or not ctx.candidates:
        return [], TargetedSpend(collection, vector, encoder_id, 0)
    texts = list(recovered) if recovered is not None and len(recovered) == n else [""] * n
    search = ctx.targeted_search(encoder_id)
    started = time.monotonic()
    pairs, costs = search.score(matrix, texts, ctx.candidates)
    rows = [
        TargetedRow(collection, vector, point_ids[p.vector], p.candidate, p.z, p.margin, p.framed)
        for p in pairs
        if search.supports(p)
    ]
    spend = TargetedSpend(
        collection,
        vector,
        encoder_id,
        n,
        encoder_calls=costs.total,
        seconds=time.monotonic() - started,
    )
    return rows, spend
