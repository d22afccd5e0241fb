"""Encoder identification on vectors the real encoders make from held-out text styles."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from vecaudit.encoders.adapters import inverter_via_adapter  # noqa: E402
from vecaudit.encoders.identify import identify  # noqa: E402
from vecaudit.encoders.profiles import load_profile, load_profiles, shipped_profiles_dir  # noqa: E402
from vecaudit.encoders.registry import get_encoder  # noqa: E402
from vecaudit.errors import EncoderError  # noqa: E402
from vecaudit.synthetic import refcorpus  # noqa: E402

N = 150
TRIO = ["all-MiniLM-L6-v2", "paraphrase-MiniLM-L3-v2", "multilingual-e5-small"]
# Styles the shipped profiles were NOT built from.
TEXTS = refcorpus.generate(N, ["legal", "finance", "hr"], seed=11)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def vectors() -> dict[str, np.ndarray]:
    return {eid: get_encoder(eid).embed(TEXTS) for eid in TRIO}


def _rotate(x: np.ndarray, seed: int = 0, noise: float = 0.01) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(x.shape[1], x.shape[1])))
    return (_unit(x) @ q.T + rng.normal(scale=noise, size=x.shape)).astype(np.float32)


def test_shipped_profiles_load_without_pickle() -> None:
    files = sorted(shipped_profiles_dir().glob("*.npz"))
    assert {load_profile(f).encoder_id for f in files} >= {*TRIO, "wordllama-256"}
    for f in files:
        assert f.stat().st_size < 150_000
        with np.load(f, allow_pickle=False) as z:
            assert z["axes"].dtype == np.float16


@pytest.mark.parametrize("eid", TRIO)
def test_fingerprint_names_encoder_of_cosine_store(vectors: dict[str, np.ndarray], eid: str) -> None:
    guess = identify(_unit(vectors[eid]), distance="Cosine", datatype="float32")
    assert guess.name == eid, guess.details
    assert guess.method == "fingerprint"
    assert guess.confidence > 0.8
    others = [c for c in TRIO if c != eid]
    assert all(guess.details[f"fingerprint.{c}"] < 0.2 for c in others)


@pytest.mark.parametrize("eid", TRIO)
def test_rotated_vectors_are_unknown(vectors: dict[str, np.ndarray], eid: str) -> None:
    guess = identify(_rotate(vectors[eid]), distance="Cosine")
    assert guess.name == "unknown", guess.details
    assert guess.method == "fingerprint"
    assert guess.confidence > 0.8  # confident that none of the candidates made them


@pytest.mark.parametrize("eid", TRIO)
def test_true_encoder_left_out_is_unknown_not_its_sibling(vectors: dict[str, np.ndarray], eid: str) -> None:
    others = [c for c in TRIO if c != eid]
    guess = identify(_unit(vectors[eid]), distance="Cosine", candidates=others)
    assert guess.name == "unknown", guess.details


def test_payload_reembedding_settles_it(vectors: dict[str, np.ndarray]) -> None:
    for eid in TRIO:
        guess = identify(vectors[eid][:16], distance="Cosine", texts=TEXTS[:16])
        assert guess.name == eid
        assert guess.method == "payload"  # 16 rows: too few for a fingerprint
        assert guess.confidence > 0.95
        assert guess.details[f"payload.{eid}.cosine"] > 0.99
        assert all(guess.details[f"payload.{c}.cosine"] < 0.9 for c in TRIO if c != eid)


def test_payload_and_fingerprint_agree_on_a_full_sample(vectors: dict[str, np.ndarray]) -> None:
    texts: list[str | None] = list(TEXTS)
    texts[3] = None  # rows without text are simply not used for payload evidence
    guess = identify(vectors["paraphrase-MiniLM-L3-v2"], distance="Dot", texts=texts)
    assert guess.name == "paraphrase-MiniLM-L3-v2"
    assert guess.method == "payload+fingerprint"
    assert guess.confidence > 0.99


def test_e5_query_prefixed_store_found_by_payload() -> None:
    enc = get_encoder("multilingual-e5-small")
    stored = enc.embed_mode(TEXTS[:12], "query")  # type: ignore[attr-defined]
    guess = identify(stored, distance="Cosine", texts=TEXTS[:12])
    assert guess.name == "multilingual-e5-small"
    assert guess.details["payload.multilingual-e5-small.cosine"] > 0.99


def test_payload_text_that_was_not_embedded_falls_back_to_fingerprint(vectors: dict[str, np.ndarray]) -> None:
    wrong_texts = list(reversed(TEXTS))  # texts do not belong to their rows
    guess = identify(vectors["all-MiniLM-L6-v2"], distance="Cosine", texts=wrong_texts)
    assert guess.name == "all-MiniLM-L6-v2"
    assert guess.method == "fingerprint"


def test_unnormalized_store_and_nan_rows(vectors: dict[str, np.ndarray]) -> None:
    raw = vectors["paraphrase-MiniLM-L3-v2"].copy()  # Dot/Euclid stores keep the norms
    raw[[5, 17]] = np.nan
    guess = identify(raw, distance="Euclid")
    assert guess.name == "paraphrase-MiniLM-L3-v2"
    assert guess.details["rows_dropped_nonfinite_or_zero"] == 2.0
    assert guess.details["rows_used"] == N - 2


def test_uint8_quantized_store(vectors: dict[str, np.ndarray]) -> None:
    q = np.clip(np.round(_unit(vectors["multilingual-e5-small"]) * 127.0 + 127.5), 0, 255).astype(np.uint8)
    guess = identify(q, distance="Cosine", datatype="uint8")
    assert guess.name == "multilingual-e5-small"


def test_wordllama_fingerprint_and_its_rotation() -> None:
    vecs = get_encoder("wordllama-256").embed(TEXTS)
    assert identify(vecs, distance=None).name == "wordllama-256"
    assert identify(_rotate(vecs), distance="Cosine").name == "unknown"


def test_no_candidate_of_that_dim_and_bad_input() -> None:
    guess = identify(np.random.default_rng(0).normal(size=(40, 123)).astype(np.float32), distance="Cosine")
    assert (guess.name, guess.method, guess.confidence) == ("unknown", "none", 0.0)
    with pytest.raises(EncoderError, match="2-D"):
        identify(np.zeros(384, dtype=np.float32), distance="Cosine")
    with pytest.raises(EncoderError, match="texts"):
        identify(np.ones((4, 384), dtype=np.float32), distance="Cosine", texts=["a"])


def test_roundtrip_hook_uses_an_inverter(vectors: dict[str, np.ndarray]) -> None:
    # A stand-in "inverter" that returns the true texts: the hook must re-embed them with each
    # candidate and name the one whose space reproduces the vectors.
    truth = {tuple(np.round(_unit(vectors["all-MiniLM-L6-v2"])[i], 4)): t for i, t in enumerate(TEXTS)}

    def invert(rows: np.ndarray) -> list[str]:
        return [truth.get(tuple(np.round(r, 4)), "") for r in rows]

    inverter = inverter_via_adapter(invert, "all-MiniLM-L6-v2")
    guess = identify(
        _unit(vectors["all-MiniLM-L6-v2"])[:16], distance="Cosine", candidates=TRIO, inverter=inverter
    )
    assert guess.name == "all-MiniLM-L6-v2"
    assert guess.method == "roundtrip"
    assert guess.details["roundtrip.all-MiniLM-L6-v2.cosine"] > 0.99
    assert "roundtrip.paraphrase-MiniLM-L3-v2.cosine" not in guess.details  # no adapter: no evidence


E5 = "multilingual-e5-small"


def _cone_mimic(e5: np.ndarray, rows: int, seed: int = 0) -> np.ndarray:
    """Vectors no encoder made that share e5's narrow cone: Gaussian directions around its mean."""
    noise = _unit(np.random.default_rng(seed).normal(size=(rows, e5.shape[1])))
    return _unit(0.3 * noise + _unit(e5).mean(0)).astype(np.float32)


