"""Batched decoding with a KV cache over prompt embeddings (the in-process torch path)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .prompts import left_pad


def _pick(logits: torch.Tensor, temperature: float, top_k: int, gen: torch.Generator | None) -> torch.Tensor:
    if temperature <= 0:
        return logits.argmax(-1)
    logits = logits.float() / temperature
    if top_k > 0:
        kth = torch.topk(logits, min(top_k, logits.shape[-1]), dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    return torch.multinomial(probs, 1, generator=gen).squeeze(-1)


@torch.inference_mode()
def generate_from_embeds(
    lm: nn.Module,
    prompts: Sequence[torch.Tensor],
    *,
    max_new_tokens: int,
    eos_id: int,
    pad_id: int = 0,
    temperature: float = 0.0,
    top_k: int = 0,
    generator: torch.Generator | None = None,
) -> list[list[int]]:
    """Decode every prompt in one batch; rows stop at </s>. Returns token ids without </s>."""
    from transformers import DynamicCache

    if not prompts:
        return []
    emb, mask = left_pad(prompts)
    emb = emb.to(next(lm.parameters()).dtype)
    b = emb.shape[0]
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    cache = DynamicCache()
    out = lm(inputs_embeds=emb, attention_mask=mask, position_ids=pos, past_key_values=cache, use_cache=True)
    logits = out.logits[:, -1]
    next_pos = pos[:, -1:] + 1
    done = torch.zeros(b, dtype=torch.bool, device=emb.device)
    steps: list[torch.Tensor] = []
    for _ in range(max_new_tokens):
        tok = _pick(logits, temperature, top_k, generator)
        tok = torch.where(done, torch.full_like(tok, pad_id), tok)
        steps.append(tok)
        done |= tok == eos_id
        if bool(done.all()):
            break
        mask = torch.cat([mask, torch.ones((b, 1), dtype=mask.dtype, device=mask.device)], dim=1)
        out = lm(
            input_ids=tok[:, None],
            attention_mask=mask,
            position_ids=next_pos,
            past_key_values=out.past_key_values,
            use_cache=True,
        )
        logits = out.logits[:, -1]
        next_pos = next_pos + 1
    ids = torch.stack(steps, dim=1).tolist() if steps else [[] for _ in range(b)]
    result = []
    for row in ids:
        cut = row.index(eos_id) if eos_id in row else len(row)
        result.append([t for t in row[:cut] if t != pad_id])
    return result
