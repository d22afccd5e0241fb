"""The shipped inverter on CPU, and the training code path end to end at tiny scale."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from vecaudit.errors import InverterError
from vecaudit.inversion import inverter_dir, load_inverter
from vecaudit.synthetic.corpus import generate_corpus

SHIPPED = inverter_dir("all-MiniLM-L6-v2")


def test_the_inverter_ships_in_models() -> None:
    # Every test below needs it; a build that lost it fails here instead of skipping them.
    assert SHIPPED is not None


@pytest.fixture(scope="module")
def inverter():
    inv = load_inverter("all-MiniLM-L6-v2", steps=1, beam=1)
    assert inv is not None
    return inv


@pytest.fixture(scope="module")
def encoder():
    from vecaudit.encoders.registry import get_encoder

    return get_encoder("all-MiniLM-L6-v2")


def test_shipped_weights_are_small_fp16_shards_with_a_model_card() -> None:
    from safetensors import safe_open

    assert SHIPPED is not None
    files = list(SHIPPED.rglob("*.safetensors"))
    assert len(files) >= 2
    for f in files:
        assert f.stat().st_size <= 15 * 1024 * 1024, f
        with safe_open(str(f), "pt") as fh:
            assert {str(fh.get_tensor(k).dtype) for k in fh.keys()} == {"torch.float16"}, f
    card = (SHIPPED / "README.md").read_text()
    for section in ("Data recipe", "Training command", "Metrics", "Known limits"):
        assert section in card
    config = json.loads((SHIPPED / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"]  # what vLLM loads unchanged


def test_shipped_inverter_recovers_text_close_to_the_target(inverter, encoder) -> None:
    samples = generate_corpus(12, seed=2024, split="train")
    vectors = encoder.embed([s.text for s in samples])
    trace = inverter.invert_trace(vectors, {0, 1})
    cos0 = np.array([c for _, c in trace[0]])
    cos1 = np.array([c for _, c in trace[1]])
    # An untrained model of this size lands near 0.1-0.2; the shipped one is far above.
    assert cos0.mean() > 0.75, cos0
    # The sequence beam never loses its best hypothesis, so a correction step cannot hurt.
    assert (cos1 >= cos0 - 1e-5).all()
    # Re-embedding the recovered text reproduces the reported cosine.
    texts = [t for t, _ in trace[1]]
    again = encoder.embed(texts)
    np.testing.assert_allclose((again * vectors).sum(1) / np.linalg.norm(vectors, axis=1), cos1, atol=2e-3)


def test_inverter_rejects_bad_vectors_clearly(inverter) -> None:
    with pytest.raises(InverterError, match="dimension 384"):
        inverter.invert(np.ones((2, 128), dtype=np.float32))
    bad = np.ones((2, 384), dtype=np.float32)
    bad[1, 3] = np.nan
    with pytest.raises(InverterError, match="NaN"):
        inverter.invert(bad)


def test_tiny_training_runs_resumes_and_exports(tmp_path: Path) -> None:
    from vecaudit.inversion.inverter import InversionSettings, build_inverter
    from vecaudit.training import inverter_cli

    assert SHIPPED is not None
    out, export = tmp_path / "run", tmp_path / "export"
    common = [
        "--out",
        str(out),
        "--tiny",
        "--n-train",
        "200",
        "--n-eval",
        "4",
        "--batch-size",
        "8",
        "--pool-steps",
        "2",
        "--onpolicy-after",
        "3",
        "--eval-every",
        "1e9",
        "--gen-batch",
        "16",
        "--tokenizer-dir",
        str(SHIPPED),
    ]
    assert inverter_cli.main([*common, "--max-steps", "4"]) == 0
    assert json.loads((out / "ckpt" / "meta.json").read_text())["step"] == 4
    assert inverter_cli.main([*common, "--max-steps", "6", "--export", str(export)]) == 0
    meta = json.loads((out / "ckpt" / "meta.json").read_text())
    assert meta["step"] == 6  # resumed from step 4, not restarted
    # The compliance report reads the training time from the exported log's meta.elapsed.
    exported_meta = json.loads((export / "training_log.json").read_text())["meta"]
    assert exported_meta["step"] == 6 and exported_meta["elapsed"] > 0
    assert (out / "train.log").read_text().count("resumed at step 4") == 1

    from vecaudit.encoders.minilm import MiniLMEncoder

    enc = MiniLMEncoder()
    inv = build_inverter(export, enc.embed_tensor, settings=InversionSettings(steps=1, beam=2, candidates=2))
    res = inv.invert(enc.embed(["Jane Doe, jane@x.org", "call 555-123-4567"]))
    assert len(res) == 2 and all(isinstance(t, str) and -1.0 <= c <= 1.0 for t, c in res)


def test_warm_start_loads_an_exported_inverter_and_only_when_not_resuming(tmp_path: Path) -> None:
    from safetensors.torch import load_file
    from vecaudit.training import inverter_cli

    assert SHIPPED is not None
    common = ["--tiny", "--n-train", "120", "--n-eval", "2", "--batch-size", "8", "--pool-steps", "2"]
    common += ["--eval-every", "1e9", "--gen-batch", "16", "--tokenizer-dir", str(SHIPPED)]
    src = tmp_path / "src"
    assert (
        inverter_cli.main(["--out", str(tmp_path / "a"), *common, "--max-steps", "2", "--export", str(src)])
        == 0
    )
    out = tmp_path / "b"
    # A step at learning rate 0 leaves in the checkpoint exactly the weights the run started from.
    assert (
        inverter_cli.main(
            ["--out", str(out), *common, "--max-steps", "1", "--lr", "0", "--init-from", str(src)]
        )
        == 0
    )
    started = load_file(str(out / "ckpt" / "model.safetensors"))
    exported = load_file(str(src / "projector" / "projector.safetensors"))
    for k, v in exported.items():
        torch.testing.assert_close(started[f"proj.{k}"], v.float(), atol=1e-3, rtol=1e-3)
    assert "warm-started from" in (out / "train.log").read_text()
    # A run that resumes its own checkpoint ignores --init-from.
    assert inverter_cli.main(["--out", str(out), *common, "--max-steps", "2", "--init-from", str(src)]) == 0
    assert (out / "train.log").read_text().count("warm-started from") == 1


def test_beam_merge_reuses_a_text_another_point_already_holds(inverter) -> None:
    """Two points proposing the same text, known only from the other's beam, must not crash."""
    from vecaudit.inversion.inverter import _Beam

    text = "Jane Doe wrote in"
    ids = inverter.tokenizer(text, add_special_tokens=False)["input_ids"]
    e = torch.nn.functional.normalize(torch.randn(2, 384), dim=-1)
    emb = torch.nn.functional.normalize(inverter.embed([text]).float(), dim=-1)[0]
    beams = [_Beam([text], [ids], [float(emb @ e[0])], [emb], [emb]), _Beam()]
    saved = inverter.settings
    inverter.settings = dataclasses.replace(saved, beam=2)
    try:
        inverter._merge(beams, [0, 1], [[ids], [ids]], e)
    finally:
        inverter.settings = saved
    assert beams[1].texts == [text]
    assert abs(beams[1].cos[0] - float(emb @ e[1])) < 1e-5