def test_roundtrip_is_judged_against_other_rows_texts_not_the_cone(vectors: dict[str, np.ndarray]) -> None:
    # e5 puts any two texts at a cosine of ~0.8: a round trip that returns unrelated texts still
    # re-embeds "close" to the vectors. Only a vector's own text beating the other rows' counts.
    e5 = _unit(vectors[E5])[:16]
    truth = {tuple(np.round(r, 4)): t for r, t in zip(e5, TEXTS, strict=False)}

    def unrelated(rows: np.ndarray, encoder_id: str) -> list[str]:
        return list(TEXTS[40 : 40 + len(rows)])

    def faithful(rows: np.ndarray, encoder_id: str) -> list[str]:
        return [truth.get(tuple(np.round(r, 4)), "") for r in rows]

    for rows in (e5, _cone_mimic(e5, 16)):
        guess = identify(rows, distance="Cosine", candidates=[E5], inverter=unrelated)
        assert guess.name == "unknown", guess.details
        assert guess.details[f"roundtrip.{E5}.cosine"] > 0.75  # what the old rule took for a match
        assert guess.details[f"roundtrip.{E5}.excess"] < 0.1
    guess = identify(e5, distance="Cosine", candidates=[E5], inverter=faithful)
    assert (guess.name, guess.method) == (E5, "roundtrip")
    assert guess.details[f"roundtrip.{E5}.excess"] > 0.9
    few = identify(e5[:7], distance="Cosine", candidates=[E5], inverter=faithful)
    assert few.name == "unknown" and f"roundtrip.{E5}.excess" not in few.details  # too few controls


