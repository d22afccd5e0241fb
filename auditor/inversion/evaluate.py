"""`vecaudit bench inversion`: how much an inverter recovers, on styles it never trained on.

For each beam width the loop runs once to the largest step count and records the best text at
every requested step, so one run yields the whole steps x beam table.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..synthetic.corpus import Split, generate_corpus
from ..synthetic.templates import Sample
from .inverter import InversionSettings, Inverter
from .metrics import summarize

# Our synthetic entity names -> the Presidio entity a detector should report for them.
DETECTOR_ENTITY = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "US_SSN": "US_SSN",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN_CODE",
    "IP_ADDRESS": "IP_ADDRESS",
    "DATE_OF_BIRTH": "DATE_OF_BIRTH",
    "STREET_ADDRESS": "STREET_ADDRESS",
    "MEDICAL_RECORD": "MEDICAL_RECORD_NUMBER",
}


@dataclass
class EvalRow:
    steps: int
    beam: int
    metrics: dict[str, float]
    seconds: float
    texts: list[str] = field(default_factory=list)


def detection_recall(samples: Sequence[Sample], texts: Sequence[str], detector: object) -> dict[str, float]:
    """Per entity type: share of texts holding that entity where the detector flags it in the recovery."""
    found = detector.analyze(list(texts), normalize=True)  # type: ignore[attr-defined]
    hit: dict[str, int] = {}
    tot: dict[str, int] = {}
    for s, dets in zip(samples, found, strict=True):
        kinds = {d.entity_type for d in dets}
        for etype in {e for e, _ in s.entities}:
            want = DETECTOR_ENTITY.get(etype)
            if want is None:
                continue
            tot[etype] = tot.get(etype, 0) + 1
            hit[etype] = hit.get(etype, 0) + int(want in kinds)
    return {f"det_{k}": hit.get(k, 0) / v for k, v in sorted(tot.items()) if v}


def run_eval(
    inverter: Inverter,
    embed_texts,  # type: ignore[no-untyped-def]
    *,
    n: int = 200,
    split: Split = "heldout",
    seed: int = 4242,
    steps: Sequence[int] = (0, 1, 5, 20),
    beams: Sequence[int] = (1, 4),
    detector: object | None = None,
    samples: Sequence[Sample] | None = None,
) -> list[EvalRow]:
    data = list(samples) if samples is not None else generate_corpus(n, seed, split)
    vectors = np.asarray(embed_texts([s.text for s in data]), dtype=np.float32)
    refs = [s.text for s in data]
    ents = [s.entities for s in data]
    rows: list[EvalRow] = []
    for beam in beams:
        inverter.settings = InversionSettings(
            steps=max(steps), beam=beam, candidates=beam, temperature=0.7, stop_cosine=0.999
        )
        t0 = time.perf_counter()
        trace = inverter.invert_trace(vectors, set(steps))
        elapsed = time.perf_counter() - t0
        for k in sorted(steps):
            texts = [t for t, _ in trace[k]]
            m = summarize(refs, texts, ents)
            m["cosine"] = float(np.mean([c for _, c in trace[k]])) if trace[k] else 0.0
            if detector is not None:
                m.update(detection_recall(data, texts, detector))
            rows.append(EvalRow(k, beam, m, elapsed, texts))
    return rows


def format_table(rows: Sequence[EvalRow]) -> str:
    keys = ["bleu", "token_f1", "exact", "cosine"]
    ent_keys = sorted({k for r in rows for k in r.metrics if k.startswith("pii_")})
    det_keys = sorted({k for r in rows for k in r.metrics if k.startswith("det_")})
    head = ["steps", "beam", *keys, *[k[4:] for k in ent_keys], *[f"det:{k[4:]}" for k in det_keys]]
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for r in rows:
        vals = [str(r.steps), str(r.beam)]
        vals += [
            f"{r.metrics.get(k, 0.0):.3f}" if k != "bleu" else f"{r.metrics.get(k, 0.0):.1f}" for k in keys
        ]
        vals += [f"{r.metrics.get(k, 0.0):.2f}" for k in ent_keys + det_keys]
        lines.append(" | ".join(vals))
    counts = {k[2:]: int(v) for k, v in rows[0].metrics.items() if k.startswith("n_")} if rows else {}
    lines.append(f"entity counts: {counts}")
    return "\n".join(lines)