def test_a_judge_ranks_candidates_in_its_own_space(inverter) -> None:
    """Translated inversion ranks candidates against the stored source vector, not the translation."""
    from vecaudit.encoders.registry import get_encoder
    from vecaudit.inversion.inverter import Judge, _Beam

    first, second = "Maria Rossi paid the invoice", "the weather was cold in March"
    ids = [inverter.tokenizer(t, add_special_tokens=False)["input_ids"] for t in (first, second)]
    l3 = get_encoder("paraphrase-MiniLM-L3-v2")
    e = torch.nn.functional.normalize(inverter.embed([first]).float(), dim=-1)  # target space: first
    source = torch.nn.functional.normalize(torch.from_numpy(l3.embed([second])), dim=-1)  # source: second

    plain = [_Beam()]
    inverter._merge(plain, [0], [ids], e)
    assert plain[0].texts == [first]

    judged = [_Beam()]
    judge = Judge(lambda texts: torch.from_numpy(l3.embed(list(texts))), source)
    inverter._merge(judged, [0], [ids], e, judge)
    assert judged[0].texts == [second]
    assert abs(judged[0].cos[0] - 1.0) < 1e-4  # the judge's cosine is what gets reported
    # The corrector still needs the target-space embedding of the kept text.
    want = torch.nn.functional.normalize(inverter.embed([second]).float(), dim=-1)[0]
    assert torch.allclose(judged[0].embs[0], want, atol=1e-5)
    with pytest.raises(InverterError, match="judge has 1 targets for 2 vectors"):
        inverter.invert(np.vstack([e.numpy(), e.numpy()]), judge=judge)


def test_training_can_read_translated_and_noisy_vectors(tmp_path: Path) -> None:
    """Rows may read the L3 -> L6 translation or a noisy vector of the same text (issue 3)."""
    from vecaudit.encoders.registry import get_encoder
    from vecaudit.encoders.translation import find_adapter
    from vecaudit.inversion import models_dir
    from vecaudit.training.inverter import TrainArgs, Trainer
    from vecaudit.training.inverter_cli import TINY

    assert SHIPPED is not None
    common = dict(
        out_dir=tmp_path, tokenizer_dir=SHIPPED, n_train=120, n_eval=2, batch_size=8, model=dict(TINY)
    )
    t = Trainer(TrainArgs(**common, translated_from="paraphrase-MiniLM-L3-v2", translated_share=1.0))  # type: ignore[arg-type]
    rows = torch.arange(6)
    got = t._model_inputs(rows)
    # Every row reads the translation: the same vector the shipped adapter gives for the L3 vector.
    adapter = find_adapter(models_dir(), "paraphrase-MiniLM-L3-v2")
    assert adapter is not None
    first = [s.text for s in generate_corpus(120, 0, "train")][:1]
    want = adapter.translate(get_encoder("paraphrase-MiniLM-L3-v2").embed(first))[0]
    np.testing.assert_allclose(got[0].numpy(), want, atol=2e-3)  # fp16 cache
    assert float((got * t.data["emb"][rows].float()).sum(-1).mean()) < 0.95  # not the truth
    assert (tmp_path / "data" / "translated-paraphrase-MiniLM-L3-v2.safetensors").is_file()
    assert float(t.train_step()) > 0

    noisy = Trainer(TrainArgs(**common, input_noise_share=1.0, input_noise_max=0.05))  # type: ignore[arg-type]
    got = noisy._model_inputs(rows)
    truth = noisy.data["emb"][rows].float()
    assert torch.allclose(got.norm(dim=-1), torch.ones(6), atol=1e-4)
    assert 0.5 < float((got * truth).sum(-1).min()) < 0.9999
    clean = Trainer(TrainArgs(**common))  # type: ignore[arg-type]
    assert torch.equal(clean._model_inputs(rows), clean.data["emb"][rows].float())

    with pytest.raises(ValueError, match="translated_share needs translated_from"):
        TrainArgs(out_dir=tmp_path, translated_share=0.5)
    with pytest.raises(ValueError, match="input_noise_share must be between 0 and 1"):
        TrainArgs(out_dir=tmp_path, input_noise_share=1.5)
