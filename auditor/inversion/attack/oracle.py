"""The attacker's exact check: how close a candidate text's embedding is to a stored vector.

Whoever copied the vectors can run the public encoder that made them, so every guess can be
scored exactly by cos(E(text), v). The oracle does that for a batch of stored vectors, caches
embeddings by text (value search re-scores the same texts often), and charges each vector for
every distinct text scored on its behalf, which is the cost measure (and the budget) of every
search strategy. The charge is what inverting that vector alone would cost: a text a neighbour
in the batch already embedded is still charged, or a vector's budget, and so what the search
finds for it, would depend on the batch it was read in.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from ...encoders.base import Encoder, ScoringEncoder
from ...encoders.profiles import unit_rows
from ...errors import InverterError

#: Cached embeddings (one 384-dim fp32 row is 1.5 kB; 60k rows are about 90 MB).
CACHE_ROWS = 60_000


class Oracle:
    """Exact cosine scoring against `targets` (n, dim) with per-vector call accounting.

    `score(i, texts)` returns cos(E(t), targets[i]) for each text, using the encoder's fast
    scoring path when it has one (`ScoringEncoder`); `exact` recomputes with `embed` for the
    cosines a report states. `calls[i]` counts the distinct texts scored for vector i (each once,
    cached or not); `computed` counts the embeddings actually computed (the cache's saving).
    `stored` keeps `targets` as given (the stored vectors), whose bytes key sampling.
    """

    def __init__(self, encoder: Encoder, targets: np.ndarray, *, budget: int | None = None) -> None:
        arr = np.asarray(targets, dtype=np.float32)
        if arr.ndim != 2 or arr.shape[1] != encoder.spec.dim:
            raise InverterError(
                f"{encoder.spec.id} vectors have {encoder.spec.dim} dimensions, got shape {tuple(arr.shape)}"
            )
        if not np.isfinite(arr).all():
            raise InverterError("vectors contain NaN or infinite values; drop them before inverting")
        self.encoder = encoder
        self.stored = arr
        self.targets = unit_rows(arr)
        self.budget = budget
        self.calls = np.zeros(arr.shape[0], dtype=np.int64)
        self.computed = 0
        self._charged: list[set[str]] = [set() for _ in range(arr.shape[0])]
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._fast = encoder.embed_scoring if isinstance(encoder, ScoringEncoder) else encoder.embed

    @property
    def n(self) -> int:
        return int(self.targets.shape[0])

    def remaining(self, i: int) -> int:
        """Encoder calls vector i may still spend (a large number when there is no budget)."""
        if self.budget is None:
            return 1 << 40
        return max(0, self.budget - int(self.calls[i]))

    def embed(self, texts: Sequence[str], owners: Sequence[int] | None = None) -> np.ndarray:
        """Unit embeddings (len(texts), dim) from the fast path; texts[k] is charged to owners[k]
        unless that vector was charged for it before."""
        if owners is not None:
            for text, owner in zip(texts, owners, strict=True):
                charged = self._charged[owner]
                if text not in charged:
                    charged.add(text)
                    self.calls[owner] += 1
        out = np.empty((len(texts), self.targets.shape[1]), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for k, text in enumerate(texts):
            row = self._cache.get(text)
            if row is None:
                missing.setdefault(text, []).append(k)
            else:
                self._cache.move_to_end(text)
                out[k] = row
        if missing:
            fresh = list(missing)
            rows = unit_rows(np.asarray(self._fast(fresh), dtype=np.float32))
            self.computed += len(fresh)
            for text, row in zip(fresh, rows, strict=True):
                for k in missing[text]:
                    out[k] = row
                self._cache[text] = row
            while len(self._cache) > CACHE_ROWS:
                self._cache.popitem(last=False)
        return out

    def score(self, i: int, texts: Sequence[str]) -> np.ndarray:
        """cos(E(t), targets[i]) for every text: shape (len(texts),)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        return self.embed(texts, [i] * len(texts)) @ self.targets[i]

    def score_pairs(self, owners: Sequence[int], texts: Sequence[str]) -> np.ndarray:
        """cos(E(texts[k]), targets[owners[k]]) for candidates of several vectors in one batch."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        emb = self.embed(texts, owners)
        return np.einsum("kd,kd->k", emb, self.targets[np.asarray(owners)])

    def exact(self, owners: Sequence[int], texts: Sequence[str]) -> np.ndarray:
        """Full-precision cosines for the texts a report states (not cached, not charged)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        emb = unit_rows(np.asarray(self.encoder.embed(list(texts)), dtype=np.float32))
        return np.einsum("kd,kd->k", emb, self.targets[np.asarray(owners)])
