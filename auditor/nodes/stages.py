"""The per-batch stages: payload detection, vector checks, inversion, detection in recovered text.

Each stage is a plain function over in-memory points, called by the batch node. They return
findings (masked evidence unless --reveal) and inversion rows; nothing here writes anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..coverage import CoverageTally
from ..detect.payload_text import MAX_TEXT_CHARS
from ..fingerprint import load_fingerprint_key
from ..models import Finding, GapReason, Point, PointId
from ..rundb import AttackSpend, InversionRow

if TYPE_CHECKING:
    from ..detect.engine import Detection, PiiDetector
    from ..detect.payload_text import PayloadRead, PayloadText
    from ..policy.loader import Policy
    from .context import ScanContext


#: A JSON number under a key that does not label it (no "phone", "ssn"...) is read as a person reads
#: a bare number: only what is self-evident counts. Timestamps and ids score 0.4 as phone numbers;
#: a Luhn-valid card number scores 1.0.
BARE_NUMBER_MIN_SCORE = 0.5


def payload_findings(
    ctx: ScanContext, collection: str, points: Sequence[Point], tally: CoverageTally | None = None
) -> list[Finding]:
    """`scan_payloads` with the run's detector, policy and options."""
    return scan_payloads(
        ctx.detector(),
        ctx.policy(),
        collection,
        points,
        max_text_chars=ctx.config.max_text_chars,
        reveal=ctx.config.reveal,
        tally=tally,
    )


def scan_payloads(
    detector: PiiDetector,
    policy: Policy,
    collection: str,
    points: Sequence[Point],
    *,
    max_text_chars: int = MAX_TEXT_CHARS,
    reveal: bool = False,
    key: bytes | None = None,
    tally: CoverageTally | None = None,
) -> list[Finding]:
    """Findings in every value and key of every readable payload of `points` (one detector call).

    `tally`, when given, counts the fields analyzed and every part not analyzed, with its reason:
    strings beyond `max_text_chars`, containers nested too deep, text in a script the NER model
    cannot read. Points marked `unread` are left to the caller to count. A finding's `field` is its
    path; where a key on that path holds personal data itself, every key of the path is shown by
    position instead. `key` is the fingerprint key (the deployment's by default).
    """
    from ..detect.payload_text import read_payload
    from ..detect.scripts import unread_scripts
    from ..policy.evaluate import PointText, evaluate_point

    tally = tally if tally is not None else CoverageTally()
    texts: list[PayloadText] = []
    reads: list[tuple[PointId, PayloadRead]] = []
    for p in points:
        if p.unread is not None:
            continue
        read = read_payload(p.payload, max_chars=max_text_chars)
        tally.points_analyzed += 1
        reads.append((p.id, read))
        texts.extend(read.texts)
    detections = detector.analyze(
        [t.text for t in texts], labels=[t.label for t in texts], names=[t.reads_names for t in texts]
    )
    # Keys that hold personal data themselves must not be written into any path.
    flagged = _flagged_keys(reads, detections)
    if key is None and any(detections):
        key = load_fingerprint_key()  # once per batch, not once per text
    findings: list[Finding] = []
    position = 0
    for (point_id, read), hidden in zip(reads, flagged, strict=True):
        tally.fields_analyzed += read.fields
        for skip in read.skips:
            where = skip.blind_path if hidden & set(skip.keys) else skip.path
            tally.skipped(GapReason(skip.reason), point_id=point_id, field=where, detail=skip.detail)
        point_texts: list[PointText] = []
        for item in read.texts:
            found = detections[position]
            position += 1
            where = item.blind_path if hidden & set(item.keys) else item.path
            if detector.reads_names and item.reads_names:
                scripts = unread_scripts(item.text, detector.languages)
                if scripts:
                    tally.fields_analyzed -= 1
                    tally.skipped(
                        GapReason.unsupported_script,
                        point_id=point_id,
                        field=where,
                        detail="scripts: " + ", ".join(scripts),
                    )
            if item.kind == "number" and item.label is None:
                found = [d for d in found if d.score >= BARE_NUMBER_MIN_SCORE]
            if found:
                point_texts.append((item.text, found, where))
        if point_texts:
            # One point at a time: a rule's `with_any` looks at every field of the point.
            findings.extend(
                evaluate_point(
                    policy,
                    collection=collection,
                    point_id=point_id,
                    vector="",
                    source="payload",
                    texts=point_texts,
                    reveal=reveal,
                    key=key,
                )
            )
    return findings


