"""Walk a store read-only and find every point that holds the subject: in its payload
(`erasure.match`) or in a dense vector (targeted mode: `inversion.attack.targeted`).

Vectors are judged the way `vecaudit scan --candidates --no-invert` judges them: each name,
email and phone of the subject is embedded with the vectors' encoder and compared with every
vector against same-shape control values (z and margin); the run's `min_z` follows the number
of vectors and values judged (`targeted_threshold.choose_min_z`). Only dense vectors of a known
encoder are checked: sparse vectors, multivectors, integer codes, unreadable vectors and vectors
of an unknown encoder are counted as not checked, with the reason.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .. import __version__
from ..detect.payload_text import longest_text
from ..encoders.base import Encoder
from ..errors import EncoderError
from ..models import PointId, VectorInfo, VectorKind
from ..stores.base import StoreAdapter, list_collection_names
from ..targeted_threshold import FALSE_SUPPORT_TARGET, Z_FLOOR, choose_min_z
from .match import EXACT, FUZZY, INITIAL_SCORE, MIN_NAME_SIMILARITY, MIN_TOKEN_SIMILARITY, PayloadMatcher
from .subject import ENTITY, Identifier, Subject

VECTOR = "vector-support"
#: Rows read to identify a slot's encoder when --encoder is not given.
IDENTIFY_ROWS = 2048
MIN_MARGIN = 0.0


@dataclass(frozen=True)
class Evidence:
    """Why one point is in the plan: the evidence type and which identifier, never its value."""

    type: str  # payload-exact, payload-fuzzy or vector-support
    identifier: str  # "name #1", "email #2"
    field: str | None = None  # payload path (payload evidence)
    vector: str | None = None  # vector slot (vector evidence)
    z: float | None = None
    margin: float | None = None


@dataclass
class PlanEntry:
    """One point to delete."""

    collection: str
    point_id: PointId
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Gap:
    """What was not checked: `count` units (points or vectors) of one collection and slot, and why."""

    collection: str
    unit: str  # "point" or "vector"
    vector: str | None
    count: int
    reason: str


@dataclass
class SlotCount:
    """Vectors of one slot: which encoder, how many were checked."""

    collection: str
    vector: str
    kind: str
    encoder: str | None
    checked: int = 0


@dataclass
class ErasureResult:
    """Everything the plan and the verification statement say (no value anywhere)."""

    checked_at: str
    target: str
    collections: list[str]
    identifiers: list[Identifier]
    points_checked: int = 0
    plan: list[PlanEntry] = field(default_factory=list)
    slots: list[SlotCount] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    vector_identifiers: list[str] = field(default_factory=list)  # refs judged against vectors
    threshold: dict[str, Any] = field(default_factory=dict)
    attack: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def found(self) -> bool:
        return bool(self.plan)

    @property
    def complete(self) -> bool:
        return not self.gaps

    @property
    def vectors_checked(self) -> int:
        return sum(s.checked for s in self.slots)


def _candidates(subject: Subject) -> list[tuple[Identifier, Any]]:
    """The identifiers targeted mode can judge in vectors (names, emails, phones), as candidates."""
    from ..inversion.attack.targeted import Candidate, value_kind

    out: list[tuple[Identifier, Any]] = []
    for ident in subject.identifiers:
        # Ids are not judged, and a value targeted mode reads as another kind (or none: a name of
        # seven words) has no controls of its shape: payload check only, and counted as a gap.
        if ident.kind == "id" or value_kind(ident.value) != ENTITY[ident.kind]:
            continue
        out.append((ident, Candidate(ident.value, ENTITY[ident.kind], line=ident.line)))
    return out


class _Slot:
    """One dense vector slot being judged: its encoder's search and the pairs it kept."""

    def __init__(self, search: Any) -> None:
        self.search = search
        self.pairs: list[tuple[PointId, int, float, float]] = []  # point, candidate, z, margin


