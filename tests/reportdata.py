"""Builders of realistic, already-redacted ScanReport objects for report tests (reusable by others).

The scenario: three collections of a support/HR/clinical deployment, three people whose names,
emails, SSNs and phone numbers sit in payloads and are recoverable from vectors. Findings carry
masked evidence and keyed (HMAC) fingerprints exactly as the scan pipeline produces them; the raw
values are exposed separately (`Scenario.raw_values`) so tests can prove no format leaks them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass

from vecaudit.models import (
    CollectionReport,
    Coverage,
    CoverageGap,
    EncoderGuess,
    Finding,
    GapReason,
    InversionRecord,
    RuleInfo,
    ScanReport,
    ScanSummary,
    Severity,
    VectorInfo,
)
from vecaudit.redact import mask  # the pipeline's own masking, so evidence looks as in real reports

#: Test-only HMAC key; real deployments take theirs from the environment.
TEST_FINGERPRINT_KEY = b"vecaudit-tests-only-fingerprint-key"


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    ssn: str
    phone: str

    def values(self) -> list[str]:
        digits_ssn = self.ssn.replace("-", "")
        digits_phone = re.sub(r"\D", "", self.phone)
        return [self.name, *self.name.split(), self.email, self.ssn, digits_ssn, self.phone, digits_phone]


PEOPLE: tuple[Person, ...] = (
    Person("Marguerite Okonkwo", "m.okonkwo@northwind-health.org", "536-22-8147", "+1 415-555-0173"),
    Person("Desmond Achterberg", "desmond.achterberg@contoso.io", "612-48-3390", "(212) 555-0198"),
    Person("Ingrid Solvang", "isolvang@fabrikam.net", "401-77-2954", "617-555-0142"),
)

#: An address the policy allowlists (a shared mailbox): still a raw value that must never be printed.
ALLOWLISTED_EMAIL = "helpdesk.escalations@northwind-health.org"

RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        id="VA-PII-US_SSN",
        entity_type="US_SSN",
        severity=Severity.critical,
        threshold=0.5,
        description="US Social Security number exposed",
    ),
    RuleInfo(
        id="VA-PII-PERSON",
        entity_type="PERSON",
        severity=Severity.high,
        threshold=0.6,
        description="Person name exposed",
    ),
    RuleInfo(
        id="VA-PII-EMAIL_ADDRESS",
        entity_type="EMAIL_ADDRESS",
        severity=Severity.high,
        threshold=0.5,
        description="Email address exposed",
    ),
    RuleInfo(
        id="VA-PII-PHONE_NUMBER",
        entity_type="PHONE_NUMBER",
        severity=Severity.medium,
        threshold=0.5,
        description="Phone number exposed",
    ),
    RuleInfo(
        id="VA-PII-LOCATION",
        entity_type="LOCATION",
        severity=Severity.low,
        threshold=0.7,
        description="Location exposed",
    ),
    RuleInfo(
        id="VA-PII-DATE_TIME",
        entity_type="DATE_TIME",
        severity=Severity.info,
        threshold=0.8,
        description="Date or time exposed",
    ),
)
_RULE_BY_ENTITY = {r.entity_type: r for r in RULES}


def fingerprint(entity_type: str, value: str, key: bytes = TEST_FINGERPRINT_KEY) -> str:
    normalized = " ".join(value.lower().split())
    return hmac.new(key, f"{entity_type}\x1f{normalized}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Scenario:
    report: ScanReport
    #: Every raw PII value used to build the report, including name parts and digit-only forms.
    raw_values: tuple[str, ...]
    #: The plaintext that inversion "recovered" (present in the report only when revealed).
    recovered_texts: tuple[str, ...]


def _finding(
    collection: str,
    point_id: int | str,
    entity: str,
    value: str,
    *,
    source: str,
    score: float,
    vector: str = "",
    field: str | None = None,
    allowlisted: bool = False,
    baseline_state: str | None = None,
    key: bytes = TEST_FINGERPRINT_KEY,
) -> Finding:
    rule = _RULE_BY_ENTITY[entity]
    return Finding(
        collection=collection,
        point_id=point_id,
        vector=vector,
        source=source,  # type: ignore[arg-type]
        entity_type=entity,
        score=score,
        severity=rule.severity,
        fingerprint=fingerprint(entity, value, key),
        evidence=mask(value),
        rule_id=rule.id,
        field=field,
        allowlisted=allowlisted,
        baseline_state=baseline_state,
    )


def summarize(findings: list[Finding], fail_on: Severity) -> ScanSummary:
    """What the policy stage reports; computed independently of vecaudit.report so tests can compare."""
    order = [Severity.critical, Severity.high, Severity.medium, Severity.low, Severity.info]
    sev = Counter(f.severity for f in findings)
    return ScanSummary(
        findings_total=len(findings),
        by_severity={s.value: sev[s] for s in order if sev[s]},
        by_entity=dict(Counter(f.entity_type for f in findings).most_common()),
        points_with_findings=len({(f.collection, f.vector, f.point_id) for f in findings}),
        violations=sum(1 for f in findings if not f.allowlisted and f.severity.rank >= fail_on.rank),
    )


def build_scenario(
    *,
    revealed: bool = False,
    complete: bool = True,
    allow_partial: bool = False,
    fail_on: Severity = Severity.high,
    extra_findings: int = 0,
    key: bytes = TEST_FINGERPRINT_KEY,
) -> Scenario:
    """A three-collection scan with payload and inversion findings for every person in PEOPLE.

    `extra_findings` adds that many low-importance DATE_TIME inversion findings (for table caps).
    `complete=False` gives support_tickets coverage gaps: an unreadable record (point 5), a string
    over the size limit (point 42, field "body") and a NaN vector (point 23).
    """
    tickets, hr, intake = "support_tickets", "hr_notes", "patient_intake"
    p0, p1, p2 = PEOPLE
    uuid_a = "6f1c2a9e-4b7d-4e0a-9a51-0c2d8e7f3b11"
    uuid_b = "a3e0b7c4-1d2f-4a6b-8c9d-5e4f3a2b1c0d"

    findings = [
        # support_tickets: MiniLM, inverted; default (unnamed) vector.
        _finding(
            tickets,
            17,
            "EMAIL_ADDRESS",
            p0.email,
            source="payload",
            score=1.0,
            field="customer.email",
            baseline_state="unchanged",
            key=key,
        ),
        _finding(
            tickets, 17, "PERSON", p0.name, source="inversion", score=0.91, baseline_state="new", key=key
        ),
        _finding(
            tickets, 17, "US_SSN", p0.ssn, source="inversion", score=0.85, baseline_state="new", key=key
        ),
        _finding(tickets, 42, "PHONE_NUMBER", p1.phone, source="inversion", score=0.75, key=key),
        _finding(tickets, 42, "PERSON", p1.name, source="payload", score=0.85, field="body", key=key),
        _finding(
            tickets,
            99,
            "EMAIL_ADDRESS",
            ALLOWLISTED_EMAIL,
            source="payload",
            score=1.0,
            field="assignee",
            allowlisted=True,
            key=key,
        ),
        # hr_notes: named vectors, unknown encoder, payload findings only.
        _finding(
            hr, 3, "US_SSN", p1.ssn, source="payload", score=0.95, vector="body", field="notes", key=key
        ),
        _finding(
            hr, 3, "PERSON", p1.name, source="payload", score=0.85, vector="title", field="title", key=key
        ),
        _finding(
            hr,
            8,
            "EMAIL_ADDRESS",
            p2.email,
            source="payload",
            score=1.0,
            vector="body",
            field="contact.email",
            allowlisted=True,
            key=key,
        ),
        # patient_intake: e5, UUID ids, inverted.
        _finding(intake, uuid_a, "PERSON", p2.name, source="inversion", score=0.88, key=key),
        _finding(intake, uuid_a, "PHONE_NUMBER", p2.phone, source="inversion", score=0.8, key=key),
        _finding(intake, uuid_b, "US_SSN", p2.ssn, source="payload", score=0.95, field="form.ssn", key=key),
    ]
    for i in range(extra_findings):
        findings.append(
            _finding(
                tickets,
                1000 + i,
                "DATE_TIME",
                f"2026-0{1 + i % 9}-1{i % 10}",
                source="inversion",
                score=0.81,
                key=key,
            )
        )

    recovered = (
        f"Ticket from {p0.name} ({p0.email}): please update SSN {p0.ssn} on file",
        f"Call back {p1.name} at {p1.phone} about the refund",
        f"Intake: {p2.name}, phone {p2.phone}, reports chest pain",
        f"Follow-up for {p2.name}, SSN {p2.ssn}",
    )
    inversions = None
    if revealed:
        inversions = [
            InversionRecord(collection=tickets, point_id=17, text=recovered[0], cosine=0.93),
            InversionRecord(collection=tickets, point_id=42, text=recovered[1], cosine=0.89),
            InversionRecord(collection=intake, point_id=uuid_a, text=recovered[2], cosine=0.9),
            InversionRecord(collection=intake, point_id=uuid_b, text=recovered[3], cosine=0.87),
        ]

    dense = VectorInfo(name="", dim=384, distance="Cosine", datatype="float32")
    collections = [
        CollectionReport(
            name=tickets,
            points_total=1200,
            points_scanned=200,
            vectors=[dense],
            encoder=EncoderGuess(name="all-MiniLM-L6-v2", confidence=0.99, method="payload+fingerprint"),
            inverted=200,
            notes=[
                "Encoder confirmed by re-embedding payload field 'body' (mean cosine 0.998).",
                "Sampled 200 of 1200 points.",
            ],
            coverage=Coverage(
                points_analyzed=199 if not complete else 200,
                fields_analyzed=1400,
                not_analyzed=[]
                if complete
                else [
                    CoverageGap(
                        reason=GapReason.unreadable_record,
                        unit="point",
                        count=1,
                        point_ids=[5],
                        details=["cannot be decoded (UnpicklingError)"],
                    ),
                    CoverageGap(
                        reason=GapReason.size_limit,
                        unit="field",
                        count=1,
                        point_ids=[42],
                        fields=["body"],
                        details=["2,000,000 characters; the first 1,000,000 were analyzed"],
                    ),
                    CoverageGap(
                        reason=GapReason.non_finite_vector,
                        unit="vector",
                        count=1,
                        point_ids=[23],
                        vectors=["(default)"],
                    ),
                ],
            ),
        ),
        CollectionReport(
            name=hr,
            points_total=57,
            points_scanned=57,
            vectors=[
                VectorInfo(name="title", dim=384, distance="Cosine"),
                VectorInfo(name="body", dim=256, distance="Dot"),
            ],
            encoder=EncoderGuess(name="unknown", confidence=0.31, method="fingerprint"),
            encoders={
                "title": EncoderGuess(name="unknown", confidence=0.31, method="fingerprint"),
                "body": EncoderGuess(name="unknown", confidence=0.22, method="fingerprint"),
            },
            inverted=0,
            notes=["No inverter or adapter for an unidentified encoder: payload checks only."],
            coverage=Coverage(points_analyzed=57, fields_analyzed=300),
        ),
        CollectionReport(
            name=intake,
            points_total=2,
            points_scanned=2,
            vectors=[dense],
            encoder=EncoderGuess(name="multilingual-e5-small", confidence=0.97, method="roundtrip"),
            inverted=2,
            coverage=Coverage(points_analyzed=2, fields_analyzed=12),
        ),
    ]
    report = ScanReport(
        tool_version="0.1.0",
        run_id="0b6e2f64-5c1a-4d7e-9f3b-2a8c1d4e6f70",
        target="http://qdrant.internal:6333",
        started_at="2026-11-22T10:00:00+00:00",
        finished_at="2026-11-22T10:04:12+00:00" if complete else None,
        complete=complete,
        allow_partial=allow_partial,
        policy="default",
        fail_on=fail_on,
        revealed=revealed,
        rules=list(RULES),
        stages_skipped={"translate": "Every identified encoder has its own inverter; no adapter needed."},
        collections=collections,
        findings=findings,
        inversions=inversions,
        summary=summarize(findings, fail_on),
    )
    raw = [v for p in PEOPLE for v in p.values()] + [ALLOWLISTED_EMAIL]
    return Scenario(report=report, raw_values=tuple(raw), recovered_texts=recovered)


def build_report(**kwargs: object) -> ScanReport:
    """Shorthand for `build_scenario(**kwargs).report`."""
    return build_scenario(**kwargs).report  # type: ignore[arg-type]