@pytest.mark.slow  # inverts 8 vectors through each of four inverters and adapters: ~2 min on 2 cores
def test_shipped_inverters_identify_e5_by_round_trip_and_claim_no_cone_mimic(
    vectors: dict[str, np.ndarray],
) -> None:
    from vecaudit.inversion import load_inverter

    loaded: dict[str, object] = {}

    def invert(rows: np.ndarray, encoder_id: str) -> list[str]:  # what a scan's round trip does
        inv = loaded.setdefault(encoder_id, load_inverter(encoder_id))
        return [t for t, _ in inv.invert(rows)]  # type: ignore[attr-defined]

    e5 = _unit(vectors[E5])[:8]  # no payload text, too few rows for a fingerprint
    guess = identify(e5, distance="Cosine", candidates=TRIO, inverter=invert)
    assert (guess.name, guess.method) == (E5, "roundtrip"), guess.details
    assert all(guess.details[f"roundtrip.{c}.excess"] < 0.13 for c in TRIO if c != E5)
    mimic = identify(_cone_mimic(vectors[E5], 8), distance="Cosine", candidates=[E5], inverter=invert)
    assert mimic.name == "unknown", mimic.details
    assert mimic.details[f"roundtrip.{E5}.cosine"] > 0.8  # in the cone, yet not claimed


def test_roundtrip_with_a_broken_inverter_is_an_error_not_missing_evidence(
    vectors: dict[str, np.ndarray],
) -> None:
    from vecaudit.errors import InverterError

    def down(rows: np.ndarray, encoder_id: str) -> list[str]:
        raise InverterError("vLLM server at http://127.0.0.1:9 is down or restarting")

    with pytest.raises(InverterError, match="down"):
        identify(_unit(vectors["all-MiniLM-L6-v2"])[:16], distance="Cosine", candidates=TRIO, inverter=down)


def test_profiles_restrictable() -> None:
    assert set(load_profiles(["wordllama-256"])) == {"wordllama-256"}


def test_build_profiles_writes_loadable_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vecaudit.encoders.profiles import build_profiles

    corpus = refcorpus.generate(300, ["support", "news", "chat"], seed=3)
    (path,) = build_profiles(tmp_path, corpus=corpus, encoder_ids=["wordllama-256"])
    prof = load_profile(path)
    assert (prof.encoder_id, prof.dim, prof.normalized) == ("wordllama-256", 256, False)
    assert prof.axes.shape == (128, 256) and abs(prof.norm_median - 1.0) > 0.1
    # A user-built profile directory takes precedence over the shipped one.
    monkeypatch.setenv("VECAUDIT_PROFILES_DIR", str(tmp_path))
    assert load_profiles(["wordllama-256"])["wordllama-256"].meta["corpus"] == "custom"
    vecs = get_encoder("wordllama-256").embed(refcorpus.generate(100, ["support"], seed=99))
    assert identify(vecs, distance="Dot", profiles={"wordllama-256": prof}).name == "wordllama-256"


def test_reference_corpus_is_deterministic_and_styles_disjoint() -> None:
    assert refcorpus.reference_corpus(50) == refcorpus.reference_corpus(50)
    assert refcorpus.generate(20, ["legal"], seed=1) != refcorpus.generate(20, ["legal"], seed=2)
    assert not set(refcorpus.PROFILE_STYLES) & set(refcorpus.HELDOUT_STYLES)
    with pytest.raises(ValueError, match="unknown text styles"):
        refcorpus.generate(3, ["nope"])
