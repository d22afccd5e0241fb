"""The human summary printed after a scan: counts, encoders, coverage and skipped stages, never a value.

Names and notes come from the audited store, so every line is passed through `printable`: a
collection name cannot move the cursor, recolour the terminal or forge a "result" line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..coverage import describe_gap, gap_summary
from ..models import ScanReport, TargetedReport
from ..report.view import redaction_bypass_sentence, sampling_lines
from ..terminal_text import printable
from ..verdict import verdict

#: Point ids shown per gap in the summary (the reports list more).
SUMMARY_IDS = 5


def incomplete_message(report: ScanReport) -> str:
    """The error line of a scan that left data unanalyzed (exit 2)."""
    parts = [
        f"{c.name!r}: {gap_summary(c.coverage)}"
        for c in report.collections
        if c.coverage is not None and not c.coverage.complete
    ]
    if report.targeted is not None and report.targeted.not_checked:
        unchecked = sum(g.vectors for g in report.targeted.not_checked)
        parts.append(f"targeted mode: {unchecked:,} vector(s) not checked against the candidates")
    parts.extend(
        f"{c.name!r}: inversion stopped on its budget before ±{c.sampling.precision:g}"
        for c in report.collections
        if c.sampling is not None and c.sampling.partial
    )
    return (
        f"the scan left data unanalyzed ({'; '.join(parts)}); the summary and reports say what and why. "
        "Pass --allow-partial to accept a partial scan"
    )


def targeted_lines(t: TargetedReport, max_supports: int = SUMMARY_IDS) -> list[str]:
    """Targeted mode in the summary: the threshold used, then each supported candidate by line,
    entity type and fingerprint with its strongest vectors; never a value."""
    encoders = ", ".join(t.encoders) or "no encoder"
    extra = ", extrapolated" if t.min_z_extrapolated else ""
    out = [
        f"  targeted: {len(t.candidates):,} candidate(s) against {t.vectors_checked:,} vector(s) "
        f"({encoders}); "
        f"min z {t.min_z:.2f}{extra}, expected false supports {t.expected_false_supports:.3f}: "
        f"{t.supported:,} supported"
    ]
    for c in t.candidates:
        if not c.supported:
            continue
        where = ", ".join(
            f"{s.collection}/{s.vector or '(default)'} point {s.point_id} "
            f"(z {s.z:.1f}, margin {s.margin:.3f})"
            for s in c.supported_by[:max_supports]
        )
        more = len(c.supported_by) - max_supports
        tail = f" and {more} more" if more > 0 else ""
        out.append(f"    line {c.line} {c.entity_type} {c.fingerprint[:12]}: {where}{tail}")
    out.extend(
        f"    not checked: {g.vectors:,} vector(s) of {g.collection}/{g.vector or '(default)'}: {g.reason}"
        for g in t.not_checked
    )
    return out


def print_summary(
    report: ScanReport, stream: TextIO, *, written: Sequence[Path] = (), db_path: Path | None = None
) -> None:
    s = report.summary
    out: list[str] = []
    scanned = sum(c.points_scanned for c in report.collections)
    out.append(f"vecaudit scan {report.run_id}: {report.target}, policy {report.policy}")
    out.append(f"  {len(report.collections)} collection(s), {scanned:,} points scanned")
    width = max((len(printable(c.name)) for c in report.collections), default=0)
    for c in report.collections:
        enc = c.encoder
        encoder = enc.name if enc.name == "unknown" else f"{enc.name} ({enc.method}, {enc.confidence:.2f})"
        out.append(
            f"    {printable(c.name):<{width}}  {c.points_scanned:>8,}/{c.points_total:,} points  "
            f"encoder {encoder}  inverted {c.inverted:,}"
        )
        out.extend(f"    {' ' * width}  note: {note}" for note in c.notes)
        if c.coverage is not None:
            out.extend(
                f"    {' ' * width}  not analyzed: {describe_gap(g, max_ids=SUMMARY_IDS)}"
                for g in c.coverage.not_analyzed
            )
        if c.sampling is not None:
            out.extend(f"    {' ' * width}  {line}" for line in sampling_lines(c.sampling))
        for vector, m in c.payload_match.items():
            ids = ", ".join(map(str, m.point_ids[:SUMMARY_IDS]))
            out.append(
                f"    {' ' * width}  payload match ({vector or '(default)'}, {m.encoder}): "
                f"{m.points_mismatched:,} of {m.points_checked:,} point(s) mismatched "
                f"({m.mismatch_rate:.1%})" + (f": {ids}" if ids else "")
            )
    for stage, reason in report.stages_skipped.items():
        out.append(f"  skipped {stage}: {reason}")
    if s.findings_total:
        sev = ", ".join(f"{k} {v:,}" for k, v in s.by_severity.items())
        ent = ", ".join(f"{k} {v:,}" for k, v in list(s.by_entity.items())[:8])
        sources = Counter(f.source for f in report.findings)
        where = ", ".join(f"{src} {n:,}" for src, n in sorted(sources.items()))
        out.append(f"  findings: {s.findings_total:,} on {s.points_with_findings:,} points ({sev})")
        out.append(f"  from: {where}")
        out.append(f"  entities: {ent}")
    else:
        out.append("  findings: none")
    if report.targeted is not None:
        out.extend(targeted_lines(report.targeted))
    bypass = redaction_bypass_sentence(report)
    if bypass:
        out.append(f"  {bypass}")
    result = verdict(report)
    violations = f"{s.violations:,} violation(s) at or above {report.fail_on.value}"
    out.append(
        {
            "PASS": f"  result: PASS: {violations}",
            "FAIL": f"  result: FAIL: {violations}"
            + ("" if report.complete else "; some data was not analyzed (--allow-partial)"),
            "PARTIAL": f"  result: PARTIAL: {violations} in what was analyzed; some data was not "
            "(accepted with --allow-partial)",
            "INCOMPLETE": f"  result: INCOMPLETE: data was left unanalyzed ({violations} in the rest); "
            "a partial scan does not pass",
        }[result]
    )
    for path in written:
        out.append(f"  report: {path}")
    if db_path is not None:
        out.append(f"  run database: {db_path}")
    stream.write("\n".join(printable(line) for line in out) + "\n")
    stream.flush()
