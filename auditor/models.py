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
from pydantic import BaseModel, Field, computed_field, model_validator

#: 1.1 added `allow_partial`, `collections[].coverage`, and `complete` now also requires that every
#: point, field and vector in scope was analyzed (1.0 reports are still read; their coverage is None).
#: 1.2 added `attacks`: the inversion attack each encoder's vectors got, with its budget and cost.
#: 1.3 added `collections[].dequantization` and the coverage reason `quantized_vector`, and
#: `targeted`: which stored vectors support the values of a `--candidates` file (fingerprints only).
#: 1.4 added `rules[].references` (the clauses of standards and regulations each rule bears on)
#: and `collections[].payload_match` (vectors not made from their payload text), the rule
#: `vecaudit/redaction-bypass` and `summary.redaction_bypass` / `summary.points_mismatched`.
SCHEMA_VERSION = "1.5"

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
    """A point as streamed from a store. Lives only in memory for the duration of a batch.

    `unread` is set when the store lists the point but cannot read its record: it says why (e.g.
    "cannot be decoded (UnpicklingError)"), never what the record holds. Vectors and payload are
    then empty, and the scan counts the point as not analyzed.
    """

    id: PointId
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)
    unread: str | None = None

    def __repr__(self) -> str:
        # A point reaching a log line or a traceback (pytest and logging print locals) must not
        # carry its payload values with it: only the keys and vector shapes are shown.
        shapes = {k: tuple(getattr(v, "shape", ())) for k, v in self.vectors.items()}
        keys = sorted(map(str, self.payload))
        unread = f", unread={self.unread!r}" if self.unread else ""
        return f"Point(id={self.id!r}, vectors={shapes}, payload_keys={keys}{unread})"


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


class AttackRun(BaseModel):
    """The inversion attack one encoder's vectors got, and what it spent (no text, no values).

    A clean inversion result reads as "not recovered by this attack at this budget".
    `budget` and `encoder_calls*` count texts embedded by the stored vectors' encoder (the
    attacker's cost); they are None for the learned loop alone (`level` "loop"), which is not
    budgeted in encoder calls.
    """

    encoder: str
    level: str  # quick | standard | thorough | loop
    budget: int | None = None  # encoder calls per vector, all strategies together
    strategies: list[dict[str, Any]] = Field(default_factory=list)  # in order, with frozen settings
    proposer: str | None = None  # the learned model that proposes texts, if any
    vectors: int = 0
    encoder_calls: int | None = None
    seconds: float = 0.0
    calls_by_strategy: dict[str, int] = Field(default_factory=dict)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def encoder_calls_per_vector(self) -> float | None:
        if self.encoder_calls is None or not self.vectors:
            return None
        return round(self.encoder_calls / self.vectors, 1)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def seconds_per_vector(self) -> float | None:
        return round(self.seconds / self.vectors, 3) if self.vectors else None


class GapReason(str, enum.Enum):
    """Why data in scope was not analyzed. Each reason has one unit: point, field or vector."""

    unreadable_record = "unreadable_record"
    missing_point = "missing_point"
    depth_limit = "depth_limit"
    size_limit = "size_limit"
    unsupported_script = "unsupported_script"
    non_finite_vector = "non_finite_vector"
    wrong_dimension = "wrong_dimension"
    unreadable_vector = "unreadable_vector"
    quantized_vector = "quantized_vector"

    @property
    def unit(self) -> GapUnit:
        return _GAP_UNIT[self]

    @property
    def description(self) -> str:
        return _GAP_DESCRIPTION[self]


GapUnit = Literal["point", "field", "vector"]

_GAP_UNIT: dict[GapReason, GapUnit] = {
    GapReason.unreadable_record: "point",
    GapReason.missing_point: "point",
    GapReason.depth_limit: "field",
    GapReason.size_limit: "field",
    GapReason.unsupported_script: "field",
    GapReason.non_finite_vector: "vector",
    GapReason.wrong_dimension: "vector",
    GapReason.unreadable_vector: "vector",
    GapReason.quantized_vector: "vector",
}

