"""Redaction bypass inside a batch: vectors not made from their payload, and what they still hold.

For every dense slot with a known encoder, each point's payload text is re-embedded with that
encoder (the registry's cached instance: identification already loaded it) and compared with the
stored vector (`vecaudit.payload_match`). A point below the encoder's threshold is *mismatched*.
An inversion finding on a mismatched point whose value the payload does not hold becomes a
redaction-bypass finding (rule `vecaudit/redaction-bypass`): the pipeline removed the value from
the payload, but not from the vector. Values are compared in memory only; nothing here is stored
but counts, point ids and the findings (masked as usual).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..models import (
    REDACTION_BYPASS_MIN_SEVERITY,
    REDACTION_BYPASS_RULE_ID,
    Finding,
    Point,
    PointId,
    Severity,
)
from ..rundb import PayloadCheck

if TYPE_CHECKING:
    from .context import ScanContext


def payload_check(
    ctx: ScanContext,
    collection: str,
    vector: str,
    encoder_id: str,
    points: Sequence[Point],
    keep: Sequence[int],
    matrix: np.ndarray,
) -> PayloadCheck:
    """Compare the slot's stored vectors (`matrix`, (len(keep), dim), rows of `points[keep]`) with
    their payload text re-embedded by `encoder_id`. Raises EncoderError when the encoder fails."""
    from ..encoders.registry import get_encoder
    from ..payload_match import mismatch_threshold, payload_cosines

    started = time.monotonic()
    payloads = [points[i].payload if points[i].unread is None else None for i in keep]
    threshold = mismatch_threshold(encoder_id)
    result = payload_cosines(get_encoder(encoder_id, device=ctx.config.device), matrix, payloads)
    mismatched = [
        points[keep[r]].id for r, c in zip(result.rows, result.cosines, strict=True) if c < threshold
    ]
    return PayloadCheck(
        collection,
        vector,
        encoder_id,
        threshold,
        len(result.rows),
        mismatched,
        result.encoder_calls,
        round(time.monotonic() - started, 3),
    )


_SPACE = re.compile(r"\s+")
_EDGE = re.compile(r"^\W+|\W+$")


def _norm(text: str) -> str:
    """Case and spacing folded, so "jane  DOE" in a payload holds the recovered "Jane Doe"."""
    return _SPACE.sub(" ", text.casefold()).strip()


def _payload_text(payload: Mapping[str, Any]) -> str:
    from ..detect.payload_text import read_payload

    return "\n".join(_norm(t.text) for t in read_payload(payload).texts)


def bypass_findings(
    ctx: ScanContext,
    inversion: Sequence[Finding],
    payload: Sequence[Finding],
    points: Sequence[Point],
    mismatched: set[PointId],
    recovered: Mapping[PointId, str],
) -> list[Finding]:
    """`inversion` with the findings of mismatched points whose value their payload does not hold
    turned into redaction-bypass findings; every other finding is returned as it was.

    A payload holds a value when a payload finding of the point has its fingerprint, or when the
    value (case and spacing folded) is in one of the point's payload texts. `recovered` maps a
    point id to the text its vector was inverted to (the findings' spans index it). The severity
    is the highest of the inversion finding's, the entity's payload rule's and
    REDACTION_BYPASS_MIN_SEVERITY.
    """
    if not mismatched:
        return list(inversion)
    from ..policy.evaluate import first_rule

    held: dict[PointId, set[str]] = {}
    for f in payload:
        held.setdefault(f.point_id, set()).add(f.fingerprint)
    by_id = {p.id: p for p in points}
    texts: dict[PointId, str] = {}
    policy = ctx.policy()
    out: list[Finding] = []
    for f in inversion:
        text = recovered.get(f.point_id)
        if f.point_id not in mismatched or text is None or f.start is None or f.end is None:
            out.append(f)
            continue
        if f.fingerprint in held.get(f.point_id, set()):
            out.append(f)
            continue
        if f.point_id not in texts:
            texts[f.point_id] = _payload_text(by_id[f.point_id].payload) if f.point_id in by_id else ""
        value = _EDGE.sub("", _norm(text[f.start : f.end]))
        if value and value in texts[f.point_id]:
            out.append(f)
            continue
        rule = first_rule(policy, f.entity_type, f.score, f.collection, "payload")
        floor = [REDACTION_BYPASS_MIN_SEVERITY] + ([rule.severity] if rule is not None else [])
        severity = max([f.severity, *floor], key=_rank)
        out.append(f.model_copy(update={"rule_id": REDACTION_BYPASS_RULE_ID, "severity": severity}))
    return out


def _rank(severity: Severity) -> int:
    return severity.rank
