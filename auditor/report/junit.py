"""JUnit XML output, for CI systems that gate and display test results.

Layout: a `vecaudit` suite with the `scan-complete` case (a failure when data in scope was left
unanalyzed, skipped when --allow-partial accepted that) and one skipped case per skipped stage,
then one suite per collection with a `coverage` case (likewise: what was not analyzed, and why)
and one case per policy rule. A rule case fails when the collection has violations of that rule
at or above `fail_on`; allowlisted findings never fail. The file validates against the junit-10
schema of Jenkins' xUnit plugin (tests/data/junit-10.xsd), which GitLab and GitHub also read.
Failure bodies show counts, point ids and a few masked evidence examples, never recovered plaintext:
JUnit files are uploaded to CI dashboards whose readers are not the authorised auditors.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter, defaultdict

from ..coverage import describe_gap, gap_summary
from ..models import REDACTION_BYPASS_RULE_ID, Finding, ScanReport
from .base import ReportContext
from .view import (
    RuleIndex,
    clean_text,
    collection_names,
    fmt_score,
    is_violation,
    masked_evidence,
    redaction_bypass_sentence,
    sorted_findings,
    vector_label,
)

#: Masked evidence examples per failing case: enough to locate the problem, short enough to read.
EXAMPLES_PER_CASE = 5


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: clean_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = clean_text(text)
    return el


def _example(f: Finding, evidence: str) -> str:
    origin = f"payload field {f.field}" if f.source == "payload" and f.field else f.source
    return (
        f"  - point {f.point_id}, vector {vector_label(f.vector)}, {origin}: {evidence} "
        f"(score {fmt_score(f.score)}, {f.severity.value})"
    )


def _set_counts(suite: ET.Element, tests: int, failures: int, errors: int, skipped: int) -> None:
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    suite.set("time", "0")


def junit_tree(report: ScanReport) -> ET.Element:
    rules = RuleIndex.build(report)
    findings = sorted_findings(report.findings)
    by_case: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    for f in findings:
        by_case[(f.collection, rules.index_of(f))].append(f)

    root = ET.Element("testsuites", {"name": "vecaudit"})
    totals = Counter[str]()

    scan = _el(root, "testsuite", name="vecaudit", timestamp=report.started_at)
    props = _el(scan, "properties")
    for key, value in (
        ("target", report.target),
        ("run_id", report.run_id),
        ("policy", report.policy),
        ("fail_on", report.fail_on.value),
        ("tool_version", report.tool_version),
    ):
        _el(props, "property", name=key, value=value)
    case = _el(scan, "testcase", classname="vecaudit", name="scan-complete", time="0")
    failures = skipped = 0
    gaps = [
        (c.name, g) for c in report.collections if c.coverage is not None for g in c.coverage.not_analyzed
    ]
    if not report.complete:
        counts = _not_analyzed_counts(report)
        if report.allow_partial:
            skipped += 1
            _el(case, "skipped", message=f"{counts}; accepted with --allow-partial")
        else:
            failures += 1
            _el(
                case,
                "failure",
                "The scan could not analyze all data in scope, so it cannot pass:\n"
                + "\n".join(f"  - collection {name}: {describe_gap(g)}" for name, g in gaps)
                + "".join(
                    f"\n  - collection {c.name}: adaptive sampling {c.sampling.reason}"
                    for c in report.collections
                    if c.sampling is not None and c.sampling.partial
                ),
                message=counts,
                type="IncompleteCoverage",
            )
    for stage, reason in report.stages_skipped.items():
        skipped_case = _el(scan, "testcase", classname="vecaudit", name=f"stage:{stage}", time="0")
        _el(skipped_case, "skipped", message=reason)
    skipped += len(report.stages_skipped)
    tests = 1 + len(report.stages_skipped)
    if report.targeted is not None:
        tests += 1
        failures += _targeted_case(scan, report)
    _set_counts(scan, tests, failures, 0, skipped)
    totals.update(tests=tests, failures=failures, skipped=skipped)

    by_name = {c.name: c for c in report.collections}
    for collection in collection_names(report):
        suite = _el(root, "testsuite", name=collection, timestamp=report.started_at)
        failures = skipped = tests = 0
        coverage = by_name[collection].coverage if collection in by_name else None
        if coverage is not None:
            tests += 1
            case = _el(suite, "testcase", classname=f"vecaudit.{collection}", name="coverage", time="0")
            text = "\n".join(f"  - {describe_gap(g)}" for g in coverage.not_analyzed)
            counts = f"{gap_summary(coverage)}"
            if coverage.complete:
                _el(case, "system-out", f"Every point, field and vector in scope was analyzed: {counts}.")
            elif report.allow_partial:
                skipped += 1
                _el(case, "skipped", message=f"{counts}; accepted with --allow-partial")
                _el(case, "system-out", f"Not analyzed:\n{text}")
            else:
                failures += 1
                _el(case, "failure", f"Not analyzed:\n{text}", message=counts, type="IncompleteCoverage")
        for idx, rule in enumerate(rules.rules):
            case = _el(suite, "testcase", classname=f"vecaudit.{collection}", name=rule.id, time="0")
            hits = by_case.get((collection, idx), [])
            violations = [f for f in hits if is_violation(f, report.fail_on)]
            allowlisted = sum(f.allowlisted for f in hits)
            below = len(hits) - len(violations) - allowlisted
            counts = (
                f"{rule.entity_type}: {len(violations)} violation(s) at or above {report.fail_on.value}, "
                f"{below} finding(s) below it, {allowlisted} allowlisted."
            )
            if violations:
                failures += 1
                by_source = Counter(f.source for f in violations)
                sources = ", ".join(f"{n} from {src}" for src, n in sorted(by_source.items()))
                lines = [counts, f"Violations by source: {sources}.", "Examples (masked evidence):"]
                if rule.id == REDACTION_BYPASS_RULE_ID:
                    lines.insert(0, redaction_bypass_sentence(report) or "Redaction bypass.")
                lines += [_example(f, masked_evidence(report, f)) for f in violations[:EXAMPLES_PER_CASE]]
                if len(violations) > EXAMPLES_PER_CASE:
                    lines.append(f"  ... and {len(violations) - EXAMPLES_PER_CASE} more")
                _el(
                    case,
                    "failure",
                    "\n".join(lines),
                    message=(
                        f"{len(violations)} "
                        + ("redaction-bypass" if rule.id == REDACTION_BYPASS_RULE_ID else rule.entity_type)
                        + f" violation(s) at or above {report.fail_on.value}"
                    ),
                    type=max(violations, key=lambda f: f.severity.rank).severity.value,
                )
            elif hits:
                _el(case, "system-out", counts)
        _set_counts(suite, tests + len(rules.rules), failures, 0, skipped)
        totals.update(tests=tests + len(rules.rules), failures=failures, skipped=skipped)

    # The root has no "skipped": the junit-10 schema of Jenkins' xUnit plugin rejects the whole
    # file for it (skips are counted on each testsuite, where every reader looks for them).
    for key in ("tests", "failures", "errors"):
        root.set(key, str(totals[key]))
    root.set("time", "0")
    return root


def _targeted_case(scan: ET.Element, report: ScanReport) -> int:
    """The `targeted-support` case of --candidates (1 when it fails): supported candidates by
    line, entity type and fingerprint, never the value."""
    t = report.targeted
    assert t is not None
    case = _el(scan, "testcase", classname="vecaudit", name="targeted-support", time="0")
    counts = (
        f"{t.supported} of {len(t.candidates)} candidate(s) supported by stored vectors "
        f"({t.vectors_checked} checked, z >= {t.min_z:g}, {t.expected_false_supports:.3f} false "
        "supports expected)"
    )
    lines = [
        f"  - line {c.line} {c.entity_type} {c.fingerprint}: "
        + ", ".join(
            f"{s.collection}/{vector_label(s.vector)}/{s.point_id} (z {s.z:.1f})" for s in c.supported_by
        )
        for c in t.candidates
        if c.supported
    ]
    lines += [f"  - not checked: {g.vectors} vector(s) of {g.collection}: {g.reason}" for g in t.not_checked]
    if t.violations(report.fail_on):
        _el(case, "failure", counts + ":\n" + "\n".join(lines), message=counts, type=t.severity.value)
        return 1
    _el(case, "system-out", counts + (":\n" + "\n".join(lines) if lines else "."))
    return 0


def _not_analyzed_counts(report: ScanReport) -> str:
    totals = Counter[str]()
    for c in report.collections:
        if c.coverage is not None:
            totals.update(
                point=c.coverage.points_not_analyzed,
                field=c.coverage.fields_not_analyzed,
                vector=c.coverage.vectors_not_analyzed,
            )
    parts = [f"{n} {unit}(s)" for unit, n in totals.items() if n]
    if report.targeted is not None and report.targeted.not_checked:
        unchecked = sum(g.vectors for g in report.targeted.not_checked)
        parts.append(f"{unchecked} vector(s) not checked against the candidates")
    return f"{', '.join(parts) or 'data'} not analyzed"


class JunitFormat:
    name = "junit"
    extension = ".junit.xml"
    media_type = "application/xml"

    def render(self, report: ScanReport, context: ReportContext) -> bytes:  # needs no context
        root = junit_tree(report)
        ET.indent(root)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