_GAP_DESCRIPTION: dict[GapReason, str] = {
    GapReason.unreadable_record: "the stored record cannot be read (payload and vectors not analyzed)",
    GapReason.missing_point: "the point was gone when it was read (the store changed during the scan)",
    GapReason.depth_limit: "nested deeper than the depth limit (its contents were not read)",
    GapReason.size_limit: "longer than --max-text-chars (the rest of the string was not analyzed)",
    GapReason.unsupported_script: (
        "written in a script the NER model cannot read (names and places not checked; patterns were)"
    ),
    GapReason.non_finite_vector: "the vector has NaN or infinite components (not identified or inverted)",
    GapReason.wrong_dimension: "the vector's dimension is not the collection's (not identified or inverted)",
    GapReason.unreadable_vector: "the vector cannot be read as numbers (not identified or inverted)",
    GapReason.quantized_vector: (
        "the vector holds integer codes whose scale could not be inferred: de-quantized, they match no "
        "known encoder (not identified or inverted)"
    ),
}


class CoverageGap(BaseModel):
    """Data of one kind that a scan did not analyze, and where: point ids and paths, never values."""

    reason: GapReason
    unit: GapUnit
    count: int  # points, fields or vectors not analyzed for this reason
    point_ids: list[PointId] = Field(default_factory=list)  # the first few affected points
    fields: list[str] = Field(default_factory=list)  # payload paths (unit "field"), the first few
    vectors: list[str] = Field(default_factory=list)  # vector names (unit "vector")
    details: list[str] = Field(default_factory=list)  # error types, scripts, sizes: never content

    @computed_field  # type: ignore[prop-decorator]
    @property
    def description(self) -> str:
        return self.reason.description


class Coverage(BaseModel):
    """What a collection's scan analyzed, and what it did not (`not_analyzed`, with reasons).

    Every planned point is either analyzed or in a "point" gap; every payload value and key of an
    analyzed point is analyzed or in a "field" gap; every dense vector of an analyzed point is
    usable (identified, and inverted where an inverter exists) or in a "vector" gap.
    """

    points_analyzed: int = 0
    fields_analyzed: int = 0  # payload values (strings and numbers read as text) and keys
    not_analyzed: list[CoverageGap] = Field(default_factory=list)

    def _count(self, unit: GapUnit) -> int:
        return sum(g.count for g in self.not_analyzed if g.unit == unit)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def complete(self) -> bool:
        return not self.not_analyzed

    @computed_field  # type: ignore[prop-decorator]
    @property
    def points_not_analyzed(self) -> int:
        return self._count("point")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fields_not_analyzed(self) -> int:
        return self._count("field")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def vectors_not_analyzed(self) -> int:
        return self._count("vector")


class Dequantization(BaseModel):
    """Integer codes found in a vector slot: how they were turned back into float directions, or why not.

    The measured figures describe this collection's sample: `payload_cosine` is the median cosine
    between de-quantized vectors and their payload text re-embedded with the encoder (the original
    float vector, where the payload holds the embedded text); `fingerprint_excess` is the share of
    the vectors' energy in the encoder's principal subspace beyond chance (identification's
    statistic: float vectors of the encoder score >= 0.3, other encoders <= 0.14), after
    de-quantization and `fingerprint_excess_as_stored` before; `per_dimension_match` scores
    per-dimension scaled codes against the encoder (>= 0.35 for its own, <= 0.10 for others).
    """

    codes: str  # "uint8" or "int8"
    found_by: str  # "datatype uint8", "integer values", "... scaled per vector"
    scheme: str  # "shared_offset", "per_vector_offset", "per_dimension"
    method: str  # how the zero code(s) were found, e.g. "constant_dimensions", "mean_code", "encoder_profile"
    description: str  # the method in words
    inferred: bool  # the de-quantized vectors are an encoder's: they were identified and inverted
    reason: str | None = None  # why not, when not inferred
    encoder: str | None = None
    rows: int = 0  # vectors the de-quantization was fitted on
    payload_cosine: float | None = None
    fingerprint_excess: float | None = None
    fingerprint_excess_as_stored: float | None = None
    per_dimension_match: float | None = None


