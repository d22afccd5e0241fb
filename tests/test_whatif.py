"""The mitigation what-if on real embeddings, a real store, the shipped inverter and Presidio.

The inverter runs on CPU (seconds per batch), so the store is small and only the reference and the
strongest noise level are inverted; utility, which needs no inversion, is checked over all levels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from clitools import enter_sandbox, run_cli
from storebuild import build_local, tree_fingerprint
from vecaudit.encoders.registry import get_encoder
from vecaudit.errors import VecauditError
from vecaudit.synthetic.factory import ValueFactory
from vecaudit.synthetic.pii_styles import HELDOUT_STYLES, all_styles, generate
from vecaudit.whatif import (
    Mitigation,
    WhatIfResult,
    apply_mitigation,
    parse_mitigation,
    recall_at_k,
)

ENCODER = "all-MiniLM-L6-v2"
N_POINTS = 48


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[list[tuple[str, str]]], np.ndarray]:
    """Synthetic records in the styles the inverter was trained on, with their true PII values."""
    vf = ValueFactory(11)
    styles = [s for s in all_styles() if s not in HELDOUT_STYLES]
    samples = [generate(vf, styles[i % len(styles)]) for i in range(N_POINTS)]
    texts = [s.text for s in samples]
    vectors = np.asarray(get_encoder(ENCODER).embed(texts), dtype=np.float32)
    return texts, [list(s.entities) for s in samples], vectors


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, corpus: tuple) -> Path:  # type: ignore[type-arg]
    texts, _, vectors = corpus
    folder = tmp_path_factory.mktemp("whatif") / "store"
    return build_local(folder, "notes", vectors, [{"text": t, "kind": "note"} for t in texts])


def test_utility_falls_as_noise_grows(corpus: tuple) -> None:  # type: ignore[type-arg]
    _, _, vectors = corpus
    noise = np.random.default_rng(0).standard_normal(vectors.shape).astype(np.float32)
    recalls = []
    for sigma in (0.0, 0.01, 0.02, 0.05, 0.1):
        stored, _, query = apply_mitigation(vectors, Mitigation(kind="noise", param=sigma), noise)
        recalls.append(recall_at_k(vectors, stored, query(vectors), 10))
    assert recalls[0] == 1.0
    assert all(b <= a + 1e-9 for a, b in zip(recalls, recalls[1:], strict=False)), recalls
    assert recalls[-1] < 0.8, recalls  # sigma 0.1 on 384 dims moves vectors to cosine ~0.45

    def recall_of(m: Mitigation) -> float:
        stored, padded, query = apply_mitigation(vectors, m, noise)
        assert padded.shape == vectors.shape  # inversion always gets full-size vectors
        return recall_at_k(vectors, stored, query(vectors), 10)

    assert recall_of(Mitigation(kind="int8")) >= 0.95
    assert recall_of(Mitigation(kind="truncate", param=128)) <= recall_of(
        Mitigation(kind="truncate", param=256)
    )
    assert recall_of(Mitigation(kind="binary")) < 1.0


def test_parse_mitigation() -> None:
    assert parse_mitigation("noise:0.05") == Mitigation(kind="noise", param=0.05)
    assert parse_mitigation("truncate:128").label == "truncate to 128 dims"
    assert parse_mitigation("INT8").kind == "int8"
    for bad in ("noise", "noise:-1", "truncate:0", "blur", "binary:3"):
        with pytest.raises(VecauditError, match="unknown mitigation"):
            parse_mitigation(bad)


@pytest.mark.slow  # inverts 5 vectors twice with the learned loop on CPU: ~15 s on an idle 2-core machine
def test_whatif_on_a_real_store_feeds_the_report(
    store: Path,
    corpus: tuple,  # type: ignore[type-arg]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    texts, _, _ = corpus
    before = tree_fingerprint(store)
    enter_sandbox(tmp_path, monkeypatch)
    res = run_cli(
        capsys,
        *("whatif", store, "--collection", "notes", "--sample", "5", "--encoder", ENCODER),
        *("-m", "noise:0.1", "--attack", "loop", "--no-leaked-pairs", "-o", "w.json"),
    )
    assert res.code == 0, res.err
    assert tree_fingerprint(store) == before  # read-only
    assert "noise sigma=0.1" in res.out and "R@10" in res.out

    w = WhatIfResult.model_validate_json((tmp_path / "w.json").read_text())
    assert [r.mitigation.kind for r in w.results] == ["none", "noise"]
    # The 1.0 what-if's measurement: the learned inverter is the only attacker.
    assert w.attack_level == "loop" and all(
        [a.attacker for a in r.attackers] == ["learned"] for r in w.results
    )
    none, noisy = w.results
    assert w.sample_size == 5 and w.utility_sample_size == N_POINTS
    assert none.entities_total > 0  # Presidio found the true values in the payload text
    # More noise: no more leakage, lower fidelity of the recovered text, lower utility.
    assert noisy.leakage <= none.leakage
    assert noisy.mean_cosine < none.mean_cosine - 0.1
    assert noisy.recall_at_k < none.recall_at_k == 1.0
    assert noisy.vector_cosine < 0.7
    dumped = (tmp_path / "w.json").read_text() + res.out + res.err
    for text in texts:
        for word in text.split():
            if any(ch.isdigit() for ch in word) and len(word) > 6:
                assert word not in dumped  # counts and shares only, never a value

    from reportdata import build_report

    (tmp_path / "scan.json").write_text(build_report().model_dump_json())
    out = run_cli(capsys, "report", "scan.json", "-f", "markdown", "-o", "r.md", "--whatif", "w.json")
    assert out.code == 1  # the scenario has violations
    md = (tmp_path / "r.md").read_text()
    assert "noise sigma=0.1" in md and "Recall@10" in md


def test_whatif_errors_are_clear(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    enter_sandbox(tmp_path, monkeypatch)
    res = run_cli(capsys, "whatif", store, "--collection", "nope", "--encoder", ENCODER)
    assert res.code == 2 and "nope" in res.err
    # Every built-in encoder now reaches an inverter (directly or through an adapter): without the
    # shipped models none does.
    monkeypatch.setenv("VECAUDIT_MODELS_DIR", str(tmp_path / "no-models"))
    res = run_cli(
        capsys, "whatif", store, "-c", "notes", "--encoder", "multilingual-e5-small", "--sample", "3"
    )
    assert res.code == 2 and "no inverter" in res.err
    monkeypatch.delenv("VECAUDIT_MODELS_DIR")
    res = run_cli(capsys, "whatif", store, "-c", "notes", "-m", "blur")
    assert res.code == 2 and "unknown mitigation" in res.err
    res = run_cli(capsys, "whatif", store, "-c", "notes", "--encoder", ENCODER, "--attack", "fast")
    assert res.code == 2 and "unknown attack level 'fast'" in res.err


def test_payload_truth_picks_the_named_field_or_the_longest_string() -> None:
    from vecaudit.detect.engine import PiiDetector
    from vecaudit.whatif import payload_truth

    detector = PiiDetector(entities=["EMAIL_ADDRESS"], mode="fast")  # real Presidio, patterns only
    payloads = [{"a": "short", "b": {"c": "the longest text, mail ann@example.org"}}, {"n": 3}, {}]
    texts, truth = payload_truth(payloads, detector=detector)
    assert texts == ["the longest text, mail ann@example.org", None, None]
    assert truth == [[("EMAIL_ADDRESS", "ann@example.org")], [], []]
    texts, _ = payload_truth(payloads, text_field="b.c", detector=detector)
    assert texts == ["the longest text, mail ann@example.org", None, None]
    texts, truth = payload_truth(payloads, text_field="a", detector=detector)
    assert texts == ["short", None, None] and truth == [[], [], []]
