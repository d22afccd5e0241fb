"""A small format-neutral document (sections of paragraphs, lists, tables and charts) built from a
ScanReport.

Markdown and HTML render the same Document, so both always carry the same content. The full report
(compliance.py) extends this one: its sections become the appendices.
All strings here are plain text: each renderer does its own escaping.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..coverage import gap_summary, gap_where
from ..models import ScanReport, VectorInfo
from .view import (
    SEVERITIES_DESC,
    RuleIndex,
    clean_text,
    effective_summary,
    fmt_score,
    is_violation,
    masked_evidence,
    redaction_bypass_sentence,
    revealed_inversions,
    sorted_findings,
    vector_label,
    verdict,
)

#: Findings (and inversions) shown in human-readable tables; the JSON report always has all of them.
DEFAULT_ROW_CAP = 200


@dataclass(slots=True)
class Paragraph:
    text: str
    tone: str = ""  # "", "warning", "pass", "fail": a hint for renderers that can style it


@dataclass(slots=True)
class BulletList:
    items: list[str]


@dataclass(slots=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    #: Column whose values are severities, so renderers may style them as badges.
    severity_column: int | None = None


@dataclass(slots=True)
class Figure:
    """A chart as inline SVG (HTML/PDF). Text formats show only the caption, so a document must
    also give the chart's numbers in a Table next to it."""

    svg: str
    caption: str


Block = Paragraph | BulletList | Table | Figure


@dataclass(slots=True)
class Section:
    key: str  # stable anchor id
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    title: str
    verdict: str
    facts: list[tuple[str, str]]
    sections: list[Section]

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def _clean_rows(rows: list[list[str]]) -> list[list[str]]:
    return [[clean_text(cell) for cell in row] for row in rows]


def _summary_section(report: ScanReport) -> Section:
    summary = effective_summary(report)
    rules = RuleIndex.build(report)
    tone = {"PASS": "pass", "FAIL": "fail"}.get(verdict(report), "warning")
    lines = {
        "PASS": f"No violations at or above {report.fail_on.value}.",
        "FAIL": f"{summary.violations} violation(s) at or above {report.fail_on.value}."
        + ("" if report.complete else " Some data was not analyzed (see Coverage)."),
        "PARTIAL": f"No violations at or above {report.fail_on.value} in what was analyzed; some data "
        "was not (see Coverage), which --allow-partial accepted.",
        "INCOMPLETE": "The scan could not analyze all data in scope (see Coverage): a partial scan "
        "cannot pass.",
    }
    blocks: list[Block] = [
        Paragraph(f"{verdict(report)}: {lines[verdict(report)]}", tone=tone),
        Paragraph(
            f"{summary.findings_total} finding(s) on {summary.points_with_findings} point(s); "
            f"{summary.violations} violation(s) at or above {report.fail_on.value}."
        ),
    ]
    bypass = redaction_bypass_sentence(report)
    if bypass:
        blocks.insert(1, Paragraph(bypass, tone="fail"))
    blocks.append(
        Table(
            ["Severity", "Findings"],
            [[s.value, str(summary.by_severity.get(s.value, 0))] for s in SEVERITIES_DESC],
            severity_column=0,
        )
    )
    if summary.by_entity:
        blocks.append(Table(["Entity", "Findings"], [[e, str(n)] for e, n in summary.by_entity.items()]))
    if rules.rules:
        hits = Counter(rules.index_of(f) for f in report.findings)
        fails = Counter(rules.index_of(f) for f in report.findings if is_violation(f, report.fail_on))
        blocks.append(
            Table(
                ["Rule", "Entity", "Severity", "Threshold", "Findings", "Violations"],
                [
                    [r.id, r.entity_type, r.severity.value, f"{r.threshold:.2f}", str(hits[i]), str(fails[i])]
                    for i, r in enumerate(rules.rules)
                ],
                severity_column=2,
            )
        )
    return Section("summary", "Summary", blocks)


