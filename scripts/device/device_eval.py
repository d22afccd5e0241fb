"""Evaluate an exported inverter on a GPU: the steps x beam table on held-out styles, and the
torch backend's vectors per second at each setting (run by device_train.sh finish)."""

from __future__ import annotations

import sys
import time

import torch
from vecaudit.encoders.minilm import MiniLMEncoder
from vecaudit.inversion.evaluate import format_table, run_eval
from vecaudit.inversion.inverter import InversionSettings, build_inverter


def main(model_dir: str, encoder_dir: str, n: int = 256, n_speed: int = 1024) -> None:
    dev = "cuda" if torch.cuda.is_available() else "cpu"  # cpu: only to smoke-test this script
    cuda = dev == "cuda"
    enc = MiniLMEncoder(encoder_dir, device=dev, dtype=torch.float16 if cuda else torch.float32)

    def embed(texts):  # type: ignore[no-untyped-def]
        return enc.embed_tensor(list(texts), batch_size=512).float().cpu()

    inv = build_inverter(model_dir, embed, device=dev, settings=InversionSettings(), batch_size=512)
    for split in ("heldout", "train"):
        t0 = time.perf_counter()
        with torch.autocast(dev, dtype=torch.bfloat16, enabled=cuda):
            rows = run_eval(inv, embed, n=n, split=split, steps=(0, 1, 5, 20), beams=(1, 4))  # type: ignore[arg-type]
        print(f"== {split} (n={n}, {time.perf_counter() - t0:.0f}s)")
        print(format_table(rows))
        for beam in (1, 4):
            secs = next(r.seconds for r in rows if r.beam == beam)
            print(f"beam {beam}, up to 20 steps: {n / secs:.1f} vectors/s")
    # Throughput of the hypothesis step alone and of full strength, at a larger batch.
    import numpy as np
    from vecaudit.synthetic.corpus import generate_corpus

    vecs = np.asarray(embed([s.text for s in generate_corpus(n_speed, 99, "heldout")]), dtype=np.float32)
    for steps, beam in ((0, 1), (1, 1), (20, 4)):
        inv.settings = InversionSettings(steps=steps, beam=beam, candidates=beam, temperature=0.7)
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.autocast(dev, dtype=torch.bfloat16, enabled=cuda):
            inv.invert(vecs)
        if cuda:
            torch.cuda.synchronize()
        print(f"throughput steps={steps} beam={beam}: {len(vecs) / (time.perf_counter() - t0):.1f} vectors/s")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:5]))
