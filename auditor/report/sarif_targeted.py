"""Targeted mode (--candidates) in SARIF: a supported candidate is a result an auditor must see.

One result per (candidate, supporting vector) under the rule `vecaudit/targeted-support`, located
at the point's virtual URI exactly like a finding, so code scanning lists it beside the findings
of that point. Its message names the candidates file's line, the entity type and the keyed
fingerprint, never the value. The run's threshold, what it expects of false supports and the
vectors left unchecked go to `runs[0].properties.targeted` (and unchecked vectors also to
`toolExecutionNotifications`).
"""

from __future__ import annotations

from typing import Any

from ..models import ScanReport, TargetedCandidate, TargetedReport, TargetedSupport
from .sarif import (
    BASE_TAGS,
    FINGERPRINT_KEY,
    LEVEL,
    URI_BASE_ID,
    Taxonomies,
    _clean,
    identity_hash,
    point_uri,
    rule_descriptor,
)
from .view import builtin_references, vector_label

RULE_ID = "vecaudit/targeted-support"


def targeted_rule_descriptor(t: TargetedReport, taxonomies: Taxonomies) -> dict[str, Any]:
    full = (
        "A value supplied in the candidates file (e.g. an erasure request) is still encoded in a "
        "stored vector: embedded with the vectors' own encoder, it comes closer to that vector than "
        f"same-shape control values do (z >= {t.min_z:g}, chosen so that the whole run expects at "
        f"most {t.false_support_target:g} false supports)."
    )
    advice = [
        "Find the source text of the point and remove or mask the value, then re-embed the point "
        "and delete the old vector (and its copies in snapshots and backups).",
        "If the value may stay, take it out of the candidates file.",
    ]
    return rule_descriptor(
        taxonomies,
        rule_id=RULE_ID,
        name="TargetedValueSupported",
        short="A supplied value is still encoded in stored vectors",
        full=full,
        advice=advice,
        severity=t.severity,
        refs=builtin_references("targeted-support"),
        tags=[*BASE_TAGS, "targeted"],
    )


def _result(t: TargetedReport, c: TargetedCandidate, s: TargetedSupport, rule_index: int) -> dict[str, Any]:
    collection, vector, point = _clean(s.collection), _clean(s.vector), _clean(str(s.point_id))
    text = (
        f"The value on line {c.line} of the candidates file ({c.entity_type}, fingerprint "
        f"{c.fingerprint}) is supported by point {point} of collection '{collection}', vector "
        f"{vector_label(vector)}: z {s.z:.2f} over same-shape control values, margin {s.margin:.3f} "
        f"(run threshold z >= {t.min_z:g}). Severity {t.severity.value}."
    )
    parts = [c.fingerprint, s.collection, str(s.point_id), s.vector, c.entity_type, "targeted"]
    return {
        "ruleId": RULE_ID,
        "ruleIndex": rule_index,
        "level": LEVEL[t.severity],
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": point_uri(s.collection, s.vector, s.point_id),
                        "uriBaseId": URI_BASE_ID,
                    },
                    "region": {"startLine": 1},
                },
                "logicalLocations": [
                    {
                        "name": point,
                        "fullyQualifiedName": f"{collection}/{vector or 'default'}/{point}",
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: identity_hash(parts)},
        "properties": {
            "severity": t.severity.value,
            "source": "targeted",
            "entityType": c.entity_type,
            "candidateLine": c.line,
            "candidateFingerprint": c.fingerprint,
            "collection": collection,
            "pointId": s.point_id if isinstance(s.point_id, int) else point,
            "vector": vector,
            "z": s.z,
            "margin": s.margin,
            "framed": s.framed,
        },
    }


def results(report: ScanReport, rule_index: int) -> list[dict[str, Any]]:
    """Every (supported candidate, supporting vector) as a SARIF result, candidates in file order."""
    t = report.targeted
    if t is None:
        return []
    return [_result(t, c, s, rule_index) for c in t.candidates for s in c.supported_by]


def run_properties(t: TargetedReport) -> dict[str, Any]:
    return {
        "candidates": len(t.candidates),
        "supported": t.supported,
        "vectorsChecked": t.vectors_checked,
        "encoders": list(t.encoders),
        "minZ": t.min_z,
        "minMargin": t.min_margin,
        "minZExtrapolated": t.min_z_extrapolated,
        "falseSupportTarget": t.false_support_target,
        "expectedFalseSupports": t.expected_false_supports,
        "thresholdRule": t.threshold_rule,
        "severity": t.severity.value,
        "notChecked": [g.model_dump(mode="json") for g in t.not_checked],
    }


def notifications(t: TargetedReport, allow_partial: bool) -> list[dict[str, Any]]:
    """Vectors targeted mode could not check: a candidate they hold would not have been found, so
    they make the run incomplete (errors; warnings when --allow-partial accepted that)."""
    return [
        {
            "level": "warning" if allow_partial else "error",
            "message": {
                "text": f"Targeted mode did not check {g.vectors} vector(s) of collection '{g.collection}', "
                f"vector {vector_label(g.vector)}: {g.reason}."
            },
            "descriptor": {"id": "targeted/not-checked"},
        }
        for g in t.not_checked
    ]