def _vector_text(v: VectorInfo) -> str:
    details = [v.kind.value] + ([f"{v.dim}d"] if v.dim else []) + ([v.distance] if v.distance else [])
    return f"{v.label} ({', '.join(details)})"


def _collections_section(report: ScanReport) -> Section:
    rows = []
    for c in report.collections:
        vectors = ", ".join(_vector_text(v) for v in c.vectors)
        per_vector = "; ".join(
            f"{vector_label(name)}: {g.name} ({g.confidence:.2f}, {g.method})"
            for name, g in c.encoders.items()
        )
        notes = " ".join(c.notes + ([f"Per vector: {per_vector}."] if per_vector else []))
        rows.append(
            [
                c.name,
                str(c.points_total),
                str(c.points_scanned),
                "-" if c.coverage is None or c.coverage.complete else gap_summary(c.coverage),
                vectors or "-",
                c.encoder.name,
                f"{c.encoder.confidence:.2f}",
                c.encoder.method,
                str(c.inverted),
                notes or "-",
            ]
        )
    blocks: list[Block] = (
        [
            Table(
                [
                    "Collection",
                    "Points",
                    "Scanned",
                    "Not analyzed",
                    "Vectors",
                    "Encoder",
                    "Confidence",
                    "Method",
                    "Inverted",
                    "Notes",
                ],
                rows,
            )
        ]
        if rows
        else [Paragraph("No collections were scanned.")]
    )
    matches = [(c.name, v, m) for c in report.collections for v, m in c.payload_match.items()]
    if matches:
        blocks.append(
            Paragraph(
                "Payload match: each point's payload text was re-embedded with the vectors' encoder; a "
                "cosine below the threshold means the vector was not made from that text (e.g. the "
                "payload was redacted after embedding)."
            )
        )
        blocks.append(
            Table(
                ["Collection", "Vector", "Encoder", "Checked", "Mismatched", "Rate", "Threshold", "Points"],
                [
                    [
                        name,
                        vector_label(v),
                        m.encoder,
                        str(m.points_checked),
                        str(m.points_mismatched),
                        f"{m.mismatch_rate:.1%}",
                        f"{m.threshold:.2f}",
                        ", ".join(map(str, m.point_ids[:10])) or "-",
                    ]
                    for name, v, m in matches
                ],
            )
        )
    sampled = [(c.name, c.sampling) for c in report.collections if c.sampling is not None]
    if sampled:
        blocks.append(
            Paragraph(
                "Adaptive sampling: vectors were inverted in a uniformly random order until every entity "
                "type's leakage-rate interval was tight enough or a budget ran out; payloads were read "
                f"in full. Intervals are confidence sequences ({sampled[0][1].reference})."
            )
        )
        rows = [
            [name, e.entity_type, e.source, f"{e.rate:.1%}"]
            + ["exact" if e.exact else f"{e.low:.1%} - {e.high:.1%}", f"{e.count} of {e.n}", s.reason]
            for name, s in sampled
            for e in s.estimates
        ]
        rows += [[name, "-", "-", "-", "-", "-", s.reason] for name, s in sampled if not s.estimates]
        blocks.append(Table(["Collection", "Entity", "Source", "Rate", "Interval", "Points", "Stop"], rows))
    return Section("collections", "Collections", blocks)


def _coverage_section(report: ScanReport) -> Section:
    """What the scan did not analyze, per collection and reason: counts, point ids, paths; and the
    vectors targeted mode could not check."""
    section = _collection_coverage(report)
    t = report.targeted
    if t is not None and t.not_checked:
        unchecked = sum(g.vectors for g in t.not_checked)
        text = (
            f"{unchecked} vector(s) were not checked against the candidates file (see Targeted check): "
            "a value they hold would be reported as unsupported."
        )
        section.blocks.insert(0, Paragraph(text, tone="warning"))
    return section


