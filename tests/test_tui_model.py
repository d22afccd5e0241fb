"""The TUI's computations on findings: risk score and re-judging under another policy."""

from __future__ import annotations

from vecaudit.models import Finding, Severity
from vecaudit.policy.loader import parse_policy
from vecaudit.tui.findings_model import FindingFilter, reevaluate, risk_score, select, summarize


def finding(point: int, entity: str, severity: Severity, score: float = 0.9, **kw: object) -> Finding:
    values: dict[str, object] = {
        "collection": "docs",
        "point_id": point,
        "source": "payload",
        "entity_type": entity,
        "score": score,
        "severity": severity,
        "fingerprint": f"vfp1:{point:032x}",
        "evidence": "j*** s****",
        "rule_id": f"VA-PII-{entity}",
    }
    values.update(kw)
    return Finding.model_validate(values)


def test_risk_score_weights_the_worst_finding_per_point() -> None:
    findings = [
        finding(1, "US_SSN", Severity.critical),
        finding(1, "PERSON", Severity.high),  # same point: only the worst counts
        finding(2, "PERSON", Severity.high),
        finding(3, "EMAIL_ADDRESS", Severity.high, allowlisted=True),  # allowed: no risk
    ]
    assert risk_score(findings, 10) == 17.0  # (1.0 + 0.7) / 10 points
    assert risk_score([], 10) == 0.0 and risk_score(findings, 0) == 0.0
    assert risk_score([finding(i, "US_SSN", Severity.critical) for i in range(4)], 4) == 100.0


def test_filter_and_sort() -> None:
    findings = [
        finding(1, "PERSON", Severity.low),
        finding(2, "US_SSN", Severity.critical, source="inversion"),
        finding(3, "EMAIL_ADDRESS", Severity.high, collection="other"),
    ]
    assert [f.point_id for f in select(findings, FindingFilter())] == [2, 3, 1]
    assert [f.point_id for f in select(findings, FindingFilter(source="inversion"))] == [2]
    assert [f.point_id for f in select(findings, FindingFilter(collection="other"))] == [3]
    assert [f.entity_type for f in select(findings, FindingFilter(), "entity")] == [
        "EMAIL_ADDRESS",
        "PERSON",
        "US_SSN",
    ]
    s = summarize(findings, Severity.high)
    assert s.findings_total == 3 and s.violations == 2 and list(s.by_severity) == ["critical", "high", "low"]


def test_reevaluate_applies_rules_thresholds_scope_and_fingerprint_allowlist() -> None:
    stored = [
        finding(1, "PERSON", Severity.high, score=0.6),
        finding(2, "PERSON", Severity.high, score=0.95),
        finding(3, "EMAIL_ADDRESS", Severity.high),
        finding(4, "US_SSN", Severity.critical, collection="archive"),
    ]
    policy = parse_policy(
        f"""
name: strict
scope: {{exclude: ["archive"]}}
rules:
  - {{entity: PERSON, severity: critical, threshold: 0.9, id: NAME-SURE}}
  - {{entity: PERSON, severity: low, threshold: 0.5}}
  - {{entity: EMAIL_ADDRESS, severity: medium, id: MAIL}}
  - {{entity: US_SSN, severity: critical}}
  - {{entity: IBAN_CODE, severity: high}}
allowlist:
  - {{fingerprint: "vfp1:{3:032x}", justification: shared support mailbox}}
  - {{pattern: "noreply@.*", justification: system sender}}
"""
    )
    r = reevaluate(stored, policy, scanned_entities=["PERSON", "EMAIL_ADDRESS", "US_SSN"])
    by_point = {f.point_id: f for f in r.findings}
    assert by_point[1].severity is Severity.low and by_point[2].severity is Severity.critical
    assert (
        by_point[3].rule_id == "MAIL" and by_point[3].severity is Severity.medium and by_point[3].allowlisted
    )
    assert 4 not in by_point and r.dropped == 1  # out of the policy's scope
    assert r.unscanned_entities == ["IBAN_CODE"] and r.pattern_allowlist_skipped == 1
    assert by_point[2].rule_id == "NAME-SURE" and [ri.id for ri in r.rules][:2] == [
        "NAME-SURE",
        "VA-PII-PERSON",
    ]
    assert stored[0].severity is Severity.high, "stored findings are not modified"


def test_reevaluate_grades_by_what_the_same_point_holds() -> None:
    stored = [
        finding(1, "STREET_ADDRESS", Severity.medium),
        finding(2, "STREET_ADDRESS", Severity.medium),
        finding(2, "PERSON", Severity.high),
        finding(3, "STREET_ADDRESS", Severity.medium, source="inversion"),
        finding(3, "PERSON", Severity.high),  # payload: not the inversion text's neighbour
    ]
    policy = parse_policy(
        """
name: identifiability
rules:
  - {entity: PERSON, severity: high}
  - {id: ADDRESS-OF-A-PERSON, entity: STREET_ADDRESS, severity: critical, with_any: [PERSON]}
  - {entity: STREET_ADDRESS, severity: low}
"""
    )
    r = reevaluate(stored, policy, scanned_entities=["PERSON", "STREET_ADDRESS"])
    graded = {(f.point_id, f.source) for f in r.findings if f.rule_id == "ADDRESS-OF-A-PERSON"}
    assert graded == {(2, "payload")}
    assert sorted(f.severity.value for f in r.findings if f.entity_type == "STREET_ADDRESS") == [
        "critical",
        "low",
        "low",
    ]
