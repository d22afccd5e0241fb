"""A vector's findings depend on the vector, not on the batch it was scanned in.

Adaptive sampling reads points in a random order, Ray cuts partitions, `--sample` and
`--batch-size` regroup points, and a resume restarts mid-collection: if a vector's recovered text
or the verdict on a value in it changed with its neighbours, none of those would estimate the
same leakage a full scan measures. Every random choice is therefore seeded by content: sampled
candidates by the target vector (and hypothesis ids), the support test's controls by the span and
its text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from clitools import enter_sandbox
from storebuild import build_local
from vecaudit.inversion.backend import TorchBackend, content_key, sample_seed
from vecaudit.inversion.model import InverterConfig, build_lm

POLICY = """\
name: batch-invariance
rules:
  - {entity: PERSON, severity: high}
  - {entity: EMAIL_ADDRESS, severity: high}
  - {entity: PHONE_NUMBER, severity: medium, threshold: 0.4}
  - {entity: US_SSN, severity: critical}
"""


def _tiny_backend() -> tuple[TorchBackend, list[torch.Tensor]]:
    torch.manual_seed(0)
    cfg = InverterConfig(d_model=32, n_layers=2, n_heads=2, ffn=64, vocab_size=64, max_new_tokens=10)
    lm = build_lm(cfg).eval()
    prompts = [torch.randn(n, 32, generator=torch.Generator().manual_seed(n)) for n in (3, 7, 5, 4, 6)]
    return TorchBackend(lm, eos_id=cfg.eos_id, pad_id=cfg.pad_id, batch_size=2), prompts


def test_sampled_candidates_of_a_prompt_do_not_depend_on_its_batch() -> None:
    backend, prompts = _tiny_backend()
    args: dict[str, Any] = {"n": 5, "temperature": 1.0, "max_new_tokens": 10, "seed": 7}
    together = backend.generate(prompts, **args)
    reversed_ = backend.generate(prompts[::-1], **args)[::-1]
    alone = [backend.generate([p], **args)[0] for p in prompts]
    assert together == reversed_ == alone
    # a wider batch regroups the rows in decoding: still the same candidates
    backend.batch_size = 64
    assert backend.generate(prompts, **args) == together
    # sampling is real (more than the greedy text per prompt) and follows the seed
    assert any(len({tuple(c) for c in cands}) > 1 for cands in together)
    assert backend.generate(prompts, **{**args, "seed": 8}) != together


def test_keys_seed_the_candidates_and_equal_keys_sample_alike() -> None:
    backend, prompts = _tiny_backend()
    args: dict[str, Any] = {"n": 4, "temperature": 1.0, "max_new_tokens": 10, "seed": 1}
    key = content_key(torch.ones(4), [1, 2, 3])
    a = backend.generate(prompts[:1], keys=[key], **args)
    b = backend.generate(prompts[1:2] + prompts[:1], keys=[b"other", key], **args)[1]
    assert a[0] == b
    with pytest.raises(ValueError, match="2 keys for 1 prompts"):
        backend.generate(prompts[:1], keys=[key, key], **args)


def test_content_keys_follow_exact_content() -> None:
    v = torch.linspace(-1, 1, 384)
    assert content_key(v) == content_key(v.clone()) == content_key(v.to(torch.float64))
    assert content_key(v) != content_key(v + 1e-7 * (v == v[0]))  # one element, one ulp-scale step
    assert content_key(v, [1, 2]) != content_key(v, [2, 1]) != content_key(v)
    assert sample_seed(0, content_key(v)) != sample_seed(1, content_key(v))
    assert sample_seed(0, content_key(v), 0) != sample_seed(0, content_key(v), 1)


def test_support_verdicts_do_not_depend_on_the_batch() -> None:
    from vecaudit.encoders.minilm import MiniLMEncoder
    from vecaudit.inversion.attribution import SupportTest

    encoder = MiniLMEncoder()
    texts = [
        "Patient Margaret Okonkwo was admitted with chest pain.",
        "Refund for Tomasz Wisniewski, order 55120, call 415-555-0137.",
        "Reset the password for olga.petrova@riverbank.net today.",
        "Invoice for Kenji Marchetti, due in 30 days.",
    ]
    values = [
        ("Margaret Okonkwo", "PERSON"),
        ("Tomasz Wisniewski", "PERSON"),
        ("olga.petrova@riverbank.net", "EMAIL_ADDRESS"),
        ("Kenji Marchetti", "PERSON"),
    ]
    originals = [*texts[:3], "Invoice for Kenji Watanabe, due in 30 days."]
    targets = encoder.embed(originals)
    spans = [[(t.index(v), t.index(v) + len(v), e)] for t, (v, e) in zip(texts, values, strict=True)]
    judge = SupportTest(encoder.embed_tensor).judge

    def verdicts(order: list[int]) -> dict[int, tuple[bool, tuple[float, ...]]]:
        got = judge(targets[order], [texts[i] for i in order], [spans[i] for i in order])
        return {i: (row[0].supported, row[0].zs) for i, row in zip(order, got, strict=True)}

    together = verdicts([0, 1, 2, 3])
    for order in ([3, 2, 1, 0], [2, 0], [1], [3]):
        for i, (supported, zs) in verdicts(order).items():
            assert supported == together[i][0], f"text {i} judged differently in batch {order}"
            np.testing.assert_allclose(zs, together[i][1], atol=1e-3)
    assert together[0][0] and not together[3][0], "the test judges real and invented names"


def test_translated_inversion_samples_by_the_stored_vector_not_its_translation() -> None:
    """Through an adapter the inverter reads a batched matmul's output, whose last bits move with
    the batch size; sampling is keyed by the stored vectors, so a batch of one samples alike."""
    import dataclasses

    from vecaudit.encoders.registry import get_encoder
    from vecaudit.inversion import TranslatedInverter, load_inverter
    from vecaudit.inversion.backend import vector_keys
    from vecaudit.synthetic.corpus import generate_corpus

    texts = [s.text for s in generate_corpus(5, seed=78, split="heldout")]
    stored = get_encoder("paraphrase-MiniLM-L3-v2").embed(texts)
    inv = load_inverter("paraphrase-MiniLM-L3-v2", steps=0, beam=1)
    assert isinstance(inv, TranslatedInverter)
    inv.base.settings = dataclasses.replace(inv.base.settings, candidates=6, temperature=1.0)
    seen: list[list[bytes]] = []
    generate = inv.base.backend.generate

    def spy(prompts: Any, **kw: Any) -> Any:
        seen.append(list(kw["keys"]))
        return generate(prompts, **kw)

    inv.base.backend.generate = spy  # type: ignore[method-assign]
    together = inv.invert(stored)
    alone = [inv.invert(stored[i : i + 1])[0] for i in range(len(texts))]
    assert [t for t, _ in alone] == [t for t, _ in together]
    assert seen[0] == vector_keys(stored)  # the stored rows, not the translated ones
    assert seen[1:] == [[k] for k in vector_keys(stored)]


def test_the_oracle_charges_each_vector_what_it_would_cost_alone() -> None:
    from vecaudit.encoders.registry import get_encoder
    from vecaudit.inversion.attack.oracle import Oracle

    encoder = get_encoder("all-MiniLM-L6-v2")
    vectors = encoder.embed(["a note about the invoice", "call me about the refund"])
    oracle = Oracle(encoder, vectors, budget=10)
    oracle.score(0, ["ann", "bob", "ann"])
    oracle.score(1, ["bob", "cy"])  # "bob" is cached, but vector 1 would pay for it alone
    oracle.score_pairs([0, 1, 1], ["cy", "cy", "dee"])
    assert oracle.calls.tolist() == [3, 3]  # {ann, bob, cy} and {bob, cy, dee}
    assert oracle.computed == 4  # the cache still saves the work
    assert oracle.remaining(0) == 7


@pytest.mark.slow
def test_the_oracle_attack_finds_for_a_vector_what_it_finds_in_any_batch() -> None:
    from vecaudit.encoders.registry import get_encoder
    from vecaudit.inversion.attack.attack import OracleAttack
    from vecaudit.inversion.load import load_inverter

    texts = [
        "Refund request from Dana Whitfield for order 4471.",
        "Dana Whitfield asked to change the delivery address.",
        "The printer on floor two is jammed again.",
    ]
    vectors = get_encoder("all-MiniLM-L6-v2").embed(texts)
    attack = load_inverter("all-MiniLM-L6-v2", attack="quick")
    assert isinstance(attack, OracleAttack)
    together = attack.invert(vectors)
    assert attack.invert(vectors[::-1])[::-1] == together
    assert [attack.invert(vectors[i : i + 1])[0] for i in range(3)] == together


# -- a scan: findings per point are the same at any batch size and in any order ----------------


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from vecaudit.encoders.minilm import MiniLMEncoder
    from vecaudit.synthetic.demo_records import generate

    folder = tmp_path_factory.mktemp("invariance")
    with pytest.MonkeyPatch.context() as mp:  # the CLI tests' sandbox, for the whole module
        enter_sandbox(folder, mp)
        records = generate(36, seed=5, pii_ratio=1.0, collections=("records",))
        vectors = MiniLMEncoder().embed([r.text for r in records])
        build_local(
            folder / "store",
            "records",
            vectors,
            [r.payload for r in records],
            ids=[r.point_id for r in records],
        )
        (folder / "policy.yaml").write_text(POLICY, encoding="utf-8")
        yield folder


def _inversion_facts(folder: Path, run: str, **options: Any) -> dict[str, set[tuple[Any, ...]]]:
    """Per point inverted: its inversion findings (entity type, fingerprint, severity)."""
    from vecaudit.config import ScanConfig
    from vecaudit.rundb import RunDB
    from vecaudit.runner import new_scan

    config = ScanConfig.build(
        target=str(folder / "store"),
        policy=str(folder / "policy.yaml"),
        encoder="all-MiniLM-L6-v2",
        attack="loop",
        steps=1,
        beam=3,  # two sampled hypotheses per vector: the sampled path is exercised
        allow_partial=True,
        **options,
    )
    report = new_scan(config, state_dir=folder / "state", run_id=run).execute().report
    # the points inverted, from the run database (reports list them only with --reveal)
    db = RunDB.open(folder / "state", run)
    try:
        by_point: dict[str, set[tuple[Any, ...]]] = {str(i.point_id): set() for i in db.iter_inversions()}
    finally:
        db.close()
    assert len(by_point) == sum(c.inverted for c in report.collections)
    for f in report.findings:
        if f.source == "inversion":
            by_point.setdefault(str(f.point_id), set()).add((f.entity_type, f.fingerprint, f.severity.value))
    return by_point


@pytest.mark.slow
def test_a_points_inversion_findings_do_not_depend_on_batch_size_or_order(store: Path) -> None:
    whole = _inversion_facts(store, "whole", batch_size=36)
    assert len(whole) == 36
    assert sum(map(len, whole.values())) >= 3, "the store leaks by inversion: there is something to compare"
    assert _inversion_facts(store, "small", batch_size=5) == whole
    # --sample 20 reads 20 points in a keyed random order, in batches of 8: each point finds
    # exactly what the full scan found for it
    sampled = _inversion_facts(store, "sample", batch_size=8, sample=20)
    assert len(sampled) == 20
    assert sampled == {p: whole[p] for p in sampled}
