"""What the TUI computes from findings: risk scores, filters, sorting and policy re-evaluation.

No widgets here, so every rule the screens apply can be tested on its own.

Risk score of a collection (0-100): every scanned point contributes the weight of its most severe
non-allowlisted finding (critical 1.0, high 0.7, medium 0.4, low 0.15, info 0; a point without
findings 0); the score is the mean over the points scanned, times 100. So 100 means every point
carries a critical finding, and 10 means, say, one point in seven carries a high one.

Re-evaluation under another policy works on the stored findings (entity type, score, source,
collection, keyed fingerprint, masked evidence), without re-reading the store: each finding takes
the first matching rule of the new policy (entity, threshold, scope, sources, and `with_any`, judged
on the other stored findings of the same point and source), or drops out when no rule matches.
Allowlist entries by fingerprint apply; entries by pattern need the value, which is not stored, so
they are counted as not applicable. Detections the scanned policy never kept
(entities it did not look for, scores under its thresholds) can only come back with a re-scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from vecaudit.models import (
    REDACTION_BYPASS_MIN_SEVERITY,
    REDACTION_BYPASS_RULE_ID,
    Finding,
    RuleInfo,
    ScanSummary,
    Severity,
    redaction_bypass_rule,
)

SEVERITY_WEIGHT: dict[Severity, float] = {
    Severity.critical: 1.0,
    Severity.high: 0.7,
    Severity.medium: 0.4,
    Severity.low: 0.15,
    Severity.info: 0.0,
}

ALL = "all"  # the "no filter" value of every filter


def risk_score(findings: Iterable[Finding], points_scanned: int) -> float:
    """The risk score (0-100) of one collection's findings; see the module docstring."""
    if points_scanned <= 0:
        return 0.0
    worst: dict[Any, float] = {}
    for f in findings:
        if f.allowlisted:
            continue
        key = (f.point_id, type(f.point_id).__name__)
        worst[key] = max(worst.get(key, 0.0), SEVERITY_WEIGHT[f.severity])
    return round(100.0 * min(1.0, sum(worst.values()) / points_scanned), 1)


@dataclass(frozen=True)
class FindingFilter:
    severity: str = ALL
    entity: str = ALL
    source: str = ALL
    collection: str = ALL

    def keep(self, f: Finding) -> bool:
        return (
            (self.severity == ALL or f.severity.value == self.severity)
            and (self.entity == ALL or f.entity_type == self.entity)
            and (self.source == ALL or f.source == self.source)
            and (self.collection == ALL or f.collection == self.collection)
        )


#: Sortable columns and the key each sorts by.
SORT_KEYS: dict[str, Any] = {
    "severity": lambda f: (-f.severity.rank, f.collection, str(f.point_id)),
    "entity": lambda f: (f.entity_type, -f.severity.rank),
    "source": lambda f: (f.source, -f.severity.rank),
    "collection": lambda f: (f.collection, str(f.point_id)),
    "point": lambda f: (str(f.point_id), f.collection),
    "score": lambda f: (-f.score, -f.severity.rank),
}


def select(
    findings: Sequence[Finding], flt: FindingFilter, sort: str = "severity", reverse: bool = False
) -> list[Finding]:
    """The findings the table shows: filtered, then sorted by `sort` (a key of SORT_KEYS)."""
    kept = [f for f in findings if flt.keep(f)]
    kept.sort(key=SORT_KEYS[sort], reverse=reverse)
    return kept


def summarize(findings: Sequence[Finding], fail_on: Severity) -> ScanSummary:
    """The summary block of a report, recomputed for a re-evaluated set of findings."""
    by_sev: dict[str, int] = {}
    for sev in sorted(Severity, key=lambda s: -s.rank):
        n = sum(1 for f in findings if f.severity is sev)
        if n:
            by_sev[sev.value] = n
    by_entity: dict[str, int] = {}
    for f in findings:
        by_entity[f.entity_type] = by_entity.get(f.entity_type, 0) + 1
    by_entity = dict(sorted(by_entity.items(), key=lambda kv: (-kv[1], kv[0])))
    points = {(f.collection, str(f.point_id)) for f in findings}
    violations = sum(1 for f in findings if not f.allowlisted and f.severity.at_least(fail_on))
    return ScanSummary(
        findings_total=len(findings),
        by_severity=by_sev,
        by_entity=by_entity,
        points_with_findings=len(points),
        violations=violations,
    )


@dataclass(frozen=True)
class Reevaluation:
    findings: list[Finding]
    rules: list[RuleInfo]
    dropped: int  # stored findings no rule of the new policy keeps
    pattern_allowlist_skipped: int  # allowlist entries by pattern, which need the raw value
    unscanned_entities: list[str]  # entities the new policy wants but the scan never looked for


def reevaluate(
    findings: Sequence[Finding],
    policy: Any,
    *,
    scanned_entities: Iterable[str],
    today: date | None = None,
) -> Reevaluation:
    """Judge stored findings under `policy` (a vecaudit.policy.schema.Policy); see the module docstring."""
    from vecaudit.policy.evaluate import counts_as_present, first_rule

    today = today or date.today()
    allowlist = policy.active_allowlist(today)
    by_fingerprint = [e for e in allowlist if e.fingerprint is not None]

    def allowed(f: Finding) -> bool:
        return any(
            (e.entity is None or e.entity == f.entity_type) and e.fingerprint == f.fingerprint
            for e in by_fingerprint
        )

    # What each point holds, for rules with `with_any` (per source: payload and inversion apart).
    present: dict[tuple[str, str, str, str], set[str]] = {}
    for f in findings:
        if not allowed(f) and counts_as_present(policy, f.entity_type, f.score, f.collection, f.source):
            present.setdefault((f.collection, str(f.point_id), f.vector, f.source), set()).add(f.entity_type)
    out: list[Finding] = []
    dropped = 0
    for f in findings:
        rule = None
        if policy.scope.matches(f.collection):
            here = present.get((f.collection, str(f.point_id), f.vector, f.source), set())
            rule = first_rule(policy, f.entity_type, f.score, f.collection, f.source, here)
        if rule is None:
            dropped += 1
            continue
        update: dict[str, Any] = {
            "severity": rule.severity,
            "rule_id": rule.rule_id,
            "allowlisted": allowed(f),
        }
        if f.rule_id == REDACTION_BYPASS_RULE_ID:
            # The scan's vector-against-payload check stands; the policy moves only the entity's
            # severity, which a bypass never drops below (as in vecaudit.nodes.redaction).
            payload_rule = first_rule(policy, f.entity_type, f.score, f.collection, "payload")
            floor = [REDACTION_BYPASS_MIN_SEVERITY] + ([payload_rule.severity] if payload_rule else [])
            update.update(rule_id=f.rule_id, severity=max([rule.severity, *floor], key=lambda s: s.rank))
        out.append(f.model_copy(update=update))
    scanned = set(scanned_entities)
    rules = policy.rule_infos()
    if any(f.rule_id == REDACTION_BYPASS_RULE_ID for f in findings):
        rules.append(redaction_bypass_rule())
    return Reevaluation(
        findings=out,
        rules=rules,
        dropped=dropped,
        pattern_allowlist_skipped=sum(1 for e in allowlist if e.pattern is not None),
        unscanned_entities=[e for e in policy.entities() if e not in scanned],
    )


def fired_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings each rule id produced."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.rule_id] = counts.get(f.rule_id, 0) + 1
    return counts
