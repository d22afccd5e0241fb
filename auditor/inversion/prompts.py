"""Prompt construction shared by training and every backend.

A prompt is a (T, d) tensor of input embeddings: soft tokens from the projector followed by
ordinary token embeddings. Backends only ever see these tensors, which is exactly what vLLM's
`prompt_embeds` accepts, so the torch and vLLM paths cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .model import InverterConfig, Projector


def token_embeddings(lm: nn.Module, ids: torch.Tensor) -> torch.Tensor:
    emb: nn.Embedding = lm.get_input_embeddings()  # type: ignore[operator]
    return emb(ids)


def teacher_forced_nll(
    lm: nn.Module, prefix: torch.Tensor, ids: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, int]:
    """Summed next-token cross-entropy of `labels` (-100: ignored) after soft tokens `prefix`.

    Returns (sum, number of scored tokens) so callers can average over several row groups.
    """
    import torch.nn.functional as F

    x = torch.cat([prefix, token_embeddings(lm, ids).to(prefix.dtype)], 1)
    hidden = lm.model(inputs_embeds=x).last_hidden_state[:, prefix.shape[1] :]  # type: ignore[operator]
    sel = labels != -100
    logits = lm.lm_head(hidden[sel])  # type: ignore[operator]
    return F.cross_entropy(logits.float(), labels[sel], reduction="sum"), int(sel.sum())


def hypothesis_prompts(lm: nn.Module, proj: Projector, cfg: InverterConfig, e: torch.Tensor) -> torch.Tensor:
    """(B, k+1, d): soft tokens of e, then <s>."""
    prefix = proj.hypothesis_prefix(e)
    bos = torch.full((e.shape[0], 1), cfg.bos_id, dtype=torch.long, device=e.device)
    return torch.cat([prefix, token_embeddings(lm, bos).to(prefix.dtype)], dim=1)


def correction_prompts(
    lm: nn.Module,
    proj: Projector,
    cfg: InverterConfig,
    e: torch.Tensor,
    e_hat: torch.Tensor,
    hyp_ids: Sequence[Sequence[int]],
) -> list[torch.Tensor]:
    """One (k + 2 + len(hyp), d) tensor per row: soft tokens of (e, ê), <hyp>, ĥ, <s>."""
    prefix = proj.correction_prefix(e, e_hat)
    out = []
    for i, ids in enumerate(hyp_ids):
        toks = torch.tensor([cfg.hyp_id, *ids, cfg.bos_id], dtype=torch.long, device=e.device)
        out.append(torch.cat([prefix[i], token_embeddings(lm, toks).to(prefix.dtype)], dim=0))
    return out


def left_pad(prompts: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack variable-length prompts, padding on the left; returns (embeds, attention_mask)."""
    t = max(p.shape[0] for p in prompts)
    d = prompts[0].shape[1]
    emb = prompts[0].new_zeros((len(prompts), t, d))
    mask = torch.zeros((len(prompts), t), dtype=torch.long, device=prompts[0].device)
    for i, p in enumerate(prompts):
        emb[i, t - p.shape[0] :] = p
        mask[i, t - p.shape[0] :] = 1
    return emb, mask