def _collection_coverage(report: ScanReport) -> Section:
    recorded = [c for c in report.collections if c.coverage is not None]
    if not recorded:
        text = "Coverage was not recorded (a report older than schema 1.1)." if report.collections else ""
        return Section("coverage", "Coverage", [Paragraph(text or "No collections were scanned.")])
    analyzed = (
        f"{sum(c.coverage.points_analyzed for c in recorded if c.coverage)} point(s) and "
        f"{sum(c.coverage.fields_analyzed for c in recorded if c.coverage)} payload value(s) and key(s) "
        "were analyzed."
    )
    rows = [
        [c.name, g.unit, str(g.count), g.reason.value, g.description, gap_where(g), "; ".join(g.details)]
        for c in recorded
        if c.coverage is not None
        for g in c.coverage.not_analyzed
    ]
    if not rows:
        return Section(
            "coverage",
            "Coverage",
            [Paragraph(f"Every point, payload value, key and vector in scope was analyzed: {analyzed}")],
        )
    accepted = " (accepted with --allow-partial)" if report.allow_partial else ""
    return Section(
        "coverage",
        "Coverage",
        [
            Paragraph(
                f"Not everything in scope was analyzed{accepted}: nothing below was checked for "
                f"personal data, so its absence from the findings proves nothing. {analyzed}",
                tone="warning",
            ),
            Table(["Collection", "Unit", "Count", "Reason", "What", "Where", "Details"], rows),
        ],
    )


def _findings_section(report: ScanReport, cap: int) -> Section:
    findings = sorted_findings(report.findings)
    if not findings:
        return Section("findings", "Findings", [Paragraph("No findings.")])
    rows = []
    for f in findings[:cap]:
        status = []
        if is_violation(f, report.fail_on):
            status.append("violation")
        if f.allowlisted:
            status.append("allowlisted")
        if f.baseline_state:
            status.append(f.baseline_state)
        rows.append(
            [
                f.severity.value,
                f.entity_type,
                f.collection,
                str(f.point_id),
                vector_label(f.vector),
                f.source if not f.field else f"{f.source}: {f.field}",
                fmt_score(f.score),
                masked_evidence(report, f),
                f.rule_id or "-",
                ", ".join(status) or "-",
                f.fingerprint[:12],
            ]
        )
    blocks: list[Block] = [
        Table(
            [
                "Severity",
                "Entity",
                "Collection",
                "Point",
                "Vector",
                "Source",
                "Score",
                "Evidence (masked)",
                "Rule",
                "Status",
                "Fingerprint",
            ],
            rows,
            severity_column=0,
        )
    ]
    if len(findings) > cap:
        rest = len(findings) - cap
        blocks.append(Paragraph(f"{rest} more finding(s) not shown; the JSON report lists all."))
    return Section("findings", "Findings", blocks)


def _targeted_section(report: ScanReport, cap: int) -> Section | None:
    """Targeted mode (--candidates): each candidate by line, entity type and fingerprint, with the
    vectors that support it; never a value."""
    t = report.targeted
    if t is None:
        return None
    extrapolated = " (extrapolated beyond the measured z of 5)" if t.min_z_extrapolated else ""
    blocks: list[Block] = [
        Paragraph(
            f"{len(t.candidates)} candidate value(s) from the candidates file were checked against "
            f"{t.vectors_checked} stored vector(s) ({', '.join(t.encoders) or 'no encoder'}); "
            f"{t.supported} are supported by at least one vector, each a violation of severity "
            f"{t.severity.value}. "
            f"A vector supports a value when the value's embedding beats same-shape control values by "
            f"z >= {t.min_z:g}{extrapolated}, chosen for this run so that it expects "
            f"{t.expected_false_supports:.3f} false support(s) in all (target "
            f"{t.false_support_target:g}). Values are identified by line and keyed fingerprint only.",
            tone="fail" if t.supported else "pass",
        )
    ]
    rows = []
    for c in t.candidates:
        shown = c.supported_by[:5]
        where = "; ".join(
            f"{s.collection}/{vector_label(s.vector)}/{s.point_id} (z {s.z:.1f}, margin {s.margin:.3f})"
            for s in shown
        )
        if len(c.supported_by) > len(shown):
            where += f"; and {len(c.supported_by) - len(shown)} more"
        supported = "yes" if c.supported else "no"
        rows.append([str(c.line), c.entity_type, c.fingerprint[:12], supported, where or "-"])
    blocks.append(Table(["Line", "Entity", "Fingerprint", "Supported", "Supporting vectors"], rows[:cap]))
    if len(rows) > cap:
        blocks.append(Paragraph(f"{len(rows) - cap} more candidate(s) not shown; the JSON report lists all."))
    if t.not_checked:
        blocks.append(
            Paragraph("Not checked (a value these vectors hold would not have been found):", tone="warning")
        )
        blocks.append(
            Table(
                ["Collection", "Vector", "Vectors", "Reason"],
                [[g.collection, vector_label(g.vector), str(g.vectors), g.reason] for g in t.not_checked],
            )
        )
    return Section("targeted", "Targeted check (candidates file)", blocks)


