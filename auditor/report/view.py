"""Format-neutral facts derived from a ScanReport, shared by every renderer.

Renderers never decide policy themselves: what counts as a violation, which rule a finding belongs
to and how findings are ordered is computed here once, so all formats agree.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ..models import (
    REDACTION_BYPASS_RULE_ID,
    Finding,
    InversionRecord,
    Reference,
    RuleInfo,
    SamplingReport,
    ScanReport,
    ScanSummary,
    Severity,
)
from ..policy import standards
from ..policy.evaluate import is_violation
from ..redact import mask

#: Highest first: the order humans read tables in.
SEVERITIES_DESC: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: s.rank, reverse=True))


def point_key(point_id: int | str) -> tuple[int, int, str]:
    """Sort integer ids numerically and before UUID strings, so order is stable across formats."""
    if isinstance(point_id, int):
        return (0, point_id, "")
    return (1, 0, point_id)


def finding_sort_key(f: Finding) -> tuple[object, ...]:
    return (
        -f.severity.rank,
        f.collection,
        point_key(f.point_id),
        f.vector,
        f.entity_type,
        f.source,
        f.field or "",
        f.start if f.start is not None else -1,
        f.fingerprint,
    )


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_sort_key)


def sorted_inversions(records: Iterable[InversionRecord]) -> list[InversionRecord]:
    return sorted(records, key=lambda r: (r.collection, point_key(r.point_id), r.vector))


def synthetic_rule_id(entity_type: str) -> str:
    return f"VA-PII-{entity_type}"


@dataclass(frozen=True, slots=True)
class RuleIndex:
    """Policy rules as reported, plus a synthetic rule for any finding no declared rule explains.

    Findings are matched by `rule_id` first, then by entity type, so a report whose findings carry
    no rule ids (e.g. from an older producer) still maps every finding onto exactly one rule.
    """

    rules: tuple[RuleInfo, ...]
    _by_id: dict[str, int]
    _by_entity: dict[str, int]

    @classmethod
    def build(cls, report: ScanReport) -> RuleIndex:
        rules: list[RuleInfo] = []
        by_id: dict[str, int] = {}
        by_entity: dict[str, int] = {}

        def add(rule: RuleInfo) -> None:
            if rule.id in by_id:
                return
            by_id[rule.id] = len(rules)
            by_entity.setdefault(rule.entity_type, len(rules))
            rules.append(rule)

        for rule in report.rules:
            add(rule)
        for f in sorted_findings(report.findings):
            if (f.rule_id and f.rule_id in by_id) or (not f.rule_id and f.entity_type in by_entity):
                continue
            add(
                RuleInfo(
                    id=f.rule_id or synthetic_rule_id(f.entity_type),
                    entity_type=f.entity_type,
                    severity=f.severity,
                    threshold=0.0,
                    description=f"{f.entity_type} found (rule not declared in the policy summary)",
                )
            )
        return cls(tuple(rules), by_id, by_entity)

    def index_of(self, finding: Finding) -> int:
        if finding.rule_id and finding.rule_id in self._by_id:
            return self._by_id[finding.rule_id]
        return self._by_entity[finding.entity_type]

    def rule_of(self, finding: Finding) -> RuleInfo:
        return self.rules[self.index_of(finding)]


def compute_summary(report: ScanReport) -> ScanSummary:
    by_sev = Counter(f.severity.value for f in report.findings)
    by_entity = Counter(f.entity_type for f in report.findings)
    return ScanSummary(
        findings_total=len(report.findings),
        by_severity={s.value: by_sev[s.value] for s in SEVERITIES_DESC if by_sev[s.value]},
        by_entity=dict(sorted(by_entity.items(), key=lambda kv: (-kv[1], kv[0]))),
        points_with_findings=len({(f.collection, f.vector, f.point_id) for f in report.findings}),
        violations=sum(is_violation(f, report.fail_on) for f in report.findings)
        + (report.targeted.violations(report.fail_on) if report.targeted is not None else 0),
        redaction_bypass=sum(map(is_redaction_bypass, report.findings)),
        points_mismatched=mismatch_counts(report)[0],
    )


def effective_summary(report: ScanReport) -> ScanSummary:
    """The producer's summary when it was filled in, else one computed from the findings."""
    s = report.summary
    if s.findings_total == len(report.findings) and (s.by_severity or not report.findings):
        return s
    return compute_summary(report)


def is_redaction_bypass(finding: Finding) -> bool:
    return finding.rule_id == REDACTION_BYPASS_RULE_ID


