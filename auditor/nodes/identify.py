"""identify_encoders: name the encoder behind each dense vector of the current collection.

Runs once per collection on its first sample (up to IDENTIFY_SAMPLE points): the vectors, plus the
longest payload string of each point when payloads carry text. `--encoder NAME` skips the guess.
A slot holding integer codes (uint8 storage, or floats a user quantized) is de-quantized first, and
checked against the encoder named by --encoder (see nodes/dequantize.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from langgraph.runtime import Runtime

from ..detect.payload_text import longest_text
from ..errors import EncoderError
from ..models import EncoderGuess, Point, VectorInfo
from ..progress import CollectionStarted, EncoderIdentified, Notice, emit
from .context import ScanContext
from .dequantize import QuantizedSlot, identify_codes
from .stages import usable_vectors
from .state import ScanState, current_plan, with_note, with_skip

IDENTIFY_SAMPLE = 256


def first_points(ctx: ScanContext, collection: str) -> list[Point]:
    """The first points this run will scan (sample order, or the store's order), with vectors."""
    if ctx.config.sample:
        ids = ctx.db.sample_slice(collection, 0, IDENTIFY_SAMPLE)
        return ctx.store().retrieve(collection, ids, with_vectors=True) if ids else []
    it = ctx.store().iter_points(collection, batch_size=IDENTIFY_SAMPLE, with_vectors=True)
    try:
        batch, _ = next(it, ([], None))
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()
    return batch


def user_guess(name: str, vector: VectorInfo) -> tuple[EncoderGuess, str | None]:
    from ..encoders.registry import get_spec

    guess = EncoderGuess(name=name, confidence=1.0, method="user")
    dim = get_spec(name).dim
    if vector.dim is not None and vector.dim != dim:
        return guess, (
            f"--encoder {name} makes {dim}-dimensional vectors but vector {vector.label} has {vector.dim} "
            "dimensions; it will not be inverted"
        )
    return guess, None


def identify_encoders(state: ScanState, runtime: Runtime[ScanContext]) -> dict[str, Any]:
    ctx = runtime.context
    plan = current_plan(state)
    name = plan["name"]
    vectors = [VectorInfo.model_validate(v) for v in plan["vectors"]]
    dense = [v for v in vectors if v.invertible]
    emit(CollectionStarted(name, plan["points_total"], plan["planned"], [v.label for v in vectors]))

    notes = state.get("notes", {})
    skipped = state.get("stages_skipped", {})
    guesses: dict[str, dict[str, Any]] = {}
    records: dict[str, dict[str, Any]] = {}
    plan_out: dict[str, dict[str, Any]] = {}
    if not dense:
        notes = with_note(notes, name, "no dense vectors: only payloads were scanned")
    if ctx.config.encoder:
        skipped = with_skip(skipped, "identify", f"--encoder {ctx.config.encoder} given")
    # Read even with --encoder: integer codes are recognised, and de-quantized, from this sample.
    points: list[Point] = first_points(ctx, name) if dense else []
    texts: list[str | None] = [longest_text(p.payload) for p in points]

    for vector in dense:
        note: str | None = None
        guess, note, slot = _guess(ctx, points, texts, vector)
        if slot is not None:
            records[vector.name] = slot.record.model_dump(mode="json")
            if slot.dequantizer is not None:
                plan_out[vector.name] = slot.dequantizer.to_state()
            extra = f"vector {vector.label}: {slot.note}"
            notes = with_note(notes, name, extra)
            emit(Notice(extra, name))
        if note:
            notes = with_note(notes, name, note)
            emit(Notice(note, name))
        guesses[vector.name] = guess.model_dump(mode="json")
        emit(EncoderIdentified(name, vector.name, guess.name, guess.confidence, guess.method))

    encoders = {**state.get("encoders", {}), name: guesses}
    dequantization = {**state.get("dequantization", {}), name: records}
    return {
        "encoders": encoders,
        "notes": notes,
        "stages_skipped": skipped,
        "dequantization": dequantization,
        "dequantize_plan": plan_out,
    }


def _round_trip(ctx: ScanContext) -> Callable[[np.ndarray, str], list[str]]:
    """identify()'s inverter hook: recovered texts for a candidate encoder, via the run's inverters."""

    def invert(vectors: np.ndarray, encoder_id: str) -> list[str]:
        inverter = ctx.round_trip_inverter(encoder_id)
        if inverter is None:
            raise LookupError(f"no inverter for {encoder_id}")  # identify() counts it as no evidence
        return [text for text, _ in inverter.invert(vectors)]

    return invert


def _guess(
    ctx: ScanContext, points: list[Point], texts: list[str | None], vector: VectorInfo
) -> tuple[EncoderGuess, str | None, QuantizedSlot | None]:
    """The slot's encoder guess, a note for the report, and what was done with integer codes."""
    from ..encoders.dequantize import find_codes
    from ..encoders.identify import identify

    user = ctx.config.encoder
    if not points:  # an empty collection: nothing to identify, and nothing to say about it here
        if user:
            guess, user_note = user_guess(user, vector)
            return guess, user_note, None
        return EncoderGuess(), None, None
    keep, matrix, rejected = usable_vectors(points, vector.name, vector.dim)
    note = None
    if rejected:
        note = (
            f"{len(rejected)} of the first {len(points)} points have NaN/infinite values or the wrong "
            f"dimension in vector {vector.label}; they were left out of identification and inversion"
        )
    codes = find_codes(matrix, vector.datatype) if matrix.shape[0] else None
    if user:
        guess, user_note = user_guess(user, vector)
        if codes is None or user_note:
            return guess, user_note or note, None
    if matrix.shape[0] == 0:
        return (
            EncoderGuess(),
            note or f"no usable vectors in {vector.label} to identify an encoder from",
            None,
        )
    picked = [texts[i] for i in keep]  # None where a payload has no text
    has_text = any(picked)
    # Without payload text, a round trip through an inverter is the direct evidence left.
    inverter = None if has_text or not ctx.config.invert else _round_trip(ctx)
    try:
        if codes is not None:
            slot = identify_codes(
                matrix, codes, vector, texts=picked if has_text else None, encoder=user, inverter=inverter
            )
            return slot.guess, note, slot
        guess = identify(
            matrix,
            distance=vector.distance,
            texts=picked if has_text else None,
            datatype=vector.datatype,
            inverter=inverter,
        )
    except EncoderError as exc:
        return EncoderGuess(), f"encoder identification failed for {vector.label}: {exc}", None
    return guess, note, None
