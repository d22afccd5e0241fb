"""Train the shared hypothesizer/corrector LM and its projector.

One batch mixes hypothesizer rows (soft tokens of e -> text) and corrector rows (soft tokens of
(e, ê) plus the hypothesis -> text). Corrector hypotheses start as token-level corruptions of the
truth and, once the model can write, come from the model itself (sampled and greedy first
hypotheses, and corrections of those), so the corrector learns to fix the errors it will meet.

Everything resumes from `out_dir/ckpt/` (weights and optimizer state in safetensors) and the
schedule runs on a wall-clock budget, which fits devices that give 10-minute slices.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from ..encoders.minilm import MiniLMEncoder
from ..inversion.backend import TorchBackend
from ..inversion.generate import generate_from_embeds
from ..inversion.inverter import InversionSettings, Inverter
from ..inversion.metrics import summarize
from ..inversion.model import (
    INVERTER_CONFIG,
    PROJECTOR_DIR,
    PROJECTOR_FILE,
    InverterConfig,
    Projector,
    build_lm,
    count_params,
)
from ..inversion.prompts import correction_prompts, hypothesis_prompts, teacher_forced_nll
from ..inversion.tokenizer import load_tokenizer, save_tokenizer, train_tokenizer
from ..synthetic.corpus import generate_corpus
from ..synthetic.templates import Sample

log = logging.getLogger("vecaudit.train")


def save_jsonl(samples: list[Sample], path: Path) -> None:
    """Cache `samples` as JSON lines (text, style, entities)."""
    with path.open("w", encoding="utf-8") as fh:
        for s in samples:
            fh.write(json.dumps({"text": s.text, "style": s.style, "entities": s.entities}) + "\n")


def load_jsonl(path: Path) -> list[Sample]:
    """Read back what `save_jsonl` wrote."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            out.append(Sample(d["text"], d["style"], [tuple(e) for e in d["entities"]]))  # type: ignore[misc]
    return out


