from __future__ import annotations

from datetime import date

import pytest
from vecaudit.detect.engine import Detection, PiiDetector
from vecaudit.fingerprint import fingerprint
from vecaudit.models import Severity
from vecaudit.policy.evaluate import count_violations, evaluate, evaluate_point
from vecaudit.policy.loader import parse_policy
from vecaudit.policy.schema import Policy
from vecaudit.verdict import is_violation, severity_at_least

KEY = bytes(range(32))
TEXT = "Jane Doe, SSN 575-85-5582, mail jane@example.com"
JANE = Detection("PERSON", 0, 8, 0.85)
SSN = Detection("US_SSN", 14, 25, 0.5)
MAIL = Detection("EMAIL_ADDRESS", 32, 48, 1.0)

BASE = """\
name: t
scope: {exclude: ["*-archive"]}
rules:
  - {entity: PERSON, severity: high, threshold: 0.8}
  - {id: PERSON-WEAK, entity: PERSON, severity: low, threshold: 0.5}
  - {entity: US_SSN, severity: critical, threshold: 0.5, sources: [payload]}
  - {entity: EMAIL_ADDRESS, severity: medium, threshold: 0.5, scope: {include: ["crm-*"]}}
"""


def _eval(policy: Policy, detections: list[Detection], **kwargs: object) -> list:  # type: ignore[type-arg]
    args: dict[str, object] = {
        "collection": "crm-eu",
        "point_id": 7,
        "vector": "dense",
        "source": "payload",
        "text": TEXT,
        "detections": detections,
        "key": KEY,
    }
    args.update(kwargs)
    return evaluate(policy, **args)  # type: ignore[arg-type]


def test_findings_carry_rule_severity_fingerprint_and_masked_evidence() -> None:
    policy = parse_policy(BASE)
    findings = _eval(policy, [JANE, SSN, MAIL], field="note")
    assert [(f.entity_type, f.severity, f.rule_id) for f in findings] == [
        ("PERSON", Severity.high, "VA-PII-PERSON"),
        ("US_SSN", Severity.critical, "VA-PII-US_SSN"),
        ("EMAIL_ADDRESS", Severity.medium, "VA-PII-EMAIL_ADDRESS"),
    ]
    ssn = findings[1]
    assert ssn.evidence == "5**-**-****" and ssn.field == "note" and (ssn.start, ssn.end) == (14, 25)
    assert ssn.fingerprint == fingerprint("US_SSN", "575-85-5582", KEY)
    dumped = "".join(f.model_dump_json() for f in findings)
    assert "5582" not in dumped and "Jane" not in dumped and "jane@" not in dumped


def test_reveal_puts_the_raw_value_in_evidence() -> None:
    findings = _eval(parse_policy(BASE), [SSN], reveal=True)
    assert findings[0].evidence == "575-85-5582"


def test_first_matching_rule_grades_by_score() -> None:
    policy = parse_policy(BASE)
    weak = _eval(policy, [Detection("PERSON", 0, 8, 0.6)])
    assert [(f.severity, f.rule_id) for f in weak] == [(Severity.low, "PERSON-WEAK")]
    assert _eval(policy, [Detection("PERSON", 0, 8, 0.4)]) == []


def test_scope_and_sources() -> None:
    policy = parse_policy(BASE)
    assert _eval(policy, [JANE, SSN, MAIL], collection="crm-archive") == []  # policy scope
    assert [f.entity_type for f in _eval(policy, [MAIL], collection="hr")] == []  # rule scope
    assert [f.entity_type for f in _eval(policy, [SSN], source="inversion")] == []  # rule sources
    assert [f.source for f in _eval(policy, [JANE], source="inversion")] == ["inversion"]


def test_overlapping_detections_of_one_entity_collapse_to_the_strongest() -> None:
    policy = parse_policy(BASE)
    dets = [Detection("PERSON", 0, 4, 0.85), Detection("PERSON", 0, 8, 0.85), Detection("PERSON", 5, 8, 0.9)]
    # highest score first, then the longer span; survivors in text order
    assert [(f.start, f.end) for f in _eval(policy, dets)] == [(0, 4), (5, 8)]
    tie = [Detection("PERSON", 0, 4, 0.85), Detection("PERSON", 0, 8, 0.85), Detection("PERSON", 5, 8, 0.85)]
    assert [(f.start, f.end) for f in _eval(policy, tie)] == [(0, 8)]
    # different entities on the same span are both kept
    both = [Detection("US_SSN", 14, 25, 0.5), Detection("PHONE_NUMBER", 14, 25, 0.5)]
    policy_phone = parse_policy(BASE + "  - {entity: PHONE_NUMBER, severity: low}\n")
    assert len(_eval(policy_phone, both)) == 2


def test_allowlist_by_fingerprint_and_pattern_with_expiry() -> None:
    ssn_fp = fingerprint("US_SSN", "575 85 5582", KEY)  # any spelling of the value
    policy = parse_policy(
        BASE
        + f"""\
allowlist:
  - {{fingerprint: {ssn_fp}, justification: synthetic test record}}
  - {{pattern: '.*@example\\.com', justification: documentation domain, expires: 2026-06-30}}
"""
    )
    before = _eval(policy, [SSN, MAIL], today=date(2026, 6, 30))
    assert [f.allowlisted for f in before] == [True, True]
    assert count_violations(before, "low") == 0
    after = _eval(policy, [SSN, MAIL], today=date(2026, 7, 1))
    assert [f.allowlisted for f in after] == [True, False]
    assert count_violations(after, "low") == 1
    notes = policy.allowlist_notes(date(2026, 7, 1))
    assert len(notes) == 1 and "allowlist[1]" in notes[0] and "2026-06-30" in notes[0]
    assert "example" not in notes[0]