def _stages_section(report: ScanReport) -> Section:
    if not report.stages_skipped:
        return Section("skipped", "Skipped stages", [Paragraph("No stage was skipped.")])
    return Section(
        "skipped",
        "Skipped stages",
        [Table(["Stage", "Reason"], [[stage, reason] for stage, reason in report.stages_skipped.items()])],
    )


def _inversions_section(report: ScanReport, cap: int) -> Section | None:
    records = revealed_inversions(report)
    if records is None:
        return None
    blocks: list[Block] = [
        Paragraph(
            "This section contains plaintext recovered from the vectors (--reveal). "
            "Handle this report as the sensitive data it describes.",
            tone="warning",
        )
    ]
    if records:
        blocks.append(
            Table(
                ["Collection", "Point", "Vector", "Cosine", "Recovered text"],
                [
                    [r.collection, str(r.point_id), vector_label(r.vector), fmt_score(r.cosine), r.text or ""]
                    for r in records[:cap]
                ],
            )
        )
    else:
        blocks.append(Paragraph("No point was inverted."))
    if len(records) > cap:
        rest = len(records) - cap
        blocks.append(Paragraph(f"{rest} more inversion(s) not shown; the JSON report lists all."))
    return Section("inversions", "Recovered text (revealed)", blocks)


def build_document(report: ScanReport, *, row_cap: int = DEFAULT_ROW_CAP) -> Document:
    facts = [
        ("Target", report.target),
        ("Policy", report.policy),
        ("Fail on", report.fail_on.value),
        ("Run", report.run_id),
        ("Started", report.started_at),
        ("Finished", report.finished_at or "-"),
        ("Complete", "yes" if report.complete else "no: some data was not analyzed (see Coverage)"),
        ("Tool", f"{report.tool} {report.tool_version}".strip()),
        ("Schema", report.schema_version),
    ]
    if report.allow_partial:
        facts.append(("Allow partial", "yes: data left unanalyzed does not fail the scan"))
    if report.revealed:
        facts.append(("Revealed", "yes: contains recovered plaintext"))
    sections = [
        _summary_section(report),
        _collections_section(report),
        _coverage_section(report),
        _findings_section(report, row_cap),
    ]
    targeted = _targeted_section(report, row_cap)
    if targeted is not None:
        sections.append(targeted)
    sections.append(_stages_section(report))
    inversions = _inversions_section(report, row_cap)
    if inversions is not None:
        sections.append(inversions)
    # Clean once here so every renderer gets well-formed text.
    for section in sections:
        for block in section.blocks:
            if isinstance(block, Table):
                block.headers = [clean_text(h) for h in block.headers]
                block.rows = _clean_rows(block.rows)
            elif isinstance(block, BulletList):
                block.items = [clean_text(i) for i in block.items]
            elif isinstance(block, Paragraph):
                block.text = clean_text(block.text)
    return Document(
        title="vecaudit report",
        verdict=verdict(report),
        facts=[(k, clean_text(v)) for k, v in facts],
        sections=sections,
    )
