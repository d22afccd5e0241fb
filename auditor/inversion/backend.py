"""The inverter backend protocol: turn prompt embeddings into candidate token sequences.

Candidate 0 of every prompt is greedy; candidates 1..n-1 are sampled. Greedy candidates are what
the torch and vLLM backends must agree on exactly. Sampled candidates are seeded per prompt from
the caller's seed and the prompt's content key (`sample_seed`), never from its position: a
vector's candidates, and so its findings, do not depend on the batch it was scanned in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import torch
from torch import nn

from .generate import Generators, generate_from_embeds

#: Seeds stay below this bound (vLLM's SamplingParams takes a signed 64-bit seed).
SEED_MOD = 2**63 - 1


def content_key(*parts: torch.Tensor | np.ndarray | bytes | Sequence[int]) -> bytes:
    """A 16-byte key of exact content: arrays by their shape and float32 bytes, bytes as given
    (another key), token ids by value; each part length-prefixed.

    Equal inputs give equal keys wherever they sit in a batch; inputs that differ in one bit
    give unrelated keys. Key what is exact: a stored vector as read, not one computed from it in
    a batch (a translation or a GPU normalization may move its last bits with the batch size)."""
    h = hashlib.blake2b(digest_size=16, person=b"vecaudit-key")
    for part in parts:
        if isinstance(part, torch.Tensor):
            part = part.detach().to("cpu", torch.float32).numpy()
        if isinstance(part, np.ndarray):
            arr = np.ascontiguousarray(part, dtype="<f4")
            blob = b"f4" + repr(arr.shape).encode() + arr.tobytes()
        elif isinstance(part, bytes):
            blob = b"key" + part
        else:
            blob = b"ids" + ",".join(map(str, part)).encode()
        h.update(len(blob).to_bytes(8, "big") + blob)
    return h.digest()


def vector_keys(vectors: np.ndarray | torch.Tensor) -> list[bytes]:
    """`content_key` of each row of an (n, d) array: the stored vectors as read from the store."""
    return [content_key(row) for row in vectors]


def sample_seed(seed: int, key: bytes, copy: int = 0) -> int:
    """The seed of one sampled stream: stream `copy` of the prompt with content `key`, in the
    caller's `seed` (an int in [0, SEED_MOD))."""
    h = hashlib.blake2b(f"{seed}:{copy}:".encode() + key, digest_size=8, person=b"vecaudit-seed")
    return int.from_bytes(h.digest(), "big") % SEED_MOD


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
        keys: Sequence[bytes] | None = None,
    ) -> list[list[list[int]]]:
        """For each prompt (T, d), n candidate token-id lists (without </s>).

        The sampled candidates of prompt i come from streams seeded by `sample_seed(seed, keys[i])`
        (`keys` default: `content_key` of each prompt), so a prompt's candidates are the same
        whatever prompts share the call and in whatever order."""
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
        self,
        prompts: Sequence[torch.Tensor],
        temperature: float,
        max_new: int,
        gens: Sequence[torch.Generator] | None,
    ) -> list[list[int]]:
        # Similar lengths together waste less padding in a batch.
        order = sorted(range(len(prompts)), key=lambda i: prompts[i].shape[0])
        res: dict[int, list[int]] = {}
        for s in range(0, len(order), self.batch_size):
            chunk = order[s : s + self.batch_size]
            gen: Generators = [gens[i] for i in chunk] if gens is not None else None
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
        keys: Sequence[bytes] | None = None,
    ) -> list[list[list[int]]]:
        greedy = self._run(prompts, 0.0, max_new_tokens, None)
        result = [[g] for g in greedy]
        if n > 1:
            keys = list(keys) if keys is not None else [content_key(p) for p in prompts]
            if len(keys) != len(prompts):
                raise ValueError(f"{len(keys)} keys for {len(prompts)} prompts")
            # one stream per sampled candidate: a row's draws never depend on its batch neighbours
            gens = [
                torch.Generator(device=p.device).manual_seed(sample_seed(seed, k, c))
                for p, k in zip(prompts, keys, strict=True)
                for c in range(n - 1)
            ]
            rep = [p for p in prompts for _ in range(n - 1)]
            sampled = self._run(rep, temperature, max_new_tokens, gens)
            for i in range(len(prompts)):
                result[i].extend(sampled[i * (n - 1) : (i + 1) * (n - 1)])
        return result

    def close(self) -> None:
        return None