def _encoder_for(
    store: StoreAdapter, collection: str, slot: VectorInfo, user: str | None
) -> tuple[str | None, str | None]:
    """(encoder id, None) when this slot's vectors can be judged, else (None, reason)."""
    from ..encoders.identify import UNKNOWN, identify
    from ..encoders.registry import get_spec

    if user is not None:
        try:
            spec = get_spec(user)
        except EncoderError as exc:
            return None, f"--encoder {user}: {exc}"
        return (user, None) if spec.dim == slot.dim else (None, f"encoder {user} does not fit the dimension")
    rows: list[np.ndarray] = []
    texts: list[str | None] = []  # the payload text each vector may embed: the strongest evidence
    for batch, _ in store.iter_points(collection, batch_size=256):
        for p in batch:
            vec = p.vectors.get(slot.name)
            if vec is not None and vec.shape == (slot.dim,) and np.isfinite(vec).all():
                rows.append(vec)
                texts.append(longest_text(p.payload))
        if len(rows) >= IDENTIFY_ROWS:
            break
    if not rows:
        return None, "no readable vectors"
    try:
        guess = identify(
            np.stack(rows[:IDENTIFY_ROWS]),
            distance=slot.distance,
            datatype=slot.datatype,
            texts=texts[:IDENTIFY_ROWS] if any(texts) else None,
        )
    except (EncoderError, ValueError) as exc:
        return None, f"encoder identification failed: {type(exc).__name__}"
    if guess.name == UNKNOWN:
        return None, "encoder unknown (name it with --encoder)"
    return guess.name, None


