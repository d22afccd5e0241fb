"""Acceptance on the labelled corpus (tests/data/detection/), through the scan's payload stage.

Default policy, --fail-on low: at most 5% of PII-free texts get a violation and at most 10% any
finding; at least 90% of ordinary two-word names from many cultures are found in full, in plain
sentences and in ALL-CAPS ones; every kind of marked value keeps its recall. The measured
figures (and plain Presidio's beside them) come from bench/bench_detection_quality.py.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from vecaudit.detect.engine import PiiDetector
from vecaudit.detect.evaluation import Corpus, LabelledText, Scores, load_corpus, parse_marked, score_texts
from vecaudit.models import Finding, Point, PointId
from vecaudit.nodes.stages import scan_payloads
from vecaudit.policy.loader import load_policy
from vecaudit.policy.schema import Policy

KEY = bytes(range(32))
CORPUS = Path(__file__).parent / "data" / "detection"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy("default")


@pytest.fixture(scope="module")
def detector(policy: Policy) -> PiiDetector:
    return PiiDetector(entities=policy.entities(), mode=policy.detector_mode, languages=policy.languages)


def _score(policy: Policy, detector: PiiDetector, texts: list[LabelledText]) -> Scores:
    points = [Point(id=i, payload={"text": t.text}) for i, t in enumerate(texts)]
    found: defaultdict[PointId, list[Finding]] = defaultdict(list)
    for f in scan_payloads(detector, policy, "corpus", points, key=KEY):
        found[f.point_id].append(f)
    return score_texts(texts, [found[i] for i in range(len(texts))], "low")


def test_corpus_is_labelled_as_documented(corpus: Corpus) -> None:
    assert len(corpus.pii_free) >= 180 and len({t.kind for t in corpus.pii_free}) >= 8
    assert len(corpus.names) >= 120 and corpus.templates and corpus.caps_templates
    assert sum(len(t.spans) for t in corpus.pii) >= 80
    marked = parse_marked("Call [[PHONE_NUMBER|415-555-0132]] or [[EMAIL_ADDRESS|a@b.org]].")
    assert marked.text == "Call 415-555-0132 or a@b.org."
    assert [(s.entity, marked.text[s.start : s.end]) for s in marked.spans] == [
        ("PHONE_NUMBER", "415-555-0132"),
        ("EMAIL_ADDRESS", "a@b.org"),
    ]


def test_pii_free_texts_raise_almost_no_alarm(corpus: Corpus, policy: Policy, detector: PiiDetector) -> None:
    scores = _score(policy, detector, list(corpus.pii_free))
    print(f"\nPII-free: violation {scores.violation_rate:.3f}, any finding {scores.finding_rate:.3f}")
    assert scores.violation_rate <= 0.05, scores.false_alarms
    assert scores.finding_rate <= 0.10, scores.false_alarms


def test_marked_personal_data_is_found(corpus: Corpus, policy: Policy, detector: PiiDetector) -> None:
    scores = _score(policy, detector, list(corpus.pii))
    print("\n" + ", ".join(f"{e} {scores.recall(e):.2f}" for e in sorted(scores.marked)))
    assert scores.recall() >= 0.95, scores.missed
    for entity in scores.marked:
        assert scores.recall(entity) >= 0.9, (entity, scores.missed)


@pytest.mark.parametrize("kind", ["names", "caps"])
def test_names_from_many_cultures_are_found_in_full(
    corpus: Corpus, policy: Policy, detector: PiiDetector, kind: str
) -> None:
    texts = [t for t in corpus.name_texts() if t.kind == kind]
    scores = _score(policy, detector, texts)
    print(f"\n{kind}: {scores.recall():.3f} of {len(texts)} found in full")
    assert scores.recall() >= 0.90, scores.missed[:20]
