"""Translation adapters (hook): carry vectors from an identified encoder's space into the space of
an encoder we have an inverter for (vec2vec-style). The adapters themselves land with the
inverter; this module fixes the interface that the scan graph and identification use.

Identification's round-trip evidence (`identify(..., inverter=...)`) calls an `Inverter`
(vectors, encoder id) -> texts. `inverter_via_adapter` builds that callable from an inverter for
one target space plus adapters into it, so an encoder without its own inverter can still be
checked by round trip once an adapter exists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import EncoderError


@runtime_checkable
class TranslationAdapter(Protocol):
    source_id: str  # registry id of the encoder whose vectors go in
    target_id: str  # registry id of the encoder space that comes out

    def translate(self, vectors: np.ndarray) -> np.ndarray:
        """(n, source dim) float32 -> (n, target dim) float32."""
        ...


class IdentityAdapter:
    """Source and target are the same space (the identified encoder has its own inverter)."""

    def __init__(self, encoder_id: str) -> None:
        self.source_id = self.target_id = encoder_id

    def translate(self, vectors: np.ndarray) -> np.ndarray:
        return np.asarray(vectors, dtype=np.float32)


def inverter_via_adapter(
    invert: Callable[[np.ndarray], Sequence[str]],
    target_id: str,
    adapters: Sequence[TranslationAdapter] = (),
) -> Callable[[np.ndarray, str], Sequence[str]]:
    """An identification `Inverter` from an inverter for `target_id`'s space and adapters into it."""
    by_source = {a.source_id: a for a in adapters if a.target_id == target_id}
    by_source.setdefault(target_id, IdentityAdapter(target_id))

    def run(vectors: np.ndarray, encoder_id: str) -> Sequence[str]:
        adapter = by_source.get(encoder_id)
        if adapter is None:
            raise EncoderError(f"no adapter from {encoder_id!r} into {target_id!r}")
        return invert(adapter.translate(vectors))

    return run
