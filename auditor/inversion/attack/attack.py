"""Run an attack plan on a batch of stored vectors: the inverter that scans use.

`OracleAttack.invert(vectors)` returns one (text, cosine) per vector, the cosine computed at full
precision by the stored vector's own encoder. It also keeps a running record of what it ran and
what that cost (`AttackRecord`), which reports state as the method of the audit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ...encoders.base import Encoder
from ...errors import InverterError
from .base import Guess, SearchState
from .oracle import Oracle
from .plan import AttackPlan


@dataclass(frozen=True)
class BatchCost:
    """What one `invert` call spent: vectors, encoder calls (all strategies), wall seconds."""

    vectors: int
    encoder_calls: int
    seconds: float
    calls_by_strategy: dict[str, int]


@dataclass
class AttackRecord:
    """What the attack ran and spent, over every batch so far (no text, no values)."""

    plan: dict[str, Any]
    encoder: str
    proposer: str | None
    vectors: int = 0
    encoder_calls: int = 0
    seconds: float = 0.0
    calls_by_strategy: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        per = self.encoder_calls / self.vectors if self.vectors else 0.0
        return {
            **self.plan,
            "encoder": self.encoder,
            "proposer": self.proposer,
            "vectors": self.vectors,
            "encoder_calls": self.encoder_calls,
            "encoder_calls_per_vector": round(per, 1),
            "seconds_per_vector": round(self.seconds / self.vectors, 3) if self.vectors else 0.0,
            "calls_by_strategy": dict(self.calls_by_strategy),
        }


class OracleAttack:
    """Inverts vectors of `encoder` by running `plan`; cosines are judged in the encoder's own space."""

    def __init__(self, encoder: Encoder, plan: AttackPlan, proposer_name: str | None = None) -> None:
        self.encoder = encoder
        self.plan = plan
        self.record = AttackRecord(plan.describe(), encoder.spec.id, proposer_name)
        self.last_cost: BatchCost | None = None

    @property
    def encoder_id(self) -> str:
        return self.encoder.spec.id

    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        """The encoder's embeddings of texts (for the support test of findings)."""
        return torch.from_numpy(np.asarray(self.encoder.embed(list(texts)), dtype=np.float32))

    def describe(self) -> dict[str, Any]:
        return self.record.as_dict()

    def invert(self, vectors: np.ndarray) -> list[tuple[str, float]]:
        """(text, cosine) per row of `vectors` (n, dim); raises InverterError on a bad array."""
        arr = np.asarray(vectors, dtype=np.float32)
        if arr.ndim != 2:
            raise InverterError(f"vectors must be a 2-D array, got shape {tuple(arr.shape)}")
        if arr.shape[0] == 0:
            return []
        started = time.monotonic()
        oracle = Oracle(self.encoder, arr, budget=self.plan.budget)
        empty = Guess((), (), -1.0)
        state = SearchState(oracle, [empty] * oracle.n, [[] for _ in range(oracle.n)])
        for step in self.plan.steps:
            # Each vector keeps to its own budget inside the strategies; one expensive vector
            # must not end the search for the others.
            left = int(max(oracle.remaining(i) for i in range(oracle.n)))
            if left <= 0:
                break
            step.strategy.run(state, left)
        texts = [g.text for g in state.best]
        cos = oracle.exact(list(range(oracle.n)), texts)
        cost = BatchCost(oracle.n, int(oracle.calls.sum()), time.monotonic() - started, dict(state.spent))
        self.last_cost = cost
        self.record.vectors += cost.vectors
        self.record.encoder_calls += cost.encoder_calls
        self.record.seconds += cost.seconds
        for name, calls in cost.calls_by_strategy.items():
            self.record.calls_by_strategy[name] = self.record.calls_by_strategy.get(name, 0) + calls
        return [(t, float(c)) for t, c in zip(texts, cos, strict=True)]
