"""Embedding throughput: length-ordered batches (what the encoders do now) against input order.

Stores hold texts of very different lengths, and a batch pads to its longest member, so a batch
in input order spends most of its compute on padding. The encoders now embed in length order and
scatter rows back. The naive loop feeds the same encoder one input-order batch at a time (a
single batch has nothing to reorder across), so both sides run the same model code.

    .venv/bin/python bench/bench_embed_length_order.py [--n 3000] [--batch 64]
"""

from __future__ import annotations

import argparse
import os
import random
import time

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from vecaudit.encoders.registry import get_encoder  # noqa: E402
from vecaudit.synthetic.corpus import generate_corpus  # noqa: E402
from vecaudit.synthetic.natural import stdlib_sentences  # noqa: E402


def mixed_texts(n: int) -> list[str]:
    """Short records, templated PII sentences and multi-sentence documents, shuffled."""
    rng = random.Random(7)
    short = [s.text for s in generate_corpus(n // 2, 31, "heldout")]
    prose = list(stdlib_sentences())
    docs = [" ".join(rng.sample(prose, rng.randint(2, 12))) for _ in range(n - len(short))]
    texts = short + docs
    rng.shuffle(texts)
    return texts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()
    texts = mixed_texts(args.n)
    lengths = np.array([len(t) for t in texts])
    median, p90 = int(np.median(lengths)), int(np.percentile(lengths, 90))
    print(f"{len(texts)} texts, characters: median {median}, p90 {p90}")
    print("| encoder | input order (texts/s) | length order (texts/s) | ratio | max abs diff |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for eid in ("all-MiniLM-L6-v2", "paraphrase-MiniLM-L3-v2"):
        enc = get_encoder(eid)
        enc.embed(texts[:64])  # warm up
        t0 = time.perf_counter()
        naive = np.concatenate(
            [enc.embed(texts[i : i + args.batch], args.batch) for i in range(0, len(texts), args.batch)]
        )
        t_naive = time.perf_counter() - t0
        t0 = time.perf_counter()
        ours = enc.embed(texts, args.batch)
        t_ours = time.perf_counter() - t0
        diff = float(np.abs(naive - ours).max())
        print(
            f"| {eid} | {len(texts) / t_naive:.1f} | {len(texts) / t_ours:.1f} | "
            f"{t_naive / t_ours:.2f}x | {diff:.1e} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