def mismatch_counts(report: ScanReport) -> tuple[int, int]:
    """(points whose vector was not made from their payload text, points checked), all slots."""
    checks = [m for c in report.collections for m in c.payload_match.values()]
    return sum(m.points_mismatched for m in checks), sum(m.points_checked for m in checks)


def redaction_bypass_sentence(report: ScanReport) -> str | None:
    """Why a store with clean payloads fails, in one sentence; None without redaction-bypass findings."""
    bypass = [f for f in report.findings if is_redaction_bypass(f)]
    if not bypass:
        return None
    mismatched, checked = mismatch_counts(report)
    points = len({(f.collection, f.point_id) for f in bypass})
    violations = sum(is_violation(f, report.fail_on) for f in bypass)
    return (
        f"Redaction bypass: {mismatched} of {checked} point(s) checked have a vector that was not made "
        f"from their payload text, and inverting the vectors of {points} of them recovered personal "
        f"data their payloads do not hold ({len(bypass)} finding(s), {violations} violation(s)): the "
        "payloads were redacted after embedding, but the vectors were not."
    )


def sampling_lines(s: SamplingReport) -> list[str]:
    """Adaptive sampling of one collection in plain lines: the decision, then each estimate with its
    interval (shares and counts only, never a value)."""
    state = (
        "precision met"
        if s.precision_met
        else "PARTIAL: precision not met"
        if s.partial
        else "precision not met"
    )
    out = [
        f"adaptive sampling ({state}, {s.confidence:.0%} confidence sequences, target ±{s.precision:g}): "
        f"{s.reason}"
    ]
    for e in s.estimates:
        where = "recovered by inversion" if e.source == "inversion" else "in payloads"
        interval = "exact" if e.exact else f"[{e.low:.1%}, {e.high:.1%}] (±{e.half_width:.3f})"
        out.append(f"  {e.entity_type} {where}: {e.rate:.1%} of {e.n:,} points, {interval}")
    if s.unseen_high is not None:
        out.append(f"  types never recovered by inversion: at most {s.unseen_high:.1%} each")
    return out


def collection_names(report: ScanReport) -> list[str]:
    """Scanned collections in report order, then any that only appear in findings."""
    names = [c.name for c in report.collections]
    seen = set(names)
    for f in report.findings:
        if f.collection not in seen:
            seen.add(f.collection)
            names.append(f.collection)
    return names


def revealed_inversions(report: ScanReport) -> list[InversionRecord] | None:
    """Inversion records a renderer may show: only when the user asked for --reveal.

    Defence in depth: a producer bug that fills `inversions` without `revealed` must not leak text.
    """
    if not report.revealed or report.inversions is None:
        return None
    return sorted_inversions(report.inversions)


def masked_evidence(report: ScanReport, finding: Finding) -> str:
    """A finding's evidence as rendered outside the JSON report, which alone carries --reveal values.

    With --reveal a finding's evidence is the value itself, so it is masked here; without it the
    evidence is already masked (and masking is idempotent).
    """
    return mask(finding.evidence) if report.revealed else finding.evidence


def verdict(report: ScanReport) -> str:
    """PASS, PARTIAL, FAIL or INCOMPLETE (see vecaudit.verdict), on the report's effective summary."""
    from ..verdict import verdict as run_verdict

    return run_verdict(report, effective_summary(report).violations)


def finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def fmt_score(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else "n/a"


# Characters that XML 1.0 cannot carry at all (not even escaped); HTML and terminals mis-handle them
# too. Also C1 controls (U+0080-U+009F: "\x9b" is CSI, which a terminal obeys like ESC "[" when a
# Markdown report is printed), bidi overrides and isolates (they reorder what a reader sees in a
# table row or CI log) and line/paragraph separators (they break a one-line cell).
_UNSAFE = re.compile(
    "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def clean_text(text: str) -> str:
    """Replace control characters, bidi overrides and lone surrogates so every format stays
    well-formed and shows what it says."""
    return _UNSAFE.sub("\ufffd", text)


def point_label(point_id: int | str) -> str:
    return str(point_id)


def vector_label(vector: str) -> str:
    return vector or "(default)"


def rule_references(rule: RuleInfo) -> list[Reference]:
    """The standards' clauses a rule's findings bear on: vecaudit's own (OWASP LLM08) first, then
    the policy's. Reports older than schema 1.4 and synthetic rules carry none of their own."""
    return standards.merge(standards.BUILTIN["finding"], rule.references)


def builtin_references(kind: standards.BuiltinKind) -> list[Reference]:
    """The clauses one of vecaudit's own kinds of result (targeted support, coverage gap) bears on."""
    return list(standards.BUILTIN[kind])
