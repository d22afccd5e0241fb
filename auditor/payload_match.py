"""Was this vector made from this payload? Re-embed a point's payload text and compare.

Ingestion middlewares that redact often embed the *original* text and store only the redacted
payload: the payload looks clean while the vector still encodes the names. Re-embedding the
payload text with the vectors' own encoder gives back (almost) the stored vector when the payload
holds the embedded text; a cosine well below that says the vector was made from other text.

A payload is read as the texts a pipeline most likely embedded (`payload_texts`): its longest
string, and its strings joined in payload order (title + body). The point's cosine is the
best of those (and, for encoders with prompt modes, of every mode), so a payload that holds the
embedded text in either form matches.

Thresholds (`MISMATCH_THRESHOLDS`, cosine below which a point is "mismatched") were calibrated
with bench/bench_redaction_bypass.py on 424 held-out texts with names, e-mails and phone numbers
(results in bench/results/redaction_bypass.txt). See that file for the distributions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .detect.payload_text import read_payload
from .encoders.base import Encoder

#: Cosine (stored vector, best re-embedded payload text) below which the vector was not made from
#: the payload, per encoder; calibrated in bench/bench_redaction_bypass.py.
#: Matching payloads (exact, whitespace/case normalised, title+body, with metadata) re-embed at
#: >= 0.9999 with both MiniLMs, whose redacted ones reach at most 0.956 (L6) and 0.907 (L3). e5 is
#: cased and reads spacing: normalised payloads fall to 0.969, redacted ones reach 0.975 (overlap).
MISMATCH_THRESHOLDS: dict[str, float] = {
    "all-MiniLM-L6-v2": 0.97,
    "paraphrase-MiniLM-L3-v2": 0.95,
    "multilingual-e5-small": 0.965,
}
#: For an encoder not calibrated here: re-embedding its own text gives ~1.0 for any deterministic
#: encoder, so a cosine this low is a different text whatever the encoder's geometry.
DEFAULT_MISMATCH_THRESHOLD = 0.95

#: Texts per point re-embedded at most (longest string, prose strings joined, all strings joined).
MAX_TEXTS_PER_POINT = 3


def mismatch_threshold(encoder_id: str) -> float:
    """The cosine below which a vector of `encoder_id` does not come from its payload text."""
    return MISMATCH_THRESHOLDS.get(encoder_id, DEFAULT_MISMATCH_THRESHOLD)


def payload_texts(payload: Mapping[str, Any], max_chars: int = 20_000) -> list[str]:
    """The texts a pipeline most likely embedded for `payload`, best guess first (may be empty).

    The longest string value; then, when there is more than one string, the strings of two words
    or more joined with newlines in payload order (a vector of "title\nbody", beside metadata
    such as "lang": "en"), and every string joined. Strings are cut at `max_chars`: encoders read
    a few hundred tokens at most, and the cut keeps a hostile payload cheap.
    """
    strings = [t.text for t in read_payload(payload, max_chars=max_chars).texts if t.kind == "string"]
    strings = [s for s in strings if s.strip()]
    if not strings:
        return []
    out = [max(strings, key=len)]
    prose = [s for s in strings if len(s.split()) > 1]
    for group in (prose, strings):
        joined = "\n".join(group)[:max_chars]
        if len(group) > 1 and joined not in out:
            out.append(joined)
    return out[:MAX_TEXTS_PER_POINT]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Per checked row: the best cosine between its stored vector and its re-embedded payload text."""

    rows: list[int]  # indices into the matrix of the rows that had payload text
    cosines: np.ndarray  # (len(rows),) float64, best over the row's texts and prompt modes
    encoder_calls: int  # texts embedded (all modes together)


def _embedders(encoder: Encoder) -> list[Any]:
    """`encoder.embed`, or one embedding function per prompt mode (e5: "passage: ", "query: ")."""
    modes = getattr(encoder, "prompt_modes", None)
    embed_mode = getattr(encoder, "embed_mode", None)
    if modes and callable(embed_mode):
        return [lambda texts, m=m: embed_mode(texts, m) for m in modes]
    return [encoder.embed]


def payload_cosines(
    encoder: Encoder, matrix: np.ndarray, payloads: Sequence[Mapping[str, Any] | None]
) -> MatchResult:
    """Cosine between each stored vector (rows of `matrix`, (n, dim)) and its payload re-embedded.

    `payloads[i]` is row i's payload (None or empty when unread). Rows without payload text are not
    checked. All texts of the batch go to the encoder in one call per prompt mode. Raises whatever
    the encoder raises (callers turn it into a note).
    """
    rows: list[int] = []
    texts: list[str] = []
    owner: list[int] = []  # position in `rows` of each text
    for i, payload in enumerate(payloads):
        found = payload_texts(payload) if payload else []
        if not found:
            continue
        rows.append(i)
        texts.extend(found)
        owner.extend([len(rows) - 1] * len(found))
    if not rows:
        return MatchResult([], np.zeros(0), 0)
    stored = np.asarray(matrix[rows], dtype=np.float64)
    stored /= np.maximum(np.linalg.norm(stored, axis=1, keepdims=True), 1e-12)
    best = np.full(len(rows), -1.0)
    index = np.asarray(owner)
    calls = 0
    for embed in _embedders(encoder):
        emb = np.asarray(embed(texts), dtype=np.float64)
        calls += len(texts)
        emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
        cos = (emb * stored[index]).sum(axis=1)
        np.maximum.at(best, index, cos)
    return MatchResult(rows, best, calls)
