"""The one interface a scan needs from an inverter, whatever attack runs behind it.

Implementations: `attack.OracleAttack` (search guided by the real encoder, the default),
`inverter.Inverter` (the learned vec2text-style loop alone) and `load.TranslatedInverter`
(that loop reached through a translation adapter).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch


@runtime_checkable
class VectorInverter(Protocol):
    """Turns stored vectors back into text."""

    @property
    def encoder_id(self) -> str:
        """The registry id of the encoder whose vectors this inverts."""
        ...

    def invert(self, vectors: np.ndarray) -> list[tuple[str, float]]:
        """(text, cosine) per row of `vectors` (n, dim), the cosine in the stored vector's own space.

        Raises InverterError on a wrong shape or non-finite values.
        """
        ...

    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        """The stored vectors' encoder on `texts`: (len(texts), dim) float32 (the support test)."""
        ...

    def describe(self) -> dict[str, Any]:
        """What this inverter runs and, after `invert`, what it spent: recorded in reports."""
        ...
