"""Build deduplicated synthetic corpora for training and evaluating inverters.

`split="train"` draws only from training styles; `split="heldout"` only from HELDOUT_STYLES, so
evaluation numbers speak about phrasing the model never saw.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Literal

from .factory import ValueFactory
from .mix import MIX_STYLES, generate_mix, perturb_template
from .pii_styles import HELDOUT_STYLES, all_styles, generate
from .templates import Sample

Split = Literal["train", "heldout"]

# Non-PII prose and PII mixed into prose: stores hold a lot of text without identifiers.
# The mix styles put PII into contexts no template has (see `mix`).
_EXTRA_TRAIN = ["prose", "prose_with_pii", *MIX_STYLES]
_STYLE_WEIGHT = {"prose": 0.35, "kv_record": 2.0, "clause_chain": 2.0, "doc_prose": 1.5}
_STYLE_WEIGHT.update({"doc_with_pii": 5.0, "word_salad": 4.0})
PERTURB_SHARE = 0.3  # of templated training samples whose non-PII words are perturbed


def styles_for(split: Split) -> list[str]:
    """The style names a split draws from; the two splits share no style."""
    if split == "heldout":
        return sorted(HELDOUT_STYLES)
    return [s for s in all_styles() if s not in HELDOUT_STYLES] + _EXTRA_TRAIN


def _perturb_some(template: str, vf: ValueFactory) -> str:
    return perturb_template(template, vf) if vf.rng.random() < PERTURB_SHARE else template


def _one(vf: ValueFactory, style: str, split: Split = "heldout") -> Sample:
    if style in MIX_STYLES:
        return generate_mix(vf, style)
    if style == "prose":
        return Sample(text=vf.sentence(vf.int_(5, 16)), style=style)
    if style == "prose_with_pii":
        base = generate(vf, vf.rng.choice(["chat", "clause_chain", "kv_record", "support_ticket"]))
        lead = vf.sentence(vf.int_(3, 8))
        if vf.rng.random() < 0.5:
            base.text = f"{lead} {base.text}"
        else:
            base.text = f"{base.text} {lead}"
        base.style = style
        return base
    # Held-out samples are never perturbed, so their random stream matches earlier sessions.
    return generate(vf, style, _perturb_some if split == "train" else None)


def iter_samples(n: int, seed: int, split: Split = "train") -> Iterator[Sample]:
    """Up to `n` unique, non-empty samples of `split`, deterministic for a seed (4n attempts at most)."""
    vf = ValueFactory(seed)
    styles = styles_for(split)
    weights = [_STYLE_WEIGHT.get(s, 1.0) for s in styles]
    seen: set[str] = set()
    produced = 0
    attempts = 0
    while produced < n and attempts < n * 4:
        attempts += 1
        style = vf.rng.choices(styles, weights)[0]
        s = _one(vf, style, split)
        if s.text in seen or not s.text.strip():
            continue
        seen.add(s.text)
        produced += 1
        yield s


def _chunk(args: tuple[int, int, Split]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    n, seed, split = args
    return [(s.text, s.style, s.entities) for s in iter_samples(n, seed, split)]


def generate_corpus(n: int, seed: int, split: Split = "train", workers: int = 1) -> list[Sample]:
    """Generate about n unique samples, in parallel when workers > 1, deduplicated globally."""
    if workers <= 1:
        return list(iter_samples(n, seed, split))
    per = -(-n // workers)
    jobs = [(per, seed * 1000 + i, split) for i in range(workers)]
    out: list[Sample] = []
    seen: set[str] = set()
    with ProcessPoolExecutor(workers) as ex:
        for rows in ex.map(_chunk, jobs):
            for text, style, ents in rows:
                if text not in seen:
                    seen.add(text)
                    out.append(Sample(text, style, [tuple(e) for e in ents]))  # type: ignore[misc]
    return out[:n]
