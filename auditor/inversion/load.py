"""Loading the inverter a scan runs: the oracle-guided attack by default, or the learned loop alone.

`load_inverter(encoder_id, attack=...)` resolves every setting once and returns an object of
the `VectorInverter` protocol, or None when nothing can invert that encoder's vectors (the scan
then records an honest skip). The attack levels are documented in `attack.plan`; `loop` is the
learned vec2text-style loop alone, with `--steps/--beam`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..errors import InverterError
from ..model_files import inverter_dir, models_dir
from .backend import vector_keys
from .inverter import InversionSettings, Inverter, Judge, build_inverter

#: The learned loop alone, no oracle search (today's loop before the attack layer).
LOOP = "loop"
ATTACK_CHOICES = (LOOP, "quick", "standard", "thorough")

# CPU defaults of the loop aim at ~500 vectors in a few minutes on 2 cores; GPU ones are full strength.
CPU_DEFAULTS = InversionSettings(steps=1, beam=1, candidates=1)
GPU_DEFAULTS = InversionSettings(steps=20, beam=4, candidates=4)


def default_settings(device: str, steps: int | None = None, beam: int | None = None) -> InversionSettings:
    """The loop's settings on `device`, with --steps/--beam applied (frozen)."""
    s = GPU_DEFAULTS if device.startswith("cuda") else CPU_DEFAULTS
    if steps is not None:
        s = dataclasses.replace(s, steps=steps)
    if beam is not None:
        s = dataclasses.replace(s, beam=beam, candidates=max(s.candidates, beam))
    return s


class TranslatedInverter:
    """Inverts source-encoder vectors by translating them into another inverter's space.

    Cosines and `embed` stay in the source space: the score of a recovery is how well the *source*
    encoder's embedding of the text matches the stored vector, which is what an attacker can check.
    """

    def __init__(self, base: Inverter, adapter: Any, source_encoder: Any, source_id: str) -> None:
        self.base = base
        self.adapter = adapter
        self.source_encoder = source_encoder
        self.source_id = source_id

    @property
    def encoder_id(self) -> str:
        return self.source_id

    @property
    def settings(self) -> InversionSettings:
        return self.base.settings

    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        return torch.from_numpy(np.asarray(self.source_encoder.embed(list(texts)), dtype=np.float32))

    def translate(self, vectors: np.ndarray) -> np.ndarray:
        """Source vectors (n, source dim) as vectors of the base inverter's space (n, base dim)."""
        return np.asarray(self.adapter.translate(np.asarray(vectors, dtype=np.float32)), dtype=np.float32)

    def describe(self) -> dict[str, Any]:
        return {**self.base.describe(), "translated_from": self.source_id, "adapter": self.adapter_name}

    @property
    def adapter_name(self) -> str:
        return f"adapter-{self.adapter.source_id}-to-{self.adapter.target_id}"

    def invert(self, vectors: np.ndarray) -> list[tuple[str, float]]:
        arr = np.asarray(vectors, dtype=np.float32)
        if arr.ndim != 2 or not np.isfinite(arr).all():
            raise InverterError("vectors must be a finite 2-D array")
        # Read the translation, but rank candidates (and report cosines) against the stored
        # vector in the source space, which is exact where the translation is only near.
        judge = Judge(self.embed, torch.nn.functional.normalize(torch.from_numpy(arr), dim=-1))
        # sampling is seeded by the stored vectors: a batched translation's last bits vary
        return self.base.invert(self.translate(arr), judge=judge, keys=vector_keys(arr))