class PayloadMatch(BaseModel):
    """One vector slot's check of "was this vector made from this payload?" (schema 1.4).

    Every analyzed point with payload text had that text re-embedded with the slot's encoder
    (`encoder`) and compared with its stored vector; a cosine below `threshold` (calibrated per
    encoder, see `vecaudit.payload_match`) makes the point *mismatched*: its vector was made from
    text its payload no longer holds (e.g. redacted after embedding). Ids only, never text.
    """

    encoder: str
    threshold: float
    points_checked: int = 0  # points with payload text whose vector was compared
    points_mismatched: int = 0
    point_ids: list[PointId] = Field(default_factory=list)  # the first few mismatched points
    encoder_calls: int = 0  # texts re-embedded (all prompt modes together)
    seconds: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mismatch_rate(self) -> float:
        """Share of checked points whose vector does not come from their payload text (0..1)."""
        return round(self.points_mismatched / self.points_checked, 4) if self.points_checked else 0.0


#: Why adaptive sampling stopped inverting a collection (schema 1.5).
SamplingStop = Literal[
    "precision", "budget-vectors", "budget-time", "all-inverted", "sample-exhausted", "not-inverted"
]


class RateEstimate(BaseModel):
    """The share of a collection's points that expose a value of one entity type (schema 1.5).

    `source` "inversion": points whose inverted vector yields a finding of the type, among the `n`
    points inverted (a uniform random sample of the collection's `population` points); "payload":
    points whose payload holds one, among the `n` points read. [`low`, `high`] is a confidence
    sequence interval at the report's `confidence` (valid at the data-dependent stop); `exact` when
    every point was examined (then low == rate == high). Counts only: no value, no point id.
    """

    entity_type: str
    source: FindingSource
    count: int = Field(ge=0)
    n: int = Field(ge=0)
    population: int = Field(ge=0)
    rate: float = Field(ge=0, le=1)
    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)
    exact: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def half_width(self) -> float:
        return round((self.high - self.low) / 2, 6)


class SamplingReport(BaseModel):
    """Adaptive sampling of one collection (`--precision`, `--budget-vectors`, `--budget-time`; schema 1.5).

    Inversion ran over a uniformly random order of the collection's points and stopped at `stop`
    after `inverted` points (`vectors_inverted` vectors over all slots; `seconds` of batches while it
    ran); payload detection went on over every planned point. `estimates` lists every entity type
    seen by each source; `unseen_high` is the upper end of the inversion interval shared by every
    tracked type never recovered (None when no point was inverted). Each interval holds at level
    `alpha_per_interval` = (1 - confidence) / (number of sequences), a union bound over the
    `entity_types` tracked (the policy's) and the sources estimated, so all hold together at
    `confidence`. `precision_met`: every inversion interval, seen or unseen types, has half-width
    <= `precision`. `reason` is the decision in words, e.g. "stopped after 340 vectors: ...".
    """

    method: str
    reference: str
    confidence: float
    precision: float
    alpha_per_interval: float
    entity_types: list[str] = Field(default_factory=list)
    population: int = 0
    inverted: int = 0
    vectors_inverted: int = 0
    seconds: float = 0.0
    stop: SamplingStop
    precision_met: bool = False
    reason: str = ""
    budget_vectors: int | None = None  # this collection's share of --budget-vectors when it stopped
    budget_seconds: float | None = None  # and of --budget-time
    estimates: list[RateEstimate] = Field(default_factory=list)
    unseen_high: float | None = None

    @property
    def partial(self) -> bool:
        """A budget ran out before the intervals were as tight as asked: a partial inversion audit."""
        return self.stop in ("budget-vectors", "budget-time") and not self.precision_met


class CollectionReport(BaseModel):
    name: str
    points_total: int
    points_scanned: int
    vectors: list[VectorInfo] = Field(default_factory=list)
    encoder: EncoderGuess = Field(default_factory=EncoderGuess)
    encoders: dict[str, EncoderGuess] = Field(default_factory=dict)  # per named vector
    inverted: int = 0
    notes: list[str] = Field(default_factory=list)
    coverage: Coverage | None = None  # None in reports older than schema 1.1
    dequantization: dict[str, Dequantization] = Field(
        default_factory=dict
    )  # per vector holding integer codes (schema 1.3)
    payload_match: dict[str, PayloadMatch] = Field(default_factory=dict)  # per vector (schema 1.4)
    sampling: SamplingReport | None = None  # adaptive sampling only (schema 1.5)


