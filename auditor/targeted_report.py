"""The `targeted` section of a finished run's report, assembled from its run database.

Batches store every (vector, candidate) pair at or above the lowest threshold a run may use;
only here, when the number of vectors judged in the whole run is known, is the run's `min_z`
chosen (`vecaudit.targeted_threshold.choose_min_z`) and applied.
"""

from __future__ import annotations

from .models import TargetedCandidate, TargetedGap, TargetedReport, TargetedSupport
from .rundb import RunDB
from .targeted_threshold import FALSE_SUPPORT_TARGET, choose_min_z

#: Margin (candidate's cosine over the best control's) a support needs besides z.
MIN_MARGIN = 0.0


def targeted_report(db: RunDB) -> TargetedReport | None:
    """The run's targeted section, or None for a run without --candidates."""
    stored = db.targeted_candidates()
    if stored is None:
        return None
    spend = db.targeted_spend()
    judged = sum(s.vectors for s in spend if s.encoder is not None)
    threshold = choose_min_z(judged, [str(c["entity_type"]) for c in stored])
    supports: dict[int, list[TargetedSupport]] = {}
    for row in db.targeted_rows(threshold.min_z, MIN_MARGIN):
        supports.setdefault(row.candidate, []).append(
            TargetedSupport(
                collection=row.collection,
                vector=row.vector,
                point_id=row.point_id,
                z=round(row.z, 2),
                margin=round(row.margin, 4),
                framed=row.framed,
            )
        )
    return TargetedReport(
        encoders=sorted({s.encoder for s in spend if s.encoder is not None}),
        vectors_checked=judged,
        min_z=threshold.min_z,
        min_margin=MIN_MARGIN,
        threshold_rule=threshold.rule,
        false_support_target=FALSE_SUPPORT_TARGET,
        expected_false_supports=round(threshold.expected_false_supports, 4),
        min_z_extrapolated=threshold.extrapolated,
        candidates=[
            TargetedCandidate(
                line=int(c["line"]),
                entity_type=str(c["entity_type"]),
                fingerprint=str(c["fingerprint"]),
                supported_by=supports.get(i, []),
            )
            for i, c in enumerate(stored)
        ],
        not_checked=[
            TargetedGap(collection=s.collection, vector=s.vector, vectors=s.vectors, reason=s.reason or "")
            for s in spend
            if s.encoder is None and s.vectors
        ],
        encoder_calls=sum(s.encoder_calls for s in spend),
        seconds=round(sum(s.seconds for s in spend), 3),
    )
