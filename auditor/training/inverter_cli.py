"""`vecaudit train inverter`: argument parsing kept apart from the training code."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

TINY = {
    "d_model": 64,
    "n_layers": 2,
    "n_heads": 2,
    "ffn": 128,
    "proj_hidden": 64,
    "hyp_tokens": 4,
    "corr_tokens": 4,
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--encoder", default="all-MiniLM-L6-v2", help="encoder whose vectors the inverter reads")
    p.add_argument("--out", type=Path, required=True, help="work folder: data cache, checkpoints, logs")
    p.add_argument("--export", type=Path, help="write the fp16 inverter folder here when done")
    p.add_argument(
        "--encoder-dir", type=Path, help="local folder with the encoder weights (default: its package)"
    )
    p.add_argument("--tokenizer-dir", type=Path, help="reuse this output tokenizer instead of training one")
    p.add_argument("--n-train", type=int, default=200_000, help="synthetic training texts to generate")
    p.add_argument("--n-eval", type=int, default=512)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--time-budget", type=float, default=600.0, help="training seconds, summed over resumes")
    p.add_argument("--max-steps", type=int, default=0)
    p.add_argument("--pool-steps", type=int, default=400)
    p.add_argument("--onpolicy-after", type=int, default=600)
    p.add_argument("--ckpt-every", type=float, default=240.0)
    p.add_argument("--eval-every", type=float, default=240.0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--gen-batch", type=int, default=2048)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--init-from", type=Path, help="warm-start from this exported inverter folder (ignored on resume)"
    )
    p.add_argument(
        "--prepare-only", action="store_true", help="build the data cache and evaluation sets, then exit"
    )
    p.add_argument(
        "--input-noise-share", type=float, default=0.0, help="share of rows read with a noisy vector"
    )
    p.add_argument("--input-noise-max", type=float, default=0.07, help="largest noise sigma (unit vectors)")
    p.add_argument(
        "--translated-from", help="source encoder whose adapter-translated vectors some rows read instead"
    )
    p.add_argument("--translated-share", type=float, default=0.0, help="share of rows read translated")
    p.add_argument("--tiny", action="store_true", help="a tiny model that proves the code path on CPU")
    p.add_argument("--model", default="{}", help='JSON overrides of the model config, e.g. {"n_layers": 6}')


def run(ns: argparse.Namespace) -> int:
    from .inverter import TrainArgs, Trainer

    if ns.encoder != "all-MiniLM-L6-v2":
        print(f"error: no inverter training recipe for encoder {ns.encoder!r} yet", file=sys.stderr)
        return 2
    model = dict(TINY) if ns.tiny else {}
    model.update(json.loads(ns.model))
    ns.out.mkdir(parents=True, exist_ok=True)
    _setup_logging(ns.out / "train.log")
    args = TrainArgs(
        out_dir=ns.out,
        encoder_dir=ns.encoder_dir,
        tokenizer_dir=ns.tokenizer_dir,
        n_train=ns.n_train,
        n_eval=ns.n_eval,
        batch_size=ns.batch_size,
        lr=ns.lr,
        time_budget=ns.time_budget,
        max_steps=ns.max_steps,
        pool_steps=ns.pool_steps,
        onpolicy_after=ns.onpolicy_after,
        ckpt_every=ns.ckpt_every,
        eval_every=ns.eval_every,
        device=ns.device,
        seed=ns.seed,
        workers=ns.workers,
        gen_batch=ns.gen_batch,
        init_from=ns.init_from,
        model=model,
        input_noise_share=ns.input_noise_share,
        input_noise_max=ns.input_noise_max,
        translated_from=ns.translated_from,
        translated_share=ns.translated_share,
    )
    trainer = Trainer(args)
    if ns.prepare_only:
        return 0
    trainer.run()
    if ns.export:
        trainer.export(ns.export)
    return 0


def _setup_logging(path: Path) -> None:
    logger = logging.getLogger("vecaudit.train")
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()
    fmt = logging.Formatter("%(asctime)s %(message)s")
    for h in (logging.StreamHandler(), logging.FileHandler(path)):
        h.setFormatter(fmt)
        logger.addHandler(h)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="vecaudit train inverter")
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