#: A key with a detection this confident is treated as personal data: no path shows it. Lower
#: scores are recognizer noise on any digits (driver licence 0.01, bank number 0.05).
KEY_PII_MIN_SCORE = 0.4


def _flagged_keys(
    reads: Sequence[tuple[PointId, PayloadRead]], detections: Sequence[Sequence[Detection]]
) -> list[set[int]]:
    """Per point, the indices of its keys that hold personal data themselves."""
    out: list[set[int]] = []
    position = 0
    for _, read in reads:
        hits = {
            i
            for i, item in enumerate(read.texts)
            if item.kind == "key" and any(d.score >= KEY_PII_MIN_SCORE for d in detections[position + i])
        }
        position += len(read.texts)
        out.append(hits)
    return out


def usable_vectors(
    points: Sequence[Point], vector: str, dim: int | None
) -> tuple[list[int], np.ndarray, list[tuple[int, GapReason]]]:
    """Rows of `points` whose `vector` is present, finite and of dimension `dim`.

    Returns (indices into points, float32 matrix, (index, reason) for each present but unusable
    vector). A point without this vector has nothing to analyze and is in neither list.
    """
    keep: list[int] = []
    rows: list[np.ndarray] = []
    rejected: list[tuple[int, GapReason]] = []
    for i, p in enumerate(points):
        v = p.vectors.get(vector)
        if v is None:
            continue
        v = np.asarray(v, dtype=np.float32).reshape(-1)
        if v.shape[0] == 0:
            rejected.append((i, GapReason.unreadable_vector))  # what a store could not read
        elif dim is not None and v.shape[0] != dim:
            rejected.append((i, GapReason.wrong_dimension))
        elif not np.isfinite(v).all():
            rejected.append((i, GapReason.non_finite_vector))
        else:
            keep.append(i)
            rows.append(v)
    width = dim or (rows[0].shape[0] if rows else 0)
    matrix = np.stack(rows) if rows else np.zeros((0, width), dtype=np.float32)
    return keep, matrix, rejected


def inversion_results(
    ctx: ScanContext,
    collection: str,
    vector: str,
    encoder_id: str,
    point_ids: Sequence[PointId],
    matrix: np.ndarray,
) -> tuple[list[InversionRow], list[Finding], AttackSpend | None, list[str]]:
    """Invert the vectors, then detect and evaluate PII in the recovered text.

    The recovered text is kept in the returned rows only with --reveal; otherwise it leaves only as
    the fourth value, the recovered texts in row order (empty when nothing was inverted), for the
    caller's in-memory use (targeted mode's frames): never stored. The third value is what the
    attack ran and spent on this batch, for the run's record (None when nothing was inverted).
    """
    if matrix.shape[0] == 0:
        return [], [], None, []
    from ..policy.evaluate import evaluate

    inverter = ctx.inverter(encoder_id)
    if inverter is None:
        return [], [], None, []
    recovered = inverter.invert(matrix)
    spend = AttackSpend(
        {"encoder": encoder_id, **inverter.describe()}, len(recovered), getattr(inverter, "last_cost", None)
    )
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
    return rows, findings, spend, texts


def _supported(
    inverter: object,
    matrix: np.ndarray,
    recovered: list[tuple[str, float]],
    detections: list[list[Detection]],
) -> list[list[Detection]]:
    """Keep only spans the vector supports: an inverter also invents plausible values, and a
    search over name lists always finds one that fits a little (see `inversion.attribution`)."""
    from ..inversion.attribution import SupportTest

    embed = getattr(inverter, "embed", None)
    if embed is None or not any(detections):
        return detections
    spans = [[(d.start, d.end, d.entity_type) for d in ds] for ds in detections]
    texts = [t for t, _ in recovered]
    verdicts = SupportTest(embed).judge(matrix, texts, spans, cosines=[c for _, c in recovered])
    return [
        [d for d, v in zip(ds, row, strict=True) if v.supported]
        for ds, row in zip(detections, verdicts, strict=True)
    ]
