"""Batched decoding with a KV cache over prompt embeddings (the in-process torch path)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .prompts import left_pad

Generators = torch.Generator | Sequence[torch.Generator] | None


def _pick(logits: torch.Tensor, temperature: float, top_k: int, gen: Generators) -> torch.Tensor:
    """The next token of each row: argmax at temperature 0, else a draw from `gen` (one generator
    for the batch, or one per row so that a row's draws do not depend on the rows beside it)."""
    if temperature <= 0:
        return logits.argmax(-1)
    logits = logits.float() / temperature
    if top_k > 0:
        kth = torch.topk(logits, min(top_k, logits.shape[-1]), dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    if gen is None or isinstance(gen, torch.Generator):
        return torch.multinomial(probs, 1, generator=gen).squeeze(-1)
    return torch.cat([torch.multinomial(row, 1, generator=g) for row, g in zip(probs, gen, strict=True)])


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
    generator: Generators = None,
) -> list[list[int]]:
    """Decode every prompt in one batch; rows stop at </s>. Returns token ids without </s>.

    Finished rows leave the batch (and the KV cache), so a batch costs what its live rows cost.
    `generator` may be one per prompt: each row then samples from its own stream only.
    """
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
    rows = torch.arange(b, device=emb.device)  # original index of each live row
    result: list[list[int]] = [[] for _ in range(b)]
    per_row = generator is not None and not isinstance(generator, torch.Generator)
    for step in range(max_new_tokens):
        live = [generator[r] for r in rows.tolist()] if per_row else generator  # type: ignore[index]
        tok = _pick(logits, temperature, top_k, live)
        ended = tok == eos_id
        for r, t, e in zip(rows.tolist(), tok.tolist(), ended.tolist(), strict=True):
            if not e:
                result[r].append(t)
        if step == max_new_tokens - 1:
            break
        if bool(ended.any()):
            keep = (~ended).nonzero().squeeze(-1)
            if keep.numel() == 0:
                break
            cache.batch_select_indices(keep)
            rows, tok, mask, next_pos = rows[keep], tok[keep], mask[keep], next_pos[keep]
        mask = torch.cat([mask, torch.ones((mask.shape[0], 1), dtype=mask.dtype, device=mask.device)], dim=1)
        out = lm(
            input_ids=tok[:, None],
            attention_mask=mask,
            position_ids=next_pos,
            past_key_values=cache,
            use_cache=True,
        )
        logits = out.logits[:, -1]
        next_pos = next_pos + 1
    return [[t for t in r if t != pad_id] for r in result]
