"""The inverter backend protocol: turn prompt embeddings into candidate token sequences.

Candidate 0 of every prompt is greedy; candidates 1..n-1 are sampled. Greedy candidates are what
the torch and vLLM backends must agree on exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import torch
from torch import nn

from .generate import generate_from_embeds


@runtime_checkable
class InverterBackend(Protocol):
    name: str

    def generate(
        self,
        prompts: Sequence[torch.Tensor],
        *,
        n: int,
        temperature: float,
        max_new_tokens: int,
        seed: int,
    ) -> list[list[list[int]]]:
        """For each prompt (T, d), n candidate token-id lists (without </s>)."""
        ...

    def close(self) -> None: ...


class TorchBackend:
    """In-process decoding, batched with a KV cache, on CPU or CUDA."""

    name = "torch"

    def __init__(
        self, lm: nn.Module, eos_id: int, pad_id: int = 0, batch_size: int = 128, top_k: int = 0
    ) -> None:
        self.lm = lm
        self.eos_id = eos_id
        self.pad_id = pad_id
        self.batch_size = batch_size
        self.top_k = top_k

    def _run(
        self, prompts: Sequence[torch.Tensor], temperature: float, max_new: int, gen: torch.Generator | None
    ):
        # Similar lengths together waste less padding in a batch.
        order = sorted(range(len(prompts)), key=lambda i: prompts[i].shape[0])
        res: dict[int, list[int]] = {}
        for s in range(0, len(order), self.batch_size):
            chunk = order[s : s + self.batch_size]
            ids = generate_from_embeds(
                self.lm,
                [prompts[i] for i in chunk],
                max_new_tokens=max_new,
                eos_id=self.eos_id,
                pad_id=self.pad_id,
                temperature=temperature,
                top_k=self.top_k,
                generator=gen,
            )
            res.update(zip(chunk, ids, strict=True))
        return [res[i] for i in range(len(prompts))]

    def generate(
        self,
        prompts: Sequence[torch.Tensor],
        *,
        n: int,
        temperature: float,
        max_new_tokens: int,
        seed: int,
    ) -> list[list[list[int]]]:
        greedy = self._run(prompts, 0.0, max_new_tokens, None)
        result = [[g] for g in greedy]
        if n > 1:
            gen = torch.Generator(device=prompts[0].device).manual_seed(seed)
            rep = [p for p in prompts for _ in range(n - 1)]
            sampled = self._run(rep, temperature, max_new_tokens, gen)
            for i in range(len(prompts)):
                result[i].extend(sampled[i * (n - 1) : (i + 1) * (n - 1)])
        return result

    def close(self) -> None:
        return None
