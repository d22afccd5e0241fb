"""Batched KV-cache decoding against naive per-sample Hugging Face `generate`, in one run.

Both decode the same hypothesizer prompts greedily with the shipped inverter; the script checks
that the outputs agree and prints vectors/s for each and the ratio.

    .venv/bin/python bench/bench_inversion_decode.py --n 64
"""

from __future__ import annotations

import argparse
import time

import torch
from vecaudit.encoders.minilm import MiniLMEncoder
from vecaudit.inversion import inverter_dir
from vecaudit.inversion.generate import generate_from_embeds
from vecaudit.inversion.inverter import load_parts
from vecaudit.inversion.prompts import hypothesis_prompts
from vecaudit.synthetic.corpus import generate_corpus


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    path = inverter_dir("all-MiniLM-L6-v2")
    assert path is not None, "no shipped inverter"
    cfg, lm, proj, _tok = load_parts(path, device=a.device)
    enc = MiniLMEncoder(device=a.device)
    texts = [s.text for s in generate_corpus(a.n, 99, "heldout")]
    e = enc.embed_tensor(texts)
    with torch.inference_mode():
        prompts = list(hypothesis_prompts(lm, proj, cfg, e))
        generate_from_embeds(lm, prompts[:2], max_new_tokens=4, eos_id=cfg.eos_id)  # warm up

        t0 = time.perf_counter()
        ours: list[list[int]] = []
        for s in range(0, len(prompts), a.batch):
            ours += generate_from_embeds(
                lm, prompts[s : s + a.batch], max_new_tokens=cfg.max_new_tokens, eos_id=cfg.eos_id
            )
        t_ours = time.perf_counter() - t0

        t0 = time.perf_counter()
        naive: list[list[int]] = []
        for p in prompts:
            out = lm.generate(
                inputs_embeds=p[None],
                attention_mask=torch.ones((1, p.shape[0]), dtype=torch.long, device=p.device),
                max_new_tokens=cfg.max_new_tokens,
                do_sample=False,
                eos_token_id=cfg.eos_id,
                pad_token_id=cfg.pad_id,
            )
            row = out[0].tolist()
            naive.append(row[: row.index(cfg.eos_id)] if cfg.eos_id in row else row)
        t_naive = time.perf_counter() - t0
    same = sum(a_ == b_ for a_, b_ in zip(ours, naive, strict=True))
    print(f"vectors: {a.n}, device: {a.device}, batch: {a.batch}, threads: {torch.get_num_threads()}")
    print(f"batched KV-cache decode : {a.n / t_ours:8.2f} vectors/s ({t_ours:.2f}s)")
    print(f"naive per-sample generate: {a.n / t_naive:8.2f} vectors/s ({t_naive:.2f}s)")
    print(f"ratio (ours / naive)     : {t_naive / t_ours:8.2f}x")
    print(f"identical greedy outputs : {same}/{a.n}")


if __name__ == "__main__":
    main()
