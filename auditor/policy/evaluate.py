"""Turn detections in one point into findings under a policy.

Per detection, the first rule (in policy order) whose entity, scope, sources, threshold and
co-occurrence condition (`with_any`) all fit decides severity and rule id, so a policy can grade
one entity by score:
    - {entity: PERSON, severity: high, threshold: 0.8}
    - {entity: PERSON, severity: low,  threshold: 0.5}
and by what is found beside it in the same point:
    - {entity: STREET_ADDRESS, severity: high, with_any: [PERSON, EMAIL_ADDRESS]}
    - {entity: STREET_ADDRESS, severity: medium}
An entity counts as present in a point when one of its detections there would be a finding
without any `with_any` condition (0.5 for an entity no rule names) and is not allowlisted.
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
from ..verdict import is_violation
from .schema import AllowlistEntry, Policy, Rule, Source

#: Score at which a detection of an entity that no rule names counts as present in a point.
DEFAULT_PRESENCE_SCORE = 0.5

#: One text of a point: (text, its detections, its payload path or None).
PointText = tuple[str, Sequence[Detection], str | None]


def first_rule(
    policy: Policy,
    entity: str,
    score: float,
    collection: str,
    source: Source,
    present: frozenset[str] | set[str] = frozenset(),
) -> Rule | None:
    """The rule that decides a detection of `entity` at `score`, given the entities `present` in
    its point; None when no rule fits."""
    for rule in policy.rules:
        if (
            rule.entity == entity
            and score >= rule.threshold
            and rule.applies(collection, source)
            and rule.accepts(present)
        ):
            return rule
    return None


def counts_as_present(policy: Policy, entity: str, score: float, collection: str, source: Source) -> bool:
    """Whether a detection is strong enough to make its entity present in a point (for `with_any`):
    it would be a finding if no rule had a co-occurrence condition."""
    rules = [r for r in policy.rules if r.entity == entity and r.applies(collection, source)]
    if not rules:
        return score >= DEFAULT_PRESENCE_SCORE
    return any(score >= r.threshold for r in rules)


def _strongest_per_entity(candidates: list[tuple[Detection, Rule]]) -> list[tuple[Detection, Rule]]:
    kept: list[tuple[Detection, Rule]] = []
    ranked = sorted(candidates, key=lambda c: (-c[0].score, c[0].start - c[0].end, c[0].start))
    for det, rule in ranked:
        if not any(
            k.entity_type == det.entity_type and k.start < det.end and det.start < k.end for k, _ in kept
        ):
            kept.append((det, rule))
    return sorted(kept, key=lambda c: (c[0].start, c[0].end, c[0].entity_type))


def _allowed(allowlist: Sequence[AllowlistEntry], entity: str, fp: str, value: str) -> bool:
    return any(entry.matches(entity, fp, value) for entry in allowlist)


def evaluate_point(
    policy: Policy,
    *,
    collection: str,
    point_id: PointId,
    vector: str,
    source: Source,
    texts: Sequence[PointText],
    reveal: bool = False,
    today: date | None = None,
    key: bytes | None = None,
) -> list[Finding]:
    """Findings for the detections made in the texts of one point (payload fields, or the text
    recovered from one vector), with `with_any` conditions judged on the whole point.

    Evidence is the masked value (the raw value only with `reveal=True`); no surrounding text
    is quoted, as it may hold PII no detector found. `key` defaults to the deployment's
    fingerprint key; pass it when evaluating many points to skip the lookup.
    Raises ValueError for a detection span outside its text.
    """
    if not policy.scope.matches(collection):
        return []
    for text, detections, _ in texts:
        for det in detections:
            if not 0 <= det.start < det.end <= len(text):
                raise ValueError(f"detection span [{det.start}, {det.end}) is outside the text")
    allowlist = policy.active_allowlist(today or date.today())
    secret = key

    def keyed(entity: str, value: str) -> str:
        nonlocal secret
        if secret is None:
            secret = load_fingerprint_key()  # only when there is something to fingerprint
        return fingerprint(entity, value, secret)

    present: set[str] = set()
    for text, detections, _ in texts:
        for det in detections:
            if det.entity_type in present or not counts_as_present(
                policy, det.entity_type, det.score, collection, source
            ):
                continue
            value = text[det.start : det.end]
            if not allowlist or not _allowed(
                allowlist, det.entity_type, keyed(det.entity_type, value), value
            ):
                present.add(det.entity_type)
    findings: list[Finding] = []
    for text, detections, field in texts:
        candidates: list[tuple[Detection, Rule]] = []
        for det in detections:
            rule = first_rule(policy, det.entity_type, det.score, collection, source, present)
            if rule is not None:
                candidates.append((det, rule))
        for det, rule in _strongest_per_entity(candidates):
            value = text[det.start : det.end]
            fp = keyed(det.entity_type, value)
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
                    allowlisted=_allowed(allowlist, det.entity_type, fp, value),
                )
            )
    return findings


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
    """`evaluate_point` for a point with one text (a payload field or an inverted vector)."""
    return evaluate_point(
        policy,
        collection=collection,
        point_id=point_id,
        vector=vector,
        source=source,
        texts=[(text, detections, field)],
        reveal=reveal,
        today=today,
        key=key,
    )


def count_violations(findings: Iterable[Finding], fail_on: Severity | str) -> int:
    return sum(1 for f in findings if is_violation(f, fail_on))