def load_loop(
    encoder_id: str,
    *,
    backend: str = "torch",
    device: str = "cpu",
    steps: int | None = None,
    beam: int | None = None,
    vllm_url: str | Sequence[str] | None = None,
) -> Inverter | TranslatedInverter | None:
    """The learned loop for `encoder_id` (its own inverter, else one reached through a shipped
    translation adapter, vec2vec style), or None if neither ships."""
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
        from .vllm_backend import connect_fleet

        remote = connect_fleet(path, [vllm_url] if isinstance(vllm_url, str) else list(vllm_url))
    from ..encoders.registry import get_encoder

    encoder = get_encoder(encoder_id, device=device)

    def embed(texts: Sequence[str]) -> torch.Tensor:
        return torch.from_numpy(np.asarray(encoder.embed(list(texts)), dtype=np.float32))

    return build_inverter(
        path, embed, device=device, settings=default_settings(device, steps, beam), backend=remote
    )


def _translated(encoder_id: str, **kw: Any) -> TranslatedInverter | None:
    from ..encoders.registry import get_encoder
    from ..encoders.translation import find_adapter

    adapter = find_adapter(models_dir(), encoder_id)
    if adapter is None or inverter_dir(adapter.target_id) is None:
        return None
    base = load_loop(adapter.target_id, **kw)
    if not isinstance(base, Inverter):
        return None
    return TranslatedInverter(
        base, adapter, get_encoder(encoder_id, device=str(kw.get("device", "cpu"))), encoder_id
    )


def load_inverter(
    encoder_id: str,
    *,
    attack: str = LOOP,
    backend: str = "torch",
    device: str = "cpu",
    steps: int | None = None,
    beam: int | None = None,
    vllm_url: str | Sequence[str] | None = None,
) -> Any | None:
    """A `VectorInverter` for `encoder_id` at effort `attack` (one of ATTACK_CHOICES), or None.

    `loop` returns the learned loop (None when no inverter or adapter reaches the encoder). The
    other levels return an `OracleAttack` that scores every guess with the stored vectors' own
    encoder; the learned loop, where one reaches the encoder, is its proposer, and without one
    the search starts from the vocabulary. Raises InverterError on a bad backend or device and
    EncoderError when the encoder is not in the registry.
    """
    if attack not in ATTACK_CHOICES:
        raise InverterError(f"unknown attack level {attack!r}; choose one of {', '.join(ATTACK_CHOICES)}")
    loop = load_loop(encoder_id, backend=backend, device=device, steps=steps, beam=beam, vllm_url=vllm_url)
    if attack == LOOP:
        return loop
    from ..encoders.base import ScoringEncoder
    from ..encoders.registry import get_encoder
    from .attack.attack import OracleAttack
    from .attack.lexicon import Lexicon
    from .attack.plan import build_plan
    from .attack.proposer import Proposer

    encoder = get_encoder(encoder_id, device=device)
    fast = isinstance(encoder, ScoringEncoder)
    if not fast and not isinstance(loop, TranslatedInverter):
        # Embedding the lexicon (about 74k texts) with an encoder that has no fast scoring path
        # takes up to an hour on 2 cores, and nothing else proposes for it: say so, invent nothing.
        return None
    proposer: Proposer | None = None
    proposer_name: str | None = None
    if isinstance(loop, TranslatedInverter):
        proposer = Proposer(loop.base, translate=loop.translate)
        proposer_name = f"inverter-{loop.base.encoder_id} via {loop.adapter_name}"
    elif isinstance(loop, Inverter):
        proposer = Proposer(loop)
        proposer_name = f"inverter-{loop.encoder_id}"
    if fast:
        lexicon = Lexicon.for_encoder(encoder_id, encoder.embed_scoring)  # type: ignore[attr-defined]
    else:
        # A slow encoder's shortlists come from the proposer's lexicon, reached through the
        # adapter; the oracle still scores every candidate exactly in the stored vectors' space.
        assert isinstance(loop, TranslatedInverter)
        base = get_encoder(loop.base.encoder_id, device=device)
        base_embed = getattr(base, "embed_scoring", base.embed)
        lexicon = Lexicon.for_encoder(loop.base.encoder_id, base_embed, project=loop.translate)
    plan = build_plan(attack, lexicon, proposer, encoder)
    return OracleAttack(encoder, plan, proposer_name)