@dataclass
class TrainArgs:
    out_dir: Path
    encoder_dir: Path | None = None
    tokenizer_dir: Path | None = None
    n_train: int = 200_000
    n_eval: int = 512
    batch_size: int = 256
    lr: float = 1e-3
    time_budget: float = 600.0  # seconds of training across all resumes
    max_steps: int = 0  # 0: no step cap, the time budget rules
    pool_steps: int = 400  # corrector pool refreshed every this many steps
    onpolicy_after: int = 600  # first on-policy pool after this many steps
    ckpt_every: float = 240.0
    eval_every: float = 240.0
    device: str = "cpu"
    seed: int = 0
    workers: int = 1
    gen_batch: int = 2048
    init_from: Path | None = None  # exported inverter folder to warm-start from (no checkpoint yet)
    model: dict[str, int] = field(default_factory=dict)  # InverterConfig overrides
    # Off-truth inputs (issue 3): translated and noisy stores hand the inverter vectors that are
    # only near the truth, and a model trained on exact vectors alone collapses on them.
    input_noise_share: float = 0.0  # share of rows whose vector gets Gaussian noise
    input_noise_max: float = 0.07  # noise sigma is drawn from U(0, this); 0.07 is a cosine of ~0.6
    translated_from: str | None = None  # source encoder: rows may read its translated vectors
    translated_share: float = 0.0  # share of rows that read the translation instead of the truth

    def __post_init__(self) -> None:
        for name in ("input_noise_share", "translated_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.input_noise_max < 0:
            raise ValueError("input_noise_max must not be negative")
        if self.translated_share > 0 and not self.translated_from:
            raise ValueError("translated_share needs translated_from (the source encoder)")


# -- data ------------------------------------------------------------------------------------


def _prepare(args: TrainArgs, cfg: InverterConfig, enc: MiniLMEncoder, tok) -> dict[str, torch.Tensor]:
    data_dir = args.out_dir / "data"
    cache = data_dir / "train.safetensors"
    if cache.is_file():
        return {k: v.to(args.device) for k, v in load_file(str(cache)).items()}
    data_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    samples = generate_corpus(args.n_train, args.seed, "train", args.workers)
    log.info("generated %d training texts in %.1fs", len(samples), time.time() - t0)
    texts = [s.text for s in samples]
    ids = tok(texts, add_special_tokens=False)["input_ids"]  # type: ignore[operator]
    limit = cfg.max_new_tokens - 1
    keep = [i for i, r in enumerate(ids) if 0 < len(r) <= limit]
    texts = [texts[i] for i in keep]
    ids = [ids[i] for i in keep]
    toks = torch.zeros((len(ids), limit), dtype=torch.int32)
    lens = torch.tensor([len(r) for r in ids], dtype=torch.int32)
    for i, r in enumerate(ids):
        toks[i, : len(r)] = torch.tensor(r, dtype=torch.int32)
    t0 = time.time()
    # The encoder embeds in length order itself; a big batch only pays on a GPU.
    emb = enc.embed_tensor(texts, batch_size=2048 if args.device.startswith("cuda") else 64)
    emb = emb.to(torch.float16).cpu()
    log.info("embedded %d texts in %.1fs", len(texts), time.time() - t0)
    data = {"tokens": toks, "lengths": lens, "emb": emb.cpu()}
    save_file(data, str(cache))
    return {k: v.to(args.device) for k, v in data.items()}


def _prepare_translated(args: TrainArgs, cfg: InverterConfig) -> torch.Tensor:
    """Training texts embedded by `args.translated_from` and mapped through its shipped adapter.

    Cached beside the main data; rows line up with the main cache (same texts, same filter).
    """
    from ..encoders.registry import get_encoder
    from ..encoders.translation import find_adapter
    from ..inversion import models_dir

    assert args.translated_from is not None
    cache = args.out_dir / "data" / f"translated-{args.translated_from}.safetensors"
    if cache.is_file():
        return load_file(str(cache))["emb"].to(args.device)
    adapter = find_adapter(models_dir(), args.translated_from)
    if adapter is None or adapter.target_id != cfg.encoder:
        raise ValueError(f"no shipped adapter from {args.translated_from} to {cfg.encoder}")
    tok = load_tokenizer(args.out_dir / "tokenizer")
    texts = [s.text for s in generate_corpus(args.n_train, args.seed, "train", args.workers)]
    ids = tok(texts, add_special_tokens=False)["input_ids"]  # type: ignore[operator]
    texts = [t for t, r in zip(texts, ids, strict=True) if 0 < len(r) <= cfg.max_new_tokens - 1]
    t0 = time.time()
    vecs = adapter.translate(get_encoder(args.translated_from).embed(texts))
    log.info("translated %d texts from %s in %.1fs", len(texts), args.translated_from, time.time() - t0)
    emb = torch.from_numpy(vecs).to(torch.float16)
    save_file({"emb": emb}, str(cache))
    return emb.to(args.device)


def _eval_set(args: TrainArgs, split: str) -> list[Sample]:
    path = args.out_dir / "data" / f"eval_{split}.jsonl"
    if path.is_file():
        return load_jsonl(path)
    samples = generate_corpus(args.n_eval, args.seed + 7919, split)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    save_jsonl(samples, path)
    return samples


# -- batches ---------------------------------------------------------------------------------


def _rows_to_batch(rows: list[tuple[list[int], list[int]]], cfg: InverterConfig, device: torch.device):
    """rows: (input token ids after the prefix, target positions mask-aligned list) -> padded tensors."""
    t = max(len(r[0]) for r in rows)
    # Filled in numpy and moved once: a torch.tensor per row costs more than the GPU step.
    ids = np.full((len(rows), t), cfg.pad_id, dtype=np.int64)
    tgt = np.full((len(rows), t), -100, dtype=np.int64)
    for i, (inp, lab) in enumerate(rows):
        ids[i, : len(inp)] = inp
        tgt[i, : len(lab)] = lab
    return (
        torch.from_numpy(ids).to(device, non_blocking=True),
        torch.from_numpy(tgt).to(device, non_blocking=True),
    )


def _hyp_row(y: list[int], cfg: InverterConfig) -> tuple[list[int], list[int]]:
    inp = [cfg.bos_id, *y]
    lab = [*y, cfg.eos_id]  # label at position j is the token that follows input j
    return inp, lab


def _corr_row(h: list[int], y: list[int], cfg: InverterConfig) -> tuple[list[int], list[int]]:
    inp = [cfg.hyp_id, *h, cfg.bos_id, *y]
    lab = [-100] * (len(h) + 1) + [*y, cfg.eos_id]
    return inp, lab


def _corrupt(y: list[int], rng: random.Random, vocab: int, pool: list[int]) -> list[int]:
    p = rng.uniform(0.03, 0.45)
    out: list[int] = []
    for t in y:
        r = rng.random()
        if r < p * 0.5:
            out.append(rng.choice(pool) if rng.random() < 0.7 else rng.randrange(4, vocab))
        elif r < p * 0.7:
            continue
        elif r < p * 0.85:
            out.extend([t, t])
        else:
            out.append(t)
    return out or y[:1]


class Trainer:
    def __init__(self, args: TrainArgs) -> None:
        self.args = args
        self.device = torch.device(args.device)
        args.out_dir.mkdir(parents=True, exist_ok=True)
        self.rng = random.Random(args.seed)
        self.np_rng = np.random.default_rng(args.seed)
        torch.manual_seed(args.seed)
        self.enc = MiniLMEncoder(
            args.encoder_dir,
            device=args.device,
            dtype=torch.float16 if args.device.startswith("cuda") else torch.float32,
        )
        tok_dir = args.out_dir / "tokenizer"
        if not (tok_dir / "tokenizer.json").is_file():
            if args.tokenizer_dir:
                tok_dir.mkdir(parents=True, exist_ok=True)
                for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
                    if (Path(args.tokenizer_dir) / name).is_file():
                        shutil.copy(Path(args.tokenizer_dir) / name, tok_dir / name)
            else:
                texts = [s.text for s in generate_corpus(min(args.n_train, 60_000), args.seed + 1)]
                save_tokenizer(train_tokenizer(texts), tok_dir)
        self.tok = load_tokenizer(tok_dir)
        self.tok_dir = tok_dir
        self.cfg = InverterConfig(vocab_size=len(self.tok), **args.model)  # type: ignore[arg-type]
        self.lm: Any = build_lm(self.cfg).to(self.device)
        self.proj = Projector(self.cfg).to(self.device)
        self.params = list(self.lm.parameters()) + list(self.proj.parameters())
        self.opt = torch.optim.AdamW(
            self.params, lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01, fused=None
        )
        self.step = 0
        self.samples_seen = 0
        self.elapsed = 0.0
        self.curve: list[dict[str, float]] = []
        self.pool: dict[str, object] | None = None
        self.pool_pos = 0
        self.amp = torch.bfloat16 if self.device.type == "cuda" else None
        log.info(
            "LM %.1fM params, projector %.1fM params",
            count_params(self.lm) / 1e6,
            count_params(self.proj) / 1e6,
        )
        if not self._resume() and args.init_from:
            self._warm_start(Path(args.init_from))
        self.data = _prepare(args, self.cfg, self.enc, self.tok)
        if args.translated_from and args.translated_share > 0:
            self.data["emb_translated"] = _prepare_translated(args, self.cfg)
            if self.data["emb_translated"].shape != self.data["emb"].shape:
                raise ValueError("translated data cache does not line up with the training cache")
        # Token rows are assembled on the host: indexing a device tensor per row would sync per row.
        self.tokens_np = self.data.pop("tokens").cpu().numpy()
        self.lengths_np = self.data.pop("lengths").cpu().numpy()
        self.n = self.tokens_np.shape[0]
        self.eval_sets = {"heldout": _eval_set(args, "heldout"), "train_styles": _eval_set(args, "train")}

    # -- checkpoints ----------------------------------------------------------------------

    def _ckpt_dir(self) -> Path:
        return self.args.out_dir / "ckpt"

    def save_checkpoint(self) -> None:
        d = self._ckpt_dir()
        tmp = d.with_suffix(".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        state = {f"lm.{k}": v for k, v in self.lm.state_dict().items() if k != "lm_head.weight"}
        state.update({f"proj.{k}": v for k, v in self.proj.state_dict().items()})
        save_file({k: v.contiguous() for k, v in state.items()}, str(tmp / "model.safetensors"))
        opt_tensors: dict[str, torch.Tensor] = {}
        for i, st in self.opt.state_dict()["state"].items():
            for k, v in st.items():
                opt_tensors[f"{i}.{k}"] = v if torch.is_tensor(v) else torch.tensor(v)
        save_file(opt_tensors, str(tmp / "optim.safetensors"))
        meta = {
            "step": self.step,
            "samples_seen": self.samples_seen,
            "elapsed": self.elapsed,
            "curve": self.curve,
            "config": asdict(self.cfg),
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        shutil.rmtree(d, ignore_errors=True)
        tmp.rename(d)

    def _warm_start(self, src: Path) -> None:
        """Start from a shipped inverter's weights, with a fresh optimizer and schedule."""
        from ..inversion.inverter import load_parts

        cfg, lm, proj, _ = load_parts(src)
        if (cfg.d_model, cfg.n_layers, cfg.vocab_size, cfg.hyp_tokens) != (
            self.cfg.d_model,
            self.cfg.n_layers,
            self.cfg.vocab_size,
            self.cfg.hyp_tokens,
        ):
            raise ValueError(f"{src} has a different architecture than the model being trained")
        self.lm.load_state_dict(lm.state_dict())
        self.lm.tie_weights()
        self.proj.load_state_dict(proj.state_dict())
        log.info("warm-started from %s", src)

    def _resume(self) -> bool:
        d = self._ckpt_dir()
        if not (d / "meta.json").is_file():
            return False
        meta = json.loads((d / "meta.json").read_text())
        state = load_file(str(d / "model.safetensors"), device=str(self.device))
        self.lm.load_state_dict({k[3:]: v for k, v in state.items() if k.startswith("lm.")}, strict=False)
        self.lm.tie_weights()
        self.proj.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("proj.")})
        opt_state = self.opt.state_dict()
        flat = load_file(str(d / "optim.safetensors"), device=str(self.device))
        restored: dict[int, dict[str, torch.Tensor]] = {}
        for key, v in flat.items():
            i, name = key.split(".", 1)
            restored.setdefault(int(i), {})[name] = v.cpu() if name == "step" else v
        opt_state["state"] = restored
        self.opt.load_state_dict(opt_state)
        self.step, self.samples_seen, self.elapsed = meta["step"], meta["samples_seen"], meta["elapsed"]
        self.curve = meta.get("curve", [])
        log.info("resumed at step %d (%.0fs trained, %d samples)", self.step, self.elapsed, self.samples_seen)
        return True

    # -- corrector pool -------------------------------------------------------------------

    def _decode(self, ids: list[list[int]]) -> list[str]:
        return [t.strip() for t in self.tok.batch_decode(ids, skip_special_tokens=True)]  # type: ignore[attr-defined]

    def _target(self, i: int) -> list[int]:
        return self.tokens_np[i, : self.lengths_np[i]].tolist()

    @torch.no_grad()
    def _refresh_pool(self, size: int) -> None:
        t0 = time.time()
        idx = torch.randint(0, self.n, (size,), device=self.device)
        targets = [self._target(int(i)) for i in idx.tolist()]
        e = self.data["emb"][idx].float()
        hyps: list[list[int]] = []
        onpolicy = self.step >= self.args.onpolicy_after
        if not onpolicy:
            flat_pool = [t for y in targets[:512] for t in y]
            hyps = [_corrupt(y, self.rng, self.cfg.vocab_size, flat_pool) for y in targets]
        else:
            self.lm.eval()
            self.proj.eval()
            gb = self.args.gen_batch
            n_sample = size // 2
            n_greedy = size // 4
            with torch.autocast(self.device.type, dtype=self.amp, enabled=self.amp is not None):
                for s in range(0, size, gb):
                    es = e[s : s + gb]
                    prompts = list(hypothesis_prompts(self.lm, self.proj, self.cfg, es))
                    temp = 1.0 if s < n_sample else 0.0
                    hyps.extend(
                        generate_from_embeds(
                            self.lm,
                            prompts,
                            max_new_tokens=self.cfg.max_new_tokens,
                            eos_id=self.cfg.eos_id,
                            temperature=temp,
                        )
                    )
                # Second-order hypotheses: one greedy correction of a sampled first hypothesis.
                lo = n_sample + n_greedy
                if lo < size:
                    first = self._decode(hyps[lo:])
                    e_hat = self.enc.embed_tensor(first, batch_size=1024).float()
                    for s in range(0, size - lo, gb):
                        es, eh = e[lo + s : lo + s + gb], e_hat[s : s + gb]
                        pr = correction_prompts(
                            self.lm, self.proj, self.cfg, es, eh, hyps[lo + s : lo + s + gb]
                        )
                        new = generate_from_embeds(
                            self.lm,
                            pr,
                            max_new_tokens=self.cfg.max_new_tokens,
                            eos_id=self.cfg.eos_id,
                            temperature=0.0,
                        )
                        hyps[lo + s : lo + s + len(new)] = new
            self.lm.train()
            self.proj.train()
        # A few exact hypotheses teach the corrector to leave right answers alone.
        for j in range(0, size, 20):
            hyps[j] = list(targets[j])
        hyps = [h[: self.cfg.max_new_tokens - 1] or [self.cfg.eos_id] for h in hyps]
        e_hat = self.enc.embed_tensor(
            self._decode(hyps), batch_size=1024 if self.device.type == "cuda" else 64
        )
        self.pool = {"idx": idx, "idx_list": idx.tolist(), "hyps": hyps, "e_hat": e_hat.to(torch.float16)}
        self.pool_pos = 0
        log.info(
            "corrector pool of %d (%s) in %.1fs",
            size,
            "on-policy" if onpolicy else "corrupted",
            time.time() - t0,
        )

    # -- training -------------------------------------------------------------------------

    def _lr(self) -> float:
        a = self.args
        if a.max_steps:
            p = self.step / a.max_steps
        else:
            p = self.elapsed / a.time_budget
        warm = 0.02
        if p < warm:
            return a.lr * max(p / warm, 0.01)
        return a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, (p - warm) / (1 - warm)))))

    def _batch(self):
        b = self.args.batch_size
        bh = b // 2
        bc = b - bh
        if self.pool is None or self.pool_pos + bc > len(self.pool["hyps"]):  # type: ignore[arg-type]
            self._refresh_pool(self.args.pool_steps * bc)
        assert self.pool is not None
        hidx = self.np_rng.integers(0, self.n, bh)
        hyp_rows = [_hyp_row(self._target(int(i)), self.cfg) for i in hidx]
        p0, p1 = self.pool_pos, self.pool_pos + bc
        self.pool_pos = p1
        cidx = self.pool["idx_list"][p0:p1]  # type: ignore[index]
        hyps = self.pool["hyps"][p0:p1]  # type: ignore[index]
        corr_rows = [_corr_row(h, self._target(i), self.cfg) for h, i in zip(hyps, cidx, strict=True)]
        e_h = self._model_inputs(torch.from_numpy(hidx).to(self.device))
        e_c = self._model_inputs(self.pool["idx"][p0:p1])  # type: ignore[index]
        eh_c = self.pool["e_hat"][p0:p1].float()  # type: ignore[index]
        # Hypothesizer and corrector rows differ in length; padded apart they waste less compute.
        return (
            (self.proj.hypothesis_prefix, (e_h,), _rows_to_batch(hyp_rows, self.cfg, self.device)),
            (self.proj.correction_prefix, (e_c, eh_c), _rows_to_batch(corr_rows, self.cfg, self.device)),
        )

    def _model_inputs(self, idx: torch.Tensor) -> torch.Tensor:
        """The vectors rows `idx` read: the true ones, or for a share of rows a translated or
        noisy stand-in of the same text (the target text is unchanged either way)."""
        a = self.args
        e = self.data["emb"][idx].float()
        if "emb_translated" in self.data:
            swap = torch.rand(len(idx), 1, device=e.device) < a.translated_share
            e = torch.where(swap, self.data["emb_translated"][idx].float(), e)
        if a.input_noise_share > 0:
            noisy = torch.rand(len(idx), 1, device=e.device) < a.input_noise_share
            sigma = torch.rand(len(idx), 1, device=e.device) * a.input_noise_max * noisy
            e = F.normalize(e + sigma * torch.randn_like(e), dim=-1)
        return e

    def train_step(self) -> torch.Tensor:
        parts = self._batch()
        total = torch.zeros((), device=self.device)
        count = 0
        with torch.autocast(self.device.type, dtype=self.amp, enabled=self.amp is not None):
            for prefix_fn, inputs, (ids, labels) in parts:
                nll, scored = teacher_forced_nll(self.lm, prefix_fn(*inputs), ids, labels)
                total = total + nll
                count += scored
                self.samples_seen += ids.shape[0]
        loss = total / max(count, 1)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        for g in self.opt.param_groups:
            g["lr"] = self._lr()
        self.opt.step()
        self.step += 1
        return loss.detach()

    def evaluate(self, steps: int = 1, limit: int | None = None) -> dict[str, float]:
        self.lm.eval()
        self.proj.eval()
        out: dict[str, float] = {
            "step": self.step,
            "samples_seen": self.samples_seen,
            "elapsed": self.elapsed,
        }
        inv = Inverter(
            self.lm,
            self.proj,
            self.cfg,
            self.tok,
            lambda t: self.enc.embed_tensor(t, 512),
            TorchBackend(self.lm, self.cfg.eos_id, batch_size=self.args.gen_batch),
            InversionSettings(steps=steps, beam=1, candidates=1),
            device=self.args.device,
        )
        for name, samples in self.eval_sets.items():
            samples = samples[:limit] if limit else samples
            e = self.enc.embed(tuple(s.text for s in samples))
            with torch.autocast(self.device.type, dtype=self.amp, enabled=self.amp is not None):
                trace = inv.invert_trace(e, set(range(steps + 1)))
            for k, res in trace.items():
                m = summarize([s.text for s in samples], [r[0] for r in res], [s.entities for s in samples])
                for key in (
                    "bleu",
                    "exact",
                    "pii_PERSON",
                    "pii_EMAIL_ADDRESS",
                    "pii_PHONE_NUMBER",
                    "pii_US_SSN",
                ):
                    if key in m:
                        out[f"{name}.s{k}.{key}"] = round(m[key], 4)
                out[f"{name}.s{k}.cos"] = round(float(np.mean([r[1] for r in res])), 4)
        self.lm.train()
        self.proj.train()
        return out

    def run(self) -> None:
        a = self.args
        self.lm.train()
        self.proj.train()
        last_ckpt = last_eval = time.time()
        t_prev = time.time()
        losses: list[torch.Tensor] = []
        t_log, s_log = time.time(), self.step
        while (a.max_steps and self.step < a.max_steps) or (not a.max_steps and self.elapsed < a.time_budget):
            losses.append(self.train_step())
            now = time.time()
            self.elapsed += now - t_prev
            t_prev = now
            if self.step % 100 == 0:
                loss_avg = float(torch.stack(losses[-100:]).mean())
                losses = losses[-100:]
                rate = (self.step - s_log) / max(1e-9, time.time() - t_log)
                t_log, s_log = time.time(), self.step
                log.info(
                    "step %d loss %.4f lr %.2e samples %d elapsed %.0fs (%.2f steps/s)",
                    self.step,
                    loss_avg,
                    self._lr(),
                    self.samples_seen,
                    self.elapsed,
                    rate,
                )
            if now - last_eval > a.eval_every:
                res = self.evaluate(steps=1, limit=256)
                self.curve.append(res)
                log.info("eval %s", json.dumps(res))
                last_eval = time.time()
                t_prev = time.time()  # evaluation time does not count as training time
            if now - last_ckpt > a.ckpt_every:
                self.save_checkpoint()
                last_ckpt = time.time()
                t_prev = time.time()
        self.save_checkpoint()

    # -- export ---------------------------------------------------------------------------

    def export(self, dest: Path, shard_mb: int = 14) -> None:
        export_inverter(
            self.lm,
            self.proj,
            self.cfg,
            self.tok_dir,
            dest,
            shard_mb=shard_mb,
            curve=self.curve,
            meta={"step": self.step, "samples_seen": self.samples_seen, "elapsed": self.elapsed},
        )


def export_inverter(
    lm,
    proj: Projector,
    cfg: InverterConfig,
    tok_dir: Path,
    dest: Path,
    *,
    shard_mb: int = 14,
    curve: list[dict[str, float]] | None = None,
    meta: dict[str, float] | None = None,
) -> None:
    """Write an fp16 inverter folder that transformers and vLLM load unchanged."""
    import copy

    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("model*.safetensors*"):
        old.unlink()
    lm16 = copy.deepcopy(lm).to("cpu", torch.float16)
    lm16.save_pretrained(str(dest), max_shard_size=f"{shard_mb}MB", safe_serialization=True)
    for f in Path(tok_dir).iterdir():
        shutil.copy(f, dest / f.name)
    (dest / PROJECTOR_DIR).mkdir(exist_ok=True)
    state = {k: v.detach().to("cpu", torch.float16).contiguous() for k, v in proj.state_dict().items()}
    save_file(state, str(dest / PROJECTOR_DIR / PROJECTOR_FILE))
    cfg.save(dest / INVERTER_CONFIG)
    if curve is not None or meta is not None:
        (dest / "training_log.json").write_text(
            json.dumps({"meta": meta or {}, "curve": curve or []}, indent=1)
        )