def test_allowlist_pattern_must_match_the_whole_value() -> None:
    policy = parse_policy(
        BASE + "allowlist:\n  - {pattern: 'jane@example\\.com', justification: x, entity: EMAIL_ADDRESS}\n"
    )
    assert _eval(policy, [MAIL])[0].allowlisted
    text = "Jane Doe, SSN 575-85-5582, mail jane@example.com.evil.org"
    longer = Detection("EMAIL_ADDRESS", 32, len(text), 1.0)
    assert not _eval(policy, [longer], text=text)[0].allowlisted


def test_violation_helpers() -> None:
    findings = _eval(parse_policy(BASE), [JANE, SSN, MAIL])
    assert count_violations(findings, "critical") == 1
    assert count_violations(findings, Severity.medium) == 3
    assert severity_at_least("high", "medium") and not severity_at_least(Severity.low, "high")
    assert is_violation(findings[0], "high")


def test_bad_span_is_rejected() -> None:
    with pytest.raises(ValueError):
        _eval(parse_policy(BASE), [Detection("PERSON", 5, 500, 0.9)])


def test_end_to_end_with_the_real_detector() -> None:
    policy = parse_policy(BASE.replace('scope: {include: ["crm-*"]}', "scope: {include: ['*']}"))
    detector = PiiDetector(entities=policy.entities())
    text = "Patient Jane Doe, SSN 575-85-5582, mail jane@example.com"
    findings = _eval(policy, detector.analyze([text])[0], text=text)
    assert {f.entity_type for f in findings} == {"PERSON", "US_SSN", "EMAIL_ADDRESS"}
    assert {f.evidence for f in findings} == {"J*** D**", "5**-**-****", "j***@e******.c**"}


IDENTIFIABILITY = """\
name: t
rules:
  - {entity: PERSON, severity: high}
  - {entity: EMAIL_ADDRESS, severity: high}
  - {id: ADDRESS-OF-A-PERSON, entity: STREET_ADDRESS, severity: high, with_any: [PERSON, EMAIL_ADDRESS]}
  - {entity: STREET_ADDRESS, severity: medium}
  - {entity: LOCATION, severity: low, with_any: [PERSON]}
"""


def _point(policy: Policy, texts: list[tuple[str, list[Detection], str | None]]) -> list:  # type: ignore[type-arg]
    return evaluate_point(
        policy, collection="crm", point_id=1, vector="", source="payload", texts=texts, key=KEY
    )


def test_a_quasi_identifier_is_graded_by_what_is_in_the_same_point() -> None:
    policy = parse_policy(IDENTIFIABILITY)
    address = "12 Willow Lane, Leeds"
    street, city = Detection("STREET_ADDRESS", 0, 14, 0.6), Detection("LOCATION", 16, 21, 0.85)
    alone = _point(policy, [(address, [street, city], "address")])
    assert [(f.entity_type, f.severity, f.rule_id) for f in alone] == [
        ("STREET_ADDRESS", Severity.medium, "VA-PII-STREET_ADDRESS")
    ]  # and no LOCATION finding: a town alone identifies nobody
    # A person in another field of the same point raises the address and reports the town.
    beside = _point(
        policy,
        [(address, [street, city], "address"), ("Jane Doe", [Detection("PERSON", 0, 8, 0.85)], "name")],
    )
    assert [(f.entity_type, f.severity, f.rule_id) for f in beside] == [
        ("STREET_ADDRESS", Severity.high, "ADDRESS-OF-A-PERSON"),
        ("LOCATION", Severity.low, "VA-PII-LOCATION"),
        ("PERSON", Severity.high, "VA-PII-PERSON"),
    ]
    # A detection below every threshold of its entity makes nothing present.
    weak = _point(policy, [(address, [street], "a"), ("Jane Doe", [Detection("PERSON", 0, 8, 0.3)], "n")])
    assert [(f.entity_type, f.severity) for f in weak] == [("STREET_ADDRESS", Severity.medium)]


def test_an_allowlisted_value_does_not_make_its_entity_present() -> None:
    allow = "  - {pattern: 'info@shop\\.example', entity: EMAIL_ADDRESS, justification: shop inbox}\n"
    policy = parse_policy(IDENTIFIABILITY + "allowlist:\n" + allow)
    text = "info@shop.example, 1 Market Street"
    found = _point(
        policy,
        [(text, [Detection("EMAIL_ADDRESS", 0, 17, 1.0), Detection("STREET_ADDRESS", 19, 34, 0.6)], None)],
    )
    assert [(f.entity_type, f.severity, f.allowlisted) for f in found] == [
        ("EMAIL_ADDRESS", Severity.high, True),
        ("STREET_ADDRESS", Severity.medium, False),
    ]


def test_default_preset_grades_addresses_by_identifiability_on_real_detections() -> None:
    from vecaudit.policy.loader import load_policy

    policy = load_policy("default")
    detector = PiiDetector(entities=policy.entities())

    def severities(text: str) -> dict[str, Severity]:
        found = evaluate(
            policy,
            collection="c",
            point_id=1,
            vector="",
            source="payload",
            text=text,
            detections=detector.analyze([text])[0],
            key=KEY,
        )
        return {f.entity_type: f.severity for f in found}

    assert severities("Please update my shipping address to 1845 Birchwood Drive, Apt 3B.") == {
        "STREET_ADDRESS": Severity.medium
    }
    assert severities("Ship to: Omar Farouk, 77 Kingsley Road.")["STREET_ADDRESS"] is Severity.high
    assert severities("Our warehouse in Rotterdam opens on Monday.") == {}
    assert severities("Send the refund to Omar Farouk in Rotterdam.")["LOCATION"] is Severity.low
