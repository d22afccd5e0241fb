"""Embedding inversion: shipped inverters, the correction loop, training and evaluation.

`load_inverter(encoder_id)` returns None when no inverter exists for that encoder, so the scan
graph can record an honest skip instead of inventing results.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ..errors import InverterError
from .inverter import InversionSettings, Inverter, Judge, build_inverter

__all__ = ["Inverter", "InversionSettings", "load_inverter", "inverter_dir", "models_dir", "default_settings"]

# CPU defaults aim at ~500 vectors in a few minutes on 2 cores; GPU defaults are full strength.
CPU_DEFAULTS = InversionSettings(steps=1, beam=1, candidates=1)
GPU_DEFAULTS = InversionSettings(steps=20, beam=4, candidates=4)


def models_dir() -> Path:
    """Where shipped inverters live: $VECAUDIT_MODELS_DIR, else the repository's models/."""
    env = os.environ.get("VECAUDIT_MODELS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "models"


def inverter_dir(encoder_id: str) -> Path | None:
    d = models_dir() / f"inverter-{encoder_id}"
    return d if (d / "inverter.json").is_file() else None


def default_settings(device: str, steps: int | None = None, beam: int | None = None) -> InversionSettings:
    base = GPU_DEFAULTS if device.startswith("cuda") else CPU_DEFAULTS
    s = InversionSettings(**vars(base))
    if steps is not None:
        s.steps = steps
    if beam is not None:
        s.beam = beam
        s.candidates = max(s.candidates, beam)
    return s


def load_inverter(
    encoder_id: str,
    *,
    backend: str = "torch",
    device: str = "cpu",
    steps: int | None = None,
    beam: int | None = None,
    vllm_url: str | None = None,
) -> Inverter | TranslatedInverter | None:
    """The inverter for `encoder_id`, or None if none ships for it.

    Without an inverter of its own, an encoder with a shipped translation adapter into a space
    that has one is inverted through that adapter (vec2vec style).
    """
    path = inverter_dir(encoder_id)
    if path is None:
        return _translated(
            encoder_id, backend=backend, device=device, steps=steps, beam=beam, vllm_url=vllm_url
        )
    if backend not in ("torch", "vllm"):
        raise InverterError(f"unknown inverter backend {backend!r}; choose torch or vllm")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InverterError(f"device {device!r} requested but CUDA is not available")
    remote = None
    if backend == "vllm":
        # Checked first, before any model loads: a server that is down or serves another model is an
        # error (exit 2), never a silent switch to the torch backend.
        if not vllm_url:
            raise InverterError("--inverter-backend vllm needs --vllm-url URL of the inverter server")
        from .vllm_backend import connect

        remote = connect(path, vllm_url)
    from ..encoders.registry import get_encoder

    encoder = get_encoder(encoder_id, device=device)

    def embed(texts):  # type: ignore[no-untyped-def]
        return torch.from_numpy(np.asarray(encoder.embed(list(texts)), dtype=np.float32))

    return build_inverter(
        path, embed, device=device, settings=default_settings(device, steps, beam), backend=remote
    )


class TranslatedInverter:
    """Inverts source-encoder vectors by translating them into another inverter's space.

    Cosines and `embed` stay in the source space: the score of a recovery is how well the *source*
    encoder's embedding of the text matches the stored vector, which is what an attacker can check.
    """

    def __init__(self, base: Inverter, adapter: object, source_encoder: object, source_id: str) -> None:
        self.base = base
        self.adapter = adapter
        self.source_encoder = source_encoder
        self.encoder_id = source_id
        self.settings = base.settings

    def embed(self, texts):  # type: ignore[no-untyped-def]
        return torch.from_numpy(np.asarray(self.source_encoder.embed(list(texts)), dtype=np.float32))  # type: ignore[attr-defined]

    def invert(self, vectors: np.ndarray) -> list[tuple[str, float]]:
        arr = np.asarray(vectors, dtype=np.float32)
        if arr.ndim != 2 or not np.isfinite(arr).all():
            raise InverterError("vectors must be a finite 2-D array")
        self.base.settings = self.settings
        # Read the translation, but rank candidates (and report cosines) against the stored
        # vector in the source space, which is exact where the translation is only near.
        judge = Judge(self.embed, torch.nn.functional.normalize(torch.from_numpy(arr), dim=-1))
        return self.base.invert(self.adapter.translate(arr), judge=judge)  # type: ignore[attr-defined]


def _translated(encoder_id: str, **kw: object) -> TranslatedInverter | None:
    from ..encoders.registry import get_encoder
    from ..encoders.translation import find_adapter

    adapter = find_adapter(models_dir(), encoder_id)
    if adapter is None or inverter_dir(adapter.target_id) is None:
        return None
    base = load_inverter(adapter.target_id, **kw)  # type: ignore[arg-type]
    if not isinstance(base, Inverter):
        return None
    return TranslatedInverter(
        base, adapter, get_encoder(encoder_id, device=str(kw.get("device", "cpu"))), encoder_id
    )