#: The rule of a redaction bypass: inverting a vector that was not made from its payload text
#: recovered personal data that the payload does not hold (it was redacted after embedding).
REDACTION_BYPASS_RULE_ID = "vecaudit/redaction-bypass"
#: A redaction bypass is a failed control, not only exposed data: the pipeline meant to remove the
#: value. Its severity is the entity's own (payload or inversion rule), but never below this.
REDACTION_BYPASS_MIN_SEVERITY = Severity.high


class Reference(BaseModel):
    """A clause of a standard or regulation that a rule's findings bear on: static text, never data.

    `tag` is the short form SARIF tags and report tables carry, "<standard prefix>-<clause>" with
    spaces as hyphens, e.g. "OWASP-LLM08:2025", "GDPR-Art-32", "PCI-DSS-3.5.1".
    """

    standard: str  # e.g. "OWASP Top 10 for LLM Applications 2025", "GDPR", "HIPAA", "PCI DSS v4.0"
    id: str  # the clause as the standard numbers it, e.g. "LLM08:2025", "Art. 32", "3.5.1"
    title: str = ""
    url: str = ""
    tag: str


class RuleInfo(BaseModel):
    """A policy rule as reports describe it (SARIF `rules[]`, JUnit test cases)."""

    id: str  # stable, e.g. "VA-PII-EMAIL_ADDRESS"
    entity_type: str
    severity: Severity
    threshold: float
    description: str = ""
    references: list[Reference] = Field(default_factory=list)  # schema 1.4


def redaction_bypass_rule() -> RuleInfo:
    """The rule reports list for redaction-bypass findings (any entity; severity is per finding)."""
    return RuleInfo(
        id=REDACTION_BYPASS_RULE_ID,
        entity_type="ANY",
        severity=REDACTION_BYPASS_MIN_SEVERITY,
        threshold=0.0,
        description="Personal data recovered from a vector that was not made from its (redacted) payload",
    )


#: A supplied value that a stored vector supports is a violation at this severity (the user named it
#: as a value that must not be there, e.g. an erasure request), whatever the policy's rules say.
TARGETED_SEVERITY = Severity.high


class TargetedSupport(BaseModel):
    """A stored vector that supports a candidate: its cosine beats same-shape control values."""

    collection: str
    vector: str  # vector name ("" for the unnamed default vector)
    point_id: PointId
    z: float  # (candidate's cosine - controls' mean) / controls' standard deviation
    margin: float  # the candidate's cosine minus the best control's (cosine units)
    framed: bool  # judged inside the vector's recovered text (else by the value's lone embedding)


class TargetedCandidate(BaseModel):
    """One line of the candidates file: never its value, only its keyed fingerprint."""

    line: int  # line of the candidates file
    entity_type: str  # PERSON, EMAIL_ADDRESS or PHONE_NUMBER
    fingerprint: str  # "vfp1:...", the fingerprint a scan finding of this value carries
    supported_by: list[TargetedSupport] = Field(default_factory=list)  # strongest first

    @computed_field  # type: ignore[prop-decorator]
    @property
    def supported(self) -> bool:
        return bool(self.supported_by)


class TargetedGap(BaseModel):
    """Vectors targeted mode could not check (no known encoder, codes not de-quantized...)."""

    collection: str
    vector: str
    vectors: int
    reason: str


class TargetedReport(BaseModel):
    """Targeted mode (`--candidates FILE`, schema 1.3): which stored vectors support each value.

    A pair (vector, candidate) supports when z >= `min_z` and margin >= `min_margin`. `min_z` is
    chosen per run so that the false supports the whole run expects (`vectors_checked` x the sum
    of the candidates' per-pair false-support rates) stay at or below `false_support_target`;
    `expected_false_supports` is that expectation at `min_z`, `min_z_extrapolated` says that the
    rate at `min_z` is extrapolated beyond the measured z (5). No value of the file is reported.
    """

    encoders: list[str] = Field(default_factory=list)  # encoders whose vectors were checked
    vectors_checked: int = 0
    min_z: float
    min_margin: float = 0.0
    threshold_rule: str = ""
    false_support_target: float
    expected_false_supports: float
    min_z_extrapolated: bool = False
    severity: Severity = TARGETED_SEVERITY
    candidates: list[TargetedCandidate] = Field(default_factory=list)  # in file order
    not_checked: list[TargetedGap] = Field(default_factory=list)
    encoder_calls: int = 0
    seconds: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def supported(self) -> int:
        """Candidates supported by at least one vector."""
        return sum(c.supported for c in self.candidates)

    def violations(self, fail_on: Severity) -> int:
        """Supported candidates that count as violations at `fail_on`."""
        return self.supported if self.severity.rank >= fail_on.rank else 0


