"""vecaudit's own encoders, published under `vecaudit.encoders` like any third party's.

Each entry point (named by the encoder id, pyproject.toml) loads a `BuiltinEncoder`: a factory with
a `.spec`, so the registry lists it without loading a model; calling it imports the encoder's
module and its heavy dependencies (torch, onnxruntime, ...) only then.
"""

from __future__ import annotations

import importlib
from typing import Any

# the spec modules import only numpy and pydantic at module level
from . import e5 as _e5
from . import minilm as _minilm
from . import paraphrase_minilm as _paraphrase
from . import wordllama256 as _wordllama
from .base import Encoder, EncoderSpec


class BuiltinEncoder:
    """A lazy factory for one built-in encoder: `factory(device=...)` returns the loaded Encoder."""

    def __init__(self, spec: EncoderSpec, module: str, cls: str) -> None:
        self.spec = spec
        self._module = module
        self._cls = cls

    def __call__(self, device: str = "cpu") -> Encoder:
        encoder_cls: Any = getattr(importlib.import_module(self._module), self._cls)
        encoder: Encoder = encoder_cls(device=device)
        return encoder

    def __repr__(self) -> str:
        return f"BuiltinEncoder({self.spec.id!r})"


minilm = BuiltinEncoder(_minilm.SPEC, _minilm.__name__, "MiniLMEncoder")
paraphrase_minilm = BuiltinEncoder(_paraphrase.SPEC, _paraphrase.__name__, "ParaphraseMiniLMEncoder")
e5_small = BuiltinEncoder(_e5.SPEC, _e5.__name__, "E5SmallEncoder")
wordllama_256 = BuiltinEncoder(_wordllama.SPEC, _wordllama.__name__, "WordLlamaEncoder")

#: The built-ins in the order listings and identification have always used (entry points come
#: back unordered). Registration itself is through the entry points only.
ORDER: tuple[str, ...] = tuple(f.spec.id for f in (minilm, paraphrase_minilm, e5_small, wordllama_256))
