"""Turn detections in one text into findings under a policy.

Per detection, the first rule (in policy order) whose entity, scope, sources and threshold all
fit decides severity and rule id, so a policy can grade one entity by score:
    - {entity: PERSON, severity: high, threshold: 0.8}
    - {entity: PERSON, severity: low,  threshold: 0.5}
Overlapping detections of the same entity collapse to the strongest one. Allowlisted findings
are kept (reports show them) but never count as violations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from ..detect.engine import Detection
from ..fingerprint import fingerprint, load_fingerprint_key
from ..models import Finding, PointId, Severity
from ..redact import mask
from .schema import Policy, Rule, Source


def _first_rule(policy: Policy, detection: Detection, collection: str, source: Source) -> Rule | None:
    for rule in policy.rules:
        if (
            rule.entity == detection.entity_type
            and detection.score >= rule.threshold
            and rule.applies(collection, source)
        ):
            return rule
    return None


def _strongest_per_entity(candidates: list[tuple[Detection, Rule]]) -> list[tuple[Detection, Rule]]:
    kept: list[tuple[Detection, Rule]] = []
    ranked = sorted(candidates, key=lambda c: (-c[0].score, c[0].start - c[0].end, c[0].start))
    for det, rule in ranked:
        if not any(
            k.entity_type == det.entity_type and k.start < det.end and det.start < k.end for k, _ in kept
        ):
            kept.append((det, rule))
    return sorted(kept, key=lambda c: (c[0].start, c[0].end, c[0].entity_type))


def evaluate(
    policy: Policy,
    *,
    collection: str,
    point_id: PointId,
    vector: str,
    source: Source,
    text: str,
    detections: Sequence[Detection],
    field: str | None = None,
    reveal: bool = False,
    today: date | None = None,
    key: bytes | None = None,
) -> list[Finding]:
    """Findings for the `detections` made in `text` (a payload field or an inverted vector).

    Evidence is the masked value (the raw value only with `reveal=True`); no surrounding text
    is quoted, as it may hold PII no detector found. `key` defaults to the deployment's
    fingerprint key; pass it when evaluating many texts to skip the lookup.
    """
    if not policy.scope.matches(collection):
        return []
    candidates: list[tuple[Detection, Rule]] = []
    for det in detections:
        if not 0 <= det.start < det.end <= len(text):
            raise ValueError(f"detection span [{det.start}, {det.end}) is outside the text")
        rule = _first_rule(policy, det, collection, source)
        if rule is not None:
            candidates.append((det, rule))
    if not candidates:
        return []
    secret = key if key is not None else load_fingerprint_key()
    allowlist = policy.active_allowlist(today or date.today())
    findings = []
    for det, rule in _strongest_per_entity(candidates):
        value = text[det.start : det.end]
        fp = fingerprint(det.entity_type, value, secret)
        findings.append(
            Finding(
                collection=collection,
                point_id=point_id,
                vector=vector,
                source=source,
                entity_type=det.entity_type,
                score=round(det.score, 4),
                severity=rule.severity,
                fingerprint=fp,
                evidence=value if reveal else mask(value),
                rule_id=rule.rule_id,
                field=field,
                start=det.start,
                end=det.end,
                allowlisted=any(entry.matches(det.entity_type, fp, value) for entry in allowlist),
            )
        )
    return findings


def severity_at_least(severity: Severity | str, fail_on: Severity | str) -> bool:
    return Severity(severity).at_least(Severity(fail_on))


def is_violation(finding: Finding, fail_on: Severity | str) -> bool:
    """The one rule for what fails a scan (exit code, SARIF, JUnit, every report): at or above
    `fail_on`, not allowlisted, and not accepted in a baseline (baselined findings stay visible,
    as "unchanged", but never fail CI)."""
    return (
        not finding.allowlisted
        and finding.baseline_state != "unchanged"
        and severity_at_least(finding.severity, fail_on)
    )


def count_violations(findings: Iterable[Finding], fail_on: Severity | str) -> int:
    return sum(1 for f in findings if is_violation(f, fail_on))