class ScanSummary(BaseModel):
    findings_total: int = 0
    by_severity: dict[str, int] = Field(default_factory=dict)
    by_entity: dict[str, int] = Field(default_factory=dict)
    points_with_findings: int = 0
    violations: int = 0  # findings at or above fail_on, not allowlisted, plus supported candidates
    redaction_bypass: int = 0  # findings of the rule vecaudit/redaction-bypass (schema 1.4)
    points_mismatched: int = 0  # points whose vector was not made from their payload text (1.4)


class ScanReport(BaseModel):
    schema_version: str = SCHEMA_VERSION
    tool: str = "vecaudit"
    tool_version: str = ""
    run_id: str
    target: str  # redacted: no credentials
    started_at: str
    finished_at: str | None = None
    # The scan finished and analyzed every point, field and vector in scope (see collections[].coverage).
    complete: bool = False
    allow_partial: bool = False  # --allow-partial: data left unanalyzed does not fail the run
    policy: str
    fail_on: Severity = Severity.high
    revealed: bool = False
    rules: list[RuleInfo] = Field(default_factory=list)
    stages_skipped: dict[str, str] = Field(default_factory=dict)  # stage -> reason
    collections: list[CollectionReport] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    inversions: list[InversionRecord] | None = None
    attacks: list[AttackRun] = Field(default_factory=list)  # one per inverted encoder (schema 1.2)
    targeted: TargetedReport | None = None  # only with --candidates (schema 1.3)
    summary: ScanSummary = Field(default_factory=ScanSummary)


# ---------------------------------------------------------------- mitigation what-if results
# Produced by vecaudit.whatif (which samples a store and runs the attackers) and shown by the report;
# kept here so the report reads them without importing the measurement code.

MitigationKind = Literal["none", "noise", "int8", "binary", "truncate", "pq", "rotate"]
AttackerKind = Literal["learned", "plan", "algen"]
#: 2.0 measures every mitigation with several attackers (`results[].attackers`: the learned
#: inverter, the attack plan at `attack_level`, ALGEN-style linear alignment from k leaked pairs)
#: and adds the mitigations `pq` and `rotate`. The top-level leakage fields of a result are those of
#: its strongest attacker (`results[].strongest`). 1.0 files (one attacker, the learned inverter)
#: are still read: their figures become that one attacker's.
WHATIF_SCHEMA_VERSION = "2.0"


class Mitigation(BaseModel):
    """One vector-level mitigation and its parameter: noise sigma, the dimensions kept (truncate),
    or the number of sub-spaces (pq); none for the others."""

    kind: MitigationKind
    param: float = 0.0

    @property
    def label(self) -> str:
        if self.kind == "noise":
            return f"noise sigma={self.param:g}"
        if self.kind == "truncate":
            return f"truncate to {int(self.param)} dims"
        if self.kind == "pq":
            return f"product quantization ({int(self.param)} x 256)"
        return {
            "none": "none (as stored)",
            "int8": "int8 quantization",
            "binary": "binary quantization",
            "rotate": "secret orthogonal rotation",
        }[self.kind]

    @property
    def short(self) -> str:
        if self.kind == "noise":
            return f"noise {self.param:g}"
        if self.kind == "truncate":
            return f"{int(self.param)} dims"
        if self.kind == "pq":
            return f"pq {int(self.param)}"
        return self.kind


