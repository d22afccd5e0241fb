"""Identification of a vector slot that holds integer codes, and the de-quantizer its batches use.

`identify_codes` runs on the identification sample of a slot whose vectors `find_codes` calls
integer codes (uint8 storage, or floats a user quantized before upserting). It fits an
encoder-free de-quantizer, names the encoder from the de-quantized vectors (payload re-embedding,
fingerprint, round trip: the usual evidence), refines the de-quantizer with that encoder's
profile, and measures how well it did. When no encoder's vectors come out, the codes' scale
could not be inferred: the slot is then neither identified nor inverted, and every one of its
vectors is counted as not analyzed (`quantized_vector`), so the scan does not pass as clean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..encoders.dequantize import (
    PER_DIMENSION_MATCH,
    Codes,
    Dequantizer,
    fit,
    match_per_dimension,
    with_encoder,
)
from ..encoders.identify import (
    FP_CENTER,
    MIN_FINGERPRINT_ROWS,
    UNKNOWN,
    Inverter,
    clean_sample,
    fingerprint_features,
    identify,
    payload_similarity,
)
from ..encoders.profiles import Profile, load_profiles
from ..errors import EncoderError
from ..models import Dequantization, EncoderGuess, VectorInfo

#: Payload texts re-embedded to measure the de-quantized vectors against the originals.
MAX_MEASURE_TEXTS = 16


@dataclass
class QuantizedSlot:
    """The outcome for one slot: its encoder guess, the report's record, and the de-quantizer
    (None when the codes' scale could not be inferred: the slot is then not analyzed)."""

    guess: EncoderGuess
    record: Dequantization
    dequantizer: Dequantizer | None

    @property
    def note(self) -> str:
        """One line for the report's notes."""
        r = self.record
        head = f"{r.codes} codes ({r.found_by})"
        if self.dequantizer is None:
            return f"{head}: their scale could not be inferred ({r.reason}); not identified or inverted"
        figures = ", ".join(
            f"{label} {value:.4f}"
            for label, value in (
                ("payload re-embedding cosine", r.payload_cosine),
                ("fingerprint excess", r.fingerprint_excess),
                ("per-dimension match", r.per_dimension_match),
            )
            if value is not None
        )
        return f"{head} de-quantized with {r.description}" + (f"; {figures}" if figures else "")


def identify_codes(
    matrix: np.ndarray,
    codes: Codes,
    vector: VectorInfo,
    *,
    texts: Sequence[str | None] | None,
    encoder: str | None = None,
    inverter: Inverter | None = None,
) -> QuantizedSlot:
    """Identify and de-quantize one slot from its sample `matrix` (n, d), codes as read.

    `texts[i]` is row i's payload text (None where absent); `encoder` is the user's --encoder
    (then only checked, not guessed); `inverter` enables round-trip evidence. Raises EncoderError
    only where identification itself does.
    """
    base = fit(matrix, codes)
    dim = int(matrix.shape[1])
    profiles = {k: p for k, p in load_profiles().items() if p.dim == dim}
    record = Dequantization(
        codes=codes.kind,
        found_by=codes.found_by,
        scheme=base.scheme,
        method=base.method,
        description=base.describe(),
        inferred=False,
        rows=base.rows,
    )
    candidates: list[str] | None = None
    deq = base
    if base.scheme == "per_dimension":
        # The fingerprint of codes scaled per dimension is meaningless until the encoder's scales are
        # put back, and putting them back imposes the encoder's statistics: name it first by what no
        # per-dimension scaling changes.
        name, scores = match_per_dimension(matrix, codes, profiles)
        if encoder is not None:  # the user's encoder, or nothing: never another one
            name = encoder if scores.get(encoder, 0.0) >= PER_DIMENSION_MATCH else None
        if name is None:
            if encoder is None:
                why = "codes scaled per dimension, and no single encoder's correlations match them"
            elif encoder not in scores:
                why = (
                    f"codes scaled per dimension, and {encoder} has no fingerprint profile to undo that with"
                )
            else:
                why = f"codes scaled per dimension, and they do not match {encoder}'s correlations"
            if scores:
                best = max(scores.items(), key=lambda kv: kv[1])
                why += f" (best {best[0]} {best[1]:.2f}; a match needs {PER_DIMENSION_MATCH})"
            return _not_inferred(encoder, record, why)
        deq = with_encoder(matrix, base, profiles[name])
        record.per_dimension_match = round(scores[name], 4)
        candidates = [name]
    if encoder is not None:
        candidates = [encoder]
    if inverter is not None and _fingerprints_suffice(matrix, candidates, profiles):
        inverter = None
    unit = deq.apply(matrix)
    guess = identify(
        unit,
        distance="Cosine",
        texts=texts,
        candidates=candidates,
        inverter=inverter,
        profiles=profiles,
    )
    if guess.name == UNKNOWN and not (encoder is not None and guess.method == "none"):
        # (An encoder of the user's without a profile, and no payload text: nothing to check it by.)
        return _not_inferred(encoder, record, _unknown_reason(guess, encoder))
    name = encoder if encoder is not None else guess.name
    profile = profiles.get(name)
    if profile is not None and deq.scheme != "per_dimension":
        deq = with_encoder(matrix, deq, profile)
        unit = deq.apply(matrix)
    record.inferred = True
    record.encoder = name
    record.method = deq.method
    record.description = deq.describe()
    _measure(record, matrix, unit, texts, name, profile)
    user = EncoderGuess(name=encoder, confidence=1.0, method="user") if encoder is not None else None
    return QuantizedSlot(user or guess, record, deq)


def _fingerprints_suffice(
    matrix: np.ndarray, candidates: Sequence[str] | None, profiles: Mapping[str, Profile]
) -> bool:
    """Whether fingerprints can judge the de-quantized sample without a round trip through an inverter.

    A round trip inverts the same de-quantized vectors a fingerprint reads, and costs minutes on a
    CPU; with MIN_FINGERPRINT_ROWS rows and a profile for every candidate encoder, the fingerprint
    named every shipped encoder's de-quantized codes (bench/bench_dequantize.py), and unrelated codes
    score about 0.
    """
    from ..encoders.registry import encoder_ids, get_spec

    dim = int(matrix.shape[1])
    if candidates is None:
        candidates = []
        for eid in encoder_ids():
            try:
                if get_spec(eid).dim == dim:
                    candidates.append(eid)
            except EncoderError:
                continue
    return len(matrix) >= MIN_FINGERPRINT_ROWS and all(c in profiles for c in candidates)


def _not_inferred(encoder: str | None, record: Dequantization, reason: str) -> QuantizedSlot:
    record.reason = reason
    guess = EncoderGuess(name=encoder, confidence=1.0, method="user") if encoder else EncoderGuess()
    return QuantizedSlot(guess, record, None)


def _unknown_reason(guess: EncoderGuess, encoder: str | None) -> str:
    """Why the de-quantized vectors are no known encoder's, with the best evidence there was."""
    excess = {
        k.split(".")[1]: v
        for k, v in guess.details.items()
        if k.startswith("fingerprint.") and k.endswith(".excess")
    }
    payload = {k.split(".")[1]: v for k, v in guess.details.items() if k.startswith("payload.")}
    who = f"{encoder}'s" if encoder else "no known encoder's"
    parts = []
    if payload:
        best = max(payload.items(), key=lambda kv: kv[1])
        parts.append(f"payload re-embedding cosine {best[1]:.2f} ({best[0]})")
    if excess:
        best = max(excess.items(), key=lambda kv: kv[1])
        parts.append(f"fingerprint excess {best[1]:.2f} ({best[0]}; a match needs about {FP_CENTER})")
    if not parts:
        parts.append(f"too few vectors to compare ({int(guess.details.get('rows_used', 0))})")
    verb = "do not look like" if encoder else "look like"
    return f"de-quantized, they {verb} {who} vectors: " + ", ".join(parts)


def _measure(
    record: Dequantization,
    matrix: np.ndarray,
    unit: np.ndarray,
    texts: Sequence[str | None] | None,
    encoder: str,
    profile: Profile | None,
) -> None:
    """Fill the record's measured figures (each left None where it cannot be measured)."""
    if profile is not None and len(unit) >= MIN_FINGERPRINT_ROWS:
        after = fingerprint_features(clean_sample(unit), profile, "Cosine")["excess"]
        before = fingerprint_features(clean_sample(matrix), profile, "Cosine")["excess"]
        record.fingerprint_excess = round(float(after), 4)
        record.fingerprint_excess_as_stored = round(float(before), 4)
    pairs = [(i, t) for i, t in enumerate(texts or []) if isinstance(t, str) and t.strip()][
        :MAX_MEASURE_TEXTS
    ]
    if pairs:
        from ..encoders.registry import get_encoder

        rows = [i for i, _ in pairs]
        try:
            similarity, _ = payload_similarity(
                unit[rows].astype(np.float64), [t for _, t in pairs], get_encoder(encoder)
            )
        except EncoderError:
            return
        record.payload_cosine = round(float(similarity), 4)
