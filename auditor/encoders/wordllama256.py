"""WordLlama (l2_supercat, 256 dims) from the `wordllama` package, weights bundled in the package.

Average-pooled token embeddings; WordLlama's `embed` does not normalize by default, so neither do
we (a Cosine store normalizes on insert).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EncoderError
from .base import EncoderSpec

SPEC = EncoderSpec(
    id="wordllama-256",
    dim=256,
    pooling="avg-word",
    normalized=False,
    license="MIT",
    source="wordllama",
    description="WordLlama l2_supercat static token embeddings, average pooled, 256 dims",
)


class WordLlamaEncoder:
    def __init__(self, device: str = "cpu") -> None:
        try:
            import wordllama
            from wordllama import WordLlama
        except ImportError as exc:  # pragma: no cover - dependency of the distribution
            raise EncoderError("package wordllama is not installed") from exc
        self.spec = SPEC
        self.device = device
        package_dir = Path(wordllama.__file__).resolve().parent
        # disable_download: weights and tokenizer config ship inside the package; never fetch.
        self._model: Any = WordLlama.load(dim=256, disable_download=True, cache_dir=package_dir)

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.spec.dim), dtype=np.float32)
        vecs = self._model.embed(list(texts), norm=False, batch_size=batch_size)
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), self.spec.dim)

    def embed_scoring(self, texts: Sequence[str], batch_size: int = 512) -> np.ndarray:
        """`embed` itself: static token embeddings are already fast (tens of thousands of texts/s)."""
        return self.embed(texts, batch_size=batch_size)
