"""Inverter building blocks: synthetic data, metrics, prompts and batched decoding."""

from __future__ import annotations

import torch
from vecaudit.inversion.generate import generate_from_embeds
from vecaudit.inversion.metrics import corpus_bleu, pii_share, summarize, token_f1, value_recovered
from vecaudit.inversion.model import InverterConfig, build_lm
from vecaudit.synthetic.corpus import generate_corpus, styles_for
from vecaudit.synthetic.pii_styles import HELDOUT_STYLES


def test_heldout_styles_never_reach_training_data() -> None:
    train = generate_corpus(400, seed=3, split="train")
    held = generate_corpus(100, seed=3, split="heldout")
    assert not HELDOUT_STYLES & set(styles_for("train"))
    assert {s.style for s in train}.isdisjoint(HELDOUT_STYLES)
    assert {s.style for s in held} <= HELDOUT_STYLES
    assert len({s.text for s in train}) == len(train), "corpus must be deduplicated"


def test_every_labelled_entity_is_in_its_text() -> None:
    for s in generate_corpus(300, seed=5):
        for etype, value in s.entities:
            # "First name: Ann Last name: Lee" labels "Ann Lee", whose parts stand apart in the text.
            parts_present = all(p.lower() in s.text.lower() for p in value.split())
            assert value_recovered(etype, value, s.text) or (etype == "PERSON" and parts_present), (
                etype,
                value,
                s.text,
            )


def test_verbatim_recovery_ignores_case_spacing_and_number_format() -> None:
    assert value_recovered("PERSON", "John Smith", "call JOHN  smith today")
    assert not value_recovered("PERSON", "John Smith", "call John Smyth today")
    assert value_recovered("US_SSN", "575-85-5582", "ssn 575 85 5582")
    assert not value_recovered("US_SSN", "575-85-5582", "ssn 575-85-5583")
    assert value_recovered("EMAIL_ADDRESS", "a.b@x.com", "mail A.B @ X.com")


def test_text_metrics_rank_better_recoveries_higher() -> None:
    ref = ["the patient john smith was admitted on monday"]
    assert corpus_bleu(ref, ref) > 99
    assert corpus_bleu(ref, ["the patient jane doe was admitted on friday"]) < corpus_bleu(
        ref, ["the patient john smith was admitted on friday"]
    )
    assert token_f1(ref[0], "completely different words") == 0.0
    m = summarize(ref, ref, [[("PERSON", "John Smith")]])
    assert m["exact"] == 1.0 and m["pii_PERSON"] == 1.0
    # The pooled share weighs each entity type by how many values it has: 2 of 3 here.
    refs = ["mail ann@x.org or bob@y.org", "call 555-201-3344"]
    hyps = ["mail ann@x.org or bob@y.org", "call 555-000-0000"]
    emails = [("EMAIL_ADDRESS", "ann@x.org"), ("EMAIL_ADDRESS", "bob@y.org")]
    ents = [emails, [("PHONE_NUMBER", "555-201-3344")]]
    assert abs(pii_share(summarize(refs, hyps, ents)) - 2 / 3) < 1e-9
    assert pii_share({}) == 0.0


def test_batched_kv_decoding_matches_one_by_one() -> None:
    torch.manual_seed(0)
    cfg = InverterConfig(d_model=32, n_layers=2, n_heads=2, ffn=64, vocab_size=64, max_new_tokens=12)
    lm = build_lm(cfg).eval()
    prompts = [torch.randn(n, 32) for n in (3, 7, 5)]  # different lengths exercise left padding
    batched = generate_from_embeds(lm, prompts, max_new_tokens=12, eos_id=cfg.eos_id)
    single = [generate_from_embeds(lm, [p], max_new_tokens=12, eos_id=cfg.eos_id)[0] for p in prompts]
    assert batched == single
    assert all(len(r) > 0 for r in batched)


def test_training_corpus_mixes_natural_text_and_perturbed_templates() -> None:
    from vecaudit.synthetic.mix import MIX_STYLES
    from vecaudit.synthetic.natural import stdlib_sentences, vocab_words

    assert len(stdlib_sentences()) > 2000 and len(vocab_words()) > 10000
    train = generate_corpus(1500, seed=11, split="train")
    styles = {s.style for s in train}
    assert set(MIX_STYLES) <= styles
    # PII spliced into prose or word salad is labelled, and stays verbatim in the text.
    mixed = [s for s in train if s.style in ("doc_with_pii", "word_salad")]
    assert mixed and all(s.entities for s in mixed)
    for s in mixed:
        for etype, value in s.entities:
            assert value_recovered(etype, value, s.text) or etype == "PERSON", (etype, value, s.text)
    held = generate_corpus(300, seed=11, split="heldout")
    assert not {s.style for s in held} & set(MIX_STYLES)


def test_corpus_is_the_same_under_any_hash_seed() -> None:
    """Faker's Italian city list follows set order; the corpus must not."""
    import os
    import subprocess
    import sys

    code = (
        "import hashlib; from vecaudit.synthetic.corpus import iter_samples; "
        "t = '\\n'.join(s.text for s in iter_samples(600, 3, 'train')); "
        "h = '\\n'.join(s.text for s in iter_samples(600, 3, 'heldout')); "
        "print(hashlib.sha256((t + h).encode()).hexdigest())"
    )
    digests = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1
