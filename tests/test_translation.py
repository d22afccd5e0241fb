"""Translation adapters: fitting, safe save/load, and the shipped L3 -> L6 adapter in the scan path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from vecaudit.encoders.translation import (
    Adapter,
    fit_procrustes,
    fit_ridge,
    from_procrustes,
    from_ridge,
    mean_cosine,
)
from vecaudit.inversion import TranslatedInverter, load_inverter, models_dir
from vecaudit.inversion.corpus import generate_corpus


def test_procrustes_recovers_a_rotation_and_ridge_a_linear_map() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 16)).astype(np.float32)
    q, _ = np.linalg.qr(rng.normal(size=(16, 16)))
    y = x @ q
    np.testing.assert_allclose(fit_procrustes(x, y), q, atol=1e-4)
    m = rng.normal(size=(16, 16))
    w, b = fit_ridge(x, x @ m + 1.0, lam=1e-8)
    np.testing.assert_allclose(w, m, atol=1e-3)
    np.testing.assert_allclose(b, np.ones(16), atol=1e-3)


def test_adapters_round_trip_through_safetensors(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 8)).astype(np.float32)
    for a in (
        from_procrustes("s", "t", fit_procrustes(x, x[:, ::-1].copy()), {}),
        from_ridge("s", "t", *fit_ridge(x, x * 2), {}),
    ):
        a.save(tmp_path / a.kind)
        b = Adapter.load(tmp_path / a.kind)
        assert (b.source_id, b.target_id, b.kind) == ("s", "t", a.kind)
        np.testing.assert_allclose(a.translate(x), b.translate(x), atol=2e-3)  # fp16 on disk
    assert not list(tmp_path.rglob("*.pkl")) and not list(tmp_path.rglob("*.bin"))


SHIPPED = models_dir() / "adapter-paraphrase-MiniLM-L3-v2-to-all-MiniLM-L6-v2"


def test_shipped_adapter_moves_l3_vectors_into_l6_space_and_inverts_them() -> None:
    from vecaudit.encoders.registry import get_encoder

    texts = [s.text for s in generate_corpus(24, seed=77, split="heldout")]
    l3 = get_encoder("paraphrase-MiniLM-L3-v2").embed(texts)
    l6 = get_encoder("all-MiniLM-L6-v2").embed(texts)
    adapter = Adapter.load(SHIPPED)
    raw = mean_cosine(l3, l6)  # the two spaces share some coordinates (same model family), ~0.27
    translated = mean_cosine(adapter.translate(l3), l6)
    assert translated > 0.55 and translated > raw + 0.2

    inv = load_inverter("paraphrase-MiniLM-L3-v2", steps=0, beam=1)
    assert isinstance(inv, TranslatedInverter)
    res = inv.invert(l3[:3])
    assert len(res) == 3
    # The reported cosine is measured in the source (L3) space, by re-embedding the recovered text.
    back = get_encoder("paraphrase-MiniLM-L3-v2").embed([t for t, _ in res])
    expect = (back * l3[:3]).sum(1) / (np.linalg.norm(back, axis=1) * np.linalg.norm(l3[:3], axis=1))
    np.testing.assert_allclose([c for _, c in res], expect, atol=2e-3)
