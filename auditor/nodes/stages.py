"""The per-batch stages: payload detection, vector checks, inversion, detection in recovered text.

Each stage is a plain function over in-memory points, called by the batch node. They return
findings (masked evidence unless --reveal) and inversion rows; nothing here writes anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..fingerprint import load_fingerprint_key
from ..models import Finding, Point, PointId
from ..rundb import InversionRow

if TYPE_CHECKING:
    from ..detect.engine import Detection
    from .context import ScanContext


def payload_findings(ctx: ScanContext, collection: str, points: Sequence[Point]) -> list[Finding]:
    """Findings in every string of every payload of the batch (one detector call for the batch)."""
    from ..detect.payload_text import iter_payload_strings
    from ..policy.evaluate import evaluate

    items: list[tuple[PointId, str, str]] = [
        (p.id, path, text) for p in points for path, text in iter_payload_strings(p.payload)
    ]
    if not items:
        return []
    detections = ctx.detector().analyze([text for _, _, text in items])
    policy = ctx.policy()
    key = load_fingerprint_key()  # once per batch, not once per text
    findings: list[Finding] = []
    for (point_id, path, text), found in zip(items, detections, strict=True):
        if found:
            findings.extend(
                evaluate(
                    policy,
                    collection=collection,
                    point_id=point_id,
                    vector="",
                    source="payload",
                    text=text,
                    detections=found,
                    field=path,
                    reveal=ctx.config.reveal,
                    key=key,
                )
            )
    return findings


def longest_text(payload: dict[str, object]) -> str | None:
    """The longest string field of a payload: the best guess at the text that was embedded."""
    from ..detect.payload_text import iter_payload_strings

    best: str | None = None
    for _, text in iter_payload_strings(payload):
        if best is None or len(text) > len(best):
            best = text
    return best


def usable_vectors(
    points: Sequence[Point], vector: str, dim: int | None
) -> tuple[list[int], np.ndarray, int]:
    """Rows of `points` whose `vector` is present, finite and of dimension `dim`.

    Returns (indices into points, float32 matrix, number of present-but-unusable vectors).
    """
    keep: list[int] = []
    rows: list[np.ndarray] = []
    bad = 0
    for i, p in enumerate(points):
        v = p.vectors.get(vector)
        if v is None:
            continue
        v = np.asarray(v, dtype=np.float32).reshape(-1)
        if (dim is not None and v.shape[0] != dim) or v.shape[0] == 0 or not np.isfinite(v).all():
            bad += 1
            continue
        keep.append(i)
        rows.append(v)
    width = dim or (rows[0].shape[0] if rows else 0)
    matrix = np.stack(rows) if rows else np.zeros((0, width), dtype=np.float32)
    return keep, matrix, bad


def inversion_results(
    ctx: ScanContext,
    collection: str,
    vector: str,
    encoder_id: str,
    point_ids: Sequence[PointId],
    matrix: np.ndarray,
) -> tuple[list[InversionRow], list[Finding]]:
    """Invert the vectors, then detect and evaluate PII in the recovered text.

    The recovered text is kept in the returned rows only with --reveal; otherwise it is dropped
    here, once its findings (masked evidence) have been computed.
    """
    if matrix.shape[0] == 0:
        return [], []
    from ..policy.evaluate import evaluate

    inverter = ctx.inverter(encoder_id)
    if inverter is None:
        return [], []
    recovered = inverter.invert(matrix)
    texts = [text for text, _ in recovered]
    # Inverter output is tokenizer-shaped ("575 - 85 - 5582"); the detector repairs it before
    # matching and maps spans back onto the text as recovered.
    detections = ctx.detector().analyze(texts, normalize=True)
    detections = _supported(inverter, matrix, recovered, detections)
    policy = ctx.policy()
    key = load_fingerprint_key()  # once per batch, not once per text
    reveal = ctx.config.reveal
    rows: list[InversionRow] = []
    findings: list[Finding] = []
    for point_id, (raw, cosine), text, found in zip(point_ids, recovered, texts, detections, strict=True):
        rows.append(InversionRow(collection, vector, point_id, float(cosine), raw if reveal else None))
        if found:
            findings.extend(
                evaluate(
                    policy,
                    collection=collection,
                    point_id=point_id,
                    vector=vector,
                    source="inversion",
                    text=text,
                    detections=found,
                    reveal=reveal,
                    key=key,
                )
            )
    return rows, findings


def _supported(
    inverter: object,
    matrix: np.ndarray,
    recovered: list[tuple[str, float]],
    detections: list[list[Detection]],
) -> list[list[Detection]]:
    """Keep only spans the vector supports: an inverter also invents plausible values."""
    from ..inversion.attribution import MIN_SUPPORT, span_support

    embed = getattr(inverter, "embed", None)
    if embed is None or not any(detections):
        return detections
    spans = [[(d.start, d.end, d.entity_type) for d in ds] for ds in detections]
    texts = [t for t, _ in recovered]
    support = span_support(embed, matrix, texts, spans, cosines=[c for _, c in recovered])
    return [
        [d for d, s in zip(ds, sup, strict=True) if s >= MIN_SUPPORT]
        for ds, sup in zip(detections, support, strict=True)
    ]