def check_store(
    store: StoreAdapter,
    subject: Subject,
    *,
    collections: Sequence[str] | None = None,
    encoder: str | None = None,
    batch_size: int = 256,
) -> ErasureResult:
    """Find every point of `store` that holds `subject` (see the module docstring). Read-only."""
    from ..encoders.dequantize import find_codes
    from ..encoders.registry import get_encoder
    from ..inversion.attack.targeted import TargetedSearch, TargetedSettings

    started = time.monotonic()
    names = list(collections) if collections else list_collection_names(store)
    result = ErasureResult(
        checked_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        target=store.display_target,
        collections=names,
        identifiers=list(subject.identifiers),
    )
    matcher = PayloadMatcher(subject)
    cands = _candidates(subject)
    result.vector_identifiers = [i.ref for i, _ in cands]
    candidates = [c for _, c in cands]
    for ident in subject.identifiers:
        if (
            ident.kind != "id" and ident.ref not in result.vector_identifiers
        ):  # a vector holding it would pass
            why = f"{ident.ref} is not judged in vectors (targeted mode has no controls of its shape)"
            result.gaps.append(Gap("(all)", "identifier", None, 1, why))
    # Keep every pair from the lowest threshold a run may use; the run's min_z is applied at the end.
    settings = TargetedSettings(min_z=Z_FLOOR, min_margin=MIN_MARGIN)
    searches: dict[str, Any] = {}
    entries: dict[tuple[str, PointId], PlanEntry] = {}
    slot_state: dict[tuple[str, str], _Slot] = {}
    slot_counts: dict[tuple[str, str], SlotCount] = {}

    def entry(collection: str, pid: PointId) -> PlanEntry:
        return entries.setdefault((collection, pid), PlanEntry(collection, pid))

    def gap(collection: str, unit: str, vector: str | None, count: int, reason: str) -> None:
        for g in result.gaps:
            if (g.collection, g.unit, g.vector, g.reason) == (collection, unit, vector, reason):
                g.count += count
                return
        if count:
            result.gaps.append(Gap(collection, unit, vector, count, reason))

    for collection in names:
        info = store.collection_info(collection)
        dense: dict[str, VectorInfo] = {}
        for slot in info.vectors:
            if slot.kind != VectorKind.dense or not slot.dim:
                if not candidates:  # only ids: nothing to judge in any vector
                    continue
                gap(
                    collection,
                    "vector",
                    slot.label,
                    info.points_total,
                    f"{slot.kind.value} vectors are not checked",
                )
                continue
            enc_id, reason = _encoder_for(store, collection, slot, encoder) if candidates else (None, None)
            slot_counts[(collection, slot.name)] = SlotCount(collection, slot.label, "dense", enc_id)
            if enc_id is None:
                if candidates:
                    gap(collection, "vector", slot.label, info.points_total, reason or "not checked")
                continue
            if enc_id not in searches:
                enc: Encoder = get_encoder(enc_id)
                searches[enc_id] = TargetedSearch(enc, settings=settings)
            slot_state[(collection, slot.name)] = _Slot(searches[enc_id])
            dense[slot.name] = slot
        for batch, _ in store.iter_points(collection, batch_size=batch_size):
            for point in batch:
                if point.unread:
                    gap(collection, "point", None, 1, "unreadable record")
                    continue
                result.points_checked += 1
                hits, deep = matcher.match_payload(point.payload)
                if deep:
                    gap(collection, "point", None, 1, "payload nested too deep")
                for hit in hits:
                    entry(collection, point.id).evidence.append(
                        Evidence(hit.evidence, hit.identifier.ref, hit.field)
                    )
            for name, slot in dense.items():
                _judge(
                    batch,
                    collection,
                    slot,
                    slot_state[(collection, name)],
                    slot_counts,
                    candidates,
                    gap,
                    find_codes,
                )

    judged = sum(c.checked for c in slot_counts.values() if c.encoder)
    threshold = choose_min_z(judged, [c.kind for c in candidates])
    for (collection, _name), state in slot_state.items():
        label = _name or "(default)"
        for pid, j, z, margin in state.pairs:
            if z >= threshold.min_z and margin >= MIN_MARGIN:
                entry(collection, pid).evidence.append(
                    Evidence(VECTOR, cands[j][0].ref, vector=label, z=round(z, 2), margin=round(margin, 4))
                )
    result.plan = sorted(entries.values(), key=lambda e: (names.index(e.collection), str(e.point_id)))
    result.slots = list(slot_counts.values())
    result.threshold = {
        "min_z": threshold.min_z,
        "min_margin": MIN_MARGIN,
        "rule": threshold.rule,
        "false_support_target": FALSE_SUPPORT_TARGET,
        "expected_false_supports": round(threshold.expected_false_supports, 4),
        "min_z_extrapolated": threshold.extrapolated,
        "name_fuzzy": {
            "min_token_similarity": MIN_TOKEN_SIMILARITY,
            "min_name_similarity": MIN_NAME_SIMILARITY,
            "initial_score": INITIAL_SCORE,
        },
    }
    result.attack = {
        "name": "targeted (vecaudit.inversion.attack.targeted), values judged alone (no inversion)",
        "encoders": sorted(searches),
        # min_z/min_margin of the settings are only the floor pairs are kept from: see thresholds.
        "settings": {k: v for k, v in asdict(settings).items() if k not in ("min_z", "min_margin")},
        "evidence_types": [EXACT, FUZZY, VECTOR],
        "vecaudit_version": __version__,
    }
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _judge(
    batch: Sequence[Any],
    collection: str,
    slot: VectorInfo,
    state: _Slot,
    counts: dict[tuple[str, str], SlotCount],
    candidates: Sequence[Any],
    gap: Any,
    find_codes: Any,
) -> None:
    """Score one batch of one slot's vectors against the candidates; count what cannot be judged."""
    ids: list[PointId] = []
    rows: list[np.ndarray] = []
    for point in batch:
        if point.unread:
            continue
        vec = point.vectors.get(slot.name)
        if vec is None:
            continue  # this point has no vector in the slot: nothing to check
        arr = np.asarray(vec)
        if arr.ndim != 1 or arr.shape[0] != slot.dim or not np.isfinite(arr).all():
            gap(collection, "vector", slot.label, 1, "unreadable, non-finite or wrong-dimension vector")
            continue
        ids.append(point.id)
        rows.append(arr.astype(np.float32))
    if not rows:
        return
    matrix = np.stack(rows)
    if find_codes(matrix, slot.datatype) is not None:
        gap(collection, "vector", slot.label, len(rows), "integer-coded vectors are not de-quantized here")
        return
    norms = np.linalg.norm(matrix, axis=1)
    keep = norms > 0
    if not keep.all():
        gap(collection, "vector", slot.label, int((~keep).sum()), "zero vector")
    matrix, ids = matrix[keep], [p for p, k in zip(ids, keep, strict=True) if k]
    if not ids:
        return
    pairs, _ = state.search.score(matrix, [""] * len(ids), candidates)
    for p in pairs:
        if p.z >= Z_FLOOR and p.margin >= MIN_MARGIN:
            state.pairs.append((ids[p.vector], p.candidate, p.z, p.margin))
    counts[(collection, slot.name)].checked += len(ids)
