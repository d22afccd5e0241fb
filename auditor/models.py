"""Shared data types: what flows between stores, detectors, policy, graph and reports.

Point-level types are plain dataclasses (hot path, many instances); anything that is
configuration or part of a report is a pydantic model so it validates and serializes.
Nothing here ever holds a raw PII value except `Point.payload` (transient, in memory only)
and `InversionRecord.text`, which is only populated when the user passes `--reveal`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

SCHEMA_VERSION = "1.0"

PointId = int | str


class Severity(str, enum.Enum):
    info = "info"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_SEVERITY_RANK = {
    Severity.info: 0,
    Severity.low: 1,
    Severity.medium: 2,
    Severity.high: 3,
    Severity.critical: 4,
}


class VectorKind(str, enum.Enum):
    dense = "dense"
    sparse = "sparse"
    multi = "multivector"


class VectorInfo(BaseModel):
    """One vector slot of a collection. `name` is "" for the unnamed default vector."""

    name: str = ""
    kind: VectorKind = VectorKind.dense
    dim: int | None = None
    distance: str | None = None  # "Cosine", "Dot", "Euclid", "Manhattan"
    datatype: str | None = None  # "float32", "float16", "uint8"

    @property
    def invertible(self) -> bool:
        return self.kind == VectorKind.dense and bool(self.dim)

    @property
    def label(self) -> str:
        return self.name or "(default)"


class CollectionInfo(BaseModel):
    name: str
    points_total: int
    vectors: list[VectorInfo] = Field(default_factory=list)


@dataclass(slots=True)
class Point:
    """A point as streamed from a store. Lives only in memory for the duration of a batch."""

    id: PointId
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        # A point reaching a log line or a traceback (pytest and logging print locals) must not
        # carry its payload values with it: only the keys and vector shapes are shown.
        shapes = {k: tuple(getattr(v, "shape", ())) for k, v in self.vectors.items()}
        return f"Point(id={self.id!r}, vectors={shapes}, payload_keys={sorted(map(str, self.payload))})"


class EncoderGuess(BaseModel):
    name: str = "unknown"
    confidence: float = 0.0
    # "none", "payload", "fingerprint", "roundtrip", "user", or combinations like "payload+fingerprint"
    method: str = "none"
    details: dict[str, float] = Field(default_factory=dict)


FindingSource = Literal["payload", "inversion"]


class Finding(BaseModel):
    collection: str
    point_id: PointId
    vector: str = ""
    source: FindingSource
    entity_type: str
    score: float
    severity: Severity
    fingerprint: str
    evidence: str  # always masked unless --reveal
    rule_id: str = ""
    field: str | None = None  # payload path, e.g. "customer.email"
    start: int | None = None
    end: int | None = None
    allowlisted: bool = False
    baseline_state: str | None = None


class InversionRecord(BaseModel):
    collection: str
    point_id: PointId
    vector: str = ""
    text: str | None = None  # only with --reveal
    cosine: float


class CollectionReport(BaseModel):
    name: str
    points_total: int
    points_scanned: int
    vectors: list[VectorInfo] = Field(default_factory=list)
    encoder: EncoderGuess = Field(default_factory=EncoderGuess)
    encoders: dict[str, EncoderGuess] = Field(default_factory=dict)  # per named vector
    inverted: int = 0
    notes: list[str] = Field(default_factory=list)


class RuleInfo(BaseModel):
    """A policy rule as reports describe it (SARIF `rules[]`, JUnit test cases)."""

    id: str  # stable, e.g. "VA-PII-EMAIL_ADDRESS"
    entity_type: str
    severity: Severity
    threshold: float
    description: str = ""


class ScanSummary(BaseModel):
    findings_total: int = 0
    by_severity: dict[str, int] = Field(default_factory=dict)
    by_entity: dict[str, int] = Field(default_factory=dict)
    points_with_findings: int = 0
    violations: int = 0  # findings at or above fail_on, not allowlisted


class ScanReport(BaseModel):
    schema_version: str = SCHEMA_VERSION
    tool: str = "vecaudit"
    tool_version: str = ""
    run_id: str
    target: str  # redacted: no credentials
    started_at: str
    finished_at: str | None = None
    complete: bool = False
    policy: str
    fail_on: Severity = Severity.high
    revealed: bool = False
    rules: list[RuleInfo] = Field(default_factory=list)
    stages_skipped: dict[str, str] = Field(default_factory=dict)  # stage -> reason
    collections: list[CollectionReport] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    inversions: list[InversionRecord] | None = None
    summary: ScanSummary = Field(default_factory=ScanSummary)