class AttackerResult(BaseModel):
    """What one attacker recovered from the mitigated sample: counts, shares and cosines only.

    `mean_cosine` compares the recovered text's clean embedding with the original vector;
    `vector_cosine` compares the vector the attacker inverted (the mitigated vector, or for ALGEN
    the vector its linear map made of it) with the original vector: a continuous measure of how
    much the attacker got back before any text was written, informative on small samples.
    """

    attacker: str  # stable id within a file: "learned", "plan", "algen-<k>"
    kind: AttackerKind
    label: str  # e.g. "ALGEN, 100 leaked pairs + attack plan (quick)"
    short: str = ""  # column header for terminals, e.g. "ALGEN 100"
    leaked_pairs: int = 0  # ALGEN: the (text, stored vector) pairs it held, as used (capped)
    entities_total: int
    entities_recovered: int
    leakage: float  # entities_recovered / entities_total (0 when there are none)
    leakage_by_entity: dict[str, tuple[int, int]] = Field(default_factory=dict)  # type -> (hit, total)
    mean_cosine: float
    vector_cosine: float


def strongest_attacker(attackers: list[AttackerResult]) -> AttackerResult:
    """The attacker with the highest leakage; ties go to the better recovered-text cosine, then to
    the better vector cosine (continuous measures that still separate attackers on small samples)."""
    return max(attackers, key=lambda a: (a.leakage, a.mean_cosine, a.vector_cosine))


class MitigationResult(BaseModel):
    """Leakage (per attacker and under the strongest one) and utility measured under one mitigation.

    `entities_*`, `leakage`, `leakage_by_entity` and `mean_cosine` are the strongest attacker's
    (`strongest`), so readers of schema 1.0 fields see the figure that decides a recommendation.
    """

    mitigation: Mitigation
    label: str
    entities_total: int
    entities_recovered: int
    leakage: float  # share of true entity values recovered verbatim (strongest attacker)
    leakage_by_entity: dict[str, tuple[int, int]] = Field(default_factory=dict)  # type -> (hit, total)
    mean_cosine: float  # recovered text vs the original vector (strongest attacker)
    recall_at_k: float
    vector_cosine: float  # mitigated vs original vector: how much the vectors moved
    attackers: list[AttackerResult] = Field(default_factory=list)
    strongest: str = ""  # id of the attacker with the highest leakage

    @model_validator(mode="after")
    def _one_attacker_at_least(self) -> MitigationResult:
        # A schema 1.0 result measured one attacker, the learned inverter: its figures are that
        # attacker's, so old files read as a one-attacker table.
        if not self.attackers:
            self.attackers = [
                AttackerResult(
                    attacker="learned",
                    kind="learned",
                    label="learned inverter (v1)",
                    short="learned",
                    entities_total=self.entities_total,
                    entities_recovered=self.entities_recovered,
                    leakage=self.leakage,
                    leakage_by_entity=dict(self.leakage_by_entity),
                    mean_cosine=self.mean_cosine,
                    vector_cosine=self.vector_cosine,
                )
            ]
        if not self.strongest or self.strongest not in {a.attacker for a in self.attackers}:
            self.strongest = strongest_attacker(self.attackers).attacker
        # The attackers are the record; the top-level figures always restate the strongest's.
        top = self.strongest_attacker
        self.entities_total, self.entities_recovered = top.entities_total, top.entities_recovered
        self.leakage, self.mean_cosine = top.leakage, top.mean_cosine
        self.leakage_by_entity = dict(top.leakage_by_entity)
        return self

    @property
    def strongest_attacker(self) -> AttackerResult:
        return next(a for a in self.attackers if a.attacker == self.strongest)


class WhatIfResult(BaseModel):
    """A `vecaudit whatif` measurement: counts and shares only, never a PII value."""

    schema_version: str = WHATIF_SCHEMA_VERSION
    created_at: str
    target: str
    collection: str
    vector: str = ""
    encoder: str
    dim: int = 0  # dimension of the stored vectors (0 in 1.0 files)
    sample_size: int  # vectors inverted per mitigation and attacker
    utility_sample_size: int = 0  # vectors in the recall@k measurement
    k: int
    seed: int
    ground_truth: str  # "payload" (Presidio on payload text) or "given"
    note: str = ""
    attack_level: str = ""  # the attack plan's effort level ("" in 1.0 files: learned inverter only)
    leaked_pairs_available: int = 0  # points outside the inverted sample with text, for ALGEN
    # The attack plan as run: level, budget, strategies, encoder calls and seconds per vector.
    attack: dict[str, Any] = Field(default_factory=dict)
    results: list[MitigationResult]
