"""Baselines: accepted findings, each with a justification and an expiry, so CI fails only on new ones.

A baseline file (`.vecaudit-baseline.json`) lists findings by collection, entity type and keyed
fingerprint (an HMAC: the file holds no PII and can be committed). Applying it to a report marks
every finding "new" or "unchanged" (SARIF `baselineState`), and violations count only new findings.
An expired entry no longer suppresses anything and is reported as expired.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from .errors import VecauditError
from .history import finding_key
from .models import Finding, ScanReport
from .report.view import compute_summary
from .validation import read_json_model

BASELINE_VERSION = 1
DEFAULT_BASELINE_FILE = ".vecaudit-baseline.json"


class BaselineError(VecauditError):
    """A baseline file is missing, malformed, or cannot be written."""


class BaselineEntry(BaseModel):
    collection: str
    entity_type: str
    fingerprint: str
    rule_id: str = ""
    justification: str
    expires: dt.date
    added: dt.date

    @field_validator("justification")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a justification is required")
        return v

    @property
    def key(self) -> str:
        return finding_key(self.collection, self.entity_type, self.fingerprint)


class Baseline(BaseModel):
    version: int = BASELINE_VERSION
    source_run: str = ""
    entries: list[BaselineEntry] = Field(default_factory=list)


@dataclass
class BaselineOutcome:
    new: int = 0
    unchanged: int = 0
    expired: list[BaselineEntry] = field(default_factory=list)
    absent: list[BaselineEntry] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"baseline: {self.new} new finding(s), {self.unchanged} baselined"]
        for e in self.expired:
            out.append(
                f"baseline: entry {e.rule_id or e.entity_type} in {e.collection} "
                f"({e.fingerprint[:12]}) expired on {e.expires.isoformat()}: it no longer suppresses"
            )
        if self.absent:
            out.append(f"baseline: {len(self.absent)} entr(ies) no longer found (fixed?)")
        return out


def load_baseline(path: Path) -> Baseline:
    return read_json_model(path, Baseline, what="baseline", error=BaselineError)


def create_baseline(
    report: ScanReport, *, justification: str, expires: dt.date, today: dt.date | None = None
) -> Baseline:
    """A baseline accepting every finding of `report` (one entry per distinct finding key)."""
    today = today or dt.date.today()
    if expires <= today:
        raise BaselineError(f"the expiry {expires.isoformat()} is not in the future")
    if not justification.strip():
        raise BaselineError("a baseline needs a justification (--justification)")
    entries: dict[str, BaselineEntry] = {}
    for f in report.findings:
        key = finding_key(f.collection, f.entity_type, f.fingerprint)
        entries.setdefault(
            key,
            BaselineEntry(
                collection=f.collection,
                entity_type=f.entity_type,
                fingerprint=f.fingerprint,
                rule_id=f.rule_id,
                justification=justification,
                expires=expires,
                added=today,
            ),
        )
    return Baseline(source_run=report.run_id, entries=sorted(entries.values(), key=lambda e: e.key))


def write_baseline(baseline: Baseline, path: Path) -> None:
    data = json.dumps(baseline.model_dump(mode="json"), indent=2) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {str(path)!r}: {exc.strerror}") from exc


def apply_baseline(
    report: ScanReport, baseline: Baseline, *, today: dt.date | None = None
) -> tuple[ScanReport, BaselineOutcome]:
    """Mark each finding new/unchanged and count violations on new findings only."""
    today = today or dt.date.today()
    active: dict[str, BaselineEntry] = {}
    outcome = BaselineOutcome()
    for e in baseline.entries:
        if e.expires < today:
            outcome.expired.append(e)
        else:
            active[e.key] = e
    matched: set[str] = set()
    findings: list[Finding] = []
    for f in report.findings:
        key = finding_key(f.collection, f.entity_type, f.fingerprint)
        if key in active:
            matched.add(key)
            outcome.unchanged += 1
            findings.append(f.model_copy(update={"baseline_state": "unchanged"}))
        else:
            outcome.new += 1
            findings.append(f.model_copy(update={"baseline_state": "new"}))
    outcome.absent = [e for k, e in active.items() if k not in matched]
    updated = report.model_copy(update={"findings": findings})
    summary = compute_summary(updated)
    # Baselined findings are accepted risk: only new ones can fail the run.
    new_only = updated.model_copy(update={"findings": [f for f in findings if f.baseline_state == "new"]})
    summary.violations = compute_summary(new_only).violations
    return updated.model_copy(update={"summary": summary}), outcome
