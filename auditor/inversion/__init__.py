"""Embedding inversion: the attack a scan runs, shipped inverters and their evaluation.

`load_inverter(encoder_id, attack=...)` returns a `VectorInverter`, or None when nothing can
invert that encoder's vectors, so the scan graph can record an honest skip instead of inventing
results. Training the inverter lives in `vecaudit.training`, which this package never imports.
"""

from __future__ import annotations

from ..model_files import inverter_dir, models_dir
from .inverter import InversionSettings, Inverter
from .load import (
    ATTACK_CHOICES,
    CPU_DEFAULTS,
    GPU_DEFAULTS,
    LOOP,
    TranslatedInverter,
    default_settings,
    load_inverter,
    load_loop,
)
from .protocol import VectorInverter

__all__ = [
    "ATTACK_CHOICES",
    "CPU_DEFAULTS",
    "GPU_DEFAULTS",
    "LOOP",
    "InversionSettings",
    "Inverter",
    "TranslatedInverter",
    "VectorInverter",
    "default_settings",
    "inverter_dir",
    "load_inverter",
    "load_loop",
    "models_dir",
]
