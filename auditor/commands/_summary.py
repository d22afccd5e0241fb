"""The human summary printed after a scan: counts, encoders and skipped stages, never a value."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..models import ScanReport


def print_summary(
    report: ScanReport, stream: TextIO, *, written: Sequence[Path] = (), db_path: Path | None = None
) -> None:
    s = report.summary
    out: list[str] = []
    scanned = sum(c.points_scanned for c in report.collections)
    out.append(f"vecaudit scan {report.run_id}: {report.target}, policy {report.policy}")
    out.append(f"  {len(report.collections)} collection(s), {scanned:,} points scanned")
    width = max((len(c.name) for c in report.collections), default=0)
    for c in report.collections:
        enc = c.encoder
        encoder = enc.name if enc.name == "unknown" else f"{enc.name} ({enc.method}, {enc.confidence:.2f})"
        out.append(
            f"    {c.name:<{width}}  {c.points_scanned:>8,}/{c.points_total:,} points  "
            f"encoder {encoder}  inverted {c.inverted:,}"
        )
        out.extend(f"    {' ' * width}  note: {note}" for note in c.notes)
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
    verdict = "FAIL" if s.violations else "PASS"
    out.append(f"  result: {verdict}: {s.violations:,} violation(s) at or above {report.fail_on.value}")
    for path in written:
        out.append(f"  report: {path}")
    if db_path is not None:
        out.append(f"  run database: {db_path}")
    stream.write("\n".join(out) + "\n")
    stream.flush()
