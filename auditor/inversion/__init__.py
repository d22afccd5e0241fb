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
from .inverter import InversionSettings, Inverter, build_inverter

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
) -> Inverter | None:
    """The inverter for `encoder_id`, or None if none ships for it."""
    path = inverter_dir(encoder_id)
    if path is None:
        return None
    if backend not in ("torch", "vllm"):
        raise InverterError(f"unknown inverter backend {backend!r}; choose torch or vllm")
    if backend == "vllm":
        # Never fall back silently: a user who asked for vLLM gets an error, not other numbers.
        raise InverterError(
            "the vLLM inverter backend is not available in this build; use --inverter-backend torch"
        )
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InverterError(f"device {device!r} requested but CUDA is not available")
    from ..encoders.registry import get_encoder

    encoder = get_encoder(encoder_id, device=device)

    def embed(texts):  # type: ignore[no-untyped-def]
        return torch.from_numpy(np.asarray(encoder.embed(list(texts)), dtype=np.float32))

    return build_inverter(path, embed, device=device, settings=default_settings(device, steps, beam))
